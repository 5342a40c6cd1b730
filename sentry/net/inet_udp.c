// SPDX-License-Identifier: Apache-2.0
/*
 * UDP on the sandbox's loopback (net/ipv4/udp.c, net/ipv6/udp.c): a
 * datagram goes straight onto the queue of the socket the port tables
 * (inet.c) choose for its destination, or is dropped when that queue
 * already holds more than SO_RCVBUF (each datagram charged its length
 * plus UDP_OVERHEAD, as Linux charges an skb's true size). A datagram
 * nobody takes is refused as an ICMP port-unreachable would be: a
 * connected sender's next call fails with ECONNREFUSED.
 *
 * Deviations: UDP_CORK and MSG_MORE do not join datagrams; UDP_SEGMENT
 * and UDP_GRO are ENOPROTOOPT (a kernel without UDP offloads); there is no
 * error queue (MSG_ERRQUEUE is EAGAIN, IP_RECVERR changes nothing); no
 * multicast or broadcast delivery; SO_TIMESTAMP* are not delivered.
 */
#include "sentry/net/inet.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An skb's size beyond its data, roughly, for SO_RCVBUF's accounting. */
#define UDP_OVERHEAD 768
#define UDP_MAX4     65507 /* 65535 less the IPv4 and UDP headers */
#define UDP_MAX6     65527 /* 65535 less the UDP header */

#define UDP_CORK	   1
#define SOCK_MSG_ERRQUEUE_ SOCK_MSG_ERRQUEUE

/* cmsg types */
#define IP_TTL_	       2
#define IP_TOS_	       1
#define IP_PKTINFO_    8
#define IP_ORIGDSTADDR 20
#define IPV6_PKTINFO   50
#define IPV6_HOPLIMIT  52
#define IPV6_TCLASS_   67

struct inet_dgram {
	struct inet_dgram *next;
	size_t len;
	struct inet_addr src, dst;
	uint16_t sport, dport;
	int ttl, tos;
	uint8_t data[];
};

void udp_purge_locked(struct inet_ep *ep)
{
	while (ep->dq_head) {
		struct inet_dgram *d = ep->dq_head;

		ep->dq_head = d->next;
		free(d);
	}
	ep->dq_tail = &ep->dq_head;
	ep->dq_mem = 0;
}

static void udp_disconnect(struct inet_ep *ep)
{
	ep->state = TCPS_CLOSE;
	ep->rport = 0;
	ep->raddr = ep->family == SOCK_AF_INET ? inet_any4 : inet_any6;
	if (!ep->addr_locked)
		ep->laddr = ep->raddr;
	if (!ep->port_locked) {
		inet_unhash_locked(ep);
		ep->lport = 0;
	}
}

int udp_connect(struct socket *s, struct task *t, const uint8_t *sa, int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	struct inet_addr dst;
	uint16_t port, family;
	int err;

	(void)t;
	if (len < 2)
		return -EINVAL;
	memcpy(&family, sa, 2);
	pthread_mutex_lock(&inet_lock);
	if (family == SOCK_AF_UNSPEC) {
		udp_disconnect(ep);
		inet_wake(ep);
		pthread_mutex_unlock(&inet_lock);
		return 0;
	}
	err = inet_parse_dest(ep, sa, len, true, &dst, &port);
	if (err)
		goto out;
	if (!ep->hashed && inet_autobind_locked(ep)) {
		err = -EAGAIN;
		goto out;
	}
	inet_source_for(ep, &dst, &ep->laddr);
	ep->raddr = dst;
	ep->rport = port;
	ep->state = TCPS_ESTABLISHED;
	inet_wake(ep);
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

static int rcvbuf_of(const struct inet_ep *ep)
{
	return ep->sock ? __atomic_load_n(&ep->sock->s.rcvbuf, __ATOMIC_RELAXED)
			: SOCK_BUF_DEFAULT;
}

ssize_t udp_sendmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags)
{
	struct inet_ep *ep = inet_ep_of(s);
	struct sock_iter it;
	struct inet_addr dst, src;
	struct inet_ep *r;
	struct inet_dgram *d;
	uint16_t port;
	uint64_t len;
	int err = 0;

	sock_iter_init(&it, m->iov, m->iovcnt);
	len = sock_iter_left(&it);
	if (len > 0xffff)
		return -EMSGSIZE;
	(void)flags; /* MSG_OOB, MSG_MORE... mean nothing here */
	pthread_mutex_lock(&inet_lock);
	err = m->addrlen
		  ? inet_parse_sendto(ep, m->addr, m->addrlen, &dst, &port)
		  : 1;
	if (err < 0)
		goto out;
	if (err) {
		if (ep->state != TCPS_ESTABLISHED) {
			err = -EDESTADDRREQ;
			goto out;
		}
		dst = ep->raddr;
		port = ep->rport;
	}
	if (len > (inet_addr_v4(&dst) ? UDP_MAX4 : UDP_MAX6)) {
		err = -EMSGSIZE;
		goto out;
	}
	if (ep->err) {
		err = -ep->err;
		ep->err = 0;
		goto out;
	}
	if (ep->shutdown & SEND_SHUTDOWN) {
		err = -EPIPE;
		goto out;
	}
	if (!ep->hashed && inet_autobind_locked(ep)) {
		err = -EAGAIN;
		goto out;
	}
	inet_source_for(ep, &dst, &src);
	r = inet_lookup_locked(SOCK_DGRAM, &dst, port, &src, ep->lport);
	if (!r) {
		/* Port unreachable: a connected socket hears of it. */
		if (ep->state == TCPS_ESTABLISHED) {
			ep->err = ECONNREFUSED;
			inet_wake(ep);
		}
		err = (int)len;
		goto out;
	}
	if (r->dq_mem > (size_t)rcvbuf_of(r)) {
		err = (int)len; /* dropped, as a full queue drops */
		goto out;
	}
	d = malloc(sizeof(*d) + len);
	if (!d) {
		err = -ENOBUFS;
		goto out;
	}
	if (sock_iter_copy(t, &it, d->data, len, false)) {
		free(d);
		err = -EFAULT;
		goto out;
	}
	d->next = NULL;
	d->len = len;
	d->src = src;
	d->sport = ep->lport;
	d->dst = dst;
	d->dport = port;
	d->ttl = inet_addr_v4(&dst) ? (ep->o.ttl < 0 ? 64 : ep->o.ttl)
				    : (ep->o.hops < 0 ? 64 : ep->o.hops);
	d->tos = inet_addr_v4(&dst) ? ep->o.tos : ep->o.tclass;
	*r->dq_tail = d;
	r->dq_tail = &d->next;
	r->dq_mem += len + UDP_OVERHEAD;
	inet_wake(r);
	err = (int)len;
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

/* The control messages the receiver asked for (ip_cmsg_recv...). */
static void put_cmsgs(struct inet_ep *ep, struct inet_dgram *d,
		      struct sock_msg *m)
{
	const struct inet_opts *o = &ep->o;

	if (inet_addr_v4(&d->dst)) {
		if (o->pktinfo) {
			struct {
				int32_t ifindex;
				uint8_t spec_dst[4], addr[4];
			} pi = {1, {0}, {0}};

			memcpy(pi.spec_dst, d->dst.b + 12, 4);
			memcpy(pi.addr, d->dst.b + 12, 4);
			sock_put_cmsg(m, SOL_IP, IP_PKTINFO_, &pi, sizeof(pi));
		}
		if (o->recvttl)
			sock_put_cmsg(m, SOL_IP, IP_TTL_, &d->ttl, sizeof(int));
		if (o->recvtos) {
			uint8_t tos = (uint8_t)d->tos;

			sock_put_cmsg(m, SOL_IP, IP_TOS_, &tos, 1);
		}
		if (o->recvorigdstaddr) {
			uint8_t sa[SOCK_ADDR_MAX];
			int n =
			    inet_sockaddr(SOCK_AF_INET, &d->dst, d->dport, sa);

			sock_put_cmsg(m, SOL_IP, IP_ORIGDSTADDR, sa, (size_t)n);
		}
		return;
	}
	if (o->recvpktinfo6) {
		struct {
			uint8_t addr[16];
			int32_t ifindex;
		} pi;

		memcpy(pi.addr, d->dst.b, 16);
		pi.ifindex = 1;
		sock_put_cmsg(m, SOL_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (o->recvhoplimit)
		sock_put_cmsg(m, SOL_IPV6, IPV6_HOPLIMIT, &d->ttl, sizeof(int));
	if (o->recvtclass)
		sock_put_cmsg(m, SOL_IPV6, IPV6_TCLASS_, &d->tos, sizeof(int));
}

ssize_t udp_recvmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags)
{
	struct inet_ep *ep = inet_ep_of(s);
	bool nonblock = sock_nonblock(s, flags);
	struct timespec deadline;
	bool started = false;
	struct sock_iter it;
	struct inet_dgram *d;
	uint64_t size;
	size_t n;
	ssize_t ret;

	if (flags & SOCK_MSG_ERRQUEUE_)
		return -EAGAIN;
	sock_iter_init(&it, m->iov, m->iovcnt);
	size = sock_iter_left(&it);
	pthread_mutex_lock(&inet_lock);
	for (;;) {
		int err;

		if (ep->err) {
			ret = -ep->err;
			ep->err = 0;
			goto out;
		}
		if (ep->dq_head)
			break;
		if (nonblock) {
			ret = -EAGAIN;
			goto out;
		}
		if (ep->shutdown & RCV_SHUTDOWN) {
			ret = 0;
			goto out;
		}
		err = sock_wait(t, &inet_lock, &ep->cond, inet_timeo(ep, true),
				&deadline, &started);
		if (err) {
			ret = err;
			goto out;
		}
	}
	d = ep->dq_head;
	n = (size_t)min_t(uint64_t, d->len, size);
	if (sock_iter_copy(t, &it, d->data, n, true)) {
		ret = -EFAULT;
		goto out;
	}
	if (n < d->len)
		m->msg_flags |= SOCK_MSG_TRUNC;
	m->addrlen = inet_sockaddr(s->family, &d->src, d->sport, m->addr);
	put_cmsgs(ep, d, m);
	ret = (flags & SOCK_MSG_TRUNC) ? (ssize_t)d->len : (ssize_t)n;
	if (!(flags & SOCK_MSG_PEEK)) {
		ep->dq_head = d->next;
		if (!ep->dq_head)
			ep->dq_tail = &ep->dq_head;
		ep->dq_mem -= d->len + UDP_OVERHEAD;
		free(d);
	}
out:
	pthread_mutex_unlock(&inet_lock);
	return ret;
}

unsigned udp_poll(struct socket *s, unsigned events)
{
	struct inet_ep *ep = inet_ep_of(s);
	unsigned mask = SOCK_POLLOUT | SOCK_POLLWRNORM | SOCK_POLLWRBAND;

	(void)events;
	pthread_mutex_lock(&inet_lock);
	if (ep->err)
		mask |= SOCK_POLLERR;
	if (ep->shutdown == SHUTDOWN_MASK)
		mask |= SOCK_POLLHUP;
	if (ep->shutdown & RCV_SHUTDOWN)
		mask |= SOCK_POLLRDHUP | SOCK_POLLIN | SOCK_POLLRDNORM;
	if (ep->dq_head)
		mask |= SOCK_POLLIN | SOCK_POLLRDNORM;
	pthread_mutex_unlock(&inet_lock);
	return mask;
}

long udp_ioctl(struct socket *s, struct task *t, unsigned int cmd, uint64_t arg)
{
	struct inet_ep *ep = inet_ep_of(s);
	int n;

	if (cmd != SIOCINQ_ && cmd != SIOCOUTQ_)
		return -SOCK_ENOIOCTLCMD;
	pthread_mutex_lock(&inet_lock);
	n = cmd == SIOCINQ_ && ep->dq_head ? (int)ep->dq_head->len : 0;
	pthread_mutex_unlock(&inet_lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

int udp_getsockopt(struct socket *s, int name, void *val, int *len)
{
	struct inet_ep *ep = inet_ep_of(s);
	int v;

	if (name != UDP_CORK)
		return -ENOPROTOOPT;
	pthread_mutex_lock(&inet_lock);
	v = ep->o.udp_cork;
	pthread_mutex_unlock(&inet_lock);
	memcpy(val, &v, sizeof(v));
	*len = (int)sizeof(v);
	return 0;
}

int udp_setsockopt(struct socket *s, int name, const void *val, int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	int v;

	if (len < (int)sizeof(int))
		return -EINVAL;
	if (name != UDP_CORK)
		return -ENOPROTOOPT;
	memcpy(&v, val, sizeof(v));
	pthread_mutex_lock(&inet_lock);
	ep->o.udp_cork = v != 0;
	pthread_mutex_unlock(&inet_lock);
	return 0;
}
