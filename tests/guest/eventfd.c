// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd(2) and eventfd2: the counter read whole or (EFD_SEMAPHORE) one
 * at a time, writes adding up, EAGAIN where a non-blocking read or write
 * would wait, EINVAL for short buffers, the all-ones value and unknown
 * flags, readiness for poll, an anonymous inode (mode 0600, no type;
 * "anon_inode:[eventfd]"), and a blocked read ended by a signal.
 */
#include "guest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

int main(void)
{
	uint64_t v;
	struct pollfd pfd;
	struct stat st;
	char link[64], path[64];
	int fd, fl;
	long n;

	fd = (int)SYS2(SYS_eventfd2, 3, EFD_NONBLOCK);
	CHECK(fd >= 0);
	/* Whole count, then empty. */
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 3);
	CHECK_ERR(SYS3(SYS_read, fd, &v, 8), EAGAIN);
	/* Writes add up; a longer buffer moves 8 bytes. */
	v = 5;
	CHECK_EQ(write(fd, &v, 8), 8);
	v = 7;
	CHECK_EQ(write(fd, &v, 8), 8);
	{
		uint64_t big[2] = {0, 0};

		CHECK_EQ(read(fd, big, 16), 8);
		CHECK_EQ(big[0], 12);
	}
	/* Short buffers, the all-ones value. */
	CHECK_ERR(SYS3(SYS_read, fd, &v, 7), EINVAL);
	CHECK_ERR(SYS3(SYS_write, fd, &v, 4), EINVAL);
	v = UINT64_MAX;
	CHECK_ERR(SYS3(SYS_write, fd, &v, 8), EINVAL);
	/* Up to 2^64-2; past it a write would wait. */
	v = UINT64_MAX - 1;
	CHECK_EQ(write(fd, &v, 8), 8);
	v = 1;
	CHECK_ERR(SYS3(SYS_write, fd, &v, 8), EAGAIN);
	v = 0;
	CHECK_EQ(write(fd, &v, 8), 8);
	pfd = (struct pollfd){.fd = fd, .events = POLLIN | POLLOUT};
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, UINT64_MAX - 1);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLOUT);
	/* Bad pointers: a write adds nothing; a read loses the count. */
	CHECK_ERR(SYS3(SYS_write, fd, 8, 8), EFAULT);
	v = 2;
	CHECK_EQ(write(fd, &v, 8), 8);
	CHECK_ERR(SYS3(SYS_read, fd, 8, 8), EFAULT);
	CHECK_ERR(SYS3(SYS_read, fd, &v, 8), EAGAIN);
	/* readv across iovecs. */
	{
		uint32_t lo = 0, hi = 0;
		struct iovec iov[2] = {{&lo, 4}, {&hi, 4}};

		v = 0x100000002ULL;
		CHECK_EQ(write(fd, &v, 8), 8);
		CHECK_EQ(readv(fd, iov, 2), 8);
		CHECK_EQ(lo, 2);
		CHECK_EQ(hi, 1);
	}
	/* An anonymous inode. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode, 0600);
	CHECK_EQ(st.st_nlink, 1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(link, "anon_inode:[eventfd]"));
	fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	CHECK_EQ(SYS3(SYS_lseek, fd, 5, SEEK_SET), 0);
	CHECK_ERR(SYS4(SYS_pread64, fd, &v, 8, 0), ESPIPE);
	close(fd);

	/* Semaphore: one at a time. */
	fd = (int)SYS2(SYS_eventfd2, 2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_EQ(read(fd, &v, 8), 8);
	CHECK_EQ(v, 1);
	CHECK_ERR(SYS3(SYS_read, fd, &v, 8), EAGAIN);
	close(fd);

	/* Flags. */
	CHECK_ERR(SYS2(SYS_eventfd2, 0, 4), EINVAL);
	CHECK_ERR(SYS2(SYS_eventfd2, 0, O_RDWR), EINVAL);
	fd = (int)SYS2(SYS_eventfd2, 0, EFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	/* The initial value is an unsigned int. */
	{
		int e = (int)SYS1(SYS_eventfd, 0x100000005L);

		CHECK(e >= 0);
		CHECK_EQ(fcntl(e, F_GETFD), 0);
		fcntl(e, F_SETFL, O_NONBLOCK);
		CHECK_EQ(read(e, &v, 8), 8);
		CHECK_EQ(v, 5);
		close(e);
	}

	/* A blocked read ends with a signal: EINTR without SA_RESTART. */
	{
		struct sigaction sa = {.sa_handler = on_alarm};

		sigaction(SIGALRM, &sa, NULL);
	}
	{
		struct itimerval it = {.it_value = {0, 30000}};

		setitimer(ITIMER_REAL, &it, NULL);
		CHECK_ERR(SYS3(SYS_read, fd, &v, 8), EINTR);
		CHECK_EQ(alarms, 1);
	}
	close(fd);
	return guest_done();
}
