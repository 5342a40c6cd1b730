// SPDX-License-Identifier: Apache-2.0
/*
 * Run a command N times (fork, exec, wait) and print the median and the
 * minimum wall time in milliseconds. Usage: bench_spawn N CMD [ARGS...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	double *ms;

	if (n <= 0) {
		fprintf(stderr, "usage: bench_spawn N CMD [ARGS...]\n");
		return 2;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (!ms)
		return 1;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		int status;
		pid_t pid;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			execv(argv[2], &argv[2]);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_spawn: %s failed\n", argv[2]);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 +
			(double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("%.3f %.3f\n", ms[n / 2], ms[0]);
	return 0;
}
