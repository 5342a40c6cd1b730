// SPDX-License-Identifier: Apache-2.0
/*
 * poll and ppoll (fs/select.c). Readiness comes from each file's poll op.
 *
 * Deviation for now: a poll that has to wait re-checks its files every
 * millisecond instead of sleeping on wait queues, and is not interrupted
 * by signals (no signals are delivered yet); ppoll's mask is recorded by
 * nothing.
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

/* timeout_ns < 0: wait forever. */
static long do_poll(struct task *t, uint64_t ufds, uint64_t n,
		    int64_t timeout_ns)
{
	struct abi_pollfd *fds;
	struct timespec deadline;
	long ret;

	if (n > t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur || n > ABI_NR_OPEN)
		return -EINVAL;
	fds = malloc((n ? n : 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	ret = mm_copy_in(t->mm, fds, ufds, n * sizeof(*fds));
	if (ret)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ns > 0) {
		deadline.tv_sec += timeout_ns / 1000000000LL;
		deadline.tv_nsec += timeout_ns % 1000000000LL;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	for (;;) {
		struct timespec tick = {0, 1000000};
		int64_t left;

		ret = poll_once(t, fds, n);
		if (ret || timeout_ns == 0)
			break;
		if (timeout_ns > 0) {
			left = ns_left(&deadline);
			if (left <= 0)
				break;
			if (left < tick.tv_nsec)
				tick.tv_nsec = (long)left;
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

SYSCALL(poll)
{
	int timeout = (int)a[2];

	return do_poll(t, a[0], (uint32_t)a[1],
		       timeout < 0 ? -1 : (int64_t)timeout * 1000000LL);
}

SYSCALL(ppoll)
{
	struct abi_timespec ts;
	int64_t timeout = -1;
	long err;

	if (a[2]) {
		err = mm_copy_in(t->mm, &ts, a[2], sizeof(ts));
		if (err)
			return err;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		timeout = ts.tv_sec > INT64_MAX / 1000000000LL
			      ? INT64_MAX
			      : ts.tv_sec * 1000000000LL + ts.tv_nsec;
	}
	if (a[3]) {
		abi_sigset_t mask;

		if (a[4] != sizeof(mask))
			return -EINVAL;
		err = mm_copy_in(t->mm, &mask, a[3], sizeof(mask));
		if (err)
			return err;
	}
	return do_poll(t, a[0], (uint32_t)a[1], timeout);
}
