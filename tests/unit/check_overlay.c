// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the overlay filesystem: a tmpfs upper over a tmpfs lower,
 * each in its own namespace, driven through the VFS; every change through
 * the overlay is checked to leave the lower layer as it was.
 */
#include "platform/platform.h"
#include "sentry/fs/overlay.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct memfile mf;
static struct vfs_ns lns, ons; /* the lower layer alone; the overlay */
static struct creds root_creds;
static struct vfs_lookup_ctx lctx, octx;
static struct vfs_path lroot, oroot;
static struct mm *mm;
static struct task task;
static uint64_t ubuf; /* application memory for write() */

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";

/* ---- a platform that maps nothing: application memory is the memfile ----- */

static char fake_as;

static int fake_as_create(struct platform *p, struct platform_as **out)
{
	(void)p;
	*out = (struct platform_as *)&fake_as;
	return 0;
}

static void fake_as_destroy(struct platform_as *as)
{
	(void)as;
}

static int fake_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
		       int prot, uint64_t off)
{
	(void)as, (void)addr, (void)len, (void)prot, (void)off;
	return 0;
}

static int fake_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len)
{
	(void)as, (void)addr, (void)len;
	return 0;
}

static int fake_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
			   int prot)
{
	(void)as, (void)addr, (void)len, (void)prot;
	return 0;
}

static const struct platform_ops fake_ops = {
    .name = "fake",
    .as_create = fake_as_create,
    .as_destroy = fake_as_destroy,
    .as_map = fake_as_map,
    .as_unmap = fake_as_unmap,
    .as_protect = fake_as_protect,
};

static struct platform fake_plat = {.ops = &fake_ops, .addr_limit = 1ULL << 47};

/* ---- helpers ------------------------------------------------------------- */

static void ok(int err, const char *what)
{
	ck_assert_msg(err == 0, "%s: %s", what, strerror(-err));
}

/* Write data to path of the lower layer (set-up only). */
static void lower_file(const char *path, const void *data, size_t len,
		       uint32_t mode)
{
	struct vfs_path p;

	ok(vfs_mknod(&lctx, &lroot, path, ABI_S_IFREG | mode, 0), path);
	ok(vfs_lookup(&lctx, &lroot, path, 0, &p), path);
	if (len)
		ck_assert_int_eq(tmpfs_kwrite(p.dentry->inode, data, len, 0),
				 (ssize_t)len);
	vfs_path_put(&p);
}

static int attr_of(const struct vfs_lookup_ctx *c, const struct vfs_path *r,
		   const char *path, unsigned flags, struct vfs_attr *a,
		   uint64_t *dev)
{
	struct vfs_path p;
	int err = vfs_lookup(c, r, path, flags, &p);

	if (err)
		return err;
	err = vfs_getattr(&p, a);
	if (dev)
		*dev = p.dentry->inode->sb->dev;
	vfs_path_put(&p);
	return err;
}

/* The whole content of path (opened read-only) into buf: its length. */
static ssize_t content(const struct vfs_lookup_ctx *c, const struct vfs_path *r,
		       const char *path, char *buf, size_t len)
{
	struct file *f = vfs_open(c, r, path, ABI_O_RDONLY, 0, 0);
	ssize_t n, done = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ck_assert_ptr_nonnull(f->ops->kread);
	while ((size_t)done < len &&
	       (n = f->ops->kread(f, buf + done, len - (size_t)done, done)) > 0)
		done += n;
	file_put(f);
	if ((size_t)done < len)
		buf[done] = '\0';
	return done;
}

/* Through the overlay, as write(2) would: bytes written or -errno. */
static ssize_t owrite(const char *path, uint32_t flags, const char *data)
{
	struct file *f = vfs_open(&octx, &oroot, path, flags, 0644, 0);
	struct abi_iovec iov = {.iov_base = ubuf, .iov_len = strlen(data)};
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ok(mm_copy_out(mm, ubuf, data, strlen(data)), "copy_out");
	ck_assert_ptr_nonnull(f->ops->write);
	n = f->ops->write(f, &task, &iov, 1, &f->pos);
	file_put(f);
	return n;
}

struct names {
	struct vfs_dir_sink sink;
	char *name[64];
	uint64_t ino[64];
	int n, limit;
};

static int names_emit(struct vfs_dir_sink *sink, const char *name, size_t len,
		      uint64_t ino, unsigned type, int64_t next)
{
	struct names *s = container_of(sink, struct names, sink);

	(void)type, (void)next;
	if (s->n == s->limit)
		return 1;
	ck_assert_int_lt(s->n, 64);
	s->ino[s->n] = ino;
	s->name[s->n++] = strndup(name, len);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The entries of the directory path, sorted and joined by spaces, read
 * step entries per readdir call (0: all at once).
 */
static const char *listing(const struct vfs_lookup_ctx *c,
			   const struct vfs_path *r, const char *path, int step)
{
	static char out[1024];
	struct names s = {.sink.emit = names_emit};
	struct file *f =
	    vfs_open(c, r, path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0, 0);
	int before;

	if (IS_ERR(f)) {
		snprintf(out, sizeof(out), "-%s", strerror((int)-PTR_ERR(f)));
		return out;
	}
	do {
		before = s.n;
		s.limit = step ? s.n + step : 64;
		ok(f->ops->readdir(f, &s.sink), "readdir");
	} while (s.n != before);
	file_put(f);
	qsort(s.name, (size_t)s.n, sizeof(s.name[0]), cmp_str);
	out[0] = '\0';
	for (int i = 0; i < s.n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, s.name[i]);
		free(s.name[i]);
	}
	return out;
}

static uint64_t ino_of(const struct vfs_lookup_ctx *c, const struct vfs_path *r,
		       const char *path)
{
	struct vfs_attr a;

	ok(attr_of(c, r, path, 0, &a, NULL), path);
	return a.ino;
}

static void setup(void)
{
	struct vfs_inode *lower, *upper, *ovl;
	struct vfs_path p;
	char *big;
	int err;

	ck_assert_int_eq(memfile_create(&mf, 1ULL << 30), 0);
	creds_init_root(&root_creds);

	lower = tmpfs_create(&mf, 0755, 0, 0);
	ck_assert_ptr_nonnull(lower);
	ck_assert_int_eq(vfs_ns_init(&lns, lower->sb, lower, "lower", 0), 0);
	vfs_ns_root(&lns, &lroot);
	lctx = (struct vfs_lookup_ctx){
	    .ns = &lns, .root = lroot, .creds = &root_creds};
	ok(vfs_mkdir(&lctx, &lroot, "/etc", 0755), "etc");
	lower_file("/etc/passwd", passwd, strlen(passwd), 0644);
	lower_file("/etc/hosts", "127.0.0.1 localhost\n", 20, 0644);
	ok(vfs_mkdir(&lctx, &lroot, "/dir", 0750), "dir");
	lower_file("/dir/a", "a", 1, 0644);
	lower_file("/dir/b", "b", 1, 0600);
	ok(vfs_mkdir(&lctx, &lroot, "/dir/sub", 0755), "sub");
	lower_file("/dir/sub/c", "c", 1, 0644);
	ok(vfs_mkdir(&lctx, &lroot, "/empty", 0755), "empty");
	ok(vfs_symlink(&lctx, &lroot, "/link", "etc/passwd"), "link");
	ok(vfs_mknod(&lctx, &lroot, "/dir/fifo", ABI_S_IFIFO | 0644, 0),
	   "fifo");
	/* A file owned by someone else, with a hole in the middle. */
	big = malloc(200 * 1024);
	for (int i = 0; i < 200 * 1024; i++)
		big[i] = (char)(i % 251 + 1);
	memset(big + 64 * 1024, 0, 70 * 1024);
	lower_file("/big", big, 200 * 1024, 0640);
	free(big);
	ok(vfs_lookup(&lctx, &lroot, "/big", 0, &p), "big");
	ok(vfs_chown(p.dentry->inode, false, 1000, 100, &root_creds), "chown");
	vfs_path_put(&p);

	upper = tmpfs_create(&mf, 0755, 0, 0);
	ck_assert_ptr_nonnull(upper);
	ovl = overlay_create(upper, lower, &err);
	ck_assert_ptr_nonnull(ovl);
	vfs_inode_put(upper);
	vfs_inode_put(lower);
	ck_assert_int_eq(vfs_ns_init(&ons, ovl->sb, ovl, "overlay", 0), 0);
	vfs_inode_put(ovl);
	vfs_ns_root(&ons, &oroot);
	octx = (struct vfs_lookup_ctx){
	    .ns = &ons, .root = oroot, .creds = &root_creds};

	ok(mm_create(&mf, &fake_plat, &mm), "mm_create");
	ubuf = (uint64_t)mm_mmap(mm, 0, 4096, ABI_PROT_READ | ABI_PROT_WRITE,
				 ABI_MAP_PRIVATE | ABI_MAP_ANONYMOUS, 0);
	ck_assert(!IS_ERR_VALUE(ubuf));
	task = (struct task){.mm = mm};
}

static void teardown(void)
{
	mm_put(mm);
	vfs_path_put(&oroot);
	vfs_ns_destroy(&ons);
	vfs_path_put(&lroot);
	vfs_ns_destroy(&lns);
	memfile_destroy(&mf);
}

/* The lower layer is as set-up made it. */
static void lower_unchanged(void)
{
	char buf[256];
	struct vfs_attr a;

	ck_assert_int_eq(content(&lctx, &lroot, "/etc/passwd", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_str_eq(buf, passwd);
	ck_assert_str_eq(listing(&lctx, &lroot, "/", 0),
			 ". .. big dir empty etc link");
	ck_assert_str_eq(listing(&lctx, &lroot, "/etc", 0),
			 ". .. hosts passwd");
	ck_assert_str_eq(listing(&lctx, &lroot, "/dir", 0),
			 ". .. a b fifo sub");
	ck_assert_str_eq(listing(&lctx, &lroot, "/dir/sub", 0), ". .. c");
	ck_assert_str_eq(listing(&lctx, &lroot, "/empty", 0), ". ..");
	ok(attr_of(&lctx, &lroot, "/etc/passwd", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.mode, ABI_S_IFREG | 0644);
	ok(attr_of(&lctx, &lroot, "/big", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.mode, ABI_S_IFREG | 0640);
	ck_assert_uint_eq(a.uid, 1000);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_read_lower)
{
	char buf[256];
	struct vfs_attr a, la;
	uint64_t dev, ldev;

	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_str_eq(buf, passwd);
	ck_assert_int_eq(content(&octx, &oroot, "/link", buf, 256),
			 (ssize_t)strlen(passwd));
	ok(attr_of(&octx, &oroot, "/etc/passwd", 0, &a, &dev), "attr");
	ok(attr_of(&lctx, &lroot, "/etc/passwd", 0, &la, &ldev), "attr");
	ck_assert_uint_eq(a.ino, la.ino);
	ck_assert_uint_eq(a.mode, la.mode);
	ck_assert_uint_eq(a.size, la.size);
	ck_assert_uint_ne(dev, ldev);
	ck_assert_uint_eq(ino_of(&octx, &oroot, "/"),
			  ino_of(&lctx, &lroot, "/"));
	ck_assert_str_eq(listing(&octx, &oroot, "/", 0),
			 ". .. big dir empty etc link");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0),
			 ". .. a b fifo sub");
	lower_unchanged();
}
END_TEST

START_TEST(test_write_copies_up)
{
	char buf[256];
	uint64_t ino = ino_of(&octx, &oroot, "/etc/passwd");
	struct vfs_attr a;

	ck_assert_int_eq(owrite("/etc/passwd", ABI_O_WRONLY, "ROOT"), 4);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_str_eq(buf, "ROOT:x:0:0:root:/root:/bin/sh\n");
	ck_assert_uint_eq(ino_of(&octx, &oroot, "/etc/passwd"), ino);
	ck_assert_int_eq(
	    owrite("/etc/passwd", ABI_O_WRONLY | ABI_O_APPEND, "more\n"), 5);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd", buf, 256),
			 (ssize_t)strlen(passwd) + 5);
	ck_assert_int_eq(
	    owrite("/etc/hosts", ABI_O_RDWR | ABI_O_TRUNC, "::1 here\n"), 9);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/hosts", buf, 256), 9);
	ck_assert_str_eq(buf, "::1 here\n");
	ok(attr_of(&octx, &oroot, "/etc/hosts", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.size, 9);
	ck_assert_uint_eq(a.mode, ABI_S_IFREG | 0644);
	/* A new file, in a directory copied up for it. */
	ck_assert_int_eq(
	    owrite("/dir/sub/new", ABI_O_WRONLY | ABI_O_CREAT, "fresh"), 5);
	ck_assert_int_eq(content(&octx, &oroot, "/dir/sub/new", buf, 256), 5);
	ck_assert_str_eq(listing(&octx, &oroot, "/dir/sub", 0), ". .. c new");
	ok(attr_of(&octx, &oroot, "/dir", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.mode, ABI_S_IFDIR | 0750);
	ck_assert_uint_eq(a.ino, ino_of(&lctx, &lroot, "/dir"));
	lower_unchanged();
}
END_TEST

START_TEST(test_unlink_whiteout)
{
	char buf[256];
	struct vfs_path p;

	ok(vfs_unlink(&octx, &oroot, "/etc/hosts", false), "unlink");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/etc/hosts", 0, &p),
			 -ENOENT);
	ck_assert_int_eq(vfs_unlink(&octx, &oroot, "/etc/hosts", false),
			 -ENOENT);
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0), ". .. passwd");
	/* A copied-up file goes too, and its lower name stays hidden. */
	ck_assert_int_eq(owrite("/etc/passwd", ABI_O_WRONLY, "x"), 1);
	ok(vfs_unlink(&octx, &oroot, "/etc/passwd", false), "unlink");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/etc/passwd", 0, &p),
			 -ENOENT);
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0), ". ..");
	/* Made again over the whiteout. */
	ck_assert_int_eq(owrite("/etc/hosts",
				ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL,
				"new\n"),
			 4);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/hosts", buf, 256), 4);
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0), ". .. hosts");
	/* Special files: a whiteout, and no copy-up. */
	ok(vfs_unlink(&octx, &oroot, "/dir/fifo", false), "fifo");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". .. a b sub");
	/* A name nobody may take: it would read as a whiteout. */
	ck_assert_int_eq(vfs_mknod(&octx, &oroot, "/dev0", ABI_S_IFCHR, 0),
			 -EPERM);
	lower_unchanged();
}
END_TEST

START_TEST(test_rmdir_merged)
{
	struct vfs_path p;

	ck_assert_int_eq(vfs_unlink(&octx, &oroot, "/dir", true), -ENOTEMPTY);
	ck_assert_int_eq(vfs_unlink(&octx, &oroot, "/dir/sub", true),
			 -ENOTEMPTY);
	ok(vfs_unlink(&octx, &oroot, "/dir/a", false), "a");
	ok(vfs_unlink(&octx, &oroot, "/dir/b", false), "b");
	ok(vfs_unlink(&octx, &oroot, "/dir/fifo", false), "fifo");
	ck_assert_int_eq(vfs_unlink(&octx, &oroot, "/dir", true), -ENOTEMPTY);
	ok(vfs_unlink(&octx, &oroot, "/dir/sub/c", false), "c");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". .. sub");
	ok(vfs_unlink(&octx, &oroot, "/dir/sub", true), "rmdir sub");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". ..");
	ok(vfs_unlink(&octx, &oroot, "/dir", true), "rmdir dir");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/dir", 0, &p), -ENOENT);
	ck_assert_str_eq(listing(&octx, &oroot, "/", 0),
			 ". .. big empty etc link");
	/* A new directory there is empty: opaque over the lower one. */
	ok(vfs_mkdir(&octx, &oroot, "/dir", 0700), "mkdir");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". ..");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/dir/a", 0, &p), -ENOENT);
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/dir/sub", 0, &p), -ENOENT);
	ok(vfs_mknod(&octx, &oroot, "/dir/a", ABI_S_IFREG | 0644, 0), "a");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". .. a");
	/* An empty lower directory goes at once. */
	ok(vfs_unlink(&octx, &oroot, "/empty", true), "rmdir empty");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/empty", 0, &p), -ENOENT);
	ck_assert_str_eq(listing(&octx, &oroot, "/", 0),
			 ". .. big dir etc link");
	lower_unchanged();
}
END_TEST

START_TEST(test_readdir_merge)
{
	struct names s = {.sink.emit = names_emit, .limit = 64};
	struct file *f;
	uint64_t new_ino;

	ok(vfs_mknod(&octx, &oroot, "/dir/new", ABI_S_IFREG | 0644, 0), "new");
	ok(vfs_unlink(&octx, &oroot, "/dir/a", false), "a");
	ok(vfs_mkdir(&octx, &oroot, "/dir/d2", 0755), "d2");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0),
			 ". .. b d2 fifo new sub");
	/* One entry per call: the same, as positions are stable. */
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 1),
			 ". .. b d2 fifo new sub");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 2),
			 ". .. b d2 fifo new sub");
	/* Inode numbers as stat gives them; upper ones apart from lower. */
	new_ino = ino_of(&octx, &oroot, "/dir/new");
	ck_assert_uint_ne(new_ino, ino_of(&lctx, &lroot, "/dir/b"));
	f = vfs_open(&octx, &oroot, "/dir", ABI_O_RDONLY | ABI_O_DIRECTORY, 0,
		     0);
	ck_assert(!IS_ERR(f));
	ok(f->ops->readdir(f, &s.sink), "readdir");
	for (int i = 0; i < s.n; i++) {
		char path[64];

		if (!strcmp(s.name[i], ".."))
			ck_assert_uint_eq(s.ino[i], ino_of(&octx, &oroot, "/"));
		else {
			snprintf(path, sizeof(path), "/dir/%s", s.name[i]);
			ck_assert_uint_eq(s.ino[i],
					  ino_of(&octx, &oroot, path));
		}
		free(s.name[i]);
	}
	/* Rewinding lists afresh. */
	ok(vfs_unlink(&octx, &oroot, "/dir/b", false), "b");
	f->pos = 0;
	s.n = 0;
	ok(f->ops->readdir(f, &s.sink), "readdir");
	ck_assert_int_eq(s.n, 6);
	for (int i = 0; i < s.n; i++)
		free(s.name[i]);
	file_put(f);
	lower_unchanged();
}
END_TEST

START_TEST(test_chmod_copies_up)
{
	struct vfs_path p;
	struct vfs_attr before, after;
	char *want = malloc(200 * 1024), *got = malloc(200 * 1024 + 1);

	ok(attr_of(&octx, &oroot, "/big", 0, &before, NULL), "attr");
	ok(vfs_lookup(&octx, &oroot, "/big", 0, &p), "big");
	ok(vfs_chmod(p.dentry->inode, false, 0604, &root_creds), "chmod");
	vfs_path_put(&p);
	ok(attr_of(&octx, &oroot, "/big", 0, &after, NULL), "attr");
	ck_assert_uint_eq(after.mode, ABI_S_IFREG | 0604);
	ck_assert_uint_eq(after.ino, before.ino);
	ck_assert_uint_eq(after.uid, 1000);
	ck_assert_uint_eq(after.gid, 100);
	ck_assert_uint_eq(after.size, 200 * 1024);
	ck_assert_int_eq(after.mtime.tv_sec, before.mtime.tv_sec);
	ck_assert_int_eq(after.mtime.tv_nsec, before.mtime.tv_nsec);
	/* The data came along, hole and all. */
	ck_assert_int_eq(content(&lctx, &lroot, "/big", want, 200 * 1024),
			 200 * 1024);
	ck_assert_int_eq(content(&octx, &oroot, "/big", got, 200 * 1024 + 1),
			 200 * 1024);
	ck_assert(memcmp(want, got, 200 * 1024) == 0);
	free(want);
	free(got);
	/* chown and utimes of other lower files. */
	ok(vfs_lookup(&octx, &oroot, "/dir/sub/c", 0, &p), "c");
	ok(vfs_chown(p.dentry->inode, false, 5, 6, &root_creds), "chown");
	vfs_path_put(&p);
	ok(attr_of(&octx, &oroot, "/dir/sub/c", 0, &after, NULL), "attr");
	ck_assert_uint_eq(after.uid, 5);
	ck_assert_uint_eq(after.gid, 6);
	ck_assert_uint_eq(after.ino, ino_of(&lctx, &lroot, "/dir/sub/c"));
	ok(vfs_lookup(&octx, &oroot, "/etc/hosts", 0, &p), "hosts");
	ok(vfs_truncate(p.dentry->inode, false, 3, &root_creds, true),
	   "truncate");
	vfs_path_put(&p);
	ok(attr_of(&octx, &oroot, "/etc/hosts", 0, &after, NULL), "attr");
	ck_assert_uint_eq(after.size, 3);
	lower_unchanged();
}
END_TEST

START_TEST(test_rename_file)
{
	char buf[256];
	struct vfs_path p;
	uint64_t ino = ino_of(&octx, &oroot, "/etc/passwd");

	ok(vfs_rename(&octx, &oroot, "/etc/passwd", &oroot, "/etc/passwd-", 0),
	   "rename");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/etc/passwd", 0, &p),
			 -ENOENT);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd-", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_str_eq(buf, passwd);
	ck_assert_uint_eq(ino_of(&octx, &oroot, "/etc/passwd-"), ino);
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0),
			 ". .. hosts passwd-");
	/* Into another merged directory, over a lower file. */
	ok(vfs_rename(&octx, &oroot, "/etc/passwd-", &oroot, "/dir/a", 0),
	   "rename over");
	ck_assert_int_eq(content(&octx, &oroot, "/dir/a", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0), ". .. hosts");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0),
			 ". .. a b fifo sub");
	/* Back to where a whiteout is. */
	ok(vfs_rename(&octx, &oroot, "/dir/a", &oroot, "/etc/passwd", 0),
	   "rename back");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". .. b fifo sub");
	ck_assert_str_eq(listing(&octx, &oroot, "/etc", 0),
			 ". .. hosts passwd");
	ck_assert_uint_eq(ino_of(&octx, &oroot, "/etc/passwd"), ino);
	/* NOREPLACE and EXCHANGE. */
	ck_assert_int_eq(vfs_rename(&octx, &oroot, "/etc/passwd", &oroot,
				    "/etc/hosts", ABI_RENAME_NOREPLACE),
			 -EEXIST);
	ok(vfs_rename(&octx, &oroot, "/etc/passwd", &oroot, "/etc/hosts",
		      ABI_RENAME_EXCHANGE),
	   "exchange");
	ck_assert_int_eq(content(&octx, &oroot, "/etc/hosts", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd", buf, 256), 20);
	ck_assert_uint_eq(ino_of(&octx, &oroot, "/etc/hosts"), ino);
	/* A symlink moves with its target. */
	ok(vfs_rename(&octx, &oroot, "/link", &oroot, "/etc/link", 0), "link");
	ck_assert_int_eq(vfs_readlink(&octx, &oroot, "/etc/link", 0, buf, 256),
			 10);
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/link", 0, &p), -ENOENT);
	lower_unchanged();
}
END_TEST

START_TEST(test_rename_dir)
{
	struct vfs_path p;

	ck_assert_int_eq(vfs_rename(&octx, &oroot, "/dir", &oroot, "/dir2", 0),
			 -EXDEV);
	ck_assert_int_eq(
	    vfs_rename(&octx, &oroot, "/dir/sub", &oroot, "/sub", 0), -EXDEV);
	ck_assert_int_eq(vfs_rename(&octx, &oroot, "/etc", &oroot, "/dir",
				    ABI_RENAME_EXCHANGE),
			 -EXDEV);
	/* A directory made in the overlay moves. */
	ok(vfs_mkdir(&octx, &oroot, "/new", 0755), "mkdir");
	ok(vfs_mknod(&octx, &oroot, "/new/f", ABI_S_IFREG | 0644, 0), "f");
	ok(vfs_rename(&octx, &oroot, "/new", &oroot, "/dir/new2", 0), "mv");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir/new2", 0), ". .. f");
	ck_assert_int_eq(vfs_lookup(&octx, &oroot, "/new", 0, &p), -ENOENT);
	/* Over an empty lower directory: it does not merge with it. */
	ok(vfs_rename(&octx, &oroot, "/dir/new2", &oroot, "/empty", 0),
	   "over empty");
	ck_assert_str_eq(listing(&octx, &oroot, "/empty", 0), ". .. f");
	/* Over a merged directory that is not empty. */
	ok(vfs_mkdir(&octx, &oroot, "/new", 0755), "mkdir");
	ck_assert_int_eq(vfs_rename(&octx, &oroot, "/new", &oroot, "/dir", 0),
			 -ENOTEMPTY);
	lower_unchanged();
}
END_TEST

START_TEST(test_symlink_copy_up)
{
	char buf[256];
	struct vfs_path p;
	struct vfs_attr a;
	uint64_t ino = ino_of(&octx, &oroot, "/link");

	ok(vfs_lookup(&octx, &oroot, "/link", 0, &p), "link");
	ok(vfs_chown(p.dentry->inode, false, 7, 7, &root_creds), "chown -h");
	vfs_path_put(&p);
	ok(attr_of(&octx, &oroot, "/link", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.mode, ABI_S_IFLNK | 0777);
	ck_assert_uint_eq(a.uid, 7);
	ck_assert_uint_eq(a.ino, ino);
	ck_assert_int_eq(vfs_readlink(&octx, &oroot, "/link", 0, buf, 256), 10);
	ck_assert(memcmp(buf, "etc/passwd", 10) == 0);
	ck_assert_int_eq(content(&octx, &oroot, "/link", buf, 256),
			 (ssize_t)strlen(passwd));
	/* New symlinks and hard links. */
	ok(vfs_symlink(&octx, &oroot, "/dir/up", "../etc/hosts"), "symlink");
	ck_assert_int_eq(content(&octx, &oroot, "/dir/up", buf, 256), 20);
	ok(vfs_link(&octx, &oroot, "/etc/passwd", false, &oroot, "/etc/pw"),
	   "link");
	ok(attr_of(&octx, &oroot, "/etc/pw", 0, &a, NULL), "attr");
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_eq(a.ino, ino_of(&octx, &oroot, "/etc/passwd"));
	ck_assert_int_eq(owrite("/etc/pw", ABI_O_WRONLY, "R"), 1);
	ck_assert_int_eq(content(&octx, &oroot, "/etc/passwd", buf, 256),
			 (ssize_t)strlen(passwd));
	ck_assert_int_eq(buf[0], 'R');
	lower_unchanged();
}
END_TEST

START_TEST(test_open_file_survives)
{
	char buf[64];
	struct file *f;
	struct abi_stat st;
	uint64_t ino = ino_of(&octx, &oroot, "/etc/hosts");

	/* fstat of a file open for reading reports the overlay's inode. */
	f = vfs_open(&octx, &oroot, "/etc/hosts", ABI_O_RDONLY, 0, 0);
	ck_assert(!IS_ERR(f));
	ok(f->ops->stat(f, &st), "fstat");
	ck_assert_uint_eq(st.st_ino, ino);
	ck_assert_uint_eq(st.st_dev, oroot.dentry->inode->sb->dev);
	ok(vfs_unlink(&octx, &oroot, "/etc/hosts", false), "unlink");
	ck_assert_int_eq(f->ops->kread(f, buf, sizeof(buf), 0), 20);
	file_put(f);
	/* A file open for writing survives its unlink too. */
	f = vfs_open(&octx, &oroot, "/dir/a", ABI_O_RDWR, 0, 0);
	ck_assert(!IS_ERR(f));
	ok(vfs_unlink(&octx, &oroot, "/dir/a", false), "unlink");
	ck_assert_int_eq(f->ops->kread(f, buf, sizeof(buf), 0), 1);
	ok(f->ops->stat(f, &st), "fstat");
	ck_assert_uint_eq(st.st_nlink, 0);
	file_put(f);
	lower_unchanged();
}
END_TEST

START_TEST(test_rename_over_merged_empty)
{
	struct file *f;
	struct names s = {.sink.emit = names_emit, .limit = 64};

	ok(vfs_unlink(&octx, &oroot, "/dir/sub/c", false), "c");
	ok(vfs_mkdir(&octx, &oroot, "/new", 0755), "mkdir");
	ok(vfs_mknod(&octx, &oroot, "/new/x", ABI_S_IFREG | 0644, 0), "x");
	/* /dir/sub is empty, with a whiteout in its upper part. */
	ok(vfs_rename(&octx, &oroot, "/new", &oroot, "/dir/sub", 0), "mv");
	ck_assert_str_eq(listing(&octx, &oroot, "/dir/sub", 0), ". .. x");
	/* An open directory, removed, lists nothing. */
	ok(vfs_unlink(&octx, &oroot, "/dir/sub/x", false), "x");
	f = vfs_open(&octx, &oroot, "/dir/sub", ABI_O_RDONLY | ABI_O_DIRECTORY,
		     0, 0);
	ck_assert(!IS_ERR(f));
	ok(vfs_unlink(&octx, &oroot, "/dir/sub", true), "rmdir");
	ok(f->ops->readdir(f, &s.sink), "readdir");
	ck_assert_int_eq(s.n, 2);
	free(s.name[0]);
	free(s.name[1]);
	file_put(f);
	ck_assert_str_eq(listing(&octx, &oroot, "/dir", 0), ". .. a b fifo");
	lower_unchanged();
}
END_TEST

/* Two overlay inodes of one name, as when the dentry cache let one go. */
START_TEST(test_copy_up_twice)
{
	struct vfs_inode *dir, *a, *b;
	struct vfs_setattr sa = {.mask = VFS_SETATTR_MODE, .mode = 0600};
	struct vfs_path p;
	struct vfs_attr at;

	ok(vfs_lookup(&octx, &oroot, "/dir", 0, &p), "dir");
	dir = p.dentry->inode;
	ok(dir->ops->lookup(dir, "fifo", &a), "lookup");
	ok(dir->ops->lookup(dir, "fifo", &b), "lookup");
	ck_assert_ptr_ne(a, b);
	ok(vfs_setattr(a, &sa), "setattr a");
	sa.mode = 0640;
	ok(vfs_setattr(b, &sa), "setattr b");
	ok(vfs_inode_getattr(a, &at), "getattr");
	ck_assert_uint_eq(at.mode, ABI_S_IFIFO | 0640);
	ck_assert_uint_eq(at.ino, ino_of(&lctx, &lroot, "/dir/fifo"));
	vfs_inode_put(a);
	vfs_inode_put(b);
	vfs_path_put(&p);
	ok(attr_of(&octx, &oroot, "/dir/fifo", 0, &at, NULL), "attr");
	ck_assert_uint_eq(at.mode, ABI_S_IFIFO | 0640);
	lower_unchanged();
}
END_TEST

/* O_TMPFILE makes an upper file with no name; linkat names it there. */
START_TEST(test_tmpfile_link)
{
	char buf[256];
	struct abi_iovec iov = {.iov_base = ubuf, .iov_len = 4};
	struct abi_stat st;
	struct file *f;

	f = vfs_open(&octx, &oroot, "/dir/sub", ABI_O_TMPFILE | ABI_O_RDWR,
		     0600, 0);
	ck_assert(!IS_ERR(f));
	ok(mm_copy_out(mm, ubuf, "data", 4), "copy_out");
	ck_assert_int_eq(f->ops->write(f, &task, &iov, 1, &f->pos), 4);
	ok(f->ops->stat(f, &st), "fstat");
	ck_assert_uint_eq(st.st_nlink, 0);
	ck_assert_uint_eq(st.st_mode, ABI_S_IFREG | 0600);
	ck_assert_str_eq(listing(&octx, &oroot, "/dir/sub", 0), ". .. c");
	ok(vfs_link(&octx, &f->path, "", false, &oroot, "/dir/sub/named"),
	   "link");
	ok(f->ops->stat(f, &st), "fstat");
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert_uint_eq(st.st_ino, ino_of(&octx, &oroot, "/dir/sub/named"));
	file_put(f);
	ck_assert_str_eq(listing(&octx, &oroot, "/dir/sub", 0), ". .. c named");
	ck_assert_int_eq(content(&octx, &oroot, "/dir/sub/named", buf, 256), 4);
	ck_assert_str_eq(buf, "data");
	/* With O_EXCL it can never be named. */
	f = vfs_open(&octx, &oroot, "/empty",
		     ABI_O_TMPFILE | ABI_O_EXCL | ABI_O_WRONLY, 0600, 0);
	ck_assert(!IS_ERR(f));
	ck_assert_int_eq(
	    vfs_link(&octx, &f->path, "", false, &oroot, "/empty/x"), -ENOENT);
	file_put(f);
	ck_assert_str_eq(listing(&octx, &oroot, "/empty", 0), ". ..");
	lower_unchanged();
}
END_TEST

/* A lower FIFO opens as a pipe in the sentry, without a copy-up. */
START_TEST(test_fifo_lower)
{
	char buf[8];
	struct abi_iovec iov = {.iov_base = ubuf, .iov_len = 3};
	struct file *w, *r;

	w = vfs_open(&octx, &oroot, "/dir/fifo", ABI_O_RDWR, 0, 0);
	ck_assert(!IS_ERR(w));
	r = vfs_open(&octx, &oroot, "/dir/fifo", ABI_O_RDONLY | ABI_O_NONBLOCK,
		     0, 0);
	ck_assert(!IS_ERR(r));
	ok(mm_copy_out(mm, ubuf, "abc", 3), "copy_out");
	ck_assert_int_eq(w->ops->write(w, &task, &iov, 1, NULL), 3);
	ok(mm_copy_out(mm, ubuf, "xyz", 3), "copy_out");
	ck_assert_int_eq(r->ops->read(r, &task, &iov, 1, NULL), 3);
	ok(mm_copy_in(mm, buf, ubuf, 3), "copy_in");
	ck_assert(memcmp(buf, "abc", 3) == 0);
	ck_assert_int_eq(r->ops->read(r, &task, &iov, 1, NULL), -EAGAIN);
	file_put(r);
	file_put(w);
	lower_unchanged();
}
END_TEST

/* xattrs: the lower's show through; changing one copies the file up. */
START_TEST(test_xattrs)
{
	char buf[64];
	struct vfs_path p;
	struct vfs_inode *lo, *o;

	ok(vfs_lookup(&lctx, &lroot, "/etc/hosts", 0, &p), "lower");
	lo = vfs_inode_get(p.dentry->inode);
	vfs_path_put(&p);
	ok(vfs_setxattr(lo, false, "user.a", "1", 1, 0, &root_creds), "set");
	ok(vfs_lookup(&octx, &oroot, "/etc/hosts", 0, &p), "overlay");
	o = vfs_inode_get(p.dentry->inode);
	vfs_path_put(&p);
	ck_assert_int_eq(
	    vfs_getxattr(o, "user.a", buf, sizeof(buf), &root_creds), 1);
	ck_assert_int_eq(vfs_listxattr(o, buf, sizeof(buf), &root_creds), 7);
	ck_assert_str_eq(buf, "user.a");
	/* Removing what is not there changes nothing, even below. */
	ck_assert_int_eq(vfs_removexattr(o, false, "user.b", &root_creds),
			 -ENODATA);
	/* A change copies up, with the lower's attributes. */
	ok(vfs_setxattr(o, false, "user.b", "22", 2, 0, &root_creds), "set b");
	ck_assert_int_eq(
	    vfs_getxattr(o, "user.a", buf, sizeof(buf), &root_creds), 1);
	ck_assert_int_eq(
	    vfs_getxattr(o, "user.b", buf, sizeof(buf), &root_creds), 2);
	ok(vfs_removexattr(o, false, "user.a", &root_creds), "remove a");
	ck_assert_int_eq(
	    vfs_getxattr(o, "user.a", buf, sizeof(buf), &root_creds), -ENODATA);
	/* The lower file keeps its own, and never got the new one. */
	ck_assert_int_eq(
	    vfs_getxattr(lo, "user.a", buf, sizeof(buf), &root_creds), 1);
	ck_assert_int_eq(
	    vfs_getxattr(lo, "user.b", buf, sizeof(buf), &root_creds),
	    -ENODATA);
	ck_assert_int_eq(
	    vfs_setxattr(o, true, "user.c", "1", 1, 0, &root_creds), -EROFS);
	vfs_inode_put(o);
	vfs_inode_put(lo);
	lower_unchanged();
}
END_TEST

/* A copied-up file takes fallocate and maps shared, as its layer's. */
START_TEST(test_file_ops_forwarded)
{
	struct vfs_inode *inode;
	struct abi_stat st;
	struct file *f;

	f = vfs_open(&octx, &oroot, "/etc/hosts", ABI_O_RDWR, 0, 0);
	ck_assert(!IS_ERR(f));
	ck_assert_ptr_nonnull(f->ops->fallocate);
	ok(f->ops->fallocate(f, 0, 0, 8192), "fallocate");
	ok(f->ops->stat(f, &st), "fstat");
	ck_assert_int_eq(st.st_size, 8192);
	ck_assert_ptr_nonnull(f->ops->mmap_inode);
	inode = f->ops->mmap_inode(f);
	ck_assert_ptr_nonnull(inode->ops->map_pages);
	vfs_inode_put(inode);
	file_put(f);
	lower_unchanged();
}
END_TEST

START_TEST(test_statfs)
{
	struct abi_statfs st;
	struct vfs_super *sb = oroot.dentry->inode->sb;

	ck_assert_str_eq(sb->type, "overlay");
	ok(sb->ops->statfs(sb, &st), "statfs");
	ck_assert_uint_eq(st.f_type, 0x794c7630);
	ck_assert_uint_eq(st.f_namelen, ABI_NAME_MAX);
}
END_TEST

static Suite *overlay_suite(void)
{
	Suite *s = suite_create("overlay");
	TCase *tc = tcase_create("overlay");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_lower);
	tcase_add_test(tc, test_write_copies_up);
	tcase_add_test(tc, test_unlink_whiteout);
	tcase_add_test(tc, test_rmdir_merged);
	tcase_add_test(tc, test_readdir_merge);
	tcase_add_test(tc, test_chmod_copies_up);
	tcase_add_test(tc, test_rename_file);
	tcase_add_test(tc, test_rename_dir);
	tcase_add_test(tc, test_symlink_copy_up);
	tcase_add_test(tc, test_open_file_survives);
	tcase_add_test(tc, test_rename_over_merged_empty);
	tcase_add_test(tc, test_copy_up_twice);
	tcase_add_test(tc, test_statfs);
	tcase_add_test(tc, test_tmpfile_link);
	tcase_add_test(tc, test_fifo_lower);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_file_ops_forwarded);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(overlay_suite)
