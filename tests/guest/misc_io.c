// SPDX-License-Identifier: Apache-2.0
/*
 * pipe, pipe2, poll, ppoll, sendfile, copy_file_range, preadv2, pwritev2,
 * close_range, fsync, fdatasync, POSIX record locks, futex wait and wake,
 * and xattr lookups, in a private scratch directory under /tmp.
 */
#include "guest.h"
#include "scratch.h"

#include <linux/falloc.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define BAD_PTR ((void *)1)

static void check_pipes(void)
{
	int p[2], n = -1;
	char buf[100000];
	struct pollfd pfd;

	CHECK_EQ(SYS2(SYS_pipe2, p, O_NONBLOCK | O_CLOEXEC), 0);
	CHECK_EQ(SYS2(SYS_fcntl, p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS2(SYS_fcntl, p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_ERR(SYS3(SYS_read, p[0], buf, 10), EAGAIN);
	CHECK_ERR(SYS3(SYS_write, p[0], "x", 1), EBADF);
	CHECK_ERR(SYS3(SYS_read, p[1], buf, 1), EBADF);
	/* Nothing to read yet: poll says so, and says the writer may write */
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, 0), 0);
	CHECK_EQ(pfd.revents, 0);
	pfd = (struct pollfd){.fd = p[1], .events = POLLOUT};
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLOUT);
	CHECK_EQ(SYS3(SYS_write, p[1], "hello", 5), 5);
	CHECK_EQ(SYS3(SYS_ioctl, p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 5);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, 1000), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK_EQ(SYS3(SYS_read, p[0], buf, sizeof(buf)), 5);
	/* A full pipe: 64 KiB by default, then EAGAIN */
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(SYS3(SYS_write, p[1], buf, sizeof(buf)), 65536);
	CHECK_ERR(SYS3(SYS_write, p[1], buf, 1), EAGAIN);
	CHECK_EQ(SYS1(SYS_close, p[1]), 0);
	/* The write end gone: the data, then end of file and POLLHUP */
	CHECK_EQ(SYS3(SYS_read, p[0], buf, sizeof(buf)), 65536);
	CHECK_EQ(SYS3(SYS_read, p[0], buf, 1), 0);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents & POLLHUP, POLLHUP);
	CHECK_EQ(SYS1(SYS_close, p[0]), 0);
	/* The read end gone: EPIPE (SIGPIPE ignored) */
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_EQ(SYS1(SYS_close, p[0]), 0);
	CHECK_ERR(SYS3(SYS_write, p[1], "x", 1), EPIPE);
	CHECK_EQ(SYS1(SYS_close, p[1]), 0);
	CHECK_ERR(SYS2(SYS_pipe2, p, O_RDWR), EINVAL);
	CHECK_ERR(SYS1(SYS_pipe, BAD_PTR), EFAULT);
	/* poll: bad fds are POLLNVAL; negative ones are skipped */
	{
		struct pollfd two[2] = {{.fd = 999, .events = POLLIN},
					{.fd = -1, .events = POLLIN}};

		CHECK_EQ(SYS3(SYS_poll, two, 2, 0), 1);
		CHECK_EQ(two[0].revents, POLLNVAL);
		CHECK_EQ(two[1].revents, 0);
		CHECK_ERR(SYS3(SYS_poll, BAD_PTR, 1, 0), EFAULT);
	}
	/* ppoll: a timeout of zero, and a bad one */
	{
		struct timespec zero = {0, 0}, bad = {0, 1000000000};

		CHECK_EQ(SYS4(SYS_ppoll, NULL, 0, &zero, NULL), 0);
		CHECK_ERR(SYS4(SYS_ppoll, NULL, 0, &bad, NULL), EINVAL);
	}
}

/*
 * Many pipes made and closed: the sentry frees their rings in bulk, which
 * once made its malloc probe a host file the sentry may not open.
 */
static void check_many_pipes(void)
{
	int p[16][2];

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 16; i++)
			CHECK_EQ(SYS1(SYS_pipe, p[i]), 0);
		for (int i = 15; i >= 0; i--) {
			CHECK_EQ(SYS1(SYS_close, p[i][0]), 0);
			CHECK_EQ(SYS1(SYS_close, p[i][1]), 0);
		}
	}
}

static void check_copies(void)
{
	long in = SYS4(SYS_openat, AT_FDCWD, "in", O_RDWR | O_CREAT, 0644);
	long out = SYS4(SYS_openat, AT_FDCWD, "out", O_RDWR | O_CREAT, 0644);
	off_t off = 2;
	loff_t ioff = 1, ooff = 0;
	char buf[64] = {0};
	struct iovec v = {buf, 5};

	CHECK(in >= 0 && out >= 0);
	CHECK_EQ(SYS3(SYS_write, in, "hello world\n", 12), 12);
	CHECK_EQ(SYS4(SYS_sendfile, out, in, &off, 5), 5);
	CHECK_EQ(off, 7);
	CHECK_EQ(SYS4(SYS_pread64, out, buf, sizeof(buf) - 1, 0), 5);
	CHECK_EQ(memcmp(buf, "llo w", 5), 0);
	/* Without an offset, sendfile uses and moves the file's position */
	CHECK_EQ(SYS3(SYS_lseek, in, 0, SEEK_SET), 0);
	CHECK_EQ(SYS4(SYS_sendfile, out, in, NULL, 3), 3);
	CHECK_EQ(SYS3(SYS_lseek, in, 0, SEEK_CUR), 3);
	CHECK_ERR(SYS4(SYS_sendfile, out, in, BAD_PTR, 3), EFAULT);
	CHECK_ERR(SYS4(SYS_sendfile, 999, in, NULL, 3), EBADF);
	CHECK_EQ(SYS6(SYS_copy_file_range, in, &ioff, out, &ooff, 4, 0), 4);
	CHECK_EQ(ioff, 5);
	CHECK_EQ(ooff, 4);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(SYS4(SYS_pread64, out, buf, 4, 0), 4);
	CHECK_EQ(memcmp(buf, "ello", 4), 0);
	CHECK_ERR(SYS6(SYS_copy_file_range, in, &ioff, out, &ooff, 4, 1),
		  EINVAL);
	/* preadv2/pwritev2: -1 is the file's position; unknown flags */
	CHECK_EQ(SYS3(SYS_lseek, in, 6, SEEK_SET), 6);
	CHECK_EQ(SYS6(SYS_preadv2, in, &v, 1, -1, 0, 0), 5);
	CHECK_EQ(memcmp(buf, "world", 5), 0);
	CHECK_EQ(SYS3(SYS_lseek, in, 0, SEEK_CUR), 11);
	CHECK_EQ(SYS6(SYS_preadv2, in, &v, 1, 0, 0, 0), 5);
	CHECK_EQ(SYS3(SYS_lseek, in, 0, SEEK_CUR), 11);
	CHECK_ERR(SYS6(SYS_preadv2, in, &v, 1, 0, 0, 0x10000), EOPNOTSUPP);
	CHECK_EQ(SYS6(SYS_pwritev2, out, &v, 1, 100, 0, 0), 5);
	/* fsync and fdatasync on files; EINVAL on a pipe; EBADF */
	CHECK_EQ(SYS1(SYS_fsync, out), 0);
	CHECK_EQ(SYS1(SYS_fdatasync, out), 0);
	CHECK_ERR(SYS1(SYS_fsync, 999), EBADF);
	{
		int p[2];

		CHECK_EQ(SYS1(SYS_pipe, p), 0);
		CHECK_ERR(SYS1(SYS_fsync, p[0]), EINVAL);
		/* close_range closes a range, and is EINVAL backwards */
		CHECK_EQ(SYS3(SYS_close_range, p[0], p[1], 0), 0);
		CHECK_ERR(SYS1(SYS_close, p[0]), EBADF);
		CHECK_ERR(SYS1(SYS_close, p[1]), EBADF);
		CHECK_ERR(SYS3(SYS_close_range, 10, 5, 0), EINVAL);
		CHECK_ERR(SYS3(SYS_close_range, 0, 5, 1 << 10), EINVAL);
	}
	CHECK_EQ(SYS1(SYS_close, in), 0);
	CHECK_EQ(SYS1(SYS_close, out), 0);
}

static void check_locks(void)
{
	long fd = SYS4(SYS_openat, AT_FDCWD, "locked", O_RDWR | O_CREAT, 0644);
	long ro = SYS4(SYS_openat, AT_FDCWD, "locked", O_RDONLY, 0);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	CHECK(fd >= 0 && ro >= 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETLK, &fl), 0);
	/* Our own locks never conflict with us: F_GETLK finds none */
	fl.l_type = F_WRLCK;
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETLK, &fl), 0);
	CHECK_EQ(fl.l_type, F_UNLCK);
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETLKW, &fl), 0);
	/* A write lock needs a writable fd */
	CHECK_ERR(SYS3(SYS_fcntl, ro, F_SETLK, &fl), EBADF);
	fl.l_type = F_RDLCK;
	CHECK_EQ(SYS3(SYS_fcntl, ro, F_SETLK, &fl), 0);
	fl.l_type = 7;
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETLK, &fl), EINVAL);
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = 9};
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETLK, &fl), EINVAL);
	fl = (struct flock){.l_type = F_RDLCK, .l_start = -5};
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETLK, &fl), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETLK, BAD_PTR), EFAULT);
	fl = (struct flock){.l_type = F_UNLCK};
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETLK, &fl), 0);
	SYS1(SYS_close, fd);
	SYS1(SYS_close, ro);
}

static void check_flock(void)
{
	long a = SYS4(SYS_openat, AT_FDCWD, "fl", O_RDWR | O_CREAT, 0644);
	long b = SYS4(SYS_openat, AT_FDCWD, "fl", O_RDONLY, 0);
	long dup_a;

	CHECK(a >= 0 && b >= 0);
	CHECK_EQ(SYS2(SYS_flock, a, LOCK_EX), 0);
	/* Another open file description conflicts, even in this process */
	CHECK_ERR(SYS2(SYS_flock, b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_ERR(SYS2(SYS_flock, b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	/* A dup shares the description, and its lock */
	dup_a = SYS1(SYS_dup, a);
	CHECK_EQ(SYS2(SYS_flock, dup_a, LOCK_EX), 0);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_ERR(SYS2(SYS_flock, b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	/* The last close of the description releases it */
	CHECK_EQ(SYS1(SYS_close, dup_a), 0);
	CHECK_EQ(SYS2(SYS_flock, b, LOCK_SH | LOCK_NB), 0);
	/* Shared locks share; converting to exclusive needs the others gone */
	a = SYS4(SYS_openat, AT_FDCWD, "fl", O_RDONLY, 0);
	CHECK_EQ(SYS2(SYS_flock, a, LOCK_SH | LOCK_NB), 0);
	CHECK_ERR(SYS2(SYS_flock, a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	CHECK_EQ(SYS2(SYS_flock, b, LOCK_UN), 0);
	CHECK_EQ(SYS2(SYS_flock, a, LOCK_EX | LOCK_NB), 0);
	CHECK_ERR(SYS2(SYS_flock, a, LOCK_SH | LOCK_EX), EINVAL);
	/* LOCK_MAND is deprecated: accepted, and nothing happens */
	CHECK_EQ(SYS2(SYS_flock, a, 32 | LOCK_SH), 0);
	CHECK_ERR(SYS2(SYS_flock, 999, LOCK_SH), EBADF);
	SYS1(SYS_close, a);
	SYS1(SYS_close, b);
}

/* Zero bytes: done at once, empty or full, with or without the other
 * end (pipe_read's and pipe_write's first check). SIGALRM ends a hang. */
static void check_pipe_zero(void)
{
	struct iovec iov[2] = {{NULL, 0}, {NULL, 0}};
	char buf[4096];
	int p[2];

	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	SYS1(SYS_alarm, 5);
	CHECK_EQ(SYS3(SYS_read, p[0], buf, 0), 0);
	CHECK_EQ(SYS3(SYS_readv, p[0], iov, 2), 0);
	memset(buf, 'f', sizeof(buf));
	for (int i = 0; i < 16; i++)
		CHECK_EQ(SYS3(SYS_write, p[1], buf, sizeof(buf)), 4096);
	CHECK_EQ(SYS3(SYS_write, p[1], buf, 0), 0);
	CHECK_EQ(SYS3(SYS_writev, p[1], iov, 2), 0);
	CHECK_EQ(SYS1(SYS_close, p[0]), 0);
	CHECK_EQ(SYS3(SYS_write, p[1], buf, 0), 0); /* no reader: no EPIPE */
	CHECK_ERR(SYS3(SYS_write, p[1], buf, 1), EPIPE);
	SYS1(SYS_alarm, 0);
	CHECK_EQ(SYS1(SYS_close, p[1]), 0);
}

static void check_pipe_size(void)
{
	int p[2];
	long f = SYS4(SYS_openat, AT_FDCWD, "sz", O_RDWR | O_CREAT, 0644);
	char buf[10000];

	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_EQ(SYS2(SYS_fcntl, p[0], F_GETPIPE_SZ), 65536);
	/* Rounded up to a power of two pages */
	CHECK_EQ(SYS3(SYS_fcntl, p[1], F_SETPIPE_SZ, 5000), 8192);
	CHECK_EQ(SYS2(SYS_fcntl, p[0], F_GETPIPE_SZ), 8192);
	memset(buf, 'q', sizeof(buf));
	CHECK_EQ(SYS3(SYS_write, p[1], buf, 6000), 6000);
	/* Not below what it holds */
	CHECK_ERR(SYS3(SYS_fcntl, p[1], F_SETPIPE_SZ, 4096), EBUSY);
	CHECK_EQ(SYS3(SYS_fcntl, p[1], F_SETPIPE_SZ, 16384), 16384);
	CHECK_EQ(SYS3(SYS_read, p[0], buf, sizeof(buf)), 6000);
	CHECK_EQ(SYS3(SYS_fcntl, p[1], F_SETPIPE_SZ, 0), 4096);
	CHECK_ERR(SYS2(SYS_fcntl, f, F_GETPIPE_SZ), EBADF);
	CHECK_ERR(SYS3(SYS_fcntl, f, F_SETPIPE_SZ, 4096), EBADF);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, f);
}

static void check_memfd(void)
{
	long fd = SYS2(SYS_memfd_create, "moat-test", MFD_ALLOW_SEALING);
	long plain = SYS2(SYS_memfd_create, "plain", MFD_CLOEXEC);
	char name[300], buf[16];
	struct stat st;

	CHECK(fd >= 0 && plain >= 0);
	CHECK_EQ(SYS2(SYS_fcntl, plain, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_EQ(SYS3(SYS_write, fd, "memfd data", 10), 10);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 10);
	CHECK_EQ(memcmp(buf, "memfd data", 10), 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 4096), 0);
	/* Seals: none yet; grow and shrink forbidden once added */
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GET_SEALS), 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW),
		 0);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 100), EPERM);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 8192), EPERM);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, 4096), EPERM);
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "x", 1, 0), 1);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL),
		 0);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, 0), EPERM);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	/* Without MFD_ALLOW_SEALING it comes sealed against sealing */
	CHECK_EQ(SYS2(SYS_fcntl, plain, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERR(SYS3(SYS_fcntl, plain, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	/* No seals on other files; bad names and flags */
	CHECK_ERR(SYS2(SYS_fcntl, 0, F_GET_SEALS), EINVAL);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK_ERR(SYS2(SYS_memfd_create, name, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_memfd_create, "x", 0x100), EINVAL);
	CHECK_ERR(SYS2(SYS_memfd_create, BAD_PTR, 0), EFAULT);
	SYS1(SYS_close, fd);
	SYS1(SYS_close, plain);
}

static void check_fallocate(void)
{
	long fd = SYS4(SYS_openat, AT_FDCWD, "fa", O_RDWR | O_CREAT, 0644);
	long ro = SYS4(SYS_openat, AT_FDCWD, "fa", O_RDONLY, 0);
	char buf[4096], zeros[4096] = {0};
	struct stat st;
	int p[2];

	CHECK(fd >= 0 && ro >= 0);
	CHECK_EQ(SYS4(SYS_fallocate, fd, 0, 0, 8192), 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 8192);
	/* KEEP_SIZE allocates without growing */
	CHECK_EQ(SYS4(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 65536), 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 8192);
	/* A punched hole reads as zeros; the size stays */
	memset(buf, 'h', sizeof(buf));
	CHECK_EQ(SYS4(SYS_pwrite64, fd, buf, sizeof(buf), 0), 4096);
	CHECK_EQ(SYS4(SYS_fallocate, fd,
		      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096),
		 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 4096);
	CHECK_EQ(memcmp(buf, zeros, sizeof(buf)), 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 8192);
	/* Argument errors, in Linux's order */
	CHECK_ERR(SYS4(SYS_fallocate, fd, 0, 0, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_fallocate, fd, 0, -1, 10), EINVAL);
	CHECK_ERR(SYS4(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE, 0, 10),
		  EOPNOTSUPP);
	CHECK_ERR(SYS4(SYS_fallocate, ro, 0, 0, 10), EBADF);
	CHECK_ERR(SYS4(SYS_fallocate, 999, 0, 0, 10), EBADF);
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_ERR(SYS4(SYS_fallocate, p[1], 0, 0, 10), ESPIPE);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, fd);
	SYS1(SYS_close, ro);
}

static void check_futex(void)
{
	static int word = 5;
	struct timespec ts = {0, 1000000};

	/* No waiters: nobody to wake */
	CHECK_EQ(SYS3(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1), 0);
	/* The value differs: EAGAIN at once */
	CHECK_ERR(SYS4(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 6, NULL), EAGAIN);
	/* It matches: wait out the timeout */
	CHECK_ERR(SYS4(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &ts),
		  ETIMEDOUT);
	CHECK_ERR(
	    SYS4(SYS_futex, (char *)&word + 1, FUTEX_WAIT_PRIVATE, 5, &ts),
	    EINVAL);
	CHECK_ERR(SYS4(SYS_futex, BAD_PTR, FUTEX_WAIT_PRIVATE, 5, &ts), EINVAL);
	ts.tv_nsec = 1000000000;
	CHECK_ERR(SYS4(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &ts), EINVAL);
}

static void check_xattr(void)
{
	char buf[64];

	put_file("plain", "x");
	CHECK_ERR(SYS4(SYS_getxattr, "plain", "user.none", buf, sizeof(buf)),
		  ENODATA);
	CHECK_ERR(SYS4(SYS_lgetxattr, "missing", "user.none", buf, sizeof(buf)),
		  ENOENT);
	CHECK_ERR(SYS4(SYS_getxattr, "plain", "", buf, sizeof(buf)), ERANGE);
	CHECK_ERR(SYS2(SYS_removexattr, "plain", "user.none"), ENODATA);
	CHECK_ERR(SYS4(SYS_fgetxattr, 999, "user.none", buf, sizeof(buf)),
		  EBADF);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	scratch_enter("misc_io");
	check_pipes();
	check_many_pipes();
	check_copies();
	check_locks();
	check_flock();
	check_pipe_size();
	check_pipe_zero();
	check_memfd();
	check_fallocate();
	check_futex();
	check_xattr();
	scratch_leave();
	return guest_done();
}
