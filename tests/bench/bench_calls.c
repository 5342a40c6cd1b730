// SPDX-License-Identifier: Apache-2.0
/*
 * A guest benchmark of single system calls: time N of one kind and print
 * nanoseconds per call. Run natively and under each platform by
 * platforms.sh.
 * Usage: bench_calls getppid|clock|zero|open|read4k N [FILE]
 *   getppid  getppid() through libc: one syscall each, from a
 *            `mov $nr,%eax; syscall` site that systrap rewrites
 *   clock    clock_gettime(CLOCK_MONOTONIC) through libc (the vDSO
 *            natively, where the process has one)
 *   zero     1-byte reads of /dev/zero
 *   open     open+close of FILE
 *   read4k   4 KiB preads of FILE at offset 0
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *file = argc > 3 ? argv[3] : "/etc/os-release";
	long n = argc > 2 ? atol(argv[2]) : 0;
	struct timespec ts;
	char buf[4096];
	double t0;
	int fd = -1;

	if (argc < 3 || n <= 0) {
		fprintf(stderr, "usage: bench_calls getppid|clock|zero|open|"
				"read4k N [FILE]\n");
		return 2;
	}
	if (!strcmp(argv[1], "zero"))
		fd = open("/dev/zero", O_RDONLY);
	else if (!strcmp(argv[1], "read4k"))
		fd = open(file, O_RDONLY);
	t0 = now();
	for (long i = 0; i < n; i++) {
		if (!strcmp(argv[1], "getppid")) {
			getppid();
		} else if (!strcmp(argv[1], "clock")) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
		} else if (!strcmp(argv[1], "zero")) {
			if (read(fd, buf, 1) != 1)
				return perror("read"), 1;
		} else if (!strcmp(argv[1], "open")) {
			int f = open(file, O_RDONLY);

			if (f < 0)
				return perror(file), 1;
			close(f);
		} else if (!strcmp(argv[1], "read4k")) {
			if (pread(fd, buf, sizeof(buf), 0) < 0)
				return perror("pread"), 1;
		} else {
			fprintf(stderr, "bench_calls: unknown %s\n", argv[1]);
			return 2;
		}
	}
	printf("%.0f\n", (now() - t0) / (double)n);
	return 0;
}
