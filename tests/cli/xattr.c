// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes of host files, for the CLI test.
 *
 *   cli-xattr prep DIR       (natively) make DIR/f with user.host=fromhost,
 *                            DIR/g with none, DIR/d, DIR/l -> f
 *   cli-xattr check DIR      read and change them as Linux allows; "ok"
 *   cli-xattr unchanged DIR  (natively) DIR is as prep left it; "ok"
 *
 * check runs natively and in the sandbox, on DIR bound in (goferfs) and
 * through the default root (the overlay over goferfs). Exits 0, 1 when a
 * check failed, 77 when the host filesystem keeps no user xattrs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int failures;
static char path[4096];

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "xattr: line %d: %s (errno %d)\n",     \
				__LINE__, #cond, errno);                       \
			failures++;                                            \
		}                                                              \
	} while (0)

static const char *at(const char *dir, const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int prep(const char *dir)
{
	int fd = open(at(dir, "f"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return 1;
	close(fd);
	if (setxattr(at(dir, "f"), "user.host", "fromhost", 8, 0) < 0)
		return errno == ENOTSUP ? 77 : 1;
	fd = open(at(dir, "g"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	if (mkdir(at(dir, "d"), 0755) < 0 || symlink("f", at(dir, "l")) < 0)
		return 1;
	return 0;
}

/* Does the list of n bytes hold name? */
static int listed(const char *list, ssize_t n, const char *name)
{
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		if (!strcmp(list + i, name))
			return 1;
	return 0;
}

static void check(const char *dir)
{
	char buf[256], list[1024];
	ssize_t n;

	/* A host file's own. */
	n = listxattr(at(dir, "f"), list, sizeof(list));
	CHECK(n > 0 && listed(list, n, "user.host"));
	CHECK(listxattr(at(dir, "f"), NULL, 0) == n);
	CHECK(getxattr(at(dir, "f"), "user.host", buf, sizeof(buf)) == 8 &&
	      !memcmp(buf, "fromhost", 8));
	CHECK(getxattr(at(dir, "f"), "user.host", NULL, 0) == 8);
	CHECK(getxattr(at(dir, "f"), "user.host", buf, 3) == -1 &&
	      errno == ERANGE);
	CHECK(getxattr(at(dir, "f"), "user.none", buf, sizeof(buf)) == -1 &&
	      errno == ENODATA);
	/* Set, create-only and replace-only, remove. */
	CHECK(setxattr(at(dir, "f"), "user.new", "in", 2, XATTR_CREATE) == 0);
	CHECK(setxattr(at(dir, "f"), "user.new", "in", 2, XATTR_CREATE) == -1 &&
	      errno == EEXIST);
	CHECK(setxattr(at(dir, "f"), "user.missing", "x", 1, XATTR_REPLACE) ==
		  -1 &&
	      errno == ENODATA);
	CHECK(getxattr(at(dir, "f"), "user.new", buf, sizeof(buf)) == 2 &&
	      !memcmp(buf, "in", 2));
	n = listxattr(at(dir, "f"), list, sizeof(list));
	CHECK(listed(list, n, "user.host") && listed(list, n, "user.new"));
	CHECK(removexattr(at(dir, "f"), "user.new") == 0);
	CHECK(removexattr(at(dir, "f"), "user.new") == -1 && errno == ENODATA);
	CHECK(getxattr(at(dir, "f"), "user.new", buf, sizeof(buf)) == -1 &&
	      errno == ENODATA);
	/* A file with none gets one. */
	CHECK(listxattr(at(dir, "g"), list, sizeof(list)) == 0);
	CHECK(getxattr(at(dir, "g"), "user.a", buf, sizeof(buf)) == -1 &&
	      errno == ENODATA);
	CHECK(setxattr(at(dir, "g"), "user.a", "1", 1, 0) == 0);
	CHECK(getxattr(at(dir, "g"), "user.a", buf, sizeof(buf)) == 1 &&
	      buf[0] == '1');
	/* Directories take user xattrs; symlinks do not. */
	CHECK(setxattr(at(dir, "d"), "user.d", "dd", 2, 0) == 0);
	CHECK(getxattr(at(dir, "d"), "user.d", buf, sizeof(buf)) == 2);
	CHECK(lsetxattr(at(dir, "l"), "user.l", "x", 1, 0) == -1 &&
	      errno == EPERM);
	CHECK(lgetxattr(at(dir, "l"), "security.selinux", buf, sizeof(buf)) ==
		  -1 &&
	      errno == ENODATA);
	/* Through the link: the file's. */
	CHECK(getxattr(at(dir, "l"), "user.host", buf, sizeof(buf)) == 8);
	/* No such namespace. */
	CHECK(getxattr(at(dir, "f"), "bogus.x", buf, sizeof(buf)) == -1 &&
	      errno == EOPNOTSUPP);
}

static void unchanged(const char *dir)
{
	char buf[64];

	CHECK(getxattr(at(dir, "f"), "user.host", buf, sizeof(buf)) == 8);
	CHECK(listxattr(at(dir, "g"), NULL, 0) == 0);
	CHECK(listxattr(at(dir, "d"), NULL, 0) == 0);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cli-xattr prep|check|unchanged DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "prep"))
		return prep(argv[2]);
	if (!strcmp(argv[1], "check"))
		check(argv[2]);
	else if (!strcmp(argv[1], "unchanged"))
		unchanged(argv[2]);
	else
		return 2;
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
