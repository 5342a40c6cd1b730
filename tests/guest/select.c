// SPDX-License-Identifier: Apache-2.0
/*
 * select(2) and pselect6: readiness of pipe ends in the three sets, the
 * sets rewritten with what is ready (or cleared on timeout), EBADF for a
 * set fd that is not open, EINVAL for a negative count or a bad timeout,
 * the time left written back, an interruption leaving the sets alone, and
 * pselect6's mask for the wait.
 */
#include "guest.h"

#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void arm(long ms)
{
	struct itimerval v = {.it_value = {ms / 1000, (ms % 1000) * 1000}};

	setitimer(ITIMER_REAL, &v, NULL);
}

int main(void)
{
	struct timeval tv;
	struct timespec ts;
	fd_set rd, wr, ex;
	int p[2];
	struct {
		sigset_t *mask;
		size_t size;
	} sig;
	sigset_t set;

	CHECK_OK(pipe(p));
	/* Nothing to read yet: timeout 0, the sets cleared. */
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){0, 0};
	CHECK_EQ(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), 0);
	CHECK(!FD_ISSET(p[0], &rd));
	/* The write end is writable; the read end is not in wr. */
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	FD_SET(p[0], &wr);
	CHECK_EQ(SYS5(SYS_select, p[1] + 1, &rd, &wr, NULL, &tv), 1);
	CHECK(!FD_ISSET(p[0], &rd));
	CHECK(FD_ISSET(p[1], &wr));
	CHECK(!FD_ISSET(p[0], &wr));
	/* Data: readable; each set counts. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	FD_SET(p[0], &ex);
	CHECK_EQ(SYS5(SYS_select, p[1] + 1, &rd, &wr, &ex, NULL), 2);
	CHECK(FD_ISSET(p[0], &rd));
	CHECK(FD_ISSET(p[1], &wr));
	CHECK(!FD_ISSET(p[0], &ex));
	/* The time left comes back, tv_usec over a second carried. */
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv = (struct timeval){0, 2500000};
	CHECK_EQ(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), 1);
	CHECK_EQ(tv.tv_sec, 2);
	CHECK(tv.tv_usec > 400000 && tv.tv_usec < 1000000);
	/* Errors. */
	CHECK_ERR(SYS5(SYS_select, -1, NULL, NULL, NULL, NULL), EINVAL);
	tv = (struct timeval){0, -1};
	CHECK_ERR(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){-1, 0};
	CHECK_ERR(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), EINVAL);
	CHECK_ERR(SYS5(SYS_select, p[0] + 1, 8, NULL, NULL, NULL), EFAULT);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	FD_SET(40, &rd); /* not open */
	tv = (struct timeval){0, 0};
	CHECK_ERR(SYS5(SYS_select, 41, &rd, NULL, NULL, &tv), EBADF);
	/* No fds: a plain timeout. */
	tv = (struct timeval){0, 10000};
	CHECK_EQ(SYS5(SYS_select, 0, NULL, NULL, NULL, &tv), 0);
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);
	/* The reader gone: the write end is writable (an error to find). */
	{
		int q[2];

		CHECK_OK(pipe(q));
		close(q[0]);
		FD_ZERO(&wr);
		FD_SET(q[1], &wr);
		CHECK_EQ(SYS5(SYS_select, q[1] + 1, NULL, &wr, NULL, NULL), 1);
		close(q[1]);
	}
	/* The writer gone: the read end is readable (end of file). */
	{
		char c;

		CHECK_EQ(read(p[0], &c, 1), 1);
		close(p[1]);
		FD_ZERO(&rd);
		FD_SET(p[0], &rd);
		CHECK_EQ(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, NULL), 1);
		CHECK(FD_ISSET(p[0], &rd));
		close(p[0]);
		CHECK_OK(pipe(p));
	}

	/* Interrupted: EINTR, the sets as they were. */
	signal(SIGALRM, on_alarm);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	arm(30);
	CHECK_ERR(SYS5(SYS_select, p[0] + 1, &rd, NULL, NULL, NULL), EINTR);
	CHECK_EQ(alarms, 1);
	CHECK(FD_ISSET(p[0], &rd));

	/* pselect6: SIGALRM blocked for the wait; the timeout, then it. */
	alarms = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sig.mask = &set;
	sig.size = 8;
	ts = (struct timespec){0, 200000000};
	arm(20);
	CHECK_EQ(SYS6(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &sig), 0);
	CHECK_EQ(alarms, 1);
	CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0);
	sig.size = 7;
	CHECK_ERR(SYS6(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &sig),
		  EINVAL);
	/* No mask: interrupted, the time left in the timespec. */
	alarms = 0;
	sig.mask = NULL;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	ts = (struct timespec){5, 0};
	arm(30);
	CHECK_ERR(SYS6(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, &sig),
		  EINTR);
	CHECK_EQ(alarms, 1);
	CHECK(ts.tv_sec >= 3 && ts.tv_sec <= 4);
	ts.tv_nsec = 1000000000;
	CHECK_ERR(SYS6(SYS_pselect6, p[0] + 1, &rd, NULL, NULL, &ts, NULL),
		  EINVAL);
	return guest_done();
}
