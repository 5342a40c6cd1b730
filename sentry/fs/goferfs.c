// SPDX-License-Identifier: Apache-2.0
/*
 * goferfs: files served by the gofer. Every inode holds a fid; directory
 * operations are gofer requests; regular files are read and written
 * through host fds the gofer donates, with no gofer round trip per I/O.
 *
 * Attributes are cached from the gofer's replies and kept current by our
 * own changes; the container's files are not expected to change under the
 * sandbox. Read-only opens of a file share one donated descriptor (I/O is
 * positional), so a second open costs no round trip.
 */
#include "sentry/fs/goferfs.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CLUNK_BATCH 256

struct goferfs_super {
	struct vfs_super sb;
	struct gofer_client *c;
	struct memfile *mf; /* where shared mappings' page caches live */
	uint32_t mount;
	bool ro;
	/* fids of evicted inodes, clunked in batches */
	pthread_mutex_t clunk_lock;
	uint32_t clunks[CLUNK_BATCH];
	unsigned nclunks;
	/* lookups done ahead in one directory (see "look-ahead" below) */
	pthread_mutex_t ahead_lock;
	struct gofer_inode *ahead_dir; /* no reference: evicting it drops */
	struct ahead_ent *ahead;       /* sorted by name */
	char *ahead_names;	       /* the listing their names point into */
	unsigned nahead;
	struct timespec ahead_at;
};

/*
 * The page cache of a regular file mapped MAP_SHARED (see "shared
 * mappings" below), under the inode's map_lock.
 */
struct gofer_cache {
	bool active;	   /* from the first mmap on, until the last map_put */
	unsigned maps;	   /* address spaces mapping the file */
	uint64_t size;	   /* the file's size, as the cache knows it */
	uint64_t *pages;   /* memory-file offset + 1 per file page; 0: none */
	size_t npages;	   /* entries in pages */
	uint64_t *zombies; /* pages truncated away while mapped */
	size_t nzombies;
	int fd;	 /* host fd to fill from and write back to, -1 */
	bool rw; /* fd is writable: a writable open file was mapped */
};

struct gofer_inode {
	struct vfs_inode i;
	uint32_t fid;
	int ro_fd; /* shared O_RDONLY host fd, -1 until needed */
	/* A leaf lock: taken under an address space's and the inode's. */
	pthread_mutex_t map_lock;
	struct gofer_cache mc;
	char *target; /* a symlink's, once read: targets never change */
	size_t target_len;
	uint32_t xattr_len; /* its xattr names' length at the last stat */
	/* directories, under the super's ahead_lock: the names of the last
	 * whole listing, NUL-separated, and lookups that missed since */
	char *listing;
	size_t listing_len;
	unsigned nlisting, misses;
};

static const struct vfs_inode_ops goferfs_inode_ops;

static struct goferfs_super *to_gs(struct vfs_super *sb)
{
	return container_of(sb, struct goferfs_super, sb);
}

static struct gofer_inode *to_gi(struct vfs_inode *i)
{
	return container_of(i, struct gofer_inode, i);
}

static struct gofer_client *client(struct vfs_inode *i)
{
	return to_gs(i->sb)->c;
}

static void ts_set(struct abi_timespec *ts, int64_t sec, uint32_t nsec)
{
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

/* Copy the gofer's attributes into the inode's cache. */
static void attrs_from(struct vfs_inode *i, const struct gofer_stat *st)
{
	pthread_mutex_lock(&i->lock);
	i->ino = st->ino;
	i->mode = st->mode;
	i->nlink = st->nlink;
	i->uid = st->uid;
	i->gid = st->gid;
	i->rdev = st->rdev;
	i->size = st->size;
	i->blocks = st->blocks;
	ts_set(&i->atime, st->atime_sec, st->atime_nsec);
	ts_set(&i->mtime, st->mtime_sec, st->mtime_nsec);
	ts_set(&i->ctime, st->ctime_sec, st->ctime_nsec);
	ts_set(&i->btime, st->btime_sec, st->btime_nsec);
	to_gi(i)->xattr_len = st->xattr_len;
	pthread_mutex_unlock(&i->lock);
}

/* A new inode for a node the gofer handed out (taking its fid). */
static struct vfs_inode *inode_from(struct vfs_super *sb,
				    const struct gofer_node *n)
{
	struct gofer_inode *gi = calloc(1, sizeof(*gi));

	if (!gi) {
		gofer_clunk(to_gs(sb)->c, &n->fid, 1);
		return NULL;
	}
	vfs_inode_init(&gi->i, sb, &goferfs_inode_ops, n->st.mode);
	__atomic_add_fetch(&sb->refs, 1, __ATOMIC_RELAXED);
	gi->fid = n->fid;
	gi->ro_fd = -1;
	pthread_mutex_init(&gi->map_lock, NULL);
	gi->mc.fd = -1;
	attrs_from(&gi->i, &n->st);
	return &gi->i;
}

/* Forget a fid, with others in one CLUNK later. */
static void queue_clunk(struct goferfs_super *gs, uint32_t fid)
{
	pthread_mutex_lock(&gs->clunk_lock);
	gs->clunks[gs->nclunks++] = fid;
	if (gs->nclunks == CLUNK_BATCH) {
		gofer_clunk(gs->c, gs->clunks, gs->nclunks);
		gs->nclunks = 0;
	}
	pthread_mutex_unlock(&gs->clunk_lock);
}

/*
 * Look-ahead. `ls -l` lists a directory and then stats every entry: one
 * WALK each, a round trip each. When lookups keep missing in a directory
 * that was just listed whole, goferfs asks for all its listed names at
 * once (LOOKUP: a few messages, the gofer's host calls batched on its
 * ring) and answers the next lookups there from what came back, symlink
 * targets included. What was looked up ahead is a cache like the dentry
 * cache, kept for one directory at a time: it goes when goferfs changes
 * that directory, after AHEAD_TTL, and with the directory's inode.
 */
#define AHEAD_AFTER  8	  /* lookups that missed, after a listing */
#define AHEAD_MAX    4096 /* names: a bigger directory is not looked ahead */
#define AHEAD_TTL_NS 1000000000LL

struct ahead_ent {
	const char *name; /* in the listing, which ahead_names keeps */
	bool used;
	struct gofer_lookup_result res;
};

static int ahead_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ahead_ent *)a)->name,
		      ((const struct ahead_ent *)b)->name);
}

/* Drop what was looked up ahead; ahead_lock held. */
static void ahead_drop(struct goferfs_super *gs)
{
	for (unsigned i = 0; i < gs->nahead; i++) {
		struct ahead_ent *e = &gs->ahead[i];

		if (!e->used && !e->res.error)
			queue_clunk(gs, e->res.node.fid);
		if (!e->used)
			free(e->res.target);
	}
	free(gs->ahead);
	free(gs->ahead_names);
	gs->ahead_names = NULL;
	gs->ahead = NULL;
	gs->nahead = 0;
	gs->ahead_dir = NULL;
}

static void listing_drop(struct gofer_inode *gi)
{
	free(gi->listing);
	gi->listing = NULL;
	gi->listing_len = 0;
	gi->nlisting = 0;
	gi->misses = 0;
}

/* dir changed through goferfs, or is going: forget what is known ahead. */
static void ahead_evict(struct goferfs_super *gs, struct gofer_inode *dir)
{
	pthread_mutex_lock(&gs->ahead_lock);
	if (gs->ahead_dir == dir)
		ahead_drop(gs);
	listing_drop(dir);
	pthread_mutex_unlock(&gs->ahead_lock);
}

static bool ahead_fresh(const struct goferfs_super *gs)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - gs->ahead_at.tv_sec) * 1000000000LL +
		   (now.tv_nsec - gs->ahead_at.tv_nsec) <
	       AHEAD_TTL_NS;
}

/* Look up every name of dir's listing; ahead_lock held. */
static void ahead_fill(struct goferfs_super *gs, struct gofer_inode *dir)
{
	unsigned n = dir->nlisting, done = 0;
	struct gofer_lookup_result *res;
	struct ahead_ent *ents;
	const char **names;
	char *p;

	ahead_drop(gs);
	ents = calloc(n, sizeof(*ents));
	names = calloc(n, sizeof(*names));
	res = calloc(n, sizeof(*res));
	if (!ents || !names || !res) {
		free(ents);
		goto out;
	}
	p = dir->listing;
	for (unsigned i = 0; i < n; i++) {
		names[i] = p;
		p += strlen(p) + 1;
	}
	while (done < n) {
		unsigned got;

		if (gofer_lookup(gs->c, dir->fid, names + done, n - done,
				 res + done, &got))
			break;
		done += got;
	}
	for (unsigned i = 0; i < done; i++)
		ents[i] = (struct ahead_ent){.name = names[i], .res = res[i]};
	qsort(ents, done, sizeof(*ents), ahead_cmp);
	gs->ahead = ents;
	gs->nahead = done;
	gs->ahead_dir = dir;
	clock_gettime(CLOCK_MONOTONIC, &gs->ahead_at);
	/* The entries' names live on in the listing. */
	gs->ahead_names = dir->listing;
	dir->listing = NULL;
out:
	free(names);
	free(res);
	listing_drop(dir);
}

/*
 * name in dir, from what was looked up ahead (possibly now): 1 and *out
 * (or *err), or 0 to walk to it.
 */
static int ahead_lookup(struct vfs_inode *dir, const char *name,
			struct vfs_inode **out, int *err)
{
	struct goferfs_super *gs = to_gs(dir->sb);
	struct gofer_inode *gi = to_gi(dir);
	struct ahead_ent key = {.name = name}, *e = NULL;
	struct gofer_lookup_result res;

	pthread_mutex_lock(&gs->ahead_lock);
	if (gs->ahead_dir == gi && !ahead_fresh(gs))
		ahead_drop(gs);
	if (gs->ahead_dir != gi && gi->listing && ++gi->misses >= AHEAD_AFTER)
		ahead_fill(gs, gi);
	if (gs->ahead_dir == gi)
		e = bsearch(&key, gs->ahead, gs->nahead, sizeof(*e), ahead_cmp);
	if (!e || e->used) {
		pthread_mutex_unlock(&gs->ahead_lock);
		return 0;
	}
	e->used = true;
	res = e->res;
	pthread_mutex_unlock(&gs->ahead_lock);
	if (res.error) {
		*err = -res.error;
		return 1;
	}
	*out = inode_from(dir->sb, &res.node);
	if (!*out) {
		free(res.target);
		*err = -ENOMEM;
		return 1;
	}
	/* A symlink's target came along: readlink needs no round trip. */
	to_gi(*out)->target = res.target;
	to_gi(*out)->target_len = res.target_len;
	*err = 0;
	return 1;
}

static int goferfs_lookup(struct vfs_inode *dir, const char *name,
			  struct vfs_inode **out)
{
	const char *names[1] = {name};
	struct gofer_node node;
	unsigned nwalked = 0;
	int stop = 0, err;

	if (ahead_lookup(dir, name, out, &err))
		return err;
	err = gofer_walk(client(dir), to_gi(dir)->fid, names, 1, &node,
			 &nwalked, &stop);
	if (err)
		return err;
	if (nwalked != 1)
		return stop ? -stop : -ENOENT;
	*out = inode_from(dir->sb, &node);
	return *out ? 0 : -ENOMEM;
}

static void touch_dir(struct vfs_inode *dir)
{
	struct gofer_stat st;

	/* The directory's times and link count changed: refresh them. */
	if (gofer_stat(client(dir), to_gi(dir)->fid, &st) == 0)
		attrs_from(dir, &st);
}

static int made(struct vfs_inode *dir, int err, const struct gofer_node *n,
		struct vfs_inode **out)
{
	ahead_evict(to_gs(dir->sb), to_gi(dir));
	if (err)
		return err;
	*out = inode_from(dir->sb, n);
	touch_dir(dir);
	return *out ? 0 : -ENOMEM;
}

static int goferfs_mknod(struct vfs_inode *dir, const char *name, uint32_t mode,
			 uint64_t rdev, const struct creds *c,
			 struct vfs_inode **out)
{
	struct gofer_node n;
	int err = gofer_mknod(client(dir), to_gi(dir)->fid, name, mode, rdev,
			      c->fsuid, c->fsgid, &n);

	return made(dir, err, &n, out);
}

static int goferfs_mkdir(struct vfs_inode *dir, const char *name, uint32_t mode,
			 const struct creds *c, struct vfs_inode **out)
{
	struct gofer_node n;
	int err = gofer_mkdir(client(dir), to_gi(dir)->fid, name, mode,
			      c->fsuid, c->fsgid, &n);

	return made(dir, err, &n, out);
}

static int goferfs_symlink(struct vfs_inode *dir, const char *name,
			   const char *target, const struct creds *c,
			   struct vfs_inode **out)
{
	struct gofer_node n;
	int err = gofer_symlink(client(dir), to_gi(dir)->fid, name, target,
				c->fsuid, c->fsgid, &n);

	return made(dir, err, &n, out);
}

static int goferfs_link(struct vfs_inode *dir, const char *name,
			struct vfs_inode *old)
{
	struct gofer_node n;
	int err =
	    gofer_link(client(dir), to_gi(dir)->fid, name, to_gi(old)->fid, &n);

	ahead_evict(to_gs(dir->sb), to_gi(dir));
	if (err)
		return err;
	/* The new fid names the same file; the old inode stays its name. */
	gofer_clunk(client(dir), &n.fid, 1);
	attrs_from(old, &n.st);
	touch_dir(dir);
	return 0;
}

static int goferfs_remove(struct vfs_inode *dir, const char *name,
			  struct vfs_inode *victim, bool rmdir)
{
	int err = gofer_unlink(client(dir), to_gi(dir)->fid, name,
			       rmdir ? GOFER_AT_REMOVEDIR : 0);
	struct gofer_stat st;

	ahead_evict(to_gs(dir->sb), to_gi(dir));
	if (err)
		return err;
	/* The victim may live on under other names or open files. */
	if (gofer_stat(client(victim), to_gi(victim)->fid, &st) == 0)
		attrs_from(victim, &st);
	else if (rmdir)
		victim->nlink = 0;
	touch_dir(dir);
	return 0;
}

static int goferfs_unlink(struct vfs_inode *dir, const char *name,
			  struct vfs_inode *victim)
{
	return goferfs_remove(dir, name, victim, false);
}

static int goferfs_rmdir(struct vfs_inode *dir, const char *name,
			 struct vfs_inode *victim)
{
	return goferfs_remove(dir, name, victim, true);
}

static int goferfs_rename(struct vfs_inode *olddir, const char *oldname,
			  struct vfs_inode *src, struct vfs_inode *newdir,
			  const char *newname, struct vfs_inode *dst,
			  unsigned flags)
{
	uint32_t gflags = 0;
	int err;

	(void)src;
	(void)dst;
	if (flags & ABI_RENAME_NOREPLACE)
		gflags |= GOFER_RENAME_NOREPLACE;
	if (flags & ABI_RENAME_EXCHANGE)
		gflags |= GOFER_RENAME_EXCHANGE;
	err = gofer_rename(client(olddir), to_gi(olddir)->fid, oldname,
			   to_gi(newdir)->fid, newname, gflags);
	ahead_evict(to_gs(olddir->sb), to_gi(olddir));
	ahead_evict(to_gs(newdir->sb), to_gi(newdir));
	if (err)
		return err;
	touch_dir(olddir);
	if (newdir != olddir)
		touch_dir(newdir);
	return 0;
}

static ssize_t goferfs_readlink(struct vfs_inode *inode, char *buf, size_t len)
{
	struct gofer_inode *gi = to_gi(inode);
	ssize_t n = 0;

	pthread_mutex_lock(&inode->lock);
	if (!gi->target) {
		char *t = malloc(GOFER_PATH_MAX + 1);

		n = t ? gofer_readlink(client(inode), gi->fid, t,
				       GOFER_PATH_MAX)
		      : -ENOMEM;
		if (n >= 0) {
			gi->target = t;
			gi->target_len = (size_t)n;
		} else {
			free(t);
		}
	}
	if (n >= 0) {
		n = (ssize_t)(gi->target_len < len ? gi->target_len : len);
		memcpy(buf, gi->target, (size_t)n);
	}
	pthread_mutex_unlock(&inode->lock);
	return n;
}

/*
 * Shared mappings. A host file mapped MAP_SHARED gets a page cache in the
 * memory file for as long as some address space maps it: every mapping,
 * in every process, maps the same cache pages, filled from the host file
 * on first use. The host file stays where read() and write() go, and the
 * two are kept coherent, under the inode's map_lock while the cache is
 * active, as follows:
 * - write() writes the host file, then the same bytes into the pages that
 *   are cached, so that mappings see them at once;
 * - read() reads the host file, then takes the bytes of cached pages from
 *   the cache, which may hold stores not yet written back;
 * - truncation drops the cached pages past the new end (they stay
 *   allocated while mapped, and every address space unmaps them, so an
 *   access there is SIGBUS, as on Linux) and zeroes the rest of the last
 *   page;
 * - stores reach the host file (write-back) on msync (MS_SYNC and
 *   MS_ASYNC alike), fsync, when an address space stops mapping the file
 *   (munmap, exit, exec), when a writable open file of it is closed, and
 *   before its host fd is used for copies (MAP_PRIVATE, exec, sendfile).
 *   Pages are not tracked dirty: once a writable open file was mapped,
 *   every cached page is written, up to the file's size. Nothing is
 *   written back on a timer, so a host process sees the sandbox's stores
 *   only after one of those.
 * The cache goes with the last address space that maps the file.
 */

static struct memfile *mf_of(struct vfs_inode *inode)
{
	return to_gs(inode->sb)->mf;
}

static uint64_t pages_for(uint64_t size)
{
	return size / PAGE_SIZE + !!(size % PAGE_SIZE);
}

/* Lock the cache if it is active (true), else leave it alone (false). */
static bool cache_lock(struct gofer_inode *gi)
{
	if (!__atomic_load_n(&gi->mc.active, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&gi->map_lock);
	if (gi->mc.active)
		return true;
	pthread_mutex_unlock(&gi->map_lock);
	return false;
}

/* The sentry's view of cached file page idx; NULL: not cached. */
static uint8_t *cached(struct gofer_inode *gi, uint64_t idx)
{
	struct gofer_cache *c = &gi->mc;

	if (idx >= c->npages || !c->pages[idx])
		return NULL;
	return memfile_ptr(mf_of(&gi->i), c->pages[idx] - 1);
}

/*
 * The memory-file offset + 1 of file page idx, read from the host file if
 * not cached yet; 0 past the end of the file, or on an error (*err).
 */
static uint64_t cache_page(struct gofer_inode *gi, uint64_t idx, int *err)
{
	struct gofer_cache *c = &gi->mc;
	struct memfile *mf = mf_of(&gi->i);
	uint64_t want, got = 0;
	int64_t moff;

	if (idx >= pages_for(c->size))
		return 0;
	if (idx < c->npages && c->pages[idx])
		return c->pages[idx];
	if (c->fd < 0) {
		*err = -EIO;
		return 0;
	}
	if (idx >= c->npages) {
		size_t n = c->npages ? c->npages : 16;
		uint64_t *p;

		while (n <= idx)
			n *= 2;
		n = (size_t)min_t(uint64_t, n, pages_for(c->size));
		p = realloc(c->pages, n * sizeof(*p));
		if (!p) {
			*err = -ENOMEM;
			return 0;
		}
		memset(p + c->npages, 0, (n - c->npages) * sizeof(*p));
		c->pages = p;
		c->npages = n;
	}
	moff = memfile_alloc(mf, PAGE_SIZE);
	if (moff < 0) {
		*err = -ENOMEM;
		return 0;
	}
	/* A short read (the host file shrank) leaves zeros. */
	want = min_t(uint64_t, PAGE_SIZE, c->size - idx * PAGE_SIZE);
	while (got < want) {
		ssize_t r = pread(c->fd, memfile_ptr(mf, (uint64_t)moff) + got,
				  want - got, (off_t)(idx * PAGE_SIZE + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = -errno;
			memfile_free(mf, (uint64_t)moff, PAGE_SIZE);
			return 0;
		}
		if (r == 0)
			break;
		got += (uint64_t)r;
	}
	c->pages[idx] = (uint64_t)moff + 1;
	return c->pages[idx];
}

/* Write cached pages [lo, hi) back to the host file: 0 or -errno. */
static int cache_writeback(struct gofer_inode *gi, uint64_t lo, uint64_t hi)
{
	struct gofer_cache *c = &gi->mc;
	struct iovec iov[64];

	if (!c->rw || c->fd < 0)
		return 0;
	hi =
	    min_t(uint64_t, hi, min_t(uint64_t, c->npages, pages_for(c->size)));
	for (uint64_t idx = lo; idx < hi;) {
		uint64_t first = idx, bytes = 0;
		int n = 0;

		if (!c->pages[idx]) {
			idx++;
			continue;
		}
		/* A run of cached pages: one pwritev. */
		while (idx < hi && c->pages[idx] && n < 64) {
			uint64_t len = min_t(uint64_t, PAGE_SIZE,
					     c->size - idx * PAGE_SIZE);

			iov[n].iov_base = cached(gi, idx);
			iov[n++].iov_len = len;
			bytes += len;
			idx++;
		}
		while (bytes) {
			ssize_t r =
			    pwritev(c->fd, iov, n, (off_t)(first * PAGE_SIZE));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if ((uint64_t)r == bytes)
				break;
			return -EIO; /* the host's disk is full */
		}
	}
	return 0;
}

/* Let go of cached pages from file page keep on (truncation). */
static void cache_drop_from(struct gofer_inode *gi, uint64_t keep)
{
	struct gofer_cache *c = &gi->mc;
	struct memfile *mf = mf_of(&gi->i);

	for (uint64_t idx = keep; idx < c->npages; idx++) {
		uint64_t *z;

		if (!c->pages[idx])
			continue;
		/* Mapped still until every address space has unmapped it. */
		z = c->maps
			? realloc(c->zombies, (c->nzombies + 1) * sizeof(*z))
			: NULL;
		if (z) {
			z[c->nzombies++] = c->pages[idx] - 1;
			c->zombies = z;
		} else if (!c->maps) {
			memfile_free(mf, c->pages[idx] - 1, PAGE_SIZE);
		} /* else without memory to remember it, the page leaks */
		c->pages[idx] = 0;
	}
}

/* Zero the cached bytes from off to the end of its page. */
static void cache_zero_tail(struct gofer_inode *gi, uint64_t off)
{
	uint8_t *p = off % PAGE_SIZE ? cached(gi, off / PAGE_SIZE) : NULL;

	if (p)
		memset(p + off % PAGE_SIZE, 0, PAGE_SIZE - off % PAGE_SIZE);
}

/*
 * The last address space let go: the cache's pages go. Its host fd stays
 * until the inode goes (close_fd), for a mapping made meanwhile.
 */
static void cache_release(struct gofer_inode *gi, bool close_fd)
{
	struct gofer_cache *c = &gi->mc;
	struct memfile *mf = mf_of(&gi->i);
	int fd = c->fd;
	bool rw = c->rw;

	for (size_t i = 0; i < c->npages; i++)
		if (c->pages[i])
			memfile_free(mf, c->pages[i] - 1, PAGE_SIZE);
	for (size_t i = 0; i < c->nzombies; i++)
		memfile_free(mf, c->zombies[i], PAGE_SIZE);
	free(c->pages);
	free(c->zombies);
	if (close_fd && fd >= 0)
		close(fd);
	*c = (struct gofer_cache){.fd = close_fd ? -1 : fd,
				  .rw = !close_fd && rw};
}

/*
 * Copy between the cached pages of [pos, pos+len) and the buffers iov
 * (n of them) that hold those bytes: into the cache for a write, out of
 * it for a read. Pages not cached are left alone.
 */
static void cache_copy(struct gofer_inode *gi, const struct iovec *iov, int n,
		       uint64_t pos, uint64_t len, bool write)
{
	uint64_t end = pos + len;
	int v = 0;
	uint64_t vskip = 0, at = pos; /* iov[v] + vskip holds byte at */

	for (uint64_t idx = pos / PAGE_SIZE; idx * PAGE_SIZE < end; idx++) {
		uint64_t s = max_t(uint64_t, pos, idx * PAGE_SIZE);
		uint64_t e = min_t(uint64_t, end, (idx + 1) * PAGE_SIZE);
		uint8_t *p = cached(gi, idx);

		if (!p)
			continue;
		/* Move through the iovecs to s, then copy up to e. */
		for (; at < e && v < n;) {
			uint64_t room = iov[v].iov_len - vskip;
			uint64_t step;

			if (room == 0) {
				v++;
				vskip = 0;
				continue;
			}
			if (at < s) {
				step = min_t(uint64_t, room, s - at);
			} else {
				uint8_t *b = (uint8_t *)iov[v].iov_base + vskip;

				step = min_t(uint64_t, room, e - at);
				if (write)
					memcpy(p + at % PAGE_SIZE, b, step);
				else
					memcpy(b, p + at % PAGE_SIZE, step);
			}
			vskip += step;
			at += step;
		}
	}
	if (write && end > gi->mc.size)
		gi->mc.size = end;
}

static void goferfs_map_get(struct vfs_inode *inode)
{
	struct gofer_inode *gi = to_gi(inode);

	pthread_mutex_lock(&gi->map_lock);
	/* The last mapping went since mmap_inode: active again. */
	if (!gi->mc.active) {
		gi->mc.size = __atomic_load_n(&inode->size, __ATOMIC_RELAXED);
		__atomic_store_n(&gi->mc.active, true, __ATOMIC_RELEASE);
	}
	gi->mc.maps++;
	pthread_mutex_unlock(&gi->map_lock);
}

static void goferfs_map_put(struct vfs_inode *inode)
{
	struct gofer_inode *gi = to_gi(inode);
	int err;

	pthread_mutex_lock(&gi->map_lock);
	/* An address space let go (munmap, exit): its stores reach the host. */
	err = cache_writeback(gi, 0, UINT64_MAX);
	if (err)
		log_warn_once("goferfs: writing back a shared mapping failed: "
			      "%s",
			      strerror(-err));
	if (--gi->mc.maps == 0)
		cache_release(gi, false);
	pthread_mutex_unlock(&gi->map_lock);
}

/* The most pages map_pages reads from the host under a try. */
#define MAP_FILL_MAX 512

static int goferfs_map_pages(struct vfs_inode *inode, uint64_t idx, size_t n,
			     uint64_t *moff, unsigned int flags)
{
	struct gofer_inode *gi = to_gi(inode);
	bool try = flags & VFS_MAP_TRY;
	int err = 0;

	if (try ? pthread_mutex_trylock(&gi->map_lock)
		: pthread_mutex_lock(&gi->map_lock))
		return -EAGAIN;
	/*
	 * Under an address space's lock (try), a large range (a new mapping)
	 * gets only what is cached: the rest is read on faults, not all now.
	 */
	for (size_t i = 0; i < n; i++) {
		uint64_t at = idx + i;

		moff[i] = 0;
		if (err || !gi->mc.active)
			continue;
		if (try && n > MAP_FILL_MAX)
			moff[i] =
			    at < gi->mc.npages && at < pages_for(gi->mc.size)
				? gi->mc.pages[at]
				: 0;
		else
			moff[i] = cache_page(gi, at, &err);
	}
	pthread_mutex_unlock(&gi->map_lock);
	return err;
}

static int goferfs_map_sync(struct vfs_inode *inode, uint64_t idx, uint64_t n)
{
	struct gofer_inode *gi = to_gi(inode);
	int err = 0;

	if (cache_lock(gi)) {
		err = cache_writeback(gi, idx,
				      idx + n < idx ? UINT64_MAX : idx + n);
		pthread_mutex_unlock(&gi->map_lock);
	}
	return err;
}

/* Write the whole cache back, if there is one: before host-fd use. */
static int cache_sync_all(struct vfs_inode *inode)
{
	return goferfs_map_sync(inode, 0, UINT64_MAX);
}

static int goferfs_setattr(struct vfs_inode *inode,
			   const struct vfs_setattr *sa)
{
	struct gofer_setattr_req q = {.fid = to_gi(inode)->fid};
	struct gofer_inode *gi = to_gi(inode);
	bool locked = false, shrunk = false;
	struct gofer_stat st;
	int err;

	if (sa->mask & VFS_SETATTR_MODE) {
		q.mask |= GOFER_SETATTR_MODE;
		q.mode = sa->mode & 07777;
	}
	if (sa->mask & VFS_SETATTR_UID) {
		q.mask |= GOFER_SETATTR_UID;
		q.uid = sa->uid;
	}
	if (sa->mask & VFS_SETATTR_GID) {
		q.mask |= GOFER_SETATTR_GID;
		q.gid = sa->gid;
	}
	if (sa->mask & VFS_SETATTR_SIZE) {
		q.mask |= GOFER_SETATTR_SIZE;
		q.size = sa->size;
	}
	if (sa->mask & VFS_SETATTR_ATIME) {
		q.mask |= GOFER_SETATTR_ATIME;
		q.atime_sec = sa->atime.tv_sec;
		q.atime_nsec = sa->mask & VFS_SETATTR_ATIME_NOW
				   ? GOFER_UTIME_NOW
				   : (uint32_t)sa->atime.tv_nsec;
	}
	if (sa->mask & VFS_SETATTR_MTIME) {
		q.mask |= GOFER_SETATTR_MTIME;
		q.mtime_sec = sa->mtime.tv_sec;
		q.mtime_nsec = sa->mask & VFS_SETATTR_MTIME_NOW
				   ? GOFER_UTIME_NOW
				   : (uint32_t)sa->mtime.tv_nsec;
	}
	/* A new size: the cache's pages follow the host file's. */
	if (q.mask & GOFER_SETATTR_SIZE)
		locked = cache_lock(gi);
	err = gofer_setattr(client(inode), &q, &st);
	if (!err && locked) {
		struct gofer_cache *c = &gi->mc;

		if (sa->size < c->size) {
			cache_drop_from(gi, pages_for(sa->size));
			cache_zero_tail(gi, sa->size);
			shrunk = true;
		} else {
			/* Stores past the old end never reached the file. */
			cache_zero_tail(gi, c->size);
		}
		c->size = sa->size;
	}
	if (locked)
		pthread_mutex_unlock(&gi->map_lock);
	if (err)
		return err;
	attrs_from(inode, &st);
	/* Mappings of the pages dropped go: SIGBUS on access, as Linux. */
	if (shrunk)
		mm_file_truncated(inode, sa->size);
	return 0;
}

/*
 * Extended attributes pass through to the host file. A file whose last
 * stat showed no xattrs is answered here: `ls -l` asks every file for
 * security.selinux, and nearly none has it.
 */
static uint32_t xattrs_known(struct vfs_inode *inode)
{
	uint32_t len;

	pthread_mutex_lock(&inode->lock);
	len = to_gi(inode)->xattr_len;
	pthread_mutex_unlock(&inode->lock);
	return len;
}

static ssize_t goferfs_getxattr(struct vfs_inode *inode, const char *name,
				void *buf, size_t size)
{
	if (!xattrs_known(inode))
		return -ENODATA;
	return gofer_getxattr(client(inode), to_gi(inode)->fid, name, buf,
			      size);
}

static ssize_t goferfs_listxattr(struct vfs_inode *inode, char *buf,
				 size_t size)
{
	if (!xattrs_known(inode))
		return 0;
	return gofer_listxattr(client(inode), to_gi(inode)->fid, buf, size);
}

static int goferfs_setxattr(struct vfs_inode *inode, const char *name,
			    const void *value, size_t size, int flags)
{
	struct gofer_stat st;
	ssize_t n;

	n = gofer_setxattr(client(inode), to_gi(inode)->fid, name, value, size,
			   flags & VFS_XATTR_REMOVE ? GOFER_XATTR_REMOVE
						    : (uint32_t)flags);
	if (n < 0)
		return (int)n;
	/* The change time moved; the list length is the new one. */
	if (gofer_stat(client(inode), to_gi(inode)->fid, &st) == 0)
		attrs_from(inode, &st);
	return 0;
}

/* ---- open files -----------------------------------------------------------
 */

struct gofer_file {
	struct file f;
	int fd;	       /* host fd; owned unless shared */
	bool shared;   /* the inode's ro_fd */
	char *dents;   /* directories: every entry, read at position 0 */
	size_t ndents; /* entries in dents */
};

struct dent {
	uint64_t ino;
	uint8_t type;
	uint16_t len;
	char name[];
};

static struct gofer_file *to_gf(struct file *f)
{
	return container_of(f, struct gofer_file, f);
}

#define GOFER_IOV_MAX 1024

/* Host iovecs over the application's buffers (as host.c's). */
static int build_iov(struct task *t, const struct abi_iovec *iov, int iovcnt,
		     int access, struct iovec *hiov)
{
	int n = 0;

	for (int i = 0; i < iovcnt && n < GOFER_IOV_MAX; i++) {
		size_t covered;
		int r;

		if (iov[i].iov_len == 0)
			continue;
		r = mm_iovecs(t->mm, iov[i].iov_base, iov[i].iov_len, access,
			      hiov + n, GOFER_IOV_MAX - n, &covered);
		if (r < 0)
			return n ? n : r;
		n += r;
		if (covered < iov[i].iov_len)
			break;
	}
	return n;
}

static ssize_t goferfs_read(struct file *f, struct task *t,
			    const struct abi_iovec *iov, int iovcnt,
			    int64_t *pos)
{
	struct iovec hiov[GOFER_IOV_MAX];
	struct gofer_inode *gi = to_gi(f->inode);
	ssize_t r;
	int n = build_iov(t, iov, iovcnt, ABI_PROT_WRITE, hiov);
	bool locked;

	if (n <= 0)
		return n;
	locked = cache_lock(gi);
	do
		r = preadv(to_gf(f)->fd, hiov, n, *pos);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	else if (locked)
		cache_copy(gi, hiov, n, (uint64_t)*pos, (uint64_t)r, false);
	if (locked)
		pthread_mutex_unlock(&gi->map_lock);
	if (r > 0)
		*pos += r;
	return r;
}

static ssize_t goferfs_write(struct file *f, struct task *t,
			     const struct abi_iovec *iov, int iovcnt,
			     int64_t *pos)
{
	struct iovec hiov[GOFER_IOV_MAX];
	struct vfs_inode *inode = f->inode;
	ssize_t r;
	int n = build_iov(t, iov, iovcnt, ABI_PROT_READ, hiov);
	bool locked;

	if (n <= 0)
		return n;
	pthread_mutex_lock(&inode->lock);
	locked = cache_lock(to_gi(inode));
	if (f->flags & ABI_O_APPEND)
		*pos = (int64_t)inode->size;
	do
		r = pwritev(to_gf(f)->fd, hiov, n, *pos);
	while (r < 0 && errno == EINTR);
	if (r > 0 && locked)
		cache_copy(to_gi(inode), hiov, n, (uint64_t)*pos, (uint64_t)r,
			   true);
	if (locked)
		pthread_mutex_unlock(&to_gi(inode)->map_lock);
	if (r > 0) {
		struct abi_timespec now;

		*pos += r;
		if ((uint64_t)*pos > inode->size)
			inode->size = (uint64_t)*pos;
		vfs_now(&now);
		inode->mtime = inode->ctime = now;
	}
	pthread_mutex_unlock(&inode->lock);
	return r < 0 ? -errno : r;
}

static ssize_t goferfs_kread(struct file *f, void *buf, size_t len, int64_t off)
{
	struct gofer_inode *gi = to_gi(f->inode);
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	bool locked = cache_lock(gi);
	ssize_t r;

	do
		r = pread(to_gf(f)->fd, buf, len, off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	else if (locked)
		cache_copy(gi, &iov, 1, (uint64_t)off, (uint64_t)r, false);
	if (locked)
		pthread_mutex_unlock(&gi->map_lock);
	return r;
}

static ssize_t goferfs_kwrite(struct file *f, const void *buf, size_t len,
			      int64_t *pos)
{
	struct vfs_inode *inode = f->inode;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	bool locked;
	ssize_t r;

	pthread_mutex_lock(&inode->lock);
	locked = cache_lock(to_gi(inode));
	if (f->flags & ABI_O_APPEND)
		*pos = (int64_t)inode->size;
	do
		r = pwrite(to_gf(f)->fd, buf, len, *pos);
	while (r < 0 && errno == EINTR);
	if (r > 0 && locked)
		cache_copy(to_gi(inode), &iov, 1, (uint64_t)*pos, (uint64_t)r,
			   true);
	if (locked)
		pthread_mutex_unlock(&to_gi(inode)->map_lock);
	if (r > 0) {
		struct abi_timespec now;

		*pos += r;
		if ((uint64_t)*pos > inode->size)
			inode->size = (uint64_t)*pos;
		vfs_now(&now);
		inode->mtime = inode->ctime = now;
	}
	pthread_mutex_unlock(&inode->lock);
	return r < 0 ? -errno : r;
}

static int goferfs_fallocate(struct file *f, int mode, int64_t off, int64_t len)
{
	struct gofer_inode *gi = to_gi(f->inode);
	bool locked = cache_lock(gi);
	struct gofer_stat st;
	int err = 0;

	if (fallocate(to_gf(f)->fd, mode, off, len) < 0)
		err = -errno;
	if (!err && locked) {
		/* A hole reads as zeros through the mappings too. */
		for (uint64_t at = (uint64_t)off; at < (uint64_t)(off + len);) {
			uint64_t e = min_t(uint64_t, (uint64_t)(off + len),
					   (at / PAGE_SIZE + 1) * PAGE_SIZE);
			uint8_t *p = cached(gi, at / PAGE_SIZE);

			if (p && (mode & FALLOC_FL_PUNCH_HOLE))
				memset(p + at % PAGE_SIZE, 0, e - at);
			at = e;
		}
		if (!(mode & FALLOC_FL_KEEP_SIZE) &&
		    (uint64_t)(off + len) > gi->mc.size)
			gi->mc.size = (uint64_t)(off + len);
	}
	if (locked)
		pthread_mutex_unlock(&gi->map_lock);
	if (err)
		return err;
	if (gofer_stat(client(f->inode), to_gi(f->inode)->fid, &st) == 0)
		attrs_from(f->inode, &st);
	return 0;
}

/* For copies straight from the host file: the mappings' stores first. */
static int goferfs_host_fd(struct file *f)
{
	cache_sync_all(f->inode);
	return to_gf(f)->fd;
}

/*
 * MAP_SHARED: the inode itself, its cache active from now on, with a host
 * fd of the cache's own, writable when f is (so that stores can go back).
 */
static struct vfs_inode *goferfs_mmap_inode(struct file *f)
{
	struct vfs_inode *inode = f->inode;
	struct gofer_inode *gi = to_gi(inode);
	struct gofer_cache *c = &gi->mc;
	bool rw = file_writable(f), need;
	int fd = -1, err = 0;

	pthread_mutex_lock(&gi->map_lock);
	need = c->fd < 0 || (rw && !c->rw);
	pthread_mutex_unlock(&gi->map_lock);
	if (need)
		err = gofer_open(client(inode), gi->fid, rw ? O_RDWR : O_RDONLY,
				 &fd);
	if (err)
		return ERR_PTR(err);
	/* The inode's lock first, as writes take them: its size is current. */
	pthread_mutex_lock(&inode->lock);
	pthread_mutex_lock(&gi->map_lock);
	if (fd >= 0 && (c->fd < 0 || (rw && !c->rw))) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = fd;
		c->rw = rw;
		fd = -1;
	}
	if (!c->active) {
		c->size = inode->size;
		__atomic_store_n(&c->active, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&gi->map_lock);
	pthread_mutex_unlock(&inode->lock);
	if (fd >= 0)
		close(fd);
	return vfs_inode_get(inode);
}

static int goferfs_file_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static bool goferfs_seekable(struct file *f)
{
	(void)f;
	return true;
}

/*
 * fsync and fdatasync: the mappings' stores first, then the gofer syncs
 * the host file (the sentry's seccomp filter has no fsync).
 */
static int goferfs_fsync(struct file *f, bool datasync)
{
	int err = cache_sync_all(f->inode);

	(void)datasync;
	if (err)
		return err;
	return gofer_fsync(client(f->inode), to_gi(f->inode)->fid);
}

static void goferfs_release(struct file *f)
{
	struct gofer_file *gf = to_gf(f);

	/* The close of a writable file writes its mappings' stores back. */
	if (f->inode && ABI_S_ISREG(f->inode->mode) && file_writable(f))
		cache_sync_all(f->inode);
	if (gf->fd >= 0 && !gf->shared)
		close(gf->fd);
	free(gf->dents);
	free(gf);
}

struct dents_fill {
	char *buf;
	size_t len, cap, n;
	int err;
};

static int fill_emit(void *arg, const char *name, size_t len, uint64_t ino,
		     unsigned type, uint64_t next)
{
	struct dents_fill *d = arg;
	size_t need = (sizeof(struct dent) + len + 7) & ~(size_t)7;
	struct dent *e;

	(void)next;
	if (need > d->cap - d->len) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		char *p;

		while (cap - d->len < need)
			cap *= 2;
		p = realloc(d->buf, cap);
		if (!p) {
			d->err = -ENOMEM;
			return 1;
		}
		d->buf = p;
		d->cap = cap;
	}
	e = (struct dent *)(d->buf + d->len);
	e->ino = ino;
	e->type = (uint8_t)type;
	e->len = (uint16_t)len;
	memcpy(e->name, name, len);
	d->len += need;
	d->n++;
	return 0;
}

/* A whole listing's names, kept on the directory for the look-ahead. */
static void listing_keep(struct gofer_file *gf)
{
	struct gofer_inode *gi = to_gi(gf->f.inode);
	struct goferfs_super *gs = to_gs(gf->f.inode->sb);
	size_t len = 0, at = 0;
	char *names, *p;

	if (gf->ndents == 0 || gf->ndents > AHEAD_MAX)
		return;
	for (size_t i = 0; i < gf->ndents; i++) {
		struct dent *e = (struct dent *)(gf->dents + at);

		at += (sizeof(struct dent) + e->len + 7) & ~(size_t)7;
		len += e->len + 1;
	}
	names = p = malloc(len);
	if (!names)
		return;
	at = 0;
	for (size_t i = 0; i < gf->ndents; i++) {
		struct dent *e = (struct dent *)(gf->dents + at);

		at += (sizeof(struct dent) + e->len + 7) & ~(size_t)7;
		memcpy(p, e->name, e->len);
		p[e->len] = '\0';
		p += e->len + 1;
	}
	pthread_mutex_lock(&gs->ahead_lock);
	listing_drop(gi);
	gi->listing = names;
	gi->listing_len = len;
	gi->nlisting = (unsigned)gf->ndents;
	pthread_mutex_unlock(&gs->ahead_lock);
}

/* Read the whole directory: positions are then indexes into it. */
static int load_dents(struct gofer_file *gf)
{
	struct dents_fill d = {0};
	uint64_t off = 0;
	bool eof = false;
	int err = 0;

	while (!eof && !err && !d.err)
		err =
		    gofer_getdents(client(gf->f.inode), to_gi(gf->f.inode)->fid,
				   &off, 32768, fill_emit, &d, &eof);
	if (!err)
		err = d.err;
	if (err) {
		free(d.buf);
		return err;
	}
	free(gf->dents);
	gf->dents = d.buf;
	gf->ndents = d.n;
	listing_keep(gf);
	return 0;
}

static int goferfs_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct gofer_file *gf = to_gf(f);
	struct vfs_dentry *d = f->path.dentry;
	struct vfs_inode *parent =
	    d && d->parent && d->parent->inode ? d->parent->inode : f->inode;
	size_t at = 0;
	int err;

	if (f->pos == 0 || !gf->dents) {
		err = load_dents(gf);
		if (err)
			return err;
	}
	if (f->pos == 0) {
		if (sink->emit(sink, ".", 1, f->inode->ino, ABI_DT_DIR, 1))
			return 0;
		f->pos = 1;
	}
	if (f->pos == 1) {
		if (sink->emit(sink, "..", 2, parent->ino, ABI_DT_DIR, 2))
			return 0;
		f->pos = 2;
	}
	for (size_t i = 0; i < gf->ndents; i++) {
		struct dent *e = (struct dent *)(gf->dents + at);

		at += (sizeof(struct dent) + e->len + 7) & ~(size_t)7;
		if ((int64_t)i + 2 < f->pos)
			continue;
		if (sink->emit(sink, e->name, e->len, e->ino, e->type,
			       (int64_t)i + 3))
			return 0;
		f->pos = (int64_t)i + 3;
	}
	return 0;
}

static const struct file_ops goferfs_reg_ops = {
    .read = goferfs_read,
    .write = goferfs_write,
    .kread = goferfs_kread,
    .kwrite = goferfs_kwrite,
    .fallocate = goferfs_fallocate,
    .host_fd = goferfs_host_fd,
    .mmap_inode = goferfs_mmap_inode,
    .stat = goferfs_file_stat,
    .seekable = goferfs_seekable,
    .fsync = goferfs_fsync,
    .release = goferfs_release,
    .size_limited = true,
};

static const struct file_ops goferfs_dir_ops = {
    .stat = goferfs_file_stat,
    .seekable = goferfs_seekable,
    .readdir = goferfs_readdir,
    .fsync = goferfs_fsync,
    .release = goferfs_release,
};

/* Host open flags for what the sentry asks; the sentry keeps the rest. */
static uint32_t host_flags(uint32_t flags)
{
	uint32_t h = 0;

	switch (flags & ABI_O_ACCMODE) {
	case ABI_O_WRONLY:
		h = O_WRONLY;
		break;
	case ABI_O_RDWR:
		h = O_RDWR;
		break;
	default:
		h = O_RDONLY;
		break;
	}
	if (flags & ABI_O_DSYNC)
		h |= O_DSYNC;
	if ((flags & ABI_O_SYNC) == ABI_O_SYNC)
		h |= O_SYNC;
	return h;
}

static struct file *goferfs_open(struct vfs_inode *inode, uint32_t flags)
{
	struct gofer_inode *gi = to_gi(inode);
	struct gofer_file *gf = calloc(1, sizeof(*gf));
	int err = 0;

	if (!gf)
		return ERR_PTR(-ENOMEM);
	gf->fd = -1;
	if (ABI_S_ISDIR(inode->mode)) {
		file_init(&gf->f, &goferfs_dir_ops, flags);
		return &gf->f;
	}
	if (!ABI_S_ISREG(inode->mode)) {
		free(gf);
		return ERR_PTR(-ENXIO);
	}
	file_init(&gf->f, &goferfs_reg_ops, flags);
	if ((flags & ABI_O_ACCMODE) == ABI_O_RDONLY) {
		pthread_mutex_lock(&inode->lock);
		if (gi->ro_fd < 0)
			err = gofer_open(client(inode), gi->fid, O_RDONLY,
					 &gi->ro_fd);
		gf->fd = gi->ro_fd;
		gf->shared = true;
		pthread_mutex_unlock(&inode->lock);
	} else {
		err = gofer_open(client(inode), gi->fid, host_flags(flags),
				 &gf->fd);
	}
	if (err) {
		free(gf);
		return ERR_PTR(err);
	}
	return &gf->f;
}

static void goferfs_evict(struct vfs_inode *inode)
{
	struct gofer_inode *gi = to_gi(inode);
	struct vfs_super *sb = inode->sb;

	ahead_evict(to_gs(sb), gi);
	queue_clunk(to_gs(sb), gi->fid);
	/* No mappings are left (they hold references): nothing to write. */
	cache_release(gi, true);
	if (gi->ro_fd >= 0)
		close(gi->ro_fd);
	free(gi->target);
	free(gi);
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops->destroy)
		sb->ops->destroy(sb);
}

/* The gofer refuses it unless the mount allows (--bind ...:connect). */
static int goferfs_connect(struct vfs_inode *inode, int type, int *fd)
{
	return gofer_connect(client(inode), to_gi(inode)->fid, (uint32_t)type,
			     fd);
}

static const struct vfs_inode_ops goferfs_inode_ops = {
    .lookup = goferfs_lookup,
    .getxattr = goferfs_getxattr,
    .setxattr = goferfs_setxattr,
    .listxattr = goferfs_listxattr,
    .mknod = goferfs_mknod,
    .mkdir = goferfs_mkdir,
    .symlink = goferfs_symlink,
    .link = goferfs_link,
    .unlink = goferfs_unlink,
    .rmdir = goferfs_rmdir,
    .rename = goferfs_rename,
    .readlink = goferfs_readlink,
    .setattr = goferfs_setattr,
    .open = goferfs_open,
    .map_get = goferfs_map_get,
    .map_put = goferfs_map_put,
    .map_pages = goferfs_map_pages,
    .map_sync = goferfs_map_sync,
    .connect = goferfs_connect,
    .evict = goferfs_evict,
};

static int goferfs_statfs(struct vfs_super *sb, struct abi_statfs *st)
{
	struct goferfs_super *gs = to_gs(sb);
	struct gofer_statfs g;
	struct gofer_node root;
	int err;

	/* Any fid of the mount will do; the root is attached for this. */
	err = gofer_attach(gs->c, gs->mount, &root);
	if (err)
		return err;
	err = gofer_statfs(gs->c, root.fid, &g);
	gofer_clunk(gs->c, &root.fid, 1);
	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	st->f_type = (int64_t)g.type;
	st->f_bsize = (int64_t)g.bsize;
	st->f_blocks = g.blocks;
	st->f_bfree = g.bfree;
	st->f_bavail = g.bavail;
	st->f_files = g.files;
	st->f_ffree = g.ffree;
	st->f_namelen = (int64_t)g.namelen;
	st->f_frsize = (int64_t)g.frsize;
	return 0;
}

static void goferfs_destroy(struct vfs_super *sb)
{
	struct goferfs_super *gs = to_gs(sb);

	if (gs->nclunks)
		gofer_clunk(gs->c, gs->clunks, gs->nclunks);
	free(gs);
}

static const struct vfs_super_ops goferfs_super_ops = {
    .statfs = goferfs_statfs,
    .destroy = goferfs_destroy,
};

struct vfs_inode *goferfs_create(struct gofer_client *c, struct memfile *mf,
				 uint32_t mount, bool ro, int *errp)
{
	struct goferfs_super *gs = calloc(1, sizeof(*gs));
	struct gofer_node node;
	struct vfs_inode *root;
	int err;

	if (!gs) {
		*errp = -ENOMEM;
		return NULL;
	}
	vfs_super_init(&gs->sb, &goferfs_super_ops, "9p");
	gs->c = c;
	gs->mf = mf;
	gs->ro = ro;
	pthread_mutex_init(&gs->clunk_lock, NULL);
	pthread_mutex_init(&gs->ahead_lock, NULL);
	gs->mount = mount;
	err = gofer_attach(c, mount, &node);
	if (err) {
		free(gs);
		*errp = err;
		return NULL;
	}
	root = inode_from(&gs->sb, &node);
	/* The root inode holds the superblock now. */
	__atomic_sub_fetch(&gs->sb.refs, 1, __ATOMIC_RELAXED);
	if (!root) {
		free(gs);
		*errp = -ENOMEM;
		return NULL;
	}
	return root;
}
