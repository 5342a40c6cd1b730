// SPDX-License-Identifier: Apache-2.0
/*
 * devpts (fs/devpts): /dev/pts with a node N for each live pseudo-terminal
 * slave and ptmx, as mounted with gid=5,mode=620,ptmxmode=666. Nodes
 * come and go with the pairs; nothing can be created in it.
 */
#include "sentry/fs/devices.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEVPTS_ROOT_INO 1
#define DEVPTS_PTMX_INO 2

struct devpts_inode {
	struct vfs_inode i;
	int index;	 /* -1: the root or ptmx */
	uint64_t serial; /* the pair it stands for */
};

static const struct vfs_inode_ops devpts_dir_ops, devpts_node_ops;

static struct devpts_inode *to_di(struct vfs_inode *inode)
{
	return container_of(inode, struct devpts_inode, i);
}

static struct vfs_inode *node_new(struct vfs_super *sb, uint32_t mode,
				  uint64_t ino, uint64_t rdev, int index)
{
	struct devpts_inode *di = calloc(1, sizeof(*di));

	if (!di)
		return NULL;
	vfs_inode_init(&di->i, sb,
		       ABI_S_ISDIR(mode) ? &devpts_dir_ops : &devpts_node_ops,
		       mode);
	di->i.ino = ino;
	di->i.rdev = rdev;
	di->index = index;
	return &di->i;
}

/* "N" with no leading zeros: N, else -1. */
static int parse_index(const char *name)
{
	char *end;
	long v;

	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1]))
		return -1;
	v = strtol(name, &end, 10);
	return *end || v >= TTY_PTY_MAX ? -1 : (int)v;
}

static uint64_t pts_rdev(unsigned index)
{
	return device_makedev(TTY_MAJOR_PTS + index / 256, index % 256);
}

static int devpts_lookup(struct vfs_inode *dir, const char *name,
			 struct vfs_inode **out)
{
	uint32_t uid, gid, mode;
	uint64_t serial;
	int index;

	if (!strcmp(name, "ptmx")) {
		*out = node_new(
		    dir->sb, ABI_S_IFCHR | 0666, DEVPTS_PTMX_INO,
		    device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_PTMX), -1);
		return *out ? 0 : -ENOMEM;
	}
	index = parse_index(name);
	if (index < 0 ||
	    !tty_pts_info((unsigned)index, &serial, &uid, &gid, &mode))
		return -ENOENT;
	*out = node_new(dir->sb, ABI_S_IFCHR | mode, (uint64_t)index + 3,
			pts_rdev((unsigned)index), index);
	if (!*out)
		return -ENOMEM;
	(*out)->uid = uid;
	(*out)->gid = gid;
	to_di(*out)->serial = serial;
	return 0;
}

/* A node is right while its pair lives; a missing one may have come. */
static bool devpts_revalidate(struct vfs_inode *dir, const char *name,
			      struct vfs_inode *inode)
{
	uint32_t uid, gid, mode;
	uint64_t serial;
	int index;

	(void)dir;
	if (!strcmp(name, "ptmx"))
		return inode != NULL;
	index = parse_index(name);
	if (index < 0)
		return inode == NULL;
	if (!tty_pts_info((unsigned)index, &serial, &uid, &gid, &mode))
		return inode == NULL;
	return inode && to_di(inode)->serial == serial;
}

static struct file *devpts_node_open(struct vfs_inode *inode, uint32_t flags)
{
	return device_open(inode->rdev, flags);
}

static void devpts_evict(struct vfs_inode *inode)
{
	free(to_di(inode));
}

static int devpts_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	/* Positions: 0 ".", 1 "..", 2 "ptmx", 3 + N the slave N. */
	if (f->pos == 0) {
		if (sink->emit(sink, ".", 1, DEVPTS_ROOT_INO, ABI_DT_DIR, 1))
			return 0;
		f->pos = 1;
	}
	if (f->pos == 1) {
		if (sink->emit(sink, "..", 2, DEVPTS_ROOT_INO, ABI_DT_DIR, 2))
			return 0;
		f->pos = 2;
	}
	if (f->pos == 2) {
		if (sink->emit(sink, "ptmx", 4, DEVPTS_PTMX_INO, ABI_DT_CHR, 3))
			return 0;
		f->pos = 3;
	}
	for (;;) {
		unsigned index = (unsigned)(f->pos - 3);
		char name[16];
		int n;

		if (!tty_pts_next(&index))
			break;
		n = snprintf(name, sizeof(name), "%u", index);
		if (sink->emit(sink, name, (size_t)n, (uint64_t)index + 3,
			       ABI_DT_CHR, (int64_t)index + 4))
			return 0;
		f->pos = (int64_t)index + 4;
	}
	return 0;
}

static int devpts_dir_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static void devpts_dir_release(struct file *f)
{
	free(f);
}

static const struct file_ops devpts_dir_file_ops = {
    .stat = devpts_dir_stat,
    .readdir = devpts_readdir,
    .release = devpts_dir_release,
};

static struct file *devpts_dir_open(struct vfs_inode *inode, uint32_t flags)
{
	struct file *f = calloc(1, sizeof(*f));

	(void)inode;
	if (!f)
		return ERR_PTR(-ENOMEM);
	file_init(f, &devpts_dir_file_ops, flags);
	return f;
}

static const struct vfs_inode_ops devpts_dir_ops = {
    .lookup = devpts_lookup,
    .revalidate = devpts_revalidate,
    .open = devpts_dir_open,
    .evict = devpts_evict,
};

static const struct vfs_inode_ops devpts_node_ops = {
    .open = devpts_node_open,
    .evict = devpts_evict,
};

static int devpts_statfs(struct vfs_super *sb, struct abi_statfs *st)
{
	(void)sb;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x1cd1; /* DEVPTS_SUPER_MAGIC */
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namelen = ABI_NAME_MAX;
	return 0;
}

static void devpts_destroy(struct vfs_super *sb)
{
	free(sb);
}

static const struct vfs_super_ops devpts_super_ops = {
    .statfs = devpts_statfs,
    .destroy = devpts_destroy,
};

struct vfs_inode *devpts_create(struct kernel *k)
{
	struct vfs_super *sb = calloc(1, sizeof(*sb));
	struct vfs_inode *root;

	(void)k;
	if (!sb)
		return NULL;
	vfs_super_init(sb, &devpts_super_ops, "devpts");
	root = node_new(sb, ABI_S_IFDIR | 0755, DEVPTS_ROOT_INO, 0, -1);
	__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_RELAXED); /* the mount's */
	if (!root) {
		free(sb);
		return NULL;
	}
	return root;
}
