// SPDX-License-Identifier: Apache-2.0
/*
 * Memory across fork(2): private memory is copied (on write), both ways,
 * whoever writes first, and when the kernel is the writer (read(2));
 * MAP_SHARED anonymous memory is shared both ways; MADV_DONTNEED,
 * mprotect, mmap and brk in one process leave the other alone;
 * MADV_DONTFORK leaves a hole in the child, MADV_WIPEONFORK zeros.
 */
#include "proc.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096UL
#define BIG  (64UL << 20)

static uint64_t pattern(size_t i, uint64_t seed)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ seed;
}

static void fill(uint64_t *p, size_t from, size_t to, uint64_t seed)
{
	for (size_t i = from; i < to; i++)
		p[i] = pattern(i, seed);
}

/* How many words of p[from, to) differ from the pattern. */
static size_t bad_words(const uint64_t *p, size_t from, size_t to,
			uint64_t seed)
{
	size_t bad = 0;

	for (size_t i = from; i < to; i++)
		bad += p[i] != pattern(i, seed);
	return bad;
}

static void *map(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap failed\n");
		exit(1);
	}
	return p;
}

/*
 * 64 MiB, all of it checked on both sides, each writing its own 4 MiB
 * after the fork (the child first, then the parent): neither sees the
 * other's.
 */
static void test_big(void)
{
	enum {
		A = 0xa,
		B = 0xb,
		C = 0xc
	};
	size_t n = BIG / 8, part = n / 16;
	uint64_t *buf = malloc(BIG);
	int up[2], down[2];
	pid_t pid;

	CHECK(buf != NULL);
	if (!buf)
		return;
	fill(buf, 0, n, A);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(bad_words(buf, 0, n, A), 0);
		fill(buf, 0, part, B);
		CHECK_EQ(bad_words(buf, 0, part, B), 0);
		CHECK_EQ(bad_words(buf, part, n, A), 0);
		put_byte(up[1], 'w');
		/* The parent has written its part: not seen here. */
		CHECK_EQ(get_byte(down[0]), 'w');
		CHECK_EQ(bad_words(buf, 0, part, B), 0);
		CHECK_EQ(bad_words(buf, part, n, A), 0);
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'w');
	/* The child has written its part: not seen here. */
	CHECK_EQ(bad_words(buf, 0, n, A), 0);
	fill(buf, n - part, n, C);
	put_byte(down[1], 'w');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(bad_words(buf, 0, n - part, A), 0);
	CHECK_EQ(bad_words(buf, n - part, n, C), 0);
	free(buf);
	close2(up);
	close2(down);
}

/* MAP_SHARED anonymous memory is one memory; MAP_PRIVATE is two. */
static void test_shared_private(void)
{
	volatile int *sh = map(4 * PAGE, MAP_SHARED);
	volatile int *pr = map(4 * PAGE, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	sh[0] = 1;
	pr[0] = 1;
	/* Pages 1 to 3 are not touched before the fork. */
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(sh[0], 1);
		CHECK_EQ(pr[0], 1);
		sh[0] = 2;
		pr[0] = 2;
		sh[1024] = 7;
		pr[1024] = 7;
		put_byte(up[1], 'a');
		CHECK_EQ(get_byte(down[0]), 'b');
		CHECK_EQ(sh[0], 3);
		CHECK_EQ(sh[2048], 8);
		CHECK_EQ(pr[0], 2);
		CHECK_EQ(pr[2048], 0);
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'a');
	CHECK_EQ(sh[0], 2);
	CHECK_EQ(sh[1024], 7);
	CHECK_EQ(pr[0], 1);
	CHECK_EQ(pr[1024], 0);
	sh[0] = 3;
	sh[2048] = 8;
	pr[0] = 3;
	pr[2048] = 8;
	put_byte(down[1], 'b');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(sh[0], 3);
	CHECK_EQ(pr[0], 3);
	CHECK_EQ(pr[1024], 0);
	munmap((void *)sh, 4 * PAGE);
	munmap((void *)pr, 4 * PAGE);
	close2(up);
	close2(down);
}

static void test_dontneed(void)
{
	unsigned char *pr = map(2 * PAGE, MAP_PRIVATE);
	unsigned char *sh = map(PAGE, MAP_SHARED);
	int p[2];
	pid_t pid;

	memset(pr, 0xab, 2 * PAGE);
	memset(sh, 0xcd, PAGE);
	/* In the child: its private page reads zero, its other page and the
	 * parent's are untouched. A shared page keeps its data. */
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS3(SYS_madvise, pr, PAGE, MADV_DONTNEED), 0);
		CHECK_EQ(pr[0], 0);
		CHECK_EQ(pr[PAGE - 1], 0);
		CHECK_EQ(pr[PAGE], 0xab);
		CHECK_EQ(SYS3(SYS_madvise, sh, PAGE, MADV_DONTNEED), 0);
		CHECK_EQ(sh[0], 0xcd);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(pr[0], 0xab);
	CHECK_EQ(pr[PAGE - 1], 0xab);

	/* In the parent, after the fork: the child keeps the data. */
	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(get_byte(p[0]), 'd');
		CHECK_EQ(pr[0], 0xab);
		CHECK_EQ(pr[PAGE + 1], 0xab);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_madvise, pr, 2 * PAGE, MADV_DONTNEED), 0);
	CHECK_EQ(pr[0], 0);
	CHECK_EQ(pr[PAGE + 1], 0);
	put_byte(p[1], 'd');
	CHECK_CHILD_OK(pid);
	close2(p);
	munmap(pr, 2 * PAGE);
	munmap(sh, PAGE);
}

static void test_mprotect(void)
{
	volatile unsigned char *ro = map(PAGE, MAP_PRIVATE);
	int p[2];
	pid_t pid;

	ro[0] = 0x11;
	CHECK_EQ(SYS3(SYS_mprotect, ro, PAGE, PROT_READ), 0);
	make_pipe(p);
	/* The protection is inherited... */
	pid = spawn();
	if (pid == 0) {
		no_core();
		ro[0] = 0x33;
		_exit(0);
	}
	CHECK_EQ(reap(pid), KILLED(SIGSEGV));
	/* ...and the child's own to change. */
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(ro[0], 0x11);
		CHECK_EQ(SYS3(SYS_mprotect, ro, PAGE, PROT_READ | PROT_WRITE),
			 0);
		ro[0] = 0x22;
		CHECK_EQ(ro[0], 0x22);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(ro[0], 0x11);
	/* Still read-only here: the kernel cannot store a struct stat. */
	CHECK_ERR(SYS2(SYS_fstat, p[0], ro), EFAULT);
	CHECK_EQ(ro[0], 0x11);
	close2(p);
	munmap((void *)ro, PAGE);
}

/* The kernel writing into copied memory (read(2)) copies it too. */
static void test_kernel_write(void)
{
	enum {
		LEN = 16 * PAGE
	};
	unsigned char *buf = map(LEN, MAP_PRIVATE);
	unsigned char *file = malloc(LEN);
	long fd = SYS3(SYS_open, "/proc/self/exe", O_RDONLY, 0);
	int p[2];
	pid_t pid;

	CHECK(fd >= 0);
	CHECK(file != NULL);
	if (fd < 0 || !file)
		return;
	CHECK_EQ(SYS4(SYS_pread64, fd, file, LEN, 0), LEN);
	CHECK(memcmp(file, "\177ELF", 4) == 0);
	memset(buf, 0x5a, LEN);
	make_pipe(p);

	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS4(SYS_pread64, fd, buf, LEN, 0), LEN);
		CHECK(memcmp(buf, file, LEN) == 0);
		CHECK_EQ(get_byte(p[0]), 'r');
		CHECK_EQ(SYS3(SYS_read, p[0], buf + 100, 5), 5);
		CHECK(memcmp(buf + 100, "hello", 5) == 0);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_write, p[1], "rhello", 6), 6);
	CHECK_CHILD_OK(pid);
	for (size_t i = 0; i < LEN; i++)
		if (buf[i] != 0x5a) {
			CHECK_EQ(buf[i], 0x5a);
			break;
		}

	/* The other way round: the parent reads after the fork. */
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(get_byte(p[0]), 'g');
		CHECK_EQ(buf[0], 0x5a);
		CHECK_EQ(buf[LEN - 1], 0x5a);
		child_exit();
	}
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, LEN, 0), LEN);
	CHECK(memcmp(buf, file, LEN) == 0);
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(p);
	SYS1(SYS_close, fd);
	free(file);
	munmap(buf, LEN);
}

static void test_dontfork(void)
{
	volatile unsigned char *df = map(4 * PAGE, MAP_PRIVATE);
	pid_t pid;

	memset((void *)df, 0x33, 4 * PAGE);
	CHECK_EQ(SYS3(SYS_madvise, df, 4 * PAGE, MADV_DONTFORK), 0);
	/* Not mapped in the child at all... */
	pid = spawn();
	if (pid == 0) {
		CHECK_ERR(SYS3(SYS_madvise, df, 4 * PAGE, MADV_NORMAL), ENOMEM);
		/* ...so the address is free there. */
		CHECK_EQ((long)mmap((void *)df, PAGE, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS |
					MAP_FIXED_NOREPLACE,
				    -1, 0),
			 (long)df);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	/* ...touching it is a fault. */
	pid = spawn();
	if (pid == 0) {
		no_core();
		(void)df[PAGE];
		_exit(0);
	}
	CHECK_EQ(reap(pid), KILLED(SIGSEGV));
	CHECK_EQ(df[PAGE], 0x33);
	/* MADV_DOFORK undoes it. */
	CHECK_EQ(SYS3(SYS_madvise, df, 4 * PAGE, MADV_DOFORK), 0);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(df[0], 0x33);
		CHECK_EQ(df[4 * PAGE - 1], 0x33);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	munmap((void *)df, 4 * PAGE);
}

static void test_wipeonfork(void)
{
	volatile unsigned char *w = map(2 * PAGE, MAP_PRIVATE);
	void *sh = map(PAGE, MAP_SHARED);
	pid_t pid;

	memset((void *)w, 0x44, 2 * PAGE);
	CHECK_EQ(SYS3(SYS_madvise, w, 2 * PAGE, MADV_WIPEONFORK), 0);
	pid = spawn();
	if (pid == 0) {
		pid_t g;

		CHECK_EQ(w[0], 0);
		CHECK_EQ(w[2 * PAGE - 1], 0);
		w[0] = 0x55;
		CHECK_EQ(w[0], 0x55);
		/* The setting is inherited: wiped again for a grandchild. */
		g = spawn();
		if (g == 0) {
			CHECK_EQ(w[0], 0);
			child_exit();
		}
		CHECK_CHILD_OK(g);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(w[0], 0x44);
	CHECK_EQ(w[2 * PAGE - 1], 0x44);
	/* MADV_KEEPONFORK undoes it. */
	CHECK_EQ(SYS3(SYS_madvise, w, 2 * PAGE, MADV_KEEPONFORK), 0);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(w[0], 0x44);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	/* Private anonymous memory only. */
	CHECK_ERR(SYS3(SYS_madvise, sh, PAGE, MADV_WIPEONFORK), EINVAL);
	munmap((void *)w, 2 * PAGE);
	munmap(sh, PAGE);
}

/* mmap and brk in the child change only the child. */
static void test_child_maps(void)
{
	int up[2];
	long addr = 0, parent_brk = SYS1(SYS_brk, 0);
	pid_t pid;

	make_pipe(up);
	pid = spawn();
	if (pid == 0) {
		long b = SYS1(SYS_brk, 0);
		char *q = map(PAGE, MAP_PRIVATE);

		CHECK_EQ(b, parent_brk);
		CHECK_EQ(SYS1(SYS_brk, b + (1 << 20)), b + (1 << 20));
		((volatile char *)b)[0] = 1;
		q[0] = 1;
		addr = (long)q;
		SYS3(SYS_write, up[1], &addr, sizeof(addr));
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, up[0], &addr, sizeof(addr)), sizeof(addr));
	CHECK_CHILD_OK(pid);
	CHECK_ERR(SYS3(SYS_madvise, addr, PAGE, MADV_NORMAL), ENOMEM);
	CHECK_EQ(SYS1(SYS_brk, 0), parent_brk);
	close2(up);
}

int main(void)
{
	test_big();
	test_shared_private();
	test_dontneed();
	test_mprotect();
	test_kernel_write();
	test_dontfork();
	test_wipeonfork();
	test_child_maps();
	return guest_done();
}
