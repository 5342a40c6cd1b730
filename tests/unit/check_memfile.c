// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the memory file (sentry/mm/memfile.c). */
#include "sentry/mm/memfile.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PG	   4096ULL
#define MiB	   (1ULL << 20)
#define SMALL_SIZE (64 * MiB)

static struct memfile mf;

static void setup(void)
{
	ck_assert_int_eq(memfile_create(&mf, SMALL_SIZE), 0);
}

static void teardown(void)
{
	memfile_destroy(&mf);
}

static void assert_extent(size_t i, uint64_t off, uint64_t len)
{
	ck_assert_uint_lt(i, mf.nfree);
	ck_assert_uint_eq(mf.free[i].off, off);
	ck_assert_uint_eq(mf.free[i].len, len);
}

static bool all_bytes(uint64_t off, uint64_t len, uint8_t val)
{
	const uint8_t *p = memfile_ptr(&mf, off);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != val)
			return false;
	return true;
}

START_TEST(test_memfile_create_initial_state)
{
	ck_assert_int_ge(mf.fd, 0);
	ck_assert_ptr_nonnull(mf.base);
	ck_assert_uint_eq(mf.size, SMALL_SIZE);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
	/* A fresh file reads as zeros. */
	ck_assert(all_bytes(0, PG, 0));
	ck_assert(all_bytes(SMALL_SIZE - PG, PG, 0));
}
END_TEST

START_TEST(test_memfile_alloc_aligned_disjoint)
{
	static const uint64_t sizes[] = {PG,	  3 * PG, MiB,	 5 * PG,
					 2 * MiB, PG,	  7 * PG};
	int64_t off[7];

	for (int i = 0; i < 7; i++) {
		off[i] = memfile_alloc(&mf, sizes[i]);
		ck_assert_int_ge(off[i], 0);
		ck_assert_uint_eq((uint64_t)off[i] % PG, 0);
		ck_assert_uint_le((uint64_t)off[i] + sizes[i], SMALL_SIZE);
	}
	for (int i = 0; i < 7; i++) {
		for (int j = 0; j < 7; j++) {
			uint64_t ai = (uint64_t)off[i], aj = (uint64_t)off[j];

			if (i == j)
				continue;
			ck_assert_msg(ai + sizes[i] <= aj ||
					  aj + sizes[j] <= ai,
				      "allocations %d and %d overlap", i, j);
		}
	}
}
END_TEST

START_TEST(test_memfile_alloc_first_fit_order)
{
	ck_assert_int_eq(memfile_alloc(&mf, PG), 0);
	ck_assert_int_eq(memfile_alloc(&mf, 2 * PG), PG);
	ck_assert_int_eq(memfile_alloc(&mf, PG), 3 * PG);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 4 * PG, SMALL_SIZE - 4 * PG);
}
END_TEST

START_TEST(test_memfile_alloc_invalid_len)
{
	ck_assert_int_eq(memfile_alloc(&mf, 0), -EINVAL);
	ck_assert_int_eq(memfile_alloc(&mf, 1), -EINVAL);
	ck_assert_int_eq(memfile_alloc(&mf, 100), -EINVAL);
	ck_assert_int_eq(memfile_alloc(&mf, PG - 1), -EINVAL);
	ck_assert_int_eq(memfile_alloc(&mf, PG + 1), -EINVAL);
	ck_assert_int_eq(memfile_alloc(&mf, MiB + 512), -EINVAL);
	/* Nothing was taken. */
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_alloc_exhausted)
{
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE + PG), -ENOMEM);
	for (uint64_t i = 0; i < SMALL_SIZE / MiB; i++)
		ck_assert_int_eq(memfile_alloc(&mf, MiB), (int64_t)(i * MiB));
	ck_assert_uint_eq(mf.nfree, 0);
	ck_assert_int_eq(memfile_alloc(&mf, PG), -ENOMEM);
	ck_assert_int_eq(memfile_alloc(&mf, MiB), -ENOMEM);
	/* Free one page: exactly that fits again, nothing bigger. */
	memfile_free(&mf, 5 * MiB, PG);
	ck_assert_int_eq(memfile_alloc(&mf, 2 * PG), -ENOMEM);
	ck_assert_int_eq(memfile_alloc(&mf, PG), (int64_t)(5 * MiB));
	ck_assert_int_eq(memfile_alloc(&mf, PG), -ENOMEM);
}
END_TEST

START_TEST(test_memfile_alloc_whole)
{
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
	ck_assert_uint_eq(mf.nfree, 0);
	ck_assert_int_eq(memfile_alloc(&mf, PG), -ENOMEM);
	memfile_free(&mf, 0, SMALL_SIZE);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_free_coalesces_middle_first)
{
	int64_t a, b, c;

	a = memfile_alloc(&mf, 16 * MiB);
	b = memfile_alloc(&mf, 16 * MiB);
	c = memfile_alloc(&mf, 32 * MiB);
	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(b, (int64_t)(16 * MiB));
	ck_assert_int_eq(c, (int64_t)(32 * MiB));
	ck_assert_uint_eq(mf.nfree, 0);

	memfile_free(&mf, (uint64_t)b, 16 * MiB);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 16 * MiB, 16 * MiB);
	/* Left neighbour: merges into the extent after it. */
	memfile_free(&mf, (uint64_t)a, 16 * MiB);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, 32 * MiB);
	/* Right neighbour: merges into the extent before it. */
	memfile_free(&mf, (uint64_t)c, 32 * MiB);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
}
END_TEST

START_TEST(test_memfile_free_coalesces_both_sides)
{
	int64_t a, b, c;

	a = memfile_alloc(&mf, 16 * MiB);
	b = memfile_alloc(&mf, 16 * MiB);
	c = memfile_alloc(&mf, 32 * MiB);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_ge(c, 0);

	/* Outer two first: two extents; the middle joins all three. */
	memfile_free(&mf, (uint64_t)a, 16 * MiB);
	memfile_free(&mf, (uint64_t)c, 32 * MiB);
	ck_assert_uint_eq(mf.nfree, 2);
	assert_extent(0, 0, 16 * MiB);
	assert_extent(1, 32 * MiB, 32 * MiB);
	ck_assert_int_eq(memfile_alloc(&mf, 17 * MiB), (int64_t)(32 * MiB));
	memfile_free(&mf, 32 * MiB, 17 * MiB);
	memfile_free(&mf, (uint64_t)b, 16 * MiB);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
}
END_TEST

START_TEST(test_memfile_free_many_extents)
{
	/* Free every other page of 64 pages: more extents than the
	 * initial capacity, then free the rest and check it all merges. */
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
	for (uint64_t i = 0; i < 64; i += 2)
		memfile_free(&mf, i * PG, PG);
	ck_assert_uint_eq(mf.nfree, 32);
	for (size_t i = 0; i < 32; i++)
		assert_extent(i, 2 * i * PG, PG);
	ck_assert_int_eq(memfile_alloc(&mf, 2 * PG), -ENOMEM);
	for (uint64_t i = 1; i < 64; i += 2)
		memfile_free(&mf, i * PG, PG);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, 64 * PG);
	memfile_free(&mf, 64 * PG, SMALL_SIZE - 64 * PG);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_free_zero_len_noop)
{
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
	memfile_free(&mf, 0, 0);
	ck_assert_uint_eq(mf.nfree, 0);
}
END_TEST

START_TEST(test_memfile_free_double_is_bug)
{
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), 0);
	memfile_free(&mf, PG, PG);
	/* Freeing a free range is a sentry bug: the process exits 125.
	 * Keep its report and backtrace out of the test log. */
	ck_assert_int_eq(dup2(open("/dev/null", O_WRONLY), STDERR_FILENO),
			 STDERR_FILENO);
	memfile_free(&mf, PG, PG);
}
END_TEST

START_TEST(test_memfile_alloc_at_free_range)
{
	/* In the middle of the single free extent: it splits in two. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 16 * PG, 4 * PG), 0);
	ck_assert_uint_eq(mf.nfree, 2);
	assert_extent(0, 0, 16 * PG);
	assert_extent(1, 20 * PG, SMALL_SIZE - 20 * PG);
	/* At the start of an extent. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, PG), 0);
	ck_assert_uint_eq(mf.nfree, 2);
	assert_extent(0, PG, 15 * PG);
	/* At its end. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 15 * PG, PG), 0);
	ck_assert_uint_eq(mf.nfree, 2);
	assert_extent(0, PG, 14 * PG);
	/* Exactly a whole extent: it disappears. */
	ck_assert_int_eq(memfile_alloc_at(&mf, PG, 14 * PG), 0);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 20 * PG, SMALL_SIZE - 20 * PG);
	/* The last page of the file. */
	ck_assert_int_eq(memfile_alloc_at(&mf, SMALL_SIZE - PG, PG), 0);
	assert_extent(0, 20 * PG, SMALL_SIZE - 21 * PG);
	/* First fit now starts after the taken ranges. */
	ck_assert_int_eq(memfile_alloc(&mf, PG), (int64_t)(20 * PG));
}
END_TEST

START_TEST(test_memfile_alloc_at_used_range)
{
	ck_assert_int_eq(memfile_alloc_at(&mf, 16 * PG, 4 * PG), 0);
	ck_assert_int_eq(memfile_alloc_at(&mf, 16 * PG, 4 * PG), -EBUSY);
	ck_assert_int_eq(memfile_alloc_at(&mf, 17 * PG, PG), -EBUSY);
	/* Straddling the start or the end of the used range. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 15 * PG, 2 * PG), -EBUSY);
	ck_assert_int_eq(memfile_alloc_at(&mf, 19 * PG, 2 * PG), -EBUSY);
	/* Covering it. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 8 * PG, 32 * PG), -EBUSY);
	/* Unchanged by the failures. */
	ck_assert_uint_eq(mf.nfree, 2);
	assert_extent(0, 0, 16 * PG);
	assert_extent(1, 20 * PG, SMALL_SIZE - 20 * PG);
	/* The neighbours are still free. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 15 * PG, PG), 0);
	ck_assert_int_eq(memfile_alloc_at(&mf, 20 * PG, PG), 0);
	/* After freeing, the range can be taken again. */
	memfile_free(&mf, 16 * PG, 4 * PG);
	ck_assert_int_eq(memfile_alloc_at(&mf, 16 * PG, 4 * PG), 0);
}
END_TEST

START_TEST(test_memfile_alloc_at_invalid)
{
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, 0), -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, 100), -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, 100, PG), -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, SMALL_SIZE, PG), -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, SMALL_SIZE - PG, 2 * PG),
			 -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, SMALL_SIZE + PG), -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, UINT64_MAX & ~(PG - 1), PG),
			 -EINVAL);
	ck_assert_int_eq(memfile_alloc_at(&mf, PG, UINT64_MAX & ~(PG - 1)),
			 -EINVAL);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
	/* The whole file is a valid range. */
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, SMALL_SIZE), 0);
	ck_assert_uint_eq(mf.nfree, 0);
	ck_assert_int_eq(memfile_alloc_at(&mf, 0, PG), -EBUSY);
}
END_TEST

START_TEST(test_memfile_alloc_at_many_splits)
{
	/* Split repeatedly: more extents than the initial capacity. */
	for (uint64_t i = 0; i < 40; i++)
		ck_assert_int_eq(memfile_alloc_at(&mf, (2 * i + 1) * PG, PG),
				 0);
	ck_assert_uint_eq(mf.nfree, 41);
	for (size_t i = 0; i < 40; i++)
		assert_extent(i, 2 * i * PG, PG);
	assert_extent(40, 80 * PG, SMALL_SIZE - 80 * PG);
	for (uint64_t i = 0; i < 40; i++)
		memfile_free(&mf, (2 * i + 1) * PG, PG);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_data_roundtrip_and_zero)
{
	int64_t off = memfile_alloc(&mf, 3 * PG);
	uint8_t *p;

	ck_assert_int_ge(off, 0);
	p = memfile_ptr(&mf, (uint64_t)off);
	ck_assert_ptr_eq(p, mf.base + off);
	for (uint64_t i = 0; i < 3 * PG; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	for (uint64_t i = 0; i < 3 * PG; i++)
		ck_assert_uint_eq(p[i], (uint8_t)(i * 7 + 1));

	/* Dropping the middle page zeroes only it. */
	ck_assert_int_eq(memfile_zero(&mf, (uint64_t)off + PG, PG), 0);
	ck_assert(all_bytes((uint64_t)off + PG, PG, 0));
	for (uint64_t i = 0; i < PG; i++) {
		ck_assert_uint_eq(p[i], (uint8_t)(i * 7 + 1));
		ck_assert_uint_eq(p[2 * PG + i],
				  (uint8_t)((2 * PG + i) * 7 + 1));
	}

	/* The data is in the file itself, not just in this mapping. */
	memset(p + PG, 0xab, PG);
	{
		uint8_t buf[16];

		ck_assert_int_eq(
		    pread(mf.fd, buf, sizeof(buf), (off_t)((uint64_t)off + PG)),
		    (ssize_t)sizeof(buf));
		for (size_t i = 0; i < sizeof(buf); i++)
			ck_assert_uint_eq(buf[i], 0xab);
	}

	/* Freeing drops the pages: they read as zero when reused. */
	memfile_free(&mf, (uint64_t)off, 3 * PG);
	ck_assert(all_bytes((uint64_t)off, 3 * PG, 0));
	ck_assert_int_eq(memfile_alloc(&mf, 3 * PG), off);
	ck_assert(all_bytes((uint64_t)off, 3 * PG, 0));
}
END_TEST

START_TEST(test_memfile_resident_counts_written_pages)
{
	int64_t off = memfile_alloc(&mf, 8 * PG);
	uint64_t o;
	uint8_t *p;

	ck_assert_int_ge(off, 0);
	o = (uint64_t)off;
	p = memfile_ptr(&mf, o);
	/* Allocating costs nothing: no pages yet. */
	ck_assert_uint_eq(memfile_resident(&mf, o, 8 * PG), 0);
	p[0] = 1;
	p[3 * PG] = 1;
	p[4 * PG + 17] = 1;
	p[8 * PG - 1] = 1;
	ck_assert_uint_eq(memfile_resident(&mf, o, 8 * PG), 4 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, o + PG, 2 * PG), 0);
	ck_assert_uint_eq(memfile_resident(&mf, o + 3 * PG, PG), PG);
	ck_assert_uint_eq(memfile_resident(&mf, o + 2 * PG, 4 * PG), 2 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, o + 7 * PG, PG), PG);
	/* Zeroing drops pages, and past the end there is nothing. */
	ck_assert_int_eq(memfile_zero(&mf, o + 3 * PG, PG), 0);
	ck_assert_uint_eq(memfile_resident(&mf, o, 8 * PG), 3 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, mf.size, PG), 0);
	ck_assert_uint_eq(memfile_resident(&mf, o, 0), 0);
	memfile_free(&mf, o, 8 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, o, 8 * PG), 0);
}
END_TEST

START_TEST(test_memfile_zero_bad_offset_fails)
{
	/* fallocate rejects a negative offset: the error comes back. */
	ck_assert_int_eq(memfile_zero(&mf, (uint64_t)-PG, PG), -EINVAL);
}
END_TEST

START_TEST(test_memfile_destroy_resets)
{
	memfile_destroy(&mf);
	ck_assert_ptr_null(mf.base);
	ck_assert_ptr_null(mf.free);
	ck_assert_uint_eq(mf.nfree, 0);
	ck_assert_uint_eq(mf.size, 0);
	/* Create again so teardown has something to destroy. */
	ck_assert_int_eq(memfile_create(&mf, 16 * PG), 0);
	ck_assert_int_eq(memfile_alloc(&mf, 16 * PG), 0);
	ck_assert_int_eq(memfile_alloc(&mf, PG), -ENOMEM);
}
END_TEST

/* ---- reference counts ---------------------------------------------------- */

static void assert_shared(size_t i, uint64_t off, uint64_t len, uint64_t refs)
{
	ck_assert_uint_lt(i, mf.nshared);
	ck_assert_uint_eq(mf.shared[i].off, off);
	ck_assert_uint_eq(mf.shared[i].len, len);
	ck_assert_uint_eq(mf.shared[i].refs, refs);
}

/* Fill page pg with a byte of its own. */
static void fill_page(uint64_t pg, uint8_t val)
{
	memset(memfile_ptr(&mf, pg * PG), val, PG);
}

START_TEST(test_memfile_ref_free_once_keeps_data)
{
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), 0);
	for (uint64_t i = 0; i < 4; i++)
		fill_page(i, (uint8_t)(0x10 + i));
	ck_assert(!memfile_shared(&mf, 0, 4 * PG));
	ck_assert_int_eq(memfile_ref(&mf, 0, 4 * PG), 0);
	ck_assert(memfile_shared(&mf, 0, 4 * PG));
	ck_assert(memfile_shared(&mf, 3 * PG, PG));
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 4 * PG, 2);

	memfile_free(&mf, 0, 4 * PG);
	ck_assert(!memfile_shared(&mf, 0, 4 * PG));
	ck_assert_uint_eq(mf.nshared, 0);
	for (uint64_t i = 0; i < 4; i++)
		ck_assert(all_bytes(i * PG, PG, (uint8_t)(0x10 + i)));
	ck_assert_uint_eq(memfile_resident(&mf, 0, 4 * PG), 4 * PG);
	/* Still allocated: neither allocator hands it out. */
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 4 * PG, SMALL_SIZE - 4 * PG);
	ck_assert_int_eq(memfile_alloc(&mf, PG), (int64_t)(4 * PG));
	ck_assert_int_eq(memfile_alloc_at(&mf, PG, PG), -EBUSY);
}
END_TEST

START_TEST(test_memfile_ref_free_twice_releases)
{
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), 0);
	for (uint64_t i = 0; i < 4; i++)
		fill_page(i, 0x5a);
	ck_assert_int_eq(memfile_ref(&mf, 0, 4 * PG), 0);
	memfile_free(&mf, 0, 4 * PG);
	memfile_free(&mf, 0, 4 * PG);
	ck_assert_uint_eq(mf.nshared, 0);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 4 * PG), 0);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), 0);
	ck_assert(all_bytes(0, 4 * PG, 0));
}
END_TEST

START_TEST(test_memfile_ref_three_holders)
{
	ck_assert_int_eq(memfile_alloc(&mf, 2 * PG), 0);
	fill_page(0, 7);
	ck_assert_int_eq(memfile_ref(&mf, 0, 2 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 0, 2 * PG), 0);
	assert_shared(0, 0, 2 * PG, 3);
	memfile_free(&mf, 0, 2 * PG);
	assert_shared(0, 0, 2 * PG, 2);
	ck_assert(memfile_shared(&mf, 0, PG));
	memfile_free(&mf, 0, 2 * PG);
	ck_assert(!memfile_shared(&mf, 0, 2 * PG));
	ck_assert(all_bytes(0, PG, 7));
	memfile_free(&mf, 0, 2 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 2 * PG), 0);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

/* Pages 0..7 with counts {2, 2, 3, 3, 2, 2, 1, 1}, each page filled. */
static void overlap_setup(void)
{
	ck_assert_int_eq(memfile_alloc(&mf, 8 * PG), 0);
	for (uint64_t i = 0; i < 8; i++)
		fill_page(i, (uint8_t)(0x20 + i));
	ck_assert_int_eq(memfile_ref(&mf, 0, 4 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 2 * PG, 4 * PG), 0);
	ck_assert_uint_eq(mf.nshared, 3);
	assert_shared(0, 0, 2 * PG, 2);
	assert_shared(1, 2 * PG, 2 * PG, 3);
	assert_shared(2, 4 * PG, 2 * PG, 2);
}

START_TEST(test_memfile_ref_overlap_shared_subranges)
{
	overlap_setup();
	ck_assert(memfile_shared(&mf, 0, PG));
	ck_assert(memfile_shared(&mf, 5 * PG, PG));
	ck_assert(memfile_shared(&mf, 5 * PG, 2 * PG));
	ck_assert(!memfile_shared(&mf, 6 * PG, 2 * PG));
	ck_assert(!memfile_shared(&mf, 7 * PG, PG));
	ck_assert(!memfile_shared(&mf, 8 * PG, 8 * PG));
	ck_assert(!memfile_shared(&mf, 0, 0));
}
END_TEST

START_TEST(test_memfile_ref_overlap_free_whole_first)
{
	overlap_setup();
	/* Counts become {1, 1, 2, 2, 1, 1, 0, 0}. */
	memfile_free(&mf, 0, 8 * PG);
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 2 * PG, 2 * PG, 2);
	ck_assert(!memfile_shared(&mf, 0, 2 * PG));
	ck_assert(memfile_shared(&mf, 2 * PG, 2 * PG));
	ck_assert(!memfile_shared(&mf, 4 * PG, 4 * PG));
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 6 * PG, SMALL_SIZE - 6 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 8 * PG), 6 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 6 * PG, 2 * PG), 0);
	for (uint64_t i = 0; i < 6; i++)
		ck_assert(all_bytes(i * PG, PG, (uint8_t)(0x20 + i)));
	/* Counts {1, 1, 1, 1, 1, 1}: nothing shared, nothing freed. */
	memfile_free(&mf, 2 * PG, 2 * PG);
	ck_assert_uint_eq(mf.nshared, 0);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 6 * PG), 6 * PG);
	assert_extent(0, 6 * PG, SMALL_SIZE - 6 * PG);
	memfile_free(&mf, 0, 6 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 8 * PG), 0);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_ref_overlap_free_pieces)
{
	overlap_setup();
	/* Counts {2, 2, 3, 2, 1, 2, 1, 1}: extents split. */
	memfile_free(&mf, 3 * PG, 2 * PG);
	ck_assert_uint_eq(mf.nshared, 4);
	assert_shared(0, 0, 2 * PG, 2);
	assert_shared(1, 2 * PG, PG, 3);
	assert_shared(2, 3 * PG, PG, 2);
	assert_shared(3, 5 * PG, PG, 2);
	ck_assert(!memfile_shared(&mf, 4 * PG, PG));
	ck_assert(memfile_shared(&mf, 4 * PG, 2 * PG));
	/* Counts {2, 1, 2, 2, 1, 2, 1, 1}: pages 2 and 3 join. */
	memfile_free(&mf, PG, 2 * PG);
	ck_assert_uint_eq(mf.nshared, 3);
	assert_shared(0, 0, PG, 2);
	assert_shared(1, 2 * PG, 2 * PG, 2);
	assert_shared(2, 5 * PG, PG, 2);
	ck_assert(!memfile_shared(&mf, PG, PG));
	/* Counts {1, 0, 1, 1, 0, 1, 0, 0}. */
	memfile_free(&mf, 0, 8 * PG);
	ck_assert_uint_eq(mf.nshared, 0);
	ck_assert_uint_eq(mf.nfree, 3);
	assert_extent(0, PG, PG);
	assert_extent(1, 4 * PG, PG);
	assert_extent(2, 6 * PG, SMALL_SIZE - 6 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 8 * PG), 4 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, PG, PG), 0);
	ck_assert_uint_eq(memfile_resident(&mf, 4 * PG, PG), 0);
	ck_assert(all_bytes(0, PG, 0x20));
	ck_assert(all_bytes(2 * PG, PG, 0x22));
	ck_assert(all_bytes(3 * PG, PG, 0x23));
	ck_assert(all_bytes(5 * PG, PG, 0x25));
	/* The holes are free again, and read as zero. */
	ck_assert_int_eq(memfile_alloc(&mf, PG), (int64_t)PG);
	ck_assert(all_bytes(PG, PG, 0));
	memfile_free(&mf, 0, 4 * PG);
	memfile_free(&mf, 5 * PG, PG);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 0, SMALL_SIZE);
}
END_TEST

START_TEST(test_memfile_ref_overlap_free_from_the_end)
{
	overlap_setup();
	/* Counts {2, 2, 3, 3, 2, 1, 0, 0}. */
	memfile_free(&mf, 5 * PG, 3 * PG);
	ck_assert_uint_eq(mf.nshared, 3);
	assert_shared(2, 4 * PG, PG, 2);
	assert_extent(0, 6 * PG, SMALL_SIZE - 6 * PG);
	/* Counts {2, 2, 2, 2, 1, 1}: one extent again. */
	memfile_free(&mf, 2 * PG, 3 * PG);
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 4 * PG, 2);
	/* Counts {1, 1, 1, 1, 0, 0}. */
	memfile_free(&mf, 0, 6 * PG);
	ck_assert_uint_eq(mf.nshared, 0);
	assert_extent(0, 4 * PG, SMALL_SIZE - 4 * PG);
	ck_assert_uint_eq(memfile_resident(&mf, 0, 8 * PG), 4 * PG);
	for (uint64_t i = 0; i < 4; i++)
		ck_assert(all_bytes(i * PG, PG, (uint8_t)(0x20 + i)));
}
END_TEST

START_TEST(test_memfile_ref_mixed_counts)
{
	/* Counts {1, 1, 2, 3, 2, 1, 1, 2, 1, 1}. */
	ck_assert_int_eq(memfile_alloc(&mf, 10 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 2 * PG, 2 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 3 * PG, 2 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 7 * PG, PG), 0);
	ck_assert_uint_eq(mf.nshared, 4);
	/* Every page of [1, 9) gains one: {1, 2, 3, 4, 3, 2, 2, 3, 2, 1}. */
	ck_assert_int_eq(memfile_ref(&mf, PG, 8 * PG), 0);
	ck_assert_uint_eq(mf.nshared, 7);
	assert_shared(0, PG, PG, 2);
	assert_shared(1, 2 * PG, PG, 3);
	assert_shared(2, 3 * PG, PG, 4);
	assert_shared(3, 4 * PG, PG, 3);
	assert_shared(4, 5 * PG, 2 * PG, 2);
	assert_shared(5, 7 * PG, PG, 3);
	assert_shared(6, 8 * PG, PG, 2);
	ck_assert(!memfile_shared(&mf, 0, PG));
	ck_assert(!memfile_shared(&mf, 9 * PG, PG));
	/* And loses it again: back to the counts before. */
	memfile_free(&mf, PG, 8 * PG);
	ck_assert_uint_eq(mf.nshared, 4);
	assert_shared(0, 2 * PG, PG, 2);
	assert_shared(1, 3 * PG, PG, 3);
	assert_shared(2, 4 * PG, PG, 2);
	assert_shared(3, 7 * PG, PG, 2);
	ck_assert_uint_eq(mf.nfree, 1);
	assert_extent(0, 10 * PG, SMALL_SIZE - 10 * PG);
}
END_TEST

START_TEST(test_memfile_ref_merges_neighbours)
{
	ck_assert_int_eq(memfile_alloc(&mf, 8 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 0, 2 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, 4 * PG, 2 * PG), 0);
	ck_assert_uint_eq(mf.nshared, 2);
	/* The gap between two extents of the same count closes them up. */
	ck_assert_int_eq(memfile_ref(&mf, 2 * PG, 2 * PG), 0);
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 6 * PG, 2);
	/* A hole in the middle, then filled again. */
	memfile_free(&mf, 2 * PG, PG);
	ck_assert_uint_eq(mf.nshared, 2);
	assert_shared(0, 0, 2 * PG, 2);
	assert_shared(1, 3 * PG, 3 * PG, 2);
	ck_assert_int_eq(memfile_ref(&mf, 2 * PG, PG), 0);
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 6 * PG, 2);
	/* A count of three inside: three pieces, then one again. */
	ck_assert_int_eq(memfile_ref(&mf, 2 * PG, 2 * PG), 0);
	ck_assert_uint_eq(mf.nshared, 3);
	assert_shared(1, 2 * PG, 2 * PG, 3);
	memfile_free(&mf, 2 * PG, 2 * PG);
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 6 * PG, 2);
}
END_TEST

START_TEST(test_memfile_ref_keeps_reference_without_room)
{
	/* The documented fallback when the slack could not be restored:
	 * pretend the array is full, so the split has no room. */
	ck_assert_int_eq(memfile_alloc(&mf, 8 * PG), 0);
	fill_page(2, 0x77);
	ck_assert_int_eq(memfile_ref(&mf, 0, 8 * PG), 0);
	mf.capshared = mf.nshared;
	memfile_free(&mf, 2 * PG, 2 * PG);
	/* The reference stayed: the pages are still shared, with data. */
	ck_assert_uint_eq(mf.nshared, 1);
	assert_shared(0, 0, 8 * PG, 2);
	ck_assert(all_bytes(2 * PG, PG, 0x77));
	/* The free restored the slack: the next split has room. */
	ck_assert_uint_ge(mf.capshared, mf.nshared + 2);
	memfile_free(&mf, 2 * PG, 2 * PG);
	ck_assert_uint_eq(mf.nshared, 2);
}
END_TEST

START_TEST(test_memfile_ref_free_range_is_bug)
{
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), 0);
	ck_assert_int_eq(dup2(open("/dev/null", O_WRONLY), STDERR_FILENO),
			 STDERR_FILENO);
	/* Straddles the end of the allocation. */
	memfile_ref(&mf, 3 * PG, 2 * PG);
}
END_TEST

START_TEST(test_memfile_zero_shared_zeroes_for_all)
{
	uint8_t *p;

	ck_assert_int_eq(memfile_alloc(&mf, 2 * PG), 0);
	p = memfile_ptr(&mf, 0);
	memset(p, 0xab, 2 * PG);
	ck_assert_int_eq(memfile_ref(&mf, 0, 2 * PG), 0);
	/* Shared memory's MADV_REMOVE: every holder reads zero after. */
	ck_assert_int_eq(memfile_zero(&mf, PG, PG), 0);
	ck_assert_uint_eq(memfile_resident(&mf, PG, PG), 0);
	ck_assert_uint_eq(p[0], 0xab);
	ck_assert(memfile_shared(&mf, PG, PG));
}
END_TEST

START_TEST(test_memfile_copy_data_only)
{
	int64_t src, dst;
	uint8_t *p;

	src = memfile_alloc(&mf, 32 * PG);
	dst = memfile_alloc(&mf, 32 * PG);
	ck_assert_int_ge(src, 0);
	ck_assert_int_ge(dst, 0);
	p = memfile_ptr(&mf, (uint64_t)src);
	memset(p + PG, 0x11, PG);
	memset(p + 5 * PG, 0x55, 2 * PG);
	memset(p + 31 * PG, 0x31, PG);
	ck_assert_int_eq(
	    memfile_copy(&mf, (uint64_t)dst, (uint64_t)src, 32 * PG), 0);
	/* The data moved; the holes stayed holes. */
	ck_assert_uint_eq(memfile_resident(&mf, (uint64_t)dst, 32 * PG),
			  4 * PG);
	p = memfile_ptr(&mf, (uint64_t)dst);
	ck_assert_uint_eq(p[PG], 0x11);
	ck_assert_uint_eq(p[2 * PG - 1], 0x11);
	ck_assert_uint_eq(p[5 * PG], 0x55);
	ck_assert_uint_eq(p[7 * PG - 1], 0x55);
	ck_assert_uint_eq(p[32 * PG - 1], 0x31);
	ck_assert_uint_eq(memfile_resident(&mf, (uint64_t)dst, PG), 0);
}
END_TEST

/* A copy of a few pages copies them whole, holes reading zero. */
START_TEST(test_memfile_copy_small)
{
	int64_t src = memfile_alloc(&mf, 4 * PG),
		dst = memfile_alloc(&mf, 4 * PG);
	uint8_t *p;

	ck_assert_int_ge(src, 0);
	ck_assert_int_ge(dst, 0);
	p = memfile_ptr(&mf, (uint64_t)src);
	memset(p + PG, 0x22, PG);
	p[3 * PG + 7] = 0x33;
	ck_assert_int_eq(
	    memfile_copy(&mf, (uint64_t)dst, (uint64_t)src + PG, 3 * PG), 0);
	ck_assert(all_bytes((uint64_t)dst, PG, 0x22));
	ck_assert(all_bytes((uint64_t)dst + PG, PG, 0));
	p = memfile_ptr(&mf, (uint64_t)dst);
	ck_assert_uint_eq(p[2 * PG + 7], 0x33);
	ck_assert_uint_eq(p[2 * PG + 6], 0);
	ck_assert_uint_eq(p[3 * PG], 0);
}
END_TEST

/* The run of pages around one that share its answer. */
START_TEST(test_memfile_shared_span)
{
	int64_t off = memfile_alloc(&mf, 16 * PG);
	uint64_t o, lo, hi;

	ck_assert_int_ge(off, 0);
	o = (uint64_t)off;
	lo = o;
	hi = o + 16 * PG;
	ck_assert(!memfile_shared_span(&mf, o + 3 * PG, &lo, &hi));
	ck_assert_uint_eq(lo, o);
	ck_assert_uint_eq(hi, o + 16 * PG);
	/* Pages 4-5 twice shared, 6-7 three times: one shared run. */
	ck_assert_int_eq(memfile_ref(&mf, o + 4 * PG, 4 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, o + 6 * PG, 2 * PG), 0);
	lo = o;
	hi = o + 16 * PG;
	ck_assert(!memfile_shared_span(&mf, o + 3 * PG, &lo, &hi));
	ck_assert_uint_eq(lo, o);
	ck_assert_uint_eq(hi, o + 4 * PG);
	lo = o;
	hi = o + 16 * PG;
	ck_assert(memfile_shared_span(&mf, o + 7 * PG, &lo, &hi));
	ck_assert_uint_eq(lo, o + 4 * PG);
	ck_assert_uint_eq(hi, o + 8 * PG);
	/* The bounds given hold. */
	lo = o + 5 * PG;
	hi = o + 7 * PG;
	ck_assert(memfile_shared_span(&mf, o + 5 * PG, &lo, &hi));
	ck_assert_uint_eq(lo, o + 5 * PG);
	ck_assert_uint_eq(hi, o + 7 * PG);
	lo = o;
	hi = o + 16 * PG;
	ck_assert(!memfile_shared_span(&mf, o + 8 * PG, &lo, &hi));
	ck_assert_uint_eq(lo, o + 8 * PG);
	ck_assert_uint_eq(hi, o + 16 * PG);
	memfile_free(&mf, o + 6 * PG, 2 * PG);
	memfile_free(&mf, o + 4 * PG, 4 * PG);
	memfile_free(&mf, o, 16 * PG);
}
END_TEST

/* Resident, shared and proportional bytes, as smaps shows them. */
START_TEST(test_memfile_usage)
{
	int64_t off = memfile_alloc(&mf, 8 * PG);
	struct memfile_usage u = {0};
	uint64_t o;

	ck_assert_int_ge(off, 0);
	o = (uint64_t)off;
	memset(memfile_ptr(&mf, o), 1, 6 * PG); /* pages 6, 7: holes */
	ck_assert_int_eq(memfile_ref(&mf, o + 2 * PG, 6 * PG), 0);
	ck_assert_int_eq(memfile_ref(&mf, o + 4 * PG, 4 * PG), 0);
	memfile_usage(&mf, o, 8 * PG, &u);
	ck_assert_uint_eq(u.resident, 6 * PG);
	ck_assert_uint_eq(u.shared, 4 * PG);
	/* 2 pages alone, 2 halved, 2 in thirds. */
	ck_assert_uint_eq(u.pss, (2 * PG << MEMFILE_PSS_SHIFT) +
				     (2 * PG << MEMFILE_PSS_SHIFT) / 2 +
				     (2 * PG << MEMFILE_PSS_SHIFT) / 3);
	/* It adds to what is there. */
	memfile_usage(&mf, o + PG, PG, &u);
	ck_assert_uint_eq(u.resident, 7 * PG);
	ck_assert_uint_eq(u.shared, 4 * PG);
	memfile_free(&mf, o + 4 * PG, 4 * PG);
	memfile_free(&mf, o + 2 * PG, 6 * PG);
	memfile_free(&mf, o, 8 * PG);
}
END_TEST

/*
 * The model check: random refs, frees, allocations and writes over 64
 * pages, against a count and a byte per page.
 */
#define MODEL_PAGES 64

struct model {
	unsigned refs[MODEL_PAGES];
	uint8_t data[MODEL_PAGES]; /* 0: not written since allocated */
	uint64_t rng;
};

static uint64_t model_rand(struct model *m, uint64_t n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng % n;
}

/* A random run of pages, all allocated (want != 0) or all free. */
static bool model_run(struct model *m, bool want, uint64_t *a, uint64_t *b)
{
	uint64_t start = model_rand(m, MODEL_PAGES), len, end;

	if ((m->refs[start] != 0) != want)
		return false;
	len = 1 + model_rand(m, 12);
	for (end = start; end < MODEL_PAGES && end < start + len &&
			  (m->refs[end] != 0) == want;
	     end++)
		;
	*a = start;
	*b = end;
	return true;
}

static void model_check(struct model *m)
{
	uint8_t vec[MODEL_PAGES];
	size_t i = 0;

	/* The shared extents are exactly the runs of equal counts >= 2. */
	for (uint64_t p = 0; p < MODEL_PAGES;) {
		uint64_t q = p;

		while (q < MODEL_PAGES && m->refs[q] == m->refs[p])
			q++;
		if (m->refs[p] >= 2)
			assert_shared(i++, p * PG, (q - p) * PG, m->refs[p]);
		p = q;
	}
	ck_assert_uint_eq(mf.nshared, i);
	/* Free pages are in the free extents; the others are not. */
	memset(vec, 0, sizeof(vec));
	for (size_t j = 0; j < mf.nfree && mf.free[j].off < MODEL_PAGES * PG;
	     j++)
		for (uint64_t p = mf.free[j].off / PG;
		     p < MODEL_PAGES &&
		     p < (mf.free[j].off + mf.free[j].len) / PG;
		     p++)
			vec[p] = 1;
	for (uint64_t p = 0; p < MODEL_PAGES; p++)
		ck_assert_msg(vec[p] == (m->refs[p] == 0),
			      "page %llu: free %d, refs %u",
			      (unsigned long long)p, vec[p], m->refs[p]);
	/* Pages with data are those written and still referenced. */
	memfile_resident_vec(&mf, 0, MODEL_PAGES, vec);
	for (uint64_t p = 0; p < MODEL_PAGES; p++) {
		const uint8_t *q = memfile_ptr(&mf, p * PG);

		ck_assert_msg(vec[p] == (m->data[p] != 0),
			      "page %llu: resident %d, data %d",
			      (unsigned long long)p, vec[p], m->data[p]);
		ck_assert_uint_eq(memfile_shared(&mf, p * PG, PG),
				  m->refs[p] >= 2);
		if (m->data[p]) {
			ck_assert_uint_eq(q[0], m->data[p]);
			ck_assert_uint_eq(q[PG - 1], m->data[p]);
		}
	}
}

START_TEST(test_memfile_ref_model)
{
	struct model m = {.rng = 0x9e3779b97f4a7c15ULL};
	int ops = 0;

	/* All 64 pages allocated, the rest of the file kept out of the way. */
	ck_assert_int_eq(memfile_alloc(&mf, SMALL_SIZE), 0);
	memfile_free(&mf, 0, MODEL_PAGES * PG);
	while (ops < 4000) {
		uint64_t a, b, p = model_rand(&m, MODEL_PAGES);
		bool any = false;

		switch (model_rand(&m, 5)) {
		case 0: /* take a free run */
			if (!model_run(&m, false, &a, &b))
				continue;
			ck_assert_int_eq(
			    memfile_alloc_at(&mf, a * PG, (b - a) * PG), 0);
			for (p = a; p < b; p++)
				m.refs[p] = 1;
			/* A hole: it reads as zero (reading would fill it). */
			ck_assert_uint_eq(
			    memfile_resident(&mf, a * PG, (b - a) * PG), 0);
			break;
		case 1: /* share a run */
			if (!model_run(&m, true, &a, &b))
				continue;
			ck_assert_int_eq(memfile_ref(&mf, a * PG, (b - a) * PG),
					 0);
			for (p = a; p < b; p++)
				m.refs[p]++;
			break;
		case 2:
		case 3: /* drop a reference from a run */
			if (!model_run(&m, true, &a, &b))
				continue;
			memfile_free(&mf, a * PG, (b - a) * PG);
			for (p = a; p < b; p++)
				if (--m.refs[p] == 0)
					m.data[p] = 0;
			break;
		case 4: /* write a page */
			if (!m.refs[p])
				continue;
			m.data[p] = (uint8_t)(1 + model_rand(&m, 255));
			fill_page(p, m.data[p]);
			break;
		}
		model_check(&m);
		/* Any shared page in a random range. */
		a = model_rand(&m, MODEL_PAGES);
		b = a + 1 + model_rand(&m, MODEL_PAGES - a);
		for (p = a; p < b; p++)
			any |= m.refs[p] >= 2;
		ck_assert_uint_eq(memfile_shared(&mf, a * PG, (b - a) * PG),
				  any);
		ops++;
	}
}
END_TEST

static Suite *memfile_suite(void)
{
	Suite *s = suite_create("memfile");
	TCase *tc = tcase_create("core");
	/* The model check does thousands of hole punches: slow on a busy host.
	 */
	tcase_set_timeout(tc, 60);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_memfile_create_initial_state);
	tcase_add_test(tc, test_memfile_alloc_aligned_disjoint);
	tcase_add_test(tc, test_memfile_alloc_first_fit_order);
	tcase_add_test(tc, test_memfile_alloc_invalid_len);
	tcase_add_test(tc, test_memfile_alloc_exhausted);
	tcase_add_test(tc, test_memfile_alloc_whole);
	tcase_add_test(tc, test_memfile_free_coalesces_middle_first);
	tcase_add_test(tc, test_memfile_free_coalesces_both_sides);
	tcase_add_test(tc, test_memfile_free_many_extents);
	tcase_add_test(tc, test_memfile_free_zero_len_noop);
	tcase_add_exit_test(tc, test_memfile_free_double_is_bug, 125);
	tcase_add_test(tc, test_memfile_alloc_at_free_range);
	tcase_add_test(tc, test_memfile_alloc_at_used_range);
	tcase_add_test(tc, test_memfile_alloc_at_invalid);
	tcase_add_test(tc, test_memfile_alloc_at_many_splits);
	tcase_add_test(tc, test_memfile_data_roundtrip_and_zero);
	tcase_add_test(tc, test_memfile_resident_counts_written_pages);
	tcase_add_test(tc, test_memfile_zero_bad_offset_fails);
	tcase_add_test(tc, test_memfile_destroy_resets);
	tcase_add_test(tc, test_memfile_ref_free_once_keeps_data);
	tcase_add_test(tc, test_memfile_ref_free_twice_releases);
	tcase_add_test(tc, test_memfile_ref_three_holders);
	tcase_add_test(tc, test_memfile_ref_overlap_shared_subranges);
	tcase_add_test(tc, test_memfile_ref_overlap_free_whole_first);
	tcase_add_test(tc, test_memfile_ref_overlap_free_pieces);
	tcase_add_test(tc, test_memfile_ref_overlap_free_from_the_end);
	tcase_add_test(tc, test_memfile_ref_mixed_counts);
	tcase_add_test(tc, test_memfile_ref_merges_neighbours);
	tcase_add_test(tc, test_memfile_ref_keeps_reference_without_room);
	tcase_add_exit_test(tc, test_memfile_ref_free_range_is_bug, 125);
	tcase_add_test(tc, test_memfile_zero_shared_zeroes_for_all);
	tcase_add_test(tc, test_memfile_copy_data_only);
	tcase_add_test(tc, test_memfile_copy_small);
	tcase_add_test(tc, test_memfile_shared_span);
	tcase_add_test(tc, test_memfile_usage);
	tcase_add_test(tc, test_memfile_ref_model);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(memfile_suite)
