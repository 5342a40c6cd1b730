// SPDX-License-Identifier: Apache-2.0
/*
 * File-system benchmarks, run natively and in the sandbox by run.sh:
 *   bench_files read FILE     read FILE with 64 KiB reads: MB/s
 *   bench_files stat FILE N   stat FILE N times: ns per stat
 *   bench_files small DIR     open+read+close every file in DIR (not
 *                             recursive), 5 rounds: ns per file
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_read(const char *path)
{
	static char buf[64 * 1024];
	double t0, t1;
	long long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return perror(path), 1;
	t0 = now();
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	t1 = now();
	close(fd);
	printf("%.1f\n", (double)total / (t1 - t0) / 1e6);
	return 0;
}

static int bench_stat(const char *path, long n)
{
	struct stat st;
	double t0, t1;

	t0 = now();
	for (long i = 0; i < n; i++)
		if (stat(path, &st) < 0)
			return perror(path), 1;
	t1 = now();
	printf("%.0f\n", (t1 - t0) / (double)n * 1e9);
	return 0;
}

static int bench_small(const char *dir)
{
	char path[4096], buf[4096];
	struct dirent *e;
	double t0, t1;
	long files = 0;
	DIR *d;

	t0 = now();
	for (int round = 0; round < 5; round++) {
		d = opendir(dir);
		if (!d)
			return perror(dir), 1;
		while ((e = readdir(d))) {
			int fd;

			if (e->d_type != DT_REG)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
			files++;
		}
		closedir(d);
	}
	t1 = now();
	if (!files)
		return fprintf(stderr, "%s: no files\n", dir), 1;
	printf("%.0f\n", (t1 - t0) / (double)files * 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "read"))
		return bench_read(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "stat"))
		return bench_stat(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "small"))
		return bench_small(argv[2]);
	fprintf(stderr, "usage: bench_files read FILE | stat FILE N | "
			"small DIR\n");
	return 2;
}
