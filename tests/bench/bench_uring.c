// SPDX-License-Identifier: Apache-2.0
/*
 * What the gofer's io_uring ring buys. A gofer server (in this process, on
 * a thread) serves DIR; the sentry's client looks up every entry of it:
 *
 *   walk    one WALK per entry (what a lookup that misses costs),
 *   sync    LOOKUP, all entries in a few messages, the gofer's host calls
 *           (openat, statx) one at a time,
 *   ring    LOOKUP with those calls submitted in batches on the ring.
 *
 * The fids are clunked after each round. Usage: bench_uring DIR [ROUNDS].
 * Prints "WALK_NS SYNC_NS RING_NS ENTRIES": ns per entry, the median of
 * ROUNDS.
 */
#include "gofer/gofer.h"
#include "sentry/fs/gofer_client.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENTRIES 20000

static struct gofer_server srv;
static struct gofer_client cl;
static const char **names;
static uint32_t *fids;
static struct gofer_lookup_result *res;
static int nnames;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *serve(void *arg)
{
	(void)arg;
	while (gofer_serve_one(&srv) > 0)
		;
	return NULL;
}

static void clunk_all(int n)
{
	for (int i = 0; i < n; i += GOFER_CLUNK_MAX)
		gofer_clunk(&cl, fids + i,
			    n - i < GOFER_CLUNK_MAX ? (unsigned)(n - i)
						    : GOFER_CLUNK_MAX);
}

static double walk_round(uint32_t dir)
{
	double t0 = now_ns();
	int n = 0;

	for (int i = 0; i < nnames; i++) {
		struct gofer_node node;
		unsigned walked;
		int stop;

		if (gofer_walk(&cl, dir, &names[i], 1, &node, &walked, &stop))
			return -1;
		if (walked)
			fids[n++] = node.fid;
	}
	t0 = now_ns() - t0;
	clunk_all(n);
	return t0 / nnames;
}

static double lookup_round(uint32_t dir)
{
	double t0 = now_ns();
	int done = 0, n = 0;

	while (done < nnames) {
		unsigned got;

		if (gofer_lookup(&cl, dir, names + done,
				 (unsigned)(nnames - done), res, &got))
			return -1;
		for (unsigned i = 0; i < got; i++)
			if (!res[i].error)
				fids[n++] = res[i].node.fid;
		gofer_lookup_results_free(res, got);
		done += (int)got;
	}
	t0 = now_ns() - t0;
	clunk_all(n);
	return t0 / nnames;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 9, sv[2], proc;
	struct gofer_mount_spec spec = {.host_path = argc > 1 ? argv[1] : ""};
	double *t[3];
	struct gofer_node root;
	struct dirent *e;
	const char *why;
	pthread_t th;
	DIR *d;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: bench_uring DIR [ROUNDS]\n");
		return 2;
	}
	d = opendir(argv[1]);
	names = malloc(MAX_ENTRIES * sizeof(*names));
	fids = malloc(MAX_ENTRIES * sizeof(*fids));
	res = calloc(GOFER_LOOKUP_MAX, sizeof(*res));
	if (!d || !names || !fids || !res) {
		perror(argv[1]);
		return 1;
	}
	while ((e = readdir(d)) && nnames < MAX_ENTRIES)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[nnames++] = strdup(e->d_name);
	closedir(d);
	for (int k = 0; k < 3; k++)
		t[k] = calloc((size_t)rounds, sizeof(double));
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nnames == 0 || proc < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
	    gofer_server_init(&srv, sv[1], proc, &spec, 1, &why) ||
	    pthread_create(&th, NULL, serve, NULL) ||
	    gofer_client_init(&cl, sv[0]) || gofer_attach(&cl, 0, &root)) {
		fprintf(stderr, "bench_uring: cannot start a gofer on %s\n",
			argv[1]);
		return 1;
	}
	if (!srv.ring) {
		fprintf(stderr, "bench_uring: no io_uring here\n");
		return 1;
	}
	lookup_round(root.fid); /* warm the caches alike */
	for (int r = 0; r < rounds; r++) {
		t[0][r] = walk_round(root.fid);
		t[2][r] = lookup_round(root.fid);
	}
	/* The ring goes for good: the calls one at a time. */
	gofer_server_drop_ring(&srv);
	for (int r = 0; r < rounds; r++)
		t[1][r] = lookup_round(root.fid);
	for (int k = 0; k < 3; k++) {
		for (int r = 0; r < rounds; r++)
			if (t[k][r] < 0) {
				fprintf(stderr, "bench_uring: a call failed\n");
				return 1;
			}
		qsort(t[k], (size_t)rounds, sizeof(double), cmp);
	}
	printf("%.0f %.0f %.0f %d\n", t[0][rounds / 2], t[1][rounds / 2],
	       t[2][rounds / 2], nnames);
	gofer_client_destroy(&cl);
	pthread_join(th, NULL);
	gofer_server_destroy(&srv);
	return 0;
}
