// SPDX-License-Identifier: Apache-2.0
/* The memory file's pages and allocator state in an image (memimage.h). */
#include "sentry/state/memimage.h"

#include "sentry/kernel/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

#define META_HEAD 32 /* size, page size, nfree, nshared */

/* ---- dump ------------------------------------------------------------- */

static int dump_meta(struct memfile *mf, struct image_writer *w)
{
	struct memfile_extent *f;
	struct memfile_shared_extent *s;
	size_t nfree, nshared;
	uint64_t head[4];
	int ret;

	ret = memfile_export_meta(mf, &f, &nfree, &s, &nshared);
	if (ret) {
		snprintf(w->err, sizeof(w->err), "memfile-meta: %s",
			 strerror(-ret));
		return ret;
	}
	head[0] = mf->size;
	head[1] = PAGE_SIZE;
	head[2] = nfree;
	head[3] = nshared;
	ret = image_section_begin(w, IMAGE_SEC_MEMFILE_META);
	if (!ret)
		ret = image_section_write(w, head, sizeof(head));
	for (size_t i = 0; !ret && i < nfree; i++) {
		uint64_t e[2] = {f[i].off, f[i].len};

		ret = image_section_write(w, e, sizeof(e));
	}
	for (size_t i = 0; !ret && i < nshared; i++) {
		uint64_t e[3] = {s[i].off, s[i].len, s[i].refs};

		ret = image_section_write(w, e, sizeof(e));
	}
	if (!ret)
		ret = image_section_end(w);
	free(f);
	free(s);
	return ret;
}

static bool page_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t acc = 0;

	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		acc |= q[i];
	return acc == 0;
}

/* Read exactly len bytes of the memory file at off. */
static int read_file(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* A chunk's compressed bytes at most: zstd's bound for the largest. */
#define ZCHUNK_COMP_MAX ZSTD_COMPRESSBOUND(MEMIMAGE_ZCHUNK_MAX)
/* What one read of MEMIMAGE_RUN_PAGES pages adds at most: every other
 * page a record of its own. */
#define PIECE_MAX                                                              \
	(MEMIMAGE_RUN_PAGES * PAGE_SIZE + (MEMIMAGE_RUN_PAGES / 2 + 1) * 16)
_Static_assert(PIECE_MAX * 3 < MEMIMAGE_ZCHUNK_MAX, "chunks of several reads");
_Static_assert(ZCHUNK_COMP_MAX < UINT32_MAX, "lengths fit their u32");

/* What one chunk of MEMIMAGE_RUN_PAGES pages needs to be written. */
struct chunk {
	uint8_t *buf;
	uint64_t hdr[MEMIMAGE_RUN_PAGES][2];
	struct iovec iov[MEMIMAGE_RUN_PAGES + 1];
	/* Compressing: the records gather in raw (used bytes) until the
	 * next read's would not fit, then go out as one chunk. */
	ZSTD_CCtx *cctx;
	uint8_t *raw, *out;
	size_t used;
};

/* The gathered records as one compressed chunk. */
static int zchunk_flush(struct image_writer *w, struct chunk *c,
			struct memimage_stats *st)
{
	uint32_t head[2];
	struct iovec iov[2];
	size_t n;
	int ret;

	if (!c->used)
		return 0;
	n = ZSTD_compress2(c->cctx, c->out, ZCHUNK_COMP_MAX, c->raw, c->used);
	if (ZSTD_isError(n)) {
		snprintf(w->err, sizeof(w->err), "memory: compressing: %s",
			 ZSTD_getErrorName(n));
		return -EIO;
	}
	head[0] = (uint32_t)c->used;
	head[1] = (uint32_t)n;
	iov[0] = (struct iovec){head, sizeof(head)};
	iov[1] = (struct iovec){c->out, n};
	ret = image_section_writev(w, iov, 2);
	c->used = 0;
	st->chunks++;
	return ret;
}

/* One read's records (c->iov) into the chunk being gathered. */
static int zchunk_add(struct image_writer *w, struct chunk *c, size_t niov,
		      struct memimage_stats *st)
{
	size_t len = 0;
	int ret;

	for (size_t i = 0; i < niov; i++)
		len += c->iov[i].iov_len;
	if (c->used + len > MEMIMAGE_ZCHUNK_MAX) {
		ret = zchunk_flush(w, c, st);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < niov; i++) {
		memcpy(c->raw + c->used, c->iov[i].iov_base, c->iov[i].iov_len);
		c->used += c->iov[i].iov_len;
	}
	return 0;
}

/*
 * The non-zero pages of [d, h), a chunk at a time: read through the fd
 * (the sentry's own mapping of the pages is left alone: faulting it in
 * costs more than the copy), zero pages dropped, each chunk's runs
 * written with one system call.
 */
static int dump_range(struct memfile *mf, struct image_writer *w, uint64_t d,
		      uint64_t h, struct chunk *c, struct memimage_stats *st)
{
	while (d < h) {
		size_t npages = (size_t)min_t(uint64_t, (h - d) / PAGE_SIZE,
					      MEMIMAGE_RUN_PAGES);
		size_t nrec = 0, niov = 0;
		int ret;

		ret = read_file(mf->fd, c->buf, npages * PAGE_SIZE, d);
		if (ret) {
			snprintf(w->err, sizeof(w->err),
				 "memory: reading the memory file at %" PRIu64
				 ": %s",
				 d, strerror(-ret));
			return ret;
		}
		for (size_t p = 0; p < npages;) {
			size_t run = 0;

			while (p + run < npages &&
			       !page_zero(c->buf + (p + run) * PAGE_SIZE))
				run++;
			if (run == 0) {
				st->zero_pages++;
				p++;
				continue;
			}
			c->hdr[nrec][0] = d + p * PAGE_SIZE;
			c->hdr[nrec][1] = run;
			c->iov[niov++] = (struct iovec){c->hdr[nrec++], 16};
			c->iov[niov++] = (struct iovec){c->buf + p * PAGE_SIZE,
							run * PAGE_SIZE};
			st->data_pages += run;
			p += run;
		}
		st->records += nrec;
		if (niov && c->cctx)
			ret = zchunk_add(w, c, niov, st);
		else if (niov)
			ret = image_section_writev(w, c->iov, (int)niov);
		if (ret)
			return ret;
		d += npages * PAGE_SIZE;
	}
	return 0;
}

static void chunk_free(struct chunk *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	free(c->raw);
	free(c->out);
	free(c->buf);
	free(c);
}

/* The buffers a dump needs, and a compressor at level unless 0. */
static struct chunk *chunk_alloc(struct image_writer *w, int level)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (!c || !(c->buf = malloc(MEMIMAGE_RUN_PAGES * PAGE_SIZE)))
		goto nomem;
	if (!level)
		return c;
	c->raw = malloc(MEMIMAGE_ZCHUNK_MAX);
	c->out = malloc(ZCHUNK_COMP_MAX);
	c->cctx = ZSTD_createCCtx();
	if (!c->raw || !c->out || !c->cctx)
		goto nomem;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(
		c->cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(
		ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(
		ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1))) {
		snprintf(w->err, sizeof(w->err),
			 "memory: compression level %d refused", level);
		chunk_free(c);
		return NULL;
	}
	return c;
nomem:
	chunk_free(c);
	snprintf(w->err, sizeof(w->err), "memory: out of memory");
	return NULL;
}

static int dump_pages(struct memfile *mf, struct image_writer *w, int level,
		      struct memimage_stats *st)
{
	struct chunk *c;
	uint64_t off = 0;
	int ret;

	c = chunk_alloc(w, level);
	if (!c)
		return -ENOMEM;
	ret = image_section_begin_flags(w, IMAGE_SEC_MEMORY,
					level ? IMAGE_SECF_ZSTD : 0);
	pthread_mutex_lock(&mf->seek_lock);
	while (!ret && off < mf->size) {
		off_t data = lseek(mf->fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break; /* no data after off */
		hole = data < 0 ? -1 : lseek(mf->fd, data, SEEK_HOLE);
		if (hole < 0) {
			ret = -errno;
			snprintf(w->err, sizeof(w->err),
				 "memory: seeking the memory file: %s",
				 strerror(errno));
			break;
		}
		if ((uint64_t)hole > mf->size)
			hole = (off_t)mf->size;
		ret = dump_range(mf, w, page_down((uint64_t)data),
				 page_up((uint64_t)hole), c, st);
		off = page_up((uint64_t)hole);
	}
	pthread_mutex_unlock(&mf->seek_lock);
	if (!ret && c->cctx)
		ret = zchunk_flush(w, c, st);
	chunk_free(c);
	return ret ? ret : image_section_end(w);
}

int memimage_dump(struct memfile *mf, struct image_writer *w, int level,
		  struct memimage_stats *st)
{
	struct memimage_stats dummy;
	int ret;

	if (level < 0 || level > MEMIMAGE_LEVEL_MAX) {
		snprintf(w->err, sizeof(w->err),
			 "memory: compression level %d not 0 to %d", level,
			 MEMIMAGE_LEVEL_MAX);
		return -EINVAL;
	}
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	ret = dump_meta(mf, w);
	if (!ret)
		ret = dump_pages(mf, w, level, st);
	return ret;
}

/* ---- restore ------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static int bad(struct image_reader *r,
						     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int find_one(struct image_reader *r, uint32_t type)
{
	int i = image_find(r, type, 0);

	if (i < 0)
		bad(r, "no %s section", image_section_name(type));
	return i;
}

/* The meta section: create *mf with its size, give it its extents. */
static int restore_meta(struct image_reader *r, uint32_t idx,
			struct memfile *mf)
{
	struct memfile_extent *f = NULL;
	struct memfile_shared_extent *s = NULL;
	const char *why;
	uint64_t head[4], nfree, nshared, size;
	size_t len;
	uint8_t *buf;
	int ret;

	buf = image_section_load(r, idx, &len);
	if (!buf)
		return -EINVAL;
	ret = -EINVAL;
	if (len < META_HEAD) {
		bad(r, "section %u (memfile-meta): %zu bytes, too short", idx,
		    len);
		goto out;
	}
	memcpy(head, buf, sizeof(head));
	size = head[0];
	nfree = head[2];
	nshared = head[3];
	if (head[1] != PAGE_SIZE) {
		bad(r,
		    "section %u (memfile-meta): page size %" PRIu64 ", not %lu",
		    idx, head[1], PAGE_SIZE);
		goto out;
	}
	if (size == 0 || !page_aligned(size) || size > MEMFILE_DEFAULT_SIZE) {
		bad(r,
		    "section %u (memfile-meta): file size %" PRIu64
		    " not a page multiple of at most %llu",
		    idx, size, MEMFILE_DEFAULT_SIZE);
		goto out;
	}
	if (nfree > len / 16 || nshared > len / 24 ||
	    len != META_HEAD + nfree * 16 + nshared * 24) {
		bad(r,
		    "section %u (memfile-meta): %zu bytes, not what %" PRIu64
		    " free and %" PRIu64 " shared extents take",
		    idx, len, nfree, nshared);
		goto out;
	}
	f = malloc((nfree + 1) * sizeof(*f));
	s = malloc((nshared + 1) * sizeof(*s));
	if (!f || !s) {
		ret = -ENOMEM;
		bad(r, "section %u (memfile-meta): out of memory", idx);
		goto out;
	}
	for (uint64_t i = 0; i < nfree; i++)
		memcpy(&f[i], buf + META_HEAD + i * 16, 16);
	for (uint64_t i = 0; i < nshared; i++) {
		uint64_t e[3];

		memcpy(e, buf + META_HEAD + nfree * 16 + i * 24, sizeof(e));
		s[i] = (struct memfile_shared_extent){e[0], e[1], e[2]};
	}
	ret = memfile_create(mf, size);
	if (ret) {
		bad(r, "creating a memory file of %" PRIu64 " bytes: %s", size,
		    strerror(-ret));
		goto out;
	}
	ret = memfile_import_meta(mf, f, nfree, s, nshared, &why);
	if (ret) {
		bad(r, "section %u (memfile-meta): %s", idx, why);
		memfile_destroy(mf);
	}
out:
	free(f);
	free(s);
	free(buf);
	return ret;
}

/*
 * Write len bytes at p into the memory file at off, through its fd: that
 * allocates the pages without faulting in the sentry's mapping of them.
 */
static int write_pages(struct image_reader *r, uint32_t idx, struct memfile *mf,
		       const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = pwrite(mf->fd, p, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int err = k < 0 ? errno : EIO;

			bad(r,
			    "section %u (memory): writing the memory "
			    "file at %" PRIu64 ": %s",
			    idx, off, strerror(err));
			return -err;
		}
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* The next len bytes of the stream into the memory file at off. */
static int restore_run(struct image_reader *r, uint32_t idx,
		       struct image_stream *s, struct memfile *mf, uint64_t off,
		       uint64_t len)
{
	while (len) {
		size_t n;
		const uint8_t *p = image_stream_next(
		    s, (size_t)min_t(uint64_t, len, SIZE_MAX), &n);
		int ret;

		if (!p)
			return -EIO;
		len -= n;
		ret = write_pages(r, idx, mf, p, n, off);
		if (ret)
			return ret;
		off += n;
	}
	return 0;
}

/*
 * Where a record is, for messages: its byte in the section, or in the
 * compressed chunk at byte chunk (not UINT64_MAX) once decompressed.
 */
struct where {
	uint32_t idx;
	uint64_t chunk, at;
};

__attribute__((format(printf, 3, 4))) static int
bad_record(struct image_reader *r, const struct where *wh, const char *fmt, ...)
{
	char what[IMAGE_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (wh->chunk == UINT64_MAX)
		return bad(
		    r, "section %u (memory): record at byte %" PRIu64 ": %s",
		    wh->idx, wh->at, what);
	return bad(r,
		   "section %u (memory): compressed chunk at byte %" PRIu64
		   ", record at byte %" PRIu64 " of its data: %s",
		   wh->idx, wh->chunk, wh->at, what);
}

/*
 * A record's header (n pages at off) against the memory file and the
 * record before it (ending at prev_end), with left bytes after the
 * header to hold its pages.
 */
static int check_record(struct image_reader *r, const struct where *wh,
			struct memfile *mf, uint64_t off, uint64_t n,
			uint64_t prev_end, uint64_t left)
{
	if (n == 0 || !page_aligned(off) || off >= mf->size ||
	    n > (mf->size - off) / PAGE_SIZE)
		return bad_record(r, wh,
				  "%" PRIu64 " pages at %" PRIu64
				  " not inside the file's %" PRIu64 " bytes",
				  n, off, mf->size);
	if (off < prev_end)
		return bad_record(r, wh,
				  "pages at %" PRIu64
				  " overlap or precede the last, which "
				  "ended at %" PRIu64,
				  off, prev_end);
	if (!memfile_allocated(mf, off, n * PAGE_SIZE))
		return bad_record(
		    r, wh, "pages at %" PRIu64 " are free in memfile-meta",
		    off);
	if (n * PAGE_SIZE > left)
		return bad_record(
		    r, wh, "%" PRIu64 " pages, more than the %s holds", n,
		    wh->chunk == UINT64_MAX ? "section" : "chunk");
	return 0;
}

static int restore_records(struct image_reader *r, uint32_t idx,
			   struct image_stream *sp, struct memfile *mf,
			   struct memimage_stats *st)
{
	struct where wh = {idx, UINT64_MAX, 0};
	uint64_t prev_end = 0;
	int ret;

	while (image_stream_left(sp)) {
		uint64_t hdr[2];

		wh.at = sp->pos;
		if (image_stream_left(sp) < sizeof(hdr))
			return bad_record(r, &wh, "cut short");
		ret = image_stream_read(sp, hdr, sizeof(hdr));
		if (ret)
			return ret;
		ret = check_record(r, &wh, mf, hdr[0], hdr[1], prev_end,
				   image_stream_left(sp));
		if (ret)
			return ret;
		ret = restore_run(r, idx, sp, mf, hdr[0], hdr[1] * PAGE_SIZE);
		if (ret)
			return ret;
		prev_end = hdr[0] + hdr[1] * PAGE_SIZE;
		st->data_pages += hdr[1];
		st->records++;
	}
	return image_stream_done(sp);
}

/* What a compressed section's restore holds: one chunk at a time. */
struct zreader {
	ZSTD_DCtx *dctx;
	uint8_t *comp; /* ZCHUNK_COMP_MAX bytes */
	uint8_t *raw;  /* MEMIMAGE_ZCHUNK_MAX bytes */
};

/*
 * The compressed chunk at byte wh->chunk, its header read: into z->raw,
 * exactly rawlen bytes, or an error saying what is wrong with it.
 */
static int zchunk_read(struct image_reader *r, const struct where *wh,
		       struct image_stream *sp, struct zreader *z,
		       uint32_t rawlen, uint32_t clen)
{
	unsigned long long fcs;
	size_t n;
	int ret;

	if (rawlen == 0 || rawlen > MEMIMAGE_ZCHUNK_MAX)
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": %u bytes of data, not 1 to %u",
			   wh->idx, wh->chunk, rawlen, MEMIMAGE_ZCHUNK_MAX);
	if (clen == 0 || clen > ZCHUNK_COMP_MAX || clen > image_stream_left(sp))
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": %u compressed bytes, %s",
			   wh->idx, wh->chunk, clen,
			   clen > image_stream_left(sp)
			       ? "more than the section holds"
			       : "not what a chunk can take");
	ret = image_stream_read(sp, z->comp, clen);
	if (ret)
		return ret;
	fcs = ZSTD_getFrameContentSize(z->comp, clen);
	if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN)
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": %s",
			   wh->idx, wh->chunk,
			   fcs == ZSTD_CONTENTSIZE_ERROR
			       ? "not a zstd frame"
			       : "its zstd frame does not say its size");
	if (fcs != rawlen)
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": its zstd frame holds %llu bytes, "
			   "its header says %u",
			   wh->idx, wh->chunk, fcs, rawlen);
	n = ZSTD_findFrameCompressedSize(z->comp, clen);
	if (ZSTD_isError(n) || n != clen)
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": %s",
			   wh->idx, wh->chunk,
			   ZSTD_isError(n) ? ZSTD_getErrorName(n)
					   : "bytes after its zstd frame");
	/* Into a buffer of the declared length: more does not fit. */
	n = ZSTD_decompressDCtx(z->dctx, z->raw, rawlen, z->comp, clen);
	if (ZSTD_isError(n))
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": %s",
			   wh->idx, wh->chunk, ZSTD_getErrorName(n));
	if (n != rawlen)
		return bad(r,
			   "section %u (memory): compressed chunk at byte "
			   "%" PRIu64 ": decompressed to %zu bytes, not the "
			   "%u its header says",
			   wh->idx, wh->chunk, n, rawlen);
	return 0;
}

/* A decompressed chunk's records (len bytes at p) into the memory file. */
static int zchunk_records(struct image_reader *r, struct where *wh,
			  struct memfile *mf, const uint8_t *p, size_t len,
			  uint64_t *prev_end, struct memimage_stats *st)
{
	size_t pos = 0;
	int ret;

	while (pos < len) {
		uint64_t hdr[2];

		wh->at = pos;
		if (len - pos < sizeof(hdr))
			return bad_record(r, wh, "cut short");
		memcpy(hdr, p + pos, sizeof(hdr));
		pos += sizeof(hdr);
		ret = check_record(r, wh, mf, hdr[0], hdr[1], *prev_end,
				   len - pos);
		if (ret)
			return ret;
		ret = write_pages(r, wh->idx, mf, p + pos,
				  (size_t)hdr[1] * PAGE_SIZE, hdr[0]);
		if (ret)
			return ret;
		pos += (size_t)hdr[1] * PAGE_SIZE;
		*prev_end = hdr[0] + hdr[1] * PAGE_SIZE;
		st->data_pages += hdr[1];
		st->records++;
	}
	return 0;
}

static int restore_zchunks(struct image_reader *r, uint32_t idx,
			   struct image_stream *sp, struct memfile *mf,
			   struct memimage_stats *st)
{
	struct zreader z = {ZSTD_createDCtx(), malloc(ZCHUNK_COMP_MAX),
			    malloc(MEMIMAGE_ZCHUNK_MAX)};
	struct where wh = {idx, 0, 0};
	uint64_t prev_end = 0;
	int ret = 0;

	if (!z.dctx || !z.comp || !z.raw) {
		ret = -ENOMEM;
		bad(r, "section %u (memory): out of memory", idx);
		goto out;
	}
	while (!ret && image_stream_left(sp)) {
		uint32_t head[2];

		wh.chunk = sp->pos;
		if (image_stream_left(sp) < sizeof(head)) {
			ret = bad(r,
				  "section %u (memory): compressed chunk at "
				  "byte %" PRIu64 " cut short",
				  idx, wh.chunk);
			break;
		}
		ret = image_stream_read(sp, head, sizeof(head));
		if (!ret)
			ret = zchunk_read(r, &wh, sp, &z, head[0], head[1]);
		if (!ret)
			ret = zchunk_records(r, &wh, mf, z.raw, head[0],
					     &prev_end, st);
		if (!ret)
			st->chunks++;
	}
	if (!ret)
		ret = image_stream_done(sp);
out:
	ZSTD_freeDCtx(z.dctx);
	free(z.comp);
	free(z.raw);
	return ret;
}

static int restore_pages(struct image_reader *r, uint32_t idx,
			 struct memfile *mf, struct memimage_stats *st)
{
	struct image_stream s;
	int ret;

	ret = image_stream_init(&s, r, idx);
	if (!ret && (r->sec[idx].flags & IMAGE_SECF_ZSTD))
		ret = restore_zchunks(r, idx, &s, mf, st);
	else if (!ret)
		ret = restore_records(r, idx, &s, mf, st);
	image_stream_release(&s);
	return ret;
}

int memimage_restore(struct image_reader *r, struct memfile *mf,
		     struct memimage_stats *st)
{
	struct memimage_stats dummy;
	int meta, mem, ret;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	memset(mf, 0, sizeof(*mf));
	meta = find_one(r, IMAGE_SEC_MEMFILE_META);
	if (meta < 0)
		return -EINVAL;
	mem = find_one(r, IMAGE_SEC_MEMORY);
	if (mem < 0)
		return -EINVAL;
	ret = restore_meta(r, (uint32_t)meta, mf);
	if (ret)
		return ret;
	ret = restore_pages(r, (uint32_t)mem, mf, st);
	if (ret)
		memfile_destroy(mf);
	return ret;
}
