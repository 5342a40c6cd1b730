// SPDX-License-Identifier: Apache-2.0
/*
 * Memory across fork(2): private memory is copied (on write), both ways,
 * whoever writes first, and when the kernel is the writer (read(2));
 * MAP_SHARED anonymous memory is shared both ways; MADV_DONTNEED,
 * mprotect, mmap and brk in one process leave the other alone;
 * MADV_DONTFORK leaves a hole in the child, MADV_WIPEONFORK zeros.
 * Copy-on-write is per page: a write copies the page written, every
 * other stays shared (smaps' Shared_Dirty, Private_Dirty and Pss say so),
 * whatever the page's place in its mapping, after mprotect, munmap or
 * mremap have changed the mapping since the fork, and across two forks.
 */
#include "proc.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

static char smaps[1 << 20];

/*
 * The smaps line key of the mapping starting at addr, in kB (~0 if
 * missing): the whole file is read each time, as a parser would.
 */
static unsigned long long smaps_kb(void *addr, const char *key)
{
	long fd = SYS3(SYS_open, "/proc/self/smaps", O_RDONLY, 0), n, len = 0;
	char head[32];
	const char *p;
	size_t klen = strlen(key);

	if (fd < 0)
		return ~0ULL;
	while ((size_t)len < sizeof(smaps) - 1 &&
	       (n = SYS3(SYS_read, fd, smaps + len, sizeof(smaps) - 1 - len)) >
		   0)
		len += n;
	SYS1(SYS_close, fd);
	smaps[len] = '\0';
	snprintf(head, sizeof(head), "%08lx-", (unsigned long)addr);
	p = smaps;
	if (strncmp(p, head, strlen(head))) {
		p = strstr(smaps, head);
		while (p && p != smaps && p[-1] != '\n')
			p = strstr(p + 1, head);
	}
	if (!p)
		return ~0ULL;
	/* The block's lines, up to VmFlags. */
	for (p = strchr(p, '\n'); p && strncmp(p + 1, "VmFlags:", 8);
	     p = strchr(p + 1, '\n'))
		if (!strncmp(p + 1, key, klen) && p[1 + klen] == ':')
			return strtoull(p + 2 + klen, NULL, 10);
	return ~0ULL;
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

/* All pages of [p, p+len) hold byte c? */
static bool all(const unsigned char *p, size_t len, unsigned char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/*
 * 64 MiB written before a fork, as the parent's smaps shows it: all of
 * it shared while the child lives (Pss half of it), one page private on
 * both sides once the parent writes it, and all private when the child
 * is gone.
 */
static void test_smaps_shared(void)
{
	const unsigned long long kb = BIG >> 10, pg = PAGE >> 10;
	unsigned char *m = map(BIG, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	/* Pages of 4 KiB, as moat's: no transparent huge pages. */
	SYS3(SYS_madvise, m, BIG, MADV_NOHUGEPAGE);
	memset(m, 0x77, BIG);
	CHECK_EQ(smaps_kb(m, "Rss"), kb);
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), kb);
	CHECK_EQ(smaps_kb(m, "Shared_Dirty"), 0);
	CHECK_EQ(smaps_kb(m, "Pss"), kb);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		put_byte(up[1], 'r');
		/* The parent has written one page: it is the child's alone
		 * too, the old one being nobody else's. */
		CHECK_EQ(get_byte(down[0]), 'w');
		CHECK_EQ(smaps_kb(m, "Shared_Dirty"), kb - pg);
		CHECK_EQ(smaps_kb(m, "Private_Dirty"), pg);
		CHECK(all(m, BIG, 0x77));
		put_byte(up[1], 'c');
		CHECK_EQ(get_byte(down[0]), 'x');
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'r');
	CHECK_EQ(smaps_kb(m, "Rss"), kb);
	CHECK_EQ(smaps_kb(m, "Shared_Dirty"), kb);
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), 0);
	CHECK_EQ(smaps_kb(m, "Pss"), kb / 2);
	m[BIG / 2 + 5] = 0x78;
	CHECK_EQ(smaps_kb(m, "Rss"), kb);
	CHECK_EQ(smaps_kb(m, "Shared_Dirty"), kb - pg);
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), pg);
	CHECK_EQ(smaps_kb(m, "Pss"), (kb - pg) / 2 + pg);
	put_byte(down[1], 'w');
	CHECK_EQ(get_byte(up[0]), 'c');
	put_byte(down[1], 'x');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(smaps_kb(m, "Shared_Dirty"), 0);
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), kb);
	CHECK_EQ(smaps_kb(m, "Pss"), kb);
	CHECK_EQ(m[BIG / 2 + 5], 0x78);
	CHECK_EQ(m[BIG / 2 + 4], 0x77);
	m[BIG / 2 + 4] = 0x79; /* nobody else's: written in place */
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), kb);
	close2(up);
	close2(down);
	munmap(m, BIG);
}

/*
 * Writes at the first, a middle and the last page of a mapping, by each
 * side: never seen by the other, and the pages beside them stay shared.
 */
static void test_page_positions(void)
{
	enum {
		N = 16
	};
	static const size_t at[] = {0, N / 2, N - 1};
	unsigned char *m = map(N * PAGE, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	memset(m, 'p', N * PAGE);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		for (size_t i = 0; i < 3; i++)
			memset(m + at[i] * PAGE, 'c', PAGE);
		CHECK_EQ(smaps_kb(m, "Private_Dirty"), 3 * PAGE / 1024);
		CHECK_EQ(smaps_kb(m, "Shared_Dirty"), (N - 3) * PAGE / 1024);
		put_byte(up[1], 'w');
		CHECK_EQ(get_byte(down[0]), 'v');
		for (size_t pg = 0; pg < N; pg++) {
			bool mine = pg == 0 || pg == N / 2 || pg == N - 1;

			CHECK(all(m + pg * PAGE, PAGE, mine ? 'c' : 'p'));
		}
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'w');
	CHECK(all(m, N * PAGE, 'p'));
	/* The pages the child copied are the parent's alone now. */
	CHECK_EQ(smaps_kb(m, "Private_Dirty"), 3 * PAGE / 1024);
	/* The same pages and their neighbours, from this side. */
	for (size_t i = 0; i < 3; i++)
		m[at[i] * PAGE + PAGE - 1] = 'P';
	m[PAGE] = 'P';
	m[(N - 2) * PAGE] = 'P';
	put_byte(down[1], 'v');
	CHECK_CHILD_OK(pid);
	for (size_t i = 0; i < 3; i++) {
		CHECK(all(m + at[i] * PAGE, PAGE - 1, 'p'));
		CHECK_EQ(m[at[i] * PAGE + PAGE - 1], 'P');
	}
	CHECK_EQ(m[PAGE], 'P');
	CHECK_EQ(m[(N - 2) * PAGE], 'P');
	CHECK(all(m + 2 * PAGE, 6 * PAGE, 'p'));
	close2(up);
	close2(down);
	munmap(m, N * PAGE);
}

/* mprotect and munmap split a mapping after the fork, on either side. */
static void test_split_after_fork(void)
{
	enum {
		N = 8
	};
	unsigned char *m = map(N * PAGE, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	memset(m, 'a', N * PAGE);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS3(SYS_mprotect, m + 2 * PAGE, PAGE, PROT_READ), 0);
		CHECK_EQ(SYS2(SYS_munmap, m + 5 * PAGE, PAGE), 0);
		m[PAGE] = m[3 * PAGE] = m[4 * PAGE] = m[6 * PAGE] = 'c';
		CHECK_EQ(m[2 * PAGE], 'a');
		CHECK_EQ(SYS3(SYS_mprotect, m + 2 * PAGE, PAGE,
			      PROT_READ | PROT_WRITE),
			 0);
		m[2 * PAGE + 1] = 'c';
		put_byte(up[1], 'w');
		CHECK_EQ(get_byte(down[0]), 'v');
		CHECK(all(m, PAGE, 'a'));
		CHECK(all(m + 7 * PAGE, PAGE, 'a'));
		CHECK_EQ(m[PAGE], 'c');
		CHECK_EQ(m[2 * PAGE], 'a');
		CHECK_EQ(m[2 * PAGE + 1], 'c');
		CHECK_EQ(m[4 * PAGE], 'c');
		CHECK_EQ(m[6 * PAGE], 'c');
		CHECK(all(m + 6 * PAGE + 1, PAGE - 1, 'a'));
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'w');
	CHECK(all(m, N * PAGE, 'a'));
	CHECK_EQ(SYS3(SYS_mprotect, m + 4 * PAGE, 2 * PAGE, PROT_READ), 0);
	CHECK(all(m + 4 * PAGE, 2 * PAGE, 'a'));
	CHECK_EQ(
	    SYS3(SYS_mprotect, m + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE),
	    0);
	m[0] = m[5 * PAGE] = m[7 * PAGE + PAGE - 1] = 'p';
	CHECK_EQ(SYS2(SYS_munmap, m + 3 * PAGE, PAGE), 0);
	put_byte(down[1], 'v');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(m[0], 'p');
	CHECK_EQ(m[5 * PAGE], 'p');
	CHECK_EQ(m[7 * PAGE + PAGE - 1], 'p');
	CHECK(all(m + PAGE, 2 * PAGE, 'a'));
	CHECK(all(m + 4 * PAGE, PAGE, 'a'));
	CHECK(all(m + 6 * PAGE, PAGE, 'a'));
	close2(up);
	close2(down);
	munmap(m, N * PAGE);
}

/*
 * mremap of memory a fork shares: its pages move along, still shared
 * until written, the grown part is zero, and the other side keeps its own.
 */
static void test_mremap_cow(void)
{
	enum {
		N = 8
	};
	unsigned char *m = map(N * PAGE, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	memset(m, 'a', N * PAGE);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		/* A place to move to, away from m. */
		unsigned char *to = map(3 * N * PAGE, MAP_PRIVATE), *q;

		q = mremap(m, N * PAGE, 2 * N * PAGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to + N * PAGE);
		CHECK(q == to + N * PAGE);
		CHECK(all(q, N * PAGE, 'a'));
		CHECK(all(q + N * PAGE, N * PAGE, 0));
		CHECK_EQ(smaps_kb(q, "Shared_Dirty"), N * PAGE / 1024);
		q[0] = q[N * PAGE - 1] = q[N * PAGE] = 'c';
		CHECK_EQ(smaps_kb(q, "Shared_Dirty"), (N - 2) * PAGE / 1024);
		put_byte(up[1], 'w');
		CHECK_EQ(get_byte(down[0]), 'v');
		CHECK_EQ(q[0], 'c');
		CHECK(all(q + 1, N * PAGE - 2, 'a'));
		CHECK_EQ(q[N * PAGE - 1], 'c');
		CHECK_EQ(q[N * PAGE], 'c');
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'w');
	CHECK(all(m, N * PAGE, 'a'));
	/* The parent moves its own too, then writes. */
	{
		unsigned char *to = map(2 * N * PAGE, MAP_PRIVATE), *q;

		q = mremap(m, N * PAGE, N * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   to);
		CHECK(q == to);
		m = q;
		munmap(to + N * PAGE, N * PAGE);
	}
	CHECK(all(m, N * PAGE, 'a'));
	m[PAGE] = 'p';
	m[N * PAGE - 1] = 'p';
	put_byte(down[1], 'v');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(m[PAGE], 'p');
	CHECK_EQ(m[0], 'a');
	CHECK_EQ(m[N * PAGE - 1], 'p');
	CHECK(all(m + 2 * PAGE, (N - 3) * PAGE, 'a'));
	close2(up);
	close2(down);
	munmap(m, N * PAGE);
}

/*
 * A fork of a fork: three address spaces share the pages none of them
 * wrote (a third of each in Pss), and each write stays its writer's.
 */
static void test_fork_of_fork(void)
{
	unsigned char *m = map(4 * PAGE, MAP_PRIVATE);
	int up[2], down[2];
	pid_t pid;

	memset(m, 'a', 4 * PAGE);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		pid_t g;

		m[PAGE] = 'c';
		g = spawn();
		if (g == 0) {
			CHECK_EQ(m[0], 'a');
			CHECK_EQ(m[PAGE], 'c');
			m[0] = m[2 * PAGE] = 'g';
			/* Page 1 is the child's and this one's, page 3
			 * everybody's: 4 + 2 + 4 + 4/3 kB. */
			CHECK_EQ(smaps_kb(m, "Rss"), 16);
			CHECK_EQ(smaps_kb(m, "Shared_Dirty"), 8);
			CHECK_EQ(smaps_kb(m, "Private_Dirty"), 8);
			CHECK_EQ(smaps_kb(m, "Pss"), 11);
			put_byte(up[1], 'g');
			CHECK_EQ(get_byte(down[0]), 'v');
			CHECK_EQ(m[0], 'g');
			CHECK_EQ(m[2 * PAGE], 'g');
			CHECK(all(m + 3 * PAGE, PAGE, 'a'));
			child_exit();
		}
		CHECK_CHILD_OK(g);
		CHECK(all(m, PAGE, 'a'));
		CHECK_EQ(m[PAGE], 'c');
		CHECK(all(m + 2 * PAGE, 2 * PAGE, 'a'));
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'g');
	m[3 * PAGE] = 'p';
	put_byte(down[1], 'v');
	CHECK_CHILD_OK(pid);
	CHECK(all(m, 3 * PAGE, 'a'));
	CHECK_EQ(m[3 * PAGE], 'p');
	close2(up);
	close2(down);
	munmap(m, 4 * PAGE);
}

/*
 * The child writes every other page of 48 MiB, then the rest, from the
 * top down: each side keeps its own data however scattered the copies.
 */
static void test_scattered(void)
{
	enum {
		LEN = 48UL << 20,
		PAGES = LEN / PAGE
	};
	unsigned char *m = map(LEN, MAP_PRIVATE);
	pid_t pid;

	for (size_t i = 0; i < PAGES; i++)
		m[i * PAGE] = 'a';
	pid = spawn();
	if (pid == 0) {
		size_t bad = 0;

		for (size_t i = 1; i < PAGES; i += 2)
			m[i * PAGE + 1] = 'c';
		for (size_t i = 0; i < PAGES; i++)
			bad += m[i * PAGE] != 'a' ||
			       m[i * PAGE + 1] != (i % 2 ? 'c' : 0);
		CHECK_EQ(bad, 0);
		for (size_t i = PAGES; i-- > 0;)
			m[i * PAGE + 2] = 'd';
		for (size_t i = 0; i < PAGES; i++)
			bad += m[i * PAGE] != 'a' || m[i * PAGE + 2] != 'd';
		CHECK_EQ(bad, 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	for (size_t i = 0; i < PAGES; i++)
		if (m[i * PAGE] != 'a' || m[i * PAGE + 1] || m[i * PAGE + 2]) {
			CHECK_EQ(i, PAGES);
			break;
		}
	munmap(m, LEN);
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
	test_smaps_shared();
	test_page_positions();
	test_split_after_fork();
	test_mremap_cow();
	test_fork_of_fork();
	test_scattered();
	return guest_done();
}
