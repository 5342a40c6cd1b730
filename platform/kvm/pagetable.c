// SPDX-License-Identifier: Apache-2.0
/*
 * Guest page tables for the kvm platform (pagetable.h).
 */
#include "platform/kvm/pagetable.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

void kvm_pt_pool_init(struct kvm_pt_pool *pool, void *base, uint64_t gpa,
		      uint64_t size)
{
	memset(pool, 0, sizeof(*pool));
	pool->base = base;
	pool->gpa = gpa;
	pool->size = size & ~(KVM_PT_PAGE_SIZE - 1);
	pthread_mutex_init(&pool->lock, NULL);
}

uint64_t *kvm_pt_table(struct kvm_pt_pool *pool, uint64_t gpa)
{
	return (uint64_t *)(pool->base + (gpa - pool->gpa));
}

uint64_t kvm_pt_alloc(struct kvm_pt_pool *pool)
{
	uint64_t off = UINT64_MAX;

	pthread_mutex_lock(&pool->lock);
	if (pool->free_head) {
		off = pool->free_head - 1;
		memcpy(&pool->free_head, pool->base + off, 8);
	} else if (pool->next < pool->size) {
		off = pool->next;
		pool->next += KVM_PT_PAGE_SIZE;
	}
	if (off != UINT64_MAX)
		pool->used++;
	pthread_mutex_unlock(&pool->lock);
	if (off == UINT64_MAX)
		return 0;
	memset(pool->base + off, 0, KVM_PT_PAGE_SIZE);
	return pool->gpa + off;
}

void kvm_pt_release(struct kvm_pt_pool *pool, uint64_t gpa)
{
	uint64_t off = gpa - pool->gpa;

	pthread_mutex_lock(&pool->lock);
	memcpy(pool->base + off, &pool->free_head, 8);
	pool->free_head = off + 1;
	pool->used--;
	pthread_mutex_unlock(&pool->lock);
}

uint64_t kvm_pt_leaf(int prot, uint64_t phys)
{
	uint64_t e = (phys & KVM_PTE_ADDR) | KVM_PTE_MAPPED;

	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return e;
	e |= KVM_PTE_P | KVM_PTE_U;
	if (prot & PROT_WRITE)
		e |= KVM_PTE_W;
	if (!(prot & PROT_EXEC))
		e |= KVM_PTE_NX;
	return e;
}

/* Bits of a level-l entry index (l = 3: PML4 ... 0: PT). */
static unsigned shift_of(int level)
{
	return 12 + 9 * (unsigned)level;
}

/*
 * The page table holding addr's leaf entry: made on the way when create
 * (NULL when the pool ran out), else NULL when there is none, with *skip
 * set to the end of the range the missing table would cover.
 */
static uint64_t *leaf_table(struct kvm_pt_pool *pool, uint64_t pml4,
			    uint64_t addr, bool create, uint64_t *skip)
{
	uint64_t *t = kvm_pt_table(pool, pml4);

	for (int level = 3; level > 0; level--) {
		unsigned sh = shift_of(level);
		uint64_t *e = &t[(addr >> sh) & 511];

		if (!(*e & KVM_PTE_P)) {
			uint64_t page;

			if (!create) {
				*skip = ((addr >> sh) + 1) << sh;
				return NULL;
			}
			page = kvm_pt_alloc(pool);
			if (!page)
				return NULL;
			/* The leaves decide; the upper levels allow all. */
			*e = page | KVM_PTE_P | KVM_PTE_W | KVM_PTE_U;
		}
		t = kvm_pt_table(pool, *e & KVM_PTE_ADDR);
	}
	return t;
}

int kvm_pt_map(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
	       uint64_t len, int prot, uint64_t phys, bool *changed)
{
	uint64_t end = addr + len, skip;

	if (end > KVM_USER_TOP || end < addr)
		return -EINVAL;
	while (addr < end) {
		uint64_t *t = leaf_table(pool, pml4, addr, true, &skip);

		if (!t)
			return -ENOMEM;
		for (unsigned i = (addr >> 12) & 511; i < 512 && addr < end;
		     i++, addr += KVM_PT_PAGE_SIZE, phys += KVM_PT_PAGE_SIZE) {
			if (t[i] & KVM_PTE_P)
				*changed = true;
			t[i] = kvm_pt_leaf(prot, phys);
		}
	}
	return 0;
}

/* Apply prot (or remove, prot < 0) to the entries of [addr, end). */
static void change(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
		   uint64_t len, int prot, bool *changed)
{
	uint64_t end = addr + len, skip = 0;

	if (end > KVM_USER_TOP || end < addr)
		end = KVM_USER_TOP;
	while (addr < end) {
		uint64_t *t = leaf_table(pool, pml4, addr, false, &skip);

		if (!t) {
			addr = skip;
			continue;
		}
		for (unsigned i = (addr >> 12) & 511; i < 512 && addr < end;
		     i++, addr += KVM_PT_PAGE_SIZE) {
			uint64_t e = t[i];

			if (!(e & KVM_PTE_MAPPED))
				continue;
			if (e & KVM_PTE_P)
				*changed = true;
			t[i] = prot < 0 ? 0 : kvm_pt_leaf(prot, e);
		}
	}
}

void kvm_pt_unmap(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
		  uint64_t len, bool *changed)
{
	change(pool, pml4, addr, len, -1, changed);
}

void kvm_pt_protect(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
		    uint64_t len, int prot, bool *changed)
{
	change(pool, pml4, addr, len, prot & 7, changed);
}

uint64_t kvm_pt_lookup(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr)
{
	uint64_t skip, *t;

	if (addr >= KVM_USER_TOP)
		return 0;
	t = leaf_table(pool, pml4, addr, false, &skip);
	return t ? t[(addr >> 12) & 511] : 0;
}

static void free_level(struct kvm_pt_pool *pool, uint64_t table, int level)
{
	uint64_t *t = kvm_pt_table(pool, table);

	if (level > 0)
		for (unsigned i = 0; i < 512; i++)
			if (t[i] & KVM_PTE_P)
				free_level(pool, t[i] & KVM_PTE_ADDR,
					   level - 1);
	kvm_pt_release(pool, table);
}

void kvm_pt_destroy(struct kvm_pt_pool *pool, uint64_t pml4)
{
	uint64_t *t = kvm_pt_table(pool, pml4);

	for (unsigned i = 0; i < 256; i++)
		if (t[i] & KVM_PTE_P)
			free_level(pool, t[i] & KVM_PTE_ADDR, 2);
	kvm_pt_release(pool, pml4);
}
