// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX socketpair(2): data both ways, message boundaries and truncation
 * (SOCK_SEQPACKET, SOCK_DGRAM), MSG_PEEK, MSG_TRUNC, EAGAIN on an empty and
 * on a full pair, shutdown, EPIPE with SIGPIPE (streams only) and
 * MSG_NOSIGNAL, SCM_RIGHTS (a pipe end passed and used, MSG_CTRUNC,
 * MSG_CMSG_CLOEXEC, files in flight dropped unread), poll readiness,
 * socket options and names, the errors of bad arguments, and a blocked
 * recv ended by a signal (EINTR without SA_RESTART).
 */
#include "guest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};

	CHECK_EQ(poll(&p, 1, 0), p.revents ? 1 : 0);
	return p.revents;
}

static int sigpipe_pending(void)
{
	sigset_t set;
	int sig, pending;

	sigpending(&set);
	pending = sigismember(&set, SIGPIPE);
	if (pending) {
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		sigwait(&set, &sig);
	}
	return pending;
}

static long sys_send(int fd, const void *buf, size_t len, int flags)
{
	return SYS6(SYS_sendto, fd, buf, len, flags, 0, 0);
}

static long sys_recv(int fd, void *buf, size_t len, int flags)
{
	return SYS6(SYS_recvfrom, fd, buf, len, flags, 0, 0);
}

static void test_stream(void)
{
	int sv[2];
	char buf[64];
	struct iovec iov[2];

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	/* Both ways; a stream joins writes. */
	CHECK_EQ(write(sv[0], "hello", 5), 5);
	CHECK_EQ(sys_send(sv[0], " world", 6, 0), 6);
	CHECK_EQ(sys_recv(sv[1], buf, sizeof(buf), MSG_PEEK), 11);
	CHECK_EQ(read(sv[1], buf, 3), 3);
	CHECK(!memcmp(buf, "hel", 3));
	iov[0] = (struct iovec){buf, 4};
	iov[1] = (struct iovec){buf + 4, 10};
	CHECK_EQ(readv(sv[1], iov, 2), 8);
	CHECK(!memcmp(buf, "lo world", 8));
	CHECK_ERR(sys_recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(write(sv[1], "back", 4), 4);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 4);
	/* Positional I/O: ESPIPE. */
	CHECK_ERR(SYS4(SYS_pread64, sv[0], buf, 1, 0), ESPIPE);
	/* MSG_WAITALL with all there. */
	CHECK_EQ(write(sv[0], "abcdef", 6), 6);
	CHECK_EQ(sys_recv(sv[1], buf, 6, MSG_WAITALL), 6);
	/* EFAULT leaves the data queued. */
	CHECK_EQ(write(sv[0], "xyz", 3), 3);
	CHECK_ERR(sys_recv(sv[1], (void *)8, 3, MSG_DONTWAIT), EFAULT);
	CHECK_EQ(sys_recv(sv[1], buf, 10, MSG_DONTWAIT), 3);
	CHECK_ERR(sys_send(sv[0], (void *)8, 3, 0), EFAULT);
	/* A named destination on a connected stream: EISCONN. */
	{
		struct sockaddr_un a = {AF_UNIX, "/nonexistent"};

		CHECK_ERR(SYS6(SYS_sendto, sv[0], "x", 1, 0, &a, sizeof(a)),
			  EISCONN);
	}
	CHECK_ERR(SYS2(SYS_listen, sv[0], 1), EINVAL);
	CHECK_ERR(SYS3(SYS_accept, sv[0], 0, 0), EINVAL);
	/* Shutdown: the peer reads EOF after the data; writes EPIPE. */
	CHECK_EQ(write(sv[0], "last", 4), 4);
	CHECK_OK(SYS2(SYS_shutdown, sv[0], SHUT_WR));
	CHECK_EQ(revents(sv[0]), POLLOUT);
	CHECK_EQ(revents(sv[1]), POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 4);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
	CHECK_EQ(sys_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_ERR(sys_send(sv[0], "x", 1, 0), EPIPE);
	CHECK_EQ(sigpipe_pending(), 1);
	CHECK_ERR(sys_send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ(sigpipe_pending(), 0);
	CHECK_ERR(SYS3(SYS_write, sv[0], "x", 1), EPIPE);
	CHECK_EQ(sigpipe_pending(), 1);
	CHECK_ERR(SYS2(SYS_shutdown, sv[0], 3), EINVAL);
	/* The other way still works; then SHUT_RD on the reader. */
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	CHECK_OK(SYS2(SYS_shutdown, sv[0], SHUT_RD));
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 3);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	CHECK_ERR(SYS3(SYS_write, sv[1], "x", 1), EPIPE);
	CHECK_EQ(sigpipe_pending(), 1);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	close(sv[0]);
	close(sv[1]);

	/* The peer closed with data unread by us: data, then EOF, EPIPE. */
	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	close(sv[1]);
	CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	CHECK_ERR(sys_send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 3);
	CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	close(sv[0]);
}

static void test_packets(int type)
{
	int sv[2], flags;
	char buf[64];
	struct msghdr mh;
	struct iovec iov;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, type, 0, sv));
	CHECK_EQ(write(sv[0], "one", 3), 3);
	CHECK_EQ(write(sv[0], "second", 6), 6);
	CHECK_EQ(sys_send(sv[0], "", 0, 0), 0);
	CHECK_EQ(sys_recv(sv[1], buf, sizeof(buf), MSG_PEEK), 3);
	CHECK_EQ(read(sv[1], buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "one", 3));
	/* A short read cuts the message; MSG_TRUNC gives its length. */
	CHECK_EQ(sys_recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC), 6);
	iov = (struct iovec){buf, 2};
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK_EQ(SYS3(SYS_recvmsg, sv[1], &mh, 0), 2);
	CHECK_EQ(mh.msg_flags, MSG_TRUNC);
	CHECK(!memcmp(buf, "se", 2));
	/* The empty message. */
	CHECK_EQ(sys_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	CHECK_ERR(sys_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(sys_send(sv[0], "x", 1, MSG_OOB), EOPNOTSUPP);
	CHECK_ERR(SYS2(SYS_listen, sv[0], 1),
		  type == SOCK_DGRAM ? EOPNOTSUPP : EINVAL);
	/* Too big for the send buffer. */
	{
		static char big[300000];

		CHECK_ERR(sys_send(sv[0], big, sizeof(big), 0), EMSGSIZE);
	}
	/* Own SHUT_WR: EPIPE, and no SIGPIPE for these types. */
	CHECK_OK(SYS2(SYS_shutdown, sv[0], SHUT_WR));
	CHECK_ERR(sys_send(sv[0], "x", 1, 0), EPIPE);
	CHECK_EQ(sigpipe_pending(), 0);
	flags = type == SOCK_SEQPACKET ? POLLIN | POLLRDHUP : 0;
	CHECK_EQ(revents(sv[1]), POLLOUT | flags);
	if (type == SOCK_SEQPACKET)
		CHECK_EQ(sys_recv(sv[1], buf, 1, MSG_DONTWAIT), 0);
	else
		CHECK_ERR(sys_recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);

	/*
	 * The peer closes: a datagram end is refused, then not connected,
	 * and loses what was queued.
	 */
	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, type, 0, sv));
	CHECK_EQ(write(sv[1], "abc", 3), 3);
	close(sv[1]);
	if (type == SOCK_DGRAM) {
		CHECK_ERR(sys_send(sv[0], "x", 1, 0), ECONNREFUSED);
		CHECK_ERR(sys_send(sv[0], "x", 1, 0), ENOTCONN);
		/* Disconnecting purged what the dead peer had sent. */
		CHECK_ERR(sys_recv(sv[0], buf, 1, MSG_DONTWAIT), EAGAIN);
	} else {
		CHECK_EQ(revents(sv[0]),
			 POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
		CHECK_ERR(sys_send(sv[0], "x", 1, 0), EPIPE);
		CHECK_EQ(sigpipe_pending(), 0);
		CHECK_EQ(read(sv[0], buf, sizeof(buf)), 3);
		CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0);
	}
	close(sv[0]);
}

/* Fill a non-blocking pair until EAGAIN, then drain it. */
static void test_full(int type)
{
	static char big[100000];
	int sv[2], n = 0;
	long r, total = 0;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, type | SOCK_NONBLOCK, 0, sv));
	CHECK_EQ(revents(sv[0]), POLLOUT);
	while ((r = sys_send(sv[0], big, type == SOCK_STREAM ? 100000 : 1000,
			     0)) > 0 &&
	       n < 100000) {
		total += r;
		n++;
	}
	CHECK_ERR(r, EAGAIN);
	CHECK(total > 50000);
	CHECK_EQ(revents(sv[0]), 0);
	CHECK_EQ(revents(sv[1]), POLLIN | POLLOUT);
	while (total > 0 && (r = sys_recv(sv[1], big, sizeof(big), 0)) > 0)
		total -= r;
	CHECK_EQ(total, 0);
	CHECK_ERR(sys_recv(sv[1], big, 1, 0), EAGAIN);
	CHECK_EQ(revents(sv[0]), POLLOUT);
	CHECK_EQ(sys_send(sv[0], "x", 1, 0), 1);
	close(sv[0]);
	close(sv[1]);
}

static long send_fds(int sock, const int *fds, int n, const char *data)
{
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr mh = {0};
	struct cmsghdr *c;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	return SYS3(SYS_sendmsg, sock, &mh, 0);
}

static void test_rights(int type)
{
	int sv[2], p[2], two[2];
	char buf[16], ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {0};
	struct cmsghdr *c;
	int got, got2, fl;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, type, 0, sv));
	CHECK_OK(pipe(p));
	/* A pipe's write end goes over and is used; the original closed. */
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "fd"), 2);
	close(p[1]);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(SYS3(SYS_recvmsg, sv[1], &mh, MSG_CMSG_CLOEXEC), 2);
	/* recvmsg reports MSG_CMSG_CLOEXEC back. */
	CHECK_EQ(mh.msg_flags, MSG_CMSG_CLOEXEC);
	CHECK_EQ(mh.msg_controllen, CMSG_SPACE(sizeof(int)));
	c = CMSG_FIRSTHDR(&mh);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_EQ(c->cmsg_level, SOL_SOCKET);
	CHECK_EQ(c->cmsg_type, SCM_RIGHTS);
	CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	CHECK(got >= 0);
	fl = fcntl(got, F_GETFD);
	CHECK_EQ(fl, FD_CLOEXEC);
	CHECK_EQ(write(got, "via", 3), 3);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	/* The last writer closes: EOF, so it was the same pipe. */
	close(got);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);

	/* Two fds, room for one: MSG_CTRUNC, the other one closed. */
	CHECK_OK(pipe(two));
	CHECK_EQ(send_fds(sv[0], two, 2, "xy"), 2);
	close(two[0]);
	close(two[1]);
	mh.msg_control = ctl;
	mh.msg_controllen = CMSG_LEN(sizeof(int));
	mh.msg_flags = 0;
	CHECK_EQ(SYS3(SYS_recvmsg, sv[1], &mh, 0), 2);
	CHECK_EQ(mh.msg_flags, MSG_CTRUNC);
	CHECK_EQ(mh.msg_controllen, CMSG_LEN(sizeof(int)));
	c = CMSG_FIRSTHDR(&mh);
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	CHECK_EQ(fcntl(got, F_GETFD), 0);
	/* got is the read end; its write end went with the message. */
	CHECK_EQ(read(got, buf, 1), 0);
	close(got);

	/* No control buffer: MSG_CTRUNC, nothing installed. */
	CHECK_EQ(send_fds(sv[0], &sv[0], 1, "z"), 1);
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	mh.msg_flags = 0;
	got = dup(0);
	close(got);
	CHECK_EQ(SYS3(SYS_recvmsg, sv[1], &mh, 0), 1);
	CHECK_EQ(mh.msg_flags, MSG_CTRUNC);
	got2 = dup(0);
	CHECK_EQ(got2, got); /* no new fd took the lowest slot */
	close(got2);

	/* Bad fds and bad control messages. */
	fl = 999;
	CHECK_ERR(send_fds(sv[0], &fl, 1, "z"), EBADF);
	{
		struct msghdr bad = {0};
		struct cmsghdr h = {4, SOL_SOCKET, SCM_RIGHTS};

		bad.msg_iov = &iov;
		bad.msg_iovlen = 1;
		bad.msg_control = &h;
		bad.msg_controllen = sizeof(h);
		CHECK_ERR(SYS3(SYS_sendmsg, sv[0], &bad, 0), EINVAL);
		h.cmsg_len = sizeof(h);
		h.cmsg_type = 99;
		CHECK_ERR(SYS3(SYS_sendmsg, sv[0], &bad, 0), EINVAL);
	}

	/* MSG_PEEK installs its own fds; the real read installs more. */
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "p"), 1);
	close(p[1]);
	for (int i = 0; i < 2; i++) {
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		mh.msg_flags = 0;
		CHECK_EQ(SYS3(SYS_recvmsg, sv[1], &mh, i ? 0 : MSG_PEEK), 1);
		CHECK_EQ(mh.msg_flags, 0);
		c = CMSG_FIRSTHDR(&mh);
		CHECK(c != NULL);
		if (!c)
			return;
		memcpy(i ? &got2 : &got, CMSG_DATA(c), sizeof(int));
	}
	CHECK(got != got2);
	CHECK_EQ(write(got, "1", 1), 1);
	CHECK_EQ(write(got2, "2", 1), 1);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
	close(got);
	close(got2);
	CHECK_EQ(read(p[0], buf, 1), 0);
	close(p[0]);

	/* A pipe in flight, dropped unread when the socket closes. */
	CHECK_OK(pipe(p));
	CHECK_EQ(send_fds(sv[0], &p[1], 1, "w"), 1);
	close(p[1]);
	close(sv[1]);
	close(sv[0]);
	CHECK_EQ(read(p[0], buf, 1), 0);
	close(p[0]);
}

static void test_options(void)
{
	int sv[2], v;
	socklen_t len;
	struct ucred cred;
	struct sockaddr_un a;
	struct stat st;
	char link[64], path[64];
	long n;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		      sv));
	CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
#define GETOPT(name, want)                                                     \
	do {                                                                   \
		len = sizeof(v);                                               \
		CHECK_OK(                                                      \
		    SYS5(SYS_getsockopt, sv[0], SOL_SOCKET, name, &v, &len));  \
		CHECK_EQ(len, sizeof(int));                                    \
		CHECK_EQ(v, want);                                             \
	} while (0)
	GETOPT(SO_TYPE, SOCK_SEQPACKET);
	GETOPT(SO_DOMAIN, AF_UNIX);
	GETOPT(SO_PROTOCOL, 0);
	GETOPT(SO_ERROR, 0);
	GETOPT(SO_ACCEPTCONN, 0);
	GETOPT(SO_SNDBUF, 212992);
	GETOPT(SO_RCVBUF, 212992);
	v = 10000;
	CHECK_OK(SYS5(SYS_setsockopt, sv[0], SOL_SOCKET, SO_SNDBUF, &v, 4));
	GETOPT(SO_SNDBUF, 20000);
	v = 1;
	CHECK_OK(SYS5(SYS_setsockopt, sv[0], SOL_SOCKET, SO_SNDBUF, &v, 4));
	GETOPT(SO_SNDBUF, 4608);
	v = 1;
	CHECK_OK(SYS5(SYS_setsockopt, sv[0], SOL_SOCKET, SO_RCVBUF, &v, 4));
	GETOPT(SO_RCVBUF, 2304);
	CHECK_ERR(SYS5(SYS_setsockopt, sv[0], SOL_SOCKET, SO_RCVBUF, &v, 2),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_setsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, 4),
		  ENOPROTOOPT);
	len = sizeof(v);
	CHECK_ERR(SYS5(SYS_getsockopt, sv[0], SOL_SOCKET, 999, &v, &len),
		  ENOPROTOOPT);
	len = 2;
	v = 0;
	CHECK_OK(SYS5(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
	CHECK_EQ(len, 2);
	CHECK_EQ(v, SOCK_SEQPACKET);
	len = sizeof(v);
	CHECK_ERR(SYS5(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, 8, &len),
		  EFAULT);
	len = sizeof(cred);
	CHECK_OK(
	    SYS5(SYS_getsockopt, sv[1], SOL_SOCKET, SO_PEERCRED, &cred, &len));
	CHECK_EQ(len, sizeof(cred));
	CHECK_EQ(cred.pid, getpid());
	CHECK_EQ(cred.uid, geteuid());
	CHECK_EQ(cred.gid, getegid());
	/* Unnamed: the family alone. */
	memset(&a, 0x55, sizeof(a));
	len = sizeof(a);
	CHECK_OK(SYS3(SYS_getsockname, sv[0], &a, &len));
	CHECK_EQ(len, 2);
	CHECK_EQ(a.sun_family, AF_UNIX);
	CHECK_EQ((unsigned char)a.sun_path[0], 0x55);
	len = 1;
	CHECK_OK(SYS3(SYS_getpeername, sv[0], &a, &len));
	CHECK_EQ(len, 2);
	CHECK_ERR(SYS3(SYS_getpeername, sv[0], &a, 8), EFAULT);
	/* fstat and /proc/self/fd. */
	CHECK_OK(fstat(sv[0], &st));
	CHECK_EQ(st.st_mode, S_IFSOCK | 0777);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sv[0]);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	if (n > 0) {
		char want[64];

		link[n] = 0;
		snprintf(want, sizeof(want), "socket:[%lu]",
			 (unsigned long)st.st_ino);
		CHECK(!strcmp(link, want));
	}
	/* Not sockets, no fds. */
	len = sizeof(v);
	CHECK_ERR(SYS5(SYS_getsockopt, 0, SOL_SOCKET, SO_TYPE, &v, &len),
		  ENOTSOCK);
	CHECK_ERR(SYS5(SYS_getsockopt, 999, SOL_SOCKET, SO_TYPE, &v, &len),
		  EBADF);
	CHECK_ERR(SYS2(SYS_shutdown, 0, SHUT_RD), ENOTSOCK);
	CHECK_ERR(SYS2(SYS_shutdown, 999, SHUT_RD), EBADF);
	CHECK_ERR(sys_send(0, "x", 1, 0), ENOTSOCK);
	CHECK_ERR(sys_recv(999, link, 1, 0), EBADF);
	close(sv[0]);
	close(sv[1]);
}

static void test_errors(void)
{
	int sv[2];

	CHECK_ERR(SYS4(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv),
		  EOPNOTSUPP);
	CHECK_ERR(SYS4(SYS_socketpair, 99, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	CHECK_ERR(SYS4(SYS_socketpair, AF_UNIX, 7, 0, sv), ESOCKTNOSUPPORT);
	CHECK_ERR(SYS4(SYS_socketpair, AF_UNIX, 11, 0, sv), EINVAL);
	CHECK_ERR(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM | 0x100, 0, sv),
		  EINVAL);
	CHECK_ERR(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 2, sv),
		  EPROTONOSUPPORT);
	CHECK_ERR(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8), EFAULT);
	/* SOCK_RAW is a datagram pair; protocol PF_UNIX is fine. */
	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_RAW, PF_UNIX, sv));
	{
		int v;
		socklen_t len = sizeof(v);

		CHECK_OK(
		    SYS5(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
		CHECK_EQ(v, SOCK_DGRAM);
	}
	close(sv[0]);
	close(sv[1]);
}

/* A blocked recv ends with EINTR when a handler without SA_RESTART runs. */
static void test_eintr(void)
{
	struct sigaction sa = {0};
	struct itimerval it = {{0, 0}, {0, 50000}};
	int sv[2];
	char c;

	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_ERR(sys_recv(sv[0], &c, 1, 0), EINTR);
	CHECK_EQ(alarms, 1);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	test_stream();
	test_packets(SOCK_SEQPACKET);
	test_packets(SOCK_DGRAM);
	test_full(SOCK_STREAM);
	test_full(SOCK_SEQPACKET);
	test_full(SOCK_DGRAM);
	test_rights(SOCK_STREAM);
	test_rights(SOCK_SEQPACKET);
	test_rights(SOCK_DGRAM);
	test_options();
	test_errors();
	test_eintr();
	return guest_done();
}
