// SPDX-License-Identifier: Apache-2.0
/*
 * SOCK_AF_NETLINK sockets (net/netlink/af_netlink.c) and the one protocol this
 * kernel serves, NETLINK_ROUTE (net/core/rtnetlink.c), over the sandbox's
 * interfaces (netdev.c): dumps of links, addresses and routes, a link by
 * index or name, acknowledgements and NLMSG_ERROR; messages between
 * netlink sockets of the sandbox by port id or multicast group.
 *
 * Each socket has a queue of datagrams. A request goes to the kernel (port
 * id 0) at sendmsg and its answer is queued at once; a dump is built whole
 * at the request and handed out a datagram at a time, as Linux's
 * netlink_dump fills one buffer per round: the first sized by the largest
 * recvmsg buffer seen so far (at least NL_GOODSIZE), the next made when a
 * read leaves the queue half empty, NLMSG_DONE in a datagram of its own. A
 * read shorter than the datagram loses the rest (MSG_TRUNC).
 *
 * Deviations: the interfaces are read-only: requests that change them are
 * EPERM without CAP_NET_ADMIN and EOPNOTSUPP with it; dumps of neighbours,
 * rules, queueing disciplines and the like are empty; a link message has
 * no IFLA_AF_SPEC, IFLA_LINKINFO or statistics but zeros; the interfaces
 * never change, so no notification is ever multicast by the kernel;
 * extended acknowledgements carry no attributes; NETLINK_LIST_MEMBERSHIPS
 * reports the length it copied, not the length it needs.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/netdev.h"
#include "sentry/net/socket.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NETLINK_ROUTE	  0
#define NETLINK_MAX_LINKS 32
#define NL_ROUTE_GROUPS	  36 /* RTNLGRP_MAX */

#define NETLINK_ADD_MEMBERSHIP	 1
#define NETLINK_DROP_MEMBERSHIP	 2
#define NETLINK_PKTINFO		 3
#define NETLINK_BROADCAST_ERROR	 4
#define NETLINK_NO_ENOBUFS	 5
#define NETLINK_LISTEN_ALL_NSID	 8
#define NETLINK_LIST_MEMBERSHIPS 9
#define NETLINK_CAP_ACK		 10
#define NETLINK_EXT_ACK		 11
#define NETLINK_GET_STRICT_CHK	 12

/* SKB_WITH_OVERHEAD of a page, and of 32 KiB: a dump's datagram sizes. */
#define NL_GOODSIZE 3776
#define NL_DUMP_MAX 32448
/* What a queued datagram costs beyond its bytes, against SO_RCVBUF. */
#define NL_DGRAM_COST 768

#define ABI_CAP_NET_BROADCAST 11

enum {
	NLF_PKTINFO = 1 << 0,
	NLF_BROADCAST_ERROR = 1 << 1,
	NLF_NO_ENOBUFS = 1 << 2,
	NLF_LISTEN_ALL_NSID = 1 << 3,
	NLF_CAP_ACK = 1 << 4,
	NLF_EXT_ACK = 1 << 5,
	NLF_STRICT_CHK = 1 << 6,
};

struct nl_dgram {
	struct nl_dgram *next;
	uint32_t len;
	uint32_t portid; /* the sender's; 0: the kernel */
	uint32_t group;	 /* the multicast group it came to; 0: none */
	struct sock_cred cred;
	uint8_t data[];
};

/* A growing buffer of netlink messages. */
struct nl_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

struct nl_sock {
	struct socket s;
	pthread_cond_t cond;
	struct nl_sock *next; /* nl_socks */
	bool bound;
	uint32_t portid;
	uint32_t dst_portid, dst_group;
	uint64_t groups; /* bit g-1: member of group g */
	unsigned flags;	 /* NLF_* */
	struct nl_dgram *head, **tail;
	size_t rmem; /* the queue's cost */
	int err;     /* sk_err: reported by the next read */
	size_t max_recvmsg_len;
	/* A dump in progress: the messages from dump_off on are to come. */
	bool dumping;
	struct nl_buf dump;
	size_t dump_off;
	uint32_t dump_seq, dump_pid;
	int dump_err; /* NLMSG_DONE's value */
};

/* Every netlink socket's state, and the table of sockets. */
static pthread_mutex_t nl_lock = PTHREAD_MUTEX_INITIALIZER;
/* Broadcast when a queue shrinks: senders to a full socket wait on it. */
static pthread_cond_t nl_room = PTHREAD_COND_INITIALIZER;
static struct nl_sock *nl_socks;
static int32_t nl_rover = -4096;

static const struct sock_ops netlink_ops;

static struct nl_sock *nl_of(struct socket *s)
{
	return container_of(s, struct nl_sock, s);
}

static int nl_rcvbuf(struct nl_sock *nl)
{
	return __atomic_load_n(&nl->s.rcvbuf, __ATOMIC_RELAXED);
}

static struct nl_sock *nl_lookup(uint32_t portid)
{
	for (struct nl_sock *o = nl_socks; o; o = o->next)
		if (o->bound && o->portid == portid)
			return o;
	return NULL;
}

/* netlink_autobind: the thread group's id, else a negative one. */
static void nl_autobind(struct nl_sock *nl, struct task *t)
{
	uint32_t portid = (uint32_t)t->tg->tgid;

	while (nl_lookup(portid)) {
		portid = (uint32_t)nl_rover--;
		if (nl_rover > -4096)
			nl_rover = -4097;
	}
	nl->portid = portid;
	nl->bound = true;
}

/* ---- building messages -------------------------------------------------- */

/* n zeroed bytes at the end of b, aligned to 4; NULL when out of memory. */
static void *nlb_put(struct nl_buf *b, size_t n)
{
	size_t need = b->len + NL_ALIGN(n);
	void *at;

	if (b->oom)
		return NULL;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	at = b->p + b->len;
	memset(at, 0, NL_ALIGN(n));
	b->len = need;
	return at;
}

static size_t nlb_begin(struct nl_buf *b, uint16_t type, uint16_t flags,
			uint32_t seq, uint32_t pid, const void *hdr,
			size_t hdrlen)
{
	size_t off = b->len;
	struct nl_msghdr *h = nlb_put(b, NL_HDRLEN + hdrlen);

	if (h) {
		*h = (struct nl_msghdr){0, type, flags, seq, pid};
		memcpy(h + 1, hdr, hdrlen);
	}
	return off;
}

static void nlb_end(struct nl_buf *b, size_t off)
{
	struct nl_msghdr *h;

	if (b->oom)
		return;
	h = (struct nl_msghdr *)(b->p + off);
	h->len = (uint32_t)(b->len - off);
}

static void nlb_attr(struct nl_buf *b, uint16_t type, const void *data,
		     size_t len)
{
	struct nl_attr *a = nlb_put(b, NL_ATTR_HDRLEN + len);

	if (!a)
		return;
	a->len = (uint16_t)(NL_ATTR_HDRLEN + len);
	a->type = type;
	memcpy(a + 1, data, len);
}

static void nlb_u32(struct nl_buf *b, uint16_t type, uint32_t v)
{
	nlb_attr(b, type, &v, sizeof(v));
}

static void nlb_u8(struct nl_buf *b, uint16_t type, uint8_t v)
{
	nlb_attr(b, type, &v, sizeof(v));
}

static void nlb_str(struct nl_buf *b, uint16_t type, const char *s)
{
	nlb_attr(b, type, s, strnlen(s, NETDEV_NAME_MAX - 1) + 1);
}

static size_t addr_len(int family)
{
	return family == SOCK_AF_INET ? 4 : 16;
}

/* rtnl_fill_ifinfo */
static void put_link(struct nl_buf *b, const struct netdev_link *l,
		     uint32_t seq, uint32_t pid, uint16_t flags)
{
	struct nl_ifinfomsg ifi = {SOCK_AF_UNSPEC, 0,	     l->type,
				   l->index,	   l->flags, 0};
	uint8_t zeros[200] = {0};
	size_t off =
	    nlb_begin(b, RTM_NEWLINK, flags, seq, pid, &ifi, sizeof(ifi));

	nlb_str(b, IFLA_IFNAME, l->name);
	nlb_u32(b, IFLA_TXQLEN, l->txqlen);
	nlb_u8(b, IFLA_OPERSTATE, l->operstate);
	nlb_u8(b, IFLA_LINKMODE, l->linkmode);
	nlb_u32(b, IFLA_MTU, l->mtu);
	nlb_u32(b, IFLA_MIN_MTU, l->min_mtu);
	nlb_u32(b, IFLA_MAX_MTU, l->max_mtu);
	nlb_u32(b, IFLA_GROUP, l->group);
	nlb_u32(b, IFLA_PROMISCUITY, 0);
	nlb_u32(b, IFLA_NUM_TX_QUEUES, 1);
	nlb_u32(b, IFLA_NUM_RX_QUEUES, 1);
	nlb_u8(b, IFLA_CARRIER, l->carrier);
	if (l->qdisc[0])
		nlb_str(b, IFLA_QDISC, l->qdisc);
	nlb_u32(b, IFLA_CARRIER_CHANGES, 0);
	nlb_u8(b, IFLA_PROTO_DOWN, 0);
	if (l->link && l->link != l->index)
		nlb_u32(b, IFLA_LINK, (uint32_t)l->link);
	nlb_attr(b, IFLA_MAP, zeros, 32); /* struct rtnl_link_ifmap */
	if (l->addrlen) {
		nlb_attr(b, IFLA_ADDRESS, l->addr, (size_t)l->addrlen);
		nlb_attr(b, IFLA_BROADCAST, l->brd, (size_t)l->addrlen);
	}
	nlb_attr(b, IFLA_STATS64, zeros, 200); /* rtnl_link_stats64 */
	nlb_attr(b, IFLA_STATS, zeros, 96);    /* rtnl_link_stats */
	nlb_end(b, off);
}

/* inet_fill_ifaddr, inet6_fill_ifaddr */
static void put_addr(struct nl_buf *b, const struct netdev_addr *a,
		     uint32_t seq, uint32_t pid, uint16_t flags)
{
	struct nl_ifaddrmsg ifa = {a->family, a->prefixlen, (uint8_t)a->flags,
				   a->scope, (uint32_t)a->index};
	struct nl_ifa_cacheinfo ci = {a->preferred, a->valid, 0, 0};
	size_t alen = addr_len(a->family);
	size_t off =
	    nlb_begin(b, RTM_NEWADDR, flags, seq, pid, &ifa, sizeof(ifa));

	if (a->family == SOCK_AF_INET6 && a->has_local) {
		nlb_attr(b, IFA_LOCAL, a->local, alen);
		nlb_attr(b, IFA_ADDRESS, a->addr, alen);
	} else {
		nlb_attr(b, IFA_ADDRESS, a->addr, alen);
		if (a->has_local)
			nlb_attr(b, IFA_LOCAL, a->local, alen);
	}
	if (a->has_brd)
		nlb_attr(b, IFA_BROADCAST, a->brd, alen);
	if (a->family == SOCK_AF_INET && a->label[0])
		nlb_str(b, IFA_LABEL, a->label);
	nlb_u32(b, IFA_FLAGS, a->flags);
	nlb_attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
	nlb_end(b, off);
}

/* fib_dump_info, rt6_fill_node */
static void put_route(struct nl_buf *b, const struct netdev_route *r,
		      uint32_t seq, uint32_t pid, uint16_t flags)
{
	struct nl_rtmsg rtm = {
	    r->family,
	    r->dst_len,
	    r->src_len,
	    r->tos,
	    (uint8_t)(r->table < 256 ? r->table : 252 /* RT_TABLE_COMPAT */),
	    r->protocol,
	    r->scope,
	    r->type,
	    r->flags};
	size_t alen = addr_len(r->family);
	size_t off =
	    nlb_begin(b, RTM_NEWROUTE, flags, seq, pid, &rtm, sizeof(rtm));

	nlb_u32(b, RTA_TABLE, r->table);
	if (r->has_dst && r->dst_len)
		nlb_attr(b, RTA_DST, r->dst, alen);
	if (r->has_src && r->src_len)
		nlb_attr(b, RTA_SRC, r->src, alen);
	if (r->has_priority)
		nlb_u32(b, RTA_PRIORITY, r->priority);
	if (r->has_prefsrc)
		nlb_attr(b, RTA_PREFSRC, r->prefsrc, alen);
	if (r->has_gateway)
		nlb_attr(b, RTA_GATEWAY, r->gateway, alen);
	if (r->oif)
		nlb_u32(b, RTA_OIF, (uint32_t)r->oif);
	if (r->has_pref)
		nlb_u8(b, RTA_PREF, r->pref);
	nlb_end(b, off);
}

/* ---- queues ------------------------------------------------------------- */

static void nl_enqueue(struct nl_sock *nl, const void *data, size_t len,
		       uint32_t portid, uint32_t group,
		       const struct sock_cred *cred)
{
	struct nl_dgram *d = malloc(sizeof(*d) + len);

	if (!d) {
		if (!(nl->flags & NLF_NO_ENOBUFS))
			nl->err = ENOBUFS;
		return;
	}
	d->next = NULL;
	d->len = (uint32_t)len;
	d->portid = portid;
	d->group = group;
	d->cred = cred ? *cred : (struct sock_cred){0, 0, 0};
	memcpy(d->data, data, len);
	*nl->tail = d;
	nl->tail = &d->next;
	nl->rmem += len + NL_DGRAM_COST;
	pthread_cond_broadcast(&nl->cond);
	poll_notify();
}

/* netlink_overrun: a datagram dropped for want of room. */
static void nl_overrun(struct nl_sock *nl)
{
	if (nl->flags & NLF_NO_ENOBUFS)
		return;
	nl->err = ENOBUFS;
	pthread_cond_broadcast(&nl->cond);
	poll_notify();
}

/* What the kernel sends to nl (rtnl_unicast): dropped when it is full. */
static void nl_kernel_send(struct nl_sock *nl, const void *data, size_t len)
{
	if (nl->rmem > (size_t)nl_rcvbuf(nl)) {
		nl_overrun(nl);
		return;
	}
	nl_enqueue(nl, data, len, 0, 0, NULL);
}

static bool nl_full(struct nl_sock *nl)
{
	return nl->rmem > (size_t)nl_rcvbuf(nl);
}

/* One more datagram of the dump in progress (netlink_dump). */
static void nl_dump_next(struct nl_sock *nl)
{
	size_t limit = max_t(size_t, NL_GOODSIZE,
			     min_t(size_t, nl->max_recvmsg_len, NL_DUMP_MAX));
	size_t end = nl->dump_off;

	if (end < nl->dump.len) {
		while (end < nl->dump.len) {
			const struct nl_msghdr *h =
			    (const void *)(nl->dump.p + end);
			size_t n = NL_ALIGN(h->len);

			if (end > nl->dump_off &&
			    end + n - nl->dump_off > limit)
				break;
			end += n;
		}
		nl_enqueue(nl, nl->dump.p + nl->dump_off, end - nl->dump_off, 0,
			   0, NULL);
		nl->dump_off = end;
		return;
	}
	struct {
		struct nl_msghdr h;
		int32_t err;
	} done = {
	    {sizeof(done), NLMSG_DONE, NLM_F_MULTI, nl->dump_seq, nl->dump_pid},
	    nl->dump_err};
	nl_enqueue(nl, &done, sizeof(done), 0, 0, NULL);
	free(nl->dump.p);
	memset(&nl->dump, 0, sizeof(nl->dump));
	nl->dump_off = 0;
	nl->dumping = false;
}

/* ---- rtnetlink ---------------------------------------------------------- */

/* netlink_ack: NLMSG_ERROR for the request msg (h its header). */
static void nl_ack(struct nl_sock *nl, const uint8_t *msg,
		   const struct nl_msghdr *h, int err)
{
	bool capped = !err || (nl->flags & NLF_CAP_ACK);
	size_t copy = capped ? NL_HDRLEN : h->len;
	struct nl_buf b = {0};
	int32_t e = err;
	size_t off = nlb_begin(&b, NLMSG_ERROR, capped ? NLM_F_CAPPED : 0,
			       h->seq, nl->portid, &e, sizeof(e));
	uint8_t *at = nlb_put(&b, copy);

	if (at)
		memcpy(at, msg, copy);
	nlb_end(&b, off);
	if (!b.oom)
		nl_kernel_send(nl, b.p, b.len);
	else
		nl_overrun(nl);
	free(b.p);
}

/* The attribute type in the payload after a fixed header, or NULL. */
static const struct nl_attr *find_attr(const uint8_t *p, size_t len,
				       uint16_t type)
{
	size_t off = 0;

	while (len - off >= NL_ATTR_HDRLEN) {
		const struct nl_attr *a = (const void *)(p + off);

		if (a->len < NL_ATTR_HDRLEN || a->len > len - off)
			return NULL;
		if ((a->type & 0x3fff) == type)
			return a;
		off += NL_ALIGN(a->len);
		if (off > len)
			break;
	}
	return NULL;
}

/* RTM_GETLINK with NLM_F_DUMP (rtnl_dump_ifinfo). */
static int dump_links(struct nl_sock *nl, const struct nl_msghdr *h,
		      const uint8_t *body, size_t blen, struct nl_buf *b)
{
	const struct netdev_table *tb = netdev_get();

	if (nl->flags & NLF_STRICT_CHK) {
		struct nl_ifinfomsg ifi;

		if (blen < sizeof(ifi))
			return -EINVAL;
		memcpy(&ifi, body, sizeof(ifi));
		if (ifi.pad || ifi.type || ifi.flags || ifi.change || ifi.index)
			return -EINVAL;
	}
	for (int i = 0; i < tb->nlinks; i++)
		put_link(b, &tb->links[i], h->seq, nl->portid, NLM_F_MULTI);
	return 0;
}

/* RTM_GETADDR with NLM_F_DUMP (inet_dump_ifaddr, inet6_dump_addr). */
static int dump_addrs(struct nl_sock *nl, const struct nl_msghdr *h,
		      const uint8_t *body, size_t blen, struct nl_buf *b)
{
	const struct netdev_table *tb = netdev_get();
	int family = body[0], index = 0;

	if (nl->flags & NLF_STRICT_CHK) {
		struct nl_ifaddrmsg ifa;

		if (blen < sizeof(ifa))
			return -EINVAL;
		memcpy(&ifa, body, sizeof(ifa));
		if (ifa.prefixlen || ifa.flags || ifa.scope)
			return -EINVAL;
		index = (int)ifa.index;
		if (index && !netdev_by_index(index))
			return -ENODEV;
	}
	for (int pass = 0; pass < 2; pass++) {
		int fam = pass ? SOCK_AF_INET6 : SOCK_AF_INET;

		if (family != SOCK_AF_UNSPEC && family != fam)
			continue;
		for (int i = 0; i < tb->nlinks; i++) {
			int ix = tb->links[i].index;

			if (index && ix != index)
				continue;
			for (int j = 0; j < tb->naddrs; j++) {
				const struct netdev_addr *a = &tb->addrs[j];

				if (a->family == fam && a->index == ix)
					put_addr(b, a, h->seq, nl->portid,
						 NLM_F_MULTI);
			}
		}
	}
	return 0;
}

/* RTM_GETROUTE with NLM_F_DUMP (inet_dump_fib, inet6_dump_fib). */
static int dump_routes(struct nl_sock *nl, const struct nl_msghdr *h,
		       const uint8_t *body, size_t blen, struct nl_buf *b)
{
	const struct netdev_table *tb = netdev_get();
	struct nl_rtmsg rtm = {.family = body[0]};
	uint32_t table = 0;
	int oif = 0;

	if (blen >= sizeof(rtm))
		memcpy(&rtm, body, sizeof(rtm));
	if (nl->flags & NLF_STRICT_CHK) {
		const struct nl_attr *a;

		if (blen < sizeof(rtm))
			return -EINVAL;
		if (rtm.dst_len || rtm.src_len || rtm.tos || rtm.scope ||
		    (rtm.flags & ~(uint32_t)(RTM_F_CLONED | 0x800)))
			return -EINVAL;
		table = rtm.table;
		a = find_attr(body + sizeof(rtm), blen - sizeof(rtm),
			      RTA_TABLE);
		if (a && a->len >= NL_ATTR_HDRLEN + 4)
			memcpy(&table, a + 1, 4);
		a = find_attr(body + sizeof(rtm), blen - sizeof(rtm), RTA_OIF);
		if (a && a->len >= NL_ATTR_HDRLEN + 4) {
			memcpy(&oif, a + 1, 4);
			if (oif && !netdev_by_index(oif))
				return -ENODEV;
		}
	} else {
		rtm.protocol = 0;
		rtm.type = 0;
	}
	/* The route cache: none to show. */
	if (rtm.flags & RTM_F_CLONED)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		int fam = pass ? SOCK_AF_INET6 : SOCK_AF_INET;

		if (rtm.family != SOCK_AF_UNSPEC && rtm.family != fam)
			continue;
		for (int i = 0; i < tb->nroutes; i++) {
			const struct netdev_route *r = &tb->routes[i];

			if (r->family != fam || (table && r->table != table) ||
			    (rtm.protocol && r->protocol != rtm.protocol) ||
			    (rtm.type && r->type != rtm.type) ||
			    (oif && r->oif != oif))
				continue;
			put_route(b, r, h->seq, nl->portid, NLM_F_MULTI);
		}
	}
	return 0;
}

/* GET requests whose dumps Linux has and ours leaves empty. */
static bool dump_empty(int type)
{
	switch (type) {
	case RTM_GETNEIGH:
	case RTM_GETRULE:
	case RTM_GETQDISC:
	case RTM_GETTCLASS:
	case RTM_GETTFILTER:
	case RTM_GETACTION:
	case RTM_GETMULTICAST:
	case RTM_GETANYCAST:
	case RTM_GETNEIGHTBL:
	case RTM_GETADDRLABEL:
	case RTM_GETNETCONF:
	case RTM_GETMDB:
	case RTM_GETNSID:
	case RTM_GETSTATS:
	case RTM_GETCHAIN:
	case RTM_GETNEXTHOP:
	case RTM_GETVLAN:
	case RTM_GETNEXTHOPBUCKET:
	case RTM_GETTUNNEL:
		return true;
	default:
		return false;
	}
}

/* A dump request: -EINTR once it started (no acknowledgement follows). */
static int rtnl_dump_start(struct nl_sock *nl, const struct nl_msghdr *h,
			   const uint8_t *body, size_t blen)
{
	struct nl_buf b = {0};
	int err = 0;

	if (h->type != RTM_GETLINK && h->type != RTM_GETADDR &&
	    h->type != RTM_GETROUTE && !dump_empty(h->type))
		return -EOPNOTSUPP;
	if (nl->dumping)
		return -EBUSY;
	if (h->type == RTM_GETLINK)
		err = dump_links(nl, h, body, blen, &b);
	else if (h->type == RTM_GETADDR)
		err = dump_addrs(nl, h, body, blen, &b);
	else if (h->type == RTM_GETROUTE)
		err = dump_routes(nl, h, body, blen, &b);
	if (b.oom) {
		free(b.p);
		return -ENOBUFS;
	}
	if (err) {
		free(b.p);
		memset(&b, 0, sizeof(b));
	}
	nl->dumping = true;
	nl->dump = b;
	nl->dump_off = 0;
	nl->dump_seq = h->seq;
	nl->dump_pid = nl->portid;
	nl->dump_err = err;
	if (nl->rmem < (size_t)nl_rcvbuf(nl))
		nl_dump_next(nl);
	return -EINTR;
}

/* RTM_GETLINK without NLM_F_DUMP (rtnl_getlink). */
static int rtnl_getlink(struct nl_sock *nl, const struct nl_msghdr *h,
			const uint8_t *body, size_t blen)
{
	const struct netdev_link *l = NULL;
	struct nl_ifinfomsg ifi;
	const struct nl_attr *a;
	struct nl_buf b = {0};

	if (blen < sizeof(ifi))
		return -EINVAL;
	memcpy(&ifi, body, sizeof(ifi));
	if ((nl->flags & NLF_STRICT_CHK) &&
	    (ifi.pad || ifi.type || ifi.flags || ifi.change))
		return -EINVAL;
	a = find_attr(body + sizeof(ifi), blen - sizeof(ifi), IFLA_IFNAME);
	if (ifi.index > 0) {
		l = netdev_by_index(ifi.index);
	} else if (a) {
		char name[NETDEV_NAME_MAX] = {0};
		size_t n = a->len - NL_ATTR_HDRLEN;

		if (n > NETDEV_NAME_MAX ||
		    (n == NETDEV_NAME_MAX && ((const char *)(a + 1))[n - 1]))
			return -ERANGE;
		memcpy(name, a + 1, n);
		l = netdev_by_name(name);
	} else {
		return -EINVAL;
	}
	if (!l)
		return -ENODEV;
	put_link(&b, l, h->seq, nl->portid, 0);
	if (b.oom) {
		free(b.p);
		return -ENOBUFS;
	}
	nl_kernel_send(nl, b.p, b.len);
	free(b.p);
	return 0;
}

/* rtnetlink_rcv_msg: one request; 0, -errno, or -EINTR (a dump began). */
static int rtnl_msg(struct nl_sock *nl, struct task *t, const uint8_t *msg,
		    const struct nl_msghdr *h)
{
	const uint8_t *body = msg + NL_HDRLEN;
	size_t blen = h->len - NL_HDRLEN;
	int kind;

	if (h->type > RTM_MAX)
		return -EOPNOTSUPP;
	/* Shorter than struct rtgenmsg: ignored. */
	if (blen < 1)
		return 0;
	kind = (h->type - RTM_BASE) & 3;
	if (kind != 2) {
		/* New, delete, set: the interfaces are read-only. */
		if (!creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
			return -EPERM;
		return -EOPNOTSUPP;
	}
	if (h->flags & NLM_F_DUMP)
		return rtnl_dump_start(nl, h, body, blen);
	if (h->type == RTM_GETLINK)
		return rtnl_getlink(nl, h, body, blen);
	return -EOPNOTSUPP;
}

/* netlink_rcv_skb: the kernel's side of a datagram sent to it. */
static void nl_kernel_rcv(struct nl_sock *nl, struct task *t,
			  const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (len - off >= NL_HDRLEN) {
		struct nl_msghdr h;
		int err = 0;

		memcpy(&h, data + off, sizeof(h));
		if (h.len < NL_HDRLEN || h.len > len - off)
			return;
		/* Only requests are the kernel's; control messages are
		 * acknowledged and skipped. */
		if ((h.flags & NLM_F_REQUEST) && h.type >= NLMSG_MIN_TYPE)
			err = rtnl_msg(nl, t, data + off, &h);
		if (err != -EINTR && ((h.flags & NLM_F_ACK) || err))
			nl_ack(nl, data + off, &h, err);
		off += NL_ALIGN(h.len);
		if (off > len)
			break;
	}
}

/* ---- socket operations -------------------------------------------------- */

static int nl_bind(struct socket *s, struct task *t, const uint8_t *addr,
		   int addrlen)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_sockaddr sa;
	int err = 0;

	if (addrlen < (int)sizeof(sa))
		return -EINVAL;
	memcpy(&sa, addr, sizeof(sa));
	if (sa.family != SOCK_AF_NETLINK)
		return -EINVAL;
	pthread_mutex_lock(&nl_lock);
	if (nl->bound) {
		if (sa.pid != nl->portid)
			err = -EINVAL;
	} else if (sa.pid) {
		if (nl_lookup(sa.pid)) {
			err = -EADDRINUSE;
		} else {
			nl->portid = sa.pid;
			nl->bound = true;
		}
	} else {
		nl_autobind(nl, t);
	}
	if (!err)
		nl->groups = (nl->groups & ~0xffffffffull) |
			     (sa.groups & ((1ull << NL_ROUTE_GROUPS) - 1));
	pthread_mutex_unlock(&nl_lock);
	return err;
}

static int nl_connect(struct socket *s, struct task *t, const uint8_t *addr,
		      int addrlen)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_sockaddr sa;

	if (addrlen < 2)
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, addr, min_t(size_t, (size_t)addrlen, sizeof(sa)));
	pthread_mutex_lock(&nl_lock);
	if (sa.family == SOCK_AF_UNSPEC) {
		nl->dst_portid = 0;
		nl->dst_group = 0;
		pthread_mutex_unlock(&nl_lock);
		return 0;
	}
	pthread_mutex_unlock(&nl_lock);
	if (sa.family != SOCK_AF_NETLINK || addrlen < (int)sizeof(sa))
		return -EINVAL;
	if ((sa.groups || sa.pid) &&
	    !creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
		return -EPERM;
	pthread_mutex_lock(&nl_lock);
	if (!nl->bound)
		nl_autobind(nl, t);
	nl->dst_portid = sa.pid;
	nl->dst_group = (uint32_t)__builtin_ffs((int)sa.groups);
	pthread_mutex_unlock(&nl_lock);
	return 0;
}

static int nl_getname(struct socket *s, uint8_t *addr, int *addrlen, bool peer)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_sockaddr sa = {SOCK_AF_NETLINK, 0, 0, 0};

	pthread_mutex_lock(&nl_lock);
	if (peer) {
		sa.pid = nl->dst_portid;
		sa.groups = nl->dst_group ? 1u << (nl->dst_group - 1) : 0;
	} else {
		sa.pid = nl->portid;
		sa.groups = (uint32_t)nl->groups;
	}
	pthread_mutex_unlock(&nl_lock);
	memcpy(addr, &sa, sizeof(sa));
	*addrlen = sizeof(sa);
	return 0;
}

static int nl_no_listen(struct socket *s, struct task *t, int backlog)
{
	(void)s;
	(void)t;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int nl_no_accept(struct socket *s, struct task *t, uint32_t flags,
			struct file **out, uint8_t *addr, int *addrlen)
{
	(void)s;
	(void)t;
	(void)flags;
	(void)out;
	(void)addr;
	(void)addrlen;
	return -EOPNOTSUPP;
}

static int nl_no_shutdown(struct socket *s, int how)
{
	(void)s;
	(void)how;
	return -EOPNOTSUPP;
}

/* netlink_broadcast from a socket of the sandbox: every other member. */
static void nl_broadcast(struct nl_sock *from, const void *data, size_t len,
			 uint32_t group, const struct sock_cred *cred)
{
	for (struct nl_sock *o = nl_socks; o; o = o->next) {
		if (o == from || !o->bound ||
		    !(o->groups & (1ull << (group - 1))))
			continue;
		if (nl_full(o))
			nl_overrun(o);
		else
			nl_enqueue(o, data, len, from->portid, group, cred);
	}
}

/* netlink_unicast to another socket of the sandbox, lock held. */
static int nl_unicast(struct nl_sock *from, struct task *t, uint32_t portid,
		      const void *data, size_t len, bool nonblock,
		      const struct sock_cred *cred)
{
	struct timespec deadline;
	bool started = false;

	for (;;) {
		struct nl_sock *to = nl_lookup(portid);
		int err;

		if (!to)
			return -ECONNREFUSED;
		if (!nl_full(to)) {
			nl_enqueue(to, data, len, from->portid, 0, cred);
			return 0;
		}
		if (nonblock)
			return -EAGAIN;
		err = sock_wait(
		    t, &nl_lock, &nl_room,
		    __atomic_load_n(&from->s.sndtimeo_ns, __ATOMIC_RELAXED),
		    &deadline, &started);
		if (err)
			return err;
	}
}

static ssize_t nl_sendmsg(struct socket *s, struct task *t, struct sock_msg *m,
			  int flags)
{
	struct nl_sock *nl = nl_of(s);
	struct sock_cred cred = {t->tg->tgid, t->creds.euid, t->creds.egid};
	uint32_t dst_portid, dst_group;
	struct sock_iter it;
	uint64_t len;
	uint8_t *buf;
	int err = 0;

	if (flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	sock_iter_init(&it, m->iov, m->iovcnt);
	len = sock_iter_left(&it);
	if (!len)
		return -ENODATA;
	if (m->has_cred)
		cred = m->cred;
	if (m->addrlen) {
		struct nl_sockaddr sa;

		if (m->addrlen < (int)sizeof(sa))
			return -EINVAL;
		memcpy(&sa, m->addr, sizeof(sa));
		if (sa.family != SOCK_AF_NETLINK)
			return -EINVAL;
		dst_portid = sa.pid;
		dst_group = (uint32_t)__builtin_ffs((int)sa.groups);
		if ((dst_group || dst_portid) &&
		    !creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
			return -EPERM;
	} else {
		pthread_mutex_lock(&nl_lock);
		dst_portid = nl->dst_portid;
		dst_group = nl->dst_group;
		pthread_mutex_unlock(&nl_lock);
	}
	if (len > (uint64_t)__atomic_load_n(&s->sndbuf, __ATOMIC_RELAXED) - 32)
		return -EMSGSIZE;
	buf = malloc(len);
	if (!buf)
		return -ENOBUFS;
	if (sock_iter_copy(t, &it, buf, len, false)) {
		free(buf);
		return -EFAULT;
	}
	pthread_mutex_lock(&nl_lock);
	if (!nl->bound)
		nl_autobind(nl, t);
	if (dst_group)
		nl_broadcast(nl, buf, len, dst_group, &cred);
	if (!dst_portid)
		nl_kernel_rcv(nl, t, buf, len);
	else
		err = nl_unicast(nl, t, dst_portid, buf, len,
				 sock_nonblock(s, flags), &cred);
	pthread_mutex_unlock(&nl_lock);
	free(buf);
	return err ? err : (ssize_t)len;
}

static ssize_t nl_recvmsg(struct socket *s, struct task *t, struct sock_msg *m,
			  int flags)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_sockaddr sa = {SOCK_AF_NETLINK, 0, 0, 0};
	struct timespec deadline;
	bool started = false;
	struct sock_iter it;
	struct nl_dgram *d;
	uint64_t want;
	size_t copied;
	ssize_t ret;
	int err;

	if (flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	sock_iter_init(&it, m->iov, m->iovcnt);
	want = sock_iter_left(&it);
	pthread_mutex_lock(&nl_lock);
	nl->max_recvmsg_len = min_t(
	    size_t, max_t(uint64_t, nl->max_recvmsg_len, want), NL_DUMP_MAX);
	for (;;) {
		if (nl->err) {
			err = -nl->err;
			nl->err = 0;
			pthread_mutex_unlock(&nl_lock);
			return err;
		}
		if (nl->head)
			break;
		if (sock_nonblock(s, flags)) {
			pthread_mutex_unlock(&nl_lock);
			return -EAGAIN;
		}
		err = sock_wait(
		    t, &nl_lock, &nl->cond,
		    __atomic_load_n(&s->rcvtimeo_ns, __ATOMIC_RELAXED),
		    &deadline, &started);
		if (err) {
			pthread_mutex_unlock(&nl_lock);
			return err;
		}
	}
	d = nl->head;
	copied = d->len;
	if (want < copied) {
		copied = (size_t)want;
		m->msg_flags |= SOCK_MSG_TRUNC;
	}
	err = sock_iter_copy(t, &it, d->data, copied, true);
	sa.pid = d->portid;
	sa.groups = d->group ? 1u << (d->group - 1) : 0;
	memcpy(m->addr, &sa, sizeof(sa));
	m->addrlen = sizeof(sa);
	if (nl->flags & NLF_PKTINFO)
		sock_put_cmsg(m, NL_SOL_NETLINK, NETLINK_PKTINFO, &d->group,
			      sizeof(d->group));
	if (__atomic_load_n(&s->passcred, __ATOMIC_RELAXED))
		sock_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &d->cred,
			      sizeof(d->cred));
	ret = (flags & SOCK_MSG_TRUNC) ? (ssize_t)d->len : (ssize_t)copied;
	if (!(flags & SOCK_MSG_PEEK)) {
		nl->head = d->next;
		if (!nl->head)
			nl->tail = &nl->head;
		nl->rmem -= d->len + NL_DGRAM_COST;
		free(d);
		pthread_cond_broadcast(&nl_room);
		if (nl->dumping && nl->rmem <= (size_t)nl_rcvbuf(nl) / 2)
			nl_dump_next(nl);
	}
	pthread_mutex_unlock(&nl_lock);
	return err ? err : ret;
}

static int nl_getsockopt(struct socket *s, struct task *t, int level, int name,
			 void *val, int *len)
{
	struct nl_sock *nl = nl_of(s);
	unsigned flag;
	int v;

	(void)t;
	if (level != NL_SOL_NETLINK)
		return -ENOPROTOOPT;
	switch (name) {
	case NETLINK_PKTINFO:
		flag = NLF_PKTINFO;
		break;
	case NETLINK_BROADCAST_ERROR:
		flag = NLF_BROADCAST_ERROR;
		break;
	case NETLINK_NO_ENOBUFS:
		flag = NLF_NO_ENOBUFS;
		break;
	case NETLINK_LISTEN_ALL_NSID:
		flag = NLF_LISTEN_ALL_NSID;
		break;
	case NETLINK_CAP_ACK:
		flag = NLF_CAP_ACK;
		break;
	case NETLINK_EXT_ACK:
		flag = NLF_EXT_ACK;
		break;
	case NETLINK_GET_STRICT_CHK:
		flag = NLF_STRICT_CHK;
		break;
	case NETLINK_LIST_MEMBERSHIPS: {
		/* ALIGN(BITS_TO_BYTES(ngroups), 4) bytes of bitmap. */
		uint64_t g;
		int need = (NL_ROUTE_GROUPS + 31) / 32 * 4;

		pthread_mutex_lock(&nl_lock);
		g = nl->groups;
		pthread_mutex_unlock(&nl_lock);
		*len = min_t(int, *len, need) & ~3;
		memcpy(val, &g, (size_t)*len);
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	if (*len < (int)sizeof(int))
		return -EINVAL;
	pthread_mutex_lock(&nl_lock);
	v = (nl->flags & flag) != 0;
	pthread_mutex_unlock(&nl_lock);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int nl_setsockopt(struct socket *s, struct task *t, int level, int name,
			 const void *val, int len)
{
	struct nl_sock *nl = nl_of(s);
	unsigned flag = 0;
	unsigned v = 0;

	if (level != NL_SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len >= (int)sizeof(int))
		memcpy(&v, val, sizeof(v));
	switch (name) {
	case NETLINK_PKTINFO:
		flag = NLF_PKTINFO;
		break;
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		if (!v || v - 1 >= NL_ROUTE_GROUPS)
			return -EINVAL;
		pthread_mutex_lock(&nl_lock);
		if (name == NETLINK_ADD_MEMBERSHIP)
			nl->groups |= 1ull << (v - 1);
		else
			nl->groups &= ~(1ull << (v - 1));
		pthread_mutex_unlock(&nl_lock);
		return 0;
	case NETLINK_BROADCAST_ERROR:
		flag = NLF_BROADCAST_ERROR;
		break;
	case NETLINK_NO_ENOBUFS:
		flag = NLF_NO_ENOBUFS;
		break;
	case NETLINK_LISTEN_ALL_NSID:
		if (!creds_capable(&t->creds, ABI_CAP_NET_BROADCAST))
			return -EPERM;
		flag = NLF_LISTEN_ALL_NSID;
		break;
	case NETLINK_CAP_ACK:
		flag = NLF_CAP_ACK;
		break;
	case NETLINK_EXT_ACK:
		flag = NLF_EXT_ACK;
		break;
	case NETLINK_GET_STRICT_CHK:
		flag = NLF_STRICT_CHK;
		break;
	default:
		return -ENOPROTOOPT;
	}
	pthread_mutex_lock(&nl_lock);
	if (v)
		nl->flags |= flag;
	else
		nl->flags &= ~flag;
	pthread_mutex_unlock(&nl_lock);
	return 0;
}

/* datagram_poll */
static unsigned nl_poll(struct socket *s, unsigned events)
{
	struct nl_sock *nl = nl_of(s);
	unsigned mask = SOCK_POLLOUT | SOCK_POLLWRNORM | SOCK_POLLWRBAND;

	(void)events;
	pthread_mutex_lock(&nl_lock);
	if (nl->err)
		mask |= SOCK_POLLERR;
	if (nl->head)
		mask |= SOCK_POLLIN | SOCK_POLLRDNORM;
	pthread_mutex_unlock(&nl_lock);
	return mask;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *nl = nl_of(s);
	struct nl_dgram *d;

	pthread_mutex_lock(&nl_lock);
	for (struct nl_sock **p = &nl_socks; *p; p = &(*p)->next) {
		if (*p == nl) {
			*p = nl->next;
			break;
		}
	}
	pthread_cond_broadcast(&nl_room);
	pthread_mutex_unlock(&nl_lock);
	while ((d = nl->head)) {
		nl->head = d->next;
		free(d);
	}
	free(nl->dump.p);
	pthread_cond_destroy(&nl->cond);
}

static const struct sock_ops netlink_ops = {
    .bind = nl_bind,
    .connect = nl_connect,
    .listen = nl_no_listen,
    .accept = nl_no_accept,
    .getname = nl_getname,
    .sendmsg = nl_sendmsg,
    .recvmsg = nl_recvmsg,
    .shutdown = nl_no_shutdown,
    .getsockopt = nl_getsockopt,
    .setsockopt = nl_setsockopt,
    .poll = nl_poll,
    .release = nl_release,
};

int netlink_create(struct task *t, int type, int protocol, uint32_t flags,
		   struct file **out)
{
	struct socket *s;
	struct nl_sock *nl;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	/* No other protocol is served: as a kernel without its module. */
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	s = sock_alloc(t, sizeof(*nl), &netlink_ops, SOCK_AF_NETLINK, type,
		       protocol, flags);
	if (!s)
		return -ENOMEM;
	nl = nl_of(s);
	pthread_cond_init(&nl->cond, NULL);
	nl->tail = &nl->head;
	pthread_mutex_lock(&nl_lock);
	nl->next = nl_socks;
	nl_socks = nl;
	pthread_mutex_unlock(&nl_lock);
	*out = &s->f;
	return 0;
}
