// SPDX-License-Identifier: Apache-2.0
#include "sentry/mm/memfile.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int memfile_create(struct memfile *mf, uint64_t size)
{
	int fd;

	memset(mf, 0, sizeof(*mf));
	fd = memfd_create("moat-memory", MFD_CLOEXEC | 0x0010U /* MFD_EXEC */);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("moat-memory", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail;
	mf->base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (mf->base == MAP_FAILED)
		goto fail;
	mf->free = malloc(16 * sizeof(*mf->free));
	if (!mf->free) {
		munmap(mf->base, size);
		errno = ENOMEM;
		goto fail;
	}
	mf->capfree = 16;
	mf->nfree = 1;
	mf->free[0] = (struct memfile_extent){0, size};
	mf->fd = fd;
	mf->size = size;
	pthread_mutex_init(&mf->lock, NULL);
	pthread_mutex_init(&mf->seek_lock, NULL);
	return 0;
fail:;
	int err = -errno;

	close(fd);
	return err;
}

void memfile_destroy(struct memfile *mf)
{
	if (mf->base)
		munmap(mf->base, mf->size);
	if (mf->fd > 0)
		close(mf->fd);
	free(mf->free);
	free(mf->shared);
	memset(mf, 0, sizeof(*mf));
}

static void remove_extent(struct memfile *mf, size_t i)
{
	memmove(&mf->free[i], &mf->free[i + 1],
		(mf->nfree - i - 1) * sizeof(*mf->free));
	mf->nfree--;
}

static int reserve_extents(struct memfile *mf, size_t n)
{
	struct memfile_extent *p;
	size_t cap;

	if (mf->nfree + n <= mf->capfree)
		return 0;
	cap = mf->capfree * 2 + n;
	p = realloc(mf->free, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	mf->free = p;
	mf->capfree = cap;
	return 0;
}

int64_t memfile_alloc(struct memfile *mf, uint64_t len)
{
	int64_t off = -ENOMEM;

	if (len == 0 || !page_aligned(len))
		return -EINVAL;
	pthread_mutex_lock(&mf->lock);
	for (size_t i = 0; i < mf->nfree; i++) {
		struct memfile_extent *e = &mf->free[i];

		if (e->len < len)
			continue;
		off = (int64_t)e->off;
		e->off += len;
		e->len -= len;
		if (e->len == 0)
			remove_extent(mf, i);
		break;
	}
	pthread_mutex_unlock(&mf->lock);
	return off;
}

int memfile_alloc_at(struct memfile *mf, uint64_t off, uint64_t len)
{
	int ret = -EBUSY;

	if (len == 0 || !page_aligned(len) || !page_aligned(off) ||
	    off > mf->size || len > mf->size - off)
		return -EINVAL;
	pthread_mutex_lock(&mf->lock);
	for (size_t i = 0; i < mf->nfree; i++) {
		struct memfile_extent *e = &mf->free[i];
		uint64_t end = e->off + e->len;

		if (e->off > off)
			break;
		if (end < off + len)
			continue;
		/* [off, off+len) lies within e: split around it. */
		if (e->off == off) {
			e->off += len;
			e->len -= len;
			if (e->len == 0)
				remove_extent(mf, i);
		} else if (end == off + len) {
			e->len -= len;
		} else {
			if (reserve_extents(mf, 1) < 0) {
				ret = -ENOMEM;
				break;
			}
			e = &mf->free[i];
			memmove(&mf->free[i + 2], &mf->free[i + 1],
				(mf->nfree - i - 1) * sizeof(*mf->free));
			mf->free[i + 1] = (struct memfile_extent){
			    off + len, end - (off + len)};
			e->len = off - e->off;
			mf->nfree++;
		}
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

static int punch_hole(struct memfile *mf, uint64_t off, uint64_t len)
{
	if (fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) < 0)
		return -errno;
	return 0;
}

int memfile_zero(struct memfile *mf, uint64_t off, uint64_t len)
{
	return punch_hole(mf, off, len);
}

/*
 * The end of the data that starts at d, at most end: the first page of
 * [d, end) without a page behind it. SEEK_HOLE would walk the page cache
 * up to the next hole wherever it is, 256 MiB away in memory written
 * whole, for each small range asked about; mincore on the sentry's own
 * mapping of the file asks about [d, end) only.
 */
static off_t data_end(struct memfile *mf, off_t d, off_t end)
{
	unsigned char vec[256];

	while (d < end) {
		size_t n = (size_t)min_t(
		    uint64_t, (uint64_t)(end - d) / PAGE_SIZE, sizeof(vec));

		if (n == 0 || mincore(mf->base + d, n * PAGE_SIZE, vec) < 0) {
			off_t hole = lseek(mf->fd, d, SEEK_HOLE);

			return hole < 0 || hole > end ? end : hole;
		}
		for (size_t i = 0; i < n; i++)
			if (!(vec[i] & 1))
				return d + (off_t)(i * PAGE_SIZE);
		d += (off_t)(n * PAGE_SIZE);
	}
	return end;
}

/*
 * Below this, memfile_copy copies holes too: finding the data costs more
 * system calls than the copy (a write fault copies one page).
 */
#define COPY_SEEK_MIN (16 * PAGE_SIZE)

static int copy_range(struct memfile *mf, loff_t in, loff_t out, loff_t end)
{
	while (in < end) {
		ssize_t n = copy_file_range(mf->fd, &in, mf->fd, &out,
					    (size_t)(end - in), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

int memfile_copy(struct memfile *mf, uint64_t dst, uint64_t src, uint64_t len)
{
	uint64_t end = src + len;
	int err = 0;

	if (len < COPY_SEEK_MIN)
		return copy_range(mf, (loff_t)src, (loff_t)dst, (loff_t)end);
	pthread_mutex_lock(&mf->seek_lock);
	for (off_t at = (off_t)src; !err && at < (off_t)end;) {
		off_t data = lseek(mf->fd, at, SEEK_DATA), hole;

		if (data < 0 || data >= (off_t)end)
			break; /* ENXIO: no data after at */
		hole = data_end(mf, data, (off_t)end);
		err = copy_range(mf, data,
				 (loff_t)(dst + (uint64_t)(data - (off_t)src)),
				 hole);
		at = hole;
	}
	pthread_mutex_unlock(&mf->seek_lock);
	return err;
}

/*
 * SEEK_DATA walks the memfd's page cache, skipping holes without touching
 * them; data_end finds where the data stops within the range. The cost is
 * in the pages present in the range, not in its size. SEEK_DATA moves the
 * fd's offset, hence seek_lock.
 */
uint64_t memfile_resident(struct memfile *mf, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, total = 0;

	if (off >= mf->size || len == 0)
		return 0;
	if (end > mf->size || end < off)
		end = mf->size;
	pthread_mutex_lock(&mf->seek_lock);
	while (off < end) {
		off_t data = lseek(mf->fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 || (uint64_t)data >= end)
			break; /* ENXIO: no data after off */
		hole = data_end(mf, data, (off_t)end);
		total += (uint64_t)(hole - data);
		off = (uint64_t)hole;
	}
	pthread_mutex_unlock(&mf->seek_lock);
	return total;
}

void memfile_resident_vec(struct memfile *mf, uint64_t off, size_t npages,
			  uint8_t *vec)
{
	uint64_t start = off, end = off + (uint64_t)npages * PAGE_SIZE;

	memset(vec, 0, npages);
	if (end > mf->size)
		end = mf->size;
	pthread_mutex_lock(&mf->seek_lock);
	while (off < end) {
		off_t data = lseek(mf->fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 || (uint64_t)data >= end)
			break;
		hole = data_end(mf, data, (off_t)end);
		for (uint64_t p = (uint64_t)data & ~(PAGE_SIZE - 1);
		     p < (uint64_t)hole; p += PAGE_SIZE)
			vec[(p - start) / PAGE_SIZE] = 1;
		off = (uint64_t)hole;
	}
	pthread_mutex_unlock(&mf->seek_lock);
}

/* The first of n sorted, disjoint extents that ends after off. */
static size_t extent_find(const struct memfile_extent *e, size_t n,
			  uint64_t off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].off + e[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first free extent that ends after off. */
static size_t free_find(const struct memfile *mf, uint64_t off)
{
	return extent_find(mf->free, mf->nfree, off);
}

/* Put [off, off+len), already punched, back into the free set; lock held. */
static void release_range(struct memfile *mf, uint64_t off, uint64_t len)
{
	/* The first free extent after off: it must not reach into the range. */
	size_t i = free_find(mf, off);

	BUG_ON(i < mf->nfree && mf->free[i].off < off + len);
	if (i > 0 && mf->free[i - 1].off + mf->free[i - 1].len == off) {
		mf->free[i - 1].len += len;
		if (i < mf->nfree && off + len == mf->free[i].off) {
			mf->free[i - 1].len += mf->free[i].len;
			remove_extent(mf, i);
		}
	} else if (i < mf->nfree && off + len == mf->free[i].off) {
		mf->free[i].off = off;
		mf->free[i].len += len;
	} else if (reserve_extents(mf, 1) == 0) {
		memmove(&mf->free[i + 1], &mf->free[i],
			(mf->nfree - i) * sizeof(*mf->free));
		mf->free[i] = (struct memfile_extent){off, len};
		mf->nfree++;
	} else {
		/* Out of memory for bookkeeping: leak the range, not crash. */
		log_warn_once("memfile: cannot record a freed range");
	}
}

/*
 * Reference counts. The shared extents record every page with two or more
 * references; any other allocated page has one. Changing the counts of a
 * range splits at most the two extents its ends fall in, so one
 * memfile_free adds at most two extents (a free inside an extent of count
 * three or more leaves three pieces of one). SHARED_SLACK slots are kept
 * spare for that: memfile_ref reserves its own worst case plus the slack,
 * and memfile_free uses the slack, then tries to restore it before it
 * lets go of the lock. A free finds the slack short only if such a
 * restoring malloc failed; it then keeps the reference it has no room to
 * drop (see shared_adjust).
 */
#define SHARED_SLACK 2

/* The most references an imported page may have (so adding never wraps). */
#define MEMFILE_MAX_REFS (1ULL << 32)

/*
 * nshared, read without the lock by the fast paths. That is sound: if no
 * page of the file is shared, none of the caller's pages is, and only the
 * caller, their holder, could share them.
 */
static size_t shared_count(const struct memfile *mf)
{
	return __atomic_load_n(&mf->nshared, __ATOMIC_RELAXED);
}

/* Index of the first shared extent that ends after off; lock held. */
static size_t shared_find(const struct memfile *mf, uint64_t off)
{
	size_t lo = 0, hi = mf->nshared;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mf->shared[mid].off + mf->shared[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int reserve_shared(struct memfile *mf, size_t want)
{
	struct memfile_shared_extent *p;
	size_t cap;

	if (want <= mf->capshared)
		return 0;
	cap = max_t(size_t, max_t(size_t, mf->capshared * 2, want), 16);
	p = realloc(mf->shared, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	mf->shared = p;
	mf->capshared = cap;
	return 0;
}

/* Best effort, by a free: if it fails, a later free or ref tries again. */
static void shared_keep_slack(struct memfile *mf)
{
	if (mf->nshared)
		reserve_shared(mf, mf->nshared + SHARED_SLACK);
}

/* Replace ndel (0 or 1) extents at i by the k of piece; room reserved. */
static void shared_splice(struct memfile *mf, size_t i, size_t ndel,
			  const struct memfile_shared_extent *piece, size_t k)
{
	size_t n = mf->nshared;

	BUG_ON(n - ndel + k > mf->capshared);
	memmove(&mf->shared[i + k], &mf->shared[i + ndel],
		(n - i - ndel) * sizeof(*mf->shared));
	if (k)
		memcpy(&mf->shared[i], piece, k * sizeof(*piece));
	__atomic_store_n(&mf->nshared, n - ndel + k, __ATOMIC_RELAXED);
}

/*
 * Join extent i to the one before if they touch with equal counts;
 * returns the index of the extent that holds i's pages.
 */
static size_t shared_merge_prev(struct memfile *mf, size_t i)
{
	struct memfile_shared_extent *e = mf->shared;

	if (i == 0 || i >= mf->nshared ||
	    e[i - 1].off + e[i - 1].len != e[i].off ||
	    e[i - 1].refs != e[i].refs)
		return i;
	e[i - 1].len += e[i].len;
	shared_splice(mf, i, 1, NULL, 0);
	return i - 1;
}

/*
 * Change by delta (+1 or -1) the count of [c, d), which lies within shared
 * extent i; returns the index of the extent after it. Pieces of count one
 * are dropped from the array.
 */
static size_t shared_adjust(struct memfile *mf, size_t i, uint64_t c,
			    uint64_t d, int delta)
{
	struct memfile_shared_extent piece[3], *e = &mf->shared[i];
	uint64_t a = e->off, b = e->off + e->len;
	uint64_t refs = delta > 0 ? e->refs + 1 : e->refs - 1;
	size_t k = 0, mid;

	if (a < c)
		piece[k++] = (struct memfile_shared_extent){a, c - a, e->refs};
	mid = i + k;
	if (refs >= 2)
		piece[k++] = (struct memfile_shared_extent){c, d - c, refs};
	if (d < b)
		piece[k++] = (struct memfile_shared_extent){d, b - d, e->refs};
	if (mf->nshared - 1 + k > mf->capshared) {
		/*
		 * Only a free gets here, after failing to restore the slack:
		 * keep the reference rather than lose track of another's.
		 * Its pages stay allocated (and shared) for good.
		 */
		log_warn_once("memfile: cannot record a dropped reference");
		return i + 1;
	}
	shared_splice(mf, i, 1, piece, k);
	if (refs < 2)
		return mid;
	return shared_merge_prev(mf, mid) + 1;
}

int memfile_ref(struct memfile *mf, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, cur = off;
	size_t i, k;

	if (len == 0)
		return 0;
	BUG_ON(!page_aligned(off) || !page_aligned(len) || off > mf->size ||
	       len > mf->size - off);
	pthread_mutex_lock(&mf->lock);
	i = free_find(mf, off);
	BUG_ON(i < mf->nfree && mf->free[i].off < end);
	/*
	 * The worst case: the k extents the range meets, the k + 1 gaps
	 * around them become extents, the two at its ends split; and the
	 * slack a later free may need.
	 */
	i = shared_find(mf, off);
	k = shared_find(mf, end) - i + 1;
	if (reserve_shared(mf, mf->nshared + k + 1 + 2 + SHARED_SLACK) < 0) {
		pthread_mutex_unlock(&mf->lock);
		return -ENOMEM;
	}
	while (cur < end) {
		struct memfile_shared_extent *e = &mf->shared[i];
		uint64_t next = end;

		if (i < mf->nshared && e->off <= cur) {
			next = min_t(uint64_t, e->off + e->len, end);
			i = shared_adjust(mf, i, cur, next, +1);
		} else {
			/* Pages with one reference, up to the next extent. */
			if (i < mf->nshared && e->off < end)
				next = e->off;
			shared_splice(
			    mf, i, 0,
			    &(struct memfile_shared_extent){cur, next - cur, 2},
			    1);
			i = shared_merge_prev(mf, i) + 1;
		}
		cur = next;
	}
	/* The last piece may join the extent after the range. */
	shared_merge_prev(mf, i);
	pthread_mutex_unlock(&mf->lock);
	return 0;
}

bool memfile_shared(struct memfile *mf, uint64_t off, uint64_t len)
{
	bool ret;
	size_t i;

	if (likely(shared_count(mf) == 0) || len == 0)
		return false;
	pthread_mutex_lock(&mf->lock);
	i = shared_find(mf, off);
	ret = i < mf->nshared && mf->shared[i].off < off + len;
	pthread_mutex_unlock(&mf->lock);
	return ret;
}

bool memfile_shared_span(struct memfile *mf, uint64_t off, uint64_t *lo,
			 uint64_t *hi)
{
	const struct memfile_shared_extent *e;
	size_t i, j;

	if (likely(shared_count(mf) == 0))
		return false;
	pthread_mutex_lock(&mf->lock);
	e = mf->shared;
	i = shared_find(mf, off);
	if (i < mf->nshared && e[i].off <= off) {
		/* Shared: the touching extents around it are too. */
		for (j = i; j > 0 && e[j - 1].off + e[j - 1].len == e[j].off;)
			j--;
		*lo = max_t(uint64_t, *lo, e[j].off);
		for (j = i; j + 1 < mf->nshared &&
			    e[j].off + e[j].len == e[j + 1].off;)
			j++;
		*hi = min_t(uint64_t, *hi, e[j].off + e[j].len);
		pthread_mutex_unlock(&mf->lock);
		return true;
	}
	/* One reference: up to the extents on either side. */
	if (i > 0)
		*lo = max_t(uint64_t, *lo, e[i - 1].off + e[i - 1].len);
	if (i < mf->nshared)
		*hi = min_t(uint64_t, *hi, e[i].off);
	pthread_mutex_unlock(&mf->lock);
	return false;
}

/* Add the resident run [d, h) to u, split by its pages' counts. */
static void usage_run(struct memfile *mf, uint64_t d, uint64_t h,
		      struct memfile_usage *u)
{
	uint64_t shared = 0;

	u->resident += h - d;
	u->pss += (h - d) << MEMFILE_PSS_SHIFT;
	if (likely(shared_count(mf) == 0))
		return;
	pthread_mutex_lock(&mf->lock);
	for (size_t i = shared_find(mf, d);
	     i < mf->nshared && mf->shared[i].off < h; i++) {
		const struct memfile_shared_extent *e = &mf->shared[i];
		uint64_t s = max_t(uint64_t, e->off, d);
		uint64_t n = min_t(uint64_t, e->off + e->len, h) - s;

		shared += n;
		u->pss -= n << MEMFILE_PSS_SHIFT;
		u->pss += (n << MEMFILE_PSS_SHIFT) / e->refs;
	}
	pthread_mutex_unlock(&mf->lock);
	u->shared += shared;
}

void memfile_usage(struct memfile *mf, uint64_t off, uint64_t len,
		   struct memfile_usage *u)
{
	uint64_t end = off + len;

	if (off >= mf->size || len == 0)
		return;
	if (end > mf->size || end < off)
		end = mf->size;
	/* seek_lock, then lock: nothing takes them the other way round. */
	pthread_mutex_lock(&mf->seek_lock);
	while (off < end) {
		off_t data = lseek(mf->fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 || (uint64_t)data >= end)
			break;
		hole = data_end(mf, data, (off_t)end);
		usage_run(mf, (uint64_t)data, (uint64_t)hole, u);
		off = (uint64_t)hole;
	}
	pthread_mutex_unlock(&mf->seek_lock);
}

/*
 * Pages of the range with one reference are the caller's alone: they are
 * punched outside the lock, as with nothing shared, then released. The
 * extents may change while it is dropped (other holders dropping theirs,
 * which only turns shared pages into the caller's), so each step looks
 * again from where the last ended.
 */
static void free_shared(struct memfile *mf, uint64_t off, uint64_t end)
{
	pthread_mutex_lock(&mf->lock);
	while (off < end) {
		size_t i = shared_find(mf, off);
		struct memfile_shared_extent *e = &mf->shared[i];
		uint64_t next = end;

		if (i < mf->nshared && e->off <= off) {
			next = min_t(uint64_t, e->off + e->len, end);
			shared_adjust(mf, i, off, next, -1);
			off = next;
			continue;
		}
		if (i < mf->nshared && e->off < end)
			next = e->off;
		shared_keep_slack(mf);
		pthread_mutex_unlock(&mf->lock);
		punch_hole(mf, off, next - off);
		pthread_mutex_lock(&mf->lock);
		release_range(mf, off, next - off);
		off = next;
	}
	/* The last piece may join the extent after the range. */
	shared_merge_prev(mf, shared_find(mf, end));
	shared_keep_slack(mf);
	pthread_mutex_unlock(&mf->lock);
}

void memfile_free(struct memfile *mf, uint64_t off, uint64_t len)
{
	if (len == 0)
		return;
	BUG_ON(!page_aligned(off) || !page_aligned(len) ||
	       off + len > mf->size);
	if (unlikely(shared_count(mf) != 0)) {
		free_shared(mf, off, off + len);
		return;
	}
	punch_hole(mf, off, len);
	pthread_mutex_lock(&mf->lock);
	release_range(mf, off, len);
	pthread_mutex_unlock(&mf->lock);
}

int memfile_export_meta(struct memfile *mf, struct memfile_extent **free_out,
			size_t *nfree, struct memfile_shared_extent **shared,
			size_t *nshared)
{
	struct memfile_extent *f;
	struct memfile_shared_extent *s;

	pthread_mutex_lock(&mf->lock);
	f = malloc((mf->nfree + 1) * sizeof(*f));
	s = malloc((mf->nshared + 1) * sizeof(*s));
	if (!f || !s) {
		pthread_mutex_unlock(&mf->lock);
		free(f);
		free(s);
		return -ENOMEM;
	}
	/* An empty array may have no memory: memcpy must not see NULL. */
	if (mf->nfree)
		memcpy(f, mf->free, mf->nfree * sizeof(*f));
	if (mf->nshared)
		memcpy(s, mf->shared, mf->nshared * sizeof(*s));
	*nfree = mf->nfree;
	*nshared = mf->nshared;
	pthread_mutex_unlock(&mf->lock);
	*free_out = f;
	*shared = s;
	return 0;
}

/* Is [off, off+len) a non-empty page-aligned range inside the file? */
static bool range_ok(const struct memfile *mf, uint64_t off, uint64_t len)
{
	return len && page_aligned(off) && page_aligned(len) &&
	       off < mf->size && len <= mf->size - off;
}

static const char *check_meta(const struct memfile *mf,
			      const struct memfile_extent *f, size_t nfree,
			      const struct memfile_shared_extent *s,
			      size_t nshared)
{
	for (size_t i = 0; i < nfree; i++) {
		if (!range_ok(mf, f[i].off, f[i].len))
			return "a free extent empty, unaligned or outside "
			       "the file";
		if (i && f[i].off <= f[i - 1].off + f[i - 1].len)
			return "free extents not sorted, disjoint and "
			       "coalesced";
	}
	for (size_t i = 0; i < nshared; i++) {
		size_t j;

		if (!range_ok(mf, s[i].off, s[i].len))
			return "a shared extent empty, unaligned or outside "
			       "the file";
		if (s[i].refs < 2 || s[i].refs > MEMFILE_MAX_REFS)
			return "a shared extent with fewer than two "
			       "references, or too many";
		if (i && s[i].off < s[i - 1].off + s[i - 1].len)
			return "shared extents not sorted and disjoint";
		if (i && s[i].off == s[i - 1].off + s[i - 1].len &&
		    s[i].refs == s[i - 1].refs)
			return "touching shared extents with equal counts";
		j = extent_find(f, nfree, s[i].off);
		if (j < nfree && f[j].off < s[i].off + s[i].len)
			return "a shared extent overlaps a free one";
	}
	return NULL;
}

int memfile_import_meta(struct memfile *mf, const struct memfile_extent *f,
			size_t nfree, const struct memfile_shared_extent *s,
			size_t nshared, const char **why)
{
	struct memfile_extent *nf;
	struct memfile_shared_extent *ns = NULL;
	size_t capfree = max_t(size_t, nfree, 16);
	int ret = 0;

	*why = check_meta(mf, f, nfree, s, nshared);
	if (*why)
		return -EINVAL;
	if (nfree > SIZE_MAX / sizeof(*nf) - 16 ||
	    nshared > SIZE_MAX / sizeof(*ns) - SHARED_SLACK) {
		*why = "too many extents";
		return -EINVAL;
	}
	nf = malloc(capfree * sizeof(*nf));
	if (nshared)
		ns = malloc((nshared + SHARED_SLACK) * sizeof(*ns));
	if (!nf || (nshared && !ns)) {
		free(nf);
		free(ns);
		*why = "out of memory";
		return -ENOMEM;
	}
	memcpy(nf, f, nfree * sizeof(*nf));
	if (nshared)
		memcpy(ns, s, nshared * sizeof(*ns));
	pthread_mutex_lock(&mf->lock);
	if (mf->nfree != 1 || mf->free[0].off != 0 ||
	    mf->free[0].len != mf->size || mf->nshared != 0) {
		*why = "the memory file is in use";
		ret = -EBUSY;
	} else {
		free(mf->free);
		mf->free = take_ptr(nf);
		mf->nfree = nfree;
		mf->capfree = capfree;
		free(mf->shared);
		mf->shared = take_ptr(ns);
		mf->capshared = nshared ? nshared + SHARED_SLACK : 0;
		__atomic_store_n(&mf->nshared, nshared, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&mf->lock);
	free(nf);
	free(ns);
	return ret;
}

bool memfile_allocated(struct memfile *mf, uint64_t off, uint64_t len)
{
	size_t i;
	bool ret;

	if (!range_ok(mf, off, len))
		return false;
	pthread_mutex_lock(&mf->lock);
	i = free_find(mf, off);
	ret = i >= mf->nfree || mf->free[i].off >= off + len;
	pthread_mutex_unlock(&mf->lock);
	return ret;
}
