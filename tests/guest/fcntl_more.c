/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fcntl's owner, signal, lease, dnotify and write-hint commands, and the
 * commands an O_PATH file refuses.
 */
#include "scratch.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>

#define NO_PID 0x3fffffff /* above PID_MAX_LIMIT: never a process */

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef F_GET_RW_HINT
#define F_GET_RW_HINT 1035
#define F_SET_RW_HINT 1036
#endif
#define F_GET_FILE_RW_HINT 1037
#define F_SET_FILE_RW_HINT 1038
#define F_CANCELLK_NR	   1029

static long fcntl3(long fd, long cmd, long arg)
{
	return SYS3(SYS_fcntl, fd, cmd, arg);
}

static void check_owner_ex(long fd, int type, int pid)
{
	struct f_owner_ex o = {.type = 77, .pid = 77};

	CHECK_EQ(fcntl3(fd, F_GETOWN_EX, (long)&o), 0);
	CHECK_EQ(o.type, type);
	CHECK_EQ(o.pid, pid);
}

static void test_owner(void)
{
	long pid = SYS0(SYS_getpid), tid = SYS0(SYS_gettid);
	long fd = SYS3(SYS_open, "f", O_RDWR | O_CREAT, 0644), fd2, dupfd;
	struct f_owner_ex o;

	CHECK_OK(fd);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), 0);
	check_owner_ex(fd, F_OWNER_TID, 0);
	CHECK_EQ(fcntl3(fd, F_SETOWN, 0), 0);
	check_owner_ex(fd, F_OWNER_PID, 0);
	CHECK_EQ(fcntl3(fd, F_SETOWN, pid), 0);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), pid);
	check_owner_ex(fd, F_OWNER_PID, (int)pid);
	CHECK_ERR(fcntl3(fd, F_SETOWN, NO_PID), ESRCH);
	CHECK_ERR(fcntl3(fd, F_SETOWN, -NO_PID), ESRCH);
	CHECK_ERR(fcntl3(fd, F_SETOWN, INT_MIN), EINVAL);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), pid);

	/* The owner belongs to the open file description. */
	dupfd = SYS1(SYS_dup, fd);
	CHECK_EQ(fcntl3(dupfd, F_GETOWN, 0), pid);
	fd2 = SYS2(SYS_open, "f", O_RDONLY);
	CHECK_EQ(fcntl3(fd2, F_GETOWN, 0), 0);

	o = (struct f_owner_ex){.type = 3, .pid = (int)pid};
	CHECK_ERR(fcntl3(fd, F_SETOWN_EX, (long)&o), EINVAL);
	o = (struct f_owner_ex){.type = F_OWNER_PID, .pid = NO_PID};
	CHECK_ERR(fcntl3(fd, F_SETOWN_EX, (long)&o), ESRCH);
	o = (struct f_owner_ex){.type = F_OWNER_TID, .pid = -5};
	CHECK_ERR(fcntl3(fd, F_SETOWN_EX, (long)&o), ESRCH);
	CHECK_ERR(fcntl3(fd, F_SETOWN_EX, 8), EFAULT);
	CHECK_ERR(fcntl3(fd, F_GETOWN_EX, 8), EFAULT);
	o = (struct f_owner_ex){.type = F_OWNER_TID, .pid = (int)tid};
	CHECK_EQ(fcntl3(fd, F_SETOWN_EX, (long)&o), 0);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), tid);
	check_owner_ex(dupfd, F_OWNER_TID, (int)tid);
	o = (struct f_owner_ex){.type = F_OWNER_PGRP, .pid = 0};
	CHECK_EQ(fcntl3(fd, F_SETOWN_EX, (long)&o), 0);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), 0);
	check_owner_ex(fd, F_OWNER_PGRP, 0);

	/* F_SETSIG takes an int signal number, 0 to 64. */
	CHECK_EQ(fcntl3(fd, F_GETSIG, 0), 0);
	CHECK_EQ(fcntl3(fd, F_SETSIG, 64), 0);
	CHECK_EQ(fcntl3(dupfd, F_GETSIG, 0), 64);
	CHECK_EQ(fcntl3(fd2, F_GETSIG, 0), 0);
	CHECK_ERR(fcntl3(fd, F_SETSIG, 65), EINVAL);
	CHECK_ERR(fcntl3(fd, F_SETSIG, -1), EINVAL);
	CHECK_EQ(fcntl3(fd, F_GETSIG, 0), 64);
	CHECK_EQ(fcntl3(fd, F_SETSIG, 0x100000000L | SIGUSR1), 0);
	CHECK_EQ(fcntl3(fd, F_GETSIG, 0), SIGUSR1);
	CHECK_EQ(fcntl3(fd, F_SETSIG, 0), 0);

	SYS1(SYS_close, fd2);
	SYS1(SYS_close, dupfd);
	SYS1(SYS_close, fd);
}

static void test_lease(void)
{
	long pid = SYS0(SYS_getpid);
	long fd, dupfd, rd1, rd2, wr, dir;
	int p[2];

	/* Any file tells F_UNLCK; only regular files take a lease. */
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_EQ(fcntl3(p[0], F_GETLEASE, 0), F_UNLCK);
	CHECK_ERR(fcntl3(p[0], F_SETLEASE, F_RDLCK), EINVAL);
	dir = SYS2(SYS_open, ".", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(fcntl3(dir, F_GETLEASE, 0), F_UNLCK);
	CHECK_ERR(fcntl3(dir, F_SETLEASE, F_RDLCK), EINVAL);
	SYS1(SYS_close, dir);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);

	put_file("g", "lease");
	fd = SYS2(SYS_open, "g", O_RDWR);
	CHECK_OK(fd);
	CHECK_EQ(fcntl3(fd, F_GETLEASE, 0), F_UNLCK);
	CHECK_ERR(fcntl3(fd, F_SETLEASE, 7), EINVAL);
	/* No lease to drop. */
	CHECK_ERR(fcntl3(fd, F_SETLEASE, F_UNLCK), EAGAIN);
	/* Open for writing (by itself): no read lease. */
	CHECK_ERR(fcntl3(fd, F_SETLEASE, F_RDLCK), EAGAIN);
	/* The only open: a write lease; it makes the caller the owner. */
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), 0);
	CHECK_EQ(fcntl3(fd, F_SETLEASE, F_WRLCK), 0);
	CHECK_EQ(fcntl3(fd, F_GETLEASE, 0), F_WRLCK);
	CHECK_EQ(fcntl3(fd, F_GETOWN, 0), pid);
	dupfd = SYS1(SYS_dup, fd);
	CHECK_EQ(fcntl3(dupfd, F_GETLEASE, 0), F_WRLCK);
	CHECK_EQ(fcntl3(dupfd, F_SETLEASE, F_UNLCK), 0);
	CHECK_EQ(fcntl3(fd, F_GETLEASE, 0), F_UNLCK);
	SYS1(SYS_close, dupfd);
	SYS1(SYS_close, fd);

	/* Read leases share; a write lease wants no other open. */
	rd1 = SYS2(SYS_open, "g", O_RDONLY);
	rd2 = SYS2(SYS_open, "g", O_RDONLY);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_RDLCK), 0);
	CHECK_EQ(fcntl3(rd2, F_SETLEASE, F_RDLCK), 0);
	CHECK_EQ(fcntl3(rd1, F_GETLEASE, 0), F_RDLCK);
	CHECK_ERR(fcntl3(rd1, F_SETLEASE, F_WRLCK), EAGAIN);
	CHECK_EQ(fcntl3(rd2, F_SETLEASE, F_UNLCK), 0);
	CHECK_EQ(SYS1(SYS_close, rd2), 0);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_WRLCK), 0);
	CHECK_EQ(fcntl3(rd1, F_GETLEASE, 0), F_WRLCK);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_RDLCK), 0);
	CHECK_EQ(fcntl3(rd1, F_GETLEASE, 0), F_RDLCK);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_UNLCK), 0);
	/* A writer elsewhere: no lease at all. */
	wr = SYS2(SYS_open, "g", O_WRONLY);
	CHECK_OK(wr);
	CHECK_ERR(fcntl3(rd1, F_SETLEASE, F_RDLCK), EAGAIN);
	CHECK_ERR(fcntl3(rd1, F_SETLEASE, F_WRLCK), EAGAIN);
	CHECK_ERR(fcntl3(wr, F_SETLEASE, F_WRLCK), EAGAIN);
	SYS1(SYS_close, wr);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_RDLCK), 0);
	CHECK_EQ(fcntl3(rd1, F_SETLEASE, F_UNLCK), 0);
	SYS1(SYS_close, rd1);
	/* A write-only open alone may take a write lease. */
	wr = SYS2(SYS_open, "g", O_WRONLY);
	CHECK_EQ(fcntl3(wr, F_SETLEASE, F_WRLCK), 0);
	CHECK_EQ(fcntl3(wr, F_SETLEASE, F_UNLCK), 0);
	SYS1(SYS_close, wr);
}

static void test_notify(void)
{
	long pid = SYS0(SYS_getpid);
	long fd = SYS2(SYS_open, "g", O_RDONLY), dir;
	int p[2];

	CHECK_EQ(fcntl3(fd, F_NOTIFY, 0), 0);
	CHECK_EQ(fcntl3(fd, F_NOTIFY, DN_MULTISHOT), 0);
	CHECK_ERR(fcntl3(fd, F_NOTIFY, DN_CREATE), ENOTDIR);
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_ERR(fcntl3(p[0], F_NOTIFY, DN_MODIFY), ENOTDIR);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, fd);

	dir = SYS2(SYS_open, ".", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(fcntl3(dir, F_GETOWN, 0), 0);
	CHECK_EQ(fcntl3(dir, F_NOTIFY, DN_CREATE | DN_DELETE | DN_MULTISHOT),
		 0);
	/* The caller became the owner. */
	CHECK_EQ(fcntl3(dir, F_GETOWN, 0), pid);
	CHECK_EQ(fcntl3(dir, F_NOTIFY, 0), 0);
	SYS1(SYS_close, dir);
}

static void test_rw_hint(void)
{
	long fd = SYS2(SYS_open, "g", O_RDONLY), fd2;
	uint64_t h = 99;
	int p[2];

	CHECK_EQ(fcntl3(fd, F_GET_RW_HINT, (long)&h), 0);
	CHECK_EQ(h, 0);
	h = 3;
	CHECK_EQ(fcntl3(fd, F_SET_RW_HINT, (long)&h), 0);
	/* The hint is the inode's. */
	fd2 = SYS2(SYS_open, "g", O_RDONLY);
	h = 99;
	CHECK_EQ(fcntl3(fd2, F_GET_RW_HINT, (long)&h), 0);
	CHECK_EQ(h, 3);
	h = 6;
	CHECK_ERR(fcntl3(fd, F_SET_RW_HINT, (long)&h), EINVAL);
	CHECK_ERR(fcntl3(fd, F_SET_RW_HINT, 8), EFAULT);
	CHECK_ERR(fcntl3(fd, F_GET_RW_HINT, 8), EFAULT);
	h = 5;
	CHECK_EQ(fcntl3(fd, F_SET_RW_HINT, (long)&h), 0);
	CHECK_EQ(fcntl3(fd2, F_GET_RW_HINT, (long)&h), 0);
	CHECK_EQ(h, 5);
	h = 0;
	CHECK_EQ(fcntl3(fd, F_SET_RW_HINT, (long)&h), 0);
	/* The per-file hints are gone from Linux. */
	CHECK_ERR(fcntl3(fd, F_GET_FILE_RW_HINT, (long)&h), EINVAL);
	CHECK_ERR(fcntl3(fd, F_SET_FILE_RW_HINT, (long)&h), EINVAL);
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	h = 99;
	CHECK_EQ(fcntl3(p[0], F_GET_RW_HINT, (long)&h), 0);
	CHECK_EQ(h, 0);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, fd2);
	SYS1(SYS_close, fd);
}

static void test_misc(void)
{
	long fd = SYS2(SYS_open, "g", O_RDONLY), dupfd = SYS1(SYS_dup, fd);
	long fd2 = SYS2(SYS_open, "g", O_RDONLY), op;
	struct f_owner_ex o;
	uint64_t h;

	CHECK_EQ(fcntl3(fd, F_DUPFD_QUERY, dupfd), 1);
	CHECK_EQ(fcntl3(fd, F_DUPFD_QUERY, fd2), 0);
	CHECK_ERR(fcntl3(fd, F_DUPFD_QUERY, 999), EBADF);
	/* F_CANCELLK is the kernel's own; unknown commands are EINVAL. */
	CHECK_ERR(fcntl3(fd, F_CANCELLK_NR, 0), EINVAL);
	CHECK_ERR(fcntl3(fd, 12345, 0), EINVAL);

	/* O_PATH: only the fd commands and F_GETFL. */
	op = SYS2(SYS_open, "g", O_PATH);
	CHECK_OK(op);
	CHECK_ERR(fcntl3(op, F_GETOWN, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_SETOWN, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_GETOWN_EX, (long)&o), EBADF);
	CHECK_ERR(fcntl3(op, F_GETSIG, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_GETLEASE, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_NOTIFY, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_GET_RW_HINT, (long)&h), EBADF);
	CHECK_ERR(fcntl3(op, F_GETPIPE_SZ, 0), EBADF);
	CHECK_ERR(fcntl3(op, F_GET_SEALS, 0), EBADF);
	CHECK_EQ(fcntl3(op, F_GETFD, 0), 0);
	CHECK_EQ(fcntl3(op, F_DUPFD_QUERY, op), 1);
	SYS1(SYS_close, op);
	SYS1(SYS_close, fd2);
	SYS1(SYS_close, dupfd);
	SYS1(SYS_close, fd);
}

int main(void)
{
	scratch_enter("fcntl_more");
	test_owner();
	test_lease();
	test_notify();
	test_rw_hint();
	test_misc();
	scratch_leave();
	return guest_done();
}
