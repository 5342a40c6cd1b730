// SPDX-License-Identifier: Apache-2.0
/*
 * futex (kernel/futex): FUTEX_WAIT, FUTEX_WAKE and their BITSET forms,
 * private or shared, with waiters queued per address space and address.
 *
 * Deviations for now: the requeue, wake-op and priority-inheritance
 * operations are ENOSYS; a
 * shared futex is keyed like a private one (one process per sandbox).
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define FUTEX_WAIT	       0
#define FUTEX_WAKE	       1
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_CMD_MASK	       (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffU

struct futex_waiter {
	struct mm *mm;
	uint64_t addr;
	uint32_t bitset;
	bool woken;
	pthread_cond_t cond;
	struct futex_waiter *next;
};

static pthread_mutex_t futex_lock = PTHREAD_MUTEX_INITIALIZER;
static struct futex_waiter *futex_waiters;

/*
 * Wait while the word at addr holds val, until woken, the deadline passes
 * (NULL: none; on CLOCK_REALTIME if realtime, else CLOCK_MONOTONIC), or a
 * signal t does not block comes.
 */
static long futex_wait_until(struct task *t, uint64_t addr, uint32_t val,
			     uint32_t bitset, const struct timespec *deadline,
			     bool realtime)
{
	struct futex_waiter w = {.mm = t->mm, .addr = addr, .bitset = bitset};
	struct futex_waiter **pp;
	uint32_t cur;
	long ret = 0;
	int err;

	{
		pthread_condattr_t a;

		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, realtime ? CLOCK_REALTIME
						       : CLOCK_MONOTONIC);
		pthread_cond_init(&w.cond, &a);
		pthread_condattr_destroy(&a);
	}
	pthread_mutex_lock(&futex_lock);
	/* The value is read under the lock a waker must take too. */
	err = mm_copy_in(t->mm, &cur, addr, sizeof(cur));
	if (err || cur != val) {
		pthread_mutex_unlock(&futex_lock);
		pthread_cond_destroy(&w.cond);
		return err ? err : -EAGAIN;
	}
	w.next = futex_waiters;
	futex_waiters = &w;
	task_block_begin(t, &futex_lock, &w.cond);
	while (!w.woken) {
		int r;

		if (task_interrupted(t)) {
			ret = -ERESTARTSYS;
			break;
		}
		r = deadline
			? pthread_cond_timedwait(&w.cond, &futex_lock, deadline)
			: pthread_cond_wait(&w.cond, &futex_lock);
		if (r == ETIMEDOUT && !w.woken) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	task_block_end(t);
	for (pp = &futex_waiters; *pp; pp = &(*pp)->next)
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	pthread_mutex_unlock(&futex_lock);
	pthread_cond_destroy(&w.cond);
	return ret;
}

/* A timed wait interrupted, no handler run: on to the same deadline. */
static long futex_wait_restart(struct task *t)
{
	struct timespec deadline = t->restart_deadline;
	uint64_t addr = t->restart_args[0];
	uint32_t val = (uint32_t)t->restart_args[1];
	uint32_t bitset = (uint32_t)(t->restart_args[1] >> 32);
	bool realtime = t->restart_args[2];
	long ret = futex_wait_until(t, addr, val, bitset, &deadline, realtime);

	if (ret == -ERESTARTSYS) {
		t->restart_fn = futex_wait_restart;
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

/*
 * FUTEX_WAIT (relative timeout on CLOCK_MONOTONIC) and FUTEX_WAIT_BITSET
 * (absolute, on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME). Interrupted:
 * -ERESTARTSYS without a timeout (SA_RESTART restarts it), else the rest
 * of the wait by restart_syscall, as futex_wait_restart.
 */
static long futex_wait(struct task *t, uint64_t addr, uint32_t val,
		       uint64_t utimeout, uint32_t bitset, bool absolute,
		       bool realtime)
{
	struct timespec deadline;
	long ret;
	int err;

	if (!bitset)
		return -EINVAL;
	if (utimeout) {
		struct abi_timespec ts;

		err = copy_in_timeout(t, utimeout, &ts);
		if (err)
			return err;
		if (absolute) {
			deadline.tv_sec = ts.tv_sec;
			deadline.tv_nsec = ts.tv_nsec;
		} else {
			deadline_after(&deadline, &ts);
		}
	}
	realtime = absolute && realtime;
	ret = futex_wait_until(t, addr, val, bitset,
			       utimeout ? &deadline : NULL, realtime);
	if (ret == -ERESTARTSYS && utimeout) {
		t->restart_fn = futex_wait_restart;
		t->restart_deadline = deadline;
		t->restart_args[0] = addr;
		t->restart_args[1] = val | (uint64_t)bitset << 32;
		t->restart_args[2] = realtime;
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

static long futex_wake(struct task *t, uint64_t addr, int n, uint32_t bitset)
{
	long woken = 0;

	if (!bitset)
		return -EINVAL;
	if (addr & 3)
		return -EINVAL;
	pthread_mutex_lock(&futex_lock);
	for (struct futex_waiter *w = futex_waiters; w && woken < n;
	     w = w->next) {
		if (w->mm == t->mm && w->addr == addr && !w->woken &&
		    (w->bitset & bitset)) {
			w->woken = true;
			pthread_cond_signal(&w->cond);
			woken++;
		}
	}
	pthread_mutex_unlock(&futex_lock);
	return woken;
}

SYSCALL(futex)
{
	uint64_t addr = a[0];
	int op = (int)a[1];
	int cmd = op & FUTEX_CMD_MASK;
	bool realtime = op & FUTEX_CLOCK_REALTIME;

	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		if (addr & 3)
			return -EINVAL;
		if (realtime)
			return -ENOSYS;
		return futex_wait(t, addr, (uint32_t)a[2], a[3],
				  FUTEX_BITSET_MATCH_ANY, false, false);
	case FUTEX_WAIT_BITSET:
		if (addr & 3)
			return -EINVAL;
		return futex_wait(t, addr, (uint32_t)a[2], a[3], (uint32_t)a[5],
				  true, realtime);
	case FUTEX_WAKE:
		return futex_wake(t, addr, (int)a[2] < 0 ? 0 : (int)a[2],
				  FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(t, addr, (int)a[2] < 0 ? 0 : (int)a[2],
				  (uint32_t)a[5]);
	default:
		return -ENOSYS;
	}
}
