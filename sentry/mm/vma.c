// SPDX-License-Identifier: Apache-2.0
#include "sentry/mm/vma.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void vma_set_init(struct vma_set *s)
{
	memset(s, 0, sizeof(*s));
}

void vma_set_destroy(struct vma_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int reserve(struct vma_set *s, size_t extra)
{
	struct vma *p;
	size_t cap;

	if (s->n + extra <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 32;
	while (cap < s->n + extra)
		cap *= 2;
	p = realloc(s->v, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->v = p;
	s->cap = cap;
	return 0;
}

int vma_set_reserve(struct vma_set *s, size_t extra)
{
	return reserve(s, extra);
}

size_t vma_lower_bound(const struct vma_set *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long vma_find(const struct vma_set *s, uint64_t addr)
{
	size_t i = vma_lower_bound(s, addr);

	if (i < s->n && s->v[i].start <= addr)
		return (long)i;
	return -1;
}

bool vma_range_mapped(const struct vma_set *s, uint64_t start, uint64_t end)
{
	size_t i = vma_lower_bound(s, start);
	uint64_t at = start;

	for (; i < s->n && at < end; i++) {
		if (s->v[i].start > at)
			return false;
		at = s->v[i].end;
	}
	return at >= end;
}

bool vma_range_free(const struct vma_set *s, uint64_t start, uint64_t end)
{
	size_t i = vma_lower_bound(s, start);

	return i == s->n || s->v[i].start >= end;
}

/* Does b continue a (adjacent in addresses and in the memory file)? */
static bool continues(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags && a->file == b->file &&
	       a->off + (a->end - a->start) == b->off;
}

static void delete_at(struct vma_set *s, size_t i)
{
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

/* Merge v[i] with v[i+1] when the latter continues it. */
static void try_merge(struct vma_set *s, size_t i)
{
	if (i + 1 < s->n && continues(&s->v[i], &s->v[i + 1])) {
		s->v[i].end = s->v[i + 1].end;
		delete_at(s, i + 1);
	}
}

int vma_insert(struct vma_set *s, const struct vma *v)
{
	size_t i;

	if (reserve(s, 1) < 0)
		return -ENOMEM;
	i = vma_lower_bound(s, v->start);
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = *v;
	s->n++;
	try_merge(s, i);
	if (i > 0)
		try_merge(s, i - 1);
	return 0;
}

/* Split the VMA at index i at addr (strictly inside it). Needs capacity. */
static void split_at(struct vma_set *s, size_t i, uint64_t addr)
{
	struct vma *a = &s->v[i];
	struct vma b = *a;

	b.start = addr;
	b.off = a->off + (addr - a->start);
	a->end = addr;
	memmove(&s->v[i + 2], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->v[i + 1] = b;
	s->n++;
}

int vma_remove(struct vma_set *s, uint64_t start, uint64_t end,
	       void (*removed)(void *arg, const struct vma *piece), void *arg)
{
	size_t i, j;

	if (start >= end)
		return 0;
	if (reserve(s, 2) < 0)
		return -ENOMEM;
	i = vma_lower_bound(s, start);
	if (i < s->n && s->v[i].start < start && s->v[i].end > start) {
		split_at(s, i, start);
		i++;
	}
	j = i;
	while (j < s->n && s->v[j].start < end) {
		if (s->v[j].end > end)
			split_at(s, j, end);
		if (removed)
			removed(arg, &s->v[j]);
		j++;
	}
	memmove(&s->v[i], &s->v[j], (s->n - j) * sizeof(*s->v));
	s->n -= j - i;
	return 0;
}

int vma_protect(struct vma_set *s, uint64_t start, uint64_t end, uint32_t prot)
{
	size_t i, first, last;

	if (start >= end)
		return 0;
	if (reserve(s, 2) < 0)
		return -ENOMEM;
	i = vma_lower_bound(s, start);
	if (i < s->n && s->v[i].start < start && s->v[i].prot != prot) {
		split_at(s, i, start);
		i++;
	}
	first = i;
	while (i < s->n && s->v[i].start < end) {
		if (s->v[i].end > end && s->v[i].prot != prot)
			split_at(s, i, end);
		s->v[i].prot = prot;
		i++;
	}
	last = i;
	/* Merge across the changed run and its two neighbours. */
	i = first > 0 ? first - 1 : 0;
	while (i + 1 < s->n && i <= last) {
		if (continues(&s->v[i], &s->v[i + 1])) {
			try_merge(s, i);
			last--;
		} else {
			i++;
		}
	}
	return 0;
}

int vma_set_flags(struct vma_set *s, uint64_t start, uint64_t end,
		  uint32_t mask, uint32_t flags)
{
	size_t i, first, last;

	if (start >= end)
		return 0;
	if (reserve(s, 2) < 0)
		return -ENOMEM;
	i = vma_lower_bound(s, start);
	if (i < s->n && s->v[i].start < start &&
	    (s->v[i].flags & mask) != flags) {
		split_at(s, i, start);
		i++;
	}
	first = i;
	while (i < s->n && s->v[i].start < end) {
		if (s->v[i].end > end && (s->v[i].flags & mask) != flags)
			split_at(s, i, end);
		s->v[i].flags = (s->v[i].flags & ~mask) | flags;
		i++;
	}
	last = i;
	i = first > 0 ? first - 1 : 0;
	while (i + 1 < s->n && i <= last) {
		if (continues(&s->v[i], &s->v[i + 1])) {
			try_merge(s, i);
			last--;
		} else {
			i++;
		}
	}
	return 0;
}

int64_t vma_find_gap(const struct vma_set *s, uint64_t len, uint64_t lo,
		     uint64_t hi, bool topdown)
{
	if (len == 0 || lo >= hi || hi - lo < len)
		return -ENOMEM;
	if (topdown) {
		size_t i = vma_lower_bound(s, hi);
		uint64_t top = hi;

		if (i < s->n && s->v[i].start < top)
			top = s->v[i].start;
		for (;;) {
			uint64_t bottom = lo;

			if (i > 0 && s->v[i - 1].end > lo)
				bottom = s->v[i - 1].end;
			if (top > bottom && top - bottom >= len)
				return (int64_t)(top - len);
			if (i == 0)
				return -ENOMEM;
			i--;
			top = s->v[i].start;
			if (top <= lo)
				return -ENOMEM;
		}
	} else {
		uint64_t at = lo;
		size_t i = vma_lower_bound(s, lo);

		for (; i < s->n; i++) {
			if (s->v[i].start >= hi)
				break;
			if (s->v[i].start > at && s->v[i].start - at >= len)
				return (int64_t)at;
			if (s->v[i].end > at)
				at = s->v[i].end;
		}
		if (at < hi && hi - at >= len)
			return (int64_t)at;
		return -ENOMEM;
	}
}
