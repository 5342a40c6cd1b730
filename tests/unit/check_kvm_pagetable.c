// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the kvm platform's guest page tables
 * (platform/kvm/pagetable.c): built in host memory as the guest's MMU will
 * walk them, checked entry by entry. No /dev/kvm needed.
 */
#include "platform/kvm/pagetable.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG	 4096ULL
#define POOL_GPA 0x8000000000ULL /* guest-physical of the pool */

static struct kvm_pt_pool pool;
static void *pool_mem;
static uint64_t pml4;

static void setup(void)
{
	size_t size = 256 * PG;

	pool_mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(pool_mem, MAP_FAILED);
	/* Garbage, as reused pages would hold: tables must come zeroed. */
	memset(pool_mem, 0xa5, size);
	kvm_pt_pool_init(&pool, pool_mem, POOL_GPA, size);
	pml4 = kvm_pt_alloc(&pool);
	ck_assert_uint_eq(pml4, POOL_GPA);
}

static void teardown(void)
{
	munmap(pool_mem, 256 * PG);
}

/* Walk the tables as the MMU does: the leaf entry, or 0 when none. */
static uint64_t walk(uint64_t va)
{
	uint64_t table = pml4;

	for (int level = 3; level > 0; level--) {
		uint64_t e =
		    kvm_pt_table(&pool, table)[(va >> (12 + 9 * level)) & 511];

		if (!(e & KVM_PTE_P))
			return 0;
		/* Upper levels: present, writable, user; the leaf decides. */
		ck_assert_uint_eq(e & (KVM_PTE_W | KVM_PTE_U | KVM_PTE_NX),
				  KVM_PTE_W | KVM_PTE_U);
		ck_assert_uint_ge(e & KVM_PTE_ADDR, POOL_GPA);
		ck_assert_uint_lt(e & KVM_PTE_ADDR, POOL_GPA + 256 * PG);
		table = e & KVM_PTE_ADDR;
	}
	return kvm_pt_table(&pool, table)[(va >> 12) & 511];
}

START_TEST(test_leaf_bits)
{
	uint64_t rw = kvm_pt_leaf(PROT_READ | PROT_WRITE, 0x123000);
	uint64_t rx = kvm_pt_leaf(PROT_READ | PROT_EXEC, 0x5000);
	uint64_t ro = kvm_pt_leaf(PROT_READ, 0x6000);
	uint64_t none = kvm_pt_leaf(PROT_NONE, 0x7000);

	ck_assert_uint_eq(rw, 0x123000 | KVM_PTE_P | KVM_PTE_U | KVM_PTE_W |
				  KVM_PTE_NX | KVM_PTE_MAPPED);
	ck_assert_uint_eq(rx, 0x5000 | KVM_PTE_P | KVM_PTE_U | KVM_PTE_MAPPED);
	ck_assert_uint_eq(ro, 0x6000 | KVM_PTE_P | KVM_PTE_U | KVM_PTE_NX |
				  KVM_PTE_MAPPED);
	/* PROT_NONE: not present, but the address is kept. */
	ck_assert_uint_eq(none, 0x7000 | KVM_PTE_MAPPED);
}
END_TEST

START_TEST(test_map_walk)
{
	bool changed = false;
	/* Crosses a page-table boundary (2 MiB) and a PD boundary (1 GiB). */
	uint64_t va = 0x3ffff000ULL - 2 * PG, len = 5 * PG;

	ck_assert_int_eq(kvm_pt_map(&pool, pml4, va, len,
				    PROT_READ | PROT_WRITE, 0x10000, &changed),
			 0);
	ck_assert(!changed);
	for (uint64_t i = 0; i < 5; i++) {
		uint64_t e = walk(va + i * PG);

		ck_assert_uint_eq(e & KVM_PTE_ADDR, 0x10000 + i * PG);
		ck_assert(e & KVM_PTE_P);
		ck_assert(e & KVM_PTE_W);
		ck_assert(e & KVM_PTE_U);
		ck_assert_uint_eq(kvm_pt_lookup(&pool, pml4, va + i * PG), e);
	}
	ck_assert_uint_eq(walk(va - PG), 0);
	ck_assert_uint_eq(walk(va + len), 0);
	/* Mapping again over present entries says so. */
	ck_assert_int_eq(
	    kvm_pt_map(&pool, pml4, va, PG, PROT_READ, 0x90000, &changed), 0);
	ck_assert(changed);
	ck_assert_uint_eq(walk(va), kvm_pt_leaf(PROT_READ, 0x90000));
}
END_TEST

START_TEST(test_unmap_protect)
{
	bool changed = false;
	uint64_t va = 0x400000;

	ck_assert_int_eq(
	    kvm_pt_map(&pool, pml4, va, 4 * PG, PROT_NONE, 0x20000, &changed),
	    0);
	ck_assert(!changed);
	ck_assert_uint_eq(walk(va) & KVM_PTE_P, 0);
	/* PROT_NONE pages become accessible, at their own addresses. */
	kvm_pt_protect(&pool, pml4, va, 2 * PG, PROT_READ | PROT_EXEC,
		       &changed);
	ck_assert(!changed); /* nothing was present */
	ck_assert_uint_eq(walk(va),
			  kvm_pt_leaf(PROT_READ | PROT_EXEC, 0x20000));
	ck_assert_uint_eq(walk(va + PG),
			  kvm_pt_leaf(PROT_READ | PROT_EXEC, 0x21000));
	ck_assert_uint_eq(walk(va + 2 * PG), kvm_pt_leaf(PROT_NONE, 0x22000));
	/* Narrowing a present page is a change the TLB must hear of. */
	kvm_pt_protect(&pool, pml4, va, PG, PROT_NONE, &changed);
	ck_assert(changed);
	ck_assert_uint_eq(walk(va), kvm_pt_leaf(PROT_NONE, 0x20000));
	/* Unmapped pages stay unmapped under protect. */
	changed = false;
	kvm_pt_unmap(&pool, pml4, va + PG, PG, &changed);
	ck_assert(changed);
	ck_assert_uint_eq(walk(va + PG), 0);
	changed = false;
	kvm_pt_protect(&pool, pml4, va, 4 * PG, PROT_READ, &changed);
	ck_assert(!changed);
	ck_assert_uint_eq(walk(va + PG), 0);
	ck_assert_uint_eq(walk(va), kvm_pt_leaf(PROT_READ, 0x20000));
	ck_assert_uint_eq(walk(va + 3 * PG), kvm_pt_leaf(PROT_READ, 0x23000));
}
END_TEST

START_TEST(test_sparse_ranges)
{
	bool changed = false;
	uint64_t used;

	/* A page near the top of the user half and one near the bottom. */
	ck_assert_int_eq(kvm_pt_map(&pool, pml4, KVM_USER_TOP - PG, PG,
				    PROT_READ, 0x1000, &changed),
			 0);
	ck_assert_int_eq(
	    kvm_pt_map(&pool, pml4, 0x10000, PG, PROT_READ, 0x2000, &changed),
	    0);
	used = pool.used;
	ck_assert_uint_eq(used, 1 + 3 + 3); /* PML4, two chains of three */
	/* Unmapping and protecting the whole half skips missing tables
	 * (else this walks 2^35 entries) and makes none. */
	kvm_pt_protect(&pool, pml4, 0, KVM_USER_TOP, PROT_READ | PROT_WRITE,
		       &changed);
	ck_assert(changed);
	ck_assert(walk(0x10000) & KVM_PTE_W);
	ck_assert(walk(KVM_USER_TOP - PG) & KVM_PTE_W);
	kvm_pt_unmap(&pool, pml4, 0, KVM_USER_TOP, &changed);
	ck_assert_uint_eq(walk(0x10000), 0);
	ck_assert_uint_eq(walk(KVM_USER_TOP - PG), 0);
	ck_assert_uint_eq(pool.used, used);
	/* Past the user half: refused. */
	ck_assert_int_eq(
	    kvm_pt_map(&pool, pml4, KVM_USER_TOP, PG, PROT_READ, 0, &changed),
	    -EINVAL);
	ck_assert_uint_eq(kvm_pt_lookup(&pool, pml4, KVM_USER_TOP), 0);
}
END_TEST

START_TEST(test_upper_half_kept)
{
	bool changed = false;
	uint64_t *t = kvm_pt_table(&pool, pml4);

	t[511] = 0x5000 | KVM_PTE_P | KVM_PTE_W; /* the ring-0 area */
	ck_assert_int_eq(
	    kvm_pt_map(&pool, pml4, 0x10000, PG, PROT_READ, 0x2000, &changed),
	    0);
	kvm_pt_unmap(&pool, pml4, 0, KVM_USER_TOP, &changed);
	ck_assert_uint_eq(t[511], 0x5000 | KVM_PTE_P | KVM_PTE_W);
	/* Destroy gives back the lower half's tables, not the upper's. */
	kvm_pt_destroy(&pool, pml4);
	ck_assert_uint_eq(pool.used, 0);
}
END_TEST

START_TEST(test_pool_exhausted)
{
	bool changed = false;
	int err = 0;

	/* Each 1 GiB apart needs a new PD and PT: the pool runs out. */
	for (uint64_t i = 0; i < 200 && !err; i++)
		err = kvm_pt_map(&pool, pml4, i << 30, PG, PROT_READ, 0,
				 &changed);
	ck_assert_int_eq(err, -ENOMEM);
	ck_assert_uint_eq(kvm_pt_alloc(&pool), 0);
	/* Pages given back are handed out again, zeroed. */
	kvm_pt_destroy(&pool, pml4);
	ck_assert_uint_eq(pool.used, 0);
	pml4 = kvm_pt_alloc(&pool);
	ck_assert_uint_ne(pml4, 0);
	for (unsigned i = 0; i < 512; i++)
		ck_assert_uint_eq(kvm_pt_table(&pool, pml4)[i], 0);
}
END_TEST

static Suite *kvm_pagetable_suite(void)
{
	Suite *s = suite_create("kvm_pagetable");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_leaf_bits);
	tcase_add_test(tc, test_map_walk);
	tcase_add_test(tc, test_unmap_protect);
	tcase_add_test(tc, test_sparse_ranges);
	tcase_add_test(tc, test_upper_half_kept);
	tcase_add_test(tc, test_pool_exhausted);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(kvm_pagetable_suite)
