// SPDX-License-Identifier: Apache-2.0
/*
 * Attributes: stat from an inode, and the permission rules Linux applies
 * to chmod, chown, truncate and utimes before a filesystem sees them; the
 * file size limit (RLIMIT_FSIZE) that writes, truncate and fallocate obey.
 */
#include "sentry/vfs/vfs.h"

#include "sentry/kernel/task.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <string.h>

void vfs_attr_to_stat(const struct vfs_attr *a, uint64_t dev,
		      struct abi_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = dev;
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (int64_t)a->size;
	st->st_blksize = a->blksize ? a->blksize : 4096;
	st->st_blocks = (int64_t)a->blocks;
	st->st_atim = a->atime;
	st->st_mtim = a->mtime;
	st->st_ctim = a->ctime;
}

int vfs_inode_getattr(struct vfs_inode *inode, struct vfs_attr *a)
{
	int err = 0;

	if (inode->ops->getattr)
		return inode->ops->getattr(inode, a);
	pthread_mutex_lock(&inode->lock);
	*a = (struct vfs_attr){
	    .ino = inode->ino,
	    .rdev = inode->rdev,
	    .size = inode->size,
	    .blocks = inode->blocks,
	    .mode = inode->mode,
	    .nlink = inode->nlink,
	    .uid = inode->uid,
	    .gid = inode->gid,
	    .blksize = 4096,
	    .atime = inode->atime,
	    .mtime = inode->mtime,
	    .ctime = inode->ctime,
	    .btime = inode->btime,
	};
	pthread_mutex_unlock(&inode->lock);
	return err;
}

int vfs_file_stat(struct file *f, struct abi_stat *st)
{
	struct vfs_attr a;
	int err;

	if (!f->inode)
		return -EBADF;
	err = vfs_inode_getattr(f->inode, &a);
	if (!err)
		vfs_attr_to_stat(&a, f->inode->sb->dev, st);
	return err;
}

void vfs_setattr_cache(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	struct abi_timespec now;

	vfs_now(&now);
	pthread_mutex_lock(&inode->lock);
	if (sa->mask & VFS_SETATTR_MODE)
		inode->mode = (inode->mode & ABI_S_IFMT) | (sa->mode & 07777);
	if (sa->mask & VFS_SETATTR_UID)
		inode->uid = sa->uid;
	if (sa->mask & VFS_SETATTR_GID)
		inode->gid = sa->gid;
	if (sa->mask & VFS_SETATTR_ATIME)
		inode->atime =
		    sa->mask & VFS_SETATTR_ATIME_NOW ? now : sa->atime;
	if (sa->mask & VFS_SETATTR_MTIME)
		inode->mtime =
		    sa->mask & VFS_SETATTR_MTIME_NOW ? now : sa->mtime;
	if (sa->mask & VFS_SETATTR_SIZE)
		inode->mtime = now;
	inode->ctime = now;
	pthread_mutex_unlock(&inode->lock);
}

int vfs_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	if (inode->ops->setattr)
		return inode->ops->setattr(inode, sa);
	if (sa->mask & VFS_SETATTR_SIZE)
		return -EPERM;
	vfs_setattr_cache(inode, sa);
	return 0;
}

static bool owner_or_fowner(struct vfs_inode *inode, const struct creds *c)
{
	return c->fsuid == inode->uid || creds_capable(c, ABI_CAP_FOWNER);
}

static bool in_group(const struct creds *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int vfs_chmod(struct vfs_inode *inode, bool ro, uint32_t mode,
	      const struct creds *c)
{
	struct vfs_setattr sa = {.mask = VFS_SETATTR_MODE,
				 .mode = mode & 07777};

	if (ro)
		return -EROFS;
	if (!owner_or_fowner(inode, c))
		return -EPERM;
	/* Not in the file's group: setgid cannot be set (Linux drops it). */
	if ((sa.mode & ABI_S_ISGID) && !in_group(c, inode->gid) &&
	    !creds_capable(c, ABI_CAP_FSETID))
		sa.mode &= ~(uint32_t)ABI_S_ISGID;
	return vfs_setattr(inode, &sa);
}

int vfs_chown(struct vfs_inode *inode, bool ro, uint32_t uid, uint32_t gid,
	      const struct creds *c)
{
	struct vfs_setattr sa = {0};
	uint32_t mode;

	if (ro)
		return -EROFS;
	if (uid != (uint32_t)-1 && uid != inode->uid) {
		if (!creds_capable(c, ABI_CAP_CHOWN))
			return -EPERM;
	}
	if (gid != (uint32_t)-1 && gid != inode->gid) {
		if (!creds_capable(c, ABI_CAP_CHOWN) &&
		    (c->fsuid != inode->uid || !in_group(c, gid)))
			return -EPERM;
	}
	/* Owner unchanged and not in the group: still only the owner may. */
	if (!creds_capable(c, ABI_CAP_CHOWN) && c->fsuid != inode->uid &&
	    (uid != (uint32_t)-1 || gid != (uint32_t)-1))
		return -EPERM;
	if (uid != (uint32_t)-1) {
		sa.mask |= VFS_SETATTR_UID;
		sa.uid = uid;
	}
	if (gid != (uint32_t)-1) {
		sa.mask |= VFS_SETATTR_GID;
		sa.gid = gid;
	}
	/*
	 * Any chown of a non-directory, even to the same ids, clears
	 * setuid, and setgid with g+x (Linux's ATTR_KILL_SUID/SGID).
	 */
	mode = inode->mode;
	if (!ABI_S_ISDIR(mode) && !ABI_S_ISLNK(mode)) {
		uint32_t clear = ABI_S_ISUID;

		if (mode & 010)
			clear |= ABI_S_ISGID;
		if (mode & clear) {
			sa.mask |= VFS_SETATTR_MODE;
			sa.mode = mode & 07777 & ~clear;
		}
	}
	return vfs_setattr(inode, &sa);
}

/* ---- RLIMIT_FSIZE (mm/filemap.c, fs/attr.c) ---- */

/* The soft RLIMIT_FSIZE of t's process; none outside a task. */
static uint64_t fsize_limit(struct task *t)
{
	if (!t)
		return ABI_RLIM_INFINITY;
	/* Set under tg->lock; one word, read as it is (rlimit()). */
	return __atomic_load_n(&t->tg->rlim[ABI_RLIMIT_FSIZE].rlim_cur,
			       __ATOMIC_RELAXED);
}

/* send_sig(SIGXFSZ, current, 0): to the thread, as from itself. */
static int fsize_exceeded(struct task *t)
{
	struct abi_siginfo info = {.si_signo = ABI_SIGXFSZ,
				   .si_code = ABI_SI_USER};

	info.kill.pid = t->tg->tgid;
	info.kill.uid = t->creds.ruid;
	signal_send(t, &info, false);
	return -EFBIG;
}

int vfs_write_check_limits(struct task *t, struct file *f, int64_t pos,
			   uint64_t *count)
{
	uint64_t limit;

	if (!f->ops->size_limited)
		return 0;
	limit = fsize_limit(t);
	if (limit == ABI_RLIM_INFINITY)
		return 0;
	if (f->flags & ABI_O_APPEND) {
		struct vfs_attr at;
		int err = vfs_inode_getattr(f->inode, &at);

		if (err)
			return err;
		pos = (int64_t)at.size;
	}
	if ((uint64_t)pos >= limit)
		return fsize_exceeded(t);
	if (*count > limit - (uint64_t)pos)
		*count = limit - (uint64_t)pos;
	return 0;
}

int vfs_newsize_ok(struct task *t, struct vfs_inode *inode, uint64_t size)
{
	uint64_t limit = fsize_limit(t);
	struct vfs_attr at;
	int err;

	if (limit == ABI_RLIM_INFINITY || size <= limit)
		return 0;
	err = vfs_inode_getattr(inode, &at);
	if (err)
		return err;
	return at.size < size ? fsize_exceeded(t) : 0;
}

int vfs_truncate(struct vfs_inode *inode, bool ro, int64_t size,
		 const struct creds *c, bool check_perm)
{
	struct vfs_setattr sa = {.mask = VFS_SETATTR_SIZE};
	int err;

	if (size < 0)
		return -EINVAL;
	if (ABI_S_ISDIR(inode->mode))
		return -EISDIR;
	if (!ABI_S_ISREG(inode->mode))
		return -EINVAL;
	if (ro)
		return -EROFS;
	if (check_perm) {
		err = vfs_permission(inode, ABI_W_OK, c);
		if (err)
			return err;
	}
	sa.size = (uint64_t)size;
	err = vfs_newsize_ok(current_task, inode, sa.size);
	if (err)
		return err;
	return vfs_setattr(inode, &sa);
}

int vfs_utimes(struct vfs_inode *inode, bool ro,
	       const struct abi_timespec times[2], const struct creds *c)
{
	struct vfs_setattr sa = {0};
	bool explicit = false;

	for (int i = 0; i < 2; i++) {
		const struct abi_timespec *ts = times ? &times[i] : NULL;
		uint32_t set = i ? VFS_SETATTR_MTIME : VFS_SETATTR_ATIME;
		uint32_t now =
		    i ? VFS_SETATTR_MTIME_NOW : VFS_SETATTR_ATIME_NOW;

		if (ts && ts->tv_nsec == ABI_UTIME_OMIT)
			continue;
		if (ts && ts->tv_nsec != ABI_UTIME_NOW &&
		    (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L))
			return -EINVAL;
		sa.mask |= set;
		if (!ts || ts->tv_nsec == ABI_UTIME_NOW) {
			sa.mask |= now;
		} else {
			explicit = true;
			if (i)
				sa.mtime = *ts;
			else
				sa.atime = *ts;
		}
	}
	if (!sa.mask)
		return 0;
	if (ro)
		return -EROFS;
	/* Explicit times: the owner only; "now": anyone who may write. */
	if (!owner_or_fowner(inode, c)) {
		if (explicit)
			return -EPERM;
		if (vfs_permission(inode, ABI_W_OK, c))
			return -EACCES;
	}
	return vfs_setattr(inode, &sa);
}
