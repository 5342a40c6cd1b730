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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mount a new tmpfs of mode at path (created if missing). */
static int mount_tmpfs(struct kernel *k, const struct vfs_lookup_ctx *ctx,
		       const struct vfs_path *root, const char *path,
		       uint32_t mode)
{
	struct vfs_inode *fs;
	struct vfs_path at;
	int err;

	err = vfs_mkdir(ctx, root, path, mode);
	if (err && err != -EEXIST)
		return err;
	err = vfs_lookup(ctx, root, path, LOOKUP_FOLLOW, &at);
	if (err)
		return err;
	fs = tmpfs_create(&k->mf, mode, 0, 0);
	if (!fs) {
		vfs_path_put(&at);
		return -ENOMEM;
	}
	err = vfs_mount(&k->ns, &at, fs->sb, fs, "tmpfs", 0);
	vfs_inode_put(fs);
	vfs_path_put(&at);
	return err;
}

/* Mount a synthetic filesystem (procfs, sysfs) at path. */
static int mount_pseudo(struct kernel *k, const struct vfs_lookup_ctx *ctx,
			const struct vfs_path *root, const char *path,
			struct vfs_inode *(*create)(struct kernel *k),
			const char *source)
{
	struct vfs_inode *proc;
	struct vfs_path at;
	int err;

	err = vfs_mkdir(ctx, root, path, 0555);
	if (err && err != -EEXIST)
		return err;
	err = vfs_lookup(ctx, root, path, LOOKUP_FOLLOW, &at);
	if (err)
		return err;
	proc = create(k);
	if (!proc) {
		vfs_path_put(&at);
		return -ENOMEM;
	}
	err = vfs_mount(&k->ns, &at, proc->sb, proc, source,
			VFS_MNT_NOSUID | VFS_MNT_NODEV | VFS_MNT_NOEXEC);
	vfs_inode_put(proc);
	vfs_path_put(&at);
	return err;
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

int kernel_boot_vfs(struct kernel *k, bool rw, const struct sentry_bind *binds,
		    int nbinds)
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
	err = mount_tmpfs(k, &ctx, &rootp, "/tmp", 01777);
	if (!err)
		err = mount_tmpfs(k, &ctx, &rootp, "/dev", 0755);
	if (!err) {
		err = vfs_mkdir(&ctx, &rootp, "/dev/shm", 01777);
		if (err == -EEXIST)
			err = 0;
	}
	if (!err)
		err = mount_pseudo(k, &ctx, &rootp, "/proc", procfs_create,
				   "proc");
	if (!err)
		err = mount_pseudo(k, &ctx, &rootp, "/sys", sysfs_create,
				   "sysfs");
	/* The memory devices; the rest of a devfs comes later. */
	for (size_t i = 0; !err && i < ARRAY_SIZE(mem_devices); i++)
		err = vfs_mknod(&ctx, &rootp, mem_devices[i].path,
				ABI_S_IFCHR | 0666,
				device_makedev(1, mem_devices[i].minor));
	/* The terminals: /dev/tty, /dev/ptmx and devpts at /dev/pts. */
	if (!err)
		err =
		    vfs_mknod(&ctx, &rootp, "/dev/tty", ABI_S_IFCHR | 0666,
			      device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_TTY));
	if (!err)
		err =
		    vfs_mknod(&ctx, &rootp, "/dev/ptmx", ABI_S_IFCHR | 0666,
			      device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_PTMX));
	if (!err)
		err = mount_pseudo(k, &ctx, &rootp, "/dev/pts", devpts_create,
				   "devpts");
	/* The standard links into /proc, as udev makes them. */
	for (size_t i = 0; !err && i < ARRAY_SIZE(dev_links); i++)
		err =
		    vfs_symlink(&ctx, &rootp, dev_links[i][0], dev_links[i][1]);
	for (int i = 0; !err && i < nbinds; i++)
		err = mount_bind(k, &ctx, &rootp, (unsigned)i + 1, &binds[i]);
	vfs_path_put(&rootp);
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
