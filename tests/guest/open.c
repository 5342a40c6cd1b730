// SPDX-License-Identifier: Apache-2.0
/*
 * open, openat, creat, openat2, read, write, pread64, pwrite64, lseek,
 * ftruncate and close on regular files and directories in a private scratch
 * directory under /tmp: creation flags, the umask, path resolution errors,
 * dirfds, openat2's resolve flags, offsets, holes and end of file.
 */
#include "guest.h"
#include "scratch.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>

#define BAD_PTR ((void *)1)

static long file_size(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_stat, path, &st);

	return r ? r : st.st_size;
}

static long file_mode(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_stat, path, &st);

	return r ? r : (long)st.st_mode;
}

static long file_ino(const char *path)
{
	struct stat st;
	long r = SYS2(SYS_stat, path, &st);

	return r ? r : (long)st.st_ino;
}

static long fd_ino(long fd)
{
	struct stat st;
	long r = SYS2(SYS_fstat, fd, &st);

	return r ? r : (long)st.st_ino;
}

/* Reads up to len bytes of a file from offset 0 into buf (NUL-terminated). */
static long get_file(const char *path, char *buf, size_t len)
{
	long fd = SYS3(SYS_open, path, O_RDONLY, 0);
	long n;

	if (fd < 0)
		return fd;
	n = SYS4(SYS_pread64, fd, buf, len - 1, 0);
	SYS1(SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static long try_openat2(long dfd, const char *path, uint64_t flags,
			uint64_t mode, uint64_t resolve)
{
	struct open_how how = {
	    .flags = flags, .mode = mode, .resolve = resolve};

	return SYS4(SYS_openat2, dfd, path, &how, sizeof(how));
}

static void check_create(void)
{
	char buf[64];
	long fd;

	CHECK_OK(SYS1(SYS_umask, 022));
	fd = SYS3(SYS_open, "f", O_CREAT | O_EXCL | O_RDWR, 0666);
	CHECK_OK(fd);
	CHECK_EQ(file_mode("f"), S_IFREG | 0644);
	CHECK_EQ(file_size("f"), 0);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	/* O_EXCL refuses an existing name; without it the file opens. */
	CHECK_ERR(SYS3(SYS_open, "f", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
	fd = SYS3(SYS_open, "f", O_CREAT | O_RDWR, 0600);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("f"), S_IFREG | 0644);

	/* The umask clears bits of the requested mode, but not setuid. */
	CHECK_EQ(SYS1(SYS_umask, 077), 022);
	fd = SYS3(SYS_open, "g", O_CREAT | O_WRONLY, 0666);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("g"), S_IFREG | 0600);
	CHECK_EQ(SYS1(SYS_umask, 0), 077);
	fd = SYS3(SYS_open, "h", O_CREAT | O_WRONLY, 0777);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("h"), S_IFREG | 0777);
	CHECK_EQ(SYS1(SYS_umask, 027), 0);
	fd = SYS3(SYS_open, "s", O_CREAT | O_WRONLY, 04777);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("s"), S_IFREG | 04750);
	CHECK_EQ(SYS1(SYS_umask, 022), 027);

	/* creat is O_CREAT|O_WRONLY|O_TRUNC. */
	put_file("c", "some text");
	CHECK_EQ(file_size("c"), 9);
	fd = SYS2(SYS_creat, "c", 0600);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_ERR(SYS3(SYS_read, fd, buf, sizeof(buf)), EBADF);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_size("c"), 0);
	CHECK_EQ(file_mode("c"), S_IFREG | 0644);

	/* O_EXCL does not follow a symlink, even a dangling one. */
	CHECK_EQ(SYS2(SYS_symlink, "made-by-link", "dangling"), 0);
	CHECK_ERR(SYS3(SYS_open, "dangling", O_CREAT | O_EXCL | O_WRONLY, 0644),
		  EEXIST);
	CHECK_ERR(SYS2(SYS_access, "made-by-link", F_OK), ENOENT);
	/* Without O_EXCL, O_CREAT follows it and creates its target. */
	fd = SYS3(SYS_open, "dangling", O_CREAT | O_WRONLY, 0644);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("made-by-link"), S_IFREG | 0644);
}

static void check_long_names(void)
{
	static char path[4200];
	char name[300];
	long fd;
	int i;

	memset(name, 'n', 255);
	name[255] = '\0';
	fd = SYS3(SYS_open, name, O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(SYS1(SYS_unlink, name), 0);
	/* One byte longer is ENAMETOOLONG, whether or not it would create. */
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK_ERR(SYS3(SYS_open, name, O_RDONLY, 0), ENAMETOOLONG);
	CHECK_ERR(SYS3(SYS_open, name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);

	/* A 4095-byte path resolves; a 4096-byte one is too long. */
	for (i = 0; i < 2047; i++)
		memcpy(path + 2 * i, "./", 2);
	strcpy(path + 2 * i, "f");
	CHECK_EQ(strlen(path), 4095);
	fd = SYS3(SYS_open, path, O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("f"));
	SYS1(SYS_close, fd);
	/* The same path with one more slash: ".//./.../f". */
	memmove(path + 2, path + 1, 4095);
	path[1] = '/';
	CHECK_EQ(strlen(path), 4096);
	CHECK_ERR(SYS3(SYS_open, path, O_RDONLY, 0), ENAMETOOLONG);
	memset(path, 'p', 4096);
	CHECK_ERR(SYS3(SYS_open, path, O_RDONLY, 0), ENAMETOOLONG);
}

static void check_missing(void)
{
	CHECK_ERR(SYS3(SYS_open, "missing", O_RDONLY, 0), ENOENT);
	CHECK_ERR(SYS3(SYS_open, "missing/x", O_CREAT | O_WRONLY, 0644),
		  ENOENT);
	CHECK_ERR(SYS3(SYS_open, "", O_RDONLY, 0), ENOENT);
	CHECK_ERR(SYS3(SYS_open, "", O_CREAT | O_WRONLY, 0644), ENOENT);
	/* A regular file used as a directory. */
	CHECK_ERR(SYS3(SYS_open, "f/x", O_RDONLY, 0), ENOTDIR);
	CHECK_ERR(SYS3(SYS_open, "f/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
	CHECK_ERR(SYS3(SYS_open, "f/", O_RDONLY, 0), ENOTDIR);
	/* Bad path pointers. */
	CHECK_ERR(SYS3(SYS_open, BAD_PTR, O_RDONLY, 0), EFAULT);
	CHECK_ERR(SYS3(SYS_open, NULL, O_RDONLY, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_openat, AT_FDCWD, BAD_PTR, O_RDONLY, 0), EFAULT);
	CHECK_ERR(SYS2(SYS_creat, BAD_PTR, 0644), EFAULT);
}

static void check_directories(void)
{
	long fd;

	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	fd = SYS3(SYS_open, "d", O_RDONLY, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "d/", O_RDONLY, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS3(SYS_open, "d", O_WRONLY, 0), EISDIR);
	CHECK_ERR(SYS3(SYS_open, "d", O_RDWR, 0), EISDIR);
	CHECK_ERR(SYS3(SYS_open, "d", O_RDONLY | O_TRUNC, 0), EISDIR);
	/* O_CREAT on an existing directory, with or without a slash. */
	CHECK_ERR(SYS3(SYS_open, "d", O_CREAT | O_RDONLY, 0644), EISDIR);
	CHECK_ERR(SYS3(SYS_open, "d/", O_CREAT | O_WRONLY, 0644), EISDIR);
	CHECK_ERR(SYS3(SYS_open, "d", O_CREAT | O_EXCL | O_WRONLY, 0644),
		  EEXIST);
	/* O_CREAT of a new name with a trailing slash. */
	CHECK_ERR(SYS3(SYS_open, "newdir/", O_CREAT | O_WRONLY, 0644), EISDIR);
	CHECK_ERR(SYS2(SYS_access, "newdir", F_OK), ENOENT);
	/* O_DIRECTORY on a file, and O_DIRECTORY with O_CREAT. */
	CHECK_ERR(SYS3(SYS_open, "f", O_RDONLY | O_DIRECTORY, 0), ENOTDIR);
	CHECK_ERR(
	    SYS3(SYS_open, "dnew", O_CREAT | O_DIRECTORY | O_RDONLY, 0755),
	    EINVAL);
	CHECK_ERR(SYS2(SYS_access, "dnew", F_OK), ENOENT);
}

static void check_symlinks(void)
{
	struct stat st;
	long fd;

	CHECK_EQ(SYS2(SYS_symlink, "f", "lf"), 0);
	CHECK_EQ(SYS2(SYS_symlink, "d", "ld"), 0);
	fd = SYS3(SYS_open, "lf", O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("f"));
	SYS1(SYS_close, fd);
	CHECK_ERR(SYS3(SYS_open, "lf", O_RDONLY | O_NOFOLLOW, 0), ELOOP);
	CHECK_ERR(SYS3(SYS_open, "ld", O_RDONLY | O_NOFOLLOW, 0), ELOOP);
	/* O_NOFOLLOW only concerns the last component. */
	fd = SYS3(SYS_open, "ld/.", O_RDONLY | O_NOFOLLOW, 0);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("d"));
	SYS1(SYS_close, fd);
	/* O_PATH|O_NOFOLLOW opens the link itself. */
	fd = SYS3(SYS_open, "lf", O_PATH | O_NOFOLLOW, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(st.st_size, 1);
	SYS1(SYS_close, fd);
	/* A symlink to a file with a trailing slash. */
	CHECK_ERR(SYS3(SYS_open, "lf/", O_RDONLY, 0), ENOTDIR);
	/* A symlink loop. */
	CHECK_EQ(SYS2(SYS_symlink, "loop2", "loop1"), 0);
	CHECK_EQ(SYS2(SYS_symlink, "loop1", "loop2"), 0);
	CHECK_ERR(SYS3(SYS_open, "loop1", O_RDONLY, 0), ELOOP);
	CHECK_ERR(SYS3(SYS_open, "loop1/x", O_RDONLY, 0), ELOOP);
}

static void check_path_and_cloexec(void)
{
	struct stat st;
	char c;
	long fd, dfd;

	fd = SYS3(SYS_open, "f", O_PATH, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fstat, fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_ino, file_ino("f"));
	CHECK_ERR(SYS3(SYS_read, fd, &c, 1), EBADF);
	CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EBADF);
	CHECK_ERR(SYS2(SYS_fchmod, fd, 0600), EBADF);
	CHECK_ERR(SYS2(SYS_ftruncate, fd, 0), EBADF);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & O_PATH, O_PATH);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	/* An O_PATH directory works as a dirfd. */
	dfd = SYS3(SYS_open, "d", O_PATH | O_DIRECTORY, 0);
	CHECK_OK(dfd);
	fd = SYS4(SYS_openat, dfd, "pf", O_CREAT | O_WRONLY, 0644);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("d/pf"), S_IFREG | 0644);
	SYS1(SYS_close, dfd);

	fd = SYS3(SYS_open, "f", O_RDONLY | O_CLOEXEC, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & O_CLOEXEC, 0);
	SYS1(SYS_close, fd);
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFD), 0);
	SYS1(SYS_close, fd);
}

static void check_dirfd(void)
{
	long dfd, ffd, fd;

	dfd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	CHECK_OK(dfd);
	fd = SYS4(SYS_openat, dfd, "inner", O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, "in", 2), 2);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_size("d/inner"), 2);
	/* ".." from a dirfd is its parent: the scratch directory. */
	fd = SYS4(SYS_openat, dfd, "..", O_RDONLY, 0);
	CHECK_EQ(fd_ino(fd), file_ino("."));
	SYS1(SYS_close, fd);
	fd = SYS4(SYS_openat, AT_FDCWD, "f", O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("f"));
	SYS1(SYS_close, fd);
	/* A bad dirfd matters only for a relative path. */
	CHECK_ERR(SYS4(SYS_openat, 9999, "f", O_RDONLY, 0), EBADF);
	CHECK_ERR(SYS4(SYS_openat, -1, "f", O_RDONLY, 0), EBADF);
	fd = SYS4(SYS_openat, 9999, "/tmp", O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("/tmp"));
	SYS1(SYS_close, fd);
	fd = SYS4(SYS_openat, dfd, scratch, O_RDONLY, 0);
	CHECK_EQ(fd_ino(fd), file_ino("."));
	SYS1(SYS_close, fd);
	/* A file as the dirfd. */
	ffd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_ERR(SYS4(SYS_openat, ffd, "x", O_RDONLY, 0), ENOTDIR);
	CHECK_ERR(SYS4(SYS_openat, ffd, "x", O_CREAT | O_WRONLY, 0644),
		  ENOTDIR);
	SYS1(SYS_close, ffd);
	SYS1(SYS_close, dfd);
}

static void check_openat2(void)
{
	struct {
		struct open_how how;
		uint64_t extra;
	} big = {{.flags = O_RDONLY}, 0};
	struct open_how how = {.flags = O_RDONLY};
	long dfd, fd;

	fd = SYS4(SYS_openat2, AT_FDCWD, "f", &how, sizeof(how));
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("f"));
	SYS1(SYS_close, fd);
	/* Sizes: too small is EINVAL; larger needs zeroed trailing bytes. */
	CHECK_ERR(SYS4(SYS_openat2, AT_FDCWD, "f", &how, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_openat2, AT_FDCWD, "f", &how, 16), EINVAL);
	fd = SYS4(SYS_openat2, AT_FDCWD, "f", &big, sizeof(big));
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	big.extra = 1;
	CHECK_ERR(SYS4(SYS_openat2, AT_FDCWD, "f", &big, sizeof(big)), E2BIG);
	CHECK_ERR(SYS4(SYS_openat2, AT_FDCWD, "f", BAD_PTR, sizeof(how)),
		  EFAULT);
	/* Bad flags, modes and resolve bits. */
	CHECK_ERR(try_openat2(AT_FDCWD, "f", 1ULL << 40, 0, 0), EINVAL);
	CHECK_ERR(try_openat2(AT_FDCWD, "f", O_RDONLY, 0644, 0), EINVAL);
	CHECK_ERR(try_openat2(AT_FDCWD, "n2", O_CREAT | O_WRONLY, 010644, 0),
		  EINVAL);
	CHECK_ERR(try_openat2(AT_FDCWD, "f", O_RDONLY, 0, 1ULL << 40), EINVAL);
	CHECK_ERR(try_openat2(AT_FDCWD, "f", O_RDONLY, 0,
			      RESOLVE_BENEATH | RESOLVE_IN_ROOT),
		  EINVAL);
	CHECK_ERR(try_openat2(AT_FDCWD, "n2", O_CREAT | O_DIRECTORY | O_RDONLY,
			      0755, 0),
		  EINVAL);
	CHECK_ERR(SYS2(SYS_access, "n2", F_OK), ENOENT);
	/* Creation through openat2 applies the umask like open. */
	fd = try_openat2(AT_FDCWD, "n2", O_CREAT | O_EXCL | O_WRONLY, 0666, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("n2"), S_IFREG | 0644);

	/* Layout: d/inner, d/sub/, d/up -> ../f, d/abs -> /inner. */
	CHECK_EQ(SYS2(SYS_mkdir, "d/sub", 0755), 0);
	CHECK_EQ(SYS2(SYS_symlink, "../f", "d/up"), 0);
	CHECK_EQ(SYS2(SYS_symlink, "/inner", "d/abs"), 0);
	CHECK_EQ(SYS2(SYS_symlink, "inner", "d/rel"), 0);
	dfd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);

	/* RESOLVE_BENEATH: no escape by "..", absolute paths or symlinks. */
	fd = try_openat2(dfd, "sub/../inner", O_RDONLY, 0, RESOLVE_BENEATH);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("d/inner"));
	SYS1(SYS_close, fd);
	fd = try_openat2(dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH);
	CHECK_EQ(fd_ino(fd), file_ino("d/inner"));
	SYS1(SYS_close, fd);
	CHECK_ERR(try_openat2(dfd, "../f", O_RDONLY, 0, RESOLVE_BENEATH),
		  EXDEV);
	CHECK_ERR(try_openat2(dfd, "sub/../../f", O_RDONLY, 0, RESOLVE_BENEATH),
		  EXDEV);
	CHECK_ERR(try_openat2(dfd, scratch, O_RDONLY, 0, RESOLVE_BENEATH),
		  EXDEV);
	CHECK_ERR(try_openat2(dfd, "/tmp", O_RDONLY, 0, RESOLVE_BENEATH),
		  EXDEV);
	CHECK_ERR(try_openat2(dfd, "up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	CHECK_ERR(try_openat2(dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	fd =
	    try_openat2(dfd, "made", O_CREAT | O_WRONLY, 0644, RESOLVE_BENEATH);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_mode("d/made"), S_IFREG | 0644);

	/* RESOLVE_IN_ROOT: "/" and ".." stop at the dirfd. */
	fd = try_openat2(dfd, "/inner", O_RDONLY, 0, RESOLVE_IN_ROOT);
	CHECK_OK(fd);
	CHECK_EQ(fd_ino(fd), file_ino("d/inner"));
	SYS1(SYS_close, fd);
	fd = try_openat2(dfd, "../../inner", O_RDONLY, 0, RESOLVE_IN_ROOT);
	CHECK_EQ(fd_ino(fd), file_ino("d/inner"));
	SYS1(SYS_close, fd);
	fd = try_openat2(dfd, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT);
	CHECK_EQ(fd_ino(fd), file_ino("d/inner"));
	SYS1(SYS_close, fd);
	/* d/up is "../f" inside the root: d/f, which does not exist. */
	CHECK_ERR(try_openat2(dfd, "up", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT);
	fd = try_openat2(dfd, "..", O_RDONLY, 0, RESOLVE_IN_ROOT);
	CHECK_EQ(fd_ino(fd), file_ino("d"));
	SYS1(SYS_close, fd);

	/* RESOLVE_NO_SYMLINKS: any symlink on the path is ELOOP. */
	CHECK_ERR(try_openat2(AT_FDCWD, "lf", O_RDONLY, 0, RESOLVE_NO_SYMLINKS),
		  ELOOP);
	CHECK_ERR(
	    try_openat2(AT_FDCWD, "ld/inner", O_RDONLY, 0, RESOLVE_NO_SYMLINKS),
	    ELOOP);
	CHECK_ERR(try_openat2(dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS),
		  ELOOP);
	fd = try_openat2(AT_FDCWD, "d/inner", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	SYS1(SYS_close, dfd);
}

static void check_read_write(void)
{
	static char big[65536], back[65536];
	char buf[64];
	long fd, dfd, i;

	fd = SYS3(SYS_open, "rw", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, "0123456789", 10), 10);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 10);
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_EQ(SYS3(SYS_read, fd, buf, 4), 4);
	CHECK(!memcmp(buf, "0123", 4));
	CHECK_EQ(SYS3(SYS_lseek, fd, 2, SEEK_CUR), 6);
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "6789", 4));
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, -3, SEEK_END), 7);
	CHECK_ERR(SYS3(SYS_lseek, fd, -100, SEEK_CUR), EINVAL);
	CHECK_ERR(SYS3(SYS_lseek, fd, -11, SEEK_END), EINVAL);
	CHECK_ERR(SYS3(SYS_lseek, fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(SYS3(SYS_lseek, fd, 0, 77), EINVAL);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 7);
	/* Seeking past the end is allowed and reads nothing. */
	CHECK_EQ(SYS3(SYS_lseek, fd, 1000, SEEK_SET), 1000);
	CHECK_EQ(SYS3(SYS_read, fd, buf, sizeof(buf)), 0);
	CHECK_EQ(file_size("rw"), 10);

	/* pread and pwrite leave the file offset alone. */
	CHECK_EQ(SYS3(SYS_lseek, fd, 1, SEEK_SET), 1);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 3, 2), 3);
	CHECK(!memcmp(buf, "234", 3));
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "AB", 2, 1), 2);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 1);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 10);
	CHECK(!memcmp(buf, "0AB3456789", 10));
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 10), 0);
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 500), 0);
	CHECK_ERR(SYS4(SYS_pread64, fd, buf, 1, -1), EINVAL);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, "x", 1, -1), EINVAL);

	/* A write beyond the end leaves a zero-filled hole. */
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "Z", 1, 100), 1);
	CHECK_EQ(file_size("rw"), 101);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, 60, 40), 60);
	for (i = 0; i < 60 && !buf[i]; i++)
		;
	CHECK_EQ(i, 60);
	CHECK_EQ(SYS3(SYS_lseek, fd, 200, SEEK_SET), 200);
	CHECK_EQ(SYS3(SYS_write, fd, "Q", 1), 1);
	CHECK_EQ(file_size("rw"), 201);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_END), 201);

	/* ftruncate shrinks, then grows with zeroes. */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 5), 0);
	CHECK_EQ(file_size("rw"), 5);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 201);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 20), 0);
	CHECK_EQ(file_size("rw"), 20);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 20);
	CHECK(!memcmp(buf, "0AB34\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	CHECK_ERR(SYS2(SYS_ftruncate, fd, -1), EINVAL);
	CHECK_EQ(SYS1(SYS_close, fd), 0);

	/* A larger round trip. */
	for (i = 0; i < (long)sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 256);
	fd = SYS3(SYS_open, "big", O_CREAT | O_RDWR, 0644);
	CHECK_EQ(SYS3(SYS_write, fd, big, sizeof(big)), sizeof(big));
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_EQ(SYS3(SYS_read, fd, back, sizeof(back)), sizeof(back));
	CHECK(!memcmp(big, back, sizeof(big)));
	SYS1(SYS_close, fd);

	/* O_RDONLY|O_TRUNC still truncates on Linux. */
	fd = SYS3(SYS_open, "big", O_RDONLY | O_TRUNC, 0);
	CHECK_OK(fd);
	CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EBADF);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_size("big"), 0);

	/* Access modes are enforced per descriptor. */
	fd = SYS3(SYS_open, "rw", O_WRONLY, 0);
	CHECK_ERR(SYS3(SYS_read, fd, buf, 1), EBADF);
	CHECK_ERR(SYS4(SYS_pread64, fd, buf, 1, 0), EBADF);
	SYS1(SYS_close, fd);

	/* Directories: lseek works, read is EISDIR. */
	dfd = SYS3(SYS_open, "d", O_RDONLY | O_DIRECTORY, 0);
	CHECK_EQ(SYS3(SYS_lseek, dfd, 0, SEEK_SET), 0);
	CHECK_EQ(SYS3(SYS_lseek, dfd, 0, SEEK_CUR), 0);
	CHECK_ERR(SYS3(SYS_read, dfd, buf, sizeof(buf)), EISDIR);
	CHECK_ERR(SYS4(SYS_pread64, dfd, buf, sizeof(buf), 0), EISDIR);
	SYS1(SYS_close, dfd);
	CHECK_ERR(SYS3(SYS_lseek, 9999, 0, SEEK_SET), EBADF);

	/* close twice. */
	fd = SYS3(SYS_open, "rw", O_RDONLY, 0);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	CHECK_ERR(SYS1(SYS_close, fd), EBADF);
	CHECK_ERR(SYS3(SYS_read, fd, buf, 1), EBADF);
}

static void check_append(void)
{
	char buf[32];
	long fd, other;

	fd = SYS3(SYS_open, "ap", O_CREAT | O_WRONLY | O_APPEND, 0644);
	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, "abc", 3), 3);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_EQ(SYS3(SYS_write, fd, "def", 3), 3);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 6);
	/* On Linux, pwrite on an O_APPEND descriptor appends too. */
	CHECK_EQ(SYS4(SYS_pwrite64, fd, "gh", 2, 0), 2);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	CHECK_EQ(get_file("ap", buf, sizeof(buf)), 8);
	CHECK(!strcmp(buf, "abcdefgh"));
	/* Another writer extends the file; the appender still goes last. */
	fd = SYS3(SYS_open, "ap", O_RDWR | O_APPEND, 0);
	other = SYS3(SYS_open, "ap", O_WRONLY, 0);
	CHECK_EQ(SYS4(SYS_pwrite64, other, "ABCDEFGHIJ", 10, 0), 10);
	CHECK_EQ(SYS3(SYS_write, fd, "!", 1), 1);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 11);
	SYS1(SYS_close, other);
	SYS1(SYS_close, fd);
	CHECK_EQ(get_file("ap", buf, sizeof(buf)), 11);
	CHECK(!strcmp(buf, "ABCDEFGHIJ!"));
	/* O_TRUNC empties the file. */
	fd = SYS3(SYS_open, "ap", O_WRONLY | O_TRUNC, 0);
	CHECK_OK(fd);
	SYS1(SYS_close, fd);
	CHECK_EQ(file_size("ap"), 0);
}

int main(void)
{
	scratch_enter("open");
	check_create();
	check_long_names();
	check_missing();
	check_directories();
	check_symlinks();
	check_path_and_cloexec();
	check_dirfd();
	check_openat2();
	check_read_write();
	check_append();
	scratch_leave();
	return guest_done();
}
