// SPDX-License-Identifier: Apache-2.0
/*
 * Anonymous mmap, munmap, mprotect, mremap and madvise. Memory that must
 * not be touched (holes, PROT_NONE) is probed with syscalls instead:
 * fstat writes a struct stat (EFAULT where not writable), FIONBIO reads an
 * int (EFAULT where not readable), mprotect and madvise fail with ENOMEM
 * over unmapped pages.
 */
#include "guest.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PAGE  4096L
#define KADDR 0xffff800000000000UL

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static char *map(void *addr, long len, int prot, int flags)
{
	return (char *)SYS6(SYS_mmap, addr, len, prot, flags, -1, 0);
}

static char *map_rw(long len)
{
	return map(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS);
}

static bool mapped_ok(const char *p)
{
	return (long)p > 0 && ((uintptr_t)p & (PAGE - 1)) == 0;
}

/* Is the page at p mapped at all? */
static bool is_mapped(const char *p)
{
	return SYS3(SYS_madvise, p, PAGE, MADV_NORMAL) == 0;
}

/* Can the kernel read an int at p? Leaves fd 0 blocking. */
static bool can_read(const char *p)
{
	static const int off;
	long r = SYS3(SYS_ioctl, 0, FIONBIO, p);

	SYS3(SYS_ioctl, 0, FIONBIO, &off);
	return r == 0;
}

/* Can the kernel write a struct stat at p? */
static bool can_write(char *p)
{
	return SYS2(SYS_fstat, 0, p) == 0;
}

static bool all_bytes(const char *p, long len, char c)
{
	for (long i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void check_mmap_args(void)
{
	char *p;

	CHECK_ERR(
	    SYS6(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	    EINVAL);
	/* Neither private nor shared; both is MAP_SHARED_VALIDATE. */
	CHECK_ERR(SYS6(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_mmap, 0, PAGE, PROT_READ,
		       MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
		  EINVAL);
	/* The offset must be page-aligned even for anonymous memory. */
	CHECK_ERR(SYS6(SYS_mmap, 0, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 1),
		  EINVAL);
	CHECK_ERR(
	    SYS6(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1),
	    EINVAL);
	/* Too long: rounding up overflows, or beyond the address space. */
	CHECK_ERR(SYS6(SYS_mmap, 0, -1L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0),
		  ENOMEM);
	CHECK_ERR(SYS6(SYS_mmap, 0, 1L << 47, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		  ENOMEM);
	CHECK_ERR(SYS6(SYS_mmap, 0, 1L << 62, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
		  ENOMEM);
	/* MAP_FIXED: an unaligned address, or one beyond the user range. */
	CHECK_ERR(SYS6(SYS_mmap, 0x10000000 + 1, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_mmap, 0x10000000 + 1, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		       0),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_mmap, 1L << 47, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  ENOMEM);
	CHECK_ERR(SYS6(SYS_mmap, KADDR, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  ENOMEM);
	/* Shared memory cannot grow down. */
	CHECK_ERR(SYS6(SYS_mmap, 0, PAGE, PROT_READ,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
		  EINVAL);
	/* A file mapping needs a file. */
	CHECK_ERR(SYS6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0),
		  EBADF);

	/* The fd and offset of anonymous memory are ignored otherwise. */
	p = (char *)SYS6(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, 12345, 1L << 30);
	CHECK(mapped_ok(p));
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
}

static void check_mmap(void)
{
	char *p, *q, *r;

	/* Fresh anonymous memory: page-aligned, zeroed, private. */
	p = map_rw(4 * PAGE);
	CHECK(mapped_ok(p));
	CHECK(all_bytes(p, 4 * PAGE, 0));
	memset(p, 0x5a, 4 * PAGE);
	CHECK(all_bytes(p, 4 * PAGE, 0x5a));
	/* A length that is not a page multiple is rounded up. */
	q = map_rw(PAGE + 1);
	CHECK(mapped_ok(q));
	CHECK(is_mapped(q + PAGE));
	CHECK(all_bytes(q, 2 * PAGE, 0));
	CHECK_EQ(SYS2(SYS_munmap, q, PAGE + 1), 0);
	CHECK(!is_mapped(q) && !is_mapped(q + PAGE));

	/* MAP_FIXED_NOREPLACE over a mapping: EEXIST, nothing changed. */
	CHECK_ERR(SYS6(SYS_mmap, p + PAGE, PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		       0),
		  EEXIST);
	CHECK(all_bytes(p, 4 * PAGE, 0x5a));
	/* Partly over one, too. */
	CHECK_EQ(SYS2(SYS_munmap, p + 3 * PAGE, PAGE), 0);
	CHECK_ERR(SYS6(SYS_mmap, p + 2 * PAGE, 2 * PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		       0),
		  EEXIST);
	CHECK(!is_mapped(p + 3 * PAGE));
	/* Into the hole: exactly there. */
	q = map(p + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	CHECK_EQ(q, p + 3 * PAGE);
	CHECK(all_bytes(q, PAGE, 0));

	/* MAP_FIXED replaces what was there with fresh zeroes. */
	q = map(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	CHECK_EQ(q, p + PAGE);
	CHECK(all_bytes(p, PAGE, 0x5a));
	CHECK(all_bytes(p + PAGE, PAGE, 0));
	CHECK(all_bytes(p + 2 * PAGE, PAGE, 0x5a));

	/* A free hint is taken as it is, page-aligned down; a busy one not. */
	CHECK_EQ(SYS2(SYS_munmap, p, 4 * PAGE), 0);
	q = map(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK_EQ(q, p + PAGE);
	r = map(p + 2 * PAGE + 123, PAGE, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK_EQ(r, p + 2 * PAGE);
	r = map(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(mapped_ok(r));
	CHECK(r != p + PAGE);
	CHECK_EQ(SYS2(SYS_munmap, r, PAGE), 0);
	CHECK_EQ(SYS2(SYS_munmap, p, 4 * PAGE), 0);

	/* Shared anonymous memory, populated, unreserved, growing down. */
	p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE);
	CHECK(mapped_ok(p));
	CHECK(all_bytes(p, 2 * PAGE, 0));
	p[PAGE] = 1;
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * PAGE), 0);
	p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE);
	CHECK(mapped_ok(p));
	CHECK(all_bytes(p, 2 * PAGE, 0));
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * PAGE), 0);
	p = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN);
	CHECK(mapped_ok(p));
	p[0] = 1;
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * PAGE), 0);

	/* Protections as the kernel sees them. */
	p = map(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(mapped_ok(p));
	CHECK(is_mapped(p));
	CHECK(!can_read(p));
	CHECK(!can_write(p));
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
	p = map(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(can_read(p));
	CHECK(!can_write(p));
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
	/* On x86, write and exec imply read. */
	p = map(NULL, PAGE, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(can_read(p));
	CHECK(can_write(p));
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
	p = map(NULL, PAGE, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
	CHECK(can_read(p));
	CHECK(!can_write(p));
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
}

static void check_munmap(void)
{
	char *p;

	CHECK_ERR(SYS2(SYS_munmap, 0x10000000 + 1, PAGE), EINVAL);
	CHECK_ERR(SYS2(SYS_munmap, 0x10000000, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_munmap, 0x10000000, -1L), EINVAL);
	CHECK_ERR(SYS2(SYS_munmap, KADDR, PAGE), EINVAL);
	CHECK_ERR(SYS2(SYS_munmap, (1L << 47) - PAGE, 2 * PAGE), EINVAL);

	p = map_rw(5 * PAGE);
	CHECK(mapped_ok(p));
	memset(p, 7, 5 * PAGE);
	/* Unmapping what is not mapped is no error. */
	CHECK_EQ(SYS2(SYS_munmap, p + 5 * PAGE, 64 * PAGE), 0);
	/* Splitting: the pages around the hole stay, with their contents. */
	CHECK_EQ(SYS2(SYS_munmap, p + PAGE, PAGE + 1), 0);
	CHECK(is_mapped(p));
	CHECK(!is_mapped(p + PAGE));
	CHECK(!is_mapped(p + 2 * PAGE));
	CHECK(is_mapped(p + 3 * PAGE));
	CHECK(all_bytes(p, PAGE, 7));
	CHECK(all_bytes(p + 3 * PAGE, 2 * PAGE, 7));
	CHECK(!can_read(p + PAGE));
	CHECK(!can_write(p + 2 * PAGE));
	CHECK_ERR(SYS3(SYS_mprotect, p + PAGE, PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(SYS5(SYS_mremap, p + PAGE, PAGE, PAGE, 0, 0), EFAULT);
	CHECK_EQ(SYS3(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ), 0);
	/* One call over several mappings and holes removes them all. */
	CHECK_EQ(SYS2(SYS_munmap, p, 5 * PAGE), 0);
	CHECK(!is_mapped(p));
	CHECK(!is_mapped(p + 3 * PAGE));
	CHECK(!is_mapped(p + 4 * PAGE));
}

static void check_mprotect(void)
{
	char *p = map_rw(4 * PAGE);

	CHECK(mapped_ok(p));
	memset(p, 3, 4 * PAGE);
	CHECK_ERR(SYS3(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	CHECK_ERR(SYS3(SYS_mprotect, p, PAGE, PROT_GROWSDOWN | PROT_GROWSUP),
		  EINVAL);
	CHECK_ERR(SYS3(SYS_mprotect, p, PAGE, 0x10), EINVAL);
	/* Length 0 succeeds before the protection is looked at. */
	CHECK_EQ(SYS3(SYS_mprotect, p, 0, PROT_READ), 0);
	CHECK_EQ(SYS3(SYS_mprotect, p, 0, 0x10), 0);
	/* A range that wraps is ENOMEM, also before the protection. */
	CHECK_ERR(SYS3(SYS_mprotect, p, -PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(SYS3(SYS_mprotect, p, -PAGE, 0x10), ENOMEM);
	/* PROT_GROWSDOWN needs a VM_GROWSDOWN mapping; no GROWSUP on x86. */
	CHECK_ERR(SYS3(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSDOWN),
		  EINVAL);
	CHECK_ERR(SYS3(SYS_mprotect, p, PAGE, PROT_READ | PROT_GROWSUP),
		  EINVAL);

	CHECK_EQ(SYS3(SYS_mprotect, p + PAGE, PAGE, PROT_NONE), 0);
	CHECK(!can_read(p + PAGE));
	CHECK(can_write(p));
	CHECK(can_write(p + 2 * PAGE));
	/* A struct stat straddling into the PROT_NONE page. */
	CHECK(!can_write(p + PAGE - 8));
	CHECK_EQ(SYS3(SYS_mprotect, p + PAGE, 2 * PAGE, PROT_READ), 0);
	CHECK(can_read(p + PAGE));
	CHECK(!can_write(p + 2 * PAGE));
	/* Contents survive (the probes above wrote to p and p + 2 pages). */
	CHECK(all_bytes(p + PAGE, PAGE, 3));
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 3));
	/* The length is rounded up. */
	CHECK_EQ(SYS3(SYS_mprotect, p, 1, PROT_READ | PROT_WRITE), 0);
	CHECK(can_write(p));
	CHECK(!can_write(p + PAGE));
	CHECK_EQ(SYS3(SYS_mprotect, p, 4 * PAGE, PROT_READ | PROT_WRITE), 0);
	CHECK(can_write(p + 3 * PAGE - 8));

	/* Over a hole: ENOMEM, after changing the part before the hole. */
	CHECK_EQ(SYS2(SYS_munmap, p + 2 * PAGE, PAGE), 0);
	CHECK_ERR(SYS3(SYS_mprotect, p + 2 * PAGE, PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(SYS3(SYS_mprotect, p, 4 * PAGE, PROT_READ), ENOMEM);
	CHECK(!can_write(p));
	CHECK(!can_write(p + PAGE));
	CHECK(can_write(p + 3 * PAGE));
	CHECK_ERR(SYS3(SYS_mprotect, p + 2 * PAGE, 2 * PAGE, PROT_NONE),
		  ENOMEM);
	CHECK(can_write(p + 3 * PAGE));
	CHECK_ERR(SYS3(SYS_mprotect, p + 2 * PAGE, PAGE, PROT_READ | 0x10),
		  EINVAL);
	CHECK_ERR(
	    SYS3(SYS_mprotect, p + 2 * PAGE, PAGE, PROT_READ | PROT_GROWSUP),
	    ENOMEM);
	CHECK_EQ(SYS3(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ), 0);
	CHECK_EQ(SYS2(SYS_munmap, p, 4 * PAGE), 0);
}

static void check_mremap(void)
{
	char *p, *q, *r;

	p = map_rw(4 * PAGE);
	CHECK(mapped_ok(p));
	memset(p, 9, 4 * PAGE);

	CHECK_ERR(SYS5(SYS_mremap, p + 1, PAGE, PAGE, 0, 0), EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, 0, 0, 0), EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, PAGE, 0x80, 0), EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, PAGE, MREMAP_FIXED, p + 8 * PAGE),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, 2 * PAGE,
		       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, PAGE, MREMAP_DONTUNMAP, 0), EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		       p + 8 * PAGE + 1),
		  EINVAL);
	/* The new range may not overlap the old. */
	CHECK_ERR(SYS5(SYS_mremap, p, 2 * PAGE, 2 * PAGE,
		       MREMAP_MAYMOVE | MREMAP_FIXED, p + PAGE),
		  EINVAL);
	/* The old range must be mapped at its start... */
	CHECK_ERR(SYS5(SYS_mremap, p + 4 * PAGE, PAGE, PAGE, 0, 0), EFAULT);
	CHECK_ERR(SYS5(SYS_mremap, p + 4 * PAGE, 2 * PAGE, PAGE, 0, 0), EFAULT);
	CHECK_ERR(SYS5(SYS_mremap, p + 4 * PAGE, PAGE, PAGE,
		       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0),
		  EFAULT);
	/* ...and to grow or move, lie in one mapping. */
	CHECK_ERR(SYS5(SYS_mremap, p + 3 * PAGE, 2 * PAGE, 3 * PAGE,
		       MREMAP_MAYMOVE, 0),
		  EFAULT);
	CHECK_EQ(SYS3(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ), 0);
	CHECK_ERR(SYS5(SYS_mremap, p + 2 * PAGE, 2 * PAGE, 3 * PAGE,
		       MREMAP_MAYMOVE, 0),
		  EFAULT);
	CHECK_EQ(SYS3(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE),
		 0);

	/* Same size: nothing to do. */
	CHECK_EQ(SYS5(SYS_mremap, p, 4 * PAGE, 4 * PAGE, 0, 0), p);
	/* Shrinking in place unmaps the tail. */
	CHECK_EQ(SYS5(SYS_mremap, p, 4 * PAGE, 2 * PAGE, 0, 0), p);
	CHECK(all_bytes(p, 2 * PAGE, 9));
	CHECK(!is_mapped(p + 2 * PAGE));
	CHECK(!is_mapped(p + 3 * PAGE));
	/* Growing in place into free space: new pages are zero. */
	CHECK_EQ(SYS5(SYS_mremap, p, 2 * PAGE, 3 * PAGE, 0, 0), p);
	CHECK(all_bytes(p, 2 * PAGE, 9));
	CHECK(all_bytes(p + 2 * PAGE, PAGE, 0));
	/* Blocked by another mapping: ENOMEM unless it may move. */
	q = map(p + 3 * PAGE, PAGE, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
	CHECK_EQ(q, p + 3 * PAGE);
	CHECK_ERR(SYS5(SYS_mremap, p, 3 * PAGE, 4 * PAGE, 0, 0), ENOMEM);
	CHECK(all_bytes(p, 2 * PAGE, 9));
	r = (char *)SYS5(SYS_mremap, p, 3 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0);
	CHECK(mapped_ok(r));
	CHECK(r != p);
	CHECK(all_bytes(r, 2 * PAGE, 9));
	CHECK(all_bytes(r + 2 * PAGE, 6 * PAGE, 0));
	CHECK(!is_mapped(p));
	CHECK(is_mapped(q));
	CHECK_EQ(SYS2(SYS_munmap, q, PAGE), 0);

	/* MREMAP_FIXED moves to exactly there, replacing what was there. */
	q = map_rw(2 * PAGE);
	CHECK(mapped_ok(q));
	memset(q, 4, 2 * PAGE);
	CHECK_EQ(SYS5(SYS_mremap, r, PAGE, 2 * PAGE,
		      MREMAP_MAYMOVE | MREMAP_FIXED, q),
		 q);
	CHECK(all_bytes(q, PAGE, 9));
	CHECK(all_bytes(q + PAGE, PAGE, 0));
	CHECK(!is_mapped(r));
	CHECK(is_mapped(r + PAGE));
	/* Shrinking while moving. */
	CHECK_EQ(SYS5(SYS_mremap, r + PAGE, 7 * PAGE, PAGE,
		      MREMAP_MAYMOVE | MREMAP_FIXED, r),
		 r);
	CHECK(all_bytes(r, PAGE, 9));
	CHECK(!is_mapped(r + PAGE));
	CHECK(!is_mapped(r + 2 * PAGE));

	/* MREMAP_DONTUNMAP: the pages move; the old range stays, empty. */
	p = (char *)SYS5(SYS_mremap, q, 2 * PAGE, 2 * PAGE,
			 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(mapped_ok(p));
	CHECK(p != q);
	CHECK(all_bytes(p, PAGE, 9));
	CHECK(is_mapped(q));
	CHECK(all_bytes(q, 2 * PAGE, 0));
	CHECK_EQ(SYS2(SYS_munmap, p, 2 * PAGE), 0);
	CHECK_EQ(SYS2(SYS_munmap, q, 2 * PAGE), 0);
	CHECK_EQ(SYS2(SYS_munmap, r, PAGE), 0);

	/*
	 * Shrinking unmaps the tail as munmap does, whatever it spans:
	 * pages [0, 2) mapped, [2] a hole, [3] read-only, [4] a hole.
	 */
	p = map_rw(5 * PAGE);
	CHECK(mapped_ok(p));
	memset(p, 8, 5 * PAGE);
	CHECK_EQ(SYS2(SYS_munmap, p + 4 * PAGE, PAGE), 0);
	CHECK_EQ(SYS2(SYS_munmap, p + 2 * PAGE, PAGE), 0);
	CHECK_EQ(SYS3(SYS_mprotect, p + 3 * PAGE, PAGE, PROT_READ), 0);
	CHECK_EQ(SYS5(SYS_mremap, p, 5 * PAGE, 5 * PAGE, 0, 0), p);
	CHECK(is_mapped(p + 3 * PAGE));
	CHECK_EQ(SYS5(SYS_mremap, p, 5 * PAGE, PAGE, 0, 0), p);
	CHECK(all_bytes(p, PAGE, 8));
	CHECK(!is_mapped(p + PAGE));
	CHECK(!is_mapped(p + 3 * PAGE));
	/* The tail beyond the user range: munmap's EINVAL. */
	CHECK_ERR(SYS5(SYS_mremap, p, 1L << 47, PAGE, 0, 0), EINVAL);
	/* MREMAP_FIXED shrinks first, then moves what is left. */
	q = map_rw(3 * PAGE);
	CHECK(mapped_ok(q));
	CHECK_EQ(SYS2(SYS_munmap, q + PAGE, PAGE), 0);
	CHECK_EQ(SYS5(SYS_mremap, p, 2 * PAGE, PAGE,
		      MREMAP_MAYMOVE | MREMAP_FIXED, q + PAGE),
		 q + PAGE);
	CHECK(all_bytes(q + PAGE, PAGE, 8));
	CHECK(!is_mapped(p));
	CHECK_EQ(SYS2(SYS_munmap, q, 3 * PAGE), 0);
	/* New lengths beyond the user range are EINVAL, not ENOMEM. */
	p = map_rw(PAGE);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, -PAGE, MREMAP_MAYMOVE, 0), EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, 1L << 47, MREMAP_MAYMOVE, 0),
		  EINVAL);
	CHECK_ERR(SYS5(SYS_mremap, p, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		       1L << 47),
		  EINVAL);
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);

	/* Duplicating a private mapping (old length 0) is refused. */
	p = map_rw(PAGE);
	CHECK_ERR(SYS5(SYS_mremap, p, 0, PAGE, MREMAP_MAYMOVE, 0), EINVAL);
	CHECK_EQ(SYS2(SYS_munmap, p, PAGE), 0);
}

static void check_madvise(void)
{
	char *p = map_rw(4 * PAGE), *s;

	CHECK(mapped_ok(p));
	memset(p, 6, 4 * PAGE);
	CHECK_ERR(SYS3(SYS_madvise, p + 1, PAGE, MADV_NORMAL), EINVAL);
	CHECK_ERR(SYS3(SYS_madvise, p, PAGE, 12345), EINVAL);
	CHECK_ERR(SYS3(SYS_madvise, p, PAGE, -1), EINVAL);
	CHECK_ERR(SYS3(SYS_madvise, p, -PAGE, MADV_NORMAL), EINVAL);
	CHECK_EQ(SYS3(SYS_madvise, p, 0, MADV_DONTNEED), 0);
	CHECK_EQ(SYS3(SYS_madvise, p, 4 * PAGE, MADV_WILLNEED), 0);
	CHECK_EQ(SYS3(SYS_madvise, p, 4 * PAGE, MADV_SEQUENTIAL), 0);
	CHECK(all_bytes(p, 4 * PAGE, 6));
	/* MADV_REMOVE is for shared memory only. */
	CHECK_ERR(SYS3(SYS_madvise, p, PAGE, MADV_REMOVE), EINVAL);

	/* DONTNEED drops private pages: they read back as zero. */
	CHECK_EQ(SYS3(SYS_madvise, p + PAGE, PAGE + 1, MADV_DONTNEED), 0);
	CHECK(all_bytes(p, PAGE, 6));
	CHECK(all_bytes(p + PAGE, 2 * PAGE, 0));
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 6));
	/* The pages stay mapped, and can be written again. */
	p[PAGE] = 1;
	CHECK_EQ(p[PAGE], 1);

	/* Over a hole: ENOMEM. */
	CHECK_EQ(SYS2(SYS_munmap, p + 2 * PAGE, PAGE), 0);
	CHECK_ERR(SYS3(SYS_madvise, p + 2 * PAGE, PAGE, MADV_NORMAL), ENOMEM);
	CHECK_ERR(SYS3(SYS_madvise, p, 4 * PAGE, MADV_WILLNEED), ENOMEM);
	/* The pages on both sides of the hole take the advice regardless. */
	memset(p, 6, 2 * PAGE);
	memset(p + 3 * PAGE, 6, PAGE);
	CHECK_ERR(SYS3(SYS_madvise, p + PAGE, 3 * PAGE, MADV_DONTNEED), ENOMEM);
	CHECK(all_bytes(p, PAGE, 6));
	CHECK(all_bytes(p + PAGE, PAGE, 0));
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 0));
	/* Starting in the hole, too. */
	memset(p + 3 * PAGE, 6, PAGE);
	CHECK_ERR(SYS3(SYS_madvise, p + 2 * PAGE, 2 * PAGE, MADV_DONTNEED),
		  ENOMEM);
	CHECK(all_bytes(p + 3 * PAGE, PAGE, 0));
	CHECK_ERR(SYS3(SYS_madvise, p + 2 * PAGE, PAGE, 12345), EINVAL);
	CHECK_EQ(SYS2(SYS_munmap, p, 4 * PAGE), 0);

	/* Shared memory keeps its contents through DONTNEED. */
	s = map(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	CHECK(mapped_ok(s));
	memset(s, 2, PAGE);
	CHECK_EQ(SYS3(SYS_madvise, s, PAGE, MADV_DONTNEED), 0);
	CHECK(all_bytes(s, PAGE, 2));
	/* ...and loses them through REMOVE. */
	CHECK_EQ(SYS3(SYS_madvise, s, PAGE, MADV_REMOVE), 0);
	CHECK(all_bytes(s, PAGE, 0));
	CHECK_EQ(SYS2(SYS_munmap, s, PAGE), 0);
}

int main(void)
{
	check_mmap_args();
	check_mmap();
	check_munmap();
	check_mprotect();
	check_mremap();
	check_madvise();
	return guest_done();
}
