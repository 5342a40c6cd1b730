// SPDX-License-Identifier: Apache-2.0
/*
 * Named AF_UNIX sockets: bind to a path (the socket file, its mode, the
 * errors of a second bind), abstract names and autobind, listen, connect
 * and accept (names on both sides, SO_PEERCRED, the backlog, accept4's
 * flags), the errors of connecting (ENOENT, ECONNREFUSED, EPROTOTYPE,
 * EISCONN), resets (a listener closed with a connection not accepted, an
 * end closed with unread data), datagrams to names (source addresses,
 * EPERM towards a socket connected elsewhere, ECONNREFUSED then ENOTCONN
 * after the peer goes, AF_UNSPEC), SO_PASSCRED with SCM_CREDENTIALS,
 * sequenced packets, poll of unconnected and listening sockets, a file
 * passed between two processes over a named connection, and
 * sendmmsg/recvmmsg.
 */
#include "proc.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

/* A libc call's result as a raw syscall's: -errno on failure. */
#define E(expr)                                                                \
	({                                                                     \
		long _v = (long)(expr);                                        \
		_v < 0 ? -(long)errno : _v;                                    \
	})

static char dir[64];
static unsigned serial;

/* A fresh path in the test's directory, as a sockaddr_un. */
static socklen_t path_addr(struct sockaddr_un *sa, char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(path, 100, "%s/s%u", dir, serial++);
	strcpy(sa->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(path) + 1);
}

/* A fresh abstract name (with our pid: the host shares the namespace). */
static socklen_t abstract_addr(struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
		     "moat-test-%d-%u", (int)getpid(), serial++);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   (size_t)n);
}

static int sock(int type)
{
	int fd = (int)SYS3(SYS_socket, AF_UNIX, type, 0);

	CHECK(fd >= 0);
	return fd;
}

/* A listening socket of type at a fresh path. */
static int listener(int type, struct sockaddr_un *sa, socklen_t *len,
		    char *path, int backlog)
{
	int fd = sock(type);

	*len = path_addr(sa, path);
	CHECK_OK(SYS3(SYS_bind, fd, sa, *len));
	CHECK_OK(SYS2(SYS_listen, fd, backlog));
	return fd;
}

static short revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};

	CHECK(poll(&p, 1, 0) >= 0);
	return p.revents;
}

static void test_bind(void)
{
	struct sockaddr_un sa, sb, got;
	char path[100], path2[100];
	socklen_t len, len2, glen;
	struct stat st;
	mode_t old = umask(022);
	int a = sock(SOCK_STREAM), b = sock(SOCK_STREAM);

	len = path_addr(&sa, path);
	/* Unbound: the family alone. */
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, a, &got, &glen));
	CHECK_EQ(glen, 2);
	CHECK_OK(SYS3(SYS_bind, a, &sa, len));
	CHECK_OK(stat(path, &st));
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0755);
	/* The socket file cannot be opened. */
	CHECK_ERR(SYS2(SYS_open, path, O_RDWR), ENXIO);
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, a, &got, &glen));
	CHECK_EQ(glen, len);
	CHECK(!strcmp(got.sun_path, path));
	/* The name's length need not count the NUL. */
	glen = 5;
	CHECK_OK(SYS3(SYS_getsockname, a, &got, &glen));
	CHECK_EQ(glen, len); /* the full length, the bytes cut */
	/* A taken path, a second bind, bad addresses. */
	CHECK_ERR(SYS3(SYS_bind, b, &sa, len), EADDRINUSE);
	len2 = path_addr(&sb, path2);
	CHECK_ERR(SYS3(SYS_bind, a, &sb, len2), EINVAL);
	CHECK_ERR(E(stat(path2, &st)), ENOENT); /* the node went again */
	sb.sun_family = AF_INET;
	CHECK_ERR(SYS3(SYS_bind, b, &sb, len2), EINVAL);
	sb.sun_family = AF_UNIX;
	CHECK_ERR(SYS3(SYS_bind, b, &sb, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_bind, b, &sb, sizeof(sb) + 1), EINVAL);
	CHECK_ERR(SYS3(SYS_bind, b, &sb, -1), EINVAL);
	CHECK_ERR(SYS3(SYS_bind, b, (void *)8, len2), EFAULT);
	CHECK_ERR(SYS3(SYS_bind, 999, &sb, len2), EBADF);
	strcpy(sb.sun_path, "/nonexistent-dir/x");
	CHECK_ERR(SYS3(SYS_bind, b, &sb, sizeof(sb)), ENOENT);
	/* Without the NUL in the length: the same path. */
	len2 = path_addr(&sb, path2);
	CHECK_OK(SYS3(SYS_bind, b, &sb, len2 - 1));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, b, &got, &glen));
	CHECK_EQ(glen, len2);
	close(a);
	close(b);
	/* The file stays after close; binding it again is EADDRINUSE. */
	a = sock(SOCK_STREAM);
	CHECK_ERR(SYS3(SYS_bind, a, &sa, len), EADDRINUSE);
	CHECK_OK(unlink(path));
	CHECK_OK(SYS3(SYS_bind, a, &sa, len));
	close(a);
	unlink(path);
	unlink(path2);
	umask(old);
}

static void test_abstract(void)
{
	struct sockaddr_un sa, got;
	socklen_t len, glen;
	int a = sock(SOCK_STREAM), b = sock(SOCK_STREAM), c;
	char name[6];

	len = abstract_addr(&sa);
	CHECK_OK(SYS3(SYS_bind, a, &sa, len));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, a, &got, &glen));
	CHECK_EQ(glen, len);
	CHECK(!memcmp(&got, &sa, len));
	CHECK_ERR(SYS3(SYS_bind, b, &sa, len), EADDRINUSE);
	/* A name one byte shorter is another name. */
	CHECK_OK(SYS3(SYS_bind, b, &sa, len - 1));
	close(b);
	/* Autobind: a length of sun_family alone. */
	b = sock(SOCK_DGRAM);
	CHECK_OK(
	    SYS3(SYS_bind, b, &sa, offsetof(struct sockaddr_un, sun_path)));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, b, &got, &glen));
	CHECK_EQ(glen, offsetof(struct sockaddr_un, sun_path) + 6);
	CHECK_EQ(got.sun_path[0], 0);
	memcpy(name, got.sun_path + 1, 5);
	name[5] = 0;
	for (int i = 0; i < 5; i++)
		CHECK(strchr("0123456789abcdef", name[i]) != NULL);
	/* Again on a named socket: nothing changes. */
	CHECK_OK(
	    SYS3(SYS_bind, b, &sa, offsetof(struct sockaddr_un, sun_path)));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, b, &got, &glen));
	CHECK(!memcmp(got.sun_path + 1, name, 5));
	/* A stream connects to the abstract listener. */
	CHECK_OK(SYS2(SYS_listen, a, 1));
	c = sock(SOCK_STREAM);
	CHECK_OK(SYS3(SYS_connect, c, &sa, len));
	close(c);
	close(b);
	close(a);
	/* The name is free again once its socket is closed. */
	a = sock(SOCK_STREAM);
	CHECK_OK(SYS3(SYS_bind, a, &sa, len));
	close(a);
}

static void test_connect_errors(void)
{
	struct sockaddr_un sa, sb;
	char path[100], path2[100];
	socklen_t len, len2;
	int l, c = sock(SOCK_STREAM), d;

	len = path_addr(&sa, path);
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), ENOENT);
	/* A regular file, a socket nobody listens on, one of another type. */
	close(creat(path, 0600));
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), ECONNREFUSED);
	unlink(path);
	d = sock(SOCK_STREAM);
	CHECK_OK(SYS3(SYS_bind, d, &sa, len));
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), ECONNREFUSED);
	CHECK_ERR(SYS2(SYS_accept, d, 0), EINVAL);
	close(d);
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), ECONNREFUSED);
	unlink(path);
	d = sock(SOCK_DGRAM);
	CHECK_OK(SYS3(SYS_bind, d, &sa, len));
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), EPROTOTYPE);
	CHECK_ERR(SYS2(SYS_listen, d, 1), EOPNOTSUPP);
	CHECK_ERR(SYS2(SYS_accept, d, 0), EOPNOTSUPP);
	close(d);
	unlink(path);
	/* Listening needs a name; bad addresses. */
	CHECK_ERR(SYS2(SYS_listen, c, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_connect, c, &sa, 2), EINVAL);
	sa.sun_family = AF_INET;
	CHECK_ERR(SYS3(SYS_connect, c, &sa, len), EINVAL);
	sa.sun_family = AF_UNIX;
	CHECK_ERR(SYS3(SYS_connect, c, (void *)8, len), EFAULT);
	/* Connected: EISCONN; a listener cannot connect. */
	l = listener(SOCK_STREAM, &sb, &len2, path2, 4);
	CHECK_OK(SYS3(SYS_connect, c, &sb, len2));
	CHECK_ERR(SYS3(SYS_connect, c, &sb, len2), EISCONN);
	CHECK_ERR(SYS2(SYS_listen, c, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_connect, l, &sb, len2), EINVAL);
	close(c);
	close(l);
	unlink(path2);
}

static void test_stream(void)
{
	struct sockaddr_un sa, sc, got;
	char path[100], path2[100], buf[16];
	socklen_t len, lenc, glen;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int l, c, s, c2, s2;

	l = listener(SOCK_STREAM, &sa, &len, path, 4);
	CHECK_ERR(SYS4(SYS_accept4, l, 0, 0, SOCK_NONBLOCK | 0x1), EINVAL);
	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_accept, l, 0, 0), EAGAIN);
	fcntl(l, F_SETFL, 0);
	CHECK_EQ(revents(l), 0);
	c = sock(SOCK_STREAM);
	/* Not connected yet: writable, and hung up. */
	CHECK_EQ(revents(c), POLLOUT | POLLHUP);
	CHECK_ERR(SYS6(SYS_sendto, c, "x", 1, 0, 0, 0), ENOTCONN);
	CHECK_ERR(SYS6(SYS_recvfrom, c, buf, 1, 0, 0, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_getpeername, c, &got, &glen), ENOTCONN);
	/* Connected before the accept: data may go already. */
	CHECK_OK(SYS3(SYS_connect, c, &sa, len));
	CHECK_EQ(revents(l), POLLIN);
	CHECK_EQ(write(c, "hello", 5), 5);
	glen = sizeof(got);
	memset(&got, 0x7f, sizeof(got));
	s = (int)SYS4(SYS_accept4, l, &got, &glen,
		      SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s >= 0);
	CHECK_EQ(glen, 2); /* the client has no name */
	CHECK_EQ(got.sun_family, AF_UNIX);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(read(s, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "hello", 5));
	CHECK_ERR(E(read(s, buf, sizeof(buf))), EAGAIN);
	/* The server's end has the listener's name; the client sees it. */
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, s, &got, &glen));
	CHECK_EQ(glen, len);
	CHECK(!strcmp(got.sun_path, path));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getpeername, c, &got, &glen));
	CHECK_EQ(glen, len);
	CHECK(!strcmp(got.sun_path, path));
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getpeername, s, &got, &glen));
	CHECK_EQ(glen, 2);
	/* Both ends know the other's process. */
	CHECK_OK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &clen));
	CHECK_EQ(cred.pid, getpid());
	CHECK_EQ(cred.uid, geteuid());
	clen = sizeof(cred);
	CHECK_OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen));
	CHECK_EQ(cred.pid, getpid());
	{
		int v = -1;
		socklen_t vl = sizeof(v);

		CHECK_OK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
		CHECK_EQ(v, 1);
		CHECK_OK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
		CHECK_EQ(v, 0);
	}
	/* A named client: the server sees its name. */
	c2 = sock(SOCK_STREAM);
	lenc = path_addr(&sc, path2);
	CHECK_OK(SYS3(SYS_bind, c2, &sc, lenc));
	CHECK_OK(SYS3(SYS_connect, c2, &sa, len));
	glen = sizeof(got);
	s2 = (int)SYS3(SYS_accept, l, &got, &glen);
	CHECK(s2 >= 0);
	CHECK_EQ(glen, lenc);
	CHECK(!strcmp(got.sun_path, path2));
	/* Half-close both ways. */
	CHECK_OK(SYS2(SYS_shutdown, c2, SHUT_WR));
	CHECK_EQ(read(s2, buf, 1), 0);
	CHECK_EQ(write(s2, "ab", 2), 2);
	CHECK_EQ(read(c2, buf, 2), 2);
	CHECK(revents(s2) & POLLRDHUP);
	close(c2);
	close(s2);
	/* Once unlinked the path finds nothing; the listener goes on. */
	CHECK_OK(unlink(path));
	c2 = sock(SOCK_STREAM);
	CHECK_ERR(SYS3(SYS_connect, c2, &sa, len), ENOENT);
	close(c2);
	close(c);
	close(s);
	close(l);
	unlink(path2);
}

static void test_backlog_and_resets(void)
{
	struct sockaddr_un sa;
	char path[100], buf[8];
	socklen_t len;
	int l, c1, c2, c3, s;

	/* backlog 0 lets one connection wait. */
	l = listener(SOCK_STREAM, &sa, &len, path, 0);
	c1 = sock(SOCK_STREAM | SOCK_NONBLOCK);
	c2 = sock(SOCK_STREAM | SOCK_NONBLOCK);
	CHECK_OK(SYS3(SYS_connect, c1, &sa, len));
	CHECK_ERR(SYS3(SYS_connect, c2, &sa, len), EAGAIN);
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_OK(SYS3(SYS_connect, c2, &sa, len));
	/* A listener closed with c2 not accepted: c2 is reset. */
	close(l);
	CHECK(revents(c2) & POLLERR);
	CHECK_ERR(E(read(c2, buf, 1)), ECONNRESET);
	CHECK_EQ(read(c2, buf, 1), 0);
	{
		int v = -1;
		socklen_t vl = sizeof(v);

		CHECK_OK(getsockopt(c2, SOL_SOCKET, SO_ERROR, &v, &vl));
		CHECK_EQ(v, 0);
	}
	CHECK_ERR(SYS6(SYS_sendto, c2, "x", 1, MSG_NOSIGNAL, 0, 0), EPIPE);
	/* An end closed with unread data resets the other. */
	CHECK_EQ(write(c1, "abc", 3), 3);
	CHECK_EQ(write(s, "z", 1), 1);
	close(s);
	CHECK_EQ(read(c1, buf, 8), 1); /* what came first is still read */
	CHECK_ERR(E(read(c1, buf, 1)), ECONNRESET);
	CHECK_EQ(read(c1, buf, 1), 0);
	close(c1);
	close(c2);
	/* Closed with everything read: only an end of file. */
	l = listener(SOCK_STREAM, &sa, &len, path, 1);
	unlink(path);
	c3 = sock(SOCK_STREAM);
	close(l);
	close(c3);
}

static void test_dgram(void)
{
	struct sockaddr_un sa, sb, sc, got;
	char pa[100], pb[100], pc[100], buf[16];
	socklen_t la, lb, lc, glen;
	int a = sock(SOCK_DGRAM), b = sock(SOCK_DGRAM), c = sock(SOCK_DGRAM);
	int u = sock(SOCK_DGRAM);

	la = path_addr(&sa, pa);
	lb = path_addr(&sb, pb);
	lc = path_addr(&sc, pc);
	CHECK_OK(SYS3(SYS_bind, a, &sa, la));
	CHECK_OK(SYS3(SYS_bind, b, &sb, lb));
	CHECK_OK(SYS3(SYS_bind, c, &sc, lc));
	/* Unconnected without an address: ENOTCONN. */
	CHECK_ERR(SYS6(SYS_sendto, a, "x", 1, 0, 0, 0), ENOTCONN);
	CHECK_EQ(SYS6(SYS_sendto, a, "one", 3, 0, &sb, lb), 3);
	glen = sizeof(got);
	CHECK_EQ(SYS6(SYS_recvfrom, b, buf, sizeof(buf), 0, &got, &glen), 3);
	CHECK_EQ(glen, la);
	CHECK(!strcmp(got.sun_path, pa));
	/* An unnamed sender: no address. */
	CHECK_EQ(SYS6(SYS_sendto, u, "two", 3, 0, &sb, lb), 3);
	glen = sizeof(got);
	CHECK_EQ(SYS6(SYS_recvfrom, b, buf, sizeof(buf), 0, &got, &glen), 3);
	CHECK_EQ(glen, 0);
	/* To oneself. */
	CHECK_EQ(SYS6(SYS_sendto, a, "me", 2, 0, &sa, la), 2);
	CHECK_EQ(read(a, buf, sizeof(buf)), 2);
	/* b connected to c: a may not send to b. */
	CHECK_OK(SYS3(SYS_connect, b, &sc, lc));
	CHECK_ERR(SYS6(SYS_sendto, a, "x", 1, 0, &sb, lb), EPERM);
	CHECK_EQ(SYS6(SYS_sendto, c, "y", 1, 0, &sb, lb), 1);
	CHECK_EQ(read(b, buf, sizeof(buf)), 1);
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getpeername, b, &got, &glen));
	CHECK_EQ(glen, lc);
	CHECK_EQ(write(b, "to c", 4), 4);
	CHECK_EQ(read(c, buf, sizeof(buf)), 4);
	/* AF_UNSPEC disconnects. */
	{
		struct sockaddr un = {.sa_family = AF_UNSPEC};

		CHECK_OK(SYS3(SYS_connect, b, &un, sizeof(un)));
		CHECK_ERR(SYS3(SYS_getpeername, b, &got, &glen), ENOTCONN);
		CHECK_ERR(E(write(b, "x", 1)), ENOTCONN);
	}
	/* The peer goes: refused once, then not connected. */
	CHECK_OK(SYS3(SYS_connect, b, &sc, lc));
	close(c);
	CHECK_ERR(E(write(b, "x", 1)), ECONNREFUSED);
	CHECK_ERR(E(write(b, "x", 1)), ENOTCONN);
	/* A name whose socket is gone. */
	CHECK_ERR(SYS6(SYS_sendto, a, "x", 1, 0, &sc, lc), ECONNREFUSED);
	unlink(pc);
	CHECK_ERR(SYS6(SYS_sendto, a, "x", 1, 0, &sc, lc), ENOENT);
	/* A stream socket's name is the wrong type. */
	{
		struct sockaddr_un ss;
		char ps[100];
		socklen_t ls;
		int l = listener(SOCK_STREAM, &ss, &ls, ps, 1);

		CHECK_ERR(SYS6(SYS_sendto, a, "x", 1, 0, &ss, ls), EPROTOTYPE);
		close(l);
		unlink(ps);
	}
	close(a);
	close(b);
	close(u);
	unlink(pa);
	unlink(pb);
}

static void test_passcred(void)
{
	struct sockaddr_un sa, got;
	char pa[100], buf[8];
	socklen_t la, glen;
	int a = sock(SOCK_DGRAM), b = sock(SOCK_DGRAM), on = 1;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {0};
	struct cmsghdr *cm;
	struct ucred uc;

	la = path_addr(&sa, pa);
	CHECK_OK(SYS3(SYS_bind, a, &sa, la));
	CHECK_OK(setsockopt(a, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	/* An unnamed sender with SO_PASSCRED gets a name at send. */
	CHECK_OK(setsockopt(b, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	CHECK_EQ(SYS6(SYS_sendto, b, "c", 1, 0, &sa, la), 1);
	glen = sizeof(got);
	CHECK_OK(SYS3(SYS_getsockname, b, &got, &glen));
	CHECK_EQ(glen, offsetof(struct sockaddr_un, sun_path) + 6);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &ctl;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(recvmsg(a, &mh, 0), 1);
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm != NULL);
	if (cm) {
		CHECK_EQ(cm->cmsg_level, SOL_SOCKET);
		CHECK_EQ(cm->cmsg_type, SCM_CREDENTIALS);
		CHECK_EQ(cm->cmsg_len, CMSG_LEN(sizeof(uc)));
		memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		CHECK_EQ(uc.pid, getpid());
		CHECK_EQ(uc.uid, geteuid());
		CHECK_EQ(uc.gid, getegid());
	}
	/* Credentials sent explicitly, and a malformed control message. */
	memset(&ctl, 0, sizeof(ctl));
	cm = &ctl.h;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(uc));
	uc.pid = getpid();
	uc.uid = geteuid();
	uc.gid = getegid();
	memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	mh.msg_name = &sa;
	mh.msg_namelen = la;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(sendmsg(b, &mh, 0), sizeof(buf));
	cm->cmsg_len = CMSG_LEN(sizeof(uc) - 1);
	CHECK_ERR(E(sendmsg(b, &mh, 0)), EINVAL);
	cm->cmsg_len = CMSG_LEN(sizeof(uc));
	cm->cmsg_type = 99;
	CHECK_ERR(E(sendmsg(b, &mh, 0)), EINVAL);
	mh.msg_name = NULL;
	mh.msg_namelen = 0;
	mh.msg_controllen = sizeof(ctl);
	CHECK_EQ(recvmsg(a, &mh, 0), sizeof(buf));
	CHECK_EQ(mh.msg_controllen, CMSG_SPACE(sizeof(uc)));
	/* Without room for it: MSG_CTRUNC. */
	CHECK_EQ(SYS6(SYS_sendto, b, "d", 1, 0, &sa, la), 1);
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	CHECK_EQ(recvmsg(a, &mh, 0), 1);
	close(a);
	close(b);
	unlink(pa);
}

static void test_seqpacket(void)
{
	struct sockaddr_un sa;
	char path[100], buf[16];
	socklen_t len;
	int l = listener(SOCK_SEQPACKET, &sa, &len, path, 2), c, s;

	c = sock(SOCK_SEQPACKET);
	CHECK_ERR(E(write(c, "x", 1)), ENOTCONN);
	CHECK_ERR(E(read(c, buf, 1)), ENOTCONN);
	CHECK_OK(SYS3(SYS_connect, c, &sa, len));
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_EQ(write(c, "first", 5), 5);
	CHECK_EQ(write(c, "second", 6), 6);
	CHECK_EQ(read(s, buf, 3), 3); /* the rest of "first" is gone */
	CHECK_EQ(read(s, buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "second", 6));
	close(c);
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	close(s);
	close(l);
	unlink(path);
}

/* Sends one copy of fd over s: 0 or -errno. */
static long send_fd(int s, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {"f", 1};
	struct msghdr mh = {0};
	long r;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = &ctl;
	mh.msg_controllen = sizeof(ctl);
	ctl.h.cmsg_level = SOL_SOCKET;
	ctl.h.cmsg_type = SCM_RIGHTS;
	ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&ctl.h), &fd, sizeof(int));
	r = E(sendmsg(s, &mh, MSG_DONTWAIT));
	return r < 0 ? r : 0;
}

/* A pipe's write end passed to a child over a named connection. */
static void test_pass_fd(void)
{
	struct sockaddr_un sa;
	char path[100], buf[8];
	socklen_t len;
	int l = listener(SOCK_STREAM, &sa, &len, path, 1), p[2], s;
	pid_t pid;

	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct iovec iov = {buf, 1};
		struct msghdr mh = {0};
		int c = sock(SOCK_STREAM), fd = -1;

		close(p[1]);
		CHECK_OK(SYS3(SYS_connect, c, &sa, len));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		CHECK_EQ(recvmsg(c, &mh, 0), 1);
		if (CMSG_FIRSTHDR(&mh))
			memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(fd));
		CHECK(fd >= 0);
		CHECK_EQ(write(fd, "via", 3), 3);
		child_exit();
	}
	s = (int)SYS3(SYS_accept, l, 0, 0);
	CHECK(s >= 0);
	CHECK_OK(send_fd(s, p[1]));
	close(p[1]);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "via", 3));
	CHECK_CHILD_OK(pid);
	close(p[0]);
	close(s);
	close(l);
	unlink(path);
}

static void test_mmsg(void)
{
	int sv[2];
	struct mmsghdr v[3];
	struct iovec iov[3];
	char out[3][4] = {"aa", "bbb", "c"}, in[3][8];
	struct timespec ts = {1, 0};

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv));
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = out[i];
		iov[i].iov_len = strlen(out[i]);
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK_EQ(SYS4(SYS_sendmmsg, sv[0], v, 3, 0), 3);
	CHECK_EQ(v[1].msg_len, 3);
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = in[i];
		iov[i].iov_len = sizeof(in[i]);
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	/* MSG_WAITFORONE: what is there, without waiting for more. */
	CHECK_EQ(SYS5(SYS_recvmmsg, sv[1], v, 3, MSG_WAITFORONE, &ts), 3);
	CHECK_EQ(v[0].msg_len, 2);
	CHECK_EQ(v[2].msg_len, 1);
	CHECK(!memcmp(in[1], "bbb", 3));
	CHECK_EQ(SYS4(SYS_sendmmsg, sv[0], v, 1, 0), 1);
	CHECK_EQ(SYS5(SYS_recvmmsg, sv[1], v, 3, MSG_WAITFORONE, 0), 1);
	CHECK_ERR(SYS5(SYS_recvmmsg, sv[1], v, 3, MSG_DONTWAIT, 0), EAGAIN);
	ts.tv_nsec = -1;
	CHECK_ERR(SYS5(SYS_recvmmsg, sv[1], v, 3, 0, &ts), EINVAL);
	CHECK_ERR(SYS4(SYS_sendmmsg, 999, v, 1, 0), EBADF);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A user without CAP_SYS_RESOURCE may have at most RLIMIT_NOFILE files in
 * flight before a send is refused (ETOOMANYREFS); receiving or dropping
 * them gives the room back.
 */
static void test_inflight(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct rlimit rl = {16, 16};
		int sv[2], p[2], n = 0;
		char c;

		if (geteuid() == 0) {
			CHECK_OK(setresgid(65534, 65534, 65534));
			CHECK_OK(setresuid(65534, 65534, 65534));
		}
		CHECK_OK(setrlimit(RLIMIT_NOFILE, &rl));
		CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv));
		make_pipe(p);
		while (n < 40 && send_fd(sv[0], p[0]) == 0)
			n++;
		CHECK_EQ(n, 17); /* refused once more than 16 are in flight */
		CHECK_ERR(send_fd(sv[0], p[0]), ETOOMANYREFS);
		/* A message read (its file closed at once): room for one. */
		CHECK_EQ(read(sv[1], &c, 1), 1);
		CHECK_OK(send_fd(sv[0], p[0]));
		CHECK_ERR(send_fd(sv[0], p[0]), ETOOMANYREFS);
		/* Dropped with the socket: all the room is back. */
		close(sv[1]);
		close(sv[0]);
		CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv));
		for (n = 0; n < 17; n++)
			CHECK_OK(send_fd(sv[0], p[0]));
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

/*
 * A socket sent into its own queue, with a pipe's write end beside it,
 * then closed: only the collector can drop that queue, and the pipe's
 * reader then sees its end (Linux collects asynchronously: wait for it).
 */
static void test_gc(void)
{
	int sv[2], p[2];
	struct pollfd pf;

	CHECK_OK(SYS4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
	make_pipe(p);
	CHECK_OK(send_fd(sv[1], sv[0]));
	CHECK_OK(send_fd(sv[1], p[1]));
	close(p[1]);
	close(sv[0]);
	close(sv[1]); /* a unix socket's release runs the collector */
	pf.fd = p[0];
	pf.events = POLLIN;
	CHECK_EQ(poll(&pf, 1, 5000), 1);
	CHECK(pf.revents & POLLHUP);
	close(p[0]);
}

static void test_socket_args(void)
{
	int fd;

	CHECK_ERR(SYS3(SYS_socket, AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(SYS3(SYS_socket, AF_UNIX, SOCK_STREAM | 0x1000, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_socket, 1000, SOCK_STREAM, 0), EAFNOSUPPORT);
	fd = (int)SYS3(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	{
		int v = 0;
		socklen_t vl = sizeof(v);

		CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl));
		CHECK_EQ(v, SOCK_DGRAM);
	}
	close(fd);
	/* SOCK_RAW is a datagram socket here. */
	fd = (int)SYS3(SYS_socket, AF_UNIX, SOCK_RAW, 0);
	CHECK(fd >= 0);
	{
		int v = 0;
		socklen_t vl = sizeof(v);

		CHECK_OK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl));
		CHECK_EQ(v, SOCK_DGRAM);
	}
	close(fd);
	CHECK_ERR(SYS3(SYS_bind, 0 + 1000, 0, 0), EBADF);
	fd = open("/", O_RDONLY);
	CHECK_ERR(SYS2(SYS_listen, fd, 1), ENOTSOCK);
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/unix-named-XXXXXX");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_bind();
	test_abstract();
	test_connect_errors();
	test_stream();
	test_backlog_and_resets();
	test_dgram();
	test_passcred();
	test_seqpacket();
	test_pass_fd();
	test_mmsg();
	test_inflight();
	test_gc();
	test_socket_args();
	rmdir(dir);
	return guest_done();
}
