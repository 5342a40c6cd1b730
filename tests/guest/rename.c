// SPDX-License-Identifier: Apache-2.0
/*
 * rename, renameat and renameat2 on files, directories and symlinks in a
 * private scratch directory under /tmp: replacing, moving between
 * directories, RENAME_NOREPLACE and RENAME_EXCHANGE, and the errors for
 * type mismatches, non-empty targets, loops, dots and bad flags.
 */
#include "guest.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#define BAD_PTR ((void *)1)

/* The first bytes of a file as a string, or "" if unreadable. */
static const char *contents(const char *path)
{
	static char buf[32];
	long fd = SYS3(SYS_open, path, O_RDONLY, 0);
	long n = fd < 0 ? 0 : SYS3(SYS_read, fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		SYS1(SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static long ino_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_ino;
}

static long mode_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_mode;
}

static long nlink_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_nlink;
}

static long rename2(const char *from, const char *to, unsigned int flags)
{
	return SYS5(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static void check_files(void)
{
	struct stat st;
	char buf[8];
	long ino, fd;

	put_file("a", "A");
	put_file("b", "B");
	ino = ino_of("a");
	/* Replacing a file. */
	CHECK_EQ(SYS2(SYS_rename, "a", "b"), 0);
	CHECK_ERR(SYS2(SYS_access, "a", F_OK), ENOENT);
	CHECK(!strcmp(contents("b"), "A"));
	CHECK_EQ(ino_of("b"), ino);
	/* Renaming to a new name, and to itself. */
	CHECK_EQ(SYS2(SYS_rename, "b", "c"), 0);
	CHECK_EQ(ino_of("c"), ino);
	CHECK_EQ(SYS2(SYS_rename, "c", "c"), 0);
	CHECK_EQ(ino_of("c"), ino);
	/* Onto a hard link of itself: nothing happens, both names stay. */
	CHECK_EQ(SYS2(SYS_link, "c", "h"), 0);
	CHECK_EQ(SYS2(SYS_rename, "c", "h"), 0);
	CHECK_EQ(ino_of("c"), ino);
	CHECK_EQ(ino_of("h"), ino);
	CHECK_EQ(nlink_of("c"), 2);
	CHECK_EQ(SYS1(SYS_unlink, "h"), 0);

	/* An open descriptor follows the file to its new name. */
	fd = SYS3(SYS_open, "c", O_RDWR, 0);
	CHECK_EQ(SYS2(SYS_rename, "c", "moved"), 0);
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "M", 1, 0), 1);
	CHECK(!strcmp(contents("moved"), "M"));
	SYS1(SYS_close, fd);
	/* A replaced file lives on in its open descriptor. */
	put_file("victim", "V");
	fd = SYS3(SYS_open, "victim", O_RDONLY, 0);
	CHECK_EQ(SYS2(SYS_rename, "moved", "victim"), 0);
	CHECK(!strcmp(contents("victim"), "M"));
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], 'V');
	SYS1(SYS_close, fd);

	/* A symlink is renamed itself; its target is untouched. */
	CHECK_EQ(SYS2(SYS_symlink, "victim", "l"), 0);
	CHECK_EQ(SYS2(SYS_rename, "l", "l2"), 0);
	CHECK(S_ISLNK(mode_of("l2")));
	CHECK(S_ISREG(mode_of("victim")));
	CHECK(!strcmp(contents("l2"), "M"));
	/* Replacing its own target makes the link point at itself. */
	CHECK_EQ(SYS2(SYS_rename, "l2", "victim"), 0);
	CHECK(S_ISLNK(mode_of("victim")));
	CHECK_ERR(SYS2(SYS_stat, "victim", &st), ELOOP);
	CHECK_EQ(SYS1(SYS_unlink, "victim"), 0);

	/* Missing sources and parents. */
	put_file("f", "F");
	CHECK_ERR(SYS2(SYS_rename, "missing", "x"), ENOENT);
	CHECK_ERR(SYS2(SYS_rename, "f", "missing/x"), ENOENT);
	CHECK_ERR(SYS2(SYS_rename, "f", "f/x"), ENOTDIR);
	CHECK_ERR(SYS2(SYS_rename, "f/", "x"), ENOTDIR);
	CHECK_ERR(SYS2(SYS_rename, "f", "x/"), ENOTDIR);
	CHECK_ERR(SYS2(SYS_rename, "", "x"), ENOENT);
	CHECK_ERR(SYS2(SYS_rename, "f", ""), ENOENT);
	CHECK_ERR(SYS2(SYS_rename, BAD_PTR, "x"), EFAULT);
	CHECK(S_ISREG(mode_of("f")));
}

static void check_dirs(void)
{
	long ino;

	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "d/sub", 0755), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "full", 0755), 0);
	put_file("full/x", "");
	CHECK_EQ(SYS2(SYS_mkdir, "empty", 0755), 0);

	CHECK_ERR(SYS2(SYS_rename, "f", "d"), EISDIR);
	CHECK_ERR(SYS2(SYS_rename, "d", "f"), ENOTDIR);
	CHECK_ERR(SYS2(SYS_rename, "d", "full"), ENOTEMPTY);
	CHECK_ERR(SYS2(SYS_rename, "d", "d/sub/x"), EINVAL);
	CHECK_ERR(SYS2(SYS_rename, "d", "d/x"), EINVAL);
	CHECK_ERR(SYS2(SYS_rename, "d", "d/sub"), EINVAL);
	/* Onto its own ancestor: that directory is not empty. */
	CHECK_ERR(SYS2(SYS_rename, "d/sub", "d"), ENOTEMPTY);
	/* Dots cannot be renamed or replaced. */
	CHECK_ERR(SYS2(SYS_rename, ".", "x"), EBUSY);
	CHECK_ERR(SYS2(SYS_rename, "..", "x"), EBUSY);
	CHECK_ERR(SYS2(SYS_rename, "d/.", "x"), EBUSY);
	CHECK_ERR(SYS2(SYS_rename, "f", "."), EBUSY);
	CHECK_ERR(SYS2(SYS_rename, "empty", "d/.."), EBUSY);
	CHECK_ERR(rename2("f", ".", RENAME_NOREPLACE), EEXIST);
	CHECK(S_ISDIR(mode_of("d")));

	/* A directory replaces an empty one; trailing slashes are fine. */
	ino = ino_of("d");
	CHECK_EQ(nlink_of("."), 5);
	CHECK_EQ(SYS2(SYS_rename, "d/", "empty/"), 0);
	CHECK_EQ(ino_of("empty"), ino);
	CHECK_ERR(SYS2(SYS_access, "d", F_OK), ENOENT);
	CHECK_EQ(nlink_of("."), 4);
	CHECK_EQ(SYS2(SYS_rename, "empty", "d"), 0);
	CHECK_EQ(ino_of("d"), ino);

	/* Moving a directory moves its "..", and the parents' links. */
	CHECK_EQ(nlink_of("d"), 3);
	CHECK_EQ(nlink_of("full"), 2);
	CHECK_EQ(SYS2(SYS_rename, "d/sub", "full/sub"), 0);
	CHECK_EQ(nlink_of("d"), 2);
	CHECK_EQ(nlink_of("full"), 3);
	CHECK_EQ(ino_of("full/sub/.."), ino_of("full"));
	/* Moving a directory up out of its parent is allowed. */
	CHECK_EQ(SYS2(SYS_rename, "full/sub", "sub"), 0);
	CHECK_EQ(ino_of("sub/.."), ino_of("."));
	CHECK_EQ(SYS1(SYS_rmdir, "sub"), 0);
}

static void check_renameat(void)
{
	char from[128], to[128];
	long d1, d2, ffd;

	CHECK_EQ(SYS2(SYS_mkdir, "d2", 0755), 0);
	put_file("d/src", "S");
	d1 = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	d2 = SYS3(SYS_open, "d2", O_RDONLY | O_DIRECTORY, 0);
	ffd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS4(SYS_renameat, d1, "src", d2, "dst"), 0);
	CHECK(!strcmp(contents("d2/dst"), "S"));
	CHECK_EQ(SYS4(SYS_renameat, d2, "dst", AT_FDCWD, "top"), 0);
	CHECK(!strcmp(contents("top"), "S"));
	CHECK_ERR(SYS4(SYS_renameat, 9999, "top", d1, "x"), EBADF);
	CHECK_ERR(SYS4(SYS_renameat, AT_FDCWD, "top", 9999, "x"), EBADF);
	CHECK_ERR(SYS4(SYS_renameat, ffd, "top", d1, "x"), ENOTDIR);
	/* Absolute paths ignore the dirfds. */
	snprintf(from, sizeof(from), "%s/top", scratch);
	snprintf(to, sizeof(to), "%s/../%s/x", scratch, scratch + 5);
	CHECK_EQ(SYS4(SYS_renameat, 9999, from, 9999, to), 0);
	CHECK_EQ(SYS4(SYS_renameat, d1, to, d2, "back"), 0);
	CHECK(!strcmp(contents("d2/back"), "S"));
	SYS1(SYS_close, ffd);
	SYS1(SYS_close, d2);
	SYS1(SYS_close, d1);
}

static void check_renameat2(void)
{
	long fino, dino;

	/* RENAME_NOREPLACE. */
	put_file("n1", "1");
	put_file("n2", "2");
	CHECK_ERR(rename2("n1", "n2", RENAME_NOREPLACE), EEXIST);
	CHECK_ERR(rename2("n1", "d", RENAME_NOREPLACE), EEXIST);
	CHECK(!strcmp(contents("n2"), "2"));
	CHECK_EQ(rename2("n1", "n3", RENAME_NOREPLACE), 0);
	CHECK(!strcmp(contents("n3"), "1"));
	CHECK_ERR(SYS2(SYS_access, "n1", F_OK), ENOENT);
	CHECK_EQ(rename2("n3", "n1", 0), 0);

	/* RENAME_EXCHANGE swaps a file and a directory. */
	fino = ino_of("n1");
	dino = ino_of("d2");
	CHECK_EQ(rename2("n1", "d2", RENAME_EXCHANGE), 0);
	CHECK(S_ISDIR(mode_of("n1")));
	CHECK(S_ISREG(mode_of("d2")));
	CHECK_EQ(ino_of("n1"), dino);
	CHECK_EQ(ino_of("d2"), fino);
	CHECK(!strcmp(contents("d2"), "1"));
	CHECK(!strcmp(contents("n1/back"), "S"));
	/* Two files swap contents by name. */
	CHECK_EQ(rename2("d2", "n2", RENAME_EXCHANGE), 0);
	CHECK(!strcmp(contents("d2"), "2"));
	CHECK(!strcmp(contents("n2"), "1"));
	/* Both names must exist. */
	CHECK_ERR(rename2("n2", "missing", RENAME_EXCHANGE), ENOENT);
	CHECK_ERR(rename2("missing", "n2", RENAME_EXCHANGE), ENOENT);
	CHECK(!strcmp(contents("n2"), "1"));
	/* Not a directory with its own descendant. */
	CHECK_EQ(SYS2(SYS_mkdir, "n1/deep", 0755), 0);
	CHECK_ERR(rename2("n1", "n1/deep", RENAME_EXCHANGE), EINVAL);
	CHECK_ERR(rename2("n1/deep", "n1", RENAME_EXCHANGE), EINVAL);
	CHECK_ERR(rename2("n1/deep", "n1", 0), ENOTEMPTY);
	/* Flags that cannot go together, and unknown flags. */
	CHECK_ERR(rename2("n2", "d2", RENAME_NOREPLACE | RENAME_EXCHANGE),
		  EINVAL);
	CHECK_ERR(rename2("n2", "new", 1U << 5), EINVAL);
	CHECK_ERR(rename2("n2", "new", ~0U), EINVAL);
	CHECK_ERR(SYS2(SYS_access, "new", F_OK), ENOENT);
	CHECK_EQ(rename2("n2", "new", 0), 0);
	CHECK(!strcmp(contents("new"), "1"));
}

int main(void)
{
	SYS1(SYS_umask, 022);
	scratch_enter("rename");
	check_files();
	check_dirs();
	check_renameat();
	check_renameat2();
	scratch_leave();
	return guest_done();
}
