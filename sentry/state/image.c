// SPDX-License-Identifier: Apache-2.0
/* Snapshot images: the writer, the reader and CRC32C (see image.h). */
#include "sentry/state/image.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the image format is little-endian; so is every host moat runs on"
#endif

/* ---- CRC32C ------------------------------------------------------------ */

/*
 * Slicing by eight: table[k][b] is the CRC of byte b followed by k zero
 * bytes, so eight bytes fold in with eight lookups. x86-64 hosts with
 * SSE4.2 (nearly all) use its crc32 instruction instead, several times
 * faster; both compute the same function (the test vectors agree).
 */
#define CRC32C_POLY 0x82f63b78U /* reflected Castagnoli polynomial */

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0U - (c & 1)));
		crc_table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			crc_table[k][b] =
			    (crc_table[k - 1][b] >> 8) ^
			    crc_table[0][crc_table[k - 1][b] & 0xff];
}

static uint32_t crc_sw(uint32_t c, const uint8_t *p, size_t len)
{
	pthread_once(&crc_once, crc_init);
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		v ^= c;
		c = crc_table[7][v & 0xff] ^ crc_table[6][(v >> 8) & 0xff] ^
		    crc_table[5][(v >> 16) & 0xff] ^
		    crc_table[4][(v >> 24) & 0xff] ^
		    crc_table[3][(v >> 32) & 0xff] ^
		    crc_table[2][(v >> 40) & 0xff] ^
		    crc_table[1][(v >> 48) & 0xff] ^ crc_table[0][v >> 56];
	}
	while (len--)
		c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
	}
	c = (uint32_t)c64;
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static bool crc_hw_ok(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#else
static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	return crc_sw(c, p, len);
}

static bool crc_hw_ok(void)
{
	return false;
}
#endif

/* Forced off by the tests, to check the table against the instruction. */
bool image_crc_no_hw;

uint32_t image_crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t c = ~crc;

	if (!image_crc_no_hw && crc_hw_ok())
		c = crc_hw(c, buf, len);
	else
		c = crc_sw(c, buf, len);
	return ~c;
}

/* ---- shared -------------------------------------------------------------- */

static const struct {
	uint32_t type;
	const char *name;
	bool repeatable;
} section_types[] = {
    {IMAGE_SEC_NOTE, "note", true},
    {IMAGE_SEC_MEMFILE_META, "memfile-meta", false},
    {IMAGE_SEC_MEMORY, "memory", false},
    {IMAGE_SEC_CONFIG, "config", false},
    {IMAGE_SEC_KERNEL, "kernel", false},
    {IMAGE_SEC_MOUNTS, "mounts", false},
    {IMAGE_SEC_TMPFS, "tmpfs", false},
};

const char *image_section_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(section_types) / sizeof(section_types[0]);
	     i++)
		if (section_types[i].type == type)
			return section_types[i].name;
	return "unknown";
}

static bool section_repeatable(uint32_t type)
{
	for (size_t i = 0; i < sizeof(section_types) / sizeof(section_types[0]);
	     i++)
		if (section_types[i].type == type)
			return section_types[i].repeatable;
	return false;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t align_up(uint64_t x)
{
	return (x + IMAGE_ALIGN - 1) & ~(uint64_t)(IMAGE_ALIGN - 1);
}

/* Header field offsets (see image.h). */
enum {
	H_MAGIC = 0,
	H_MAJOR = 8,
	H_MINOR = 10,
	H_FLAGS = 12,
	H_HSIZE = 16,
	H_NSEC = 20,
	H_TABLE = 24,
	H_SIZE = 32,
	H_TABLE_CRC = 40,
	H_RESERVED = 44,
	H_CRC = 60,
};

/* Table entry field offsets. */
enum {
	E_TYPE = 0,
	E_FLAGS = 4,
	E_OFFSET = 8,
	E_LENGTH = 16,
	E_CRC = 24,
	E_RESERVED = 28,
};

_Static_assert(H_CRC + 4 == IMAGE_HEADER_SIZE, "header layout");
_Static_assert(E_RESERVED + 4 == IMAGE_ENTRY_SIZE, "entry layout");
_Static_assert(IMAGE_HEADER_SIZE % IMAGE_ALIGN == 0, "aligned sections");

__attribute__((format(printf, 2, 3))) static void seterr(char *err,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, IMAGE_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* ---- the writer ---------------------------------------------------------- */

void image_writer_init(struct image_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->pos = IMAGE_HEADER_SIZE;
}

void image_writer_release(struct image_writer *w)
{
	free(w->sec);
	w->sec = NULL;
	w->nsec = w->capsec = 0;
}

static int write_at(struct image_writer *w, const void *buf, size_t len,
		    uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(w->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			w->failed = true;
			seterr(w->err, "writing at byte %" PRIu64 ": %s", off,
			       strerror(err));
			return -err;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int image_section_begin(struct image_writer *w, uint32_t type)
{
	return image_section_begin_flags(w, type, 0);
}

int image_section_begin_flags(struct image_writer *w, uint32_t type,
			      uint32_t flags)
{
	if (flags & ~(uint32_t)IMAGE_SECF_ZSTD) {
		seterr(w->err, "unknown section flags %#x", flags);
		return -EINVAL;
	}
	if (w->failed || w->open) {
		seterr(w->err, "section begun %s",
		       w->failed ? "after a failed write" : "inside another");
		return -EINVAL;
	}
	if (w->nsec == IMAGE_MAX_SECTIONS) {
		seterr(w->err, "more than %d sections", IMAGE_MAX_SECTIONS);
		return -E2BIG;
	}
	if (w->nsec == w->capsec) {
		uint32_t cap = w->capsec ? w->capsec * 2 : 8;
		struct image_section *p = realloc(w->sec, cap * sizeof(*p));

		if (!p) {
			seterr(w->err, "out of memory");
			return -ENOMEM;
		}
		w->sec = p;
		w->capsec = cap;
	}
	w->sec[w->nsec++] = (struct image_section){
	    .type = type, .flags = flags, .offset = w->pos};
	w->open = true;
	return 0;
}

int image_section_write(struct image_writer *w, const void *buf, size_t len)
{
	struct image_section *s;
	int ret;

	if (!w->open || w->failed) {
		seterr(w->err, "write outside a section");
		return -EINVAL;
	}
	s = &w->sec[w->nsec - 1];
	ret = write_at(w, buf, len, w->pos);
	if (ret)
		return ret;
	s->crc = image_crc32c(s->crc, buf, len);
	s->length += len;
	w->pos += len;
	return 0;
}

int image_section_writev(struct image_writer *w, const struct iovec *iov,
			 int iovcnt)
{
	struct image_section *s;
	struct iovec *v;
	uint64_t total = 0, at;
	int i = 0;

	if (!w->open || w->failed || iovcnt < 0 || iovcnt > IOV_MAX) {
		seterr(w->err, "write outside a section");
		return -EINVAL;
	}
	s = &w->sec[w->nsec - 1];
	v = malloc((size_t)iovcnt * sizeof(*v) + 1);
	if (!v) {
		seterr(w->err, "out of memory");
		return -ENOMEM;
	}
	memcpy(v, iov, (size_t)iovcnt * sizeof(*v));
	for (int k = 0; k < iovcnt; k++) {
		s->crc = image_crc32c(s->crc, iov[k].iov_base, iov[k].iov_len);
		total += iov[k].iov_len;
	}
	at = w->pos;
	while (i < iovcnt) {
		ssize_t n = pwritev(w->fd, v + i, iovcnt - i, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			free(v);
			w->failed = true;
			seterr(w->err, "writing at byte %" PRIu64 ": %s", at,
			       strerror(err));
			return -err;
		}
		at += (uint64_t)n;
		/* Skip what was written, partly written buffers too. */
		while (i < iovcnt && (size_t)n >= v[i].iov_len)
			n -= (ssize_t)v[i++].iov_len;
		if (i < iovcnt) {
			v[i].iov_base = (uint8_t *)v[i].iov_base + n;
			v[i].iov_len -= (size_t)n;
		}
	}
	free(v);
	s->length += total;
	w->pos += total;
	return 0;
}

int image_section_end(struct image_writer *w)
{
	static const uint8_t zero[IMAGE_ALIGN];
	uint64_t end = align_up(w->pos);
	int ret;

	if (!w->open || w->failed) {
		seterr(w->err, "no section to end");
		return -EINVAL;
	}
	ret = write_at(w, zero, end - w->pos, w->pos);
	if (ret)
		return ret;
	w->pos = end;
	w->open = false;
	return 0;
}

int image_writer_finish(struct image_writer *w)
{
	size_t tlen = (size_t)w->nsec * IMAGE_ENTRY_SIZE;
	uint8_t head[IMAGE_HEADER_SIZE] = {0}, end[IMAGE_END_SIZE] = {0};
	uint64_t table = w->pos, size = table + tlen + IMAGE_END_SIZE;
	uint16_t minor = 0;
	uint8_t *t;
	int ret;

	if (w->open || w->failed) {
		seterr(w->err, "image finished %s",
		       w->failed ? "after a failed write"
				 : "with a section open");
		return -EINVAL;
	}
	t = calloc(1, tlen + IMAGE_END_SIZE);
	if (!t) {
		seterr(w->err, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < w->nsec; i++) {
		uint8_t *e = t + (size_t)i * IMAGE_ENTRY_SIZE;

		put32(e + E_TYPE, w->sec[i].type);
		put32(e + E_FLAGS, w->sec[i].flags);
		put64(e + E_OFFSET, w->sec[i].offset);
		put64(e + E_LENGTH, w->sec[i].length);
		put32(e + E_CRC, w->sec[i].crc);
		if (w->sec[i].flags)
			minor = 1; /* section flags are 1.1's */
	}
	memcpy(end, IMAGE_END_MAGIC, sizeof(IMAGE_END_MAGIC));
	put64(end + 8, size);
	memcpy(t + tlen, end, IMAGE_END_SIZE);

	memcpy(head + H_MAGIC, IMAGE_MAGIC, sizeof(IMAGE_MAGIC));
	put16(head + H_MAJOR, IMAGE_MAJOR);
	put16(head + H_MINOR, minor);
	put32(head + H_HSIZE, IMAGE_HEADER_SIZE);
	put32(head + H_NSEC, w->nsec);
	put64(head + H_TABLE, table);
	put64(head + H_SIZE, size);
	put32(head + H_TABLE_CRC, image_crc32c(0, t, tlen));
	put32(head + H_CRC, image_crc32c(0, head, H_CRC));

	/* The header last: until it is written no reader takes the file. */
	ret = write_at(w, t, tlen + IMAGE_END_SIZE, table);
	free(t);
	if (!ret)
		ret = write_at(w, head, sizeof(head), 0);
	if (!ret)
		w->failed = true; /* finished: nothing more may be added */
	return ret;
}

/* ---- the reader ---------------------------------------------------------- */

/* Read exactly len bytes at off: 0, or -errno with err set. */
static int read_at(int fd, void *buf, size_t len, uint64_t off, char *err)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			seterr(err, "reading at byte %" PRIu64 ": %s", off,
			       strerror(e));
			return -e;
		}
		if (n == 0) {
			seterr(err,
			       "truncated: the file ends at byte %" PRIu64
			       " (it shrank while read)",
			       off);
			return -EINVAL;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* The header: checked against the file's size. */
static int check_header(struct image_reader *r, const uint8_t *h,
			uint64_t fsize, uint64_t *table, uint32_t *table_crc)
{
	uint64_t size, tlen, want;
	uint32_t nsec;

	if (memcmp(h + H_MAGIC, IMAGE_MAGIC, sizeof(IMAGE_MAGIC)) != 0) {
		seterr(r->err, "not a moat image (bad magic)");
		return -EINVAL;
	}
	r->major = get16(h + H_MAJOR);
	r->minor = get16(h + H_MINOR);
	if (r->major > IMAGE_MAJOR) {
		seterr(r->err,
		       "image format version %u.%u is newer than this moat "
		       "reads (%d.x)",
		       r->major, r->minor, IMAGE_MAJOR);
		return -EINVAL;
	}
	if (get32(h + H_CRC) != image_crc32c(0, h, H_CRC)) {
		seterr(r->err, "header: checksum mismatch");
		return -EINVAL;
	}
	if (r->major != IMAGE_MAJOR) {
		seterr(r->err, "header: unknown format version %u.%u", r->major,
		       r->minor);
		return -EINVAL;
	}
	if (get32(h + H_FLAGS) != 0) {
		seterr(r->err, "header: unknown flags %#x", get32(h + H_FLAGS));
		return -EINVAL;
	}
	if (get32(h + H_HSIZE) != IMAGE_HEADER_SIZE) {
		seterr(r->err, "header: size %u, not %d", get32(h + H_HSIZE),
		       IMAGE_HEADER_SIZE);
		return -EINVAL;
	}
	if (!all_zero(h + H_RESERVED, H_CRC - H_RESERVED)) {
		seterr(r->err, "header: reserved bytes not zero");
		return -EINVAL;
	}
	size = get64(h + H_SIZE);
	if (size > fsize) {
		seterr(r->err,
		       "truncated: the image is %" PRIu64
		       " bytes, the file only %" PRIu64,
		       size, fsize);
		return -EINVAL;
	}
	if (size < fsize) {
		seterr(r->err,
		       "%" PRIu64 " bytes of trailing data after the image's "
		       "end at byte %" PRIu64,
		       fsize - size, size);
		return -EINVAL;
	}
	nsec = get32(h + H_NSEC);
	if (nsec > IMAGE_MAX_SECTIONS) {
		seterr(r->err, "header: %u sections, more than the %d allowed",
		       nsec, IMAGE_MAX_SECTIONS);
		return -EINVAL;
	}
	tlen = (uint64_t)nsec * IMAGE_ENTRY_SIZE;
	*table = get64(h + H_TABLE);
	/* The table ends where the end record starts, which ends the file. */
	if (size < IMAGE_HEADER_SIZE + tlen + IMAGE_END_SIZE) {
		seterr(r->err,
		       "truncated: %u sections' table and the end record "
		       "do not fit in %" PRIu64 " bytes",
		       nsec, size);
		return -EINVAL;
	}
	want = size - IMAGE_END_SIZE - tlen;
	if (*table != want) {
		seterr(r->err,
		       "header: section table at byte %" PRIu64 ", not %" PRIu64
		       " where %u entries end at the end "
		       "record",
		       *table, want, nsec);
		return -EINVAL;
	}
	r->size = size;
	r->nsec = nsec;
	*table_crc = get32(h + H_TABLE_CRC);
	return 0;
}

/* Section i's entry, checked against the sections before it. */
static int check_entry(struct image_reader *r, uint32_t i, uint64_t table)
{
	struct image_section *s = &r->sec[i];
	const char *name = image_section_name(s->type);
	uint64_t expect =
	    i ? align_up(r->sec[i - 1].offset + r->sec[i - 1].length)
	      : IMAGE_HEADER_SIZE;

	if (s->flags & ~(uint32_t)IMAGE_SECF_ZSTD) {
		seterr(r->err, "section %u (%s): unknown flags %#x", i, name,
		       s->flags);
		return -EINVAL;
	}
	if (s->flags && r->minor < 1) {
		seterr(r->err,
		       "section %u (%s): flags %#x in a format %u.%u image "
		       "(section flags came with 1.1)",
		       i, name, s->flags, r->major, r->minor);
		return -EINVAL;
	}
	if ((s->flags & IMAGE_SECF_ZSTD) && s->type != IMAGE_SEC_MEMORY) {
		seterr(r->err,
		       "section %u (%s): marked compressed, which only the "
		       "memory section may be",
		       i, name);
		return -EINVAL;
	}
	if (s->offset > r->size || s->length > r->size - s->offset) {
		seterr(r->err,
		       "truncated: section %u (%s) ends at byte %s%" PRIu64
		       " past the file's end %" PRIu64,
		       i, name,
		       s->offset + s->length < s->offset ? "2^64+" : "",
		       s->offset + s->length, r->size);
		return -EINVAL;
	}
	if (s->offset % IMAGE_ALIGN) {
		seterr(r->err,
		       "section %u (%s): offset %" PRIu64
		       " not %d-byte aligned",
		       i, name, s->offset, IMAGE_ALIGN);
		return -EINVAL;
	}
	if (s->offset < IMAGE_HEADER_SIZE) {
		seterr(r->err,
		       "section %u (%s): starts at byte %" PRIu64
		       ", inside the header",
		       i, name, s->offset);
		return -EINVAL;
	}
	if (i && s->offset < r->sec[i - 1].offset) {
		seterr(r->err,
		       "section %u (%s): out of order: starts at byte %" PRIu64
		       ", before section %u at %" PRIu64,
		       i, name, s->offset, i - 1, r->sec[i - 1].offset);
		return -EINVAL;
	}
	if (s->offset < expect) {
		seterr(r->err,
		       "section %u (%s): starts at byte %" PRIu64
		       ", overlapping section %u (%s), which ends at %" PRIu64,
		       i, name, s->offset, i - 1,
		       image_section_name(r->sec[i - 1].type),
		       r->sec[i - 1].offset + r->sec[i - 1].length);
		return -EINVAL;
	}
	if (s->offset > expect) {
		seterr(r->err,
		       "section %u (%s): a gap of %" PRIu64
		       " bytes before it, at byte %" PRIu64,
		       i, name, s->offset - expect, expect);
		return -EINVAL;
	}
	if (s->offset + s->length > table) {
		seterr(r->err,
		       "section %u (%s): ends at byte %" PRIu64
		       ", inside the section table at %" PRIu64,
		       i, name, s->offset + s->length, table);
		return -EINVAL;
	}
	if (!section_repeatable(s->type))
		for (uint32_t j = 0; j < i; j++)
			if (r->sec[j].type == s->type) {
				seterr(r->err,
				       "section %u (%s): a second %s section "
				       "(the first is section %u)",
				       i, name, name, j);
				return -EINVAL;
			}
	return 0;
}

#define CHUNK (1U << 20)

/* Section i's bytes against its checksum, and its padding against zero. */
static int check_data(struct image_reader *r, uint32_t i, uint8_t *buf)
{
	const struct image_section *s = &r->sec[i];
	uint64_t pos = s->offset, end = s->offset + s->length;
	uint64_t pad_end = align_up(end);
	uint32_t crc = 0;
	int ret;

	while (pos < end) {
		size_t n = (size_t)(end - pos < CHUNK ? end - pos : CHUNK);

		ret = read_at(r->fd, buf, n, pos, r->err);
		if (ret)
			return ret;
		crc = image_crc32c(crc, buf, n);
		pos += n;
	}
	if (crc != s->crc) {
		seterr(r->err, "section %u (%s): checksum mismatch", i,
		       image_section_name(s->type));
		return -EINVAL;
	}
	if (pad_end > end) {
		ret = read_at(r->fd, buf, (size_t)(pad_end - end), end, r->err);
		if (ret)
			return ret;
		if (!all_zero(buf, (size_t)(pad_end - end))) {
			seterr(r->err,
			       "section %u (%s): padding after it not zero "
			       "(bytes %" PRIu64 "..%" PRIu64 ")",
			       i, image_section_name(s->type), end,
			       pad_end - 1);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_all(struct image_reader *r, bool data)
{
	uint8_t head[IMAGE_HEADER_SIZE], end[IMAGE_END_SIZE];
	uint64_t table, tlen, last;
	uint32_t table_crc;
	uint8_t *t, *buf;
	struct stat st;
	int ret;

	if (fstat(r->fd, &st) < 0) {
		ret = -errno;
		seterr(r->err, "fstat: %s", strerror(errno));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(r->err, "not a regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size < IMAGE_HEADER_SIZE) {
		seterr(r->err,
		       "truncated: the file has %" PRIu64
		       " bytes, less than the %d-byte header",
		       (uint64_t)st.st_size, IMAGE_HEADER_SIZE);
		return -EINVAL;
	}
	ret = read_at(r->fd, head, sizeof(head), 0, r->err);
	if (!ret)
		ret = check_header(r, head, (uint64_t)st.st_size, &table,
				   &table_crc);
	if (ret)
		return ret;

	tlen = (uint64_t)r->nsec * IMAGE_ENTRY_SIZE;
	t = malloc(tlen + 1);
	r->sec = calloc(r->nsec + 1, sizeof(*r->sec));
	if (!t || !r->sec) {
		free(t);
		seterr(r->err, "out of memory");
		return -ENOMEM;
	}
	ret = read_at(r->fd, t, tlen, table, r->err);
	if (!ret && image_crc32c(0, t, tlen) != table_crc) {
		seterr(r->err, "section table: checksum mismatch");
		ret = -EINVAL;
	}
	for (uint32_t i = 0; !ret && i < r->nsec; i++) {
		const uint8_t *e = t + (size_t)i * IMAGE_ENTRY_SIZE;

		r->sec[i] = (struct image_section){
		    .type = get32(e + E_TYPE),
		    .flags = get32(e + E_FLAGS),
		    .offset = get64(e + E_OFFSET),
		    .length = get64(e + E_LENGTH),
		    .crc = get32(e + E_CRC),
		};
		if (get32(e + E_RESERVED)) {
			seterr(r->err,
			       "section %u (%s): reserved field not zero", i,
			       image_section_name(r->sec[i].type));
			ret = -EINVAL;
		} else {
			ret = check_entry(r, i, table);
		}
	}
	free(t);
	if (ret)
		return ret;
	last = r->nsec ? align_up(r->sec[r->nsec - 1].offset +
				  r->sec[r->nsec - 1].length)
		       : IMAGE_HEADER_SIZE;
	if (last != table) {
		seterr(r->err,
		       "a gap of %" PRIu64 " bytes between the last section "
		       "and the section table at byte %" PRIu64,
		       table - last, table);
		return -EINVAL;
	}

	ret =
	    read_at(r->fd, end, sizeof(end), r->size - IMAGE_END_SIZE, r->err);
	if (ret)
		return ret;
	if (memcmp(end, IMAGE_END_MAGIC, sizeof(IMAGE_END_MAGIC)) != 0 ||
	    get64(end + 8) != r->size) {
		seterr(r->err, "end record at byte %" PRIu64 ": %s",
		       r->size - IMAGE_END_SIZE,
		       get64(end + 8) != r->size ? "size does not match"
						 : "bad magic");
		return -EINVAL;
	}

	if (!data)
		return 0;
	buf = malloc(CHUNK);
	if (!buf) {
		seterr(r->err, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; !ret && i < r->nsec; i++)
		ret = check_data(r, i, buf);
	free(buf);
	return ret;
}

static int open_checked(struct image_reader *r, int fd, bool data)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	ret = check_all(r, data);
	if (ret) {
		char err[IMAGE_ERR_LEN];

		memcpy(err, r->err, sizeof(err));
		image_close(r);
		memcpy(r->err, err, sizeof(err));
	}
	return ret;
}

int image_open(struct image_reader *r, int fd)
{
	return open_checked(r, fd, true);
}

int image_open_layout(struct image_reader *r, int fd)
{
	return open_checked(r, fd, false);
}

void image_close(struct image_reader *r)
{
	free(r->sec);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int image_find(const struct image_reader *r, uint32_t type, uint32_t from)
{
	for (uint32_t i = from; i < r->nsec; i++)
		if (r->sec[i].type == type)
			return (int)i;
	return -1;
}

#define STREAM_BUF (1U << 20)

int image_stream_init(struct image_stream *s, struct image_reader *r,
		      uint32_t idx)
{
	*s = (struct image_stream){.r = r, .idx = idx};
	s->buf = malloc(STREAM_BUF);
	if (!s->buf) {
		seterr(r->err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void image_stream_release(struct image_stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

const void *image_stream_next(struct image_stream *s, size_t max, size_t *n)
{
	const struct image_section *sec = &s->r->sec[s->idx];
	size_t have;

	if (s->pos == s->fill) {
		uint64_t left = sec->length - s->fill;
		size_t want = (size_t)(left < STREAM_BUF ? left : STREAM_BUF);

		if (want == 0) {
			seterr(s->r->err, "section %u (%s): read past its end",
			       s->idx, image_section_name(sec->type));
			return NULL;
		}
		if (read_at(s->r->fd, s->buf, want, sec->offset + s->fill,
			    s->r->err))
			return NULL;
		s->crc = image_crc32c(s->crc, s->buf, want);
		s->fill += want;
		s->len = want;
	}
	have = (size_t)(s->fill - s->pos);
	*n = have < max ? have : max;
	s->pos += *n;
	return s->buf + (s->len - have);
}

int image_stream_read(struct image_stream *s, void *buf, size_t len)
{
	const struct image_section *sec = &s->r->sec[s->idx];
	uint8_t *p = buf;

	if (len > image_stream_left(s)) {
		seterr(s->r->err,
		       "section %u (%s): %zu bytes wanted at byte %" PRIu64
		       " of %" PRIu64,
		       s->idx, image_section_name(sec->type), len, s->pos,
		       sec->length);
		return -EINVAL;
	}
	while (len) {
		size_t n;
		const void *q = image_stream_next(s, len, &n);

		if (!q)
			return -EIO;
		memcpy(p, q, n);
		p += n;
		len -= n;
	}
	return 0;
}

int image_stream_done(struct image_stream *s)
{
	const struct image_section *sec = &s->r->sec[s->idx];

	if (s->pos != sec->length) {
		seterr(s->r->err,
		       "section %u (%s): %" PRIu64 " bytes left unread", s->idx,
		       image_section_name(sec->type), sec->length - s->pos);
		return -EINVAL;
	}
	if (s->crc != sec->crc) {
		seterr(s->r->err,
		       "section %u (%s): checksum mismatch (the file changed "
		       "since it was opened)",
		       s->idx, image_section_name(sec->type));
		return -EINVAL;
	}
	return 0;
}

void *image_section_load(struct image_reader *r, uint32_t idx, size_t *len)
{
	struct image_stream s;
	uint64_t n = r->sec[idx].length;
	uint8_t *buf;

	if (n >= SIZE_MAX || !(buf = malloc((size_t)n + 1))) {
		seterr(r->err,
		       "section %u (%s): out of memory for %" PRIu64 " bytes",
		       idx, image_section_name(r->sec[idx].type), n);
		return NULL;
	}
	if (image_stream_init(&s, r, idx) ||
	    image_stream_read(&s, buf, (size_t)n) || image_stream_done(&s)) {
		image_stream_release(&s);
		free(buf);
		return NULL;
	}
	image_stream_release(&s);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}
