// SPDX-License-Identifier: Apache-2.0
/* utimensat, futimesat, utimes, utime: Linux's fs/utimes.c. */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

/* Set times of the path (or of the file at dirfd when upath is 0). */
static long do_utimes(struct task *t, int dirfd, uint64_t upath,
		      const struct abi_timespec *times, int flags)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_EMPTY_PATH))
		return -EINVAL;
	if (!upath) {
		/* utimensat(fd, NULL, ...): the file itself (Linux). */
		struct file *f;

		if (flags & ABI_AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		if (dirfd == ABI_AT_FDCWD)
			return -EFAULT;
		f = fd_get(t->files, dirfd);
		if (!f)
			return -EBADF;
		err = f->inode ? vfs_utimes(f->inode,
					    f->path.mnt && (f->path.mnt->flags &
							    VFS_MNT_RDONLY),
					    times, &t->creds)
			       : -EBADF;
		file_put(f);
		return err;
	}
	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	err = task_path_begin(t, dirfd, path, flags & ABI_AT_EMPTY_PATH, &ctx,
			      &start);
	if (err)
		return err;
	err = vfs_lookup(&ctx, &start, path,
			 (flags & ABI_AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			     (flags & ABI_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0),
			 &p);
	task_path_end(&ctx, &start);
	if (err)
		return err;
	err = vfs_utimes(p.dentry->inode, p.mnt->flags & VFS_MNT_RDONLY, times,
			 &t->creds);
	vfs_path_put(&p);
	return err;
}

SYSCALL(utimensat)
{
	struct abi_timespec ts[2];
	long err;

	if (a[2]) {
		err = mm_copy_in(t->mm, ts, a[2], sizeof(ts));
		if (err)
			return err;
	}
	return do_utimes(t, (int)a[0], a[1], a[2] ? ts : NULL, (int)a[3]);
}

/* The microsecond variants: NULL times mean now; no OMIT or NOW. */
static long do_futimesat(struct task *t, int dirfd, uint64_t upath,
			 uint64_t utv)
{
	struct abi_timeval tv[2];
	struct abi_timespec ts[2];
	long err;

	if (!utv)
		return do_utimes(t, dirfd, upath, NULL, 0);
	err = mm_copy_in(t->mm, tv, utv, sizeof(tv));
	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return do_utimes(t, dirfd, upath, ts, 0);
}

SYSCALL(futimesat)
{
	return do_futimesat(t, (int)a[0], a[1], a[2]);
}

SYSCALL(utimes)
{
	return do_futimesat(t, ABI_AT_FDCWD, a[0], a[1]);
}

SYSCALL(utime)
{
	struct {
		int64_t actime, modtime;
	} ub;
	struct abi_timespec ts[2];
	long err;

	if (!a[1])
		return do_utimes(t, ABI_AT_FDCWD, a[0], NULL, 0);
	err = mm_copy_in(t->mm, &ub, a[1], sizeof(ub));
	if (err)
		return err;
	ts[0] = (struct abi_timespec){.tv_sec = ub.actime};
	ts[1] = (struct abi_timespec){.tv_sec = ub.modtime};
	return do_utimes(t, ABI_AT_FDCWD, a[0], ts, 0);
}
