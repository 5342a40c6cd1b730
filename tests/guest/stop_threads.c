// SPDX-License-Identifier: Apache-2.0
/*
 * A group stop and threads blocked in syscalls: the stop takes every
 * thread out of its call (so a pipe read does not complete while the
 * process is stopped), and after SIGCONT each call goes on as Linux's
 * does: a read and a nanosleep restart unseen, epoll_wait fails with EINTR
 * (signal(7), "Interruption of system calls and library functions by stop
 * signals").
 */
#include "guest.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

static int in_pipe[2], out_pipe[2];

static void say(char c)
{
	if (write(out_pipe[1], &c, 1) != 1)
		_exit(3);
}

/* Echoes each byte of in_pipe to out_pipe. */
static void *reader(void *arg)
{
	char c;

	(void)arg;
	for (;;) {
		ssize_t n = read(in_pipe[0], &c, 1);

		if (n == 1)
			say(c);
		else if (n == 0)
			return NULL;
		else
			say('R'); /* read must not fail: it restarts */
	}
}

/* epoll_wait on nothing: 'I' for each EINTR. */
static void *waiter(void *arg)
{
	struct epoll_event ev;
	int ep = epoll_create1(0);

	(void)arg;
	say('w');
	for (;;) {
		int n = epoll_wait(ep, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			say('I');
		else
			say('?');
	}
	return NULL;
}

static void child(void)
{
	pthread_t r, w;

	close(in_pipe[1]);
	close(out_pipe[0]);
	if (pthread_create(&r, NULL, reader, NULL) ||
	    pthread_create(&w, NULL, waiter, NULL))
		_exit(4);
	/* Sleeps that a stop must not cut short: 'E' for an EINTR. */
	for (;;) {
		struct timespec ts = {0, 200 * 1000 * 1000};

		if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
			say('E');
	}
}

/* The next byte from the child within ms, or 0. */
static char next(int ms)
{
	struct pollfd p = {out_pipe[0], POLLIN, 0};
	char c;

	if (poll(&p, 1, ms) != 1 || read(out_pipe[0], &c, 1) != 1)
		return 0;
	return c;
}

int main(void)
{
	int status, got_b = 0, got_i = 0, unread = -1;
	pid_t pid;
	char c;

	CHECK_EQ(pipe(in_pipe), 0);
	CHECK_EQ(pipe(out_pipe), 0);
	pid = fork();
	if (pid == 0)
		child();
	close(in_pipe[0]);
	close(out_pipe[1]);

	/* Both threads are there: the waiter said so, the reader echoes. */
	CHECK_EQ(next(5000), 'w');
	CHECK_EQ(write(in_pipe[1], "a", 1), 1);
	CHECK_EQ(next(5000), 'a');
	/* Let the reader block in read again, the waiter in epoll_wait. */
	usleep(100 * 1000);

	CHECK_EQ(kill(pid, SIGSTOP), 0);
	CHECK_EQ(waitpid(pid, &status, WUNTRACED), pid);
	CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	/* Stopped: a byte for the reader stays in the pipe, unread. */
	CHECK_EQ(write(in_pipe[1], "b", 1), 1);
	CHECK_EQ(next(300), 0);
	CHECK_EQ(ioctl(in_pipe[1], FIONREAD, &unread), 0);
	CHECK_EQ(unread, 1);

	CHECK_EQ(kill(pid, SIGCONT), 0);
	CHECK_EQ(waitpid(pid, &status, WCONTINUED), pid);
	CHECK(WIFCONTINUED(status));
	/* The read goes on and takes 'b'; epoll_wait failed with EINTR. */
	while ((!got_b || !got_i) && (c = next(5000))) {
		if (c == 'b')
			got_b++;
		else if (c == 'I')
			got_i++;
		else
			guest_fail(__FILE__, __LINE__, "unexpected '%c'", c);
	}
	CHECK_EQ(got_b, 1);
	CHECK_EQ(got_i, 1);
	/* Nothing else: no EINTR from nanosleep or read. */
	c = next(500);
	if (c)
		guest_fail(__FILE__, __LINE__, "then '%c'", c);

	CHECK_EQ(kill(pid, SIGKILL), 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return guest_done();
}
