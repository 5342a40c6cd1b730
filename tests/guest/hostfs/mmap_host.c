// SPDX-License-Identifier: Apache-2.0
/*
 * MAP_SHARED mappings of host files (mmap(2), msync(2)), in the directory
 * named by argv[1]: a host directory, bound writable into the sandbox, so
 * that its files are the gofer's. Two processes share the pages of one
 * file; write() shows in the mapping and the mapping's stores in read();
 * what was stored reaches the file after munmap and close; truncation
 * below a mapped page makes it SIGBUS, in this process and in another one
 * that mapped it; a read-only open gives EACCES for PROT_WRITE, in mmap
 * and in mprotect; MAP_PRIVATE stays a copy. A host file under the
 * overlay (/etc/passwd) maps shared read-only.
 *
 * "mmap_host --store FILE TEXT" is the CLI test's helper: it stores TEXT
 * at the start of FILE through a shared mapping, msyncs, says "synced",
 * waits for a line on stdin, stores TEXT again upper-cased, and exits
 * without msync (the munmap at exit writes it back).
 */
#include "guest.h"

#include <ctype.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096L

static long map(void *addr, long len, int prot, int flags, long fd, long off)
{
	return SYS6(SYS_mmap, addr, len, prot, flags, fd, off);
}

static volatile int bus_hits;
static volatile uintptr_t bus_addr;

/* A store of `movl $1, (%rax)` (6 bytes) faulted: skip it. */
static void on_bus(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	bus_hits++;
	bus_addr = (uintptr_t)si->si_addr;
	uc->uc_mcontext.gregs[REG_RIP] += 6;
}

static void store_at(char *p)
{
	__asm__ volatile("movl $1, (%0)" ::"a"(p) : "memory");
}

static void put(long fd, const char *s, long off)
{
	CHECK_EQ(SYS4(SYS_pwrite64, fd, s, strlen(s), off), (long)strlen(s));
}

/* Two processes share the file's pages, both ways, and with write(). */
static void test_fork_share(long fd)
{
	int p2c[2], c2p[2];
	char buf[16], *a;
	long pid, status;

	a = (char *)map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	CHECK((long)a > 0);
	CHECK(memcmp(a, "page0", 5) == 0);
	CHECK(memcmp(a + 2 * PG, "page2", 5) == 0);
	CHECK_EQ(SYS1(SYS_pipe, p2c), 0);
	CHECK_EQ(SYS1(SYS_pipe, c2p), 0);
	pid = SYS0(SYS_fork);
	if (pid == 0) {
		int ok = 1;

		/* The child stores; then sees the parent's store and write. */
		memcpy(a + PG + 5, "child", 5);
		SYS3(SYS_write, c2p[1], "x", 1);
		SYS3(SYS_read, p2c[0], buf, 1);
		ok &= memcmp(a + 2 * PG + 5, "parent", 6) == 0;
		ok &= memcmp(a + 100, "written", 7) == 0;
		/* A write of the child's shows in the parent's mapping. */
		SYS4(SYS_pwrite64, fd, "cwrite", 6, 200);
		SYS1(SYS_exit, ok ? 0 : 1);
	}
	CHECK_OK(pid);
	CHECK_EQ(SYS3(SYS_read, c2p[0], buf, 1), 1);
	CHECK(memcmp(a + PG + 5, "child", 5) == 0);
	/* ... and read() sees what the child stored. */
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 5, PG + 5), 5);
	CHECK(memcmp(buf, "child", 5) == 0);
	memcpy(a + 2 * PG + 5, "parent", 6);
	put(fd, "written", 100);
	CHECK_EQ(SYS3(SYS_write, p2c[1], "x", 1), 1);
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(memcmp(a + 200, "cwrite", 6) == 0);
	/* A second mapping at another offset: the same pages. */
	{
		char *b = (char *)map(NULL, PG, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, PG);

		CHECK((long)b > 0);
		CHECK(memcmp(b + 5, "child", 5) == 0);
		b[0] = 'B';
		CHECK_EQ(a[PG], 'B');
		CHECK_EQ(SYS2(SYS_munmap, b, PG), 0);
	}
	/* A private mapping is a copy, of what the shared ones stored. */
	{
		char *c = (char *)map(NULL, PG, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE, fd, PG);

		CHECK((long)c > 0);
		CHECK(memcmp(c + 5, "child", 5) == 0);
		c[1] = 'C';
		CHECK(a[1 + PG] != 'C');
		CHECK_EQ(SYS2(SYS_munmap, c, PG), 0);
	}
	CHECK_EQ(SYS3(SYS_msync, a, 3 * PG, MS_SYNC), 0);
	CHECK_EQ(SYS3(SYS_msync, a, PG, MS_ASYNC), 0);
	CHECK_ERR(SYS3(SYS_msync, a + 1, PG, MS_SYNC), EINVAL);
	CHECK_EQ(SYS2(SYS_munmap, a, 3 * PG), 0);
	SYS1(SYS_close, p2c[0]);
	SYS1(SYS_close, p2c[1]);
	SYS1(SYS_close, c2p[0]);
	SYS1(SYS_close, c2p[1]);
}

/* Stores reach the file: seen by a fresh open after munmap and close. */
static void test_writeback(void)
{
	long fd = SYS3(SYS_open, "f", O_RDWR, 0);
	char buf[16], *a;

	CHECK_OK(fd);
	a = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK((long)a > 0);
	memcpy(a + 300, "kept", 4);
	CHECK_EQ(SYS2(SYS_munmap, a, PG), 0);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 4, 300), 4);
	CHECK(memcmp(buf, "kept", 4) == 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 6, 2 * PG + 5), 6);
	CHECK(memcmp(buf, "parent", 6) == 0);
	SYS1(SYS_close, fd);
	/* fsync writes back too; the file is the same after. */
	fd = SYS3(SYS_open, "f", O_RDWR, 0);
	a = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK((long)a > 0);
	memcpy(a + 310, "fsync", 5);
	CHECK_EQ(SYS1(SYS_fsync, fd), 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 5, 310), 5);
	CHECK(memcmp(buf, "fsync", 5) == 0);
	CHECK_EQ(SYS2(SYS_munmap, a, PG), 0);
	SYS1(SYS_close, fd);
}

/* A read-only open maps only for reading. */
static void test_readonly(void)
{
	long ro = SYS3(SYS_open, "f", O_RDONLY, 0), rw;
	char *r;

	CHECK_OK(ro);
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0),
		  EACCES);
	r = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK((long)r > 0);
	CHECK(memcmp(r, "page0", 5) == 0);
	CHECK_ERR(SYS3(SYS_mprotect, r, PG, PROT_READ | PROT_WRITE), EACCES);
	/* Kept coherent with another open file's writes. */
	rw = SYS3(SYS_open, "f", O_RDWR, 0);
	CHECK_OK(rw);
	put(rw, "PAGE0", 0);
	CHECK(memcmp(r, "PAGE0", 5) == 0);
	CHECK_EQ(SYS2(SYS_munmap, r, PG), 0);
	/* A private writable mapping of a read-only open is fine. */
	r = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK((long)r > 0);
	r[0] = 'p';
	CHECK_EQ(SYS2(SYS_munmap, r, PG), 0);
	SYS1(SYS_close, rw);
	SYS1(SYS_close, ro);
}

/* Truncation below mapped pages: SIGBUS there, here and in a child. */
static void test_truncate(void)
{
	long fd = SYS3(SYS_open, "t", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct sigaction sa = {0};
	long pid, status;
	char buf[8], *a;
	int go[2];

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	a = (char *)map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0);
	CHECK((long)a > 0);
	a[2 * PG] = 'x'; /* every page is mapped now */
	a[PG] = 'y';
	a[10] = 'z';
	CHECK_EQ(SYS1(SYS_pipe, go), 0);
	pid = SYS0(SYS_fork);
	if (pid == 0) {
		/* After the truncation, a page it took: SIGBUS. */
		SYS3(SYS_read, go[0], buf, 1);
		if (a[10] != 'z' || a[PG] != 'y')
			SYS1(SYS_exit, 3);
		store_at(a + 2 * PG + 8);
		SYS1(SYS_exit, 4);
	}
	CHECK_OK(pid);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, PG + 100), 0);
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGBUS, &sa, NULL), 0);
	bus_hits = 0;
	store_at(a + 2 * PG);
	CHECK_EQ(bus_hits, 1);
	CHECK_EQ(bus_addr, (uintptr_t)(a + 2 * PG));
	/* The page holding the end stays; its tail past the end is zero. */
	CHECK_EQ(a[PG], 'y');
	CHECK_EQ(a[PG + 200], 0);
	CHECK_EQ(a[10], 'z');
	CHECK_EQ(SYS3(SYS_write, go[1], "x", 1), 1);
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
	/* Grown again: the page comes back, zero-filled. */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	CHECK_EQ(a[2 * PG], 0);
	a[2 * PG] = 'g';
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 1, 2 * PG), 1);
	CHECK_EQ(buf[0], 'g');
	signal(SIGBUS, SIG_DFL);
	CHECK_EQ(SYS2(SYS_munmap, a, 3 * PG), 0);
	SYS1(SYS_close, go[0]);
	SYS1(SYS_close, go[1]);
	SYS1(SYS_close, fd);
}

/* A host file under the overlay (or the host's own) maps read-only. */
static void test_lower(void)
{
	long fd = SYS3(SYS_open, "/etc/passwd", O_RDONLY, 0);
	char buf[32], *r;

	if (fd < 0)
		return;
	CHECK_ERR(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		  EACCES);
	r = (char *)map(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK((long)r > 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), (long)sizeof(buf));
	CHECK(memcmp(r, buf, sizeof(buf)) == 0);
	CHECK_EQ(SYS2(SYS_munmap, r, PG), 0);
	SYS1(SYS_close, fd);
}

static int store(const char *path, const char *text)
{
	long fd = SYS3(SYS_open, path, O_RDWR, 0);
	size_t n = strlen(text);
	char line[8], *a;

	if (fd < 0)
		return 2;
	a = (char *)map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if ((long)a < 0)
		return 3;
	memcpy(a, text, n);
	if (SYS3(SYS_msync, a, PG, MS_SYNC))
		return 4;
	SYS3(SYS_write, 1, "synced\n", 7);
	SYS3(SYS_read, 0, line, sizeof(line));
	for (size_t i = 0; i < n; i++)
		a[i] = (char)toupper((unsigned char)text[i]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long tag;
	char dir[512];
	long fd;

	if (argc == 4 && strcmp(argv[1], "--store") == 0)
		return store(argv[2], argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: mmap_host DIR\n");
		return 2;
	}
	/* Runs on each platform at once: pids may be the same, not this. */
	CHECK_EQ(SYS3(SYS_getrandom, &tag, sizeof(tag), 0), (long)sizeof(tag));
	snprintf(dir, sizeof(dir), "%s/mmap_host-%ld-%lx", argv[1],
		 SYS0(SYS_getpid), tag);
	CHECK_EQ(SYS2(SYS_mkdir, dir, 0755), 0);
	CHECK_EQ(SYS1(SYS_chdir, dir), 0);
	fd = SYS3(SYS_open, "f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 3 * PG), 0);
	put(fd, "page0", 0);
	put(fd, "page1", PG);
	put(fd, "page2", 2 * PG);
	test_fork_share(fd);
	SYS1(SYS_close, fd);
	test_writeback();
	test_readonly();
	test_truncate();
	test_lower();
	SYS1(SYS_unlink, "f");
	SYS1(SYS_unlink, "t");
	SYS1(SYS_chdir, "/");
	CHECK_EQ(SYS1(SYS_rmdir, dir), 0);
	return guest_done();
}
