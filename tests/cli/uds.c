// SPDX-License-Identifier: Apache-2.0
/*
 * Host unix sockets reached from the sandbox (moat run --bind SRC:DST:connect):
 *   cli-uds serve DIR TYPE N   on the host: a TYPE (stream, seqpacket or
 *                              dgram) socket bound to DIR/sock, answering
 *                              N clients, then exits; DIR/ready once bound
 *   cli-uds client PATH TYPE   connect to PATH and talk; prints what it saw
 *   cli-uds sendfd PATH        pass an fd over a stream connection to PATH:
 *                              "sent" or the error
 * The client prints the same lines natively and in the sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int type_of(const char *name)
{
	if (!strcmp(name, "stream"))
		return SOCK_STREAM;
	if (!strcmp(name, "seqpacket"))
		return SOCK_SEQPACKET;
	if (!strcmp(name, "dgram"))
		return SOCK_DGRAM;
	fprintf(stderr, "cli-uds: unknown type %s\n", name);
	exit(2);
}

static socklen_t addr_of(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		fprintf(stderr, "cli-uds: path too long\n");
		exit(2);
	}
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(path) + 1);
}

/* One client's conversation, on the server's side. */
static void answer(int c, int type)
{
	char buf[256], reply[300];
	ssize_t n;

	while ((n = recv(c, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = 0;
		snprintf(reply, sizeof(reply), "echo:%s", buf);
		if (send(c, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			return;
	}
	/* The client shut its writing side: a last word, then the end. */
	if (n == 0 && type == SOCK_STREAM)
		send(c, "bye", 3, MSG_NOSIGNAL);
}

static int serve(const char *dir, int type, int clients)
{
	struct sockaddr_un a, from;
	char path[256];
	socklen_t len;
	int s, fd;

	snprintf(path, sizeof(path), "%s/sock", dir);
	len = addr_of(&a, path);
	s = socket(AF_UNIX, type, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, len))
		die("bind");
	if (type != SOCK_DGRAM && listen(s, 8))
		die("listen");
	snprintf(path, sizeof(path), "%s/ready", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("ready");
	close(fd);
	for (int i = 0; i < clients; i++) {
		if (type == SOCK_DGRAM) {
			char buf[256], reply[300];
			ssize_t n;

			len = sizeof(from);
			n = recvfrom(s, buf, sizeof(buf) - 1, 0,
				     (struct sockaddr *)&from, &len);
			if (n < 0)
				die("recvfrom");
			buf[n] = 0;
			snprintf(reply, sizeof(reply), "echo:%s", buf);
			/* An unnamed sender cannot be answered. */
			if (len > sizeof(sa_family_t))
				sendto(s, reply, strlen(reply), 0,
				       (struct sockaddr *)&from, len);
			continue;
		}
		fd = accept(s, NULL, NULL);
		if (fd < 0)
			die("accept");
		answer(fd, type);
		close(fd);
	}
	return 0;
}

static int client(const char *path, int type)
{
	struct sockaddr_un a, peer;
	socklen_t len = addr_of(&a, path), plen = sizeof(peer);
	struct pollfd p;
	char buf[256];
	ssize_t n;
	int s = socket(AF_UNIX, type, 0);

	if (s < 0)
		die("socket");
	if (connect(s, (struct sockaddr *)&a, len)) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	printf("connected\n");
	if (connect(s, (struct sockaddr *)&a, len) && type != SOCK_DGRAM)
		printf("connect again: %s\n", strerror(errno));
	if (getpeername(s, (struct sockaddr *)&peer, &plen) == 0)
		printf("peer: %s\n", plen > 2 ? peer.sun_path : "(unnamed)");
	if (type == SOCK_DGRAM) {
		/* The server answers named senders only: ours is unnamed. */
		if (send(s, "ping", 4, 0) != 4)
			die("send");
		printf("sent a datagram\n");
		return 0;
	}
	n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	printf("recv before a request: %s\n", n < 0 ? strerror(errno) : "data");
	if (send(s, "ping", 4, 0) != 4)
		die("send");
	p = (struct pollfd){s, POLLIN, 0};
	n = poll(&p, 1, 5000);
	printf("poll: %zd %s\n", n, p.revents & POLLIN ? "POLLIN" : "-");
	n = recv(s, buf, sizeof(buf) - 1, MSG_PEEK);
	buf[n > 0 ? n : 0] = 0;
	printf("peek: %s\n", buf);
	n = recv(s, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	printf("recv: %s\n", buf);
	if (listen(s, 1))
		printf("listen: %s\n", strerror(errno));
	if (accept(s, NULL, NULL) < 0)
		printf("accept: %s\n", strerror(errno));
	if (type == SOCK_STREAM) {
		if (shutdown(s, SHUT_WR))
			die("shutdown");
		n = recv(s, buf, sizeof(buf) - 1, MSG_WAITALL);
		buf[n > 0 ? n : 0] = 0;
		printf("after shutdown: %s\n", buf);
		n = recv(s, buf, sizeof(buf), 0);
		printf("then: %zd\n", n);
	}
	close(s);
	return 0;
}

static int sendfd(const char *path)
{
	struct sockaddr_un a;
	socklen_t len = addr_of(&a, path);
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {"x", 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int s = socket(AF_UNIX, SOCK_STREAM, 0), fd = 0;

	if (s < 0 || connect(s, (struct sockaddr *)&a, len))
		die("connect");
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(s, &m, 0) < 0)
		printf("sendmsg: %s\n", strerror(errno));
	else
		printf("sent\n");
	shutdown(s, SHUT_WR);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], type_of(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "client"))
		return client(argv[2], type_of(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "sendfd"))
		return sendfd(argv[2]);
	fprintf(stderr, "usage: cli-uds serve DIR TYPE N | client PATH TYPE | "
			"sendfd PATH\n");
	return 2;
}
