// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's side of its protocol: the request decoder and every handler
 * (gofer/server.c, gofer/protocol.c), fed arbitrary messages over a
 * socketpair, in-process, against a scratch directory made afresh for
 * each input.
 *
 * An input is a sequence of messages, each [u16 length][u8 how][bytes]:
 * the header's size field is set to the length unless how & 1 (so that
 * most messages get past the size check), how & 2 sends an fd with the
 * message (which the gofer must refuse and close). The server is set up
 * with VERSION and ATTACHes of mounts 0 and 1 as fids 0 and 1.
 *
 * Besides the sanitizers, it checks that nothing outside the served
 * directories changed (the scratch directory's parent and a canary file
 * beside them), that the read-only mount stayed so, and that the server
 * leaks no fds.
 */
#include "gofer/gofer.h"
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64], root[96], roroot[96], canary[96];
static struct stat base_st, canary_st, ro_st;
static uint8_t msg[GOFER_MSG_MAX + 64];
static uint8_t rep[GOFER_MSG_MAX + 64];
static int devnull = -1;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_gofer_server: %s: %s\n", what, strerror(errno));
	abort();
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		die(path);
	close(fd);
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* The served tree, as each input finds it. */
static void make_tree(void)
{
	char path[160], top[160];

	if (mkdir(root, 0755) < 0)
		die(root);
	snprintf(path, sizeof(path), "%s/dir", root);
	if (mkdir(path, 0755) < 0)
		die(path);
	put_file(path, "file", "hello\n");
	put_file(root, "top", "top\n");
	snprintf(path, sizeof(path), "%s/dir/up", root);
	(void)!symlink("../../canary", path);
	snprintf(path, sizeof(path), "%s/abs", root);
	(void)!symlink("/etc", path);
	snprintf(path, sizeof(path), "%s/fifo", root);
	(void)!mkfifo(path, 0644);
	snprintf(path, sizeof(path), "%s/hard", root);
	snprintf(top, sizeof(top), "%s/top", root);
	(void)!link(top, path);
}

static void reset_tree(void)
{
	if (nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		die("cleaning the scratch directory");
	make_tree();
	/* The directory's own times change with the tree: take them now. */
	if (stat(base, &base_st) < 0)
		die(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "/tmp/moat-fuzz-gofer-XXXXXX");
	if (!mkdtemp(base))
		die("mkdtemp");
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(roroot, sizeof(roroot), "%s/ro", base);
	snprintf(canary, sizeof(canary), "%s/canary", base);
	if (mkdir(roroot, 0755) < 0)
		die(roroot);
	put_file(roroot, "ro", "read only\n");
	put_file(base, "canary", "canary\n");
	make_tree();
	if (stat(canary, &canary_st) < 0 || stat(roroot, &ro_st) < 0)
		die("stat");
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

__attribute__((destructor)) static void cleanup(void)
{
	if (base[0]) {
		nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		base[0] = '\0';
	}
}

/* Send one request (with an fd or not), serve it, take the reply. */
static void exchange(struct gofer_server *s, int sock, const void *p,
		     size_t len, bool with_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)] = {0};
	struct iovec iov = {(void *)p, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int ret;

	if (with_fd) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &devnull, sizeof(int));
	}
	/* An empty packet reads as the sentry's end closing: the gofer
	 * would stop serving, which is all a sentry sending one gets. */
	if (len == 0 || sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return;
	ret = gofer_serve_one(s);
	if (ret != 1) {
		errno = ret < 0 ? -ret : 0;
		die("gofer_serve_one");
	}
	iov = (struct iovec){rep, sizeof(rep)};
	mh = (struct msghdr){.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	ret = (int)recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (ret < (int)sizeof(struct gofer_hdr))
		die("no reply");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		for (size_t i = 0;
		     i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

static size_t build(uint16_t op, const void *body, size_t len)
{
	struct gofer_msg m;

	gofer_begin(&m, msg, sizeof(msg), op, 1, 0);
	gofer_put(&m, body, len);
	return (size_t)gofer_end(&m);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static bool same_times(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec &&
	       a->st_nlink == b->st_nlink && a->st_mode == b->st_mode &&
	       a->st_uid == b->st_uid && a->st_size == b->st_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gofer_mount_spec specs[3] = {
	    {.host_path = root, .uds = GOFER_UDS_CONNECT | GOFER_UDS_BIND},
	    {.host_path = roroot, .readonly = true},
	    {.host_path = root},
	};
	struct gofer_version v = {GOFER_VERSION, GOFER_MSG_MAX};
	struct fuzz_in in = {data, size};
	struct gofer_attach_req a = {0};
	struct gofer_server s;
	struct stat st;
	const char *why;
	int sv[2], proc, fds_before = count_fds();

	reset_tree();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0 || gofer_server_init(&s, sv[1], proc, specs, 3, &why))
		die("gofer_server_init");
	exchange(&s, sv[0], msg, build(GOFER_VERSION_OP, &v, sizeof(v)), false);
	exchange(&s, sv[0], msg, build(GOFER_ATTACH, &a, sizeof(a)), false);
	a.mount = 1;
	exchange(&s, sv[0], msg, build(GOFER_ATTACH, &a, sizeof(a)), false);
	while (in.left >= 3) {
		uint16_t len = fuzz_u16(&in);
		uint8_t how = fuzz_u8(&in);
		size_t n;
		const uint8_t *p = fuzz_bytes(&in, len, &n);

		memcpy(msg, p, n);
		if (n >= sizeof(struct gofer_hdr) && !(how & 1)) {
			uint32_t sz = (uint32_t)n;

			memcpy(msg, &sz, sizeof(sz));
		}
		exchange(&s, sv[0], msg, n, how & 2);
	}
	gofer_server_destroy(&s);
	close(sv[0]);
	if (count_fds() != fds_before) {
		errno = 0;
		die("the server leaked fds");
	}
	if (stat(base, &st) < 0 || !same_times(&st, &base_st)) {
		errno = 0;
		die("something changed beside the served directories");
	}
	if (stat(canary, &st) < 0 || !same_times(&st, &canary_st)) {
		errno = 0;
		die("the canary file changed");
	}
	if (stat(roroot, &st) < 0 || !same_times(&st, &ro_st)) {
		errno = 0;
		die("the read-only mount changed");
	}
	return 0;
}
