// SPDX-License-Identifier: Apache-2.0
/*
 * flock(2) locks (fs/locks.c): a shared or exclusive lock per open file
 * description on an inode. Descriptions conflict with each other, even in
 * one process; a description's own lock converts. The lock goes with the
 * description's last close.
 *
 * Deviation for now: a blocked flock cannot be interrupted by a signal.
 */
#include "sentry/vfs/vfs.h"

#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

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

int vfs_flock(struct file *f, int op)
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
		if (op & LOCK_NB) {
			err = -EWOULDBLOCK;
			goto out;
		}
		pthread_cond_wait(&flock_cond, &flock_lock);
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
