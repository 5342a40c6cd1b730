// SPDX-License-Identifier: Apache-2.0
/*
 * The xattr syscalls (fs/xattr.c): arguments are checked in Linux's
 * order (flags, the name, the value's size and bytes, then the path or
 * fd), then sentry/vfs/xattr.c checks namespaces and permissions and the
 * filesystem keeps the attributes: tmpfs and the overlay's upper layer
 * do; procfs, sysfs and goferfs keep none (EOPNOTSUPP).
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>

enum xop {
	XGET,
	XSET,
	XLIST,
	XREMOVE
};

struct xtarget {
	struct vfs_inode *inode; /* a reference */
	bool ro;		 /* on a read-only mount */
};

/* The inode a path (follow: stat or lstat) or an fd names: 0 or -errno. */
static long xattr_target(struct task *t, uint64_t upath, int fd, bool follow,
			 struct xtarget *out)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	if (!upath) {
		struct file *f = fd_get(t->files, fd);

		if (!f)
			return -EBADF;
		err = f->flags & ABI_O_PATH ? -EBADF
		      : !f->inode	    ? -EOPNOTSUPP
					    : 0;
		if (!err) {
			out->inode = vfs_inode_get(f->inode);
			out->ro = f->path.mnt &&
				  (f->path.mnt->flags & VFS_MNT_RDONLY);
		}
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
	if (err)
		return err;
	out->inode = vfs_inode_get(p.dentry->inode);
	out->ro = p.mnt->flags & VFS_MNT_RDONLY;
	vfs_path_put(&p);
	return 0;
}

static long get_name(struct task *t, uint64_t uname, char *name, size_t len)
{
	long n = mm_copy_string_in(t->mm, name, uname, len);

	if (n == -ENAMETOOLONG)
		return -ERANGE;
	if (n < 0)
		return n;
	if (n == 0 || n > ABI_XATTR_NAME_MAX)
		return -ERANGE;
	return 0;
}

static long do_xattr(struct task *t, enum xop op, uint64_t upath, int fd,
		     bool follow, uint64_t uname, uint64_t uvalue,
		     uint64_t size, int flags)
{
	char name[ABI_XATTR_NAME_MAX + 2];
	struct xtarget x;
	void *buf = NULL;
	long err;

	if (op == XSET && (flags & ~(ABI_XATTR_CREATE | ABI_XATTR_REPLACE)))
		return -EINVAL;
	if (op != XLIST) {
		err = get_name(t, uname, name, sizeof(name));
		if (err)
			return err;
	}
	if (op == XSET && size > ABI_XATTR_SIZE_MAX)
		return -E2BIG;
	/* Reads of more than the largest value or list ask for that much. */
	if (op == XGET && size > ABI_XATTR_SIZE_MAX)
		size = ABI_XATTR_SIZE_MAX;
	if (op == XLIST && size > ABI_XATTR_LIST_MAX)
		size = ABI_XATTR_LIST_MAX;
	if (size && op != XREMOVE) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
	}
	if (op == XSET && size) {
		err = mm_copy_in(t->mm, buf, uvalue, size);
		if (err)
			goto out;
	}
	err = xattr_target(t, upath, fd, follow, &x);
	if (err)
		goto out;
	switch (op) {
	case XGET:
		err = vfs_getxattr(x.inode, name, buf, size, &t->creds);
		break;
	case XSET:
		err = vfs_setxattr(x.inode, x.ro, name, buf, size, flags,
				   &t->creds);
		break;
	case XLIST:
		err = vfs_listxattr(x.inode, buf, size, &t->creds);
		break;
	case XREMOVE:
		err = vfs_removexattr(x.inode, x.ro, name, &t->creds);
		break;
	}
	vfs_inode_put(x.inode);
	if (err > 0 && size && (op == XGET || op == XLIST)) {
		long cerr = mm_copy_out(t->mm, uvalue, buf, (size_t)err);

		if (cerr)
			err = cerr;
	}
out:
	free(buf);
	return err;
}

SYSCALL(getxattr)
{
	return do_xattr(t, XGET, a[0], -1, true, a[1], a[2], a[3], 0);
}

SYSCALL(lgetxattr)
{
	return do_xattr(t, XGET, a[0], -1, false, a[1], a[2], a[3], 0);
}

SYSCALL(fgetxattr)
{
	return do_xattr(t, XGET, 0, (int)a[0], true, a[1], a[2], a[3], 0);
}

SYSCALL(setxattr)
{
	return do_xattr(t, XSET, a[0], -1, true, a[1], a[2], a[3], (int)a[4]);
}

SYSCALL(lsetxattr)
{
	return do_xattr(t, XSET, a[0], -1, false, a[1], a[2], a[3], (int)a[4]);
}

SYSCALL(fsetxattr)
{
	return do_xattr(t, XSET, 0, (int)a[0], true, a[1], a[2], a[3],
			(int)a[4]);
}

SYSCALL(listxattr)
{
	return do_xattr(t, XLIST, a[0], -1, true, 0, a[1], a[2], 0);
}

SYSCALL(llistxattr)
{
	return do_xattr(t, XLIST, a[0], -1, false, 0, a[1], a[2], 0);
}

SYSCALL(flistxattr)
{
	return do_xattr(t, XLIST, 0, (int)a[0], true, 0, a[1], a[2], 0);
}

SYSCALL(removexattr)
{
	return do_xattr(t, XREMOVE, a[0], -1, true, a[1], 0, 0, 0);
}

SYSCALL(lremovexattr)
{
	return do_xattr(t, XREMOVE, a[0], -1, false, a[1], 0, 0, 0);
}

SYSCALL(fremovexattr)
{
	return do_xattr(t, XREMOVE, 0, (int)a[0], true, a[1], 0, 0, 0);
}
