// SPDX-License-Identifier: Apache-2.0
/*
 * File descriptors: close, the dup family, fcntl, ioctl and fstat
 * (fs/file.c, fs/fcntl.c, fs/ioctl.c, fs/stat.c).
 */
#include "sentry/fs/pipe.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <limits.h>

static uint64_t nofile(struct task *t)
{
	return t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
}

SYSCALL(close)
{
	return fd_close(t->files, (int)a[0]);
}

SYSCALL(dup)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = fd_alloc(t->files, f, false, 0, nofile(t));
	file_put(f);
	return ret;
}

static long do_dup3(struct task *t, int oldfd, int newfd, uint64_t flags)
{
	struct file *f;
	long ret;

	if (flags & ~(uint64_t)ABI_O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (newfd < 0 || (uint64_t)newfd >= nofile(t))
		return -EBADF;
	f = fd_get(t->files, oldfd);
	if (!f)
		return -EBADF;
	ret =
	    fd_install_at(t->files, f, newfd, flags & ABI_O_CLOEXEC, nofile(t));
	file_put(f);
	return ret;
}

SYSCALL(dup2)
{
	int oldfd = (int)a[0], newfd = (int)a[1];

	if (oldfd == newfd) {
		struct file *f = fd_get(t->files, oldfd);

		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup3(t, oldfd, newfd, 0);
}

SYSCALL(dup3)
{
	return do_dup3(t, (int)a[0], (int)a[1], a[2]);
}

/*
 * The status flags F_SETFL may change. O_ASYNC is not one: as in Linux,
 * only a file's fasync may set it, and no file has one yet.
 */
#define SETFL_MASK                                                             \
	(ABI_O_APPEND | ABI_O_NONBLOCK | ABI_O_DIRECT | ABI_O_NOATIME)

static long set_status_flags(struct file *f, uint32_t flags)
{
	uint32_t nflags = (f->flags & ~SETFL_MASK) | (flags & SETFL_MASK);
	int err;

	if (f->ops->setfl) {
		err = f->ops->setfl(f, nflags);
		if (err)
			return err;
	}
	f->flags = nflags;
	return 0;
}

/*
 * Byte-range locks (fs/locks.c's fcntl_getlk and fcntl_setlk): POSIX
 * record locks (F_GETLK, F_SETLK, F_SETLKW), owned by the process's fd
 * table, and OFD locks (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW), owned by
 * the open file description; sentry/vfs/locks.c keeps them. The arguments
 * are checked in Linux's order: an O_PATH fd (EBADF), F_GETLK's type, the
 * origin and the range (EINVAL, EOVERFLOW), the type, the fd's access mode
 * for the lock type (EBADF), an OFD request's l_pid (EINVAL). As in recent
 * Linux, F_OFD_GETLK of F_UNLCK reports the description's own lock there.
 * A blocked F_SETLKW ends with EINTR when an unblocked signal is pending;
 * waiting for a POSIX lock of a process that waits for ours is EDEADLK.
 * F_GETLK shows a POSIX lock's holder by the pid of the process that set
 * it (any of its threads), an OFD lock's as -1. A file without an inode
 * (pipe, host fd) keys its locks by its description rather than by an
 * inode.
 */
struct abi_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
	int32_t pad;
};

/* flock_to_posix_lock: the range and type of fl into *lk. */
static long flock_to_lock(struct file *f, const struct abi_flock *fl,
			  struct vfs_lock *lk)
{
	int64_t start;
	long err;

	switch (fl->l_whence) {
	case ABI_SEEK_SET:
		start = 0;
		break;
	case ABI_SEEK_CUR:
		start = f->pos;
		break;
	case ABI_SEEK_END: {
		struct abi_stat st;

		err = f->ops->stat(f, &st);
		if (err)
			return err;
		start = st.st_size;
		break;
	}
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(start, fl->l_start, &start))
		return -EOVERFLOW;
	if (start < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > VFS_LOCK_EOF - start)
			return -EOVERFLOW;
		lk->start = start;
		lk->end = start + (fl->l_len - 1);
	} else if (fl->l_len < 0) {
		if (start + fl->l_len < 0)
			return -EINVAL;
		lk->start = start + fl->l_len;
		lk->end = start - 1;
	} else {
		lk->start = start;
		lk->end = VFS_LOCK_EOF;
	}
	if (fl->l_type != ABI_F_RDLCK && fl->l_type != ABI_F_WRLCK &&
	    fl->l_type != ABI_F_UNLCK)
		return -EINVAL;
	lk->type = fl->l_type;
	return 0;
}

static bool lock_interrupted(void *arg)
{
	return task_interrupted(arg);
}

static long do_record_lock(struct task *t, int fd, struct file *f,
			   unsigned int cmd, uint64_t arg)
{
	bool ofd = cmd == ABI_F_OFD_GETLK || cmd == ABI_F_OFD_SETLK ||
		   cmd == ABI_F_OFD_SETLKW;
	bool get = cmd == ABI_F_GETLK || cmd == ABI_F_OFD_GETLK;
	struct vfs_lock lk = {0}, conflict;
	struct abi_flock fl;
	long err;

	if (f->flags & ABI_O_PATH)
		return -EBADF;
	err = mm_copy_in(t->mm, &fl, arg, sizeof(fl));
	if (err)
		return err;
	if (cmd == ABI_F_GETLK && fl.l_type != ABI_F_RDLCK &&
	    fl.l_type != ABI_F_WRLCK)
		return -EINVAL;
	err = flock_to_lock(f, &fl, &lk);
	if (err)
		return err;
	if (!get && ((lk.type == ABI_F_RDLCK && !file_readable(f)) ||
		     (lk.type == ABI_F_WRLCK && !file_writable(f))))
		return -EBADF;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	lk.owner = ofd ? (const void *)f : (const void *)t->files;
	lk.ofd = ofd;
	lk.pid = ofd ? -1 : t->tg->tgid;
	if (get) {
		if (vfs_lock_test(file_lock_key(f), &lk, &conflict)) {
			fl.l_type = (int16_t)conflict.type;
			fl.l_whence = ABI_SEEK_SET;
			fl.l_start = conflict.start;
			fl.l_len = conflict.end == VFS_LOCK_EOF
				       ? 0
				       : conflict.end - conflict.start + 1;
			fl.l_pid = conflict.ofd ? -1 : conflict.pid;
		} else {
			fl.l_type = ABI_F_UNLCK;
		}
		return mm_copy_out(t->mm, arg, &fl, sizeof(fl));
	}
	err = vfs_lock_set(file_lock_key(f), &lk,
			   cmd == ABI_F_SETLKW || cmd == ABI_F_OFD_SETLKW,
			   lock_interrupted, t);
	/*
	 * A close that raced with us found no lock to drop: drop it now,
	 * as Linux does (fcntl_setlk).
	 */
	if (!err && !ofd && lk.type != ABI_F_UNLCK) {
		struct file *now = fd_get(t->files, fd);

		if (now != f) {
			vfs_lock_release(file_lock_key(f), t->files);
			err = -EBADF;
		}
		file_put(now);
	}
	return err;
}

/*
 * The owner of a file's I/O signals (fs/fcntl.c's f_setown, f_getown and
 * their _ex forms), kept per open file description: a number that names
 * a thread, a process, a process group or a session of the sandbox, else
 * ESRCH; reported as 0 once no task of its kind has it. Deviations: the
 * owner is kept by number, so a task that takes the number up again is
 * the owner; no SIGIO or F_SETSIG signal is ever sent (O_ASYNC cannot be
 * set; leases are not broken; dnotify reports nothing).
 */
static bool pid_exists(struct task *t, int pid)
{
	bool ret;

	pthread_mutex_lock(&t->k->lock);
	ret = pid_in_use_locked(t->k, pid);
	pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/* __f_setown: force false keeps an owner already set. */
static void set_owner(struct file *f, int pid, int type, bool force)
{
	pthread_mutex_lock(&f->pos_lock);
	if (force || !f->owner_pid) {
		f->owner_pid = pid;
		f->owner_type = type;
	}
	pthread_mutex_unlock(&f->pos_lock);
}

static long do_setown(struct task *t, struct file *f, int who)
{
	int type = ABI_F_OWNER_PID;

	if (who < 0) {
		if (who == INT_MIN)
			return -EINVAL;
		type = ABI_F_OWNER_PGRP;
		who = -who;
	}
	if (who && !pid_exists(t, who))
		return -ESRCH;
	set_owner(f, who, type, true);
	return 0;
}

/*
 * The owner's number while a task of its kind still has it (pid_task): a
 * thread, a process (a zombie too), a process group with a member; else
 * 0, as Linux reports an owner that is gone.
 */
static int owner_pid(struct task *t, int type, int pid)
{
	struct kernel *k = t->k;
	bool found = false;

	if (!pid)
		return 0;
	pthread_mutex_lock(&k->lock);
	if (type == ABI_F_OWNER_TID)
		found = task_find_locked(k, pid) != NULL;
	else if (type == ABI_F_OWNER_PID)
		found = tg_lookup_locked(k, pid) != NULL;
	else
		for (struct thread_group *tg = k->tgs; tg && !found;
		     tg = tg->next)
			found = tg->pgid == pid;
	pthread_mutex_unlock(&k->lock);
	return found ? pid : 0;
}

static long do_getown(struct task *t, struct file *f)
{
	int type, pid;

	pthread_mutex_lock(&f->pos_lock);
	type = f->owner_type;
	pid = f->owner_pid;
	pthread_mutex_unlock(&f->pos_lock);
	pid = owner_pid(t, type, pid);
	return type == ABI_F_OWNER_PGRP ? -(long)pid : pid;
}

static long do_setown_ex(struct task *t, struct file *f, uint64_t arg)
{
	struct abi_f_owner_ex o;
	long err;

	err = mm_copy_in(t->mm, &o, arg, sizeof(o));
	if (err)
		return err;
	if (o.type != ABI_F_OWNER_TID && o.type != ABI_F_OWNER_PID &&
	    o.type != ABI_F_OWNER_PGRP)
		return -EINVAL;
	if (o.pid && !pid_exists(t, o.pid))
		return -ESRCH;
	set_owner(f, o.pid, o.type, true);
	return 0;
}

static long do_getown_ex(struct task *t, struct file *f, uint64_t arg)
{
	struct abi_f_owner_ex o;

	pthread_mutex_lock(&f->pos_lock);
	o.type = f->owner_type;
	o.pid = f->owner_pid;
	pthread_mutex_unlock(&f->pos_lock);
	o.pid = owner_pid(t, o.type, o.pid);
	return mm_copy_out(t->mm, arg, &o, sizeof(o));
}

/*
 * F_SETLEASE (fs/locks.c's fcntl_setlease): a lease on a regular file the
 * caller owns (or holds CAP_LEASE for). A read lease needs the file open
 * for writing nowhere, a write lease no open but this one, counted over
 * the application's opens of the inode. Deviation: a lease is never
 * broken, so an open or truncate that conflicts with it neither waits nor
 * fails with EWOULDBLOCK, and the holder gets no signal.
 */
static long do_setlease(struct task *t, struct file *f, int type)
{
	struct vfs_inode *inode = f->inode;
	struct abi_stat st;
	long err;

	if (type != ABI_F_RDLCK && type != ABI_F_WRLCK && type != ABI_F_UNLCK)
		return -EINVAL;
	err = f->ops->stat(f, &st);
	if (err)
		return err;
	if (st.st_uid != t->creds.fsuid &&
	    !creds_capable(&t->creds, ABI_CAP_LEASE))
		return -EACCES;
	if (!ABI_S_ISREG(st.st_mode) || !inode)
		return -EINVAL;
	if (type == ABI_F_UNLCK) {
		pthread_mutex_lock(&f->pos_lock);
		err = f->lease == ABI_F_UNLCK ? -EAGAIN : 0;
		f->lease = ABI_F_UNLCK;
		pthread_mutex_unlock(&f->pos_lock);
		return err;
	}
	if (type == ABI_F_RDLCK) {
		if (__atomic_load_n(&inode->nwriters, __ATOMIC_RELAXED))
			return -EAGAIN;
	} else {
		bool w = file_writable(f);

		if (__atomic_load_n(&inode->nwriters, __ATOMIC_RELAXED) !=
			(f->counted && w) ||
		    __atomic_load_n(&inode->nreaders, __ATOMIC_RELAXED) !=
			(f->counted && !w))
			return -EAGAIN;
	}
	pthread_mutex_lock(&f->pos_lock);
	f->lease = type;
	pthread_mutex_unlock(&f->pos_lock);
	set_owner(f, t->tg->tgid, ABI_F_OWNER_PID, false);
	return 0;
}

/*
 * F_NOTIFY (fs/notify/dnotify): a mask of nothing but DN_MULTISHOT drops
 * the request, on any file; otherwise the file must be a directory. The
 * mask is kept, and the caller becomes the owner if there is none.
 * Deviation: no event is ever reported.
 */
static long do_notify(struct task *t, struct file *f, uint32_t mask)
{
	struct abi_stat st;
	long err;

	if (!(mask & ~ABI_DN_MULTISHOT)) {
		pthread_mutex_lock(&f->pos_lock);
		f->dn_mask = 0;
		pthread_mutex_unlock(&f->pos_lock);
		return 0;
	}
	err = f->ops->stat(f, &st);
	if (err)
		return err;
	if (!ABI_S_ISDIR(st.st_mode))
		return -ENOTDIR;
	pthread_mutex_lock(&f->pos_lock);
	f->dn_mask = mask;
	pthread_mutex_unlock(&f->pos_lock);
	set_owner(f, t->tg->tgid, ABI_F_OWNER_PID, false);
	return 0;
}

/*
 * F_GET_RW_HINT and F_SET_RW_HINT: the inode's write-life hint (a u64 at
 * arg); setting it needs the inode's owner or CAP_FOWNER. A file without
 * an inode of the VFS (a pipe) keeps its own, so the two ends of a pipe
 * do not share theirs as in Linux. The older F_*_FILE_RW_HINT are gone
 * from Linux (EINVAL).
 */
static long do_rw_hint(struct task *t, struct file *f, unsigned int cmd,
		       uint64_t arg)
{
	uint8_t *hint = f->inode ? &f->inode->write_hint : &f->write_hint;
	struct abi_stat st;
	uint64_t h;
	long err;

	if (cmd == ABI_F_GET_RW_HINT) {
		h = __atomic_load_n(hint, __ATOMIC_RELAXED);
		return mm_copy_out(t->mm, arg, &h, sizeof(h));
	}
	err = f->ops->stat(f, &st);
	if (err)
		return err;
	if (st.st_uid != t->creds.fsuid &&
	    !creds_capable(&t->creds, ABI_CAP_FOWNER))
		return -EPERM;
	err = mm_copy_in(t->mm, &h, arg, sizeof(h));
	if (err)
		return err;
	if (h > ABI_RWH_WRITE_LIFE_EXTREME)
		return -EINVAL;
	__atomic_store_n(hint, (uint8_t)h, __ATOMIC_RELAXED);
	return 0;
}

/* F_DUPFD_QUERY: does fd arg name the same open file description? */
static long do_dupfd_query(struct task *t, struct file *f, int fd)
{
	struct file *other = fd_get(t->files, fd);
	long ret;

	if (!other)
		return -EBADF;
	ret = other == f;
	file_put(other);
	return ret;
}

/* The commands an O_PATH file allows (check_fcntl_cmd); others EBADF. */
static bool opath_cmd(unsigned int cmd)
{
	return cmd == ABI_F_DUPFD || cmd == ABI_F_DUPFD_CLOEXEC ||
	       cmd == ABI_F_DUPFD_QUERY || cmd == ABI_F_GETFD ||
	       cmd == ABI_F_SETFD || cmd == ABI_F_GETFL;
}

SYSCALL(fcntl)
{
	int fd = (int)a[0];
	unsigned int cmd = (unsigned int)a[1];
	uint64_t arg = a[2];
	struct file *f = fd_get(t->files, fd);
	long ret;

	if (!f)
		return -EBADF;
	if ((f->flags & ABI_O_PATH) && !opath_cmd(cmd)) {
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case ABI_F_DUPFD:
	case ABI_F_DUPFD_CLOEXEC:
		/* arg is an int; beyond RLIMIT_NOFILE it is EINVAL. */
		if ((int)arg < 0 || (uint64_t)(int)arg >= nofile(t))
			ret = -EINVAL;
		else
			ret = fd_alloc(t->files, f, cmd == ABI_F_DUPFD_CLOEXEC,
				       (int)arg, nofile(t));
		break;
	case ABI_F_GETFD:
		ret = fd_get_cloexec(t->files, fd);
		break;
	case ABI_F_SETFD:
		ret = fd_set_cloexec(t->files, fd, arg & ABI_FD_CLOEXEC);
		break;
	case ABI_F_GETFL:
		ret = f->flags;
		break;
	case ABI_F_SETFL:
		ret = set_status_flags(f, (uint32_t)arg);
		break;
	case ABI_F_GETLK:
	case ABI_F_SETLK:
	case ABI_F_SETLKW:
	case ABI_F_OFD_GETLK:
	case ABI_F_OFD_SETLK:
	case ABI_F_OFD_SETLKW:
		ret = do_record_lock(t, fd, f, cmd, arg);
		break;
	case ABI_F_SETPIPE_SZ:
		ret = pipe_set_size(
		    f, (uint32_t)arg,
		    creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE));
		break;
	case ABI_F_GETPIPE_SZ:
		ret = pipe_get_size(f);
		break;
	case ABI_F_ADD_SEALS:
		ret = tmpfs_add_seals(f, (unsigned)arg);
		break;
	case ABI_F_GET_SEALS:
		ret = tmpfs_get_seals(f);
		break;
	case ABI_F_GETOWN:
		ret = do_getown(t, f);
		break;
	case ABI_F_SETOWN:
		ret = do_setown(t, f, (int)arg);
		break;
	case ABI_F_GETOWN_EX:
		ret = do_getown_ex(t, f, arg);
		break;
	case ABI_F_SETOWN_EX:
		ret = do_setown_ex(t, f, arg);
		break;
	case ABI_F_GETSIG:
		pthread_mutex_lock(&f->pos_lock);
		ret = f->owner_sig;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case ABI_F_SETSIG:
		/* valid_signal of the int argument, widened. */
		if ((unsigned long)(long)(int)arg > ABI_NSIG) {
			ret = -EINVAL;
			break;
		}
		pthread_mutex_lock(&f->pos_lock);
		f->owner_sig = (int)arg;
		pthread_mutex_unlock(&f->pos_lock);
		ret = 0;
		break;
	case ABI_F_GETLEASE:
		pthread_mutex_lock(&f->pos_lock);
		ret = f->lease;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case ABI_F_SETLEASE:
		ret = do_setlease(t, f, (int)arg);
		break;
	case ABI_F_NOTIFY:
		ret = do_notify(t, f, (uint32_t)arg);
		break;
	case ABI_F_GET_RW_HINT:
	case ABI_F_SET_RW_HINT:
		ret = do_rw_hint(t, f, cmd, arg);
		break;
	case ABI_F_DUPFD_QUERY:
		ret = do_dupfd_query(t, f, (int)arg);
		break;
	default:
		log_warn_once("fcntl: command %u is not supported yet", cmd);
		ret = -EINVAL;
		break;
	}
	file_put(f);
	return ret;
}

/*
 * ioctl: the generic commands here, the rest by the file. Deviation:
 * FIOASYNC cannot turn O_ASYNC on or off (ENOTTY, as for a file without
 * fasync) since no file delivers SIGIO yet.
 */
SYSCALL(ioctl)
{
	int fd = (int)a[0];
	unsigned int cmd = (unsigned int)a[1];
	struct file *f = fd_get(t->files, fd);
	long ret;
	int on;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case ABI_FIOCLEX:
	case ABI_FIONCLEX:
		ret = fd_set_cloexec(t->files, fd, cmd == ABI_FIOCLEX);
		break;
	case ABI_FIONBIO:
		ret = mm_copy_in(t->mm, &on, a[2], sizeof(on));
		if (!ret)
			ret = set_status_flags(
			    f, on ? f->flags | ABI_O_NONBLOCK
				  : f->flags & ~(uint32_t)ABI_O_NONBLOCK);
		break;
	case ABI_FIOASYNC:
		ret = mm_copy_in(t->mm, &on, a[2], sizeof(on));
		if (!ret && !on != !(f->flags & ABI_O_ASYNC))
			ret = -ENOTTY;
		break;
	default:
		ret = f->ops->ioctl ? f->ops->ioctl(f, t, cmd, a[2]) : -ENOTTY;
		break;
	}
	file_put(f);
	return ret;
}

static long do_fstat(struct task *t, int fd, uint64_t ubuf)
{
	struct file *f = fd_get(t->files, fd);
	struct abi_stat st;
	long ret;

	if (!f)
		return -EBADF;
	ret = f->ops->stat(f, &st);
	file_put(f);
	if (ret)
		return ret;
	return mm_copy_out(t->mm, ubuf, &st, sizeof(st));
}

SYSCALL(fstat)
{
	return do_fstat(t, (int)a[0], a[1]);
}

/*
 * fsync and fdatasync: the file's own write-back (files over host fds
 * reach the host's), nothing to do for the sentry's memory filesystems;
 * files that cannot be synced (pipes, sockets) are EINVAL, as Linux.
 */
static long do_fsync(struct task *t, int fd, bool datasync)
{
	struct file *f = fd_get(t->files, fd);
	long ret;

	if (!f)
		return -EBADF;
	if (f->flags & ABI_O_PATH)
		ret = -EBADF;
	else if (f->ops->fsync)
		ret = f->ops->fsync(f, datasync);
	else
		ret = f->inode ? 0 : -EINVAL;
	file_put(f);
	return ret;
}

SYSCALL(fsync)
{
	return do_fsync(t, (int)a[0], false);
}

SYSCALL(fdatasync)
{
	return do_fsync(t, (int)a[0], true);
}

/* sync: the sandbox's writes are in memory or go straight to the host. */
SYSCALL(sync)
{
	return 0;
}

SYSCALL(syncfs)
{
	struct file *f = fd_get(t->files, (int)a[0]);

	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/*
 * close_range: close (or, with CLOSE_RANGE_CLOEXEC, mark close-on-exec)
 * every open fd in [first, last]. CLOSE_RANGE_UNSHARE changes nothing
 * while fd tables are not shared.
 */
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)

SYSCALL(close_range)
{
	unsigned int first = (unsigned int)a[0], last = (unsigned int)a[1];
	unsigned int flags = (unsigned int)a[2];

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	for (unsigned int fd = first; fd <= last; fd++) {
		int cap;

		pthread_mutex_lock(&t->files->lock);
		cap = t->files->cap;
		pthread_mutex_unlock(&t->files->lock);
		if (fd >= (unsigned int)cap)
			break;
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(t->files, (int)fd, true);
		else
			fd_close(t->files, (int)fd);
		if (fd == UINT32_MAX)
			break;
	}
	return 0;
}

SYSCALL(flock)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	long ret;

	if (!f)
		return -EBADF;
	ret = f->flags & ABI_O_PATH
		  ? -EBADF
		  : vfs_flock(f, (int)a[1], lock_interrupted, t);
	file_put(f);
	return ret;
}

/* The filesystem's part: a size that grows obeys RLIMIT_FSIZE. */
static long do_fallocate(struct task *t, struct file *f, int mode, int64_t off,
			 int64_t len)
{
	int err = 0;

	if (!(mode & 0x01 /* FALLOC_FL_KEEP_SIZE */))
		err = vfs_newsize_ok(t, f->inode, (uint64_t)(off + len));
	return err ? err : f->ops->fallocate(f, mode, off, len);
}

/*
 * fallocate: modes 0, FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE (with
 * KEEP_SIZE), checked as Linux's vfs_fallocate; others are EOPNOTSUPP.
 */
SYSCALL(fallocate)
{
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	struct file *f;
	long ret;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(0x01 | 0x02))
		return -EOPNOTSUPP;
	if ((mode & 0x02) && !(mode & 0x01))
		return -EOPNOTSUPP; /* a hole must keep the size */
	f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	if ((f->flags & ABI_O_PATH) || !file_writable(f))
		ret = -EBADF;
	else if ((f->flags & ABI_O_APPEND) && (mode & 0x02))
		ret = -EPERM;
	else if (f->inode && ABI_S_ISDIR(f->inode->mode))
		ret = -EISDIR;
	else if (!f->inode || (f->inode->mode & ABI_S_IFMT) == ABI_S_IFIFO)
		ret = -ESPIPE;
	else if (!ABI_S_ISREG(f->inode->mode))
		ret = -ENODEV;
	else if (off > INT64_MAX - len)
		ret = -EFBIG;
	else if (!f->ops->fallocate)
		ret = -EOPNOTSUPP;
	else
		ret = do_fallocate(t, f, mode, off, len);
	file_put(f);
	return ret;
}
