// SPDX-License-Identifier: Apache-2.0
/*
 * A guest benchmark: time N getppid() calls (raw syscalls, no vDSO) and
 * print nanoseconds per call. Run natively and under moat by run.sh.
 * Usage: bench_syscall [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec a, b;
	double ns;

	if (n <= 0)
		n = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	      (double)(b.tv_nsec - a.tv_nsec)) /
	     (double)n;
	printf("%.1f\n", ns);
	return 0;
}
