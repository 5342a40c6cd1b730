// SPDX-License-Identifier: Apache-2.0
/* The sandbox's filesystem tree at boot, and tasks' root and cwd. */
#include "sentry/fs/devices.h"
#include "sentry/fs/goferfs.h"
#include "sentry/fs/overlay.h"
#include "sentry/fs/procfs.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/sentry.h"
#include "sentry/vfs/file.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static_assert(SENTRY_MNT_RDONLY == VFS_MNT_RDONLY &&
		  SENTRY_MNT_NOSUID == VFS_MNT_NOSUID &&
		  SENTRY_MNT_NODEV == VFS_MNT_NODEV &&
		  SENTRY_MNT_NOEXEC == VFS_MNT_NOEXEC,
	      "sentry_mount's flags are the vfs's");

static int mkdir_p(const struct vfs_lookup_ctx *ctx,
		   const struct vfs_path *root, const char *path);

/*
 * Mount a filesystem whose root is fs at path (a directory made, with its
 * parents, if missing), with source as /proc/mounts shows it.
 */
static int mount_at(struct kernel *k, const struct vfs_lookup_ctx *ctx,
		    const struct vfs_path *root, const char *path,
		    struct vfs_inode *fs, const char *source, uint32_t flags)
{
	struct vfs_path at;
	int err;

	if (!fs)
		return -ENOMEM;
	err = mkdir_p(ctx, root, path);
	if (!err)
		err = vfs_lookup(ctx, root, path, LOOKUP_FOLLOW, &at);
	if (!err) {
		err = vfs_mount(&k->ns, &at, fs->sb, fs, source, flags);
		vfs_path_put(&at);
	}
	vfs_inode_put(fs);
	return err;
}

/* Mount a new tmpfs of mode at path. */
static int mount_tmpfs(struct kernel *k, const struct vfs_lookup_ctx *ctx,
		       const struct vfs_path *root, const char *path,
		       uint32_t mode)
{
	return mount_at(k, ctx, root, path, tmpfs_create(&k->mf, mode, 0, 0),
			"tmpfs", 0);
}

/* Mount a synthetic filesystem (procfs, sysfs, devpts) at path. */
static int mount_pseudo(struct kernel *k, const struct vfs_lookup_ctx *ctx,
			const struct vfs_path *root, const char *path,
			struct vfs_inode *(*create)(struct kernel *k),
			const char *source)
{
	return mount_at(k, ctx, root, path, create(k), source,
			VFS_MNT_NOSUID | VFS_MNT_NODEV | VFS_MNT_NOEXEC);
}

static const struct {
	const char *path;
	unsigned minor;
} mem_devices[] = {
    {"/dev/null", 3},	{"/dev/zero", 5},    {"/dev/full", 7},
    {"/dev/random", 8}, {"/dev/urandom", 9},
};

/* mkdir -p of an absolute path, as root. */
static int mkdir_p(const struct vfs_lookup_ctx *ctx,
		   const struct vfs_path *root, const char *path)
{
	char buf[ABI_PATH_MAX];
	int err = 0;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			err = vfs_mkdir(ctx, root, buf, 0755);
			if (err == -EEXIST)
				err = 0;
			*p = c;
			if (err || !c)
				break;
		}
	}
	return err;
}

/* The gofer's mount n at path: a directory or a file, as its source. */
static int mount_bind(struct kernel *k, const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *root, unsigned n,
		      const struct sentry_bind *b)
{
	struct vfs_inode *fs;
	struct vfs_path at;
	int err;

	fs = goferfs_create(&k->gofer, &k->mf, n, b->ro, &err);
	if (!fs)
		return err;
	if (ABI_S_ISDIR(fs->mode)) {
		err = mkdir_p(ctx, root, b->dst);
	} else {
		/* A file: its parent directories, and a file to mount on. */
		char *slash = strrchr(b->dst, '/');
		char parent[ABI_PATH_MAX];

		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - b->dst),
			 b->dst);
		err = parent[0] ? mkdir_p(ctx, root, parent) : 0;
		if (!err) {
			err =
			    vfs_mknod(ctx, root, b->dst, ABI_S_IFREG | 0644, 0);
			if (err == -EEXIST)
				err = 0;
		}
	}
	if (!err)
		err = vfs_lookup(ctx, root, b->dst, LOOKUP_FOLLOW, &at);
	if (!err) {
		err = vfs_mount(&k->ns, &at, fs->sb, fs, b->src,
				(b->ro ? VFS_MNT_RDONLY : 0) |
				    (b->noexec ? VFS_MNT_NOEXEC : 0));
		vfs_path_put(&at);
	}
	vfs_inode_put(fs);
	return err;
}

static const char *const dev_links[][2] = {
    {"/dev/fd", "/proc/self/fd"},
    {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"},
    {"/dev/stderr", "/proc/self/fd/2"},
};

/*
 * The sandbox's devices in /dev: the memory devices, the terminals and
 * the standard links into /proc. /dev/ptmx is the device, or (OCI, as
 * runc makes it) a link to devpts' own.
 */
static int make_devices(const struct vfs_lookup_ctx *ctx,
			const struct vfs_path *root, bool ptmx_link)
{
	int err = 0;

	for (size_t i = 0; !err && i < ARRAY_SIZE(mem_devices); i++)
		err = vfs_mknod(ctx, root, mem_devices[i].path,
				ABI_S_IFCHR | 0666,
				device_makedev(1, mem_devices[i].minor));
	if (!err)
		err =
		    vfs_mknod(ctx, root, "/dev/tty", ABI_S_IFCHR | 0666,
			      device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_TTY));
	if (!err && ptmx_link)
		err = vfs_symlink(ctx, root, "/dev/ptmx", "pts/ptmx");
	else if (!err)
		err =
		    vfs_mknod(ctx, root, "/dev/ptmx", ABI_S_IFCHR | 0666,
			      device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_PTMX));
	for (size_t i = 0; !err && i < ARRAY_SIZE(dev_links); i++)
		err = vfs_symlink(ctx, root, dev_links[i][0], dev_links[i][1]);
	return err;
}

/*
 * An mqueue filesystem: the sandbox has no POSIX message queues (mq_open
 * is ENOSYS), so it is empty, and mounted read-only so that nothing else
 * is made in it (README: Known gaps).
 */
static struct vfs_inode *mqueue_create(struct kernel *k)
{
	struct vfs_inode *fs = tmpfs_create(&k->mf, 01777, 0, 0);

	if (fs)
		fs->sb->type = "mqueue";
	return fs;
}

/* moat run's tree: /tmp, /dev, /proc, /sys, /dev/pts, then the binds. */
static int boot_standalone(struct kernel *k, const struct vfs_lookup_ctx *ctx,
			   const struct vfs_path *root,
			   const struct sentry_bind *binds, int nbinds)
{
	int err;

	err = mount_tmpfs(k, ctx, root, "/tmp", 01777);
	if (!err)
		err = mount_tmpfs(k, ctx, root, "/dev", 0755);
	if (!err) {
		err = vfs_mkdir(ctx, root, "/dev/shm", 01777);
		if (err == -EEXIST)
			err = 0;
	}
	if (!err)
		err =
		    mount_pseudo(k, ctx, root, "/proc", procfs_create, "proc");
	if (!err)
		err = mount_pseudo(k, ctx, root, "/sys", sysfs_create, "sysfs");
	if (!err)
		err = make_devices(ctx, root, false);
	if (!err)
		err = mount_pseudo(k, ctx, root, "/dev/pts", devpts_create,
				   "devpts");
	for (int i = 0; !err && i < nbinds; i++)
		err = mount_bind(k, ctx, root, (unsigned)i + 1, &binds[i]);
	return err;
}

/*
 * An OCI container's tree: its mounts in config.json's order, as runc
 * makes them. /dev is a tmpfs with the sandbox's devices, mounted first
 * when the config has none.
 */
static int boot_oci(struct kernel *k, const struct vfs_lookup_ctx *ctx,
		    const struct vfs_path *root,
		    const struct sentry_bind *binds, int nbinds,
		    const struct sentry_mount *mounts, int nmounts)
{
	bool have_dev = false;
	int err = 0;

	for (int i = 0; i < nmounts; i++)
		have_dev |= !strcmp(mounts[i].type, "tmpfs") &&
			    !strcmp(mounts[i].dst, "/dev");
	if (!have_dev) {
		err = mount_tmpfs(k, ctx, root, "/dev", 0755);
		if (!err)
			err = make_devices(ctx, root, true);
	}
	for (int i = 0; !err && i < nmounts; i++) {
		const struct sentry_mount *m = &mounts[i];
		struct vfs_inode *fs;

		if (!strcmp(m->type, "bind")) {
			if (m->bind < 0 || m->bind >= nbinds)
				return -EINVAL;
			err = mount_bind(k, ctx, root, (unsigned)m->bind + 1,
					 &binds[m->bind]);
			continue;
		}
		if (!strcmp(m->type, "tmpfs"))
			fs = tmpfs_create(&k->mf, m->mode & 07777, 0, 0);
		else if (!strcmp(m->type, "proc"))
			fs = procfs_create(k);
		else if (!strcmp(m->type, "sysfs"))
			fs = sysfs_create(k);
		else if (!strcmp(m->type, "devpts"))
			fs = devpts_create(k);
		else if (!strcmp(m->type, "mqueue"))
			fs = mqueue_create(k);
		else
			return -EINVAL;
		err = mount_at(
		    k, ctx, root, m->dst, fs, m->source,
		    m->flags |
			(!strcmp(m->type, "mqueue") ? VFS_MNT_RDONLY : 0));
		if (!err && !strcmp(m->type, "tmpfs") &&
		    !strcmp(m->dst, "/dev"))
			err = make_devices(ctx, root, true);
	}
	return err;
}

int kernel_boot_vfs(struct kernel *k, bool rw, const struct sentry_bind *binds,
		    int nbinds, const struct sentry_mount *mounts, int nmounts)
{
	struct creds root_creds;
	struct vfs_lookup_ctx ctx;
	struct vfs_inode *root;
	struct vfs_path rootp;
	int err;

	if (k->gofer_sock >= 0) {
		/*
		 * The container's root from the gofer, read-only, under a
		 * tmpfs that takes the sandbox's writes.
		 */
		struct vfs_inode *lower, *upper;

		err = gofer_client_init(&k->gofer, k->gofer_sock);
		k->gofer_sock = -1;
		if (err)
			return err;
		lower = goferfs_create(&k->gofer, &k->mf, 0, !rw, &err);
		if (!lower)
			return err;
		if (rw) {
			root = lower; /* writes reach the host directory */
			goto have_root;
		}
		upper = tmpfs_create(&k->mf, 0755, 0, 0);
		if (!upper) {
			vfs_inode_put(lower);
			return -ENOMEM;
		}
		root = overlay_create(upper, lower, &err);
		vfs_inode_put(upper);
		vfs_inode_put(lower);
		if (!root)
			return err;
	} else {
		root = tmpfs_create(&k->mf, 0755, 0, 0);
		if (!root)
			return -ENOMEM;
	}
have_root:
	k->memfd_root = tmpfs_create(&k->mf, 01777, 0, 0);
	if (!k->memfd_root) {
		vfs_inode_put(root);
		return -ENOMEM;
	}
	err = vfs_ns_init(&k->ns, root->sb, root, "rootfs", 0);
	vfs_inode_put(root);
	if (err)
		return err;
	creds_init_root(&root_creds);
	vfs_ns_root(&k->ns, &rootp);
	ctx = (struct vfs_lookup_ctx){
	    .ns = &k->ns, .root = rootp, .creds = &root_creds};
	if (mounts)
		err = boot_oci(k, &ctx, &rootp, binds, nbinds, mounts, nmounts);
	else
		err = boot_standalone(k, &ctx, &rootp, binds, nbinds);
	vfs_path_put(&rootp);
	return err;
}

/* A read-only bind of path on itself, as runc's readonlyPath. */
static int protect_readonly(struct kernel *k, const struct vfs_lookup_ctx *ctx,
			    const char *path)
{
	struct vfs_path at;
	int err;

	err = vfs_lookup(ctx, &ctx->root, path, LOOKUP_FOLLOW, &at);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = vfs_bind(&k->ns, &at, &at, VFS_MNT_RDONLY);
	vfs_path_put(&at);
	return err;
}

/*
 * runc's maskPath: the sandbox's /dev/null bound over a file, an empty
 * read-only tmpfs (1777, as tmpfs makes its root) over a directory.
 */
static int protect_masked(struct kernel *k, const struct vfs_lookup_ctx *ctx,
			  const char *path)
{
	struct vfs_path at, null;
	int err;

	err = vfs_lookup(ctx, &ctx->root, path, LOOKUP_FOLLOW, &at);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (ABI_S_ISDIR(at.dentry->inode->mode)) {
		struct vfs_inode *fs = tmpfs_create(&k->mf, 01777, 0, 0);

		err = fs ? vfs_mount(&k->ns, &at, fs->sb, fs, "tmpfs",
				     VFS_MNT_RDONLY)
			 : -ENOMEM;
		if (fs)
			vfs_inode_put(fs);
	} else {
		err = vfs_lookup(ctx, &ctx->root, "/dev/null", LOOKUP_FOLLOW,
				 &null);
		if (!err) {
			if ((null.dentry->inode->mode & ABI_S_IFMT) !=
				ABI_S_IFCHR ||
			    null.dentry->inode->rdev != device_makedev(1, 3))
				err = -ENODEV;
			else
				err = vfs_bind(&k->ns, &at, &null, 0);
			vfs_path_put(&null);
		}
	}
	vfs_path_put(&at);
	return err;
}

int kernel_protect_paths(struct kernel *k, const char *const *readonly,
			 int nreadonly, const char *const *masked, int nmasked,
			 const char **failed)
{
	struct creds root_creds;
	struct vfs_lookup_ctx ctx;
	int err = 0;

	creds_init_root(&root_creds);
	ctx = (struct vfs_lookup_ctx){.ns = &k->ns, .creds = &root_creds};
	vfs_ns_root(&k->ns, &ctx.root);
	for (int i = 0; !err && i < nreadonly; i++) {
		err = protect_readonly(k, &ctx, readonly[i]);
		*failed = readonly[i];
	}
	for (int i = 0; !err && i < nmasked; i++) {
		err = protect_masked(k, &ctx, masked[i]);
		*failed = masked[i];
	}
	vfs_path_put(&ctx.root);
	return err;
}

struct fs_struct *fs_struct_create(const struct vfs_path *root,
				   const struct vfs_path *cwd)
{
	struct fs_struct *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->refs = 1;
	pthread_mutex_init(&fs->lock, NULL);
	fs->root = *root;
	fs->cwd = *cwd;
	vfs_path_get(&fs->root);
	vfs_path_get(&fs->cwd);
	return fs;
}

void fs_struct_put(struct fs_struct *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL))
		return;
	vfs_path_put(&fs->root);
	vfs_path_put(&fs->cwd);
	free(fs);
}

long task_getname(struct task *t, uint64_t uptr, char *buf)
{
	return mm_copy_string_in(t->mm, buf, uptr, ABI_PATH_MAX);
}

int task_path_begin_scoped(struct task *t, int dirfd, const char *path,
			   bool allow_empty, bool scoped,
			   struct vfs_lookup_ctx *ctx, struct vfs_path *start)
{
	struct fs_struct *fs = t->fs;

	ctx->ns = &t->k->ns;
	ctx->creds = &t->creds;
	pthread_mutex_lock(&fs->lock);
	ctx->root = fs->root;
	vfs_path_get(&ctx->root);
	/* openat2's RESOLVE_IN_ROOT scopes even "/" to dirfd. */
	if (path[0] == '/' && scoped && dirfd != ABI_AT_FDCWD)
		path = "x";
	if (path[0] == '/' || dirfd == ABI_AT_FDCWD) {
		*start = path[0] == '/' ? fs->root : fs->cwd;
		vfs_path_get(start);
		pthread_mutex_unlock(&fs->lock);
		return 0;
	}
	pthread_mutex_unlock(&fs->lock);
	{
		struct file *f = fd_get(t->files, dirfd);
		int err = 0;

		if (!f)
			err = -EBADF;
		else if (!f->path.mnt)
			err = path[0] || !allow_empty ? -ENOTDIR : -EBADF;
		else if (path[0] && !ABI_S_ISDIR(f->inode->mode))
			err = -ENOTDIR;
		if (!err) {
			*start = f->path;
			vfs_path_get(start);
		}
		file_put(f);
		if (err)
			vfs_path_put(&ctx->root);
		return err;
	}
}

void task_path_end(struct vfs_lookup_ctx *ctx, struct vfs_path *start)
{
	vfs_path_put(&ctx->root);
	vfs_path_put(start);
}

int task_path_begin(struct task *t, int dirfd, const char *path,
		    bool allow_empty, struct vfs_lookup_ctx *ctx,
		    struct vfs_path *start)
{
	return task_path_begin_scoped(t, dirfd, path, allow_empty, false, ctx,
				      start);
}
