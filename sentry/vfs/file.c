// SPDX-License-Identifier: Apache-2.0
/* Open file descriptions and fd tables. */
#include "sentry/vfs/file.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void file_init(struct file *f, const struct file_ops *ops, uint32_t flags)
{
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	f->pos = 0;
	pthread_mutex_init(&f->pos_lock, NULL);
	f->path.mnt = NULL;
	f->path.dentry = NULL;
	f->inode = NULL;
	f->counted = false;
	f->owner_pid = 0;
	f->owner_type = ABI_F_OWNER_TID;
	f->owner_sig = 0;
	f->lease = ABI_F_UNLCK;
	f->dn_mask = 0;
	f->write_hint = 0;
	f->ep_links = NULL;
}

void file_count_open(struct file *f)
{
	if (!f->inode || f->counted)
		return;
	f->counted = true;
	if (file_writable(f))
		__atomic_add_fetch(&f->inode->nwriters, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&f->inode->nreaders, 1, __ATOMIC_RELAXED);
}

/* The write at *pos (NULL: a stream's), cut to the file size limit. */
static ssize_t kwrite_checked(struct file *f, const void *buf, size_t len,
			      int64_t *pos)
{
	uint64_t count = len;

	if (pos && len) {
		int err = vfs_write_check_limits(current_task, f, *pos, &count);

		if (err)
			return err;
	}
	return f->ops->kwrite(f, buf, (size_t)count, pos);
}

ssize_t file_kwrite(struct file *f, const void *buf, size_t len, int64_t *pos)
{
	ssize_t n;

	if (!f->ops->kwrite)
		return -EINVAL;
	if (pos || f->stream || !f->ops->seekable || !f->ops->seekable(f))
		return kwrite_checked(f, buf, len, pos);
	pthread_mutex_lock(&f->pos_lock);
	n = kwrite_checked(f, buf, len, &f->pos);
	pthread_mutex_unlock(&f->pos_lock);
	return n;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct vfs_path path = f->path;
		struct vfs_inode *inode = f->inode;

		/* Entries are added only through an fd, so none come now. */
		if (__atomic_load_n(&f->ep_links, __ATOMIC_ACQUIRE))
			eventpoll_release(f);
		vfs_flock_release(f);
		vfs_lock_release(file_lock_key(f), f); /* its OFD locks */
		if (f->counted && file_writable(f))
			__atomic_sub_fetch(&inode->nwriters, 1,
					   __ATOMIC_RELAXED);
		else if (f->counted)
			__atomic_sub_fetch(&inode->nreaders, 1,
					   __ATOMIC_RELAXED);
		f->ops->release(f);
		vfs_path_put(&path);
		vfs_inode_put(inode);
	}
}

/*
 * f leaves table t's fd: the process's POSIX locks on f's file all go, as
 * on any close in Linux (filp_close), and t's reference on f.
 */
static void fd_drop(struct fdtable *t, struct file *f)
{
	if (!f)
		return;
	vfs_lock_release(file_lock_key(f), t);
	file_put(f);
}

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->refs = 1;
	return t;
}

void fdtable_put(struct fdtable *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (int i = 0; i < t->cap; i++)
		fd_drop(t, t->fds[i].file);
	free(t->fds);
	free(t);
}

int anon_file_stat(struct file *f, struct abi_stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	st->st_dev = ANON_INODE_DEV;
	st->st_ino = ANON_INODE_INO;
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = 4096;
	return 0;
}

int64_t noop_llseek(struct file *f, int64_t off, int whence)
{
	(void)off;
	(void)whence;
	return f->pos;
}

struct fdtable *fdtable_dup(struct fdtable *t)
{
	struct fdtable *n = fdtable_create();

	if (!n)
		return NULL;
	pthread_mutex_lock(&t->lock);
	if (t->cap) {
		n->fds = calloc((size_t)t->cap, sizeof(*n->fds));
		if (!n->fds) {
			pthread_mutex_unlock(&t->lock);
			free(n);
			return NULL;
		}
		n->cap = t->cap;
		for (int i = 0; i < t->cap; i++) {
			n->fds[i] = t->fds[i];
			if (n->fds[i].file)
				file_get(n->fds[i].file);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int i = 0;; i++) {
		struct file *f = NULL;
		bool more;

		pthread_mutex_lock(&t->lock);
		more = i < t->cap;
		if (more && t->fds[i].file && t->fds[i].cloexec) {
			f = t->fds[i].file;
			t->fds[i] = (struct fd_entry){NULL, false};
		}
		pthread_mutex_unlock(&t->lock);
		if (!more)
			break;
		fd_drop(t, f);
	}
}

int fdtable_size(struct fdtable *t)
{
	int cap;

	pthread_mutex_lock(&t->lock);
	cap = t->cap ? t->cap : 64;
	pthread_mutex_unlock(&t->lock);
	return cap;
}

static int grow(struct fdtable *t, int need)
{
	struct fd_entry *p;
	int cap = t->cap ? t->cap : 64;

	while (cap <= need)
		cap *= 2;
	if (cap <= t->cap)
		return 0;
	p = realloc(t->fds, (size_t)cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + t->cap, 0, (size_t)(cap - t->cap) * sizeof(*p));
	t->fds = p;
	t->cap = cap;
	return 0;
}

int fd_alloc(struct fdtable *t, struct file *f, bool cloexec, int min_fd,
	     uint64_t limit)
{
	int fd;

	if (min_fd < 0)
		return -EINVAL;
	if ((uint64_t)min_fd >= limit)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	for (fd = min_fd; fd < t->cap && t->fds[fd].file; fd++)
		;
	if ((uint64_t)fd >= limit) {
		fd = -EMFILE;
	} else if (grow(t, fd) < 0) {
		fd = -ENOMEM;
	} else {
		file_get(f);
		t->fds[fd] = (struct fd_entry){f, cloexec};
	}
	pthread_mutex_unlock(&t->lock);
	return fd;
}

int fd_install_at(struct fdtable *t, struct file *f, int fd, bool cloexec,
		  uint64_t limit)
{
	struct file *old = NULL;

	if (fd < 0 || (uint64_t)fd >= limit)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	if (grow(t, fd) < 0) {
		pthread_mutex_unlock(&t->lock);
		return -ENOMEM;
	}
	old = t->fds[fd].file;
	file_get(f);
	t->fds[fd] = (struct fd_entry){f, cloexec};
	pthread_mutex_unlock(&t->lock);
	fd_drop(t, old);
	return fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fds[fd].file) {
		f = t->fds[fd].file;
		file_get(f);
	}
	pthread_mutex_unlock(&t->lock);
	return f;
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap) {
		f = t->fds[fd].file;
		t->fds[fd] = (struct fd_entry){NULL, false};
	}
	pthread_mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	fd_drop(t, f);
	return 0;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	int ret = -EBADF;

	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fds[fd].file)
		ret = t->fds[fd].cloexec;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int ret = -EBADF;

	pthread_mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fds[fd].file) {
		t->fds[fd].cloexec = on;
		ret = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}
