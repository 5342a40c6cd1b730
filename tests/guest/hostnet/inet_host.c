// SPDX-License-Identifier: Apache-2.0
/*
 * IPv4 and IPv6 over the loopback, as `moat run --network=host` gives it
 * (host sockets made by the sentry) and natively: TCP listen, connect,
 * accept, data both ways, half-close, MSG_PEEK, MSG_WAITALL, a refused
 * connection, a non-blocking connect and SO_ERROR, EPIPE with SIGPIPE,
 * poll readiness, SO_RCVTIMEO, a blocked accept ended by a signal, names;
 * UDP send, receive, connect and MSG_TRUNC; options passed and options
 * refused; the address checks. Run with --network=host only: the
 * sandbox's own loopback (--network=none) has guest tests of its own.
 */
#include "guest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static short revents(int fd, short events)
{
	struct pollfd p = {fd, events, 0};

	poll(&p, 1, 0);
	return p.revents;
}

static long sys_recv(int fd, void *buf, size_t len, int flags)
{
	return SYS6(SYS_recvfrom, fd, buf, len, flags, 0, 0);
}

static long sys_send(int fd, const void *buf, size_t len, int flags)
{
	return SYS6(SYS_sendto, fd, buf, len, flags, 0, 0);
}

/* A listener on the loopback of family, its address in sa. */
static int listener(int family, struct sockaddr_storage *sa, socklen_t *len)
{
	int fd = (int)SYS3(SYS_socket, family, SOCK_STREAM, 0), one = 1;

	CHECK(fd >= 0);
	memset(sa, 0, sizeof(*sa));
	sa->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)sa)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)sa)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	}
	CHECK_OK(SYS5(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &one, 4));
	CHECK_OK(SYS3(SYS_bind, fd, sa, *len));
	CHECK_OK(SYS3(SYS_getsockname, fd, sa, len));
	CHECK_OK(SYS2(SYS_listen, fd, 8));
	return fd;
}

static void test_tcp(int family)
{
	struct sockaddr_storage sa, peer, name;
	socklen_t len, plen = sizeof(peer), nlen = sizeof(name);
	int l = listener(family, &sa, &len), c, a, v = 0;
	socklen_t vlen = sizeof(v);
	char buf[64];

	c = (int)SYS3(SYS_socket, family, SOCK_STREAM, 0);
	CHECK_OK(SYS3(SYS_connect, c, &sa, len));
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), EISCONN);
	CHECK(revents(l, POLLIN) & POLLIN);
	a = (int)SYS4(SYS_accept4, l, &peer, &plen, SOCK_CLOEXEC);
	CHECK(a >= 0);
	CHECK_EQ(plen, len);
	CHECK_OK(SYS3(SYS_getsockname, c, &name, &nlen));
	CHECK(!memcmp(&name, &peer, len)); /* the client's own address */
	nlen = sizeof(name);
	CHECK_OK(SYS3(SYS_getpeername, c, &name, &nlen));
	CHECK(!memcmp(&name, &sa, len));
	CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
	/* Options: kept by the host, read back. */
	v = 1;
	CHECK_OK(SYS5(SYS_setsockopt, c, IPPROTO_TCP, TCP_NODELAY, &v, 4));
	v = 0;
	CHECK_OK(SYS5(SYS_getsockopt, c, IPPROTO_TCP, TCP_NODELAY, &v, &vlen));
	CHECK_EQ(v, 1);
	vlen = sizeof(v);
	CHECK_OK(SYS5(SYS_getsockopt, l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vlen));
	CHECK_EQ(v, 1);
	CHECK_OK(SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_TYPE, &v, &vlen));
	CHECK_EQ(v, SOCK_STREAM);
	CHECK_OK(SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_PROTOCOL, &v, &vlen));
	CHECK_EQ(v, IPPROTO_TCP);
	CHECK_OK(SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_DOMAIN, &v, &vlen));
	CHECK_EQ(v, family);
	/* Data both ways; peek; waitall. */
	CHECK_EQ(revents(a, POLLIN | POLLOUT), POLLOUT);
	CHECK_EQ(sys_send(c, "hello world", 11, 0), 11);
	for (int i = 0; i < 100 && !(revents(a, POLLIN) & POLLIN); i++)
		usleep(1000);
	CHECK_EQ(sys_recv(a, buf, 5, MSG_PEEK), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_EQ(sys_recv(a, buf, 11, MSG_WAITALL), 11);
	CHECK(!memcmp(buf, "hello world", 11));
	v = 0;
	CHECK_OK(SYS3(SYS_ioctl, a, FIONREAD, &v));
	CHECK_EQ(v, 0);
	CHECK_EQ(write(a, "back", 4), 4);
	CHECK_EQ(read(c, buf, sizeof(buf)), 4);
	CHECK_ERR(sys_recv(c, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* Half-close: end of file on the other side, which still sends. */
	CHECK_OK(SYS2(SYS_shutdown, c, SHUT_WR));
	CHECK_EQ(sys_recv(a, buf, sizeof(buf), 0), 0);
	CHECK_EQ(sys_send(a, "x", 1, 0), 1);
	CHECK_EQ(sys_recv(c, buf, 1, 0), 1);
	CHECK_ERR(SYS2(SYS_shutdown, c, 7), EINVAL);
	close(a);
	close(c);
	close(l);
}

static void test_tcp_errors(void)
{
	struct sockaddr_storage sa;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	socklen_t len, elen;
	int l = listener(AF_INET, &sa, &len), c, a, err = -1;
	struct timeval tv = {0, 50000};
	char buf[4096];

	/* A non-blocking connect: EINPROGRESS, writable, SO_ERROR 0. */
	c = (int)SYS3(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	long r = SYS3(SYS_connect, c, &sa, len);
	CHECK(r == 0 || r == -EINPROGRESS);
	{
		struct pollfd p = {c, POLLOUT, 0};

		CHECK_EQ(poll(&p, 1, 5000), 1);
	}
	elen = sizeof(err);
	CHECK_OK(SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_ERROR, &err, &elen));
	CHECK_EQ(err, 0);
	a = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(a >= 0);
	/* SO_RCVTIMEO: EAGAIN after it. */
	CHECK_OK(
	    SYS5(SYS_setsockopt, a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	CHECK_ERR(sys_recv(a, buf, sizeof(buf), 0), EAGAIN);
	/* Closed by the peer: EPIPE and SIGPIPE, or not with MSG_NOSIGNAL. */
	close(c);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 50; i++)
		if (sys_send(a, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
			break;
	CHECK_ERR(sys_send(a, buf, 1, MSG_NOSIGNAL), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(a);

	/* Nobody listens: refused, blocking or not. */
	close(l);
	c = (int)SYS3(SYS_socket, AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), ECONNREFUSED);
	close(c);
	c = (int)SYS3(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = SYS3(SYS_connect, c, &sa, len);
	if (r == -EINPROGRESS) {
		struct pollfd p = {c, POLLOUT, 0};

		CHECK_EQ(poll(&p, 1, 5000), 1);
		elen = sizeof(err);
		CHECK_OK(
		    SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_ERROR, &err, &elen));
		CHECK_EQ(err, ECONNREFUSED);
	} else {
		CHECK_EQ(r, -ECONNREFUSED);
	}
	close(c);

	/* Addresses: too short, another family. */
	c = (int)SYS3(SYS_socket, AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(SYS3(SYS_bind, c, &sa, 8), EINVAL);
	CHECK_ERR(SYS3(SYS_bind, c, &un, sizeof(un)), EAFNOSUPPORT);
	CHECK_ERR(SYS3(SYS_connect, c, &un, sizeof(un)), EAFNOSUPPORT);
	CHECK_ERR(SYS3(SYS_connect, c, &sa, 1), EINVAL);
	close(c);
	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_UDP),
		  EPROTONOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_SEQPACKET, 0),
		  ESOCKTNOSUPPORT);
}

/* A blocked accept ended by a signal: EINTR without SA_RESTART. */
static void test_interrupt(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct sockaddr_storage addr;
	struct itimerval it = {{0, 0}, {0, 100000}};
	socklen_t len;
	int l = listener(AF_INET, &addr, &len);

	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(SYS3(SYS_accept, l, 0, 0), EINTR);
	CHECK_EQ(alarms, 1);
	close(l);
}

static void test_udp(int family)
{
	struct sockaddr_storage sa, from;
	socklen_t len, flen = sizeof(from);
	int s = (int)SYS3(SYS_socket, family, SOCK_DGRAM, 0);
	int c = (int)SYS3(SYS_socket, family, SOCK_DGRAM, 0), v = 0;
	socklen_t vlen = sizeof(v);
	char buf[64];

	memset(&sa, 0, sizeof(sa));
	sa.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)&sa)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&sa)->sin6_addr = in6addr_loopback;
		len = sizeof(struct sockaddr_in6);
	}
	CHECK_OK(SYS3(SYS_bind, s, &sa, len));
	CHECK_OK(SYS3(SYS_getsockname, s, &sa, &len));
	CHECK_EQ(SYS6(SYS_sendto, c, "datagram", 8, 0, &sa, len), 8);
	for (int i = 0; i < 100 && !(revents(s, POLLIN) & POLLIN); i++)
		usleep(1000);
	/* Cut short: MSG_TRUNC, the real length with it asked. */
	CHECK_EQ(sys_recv(s, buf, 4, MSG_PEEK | MSG_TRUNC), 8);
	CHECK_EQ(SYS6(SYS_recvfrom, s, buf, 4, 0, &from, &flen), 4);
	CHECK(!memcmp(buf, "data", 4));
	CHECK_EQ(flen, len);
	CHECK_ERR(sys_recv(s, buf, 4, MSG_DONTWAIT), EAGAIN);
	/* Connected: send and receive without addresses. */
	CHECK_OK(SYS3(SYS_connect, c, &sa, len));
	CHECK_EQ(sys_send(c, "two", 3, 0), 3);
	CHECK_EQ(sys_recv(s, buf, sizeof(buf), 0), 3);
	CHECK_OK(SYS5(SYS_getsockopt, c, SOL_SOCKET, SO_PROTOCOL, &v, &vlen));
	CHECK_EQ(v, IPPROTO_UDP);
	if (family == AF_INET6) {
		int c6 = (int)SYS3(SYS_socket, family, SOCK_DGRAM, 0);

		v = 1;
		CHECK_OK(
		    SYS5(SYS_setsockopt, c6, IPPROTO_IPV6, IPV6_V6ONLY, &v, 4));
		v = 0;
		vlen = sizeof(v);
		CHECK_OK(SYS5(SYS_getsockopt, c6, IPPROTO_IPV6, IPV6_V6ONLY, &v,
			      &vlen));
		CHECK_EQ(v, 1);
		close(c6);
	}
	/* A level that is not this socket's. */
	vlen = sizeof(v);
	CHECK_ERR(SYS5(SYS_getsockopt, s, IPPROTO_TCP, TCP_NODELAY, &v, &vlen),
		  family == AF_INET ? EOPNOTSUPP : ENOPROTOOPT);
	close(s);
	close(c);
}

int main(void)
{
	long fd = SYS3(SYS_socket, AF_INET, SOCK_STREAM, 0);

	if (fd == -EAFNOSUPPORT) {
		printf("skip: no AF_INET here\n");
		return 0;
	}
	close((int)fd);
	test_tcp(AF_INET);
	test_tcp(AF_INET6);
	test_tcp_errors();
	test_interrupt();
	test_udp(AF_INET);
	test_udp(AF_INET6);
	return guest_done();
}
