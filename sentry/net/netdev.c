// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's network interfaces (net/core/dev.c, dev_ioctl.c,
 * net/ipv4/devinet.c): the table rtnetlink and the device ioctls read,
 * and those ioctls.
 *
 * --network=none: the loopback device alone, as a fresh network namespace
 * has it once lo is up (127.0.0.1/8 and ::1/128, and the kernel's local
 * routes). --network=host: the host's interfaces, addresses and routes, as
 * a host rtnetlink dump gave them at boot (before the seccomp filter); the
 * sandbox never sees later changes.
 *
 * Deviations: the interfaces are read-only: every setter is EPERM, with
 * CAP_NET_ADMIN too; SIOCETHTOOL and the MII ioctls are EOPNOTSUPP for any
 * device; SIOCGIFCONF lists IPv4 addresses as Linux does.
 */
#include "sentry/net/netdev.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the loopback-only table -------------------------------------------- */

static const struct netdev_link lo_links[] = {{
    .index = 1,
    .type = NETDEV_ARPHRD_LOOPBACK,
    .flags = NETDEV_IFF_UP | NETDEV_IFF_LOOPBACK | NETDEV_IFF_RUNNING |
	     NETDEV_IFF_LOWER_UP,
    .mtu = 65536,
    .txqlen = 1000,
    .carrier = 1,
    .name = "lo",
    .qdisc = "noqueue",
    .addrlen = 6,
}};

#define V4_LO                                                                  \
	{                                                                      \
		127, 0, 0, 1                                                   \
	}
#define V4_NET                                                                 \
	{                                                                      \
		127, 0, 0, 0                                                   \
	}
#define V4_BRD                                                                 \
	{                                                                      \
		127, 255, 255, 255                                             \
	}
#define V6_LO                                                                  \
	{                                                                      \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1                 \
	}

static const struct netdev_addr lo_addrs[] = {
    {.family = SOCK_AF_INET,
     .prefixlen = 8,
     .scope = RT_SCOPE_HOST,
     .index = 1,
     .flags = IFA_F_PERMANENT,
     .addr = V4_LO,
     .local = V4_LO,
     .has_local = true,
     .label = "lo",
     .preferred = ~0u,
     .valid = ~0u},
    {.family = SOCK_AF_INET6,
     .prefixlen = 128,
     .scope = RT_SCOPE_HOST,
     .index = 1,
     .flags = IFA_F_PERMANENT,
     .addr = V6_LO,
     .preferred = ~0u,
     .valid = ~0u},
};

static const struct netdev_route lo_routes[] = {
    /* local 127.0.0.0/8, local 127.0.0.1, broadcast 127.255.255.255 */
    {.family = SOCK_AF_INET,
     .dst_len = 8,
     .table = RT_TABLE_LOCAL,
     .protocol = RTPROT_KERNEL,
     .scope = RT_SCOPE_HOST,
     .type = RTN_LOCAL,
     .dst = V4_NET,
     .has_dst = true,
     .prefsrc = V4_LO,
     .has_prefsrc = true,
     .oif = 1},
    {.family = SOCK_AF_INET,
     .dst_len = 32,
     .table = RT_TABLE_LOCAL,
     .protocol = RTPROT_KERNEL,
     .scope = RT_SCOPE_HOST,
     .type = RTN_LOCAL,
     .dst = V4_LO,
     .has_dst = true,
     .prefsrc = V4_LO,
     .has_prefsrc = true,
     .oif = 1},
    {.family = SOCK_AF_INET,
     .dst_len = 32,
     .table = RT_TABLE_LOCAL,
     .protocol = RTPROT_KERNEL,
     .scope = RT_SCOPE_LINK,
     .type = RTN_BROADCAST,
     .dst = V4_BRD,
     .has_dst = true,
     .prefsrc = V4_LO,
     .has_prefsrc = true,
     .oif = 1},
    /* ::1 dev lo metric 256, and local ::1 in the local table */
    {.family = SOCK_AF_INET6,
     .dst_len = 128,
     .table = RT_TABLE_MAIN,
     .protocol = RTPROT_KERNEL,
     .scope = RT_SCOPE_UNIVERSE,
     .type = RTN_UNICAST,
     .dst = V6_LO,
     .has_dst = true,
     .oif = 1,
     .priority = 256,
     .has_priority = true,
     .has_pref = true},
    {.family = SOCK_AF_INET6,
     .dst_len = 128,
     .table = RT_TABLE_LOCAL,
     .protocol = RTPROT_KERNEL,
     .scope = RT_SCOPE_UNIVERSE,
     .type = RTN_LOCAL,
     .dst = V6_LO,
     .has_dst = true,
     .oif = 1,
     .priority = 0,
     .has_priority = true,
     .has_pref = true},
};

static struct netdev_table table = {
    lo_links,  ARRAY_SIZE(lo_links),  lo_addrs, ARRAY_SIZE(lo_addrs),
    lo_routes, ARRAY_SIZE(lo_routes),
};

const struct netdev_table *netdev_get(void)
{
	return &table;
}

void netdev_set(const struct netdev_table *t)
{
	table = *t;
}

const struct netdev_link *netdev_by_index(int index)
{
	for (int i = 0; i < table.nlinks; i++)
		if (table.links[i].index == index)
			return &table.links[i];
	return NULL;
}

const struct netdev_link *netdev_by_name(const char *name)
{
	for (int i = 0; i < table.nlinks; i++)
		if (!strncmp(table.links[i].name, name, NETDEV_NAME_MAX))
			return &table.links[i];
	return NULL;
}

/* ---- ioctls ------------------------------------------------------------- */

#define SOCK_IOC_TYPE 0x89
#define IOC_TYPE(cmd) (((cmd) >> 8) & 0xff)

#define SIOCADDRT	   0x890B
#define SIOCDELRT	   0x890C
#define SIOCGIFNAME	   0x8910
#define SIOCSIFLINK	   0x8911
#define SIOCGIFCONF	   0x8912
#define SIOCGIFFLAGS	   0x8913
#define SIOCSIFFLAGS	   0x8914
#define SIOCGIFADDR	   0x8915
#define SIOCSIFADDR	   0x8916
#define SIOCGIFDSTADDR	   0x8917
#define SIOCSIFDSTADDR	   0x8918
#define SIOCGIFBRDADDR	   0x8919
#define SIOCSIFBRDADDR	   0x891a
#define SIOCGIFNETMASK	   0x891b
#define SIOCSIFNETMASK	   0x891c
#define SIOCGIFMETRIC	   0x891d
#define SIOCSIFMETRIC	   0x891e
#define SIOCGIFMEM	   0x891f
#define SIOCSIFMEM	   0x8920
#define SIOCGIFMTU	   0x8921
#define SIOCSIFMTU	   0x8922
#define SIOCSIFNAME	   0x8923
#define SIOCSIFHWADDR	   0x8924
#define SIOCGIFHWADDR	   0x8927
#define SIOCADDMULTI	   0x8931
#define SIOCDELMULTI	   0x8932
#define SIOCGIFINDEX	   0x8933
#define SIOCSIFPFLAGS	   0x8934
#define SIOCGIFPFLAGS	   0x8935
#define SIOCDIFADDR	   0x8936
#define SIOCSIFHWBROADCAST 0x8937
#define SIOCGIFTXQLEN	   0x8942
#define SIOCSIFTXQLEN	   0x8943
#define SIOCETHTOOL	   0x8946
#define SIOCGMIIPHY	   0x8947
#define SIOCGMIIREG	   0x8948
#define SIOCSMIIREG	   0x8949
#define SIOCWANDEV	   0x894A
#define SIOCDARP	   0x8953
#define SIOCGARP	   0x8954
#define SIOCSARP	   0x8955
#define SIOCGIFMAP	   0x8970
#define SIOCSIFMAP	   0x8971
#define SIOCSHWTSTAMP	   0x89b0
#define SIOCDEVPRIVATE	   0x89F0
#define SIOCGIFSLAVE	   0x8989
#define SIOCSIFSLAVE	   0x8990
#define SIOCGIFBR	   0x8940
#define SIOCSIFBR	   0x8941
#define SIOCGIFVLAN	   0x8982
#define SIOCSIFVLAN	   0x8983
#define SIOCBRADDBR	   0x89a0
#define SIOCBRDELBR	   0x89a1

/* struct ifreq: a name and a 24-byte union. */
struct abi_ifreq {
	char name[NETDEV_NAME_MAX];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr;
		int16_t flags;
		int32_t ivalue;
		uint8_t raw[24];
	} u;
};

struct abi_ifconf {
	int32_t len;
	int32_t pad;
	uint64_t buf;
};

struct abi_sockaddr_in {
	uint16_t family;
	uint16_t port;
	uint8_t addr[4];
	uint8_t zero[8];
};

/* SIOCGIFCONF (dev_ifconf, inet_gifconf): one ifreq per IPv4 address. */
static long dev_ifconf(struct task *t, uint64_t arg)
{
	struct abi_ifconf ifc;
	int32_t total = 0;

	if (mm_copy_in(t->mm, &ifc, arg, sizeof(ifc)))
		return -EFAULT;
	for (int i = 0; i < table.nlinks; i++) {
		const struct netdev_link *l = &table.links[i];

		for (int j = 0; j < table.naddrs; j++) {
			const struct netdev_addr *a = &table.addrs[j];
			struct abi_ifreq r;
			struct abi_sockaddr_in sin = {.family = SOCK_AF_INET};

			if (a->index != l->index || a->family != SOCK_AF_INET)
				continue;
			if (!ifc.buf) {
				total += (int32_t)sizeof(r);
				continue;
			}
			if (ifc.len - total < (int32_t)sizeof(r))
				break;
			memset(&r, 0, sizeof(r));
			memcpy(r.name, a->label[0] ? a->label : l->name,
			       NETDEV_NAME_MAX - 1);
			memcpy(sin.addr, a->has_local ? a->local : a->addr, 4);
			memcpy(&r.u, &sin, sizeof(sin));
			if (mm_copy_out(t->mm, ifc.buf + (uint64_t)total, &r,
					sizeof(r)))
				return -EFAULT;
			total += (int32_t)sizeof(r);
		}
	}
	return mm_copy_out(t->mm, arg + offsetof(struct abi_ifconf, len),
			   &total, sizeof(total));
}

static bool is_setter(unsigned int cmd)
{
	switch (cmd) {
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFDSTADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFMETRIC:
	case SIOCSIFMTU:
	case SIOCSIFNAME:
	case SIOCSIFHWADDR:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
	case SIOCSIFPFLAGS:
	case SIOCDIFADDR:
	case SIOCSIFHWBROADCAST:
	case SIOCSIFTXQLEN:
	case SIOCSMIIREG:
	case SIOCSIFMAP:
	case SIOCSIFSLAVE:
	case SIOCSHWTSTAMP:
	case SIOCADDRT:
	case SIOCDELRT:
		return true;
	default:
		return false;
	}
}

/* dev_ioctl on the ifreq r (copied in): 0 with *out set when it is to go
 * back to the application, or -errno. */
static long dev_ioctl(struct task *t, unsigned int cmd, struct abi_ifreq *r,
		      bool *out)
{
	const struct netdev_link *l;
	char name[NETDEV_NAME_MAX], *colon;

	if (cmd == SIOCGIFNAME) {
		l = netdev_by_index(r->u.ivalue);
		if (!l)
			return -ENODEV;
		memcpy(r->name, l->name, NETDEV_NAME_MAX);
		*out = true;
		return 0;
	}
	r->name[NETDEV_NAME_MAX - 1] = '\0';
	memcpy(name, r->name, sizeof(name));
	colon = strchr(name, ':');
	if (colon)
		*colon = '\0';
	switch (cmd) {
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFSLAVE:
	case SIOCGIFMAP:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFHWADDR:
		l = netdev_by_name(name);
		if (!l)
			return -ENODEV;
		break;
	case SIOCETHTOOL:
	case SIOCGMIIPHY:
	case SIOCGMIIREG:
		return netdev_by_name(name) ? -EOPNOTSUPP : -ENODEV;
	case SIOCGIFMEM:
	case SIOCSIFMEM:
	case SIOCSIFLINK:
		return -ENOTTY;
	default:
		if (is_setter(cmd))
			return -EPERM;
		if (cmd == SIOCWANDEV ||
		    (cmd >= SIOCDEVPRIVATE && cmd <= SIOCDEVPRIVATE + 15)) {
			if (!creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
				return -EPERM;
			return netdev_by_name(name) ? -EOPNOTSUPP : -ENODEV;
		}
		return -ENOTTY;
	}
	switch (cmd) {
	case SIOCGIFFLAGS:
		r->u.flags = (int16_t)l->flags;
		break;
	case SIOCGIFMETRIC:
		r->u.ivalue = 0;
		break;
	case SIOCGIFMTU:
		r->u.ivalue = (int32_t)l->mtu;
		break;
	case SIOCGIFSLAVE:
		return -EINVAL;
	case SIOCGIFMAP:
		memset(r->u.raw, 0, sizeof(r->u.raw));
		break;
	case SIOCGIFINDEX:
		r->u.ivalue = l->index;
		break;
	case SIOCGIFTXQLEN:
		r->u.ivalue = (int32_t)l->txqlen;
		break;
	case SIOCGIFHWADDR:
		memset(r->u.addr.data, 0, sizeof(r->u.addr.data));
		memcpy(
		    r->u.addr.data, l->addr,
		    min_t(size_t, (size_t)l->addrlen, sizeof(r->u.addr.data)));
		r->u.addr.family = l->type;
		break;
	default:
		break;
	}
	*out = true;
	return 0;
}

long sock_dev_ioctl(struct task *t, unsigned int cmd, uint64_t arg)
{
	struct abi_ifreq r;
	bool out = false;
	long err;

	switch (cmd) {
	case SIOCGIFCONF:
		return dev_ifconf(t, arg);
	case SIOCGIFBR:
	case SIOCSIFBR:
	case SIOCBRADDBR:
	case SIOCBRDELBR:
	case SIOCGIFVLAN:
	case SIOCSIFVLAN:
		/* No bridge or VLAN support in this kernel. */
		return -ENOPKG;
	default:
		break;
	}
	if (IOC_TYPE(cmd) != SOCK_IOC_TYPE)
		return -ENOTTY;
	if (mm_copy_in(t->mm, &r, arg, sizeof(r)))
		return -EFAULT;
	err = dev_ioctl(t, cmd, &r, &out);
	if (!err && out && mm_copy_out(t->mm, arg, &r, sizeof(r)))
		err = -EFAULT;
	return err;
}

/* devinet_ioctl: the IPv4 address of the label r->name. */
static long devinet_ioctl(unsigned int cmd, struct abi_ifreq *r)
{
	struct abi_sockaddr_in orig, sin = {.family = SOCK_AF_INET};
	const struct netdev_addr *found = NULL;
	const struct netdev_link *l;
	char name[NETDEV_NAME_MAX], *colon;
	bool match_addr;

	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFNETMASK:
		break;
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFDSTADDR:
	case SIOCSIFNETMASK:
		return -EPERM;
	default:
		return -EINVAL;
	}
	r->name[NETDEV_NAME_MAX - 1] = '\0';
	memcpy(&orig, &r->u, sizeof(orig));
	match_addr = orig.family == SOCK_AF_INET;
	memcpy(name, r->name, sizeof(name));
	colon = strchr(name, ':');
	if (colon)
		*colon = '\0';
	l = netdev_by_name(name);
	if (!l)
		return -ENODEV;
	/* The label and the address (4.4BSD), else the label alone. */
	for (int pass = match_addr ? 0 : 1; pass < 2 && !found; pass++) {
		for (int i = 0; i < table.naddrs; i++) {
			const struct netdev_addr *a = &table.addrs[i];
			const uint8_t *local =
			    a->has_local ? a->local : a->addr;

			if (a->family != SOCK_AF_INET || a->index != l->index ||
			    strncmp(a->label[0] ? a->label : l->name, r->name,
				    NETDEV_NAME_MAX))
				continue;
			if (pass == 0 && memcmp(local, orig.addr, 4))
				continue;
			found = a;
			break;
		}
	}
	if (!found)
		return -EADDRNOTAVAIL;
	switch (cmd) {
	case SIOCGIFADDR:
		memcpy(sin.addr, found->has_local ? found->local : found->addr,
		       4);
		break;
	case SIOCGIFBRDADDR:
		if (found->has_brd)
			memcpy(sin.addr, found->brd, 4);
		break;
	case SIOCGIFDSTADDR:
		memcpy(sin.addr, found->addr, 4);
		break;
	case SIOCGIFNETMASK: {
		uint32_t mask =
		    found->prefixlen ? ~0u << (32 - found->prefixlen) : 0;

		sin.addr[0] = (uint8_t)(mask >> 24);
		sin.addr[1] = (uint8_t)(mask >> 16);
		sin.addr[2] = (uint8_t)(mask >> 8);
		sin.addr[3] = (uint8_t)mask;
		break;
	}
	default:
		break;
	}
	memset(r->u.raw, 0, sizeof(r->u.raw));
	memcpy(&r->u, &sin, sizeof(sin));
	return 0;
}

long netdev_inet_ioctl(struct task *t, unsigned int cmd, uint64_t arg)
{
	struct abi_ifreq r;
	long err;

	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFDSTADDR:
	case SIOCGIFPFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFDSTADDR:
	case SIOCSIFPFLAGS:
	case SIOCSIFFLAGS:
		if (mm_copy_in(t->mm, &r, arg, sizeof(r)))
			return -EFAULT;
		err = devinet_ioctl(cmd, &r);
		if (!err && mm_copy_out(t->mm, arg, &r, sizeof(r)))
			err = -EFAULT;
		return err;
	case SIOCADDRT:
	case SIOCDELRT:
	case SIOCDARP:
	case SIOCSARP:
		return -EPERM;
	case SIOCGARP:
		/* No neighbour table: no entry for any address. */
		return -ENXIO;
	default:
		return sock_dev_ioctl(t, cmd, arg);
	}
}
