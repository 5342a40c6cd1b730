// SPDX-License-Identifier: Apache-2.0
/*
 * chmod, fchmod, fchmodat, fchmodat2, chown, lchown, fchown, fchownat,
 * truncate, ftruncate, utimensat, utimes and umask as root in a private
 * scratch directory under /tmp: attribute round trips, symlink handling,
 * setuid clearing on chown, and the errors for bad values and descriptors.
 */
#include "guest.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#define BAD_PTR ((void *)1)

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static struct stat st;

/* stat or lstat into st; returns 0 or -errno. */
static long get(const char *path)
{
	memset(&st, 0, sizeof(st));
	return SYS2(SYS_stat, path, &st);
}

static long lget(const char *path)
{
	memset(&st, 0, sizeof(st));
	return SYS2(SYS_lstat, path, &st);
}

static long mode_of(const char *path)
{
	return get(path) ? -1 : (long)st.st_mode;
}

static long lmode_of(const char *path)
{
	return lget(path) ? -1 : (long)st.st_mode;
}

static void check_chmod(void)
{
	long fd, pfd;

	put_file("f", "data");
	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	CHECK_EQ(SYS2(SYS_symlink, "f", "lf"), 0);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0), 0);
	CHECK_EQ(mode_of("f"), S_IFREG);
	CHECK_EQ(SYS2(SYS_chmod, "f", 07777), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 07777);
	/* Bits above 07777 are ignored; the file type never changes. */
	CHECK_EQ(SYS2(SYS_chmod, "f", S_IFDIR | 0640), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0640);
	CHECK_EQ(SYS2(SYS_chmod, "d", 01777), 0);
	CHECK_EQ(mode_of("d"), S_IFDIR | 01777);
	CHECK_EQ(SYS2(SYS_chmod, "d", 0755), 0);
	/* chmod follows symlinks; a symlink's own mode stays 0777. */
	CHECK_EQ(SYS2(SYS_chmod, "lf", 0604), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0604);
	CHECK_EQ(lmode_of("lf"), S_IFLNK | 0777);
	CHECK_ERR(SYS2(SYS_chmod, "missing", 0644), ENOENT);
	CHECK_ERR(SYS2(SYS_chmod, "f/", 0644), ENOTDIR);
	CHECK_ERR(SYS2(SYS_chmod, BAD_PTR, 0644), EFAULT);

	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS2(SYS_fchmod, fd, 0600), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0600);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS2(SYS_fchmod, 9999, 0600), EBADF);
	pfd = SYS3(SYS_open, "f", O_PATH, 0);
	CHECK_ERR(SYS2(SYS_fchmod, pfd, 0600), EBADF);

	/* fchmodat has no flags argument; fchmodat2 does. */
	CHECK_EQ(SYS3(SYS_fchmodat, AT_FDCWD, "f", 0640), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0640);
	CHECK_EQ(SYS3(SYS_fchmodat, AT_FDCWD, "lf", 0641), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0641);
	CHECK_ERR(SYS3(SYS_fchmodat, 9999, "f", 0640), EBADF);
	/* Symlinks have no mode of their own to change. */
	CHECK_ERR(
	    SYS4(SYS_fchmodat2, AT_FDCWD, "lf", 0600, AT_SYMLINK_NOFOLLOW),
	    EOPNOTSUPP);
	CHECK_EQ(mode_of("f"), S_IFREG | 0641);
	CHECK_EQ(SYS4(SYS_fchmodat2, AT_FDCWD, "f", 0644, AT_SYMLINK_NOFOLLOW),
		 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0644);
	CHECK_EQ(SYS4(SYS_fchmodat2, AT_FDCWD, "lf", 0645, 0), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0645);
	CHECK_EQ(SYS4(SYS_fchmodat2, pfd, "", 0644, AT_EMPTY_PATH), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0644);
	CHECK_ERR(SYS4(SYS_fchmodat2, AT_FDCWD, "f", 0644, 0x1), EINVAL);
	SYS1(SYS_close, pfd);
}

static void check_chown(void)
{
	long fd, pfd;

	CHECK_EQ(SYS3(SYS_chown, "f", 1000, 2000), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 2000);
	/* -1 keeps the owner or group. */
	CHECK_EQ(SYS3(SYS_chown, "f", -1, 3000), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 3000);
	CHECK_EQ(SYS3(SYS_chown, "f", 4000, -1), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 4000);
	CHECK_EQ(st.st_gid, 3000);
	CHECK_EQ(SYS3(SYS_chown, "f", -1, -1), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 4000);
	CHECK_EQ(st.st_gid, 3000);

	/* chown follows symlinks, lchown does not. */
	CHECK_EQ(SYS3(SYS_chown, "lf", 5, 6), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 5);
	CHECK_EQ(st.st_gid, 6);
	CHECK_EQ(SYS3(SYS_lchown, "lf", 1234, 4321), 0);
	CHECK_EQ(lget("lf"), 0);
	CHECK_EQ(st.st_uid, 1234);
	CHECK_EQ(st.st_gid, 4321);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 5);
	CHECK_EQ(SYS5(SYS_fchownat, AT_FDCWD, "lf", 7, 8, AT_SYMLINK_NOFOLLOW),
		 0);
	CHECK_EQ(lget("lf"), 0);
	CHECK_EQ(st.st_uid, 7);
	CHECK_EQ(st.st_gid, 8);
	CHECK_EQ(SYS5(SYS_fchownat, AT_FDCWD, "lf", 9, 10, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 9);
	CHECK_EQ(st.st_gid, 10);

	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS3(SYS_fchown, fd, 11, 12), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 11);
	CHECK_EQ(st.st_gid, 12);
	CHECK_EQ(SYS5(SYS_fchownat, fd, "", 13, 14, AT_EMPTY_PATH), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_uid, 13);
	CHECK_ERR(SYS5(SYS_fchownat, fd, "", 13, 14, 0), ENOENT);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS5(SYS_fchownat, AT_FDCWD, "f", 0, 0, 0x1), EINVAL);
	CHECK_ERR(SYS3(SYS_fchown, 9999, 0, 0), EBADF);
	pfd = SYS3(SYS_open, "f", O_PATH, 0);
	CHECK_ERR(SYS3(SYS_fchown, pfd, 0, 0), EBADF);
	SYS1(SYS_close, pfd);
	CHECK_ERR(SYS3(SYS_chown, "missing", 0, 0), ENOENT);
	CHECK_EQ(SYS3(SYS_chown, "f", 0, 0), 0);
	CHECK_EQ(SYS3(SYS_chown, "d", 0, 0), 0);
}

static void check_kill_suid(void)
{
	/* chown clears setuid on a regular file, even for root. */
	CHECK_EQ(SYS2(SYS_chmod, "f", 04755), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 04755);
	CHECK_EQ(SYS3(SYS_chown, "f", 0, 0), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0755);
	CHECK_EQ(SYS2(SYS_chmod, "f", 04755), 0);
	CHECK_EQ(SYS3(SYS_chown, "f", -1, -1), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0755);
	CHECK_EQ(SYS2(SYS_chmod, "f", 04644), 0);
	CHECK_EQ(SYS3(SYS_chown, "f", 1, -1), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0644);
	/* Setgid goes with group execute; without it, root keeps it. */
	CHECK_EQ(SYS2(SYS_chmod, "f", 06755), 0);
	CHECK_EQ(SYS3(SYS_chown, "f", 0, 0), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 0755);
	CHECK_EQ(SYS2(SYS_chmod, "f", 02745), 0);
	CHECK_EQ(SYS3(SYS_chown, "f", 0, 0), 0);
	CHECK_EQ(mode_of("f"), S_IFREG | 02745);
	/* Directories keep both. */
	CHECK_EQ(SYS2(SYS_chmod, "d", 06755), 0);
	CHECK_EQ(SYS3(SYS_chown, "d", 0, 0), 0);
	CHECK_EQ(mode_of("d"), S_IFDIR | 06755);
	CHECK_EQ(SYS2(SYS_chmod, "d", 0755), 0);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0644), 0);
}

static void check_truncate(void)
{
	char buf[8];
	long fd;

	CHECK_EQ(SYS2(SYS_truncate, "f", 100), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_size, 100);
	CHECK_EQ(SYS2(SYS_truncate, "lf", 2), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_size, 2);
	CHECK_ERR(SYS2(SYS_truncate, "f", -1), EINVAL);
	CHECK_ERR(SYS2(SYS_truncate, "d", 0), EISDIR);
	CHECK_ERR(SYS2(SYS_truncate, "missing", 0), ENOENT);
	CHECK_ERR(SYS2(SYS_truncate, "f/", 0), ENOTDIR);
	CHECK_ERR(SYS2(SYS_truncate, "", 0), ENOENT);
	/* Root may truncate a read-only file by name. */
	CHECK_EQ(SYS2(SYS_chmod, "f", 0444), 0);
	CHECK_EQ(SYS2(SYS_truncate, "f", 4), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0644), 0);

	/* ftruncate needs a descriptor open for writing. */
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 0), EINVAL);
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 0), EINVAL);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS2(SYS_ftruncate, 9999, 0), EBADF);
	fd = SYS3(SYS_open, "f", O_WRONLY | O_APPEND, 0);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, -5), EINVAL);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 1), 0);
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'd');
	SYS1(SYS_close, fd);
}

static long now_sec(void)
{
	struct timespec ts;

	SYS2(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static bool recent(const struct timespec *ts, long since)
{
	return ts->tv_sec >= since - 1 && ts->tv_sec <= now_sec() + 1;
}

static void check_utimensat(void)
{
	struct timespec t[2] = {{1000000000, 123456789}, {1100000000, 42}};
	struct timeval tv[2] = {{1200000000, 5}, {1300000000, 999999}};
	long fd, start = now_sec();

	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 123456789);
	CHECK_EQ(st.st_mtim.tv_sec, 1100000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 42);
	CHECK(recent(&st.st_ctim, start));

	/* UTIME_NOW and UTIME_OMIT, whatever tv_sec says. */
	t[0].tv_nsec = UTIME_OMIT;
	t[1].tv_sec = 1;
	t[1].tv_nsec = UTIME_NOW;
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 123456789);
	CHECK(recent(&st.st_mtim, start));
	t[0].tv_nsec = UTIME_OMIT;
	t[1].tv_nsec = UTIME_OMIT;
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	/* NULL times is now for both. */
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "f", NULL, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK(recent(&st.st_atim, start));
	CHECK(recent(&st.st_mtim, start));

	/* AT_SYMLINK_NOFOLLOW sets the link's own times. */
	t[0].tv_sec = 1000000000;
	t[0].tv_nsec = 0;
	t[1].tv_sec = 1000000001;
	t[1].tv_nsec = 0;
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "lf", t, AT_SYMLINK_NOFOLLOW),
		 0);
	CHECK_EQ(lget("lf"), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000001);
	CHECK_EQ(get("f"), 0);
	CHECK(recent(&st.st_mtim, start));
	CHECK_EQ(SYS4(SYS_utimensat, AT_FDCWD, "lf", t, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000001);

	/* A NULL path means the dirfd itself (futimens). */
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	t[1].tv_sec = 1000000002;
	CHECK_EQ(SYS4(SYS_utimensat, fd, NULL, t, 0), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000002);
	t[1].tv_sec = 1000000003;
	CHECK_EQ(SYS4(SYS_utimensat, fd, "", t, AT_EMPTY_PATH), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000003);
	CHECK_ERR(SYS4(SYS_utimensat, fd, NULL, t, AT_SYMLINK_NOFOLLOW),
		  EINVAL);
	CHECK_ERR(SYS4(SYS_utimensat, fd, "", t, 0), ENOENT);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, NULL, t, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_utimensat, 9999, NULL, t, 0), EBADF);

	/* Out-of-range nanoseconds, bad flags, missing files. */
	t[1].tv_nsec = 1000000000;
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), EINVAL);
	t[1].tv_nsec = -1;
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), EINVAL);
	t[1].tv_nsec = 0;
	t[0].tv_nsec = 1000000000;
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0), EINVAL);
	t[0].tv_nsec = 0;
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "f", t, 0x1), EINVAL);
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "missing", t, 0), ENOENT);
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "f", BAD_PTR, 0), EFAULT);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000003);

	/* utimes takes microseconds. */
	CHECK_EQ(SYS2(SYS_utimes, "f", tv), 0);
	CHECK_EQ(get("f"), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1200000000);
	CHECK_EQ(st.st_atim.tv_nsec, 5000);
	CHECK_EQ(st.st_mtim.tv_sec, 1300000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 999999000);
	tv[1].tv_usec = 1000000;
	CHECK_ERR(SYS2(SYS_utimes, "f", tv), EINVAL);
}

static void check_umask(void)
{
	long old = SYS1(SYS_umask, 027);

	CHECK_EQ(SYS1(SYS_umask, 0), 027);
	CHECK_EQ(SYS1(SYS_umask, 0777), 0);
	/* Only the permission bits are kept. */
	CHECK_EQ(SYS1(SYS_umask, 07777), 0777);
	CHECK_EQ(SYS1(SYS_umask, 0170022), 0777);
	CHECK_EQ(SYS1(SYS_umask, old), 022);
	CHECK_EQ(SYS1(SYS_umask, old), old);
}

int main(void)
{
	SYS1(SYS_umask, 022);
	scratch_enter("attr");
	check_chmod();
	check_chown();
	check_kill_suid();
	check_truncate();
	check_utimensat();
	check_umask();
	scratch_leave();
	return guest_done();
}
