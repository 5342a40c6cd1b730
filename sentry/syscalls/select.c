// SPDX-License-Identifier: Apache-2.0
/*
 * poll and ppoll (fs/select.c). Readiness comes from each file's poll op.
 *
 * Deviation for now: a poll that has to wait re-checks its files (and its
 * signals) every millisecond instead of sleeping on wait queues.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define POLLIN	   0x001
#define POLLOUT	   0x004
#define POLLERR	   0x008
#define POLLHUP	   0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

struct abi_pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* One pass over fds: how many are ready. */
static int poll_once(struct task *t, struct abi_pollfd *fds, uint64_t n)
{
	int ready = 0;

	for (uint64_t i = 0; i < n; i++) {
		unsigned events = (uint16_t)fds[i].events | POLLERR | POLLHUP;
		struct file *f;
		unsigned got;

		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		f = fd_get(t->files, fds[i].fd);
		if (!f) {
			fds[i].revents = POLLNVAL;
			ready++;
			continue;
		}
		got = f->ops->poll
			  ? f->ops->poll(f, events)
			  : (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
		file_put(f);
		fds[i].revents = (int16_t)(got & events);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

static int64_t ns_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000000000LL +
	       (deadline->tv_nsec - now.tv_nsec);
}

/*
 * Poll the n pollfds at ufds until one is ready, the deadline passes
 * (CLOCK_MONOTONIC; NULL: none) or a signal t does not block is pending
 * (-ERESTARTNOHAND). revents go back in every case, as Linux's.
 */
static long do_poll(struct task *t, uint64_t ufds, uint64_t n,
		    const struct timespec *deadline)
{
	struct abi_pollfd *fds;
	long ret;

	if (n > t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur || n > ABI_NR_OPEN)
		return -EINVAL;
	fds = malloc((n ? n : 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	ret = mm_copy_in(t->mm, fds, ufds, n * sizeof(*fds));
	if (ret)
		goto out;
	for (;;) {
		struct timespec tick = {0, 1000000};
		int64_t left;

		ret = poll_once(t, fds, n);
		if (ret)
			break;
		if (deadline) {
			left = ns_left(deadline);
			if (left <= 0)
				break;
			if (left < tick.tv_nsec)
				tick.tv_nsec = (long)left;
		}
		if (task_interrupted(t)) {
			ret = -ERESTARTNOHAND;
			break;
		}
		nanosleep(&tick, NULL);
	}
	/* revents go back even when nothing is ready (all zero). */
	{
		long err = mm_copy_out(t->mm, ufds, fds, n * sizeof(*fds));

		if (err)
			ret = err;
	}
out:
	free(fds);
	return ret;
}

/* CLOCK_MONOTONIC now plus ns. */
static void deadline_in(struct timespec *deadline, int64_t ns)
{
	struct abi_timespec ts = {.tv_sec = ns / 1000000000LL,
				  .tv_nsec = ns % 1000000000LL};

	deadline_after(deadline, &ts);
}

/* poll with a timeout, interrupted and without a handler: the rest of it. */
static long poll_restart(struct task *t)
{
	struct timespec deadline = t->restart_deadline;
	long ret =
	    do_poll(t, t->restart_args[0], t->restart_args[1], &deadline);

	if (ret == -ERESTARTNOHAND) {
		t->restart_fn = poll_restart;
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

SYSCALL(poll)
{
	int timeout = (int)a[2];
	struct timespec deadline;
	long ret;

	if (timeout < 0)
		return do_poll(t, a[0], (uint32_t)a[1], NULL);
	deadline_in(&deadline, (int64_t)timeout * 1000000LL);
	ret = do_poll(t, a[0], (uint32_t)a[1], &deadline);
	if (ret == -ERESTARTNOHAND) {
		t->restart_fn = poll_restart;
		t->restart_deadline = deadline;
		t->restart_args[0] = a[0];
		t->restart_args[1] = (uint32_t)a[1];
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

#define UNBLOCKABLE (ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP))

/*
 * ppoll: poll with a timespec and, during the wait, a signal mask; as
 * Linux's, the time left is written back to the timespec, and an
 * interrupted call whose timespec cannot be written is EINTR rather than
 * restarted (it could not go on from where it was).
 */
SYSCALL(ppoll)
{
	struct abi_timespec ts = {0};
	struct timespec deadline;
	long ret;
	int err;

	if (a[2]) {
		err = copy_in_timeout(t, a[2], &ts);
		if (err)
			return err;
		deadline_after(&deadline, &ts);
	}
	if (a[3]) {
		abi_sigset_t mask;

		err = copy_in_sigset(t, a[3], a[4], &mask);
		if (err)
			return err;
		t->saved_sigmask = t->sigmask;
		t->saved_sigmask_valid = true;
		t->sigmask = mask & ~UNBLOCKABLE;
	}
	ret = do_poll(t, a[0], (uint32_t)a[1], a[2] ? &deadline : NULL);
	/* The mask stays for the handler's frame to put back. */
	if (a[3] && ret != -ERESTARTNOHAND) {
		t->sigmask = t->saved_sigmask;
		t->saved_sigmask_valid = false;
	}
	if (a[2] && (ts.tv_sec || ts.tv_nsec)) {
		int64_t left = ns_left(&deadline);

		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		if (mm_copy_out(t->mm, a[2], &ts, sizeof(ts)) &&
		    ret == -ERESTARTNOHAND)
			ret = -EINTR;
	}
	return ret;
}
