// SPDX-License-Identifier: Apache-2.0
/*
 * Path resolution and the namespace operations (sentry/vfs) over a tmpfs
 * tree made afresh for each input: directories, relative, absolute,
 * climbing, dangling and looping symlinks, a private directory, another
 * tmpfs mounted on /mnt and a read-only one on /ro.
 *
 * An input is a sequence of operations, each [u8 op][u8 flags][u8 who]
 * [u8 len][path][u8 len][second path]: a lookup (with any LOOKUP_* flags),
 * a parent lookup, mknod, mkdir, symlink, link, unlink, rmdir, rename
 * (with any flags), readlink or getattr, as root or as an unprivileged
 * user, from the root or from one of the directories, or with a chroot'ed
 * root. Checked: what the flags promise (a directory for
 * LOOKUP_DIRECTORY, nothing outside the start for LOOKUP_BENEATH and
 * LOOKUP_IN_ROOT, no mount crossing for LOOKUP_NO_XDEV), no change on the
 * read-only mount, and that the whole tree is freed at the end.
 */
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/vfs.h"
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* The operation being checked, for the report. */
static char doing[700];

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_vfs: %s (%s)\n", #cond, doing);  \
			abort();                                               \
		}                                                              \
	} while (0)

static struct memfile mf;
static struct creds root_creds, user_creds;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(memfile_create(&mf, 1ULL << 32) == 0);
	creds_init_root(&root_creds);
	creds_init_user(&user_creds, 1000, 1000);
	return 0;
}

#define ok(call) CHECK((call) == 0)

static void build(struct vfs_ns *ns, struct vfs_lookup_ctx *ctx,
		  struct vfs_path *rootp)
{
	struct vfs_inode *root, *other, *ro;
	struct vfs_path at;
	char path[32], target[32];

	root = tmpfs_create(&mf, 0755, 0, 0);
	CHECK(root);
	ok(vfs_ns_init(ns, root->sb, root, "root", 0));
	vfs_inode_put(root);
	vfs_ns_root(ns, rootp);
	*ctx = (struct vfs_lookup_ctx){
	    .ns = ns, .root = *rootp, .creds = &root_creds};
	ok(vfs_mkdir(ctx, rootp, "/a", 0755));
	ok(vfs_mkdir(ctx, rootp, "/a/sub", 0755));
	ok(vfs_mkdir(ctx, rootp, "/b", 01777));
	ok(vfs_mknod(ctx, rootp, "/c", ABI_S_IFREG | 0644, 0));
	ok(vfs_mknod(ctx, rootp, "/b/x", ABI_S_IFREG | 0600, 0));
	ok(vfs_symlink(ctx, rootp, "/a/rel", "../b"));
	ok(vfs_symlink(ctx, rootp, "/a/abs", "/b"));
	ok(vfs_symlink(ctx, rootp, "/a/up", "../../../../b/x"));
	ok(vfs_symlink(ctx, rootp, "/a/sub/dot", "."));
	ok(vfs_symlink(ctx, rootp, "/loop1", "loop2"));
	ok(vfs_symlink(ctx, rootp, "/loop2", "loop1"));
	ok(vfs_symlink(ctx, rootp, "/dangling", "nowhere/at/all"));
	ok(vfs_symlink(ctx, rootp, "/self", "/proc/self/fd"));
	for (int i = 0; i < 42; i++) {
		snprintf(path, sizeof(path), "/l%d", i);
		snprintf(target, sizeof(target), i == 41 ? "c" : "l%d", i + 1);
		ok(vfs_symlink(ctx, rootp, path, target));
	}
	ok(vfs_mkdir(ctx, rootp, "/private", 0700));
	ok(vfs_mknod(ctx, rootp, "/private/x", ABI_S_IFREG | 0644, 0));
	ok(vfs_mkdir(ctx, rootp, "/mnt", 0755));
	ok(vfs_mkdir(ctx, rootp, "/ro", 0755));
	other = tmpfs_create(&mf, 0777, 0, 0);
	CHECK(other);
	ok(vfs_lookup(ctx, rootp, "/mnt", 0, &at));
	ok(vfs_mount(ns, &at, other->sb, other, "other", 0));
	vfs_path_put(&at);
	vfs_inode_put(other);
	ok(vfs_mkdir(ctx, rootp, "/mnt/d", 0755));
	ok(vfs_symlink(ctx, rootp, "/mnt/d/out", "../../a"));
	ro = tmpfs_create(&mf, 0755, 0, 0);
	CHECK(ro);
	ok(vfs_lookup(ctx, rootp, "/ro", 0, &at));
	ok(vfs_mount(ns, &at, ro->sb, ro, "ro", VFS_MNT_RDONLY));
	vfs_path_put(&at);
	vfs_inode_put(ro);
}

/* The read-only mount's root: its times change with any change in it. */
static void ro_attr(struct vfs_lookup_ctx *ctx, struct vfs_path *rootp,
		    struct vfs_attr *a)
{
	struct vfs_path p;

	ok(vfs_lookup(ctx, rootp, "/ro", 0, &p));
	ok(vfs_getattr(&p, a));
	vfs_path_put(&p);
}

/* Is p at or below top, mounts crossed included? */
static bool below(const struct vfs_path *p, const struct vfs_path *top)
{
	struct vfs_mount *m = p->mnt;
	struct vfs_dentry *d = p->dentry;

	for (int i = 0; i < 100000; i++) {
		if (m == top->mnt && d == top->dentry)
			return true;
		if (d == m->root) {
			if (!m->parent)
				return false;
			d = m->mountpoint;
			m = m->parent;
			continue;
		}
		if (!d->parent)
			return false;
		d = d->parent;
	}
	return false;
}

/* A NUL-terminated string of the input's next length-prefixed bytes. */
static void take_path(struct fuzz_in *in, char *buf, size_t cap)
{
	size_t n;
	const uint8_t *p = fuzz_bytes(in, fuzz_u8(in), &n);

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

static const char *const starts[] = {"/", "/a", "/a/sub", "/mnt", "/b", "/ro"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vfs_lookup_ctx ctx;
	struct vfs_path rootp;
	struct vfs_ns ns;
	long dentries = vfs_dentries;

	struct vfs_attr ro_before, ro_after;

	build(&ns, &ctx, &rootp);
	ro_attr(&ctx, &rootp, &ro_before);
	while (in.left >= 3) {
		uint8_t op = fuzz_u8(&in), fl = fuzz_u8(&in),
			who = fuzz_u8(&in);
		unsigned flags = fl & 0x1f7; /* every LOOKUP_* */
		char p1[300], p2[300], last[ABI_NAME_MAX + 1], buf[64];
		struct vfs_lookup_ctx c = ctx;
		struct vfs_path start, chroot_root = {0}, out;
		bool trailing;
		struct vfs_attr attr;
		int err;

		flags |= (fl & 8) ? LOOKUP_NO_MAGIC : 0;
		take_path(&in, p1, sizeof(p1));
		take_path(&in, p2, sizeof(p2));
		snprintf(doing, sizeof(doing),
			 "op %u flags %#x who %#x \"%s\" \"%s\"", op % 11,
			 flags, who, p1, p2);
		if (who & 1)
			c.creds = &user_creds;
		/* The start directory, unless an operation removed it. */
		if (vfs_lookup(&ctx, &rootp,
			       starts[(who >> 1) %
				      (sizeof(starts) / sizeof(starts[0]))],
			       LOOKUP_FOLLOW, &start))
			vfs_ns_root(&ns, &start);
		if (who & 0x80) {
			/* chroot'ed into the start directory */
			chroot_root = start;
			vfs_path_get(&chroot_root);
			c.root = chroot_root;
		}
		switch (op % 11) {
		case 0:
			err = vfs_lookup(&c, &start, p1, flags, &out);
			if (!err) {
				if (flags & LOOKUP_DIRECTORY)
					CHECK(ABI_S_ISDIR(
					    out.dentry->inode->mode));
				if (flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT))
					CHECK(below(&out, &start));
				/* An absolute path starts at the root (as
				 * Linux's path_init allows), but in
				 * RESOLVE_IN_ROOT's, which is the start. */
				if (flags & LOOKUP_NO_XDEV)
					CHECK(out.mnt ==
					      (p1[0] == '/' &&
						       !(flags & LOOKUP_IN_ROOT)
						   ? c.root.mnt
						   : start.mnt));
				if (chroot_root.mnt)
					CHECK(below(&out, &chroot_root));
				vfs_path_put(&out);
			}
			break;
		case 1:
			err = vfs_lookup_parent(&c, &start, p1, flags, &out,
						last, &trailing);
			if (!err) {
				CHECK(memchr(last, '\0', sizeof(last)));
				CHECK(!strchr(last, '/'));
				vfs_path_put(&out);
			}
			break;
		case 2:
			vfs_mknod(&c, &start, p1,
				  (fl & 1 ? ABI_S_IFIFO : ABI_S_IFREG) | 0644,
				  0);
			break;
		case 3:
			vfs_mkdir(&c, &start, p1, 0755);
			break;
		case 4:
			vfs_symlink(&c, &start, p1, p2);
			break;
		case 5:
			vfs_link(&c, &start, p1, fl & 1, &start, p2);
			break;
		case 6:
			vfs_unlink(&c, &start, p1, false);
			break;
		case 7:
			vfs_unlink(&c, &start, p1, true);
			break;
		case 8:
			vfs_rename(&c, &start, p1, &rootp, p2, fl & 7);
			break;
		case 9: {
			ssize_t n = vfs_readlink(&c, &start, p1, flags & 4, buf,
						 (size_t)(fl % sizeof(buf)));

			CHECK(n < 0 || (size_t)n <= (size_t)(fl % sizeof(buf)));
			break;
		}
		case 10:
			if (!vfs_lookup(&c, &start, p1, flags, &out)) {
				CHECK(vfs_getattr(&out, &attr) == 0);
				vfs_path_put(&out);
			}
			break;
		}
		if (chroot_root.mnt)
			vfs_path_put(&chroot_root);
		vfs_path_put(&start);
	}
	/* Nothing may have reached the read-only mount. */
	ro_attr(&ctx, &rootp, &ro_after);
	CHECK(ro_after.nlink == ro_before.nlink &&
	      ro_after.mtime.tv_nsec == ro_before.mtime.tv_nsec &&
	      ro_after.ctime.tv_nsec == ro_before.ctime.tv_nsec &&
	      ro_after.mode == ro_before.mode);
	vfs_path_put(&rootp);
	vfs_ns_destroy(&ns);
	CHECK(vfs_dentries == dentries);
	return 0;
}
