// SPDX-License-Identifier: Apache-2.0
/*
 * Socket benchmarks, run natively and in the sandbox by run.sh; a child
 * process is the other end:
 *   bench_net tcp-stream MIB    MIB MiB over loopback TCP in 128 KiB
 *                               writes: MB/s
 *   bench_net tcp-rr N          a byte back and forth over loopback TCP,
 *                               N times: ns per round trip
 *   bench_net tcp-conn N        connect, accept and close, N times:
 *                               connections per second
 *   bench_net unix-stream MIB   the same as tcp-stream over a socketpair
 *   bench_net unix-rr N         the same as tcp-rr over a socketpair
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 << 10)

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

/* A listener on 127.0.0.1, an ephemeral port. */
static int tcp_listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) ||
	    listen(l, 128) || getsockname(l, (struct sockaddr *)a, &len))
		die("listener");
	return l;
}

/* A connected pair of TCP sockets (sv[0] the client). */
static void tcp_pair(int sv[2])
{
	struct sockaddr_in a;
	int l = tcp_listener(&a), one = 1;

	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(sv[0], (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		die("accept");
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
}

static int stream(int sv[2], long mib)
{
	static char buf[CHUNK];
	long total = mib << 20;
	double t0;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		long got = 0;
		ssize_t r;

		close(sv[0]);
		while (got < total && (r = read(sv[1], buf, sizeof(buf))) > 0)
			got += r;
		_exit(got == total ? 0 : 1);
	}
	close(sv[1]);
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	for (long sent = 0; sent < total;) {
		ssize_t w = write(sv[0], buf, sizeof(buf));

		if (w <= 0)
			die("write");
		sent += w;
	}
	if (waitpid(pid, NULL, 0) != pid)
		die("wait");
	printf("%.0f\n", (double)total / (now() - t0) / 1e6);
	return 0;
}

static int rr(int sv[2], long n)
{
	char c = 'x';
	double t0;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		for (long i = 0; i < n; i++)
			if (read(sv[1], &c, 1) != 1 || write(sv[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	t0 = now();
	for (long i = 0; i < n; i++)
		if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
			die("ping-pong");
	printf("%.0f\n", (now() - t0) / (double)n * 1e9);
	waitpid(pid, NULL, 0);
	return 0;
}

static int conn(long n)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	double t0;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (long i = 0; i < n; i++) {
			int s = accept(l, NULL, NULL);

			if (s < 0)
				_exit(1);
			close(s);
		}
		_exit(0);
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
		close(c);
	}
	if (waitpid(pid, NULL, 0) != pid)
		die("wait");
	printf("%.0f\n", (double)n / (now() - t0));
	return 0;
}

int main(int argc, char **argv)
{
	int sv[2];
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_net MODE N\n");
		return 2;
	}
	n = atol(argv[2]);
	if (!strcmp(argv[1], "tcp-stream") || !strcmp(argv[1], "tcp-rr")) {
		tcp_pair(sv);
		return argv[1][4] == 's' ? stream(sv, n) : rr(sv, n);
	}
	if (!strcmp(argv[1], "unix-stream") || !strcmp(argv[1], "unix-rr")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		return argv[1][5] == 's' ? stream(sv, n) : rr(sv, n);
	}
	if (!strcmp(argv[1], "tcp-conn"))
		return conn(n);
	fprintf(stderr, "bench_net: unknown mode %s\n", argv[1]);
	return 2;
}
