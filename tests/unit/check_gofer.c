// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the gofer: the protocol's encoder and checked decoder
 * (gofer/protocol.c), and the server (gofer/server.c) driven in-process
 * over a socketpair against a scratch directory.
 */
#include "gofer/gofer.h"
#include "gofer/protocol.h"

#include "unit.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- the codec ----------------------------------------------------------- */

START_TEST(test_codec_roundtrip)
{
	uint8_t buf[256];
	struct gofer_msg m;
	struct gofer_reader r;
	struct gofer_hdr h;
	struct gofer_fid_req q = {.fid = 7}, q2;
	const char *s;
	size_t len;
	long n;

	gofer_begin(&m, buf, sizeof(buf), GOFER_STAT, 42, 0);
	gofer_put(&m, &q, sizeof(q));
	gofer_put_str(&m, "name", 4);
	n = gofer_end(&m);
	ck_assert_int_eq(n, 16 + 8 + 2 + 4);
	ck_assert_int_eq(gofer_parse(buf, (size_t)n, &h, &r), 0);
	ck_assert_uint_eq(h.op, GOFER_STAT);
	ck_assert_uint_eq(h.tag, 42);
	ck_assert_uint_eq(h.size, (uint32_t)n);
	ck_assert_int_eq(gofer_get(&r, &q2, sizeof(q2)), 0);
	ck_assert_uint_eq(q2.fid, 7);
	ck_assert_int_eq(gofer_get_name(&r, &s, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(s, "name", 4), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	ck_assert_str_eq(gofer_op_name(GOFER_WALK), "walk");
	ck_assert_str_eq(gofer_op_name(999), "unknown");
}
END_TEST

START_TEST(test_codec_overflow)
{
	uint8_t buf[32];
	struct gofer_msg m;
	char big[70000];

	gofer_begin(&m, buf, sizeof(buf), GOFER_STAT, 1, 0);
	gofer_put(&m, big, 17);
	ck_assert_int_eq(gofer_end(&m), -EMSGSIZE);

	/* Strings longer than 16 bits cannot be encoded. */
	{
		uint8_t *large = malloc(GOFER_MSG_MAX);

		gofer_begin(&m, large, GOFER_MSG_MAX, GOFER_STAT, 1, 0);
		memset(big, 'a', sizeof(big));
		gofer_put_str(&m, big, sizeof(big));
		ck_assert_int_eq(gofer_end(&m), -EMSGSIZE);
		free(large);
	}
}
END_TEST

static size_t make(uint8_t *buf, uint16_t op, uint16_t flags, int32_t error,
		   uint32_t size_delta)
{
	struct gofer_hdr h = {.size = 24 + size_delta,
			      .op = op,
			      .flags = flags,
			      .tag = 9,
			      .error = error};

	memcpy(buf, &h, sizeof(h));
	memset(buf + 16, 0, 8);
	return 24;
}

START_TEST(test_codec_parse_rejects)
{
	uint8_t buf[64];
	struct gofer_reader r;
	struct gofer_hdr h;
	size_t n;

	n = make(buf, GOFER_STAT, 0, 0, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), 0);
	ck_assert_uint_eq(r.left, 8);
	/* size field disagrees with the packet */
	n = make(buf, GOFER_STAT, 0, 0, 1);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	/* shorter than a header */
	ck_assert_int_eq(gofer_parse(buf, 15, &h, &r), -EPROTO);
	ck_assert_int_eq(gofer_parse(buf, 0, &h, &r), -EPROTO);
	/* unknown ops */
	n = make(buf, 0, 0, 0, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	n = make(buf, GOFER_OP_COUNT, 0, 0, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	/* flags and negative or huge errors */
	n = make(buf, GOFER_STAT, 1, 0, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	n = make(buf, GOFER_STAT, 0, -1, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	n = make(buf, GOFER_STAT, 0, 4096, 0);
	ck_assert_int_eq(gofer_parse(buf, n, &h, &r), -EPROTO);
	/* over the maximum size */
	ck_assert_int_eq(gofer_parse(buf, GOFER_MSG_MAX + 1, &h, &r), -EPROTO);
}
END_TEST

static struct gofer_reader reader(const void *p, size_t len)
{
	return (struct gofer_reader){.p = p, .left = len};
}

START_TEST(test_codec_strings)
{
	uint8_t buf[512];
	struct gofer_reader r;
	const char *s;
	size_t len;
	uint16_t l;
	uint32_t x;

	/* length beyond the body */
	l = 10;
	memcpy(buf, &l, 2);
	memcpy(buf + 2, "abc", 3);
	r = reader(buf, 5);
	ck_assert_int_eq(gofer_get_str(&r, &s, &len, 255), -EINVAL);
	/* no room for the length itself */
	r = reader(buf, 1);
	ck_assert_int_eq(gofer_get_str(&r, &s, &len, 255), -EINVAL);
	/* over the caller's maximum */
	l = 300;
	memcpy(buf, &l, 2);
	memset(buf + 2, 'x', 300);
	r = reader(buf, 302);
	ck_assert_int_eq(gofer_get_str(&r, &s, &len, 255), -ENAMETOOLONG);
	r = reader(buf, 302);
	ck_assert_int_eq(gofer_get_name(&r, &s, &len), -ENAMETOOLONG);
	/* fixed-size reads past the end */
	r = reader(buf, 3);
	ck_assert_int_eq(gofer_get(&r, &x, sizeof(x)), -EINVAL);
	/* leftovers */
	r = reader(buf, 3);
	ck_assert_int_eq(gofer_done(&r), -EINVAL);
}
END_TEST

static int name_check(const char *name, size_t len)
{
	uint8_t buf[300];
	uint16_t l = (uint16_t)len;
	struct gofer_reader r;
	const char *s;
	size_t got;

	memcpy(buf, &l, 2);
	memcpy(buf + 2, name, len);
	r = reader(buf, 2 + len);
	return gofer_get_name(&r, &s, &got);
}

/* Every operation has its name, for the logs. */
START_TEST(test_codec_op_names)
{
	ck_assert_str_eq(gofer_op_name(GOFER_WALK), "walk");
	ck_assert_str_eq(gofer_op_name(GOFER_LOOKUP), "lookup");
	ck_assert_str_eq(gofer_op_name(GOFER_SETXATTR), "setxattr");
	for (uint16_t op = 1; op < GOFER_OP_COUNT; op++)
		ck_assert_str_ne(gofer_op_name(op), "unknown");
	ck_assert_str_eq(gofer_op_name(0), "unknown");
	ck_assert_str_eq(gofer_op_name(GOFER_OP_COUNT), "unknown");
}
END_TEST

START_TEST(test_codec_names)
{
	ck_assert_int_eq(name_check("file", 4), 0);
	ck_assert_int_eq(name_check("...", 3), 0);
	ck_assert_int_eq(name_check(".hidden", 7), 0);
	ck_assert_int_eq(name_check("", 0), -EINVAL);
	ck_assert_int_eq(name_check(".", 1), -EINVAL);
	ck_assert_int_eq(name_check("..", 2), -EINVAL);
	ck_assert_int_eq(name_check("a/b", 3), -EINVAL);
	ck_assert_int_eq(name_check("/", 1), -EINVAL);
	ck_assert_int_eq(name_check("a\0b", 3), -EINVAL);
}
END_TEST

/* ---- the server --------------------------------------------------------- */

static char root[64], roroot[64];
static struct gofer_server srv;
static int csock = -1;
static pid_t remote; /* the gofer runs as its own process: its pid */
static uint32_t next_tag;
static uint8_t rbuf[GOFER_MSG_MAX];

static void write_file(const char *dir, const char *name, const char *data)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static void server_setup(void)
{
	struct gofer_mount_spec specs[4];
	char path[256];
	const char *why;
	int sv[2], proc;

	umask(0);
	strcpy(root, "/tmp/moat-gofer-XXXXXX");
	strcpy(roroot, "/tmp/moat-gofer-ro-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(roroot));
	snprintf(path, sizeof(path), "%s/dir", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file(root, "dir/file", "hello gofer\n");
	write_file(root, "top", "top\n");
	snprintf(path, sizeof(path), "%s/dir/up", root);
	ck_assert_int_eq(symlink("../../../../etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/abs", root);
	ck_assert_int_eq(symlink("/etc", path), 0);
	write_file(roroot, "ro", "read only\n");

	ck_assert_int_eq(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	specs[0] = (struct gofer_mount_spec){
	    .host_path = root, .uds = GOFER_UDS_CONNECT | GOFER_UDS_BIND};
	specs[1] =
	    (struct gofer_mount_spec){.host_path = roroot, .readonly = true};
	specs[2] =
	    (struct gofer_mount_spec){.host_path = "/", .readonly = true};
	/* root again, writable, with host unix sockets off */
	specs[3] = (struct gofer_mount_spec){.host_path = root};
	csock = sv[0];
	next_tag = 100;
	if (remote < 0) {
		/* The real thing: its own process, namespaces and filter. */
		remote = gofer_start(sv[1], specs, 4);
		ck_assert_int_gt(remote, 0);
		close(sv[1]);
		return;
	}
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(proc, 0);
	ck_assert_int_eq(gofer_server_init(&srv, sv[1], proc, specs, 4, &why),
			 0);
}

static void process_setup(void)
{
	remote = -1;
	server_setup();
}

static void server_teardown(void)
{
	char cmd[200];

	if (remote > 0) {
		int status;

		/* The gofer exits, cleanly, when the sentry's end closes. */
		close(csock);
		ck_assert_int_eq(waitpid(remote, &status, 0), remote);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "gofer status %#x", status);
		remote = 0;
	} else {
		gofer_server_destroy(&srv);
		close(csock);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, roroot);
	ck_assert_int_eq(system(cmd), 0);
}

/* Send a raw packet, let the server answer it, receive the reply. */
static ssize_t exchange(const void *req, size_t len, int send_fd, int *fd_out)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)req, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (send_fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &send_fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(csock, &mh, 0), (ssize_t)len);
	if (!remote)
		ck_assert_int_eq(gofer_serve_one(&srv), 1);

	iov.iov_base = rbuf;
	iov.iov_len = sizeof(rbuf);
	mh = (struct msghdr){.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	n = recvmsg(csock, &mh, MSG_CMSG_CLOEXEC);
	ck_assert_int_gt(n, 0);
	if (fd_out) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		*fd_out = -1;
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd_out, CMSG_DATA(c), sizeof(int));
	}
	return n;
}

/*
 * One request: body parts are given as (pointer, length) pairs ended by
 * NULL; a length of (size_t)-1 marks a string. Returns the reply's error
 * (0 or positive errno) and leaves a reader over its body in *r.
 */
static int call(uint16_t op, struct gofer_reader *r, int *fd_out, ...)
{
	uint8_t req[GOFER_MSG_MAX];
	struct gofer_msg m;
	struct gofer_hdr h;
	uint32_t tag = next_tag++;
	va_list ap;
	ssize_t n;
	long len;

	gofer_begin(&m, req, sizeof(req), op, tag, 0);
	va_start(ap, fd_out);
	for (;;) {
		const void *p = va_arg(ap, const void *);
		size_t plen;

		if (!p)
			break;
		plen = va_arg(ap, size_t);
		if (plen == (size_t)-1)
			gofer_put_str(&m, p, strlen(p));
		else
			gofer_put(&m, p, plen);
	}
	va_end(ap);
	len = gofer_end(&m);
	ck_assert_int_gt(len, 0);
	n = exchange(req, (size_t)len, -1, fd_out);
	ck_assert_int_eq(gofer_parse(rbuf, (size_t)n, &h, r), 0);
	ck_assert_uint_eq(h.tag, tag);
	ck_assert_uint_eq(h.op, op);
	if (h.error)
		ck_assert_uint_eq(r->left, 0);
	return h.error;
}

#define STR(s) (s), (size_t)-1

static void version(void)
{
	struct gofer_version v = {GOFER_VERSION, GOFER_MSG_MAX}, got;
	struct gofer_reader r;

	ck_assert_int_eq(call(GOFER_VERSION_OP, &r, NULL, &v, sizeof(v), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &got, sizeof(got)), 0);
	ck_assert_uint_eq(got.version, GOFER_VERSION);
	ck_assert_uint_eq(got.msize, GOFER_MSG_MAX);
}

static uint32_t attach(uint32_t mount, struct gofer_stat *st)
{
	struct gofer_attach_req q = {.mount = mount};
	struct gofer_reader r;
	struct gofer_node n;

	ck_assert_int_eq(call(GOFER_ATTACH, &r, NULL, &q, sizeof(q), NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	if (st)
		*st = n.st;
	return n.fid;
}

/* Walk one name from dir: its fid and stat, or the stop error (negative). */
static long walk1(uint32_t dir, const char *name, struct gofer_stat *st)
{
	struct gofer_walk_req q = {.fid = dir, .nnames = 1};
	struct gofer_walk_rep rep;
	struct gofer_reader r;
	struct gofer_node n;
	int err;

	err = call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR(name), NULL);
	if (err)
		return -err;
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	if (rep.nwalked == 0)
		return -rep.stop_error;
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	if (st)
		*st = n.st;
	return n.fid;
}

static int fid_call(uint16_t op, uint32_t fid, struct gofer_reader *r, int *fd)
{
	struct gofer_fid_req q = {.fid = fid};

	return call(op, r, fd, &q, sizeof(q), NULL);
}

START_TEST(test_server_version_first)
{
	struct gofer_attach_req q = {0};
	struct gofer_version v = {GOFER_VERSION + 1, GOFER_MSG_MAX};
	struct gofer_reader r;

	ck_assert_int_eq(call(GOFER_ATTACH, &r, NULL, &q, sizeof(q), NULL),
			 EPROTO);
	ck_assert_int_eq(call(GOFER_VERSION_OP, &r, NULL, &v, sizeof(v), NULL),
			 EPROTONOSUPPORT);
	v.version = GOFER_VERSION;
	v.msize = 100;
	ck_assert_int_eq(call(GOFER_VERSION_OP, &r, NULL, &v, sizeof(v), NULL),
			 EINVAL);
	version();
	q.mount = 4;
	ck_assert_int_eq(call(GOFER_ATTACH, &r, NULL, &q, sizeof(q), NULL),
			 ENOENT);
}
END_TEST

START_TEST(test_server_walk)
{
	struct gofer_walk_req q;
	struct gofer_walk_rep rep;
	struct gofer_reader r;
	struct gofer_node n[3];
	struct gofer_stat st, rootst;
	uint32_t rootfid;
	long fid;

	version();
	rootfid = attach(0, &rootst);
	ck_assert(S_ISDIR(rootst.mode));

	/* Two components in one walk. */
	q = (struct gofer_walk_req){.fid = rootfid, .nnames = 2};
	ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR("dir"),
			      STR("file"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.nwalked, 2);
	ck_assert_int_eq(rep.stop_error, 0);
	ck_assert_int_eq(gofer_get(&r, n, 2 * sizeof(n[0])), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	ck_assert(S_ISDIR(n[0].st.mode));
	ck_assert(S_ISREG(n[1].st.mode));
	ck_assert_uint_eq(n[1].st.size, 12);

	/* Missing, and through a file. */
	ck_assert_int_eq(walk1(rootfid, "nope", NULL), -ENOENT);
	q = (struct gofer_walk_req){.fid = rootfid, .nnames = 3};
	ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR("dir"),
			      STR("file"), STR("x"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.nwalked, 2);
	ck_assert_int_eq(rep.stop_error, ENOTDIR);

	/* A symlink stops the walk and is reported, never followed. */
	q = (struct gofer_walk_req){.fid = rootfid, .nnames = 2};
	ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR("abs"),
			      STR("passwd"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.nwalked, 1);
	ck_assert_int_eq(rep.stop_error, 0);
	ck_assert_int_eq(gofer_get(&r, n, sizeof(n[0])), 0);
	ck_assert(S_ISLNK(n[0].st.mode));

	/* Escapes are not names. */
	ck_assert_int_eq(walk1(rootfid, "..", NULL), -EINVAL);
	ck_assert_int_eq(walk1(rootfid, ".", NULL), -EINVAL);
	ck_assert_int_eq(walk1(rootfid, "dir/file", NULL), -EINVAL);
	ck_assert_int_eq(walk1(rootfid, "", NULL), -EINVAL);

	/* Bad fids, bad counts. */
	ck_assert_int_eq(walk1(12345, "dir", NULL), -EBADF);
	q = (struct gofer_walk_req){.fid = rootfid, .nnames = 0};
	ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	q = (struct gofer_walk_req){.fid = rootfid, .nnames = 2};
	ck_assert_int_eq(
	    call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR("dir"), NULL),
	    EINVAL);

	fid = walk1(rootfid, "top", &st);
	ck_assert_int_ge(fid, 0);
	ck_assert(S_ISREG(st.mode));
}
END_TEST

START_TEST(test_server_open_read)
{
	struct gofer_open_req q;
	struct gofer_reader r;
	char buf[64];
	uint32_t rootfid, dir, file, link;
	int fd;

	version();
	rootfid = attach(0, NULL);
	dir = (uint32_t)walk1(rootfid, "dir", NULL);
	file = (uint32_t)walk1(dir, "file", NULL);
	link = (uint32_t)walk1(dir, "up", NULL);

	q = (struct gofer_open_req){.fid = file, .flags = O_RDONLY};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 12);
	ck_assert_int_eq(memcmp(buf, "hello gofer\n", 12), 0);
	close(fd);

	/* Writes reach the host file. */
	q.flags = O_WRONLY | O_TRUNC;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), 0);
	ck_assert_int_eq(write(fd, "new", 3), 3);
	close(fd);
	q.flags = O_RDONLY;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
	close(fd);

	/* A directory, for reading only. */
	q = (struct gofer_open_req){.fid = dir,
				    .flags = O_RDONLY | O_DIRECTORY};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), 0);
	close(fd);
	q.flags = O_RDWR;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL),
			 EISDIR);
	ck_assert_int_eq(fd, -1);
	q = (struct gofer_open_req){.fid = file, .flags = O_DIRECTORY};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL),
			 ENOTDIR);
	/* A symlink is never opened. */
	q = (struct gofer_open_req){.fid = link, .flags = O_RDONLY};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), ELOOP);
	/* Flags the protocol does not take. */
	q = (struct gofer_open_req){.fid = file, .flags = O_CREAT};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL),
			 EINVAL);
	q = (struct gofer_open_req){.fid = file, .flags = O_ACCMODE};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL),
			 EINVAL);
}
END_TEST

START_TEST(test_server_readonly_mount)
{
	struct gofer_open_req q;
	struct gofer_create_req c = {.flags = O_WRONLY, .mode = 0644};
	struct gofer_setattr_req sa = {.mask = GOFER_SETATTR_MODE,
				       .mode = 0600};
	struct gofer_reader r;
	struct gofer_statfs sf;
	uint32_t ro, file;
	int fd;

	version();
	ro = attach(1, NULL);
	file = (uint32_t)walk1(ro, "ro", NULL);
	q = (struct gofer_open_req){.fid = file, .flags = O_RDONLY};
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), 0);
	close(fd);
	q.flags = O_RDWR;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), EROFS);
	q.flags = O_RDONLY | O_TRUNC;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &q, sizeof(q), NULL), EROFS);
	c.dirfid = ro;
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("new"), NULL),
	    EROFS);
	sa.fid = file;
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &sa, sizeof(sa), NULL),
			 EROFS);
	ck_assert_int_eq(fid_call(GOFER_STATFS, ro, &r, NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &sf, sizeof(sf)), 0);
	ck_assert(sf.flags & ST_RDONLY);
}
END_TEST

START_TEST(test_server_create_and_friends)
{
	struct gofer_create_req c = {.flags = O_RDWR,
				     .mode = 0640,
				     .uid = (uint32_t)-1,
				     .gid = (uint32_t)-1};
	struct gofer_mknod_req mk = {
	    .mode = 0750, .uid = (uint32_t)-1, .gid = (uint32_t)-1};
	struct gofer_symlink_req sl = {.uid = (uint32_t)-1,
				       .gid = (uint32_t)-1};
	struct gofer_unlink_req ul = {0};
	struct gofer_link_req ln;
	struct gofer_reader r;
	struct gofer_node n;
	struct stat st;
	char path[256], target[64];
	const char *s;
	size_t len;
	uint32_t rootfid, file;
	int fd;

	version();
	rootfid = attach(0, NULL);

	c.dirfid = rootfid;
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("new"), NULL), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_uint_eq(n.st.mode, S_IFREG | 0640);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	close(fd);
	snprintf(path, sizeof(path), "%s/new", root);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	ck_assert_uint_eq(st.st_ino, n.st.ino);
	file = n.fid;
	/* Creating is exclusive: an existing name is EEXIST. */
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("new"), NULL),
	    EEXIST);
	/* Bad modes and flags. */
	c.mode = 010644;
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("x"), NULL), EINVAL);
	c.mode = 0644;
	c.flags = O_RDWR | O_CREAT;
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("x"), NULL), EINVAL);
	/* Not in a file. */
	c.flags = O_RDWR;
	c.dirfid = file;
	ck_assert_int_eq(
	    call(GOFER_CREATE, &r, &fd, &c, sizeof(c), STR("x"), NULL),
	    ENOTDIR);

	mk.dirfid = rootfid;
	ck_assert_int_eq(
	    call(GOFER_MKDIR, &r, NULL, &mk, sizeof(mk), STR("sub"), NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_uint_eq(n.st.mode, S_IFDIR | 0750);
	ck_assert_int_eq(
	    call(GOFER_MKDIR, &r, NULL, &mk, sizeof(mk), STR("sub"), NULL),
	    EEXIST);

	mk.mode = S_IFIFO | 0600;
	ck_assert_int_eq(
	    call(GOFER_MKNOD, &r, NULL, &mk, sizeof(mk), STR("fifo"), NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert(S_ISFIFO(n.st.mode));
	mk.mode = S_IFCHR | 0600;
	ck_assert_int_eq(
	    call(GOFER_MKNOD, &r, NULL, &mk, sizeof(mk), STR("dev"), NULL),
	    EPERM);

	sl.dirfid = rootfid;
	ck_assert_int_eq(call(GOFER_SYMLINK, &r, NULL, &sl, sizeof(sl),
			      STR("ln"), STR("some/where"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert(S_ISLNK(n.st.mode));
	ck_assert_int_eq(fid_call(GOFER_READLINK, n.fid, &r, NULL), 0);
	ck_assert_int_eq(gofer_get_str(&r, &s, &len, GOFER_PATH_MAX), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(memcmp(s, "some/where", 10), 0);
	ck_assert_int_eq(fid_call(GOFER_READLINK, file, &r, NULL), EINVAL);
	ck_assert_int_eq(call(GOFER_SYMLINK, &r, NULL, &sl, sizeof(sl),
			      STR("empty"), STR(""), NULL),
			 ENOENT);
	snprintf(path, sizeof(path), "%s/ln", root);
	ck_assert_int_eq(readlink(path, target, sizeof(target)), 10);

	ln = (struct gofer_link_req){.dirfid = rootfid, .target = file};
	ck_assert_int_eq(
	    call(GOFER_LINK, &r, NULL, &ln, sizeof(ln), STR("hard"), NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_uint_eq(n.st.nlink, 2);
	ln.target = rootfid;
	ck_assert_int_eq(
	    call(GOFER_LINK, &r, NULL, &ln, sizeof(ln), STR("dirlink"), NULL),
	    EPERM);

	ul.dirfid = rootfid;
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("hard"), NULL),
	    0);
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("hard"), NULL),
	    ENOENT);
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("sub"), NULL),
	    EISDIR);
	ul.flags = GOFER_AT_REMOVEDIR;
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("dir"), NULL),
	    ENOTEMPTY);
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("sub"), NULL), 0);
	ul.flags = 1;
	ck_assert_int_eq(
	    call(GOFER_UNLINK, &r, NULL, &ul, sizeof(ul), STR("new"), NULL),
	    EINVAL);
}
END_TEST

START_TEST(test_server_rename)
{
	struct gofer_rename_req q;
	struct gofer_reader r;
	struct gofer_stat st;
	uint32_t rootfid, dir, ro;
	char path[256];

	version();
	rootfid = attach(0, NULL);
	dir = (uint32_t)walk1(rootfid, "dir", NULL);
	ro = attach(1, NULL);

	q = (struct gofer_rename_req){.olddirfid = rootfid,
				      .newdirfid = dir,
				      .flags = GOFER_RENAME_NOREPLACE};
	ck_assert_int_eq(call(GOFER_RENAME, &r, NULL, &q, sizeof(q), STR("top"),
			      STR("file"), NULL),
			 EEXIST);
	q.flags = GOFER_RENAME_EXCHANGE;
	ck_assert_int_eq(call(GOFER_RENAME, &r, NULL, &q, sizeof(q), STR("top"),
			      STR("file"), NULL),
			 0);
	ck_assert_int_eq(walk1(rootfid, "top", &st) >= 0, 1);
	ck_assert_uint_eq(st.size, 12); /* the old dir/file */
	q.flags = 0;
	ck_assert_int_eq(call(GOFER_RENAME, &r, NULL, &q, sizeof(q), STR("top"),
			      STR("moved"), NULL),
			 0);
	snprintf(path, sizeof(path), "%s/dir/moved", root);
	ck_assert_int_eq(access(path, F_OK), 0);
	q.flags = GOFER_RENAME_EXCHANGE | GOFER_RENAME_NOREPLACE;
	ck_assert_int_eq(call(GOFER_RENAME, &r, NULL, &q, sizeof(q), STR("abs"),
			      STR("x"), NULL),
			 EINVAL);
	/* Across mounts: EXDEV (the read-only one refuses first). */
	q = (struct gofer_rename_req){.olddirfid = rootfid, .newdirfid = ro};
	ck_assert_int_eq(call(GOFER_RENAME, &r, NULL, &q, sizeof(q), STR("abs"),
			      STR("abs"), NULL),
			 EROFS);
}
END_TEST

START_TEST(test_server_getdents)
{
	struct gofer_getdents_req q;
	struct gofer_getdents_rep rep;
	struct gofer_reader r;
	uint32_t rootfid;
	char seen[512] = "";
	uint64_t off = 0;
	int total = 0, calls = 0;

	version();
	rootfid = attach(0, NULL);
	for (int i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "entry%02d", i);
		write_file(root, name, "x");
	}
	/* Small pages: every entry exactly once, resumed by offset. */
	for (;;) {
		q = (struct gofer_getdents_req){
		    .fid = rootfid, .count = 200, .offset = off};
		ck_assert_int_eq(
		    call(GOFER_GETDENTS, &r, NULL, &q, sizeof(q), NULL), 0);
		ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
		calls++;
		for (uint32_t i = 0; i < rep.n; i++) {
			struct gofer_dirent d;
			const char *s;
			size_t len;
			char name[300], key[310];

			ck_assert_int_eq(gofer_get(&r, &d, sizeof(d)), 0);
			ck_assert_int_eq(gofer_get_name(&r, &s, &len), 0);
			memcpy(name, s, len);
			name[len] = 0;
			snprintf(key, sizeof(key), "/%s/", name);
			ck_assert_ptr_null(strstr(seen, key));
			if (strncmp(name, "entry", 5) == 0)
				strcat(seen, "/"), strcat(seen, name + 5),
				    strcat(seen, "/");
			total++;
			off = d.next;
		}
		ck_assert_int_eq(gofer_done(&r), 0);
		if (rep.eof)
			break;
		ck_assert_int_lt(calls, 100);
	}
	/* 40 entries, dir, top, abs: no "." or "..". */
	ck_assert_int_eq(total, 43);
	ck_assert_int_gt(calls, 2);
	/* A count too small for any entry. */
	q = (struct gofer_getdents_req){.fid = rootfid, .count = 8};
	ck_assert_int_eq(call(GOFER_GETDENTS, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	/* Not a directory. */
	q.fid = (uint32_t)walk1(rootfid, "top", NULL);
	q.count = 4096;
	ck_assert_int_eq(call(GOFER_GETDENTS, &r, NULL, &q, sizeof(q), NULL),
			 ENOTDIR);
}
END_TEST

START_TEST(test_server_setattr)
{
	struct gofer_setattr_req q = {0};
	struct gofer_reader r;
	struct gofer_stat st;
	uint32_t rootfid, top, link;

	version();
	rootfid = attach(0, NULL);
	top = (uint32_t)walk1(rootfid, "top", NULL);
	link = (uint32_t)walk1(rootfid, "abs", NULL);

	q = (struct gofer_setattr_req){
	    .fid = top,
	    .mask = GOFER_SETATTR_MODE | GOFER_SETATTR_SIZE |
		    GOFER_SETATTR_MTIME | GOFER_SETATTR_ATIME,
	    .mode = 0600,
	    .size = 10000,
	    .atime_sec = 1000,
	    .mtime_sec = 2000,
	    .mtime_nsec = 5};
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &q, sizeof(q), NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &st, sizeof(st)), 0);
	ck_assert_uint_eq(st.mode, S_IFREG | 0600);
	ck_assert_uint_eq(st.size, 10000);
	ck_assert_int_eq(st.atime_sec, 1000);
	ck_assert_int_eq(st.mtime_sec, 2000);
	ck_assert_uint_eq(st.mtime_nsec, 5);
	/* The same through STAT. */
	ck_assert_int_eq(fid_call(GOFER_STAT, top, &r, NULL), 0);
	ck_assert_int_eq(gofer_get(&r, &st, sizeof(st)), 0);
	ck_assert_uint_eq(st.size, 10000);

	q.mask = 0x40;
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	q.mask = GOFER_SETATTR_MTIME;
	q.mtime_nsec = 1000000000;
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	q = (struct gofer_setattr_req){.fid = rootfid,
				       .mask = GOFER_SETATTR_SIZE};
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &q, sizeof(q), NULL),
			 EISDIR);
	q = (struct gofer_setattr_req){
	    .fid = link, .mask = GOFER_SETATTR_MODE, .mode = 0777};
	ck_assert_int_eq(call(GOFER_SETATTR, &r, NULL, &q, sizeof(q), NULL),
			 EOPNOTSUPP);
	ck_assert_int_eq(fid_call(GOFER_FSYNC, top, &r, NULL), 0);
	ck_assert_int_eq(fid_call(GOFER_FSYNC, link, &r, NULL), EINVAL);
}
END_TEST

START_TEST(test_server_clunk)
{
	struct gofer_clunk_req q = {.nfids = 2};
	struct gofer_reader r;
	uint32_t fids[2];
	uint32_t rootfid;

	version();
	rootfid = attach(0, NULL);
	fids[0] = (uint32_t)walk1(rootfid, "top", NULL);
	fids[1] = 999;
	if (!remote)
		ck_assert_uint_eq(srv.live, 2);
	/* The valid one goes even though the other is bad. */
	ck_assert_int_eq(call(GOFER_CLUNK, &r, NULL, &q, sizeof(q), fids,
			      sizeof(fids), NULL),
			 EBADF);
	if (!remote)
		ck_assert_uint_eq(srv.live, 1);
	ck_assert_int_eq(fid_call(GOFER_STAT, fids[0], &r, NULL), EBADF);
	q.nfids = 0;
	ck_assert_int_eq(call(GOFER_CLUNK, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	/* A count that the body does not hold. */
	q.nfids = 3;
	ck_assert_int_eq(call(GOFER_CLUNK, &r, NULL, &q, sizeof(q), fids,
			      sizeof(fids), NULL),
			 EINVAL);
	q.nfids = 1;
	ck_assert_int_eq(call(GOFER_CLUNK, &r, NULL, &q, sizeof(q), &rootfid,
			      sizeof(rootfid), NULL),
			 0);
	if (!remote)
		ck_assert_uint_eq(srv.live, 0);
	ck_assert_int_eq(fid_call(GOFER_STAT, rootfid, &r, NULL), EBADF);
}
END_TEST

/* Requests with fds attached are refused, and the fds do not leak. */
START_TEST(test_server_refuses_fds)
{
	struct gofer_fid_req q = {0};
	uint8_t req[64];
	struct gofer_msg m;
	struct gofer_hdr h;
	struct gofer_reader r;
	int pipefd[2];
	ssize_t n;

	version();
	ck_assert_int_eq(pipe(pipefd), 0);
	gofer_begin(&m, req, sizeof(req), GOFER_STAT, 5, 0);
	gofer_put(&m, &q, sizeof(q));
	n = exchange(req, (size_t)gofer_end(&m), pipefd[0], NULL);
	ck_assert_int_eq(gofer_parse(rbuf, (size_t)n, &h, &r), 0);
	ck_assert_int_eq(h.error, EPROTO);
	close(pipefd[0]);
	/* The server closed its copy: the write end sees no reader. */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(write(pipefd[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(pipefd[1]);
}
END_TEST

/*
 * A directory swapped for a symlink to /etc while the gofer walks through
 * it: no walk ever reaches the host's /etc/passwd.
 */
static volatile bool swapping;

static void *swapper(void *arg)
{
	char dir[128], tmp[128], link[128];

	(void)arg;
	snprintf(dir, sizeof(dir), "%s/x", root);
	snprintf(tmp, sizeof(tmp), "%s/x.dir", root);
	snprintf(link, sizeof(link), "%s/x.link", root);
	while (swapping) {
		/* x: the real directory, then the symlink, and back */
		rename(dir, tmp);
		rename(link, dir);
		rename(dir, link);
		rename(tmp, dir);
	}
	return NULL;
}

START_TEST(test_server_swap_race)
{
	struct gofer_walk_req q;
	struct gofer_walk_rep rep;
	struct gofer_reader r;
	struct gofer_node n[2];
	struct stat mine, host;
	char path[128];
	uint32_t rootfid;
	pthread_t th;
	int reached = 0;

	snprintf(path, sizeof(path), "%s/x", root);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file(root, "x/passwd", "not the host's\n");
	snprintf(path, sizeof(path), "%s/x/passwd", root);
	ck_assert_int_eq(stat(path, &mine), 0);
	ck_assert_int_eq(stat("/etc/passwd", &host), 0);
	snprintf(path, sizeof(path), "%s/x.link", root);
	ck_assert_int_eq(symlink("/etc", path), 0);
	version();
	rootfid = attach(0, NULL);
	swapping = true;
	ck_assert_int_eq(pthread_create(&th, NULL, swapper, NULL), 0);
	for (int i = 0; i < 1500; i++) {
		q = (struct gofer_walk_req){.fid = rootfid, .nnames = 2};
		ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q),
				      STR("x"), STR("passwd"), NULL),
				 0);
		ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
		ck_assert_int_eq(gofer_get(&r, n, rep.nwalked * sizeof(n[0])),
				 0);
		if (rep.nwalked == 2) {
			/* Through the directory: our file, never the host's */
			ck_assert_uint_eq(n[1].st.ino, mine.st_ino);
			ck_assert(n[1].st.ino != host.st_ino ||
				  n[1].st.dev !=
				      (((uint64_t)major(host.st_dev) << 32) |
				       minor(host.st_dev)));
			reached++;
		} else if (rep.nwalked == 1) {
			/* Stopped at the symlink, not followed; or raced */
			ck_assert(S_ISLNK(n[0].st.mode) || rep.stop_error);
		}
		{
			struct gofer_clunk_req cq = {.nfids = rep.nwalked};
			uint32_t fids[2] = {n[0].fid, n[1].fid};

			if (rep.nwalked)
				ck_assert_int_eq(
				    call(GOFER_CLUNK, &r, NULL, &cq, sizeof(cq),
					 fids, rep.nwalked * sizeof(fids[0]),
					 NULL),
				    0);
		}
	}
	swapping = false;
	pthread_join(th, NULL);
	ck_assert_int_gt(reached, 0);
}
END_TEST

/*
 * The host's /proc is seen as a mountpoint and never entered: not by a
 * walk from it, and not by one walk that goes through it.
 */
START_TEST(test_server_no_proc)
{
	struct gofer_walk_req q = {.nnames = 4};
	struct gofer_walk_rep rep;
	struct gofer_open_req o = {.flags = O_RDONLY | O_DIRECTORY};
	struct gofer_reader r;
	struct gofer_node n[4];
	int fd;

	version();
	q.fid = attach(2, NULL);
	ck_assert_int_eq(call(GOFER_WALK, &r, NULL, &q, sizeof(q), STR("proc"),
			      STR("sys"), STR("kernel"), STR("hostname"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.nwalked, 1);
	ck_assert_int_eq(rep.stop_error, EACCES);
	ck_assert_int_eq(gofer_get(&r, n, sizeof(n[0])), 0);
	ck_assert(S_ISDIR(n[0].st.mode));
	ck_assert_int_eq(walk1(n[0].fid, "self", NULL), -EACCES);
	o.fid = n[0].fid;
	ck_assert_int_eq(call(GOFER_OPEN, &r, &fd, &o, sizeof(o), NULL),
			 EACCES);
}
END_TEST

/* A listening unix socket at dir/name on the host. */
static int host_listener(const char *dir, const char *name, int type)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(test_server_uds_connect)
{
	struct gofer_connect_req q = {.type = SOCK_STREAM};
	struct gofer_reader r;
	struct stat st;
	uint32_t rootfid, nouds;
	char buf[8];
	int lfd, rofd, fd, peer;

	lfd = host_listener(root, "svc", SOCK_STREAM);
	rofd = host_listener(roroot, "svc", SOCK_STREAM);
	version();
	rootfid = attach(0, NULL);
	q.fid = (uint32_t)walk1(rootfid, "svc", NULL);
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	ck_assert_int_ge(fd, 0);
	/* Non-blocking, close-on-exec, connected to the host's listener. */
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	peer = accept(lfd, NULL, NULL);
	ck_assert_int_ge(peer, 0);
	ck_assert_int_eq(write(fd, "ping", 4), 4);
	ck_assert_int_eq(read(peer, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
	close(peer);
	close(fd);

	/* A type the listener is not: as Linux, EPROTOTYPE. */
	q.type = SOCK_DGRAM;
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 EPROTOTYPE);
	q.type = 99;
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 EINVAL);
	/* No socket: refused, as a file no one listens on. */
	q.type = SOCK_STREAM;
	q.fid = (uint32_t)walk1(rootfid, "top", NULL);
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 ECONNREFUSED);
	q.fid = rootfid;
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 ECONNREFUSED);
	q.fid = 999;
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 EBADF);
	/* Mounts that do not allow it refuse, whatever is there. */
	q.fid = (uint32_t)walk1(attach(1, NULL), "svc", NULL);
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 ECONNREFUSED);
	nouds = attach(3, NULL);
	q.fid = (uint32_t)walk1(nouds, "svc", NULL);
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), NULL),
			 ECONNREFUSED);
	/* Truncated and oversized requests. */
	ck_assert_int_eq(call(GOFER_CONNECT, &r, &fd, &q, 4, NULL), EINVAL);
	ck_assert_int_eq(
	    call(GOFER_CONNECT, &r, &fd, &q, sizeof(q), STR("x"), NULL),
	    EINVAL);
	close(lfd);
	close(rofd);
}
END_TEST

START_TEST(test_server_uds_bind)
{
	struct gofer_bind_req q = {.type = SOCK_STREAM,
				   .mode = 0640,
				   .uid = (uint32_t)-1,
				   .gid = (uint32_t)-1};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct gofer_reader r;
	struct gofer_node n;
	struct stat st;
	char path[256], longname[120];
	uint32_t rootfid;
	int fd, c, peer;

	version();
	rootfid = attach(0, NULL);
	q.dirfid = (uint32_t)walk1(rootfid, "dir", NULL);
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("sock"), NULL), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(gofer_get(&r, &n, sizeof(n)), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	ck_assert_uint_eq(n.st.mode, S_IFSOCK | 0640);
	snprintf(path, sizeof(path), "%s/dir/sock", root);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode, S_IFSOCK | 0640);
	ck_assert_uint_eq(st.st_ino, n.st.ino);
	/* Bound, not listening: the sentry listens when the guest does. */
	ck_assert_int_eq(listen(fd, 4), 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	peer = accept(fd, NULL, NULL);
	ck_assert_int_ge(peer, 0);
	close(peer);
	close(c);
	close(fd);
	/* The fid is the socket file's. */
	ck_assert_int_eq(fid_call(GOFER_STAT, n.fid, &r, NULL), 0);

	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("sock"), NULL),
	    EADDRINUSE);
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("file"), NULL),
	    EADDRINUSE);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR(longname), NULL),
	    ENAMETOOLONG);
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR(".."), NULL), EINVAL);
	q.mode = S_IFSOCK | 0600;
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("m"), NULL), EINVAL);
	q.mode = 0600;
	q.type = SOCK_RAW;
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("t"), NULL), EINVAL);
	q.type = SOCK_DGRAM;
	q.dirfid = n.fid;
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("t"), NULL), ENOTDIR);
	/* Read-only mounts, and mounts without host sockets, refuse. */
	q.dirfid = attach(1, NULL);
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("t"), NULL), EROFS);
	q.dirfid = attach(3, NULL);
	ck_assert_int_eq(
	    call(GOFER_BIND, &r, &fd, &q, sizeof(q), STR("t"), NULL), EPERM);
	snprintf(path, sizeof(path), "%s/t", root);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* One LOOKUP of names in dir: the reply's count; entries into e, targets. */
static unsigned lookup(uint32_t dir, const char *const *names, unsigned n,
		       struct gofer_lookup_ent *e, char (*targets)[64])
{
	uint8_t req[GOFER_MSG_MAX];
	struct gofer_lookup_req q = {.dirfid = dir, .nnames = (uint16_t)n};
	struct gofer_lookup_rep rep;
	struct gofer_reader r;
	struct gofer_msg m;
	struct gofer_hdr h;
	ssize_t got;

	gofer_begin(&m, req, sizeof(req), GOFER_LOOKUP, next_tag++, 0);
	gofer_put(&m, &q, sizeof(q));
	for (unsigned i = 0; i < n; i++)
		gofer_put_str(&m, names[i], strlen(names[i]));
	got = exchange(req, (size_t)gofer_end(&m), -1, NULL);
	ck_assert_int_eq(gofer_parse(rbuf, (size_t)got, &h, &r), 0);
	ck_assert_int_eq(h.error, 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_le(rep.n, n);
	for (unsigned i = 0; i < rep.n; i++) {
		ck_assert_int_eq(gofer_get(&r, &e[i], sizeof(e[i])), 0);
		if (e[i].flags & GOFER_LOOKUP_TARGET) {
			const char *t;
			size_t len;

			ck_assert_int_eq(
			    gofer_get_str(&r, &t, &len, GOFER_PATH_MAX), 0);
			ck_assert_uint_lt(len, 64);
			memcpy(targets[i], t, len);
			targets[i][len] = '\0';
		}
	}
	ck_assert_int_eq(gofer_done(&r), 0);
	return rep.n;
}

START_TEST(test_server_lookup)
{
	static const char *const names[] = {"dir", "top", "abs", "none", "dir"};
	static struct gofer_lookup_ent e[GOFER_LOOKUP_MAX];
	static char targets[GOFER_LOOKUP_MAX][64];
	static char many[GOFER_LOOKUP_MAX][16];
	const char *manyp[GOFER_LOOKUP_MAX];
	struct gofer_lookup_req q;
	struct gofer_reader r;
	struct gofer_stat st;
	struct stat hst;
	char path[256];
	uint32_t rootfid, file;

	for (int i = 0; i < GOFER_LOOKUP_MAX; i++) {
		snprintf(many[i], sizeof(many[i]), "f%03d", i);
		manyp[i] = many[i];
		if (i < 300)
			write_file(root, many[i], "");
	}
	version();
	rootfid = attach(0, NULL);
	if (!remote) {
		/* Where this kernel has io_uring, the server has its ring. */
		struct io_uring ring;

		if (io_uring_queue_init(4, &ring, 0) == 0) {
			io_uring_queue_exit(&ring);
			ck_assert_ptr_nonnull(srv.ring);
		}
	}
	/* Once through the ring (in-process, where the kernel has one), once
	 * a call at a time: the same answers. */
	for (int round = 0; round < 2; round++) {
		ck_assert_uint_eq(lookup(rootfid, names, 5, e, targets), 5);
		ck_assert_int_eq(e[0].error, 0);
		ck_assert_uint_eq(e[0].node.st.mode & S_IFMT, S_IFDIR);
		snprintf(path, sizeof(path), "%s/dir", root);
		ck_assert_int_eq(lstat(path, &hst), 0);
		ck_assert_uint_eq(e[0].node.st.ino, hst.st_ino);
		ck_assert_int_eq(e[1].error, 0);
		ck_assert_uint_eq(e[1].node.st.mode, S_IFREG | 0644);
		ck_assert_uint_eq(e[1].node.st.size, 4);
		ck_assert(!(e[1].flags & GOFER_LOOKUP_TARGET));
		/* A symlink: reported with its target, never followed. */
		ck_assert_int_eq(e[2].error, 0);
		ck_assert_uint_eq(e[2].node.st.mode & S_IFMT, S_IFLNK);
		ck_assert(e[2].flags & GOFER_LOOKUP_TARGET);
		ck_assert_str_eq(targets[2], "/etc");
		ck_assert_int_eq(e[3].error, ENOENT);
		ck_assert_uint_eq(e[3].node.fid, 0);
		/* A name twice: two fids of one file. */
		ck_assert_int_eq(e[4].error, 0);
		ck_assert_uint_ne(e[4].node.fid, e[0].node.fid);
		/* The fids are real: the file's. */
		ck_assert_int_eq(fid_call(GOFER_STAT, e[1].node.fid, &r, NULL),
				 0);
		ck_assert_int_eq(gofer_get(&r, &st, sizeof(st)), 0);
		ck_assert_uint_eq(st.ino, e[1].node.st.ino);
		ck_assert_uint_eq(walk1(e[0].node.fid, "file", NULL) >= 0, 1);

		/* Many: 300 files and 212 names that are not there; one
		 * reply holds 511 entries, the last comes next time. */
		ck_assert_uint_eq(
		    lookup(rootfid, manyp, GOFER_LOOKUP_MAX, e, targets),
		    (GOFER_MSG_MAX - sizeof(struct gofer_hdr) -
		     sizeof(struct gofer_lookup_rep)) /
			sizeof(struct gofer_lookup_ent));
		ck_assert_uint_eq(lookup(rootfid, manyp + GOFER_LOOKUP_MAX - 1,
					 1, e + GOFER_LOOKUP_MAX - 1, targets),
				  1);
		for (int i = 0; i < GOFER_LOOKUP_MAX; i++) {
			ck_assert_int_eq(e[i].error, i < 300 ? 0 : ENOENT);
			if (i < 300)
				ck_assert_uint_eq(e[i].node.st.mode,
						  S_IFREG | 0644);
		}
		if (!remote)
			gofer_server_drop_ring(&srv);
	}
	/* A small message size: what fits now, the rest next time. */
	{
		struct gofer_version v = {GOFER_VERSION, 4096};

		ck_assert_int_eq(
		    call(GOFER_VERSION_OP, &r, NULL, &v, sizeof(v), NULL), 0);
		unsigned n = lookup(rootfid, manyp, 100, e, targets);

		ck_assert_uint_gt(n, 0);
		ck_assert_uint_lt(n, 100);
		ck_assert_uint_eq(n, (4096 - sizeof(struct gofer_hdr) -
				      sizeof(struct gofer_lookup_rep)) /
					 sizeof(struct gofer_lookup_ent));
		version();
	}
	/* Malformed: counts, names, the directory. */
	q = (struct gofer_lookup_req){.dirfid = rootfid, .nnames = 0};
	ck_assert_int_eq(call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	q.nnames = GOFER_LOOKUP_MAX + 1;
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("top"), NULL),
	    EINVAL);
	q.nnames = 2;
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("top"), NULL),
	    EINVAL);
	q.nnames = 1;
	ck_assert_int_eq(call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("top"),
			      STR("top"), NULL),
			 EINVAL);
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR(".."), NULL),
	    EINVAL);
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("a/b"), NULL),
	    EINVAL);
	file = (uint32_t)walk1(rootfid, "top", NULL);
	q.dirfid = file;
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("x"), NULL),
	    ENOTDIR);
	q.dirfid = 9999;
	ck_assert_int_eq(
	    call(GOFER_LOOKUP, &r, NULL, &q, sizeof(q), STR("x"), NULL), EBADF);
}
END_TEST

START_TEST(test_server_xattr)
{
	struct gofer_xattr_req q;
	struct gofer_setxattr_req sq;
	struct gofer_xattr_rep rep;
	struct gofer_reader r;
	struct gofer_stat st;
	char path[256], buf[64];
	uint32_t rootfid, file, ro, sym;
	long fid;

	snprintf(path, sizeof(path), "%s/top", root);
	if (setxattr(path, "user.k", "val", 3, 0) < 0) {
		ck_assert_int_eq(errno, ENOTSUP); /* none here: nothing to do */
		return;
	}
	version();
	rootfid = attach(0, NULL);
	fid = walk1(rootfid, "top", &st);
	ck_assert_int_ge(fid, 0);
	file = (uint32_t)fid;
	/* Every node tells how long its name list is. */
	ck_assert_uint_eq(st.xattr_len, sizeof("user.k"));
	ck_assert_int_ge(walk1(rootfid, "dir", &st), 0);
	ck_assert_uint_eq(st.xattr_len, 0);

	q = (struct gofer_xattr_req){.fid = file, .size = 0};
	ck_assert_int_eq(
	    call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q), STR("user.k"), NULL),
	    0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.len, 3);
	ck_assert_int_eq(gofer_done(&r), 0);
	q.size = sizeof(buf);
	ck_assert_int_eq(
	    call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q), STR("user.k"), NULL),
	    0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.len, 3);
	ck_assert_int_eq(gofer_get(&r, buf, 3), 0);
	ck_assert_int_eq(memcmp(buf, "val", 3), 0);
	ck_assert_int_eq(gofer_done(&r), 0);
	q.size = 2;
	ck_assert_int_eq(
	    call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q), STR("user.k"), NULL),
	    ERANGE);
	q.size = sizeof(buf);
	ck_assert_int_eq(call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q),
			      STR("user.none"), NULL),
			 ENODATA);
	ck_assert_int_eq(call(GOFER_LISTXATTR, &r, NULL, &q, sizeof(q), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.len, sizeof("user.k"));
	ck_assert_int_eq(gofer_get(&r, buf, rep.len), 0);
	ck_assert_str_eq(buf, "user.k");

	/* Set, create-only, remove; the reply is the new list length. */
	sq = (struct gofer_setxattr_req){.fid = file};
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.two"), STR("2"), NULL),
			 0);
	ck_assert_int_eq(gofer_get(&r, &rep, sizeof(rep)), 0);
	ck_assert_uint_eq(rep.len, sizeof("user.k") + sizeof("user.two"));
	ck_assert_int_eq(getxattr(path, "user.two", buf, sizeof(buf)), 1);
	sq.flags = XATTR_CREATE;
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.two"), STR("2"), NULL),
			 EEXIST);
	sq.flags = GOFER_XATTR_REMOVE;
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.two"), STR(""), NULL),
			 0);
	ck_assert_int_eq(getxattr(path, "user.two", buf, sizeof(buf)), -1);
	/* Malformed: flags, a value to remove, names, fids, mounts. */
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.two"), STR("x"), NULL),
			 EINVAL);
	sq.flags = 7;
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.x"), STR("x"), NULL),
			 EINVAL);
	ck_assert_int_eq(
	    call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q), STR(""), NULL),
	    EINVAL);
	ck_assert_int_eq(call(GOFER_GETXATTR, &r, NULL, &q, sizeof(q), NULL),
			 EINVAL);
	ck_assert_int_eq(
	    call(GOFER_LISTXATTR, &r, NULL, &q, sizeof(q), STR("user.k"), NULL),
	    EINVAL);
	q.fid = 9999;
	ck_assert_int_eq(call(GOFER_LISTXATTR, &r, NULL, &q, sizeof(q), NULL),
			 EBADF);
	ro = attach(1, NULL);
	sq = (struct gofer_setxattr_req){.fid = ro};
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.x"), STR("x"), NULL),
			 EROFS);
	/* A symlink's own, never its target's: user.* is refused there. */
	fid = walk1(rootfid, "abs", NULL);
	ck_assert_int_ge(fid, 0);
	sym = (uint32_t)fid;
	sq = (struct gofer_setxattr_req){.fid = sym};
	ck_assert_int_eq(call(GOFER_SETXATTR, &r, NULL, &sq, sizeof(sq),
			      STR("user.x"), STR("x"), NULL),
			 EPERM);
}
END_TEST

/* Garbage, truncations and bit flips: always an answer, never a crash. */
START_TEST(test_server_fuzz)
{
	uint8_t req[1024];
	struct gofer_hdr h;
	struct gofer_reader r;
	uint32_t rootfid;
	unsigned seed = 12345;

	version();
	rootfid = attach(0, NULL);
	for (int i = 0; i < 4000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 200);
		struct gofer_msg m;
		ssize_t n;

		for (size_t j = 0; j < len; j++)
			req[j] = (uint8_t)rand_r(&seed);
		if (len >= 16 && (i & 1)) {
			/* A plausible header over a random body. */
			gofer_begin(&m, req, sizeof(req),
				    (uint16_t)(1 + rand_r(&seed) %
						       (GOFER_OP_COUNT - 1)),
				    (uint32_t)i, 0);
			m.len = len;
			if (i & 2) {
				/* Aim fids at ones that exist. */
				uint32_t fid = (uint32_t)(rand_r(&seed) % 4);

				if (len >= 20)
					memcpy(req + 16, &fid, 4);
			}
			len = (size_t)gofer_end(&m);
		}
		if (len == 0)
			len = 1;
		n = exchange(req, len, -1, NULL);
		ck_assert_int_ge(n, 16);
		memcpy(&h, rbuf, sizeof(h));
		ck_assert_uint_eq(h.size, (uint32_t)n);
	}
	/* Still serving, and the root fid still works. */
	ck_assert_int_eq(fid_call(GOFER_STAT, rootfid, &r, NULL), 0);
	ck_assert_int_eq(access(root, F_OK), 0);
}
END_TEST

/* The gofer process sees an empty root and holds few capabilities. */
START_TEST(test_process_isolated)
{
	char path[64], line[256];
	DIR *d;
	struct dirent *e;
	FILE *f;
	int entries = 0, seccomp = -1;
	unsigned long long capeff = ~0ULL;

	version();
	snprintf(path, sizeof(path), "/proc/%d/root", remote);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	ck_assert_int_eq(entries, 0);
	snprintf(path, sizeof(path), "/proc/%d/status", remote);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", &seccomp);
		sscanf(line, "CapEff: %llx", &capeff);
	}
	fclose(f);
	ck_assert_int_eq(seccomp, 2); /* filter mode */
	/* chown, dac_override, dac_read_search, fowner, fsetid at most */
	ck_assert_uint_eq(capeff & ~0x1fULL, 0);
}
END_TEST

static Suite *gofer_suite(void)
{
	Suite *s = suite_create("gofer");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_codec_roundtrip);
	tcase_add_test(tc, test_codec_overflow);
	tcase_add_test(tc, test_codec_parse_rejects);
	tcase_add_test(tc, test_codec_strings);
	tcase_add_test(tc, test_codec_names);
	tcase_add_test(tc, test_codec_op_names);
	suite_add_tcase(s, tc);

	/* The same tests in-process, then against the gofer process. */
	for (int process = 0; process < 2; process++) {
		tc = tcase_create(process ? "process" : "server");
		tcase_add_checked_fixture(
		    tc, process ? process_setup : server_setup,
		    server_teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, test_server_version_first);
		tcase_add_test(tc, test_server_walk);
		tcase_add_test(tc, test_server_open_read);
		tcase_add_test(tc, test_server_readonly_mount);
		tcase_add_test(tc, test_server_create_and_friends);
		tcase_add_test(tc, test_server_rename);
		tcase_add_test(tc, test_server_getdents);
		tcase_add_test(tc, test_server_setattr);
		tcase_add_test(tc, test_server_clunk);
		tcase_add_test(tc, test_server_uds_connect);
		tcase_add_test(tc, test_server_uds_bind);
		tcase_add_test(tc, test_server_lookup);
		tcase_add_test(tc, test_server_xattr);
		tcase_add_test(tc, test_server_refuses_fds);
		tcase_add_test(tc, test_server_fuzz);
		tcase_add_test(tc, test_server_swap_race);
		tcase_add_test(tc, test_server_no_proc);
		if (process)
			tcase_add_test(tc, test_process_isolated);
		suite_add_tcase(s, tc);
	}
	return s;
}

UNIT_MAIN(gofer_suite)
