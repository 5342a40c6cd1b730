// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of snapshot images (sentry/state/image.c) and of the memory
 * file's dump and restore (sentry/state/memimage.c).
 */
#include "sentry/state/image.h"
#include "sentry/state/memimage.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#define PG  4096ULL
#define MiB (1ULL << 20)

/* A memfd holding n bytes of b. */
static int fd_with(const void *b, size_t n)
{
	int fd = memfd_create("image", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, b, n, 0), (ssize_t)n);
	return fd;
}

/* The whole of fd, malloc'd; *n its size. */
static uint8_t *slurp(int fd, size_t *n)
{
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *b = malloc((size_t)size + 1);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(pread(fd, b, (size_t)size, 0), size);
	*n = (size_t)size;
	return b;
}

static const char note1[] = "a first note";
static const char note2[] = "the second, written in pieces";

/*
 * A small image: two notes, an empty memfile-meta and a 13-byte memory
 * section (their contents mean nothing here). Returns its bytes.
 */
static uint8_t *small_image(size_t *n)
{
	struct image_writer w;
	int fd = memfd_create("image", MFD_CLOEXEC);
	uint8_t *b;

	image_writer_init(&w, fd);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_NOTE), 0);
	ck_assert_int_eq(image_section_write(&w, note1, strlen(note1)), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_NOTE), 0);
	for (size_t i = 0; i < strlen(note2); i += 5)
		ck_assert_int_eq(image_section_write(&w, note2 + i,
						     strlen(note2) - i < 5
							 ? strlen(note2) - i
							 : 5),
				 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_MEMFILE_META), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_MEMORY), 0);
	ck_assert_int_eq(image_section_write(&w, "0123456789abc", 13), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	b = slurp(fd, n);
	close(fd);
	return b;
}

/* Open bytes as an image: the result, r->err for the message. */
static int open_bytes(struct image_reader *r, const uint8_t *b, size_t n)
{
	int fd = fd_with(b, n), ret = image_open(r, fd);

	if (ret) {
		ck_assert_int_eq(ret, -EINVAL);
		ck_assert_uint_gt(strlen(r->err), 0);
		ck_assert_ptr_null(r->sec);
		close(fd);
	}
	return ret;
}

/* Recompute the table's and the header's checksums after an edit. */
static void reseal(uint8_t *b, size_t n)
{
	uint32_t nsec, crc;
	uint64_t table;

	memcpy(&nsec, b + 20, 4);
	memcpy(&table, b + 24, 8);
	if (table <= n && nsec <= (n - table) / IMAGE_ENTRY_SIZE) {
		crc =
		    image_crc32c(0, b + table, (size_t)nsec * IMAGE_ENTRY_SIZE);
		memcpy(b + 40, &crc, 4);
	}
	crc = image_crc32c(0, b, 60);
	memcpy(b + 60, &crc, 4);
}

/* Table entry i's field at off (see image.h). */
static uint8_t *entry(uint8_t *b, uint32_t i, size_t off)
{
	uint64_t table;

	memcpy(&table, b + 24, 8);
	return b + table + (size_t)i * IMAGE_ENTRY_SIZE + off;
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Edit a copy of the small image, reseal, expect the error to contain. */
static void expect_error(uint8_t *b, size_t n, const char *want)
{
	struct image_reader r;

	reseal(b, n);
	ck_assert_int_eq(open_bytes(&r, b, n), -EINVAL);
	if (!strstr(r.err, want))
		ck_abort_msg("error \"%s\" lacks \"%s\"", r.err, want);
}

START_TEST(test_crc32c_vectors)
{
	static const uint8_t zeros[32], ones[32] = {
					    [0 ... 31] = 0xff,
					};
	uint8_t buf[1000];

	/* The standard check value and RFC 3720's vectors. */
	ck_assert_uint_eq(image_crc32c(0, "123456789", 9), 0xe3069283);
	ck_assert_uint_eq(image_crc32c(0, zeros, 32), 0x8a9136aa);
	ck_assert_uint_eq(image_crc32c(0, ones, 32), 0x62a8ab43);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	/* Table and instruction agree, at every alignment and in pieces. */
	for (size_t start = 0; start < 9; start++) {
		for (size_t len = 0; len < 300; len += 7) {
			uint32_t hw, sw, split;

			image_crc_no_hw = false;
			hw = image_crc32c(0, buf + start, len);
			split =
			    image_crc32c(image_crc32c(0, buf + start, len / 3),
					 buf + start + len / 3, len - len / 3);
			image_crc_no_hw = true;
			sw = image_crc32c(0, buf + start, len);
			image_crc_no_hw = false;
			ck_assert_uint_eq(hw, sw);
			ck_assert_uint_eq(hw, split);
		}
	}
}
END_TEST

START_TEST(test_image_round_trip)
{
	struct image_reader r;
	size_t n, len;
	uint8_t *b = small_image(&n);
	char *p;

	ck_assert_int_eq(open_bytes(&r, b, n), 0);
	ck_assert_uint_eq(r.major, IMAGE_MAJOR);
	ck_assert_uint_eq(r.nsec, 4);
	ck_assert_uint_eq(r.size, n);
	ck_assert_int_eq(image_find(&r, IMAGE_SEC_NOTE, 0), 0);
	ck_assert_int_eq(image_find(&r, IMAGE_SEC_NOTE, 1), 1);
	ck_assert_int_eq(image_find(&r, IMAGE_SEC_NOTE, 2), -1);
	ck_assert_int_eq(image_find(&r, IMAGE_SEC_MEMORY, 0), 3);
	for (uint32_t i = 0; i < r.nsec; i++)
		ck_assert_uint_eq(r.sec[i].offset % IMAGE_ALIGN, 0);
	p = image_section_load(&r, 0, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, note1);
	free(p);
	p = image_section_load(&r, 1, &len);
	ck_assert_uint_eq(len, strlen(note2));
	ck_assert_str_eq(p, note2);
	free(p);
	p = image_section_load(&r, 2, &len);
	ck_assert_uint_eq(len, 0);
	free(p);
	p = image_section_load(&r, 3, &len);
	ck_assert_uint_eq(len, 13);
	ck_assert_mem_eq(p, "0123456789abc", 13);
	free(p);
	close(r.fd);
	image_close(&r);
	free(b);
}
END_TEST

START_TEST(test_image_empty)
{
	struct image_writer w;
	struct image_reader r;
	int fd = memfd_create("image", MFD_CLOEXEC);

	image_writer_init(&w, fd);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END),
			 IMAGE_HEADER_SIZE + IMAGE_END_SIZE);
	ck_assert_int_eq(image_open(&r, fd), 0);
	ck_assert_uint_eq(r.nsec, 0);
	image_close(&r);
	close(fd);
}
END_TEST

START_TEST(test_image_writer_misuse)
{
	struct image_writer w;
	int fd = memfd_create("image", MFD_CLOEXEC);

	image_writer_init(&w, fd);
	ck_assert_int_eq(image_section_write(&w, "x", 1), -EINVAL);
	ck_assert_int_eq(image_section_end(&w), -EINVAL);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_NOTE), 0);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_NOTE), -EINVAL);
	ck_assert_int_eq(image_writer_finish(&w), -EINVAL);
	image_writer_release(&w);
	close(fd);

	/* A write that fails poisons the writer. */
	image_writer_init(&w, -1);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_NOTE), 0);
	ck_assert_int_eq(image_section_write(&w, "x", 1), -EBADF);
	ck_assert_ptr_nonnull(strstr(w.err, "writing at byte 64"));
	ck_assert_int_eq(image_section_end(&w), -EINVAL);
	ck_assert_int_eq(image_writer_finish(&w), -EINVAL);
	image_writer_release(&w);
}
END_TEST

START_TEST(test_image_truncated_everywhere)
{
	struct image_reader r;
	size_t n;
	uint8_t *b = small_image(&n);

	for (size_t len = 0; len < n; len++) {
		ck_assert_int_eq(open_bytes(&r, b, len), -EINVAL);
		if (!strstr(r.err, "truncated"))
			ck_abort_msg("at %zu: \"%s\"", len, r.err);
	}
	free(b);
}
END_TEST

/*
 * Every bit of the image is covered: by a checksum, or as padding or a
 * reserved field that must be zero, or as the end record's fixed bytes.
 * No flip is harmless.
 */
START_TEST(test_image_every_bit_flip_rejected)
{
	struct image_reader r;
	size_t n;
	uint8_t *b = small_image(&n);

	for (size_t bit = 0; bit < n * 8; bit++) {
		b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		if (open_bytes(&r, b, n) != -EINVAL)
			ck_abort_msg("flipping bit %zu went unnoticed", bit);
		b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
	/* And the image is whole again. */
	ck_assert_int_eq(open_bytes(&r, b, n), 0);
	close(r.fd);
	image_close(&r);
	free(b);
}
END_TEST

START_TEST(test_image_newer_version_rejected)
{
	struct image_reader r;
	size_t n;
	uint8_t *b = small_image(&n);

	b[8] = 2;  /* major */
	b[10] = 3; /* minor */
	expect_error(b, n,
		     "image format version 2.3 is newer than this moat "
		     "reads (1.x)");
	/* Named even when the rest of the header is a later layout's. */
	b[60] ^= 0xff;
	ck_assert_int_eq(open_bytes(&r, b, n), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.err, "version 2.3 is newer"));
	free(b);
	/* A newer minor version of the same major is read. */
	b = small_image(&n);
	b[10] = 9;
	reseal(b, n);
	ck_assert_int_eq(open_bytes(&r, b, n), 0);
	ck_assert_uint_eq(r.minor, 9);
	close(r.fd);
	image_close(&r);
	free(b);
}
END_TEST

START_TEST(test_image_bad_sections_rejected)
{
	size_t n;
	uint8_t *orig = small_image(&n), *b = malloc(n + 8);
	uint64_t off0 = get64(entry(orig, 0, 8)),
		 off1 = get64(entry(orig, 1, 8));

#define FRESH() memcpy(b, orig, n)
	/* Overlapping: section 1 starts inside section 0. */
	FRESH();
	set64(entry(b, 1, 8), off0 + 8);
	expect_error(b, n,
		     "section 1 (note): starts at byte 72, overlapping "
		     "section 0 (note)");
	/* Out of order: section 2 before section 1. */
	FRESH();
	set64(entry(b, 2, 8), off0);
	expect_error(b, n, "section 2 (memfile-meta): out of order");
	/* Out of bounds, and a length that wraps around. */
	FRESH();
	set64(entry(b, 1, 16), 1000);
	expect_error(b, n,
		     "truncated: section 1 (note) ends at byte 1080 "
		     "past the file's end");
	FRESH();
	set64(entry(b, 1, 16), ~0ULL);
	expect_error(b, n, "truncated: section 1 (note) ends at byte 2^64+");
	FRESH();
	set64(entry(b, 3, 16), get64(entry(b, 3, 16)) + 8);
	expect_error(b, n, "section 3 (memory): ends at byte");
	/* Unaligned, and a gap. */
	FRESH();
	set64(entry(b, 1, 8), off1 + 4);
	expect_error(b, n, "section 1 (note): offset 84 not 8-byte aligned");
	FRESH();
	set64(entry(b, 1, 8), off1 + 8);
	expect_error(b, n, "section 1 (note): a gap of 8 bytes");
	/* Inside the header. */
	FRESH();
	set64(entry(b, 0, 8), 8);
	expect_error(b, n,
		     "section 0 (note): starts at byte 8, inside the "
		     "header");
	/* A second memory section where only one may be. */
	FRESH();
	memcpy(entry(b, 2, 0), &(uint32_t){IMAGE_SEC_MEMORY}, 4);
	expect_error(b, n,
		     "section 3 (memory): a second memory section (the "
		     "first is section 2)");
	/* Unknown flags, a reserved field. */
	FRESH();
	memcpy(entry(b, 1, 4), &(uint32_t){4}, 4);
	expect_error(b, n, "section 1 (note): unknown flags 0x4");
	/* Compressed: 1.1's, on the memory section only. */
	FRESH();
	memcpy(entry(b, 3, 4), &(uint32_t){IMAGE_SECF_ZSTD}, 4);
	expect_error(b, n,
		     "section 3 (memory): flags 0x1 in a format 1.0 image "
		     "(section flags came with 1.1)");
	FRESH();
	b[10] = 1; /* minor */
	memcpy(entry(b, 1, 4), &(uint32_t){IMAGE_SECF_ZSTD}, 4);
	expect_error(b, n,
		     "section 1 (note): marked compressed, which only the "
		     "memory section may be");
	FRESH();
	memcpy(entry(b, 1, 28), &(uint32_t){1}, 4);
	expect_error(b, n, "section 1 (note): reserved field not zero");
	/* Too many sections for the file. */
	FRESH();
	memcpy(b + 20, &(uint32_t){100}, 4);
	expect_error(b, n, "do not fit");
	FRESH();
	memcpy(b + 20, &(uint32_t){IMAGE_MAX_SECTIONS + 1}, 4);
	expect_error(b, n, "more than the 4096 allowed");
	/* Data after the end. */
	FRESH();
	memset(b + n, 0, 8);
	expect_error(b, n + 8, "8 bytes of trailing data");
	/* A checksum that does not match its data, and non-zero padding. */
	FRESH();
	b[off0] ^= 1;
	expect_error(b, n, "section 0 (note): checksum mismatch");
	FRESH();
	b[off0 + strlen(note1)] = 1;
	expect_error(b, n, "section 0 (note): padding after it not zero");
	/* Not an image at all. */
	FRESH();
	b[0] = 'X';
	expect_error(b, n, "not a moat image");
#undef FRESH
	free(b);
	free(orig);
}
END_TEST

START_TEST(test_image_stream_catches_change)
{
	struct image_reader r;
	struct image_stream s;
	size_t n;
	uint8_t *b = small_image(&n), buf[64];
	int fd = fd_with(b, n);

	ck_assert_int_eq(image_open(&r, fd), 0);
	/* The file changes after it was checked. */
	ck_assert_int_eq(pwrite(fd, "X", 1, (off_t)r.sec[0].offset), 1);
	ck_assert_int_eq(image_stream_init(&s, &r, 0), 0);
	ck_assert_int_eq(image_stream_read(&s, buf, 5), 0);
	ck_assert_int_eq(image_stream_done(&s), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.err, "7 bytes left unread"));
	ck_assert_int_eq(image_stream_read(&s, buf, 100), -EINVAL);
	ck_assert_int_eq(image_stream_read(&s, buf, strlen(note1) - 5), 0);
	ck_assert_int_eq(image_stream_done(&s), -EINVAL);
	ck_assert_ptr_nonnull(strstr(r.err, "checksum mismatch"));
	image_stream_release(&s);
	ck_assert_ptr_null(image_section_load(&r, 0, &n));
	image_close(&r);
	close(fd);
	free(b);
}
END_TEST

/* ---- the memory file ---------------------------------------------------- */

#define MF_SIZE (64 * MiB)

static void fill(struct memfile *mf, uint64_t off, uint64_t len, uint8_t seed)
{
	uint8_t *p = memfile_ptr(mf, off);

	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 12)) | 1;
}

/*
 * A memory file with: 40 pages of data, then an allocated range never
 * touched (a hole), pages written with zeros, a freed range, shared
 * pages (two counts), and data at the file's end.
 */
struct layout {
	int64_t data, hole, zeros, shared, tail;
	uint64_t stored_pages;
};

static void make_memfile(struct memfile *mf, struct layout *l)
{
	int64_t gap;

	ck_assert_int_eq(memfile_create(mf, MF_SIZE), 0);
	l->data = memfile_alloc(mf, 40 * PG);
	fill(mf, (uint64_t)l->data, 40 * PG, 1);
	l->hole = memfile_alloc(mf, 100 * PG);
	gap = memfile_alloc(mf, 16 * PG);
	l->zeros = memfile_alloc(mf, 8 * PG);
	/* Written, so the pages exist, but zero: not stored. */
	memset(memfile_ptr(mf, (uint64_t)l->zeros), 0, 8 * PG);
	/* One non-zero byte in the middle page of the zeros. */
	((uint8_t *)memfile_ptr(mf, (uint64_t)l->zeros + 4 * PG))[100] = 9;
	l->shared = memfile_alloc(mf, 12 * PG);
	fill(mf, (uint64_t)l->shared, 12 * PG, 2);
	ck_assert_int_eq(memfile_ref(mf, (uint64_t)l->shared, 12 * PG), 0);
	ck_assert_int_eq(memfile_ref(mf, (uint64_t)l->shared + 4 * PG, 4 * PG),
			 0);
	memfile_free(mf, (uint64_t)gap, 16 * PG);
	l->tail = MF_SIZE - 300 * PG;
	ck_assert_int_eq(memfile_alloc_at(mf, (uint64_t)l->tail, 300 * PG), 0);
	fill(mf, (uint64_t)l->tail + 299 * PG, PG, 3);
	l->stored_pages = 40 + 1 + 12 + 1;
}

/* The image of mf in a memfd, open in r. */
static void dump_to(struct memfile *mf, struct image_reader *r,
		    struct memimage_stats *st)
{
	struct image_writer w;
	int fd = memfd_create("image", MFD_CLOEXEC);

	image_writer_init(&w, fd);
	ck_assert_int_eq(memimage_dump(mf, &w, 0, st), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	ck_assert_int_eq(image_open(r, fd), 0);
}

START_TEST(test_memimage_round_trip)
{
	struct memfile mf, back;
	struct memimage_stats st, st2;
	struct image_reader r;
	struct layout l;
	uint64_t n;
	int64_t off;
	int mem;

	make_memfile(&mf, &l);
	dump_to(&mf, &r, &st);
	ck_assert_uint_eq(st.data_pages, l.stored_pages);
	ck_assert_uint_eq(st.zero_pages, 7);
	/* Zero pages and holes take no room: records and pages only. */
	mem = image_find(&r, IMAGE_SEC_MEMORY, 0);
	ck_assert_int_ge(mem, 0);
	ck_assert_uint_eq(r.sec[mem].length,
			  st.records * 16 + l.stored_pages * PG);
	ck_assert_uint_eq(st.records, 4);

	ck_assert_int_eq(memimage_restore(&r, &back, &st2), 0);
	ck_assert_uint_eq(st2.data_pages, st.data_pages);
	ck_assert_uint_eq(back.size, mf.size);
	/* The same pages with data (the zero ones are holes now). */
	ck_assert_uint_eq(memfile_resident(&back, 0, MF_SIZE),
			  l.stored_pages * PG);
	/* Reads back identical, everywhere. */
	ck_assert_int_eq(
	    memcmp(memfile_ptr(&back, 0), memfile_ptr(&mf, 0), MF_SIZE), 0);
	/* The allocator's state. */
	ck_assert_uint_eq(back.nfree, mf.nfree);
	ck_assert_mem_eq(back.free, mf.free, mf.nfree * sizeof(*mf.free));
	ck_assert_uint_eq(back.nshared, mf.nshared);
	ck_assert_mem_eq(back.shared, mf.shared,
			 mf.nshared * sizeof(*mf.shared));
	ck_assert(memfile_shared(&back, (uint64_t)l.shared, PG));
	ck_assert(!memfile_shared(&back, (uint64_t)l.data, PG));
	/* Allocating after restore hands out only what was free. */
	while ((off = memfile_alloc(&back, 4 * PG)) >= 0) {
		ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), off);
		ck_assert(off + 4 * (int64_t)PG <= l.data ||
			  off >= l.data + 40 * (int64_t)PG);
		ck_assert(off + 4 * (int64_t)PG <= l.hole ||
			  off >= l.hole + 100 * (int64_t)PG);
		ck_assert(off + 4 * (int64_t)PG <= l.zeros ||
			  off >= l.shared + 12 * (int64_t)PG);
		ck_assert(off < l.tail);
	}
	ck_assert_int_eq(memfile_alloc(&mf, 4 * PG), -ENOMEM);
	/* Dropping one reference of a shared page keeps its data. */
	memfile_free(&back, (uint64_t)l.shared, 12 * PG);
	n = memfile_resident(&back, (uint64_t)l.shared, 12 * PG);
	ck_assert_uint_eq(n, 12 * PG);
	ck_assert_int_eq(memcmp(memfile_ptr(&back, (uint64_t)l.shared),
				memfile_ptr(&mf, (uint64_t)l.shared), 12 * PG),
			 0);
	memfile_destroy(&back);
	close(r.fd);
	image_close(&r);
	memfile_destroy(&mf);
}
END_TEST

/* Write meta (raw u64s) and memory (raw u64s + page data) sections. */
static int hostile_image(const uint64_t *meta, size_t nmeta,
			 const uint64_t *recs, size_t nrecs, bool with_data)
{
	struct image_writer w;
	int fd = memfd_create("image", MFD_CLOEXEC);
	static uint8_t page[PG];

	memset(page, 0x5a, sizeof(page));
	image_writer_init(&w, fd);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_MEMFILE_META), 0);
	ck_assert_int_eq(image_section_write(&w, meta, nmeta * 8), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_MEMORY), 0);
	for (size_t i = 0; i + 1 < nrecs; i += 2) {
		ck_assert_int_eq(image_section_write(&w, &recs[i], 16), 0);
		for (uint64_t p = 0; with_data && p < recs[i + 1] && p < 4; p++)
			ck_assert_int_eq(image_section_write(&w, page, PG), 0);
	}
	if (nrecs % 2)
		ck_assert_int_eq(image_section_write(&w, &recs[nrecs - 1], 8),
				 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	return fd;
}

static void expect_restore_error(const uint64_t *meta, size_t nmeta,
				 const uint64_t *recs, size_t nrecs,
				 const char *want)
{
	struct image_reader r;
	struct memfile mf;
	int fd = hostile_image(meta, nmeta, recs, nrecs, true);

	ck_assert_int_eq(image_open(&r, fd), 0);
	ck_assert_int_eq(memimage_restore(&r, &mf, NULL), -EINVAL);
	if (!strstr(r.err, want))
		ck_abort_msg("error \"%s\" lacks \"%s\"", r.err, want);
	/* Nothing half-restored is left. */
	ck_assert_ptr_null(mf.base);
	image_close(&r);
	close(fd);
}

START_TEST(test_memimage_hostile_rejected)
{
	/* 16 MiB; free: [1 MiB, 16 MiB); nothing shared. */
	const uint64_t meta[] = {16 * MiB, PG, 1, 0, MiB, 15 * MiB};
	const uint64_t ok[] = {0, 1, 8 * PG, 2};
	struct image_reader r;
	struct memfile mf;
	int fd;

	/* The baseline is accepted. */
	fd = hostile_image(meta, 6, ok, 4, true);
	ck_assert_int_eq(image_open(&r, fd), 0);
	ck_assert_int_eq(memimage_restore(&r, &mf, NULL), 0);
	ck_assert_uint_eq(((uint8_t *)memfile_ptr(&mf, 9 * PG))[5], 0x5a);
	memfile_destroy(&mf);
	image_close(&r);
	close(fd);

	expect_restore_error(meta, 6, (const uint64_t[]){8 * PG, 1, 0, 1}, 4,
			     "overlap or precede the last");
	expect_restore_error(meta, 6, (const uint64_t[]){0, 2, PG, 1}, 4,
			     "overlap or precede the last");
	expect_restore_error(meta, 6, (const uint64_t[]){MiB, 1}, 2,
			     "are free in memfile-meta");
	expect_restore_error(meta, 6, (const uint64_t[]){32 * MiB, 1}, 2,
			     "not inside the file");
	expect_restore_error(meta, 6, (const uint64_t[]){PG, ~0ULL / PG}, 2,
			     "not inside the file");
	expect_restore_error(meta, 6, (const uint64_t[]){100, 1}, 2,
			     "not inside the file");
	expect_restore_error(meta, 6, (const uint64_t[]){0, 0}, 2,
			     "not inside the file");
	expect_restore_error(meta, 6, (const uint64_t[]){0, 8}, 2,
			     "more than the section holds");
	expect_restore_error(meta, 6, (const uint64_t[]){0, 1, 5}, 3,
			     "cut short");

	/* Bad allocator state. */
	expect_restore_error((const uint64_t[]){16 * MiB, 8192, 0, 0}, 4, ok, 0,
			     "page size 8192");
	expect_restore_error((const uint64_t[]){16 * MiB + 1, PG, 0, 0}, 4, ok,
			     0, "file size");
	expect_restore_error((const uint64_t[]){1ULL << 50, PG, 0, 0}, 4, ok, 0,
			     "file size");
	expect_restore_error((const uint64_t[]){16 * MiB, PG, 5, 0}, 4, ok, 0,
			     "not what 5 free");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 2, 0, MiB, MiB, 2 * MiB, MiB}, 8,
	    ok, 0, "coalesced");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 2, 0, 4 * MiB, MiB, MiB, MiB}, 8,
	    ok, 0, "not sorted");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 1, 0, MiB, 16 * MiB}, 6, ok, 0,
	    "outside the file");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 1, 1, MiB, MiB, 0, PG, 1}, 9, ok,
	    0, "fewer than two");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 1, 1, MiB, MiB, MiB, PG, 2}, 9, ok,
	    0, "overlaps a free one");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 0, 2, 0, PG, 3, PG, PG, 3}, 10, ok,
	    0, "equal counts");
	expect_restore_error(
	    (const uint64_t[]){16 * MiB, PG, 0, 2, PG, PG, 3, 0, PG, 2}, 10, ok,
	    0, "not sorted");
}
END_TEST

/* The round trip again, compressed: the same memory, a 1.1 image. */
START_TEST(test_memimage_compressed_round_trip)
{
	struct memfile mf, back;
	struct memimage_stats st, st2;
	struct image_writer w;
	struct image_reader r;
	struct layout l;
	int fd = memfd_create("image", MFD_CLOEXEC), mem;

	make_memfile(&mf, &l);
	image_writer_init(&w, fd);
	ck_assert_int_eq(memimage_dump(&mf, &w, MEMIMAGE_LEVEL_MAX + 1, &st),
			 -EINVAL);
	ck_assert_int_eq(memimage_dump(&mf, &w, 3, &st), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	ck_assert_int_eq(image_open(&r, fd), 0);
	ck_assert_uint_eq(r.minor, 1);
	mem = image_find(&r, IMAGE_SEC_MEMORY, 0);
	ck_assert_int_ge(mem, 0);
	ck_assert_uint_eq(r.sec[mem].flags, IMAGE_SECF_ZSTD);
	ck_assert_uint_eq(st.data_pages, l.stored_pages);
	ck_assert_uint_eq(st.chunks, 1);
	/* Smaller than the records and pages it holds. */
	ck_assert_uint_lt(r.sec[mem].length,
			  (st.records * 16 + l.stored_pages * PG) / 2);

	ck_assert_int_eq(memimage_restore(&r, &back, &st2), 0);
	ck_assert_uint_eq(st2.data_pages, st.data_pages);
	ck_assert_uint_eq(st2.records, st.records);
	ck_assert_uint_eq(st2.chunks, 1);
	ck_assert_uint_eq(memfile_resident(&back, 0, MF_SIZE),
			  l.stored_pages * PG);
	ck_assert_int_eq(
	    memcmp(memfile_ptr(&back, 0), memfile_ptr(&mf, 0), MF_SIZE), 0);
	ck_assert_uint_eq(back.nfree, mf.nfree);
	ck_assert_mem_eq(back.free, mf.free, mf.nfree * sizeof(*mf.free));
	memfile_destroy(&back);
	image_close(&r);
	close(fd);
	memfile_destroy(&mf);
}
END_TEST

/* Memory past one chunk: many chunks, none over the limit, all back. */
START_TEST(test_memimage_compressed_many_chunks)
{
	struct memfile mf, back;
	struct memimage_stats st, st2;
	struct image_writer w;
	struct image_reader r;
	int fd = memfd_create("image", MFD_CLOEXEC), mem;
	uint64_t len = 13 * MiB + 3 * PG, pos;
	int64_t off;
	uint8_t *p;

	ck_assert_int_eq(memfile_create(&mf, 64 * MiB), 0);
	off = memfile_alloc(&mf, len);
	ck_assert_int_ge(off, 0);
	p = memfile_ptr(&mf, (uint64_t)off);
	/* Text, every seventh page zero (not stored), some random. */
	for (uint64_t i = 0; i < len / PG; i++)
		for (uint64_t j = 0; j < PG; j++)
			p[i * PG + j] = i % 7 == 3 ? 0
					: i % 5 == 1
					    ? (uint8_t)random()
					    : (uint8_t)('a' + (i + j) % 26);
	image_writer_init(&w, fd);
	ck_assert_int_eq(memimage_dump(&mf, &w, 1, &st), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	ck_assert_uint_ge(st.chunks, 4);
	ck_assert_int_eq(image_open(&r, fd), 0);
	/* Every chunk's raw length within the limit, the section tiled. */
	mem = image_find(&r, IMAGE_SEC_MEMORY, 0);
	pos = 0;
	for (uint64_t c = 0; c < st.chunks; c++) {
		uint32_t head[2];

		ck_assert_int_eq(
		    pread(fd, head, 8, (off_t)(r.sec[mem].offset + pos)), 8);
		ck_assert_uint_ge(head[0], 1);
		ck_assert_uint_le(head[0], MEMIMAGE_ZCHUNK_MAX);
		pos += 8 + head[1];
	}
	ck_assert_uint_eq(pos, r.sec[mem].length);
	ck_assert_int_eq(memimage_restore(&r, &back, &st2), 0);
	ck_assert_uint_eq(st2.chunks, st.chunks);
	ck_assert_uint_eq(st2.data_pages, st.data_pages);
	ck_assert_int_eq(
	    memcmp(memfile_ptr(&back, 0), memfile_ptr(&mf, 0), 64 * MiB), 0);
	memfile_destroy(&back);
	image_close(&r);
	close(fd);
	memfile_destroy(&mf);
}
END_TEST

/* A growing buffer of compressed chunks, made as a hostile writer would. */
struct zbuf {
	uint8_t *p;
	size_t len;
};

static void zb_put(struct zbuf *b, const void *q, size_t n)
{
	b->p = realloc(b->p, b->len + n);
	ck_assert_ptr_nonnull(b->p);
	memcpy(b->p + b->len, q, n);
	b->len += n;
}

/* One zstd frame of raw, with or without its content size. */
static size_t zframe(uint8_t *out, size_t cap, const void *raw, size_t len,
		     bool size)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t n;

	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, size);
	n = ZSTD_compress2(c, out, cap, raw, len);
	ck_assert(!ZSTD_isError(n));
	ZSTD_freeCCtx(c);
	return n;
}

enum zhow {
	Z_OK,
	Z_NO_SIZE,
	Z_TWO_FRAMES,
	Z_FLIP
};

/* A chunk of raw whose header says declared raw bytes. */
static void zb_chunk(struct zbuf *b, const void *raw, size_t len,
		     uint32_t declared, enum zhow how)
{
	size_t cap = ZSTD_compressBound(len) * 2 + 64, n;
	uint8_t *out = malloc(cap);
	uint32_t head[2];

	ck_assert_ptr_nonnull(out);
	n = zframe(out, cap, raw, len, how != Z_NO_SIZE);
	if (how == Z_TWO_FRAMES)
		n += zframe(out + n, cap - n, raw, len, true);
	if (how == Z_FLIP)
		out[n - 2] ^= 0x10; /* in the frame's checksum */
	head[0] = declared;
	head[1] = (uint32_t)n;
	zb_put(b, head, sizeof(head));
	zb_put(b, out, n);
	free(out);
}

/* Records: n pages at off, each page of byte v. */
static void zb_record(struct zbuf *raw, uint64_t off, uint64_t n,
		      uint64_t pages, uint8_t v)
{
	uint64_t h[2] = {off, n};
	static uint8_t page[PG];

	memset(page, v, sizeof(page));
	zb_put(raw, h, sizeof(h));
	for (uint64_t i = 0; i < pages; i++)
		zb_put(raw, page, PG);
}

/* 16 MiB; free: [1 MiB, 16 MiB); nothing shared. */
static const uint64_t zmeta[] = {16 * MiB, PG, 1, 0, MiB, 15 * MiB};

/* An image of zmeta and a compressed memory section of b's bytes. */
static int zimage(const struct zbuf *b)
{
	struct image_writer w;
	int fd = memfd_create("image", MFD_CLOEXEC);

	image_writer_init(&w, fd);
	ck_assert_int_eq(image_section_begin(&w, IMAGE_SEC_MEMFILE_META), 0);
	ck_assert_int_eq(image_section_write(&w, zmeta, sizeof(zmeta)), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(
	    image_section_begin_flags(&w, IMAGE_SEC_MEMORY, IMAGE_SECF_ZSTD),
	    0);
	if (b->len)
		ck_assert_int_eq(image_section_write(&w, b->p, b->len), 0);
	ck_assert_int_eq(image_section_end(&w), 0);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	return fd;
}

/* Restore b's chunks: the error contains want (NULL: it restores). */
static void zexpect(struct zbuf *b, const char *want)
{
	struct image_reader r;
	struct memfile mf;
	int fd = zimage(b);

	ck_assert_int_eq(image_open(&r, fd), 0);
	if (!want) {
		ck_assert_msg(memimage_restore(&r, &mf, NULL) == 0, "%s",
			      r.err);
		memfile_destroy(&mf);
	} else {
		ck_assert_int_eq(memimage_restore(&r, &mf, NULL), -EINVAL);
		if (!strstr(r.err, want))
			ck_abort_msg("error \"%s\" lacks \"%s\"", r.err, want);
		/* Nothing half-restored is left. */
		ck_assert_ptr_null(mf.base);
	}
	image_close(&r);
	close(fd);
	free(b->p);
	*b = (struct zbuf){0};
}

START_TEST(test_memimage_compressed_hostile_rejected)
{
	struct zbuf raw = {0}, raw2 = {0}, b = {0};
	struct image_reader r;
	struct memfile mf;
	uint32_t head[2];
	int fd;

	/* The baseline: two chunks, restored. */
	zb_record(&raw, 0, 1, 1, 0x11);
	zb_record(&raw, 8 * PG, 2, 2, 0x5a);
	zb_record(&raw2, 12 * PG, 1, 1, 0x22);
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len, Z_OK);
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_OK);
	fd = zimage(&b);
	ck_assert_int_eq(image_open(&r, fd), 0);
	ck_assert_int_eq(memimage_restore(&r, &mf, NULL), 0);
	ck_assert_uint_eq(((uint8_t *)memfile_ptr(&mf, 9 * PG))[5], 0x5a);
	ck_assert_uint_eq(((uint8_t *)memfile_ptr(&mf, 12 * PG))[7], 0x22);
	ck_assert_uint_eq(((uint8_t *)memfile_ptr(&mf, 11 * PG))[7], 0);
	memfile_destroy(&mf);
	image_close(&r);
	close(fd);
	free(b.p);
	b = (struct zbuf){0};
	zexpect(&b, NULL); /* no chunk at all: no memory */

	/* Lengths in the header, checked before anything is read. */
	head[0] = 0;
	head[1] = 5;
	zb_put(&b, head, 8);
	zb_put(&b, "12345", 5);
	zexpect(&b, "compressed chunk at byte 0: 0 bytes of data, not 1 to");
	head[0] = MEMIMAGE_ZCHUNK_MAX + 1;
	zb_put(&b, head, 8);
	zb_put(&b, "12345", 5);
	zexpect(&b, "bytes of data, not 1 to");
	head[0] = 16 + PG;
	head[1] = 1000;
	zb_put(&b, head, 8);
	zb_put(&b, "12345", 5);
	zexpect(&b, "1000 compressed bytes, more than the section holds");
	head[1] = ZSTD_COMPRESSBOUND(MEMIMAGE_ZCHUNK_MAX) + 1;
	zb_put(&b, head, 8);
	{
		uint8_t *big = calloc(1, head[1]);

		zb_put(&b, big, head[1]);
		free(big);
	}
	zexpect(&b, "compressed bytes, not what a chunk can take");
	head[1] = 0;
	zb_put(&b, head, 8);
	zexpect(&b, "0 compressed bytes, not what a chunk can take");
	zb_put(&b, head, 4);
	zexpect(&b, "compressed chunk at byte 0 cut short");

	/* The frame: not zstd, no size, another size, two, corrupted. */
	head[0] = 16 + PG;
	head[1] = 32;
	zb_put(&b, head, 8);
	zb_put(&b, "this is not a zstd frame at all!", 32);
	zexpect(&b, "compressed chunk at byte 0: not a zstd frame");
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len, Z_NO_SIZE);
	zexpect(&b, "its zstd frame does not say its size");
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len - 16, Z_OK);
	zexpect(&b, "its zstd frame holds 12320 bytes, its header says "
		    "12304");
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len + 16, Z_OK);
	zexpect(&b, "its zstd frame holds 12320 bytes, its header says "
		    "12336");
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len, Z_TWO_FRAMES);
	zexpect(&b, "bytes after its zstd frame");
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len, Z_OK);
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_FLIP);
	zexpect(&b, "compressed chunk at byte ");
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_FLIP);
	zexpect(&b, "checksum");

	/* The records inside: checked as uncompressed ones are, and none
	 * may run on into the next chunk. */
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_OK);
	zb_chunk(&b, raw.p, raw.len, (uint32_t)raw.len, Z_OK);
	zexpect(&b, "record at byte 0 of its data: pages at 0 overlap or "
		    "precede the last");
	free(raw2.p);
	raw2 = (struct zbuf){0};
	zb_record(&raw2, 20 * PG, 3, 2, 0x33);
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_OK);
	zexpect(&b, "3 pages, more than the chunk holds");
	free(raw2.p);
	raw2 = (struct zbuf){0};
	zb_record(&raw2, MiB, 1, 1, 0x33);
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_OK);
	zexpect(&b, "are free in memfile-meta");
	free(raw2.p);
	raw2 = (struct zbuf){0};
	zb_record(&raw2, 0, 1, 1, 0x33);
	zb_put(&raw2, "12345678", 8);
	zb_chunk(&b, raw2.p, raw2.len, (uint32_t)raw2.len, Z_OK);
	zexpect(&b, "record at byte 4112 of its data: cut short");
	free(raw.p);
	free(raw2.p);
}
END_TEST

START_TEST(test_memfile_import_busy)
{
	struct memfile mf;
	const char *why;
	struct memfile_extent f = {PG, PG};

	ck_assert_int_eq(memfile_create(&mf, MiB), 0);
	ck_assert_int_eq(memfile_import_meta(&mf, &f, 1, NULL, 0, &why), 0);
	ck_assert(memfile_allocated(&mf, 0, PG));
	ck_assert(!memfile_allocated(&mf, 0, 2 * PG));
	ck_assert(memfile_allocated(&mf, 2 * PG, MiB - 2 * PG));
	ck_assert(!memfile_allocated(&mf, 2 * PG, MiB));
	ck_assert_int_eq(memfile_alloc(&mf, PG), PG);
	ck_assert_int_eq(memfile_alloc(&mf, PG), -ENOMEM);
	/* Only a fresh file takes a state. */
	ck_assert_int_eq(memfile_import_meta(&mf, &f, 1, NULL, 0, &why),
			 -EBUSY);
	memfile_destroy(&mf);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crc32c_vectors);
	tcase_add_test(tc, test_image_round_trip);
	tcase_add_test(tc, test_image_empty);
	tcase_add_test(tc, test_image_writer_misuse);
	tcase_add_test(tc, test_image_truncated_everywhere);
	tcase_add_test(tc, test_image_every_bit_flip_rejected);
	tcase_add_test(tc, test_image_newer_version_rejected);
	tcase_add_test(tc, test_image_bad_sections_rejected);
	tcase_add_test(tc, test_image_stream_catches_change);
	tcase_add_test(tc, test_memimage_round_trip);
	tcase_add_test(tc, test_memimage_hostile_rejected);
	tcase_add_test(tc, test_memimage_compressed_round_trip);
	tcase_add_test(tc, test_memimage_compressed_many_chunks);
	tcase_add_test(tc, test_memimage_compressed_hostile_rejected);
	tcase_add_test(tc, test_memfile_import_busy);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(image_suite)
