// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the sentry's gofer client (sentry/fs/gofer_client.c):
 * against the real server on a scratch directory, and against a hostile
 * one whose malformed replies must break the client (EIO from then on)
 * without a crash or a leaked fd.
 */
#include "gofer/gofer.h"
#include "sentry/fs/gofer_client.h"

#include "unit.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char root[64];
static struct gofer_server srv;
static struct gofer_client cl;
static pthread_t server_thread;

static void *serve(void *arg)
{
	(void)arg;
	gofer_serve(&srv);
	return NULL;
}

static void setup(void)
{
	struct gofer_mount_spec spec;
	const char *why;
	char path[128];
	int sv[2], proc, fd;

	strcpy(root, "/tmp/moat-gclient-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/file", root);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	snprintf(path, sizeof(path), "%s/link", root);
	ck_assert_int_eq(symlink("file", path), 0);
	for (int i = 0; i < 30; i++) {
		snprintf(path, sizeof(path), "%s/e%02d", root, i);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	ck_assert_int_eq(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	spec = (struct gofer_mount_spec){root, false};
	ck_assert_int_eq(gofer_server_init(&srv, sv[1], proc, &spec, 1, &why),
			 0);
	ck_assert_int_eq(pthread_create(&server_thread, NULL, serve, NULL), 0);
	ck_assert_int_eq(gofer_client_init(&cl, sv[0]), 0);
}

static void teardown(void)
{
	char cmd[128];

	gofer_client_destroy(&cl); /* the server sees EOF and returns */
	pthread_join(server_thread, NULL);
	gofer_server_destroy(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

struct names {
	int n, dirs;
	char seen[64][16];
};

static int collect(void *arg, const char *name, size_t len, uint64_t ino,
		   unsigned type, uint64_t next)
{
	struct names *nm = arg;

	(void)ino;
	(void)next;
	if (nm->n < 64 && len < 16) {
		memcpy(nm->seen[nm->n], name, len);
		nm->seen[nm->n][len] = 0;
	}
	nm->n++;
	if (type == DT_DIR)
		nm->dirs++;
	return 0;
}

START_TEST(test_client_operations)
{
	struct gofer_node rootn, nodes[2], n;
	const char *names[2] = {"file", "x"};
	struct gofer_stat st;
	struct gofer_statfs sf;
	struct names nm = {0};
	unsigned walked;
	uint64_t off = 0;
	bool eof = false;
	char buf[16];
	int stop, fd;

	ck_assert_int_eq(gofer_attach(&cl, 0, &rootn), 0);
	ck_assert(S_ISDIR(rootn.st.mode));
	/* A walk that stops at a file, with the reason */
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop), 0);
	ck_assert_uint_eq(walked, 1);
	ck_assert_int_eq(stop, ENOTDIR);
	ck_assert_uint_eq(nodes[0].st.size, 4);
	ck_assert_int_eq(gofer_open(&cl, nodes[0].fid, O_RDONLY, &fd), 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	/* Symlinks: readlink, truncated to the buffer */
	names[0] = "link";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 1, &n, &walked, &stop), 0);
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, buf, sizeof(buf)), 4);
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, buf, 2), 2);
	ck_assert_int_eq(gofer_readlink(&cl, rootn.fid, buf, 2), -EINVAL);
	/* Directory listing in small pages: every entry once */
	while (!eof)
		ck_assert_int_eq(gofer_getdents(&cl, rootn.fid, &off, 256,
						collect, &nm, &eof),
				 0);
	ck_assert_int_eq(nm.n, 32);
	ck_assert_int_eq(nm.dirs, 30);
	/* Creating, renaming, removing */
	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "new", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	close(fd);
	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "new", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 -EEXIST);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(
	    gofer_rename(&cl, rootn.fid, "new", rootn.fid, "old", 0), 0);
	ck_assert_int_eq(gofer_unlink(&cl, rootn.fid, "old", 0), 0);
	ck_assert_int_eq(gofer_unlink(&cl, rootn.fid, "old", 0), -ENOENT);
	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "d", 0700, (uint32_t)-1,
				     (uint32_t)-1, &n),
			 0);
	ck_assert_int_eq(gofer_stat(&cl, n.fid, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFDIR | 0700);
	ck_assert_int_eq(gofer_statfs(&cl, rootn.fid, &sf), 0);
	ck_assert_int_eq(gofer_clunk(&cl, &n.fid, 1), 0);
	ck_assert_int_eq(gofer_stat(&cl, n.fid, &st), -EBADF);
	/* Bad names never reach the gofer */
	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "..", 0700, 0, 0, &n),
			 -EINVAL);
	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "a/b", 0700, 0, 0, &n),
			 -EINVAL);
	{
		char longname[300];

		memset(longname, 'n', 299);
		longname[299] = 0;
		ck_assert_int_eq(gofer_unlink(&cl, rootn.fid, longname, 0),
				 -ENAMETOOLONG);
	}
	ck_assert(!cl.broken);
}
END_TEST

/* ---- a hostile gofer ------------------------------------------------------
 */

enum evil {
	WRONG_TAG,
	WRONG_OP,
	SHORT_BODY,
	LONG_BODY,
	EXTRA_FD,
	NO_FD,
	BAD_ERROR,
	HUGE_WALK,
	GARBAGE,
	SILENT
};

static int evil_sock;
static enum evil evil_kind;

static void *evil_serve(void *arg)
{
	uint8_t buf[GOFER_MSG_MAX];
	struct gofer_hdr h;
	ssize_t n = recv(evil_sock, buf, sizeof(buf), 0);
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {buf, 0};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fd = -1;

	(void)arg;
	if (n < (ssize_t)sizeof(h))
		return NULL;
	memcpy(&h, buf, sizeof(h));
	h.size = sizeof(h);
	switch (evil_kind) {
	case WRONG_TAG:
		h.tag++;
		break;
	case WRONG_OP:
		h.op = h.op == GOFER_STAT ? GOFER_FSYNC : GOFER_STAT;
		break;
	case SHORT_BODY:
		h.size += 8; /* a STAT reply needs 112 */
		break;
	case LONG_BODY:
		h.size += sizeof(struct gofer_stat) + 8;
		break;
	case EXTRA_FD:
	case NO_FD:
		h.size += sizeof(struct gofer_stat);
		if (evil_kind == EXTRA_FD)
			fd = open("/dev/null", O_RDONLY);
		break;
	case BAD_ERROR:
		h.error = 70000;
		break;
	case HUGE_WALK: {
		struct gofer_walk_rep rep = {.nwalked = 60};

		memcpy(buf + sizeof(h), &rep, sizeof(rep));
		h.size += sizeof(rep);
		break;
	}
	case GARBAGE:
		memset(buf, 0xa5, 40);
		iov.iov_len = 40;
		break;
	case SILENT:
		shutdown(evil_sock, SHUT_RDWR);
		return NULL;
	}
	if (evil_kind != GARBAGE) {
		memcpy(buf, &h, sizeof(h));
		iov.iov_len = h.size;
	}
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	sendmsg(evil_sock, &mh, MSG_NOSIGNAL);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

START_TEST(test_client_hostile)
{
	static const enum evil kinds[] = {
	    WRONG_TAG, WRONG_OP,  SHORT_BODY, LONG_BODY, EXTRA_FD,
	    NO_FD,     BAD_ERROR, HUGE_WALK,  GARBAGE,	 SILENT};
	int before = count_fds();

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct gofer_client c;
		struct gofer_stat st;
		struct gofer_node node;
		const char *name = "x";
		unsigned walked;
		pthread_t th;
		int sv[2], stop, fd = -1;
		long r;

		ck_assert_int_eq(
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv),
		    0);
		/* A client past VERSION, talking to the hostile end. */
		memset(&c, 0, sizeof(c));
		c.sock = sv[0];
		c.next_tag = 7;
		c.msize = GOFER_MSG_MAX;
		pthread_mutex_init(&c.lock, NULL);
		c.buf = malloc(GOFER_MSG_MAX);
		evil_sock = sv[1];
		evil_kind = kinds[k];
		pthread_create(&th, NULL, evil_serve, NULL);
		if (kinds[k] == HUGE_WALK)
			r = gofer_walk(&c, 0, &name, 1, &node, &walked, &stop);
		else if (kinds[k] == EXTRA_FD)
			r = gofer_stat(&c, 0, &st);
		else if (kinds[k] == NO_FD)
			r = gofer_open(&c, 0, O_RDONLY, &fd);
		else
			r = gofer_stat(&c, 0, &st);
		pthread_join(th, NULL);
		ck_assert_msg(r == -EIO, "kind %zu: got %ld", k, r);
		ck_assert(c.broken);
		ck_assert_int_eq(fd, -1);
		/* Broken for good, without asking again. */
		ck_assert_int_eq(gofer_stat(&c, 0, &st), -EIO);
		gofer_client_destroy(&c);
		close(sv[1]);
	}
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

static Suite *gofer_client_suite(void)
{
	Suite *s = suite_create("gofer_client");
	TCase *tc = tcase_create("real");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_client_operations);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_test(tc, test_client_hostile);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gofer_client_suite)
