/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A private scratch directory for the file guest tests: made under /tmp
 * (the one place that is writable both natively and in the sandbox),
 * entered, and removed with everything in it at the end.
 */
#ifndef MOAT_TESTS_SCRATCH_H
#define MOAT_TESTS_SCRATCH_H

#include "guest.h"

#include <fcntl.h>
#include <stdint.h>

static char scratch[64];

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Removes name (relative to dfd) and everything under it. */
static inline void remove_tree(int dfd, const char *name)
{
	char buf[4096];
	long fd, n, off;

	if (SYS3(SYS_unlinkat, dfd, name, 0) != -EISDIR)
		return;
	fd =
	    SYS4(SYS_openat, dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return;
	while ((n = SYS3(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct linux_dirent64 *d =
			    (struct linux_dirent64 *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				remove_tree((int)fd, d->d_name);
		}
	}
	SYS1(SYS_close, fd);
	SYS3(SYS_unlinkat, dfd, name, AT_REMOVEDIR);
}

static inline void scratch_enter(const char *test)
{
	snprintf(scratch, sizeof(scratch), "/tmp/moat-guest-%s-%ld", test,
		 SYS0(SYS_getpid));
	remove_tree(AT_FDCWD, scratch);
	if (SYS2(SYS_mkdir, scratch, 0755) || SYS1(SYS_chdir, scratch)) {
		fprintf(stderr, "cannot make scratch directory %s\n", scratch);
		exit(1);
	}
}

static inline void scratch_leave(void)
{
	SYS1(SYS_chdir, "/tmp");
	remove_tree(AT_FDCWD, scratch);
	CHECK_ERR(SYS2(SYS_access, scratch, F_OK), ENOENT);
}

/* Writes a whole file with creat. */
static inline void put_file(const char *path, const char *text)
{
	long fd = SYS2(SYS_creat, path, 0644);

	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, text, strlen(text)), strlen(text));
	CHECK_EQ(SYS1(SYS_close, fd), 0);
}

#endif
