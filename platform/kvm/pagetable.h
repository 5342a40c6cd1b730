/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kvm platform's guest page tables: x86-64 4-level tables that the
 * sentry builds in memory it shares with the guest, one set per address
 * space, from the same as_map/as_unmap/as_protect calls the other
 * platforms get.
 *
 * Table pages come from a pool: a range of host memory that the guest sees
 * at guest-physical pool->gpa (a memory slot of the platform's own, never
 * mapped for the application). The lower half of a PML4 (entries 0..255)
 * maps application addresses to guest-physical ones, user-accessible,
 * writable only with PROT_WRITE, no-execute without PROT_EXEC; its upper
 * half is whatever the caller puts there (the supervisor-only ring-0 area,
 * shared by every address space).
 *
 * A page mapped PROT_NONE keeps its guest-physical address in a
 * not-present entry marked KVM_PTE_MAPPED, so that as_protect can make it
 * accessible again; the hardware ignores every bit of a not-present entry.
 */
#ifndef MOAT_PLATFORM_KVM_PAGETABLE_H
#define MOAT_PLATFORM_KVM_PAGETABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define KVM_PTE_P	 0x1ULL
#define KVM_PTE_W	 0x2ULL
#define KVM_PTE_U	 0x4ULL
#define KVM_PTE_A	 0x20ULL
#define KVM_PTE_D	 0x40ULL
#define KVM_PTE_MAPPED	 0x200ULL /* software: a mapping, present or not */
#define KVM_PTE_NX	 (1ULL << 63)
#define KVM_PTE_ADDR	 0x000ffffffffff000ULL
#define KVM_USER_TOP	 (1ULL << 47) /* the lower half of the PML4 */
#define KVM_PT_PAGE_SIZE 4096ULL

/* Where table pages come from. */
struct kvm_pt_pool {
	uint8_t *base; /* host address of the pool */
	uint64_t gpa;  /* its guest-physical address */
	uint64_t size; /* bytes, a page multiple */
	pthread_mutex_t lock;
	uint64_t next;	    /* first never-used offset */
	uint64_t free_head; /* offset + 1 of a free page (a list), or 0 */
	uint64_t used;	    /* pages handed out now */
};

/* A pool over [base, base+size), seen by the guest at gpa. */
void kvm_pt_pool_init(struct kvm_pt_pool *pool, void *base, uint64_t gpa,
		      uint64_t size);

/* A zeroed table page: its guest-physical address, or 0 when none is left. */
uint64_t kvm_pt_alloc(struct kvm_pt_pool *pool);
void kvm_pt_release(struct kvm_pt_pool *pool, uint64_t gpa);
/* The host address of the table page at gpa (from this pool). */
uint64_t *kvm_pt_table(struct kvm_pt_pool *pool, uint64_t gpa);

/* The leaf entry for prot (PROT_*) and guest-physical page phys. */
uint64_t kvm_pt_leaf(int prot, uint64_t phys);

/*
 * Map [addr, addr+len) (page-aligned, below KVM_USER_TOP) to guest-physical
 * [phys, phys+len) with prot, replacing what was there. *changed is set
 * when an entry that was present changed (then a TLB may hold the old
 * one). 0, or -ENOMEM when the pool ran out (then part may be mapped).
 */
int kvm_pt_map(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
	       uint64_t len, int prot, uint64_t phys, bool *changed);
/* Remove the mappings of [addr, addr+len); tables stay. */
void kvm_pt_unmap(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
		  uint64_t len, bool *changed);
/* Give the mapped pages of [addr, addr+len) protection prot. */
void kvm_pt_protect(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr,
		    uint64_t len, int prot, bool *changed);
/* The leaf entry for addr, or 0 when there is none. */
uint64_t kvm_pt_lookup(struct kvm_pt_pool *pool, uint64_t pml4, uint64_t addr);
/* Give back every table of the lower half, and the PML4 itself. */
void kvm_pt_destroy(struct kvm_pt_pool *pool, uint64_t pml4);

#endif
