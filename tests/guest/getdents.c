// SPDX-License-Identifier: Apache-2.0
/*
 * getdents64 and getdents on a directory of a few hundred entries in a
 * private scratch directory under /tmp: every name once with its type and
 * inode, small buffers, d_off as a resume point for lseek, rewinding after
 * changes, and the errors for small buffers and bad descriptors.
 */
#include "guest.h"
#include "scratch.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#define BAD_PTR ((void *)1)

#define NFILES	  200
#define MAX_ENTRY 256

struct entry {
	char name[32];
	unsigned char type;
	uint64_t ino;
	int64_t off;
};

static struct entry entries[MAX_ENTRY];

/*
 * Reads fd to its end with a buffer of bufsize bytes into entries[];
 * returns the number of entries, or -errno. *calls counts getdents64 calls
 * that returned entries.
 */
static long read_all(long fd, size_t bufsize, int *calls)
{
	static char buf[8192];
	long n, off, count = 0;

	*calls = 0;
	while ((n = SYS3(SYS_getdents64, fd, buf, bufsize)) > 0) {
		++*calls;
		for (off = 0; off < n;) {
			struct linux_dirent64 *d =
			    (struct linux_dirent64 *)(buf + off);

			if (d->d_reclen % 8 || d->d_reclen < 20 ||
			    off + d->d_reclen > n ||
			    strlen(d->d_name) + 20 > d->d_reclen) {
				CHECK(!"bad dirent record");
				return -EIO;
			}
			off += d->d_reclen;
			if (count < MAX_ENTRY &&
			    strlen(d->d_name) < sizeof(entries[0].name)) {
				strcpy(entries[count].name, d->d_name);
				entries[count].type = d->d_type;
				entries[count].ino = d->d_ino;
				entries[count].off = d->d_off;
			}
			count++;
		}
	}
	return n < 0 ? n : count;
}

static long find(long count, const char *name)
{
	long i, found = -1;

	for (i = 0; i < count && i < MAX_ENTRY; i++) {
		if (!strcmp(entries[i].name, name)) {
			if (found >= 0)
				return -2;
			found = i;
		}
	}
	return found;
}

static long ino_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_ino;
}

static void make_tree(void)
{
	char name[32];
	long fd;
	int i;

	CHECK_EQ(SYS2(SYS_mkdir, "big", 0755), 0);
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "big/file%03d", i);
		fd = SYS3(SYS_open, name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			CHECK_OK(fd);
			return;
		}
		SYS1(SYS_close, fd);
	}
	CHECK_EQ(SYS2(SYS_mkdir, "big/subdir", 0755), 0);
	CHECK_EQ(SYS2(SYS_symlink, "file000", "big/link"), 0);
	CHECK_EQ(SYS3(SYS_mknod, "big/fifo", S_IFIFO | 0644, 0), 0);
}

static void check_listing(void)
{
	char name[32];
	long fd, count, i, bad = 0, idx;
	int calls;

	fd = SYS3(SYS_open, "big", O_RDONLY | O_DIRECTORY, 0);
	CHECK_OK(fd);
	/* A small buffer takes many calls; every name comes exactly once. */
	count = read_all(fd, 128, &calls);
	CHECK_EQ(count, NFILES + 5);
	CHECK(calls > 20);
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "file%03ld", i);
		idx = find(count, name);
		if (idx < 0 || entries[idx].type != DT_REG)
			bad++;
	}
	CHECK_EQ(bad, 0);
	idx = find(count, ".");
	CHECK(idx >= 0);
	if (idx >= 0) {
		CHECK_EQ(entries[idx].type, DT_DIR);
		CHECK_EQ(entries[idx].ino, ino_of("big"));
	}
	idx = find(count, "..");
	CHECK(idx >= 0);
	if (idx >= 0)
		CHECK_EQ(entries[idx].type, DT_DIR);
	idx = find(count, "subdir");
	CHECK(idx >= 0);
	if (idx >= 0) {
		CHECK_EQ(entries[idx].type, DT_DIR);
		CHECK_EQ(entries[idx].ino, ino_of("big/subdir"));
	}
	idx = find(count, "link");
	CHECK(idx >= 0);
	if (idx >= 0) {
		CHECK_EQ(entries[idx].type, DT_LNK);
		CHECK_EQ(entries[idx].ino, ino_of("big/link"));
	}
	idx = find(count, "fifo");
	CHECK(idx >= 0);
	if (idx >= 0)
		CHECK_EQ(entries[idx].type, DT_FIFO);
	idx = find(count, "file123");
	if (idx >= 0)
		CHECK_EQ(entries[idx].ino, ino_of("big/file123"));
	/* At the end, further calls return 0. */
	CHECK_EQ(SYS3(SYS_getdents64, fd, name, sizeof(name)), 0);
	CHECK_EQ(SYS3(SYS_getdents64, fd, name, sizeof(name)), 0);

	/* The same listing in one call with a large buffer. */
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	count = read_all(fd, 8192, &calls);
	CHECK_EQ(count, NFILES + 5);
	CHECK_EQ(calls, 1);
	SYS1(SYS_close, fd);
}

static void check_offsets(void)
{
	static struct entry first[MAX_ENTRY];
	char buf[512];
	struct linux_dirent64 *d = (struct linux_dirent64 *)buf;
	long fd, count, n, k;
	int calls;

	fd = SYS3(SYS_open, "big", O_RDONLY | O_DIRECTORY, 0);
	count = read_all(fd, 4096, &calls);
	CHECK_EQ(count, NFILES + 5);
	if (count != NFILES + 5) {
		SYS1(SYS_close, fd);
		return;
	}
	memcpy(first, entries, sizeof(first));
	/* Resuming at an entry's d_off gives the entry after it. */
	for (k = 0; k < count - 1; k += 37) {
		CHECK_EQ(SYS3(SYS_lseek, fd, first[k].off, SEEK_SET),
			 first[k].off);
		n = SYS3(SYS_getdents64, fd, buf, sizeof(buf));
		CHECK(n > 0);
		if (n > 0)
			CHECK(!strcmp(d->d_name, first[k + 1].name));
	}
	/* The last entry's d_off is the end. */
	CHECK_EQ(SYS3(SYS_lseek, fd, first[count - 1].off, SEEK_SET),
		 first[count - 1].off);
	CHECK_EQ(SYS3(SYS_getdents64, fd, buf, sizeof(buf)), 0);
	/* Rewinding starts over with the same first entry. */
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	n = SYS3(SYS_getdents64, fd, buf, sizeof(buf));
	CHECK(n > 0);
	if (n > 0) {
		CHECK(!strcmp(d->d_name, first[0].name));
		CHECK_EQ(d->d_off, first[0].off);
	}
	/* The position after a call is the last returned entry's d_off. */
	for (k = 0; n > 0 && k < n;) {
		struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + k);

		k += e->d_reclen;
		if (k == n)
			CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), e->d_off);
	}
	SYS1(SYS_close, fd);
}

static void check_changes(void)
{
	long fd, count;
	int calls;

	fd = SYS3(SYS_open, "big", O_RDONLY | O_DIRECTORY, 0);
	count = read_all(fd, 1024, &calls);
	CHECK_EQ(count, NFILES + 5);
	CHECK_EQ(find(count, "late"), -1);
	/* An entry made after opening shows up after rewinding. */
	CHECK_EQ(SYS3(SYS_mknod, "big/late", S_IFREG | 0644, 0), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	count = read_all(fd, 1024, &calls);
	CHECK_EQ(count, NFILES + 6);
	CHECK(find(count, "late") >= 0);
	/* A removed one is gone after rewinding. */
	CHECK_EQ(SYS1(SYS_unlink, "big/file100"), 0);
	CHECK_EQ(SYS1(SYS_rmdir, "big/subdir"), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	count = read_all(fd, 1024, &calls);
	CHECK_EQ(count, NFILES + 4);
	CHECK_EQ(find(count, "file100"), -1);
	CHECK_EQ(find(count, "subdir"), -1);
	CHECK(find(count, "file099") >= 0);
	CHECK(find(count, "file101") >= 0);
	CHECK(find(count, "late") >= 0);
	SYS1(SYS_close, fd);
}

static void check_errors(void)
{
	char buf[256];
	long fd, ffd, pfd, count, n;
	int calls;

	fd = SYS3(SYS_open, "big", O_RDONLY | O_DIRECTORY, 0);
	/* Too small for even one entry. */
	CHECK_ERR(SYS3(SYS_getdents64, fd, buf, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_getdents64, fd, buf, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_getdents64, fd, buf, 20), EINVAL);
	/* 32 bytes hold any of these names: one entry comes back. */
	n = SYS3(SYS_getdents64, fd, buf, 32);
	CHECK(n > 0 && n <= 32);
	CHECK_EQ(((struct linux_dirent64 *)buf)->d_reclen, n);
	CHECK_ERR(SYS3(SYS_getdents64, fd, BAD_PTR, sizeof(buf)), EFAULT);
	SYS1(SYS_close, fd);

	ffd = SYS3(SYS_open, "big/file000", O_RDONLY, 0);
	CHECK_ERR(SYS3(SYS_getdents64, ffd, buf, sizeof(buf)), ENOTDIR);
	CHECK_ERR(SYS3(SYS_getdents, ffd, buf, sizeof(buf)), ENOTDIR);
	SYS1(SYS_close, ffd);
	CHECK_ERR(SYS3(SYS_getdents64, 9999, buf, sizeof(buf)), EBADF);
	CHECK_ERR(SYS3(SYS_getdents64, -1, buf, sizeof(buf)), EBADF);
	pfd = SYS3(SYS_open, "big", O_PATH | O_DIRECTORY, 0);
	CHECK_ERR(SYS3(SYS_getdents64, pfd, buf, sizeof(buf)), EBADF);
	SYS1(SYS_close, pfd);

	/* An empty directory has "." and "..", and once removed, nothing. */
	CHECK_EQ(SYS2(SYS_mkdir, "empty", 0755), 0);
	fd = SYS3(SYS_open, "empty", O_RDONLY | O_DIRECTORY, 0);
	count = read_all(fd, sizeof(buf), &calls);
	CHECK_EQ(count, 2);
	CHECK(find(count, ".") >= 0);
	CHECK(find(count, "..") >= 0);
	CHECK_EQ(SYS1(SYS_rmdir, "empty"), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_ERR(SYS3(SYS_getdents64, fd, buf, sizeof(buf)), ENOENT);
	SYS1(SYS_close, fd);
}

/* The old getdents: d_type is the record's last byte. */
static void check_getdents(void)
{
	struct linux_dirent {
		unsigned long d_ino;
		unsigned long d_off;
		unsigned short d_reclen;
		char d_name[];
	};
	char buf[256];
	long fd, n, off, count = 0, seen_link = 0, seen_dot = 0;

	fd = SYS3(SYS_open, "big", O_RDONLY | O_DIRECTORY, 0);
	while ((n = SYS3(SYS_getdents, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct linux_dirent *d =
			    (struct linux_dirent *)(buf + off);
			unsigned char type =
			    (unsigned char)buf[off + d->d_reclen - 1];

			off += d->d_reclen;
			count++;
			if (!strcmp(d->d_name, "link"))
				seen_link = type == DT_LNK;
			if (!strcmp(d->d_name, "."))
				seen_dot = type == DT_DIR;
		}
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(count, NFILES + 4);
	CHECK(seen_link);
	CHECK(seen_dot);
	/* At the end even a tiny buffer gets 0; at the start, EINVAL. */
	CHECK_EQ(SYS3(SYS_getdents, fd, buf, 1), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_ERR(SYS3(SYS_getdents, fd, buf, 1), EINVAL);
	SYS1(SYS_close, fd);
}

int main(void)
{
	scratch_enter("getdents");
	make_tree();
	check_listing();
	check_offsets();
	check_changes();
	check_errors();
	check_getdents();
	scratch_leave();
	return guest_done();
}
