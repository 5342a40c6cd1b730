// SPDX-License-Identifier: Apache-2.0
/*
 * TCP over loopback, IPv4 and IPv6: socket(2)'s errors, bind's (EINVAL,
 * EAFNOSUPPORT, EADDRNOTAVAIL, EADDRINUSE, EACCES), connect, listen and
 * accept with names, the backlog (a connect beyond it waits until accept
 * makes room), non-blocking connect (EINPROGRESS, EALREADY, SO_ERROR,
 * ECONNREFUSED), data with MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_DONTWAIT
 * and FIONREAD, half-close, resets (close with unread data, SO_LINGER 0,
 * connect(AF_UNSPEC)) with ECONNRESET, then EPIPE and SIGPIPE, full
 * buffers (EAGAIN, poll), urgent data, dual-stack listeners and
 * IPV6_V6ONLY, SO_REUSEADDR and SO_REUSEPORT, and poll and epoll waking.
 */
#include "inet.h"
#include "proc.h"

#include <sys/epoll.h>
#include <sys/wait.h>

static void check_socket_errors(void)
{
	int sv[2];

	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_UDP),
		  EPROTONOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_INET6, SOCK_DGRAM, IPPROTO_TCP),
		  EPROTONOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_SEQPACKET, 0),
		  ESOCKTNOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_INET6, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_STREAM, 300), EINVAL);
	CHECK_ERR(SYS3(SYS_socket, AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	CHECK_ERR(SYS4(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv),
		  EOPNOTSUPP);
	CHECK_ERR(SYS4(SYS_socketpair, AF_INET6, SOCK_DGRAM, 0, sv),
		  EOPNOTSUPP);
}

static void check_bind(int family)
{
	union inet_sa a, b;
	socklen_t len = sa_make(&a, family, 0, 0), blen;
	int fd = socket(family, SOCK_STREAM, 0), fd2, port;

	/* Short, wrong family, not ours. */
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len - 5), EINVAL);
	a.sa.sa_family = family == AF_INET ? AF_INET6 : AF_INET;
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EAFNOSUPPORT);
	sa_make(&a, family, 0, 0);
	if (family == AF_INET)
		a.in.sin_addr.s_addr = inet_addr("10.9.9.9");
	else
		inet_pton(AF_INET6, "2001:db8::1", &a.in6.sin6_addr);
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EADDRNOTAVAIL);
	/* An unbound socket's name: the wildcard, port 0. */
	blen = sizeof(b);
	CHECK_OK(SYS3(SYS_getsockname, fd, &b, &blen));
	CHECK_EQ(blen, len);
	CHECK_EQ(b.sa.sa_family, family);
	CHECK_EQ(sa_port(&b), 0);
	CHECK_ERR(SYS3(SYS_getpeername, fd, &b, &blen), ENOTCONN);
	/* Port 0: an ephemeral one; binding again is EINVAL. */
	sa_make(&a, family, 0, 0);
	CHECK_OK(SYS3(SYS_bind, fd, &a, len));
	port = local_port(fd);
	CHECK(port >= 1024);
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EINVAL);
	blen = sizeof(b);
	CHECK_OK(SYS3(SYS_getsockname, fd, &b, &blen));
	if (family == AF_INET)
		CHECK_EQ(b.in.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	else
		CHECK(IN6_IS_ADDR_LOOPBACK(&b.in6.sin6_addr));
	/* Its port again: EADDRINUSE, also for the wildcard. */
	fd2 = socket(family, SOCK_STREAM, 0);
	sa_make(&a, family, port, 0);
	CHECK_ERR(SYS3(SYS_bind, fd2, &a, len), EADDRINUSE);
	sa_make(&a, family, port, 1);
	CHECK_ERR(SYS3(SYS_bind, fd2, &a, len), EADDRINUSE);
	close(fd2);
	close(fd);
	/* AF_INET takes AF_UNSPEC with the any address. */
	if (family == AF_INET) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		sa_make(&a, AF_INET, 0, 1);
		a.sa.sa_family = AF_UNSPEC;
		CHECK_OK(SYS3(SYS_bind, fd, &a, sizeof(a.in)));
		close(fd);
	}
}

/* Ports below 1024 need CAP_NET_BIND_SERVICE: a child without it. */
static void check_privileged_port(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		union inet_sa a;
		socklen_t len = sa_make(&a, AF_INET, 1023, 0);
		int fd;

		if (setresuid(65534, 65534, 65534))
			child_exit();
		fd = socket(AF_INET, SOCK_STREAM, 0);
		CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EACCES);
		len = sa_make(&a, AF_INET6, 80, 0);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EACCES);
		child_exit();
	}
	CHECK_EQ(reap(pid), 0);
}

static void check_connect_accept(int family)
{
	union inet_sa a, b;
	socklen_t alen, blen;
	int port, l = listener(family, 4, &port), c, s, s2;
	char buf[64];

	CHECK_EQ(int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CHECK_ERR(SYS_RECV(l, buf, 1, 0), ENOTCONN);
	CHECK_ERR(SYS3(SYS_getpeername, l, &a, &alen), ENOTCONN);
	c = connected(family, port);
	CHECK_EQ(int_opt(c, SOL_SOCKET, SO_ACCEPTCONN), 0);
	alen = sizeof(a);
	s = (int)SYS4(SYS_accept4, l, &a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s >= 0);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(alen, family == AF_INET ? sizeof(a.in) : sizeof(a.in6));
	CHECK_EQ(sa_port(&a), local_port(c));
	/* Names agree across the connection. */
	blen = sizeof(b);
	CHECK_OK(SYS3(SYS_getpeername, c, &b, &blen));
	CHECK_EQ(sa_port(&b), port);
	CHECK_EQ(local_port(s), port);
	blen = sizeof(b);
	CHECK_OK(SYS3(SYS_getpeername, s, &b, &blen));
	CHECK_EQ(sa_port(&b), local_port(c));
	/* Connected: connect again, listen, accept. */
	sa_make(&a, family, port, 0);
	alen = family == AF_INET ? sizeof(a.in) : sizeof(a.in6);
	CHECK_ERR(SYS3(SYS_connect, c, &a, alen), EISCONN);
	CHECK_ERR(SYS2(SYS_listen, c, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_accept, c, NULL, NULL), EINVAL);
	CHECK_ERR(SYS3(SYS_connect, l, &a, alen), EISCONN);
	/* Nothing more to accept. */
	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_accept, l, NULL, NULL), EAGAIN);
	/* Data both ways. */
	CHECK_EQ(write(c, "hello", 5), 5);
	CHECK_EQ(revents_of(s, POLLIN, 1000) & POLLIN, POLLIN);
	CHECK_EQ(read(s, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_EQ(write(s, "world!", 6), 6);
	CHECK_EQ(read(c, buf, sizeof(buf)), 6);
	CHECK_ERR(SYS_RECV(s, buf, 1, 0), EAGAIN);
	CHECK_ERR(SYS_RECV(c, buf, 1, MSG_DONTWAIT), EAGAIN);
	/* accept without an address; TCP_INFO's states. */
	s2 = connected(family, port);
	CHECK_EQ(revents_of(l, POLLIN, 1000), POLLIN);
	{
		int s3 = (int)SYS3(SYS_accept, l, NULL, NULL);
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		CHECK(s3 >= 0);
		CHECK_OK(
		    SYS5(SYS_getsockopt, s3, IPPROTO_TCP, TCP_INFO, &ti, &tl));
		CHECK_EQ(ti.tcpi_state, TCP_ESTABLISHED);
		tl = sizeof(ti);
		CHECK_OK(
		    SYS5(SYS_getsockopt, l, IPPROTO_TCP, TCP_INFO, &ti, &tl));
		CHECK_EQ(ti.tcpi_state, TCP_LISTEN);
		close(s3);
	}
	close(s2);
	close(c);
	close(s);
	close(l);
}

static void check_data(int family)
{
	char buf[64];
	int c, s, n;

	tcp_pair(family, &c, &s);
	CHECK_EQ(write(c, "abcdef", 6), 6);
	CHECK_EQ(revents_of(s, POLLIN, 1000), POLLIN);
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 6);
	CHECK_EQ(SYS_RECV(s, buf, 3, MSG_PEEK), 3);
	CHECK(!memcmp(buf, "abc", 3));
	CHECK_EQ(SYS_RECV(s, buf, 64, MSG_PEEK), 6);
	CHECK_EQ(SYS_RECV(s, NULL, 2, MSG_TRUNC), 2); /* discarded */
	CHECK_EQ(SYS_RECV(s, buf, 64, 0), 4);
	CHECK(!memcmp(buf, "cdef", 4));
	CHECK_OK(ioctl(s, FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_OK(ioctl(c, SIOCOUTQ, &n));
	CHECK_EQ(n, 0);
	/* MSG_WAITALL gathers writes made later by a child. */
	pid_t pid = spawn();

	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			msleep(10);
			CHECK_EQ(write(c, "0123", 4), 4);
		}
		child_exit();
	}
	CHECK_EQ(SYS_RECV(s, buf, 16, MSG_WAITALL), 16);
	CHECK(!memcmp(buf, "0123012301230123", 16));
	CHECK_EQ(reap(pid), 0);
	close(c);
	close(s);
}

static void check_half_close(int family)
{
	char buf[16];
	int c, s;

	tcp_pair(family, &c, &s);
	CHECK_OK(SYS2(SYS_shutdown, c, SHUT_WR));
	CHECK_EQ(revents_of(s, POLLIN | POLLRDHUP, 1000), POLLIN | POLLRDHUP);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	/* The other way still works. */
	CHECK_EQ(write(s, "back", 4), 4);
	CHECK_EQ(read(c, buf, sizeof(buf)), 4);
	CHECK_ERR(SYS_SEND(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ(revents_of(c, POLLOUT, 0) & (POLLHUP | POLLOUT), POLLOUT);
	/* Both shut: a hang-up on both sides. */
	CHECK_OK(SYS2(SYS_shutdown, s, SHUT_WR));
	CHECK_EQ(revents_of(c, POLLIN, 1000) & (POLLIN | POLLHUP),
		 POLLIN | POLLHUP);
	CHECK_EQ(read(c, buf, sizeof(buf)), 0);
	CHECK_ERR(SYS2(SYS_shutdown, c, 3), EINVAL);
	close(c);
	close(s);
}

static void check_reset(int family)
{
	char buf[16];
	int c, s;

	/* Closing with unread data resets the peer: what it had queued
	 * is still read first, then ECONNRESET, then EOF and EPIPE. */
	tcp_pair(family, &c, &s);
	CHECK_EQ(write(c, "unread", 6), 6);
	CHECK_EQ(revents_of(s, POLLIN, 1000), POLLIN);
	CHECK_EQ(write(s, "queued", 6), 6);
	CHECK_EQ(revents_of(c, POLLIN, 1000), POLLIN);
	close(s);
	CHECK_EQ(revents_of(c, POLLIN, 1000) & (POLLERR | POLLHUP | POLLIN),
		 POLLERR | POLLHUP | POLLIN);
	CHECK_EQ(read(c, buf, sizeof(buf)), 6);
	CHECK_ERR(SYS_RECV(c, buf, sizeof(buf), 0), ECONNRESET);
	CHECK_EQ(read(c, buf, sizeof(buf)), 0);
	CHECK_ERR(SYS3(SYS_getpeername, c, buf, &(socklen_t){16}), ENOTCONN);
	CHECK_ERR(SYS_SEND(c, "x", 1, 0), EPIPE);
	CHECK(sigpipe_taken());
	CHECK_ERR(SYS_SEND(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK(!sigpipe_taken());
	close(c);

	/* The reset is reported to a write too, without SIGPIPE. */
	tcp_pair(family, &c, &s);
	CHECK_EQ(write(c, "x", 1), 1);
	CHECK_EQ(revents_of(s, POLLIN, 1000), POLLIN);
	close(s);
	CHECK_EQ(revents_of(c, POLLERR, 1000) & POLLERR, POLLERR);
	CHECK_ERR(SYS_SEND(c, "x", 1, 0), ECONNRESET);
	CHECK(!sigpipe_taken());
	CHECK_ERR(SYS_SEND(c, "x", 1, 0), EPIPE);
	CHECK(sigpipe_taken());
	close(c);

	/* SO_LINGER with a zero timeout: a reset, even with nothing
	 * unread. */
	tcp_pair(family, &c, &s);
	{
		struct linger lg = {1, 0};

		CHECK_OK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	}
	close(s);
	CHECK_EQ(revents_of(c, POLLIN, 1000) & POLLERR, POLLERR);
	CHECK_EQ(sock_error(c), ECONNRESET);
	CHECK_EQ(sock_error(c), 0);
	CHECK_EQ(read(c, buf, sizeof(buf)), 0);
	close(c);

	/* connect(AF_UNSPEC) drops the connection with a reset. */
	tcp_pair(family, &c, &s);
	{
		struct sockaddr unspec = {.sa_family = AF_UNSPEC};

		CHECK_OK(SYS3(SYS_connect, c, &unspec, sizeof(unspec)));
	}
	CHECK_EQ(revents_of(s, POLLIN, 1000) & POLLERR, POLLERR);
	CHECK_ERR(SYS_RECV(s, buf, sizeof(buf), 0), ECONNRESET);
	CHECK_ERR(SYS3(SYS_getpeername, c, buf, &(socklen_t){16}), ENOTCONN);
	close(c);
	close(s);

	/* A peer that closed normally: the first write is taken (and
	 * draws a reset), the next is EPIPE with SIGPIPE. */
	tcp_pair(family, &c, &s);
	close(s);
	CHECK_EQ(revents_of(c, POLLRDHUP, 1000), POLLRDHUP);
	CHECK_EQ(read(c, buf, sizeof(buf)), 0);
	CHECK_EQ(write(c, "x", 1), 1);
	msleep(20);
	CHECK_ERR(SYS_SEND(c, "x", 1, 0), EPIPE);
	CHECK(sigpipe_taken());
	CHECK_ERR(SYS_SEND(c, "x", 1, 0), EPIPE);
	CHECK(sigpipe_taken());
	close(c);
}

static void check_unconnected(int family)
{
	union inet_sa a;
	socklen_t len;
	char buf[4];
	int fd = socket(family, SOCK_STREAM, 0);

	CHECK_ERR(SYS_RECV(fd, buf, 1, 0), ENOTCONN);
	CHECK_ERR(SYS_SEND(fd, "x", 1, 0), EPIPE);
	CHECK(sigpipe_taken());
	len = sa_make(&a, family, 9, 0);
	CHECK_ERR(SYS6(SYS_sendto, fd, "x", 1, MSG_NOSIGNAL, &a, len), EPIPE);
	CHECK_ERR(SYS2(SYS_shutdown, fd, SHUT_RDWR), ENOTCONN);
	CHECK_ERR(SYS3(SYS_accept, fd, NULL, NULL), EINVAL);
	/* A fresh socket is writable and hung up. */
	CHECK_EQ(revents_of(fd, POLLOUT, 0) & (POLLOUT | POLLHUP),
		 POLLOUT | POLLHUP);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, 1), EINVAL);
	close(fd);
}

static void check_refused(int family)
{
	union inet_sa a;
	socklen_t len;
	int port, closed = bound(family, SOCK_STREAM, 0, &port), fd;

	/* A port bound but not listening refuses. */
	len = sa_make(&a, family, port, 0);
	fd = socket(family, SOCK_STREAM, 0);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), ECONNREFUSED);
	CHECK_EQ(sock_error(fd), 0);
	CHECK_ERR(SYS3(SYS_getpeername, fd, &a, &len), ENOTCONN);
	close(fd);
	/* Non-blocking: EINPROGRESS, then the error. */
	len = sa_make(&a, family, port, 0);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), EINPROGRESS);
	CHECK_EQ(revents_of(fd, POLLOUT, 1000) & (POLLOUT | POLLERR | POLLHUP),
		 POLLOUT | POLLERR | POLLHUP);
	CHECK_EQ(sock_error(fd), ECONNREFUSED);
	CHECK_EQ(sock_error(fd), 0);
	close(fd);
	/* connect reports it too, once, then tries anew. */
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), EINPROGRESS);
	CHECK(revents_of(fd, POLLOUT, 1000) & POLLERR);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), ECONNREFUSED);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), EINPROGRESS);
	close(fd);
	close(closed);
}

/* Loopback is the only way out: a connect elsewhere is ENETUNREACH
 * where the machine has no route (the sandbox; a host may have one). */
static void check_unreachable(void)
{
	union inet_sa a;
	socklen_t len = sa_make(&a, AF_INET, 9, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	long r;

	a.in.sin_addr.s_addr = inet_addr("10.255.255.1");
	r = SYS3(SYS_connect, u, &a, len);
	if (r == -ENETUNREACH)
		CHECK_ERR(SYS3(SYS_connect, fd, &a, len), ENETUNREACH);
	else
		CHECK_OK(r);
	close(u);
	close(fd);
}

static void check_nonblocking_connect(int family)
{
	union inet_sa a;
	socklen_t len;
	int port, l = listener(family, 4, &port), fd, s;

	len = sa_make(&a, family, port, 0);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), EINPROGRESS);
	CHECK_EQ(revents_of(fd, POLLOUT, 1000), POLLOUT);
	CHECK_EQ(sock_error(fd), 0);
	CHECK_OK(SYS3(SYS_connect, fd, &a, len));
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), EISCONN);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(s);
	close(fd);
	close(l);
}

/* listen(0) queues one connection; the next waits until accept. */
static void check_backlog(int family)
{
	union inet_sa a;
	socklen_t len;
	int port, l = listener(family, 0, &port), c1, c2, s;
	char buf[4];

	c1 = connected(family, port);
	len = sa_make(&a, family, port, 0);
	c2 = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(SYS3(SYS_connect, c2, &a, len), EINPROGRESS);
	msleep(20);
	CHECK_EQ(revents_of(c2, POLLOUT, 0), 0);
	CHECK_ERR(SYS_SEND(c2, "x", 1, MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(SYS3(SYS_connect, c2, &a, len), EALREADY);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(s);
	/* Linux's client sends its SYN again after a second. */
	CHECK_EQ(revents_of(c2, POLLOUT, 5000), POLLOUT);
	CHECK_EQ(sock_error(c2), 0);
	CHECK_EQ(write(c2, "ok", 2), 2);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	close(s);
	close(c1);
	close(c2);
	/* A listener's close resets what it had not accepted. */
	c1 = connected(family, port);
	CHECK_EQ(revents_of(l, POLLIN, 1000), POLLIN);
	close(l);
	CHECK_EQ(revents_of(c1, POLLIN, 1000) & POLLERR, POLLERR);
	CHECK_ERR(SYS_RECV(c1, buf, 1, 0), ECONNRESET);
	close(c1);
	/* shutdown(SHUT_RD) stops a listener: accept is EINVAL. */
	l = listener(family, 4, &port);
	CHECK_OK(SYS2(SYS_shutdown, l, SHUT_WR));
	CHECK_EQ(int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CHECK_OK(SYS2(SYS_shutdown, l, SHUT_RD));
	CHECK_ERR(SYS3(SYS_accept, l, NULL, NULL), EINVAL);
	CHECK_EQ(int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 0);
	close(l);
}

static void check_full_buffers(int family)
{
	static char chunk[65536], sink[65536];
	long total = 0, got = 0, r;
	int c, s;

	tcp_pair(family, &c, &s);
	CHECK_OK(set_int(c, SOL_SOCKET, SO_SNDBUF, 16384));
	CHECK_OK(set_int(s, SOL_SOCKET, SO_RCVBUF, 16384));
	fcntl(c, F_SETFL, O_NONBLOCK);
	while ((r = SYS_SEND(c, chunk, sizeof(chunk), 0)) > 0 &&
	       total < (64 << 20))
		total += r;
	CHECK_ERR(r, EAGAIN);
	CHECK(total > 0 && total < (64 << 20));
	CHECK_EQ(revents_of(c, POLLOUT, 0), 0);
	/* A blocking write waits for room: a child reads. */
	pid_t pid = spawn();

	if (pid == 0) {
		long n = 0;

		msleep(50);
		while (n < total + 100 && (r = read(s, sink, sizeof(sink))) > 0)
			n += r;
		CHECK_EQ(n, total + 100);
		child_exit();
	}
	fcntl(c, F_SETFL, 0);
	CHECK_EQ(write(c, chunk, 100), 100);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(revents_of(c, POLLOUT, 1000), POLLOUT);
	(void)got;
	close(c);
	close(s);
}

static void check_urgent(int family)
{
	char buf[16];
	int c, s, at;

	tcp_pair(family, &c, &s);
	CHECK_OK(set_int(c, IPPROTO_TCP, TCP_NODELAY, 1));
	CHECK_ERR(SYS_RECV(s, buf, 1, MSG_OOB), EINVAL);
	CHECK_EQ(write(c, "abc", 3), 3);
	CHECK_EQ(SYS_SEND(c, "X", 1, MSG_OOB), 1);
	CHECK_EQ(write(c, "def", 3), 3);
	CHECK(revents_of(s, POLLPRI, 1000) & POLLPRI);
	msleep(20);
	CHECK_OK(ioctl(s, SIOCATMARK, &at));
	CHECK_EQ(at, 0);
	/* A read stops at the mark. */
	CHECK_EQ(read(s, buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "abc", 3));
	CHECK_OK(ioctl(s, SIOCATMARK, &at));
	CHECK_EQ(at, 1);
	CHECK_EQ(SYS_RECV(s, buf, 1, MSG_OOB | MSG_PEEK), 1);
	CHECK_EQ(SYS_RECV(s, buf, sizeof(buf), MSG_OOB), 1);
	CHECK_EQ(buf[0], 'X');
	CHECK_ERR(SYS_RECV(s, buf, 1, MSG_OOB), EINVAL);
	CHECK_EQ(SYS_RECV(s, buf, 3, MSG_WAITALL), 3);
	CHECK(!memcmp(buf, "def", 3));
	/* SO_OOBINLINE: the byte stays in the stream. */
	CHECK_OK(set_int(s, SOL_SOCKET, SO_OOBINLINE, 1));
	CHECK_EQ(write(c, "gh", 2), 2);
	CHECK_EQ(SYS_SEND(c, "Y", 1, MSG_OOB), 1);
	CHECK_EQ(write(c, "ij", 2), 2);
	CHECK(revents_of(s, POLLPRI, 1000) & POLLPRI);
	msleep(20);
	CHECK_ERR(SYS_RECV(s, buf, 1, MSG_OOB), EINVAL);
	CHECK_EQ(read(s, buf, sizeof(buf)), 2);
	CHECK(!memcmp(buf, "gh", 2));
	CHECK_EQ(SYS_RECV(s, buf, 3, MSG_WAITALL), 3);
	CHECK(!memcmp(buf, "Yij", 3));
	close(c);
	close(s);
}

static void check_dual_stack(void)
{
	union inet_sa a, b;
	socklen_t len, blen;
	int port, l = bound(AF_INET6, SOCK_STREAM, 1, &port), c, s, fd;

	CHECK_EQ(int_opt(l, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	CHECK_OK(listen(l, 4));
	/* An IPv4 client of a :: listener. */
	c = connected(AF_INET, port);
	len = sizeof(a);
	s = accept(l, &a.sa, &len);
	CHECK(s >= 0);
	CHECK_EQ(len, sizeof(a.in6));
	CHECK_EQ(a.sa.sa_family, AF_INET6);
	CHECK(IN6_IS_ADDR_V4MAPPED(&a.in6.sin6_addr));
	CHECK_EQ(a.in6.sin6_addr.s6_addr[15], 1);
	CHECK_EQ(sa_port(&a), local_port(c));
	blen = sizeof(b);
	CHECK_OK(getsockname(s, &b.sa, &blen));
	CHECK(IN6_IS_ADDR_V4MAPPED(&b.in6.sin6_addr));
	blen = sizeof(b);
	CHECK_OK(getpeername(c, &b.sa, &blen));
	CHECK_EQ(blen, sizeof(b.in));
	CHECK_EQ(b.in.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CHECK_EQ(write(c, "4", 1), 1);
	CHECK_EQ(read(s, a.ss.__ss_padding, 1), 1);
	close(c);
	close(s);
	/* An IPv6 client too, and a v4-mapped one. */
	c = connected(AF_INET6, port);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(c);
	close(s);
	len = sa_make(&a, AF_INET6, port, 0);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.in6.sin6_addr);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_OK(connect(c, &a.sa, len));
	close(c);
	/* The :: listener holds the port for IPv4 too. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	len = sa_make(&a, AF_INET, port, 0);
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EADDRINUSE);
	close(fd);
	close(l);

	/* IPV6_V6ONLY: IPv4 is left to others. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_OK(set_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	len = sa_make(&a, AF_INET6, 0, 1);
	CHECK_OK(bind(l, &a.sa, len));
	CHECK_ERR(set_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 0), EINVAL);
	port = local_port(l);
	CHECK_OK(listen(l, 4));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	len = sa_make(&a, AF_INET, port, 0);
	CHECK_ERR(SYS3(SYS_connect, fd, &a, len), ECONNREFUSED);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_OK(SYS3(SYS_bind, fd, &a, len));
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	len = sa_make(&a, AF_INET6, port, 0);
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EADDRINUSE);
	close(fd);
	/* A v4-mapped address on an IPV6_V6ONLY socket. */
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_OK(set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.in6.sin6_addr);
	a.in6.sin6_port = 0;
	CHECK_ERR(SYS3(SYS_bind, fd, &a, len), EINVAL);
	close(fd);
	close(l);
}

static void check_reuse(void)
{
	union inet_sa a;
	socklen_t len;
	int port, a1, a2, r1, r2, r3, c, s, n1 = 0, n2 = 0;

	/* SO_REUSEADDR: both bind, only one listens. */
	a1 = socket(AF_INET, SOCK_STREAM, 0);
	a2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_OK(set_int(a1, SOL_SOCKET, SO_REUSEADDR, 1));
	CHECK_OK(set_int(a2, SOL_SOCKET, SO_REUSEADDR, 1));
	len = sa_make(&a, AF_INET, 0, 0);
	CHECK_OK(bind(a1, &a.sa, len));
	port = local_port(a1);
	len = sa_make(&a, AF_INET, port, 0);
	CHECK_OK(SYS3(SYS_bind, a2, &a, len));
	CHECK_OK(SYS2(SYS_listen, a1, 4));
	CHECK_ERR(SYS2(SYS_listen, a2, 4), EADDRINUSE);
	/* With a listener there, SO_REUSEADDR does not help. */
	r3 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_OK(set_int(r3, SOL_SOCKET, SO_REUSEADDR, 1));
	CHECK_ERR(SYS3(SYS_bind, r3, &a, len), EADDRINUSE);
	close(r3);
	/* A connection holds its listener's port after it closes. */
	c = connected(AF_INET, port);
	s = accept(a1, NULL, NULL);
	close(a1);
	close(a2);
	r3 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(SYS3(SYS_bind, r3, &a, len), EADDRINUSE);
	CHECK_OK(set_int(r3, SOL_SOCKET, SO_REUSEADDR, 1));
	CHECK_OK(SYS3(SYS_bind, r3, &a, len)); /* both have it */
	CHECK_OK(SYS2(SYS_listen, r3, 4));
	close(r3);
	close(c);
	close(s);

	/* SO_REUSEPORT: two listeners share the port and its clients. */
	r1 = socket(AF_INET, SOCK_STREAM, 0);
	r2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_OK(set_int(r1, SOL_SOCKET, SO_REUSEPORT, 1));
	CHECK_OK(set_int(r2, SOL_SOCKET, SO_REUSEPORT, 1));
	len = sa_make(&a, AF_INET, 0, 0);
	CHECK_OK(bind(r1, &a.sa, len));
	port = local_port(r1);
	len = sa_make(&a, AF_INET, port, 0);
	CHECK_OK(SYS3(SYS_bind, r2, &a, len));
	CHECK_OK(SYS2(SYS_listen, r1, 64));
	CHECK_OK(SYS2(SYS_listen, r2, 64));
	r3 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(SYS3(SYS_bind, r3, &a, len), EADDRINUSE);
	close(r3);
	for (int i = 0; i < 32; i++)
		close(connected(AF_INET, port));
	fcntl(r1, F_SETFL, O_NONBLOCK);
	fcntl(r2, F_SETFL, O_NONBLOCK);
	while ((s = accept(r1, NULL, NULL)) >= 0) {
		n1++;
		close(s);
	}
	while ((s = accept(r2, NULL, NULL)) >= 0) {
		n2++;
		close(s);
	}
	CHECK_EQ(n1 + n2, 32);
	close(r1);
	close(r2);
}

static void check_wakeups(int family)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP}, out[2];
	char buf[8];
	int c, s, ep = epoll_create1(0), port, l;

	tcp_pair(family, &c, &s);
	ev.data.fd = s;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);
	pid_t pid = spawn();

	if (pid == 0) {
		msleep(30);
		CHECK_EQ(write(c, "w", 1), 1);
		msleep(30);
		CHECK_OK(shutdown(c, SHUT_WR));
		child_exit();
	}
	CHECK_EQ(epoll_wait(ep, out, 2, 5000), 1);
	CHECK_EQ(out[0].events, EPOLLIN);
	CHECK_EQ(read(s, buf, sizeof(buf)), 1);
	CHECK_EQ(epoll_wait(ep, out, 2, 5000), 1);
	CHECK_EQ(out[0].events, EPOLLIN | EPOLLRDHUP);
	CHECK_EQ(reap(pid), 0);
	close(ep);
	close(c);
	close(s);
	/* A blocked accept and a blocked read are woken. */
	l = listener(family, 4, &port);
	pid = spawn();
	if (pid == 0) {
		msleep(30);
		c = connected(family, port);
		msleep(30);
		CHECK_EQ(write(c, "z", 1), 1);
		close(c);
		child_exit();
	}
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(read(s, buf, sizeof(buf)), 1);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	CHECK_EQ(reap(pid), 0);
	close(s);
	/* SO_RCVTIMEO ends a wait with EAGAIN. */
	{
		struct timeval tv = {0, 20000};

		CHECK_OK(
		    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		CHECK_ERR(SYS3(SYS_accept, l, NULL, NULL), EAGAIN);
		tcp_pair(family, &c, &s);
		CHECK_OK(
		    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		CHECK_ERR(SYS_RECV(s, buf, 1, 0), EAGAIN);
		close(c);
		close(s);
	}
	close(l);
}

int main(void)
{
	static const int families[] = {AF_INET, AF_INET6};

	block_sigpipe();
	check_socket_errors();
	check_privileged_port();
	check_unreachable();
	check_dual_stack();
	check_reuse();
	for (int i = 0; i < 2; i++) {
		int f = families[i];

		check_bind(f);
		check_connect_accept(f);
		check_data(f);
		check_half_close(f);
		check_reset(f);
		check_unconnected(f);
		check_refused(f);
		check_nonblocking_connect(f);
		check_backlog(f);
		check_full_buffers(f);
		check_urgent(f);
		check_wakeups(f);
	}
	return guest_done();
}
