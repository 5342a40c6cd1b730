// SPDX-License-Identifier: Apache-2.0
/*
 * A tiny HTTP server and client over the IPv4 loopback for network.sh.
 *   cli-net serve DIR N   listen on 127.0.0.1 (an ephemeral port, written
 *                         to DIR/port), answer N connections (0: forever),
 *                         a line in DIR/log for each
 *   cli-net get PORT      fetch / from 127.0.0.1:PORT and print the body;
 *                         exit 1 with the error when that fails
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char body[] = "hello from the server\n";

static int serve(const char *dir, int n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char path[4096], req[4096];
	int l = socket(AF_INET, SOCK_STREAM, 0);
	FILE *f;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (void *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0 ||
	    getsockname(l, (void *)&sa, &len) < 0) {
		perror("cli-net: serve");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/port.tmp", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fprintf(f, "%d\n", ntohs(sa.sin_port));
	fclose(f);
	snprintf(req, sizeof(req), "%s/port", dir);
	rename(path, req);
	snprintf(path, sizeof(path), "%s/log", dir);
	for (int i = 0; !n || i < n; i++) {
		int c = accept(l, NULL, NULL);
		char reply[256];
		ssize_t got = 0, r;

		if (c < 0) {
			perror("cli-net: accept");
			return 1;
		}
		f = fopen(path, "a");
		if (f) {
			fprintf(f, "connection %d\n", i + 1);
			fclose(f);
		}
		/* The request, up to its blank line. */
		while (got < (ssize_t)sizeof(req) - 1 &&
		       (r = read(c, req + got, sizeof(req) - 1 - (size_t)got)) >
			   0) {
			got += r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		snprintf(reply, sizeof(reply),
			 "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 strlen(body), body);
		if (write(c, reply, strlen(reply)) < 0)
			perror("cli-net: write");
		close(c);
	}
	return 0;
}

static int get(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	char buf[4096];
	size_t got = 0;
	ssize_t r;
	char *p;
	int c = socket(AF_INET, SOCK_STREAM, 0);

	if (c < 0) {
		printf("cli-net: socket: %s\n", strerror(errno));
		return 1;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(c, (void *)&sa, sizeof(sa)) < 0) {
		printf("cli-net: connect: %s\n", strerror(errno));
		return 1;
	}
	if (write(c, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		printf("cli-net: write: %s\n", strerror(errno));
		return 1;
	}
	while (got < sizeof(buf) - 1 &&
	       (r = read(c, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	p = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.0 200", 12) || !p) {
		printf("cli-net: a bad answer: %s\n", buf);
		return 1;
	}
	fputs(p + 4, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "get"))
		return get(atoi(argv[2]));
	fprintf(stderr, "usage: cli-net serve DIR N | get PORT\n");
	return 2;
}
