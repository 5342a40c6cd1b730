// SPDX-License-Identifier: Apache-2.0
/*
 * MAP_SHARED file mappings of tmpfs files and memfds (mmap(2), msync(2)):
 * the mapping is the file, so stores show in read() and write() shows in
 * the mapping, two mappings of one file share their pages, a file grown
 * after mapping fills the mapping's tail, a read-only file stays so
 * (EACCES for PROT_WRITE, in mmap and in mprotect), a write-sealed memfd
 * refuses writable shared mappings, and private mappings stay private.
 * A page the file is truncated below is SIGBUS, in the process that
 * truncated it and in another that maps it. A mapping of a sparse file
 * allocates nothing until a page is touched (read or written), or
 * populated (MAP_POPULATE, MADV_POPULATE_*, mlock).
 */
#include "scratch.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PG 4096L

static long map(void *addr, long len, int prot, int flags, long fd, long off)
{
	return SYS6(SYS_mmap, addr, len, prot, flags, fd, off);
}

static void test_memfd(void)
{
	long fd = SYS2(SYS_memfd_create, "shared", MFD_ALLOW_SEALING);
	char buf[16];
	char *a, *b;

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	a = (char *)map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	CHECK((long)a > 0);
	/* A store through the mapping is the file's. */
	memcpy(a + PG + 10, "stored", 6);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 6, PG + 10), 6);
	CHECK(memcmp(buf, "stored", 6) == 0);
	/* A write to the file shows in the mapping. */
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "written", 7, 2 * PG), 7);
	CHECK(memcmp(a + 2 * PG, "written", 7) == 0);
	/* A second mapping, at another offset, shares the same pages. */
	b = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	CHECK((long)b > 0);
	CHECK(memcmp(b + 10, "stored", 6) == 0);
	b[0] = 'B';
	CHECK_EQ(a[PG], 'B');
	/* msync checks its arguments; shared pages need no write-back. */
	CHECK_EQ(SYS3(SYS_msync, a, 3 * PG, MS_SYNC), 0);
	CHECK_EQ(SYS3(SYS_msync, a, 1, MS_ASYNC), 0);
	CHECK_ERR(SYS3(SYS_msync, a + 1, PG, MS_SYNC), EINVAL);
	CHECK_ERR(SYS3(SYS_msync, a, PG, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR(SYS3(SYS_msync, a, PG, 8), EINVAL);
	CHECK_EQ(SYS3(SYS_msync, a, 0, MS_SYNC), 0);
	/* Part of a mapping unmapped: the rest still shares. */
	CHECK_EQ(SYS2(SYS_munmap, a, PG), 0);
	CHECK_ERR(SYS3(SYS_msync, a, 3 * PG, MS_SYNC), ENOMEM);
	a[2 * PG] = 'W';
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 1, 2 * PG), 1);
	CHECK_EQ(buf[0], 'W');
	/* A write-sealed memfd can no longer be mapped for writing. */
	CHECK_EQ(SYS2(SYS_munmap, a + PG, 2 * PG), 0);
	CHECK_EQ(SYS2(SYS_munmap, b, PG), 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		  EPERM);
	a = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	CHECK((long)a > 0);
	CHECK_EQ(a[0], 'B');
	CHECK_EQ(SYS2(SYS_munmap, a, PG), 0);
	SYS1(SYS_close, fd);
}

static void test_tmp_file(void)
{
	long rw = SYS3(SYS_open, "f", O_RDWR | O_CREAT | O_TRUNC, 0644), ro;
	char buf[PG], *a, *r, *p;

	CHECK_OK(rw);
	CHECK_EQ(SYS3(SYS_write, rw, "0123456789", 10), 10);
	/* Two pages over a file of ten bytes. */
	a = (char *)map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, rw,
			0);
	CHECK((long)a > 0);
	CHECK(memcmp(a, "0123456789", 10) == 0);
	CHECK_EQ(a[10], 0); /* the rest of the last page reads as zero */
	/* Growing the file gives the second page to the mapping. */
	CHECK_EQ(SYS2(SYS_ftruncate, rw, 2 * PG), 0);
	a[PG + 1] = 'g';
	CHECK_EQ(SYS4(SYS_pread64, rw, buf, 2, PG), 2);
	CHECK_EQ(buf[1], 'g');
	/* write() from a shared mapping and read() into one. */
	ro = SYS3(SYS_open, "g", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_OK(ro);
	CHECK_EQ(SYS3(SYS_write, ro, a, 10), 10);
	CHECK_EQ(SYS4(SYS_pread64, ro, buf, 10, 0), 10);
	CHECK(memcmp(buf, "0123456789", 10) == 0);
	CHECK_EQ(SYS4(SYS_pread64, ro, a + 100, 5, 0), 5);
	CHECK_EQ(SYS4(SYS_pread64, rw, buf, 5, 100), 5);
	CHECK(memcmp(buf, "01234", 5) == 0);
	SYS1(SYS_close, ro);
	/* A read-only open: mappings only for reading, kept coherent. */
	ro = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_OK(ro);
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		  EACCES);
	r = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK((long)r > 0);
	CHECK_EQ(SYS4(SYS_pwrite64, rw, "X", 1, 3), 1);
	CHECK_EQ(r[3], 'X');
	a[4] = 'Y';
	CHECK_EQ(r[4], 'Y');
	CHECK_ERR(SYS3(SYS_mprotect, r, PG, PROT_READ | PROT_WRITE), EACCES);
	/* mprotect of a writable file's mapping goes both ways. */
	CHECK_EQ(SYS3(SYS_mprotect, a, 2 * PG, PROT_READ), 0);
	CHECK_EQ(a[PG + 1], 'g');
	CHECK_EQ(SYS3(SYS_mprotect, a, 2 * PG, PROT_READ | PROT_WRITE), 0);
	a[5] = 'Z';
	CHECK_EQ(r[5], 'Z');
	/* mremap keeps sharing the file's pages. */
	p = (char *)SYS5(SYS_mremap, a, 2 * PG, 2 * PG,
			 MREMAP_MAYMOVE | MREMAP_FIXED, (char *)a + 64 * PG);
	CHECK(p == a + 64 * PG);
	p[6] = 'M';
	CHECK_EQ(r[6], 'M');
	/* A private mapping is a copy: its stores stay its own. */
	a = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 0);
	CHECK((long)a > 0);
	CHECK_EQ(a[6], 'M');
	a[7] = 'P';
	CHECK_EQ(r[7], '7');
	CHECK_EQ(SYS2(SYS_munmap, a, PG), 0);
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * PG), 0);
	CHECK_EQ(SYS2(SYS_munmap, r, PG), 0);
	/* The file keeps what the mappings stored. */
	CHECK_EQ(SYS4(SYS_pread64, rw, buf, 8, 0), 8);
	CHECK(memcmp(buf, "012XYZM7", 8) == 0);
	SYS1(SYS_close, ro);
	SYS1(SYS_close, rw);
}

static volatile int bus_hits;

/* A store of `movl $1, (%rax)` (6 bytes) faulted: skip it. */
static void on_bus(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	bus_hits++;
	uc->uc_mcontext.gregs[REG_RIP] += 6;
}

static void store_at(char *p)
{
	__asm__ volatile("movl $1, (%0)" ::"a"(p) : "memory");
}

static void test_truncate(void)
{
	long fd = SYS3(SYS_open, "t", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct sigaction sa = {0};
	long pid, status;
	char buf[1], *a;
	int go[2];

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 2 * PG), 0);
	a = (char *)map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	CHECK((long)a > 0);
	a[PG] = 'x';
	CHECK_EQ(SYS1(SYS_pipe, go), 0);
	pid = SYS0(SYS_fork);
	if (pid == 0) {
		SYS3(SYS_read, go[0], buf, 1);
		store_at(a + PG + 8);
		SYS1(SYS_exit, 4);
	}
	CHECK_OK(pid);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 10), 0);
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGBUS, &sa, NULL), 0);
	store_at(a + PG);
	CHECK_EQ(bus_hits, 1);
	CHECK_EQ(SYS3(SYS_write, go[1], "x", 1), 1);
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	signal(SIGBUS, SIG_DFL);
	/* Grown again: a fresh zero page. */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 2 * PG), 0);
	CHECK_EQ(a[PG], 0);
	CHECK_EQ(SYS2(SYS_munmap, a, 2 * PG), 0);
	SYS1(SYS_close, go[0]);
	SYS1(SYS_close, go[1]);
	SYS1(SYS_close, fd);
}

/* The file's allocated pages, by st_blocks. */
static long pages_of(long fd)
{
	struct stat st;

	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	return (long)st.st_blocks / (PG / 512);
}

static void test_sparse(void)
{
	const long len = 64L << 20;
	long fd = SYS2(SYS_memfd_create, "sparse", 0);
	volatile char *a, *p;

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, len), 0);
	a = (volatile char *)map(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, 0);
	CHECK((long)a > 0);
	/* Mapping the whole file allocated none of it. */
	CHECK_EQ(pages_of(fd), 0);
	/* A read of a hole allocates that page (shmem's fault), a write
	 * another; a second access to either costs nothing. */
	CHECK_EQ(a[5 * PG + 7], 0);
	CHECK_EQ(pages_of(fd), 1);
	a[10 * PG] = 'w';
	CHECK_EQ(pages_of(fd), 2);
	a[10 * PG + 1] = a[5 * PG];
	CHECK_EQ(pages_of(fd), 2);
	/* MADV_POPULATE_WRITE and _READ fill the range's holes. */
	CHECK_EQ(SYS3(SYS_madvise, a + 20 * PG, 4 * PG, MADV_POPULATE_WRITE),
		 0);
	CHECK_EQ(pages_of(fd), 6);
	CHECK_EQ(SYS3(SYS_madvise, a + 24 * PG, 2 * PG, MADV_POPULATE_READ), 0);
	CHECK_EQ(pages_of(fd), 8);
	/* mlock populates too. */
	CHECK_EQ(SYS2(SYS_mlock, a + 30 * PG, 3 * PG), 0);
	CHECK_EQ(pages_of(fd), 11);
	CHECK_EQ(SYS2(SYS_munlock, a + 30 * PG, 3 * PG), 0);
	/* As does MAP_POPULATE, in a second mapping. */
	p = (volatile char *)map(NULL, 5 * PG, PROT_READ,
				 MAP_SHARED | MAP_POPULATE, fd, 40 * PG);
	CHECK((long)p > 0);
	CHECK_EQ(pages_of(fd), 16);
	/* The populated pages are the file's, seen in both mappings. */
	a[41 * PG] = 'x';
	CHECK_EQ(p[PG], 'x');
	CHECK_EQ(pages_of(fd), 16);
	CHECK_EQ(SYS2(SYS_munmap, p, 5 * PG), 0);
	CHECK_EQ(SYS2(SYS_munmap, a, len), 0);
	SYS1(SYS_close, fd);
}

int main(void)
{
	scratch_enter("mmap_shared");
	test_sparse();
	test_memfd();
	test_tmp_file();
	test_truncate();
	scratch_leave();
	return guest_done();
}
