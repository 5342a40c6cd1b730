// SPDX-License-Identifier: Apache-2.0
/*
 * File locks (fs/locks.c), two independent kinds, as in Linux:
 *
 * flock(2) locks: a shared or exclusive lock per open file description on
 * an inode. Descriptions conflict with each other, even in one process; a
 * description's own lock converts. The lock goes with the description's
 * last close. A blocked flock looks for signals every LOCK_WAIT_TICK_NS.
 *
 * Byte-range locks (fcntl's F_SETLK family): read and write locks on byte
 * ranges of an inode, owned by a process's fd table (POSIX record locks)
 * or by an open file description (OFD locks), in one list per inode that
 * both kinds share, so they conflict with each other even in one process.
 * An owner's own locks never conflict: setting one over them replaces that
 * part, and ranges of one type that meet merge. A process's POSIX locks on
 * an inode go when it closes any fd of the inode (fd_close and friends);
 * OFD locks go with their description's last close (file_put).
 */
#include "sentry/vfs/vfs.h"

#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Waits for a lock look for a signal this often. */
#define LOCK_WAIT_TICK_NS 10000000L

/* When a waiting lock looks again (CLOCK_REALTIME, the condvars'). */
static void next_tick(struct timespec *tick)
{
	clock_gettime(CLOCK_REALTIME, tick);
	tick->tv_nsec += LOCK_WAIT_TICK_NS;
	if (tick->tv_nsec >= 1000000000L) {
		tick->tv_sec++;
		tick->tv_nsec -= 1000000000L;
	}
}

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

struct flock_entry {
	struct vfs_inode *inode; /* the key: never dereferenced */
	struct file *owner;
	int type; /* LOCK_SH or LOCK_EX */
	struct flock_entry *next;
};

static pthread_mutex_t flock_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flock_cond = PTHREAD_COND_INITIALIZER;
static struct flock_entry *flocks;

/* Does a lock of type by owner conflict with someone else's? */
static bool conflicts(struct vfs_inode *inode, struct file *owner, int type)
{
	for (struct flock_entry *e = flocks; e; e = e->next)
		if (e->inode == inode && e->owner != owner &&
		    (type == LOCK_EX || e->type == LOCK_EX))
			return true;
	return false;
}

static struct flock_entry **find(struct vfs_inode *inode, struct file *owner)
{
	struct flock_entry **pp;

	for (pp = &flocks; *pp; pp = &(*pp)->next)
		if ((*pp)->inode == inode && (*pp)->owner == owner)
			return pp;
	return NULL;
}

static void drop(struct flock_entry **pp)
{
	struct flock_entry *e = *pp;

	*pp = e->next;
	free(e);
	pthread_cond_broadcast(&flock_cond);
}

int vfs_flock(struct file *f, int op, bool (*interrupted)(void *arg), void *arg)
{
	int type = op & ~LOCK_NB;
	struct flock_entry **pp, *e;
	int err = 0;

	/* LOCK_MAND (32) is deprecated: Linux accepts it and does nothing. */
	if (op & 32)
		return 0;
	if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN)
		return -EINVAL;
	if (!f->inode)
		return -EINVAL;
	pthread_mutex_lock(&flock_lock);
	pp = find(f->inode, f);
	if (type == LOCK_UN) {
		if (pp)
			drop(pp);
		goto out;
	}
	if (pp && (*pp)->type == type)
		goto out;
	/* Converting: the old lock goes first, as Linux does. */
	if (pp)
		drop(pp);
	while (conflicts(f->inode, f, type)) {
		struct timespec tick;

		if (op & LOCK_NB) {
			err = -EWOULDBLOCK;
			goto out;
		}
		if (interrupted && interrupted(arg)) {
			err = -ERESTARTSYS;
			goto out;
		}
		/* Signals do not wake the condition: look every tick. */
		next_tick(&tick);
		pthread_cond_timedwait(&flock_cond, &flock_lock, &tick);
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		err = -ENOLCK;
		goto out;
	}
	*e = (struct flock_entry){
	    .inode = f->inode, .owner = f, .type = type, .next = flocks};
	flocks = e;
out:
	pthread_mutex_unlock(&flock_lock);
	return err;
}

void vfs_flock_release(struct file *f)
{
	struct flock_entry **pp;

	if (!f->inode)
		return;
	pthread_mutex_lock(&flock_lock);
	while ((pp = find(f->inode, f)))
		drop(pp);
	pthread_mutex_unlock(&flock_lock);
}

/* ---- byte-range locks ---- */

static bool overlaps(const struct vfs_lock *l, int64_t start, int64_t end)
{
	return l->start <= end && start <= l->end;
}

const struct vfs_lock *vfs_lock_list_test(const struct vfs_lock *list,
					  const struct vfs_lock *req)
{
	for (const struct vfs_lock *l = list; l; l = l->next) {
		if (!overlaps(l, req->start, req->end))
			continue;
		if (req->type == ABI_F_UNLCK) {
			/* Recent Linux: F_OFD_GETLK F_UNLCK finds our own. */
			if (l->owner == req->owner)
				return l;
			continue;
		}
		if (l->owner != req->owner &&
		    (l->type == ABI_F_WRLCK || req->type == ABI_F_WRLCK))
			return l;
	}
	return NULL;
}

int vfs_lock_list_apply(struct vfs_lock **list, const struct vfs_lock *req)
{
	struct vfs_lock *add = NULL, *spare, **pp, **at = NULL, *l;
	int64_t start = req->start, end = req->end;
	bool placed = false;

	/* At most two new entries: the lock and the far end of a split. */
	spare = malloc(sizeof(*spare));
	if (req->type != ABI_F_UNLCK)
		add = malloc(sizeof(*add));
	if (!spare || (req->type != ABI_F_UNLCK && !add)) {
		free(spare);
		free(add);
		return -ENOLCK;
	}
	for (pp = list; (l = *pp);) {
		bool drop = false;

		if (l->owner != req->owner) {
			pp = &l->next;
			continue;
		}
		if (l->type == req->type) {
			/* Overlapping or adjacent ("- 1": no overflow). */
			if (l->end >= start - 1 && l->start - 1 <= end) {
				start = l->start < start ? l->start : start;
				end = l->end > end ? l->end : end;
				drop = true;
			}
		} else if (overlaps(l, req->start, req->end)) {
			if (l->start < req->start && l->end > req->end) {
				/* Split: l keeps the left, spare the right. */
				*spare = *l;
				spare->start = req->end + 1;
				l->end = req->start - 1;
				l->next = spare;
				if (add) {
					l->next = add;
					add->next = spare;
					placed = true;
				}
				pp = &spare->next;
				spare = NULL;
				continue;
			}
			if (l->start < req->start)
				l->end = req->start - 1;
			else if (l->end > req->end)
				l->start = req->end + 1;
			else
				drop = true;
		}
		if (!drop) {
			pp = &l->next;
			continue;
		}
		/* The new lock takes the place of the first it replaces. */
		if (add && !placed) {
			add->next = l->next;
			*pp = add;
			pp = &add->next;
			placed = true;
		} else {
			*pp = l->next;
		}
		free(l);
	}
	free(spare);
	if (!add)
		return 0;
	if (!placed) {
		/*
		 * Among the owner's locks, before the first that starts
		 * later; after its last; or, its first, at the end.
		 */
		for (pp = list; (l = *pp); pp = &l->next) {
			if (l->owner != req->owner) {
				if (at)
					break;
				continue;
			}
			at = pp;
			if (l->start > start)
				break;
			at = &l->next;
		}
		if (!at)
			at = pp;
		add->next = *at;
		*at = add;
	}
	add->start = start;
	add->end = end;
	add->owner = req->owner;
	add->type = req->type;
	add->pid = req->pid;
	add->ofd = req->ofd;
	return 0;
}

void vfs_lock_list_free(struct vfs_lock **list)
{
	while (*list) {
		struct vfs_lock *l = *list;

		*list = l->next;
		free(l);
	}
}

/* One file's locks; the file's key is never dereferenced. */
struct lock_ctx {
	const void *key;
	struct vfs_lock *locks;
	struct lock_ctx *next;
};

/* A task sleeping in F_SETLKW, for deadlock detection. */
struct lock_waiter {
	const void *owner;
	const void *blocker; /* the owner of the lock it waits for */
	bool blocker_posix;  /* ... which is a POSIX lock */
	struct lock_waiter *next;
};

static pthread_mutex_t rlock_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rlock_cond = PTHREAD_COND_INITIALIZER;
static struct lock_ctx *rlock_ctxs;
static int rlock_nctxs; /* read without the lock: close's fast path */
static struct lock_waiter *rlock_waiters;
static unsigned long rlock_gen; /* counts changes to any list */

/* How often a sleeping F_SETLKW looks for a signal. */
/* Linux's MAX_DEADLK_ITERATIONS: longer chains are not followed. */
#define MAX_DEADLK_ITERATIONS 10

static struct lock_ctx **ctx_find(const void *key)
{
	struct lock_ctx **pp;

	for (pp = &rlock_ctxs; *pp; pp = &(*pp)->next)
		if ((*pp)->key == key)
			return pp;
	return NULL;
}

/* ctx lost its last lock: it goes. */
static void ctx_drop_if_empty(struct lock_ctx **pp)
{
	struct lock_ctx *c = *pp;

	if (c->locks)
		return;
	*pp = c->next;
	free(c);
	__atomic_sub_fetch(&rlock_nctxs, 1, __ATOMIC_SEQ_CST);
}

bool vfs_lock_test(const void *key, const struct vfs_lock *req,
		   struct vfs_lock *out)
{
	const struct vfs_lock *l = NULL;
	struct lock_ctx **pp;

	pthread_mutex_lock(&rlock_lock);
	pp = ctx_find(key);
	if (pp)
		l = vfs_lock_list_test((*pp)->locks, req);
	if (l) {
		*out = *l;
		out->next = NULL;
	}
	pthread_mutex_unlock(&rlock_lock);
	return l != NULL;
}

/*
 * Would req's owner, waiting for blocker, close a cycle? Follow who the
 * blocker's owner waits for, as Linux: only POSIX requests are checked,
 * only waits for POSIX locks followed.
 */
static bool would_deadlock(const struct vfs_lock *req,
			   const struct vfs_lock *blocker)
{
	const void *owner = blocker->owner;

	if (req->ofd)
		return false;
	for (int i = 0; i <= MAX_DEADLK_ITERATIONS; i++) {
		struct lock_waiter *w;

		for (w = rlock_waiters; w; w = w->next)
			if (w->owner == owner && w->blocker_posix)
				break;
		if (!w)
			return false;
		owner = w->blocker;
		if (owner == req->owner)
			return true;
	}
	return false;
}

static void waiter_remove(struct lock_waiter *me)
{
	for (struct lock_waiter **pp = &rlock_waiters; *pp; pp = &(*pp)->next)
		if (*pp == me) {
			*pp = me->next;
			return;
		}
}

int vfs_lock_set(const void *key, const struct vfs_lock *req, bool wait,
		 bool (*interrupted)(void *arg), void *arg)
{
	struct lock_waiter me = {.owner = req->owner};
	unsigned long seen = 0;
	bool waiting = false;
	struct lock_ctx **pp, *c;
	int err;

	pthread_mutex_lock(&rlock_lock);
	for (;;) {
		const struct vfs_lock *blocker = NULL;
		struct timespec tick;

		pp = ctx_find(key);
		if (pp && req->type != ABI_F_UNLCK)
			blocker = vfs_lock_list_test((*pp)->locks, req);
		if (!blocker)
			break;
		if (!wait) {
			err = -EAGAIN;
			goto out;
		}
		/*
		 * As Linux, only before sleeping and after a change that
		 * could have woken us, not on every tick.
		 */
		if ((!waiting || seen != rlock_gen) &&
		    would_deadlock(req, blocker)) {
			err = -EDEADLK;
			goto out;
		}
		seen = rlock_gen;
		if (interrupted && interrupted(arg)) {
			err = -ERESTARTSYS;
			goto out;
		}
		me.blocker = blocker->owner;
		me.blocker_posix = !blocker->ofd;
		if (!waiting) {
			me.next = rlock_waiters;
			rlock_waiters = &me;
			waiting = true;
		}
		/* Signals do not wake the condition: look every tick. */
		next_tick(&tick);
		pthread_cond_timedwait(&rlock_cond, &rlock_lock, &tick);
	}
	err = 0;
	if (!pp) {
		if (req->type == ABI_F_UNLCK)
			goto out;
		c = calloc(1, sizeof(*c));
		if (!c) {
			err = -ENOLCK;
			goto out;
		}
		c->key = key;
		c->next = rlock_ctxs;
		rlock_ctxs = c;
		__atomic_add_fetch(&rlock_nctxs, 1, __ATOMIC_SEQ_CST);
		pp = &rlock_ctxs;
	}
	err = vfs_lock_list_apply(&(*pp)->locks, req);
	ctx_drop_if_empty(pp);
	rlock_gen++;
	/* Unlocks and downgrades may let a waiter in. */
	pthread_cond_broadcast(&rlock_cond);
out:
	if (waiting)
		waiter_remove(&me);
	pthread_mutex_unlock(&rlock_lock);
	return err;
}

void vfs_lock_release(const void *key, const void *owner)
{
	struct lock_ctx **pp;

	if (!__atomic_load_n(&rlock_nctxs, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&rlock_lock);
	pp = ctx_find(key);
	if (pp) {
		struct vfs_lock **lp = &(*pp)->locks, *l;

		while ((l = *lp)) {
			if (l->owner == owner) {
				*lp = l->next;
				free(l);
			} else {
				lp = &l->next;
			}
		}
		ctx_drop_if_empty(pp);
		rlock_gen++;
		pthread_cond_broadcast(&rlock_cond);
	}
	pthread_mutex_unlock(&rlock_lock);
}
