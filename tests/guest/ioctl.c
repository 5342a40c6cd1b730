// SPDX-License-Identifier: Apache-2.0
/*
 * ioctl on the stdio fds: the generic commands every file takes (FIOCLEX,
 * FIONCLEX, FIONBIO, FIOASYNC) and the terminal and FIONREAD commands,
 * which /dev/null (fd 0) does not know.
 */
#include "guest.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>

#define KADDR 0xffff800000000000UL
#define BADFD INT_MAX

/* On fds 1 and 2 when they are pipes or files, never terminals. */
static void check_not_tty(int fd)
{
	struct termios tio;
	struct winsize ws;
	struct stat st;

	if (SYS2(SYS_fstat, fd, &st) != 0 ||
	    !(S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode)))
		return;
	CHECK_ERR(SYS3(SYS_ioctl, fd, TCGETS, &tio), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, fd, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, fd, TIOCGPGRP, &ws), ENOTTY);
}

int main(void)
{
	long fl0 = SYS2(SYS_fcntl, 0, F_GETFL);
	struct termios tio;
	struct winsize ws;
	int *ro;
	int on, n;
	long a;

	/* A closed or negative fd: EBADF, whatever the command. */
	CHECK_ERR(SYS3(SYS_ioctl, -1, TCGETS, &tio), EBADF);
	CHECK_ERR(SYS3(SYS_ioctl, BADFD, FIOCLEX, 0), EBADF);
	CHECK_ERR(SYS3(SYS_ioctl, -1, FIONBIO, NULL), EBADF);
	CHECK_ERR(SYS3(SYS_ioctl, BADFD, FIONREAD, &n), EBADF);
	CHECK_ERR(SYS3(SYS_ioctl, -1, 0x12345678, 0), EBADF);

	/* /dev/null is no terminal; the argument is not looked at. */
	CHECK_ERR(SYS3(SYS_ioctl, 0, TCGETS, &tio), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, TCGETS, NULL), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, TIOCGWINSZ, &ws), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, TIOCGWINSZ, KADDR), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, TIOCGPGRP, &n), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, 0x12345678, 0), ENOTTY);
	/* FIONREAD is for regular files, pipes, sockets and terminals. */
	CHECK_ERR(SYS3(SYS_ioctl, 0, FIONREAD, &n), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, 0, FIONREAD, NULL), ENOTTY);
	/* FIOQSIZE is for regular files, directories and symlinks. */
	CHECK_ERR(SYS3(SYS_ioctl, 0, FIOQSIZE, &n), ENOTTY);
	check_not_tty(1);
	check_not_tty(2);

	/* FIOCLEX/FIONCLEX: the fd's close-on-exec, argument unused. */
	a = SYS1(SYS_dup, 0);
	CHECK(a >= 3);
	CHECK_EQ(SYS3(SYS_ioctl, a, FIOCLEX, KADDR), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFD), 0);
	CHECK_EQ(SYS3(SYS_ioctl, a, FIOCLEX, 0), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS3(SYS_ioctl, a, FIONCLEX, 1), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), 0);
	CHECK_EQ(SYS3(SYS_ioctl, a, FIONCLEX, 0), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFD), 0);

	/* FIONBIO: an int, nonzero sets O_NONBLOCK on the description. */
	on = 1;
	CHECK_EQ(SYS3(SYS_ioctl, a, FIONBIO, &on), 0);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0 | O_NONBLOCK);
	on = 0;
	CHECK_EQ(SYS3(SYS_ioctl, 0, FIONBIO, &on), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0);
	on = INT_MIN;
	CHECK_EQ(SYS3(SYS_ioctl, a, FIONBIO, &on), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0 | O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_ioctl, a, FIONBIO, NULL), EFAULT);
	CHECK_ERR(SYS3(SYS_ioctl, a, FIONBIO, KADDR), EFAULT);
	/* A fault changes nothing. */
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0 | O_NONBLOCK);

	/* The int is read from memory that may be read-only, not PROT_NONE. */
	ro = (int *)SYS6(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)ro > 0);
	CHECK_EQ(SYS3(SYS_mprotect, ro, 4096, PROT_READ), 0);
	CHECK_EQ(SYS3(SYS_mprotect, (char *)ro + 4096, 4096, PROT_NONE), 0);
	CHECK_EQ(SYS3(SYS_ioctl, a, FIONBIO, ro), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0);
	CHECK_ERR(SYS3(SYS_ioctl, a, FIONBIO, (char *)ro + 4096), EFAULT);
	/* Straddling into the PROT_NONE page. */
	CHECK_ERR(SYS3(SYS_ioctl, a, FIONBIO, (char *)ro + 4094), EFAULT);
	CHECK_EQ(SYS2(SYS_munmap, ro, 8192), 0);

	/*
	 * FIOASYNC: an int; changing O_ASYNC needs a file that can signal
	 * (fasync), which /dev/null cannot; leaving it as it is succeeds.
	 */
	on = 1;
	CHECK_ERR(SYS3(SYS_ioctl, a, FIOASYNC, &on), ENOTTY);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0);
	on = 0;
	CHECK_EQ(SYS3(SYS_ioctl, a, FIOASYNC, &on), 0);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0);
	CHECK_ERR(SYS3(SYS_ioctl, a, FIOASYNC, NULL), EFAULT);
	/* F_SETFL, too, leaves O_ASYNC to the file: ignored here. */
	CHECK_EQ(SYS3(SYS_fcntl, 0, F_SETFL, O_ASYNC), 0);
	CHECK_EQ(SYS2(SYS_fcntl, a, F_GETFL), fl0);
	on = 1;
	CHECK_ERR(SYS3(SYS_ioctl, a, FIOASYNC, &on), ENOTTY);

	CHECK_EQ(SYS1(SYS_close, a), 0);
	CHECK_ERR(SYS3(SYS_ioctl, a, FIOCLEX, 0), EBADF);
	CHECK_EQ(SYS2(SYS_fcntl, 0, F_GETFL), fl0);
	return guest_done();
}
