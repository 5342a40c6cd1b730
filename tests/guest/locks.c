// SPDX-License-Identifier: Apache-2.0
/*
 * Byte-range locks (fcntl(2) "Advisory record locking" and "Open file
 * description locks"), seen from one process: OFD locks belong to an open
 * file description, so two open()s of a file conflict; POSIX locks belong
 * to the process, never conflict with each other and all go when any fd
 * of the file closes; an OFD and a POSIX lock of one process conflict.
 * F_OFD_GETLK from a second description shows what a first one holds,
 * ranges split, merge and convert; l_len 0 reaches to the end of the file,
 * a negative one reaches back. No wait can be tested without a second
 * thread, so every F_SETLKW here is one that does not block.
 */
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>

#define BAD_PTR 0x10

/* fcntl(fd, cmd, {type, whence, start, len, pid}): the raw result. */
static long lk(long fd, int cmd, short type, short whence, int64_t start,
	       int64_t len, int pid)
{
	struct flock fl = {.l_type = type,
			   .l_whence = whence,
			   .l_start = start,
			   .l_len = len,
			   .l_pid = pid};

	return SYS3(SYS_fcntl, fd, cmd, &fl);
}

/* Set (type F_UNLCK: clear) [start, start + len) from SEEK_SET. */
static long set(long fd, int cmd, short type, int64_t start, int64_t len)
{
	return lk(fd, cmd, type, SEEK_SET, start, len, 0);
}

/*
 * The lock cmd (F_GETLK or F_OFD_GETLK) finds against type on
 * [start, start + len): want_type F_UNLCK for none, else the conflicting
 * lock's type, start, len and pid.
 */
#define CHECK_GETLK(fd, cmd, type, start, len, want_type, want_start,          \
		    want_len, want_pid)                                        \
	do {                                                                   \
		struct flock _fl = {.l_type = (type),                          \
				    .l_whence = SEEK_SET,                      \
				    .l_start = (start),                        \
				    .l_len = (len)};                           \
                                                                               \
		CHECK_EQ(SYS3(SYS_fcntl, fd, cmd, &_fl), 0);                   \
		CHECK_EQ(_fl.l_type, want_type);                               \
		if ((want_type) != F_UNLCK) {                                  \
			CHECK_EQ(_fl.l_whence, SEEK_SET);                      \
			CHECK_EQ(_fl.l_start, want_start);                     \
			CHECK_EQ(_fl.l_len, want_len);                         \
			CHECK_EQ(_fl.l_pid, want_pid);                         \
		}                                                              \
	} while (0)

/* Nothing conflicts with a write lock over the whole file. */
#define CHECK_FREE(fd, cmd)                                                    \
	CHECK_GETLK(fd, cmd, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0)

static long open_rw(const char *name)
{
	long fd = SYS4(SYS_openat, AT_FDCWD, name, O_RDWR | O_CREAT, 0644);

	CHECK_OK(fd);
	return fd;
}

static void test_ofd_conflicts(void)
{
	long a = open_rw("f"), b = open_rw("f");

	/* Two descriptions of one file: write locks conflict. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_ERR(set(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
	CHECK_ERR(set(b, F_OFD_SETLK, F_RDLCK, 9, 100), EAGAIN);
	/* SETLKW that needs no wait takes it at once. */
	CHECK_EQ(set(b, F_OFD_SETLKW, F_WRLCK, 10, 5), 0);
	/* The other's lock is reported, ours is not; l_pid is -1. */
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 10, -1);
	CHECK_GETLK(a, F_OFD_GETLK, F_RDLCK, 5, 100, F_WRLCK, 10, 5, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 10, 5, F_UNLCK, 0, 0, 0);
	/* The same description never conflicts with itself. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_FREE(a, F_OFD_GETLK);

	/* Read locks share; a write lock meets them. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 0, 100), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_RDLCK, 50, 100), 0);
	CHECK_ERR(set(b, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN);
	CHECK_ERR(set(a, F_OFD_SETLK, F_WRLCK, 120, 1), EAGAIN);
	CHECK_GETLK(a, F_OFD_GETLK, F_WRLCK, 60, 1, F_RDLCK, 50, 100, -1);
	CHECK_GETLK(a, F_OFD_GETLK, F_RDLCK, 60, 1, F_UNLCK, 0, 0, 0);
	/* Unlocking what one does not hold succeeds. */
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 500, 10), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_WRLCK, 100, 10), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_FREE(b, F_OFD_GETLK);

	/* flock(2) locks are another world: they never meet these. */
	CHECK_EQ(SYS2(SYS_flock, a, LOCK_EX), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_ERR(SYS2(SYS_flock, b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_EQ(SYS2(SYS_flock, a, LOCK_UN), 0);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
}

static void test_split_merge(void)
{
	long a = open_rw("f"), b = open_rw("f");

	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 0, 100), 0);
	/* Unlocking the middle splits the lock in two. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 40, 20), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 40, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 40, 20, F_UNLCK, 0, 0, 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 50, 0, F_WRLCK, 60, 40, -1);
	CHECK_EQ(set(b, F_OFD_SETLK, F_WRLCK, 45, 10), 0);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 45, 10), 0);
	/* Filling the hole merges the three into one. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 40, 20), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 100, -1);
	/* Another type over our own range converts that part. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 20, 10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 0, 20, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 20, 10, F_UNLCK, 0, 0, 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 20, 10, F_RDLCK, 20, 10, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 25, 0, F_WRLCK, 30, 70, -1);
	CHECK_EQ(set(b, F_OFD_SETLK, F_RDLCK, 20, 10), 0);
	CHECK_ERR(set(b, F_OFD_SETLK, F_RDLCK, 19, 2), EAGAIN);
	CHECK_EQ(set(b, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	/* Converting back rejoins the whole. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 20, 10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 0, 100, -1);
	/* A range over the end and beyond replaces and extends. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 90, 20), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 85, 0, F_WRLCK, 0, 90, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 95, 0, F_RDLCK, 90, 20, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);

	/* Adjacent ranges of one type coalesce, of two types do not. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 0, 10), 0);
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 10, 10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_RDLCK, 0, 20, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 20, 10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_RDLCK, 0, 20, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 20, 10, -1);
	/* Overlapping ones too, and the lowest start comes first. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 25, 20), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 20, 25, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 5, 30), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_RDLCK, 0, 5, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 5, 0, F_WRLCK, 35, 10, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_FREE(b, F_OFD_GETLK);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
}

static void test_ranges(void)
{
	long a = open_rw("f"), b = open_rw("f");
	struct flock fl;

	CHECK_EQ(SYS3(SYS_write, a, "0123456789", 10), 10);
	/* l_len 0: to the end of the file, however far it grows. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 100, 0), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 1000000, 1, F_WRLCK, 100, 0, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 100, F_UNLCK, 0, 0, 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, INT64_MAX, 1, F_WRLCK, 100, 0, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	/* A negative l_len reaches back from l_start. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 50, -10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 40, 10, -1);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 50, 0, F_UNLCK, 0, 0, 0);
	CHECK_ERR(set(a, F_OFD_SETLK, F_WRLCK, 5, -10), EINVAL);
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 10, -10), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 10, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	/* SEEK_CUR and SEEK_END origins; GETLK answers from SEEK_SET. */
	CHECK_EQ(SYS3(SYS_lseek, a, 30, SEEK_SET), 30);
	CHECK_EQ(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_CUR, 2, 5, 0), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 32, 5, -1);
	CHECK_EQ(lk(a, F_OFD_SETLK, F_UNLCK, SEEK_CUR, 0, 0, 0), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	CHECK_EQ(lk(a, F_OFD_SETLK, F_RDLCK, SEEK_END, -2, 2, 0), 0);
	fl = (struct flock){
	    .l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -5};
	CHECK_EQ(SYS3(SYS_fcntl, b, F_OFD_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_RDLCK);
	CHECK_EQ(fl.l_whence, SEEK_SET);
	CHECK_EQ(fl.l_start, 8);
	CHECK_EQ(fl.l_len, 2);
	CHECK_EQ(fl.l_pid, -1);
	/* With no conflict only l_type changes. */
	fl = (struct flock){
	    .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 3, .l_len = 4};
	CHECK_EQ(SYS3(SYS_fcntl, b, F_OFD_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK);
	CHECK_EQ(fl.l_whence, SEEK_CUR);
	CHECK_EQ(fl.l_start, 3);
	CHECK_EQ(fl.l_len, 4);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	/* The last byte a lock can reach: its end reads back as l_len 0. */
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, INT64_MAX, 1), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, INT64_MAX, 0, -1);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);

	/* The arguments, both kinds. */
	CHECK_ERR(set(a, F_OFD_SETLK, F_WRLCK, INT64_MAX, 2), EOVERFLOW);
	CHECK_ERR(set(a, F_SETLK, F_WRLCK, INT64_MAX - 5, 7), EOVERFLOW);
	CHECK_ERR(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_END, INT64_MAX, 1, 0),
		  EOVERFLOW);
	CHECK_ERR(lk(a, F_SETLK, F_WRLCK, SEEK_END, -11, 1, 0), EINVAL);
	CHECK_ERR(set(a, F_OFD_SETLK, F_WRLCK, -1, 1), EINVAL);
	CHECK_ERR(set(a, F_OFD_GETLK, F_WRLCK, -1, 1), EINVAL);
	CHECK_ERR(lk(a, F_OFD_SETLK, F_WRLCK, 3, 0, 1, 0), EINVAL);
	CHECK_ERR(lk(a, F_GETLK, F_WRLCK, 9, 0, 1, 0), EINVAL);
	CHECK_ERR(set(a, F_OFD_SETLK, 7, 0, 1), EINVAL);
	CHECK_ERR(set(a, F_OFD_GETLK, 7, 0, 1), EINVAL);
	CHECK_ERR(set(a, F_SETLKW, 7, 0, 1), EINVAL);
	/* F_GETLK asks about F_RDLCK or F_WRLCK only. */
	CHECK_ERR(set(a, F_GETLK, F_UNLCK, 0, 1), EINVAL);
	/* The range is checked before the type. */
	CHECK_ERR(set(a, F_SETLK, 7, INT64_MAX, 2), EOVERFLOW);
	CHECK_ERR(set(a, F_GETLK, 7, INT64_MAX, 2), EINVAL);
	/* OFD requests must say l_pid 0 (after the range and the mode). */
	CHECK_ERR(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1, 1), EINVAL);
	CHECK_ERR(lk(a, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 1, -1), EINVAL);
	CHECK_ERR(lk(a, F_OFD_GETLK, F_WRLCK, SEEK_SET, 0, 1, 5), EINVAL);
	CHECK_ERR(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, -1, 1, 1), EINVAL);
	CHECK_ERR(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, INT64_MAX, 2, 1),
		  EOVERFLOW);
	/* POSIX requests ignore it. */
	CHECK_EQ(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 1, 12345), 0);
	CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_ERR(SYS3(SYS_fcntl, a, F_OFD_SETLK, BAD_PTR), EFAULT);
	CHECK_ERR(SYS3(SYS_fcntl, a, F_OFD_GETLK, BAD_PTR), EFAULT);
	CHECK_ERR(set(999, F_OFD_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
}

static void test_access_mode(void)
{
	long rd = SYS4(SYS_openat, AT_FDCWD, "f", O_RDONLY, 0);
	long wr = SYS4(SYS_openat, AT_FDCWD, "f", O_WRONLY, 0);
	long path = SYS4(SYS_openat, AT_FDCWD, "f", O_PATH, 0);

	CHECK_OK(rd);
	CHECK_OK(wr);
	CHECK_OK(path);
	CHECK_ERR(set(rd, F_OFD_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_ERR(set(wr, F_OFD_SETLK, F_RDLCK, 0, 1), EBADF);
	CHECK_ERR(set(rd, F_SETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_ERR(set(wr, F_SETLKW, F_RDLCK, 0, 1), EBADF);
	/* The mode before l_pid. */
	CHECK_ERR(lk(rd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1, 1), EBADF);
	/* Unlocking and asking need no mode. */
	CHECK_EQ(set(rd, F_OFD_SETLK, F_UNLCK, 0, 1), 0);
	CHECK_EQ(set(wr, F_OFD_SETLK, F_UNLCK, 0, 1), 0);
	CHECK_GETLK(rd, F_OFD_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	CHECK_GETLK(wr, F_GETLK, F_RDLCK, 0, 0, F_UNLCK, 0, 0, 0);
	CHECK_EQ(set(rd, F_OFD_SETLK, F_RDLCK, 0, 1), 0);
	CHECK_EQ(set(wr, F_OFD_SETLK, F_WRLCK, 1, 1), 0);
	CHECK_GETLK(rd, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 1, 1, -1);
	/* An O_PATH fd takes no locks. */
	CHECK_ERR(set(path, F_OFD_SETLK, F_UNLCK, 0, 1), EBADF);
	CHECK_ERR(set(path, F_GETLK, F_WRLCK, 0, 1), EBADF);
	CHECK_EQ(SYS1(SYS_close, rd), 0);
	CHECK_EQ(SYS1(SYS_close, wr), 0);
	CHECK_EQ(SYS1(SYS_close, path), 0);
}

static void test_posix_vs_ofd(void)
{
	long a = open_rw("f"), b = open_rw("f");
	long pid = SYS0(SYS_getpid);

	/* A process's POSIX locks never conflict with each other. */
	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ(set(b, F_SETLK, F_WRLCK, 5, 10), 0);
	CHECK_EQ(set(b, F_SETLKW, F_RDLCK, 0, 3), 0);
	CHECK_GETLK(a, F_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	CHECK_GETLK(b, F_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	/* ... but conflict with the same process's OFD locks, both ways. */
	CHECK_ERR(set(a, F_OFD_SETLK, F_WRLCK, 14, 1), EAGAIN);
	CHECK_ERR(set(a, F_OFD_SETLK, F_RDLCK, 3, 1), EAGAIN);
	CHECK_EQ(set(a, F_OFD_SETLK, F_RDLCK, 0, 3), 0);
	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 15, 5), 0);
	/* The OFD view: our POSIX locks, with our pid; merged at 3..14. */
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 3, 12, pid);
	CHECK_GETLK(b, F_OFD_GETLK, F_WRLCK, 0, 0, F_RDLCK, 0, 3, pid);
	/* The POSIX view: the OFD locks, even of the same description. */
	CHECK_GETLK(a, F_GETLK, F_RDLCK, 10, 0, F_WRLCK, 15, 5, -1);
	CHECK_GETLK(a, F_GETLK, F_WRLCK, 0, 5, F_RDLCK, 0, 3, -1);
	CHECK_ERR(set(a, F_SETLK, F_WRLCK, 19, 2), EAGAIN);
	CHECK_ERR(set(b, F_SETLK, F_WRLCK, 2, 1), EAGAIN);
	CHECK_EQ(set(b, F_SETLK, F_RDLCK, 2, 1), 0);
	CHECK_EQ(set(a, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(set(b, F_SETLK, F_WRLCK, 0, 20), 0);
	CHECK_GETLK(a, F_OFD_GETLK, F_RDLCK, 19, 1, F_WRLCK, 0, 20, pid);
	CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_FREE(a, F_OFD_GETLK);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
}

static void test_posix_close_releases(void)
{
	long a = open_rw("f"), b = open_rw("f"), c = open_rw("f");
	long other = open_rw("g"), x;
	long pid = SYS0(SYS_getpid);

	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
	CHECK_EQ(set(a, F_SETLK, F_RDLCK, 20, 10), 0);
	/* Closing an fd of another file changes nothing. */
	CHECK_EQ(SYS1(SYS_close, other), 0);
	CHECK_GETLK(c, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 10, pid);
	/* Closing any fd of the file drops them all, not just b's. */
	CHECK_EQ(SYS1(SYS_close, b), 0);
	CHECK_FREE(c, F_OFD_GETLK);
	/* So does dup2 over an fd of the file. */
	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
	x = SYS1(SYS_dup, c);
	CHECK_OK(x);
	CHECK_GETLK(c, F_OFD_GETLK, F_WRLCK, 0, 0, F_WRLCK, 0, 10, pid);
	other = open_rw("g");
	CHECK_EQ(SYS2(SYS_dup2, other, x), x);
	CHECK_FREE(c, F_OFD_GETLK);
	/* And close_range. */
	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
	b = SYS1(SYS_dup, a);
	CHECK_OK(b);
	CHECK_EQ(SYS3(SYS_close_range, b, b, 0), 0);
	CHECK_FREE(c, F_OFD_GETLK);
	/* An OFD lock stays through such closes. */
	CHECK_EQ(set(c, F_OFD_SETLK, F_WRLCK, 50, 1), 0);
	b = open_rw("f");
	CHECK_EQ(SYS1(SYS_close, b), 0);
	CHECK_GETLK(a, F_GETLK, F_RDLCK, 0, 0, F_WRLCK, 50, 1, -1);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, c), 0);
	CHECK_EQ(SYS1(SYS_close, x), 0);
	CHECK_EQ(SYS1(SYS_close, other), 0);
}

static void test_ofd_close(void)
{
	long a = open_rw("f"), b = open_rw("f"), d;

	CHECK_EQ(set(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	/* A dup shares the description and so its lock. */
	d = SYS1(SYS_dup, a);
	CHECK_OK(d);
	CHECK_GETLK(d, F_OFD_GETLK, F_WRLCK, 0, 0, F_UNLCK, 0, 0, 0);
	CHECK_EQ(set(d, F_OFD_SETLK, F_WRLCK, 10, 10), 0);
	/* Closing one fd of the description leaves the lock. */
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_GETLK(b, F_OFD_GETLK, F_RDLCK, 0, 0, F_WRLCK, 0, 20, -1);
	CHECK_ERR(set(b, F_OFD_SETLK, F_RDLCK, 19, 1), EAGAIN);
	/* The last close takes it. */
	CHECK_EQ(SYS1(SYS_close, d), 0);
	CHECK_FREE(b, F_OFD_GETLK);
	CHECK_EQ(set(b, F_OFD_SETLK, F_WRLCK, 0, 0), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
	/* A lock of a closed description does not outlive it. */
	a = open_rw("f");
	CHECK_FREE(a, F_OFD_GETLK);
	CHECK_FREE(a, F_GETLK);
	CHECK_EQ(SYS1(SYS_close, a), 0);
}

int main(void)
{
	scratch_enter("locks");
	test_ofd_conflicts();
	test_split_merge();
	test_ranges();
	test_access_mode();
	test_posix_vs_ofd();
	test_posix_close_releases();
	test_ofd_close();
	scratch_leave();
	return guest_done();
}
