// SPDX-License-Identifier: Apache-2.0
/*
 * close, dup, dup2, dup3, fcntl (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD,
 * F_SETFD, F_GETFL, F_SETFL), fstat and newfstatat(AT_EMPTY_PATH) on the
 * stdio fds; fd 0 is /dev/null, opened read-only.
 */
#include "guest.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define KADDR 0xffff800000000000UL
#define BADFD INT_MAX

static void check_close_dup(void)
{
	long a, b, c;

	CHECK_ERR(SYS1(SYS_close, -1), EBADF);
	CHECK_ERR(SYS1(SYS_close, BADFD), EBADF);

	/* dup: the lowest free fd, without FD_CLOEXEC. */
	a = SYS1(SYS_dup, 0);
	CHECK(a >= 3);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), 0);
	b = SYS1(SYS_dup, 0);
	CHECK(b > a);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_ERR(SYS1(SYS_close, a), EBADF);
	CHECK_ERR(SYS2(SYS_fcntl, a, F_GETFD), EBADF);
	c = SYS1(SYS_dup, b);
	CHECK_EQ(c, a);
	CHECK_ERR(SYS1(SYS_dup, -1), EBADF);
	CHECK_ERR(SYS1(SYS_dup, BADFD), EBADF);
	/* The fd is an int: the upper half of the register is ignored. */
	CHECK_EQ(SYS1(SYS_close, (1L << 32) | c), 0);
	CHECK_ERR(SYS1(SYS_close, c), EBADF);
	CHECK_EQ(SYS1(SYS_close, b), 0);

	/* dup2: to itself is a validity check. */
	CHECK_EQ(SYS2(SYS_dup2, 0, 0), 0);
	CHECK_EQ(SYS2(SYS_dup2, 2, 2), 2);
	CHECK_ERR(SYS2(SYS_dup2, -1, -1), EBADF);
	CHECK_ERR(SYS2(SYS_dup2, b, b), EBADF);
	CHECK_ERR(SYS2(SYS_dup2, b, 0), EBADF);
	CHECK_ERR(SYS2(SYS_dup2, 0, -1), EBADF);
	CHECK_ERR(SYS2(SYS_dup2, 0, BADFD), EBADF);
	/* To a free fd, and over an open one, which is closed first. */
	CHECK_EQ(SYS2(SYS_dup2, 1, b), b);
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETFL) & O_ACCMODE,
		 SYS2(SYS_fcntl, 1, F_GETFL) & O_ACCMODE);
	CHECK_EQ(SYS3(SYS_fcntl, b, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(SYS2(SYS_dup2, 0, b), b);
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETFL) & O_ACCMODE, O_RDONLY);
	/* dup2 clears FD_CLOEXEC on the new fd. */
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETFD), 0);

	/* dup3: flags are O_CLOEXEC only; the same fd twice is EINVAL. */
	CHECK_ERR(SYS3(SYS_dup3, 0, 0, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_dup3, -1, -1, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_dup3, 0, b, O_NONBLOCK), EINVAL);
	CHECK_ERR(SYS3(SYS_dup3, 0, b, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_dup3, -1, b, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_dup3, -1, b, 0), EBADF);
	CHECK_ERR(SYS3(SYS_dup3, 0, -1, 0), EBADF);
	CHECK_ERR(SYS3(SYS_dup3, 0, BADFD, O_CLOEXEC), EBADF);
	CHECK_EQ(SYS3(SYS_dup3, 0, b, O_CLOEXEC), b);
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS3(SYS_dup3, 2, b, 0), b);
	CHECK_EQ(SYS2(SYS_fcntl, b, F_GETFD), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
}

static void check_dupfd(void)
{
	struct rlimit old, lim;
	long a, b, c;

	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), 0);

	/* F_DUPFD: the lowest free fd at or above arg. */
	a = SYS3(SYS_fcntl, 0, F_DUPFD, 100);
	CHECK(a >= 100);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), 0);
	b = SYS3(SYS_fcntl, 0, F_DUPFD, a);
	CHECK(b > a);
	c = SYS3(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 100);
	CHECK(c > a && c != b);
	CHECK_EQ(SYS2(SYS_fcntl, c, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS3(SYS_fcntl, 1, F_DUPFD, 100), a);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS1(SYS_close, b), 0);
	CHECK_EQ(SYS1(SYS_close, c), 0);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD, -1), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD_CLOEXEC, INT_MIN), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD, old.rlim_cur), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD, BADFD), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, -1, F_DUPFD, 0), EBADF);
	CHECK_ERR(SYS3(SYS_fcntl, BADFD, F_DUPFD, -1), EBADF);

	/* RLIMIT_NOFILE: no free fd below it is EMFILE. */
	a = SYS3(SYS_fcntl, 0, F_DUPFD, 50);
	CHECK(a >= 50);
	lim = (struct rlimit){a + 1, old.rlim_max};
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &lim, NULL), 0);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD, a), EMFILE);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_DUPFD, a + 1), EINVAL);
	CHECK_ERR(SYS2(SYS_dup2, 0, a + 1), EBADF);
	CHECK_ERR(SYS3(SYS_dup3, 0, a + 1, 0), EBADF);
	/* dup2 onto the last fd allowed replaces it. */
	CHECK_EQ(SYS2(SYS_dup2, 1, a), a);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &old, NULL), 0);
}

static void check_flags(void)
{
	long fl0 = SYS2(SYS_fcntl, 0, F_GETFL);
	long fl1 = SYS2(SYS_fcntl, 1, F_GETFL);
	long a;

	CHECK_EQ(fl0 & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fl0 & (O_NONBLOCK | O_APPEND), 0);
	CHECK((fl1 & O_ACCMODE) == O_WRONLY || (fl1 & O_ACCMODE) == O_RDWR);
	CHECK_ERR(SYS2(SYS_fcntl, -1, F_GETFL), EBADF);
	CHECK_ERR(SYS2(SYS_fcntl, BADFD, F_GETFD), EBADF);
	CHECK_ERR(SYS3(SYS_fcntl, BADFD, F_SETFD, 0), EBADF);
	CHECK_ERR(SYS3(SYS_fcntl, -1, F_SETFL, 0), EBADF);

	/* FD_CLOEXEC belongs to the fd, not the open file description. */
	a = SYS1(SYS_dup, 0);
	CHECK(a >= 3);
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFD), 0);
	/* Only FD_CLOEXEC is kept. */
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFD, 0xfe), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), 0);
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFD, -1), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), FD_CLOEXEC);

	/* Status flags belong to the open file description: dups share. */
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0 | O_NONBLOCK);
	CHECK_EQ(SYS3(SYS_fcntl, 0, F_SETFL, O_APPEND), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0 | O_APPEND);
	/* Non-blocking /dev/null still reads end of file. */
	CHECK_EQ(SYS3(SYS_fcntl, 0, F_SETFL, O_NONBLOCK | O_APPEND), 0);
	CHECK_EQ(SYS3(SYS_read, a, &fl1, 1), 0);
	/* The access mode and the open-time flags cannot be changed. */
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFL, O_RDWR | O_CREAT | O_TRUNC), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0);
	CHECK_ERR(SYS3(SYS_write, a, &fl1, 1), EBADF);
	/* O_ASYNC is the file's to set (fasync); /dev/null has none. */
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFL, O_ASYNC), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0);
	CHECK_EQ(SYS3(SYS_fcntl, a, F_SETFL, ~(O_DIRECT | O_NOATIME)), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0 | O_NONBLOCK | O_APPEND);
	/* /dev/null cannot do direct I/O; a refusal changes nothing. */
	CHECK_EQ(SYS3(SYS_fcntl, 0, F_SETFL, fl0), 0);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_SETFL, O_DIRECT), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, 0, F_SETFL, O_DIRECT | O_APPEND), EINVAL);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0);
	/* Unknown commands. */
	CHECK_ERR(SYS3(SYS_fcntl, 0, 12345, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, -1, 12345, 0), EBADF);
	CHECK_EQ(SYS1(SYS_close, a), 0);
	/* Closing a dup leaves the original open. */
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0);
}

static void check_fstat(void)
{
	struct stat st, st2;
	char *p;
	long a;

	memset(&st, 0xff, sizeof(st));
	CHECK_EQ(SYS2(SYS_fstat, 0, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(st.st_rdev, makedev(1, 3));
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_ERR(SYS2(SYS_fstat, -1, &st), EBADF);
	CHECK_ERR(SYS2(SYS_fstat, BADFD, &st), EBADF);
	CHECK_ERR(SYS2(SYS_fstat, 0, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_fstat, 0, KADDR), EFAULT);
	CHECK_ERR(SYS2(SYS_fstat, -1, NULL), EBADF);

	/* Into read-only memory: EFAULT; into the page before it: fine. */
	p = (char *)SYS6(SYS_mmap, 0, 2 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)p > 0);
	CHECK_EQ(SYS3(SYS_mprotect, p + 4096, 4096, PROT_READ), 0);
	CHECK_EQ(SYS2(SYS_fstat, 0, p + 4096 - sizeof(st)), 0);
	CHECK_ERR(SYS2(SYS_fstat, 0, p + 4096 - sizeof(st) + 8), EFAULT);
	CHECK_ERR(SYS2(SYS_fstat, 0, p + 4096), EFAULT);
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * 4096), 0);

	/* A dup is the same file. */
	a = SYS1(SYS_dup, 1);
	CHECK_EQ(SYS2(SYS_fstat, 1, &st), 0);
	CHECK_EQ(SYS2(SYS_fstat, a, &st2), 0);
	CHECK_EQ(st.st_dev, st2.st_dev);
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_mode, st2.st_mode);
	CHECK_EQ(SYS1(SYS_close, a), 0);

	/* newfstatat with AT_EMPTY_PATH is fstat. */
	memset(&st2, 0, sizeof(st2));
	CHECK_EQ(SYS4(SYS_newfstatat, 0, "", &st2, AT_EMPTY_PATH), 0);
	CHECK_EQ(SYS2(SYS_fstat, 0, &st), 0);
	CHECK_EQ(st2.st_dev, st.st_dev);
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_mode, st.st_mode);
	CHECK_EQ(st2.st_rdev, st.st_rdev);
	CHECK_ERR(SYS4(SYS_newfstatat, -1, "", &st2, AT_EMPTY_PATH), EBADF);
	CHECK_ERR(SYS4(SYS_newfstatat, BADFD, "", &st2, AT_EMPTY_PATH), EBADF);
	CHECK_ERR(SYS4(SYS_newfstatat, 0, "", &st2, 0), ENOENT);
	CHECK_ERR(SYS4(SYS_newfstatat, 0, "", NULL, AT_EMPTY_PATH), EFAULT);
	CHECK_ERR(SYS4(SYS_newfstatat, 0, "", &st2, 0x40000000), EINVAL);
}

int main(void)
{
	check_close_dup();
	check_dupfd();
	check_flags();
	check_fstat();
	return guest_done();
}
