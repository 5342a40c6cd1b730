// SPDX-License-Identifier: Apache-2.0
/*
 * overlay: a writable tmpfs upper layer over a read-only lower filesystem,
 * with Linux overlayfs's rules (Documentation/filesystems/overlayfs.rst)
 * and none of its options (no redirect_dir, index, metacopy or xino):
 *
 * - A name in the upper layer wins. A whiteout there (a character device
 *   numbered 0:0) hides the lower name. An upper and a lower directory of
 *   one name merge, unless the upper one is opaque.
 * - Before a lower file changes (open for writing, setattr, link, rename)
 *   it is copied up: its parent directories first, then the file with its
 *   data, mode, owner and times. Reading a lower file reads the lower.
 * - Removing a name the lower layer has leaves a whiteout; a directory
 *   made over a whiteout is opaque. Directories with a lower part cannot
 *   be renamed (-EXDEV, so mv copies them).
 *
 * Inode numbers: a file with a lower part keeps the lower's number, also
 * after copy-up (the copy's upper inode is given it); a file made in the
 * upper layer has the upper's number with OVL_INO_UPPER set, so that the
 * two never meet. st_dev is the overlay's.
 *
 * The overlay's lock guards both layers' trees and the layer fields of
 * every overlay inode: directory operations are called under the namespace
 * lock, but setattr and open (which may copy up) are not, and the upper
 * tmpfs relies on its callers to serialise changes to its directories.
 * File I/O goes straight to the layer's own open file, without the lock.
 *
 * Deviations: a file open for reading before its copy-up keeps reading
 * the lower copy (as overlayfs before Linux 4.19); copy-up breaks lower
 * hard links; a lower file unlinked while open cannot be copied up later
 * (-ENOENT).
 */
#include "sentry/fs/overlay.h"

#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
/* Files made in the upper layer: the upper's number with this bit. */
#define OVL_INO_UPPER (1ULL << 62)
/* Bytes copied up at a time. */
#define COPY_CHUNK (64 * 1024)

struct ovl_super {
	struct vfs_super sb;
	pthread_mutex_t lock;	      /* layer trees and ovl_inode layers */
	struct creds creds;	      /* the overlay's own, for whiteouts */
	struct vfs_inode *upper_root; /* a reference, for statfs */
	uint64_t next_tmp;
};

struct ovl_inode {
	struct vfs_inode i;
	struct vfs_inode *upper;  /* NULL: not copied up */
	struct vfs_inode *lower;  /* NULL: none, or hidden by the upper */
	struct ovl_inode *parent; /* a reference; NULL: the root */
	char *name;		  /* in parent; NULL: the root, or removed */
};

/* An open overlay file: the layer's own open file, or a merged listing. */
struct ovl_file {
	struct file f;
	struct file_ops ops; /* the layer file's, forwarded */
	struct file *real;
	struct ovl_dirent *ents; /* directories: the listing at position 0 */
	size_t nents;
	bool loaded;
};

struct ovl_dirent {
	char *name;
	uint64_t ino;
	unsigned type;
};

static const struct vfs_inode_ops ovl_inode_ops;

static struct ovl_super *to_os(struct vfs_super *sb)
{
	return container_of(sb, struct ovl_super, sb);
}

static struct ovl_inode *to_oi(struct vfs_inode *i)
{
	return container_of(i, struct ovl_inode, i);
}

static struct ovl_file *to_of(struct file *f)
{
	return container_of(f, struct ovl_file, f);
}

bool overlay_is(const struct vfs_inode *inode)
{
	return inode->ops == &ovl_inode_ops;
}

/* ---- layers -------------------------------------------------------------- */

static bool is_whiteout(const struct vfs_inode *i)
{
	return (i->mode & ABI_S_IFMT) == ABI_S_IFCHR && i->rdev == 0;
}

static bool is_opaque(struct vfs_inode *u)
{
	return ABI_S_ISDIR(u->mode) && tmpfs_is(u) && to_ti(u)->dir.opaque;
}

static void set_opaque(struct vfs_inode *u)
{
	to_ti(u)->dir.opaque = true;
}

static struct vfs_inode *real_inode(struct ovl_inode *oi)
{
	return oi->upper ? oi->upper : oi->lower;
}

static void set_ino(struct vfs_inode *i, uint64_t ino)
{
	pthread_mutex_lock(&i->lock);
	i->ino = ino;
	pthread_mutex_unlock(&i->lock);
}

/* name in the layer directory dir: *out is it, or NULL when missing. */
static int layer_lookup(struct vfs_inode *dir, const char *name,
			struct vfs_inode **out)
{
	int err;

	*out = NULL;
	if (!dir || !dir->ops->lookup)
		return 0;
	err = dir->ops->lookup(dir, name, out);
	if (err == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return err;
}

/* Does d's lower directory have name? */
static int lower_has(struct ovl_inode *d, const char *name, bool *has)
{
	struct vfs_inode *lo;
	int err = layer_lookup(d->lower, name, &lo);

	*has = lo != NULL;
	vfs_inode_put(lo);
	return err;
}

/* Refresh oi's cached attributes from its layer inode. */
static void store_attrs(struct ovl_inode *oi, const struct vfs_attr *a)
{
	pthread_mutex_lock(&oi->i.lock);
	oi->i.mode = a->mode;
	oi->i.nlink = a->nlink;
	oi->i.uid = a->uid;
	oi->i.gid = a->gid;
	oi->i.size = a->size;
	oi->i.rdev = a->rdev;
	oi->i.blocks = a->blocks;
	oi->i.atime = a->atime;
	oi->i.mtime = a->mtime;
	oi->i.ctime = a->ctime;
	oi->i.btime = a->btime;
	pthread_mutex_unlock(&oi->i.lock);
}

static void sync_attrs(struct ovl_inode *oi)
{
	struct vfs_attr a;

	if (oi && vfs_inode_getattr(real_inode(oi), &a) == 0)
		store_attrs(oi, &a);
}

static struct ovl_inode *ovl_inode_alloc(const char *name)
{
	struct ovl_inode *oi = calloc(1, sizeof(*oi));

	if (oi && name && !(oi->name = strdup(name))) {
		free(oi);
		return NULL;
	}
	return oi;
}

static void ovl_inode_free(struct ovl_inode *oi)
{
	free(oi->name);
	free(oi);
}

/* Make oi (from ovl_inode_alloc) the inode over upper and lower. */
static void ovl_inode_setup(struct ovl_super *os, struct ovl_inode *oi,
			    struct ovl_inode *parent, struct vfs_inode *upper,
			    struct vfs_inode *lower)
{
	struct vfs_inode *r = upper ? upper : lower;

	vfs_inode_init(&oi->i, &os->sb, &ovl_inode_ops, r->mode);
	__atomic_add_fetch(&os->sb.refs, 1, __ATOMIC_RELAXED);
	oi->upper = upper;
	oi->lower = lower;
	if (parent)
		oi->parent = to_oi(vfs_inode_get(&parent->i));
	oi->i.ino = r->ino;
	pthread_mutex_lock(&r->lock);
	oi->i.nlink = r->nlink;
	oi->i.uid = r->uid;
	oi->i.gid = r->gid;
	oi->i.size = r->size;
	oi->i.rdev = r->rdev;
	oi->i.blocks = r->blocks;
	oi->i.atime = r->atime;
	oi->i.mtime = r->mtime;
	oi->i.ctime = r->ctime;
	oi->i.btime = r->btime;
	pthread_mutex_unlock(&r->lock);
	sync_attrs(oi);
}

/* A new overlay inode over upper and lower, taking their references. */
static struct ovl_inode *
ovl_inode_new(struct ovl_super *os, struct ovl_inode *parent, const char *name,
	      struct vfs_inode *upper, struct vfs_inode *lower)
{
	struct ovl_inode *oi = ovl_inode_alloc(name);

	if (!oi) {
		vfs_inode_put(upper);
		vfs_inode_put(lower);
		return NULL;
	}
	ovl_inode_setup(os, oi, parent, upper, lower);
	return oi;
}

/* The name oi had in parent is gone; a later copy-up has nowhere to go. */
static void forget_name(struct ovl_inode *oi, struct ovl_inode *parent,
			const char *name)
{
	if (oi->parent == parent && oi->name && !strcmp(oi->name, name)) {
		free(oi->name);
		oi->name = NULL;
	}
}

/* A whiteout named name in the upper directory udir. */
static int make_whiteout(struct ovl_super *os, struct vfs_inode *udir,
			 const char *name, struct vfs_inode **out)
{
	return udir->ops->mknod(udir, name, ABI_S_IFCHR, 0, &os->creds, out);
}

/* A name free in the upper directory udir, for a step of a change. */
static int tmp_name(struct ovl_super *os, struct vfs_inode *udir, char *buf,
		    size_t len)
{
	for (;;) {
		struct vfs_inode *i;
		int err;

		snprintf(buf, len, "#ovl-tmp.%llu",
			 (unsigned long long)os->next_tmp++);
		err = layer_lookup(udir, buf, &i);
		if (err || !i)
			return err;
		vfs_inode_put(i);
	}
}

/* ---- listing a directory ------------------------------------------------- */

/* A set of names, open addressing. */
struct nameset {
	char **slot;
	size_t cap, n;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool ns_has(const struct nameset *s, const char *name)
{
	if (!s->cap)
		return false;
	for (size_t i = name_hash(name) & (s->cap - 1); s->slot[i];
	     i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->slot[i], name))
			return true;
	return false;
}

static int ns_add(struct nameset *s, const char *name)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->slot[j])
				continue;
			for (i = name_hash(s->slot[j]) & (cap - 1); slot[i];
			     i = (i + 1) & (cap - 1))
				;
			slot[i] = s->slot[j];
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (i = name_hash(name) & (s->cap - 1); s->slot[i];
	     i = (i + 1) & (s->cap - 1))
		;
	s->slot[i] = strdup(name);
	if (!s->slot[i])
		return -ENOMEM;
	s->n++;
	return 0;
}

static void ns_free(struct nameset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

struct listing {
	struct vfs_dir_sink sink;
	struct ovl_dirent *ents;
	size_t n, cap;
	struct nameset seen; /* upper names, whiteouts included */
	struct vfs_inode *udir;
	bool upper_pass;
	int err;
};

static void free_ents(struct ovl_dirent *ents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
}

static int listing_emit(struct vfs_dir_sink *sink, const char *name, size_t len,
			uint64_t ino, unsigned type, int64_t next)
{
	struct listing *l = container_of(sink, struct listing, sink);
	struct vfs_inode *wh = NULL;
	char *copy;
	bool hidden = false;

	(void)next;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	copy = strndup(name, len);
	if (!copy) {
		l->err = -ENOMEM;
		return 0;
	}
	if (l->upper_pass) {
		if (type == ABI_DT_CHR &&
		    layer_lookup(l->udir, copy, &wh) == 0 && wh) {
			hidden = is_whiteout(wh);
			vfs_inode_put(wh);
		}
		if (ns_add(&l->seen, copy))
			l->err = -ENOMEM;
	} else {
		hidden = ns_has(&l->seen, copy);
	}
	if (hidden || l->err) {
		free(copy);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct ovl_dirent *p = realloc(l->ents, cap * sizeof(*p));

		if (!p) {
			free(copy);
			l->err = -ENOMEM;
			return 0;
		}
		l->ents = p;
		l->cap = cap;
	}
	l->ents[l->n++] = (struct ovl_dirent){copy, ino, type};
	return 0;
}

/* Every entry of the layer directory dir into sink, through its own file. */
static int layer_readdir(struct vfs_inode *dir, struct vfs_dir_sink *sink)
{
	struct file *f;
	int err = 0;

	if (!dir->ops->open)
		return -ENOTDIR;
	f = dir->ops->open(dir, ABI_O_RDONLY | ABI_O_DIRECTORY);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	f->inode = vfs_inode_get(dir);
	/* A parentless dentry: ".." is the directory itself, and unused. */
	f->path.dentry = vfs_dentry_root(vfs_inode_get(dir));
	if (!f->path.dentry) {
		vfs_inode_put(dir);
		err = -ENOMEM;
	} else if (!f->ops->readdir) {
		err = -ENOTDIR;
	}
	while (!err) {
		int64_t before = f->pos;

		err = f->ops->readdir(f, sink);
		if (f->pos == before)
			break;
	}
	file_put(f);
	return err;
}

/*
 * The merged entries of directory d (not "." and ".."): the upper's but
 * whiteouts, then the lower's that the upper has no name for. Called with
 * the overlay's lock held.
 */
static int list_dir(struct ovl_inode *d, struct ovl_dirent **ents, size_t *n)
{
	struct listing l = {.sink.emit = listing_emit};
	int err = 0;

	if (d->upper) {
		int64_t pos = 2;

		l.udir = d->upper;
		l.upper_pass = true;
		err = tmpfs_readdir(d->upper, &pos, &l.sink, d->upper);
		if (!err)
			err = l.err;
	}
	if (!err && d->lower) {
		l.upper_pass = false;
		err = layer_readdir(d->lower, &l.sink);
		if (!err)
			err = l.err;
	}
	ns_free(&l.seen);
	if (err) {
		free_ents(l.ents, l.n);
		return err;
	}
	*ents = l.ents;
	*n = l.n;
	return 0;
}

/* -ENOTEMPTY unless directory d shows no entries. */
static int check_empty(struct ovl_inode *d)
{
	struct ovl_dirent *ents;
	size_t n;
	int err = list_dir(d, &ents, &n);

	if (err)
		return err;
	free_ents(ents, n);
	return n ? -ENOTEMPTY : 0;
}

struct wh_list {
	struct vfs_dir_sink sink;
	struct nameset names;
	int err;
};

static int wh_emit(struct vfs_dir_sink *sink, const char *name, size_t len,
		   uint64_t ino, unsigned type, int64_t next)
{
	struct wh_list *w = container_of(sink, struct wh_list, sink);
	char *copy;

	(void)ino;
	(void)next;
	if (type != ABI_DT_CHR)
		return 0;
	copy = strndup(name, len);
	if (!copy || ns_add(&w->names, copy))
		w->err = -ENOMEM;
	free(copy);
	return 0;
}

/*
 * Remove the whiteouts of the upper directory udir, which is about to go
 * (its merged view is empty): tmpfs removes only empty directories.
 */
static int purge_whiteouts(struct vfs_inode *udir)
{
	struct wh_list w = {.sink.emit = wh_emit};
	int64_t pos = 2;
	int err = tmpfs_readdir(udir, &pos, &w.sink, udir);

	if (!err)
		err = w.err;
	for (size_t i = 0; !err && i < w.names.cap; i++) {
		struct vfs_inode *wh;

		if (!w.names.slot[i])
			continue;
		err = layer_lookup(udir, w.names.slot[i], &wh);
		if (!err && wh && is_whiteout(wh))
			err = udir->ops->unlink(udir, w.names.slot[i], wh);
		vfs_inode_put(wh);
	}
	ns_free(&w.names);
	return err;
}

/* ---- copy-up ------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The extended attributes of lower onto the new upper inode up. */
static int copy_xattrs(struct vfs_inode *lower, struct vfs_inode *up)
{
	char *names, *value = NULL;
	ssize_t n, len;
	int err = 0;

	if (!lower->ops->listxattr || !up->ops->setxattr)
		return 0;
	names = malloc(VFS_XATTR_LIST_MAX);
	value = malloc(ABI_XATTR_SIZE_MAX);
	if (!names || !value) {
		err = -ENOMEM;
		goto out;
	}
	n = lower->ops->listxattr(lower, names, VFS_XATTR_LIST_MAX);
	for (ssize_t i = 0; n > 0 && i < n && !err; i += len + 1) {
		ssize_t size = lower->ops->getxattr(lower, names + i, value,
						    ABI_XATTR_SIZE_MAX);

		len = (ssize_t)strlen(names + i);
		if (size == -ENODATA)
			continue; /* gone since the listing */
		err = size < 0 ? (int)size
			       : up->ops->setxattr(up, names + i, value,
						   (size_t)size, 0);
	}
	if (n < 0)
		err = (int)n;
out:
	free(names);
	free(value);
	return err;
}

/* The data of the lower regular file lower into the new upper file up. */
static int copy_data(struct vfs_inode *lower, struct vfs_inode *up,
		     uint64_t size)
{
	struct vfs_setattr sa = {.mask = VFS_SETATTR_SIZE};
	uint8_t *buf = NULL;
	struct file *f;
	uint64_t off = 0;
	int err = 0, fd = -1;

	if (!lower->ops->open)
		return -EIO;
	f = lower->ops->open(lower, ABI_O_RDONLY);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	f->inode = vfs_inode_get(lower);
	if (!f->ops->kread) {
		fd = f->ops->host_fd ? f->ops->host_fd(f) : -1;
		if (fd < 0)
			err = -EIO;
	}
	if (!err && size && !(buf = malloc(COPY_CHUNK)))
		err = -ENOMEM;
	while (!err && off < size) {
		size_t want = (size_t)min_t(uint64_t, COPY_CHUNK, size - off);
		ssize_t n, w;

		if (f->ops->kread) {
			n = f->ops->kread(f, buf, want, (int64_t)off);
		} else {
			n = pread(fd, buf, want, (off_t)off);
			if (n < 0)
				n = -errno;
		}
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			err = (int)n;
			break; /* 0: the file is shorter than it said */
		}
		if (!all_zero(buf, (size_t)n)) {
			w = tmpfs_kwrite(up, buf, (size_t)n, (int64_t)off);
			if (w < 0)
				err = (int)w;
			else if (w < n)
				err = -ENOSPC;
		}
		off += (uint64_t)n;
	}
	free(buf);
	file_put(f);
	if (err)
		return err;
	/* Holes stay holes; the size covers them. */
	sa.size = off;
	return vfs_setattr(up, &sa);
}

/* Make a copy of lower (attributes a) named name in the upper dir udir. */
static int copy_node(struct ovl_super *os, struct vfs_inode *udir,
		     const char *name, struct vfs_inode *lower,
		     const struct vfs_attr *a, bool data,
		     struct vfs_inode **out)
{
	struct vfs_setattr sa = {
	    .mask = VFS_SETATTR_UID | VFS_SETATTR_GID | VFS_SETATTR_ATIME |
		    VFS_SETATTR_MTIME,
	    .uid = a->uid,
	    .gid = a->gid,
	    .atime = a->atime,
	    .mtime = a->mtime,
	};
	uint32_t type = a->mode & ABI_S_IFMT, perm = a->mode & 07777;
	struct vfs_inode *up = NULL;
	char *target = NULL;
	ssize_t n;
	int err;

	switch (type) {
	case ABI_S_IFDIR:
		err = udir->ops->mkdir(udir, name, perm, &os->creds, &up);
		break;
	case ABI_S_IFLNK:
		target = malloc(ABI_PATH_MAX + 1);
		if (!target)
			return -ENOMEM;
		n = lower->ops->readlink
			? lower->ops->readlink(lower, target, ABI_PATH_MAX)
			: -EINVAL;
		if (n < 0) {
			free(target);
			return (int)n;
		}
		target[n] = '\0';
		err = udir->ops->symlink(udir, name, target, &os->creds, &up);
		free(target);
		break;
	default:
		/* A device numbered 0:0 would read as a whiteout up there. */
		if (type == ABI_S_IFCHR && a->rdev == 0)
			return -EPERM;
		err = udir->ops->mknod(udir, name, type | perm, a->rdev,
				       &os->creds, &up);
		break;
	}
	if (err)
		return err;
	if (type == ABI_S_IFREG && data)
		err = copy_data(lower, up, a->size);
	if (type != ABI_S_IFLNK) {
		sa.mask |= VFS_SETATTR_MODE;
		sa.mode = perm;
	}
	if (!err)
		err = vfs_setattr(up, &sa);
	if (!err)
		err = copy_xattrs(lower, up);
	if (err) {
		if (type == ABI_S_IFDIR)
			udir->ops->rmdir(udir, name, up);
		else
			udir->ops->unlink(udir, name, up);
		vfs_inode_put(up);
		return err;
	}
	*out = up;
	return 0;
}

/*
 * Give oi an upper inode, copying its parents up first; data false skips
 * a regular file's data (it is about to be truncated to nothing).
 */
static int copy_up(struct ovl_super *os, struct ovl_inode *oi, bool data)
{
	struct vfs_inode *udir, *up, *lower = oi->lower;
	struct vfs_attr a;
	int err;

	if (oi->upper)
		return 0;
	if (!oi->parent || !oi->name || !lower)
		return -ENOENT; /* removed while open */
	err = copy_up(os, oi->parent, true);
	if (err)
		return err;
	udir = oi->parent->upper;
	err = layer_lookup(udir, oi->name, &up);
	if (err)
		return err;
	if (up) {
		/*
		 * Copied up already through another inode of this name,
		 * one the dentry cache made after letting this one go.
		 */
		if (is_whiteout(up) ||
		    (up->mode & ABI_S_IFMT) != (lower->mode & ABI_S_IFMT)) {
			vfs_inode_put(up);
			return -ENOENT;
		}
	} else {
		err = vfs_inode_getattr(lower, &a);
		if (!err)
			err =
			    copy_node(os, udir, oi->name, lower, &a, data, &up);
		if (err)
			return err;
		set_ino(up, oi->i.ino);
		sync_attrs(oi->parent);
	}
	oi->upper = up;
	if (!ABI_S_ISDIR(up->mode) || is_opaque(up)) {
		oi->lower = NULL;
		vfs_inode_put(lower);
	}
	return 0;
}

/* ---- inode operations ---------------------------------------------------- */

static int ovl_lookup(struct vfs_inode *dir, const char *name,
		      struct vfs_inode **out)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_inode *d = to_oi(dir), *oi;
	struct vfs_inode *up = NULL, *lo = NULL;
	int err;

	pthread_mutex_lock(&os->lock);
	err = layer_lookup(d->upper, name, &up);
	if (err)
		goto out;
	if (up && is_whiteout(up)) {
		err = -ENOENT;
		goto out;
	}
	if (d->lower && (!up || (ABI_S_ISDIR(up->mode) && !is_opaque(up)))) {
		err = layer_lookup(d->lower, name, &lo);
		if (err)
			goto out;
		if (up && lo && !ABI_S_ISDIR(lo->mode)) {
			vfs_inode_put(lo);
			lo = NULL;
		}
	}
	if (!up && !lo) {
		err = -ENOENT;
		goto out;
	}
	oi = ovl_inode_new(os, d, name, up, lo);
	up = lo = NULL;
	if (!oi)
		err = -ENOMEM;
	else
		*out = &oi->i;
out:
	vfs_inode_put(up);
	vfs_inode_put(lo);
	pthread_mutex_unlock(&os->lock);
	return err;
}

enum ovl_make {
	MAKE_NODE,
	MAKE_DIR,
	MAKE_SYMLINK,
	MAKE_LINK
};

struct ovl_make_args {
	enum ovl_make kind;
	uint32_t mode;
	uint64_t rdev;
	const char *target;
	struct ovl_inode *old; /* MAKE_LINK */
	const struct creds *c;
};

/*
 * Make name in the overlay directory d: in its upper directory (copied up
 * first), built under a temporary name and moved over a whiteout if one
 * hides a lower name, so that a failure leaves the whiteout. *out: the
 * new upper inode (not for links).
 */
static int make_upper(struct ovl_super *os, struct ovl_inode *d,
		      const char *name, const struct ovl_make_args *m,
		      struct vfs_inode **out)
{
	struct vfs_inode *udir, *wh, *up = NULL;
	char tmp[32];
	const char *at = name;
	int err = copy_up(os, d, true);

	if (err)
		return err;
	udir = d->upper;
	err = layer_lookup(udir, name, &wh);
	if (err)
		return err;
	if (wh && !is_whiteout(wh)) {
		vfs_inode_put(wh);
		return -EEXIST;
	}
	if (wh) {
		err = tmp_name(os, udir, tmp, sizeof(tmp));
		if (err)
			goto out;
		at = tmp;
	}
	switch (m->kind) {
	case MAKE_NODE:
		err = udir->ops->mknod(udir, at, m->mode, m->rdev, m->c, &up);
		break;
	case MAKE_DIR:
		err = udir->ops->mkdir(udir, at, m->mode, m->c, &up);
		break;
	case MAKE_SYMLINK:
		err = udir->ops->symlink(udir, at, m->target, m->c, &up);
		break;
	case MAKE_LINK:
		up = vfs_inode_get(m->old->upper);
		err = udir->ops->link(udir, at, up);
		break;
	}
	if (err) {
		if (m->kind == MAKE_LINK)
			vfs_inode_put(up);
		goto out;
	}
	if (m->kind != MAKE_LINK)
		set_ino(up, up->ino | OVL_INO_UPPER);
	if (wh) {
		/* A directory where a lower one was must not show it. */
		if (m->kind == MAKE_DIR)
			set_opaque(up);
		err = udir->ops->rename(udir, at, up, udir, name, wh, 0);
		BUG_ON(err); /* replacing a whiteout allocates nothing */
	}
	if (out && m->kind != MAKE_LINK)
		*out = up;
	else
		vfs_inode_put(up);
out:
	vfs_inode_put(wh);
	return err;
}

static int ovl_make(struct vfs_inode *dir, const char *name,
		    const struct ovl_make_args *m, struct vfs_inode **out)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_inode *d = to_oi(dir), *oi = ovl_inode_alloc(name);
	struct vfs_inode *up;
	int err;

	if (!oi)
		return -ENOMEM;
	pthread_mutex_lock(&os->lock);
	err = make_upper(os, d, name, m, &up);
	if (!err) {
		ovl_inode_setup(os, oi, d, up, NULL);
		*out = &oi->i;
		sync_attrs(d);
	} else {
		ovl_inode_free(oi);
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

static int ovl_mknod(struct vfs_inode *dir, const char *name, uint32_t mode,
		     uint64_t rdev, const struct creds *c,
		     struct vfs_inode **out)
{
	struct ovl_make_args m = {
	    .kind = MAKE_NODE, .mode = mode, .rdev = rdev, .c = c};

	/* A device numbered 0:0 would read as a whiteout. */
	if ((mode & ABI_S_IFMT) == ABI_S_IFCHR && rdev == 0)
		return -EPERM;
	return ovl_make(dir, name, &m, out);
}

/*
 * Extended attributes: the upper inode's, else the lower's (none when the
 * lower filesystem keeps none). Changing them copies the file up first.
 */
static ssize_t ovl_getxattr(struct vfs_inode *inode, const char *name,
			    void *buf, size_t size)
{
	struct ovl_super *os = to_os(inode->sb);
	struct vfs_inode *r;
	ssize_t n;

	pthread_mutex_lock(&os->lock);
	r = real_inode(to_oi(inode));
	n = r->ops->getxattr ? r->ops->getxattr(r, name, buf, size) : -ENODATA;
	pthread_mutex_unlock(&os->lock);
	return n;
}

static ssize_t ovl_listxattr(struct vfs_inode *inode, char *buf, size_t size)
{
	struct ovl_super *os = to_os(inode->sb);
	struct vfs_inode *r;
	ssize_t n;

	pthread_mutex_lock(&os->lock);
	r = real_inode(to_oi(inode));
	n = r->ops->listxattr ? r->ops->listxattr(r, buf, size) : 0;
	pthread_mutex_unlock(&os->lock);
	return n;
}

static int ovl_setxattr(struct vfs_inode *inode, const char *name,
			const void *value, size_t size, int flags)
{
	struct ovl_super *os = to_os(inode->sb);
	struct ovl_inode *oi = to_oi(inode);
	struct vfs_inode *lo;
	int err = 0;

	pthread_mutex_lock(&os->lock);
	lo = oi->lower;
	/* Removing what the lower file does not have changes nothing. */
	if ((flags & VFS_XATTR_REMOVE) && !oi->upper &&
	    (!lo->ops->getxattr || lo->ops->getxattr(lo, name, NULL, 0) < 0))
		err = -ENODATA;
	if (!err)
		err = copy_up(os, oi, true);
	if (!err)
		err = oi->upper->ops->setxattr
			  ? oi->upper->ops->setxattr(oi->upper, name, value,
						     size, flags)
			  : -EOPNOTSUPP;
	if (!err)
		sync_attrs(oi);
	pthread_mutex_unlock(&os->lock);
	return err;
}

/* O_TMPFILE: a file of the upper layer, in the directory copied up. */
static int ovl_tmpfile(struct vfs_inode *dir, uint32_t mode,
		       const struct creds *c, struct vfs_inode **out)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_inode *d = to_oi(dir), *oi = ovl_inode_alloc(NULL);
	struct vfs_inode *up;
	int err;

	if (!oi)
		return -ENOMEM;
	pthread_mutex_lock(&os->lock);
	err = copy_up(os, d, true);
	if (!err && !d->upper->ops->tmpfile)
		err = -EOPNOTSUPP;
	if (!err)
		err = d->upper->ops->tmpfile(d->upper, mode, c, &up);
	if (!err) {
		set_ino(up, up->ino | OVL_INO_UPPER);
		ovl_inode_setup(os, oi, d, up, NULL);
		*out = &oi->i;
	} else {
		ovl_inode_free(oi);
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

static int ovl_mkdir(struct vfs_inode *dir, const char *name, uint32_t mode,
		     const struct creds *c, struct vfs_inode **out)
{
	struct ovl_make_args m = {.kind = MAKE_DIR, .mode = mode, .c = c};

	return ovl_make(dir, name, &m, out);
}

static int ovl_symlink(struct vfs_inode *dir, const char *name,
		       const char *target, const struct creds *c,
		       struct vfs_inode **out)
{
	struct ovl_make_args m = {
	    .kind = MAKE_SYMLINK, .target = target, .c = c};

	return ovl_make(dir, name, &m, out);
}

static int ovl_link(struct vfs_inode *dir, const char *name,
		    struct vfs_inode *old)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_make_args m = {.kind = MAKE_LINK, .old = to_oi(old)};
	int err;

	pthread_mutex_lock(&os->lock);
	err = copy_up(os, to_oi(old), true);
	if (!err)
		err = make_upper(os, to_oi(dir), name, &m, NULL);
	if (!err) {
		sync_attrs(to_oi(old));
		sync_attrs(to_oi(dir));
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

/*
 * Take name out of the overlay directory d, leaving a whiteout when the
 * lower layer has it. rmdir: victim is a directory whose view is empty.
 */
static int remove_name(struct ovl_super *os, struct ovl_inode *d,
		       const char *name, bool rmdir)
{
	struct vfs_inode *udir, *up = NULL, *wh = NULL;
	char tmp[32];
	bool has;
	int err = lower_has(d, name, &has);

	if (err)
		return err;
	if (has) {
		err = copy_up(os, d, true);
		if (err)
			return err;
	}
	udir = d->upper;
	err = layer_lookup(udir, name, &up);
	if (err)
		return err;
	if (up && is_whiteout(up)) {
		err = -ENOENT;
		goto out;
	}
	if (has && !up) {
		err = make_whiteout(os, udir, name, &wh);
	} else if (has) {
		/* The whiteout first, as the step that can fail. */
		err = tmp_name(os, udir, tmp, sizeof(tmp));
		if (!err)
			err = make_whiteout(os, udir, tmp, &wh);
		if (err)
			goto out;
		/* tmpfs removes empty directories only. */
		if (rmdir)
			err = purge_whiteouts(up);
		if (err) {
			udir->ops->unlink(udir, tmp, wh);
			goto out;
		}
		err = udir->ops->rename(udir, tmp, wh, udir, name, up, 0);
		BUG_ON(err); /* replacing allocates nothing */
	} else if (!up) {
		err = -ENOENT;
	} else {
		if (rmdir) {
			err = purge_whiteouts(up);
			if (!err)
				err = udir->ops->rmdir(udir, name, up);
		} else {
			err = udir->ops->unlink(udir, name, up);
		}
	}
out:
	vfs_inode_put(up);
	vfs_inode_put(wh);
	return err;
}

static int ovl_unlink(struct vfs_inode *dir, const char *name,
		      struct vfs_inode *victim)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_inode *d = to_oi(dir), *v = to_oi(victim);
	int err;

	pthread_mutex_lock(&os->lock);
	err = remove_name(os, d, name, false);
	if (!err) {
		forget_name(v, d, name);
		sync_attrs(v);
		sync_attrs(d);
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

static int ovl_rmdir(struct vfs_inode *dir, const char *name,
		     struct vfs_inode *victim)
{
	struct ovl_super *os = to_os(dir->sb);
	struct ovl_inode *d = to_oi(dir), *v = to_oi(victim);
	int err;

	pthread_mutex_lock(&os->lock);
	err = check_empty(v);
	if (!err)
		err = remove_name(os, d, name, true);
	if (!err) {
		forget_name(v, d, name);
		/* Still open, it lists nothing: its lower part goes. */
		if (v->upper) {
			vfs_inode_put(v->lower);
			v->lower = NULL;
		}
		sync_attrs(v);
		sync_attrs(d);
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

/* oi now lives as name in parent. */
static void move_name(struct ovl_inode *oi, struct ovl_inode *parent,
		      char *name)
{
	struct ovl_inode *old = oi->parent;

	free(oi->name);
	oi->name = name;
	oi->parent = to_oi(vfs_inode_get(&parent->i));
	if (old)
		vfs_inode_put(&old->i);
}

static int do_rename(struct ovl_super *os, struct ovl_inode *od,
		     const char *oldname, struct ovl_inode *s,
		     struct ovl_inode *nd, const char *newname,
		     struct ovl_inode *t, unsigned flags)
{
	bool exchange = flags & ABI_RENAME_EXCHANGE, old_has;
	struct vfs_inode *ou, *nu, *target = NULL, *wh = NULL;
	char tmp[32], *sname = NULL, *tname = NULL;
	const char *from = oldname;
	int err;

	/* Without redirect_dir a directory with a lower part cannot move. */
	if ((ABI_S_ISDIR(s->i.mode) && s->lower) ||
	    (exchange && ABI_S_ISDIR(t->i.mode) && t->lower))
		return -EXDEV;
	if (t && !exchange && ABI_S_ISDIR(t->i.mode)) {
		err = check_empty(t);
		if (err)
			return err;
	}
	err = lower_has(od, oldname, &old_has);
	if (!err)
		err = copy_up(os, s, true);
	if (!err && exchange)
		err = copy_up(os, t, true);
	if (!err)
		err = copy_up(os, od, true);
	if (!err)
		err = copy_up(os, nd, true);
	if (err)
		return err;
	sname = strdup(newname);
	tname = exchange ? strdup(oldname) : NULL;
	if (!sname || (exchange && !tname)) {
		err = -ENOMEM;
		goto out;
	}
	ou = od->upper;
	nu = nd->upper;
	/*
	 * A moving directory has no lower part: opaque, it cannot merge
	 * with a lower one of its new name.
	 */
	if (ABI_S_ISDIR(s->i.mode))
		set_opaque(s->upper);
	if (exchange) {
		if (ABI_S_ISDIR(t->i.mode))
			set_opaque(t->upper);
		err = ou->ops->rename(ou, oldname, s->upper, nu, newname,
				      t->upper, ABI_RENAME_EXCHANGE);
		if (!err) {
			move_name(s, nd, take_ptr(sname));
			move_name(t, od, take_ptr(tname));
		}
		goto out;
	}
	/* What the upper has at the new name: t, a whiteout, or nothing. */
	err = layer_lookup(nu, newname, &target);
	if (err)
		goto out;
	if (old_has) {
		/*
		 * The whiteout is made under a temporary name and swapped
		 * with the source, which then moves on from there.
		 */
		err = tmp_name(os, ou, tmp, sizeof(tmp));
		if (!err)
			err = make_whiteout(os, ou, tmp, &wh);
		if (err)
			goto out;
	}
	if (target && ABI_S_ISDIR(target->mode))
		err = purge_whiteouts(target);
	if (err) {
		if (wh)
			ou->ops->unlink(ou, tmp, wh);
		goto out;
	}
	if (old_has) {
		err = ou->ops->rename(ou, oldname, s->upper, ou, tmp, wh,
				      ABI_RENAME_EXCHANGE);
		BUG_ON(err); /* exchanging allocates nothing */
		from = tmp;
	}
	err = ou->ops->rename(ou, from, s->upper, nu, newname, target, 0);
	if (err) {
		/* Out of memory for a new entry: put everything back. */
		if (old_has) {
			int undo =
			    ou->ops->rename(ou, tmp, s->upper, ou, oldname, wh,
					    ABI_RENAME_EXCHANGE);

			if (!undo)
				undo = ou->ops->unlink(ou, tmp, wh);
			BUG_ON(undo);
		}
		goto out;
	}
	move_name(s, nd, take_ptr(sname));
	if (t)
		forget_name(t, nd, newname);
out:
	vfs_inode_put(target);
	vfs_inode_put(wh);
	free(sname);
	free(tname);
	return err;
}

static int ovl_rename(struct vfs_inode *olddir, const char *oldname,
		      struct vfs_inode *src, struct vfs_inode *newdir,
		      const char *newname, struct vfs_inode *dst,
		      unsigned flags)
{
	struct ovl_super *os = to_os(olddir->sb);
	struct ovl_inode *t = dst ? to_oi(dst) : NULL;
	int err;

	pthread_mutex_lock(&os->lock);
	err = do_rename(os, to_oi(olddir), oldname, to_oi(src), to_oi(newdir),
			newname, t, flags);
	if (!err) {
		sync_attrs(to_oi(src));
		sync_attrs(t);
		sync_attrs(to_oi(olddir));
		sync_attrs(to_oi(newdir));
	}
	pthread_mutex_unlock(&os->lock);
	return err;
}

static ssize_t ovl_readlink(struct vfs_inode *inode, char *buf, size_t len)
{
	struct ovl_super *os = to_os(inode->sb);
	struct vfs_inode *r;
	ssize_t n;

	pthread_mutex_lock(&os->lock);
	r = vfs_inode_get(real_inode(to_oi(inode)));
	pthread_mutex_unlock(&os->lock);
	n = r->ops->readlink ? r->ops->readlink(r, buf, len) : -EINVAL;
	vfs_inode_put(r);
	return n;
}

static int ovl_getattr(struct vfs_inode *inode, struct vfs_attr *a)
{
	struct ovl_super *os = to_os(inode->sb);
	struct vfs_inode *r;
	int err;

	pthread_mutex_lock(&os->lock);
	r = vfs_inode_get(real_inode(to_oi(inode)));
	pthread_mutex_unlock(&os->lock);
	err = vfs_inode_getattr(r, a);
	vfs_inode_put(r);
	if (err)
		return err;
	a->ino = inode->ino;
	store_attrs(to_oi(inode), a);
	return 0;
}

static int ovl_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	struct ovl_super *os = to_os(inode->sb);
	struct ovl_inode *oi = to_oi(inode);
	/* Truncating to nothing: no data to copy. */
	bool data = !(sa->mask & VFS_SETATTR_SIZE) || sa->size != 0;
	int err;

	pthread_mutex_lock(&os->lock);
	err = copy_up(os, oi, data);
	if (!err)
		err = vfs_setattr(oi->upper, sa);
	sync_attrs(oi);
	pthread_mutex_unlock(&os->lock);
	return err;
}

/* ---- open files ---------------------------------------------------------- */

static struct file *real_of(struct file *f)
{
	return to_of(f)->real;
}

static ssize_t fwd_read(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	return real_of(f)->ops->read(real_of(f), t, iov, iovcnt, pos);
}

static ssize_t fwd_write(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	return real_of(f)->ops->write(real_of(f), t, iov, iovcnt, pos);
}

static long fwd_ioctl(struct file *f, struct task *t, unsigned int cmd,
		      uint64_t arg)
{
	return real_of(f)->ops->ioctl(real_of(f), t, cmd, arg);
}

static int ovl_file_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static int fwd_setfl(struct file *f, uint32_t flags)
{
	struct file *r = real_of(f);
	int err = r->ops->setfl ? r->ops->setfl(r, flags) : 0;

	if (!err)
		r->flags = flags;
	return err;
}

static bool fwd_seekable(struct file *f)
{
	return real_of(f)->ops->seekable(real_of(f));
}

static int64_t fwd_llseek(struct file *f, int64_t off, int whence)
{
	struct file *r = real_of(f);
	int64_t ret;

	pthread_mutex_lock(&f->pos_lock);
	r->pos = f->pos;
	ret = r->ops->llseek(r, off, whence);
	f->pos = r->pos;
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

static int fwd_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct file *r = real_of(f);
	int err;

	r->pos = f->pos;
	err = r->ops->readdir(r, sink);
	f->pos = r->pos;
	return err;
}

static ssize_t fwd_kread(struct file *f, void *buf, size_t len, int64_t off)
{
	return real_of(f)->ops->kread(real_of(f), buf, len, off);
}

static ssize_t fwd_kwrite(struct file *f, const void *buf, size_t len,
			  int64_t *pos)
{
	return real_of(f)->ops->kwrite(real_of(f), buf, len, pos);
}

static int fwd_host_fd(struct file *f)
{
	return real_of(f)->ops->host_fd(real_of(f));
}

static int fwd_fsync(struct file *f, bool datasync)
{
	return real_of(f)->ops->fsync(real_of(f), datasync);
}

static struct vfs_inode *fwd_mmap_inode(struct file *f)
{
	return real_of(f)->ops->mmap_inode(real_of(f));
}

static int fwd_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	return real_of(f)->ops->fallocate(real_of(f), mode, off, len);
}

static void ovl_file_release(struct file *f)
{
	struct ovl_file *of = to_of(f);

	file_put(of->real);
	free_ents(of->ents, of->nents);
	free(of);
}

/* An overlay file over the layer's open file real (taking it). */
static struct file *wrap(struct file *real, uint32_t flags)
{
	struct ovl_file *of = calloc(1, sizeof(*of));
	const struct file_ops *r = real->ops;

	if (!of) {
		file_put(real);
		return ERR_PTR(-ENOMEM);
	}
	of->ops = (struct file_ops){
	    .read = r->read ? fwd_read : NULL,
	    .write = r->write ? fwd_write : NULL,
	    .ioctl = r->ioctl ? fwd_ioctl : NULL,
	    .stat = ovl_file_stat,
	    .setfl = fwd_setfl,
	    .seekable = r->seekable ? fwd_seekable : NULL,
	    .llseek = r->llseek ? fwd_llseek : NULL,
	    .readdir = r->readdir ? fwd_readdir : NULL,
	    .kread = r->kread ? fwd_kread : NULL,
	    .kwrite = r->kwrite ? fwd_kwrite : NULL,
	    .host_fd = r->host_fd ? fwd_host_fd : NULL,
	    .mmap_inode = r->mmap_inode ? fwd_mmap_inode : NULL,
	    .fallocate = r->fallocate ? fwd_fallocate : NULL,
	    .fsync = r->fsync ? fwd_fsync : NULL,
	    .release = ovl_file_release,
	    .size_limited = r->size_limited,
	};
	file_init(&of->f, &of->ops, flags);
	of->f.stream = real->stream;
	of->real = real;
	return &of->f;
}

static bool ovl_dir_seekable(struct file *f)
{
	(void)f;
	return true;
}

/* Merged entries, listed afresh whenever reading starts at position 0. */
static int ovl_dir_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct ovl_file *of = to_of(f);
	struct ovl_super *os = to_os(f->inode->sb);
	struct vfs_dentry *d = f->path.dentry;
	struct vfs_inode *parent =
	    d && d->parent && d->parent->inode ? d->parent->inode : f->inode;

	if (f->pos == 0 || !of->loaded) {
		struct ovl_dirent *ents;
		size_t n;
		int err;

		pthread_mutex_lock(&os->lock);
		err = list_dir(to_oi(f->inode), &ents, &n);
		pthread_mutex_unlock(&os->lock);
		if (err)
			return err;
		free_ents(of->ents, of->nents);
		of->ents = ents;
		of->nents = n;
		of->loaded = true;
	}
	if (f->pos == 0) {
		if (sink->emit(sink, ".", 1, f->inode->ino, ABI_DT_DIR, 1))
			return 0;
		f->pos = 1;
	}
	if (f->pos == 1) {
		if (sink->emit(sink, "..", 2, parent->ino, ABI_DT_DIR, 2))
			return 0;
		f->pos = 2;
	}
	while (f->pos >= 2 && (uint64_t)f->pos - 2 < of->nents) {
		struct ovl_dirent *e = &of->ents[f->pos - 2];

		if (sink->emit(sink, e->name, strlen(e->name), e->ino, e->type,
			       f->pos + 1))
			return 0;
		f->pos++;
	}
	return 0;
}

static const struct file_ops ovl_dir_ops = {
    .stat = ovl_file_stat,
    .seekable = ovl_dir_seekable,
    .readdir = ovl_dir_readdir,
    .release = ovl_file_release,
};

static struct file *ovl_open(struct vfs_inode *inode, uint32_t flags)
{
	struct ovl_super *os = to_os(inode->sb);
	struct ovl_inode *oi = to_oi(inode);
	struct vfs_inode *r;
	struct file *real;
	int err = 0;

	if (ABI_S_ISDIR(inode->mode)) {
		struct ovl_file *of = calloc(1, sizeof(*of));

		if (!of)
			return ERR_PTR(-ENOMEM);
		file_init(&of->f, &ovl_dir_ops, flags);
		return &of->f;
	}
	pthread_mutex_lock(&os->lock);
	/* Writing a regular file writes a copy; devices and FIFOs stay. */
	if (ABI_S_ISREG(inode->mode) && (flags & ABI_O_ACCMODE) != ABI_O_RDONLY)
		err = copy_up(os, oi, true);
	r = err ? NULL : vfs_inode_get(real_inode(oi));
	pthread_mutex_unlock(&os->lock);
	if (err)
		return ERR_PTR(err);
	if (!r->ops->open) {
		vfs_inode_put(r);
		return ERR_PTR(-ENXIO);
	}
	real = r->ops->open(r, flags);
	if (IS_ERR(real)) {
		vfs_inode_put(r);
		return real;
	}
	real->inode = r;
	return wrap(real, flags);
}

static void ovl_evict(struct vfs_inode *inode)
{
	struct ovl_inode *oi = to_oi(inode);
	struct vfs_super *sb = inode->sb;

	vfs_inode_put(oi->upper);
	vfs_inode_put(oi->lower);
	if (oi->parent)
		vfs_inode_put(&oi->parent->i);
	free(oi->name);
	free(oi);
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops->destroy)
		sb->ops->destroy(sb);
}

static const struct vfs_inode_ops ovl_inode_ops = {
    .lookup = ovl_lookup,
    .mknod = ovl_mknod,
    .tmpfile = ovl_tmpfile,
    .getxattr = ovl_getxattr,
    .setxattr = ovl_setxattr,
    .listxattr = ovl_listxattr,
    .mkdir = ovl_mkdir,
    .symlink = ovl_symlink,
    .link = ovl_link,
    .unlink = ovl_unlink,
    .rmdir = ovl_rmdir,
    .rename = ovl_rename,
    .readlink = ovl_readlink,
    .getattr = ovl_getattr,
    .setattr = ovl_setattr,
    .open = ovl_open,
    .evict = ovl_evict,
};

/* ---- the filesystem ------------------------------------------------------ */

static int ovl_statfs(struct vfs_super *sb, struct abi_statfs *st)
{
	struct vfs_super *usb = to_os(sb)->upper_root->sb;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (usb->ops->statfs)
		err = usb->ops->statfs(usb, st);
	st->f_type = OVERLAYFS_SUPER_MAGIC;
	return err;
}

static void ovl_destroy(struct vfs_super *sb)
{
	struct ovl_super *os = to_os(sb);

	vfs_inode_put(os->upper_root);
	pthread_mutex_destroy(&os->lock);
	free(os);
}

struct vfs_inode *overlay_upper_root(struct vfs_inode *inode)
{
	return to_os(inode->sb)->upper_root;
}

void overlay_layers(struct vfs_inode *inode, struct vfs_inode **upper,
		    struct vfs_inode **lower)
{
	struct ovl_super *os = to_os(inode->sb);

	pthread_mutex_lock(&os->lock);
	*upper = to_oi(inode)->upper;
	*lower = to_oi(inode)->lower;
	pthread_mutex_unlock(&os->lock);
}

struct vfs_inode *overlay_inode_unlinked(struct vfs_inode *inode,
					 struct vfs_inode *upper)
{
	struct ovl_inode *oi = ovl_inode_new(to_os(inode->sb), NULL, NULL,
					     vfs_inode_get(upper), NULL);

	return oi ? &oi->i : NULL;
}

static const struct vfs_super_ops ovl_super_ops = {
    .statfs = ovl_statfs,
    .destroy = ovl_destroy,
};

struct vfs_inode *overlay_create(struct vfs_inode *upper_root,
				 struct vfs_inode *lower_root, int *err)
{
	struct ovl_super *os;
	struct ovl_inode *root;

	if (!tmpfs_is(upper_root) || !ABI_S_ISDIR(upper_root->mode) ||
	    !ABI_S_ISDIR(lower_root->mode)) {
		*err = -EINVAL;
		return NULL;
	}
	os = calloc(1, sizeof(*os));
	if (!os) {
		*err = -ENOMEM;
		return NULL;
	}
	vfs_super_init(&os->sb, &ovl_super_ops, "overlay");
	pthread_mutex_init(&os->lock, NULL);
	creds_init_root(&os->creds);
	os->upper_root = vfs_inode_get(upper_root);
	/* The root is the lower root, as every file with a lower part. */
	set_ino(upper_root, lower_root->ino);
	root = ovl_inode_new(os, NULL, NULL, vfs_inode_get(upper_root),
			     is_opaque(upper_root) ? NULL
						   : vfs_inode_get(lower_root));
	if (!root) {
		vfs_inode_put(os->upper_root);
		free(os);
		*err = -ENOMEM;
		return NULL;
	}
	/* The root inode holds the superblock now. */
	__atomic_sub_fetch(&os->sb.refs, 1, __ATOMIC_RELAXED);
	return &root->i;
}
