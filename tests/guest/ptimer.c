// SPDX-License-Identifier: Apache-2.0
/*
 * POSIX timers (timer_create(2), timer_settime(2), timer_gettime(2),
 * timer_getoverrun(2), timer_delete(2)): the errors of each call, the
 * default sigevent (SIGALRM carrying the timer id), SI_TIMER signals with
 * their id and value, relative and absolute expiries, periodic timers
 * counting overruns while their signal is pending, SIGEV_NONE timers
 * read with timer_gettime, and a CPU-time clock.
 */
#include "guest.h"

#include <signal.h>
#include <stdint.h>
#include <time.h>

#define MS 1000000L

static long create(int clock, struct sigevent *ev, int *id)
{
	return SYS3(SYS_timer_create, clock, ev, id);
}

static long set_ns(int id, int flags, long value, long interval)
{
	struct itimerspec v = {
	    .it_value = {value / 1000000000L, value % 1000000000L},
	    .it_interval = {interval / 1000000000L, interval % 1000000000L}};

	return SYS4(SYS_timer_settime, id, flags, &v, NULL);
}

/* Wait for one of set (blocked), at most 5 s: its number, or -errno. */
static long take(const sigset_t *set, siginfo_t *si)
{
	struct timespec ts = {5, 0};

	return SYS4(SYS_rt_sigtimedwait, set, si, &ts, 8);
}

int main(void)
{
	struct sigevent ev = {0};
	struct itimerspec cur;
	sigset_t set;
	siginfo_t si;
	int id, id2, id3;
	struct timespec zero = {0, 0};

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* Clocks. */
	CHECK_ERR(create(100, NULL, &id), EINVAL);
	CHECK_ERR(create(CLOCK_MONOTONIC_RAW, NULL, &id), EOPNOTSUPP);
	CHECK_ERR(create(CLOCK_MONOTONIC_COARSE, NULL, &id), EOPNOTSUPP);
	/* sigevents. */
	ev.sigev_notify = 7;
	CHECK_ERR(create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	CHECK_ERR(create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	ev.sigev_signo = 65;
	CHECK_ERR(create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGUSR1;
	ev._sigev_un._tid = 999999;
	CHECK_ERR(create(CLOCK_MONOTONIC, &ev, &id), EINVAL);
	CHECK_ERR(create(CLOCK_MONOTONIC, NULL, (int *)8), EFAULT);
	CHECK_ERR(create(CLOCK_MONOTONIC, (struct sigevent *)8, &id), EFAULT);

	/* The default: SIGALRM carrying the timer's id. */
	CHECK_OK(create(CLOCK_MONOTONIC, NULL, &id));
	CHECK_OK(set_ns(id, 0, 20 * MS, 0));
	CHECK_EQ(take(&set, &si), SIGALRM);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_timerid, id);
	CHECK_EQ(si.si_value.sival_int, id);
	CHECK_EQ(si.si_overrun, 0);
	/* Spent: disarmed. */
	CHECK_OK(SYS2(SYS_timer_gettime, id, &cur));
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec);

	/* settime/gettime: the time left, the old value back. */
	CHECK_OK(set_ns(id, 0, 10000 * MS, 3 * MS));
	CHECK_OK(SYS2(SYS_timer_gettime, id, &cur));
	CHECK(cur.it_value.tv_sec == 9 || cur.it_value.tv_sec == 10);
	CHECK_EQ(cur.it_interval.tv_nsec, 3 * MS);
	{
		struct itimerspec nv = {0}, ov;

		CHECK_OK(SYS4(SYS_timer_settime, id, 0, &nv, &ov));
		CHECK(ov.it_value.tv_sec == 9 || ov.it_value.tv_sec == 10);
		CHECK_EQ(ov.it_interval.tv_nsec, 3 * MS);
		nv.it_value.tv_nsec = 1000000000L;
		CHECK_ERR(SYS4(SYS_timer_settime, id, 0, &nv, NULL), EINVAL);
		nv.it_value.tv_nsec = 0;
		nv.it_interval.tv_sec = -1;
		CHECK_ERR(SYS4(SYS_timer_settime, id, 0, &nv, NULL), EINVAL);
		CHECK_ERR(SYS4(SYS_timer_settime, id, 0, NULL, NULL), EINVAL);
		CHECK_ERR(SYS4(SYS_timer_settime, id, 0, 8, NULL), EFAULT);
		CHECK_ERR(SYS4(SYS_timer_settime, id + 100, 0, &nv, NULL),
			  EINVAL);
	}
	CHECK_ERR(SYS2(SYS_timer_gettime, id + 100, &cur), EINVAL);
	CHECK_ERR(SYS2(SYS_timer_gettime, id, 8), EFAULT);
	CHECK_ERR(SYS1(SYS_timer_getoverrun, id + 100), EINVAL);

	/* Absolute, in the past: due at once. */
	{
		struct itimerspec v = {.it_value = {1, 0}};

		CHECK_OK(SYS4(SYS_timer_settime, id, TIMER_ABSTIME, &v, NULL));
		CHECK_EQ(take(&set, &si), SIGALRM);
		CHECK_EQ(si.si_timerid, id);
	}

	/* A real-time signal with a value; periodic, its signal left pending:
	 * one signal, the missed periods as its overrun. */
	ev = (struct sigevent){.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGRTMIN,
			       .sigev_value.sival_int = 4242};
	CHECK_OK(create(CLOCK_MONOTONIC, &ev, &id2));
	CHECK(id2 != id);
	CHECK_OK(set_ns(id2, 0, 5 * MS, 5 * MS));
	{
		struct timespec nap = {0, 200 * MS};

		nanosleep(&nap, NULL);
	}
	/* Taken while it runs (a re-armed timer's pending signal is dropped
	 * by newer kernels): one signal, the periods missed in it. */
	CHECK_EQ(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGRTMIN);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 4242);
	CHECK_EQ(si.si_timerid, id2);
	CHECK(si.si_overrun >= 10);
	CHECK_EQ(SYS1(SYS_timer_getoverrun, id2), si.si_overrun);
	CHECK_OK(set_ns(id2, 0, 0, 0));
	/* At most the one queued since. */
	SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8);
	CHECK_ERR(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), EAGAIN);

	/* SIGEV_NONE: no signal; gettime shows it counting. */
	ev = (struct sigevent){.sigev_notify = SIGEV_NONE};
	CHECK_OK(create(CLOCK_REALTIME, &ev, &id3));
	CHECK_OK(set_ns(id3, 0, 30 * MS, 0));
	{
		struct timespec ts = {0, 100 * MS};

		CHECK_ERR(SYS4(SYS_rt_sigtimedwait, &set, &si, &ts, 8), EAGAIN);
	}
	CHECK_OK(SYS2(SYS_timer_gettime, id3, &cur));
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec);

	/* Delete: the ids are gone. */
	CHECK_OK(SYS1(SYS_timer_delete, id3));
	CHECK_ERR(SYS1(SYS_timer_delete, id3), EINVAL);
	CHECK_ERR(SYS2(SYS_timer_gettime, id3, &cur), EINVAL);
	CHECK_ERR(SYS1(SYS_timer_delete, -1), EINVAL);

	/* A CPU-time clock: fires after CPU is used, not while sleeping. */
	ev = (struct sigevent){.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGUSR1};
	CHECK_OK(create(CLOCK_PROCESS_CPUTIME_ID, &ev, &id3));
	CHECK_OK(set_ns(id3, 0, 30 * MS, 0));
	{
		struct timespec ts = {0, 100 * MS};
		volatile uint64_t spins;

		CHECK_ERR(SYS4(SYS_rt_sigtimedwait, &set, &si, &ts, 8), EAGAIN);
		for (spins = 0; spins < 3000000000ULL; spins++) {
			sigset_t pend;

			if ((spins & 0xfffff) == 0) {
				sigpending(&pend);
				if (sigismember(&pend, SIGUSR1))
					break;
			}
		}
		CHECK_EQ(take(&set, &si), SIGUSR1);
		CHECK_EQ(si.si_code, SI_TIMER);
	}
	CHECK_OK(SYS1(SYS_timer_delete, id3));
	CHECK_OK(SYS1(SYS_timer_delete, id2));
	CHECK_OK(SYS1(SYS_timer_delete, id));
	return guest_done();
}
