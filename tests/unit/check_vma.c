// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the VMA set (sentry/mm/vma.c). */
#include "sentry/mm/vma.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG 4096ULL

static struct vma mkvma(uint64_t start, uint64_t end, uint32_t prot,
			uint32_t flags, uint64_t off)
{
	struct vma v = {.start = start,
			.end = end,
			.prot = prot,
			.flags = flags,
			.off = off};

	return v;
}

static void insert_ok(struct vma_set *s, uint64_t start, uint64_t end,
		      uint32_t prot, uint32_t flags, uint64_t off)
{
	struct vma v = mkvma(start, end, prot, flags, off);

	ck_assert_int_eq(vma_insert(s, &v), 0);
}

static void assert_vma(const struct vma_set *s, size_t i, uint64_t start,
		       uint64_t end, uint32_t prot, uint64_t off)
{
	ck_assert_uint_lt(i, s->n);
	ck_assert_uint_eq(s->v[i].start, start);
	ck_assert_uint_eq(s->v[i].end, end);
	ck_assert_uint_eq(s->v[i].prot, prot);
	ck_assert_uint_eq(s->v[i].off, off);
}

/* Pieces handed to the removed callback. */
struct pieces {
	struct vma p[64];
	size_t n;
};

static void record_piece(void *arg, const struct vma *piece)
{
	struct pieces *ps = arg;

	ck_assert_uint_lt(ps->n, 64);
	ps->p[ps->n++] = *piece;
}

START_TEST(test_vma_insert_empty)
{
	struct vma_set s;

	vma_set_init(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(vma_find(&s, 0x1000), -1);
	ck_assert_uint_eq(vma_lower_bound(&s, 0x1000), 0);
	insert_ok(&s, 0x10000, 0x13000, PROT_READ, 0, 0x5000);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x13000, PROT_READ, 0x5000);
	ck_assert_uint_eq(s.v[0].flags, 0);
	vma_set_destroy(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_null(s.v);
}
END_TEST

START_TEST(test_vma_insert_merges_continuing)
{
	struct vma_set s;

	vma_set_init(&s);
	/* Right neighbour first, then left, then the middle joins all. */
	insert_ok(&s, 0x14000, 0x16000, PROT_READ | PROT_WRITE, 0, 0x24000);
	insert_ok(&s, 0x10000, 0x12000, PROT_READ | PROT_WRITE, 0, 0x20000);
	ck_assert_uint_eq(s.n, 2);
	insert_ok(&s, 0x12000, 0x14000, PROT_READ | PROT_WRITE, 0, 0x22000);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x16000, PROT_READ | PROT_WRITE, 0x20000);
	/* Appending at the end merges too. */
	insert_ok(&s, 0x16000, 0x17000, PROT_READ | PROT_WRITE, 0, 0x26000);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x17000, PROT_READ | PROT_WRITE, 0x20000);
	/* And prepending at the start. */
	insert_ok(&s, 0xf000, 0x10000, PROT_READ | PROT_WRITE, 0, 0x1f000);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0xf000, 0x17000, PROT_READ | PROT_WRITE, 0x1f000);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_insert_no_merge_different_prot)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x12000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x12000, 0x14000, PROT_READ | PROT_WRITE, 0, 0x2000);
	ck_assert_uint_eq(s.n, 2);
	assert_vma(&s, 0, 0x10000, 0x12000, PROT_READ, 0);
	assert_vma(&s, 1, 0x12000, 0x14000, PROT_READ | PROT_WRITE, 0x2000);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_insert_no_merge_noncontiguous_off)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x12000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x12000, 0x14000, PROT_READ, 0, 0x3000);
	ck_assert_uint_eq(s.n, 2);
	/* Going backwards in the file does not continue either. */
	insert_ok(&s, 0x14000, 0x15000, PROT_READ, 0, 0x0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 0, 0x10000, 0x12000, PROT_READ, 0);
	assert_vma(&s, 1, 0x12000, 0x14000, PROT_READ, 0x3000);
	assert_vma(&s, 2, 0x14000, 0x15000, PROT_READ, 0x0);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_insert_no_merge_different_flags)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x12000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x12000, 0x14000, PROT_READ, VMA_SHARED, 0x2000);
	ck_assert_uint_eq(s.n, 2);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_insert_no_merge_gap)
{
	struct vma_set s;

	vma_set_init(&s);
	/* Contiguous offsets but a hole in addresses. */
	insert_ok(&s, 0x10000, 0x12000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x13000, 0x14000, PROT_READ, 0, 0x2000);
	ck_assert_uint_eq(s.n, 2);
	vma_set_destroy(&s);
}
END_TEST

/* Shared file mappings merge only with the same file's continuation. */
START_TEST(test_vma_insert_file_merges)
{
	struct mm_file *f1 = (struct mm_file *)0x1000;
	struct mm_file *f2 = (struct mm_file *)0x2000;
	struct vma a = mkvma(0x10000, 0x12000, PROT_READ, VMA_SHARED, 0x0);
	struct vma b = mkvma(0x12000, 0x14000, PROT_READ, VMA_SHARED, 0x2000);
	struct vma c = mkvma(0x14000, 0x15000, PROT_READ, VMA_SHARED, 0x4000);
	struct vma_set s;

	vma_set_init(&s);
	a.file = b.file = f1;
	c.file = f2; /* the same offsets, another file */
	ck_assert_int_eq(vma_insert(&s, &a), 0);
	ck_assert_int_eq(vma_insert(&s, &b), 0);
	ck_assert_int_eq(vma_insert(&s, &c), 0);
	ck_assert_uint_eq(s.n, 2);
	assert_vma(&s, 0, 0x10000, 0x14000, PROT_READ, 0x0);
	ck_assert_ptr_eq(s.v[0].file, f1);
	ck_assert_ptr_eq(s.v[1].file, f2);
	/* A split keeps the file and the file offset of each piece. */
	ck_assert_int_eq(vma_remove(&s, 0x11000, 0x12000, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 1, 0x12000, 0x14000, PROT_READ, 0x2000);
	ck_assert_ptr_eq(s.v[1].file, f1);
	/* Anonymous memory never merges with a file's. */
	insert_ok(&s, 0x15000, 0x16000, PROT_READ, VMA_SHARED, 0x5000);
	ck_assert_uint_eq(s.n, 4);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_find_boundaries)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x12000, PROT_READ, 0, 0);
	insert_ok(&s, 0x20000, 0x22000, PROT_WRITE, 0, 0x10000);
	ck_assert_int_eq(vma_find(&s, 0xffff), -1);
	ck_assert_int_eq(vma_find(&s, 0x10000), 0);
	ck_assert_int_eq(vma_find(&s, 0x11fff), 0);
	ck_assert_int_eq(vma_find(&s, 0x12000), -1);
	ck_assert_int_eq(vma_find(&s, 0x1ffff), -1);
	ck_assert_int_eq(vma_find(&s, 0x20000), 1);
	ck_assert_int_eq(vma_find(&s, 0x21fff), 1);
	ck_assert_int_eq(vma_find(&s, 0x22000), -1);
	ck_assert_int_eq(vma_find(&s, 0), -1);
	ck_assert_int_eq(vma_find(&s, UINT64_MAX), -1);
	ck_assert_uint_eq(vma_lower_bound(&s, 0), 0);
	ck_assert_uint_eq(vma_lower_bound(&s, 0x12000), 1);
	ck_assert_uint_eq(vma_lower_bound(&s, 0x21fff), 1);
	ck_assert_uint_eq(vma_lower_bound(&s, 0x22000), 2);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_remove_middle_splits)
{
	struct vma_set s;
	struct pieces ps = {.n = 0};

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x20000, PROT_READ, 0, 0x100000);
	ck_assert_int_eq(vma_remove(&s, 0x14000, 0x16000, record_piece, &ps),
			 0);
	ck_assert_uint_eq(s.n, 2);
	assert_vma(&s, 0, 0x10000, 0x14000, PROT_READ, 0x100000);
	assert_vma(&s, 1, 0x16000, 0x20000, PROT_READ, 0x106000);
	ck_assert_uint_eq(ps.n, 1);
	ck_assert_uint_eq(ps.p[0].start, 0x14000);
	ck_assert_uint_eq(ps.p[0].end, 0x16000);
	ck_assert_uint_eq(ps.p[0].off, 0x104000);
	ck_assert_uint_eq(ps.p[0].prot, PROT_READ);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_remove_edges)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x20000, PROT_READ, 0, 0);
	/* Head, tail, then an empty and an unmapped range. */
	ck_assert_int_eq(vma_remove(&s, 0x10000, 0x11000, NULL, NULL), 0);
	assert_vma(&s, 0, 0x11000, 0x20000, PROT_READ, 0x1000);
	ck_assert_int_eq(vma_remove(&s, 0x1f000, 0x30000, NULL, NULL), 0);
	assert_vma(&s, 0, 0x11000, 0x1f000, PROT_READ, 0x1000);
	ck_assert_int_eq(vma_remove(&s, 0x15000, 0x15000, NULL, NULL), 0);
	ck_assert_int_eq(vma_remove(&s, 0x16000, 0x15000, NULL, NULL), 0);
	ck_assert_int_eq(vma_remove(&s, 0x40000, 0x50000, NULL, NULL), 0);
	ck_assert_int_eq(vma_remove(&s, 0x0, 0x11000, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x11000, 0x1f000, PROT_READ, 0x1000);
	/* All of it. */
	ck_assert_int_eq(vma_remove(&s, 0, 0x100000, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 0);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_remove_spanning)
{
	struct vma_set s;
	struct pieces ps = {.n = 0};

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x14000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x14000, 0x18000, PROT_WRITE, 0, 0x4000);
	insert_ok(&s, 0x1a000, 0x1c000, PROT_READ, 0, 0x40000);
	insert_ok(&s, 0x1c000, 0x20000, PROT_EXEC, 0, 0x80000);
	insert_ok(&s, 0x30000, 0x31000, PROT_READ, 0, 0x90000);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_int_eq(vma_remove(&s, 0x12000, 0x1e000, record_piece, &ps),
			 0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 0, 0x10000, 0x12000, PROT_READ, 0x0);
	assert_vma(&s, 1, 0x1e000, 0x20000, PROT_EXEC, 0x82000);
	assert_vma(&s, 2, 0x30000, 0x31000, PROT_READ, 0x90000);

	ck_assert_uint_eq(ps.n, 4);
	ck_assert_uint_eq(ps.p[0].start, 0x12000);
	ck_assert_uint_eq(ps.p[0].end, 0x14000);
	ck_assert_uint_eq(ps.p[0].off, 0x2000);
	ck_assert_uint_eq(ps.p[0].prot, PROT_READ);
	ck_assert_uint_eq(ps.p[1].start, 0x14000);
	ck_assert_uint_eq(ps.p[1].end, 0x18000);
	ck_assert_uint_eq(ps.p[1].off, 0x4000);
	ck_assert_uint_eq(ps.p[1].prot, PROT_WRITE);
	ck_assert_uint_eq(ps.p[2].start, 0x1a000);
	ck_assert_uint_eq(ps.p[2].end, 0x1c000);
	ck_assert_uint_eq(ps.p[2].off, 0x40000);
	ck_assert_uint_eq(ps.p[3].start, 0x1c000);
	ck_assert_uint_eq(ps.p[3].end, 0x1e000);
	ck_assert_uint_eq(ps.p[3].off, 0x80000);
	ck_assert_uint_eq(ps.p[3].prot, PROT_EXEC);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_remove_inside_one_piece)
{
	struct vma_set s;
	struct pieces ps = {.n = 0};

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x14000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x20000, 0x24000, PROT_READ, 0, 0x8000);
	/* Starts in a hole, ends in a hole: one whole VMA goes. */
	ck_assert_int_eq(vma_remove(&s, 0x18000, 0x28000, record_piece, &ps),
			 0);
	ck_assert_uint_eq(ps.n, 1);
	ck_assert_uint_eq(ps.p[0].start, 0x20000);
	ck_assert_uint_eq(ps.p[0].end, 0x24000);
	ck_assert_uint_eq(ps.p[0].off, 0x8000);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x14000, PROT_READ, 0x0);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_protect_middle_then_back)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x20000, PROT_READ | PROT_WRITE, 0, 0x8000);
	ck_assert_int_eq(vma_protect(&s, 0x14000, 0x18000, PROT_READ), 0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 0, 0x10000, 0x14000, PROT_READ | PROT_WRITE, 0x8000);
	assert_vma(&s, 1, 0x14000, 0x18000, PROT_READ, 0xc000);
	assert_vma(&s, 2, 0x18000, 0x20000, PROT_READ | PROT_WRITE, 0x10000);
	ck_assert_int_eq(
	    vma_protect(&s, 0x14000, 0x18000, PROT_READ | PROT_WRITE), 0);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x20000, PROT_READ | PROT_WRITE, 0x8000);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_protect_same_prot_noop)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x20000, PROT_READ, 0, 0);
	ck_assert_int_eq(vma_protect(&s, 0x14000, 0x18000, PROT_READ), 0);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x20000, PROT_READ, 0);
	ck_assert_int_eq(vma_protect(&s, 0x14000, 0x14000, PROT_NONE), 0);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x20000, PROT_READ, 0);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_protect_edges)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x20000, PROT_READ, 0, 0);
	ck_assert_int_eq(vma_protect(&s, 0x10000, 0x12000, PROT_NONE), 0);
	ck_assert_int_eq(vma_protect(&s, 0x1e000, 0x20000, PROT_WRITE), 0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 0, 0x10000, 0x12000, PROT_NONE, 0);
	assert_vma(&s, 1, 0x12000, 0x1e000, PROT_READ, 0x2000);
	assert_vma(&s, 2, 0x1e000, 0x20000, PROT_WRITE, 0xe000);
	ck_assert_int_eq(vma_protect(&s, 0x10000, 0x20000, PROT_EXEC), 0);
	ck_assert_uint_eq(s.n, 1);
	assert_vma(&s, 0, 0x10000, 0x20000, PROT_EXEC, 0);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_protect_several)
{
	struct vma_set s;

	vma_set_init(&s);
	/* Three VMAs with contiguous offsets but different protections. */
	insert_ok(&s, 0x10000, 0x14000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x14000, 0x18000, PROT_WRITE, 0, 0x4000);
	insert_ok(&s, 0x18000, 0x1c000, PROT_EXEC, 0, 0x8000);
	/* A fourth whose offset does not continue. */
	insert_ok(&s, 0x1c000, 0x20000, PROT_NONE, 0, 0x40000);
	ck_assert_uint_eq(s.n, 4);

	/* Partial at both ends: [0x12000, 0x1e000). */
	ck_assert_int_eq(vma_protect(&s, 0x12000, 0x1e000, PROT_READ), 0);
	ck_assert_uint_eq(s.n, 3);
	assert_vma(&s, 0, 0x10000, 0x1c000, PROT_READ, 0x0);
	assert_vma(&s, 1, 0x1c000, 0x1e000, PROT_READ, 0x40000);
	assert_vma(&s, 2, 0x1e000, 0x20000, PROT_NONE, 0x42000);

	/* Everything to one protection. */
	ck_assert_int_eq(vma_protect(&s, 0x10000, 0x20000, PROT_NONE), 0);
	ck_assert_uint_eq(s.n, 2);
	assert_vma(&s, 0, 0x10000, 0x1c000, PROT_NONE, 0x0);
	assert_vma(&s, 1, 0x1c000, 0x20000, PROT_NONE, 0x40000);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_protect_keeps_other_vmas)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x8000, 0x9000, PROT_READ, 0, 0x100000);
	insert_ok(&s, 0x10000, 0x14000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x30000, 0x31000, PROT_READ, 0, 0x4000);
	ck_assert_int_eq(vma_protect(&s, 0x11000, 0x12000, PROT_WRITE), 0);
	ck_assert_uint_eq(s.n, 5);
	assert_vma(&s, 0, 0x8000, 0x9000, PROT_READ, 0x100000);
	assert_vma(&s, 1, 0x10000, 0x11000, PROT_READ, 0x0);
	assert_vma(&s, 2, 0x11000, 0x12000, PROT_WRITE, 0x1000);
	assert_vma(&s, 3, 0x12000, 0x14000, PROT_READ, 0x2000);
	assert_vma(&s, 4, 0x30000, 0x31000, PROT_READ, 0x4000);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_range_mapped_free)
{
	struct vma_set s;

	vma_set_init(&s);
	insert_ok(&s, 0x10000, 0x14000, PROT_READ, 0, 0x0);
	insert_ok(&s, 0x14000, 0x18000, PROT_WRITE, 0, 0x4000);
	insert_ok(&s, 0x20000, 0x24000, PROT_READ, 0, 0x8000);

	ck_assert(vma_range_mapped(&s, 0x10000, 0x18000));
	ck_assert(vma_range_mapped(&s, 0x11000, 0x17000));
	ck_assert(vma_range_mapped(&s, 0x20000, 0x24000));
	ck_assert(!vma_range_mapped(&s, 0x10000, 0x19000));
	ck_assert(!vma_range_mapped(&s, 0xf000, 0x11000));
	ck_assert(!vma_range_mapped(&s, 0x10000, 0x24000));
	ck_assert(!vma_range_mapped(&s, 0x18000, 0x20000));
	ck_assert(!vma_range_mapped(&s, 0x24000, 0x25000));
	ck_assert(!vma_range_mapped(&s, 0x30000, 0x31000));

	ck_assert(vma_range_free(&s, 0x0, 0x10000));
	ck_assert(vma_range_free(&s, 0x18000, 0x20000));
	ck_assert(vma_range_free(&s, 0x24000, 0x100000));
	ck_assert(!vma_range_free(&s, 0x0, 0x10001));
	ck_assert(!vma_range_free(&s, 0x17000, 0x19000));
	ck_assert(!vma_range_free(&s, 0x18000, 0x20001));
	ck_assert(!vma_range_free(&s, 0x0, 0x100000));
	ck_assert(!vma_range_free(&s, 0x23fff, 0x24000));

	vma_set_destroy(&s);
	ck_assert(vma_range_free(&s, 0x0, UINT64_MAX));
	ck_assert(!vma_range_mapped(&s, 0x0, 0x1000));
}
END_TEST

/* Two VMAs: [0x10000, 0x20000) and [0x30000, 0x40000). */
static void gap_set(struct vma_set *s)
{
	vma_set_init(s);
	insert_ok(s, 0x10000, 0x20000, PROT_READ, 0, 0x0);
	insert_ok(s, 0x30000, 0x40000, PROT_READ, 0, 0x100000);
}

START_TEST(test_vma_find_gap_topdown)
{
	struct vma_set s;

	gap_set(&s);
	/* Gap at the hi boundary. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0, 0x50000, true), 0x40000);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0, 0x50000, true), 0x4f000);
	/* Exact fit between the two. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0, 0x40000, true), 0x20000);
	/* hi inside a VMA. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0, 0x38000, true), 0x20000);
	/* Too big for any gap below hi. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10001, 0, 0x40000, true), -ENOMEM);
	/* The middle gap is below hi: the bottom one is used. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0, 0x20000, true), 0x0);
	/* No gap at all. */
	ck_assert_int_eq(vma_find_gap(&s, 0x20000, 0x10000, 0x40000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x10000, 0x20000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x11000, 0, 0x40000, true), -ENOMEM);
	/* lo respected: only [0x28000, 0x30000) is usable. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x28000, 0x40000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x8000, 0x28000, 0x40000, true),
			 0x28000);
	ck_assert_int_eq(vma_find_gap(&s, 0x4000, 0x28000, 0x40000, true),
			 0x2c000);
	/* hi respected, inside a gap. */
	ck_assert_int_eq(vma_find_gap(&s, 0x4000, 0, 0x48000, true), 0x44000);
	ck_assert_int_eq(vma_find_gap(&s, 0x4000, 0, 0x2c000, true), 0x28000);
	/* len 0, empty or inverted window, window smaller than len. */
	ck_assert_int_eq(vma_find_gap(&s, 0, 0, 0x50000, true), -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x50000, 0x50000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x60000, 0x50000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x2000, 0x40000, 0x41000, true),
			 -ENOMEM);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_find_gap_bottomup)
{
	struct vma_set s;

	gap_set(&s);
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0, 0x50000, false), 0x0);
	/* Exact fit between the two. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x10000, 0x50000, false),
			 0x20000);
	/* lo inside a gap and inside a VMA. */
	ck_assert_int_eq(vma_find_gap(&s, 0x8000, 0x8000, 0x50000, false),
			 0x8000);
	ck_assert_int_eq(vma_find_gap(&s, 0x8001, 0x8000, 0x50000, false),
			 0x20000);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x18000, 0x50000, false),
			 0x20000);
	/* Too big for the middle gap: goes above. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10001, 0x10000, 0x50001, false),
			 0x40000);
	/* Gap ending exactly at hi. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x30000, 0x50000, false),
			 0x40000);
	ck_assert_int_eq(vma_find_gap(&s, 0x10001, 0x30000, 0x50000, false),
			 -ENOMEM);
	/* hi respected. */
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x10000, 0x2f000, false),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x8000, 0x10000, 0x28000, false),
			 0x20000);
	ck_assert_int_eq(vma_find_gap(&s, 0x8000, 0x10000, 0x27000, false),
			 -ENOMEM);
	/* No gap. */
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x10000, 0x20000, false),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x11000, 0x0, 0x40000, false),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0, 0, 0x50000, false), -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x50000, 0x40000, false),
			 -ENOMEM);
	vma_set_destroy(&s);
}
END_TEST

START_TEST(test_vma_find_gap_empty_set)
{
	struct vma_set s;

	vma_set_init(&s);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x10000, 0x20000, true),
			 0x1f000);
	ck_assert_int_eq(vma_find_gap(&s, 0x1000, 0x10000, 0x20000, false),
			 0x10000);
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x10000, 0x20000, true),
			 0x10000);
	ck_assert_int_eq(vma_find_gap(&s, 0x10000, 0x10000, 0x20000, false),
			 0x10000);
	ck_assert_int_eq(vma_find_gap(&s, 0x11000, 0x10000, 0x20000, true),
			 -ENOMEM);
	ck_assert_int_eq(vma_find_gap(&s, 0x11000, 0x10000, 0x20000, false),
			 -ENOMEM);
	vma_set_destroy(&s);
}
END_TEST

/*
 * The randomized test: a per-page model of a window of NPAGES pages.
 */
#define NPAGES 256
#define BASE   0x10000000ULL

struct page_model {
	bool mapped;
	uint32_t prot, flags;
	uint64_t off;
};

static struct page_model model[NPAGES];

/* Deterministic xorshift64*, independent of libc's rand(). */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static uint64_t page_addr(unsigned p)
{
	return BASE + p * PG;
}

static bool vma_continues(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && a->off + (a->end - a->start) == b->off;
}

static void check_against_model(const struct vma_set *s, int step)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vma *v = &s->v[i];

		ck_assert_msg(v->start < v->end, "step %d: empty VMA %zu", step,
			      i);
		ck_assert_msg(v->start % PG == 0 && v->end % PG == 0 &&
				  v->off % PG == 0,
			      "step %d: unaligned VMA %zu", step, i);
		ck_assert_msg(v->start >= BASE && v->end <= page_addr(NPAGES),
			      "step %d: VMA %zu outside the window", step, i);
		if (i + 1 < s->n) {
			ck_assert_msg(v->end <= s->v[i + 1].start,
				      "step %d: VMAs %zu and %zu overlap or "
				      "are unsorted",
				      step, i, i + 1);
			ck_assert_msg(!vma_continues(v, &s->v[i + 1]),
				      "step %d: VMAs %zu and %zu not merged",
				      step, i, i + 1);
		}
	}
	for (unsigned p = 0; p < NPAGES; p++) {
		uint64_t a = page_addr(p);
		long i = vma_find(s, a);

		if (!model[p].mapped) {
			ck_assert_msg(i == -1, "step %d: page %u mapped", step,
				      p);
			continue;
		}
		ck_assert_msg(i >= 0, "step %d: page %u unmapped", step, p);
		ck_assert_msg(s->v[i].prot == model[p].prot,
			      "step %d: page %u prot %u, want %u", step, p,
			      s->v[i].prot, model[p].prot);
		ck_assert_msg(s->v[i].flags == model[p].flags,
			      "step %d: page %u flags", step, p);
		ck_assert_msg(s->v[i].off + (a - s->v[i].start) == model[p].off,
			      "step %d: page %u offset", step, p);
	}
}

static const uint32_t prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				 PROT_READ | PROT_EXEC};

static void random_insert(struct vma_set *s)
{
	unsigned start = rnd_below(NPAGES), len, want, p;
	uint64_t off;
	uint32_t prot, flags;
	struct vma v;

	/* Move to a free page, then extend as far as wanted and free. */
	while (start < NPAGES && model[start].mapped)
		start++;
	if (start == NPAGES)
		return;
	want = 1 + rnd_below(16);
	for (len = 0;
	     len < want && start + len < NPAGES && !model[start + len].mapped;
	     len++)
		;
	prot = prots[rnd_below(4)];
	flags = rnd_below(8) == 0 ? VMA_SHARED : 0;
	switch (rnd_below(4)) {
	case 0: /* continue the left neighbour, if any */
		if (start > 0 && model[start - 1].mapped) {
			prot = model[start - 1].prot;
			flags = model[start - 1].flags;
			off = model[start - 1].off + PG;
			break;
		}
		off = (uint64_t)rnd_below(1024) * PG;
		break;
	case 1: /* be continued by the right neighbour, if any */
		if (start + len < NPAGES && model[start + len].mapped &&
		    model[start + len].off >= len * PG) {
			prot = model[start + len].prot;
			flags = model[start + len].flags;
			off = model[start + len].off - len * PG;
			break;
		}
		off = (uint64_t)rnd_below(1024) * PG;
		break;
	case 2: /* identity: offsets follow addresses, so merges happen */
		off = (uint64_t)start * PG;
		break;
	default:
		off = (uint64_t)rnd_below(1024) * PG;
		break;
	}
	v = mkvma(page_addr(start), page_addr(start + len), prot, flags, off);
	ck_assert(vma_range_free(s, v.start, v.end));
	ck_assert_int_eq(vma_insert(s, &v), 0);
	for (p = 0; p < len; p++) {
		model[start + p].mapped = true;
		model[start + p].prot = prot;
		model[start + p].flags = flags;
		model[start + p].off = off + p * PG;
	}
}

static void random_remove(struct vma_set *s)
{
	unsigned start = rnd_below(NPAGES);
	unsigned len = rnd_below(24);
	unsigned end = start + len > NPAGES ? NPAGES : start + len;
	struct pieces ps = {.n = 0};
	uint64_t at;
	size_t k = 0;

	ck_assert_int_eq(
	    vma_remove(s, page_addr(start), page_addr(end), record_piece, &ps),
	    0);
	/* The pieces are exactly the mapped pages of the range, in order. */
	at = page_addr(start);
	for (unsigned p = start; p < end; p++) {
		uint64_t a = page_addr(p);

		if (!model[p].mapped)
			continue;
		while (k < ps.n && ps.p[k].end <= a)
			k++;
		ck_assert_msg(k < ps.n, "page %u: no piece", p);
		ck_assert_uint_le(ps.p[k].start, a);
		ck_assert_uint_ge(ps.p[k].start, at);
		ck_assert_uint_eq(ps.p[k].prot, model[p].prot);
		ck_assert_uint_eq(ps.p[k].flags, model[p].flags);
		ck_assert_uint_eq(ps.p[k].off + (a - ps.p[k].start),
				  model[p].off);
		at = ps.p[k].start;
	}
	for (size_t i = 0; i < ps.n; i++) {
		ck_assert_uint_lt(ps.p[i].start, ps.p[i].end);
		ck_assert_uint_ge(ps.p[i].start, page_addr(start));
		ck_assert_uint_le(ps.p[i].end, page_addr(end));
		if (i > 0)
			ck_assert_uint_le(ps.p[i - 1].end, ps.p[i].start);
		for (uint64_t a = ps.p[i].start; a < ps.p[i].end; a += PG)
			ck_assert(model[(a - BASE) / PG].mapped);
	}
	for (unsigned p = start; p < end; p++)
		model[p].mapped = false;
}

static void random_protect(struct vma_set *s)
{
	unsigned start = rnd_below(NPAGES), len, want;
	uint32_t prot = prots[rnd_below(4)];

	while (start < NPAGES && !model[start].mapped)
		start++;
	if (start == NPAGES)
		return;
	want = 1 + rnd_below(32);
	for (len = 0;
	     len < want && start + len < NPAGES && model[start + len].mapped;
	     len++)
		;
	ck_assert(
	    vma_range_mapped(s, page_addr(start), page_addr(start + len)));
	ck_assert_int_eq(
	    vma_protect(s, page_addr(start), page_addr(start + len), prot), 0);
	for (unsigned p = start; p < start + len; p++)
		model[p].prot = prot;
}

START_TEST(test_vma_random_against_model)
{
	struct vma_set s;

	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(model, 0, sizeof(model));
	vma_set_init(&s);
	for (int step = 0; step < 2000; step++) {
		unsigned op = rnd_below(10);

		if (op < 4)
			random_insert(&s);
		else if (op < 7)
			random_remove(&s);
		else
			random_protect(&s);
		check_against_model(&s, step);
	}
	vma_set_destroy(&s);
}
END_TEST

static Suite *vma_suite(void)
{
	Suite *s = suite_create("vma");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_vma_insert_empty);
	tcase_add_test(tc, test_vma_insert_merges_continuing);
	tcase_add_test(tc, test_vma_insert_no_merge_different_prot);
	tcase_add_test(tc, test_vma_insert_no_merge_noncontiguous_off);
	tcase_add_test(tc, test_vma_insert_no_merge_different_flags);
	tcase_add_test(tc, test_vma_insert_no_merge_gap);
	tcase_add_test(tc, test_vma_insert_file_merges);
	tcase_add_test(tc, test_vma_find_boundaries);
	tcase_add_test(tc, test_vma_remove_middle_splits);
	tcase_add_test(tc, test_vma_remove_edges);
	tcase_add_test(tc, test_vma_remove_spanning);
	tcase_add_test(tc, test_vma_remove_inside_one_piece);
	tcase_add_test(tc, test_vma_protect_middle_then_back);
	tcase_add_test(tc, test_vma_protect_same_prot_noop);
	tcase_add_test(tc, test_vma_protect_edges);
	tcase_add_test(tc, test_vma_protect_several);
	tcase_add_test(tc, test_vma_protect_keeps_other_vmas);
	tcase_add_test(tc, test_vma_range_mapped_free);
	tcase_add_test(tc, test_vma_find_gap_topdown);
	tcase_add_test(tc, test_vma_find_gap_bottomup);
	tcase_add_test(tc, test_vma_find_gap_empty_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_vma_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vma_suite)
