// SPDX-License-Identifier: Apache-2.0
/*
 * The sentry's side of the gofer protocol: the client's reply decoding
 * (sentry/fs/gofer_client.c) against a hostile gofer. The test plays the
 * gofer: before each call it queues the reply the input says on the
 * client's socket, so the client, which sends its request and then
 * receives, reads it as the answer.
 *
 * An input is a sequence of calls, each [u8 call][u8 how][u16 length]
 * [bytes of the reply][argument bytes]: the reply's header gets the size,
 * tag and op the client expects unless how's bits 1, 2, 4 say otherwise;
 * bits 8, 16, 32 attach a regular file, a socket, both. Calls after the
 * client broke must fail with EIO (or EINVAL for a name refused before
 * asking) without sending anything.
 */
#include "sentry/fs/gofer_client.h"
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_gofer_client: %s\n", #cond);     \
			abort();                                               \
		}                                                              \
	} while (0)

static uint8_t rep[GOFER_MSG_MAX + 16];
static int regfd = -1, sockfd = -1;

static const char *const names[] = {
    "a", "file", "dir", "link", ".", "..", "", "a/b", "x", "sock",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static const uint16_t call_ops[] = {
    GOFER_ATTACH,    GOFER_WALK,     GOFER_OPEN,  GOFER_CREATE,	 GOFER_MKDIR,
    GOFER_MKNOD,     GOFER_SYMLINK,  GOFER_LINK,  GOFER_UNLINK,	 GOFER_RENAME,
    GOFER_READLINK,  GOFER_GETDENTS, GOFER_STAT,  GOFER_SETATTR, GOFER_STATFS,
    GOFER_FSYNC,     GOFER_CONNECT,  GOFER_BIND,  GOFER_LOOKUP,	 GOFER_GETXATTR,
    GOFER_LISTXATTR, GOFER_SETXATTR, GOFER_CLUNK,
};
#define NCALLS (sizeof(call_ops) / sizeof(call_ops[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/moat-fuzz-client-XXXXXX";
	int sv[2];

	(void)argc;
	(void)argv;
	regfd = mkstemp(path);
	if (regfd < 0 || unlink(path) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	sockfd = sv[0];
	close(sv[1]);
	return 0;
}

/* Queue a reply for the client's next request. */
static void queue(int gofer, uint32_t tag, uint16_t op, uint8_t how,
		  const uint8_t *p, size_t n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 2)] = {0};
	struct iovec iov = {rep, n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[2], nfds = 0;

	memcpy(rep, p, n);
	if (n >= sizeof(struct gofer_hdr)) {
		uint32_t size = (uint32_t)n;

		if (!(how & 1))
			memcpy(rep + offsetof(struct gofer_hdr, size), &size,
			       sizeof(size));
		if (!(how & 2))
			memcpy(rep + offsetof(struct gofer_hdr, tag), &tag,
			       sizeof(tag));
		if (!(how & 4))
			memcpy(rep + offsetof(struct gofer_hdr, op), &op,
			       sizeof(op));
	}
	if (how & 8)
		fds[nfds++] = regfd;
	if (how & 16)
		fds[nfds++] = sockfd;
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	(void)sendmsg(gofer, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Throw away what is left on a socket (and the fds with it): how many. */
static int drain(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];

	for (int n = 0;; n++) {
		struct iovec iov = {rep, sizeof(rep)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};

		if (recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
			return n;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
		     c = CMSG_NXTHDR(&mh, c))
			for (size_t i = 0;
			     i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			     i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(fd));
				close(fd);
			}
	}
}

static int emit_count(void *arg, const char *name, size_t len, uint64_t ino,
		      unsigned type, uint64_t next)
{
	(void)ino;
	(void)type;
	(void)next;
	CHECK(len > 0 && len <= GOFER_NAME_MAX);
	CHECK(!memchr(name, '/', len) && !memchr(name, '\0', len));
	return ++*(int *)arg > 100; /* stop early, sometimes */
}

static void closefd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Make call number which, with arguments from in. */
static int call(struct gofer_client *c, unsigned which, struct fuzz_in *in)
{
	const char *n1 = names[fuzz_u8(in) % NNAMES];
	const char *n2 = names[fuzz_u8(in) % NNAMES];
	uint32_t fid = fuzz_u8(in), arg = fuzz_u32(in);
	struct gofer_node node;
	char buf[256];
	int fd = -1, err = 0;

	switch (call_ops[which]) {
	case GOFER_ATTACH:
		return gofer_attach(c, fid, &node);
	case GOFER_WALK: {
		const char *w[GOFER_WALK_MAX];
		struct gofer_node nodes[GOFER_WALK_MAX];
		unsigned n = arg % (GOFER_WALK_MAX + 1), nwalked = 0;
		int stop = 0;

		for (unsigned i = 0; i < n; i++)
			w[i] = i % 2 ? n1 : n2;
		err = gofer_walk(c, fid, w, n, nodes, &nwalked, &stop);
		CHECK(nwalked <= n);
		CHECK(err || stop >= 0);
		return err;
	}
	case GOFER_OPEN:
		err = gofer_open(c, fid, arg, &fd);
		CHECK(err ? fd == -1 : fd >= 0);
		closefd(fd);
		return err;
	case GOFER_CREATE:
		err = gofer_create(c, fid, n1, arg, 0644, 0, 0, &node, &fd);
		CHECK(err ? fd == -1 : fd >= 0);
		closefd(fd);
		return err;
	case GOFER_MKDIR:
		return gofer_mkdir(c, fid, n1, 0755, 0, 0, &node);
	case GOFER_MKNOD:
		return gofer_mknod(c, fid, n1, arg, 0, 0, 0, &node);
	case GOFER_SYMLINK:
		return gofer_symlink(c, fid, n1, n2, 0, 0, &node);
	case GOFER_LINK:
		return gofer_link(c, fid, n1, arg, &node);
	case GOFER_UNLINK:
		return gofer_unlink(c, fid, n1, arg);
	case GOFER_RENAME:
		return gofer_rename(c, fid, n1, arg & 0xff, n2, arg >> 8);
	case GOFER_READLINK: {
		ssize_t len = gofer_readlink(c, fid, buf, arg % sizeof(buf));

		CHECK(len < 0 || (size_t)len <= arg % sizeof(buf));
		return len < 0 ? (int)len : 0;
	}
	case GOFER_GETDENTS: {
		uint64_t off = fuzz_u64(in);
		bool eof = false;
		int count = 0;

		return gofer_getdents(c, fid, &off, arg, emit_count, &count,
				      &eof);
	}
	case GOFER_STAT: {
		struct gofer_stat st;

		return gofer_stat(c, fid, &st);
	}
	case GOFER_SETATTR: {
		struct gofer_setattr_req q = {.fid = fid, .mask = arg};
		struct gofer_stat st;

		return gofer_setattr(c, &q, &st);
	}
	case GOFER_STATFS: {
		struct gofer_statfs st;

		return gofer_statfs(c, fid, &st);
	}
	case GOFER_FSYNC:
		return gofer_fsync(c, fid);
	case GOFER_CONNECT:
		err = gofer_connect(c, fid, arg, &fd);
		CHECK(err ? fd == -1 : fd >= 0);
		closefd(fd);
		return err;
	case GOFER_BIND:
		err = gofer_bind(c, fid, n1, arg, 0755, 0, 0, &node, &fd);
		CHECK(err ? fd == -1 : fd >= 0);
		closefd(fd);
		return err;
	case GOFER_LOOKUP: {
		struct gofer_lookup_result res[8];
		const char *w[8];
		unsigned n = 1 + arg % 8, ndone = 0;

		for (unsigned i = 0; i < n; i++)
			w[i] = i % 2 ? n1 : n2;
		err = gofer_lookup(c, fid, w, n, res, &ndone);
		if (!err) {
			CHECK(ndone >= 1 && ndone <= n);
			for (unsigned i = 0; i < ndone; i++)
				CHECK(!res[i].target ||
				      res[i].target_len <= GOFER_PATH_MAX);
			gofer_lookup_results_free(res, ndone);
		}
		return err;
	}
	case GOFER_GETXATTR: {
		ssize_t len =
		    gofer_getxattr(c, fid, n1, buf, arg % sizeof(buf));

		CHECK(len < 0 || arg % sizeof(buf) == 0 ||
		      (size_t)len <= arg % sizeof(buf));
		return len < 0 ? (int)len : 0;
	}
	case GOFER_LISTXATTR: {
		ssize_t len = gofer_listxattr(c, fid, buf, arg % sizeof(buf));

		CHECK(len < 0 || arg % sizeof(buf) == 0 ||
		      (size_t)len <= arg % sizeof(buf));
		return len < 0 ? (int)len : 0;
	}
	case GOFER_SETXATTR: {
		ssize_t len = gofer_setxattr(c, fid, n1, n2, strlen(n2), arg);

		return len < 0 ? (int)len : 0;
	}
	case GOFER_CLUNK: {
		uint32_t fids[4] = {fid, arg, 1, 2};

		return gofer_clunk(c, fids, 1 + arg % 4);
	}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct gofer_client c;
	uint8_t first[sizeof(struct gofer_hdr) + sizeof(struct gofer_version)];
	struct gofer_hdr h = {.op = GOFER_VERSION_OP, .tag = 1};
	struct gofer_version v = {GOFER_VERSION, GOFER_MSG_MAX};
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	/* The version's answer: the agreed size from the input. */
	v.msize = GOFER_MSG_MAX - (fuzz_u16(&in) & 0x3fff);
	memcpy(first, &h, sizeof(h));
	memcpy(first + sizeof(h), &v, sizeof(v));
	queue(sv[1], 1, GOFER_VERSION_OP, 0, first, sizeof(first));
	if (gofer_client_init(&c, sv[0]) < 0) {
		close(sv[1]);
		return 0;
	}
	drain(sv[1]);
	while (in.left >= 4) {
		unsigned which = fuzz_u8(&in) % NCALLS;
		uint8_t how = fuzz_u8(&in);
		uint16_t len = fuzz_u16(&in);
		size_t n;
		const uint8_t *p = fuzz_bytes(&in, len, &n);
		bool was_broken = c.broken;
		int err;

		queue(sv[1], c.next_tag, call_ops[which], how, p, n);
		err = call(&c, which, &in);
		/* Broken: EIO, or arguments refused before asking (a name,
		 * an xattr's name or size); nothing sent. */
		if (was_broken && err != -EIO && err != -EINVAL &&
		    err != -ENAMETOOLONG && err != -ERANGE && err != -E2BIG) {
			fprintf(stderr,
				"fuzz_gofer_client: %s on a broken client: "
				"%d\n",
				gofer_op_name(call_ops[which]), err);
			abort();
		}
		CHECK(err <= 0 && err > -4096);
		CHECK(drain(sv[1]) == 0 || !was_broken);
		drain(c.sock);
	}
	gofer_client_destroy(&c);
	close(sv[1]);
	return 0;
}
