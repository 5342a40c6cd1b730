// SPDX-License-Identifier: Apache-2.0
/*
 * clock_gettime, clock_getres, gettimeofday, time, nanosleep and
 * clock_nanosleep: clock ids, resolutions, monotonicity, sleeping and the
 * errors for bad ids, times and pointers.
 */
#include "guest.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000L
#define BAD_PTR	     ((void *)1)

/* Encodings of CPU-time clock ids (include/linux/posix-timers.h). */
#define CPUCLOCK_PROF		     0
#define CPUCLOCK_VIRT		     1
#define CPUCLOCK_SCHED		     2
#define CPUCLOCK_BAD		     3
#define PROCESS_CPUCLOCK(pid, which) ((int)((~(unsigned)(pid) << 3) | (which)))
#define THREAD_CPUCLOCK(pid, which)  (PROCESS_CPUCLOCK(pid, which) | 4)
/* A pid that cannot exist (above PID_MAX_LIMIT) but fits a clock id. */
#define NO_PID 0x0fffffff

static long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static long now_ns(clockid_t id)
{
	struct timespec ts;

	if (SYS2(SYS_clock_gettime, id, &ts))
		return -1;
	return ts_ns(&ts);
}

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < NSEC_PER_SEC;
}

static void check_gettime(void)
{
	static const int ids[] = {
	    CLOCK_REALTIME,
	    CLOCK_MONOTONIC,
	    CLOCK_PROCESS_CPUTIME_ID,
	    CLOCK_THREAD_CPUTIME_ID,
	    CLOCK_MONOTONIC_RAW,
	    CLOCK_REALTIME_COARSE,
	    CLOCK_MONOTONIC_COARSE,
	    CLOCK_BOOTTIME,
	    CLOCK_TAI,
	    /* CPU clocks of the caller, by pid 0 and by its own ids. */
	    PROCESS_CPUCLOCK(0, CPUCLOCK_PROF),
	    PROCESS_CPUCLOCK(0, CPUCLOCK_VIRT),
	    PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED),
	    THREAD_CPUCLOCK(0, CPUCLOCK_PROF),
	    THREAD_CPUCLOCK(0, CPUCLOCK_VIRT),
	    THREAD_CPUCLOCK(0, CPUCLOCK_SCHED),
	};
	long pid = SYS0(SYS_getpid), tid = SYS0(SYS_gettid);
	struct timespec ts, t2;
	long prev, cur;
	bool backwards;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(&ts, 0xff, sizeof(ts));
		CHECK_EQ(SYS2(SYS_clock_gettime, ids[i], &ts), 0);
		CHECK(ts_valid(&ts));
	}
	CHECK_EQ(
	    SYS2(SYS_clock_gettime, PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED), &ts),
	    0);
	CHECK_EQ(
	    SYS2(SYS_clock_gettime, THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), &ts),
	    0);

	/* Ids that name no clock. */
	CHECK_ERR(SYS2(SYS_clock_gettime, 10, &ts), EINVAL); /* SGI_CYCLE */
	CHECK_ERR(SYS2(SYS_clock_gettime, 12, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_gettime, 16, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_gettime, 100, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_gettime, INT_MAX, &ts), EINVAL);
	/* The id is an int: the upper half of the register is ignored. */
	CHECK_EQ(SYS2(SYS_clock_gettime, 0x100000000L | CLOCK_MONOTONIC, &ts),
		 0);
	/* CPU clocks: a bad clock type, a process that does not exist. */
	CHECK_ERR(SYS2(SYS_clock_gettime, -1, &ts), EINVAL);
	CHECK_ERR(
	    SYS2(SYS_clock_gettime, THREAD_CPUCLOCK(0, CPUCLOCK_BAD), &ts),
	    EINVAL);
	CHECK_ERR(SYS2(SYS_clock_gettime,
		       PROCESS_CPUCLOCK(NO_PID, CPUCLOCK_SCHED), &ts),
		  EINVAL);
	CHECK_ERR(SYS2(SYS_clock_gettime,
		       THREAD_CPUCLOCK(NO_PID, CPUCLOCK_SCHED), &ts),
		  EINVAL);
	/* A clock fd (FD_TO_CLOCKID) that is no posix clock. */
	CHECK_ERR(
	    SYS2(SYS_clock_gettime, PROCESS_CPUCLOCK(0, CPUCLOCK_BAD), &ts),
	    EINVAL);
	CHECK_ERR(
	    SYS2(SYS_clock_gettime, PROCESS_CPUCLOCK(999, CPUCLOCK_BAD), &ts),
	    EINVAL);

	/* Bad pointers; the clock id is checked first. */
	CHECK_ERR(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_clock_gettime, CLOCK_REALTIME, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, BAD_PTR),
		  EFAULT);
	CHECK_ERR(SYS2(SYS_clock_gettime, 100, BAD_PTR), EINVAL);

	/* Monotonic clocks never go backwards. */
	static const int mono[] = {CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
				   CLOCK_BOOTTIME, CLOCK_THREAD_CPUTIME_ID,
				   CLOCK_PROCESS_CPUTIME_ID};
	for (size_t i = 0; i < sizeof(mono) / sizeof(mono[0]); i++) {
		backwards = false;
		prev = now_ns(mono[i]);
		for (int j = 0; j < 50; j++) {
			cur = now_ns(mono[i]);
			if (cur < prev)
				backwards = true;
			prev = cur;
		}
		CHECK(prev > 0);
		CHECK(!backwards);
	}
	/* Boot time includes suspend: never behind the monotonic clock. */
	cur = now_ns(CLOCK_MONOTONIC);
	CHECK(now_ns(CLOCK_BOOTTIME) >= cur);
	/* The coarse clocks lag their fine clocks by at most a few ticks. */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, &ts), 0);
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &t2), 0);
	CHECK(ts_ns(&ts) <= ts_ns(&t2));
	CHECK(ts_ns(&t2) - ts_ns(&ts) < NSEC_PER_SEC);
	/* The thread's CPU time is at most the process's. */
	cur = now_ns(CLOCK_THREAD_CPUTIME_ID);
	CHECK(cur <= now_ns(CLOCK_PROCESS_CPUTIME_ID));
}

static void check_getres(void)
{
	struct timespec ts;

	/* High-resolution timers: 1 ns. */
	static const int hres[] = {
	    CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
	    CLOCK_BOOTTIME, CLOCK_TAI,
	    /* CPUCLOCK_SCHED clocks count ns. */
	    CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
	    PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED),
	    THREAD_CPUCLOCK(0, CPUCLOCK_SCHED)};
	for (size_t i = 0; i < sizeof(hres) / sizeof(hres[0]); i++) {
		memset(&ts, 0xff, sizeof(ts));
		CHECK_EQ(SYS2(SYS_clock_getres, hres[i], &ts), 0);
		CHECK_EQ(ts.tv_sec, 0);
		CHECK_EQ(ts.tv_nsec, 1);
	}
	/* Coarse clocks and the tick-based CPU clocks: one tick (100-1000 Hz).
	 */
	static const int tick[] = {CLOCK_REALTIME_COARSE,
				   CLOCK_MONOTONIC_COARSE,
				   PROCESS_CPUCLOCK(0, CPUCLOCK_PROF),
				   THREAD_CPUCLOCK(0, CPUCLOCK_VIRT)};
	for (size_t i = 0; i < sizeof(tick) / sizeof(tick[0]); i++) {
		memset(&ts, 0xff, sizeof(ts));
		CHECK_EQ(SYS2(SYS_clock_getres, tick[i], &ts), 0);
		CHECK_EQ(ts.tv_sec, 0);
		CHECK(ts.tv_nsec >= 1000000 && ts.tv_nsec <= 10000000);
	}
	/* A NULL result is allowed; the id is still checked. */
	CHECK_EQ(SYS2(SYS_clock_getres, CLOCK_MONOTONIC, NULL), 0);
	CHECK_ERR(SYS2(SYS_clock_getres, 100, NULL), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_getres, 10, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_getres, -1, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_clock_getres,
		       PROCESS_CPUCLOCK(NO_PID, CPUCLOCK_SCHED), &ts),
		  EINVAL);
	CHECK_ERR(SYS2(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_clock_getres, 100, BAD_PTR), EINVAL);
}

static void check_wall(void)
{
	struct timespec ts;
	struct timeval tv;
	struct {
		int minuteswest, dsttime;
	} tz;
	long t, t2;

	/* time() returns the seconds and stores them when asked. */
	t = SYS1(SYS_time, NULL);
	CHECK(t > 1600000000L);
	t2 = 0;
	CHECK(SYS1(SYS_time, &t2) >= t);
	CHECK(t2 >= t && t2 - t <= 1);
	CHECK_ERR(SYS1(SYS_time, BAD_PTR), EFAULT);

	/*
	 * CLOCK_REALTIME agrees with time() and gettimeofday(). time() reads
	 * the seconds of the last tick, so it may trail by one.
	 */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_REALTIME, &ts), 0);
	t2 = SYS1(SYS_time, NULL);
	CHECK(t2 - ts.tv_sec >= -1 && t2 - ts.tv_sec <= 1);
	CHECK_EQ(SYS2(SYS_gettimeofday, &tv, NULL), 0);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK(tv.tv_sec >= ts.tv_sec && tv.tv_sec - ts.tv_sec <= 1);
	/* REALTIME and TAI differ by the leap-second offset, under a minute. */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_TAI, &ts), 0);
	CHECK(ts.tv_sec >= tv.tv_sec && ts.tv_sec - tv.tv_sec <= 60);

	/* gettimeofday: either pointer may be NULL; each is checked. */
	CHECK_EQ(SYS2(SYS_gettimeofday, NULL, NULL), 0);
	CHECK_EQ(SYS2(SYS_gettimeofday, NULL, &tz), 0);
	CHECK_EQ(SYS2(SYS_gettimeofday, &tv, &tz), 0);
	CHECK_ERR(SYS2(SYS_gettimeofday, BAD_PTR, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_gettimeofday, NULL, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_gettimeofday, &tv, BAD_PTR), EFAULT);
}

static void check_nanosleep(void)
{
	struct timespec req, rem;
	long start, elapsed;

	/* Two ms by the monotonic clock, at least. */
	req = (struct timespec){0, 2000000};
	start = now_ns(CLOCK_MONOTONIC);
	CHECK_EQ(SYS2(SYS_nanosleep, &req, &rem), 0);
	elapsed = now_ns(CLOCK_MONOTONIC) - start;
	CHECK(elapsed >= 2000000);
	CHECK(elapsed < 2 * NSEC_PER_SEC);
	/* The request is read-only to the kernel. */
	CHECK_EQ(req.tv_nsec, 2000000);

	req = (struct timespec){0, 0};
	CHECK_EQ(SYS2(SYS_nanosleep, &req, NULL), 0);
	/* rem is only written when a signal interrupts the sleep. */
	req = (struct timespec){0, 1000};
	CHECK_EQ(SYS2(SYS_nanosleep, &req, BAD_PTR), 0);

	req = (struct timespec){0, NSEC_PER_SEC};
	CHECK_ERR(SYS2(SYS_nanosleep, &req, NULL), EINVAL);
	req = (struct timespec){0, -1};
	CHECK_ERR(SYS2(SYS_nanosleep, &req, NULL), EINVAL);
	req = (struct timespec){-1, 0};
	CHECK_ERR(SYS2(SYS_nanosleep, &req, NULL), EINVAL);
	CHECK_ERR(SYS2(SYS_nanosleep, BAD_PTR, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_nanosleep, NULL, NULL), EFAULT);
}

static void check_clock_nanosleep(void)
{
	struct timespec req, now;
	long start, elapsed;

	/* Relative sleeps on the clocks that can sleep. */
	static const int ok[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
				 CLOCK_BOOTTIME, CLOCK_TAI};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		req = (struct timespec){0, 1000000};
		start = now_ns(CLOCK_MONOTONIC);
		CHECK_EQ(SYS4(SYS_clock_nanosleep, ok[i], 0, &req, NULL), 0);
		CHECK(now_ns(CLOCK_MONOTONIC) - start >= 1000000);
	}

	/* TIMER_ABSTIME: a time in the past returns at once. */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &now), 0);
	req = now;
	req.tv_sec -= 1;
	start = now_ns(CLOCK_MONOTONIC);
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req,
		      NULL),
		 0);
	req = (struct timespec){0, 0};
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &req,
		      NULL),
		 0);
	CHECK(now_ns(CLOCK_MONOTONIC) - start < NSEC_PER_SEC / 2);

	/* TIMER_ABSTIME: a time 2 ms ahead is waited for. */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &now), 0);
	req = now;
	req.tv_nsec += 2000000;
	if (req.tv_nsec >= NSEC_PER_SEC) {
		req.tv_sec++;
		req.tv_nsec -= NSEC_PER_SEC;
	}
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req,
		      BAD_PTR),
		 0);
	elapsed = now_ns(CLOCK_MONOTONIC) - ts_ns(&now);
	CHECK(elapsed >= 2000000);

	/* Flags other than TIMER_ABSTIME are ignored. */
	req = (struct timespec){0, 1000};
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 2, &req, NULL), 0);
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, ~TIMER_ABSTIME,
		      &req, NULL),
		 0);

	/* Clocks that exist but cannot sleep. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &req, NULL),
		  EOPNOTSUPP);
	CHECK_ERR(
	    SYS4(SYS_clock_nanosleep, CLOCK_REALTIME_COARSE, 0, &req, NULL),
	    EOPNOTSUPP);
	CHECK_ERR(
	    SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, &req, NULL),
	    EOPNOTSUPP);
	/* glibc maps this one to EINVAL itself; the kernel says EOPNOTSUPP. */
	CHECK_ERR(
	    SYS4(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
	    EOPNOTSUPP);
	/* The calling thread's own CPU clock by encoded id: EINVAL. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep, THREAD_CPUCLOCK(0, CPUCLOCK_SCHED),
		       0, &req, NULL),
		  EINVAL);
	/* Clock fds (posix clocks) cannot sleep at all. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep, PROCESS_CPUCLOCK(999, CPUCLOCK_BAD),
		       0, &req, NULL),
		  EOPNOTSUPP);
	/* Nor can threads that do not exist; checked after the request. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep,
		       THREAD_CPUCLOCK(NO_PID, CPUCLOCK_SCHED), 0, &req, NULL),
		  EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, THREAD_CPUCLOCK(0, CPUCLOCK_SCHED),
		       0, BAD_PTR, NULL),
		  EFAULT);
	/* The process CPU clock has passed a time of zero: no wait. */
	req = (struct timespec){0, 0};
	CHECK_EQ(SYS4(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID,
		      TIMER_ABSTIME, &req, NULL),
		 0);
	CHECK_EQ(SYS4(SYS_clock_nanosleep, PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED),
		      TIMER_ABSTIME, &req, NULL),
		 0);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0,
		       BAD_PTR, NULL),
		  EFAULT);
	/* The clock is checked before the request is read. */
	CHECK_ERR(
	    SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, BAD_PTR, NULL),
	    EOPNOTSUPP);

	/* Ids that name no clock. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep, 10, 0, &req, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, 12, 0, &req, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, 15, 0, &req, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, 100, 0, &req, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, 100, 0, BAD_PTR, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_clock_nanosleep, -1, 0, &req, NULL), EINVAL);

	/* Bad requests. */
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL),
		  EFAULT);
	req = (struct timespec){0, NSEC_PER_SEC};
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL),
		  EINVAL);
	req = (struct timespec){0, -1};
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &req,
		       NULL),
		  EINVAL);
	req = (struct timespec){-1, 0};
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
		       &req, NULL),
		  EINVAL);
}

int main(void)
{
	check_gettime();
	check_getres();
	check_wall();
	check_nanosleep();
	check_clock_nanosleep();
	return guest_done();
}
