// SPDX-License-Identifier: Apache-2.0
/* stat, lstat, newfstatat, statx, readlink, statfs: Linux's fs/stat.c. */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <string.h>

/* The attributes of a path, or of the file at dirfd for an empty path. */
static long stat_common(struct task *t, int dirfd, uint64_t upath, int flags,
			struct vfs_attr *a, uint64_t *dev, uint64_t *mnt_id)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	/* Linux refuses an empty path before it looks at dirfd. */
	if (!path[0] && !(flags & ABI_AT_EMPTY_PATH))
		return -ENOENT;
	if (!path[0] && (flags & ABI_AT_EMPTY_PATH) && dirfd != ABI_AT_FDCWD) {
		struct file *f = fd_get(t->files, dirfd);
		struct abi_stat st;

		if (!f)
			return -EBADF;
		if (f->inode) {
			err = vfs_inode_getattr(f->inode, a);
			*dev = f->inode->sb->dev;
			*mnt_id = f->path.mnt ? f->path.mnt->id : 0;
		} else {
			/* Files without an inode (host stdio): their stat. */
			err = f->ops->stat(f, &st);
			*a = (struct vfs_attr){
			    .ino = st.st_ino,
			    .rdev = st.st_rdev,
			    .size = (uint64_t)st.st_size,
			    .blocks = (uint64_t)st.st_blocks,
			    .mode = st.st_mode,
			    .nlink = (uint32_t)st.st_nlink,
			    .uid = st.st_uid,
			    .gid = st.st_gid,
			    .blksize = (uint32_t)st.st_blksize,
			    .atime = st.st_atim,
			    .mtime = st.st_mtim,
			    .ctime = st.st_ctim,
			};
			*dev = st.st_dev;
			*mnt_id = 0;
		}
		file_put(f);
		return err;
	}
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
	err = vfs_getattr(&p, a);
	*dev = p.dentry->inode->sb->dev;
	*mnt_id = p.mnt->id;
	vfs_path_put(&p);
	return err;
}

static long do_stat(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf,
		    int flags)
{
	struct abi_stat st;
	struct vfs_attr a;
	uint64_t dev, mnt_id;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_NO_AUTOMOUNT |
		      ABI_AT_EMPTY_PATH))
		return -EINVAL;
	err = stat_common(t, dirfd, upath, flags, &a, &dev, &mnt_id);
	if (err)
		return err;
	vfs_attr_to_stat(&a, dev, &st);
	return mm_copy_out(t->mm, ubuf, &st, sizeof(st));
}

SYSCALL(stat)
{
	return do_stat(t, ABI_AT_FDCWD, a[0], a[1], 0);
}

SYSCALL(lstat)
{
	return do_stat(t, ABI_AT_FDCWD, a[0], a[1], ABI_AT_SYMLINK_NOFOLLOW);
}

SYSCALL(newfstatat)
{
	return do_stat(t, (int)a[0], a[1], a[2], (int)a[3]);
}

static void statx_time(struct abi_statx_timestamp *d,
		       const struct abi_timespec *s)
{
	d->tv_sec = s->tv_sec;
	d->tv_nsec = (uint32_t)s->tv_nsec;
}

SYSCALL(statx)
{
	int flags = (int)a[2];
	uint32_t mask = (uint32_t)a[3];
	struct abi_statx sx;
	struct vfs_attr at;
	uint64_t dev, mnt_id;
	long err;

	if (flags & ~(ABI_AT_SYMLINK_NOFOLLOW | ABI_AT_NO_AUTOMOUNT |
		      ABI_AT_EMPTY_PATH | ABI_AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & ABI_AT_STATX_SYNC_TYPE) == ABI_AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & ABI_STATX__RESERVED)
		return -EINVAL;
	err = stat_common(t, (int)a[0], a[1], flags, &at, &dev, &mnt_id);
	if (err)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = ABI_STATX_BASIC_STATS | ABI_STATX_BTIME |
		      (mnt_id ? ABI_STATX_MNT_ID : 0);
	sx.stx_blksize = at.blksize ? at.blksize : 4096;
	sx.stx_nlink = at.nlink;
	sx.stx_uid = at.uid;
	sx.stx_gid = at.gid;
	sx.stx_mode = (uint16_t)at.mode;
	sx.stx_ino = at.ino;
	sx.stx_size = at.size;
	sx.stx_blocks = at.blocks;
	statx_time(&sx.stx_atime, &at.atime);
	statx_time(&sx.stx_btime, &at.btime);
	statx_time(&sx.stx_ctime, &at.ctime);
	statx_time(&sx.stx_mtime, &at.mtime);
	sx.stx_rdev_major = (uint32_t)((at.rdev >> 8) & 0xfff) |
			    (uint32_t)((at.rdev >> 32) & ~0xfffU);
	sx.stx_rdev_minor =
	    (uint32_t)(at.rdev & 0xff) | (uint32_t)((at.rdev >> 12) & ~0xffU);
	sx.stx_dev_major = (uint32_t)((dev >> 8) & 0xfff);
	sx.stx_dev_minor =
	    (uint32_t)(dev & 0xff) | (uint32_t)((dev >> 12) & ~0xffU);
	sx.stx_mnt_id = mnt_id;
	return mm_copy_out(t->mm, a[4], &sx, sizeof(sx));
}

static long do_readlinkat(struct task *t, int dirfd, uint64_t upath,
			  uint64_t ubuf, int64_t size)
{
	char path[ABI_PATH_MAX], target[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	long err;
	ssize_t n;

	if (size <= 0)
		return -EINVAL;
	err = task_getname(t, upath, path);
	if (err < 0)
		return err;
	err = task_path_begin(t, dirfd, path, true, &ctx, &start);
	if (err)
		return err;
	n = vfs_readlink(&ctx, &start, path, LOOKUP_EMPTY, target,
			 sizeof(target));
	task_path_end(&ctx, &start);
	if (n < 0)
		return n;
	if (n > size)
		n = size;
	err = mm_copy_out(t->mm, ubuf, target, (size_t)n);
	return err ? err : n;
}

SYSCALL(readlink)
{
	return do_readlinkat(t, ABI_AT_FDCWD, a[0], a[1], (int64_t)(int)a[2]);
}

SYSCALL(readlinkat)
{
	return do_readlinkat(t, (int)a[0], a[1], a[2], (int64_t)(int)a[3]);
}

static long statfs_inode(struct task *t, struct vfs_inode *inode,
			 const struct vfs_mount *mnt, uint64_t ubuf)
{
	struct abi_statfs st;
	long err;

	memset(&st, 0, sizeof(st));
	err =
	    inode->sb->ops->statfs ? inode->sb->ops->statfs(inode->sb, &st) : 0;
	if (err)
		return err;
	st.f_fsid[0] = (int32_t)inode->sb->dev;
	if (mnt && (mnt->flags & VFS_MNT_RDONLY))
		st.f_flags |= 1; /* ST_RDONLY */
	if (!st.f_namelen)
		st.f_namelen = ABI_NAME_MAX;
	if (!st.f_bsize)
		st.f_bsize = 4096;
	if (!st.f_frsize)
		st.f_frsize = st.f_bsize;
	st.f_flags |= 0x20; /* ST_VALID */
	return mm_copy_out(t->mm, ubuf, &st, sizeof(st));
}

SYSCALL(statfs)
{
	char path[ABI_PATH_MAX];
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	long err;

	err = task_getname(t, a[0], path);
	if (err < 0)
		return err;
	err = task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start);
	if (err)
		return err;
	err = vfs_lookup(&ctx, &start, path, LOOKUP_FOLLOW, &p);
	task_path_end(&ctx, &start);
	if (err)
		return err;
	err = statfs_inode(t, p.dentry->inode, p.mnt, a[1]);
	vfs_path_put(&p);
	return err;
}

SYSCALL(fstatfs)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	long err;

	if (!f)
		return -EBADF;
	if (!f->inode) {
		/* Host stdio: the pseudo filesystem its kind lives on. */
		struct abi_statfs st = {.f_bsize = 4096,
					.f_frsize = 4096,
					.f_namelen = ABI_NAME_MAX,
					.f_flags = 0x20};
		struct abi_stat hs;

		err = f->ops->stat(f, &hs);
		if (!err) {
			if ((hs.st_mode & ABI_S_IFMT) == ABI_S_IFIFO)
				st.f_type = 0x50495045; /* PIPEFS_MAGIC */
			else if ((hs.st_mode & ABI_S_IFMT) == ABI_S_IFCHR)
				st.f_type = 0x1cd1; /* DEVPTS_SUPER_MAGIC */
			else if ((hs.st_mode & ABI_S_IFMT) == ABI_S_IFSOCK)
				st.f_type = 0x534f434b; /* SOCKFS_MAGIC */
			else
				st.f_type = 0x01021994; /* TMPFS_MAGIC */
			err = mm_copy_out(t->mm, a[1], &st, sizeof(st));
		}
	} else
		err = statfs_inode(t, f->inode, f->path.mnt, a[1]);
	file_put(f);
	return err;
}
