// SPDX-License-Identifier: Apache-2.0
/*
 * --network=host: the host's interfaces, addresses and routes, read over a
 * host rtnetlink socket at boot, before the sentry's seccomp filter goes in
 * (which has no AF_NETLINK socket to allow then).
 */
#include "sentry/net/netdev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct host_read {
	struct netdev_link *links;
	struct netdev_addr *addrs;
	struct netdev_route *routes;
	int nlinks, naddrs, nroutes;
};

/* The attribute's payload into dst (cut to cap); its length. */
static size_t attr_copy(const struct nl_attr *a, void *dst, size_t cap)
{
	size_t n = a->len - NL_ATTR_HDRLEN;

	if (n > cap)
		n = cap;
	memcpy(dst, a + 1, n);
	return n;
}

static uint32_t attr_u32(const struct nl_attr *a)
{
	uint32_t v = 0;

	attr_copy(a, &v, sizeof(v));
	return v;
}

static void attr_str(const struct nl_attr *a, char *dst)
{
	size_t n = attr_copy(a, dst, NETDEV_NAME_MAX - 1);

	dst[n] = '\0';
}

/* Iterate the attributes in [p, p+len). */
#define for_each_attr(a, p, len)                                               \
	for (const struct nl_attr *a = (const void *)(p);                      \
	     (const uint8_t *)a + NL_ATTR_HDRLEN <=                            \
		 (const uint8_t *)(p) + (len) &&                               \
	     a->len >= NL_ATTR_HDRLEN &&                                       \
	     (const uint8_t *)a + a->len <= (const uint8_t *)(p) + (len);      \
	     a = (const void *)((const uint8_t *)a + NL_ALIGN(a->len)))

static void *grow(void *arr, int n, size_t size)
{
	return realloc(arr, (size_t)(n + 1) * size);
}

static int host_link(struct host_read *r, const struct nl_msghdr *h)
{
	const struct nl_ifinfomsg *ifi = (const void *)(h + 1);
	size_t len = h->len - NL_HDRLEN - sizeof(*ifi);
	struct netdev_link *l, *more;

	if (h->len < NL_HDRLEN + sizeof(*ifi))
		return 0;
	more = grow(r->links, r->nlinks, sizeof(*l));
	if (!more)
		return -ENOMEM;
	r->links = more;
	l = &r->links[r->nlinks++];
	memset(l, 0, sizeof(*l));
	l->index = ifi->index;
	l->type = ifi->type;
	l->flags = ifi->flags;
	for_each_attr(a, ifi + 1, len)
	{
		switch (a->type) {
		case IFLA_IFNAME:
			attr_str(a, l->name);
			break;
		case IFLA_QDISC:
			attr_str(a, l->qdisc);
			break;
		case IFLA_MTU:
			l->mtu = attr_u32(a);
			break;
		case IFLA_MIN_MTU:
			l->min_mtu = attr_u32(a);
			break;
		case IFLA_MAX_MTU:
			l->max_mtu = attr_u32(a);
			break;
		case IFLA_TXQLEN:
			l->txqlen = attr_u32(a);
			break;
		case IFLA_GROUP:
			l->group = attr_u32(a);
			break;
		case IFLA_LINK:
			l->link = (int)attr_u32(a);
			break;
		case IFLA_OPERSTATE:
			attr_copy(a, &l->operstate, 1);
			break;
		case IFLA_LINKMODE:
			attr_copy(a, &l->linkmode, 1);
			break;
		case IFLA_CARRIER:
			attr_copy(a, &l->carrier, 1);
			break;
		case IFLA_ADDRESS:
			l->addrlen =
			    (int)attr_copy(a, l->addr, NETDEV_HWADDR_MAX);
			break;
		case IFLA_BROADCAST:
			attr_copy(a, l->brd, NETDEV_HWADDR_MAX);
			break;
		default:
			break;
		}
	}
	return 0;
}

static int host_addr(struct host_read *r, const struct nl_msghdr *h)
{
	const struct nl_ifaddrmsg *ifa = (const void *)(h + 1);
	size_t len = h->len - NL_HDRLEN - sizeof(*ifa);
	struct netdev_addr *d, *more;
	size_t alen;

	if (h->len < NL_HDRLEN + sizeof(*ifa) ||
	    (ifa->family != AF_INET && ifa->family != AF_INET6))
		return 0;
	alen = ifa->family == AF_INET ? 4 : 16;
	more = grow(r->addrs, r->naddrs, sizeof(*d));
	if (!more)
		return -ENOMEM;
	r->addrs = more;
	d = &r->addrs[r->naddrs++];
	memset(d, 0, sizeof(*d));
	d->family = ifa->family;
	d->prefixlen = ifa->prefixlen;
	d->scope = ifa->scope;
	d->index = (int)ifa->index;
	d->flags = ifa->flags;
	d->preferred = d->valid = ~0u;
	for_each_attr(a, ifa + 1, len)
	{
		size_t n = a->len - NL_ATTR_HDRLEN;

		switch (a->type) {
		case IFA_ADDRESS:
			if (n == alen)
				attr_copy(a, d->addr, alen);
			break;
		case IFA_LOCAL:
			if (n == alen) {
				attr_copy(a, d->local, alen);
				d->has_local = true;
			}
			break;
		case IFA_BROADCAST:
			if (n == alen) {
				attr_copy(a, d->brd, alen);
				d->has_brd = true;
			}
			break;
		case IFA_LABEL:
			attr_str(a, d->label);
			break;
		case IFA_FLAGS:
			d->flags = attr_u32(a);
			break;
		case IFA_CACHEINFO: {
			struct nl_ifa_cacheinfo ci;

			if (n >= sizeof(ci)) {
				attr_copy(a, &ci, sizeof(ci));
				d->preferred = ci.prefered;
				d->valid = ci.valid;
			}
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static int host_route(struct host_read *r, const struct nl_msghdr *h)
{
	const struct nl_rtmsg *rtm = (const void *)(h + 1);
	size_t len = h->len - NL_HDRLEN - sizeof(*rtm);
	struct netdev_route *rt, *more;
	size_t alen;

	if (h->len < NL_HDRLEN + sizeof(*rtm) ||
	    (rtm->family != AF_INET && rtm->family != AF_INET6) ||
	    (rtm->flags & RTM_F_CLONED))
		return 0;
	alen = rtm->family == AF_INET ? 4 : 16;
	more = grow(r->routes, r->nroutes, sizeof(*rt));
	if (!more)
		return -ENOMEM;
	r->routes = more;
	rt = &r->routes[r->nroutes++];
	memset(rt, 0, sizeof(*rt));
	rt->family = rtm->family;
	rt->dst_len = rtm->dst_len;
	rt->src_len = rtm->src_len;
	rt->tos = rtm->tos;
	rt->table = rtm->table;
	rt->protocol = rtm->protocol;
	rt->scope = rtm->scope;
	rt->type = rtm->type;
	rt->flags = rtm->flags;
	for_each_attr(a, rtm + 1, len)
	{
		size_t n = a->len - NL_ATTR_HDRLEN;

		switch (a->type) {
		case RTA_DST:
			if (n == alen)
				rt->has_dst = attr_copy(a, rt->dst, alen);
			break;
		case RTA_SRC:
			if (n == alen)
				rt->has_src = attr_copy(a, rt->src, alen);
			break;
		case RTA_GATEWAY:
			if (n == alen)
				rt->has_gateway =
				    attr_copy(a, rt->gateway, alen);
			break;
		case RTA_PREFSRC:
			if (n == alen)
				rt->has_prefsrc =
				    attr_copy(a, rt->prefsrc, alen);
			break;
		case RTA_OIF:
			rt->oif = (int)attr_u32(a);
			break;
		case RTA_PRIORITY:
			rt->priority = attr_u32(a);
			rt->has_priority = true;
			break;
		case RTA_TABLE:
			rt->table = attr_u32(a);
			break;
		case RTA_PREF:
			rt->has_pref = attr_copy(a, &rt->pref, 1);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* One dump of type from the host into r. 0 or -errno. */
static int host_dump(int fd, uint16_t type, struct host_read *r)
{
	struct {
		struct nl_msghdr h;
		struct nl_ifinfomsg body; /* the largest header of the three */
	} req = {{sizeof(req), type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0}, {0}};
	struct nl_sockaddr kernel = {AF_NETLINK, 0, 0, 0};
	size_t cap = 65536;
	uint8_t *buf = malloc(cap);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, cap, 0);
		const uint8_t *p = buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0) {
			err = -EIO;
			break;
		}
		while (p + NL_HDRLEN <= buf + n) {
			const struct nl_msghdr *h = (const void *)p;

			if (h->len < NL_HDRLEN || p + h->len > buf + n)
				break;
			if (h->type == NLMSG_DONE)
				goto out;
			if (h->type == NLMSG_ERROR) {
				int32_t e = -EIO;

				if (h->len >= NL_HDRLEN + 4)
					memcpy(&e, h + 1, 4);
				err = e < 0 ? e : -EIO;
				goto out;
			}
			if (h->type == RTM_NEWLINK)
				err = host_link(r, h);
			else if (h->type == RTM_NEWADDR)
				err = host_addr(r, h);
			else if (h->type == RTM_NEWROUTE)
				err = host_route(r, h);
			if (err)
				goto out;
			p += NL_ALIGN(h->len);
		}
	}
out:
	free(buf);
	return err;
}

int netdev_read_host(void)
{
	struct host_read r = {0};
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = host_dump(fd, RTM_GETLINK, &r);
	if (!err)
		err = host_dump(fd, RTM_GETADDR, &r);
	if (!err)
		err = host_dump(fd, RTM_GETROUTE, &r);
	close(fd);
	if (err || !r.nlinks) {
		free(r.links);
		free(r.addrs);
		free(r.routes);
		return err ? err : -ENODEV;
	}
	netdev_set(&(struct netdev_table){r.links, r.nlinks, r.addrs, r.naddrs,
					  r.routes, r.nroutes});
	return 0;
}
