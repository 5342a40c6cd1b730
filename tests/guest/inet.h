/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the AF_INET and AF_INET6 guest tests (tcp, udp, inet_opts).
 * They run natively on the host's loopback too, maybe beside other tests:
 * they bind 127.0.0.1 and ::1 only, on ephemeral ports.
 */
#ifndef MOAT_TESTS_INET_H
#define MOAT_TESTS_INET_H

#include "guest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

union inet_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* 127.0.0.1:port or ::1:port (or any). */
static inline socklen_t sa_make(union inet_sa *a, int family, int port, int any)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons((uint16_t)port);
		a->in.sin_addr.s_addr =
		    any ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
		return sizeof(a->in);
	}
	a->in6.sin6_family = AF_INET6;
	a->in6.sin6_port = htons((uint16_t)port);
	a->in6.sin6_addr = any ? in6addr_any : in6addr_loopback;
	return sizeof(a->in6);
}

static inline int sa_port(const union inet_sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port
						: a->in6.sin6_port);
}

static inline int local_port(int fd)
{
	union inet_sa a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len))
		return -1;
	return sa_port(&a);
}

/* A socket of family and type bound to loopback (any: the wildcard) on
 * an ephemeral port; the port in *port. */
static inline int bound(int family, int type, int any, int *port)
{
	union inet_sa a;
	socklen_t len = sa_make(&a, family, 0, any);
	int fd = socket(family, type, 0);

	if (fd < 0 || bind(fd, &a.sa, len)) {
		fprintf(stderr, "bound: %s\n", strerror(errno));
		exit(1);
	}
	if (port)
		*port = local_port(fd);
	return fd;
}

static inline int listener(int family, int backlog, int *port)
{
	int fd = bound(family, SOCK_STREAM, 0, port);

	if (listen(fd, backlog)) {
		fprintf(stderr, "listen: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* A blocking connect to loopback:port. */
static inline int connected(int family, int port)
{
	union inet_sa a;
	socklen_t len = sa_make(&a, family, port, 0);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, &a.sa, len)) {
		fprintf(stderr, "connect: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* A connected pair: *c the client, *s the accepted end. */
static inline void tcp_pair(int family, int *c, int *s)
{
	int port, l = listener(family, 4, &port);

	*c = connected(family, port);
	*s = accept(l, NULL, NULL);
	if (*s < 0) {
		fprintf(stderr, "accept: %s\n", strerror(errno));
		exit(1);
	}
	close(l);
}

static inline short revents_of(int fd, short events, int timeout_ms)
{
	struct pollfd p = {fd, events, 0};

	if (poll(&p, 1, timeout_ms) < 0)
		return -1;
	return p.revents;
}

/* Take a pending SIGPIPE (blocked by the caller): was there one? */
static inline int sigpipe_taken(void)
{
	sigset_t set;
	int sig;

	sigpending(&set);
	if (!sigismember(&set, SIGPIPE))
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigwait(&set, &sig);
	return 1;
}

static inline void block_sigpipe(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static inline int sock_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len))
		return -errno;
	return v;
}

static inline int int_opt(int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -errno;
	return v;
}

static inline long set_int(int fd, int level, int name, int v)
{
	return SYS5(SYS_setsockopt, fd, level, name, &v, sizeof(v));
}

static inline void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

#define SYS_SEND(fd, buf, len, flags)                                          \
	SYS6(SYS_sendto, fd, buf, len, flags, 0, 0)
#define SYS_RECV(fd, buf, len, flags)                                          \
	SYS6(SYS_recvfrom, fd, buf, len, flags, 0, 0)

#endif
