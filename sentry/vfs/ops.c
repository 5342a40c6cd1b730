// SPDX-License-Identifier: Apache-2.0
/*
 * Namespace operations on paths: the checks Linux's fs/namei.c makes before
 * it calls a filesystem (existence, types, read-only mounts, permission,
 * the sticky bit, rename loops and busy mountpoints), in Linux's order so
 * that the errno is the one Linux gives; then the dentry cache is updated
 * to match.
 */
#include "sentry/vfs/vfs.h"

#include "sentry/kernel/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Move d under parent as name. */
static int d_move(struct vfs_dentry *d, struct vfs_dentry *parent,
		  const char *name)
{
	char *copy = strdup(name);
	struct vfs_dentry **pp, *old_parent = d->parent;

	if (!copy)
		return -ENOMEM;
	for (pp = &old_parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == d) {
			*pp = d->sibling;
			break;
		}
	free(d->name);
	d->name = copy;
	d->parent = vfs_dentry_get(parent);
	d->sibling = parent->children;
	parent->children = d;
	vfs_dentry_put(old_parent);
	return 0;
}

static bool is_dot_or_dotdot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

static bool mnt_readonly(const struct vfs_path *p)
{
	return p->mnt->flags & VFS_MNT_RDONLY;
}

/* May creds remove or rename victim out of the sticky directory dir? */
static bool sticky_ok(struct vfs_inode *dir, struct vfs_inode *victim,
		      const struct creds *c)
{
	if (!(dir->mode & ABI_S_ISVTX))
		return true;
	return c->fsuid == victim->uid || c->fsuid == dir->uid ||
	       creds_capable(c, ABI_CAP_FOWNER);
}

/* Write and search permission in a directory, for changing entries. */
static int may_change(struct vfs_inode *dir, const struct creds *c)
{
	return vfs_permission(dir, ABI_W_OK | ABI_X_OK, c);
}

/*
 * The common start of creating path: the parent and its negative dentry
 * for the last name. Errors as Linux's filename_create.
 */
static int create_begin(const struct vfs_lookup_ctx *ctx,
			const struct vfs_path *start, const char *path,
			bool is_dir, struct vfs_path *parent,
			struct vfs_dentry **d)
{
	char last[ABI_NAME_MAX + 1];
	bool trailing;
	int err;

	err = vfs_lookup_parent(ctx, start, path, LOOKUP_FOLLOW, parent, last,
				&trailing);
	if (err)
		return err;
	if (!last[0] || is_dot_or_dotdot(last)) {
		vfs_path_put(parent);
		return -EEXIST;
	}
	pthread_mutex_lock(&ctx->ns->lock);
	/* A removed directory takes no new entries. */
	if (parent->dentry->inode->nlink == 0) {
		*d = NULL;
		err = -ENOENT;
	} else {
		err = vfs_d_lookup(parent->dentry, last, d);
	}
	if (!err && (*d)->inode)
		err = -EEXIST;
	else if (!err && trailing && !is_dir)
		err = -ENOENT;
	else if (!err && mnt_readonly(parent))
		err = -EROFS;
	else if (!err)
		err = may_change(parent->dentry->inode, ctx->creds);
	if (err) {
		if (*d)
			vfs_dentry_put(*d);
		*d = NULL;
		pthread_mutex_unlock(&ctx->ns->lock);
		vfs_path_put(parent);
	}
	return err;
}

static void create_end(const struct vfs_lookup_ctx *ctx,
		       struct vfs_path *parent, struct vfs_dentry *d,
		       struct vfs_inode *inode)
{
	if (inode)
		d->inode = inode; /* the dentry takes the reference */
	vfs_dentry_put(d);
	pthread_mutex_unlock(&ctx->ns->lock);
	vfs_path_put(parent);
}

int vfs_mknod(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	      const char *path, uint32_t mode, uint64_t rdev)
{
	struct vfs_path parent;
	struct vfs_inode *dir, *inode = NULL;
	struct vfs_dentry *d = NULL;
	int err = create_begin(ctx, start, path, false, &parent, &d);

	if (err)
		return err;
	dir = parent.dentry->inode;
	err = dir->ops->mknod ? dir->ops->mknod(dir, d->name, mode, rdev,
						ctx->creds, &inode)
			      : -EPERM;
	create_end(ctx, &parent, d, err ? NULL : inode);
	return err;
}

int vfs_mkdir(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	      const char *path, uint32_t mode)
{
	struct vfs_path parent;
	struct vfs_inode *dir, *inode = NULL;
	struct vfs_dentry *d = NULL;
	int err = create_begin(ctx, start, path, true, &parent, &d);

	if (err)
		return err;
	dir = parent.dentry->inode;
	err = dir->ops->mkdir ? dir->ops->mkdir(dir, d->name, mode & 07777,
						ctx->creds, &inode)
			      : -EPERM;
	create_end(ctx, &parent, d, err ? NULL : inode);
	return err;
}

int vfs_symlink(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
		const char *path, const char *target)
{
	struct vfs_path parent;
	struct vfs_inode *dir, *inode = NULL;
	struct vfs_dentry *d = NULL;
	int err;

	if (!*target)
		return -ENOENT;
	err = create_begin(ctx, start, path, false, &parent, &d);
	if (err)
		return err;
	dir = parent.dentry->inode;
	err = dir->ops->symlink
		  ? dir->ops->symlink(dir, d->name, target, ctx->creds, &inode)
		  : -EPERM;
	create_end(ctx, &parent, d, err ? NULL : inode);
	return err;
}

int vfs_link(const struct vfs_lookup_ctx *ctx, const struct vfs_path *ostart,
	     const char *oldpath, bool follow, const struct vfs_path *nstart,
	     const char *newpath)
{
	struct vfs_path old, parent;
	struct vfs_inode *dir, *inode;
	struct vfs_dentry *d = NULL;
	int err;

	err = vfs_lookup(
	    ctx, ostart, oldpath,
	    (follow ? LOOKUP_FOLLOW : 0) | (*oldpath ? 0 : LOOKUP_EMPTY), &old);
	if (err)
		return err;
	err = create_begin(ctx, nstart, newpath, false, &parent, &d);
	if (err) {
		vfs_path_put(&old);
		return err;
	}
	inode = old.dentry->inode;
	dir = parent.dentry->inode;
	if (old.mnt != parent.mnt)
		err = -EXDEV;
	else if (ABI_S_ISDIR(inode->mode))
		err = -EPERM;
	else if (!dir->ops->link)
		err = -EPERM;
	else if (inode->nlink == 0 && !inode->linkable)
		err = -ENOENT;
	else
		err = dir->ops->link(dir, d->name, inode);
	if (!err)
		inode->linkable = false; /* an O_TMPFILE file is named once */
	create_end(ctx, &parent, d, err ? NULL : vfs_inode_get(inode));
	vfs_path_put(&old);
	return err;
}

/* unlink (rmdir false) or rmdir of path. */
int vfs_unlink(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	       const char *path, bool rmdir)
{
	char last[ABI_NAME_MAX + 1];
	struct vfs_path parent;
	struct vfs_dentry *d = NULL;
	struct vfs_inode *dir, *victim;
	bool trailing;
	int err;

	err = vfs_lookup_parent(ctx, start, path, LOOKUP_FOLLOW, &parent, last,
				&trailing);
	if (err)
		return err;
	if (!last[0] || is_dot_or_dotdot(last)) {
		vfs_path_put(&parent);
		if (!rmdir)
			return -EISDIR;
		return !last[0]		    ? -EBUSY
		       : !strcmp(last, ".") ? -EINVAL
					    : -ENOTEMPTY;
	}
	pthread_mutex_lock(&ctx->ns->lock);
	dir = parent.dentry->inode;
	err = vfs_d_lookup(parent.dentry, last, &d);
	if (err)
		goto out;
	victim = d->inode;
	if (!victim) {
		err = -ENOENT;
		goto out;
	}
	if (trailing && !ABI_S_ISDIR(victim->mode)) {
		err = -ENOTDIR;
		goto out;
	}
	if (mnt_readonly(&parent)) {
		err = -EROFS;
		goto out;
	}
	err = may_change(dir, ctx->creds);
	if (err)
		goto out;
	if (!sticky_ok(dir, victim, ctx->creds)) {
		err = -EPERM;
		goto out;
	}
	if (rmdir) {
		if (!ABI_S_ISDIR(victim->mode))
			err = -ENOTDIR;
		else if (d->nmounts)
			err = -EBUSY;
		else
			err = dir->ops->rmdir
				  ? dir->ops->rmdir(dir, last, victim)
				  : -EPERM;
	} else {
		if (ABI_S_ISDIR(victim->mode))
			err = -EISDIR;
		else if (d->nmounts)
			err = -EBUSY;
		else
			err = dir->ops->unlink
				  ? dir->ops->unlink(dir, last, victim)
				  : -EPERM;
	}
	if (!err) {
		/* Its cached (negative) children go with it. */
		vfs_dcache_prune(d);
		vfs_d_drop(d);
	}
out:
	if (d)
		vfs_dentry_put(d);
	pthread_mutex_unlock(&ctx->ns->lock);
	vfs_path_put(&parent);
	return err;
}

/* Is d at or below ancestor in the dentry tree? */
static bool is_below(struct vfs_dentry *d, struct vfs_dentry *ancestor)
{
	for (; d; d = d->parent)
		if (d == ancestor)
			return true;
	return false;
}

int vfs_rename(const struct vfs_lookup_ctx *ctx, const struct vfs_path *ostart,
	       const char *oldpath, const struct vfs_path *nstart,
	       const char *newpath, unsigned flags)
{
	char oldlast[ABI_NAME_MAX + 1], newlast[ABI_NAME_MAX + 1];
	struct vfs_path op, np;
	struct vfs_dentry *od = NULL, *nd = NULL;
	struct vfs_inode *odir, *ndir, *src, *dst;
	bool otrail, ntrail, exchange = flags & ABI_RENAME_EXCHANGE;
	int err;

	if (flags & ~(unsigned)(ABI_RENAME_NOREPLACE | ABI_RENAME_EXCHANGE |
				ABI_RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & ABI_RENAME_EXCHANGE) &&
	    (flags & (ABI_RENAME_NOREPLACE | ABI_RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & ABI_RENAME_WHITEOUT)
		return -EINVAL; /* no filesystem here supports whiteouts */
	err = vfs_lookup_parent(ctx, ostart, oldpath, LOOKUP_FOLLOW, &op,
				oldlast, &otrail);
	if (err)
		return err;
	err = vfs_lookup_parent(ctx, nstart, newpath, LOOKUP_FOLLOW, &np,
				newlast, &ntrail);
	if (err) {
		vfs_path_put(&op);
		return err;
	}
	if (op.mnt != np.mnt) {
		err = -EXDEV;
		goto out_paths;
	}
	/* Linux's order: the source, then NOREPLACE, then the target. */
	if (!oldlast[0] || is_dot_or_dotdot(oldlast)) {
		err = -EBUSY;
		goto out_paths;
	}
	if (!newlast[0] || is_dot_or_dotdot(newlast)) {
		err = flags & ABI_RENAME_NOREPLACE ? -EEXIST : -EBUSY;
		goto out_paths;
	}
	pthread_mutex_lock(&ctx->ns->lock);
	odir = op.dentry->inode;
	ndir = np.dentry->inode;
	err = vfs_d_lookup(op.dentry, oldlast, &od);
	if (!err && !od->inode)
		err = -ENOENT;
	if (err)
		goto out;
	src = od->inode;
	err = vfs_d_lookup(np.dentry, newlast, &nd);
	if (err)
		goto out;
	dst = nd->inode;
	if ((flags & ABI_RENAME_NOREPLACE) && dst) {
		err = -EEXIST;
		goto out;
	}
	if (exchange && !dst) {
		err = -ENOENT;
		goto out;
	}
	if ((otrail && !ABI_S_ISDIR(src->mode)) ||
	    (ntrail && !ABI_S_ISDIR(src->mode)) ||
	    (exchange && ntrail && !ABI_S_ISDIR(dst->mode)) ||
	    (exchange && otrail && !ABI_S_ISDIR(dst->mode))) {
		err = -ENOTDIR;
		goto out;
	}
	if (mnt_readonly(&op)) {
		err = -EROFS;
		goto out;
	}
	err = may_change(odir, ctx->creds);
	if (!err && ndir != odir)
		err = may_change(ndir, ctx->creds);
	if (err)
		goto out;
	if (!sticky_ok(odir, src, ctx->creds) ||
	    (dst && !sticky_ok(ndir, dst, ctx->creds))) {
		err = -EPERM;
		goto out;
	}
	/* The same file under both names: nothing to do. */
	if (src == dst)
		goto out;
	if (dst && !exchange) {
		if (ABI_S_ISDIR(src->mode) && !ABI_S_ISDIR(dst->mode)) {
			err = -ENOTDIR;
			goto out;
		}
		if (!ABI_S_ISDIR(src->mode) && ABI_S_ISDIR(dst->mode)) {
			err = -EISDIR;
			goto out;
		}
	}
	/* A directory cannot move below itself. */
	if ((ABI_S_ISDIR(src->mode) && is_below(np.dentry, od)) ||
	    (exchange && ABI_S_ISDIR(dst->mode) && is_below(op.dentry, nd))) {
		err = -EINVAL;
		goto out;
	}
	/* ...nor onto one of its ancestors, which cannot be empty. */
	if (dst && is_below(op.dentry, nd)) {
		err = -ENOTEMPTY;
		goto out;
	}
	if (od->nmounts || (dst && nd->nmounts)) {
		err = -EBUSY;
		goto out;
	}
	err = odir->ops->rename ? odir->ops->rename(odir, oldlast, src, ndir,
						    newlast, dst, flags)
				: -EPERM;
	if (err)
		goto out;
	if (exchange) {
		struct vfs_inode *tmp = od->inode;

		od->inode = nd->inode;
		nd->inode = tmp;
		/* Children of the two directories follow their inodes. */
		{
			struct vfs_dentry *c = od->children;

			od->children = nd->children;
			nd->children = c;
			for (c = od->children; c; c = c->sibling) {
				vfs_dentry_get(od);
				vfs_dentry_put(c->parent);
				c->parent = od;
			}
			for (c = nd->children; c; c = c->sibling) {
				vfs_dentry_get(nd);
				vfs_dentry_put(c->parent);
				c->parent = nd;
			}
		}
	} else {
		vfs_dcache_prune(nd);
		vfs_d_drop(nd);
		err = d_move(od, np.dentry, newlast);
		/* Out of memory: the cache forgets it; still renamed. */
		if (err)
			vfs_d_drop(od);
		err = 0;
	}
out:
	if (od)
		vfs_dentry_put(od);
	if (nd)
		vfs_dentry_put(nd);
	pthread_mutex_unlock(&ctx->ns->lock);
out_paths:
	vfs_path_put(&op);
	vfs_path_put(&np);
	return err;
}

ssize_t vfs_readlink(const struct vfs_lookup_ctx *ctx,
		     const struct vfs_path *start, const char *path,
		     unsigned flags, char *buf, size_t len)
{
	struct vfs_path p;
	struct vfs_inode *inode;
	ssize_t n;
	int err = vfs_lookup(ctx, start, path, flags & LOOKUP_EMPTY, &p);

	if (err)
		return err;
	inode = p.dentry->inode;
	if (!ABI_S_ISLNK(inode->mode) || !inode->ops->readlink)
		n = *path ? -EINVAL : -ENOENT; /* "" names no symlink */
	else
		n = inode->ops->readlink(inode, buf, len);
	vfs_path_put(&p);
	return n;
}

int vfs_getattr(const struct vfs_path *p, struct vfs_attr *a)
{
	return vfs_inode_getattr(p->dentry->inode, a);
}

int vfs_path_name(struct vfs_ns *ns, const struct vfs_path *root,
		  const struct vfs_path *p, char *buf, size_t len)
{
	struct vfs_path cur = *p;
	size_t at = len;
	bool reachable = true;

	if (len < 2)
		return -ERANGE;
	buf[--at] = '\0';
	pthread_mutex_lock(&ns->lock);
	while (!vfs_path_equal(&cur, root)) {
		const char *name;
		size_t n;

		if (cur.dentry == cur.mnt->root) {
			if (!cur.mnt->parent) {
				reachable = false; /* outside the root */
				break;
			}
			cur.dentry = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
			continue;
		}
		name = cur.dentry->name;
		n = strlen(name);
		if (n + 1 > at) {
			pthread_mutex_unlock(&ns->lock);
			return -ENAMETOOLONG;
		}
		at -= n;
		memcpy(buf + at, name, n);
		buf[--at] = '/';
		cur.dentry = cur.dentry->parent;
	}
	pthread_mutex_unlock(&ns->lock);
	if (at == len - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, len - at);
	return reachable ? 0 : 1;
}
