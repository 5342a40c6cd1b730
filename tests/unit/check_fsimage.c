// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the filesystem in snapshot images (sentry/state/fsimage.c):
 * a sandbox's tree (an overlay over a lower layer that stands for the
 * gofer's root, tmpfs mounts, memfd_create's tmpfs) is saved with the
 * memory file into an image file, restored into a fresh memory file and
 * a freshly booted tree, and compared through the VFS; corrupted images
 * must be rejected with a message, the booted tree left as it was.
 */
#include "sentry/fs/overlay.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/state/fsimage.h"
#include "sentry/state/image.h"
#include "sentry/state/memimage.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MF_SIZE (1ULL << 30)
#define PG	4096

static struct creds root_creds;

static void ok(int err, const char *what)
{
	ck_assert_msg(err == 0, "%s: %s", what, strerror(-err));
}

/* ---- a sandbox's tree, as kernel_boot_vfs makes one ---------------------- */

struct box {
	struct kernel *k;
	struct vfs_lookup_ctx ctx;
	struct vfs_path root;
};

static const struct abi_timespec fixed = {1700000000, 123456789};

/* A file of the lower layer with data and a fixed mtime. */
static void lower_file(struct box *b, const struct vfs_path *lroot,
		       const char *path, const char *data)
{
	struct vfs_lookup_ctx c = b->ctx;
	struct vfs_setattr sa = {.mask = VFS_SETATTR_MTIME | VFS_SETATTR_ATIME,
				 .atime = fixed,
				 .mtime = fixed};
	struct vfs_path p;

	c.root = *lroot;
	ok(vfs_mknod(&c, lroot, path, ABI_S_IFREG | 0644, 0), path);
	ok(vfs_lookup(&c, lroot, path, 0, &p), path);
	ck_assert_int_eq(tmpfs_kwrite(p.dentry->inode, data, strlen(data), 0),
			 (ssize_t)strlen(data));
	ok(vfs_setattr(p.dentry->inode, &sa), "setattr");
	vfs_path_put(&p);
}

static void mount_tmpfs(struct box *b, const char *path, uint32_t mode)
{
	struct vfs_inode *fs = tmpfs_create(&b->k->mf, mode, 0, 0);
	struct vfs_path at;
	int err = vfs_mkdir(&b->ctx, &b->root, path, 0755);

	ck_assert(err == 0 || err == -EEXIST);
	ok(vfs_lookup(&b->ctx, &b->root, path, LOOKUP_FOLLOW, &at), path);
	ok(vfs_mount(&b->k->ns, &at, fs->sb, fs, "tmpfs", 0), "mount");
	vfs_path_put(&at);
	vfs_inode_put(fs);
}

/*
 * Boot b over k (its memory file made): with overlay, an overlay over a
 * lower tmpfs holding a few files (the same every time), /tmp, /dev with
 * a device node and /dev/shm; else a tmpfs root alone. extra: one more
 * tmpfs mount (a sandbox that does not match the image).
 */
static void boot(struct box *b, struct kernel *k, bool overlay, bool extra)
{
	struct vfs_inode *root;

	b->k = k;
	if (overlay) {
		struct vfs_inode *lower = tmpfs_create(&k->mf, 0755, 0, 0);
		struct vfs_inode *upper = tmpfs_create(&k->mf, 0755, 0, 0);
		struct vfs_ns lns;
		struct vfs_path lroot;
		int err;

		ck_assert_int_eq(vfs_ns_init(&lns, lower->sb, lower, "l", 0),
				 0);
		vfs_ns_root(&lns, &lroot);
		b->ctx = (struct vfs_lookup_ctx){
		    .ns = &lns, .root = lroot, .creds = &root_creds};
		ok(vfs_mkdir(&b->ctx, &lroot, "/etc", 0755), "etc");
		lower_file(b, &lroot, "/etc/passwd",
			   "root:x:0:0::/root:/bin/sh\n");
		ok(vfs_mkdir(&b->ctx, &lroot, "/dir", 0755), "dir");
		lower_file(b, &lroot, "/dir/a", "lower a\n");
		ok(vfs_mkdir(&b->ctx, &lroot, "/dir/sub", 0755), "sub");
		lower_file(b, &lroot, "/dir/sub/c", "lower c\n");
		lower_file(b, &lroot, "/gone", "to be whited out\n");
		root = overlay_create(upper, lower, &err);
		ck_assert_ptr_nonnull(root);
		vfs_inode_put(upper);
		vfs_inode_put(lower);
		vfs_path_put(&lroot);
		vfs_ns_destroy(&lns);
	} else {
		root = tmpfs_create(&k->mf, 0755, 0, 0);
	}
	ck_assert_int_eq(vfs_ns_init(&k->ns, root->sb, root, "rootfs", 0), 0);
	vfs_inode_put(root);
	vfs_ns_root(&k->ns, &b->root);
	b->ctx = (struct vfs_lookup_ctx){
	    .ns = &k->ns, .root = b->root, .creds = &root_creds};
	if (!overlay) {
		if (extra)
			mount_tmpfs(b, "/extra", 0755);
		return;
	}
	k->memfd_root = tmpfs_create(&k->mf, 01777, 0, 0);
	mount_tmpfs(b, "/tmp", 01777);
	mount_tmpfs(b, "/dev", 0755);
	ok(vfs_mknod(&b->ctx, &b->root, "/dev/null", ABI_S_IFCHR | 0666,
		     (1 << 8) | 3),
	   "null");
	mount_tmpfs(b, "/dev/shm", 01777);
	if (extra)
		mount_tmpfs(b, "/extra", 0755);
}

static struct kernel *new_kernel(void)
{
	struct kernel *k = calloc(1, sizeof(*k));

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(memfile_create(&k->mf, MF_SIZE), 0);
	return k;
}

static void box_destroy(struct box *b)
{
	vfs_path_put(&b->root);
	vfs_ns_destroy(&b->k->ns);
	if (b->k->memfd_root)
		vfs_inode_put(b->k->memfd_root);
	memfile_destroy(&b->k->mf);
	free(b->k);
}

/* ---- helpers through the VFS --------------------------------------------- */

static struct file *open_at(struct box *b, const char *path, uint32_t flags,
			    uint32_t mode)
{
	struct file *f = vfs_open(&b->ctx, &b->root, path, flags, mode, 0);

	ck_assert_msg(!IS_ERR(f), "open %s: %s", path,
		      IS_ERR(f) ? strerror((int)-PTR_ERR(f)) : "");
	return f;
}

static void write_at(struct box *b, const char *path, const void *data,
		     size_t len, int64_t off)
{
	struct file *f = open_at(b, path, ABI_O_WRONLY | ABI_O_CREAT, 0640);

	ck_assert_int_eq(f->ops->kwrite(f, data, len, &off), (ssize_t)len);
	file_put(f);
}

/* The whole content of f into buf: its length. */
static ssize_t fread_all(struct file *f, char *buf, size_t len)
{
	ssize_t n, done = 0;

	while ((size_t)done < len &&
	       (n = f->ops->kread(f, buf + done, len - (size_t)done, done)) > 0)
		done += n;
	return done;
}

static ssize_t read_all(struct box *b, const char *path, char *buf, size_t len)
{
	struct file *f = vfs_open(&b->ctx, &b->root, path, ABI_O_RDONLY, 0, 0);
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = fread_all(f, buf, len);
	file_put(f);
	return n;
}

static int attr(struct box *b, const char *path, struct vfs_attr *a)
{
	struct vfs_path p;
	int err = vfs_lookup(&b->ctx, &b->root, path, 0, &p);

	if (err)
		return err;
	err = vfs_getattr(&p, a);
	vfs_path_put(&p);
	return err;
}

struct names {
	struct vfs_dir_sink sink;
	char out[4096];
};

static int names_emit(struct vfs_dir_sink *sink, const char *name, size_t len,
		      uint64_t ino, unsigned type, int64_t next)
{
	struct names *s = container_of(sink, struct names, sink);
	size_t at = strlen(s->out);

	snprintf(s->out + at, sizeof(s->out) - at, "%.*s:%u:%llu:%lld ",
		 (int)len, name, type, (unsigned long long)ino,
		 (long long)next);
	return 0;
}

/* A directory's entries in readdir order, with types, inodes, positions. */
static const char *listing(struct box *b, const char *path)
{
	static struct names s;
	struct file *f = open_at(b, path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);

	s.sink.emit = names_emit;
	s.out[0] = '\0';
	ok(f->ops->readdir(f, &s.sink), "readdir");
	file_put(f);
	return s.out;
}

/* host: a file of the lower layer, which is made anew (ctime, btime). */
static void same_attr(struct box *x, struct box *y, const char *path, bool host)
{
	struct vfs_attr a, b;

	ok(attr(x, path, &a), path);
	ok(attr(y, path, &b), path);
	ck_assert_msg(
	    a.ino == b.ino && a.mode == b.mode && a.nlink == b.nlink &&
		a.uid == b.uid && a.gid == b.gid && a.size == b.size &&
		a.rdev == b.rdev && a.blocks == b.blocks,
	    "%s: ino %llu/%llu mode %o/%o nlink %u/%u size %llu/%llu", path,
	    (unsigned long long)a.ino, (unsigned long long)b.ino, a.mode,
	    b.mode, a.nlink, b.nlink, (unsigned long long)a.size,
	    (unsigned long long)b.size);
	ck_assert_msg(
	    !memcmp(&a.atime, &b.atime, sizeof(a.atime)) &&
		!memcmp(&a.mtime, &b.mtime, sizeof(a.mtime)) &&
		(host || (!memcmp(&a.ctime, &b.ctime, sizeof(a.ctime)) &&
			  !memcmp(&a.btime, &b.btime, sizeof(a.btime)))),
	    "%s: times differ", path);
}

static void same_content(struct box *x, struct box *y, const char *path)
{
	static char a[64 * 1024], b[64 * 1024];
	ssize_t n = read_all(x, path, a, sizeof(a));

	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(read_all(y, path, b, sizeof(b)), n);
	ck_assert_msg(!memcmp(a, b, (size_t)n), "%s: content differs", path);
}

static void same_listing(struct box *x, struct box *y, const char *path)
{
	char a[4096];

	snprintf(a, sizeof(a), "%s", listing(x, path));
	ck_assert_str_eq(listing(y, path), a);
}

static ssize_t xattr_of(struct box *b, const char *path, const char *name,
			char *buf, size_t len)
{
	struct vfs_path p;
	ssize_t n;

	ok(vfs_lookup(&b->ctx, &b->root, path, 0, &p), path);
	n = vfs_getxattr(p.dentry->inode, name, buf, len, &root_creds);
	vfs_path_put(&p);
	return n;
}

static void set_xattr(struct box *b, const char *path, const char *name,
		      const char *value)
{
	struct vfs_path p;

	ok(vfs_lookup(&b->ctx, &b->root, path, 0, &p), path);
	ok(vfs_setxattr(p.dentry->inode, false, name, value, strlen(value), 0,
			&root_creds),
	   name);
	vfs_path_put(&p);
}

/* ---- images ----------------------------------------------------------------
 */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_fsimage.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/image", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static int image_file(bool create)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/image", tmpdir);
	fd = open(path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0600);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* Save b (memory file + filesystem) with refs to the image file. */
struct ref {
	const struct vfs_path *p;
	struct vfs_inode *inode;
};

static void save(struct box *b, const struct ref *refs, int nrefs,
		 struct fsimage_buf *recs, size_t *offs)
{
	struct image_writer w;
	struct fsimage *m;
	char why[FSIMAGE_ERR_LEN];
	int fd = image_file(true);

	image_writer_init(&w, fd);
	ck_assert_int_eq(memimage_dump(&b->k->mf, &w, 0, NULL), 0);
	ck_assert_int_eq(fsimage_save_begin(b->k, &m, why), 0);
	for (int i = 0; i < nrefs; i++) {
		offs[i] = recs->len;
		ck_assert_msg(
		    fsimage_ref(m, refs[i].p, refs[i].inode, recs, why) == 0,
		    "ref %d: %s", i, why);
	}
	offs[nrefs] = recs->len;
	ck_assert_msg(fsimage_save_finish(m, &w, why) == 0, "%s", why);
	fsimage_free(m);
	ck_assert_int_eq(image_writer_finish(&w), 0);
	image_writer_release(&w);
	close(fd);
}

/* Open the image file and restore its memory into a new kernel. */
static struct kernel *restore_memory(struct image_reader *r)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int fd = image_file(false);

	ck_assert_ptr_nonnull(k);
	ck_assert_msg(image_open(r, fd) == 0, "%s", r->err);
	ck_assert_msg(memimage_restore(r, &k->mf, NULL) == 0, "%s", r->err);
	return k;
}

static void close_image(struct image_reader *r)
{
	int fd = r->fd;

	image_close(r);
	close(fd);
}

/* ---- the round trip ------------------------------------------------------ */

static char big[5 * PG];

START_TEST(test_round_trip)
{
	struct box a, b, c;
	struct image_reader r;
	struct fsimage *m;
	struct fsimage_buf recs = {0};
	size_t offs[8];
	char why[FSIMAGE_ERR_LEN], buf[8 * PG];
	struct file *gone, *memfd, *lowerf, *tmpf;
	struct vfs_path rp, held;
	struct vfs_inode *ri;
	struct vfs_attr at;
	int64_t pos;
	const char *paths[] = {
	    "/",	 "/tmp",       "/tmp/data",	"/tmp/empty",
	    "/tmp/d1",	 "/tmp/d1/d2", "/tmp/d1/d2/d3", "/tmp/d1/f",
	    "/tmp/hard", "/tmp/sym",   "/tmp/fifo",	"/tmp/null",
	    "/tmp/d1/y", "/etc",       "/etc/passwd",	"/dir",
	    "/dir/a",	 "/dir/sub",   "/dir/sub/new",	"/newfile",
	    "/dev",	 "/dev/null",  "/dev/shm",	"/dev/shm/x",
	};

	make_tmpdir();
	boot(&a, new_kernel(), true, false);

	/* tmpfs: every kind of file. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 253 + 1);
	write_at(&a, "/tmp/data", big, 5000, 0);
	write_at(&a, "/tmp/data", "tail", 4,
		 4 * PG + 100); /* pages 1-3 holes */
	write_at(&a, "/tmp/empty", "", 0, 0);
	ok(vfs_mkdir(&a.ctx, &a.root, "/tmp/d1", 0750), "d1");
	ok(vfs_mkdir(&a.ctx, &a.root, "/tmp/d1/d2", 0700), "d2");
	ok(vfs_mkdir(&a.ctx, &a.root, "/tmp/d1/d2/d3", 0755), "d3");
	write_at(&a, "/tmp/d1/f", "f data", 6, 0);
	ok(vfs_link(&a.ctx, &a.root, "/tmp/d1/f", false, &a.root, "/tmp/hard"),
	   "link");
	ok(vfs_symlink(&a.ctx, &a.root, "/tmp/sym", "d1/f"), "symlink");
	ok(vfs_mknod(&a.ctx, &a.root, "/tmp/fifo", ABI_S_IFIFO | 0600, 0),
	   "fifo");
	ok(vfs_mknod(&a.ctx, &a.root, "/tmp/null", ABI_S_IFCHR | 0666,
		     (1 << 8) | 3),
	   "null");
	/* Readdir positions with a gap. */
	write_at(&a, "/tmp/d1/x", "x", 1, 0);
	write_at(&a, "/tmp/d1/y", "y", 1, 0);
	ok(vfs_unlink(&a.ctx, &a.root, "/tmp/d1/x", false), "unlink x");
	set_xattr(&a, "/tmp/data", "user.color", "blue");
	set_xattr(&a, "/tmp/data", "trusted.t", "");
	set_xattr(&a, "/tmp/d1", "security.label", "top");
	/* Open and unlinked. */
	write_at(&a, "/tmp/gone", big, 3 * PG, 0);
	gone = open_at(&a, "/tmp/gone", ABI_O_RDWR, 0);
	ok(vfs_unlink(&a.ctx, &a.root, "/tmp/gone", false), "unlink gone");
	tmpf = open_at(&a, "/tmp/d1/f", ABI_O_RDONLY, 0);
	/* A memfd, sealed. */
	memfd = tmpfs_memfd(a.k->memfd_root, true, 0, 0);
	ck_assert(!IS_ERR(memfd));
	ck_assert_int_eq(tmpfs_kwrite(memfd->inode, "memfd!", 6, 0), 6);
	ok(tmpfs_add_seals(memfd, TMPFS_SEAL_GROW), "seal");
	/* The overlay: a copy-up, a whiteout, an opaque dir, a new file. */
	pos = 0;
	{
		struct file *f = open_at(&a, "/etc/passwd", ABI_O_WRONLY, 0);

		ck_assert_int_eq(f->ops->kwrite(f, "ROOT", 4, &pos), 4);
		file_put(f);
	}
	ok(vfs_unlink(&a.ctx, &a.root, "/gone", false), "whiteout");
	ok(vfs_unlink(&a.ctx, &a.root, "/dir/sub/c", false), "c");
	ok(vfs_unlink(&a.ctx, &a.root, "/dir/sub", true), "rmdir sub");
	ok(vfs_mkdir(&a.ctx, &a.root, "/dir/sub", 0711), "opaque sub");
	write_at(&a, "/dir/sub/new", "new", 3, 0);
	write_at(&a, "/newfile", "upper only", 10, 0);
	set_xattr(&a, "/newfile", "user.o", "v");
	lowerf = open_at(&a, "/dir/a", ABI_O_RDONLY, 0);
	/* /dev (remade over the booted one) and a mount below it. */
	write_at(&a, "/dev/shm/x", "shm", 3, 0);

	{
		struct ref refs[] = {
		    {&gone->path, gone->inode},
		    {NULL, memfd->inode},
		    {&lowerf->path, lowerf->inode},
		    {&tmpf->path, tmpf->inode},
		};

		save(&a, refs, 4, &recs, offs);
	}

	/* Restore into a fresh memory file and a freshly booted tree. */
	boot(&b, restore_memory(&r), true, false);
	/* A dentry held across the restore (a lower directory, copied up
	 * in the image) is pointed at the restored tree's inode. */
	ok(vfs_lookup(&b.ctx, &b.root, "/etc", 0, &held), "etc");
	ck_assert_int_eq(read_all(&b, "/etc/passwd", buf, 4), 4);
	ck_assert_int_eq(memcmp(buf, "root", 4), 0);
	ck_assert_msg(fsimage_restore(b.k, &r, &m, why) == 0, "%s", why);
	ck_assert_int_eq(read_all(&b, "/etc/passwd", buf, 4), 4);
	ck_assert_int_eq(memcmp(buf, "ROOT", 4), 0);
	vfs_path_put(&held);

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		same_attr(&a, &b, paths[i], !strcmp(paths[i], "/dir/a"));
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		ok(attr(&b, paths[i], &at), paths[i]);
		if (ABI_S_ISREG(at.mode))
			same_content(&a, &b, paths[i]);
		else if (ABI_S_ISDIR(at.mode))
			same_listing(&a, &b, paths[i]);
	}
	ck_assert_int_eq(read_all(&b, "/tmp/data", buf, sizeof(buf)),
			 4 * PG + 104);
	ck_assert_int_eq(memcmp(buf, big, 5000), 0);
	ck_assert_int_eq(buf[2 * PG + 5], 0);
	ck_assert_int_eq(memcmp(buf + 4 * PG + 100, "tail", 4), 0);
	ck_assert_int_eq(read_all(&b, "/etc/passwd", buf, sizeof(buf)), 26);
	ck_assert_int_eq(memcmp(buf, "ROOT:x:0:0::", 12), 0);
	ck_assert_int_eq(read_all(&b, "/gone", buf, 10), -ENOENT);
	ck_assert_int_eq(read_all(&b, "/dir/sub/c", buf, 10), -ENOENT);
	ck_assert_int_eq(read_all(&b, "/dir/sub/new", buf, 10), 3);
	ck_assert_int_eq(read_all(&b, "/dev/shm/x", buf, 10), 3);
	ck_assert_str_eq(
	    listing(&b, "/dir/sub"),
	    listing(&a, "/dir/sub")); /* no lower entries: opaque */
	ck_assert_ptr_nonnull(strstr(listing(&b, "/tmp/d1"), "y:8:"));
	ck_assert_ptr_null(strstr(listing(&b, "/tmp/d1"), "x:8:"));
	ck_assert_int_eq(xattr_of(&b, "/tmp/data", "user.color", buf, 64), 4);
	ck_assert_int_eq(memcmp(buf, "blue", 4), 0);
	ck_assert_int_eq(xattr_of(&b, "/tmp/data", "trusted.t", buf, 64), 0);
	ck_assert_int_eq(xattr_of(&b, "/tmp/d1", "security.label", buf, 64), 3);
	ck_assert_int_eq(xattr_of(&b, "/newfile", "user.o", buf, 64), 1);
	ck_assert_int_eq(
	    vfs_readlink(&b.ctx, &b.root, "/tmp/sym", 0, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "d1/f", 4), 0);
	ck_assert_int_eq(read_all(&b, "/tmp/sym", buf, 10), 6);

	/* The references. */
	ok(fsimage_resolve(m, recs.p + offs[0], offs[1] - offs[0], &rp, &ri,
			   why),
	   why);
	ck_assert(rp.dentry->removed);
	ck_assert_ptr_eq(rp.dentry->inode, ri);
	ck_assert_uint_eq(ri->nlink, 0);
	ck_assert_uint_eq(ri->size, 3 * PG);
	{
		struct file *f = ri->ops->open(ri, ABI_O_RDWR);

		f->inode = vfs_inode_get(ri);
		ck_assert_int_eq(fread_all(f, buf, sizeof(buf)), 3 * PG);
		ck_assert_int_eq(memcmp(buf, big, 3 * PG), 0);
		file_put(f);
	}
	vfs_path_put(&rp);
	vfs_inode_put(ri);

	ok(fsimage_resolve(m, recs.p + offs[1], offs[2] - offs[1], &rp, &ri,
			   why),
	   why);
	ck_assert_ptr_null(rp.mnt);
	ck_assert_ptr_null(rp.dentry);
	ck_assert(tmpfs_is(ri));
	ck_assert_ptr_eq(ri->sb, b.k->memfd_root->sb);
	ck_assert_uint_eq(to_ti(ri)->reg.seals, TMPFS_SEAL_GROW);
	ck_assert_uint_eq(ri->size, 6);
	ck_assert_int_eq(
	    memcmp(memfile_ptr(&b.k->mf, to_ti(ri)->reg.pages[0] - 1), "memfd!",
		   6),
	    0);
	vfs_inode_put(ri);

	ok(fsimage_resolve(m, recs.p + offs[2], offs[3] - offs[2], &rp, &ri,
			   why),
	   why);
	ck_assert(overlay_is(ri));
	ck_assert(!rp.dentry->removed);
	vfs_path_put(&rp);
	vfs_inode_put(ri);

	ok(fsimage_resolve(m, recs.p + offs[3], offs[4] - offs[3], &rp, &ri,
			   why),
	   why);
	{
		struct vfs_path hp;

		ok(vfs_lookup(&b.ctx, &b.root, "/tmp/hard", 0, &hp), "hard");
		/* One inode, two names. */
		ck_assert_ptr_eq(ri, hp.dentry->inode);
		vfs_path_put(&hp);
	}
	vfs_path_put(&rp);
	vfs_inode_put(ri);

	/* A bad record is an error, not a crash. */
	ck_assert_int_eq(
	    fsimage_resolve(m, recs.p + offs[0], 10, &rp, &ri, why), -EINVAL);

	/* The restored sandbox works on: new files, writes to old ones. */
	write_at(&b, "/tmp/new", "fresh", 5, 0);
	write_at(&b, "/tmp/data", "X", 1, PG + 1);
	ck_assert_int_eq(read_all(&b, "/tmp/data", buf, sizeof(buf)),
			 4 * PG + 104);
	ck_assert_int_eq(buf[PG + 1], 'X');
	ck_assert_int_eq(memcmp(buf, big, PG), 0);
	{
		struct vfs_attr x, y;

		ok(attr(&b, "/tmp/new", &x), "new");
		ok(attr(&b, "/tmp/data", &y), "data");
		ck_assert_uint_ne(x.ino, y.ino);
	}
	fsimage_free(m);
	close_image(&r);
	box_destroy(&b);

	/* A host file changed since: restore of its reference fails. */
	boot(&c, restore_memory(&r), true, false);
	ck_assert_msg(fsimage_restore(c.k, &r, &m, why) == 0, "%s", why);
	{
		struct vfs_path p;
		struct vfs_setattr sa = {.mask = VFS_SETATTR_MTIME,
					 .mtime = {1700000001, 0}};
		struct vfs_inode *up, *lo;

		ok(vfs_lookup(&c.ctx, &c.root, "/dir/a", 0, &p), "a");
		overlay_layers(p.dentry->inode, &up, &lo);
		ck_assert_ptr_null(up);
		ok(vfs_setattr(lo, &sa), "touch lower");
		vfs_path_put(&p);
	}
	ck_assert_int_eq(fsimage_resolve(m, recs.p + offs[2], offs[3] - offs[2],
					 &rp, &ri, why),
			 -ESTALE);
	ck_assert_msg(strstr(why, "/dir/a changed since the checkpoint"), "%s",
		      why);
	fsimage_free(m);
	close_image(&r);
	box_destroy(&c);

	file_put(gone);
	file_put(memfd);
	file_put(lowerf);
	file_put(tmpf);
	fsimage_buf_release(&recs);
	box_destroy(&a);
	remove_tmpdir();
}
END_TEST

/* A sandbox must match the image's mounts. */
START_TEST(test_mounts_must_match)
{
	struct box a, b;
	struct image_reader r;
	struct fsimage *m;
	struct fsimage_buf recs = {0};
	size_t offs[1];
	char why[FSIMAGE_ERR_LEN];

	make_tmpdir();
	boot(&a, new_kernel(), true, false);
	save(&a, NULL, 0, &recs, offs);
	boot(&b, restore_memory(&r), true, true);
	ck_assert_int_eq(fsimage_restore(b.k, &r, &m, why), -EINVAL);
	ck_assert_msg(strstr(why, "mounts: the image has 4 mounts, this "
				  "sandbox 5"),
		      "%s", why);
	close_image(&r);
	box_destroy(&b);
	boot(&b, restore_memory(&r), false, false);
	ck_assert_int_eq(fsimage_restore(b.k, &r, &m, why), -EINVAL);
	ck_assert_msg(strstr(why, "mounts:"), "%s", why);
	close_image(&r);
	box_destroy(&b);
	box_destroy(&a);
	remove_tmpdir();
}
END_TEST

/* ---- corrupted images ------------------------------------------------------
 */

/*
 * A small sandbox (a tmpfs root, nothing else) whose tmpfs section has a
 * known layout: the root (inode 0), then breadth first /f (1, one page),
 * /d (2), /s (3, a symlink), /d/g (4, one page).
 */
static uint8_t *small_image(size_t *n, uint64_t *sec_off, uint64_t *sec_len,
			    uint32_t *sec_idx)
{
	struct box a;
	struct fsimage_buf recs = {0};
	struct image_reader r;
	size_t offs[1];
	uint8_t *b;
	int fd, idx;
	off_t size;

	boot(&a, new_kernel(), false, false);
	write_at(&a, "/f", "ffff", 4, 0);
	ok(vfs_mkdir(&a.ctx, &a.root, "/d", 0755), "d");
	ok(vfs_symlink(&a.ctx, &a.root, "/s", "f"), "s");
	write_at(&a, "/d/g", "gggg", 4, 0);
	save(&a, NULL, 0, &recs, offs);
	box_destroy(&a);

	fd = image_file(false);
	size = lseek(fd, 0, SEEK_END);
	b = malloc((size_t)size);
	ck_assert_int_eq(pread(fd, b, (size_t)size, 0), size);
	ck_assert_int_eq(image_open(&r, fd), 0);
	idx = image_find(&r, IMAGE_SEC_TMPFS, 0);
	ck_assert_int_ge(idx, 0);
	*sec_off = r.sec[idx].offset;
	*sec_len = r.sec[idx].length;
	*sec_idx = (uint32_t)idx;
	image_close(&r);
	close(fd);
	*n = (size_t)size;
	return b;
}

/* Checksums made right again after an edit of the tmpfs section. */
static void reseal(uint8_t *b, uint64_t off, uint64_t len, uint32_t idx)
{
	uint32_t nsec, crc;
	uint64_t table;

	memcpy(&nsec, b + 20, 4);
	memcpy(&table, b + 24, 8);
	crc = image_crc32c(0, b + off, (size_t)len);
	memcpy(b + table + (size_t)idx * IMAGE_ENTRY_SIZE + 24, &crc, 4);
	crc = image_crc32c(0, b + table, (size_t)nsec * IMAGE_ENTRY_SIZE);
	memcpy(b + 40, &crc, 4);
	crc = image_crc32c(0, b, 60);
	memcpy(b + 60, &crc, 4);
}

/* Offsets in the small image's tmpfs section. */
#define SEC_HEAD    8
#define FS_HEAD	    32
#define INODE_HEAD  152
#define INODE0	    (SEC_HEAD + FS_HEAD)
#define INODE1	    (INODE0 + INODE_HEAD)     /* /f */
#define INODE2	    (INODE1 + INODE_HEAD + 8) /* /d */
#define INODE3	    (INODE2 + INODE_HEAD)     /* /s, target "f" */
#define INODE4	    (INODE3 + INODE_HEAD + 1) /* /d/g */
#define DIRS	    (INODE4 + INODE_HEAD + 8) /* root's entries */
#define PAGES_OFF   (INODE_HEAD - 0)	      /* a page after its head */
#define I_MODE	    0
#define I_NLINK	    12
#define I_NPAGES    128
#define ROOT_ENT(i) (DIRS + 8 + (size_t)(i)*21) /* names of 1 byte */

static void set32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

enum edit {
	E_NONE,
	E_MODE,
	E_NLINK,
	E_PAGE_UNALIGNED,
	E_PAGE_FREE,
	E_PAGE_TWICE,
	E_NAME_SLASH,
	E_NAME_DOTDOT,
	E_UNREACHABLE,
	E_DIR_TWICE,
	E_NINODES,
	E_TARGET_NUL,
	E_VERSION,
	E_ENTRIES,
	E_CHILD_INDEX,
	E_POSITION,
	E_SAME_NAME,
};

static const struct {
	enum edit e;
	const char *want;
} edits[] = {
    {E_MODE, "bad mode"},
    {E_NLINK, "links, but"},
    {E_PAGE_UNALIGNED, "is not an allocated page"},
    {E_PAGE_FREE, "is not an allocated page"},
    {E_PAGE_TWICE, "belongs to two files"},
    {E_NAME_SLASH, "bad name"},
    {E_NAME_DOTDOT, "bad name"},
    {E_UNREACHABLE, "not reachable from the root"},
    {E_DIR_TWICE, "a directory with two names"},
    {E_NINODES, "more than the image holds"},
    {E_TARGET_NUL, "bad symlink target"},
    {E_VERSION, "tmpfs: version 7"},
    {E_ENTRIES, "more than the image holds"},
    {E_CHILD_INDEX, "bad name, inode or position"},
    {E_POSITION, "bad name, inode or position"},
    {E_SAME_NAME, "the name f twice"},
};

static void apply(uint8_t *s, enum edit e)
{
	uint64_t page = get64(s + INODE1 + PAGES_OFF);

	switch (e) {
	case E_NONE:
		break;
	case E_MODE:
		set32(s + INODE1 + I_MODE, 0170644);
		break;
	case E_NLINK:
		set32(s + INODE1 + I_NLINK, 2);
		break;
	case E_PAGE_UNALIGNED:
		set64(s + INODE1 + PAGES_OFF, page + 8);
		break;
	case E_PAGE_FREE:
		set64(s + INODE1 + PAGES_OFF, (MF_SIZE / 2) + 1);
		break;
	case E_PAGE_TWICE:
		set64(s + INODE4 + PAGES_OFF, page);
		break;
	case E_NAME_SLASH:
		s[ROOT_ENT(0) + 20] = '/';
		break;
	case E_NAME_DOTDOT:
		/* Names are one byte here: "." */
		s[ROOT_ENT(0) + 20] = '.';
		break;
	case E_UNREACHABLE:
		/* The root's entry for /d names /f instead: /d has /g. */
		set64(s + ROOT_ENT(1), 1);
		set32(s + INODE1 + I_NLINK, 2);
		set32(s + INODE0 + I_NLINK, 2);
		break;
	case E_DIR_TWICE:
		/* The root's entry for /f names /d: /d twice. */
		set64(s + ROOT_ENT(0), 2);
		break;
	case E_NINODES:
		set64(s + SEC_HEAD + 24, 1ULL << 40);
		break;
	case E_TARGET_NUL:
		s[INODE3 + INODE_HEAD] = '\0';
		break;
	case E_VERSION:
		set32(s, 7);
		break;
	case E_ENTRIES:
		set64(s + DIRS, 1ULL << 50);
		break;
	case E_CHILD_INDEX:
		set64(s + ROOT_ENT(0), 99);
		break;
	case E_POSITION:
		set64(s + ROOT_ENT(1) + 8, 2); /* not after the one before */
		break;
	case E_SAME_NAME:
		s[ROOT_ENT(1) + 20] = 'f';
		break;
	}
}

START_TEST(test_corrupt)
{
	size_t n;
	uint64_t off, len;
	uint32_t idx;
	uint8_t *orig, *b;

	make_tmpdir();
	orig = small_image(&n, &off, &len, &idx);
	/* The layout is as the offsets above say. */
	ck_assert_uint_eq(len, DIRS + 8 + 3 * 21 + 8 + 21);
	ck_assert_int_eq(orig[off + ROOT_ENT(0) + 20], 'f');
	ck_assert_int_eq(orig[off + ROOT_ENT(1) + 20], 'd');
	ck_assert_int_eq(orig[off + INODE3 + INODE_HEAD], 'f');
	b = malloc(n);
	for (size_t i = 0; i <= ARRAY_SIZE(edits); i++) {
		enum edit e = i < ARRAY_SIZE(edits) ? edits[i].e : E_NONE;
		struct image_reader r;
		struct fsimage *m;
		char why[FSIMAGE_ERR_LEN];
		struct box bx;
		int fd, err;

		memcpy(b, orig, n);
		apply(b + off, e);
		reseal(b, off, len, idx);
		fd = image_file(true);
		ck_assert_int_eq(pwrite(fd, b, n, 0), (ssize_t)n);
		close(fd);
		boot(&bx, restore_memory(&r), false, false);
		err = fsimage_restore(bx.k, &r, &m, why);
		if (e == E_NONE) {
			/* The unedited image restores. */
			ck_assert_msg(err == 0, "%s", why);
			ck_assert_int_eq(read_all(&bx, "/d/g", (char[8]){0}, 8),
					 4);
			fsimage_free(m);
		} else {
			ck_assert_msg(err == -EINVAL, "edit %zu: %d %s", i, err,
				      why);
			ck_assert_msg(strstr(why, edits[i].want),
				      "edit %zu: want \"%s\", got \"%s\"", i,
				      edits[i].want, why);
			/* Nothing changed: the booted root is still empty. */
			ck_assert_ptr_null(strstr(listing(&bx, "/"), " f:"));
			ck_assert_int_eq(read_all(&bx, "/f", (char[8]){0}, 8),
					 -ENOENT);
		}
		close_image(&r);
		box_destroy(&bx);
	}
	free(b);
	free(orig);
	remove_tmpdir();
}
END_TEST

static Suite *fsimage_suite(void)
{
	Suite *s = suite_create("fsimage");
	TCase *tc = tcase_create("core");

	creds_init_root(&root_creds);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_mounts_must_match);
	tcase_add_test(tc, test_corrupt);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fsimage_suite)
