// SPDX-License-Identifier: Apache-2.0
/*
 * brk: the program break moves up and down in place, returns the old break
 * when it cannot move, zero-fills what it maps afresh and keeps a guard
 * page below the next mapping. Nothing here calls malloc, which would move
 * the break behind the test's back.
 */
#include "guest.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGE 4096UL

static uintptr_t brk_(uintptr_t addr)
{
	return (uintptr_t)SYS1(SYS_brk, addr);
}

static uintptr_t page_up(uintptr_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* Is the page at p mapped at all? */
static bool is_mapped(uintptr_t p)
{
	return SYS3(SYS_madvise, p & ~(PAGE - 1), PAGE, MADV_NORMAL) == 0;
}

static bool all_zero(const char *p, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int main(void)
{
	uintptr_t b0 = brk_(0), top, b;
	struct rlimit old, lim;
	char *heap, *m;
	int local;

	/* brk(0) and any address it cannot take return the break as is. */
	CHECK(b0 > 0);
	CHECK_EQ(brk_(0), b0);
	CHECK_EQ(brk_(b0), b0);
	CHECK_EQ(brk_(1), b0);
	CHECK_EQ(brk_(PAGE), b0);
	CHECK_EQ(brk_(-1UL), b0);
	CHECK_EQ(brk_(1UL << 47), b0);
	CHECK_EQ(brk_(0xffff800000000000UL), b0);
	/* Not over the stack either. */
	CHECK_EQ(brk_((uintptr_t)&local), b0);
	CHECK_EQ(brk_(0), b0);

	/* Within the break's last page: the exact value is kept. */
	top = page_up(b0);
	if (top > b0) {
		CHECK_EQ(brk_(top - 1), top - 1);
		CHECK_EQ(brk_(0), top - 1);
		CHECK_EQ(brk_(b0), b0);
	}

	/* Growing: fresh memory, zeroed and writable, to the exact value. */
	b = top + 3 * PAGE + 100;
	CHECK_EQ(brk_(b), b);
	CHECK_EQ(brk_(0), b);
	heap = (char *)top;
	CHECK(all_zero(heap, 4 * PAGE));
	memset(heap, 0x77, 4 * PAGE);
	CHECK(is_mapped(top + 3 * PAGE));
	CHECK(!is_mapped(top + 4 * PAGE));
	/* The kernel can write there too. */
	CHECK_EQ(SYS2(SYS_fstat, 0, heap + 2 * PAGE), 0);

	/* Shrinking unmaps whole pages above the new break. */
	CHECK_EQ(brk_(top + PAGE), top + PAGE);
	CHECK(is_mapped(top));
	CHECK(!is_mapped(top + PAGE));
	CHECK(!is_mapped(top + 3 * PAGE));
	CHECK_ERR(SYS2(SYS_fstat, 0, heap + 2 * PAGE), EFAULT);
	CHECK_EQ(heap[PAGE - 1], 0x77);
	/* Growing again brings zeroes, not the old contents. */
	CHECK_EQ(brk_(top + 4 * PAGE), top + 4 * PAGE);
	CHECK_EQ(heap[0], 0x77);
	CHECK(all_zero(heap + PAGE, 3 * PAGE));
	CHECK_EQ(brk_(b0), b0);
	CHECK(!is_mapped(top));
	CHECK_EQ(brk_(top + PAGE), top + PAGE);
	CHECK(all_zero(heap, PAGE));

	/*
	 * Another mapping above: the break may come up to one page below
	 * it (the guard gap), not further.
	 */
	m = (char *)SYS6(SYS_mmap, top + 8 * PAGE, PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0);
	CHECK_EQ(m, top + 8 * PAGE);
	CHECK_EQ(brk_(top + 8 * PAGE), top + PAGE);
	CHECK_EQ(brk_(top + 7 * PAGE + 1), top + PAGE);
	CHECK_EQ(brk_(top + 16 * PAGE), top + PAGE);
	CHECK(!is_mapped(top + PAGE));
	CHECK_EQ(brk_(top + 7 * PAGE), top + 7 * PAGE);
	CHECK(is_mapped(top + 6 * PAGE));
	CHECK(all_zero(heap, 7 * PAGE));
	CHECK_EQ(brk_(top + 7 * PAGE + 1), top + 7 * PAGE);
	/* Once it is gone, the break can grow over where it was. */
	CHECK_EQ(SYS2(SYS_munmap, m, PAGE), 0);
	CHECK_EQ(brk_(top + 10 * PAGE), top + 10 * PAGE);
	CHECK(is_mapped(top + 8 * PAGE));
	CHECK(all_zero(heap + 7 * PAGE, 3 * PAGE));
	/* The heap is an ordinary mapping to mprotect and madvise. */
	CHECK_EQ(SYS3(SYS_mprotect, top + 9 * PAGE, PAGE, PROT_READ), 0);
	CHECK_ERR(SYS2(SYS_fstat, 0, heap + 9 * PAGE), EFAULT);
	heap[0] = 1;
	CHECK_EQ(SYS3(SYS_madvise, top, PAGE, MADV_DONTNEED), 0);
	CHECK_EQ(heap[0], 0);
	CHECK_EQ(brk_(b0), b0);
	CHECK(!is_mapped(top + 9 * PAGE));

	/* RLIMIT_DATA caps the break: growing fails, brk(0) still works. */
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_DATA, NULL, &old), 0);
	lim = (struct rlimit){0, old.rlim_max};
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_DATA, &lim, NULL), 0);
	CHECK_EQ(brk_(top + 2 * PAGE), b0);
	CHECK(!is_mapped(top));
	CHECK_EQ(brk_(0), b0);
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_DATA, &old, NULL), 0);
	CHECK_EQ(brk_(top + 2 * PAGE), top + 2 * PAGE);
	CHECK_EQ(brk_(b0), b0);
	return guest_done();
}
