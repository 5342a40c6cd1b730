// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX timers (kernel/time/posix-timers.c): timer_create, timer_settime,
 * timer_gettime, timer_getoverrun, timer_delete. The timers themselves are
 * sentry/kernel/itimer.c's.
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>

#define TIMER_ABSTIME 1

SYSCALL(timer_create)
{
	struct abi_sigevent ev;
	int id, err;

	if (a[1]) {
		err = mm_copy_in(t->mm, &ev, a[1], sizeof(ev));
		if (err)
			return err;
	}
	err = ptimer_create(t, (int)a[0], a[1] ? &ev : NULL, &id);
	if (err)
		return err;
	err = mm_copy_out(t->mm, a[2], &id, sizeof(id));
	if (err) {
		ptimer_delete(t, id);
		return err;
	}
	return 0;
}

static bool spec_ok(const struct abi_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

static struct abi_timespec to_abi(const struct timespec *ts)
{
	return (struct abi_timespec){.tv_sec = ts->tv_sec,
				     .tv_nsec = ts->tv_nsec};
}

SYSCALL(timer_settime)
{
	struct abi_itimerspec nv, ov;
	struct timespec value, interval, oval, oint;
	int err;

	if (!a[2])
		return -EINVAL;
	err = mm_copy_in(t->mm, &nv, a[2], sizeof(nv));
	if (err)
		return err;
	if (!spec_ok(&nv.it_value) || !spec_ok(&nv.it_interval))
		return -EINVAL;
	value = (struct timespec){nv.it_value.tv_sec, nv.it_value.tv_nsec};
	interval =
	    (struct timespec){nv.it_interval.tv_sec, nv.it_interval.tv_nsec};
	err = ptimer_settime(t, (int)a[0], (int)a[1] & TIMER_ABSTIME, &value,
			     &interval, &oval, &oint);
	if (err || !a[3])
		return err;
	ov.it_value = to_abi(&oval);
	ov.it_interval = to_abi(&oint);
	return mm_copy_out(t->mm, a[3], &ov, sizeof(ov));
}

SYSCALL(timer_gettime)
{
	struct timespec value, interval;
	struct abi_itimerspec cur;
	int err = ptimer_gettime(t, (int)a[0], &value, &interval);

	if (err)
		return err;
	cur.it_value = to_abi(&value);
	cur.it_interval = to_abi(&interval);
	return mm_copy_out(t->mm, a[1], &cur, sizeof(cur));
}

SYSCALL(timer_getoverrun)
{
	return ptimer_getoverrun(t, (int)a[0]);
}

SYSCALL(timer_delete)
{
	return ptimer_delete(t, (int)a[0]);
}
