// SPDX-License-Identifier: Apache-2.0
/*
 * FIFOs (named pipes): mkfifo and mknod make them, open pairs readers and
 * writers on the inode's pipe (fifo(7), open(2)): a non-blocking writer
 * with no reader is ENXIO, a non-blocking reader opens alone, O_RDWR never
 * waits; data passes between any descriptions of the same FIFO; the pipe
 * and its data go when the last end closes; fstat describes the inode.
 * One process: a one-sided blocking open waits for a partner that never
 * comes, so those here are O_NONBLOCK or O_RDWR, or ended by a signal
 * (EINTR, the FIFO as it was).
 */
#include "scratch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>

static short revents(long fd, short events)
{
	struct pollfd p = {.fd = (int)fd, .events = events};

	CHECK_EQ(SYS3(SYS_poll, &p, 1, 0), p.revents ? 1 : 0);
	return p.revents;
}

static void test_make(void)
{
	struct stat st;

	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	CHECK_EQ(SYS4(SYS_mknodat, AT_FDCWD, "f", S_IFIFO | 0644, 0), 0);
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "f", &st, 0), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644 & ~umask(022));
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_ERR(SYS4(SYS_mknodat, AT_FDCWD, "f", S_IFIFO | 0644, 0), EEXIST);
	CHECK_ERR(SYS4(SYS_mknodat, AT_FDCWD, "nodir/f", S_IFIFO, 0), ENOENT);
	CHECK_ERR(SYS4(SYS_mknodat, AT_FDCWD, "d", S_IFIFO, 0), EEXIST);
	/* mkfifo is mknod with S_IFIFO. */
	CHECK_EQ(mkfifo("g", 0600), 0);
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "g", &st, 0), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(SYS1(SYS_unlink, "g"), 0);
	/* O_CREAT of an existing FIFO opens it; O_EXCL refuses. */
	CHECK_ERR(SYS3(SYS_open, "f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	/* A FIFO is not a directory, and cannot be opened as one. */
	CHECK_ERR(SYS3(SYS_open, "f", O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0),
		  ENOTDIR);
	CHECK_ERR(SYS3(SYS_open, "f/x", O_RDONLY | O_NONBLOCK, 0), ENOTDIR);
}

static void test_open_pairs(void)
{
	char buf[16];
	struct stat st, fst;
	long r, w;

	/* A non-blocking writer needs a reader. */
	CHECK_ERR(SYS3(SYS_open, "f", O_WRONLY | O_NONBLOCK, 0), ENXIO);
	r = SYS3(SYS_open, "f", O_RDONLY | O_NONBLOCK, 0);
	CHECK_OK(r);
	/* No writer yet: end of file, and not hung up before one came. */
	CHECK_EQ(SYS3(SYS_read, r, buf, sizeof(buf)), 0);
	CHECK_EQ(revents(r, POLLIN), 0);
	w = SYS3(SYS_open, "f", O_WRONLY | O_NONBLOCK, 0);
	CHECK_OK(w);
	CHECK_EQ(SYS3(SYS_read, r, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(revents(w, POLLOUT), POLLOUT);
	CHECK_EQ(SYS3(SYS_write, w, "hello", 5), 5);
	CHECK_EQ(revents(r, POLLIN), POLLIN);
	{
		int n = -1;

		CHECK_EQ(SYS3(SYS_ioctl, r, FIONREAD, &n), 0);
		CHECK_EQ(n, 5);
	}
	CHECK_EQ(SYS3(SYS_read, r, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	/* fstat describes the FIFO's inode, not an anonymous pipe. */
	CHECK_EQ(SYS2(SYS_fstat, r, &fst), 0);
	CHECK_EQ(SYS4(SYS_newfstatat, AT_FDCWD, "f", &st, 0), 0);
	CHECK(S_ISFIFO(fst.st_mode));
	CHECK_EQ(fst.st_ino, st.st_ino);
	CHECK_EQ(fst.st_dev, st.st_dev);
	/* Streams: no seeking, no positional I/O. */
	CHECK_ERR(SYS3(SYS_lseek, r, 0, SEEK_SET), ESPIPE);
	CHECK_ERR(SYS4(SYS_pread64, r, buf, 1, 0), ESPIPE);
	CHECK_ERR(SYS4(SYS_pwrite64, w, "x", 1, 0), ESPIPE);
	/* Each end keeps its access mode (and O_LARGEFILE, on 64 bits). */
	CHECK_ERR(SYS3(SYS_write, r, "x", 1), EBADF);
	CHECK_ERR(SYS3(SYS_read, w, buf, 1), EBADF);
	CHECK_EQ(SYS2(SYS_fcntl, r, F_GETFL), O_RDONLY | O_NONBLOCK | 0100000);
	CHECK_EQ(SYS2(SYS_fcntl, w, F_GETFL), O_WRONLY | O_NONBLOCK | 0100000);
	/* The last writer gone: end of file and POLLHUP for the reader. */
	CHECK_EQ(SYS1(SYS_close, w), 0);
	CHECK_EQ(revents(r, POLLIN) & POLLHUP, POLLHUP);
	CHECK_EQ(SYS3(SYS_read, r, buf, sizeof(buf)), 0);
	/* The last reader gone: a writer's write is EPIPE, poll POLLERR. */
	w = SYS3(SYS_open, "f", O_WRONLY | O_NONBLOCK, 0);
	CHECK_OK(w);
	CHECK_EQ(SYS1(SYS_close, r), 0);
	CHECK_EQ(revents(w, POLLOUT) & POLLERR, POLLERR);
	CHECK_ERR(SYS3(SYS_write, w, "x", 1), EPIPE);
	CHECK_EQ(SYS1(SYS_close, w), 0);
}

static void test_rdwr(void)
{
	char buf[16];
	long a, b, r;

	/* O_RDWR is both ends at once and never waits. */
	a = SYS3(SYS_open, "f", O_RDWR, 0);
	CHECK_OK(a);
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(SYS3(SYS_read, a, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(revents(a, POLLIN | POLLOUT), POLLOUT);
	/* Another open of the same FIFO shares the pipe. */
	b = SYS3(SYS_open, "f", O_RDWR | O_NONBLOCK, 0);
	CHECK_OK(b);
	CHECK_EQ(SYS3(SYS_write, a, "abc", 3), 3);
	CHECK_EQ(revents(b, POLLIN | POLLOUT), POLLIN | POLLOUT);
	CHECK_EQ(SYS3(SYS_read, b, buf, 2), 2);
	CHECK(memcmp(buf, "ab", 2) == 0);
	/* A non-blocking writer finds the reader that O_RDWR is. */
	r = SYS3(SYS_open, "f", O_WRONLY | O_NONBLOCK, 0);
	CHECK_OK(r);
	CHECK_EQ(SYS3(SYS_write, r, "de", 2), 2);
	CHECK_EQ(SYS3(SYS_read, a, buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "cde", 3) == 0);
	CHECK_EQ(SYS1(SYS_close, r), 0);
	/* The pipe's size is the FIFO's, and F_SETPIPE_SZ changes it. */
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETPIPE_SZ), 65536);
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETPIPE_SZ, 8192), 8192);
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETPIPE_SZ), 8192);
	/* Data left when the last end closes is gone with the pipe. */
	CHECK_EQ(SYS3(SYS_write, a, "lost", 4), 4);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
	a = SYS3(SYS_open, "f", O_RDWR | O_NONBLOCK, 0);
	CHECK_OK(a);
	CHECK_EQ(SYS3(SYS_read, a, buf, sizeof(buf)), -EAGAIN);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETPIPE_SZ), 65536);
	/* Unlinked while open: the open ends still work. */
	CHECK_EQ(SYS1(SYS_unlink, "f"), 0);
	CHECK_EQ(SYS3(SYS_write, a, "z", 1), 1);
	CHECK_EQ(SYS3(SYS_read, a, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'z');
	CHECK_EQ(SYS1(SYS_close, a), 0);
}

static void test_modes(void)
{
	long fd;

	CHECK_EQ(mkfifo("m", 0644), 0);
	/* O_ACCMODE 3 is neither reading nor writing: EINVAL on a FIFO. */
	CHECK_ERR(SYS3(SYS_open, "m", 3 | O_NONBLOCK, 0), EINVAL);
	/* O_TRUNC means nothing to a FIFO. */
	fd = SYS3(SYS_open, "m", O_RDWR | O_TRUNC, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	/* O_PATH opens without pairing. */
	fd = SYS3(SYS_open, "m", O_PATH, 0);
	CHECK_OK(fd);
	CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EBADF);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	/* Permission is the inode's. */
	if (SYS0(SYS_geteuid) != 0) {
		CHECK_EQ(SYS2(SYS_chmod, "m", 0200), 0);
		CHECK_ERR(SYS3(SYS_open, "m", O_RDONLY | O_NONBLOCK, 0),
			  EACCES);
	}
	CHECK_EQ(SYS1(SYS_unlink, "m"), 0);
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A blocking open alone is interrupted: EINTR, and nothing stays open. */
static void test_open_interrupted(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {.it_value = {0, 30000}};
	long fd;

	CHECK_EQ(SYS4(SYS_mknodat, AT_FDCWD, "w", S_IFIFO | 0600, 0), 0);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(SYS3(SYS_openat, AT_FDCWD, "w", O_RDONLY), EINTR);
	CHECK_EQ(alarms, 1);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(SYS3(SYS_openat, AT_FDCWD, "w", O_WRONLY), EINTR);
	CHECK_EQ(alarms, 2);
	/* No reader was left behind: a writer still finds none. */
	CHECK_ERR(SYS3(SYS_openat, AT_FDCWD, "w", O_WRONLY | O_NONBLOCK),
		  ENXIO);
	fd = SYS3(SYS_openat, AT_FDCWD, "w", O_RDONLY | O_NONBLOCK);
	CHECK(fd >= 0);
	SYS1(SYS_close, fd);
	CHECK_EQ(SYS1(SYS_unlink, "w"), 0);
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	/* Natively a write with no reader also raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	scratch_enter("fifo");
	test_make();
	test_open_pairs();
	test_rdwr();
	test_modes();
	test_open_interrupted();
	scratch_leave();
	return guest_done();
}
