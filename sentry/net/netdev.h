/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's network interfaces (netdev.c): what rtnetlink (netlink.c)
 * and the network-device ioctls show. With --network=none, the loopback
 * device alone; with --network=host, the host's interfaces, addresses and
 * routes as the sentry read them at boot. Read-only once the sandbox runs,
 * so readers take no lock.
 *
 * Also the netlink and rtnetlink wire formats (the guest's, which are the
 * host's on x86-64 Linux), shared by netlink.c and the host reader.
 */
#ifndef MOAT_NET_NETDEV_H
#define MOAT_NET_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

struct task;

#define NETDEV_NAME_MAX	  16 /* IFNAMSIZ */
#define NETDEV_HWADDR_MAX 32 /* MAX_ADDR_LEN */

/* Interface flags (IFF_*). */
#define NETDEV_IFF_UP	       0x1
#define NETDEV_IFF_BROADCAST   0x2
#define NETDEV_IFF_LOOPBACK    0x8
#define NETDEV_IFF_RUNNING     0x40
#define NETDEV_IFF_MULTICAST   0x1000
#define NETDEV_IFF_LOWER_UP    0x10000
#define NETDEV_ARPHRD_ETHER    1
#define NETDEV_ARPHRD_LOOPBACK 772

struct netdev_link {
	int index;
	uint16_t type;	/* ARPHRD_* */
	uint32_t flags; /* IFF_*, as dev_get_flags gives them */
	uint32_t mtu, min_mtu, max_mtu, txqlen, group;
	uint8_t operstate, linkmode, carrier;
	int link; /* IFLA_LINK; 0: none */
	char name[NETDEV_NAME_MAX];
	char qdisc[NETDEV_NAME_MAX];
	uint8_t addr[NETDEV_HWADDR_MAX], brd[NETDEV_HWADDR_MAX];
	int addrlen; /* of addr and brd; 0: none */
};

struct netdev_addr {
	uint8_t family; /* 2 or 10 */
	uint8_t prefixlen, scope;
	int index;
	uint32_t flags; /* IFA_F_* */
	uint8_t addr[16], local[16], brd[16];
	bool has_local, has_brd;
	char label[NETDEV_NAME_MAX]; /* IPv4 only */
	uint32_t preferred, valid;   /* lifetimes; ~0: forever */
};

struct netdev_route {
	uint8_t family, dst_len, src_len, tos, protocol, scope, type;
	uint32_t table, flags;
	uint8_t dst[16], src[16], gateway[16], prefsrc[16];
	bool has_dst, has_src, has_gateway, has_prefsrc, has_priority, has_pref;
	int oif; /* 0: none */
	uint32_t priority;
	uint8_t pref; /* RTA_PREF (IPv6) */
};

struct netdev_table {
	const struct netdev_link *links;
	int nlinks;
	const struct netdev_addr *addrs;
	int naddrs;
	const struct netdev_route *routes;
	int nroutes;
};

/* The sandbox's interfaces: the loopback's until netdev_read_host. */
const struct netdev_table *netdev_get(void);
/* Replace the table (at boot, before any task runs). */
void netdev_set(const struct netdev_table *t);
const struct netdev_link *netdev_by_index(int index);
const struct netdev_link *netdev_by_name(const char *name);

/*
 * --network=host: read the host's interfaces, addresses and routes over a
 * host rtnetlink socket, at boot before the seccomp filter goes in.
 * 0 or -errno (the loopback's table stays).
 */
int netdev_read_host(void);

/*
 * AF_INET sockets' ioctls (devinet_ioctl: SIOCGIFADDR, SIOCGIFNETMASK...)
 * before those any socket answers (sock_dev_ioctl).
 */
long netdev_inet_ioctl(struct task *t, unsigned int cmd, uint64_t arg);

/* ---- netlink and rtnetlink on the wire --------------------------------- */

#define NL_SOL_NETLINK 270

struct nl_msghdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};

struct nl_attr {
	uint16_t len, type;
};

struct nl_sockaddr {
	uint16_t family, pad;
	uint32_t pid, groups;
};

struct nl_ifinfomsg {
	uint8_t family, pad;
	uint16_t type;
	int32_t index;
	uint32_t flags, change;
};

struct nl_ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};

struct nl_rtmsg {
	uint8_t family, dst_len, src_len, tos;
	uint8_t table, protocol, scope, type;
	uint32_t flags;
};

struct nl_ifa_cacheinfo {
	uint32_t prefered, valid, cstamp, tstamp;
};

#define NL_ALIGN(n)    (((n) + 3u) & ~3u)
#define NL_HDRLEN      ((uint32_t)sizeof(struct nl_msghdr))
#define NL_ATTR_HDRLEN ((uint32_t)sizeof(struct nl_attr))

#define NLMSG_NOOP     1
#define NLMSG_ERROR    2
#define NLMSG_DONE     3
#define NLMSG_OVERRUN  4
#define NLMSG_MIN_TYPE 0x10

#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI   0x2
#define NLM_F_ACK     0x4
#define NLM_F_ECHO    0x8
#define NLM_F_ROOT    0x100
#define NLM_F_MATCH   0x200
#define NLM_F_DUMP    (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_CAPPED  0x100 /* in NLMSG_ERROR */

#define RTM_BASE	     16
#define RTM_NEWLINK	     16
#define RTM_GETLINK	     18
#define RTM_NEWADDR	     20
#define RTM_GETADDR	     22
#define RTM_NEWROUTE	     24
#define RTM_GETROUTE	     26
#define RTM_GETNEIGH	     30
#define RTM_GETRULE	     34
#define RTM_GETQDISC	     38
#define RTM_GETTCLASS	     42
#define RTM_GETTFILTER	     46
#define RTM_GETACTION	     50
#define RTM_GETMULTICAST     58
#define RTM_GETANYCAST	     62
#define RTM_GETNEIGHTBL	     66
#define RTM_GETADDRLABEL     74
#define RTM_GETDCB	     78
#define RTM_GETNETCONF	     82
#define RTM_GETMDB	     86
#define RTM_GETNSID	     90
#define RTM_GETSTATS	     94
#define RTM_GETCHAIN	     102
#define RTM_GETNEXTHOP	     106
#define RTM_GETLINKPROP	     110
#define RTM_GETVLAN	     114
#define RTM_GETNEXTHOPBUCKET 118
#define RTM_GETTUNNEL	     122
#define RTM_MAX		     123

#define IFLA_ADDRESS	     1
#define IFLA_BROADCAST	     2
#define IFLA_IFNAME	     3
#define IFLA_MTU	     4
#define IFLA_LINK	     5
#define IFLA_QDISC	     6
#define IFLA_STATS	     7
#define IFLA_TXQLEN	     13
#define IFLA_MAP	     14
#define IFLA_OPERSTATE	     16
#define IFLA_LINKMODE	     17
#define IFLA_STATS64	     23
#define IFLA_GROUP	     27
#define IFLA_PROMISCUITY     30
#define IFLA_NUM_TX_QUEUES   31
#define IFLA_NUM_RX_QUEUES   32
#define IFLA_CARRIER	     33
#define IFLA_CARRIER_CHANGES 35
#define IFLA_PROTO_DOWN	     39
#define IFLA_MIN_MTU	     50
#define IFLA_MAX_MTU	     51

#define IFA_ADDRESS   1
#define IFA_LOCAL     2
#define IFA_LABEL     3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS     8

#define RTA_DST	     1
#define RTA_SRC	     2
#define RTA_OIF	     4
#define RTA_GATEWAY  5
#define RTA_PRIORITY 6
#define RTA_PREFSRC  7
#define RTA_TABLE    15
#define RTA_PREF     20

#define RT_TABLE_MAIN	  254
#define RT_TABLE_LOCAL	  255
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK	  253
#define RT_SCOPE_HOST	  254
#define RTN_UNICAST	  1
#define RTN_LOCAL	  2
#define RTN_BROADCAST	  3
#define RTPROT_KERNEL	  2
#define RTM_F_CLONED	  0x200
#define IFA_F_PERMANENT	  0x80

#endif
