// SPDX-License-Identifier: Apache-2.0
/*
 * File descriptors: close, the dup family, fcntl, ioctl and fstat
 * (fs/file.c, fs/fcntl.c, fs/ioctl.c, fs/stat.c).
 */
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

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

SYSCALL(fcntl)
{
	int fd = (int)a[0];
	unsigned int cmd = (unsigned int)a[1];
	uint64_t arg = a[2];
	struct file *f = fd_get(t->files, fd);
	long ret;

	if (!f)
		return -EBADF;
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
