// SPDX-License-Identifier: Apache-2.0
/*
 * The namespace calls of Linux's fs/namei.c: mknod, mkdir, rmdir, unlink,
 * symlink, link, rename, each with its *at and flag variants.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

/* Copy one path in and resolve where it starts. */
static long path_begin(struct task *t, int dirfd, uint64_t upath, char *path,
		       struct vfs_lookup_ctx *ctx, struct vfs_path *start)
{
	long err = task_getname(t, upath, path);

	if (err < 0)
		return err;
	return task_path_begin(t, dirfd, path, false, ctx, start);
}

static long do_mknodat(struct task *t, int dirfd, uint64_t upath, uint32_t mode,
		       uint64_t dev)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	uint32_t type = mode & ABI_S_IFMT;
	long err;

	if (type == 0)
		type = ABI_S_IFREG;
	switch (type) {
	case ABI_S_IFREG:
	case ABI_S_IFIFO:
	case ABI_S_IFSOCK:
		break;
	case ABI_S_IFCHR:
	case ABI_S_IFBLK:
		if (!creds_capable(&t->creds, ABI_CAP_MKNOD))
			return -EPERM;
		break;
	case ABI_S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	err = path_begin(t, dirfd, upath, path, &ctx, &start);
	if (err)
		return err;
	mode = type | (mode & ~t->tg->umask & 07777);
	/* dev_t from the application: major/minor in Linux's encoding. */
	err = vfs_mknod(&ctx, &start, path, mode,
			type == ABI_S_IFCHR || type == ABI_S_IFBLK ? dev : 0);
	task_path_end(&ctx, &start);
	return err;
}

SYSCALL(mknod)
{
	return do_mknodat(t, ABI_AT_FDCWD, a[0], (uint32_t)a[1], a[2]);
}

SYSCALL(mknodat)
{
	return do_mknodat(t, (int)a[0], a[1], (uint32_t)a[2], a[3]);
}

static long do_mkdirat(struct task *t, int dirfd, uint64_t upath, uint32_t mode)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	long err = path_begin(t, dirfd, upath, path, &ctx, &start);

	if (err)
		return err;
	err = vfs_mkdir(&ctx, &start, path, mode & ~t->tg->umask & 01777);
	task_path_end(&ctx, &start);
	return err;
}

SYSCALL(mkdir)
{
	return do_mkdirat(t, ABI_AT_FDCWD, a[0], (uint32_t)a[1]);
}

SYSCALL(mkdirat)
{
	return do_mkdirat(t, (int)a[0], a[1], (uint32_t)a[2]);
}

static long do_unlinkat(struct task *t, int dirfd, uint64_t upath, bool rmdir)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	long err = path_begin(t, dirfd, upath, path, &ctx, &start);

	if (err)
		return err;
	err = vfs_unlink(&ctx, &start, path, rmdir);
	task_path_end(&ctx, &start);
	return err;
}

SYSCALL(unlink)
{
	return do_unlinkat(t, ABI_AT_FDCWD, a[0], false);
}

SYSCALL(rmdir)
{
	return do_unlinkat(t, ABI_AT_FDCWD, a[0], true);
}

SYSCALL(unlinkat)
{
	if ((int)a[2] & ~ABI_AT_REMOVEDIR)
		return -EINVAL;
	return do_unlinkat(t, (int)a[0], a[1], (int)a[2] & ABI_AT_REMOVEDIR);
}

static long do_symlinkat(struct task *t, uint64_t utarget, int dirfd,
			 uint64_t upath)
{
	char target[ABI_PATH_MAX], path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	long err = task_getname(t, utarget, target);

	if (err < 0)
		return err;
	err = path_begin(t, dirfd, upath, path, &ctx, &start);
	if (err)
		return err;
	err = vfs_symlink(&ctx, &start, path, target);
	task_path_end(&ctx, &start);
	return err;
}

SYSCALL(symlink)
{
	return do_symlinkat(t, a[0], ABI_AT_FDCWD, a[1]);
}

SYSCALL(symlinkat)
{
	return do_symlinkat(t, a[0], (int)a[1], a[2]);
}

static long do_linkat(struct task *t, int olddirfd, uint64_t uold, int newdirfd,
		      uint64_t unew, int flags)
{
	char oldpath[ABI_PATH_MAX], newpath[ABI_PATH_MAX];
	struct vfs_lookup_ctx octx, nctx;
	struct vfs_path ostart, nstart;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_FOLLOW | ABI_AT_EMPTY_PATH))
		return -EINVAL;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, as Linux. */
	if ((flags & ABI_AT_EMPTY_PATH) &&
	    !creds_capable(&t->creds, ABI_CAP_DAC_READ_SEARCH))
		return -ENOENT;
	err = task_getname(t, uold, oldpath);
	if (err < 0)
		return err;
	err = task_path_begin(t, olddirfd, oldpath, flags & ABI_AT_EMPTY_PATH,
			      &octx, &ostart);
	if (err)
		return err;
	err = path_begin(t, newdirfd, unew, newpath, &nctx, &nstart);
	if (!err) {
		if (!oldpath[0] && !(flags & ABI_AT_EMPTY_PATH))
			err = -ENOENT;
		else
			err = vfs_link(&octx, &ostart, oldpath,
				       flags & ABI_AT_SYMLINK_FOLLOW, &nstart,
				       newpath);
		task_path_end(&nctx, &nstart);
	}
	task_path_end(&octx, &ostart);
	return err;
}

SYSCALL(link)
{
	return do_linkat(t, ABI_AT_FDCWD, a[0], ABI_AT_FDCWD, a[1], 0);
}

SYSCALL(linkat)
{
	return do_linkat(t, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

static long do_renameat2(struct task *t, int olddirfd, uint64_t uold,
			 int newdirfd, uint64_t unew, unsigned flags)
{
	char oldpath[ABI_PATH_MAX], newpath[ABI_PATH_MAX];
	struct vfs_lookup_ctx octx, nctx;
	struct vfs_path ostart, nstart;
	long err;

	err = path_begin(t, olddirfd, uold, oldpath, &octx, &ostart);
	if (err)
		return err;
	err = path_begin(t, newdirfd, unew, newpath, &nctx, &nstart);
	if (!err) {
		err = vfs_rename(&octx, &ostart, oldpath, &nstart, newpath,
				 flags);
		task_path_end(&nctx, &nstart);
	}
	task_path_end(&octx, &ostart);
	return err;
}

SYSCALL(rename)
{
	return do_renameat2(t, ABI_AT_FDCWD, a[0], ABI_AT_FDCWD, a[1], 0);
}

SYSCALL(renameat)
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3], 0);
}

SYSCALL(renameat2)
{
	return do_renameat2(t, (int)a[0], a[1], (int)a[2], a[3],
			    (unsigned)a[4]);
}
