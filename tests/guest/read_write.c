// SPDX-License-Identifier: Apache-2.0
/*
 * read, write, readv, writev, pread64, pwrite64, preadv, pwritev on the
 * stdio fds: fd 0 is /dev/null (read-only), fds 1 and 2 are whatever the
 * harness gives (pipes or files). Nothing but a few short lines is written.
 */
#include "guest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#define PAGE  4096L
#define KADDR 0xffff800000000000UL /* outside the user range */
#define BADFD INT_MAX

/*
 * The fd to check writes from bad buffers on: 1 or 2, where the file
 * touches what it is given (a pipe, a file, a terminal; not /dev/null).
 */
static int out_fd(void)
{
	struct stat st;

	for (int fd = 1; fd <= 2; fd++)
		if (SYS2(SYS_fstat, fd, &st) == 0 &&
		    !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1))
			return fd;
	return -1;
}

static struct iovec many[1025];

/* The stdout/stderr checks that depend on what the harness gave us. */
static void check_stream_fd(int fd, const char *buf)
{
	struct stat st;
	struct iovec iov = {(void *)buf, 1};

	CHECK_OK(SYS2(SYS_fstat, fd, &st));
	if (S_ISFIFO(st.st_mode)) {
		/* Pipes have no positions: ESPIPE before the access mode. */
		CHECK_ERR(SYS4(SYS_pread64, fd, buf, 1, 0), ESPIPE);
		CHECK_ERR(SYS4(SYS_pwrite64, fd, buf, 1, 0), ESPIPE);
		CHECK_ERR(SYS4(SYS_preadv, fd, &iov, 1, 0), ESPIPE);
		CHECK_ERR(SYS4(SYS_pwritev, fd, &iov, 1, 0), ESPIPE);
		/* A negative offset is refused before anything else. */
		CHECK_ERR(SYS4(SYS_pwrite64, fd, buf, 1, -1), EINVAL);
	}
	if ((SYS2(SYS_fcntl, fd, F_GETFL) & O_ACCMODE) == O_WRONLY) {
		char c;

		CHECK_ERR(SYS3(SYS_read, fd, &c, 1), EBADF);
		/* The access mode is checked before the buffer. */
		CHECK_ERR(SYS3(SYS_read, fd, KADDR, 1), EBADF);
		CHECK_ERR(SYS3(SYS_readv, fd, &iov, 1), EBADF);
		/* For vectors too: before the count and the array. */
		CHECK_ERR(SYS3(SYS_readv, fd, KADDR, 1), EBADF);
		CHECK_ERR(SYS3(SYS_readv, fd, &iov, 1025), EBADF);
	}
}

int main(void)
{
	static const char msg1[] = "read_write: writev ";
	static const char msg2[] = "checks\n";
	char buf[64];
	struct iovec iov[4];
	int out = out_fd();
	char *p;
	long r;

	memset(buf, 'x', sizeof(buf));

	/* read: /dev/null is at end of file at once, for any count. */
	CHECK_EQ(SYS3(SYS_read, 0, buf, sizeof(buf)), 0);
	CHECK_EQ(SYS3(SYS_read, 0, buf, 0), 0);
	CHECK_EQ(SYS3(SYS_read, 0, NULL, 0), 0);
	CHECK_EQ(buf[0], 'x');
	/* Counts beyond MAX_RW_COUNT are capped, not refused. */
	CHECK_EQ(SYS3(SYS_read, 0, many, 0x80000000UL), 0);
	CHECK_ERR(SYS3(SYS_read, -1, buf, 1), EBADF);
	CHECK_ERR(SYS3(SYS_read, BADFD, buf, 1), EBADF);
	/* Bad fd first, then the buffer's range. */
	CHECK_ERR(SYS3(SYS_read, -1, KADDR, 1), EBADF);
	CHECK_ERR(SYS3(SYS_read, 0, KADDR, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_read, 0, buf, -1L), EFAULT);

	/* write: fd 0 is read-only. */
	CHECK_ERR(SYS3(SYS_write, 0, buf, 1), EBADF);
	CHECK_ERR(SYS3(SYS_write, 0, KADDR, 1), EBADF);
	CHECK_ERR(SYS3(SYS_write, -1, buf, 1), EBADF);
	CHECK_ERR(SYS3(SYS_write, BADFD, buf, 1), EBADF);
	CHECK_EQ(SYS3(SYS_write, 1, buf, 0), 0);
	CHECK_EQ(SYS3(SYS_write, 2, NULL, 0), 0);
	if (out >= 0) {
		/* Unreadable buffers: nothing is written. */
		CHECK_ERR(SYS3(SYS_write, out, 1, 10), EFAULT);
		CHECK_ERR(SYS3(SYS_write, out, KADDR, 1), EFAULT);
		CHECK_ERR(SYS3(SYS_write, out, buf, -1L), EFAULT);
	}

	/* A PROT_NONE page cannot be written from; a PROT_READ one can. */
	p = (char *)SYS6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)p > 0);
	memcpy(p, "read_write: write from a read-only page\n", 40);
	CHECK_OK(SYS3(SYS_mprotect, p, PAGE, PROT_READ));
	CHECK_OK(SYS3(SYS_mprotect, p + PAGE, PAGE, PROT_NONE));
	CHECK_EQ(SYS3(SYS_write, 2, p, 40), 40);
	if (out >= 0)
		CHECK_ERR(SYS3(SYS_write, out, p + PAGE, 1), EFAULT);
	/*
	 * /dev/null's read never touches the buffer: any user address
	 * will do, mapped, read-only or not.
	 */
	CHECK_EQ(SYS3(SYS_read, 0, p, 10), 0);
	CHECK_EQ(SYS3(SYS_read, 0, p + PAGE, 10), 0);
	CHECK_EQ(SYS3(SYS_read, 0, 1, 10), 0);
	CHECK_EQ(SYS4(SYS_pread64, 0, p + PAGE, 10, 0), 0);
	iov[0] = (struct iovec){p + PAGE, 10};
	CHECK_EQ(SYS3(SYS_readv, 0, iov, 1), 0);

	/* pread64/pwrite64: /dev/null takes any non-negative offset. */
	CHECK_EQ(SYS4(SYS_pread64, 0, buf, sizeof(buf), 0), 0);
	CHECK_EQ(SYS4(SYS_pread64, 0, buf, sizeof(buf), 1L << 40), 0);
	CHECK_EQ(SYS4(SYS_pread64, 0, buf, 1, LONG_MAX - 1), 0);
	CHECK_EQ(SYS4(SYS_pread64, 0, buf, 0, LONG_MAX), 0);
	/* The end of the range must not overflow the offset type. */
	CHECK_ERR(SYS4(SYS_pread64, 0, buf, 1, LONG_MAX), EINVAL);
	CHECK_ERR(SYS4(SYS_pread64, 0, buf, sizeof(buf), LONG_MAX - 8), EINVAL);
	/* A negative offset is EINVAL, even before the fd is looked at. */
	CHECK_ERR(SYS4(SYS_pread64, 0, buf, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_pread64, -1, buf, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_pread64, -1, buf, 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_pread64, 0, KADDR, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_pwrite64, 0, buf, 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_pwrite64, 0, buf, 1, -4096), EINVAL);
	/* pread did not move fd 0's offset (it has none to speak of). */
	CHECK_EQ(SYS3(SYS_read, 0, buf, 1), 0);

	/* readv: the count is checked, then the array, then the buffers. */
	iov[0] = (struct iovec){buf, 8};
	iov[1] = (struct iovec){buf + 8, 8};
	CHECK_EQ(SYS3(SYS_readv, 0, iov, 2), 0);
	CHECK_EQ(SYS3(SYS_readv, 0, NULL, 0), 0);
	CHECK_EQ(SYS3(SYS_readv, 0, many, 1024), 0);
	CHECK_ERR(SYS3(SYS_readv, 0, many, 1025), EINVAL);
	CHECK_ERR(SYS3(SYS_readv, 0, iov, -1), EINVAL);
	CHECK_ERR(SYS3(SYS_readv, -1, iov, 2), EBADF);
	CHECK_ERR(SYS3(SYS_readv, -1, iov, 1025), EBADF);
	CHECK_ERR(SYS3(SYS_readv, 0, 1, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_readv, 0, KADDR, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_readv, 0, p + PAGE, 1), EFAULT);
	/* The array straddles into the PROT_NONE page. */
	CHECK_ERR(SYS3(SYS_readv, 0, p + PAGE - sizeof(struct iovec), 2),
		  EFAULT);
	/* A negative length is EINVAL. */
	iov[1] = (struct iovec){buf, (size_t)-1};
	CHECK_ERR(SYS3(SYS_readv, 0, iov, 2), EINVAL);
	/* ...even after an earlier buffer outside the user range. */
	iov[0] = (struct iovec){(void *)KADDR, 1};
	CHECK_ERR(SYS3(SYS_readv, 0, iov, 2), EINVAL);
	CHECK_ERR(SYS3(SYS_readv, 0, iov, 1), EFAULT);
	/* Zero-length buffers need not be mapped, but must be user memory. */
	iov[0] = (struct iovec){(void *)1, 0};
	iov[1] = (struct iovec){buf, 4};
	CHECK_EQ(SYS3(SYS_readv, 0, iov, 2), 0);
	iov[0] = (struct iovec){(void *)KADDR, 0};
	CHECK_ERR(SYS3(SYS_readv, 0, iov, 2), EFAULT);

	/* writev: the same argument checks, and the lengths add up. */
	iov[0] = (struct iovec){(void *)msg1, sizeof(msg1) - 1};
	iov[1] = (struct iovec){NULL, 0};
	iov[2] = (struct iovec){(void *)msg2, sizeof(msg2) - 1};
	CHECK_EQ(SYS3(SYS_writev, 2, iov, 3),
		 sizeof(msg1) - 1 + sizeof(msg2) - 1);
	CHECK_EQ(SYS3(SYS_writev, 1, iov, 0), 0);
	CHECK_EQ(SYS3(SYS_writev, 1, iov + 1, 1), 0);
	CHECK_ERR(SYS3(SYS_writev, 0, iov, 3), EBADF);
	/* The access mode is checked before the count and the array. */
	CHECK_ERR(SYS3(SYS_writev, 0, KADDR, 1), EBADF);
	CHECK_ERR(SYS3(SYS_writev, 0, many, 1025), EBADF);
	CHECK_ERR(SYS3(SYS_writev, BADFD, iov, 3), EBADF);
	CHECK_ERR(SYS3(SYS_writev, 1, many, 1025), EINVAL);
	CHECK_ERR(SYS3(SYS_writev, 1, 1, 1), EFAULT);
	iov[0] = (struct iovec){(void *)KADDR, 10};
	CHECK_ERR(SYS3(SYS_writev, 2, iov, 1), EFAULT);
	if (out >= 0) {
		iov[0] = (struct iovec){(void *)1, 10};
		CHECK_ERR(SYS3(SYS_writev, out, iov, 1), EFAULT);
		iov[0] = (struct iovec){p + PAGE, 10};
		CHECK_ERR(SYS3(SYS_writev, out, iov, 1), EFAULT);
	}

	/* preadv/pwritev: offsets as pread64's. */
	iov[0] = (struct iovec){buf, 8};
	CHECK_EQ(SYS4(SYS_preadv, 0, iov, 1, 0), 0);
	CHECK_EQ(SYS4(SYS_preadv, 0, iov, 1, 1L << 40), 0);
	CHECK_ERR(SYS4(SYS_preadv, 0, iov, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_preadv, -1, iov, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_preadv, -1, iov, 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_preadv, 0, many, 1025, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_preadv, 0, KADDR, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_pwritev, 0, iov, 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_pwritev, 0, iov, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_pwritev, 0, many, 2000, 0), EBADF);
	CHECK_ERR(SYS4(SYS_preadv, 0, iov, 1, LONG_MAX - 4), EINVAL);
	CHECK_EQ(SYS4(SYS_preadv, 0, iov, 1, LONG_MAX - 8), 0);

	check_stream_fd(1, buf);
	check_stream_fd(2, buf);

	r = SYS2(SYS_munmap, p, 2 * PAGE);
	CHECK_EQ(r, 0);
	return guest_done();
}
