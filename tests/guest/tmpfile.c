// SPDX-License-Identifier: Apache-2.0
/*
 * O_TMPFILE (open(2)): an unnamed regular file in a directory's
 * filesystem, with no links; linkat can name it unless O_EXCL was given.
 * The flag checks come before the path is looked at.
 */
#include "scratch.h"

#include <fcntl.h>
#include <sys/stat.h>

static int entries(const char *dir)
{
	char buf[4096];
	long fd = SYS3(SYS_open, dir, O_RDONLY | O_DIRECTORY, 0), n;
	int count = 0;

	CHECK_OK(fd);
	while ((n = SYS3(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d =
			    (struct linux_dirent64 *)(buf + off);

			off += d->d_reclen;
			count++;
		}
	SYS1(SYS_close, fd);
	return count;
}

static void test_flags(void)
{
	put_file("reg", "x");
	/* Write access, O_DIRECTORY and no O_CREAT, before the path. */
	CHECK_ERR(SYS3(SYS_open, ".", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	CHECK_ERR(SYS3(SYS_open, "missing", O_TMPFILE | O_RDONLY, 0600),
		  EINVAL);
	CHECK_ERR(SYS3(SYS_open, ".", O_TMPFILE | O_CREAT | O_RDWR, 0600),
		  EINVAL);
	CHECK_ERR(
	    SYS3(SYS_open, ".", (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600),
	    EINVAL);
	CHECK_ERR(SYS3(SYS_open, (char *)8, O_TMPFILE | O_RDONLY, 0600),
		  EINVAL);
	CHECK_ERR(SYS3(SYS_open, (char *)8, O_TMPFILE | O_RDWR, 0600), EFAULT);
	/* Then the directory. */
	CHECK_ERR(SYS3(SYS_open, "missing", O_TMPFILE | O_RDWR, 0600), ENOENT);
	CHECK_ERR(SYS3(SYS_open, "reg", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	CHECK_ERR(SYS3(SYS_open, "reg/", O_TMPFILE | O_WRONLY, 0600), ENOTDIR);
	/* procfs makes no unnamed files (root passes the permission check). */
	if (SYS0(SYS_geteuid) == 0)
		CHECK_ERR(SYS3(SYS_open, "/proc", O_TMPFILE | O_RDWR, 0600),
			  EOPNOTSUPP);
	CHECK_EQ(SYS1(SYS_unlink, "reg"), 0);
}

static void test_unnamed(void)
{
	struct stat st, st2;
	char buf[256], want[128];
	long fd, n;

	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	fd = SYS3(SYS_open, "d", O_TMPFILE | O_RDWR, 0666);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644); /* the umask applies */
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_uid, SYS0(SYS_geteuid));
	/* Nothing in the directory names it. */
	CHECK_EQ(entries("d"), 2);
	/* It is an ordinary file otherwise. */
	CHECK_EQ(SYS3(SYS_write, fd, "hello world", 11), 11);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 5, 6), 5);
	CHECK(memcmp(buf, "world", 5) == 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 5), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_END), 5);
	/* Its status flags keep O_TMPFILE (and O_LARGEFILE). */
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL), O_RDWR | O_TMPFILE | 0100000);
	/* /proc/self/fd names it "#ino" in its directory, deleted. */
	snprintf(want, sizeof(want), "/proc/self/fd/%ld", fd);
	n = SYS3(SYS_readlink, want, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	if (n > 0) {
		buf[n] = 0;
		snprintf(want, sizeof(want), "%s/d/#", scratch);
		CHECK(strncmp(buf, want, strlen(want)) == 0);
		CHECK(n > 10 && strcmp(buf + n - 10, " (deleted)") == 0);
	}
	/* linkat through the magic link names it, once nlink is 1. */
	snprintf(want, sizeof(want), "/proc/self/fd/%ld", fd);
	CHECK_EQ(SYS5(SYS_linkat, AT_FDCWD, want, AT_FDCWD, "d/named",
		      AT_SYMLINK_FOLLOW),
		 0);
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "d/named", &st2, 0), 0);
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_nlink, 1);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(entries("d"), 3);
	/* A named file links as any other. */
	CHECK_EQ(SYS5(SYS_linkat, AT_FDCWD, want, AT_FDCWD, "d/again",
		      AT_SYMLINK_FOLLOW),
		 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	n = SYS3(SYS_open, "d/again", O_RDONLY, 0);
	CHECK_OK(n);
	CHECK_EQ(SYS3(SYS_read, n, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	SYS1(SYS_close, n);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	CHECK_EQ(SYS1(SYS_unlink, "d/named"), 0);
	CHECK_EQ(SYS1(SYS_unlink, "d/again"), 0);

	/* AT_EMPTY_PATH names it too (with CAP_DAC_READ_SEARCH). */
	if (SYS0(SYS_geteuid) == 0) {
		fd = SYS3(SYS_open, "d", O_TMPFILE | O_WRONLY, 0600);
		CHECK_OK(fd);
		CHECK_EQ(SYS5(SYS_linkat, fd, "", AT_FDCWD, "d/empty",
			      AT_EMPTY_PATH),
			 0);
		CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "d/empty", &st, 0), 0);
		CHECK_EQ(st.st_mode & 07777, 0600);
		CHECK_EQ(SYS1(SYS_close, fd), 0);
		CHECK_EQ(SYS1(SYS_unlink, "d/empty"), 0);
	}

	/* Mode 0 still opens for writing: the new file is not checked. */
	fd = SYS3(SYS_open, "d", O_TMPFILE | O_WRONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, "x", 1), 1);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	CHECK_EQ(entries("d"), 2);
}

static void test_excl(void)
{
	char path[64];
	long fd = SYS3(SYS_open, ".", O_TMPFILE | O_RDWR | O_EXCL, 0600);

	CHECK_OK(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
	/* O_EXCL: it can never have a name. */
	CHECK_ERR(SYS5(SYS_linkat, AT_FDCWD, path, AT_FDCWD, "excl",
		       AT_SYMLINK_FOLLOW),
		  ENOENT);
	CHECK_ERR(SYS4(SYS_newfstatat, AT_FDCWD, "excl", path, 0), ENOENT);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	/* A symlink to the directory is followed, unless O_NOFOLLOW. */
	CHECK_EQ(SYS2(SYS_symlink, "d", "lnk"), 0);
	fd = SYS3(SYS_open, "lnk", O_TMPFILE | O_RDWR, 0600);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK(SYS3(SYS_open, "lnk", O_TMPFILE | O_RDWR | O_NOFOLLOW, 0600) < 0);
	CHECK_EQ(SYS1(SYS_unlink, "lnk"), 0);
}

int main(void)
{
	umask(022);
	scratch_enter("tmpfile");
	test_flags();
	test_unnamed();
	test_excl();
	scratch_leave();
	return guest_done();
}
