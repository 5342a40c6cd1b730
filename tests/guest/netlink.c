// SPDX-License-Identifier: Apache-2.0
/*
 * AF_NETLINK with NETLINK_ROUTE: socket types and protocols, bind and
 * autobind, names; dumps of links, addresses and routes (the loopback
 * device, which every network namespace has, is found in each), a link by
 * index and by name, acknowledgements and NLMSG_ERROR (with the request
 * echoed, or capped), a datagram cut by a short read (MSG_TRUNC, the rest
 * lost) and MSG_PEEK, messages between two netlink sockets, poll, options;
 * glibc's getifaddrs, if_nametoindex, if_indextoname and if_nameindex; and
 * changes refused without CAP_NET_ADMIN.
 */
#include "guest.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#define BUFSZ 65536

static uint8_t buf[BUFSZ];
static uint32_t seqno = 100;

static int nl_open(void)
{
	int fd = (int)SYS3(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			   NETLINK_ROUTE);

	CHECK(fd >= 0);
	return fd;
}

static uint32_t nl_portid(int fd)
{
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0xff, sizeof(sa));
	CHECK_OK(SYS3(SYS_getsockname, fd, &sa, &len));
	CHECK_EQ(len, sizeof(sa));
	CHECK_EQ(sa.nl_family, AF_NETLINK);
	return sa.nl_pid;
}

/* Send a request of type with body (blen bytes) and flags; its seq. */
static uint32_t nl_send(int fd, uint16_t type, uint16_t flags, const void *body,
			size_t blen)
{
	uint8_t req[256];
	struct nlmsghdr *h = (struct nlmsghdr *)req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	memset(req, 0, sizeof(req));
	h->nlmsg_len = (uint32_t)NLMSG_LENGTH(blen);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = ++seqno;
	memcpy(NLMSG_DATA(h), body, blen);
	CHECK_EQ(
	    SYS6(SYS_sendto, fd, req, h->nlmsg_len, 0, &kernel, sizeof(kernel)),
	    h->nlmsg_len);
	return seqno;
}

static long nl_recv(int fd, void *b, size_t len, int flags)
{
	return SYS6(SYS_recvfrom, fd, b, len, flags, 0, 0);
}

/* The rtattr of type among a message's attributes, or NULL. */
static struct rtattr *find_rta(struct nlmsghdr *h, size_t hdr, int type)
{
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(hdr));
	struct rtattr *a =
	    (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdr));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

/*
 * Read a whole dump answering seq, calling fn on each message; the number
 * of datagrams it took. Every message is checked for its pid and seq.
 */
static int nl_dump(int fd, uint32_t seq, void (*fn)(struct nlmsghdr *h),
		   int *done_err)
{
	uint32_t me = nl_portid(fd);
	int dgrams = 0;

	for (;;) {
		long n = nl_recv(fd, buf, sizeof(buf), 0);
		unsigned int len = (unsigned int)n;

		CHECK(n > 0);
		if (n <= 0)
			return dgrams;
		dgrams++;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			CHECK_EQ(h->nlmsg_seq, seq);
			CHECK_EQ(h->nlmsg_pid, me);
			CHECK(h->nlmsg_flags & NLM_F_MULTI);
			if (h->nlmsg_type == NLMSG_DONE) {
				*done_err = *(int *)NLMSG_DATA(h);
				return dgrams;
			}
			CHECK(h->nlmsg_type != NLMSG_ERROR);
			fn(h);
		}
	}
}

static int found;

static void on_link(struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *name = find_rta(h, sizeof(*ifi), IFLA_IFNAME);
	struct rtattr *mtu = find_rta(h, sizeof(*ifi), IFLA_MTU);

	CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
	CHECK(name != NULL);
	if (!name || strcmp(RTA_DATA(name), "lo"))
		return;
	found++;
	CHECK_EQ(ifi->ifi_index, 1);
	CHECK_EQ(ifi->ifi_type, 772); /* ARPHRD_LOOPBACK */
	CHECK((ifi->ifi_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
	      (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
	CHECK(mtu != NULL);
	if (mtu)
		CHECK_EQ(*(uint32_t *)RTA_DATA(mtu), 65536);
	CHECK(find_rta(h, sizeof(*ifi), IFLA_ADDRESS) != NULL);
}

static void on_addr(struct nlmsghdr *h)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct rtattr *a = find_rta(h, sizeof(*ifa), IFA_ADDRESS);
	static const uint8_t lo6[16] = {[15] = 1};

	CHECK_EQ(h->nlmsg_type, RTM_NEWADDR);
	CHECK(a != NULL);
	if (!a || ifa->ifa_index != 1)
		return;
	if (ifa->ifa_family == AF_INET) {
		struct rtattr *label = find_rta(h, sizeof(*ifa), IFA_LABEL);

		if (*(uint32_t *)RTA_DATA(a) != htonl(INADDR_LOOPBACK))
			return;
		found |= 1;
		CHECK_EQ(ifa->ifa_prefixlen, 8);
		CHECK_EQ(ifa->ifa_scope, RT_SCOPE_HOST);
		CHECK(label && !strcmp(RTA_DATA(label), "lo"));
		CHECK(find_rta(h, sizeof(*ifa), IFA_LOCAL) != NULL);
	} else if (ifa->ifa_family == AF_INET6) {
		if (memcmp(RTA_DATA(a), lo6, 16))
			return;
		found |= 2;
		CHECK_EQ(ifa->ifa_prefixlen, 128);
		CHECK_EQ(ifa->ifa_scope, RT_SCOPE_HOST);
	} else {
		CHECK(!"an address of another family");
	}
}

static void on_addr4_only(struct nlmsghdr *h)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(h);

	CHECK_EQ(ifa->ifa_family, AF_INET);
	on_addr(h);
}

static void on_route(struct nlmsghdr *h)
{
	struct rtmsg *rtm = NLMSG_DATA(h);
	struct rtattr *dst = find_rta(h, sizeof(*rtm), RTA_DST);
	struct rtattr *table = find_rta(h, sizeof(*rtm), RTA_TABLE);
	struct rtattr *oif = find_rta(h, sizeof(*rtm), RTA_OIF);

	CHECK_EQ(h->nlmsg_type, RTM_NEWROUTE);
	CHECK_EQ(rtm->rtm_family, AF_INET);
	CHECK(table != NULL);
	/* local 127.0.0.1 dev lo table local */
	if (dst && rtm->rtm_dst_len == 32 &&
	    *(uint32_t *)RTA_DATA(dst) == htonl(INADDR_LOOPBACK)) {
		found++;
		CHECK_EQ(rtm->rtm_type, RTN_LOCAL);
		CHECK_EQ(rtm->rtm_table, RT_TABLE_LOCAL);
		CHECK(table && *(uint32_t *)RTA_DATA(table) == RT_TABLE_LOCAL);
		CHECK(oif && *(uint32_t *)RTA_DATA(oif) == 1);
	}
}

static void test_socket(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd, fd2, sv[2];
	uint32_t a, b;

	CHECK_ERR(SYS3(SYS_socket, AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE),
		  ESOCKTNOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_NETLINK, SOCK_RAW, 32), EPROTONOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_NETLINK, SOCK_RAW, -1), EPROTONOSUPPORT);
	/* NETLINK_UNUSED: no kernel has it. */
	CHECK_ERR(SYS3(SYS_socket, AF_NETLINK, SOCK_RAW, 1), EPROTONOSUPPORT);
	CHECK_ERR(SYS4(SYS_socketpair, AF_NETLINK, SOCK_RAW, 0, sv),
		  EOPNOTSUPP);
	fd = (int)SYS3(SYS_socket, AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	CHECK(fd >= 0);
	CHECK_EQ(nl_portid(fd), 0); /* not bound yet */
	CHECK_ERR(SYS3(SYS_bind, fd, &sa, 4), EINVAL);
	sa.nl_family = AF_UNIX;
	CHECK_ERR(SYS3(SYS_bind, fd, &sa, sizeof(sa)), EINVAL);
	sa.nl_family = AF_NETLINK;
	/* An empty message is refused before any autobind. */
	CHECK_ERR(SYS6(SYS_sendto, fd, buf, 0, 0, 0, 0), ENODATA);
	CHECK_EQ(nl_portid(fd), 0);
	/* Autobind: the process's id first, then others. */
	CHECK_OK(SYS3(SYS_bind, fd, &sa, sizeof(sa)));
	a = nl_portid(fd);
	CHECK_EQ(a, getpid());
	fd2 = nl_open();
	CHECK_OK(SYS3(SYS_bind, fd2, &sa, sizeof(sa)));
	b = nl_portid(fd2);
	CHECK(b != 0 && b != a);
	CHECK((int32_t)b < 0);
	/* Bound: only its own id again. */
	sa.nl_pid = a;
	CHECK_OK(SYS3(SYS_bind, fd, &sa, sizeof(sa)));
	CHECK_ERR(SYS3(SYS_bind, fd2, &sa, sizeof(sa)), EINVAL);
	close(fd2);
	fd2 = nl_open();
	CHECK_ERR(SYS3(SYS_bind, fd2, &sa, sizeof(sa)), EADDRINUSE);
	sa.nl_pid = 0x7ffff00d;
	CHECK_OK(SYS3(SYS_bind, fd2, &sa, sizeof(sa)));
	CHECK_EQ(nl_portid(fd2), 0x7ffff00d);
	/* The peer is the kernel until connect says otherwise. */
	{
		struct sockaddr_nl peer;
		socklen_t len = sizeof(peer);

		memset(&peer, 0xff, sizeof(peer));
		CHECK_OK(SYS3(SYS_getpeername, fd, &peer, &len));
		CHECK_EQ(len, sizeof(peer));
		CHECK_EQ(peer.nl_pid, 0);
		CHECK_EQ(peer.nl_groups, 0);
	}
	CHECK_ERR(SYS2(SYS_listen, fd, 1), EOPNOTSUPP);
	CHECK_ERR(SYS2(SYS_shutdown, fd, SHUT_RD), EOPNOTSUPP);
	CHECK_ERR(SYS3(SYS_accept, fd, 0, 0), EOPNOTSUPP);
	close(fd);
	close(fd2);
}

static void test_dumps(void)
{
	struct rtgenmsg g = {.rtgen_family = AF_PACKET};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET};
	struct rtmsg rtm = {.rtm_family = AF_INET};
	int fd = nl_open(), err = -1;
	uint32_t seq;

	/* glibc asks for the links so. */
	seq =
	    nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, &g, sizeof(g));
	found = 0;
	CHECK(nl_dump(fd, seq, on_link, &err) >= 2); /* NLMSG_DONE apart */
	CHECK_EQ(err, 0);
	CHECK_EQ(found, 1);

	g.rtgen_family = AF_UNSPEC;
	seq =
	    nl_send(fd, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, &g, sizeof(g));
	found = 0;
	nl_dump(fd, seq, on_addr, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(found, 3);

	seq = nl_send(fd, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, &ifa,
		      sizeof(ifa));
	found = 0;
	nl_dump(fd, seq, on_addr4_only, &err);
	CHECK_EQ(found, 1);

	seq = nl_send(fd, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, &rtm,
		      sizeof(rtm));
	found = 0;
	nl_dump(fd, seq, on_route, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(found, 1);
	/* All read: nothing more. */
	CHECK_ERR(nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(fd);
}

/* The next datagram: an NLMSG_ERROR for seq; its error. */
static int nl_error(int fd, uint32_t seq, uint16_t *flags, long *len)
{
	struct nlmsghdr *h = (void *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);

	*len = nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(*len >= (long)NLMSG_LENGTH(sizeof(*e)));
	if (*len < (long)NLMSG_LENGTH(sizeof(*e)))
		return 1;
	CHECK_EQ(h->nlmsg_type, NLMSG_ERROR);
	CHECK_EQ(h->nlmsg_seq, seq);
	CHECK_EQ(e->msg.nlmsg_seq, seq);
	*flags = h->nlmsg_flags;
	return e->error;
}

static void test_requests(void)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 1};
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	int fd = nl_open(), one = 1;
	struct nlmsghdr *h = (void *)buf;
	uint16_t flags;
	uint32_t seq;
	long len;

	/* One link by index, then the acknowledgement. */
	seq = nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi,
		      sizeof(ifi));
	len = nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(len > 0);
	CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
	CHECK_EQ(h->nlmsg_seq, seq);
	CHECK_EQ(h->nlmsg_flags & NLM_F_MULTI, 0);
	CHECK_EQ(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, 1);
	CHECK_EQ(nl_error(fd, seq, &flags, &len), 0);
	CHECK_EQ(len, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	CHECK(flags & NLM_F_CAPPED);

	/* By name. */
	{
		struct {
			struct ifinfomsg ifi;
			struct rtattr a;
			char name[4];
		} byname = {{.ifi_family = AF_UNSPEC},
			    {RTA_LENGTH(3), IFLA_IFNAME},
			    "lo"};

		seq = nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &byname,
			      sizeof(byname));
		len = nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		CHECK(len > 0);
		CHECK_EQ(h->nlmsg_type, RTM_NEWLINK);
		CHECK_EQ(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, 1);
	}

	/* No such link; neither index nor name. */
	ifi.ifi_index = 0x7ffffff0;
	seq = nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -ENODEV);
	ifi.ifi_index = 0;
	seq = nl_send(fd, RTM_GETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EINVAL);

	/* An unknown type: EOPNOTSUPP, the request echoed whole. */
	seq = nl_send(fd, 200, NLM_F_REQUEST, &g, sizeof(g));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EOPNOTSUPP);
	CHECK_EQ(h->nlmsg_len,
		 NLMSG_LENGTH(4 + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(g)))));
	CHECK_EQ(len, h->nlmsg_len);
	CHECK_EQ(flags & NLM_F_CAPPED, 0);
	/* A GET the kernel only dumps. */
	seq = nl_send(fd, RTM_GETADDR, NLM_F_REQUEST, &g, sizeof(g));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EOPNOTSUPP);
	/* NETLINK_CAP_ACK: only the header comes back. */
	CHECK_OK(
	    SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, 4));
	seq = nl_send(fd, 200, NLM_F_REQUEST, &g, sizeof(g));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EOPNOTSUPP);
	CHECK_EQ(len, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	CHECK(flags & NLM_F_CAPPED);

	/* Not a request: ignored, unless an ack is asked for. */
	nl_send(fd, RTM_GETLINK, NLM_F_DUMP, &g, sizeof(g));
	CHECK_ERR(nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	seq = nl_send(fd, RTM_GETLINK, NLM_F_ACK, &g, sizeof(g));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), 0);
	/* Too short for the family byte: ignored, acknowledged. */
	seq = nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, NULL, 0);
	CHECK_EQ(nl_error(fd, seq, &flags, &len), 0);
	/* Control messages are acknowledged too. */
	seq = nl_send(fd, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, NULL, 0);
	CHECK_EQ(nl_error(fd, seq, &flags, &len), 0);
	CHECK_ERR(nl_recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(fd);
}

static void test_trunc_peek_poll(void)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct pollfd p;
	int fd = nl_open(), err = -1;
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	struct iovec iov;
	struct msghdr mh;
	uint32_t seq;
	long first, n;

	p = (struct pollfd){fd, POLLIN | POLLOUT, 0};
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	seq =
	    nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, &g, sizeof(g));
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLIN | POLLOUT);

	/* The datagram's length, peeked with no room at all. */
	first = nl_recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	CHECK(first > (long)NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	n = nl_recv(fd, buf, 16, MSG_PEEK);
	CHECK_EQ(n, 16);
	CHECK_EQ(((struct nlmsghdr *)buf)->nlmsg_type, RTM_NEWLINK);
	CHECK_EQ(((struct nlmsghdr *)buf)->nlmsg_seq, seq);
	/* A short read takes the datagram, the rest is lost. */
	iov = (struct iovec){buf, 16};
	mh = (struct msghdr){.msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = &iov,
			     .msg_iovlen = 1};
	CHECK_EQ(SYS3(SYS_recvmsg, fd, &mh, 0), 16);
	CHECK(mh.msg_flags & MSG_TRUNC);
	CHECK_EQ(mh.msg_namelen, sizeof(from));
	CHECK_EQ(from.nl_family, AF_NETLINK);
	CHECK_EQ(from.nl_pid, 0); /* from the kernel */
	/* The dump goes on in the next datagrams, whole messages each. */
	nl_dump(fd, seq, on_link, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);

	/* MSG_TRUNC returns the whole length, cut or not. */
	seq =
	    nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, &g, sizeof(g));
	first = nl_recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	CHECK_EQ(nl_recv(fd, buf, 20, MSG_TRUNC), first);
	memset(&from, 0, sizeof(from));
	while ((n = SYS6(SYS_recvfrom, fd, buf, sizeof(buf), MSG_DONTWAIT,
			 &from, &fromlen)) > 0)
		if (((struct nlmsghdr *)buf)->nlmsg_type == NLMSG_DONE)
			break;
	CHECK(n > 0);
	CHECK_EQ(fromlen, sizeof(from));
	close(fd);
}

static void test_options(void)
{
	int fd = nl_open(), v = 0, one = 1, rcv = 0;
	socklen_t len = sizeof(v);
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	char ctl[256];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;

	CHECK_OK(
	    SYS5(SYS_getsockopt, fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, &len));
	CHECK_EQ(v, 0);
	CHECK_OK(
	    SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, 4));
	CHECK_OK(
	    SYS5(SYS_getsockopt, fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, &len));
	CHECK_EQ(v, 1);
	len = 2;
	CHECK_ERR(
	    SYS5(SYS_getsockopt, fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, &len),
	    EINVAL);
	len = sizeof(v);
	CHECK_ERR(SYS5(SYS_getsockopt, fd, SOL_NETLINK, 99, &v, &len),
		  ENOPROTOOPT);
	CHECK_ERR(SYS5(SYS_setsockopt, fd, SOL_NETLINK, 99, &one, 4),
		  ENOPROTOOPT);
	v = 0;
	CHECK_ERR(SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &v, 4),
		  EINVAL);
	v = RTNLGRP_LINK;
	CHECK_OK(SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		      &v, 4));
	CHECK_OK(SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP,
		      &v, 4));
	/* SO_RCVBUF: doubled, as every socket's. */
	v = 65536;
	CHECK_OK(SYS5(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUF, &v, 4));
	len = sizeof(rcv);
	CHECK_OK(SYS5(SYS_getsockopt, fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len));
	CHECK_EQ(rcv, 131072);
	len = sizeof(v);
	CHECK_OK(SYS5(SYS_getsockopt, fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	CHECK_EQ(v, NETLINK_ROUTE);
	/* NETLINK_PKTINFO: the group a message came to (0: unicast). */
	CHECK_OK(
	    SYS5(SYS_setsockopt, fd, SOL_NETLINK, NETLINK_PKTINFO, &one, 4));
	nl_send(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, NULL, 0);
	CHECK(SYS3(SYS_recvmsg, fd, &mh, 0) > 0);
	c = CMSG_FIRSTHDR(&mh);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->cmsg_level, SOL_NETLINK);
		CHECK_EQ(c->cmsg_type, NETLINK_PKTINFO);
		CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(struct nl_pktinfo)));
		CHECK_EQ(((struct nl_pktinfo *)CMSG_DATA(c))->group, 0);
	}
	(void)g;
	close(fd);
}

/* Two sockets of ours: a unicast by port id. */
static void test_user(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	struct nlmsghdr msg = {sizeof(msg), NLMSG_MIN_TYPE + 100, 0, 7, 0};
	int a = nl_open(), b = nl_open();
	uint32_t pa, pb;
	long r;

	CHECK_OK(SYS3(SYS_bind, a, &sa, sizeof(sa)));
	CHECK_OK(SYS3(SYS_bind, b, &sa, sizeof(sa)));
	pa = nl_portid(a);
	pb = nl_portid(b);
	sa.nl_pid = pa;
	r = SYS6(SYS_sendto, b, &msg, sizeof(msg), 0, &sa, sizeof(sa));
	if (r == -EPERM) {
		/* Not CAP_NET_ADMIN where this runs natively. */
		close(a);
		close(b);
		return;
	}
	CHECK_EQ(r, sizeof(msg));
	memset(buf, 0, sizeof(msg));
	CHECK_EQ(SYS6(SYS_recvfrom, a, buf, sizeof(buf), MSG_DONTWAIT, &from,
		      &fromlen),
		 sizeof(msg));
	CHECK_EQ(from.nl_pid, pb);
	CHECK(!memcmp(buf, &msg, sizeof(msg)));
	/* Nobody there. */
	sa.nl_pid = 0x7ffff123;
	CHECK_ERR(SYS6(SYS_sendto, b, &msg, sizeof(msg), 0, &sa, sizeof(sa)),
		  ECONNREFUSED);
	sa.nl_family = AF_UNIX;
	CHECK_ERR(SYS6(SYS_sendto, b, &msg, sizeof(msg), 0, &sa, sizeof(sa)),
		  EINVAL);
	close(a);
	close(b);
}

static void test_glibc(void)
{
	struct ifaddrs *ifa = NULL;
	struct if_nameindex *ni;
	char name[IF_NAMESIZE];
	int got = 0;

	CHECK_EQ(getifaddrs(&ifa), 0);
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
		if (strcmp(p->ifa_name, "lo") || !p->ifa_addr)
			continue;
		CHECK(p->ifa_flags & IFF_LOOPBACK);
		if (p->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *in = (void *)p->ifa_addr;
			struct sockaddr_in *mask = (void *)p->ifa_netmask;

			if (in->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
				got |= 1;
				CHECK(mask && mask->sin_addr.s_addr ==
						  htonl(0xff000000));
			}
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (void *)p->ifa_addr;

			if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
				got |= 2;
		} else if (p->ifa_addr->sa_family == AF_PACKET) {
			got |= 4;
		}
	}
	CHECK_EQ(got, 7);
	freeifaddrs(ifa);
	CHECK_EQ(if_nametoindex("lo"), 1);
	CHECK_EQ(if_nametoindex("no-such-if0"), 0);
	CHECK(if_indextoname(1, name) && !strcmp(name, "lo"));
	ni = if_nameindex();
	CHECK(ni != NULL);
	got = 0;
	for (struct if_nameindex *p = ni; p && p->if_index; p++)
		if (p->if_index == 1 && !strcmp(p->if_name, "lo"))
			got = 1;
	CHECK(got);
	if (ni)
		if_freenameindex(ni);
}

/* Without CAP_NET_ADMIN, a change is EPERM (natively too). */
static void test_no_admin(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 1};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_index = 1};
	int fd = nl_open();
	uint16_t flags;
	uint32_t seq;
	long len;

	CHECK_OK(SYS2(SYS_capget, &hdr, data));
	data[0].effective &= ~(1u << CAP_NET_ADMIN);
	CHECK_OK(SYS2(SYS_capset, &hdr, data));
	seq = nl_send(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi,
		      sizeof(ifi));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EPERM);
	seq = nl_send(fd, RTM_DELADDR, NLM_F_REQUEST, &ifa, sizeof(ifa));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EPERM);
	seq = nl_send(fd, RTM_SETLINK, NLM_F_REQUEST, &ifi, sizeof(ifi));
	CHECK_EQ(nl_error(fd, seq, &flags, &len), -EPERM);
	close(fd);
}

int main(void)
{
	test_socket();
	test_dumps();
	test_requests();
	test_trunc_peek_poll();
	test_options();
	test_user();
	test_glibc();
	test_no_admin();
	return guest_done();
}
