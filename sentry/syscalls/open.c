// SPDX-License-Identifier: Apache-2.0
/*
 * open and friends, and the calls Linux keeps beside them in fs/open.c:
 * chdir, fchdir, chroot, getcwd, access, chmod, chown, truncate.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <string.h>

/* Open flags Linux accepts (the rest are ignored by open, EINVAL for
 * openat2). */
#define VALID_OPEN_FLAGS                                                       \
	(ABI_O_ACCMODE | ABI_O_CREAT | ABI_O_EXCL | ABI_O_NOCTTY |             \
	 ABI_O_TRUNC | ABI_O_APPEND | ABI_O_NONBLOCK | ABI_O_DSYNC |           \
	 ABI_O_ASYNC | ABI_O_DIRECT | ABI_O_LARGEFILE | ABI_O_DIRECTORY |      \
	 ABI_O_NOFOLLOW | ABI_O_NOATIME | ABI_O_CLOEXEC | ABI_O_PATH |         \
	 ABI_O_SYNC | ABI_O_TMPFILE)

static long do_open(struct task *t, int dirfd, uint64_t upath, uint64_t flags,
		    uint32_t mode, unsigned resolve)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	struct file *f;
	long n, fd;

	/* O_TMPFILE: with O_DIRECTORY, without O_CREAT, for writing. */
	if ((flags & ABI_O_TMPFILE & ~ABI_O_DIRECTORY) &&
	    ((flags & (ABI_O_TMPFILE | ABI_O_CREAT)) != ABI_O_TMPFILE ||
	     (flags & ABI_O_ACCMODE) == ABI_O_RDONLY))
		return -EINVAL;
	n = task_getname(t, upath, path);
	if (n < 0)
		return n;
	n = task_path_begin_scoped(t, dirfd, path, false,
				   resolve & LOOKUP_IN_ROOT, &ctx, &start);
	if (n)
		return n;
	if (flags & (ABI_O_CREAT | ABI_O_TMPFILE))
		mode &= ~t->tg->umask & 07777;
	f = vfs_open(&ctx, &start, path, (uint32_t)flags & VALID_OPEN_FLAGS,
		     mode, resolve);
	task_path_end(&ctx, &start);
	if (IS_ERR(f))
		return PTR_ERR(f);
	fd = fd_alloc(t->files, f, flags & ABI_O_CLOEXEC, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(f);
	return fd;
}

/* open(2): O_LARGEFILE is implied on 64-bit. */
SYSCALL(open)
{
	return do_open(t, ABI_AT_FDCWD, a[0], a[1] | ABI_O_LARGEFILE,
		       (uint32_t)a[2], 0);
}

SYSCALL(openat)
{
	return do_open(t, (int)a[0], a[1], a[2] | ABI_O_LARGEFILE,
		       (uint32_t)a[3], 0);
}

SYSCALL(creat)
{
	return do_open(t, ABI_AT_FDCWD, a[0],
		       ABI_O_CREAT | ABI_O_WRONLY | ABI_O_TRUNC |
			   ABI_O_LARGEFILE,
		       (uint32_t)a[1], 0);
}

/* openat2: strict about flags, mode and resolve. */
SYSCALL(openat2)
{
	struct abi_open_how how = {0};
	uint64_t size = a[3];
	unsigned resolve = 0;
	int err;

	if (size < sizeof(how))
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	err = mm_copy_in(t->mm, &how, a[2], sizeof(how));
	if (err)
		return err;
	/* A larger struct: its extra bytes must be zero. */
	for (uint64_t off = sizeof(how); off < size; off += 8) {
		uint8_t extra[8] = {0}, zero[8] = {0};
		size_t n = (size_t)min_t(uint64_t, 8, size - off);

		err = mm_copy_in(t->mm, extra, a[2] + off, n);
		if (err)
			return err;
		if (memcmp(extra, zero, n))
			return -E2BIG;
	}
	if (how.flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve &
	    ~(uint64_t)(ABI_RESOLVE_NO_XDEV | ABI_RESOLVE_NO_MAGICLINKS |
			ABI_RESOLVE_NO_SYMLINKS | ABI_RESOLVE_BENEATH |
			ABI_RESOLVE_IN_ROOT | ABI_RESOLVE_CACHED))
		return -EINVAL;
	if ((how.resolve & ABI_RESOLVE_BENEATH) &&
	    (how.resolve & ABI_RESOLVE_IN_ROOT))
		return -EINVAL;
	if (how.mode & ~(uint64_t)07777)
		return -EINVAL;
	if (how.mode && !(how.flags & (ABI_O_CREAT | ABI_O_TMPFILE)))
		return -EINVAL;
	if ((how.flags & ABI_O_CREAT) && (how.flags & ABI_O_DIRECTORY))
		return -EINVAL;
	if (how.resolve & ABI_RESOLVE_CACHED)
		return -EAGAIN; /* nothing is resolved from cache alone here */
	if (how.resolve & ABI_RESOLVE_NO_XDEV)
		resolve |= LOOKUP_NO_XDEV;
	if (how.resolve & ABI_RESOLVE_NO_MAGICLINKS)
		resolve |= LOOKUP_NO_MAGIC;
	if (how.resolve & ABI_RESOLVE_NO_SYMLINKS)
		resolve |= LOOKUP_NO_SYMLINKS;
	if (how.resolve & ABI_RESOLVE_BENEATH)
		resolve |= LOOKUP_BENEATH;
	if (how.resolve & ABI_RESOLVE_IN_ROOT)
		resolve |= LOOKUP_IN_ROOT;
	return do_open(t, (int)a[0], a[1], how.flags, (uint32_t)how.mode,
		       resolve);
}

/* ---- the working directory and the root ----------------------------- */

static long set_cwd_or_root(struct task *t, const struct vfs_path *p, bool root)
{
	struct fs_struct *fs = t->fs;
	struct vfs_path old;

	pthread_mutex_lock(&fs->lock);
	if (root) {
		old = fs->root;
		fs->root = *p;
	} else {
		old = fs->cwd;
		fs->cwd = *p;
	}
	pthread_mutex_unlock(&fs->lock);
	vfs_path_put(&old);
	return 0;
}

static long do_chdir(struct task *t, uint64_t upath, bool root)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	if (root && !creds_capable(&t->creds, ABI_CAP_SYS_CHROOT))
		return -EPERM;
	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	err = task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start);
	if (err)
		return err;
	err = vfs_lookup(&ctx, &start, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			 &p);
	if (!err) {
		err = vfs_permission(p.dentry->inode, ABI_X_OK, &t->creds);
		if (err)
			vfs_path_put(&p);
	}
	task_path_end(&ctx, &start);
	if (err)
		return err;
	return set_cwd_or_root(t, &p, root);
}

SYSCALL(chdir)
{
	return do_chdir(t, a[0], false);
}

/* chroot: CAP_SYS_CHROOT; the working directory is left alone, as Linux. */
SYSCALL(chroot)
{
	return do_chdir(t, a[0], true);
}

SYSCALL(fchdir)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	struct vfs_path p;
	long err = 0;

	if (!f)
		return -EBADF;
	if (!f->path.mnt || !ABI_S_ISDIR(f->inode->mode))
		err = -ENOTDIR;
	else
		err = vfs_permission(f->inode, ABI_X_OK, &t->creds);
	if (!err) {
		p = f->path;
		vfs_path_get(&p);
	}
	file_put(f);
	return err ? err : set_cwd_or_root(t, &p, false);
}

/* getcwd: "(unreachable)" prefixed when the cwd is outside the root. */
SYSCALL(getcwd)
{
	char buf[ABI_PATH_MAX + 16];
	struct vfs_path root, cwd;
	size_t len;
	int r;

	pthread_mutex_lock(&t->fs->lock);
	root = t->fs->root;
	cwd = t->fs->cwd;
	vfs_path_get(&root);
	vfs_path_get(&cwd);
	pthread_mutex_unlock(&t->fs->lock);
	r = vfs_path_name(&t->k->ns, &root, &cwd, buf + 13, ABI_PATH_MAX);
	if (r == 0 && cwd.dentry->removed && cwd.dentry->parent)
		r = -ENOENT; /* removed: Linux says ENOENT */
	vfs_path_put(&root);
	vfs_path_put(&cwd);
	if (r < 0)
		return r;
	if (r == 1)
		memcpy(buf, "(unreachable)", 13);
	len = strlen(r == 1 ? buf : buf + 13) + 1;
	if (len > a[1])
		return -ERANGE;
	r = mm_copy_out(t->mm, a[0], r == 1 ? buf : buf + 13, len);
	return r ? r : (long)len;
}

/* ---- access ----------------------------------------------------------- */

static long do_faccessat(struct task *t, int dirfd, uint64_t upath, int mode,
			 int flags)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	struct creds real;
	long err;

	if (mode & ~(ABI_R_OK | ABI_W_OK | ABI_X_OK))
		return -EINVAL;
	if (flags &
	    ~(ABI_AT_EACCESS | ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_EMPTY_PATH))
		return -EINVAL;
	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	err = task_path_begin(t, dirfd, path, flags & ABI_AT_EMPTY_PATH, &ctx,
			      &start);
	if (err)
		return err;
	/* Checked with the real ids, unless AT_EACCESS. */
	real = t->creds;
	if (!(flags & ABI_AT_EACCESS)) {
		real.fsuid = t->creds.ruid;
		real.fsgid = t->creds.rgid;
		if (t->creds.ruid != 0)
			real.cap_effective = 0;
		else
			real.cap_effective = t->creds.cap_permitted;
	}
	ctx.creds = &real;
	err = vfs_lookup(&ctx, &start, path,
			 (flags & ABI_AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			     (flags & ABI_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0),
			 &p);
	if (!err) {
		struct vfs_inode *inode = p.dentry->inode;

		if (mode)
			err = vfs_permission(inode, mode, &real);
		if (!err && (mode & ABI_W_OK) &&
		    (p.mnt->flags & VFS_MNT_RDONLY) &&
		    (ABI_S_ISREG(inode->mode) || ABI_S_ISDIR(inode->mode) ||
		     ABI_S_ISLNK(inode->mode)))
			err = -EROFS;
		vfs_path_put(&p);
	}
	task_path_end(&ctx, &start);
	return err;
}

SYSCALL(access)
{
	return do_faccessat(t, ABI_AT_FDCWD, a[0], (int)a[1], 0);
}

SYSCALL(faccessat)
{
	return do_faccessat(t, (int)a[0], a[1], (int)a[2], 0);
}

SYSCALL(faccessat2)
{
	return do_faccessat(t, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

/* ---- attribute changes by path or fd ---------------------------------- */

/*
 * Resolve a path for an attribute change: the path (references), or -errno.
 * An empty path with AT_EMPTY_PATH names the file at dirfd.
 */
static long attr_path(struct task *t, int dirfd, uint64_t upath, bool follow,
		      bool empty_ok, struct vfs_path *p)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	long err;

	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	if (!path[0] && empty_ok && dirfd != ABI_AT_FDCWD) {
		struct file *f = fd_get(t->files, dirfd);

		if (!f)
			return -EBADF;
		err = f->path.mnt ? 0 : -EBADF;
		if (!err) {
			*p = f->path;
			vfs_path_get(p);
		}
		file_put(f);
		return err;
	}
	err = task_path_begin(t, dirfd, path, empty_ok, &ctx, &start);
	if (err)
		return err;
	err = vfs_lookup(
	    &ctx, &start, path,
	    (follow ? LOOKUP_FOLLOW : 0) | (empty_ok ? LOOKUP_EMPTY : 0), p);
	task_path_end(&ctx, &start);
	return err;
}

static bool path_ro(const struct vfs_path *p)
{
	return p->mnt->flags & VFS_MNT_RDONLY;
}

static long chmod_path(struct task *t, int dirfd, uint64_t upath, uint32_t mode,
		       int flags)
{
	struct vfs_path p;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_EMPTY_PATH))
		return -EINVAL;
	err = attr_path(t, dirfd, upath, !(flags & ABI_AT_SYMLINK_NOFOLLOW),
			flags & ABI_AT_EMPTY_PATH, &p);
	if (err)
		return err;
	if (ABI_S_ISLNK(p.dentry->inode->mode))
		err = -EOPNOTSUPP;
	else
		err = vfs_chmod(p.dentry->inode, path_ro(&p), mode, &t->creds);
	vfs_path_put(&p);
	return err;
}

SYSCALL(chmod)
{
	return chmod_path(t, ABI_AT_FDCWD, a[0], (uint32_t)a[1], 0);
}

SYSCALL(fchmodat)
{
	return chmod_path(t, (int)a[0], a[1], (uint32_t)a[2], 0);
}

/* fchmodat2: fchmodat with flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH). */
SYSCALL(fchmodat2)
{
	return chmod_path(t, (int)a[0], a[1], (uint32_t)a[2], (int)a[3]);
}

/* The open file fd names for an attribute change, or NULL and *err. */
static struct file *attr_file(struct task *t, int fd, long *err)
{
	struct file *f = fd_get(t->files, fd);

	*err = 0;
	if (f && f->inode && !(f->flags & ABI_O_PATH))
		return f;
	if (f)
		file_put(f);
	*err = -EBADF;
	return NULL;
}

static bool file_ro(const struct file *f)
{
	return f->path.mnt && path_ro(&f->path);
}

SYSCALL(fchmod)
{
	long err;
	struct file *f = attr_file(t, (int)a[0], &err);

	if (!f)
		return err;
	err = vfs_chmod(f->inode, file_ro(f), (uint32_t)a[1], &t->creds);
	file_put(f);
	return err;
}

static long chown_path(struct task *t, int dirfd, uint64_t upath, uint32_t uid,
		       uint32_t gid, int flags)
{
	struct vfs_path p;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_EMPTY_PATH))
		return -EINVAL;
	err = attr_path(t, dirfd, upath, !(flags & ABI_AT_SYMLINK_NOFOLLOW),
			flags & ABI_AT_EMPTY_PATH, &p);
	if (err)
		return err;
	err = vfs_chown(p.dentry->inode, path_ro(&p), uid, gid, &t->creds);
	vfs_path_put(&p);
	return err;
}

SYSCALL(chown)
{
	return chown_path(t, ABI_AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2],
			  0);
}

SYSCALL(lchown)
{
	return chown_path(t, ABI_AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2],
			  ABI_AT_SYMLINK_NOFOLLOW);
}

SYSCALL(fchownat)
{
	return chown_path(t, (int)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3],
			  (int)a[4]);
}

SYSCALL(fchown)
{
	long err;
	struct file *f = attr_file(t, (int)a[0], &err);

	if (!f)
		return err;
	err = vfs_chown(f->inode, file_ro(f), (uint32_t)a[1], (uint32_t)a[2],
			&t->creds);
	file_put(f);
	return err;
}

SYSCALL(truncate)
{
	struct vfs_path p;
	long err = attr_path(t, ABI_AT_FDCWD, a[0], true, false, &p);

	if (err)
		return err;
	err = vfs_truncate(p.dentry->inode, path_ro(&p), (int64_t)a[1],
			   &t->creds, true);
	vfs_path_put(&p);
	return err;
}

SYSCALL(ftruncate)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	long err;

	if (!f)
		return -EBADF;
	if (!f->inode || (f->flags & ABI_O_PATH))
		err = -EBADF;
	else if ((int64_t)a[1] < 0)
		err = -EINVAL;
	else if (!file_writable(f) || !ABI_S_ISREG(f->inode->mode))
		err = -EINVAL;
	else
		err = vfs_truncate(f->inode, false, (int64_t)a[1], &t->creds,
				   false);
	file_put(f);
	return err;
}
