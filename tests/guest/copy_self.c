// SPDX-License-Identifier: Apache-2.0
/*
 * sendfile and copy_file_range from a file into itself: sendfile copies
 * the bytes onto themselves (or after them, with an offset) and ends at
 * the file's end; copy_file_range refuses overlapping ranges of one file
 * (EINVAL) and copies ones that do not overlap. With one open file on
 * both sides, neither may hang (both positions are the same file's).
 */
#include "guest.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

static off_t size_of(int fd)
{
	struct stat st;

	CHECK_OK(fstat(fd, &st));
	return st.st_size;
}

int main(void)
{
	char path[] = "/tmp/copy_self.XXXXXX", buf[32];
	int fd = mkstemp(path), fd2;
	int64_t off, ooff;

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);

	/* sendfile, one file both ways, its own position: onto itself. */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(SYS4(SYS_sendfile, fd, fd, NULL, 1 << 20), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_EQ(size_of(fd), 10);
	CHECK_EQ(SYS4(SYS_sendfile, fd, fd, NULL, 100), 0); /* at the end */
	CHECK_EQ(lseek(fd, 4, SEEK_SET), 4);
	CHECK_EQ(SYS4(SYS_sendfile, fd, fd, NULL, 3), 3);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
	CHECK_EQ(pread(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, "0123456789", 10) == 0);

	/* With an offset: read there, written at the position. */
	off = 0;
	CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
	CHECK_EQ(SYS4(SYS_sendfile, fd, fd, &off, 5), 5);
	CHECK_EQ(off, 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 15);
	CHECK_EQ(pread(fd, buf, 15, 0), 15);
	CHECK(memcmp(buf, "012345678901234", 15) == 0);

	/* copy_file_range: overlapping ranges of one file are EINVAL... */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERR(SYS6(SYS_copy_file_range, fd, NULL, fd, NULL, 5, 0), EINVAL);
	CHECK_EQ(SYS6(SYS_copy_file_range, fd, NULL, fd, NULL, 0, 0), 0);
	off = 0;
	ooff = 2;
	CHECK_ERR(SYS6(SYS_copy_file_range, fd, &off, fd, &ooff, 5, 0), EINVAL);
	CHECK_ERR(SYS6(SYS_copy_file_range, fd, NULL, fd, &ooff, 5, 0), EINVAL);
	/* ...also through another open file of it... */
	fd2 = open(path, O_RDWR);
	CHECK(fd2 >= 0);
	CHECK_ERR(SYS6(SYS_copy_file_range, fd, NULL, fd2, NULL, 5, 0), EINVAL);
	/* ...and ranges that do not overlap are copied. */
	off = 0;
	ooff = 20;
	CHECK_EQ(SYS6(SYS_copy_file_range, fd, &off, fd, &ooff, 5, 0), 5);
	CHECK_EQ(off, 5);
	CHECK_EQ(ooff, 25);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_EQ(size_of(fd), 25);
	CHECK_EQ(pread(fd, buf, 5, 20), 5);
	CHECK(memcmp(buf, "01234", 5) == 0);
	CHECK_EQ(lseek(fd2, 10, SEEK_SET), 10);
	CHECK_EQ(SYS6(SYS_copy_file_range, fd, NULL, fd2, NULL, 5, 0), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	CHECK_EQ(lseek(fd2, 0, SEEK_CUR), 15);

	close(fd2);
	close(fd);
	unlink(path);
	return guest_done();
}
