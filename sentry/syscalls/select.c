// SPDX-License-Identifier: Apache-2.0
/*
 * poll, ppoll, select and pselect6 (fs/select.c). Readiness comes from
 * each file's poll op.
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

/*
 * One pass over fds: how many are ready. *tick: a file looked at does not
 * report its changes (poll_notifies).
 */
static int poll_once(struct task *t, struct abi_pollfd *fds, uint64_t n,
		     bool *tick)
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
		if (!f->poll_notifies)
			*tick = true;
		file_put(f);
		fds[i].revents = (int16_t)(got & events);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/*
 * Poll the n pollfds until one is ready, the deadline passes
 * (CLOCK_MONOTONIC; NULL: none) or a signal t does not block is pending
 * (-ERESTARTNOHAND): the number ready.
 */
static long poll_wait(struct task *t, struct abi_pollfd *fds, uint64_t n,
		      const struct timespec *deadline)
{
	for (;;) {
		uint64_t seq = poll_begin();
		bool tick = false;
		long ret = poll_once(t, fds, n, &tick);
		int step;

		if (ret)
			return ret;
		step = poll_tick(t, deadline, seq, tick);
		if (step)
			return step < 0 ? -ERESTARTNOHAND : 0;
	}
}

/* poll of the n pollfds at ufds; revents go back in every case, as Linux's. */
static long do_poll(struct task *t, uint64_t ufds, uint64_t n,
		    const struct timespec *deadline)
{
	struct abi_pollfd *fds;
	long ret, err;

	if (n > t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur || n > ABI_NR_OPEN)
		return -EINVAL;
	fds = malloc((n ? n : 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	ret = mm_copy_in(t->mm, fds, ufds, n * sizeof(*fds));
	if (!ret) {
		ret = poll_wait(t, fds, n, deadline);
		err = mm_copy_out(t->mm, ufds, fds, n * sizeof(*fds));
		if (err)
			ret = err;
	}
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
long poll_restart(struct task *t)
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

int wait_mask_set(struct task *t, uint64_t umask, uint64_t size)
{
	abi_sigset_t mask;
	int err;

	if (!umask)
		return 0;
	err = copy_in_sigset(t, umask, size, &mask);
	if (err)
		return err;
	t->saved_sigmask = t->sigmask;
	t->saved_sigmask_valid = true;
	t->sigmask = mask & ~UNBLOCKABLE;
	return 0;
}

void wait_mask_done(struct task *t, uint64_t umask, bool keep)
{
	if (umask && !keep) {
		t->sigmask = t->saved_sigmask;
		t->saved_sigmask_valid = false;
	}
}

/*
 * The time left back to the user's timespec (ppoll, pselect6) or timeval
 * (select), as poll_select_finish: not for a zero timeout, and an
 * interrupted call whose time cannot be written is EINTR, not restarted.
 */
static long time_left_out(struct task *t, uint64_t uaddr, bool timeval,
			  const struct timespec *deadline, bool zero, long ret)
{
	int64_t left;
	int err;

	if (!uaddr || zero)
		return ret;
	left = deadline_left_ns(deadline);
	if (left < 0)
		left = 0;
	if (timeval) {
		struct abi_timeval tv = {.tv_sec = left / 1000000000LL,
					 .tv_usec = left % 1000000000LL / 1000};

		err = mm_copy_out(t->mm, uaddr, &tv, sizeof(tv));
	} else {
		struct abi_timespec ts = {.tv_sec = left / 1000000000LL,
					  .tv_nsec = left % 1000000000LL};

		err = mm_copy_out(t->mm, uaddr, &ts, sizeof(ts));
	}
	if (err && ret == -ERESTARTNOHAND)
		ret = -EINTR;
	return ret;
}

/* ppoll: poll with a timespec and, during the wait, a signal mask. */
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
	err = wait_mask_set(t, a[3], a[4]);
	if (err)
		return err;
	ret = do_poll(t, a[0], (uint32_t)a[1], a[2] ? &deadline : NULL);
	wait_mask_done(t, a[3], ret == -ERESTARTNOHAND);
	return time_left_out(t, a[2], false, &deadline,
			     !ts.tv_sec && !ts.tv_nsec, ret);
}

/* ---- select ---------------------------------------------------------- */

#define POLLPRI	   0x002
#define POLLRDBAND 0x080
#define POLLWRBAND 0x200
#define SEL_IN	   (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT	   (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX	   POLLPRI

static bool bit(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64) & 1);
}

/*
 * select's sets as pollfds, the waiting as poll's, the answers back into
 * the sets. n is clamped to the fd table's size, as Linux's; a set fd that
 * is not open is EBADF.
 */
static long do_select(struct task *t, int n, const uint64_t *uset,
		      const struct timespec *deadline)
{
	uint64_t words, *sets[3] = {0}, *out;
	struct abi_pollfd *fds;
	long ret = 0;
	int nfds = 0, max = fdtable_size(t->files);

	if (n < 0)
		return -EINVAL;
	if (n > max)
		n = max;
	words = ((uint64_t)n + 63) / 64;
	out = calloc(3 * words + 1, sizeof(uint64_t));
	fds = malloc(((size_t)n + 1) * sizeof(*fds));
	if (!out || !fds) {
		ret = -ENOMEM;
		goto done;
	}
	for (int i = 0; i < 3 && !ret; i++) {
		if (!uset[i])
			continue;
		sets[i] = malloc(words * 8 + 8);
		ret = sets[i] ? mm_copy_in(t->mm, sets[i], uset[i], words * 8)
			      : -ENOMEM;
	}
	for (int fd = 0; fd < n && !ret; fd++) {
		int16_t ev = (bit(sets[0], fd) ? SEL_IN : 0) |
			     (bit(sets[1], fd) ? SEL_OUT : 0) |
			     (bit(sets[2], fd) ? SEL_EX : 0);

		if (ev)
			fds[nfds++] =
			    (struct abi_pollfd){.fd = fd, .events = ev};
	}
	if (ret)
		goto done;
	ret = poll_wait(t, fds, (uint64_t)nfds, deadline);
	if (ret < 0 && ret != -ERESTARTNOHAND)
		goto done;
	if (ret > 0) {
		ret = 0;
		for (int i = 0; i < nfds; i++) {
			int fd = fds[i].fd;
			unsigned got = (uint16_t)fds[i].revents;

			if (got & POLLNVAL) {
				ret = -EBADF;
				goto done;
			}
			for (int s = 0; s < 3; s++) {
				static const unsigned want[3] = {
				    SEL_IN, SEL_OUT, SEL_EX};

				if (bit(sets[s], fd) && (got & want[s])) {
					out[s * words + fd / 64] |=
					    1ULL << (fd % 64);
					ret++;
				}
			}
		}
	}
	/* The sets are rewritten: what is ready, or nothing; an interrupted
	 * select leaves them as they were. */
	if (ret >= 0)
		for (int i = 0; i < 3; i++)
			if (uset[i] && words &&
			    mm_copy_out(t->mm, uset[i], out + i * words,
					words * 8)) {
				ret = -EFAULT;
				break;
			}
done:
	for (int i = 0; i < 3; i++)
		free(sets[i]);
	free(out);
	free(fds);
	return ret;
}

SYSCALL(select)
{
	uint64_t sets[3] = {a[1], a[2], a[3]};
	struct abi_timeval tv = {0};
	struct timespec deadline;
	long ret;

	if (a[4]) {
		struct abi_timespec ts;
		int err = mm_copy_in(t->mm, &tv, a[4], sizeof(tv));

		if (err)
			return err;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux carries whole seconds out of tv_usec; a sum past the
		 * largest time wraps negative there: EINVAL. */
		if (__builtin_add_overflow(tv.tv_sec, tv.tv_usec / 1000000,
					   &ts.tv_sec))
			return -EINVAL;
		ts.tv_nsec = tv.tv_usec % 1000000 * 1000;
		deadline_after(&deadline, &ts);
	}
	ret = do_select(t, (int)a[0], sets, a[4] ? &deadline : NULL);
	return time_left_out(t, a[4], true, &deadline,
			     !tv.tv_sec && !tv.tv_usec, ret);
}

/* pselect6: a timespec, and a {sigset_t *, size} for the wait's mask. */
SYSCALL(pselect6)
{
	uint64_t sets[3] = {a[1], a[2], a[3]};
	struct abi_timespec ts = {0};
	struct timespec deadline;
	struct {
		uint64_t mask, size;
	} sig = {0};
	long ret;
	int err;

	if (a[4]) {
		err = copy_in_timeout(t, a[4], &ts);
		if (err)
			return err;
		deadline_after(&deadline, &ts);
	}
	if (a[5]) {
		err = mm_copy_in(t->mm, &sig, a[5], sizeof(sig));
		if (err)
			return err;
	}
	err = wait_mask_set(t, sig.mask, sig.size);
	if (err)
		return err;
	ret = do_select(t, (int)a[0], sets, a[4] ? &deadline : NULL);
	wait_mask_done(t, sig.mask, ret == -ERESTARTNOHAND);
	return time_left_out(t, a[4], false, &deadline,
			     !ts.tv_sec && !ts.tv_nsec, ret);
}
