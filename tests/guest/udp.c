// SPDX-License-Identifier: Apache-2.0
/*
 * UDP over loopback, IPv4 and IPv6: sendto and recvfrom with addresses,
 * datagram boundaries, MSG_PEEK, MSG_TRUNC, empty datagrams, FIONREAD,
 * connect and connect(AF_UNSPEC), ECONNREFUSED on a connected socket
 * after a datagram nobody took, EMSGSIZE, EDESTADDRREQ, the address
 * errors, shutdown, a connected socket's filter, IP_PKTINFO and
 * IPV6_RECVPKTINFO, IPv4 datagrams on a dual-stack socket, a full
 * receive queue dropping, and blocked receives woken.
 */
#include "inet.h"
#include "proc.h"

#include <sys/uio.h>

static long sendto_sa(int fd, const void *buf, size_t len, int flags,
		      const union inet_sa *a)
{
	socklen_t alen =
	    a->sa.sa_family == AF_INET ? sizeof(a->in) : sizeof(a->in6);

	return SYS6(SYS_sendto, fd, buf, len, flags, a, alen);
}

static void check_basic(int family)
{
	union inet_sa a, from;
	socklen_t flen;
	char buf[64];
	int pr, ps, r = bound(family, SOCK_DGRAM, 0, &pr);
	int s = bound(family, SOCK_DGRAM, 0, &ps), n;
	struct msghdr mh;
	struct iovec iov;

	sa_make(&a, family, pr, 0);
	CHECK_EQ(sendto_sa(s, "one", 3, 0, &a), 3);
	CHECK_EQ(sendto_sa(s, "second", 6, 0, &a), 6);
	CHECK_EQ(sendto_sa(s, "", 0, 0, &a), 0);
	CHECK_EQ(revents_of(r, POLLIN | POLLOUT, 1000) & (POLLIN | POLLOUT),
		 POLLIN | POLLOUT);
	CHECK_OK(ioctl(r, FIONREAD, &n));
	CHECK_EQ(n, 3);
	CHECK_EQ(SYS_RECV(r, buf, 64, MSG_PEEK), 3);
	flen = sizeof(from);
	CHECK_EQ(SYS6(SYS_recvfrom, r, buf, 64, 0, &from, &flen), 3);
	CHECK(!memcmp(buf, "one", 3));
	CHECK_EQ(flen, family == AF_INET ? sizeof(from.in) : sizeof(from.in6));
	CHECK_EQ(from.sa.sa_family, family);
	CHECK_EQ(sa_port(&from), ps);
	/* A short buffer cuts the datagram: MSG_TRUNC. */
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = 2;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK_EQ(SYS3(SYS_recvmsg, r, &mh, 0), 2);
	CHECK_EQ(mh.msg_flags & MSG_TRUNC, MSG_TRUNC);
	/* The empty one; then nothing. */
	CHECK_EQ(SYS_RECV(r, buf, 64, 0), 0);
	CHECK_ERR(SYS_RECV(r, buf, 64, MSG_DONTWAIT), EAGAIN);
	/* MSG_TRUNC returns the datagram's length. */
	CHECK_EQ(sendto_sa(s, "0123456789", 10, 0, &a), 10);
	CHECK_EQ(SYS_RECV(r, buf, 4, MSG_TRUNC), 10);
	/* Errors of the call. */
	CHECK_ERR(SYS_SEND(s, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(SYS2(SYS_listen, s, 1), EOPNOTSUPP);
	CHECK_ERR(SYS3(SYS_accept, s, NULL, NULL), EOPNOTSUPP);
	sa_make(&a, family, 0, 0);
	CHECK_ERR(sendto_sa(s, "x", 1, 0, &a), EINVAL); /* port 0 */
	sa_make(&a, family, pr, 0);
	CHECK_ERR(SYS6(SYS_sendto, s, "x", 1, 0, &a, 8), EINVAL);
	CHECK_ERR(SYS3(SYS_getpeername, s, &from, &flen), ENOTCONN);
	{
		static char big[65536];
		int max = family == AF_INET ? 65507 : 65527;

		CHECK_ERR(sendto_sa(s, big, max + 1, 0, &a), EMSGSIZE);
		CHECK_ERR(sendto_sa(s, big, 65536, 0, &a), EMSGSIZE);
		CHECK_EQ(sendto_sa(s, big, max, 0, &a), max);
		CHECK_EQ(SYS_RECV(r, big, sizeof(big), 0), max);
	}
	if (family == AF_INET) {
		a.sa.sa_family = AF_INET6;
		CHECK_ERR(sendto_sa(s, "x", 1, 0, &a), EAFNOSUPPORT);
	}
	close(s);
	close(r);
}

static void check_connect(int family)
{
	union inet_sa a, b;
	socklen_t len, blen;
	char buf[16];
	int pr, r = bound(family, SOCK_DGRAM, 0, &pr), pt,
		third = bound(family, SOCK_DGRAM, 0, &pt);
	int s = socket(family, SOCK_DGRAM, 0);

	len = sa_make(&a, family, pr, 0);
	CHECK_OK(SYS3(SYS_connect, s, &a, len));
	/* Connecting named it, with loopback's address. */
	blen = sizeof(b);
	CHECK_OK(getsockname(s, &b.sa, &blen));
	CHECK(sa_port(&b) > 0);
	if (family == AF_INET)
		CHECK_EQ(b.in.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	else
		CHECK(IN6_IS_ADDR_LOOPBACK(&b.in6.sin6_addr));
	blen = sizeof(b);
	CHECK_OK(getpeername(s, &b.sa, &blen));
	CHECK_EQ(sa_port(&b), pr);
	CHECK_EQ(write(s, "via", 3), 3);
	CHECK_EQ(SYS_RECV(r, buf, sizeof(buf), 0), 3);
	/* A connected socket takes datagrams from its peer only. */
	len = sa_make(&a, family, local_port(s), 0);
	CHECK_EQ(sendto_sa(third, "no", 2, 0, &a), 2);
	CHECK_EQ(sendto_sa(r, "yes", 3, 0, &a), 3);
	CHECK_EQ(revents_of(s, POLLIN, 1000), POLLIN);
	CHECK_EQ(SYS_RECV(s, buf, sizeof(buf), 0), 3);
	CHECK(!memcmp(buf, "yes", 3));
	CHECK_ERR(SYS_RECV(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	/* AF_UNSPEC disconnects. */
	{
		struct sockaddr unspec = {.sa_family = AF_UNSPEC};

		CHECK_OK(SYS3(SYS_connect, s, &unspec, sizeof(unspec)));
		CHECK_OK(SYS3(SYS_connect, s, &unspec, sizeof(unspec)));
	}
	CHECK_ERR(SYS3(SYS_getpeername, s, &b, &blen), ENOTCONN);
	CHECK_ERR(SYS_SEND(s, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(SYS3(SYS_connect, s, &a, 1), EINVAL);
	/* A datagram nobody takes: the next call of a connected
	 * socket is ECONNREFUSED (the ICMP error), once. */
	close(third);
	len = sa_make(&a, family, pt, 0);
	CHECK_OK(SYS3(SYS_connect, s, &a, len));
	CHECK_EQ(write(s, "lost", 4), 4);
	msleep(10);
	CHECK_EQ(revents_of(s, POLLIN, 0) & POLLERR, POLLERR);
	CHECK_ERR(SYS_SEND(s, "x", 1, 0), ECONNREFUSED);
	CHECK_EQ(SYS_SEND(s, "x", 1, 0), 1);
	msleep(10);
	CHECK_ERR(SYS_RECV(s, buf, 1, MSG_DONTWAIT), ECONNREFUSED);
	CHECK_EQ(SYS_SEND(s, "x", 1, 0), 1);
	msleep(10);
	CHECK_EQ(sock_error(s), ECONNREFUSED);
	CHECK_EQ(sock_error(s), 0);
	/* shutdown: SHUT_WR stops sends (no SIGPIPE). */
	CHECK_OK(SYS2(SYS_shutdown, s, SHUT_WR));
	CHECK_ERR(SYS_SEND(s, "x", 1, 0), EPIPE);
	CHECK(!sigpipe_taken());
	close(s);
	/* Not connected: ENOTCONN, but a receive ends all the same. */
	s = socket(family, SOCK_DGRAM, 0);
	CHECK_ERR(SYS2(SYS_shutdown, s, SHUT_RDWR), ENOTCONN);
	CHECK_ERR(SYS_RECV(s, buf, 1, MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(SYS_RECV(s, buf, 1, 0), 0);
	CHECK_EQ(revents_of(s, POLLIN, 0) & (POLLIN | POLLHUP | POLLRDHUP),
		 POLLIN | POLLHUP);
	close(s);
	close(r);
}

static void check_cmsgs(void)
{
	union inet_sa a;
	char buf[16], ctl[256];
	struct msghdr mh;
	struct iovec iov = {buf, sizeof(buf)};
	struct cmsghdr *cm;
	int pr, r = bound(AF_INET, SOCK_DGRAM, 0, &pr), s, found = 0;

	CHECK_OK(set_int(r, IPPROTO_IP, IP_PKTINFO, 1));
	CHECK_OK(set_int(r, IPPROTO_IP, IP_RECVTTL, 1));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sa_make(&a, AF_INET, pr, 0);
	CHECK_EQ(sendto_sa(s, "pk", 2, 0, &a), 2);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(SYS3(SYS_recvmsg, r, &mh, 0), 2);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			CHECK_EQ(pi.ipi_addr.s_addr, htonl(INADDR_LOOPBACK));
			CHECK_EQ(pi.ipi_ifindex, 1);
			found |= 1;
		}
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) {
			int ttl;

			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
			CHECK_EQ(ttl, 64);
			found |= 2;
		}
	}
	CHECK_EQ(found, 3);
	close(s);
	close(r);

	r = bound(AF_INET6, SOCK_DGRAM, 0, &pr);
	CHECK_OK(set_int(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	sa_make(&a, AF_INET6, pr, 0);
	CHECK_EQ(sendto_sa(s, "p6", 2, 0, &a), 2);
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(SYS3(SYS_recvmsg, r, &mh, 0), 2);
	found = 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			CHECK(IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr));
			found = 1;
		}
	CHECK_EQ(found, 1);
	close(s);
	close(r);
}

static void check_dual_stack(void)
{
	union inet_sa a, from;
	socklen_t flen = sizeof(from);
	char buf[8];
	int pr, r = bound(AF_INET6, SOCK_DGRAM, 1, &pr), ps;
	int s = bound(AF_INET, SOCK_DGRAM, 0, &ps), s6;

	sa_make(&a, AF_INET, pr, 0);
	CHECK_EQ(sendto_sa(s, "v4", 2, 0, &a), 2);
	CHECK_EQ(SYS6(SYS_recvfrom, r, buf, sizeof(buf), 0, &from, &flen), 2);
	CHECK_EQ(flen, sizeof(from.in6));
	CHECK(IN6_IS_ADDR_V4MAPPED(&from.in6.sin6_addr));
	CHECK_EQ(sa_port(&from), ps);
	/* And back, to the mapped address or a sockaddr_in. */
	CHECK_EQ(sendto_sa(r, "m", 1, 0, &from), 1);
	CHECK_EQ(SYS_RECV(s, buf, sizeof(buf), 0), 1);
	CHECK_EQ(sendto_sa(r, "4", 1, 0, &a), 1); /* to itself */
	CHECK_EQ(SYS_RECV(r, buf, sizeof(buf), 0), 1);
	/* IPV6_V6ONLY refuses IPv4 destinations. */
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_OK(set_int(s6, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	CHECK_ERR(sendto_sa(s6, "x", 1, 0, &from), ENETUNREACH);
	close(s6);
	close(s);
	close(r);
}

/* A full queue drops; nobody waits. */
static void check_full(void)
{
	union inet_sa a;
	char buf[1024];
	int pr, r = bound(AF_INET, SOCK_DGRAM, 0, &pr), got = 0;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK_OK(set_int(r, SOL_SOCKET, SO_RCVBUF, 4096));
	sa_make(&a, AF_INET, pr, 0);
	memset(buf, 'd', sizeof(buf));
	for (int i = 0; i < 200; i++)
		CHECK_EQ(sendto_sa(s, buf, sizeof(buf), 0, &a), sizeof(buf));
	while (SYS_RECV(r, buf, sizeof(buf), MSG_DONTWAIT) == sizeof(buf))
		got++;
	CHECK(got > 0 && got < 200);
	close(s);
	close(r);
}

static void check_wakeup(int family)
{
	char buf[8];
	int pr, r = bound(family, SOCK_DGRAM, 0, &pr);
	pid_t pid = spawn();

	if (pid == 0) {
		union inet_sa a;
		int s = socket(family, SOCK_DGRAM, 0);

		sa_make(&a, family, pr, 0);
		msleep(30);
		CHECK_EQ(sendto_sa(s, "wake", 4, 0, &a), 4);
		child_exit();
	}
	CHECK_EQ(SYS_RECV(r, buf, sizeof(buf), 0), 4);
	CHECK_EQ(reap(pid), 0);
	/* sendmmsg and recvmmsg. */
	{
		union inet_sa a;
		struct mmsghdr mm[3];
		struct iovec iov[3];
		char bufs[3][8];
		int s = socket(family, SOCK_DGRAM, 0);

		sa_make(&a, family, pr, 0);
		CHECK_OK(
		    connect(s, &a.sa,
			    family == AF_INET ? sizeof(a.in) : sizeof(a.in6)));
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = (size_t)i + 1;
			memset(bufs[i], 'a' + i, sizeof(bufs[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		CHECK_EQ(SYS4(SYS_sendmmsg, s, mm, 3, 0), 3);
		for (int i = 0; i < 3; i++)
			iov[i].iov_len = sizeof(bufs[i]);
		CHECK_EQ(SYS5(SYS_recvmmsg, r, mm, 3, MSG_DONTWAIT, NULL), 3);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(mm[i].msg_len, i + 1);
		close(s);
	}
	close(r);
}

int main(void)
{
	block_sigpipe();
	check_basic(AF_INET);
	check_basic(AF_INET6);
	check_connect(AF_INET);
	check_connect(AF_INET6);
	check_cmsgs();
	check_dual_stack();
	check_full();
	check_wakeup(AF_INET);
	check_wakeup(AF_INET6);
	return guest_done();
}
