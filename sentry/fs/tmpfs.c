// SPDX-License-Identifier: Apache-2.0
/*
 * tmpfs: files that live in the sentry. Directories are lists of entries
 * with stable positions for readdir; symlinks hold their target; regular
 * files keep their data in pages of the memory file, so that they can later
 * be mapped shared into address spaces like any application memory.
 */
#include "sentry/fs/tmpfs.h"

#include "sentry/fs/devices.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

static const struct vfs_inode_ops tmpfs_inode_ops;

static struct tmpfs_super *to_ts(struct vfs_super *sb)
{
	return container_of(sb, struct tmpfs_super, sb);
}

bool tmpfs_is(const struct vfs_inode *inode)
{
	return inode->ops == &tmpfs_inode_ops;
}

static void set_owner(struct vfs_inode *i, struct vfs_inode *dir,
		      const struct creds *c)
{
	i->uid = c->fsuid;
	/* setgid directories give their group, and setgid to subdirectories */
	if (dir && (dir->mode & ABI_S_ISGID)) {
		i->gid = dir->gid;
		if (ABI_S_ISDIR(i->mode))
			i->mode |= ABI_S_ISGID;
	} else {
		i->gid = c->fsgid;
	}
}

struct tmpfs_inode *tmpfs_new_inode(struct tmpfs_super *ts, uint32_t mode)
{
	struct tmpfs_inode *ti = calloc(1, sizeof(*ti));

	if (!ti)
		return NULL;
	vfs_inode_init(&ti->i, &ts->sb, &tmpfs_inode_ops, mode);
	pthread_mutex_init(&ti->pages_lock, NULL);
	__atomic_add_fetch(&ts->sb.refs, 1, __ATOMIC_RELAXED);
	if (ABI_S_ISREG(mode))
		ti->reg.seals = TMPFS_SEAL_SEAL; /* memfds may allow sealing */
	if (ABI_S_ISDIR(mode)) {
		ti->dir.next_pos = 2; /* 0 and 1 are "." and ".." */
		ti->i.size = 4096;
		ti->i.blocks = 8;
	}
	return ti;
}

static struct tmpfs_dirent *find(struct tmpfs_inode *dir, const char *name)
{
	for (struct tmpfs_dirent *e = dir->dir.head; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

int tmpfs_dir_append(struct tmpfs_inode *dir, const char *name,
		     struct vfs_inode *inode, uint64_t pos)
{
	struct tmpfs_dirent *e = calloc(1, sizeof(*e)), **tail;

	if (!e || !(e->name = strdup(name))) {
		free(e);
		return -ENOMEM;
	}
	e->inode = vfs_inode_get(inode);
	e->pos = pos;
	if (dir->dir.next_pos <= pos)
		dir->dir.next_pos = pos + 1;
	for (tail = &dir->dir.head; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	dir->dir.nentries++;
	return 0;
}

/* Add name -> inode (taking a reference) at the end of dir. */
static int add_entry(struct tmpfs_inode *dir, const char *name,
		     struct vfs_inode *inode)
{
	return tmpfs_dir_append(dir, name, inode, dir->dir.next_pos);
}

/* Remove name from dir, dropping the entry's reference. */
static void remove_entry(struct tmpfs_inode *dir, const char *name)
{
	for (struct tmpfs_dirent **pp = &dir->dir.head; *pp;
	     pp = &(*pp)->next) {
		struct tmpfs_dirent *e = *pp;

		if (strcmp(e->name, name) == 0) {
			*pp = e->next;
			vfs_inode_put(e->inode);
			free(e->name);
			free(e);
			dir->dir.nentries--;
			return;
		}
	}
}

static void touch(struct vfs_inode *i, bool modified)
{
	struct abi_timespec now;

	vfs_now(&now);
	pthread_mutex_lock(&i->lock);
	i->ctime = now;
	if (modified)
		i->mtime = now;
	pthread_mutex_unlock(&i->lock);
}

static int tmpfs_lookup(struct vfs_inode *dir, const char *name,
			struct vfs_inode **out)
{
	struct tmpfs_dirent *e = find(to_ti(dir), name);

	if (!e)
		return -ENOENT;
	*out = vfs_inode_get(e->inode);
	return 0;
}

/* Make a new inode of mode in dir under name; *out has a reference. */
static int make(struct vfs_inode *dir, const char *name, uint32_t mode,
		const struct creds *c, struct tmpfs_inode **out)
{
	struct tmpfs_inode *ti = tmpfs_new_inode(to_ts(dir->sb), mode);
	int err;

	if (!ti)
		return -ENOMEM;
	set_owner(&ti->i, dir, c);
	err = add_entry(to_ti(dir), name, &ti->i);
	if (err) {
		vfs_inode_put(&ti->i);
		return err;
	}
	touch(dir, true);
	*out = ti;
	return 0;
}

static int tmpfs_mknod(struct vfs_inode *dir, const char *name, uint32_t mode,
		       uint64_t rdev, const struct creds *c,
		       struct vfs_inode **out)
{
	struct tmpfs_inode *ti;
	int err = make(dir, name, mode, c, &ti);

	if (err)
		return err;
	ti->i.rdev = rdev;
	*out = &ti->i;
	return 0;
}

static int tmpfs_tmpfile(struct vfs_inode *dir, uint32_t mode,
			 const struct creds *c, struct vfs_inode **out)
{
	struct tmpfs_inode *ti = tmpfs_new_inode(to_ts(dir->sb), mode);

	if (!ti)
		return -ENOMEM;
	set_owner(&ti->i, dir, c);
	ti->i.nlink = 0;
	*out = &ti->i;
	return 0;
}

static int tmpfs_mkdir(struct vfs_inode *dir, const char *name, uint32_t mode,
		       const struct creds *c, struct vfs_inode **out)
{
	struct tmpfs_inode *ti;
	int err = make(dir, name, ABI_S_IFDIR | mode, c, &ti);

	if (err)
		return err;
	pthread_mutex_lock(&dir->lock);
	dir->nlink++; /* the new ".." */
	pthread_mutex_unlock(&dir->lock);
	*out = &ti->i;
	return 0;
}

static int tmpfs_symlink(struct vfs_inode *dir, const char *name,
			 const char *target, const struct creds *c,
			 struct vfs_inode **out)
{
	char *copy = strdup(target);
	struct tmpfs_inode *ti;
	int err;

	if (!copy)
		return -ENOMEM;
	err = make(dir, name, ABI_S_IFLNK | 0777, c, &ti);
	if (err) {
		free(copy);
		return err;
	}
	ti->target = copy;
	ti->i.size = strlen(copy);
	*out = &ti->i;
	return 0;
}

static int tmpfs_link(struct vfs_inode *dir, const char *name,
		      struct vfs_inode *old)
{
	int err = add_entry(to_ti(dir), name, old);

	if (err)
		return err;
	pthread_mutex_lock(&old->lock);
	old->nlink++;
	pthread_mutex_unlock(&old->lock);
	touch(old, false);
	touch(dir, true);
	return 0;
}

static void drop_link(struct vfs_inode *victim, bool dir)
{
	pthread_mutex_lock(&victim->lock);
	if (dir)
		victim->nlink = 0;
	else if (victim->nlink > 0)
		victim->nlink--;
	pthread_mutex_unlock(&victim->lock);
	touch(victim, false);
}

static int tmpfs_unlink(struct vfs_inode *dir, const char *name,
			struct vfs_inode *victim)
{
	drop_link(victim, false);
	remove_entry(to_ti(dir), name);
	touch(dir, true);
	return 0;
}

static int tmpfs_rmdir(struct vfs_inode *dir, const char *name,
		       struct vfs_inode *victim)
{
	if (to_ti(victim)->dir.nentries)
		return -ENOTEMPTY;
	drop_link(victim, true);
	remove_entry(to_ti(dir), name);
	pthread_mutex_lock(&dir->lock);
	dir->nlink--;
	pthread_mutex_unlock(&dir->lock);
	touch(dir, true);
	return 0;
}

/* Point the entry name of dir at inode instead (taking a reference). */
static void retarget(struct tmpfs_inode *dir, const char *name,
		     struct vfs_inode *inode)
{
	struct tmpfs_dirent *e = find(dir, name);

	vfs_inode_get(inode);
	vfs_inode_put(e->inode);
	e->inode = inode;
}

static void adjust_nlink(struct vfs_inode *i, int delta)
{
	pthread_mutex_lock(&i->lock);
	i->nlink = (uint32_t)((int)i->nlink + delta);
	pthread_mutex_unlock(&i->lock);
}

static int tmpfs_rename(struct vfs_inode *olddir, const char *oldname,
			struct vfs_inode *src, struct vfs_inode *newdir,
			const char *newname, struct vfs_inode *dst,
			unsigned flags)
{
	bool src_dir = ABI_S_ISDIR(src->mode);
	int err;

	if (flags & ABI_RENAME_EXCHANGE) {
		bool dst_dir = ABI_S_ISDIR(dst->mode);

		vfs_inode_get(src);
		retarget(to_ti(olddir), oldname, dst);
		retarget(to_ti(newdir), newname, src);
		vfs_inode_put(src);
		if (olddir != newdir && src_dir != dst_dir) {
			adjust_nlink(olddir, src_dir ? -1 : 1);
			adjust_nlink(newdir, src_dir ? 1 : -1);
		}
		touch(src, false);
		touch(dst, false);
		touch(olddir, true);
		touch(newdir, true);
		return 0;
	}
	if (dst) {
		if (ABI_S_ISDIR(dst->mode) && to_ti(dst)->dir.nentries)
			return -ENOTEMPTY;
		vfs_inode_get(src);
		retarget(to_ti(newdir), newname, src);
		drop_link(dst, ABI_S_ISDIR(dst->mode));
		if (ABI_S_ISDIR(dst->mode))
			adjust_nlink(newdir, -1);
	} else {
		err = add_entry(to_ti(newdir), newname, src);
		if (err)
			return err;
		vfs_inode_get(src);
	}
	remove_entry(to_ti(olddir), oldname);
	vfs_inode_put(src);
	if (src_dir && olddir != newdir) {
		adjust_nlink(olddir, -1);
		adjust_nlink(newdir, 1);
	}
	touch(src, false);
	touch(olddir, true);
	touch(newdir, true);
	return 0;
}

static ssize_t tmpfs_readlink(struct vfs_inode *inode, char *buf, size_t len)
{
	struct tmpfs_inode *ti = to_ti(inode);
	size_t n = strlen(ti->target);

	if (n > len)
		n = len;
	memcpy(buf, ti->target, n);
	return (ssize_t)n;
}

static void tmpfs_evict(struct vfs_inode *inode)
{
	struct tmpfs_inode *ti = to_ti(inode);
	struct vfs_super *sb = inode->sb;

	vfs_xattrs_free(&ti->xattrs);

	if (ABI_S_ISDIR(inode->mode)) {
		while (ti->dir.head)
			remove_entry(ti, ti->dir.head->name);
	} else if (ABI_S_ISLNK(inode->mode)) {
		free(ti->target);
	} else if (ABI_S_ISREG(inode->mode)) {
		tmpfs_truncate_pages(ti, 0);
		free(ti->reg.pages);
		free(ti->reg.zombies); /* none: mappings hold references */
	}
	free(ti);
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops->destroy)
		sb->ops->destroy(sb);
}

/*
 * A page the file lets go of: back to the memory file, unless an address
 * space may still map it (its contents are then what that mapping keeps).
 */
static void drop_page(struct tmpfs_inode *ti, uint64_t moff)
{
	struct memfile *mf = to_ts(ti->i.sb)->mf;

	pthread_mutex_lock(&ti->pages_lock);
	if (ti->reg.maps) {
		uint64_t *z = realloc(ti->reg.zombies,
				      (ti->reg.nzombies + 1) * sizeof(*z));

		/* Without memory to remember it, the page leaks: safe. */
		if (z) {
			z[ti->reg.nzombies++] = moff;
			ti->reg.zombies = z;
		}
	} else {
		memfile_free(mf, moff, PAGE_SIZE);
	}
	pthread_mutex_unlock(&ti->pages_lock);
}

static void tmpfs_map_get(struct vfs_inode *inode)
{
	struct tmpfs_inode *ti = to_ti(inode);

	pthread_mutex_lock(&ti->pages_lock);
	ti->reg.maps++;
	pthread_mutex_unlock(&ti->pages_lock);
}

static void tmpfs_map_put(struct vfs_inode *inode)
{
	struct tmpfs_inode *ti = to_ti(inode);
	struct memfile *mf = to_ts(inode->sb)->mf;

	pthread_mutex_lock(&ti->pages_lock);
	if (--ti->reg.maps == 0) {
		for (size_t i = 0; i < ti->reg.nzombies; i++)
			memfile_free(mf, ti->reg.zombies[i], PAGE_SIZE);
		free(ti->reg.zombies);
		ti->reg.zombies = NULL;
		ti->reg.nzombies = 0;
	}
	pthread_mutex_unlock(&ti->pages_lock);
}

void tmpfs_truncate_pages(struct tmpfs_inode *ti, uint64_t size)
{
	struct memfile *mf = to_ts(ti->i.sb)->mf;
	size_t keep = (size_t)((size + PAGE_SIZE - 1) / PAGE_SIZE);

	for (size_t i = keep; i < ti->reg.npages; i++) {
		if (ti->reg.pages[i]) {
			drop_page(ti, ti->reg.pages[i] - 1);
			ti->reg.pages[i] = 0;
		}
	}
	if (keep < ti->reg.npages)
		ti->reg.npages = keep;
	/* The tail of the last page reads as zero if the file grows again. */
	if (size % PAGE_SIZE && keep > 0 && keep <= ti->reg.npages &&
	    ti->reg.pages[keep - 1])
		memset((uint8_t *)memfile_ptr(mf, ti->reg.pages[keep - 1] - 1) +
			   size % PAGE_SIZE,
		       0, PAGE_SIZE - size % PAGE_SIZE);
}

int tmpfs_readdir(struct vfs_inode *dir, int64_t *pos,
		  struct vfs_dir_sink *sink, struct vfs_inode *parent)
{
	struct tmpfs_inode *ti = to_ti(dir);

	if (*pos == 0) {
		if (sink->emit(sink, ".", 1, dir->ino, ABI_DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (sink->emit(sink, "..", 2, parent->ino, ABI_DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	for (struct tmpfs_dirent *e = ti->dir.head; e; e = e->next) {
		if ((int64_t)e->pos < *pos)
			continue;
		if (sink->emit(sink, e->name, strlen(e->name), e->inode->ino,
			       (e->inode->mode & ABI_S_IFMT) >> 12,
			       (int64_t)e->pos + 1))
			return 0;
		*pos = (int64_t)e->pos + 1;
	}
	return 0;
}

/* ---- regular files ------------------------------------------------------ */

static const uint8_t zero_page[PAGE_SIZE];

/* The page of ti holding offset off, allocating it if alloc; NULL: a hole. */
static uint8_t *page_at(struct tmpfs_inode *ti, uint64_t off, bool alloc,
			int *err)
{
	struct memfile *mf = to_ts(ti->i.sb)->mf;
	size_t idx = (size_t)(off / PAGE_SIZE);
	int64_t moff;

	*err = 0;
	if (idx < ti->reg.npages && ti->reg.pages[idx])
		return memfile_ptr(mf, ti->reg.pages[idx] - 1);
	if (!alloc)
		return NULL;
	if (idx >= ti->reg.cap) {
		size_t cap = ti->reg.cap ? ti->reg.cap : 16;
		uint64_t *p;

		while (cap <= idx)
			cap *= 2;
		p = realloc(ti->reg.pages, cap * sizeof(*p));
		if (!p) {
			*err = -ENOMEM;
			return NULL;
		}
		memset(p + ti->reg.cap, 0, (cap - ti->reg.cap) * sizeof(*p));
		ti->reg.pages = p;
		ti->reg.cap = cap;
	}
	moff = memfile_alloc(mf, PAGE_SIZE);
	if (moff < 0) {
		*err = -ENOSPC;
		return NULL;
	}
	ti->reg.pages[idx] = (uint64_t)moff + 1;
	if (idx >= ti->reg.npages)
		ti->reg.npages = idx + 1;
	ti->i.blocks += PAGE_SIZE / 512;
	return memfile_ptr(mf, (uint64_t)moff);
}

static int tmpfs_map_pages(struct vfs_inode *inode, uint64_t idx, size_t n,
			   uint64_t *moff, unsigned int flags)
{
	struct tmpfs_inode *ti = to_ti(inode);
	bool alloc = !(flags & VFS_MAP_NOALLOC);
	int err = 0;

	if (!ABI_S_ISREG(inode->mode))
		return -ENODEV;
	if (flags & VFS_MAP_TRY ? pthread_mutex_trylock(&inode->lock)
				: pthread_mutex_lock(&inode->lock))
		return -EAGAIN;
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t at = idx + i;

		moff[i] = 0;
		if (at >= inode->size / PAGE_SIZE + !!(inode->size % PAGE_SIZE))
			continue; /* past the end */
		if (page_at(ti, at * PAGE_SIZE, alloc, &err))
			moff[i] = ti->reg.pages[at];
	}
	pthread_mutex_unlock(&inode->lock);
	return err;
}

/*
 * Move data between the file at *pos and the application's iovecs, in
 * chunks that cross neither a file page nor an application page, so that
 * a fault stops the transfer exactly where Linux's would.
 */
static ssize_t tmpfs_rw(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos,
			bool write)
{
	struct tmpfs_inode *ti = to_ti(f->inode);
	ssize_t done = 0;
	int err = 0;

	pthread_mutex_lock(&ti->i.lock);
	if (write &&
	    (ti->reg.seals & (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE))) {
		pthread_mutex_unlock(&ti->i.lock);
		return -EPERM;
	}
	if (write && (f->flags & ABI_O_APPEND))
		*pos = (int64_t)ti->i.size;
	for (int v = 0; v < iovcnt && !err; v++) {
		uint64_t addr = iov[v].iov_base, left = iov[v].iov_len;

		while (left > 0) {
			uint64_t off = (uint64_t)*pos;
			size_t n = (size_t)min_t(
			    uint64_t, left,
			    min_t(uint64_t, PAGE_SIZE - off % PAGE_SIZE,
				  PAGE_SIZE - addr % PAGE_SIZE));
			uint8_t *page;

			if (!write) {
				if (off >= ti->i.size)
					goto out;
				if (n > ti->i.size - off)
					n = (size_t)(ti->i.size - off);
				page = page_at(ti, off, false, &err);
				err = mm_copy_out(t->mm, addr,
						  page ? page + off % PAGE_SIZE
						       : zero_page,
						  n);
			} else {
				if ((ti->reg.seals & TMPFS_SEAL_GROW) &&
				    off + n > ti->i.size) {
					if (off >= ti->i.size) {
						err = -EPERM;
						goto out;
					}
					n = (size_t)(ti->i.size - off);
				}
				page = page_at(ti, off, true, &err);
				if (page)
					err = mm_copy_in(t->mm,
							 page + off % PAGE_SIZE,
							 addr, n);
			}
			if (err)
				goto out;
			*pos += (int64_t)n;
			done += (ssize_t)n;
			addr += n;
			left -= n;
			if (write && (uint64_t)*pos > ti->i.size)
				ti->i.size = (uint64_t)*pos;
		}
	}
out:
	if (write && done > 0) {
		struct abi_timespec now;

		vfs_now(&now);
		ti->i.mtime = ti->i.ctime = now;
	}
	pthread_mutex_unlock(&ti->i.lock);
	return done > 0 ? done : err;
}

static ssize_t tmpfs_read(struct file *f, struct task *t,
			  const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	return tmpfs_rw(f, t, iov, iovcnt, pos, false);
}

static ssize_t tmpfs_write(struct file *f, struct task *t,
			   const struct abi_iovec *iov, int iovcnt,
			   int64_t *pos)
{
	return tmpfs_rw(f, t, iov, iovcnt, pos, true);
}

static ssize_t tmpfs_kread(struct file *f, void *buf, size_t len, int64_t off)
{
	struct tmpfs_inode *ti = to_ti(f->inode);
	size_t done = 0;
	int err = 0;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&ti->i.lock);
	while (done < len && (uint64_t)off + done < ti->i.size) {
		uint64_t at = (uint64_t)off + done;
		size_t n = (size_t)min_t(uint64_t, len - done,
					 PAGE_SIZE - at % PAGE_SIZE);
		uint8_t *page = page_at(ti, at, false, &err);

		if (n > ti->i.size - at)
			n = (size_t)(ti->i.size - at);
		memcpy((uint8_t *)buf + done,
		       page ? page + at % PAGE_SIZE : zero_page, n);
		done += n;
	}
	pthread_mutex_unlock(&ti->i.lock);
	return (ssize_t)done;
}

ssize_t tmpfs_kwrite(struct vfs_inode *inode, const void *buf, size_t len,
		     int64_t off)
{
	struct tmpfs_inode *ti = to_ti(inode);
	size_t done = 0;
	int err = 0;

	if (off < 0 || len > (uint64_t)INT64_MAX - (uint64_t)off)
		return -EINVAL;
	pthread_mutex_lock(&ti->i.lock);
	while (done < len) {
		uint64_t at = (uint64_t)off + done;
		size_t n = (size_t)min_t(uint64_t, len - done,
					 PAGE_SIZE - at % PAGE_SIZE);
		uint8_t *page = page_at(ti, at, true, &err);

		if (!page)
			break;
		memcpy(page + at % PAGE_SIZE, (const uint8_t *)buf + done, n);
		done += n;
		if (at + n > ti->i.size)
			ti->i.size = at + n;
	}
	if (done > 0) {
		struct abi_timespec now;

		vfs_now(&now);
		ti->i.mtime = ti->i.ctime = now;
	}
	pthread_mutex_unlock(&ti->i.lock);
	return done > 0 ? (ssize_t)done : err;
}

static int tmpfs_file_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static bool tmpfs_seekable(struct file *f)
{
	(void)f;
	return true;
}

static void tmpfs_release(struct file *f)
{
	free(f);
}

static ssize_t tmpfs_file_kwrite(struct file *f, const void *buf, size_t len,
				 int64_t *pos)
{
	ssize_t n;

	unsigned seals = to_ti(f->inode)->reg.seals;

	if (seals & (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (f->flags & ABI_O_APPEND)
		*pos = (int64_t)f->inode->size;
	if ((seals & TMPFS_SEAL_GROW) &&
	    (uint64_t)*pos + len > f->inode->size) {
		if ((uint64_t)*pos >= f->inode->size)
			return -EPERM;
		len = (size_t)(f->inode->size - (uint64_t)*pos);
	}
	n = tmpfs_kwrite(f->inode, buf, len, *pos);
	if (n > 0)
		*pos += n;
	return n;
}

#define FALLOC_KEEP_SIZE  0x01
#define FALLOC_PUNCH_HOLE 0x02

static int tmpfs_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	struct tmpfs_inode *ti = to_ti(f->inode);
	uint64_t start = (uint64_t)off, end = (uint64_t)off + (uint64_t)len;
	int err = 0;

	pthread_mutex_lock(&ti->i.lock);
	/* shmem_fallocate: a hole is a write; an allocation past the end
	 * grows the file, even with FALLOC_FL_KEEP_SIZE. */
	if ((mode & FALLOC_PUNCH_HOLE)
		? (ti->reg.seals & (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE))
		: ((ti->reg.seals & TMPFS_SEAL_GROW) && end > ti->i.size)) {
		err = -EPERM;
		goto out;
	}
	if (mode & FALLOC_PUNCH_HOLE) {
		/* Whole pages go back; the edges are zeroed. Past the last
		 * page there is nothing to punch. */
		uint64_t last = (uint64_t)ti->reg.npages * PAGE_SIZE;

		if (end > last)
			end = last;
		for (uint64_t at = start; at < end;) {
			uint64_t pend = (at / PAGE_SIZE + 1) * PAGE_SIZE;
			size_t idx = (size_t)(at / PAGE_SIZE);
			uint64_t n = (pend < end ? pend : end) - at;

			if (idx < ti->reg.npages && ti->reg.pages[idx]) {
				struct memfile *mf = to_ts(ti->i.sb)->mf;
				uint64_t moff = ti->reg.pages[idx] - 1;

				if (n == PAGE_SIZE) {
					drop_page(ti, moff);
					ti->reg.pages[idx] = 0;
					ti->i.blocks -= PAGE_SIZE / 512;
				} else {
					memset(
					    (uint8_t *)memfile_ptr(mf, moff) +
						at % PAGE_SIZE,
					    0, (size_t)n);
				}
			}
			at += n;
		}
		goto out;
	}
	for (uint64_t at = start & ~(PAGE_SIZE - 1); at < end;
	     at += PAGE_SIZE) {
		/* shmem_fallocate gives up on a signal; a kill at least. */
		if (!(at / PAGE_SIZE % 256) && mm_fatal_pending()) {
			err = -EINTR;
			goto out;
		}
		if (!page_at(ti, at, true, &err) && err)
			goto out;
	}
	if (!(mode & FALLOC_KEEP_SIZE) && end > ti->i.size)
		ti->i.size = end;
out:
	if (!err) {
		struct abi_timespec now;

		vfs_now(&now);
		ti->i.mtime = ti->i.ctime = now;
	}
	pthread_mutex_unlock(&ti->i.lock);
	return err;
}

/* Its pages are the memory file's: mappings share them. */
static struct vfs_inode *tmpfs_mmap_inode(struct file *f)
{
	return vfs_inode_get(f->inode);
}

static const struct file_ops tmpfs_reg_ops = {
    .mmap_inode = tmpfs_mmap_inode,
    .fallocate = tmpfs_fallocate,
    .read = tmpfs_read,
    .write = tmpfs_write,
    .kread = tmpfs_kread,
    .kwrite = tmpfs_file_kwrite,
    .stat = tmpfs_file_stat,
    .seekable = tmpfs_seekable,
    .release = tmpfs_release,
    .size_limited = true,
};

static int tmpfs_dir_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct vfs_dentry *d = f->path.dentry;
	struct vfs_inode *parent =
	    d && d->parent && d->parent->inode ? d->parent->inode : f->inode;

	return tmpfs_readdir(f->inode, &f->pos, sink, parent);
}

static const struct file_ops tmpfs_dir_ops = {
    .stat = tmpfs_file_stat,
    .seekable = tmpfs_seekable,
    .readdir = tmpfs_dir_readdir,
    .release = tmpfs_release,
};

static struct file *tmpfs_open(struct vfs_inode *inode, uint32_t flags)
{
	struct file *f = calloc(1, sizeof(*f));

	if (!f)
		return ERR_PTR(-ENOMEM);
	if (ABI_S_ISDIR(inode->mode))
		file_init(f, &tmpfs_dir_ops, flags);
	else if (ABI_S_ISREG(inode->mode))
		file_init(f, &tmpfs_reg_ops, flags);
	else if ((inode->mode & ABI_S_IFMT) == ABI_S_IFCHR) {
		free(f);
		return device_open(inode->rdev, flags);
	} else {
		free(f);
		return ERR_PTR(-ENXIO); /* fifos and sockets: not here yet */
	}
	return f;
}

static int tmpfs_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	struct tmpfs_inode *ti = to_ti(inode);

	if (sa->mask & VFS_SETATTR_SIZE) {
		pthread_mutex_lock(&inode->lock);
		if (ABI_S_ISREG(inode->mode) &&
		    (((ti->reg.seals & TMPFS_SEAL_SHRINK) &&
		      sa->size < inode->size) ||
		     ((ti->reg.seals & TMPFS_SEAL_GROW) &&
		      sa->size > inode->size))) {
			pthread_mutex_unlock(&inode->lock);
			return -EPERM;
		}
		bool shrunk = sa->size < inode->size;

		if (shrunk)
			tmpfs_truncate_pages(ti, sa->size);
		else if (inode->size % PAGE_SIZE) {
			/* Growing: bytes past the old end read as zero. */
			tmpfs_truncate_pages(ti, inode->size);
		}
		inode->size = sa->size;
		inode->blocks = 0;
		for (size_t i = 0; i < ti->reg.npages; i++)
			if (ti->reg.pages[i])
				inode->blocks += PAGE_SIZE / 512;
		pthread_mutex_unlock(&inode->lock);
		/* Mappings of the pages let go: SIGBUS on access, as Linux. */
		if (shrunk && ABI_S_ISREG(inode->mode))
			mm_file_truncated(inode, sa->size);
	}
	vfs_setattr_cache(inode, sa);
	return 0;
}

static ssize_t tmpfs_getxattr(struct vfs_inode *inode, const char *name,
			      void *buf, size_t size)
{
	return vfs_xattrs_get(&to_ti(inode)->xattrs, &inode->lock, name, buf,
			      size);
}

static int tmpfs_setxattr(struct vfs_inode *inode, const char *name,
			  const void *value, size_t size, int flags)
{
	int err = vfs_xattrs_set(&to_ti(inode)->xattrs, &inode->lock, name,
				 value, size, flags);

	if (!err)
		touch(inode, false);
	return err;
}

static ssize_t tmpfs_listxattr(struct vfs_inode *inode, char *buf, size_t size)
{
	return vfs_xattrs_list(&to_ti(inode)->xattrs, &inode->lock, buf, size);
}

static const struct vfs_inode_ops tmpfs_inode_ops = {
    .lookup = tmpfs_lookup,
    .mknod = tmpfs_mknod,
    .mkdir = tmpfs_mkdir,
    .symlink = tmpfs_symlink,
    .link = tmpfs_link,
    .unlink = tmpfs_unlink,
    .rmdir = tmpfs_rmdir,
    .rename = tmpfs_rename,
    .readlink = tmpfs_readlink,
    .setattr = tmpfs_setattr,
    .open = tmpfs_open,
    .tmpfile = tmpfs_tmpfile,
    .map_get = tmpfs_map_get,
    .map_put = tmpfs_map_put,
    .map_pages = tmpfs_map_pages,
    .getxattr = tmpfs_getxattr,
    .setxattr = tmpfs_setxattr,
    .listxattr = tmpfs_listxattr,
    .evict = tmpfs_evict,
};

static int tmpfs_statfs(struct vfs_super *sb, struct abi_statfs *st)
{
	(void)sb;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x01021994; /* TMPFS_MAGIC */
	st->f_bsize = PAGE_SIZE;
	/* Linux's default size: half of memory. */
	{
		struct sysinfo si;

		if (sysinfo(&si) == 0)
			st->f_blocks = (uint64_t)si.totalram *
				       (si.mem_unit ? si.mem_unit : 1) / 2 /
				       PAGE_SIZE;
		st->f_bfree = st->f_bavail = st->f_blocks;
		st->f_files = st->f_blocks;
		st->f_ffree = st->f_files;
	}
	st->f_frsize = PAGE_SIZE;
	st->f_namelen = ABI_NAME_MAX;
	return 0;
}

static void tmpfs_destroy(struct vfs_super *sb)
{
	free(to_ts(sb));
}

static const struct vfs_super_ops tmpfs_super_ops = {
    .statfs = tmpfs_statfs,
    .destroy = tmpfs_destroy,
};

struct vfs_inode *tmpfs_create(struct memfile *mf, uint32_t mode, uint32_t uid,
			       uint32_t gid)
{
	struct tmpfs_super *ts = calloc(1, sizeof(*ts));
	struct tmpfs_inode *root;

	if (!ts)
		return NULL;
	vfs_super_init(&ts->sb, &tmpfs_super_ops, "tmpfs");
	ts->mf = mf;
	root = tmpfs_new_inode(ts, ABI_S_IFDIR | (mode & 07777));
	/* The root inode holds the superblock now. */
	__atomic_sub_fetch(&ts->sb.refs, 1, __ATOMIC_RELAXED);
	if (!root) {
		free(ts);
		return NULL;
	}
	root->i.uid = uid;
	root->i.gid = gid;
	return &root->i;
}

struct file *tmpfs_memfd(struct vfs_inode *root, bool allow_sealing,
			 uint32_t uid, uint32_t gid)
{
	struct tmpfs_inode *ti =
	    tmpfs_new_inode(to_ts(root->sb), ABI_S_IFREG | 0777);
	struct file *f;

	if (!ti)
		return ERR_PTR(-ENOMEM);
	ti->i.uid = uid;
	ti->i.gid = gid;
	ti->i.nlink = 0; /* in no directory */
	ti->reg.seals = allow_sealing ? 0 : TMPFS_SEAL_SEAL;
	f = tmpfs_open(&ti->i, ABI_O_RDWR | ABI_O_LARGEFILE);
	if (IS_ERR(f)) {
		vfs_inode_put(&ti->i);
		return f;
	}
	f->inode = &ti->i; /* takes the reference */
	file_count_open(f);
	return f;
}

/*
 * A file with seals: a tmpfs regular file reached through its own tmpfs
 * (a memfd has no mount; an overlay's upper file is the overlay's).
 */
static bool sealable(struct file *f)
{
	return f->inode && tmpfs_is(f->inode) && ABI_S_ISREG(f->inode->mode) &&
	       (!f->path.mnt || f->path.mnt->sb == f->inode->sb);
}

int tmpfs_get_seals(struct file *f)
{
	int seals;

	if (!sealable(f))
		return -EINVAL;
	pthread_mutex_lock(&f->inode->lock);
	seals = (int)to_ti(f->inode)->reg.seals;
	pthread_mutex_unlock(&f->inode->lock);
	return seals;
}

#define ALL_SEALS                                                              \
	(TMPFS_SEAL_SEAL | TMPFS_SEAL_SHRINK | TMPFS_SEAL_GROW |               \
	 TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE | TMPFS_SEAL_EXEC)
#define WRITE_SEALS (TMPFS_SEAL_WRITE | TMPFS_SEAL_FUTURE_WRITE)

int tmpfs_add_seals(struct file *f, unsigned seals)
{
	struct tmpfs_inode *ti;
	bool mapped;
	int err = 0;

	/* Linux's order: the file's mode, the seals, the file. */
	if (!file_writable(f))
		return -EPERM;
	if (seals & ~(unsigned)ALL_SEALS)
		return -EINVAL;
	if (!sealable(f))
		return -EINVAL;
	ti = to_ti(f->inode);
	pthread_mutex_lock(&ti->i.lock);
	if (ti->reg.seals & TMPFS_SEAL_SEAL) {
		err = -EPERM;
		goto out;
	}
	/*
	 * F_SEAL_WRITE: not while a shared mapping may write the file.
	 * New ones wait (tmpfs_map_begin fails) while the address spaces
	 * are searched, without the inode's lock, which faults take under
	 * an address space's.
	 */
	if ((seals & TMPFS_SEAL_WRITE) && !(ti->reg.seals & TMPFS_SEAL_WRITE)) {
		if (ti->reg.mapping) {
			err = -EBUSY;
			goto out;
		}
		ti->reg.sealing++;
		pthread_mutex_unlock(&ti->i.lock);
		mapped = mm_inode_mapped_writable(&ti->i);
		pthread_mutex_lock(&ti->i.lock);
		ti->reg.sealing--;
		if (mapped) {
			err = -EBUSY;
			goto out;
		}
		if (ti->reg.seals & TMPFS_SEAL_SEAL) { /* sealed meanwhile */
			err = -EPERM;
			goto out;
		}
	}
	ti->reg.seals |= seals;
out:
	pthread_mutex_unlock(&ti->i.lock);
	return err;
}

int tmpfs_map_begin(struct file *f, bool write, bool *maywrite)
{
	struct tmpfs_inode *ti;
	int err = 0;

	if (!sealable(f))
		return 0;
	ti = to_ti(f->inode);
	pthread_mutex_lock(&ti->i.lock);
	if (ti->reg.seals & WRITE_SEALS) {
		if (write)
			err = -EPERM;
		*maywrite = false;
	} else if (*maywrite && ti->reg.sealing) {
		err = -EPERM; /* Linux: the mapping is denied writers */
	} else if (*maywrite) {
		ti->reg.mapping++;
	}
	pthread_mutex_unlock(&ti->i.lock);
	return err;
}

void tmpfs_map_done(struct file *f, bool maywrite)
{
	struct tmpfs_inode *ti;

	if (!maywrite || !sealable(f))
		return;
	ti = to_ti(f->inode);
	pthread_mutex_lock(&ti->i.lock);
	ti->reg.mapping--;
	pthread_mutex_unlock(&ti->i.lock);
}
