// SPDX-License-Identifier: Apache-2.0
/*
 * Blocking AF_UNIX calls: accept woken by another process's connect, a
 * connect that waits for room in the listener's backlog, epoll on a
 * listener, SO_RCVTIMEO and SO_SNDTIMEO (EAGAIN when they run out), and
 * signals: a blocked accept restarts under SA_RESTART, but is EINTR when
 * the socket has a timeout (as Linux's sock_intr_errno).
 */
#include "proc.h"

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

static char dir[64];
static unsigned serial;
static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void set_alarm_handler(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
}

/* SIGALRM once, after ms. */
static void alarm_ms(long ms)
{
	struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};

	setitimer(ITIMER_REAL, &it, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listener(struct sockaddr_un *sa, socklen_t *len, int backlog)
{
	int fd = (int)SYS3(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/l%u", dir, serial++);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(sa->sun_path) + 1);
	CHECK_OK(SYS3(SYS_bind, fd, sa, *len));
	CHECK_OK(SYS2(SYS_listen, fd, backlog));
	return fd;
}

/* A child that connects after ms and sends one byte. */
static pid_t connect_later(const struct sockaddr_un *sa, socklen_t len, long ms)
{
	pid_t pid = spawn();

	if (pid == 0) {
		int c = (int)SYS3(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

		nap(ms);
		CHECK_OK(SYS3(SYS_connect, c, sa, len));
		CHECK_EQ(write(c, "k", 1), 1);
		child_exit();
	}
	return pid;
}

static void test_accept_wakes(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l = listener(&sa, &len, 4), s;
	pid_t pid = connect_later(&sa, len, 50);
	char c = 0;

	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_EQ(read(s, &c, 1), 1);
	CHECK_EQ(c, 'k');
	CHECK_CHILD_OK(pid);
	close(s);
	/* epoll sees the next connection. */
	{
		int ep = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};

		CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
		pid = connect_later(&sa, len, 50);
		CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
		CHECK_EQ(ev.data.u32, 7);
		s = (int)SYS3(SYS_accept, l, 0, 0);
		CHECK(s >= 0);
		CHECK_EQ(read(s, &c, 1), 1);
		CHECK_CHILD_OK(pid);
		close(s);
		close(ep);
	}
	close(l);
	unlink(sa.sun_path);
}

static void test_connect_waits_for_backlog(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l = listener(&sa, &len, 0), c1, s;
	pid_t pid;
	char c;

	/* One connection fills a backlog of 0. */
	c1 = (int)SYS3(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(SYS3(SYS_connect, c1, &sa, len));
	pid = connect_later(&sa, len, 0);
	nap(100);
	/* The child still waits in connect: accepting lets it in. */
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	close(s);
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_EQ(read(s, &c, 1), 1);
	CHECK_CHILD_OK(pid);
	close(s);
	close(c1);
	close(l);
	unlink(sa.sun_path);
}

static void test_timeouts(void)
{
	struct timeval tv = {0, 100000};
	struct sockaddr_un sa;
	socklen_t len, tl = sizeof(tv);
	int sv[2], l;
	char buf[4096];
	long t0, n = 0, r;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &tl));
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 100000);
	t0 = now_ms();
	CHECK_ERR(SYS3(SYS_read, sv[0], buf, 1), EAGAIN);
	CHECK(now_ms() - t0 >= 90);
	/* A bad timeval. */
	tv.tv_usec = 1000000;
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		 -1);
	CHECK_EQ(errno, EDOM);
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 4), -1);
	CHECK_EQ(errno, EINVAL);
	/* A send into a full buffer gives up, having sent what fit. */
	tv.tv_usec = 100000;
	CHECK_OK(setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	memset(buf, 'x', sizeof(buf));
	t0 = now_ms();
	while ((r = SYS3(SYS_write, sv[1], buf, sizeof(buf))) > 0)
		n += r;
	CHECK_EQ(r, -EAGAIN);
	CHECK(n > 0);
	CHECK(now_ms() - t0 >= 90);
	close(sv[0]);
	close(sv[1]);
	/* accept honours SO_RCVTIMEO too. */
	l = listener(&sa, &len, 1);
	CHECK_OK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_ERR(SYS3(SYS_accept, l, 0, 0), EAGAIN);
	close(l);
	unlink(sa.sun_path);
}

static void test_signals(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	struct timeval tv = {5, 0};
	int l = listener(&sa, &len, 4), s;
	pid_t pid;

	/* SA_RESTART: the accept goes on after the handler. */
	set_alarm_handler(true);
	alarms = 0;
	pid = connect_later(&sa, len, 200);
	alarm_ms(50);
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_EQ(alarms, 1);
	CHECK_CHILD_OK(pid);
	close(s);
	/* Without SA_RESTART: EINTR. */
	set_alarm_handler(false);
	alarm_ms(50);
	CHECK_ERR(SYS3(SYS_accept, l, 0, 0), EINTR);
	/* With a timeout on the socket, even SA_RESTART gives EINTR. */
	set_alarm_handler(true);
	CHECK_OK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	alarm_ms(50);
	CHECK_ERR(SYS3(SYS_accept, l, 0, 0), EINTR);
	close(l);
	unlink(sa.sun_path);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/unix-block-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_accept_wakes();
	test_connect_waits_for_backlog();
	test_timeouts();
	test_signals();
	rmdir(dir);
	return guest_done();
}
