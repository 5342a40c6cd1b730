// SPDX-License-Identifier: Apache-2.0
/*
 * splice, tee and vmsplice (splice(2), tee(2), vmsplice(2)): data moved
 * between a pipe and a file, between two pipes, duplicated from pipe to
 * pipe, and between a pipe and the caller's memory; the offsets of a file
 * side read and written back, or the file's position moved; the errors in
 * Linux's order; EPIPE with SIGPIPE (blocked here, so it stays pending).
 * One process: nothing here may block, so every wait would be EAGAIN, end
 * of file or EPIPE.
 */
#include "scratch.h"

#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#define BAD_PTR ((void *)1)
#define NB	SPLICE_F_NONBLOCK

static long do_splice(long in, void *off_in, long out, void *off_out,
		      size_t len, unsigned flags)
{
	return SYS6(SYS_splice, in, off_in, out, off_out, len, flags);
}

static void make_pipe(int p[2], int flags)
{
	CHECK_EQ(SYS2(SYS_pipe2, p, flags), 0);
}

static void close_pipe(const int p[2])
{
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
}

/* The bytes waiting in a pipe (FIONREAD). */
static long queued(int fd)
{
	int n = -1;

	CHECK_EQ(SYS3(SYS_ioctl, fd, FIONREAD, &n), 0);
	return n;
}

/* The pipe holds exactly want; read it out without ever blocking. */
static void expect_pipe(int fd, const char *want)
{
	char buf[256];
	long n = (long)strlen(want);

	CHECK_EQ(queued(fd), n);
	if (n <= 0 || queued(fd) != n)
		return;
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), n);
	CHECK(memcmp(buf, want, (size_t)n) == 0);
}

static long file_pos(long fd)
{
	return SYS3(SYS_lseek, fd, 0, SEEK_CUR);
}

/* Fill a pipe to the brim with non-blocking writes. */
static void fill_pipe(int wfd)
{
	static char junk[4096];
	long fl = SYS2(SYS_fcntl, wfd, F_GETFL);

	CHECK_EQ(SYS3(SYS_fcntl, wfd, F_SETFL, fl | O_NONBLOCK), 0);
	while (SYS3(SYS_write, wfd, junk, sizeof(junk)) > 0)
		;
	CHECK_ERR(SYS3(SYS_write, wfd, junk, 1), EAGAIN);
	CHECK_EQ(SYS3(SYS_fcntl, wfd, F_SETFL, fl), 0);
}

static void test_file_to_pipe(void)
{
	int p[2];
	long fd;
	loff_t off;

	put_file("data", "hello world");
	fd = SYS2(SYS_open, "data", O_RDONLY);
	CHECK_OK(fd);
	make_pipe(p, 0);
	/* Without an offset: from the file's position, which moves. */
	CHECK_EQ(do_splice(fd, NULL, p[1], NULL, 5, 0), 5);
	CHECK_EQ(file_pos(fd), 5);
	expect_pipe(p[0], "hello");
	/* With one: from there, written back; the position stays. */
	off = 6;
	CHECK_EQ(do_splice(fd, &off, p[1], NULL, 100, SPLICE_F_MOVE), 5);
	CHECK_EQ(off, 11);
	CHECK_EQ(file_pos(fd), 5);
	expect_pipe(p[0], "world");
	/* At the end of the file: nothing, and the offset stays. */
	CHECK_EQ(do_splice(fd, &off, p[1], NULL, 100, 0), 0);
	CHECK_EQ(off, 11);
	CHECK_EQ(do_splice(fd, NULL, p[1], NULL, 3, SPLICE_F_MORE), 3);
	CHECK_EQ(file_pos(fd), 8);
	expect_pipe(p[0], " wo");
	/* Offsets: negative or past what an offset holds is EINVAL. */
	off = -1;
	CHECK_ERR(do_splice(fd, &off, p[1], NULL, 1, 0), EINVAL);
	off = INT64_MAX - 10;
	CHECK_ERR(do_splice(fd, &off, p[1], NULL, 100, 0), EINVAL);
	CHECK_ERR(do_splice(fd, NULL, p[1], NULL, (size_t)INT64_MAX + 1, 0),
		  EINVAL);
	CHECK_ERR(do_splice(fd, BAD_PTR, p[1], NULL, 1, 0), EFAULT);
	CHECK_EQ(queued(p[0]), 0);
	/* A full pipe: EAGAIN without waiting. */
	fill_pipe(p[1]);
	CHECK_ERR(do_splice(fd, NULL, p[1], NULL, 1, NB), EAGAIN);
	CHECK_EQ(file_pos(fd), 8);
	close_pipe(p);
	/* The pipe's own O_NONBLOCK counts too. */
	make_pipe(p, O_NONBLOCK);
	fill_pipe(p[1]);
	CHECK_ERR(do_splice(fd, NULL, p[1], NULL, 1, 0), EAGAIN);
	close_pipe(p);
	SYS1(SYS_close, fd);
}

static void test_pipe_to_file(void)
{
	char buf[16] = {0};
	int p[2];
	long fd, ap;
	loff_t off;

	put_file("out", "abcdefgh");
	fd = SYS2(SYS_open, "out", O_RDWR);
	CHECK_OK(fd);
	make_pipe(p, 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 2, SEEK_SET), 2);
	CHECK_EQ(SYS3(SYS_write, p[1], "QRS", 3), 3);
	off = 1;
	CHECK_EQ(do_splice(p[0], NULL, fd, &off, 10, 0), 3);
	CHECK_EQ(off, 4);
	CHECK_EQ(file_pos(fd), 2);
	CHECK_EQ(SYS3(SYS_write, p[1], "TUVWX", 5), 5);
	/* Only len bytes go; the rest stays in the pipe. */
	CHECK_EQ(do_splice(p[0], NULL, fd, NULL, 2, 0), 2);
	CHECK_EQ(file_pos(fd), 4);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 8);
	CHECK(memcmp(buf, "aQTUefgh", 8) == 0);
	expect_pipe(p[0], "VWX");
	/* An empty pipe: EAGAIN when not to wait. */
	CHECK_ERR(do_splice(p[0], NULL, fd, NULL, 10, NB), EAGAIN);
	off = -1;
	CHECK_ERR(do_splice(p[0], NULL, fd, &off, 10, NB), EINVAL);
	CHECK_ERR(do_splice(p[0], NULL, fd, NULL, (size_t)-1, NB), EINVAL);
	CHECK_ERR(do_splice(p[0], NULL, fd, BAD_PTR, 10, NB), EFAULT);
	/* O_APPEND output is refused. */
	ap = SYS2(SYS_open, "out", O_WRONLY | O_APPEND);
	CHECK_OK(ap);
	CHECK_ERR(do_splice(p[0], NULL, ap, NULL, 10, NB), EINVAL);
	SYS1(SYS_close, ap);
	/* No writer left and empty: end of file. */
	SYS1(SYS_close, p[1]);
	CHECK_EQ(do_splice(p[0], NULL, fd, NULL, 10, 0), 0);
	SYS1(SYS_close, p[0]);
	/* The pipe's O_NONBLOCK counts. */
	make_pipe(p, O_NONBLOCK);
	CHECK_ERR(do_splice(p[0], NULL, fd, NULL, 10, 0), EAGAIN);
	close_pipe(p);
	SYS1(SYS_close, fd);
}

static void test_pipe_to_pipe(void)
{
	int p[2], q[2];
	loff_t off = 0;

	make_pipe(p, 0);
	make_pipe(q, 0);
	CHECK_EQ(SYS3(SYS_write, p[1], "abcdef", 6), 6);
	CHECK_EQ(do_splice(p[0], NULL, q[1], NULL, 4, 0), 4);
	expect_pipe(q[0], "abcd");
	CHECK_EQ(do_splice(p[0], NULL, q[1], NULL, (size_t)-1, 0), 2);
	expect_pipe(q[0], "ef");
	/* One pipe to itself: EINVAL, even when it would wait. */
	CHECK_ERR(do_splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL);
	/* No offsets on a pipe. */
	CHECK_ERR(do_splice(p[0], &off, q[1], NULL, 1, 0), ESPIPE);
	CHECK_ERR(do_splice(p[0], NULL, q[1], &off, 1, 0), ESPIPE);
	CHECK_ERR(do_splice(p[0], NULL, q[1], NULL, 1, NB), EAGAIN);
	/* Data in, no room out. */
	CHECK_EQ(SYS3(SYS_write, p[1], "x", 1), 1);
	fill_pipe(q[1]);
	CHECK_ERR(do_splice(p[0], NULL, q[1], NULL, 1, NB), EAGAIN);
	CHECK_EQ(queued(p[0]), 1);
	close_pipe(q);
	/* Either end's O_NONBLOCK counts. */
	make_pipe(q, O_NONBLOCK);
	CHECK_EQ(do_splice(p[0], NULL, q[1], NULL, 10, 0), 1);
	expect_pipe(q[0], "x");
	CHECK_ERR(do_splice(p[0], NULL, q[1], NULL, 10, 0), EAGAIN);
	/* End of file once the writer went. */
	SYS1(SYS_close, p[1]);
	CHECK_EQ(do_splice(p[0], NULL, q[1], NULL, 10, 0), 0);
	SYS1(SYS_close, p[0]);
	close_pipe(q);
}

static void test_errors(void)
{
	int p[2];
	long rd, wr;
	loff_t off = 0;

	put_file("e", "12345");
	rd = SYS2(SYS_open, "e", O_RDONLY);
	wr = SYS2(SYS_open, "e", O_WRONLY);
	CHECK(rd >= 0 && wr >= 0);
	make_pipe(p, 0);
	/* len 0 comes first, then the flags. */
	CHECK_EQ(do_splice(999, BAD_PTR, 999, BAD_PTR, 0, 0x100), 0);
	CHECK_ERR(do_splice(rd, NULL, p[1], NULL, 1, 0x10), EINVAL);
	CHECK_ERR(do_splice(999, NULL, p[1], NULL, 1, 0), EBADF);
	CHECK_ERR(do_splice(rd, NULL, 999, NULL, 1, 0), EBADF);
	/* ESPIPE, then EFAULT, then the access modes. */
	CHECK_ERR(do_splice(p[1], &off, p[1], NULL, 1, 0), ESPIPE);
	CHECK_ERR(do_splice(wr, BAD_PTR, p[1], NULL, 1, 0), EFAULT);
	CHECK_ERR(do_splice(wr, NULL, p[1], NULL, 1, 0), EBADF);
	CHECK_ERR(do_splice(p[0], NULL, rd, NULL, 1, NB), EBADF);
	CHECK_ERR(do_splice(p[1], NULL, wr, NULL, 1, NB), EBADF);
	CHECK_ERR(do_splice(rd, NULL, p[0], NULL, 1, NB), EBADF);
	/* Neither side a pipe. */
	CHECK_ERR(do_splice(rd, NULL, wr, NULL, 1, 0), EINVAL);
	CHECK_ERR(do_splice(rd, &off, wr, &off, 1, 0), EINVAL);
	close_pipe(p);
	SYS1(SYS_close, rd);
	SYS1(SYS_close, wr);
}

/* SIGPIPE is pending (blocked by the caller); take it. */
static void expect_sigpipe(void)
{
	struct timespec zero = {0, 0};
	sigset_t set, pend;

	sigemptyset(&pend);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK(sigismember(&pend, SIGPIPE));
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	CHECK_EQ(sigtimedwait(&set, NULL, &zero), SIGPIPE);
}

static void test_epipe(void)
{
	struct iovec v = {"abc", 3};
	sigset_t set, old;
	int g[2], p[2];
	long fd;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, &old), 0);
	put_file("src", "hello");
	fd = SYS2(SYS_open, "src", O_RDONLY);
	CHECK_OK(fd);
	make_pipe(g, 0);
	SYS1(SYS_close, g[0]);
	make_pipe(p, 0);
	CHECK_ERR(do_splice(fd, NULL, g[1], NULL, 5, 0), EPIPE);
	expect_sigpipe();
	CHECK_EQ(file_pos(fd), 0);
	CHECK_EQ(SYS3(SYS_write, p[1], "zz", 2), 2);
	CHECK_ERR(do_splice(p[0], NULL, g[1], NULL, 5, 0), EPIPE);
	expect_sigpipe();
	CHECK_ERR(SYS4(SYS_tee, p[0], g[1], 5, 0), EPIPE);
	expect_sigpipe();
	CHECK_ERR(SYS4(SYS_vmsplice, g[1], &v, 1, 0), EPIPE);
	expect_sigpipe();
	expect_pipe(p[0], "zz");
	close_pipe(p);
	SYS1(SYS_close, g[1]);
	SYS1(SYS_close, fd);
	CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
}

static void test_tee(void)
{
	char buf[16];
	int p[2], q[2];
	long fd;

	make_pipe(p, 0);
	make_pipe(q, 0);
	CHECK_EQ(SYS3(SYS_write, p[1], "hello", 5), 5);
	CHECK_EQ(SYS4(SYS_tee, p[0], q[1], 3, 0), 3);
	CHECK_EQ(queued(p[0]), 5);
	CHECK_EQ(SYS4(SYS_tee, p[0], q[1], (size_t)-1, 0), 5);
	CHECK_EQ(queued(q[0]), 8);
	CHECK_EQ(SYS3(SYS_read, q[0], buf, sizeof(buf)), 8);
	CHECK(memcmp(buf, "helhello", 8) == 0);
	expect_pipe(p[0], "hello");
	/* Flags come before len, then the fds, modes, and pipes. */
	CHECK_ERR(SYS4(SYS_tee, 999, 999, 0, 0x10), EINVAL);
	CHECK_EQ(SYS4(SYS_tee, 999, 999, 0, 0), 0);
	CHECK_ERR(SYS4(SYS_tee, 999, q[1], 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_tee, p[1], q[1], 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_tee, p[0], q[0], 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_tee, p[0], p[1], 1, 0), EINVAL);
	put_file("t", "x");
	fd = SYS2(SYS_open, "t", O_RDWR);
	CHECK_ERR(SYS4(SYS_tee, fd, q[1], 1, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_tee, p[0], fd, 1, 0), EINVAL);
	SYS1(SYS_close, fd);
	/* Empty: EAGAIN when not to wait; no room: the same. */
	CHECK_ERR(SYS4(SYS_tee, p[0], q[1], 1, NB), EAGAIN);
	CHECK_EQ(SYS3(SYS_write, p[1], "y", 1), 1);
	fill_pipe(q[1]);
	CHECK_ERR(SYS4(SYS_tee, p[0], q[1], 1, NB), EAGAIN);
	CHECK_EQ(queued(p[0]), 1);
	close_pipe(q);
	/* The O_NONBLOCK of either end counts. */
	make_pipe(q, O_NONBLOCK);
	fill_pipe(q[1]);
	CHECK_ERR(SYS4(SYS_tee, p[0], q[1], 1, 0), EAGAIN);
	close_pipe(q);
	make_pipe(q, 0);
	expect_pipe(p[0], "y");
	/* End of file once the writer went. */
	SYS1(SYS_close, p[1]);
	CHECK_EQ(SYS4(SYS_tee, p[0], q[1], 1, 0), 0);
	SYS1(SYS_close, p[0]);
	close_pipe(q);
}

static void test_vmsplice(void)
{
	static char big[200000];
	struct iovec w[2] = {{"ab", 2}, {"cde", 3}};
	struct iovec many[1025];
	char b1[2], b2[10];
	struct iovec r[2] = {{b1, sizeof(b1)}, {b2, sizeof(b2)}};
	struct iovec bad = {BAD_PTR, 8};
	struct iovec bv = {big, sizeof(big)};
	int p[2];
	long fd, n;

	make_pipe(p, 0);
	/* The write end: as writev. */
	CHECK_EQ(SYS4(SYS_vmsplice, p[1], w, 2, SPLICE_F_GIFT), 5);
	CHECK_EQ(queued(p[0]), 5);
	/* The read end: as readv. */
	memset(b2, 0, sizeof(b2));
	CHECK_EQ(SYS4(SYS_vmsplice, p[0], r, 2, 0), 5);
	CHECK(memcmp(b1, "ab", 2) == 0 && memcmp(b2, "cde", 3) == 0);
	CHECK_ERR(SYS4(SYS_vmsplice, p[0], r, 2, NB), EAGAIN);
	/* Segments: none is 0; more than IOV_MAX, EINVAL. */
	for (int i = 0; i < 1025; i++)
		many[i] = (struct iovec){"m", i == 1000};
	CHECK_EQ(SYS4(SYS_vmsplice, p[1], w, 0, 0), 0);
	CHECK_ERR(SYS4(SYS_vmsplice, p[1], many, 1025, 0), EINVAL);
	CHECK_EQ(SYS4(SYS_vmsplice, p[1], many, 1024, 0), 1);
	expect_pipe(p[0], "m");
	CHECK_ERR(SYS4(SYS_vmsplice, p[1], BAD_PTR, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_vmsplice, p[1], &bad, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_vmsplice, p[1], w, 1, 0x10), EINVAL);
	CHECK_ERR(SYS4(SYS_vmsplice, 999, w, 1, 0), EBADF);
	CHECK_EQ(SYS3(SYS_write, p[1], "q", 1), 1);
	CHECK_ERR(SYS4(SYS_vmsplice, p[0], &bad, 1, 0), EFAULT);
	CHECK_EQ(SYS3(SYS_read, p[0], b2, sizeof(b2)), 1);
	/* More than fits: what fits once there is room, with no wait. */
	n = SYS4(SYS_vmsplice, p[1], &bv, 1, 0);
	CHECK(n > 0 && n < (long)sizeof(big));
	CHECK_EQ(queued(p[0]), n);
	CHECK_ERR(SYS4(SYS_vmsplice, p[1], w, 2, NB), EAGAIN);
	close_pipe(p);
	/* Not a pipe: EBADF, but only with something to move. */
	put_file("v", "x");
	fd = SYS2(SYS_open, "v", O_RDWR);
	CHECK_OK(fd);
	CHECK_ERR(SYS4(SYS_vmsplice, fd, w, 2, 0), EBADF);
	CHECK_EQ(SYS4(SYS_vmsplice, fd, w, 0, 0), 0);
	SYS1(SYS_close, fd);
	/* A FIFO open for reading and writing is written. */
	CHECK_EQ(SYS4(SYS_mknodat, AT_FDCWD, "fifo", S_IFIFO | 0600, 0), 0);
	fd = SYS2(SYS_open, "fifo", O_RDWR);
	CHECK_OK(fd);
	CHECK_EQ(SYS4(SYS_vmsplice, fd, w, 2, 0), 5);
	CHECK_EQ(SYS4(SYS_vmsplice, fd, w, 1, 0), 2);
	CHECK_EQ(SYS3(SYS_read, fd, b2, sizeof(b2)), 7);
	CHECK(memcmp(b2, "abcdeab", 7) == 0);
	SYS1(SYS_close, fd);
	/* The read end after the writer went: end of file. */
	make_pipe(p, 0);
	SYS1(SYS_close, p[1]);
	CHECK_EQ(SYS4(SYS_vmsplice, p[0], r, 2, 0), 0);
	SYS1(SYS_close, p[0]);
}

/* The memory devices: /dev/zero as a source, /dev/null as a sink. */
static void test_devices(void)
{
	char buf[100];
	int p[2];
	long z = SYS2(SYS_open, "/dev/zero", O_RDONLY);
	long n = SYS2(SYS_open, "/dev/null", O_WRONLY);

	CHECK(z >= 0 && n >= 0);
	make_pipe(p, 0);
	CHECK_EQ(do_splice(z, NULL, p[1], NULL, sizeof(buf), 0), sizeof(buf));
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(SYS3(SYS_read, p[0], buf, 50), 50);
	CHECK(buf[0] == 0 && buf[49] == 0 && buf[50] == 1);
	CHECK_EQ(do_splice(p[0], NULL, n, NULL, 1000, 0), 50);
	CHECK_EQ(queued(p[0]), 0);
	close_pipe(p);
	SYS1(SYS_close, z);
	SYS1(SYS_close, n);
}

int main(void)
{
	umask(022);
	scratch_enter("splice");
	test_file_to_pipe();
	test_pipe_to_file();
	test_pipe_to_pipe();
	test_errors();
	test_epipe();
	test_tee();
	test_vmsplice();
	test_devices();
	scratch_leave();
	return guest_done();
}
