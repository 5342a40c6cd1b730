// SPDX-License-Identifier: Apache-2.0
/* Lifetimes of inodes, dentries, mounts, and the mount namespace. */
#include "sentry/vfs/vfs.h"

#include "sentry/kernel/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void vfs_now(struct abi_timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	ts->tv_sec = now.tv_sec;
	ts->tv_nsec = now.tv_nsec;
}

/* Device numbers for filesystems without one of their own: 0:N as Linux's
 * anonymous block devices. */
static uint64_t next_anon_dev = 16;

void vfs_super_init(struct vfs_super *sb, const struct vfs_super_ops *ops,
		    const char *type)
{
	sb->refs = 1;
	sb->ops = ops;
	sb->type = type;
	sb->dev = __atomic_fetch_add(&next_anon_dev, 1, __ATOMIC_RELAXED);
	sb->next_ino = 1;
	pthread_mutex_init(&sb->ino_lock, NULL);
}

uint64_t vfs_next_ino(struct vfs_super *sb)
{
	return __atomic_fetch_add(&sb->next_ino, 1, __ATOMIC_RELAXED);
}

static void vfs_super_put(struct vfs_super *sb)
{
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops && sb->ops->destroy)
		sb->ops->destroy(sb);
}

void vfs_inode_init(struct vfs_inode *inode, struct vfs_super *sb,
		    const struct vfs_inode_ops *ops, uint32_t mode)
{
	struct abi_timespec now;

	vfs_now(&now);
	inode->refs = 1;
	inode->sb = sb;
	inode->ops = ops;
	pthread_mutex_init(&inode->lock, NULL);
	inode->ino = vfs_next_ino(sb);
	inode->mode = mode;
	inode->nlink = ABI_S_ISDIR(mode) ? 2 : 1;
	inode->atime = inode->mtime = inode->ctime = inode->btime = now;
}

struct vfs_inode *vfs_inode_get(struct vfs_inode *inode)
{
	__atomic_add_fetch(&inode->refs, 1, __ATOMIC_RELAXED);
	return inode;
}

void vfs_inode_put(struct vfs_inode *inode)
{
	if (!inode)
		return;
	if (__atomic_sub_fetch(&inode->refs, 1, __ATOMIC_ACQ_REL) == 0)
		inode->ops->evict(inode);
}

struct vfs_dentry *vfs_dentry_get(struct vfs_dentry *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

/*
 * A dentry in the tree stays cached while unreferenced; one removed from
 * the tree goes with its last reference, and drops its parent's.
 */
void vfs_dentry_put(struct vfs_dentry *d)
{
	while (d) {
		struct vfs_dentry *parent;

		if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0 ||
		    !d->removed)
			return;
		BUG_ON(d->children);
		parent = d->parent;
		vfs_inode_put(d->inode);
		free(d->name);
		free(d);
		__atomic_sub_fetch(&vfs_dentries, 1, __ATOMIC_RELAXED);
		d = parent;
	}
}

struct vfs_dentry *vfs_dentry_root(struct vfs_inode *inode)
{
	struct vfs_dentry *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->refs = 1;
	__atomic_add_fetch(&vfs_dentries, 1, __ATOMIC_RELAXED);
	d->name = strdup("/");
	d->inode = inode;
	/* A root is in no tree: it goes with its last reference. */
	d->removed = true;
	if (!d->name) {
		free(d);
		return NULL;
	}
	return d;
}

struct vfs_dentry *vfs_dentry_unlinked(struct vfs_dentry *parent,
				       const char *name,
				       struct vfs_inode *inode)
{
	struct vfs_dentry *d = calloc(1, sizeof(*d));

	if (!d || !(d->name = strdup(name))) {
		free(d);
		return NULL;
	}
	d->refs = 1;
	__atomic_add_fetch(&vfs_dentries, 1, __ATOMIC_RELAXED);
	d->parent = vfs_dentry_get(parent);
	d->inode = inode;
	d->removed = true;
	return d;
}

static struct vfs_mount *mnt_get(struct vfs_mount *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

static void mnt_put(struct vfs_mount *m)
{
	if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		vfs_dentry_put(m->root);
		vfs_super_put(m->sb);
		free(m->source);
		free(m->fsroot);
		free(m);
	}
}

void vfs_path_get(const struct vfs_path *p)
{
	mnt_get(p->mnt);
	vfs_dentry_get(p->dentry);
}

void vfs_path_put(struct vfs_path *p)
{
	if (p->dentry)
		vfs_dentry_put(p->dentry);
	if (p->mnt)
		mnt_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

static struct vfs_mount *mnt_new(struct vfs_ns *ns, struct vfs_super *sb,
				 struct vfs_inode *root, const char *source,
				 uint32_t flags)
{
	struct vfs_mount *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->root = vfs_dentry_root(vfs_inode_get(root));
	m->source = strdup(source ? source : "none");
	if (!m->root || !m->source) {
		if (m->root)
			vfs_dentry_put(m->root);
		else
			vfs_inode_put(root);
		free(m->source);
		free(m);
		return NULL;
	}
	m->refs = 1;
	m->id = ++ns->next_mnt_id;
	m->sb = sb;
	__atomic_add_fetch(&sb->refs, 1, __ATOMIC_RELAXED);
	m->flags = flags;
	return m;
}

int vfs_ns_init(struct vfs_ns *ns, struct vfs_super *root_sb,
		struct vfs_inode *root, const char *source, uint32_t flags)
{
	memset(ns, 0, sizeof(*ns));
	pthread_mutex_init(&ns->lock, NULL);
	ns->next_mnt_id = 20;
	ns->root = mnt_new(ns, root_sb, root, source, flags);
	if (!ns->root)
		return -ENOMEM;
	ns->mounts = ns->root;
	return 0;
}

long vfs_dentries; /* dentries alive, for the cache's bound */

void vfs_ns_shrink(struct vfs_ns *ns)
{
	for (struct vfs_mount *m = ns->mounts; m; m = m->next)
		vfs_dcache_prune(m->root);
}

void vfs_dcache_prune(struct vfs_dentry *d)
{
	struct vfs_dentry **pp = &d->children;

	while (*pp) {
		struct vfs_dentry *c = *pp;

		vfs_dcache_prune(c);
		if (c->refs == 0 && !c->children && !c->nmounts) {
			*pp = c->sibling;
			vfs_inode_put(c->inode);
			free(c->name);
			free(c);
			__atomic_sub_fetch(&vfs_dentries, 1, __ATOMIC_RELAXED);
			d->refs--; /* c's hold on its parent */
		} else {
			pp = &c->sibling;
		}
	}
}

void vfs_d_drop(struct vfs_dentry *d)
{
	struct vfs_dentry **pp;

	if (d->removed)
		return;
	for (pp = &d->parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == d) {
			*pp = d->sibling;
			break;
		}
	d->sibling = NULL;
	d->removed = true;
	/* The tree's hold on d was implicit; the caller still has one. */
}

void vfs_d_invalidate(struct vfs_dentry *d)
{
	struct vfs_dentry *c, *next;

	vfs_dentry_get(d);
	vfs_dcache_prune(d);
	/* What is still held below d leaves the tree too, to go when let go. */
	for (c = d->children; c; c = next) {
		next = c->sibling;
		vfs_d_invalidate(c);
	}
	vfs_d_drop(d);
	vfs_dentry_put(d);
}

void vfs_ns_destroy(struct vfs_ns *ns)
{
	struct vfs_mount *m;

	/* Detach every mount, forget the cached trees, drop the mounts. */
	for (m = ns->mounts; m; m = m->next) {
		if (m->mountpoint) {
			m->mountpoint->nmounts--;
			vfs_dentry_put(m->mountpoint);
			m->mountpoint = NULL;
		}
	}
	for (m = ns->mounts; m; m = m->next)
		vfs_dcache_prune(m->root);
	m = ns->mounts;
	while (m) {
		struct vfs_mount *next = m->next;

		if (m->parent)
			mnt_put(m->parent);
		mnt_put(m);
		m = next;
	}
	ns->mounts = ns->root = NULL;
}

int vfs_mount(struct vfs_ns *ns, const struct vfs_path *at,
	      struct vfs_super *sb, struct vfs_inode *root, const char *source,
	      uint32_t flags)
{
	struct vfs_mount *m, **tail;

	if (!at->dentry->inode)
		return -ENOENT;
	if (ABI_S_ISDIR(at->dentry->inode->mode) != ABI_S_ISDIR(root->mode))
		return ABI_S_ISDIR(root->mode) ? -ENOTDIR : -EISDIR;
	pthread_mutex_lock(&ns->lock);
	m = mnt_new(ns, sb, root, source, flags);
	if (!m) {
		pthread_mutex_unlock(&ns->lock);
		return -ENOMEM;
	}
	m->parent = mnt_get(at->mnt);
	m->mountpoint = vfs_dentry_get(at->dentry);
	at->dentry->nmounts++;
	for (tail = &ns->mounts; *tail; tail = &(*tail)->next)
		;
	*tail = m;
	pthread_mutex_unlock(&ns->lock);
	return 0;
}

/* Is d at or below top in its filesystem's tree? */
static bool dentry_within(const struct vfs_dentry *d,
			  const struct vfs_dentry *top)
{
	for (; d; d = d->parent)
		if (d == top)
			return true;
	return false;
}

/* d's path from its filesystem's root ("/proc/sys" is "/sys"). */
static char *dentry_fs_path(const struct vfs_dentry *d)
{
	char buf[ABI_PATH_MAX];
	size_t at = sizeof(buf) - 1;

	buf[at] = '\0';
	for (; d && d->parent; d = d->parent) {
		size_t n = strlen(d->name);

		if (n + 1 > at)
			return NULL;
		at -= n;
		memcpy(buf + at, d->name, n);
		buf[--at] = '/';
	}
	if (at == sizeof(buf) - 1)
		buf[--at] = '/';
	return strdup(buf + at);
}

/*
 * A mount of of's filesystem whose root is root (of's or below it), as
 * bind mounts make: not yet attached or in ns's list.
 */
static struct vfs_mount *mnt_bind_new(struct vfs_ns *ns,
				      const struct vfs_mount *of,
				      struct vfs_dentry *root, uint32_t flags)
{
	struct vfs_mount *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->source = strdup(of->source);
	if (root != of->root)
		m->fsroot = dentry_fs_path(root);
	else if (of->fsroot)
		m->fsroot = strdup(of->fsroot);
	if (!m->source || (!m->fsroot && (root != of->root || of->fsroot))) {
		free(m->source);
		free(m->fsroot);
		free(m);
		return NULL;
	}
	m->refs = 1;
	m->id = ++ns->next_mnt_id;
	m->root = vfs_dentry_get(root);
	m->sb = of->sb;
	__atomic_add_fetch(&m->sb->refs, 1, __ATOMIC_RELAXED);
	m->flags = flags;
	return m;
}

/* Attach m on (parent, mountpoint) and add it to the list at *tail. */
static void mnt_attach(struct vfs_mount *m, struct vfs_mount *parent,
		       struct vfs_dentry *mountpoint, struct vfs_mount ***tail)
{
	m->parent = mnt_get(parent);
	m->mountpoint = vfs_dentry_get(mountpoint);
	mountpoint->nmounts++;
	**tail = m;
	*tail = &m->next;
}

/*
 * Copies of the mounts of ns on src_mnt at or below top, and of theirs,
 * attached to copy (the copy of src_mnt) at the same dentries, with
 * set_flags added, onto the list at *tail: 0 or -ENOMEM.
 */
static int copy_submounts(struct vfs_ns *ns, struct vfs_mount *src_mnt,
			  struct vfs_dentry *top, struct vfs_mount *copy,
			  uint32_t set_flags, struct vfs_mount ***tail)
{
	for (struct vfs_mount *c = ns->mounts; c; c = c->next) {
		struct vfs_mount *n;
		int err;

		if (c->parent != src_mnt || !dentry_within(c->mountpoint, top))
			continue;
		n = mnt_bind_new(ns, c, c->root, c->flags | set_flags);
		if (!n)
			return -ENOMEM;
		mnt_attach(n, copy, c->mountpoint, tail);
		err = copy_submounts(ns, c, c->root, n, set_flags, tail);
		if (err)
			return err;
	}
	return 0;
}

int vfs_bind(struct vfs_ns *ns, const struct vfs_path *at,
	     const struct vfs_path *src, uint32_t set_flags)
{
	struct vfs_mount *m, *pending = NULL, **tail = &pending;
	int err;

	if (!at->dentry->inode || !src->dentry->inode)
		return -ENOENT;
	if (ABI_S_ISDIR(at->dentry->inode->mode) !=
	    ABI_S_ISDIR(src->dentry->inode->mode))
		return ABI_S_ISDIR(src->dentry->inode->mode) ? -ENOTDIR
							     : -EISDIR;
	pthread_mutex_lock(&ns->lock);
	m = mnt_bind_new(ns, src->mnt, src->dentry,
			 src->mnt->flags | set_flags);
	if (!m) {
		pthread_mutex_unlock(&ns->lock);
		return -ENOMEM;
	}
	mnt_attach(m, at->mnt, at->dentry, &tail);
	/* The copies are made from the list as it was: m is not in it. */
	err = copy_submounts(ns, src->mnt, src->dentry, m, set_flags, &tail);
	if (err) {
		pthread_mutex_unlock(&ns->lock);
		for (struct vfs_mount *n = pending, *next; n; n = next) {
			next = n->next;
			n->mountpoint->nmounts--;
			vfs_dentry_put(n->mountpoint);
			mnt_put(n->parent);
			mnt_put(n);
		}
		return err;
	}
	for (tail = &ns->mounts; *tail; tail = &(*tail)->next)
		;
	*tail = pending;
	pthread_mutex_unlock(&ns->lock);
	return 0;
}

void vfs_ns_root(struct vfs_ns *ns, struct vfs_path *out)
{
	pthread_mutex_lock(&ns->lock);
	out->mnt = ns->root;
	out->dentry = ns->root->root;
	vfs_path_get(out);
	pthread_mutex_unlock(&ns->lock);
}
