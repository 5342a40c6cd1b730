/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory file: one memfd holding all application memory, mapped in full
 * into the sentry so that copying to and from the application is a memcpy.
 * The file is sparse: allocating a range costs nothing until it is touched,
 * and freeing one punches a hole, returning its pages to the host.
 *
 * Pages are reference counted, so that fork can share anonymous memory
 * copy-on-write between address spaces. An allocated page has one
 * reference; memfile_ref adds one to each page of a range, memfile_free
 * drops one. A page left with none is freed (hole punched, back to the
 * free extents); one still referenced keeps its data. Only counts above
 * one are recorded, as sorted extents of pages with equal counts
 * (canonical: touching extents have different counts), so a file with
 * nothing shared costs what it did before counts existed: memfile_free,
 * memfile_zero and memfile_shared read one word and go on as without them.
 *
 * A holder of a page with one reference is its only holder, and only a
 * holder can add references: so memfile_shared() false stays false until
 * the caller itself calls memfile_ref, while true may turn false at any
 * time as other holders drop theirs (a copy made then is merely wasted).
 */
#ifndef MOAT_MM_MEMFILE_H
#define MOAT_MM_MEMFILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct memfile_extent {
	uint64_t off, len;
};

/* A run of pages that each have refs (at least two) references. */
struct memfile_shared_extent {
	uint64_t off, len;
	uint64_t refs;
};

struct memfile {
	int fd;
	uint8_t *base; /* the whole file, mapped shared into the sentry */
	uint64_t size;
	pthread_mutex_t lock;
	pthread_mutex_t seek_lock;   /* the fd's file offset (sendfile) */
	struct memfile_extent *free; /* sorted, coalesced free ranges */
	size_t nfree, capfree;
	/*
	 * Sorted, disjoint, canonical runs of shared pages. capshared keeps
	 * room for the splits one memfile_free may make (see memfile.c).
	 * nshared is written under lock but also read without it.
	 */
	struct memfile_shared_extent *shared;
	size_t nshared, capshared;
};

/* The default size of the (sparse) file: the most it can ever hold. */
#define MEMFILE_DEFAULT_SIZE (1ULL << 40)

int memfile_create(struct memfile *mf, uint64_t size);
void memfile_destroy(struct memfile *mf);

/* Allocate len bytes (page multiple); returns the offset or -ENOMEM. */
int64_t memfile_alloc(struct memfile *mf, uint64_t len);
/* Allocate exactly [off, off+len) if it is free; returns 0 or -EBUSY. */
int memfile_alloc_at(struct memfile *mf, uint64_t off, uint64_t len);
/*
 * Each page of [off, off+len) (allocated, page-aligned) gains a reference:
 * 0 or -ENOMEM (then nothing changed). A page not allocated is a sentry
 * bug (BUG_ON). O(log n + k) for the n shared extents, k of them in the
 * range, plus moving the array's tail.
 */
int memfile_ref(struct memfile *mf, uint64_t off, uint64_t len);
/*
 * Each page of [off, off+len) loses a reference; those left with none go
 * back to the free set, their data dropped. Never fails; it allocates only
 * to restore spare room, and if even the room kept in reserve runs out (a
 * malloc failed earlier) a reference it cannot record dropping is kept:
 * those pages leak, with a warning, rather than lose another's data.
 */
void memfile_free(struct memfile *mf, uint64_t off, uint64_t len);
/* Does some page of [off, off+len) have more than one reference? */
bool memfile_shared(struct memfile *mf, uint64_t off, uint64_t len);
/*
 * Is the page at off (allocated, page-aligned) shared, with more than one
 * reference? [*lo, *hi), which holds off, narrows to the run of pages
 * around off that answer the same. Copy-on-write asks it per write fault:
 * O(log n) for the n shared extents, plus the extents the run spans.
 */
bool memfile_shared_span(struct memfile *mf, uint64_t off, uint64_t *lo,
			 uint64_t *hi);

/* What memfile_usage found in a range; it adds to these. */
struct memfile_usage {
	uint64_t resident; /* bytes with pages behind them */
	uint64_t shared;   /* of those, bytes of pages with two references+ */
	/* Each resident page's share, PAGE_SIZE / references, in bytes
	 * << MEMFILE_PSS_SHIFT (Linux's proportional set size). */
	uint64_t pss;
};
#define MEMFILE_PSS_SHIFT 12
/* Add [off, off+len)'s resident, shared and proportional bytes to *u. */
void memfile_usage(struct memfile *mf, uint64_t off, uint64_t len,
		   struct memfile_usage *u);
/*
 * Drop the pages of [off, off+len) (they read as zero again), for every
 * holder: right for shared memory (MADV_REMOVE); private memory that may
 * be shared copy-on-write must break the sharing first.
 */
int memfile_zero(struct memfile *mf, uint64_t off, uint64_t len);
/*
 * Copy the data of [src, src+len) to dst, which must read as zero: only
 * the extents that hold data (all of a range under 16 pages, where finding
 * them costs more), in the host kernel (no pages of the sentry's own are
 * touched). 0 or -errno.
 */
int memfile_copy(struct memfile *mf, uint64_t dst, uint64_t src, uint64_t len);
/*
 * How many bytes of [off, off+len) have pages behind them: written (or
 * faulted in) since allocated or last zeroed, resident or swapped out. A
 * shared page has them for as long as any reference remains.
 * Page granular; 0 if the host cannot tell.
 */
uint64_t memfile_resident(struct memfile *mf, uint64_t off, uint64_t len);
/* The same per page of [off, off+npages pages): vec[i] 1 or 0. */
void memfile_resident_vec(struct memfile *mf, uint64_t off, size_t npages,
			  uint8_t *vec);

/*
 * Snapshots. memfile_export_meta copies the allocator's state, the free
 * and the shared extents, into malloc'd arrays (the caller frees them):
 * 0 or -ENOMEM. memfile_import_meta gives a fresh file (nothing allocated)
 * such a state, after checking it as hostile input: sorted, disjoint,
 * page-aligned, inside the file, canonical (free extents coalesced,
 * touching shared extents with different counts of at least two, no
 * shared page free). 0; -EINVAL with *why saying what is wrong; -EBUSY
 * if mf is not fresh; -ENOMEM. Nothing changed on failure.
 */
int memfile_export_meta(struct memfile *mf, struct memfile_extent **free,
			size_t *nfree, struct memfile_shared_extent **shared,
			size_t *nshared);
int memfile_import_meta(struct memfile *mf, const struct memfile_extent *free,
			size_t nfree,
			const struct memfile_shared_extent *shared,
			size_t nshared, const char **why);
/* Is every page of [off, off+len) allocated (in no free extent)? */
bool memfile_allocated(struct memfile *mf, uint64_t off, uint64_t len);

static inline void *memfile_ptr(struct memfile *mf, uint64_t off)
{
	return mf->base + off;
}

#endif
