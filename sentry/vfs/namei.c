// SPDX-License-Identifier: Apache-2.0
/*
 * Path resolution, as Linux's path walk does it: component by component
 * from the task's root or the start directory, with search permission on
 * every directory passed, symlinks expanded in place (at most 40 per walk),
 * ".." stopping at the task's root and climbing out of mounts, trailing
 * slashes requiring a directory, and openat2's RESOLVE_* restrictions.
 */
#include "sentry/vfs/vfs.h"

#include "sentry/kernel/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vfs_permission(struct vfs_inode *inode, int mask, const struct creds *c)
{
	if (inode->ops->permission)
		return inode->ops->permission(inode, mask, c);
	return vfs_generic_permission(inode, mask, c);
}

int vfs_generic_permission(struct vfs_inode *inode, int mask,
			   const struct creds *c)
{
	uint32_t mode, bits;
	bool dir;

	mask &= ABI_R_OK | ABI_W_OK | ABI_X_OK;
	pthread_mutex_lock(&inode->lock);
	mode = inode->mode;
	if (c->fsuid == inode->uid) {
		bits = mode >> 6;
	} else {
		bool member = c->fsgid == inode->gid;

		for (int i = 0; !member && i < c->ngroups; i++)
			member = c->groups[i] == inode->gid;
		bits = member ? mode >> 3 : mode;
	}
	pthread_mutex_unlock(&inode->lock);
	if ((bits & (uint32_t)mask) == (uint32_t)mask)
		return 0;
	dir = ABI_S_ISDIR(mode);
	/* CAP_DAC_OVERRIDE: anything, but executing needs some x bit. */
	if (creds_capable(c, ABI_CAP_DAC_OVERRIDE) &&
	    (!(mask & ABI_X_OK) || dir || (mode & 0111)))
		return 0;
	/* CAP_DAC_READ_SEARCH: reading, and searching directories. */
	if (creds_capable(c, ABI_CAP_DAC_READ_SEARCH) && !(mask & ABI_W_OK) &&
	    (!(mask & ABI_X_OK) || dir))
		return 0;
	return -EACCES;
}

int vfs_d_lookup(struct vfs_dentry *dir, const char *name,
		 struct vfs_dentry **out)
{
	struct vfs_inode *inode = NULL;
	struct vfs_dentry *d;
	int err;

	for (d = dir->children; d; d = d->sibling)
		if (strcmp(d->name, name) == 0)
			break;
	if (d && !d->nmounts && dir->inode->ops->revalidate &&
	    !dir->inode->ops->revalidate(dir->inode, name, d->inode)) {
		vfs_d_invalidate(d);
		d = NULL;
	}
	if (d) {
		*out = vfs_dentry_get(d);
		return 0;
	}
	err = dir->inode->ops->lookup
		  ? dir->inode->ops->lookup(dir->inode, name, &inode)
		  : -ENOENT;
	if (err && err != -ENOENT)
		return err;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->name = strdup(name))) {
		free(d);
		vfs_inode_put(inode);
		return -ENOMEM;
	}
	d->refs = 1;
	__atomic_add_fetch(&vfs_dentries, 1, __ATOMIC_RELAXED);
	d->inode = inode; /* NULL: a negative dentry, cached too */
	d->parent = vfs_dentry_get(dir);
	if (dir->removed && dir->parent) {
		/* Out of the tree (removed, invalidated): nothing to cache
		 * under it, where no prune would find it. */
		d->removed = true;
	} else {
		d->sibling = dir->children;
		dir->children = d;
	}
	*out = d;
	return 0;
}

/* The topmost mount on (mnt, d), or NULL. */
static struct vfs_mount *mount_on(struct vfs_ns *ns, struct vfs_mount *mnt,
				  struct vfs_dentry *d)
{
	struct vfs_mount *found = NULL;

	if (!d->nmounts)
		return NULL;
	for (struct vfs_mount *m = ns->mounts; m; m = m->next)
		if (m->parent == mnt && m->mountpoint == d)
			found = m; /* later mounts stack on top */
	return found;
}

struct walk {
	const struct vfs_lookup_ctx *ctx;
	struct vfs_path root; /* where "/" and ".." stop (references) */
	struct vfs_path cur;  /* references */
	unsigned flags;
	int links;
};

/* Replace cur with (mnt, d), taking new references. */
static void walk_set(struct walk *w, struct vfs_mount *mnt,
		     struct vfs_dentry *d)
{
	struct vfs_path old = w->cur;

	w->cur.mnt = mnt;
	w->cur.dentry = d;
	vfs_path_get(&w->cur);
	vfs_path_put(&old);
}

static int walk_dotdot(struct walk *w)
{
	for (;;) {
		if (vfs_path_equal(&w->cur, &w->root))
			return w->flags & LOOKUP_BENEATH ? -EXDEV : 0;
		if (w->cur.dentry != w->cur.mnt->root)
			break;
		if (!w->cur.mnt->parent)
			return 0; /* the namespace's root */
		if (w->flags & LOOKUP_NO_XDEV)
			return -EXDEV;
		walk_set(w, w->cur.mnt->parent, w->cur.mnt->mountpoint);
	}
	if (w->cur.dentry->parent)
		walk_set(w, w->cur.mnt, w->cur.dentry->parent);
	return 0;
}

/* Go down through every mount stacked on the current dentry. */
static int walk_mounts(struct walk *w)
{
	struct vfs_mount *m;

	while ((m = mount_on(w->ctx->ns, w->cur.mnt, w->cur.dentry))) {
		if (w->flags & LOOKUP_NO_XDEV)
			return -EXDEV;
		walk_set(w, m, m->root);
	}
	return 0;
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

/*
 * The walk proper, over a private copy of the path that symlinks rewrite.
 * With last != NULL it stops before the final component and returns it.
 */
static int walk_path(struct walk *w, const char *path, char *last,
		     bool *trailing)
{
	size_t cap = 2 * ABI_PATH_MAX + 2;
	char *buf = malloc(cap), *p, *link = NULL;
	bool must_dir = false;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	strcpy(buf, path);
	p = buf;
	if (*p == '/') {
		if (w->flags & LOOKUP_BENEATH) {
			err = -EXDEV;
			goto out;
		}
		walk_set(w, w->root.mnt, w->root.dentry);
	}
	for (;;) {
		char name[ABI_NAME_MAX + 1];
		struct vfs_dentry *child;
		struct vfs_inode *dir;
		size_t len;
		char *after;
		bool is_last, slash;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "/");
		if (len > ABI_NAME_MAX) {
			err = -ENAMETOOLONG;
			goto out;
		}
		after = p + len;
		slash = *after == '/';
		is_last = after[strspn(after, "/")] == '\0';
		dir = w->cur.dentry->inode;
		if (!ABI_S_ISDIR(dir->mode)) {
			err = -ENOTDIR;
			goto out;
		}
		err = vfs_permission(dir, ABI_X_OK, w->ctx->creds);
		if (err)
			goto out;
		memcpy(name, p, len);
		name[len] = '\0';
		if (is_last && last) {
			strcpy(last, name);
			*trailing = slash;
			goto out;
		}
		p = after;
		if (is_dot(name, len)) {
			must_dir = is_last;
			continue;
		}
		if (is_dotdot(name, len)) {
			err = walk_dotdot(w);
			if (err)
				goto out;
			must_dir = is_last;
			continue;
		}
		err = vfs_d_lookup(w->cur.dentry, name, &child);
		if (err)
			goto out;
		/* Keep the cache bounded: drop what nobody holds. */
		if (__atomic_load_n(&vfs_dentries, __ATOMIC_RELAXED) >
		    VFS_DCACHE_MAX)
			vfs_ns_shrink(w->ctx->ns);
		if (!child->inode) {
			vfs_dentry_put(child);
			err = -ENOENT;
			goto out;
		}
		if (ABI_S_ISLNK(child->inode->mode) &&
		    (!is_last || slash || (w->flags & LOOKUP_FOLLOW))) {
			ssize_t n;

			if (w->flags & LOOKUP_NO_SYMLINKS)
				err = -ELOOP;
			else if (++w->links > ABI_SYMLOOP_MAX)
				err = -ELOOP;
			if (!err && child->inode->ops->get_link) {
				struct vfs_path target;

				/* A magic link jumps to its path. */
				err = w->flags & LOOKUP_NO_MAGIC
					  ? -ELOOP
					  : child->inode->ops->get_link(
						child->inode, &target);
				vfs_dentry_put(child);
				if (err)
					goto out;
				walk_set(w, target.mnt, target.dentry);
				vfs_path_put(&target);
				must_dir = is_last && slash;
				continue;
			}
			if (!err && !link)
				link = malloc(ABI_PATH_MAX + 1);
			if (!err && !link)
				err = -ENOMEM;
			if (!err) {
				struct vfs_inode *li = child->inode;

				n = li->ops->readlink
					? li->ops->readlink(li, link,
							    ABI_PATH_MAX)
					: -EINVAL;
				if (n < 0)
					err = (int)n;
				else if (n == 0)
					err = -ENOENT;
				else
					link[n] = '\0';
			}
			vfs_dentry_put(child);
			if (err)
				goto out;
			/* The target takes the link's place in the path. */
			{
				size_t tl = strlen(link), rl = strlen(p);

				if (tl + rl + 1 > cap) {
					err = -ENAMETOOLONG;
					goto out;
				}
				memmove(buf + tl, p, rl + 1);
				memcpy(buf, link, tl);
			}
			p = buf;
			if (*p == '/') {
				if (w->flags & LOOKUP_BENEATH) {
					err = -EXDEV;
					goto out;
				}
				walk_set(w, w->root.mnt, w->root.dentry);
			}
			continue;
		}
		walk_set(w, w->cur.mnt, child);
		vfs_dentry_put(child);
		err = walk_mounts(w);
		if (err)
			goto out;
		must_dir = is_last && slash;
	}
	if (last) {
		/* No final component: "/", or a path ending in "." or "..". */
		last[0] = '\0';
		*trailing = false;
	} else if ((must_dir || (w->flags & LOOKUP_DIRECTORY)) &&
		   !ABI_S_ISDIR(w->cur.dentry->inode->mode)) {
		err = -ENOTDIR;
	}
out:
	free(link);
	free(buf);
	return err;
}

static int walk_begin(struct walk *w, const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      unsigned flags)
{
	*w = (struct walk){.ctx = ctx, .flags = flags};
	if (strlen(path) >= ABI_PATH_MAX)
		return -ENAMETOOLONG;
	if (!*path && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	w->root =
	    flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT) ? *start : ctx->root;
	vfs_path_get(&w->root);
	w->cur = *start;
	vfs_path_get(&w->cur);
	return 0;
}

static void walk_end(struct walk *w)
{
	vfs_path_put(&w->root);
	vfs_path_put(&w->cur);
}

/* A whole walk: begin, walk (to the end, or its parent with last), end. */
static int lookup(const struct vfs_lookup_ctx *ctx,
		  const struct vfs_path *start, const char *path,
		  unsigned flags, struct vfs_path *out, char *last,
		  bool *trailing, bool locked)
{
	struct walk w;
	int err = walk_begin(&w, ctx, start, path, flags);

	if (err)
		return err;
	if (!locked)
		pthread_mutex_lock(&ctx->ns->lock);
	err = walk_path(&w, path, last, trailing);
	if (!locked)
		pthread_mutex_unlock(&ctx->ns->lock);
	if (!err) {
		*out = w.cur;
		w.cur.mnt = NULL;
		w.cur.dentry = NULL;
	}
	walk_end(&w);
	return err;
}

int vfs_lookup(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	       const char *path, unsigned flags, struct vfs_path *out)
{
	return lookup(ctx, start, path, flags, out, NULL, NULL, false);
}

int vfs_lookup_locked(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      unsigned flags, struct vfs_path *out)
{
	return lookup(ctx, start, path, flags, out, NULL, NULL, true);
}

int vfs_lookup_parent(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      unsigned flags, struct vfs_path *parent, char *last,
		      bool *trailing)
{
	return lookup(ctx, start, path, flags, parent, last, trailing, false);
}
