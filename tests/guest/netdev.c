// SPDX-License-Identifier: Apache-2.0
/*
 * The network-device ioctls any socket answers (SIOCGIFCONF,
 * SIOCGIFFLAGS, SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFMTU, SIOCGIFHWADDR,
 * SIOCGIFTXQLEN, SIOCGIFMAP) on an AF_UNIX socket, and those only AF_INET
 * sockets answer (SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR) where the
 * sandbox has AF_INET; about the loopback device, which every network
 * namespace has. Unknown devices (ENODEV), unknown requests (ENOTTY), bad
 * pointers (EFAULT), and setters without CAP_NET_ADMIN (EPERM).
 */
#include "guest.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static long sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return SYS3(SYS_ioctl, fd, cmd, arg);
}

static struct ifreq req(const char *name)
{
	struct ifreq r;

	memset(&r, 0, sizeof(r));
	strncpy(r.ifr_name, name, sizeof(r.ifr_name) - 1);
	return r;
}

/* What every socket answers. */
static void test_dev(int fd)
{
	struct ifreq r = req("lo");
	struct ifreq many[64];
	struct ifconf ifc = {.ifc_len = 0, .ifc_buf = NULL};
	int n, lo = 0;

	CHECK_OK(sys_ioctl(fd, SIOCGIFFLAGS, &r));
	CHECK((r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
	      (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
	CHECK_EQ(r.ifr_flags & IFF_BROADCAST, 0);
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFINDEX, &r));
	CHECK_EQ(r.ifr_ifindex, 1);
	r = req("");
	r.ifr_ifindex = 1;
	CHECK_OK(sys_ioctl(fd, SIOCGIFNAME, &r));
	CHECK(!strcmp(r.ifr_name, "lo"));
	r.ifr_ifindex = 0x7ffffff0;
	CHECK_ERR(sys_ioctl(fd, SIOCGIFNAME, &r), ENODEV);
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFMTU, &r));
	CHECK_EQ(r.ifr_mtu, 65536);
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFTXQLEN, &r));
	CHECK_EQ(r.ifr_qlen, 1000);
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFHWADDR, &r));
	CHECK_EQ(r.ifr_hwaddr.sa_family, 772); /* ARPHRD_LOOPBACK */
	CHECK_EQ(r.ifr_hwaddr.sa_data[0] | r.ifr_hwaddr.sa_data[5], 0);
	r = req("lo");
	memset(&r.ifr_map, 0xff, sizeof(r.ifr_map));
	CHECK_OK(sys_ioctl(fd, SIOCGIFMAP, &r));
	CHECK_EQ(r.ifr_map.mem_start, 0);
	/* An alias's name finds its device. */
	r = req("lo:7");
	CHECK_OK(sys_ioctl(fd, SIOCGIFINDEX, &r));
	CHECK_EQ(r.ifr_ifindex, 1);
	CHECK(!strcmp(r.ifr_name, "lo:7"));
	r = req("nosuchif0");
	CHECK_ERR(sys_ioctl(fd, SIOCGIFFLAGS, &r), ENODEV);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFINDEX, &r), ENODEV);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFMTU, &r), ENODEV);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFHWADDR, &r), ENODEV);
	/* Unknown requests, of the socket ioctl range or not. */
	r = req("lo");
	CHECK_ERR(sys_ioctl(fd, 0x8999, &r), ENOTTY);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFMEM, &r), ENOTTY);
	CHECK_ERR(sys_ioctl(fd, 0x12345678, &r), ENOTTY);
	/* The ifreq is read first. */
	CHECK_ERR(sys_ioctl(fd, SIOCGIFFLAGS, (void *)8), EFAULT);
	CHECK_ERR(sys_ioctl(fd, 0x8999, (void *)8), EFAULT);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFCONF, (void *)8), EFAULT);

	/* SIOCGIFCONF: the room needed, then one ifreq per IPv4 address. */
	CHECK_OK(sys_ioctl(fd, SIOCGIFCONF, &ifc));
	CHECK(ifc.ifc_len >= (int)sizeof(struct ifreq));
	CHECK_EQ(ifc.ifc_len % sizeof(struct ifreq), 0);
	ifc.ifc_len = sizeof(many);
	ifc.ifc_req = many;
	CHECK_OK(sys_ioctl(fd, SIOCGIFCONF, &ifc));
	n = ifc.ifc_len / (int)sizeof(struct ifreq);
	for (int i = 0; i < n; i++) {
		struct sockaddr_in *in = (void *)&many[i].ifr_addr;

		CHECK_EQ(in->sin_family, AF_INET);
		if (!strcmp(many[i].ifr_name, "lo") &&
		    in->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
			lo++;
	}
	CHECK_EQ(lo, 1);
	/* No room for one: none. */
	ifc.ifc_len = sizeof(struct ifreq) - 1;
	CHECK_OK(sys_ioctl(fd, SIOCGIFCONF, &ifc));
	CHECK_EQ(ifc.ifc_len, 0);
	ifc.ifc_len = sizeof(many);
	ifc.ifc_req = (void *)8;
	CHECK_ERR(sys_ioctl(fd, SIOCGIFCONF, &ifc), EFAULT);
}

static void test_inet(int fd)
{
	struct ifreq r = req("lo");
	struct sockaddr_in *in = (void *)&r.ifr_addr;

	CHECK_OK(sys_ioctl(fd, SIOCGIFADDR, &r));
	CHECK_EQ(in->sin_family, AF_INET);
	CHECK_EQ(in->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFNETMASK, &r));
	CHECK_EQ(in->sin_addr.s_addr, htonl(0xff000000));
	r = req("lo");
	CHECK_OK(sys_ioctl(fd, SIOCGIFBRDADDR, &r));
	CHECK_EQ(in->sin_addr.s_addr, 0);
	/* By label and address (4.4BSD style) or the label alone. */
	r = req("lo");
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(0x7f000001);
	CHECK_OK(sys_ioctl(fd, SIOCGIFADDR, &r));
	CHECK_EQ(in->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	r = req("nosuchif0");
	CHECK_ERR(sys_ioctl(fd, SIOCGIFADDR, &r), ENODEV);
	/* An alias label lo has not. */
	r = req("lo:9");
	CHECK_ERR(sys_ioctl(fd, SIOCGIFADDR, &r), EADDRNOTAVAIL);
	CHECK_ERR(sys_ioctl(fd, SIOCGIFADDR, (void *)8), EFAULT);
	/* The device ioctls still answer on it. */
	test_dev(fd);
}

/* Without CAP_NET_ADMIN every setter is EPERM (natively as well). */
static void test_setters(int ufd, int ifd)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	static const unsigned long setters[] = {
	    SIOCSIFFLAGS,  SIOCSIFMTU,	 SIOCSIFNAME, SIOCSIFHWADDR,
	    SIOCSIFTXQLEN, SIOCADDMULTI, SIOCSIFMAP,  SIOCSIFMETRIC,
	};
	struct ifreq r;

	CHECK_OK(SYS2(SYS_capget, &hdr, data));
	data[0].effective &= ~(1u << CAP_NET_ADMIN);
	CHECK_OK(SYS2(SYS_capset, &hdr, data));
	for (size_t i = 0; i < sizeof(setters) / sizeof(setters[0]); i++) {
		r = req("lo");
		r.ifr_mtu = 1500;
		CHECK_ERR(sys_ioctl(ufd, setters[i], &r), EPERM);
	}
	if (ifd >= 0) {
		r = req("lo");
		CHECK_ERR(sys_ioctl(ifd, SIOCSIFADDR, &r), EPERM);
		CHECK_ERR(sys_ioctl(ifd, SIOCSIFFLAGS, &r), EPERM);
		CHECK_ERR(sys_ioctl(ifd, SIOCSIFNETMASK, &r), EPERM);
	}
}

int main(void)
{
	int ufd = (int)SYS3(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
	int ifd = (int)SYS3(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	struct ifreq r = req("lo");

	CHECK(ufd >= 0);
	test_dev(ufd);
	/* The IPv4 address ioctls are AF_INET's only. */
	CHECK_ERR(sys_ioctl(ufd, SIOCGIFADDR, &r), ENOTTY);
	CHECK_ERR(sys_ioctl(ufd, SIOCGIFNETMASK, &r), ENOTTY);
	if (ifd >= 0)
		test_inet(ifd);
	else
		CHECK_EQ(ifd, -EAFNOSUPPORT); /* a sandbox without AF_INET */
	test_setters(ufd, ifd);
	return guest_done();
}
