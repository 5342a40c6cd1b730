/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The application's view of an address space: a sorted set of
 * non-overlapping VMAs. This is data only; sentry/mm/mm.c applies changes
 * to the memory file and the platform.
 *
 * The same set type holds an address space's pmas (gVisor's name): where
 * its anonymous memory lives in the memory file, kept apart from the VMAs
 * so that copy-on-write can move single pages without splitting what the
 * application sees. A pma is a struct vma with only start, end, off (the
 * memory-file offset of start) and flags (VMA_COW or 0); the set's merging
 * joins pmas that continue each other in both address and memory file.
 */
#ifndef MOAT_MM_VMA_H
#define MOAT_MM_VMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMA_SHARED	0x1 /* MAP_SHARED */
#define VMA_GROWSDOWN	0x2 /* MAP_GROWSDOWN / the stack */
#define VMA_NORESERVE	0x4
#define VMA_STACK	0x8  /* the main thread's stack: [stack] */
#define VMA_HEAP	0x10 /* the brk area: [heap] */
#define VMA_LOCKED	0x20
#define VMA_MAYWRITE	0x40 /* a shared file mapping of a writable file */
#define VMA_LOCKONFAULT 0x80 /* mlock2(MLOCK_ONFAULT): not populated */
/*
 * A pma flag: private anonymous memory whose memory-file pages another
 * address space may share since a fork: mapped without PROT_WRITE until a
 * write copies the page written (or finds it no longer shared).
 */
#define VMA_COW	       0x100
#define VMA_DONTFORK   0x200 /* MADV_DONTFORK: not in a fork's child */
#define VMA_WIPEONFORK 0x400 /* MADV_WIPEONFORK: zero in a fork's child */

struct mm_file;

struct vma {
	uint64_t start, end; /* [start, end), page-aligned */
	uint32_t prot;	     /* PROT_* */
	uint32_t flags;	     /* VMA_* */
	/*
	 * Anonymous memory: Linux's vm_pgoff in bytes, which decides only
	 * whether neighbours merge (the start address at mmap for private
	 * memory, 0 for shared; mremap keeps it); the pmas say where its
	 * pages are. A shared file mapping (file set): the file offset of
	 * start. A pma: the memory-file offset of start.
	 */
	uint64_t off;
	struct mm_file *file; /* mm.c's; NULL: anonymous memory */
};

struct vma_set {
	struct vma *v;
	size_t n, cap;
};

void vma_set_init(struct vma_set *s);
void vma_set_destroy(struct vma_set *s);

/* Make room for extra more VMAs: 0 or -ENOMEM. */
int vma_set_reserve(struct vma_set *s, size_t extra);

/* Index of the VMA containing addr, or -1. */
long vma_find(const struct vma_set *s, uint64_t addr);
/* Index of the first VMA with end > addr (n if none). */
size_t vma_lower_bound(const struct vma_set *s, uint64_t addr);

/* Is every byte of [start, end) in some VMA? Is none of it? */
bool vma_range_mapped(const struct vma_set *s, uint64_t start, uint64_t end);
bool vma_range_free(const struct vma_set *s, uint64_t start, uint64_t end);

/*
 * Insert v; [v->start, v->end) must be free. Merges with neighbours that
 * continue it (same prot and flags, contiguous memory-file offsets).
 * Returns 0 or -ENOMEM (the set is unchanged then).
 */
int vma_insert(struct vma_set *s, const struct vma *v);

/*
 * Remove [start, end), splitting VMAs at the edges. removed is called for
 * each removed piece, in address order, before the set changes. Returns 0
 * or -ENOMEM (the set is unchanged then, and removed was not called).
 */
int vma_remove(struct vma_set *s, uint64_t start, uint64_t end,
	       void (*removed)(void *arg, const struct vma *piece), void *arg);

/*
 * Set the protection of [start, end), which must be fully mapped, splitting
 * and merging as needed. Returns 0 or -ENOMEM (unchanged then).
 */
int vma_protect(struct vma_set *s, uint64_t start, uint64_t end, uint32_t prot);

/*
 * Find a free gap of len bytes within [lo, hi). Top-down searches from hi
 * (as mmap does by default), else bottom-up from lo. Returns the start or
 * -ENOMEM.
 */
/*
 * Set the flags of mask to flags in whatever of [start, end) is mapped,
 * splitting and merging as needed. Returns 0 or -ENOMEM (unchanged then).
 */
int vma_set_flags(struct vma_set *s, uint64_t start, uint64_t end,
		  uint32_t mask, uint32_t flags);

int64_t vma_find_gap(const struct vma_set *s, uint64_t len, uint64_t lo,
		     uint64_t hi, bool topdown);

#endif
