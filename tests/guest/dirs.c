// SPDX-License-Identifier: Apache-2.0
/*
 * mkdir, mkdirat, rmdir, unlink, unlinkat, symlink, symlinkat, readlink,
 * readlinkat, link, linkat, mknod, mknodat, chdir, fchdir, getcwd, access,
 * faccessat and faccessat2 in a private scratch directory under /tmp, then
 * permission checks as uid and gid 1000, sticky directories included.
 */
#include "guest.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define BAD_PTR ((void *)1)

static long mode_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_mode;
}

static long ino_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_ino;
}

static long nlink_of(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_lstat, path, &st);

	return r ? r : (long)st.st_nlink;
}

static void check_mkdir(void)
{
	char name[300];
	long dfd, ffd;

	put_file("f", "data");
	CHECK_EQ(SYS2(SYS_mkdir, "a", 0777), 0);
	CHECK_EQ(mode_of("a"), S_IFDIR | 0755);
	CHECK_ERR(SYS2(SYS_mkdir, "a", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_mkdir, "f", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_mkdir, ".", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_mkdir, "..", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_mkdir, "/", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_mkdir, "missing/x", 0755), ENOENT);
	CHECK_ERR(SYS2(SYS_mkdir, "f/x", 0755), ENOTDIR);
	CHECK_ERR(SYS2(SYS_mkdir, "", 0755), ENOENT);
	CHECK_ERR(SYS2(SYS_mkdir, BAD_PTR, 0755), EFAULT);
	/* mkdir does not follow a dangling symlink. */
	CHECK_EQ(SYS2(SYS_symlink, "nowhere", "dangling"), 0);
	CHECK_ERR(SYS2(SYS_mkdir, "dangling", 0755), EEXIST);
	CHECK_ERR(SYS2(SYS_access, "nowhere", F_OK), ENOENT);
	/* Trailing slashes are allowed. */
	CHECK_EQ(SYS2(SYS_mkdir, "b/", 0755), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "c//", 0755), 0);
	CHECK(S_ISDIR(mode_of("b")));
	CHECK(S_ISDIR(mode_of("c")));
	/* The umask applies; sticky is kept, setuid is dropped. */
	SYS1(SYS_umask, 077);
	CHECK_EQ(SYS2(SYS_mkdir, "m700", 0777), 0);
	CHECK_EQ(mode_of("m700"), S_IFDIR | 0700);
	SYS1(SYS_umask, 0);
	CHECK_EQ(SYS2(SYS_mkdir, "sticky", 01777), 0);
	CHECK_EQ(mode_of("sticky"), S_IFDIR | 01777);
	CHECK_EQ(SYS2(SYS_mkdir, "nosuid", 04755), 0);
	CHECK_EQ(mode_of("nosuid"), S_IFDIR | 0755);
	SYS1(SYS_umask, 022);
	/* 255-byte names are fine, 256 bytes are not. */
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK_ERR(SYS2(SYS_mkdir, name, 0755), ENAMETOOLONG);
	name[255] = '\0';
	CHECK_EQ(SYS2(SYS_mkdir, name, 0755), 0);
	CHECK_EQ(SYS1(SYS_rmdir, name), 0);

	dfd = SYS3(SYS_open, "a", O_RDONLY | O_DIRECTORY, 0);
	ffd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS3(SYS_mkdirat, dfd, "inner", 0700), 0);
	CHECK_EQ(mode_of("a/inner"), S_IFDIR | 0700);
	CHECK_EQ(nlink_of("a"), 3);
	CHECK_ERR(SYS3(SYS_mkdirat, dfd, "inner", 0700), EEXIST);
	CHECK_ERR(SYS3(SYS_mkdirat, ffd, "x", 0700), ENOTDIR);
	CHECK_ERR(SYS3(SYS_mkdirat, 9999, "x", 0700), EBADF);
	CHECK_EQ(SYS3(SYS_mkdirat, AT_FDCWD, "e", 0700), 0);
	CHECK(S_ISDIR(mode_of("e")));
	SYS1(SYS_close, ffd);
	SYS1(SYS_close, dfd);
}

static void check_rmdir(void)
{
	CHECK_ERR(SYS1(SYS_rmdir, "a"), ENOTEMPTY);
	CHECK_ERR(SYS1(SYS_rmdir, "f"), ENOTDIR);
	CHECK_ERR(SYS1(SYS_rmdir, "missing"), ENOENT);
	CHECK_ERR(SYS1(SYS_rmdir, "f/"), ENOTDIR);
	CHECK_ERR(SYS1(SYS_rmdir, "."), EINVAL);
	CHECK_ERR(SYS1(SYS_rmdir, "b/."), EINVAL);
	CHECK_ERR(SYS1(SYS_rmdir, ".."), ENOTEMPTY);
	CHECK_ERR(SYS1(SYS_rmdir, "b/.."), ENOTEMPTY);
	CHECK_ERR(SYS1(SYS_rmdir, "/"), EBUSY);
	/* rmdir does not follow a symlink to a directory. */
	CHECK_EQ(SYS2(SYS_symlink, "b", "lb"), 0);
	CHECK_ERR(SYS1(SYS_rmdir, "lb"), ENOTDIR);
	CHECK_ERR(SYS1(SYS_rmdir, "lb/"), ENOTDIR);
	CHECK(S_ISDIR(mode_of("b")));
	CHECK_EQ(SYS1(SYS_unlink, "lb"), 0);
	CHECK_EQ(nlink_of("."), 9);
	CHECK_EQ(SYS1(SYS_rmdir, "b/"), 0);
	CHECK_EQ(SYS1(SYS_rmdir, "c"), 0);
	CHECK_EQ(nlink_of("."), 7);
	CHECK_ERR(SYS1(SYS_rmdir, "c"), ENOENT);
	CHECK_EQ(SYS1(SYS_rmdir, "a/inner"), 0);
	CHECK_EQ(nlink_of("a"), 2);
}

static void check_unlink(void)
{
	char buf[8];
	long fd, dfd;

	CHECK_ERR(SYS1(SYS_unlink, "a"), EISDIR);
	CHECK_ERR(SYS1(SYS_unlink, "."), EISDIR);
	CHECK_ERR(SYS1(SYS_unlink, ".."), EISDIR);
	CHECK_ERR(SYS1(SYS_unlink, "missing"), ENOENT);
	CHECK_ERR(SYS1(SYS_unlink, "f/"), ENOTDIR);
	CHECK_ERR(SYS1(SYS_unlink, ""), ENOENT);
	CHECK_ERR(SYS1(SYS_unlink, BAD_PTR), EFAULT);
	/* Unlinking a symlink removes the link, not its target. */
	CHECK_EQ(SYS2(SYS_symlink, "f", "lf"), 0);
	CHECK_EQ(SYS1(SYS_unlink, "lf"), 0);
	CHECK(S_ISREG(mode_of("f")));
	/* An open file outlives its name. */
	put_file("tmp", "kept");
	fd = SYS3(SYS_open, "tmp", O_RDONLY, 0);
	CHECK_EQ(SYS1(SYS_unlink, "tmp"), 0);
	CHECK_ERR(SYS2(SYS_access, "tmp", F_OK), ENOENT);
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "kept", 4));
	SYS1(SYS_close, fd);

	/* unlinkat with and without AT_REMOVEDIR. */
	CHECK_EQ(SYS2(SYS_mkdir, "a/sub", 0755), 0);
	put_file("a/file", "");
	dfd = SYS3(SYS_open, "a", O_RDONLY | O_DIRECTORY, 0);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, "sub", 0), EISDIR);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, "file", AT_REMOVEDIR), ENOTDIR);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, "file", 0x1), EINVAL);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, "file", AT_SYMLINK_NOFOLLOW), EINVAL);
	CHECK_ERR(SYS3(SYS_unlinkat, 9999, "file", 0), EBADF);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, ".", AT_REMOVEDIR), EINVAL);
	CHECK_EQ(SYS3(SYS_unlinkat, dfd, "sub", AT_REMOVEDIR), 0);
	CHECK_EQ(SYS3(SYS_unlinkat, dfd, "file", 0), 0);
	CHECK_ERR(SYS3(SYS_unlinkat, dfd, "file", 0), ENOENT);
	SYS1(SYS_close, dfd);
	CHECK_EQ(SYS3(SYS_unlinkat, AT_FDCWD, "e", AT_REMOVEDIR), 0);
	CHECK_ERR(SYS2(SYS_access, "e", F_OK), ENOENT);
}

static void check_symlink(void)
{
	static char target[4200];
	struct stat st;
	char buf[64];
	long dfd, fd;

	CHECK_EQ(SYS2(SYS_symlink, "target", "l"), 0);
	CHECK_EQ(mode_of("l"), S_IFLNK | 0777);
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(SYS3(SYS_readlink, "l", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "targetX", 7));
	/* Truncated to the buffer, with no NUL. */
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(SYS3(SYS_readlink, "l", buf, 3), 3);
	CHECK(!memcmp(buf, "tarX", 4));
	CHECK_ERR(SYS3(SYS_readlink, "l", buf, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_readlink, "l", buf, -1), EINVAL);
	CHECK_ERR(SYS3(SYS_readlink, "l", BAD_PTR, 8), EFAULT);
	CHECK_ERR(SYS3(SYS_readlink, "f", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(SYS3(SYS_readlink, "a", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(SYS3(SYS_readlink, "missing", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(SYS3(SYS_readlink, "", buf, sizeof(buf)), ENOENT);
	/* symlink errors: empty target, existing name, missing parent. */
	CHECK_ERR(SYS2(SYS_symlink, "", "empty"), ENOENT);
	CHECK_ERR(SYS2(SYS_symlink, "x", "l"), EEXIST);
	CHECK_ERR(SYS2(SYS_symlink, "x", "f"), EEXIST);
	CHECK_ERR(SYS2(SYS_symlink, "x", "missing/l"), ENOENT);
	CHECK_ERR(SYS2(SYS_symlink, "x", "f/l"), ENOTDIR);
	CHECK_ERR(SYS2(SYS_symlink, BAD_PTR, "bad"), EFAULT);
	/* Targets are stored as given, up to PATH_MAX - 1 bytes. */
	memset(target, 't', 1000);
	target[1000] = '\0';
	CHECK_EQ(SYS2(SYS_symlink, target, "long"), 0);
	CHECK_EQ(SYS3(SYS_readlink, "long", target + 2000, 2000), 1000);
	CHECK(!memcmp(target, target + 2000, 1000));
	memset(target, 't', 4096);
	target[4096] = '\0';
	CHECK_ERR(SYS2(SYS_symlink, target, "toolong"), ENAMETOOLONG);

	dfd = SYS3(SYS_open, "a", O_RDONLY | O_DIRECTORY, 0);
	CHECK_EQ(SYS3(SYS_symlinkat, "../f", dfd, "up"), 0);
	CHECK_EQ(SYS4(SYS_readlinkat, dfd, "up", buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "../f", 4));
	/* Relative targets resolve from the link's directory. */
	CHECK_EQ(SYS2(SYS_stat, "a/up", &st), 0);
	CHECK_EQ(st.st_ino, ino_of("f"));
	CHECK_EQ(SYS4(SYS_readlinkat, AT_FDCWD, "a/up", buf, sizeof(buf)), 4);
	CHECK_ERR(SYS3(SYS_symlinkat, "x", 9999, "l2"), EBADF);
	CHECK_ERR(SYS4(SYS_readlinkat, 9999, "up", buf, sizeof(buf)), EBADF);
	SYS1(SYS_close, dfd);
	/* readlinkat with "" reads the link an O_PATH descriptor names. */
	fd = SYS3(SYS_open, "l", O_PATH | O_NOFOLLOW, 0);
	CHECK_EQ(SYS4(SYS_readlinkat, fd, "", buf, sizeof(buf)), 6);
	CHECK(!memcmp(buf, "target", 6));
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "f", O_PATH, 0);
	CHECK_ERR(SYS4(SYS_readlinkat, fd, "", buf, sizeof(buf)), ENOENT);
	SYS1(SYS_close, fd);
}

static void check_link(void)
{
	long fd;

	CHECK_EQ(SYS2(SYS_link, "f", "hf"), 0);
	CHECK_EQ(ino_of("hf"), ino_of("f"));
	CHECK_EQ(nlink_of("f"), 2);
	CHECK_ERR(SYS2(SYS_link, "f", "hf"), EEXIST);
	CHECK_ERR(SYS2(SYS_link, "f", "a"), EEXIST);
	CHECK_ERR(SYS2(SYS_link, "a", "ha"), EPERM);
	CHECK_ERR(SYS2(SYS_link, "missing", "hm"), ENOENT);
	CHECK_ERR(SYS2(SYS_link, "f", "missing/h"), ENOENT);
	CHECK_ERR(SYS2(SYS_link, "f/", "h2"), ENOTDIR);
	/* A new name with a trailing slash cannot be a non-directory. */
	CHECK_ERR(SYS2(SYS_link, "f", "h3/"), ENOENT);
	CHECK_ERR(SYS2(SYS_symlink, "f", "l3/"), ENOENT);
	CHECK_ERR(SYS2(SYS_access, "h3", F_OK), ENOENT);

	/* linkat links the symlink itself unless AT_SYMLINK_FOLLOW. */
	CHECK_EQ(SYS2(SYS_symlink, "f", "lf"), 0);
	CHECK_EQ(SYS5(SYS_linkat, AT_FDCWD, "lf", AT_FDCWD, "hl", 0), 0);
	CHECK(S_ISLNK(mode_of("hl")));
	CHECK_EQ(ino_of("hl"), ino_of("lf"));
	CHECK_EQ(SYS5(SYS_linkat, AT_FDCWD, "lf", AT_FDCWD, "hlf",
		      AT_SYMLINK_FOLLOW),
		 0);
	CHECK(S_ISREG(mode_of("hlf")));
	CHECK_EQ(ino_of("hlf"), ino_of("f"));
	CHECK_EQ(nlink_of("f"), 3);
	CHECK_ERR(SYS5(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "hx", 0x1), EINVAL);
	CHECK_ERR(SYS5(SYS_linkat, 9999, "f", AT_FDCWD, "hx", 0), EBADF);
	CHECK_ERR(SYS5(SYS_linkat, AT_FDCWD, "f", 9999, "hx", 0), EBADF);
	/* AT_EMPTY_PATH links the file a descriptor refers to (root only). */
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS5(SYS_linkat, fd, "", AT_FDCWD, "a/he", AT_EMPTY_PATH), 0);
	CHECK_EQ(ino_of("a/he"), ino_of("f"));
	CHECK_ERR(SYS5(SYS_linkat, fd, "", AT_FDCWD, "he2", 0), ENOENT);
	SYS1(SYS_close, fd);
	CHECK_EQ(nlink_of("f"), 4);
	CHECK_EQ(SYS1(SYS_unlink, "a/he"), 0);
	CHECK_EQ(SYS1(SYS_unlink, "hlf"), 0);
	CHECK_EQ(SYS1(SYS_unlink, "hf"), 0);
	CHECK_EQ(nlink_of("f"), 1);
}

static void check_mknod(void)
{
	long dfd;

	CHECK_EQ(SYS3(SYS_mknod, "fifo", S_IFIFO | 0666, 0), 0);
	CHECK(S_ISFIFO(mode_of("fifo")));
	CHECK_EQ(mode_of("fifo"), S_IFIFO | 0644);
	CHECK_EQ(SYS3(SYS_mknod, "reg", S_IFREG | 0600, 0), 0);
	CHECK_EQ(mode_of("reg"), S_IFREG | 0600);
	/* A zero file type means a regular file. */
	CHECK_EQ(SYS3(SYS_mknod, "zero", 0644, 0), 0);
	CHECK_EQ(mode_of("zero"), S_IFREG | 0644);
	CHECK_ERR(SYS3(SYS_mknod, "fifo", S_IFIFO | 0600, 0), EEXIST);
	CHECK_ERR(SYS3(SYS_mknod, "dir", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERR(SYS3(SYS_mknod, "bad", S_IFMT | 0644, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_mknod, "missing/x", S_IFIFO | 0600, 0), ENOENT);
	dfd = SYS3(SYS_open, "a", O_RDONLY | O_DIRECTORY, 0);
	CHECK_EQ(SYS4(SYS_mknodat, dfd, "fifo2", S_IFIFO | 0600, 0), 0);
	CHECK_EQ(mode_of("a/fifo2"), S_IFIFO | 0600);
	CHECK_ERR(SYS4(SYS_mknodat, 9999, "fifo3", S_IFIFO | 0600, 0), EBADF);
	SYS1(SYS_close, dfd);
	/* A FIFO is removed with unlink. */
	CHECK_EQ(SYS1(SYS_unlink, "a/fifo2"), 0);
}

static void check_cwd(void)
{
	char buf[256], want[256];
	size_t len = strlen(scratch);
	long dfd, ffd;

	CHECK_EQ(SYS2(SYS_getcwd, buf, sizeof(buf)), len + 1);
	CHECK(!strcmp(buf, scratch));
	CHECK_EQ(SYS2(SYS_getcwd, buf, len + 1), len + 1);
	CHECK_ERR(SYS2(SYS_getcwd, buf, len), ERANGE);
	CHECK_ERR(SYS2(SYS_getcwd, buf, 1), ERANGE);
	CHECK_ERR(SYS2(SYS_getcwd, buf, 0), ERANGE);
	CHECK_ERR(SYS2(SYS_getcwd, BAD_PTR, sizeof(buf)), EFAULT);

	snprintf(want, sizeof(want), "%s/a", scratch);
	CHECK_EQ(SYS1(SYS_chdir, "a"), 0);
	CHECK_EQ(SYS2(SYS_getcwd, buf, sizeof(buf)), len + 3);
	CHECK(!strcmp(buf, want));
	CHECK(S_ISREG(mode_of("../f")));
	CHECK_EQ(SYS1(SYS_chdir, ".."), 0);
	CHECK_EQ(SYS2(SYS_getcwd, buf, sizeof(buf)), len + 1);
	/* chdir through a symlink lands in the physical directory. */
	CHECK_EQ(SYS2(SYS_symlink, "a", "la"), 0);
	CHECK_EQ(SYS1(SYS_chdir, "la"), 0);
	SYS2(SYS_getcwd, buf, sizeof(buf));
	CHECK(!strcmp(buf, want));
	CHECK_EQ(SYS1(SYS_chdir, scratch), 0);
	CHECK_ERR(SYS1(SYS_chdir, "f"), ENOTDIR);
	CHECK_ERR(SYS1(SYS_chdir, "missing"), ENOENT);
	CHECK_ERR(SYS1(SYS_chdir, ""), ENOENT);
	CHECK_ERR(SYS1(SYS_chdir, BAD_PTR), EFAULT);

	dfd = SYS3(SYS_open, "a", O_RDONLY | O_DIRECTORY, 0);
	ffd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS1(SYS_fchdir, dfd), 0);
	SYS2(SYS_getcwd, buf, sizeof(buf));
	CHECK(!strcmp(buf, want));
	CHECK_ERR(SYS1(SYS_fchdir, ffd), ENOTDIR);
	CHECK_ERR(SYS1(SYS_fchdir, 9999), EBADF);
	SYS1(SYS_close, dfd);
	SYS1(SYS_close, ffd);
	dfd = SYS3(SYS_open, scratch, O_PATH | O_DIRECTORY, 0);
	CHECK_EQ(SYS1(SYS_fchdir, dfd), 0);
	SYS1(SYS_close, dfd);
	SYS2(SYS_getcwd, buf, sizeof(buf));
	CHECK(!strcmp(buf, scratch));

	/* A removed working directory: getcwd fails, creation fails. */
	CHECK_EQ(SYS2(SYS_mkdir, "gone", 0755), 0);
	CHECK_EQ(SYS1(SYS_chdir, "gone"), 0);
	snprintf(want, sizeof(want), "%s/gone", scratch);
	CHECK_EQ(SYS1(SYS_rmdir, want), 0);
	CHECK_ERR(SYS2(SYS_getcwd, buf, sizeof(buf)), ENOENT);
	CHECK_ERR(SYS2(SYS_creat, "x", 0644), ENOENT);
	CHECK_ERR(SYS2(SYS_mkdir, "x", 0755), ENOENT);
	CHECK_EQ(SYS1(SYS_chdir, scratch), 0);
}

static void check_access(void)
{
	CHECK_ERR(SYS2(SYS_access, "missing", F_OK), ENOENT);
	CHECK_ERR(SYS2(SYS_access, "missing", R_OK), ENOENT);
	CHECK_ERR(SYS2(SYS_access, "f/", F_OK), ENOTDIR);
	CHECK_EQ(SYS2(SYS_access, "f", F_OK), 0);
	/* Root may read and write anything, execute only if some x bit. */
	CHECK_EQ(SYS2(SYS_chmod, "f", 0), 0);
	CHECK_EQ(SYS2(SYS_access, "f", R_OK), 0);
	CHECK_EQ(SYS2(SYS_access, "f", W_OK), 0);
	CHECK_EQ(SYS2(SYS_access, "f", R_OK | W_OK), 0);
	CHECK_ERR(SYS2(SYS_access, "f", X_OK), EACCES);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0644), 0);
	CHECK_ERR(SYS2(SYS_access, "f", X_OK), EACCES);
	CHECK_ERR(SYS2(SYS_access, "f", R_OK | X_OK), EACCES);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0001), 0);
	CHECK_EQ(SYS2(SYS_access, "f", X_OK), 0);
	CHECK_EQ(SYS2(SYS_chmod, "f", 0644), 0);
	CHECK_EQ(SYS2(SYS_chmod, "a", 0), 0);
	CHECK_EQ(SYS2(SYS_access, "a", R_OK | W_OK | X_OK), 0);
	CHECK_EQ(SYS2(SYS_chmod, "a", 0755), 0);
	CHECK_ERR(SYS2(SYS_access, "f", 8), EINVAL);
	CHECK_ERR(SYS2(SYS_access, "f", -1), EINVAL);
	CHECK_ERR(SYS2(SYS_access, BAD_PTR, F_OK), EFAULT);
	/* access follows symlinks. */
	CHECK_ERR(SYS2(SYS_access, "dangling", F_OK), ENOENT);
	CHECK_EQ(SYS3(SYS_faccessat, AT_FDCWD, "f", R_OK), 0);
	CHECK_ERR(SYS3(SYS_faccessat, 9999, "f", R_OK), EBADF);
	CHECK_ERR(SYS3(SYS_faccessat, AT_FDCWD, "f", 8), EINVAL);
	/* faccessat2 takes flags. */
	CHECK_EQ(SYS4(SYS_faccessat2, AT_FDCWD, "dangling", F_OK,
		      AT_SYMLINK_NOFOLLOW),
		 0);
	CHECK_ERR(SYS4(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, 0), ENOENT);
	CHECK_EQ(SYS4(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS), 0);
	CHECK_ERR(SYS4(SYS_faccessat2, AT_FDCWD, "f", R_OK, 0x1), EINVAL);
	CHECK_ERR(SYS4(SYS_faccessat2, AT_FDCWD, "f", 8, 0), EINVAL);
}

/* Runs the rest as uid and gid 1000, keeping 0 saved to come back. */
static bool drop_privileges(void)
{
	SYS2(SYS_setgroups, 0, NULL);
	CHECK_EQ(SYS3(SYS_setresgid, 1000, 1000, 0), 0);
	CHECK_EQ(SYS3(SYS_setresuid, 1000, 1000, 0), 0);
	CHECK_EQ(SYS0(SYS_geteuid), 1000);
	return SYS0(SYS_geteuid) == 1000 && SYS0(SYS_getegid) == 1000;
}

static void regain_privileges(void)
{
	CHECK_EQ(SYS3(SYS_setresuid, 0, 0, 0), 0);
	CHECK_EQ(SYS3(SYS_setresgid, 0, 0, 0), 0);
	CHECK_EQ(SYS0(SYS_geteuid), 0);
}

static void check_unprivileged(void)
{
	struct timespec times[2] = {{1, 0}, {1, 0}};
	struct stat st;
	long fd;

	/* As root: files and directories for uid 1000 to fail on. */
	put_file("rootfile", "root");
	put_file("secret", "s");
	CHECK_EQ(SYS2(SYS_chmod, "secret", 0600), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "rootdir", 0755), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "private", 0700), 0);
	put_file("private/x", "");
	CHECK_EQ(SYS2(SYS_chmod, "sticky", 01777), 0);
	put_file("sticky/rootfile", "");
	CHECK_EQ(SYS2(SYS_chmod, "sticky/rootfile", 0666), 0);
	if (!drop_privileges()) {
		regain_privileges();
		return;
	}

	fd = SYS3(SYS_open, "rootfile", O_RDONLY, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS3(SYS_open, "rootfile", O_WRONLY, 0), EACCES);
	CHECK_ERR(SYS3(SYS_open, "rootfile", O_RDWR, 0), EACCES);
	CHECK_ERR(SYS3(SYS_open, "secret", O_RDONLY, 0), EACCES);
	CHECK_EQ(SYS2(SYS_access, "rootfile", R_OK), 0);
	CHECK_ERR(SYS2(SYS_access, "rootfile", W_OK), EACCES);
	CHECK_ERR(SYS2(SYS_access, "secret", R_OK), EACCES);
	CHECK_ERR(SYS2(SYS_truncate, "rootfile", 0), EACCES);
	/* Creating and removing need write permission on the directory. */
	CHECK_ERR(SYS2(SYS_creat, "rootdir/x", 0644), EACCES);
	CHECK_ERR(SYS2(SYS_mkdir, "rootdir/y", 0755), EACCES);
	CHECK_ERR(SYS2(SYS_symlink, "f", "rootdir/l"), EACCES);
	CHECK_ERR(SYS1(SYS_unlink, "rootfile"), EACCES);
	CHECK_ERR(SYS1(SYS_rmdir, "rootdir"), EACCES);
	/* Searching needs execute permission. */
	CHECK_ERR(SYS2(SYS_stat, "private/x", &st), EACCES);
	CHECK_ERR(SYS3(SYS_open, "private", O_RDONLY, 0), EACCES);
	CHECK_ERR(SYS1(SYS_chdir, "private"), EACCES);
	CHECK_EQ(SYS2(SYS_stat, "private", &st), 0);
	/* Only the owner may change modes, owners and explicit times. */
	CHECK_ERR(SYS2(SYS_chmod, "rootfile", 0666), EPERM);
	CHECK_ERR(SYS3(SYS_chown, "rootfile", 1000, 1000), EPERM);
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "rootfile", times, 0), EPERM);
	CHECK_ERR(SYS4(SYS_utimensat, AT_FDCWD, "rootfile", NULL, 0), EACCES);

	/* Sticky directory: others' files stay, one's own may go. */
	fd = SYS2(SYS_creat, "sticky/mine", 0644);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(SYS2(SYS_stat, "sticky/mine", &st), 0);
	CHECK_EQ(st.st_uid, 1000);
	CHECK_EQ(st.st_gid, 1000);
	CHECK_ERR(SYS1(SYS_unlink, "sticky/rootfile"), EPERM);
	CHECK_ERR(SYS2(SYS_rename, "sticky/rootfile", "sticky/moved"), EPERM);
	fd = SYS3(SYS_open, "sticky/rootfile", O_WRONLY, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(SYS1(SYS_unlink, "sticky/mine"), 0);
	CHECK_EQ(SYS2(SYS_mkdir, "sticky/mydir", 0755), 0);
	CHECK_EQ(SYS1(SYS_rmdir, "sticky/mydir"), 0);

	regain_privileges();
	CHECK_EQ(SYS1(SYS_unlink, "sticky/rootfile"), 0);
}

int main(void)
{
	SYS1(SYS_umask, 022);
	scratch_enter("dirs");
	check_mkdir();
	check_rmdir();
	check_unlink();
	check_symlink();
	check_link();
	check_mknod();
	check_cwd();
	check_access();
	check_unprivileged();
	scratch_leave();
	return guest_done();
}
