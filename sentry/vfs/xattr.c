// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes (fs/xattr.c): the namespace and permission checks
 * every filesystem shares, and a store in memory for filesystems that
 * keep xattrs themselves (tmpfs, as mm/shmem.c's simple xattrs).
 *
 * Namespaces: user.* (regular files and directories, the file's own
 * read/write permission), trusted.* (CAP_SYS_ADMIN; hidden from others),
 * security.* (anyone reads; writing needs CAP_SYS_ADMIN, as with no LSM
 * but the capability module), system.posix_acl_{access,default}. A
 * filesystem whose inodes have no getxattr supports none (EOPNOTSUPP).
 *
 * Deviation: POSIX ACLs are not stored; setting one is EOPNOTSUPP, as on a
 * filesystem mounted without ACL support, and reading one finds none.
 */
#include "sentry/kernel/task.h"
#include "sentry/vfs/vfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USER_PREFIX	"user."
#define TRUSTED_PREFIX	"trusted."
#define SECURITY_PREFIX "security."
#define SYSTEM_PREFIX	"system."
#define ACL_ACCESS	"system.posix_acl_access"
#define ACL_DEFAULT	"system.posix_acl_default"

/* Room for user.* xattrs on one tmpfs inode, as Linux's tmpfs allows. */
#define USER_SPACE_MAX (128 * 1024)

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

static bool is_acl(const char *name)
{
	return !strcmp(name, ACL_ACCESS) || !strcmp(name, ACL_DEFAULT);
}

/* Linux's xattr_permission: mask is ABI_R_OK or ABI_W_OK. */
static int xattr_permission(struct vfs_inode *inode, const char *name, int mask,
			    const struct creds *c)
{
	bool write = mask & ABI_W_OK;

	if (has_prefix(name, SECURITY_PREFIX) ||
	    has_prefix(name, SYSTEM_PREFIX))
		return 0;
	if (has_prefix(name, TRUSTED_PREFIX)) {
		if (!creds_capable(c, ABI_CAP_SYS_ADMIN))
			return write ? -EPERM : -ENODATA;
		return 0;
	}
	if (has_prefix(name, USER_PREFIX)) {
		if (!ABI_S_ISREG(inode->mode) && !ABI_S_ISDIR(inode->mode))
			return write ? -EPERM : -ENODATA;
		/* Sticky directories: only the owner writes them. */
		if (ABI_S_ISDIR(inode->mode) && (inode->mode & ABI_S_ISVTX) &&
		    write && c->fsuid != inode->uid &&
		    !creds_capable(c, ABI_CAP_FOWNER))
			return -EPERM;
	}
	return vfs_permission(inode, mask, c);
}

/*
 * The namespace's handler: 0 for a name the filesystem stores, 1 for a
 * POSIX ACL, -EOPNOTSUPP for no namespace, -EINVAL for a bare prefix.
 */
static int xattr_resolve(const char *name)
{
	static const char *const prefixes[] = {USER_PREFIX, TRUSTED_PREFIX,
					       SECURITY_PREFIX};

	if (is_acl(name))
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(name, prefixes[i]))
			return name[strlen(prefixes[i])] ? 0 : -EINVAL;
	return -EOPNOTSUPP;
}

ssize_t vfs_getxattr(struct vfs_inode *inode, const char *name, void *buf,
		     size_t size, const struct creds *c)
{
	int err = xattr_permission(inode, name, ABI_R_OK, c);

	if (err)
		return err;
	if (!inode->ops->getxattr)
		return -EOPNOTSUPP;
	err = xattr_resolve(name);
	if (err)
		return err < 0 ? err : -ENODATA;
	return inode->ops->getxattr(inode, name, buf, size);
}

/*
 * The checks a change makes, in Linux's order; unsupported is what a
 * name no handler takes gets (EOPNOTSUPP to set, ENODATA to remove).
 */
static int xattr_may_change(struct vfs_inode *inode, bool ro, const char *name,
			    const struct creds *c, int unsupported)
{
	int err;

	if (ro)
		return -EROFS;
	err = xattr_permission(inode, name, ABI_W_OK, c);
	if (err)
		return err;
	if (has_prefix(name, SECURITY_PREFIX) &&
	    !creds_capable(c, ABI_CAP_SYS_ADMIN))
		return -EPERM;
	if (!inode->ops->setxattr)
		return -EOPNOTSUPP;
	err = xattr_resolve(name);
	if (err)
		return err < 0 ? err : unsupported;
	return 0;
}

int vfs_setxattr(struct vfs_inode *inode, bool ro, const char *name,
		 const void *value, size_t size, int flags,
		 const struct creds *c)
{
	int err = xattr_may_change(inode, ro, name, c, -EOPNOTSUPP);

	if (err)
		return err;
	return inode->ops->setxattr(inode, name, value, size, flags);
}

int vfs_removexattr(struct vfs_inode *inode, bool ro, const char *name,
		    const struct creds *c)
{
	int err = xattr_may_change(inode, ro, name, c, -ENODATA);

	if (err)
		return err;
	return inode->ops->setxattr(inode, name, NULL, 0, VFS_XATTR_REMOVE);
}

ssize_t vfs_listxattr(struct vfs_inode *inode, char *buf, size_t size,
		      const struct creds *c)
{
	char *all;
	ssize_t n, out = 0;

	if (!inode->ops->listxattr)
		return 0;
	all = malloc(VFS_XATTR_LIST_MAX);
	if (!all)
		return -ENOMEM;
	n = inode->ops->listxattr(inode, all, VFS_XATTR_LIST_MAX);
	if (n == -ERANGE)
		n = -E2BIG;
	/* trusted.* names show only to CAP_SYS_ADMIN. */
	for (ssize_t i = 0; n > 0 && i < n;) {
		size_t len = strlen(all + i) + 1;

		if (!has_prefix(all + i, TRUSTED_PREFIX) ||
		    creds_capable(c, ABI_CAP_SYS_ADMIN)) {
			if (size && (size_t)out + len > size) {
				free(all);
				return -ERANGE;
			}
			if (size)
				memcpy(buf + out, all + i, len);
			out += (ssize_t)len;
		}
		i += (ssize_t)len;
	}
	free(all);
	return n < 0 ? n : out;
}

/* ---- the in-memory store --------------------------------------------- */

struct vfs_xattr {
	struct vfs_xattr *next;
	char *name;
	size_t size;
	uint8_t value[];
};

static size_t user_space(const char *name, size_t size)
{
	return has_prefix(name, USER_PREFIX) ? strlen(name) + 1 + size : 0;
}

static struct vfs_xattr **find(struct vfs_xattr **head, const char *name)
{
	for (; *head; head = &(*head)->next)
		if (!strcmp((*head)->name, name))
			return head;
	return NULL;
}

ssize_t vfs_xattrs_get(struct vfs_xattrs *xs, pthread_mutex_t *lock,
		       const char *name, void *buf, size_t size)
{
	struct vfs_xattr **pp;
	ssize_t n = -ENODATA;

	pthread_mutex_lock(lock);
	pp = find(&xs->head, name);
	if (pp) {
		n = (ssize_t)(*pp)->size;
		if (size && (size_t)n > size)
			n = -ERANGE;
		else if (size)
			memcpy(buf, (*pp)->value, (*pp)->size);
	}
	pthread_mutex_unlock(lock);
	return n;
}

int vfs_xattrs_set(struct vfs_xattrs *xs, pthread_mutex_t *lock,
		   const char *name, const void *value, size_t size, int flags)
{
	struct vfs_xattr **pp, *x = NULL, *old;
	size_t space;
	int err = 0;

	if (!(flags & VFS_XATTR_REMOVE)) {
		x = malloc(sizeof(*x) + size);
		if (!x || !(x->name = strdup(name))) {
			free(x);
			return -ENOMEM;
		}
		x->size = size;
		if (size)
			memcpy(x->value, value, size);
	}
	pthread_mutex_lock(lock);
	pp = find(&xs->head, name);
	old = pp ? *pp : NULL;
	space = xs->user_space + (x ? user_space(name, size) : 0) -
		(old ? user_space(name, old->size) : 0);
	if (old && (flags & ABI_XATTR_CREATE))
		err = -EEXIST;
	else if (!old && (flags & (ABI_XATTR_REPLACE | VFS_XATTR_REMOVE)))
		err = -ENODATA;
	else if (space > USER_SPACE_MAX)
		err = -ENOSPC;
	if (!err) {
		/* In place, or last: listxattr gives the order of creation. */
		if (!pp)
			for (pp = &xs->head; *pp; pp = &(*pp)->next)
				;
		if (x) {
			x->next = old ? old->next : NULL;
			*pp = x;
			x = NULL;
		} else {
			*pp = old->next;
		}
		xs->user_space = space;
	} else {
		old = NULL;
	}
	pthread_mutex_unlock(lock);
	if (old) {
		free(old->name);
		free(old);
	}
	if (x) {
		free(x->name);
		free(x);
	}
	return err;
}

ssize_t vfs_xattrs_list(struct vfs_xattrs *xs, pthread_mutex_t *lock, char *buf,
			size_t size)
{
	ssize_t n = 0;

	pthread_mutex_lock(lock);
	for (struct vfs_xattr *x = xs->head; x; x = x->next) {
		size_t len = strlen(x->name) + 1;

		if (size && (size_t)n + len > size) {
			n = -ERANGE;
			break;
		}
		if (size)
			memcpy(buf + n, x->name, len);
		n += (ssize_t)len;
	}
	pthread_mutex_unlock(lock);
	return n;
}

void vfs_xattrs_free(struct vfs_xattrs *xs)
{
	while (xs->head) {
		struct vfs_xattr *x = xs->head;

		xs->head = x->next;
		free(x->name);
		free(x);
	}
	xs->user_space = 0;
}
