// SPDX-License-Identifier: Apache-2.0
/*
 * Socket options of AF_INET and AF_INET6 sockets: SOL_TCP (defaults,
 * ranges, TCP_DEFER_ACCEPT's rounding, TCP_CONGESTION, TCP_INFO), SOL_IP
 * (IP_TTL, IP_TOS with TCP's ECN bits, byte-sized reads), SOL_IPV6
 * (IPV6_V6ONLY, hop limits, traffic class), SOL_SOCKET (SO_TYPE,
 * SO_PROTOCOL, SO_DOMAIN, SO_ERROR, buffers, SO_LINGER, SO_BINDTODEVICE)
 * and the errors of options at the wrong level.
 */
#include "inet.h"

static void check_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char cc[16];
	socklen_t len;
	struct tcp_info ti;

	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_CORK, 1));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_CORK), 1);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_MAXSEG), 536);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 80), EINVAL);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 40000), EINVAL);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 1000));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_MAXSEG), 1000);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT), 9);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 32768), EINVAL);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 128), EINVAL);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30));
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5));
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 3));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_SYNCNT), 6);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_LINGER2), 60);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_QUICKACK), 1);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), EINVAL);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 5000);
	/* Seconds become SYN-ACK retransmissions: 5 reads back as 7. */
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT), 7);
	CHECK_OK(set_int(fd, IPPROTO_TCP, TCP_FASTOPEN, 5));
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, TCP_FASTOPEN), 5);
	CHECK_ERR(SYS5(SYS_setsockopt, fd, IPPROTO_TCP, TCP_NODELAY, "\1", 1),
		  EINVAL);
	CHECK_ERR(set_int(fd, IPPROTO_TCP, 999, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(fd, IPPROTO_TCP, 999), -ENOPROTOOPT);
	/* Congestion control by name. */
	CHECK_OK(
	    SYS5(SYS_setsockopt, fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	len = sizeof(cc);
	CHECK_OK(
	    SYS5(SYS_getsockopt, fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len));
	CHECK(!strcmp(cc, "reno"));
	CHECK_OK(
	    SYS5(SYS_setsockopt, fd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
	len = sizeof(cc);
	CHECK_OK(
	    SYS5(SYS_getsockopt, fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len));
	CHECK(!strcmp(cc, "cubic"));
	CHECK_ERR(SYS5(SYS_setsockopt, fd, IPPROTO_TCP, TCP_CONGESTION,
		       "no-such-cc", 10),
		  ENOENT);
	/* TCP_INFO of a fresh socket: closed. */
	len = sizeof(ti);
	CHECK_OK(SYS5(SYS_getsockopt, fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	CHECK(len >= 104);
	CHECK_EQ(ti.tcpi_state, TCP_CLOSE);
	close(fd);
	/* An accepted socket has its listener's options. */
	{
		int port, l = bound(AF_INET, SOCK_STREAM, 0, &port), c, s;

		CHECK_OK(set_int(l, IPPROTO_TCP, TCP_NODELAY, 1));
		CHECK_OK(set_int(l, SOL_SOCKET, SO_KEEPALIVE, 1));
		CHECK_OK(listen(l, 1));
		c = connected(AF_INET, port);
		s = accept(l, NULL, NULL);
		CHECK_EQ(int_opt(s, IPPROTO_TCP, TCP_NODELAY), 1);
		CHECK_EQ(int_opt(s, SOL_SOCKET, SO_KEEPALIVE), 1);
		CHECK_EQ(int_opt(c, IPPROTO_TCP, TCP_NODELAY), 0);
		CHECK(int_opt(c, IPPROTO_TCP, TCP_MAXSEG) > 536);
		CHECK(int_opt(c, IPPROTO_IP, IP_MTU) >= 65535);
		close(c);
		close(s);
		close(l);
	}
}

static void check_ip(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned char b = 0;
	socklen_t len = 1;

	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 64);
	CHECK_ERR(set_int(t, IPPROTO_IP, IP_TTL, 0), EINVAL);
	CHECK_ERR(set_int(t, IPPROTO_IP, IP_TTL, 256), EINVAL);
	CHECK_OK(set_int(t, IPPROTO_IP, IP_TTL, 10));
	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 10);
	CHECK_OK(set_int(t, IPPROTO_IP, IP_TTL, -1));
	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TTL), 64);
	/* A one-byte read of a small value is one byte. */
	CHECK_OK(SYS5(SYS_getsockopt, t, IPPROTO_IP, IP_TTL, &b, &len));
	CHECK_EQ(len, 1);
	CHECK_EQ(b, 64);
	/* TCP keeps the ECN bits of IP_TOS its own. */
	CHECK_OK(set_int(t, IPPROTO_IP, IP_TOS, 0xff));
	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_TOS), 0xfc);
	CHECK_OK(set_int(u, IPPROTO_IP, IP_TOS, 0xff));
	CHECK_EQ(int_opt(u, IPPROTO_IP, IP_TOS), 0xff);
	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
	CHECK_ERR(set_int(t, IPPROTO_IP, IP_MTU_DISCOVER, 6), EINVAL);
	CHECK_EQ(int_opt(t, IPPROTO_IP, IP_MTU), -ENOTCONN);
	CHECK_OK(set_int(u, IPPROTO_IP, IP_PKTINFO, 1));
	CHECK_EQ(int_opt(u, IPPROTO_IP, IP_PKTINFO), 1);
	CHECK_EQ(int_opt(u, IPPROTO_IP, IP_MULTICAST_TTL), 1);
	CHECK_EQ(int_opt(u, IPPROTO_IP, IP_MULTICAST_LOOP), 1);
	CHECK_ERR(set_int(t, IPPROTO_IP, IP_MULTICAST_TTL, 1), EINVAL);
	CHECK_ERR(set_int(t, IPPROTO_IP, 99, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(t, IPPROTO_IP, 99), -EINVAL);
	/* IPv6 options are not an IPv4 socket's. */
	CHECK_ERR(set_int(t, IPPROTO_IPV6, IPV6_V6ONLY, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(t, IPPROTO_IPV6, IPV6_V6ONLY), -EOPNOTSUPP);
	/* Nor TCP's a UDP socket's, nor UDP's a TCP socket's. */
	CHECK_ERR(set_int(u, IPPROTO_TCP, TCP_NODELAY, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(u, IPPROTO_TCP, TCP_NODELAY), -EOPNOTSUPP);
	CHECK_ERR(set_int(t, IPPROTO_UDP, 1, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(t, IPPROTO_UDP, 1), -EOPNOTSUPP);
	CHECK_ERR(set_int(t, 99, 1, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(t, 99, 1), -EOPNOTSUPP);
	close(t);
	close(u);
}

static void check_ipv6(void)
{
	int t = socket(AF_INET6, SOCK_STREAM, 0);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);

	CHECK_EQ(int_opt(t, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	CHECK_OK(set_int(t, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	CHECK_EQ(int_opt(t, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	CHECK_ERR(SYS5(SYS_setsockopt, t, IPPROTO_IPV6, IPV6_V6ONLY, "\1", 1),
		  EINVAL);
	CHECK_EQ(int_opt(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64);
	CHECK_ERR(set_int(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256), EINVAL);
	CHECK_ERR(set_int(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2), EINVAL);
	CHECK_OK(set_int(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7));
	CHECK_EQ(int_opt(t, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 7);
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_MULTICAST_HOPS), 1);
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_TCLASS), 0);
	CHECK_OK(set_int(u, IPPROTO_IPV6, IPV6_TCLASS, 0x20));
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_TCLASS), 0x20);
	CHECK_ERR(set_int(u, IPPROTO_IPV6, IPV6_TCLASS, 256), EINVAL);
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_MTU_DISCOVER), 1);
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_MTU), -ENOTCONN);
	CHECK_OK(set_int(u, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
	CHECK_ERR(set_int(u, IPPROTO_IPV6, 999, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(u, IPPROTO_IPV6, 999), -ENOPROTOOPT);
	/* IP options apply to an IPv6 socket's IPv4 traffic. */
	CHECK_EQ(int_opt(u, IPPROTO_IP, IP_TTL), 64);
	/* Another protocol's level: ENOPROTOOPT both ways on IPv6. */
	CHECK_ERR(set_int(u, IPPROTO_TCP, TCP_NODELAY, 1), ENOPROTOOPT);
	CHECK_EQ(int_opt(u, IPPROTO_TCP, TCP_NODELAY), -ENOPROTOOPT);
	CHECK_EQ(int_opt(t, IPPROTO_UDP, 1), -ENOPROTOOPT);
	CHECK_EQ(int_opt(t, 99, 1), -ENOPROTOOPT);
	close(t);
	close(u);
}

static void check_socket_level(void)
{
	int t = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	struct linger lg = {1, 5};
	socklen_t len = sizeof(lg);
	char dev[16];

	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	CHECK_EQ(int_opt(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	CHECK_EQ(int_opt(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
	CHECK_EQ(int_opt(u, SOL_SOCKET, SO_DOMAIN), AF_INET);
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_ERROR), 0);
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CHECK_OK(set_int(t, SOL_SOCKET, SO_SNDBUF, 8192));
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_SNDBUF), 16384);
	CHECK_OK(set_int(t, SOL_SOCKET, SO_RCVBUF, 8192));
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_RCVBUF), 16384);
	CHECK_OK(set_int(t, SOL_SOCKET, SO_REUSEADDR, 1));
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_REUSEADDR), 1);
	CHECK_OK(set_int(t, SOL_SOCKET, SO_REUSEPORT, 1));
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_REUSEPORT), 1);
	CHECK_OK(set_int(t, SOL_SOCKET, SO_KEEPALIVE, 1));
	CHECK_EQ(int_opt(t, SOL_SOCKET, SO_KEEPALIVE), 1);
	CHECK_OK(set_int(u, SOL_SOCKET, SO_BROADCAST, 1));
	CHECK_EQ(int_opt(u, SOL_SOCKET, SO_BROADCAST), 1);
	CHECK_OK(setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	memset(&lg, 0, sizeof(lg));
	CHECK_OK(getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len));
	CHECK_EQ(lg.l_onoff, 1);
	CHECK_EQ(lg.l_linger, 5);
	CHECK_OK(SYS5(SYS_setsockopt, u, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	len = sizeof(dev);
	CHECK_OK(
	    SYS5(SYS_getsockopt, u, SOL_SOCKET, SO_BINDTODEVICE, dev, &len));
	CHECK_EQ(len, 3);
	CHECK(!strcmp(dev, "lo"));
	CHECK_ERR(SYS5(SYS_setsockopt, u, SOL_SOCKET, SO_BINDTODEVICE,
		       "nosuchdev0", 11),
		  ENODEV);
	CHECK_ERR(set_int(t, SOL_SOCKET, 999, 1), ENOPROTOOPT);
	close(t);
	close(u);
}

int main(void)
{
	check_tcp();
	check_ip();
	check_ipv6();
	check_socket_level();
	return guest_done();
}
