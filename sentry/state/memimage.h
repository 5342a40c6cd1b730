/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory file in a snapshot image: two sections.
 *
 * memfile-meta, the allocator's state (all fields u64, little-endian):
 *   file size, page size (4096), nfree, nshared,
 *   nfree free extents (offset, length),
 *   nshared shared extents (offset, length, references).
 *
 * memory, the pages that hold data, as records in increasing offset order:
 *   offset, page count (u64 each), then that many pages of data.
 * Only pages with data are stored (found with SEEK_DATA/SEEK_HOLE, so
 * holes cost nothing), and of those only pages that are not all zero; a
 * record covers at most MEMIMAGE_RUN_PAGES pages. On restore every record
 * must lie inside the file, in allocated pages, after the one before it.
 *
 * A compressed memory section (IMAGE_SECF_ZSTD, image format 1.1) holds
 * the same records in chunks, each compressed on its own so that a
 * restore needs one chunk in memory at a time:
 *   raw length, compressed length (u32 each), then that many bytes of
 *   compressed data: one zstd frame, which declares the raw length as
 *   its content size, and carries a checksum of it.
 * Decompressed, a chunk is whole records (from 1 to MEMIMAGE_ZCHUNK_MAX
 * bytes of them; none crosses into the next chunk). The reader checks
 * both lengths before it reads, decompresses into a buffer of the
 * declared raw length only, and rejects a frame that decodes to any other
 * length or fails its checksum.
 */
#ifndef MOAT_STATE_MEMIMAGE_H
#define MOAT_STATE_MEMIMAGE_H

#include "sentry/mm/memfile.h"
#include "sentry/state/image.h"

#define MEMIMAGE_RUN_PAGES 256
/* A compressed chunk's raw bytes at most: 4 MiB of pages and their records
 * (the writer ends a chunk at 3 to 4 MiB). */
#define MEMIMAGE_ZCHUNK_MAX ((4U << 20) + (16U << 10))
/* zstd's levels that --compress takes; 0 is no compression. */
#define MEMIMAGE_LEVEL_MAX 19

struct memimage_stats {
	uint64_t data_pages; /* pages stored */
	uint64_t zero_pages; /* pages with data found zero, not stored */
	uint64_t records;
	uint64_t chunks; /* compressed chunks */
};

/*
 * Write mf's memfile-meta and memory sections to w, the memory section
 * compressed with zstd at level (1 to MEMIMAGE_LEVEL_MAX) or, with level
 * 0, as it is. Nothing may change mf meanwhile (the sandbox is stopped).
 * 0 or -errno (w->err says why). st, if not NULL, gets what was found.
 */
int memimage_dump(struct memfile *mf, struct image_writer *w, int level,
		  struct memimage_stats *st);

/*
 * Create *mf from r's memfile-meta and memory sections: the same size,
 * allocator state and data at the same offsets. 0, or -errno with r->err
 * saying what is wrong and where; then *mf holds nothing.
 */
int memimage_restore(struct image_reader *r, struct memfile *mf,
		     struct memimage_stats *st);

#endif
