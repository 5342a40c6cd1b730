// SPDX-License-Identifier: Apache-2.0
/*
 * signalfd and signalfd4 (fs/signalfd.c): the signals of a mask, pending
 * for the reading thread, read as struct signalfd_siginfo records and so
 * taken off the queues (the thread's before the process's, as delivery
 * does). A read waits while none is pending; the wait ends with a signal
 * of the mask, or with a signal outside it that is not blocked
 * (-ERESTARTSYS). poll reports POLLIN while one of the mask is pending for
 * the polling thread.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SFD_FLAGS (ABI_O_CLOEXEC | ABI_O_NONBLOCK)
#define POLLIN	  0x001

/* struct signalfd_siginfo: 128 bytes. */
struct abi_signalfd_siginfo {
	uint32_t ssi_signo;
	int32_t ssi_errno;
	int32_t ssi_code;
	uint32_t ssi_pid;
	uint32_t ssi_uid;
	int32_t ssi_fd;
	uint32_t ssi_tid;
	uint32_t ssi_band;
	uint32_t ssi_overrun;
	uint32_t ssi_trapno;
	int32_t ssi_status;
	int32_t ssi_int;
	uint64_t ssi_ptr;
	uint64_t ssi_utime;
	uint64_t ssi_stime;
	uint64_t ssi_addr;
	uint16_t ssi_addr_lsb;
	uint16_t pad2;
	int32_t ssi_syscall;
	uint64_t ssi_call_addr;
	uint32_t ssi_arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct abi_signalfd_siginfo) == 128,
	       "signalfd_siginfo is 128 bytes");

struct signalfd {
	struct file f;
	abi_sigset_t mask; /* atomic; never SIGKILL or SIGSTOP */
};

static struct signalfd *to_sfd(struct file *f)
{
	return container_of(f, struct signalfd, f);
}

/* Which union member of a siginfo is meant (kernel's siginfo_layout). */
enum sil {
	SIL_KILL,
	SIL_TIMER,
	SIL_POLL,
	SIL_FAULT,
	SIL_FAULT_MCEERR,
	SIL_CHLD,
	SIL_RT,
	SIL_SYS,
};

#define SI_TIMER      (-2)
#define SI_SIGIO      (-5)
#define NSIGPOLL      6
#define BUS_MCEERR_AR 4
#define BUS_MCEERR_AO 5

static enum sil siginfo_layout(int sig, int code)
{
	/* The kernel's codes per signal: how many, and their member. */
	static const struct {
		uint8_t limit, layout;
	} filter[] = {
	    [ABI_SIGILL] = {11, SIL_FAULT},  [ABI_SIGFPE] = {15, SIL_FAULT},
	    [ABI_SIGSEGV] = {10, SIL_FAULT}, [ABI_SIGBUS] = {5, SIL_FAULT},
	    [ABI_SIGTRAP] = {6, SIL_FAULT},  [ABI_SIGCHLD] = {6, SIL_CHLD},
	    [ABI_SIGIO] = {6, SIL_POLL},     [ABI_SIGSYS] = {2, SIL_SYS},
	};

	if (code > ABI_SI_USER && code < ABI_SI_KERNEL) {
		if ((size_t)sig < ARRAY_SIZE(filter) &&
		    code <= filter[sig].limit) {
			if (sig == ABI_SIGBUS && code >= BUS_MCEERR_AR &&
			    code <= BUS_MCEERR_AO)
				return SIL_FAULT_MCEERR;
			return (enum sil)filter[sig].layout;
		}
		return code <= NSIGPOLL ? SIL_POLL : SIL_KILL;
	}
	if (code == SI_TIMER)
		return SIL_TIMER;
	if (code == SI_SIGIO)
		return SIL_POLL;
	return code < 0 ? SIL_RT : SIL_KILL;
}

/* Fields of the siginfo union, at their x86-64 offsets. */
static int32_t si_i32(const struct abi_siginfo *si, size_t off)
{
	int32_t v;

	memcpy(&v, (const char *)si + off, sizeof(v));
	return v;
}

static uint64_t si_u64(const struct abi_siginfo *si, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)si + off, sizeof(v));
	return v;
}

/* A siginfo as signalfd_copyinfo gives it: the fields its layout has. */
static void sfd_fill(struct abi_signalfd_siginfo *s,
		     const struct abi_siginfo *si)
{
	memset(s, 0, sizeof(*s));
	s->ssi_signo = (uint32_t)si->si_signo;
	s->ssi_errno = si->si_errno;
	s->ssi_code = si->si_code;
	switch (siginfo_layout(si->si_signo, si->si_code)) {
	case SIL_KILL:
		s->ssi_pid = (uint32_t)si_i32(si, 16);
		s->ssi_uid = (uint32_t)si_i32(si, 20);
		break;
	case SIL_TIMER:
		s->ssi_tid = (uint32_t)si_i32(si, 16);
		s->ssi_overrun = (uint32_t)si_i32(si, 20);
		s->ssi_ptr = si_u64(si, 24);
		s->ssi_int = si_i32(si, 24);
		break;
	case SIL_POLL:
		s->ssi_band = (uint32_t)si_u64(si, 16);
		s->ssi_fd = si_i32(si, 24);
		break;
	case SIL_FAULT:
		s->ssi_addr = si_u64(si, 16);
		break;
	case SIL_FAULT_MCEERR:
		s->ssi_addr = si_u64(si, 16);
		s->ssi_addr_lsb = (uint16_t)si_i32(si, 24);
		break;
	case SIL_CHLD:
		s->ssi_pid = (uint32_t)si_i32(si, 16);
		s->ssi_uid = (uint32_t)si_i32(si, 20);
		s->ssi_status = si_i32(si, 24);
		s->ssi_utime = si_u64(si, 32);
		s->ssi_stime = si_u64(si, 40);
		break;
	case SIL_RT:
		s->ssi_pid = (uint32_t)si_i32(si, 16);
		s->ssi_uid = (uint32_t)si_i32(si, 20);
		s->ssi_ptr = si_u64(si, 24);
		s->ssi_int = si_i32(si, 24);
		break;
	case SIL_SYS:
		s->ssi_call_addr = si_u64(si, 16);
		s->ssi_syscall = si_i32(si, 24);
		s->ssi_arch = (uint32_t)si_i32(si, 28);
		break;
	}
}

/* len bytes of buf out to the iovecs, from byte off of them on. */
static int iov_put(struct task *t, const struct abi_iovec *iov, int iovcnt,
		   uint64_t off, const void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < len; i++) {
		uint64_t l = iov[i].iov_len, n;
		int err;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = l - off < len - done ? l - off : len - done;
		err = mm_copy_out(t->mm, iov[i].iov_base + off,
				  (const char *)buf + done, n);
		if (err)
			return err;
		done += n;
		off = 0;
	}
	return 0;
}

/*
 * Take one signal of the mask for t: its number, -EAGAIN (nonblock and
 * none), or -ERESTARTSYS (a signal outside the mask is due, or the group
 * ends). signal_send broadcasts tg->sigcond on every signal, blocked or
 * not, and a change of the mask does too.
 */
static int sfd_dequeue(struct signalfd *sfd, struct task *t,
		       struct abi_siginfo *info, bool nonblock)
{
	struct thread_group *tg = t->tg;

	for (;;) {
		abi_sigset_t mask =
		    __atomic_load_n(&sfd->mask, __ATOMIC_ACQUIRE);
		int sig = signal_dequeue(t, mask, info), err = 0;

		if (sig)
			return sig;
		if (nonblock)
			return -EAGAIN;
		pthread_mutex_lock(&tg->lock);
		mask = __atomic_load_n(&sfd->mask, __ATOMIC_ACQUIRE);
		if (task_interrupted(t))
			err = -ERESTARTSYS;
		else if (!(signal_pending(t) & mask))
			pthread_cond_wait(&tg->sigcond, &tg->lock);
		pthread_mutex_unlock(&tg->lock);
		if (err)
			return err;
	}
}

static ssize_t sfd_read(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct signalfd *sfd = to_sfd(f);
	bool nonblock = f->flags & ABI_O_NONBLOCK;
	uint64_t total = 0, done = 0, count;
	long ret = 0;

	(void)pos;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	count = total / sizeof(struct abi_signalfd_siginfo);
	if (!count)
		return -EINVAL;
	for (; count; count--) {
		struct abi_signalfd_siginfo s;
		struct abi_siginfo info;

		ret = sfd_dequeue(sfd, t, &info, nonblock);
		if (ret <= 0)
			break;
		/* Taken before the copy, as Linux's: a bad buffer loses it. */
		sfd_fill(&s, &info);
		ret = iov_put(t, iov, iovcnt, done, &s, sizeof(s));
		if (ret < 0)
			break;
		done += sizeof(s);
		nonblock = true;
	}
	return done ? (ssize_t)done : ret;
}

static unsigned sfd_poll(struct file *f, unsigned events)
{
	struct signalfd *sfd = to_sfd(f);
	struct task *t = current_task;
	abi_sigset_t mask = __atomic_load_n(&sfd->mask, __ATOMIC_ACQUIRE);

	if (t && (signal_pending(t) & mask))
		return POLLIN & events;
	return 0;
}

static void sfd_release(struct file *f)
{
	free(to_sfd(f));
}

static const struct file_ops signalfd_ops = {
    .read = sfd_read,
    .poll = sfd_poll,
    .llseek = noop_llseek,
    .stat = anon_file_stat,
    .release = sfd_release,
    .anon_name = "[signalfd]",
};

/*
 * fd -1: a new signalfd; otherwise the new mask of the signalfd at fd
 * (EBADF, EINVAL if another file; its flags stay). SIGKILL and SIGSTOP
 * are left out of the mask without a word.
 */
static long do_signalfd4(struct task *t, int fd, uint64_t umask, uint64_t size,
			 int flags)
{
	struct signalfd *sfd;
	abi_sigset_t mask;
	struct file *f;
	long ret;

	if (size != sizeof(mask))
		return -EINVAL;
	ret = mm_copy_in(t->mm, &mask, umask, sizeof(mask));
	if (ret)
		return ret;
	if (flags & ~SFD_FLAGS)
		return -EINVAL;
	mask &= ~(ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP));
	if (fd == -1) {
		sfd = calloc(1, sizeof(*sfd));
		if (!sfd)
			return -ENOMEM;
		file_init(&sfd->f, &signalfd_ops,
			  ABI_O_RDWR | ((uint32_t)flags & ABI_O_NONBLOCK));
		sfd->f.stream = true;
		sfd->mask = mask;
		ret = fd_alloc(t->files, &sfd->f, flags & ABI_O_CLOEXEC, 0,
			       t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
		file_put(&sfd->f);
		return ret;
	}
	f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	if (f->ops != &signalfd_ops) {
		file_put(f);
		return -EINVAL;
	}
	/* Under the lock a reader waits with, so that it looks again. */
	pthread_mutex_lock(&t->tg->lock);
	__atomic_store_n(&to_sfd(f)->mask, mask, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&t->tg->sigcond);
	pthread_mutex_unlock(&t->tg->lock);
	file_put(f);
	return fd;
}

SYSCALL(signalfd)
{
	return do_signalfd4(t, (int)a[0], a[1], a[2], 0);
}

SYSCALL(signalfd4)
{
	return do_signalfd4(t, (int)a[0], a[1], a[2], (int)a[3]);
}

int signalfd_save(struct file *f, uint64_t *mask)
{
	if (f->ops != &signalfd_ops)
		return -EINVAL;
	*mask = __atomic_load_n(&to_sfd(f)->mask, __ATOMIC_ACQUIRE);
	return 0;
}

struct file *signalfd_restore(uint32_t flags, uint64_t mask)
{
	struct signalfd *sfd;

	if (mask & (ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP)))
		return NULL;
	sfd = calloc(1, sizeof(*sfd));
	if (!sfd)
		return NULL;
	file_init(&sfd->f, &signalfd_ops, flags);
	sfd->f.stream = true;
	sfd->mask = mask;
	return &sfd->f;
}
