// SPDX-License-Identifier: Apache-2.0
/*
 * Would io_uring pay in the gofer? The gofer's host work per request is a
 * walk (openat O_PATH + fstatat per component) or a stat; its batchable
 * case is a directory's entries stat'ed together. This measures, on the
 * host, the entries of DIR stat'ed one fstatat at a time against the same
 * statx calls submitted in batches of 64 through io_uring.
 *
 * Usage: bench_uring DIR [ROUNDS]. Prints "SEQ_NS URING_NS ENTRIES" (ns per
 * entry, the median of ROUNDS).
 */
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENTRIES 100000
#define DEPTH	    64

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

static double seq_round(int dfd, char **names, int n)
{
	struct stat st;
	double t0 = now_ns();

	for (int i = 0; i < n; i++)
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
	return (now_ns() - t0) / n;
}

static double uring_round(struct io_uring *ring, int dfd, char **names, int n,
			  struct statx *sx)
{
	double t0 = now_ns();
	int sent = 0, done = 0;

	while (done < n) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		while (sent < n && sent - done < DEPTH) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

			if (!sqe)
				break;
			io_uring_prep_statx(sqe, dfd, names[sent],
					    AT_SYMLINK_NOFOLLOW,
					    STATX_BASIC_STATS, &sx[sent]);
			sent++;
		}
		if (io_uring_submit_and_wait(ring, 1) < 0)
			return -1;
		io_uring_for_each_cqe(ring, head, cqe)
		{
			if (cqe->res < 0)
				return -1;
			seen++;
		}
		io_uring_cq_advance(ring, seen);
		done += (int)seen;
	}
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 9, n = 0, dfd;
	double *seq, *ur;
	struct io_uring ring;
	struct dirent *e;
	struct statx *sx;
	char **names;
	DIR *d;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: bench_uring DIR [ROUNDS]\n");
		return 2;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	names = malloc(MAX_ENTRIES * sizeof(*names));
	if (!d || !names) {
		perror(argv[1]);
		return 1;
	}
	while ((e = readdir(d)) && n < MAX_ENTRIES)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	sx = calloc((size_t)n + 1, sizeof(*sx));
	seq = calloc((size_t)rounds, sizeof(*seq));
	ur = calloc((size_t)rounds, sizeof(*ur));
	if (n == 0 || !sx || !seq || !ur ||
	    io_uring_queue_init(DEPTH, &ring, 0) < 0) {
		fprintf(stderr, "bench_uring: nothing to measure\n");
		return 1;
	}
	seq_round(dfd, names, n); /* warm the caches alike */
	for (int r = 0; r < rounds; r++) {
		seq[r] = seq_round(dfd, names, n);
		ur[r] = uring_round(&ring, dfd, names, n, sx);
		if (seq[r] < 0 || ur[r] < 0) {
			fprintf(stderr, "bench_uring: a stat failed\n");
			return 1;
		}
	}
	qsort(seq, (size_t)rounds, sizeof(*seq), cmp);
	qsort(ur, (size_t)rounds, sizeof(*ur), cmp);
	printf("%.0f %.0f %d\n", seq[rounds / 2], ur[rounds / 2], n);
	io_uring_queue_exit(&ring);
	return 0;
}
