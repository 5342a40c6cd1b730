/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encoding a snapshot's records: little-endian fixed-width integers and
 * length-prefixed byte strings, appended to a growable buffer; and the
 * decoder, which reads them back from hostile bytes. Both keep the first
 * error and ignore everything after it, so a writer or a reader checks
 * once, at the end of a record or a section (enc->err, dec->err).
 */
#ifndef MOAT_STATE_CODEC_H
#define MOAT_STATE_CODEC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct enc {
	uint8_t *b;
	size_t len, cap;
	int err; /* 0, or -ENOMEM */
};

static inline void enc_bytes_raw(struct enc *e, const void *p, size_t n)
{
	if (e->err)
		return;
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : 4096;
		uint8_t *b;

		while (cap < e->len + n)
			cap *= 2;
		b = realloc(e->b, cap);
		if (!b) {
			e->err = -ENOMEM;
			return;
		}
		e->b = b;
		e->cap = cap;
	}
	if (n)
		memcpy(e->b + e->len, p, n);
	e->len += n;
}

static inline void enc_u64(struct enc *e, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	enc_bytes_raw(e, b, 8);
}

static inline void enc_u32(struct enc *e, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	enc_bytes_raw(e, b, 4);
}

static inline void enc_i64(struct enc *e, int64_t v)
{
	enc_u64(e, (uint64_t)v);
}

/* A u32 length, then the bytes. */
static inline void enc_blob(struct enc *e, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		e->err = e->err ? e->err : -EOVERFLOW;
		return;
	}
	enc_u32(e, (uint32_t)n);
	enc_bytes_raw(e, p, n);
}

/* A string (NULL is the empty string). */
static inline void enc_str(struct enc *e, const char *s)
{
	enc_blob(e, s ? s : "", s ? strlen(s) : 0);
}

static inline void enc_free(struct enc *e)
{
	free(e->b);
	*e = (struct enc){0};
}

struct dec {
	const uint8_t *p;
	size_t len, off;
	int err;	  /* 0, or -EINVAL */
	const char *what; /* the first error: what was wrong */
};

static inline void dec_fail(struct dec *d, const char *what)
{
	if (!d->err) {
		d->err = -EINVAL;
		d->what = what;
	}
}

static inline const uint8_t *dec_take(struct dec *d, size_t n)
{
	const uint8_t *p;

	if (d->err)
		return NULL;
	if (n > d->len - d->off) {
		dec_fail(d, "a record runs past the end of its section");
		return NULL;
	}
	p = d->p + d->off;
	d->off += n;
	return p;
}

static inline uint64_t dec_u64(struct dec *d)
{
	const uint8_t *b = dec_take(d, 8);
	uint64_t v = 0;

	for (int i = 0; b && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static inline uint32_t dec_u32(struct dec *d)
{
	const uint8_t *b = dec_take(d, 4);
	uint32_t v = 0;

	for (int i = 0; b && i < 4; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static inline int64_t dec_i64(struct dec *d)
{
	return (int64_t)dec_u64(d);
}

/* A u32 within [lo, hi], else the error what. */
static inline uint32_t dec_u32_range(struct dec *d, uint32_t lo, uint32_t hi,
				     const char *what)
{
	uint32_t v = dec_u32(d);

	if (!d->err && (v < lo || v > hi)) {
		dec_fail(d, what);
		return lo;
	}
	return v;
}

/* A blob of at most max bytes: its bytes in place (*n of them). */
static inline const void *dec_blob(struct dec *d, size_t max, size_t *n)
{
	uint32_t len = dec_u32(d);
	const void *p;

	*n = 0;
	if (!d->err && len > max) {
		dec_fail(d, "a field is longer than it may be");
		return NULL;
	}
	p = dec_take(d, len);
	if (p)
		*n = len;
	return p;
}

/* A blob of exactly n bytes into buf. */
static inline void dec_blob_exact(struct dec *d, void *buf, size_t n)
{
	size_t got;
	const void *p = dec_blob(d, n, &got);

	if (!d->err && got != n)
		dec_fail(d, "a field has the wrong size");
	if (p && got == n)
		memcpy(buf, p, n);
}

/* A string without NUL bytes, of at most max bytes: malloc'd, or NULL. */
static inline char *dec_str(struct dec *d, size_t max)
{
	size_t n;
	const char *p = dec_blob(d, max, &n);
	char *s;

	if (!p)
		return NULL;
	if (memchr(p, '\0', n)) {
		dec_fail(d, "a name holds a NUL byte");
		return NULL;
	}
	s = malloc(n + 1);
	if (!s) {
		dec_fail(d, "out of memory");
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static inline bool dec_done(const struct dec *d)
{
	return !d->err && d->off == d->len;
}

#endif
