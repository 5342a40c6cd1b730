// SPDX-License-Identifier: Apache-2.0
/*
 * AF_INET and AF_INET6 sockets (net/ipv4/af_inet.c, net/ipv6/af_inet6.c):
 * with --network=host, host sockets (hostinet.c); otherwise the sandbox's
 * own loopback, inside the sentry (inet.h): this file has the addresses,
 * the port tables with Linux's bind conflicts (SO_REUSEADDR, SO_REUSEPORT,
 * IPV6_V6ONLY, dual-stack), bind and the names, the IP and IPv6 socket
 * options, and the socket calls' dispatch to TCP (inet_tcp.c) and UDP
 * (inet_udp.c).
 *
 * The only interface is lo: 127.0.0.0/8 and ::1. Binding to another
 * address is EADDRNOTAVAIL (unless IP_FREEBIND or IP_TRANSPARENT),
 * reaching one ENETUNREACH; nothing leaves the sandbox.
 *
 * Deviations: SOCK_RAW is EPERM without CAP_NET_RAW and EPROTONOSUPPORT
 * with it, ping sockets (SOCK_DGRAM with IPPROTO_ICMP) EACCES (Linux's
 * default ping_group_range), UDP-Lite and MPTCP EPROTONOSUPPORT;
 * multicast groups can be joined on lo only (ENODEV otherwise) and no
 * multicast or broadcast datagram is delivered; the IP and IPv6 options
 * (TTL, TOS, hop limits, PMTU discovery...) are kept and reported but
 * change nothing, there being no packets.
 */
#include "sentry/net/inet.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ABI_CAP_NET_BIND_SERVICE 10
#define ABI_CAP_NET_RAW		 13

/* net.ipv4.ip_local_port_range's default. */
#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999
/* net.ipv4.ip_unprivileged_port_start's default. */
#define PROT_SOCK 1024

#define SIN_LEN	      16 /* sizeof(struct sockaddr_in) */
#define SIN6_LEN      28 /* sizeof(struct sockaddr_in6) */
#define SIN6_LEN_2133 24 /* SIN6_LEN_RFC2133: without sin6_scope_id */

/* What a queue may hold when the application set no buffer size. */
#define INET_SPACE_DEFAULT (128 << 10)

/* The port tables, by type (TCP, UDP), each hashed by port. */
#define PORT_HASH 256

pthread_mutex_t inet_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inet_ep *port_table[2][PORT_HASH];
static unsigned port_next;

const struct inet_addr inet_any6 = {{0}};
const struct inet_addr inet_loop6 = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
const struct inet_addr inet_any4 = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}};
const struct inet_addr inet_loop4 = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}};

static const struct sock_ops inet_ops;

/* ---- endpoints ---------------------------------------------------------- */

void inet_wake(struct inet_ep *ep)
{
	pthread_cond_broadcast(&ep->cond);
	poll_notify();
}

void inet_ep_get(struct inet_ep *ep)
{
	ep->refs++;
}

struct inet_ep *inet_ep_new(int family, int type, uint32_t uid)
{
	struct inet_ep *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return NULL;
	ep->refs = 1;
	ep->family = family;
	ep->type = type;
	ep->uid = uid;
	pthread_cond_init(&ep->cond, NULL);
	ep->laddr = family == SOCK_AF_INET ? inet_any4 : inet_any6;
	ep->raddr = ep->laddr;
	ep->state = TCPS_CLOSE;
	ep->sstate = SS_UNCONNECTED;
	ep->acc_tail = &ep->acc_head;
	ep->syn_tail = &ep->syn_head;
	ep->dq_tail = &ep->dq_head;
	tcp_init_opts(&ep->o);
	return ep;
}

void inet_ep_put_locked(struct inet_ep *ep)
{
	if (--ep->refs)
		return;
	BUG_ON(ep->hashed);
	udp_purge_locked(ep);
	tcp_purge_locked(ep);
	pthread_cond_destroy(&ep->cond);
	free(ep);
}

size_t inet_rcvspace(const struct inet_ep *ep)
{
	return ep->o.rcvbuf_locked ? (size_t)ep->o.rcvbuf_val / 2
				   : INET_SPACE_DEFAULT;
}

size_t inet_sndspace(const struct inet_ep *ep)
{
	return ep->o.sndbuf_locked ? (size_t)ep->o.sndbuf_val / 2
				   : INET_SPACE_DEFAULT;
}

int64_t inet_timeo(const struct inet_ep *ep, bool rcv)
{
	if (!ep->sock)
		return 0;
	return rcv ? __atomic_load_n(&ep->sock->s.rcvtimeo_ns, __ATOMIC_RELAXED)
		   : __atomic_load_n(&ep->sock->s.sndtimeo_ns,
				     __ATOMIC_RELAXED);
}

/* ---- addresses ---------------------------------------------------------- */

bool inet_addr_v4(const struct inet_addr *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a->b, prefix, sizeof(prefix));
}

bool inet_addr_eq(const struct inet_addr *a, const struct inet_addr *b)
{
	return !memcmp(a->b, b->b, sizeof(a->b));
}

bool inet_addr_any(const struct inet_addr *a)
{
	return inet_addr_eq(a, &inet_any6) || inet_addr_eq(a, &inet_any4);
}

void inet_addr_set_v4(struct inet_addr *a, uint32_t be)
{
	*a = inet_any4;
	memcpy(a->b + 12, &be, 4);
}

static bool v4_loopback(const struct inet_addr *a)
{
	return a->b[12] == 127;
}

/* An IPv4 address this box has, or may bind to. */
static bool v4_bindable(const struct inet_addr *a)
{
	uint8_t first = a->b[12];

	return inet_addr_any(a) || first == 127 ||
	       (first >= 224 && first < 240) || /* multicast */
	       (a->b[12] == 255 && a->b[13] == 255 && a->b[14] == 255 &&
		a->b[15] == 255); /* limited broadcast */
}

int inet_sockaddr(int family, const struct inet_addr *a, uint16_t port,
		  uint8_t *sa)
{
	uint16_t be = htobe16(port);

	if (family == SOCK_AF_INET) {
		memset(sa, 0, SIN_LEN);
		sa[0] = SOCK_AF_INET;
		memcpy(sa + 2, &be, 2);
		memcpy(sa + 4, a->b + 12, 4);
		return SIN_LEN;
	}
	memset(sa, 0, SIN6_LEN);
	sa[0] = SOCK_AF_INET6;
	memcpy(sa + 2, &be, 2);
	memcpy(sa + 8, a->b, 16);
	return SIN6_LEN;
}

static uint16_t sa_family(const uint8_t *sa)
{
	uint16_t f;

	memcpy(&f, sa, 2);
	return f;
}

static uint16_t sa_port(const uint8_t *sa)
{
	uint16_t p;

	memcpy(&p, sa + 2, 2);
	return be16toh(p);
}

/* A sockaddr_in's address, mapped. */
static void sa_addr4(const uint8_t *sa, struct inet_addr *a)
{
	uint32_t be;

	memcpy(&be, sa + 4, 4);
	inet_addr_set_v4(a, be);
}

/* The IPv4 destination a, as the loopback route takes it. */
static int dest4(struct inet_addr *a)
{
	if (inet_addr_any(a)) {
		*a = inet_loop4;
		return 0;
	}
	return v4_loopback(a) ? 0 : -ENETUNREACH;
}

int inet_parse_dest(struct inet_ep *ep, const uint8_t *sa, int len, bool dgram,
		    struct inet_addr *dst, uint16_t *port)
{
	uint16_t family = len >= 2 ? sa_family(sa) : 0;

	if (ep->family == SOCK_AF_INET) {
		if (len < SIN_LEN)
			return -EINVAL;
		if (family != SOCK_AF_INET)
			return -EAFNOSUPPORT;
		sa_addr4(sa, dst);
		*port = sa_port(sa);
		return dest4(dst);
	}
	/* AF_INET6 */
	if (dgram && family == SOCK_AF_INET) {
		if (ep->v6only)
			return -EAFNOSUPPORT;
		if (len < SIN_LEN)
			return -EINVAL;
		sa_addr4(sa, dst);
		*port = sa_port(sa);
		return dest4(dst);
	}
	if (len < SIN6_LEN_2133)
		return -EINVAL;
	if (family != SOCK_AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(dst->b, sa + 8, 16);
	*port = sa_port(sa);
	if (inet_addr_eq(dst, &inet_any6))
		*dst = inet_addr_v4(&ep->laddr) &&
			       !inet_addr_eq(&ep->laddr, &inet_any6)
			   ? inet_loop4
			   : inet_loop6;
	if (inet_addr_v4(dst)) {
		if (ep->v6only)
			return -ENETUNREACH;
		if (!inet_addr_any(&ep->laddr) && !inet_addr_v4(&ep->laddr))
			return -ENETUNREACH;
		return dest4(dst);
	}
	if (inet_addr_v4(&ep->laddr) && !inet_addr_eq(&ep->laddr, &inet_any6))
		return -EAFNOSUPPORT;
	return inet_addr_eq(dst, &inet_loop6) ? 0 : -ENETUNREACH;
}

int inet_parse_sendto(struct inet_ep *ep, const uint8_t *sa, int len,
		      struct inet_addr *dst, uint16_t *port)
{
	uint16_t family;
	bool mapped_src =
	    inet_addr_v4(&ep->laddr) && !inet_addr_eq(&ep->laddr, &inet_any6);

	if (ep->family == SOCK_AF_INET6) {
		if (len < 2)
			return -EINVAL;
		family = sa_family(sa);
		if (family == SOCK_AF_UNSPEC)
			return 1;
		if (family == SOCK_AF_INET) {
			if (ep->v6only)
				return -ENETUNREACH;
			goto v4;
		}
		if (family != SOCK_AF_INET6 || len < SIN6_LEN_2133)
			return -EINVAL;
		memcpy(dst->b, sa + 8, 16);
		*port = sa_port(sa);
		if (!*port)
			return -EINVAL;
		if (inet_addr_eq(dst, &inet_any6))
			*dst = mapped_src ? inet_loop4 : inet_loop6;
		if (inet_addr_v4(dst))
			return ep->v6only ? -ENETUNREACH : dest4(dst);
		if (mapped_src)
			return -ENETUNREACH;
		return inet_addr_eq(dst, &inet_loop6) ? 0 : -ENETUNREACH;
	}
v4:
	if (len < SIN_LEN)
		return -EINVAL;
	family = sa_family(sa);
	if (family != SOCK_AF_INET && family != SOCK_AF_UNSPEC)
		return -EAFNOSUPPORT;
	sa_addr4(sa, dst);
	*port = sa_port(sa);
	if (!*port)
		return -EINVAL;
	return dest4(dst);
}

void inet_source_for(struct inet_ep *ep, const struct inet_addr *dst,
		     struct inet_addr *src)
{
	if (!inet_addr_any(&ep->laddr) ||
	    (ep->family == SOCK_AF_INET6 && inet_addr_v4(&ep->laddr) &&
	     !inet_addr_v4(dst))) {
		*src = ep->laddr;
		return;
	}
	*src = inet_addr_v4(dst) ? inet_loop4 : inet_loop6;
}

/* ---- ports -------------------------------------------------------------- */

static struct inet_ep **bucket(int type, uint16_t port)
{
	return &port_table[type == SOCK_STREAM ? 0 : 1][port % PORT_HASH];
}

/* What an endpoint's bound address covers. */
enum {
	COVER_V4,     /* one IPv4 address, or 0.0.0.0 */
	COVER_V6,     /* one IPv6 address */
	COVER_V6_ANY, /* ::, and every IPv4 address unless IPV6_V6ONLY */
};

static int cover(const struct inet_ep *ep)
{
	if (ep->family == SOCK_AF_INET || inet_addr_v4(&ep->laddr))
		return COVER_V4;
	return inet_addr_eq(&ep->laddr, &inet_any6) ? COVER_V6_ANY : COVER_V6;
}

static bool overlap(const struct inet_ep *a, const struct inet_ep *b)
{
	int ca = cover(a), cb = cover(b);

	if (ca == COVER_V6_ANY || cb == COVER_V6_ANY) {
		const struct inet_ep *any = ca == COVER_V6_ANY ? a : b;
		int other = ca == COVER_V6_ANY ? cb : ca;

		return other != COVER_V4 || !any->v6only;
	}
	if (ca != cb)
		return false;
	return inet_addr_any(&a->laddr) || inet_addr_any(&b->laddr) ||
	       inet_addr_eq(&a->laddr, &b->laddr);
}

/*
 * May ep share its port with e (inet_bind_conflict)? listening: ep is
 * about to listen, so another listener is a conflict however it was
 * bound.
 */
static bool conflict(const struct inet_ep *ep, const struct inet_ep *e,
		     bool listening)
{
	if (!overlap(ep, e))
		return false;
	if (ep->reuseport && e->reuseport && ep->uid == e->uid)
		return false;
	if (listening)
		return e->state == TCPS_LISTEN;
	if (ep->reuseaddr && e->reuseaddr &&
	    (ep->type == SOCK_DGRAM || e->state != TCPS_LISTEN))
		return false;
	return true;
}

static bool port_free(struct inet_ep *ep, uint16_t port, bool any_use)
{
	for (struct inet_ep *e = *bucket(ep->type, port); e; e = e->bnext) {
		if (e == ep || e->lport != port)
			continue;
		if (any_use || conflict(ep, e, false))
			return false;
	}
	return true;
}

static void hash_locked(struct inet_ep *ep, uint16_t port)
{
	struct inet_ep **b = bucket(ep->type, port);

	ep->lport = port;
	ep->bnext = *b;
	*b = ep;
	ep->hashed = true;
}

void inet_unhash_locked(struct inet_ep *ep)
{
	struct inet_ep **pp;

	if (!ep->hashed)
		return;
	for (pp = bucket(ep->type, ep->lport); *pp; pp = &(*pp)->bnext)
		if (*pp == ep) {
			*pp = ep->bnext;
			break;
		}
	ep->bnext = NULL;
	ep->hashed = false;
}

void inet_hash_child_locked(struct inet_ep *ep)
{
	hash_locked(ep, ep->lport);
}

/* An ephemeral port nobody uses: 0 or -EADDRINUSE. */
static int pick_port_locked(struct inet_ep *ep)
{
	unsigned n = EPHEMERAL_HI - EPHEMERAL_LO + 1;

	if (!port_next) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		port_next = (unsigned)(ts.tv_nsec ^ (ts.tv_nsec >> 16)) | 1;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + port_next++ % n);

		if (port_free(ep, port, true)) {
			hash_locked(ep, port);
			return 0;
		}
	}
	return -EADDRINUSE;
}

int inet_autobind_locked(struct inet_ep *ep)
{
	if (ep->hashed)
		return 0;
	return pick_port_locked(ep) ? -EAGAIN : 0;
}

int inet_listen_check_locked(struct inet_ep *ep)
{
	for (struct inet_ep *e = *bucket(ep->type, ep->lport); e;
	     e = e->bnext) {
		if (e == ep || e->lport != ep->lport)
			continue;
		if (conflict(ep, e, true))
			return -EADDRINUSE;
	}
	return 0;
}

/* How well ep takes a packet to dst (0: not at all). */
static int score(const struct inet_ep *ep, const struct inet_addr *dst,
		 const struct inet_addr *src, uint16_t sport)
{
	bool d4 = inet_addr_v4(dst);
	int c = cover(ep), sc = 1;

	if (c == COVER_V6_ANY) {
		if (d4 && ep->v6only)
			return 0;
	} else if (c == COVER_V4) {
		if (!d4)
			return 0;
		if (inet_addr_eq(&ep->laddr, dst))
			sc += 4;
		else if (!inet_addr_any(&ep->laddr))
			return 0;
		if (ep->family == SOCK_AF_INET)
			sc += 1;
	} else {
		if (!inet_addr_eq(&ep->laddr, dst))
			return 0;
		sc += 4;
	}
	if (ep->type == SOCK_DGRAM && ep->rport) {
		if (ep->rport != sport || !inet_addr_eq(&ep->raddr, src))
			return 0;
		sc += 8;
	}
	return sc;
}

struct inet_ep *inet_lookup_locked(int type, const struct inet_addr *dst,
				   uint16_t dport, const struct inet_addr *src,
				   uint16_t sport)
{
	struct inet_ep *best = NULL;
	int best_score = 0, ties = 0;

	for (struct inet_ep *e = *bucket(type, dport); e; e = e->bnext) {
		int sc;

		if (e->lport != dport || e->dead)
			continue;
		if (type == SOCK_STREAM && e->state != TCPS_LISTEN)
			continue;
		sc = score(e, dst, src, sport);
		if (!sc)
			continue;
		if (sc > best_score) {
			best = e;
			best_score = sc;
			ties = 1;
		} else if (sc == best_score && e->reuseport &&
			   best->reuseport) {
			/* A reuseport group: spread by the source port. */
			ties++;
			if (sport % (unsigned)ties == 0)
				best = e;
		}
	}
	return best;
}

/* ---- bind and names ----------------------------------------------------- */

static int inet_bind(struct socket *s, struct task *t, const uint8_t *sa,
		     int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	uint16_t family = len >= 2 ? sa_family(sa) : 0;
	struct inet_addr a;
	uint16_t port;
	bool nonlocal;
	int err = 0;

	pthread_mutex_lock(&inet_lock);
	nonlocal = ep->o.freebind || ep->o.transparent || ep->o.v6_freebind;
	pthread_mutex_unlock(&inet_lock);
	if (s->family == SOCK_AF_INET) {
		if (len < SIN_LEN)
			return -EINVAL;
		sa_addr4(sa, &a);
		if (family != SOCK_AF_INET &&
		    (family != SOCK_AF_UNSPEC || !inet_addr_any(&a)))
			return -EAFNOSUPPORT;
		if (!nonlocal && !v4_bindable(&a))
			return -EADDRNOTAVAIL;
	} else {
		if (len < SIN6_LEN_2133)
			return -EINVAL;
		if (family != SOCK_AF_INET6)
			return -EAFNOSUPPORT;
		memcpy(a.b, sa + 8, 16);
		if (inet_addr_v4(&a)) {
			if (ep->v6only)
				return -EINVAL;
			if (!nonlocal && !v4_bindable(&a))
				return -EADDRNOTAVAIL;
		} else if (!inet_addr_eq(&a, &inet_any6) &&
			   !inet_addr_eq(&a, &inet_loop6)) {
			uint32_t scope = 0;

			if (len >= SIN6_LEN)
				memcpy(&scope, sa + 24, 4);
			/* Link-local needs an interface. */
			if (a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80 && !scope)
				return -EINVAL;
			if (!nonlocal && a.b[0] != 0xff)
				return -EADDRNOTAVAIL;
		}
	}
	port = sa_port(sa);
	if (port && port < PROT_SOCK &&
	    !creds_capable(&t->creds, ABI_CAP_NET_BIND_SERVICE))
		return -EACCES;
	pthread_mutex_lock(&inet_lock);
	if (ep->hashed || ep->state != TCPS_CLOSE) {
		err = -EINVAL;
		goto out;
	}
	ep->laddr = a;
	ep->reuseaddr = __atomic_load_n(&s->reuseaddr, __ATOMIC_RELAXED);
	ep->reuseport = __atomic_load_n(&s->reuseport, __ATOMIC_RELAXED);
	if (port) {
		if (!port_free(ep, port, false))
			err = -EADDRINUSE;
		else
			hash_locked(ep, port);
	} else if (!ep->o.bind_no_port) {
		err = pick_port_locked(ep);
	}
	if (err) {
		ep->laddr = s->family == SOCK_AF_INET ? inet_any4 : inet_any6;
		goto out;
	}
	ep->addr_locked = !inet_addr_any(&a);
	ep->port_locked = port != 0;
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

static int inet_getname(struct socket *s, uint8_t *sa, int *len, bool peer)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err = 0;

	pthread_mutex_lock(&inet_lock);
	if (peer) {
		if (!ep->rport ||
		    (s->type == SOCK_STREAM &&
		     (ep->state == TCPS_CLOSE || ep->state == TCPS_SYN_SENT)))
			err = -ENOTCONN;
		else
			*len =
			    inet_sockaddr(s->family, &ep->raddr, ep->rport, sa);
	} else {
		*len = inet_sockaddr(s->family, &ep->laddr, ep->lport, sa);
	}
	pthread_mutex_unlock(&inet_lock);
	return err;
}

/* ---- options ------------------------------------------------------------ */

/* An IP option's int: 4 bytes, or 1 where Linux takes a byte. */
static int ip_int(const void *val, int len, int *v)
{
	if (len >= (int)sizeof(int))
		memcpy(v, val, sizeof(int));
	else if (len >= 1)
		*v = *(const uint8_t *)val;
	else
		*v = 0;
	return 0;
}

/* do_ip_getsockopt's answer: a byte when the caller has room for less
 * than an int and the value fits one. */
static void ip_put(void *val, int *len, int v)
{
	if (*len < (int)sizeof(int) && *len > 0 && v >= 0 && v <= 255) {
		*(uint8_t *)val = (uint8_t)v;
		*len = 1;
		return;
	}
	memcpy(val, &v, sizeof(v));
	*len = (int)sizeof(int);
}

static void int_put(void *val, int *len, int v)
{
	memcpy(val, &v, sizeof(v));
	*len = (int)sizeof(int);
}

#define IP_TOS			1
#define IP_TTL			2
#define IP_HDRINCL		3
#define IP_OPTIONS		4
#define IP_RECVOPTS		6
#define IP_RETOPTS		7
#define IP_PKTINFO		8
#define IP_MTU_DISCOVER		10
#define IP_RECVERR		11
#define IP_RECVTTL		12
#define IP_RECVTOS		13
#define IP_MTU			14
#define IP_FREEBIND		15
#define IP_TRANSPARENT		19
#define IP_RECVORIGDSTADDR	20
#define IP_BIND_ADDRESS_NO_PORT 24
#define IP_MULTICAST_IF		32
#define IP_MULTICAST_TTL	33
#define IP_MULTICAST_LOOP	34
#define IP_ADD_MEMBERSHIP	35
#define IP_DROP_MEMBERSHIP	36
#define IP_MULTICAST_ALL	49

static int ip_getsockopt(struct inet_ep *ep, int name, void *val, int *len)
{
	struct inet_opts *o = &ep->o;

	switch (name) {
	case IP_TOS:
		ip_put(val, len, o->tos);
		return 0;
	case IP_TTL:
		ip_put(val, len, o->ttl < 0 ? 64 : o->ttl);
		return 0;
	case IP_PKTINFO:
		ip_put(val, len, o->pktinfo);
		return 0;
	case IP_MTU_DISCOVER:
		ip_put(val, len, o->mtu_discover);
		return 0;
	case IP_RECVERR:
		ip_put(val, len, o->recverr);
		return 0;
	case IP_RECVTTL:
		ip_put(val, len, o->recvttl);
		return 0;
	case IP_RECVTOS:
		ip_put(val, len, o->recvtos);
		return 0;
	case IP_RECVOPTS:
	case IP_RETOPTS:
		ip_put(val, len, 0);
		return 0;
	case IP_MTU:
		if (!ep->rport || ep->state == TCPS_CLOSE ||
		    ep->state == TCPS_SYN_SENT)
			return -ENOTCONN;
		ip_put(val, len, 65535);
		return 0;
	case IP_FREEBIND:
		ip_put(val, len, o->freebind);
		return 0;
	case IP_TRANSPARENT:
		ip_put(val, len, o->transparent);
		return 0;
	case IP_RECVORIGDSTADDR:
		ip_put(val, len, o->recvorigdstaddr);
		return 0;
	case IP_BIND_ADDRESS_NO_PORT:
		ip_put(val, len, o->bind_no_port);
		return 0;
	case IP_MULTICAST_TTL:
		ip_put(val, len, o->mc_ttl);
		return 0;
	case IP_MULTICAST_LOOP:
		ip_put(val, len, o->mc_loop);
		return 0;
	case IP_MULTICAST_ALL:
		ip_put(val, len, o->mc_all);
		return 0;
	case IP_MULTICAST_IF: {
		uint32_t a = (uint32_t)o->mc_if;

		memcpy(val, &a, 4);
		*len = min_t(int, *len, 4);
		return 0;
	}
	case IP_OPTIONS:
		*len = 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ip_setsockopt(struct inet_ep *ep, struct task *t, int name,
			 const void *val, int len)
{
	struct inet_opts *o = &ep->o;
	bool stream = ep->type == SOCK_STREAM;
	int v;

	ip_int(val, len, &v);
	switch (name) {
	case IP_TOS:
		/* TCP keeps the ECN bits its own. */
		o->tos = stream ? (v & ~3) : (v & 0xff);
		return 0;
	case IP_TTL:
		if (len < 1 || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		o->ttl = v;
		return 0;
	case IP_PKTINFO:
		o->pktinfo = v != 0;
		return 0;
	case IP_MTU_DISCOVER:
		if (v < 0 || v > 5)
			return -EINVAL;
		o->mtu_discover = v;
		return 0;
	case IP_RECVERR:
		o->recverr = v != 0;
		return 0;
	case IP_RECVTTL:
		o->recvttl = v != 0;
		return 0;
	case IP_RECVTOS:
		o->recvtos = v != 0;
		return 0;
	case IP_RECVOPTS:
	case IP_RETOPTS:
		return 0;
	case IP_FREEBIND:
		if (len < 1)
			return -EINVAL;
		o->freebind = v != 0;
		return 0;
	case IP_TRANSPARENT:
		if (!creds_capable(&t->creds, ABI_CAP_NET_RAW) &&
		    !creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
			return -EPERM;
		if (len < 1)
			return -EINVAL;
		o->transparent = v != 0;
		return 0;
	case IP_RECVORIGDSTADDR:
		o->recvorigdstaddr = v != 0;
		return 0;
	case IP_BIND_ADDRESS_NO_PORT:
		o->bind_no_port = v != 0;
		return 0;
	case IP_MULTICAST_TTL:
		if (stream || len < 1)
			return -EINVAL;
		if (v == -1)
			v = 1;
		if (v < 0 || v > 255)
			return -EINVAL;
		o->mc_ttl = v;
		return 0;
	case IP_MULTICAST_LOOP:
		if (len < 1)
			return -EINVAL;
		o->mc_loop = v != 0;
		return 0;
	case IP_MULTICAST_ALL:
		if (len < 1)
			return -EINVAL;
		if (v != 0 && v != 1)
			return -EINVAL;
		o->mc_all = v;
		return 0;
	case IP_MULTICAST_IF: {
		struct inet_addr a;
		uint32_t be = 0;

		if (stream)
			return -EINVAL;
		if (len < 4)
			return -EINVAL;
		/* in_addr, ip_mreq or ip_mreqn: the address comes first in
		 * in_addr, the interface's in ip_mreq (second field). */
		memcpy(&be, (const uint8_t *)val + (len >= 8 ? 4 : 0), 4);
		inet_addr_set_v4(&a, be);
		if (!inet_addr_any(&a) && !v4_loopback(&a))
			return -EADDRNOTAVAIL;
		o->mc_if = (int)be;
		return 0;
	}
	case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP: {
		uint8_t grp0;
		struct inet_addr ifa;
		uint32_t be;
		int ifindex = 0;

		if (len < 8)
			return -EINVAL;
		grp0 = *(const uint8_t *)val;
		if (grp0 < 224 || grp0 >= 240)
			return -EINVAL;
		memcpy(&be, (const uint8_t *)val + 4, 4);
		inet_addr_set_v4(&ifa, be);
		if (len >= 12)
			memcpy(&ifindex, (const uint8_t *)val + 8, 4);
		/* Only lo exists, and nothing routes multicast to it. */
		if (ifindex == 1 || v4_loopback(&ifa))
			return name == IP_ADD_MEMBERSHIP ? 0 : -EADDRNOTAVAIL;
		return -ENODEV;
	}
	case IP_OPTIONS:
		return len > 40 ? -EINVAL : 0;
	case IP_HDRINCL:
		return -ENOPROTOOPT;
	default:
		return -ENOPROTOOPT;
	}
}

#define IPV6_UNICAST_HOPS   16
#define IPV6_MULTICAST_IF   17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_JOIN_GROUP	    20
#define IPV6_LEAVE_GROUP    21
#define IPV6_MTU_DISCOVER   23
#define IPV6_MTU	    24
#define IPV6_RECVERR	    25
#define IPV6_V6ONLY	    26
#define IPV6_RECVPKTINFO    49
#define IPV6_RECVHOPLIMIT   51
#define IPV6_DONTFRAG	    62
#define IPV6_RECVTCLASS	    66
#define IPV6_TCLASS	    67
#define IPV6_AUTOFLOWLABEL  70
#define IPV6_FREEBIND	    78

static int ipv6_getsockopt(struct inet_ep *ep, int name, void *val, int *len)
{
	struct inet_opts *o = &ep->o;
	int v;

	switch (name) {
	case IPV6_V6ONLY:
		v = ep->v6only;
		break;
	case IPV6_UNICAST_HOPS:
		v = o->hops < 0 ? 64 : o->hops;
		break;
	case IPV6_MULTICAST_HOPS:
		v = o->mc_hops;
		break;
	case IPV6_MULTICAST_LOOP:
		v = o->mc_loop6;
		break;
	case IPV6_MULTICAST_IF:
		v = o->mc_if6;
		break;
	case IPV6_MTU_DISCOVER:
		v = o->mtu_discover6;
		break;
	case IPV6_MTU:
		if (!ep->rport || ep->state == TCPS_CLOSE ||
		    ep->state == TCPS_SYN_SENT)
			return -ENOTCONN;
		v = 65536;
		break;
	case IPV6_RECVERR:
		v = o->recverr6;
		break;
	case IPV6_RECVPKTINFO:
		v = o->recvpktinfo6;
		break;
	case IPV6_RECVHOPLIMIT:
		v = o->recvhoplimit;
		break;
	case IPV6_RECVTCLASS:
		v = o->recvtclass;
		break;
	case IPV6_TCLASS:
		v = o->tclass;
		break;
	case IPV6_AUTOFLOWLABEL:
		v = o->autoflowlabel;
		break;
	case IPV6_DONTFRAG:
		v = o->dontfrag;
		break;
	case IPV6_FREEBIND:
		v = o->v6_freebind;
		break;
	default:
		return -ENOPROTOOPT;
	}
	int_put(val, len, v);
	return 0;
}

static int ipv6_setsockopt(struct inet_ep *ep, int name, const void *val,
			   int len)
{
	struct inet_opts *o = &ep->o;
	bool stream = ep->type == SOCK_STREAM;
	int v = 0;

	if (len >= (int)sizeof(int))
		memcpy(&v, val, sizeof(v));
	switch (name) {
	case IPV6_JOIN_GROUP:
	case IPV6_LEAVE_GROUP: {
		int ifindex;

		if (stream)
			return -ENOPROTOOPT;
		if (len < 20)
			return -EINVAL;
		if (*(const uint8_t *)val != 0xff)
			return -EINVAL;
		memcpy(&ifindex, (const uint8_t *)val + 16, 4);
		if (ifindex == 1)
			return name == IPV6_JOIN_GROUP ? 0 : -EADDRNOTAVAIL;
		return -ENODEV;
	}
	default:
		break;
	}
	if (len < (int)sizeof(int))
		return -EINVAL;
	switch (name) {
	case IPV6_V6ONLY:
		if (ep->hashed || ep->lport)
			return -EINVAL;
		ep->v6only = v != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (v > 255 || v < -1)
			return -EINVAL;
		o->hops = v;
		return 0;
	case IPV6_MULTICAST_HOPS:
		if (stream)
			return -EINVAL;
		if (v > 255 || v < -1)
			return -EINVAL;
		o->mc_hops = v == -1 ? 1 : v;
		return 0;
	case IPV6_MULTICAST_LOOP:
		if (v != 0 && v != 1)
			return -EINVAL;
		o->mc_loop6 = v;
		return 0;
	case IPV6_MULTICAST_IF:
		if (stream)
			return -EINVAL;
		if (v != 0 && v != 1)
			return -ENODEV;
		o->mc_if6 = v;
		return 0;
	case IPV6_MTU_DISCOVER:
		if (v < 0 || v > 5)
			return -EINVAL;
		o->mtu_discover6 = v;
		return 0;
	case IPV6_MTU:
		if (v && v < 1280)
			return -EINVAL;
		return 0;
	case IPV6_RECVERR:
		o->recverr6 = v != 0;
		return 0;
	case IPV6_RECVPKTINFO:
		o->recvpktinfo6 = v != 0;
		return 0;
	case IPV6_RECVHOPLIMIT:
		o->recvhoplimit = v != 0;
		return 0;
	case IPV6_RECVTCLASS:
		o->recvtclass = v != 0;
		return 0;
	case IPV6_TCLASS:
		if (v < -1 || v > 0xff)
			return -EINVAL;
		o->tclass = v == -1 ? 0 : v;
		return 0;
	case IPV6_AUTOFLOWLABEL:
		o->autoflowlabel = v != 0;
		return 0;
	case IPV6_DONTFRAG:
		o->dontfrag = v != 0;
		return 0;
	case IPV6_FREEBIND:
		o->v6_freebind = v != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int so_getsockopt(struct socket *s, struct inet_ep *ep, int name,
			 void *val, int *len)
{
	switch (name) {
	case SO_ERROR:
		int_put(val, len, ep->err);
		ep->err = 0;
		return 0;
	case SO_ACCEPTCONN:
		int_put(val, len, ep->state == TCPS_LISTEN);
		return 0;
	case SO_BINDTODEVICE:
		if (ep->o.bound_dev) {
			memcpy(val, "lo", 3);
			*len = min_t(int, *len, 3);
		} else {
			*len = 0;
		}
		return 0;
	case 62: /* SO_BINDTOIFINDEX */
		int_put(val, len, ep->o.bound_dev);
		return 0;
	default:
		(void)s;
		return -ENOPROTOOPT;
	}
}

static int so_setsockopt(struct socket *s, struct task *t, int name,
			 const void *val, int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err;

	switch (name) {
	case SO_BINDTODEVICE: {
		char dev[17] = {0};

		memcpy(dev, val, (size_t)min_t(int, max_t(int, len, 0), 16));
		if (!creds_capable(&t->creds, ABI_CAP_NET_RAW))
			return -EPERM;
		if (dev[0] && strcmp(dev, "lo"))
			return -ENODEV;
		pthread_mutex_lock(&inet_lock);
		ep->o.bound_dev = dev[0] ? 1 : 0;
		pthread_mutex_unlock(&inet_lock);
		return 0;
	}
	case 62: { /* SO_BINDTOIFINDEX */
		int v;

		if (len < (int)sizeof(int))
			return -EINVAL;
		memcpy(&v, val, sizeof(v));
		if (!creds_capable(&t->creds, ABI_CAP_NET_RAW))
			return -EPERM;
		if (v != 0 && v != 1)
			return -ENODEV;
		pthread_mutex_lock(&inet_lock);
		ep->o.bound_dev = v;
		pthread_mutex_unlock(&inet_lock);
		return 0;
	}
	case SO_SNDBUF:
	case SO_RCVBUF:
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE:
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_RCVLOWAT:
		err = sock_common_setsockopt(s, t, name, val, len);
		if (err)
			return err;
		pthread_mutex_lock(&inet_lock);
		pthread_mutex_lock(&s->lock);
		if (name == SO_SNDBUF || name == SO_SNDBUFFORCE) {
			ep->o.sndbuf_locked = true;
			ep->o.sndbuf_val = s->sndbuf;
		} else if (name == SO_RCVBUF || name == SO_RCVBUFFORCE) {
			ep->o.rcvbuf_locked = true;
			ep->o.rcvbuf_val = s->rcvbuf;
		} else if (name == SO_REUSEADDR) {
			ep->reuseaddr = s->reuseaddr;
		} else if (name == SO_REUSEPORT) {
			ep->reuseport = s->reuseport;
		}
		pthread_mutex_unlock(&s->lock);
		/* More room, or a lower mark: waiters look again. */
		inet_wake(ep);
		if (ep->peer)
			inet_wake(ep->peer);
		pthread_mutex_unlock(&inet_lock);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int inet_getsockopt(struct socket *s, struct task *t, int level,
			   int name, void *val, int *len)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err;

	(void)t;
	if (level == SOL_TCP && s->type == SOCK_STREAM)
		return tcp_getsockopt(s, name, val, len);
	if (level == SOL_UDP && s->type == SOCK_DGRAM)
		return udp_getsockopt(s, name, val, len);
	pthread_mutex_lock(&inet_lock);
	if (level == SOL_SOCKET)
		err = so_getsockopt(s, ep, name, val, len);
	else if (level == SOL_IP)
		err = ip_getsockopt(ep, name, val, len);
	else if (level == SOL_IPV6 && s->family == SOCK_AF_INET6)
		err = ipv6_getsockopt(ep, name, val, len);
	else
		/* another protocol's level, or none: ip_getsockopt's and
		 * ipv6_getsockopt's answers differ */
		err = s->family == SOCK_AF_INET6 ? -ENOPROTOOPT : -EOPNOTSUPP;
	pthread_mutex_unlock(&inet_lock);
	/* An unknown IP option is EINVAL to getsockopt. */
	if (level == SOL_IP && err == -ENOPROTOOPT)
		err = -EINVAL;
	return err;
}

static int inet_setsockopt(struct socket *s, struct task *t, int level,
			   int name, const void *val, int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err;

	if (level == SOL_SOCKET)
		return so_setsockopt(s, t, name, val, len);
	if (level == SOL_TCP && s->type == SOCK_STREAM)
		return tcp_setsockopt(s, t, name, val, len);
	if (level == SOL_UDP && s->type == SOCK_DGRAM)
		return udp_setsockopt(s, name, val, len);
	pthread_mutex_lock(&inet_lock);
	if (level == SOL_IP)
		err = ip_setsockopt(ep, t, name, val, len);
	else if (level == SOL_IPV6 && s->family == SOCK_AF_INET6)
		err = ipv6_setsockopt(ep, name, val, len);
	else
		err = -ENOPROTOOPT;
	pthread_mutex_unlock(&inet_lock);
	return err;
}

/* ---- the calls ---------------------------------------------------------- */

static int inet_connect(struct socket *s, struct task *t, const uint8_t *sa,
			int len)
{
	if (s->type == SOCK_STREAM)
		return tcp_connect(s, t, sa, len);
	return udp_connect(s, t, sa, len);
}

static int inet_listen(struct socket *s, struct task *t, int backlog)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	return tcp_listen(s, t, backlog);
}

static int inet_accept(struct socket *s, struct task *t, uint32_t flags,
		       struct file **out, uint8_t *sa, int *len)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	return tcp_accept(s, t, flags, out, sa, len);
}

static ssize_t inet_sendmsg(struct socket *s, struct task *t,
			    struct sock_msg *m, int flags)
{
	if (s->type == SOCK_STREAM)
		return tcp_sendmsg(s, t, m, flags);
	return udp_sendmsg(s, t, m, flags);
}

static ssize_t inet_recvmsg(struct socket *s, struct task *t,
			    struct sock_msg *m, int flags)
{
	m->addrlen = 0;
	if (s->type == SOCK_STREAM)
		return tcp_recvmsg(s, t, m, flags);
	return udp_recvmsg(s, t, m, flags);
}

static int inet_shutdown(struct socket *s, int how)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err = 0;

	if (how < 0 || how > 2)
		return -EINVAL;
	if (s->type == SOCK_STREAM)
		return tcp_shutdown(s, how);
	pthread_mutex_lock(&inet_lock);
	/* A datagram socket: flags only; not connected is ENOTCONN, but
	 * the flags are set (and a blocked receive woken) all the same. */
	if (ep->state != TCPS_ESTABLISHED)
		err = -ENOTCONN;
	ep->shutdown |= how + 1;
	inet_wake(ep);
	pthread_mutex_unlock(&inet_lock);
	return err;
}

static unsigned inet_poll(struct socket *s, unsigned events)
{
	if (s->type == SOCK_STREAM)
		return tcp_poll(s, events);
	return udp_poll(s, events);
}

static long inet_ioctl(struct socket *s, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	if (s->type == SOCK_STREAM)
		return tcp_ioctl(s, t, cmd, arg);
	return udp_ioctl(s, t, cmd, arg);
}

static void inet_release(struct socket *s)
{
	struct inet_ep *ep = inet_ep_of(s);
	bool abort;

	pthread_mutex_lock(&s->lock);
	/* SO_LINGER with a zero timeout: a reset instead of a FIN. */
	abort = s->linger_on && s->linger == 0;
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&inet_lock);
	ep->dead = true;
	ep->sock = NULL;
	if (s->type == SOCK_STREAM)
		tcp_close_locked(ep, abort);
	else
		udp_purge_locked(ep);
	inet_unhash_locked(ep);
	inet_ep_put_locked(ep);
	pthread_mutex_unlock(&inet_lock);
}

static const struct sock_ops inet_ops = {
    .bind = inet_bind,
    .connect = inet_connect,
    .listen = inet_listen,
    .accept = inet_accept,
    .getname = inet_getname,
    .sendmsg = inet_sendmsg,
    .recvmsg = inet_recvmsg,
    .shutdown = inet_shutdown,
    .getsockopt = inet_getsockopt,
    .setsockopt = inet_setsockopt,
    .poll = inet_poll,
    .ioctl = inet_ioctl,
    .release = inet_release,
};

/* Linux's defaults: net.ipv4.tcp_wmem[1] and tcp_rmem[1]. */
#define TCP_SNDBUF_DEFAULT 16384
#define TCP_RCVBUF_DEFAULT 131072

struct file *inet_file_for(struct task *t, struct inet_ep *ep,
			   struct socket *from, uint32_t flags)
{
	int proto = ep->type == SOCK_STREAM ? IPPROTO_TCP_ : IPPROTO_UDP_;
	struct inet_sock *is = (struct inet_sock *)sock_alloc(
	    t, sizeof(*is), &inet_ops, ep->family, ep->type, proto, flags);
	struct socket *s;

	if (!is)
		return NULL;
	s = &is->s;
	if (from) {
		/* An accepted socket has its listener's options. */
		pthread_mutex_lock(&from->lock);
		s->sndbuf = from->sndbuf;
		s->rcvbuf = from->rcvbuf;
		s->rcvlowat = from->rcvlowat;
		s->reuseaddr = from->reuseaddr;
		s->reuseport = from->reuseport;
		s->keepalive = from->keepalive;
		s->broadcast = from->broadcast;
		s->oobinline = from->oobinline;
		s->dontroute = from->dontroute;
		s->linger_on = from->linger_on;
		s->linger = from->linger;
		s->priority = from->priority;
		s->mark = from->mark;
		s->rcvtimeo_ns = from->rcvtimeo_ns;
		s->sndtimeo_ns = from->sndtimeo_ns;
		pthread_mutex_unlock(&from->lock);
	} else if (ep->type == SOCK_STREAM) {
		s->sndbuf = TCP_SNDBUF_DEFAULT;
		s->rcvbuf = TCP_RCVBUF_DEFAULT;
	}
	if (!ep->o.sndbuf_locked)
		ep->o.sndbuf_val = s->sndbuf;
	if (!ep->o.rcvbuf_locked)
		ep->o.rcvbuf_val = s->rcvbuf;
	is->ep = ep;
	inet_ep_get(ep);
	ep->sock = is;
	return &s->f;
}

/* socket(2)'s checks for AF_INET and AF_INET6 (inet_create, inet6_create). */
static int check_type(struct task *t, int family, int type, int protocol)
{
	int icmp = family == SOCK_AF_INET ? IPPROTO_ICMP_ : IPPROTO_ICMPV6_;

	if (protocol < 0 || protocol >= 263)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol && protocol != IPPROTO_TCP_)
			return -EPROTONOSUPPORT;
		return 0;
	case SOCK_DGRAM:
		if (protocol == icmp)
			return -EACCES; /* ping_group_range "1 0" */
		if (protocol && protocol != IPPROTO_UDP_)
			return -EPROTONOSUPPORT;
		return 0;
	case SOCK_RAW:
		if (!protocol)
			return -EPROTONOSUPPORT;
		if (!creds_capable(&t->creds, ABI_CAP_NET_RAW))
			return -EPERM;
		return -EPROTONOSUPPORT;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

int inet_create(struct task *t, int family, int type, int protocol,
		uint32_t flags, struct file **out)
{
	struct inet_ep *ep;
	struct file *f;
	int err;

	if (t->k->host_network)
		return hostinet_create(t, family, type, protocol, flags, out);
	err = check_type(t, family, type, protocol);
	if (err)
		return err;
	ep = inet_ep_new(family, type, t->creds.euid);
	if (!ep)
		return -ENOMEM;
	pthread_mutex_lock(&inet_lock);
	f = inet_file_for(t, ep, NULL, flags);
	inet_ep_put_locked(ep); /* the file holds it now */
	pthread_mutex_unlock(&inet_lock);
	if (!f)
		return -ENOMEM;
	*out = f;
	return 0;
}
