// SPDX-License-Identifier: Apache-2.0
/*
 * Interval timers and what their signals interrupt (getitimer(2),
 * setitimer(2), alarm(2), pause(2), nanosleep(2), poll(2), ppoll(2),
 * futex(2), restart_syscall(2), signal(7) "Interruption of system calls
 * and library functions by signal handlers"): values and errors of the
 * timer calls; SIGALRM ending pause, sigsuspend, sigtimedwait, sleeps,
 * polls and futex waits, with EINTR and the time left; SA_RESTART making a
 * futex wait go on; a signal with no handler (ignored) restarting a sleep;
 * ppoll's mask; a busy loop interrupted; ITIMER_VIRTUAL and ITIMER_PROF
 * counting CPU time.
 */
#include "guest.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>

#define MS 1000000L
/* A bound on busy loops: seconds of spinning, far more than needed. */
#define SPIN_MAX 3000000000ULL

static volatile int alarms, vtalarms, profs;
static volatile uint32_t futex_word;
static int feed_fd = -1; /* the handler writes a byte here */

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	futex_word = 1;
	if (feed_fd >= 0)
		(void)!write(feed_fd, "r", 1);
}

static void on_vtalarm(int sig)
{
	(void)sig;
	vtalarms++;
}

static void on_prof(int sig)
{
	(void)sig;
	profs++;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* ITIMER_REAL once, after ms milliseconds. */
static long arm(long ms)
{
	struct itimerval v = {.it_value = {ms / 1000, (ms % 1000) * 1000}};

	return SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void test_timer_calls(void)
{
	struct itimerval v = {0}, old;

	/* Disarmed: all zero. */
	CHECK_OK(SYS2(SYS_getitimer, ITIMER_REAL, &old));
	CHECK(!old.it_value.tv_sec && !old.it_value.tv_usec &&
	      !old.it_interval.tv_sec && !old.it_interval.tv_usec);
	CHECK_ERR(SYS2(SYS_getitimer, 3, &old), EINVAL);
	CHECK_ERR(SYS2(SYS_getitimer, -1, &old), EINVAL);
	CHECK_ERR(SYS2(SYS_getitimer, ITIMER_REAL, 8), EFAULT);
	CHECK_ERR(SYS3(SYS_setitimer, 3, &v, NULL), EINVAL);
	CHECK_ERR(SYS3(SYS_setitimer, ITIMER_REAL, 8, NULL), EFAULT);
	v.it_value.tv_usec = 1000000;
	CHECK_ERR(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL), EINVAL);
	v.it_value.tv_usec = -1;
	CHECK_ERR(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL), EINVAL);
	v.it_value.tv_usec = 0;
	v.it_interval.tv_usec = 1000000;
	CHECK_ERR(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL), EINVAL);
	v.it_value.tv_sec = -1;
	v.it_interval.tv_usec = 0;
	CHECK_ERR(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL), EINVAL);

	/* Armed: the time left counts down, the interval stays. */
	v = (struct itimerval){.it_value = {100, 0}, .it_interval = {7, 5}};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL));
	CHECK_OK(SYS2(SYS_getitimer, ITIMER_REAL, &old));
	CHECK(old.it_value.tv_sec == 99 || old.it_value.tv_sec == 100);
	CHECK_EQ(old.it_interval.tv_sec, 7);
	CHECK_EQ(old.it_interval.tv_usec, 5);
	/* The old value comes back from setitimer; a NULL value disarms. */
	v = (struct itimerval){.it_value = {50, 0}};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &v, &old));
	CHECK(old.it_value.tv_sec == 99 || old.it_value.tv_sec == 100);
	CHECK_EQ(old.it_interval.tv_sec, 7);
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, NULL, &old));
	CHECK(old.it_value.tv_sec == 49 || old.it_value.tv_sec == 50);
	CHECK_OK(SYS2(SYS_getitimer, ITIMER_REAL, &old));
	CHECK(!old.it_value.tv_sec && !old.it_value.tv_usec);

	/* alarm: whole seconds, the old one rounded to the nearest. */
	CHECK_EQ(SYS1(SYS_alarm, 0), 0);
	CHECK_EQ(SYS1(SYS_alarm, 30), 0);
	CHECK_EQ(SYS1(SYS_alarm, 20), 30);
	CHECK_OK(SYS2(SYS_getitimer, ITIMER_REAL, &old));
	CHECK(old.it_value.tv_sec == 19 || old.it_value.tv_sec == 20);
	CHECK_EQ(SYS1(SYS_alarm, 0), 20);
	/* Less than half a second left rounds up to 1, not down to 0. */
	arm(300);
	CHECK_EQ(SYS1(SYS_alarm, 0), 1);
	arm(0);
}

static void test_interruptions(void)
{
	struct timespec req = {5, 0}, rem = {0};
	struct pollfd pfd = {.fd = -1};
	sigset_t set;
	siginfo_t si;
	int64_t t0;
	long r;

	handle(SIGALRM, on_alarm, 0);

	/* pause returns EINTR after the handler. */
	alarms = 0;
	arm(30);
	CHECK_ERR(SYS0(SYS_pause), EINTR);
	CHECK_EQ(alarms, 1);

	/* nanosleep: EINTR and the time left. */
	alarms = 0;
	arm(30);
	t0 = now_ns();
	CHECK_ERR(SYS2(SYS_nanosleep, &req, &rem), EINTR);
	CHECK_EQ(alarms, 1);
	CHECK(now_ns() - t0 < 4000 * MS);
	CHECK(rem.tv_sec >= 3 && rem.tv_sec <= 4);
	CHECK(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000L);
	/* clock_nanosleep, absolute: EINTR, the request untouched. */
	alarms = 0;
	arm(30);
	clock_gettime(CLOCK_MONOTONIC, &req);
	req.tv_sec += 5;
	rem = (struct timespec){-1, -1};
	CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
		       &req, &rem),
		  EINTR);
	CHECK_EQ(rem.tv_sec, -1);
	CHECK_EQ(alarms, 1);

	/* poll without a timeout, and with one: EINTR after the handler. */
	alarms = 0;
	arm(30);
	CHECK_ERR(SYS3(SYS_poll, &pfd, 1, -1), EINTR);
	CHECK_EQ(alarms, 1);
	alarms = 0;
	arm(30);
	CHECK_ERR(SYS3(SYS_poll, &pfd, 1, 5000), EINTR);
	CHECK_EQ(alarms, 1);

	/* ppoll with SIGALRM blocked in its mask: the timeout, then the
	 * handler once the old mask is back; the timespec holds the rest. */
	alarms = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	req = (struct timespec){0, 200 * MS};
	arm(20);
	CHECK_EQ(SYS5(SYS_ppoll, &pfd, 1, &req, &set, 8), 0);
	CHECK_EQ(alarms, 1);
	CHECK(req.tv_sec == 0 && req.tv_nsec == 0);
	/* ...and without it: EINTR, with the time left written back. */
	alarms = 0;
	sigemptyset(&set);
	req = (struct timespec){5, 0};
	arm(30);
	CHECK_ERR(SYS5(SYS_ppoll, &pfd, 1, &req, &set, 8), EINTR);
	CHECK_EQ(alarms, 1);
	CHECK(req.tv_sec >= 3 && req.tv_sec <= 4);
	CHECK_ERR(SYS5(SYS_ppoll, &pfd, 1, &req, &set, 7), EINVAL);

	/* sigsuspend: EINTR, the handler ran, the mask is back. */
	alarms = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	arm(30);
	sigemptyset(&set);
	CHECK_ERR(SYS2(SYS_rt_sigsuspend, &set, 8), EINTR);
	CHECK_EQ(alarms, 1);
	sigprocmask(SIG_BLOCK, NULL, &set);
	CHECK(sigismember(&set, SIGALRM));
	/* sigtimedwait takes the (blocked) alarm without a handler. */
	alarms = 0;
	arm(30);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	req = (struct timespec){5, 0};
	r = SYS4(SYS_rt_sigtimedwait, &set, &si, &req, 8);
	CHECK_EQ(r, SIGALRM);
	CHECK_EQ(si.si_signo, SIGALRM);
	CHECK_EQ(si.si_code, SI_KERNEL);
	CHECK_EQ(alarms, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* A futex wait: EINTR without SA_RESTART... */
	alarms = 0;
	futex_word = 0;
	arm(30);
	CHECK_ERR(SYS4(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL),
		  EINTR);
	CHECK_EQ(alarms, 1);
	/* ...with it, the wait starts again and finds the word changed. */
	handle(SIGALRM, on_alarm, SA_RESTART);
	alarms = 0;
	futex_word = 0;
	arm(30);
	CHECK_ERR(SYS4(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL),
		  EAGAIN);
	CHECK_EQ(alarms, 1);
	/* A timed wait is EINTR even with SA_RESTART. */
	alarms = 0;
	futex_word = 0;
	req = (struct timespec){5, 0};
	arm(30);
	CHECK_ERR(SYS4(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &req),
		  EINTR);
	CHECK_EQ(alarms, 1);

	/* A pipe read: restarted with SA_RESTART (the handler feeds it)... */
	{
		int p[2];
		char c = 0;

		CHECK_OK(pipe(p));
		feed_fd = p[1];
		alarms = 0;
		arm(30);
		CHECK_EQ(SYS3(SYS_read, p[0], &c, 1), 1);
		CHECK_EQ(c, 'r');
		CHECK_EQ(alarms, 1);
		feed_fd = -1;
		/* ...EINTR without. */
		handle(SIGALRM, on_alarm, 0);
		alarms = 0;
		arm(30);
		CHECK_ERR(SYS3(SYS_read, p[0], &c, 1), EINTR);
		CHECK_EQ(alarms, 1);
		/* A write to a full pipe: EINTR when nothing went in. */
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		while (write(p[1], "f", 1) == 1)
			;
		fcntl(p[1], F_SETFL, 0);
		alarms = 0;
		arm(30);
		CHECK_ERR(SYS3(SYS_write, p[1], "w", 1), EINTR);
		CHECK_EQ(alarms, 1);
		close(p[0]);
		close(p[1]);
	}
	/* flock waiting for another description's lock: EINTR. */
	{
		char path[] = "/tmp/moat-itimer-XXXXXX";
		int a = mkstemp(path), b = open(path, O_RDWR);

		CHECK(a >= 0 && b >= 0);
		unlink(path);
		CHECK_OK(flock(a, LOCK_EX));
		alarms = 0;
		arm(30);
		CHECK_ERR(SYS2(SYS_flock, b, LOCK_EX), EINTR);
		CHECK_EQ(alarms, 1);
		close(a);
		CHECK_OK(flock(b, LOCK_EX | LOCK_NB));
		close(b);
	}

	/* Times centuries ahead are valid: armed, slept on, interrupted. */
	{
		struct itimerval far = {.it_value = {INT64_MAX / 2, 0},
					.it_interval = {INT64_MAX / 2, 0}};
		struct itimerval cur;
		struct timespec forever = {INT64_MAX, 999999999};
		struct timeval tv = {INT64_MAX, 999999};

		CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &far, NULL));
		CHECK_OK(SYS2(SYS_getitimer, ITIMER_REAL, &cur));
		CHECK(cur.it_value.tv_sec > 1000000000);
		alarms = 0;
		arm(30);
		CHECK_ERR(SYS2(SYS_nanosleep, &forever, NULL), EINTR);
		arm(30);
		CHECK_ERR(SYS4(SYS_clock_nanosleep, CLOCK_REALTIME,
			       TIMER_ABSTIME, &forever, NULL),
			  EINTR);
		arm(30);
		CHECK_ERR(SYS5(SYS_select, 0, NULL, NULL, NULL, &tv), EINTR);
		CHECK_EQ(alarms, 3);
	}

	/* Without a handler (ignored): the sleep goes on to its end. */
	signal(SIGALRM, SIG_IGN);
	arm(20);
	req = (struct timespec){0, 150 * MS};
	t0 = now_ns();
	CHECK_OK(SYS2(SYS_nanosleep, &req, NULL));
	CHECK(now_ns() - t0 >= 150 * MS);
	/* A futex wait with no handler to run goes on too, to its timeout. */
	arm(20);
	futex_word = 0;
	req = (struct timespec){0, 150 * MS};
	t0 = now_ns();
	CHECK_ERR(SYS4(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &req),
		  ETIMEDOUT);
	CHECK(now_ns() - t0 >= 150 * MS);
	/* restart_syscall with nothing to restart: EINTR. */
	CHECK_ERR(SYS0(SYS_restart_syscall), EINTR);
	signal(SIGALRM, SIG_DFL);
}

/* Running code, not a syscall, is interrupted too. */
static void test_busy(void)
{
	struct itimerval v = {.it_value = {0, 20000},
			      .it_interval = {0, 20000}};
	volatile uint64_t spins;

	/* No syscall in the loop (moat has no vDSO: no clock reads). */
	handle(SIGALRM, on_alarm, 0);
	alarms = 0;
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &v, NULL));
	for (spins = 0; alarms < 3 && spins < SPIN_MAX; spins++)
		;
	CHECK(alarms >= 3);
	arm(0);
	signal(SIGALRM, SIG_DFL);

	/* CPU time: a busy loop sees SIGVTALRM and SIGPROF. */
	handle(SIGVTALRM, on_vtalarm, 0);
	handle(SIGPROF, on_prof, 0);
	v = (struct itimerval){.it_value = {0, 30000}};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_VIRTUAL, &v, NULL));
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_PROF, &v, NULL));
	for (spins = 0; (!vtalarms || !profs) && spins < SPIN_MAX; spins++)
		;
	CHECK_EQ(vtalarms, 1);
	CHECK_EQ(profs, 1);
	/* Sleeping uses no CPU: a CPU timer does not fire. */
	v = (struct itimerval){.it_value = {0, 50000}};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_VIRTUAL, &v, NULL));
	{
		struct timespec req = {0, 150 * MS};

		CHECK_OK(SYS2(SYS_nanosleep, &req, NULL));
	}
	CHECK_EQ(vtalarms, 1);
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_VIRTUAL, NULL, NULL));
}

int main(void)
{
	test_timer_calls();
	test_interruptions();
	test_busy();
	return guest_done();
}
