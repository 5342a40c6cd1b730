// SPDX-License-Identifier: Apache-2.0
/*
 * For the CLI test, on a host directory DIR of files f1..f20 holding their
 * numbers (bound into the sandbox, so goferfs serves it): list it and
 * lstat every entry, as `ls -l` does (goferfs then looks the rest up
 * ahead), then change the directory and check that what comes after sees
 * the changes, not what was looked up ahead. Prints "ok" and exits 0, or
 * says what was wrong and exits 1. Runs natively as well.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "lookahead: line %d: %s (errno %d)\n", \
				__LINE__, #cond, errno);                       \
			failures++;                                            \
		}                                                              \
	} while (0)

static int dir_fd;

static int content(const char *name)
{
	char buf[16] = {0};
	int fd = openat(dir_fd, name, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

int main(int argc, char **argv)
{
	char name[16], target[16];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: lookahead DIR\n");
		return 2;
	}
	dir_fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	d = fdopendir(dup(dir_fd));
	CHECK(dir_fd >= 0 && d);
	if (!d)
		return 1;
	while ((e = readdir(d)))
		n += e->d_name[0] == 'f';
	closedir(d);
	CHECK(n == 20);
	/* Eight misses: the rest comes ahead, f9..f12 are taken from it. */
	for (int i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		CHECK(fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		      S_ISREG(st.st_mode));
	}
	/* Names looked up ahead but not yet asked for, changed. */
	CHECK(unlinkat(dir_fd, "f15", 0) == 0);
	CHECK(fstatat(dir_fd, "f15", &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	      errno == ENOENT);
	CHECK(symlinkat("t", dir_fd, "f15") == 0);
	CHECK(readlinkat(dir_fd, "f15", target, sizeof(target)) == 1 &&
	      target[0] == 't');
	CHECK(renameat(dir_fd, "f16", dir_fd, "f30") == 0);
	CHECK(fstatat(dir_fd, "f16", &st, 0) == -1 && errno == ENOENT);
	CHECK(content("f30") == 16);
	CHECK(renameat(dir_fd, "f17", dir_fd, "f18") == 0);
	CHECK(content("f18") == 17);
	CHECK(mkdirat(dir_fd, "f19", 0755) == -1 && errno == EEXIST);
	for (int i = 1; i <= 14; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		CHECK(content(name) == i);
	}
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
