// SPDX-License-Identifier: Apache-2.0
/*
 * Clocks and sleeping (kernel/time/posix-timers.c, kernel/time/time.c,
 * kernel/time/hrtimer.c). Wall and monotonic clocks are the host's; the
 * CPU-time clocks measure the application thread on the platform.
 */
#include "platform/platform.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000L

/* Host clock id for a guest clock id, or -EINVAL. */
static int host_clock(struct task *t, int64_t id, clockid_t *out)
{
	(void)t;
	switch (id) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_MONOTONIC:
	case ABI_CLOCK_MONOTONIC_RAW:
	case ABI_CLOCK_REALTIME_COARSE:
	case ABI_CLOCK_MONOTONIC_COARSE:
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_TAI:
		*out = (clockid_t)id;
		return 0;
	case ABI_CLOCK_REALTIME_ALARM:
		*out = CLOCK_REALTIME;
		return 0;
	case ABI_CLOCK_BOOTTIME_ALARM:
		*out = CLOCK_BOOTTIME;
		return 0;
	default:
		return -EINVAL;
	}
}

static bool is_cpu_clock(int64_t id)
{
	return id == ABI_CLOCK_PROCESS_CPUTIME_ID ||
	       id == ABI_CLOCK_THREAD_CPUTIME_ID;
}

static int clock_read(struct task *t, int64_t id, struct abi_timespec *ts)
{
	struct timespec h;
	clockid_t hc;
	int err;

	if (is_cpu_clock(id)) {
		const struct platform_ops *ops = t->k->plat->ops;

		err = ops->cpu_time(t->ctx, t->mm->as, &h);
		if (err)
			return err;
	} else {
		err = host_clock(t, id, &hc);
		if (err)
			return err;
		if (clock_gettime(hc, &h) < 0)
			return -errno;
	}
	ts->tv_sec = h.tv_sec;
	ts->tv_nsec = h.tv_nsec;
	return 0;
}

SYSCALL(clock_gettime)
{
	struct abi_timespec ts;
	int err = clock_read(t, (int)a[0], &ts);

	if (err)
		return err;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	struct abi_timespec ts = {0, 1};
	int64_t id = (int)a[0];
	struct timespec h;
	clockid_t hc;
	int err;

	if (!is_cpu_clock(id)) {
		err = host_clock(t, id, &hc);
		if (err)
			return err;
		if (clock_getres(hc, &h) < 0)
			return -errno;
		ts.tv_sec = h.tv_sec;
		ts.tv_nsec = h.tv_nsec;
	}
	if (!a[1])
		return 0;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

SYSCALL(gettimeofday)
{
	struct timespec h;
	int err;

	clock_gettime(CLOCK_REALTIME, &h);
	if (a[0]) {
		struct abi_timeval tv = {h.tv_sec, h.tv_nsec / 1000};

		err = mm_copy_out(t->mm, a[0], &tv, sizeof(tv));
		if (err)
			return err;
	}
	if (a[1]) {
		/* struct timezone: the kernel's sys_tz, zero by default. */
		int32_t tz[2] = {0, 0};

		err = mm_copy_out(t->mm, a[1], tz, sizeof(tz));
		if (err)
			return err;
	}
	return 0;
}

SYSCALL(time)
{
	struct timespec h;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &h);
	now = h.tv_sec;
	if (a[0] && mm_copy_out(t->mm, a[0], &now, sizeof(now)))
		return -EFAULT;
	return now;
}

static int timespec_in(struct task *t, uint64_t addr, struct timespec *ts)
{
	struct abi_timespec g;
	int err = mm_copy_in(t->mm, &g, addr, sizeof(g));

	if (err)
		return err;
	if (g.tv_sec < 0 || g.tv_nsec < 0 || g.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	ts->tv_sec = g.tv_sec;
	ts->tv_nsec = g.tv_nsec;
	return 0;
}

/*
 * Sleep on host clock hc. Nothing interrupts a sleep until signals are
 * delivered, so the remaining time is never reported.
 */
static long do_sleep(clockid_t hc, int flags, const struct timespec *req)
{
	struct timespec rem = *req;
	int r;

	while ((r = clock_nanosleep(hc, flags, &rem, &rem)) == EINTR)
		;
	return -r;
}

SYSCALL(nanosleep)
{
	struct timespec req;
	int err = timespec_in(t, a[0], &req);

	if (err)
		return err;
	return do_sleep(CLOCK_MONOTONIC, 0, &req);
}

SYSCALL(clock_nanosleep)
{
	int64_t id = (int)a[0];
	int flags = (int)a[1];
	struct timespec req;
	clockid_t hc;
	int err;

	switch (id) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_MONOTONIC:
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_TAI:
		hc = (clockid_t)id;
		break;
	case ABI_CLOCK_REALTIME_ALARM:
	case ABI_CLOCK_BOOTTIME_ALARM:
		hc = id == ABI_CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
						    : CLOCK_BOOTTIME;
		break;
	case ABI_CLOCK_THREAD_CPUTIME_ID:
		return -EINVAL;
	case ABI_CLOCK_PROCESS_CPUTIME_ID:
		return -EOPNOTSUPP; /* not yet: needs CPU-time timers */
	default:
		return id >= 0 && id < 16 ? -ENOTSUP : -EINVAL;
	}
	err = timespec_in(t, a[2], &req);
	if (err)
		return err;
	return do_sleep(hc, flags & ABI_TIMER_ABSTIME ? TIMER_ABSTIME : 0,
			&req);
}
