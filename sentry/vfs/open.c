// SPDX-License-Identifier: Apache-2.0
/*
 * Opening a path, as Linux's do_filp_open: resolve (creating the last
 * component with O_CREAT), check the type and access, truncate with
 * O_TRUNC, then ask the filesystem for an open file.
 *
 */
#include "sentry/vfs/vfs.h"

#include "sentry/fs/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file opened with O_PATH: it names a file and does nothing else. */
static int opath_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static void opath_release(struct file *f)
{
	free(f);
}

static const struct file_ops opath_ops = {
    .stat = opath_stat,
    .release = opath_release,
};

static int acc_mask(uint32_t flags)
{
	int mask = 0;

	switch (flags & ABI_O_ACCMODE) {
	case ABI_O_RDONLY:
		mask = ABI_R_OK;
		break;
	case ABI_O_WRONLY:
		mask = ABI_W_OK;
		break;
	default:
		mask = ABI_R_OK | ABI_W_OK;
		break;
	}
	if (flags & ABI_O_TRUNC)
		mask |= ABI_W_OK;
	return mask;
}

/* O_CREAT: the parent, then the last name, created if it is missing. */
static int open_create(const struct vfs_lookup_ctx *ctx,
		       const struct vfs_path *start, const char *path,
		       uint32_t flags, uint32_t mode, unsigned resolve,
		       struct vfs_path *out, bool *created, int *links)
{
	char last[ABI_NAME_MAX + 1];
	struct vfs_path parent;
	struct vfs_dentry *d = NULL;
	struct vfs_inode *dir, *inode = NULL;
	bool trailing;
	int err;

	err = vfs_lookup_parent(ctx, start, path, resolve | LOOKUP_FOLLOW,
				&parent, last, &trailing);
	if (err)
		return err;
	if (!last[0] || !strcmp(last, ".") || !strcmp(last, "..")) {
		vfs_path_put(&parent);
		return -EISDIR;
	}
	pthread_mutex_lock(&ctx->ns->lock);
	dir = parent.dentry->inode;
	err = vfs_d_lookup(parent.dentry, last, &d);
	if (err)
		goto out;
	if (!d->inode && dir->nlink == 0) {
		err = -ENOENT; /* a removed directory */
		goto out;
	}
	if (d->inode) {
		if (flags & ABI_O_EXCL) {
			err = -EEXIST;
			goto out;
		}
		if ((ABI_S_ISLNK(d->inode->mode) && d->inode->ops->get_link &&
		     !(flags & ABI_O_NOFOLLOW)) ||
		    d->nmounts) {
			/* A magic link (procfs): where it leads exists. A
			 * mount point: what is mounted there is opened. */
			vfs_dentry_put(d);
			pthread_mutex_unlock(&ctx->ns->lock);
			err = vfs_lookup(ctx, &parent, last,
					 resolve | LOOKUP_FOLLOW, out);
			vfs_path_put(&parent);
			return err;
		}
		if (ABI_S_ISLNK(d->inode->mode)) {
			/*
			 * An existing symlink is followed; if its target does
			 * not exist, that is what O_CREAT creates.
			 */
			struct vfs_inode *li = vfs_inode_get(d->inode);
			char *target;
			ssize_t n;

			vfs_dentry_put(d);
			pthread_mutex_unlock(&ctx->ns->lock);
			if ((flags & ABI_O_NOFOLLOW) ||
			    (resolve & LOOKUP_NO_SYMLINKS) || ++*links > 40) {
				vfs_inode_put(li);
				vfs_path_put(&parent);
				return -ELOOP;
			}
			target = malloc(ABI_PATH_MAX + 1);
			n = !target ? -ENOMEM
			    : li->ops->readlink
				? li->ops->readlink(li, target, ABI_PATH_MAX)
				: -EINVAL;
			vfs_inode_put(li);
			if (n > 0) {
				target[n] = '\0';
				err = open_create(ctx, &parent, target, flags,
						  mode, resolve, out, created,
						  links);
			} else {
				err = n < 0 ? (int)n : -ENOENT;
			}
			free(target);
			vfs_path_put(&parent);
			return err;
		}
		if (trailing && !ABI_S_ISDIR(d->inode->mode)) {
			err = -ENOTDIR;
			goto out;
		}
		out->mnt = parent.mnt;
		out->dentry = d;
		vfs_path_get(out);
		goto out;
	}
	if (trailing) {
		err = -EISDIR;
		goto out;
	}
	if (parent.mnt->flags & VFS_MNT_RDONLY) {
		err = -EROFS;
		goto out;
	}
	err = vfs_permission(dir, ABI_W_OK | ABI_X_OK, ctx->creds);
	if (err)
		goto out;
	err = dir->ops->mknod
		  ? dir->ops->mknod(dir, last, ABI_S_IFREG | (mode & 07777), 0,
				    ctx->creds, &inode)
		  : -EPERM;
	if (err)
		goto out;
	d->inode = inode;
	*created = true;
	out->mnt = parent.mnt;
	out->dentry = d;
	vfs_path_get(out);
out:
	if (d)
		vfs_dentry_put(d);
	pthread_mutex_unlock(&ctx->ns->lock);
	vfs_path_put(&parent);
	return err;
}

/* Flags a filesystem's open never sees: open's own, not the file's. */
#define OPEN_ONLY_FLAGS                                                        \
	(ABI_O_CREAT | ABI_O_EXCL | ABI_O_NOCTTY | ABI_O_TRUNC | ABI_O_CLOEXEC)

/*
 * O_TMPFILE: a new regular file without a name in the directory path
 * names, on a dentry "#ino" that is in no tree. Without O_EXCL, linkat
 * may name it later. The caller checked the flags (O_TMPFILE needs
 * write access) and applied the umask.
 */
static struct file *open_tmpfile(const struct vfs_lookup_ctx *ctx,
				 const struct vfs_path *start, const char *path,
				 uint32_t flags, uint32_t mode,
				 unsigned resolve)
{
	unsigned lf = resolve | LOOKUP_DIRECTORY;
	struct vfs_inode *dir, *inode = NULL;
	struct vfs_dentry *d;
	struct vfs_path p;
	char name[32];
	struct file *f;
	int err;

	if (!(flags & ABI_O_NOFOLLOW))
		lf |= LOOKUP_FOLLOW;
	err = vfs_lookup(ctx, start, path, lf, &p);
	if (err)
		return ERR_PTR(err);
	dir = p.dentry->inode;
	if (p.mnt->flags & VFS_MNT_RDONLY)
		err = -EROFS;
	else
		err = vfs_permission(dir, ABI_W_OK | ABI_X_OK, ctx->creds);
	if (!err && !dir->ops->tmpfile)
		err = -EOPNOTSUPP;
	if (!err)
		err = dir->ops->tmpfile(dir, ABI_S_IFREG | (mode & 07777),
					ctx->creds, &inode);
	if (err) {
		vfs_path_put(&p);
		return ERR_PTR(err);
	}
	inode->linkable = !(flags & ABI_O_EXCL);
	snprintf(name, sizeof(name), "#%llu", (unsigned long long)inode->ino);
	d = vfs_dentry_unlinked(p.dentry, name, inode);
	if (!d) {
		vfs_inode_put(inode);
		vfs_path_put(&p);
		return ERR_PTR(-ENOMEM);
	}
	vfs_dentry_put(p.dentry);
	p.dentry = d;
	f = inode->ops->open(inode, flags & ~(uint32_t)OPEN_ONLY_FLAGS);
	if (IS_ERR(f)) {
		vfs_path_put(&p);
		return f;
	}
	f->path = p;
	f->inode = vfs_inode_get(inode);
	file_count_open(f);
	return f;
}

struct file *vfs_open_inode(const struct vfs_path *p, struct vfs_inode *inode,
			    uint32_t flags)
{
	struct file *f;

	if (flags & ABI_O_PATH) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return ERR_PTR(-ENOMEM);
		file_init(f, &opath_ops, flags & ~(uint32_t)ABI_O_CLOEXEC);
	} else {
		/* A terminal's open looks at O_NOCTTY, and drops it. */
		flags &=
		    ~(uint32_t)OPEN_ONLY_FLAGS |
		    ((inode->mode & ABI_S_IFMT) == ABI_S_IFCHR ? ABI_O_NOCTTY
							       : 0);
		if (inode->ops->open_file) {
			/* Not inode's file: p is not its path either. */
			struct vfs_path gone = *p;

			f = inode->ops->open_file(inode, flags);
			if (!IS_ERR(f))
				vfs_path_put(&gone);
			return f;
		}
		if ((inode->mode & ABI_S_IFMT) == ABI_S_IFIFO)
			f = fifo_open(inode, flags);
		else if (inode->ops->open)
			f = inode->ops->open(inode, flags);
		else
			return ERR_PTR(-ENXIO);
		if (IS_ERR(f))
			return f;
	}
	f->flags &= ~(uint32_t)ABI_O_NOCTTY;
	f->path = *p;
	f->inode = vfs_inode_get(inode);
	if (!(flags & ABI_O_PATH))
		file_count_open(f);
	return f;
}

struct file *vfs_open(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      uint32_t flags, uint32_t mode, unsigned resolve)
{
	struct vfs_path p = {0};
	struct vfs_inode *inode;
	struct file *f;
	bool created = false, ro;
	int err;

	if (flags & ABI_O_PATH)
		flags &= ABI_O_PATH | ABI_O_DIRECTORY | ABI_O_NOFOLLOW |
			 ABI_O_CLOEXEC;
	else if ((flags & ABI_O_TMPFILE) == ABI_O_TMPFILE)
		return open_tmpfile(ctx, start, path, flags, mode, resolve);
	if ((flags & ABI_O_CREAT) && !(flags & ABI_O_PATH)) {
		if ((flags & ABI_O_DIRECTORY))
			return ERR_PTR(-EINVAL);
		int links = 0;

		err = open_create(ctx, start, path, flags, mode, resolve, &p,
				  &created, &links);
	} else {
		unsigned lf = resolve;

		if (!(flags & ABI_O_NOFOLLOW))
			lf |= LOOKUP_FOLLOW;
		if (flags & ABI_O_DIRECTORY)
			lf |= LOOKUP_DIRECTORY;
		err = vfs_lookup(ctx, start, path, lf, &p);
	}
	if (err)
		return ERR_PTR(err);
	inode = p.dentry->inode;
	ro = p.mnt->flags & VFS_MNT_RDONLY;
	if (flags & ABI_O_PATH)
		goto open;
	if (ABI_S_ISLNK(inode->mode)) {
		err = -ELOOP; /* O_NOFOLLOW on a symlink */
		goto fail;
	}
	if ((flags & ABI_O_DIRECTORY) && !ABI_S_ISDIR(inode->mode)) {
		err = -ENOTDIR;
		goto fail;
	}
	if (ABI_S_ISDIR(inode->mode) &&
	    ((flags & ABI_O_ACCMODE) != ABI_O_RDONLY ||
	     (flags & (ABI_O_TRUNC | ABI_O_CREAT)))) {
		err = -EISDIR;
		goto fail;
	}
	if (!created) {
		err = vfs_permission(inode, acc_mask(flags), ctx->creds);
		if (err)
			goto fail;
	}
	if (ro && (acc_mask(flags) & ABI_W_OK) &&
	    (ABI_S_ISREG(inode->mode) || ABI_S_ISDIR(inode->mode))) {
		err = -EROFS;
		goto fail;
	}
	if (inode->ops->open_file) {
		/* A stand-in (procfs's fd/N): O_TRUNC is the file's own. */
		f = vfs_open_inode(&p, inode, flags);
		if (IS_ERR(f)) {
			err = (int)PTR_ERR(f);
			goto fail;
		}
		if ((flags & ABI_O_TRUNC) && f->inode &&
		    ABI_S_ISREG(f->inode->mode) && file_writable(f)) {
			err =
			    vfs_truncate(f->inode, false, 0, ctx->creds, false);
			if (err) {
				file_put(f);
				return ERR_PTR(err);
			}
		}
		return f;
	}
	if ((flags & ABI_O_TRUNC) && !created && ABI_S_ISREG(inode->mode)) {
		err = vfs_truncate(inode, ro, 0, ctx->creds, false);
		if (err)
			goto fail;
	}
open:
	f = vfs_open_inode(&p, inode, flags);
	if (IS_ERR(f)) {
		err = (int)PTR_ERR(f);
		goto fail;
	}
	return f;
fail:
	vfs_path_put(&p);
	return ERR_PTR(err);
}
