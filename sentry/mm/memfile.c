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

int memfile_zero(struct memfile *mf, uint64_t off, uint64_t len)
{
	if (fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) < 0)
		return -errno;
	return 0;
}

/*
 * SEEK_DATA and SEEK_HOLE walk the memfd's page cache, skipping holes
 * without touching them: the cost is in the pages present, not in the
 * range's size. They move the fd's offset, hence seek_lock.
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
		hole = lseek(mf->fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
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
		hole = lseek(mf->fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > end)
			hole = (off_t)end;
		for (uint64_t p = (uint64_t)data & ~(PAGE_SIZE - 1);
		     p < (uint64_t)hole; p += PAGE_SIZE)
			vec[(p - start) / PAGE_SIZE] = 1;
		off = (uint64_t)hole;
	}
	pthread_mutex_unlock(&mf->seek_lock);
}

void memfile_free(struct memfile *mf, uint64_t off, uint64_t len)
{
	size_t i;

	if (len == 0)
		return;
	BUG_ON(!page_aligned(off) || !page_aligned(len) ||
	       off + len > mf->size);
	memfile_zero(mf, off, len);
	pthread_mutex_lock(&mf->lock);
	/* First extent after the freed range. */
	for (i = 0; i < mf->nfree && mf->free[i].off < off; i++)
		;
	BUG_ON(i > 0 && mf->free[i - 1].off + mf->free[i - 1].len > off);
	BUG_ON(i < mf->nfree && off + len > mf->free[i].off);
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
	pthread_mutex_unlock(&mf->lock);
}
