// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes (fs/xattr.c). No filesystem of the sandbox stores
 * any yet: reads find none (ENODATA, an empty list), writes are ENOTSUP
 * as on a filesystem without xattr support. Arguments are checked as
 * Linux does first: the path or fd, flags, name length and size.
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

#define XATTR_CREATE   0x1
#define XATTR_REPLACE  0x2
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536

enum xop {
	XGET,
	XSET,
	XLIST,
	XREMOVE
};

/* The file a path (follow: stat or lstat) or an fd names: 0 or -errno. */
static long xattr_target(struct task *t, uint64_t upath, int fd, bool follow)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	if (!upath) {
		struct file *f = fd_get(t->files, fd);

		if (!f)
			return -EBADF;
		err = f->flags & ABI_O_PATH ? -EBADF : 0;
		file_put(f);
		return err;
	}
	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	err = task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start);
	if (err)
		return err;
	err = vfs_lookup(&ctx, &start, path, follow ? LOOKUP_FOLLOW : 0, &p);
	task_path_end(&ctx, &start);
	if (!err)
		vfs_path_put(&p);
	return err;
}

static long check_name(struct task *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 2];
	long n = mm_copy_string_in(t->mm, name, uname, sizeof(name));

	if (n == -ENAMETOOLONG)
		return -ERANGE;
	if (n < 0)
		return n;
	if (n == 0 || n > XATTR_NAME_MAX)
		return -ERANGE;
	return 0;
}

static long do_xattr(struct task *t, enum xop op, uint64_t upath, int fd,
		     bool follow, uint64_t uname, uint64_t size, int flags)
{
	long err;

	if (op == XSET && (flags & ~(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	if (op != XLIST) {
		err = check_name(t, uname);
		if (err)
			return err;
	}
	if (op == XSET && size > XATTR_SIZE_MAX)
		return -E2BIG;
	err = xattr_target(t, upath, fd, follow);
	if (err)
		return err;
	switch (op) {
	case XGET:
	case XREMOVE:
		return -ENODATA;
	case XLIST:
		return 0; /* no names */
	default:
		return -ENOTSUP;
	}
}

SYSCALL(getxattr)
{
	return do_xattr(t, XGET, a[0], -1, true, a[1], a[3], 0);
}

SYSCALL(lgetxattr)
{
	return do_xattr(t, XGET, a[0], -1, false, a[1], a[3], 0);
}

SYSCALL(fgetxattr)
{
	return do_xattr(t, XGET, 0, (int)a[0], true, a[1], a[3], 0);
}

SYSCALL(setxattr)
{
	return do_xattr(t, XSET, a[0], -1, true, a[1], a[3], (int)a[4]);
}

SYSCALL(lsetxattr)
{
	return do_xattr(t, XSET, a[0], -1, false, a[1], a[3], (int)a[4]);
}

SYSCALL(fsetxattr)
{
	return do_xattr(t, XSET, 0, (int)a[0], true, a[1], a[3], (int)a[4]);
}

SYSCALL(listxattr)
{
	return do_xattr(t, XLIST, a[0], -1, true, 0, a[2], 0);
}

SYSCALL(llistxattr)
{
	return do_xattr(t, XLIST, a[0], -1, false, 0, a[2], 0);
}

SYSCALL(flistxattr)
{
	return do_xattr(t, XLIST, 0, (int)a[0], true, 0, a[2], 0);
}

SYSCALL(removexattr)
{
	return do_xattr(t, XREMOVE, a[0], -1, true, a[1], 0, 0);
}

SYSCALL(lremovexattr)
{
	return do_xattr(t, XREMOVE, a[0], -1, false, a[1], 0, 0);
}

SYSCALL(fremovexattr)
{
	return do_xattr(t, XREMOVE, 0, (int)a[0], true, a[1], 0, 0);
}
