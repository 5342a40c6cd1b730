// SPDX-License-Identifier: Apache-2.0
/*
 * memfd seals hold against every way around them, as Linux's do: a
 * write-sealed file cannot be written through write, pwrite, writev, a
 * reopen of /proc/self/fd/N, fallocate, a new shared writable mapping or
 * an mprotect of a read-only one; F_SEAL_WRITE waits for no writable
 * mapping (EBUSY while there is one); F_SEAL_FUTURE_WRITE lets existing
 * mappings write but no new way in; shrink and grow seals stop
 * ftruncate and fallocate past the end; F_SEAL_SEAL stops more seals.
 * A reopen through /proc/self/fd/N is a new open file description, and
 * adding seals needs one open for writing.
 */
#include "guest.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>

#define PG 4096

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static long map(void *addr, size_t len, int prot, int flags, long fd, off_t off)
{
	return SYS6(SYS_mmap, addr, len, prot, flags, fd, off);
}

static long make(const char *name)
{
	long fd = SYS2(SYS_memfd_create, name, MFD_ALLOW_SEALING);

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 2 * PG), 0);
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "sealed", 6, 0), 6);
	return fd;
}

static void reopen_path(long fd, char *path, size_t len)
{
	snprintf(path, len, "/proc/self/fd/%ld", fd);
}

static void test_write_seal(void)
{
	long fd = make("w"), rw, ro;
	char path[64], buf[8] = {0};
	struct iovec iov = {"x", 1};
	char *m;

	/* A writable shared mapping keeps the seal off... */
	m = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED && (long)m > 0);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GET_SEALS), 0);
	/* ...a private one does not count. */
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);
	m = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK((long)m > 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	m[0] = 'p'; /* its own copy */
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);

	CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EPERM);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, 0), EPERM);
	CHECK_ERR(SYS3(SYS_writev, fd, &iov, 1), EPERM);
	CHECK_ERR(SYS4(SYS_fallocate, fd,
		       FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, PG),
		  EPERM);
	/* Another open file description of it: the seal is the file's. */
	reopen_path(fd, path, sizeof(path));
	rw = SYS2(SYS_open, path, O_RDWR);
	CHECK_OK(rw);
	CHECK_ERR(SYS3(SYS_write, rw, "x", 1), EPERM);
	CHECK_EQ(SYS2(SYS_fcntl, rw, F_GET_SEALS), F_SEAL_WRITE);
	/* No new writable shared mapping, nor one made writable later. */
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0),
		  EPERM);
	ro = SYS2(SYS_open, path, O_RDONLY);
	CHECK_OK(ro);
	m = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK((long)m > 0);
	CHECK_ERR(SYS3(SYS_mprotect, m, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_EQ(m[0], 's');
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);
	/* Allocating is no write; reading, growing, shrinking are fine. */
	CHECK_EQ(SYS4(SYS_fallocate, fd, 0, 0, PG), 0);
	CHECK_EQ(SYS4(SYS_pread64, ro, buf, 6, 0), 6);
	CHECK_EQ(memcmp(buf, "sealed", 6), 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, PG), 0);
	SYS1(SYS_close, ro);
	SYS1(SYS_close, rw);
	SYS1(SYS_close, fd);
}

static void test_future_write(void)
{
	long fd = make("fw");
	char *m, buf[4] = {0};

	/* An existing writable mapping does not stop it, and still writes. */
	m = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK((long)m > 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	m[1] = 'E';
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 2, 0), 2);
	CHECK_EQ(buf[1], 'E');
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);
	/* No new way to write. */
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, 0), EPERM);
	CHECK_ERR(SYS4(SYS_fallocate, fd,
		       FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, PG),
		  EPERM);
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		  EPERM);
	m = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK((long)m > 0);
	CHECK_ERR(SYS3(SYS_mprotect, m, PG, PROT_READ | PROT_WRITE), EACCES);
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);
	/* A private writable mapping of it is fine. */
	m = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK((long)m > 0);
	m[0] = 'q';
	CHECK_EQ(SYS2(SYS_munmap, m, PG), 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 1, 0), 1);
	CHECK_EQ(buf[0], 's');
	SYS1(SYS_close, fd);
}

static void test_size_seals(void)
{
	long fd = make("sz");

	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, PG), EPERM);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 2 * PG), 0); /* same size */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 4 * PG), EPERM);
	CHECK_ERR(SYS4(SYS_fallocate, fd, 0, 0, 5 * PG), EPERM);
	CHECK_ERR(SYS4(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 5 * PG),
		  EPERM);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, 3 * PG), EPERM);
	CHECK_EQ(SYS4(SYS_fallocate, fd, 0, 0, PG), 0); /* inside */
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
	/* Seals only add up; F_SEAL_SEAL ends that. */
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, 0), EPERM);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, 0x1000), EINVAL);
	SYS1(SYS_close, fd);
}

static void test_needs_write_access(void)
{
	long fd = make("ro"), ro, rw;
	char path[64], buf[8] = {0};

	/* A reopen is a new open file description of the same file. */
	reopen_path(fd, path, sizeof(path));
	rw = SYS2(SYS_open, path, O_RDWR);
	CHECK_OK(rw);
	CHECK_EQ(SYS3(SYS_lseek, rw, 3, SEEK_SET), 3);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 0);
	CHECK_EQ(SYS3(SYS_write, rw, "L", 1), 1);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 6, 0), 6);
	CHECK_EQ(memcmp(buf, "seaLed", 6), 0);
	CHECK_EQ(SYS2(SYS_fcntl, rw, F_GETFL) & O_ACCMODE, O_RDWR);
	SYS1(SYS_close, rw);
	/* O_TRUNC through the link truncates the file itself. */
	rw = SYS2(SYS_open, path, O_RDWR | O_TRUNC);
	CHECK_OK(rw);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_END), 0);
	SYS1(SYS_close, rw);
	/* Adding a seal needs a writable file description. */
	ro = SYS2(SYS_open, path, O_RDONLY);
	CHECK_OK(ro);
	CHECK_ERR(SYS3(SYS_fcntl, ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	CHECK_EQ(SYS2(SYS_fcntl, ro, F_GET_SEALS), 0);
	SYS1(SYS_close, ro);
	SYS1(SYS_close, fd);
}

/* A hole punched far past the end (128 TiB): nothing to do, at once. */
static void test_huge_hole(void)
{
	long fd = make("hole");
	struct stat st;

	CHECK_EQ(SYS4(SYS_fallocate, fd,
		      FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, PG,
		      0x7fff00000000L),
		 0);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK_EQ(st.st_size, 2 * PG);
	SYS1(SYS_close, fd);
}

static void test_tmpfs_file(void)
{
	char path[64];
	long fd;

	/* A tmpfs file has seals too: F_SEAL_SEAL, for good. */
	snprintf(path, sizeof(path), "/dev/shm/memfd-seals-%d", getpid());
	fd = SYS3(SYS_open, path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd == -ENOENT)
		return; /* no /dev/shm here */
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GET_SEALS), F_SEAL_SEAL);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	SYS1(SYS_unlink, path);
	SYS1(SYS_close, fd);
	/* Other files have none. */
	fd = SYS2(SYS_open, "/proc/self/status", O_RDONLY);
	CHECK_ERR(SYS2(SYS_fcntl, fd, F_GET_SEALS), EINVAL);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	SYS1(SYS_close, fd);
}

int main(void)
{
	test_write_seal();
	test_future_write();
	test_size_seals();
	test_needs_write_access();
	test_tmpfs_file();
	test_huge_hole();
	return guest_done();
}
