// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the VFS core over tmpfs: path resolution as a table of
 * (start, path, flags) against the expected file or errno, escape
 * attempts included, and the namespace operations' checks and results.
 */
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/vfs.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct memfile mf;
static struct vfs_ns ns;
static struct creds root_creds, user_creds;
static struct vfs_lookup_ctx ctx, uctx;
static struct vfs_path rootp;

static void ok(int err, const char *what)
{
	ck_assert_msg(err == 0, "%s: %s", what, strerror(-err));
}

static void setup(void)
{
	struct vfs_inode *root, *other, *ro;
	struct vfs_path at;
	char path[64];

	ck_assert_int_eq(memfile_create(&mf, 1ULL << 30), 0);
	root = tmpfs_create(&mf, 0755, 0, 0);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(vfs_ns_init(&ns, root->sb, root, "root", 0), 0);
	vfs_inode_put(root);
	creds_init_root(&root_creds);
	creds_init_root(&user_creds);
	user_creds.ruid = user_creds.euid = user_creds.suid = user_creds.fsuid =
	    1000;
	user_creds.rgid = user_creds.egid = user_creds.sgid = user_creds.fsgid =
	    1000;
	user_creds.cap_effective = user_creds.cap_permitted = 0;
	vfs_ns_root(&ns, &rootp);
	ctx = (struct vfs_lookup_ctx){
	    .ns = &ns, .root = rootp, .creds = &root_creds};
	uctx = ctx;
	uctx.creds = &user_creds;

	ok(vfs_mkdir(&ctx, &rootp, "/a", 0755), "mkdir a");
	ok(vfs_mkdir(&ctx, &rootp, "/b", 0755), "mkdir b");
	ok(vfs_mknod(&ctx, &rootp, "/c", ABI_S_IFREG | 0644, 0), "mknod c");
	ok(vfs_symlink(&ctx, &rootp, "/a/link_rel", "../b"), "link_rel");
	ok(vfs_symlink(&ctx, &rootp, "/a/link_abs", "/b"), "link_abs");
	ok(vfs_symlink(&ctx, &rootp, "/a/link_up", "../../../../b"), "link_up");
	ok(vfs_symlink(&ctx, &rootp, "/loop1", "loop2"), "loop1");
	ok(vfs_symlink(&ctx, &rootp, "/loop2", "loop1"), "loop2");
	ok(vfs_symlink(&ctx, &rootp, "/dangling", "nowhere"), "dangling");
	ok(vfs_mknod(&ctx, &rootp, "/b/x", ABI_S_IFREG | 0644, 0), "b/x");
	/* A chain of symlinks: l0 -> l1 -> ... -> l40 -> c */
	for (int i = 0; i <= 40; i++) {
		char target[16];

		snprintf(path, sizeof(path), "/l%d", i);
		if (i == 40)
			strcpy(target, "c");
		else
			snprintf(target, sizeof(target), "l%d", i + 1);
		ok(vfs_symlink(&ctx, &rootp, path, target), "chain");
	}
	ok(vfs_mkdir(&ctx, &rootp, "/private", 0700), "private");
	ok(vfs_mknod(&ctx, &rootp, "/private/x", ABI_S_IFREG | 0644, 0),
	   "private/x");
	/* Another tmpfs on /mnt, a read-only one on /ro. */
	ok(vfs_mkdir(&ctx, &rootp, "/mnt", 0755), "mnt");
	ok(vfs_mkdir(&ctx, &rootp, "/ro", 0755), "ro");
	other = tmpfs_create(&mf, 0755, 0, 0);
	ok(vfs_lookup(&ctx, &rootp, "/mnt", 0, &at), "lookup mnt");
	ok(vfs_mount(&ns, &at, other->sb, other, "other", 0), "mount");
	vfs_path_put(&at);
	vfs_inode_put(other);
	ok(vfs_mknod(&ctx, &rootp, "/mnt/inner", ABI_S_IFREG | 0644, 0),
	   "inner");
	ro = tmpfs_create(&mf, 0755, 0, 0);
	ok(vfs_lookup(&ctx, &rootp, "/ro", 0, &at), "lookup ro");
	ok(vfs_mount(&ns, &at, ro->sb, ro, "ro", VFS_MNT_RDONLY), "mount ro");
	vfs_path_put(&at);
	vfs_inode_put(ro);
}

static void teardown(void)
{
	vfs_path_put(&rootp);
	vfs_ns_destroy(&ns);
	memfile_destroy(&mf);
}

/* Resolve, and return the final dentry's name or an errno string. */
static const char *resolve(const struct vfs_lookup_ctx *c, const char *start,
			   const char *path, unsigned flags)
{
	static char result[300];
	struct vfs_path s, p;
	int err;

	ok(vfs_lookup(&ctx, &rootp, start, LOOKUP_FOLLOW, &s), start);
	err = vfs_lookup(c, &s, path, flags, &p);
	vfs_path_put(&s);
	if (err) {
		snprintf(result, sizeof(result), "-%s", strerror(-err));
		return result;
	}
	snprintf(result, sizeof(result), "%s", p.dentry->name);
	vfs_path_put(&p);
	return result;
}

#define F LOOKUP_FOLLOW

struct walk_case {
	const char *start, *path;
	unsigned flags;
	const char *want; /* a name, or "-" and strerror */
};

static const char *err_s(int e)
{
	static char buf[64][64];
	static int i;

	i = (i + 1) % 64;
	snprintf(buf[i], sizeof(buf[i]), "-%s", strerror(e));
	return buf[i];
}

START_TEST(test_walk_table)
{
	const struct walk_case cases[] = {
	    {"/", "/", F, "/"},
	    {"/", "a", F, "a"},
	    {"/", "/a/", F, "a"},
	    {"/", "a//b/../b", F, "-"},
	    {"/", "/c", F, "c"},
	    {"/", "/c/", F, err_s(ENOTDIR)},
	    {"/", "/c/.", F, err_s(ENOTDIR)},
	    {"/", "/c/x", F, err_s(ENOTDIR)},
	    {"/", "/a/..", F, "/"},
	    {"/", "/..", F, "/"},
	    {"/", "/../../a", F, "a"},
	    {"/", "/a/./.", F, "a"},
	    {"/", "/nope", F, err_s(ENOENT)},
	    {"/", "/nope/x", F, err_s(ENOENT)},
	    {"/", "", F, err_s(ENOENT)},
	    {"/a", "", F | LOOKUP_EMPTY, "a"},
	    {"/", "/a/link_rel", F, "b"},
	    {"/", "/a/link_rel", 0, "link_rel"},
	    {"/", "/a/link_rel/", 0, "b"},
	    {"/", "/a/link_rel/x", 0, "x"},
	    {"/", "/a/link_abs/x", 0, "x"},
	    /* ".." never climbs above the root, by any route */
	    {"/", "/a/link_up", F, "b"},
	    {"/a", "../../../../../b/x", F, "x"},
	    {"/", "/loop1", F, err_s(ELOOP)},
	    {"/", "/loop1", 0, "loop1"},
	    {"/", "/loop1/", 0, err_s(ELOOP)},
	    {"/", "/dangling", F, err_s(ENOENT)},
	    {"/", "/dangling", 0, "dangling"},
	    {"/", "/l1", F, "c"},	   /* 40 links: allowed */
	    {"/", "/l0", F, err_s(ELOOP)}, /* 41 */
	    {"/", "/mnt/inner", F, "inner"},
	    {"/", "/mnt", F, "/"}, /* the mounted root */
	    {"/", "/mnt/..", F, "/"},
	    {"/", "/mnt/../a", F, "a"},
	    /* openat2's restrictions */
	    {"/a", "../b", F | LOOKUP_BENEATH, err_s(EXDEV)},
	    {"/a", "/b", F | LOOKUP_BENEATH, err_s(EXDEV)},
	    {"/a", "link_abs", F | LOOKUP_BENEATH, err_s(EXDEV)},
	    {"/a", "link_rel", F | LOOKUP_BENEATH, err_s(EXDEV)},
	    {"/a", "link_rel", LOOKUP_BENEATH, "link_rel"},
	    {"/a", ".", F | LOOKUP_BENEATH, "a"},
	    {"/a", "/", F | LOOKUP_IN_ROOT, "a"},
	    {"/a", "../..", F | LOOKUP_IN_ROOT, "a"},
	    {"/a", "link_abs", F | LOOKUP_IN_ROOT, err_s(ENOENT)},
	    {"/", "/a/link_rel", F | LOOKUP_NO_SYMLINKS, err_s(ELOOP)},
	    {"/", "/a/link_rel", LOOKUP_NO_SYMLINKS, "link_rel"},
	    {"/", "/mnt/inner", F | LOOKUP_NO_XDEV, err_s(EXDEV)},
	    {"/mnt", "..", F | LOOKUP_NO_XDEV, err_s(EXDEV)},
	    {"/", "/a", F | LOOKUP_DIRECTORY, "a"},
	    {"/", "/c", F | LOOKUP_DIRECTORY, err_s(ENOTDIR)},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct walk_case *k = &cases[i];
		const char *got = resolve(&ctx, k->start, k->path, k->flags);

		if (!strcmp(k->want, "-"))
			continue; /* a//b/../b: checked below */
		ck_assert_msg(!strcmp(got, k->want),
			      "case %zu: %s from %s (flags %#x): got %s, "
			      "want %s",
			      i, k->path, k->start, k->flags, got, k->want);
	}
	ck_assert_str_eq(resolve(&ctx, "/", "a//../b//x", F), "x");
}
END_TEST

START_TEST(test_walk_limits)
{
	char name[300], path[ABI_PATH_MAX + 10];

	memset(name, 'n', 256);
	name[256] = '\0';
	ck_assert_str_eq(resolve(&ctx, "/", name, F), err_s(ENAMETOOLONG));
	name[255] = '\0';
	ck_assert_str_eq(resolve(&ctx, "/", name, F), err_s(ENOENT));
	memset(path, '/', ABI_PATH_MAX);
	path[ABI_PATH_MAX] = '\0';
	ck_assert_str_eq(resolve(&ctx, "/", path, F), err_s(ENAMETOOLONG));
	path[ABI_PATH_MAX - 1] = '\0';
	ck_assert_str_eq(resolve(&ctx, "/", path, F), "/");
}
END_TEST

START_TEST(test_walk_permissions)
{
	/* The user may not search a root-only directory; root may. */
	ck_assert_str_eq(resolve(&uctx, "/", "/private/x", F), err_s(EACCES));
	ck_assert_str_eq(resolve(&uctx, "/", "/private", F), "private");
	ck_assert_str_eq(resolve(&ctx, "/", "/private/x", F), "x");
	ck_assert_str_eq(resolve(&uctx, "/", "/a/link_rel/x", F), "x");
}
END_TEST

static int attr(const char *path, struct vfs_attr *a)
{
	struct vfs_path p;
	int err = vfs_lookup(&ctx, &rootp, path, 0, &p);

	if (err)
		return err;
	err = vfs_getattr(&p, a);
	vfs_path_put(&p);
	return err;
}

START_TEST(test_ops_create_errors)
{
	struct vfs_attr a;

	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/a", 0755), -EEXIST);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/", 0755), -EEXIST);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/a/.", 0755), -EEXIST);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/a/..", 0755), -EEXIST);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/nope/x", 0755), -ENOENT);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/c/x", 0755), -ENOTDIR);
	/* mkdir takes a trailing slash; mknod and symlink do not */
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/newdir/", 0755), 0);
	ck_assert_int_eq(
	    vfs_mknod(&ctx, &rootp, "/newfile/", ABI_S_IFREG | 0644, 0),
	    -ENOENT);
	ck_assert_int_eq(vfs_mknod(&ctx, &rootp, "/c/", ABI_S_IFREG | 0644, 0),
			 -EEXIST);
	ck_assert_int_eq(vfs_symlink(&ctx, &rootp, "/s", ""), -ENOENT);
	/* A dangling symlink's name exists */
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/dangling", 0755), -EEXIST);
	/* Read-only mount: EEXIST still wins over EROFS */
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/ro/x", 0755), -EROFS);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/ro/..", 0755), -EEXIST);
	/* No write permission for the user in a root-owned directory */
	ck_assert_int_eq(vfs_mkdir(&uctx, &rootp, "/a/u", 0755), -EACCES);
	/* New directories count in their parent's links */
	ck_assert_int_eq(attr("/newdir", &a), 0);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_eq(a.mode, ABI_S_IFDIR | 0755);
	ck_assert_int_eq(attr("/", &a), 0);
	/* a b newdir private mnt ro: six subdirectories */
	ck_assert_uint_eq(a.nlink, 8);
}
END_TEST

START_TEST(test_ops_unlink_rmdir)
{
	struct vfs_attr a;

	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/a", false), -EISDIR);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/c/", false), -ENOTDIR);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/nope", false), -ENOENT);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/a/.", false), -EISDIR);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/c", true), -ENOTDIR);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/b", true), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/a/.", true), -EINVAL);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/a/..", true), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/", true), -EBUSY);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/mnt", true), -EBUSY);
	/* Symlinks are removed, not followed */
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/a/link_rel", false), 0);
	ck_assert_int_eq(attr("/b", &a), 0);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/b/x", false), 0);
	ck_assert_int_eq(attr("/b/x", &a), -ENOENT);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/b/", true), 0);
	ck_assert_int_eq(attr("/b", &a), -ENOENT);
	ck_assert_int_eq(attr("/", &a), 0);
	ck_assert_uint_eq(a.nlink, 6);
	/* A name can be made again after removal */
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/b", 0700), 0);
	ck_assert_int_eq(attr("/b", &a), 0);
	ck_assert_uint_eq(a.mode, ABI_S_IFDIR | 0700);
}
END_TEST

START_TEST(test_ops_sticky)
{
	struct creds other = user_creds;

	other.fsuid = other.euid = 2000;
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/tmp", 01777), 0);
	ck_assert_int_eq(
	    vfs_mknod(&uctx, &rootp, "/tmp/mine", ABI_S_IFREG | 0644, 0), 0);
	{
		struct vfs_lookup_ctx octx = uctx;

		octx.creds = &other;
		/* Another user may not remove or rename it... */
		ck_assert_int_eq(vfs_unlink(&octx, &rootp, "/tmp/mine", false),
				 -EPERM);
		ck_assert_int_eq(vfs_rename(&octx, &rootp, "/tmp/mine", &rootp,
					    "/tmp/theirs", 0),
				 -EPERM);
	}
	/* ...its owner and root may. */
	ck_assert_int_eq(
	    vfs_rename(&uctx, &rootp, "/tmp/mine", &rootp, "/tmp/moved", 0), 0);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/tmp/moved", false), 0);
}
END_TEST

START_TEST(test_ops_rename)
{
	struct vfs_attr a, b;

	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/c", &rootp, "/a/c2", 0), 0);
	ck_assert_int_eq(attr("/c", &a), -ENOENT);
	ck_assert_int_eq(attr("/a/c2", &a), 0);
	/* Replacing a file */
	ck_assert_int_eq(vfs_mknod(&ctx, &rootp, "/d", ABI_S_IFREG | 0600, 0),
			 0);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/d", &rootp, "/a/c2", 0), 0);
	ck_assert_int_eq(attr("/a/c2", &a), 0);
	ck_assert_uint_eq(a.mode, ABI_S_IFREG | 0600);
	/* Types must agree */
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b", 0),
			 -EISDIR);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/b", &rootp, "/a/c2", 0),
			 -ENOTDIR);
	/* A directory into itself; onto its own ancestor */
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a", &rootp, "/a/sub", 0),
			 -EINVAL);
	ck_assert_int_eq(vfs_mkdir(&ctx, &rootp, "/a/sub", 0755), 0);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/sub", &rootp, "/a", 0),
			 -ENOTEMPTY);
	/* Flags */
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b/x",
				    ABI_RENAME_NOREPLACE),
			 -EEXIST);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b/nope",
				    ABI_RENAME_EXCHANGE),
			 -ENOENT);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b/x",
				    ABI_RENAME_EXCHANGE | ABI_RENAME_NOREPLACE),
			 -EINVAL);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b/x", 8),
			 -EINVAL);
	/* Exchange a file and a directory */
	ck_assert_int_eq(attr("/a/c2", &a), 0);
	ck_assert_int_eq(attr("/b", &b), 0);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/c2", &rootp, "/b",
				    ABI_RENAME_EXCHANGE),
			 0);
	ck_assert_int_eq(attr("/b", &a), 0);
	ck_assert(ABI_S_ISREG(a.mode));
	ck_assert_int_eq(attr("/a/c2/x", &a), 0); /* b's child moved too */
	/* Across mounts; mountpoints; "." */
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/b", &rootp, "/mnt/b", 0),
			 -EXDEV);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/mnt", &rootp, "/mnt2", 0),
			 -EBUSY);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/a/.", &rootp, "/x", 0),
			 -EBUSY);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/nope", &rootp, "/x", 0),
			 -ENOENT);
	/* Renaming a file onto a hard link of itself does nothing */
	ck_assert_int_eq(vfs_link(&ctx, &rootp, "/b", false, &rootp, "/b2"), 0);
	ck_assert_int_eq(vfs_rename(&ctx, &rootp, "/b", &rootp, "/b2", 0), 0);
	ck_assert_int_eq(attr("/b", &a), 0);
	ck_assert_uint_eq(a.nlink, 2);
}
END_TEST

START_TEST(test_ops_link_readlink)
{
	struct vfs_attr a;
	char buf[64];

	ck_assert_int_eq(vfs_link(&ctx, &rootp, "/c", false, &rootp, "/c2"), 0);
	ck_assert_int_eq(attr("/c", &a), 0);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_int_eq(vfs_link(&ctx, &rootp, "/a", false, &rootp, "/a2"),
			 -EPERM);
	ck_assert_int_eq(vfs_link(&ctx, &rootp, "/c", false, &rootp, "/c2"),
			 -EEXIST);
	ck_assert_int_eq(vfs_link(&ctx, &rootp, "/c", false, &rootp, "/mnt/c"),
			 -EXDEV);
	/* Without AT_SYMLINK_FOLLOW the link itself is linked */
	ck_assert_int_eq(
	    vfs_link(&ctx, &rootp, "/a/link_rel", false, &rootp, "/lr2"), 0);
	ck_assert_int_eq(
	    vfs_readlink(&ctx, &rootp, "/lr2", 0, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "../b", 4), 0);
	ck_assert_int_eq(
	    vfs_link(&ctx, &rootp, "/a/link_abs", true, &rootp, "/bdir"),
	    -EPERM);
	ck_assert_int_eq(vfs_readlink(&ctx, &rootp, "/c", 0, buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(vfs_readlink(&ctx, &rootp, "/a/link_up", 0, buf, 3),
			 3);
	ck_assert_int_eq(vfs_unlink(&ctx, &rootp, "/c", false), 0);
	ck_assert_int_eq(attr("/c2", &a), 0);
	ck_assert_uint_eq(a.nlink, 1);
}
END_TEST

START_TEST(test_path_name)
{
	struct vfs_path p, a;
	char buf[256];

	ck_assert_int_eq(vfs_lookup(&ctx, &rootp, "/mnt/inner", 0, &p), 0);
	ck_assert_int_eq(vfs_path_name(&ns, &rootp, &p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/mnt/inner");
	ck_assert_int_eq(vfs_lookup(&ctx, &rootp, "/a", 0, &a), 0);
	/* Outside a chroot-like root: reported as unreachable */
	ck_assert_int_eq(vfs_path_name(&ns, &a, &p, buf, sizeof(buf)), 1);
	ck_assert_int_eq(vfs_path_name(&ns, &rootp, &rootp, buf, sizeof(buf)),
			 0);
	ck_assert_str_eq(buf, "/");
	ck_assert_int_eq(vfs_path_name(&ns, &rootp, &p, buf, 5), -ENAMETOOLONG);
	vfs_path_put(&p);
	vfs_path_put(&a);
}
END_TEST

/*
 * A filesystem whose entries come and go behind the VFS's back, as
 * procfs's do: x in its root, y in x, each there while fake_there says.
 */
static bool fake_there[3]; /* by id: 1 x, 2 y */
static int fake_inodes;	   /* alive */
static struct vfs_super fake_sb;
static const struct vfs_inode_ops fake_ops;

struct fake_inode {
	struct vfs_inode i;
	int id; /* 0: the root */
};

static struct vfs_inode *fake_new(int id)
{
	struct fake_inode *fi = calloc(1, sizeof(*fi));

	ck_assert_ptr_nonnull(fi);
	vfs_inode_init(&fi->i, &fake_sb, &fake_ops, ABI_S_IFDIR | 0755);
	fi->id = id;
	fake_inodes++;
	return &fi->i;
}

static int fake_id(struct vfs_inode *i)
{
	return container_of(i, struct fake_inode, i)->id;
}

static int fake_lookup(struct vfs_inode *dir, const char *name,
		       struct vfs_inode **out)
{
	int id = fake_id(dir) + 1;

	if (id > 2 || strcmp(name, id == 1 ? "x" : "y") || !fake_there[id])
		return -ENOENT;
	*out = fake_new(id);
	return 0;
}

/* An entry is right while it is there; an absence never is. */
static bool fake_revalidate(struct vfs_inode *dir, const char *name,
			    struct vfs_inode *inode)
{
	(void)dir;
	(void)name;
	return inode && fake_there[fake_id(inode)];
}

static void fake_evict(struct vfs_inode *inode)
{
	fake_inodes--;
	free(container_of(inode, struct fake_inode, i));
}

static const struct vfs_inode_ops fake_ops = {
    .lookup = fake_lookup,
    .revalidate = fake_revalidate,
    .evict = fake_evict,
};

START_TEST(test_revalidate)
{
	struct vfs_path at, held, p;
	struct vfs_inode *root;

	vfs_super_init(&fake_sb, NULL, "fake");
	memset(fake_there, 0, sizeof(fake_there));
	fake_inodes = 0;
	root = fake_new(0);
	ok(vfs_lookup(&ctx, &rootp, "/a", 0, &at), "lookup a");
	ok(vfs_mount(&ns, &at, &fake_sb, root, "fake", 0), "mount");
	vfs_path_put(&at);
	vfs_inode_put(root);

	/* A cached absence is looked at again. */
	ck_assert_int_eq(vfs_lookup(&ctx, &rootp, "/a/x", 0, &p), -ENOENT);
	fake_there[1] = fake_there[2] = true;
	ok(vfs_lookup(&ctx, &rootp, "/a/x/y", 0, &held), "x/y");
	ck_assert_int_eq(fake_inodes, 3);
	/* x goes: it is found no more, though y below it is held. */
	fake_there[1] = false;
	ck_assert_int_eq(vfs_lookup(&ctx, &rootp, "/a/x", 0, &p), -ENOENT);
	ck_assert_int_eq(vfs_lookup(&ctx, &rootp, "/a/x/y", 0, &p), -ENOENT);
	ck_assert_int_eq(fake_inodes, 3);
	/* Back: a new x, a new y. */
	fake_there[1] = true;
	ok(vfs_lookup(&ctx, &rootp, "/a/x/y", 0, &p), "x/y again");
	ck_assert_ptr_ne(p.dentry, held.dentry);
	ck_assert_int_eq(fake_inodes, 5);
	/* Still cached: the same y. */
	vfs_path_put(&p);
	ok(vfs_lookup(&ctx, &rootp, "/a/x/y", 0, &p), "x/y cached");
	ck_assert_int_eq(fake_inodes, 5);
	vfs_path_put(&p);
	/* Looked up from the old x, y is new, and not cached there. */
	ok(vfs_lookup(&ctx, &held, "..", 0, &at), "old x");
	ok(vfs_lookup(&ctx, &at, "y", 0, &p), "old x's y");
	ck_assert_ptr_ne(p.dentry, held.dentry);
	ck_assert_ptr_null(at.dentry->children);
	vfs_path_put(&p);
	vfs_path_put(&at);
	ck_assert_int_eq(fake_inodes, 5);
	/* The old y goes when let go, and the old x with it. */
	vfs_path_put(&held);
	ck_assert_int_eq(fake_inodes, 3);
}
END_TEST

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_walk_table);
	tcase_add_test(tc, test_walk_limits);
	tcase_add_test(tc, test_walk_permissions);
	suite_add_tcase(s, tc);
	tc = tcase_create("ops");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ops_create_errors);
	tcase_add_test(tc, test_ops_unlink_rmdir);
	tcase_add_test(tc, test_ops_sticky);
	tcase_add_test(tc, test_ops_rename);
	tcase_add_test(tc, test_ops_link_readlink);
	tcase_add_test(tc, test_path_name);
	tcase_add_test(tc, test_revalidate);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(vfs_suite)
