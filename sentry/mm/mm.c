// SPDX-License-Identifier: Apache-2.0
/*
 * Address spaces: the mmap family over VMAs, the memory file and the
 * platform. Anonymous memory is backed by ranges of the (sparse) memory
 * file (the pmas, see mm.h) that are mapped into the platform's address
 * space when the VMA is made, so touching it never needs the sentry; its
 * pages exist once the application writes them.
 *
 * Deviations from Linux: the whole stack VMA (RLIMIT_STACK, at most
 * 1 GiB) is mapped at exec rather than grown on faults, and RLIMIT_AS
 * counts of it what Linux's initial stack VMA holds (the arguments' pages
 * and 128 KiB), never its growth; mremap cannot duplicate a shared
 * mapping (old length 0).
 */
#include "sentry/mm/mm.h"

#include "abi/linux.h"
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define MMAP_MIN_ADDR 0x10000UL /* vm.mmap_min_addr on Debian */

static const struct platform_mm_ops mm_platform_ops;

/*
 * The platform's mappings change only through these: each change counts in
 * mm->gen, so that a fault can tell whether the mappings changed since the
 * access it retried (mm_fault).
 */
static int plat_map(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		    uint64_t off)
{
	int err = mm->plat->ops->as_map(mm->as, addr, len, prot, off);

	__atomic_add_fetch(&mm->gen, 1, __ATOMIC_RELEASE);
	return err;
}

static int plat_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	int err = mm->plat->ops->as_unmap(mm->as, addr, len);

	__atomic_add_fetch(&mm->gen, 1, __ATOMIC_RELEASE);
	return err;
}

static int plat_protect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	int err = mm->plat->ops->as_protect(mm->as, addr, len, prot);

	__atomic_add_fetch(&mm->gen, 1, __ATOMIC_RELEASE);
	return err;
}

/* ---- shared file mappings, mm->lock held -------------------------------- */

/*
 * Every address space's files, so that a truncation finds who maps the
 * file. A leaf lock: taken under an address space's lock and a file's.
 */
static pthread_mutex_t all_files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_file *all_files;
/* Truncations of mapped files so far (atomic): a fault that looked the
 * page up before one maps nothing, and looks again. */
static uint64_t trunc_gen;

#define TRUNC_NONE UINT64_MAX

static void mm_file_free(struct mm_file *f)
{
	pthread_mutex_lock(&all_files_lock);
	*f->pprev_all = f->next_all;
	if (f->next_all)
		f->next_all->pprev_all = f->pprev_all;
	pthread_mutex_unlock(&all_files_lock);
	f->inode->ops->map_put(f->inode);
	vfs_inode_put(f->inode);
	if (f->path.mnt)
		vfs_path_put(&f->path);
	free(f->pages);
	free(f);
}

/* Let go of the files no VMA maps any more. */
static void files_gc(struct mm *mm)
{
	for (size_t i = 0; i < mm->nfiles;) {
		bool used = false;

		for (size_t j = 0; j < mm->vmas.n && !used; j++)
			used = mm->vmas.v[j].file == mm->files[i];
		if (used) {
			i++;
			continue;
		}
		mm_file_free(mm->files[i]);
		mm->files[i] = mm->files[--mm->nfiles];
	}
}

/* The address space's record of inode, made if need be; NULL: ENOMEM. */
static struct mm_file *mm_file_get(struct mm *mm, struct vfs_inode *inode)
{
	struct mm_file *f, **fs;

	for (size_t i = 0; i < mm->nfiles; i++)
		if (mm->files[i]->inode == inode)
			return mm->files[i];
	fs = realloc(mm->files, (mm->nfiles + 1) * sizeof(*fs));
	if (!fs)
		return NULL;
	mm->files = fs;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->inode = vfs_inode_get(inode);
	f->mm = mm;
	f->trunc = TRUNC_NONE;
	inode->ops->map_get(inode);
	pthread_mutex_lock(&all_files_lock);
	f->next_all = all_files;
	if (all_files)
		all_files->pprev_all = &f->next_all;
	f->pprev_all = &all_files;
	all_files = f;
	pthread_mutex_unlock(&all_files_lock);
	mm->files[mm->nfiles++] = f;
	return f;
}

void mm_file_truncated(struct vfs_inode *inode, uint64_t size)
{
	uint64_t keep = size / PAGE_SIZE + !!(size % PAGE_SIZE);

	__atomic_add_fetch(&trunc_gen, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&all_files_lock);
	for (struct mm_file *f = all_files; f; f = f->next_all) {
		if (f->inode != inode)
			continue;
		f->trunc = min_t(uint64_t, f->trunc, keep);
		__atomic_store_n(&f->mm->trunc_pending, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&all_files_lock);
}

bool mm_inode_mapped_writable(struct vfs_inode *inode)
{
	struct mm **mms = NULL, **more;
	size_t n = 0, cap = 0;
	bool found = false, nomem = false;

	/* The address spaces that map it, each held: an mm dropping its
	 * last reference meanwhile is on its way out, and maps nothing. */
	pthread_mutex_lock(&all_files_lock);
	for (struct mm_file *f = all_files; f; f = f->next_all) {
		int refs = __atomic_load_n(&f->mm->refs, __ATOMIC_RELAXED);

		if (f->inode != inode)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			more = realloc(mms, cap * sizeof(*mms));
			if (!more) {
				nomem = true;
				break;
			}
			mms = more;
		}
		while (refs > 0 && !__atomic_compare_exchange_n(
				       &f->mm->refs, &refs, refs + 1, false,
				       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			;
		if (refs > 0)
			mms[n++] = f->mm;
	}
	pthread_mutex_unlock(&all_files_lock);
	for (size_t i = 0; i < n; i++) {
		struct mm *mm = mms[i];

		pthread_mutex_lock(&mm->lock);
		for (size_t j = 0; j < mm->vmas.n && !found; j++) {
			const struct vma *v = &mm->vmas.v[j];

			found = v->file && v->file->inode == inode &&
				(v->flags & VMA_SHARED) &&
				(v->flags & VMA_MAYWRITE);
		}
		pthread_mutex_unlock(&mm->lock);
		mm_put(mm);
	}
	free(mms);
	/* Out of memory: as if mapped (F_SEAL_WRITE fails, EBUSY). */
	return found || nomem;
}

/* Forget and unmap f's pages from file page keep on. */
static void file_truncate(struct mm *mm, struct mm_file *f, uint64_t keep)
{
	for (uint64_t idx = max_t(uint64_t, keep, f->lo); idx < f->lo + f->n;
	     idx++)
		f->pages[idx - f->lo] = 0;
	for (size_t i = 0; mm->as && i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t first = v->off / PAGE_SIZE, s;

		if (v->file != f ||
		    keep >= first + (v->end - v->start) / PAGE_SIZE)
			continue;
		s = v->start + (keep > first ? (keep - first) * PAGE_SIZE : 0);
		plat_unmap(mm, s, v->end - s);
	}
}

void mm_sync_truncations(struct mm *mm)
{
	if (!__atomic_load_n(&mm->trunc_pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&mm->lock);
	__atomic_store_n(&mm->trunc_pending, 0, __ATOMIC_RELAXED);
	for (size_t i = 0; i < mm->nfiles; i++) {
		struct mm_file *f = mm->files[i];
		uint64_t keep;

		pthread_mutex_lock(&all_files_lock);
		keep = f->trunc;
		f->trunc = TRUNC_NONE;
		pthread_mutex_unlock(&all_files_lock);
		if (keep != TRUNC_NONE)
			file_truncate(mm, f, keep);
	}
	pthread_mutex_unlock(&mm->lock);
}

/* Make f's page table cover file pages [idx, idx+n). */
static int file_cover(struct mm_file *f, uint64_t idx, size_t n)
{
	uint64_t lo = f->n ? min_t(uint64_t, f->lo, idx) : idx;
	uint64_t hi = f->n ? max_t(uint64_t, f->lo + f->n, idx + n) : idx + n;
	uint64_t *p;

	if (f->n && lo == f->lo && hi == f->lo + f->n)
		return 0;
	if (hi - lo > (1ULL << 22))
		return -ENOMEM; /* 16 GiB apart: not worth a table */
	p = calloc((size_t)(hi - lo), sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (f->n)
		memcpy(p + (f->lo - lo), f->pages, f->n * sizeof(*p));
	free(f->pages);
	f->pages = p;
	f->lo = lo;
	f->n = (size_t)(hi - lo);
	return 0;
}

/* The file page at addr in the file VMA v. */
static uint64_t file_page(const struct vma *v, uint64_t addr)
{
	return (v->off + (addr - v->start)) / PAGE_SIZE;
}

/*
 * Learn the memory-file pages behind [s, e) of the file VMA v that are not
 * known yet, if the file's lock is free (else they come on faults). A page
 * once known stays: the file keeps it allocated while mapped. alloc: fill
 * the file's holes too (an access now); else they wait for faults, as a
 * new mapping of a sparse tmpfs file allocates nothing on Linux.
 */
static int file_learn(struct mm *mm, const struct vma *v, uint64_t s,
		      uint64_t e, bool alloc)
{
	struct mm_file *f = v->file;
	uint64_t idx = file_page(v, s);
	size_t n = (size_t)((e - s) / PAGE_SIZE);
	uint64_t *fresh;
	int err;

	(void)mm;
	err = file_cover(f, idx, n);
	if (err)
		return err;
	fresh = malloc(n * sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	err = f->inode->ops->map_pages(f->inode, idx, n, fresh,
				       VFS_MAP_TRY |
					   (alloc ? 0 : VFS_MAP_NOALLOC));
	for (size_t i = 0; !err && i < n; i++)
		if (!f->pages[idx - f->lo + i])
			f->pages[idx - f->lo + i] = fresh[i];
	free(fresh);
	return err == -EAGAIN ? 0 : err;
}

/*
 * Map the known pages of [s, e) of the file VMA v into the platform's
 * address space, in runs of contiguous memory-file pages; clear first
 * unmaps the range (a new mapping: the rest must fault).
 */
static int file_populate_known(struct mm *mm, const struct vma *v, uint64_t s,
			       uint64_t e);

static int file_populate(struct mm *mm, const struct vma *v, uint64_t s,
			 uint64_t e, bool clear)
{
	int err = file_learn(mm, v, s, e, false);

	if (!err && clear)
		err = plat_unmap(mm, s, e - s);
	return err ? err : file_populate_known(mm, v, s, e);
}

/* Map the pages of [s, e) of v already known, in contiguous runs. */
static int file_populate_known(struct mm *mm, const struct vma *v, uint64_t s,
			       uint64_t e)
{
	struct mm_file *f = v->file;
	int err = 0;

	for (uint64_t at = s; !err && at < e;) {
		uint64_t first = f->pages[file_page(v, at) - f->lo], len;

		if (!first) {
			at += PAGE_SIZE;
			continue;
		}
		for (len = PAGE_SIZE; at + len < e; len += PAGE_SIZE)
			if (f->pages[file_page(v, at + len) - f->lo] !=
			    first + len)
				break;
		err = plat_map(mm, at, len, (int)v->prot, first - 1);
		at += len;
	}
	return err;
}

/* ---- anonymous memory's pmas, mm->lock held ----------------------------- */

/* The pma holding addr, which is in an anonymous VMA. */
static struct vma *pma_at(struct mm *mm, uint64_t addr)
{
	long i = vma_find(&mm->pmas, addr);

	BUG_ON(i < 0);
	return &mm->pmas.v[i];
}

/* The memory-file offset of addr in the pma p. */
static uint64_t pma_off(const struct vma *p, uint64_t addr)
{
	return p->off + (addr - p->start);
}

/* The protection the platform maps p with under prot: no writes if COW. */
static int pma_prot(uint32_t prot, const struct vma *p)
{
	return (int)(p->flags & VMA_COW ? prot & ~(uint32_t)ABI_PROT_WRITE
					: prot);
}

/*
 * Call fn for each piece [s, e) of [start, end) (anonymous memory) that
 * one pma backs, in address order; stops at the first error. fn may
 * change the pmas (the next piece is looked up afresh).
 */
static int pma_each(struct mm *mm, uint64_t start, uint64_t end,
		    int (*fn)(struct mm *mm, struct vma *p, uint64_t s,
			      uint64_t e, void *arg),
		    void *arg)
{
	int err = 0;

	for (uint64_t at = start; !err && at < end;) {
		struct vma *p = pma_at(mm, at);
		uint64_t e = min_t(uint64_t, p->end, end);

		err = fn(mm, p, at, e, arg);
		at = e;
	}
	return err;
}

static int map_piece(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
		     void *arg)
{
	return plat_map(mm, s, e - s, pma_prot(*(uint32_t *)arg, p),
			pma_off(p, s));
}

/* Map the anonymous memory [s, e) into the platform, pma by pma. */
static int anon_map(struct mm *mm, uint32_t prot, uint64_t s, uint64_t e)
{
	return pma_each(mm, s, e, map_piece, &prot);
}

/*
 * Give the anonymous memory [s, e) protection prot in the platform, one
 * call for each run of pmas mapped alike.
 */
static int anon_protect(struct mm *mm, uint32_t prot, uint64_t s, uint64_t e)
{
	while (s < e) {
		struct vma *p = pma_at(mm, s);
		int want = pma_prot(prot, p), err;
		uint64_t run = min_t(uint64_t, p->end, e);

		while (run < e && pma_prot(prot, pma_at(mm, run)) == want)
			run = min_t(uint64_t, pma_at(mm, run)->end, e);
		err = plat_protect(mm, s, run - s, want);
		if (err)
			return err;
		s = run;
	}
	return 0;
}

static int usage_piece(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
		       void *arg)
{
	memfile_usage(mm->mf, pma_off(p, s), e - s, arg);
	return 0;
}

void mm_vma_usage(struct mm *mm, const struct vma *v, struct memfile_usage *u)
{
	uint64_t rss;

	if (!v->file) {
		pma_each(mm, v->start, v->end, usage_piece, u);
		return;
	}
	rss = mm_vma_resident(mm, v);
	u->resident += rss;
	u->pss += rss << MEMFILE_PSS_SHIFT;
}

uint64_t mm_vma_resident(struct mm *mm, const struct vma *v)
{
	struct mm_file *f = v->file;
	uint64_t first, last, total = 0;

	if (!f) {
		for (uint64_t at = v->start; at < v->end;) {
			struct vma *p = pma_at(mm, at);
			uint64_t e = min_t(uint64_t, p->end, v->end);

			total +=
			    memfile_resident(mm->mf, pma_off(p, at), e - at);
			at = e;
		}
		return total;
	}
	/* Runs of file pages contiguous in the memory file, one query each. */
	first = max_t(uint64_t, file_page(v, v->start), f->lo);
	last = min_t(uint64_t, file_page(v, v->end), f->lo + f->n);
	for (uint64_t idx = first; idx < last;) {
		uint64_t moff = f->pages[idx - f->lo], n = 1;

		if (!moff) {
			idx++;
			continue;
		}
		while (idx + n < last &&
		       f->pages[idx + n - f->lo] == moff + n * PAGE_SIZE)
			n++;
		total += memfile_resident(mm->mf, moff - 1, n * PAGE_SIZE);
		idx += n;
	}
	return total;
}

uint64_t mm_rss(struct mm *mm)
{
	uint64_t rss = 0;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++)
		rss += mm_vma_resident(mm, &mm->vmas.v[i]);
	pthread_mutex_unlock(&mm->lock);
	return rss;
}

/*
 * The memory-file bytes behind addr in v: a pointer and how many follow
 * contiguously (up to want), or -EFAULT for a file page past the end.
 */
static int vma_bytes(struct mm *mm, const struct vma *v, uint64_t addr,
		     size_t want, uint8_t **p, size_t *n)
{
	struct mm_file *f = v->file;
	uint64_t idx, moff;

	*n = min_t(size_t, want, v->end - addr);
	if (!f) {
		struct vma *pma = pma_at(mm, addr);

		*p = memfile_ptr(mm->mf, pma_off(pma, addr));
		*n = min_t(size_t, *n, pma->end - addr);
		return 0;
	}
	idx = file_page(v, addr);
	if (idx < f->lo || idx >= f->lo + f->n || !f->pages[idx - f->lo]) {
		uint64_t pg = addr & ~(PAGE_SIZE - 1);

		if (file_learn(mm, v, pg, pg + PAGE_SIZE, true) ||
		    !f->pages[idx - f->lo])
			return -EFAULT;
	}
	moff = f->pages[idx - f->lo] - 1;
	*p = memfile_ptr(mm->mf, moff + addr % PAGE_SIZE);
	*n = min_t(size_t, *n, PAGE_SIZE - addr % PAGE_SIZE);
	return 0;
}

static int64_t alloc_backing(struct mm *mm, uint64_t addr, uint64_t len);

/*
 * The pmas of [s, e) become one, at memory-file offset off, not COW; the
 * ranges they had lose a reference. Cannot fail: the caller reserved room
 * for three more pmas.
 */
static void free_pma(void *arg, const struct vma *piece)
{
	struct mm *mm = arg;

	memfile_free(mm->mf, piece->off, piece->end - piece->start);
}

static void pma_replace(struct mm *mm, uint64_t s, uint64_t e, uint64_t off)
{
	struct vma p = {.start = s, .end = e, .off = off};

	vma_remove(&mm->pmas, s, e, free_pma, mm);
	vma_insert(&mm->pmas, &p);
}

/*
 * Copy the COW pages [s, e) of the anonymous VMA v (all in one pma) to a
 * fresh range that is mm's own, and map it with v's protection.
 */
static int cow_copy(struct mm *mm, const struct vma *v, uint64_t s, uint64_t e)
{
	uint64_t len = e - s, old = pma_off(pma_at(mm, s), s);
	int64_t fresh;
	int err;

	if (vma_set_reserve(&mm->pmas, 3))
		return -ENOMEM;
	fresh = alloc_backing(mm, s, len);
	if (fresh < 0)
		return -ENOMEM;
	err = memfile_copy(mm->mf, (uint64_t)fresh, old, len);
	if (!err)
		err = plat_map(mm, s, len, (int)v->prot, (uint64_t)fresh);
	if (err) {
		memfile_free(mm->mf, (uint64_t)fresh, len);
		return err == -EFAULT ? -ENOMEM : err;
	}
	pma_replace(mm, s, e, (uint64_t)fresh);
	return 0;
}

/* The COW pages [s, e) of v, nobody else's now, are made writable. */
static int cow_own(struct mm *mm, const struct vma *v, uint64_t s, uint64_t e)
{
	if (vma_set_flags(&mm->pmas, s, e, VMA_COW, 0))
		return -ENOMEM;
	if (!(v->prot & ABI_PROT_WRITE))
		return 0;
	return plat_protect(mm, s, e - s, (int)v->prot);
}

/*
 * The pages of [a, b) of the anonymous VMA v become mm's own, for the
 * sentry to write them: those another address space shares are copied,
 * the others mapped writable as they are.
 */
static int cow_range(struct mm *mm, const struct vma *v, uint64_t a, uint64_t b)
{
	a = max_t(uint64_t, page_down(a), v->start);
	b = min_t(uint64_t, page_up(b), v->end);
	while (a < b) {
		struct vma *p = pma_at(mm, a);
		uint64_t e = min_t(uint64_t, p->end, b), lo, hi;
		int err;

		if (!(p->flags & VMA_COW)) {
			a = e;
			continue;
		}
		lo = pma_off(p, a);
		hi = pma_off(p, e);
		if (memfile_shared_span(mm->mf, lo, &lo, &hi))
			err = cow_copy(mm, v, a, a + (hi - lo));
		else
			err = cow_own(mm, v, a, a + (hi - lo));
		if (err)
			return err;
		a += hi - lo;
	}
	return 0;
}

/* A fault copies 2 MiB at once when scattered copies made this many. */
#define PMA_SCATTERED 4096
#define COW_CHUNK     (2UL << 20)

/*
 * A write fault at the page pg of the anonymous VMA v, whose pma is COW:
 * the page is copied if another address space shares it, else the run of
 * pages around it that nobody else holds becomes writable. Each fault
 * costs hundreds of times a page's copy, so a writer going up through
 * memory gets ahead of itself: when the k pages before pg are already its
 * own, min(k, 2 MiB) pages from pg are copied (1, 1, 2, 4, ... pages for
 * each fault). When this address space's pmas are scattered, the aligned
 * COW_CHUNK around pg is.
 */
static int cow_fault(struct mm *mm, const struct vma *v, uint64_t pg)
{
	struct vma *p = pma_at(mm, pg);
	uint64_t s = max_t(uint64_t, p->start, v->start);
	uint64_t e = min_t(uint64_t, p->end, v->end);
	uint64_t lo = pma_off(p, s), hi = pma_off(p, e), run = 0;

	if (!memfile_shared_span(mm->mf, pma_off(p, pg), &lo, &hi))
		return cow_own(mm, v, p->start + (lo - p->off),
			       p->start + (hi - p->off));
	if (mm->pmas.n > mm->vmas.n + PMA_SCATTERED) {
		s = max_t(uint64_t, s, pg & ~(COW_CHUNK - 1));
		e = min_t(uint64_t, e, (pg & ~(COW_CHUNK - 1)) + COW_CHUNK);
		return cow_copy(mm, v, s, e);
	}
	/* The pages before pg that are its own, within v. */
	for (uint64_t at = pg; at > v->start && run < COW_CHUNK;) {
		struct vma *b = pma_at(mm, at - 1);

		if (b->flags & VMA_COW)
			break;
		run += at - max_t(uint64_t, b->start, v->start);
		at = max_t(uint64_t, b->start, v->start);
	}
	run = min_t(uint64_t, max_t(uint64_t, run, PAGE_SIZE), COW_CHUNK);
	/* Only the shared pages of pg's pma. */
	e = min_t(uint64_t, pg + run, p->start + (hi - p->off));
	return cow_copy(mm, v, pg, e);
}

struct mm *mm_alloc_detached(struct memfile *mf, struct platform *plat)
{
	struct mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	pthread_mutex_init(&mm->lock, NULL);
	vma_set_init(&mm->vmas);
	vma_set_init(&mm->pmas);
	mm->refs = 1;
	mm->mf = mf;
	mm->plat = plat;
	mm->limit = plat->addr_limit;
	mm->mmap_base = mm->limit;
	mm->data_limit = ABI_RLIM_INFINITY;
	mm->as_limit = ABI_RLIM_INFINITY;
	return mm;
}

int mm_create(struct memfile *mf, struct platform *plat, struct mm **out)
{
	struct mm *mm = mm_alloc_detached(mf, plat);
	int err;

	if (!mm)
		return -ENOMEM;
	err = plat->ops->as_create(plat, &mm->as);
	if (err) {
		vma_set_destroy(&mm->vmas);
		vma_set_destroy(&mm->pmas);
		free(mm);
		return err;
	}
	if (plat->ops->as_bind)
		plat->ops->as_bind(mm->as, &mm_platform_ops, mm, NULL);
	*out = mm;
	return 0;
}

/* Give the child c a pma for [s, e) at off (a reference it holds). */
static int fork_pma(struct mm *c, uint64_t s, uint64_t e, uint64_t off,
		    uint32_t flags)
{
	struct vma cp = {.start = s, .end = e, .off = off, .flags = flags};
	int err = vma_insert(&c->pmas, &cp);

	if (err)
		memfile_free(c->mf, off, e - s);
	return err;
}

/*
 * fork's copy of the anonymous VMA v into c's pmas: shared memory is
 * referenced; private memory that holds data is referenced and becomes
 * COW on both sides (the parent's mapped without PROT_WRITE from now on);
 * private memory without data, and MADV_WIPEONFORK's, is fresh in c.
 */
static int fork_anon(struct mm *mm, struct mm *c, const struct vma *v)
{
	bool protect = false;
	int64_t fresh;
	int err = 0;

	if (v->flags & VMA_WIPEONFORK) {
		fresh = memfile_alloc(mm->mf, v->end - v->start);
		if (fresh < 0)
			return (int)fresh;
		return fork_pma(c, v->start, v->end, (uint64_t)fresh, 0);
	}
	for (uint64_t at = v->start; !err && at < v->end;) {
		struct vma *p = pma_at(mm, at);
		uint64_t e = min_t(uint64_t, p->end, v->end), len = e - at;
		uint64_t off = pma_off(p, at);

		if (v->flags & VMA_SHARED) {
			err = memfile_ref(mm->mf, off, len);
			if (!err)
				err = fork_pma(c, at, e, off, 0);
		} else if (!(p->flags & VMA_COW) &&
			   !memfile_resident(mm->mf, off, len)) {
			/* Nothing to share: fresh zero pages. */
			fresh = memfile_alloc(mm->mf, len);
			err = fresh < 0 ? (int)fresh : 0;
			if (!err)
				err = fork_pma(c, at, e, (uint64_t)fresh, 0);
		} else {
			err = memfile_ref(mm->mf, off, len);
			if (!err)
				err = fork_pma(c, at, e, off, VMA_COW);
			if (!err && !(p->flags & VMA_COW)) {
				err = vma_set_flags(&mm->pmas, at, e, VMA_COW,
						    VMA_COW);
				protect = true;
			}
		}
		at = e;
	}
	if (!err && protect && (v->prot & ABI_PROT_WRITE))
		err = anon_protect(mm, v->prot, v->start, v->end);
	return err;
}

int mm_fork(struct mm *mm, struct mm **out)
{
	struct mm *c = calloc(1, sizeof(*c));
	int err = 0;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	vma_set_init(&c->vmas);
	vma_set_init(&c->pmas);
	c->refs = 1;
	pthread_mutex_lock(&mm->lock);
	c->mf = mm->mf;
	c->plat = mm->plat;
	c->limit = mm->limit;
	c->mmap_base = mm->mmap_base;
	c->start_brk = mm->start_brk;
	c->brk = mm->brk;
	c->stack_top = mm->stack_top;
	c->start_stack = mm->start_stack;
	c->data_limit = mm->data_limit;
	c->as_limit = mm->as_limit;
	c->arg_start = mm->arg_start;
	c->arg_end = mm->arg_end;
	c->env_start = mm->env_start;
	c->env_end = mm->env_end;
	c->start_code = mm->start_code;
	c->end_code = mm->end_code;
	c->start_data = mm->start_data;
	c->end_data = mm->end_data;
	c->membarrier = mm->membarrier;
	c->resv_lo = mm->resv_lo;
	c->resv_hi = mm->resv_hi;
	/* Memory locks are not inherited (mlockall's future ones neither). */
	for (size_t i = 0; !err && i < mm->vmas.n; i++) {
		struct vma *v = &mm->vmas.v[i];
		struct vma cv = *v;

		if (v->flags & VMA_DONTFORK)
			continue;
		cv.flags &= ~(uint32_t)(VMA_LOCKED | VMA_LOCKONFAULT);
		if (v->file) {
			cv.file = mm_file_get(c, v->file->inode);
			err = cv.file ? 0 : -ENOMEM;
			if (cv.file && !cv.file->path.mnt &&
			    v->file->path.mnt) {
				cv.file->path = v->file->path;
				vfs_path_get(&cv.file->path);
			}
		} else {
			err = fork_anon(mm, c, v);
		}
		if (!err)
			err = vma_insert(&c->vmas, &cv);
	}
	pthread_mutex_unlock(&mm->lock);
	if (err) {
		mm_put(c);
		return err;
	}
	/* The platform may keep state for the code the child shares. */
	if (mm->plat->ops->as_bind) {
		mm_get(mm);
		c->fork_src = mm;
	}
	*out = c;
	return 0;
}

int mm_attach(struct mm *mm)
{
	struct mm *src = mm->fork_src;
	int err;

	if (mm->as)
		return 0;
	err = mm->plat->ops->as_create(mm->plat, &mm->as);
	if (err)
		return err;
	if (mm->plat->ops->as_bind)
		mm->plat->ops->as_bind(mm->as, &mm_platform_ops, mm,
				       src ? src->as : NULL);
	mm->fork_src = NULL;
	mm_put(src);
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; !err && i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];

		if (v->file)
			err = file_populate(mm, v, v->start, v->end, false);
		else
			err = anon_map(mm, v->prot, v->start, v->end);
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

void mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void mm_put(struct mm *mm)
{
	if (!mm || __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	mm_put(mm->fork_src);
	for (size_t i = 0; i < mm->pmas.n; i++)
		free_pma(mm, &mm->pmas.v[i]);
	if (mm->as)
		mm->plat->ops->as_destroy(mm->as);
	vma_set_destroy(&mm->vmas);
	vma_set_destroy(&mm->pmas);
	files_gc(mm);
	free(mm->files);
	free(mm);
}

/*
 * may_expand_vm for RLIMIT_AS (mm->lock held): may [addr, addr+len) be
 * mapped, what it replaces not counted twice?
 */
uint64_t mm_vma_size(const struct mm *mm, const struct vma *v)
{
	/* The stack, mapped whole at exec, counts as Linux's would before
	 * it grows (setup_arg_pages: the arguments' pages and 128 KiB). */
	if ((v->flags & VMA_STACK) && mm->start_stack &&
	    v->end == mm->stack_top)
		return min_t(uint64_t, v->end - v->start,
			     mm->stack_top -
				 (mm->start_stack & ~(PAGE_SIZE - 1)) +
				 (128 << 10));
	return v->end - v->start;
}

static bool may_expand(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t total = 0, overlap = 0;

	if (mm->as_limit == ABI_RLIM_INFINITY)
		return true;
	for (size_t i = 0; i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t s = max_t(uint64_t, v->start, addr);
		uint64_t e = min_t(uint64_t, v->end, addr + len);

		total += mm_vma_size(mm, v);
		if (s < e)
			overlap += e - s;
	}
	return total - overlap + len <= mm->as_limit;
}

/* ---- internal helpers, mm->lock held ------------------------------------ */

/* Does [start, end) meet what the platform withholds (resv_lo/hi)? */
static bool hits_reserved(const struct mm *mm, uint64_t start, uint64_t end)
{
	return start < mm->resv_hi && mm->resv_lo < end;
}

/* Nothing mapped in [start, end), and the application may have it. */
static bool range_free(const struct mm *mm, uint64_t start, uint64_t end)
{
	return !hits_reserved(mm, start, end) &&
	       vma_range_free(&mm->vmas, start, end);
}

/* vma_find_gap, around what the platform withholds. */
static int64_t find_gap(const struct mm *mm, uint64_t len, uint64_t lo,
			uint64_t hi, bool topdown)
{
	int64_t at = vma_find_gap(&mm->vmas, len, lo, hi, topdown);
	int64_t below = -ENOMEM, above = -ENOMEM;

	if (at < 0 || !hits_reserved(mm, (uint64_t)at, (uint64_t)at + len))
		return at;
	if (mm->resv_lo > lo)
		below = vma_find_gap(&mm->vmas, len, lo,
				     min_t(uint64_t, hi, mm->resv_lo), topdown);
	if (mm->resv_hi < hi)
		above =
		    vma_find_gap(&mm->vmas, len,
				 max_t(uint64_t, lo, mm->resv_hi), hi, topdown);
	if (topdown)
		return above >= 0 ? above : below;
	return below >= 0 ? below : above;
}

/*
 * Remove [start, end) from VMAs and pmas, dropping the memory file's
 * pages; the platform is untouched.
 */
static int unmap_vmas(struct mm *mm, uint64_t start, uint64_t end)
{
	if (vma_set_reserve(&mm->vmas, 2) || vma_set_reserve(&mm->pmas, 2))
		return -ENOMEM;
	vma_remove(&mm->vmas, start, end, NULL, NULL);
	vma_remove(&mm->pmas, start, end, free_pma, mm);
	return 0;
}

/*
 * Memory-file offset for new anonymous memory at [addr, addr+len), which
 * no pma holds: continue a neighbour's range when possible (one that is
 * not COW, which keeps its own), so that the platform's mappings merge.
 */
static int64_t alloc_backing(struct mm *mm, uint64_t addr, uint64_t len)
{
	long below = addr ? vma_find(&mm->pmas, addr - 1) : -1;
	long above = vma_find(&mm->pmas, addr + len);

	if (below >= 0) {
		struct vma *p = &mm->pmas.v[below];

		if (p->end == addr && !(p->flags & VMA_COW) &&
		    memfile_alloc_at(mm->mf, pma_off(p, addr), len) == 0)
			return (int64_t)pma_off(p, addr);
	}
	if (above >= 0) {
		struct vma *p = &mm->pmas.v[above];

		if (p->start == addr + len && !(p->flags & VMA_COW) &&
		    p->off >= len &&
		    memfile_alloc_at(mm->mf, p->off - len, len) == 0)
			return (int64_t)(p->off - len);
	}
	return memfile_alloc(mm->mf, len);
}

/* Map fresh zeroed memory at [addr, addr+len), replacing what was there. */
static int map_anon(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot,
		    uint32_t flags)
{
	struct vma v, p;
	int64_t off;
	int err;

	/* Make room first: the bookkeeping cannot fail half-way after. */
	err = unmap_vmas(mm, addr, addr + len);
	if (!err &&
	    (vma_set_reserve(&mm->vmas, 1) || vma_set_reserve(&mm->pmas, 1)))
		err = -ENOMEM;
	if (err)
		return err;
	off = alloc_backing(mm, addr, len);
	if (off < 0)
		return (int)off;
	err = plat_map(mm, addr, len, (int)prot, (uint64_t)off);
	if (err) {
		memfile_free(mm->mf, (uint64_t)off, len);
		plat_unmap(mm, addr, len);
		return err == -EFAULT ? -ENOMEM : err;
	}
	/* vm_pgoff: the address for private memory, 0 for shared. */
	v = (struct vma){.start = addr,
			 .end = addr + len,
			 .prot = prot,
			 .flags = flags,
			 .off = flags & VMA_SHARED ? 0 : addr};
	p = (struct vma){
	    .start = addr, .end = addr + len, .off = (uint64_t)off};
	vma_insert(&mm->vmas, &v);
	vma_insert(&mm->pmas, &p);
	return 0;
}

/* Map inode's pages from file offset off at [addr, addr+len), shared. */
static int map_file(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot,
		    uint32_t flags, struct vfs_inode *inode, uint64_t off)
{
	struct vma v;
	long i;
	int err;

	err = unmap_vmas(mm, addr, addr + len);
	if (err)
		return err;
	v = (struct vma){.start = addr,
			 .end = addr + len,
			 .prot = prot,
			 .flags = flags | VMA_SHARED,
			 .off = off,
			 .file = mm_file_get(mm, inode)};
	if (!v.file)
		return -ENOMEM;
	err = vma_insert(&mm->vmas, &v);
	if (err)
		return err;
	i = vma_find(&mm->vmas, addr);
	err = file_populate(mm, &mm->vmas.v[i], addr, addr + len, true);
	if (err) {
		vma_remove(&mm->vmas, addr, addr + len, NULL, NULL);
		plat_unmap(mm, addr, len);
		return err == -EFAULT ? -ENOMEM : err;
	}
	return 0;
}

int mm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot,
		 uint32_t flags)
{
	int err;

	if (!page_aligned(addr) || !page_aligned(len) || len == 0 ||
	    addr >= mm->limit || len > mm->limit - addr)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	err = hits_reserved(mm, addr, addr + len)
		  ? -ENOMEM
		  : map_anon(mm, addr, len, prot, flags);
	files_gc(mm);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

static uint32_t vma_flags_from_map(uint64_t flags)
{
	uint32_t f = 0;

	if ((flags & ABI_MAP_TYPE) == ABI_MAP_SHARED ||
	    (flags & ABI_MAP_TYPE) == ABI_MAP_SHARED_VALIDATE)
		f |= VMA_SHARED;
	if (flags & ABI_MAP_GROWSDOWN)
		f |= VMA_GROWSDOWN;
	if (flags & ABI_MAP_NORESERVE)
		f |= VMA_NORESERVE;
	if (flags & ABI_MAP_LOCKED)
		f |= VMA_LOCKED;
	return f;
}

static void populate(struct mm *mm, uint64_t start, uint64_t end, bool locked,
		     bool anon);

static long do_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		    uint64_t flags, uint64_t off, struct vfs_inode *inode,
		    uint32_t vflags)
{
	uint32_t vprot =
	    prot & (ABI_PROT_READ | ABI_PROT_WRITE | ABI_PROT_EXEC);
	bool fixed = flags & (ABI_MAP_FIXED | ABI_MAP_FIXED_NOREPLACE);
	uint32_t lockf = 0;
	int64_t at;
	int err;

	/* The checks in do_mmap's order. */
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & ABI_MAP_ANONYMOUS) && !inode)
		return -ENODEV; /* file mappings: callers handle fds first */
	if (len == 0)
		return -EINVAL;
	if (page_up_overflows(len) || page_up(len) > mm->limit)
		return -ENOMEM;
	len = page_up(len);
	if (flags & ABI_MAP_HUGETLB)
		return -ENOMEM; /* no huge pages in the sandbox */
	switch (flags & ABI_MAP_TYPE) {
	case ABI_MAP_SHARED:
		if (flags & ABI_MAP_GROWSDOWN)
			return -EINVAL;
		break;
	case ABI_MAP_PRIVATE:
		break;
	default:
		return -EINVAL;
	}

	pthread_mutex_lock(&mm->lock);
	if (fixed) {
		if (!page_aligned(addr)) {
			err = -EINVAL;
			goto out;
		}
		if (addr > mm->limit || len > mm->limit - addr) {
			err = -ENOMEM;
			goto out;
		}
		if (addr < MMAP_MIN_ADDR) {
			err = -EPERM;
			goto out;
		}
		if (hits_reserved(mm, addr, addr + len)) {
			err = -ENOMEM;
			goto out;
		}
		if ((flags & ABI_MAP_FIXED_NOREPLACE) &&
		    !vma_range_free(&mm->vmas, addr, addr + len)) {
			err = -EEXIST;
			goto out;
		}
		at = (int64_t)addr;
	} else {
		at = -ENOMEM;
		addr = page_down(addr);
		if (addr >= MMAP_MIN_ADDR && addr < mm->limit &&
		    len <= mm->limit - addr && range_free(mm, addr, addr + len))
			at = (int64_t)addr;
		else if (flags & ABI_MAP_32BIT)
			at = find_gap(mm, len, 0x40000000UL, 0x80000000UL,
				      false);
		else
			at = find_gap(mm, len, MMAP_MIN_ADDR, mm->mmap_base,
				      true);
		if (at < 0 && !(flags & ABI_MAP_32BIT))
			at = find_gap(mm, len, MMAP_MIN_ADDR, mm->limit, true);
		if (at < 0) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (inode && off + len < off) {
		err = -EOVERFLOW;
		goto out;
	}
	if (!may_expand(mm, (uint64_t)at, len)) {
		err = -ENOMEM;
		goto out;
	}
	if (inode)
		err =
		    map_file(mm, (uint64_t)at, len, vprot,
			     vma_flags_from_map(flags) | vflags | mm->def_flags,
			     inode, off);
	else
		err = map_anon(mm, (uint64_t)at, len, vprot,
			       vma_flags_from_map(flags) | mm->def_flags);
	files_gc(mm);
	lockf = (vma_flags_from_map(flags) | mm->def_flags) &
		(VMA_LOCKED | VMA_LOCKONFAULT);
out:
	pthread_mutex_unlock(&mm->lock);
	/* MAP_POPULATE and mlock'ed memory fault in at once, as Linux's. */
	if (!err && ((flags & (ABI_MAP_POPULATE | ABI_MAP_NONBLOCK)) ==
			 ABI_MAP_POPULATE ||
		     lockf == VMA_LOCKED))
		populate(mm, (uint64_t)at, (uint64_t)at + len, false,
			 prot & ABI_PROT_WRITE);
	return err ? err : at;
}

long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
	     uint64_t flags, uint64_t off)
{
	return do_mmap(mm, addr, len, prot, flags, off, NULL, 0);
}

long mm_mmap_file(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		  uint64_t flags, struct vfs_inode *inode, uint64_t off,
		  bool maywrite)
{
	if (!inode->ops->map_pages)
		return -ENODEV;
	/* MAP_SHARED_VALIDATE: the flags were validated by the caller. */
	flags &= ~(uint64_t)(ABI_MAP_ANONYMOUS | ABI_MAP_TYPE);
	return do_mmap(mm, addr, len, prot, flags | ABI_MAP_SHARED, off, inode,
		       maywrite ? VMA_MAYWRITE : 0);
}

void mm_file_set_path(struct mm *mm, struct vfs_inode *inode,
		      const struct vfs_path *path)
{
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nfiles; i++)
		if (mm->files[i]->inode == inode && !mm->files[i]->path.mnt &&
		    path->mnt) {
			mm->files[i]->path = *path;
			vfs_path_get(path);
		}
	pthread_mutex_unlock(&mm->lock);
}

int mm_restore_file_vma(struct mm *mm, struct vma *v, struct vfs_inode *inode,
			const struct vfs_path *path)
{
	struct mm_file *f = mm_file_get(mm, inode);

	if (!f)
		return -ENOMEM;
	if (!f->path.mnt && path->mnt) {
		f->path = *path;
		vfs_path_get(path);
	}
	v->file = f;
	if (vma_set_reserve(&mm->vmas, 1))
		return -ENOMEM;
	mm->vmas.v[mm->vmas.n++] = *v;
	return 0;
}

/* munmap with mm->lock held: do_vmi_munmap's checks, then the unmapping. */
static int munmap_locked(struct mm *mm, uint64_t addr, uint64_t len)
{
	int err;

	if (!page_aligned(addr) || page_up_overflows(len))
		return -EINVAL;
	len = page_up(len);
	if (addr > ABI_TASK_SIZE || len > ABI_TASK_SIZE - addr)
		return -EINVAL;
	if (len == 0 || addr >= mm->limit)
		return 0;
	if (len > mm->limit - addr)
		len = mm->limit - addr;
	err = unmap_vmas(mm, addr, addr + len);
	if (!err)
		err = plat_unmap(mm, addr, len);
	files_gc(mm);
	return err;
}

long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	int err;

	if (len == 0)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	err = munmap_locked(mm, addr, len);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/* The end of the mapped run of VMAs that starts at addr (addr if none). */
static uint64_t mapped_run_end(struct mm *mm, uint64_t addr, uint64_t end)
{
	for (size_t i = vma_lower_bound(&mm->vmas, addr);
	     i < mm->vmas.n && mm->vmas.v[i].start <= addr && addr < end; i++)
		addr = mm->vmas.v[i].end;
	return min_t(uint64_t, addr, end);
}

/*
 * mprotect, checks in do_mprotect_pkey's order: the protection's bits only
 * after the length. Over a hole, the part before it changes, then ENOMEM.
 */
long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot)
{
	uint64_t grows = prot & (ABI_PROT_GROWSDOWN | ABI_PROT_GROWSUP);
	uint64_t end, run;
	uint32_t vprot;
	size_t i;
	int err;

	prot &= ~grows;
	if (grows == (ABI_PROT_GROWSDOWN | ABI_PROT_GROWSUP))
		return -EINVAL;
	if (!page_aligned(addr))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (page_up_overflows(len))
		return -ENOMEM;
	len = page_up(len);
	end = addr + len;
	if (end <= addr)
		return -ENOMEM;
	if (prot & ~(uint64_t)(ABI_PROT_READ | ABI_PROT_WRITE | ABI_PROT_EXEC |
			       0x8 /* PROT_SEM */))
		return -EINVAL;
	vprot = prot & (ABI_PROT_READ | ABI_PROT_WRITE | ABI_PROT_EXEC);

	pthread_mutex_lock(&mm->lock);
	/* The first VMA meeting [addr, end). */
	i = vma_lower_bound(&mm->vmas, addr);
	err = -ENOMEM;
	if (i >= mm->vmas.n || mm->vmas.v[i].start >= end)
		goto out;
	if (grows & ABI_PROT_GROWSDOWN) {
		addr = mm->vmas.v[i].start;
		err = -EINVAL;
		if (!(mm->vmas.v[i].flags & VMA_GROWSDOWN))
			goto out;
	} else {
		if (mm->vmas.v[i].start > addr)
			goto out;
		err = -EINVAL; /* no VM_GROWSUP on x86 */
		if (grows & ABI_PROT_GROWSUP)
			goto out;
	}
	run = end > mm->limit ? mm->limit : end;
	run = mapped_run_end(mm, addr, run);
	/* A file opened read-only stays so through its shared mappings. */
	err = 0;
	for (size_t j = i; j < mm->vmas.n && mm->vmas.v[j].start < run; j++)
		if ((vprot & ABI_PROT_WRITE) && mm->vmas.v[j].file &&
		    !(mm->vmas.v[j].flags & VMA_MAYWRITE))
			err = -EACCES;
	if (!err)
		err = vma_protect(&mm->vmas, addr, run, vprot);
	/*
	 * Anonymous memory: one call per run of pmas mapped alike (COW pages
	 * stay without PROT_WRITE); shared file pages, mapped a run at a
	 * time with holes where the file ends, are mapped again.
	 */
	for (i = vma_lower_bound(&mm->vmas, addr); !err && addr < run; i++) {
		struct vma *v = &mm->vmas.v[i];
		uint64_t e = min_t(uint64_t, v->end, run);

		if (v->file)
			err = file_populate(mm, v, addr, e, false);
		else
			err = anon_protect(mm, v->prot, addr, e);
		addr = e;
	}
	if (!err && run < end)
		err = -ENOMEM;
out:
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/*
 * move_vma for a shared file mapping: the new range maps the same file
 * pages. Deviation: MREMAP_DONTUNMAP is EINVAL for it.
 */
static long move_file_vma(struct mm *mm, size_t vi, uint64_t addr,
			  uint64_t old_len, uint64_t new_addr, uint64_t new_len,
			  bool dontunmap)
{
	struct vma moved = mm->vmas.v[vi];
	int err;

	if (dontunmap)
		return -EINVAL;
	moved.off += addr - moved.start;
	moved.start = new_addr;
	moved.end = new_addr + new_len;
	err = unmap_vmas(mm, new_addr, new_addr + new_len);
	if (!err)
		err = vma_remove(&mm->vmas, addr, addr + old_len, NULL, NULL);
	if (!err)
		err = vma_insert(&mm->vmas, &moved);
	if (err)
		return -ENOMEM;
	plat_unmap(mm, addr, old_len);
	vi = (size_t)vma_find(&mm->vmas, new_addr);
	err = file_populate(mm, &mm->vmas.v[vi], new_addr, new_addr + new_len,
			    true);
	return err ? err : (long)new_addr;
}

struct pma_list {
	struct vma *v;
	size_t n;
};

static int collect_pma(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
		       void *arg)
{
	struct pma_list *l = arg;

	(void)mm;
	l->v[l->n++] = (struct vma){
	    .start = s, .end = e, .off = pma_off(p, s), .flags = p->flags};
	return 0;
}

static int count_pma(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
		     void *arg)
{
	(void)mm, (void)p, (void)s, (void)e;
	++*(size_t *)arg;
	return 0;
}

/*
 * Move [addr, addr+old_len) (one VMA) to new_addr, growing to new_len.
 * Anonymous memory takes its pages along, COW ones still COW; a grown
 * tail is fresh memory.
 */
static long move_vma(struct mm *mm, size_t vi, uint64_t addr, uint64_t old_len,
		     uint64_t new_addr, uint64_t new_len, bool dontunmap)
{
	struct vma old = mm->vmas.v[vi], moved, tail;
	uint64_t grow = new_len - old_len, delta = new_addr - addr;
	struct pma_list l = {NULL, 0};
	int64_t tail_off = -1;
	size_t n = 0;
	int err = -ENOMEM;

	if (old.file)
		return move_file_vma(mm, vi, addr, old_len, new_addr, new_len,
				     dontunmap);
	moved = (struct vma){.start = new_addr,
			     .end = new_addr + new_len,
			     .prot = old.prot,
			     .flags = old.flags,
			     .off = old.off + (addr - old.start)};
	/* Everything that can fail, first. */
	pma_each(mm, addr, addr + old_len, count_pma, &n);
	l.v = malloc(n * sizeof(*l.v));
	if (!l.v)
		goto fail;
	pma_each(mm, addr, addr + old_len, collect_pma, &l);
	if (grow) {
		const struct vma *last = &l.v[l.n - 1];

		/* After the last page if it is free, as the mapping was. */
		tail_off = (int64_t)pma_off(last, last->end);
		if ((last->flags & VMA_COW) ||
		    memfile_alloc_at(mm->mf, (uint64_t)tail_off, grow))
			tail_off = memfile_alloc(mm->mf, grow);
		if (tail_off < 0)
			goto fail;
	}
	if (vma_set_reserve(&mm->vmas, 4) ||
	    vma_set_reserve(&mm->pmas, l.n + 5))
		goto fail;
	unmap_vmas(mm, new_addr, new_addr + new_len);
	err = 0;
	for (size_t k = 0; !err && k < l.n; k++)
		err = plat_map(mm, l.v[k].start + delta,
			       l.v[k].end - l.v[k].start,
			       pma_prot(old.prot, &l.v[k]), l.v[k].off);
	if (!err && grow)
		err = plat_map(mm, new_addr + old_len, grow, (int)old.prot,
			       (uint64_t)tail_off);
	if (err) {
		plat_unmap(mm, new_addr, new_len);
		err = -ENOMEM;
		goto fail;
	}
	/* The pages leave the old range without losing a reference. */
	vma_remove(&mm->pmas, addr, addr + old_len, NULL, NULL);
	for (size_t k = 0; k < l.n; k++) {
		l.v[k].start += delta;
		l.v[k].end += delta;
		vma_insert(&mm->pmas, &l.v[k]);
	}
	if (grow) {
		tail = (struct vma){.start = new_addr + old_len,
				    .end = new_addr + new_len,
				    .off = (uint64_t)tail_off};
		vma_insert(&mm->pmas, &tail);
	}
	vma_remove(&mm->vmas, addr, addr + old_len, NULL, NULL);
	vma_insert(&mm->vmas, &moved);
	free(l.v);
	if (dontunmap) {
		/* The old range stays, as fresh zero pages. */
		err = map_anon(mm, addr, old_len, old.prot, old.flags);
		if (err)
			plat_unmap(mm, addr, old_len);
	} else {
		plat_unmap(mm, addr, old_len);
	}
	return (long)new_addr;
fail:
	log_warn_once("mremap: out of memory while moving a mapping");
	free(l.v);
	if (tail_off >= 0)
		memfile_free(mm->mf, (uint64_t)tail_off, grow);
	return err;
}

/*
 * mremap, checks in check_mremap_params' order. Shrinking unmaps the tail
 * as munmap would, across VMAs and holes; moving or growing needs the old
 * range inside one VMA.
 */
long mm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
	       uint64_t flags, uint64_t new_addr)
{
	bool maymove = flags & ABI_MREMAP_MAYMOVE;
	bool fixed = flags & ABI_MREMAP_FIXED;
	bool dontunmap = flags & ABI_MREMAP_DONTUNMAP;
	long vi, ret;
	struct vma *v;

	if (flags & ~(uint64_t)(ABI_MREMAP_MAYMOVE | ABI_MREMAP_FIXED |
				ABI_MREMAP_DONTUNMAP))
		return -EINVAL;
	if (!page_aligned(addr))
		return -EINVAL;
	/* PAGE_ALIGN: an old length that overflows is 0. */
	old_len = page_up_overflows(old_len) ? 0 : page_up(old_len);
	if (page_up_overflows(new_len))
		return -EINVAL;
	new_len = page_up(new_len);
	if (new_len == 0 || new_len > ABI_TASK_SIZE)
		return -EINVAL;
	if (fixed && (new_addr > ABI_TASK_SIZE - new_len ||
		      !page_aligned(new_addr) || !maymove))
		return -EINVAL;
	if (dontunmap && (!maymove || old_len != new_len))
		return -EINVAL;
	if (fixed && new_addr < addr + old_len && addr < new_addr + new_len)
		return -EINVAL;

	pthread_mutex_lock(&mm->lock);
	vi = vma_find(&mm->vmas, addr);
	if (vi < 0) {
		ret = -EFAULT;
		goto out;
	}
	if (old_len == 0) {
		/* Duplicating a mapping needs a shared one. */
		ret = -EINVAL;
		goto out;
	}
	if (fixed) {
		if (new_addr >= mm->limit || new_len > mm->limit - new_addr) {
			ret = -EINVAL;
			goto out;
		}
		if (hits_reserved(mm, new_addr, new_addr + new_len)) {
			ret = -ENOMEM;
			goto out;
		}
		if (old_len > new_len) {
			ret = munmap_locked(mm, addr + new_len,
					    old_len - new_len);
			if (ret)
				goto out;
			old_len = new_len;
			vi = vma_find(&mm->vmas, addr);
		}
		if (old_len > mm->vmas.v[vi].end - addr) {
			ret = -EFAULT;
			goto out;
		}
		ret = move_vma(mm, (size_t)vi, addr, old_len, new_addr, new_len,
			       dontunmap);
		goto out;
	}
	if (old_len >= new_len && !dontunmap) {
		ret = old_len > new_len
			  ? munmap_locked(mm, addr + new_len, old_len - new_len)
			  : 0;
		if (!ret)
			ret = (long)addr;
		goto out;
	}
	v = &mm->vmas.v[vi];
	if (old_len > v->end - addr) {
		ret = -EFAULT;
		goto out;
	}
	if (new_len > old_len && !may_expand(mm, 0, new_len - old_len)) {
		ret = -ENOMEM;
		goto out;
	}
	/* Grow in place if the VMA ends here and the space after is free. */
	if (!(flags & ABI_MREMAP_DONTUNMAP) && addr + old_len == v->end &&
	    new_len - old_len <= mm->limit - v->end &&
	    range_free(mm, v->end, addr + new_len) && v->file) {
		uint64_t old_end = v->end;

		v->end = addr + new_len;
		ret = file_populate(mm, v, old_end, v->end, true);
		if (ret)
			v->end = old_end;
		ret = ret ? ret : (long)addr;
		goto out;
	}
	if (!(flags & ABI_MREMAP_DONTUNMAP) && addr + old_len == v->end &&
	    new_len - old_len <= mm->limit - v->end &&
	    range_free(mm, v->end, addr + new_len)) {
		uint64_t grow = new_len - old_len;
		struct vma tail = {.start = v->end, .end = v->end + grow};
		int64_t off;

		/* The VMA grows; fresh pages back the new part. */
		ret = -ENOMEM;
		if (vma_set_reserve(&mm->pmas, 1))
			goto out;
		off = alloc_backing(mm, tail.start, grow);
		if (off < 0)
			goto out;
		ret =
		    plat_map(mm, tail.start, grow, (int)v->prot, (uint64_t)off);
		if (ret) {
			memfile_free(mm->mf, (uint64_t)off, grow);
			goto out;
		}
		tail.off = (uint64_t)off;
		vma_insert(&mm->pmas, &tail);
		v->end += grow;
		ret = (long)addr;
		goto out;
	}
	if (!maymove) {
		ret = -ENOMEM;
		goto out;
	}
	{
		int64_t at =
		    find_gap(mm, new_len, MMAP_MIN_ADDR, mm->mmap_base, true);

		if (at < 0)
			at = find_gap(mm, new_len, MMAP_MIN_ADDR, mm->limit,
				      true);
		if (at < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ret = move_vma(mm, (size_t)vi, addr, old_len, (uint64_t)at,
			       new_len, flags & ABI_MREMAP_DONTUNMAP);
	}
out:
	files_gc(mm);
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

static int zero_piece(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
		      void *arg)
{
	(void)arg;
	memfile_zero(mm->mf, pma_off(p, s), e - s);
	return 0;
}

/*
 * MADV_DONTNEED of private memory: its pages read zero again. Those that
 * are mm's alone are dropped in place; shared ones are let go, fresh
 * pages taking their place.
 */
static int dontneed_piece(struct mm *mm, struct vma *p, uint64_t s, uint64_t e,
			  void *arg)
{
	const struct vma *v = arg;
	int64_t fresh;
	int err;

	if (!memfile_shared(mm->mf, pma_off(p, s), e - s))
		return zero_piece(mm, p, s, e, NULL);
	if (vma_set_reserve(&mm->pmas, 3))
		return -ENOMEM;
	fresh = memfile_alloc(mm->mf, e - s);
	if (fresh < 0)
		return -ENOMEM;
	err = plat_map(mm, s, e - s, (int)v->prot, (uint64_t)fresh);
	if (err) {
		memfile_free(mm->mf, (uint64_t)fresh, e - s);
		return err;
	}
	pma_replace(mm, s, e, (uint64_t)fresh);
	return 0;
}

long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	uint64_t start = addr, end;
	long ret = 0;

	if (!page_aligned(addr))
		return -EINVAL;
	switch (advice) {
	case ABI_MADV_NORMAL:
	case ABI_MADV_RANDOM:
	case ABI_MADV_SEQUENTIAL:
	case ABI_MADV_WILLNEED:
	case ABI_MADV_DONTNEED:
	case ABI_MADV_FREE:
	case ABI_MADV_REMOVE:
	case ABI_MADV_DONTFORK:
	case ABI_MADV_DOFORK:
	case ABI_MADV_MERGEABLE:
	case ABI_MADV_UNMERGEABLE:
	case ABI_MADV_HUGEPAGE:
	case ABI_MADV_NOHUGEPAGE:
	case ABI_MADV_DONTDUMP:
	case ABI_MADV_DODUMP:
	case ABI_MADV_WIPEONFORK:
	case ABI_MADV_KEEPONFORK:
	case ABI_MADV_COLD:
	case ABI_MADV_PAGEOUT:
	case ABI_MADV_POPULATE_READ:
	case ABI_MADV_POPULATE_WRITE:
	case ABI_MADV_DONTNEED_LOCKED:
	case ABI_MADV_COLLAPSE:
		break;
	default:
		return -EINVAL;
	}
	if (page_up_overflows(len))
		return -EINVAL;
	len = page_up(len);
	end = addr + len;
	if (end < addr)
		return -EINVAL;
	if (len == 0)
		return 0;

	/*
	 * Every VMA in the range takes the advice; a hole anywhere makes it
	 * ENOMEM in the end (madvise_walk_vmas).
	 */
	pthread_mutex_lock(&mm->lock);
	for (size_t i = vma_lower_bound(&mm->vmas, addr);; i++) {
		struct vma *v;
		uint64_t s, e;
		bool shared;

		if (i >= mm->vmas.n || mm->vmas.v[i].start >= end) {
			if (addr < end)
				ret = -ENOMEM;
			break;
		}
		v = &mm->vmas.v[i];
		if (v->start > addr)
			ret = -ENOMEM;
		s = max_t(uint64_t, v->start, addr);
		e = min_t(uint64_t, v->end, end);
		shared = v->flags & VMA_SHARED;
		addr = e;

		switch (advice) {
		case ABI_MADV_DONTNEED:
		case ABI_MADV_DONTNEED_LOCKED:
		case ABI_MADV_FREE:
			if (advice == ABI_MADV_DONTNEED &&
			    (v->flags & VMA_LOCKED)) {
				ret = -EINVAL;
				goto out;
			}
			/* Shared memory keeps its contents; private drops. */
			if (shared)
				break;
			if (pma_each(mm, s, e, dontneed_piece, v)) {
				ret = -ENOMEM;
				goto out;
			}
			break;
		case ABI_MADV_REMOVE:
			if (!shared) {
				ret = -EINVAL;
				goto out;
			}
			/* Deviation: no hole punching through a mapping. */
			if (v->file) {
				ret = -EOPNOTSUPP;
				goto out;
			}
			pma_each(mm, s, e, zero_piece, NULL);
			break;
		case ABI_MADV_WIPEONFORK:
		case ABI_MADV_KEEPONFORK:
			if (shared || v->file) {
				ret = -EINVAL;
				goto out;
			}
			if (vma_set_flags(&mm->vmas, s, e, VMA_WIPEONFORK,
					  advice == ABI_MADV_WIPEONFORK
					      ? VMA_WIPEONFORK
					      : 0)) {
				ret = -ENOMEM;
				goto out;
			}
			i = vma_lower_bound(&mm->vmas, e - 1);
			break;
		case ABI_MADV_DONTFORK:
		case ABI_MADV_DOFORK:
			if (vma_set_flags(&mm->vmas, s, e, VMA_DONTFORK,
					  advice == ABI_MADV_DONTFORK
					      ? VMA_DONTFORK
					      : 0)) {
				ret = -ENOMEM;
				goto out;
			}
			i = vma_lower_bound(&mm->vmas, e - 1);
			break;
		case ABI_MADV_POPULATE_READ:
		case ABI_MADV_POPULATE_WRITE:
			if (v->prot == ABI_PROT_NONE ||
			    (advice == ABI_MADV_POPULATE_WRITE &&
			     !(v->prot & ABI_PROT_WRITE))) {
				ret = -ENOMEM;
				goto out;
			}
			break;
		default:
			break;
		}
	}
out:
	pthread_mutex_unlock(&mm->lock);
	if (!ret && (advice == ABI_MADV_POPULATE_READ ||
		     advice == ABI_MADV_POPULATE_WRITE))
		populate(mm, start, end, false,
			 advice == ABI_MADV_POPULATE_WRITE);
	return ret;
}

long mm_brk(struct mm *mm, uint64_t addr)
{
	uint64_t newbrk, oldbrk;
	long ret;

	pthread_mutex_lock(&mm->lock);
	ret = (long)mm->brk;
	if (addr < mm->start_brk || addr >= mm->limit)
		goto out;
	if (addr - mm->start_brk > mm->data_limit)
		goto out;
	newbrk = page_up(addr);
	oldbrk = page_up(mm->brk);
	if (newbrk == oldbrk) {
		mm->brk = addr;
		ret = (long)addr;
		goto out;
	}
	if (newbrk < oldbrk) {
		if (unmap_vmas(mm, newbrk, oldbrk) == 0 &&
		    plat_unmap(mm, newbrk, oldbrk - newbrk) == 0) {
			mm->brk = addr;
			ret = (long)addr;
		}
		files_gc(mm);
		goto out;
	}
	/* Growing needs the range free, with a guard page above it. */
	if (newbrk + PAGE_SIZE > mm->limit ||
	    !range_free(mm, oldbrk, newbrk + PAGE_SIZE) ||
	    !may_expand(mm, oldbrk, newbrk - oldbrk))
		goto out;
	if (map_anon(mm, oldbrk, newbrk - oldbrk,
		     ABI_PROT_READ | ABI_PROT_WRITE, VMA_HEAP) == 0) {
		mm->brk = addr;
		ret = (long)addr;
	}
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/* ---- copying ------------------------------------------------------------- */

static bool can_access(const struct vma *v, int access)
{
	if (access & ABI_PROT_WRITE)
		return v->prot & ABI_PROT_WRITE;
	/* x86 has no execute-only pages: exec implies read. */
	return v->prot & (ABI_PROT_READ | ABI_PROT_EXEC | ABI_PROT_WRITE);
}

/*
 * Walk [addr, addr+len) calling fn on each accessible piece of memory-file
 * bytes. force ignores protection (the loader). Returns 0 or -EFAULT.
 */
static int walk(struct mm *mm, uint64_t addr, size_t len, int access,
		bool force,
		int (*fn)(void *arg, uint8_t *p, size_t n, size_t done),
		void *arg)
{
	size_t done = 0;
	size_t i;

	if (len == 0)
		return 0;
	if (addr + len < addr || addr + len > mm->limit)
		return -EFAULT;
	i = vma_lower_bound(&mm->vmas, addr);
	while (done < len) {
		struct vma *v;
		uint64_t at = addr + done;
		uint8_t *p;
		size_t n;
		int err;

		if (i >= mm->vmas.n)
			return -EFAULT;
		v = &mm->vmas.v[i];
		if (v->start > at || (!force && !can_access(v, access)))
			return -EFAULT;
		if ((access & ABI_PROT_WRITE) && !v->file) {
			err = cow_range(
			    mm, v, at,
			    at + min_t(uint64_t, len - done, v->end - at));
			if (err)
				return err == -ENOMEM ? -EFAULT : err;
		}
		err = vma_bytes(mm, v, at, len - done, &p, &n);
		if (!err)
			err = fn(arg, p, n, done);
		if (err)
			return err;
		done += n;
		if (at + n == v->end)
			i++;
	}
	return 0;
}

static int copy_in_fn(void *arg, uint8_t *p, size_t n, size_t done)
{
	memcpy((uint8_t *)arg + done, p, n);
	return 0;
}

static int copy_out_fn(void *arg, uint8_t *p, size_t n, size_t done)
{
	memcpy(p, (const uint8_t *)arg + done, n);
	return 0;
}

int mm_copy_in(struct mm *mm, void *dst, uint64_t src, size_t len)
{
	int err;

	pthread_mutex_lock(&mm->lock);
	err = walk(mm, src, len, ABI_PROT_READ, false, copy_in_fn, dst);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_copy_out(struct mm *mm, uint64_t dst, const void *src, size_t len)
{
	int err;

	pthread_mutex_lock(&mm->lock);
	err =
	    walk(mm, dst, len, ABI_PROT_WRITE, false, copy_out_fn, (void *)src);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_poke(struct mm *mm, uint64_t addr, const void *src, size_t len)
{
	int err;

	pthread_mutex_lock(&mm->lock);
	err =
	    walk(mm, addr, len, ABI_PROT_WRITE, true, copy_out_fn, (void *)src);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/* ---- the platform's requests (struct platform_mm_ops) ------------------- */

struct patch_arg {
	uint64_t off;	    /* of the changed bytes in the 16-byte block */
	const uint8_t *new; /* the changed bytes */
	size_t n;
	bool done;
};

/* Replace the 16-byte block at p (aligned) as one locked cmpxchg16b. */
static int patch_fn(void *arg, uint8_t *p, size_t n, size_t done)
{
	struct patch_arg *pa = arg;
	uint64_t old[2], new[2];
	bool ok;

	(void)done;
	if (n != 16)
		return -EFAULT;
	memcpy(old, p, 16);
	memcpy(new, old, 16);
	memcpy((uint8_t *)new + pa->off, pa->new, pa->n);
	__asm__ volatile("lock cmpxchg16b %1"
			 : "=@ccz"(ok), "+m"(*(volatile uint64_t(*)[2])p),
			   "+a"(old[0]), "+d"(old[1])
			 : "b"(new[0]), "c"(new[1])
			 : "memory");
	pa->done = ok;
	return 0;
}

/*
 * patch_code (platform.h). The page cannot change under mm->lock: the
 * application cannot write it without an mprotect, which takes the lock.
 */
static int mm_patch_code(void *arg, uint64_t addr, const uint8_t *old,
			 const uint8_t *new, size_t len)
{
	struct mm *mm = arg;
	struct patch_arg pa = {0};
	uint8_t cur[16];
	size_t first = len, last = 0;
	uint64_t block;
	const struct vma *v;
	long i;
	int err;

	if (len == 0 || len > 16 || addr + len < addr || addr >= mm->limit ||
	    page_down(addr) != page_down(addr + len - 1))
		return -EINVAL;
	for (size_t k = 0; k < len; k++)
		if (old[k] != new[k]) {
			first = k < first ? k : first;
			last = k;
		}
	if (first == len)
		return 0;
	block = (addr + first) & ~15UL;
	if (((addr + last) & ~15UL) != block)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	i = vma_find(&mm->vmas, addr);
	v = i < 0 ? NULL : &mm->vmas.v[i];
	if (!v) {
		err = -EFAULT;
		goto out;
	}
	if (v->file || (v->flags & VMA_SHARED) || !(v->prot & ABI_PROT_EXEC) ||
	    (v->prot & ABI_PROT_WRITE) || v->end < addr + len) {
		err = -EPERM;
		goto out;
	}
	err = walk(mm, addr, len, ABI_PROT_READ, true, copy_in_fn, cur);
	if (!err && memcmp(cur, old, len) != 0)
		err = -EAGAIN;
	if (err)
		goto out;
	pa.off = addr + first - block;
	pa.new = new + first;
	pa.n = last - first + 1;
	/* Written as the sentry writes: a shared page is copied first. */
	err = walk(mm, block, 16, ABI_PROT_WRITE, true, patch_fn, &pa);
	if (!err && !pa.done)
		err = -EAGAIN;
out:
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/* reserve (platform.h). */
static int mm_reserve(void *arg, uint64_t start, uint64_t end)
{
	struct mm *mm = arg;
	int err = 0;

	pthread_mutex_lock(&mm->lock);
	if (mm->resv_lo == start && mm->resv_hi == end)
		err = 0;
	else if (mm->resv_lo != mm->resv_hi || start >= end ||
		 end > mm->limit || !vma_range_free(&mm->vmas, start, end))
		err = -EEXIST;
	else {
		mm->resv_lo = start;
		mm->resv_hi = end;
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

static const struct platform_mm_ops mm_platform_ops = {
    .patch_code = mm_patch_code,
    .reserve = mm_reserve,
};

#define FILL_BUF_SIZE (64 * 1024)

struct fill_arg {
	struct mm *mm;
	int fd;
	uint64_t off;
	uint8_t *buf; /* bounce buffer, for files sendfile cannot read */
};

/* The slow way: pread and pwrite through a bounce buffer. */
static int fill_bounce(struct fill_arg *fa, uint64_t dst, uint64_t src,
		       size_t n)
{
	if (!fa->buf)
		fa->buf = malloc(FILL_BUF_SIZE);
	if (!fa->buf)
		return -ENOMEM;
	while (n > 0) {
		size_t chunk = min_t(size_t, n, FILL_BUF_SIZE);
		ssize_t r = pread(fa->fd, fa->buf, chunk, (off_t)src);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* file shorter than its headers say */
		for (ssize_t w = 0; w < r;) {
			ssize_t k = pwrite(fa->mm->mf->fd, fa->buf + w,
					   (size_t)(r - w), (off_t)(dst + w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : -EIO;
			w += k;
		}
		src += (uint64_t)r;
		dst += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Fill a piece of the memory file from the fd. sendfile copies page cache to
 * the memfd in the kernel, once: 4x faster than pread and pwrite for
 * busybox's 1.9 MB (0.3 against 1.2 ms), and reading straight into the
 * sentry's mapping would fault in every page and count them in the sentry's
 * RSS. copy_file_range cannot cross filesystems (EXDEV). sendfile writes at
 * the memfd's file offset, which nothing else uses: the memfile's seek_lock
 * serialises the seek and the copy.
 */
static int fill_fn(void *arg, uint8_t *p, size_t n, size_t done)
{
	struct fill_arg *fa = arg;
	struct memfile *mf = fa->mm->mf;
	uint64_t dst = (uint64_t)(p - mf->base);
	off_t src = (off_t)(fa->off + done);
	int err = 0;

	pthread_mutex_lock(&mf->seek_lock);
	if (lseek(mf->fd, (off_t)dst, SEEK_SET) < 0)
		err = -errno;
	while (!err && n > 0) {
		ssize_t r = sendfile(mf->fd, fa->fd, &src, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EINVAL || errno == ENOSYS) &&
		    src == (off_t)(fa->off + done)) {
			/* This file cannot be sent from: bounce it all. */
			pthread_mutex_unlock(&mf->seek_lock);
			return fill_bounce(fa, dst, (uint64_t)src, n);
		}
		if (r < 0)
			err = -errno;
		else if (r == 0)
			err = -EIO; /* file shorter than its headers say */
		else
			n -= (size_t)r;
	}
	pthread_mutex_unlock(&mf->seek_lock);
	return err;
}

int mm_fill_from_fd(struct mm *mm, uint64_t addr, int fd, uint64_t off,
		    size_t len)
{
	struct fill_arg fa = {mm, fd, off, NULL};
	int err;

	pthread_mutex_lock(&mm->lock);
	err = walk(mm, addr, len, ABI_PROT_WRITE, true, fill_fn, &fa);
	pthread_mutex_unlock(&mm->lock);
	free(fa.buf);
	return err;
}

int mm_fill_from_file(struct mm *mm, uint64_t addr, struct file *f,
		      uint64_t off, size_t len)
{
	size_t chunk = 64 * 1024;
	uint8_t *buf = malloc(chunk);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t done = 0; !err && done < len;) {
		size_t n = len - done < chunk ? len - done : chunk;
		ssize_t r = f->ops->kread(f, buf, n, (int64_t)(off + done));

		if (r < 0) {
			err = (int)r;
		} else if (r == 0) {
			break; /* the file shrank: the rest stays zero */
		} else {
			err = mm_poke(mm, addr + done, buf, (size_t)r);
			done += (size_t)r;
		}
	}
	free(buf);
	return err;
}

long mm_copy_string_in(struct mm *mm, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	long ret = -ENAMETOOLONG;

	pthread_mutex_lock(&mm->lock);
	while (done < max) {
		long i = vma_find(&mm->vmas, src + done);
		struct vma *v;
		uint8_t *p;
		const uint8_t *nul;
		size_t n;

		if (i < 0 || src + done < src) {
			ret = -EFAULT;
			break;
		}
		v = &mm->vmas.v[i];
		if (!can_access(v, ABI_PROT_READ)) {
			ret = -EFAULT;
			break;
		}
		if (vma_bytes(mm, v, src + done, max - done, &p, &n)) {
			ret = -EFAULT;
			break;
		}
		nul = memchr(p, 0, n);
		if (nul) {
			n = (size_t)(nul - p);
			memcpy(dst + done, p, n + 1);
			ret = (long)(done + n);
			break;
		}
		memcpy(dst + done, p, n);
		done += n;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

int mm_iovecs(struct mm *mm, uint64_t addr, size_t len, int access,
	      struct iovec *iov, int max_iov, size_t *covered)
{
	size_t done = 0;
	int n = 0;

	*covered = 0;
	if (len == 0)
		return 0;
	pthread_mutex_lock(&mm->lock);
	while (done < len && n < max_iov) {
		uint64_t at = addr + done;
		long i =
		    at < addr || at >= mm->limit ? -1 : vma_find(&mm->vmas, at);
		struct vma *v;
		uint8_t *p;
		size_t chunk;

		if (i < 0 || !can_access(&mm->vmas.v[i], access))
			break;
		v = &mm->vmas.v[i];
		if ((access & ABI_PROT_WRITE) && !v->file &&
		    cow_range(mm, v, at,
			      at + min_t(uint64_t, len - done, v->end - at)))
			break;
		if (vma_bytes(mm, v, at, len - done, &p, &chunk))
			break;
		iov[n].iov_base = p;
		iov[n].iov_len = chunk;
		n++;
		done += chunk;
	}
	pthread_mutex_unlock(&mm->lock);
	*covered = done;
	return n == 0 ? -EFAULT : n;
}

/* ---- faults -------------------------------------------------------------- */

/*
 * A fault in a shared file mapping maps the pages around it too, as
 * Linux's do_fault_around: the aligned window of FAULT_AROUND pages that
 * holds the faulting page, within its VMA and the file's size, for a
 * page cache of a host file (tmpfs pages one at a time). 256 KiB,
 * where Linux takes 64 KiB: each fault costs a platform round trip (a
 * page at a time, a 64 MiB file took 6.7 s to touch; 64 KiB windows
 * 2.0 s, 256 KiB 1.5 s; natively 0.7 s).
 */
#define FAULT_AROUND 64

int mm_fault(struct mm *mm, uint64_t addr, uint64_t *gen)
{
	const uint64_t window = FAULT_AROUND * PAGE_SIZE;
	uint64_t pg = addr & ~(PAGE_SIZE - 1), idx, tgen, start, end;
	uint64_t moffs[FAULT_AROUND];
	struct vfs_inode *inode;
	size_t n, at;
	struct vma *v;
	long i;
	int err;

	pthread_mutex_lock(&mm->lock);
	i = vma_find(&mm->vmas, addr);
	/* A write to copy-on-write memory: copy it, and the write retries. */
	if (i >= 0 && !mm->vmas.v[i].file &&
	    (mm->vmas.v[i].prot & ABI_PROT_WRITE) &&
	    (pma_at(mm, pg)->flags & VMA_COW)) {
		err = cow_fault(mm, &mm->vmas.v[i], pg);
		pthread_mutex_unlock(&mm->lock);
		return err == -ENOMEM ? -EIO : err ? -EFAULT : MM_FAULT_FIXED;
	}
	if (i < 0 || !can_access(&mm->vmas.v[i], ABI_PROT_READ)) {
		pthread_mutex_unlock(&mm->lock);
		return -EFAULT;
	}
	/*
	 * Memory of its own, accessible: another thread sharing mm may have
	 * changed the mapping since this one faulted (broken the VMA's
	 * copy-on-write, mprotect'ed it). The caller tells by the mappings'
	 * generation, taken with the lock that every change holds.
	 */
	if (!mm->vmas.v[i].file) {
		*gen = __atomic_load_n(&mm->gen, __ATOMIC_ACQUIRE);
		pthread_mutex_unlock(&mm->lock);
		return MM_FAULT_NONE;
	}
	v = &mm->vmas.v[i];
	inode = vfs_inode_get(v->file->inode);
	start = max_t(uint64_t, v->start, pg & ~(window - 1));
	end = min_t(uint64_t, v->end, (pg & ~(window - 1)) + window);
	/* Only a cache of data kept elsewhere (map_sync) fills around:
	 * tmpfs would allocate the holes, which Linux's leaves alone. */
	if (!inode->ops->map_sync) {
		start = pg;
		end = pg + PAGE_SIZE;
	}
	idx = file_page(v, start);
	n = (size_t)((end - start) / PAGE_SIZE);
	at = (size_t)((pg - start) / PAGE_SIZE);
	pthread_mutex_unlock(&mm->lock);

	/* The file's lock, then the address space's: never both at once. */
	tgen = __atomic_load_n(&trunc_gen, __ATOMIC_SEQ_CST);
	err = inode->ops->map_pages(inode, idx, n, moffs, 0);
	vfs_inode_put(inode);
	if (err)
		return err == -ENOSPC || err == -ENOMEM ? -EIO : -EFAULT;
	if (!moffs[at])
		return -EIO; /* past the end of the file: SIGBUS */

	pthread_mutex_lock(&mm->lock);
	i = vma_find(&mm->vmas, addr);
	err = -EFAULT;
	if (__atomic_load_n(&trunc_gen, __ATOMIC_SEQ_CST) != tgen) {
		/* The page may be gone already: look again. */
		*gen = __atomic_load_n(&mm->gen, __ATOMIC_ACQUIRE);
		pthread_mutex_unlock(&mm->lock);
		return MM_FAULT_NONE;
	}
	if (i >= 0 && mm->vmas.v[i].file &&
	    mm->vmas.v[i].file->inode == inode &&
	    file_page(&mm->vmas.v[i], pg) == idx + at) {
		struct mm_file *f = mm->vmas.v[i].file;
		/* The window, within the VMA as it is now. */
		size_t lo = 0, hi = n;

		v = &mm->vmas.v[i];
		while (start + lo * PAGE_SIZE < v->start)
			lo++;
		while (hi > lo && start + hi * PAGE_SIZE > v->end)
			hi--;
		err = file_cover(f, idx + lo, hi - lo);
		/* A page seen before stays the one mapped. */
		for (size_t k = lo; !err && k < hi; k++)
			if (moffs[k] && !f->pages[idx + k - f->lo])
				f->pages[idx + k - f->lo] = moffs[k];
		if (!err)
			err = file_populate_known(mm, v, start + lo * PAGE_SIZE,
						  start + hi * PAGE_SIZE);
	}
	pthread_mutex_unlock(&mm->lock);
	return err ? err : MM_FAULT_FILE;
}

/* ---- futex keys ---------------------------------------------------------- */

/* Is the memory-file page behind file page idx of f known? */
static bool file_known(const struct mm_file *f, uint64_t idx)
{
	return idx >= f->lo && idx < f->lo + f->n && f->pages[idx - f->lo];
}

int mm_futex_key(struct mm *mm, uint64_t addr, uint64_t *moff)
{
	/* As get_futex_key: look again after faulting the page in. */
	for (int tries = 0;; tries++) {
		uint64_t gen;
		struct mm_file *f;
		struct vma *v;
		uint64_t idx, pg = addr & ~(PAGE_SIZE - 1);
		long i;

		pthread_mutex_lock(&mm->lock);
		i = addr < mm->limit ? vma_find(&mm->vmas, addr) : -1;
		if (i < 0 || !can_access(&mm->vmas.v[i], ABI_PROT_READ)) {
			pthread_mutex_unlock(&mm->lock);
			return -EFAULT;
		}
		v = &mm->vmas.v[i];
		if (!(v->flags & VMA_SHARED)) {
			pthread_mutex_unlock(&mm->lock);
			return 0;
		}
		f = v->file;
		if (!f) {
			*moff = pma_off(pma_at(mm, addr), addr);
			pthread_mutex_unlock(&mm->lock);
			return 1;
		}
		idx = file_page(v, addr);
		if (!file_known(f, idx))
			file_learn(mm, v, pg, pg + PAGE_SIZE, true);
		if (file_known(f, idx)) {
			*moff = f->pages[idx - f->lo] - 1 + addr % PAGE_SIZE;
			pthread_mutex_unlock(&mm->lock);
			return 1;
		}
		pthread_mutex_unlock(&mm->lock);
		/* The file's lock was busy, or the page is new: fault it. */
		if (tries > 8 || mm_fault(mm, addr, &gen) < 0)
			return -EFAULT;
	}
}

/* A range of a file that msync writes back, once mm->lock is let go. */
struct sync_item {
	struct vfs_inode *inode; /* a reference */
	uint64_t idx, n;
};

long mm_msync(struct mm *mm, uint64_t addr, uint64_t len, int flags)
{
	struct sync_item *items = NULL;
	size_t nitems = 0;
	uint64_t end;
	long ret = 0;

	if (flags & ~(ABI_MS_ASYNC | ABI_MS_INVALIDATE | ABI_MS_SYNC))
		return -EINVAL;
	if (!page_aligned(addr))
		return -EINVAL;
	if ((flags & ABI_MS_ASYNC) && (flags & ABI_MS_SYNC))
		return -EINVAL;
	if (page_up_overflows(len))
		return -ENOMEM;
	end = addr + page_up(len);
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	/* Every VMA in the range is synced; a hole makes it ENOMEM. */
	pthread_mutex_lock(&mm->lock);
	for (size_t i = vma_lower_bound(&mm->vmas, addr); addr < end; i++) {
		struct vma *v = i < mm->vmas.n ? &mm->vmas.v[i] : NULL;

		if (!v || v->start >= end) {
			ret = -ENOMEM;
			break;
		}
		if (v->start > addr)
			ret = -ENOMEM;
		if ((flags & ABI_MS_INVALIDATE) && (v->flags & VMA_LOCKED)) {
			ret = -EBUSY;
			break;
		}
		if (v->file && v->file->inode->ops->map_sync) {
			struct sync_item *it =
			    realloc(items, (nitems + 1) * sizeof(*it));
			uint64_t s = max_t(uint64_t, v->start, addr);
			uint64_t e = min_t(uint64_t, v->end, end);

			if (!it) {
				ret = -ENOMEM;
				break;
			}
			items = it;
			items[nitems++] = (struct sync_item){
			    .inode = vfs_inode_get(v->file->inode),
			    .idx = file_page(v, s),
			    .n = (e - s) / PAGE_SIZE};
		}
		addr = v->end;
	}
	pthread_mutex_unlock(&mm->lock);
	/* The file's lock, then the address space's: never both at once. */
	for (size_t i = 0; i < nitems; i++) {
		struct vfs_inode *inode = items[i].inode;
		int err = inode->ops->map_sync(inode, items[i].idx, items[i].n);

		if (err && (!ret || ret == -ENOMEM))
			ret = err == -ENOSPC ? err : -EIO;
		vfs_inode_put(inode);
	}
	free(items);
	return ret;
}

/* Bytes of [start, end) in locked VMAs (end 0: all of them). mm->lock. */
static uint64_t locked_in(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t n = 0;

	for (size_t i = 0; i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t s = max_t(uint64_t, v->start, start);
		uint64_t e = end ? min_t(uint64_t, v->end, end) : v->end;

		if ((v->flags & VMA_LOCKED) && s < e)
			n += e - s;
	}
	return n;
}

/*
 * Give the pages of [start, end) memory, as Linux's populate does: a
 * write of nothing to each anonymous page makes the memory file allocate
 * it; a shared file's pages are learned with their holes filled, and
 * mapped. locked: only what mlock populates (locked, not on fault);
 * anon: anonymous pages too (a read populates them with the zero page on
 * Linux, which is what an untouched page of the memory file reads as).
 */
static void populate(struct mm *mm, uint64_t start, uint64_t end, bool locked,
		     bool anon)
{
	pthread_mutex_lock(&mm->lock);
	for (size_t i = vma_lower_bound(&mm->vmas, start);
	     i < mm->vmas.n && mm->vmas.v[i].start < end; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t a = max_t(uint64_t, v->start, start);
		uint64_t e = min_t(uint64_t, v->end, end);

		if ((locked && (!(v->flags & VMA_LOCKED) ||
				(v->flags & VMA_LOCKONFAULT))) ||
		    v->prot == ABI_PROT_NONE)
			continue;
		if (v->file) {
			if (!file_learn(mm, v, a, e, true))
				file_populate_known(mm, v, a, e);
			continue;
		}
		if (!anon)
			continue;
		for (; a < e; a += PAGE_SIZE) {
			uint8_t *p;

			/* A killed task does not finish (MAP_POPULATE's
			 * pages are a hint; mlock's are made on fault). */
			if (!(a / PAGE_SIZE % 256) && mm_fatal_pending())
				goto out;
			p = memfile_ptr(mm->mf, pma_off(pma_at(mm, a), a));
			__atomic_fetch_or(p, 0, __ATOMIC_RELAXED);
		}
	}
out:
	pthread_mutex_unlock(&mm->lock);
}

long mm_mlock(struct mm *mm, uint64_t start, uint64_t len, uint32_t flags,
	      uint64_t limit)
{
	uint64_t end, ext;
	long i, err = 0;

	/* As do_mlock: the arithmetic wraps, as the kernel's does. */
	len = (len + (start & (PAGE_SIZE - 1)) + PAGE_SIZE - 1) &
	      ~(PAGE_SIZE - 1);
	start &= ~(PAGE_SIZE - 1);
	end = start + len;
	pthread_mutex_lock(&mm->lock);
	if (flags & VMA_LOCKED) {
		uint64_t locked =
		    len / PAGE_SIZE + locked_in(mm, 0, 0) / PAGE_SIZE;

		if (locked > limit)
			locked -= locked_in(mm, start, end) / PAGE_SIZE;
		if (locked > limit) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (end < start) {
		err = -EINVAL;
		goto out;
	}
	if (end == start)
		goto out;
	/* The mapped run from start; what precedes a hole changes. */
	i = vma_find(&mm->vmas, start);
	if (i < 0) {
		err = -ENOMEM;
		goto out;
	}
	for (ext = start; (size_t)i < mm->vmas.n && ext < end; i++) {
		if (mm->vmas.v[i].start != ext && ext != start)
			break;
		ext = mm->vmas.v[i].end;
	}
	err = vma_set_flags(&mm->vmas, start, min_t(uint64_t, ext, end),
			    VMA_LOCKED | VMA_LOCKONFAULT, flags);
	if (!err && ext < end)
		err = -ENOMEM;
out:
	pthread_mutex_unlock(&mm->lock);
	if (!err && (flags & VMA_LOCKED))
		populate(mm, start, end, true, true);
	return err;
}

long mm_mlockall(struct mm *mm, int flags, uint64_t limit)
{
	uint32_t add = 0;
	uint64_t total = 0;
	long err = 0;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++)
		total += mm->vmas.v[i].end - mm->vmas.v[i].start;
	if ((flags & ABI_MCL_CURRENT) && total / PAGE_SIZE > limit) {
		err = -ENOMEM;
		goto out;
	}
	mm->def_flags = 0;
	if (flags & ABI_MCL_FUTURE) {
		mm->def_flags = VMA_LOCKED;
		if (flags & ABI_MCL_ONFAULT)
			mm->def_flags |= VMA_LOCKONFAULT;
		if (!(flags & ABI_MCL_CURRENT))
			goto out;
	}
	if (flags & ABI_MCL_CURRENT) {
		add = VMA_LOCKED;
		if (flags & ABI_MCL_ONFAULT)
			add |= VMA_LOCKONFAULT;
	}
	if (mm->vmas.n)
		err = vma_set_flags(&mm->vmas, mm->vmas.v[0].start,
				    mm->vmas.v[mm->vmas.n - 1].end,
				    VMA_LOCKED | VMA_LOCKONFAULT, add);
out:
	pthread_mutex_unlock(&mm->lock);
	if (!err && add)
		populate(mm, 0, mm->limit, true, true);
	return err;
}

long mm_mincore(struct mm *mm, uint64_t addr, size_t npages, uint8_t *vec)
{
	const struct vma *v;
	long i;

	pthread_mutex_lock(&mm->lock);
	i = vma_find(&mm->vmas, addr);
	if (i < 0) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	v = &mm->vmas.v[i];
	npages = min_t(uint64_t, npages, (v->end - addr) / PAGE_SIZE);
	if (!v->file) {
		for (size_t n = 0; n < npages;) {
			uint64_t at = addr + n * PAGE_SIZE;
			struct vma *p = pma_at(mm, at);
			size_t k = min_t(size_t, npages - n,
					 (p->end - at) / PAGE_SIZE);

			memfile_resident_vec(mm->mf, pma_off(p, at), k,
					     vec + n);
			n += k;
		}
	} else {
		struct mm_file *f = v->file;

		for (size_t n = 0; n < npages; n++) {
			uint64_t idx = file_page(v, addr + n * PAGE_SIZE);
			uint64_t moff = idx >= f->lo && idx < f->lo + f->n
					    ? f->pages[idx - f->lo]
					    : 0;

			vec[n] = moff &&
				 memfile_resident(mm->mf, moff - 1, PAGE_SIZE);
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return (long)npages;
}
