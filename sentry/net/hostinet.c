// SPDX-License-Identifier: Apache-2.0
/*
 * --network=host: AF_INET and AF_INET6 sockets over host sockets the
 * sentry makes on the application's behalf (gVisor's hostinet). Each
 * socket of the sandbox owns one host socket, non-blocking and
 * close-on-exec, that nothing else shares; the sentry's seccomp filter
 * admits the socket calls in this mode only (sentry/kernel/filter.c).
 *
 * Data moves straight between the host socket and the application's memory
 * in the memory file (sendmsg/recvmsg over mm_iovecs). A call that would
 * block waits in the sentry's thread in host poll(2), a slice at a time,
 * looking for signals in between (SO_RCVTIMEO and SO_SNDTIMEO are the
 * sandbox's); readiness for poll, select and epoll is a host poll with no
 * timeout. Addresses must be IPv4 or IPv6 ones; socket options pass only
 * from an allow-list, their lengths cut to the option's size.
 *
 * Deviations: SOCK_RAW is EPERM, other types than streams and datagrams
 * ESOCKTNOSUPPORT; ancillary data is not sent (IP_PKTINFO on sendmsg is
 * ignored), and only timestamps, packet information, hop limits, TOS and
 * errors are received; a signal is seen within HOSTINET_SLICE_MS of its
 * arrival by a blocked call; options outside the allow-list are
 * ENOPROTOOPT; SO_BINDTODEVICE, IP_TRANSPARENT and the like are not
 * passed.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* How long a blocked call sleeps in host poll before it looks for signals. */
#define HOSTINET_SLICE_MS 10
#define HOST_IOV_MAX	  1024
#define HOST_CTL_MAX	  1024

#define HOST_SOCK_NONBLOCK 04000
#define HOST_SOCK_CLOEXEC  02000000

#define IPPROTO_IP     0
#define IPPROTO_ICMP   1
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17
#define IPPROTO_IPV6   41
#define IPPROTO_ICMPV6 58

#define SIOCINQ	   0x541B
#define SIOCOUTQ   0x5411
#define SIOCATMARK 0x8905

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_MSEC 1000000LL

/* The host's struct msghdr and struct cmsghdr (x86-64 Linux). */
struct host_msghdr {
	void *name;
	uint32_t namelen;
	struct iovec *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};

struct host_cmsghdr {
	size_t len;
	int level, type;
};

struct hostinet_sock {
	struct socket s;
	int fd;
};

static const struct sock_ops hostinet_ops;

static int host_fd(struct socket *s)
{
	return container_of(s, struct hostinet_sock, s)->fd;
}

static long host_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* ---- waiting ------------------------------------------------------------ */

/*
 * Wait for events on the host socket, a signal, or timeo_ns (0: no limit)
 * since the first call (*started false before it): 0 when ready (look
 * again), -ERESTARTSYS for a signal (-EINTR with a timeout, as sock_wait),
 * -EAGAIN when the time ran out.
 */
static int host_wait(struct task *t, int fd, short events, int64_t timeo_ns,
		     struct timespec *deadline, bool *started)
{
	for (;;) {
		struct pollfd p = {fd, events, 0};
		int ms = HOSTINET_SLICE_MS, r;

		if (task_interrupted(t))
			return timeo_ns ? -EINTR : -ERESTARTSYS;
		if (timeo_ns < 0)
			return -EAGAIN;
		if (timeo_ns) {
			struct timespec now;
			int64_t left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!*started) {
				*deadline = now;
				deadline->tv_sec += timeo_ns / NSEC_PER_SEC;
				deadline->tv_nsec += timeo_ns % NSEC_PER_SEC;
				if (deadline->tv_nsec >= NSEC_PER_SEC) {
					deadline->tv_sec++;
					deadline->tv_nsec -= NSEC_PER_SEC;
				}
				*started = true;
			}
			left = (deadline->tv_sec - now.tv_sec) * NSEC_PER_SEC +
			       (deadline->tv_nsec - now.tv_nsec);
			if (left <= 0)
				return -EAGAIN;
			if (left < ms * NSEC_PER_MSEC)
				ms = (int)((left + NSEC_PER_MSEC - 1) /
					   NSEC_PER_MSEC);
		}
		r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int64_t timeo(struct socket *s, bool rcv)
{
	return rcv ? __atomic_load_n(&s->rcvtimeo_ns, __ATOMIC_RELAXED)
		   : __atomic_load_n(&s->sndtimeo_ns, __ATOMIC_RELAXED);
}

/* ---- addresses ---------------------------------------------------------- */

/*
 * An address for the host: IPv4, IPv6 or AF_UNSPEC only, at least as long
 * as the socket's family needs (bind and connect check it as Linux's
 * inet_bind and tcp_v4_connect would; the host checks the rest).
 */
static int check_addr(struct socket *s, const uint8_t *addr, int len)
{
	uint16_t family;

	if (len < 2)
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (family == SOCK_AF_UNSPEC)
		return 0;
	if (s->family == SOCK_AF_INET && len < 16)
		return -EINVAL;
	if (family != SOCK_AF_INET && family != SOCK_AF_INET6)
		return -EAFNOSUPPORT;
	if (s->family == SOCK_AF_INET6 && family == SOCK_AF_INET6 && len < 24)
		return -EINVAL;
	return 0;
}

static int hostinet_bind(struct socket *s, struct task *t, const uint8_t *addr,
			 int addrlen)
{
	int err = check_addr(s, addr, addrlen);

	(void)t;
	if (err)
		return err;
	return (int)host_ret(
	    syscall(SYS_bind, host_fd(s), addr, (unsigned)addrlen));
}

static int hostinet_connect(struct socket *s, struct task *t,
			    const uint8_t *addr, int addrlen)
{
	int fd = host_fd(s), err = check_addr(s, addr, addrlen);
	struct timespec deadline;
	bool started = false;

	if (err)
		return err;
	if (syscall(SYS_connect, fd, addr, (unsigned)addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	if (s->f.flags & ABI_O_NONBLOCK)
		return -EINPROGRESS;
	/*
	 * Wait, then connect again as Linux's blocking connect does, so the
	 * host socket counts as connected (a later connect: EISCONN). The
	 * connection goes on without us if a signal or SO_SNDTIMEO ends the
	 * wait.
	 */
	for (;;) {
		err = host_wait(t, fd, POLLOUT, timeo(s, false), &deadline,
				&started);
		if (err)
			return err == -EAGAIN ? -EINPROGRESS : err;
		if (syscall(SYS_connect, fd, addr, (unsigned)addrlen) == 0)
			return 0;
		if (errno != EALREADY && errno != EINPROGRESS)
			return -errno;
	}
}

static int hostinet_listen(struct socket *s, struct task *t, int backlog)
{
	(void)t;
	return (int)host_ret(syscall(SYS_listen, host_fd(s), backlog));
}

static struct socket *wrap(struct task *t, int fd, int family, int type,
			   int protocol, uint32_t flags)
{
	struct socket *s =
	    sock_alloc(t, sizeof(struct hostinet_sock), &hostinet_ops, family,
		       type, protocol, flags);

	if (!s)
		return NULL;
	/* The host decides its readiness: pollers look again each tick. */
	s->f.poll_notifies = false;
	container_of(s, struct hostinet_sock, s)->fd = fd;
	return s;
}

static int hostinet_accept(struct socket *s, struct task *t, uint32_t flags,
			   struct file **out, uint8_t *addr, int *addrlen)
{
	struct timespec deadline;
	bool started = false;

	for (;;) {
		unsigned len = SOCK_ADDR_MAX;
		struct socket *ns;
		long fd = syscall(SYS_accept4, host_fd(s), addr, &len,
				  HOST_SOCK_NONBLOCK | HOST_SOCK_CLOEXEC);
		int err;

		if (fd >= 0) {
			ns = wrap(t, (int)fd, s->family, s->type, s->protocol,
				  flags);
			if (!ns) {
				close((int)fd);
				return -ENOMEM;
			}
			*addrlen = (int)min_t(unsigned, len, SOCK_ADDR_MAX);
			*out = &ns->f;
			return 0;
		}
		if (errno != EAGAIN)
			return -errno;
		if (s->f.flags & ABI_O_NONBLOCK)
			return -EAGAIN;
		err = host_wait(t, host_fd(s), POLLIN, timeo(s, true),
				&deadline, &started);
		if (err)
			return err;
	}
}

static int hostinet_getname(struct socket *s, uint8_t *addr, int *addrlen,
			    bool peer)
{
	unsigned len = SOCK_ADDR_MAX;
	long r = syscall(peer ? SYS_getpeername : SYS_getsockname, host_fd(s),
			 addr, &len);

	if (r < 0)
		return -errno;
	*addrlen = (int)min_t(unsigned, len, SOCK_ADDR_MAX);
	return 0;
}

/* ---- data --------------------------------------------------------------- */

/*
 * Host iovecs for the application's bytes from the cursor on, stopping at
 * the first one it may not access: the count, or -EFAULT if that is the
 * very first byte (and there is one).
 */
static int host_iovecs(struct task *t, const struct sock_iter *it, int access,
		       struct iovec *hiov)
{
	int n = 0;

	for (int i = it->i; i < it->cnt && n < HOST_IOV_MAX; i++) {
		uint64_t off = i == it->i ? it->off : 0;
		uint64_t len = it->iov[i].iov_len - off;
		size_t covered = 0;
		int r;

		if (!len)
			continue;
		r = mm_iovecs(t->mm, it->iov[i].iov_base + off, len, access,
			      hiov + n, HOST_IOV_MAX - n, &covered);
		if (r < 0)
			return n ? n : -EFAULT;
		n += r;
		if (covered < len)
			break;
	}
	return n;
}

/* Move the cursor n bytes on. */
static void iter_skip(struct sock_iter *it, uint64_t n)
{
	while (n && it->i < it->cnt) {
		uint64_t room = it->iov[it->i].iov_len - it->off;

		if (n < room) {
			it->off += n;
			return;
		}
		n -= room;
		it->i++;
		it->off = 0;
	}
}

ssize_t hostsock_sendmsg(struct socket *s, int fd, struct task *t,
			 struct sock_msg *m, int flags)
{
	const int pass = SOCK_MSG_OOB | SOCK_MSG_DONTROUTE | SOCK_MSG_EOR |
			 SOCK_MSG_MORE | 0x800 /* MSG_CONFIRM */;
	bool nonblock = sock_nonblock(s, flags);
	bool stream = s->type == SOCK_STREAM;
	struct iovec *hiov;
	struct timespec deadline;
	bool started = false;
	struct sock_iter it;
	uint64_t total;
	ssize_t sent = 0;
	long err = 0;

	hiov = malloc(HOST_IOV_MAX * sizeof(*hiov));
	if (!hiov)
		return -ENOMEM;
	sock_iter_init(&it, m->iov, m->iovcnt);
	total = sock_iter_left(&it);
	for (;;) {
		struct host_msghdr h = {
		    .name = m->addrlen ? m->addr : NULL,
		    .namelen = (uint32_t)m->addrlen,
		    .iov = hiov,
		};
		int n = host_iovecs(t, &it, ABI_PROT_READ, hiov);
		long r;

		if (n < 0) {
			err = n;
			break;
		}
		h.iovlen = (size_t)n;
		r = syscall(SYS_sendmsg, fd, &h,
			    (flags & pass) | SOCK_MSG_DONTWAIT |
				SOCK_MSG_NOSIGNAL);
		if (r >= 0) {
			sent += r;
			iter_skip(&it, (uint64_t)r);
			/* A blocking stream send sends it all. */
			if (!stream || nonblock || (uint64_t)sent >= total)
				break;
			continue;
		}
		err = -errno;
		if (err != -EAGAIN || nonblock)
			break;
		err = host_wait(t, fd, POLLOUT, timeo(s, false), &deadline,
				&started);
		if (err)
			break;
	}
	free(hiov);
	if (sent)
		return sent;
	if (err == -EPIPE && stream && !(flags & SOCK_MSG_NOSIGNAL))
		signal_sigpipe(t);
	return err;
}

static ssize_t hostinet_sendmsg(struct socket *s, struct task *t,
				struct sock_msg *m, int flags)
{
	if (m->addrlen) {
		int err = check_addr(s, m->addr, m->addrlen);

		if (err && s->type != SOCK_STREAM)
			return err;
		if (err || s->type == SOCK_STREAM)
			m->addrlen = 0; /* a stream ignores it */
	}
	return hostsock_sendmsg(s, host_fd(s), t, m, flags);
}

/* The control messages a receive may pass on, and their longest data. */
static size_t ctl_allowed(int level, int type)
{
	switch (level) {
	case SOL_SOCKET:
		if (type == SO_TIMESTAMP_OLD || type == 35 /* NS */)
			return 16;
		return 0;
	case IPPROTO_IP:
		switch (type) {
		case 1: /* IP_TOS */
		case 2: /* IP_TTL */
			return 4;
		case 8: /* IP_PKTINFO */
			return 12;
		case 11: /* IP_RECVERR */
		case 20: /* IP_ORIGDSTADDR */
			return 64;
		default:
			return 0;
		}
	case IPPROTO_IPV6:
		switch (type) {
		case 50: /* IPV6_PKTINFO */
			return 20;
		case 52: /* IPV6_HOPLIMIT */
		case 67: /* IPV6_TCLASS */
			return 4;
		case 25: /* IPV6_RECVERR */
		case 74: /* IPV6_ORIGDSTADDR */
			return 64;
		default:
			return 0;
		}
	default:
		return 0;
	}
}

static void ctl_relay(struct sock_msg *m, const uint8_t *ctl, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct host_cmsghdr)) {
		struct host_cmsghdr c;
		size_t data, max;

		memcpy(&c, ctl + off, sizeof(c));
		if (c.len < sizeof(c) || c.len > len - off)
			break;
		data = c.len - sizeof(c);
		max = ctl_allowed(c.level, c.type);
		if (max)
			sock_put_cmsg(m, c.level, c.type, ctl + off + sizeof(c),
				      min_t(size_t, data, max));
		off += (c.len + 7) & ~(size_t)7;
	}
}

ssize_t hostsock_recvmsg(struct socket *s, int fd, struct task *t,
			 struct sock_msg *m, int flags, bool relay)
{
	const int pass =
	    SOCK_MSG_OOB | SOCK_MSG_PEEK | SOCK_MSG_TRUNC | SOCK_MSG_ERRQUEUE;
	bool nonblock = sock_nonblock(s, flags);
	bool waitall = (flags & SOCK_MSG_WAITALL) && s->type == SOCK_STREAM &&
		       !(flags & SOCK_MSG_PEEK);
	uint8_t ctl[HOST_CTL_MAX];
	struct iovec *hiov;
	struct timespec deadline;
	bool started = false;
	struct sock_iter it;
	uint64_t total;
	ssize_t got = 0;
	long err = 0;

	hiov = malloc(HOST_IOV_MAX * sizeof(*hiov));
	if (!hiov)
		return -ENOMEM;
	sock_iter_init(&it, m->iov, m->iovcnt);
	total = sock_iter_left(&it);
	for (;;) {
		struct host_msghdr h = {
		    .name = relay ? m->addr : NULL,
		    .namelen = relay ? SOCK_ADDR_MAX : 0,
		    .iov = hiov,
		    .control = relay && m->ctl ? ctl : NULL,
		    .controllen = relay && m->ctl ? sizeof(ctl) : 0,
		};
		int n = host_iovecs(t, &it, ABI_PROT_WRITE, hiov);
		long r;

		if (n < 0) {
			err = n;
			break;
		}
		h.iovlen = (size_t)n;
		r = syscall(SYS_recvmsg, fd, &h,
			    (flags & pass) | SOCK_MSG_DONTWAIT);
		if (r >= 0) {
			m->addrlen =
			    (int)min_t(uint32_t, h.namelen, SOCK_ADDR_MAX);
			m->msg_flags =
			    h.flags &
			    (SOCK_MSG_TRUNC | SOCK_MSG_CTRUNC | SOCK_MSG_EOR |
			     SOCK_MSG_OOB | SOCK_MSG_ERRQUEUE);
			if (h.controllen)
				ctl_relay(m, ctl, h.controllen);
			got += r;
			iter_skip(&it, (uint64_t)r);
			/* MSG_WAITALL: on until it is all there, or the end. */
			if (!waitall || !r || nonblock ||
			    (uint64_t)got >= total)
				break;
			continue;
		}
		err = -errno;
		if (err != -EAGAIN || nonblock)
			break;
		err =
		    host_wait(t, fd, (flags & SOCK_MSG_OOB) ? POLLPRI : POLLIN,
			      timeo(s, true), &deadline, &started);
		if (err)
			break;
	}
	free(hiov);
	return got ? got : err;
}

static ssize_t hostinet_recvmsg(struct socket *s, struct task *t,
				struct sock_msg *m, int flags)
{
	return hostsock_recvmsg(s, host_fd(s), t, m, flags, true);
}

int hostsock_shutdown(int fd, int how)
{
	return (int)host_ret(syscall(SYS_shutdown, fd, how));
}

static int hostinet_shutdown(struct socket *s, int how)
{
	return hostsock_shutdown(host_fd(s), how);
}

/* ---- options ------------------------------------------------------------ */

/*
 * The options passed to the host and the most bytes each takes (0: not
 * passed). Both directions; the host refuses what is read-only.
 */
static int opt_size(int level, int name, bool set)
{
	switch (level) {
	case SOL_SOCKET:
		switch (name) {
		case SO_ERROR:
		case SO_ACCEPTCONN:
			return set ? 0 : 4;
		case SO_REUSEADDR:
		case SO_REUSEPORT:
		case SO_KEEPALIVE:
		case SO_BROADCAST:
		case SO_DONTROUTE:
		case SO_OOBINLINE:
		case SO_SNDBUF:
		case SO_RCVBUF:
		case SO_RCVLOWAT:
		case SO_PRIORITY:
		case SO_TIMESTAMP_OLD:
		case 35: /* SO_TIMESTAMPNS_OLD */
		case SO_INCOMING_CPU:
			return 4;
		case SO_LINGER:
			return 8;
		default:
			return 0;
		}
	case IPPROTO_IP:
		switch (name) {
		case 1:	 /* IP_TOS */
		case 2:	 /* IP_TTL */
		case 8:	 /* IP_PKTINFO */
		case 10: /* IP_MTU_DISCOVER */
		case 11: /* IP_RECVERR */
		case 12: /* IP_RECVTTL */
		case 13: /* IP_RECVTOS */
		case 15: /* IP_FREEBIND */
		case 20: /* IP_RECVORIGDSTADDR */
		case 24: /* IP_BIND_ADDRESS_NO_PORT */
		case 33: /* IP_MULTICAST_TTL */
		case 34: /* IP_MULTICAST_LOOP */
			return 4;
		case 14: /* IP_MTU */
			return set ? 0 : 4;
		case 32: /* IP_MULTICAST_IF: ip_mreqn */
		case 35: /* IP_ADD_MEMBERSHIP */
		case 36: /* IP_DROP_MEMBERSHIP */
			return 12;
		default:
			return 0;
		}
	case IPPROTO_IPV6:
		switch (name) {
		case 16: /* IPV6_UNICAST_HOPS */
		case 17: /* IPV6_MULTICAST_IF */
		case 18: /* IPV6_MULTICAST_HOPS */
		case 19: /* IPV6_MULTICAST_LOOP */
		case 23: /* IPV6_MTU_DISCOVER */
		case 25: /* IPV6_RECVERR */
		case 26: /* IPV6_V6ONLY */
		case 49: /* IPV6_RECVPKTINFO */
		case 51: /* IPV6_RECVHOPLIMIT */
		case 66: /* IPV6_RECVTCLASS */
		case 67: /* IPV6_TCLASS */
			return 4;
		case 24: /* IPV6_MTU */
			return set ? 0 : 4;
		case 20: /* IPV6_ADD_MEMBERSHIP: ipv6_mreq */
		case 21: /* IPV6_DROP_MEMBERSHIP */
			return 20;
		default:
			return 0;
		}
	case IPPROTO_TCP:
		switch (name) {
		case 1:	 /* TCP_NODELAY */
		case 2:	 /* TCP_MAXSEG */
		case 3:	 /* TCP_CORK */
		case 4:	 /* TCP_KEEPIDLE */
		case 5:	 /* TCP_KEEPINTVL */
		case 6:	 /* TCP_KEEPCNT */
		case 7:	 /* TCP_SYNCNT */
		case 8:	 /* TCP_LINGER2 */
		case 9:	 /* TCP_DEFER_ACCEPT */
		case 10: /* TCP_WINDOW_CLAMP */
		case 12: /* TCP_QUICKACK */
		case 18: /* TCP_USER_TIMEOUT */
		case 23: /* TCP_FASTOPEN */
		case 25: /* TCP_NOTSENT_LOWAT */
		case 30: /* TCP_FASTOPEN_CONNECT */
			return 4;
		case 11: /* TCP_INFO */
			return set ? 0 : SOCK_OPT_MAX;
		case 13: /* TCP_CONGESTION */
			return 16;
		default:
			return 0;
		}
	case IPPROTO_UDP:
		switch (name) {
		case 1:	  /* UDP_CORK */
		case 103: /* UDP_SEGMENT */
		case 104: /* UDP_GRO */
			return 4;
		default:
			return 0;
		}
	default:
		return 0;
	}
}

static int hostinet_getsockopt(struct socket *s, struct task *t, int level,
			       int name, void *val, int *len)
{
	int size = opt_size(level, name, false);
	unsigned hlen;

	(void)t;
	if (!size)
		return -ENOPROTOOPT; /* SOL_SOCKET: the common ones */
	hlen = (unsigned)min_t(int, *len, size);
	if (syscall(SYS_getsockopt, host_fd(s), level, name, val, &hlen) < 0)
		return -errno;
	*len = (int)min_t(unsigned, hlen, SOCK_OPT_MAX);
	return 0;
}

static int hostinet_setsockopt(struct socket *s, struct task *t, int level,
			       int name, const void *val, int len)
{
	int size = opt_size(level, name, true);

	(void)t;
	if (!size)
		return -ENOPROTOOPT;
	return (int)host_ret(syscall(SYS_setsockopt, host_fd(s), level, name,
				     val, (unsigned)min_t(int, len, size)));
}

/* ---- the rest ----------------------------------------------------------- */

unsigned hostsock_poll(int fd, unsigned events)
{
	struct pollfd p = {
	    fd, (short)(events | POLLIN | POLLOUT | POLLPRI | POLLRDHUP), 0};

	if (poll(&p, 1, 0) < 0)
		return SOCK_POLLERR;
	return (unsigned)(unsigned short)p.revents;
}

static unsigned hostinet_poll(struct socket *s, unsigned events)
{
	return hostsock_poll(host_fd(s), events);
}

long hostsock_ioctl(int fd, struct task *t, unsigned int cmd, uint64_t arg)
{
	int n = 0;

	if (cmd != SIOCINQ && cmd != SIOCOUTQ && cmd != SIOCATMARK)
		return -SOCK_ENOIOCTLCMD;
	if (syscall(SYS_ioctl, fd, cmd, &n) < 0)
		return -errno;
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static long hostinet_ioctl(struct socket *s, struct task *t, unsigned int cmd,
			   uint64_t arg)
{
	return hostsock_ioctl(host_fd(s), t, cmd, arg);
}

static void hostinet_release(struct socket *s)
{
	close(host_fd(s));
}

static const struct sock_ops hostinet_ops = {
    .bind = hostinet_bind,
    .connect = hostinet_connect,
    .listen = hostinet_listen,
    .accept = hostinet_accept,
    .getname = hostinet_getname,
    .sendmsg = hostinet_sendmsg,
    .recvmsg = hostinet_recvmsg,
    .shutdown = hostinet_shutdown,
    .getsockopt = hostinet_getsockopt,
    .setsockopt = hostinet_setsockopt,
    .poll = hostinet_poll,
    .ioctl = hostinet_ioctl,
    .release = hostinet_release,
};

int hostinet_create(struct task *t, int family, int type, int protocol,
		    uint32_t flags, struct file **out)
{
	int icmp = family == SOCK_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct socket *s;
	long fd;

	switch (type) {
	case SOCK_STREAM:
		if (protocol && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
		break;
	case SOCK_DGRAM:
		if (protocol && protocol != IPPROTO_UDP && protocol != icmp)
			return -EPROTONOSUPPORT;
		if (!protocol)
			protocol = IPPROTO_UDP;
		break;
	case SOCK_RAW:
		return -EPERM;
	default:
		return -ESOCKTNOSUPPORT;
	}
	fd = syscall(SYS_socket, family,
		     type | HOST_SOCK_NONBLOCK | HOST_SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	s = wrap(t, (int)fd, family, type, protocol, flags);
	if (!s) {
		close((int)fd);
		return -ENOMEM;
	}
	*out = &s->f;
	return 0;
}

/* ---- snapshots: sockets restored closed --------------------------------- */

struct closed_sock {
	struct socket s;
	bool connected; /* it was: it saw a reset */
	int err;	/* ECONNRESET until reported (atomic) */
	uint8_t addr[SOCK_ADDR_MAX];
	int addrlen;
};

static struct closed_sock *to_closed(struct socket *s)
{
	return container_of(s, struct closed_sock, s);
}

/* The pending error, once (sock_error). */
static int closed_error(struct socket *s)
{
	return __atomic_exchange_n(&to_closed(s)->err, 0, __ATOMIC_ACQ_REL);
}

static int closed_bind(struct socket *s, struct task *t, const uint8_t *addr,
		       int addrlen)
{
	(void)s, (void)t, (void)addr, (void)addrlen;
	return -EINVAL;
}

/* A reset connection is still SS_CONNECTED to inet_stream_connect. */
static int closed_connect(struct socket *s, struct task *t, const uint8_t *addr,
			  int addrlen)
{
	(void)t, (void)addr, (void)addrlen;
	return to_closed(s)->connected ? -EISCONN : -EINVAL;
}

static int closed_listen(struct socket *s, struct task *t, int backlog)
{
	(void)s, (void)t, (void)backlog;
	return -EINVAL;
}

static int closed_accept(struct socket *s, struct task *t, uint32_t flags,
			 struct file **out, uint8_t *addr, int *addrlen)
{
	(void)s, (void)t, (void)flags, (void)out, (void)addr, (void)addrlen;
	return -EINVAL;
}

static int closed_getname(struct socket *s, uint8_t *addr, int *addrlen,
			  bool peer)
{
	struct closed_sock *c = to_closed(s);

	if (peer)
		return -ENOTCONN;
	memcpy(addr, c->addr, (size_t)c->addrlen);
	*addrlen = c->addrlen;
	return 0;
}

/* tcp_sendmsg after a reset: the error once, then EPIPE and SIGPIPE. */
static ssize_t closed_sendmsg(struct socket *s, struct task *t,
			      struct sock_msg *m, int flags)
{
	int err = closed_error(s);

	(void)m;
	if (err)
		return -err;
	if (!(flags & SOCK_MSG_NOSIGNAL))
		signal_sigpipe(t);
	return -EPIPE;
}

/* tcp_recvmsg: the error once, then end of file (ENOTCONN if never up). */
static ssize_t closed_recvmsg(struct socket *s, struct task *t,
			      struct sock_msg *m, int flags)
{
	int err = closed_error(s);

	(void)t, (void)m, (void)flags;
	if (err)
		return -err;
	return to_closed(s)->connected ? 0 : -ENOTCONN;
}

static int closed_shutdown(struct socket *s, int how)
{
	(void)s, (void)how;
	return -ENOTCONN;
}

static int closed_getsockopt(struct socket *s, struct task *t, int level,
			     int name, void *val, int *len)
{
	int v;

	(void)t;
	if (level != SOL_SOCKET || name != SO_ERROR)
		return -ENOPROTOOPT;
	v = closed_error(s);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int closed_setsockopt(struct socket *s, struct task *t, int level,
			     int name, const void *val, int len)
{
	(void)s, (void)t, (void)level, (void)name, (void)val, (void)len;
	return -ENOPROTOOPT;
}

/* tcp_poll of a closed socket: hung up; after a reset, shut both ways. */
static unsigned closed_poll(struct socket *s, unsigned events)
{
	struct closed_sock *c = to_closed(s);
	unsigned mask = SOCK_POLLHUP;

	if (c->connected)
		mask |= SOCK_POLLIN | SOCK_POLLRDNORM | SOCK_POLLRDHUP |
			SOCK_POLLOUT | SOCK_POLLWRNORM;
	if (__atomic_load_n(&c->err, __ATOMIC_ACQUIRE))
		mask |= SOCK_POLLERR;
	return mask & (events | SOCK_POLLERR | SOCK_POLLHUP);
}

static long closed_ioctl(struct socket *s, struct task *t, unsigned int cmd,
			 uint64_t arg)
{
	int n = 0;

	(void)s;
	if (cmd != SIOCINQ && cmd != SIOCOUTQ && cmd != SIOCATMARK)
		return -SOCK_ENOIOCTLCMD;
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static void closed_release(struct socket *s)
{
	(void)s;
}

static const struct sock_ops closed_ops = {
    .bind = closed_bind,
    .connect = closed_connect,
    .listen = closed_listen,
    .accept = closed_accept,
    .getname = closed_getname,
    .sendmsg = closed_sendmsg,
    .recvmsg = closed_recvmsg,
    .shutdown = closed_shutdown,
    .getsockopt = closed_getsockopt,
    .setsockopt = closed_setsockopt,
    .poll = closed_poll,
    .ioctl = closed_ioctl,
    .release = closed_release,
};

int hostinet_snap_info(struct file *f, int *family, int *type, int *protocol,
		       bool *connected, uint8_t *addr, int *addrlen)
{
	struct socket *s;
	uint8_t peer[SOCK_ADDR_MAX];
	int plen;

	if (!sock_is(f))
		return -EINVAL;
	s = sock_of(f);
	if (s->ops == &closed_ops) {
		/* Restored closed, and checkpointed again: still so. */
		struct closed_sock *c = to_closed(s);

		*connected = c->connected;
		memcpy(addr, c->addr, (size_t)c->addrlen);
		*addrlen = c->addrlen;
	} else if (s->ops == &hostinet_ops) {
		*connected = !hostinet_getname(s, peer, &plen, true);
		if (hostinet_getname(s, addr, addrlen, false))
			*addrlen = 0;
	} else {
		return -EINVAL;
	}
	*family = s->family;
	*type = s->type;
	*protocol = s->protocol;
	return 0;
}

struct file *hostinet_snap_closed(int family, int type, int protocol,
				  bool connected, const uint8_t *addr,
				  int addrlen, uint32_t flags)
{
	struct socket *s;
	struct closed_sock *c;

	if ((family != SOCK_AF_INET && family != SOCK_AF_INET6) ||
	    type != SOCK_STREAM || protocol != IPPROTO_TCP || addrlen < 0 ||
	    addrlen > SOCK_ADDR_MAX)
		return NULL;
	s = sock_alloc(NULL, sizeof(*c), &closed_ops, family, type, protocol,
		       flags);
	if (!s)
		return NULL;
	s->f.flags = flags;
	c = to_closed(s);
	c->connected = connected;
	c->err = connected ? ECONNRESET : 0;
	memcpy(c->addr, addr, (size_t)addrlen);
	c->addrlen = addrlen;
	return &s->f;
}
