// SPDX-License-Identifier: Apache-2.0
/*
 * stat, lstat, fstat, newfstatat and statx on files, directories and
 * symlinks in a private scratch directory under /tmp: file types, sizes,
 * link counts, inode and device numbers, timestamps and the errors for bad
 * paths, flags, masks and pointers.
 */
#include "guest.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#define BAD_PTR ((void *)1)

static long nlink_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_stat, path, &st);

	return r ? r : (long)st.st_nlink;
}

static long ino_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_ino;
}

static long now_sec(void)
{
	struct timespec ts;

	SYS2(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void check_kinds(void)
{
	struct stat st, lst, fst;
	long fd, wfd;

	put_file("f", "hello");
	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode, S_IFREG | 0644);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_uid, 0);
	CHECK_EQ(st.st_gid, 0);
	CHECK(st.st_ino != 0);
	CHECK(st.st_blksize > 0);
	/* lstat of a non-link and fstat agree with stat. */
	CHECK_EQ(SYS2(SYS_lstat, "f", &lst), 0);
	CHECK_EQ(lst.st_ino, st.st_ino);
	CHECK_EQ(lst.st_mode, st.st_mode);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &fst), 0);
	CHECK_EQ(fst.st_ino, st.st_ino);
	CHECK_EQ(fst.st_dev, st.st_dev);
	CHECK_EQ(fst.st_size, 5);
	/* fstat sees a change made through another descriptor. */
	wfd = SYS3(SYS_open, "f", O_WRONLY | O_APPEND, 0);
	CHECK_EQ(SYS3(SYS_write, wfd, "!", 1), 1);
	SYS1(SYS_close, wfd);
	CHECK_EQ(SYS2(SYS_fstat, fd, &fst), 0);
	CHECK_EQ(fst.st_size, 6);
	SYS1(SYS_close, fd);

	/* Symlinks: stat follows, lstat does not; size is the target's length.
	 */
	CHECK_EQ(SYS2(SYS_symlink, "f", "lf"), 0);
	CHECK_EQ(SYS2(SYS_symlink, "some/longer/target", "dangling"), 0);
	CHECK_EQ(SYS2(SYS_stat, "lf", &lst), 0);
	CHECK(S_ISREG(lst.st_mode));
	CHECK_EQ(lst.st_ino, st.st_ino);
	CHECK_EQ(SYS2(SYS_lstat, "lf", &lst), 0);
	CHECK(S_ISLNK(lst.st_mode));
	CHECK_EQ(lst.st_mode & S_IFMT, S_IFLNK);
	CHECK_EQ(lst.st_size, 1);
	CHECK(lst.st_ino != st.st_ino);
	CHECK_EQ(lst.st_dev, st.st_dev);
	CHECK_EQ(SYS2(SYS_lstat, "dangling", &lst), 0);
	CHECK(S_ISLNK(lst.st_mode));
	CHECK_EQ(lst.st_size, strlen("some/longer/target"));
	CHECK_ERR(SYS2(SYS_stat, "dangling", &lst), ENOENT);

	/* Directories: a new one has two links and adds one to its parent. */
	CHECK_EQ(SYS2(SYS_stat, ".", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	CHECK_EQ(SYS2(SYS_stat, "d", &lst), 0);
	CHECK(S_ISDIR(lst.st_mode));
	CHECK_EQ(lst.st_mode, S_IFDIR | 0755);
	CHECK_EQ(lst.st_nlink, 2);
	CHECK_EQ(lst.st_dev, st.st_dev);
	CHECK_EQ(nlink_of("."), 3);
	CHECK_EQ(SYS2(SYS_mkdir, "d/sub", 0755), 0);
	CHECK_EQ(nlink_of("d"), 3);
	CHECK_EQ(nlink_of("."), 3);
	/* A file does not add a link to its directory. */
	put_file("d/file", "");
	CHECK_EQ(nlink_of("d"), 3);
	CHECK_EQ(SYS1(SYS_rmdir, "d/sub"), 0);
	CHECK_EQ(nlink_of("d"), 2);
	/* ".." of d is the scratch directory; "/.." is "/". */
	CHECK_EQ(ino_of("d/.."), ino_of("."));
	CHECK_EQ(ino_of("/.."), ino_of("/"));
	CHECK_ERR(SYS2(SYS_stat, "missing/", &st), ENOENT);
	CHECK_EQ(SYS2(SYS_symlink, "d", "ld"), 0);
	/* A trailing slash makes lstat follow the link. */
	CHECK_EQ(SYS2(SYS_lstat, "ld/", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_ino, ino_of("d"));
	CHECK_ERR(SYS2(SYS_lstat, "lf/", &st), ENOTDIR);

	/* Hard links share the inode and count links. */
	CHECK_EQ(SYS2(SYS_link, "f", "hf"), 0);
	CHECK_EQ(nlink_of("f"), 2);
	CHECK_EQ(nlink_of("hf"), 2);
	CHECK_EQ(ino_of("hf"), ino_of("f"));
	CHECK(ino_of("d") != ino_of("f"));
	CHECK(ino_of("lf") != ino_of("d"));
	CHECK_EQ(SYS1(SYS_unlink, "hf"), 0);
	CHECK_EQ(nlink_of("f"), 1);
	/* An open file that lost its last name has no links. */
	put_file("gone", "bye");
	fd = SYS3(SYS_open, "gone", O_RDONLY, 0);
	CHECK_EQ(SYS1(SYS_unlink, "gone"), 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &fst), 0);
	CHECK_EQ(fst.st_nlink, 0);
	CHECK_EQ(fst.st_size, 3);
	SYS1(SYS_close, fd);
}

static void check_errors(void)
{
	struct stat st;
	long fd;

	CHECK_ERR(SYS2(SYS_stat, "f/", &st), ENOTDIR);
	CHECK_ERR(SYS2(SYS_stat, "f/x", &st), ENOTDIR);
	CHECK_ERR(SYS2(SYS_lstat, "f/", &st), ENOTDIR);
	CHECK_ERR(SYS2(SYS_stat, "missing", &st), ENOENT);
	CHECK_ERR(SYS2(SYS_stat, "missing/x", &st), ENOENT);
	CHECK_ERR(SYS2(SYS_stat, "", &st), ENOENT);
	CHECK_ERR(SYS2(SYS_lstat, "", &st), ENOENT);
	CHECK_ERR(SYS2(SYS_stat, "f", BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_lstat, "f", BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_stat, BAD_PTR, &st), EFAULT);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_ERR(SYS2(SYS_fstat, fd, BAD_PTR), EFAULT);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS2(SYS_fstat, 9999, &st), EBADF);
	CHECK_ERR(SYS2(SYS_fstat, -1, &st), EBADF);
}

static void check_fstatat(void)
{
	struct stat st, ref;
	long dfd, ffd;

	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "f", &st, 0), 0);
	CHECK_EQ(st.st_ino, ino_of("f"));
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "lf", &st, 0), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "lf", &st, AT_SYMLINK_NOFOLLOW),
		 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 1);
	CHECK_ERR(SYS4(SYS_newfstatat, AT_FDCWD, "f", &st, 0x1), EINVAL);

	dfd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	ffd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS4(SYS_newfstatat, dfd, "file", &st, 0), 0);
	CHECK_EQ(st.st_ino, ino_of("d/file"));
	CHECK_EQ(SYS4(SYS_newfstatat, dfd, "..", &st, 0), 0);
	CHECK_EQ(st.st_ino, ino_of("."));
	/* AT_EMPTY_PATH with "" is the dirfd itself, directory or file. */
	CHECK_EQ(SYS4(SYS_newfstatat, dfd, "", &st, AT_EMPTY_PATH), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_ino, ino_of("d"));
	CHECK_EQ(SYS4(SYS_newfstatat, ffd, "", &st, AT_EMPTY_PATH), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_ino, ino_of("f"));
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "", &st, AT_EMPTY_PATH), 0);
	CHECK_EQ(st.st_ino, ino_of("."));
	/* Without the flag, "" is ENOENT. */
	CHECK_ERR(SYS4(SYS_newfstatat, dfd, "", &st, 0), ENOENT);
	CHECK_ERR(SYS4(SYS_newfstatat, ffd, "", &st, 0), ENOENT);
	/* A non-empty path ignores AT_EMPTY_PATH. */
	CHECK_EQ(SYS4(SYS_newfstatat, dfd, "file", &st, AT_EMPTY_PATH), 0);
	CHECK_EQ(st.st_ino, ino_of("d/file"));
	/* A file as the dirfd of a relative path; a bad dirfd. */
	CHECK_ERR(SYS4(SYS_newfstatat, ffd, "x", &st, 0), ENOTDIR);
	CHECK_ERR(SYS4(SYS_newfstatat, 9999, "f", &st, 0), EBADF);
	CHECK_ERR(SYS4(SYS_newfstatat, 9999, "", &st, AT_EMPTY_PATH), EBADF);
	CHECK_EQ(SYS4(SYS_newfstatat, 9999, scratch, &st, 0), 0);
	CHECK_EQ(SYS2(SYS_stat, ".", &ref), 0);
	CHECK_EQ(st.st_ino, ref.st_ino);
	CHECK_EQ(st.st_dev, ref.st_dev);
	SYS1(SYS_close, ffd);
	SYS1(SYS_close, dfd);
}

static void check_statx(void)
{
	struct statx stx;
	struct stat st;
	long fd;

	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	memset(&stx, 0xff, sizeof(stx));
	CHECK_EQ(SYS5(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, &stx), 0);
	CHECK_EQ(stx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
	CHECK_EQ(stx.stx_mode, st.st_mode);
	CHECK_EQ(stx.stx_size, st.st_size);
	CHECK_EQ(stx.stx_ino, st.st_ino);
	CHECK_EQ(stx.stx_nlink, 1);
	CHECK_EQ(stx.stx_uid, 0);
	CHECK_EQ(stx.stx_gid, 0);
	CHECK_EQ(makedev(stx.stx_dev_major, stx.stx_dev_minor), st.st_dev);
	CHECK_EQ(stx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
	CHECK_EQ(stx.stx_mtime.tv_nsec, st.st_mtim.tv_nsec);
	CHECK_EQ(stx.__spare0[0], 0);
	/* Asking for less still fills the basic fields. */
	CHECK_EQ(SYS5(SYS_statx, AT_FDCWD, "f", 0, STATX_SIZE, &stx), 0);
	CHECK(stx.stx_mask & STATX_SIZE);
	CHECK_EQ(stx.stx_size, st.st_size);

	CHECK_EQ(SYS5(SYS_statx, AT_FDCWD, "lf", AT_SYMLINK_NOFOLLOW,
		      STATX_BASIC_STATS, &stx),
		 0);
	CHECK_EQ(stx.stx_mode & S_IFMT, S_IFLNK);
	CHECK_EQ(stx.stx_size, 1);
	CHECK_EQ(SYS5(SYS_statx, AT_FDCWD, "d", 0, STATX_BASIC_STATS, &stx), 0);
	CHECK_EQ(stx.stx_mode, S_IFDIR | 0755);
	CHECK_EQ(stx.stx_nlink, 2);

	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(
	    SYS5(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx), 0);
	CHECK_EQ(stx.stx_ino, st.st_ino);
	CHECK_ERR(SYS5(SYS_statx, fd, "", 0, STATX_BASIC_STATS, &stx), ENOENT);
	CHECK_ERR(SYS5(SYS_statx, fd, "x", 0, STATX_BASIC_STATS, &stx),
		  ENOTDIR);
	SYS1(SYS_close, fd);

	/* Bad flags, sync types, masks and pointers. */
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f", 0x1, STATX_BASIC_STATS, &stx),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f", AT_REMOVEDIR,
		       STATX_BASIC_STATS, &stx),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f", AT_STATX_SYNC_TYPE,
		       STATX_BASIC_STATS, &stx),
		  EINVAL);
	CHECK_EQ(SYS5(SYS_statx, AT_FDCWD, "f", AT_STATX_DONT_SYNC,
		      STATX_BASIC_STATS, &stx),
		 0);
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f", 0, STATX__RESERVED, &stx),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, BAD_PTR),
		  EFAULT);
	CHECK_ERR(
	    SYS5(SYS_statx, AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &stx),
	    ENOENT);
	CHECK_ERR(SYS5(SYS_statx, AT_FDCWD, "f/", 0, STATX_BASIC_STATS, &stx),
		  ENOTDIR);
}

static void check_times(void)
{
	struct timespec old[2] = {{1000000000, 5}, {1000000000, 7}};
	struct stat st;
	long fd, before, after;

	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", old, 0), 0);
	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 5);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 7);
	/* Setting times updates ctime to now. */
	CHECK(st.st_ctim.tv_sec > 1000000000);

	/* A write moves mtime and ctime to about now. */
	before = now_sec();
	fd = SYS3(SYS_open, "f", O_WRONLY, 0);
	CHECK_EQ(SYS3(SYS_write, fd, "x", 1), 1);
	SYS1(SYS_close, fd);
	after = now_sec();
	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	CHECK(st.st_mtim.tv_sec > 1000000000);
	CHECK(st.st_mtim.tv_sec >= before - 1 &&
	      st.st_mtim.tv_sec <= after + 1);
	CHECK(st.st_ctim.tv_sec >= before - 1 &&
	      st.st_ctim.tv_sec <= after + 1);
	/* Reading does not change mtime. */
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", old, 0), 0);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS3(SYS_read, fd, &after, 1), 1);
	SYS1(SYS_close, fd);
	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 7);
	/* Truncation changes mtime. */
	CHECK_EQ(SYS2(SYS_truncate, "f", 2), 0);
	CHECK_EQ(SYS2(SYS_stat, "f", &st), 0);
	CHECK(st.st_mtim.tv_sec > 1000000000);

	/* Adding an entry to a directory changes its mtime. */
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "d", old, 0), 0);
	put_file("d/new", "");
	CHECK_EQ(SYS2(SYS_stat, "d", &st), 0);
	CHECK(st.st_mtim.tv_sec > 1000000000);
	/* Removing one does too. */
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "d", old, 0), 0);
	CHECK_EQ(SYS1(SYS_unlink, "d/new"), 0);
	CHECK_EQ(SYS2(SYS_stat, "d", &st), 0);
	CHECK(st.st_mtim.tv_sec > 1000000000);
}

int main(void)
{
	SYS1(SYS_umask, 022);
	scratch_enter("stat");
	check_kinds();
	check_errors();
	check_fstatat();
	check_statx();
	check_times();
	scratch_leave();
	return guest_done();
}
