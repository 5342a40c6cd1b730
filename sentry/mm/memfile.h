/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory file: one memfd holding all application memory, mapped in full
 * into the sentry so that copying to and from the application is a memcpy.
 * The file is sparse: allocating a range costs nothing until it is touched,
 * and freeing one punches a hole, returning its pages to the host.
 */
#ifndef MOAT_MM_MEMFILE_H
#define MOAT_MM_MEMFILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct memfile_extent {
	uint64_t off, len;
};

struct memfile {
	int fd;
	uint8_t *base; /* the whole file, mapped shared into the sentry */
	uint64_t size;
	pthread_mutex_t lock;
	pthread_mutex_t seek_lock;   /* the fd's file offset (sendfile) */
	struct memfile_extent *free; /* sorted, coalesced free ranges */
	size_t nfree, capfree;
};

/* The default size of the (sparse) file: the most it can ever hold. */
#define MEMFILE_DEFAULT_SIZE (1ULL << 40)

int memfile_create(struct memfile *mf, uint64_t size);
void memfile_destroy(struct memfile *mf);

/* Allocate len bytes (page multiple); returns the offset or -ENOMEM. */
int64_t memfile_alloc(struct memfile *mf, uint64_t len);
/* Allocate exactly [off, off+len) if it is free; returns 0 or -EBUSY. */
int memfile_alloc_at(struct memfile *mf, uint64_t off, uint64_t len);
/* Return [off, off+len) to the free set, dropping its pages. */
void memfile_free(struct memfile *mf, uint64_t off, uint64_t len);
/* Drop the pages of [off, off+len) (they read as zero again). */
int memfile_zero(struct memfile *mf, uint64_t off, uint64_t len);
/*
 * How many bytes of [off, off+len) have pages behind them: written (or
 * faulted in) since allocated or last zeroed, resident or swapped out.
 * Page granular; 0 if the host cannot tell.
 */
uint64_t memfile_resident(struct memfile *mf, uint64_t off, uint64_t len);
/* The same per page of [off, off+npages pages): vec[i] 1 or 0. */
void memfile_resident_vec(struct memfile *mf, uint64_t off, size_t npages,
			  uint8_t *vec);

static inline void *memfile_ptr(struct memfile *mf, uint64_t off)
{
	return mf->base + off;
}

#endif
