// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes (xattr(7), getxattr(2), setxattr(2), listxattr(2),
 * removexattr(2)): argument checks in Linux's order, the namespaces'
 * rules, CREATE/REPLACE, ERANGE sizing, and filesystems that keep none.
 * The user.* checks need a /tmp that stores them (tmpfs before Linux 6.6
 * does not); without one they are skipped, natively only.
 */
#include "scratch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* Does the NUL-separated list of n bytes hold name? */
static int listed(const char *list, long n, const char *name)
{
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		if (!strcmp(list + i, name))
			return 1;
	return 0;
}

static void test_args(void)
{
	char buf[64], longname[300];
	long fd;

	put_file("f", "x");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	memcpy(longname, "user.", 5);
	/* Flags first, then the name, the size and the value's bytes. */
	CHECK_ERR(SYS5(SYS_setxattr, "missing", "", buf, 1, 4), EINVAL);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", "", buf, 1, 0), ERANGE);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", longname, buf, 1, 0), ERANGE);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", "user.a", buf, 65537, 0),
		  E2BIG);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", "user.a", 8, 1, 0), EFAULT);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", "user.a", buf, 1, 0), ENOENT);
	CHECK_ERR(SYS5(SYS_setxattr, "missing", (char *)8, buf, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_getxattr, "missing", "user.a", buf, 1), ENOENT);
	CHECK_ERR(SYS4(SYS_getxattr, "f", longname, buf, 1), ERANGE);
	CHECK_ERR(SYS3(SYS_listxattr, "missing", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(SYS2(SYS_removexattr, "missing", "user.a"), ENOENT);
	CHECK_ERR(SYS2(SYS_removexattr, "f", ""), ERANGE);
	CHECK_ERR(SYS4(SYS_fgetxattr, 999, "user.a", buf, 1), EBADF);
	CHECK_ERR(SYS3(SYS_flistxattr, 999, buf, 1), EBADF);
	CHECK_ERR(SYS5(SYS_fsetxattr, 999, "user.a", buf, 1, 0), EBADF);
	CHECK_ERR(SYS2(SYS_fremovexattr, 999, "user.a"), EBADF);
	fd = SYS3(SYS_open, "f", O_PATH, 0);
	CHECK_OK(fd);
	CHECK_ERR(SYS4(SYS_fgetxattr, fd, "user.a", buf, 1), EBADF);
	CHECK_ERR(SYS5(SYS_fsetxattr, fd, "user.a", buf, 1, 0), EBADF);
	SYS1(SYS_close, fd);
}

static void test_user(void)
{
	char buf[4096], big[2000];
	long fd, n;

	/* Set, then read with a size of 0 (the length), exact and short. */
	CHECK_EQ(SYS5(SYS_setxattr, "f", "user.color", "green", 5, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "user.color", NULL, 0), 5);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(SYS4(SYS_getxattr, "f", "user.color", buf, 5), 5);
	CHECK(memcmp(buf, "green", 5) == 0);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "user.color", buf, 4), ERANGE);
	/* A size past the largest value is clamped, not refused. */
	{
		char *huge = malloc(100000);

		CHECK_EQ(SYS4(SYS_getxattr, "f", "user.color", huge, 100000),
			 5);
		free(huge);
	}
	CHECK_ERR(SYS4(SYS_getxattr, "f", "user.none", buf, sizeof(buf)),
		  ENODATA);
	/* XATTR_CREATE and XATTR_REPLACE. */
	CHECK_ERR(SYS5(SYS_setxattr, "f", "user.color", "red", 3, XATTR_CREATE),
		  EEXIST);
	CHECK_ERR(SYS5(SYS_setxattr, "f", "user.size", "1", 1, XATTR_REPLACE),
		  ENODATA);
	CHECK_EQ(SYS5(SYS_setxattr, "f", "user.color", "red", 3, XATTR_REPLACE),
		 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "user.color", buf, sizeof(buf)), 3);
	CHECK(memcmp(buf, "red", 3) == 0);
	CHECK_EQ(SYS5(SYS_setxattr, "f", "user.size", "1", 1, XATTR_CREATE), 0);
	/* An empty value is a value. */
	CHECK_EQ(SYS5(SYS_setxattr, "f", "user.empty", "", 0, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "user.empty", buf, sizeof(buf)), 0);
	/* Binary values keep every byte. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	CHECK_EQ(SYS5(SYS_setxattr, "f", "user.big", big, sizeof(big), 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "user.big", buf, sizeof(buf)),
		 sizeof(big));
	CHECK(memcmp(buf, big, sizeof(big)) == 0);
	/* The list: its length with size 0, ERANGE when short. */
	n = SYS3(SYS_listxattr, "f", NULL, 0);
	CHECK(n >= (long)sizeof("user.color.user.size.user.empty.user.big"));
	CHECK_EQ(SYS3(SYS_listxattr, "f", buf, sizeof(buf)), n);
	CHECK(listed(buf, n, "user.color"));
	CHECK(listed(buf, n, "user.size"));
	CHECK(listed(buf, n, "user.empty"));
	CHECK(listed(buf, n, "user.big"));
	CHECK_ERR(SYS3(SYS_listxattr, "f", buf, 3), ERANGE);
	/* Remove. */
	CHECK_EQ(SYS2(SYS_removexattr, "f", "user.big"), 0);
	CHECK_ERR(SYS2(SYS_removexattr, "f", "user.big"), ENODATA);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "user.big", buf, sizeof(buf)),
		  ENODATA);
	n = SYS3(SYS_listxattr, "f", buf, sizeof(buf));
	CHECK(n > 0 && !listed(buf, n, "user.big") &&
	      listed(buf, n, "user.color"));
	/* Through an fd, whatever its access mode. */
	fd = SYS3(SYS_open, "f", O_RDONLY, 0);
	CHECK_OK(fd);
	CHECK_EQ(SYS5(SYS_fsetxattr, fd, "user.fd", "v", 1, 0), 0);
	CHECK_EQ(SYS4(SYS_fgetxattr, fd, "user.fd", buf, sizeof(buf)), 1);
	n = SYS3(SYS_flistxattr, fd, buf, sizeof(buf));
	CHECK(n > 0 && listed(buf, n, "user.fd"));
	CHECK_EQ(SYS2(SYS_fremovexattr, fd, "user.fd"), 0);
	SYS1(SYS_close, fd);
	/* A name needs something after its namespace; others are unknown. */
	CHECK_ERR(SYS5(SYS_setxattr, "f", "user.", "v", 1, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "user.", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(SYS5(SYS_setxattr, "f", "other.x", "v", 1, 0), EOPNOTSUPP);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "other.x", buf, sizeof(buf)),
		  EOPNOTSUPP);
	CHECK_ERR(SYS5(SYS_setxattr, "f", "userx", "v", 1, 0), EOPNOTSUPP);
	/* Directories have user.* attributes too. */
	CHECK_EQ(SYS2(SYS_mkdir, "d", 0755), 0);
	CHECK_EQ(SYS5(SYS_setxattr, "d", "user.dir", "1", 1, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "d", "user.dir", buf, sizeof(buf)), 1);
	/* Symlinks and FIFOs have none: reads find nothing, writes EPERM. */
	CHECK_EQ(SYS2(SYS_symlink, "f", "lnk"), 0);
	CHECK_ERR(SYS5(SYS_lsetxattr, "lnk", "user.x", "v", 1, 0), EPERM);
	CHECK_ERR(SYS4(SYS_lgetxattr, "lnk", "user.x", buf, sizeof(buf)),
		  ENODATA);
	CHECK_ERR(SYS2(SYS_lremovexattr, "lnk", "user.x"), EPERM);
	/* ...but the follow variants reach the file. */
	CHECK_EQ(SYS4(SYS_getxattr, "lnk", "user.color", buf, sizeof(buf)), 3);
	CHECK_EQ(SYS4(SYS_mknodat, AT_FDCWD, "fifo", S_IFIFO | 0644, 0), 0);
	CHECK_ERR(SYS5(SYS_setxattr, "fifo", "user.x", "v", 1, 0), EPERM);
	CHECK_ERR(SYS4(SYS_getxattr, "fifo", "user.x", buf, sizeof(buf)),
		  ENODATA);
	/* A file's attributes go with it through rename and link. */
	CHECK_EQ(SYS2(SYS_rename, "f", "g"), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "g", "user.color", buf, sizeof(buf)), 3);
	CHECK_EQ(SYS2(SYS_link, "g", "h"), 0);
	CHECK_EQ(SYS5(SYS_setxattr, "h", "user.link", "1", 1, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "g", "user.link", buf, sizeof(buf)), 1);
	CHECK_EQ(SYS2(SYS_rename, "g", "f"), 0);
}

/* trusted.* and security.* need CAP_SYS_ADMIN to write. */
static void test_privileged(void)
{
	char buf[256];
	long n;

	if (SYS0(SYS_geteuid) != 0)
		return;
	CHECK_EQ(SYS5(SYS_setxattr, "f", "trusted.t", "1", 1, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "trusted.t", buf, sizeof(buf)), 1);
	n = SYS3(SYS_listxattr, "f", buf, sizeof(buf));
	CHECK(n > 0 && listed(buf, n, "trusted.t"));
	CHECK_EQ(SYS2(SYS_removexattr, "f", "trusted.t"), 0);
	CHECK_EQ(SYS5(SYS_setxattr, "f", "security.s", "1", 1, 0), 0);
	CHECK_EQ(SYS4(SYS_getxattr, "f", "security.s", buf, sizeof(buf)), 1);
	CHECK_EQ(SYS2(SYS_removexattr, "f", "security.s"), 0);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "trusted.none", buf, sizeof(buf)),
		  ENODATA);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "system.posix_acl_access", buf,
		       sizeof(buf)),
		  ENODATA);
	CHECK_ERR(SYS4(SYS_getxattr, "f", "system.other", buf, sizeof(buf)),
		  EOPNOTSUPP);
}

/* procfs keeps no attributes: EOPNOTSUPP, and an empty list. */
static void test_proc(void)
{
	char buf[64];

	CHECK_ERR(
	    SYS4(SYS_getxattr, "/proc/self/status", "user.x", buf, sizeof(buf)),
	    EOPNOTSUPP);
	CHECK_EQ(SYS3(SYS_listxattr, "/proc/self/status", buf, sizeof(buf)), 0);
	if (SYS0(SYS_geteuid) == 0)
		CHECK_ERR(SYS5(SYS_setxattr, "/proc/self/status", "user.x", "v",
			       1, 0),
			  EOPNOTSUPP);
}

int main(void)
{
	long r;

	scratch_enter("xattr");
	test_args();
	r = SYS5(SYS_setxattr, "f", "user.probe", "1", 1, 0);
	if (r == -EOPNOTSUPP) {
		fprintf(stderr, "xattr: /tmp keeps no user.* attributes here; "
				"skipping those checks\n");
	} else {
		CHECK_EQ(r, 0);
		test_user();
	}
	test_privileged();
	test_proc();
	scratch_leave();
	return guest_done();
}
