// SPDX-License-Identifier: Apache-2.0
/*
 * An HTTP server under load, run natively and in the sandbox by run.sh:
 * the server is one process with an epoll loop (as nginx's workers are),
 * the load comes from a second process keeping CONNS connections busy,
 * also through epoll, both on the loopback:
 *   bench_http keepalive N   N requests over CONNS kept-alive connections
 *   bench_http close N       N requests, a new connection for each
 * Prints requests per second. Each answer is a 1 KiB body with the usual
 * headers; the client checks every status line and body length.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNS	 8
#define BODY	 1024
#define BUF	 4096
#define MAX_FDS	 1024
#define MAX_EVTS 64

static char body[BODY];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- the server ---------------------------------------------------------- */

struct sconn {
	char in[BUF];
	size_t len;
};

static struct sconn *sconns[MAX_FDS];

static void sclose(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(sconns[fd]);
	sconns[fd] = NULL;
}

/* Answer every whole request in c's buffer; false: close the connection. */
static int answer(int fd, struct sconn *c)
{
	char *end;

	while ((end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
		size_t used = (size_t)(end - c->in) + 4;
		int keep = !memmem(c->in, used, "Connection: close", 17);
		char head[256];
		struct iovec iov[2];
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
		int n;

		if (strncmp(c->in, "GET ", 4))
			return 0;
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nServer: bench\r\n"
			     "Content-Type: text/plain\r\n"
			     "Content-Length: %d\r\nConnection: %s\r\n\r\n",
			     BODY, keep ? "keep-alive" : "close");
		iov[0] = (struct iovec){head, (size_t)n};
		iov[1] = (struct iovec){body, BODY};
		/* Small answers fit the socket's buffer whole. */
		if (sendmsg(fd, &m, MSG_NOSIGNAL) != n + BODY)
			return 0;
		memmove(c->in, c->in + used, c->len - used);
		c->len -= used;
		if (!keep)
			return 0;
	}
	return c->len < sizeof(c->in);
}

static void serve(int l)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
	struct epoll_event evs[MAX_EVTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev))
		die("epoll");
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVTS, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, one = 1;
			struct sconn *c;
			ssize_t r;

			if (fd == l) {
				fd = accept4(l, NULL, NULL, SOCK_NONBLOCK);
				if (fd < 0)
					continue;
				if (fd >= MAX_FDS) {
					close(fd);
					continue;
				}
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				sconns[fd] = calloc(1, sizeof(struct sconn));
				ev = (struct epoll_event){.events = EPOLLIN,
							  .data.fd = fd};
				if (!sconns[fd] ||
				    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
					die("accept");
				continue;
			}
			c = sconns[fd];
			r = read(fd, c->in + c->len, sizeof(c->in) - c->len);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				sclose(ep, fd);
				continue;
			}
			c->len += (size_t)r;
			if (!answer(fd, c))
				sclose(ep, fd);
		}
	}
}

/* ---- the client ---------------------------------------------------------- */

struct cconn {
	int fd;
	char in[BUF];
	size_t len;
};

static const struct sockaddr_in *target;
static int keepalive;
static long sent, done, total;

static void csend(int ep, struct cconn *c)
{
	static const char ka[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "User-Agent: bench\r\nAccept: */*\r\n\r\n";
	static const char cl[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "User-Agent: bench\r\nAccept: */*\r\n"
				 "Connection: close\r\n\r\n";
	const char *req = keepalive ? ka : cl;
	size_t len = keepalive ? sizeof(ka) - 1 : sizeof(cl) - 1;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	int one = 1;

	if (c->fd < 0) {
		c->fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c->fd < 0 || connect(c->fd, (const struct sockaddr *)target,
					 sizeof(*target)))
			die("connect");
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
			die("epoll_ctl");
	}
	if (write(c->fd, req, len) != (ssize_t)len)
		die("request");
	c->len = 0;
	sent++;
}

/* A whole answer in c->in: checked, then the next request or the end. */
static void creceive(int ep, struct cconn *c)
{
	char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
	const char *cl;
	size_t head;

	if (!end)
		return;
	head = (size_t)(end - c->in) + 4;
	if (c->len < head + BODY)
		return;
	cl = memmem(c->in, head, "Content-Length: ", 16);
	if (strncmp(c->in, "HTTP/1.1 200 ", 13) || !cl ||
	    atoi(cl + 16) != BODY || c->len != head + BODY) {
		fprintf(stderr, "bench_http: bad answer\n");
		exit(1);
	}
	done++;
	if (!keepalive) {
		close(c->fd); /* also leaves the epoll set */
		c->fd = -1;
	}
	if (sent < total)
		csend(ep, c);
}

static void load(void)
{
	struct epoll_event evs[MAX_EVTS];
	static struct cconn conns[CONNS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die("epoll");
	for (int i = 0; i < CONNS; i++) {
		conns[i].fd = -1;
		if (sent < total)
			csend(ep, &conns[i]);
	}
	while (done < total) {
		int n = epoll_wait(ep, evs, MAX_EVTS, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct cconn *c = evs[i].data.ptr;
			ssize_t r =
			    read(c->fd, c->in + c->len, sizeof(c->in) - c->len);

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				fprintf(stderr, "bench_http: server closed\n");
				exit(1);
			}
			c->len += (size_t)r;
			creceive(ep, c);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	double t0, t1;
	pid_t server;
	int l, status;

	if (argc != 3 ||
	    (strcmp(argv[1], "keepalive") && strcmp(argv[1], "close"))) {
		fprintf(stderr, "usage: bench_http keepalive|close N\n");
		return 2;
	}
	keepalive = !strcmp(argv[1], "keepalive");
	total = atol(argv[2]);
	memset(body, 'x', sizeof(body));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 512) || getsockname(l, (struct sockaddr *)&a, &len))
		die("listener");
	server = fork();
	if (server < 0)
		die("fork");
	if (server == 0)
		serve(l);
	close(l);
	target = &a;
	t0 = now();
	load();
	t1 = now();
	kill(server, SIGKILL);
	waitpid(server, &status, 0);
	printf("%.0f\n", (double)total / (t1 - t0));
	return 0;
}
