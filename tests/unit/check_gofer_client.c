// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the sentry's gofer client (sentry/fs/gofer_client.c):
 * every call against the real server on scratch directories (in a thread
 * of this process, then as the gofer process), and against a hostile
 * server whose malformed replies must break the client (EIO from then on)
 * without a crash, a leaked fd, or another request.
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
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NDIRS 30

static char root[64], roroot[64];
static struct gofer_server srv;
static struct gofer_client cl;
static pthread_t server_thread;
static pid_t remote;		     /* the gofer as its own process: its pid */
static struct gofer_node rootn, ron; /* mount 0 (rw) and 1 (ro) */

static void *serve(void *arg)
{
	(void)arg;
	gofer_serve(&srv);
	return NULL;
}

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

static void setup(bool process)
{
	struct gofer_mount_spec specs[2];
	const char *why;
	char path[128];
	int sv[2], proc;

	umask(022);
	strcpy(root, "/tmp/moat-gclient-XXXXXX");
	strcpy(roroot, "/tmp/moat-gclient-ro-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_ptr_nonnull(mkdtemp(roroot));
	write_file(root, "file", "data");
	snprintf(path, sizeof(path), "%s/link", root);
	ck_assert_int_eq(symlink("file", path), 0);
	for (int i = 0; i < NDIRS; i++) {
		snprintf(path, sizeof(path), "%s/e%02d", root, i);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	write_file(root, "e00/inner", "x");
	write_file(roroot, "ro", "read only\n");
	snprintf(path, sizeof(path), "%s/sub", roroot);
	ck_assert_int_eq(mkdir(path, 0755), 0);

	ck_assert_int_eq(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	specs[0] = (struct gofer_mount_spec){
	    .host_path = root, .uds = GOFER_UDS_CONNECT | GOFER_UDS_BIND};
	specs[1] =
	    (struct gofer_mount_spec){.host_path = roroot, .readonly = true};
	remote = 0;
	if (process) {
		remote = gofer_start(sv[1], specs, 2);
		ck_assert_int_gt(remote, 0);
		close(sv[1]);
	} else {
		proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(proc, 0);
		ck_assert_int_eq(
		    gofer_server_init(&srv, sv[1], proc, specs, 2, &why), 0);
		ck_assert_int_eq(
		    pthread_create(&server_thread, NULL, serve, NULL), 0);
	}
	ck_assert_int_eq(gofer_client_init(&cl, sv[0]), 0);
	ck_assert_int_eq(gofer_attach(&cl, 0, &rootn), 0);
	ck_assert_int_eq(gofer_attach(&cl, 1, &ron), 0);
}

static void thread_setup(void)
{
	setup(false);
}

static void process_setup(void)
{
	setup(true);
}

static void teardown(void)
{
	char cmd[200];

	ck_assert(!cl.broken);
	gofer_client_destroy(&cl); /* the server sees EOF and returns */
	if (remote > 0) {
		int status;

		ck_assert_int_eq(waitpid(remote, &status, 0), remote);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "gofer status %#x", status);
	} else {
		pthread_join(server_thread, NULL);
		gofer_server_destroy(&srv);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, roroot);
	ck_assert_int_eq(system(cmd), 0);
}

/* Walk one name from dir; the walk's stop error or 0, node in *n. */
static int walk1(uint32_t dir, const char *name, struct gofer_node *n)
{
	unsigned walked;
	int stop, err;

	err = gofer_walk(&cl, dir, &name, 1, n, &walked, &stop);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(walked, stop ? 0 : 1);
	return stop;
}

START_TEST(test_client_attach)
{
	struct gofer_node n;

	ck_assert(S_ISDIR(rootn.st.mode));
	ck_assert(S_ISDIR(ron.st.mode));
	ck_assert_uint_ne(rootn.fid, ron.fid);
	ck_assert_int_eq(gofer_attach(&cl, 7, &n), -ENOENT);
}
END_TEST

START_TEST(test_client_walk)
{
	const char *names[GOFER_WALK_MAX + 1];
	struct gofer_node nodes[GOFER_WALK_MAX + 1];
	char longname[GOFER_NAME_MAX + 2];
	unsigned walked;
	int stop;

	/* Stops at a file, with the reason */
	names[0] = "file";
	names[1] = "x";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop), 0);
	ck_assert_uint_eq(walked, 1);
	ck_assert_int_eq(stop, ENOTDIR);
	ck_assert(S_ISREG(nodes[0].st.mode));
	ck_assert_uint_eq(nodes[0].st.size, 4);
	/* Two levels, then a missing name */
	names[0] = "e00";
	names[1] = "inner";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop), 0);
	ck_assert_uint_eq(walked, 2);
	ck_assert_int_eq(stop, 0);
	ck_assert(S_ISDIR(nodes[0].st.mode));
	ck_assert(S_ISREG(nodes[1].st.mode));
	names[1] = "nothing";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop), 0);
	ck_assert_uint_eq(walked, 1);
	ck_assert_int_eq(stop, ENOENT);
	/* A symlink ends the walk without a reason: the sentry resolves it */
	names[0] = "link";
	names[1] = "x";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop), 0);
	ck_assert_uint_eq(walked, 1);
	ck_assert_int_eq(stop, 0);
	ck_assert(S_ISLNK(nodes[0].st.mode));
	/* The most components at once, and one too many */
	for (int i = 0; i <= GOFER_WALK_MAX; i++)
		names[i] = "e00";
	ck_assert_int_eq(gofer_walk(&cl, rootn.fid, names, GOFER_WALK_MAX,
				    nodes, &walked, &stop),
			 0);
	ck_assert_uint_eq(walked, 1);
	ck_assert_int_eq(stop, ENOENT);
	ck_assert_int_eq(gofer_walk(&cl, rootn.fid, names, GOFER_WALK_MAX + 1,
				    nodes, &walked, &stop),
			 -EINVAL);
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 0, nodes, &walked, &stop),
	    -EINVAL);
	/* Names the protocol refuses never reach the gofer */
	names[1] = "..";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop),
	    -EINVAL);
	ck_assert_uint_eq(walked, 0);
	names[1] = ".";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop),
	    -EINVAL);
	names[1] = "";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop),
	    -EINVAL);
	names[1] = "e00/inner";
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop),
	    -EINVAL);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	names[1] = longname;
	ck_assert_int_eq(
	    gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked, &stop),
	    -ENAMETOOLONG);
	/* The longest name is fine (and absent) */
	longname[GOFER_NAME_MAX] = 0;
	ck_assert_int_eq(walk1(rootn.fid, longname, nodes), ENOENT);
	/* A fid the gofer never gave */
	ck_assert_int_eq(
	    gofer_walk(&cl, 99999, names, 1, nodes, &walked, &stop), -EBADF);
}
END_TEST

START_TEST(test_client_open)
{
	struct gofer_node n;
	char buf[16];
	int fd = 5;

	ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "data", 4), 0);
	close(fd);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_WRONLY | O_APPEND, &fd), 0);
	ck_assert_int_eq(write(fd, "more", 4), 4);
	close(fd);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY | O_DIRECTORY, &fd),
			 -ENOTDIR);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY | O_CREAT, &fd),
			 -EINVAL);
	/* Directories for reading only; symlinks never */
	ck_assert_int_eq(
	    gofer_open(&cl, rootn.fid, O_RDONLY | O_DIRECTORY, &fd), 0);
	close(fd);
	ck_assert_int_eq(gofer_open(&cl, rootn.fid, O_RDWR, &fd), -EISDIR);
	ck_assert_int_eq(walk1(rootn.fid, "link", &n), 0);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY, &fd), -ELOOP);
	/* A read-only mount reads, never writes */
	ck_assert_int_eq(walk1(ron.fid, "ro", &n), 0);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY, &fd), 0);
	close(fd);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDWR, &fd), -EROFS);
	ck_assert_int_eq(gofer_open(&cl, n.fid, O_RDONLY | O_TRUNC, &fd),
			 -EROFS);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(gofer_open(&cl, 99999, O_RDONLY, &fd), -EBADF);
}
END_TEST

START_TEST(test_client_create)
{
	struct gofer_node n, f;
	struct gofer_stat st;
	int fd;

	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "new", O_RDWR, 0640,
				      (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 0);
	ck_assert(S_ISREG(n.st.mode));
	ck_assert_uint_eq(n.st.mode & 07777, 0640);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	close(fd);
	ck_assert_int_eq(gofer_stat(&cl, n.fid, &st), 0);
	ck_assert_uint_eq(st.size, 3);
	ck_assert_uint_eq(st.ino, n.st.ino);
	/* Create is exclusive */
	fd = 7;
	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "new", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &f, &fd),
			 -EEXIST);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(gofer_create(&cl, n.fid, "x", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &f, &fd),
			 -ENOTDIR);
	ck_assert_int_eq(gofer_create(&cl, ron.fid, "x", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &f, &fd),
			 -EROFS);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "a/b", O_RDWR, 0600,
				      (uint32_t)-1, (uint32_t)-1, &f, &fd),
			 -EINVAL);
	ck_assert_int_eq(fd, -1);
}
END_TEST

START_TEST(test_client_mkdir_mknod_link)
{
	struct gofer_node d, n, f;
	int fd;

	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "d", 0700, (uint32_t)-1,
				     (uint32_t)-1, &d),
			 0);
	ck_assert_uint_eq(d.st.mode, S_IFDIR | 0700);
	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "d", 0700, (uint32_t)-1,
				     (uint32_t)-1, &n),
			 -EEXIST);
	ck_assert_int_eq(gofer_mkdir(&cl, ron.fid, "d", 0700, (uint32_t)-1,
				     (uint32_t)-1, &n),
			 -EROFS);
	ck_assert_int_eq(gofer_mkdir(&cl, rootn.fid, "..", 0700, 0, 0, &n),
			 -EINVAL);
	/* Fifos and plain files; host devices never */
	ck_assert_int_eq(gofer_mknod(&cl, d.fid, "fifo", S_IFIFO | 0600, 0,
				     (uint32_t)-1, (uint32_t)-1, &n),
			 0);
	ck_assert(S_ISFIFO(n.st.mode));
	ck_assert_int_eq(gofer_mknod(&cl, d.fid, "null", S_IFCHR | 0600,
				     makedev(1, 3), (uint32_t)-1, (uint32_t)-1,
				     &n),
			 -EPERM);
	/* Hard links: the same inode, one more link */
	ck_assert_int_eq(gofer_create(&cl, d.fid, "f", O_WRONLY, 0600,
				      (uint32_t)-1, (uint32_t)-1, &f, &fd),
			 0);
	close(fd);
	ck_assert_int_eq(gofer_link(&cl, d.fid, "g", f.fid, &n), 0);
	ck_assert_uint_eq(n.st.ino, f.st.ino);
	ck_assert_uint_eq(n.st.nlink, 2);
	ck_assert_int_eq(gofer_link(&cl, d.fid, "g", f.fid, &n), -EEXIST);
	ck_assert_int_eq(gofer_link(&cl, d.fid, "h", d.fid, &n), -EPERM);
	ck_assert_int_eq(gofer_link(&cl, ron.fid, "h", f.fid, &n), -EROFS);
}
END_TEST

START_TEST(test_client_symlink_readlink)
{
	char target[GOFER_PATH_MAX + 2], buf[64];
	struct gofer_node n;

	ck_assert_int_eq(gofer_symlink(&cl, rootn.fid, "sl", "../some/where",
				       (uint32_t)-1, (uint32_t)-1, &n),
			 0);
	ck_assert(S_ISLNK(n.st.mode));
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, buf, sizeof(buf)), 13);
	ck_assert_int_eq(memcmp(buf, "../some/where", 13), 0);
	/* Truncated to the buffer, not terminated */
	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, buf, 2), 2);
	ck_assert_int_eq(buf[2], 'z');
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, buf, 0), 0);
	ck_assert_int_eq(gofer_readlink(&cl, rootn.fid, buf, 2), -EINVAL);
	ck_assert_int_eq(gofer_symlink(&cl, rootn.fid, "sl", "x", (uint32_t)-1,
				       (uint32_t)-1, &n),
			 -EEXIST);
	ck_assert_int_eq(gofer_symlink(&cl, ron.fid, "sl", "x", (uint32_t)-1,
				       (uint32_t)-1, &n),
			 -EROFS);
	ck_assert_int_eq(gofer_symlink(&cl, rootn.fid, "empty", "",
				       (uint32_t)-1, (uint32_t)-1, &n),
			 -ENOENT);
	/* The longest target, and one byte more */
	memset(target, 't', sizeof(target));
	target[GOFER_PATH_MAX + 1] = 0;
	ck_assert_int_eq(gofer_symlink(&cl, rootn.fid, "long", target,
				       (uint32_t)-1, (uint32_t)-1, &n),
			 -ENAMETOOLONG);
	target[GOFER_PATH_MAX] = 0;
	ck_assert_int_eq(gofer_symlink(&cl, rootn.fid, "long", target,
				       (uint32_t)-1, (uint32_t)-1, &n),
			 0);
	ck_assert_int_eq(gofer_readlink(&cl, n.fid, target, sizeof(target)),
			 GOFER_PATH_MAX);
}
END_TEST

START_TEST(test_client_unlink_rename)
{
	struct gofer_node d, n;
	struct gofer_stat st;
	int fd;

	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "a", O_WRONLY, 0600,
				      (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 0);
	ck_assert_int_eq(write(fd, "A", 1), 1);
	close(fd);
	ck_assert_int_eq(gofer_create(&cl, rootn.fid, "b", O_WRONLY, 0600,
				      (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 0);
	close(fd);
	/* NOREPLACE refuses; EXCHANGE swaps; plain replaces */
	ck_assert_int_eq(gofer_rename(&cl, rootn.fid, "a", rootn.fid, "b",
				      GOFER_RENAME_NOREPLACE),
			 -EEXIST);
	ck_assert_int_eq(gofer_rename(&cl, rootn.fid, "a", rootn.fid, "b",
				      GOFER_RENAME_EXCHANGE),
			 0);
	ck_assert_int_eq(walk1(rootn.fid, "b", &n), 0);
	ck_assert_uint_eq(n.st.size, 1);
	ck_assert_int_eq(gofer_rename(&cl, rootn.fid, "b", rootn.fid, "a", 0),
			 0);
	ck_assert_int_eq(walk1(rootn.fid, "b", &n), ENOENT);
	ck_assert_int_eq(
	    gofer_rename(&cl, rootn.fid, "nothing", rootn.fid, "c", 0),
	    -ENOENT);
	ck_assert_int_eq(walk1(rootn.fid, "e01", &d), 0);
	ck_assert_int_eq(gofer_rename(&cl, rootn.fid, "a", d.fid, "a", 0), 0);
	ck_assert_int_eq(gofer_rename(&cl, d.fid, "a", ron.fid, "a", 0),
			 -EROFS);
	ck_assert_int_eq(gofer_rename(&cl, d.fid, "a", d.fid, "..", 0),
			 -EINVAL);
	/* Unlink: files, and directories only with REMOVEDIR and empty */
	ck_assert_int_eq(gofer_unlink(&cl, d.fid, "a", 0), 0);
	ck_assert_int_eq(gofer_unlink(&cl, d.fid, "a", 0), -ENOENT);
	ck_assert_int_eq(gofer_unlink(&cl, rootn.fid, "e01", 0), -EISDIR);
	ck_assert_int_eq(
	    gofer_unlink(&cl, rootn.fid, "e00", GOFER_AT_REMOVEDIR),
	    -ENOTEMPTY);
	ck_assert_int_eq(
	    gofer_unlink(&cl, rootn.fid, "e01", GOFER_AT_REMOVEDIR), 0);
	ck_assert_int_eq(gofer_stat(&cl, d.fid, &st), 0); /* still held */
	ck_assert_uint_eq(st.nlink, 0);
	ck_assert_int_eq(gofer_unlink(&cl, ron.fid, "ro", 0), -EROFS);
	ck_assert_int_eq(gofer_unlink(&cl, d.fid, "x", 0), -ENOENT);
	{
		char longname[300];

		memset(longname, 'n', 299);
		longname[299] = 0;
		ck_assert_int_eq(gofer_unlink(&cl, rootn.fid, longname, 0),
				 -ENAMETOOLONG);
	}
}
END_TEST

struct names {
	int n, dirs, stop_at;
	char seen[64][16];
};

START_TEST(test_client_uds)
{
	struct gofer_node n, sockn;
	char path[128];
	int fd = 77, c, peer;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	ck_assert_int_eq(gofer_bind(&cl, rootn.fid, "sock", SOCK_STREAM, 0600,
				    (uint32_t)-1, (uint32_t)-1, &sockn, &fd),
			 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(sockn.st.mode, S_IFSOCK | 0600);
	ck_assert_int_eq(listen(fd, 2), 0);
	/* The sandbox's listener and a connection to it, both by the gofer */
	ck_assert_int_eq(walk1(rootn.fid, "sock", &n), 0);
	ck_assert_int_eq(gofer_connect(&cl, n.fid, SOCK_STREAM, &c), 0);
	peer = accept(fd, NULL, NULL);
	ck_assert_int_ge(peer, 0);
	close(peer);
	close(c);
	/* A host process reaches it too */
	snprintf(path, sizeof(path), "%s/sock", root);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	close(fd);
	/* Errors come back as -errno, with no fd */
	fd = 77;
	ck_assert_int_eq(gofer_bind(&cl, rootn.fid, "sock", SOCK_STREAM, 0600,
				    (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 -EADDRINUSE);
	ck_assert_int_eq(fd, -1);
	fd = 77;
	ck_assert_int_eq(gofer_bind(&cl, ron.fid, "s", SOCK_STREAM, 0600,
				    (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 -EROFS);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(gofer_bind(&cl, rootn.fid, "..", SOCK_STREAM, 0600,
				    (uint32_t)-1, (uint32_t)-1, &n, &fd),
			 -EINVAL);
	ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
	fd = 77;
	ck_assert_int_eq(gofer_connect(&cl, n.fid, SOCK_STREAM, &fd),
			 -ECONNREFUSED);
	ck_assert_int_eq(fd, -1);
	ck_assert(!cl.broken);
}
END_TEST

START_TEST(test_client_lookup)
{
	static const char *const names[] = {"file", "link", "nope", "e00"};
	static struct gofer_lookup_result res[GOFER_LOOKUP_MAX];
	static char many[GOFER_LOOKUP_MAX][GOFER_NAME_MAX + 1];
	const char *manyp[GOFER_LOOKUP_MAX];
	const char *bad = "..";
	struct gofer_node n;
	unsigned done, total = 0;

	ck_assert_int_eq(gofer_lookup(&cl, rootn.fid, names, 4, res, &done), 0);
	ck_assert_uint_eq(done, 4);
	ck_assert_int_eq(res[0].error, 0);
	ck_assert_uint_eq(res[0].node.st.mode & S_IFMT, S_IFREG);
	ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
	ck_assert_uint_eq(res[0].node.st.ino, n.st.ino);
	ck_assert_int_eq(res[1].error, 0);
	ck_assert_uint_eq(res[1].node.st.mode & S_IFMT, S_IFLNK);
	ck_assert_uint_eq(res[1].target_len, 4);
	ck_assert_int_eq(memcmp(res[1].target, "file", 4), 0);
	ck_assert_int_eq(res[2].error, ENOENT);
	ck_assert_int_eq(res[3].error, 0);
	ck_assert_uint_eq(res[3].node.st.mode & S_IFMT, S_IFDIR);
	gofer_lookup_results_free(res, done);
	ck_assert_ptr_null(res[1].target);
	ck_assert_int_eq(gofer_lookup(&cl, rootn.fid, &bad, 1, res, &done),
			 -EINVAL);
	ck_assert_int_eq(
	    gofer_lookup(&cl, ron.fid + 1000, names, 1, res, &done), -EBADF);
	/* Long names: as many as one request holds, then the rest. */
	for (int i = 0; i < GOFER_LOOKUP_MAX; i++) {
		memset(many[i], 'n', GOFER_NAME_MAX);
		snprintf(many[i], 8, "%05d", i);
		many[i][5] = 'n';
		manyp[i] = many[i];
	}
	while (total < GOFER_LOOKUP_MAX) {
		ck_assert_int_eq(gofer_lookup(&cl, rootn.fid, manyp + total,
					      GOFER_LOOKUP_MAX - total, res,
					      &done),
				 0);
		ck_assert_uint_gt(done, 0);
		ck_assert_uint_lt(done, GOFER_LOOKUP_MAX); /* never all */
		for (unsigned i = 0; i < done; i++)
			ck_assert_int_eq(res[i].error, ENOENT);
		total += done;
	}
	ck_assert_uint_eq(total, GOFER_LOOKUP_MAX);
	ck_assert(!cl.broken);
}
END_TEST

static int collect(void *arg, const char *name, size_t len, uint64_t ino,
		   unsigned type, uint64_t next)
{
	struct names *nm = arg;

	(void)next;
	ck_assert_uint_ne(ino, 0);
	if (nm->stop_at && nm->n == nm->stop_at) {
		nm->stop_at = 0;
		return 1;
	}
	ck_assert_int_lt(nm->n, 64);
	ck_assert_uint_lt(len, 16);
	memcpy(nm->seen[nm->n], name, len);
	nm->seen[nm->n][len] = 0;
	for (int i = 0; i < nm->n; i++)
		ck_assert_str_ne(nm->seen[i], nm->seen[nm->n]);
	nm->n++;
	if (type == DT_DIR)
		nm->dirs++;
	return 0;
}

/* List dir in pages of count bytes; how many calls it took. */
static int list(uint32_t dir, uint32_t count, struct names *nm)
{
	uint64_t off = 0;
	bool eof = false;
	int calls = 0;

	while (!eof) {
		ck_assert_int_eq(
		    gofer_getdents(&cl, dir, &off, count, collect, nm, &eof),
		    0);
		ck_assert_int_lt(++calls, 1000);
	}
	return calls;
}

START_TEST(test_client_getdents)
{
	struct names nm = {0};
	struct gofer_node n;
	uint64_t off = 0;
	bool eof = true;
	int calls;

	/* One big page, then many small ones: every entry exactly once */
	calls = list(rootn.fid, 32768, &nm);
	ck_assert_int_eq(nm.n, NDIRS + 2);
	ck_assert_int_eq(nm.dirs, NDIRS);
	ck_assert_int_le(calls, 2);
	memset(&nm, 0, sizeof(nm));
	/* An entry here is 24 + 2 + 3 bytes: a 64-byte page holds 2 */
	calls = list(rootn.fid, 64, &nm);
	ck_assert_int_eq(nm.n, NDIRS + 2);
	ck_assert_int_ge(calls, (NDIRS + 2) / 2);
	/* Stopping early loses nothing: the refused entry comes again */
	memset(&nm, 0, sizeof(nm));
	nm.stop_at = 5;
	calls = list(rootn.fid, 256, &nm);
	ck_assert_int_eq(nm.n, NDIRS + 2);
	/* A page too small for one entry; a file; an unknown fid */
	ck_assert_int_eq(
	    gofer_getdents(&cl, rootn.fid, &off, 8, collect, &nm, &eof),
	    -EINVAL);
	ck_assert(!eof);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
	ck_assert_int_eq(
	    gofer_getdents(&cl, n.fid, &off, 256, collect, &nm, &eof),
	    -ENOTDIR);
	ck_assert_int_eq(
	    gofer_getdents(&cl, 99999, &off, 256, collect, &nm, &eof), -EBADF);
	/* An empty directory is just its end */
	ck_assert_int_eq(walk1(rootn.fid, "e05", &n), 0);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(list(n.fid, 64, &nm), 1);
	ck_assert_int_eq(nm.n, 0);
	/* Read-only mounts list too */
	memset(&nm, 0, sizeof(nm));
	list(ron.fid, 64, &nm);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_int_eq(nm.dirs, 1);
}
END_TEST

START_TEST(test_client_stat_setattr)
{
	struct gofer_setattr_req q = {0};
	struct gofer_statfs sf;
	struct gofer_stat st;
	struct gofer_node n;

	ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
	ck_assert_int_eq(gofer_stat(&cl, n.fid, &st), 0);
	ck_assert_uint_eq(st.ino, n.st.ino);
	ck_assert_uint_eq(st.mode, S_IFREG | 0644);
	ck_assert_uint_eq(st.size, 4);
	q = (struct gofer_setattr_req){.fid = n.fid,
				       .mask = GOFER_SETATTR_MODE |
					       GOFER_SETATTR_SIZE |
					       GOFER_SETATTR_MTIME,
				       .mode = 0600,
				       .size = 100,
				       .mtime_sec = 1000000,
				       .mtime_nsec = 5};
	ck_assert_int_eq(gofer_setattr(&cl, &q, &st), 0);
	ck_assert_uint_eq(st.mode, S_IFREG | 0600);
	ck_assert_uint_eq(st.size, 100);
	ck_assert_int_eq(st.mtime_sec, 1000000);
	ck_assert_uint_eq(st.mtime_nsec, 5);
	q.mask = GOFER_SETATTR_ATIME;
	q.atime_nsec = GOFER_UTIME_NOW;
	ck_assert_int_eq(gofer_setattr(&cl, &q, &st), 0);
	ck_assert_int_gt(st.atime_sec, 1000000);
	q.mask = 0x40;
	ck_assert_int_eq(gofer_setattr(&cl, &q, &st), -EINVAL);
	q.mask = GOFER_SETATTR_SIZE;
	q.fid = rootn.fid;
	ck_assert_int_eq(gofer_setattr(&cl, &q, &st), -EISDIR);
	ck_assert_int_eq(walk1(ron.fid, "ro", &n), 0);
	q.fid = n.fid;
	ck_assert_int_eq(gofer_setattr(&cl, &q, &st), -EROFS);
	/* statfs: the read-only mount says so */
	ck_assert_int_eq(gofer_statfs(&cl, rootn.fid, &sf), 0);
	ck_assert_uint_gt(sf.bsize, 0);
	ck_assert_uint_eq(sf.flags & ST_RDONLY, 0);
	ck_assert_int_eq(gofer_statfs(&cl, ron.fid, &sf), 0);
	ck_assert_uint_eq(sf.flags & ST_RDONLY, ST_RDONLY);
	ck_assert_int_eq(gofer_statfs(&cl, 99999, &sf), -EBADF);
	/* fsync: files and directories */
	ck_assert_int_eq(gofer_fsync(&cl, n.fid), 0);
	ck_assert_int_eq(gofer_fsync(&cl, rootn.fid), 0);
	ck_assert_int_eq(walk1(rootn.fid, "link", &n), 0);
	ck_assert_int_eq(gofer_fsync(&cl, n.fid), -EINVAL);
	ck_assert_int_eq(gofer_stat(&cl, 99999, &st), -EBADF);
}
END_TEST

START_TEST(test_client_clunk)
{
	enum {
		N = GOFER_CLUNK_MAX * 2 + 10
	};
	static uint32_t fids[N];
	struct gofer_stat st;
	struct gofer_node n;

	ck_assert_int_eq(gofer_clunk(&cl, fids, 0), 0);
	/* More fids than one request takes: the client batches them */
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(walk1(rootn.fid, "file", &n), 0);
		fids[i] = n.fid;
	}
	ck_assert_int_eq(gofer_clunk(&cl, fids, N), 0);
	ck_assert_int_eq(gofer_stat(&cl, fids[0], &st), -EBADF);
	ck_assert_int_eq(gofer_stat(&cl, fids[N - 1], &st), -EBADF);
	ck_assert_int_eq(gofer_clunk(&cl, fids, 1), -EBADF);
	ck_assert_int_eq(gofer_stat(&cl, rootn.fid, &st), 0);
}
END_TEST

/* Many threads at once: each exchange is its own. */
static void *hammer(void *arg)
{
	const char *names[2] = {"e00", "inner"};
	uintptr_t id = (uintptr_t)arg;
	struct gofer_node nodes[2];
	struct gofer_stat st;
	unsigned walked;
	char buf[8];
	int stop, fd;

	for (int i = 0; i < 200; i++) {
		if (gofer_walk(&cl, rootn.fid, names, 2, nodes, &walked,
			       &stop) ||
		    walked != 2 || stop)
			return (void *)1;
		if (gofer_stat(&cl, nodes[1].fid, &st) ||
		    st.ino != nodes[1].st.ino || st.size != 1)
			return (void *)2;
		if ((id & 1) && (gofer_open(&cl, nodes[1].fid, O_RDONLY, &fd) ||
				 read(fd, buf, sizeof(buf)) != 1 || close(fd)))
			return (void *)3;
		if (gofer_clunk(&cl, (uint32_t[]){nodes[0].fid, nodes[1].fid},
				2))
			return (void *)4;
	}
	return NULL;
}

START_TEST(test_client_threads)
{
	pthread_t th[8];
	void *ret;

	for (uintptr_t i = 0; i < 8; i++)
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, hammer, (void *)i), 0);
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(th[i], &ret), 0);
		ck_assert_ptr_null(ret);
	}
}
END_TEST

/* ---- a hostile gofer ------------------------------------------------------
 */

enum evil {
	WRONG_TAG,
	WRONG_OP,
	BAD_FLAGS,
	SHORT_BODY,
	LONG_BODY,
	OVERSIZE,
	ERROR_NEGATIVE,
	ERROR_HUGE,
	ERROR_WITH_BODY,
	EXTRA_FD,
	NO_FD,
	TWO_FDS,
	MANY_FDS,
	FD_WITH_ERROR,
	OPEN_WITH_BODY,
	CREATE_SHORT,
	WALK_TOO_MANY,
	WALK_BAD_STOP,
	WALK_STOP_AFTER_ALL,
	WALK_SHORT,
	DENTS_MISSING,
	DENTS_DOTDOT,
	DENTS_SLASH,
	DENTS_OVER_COUNT,
	DENTS_NO_PROGRESS,
	DENTS_BAD_TYPE,
	CONNECT_NOT_SOCKET,
	BIND_NOT_SOCKET,
	LOOKUP_NONE,
	LOOKUP_TOO_MANY,
	LOOKUP_BAD_FLAGS,
	LOOKUP_TARGET_NOT_LINK,
	LOOKUP_TARGET_NUL,
	LOOKUP_LEFT_OVER,
	XATTR_TOO_LONG,
	XATTR_SHORT,
	LINK_NUL,
	LINK_SHORT,
	LINK_TOO_LONG,
	GARBAGE,
	EMPTY,
	SILENT,
	VERSION_OTHER,
	VERSION_TINY,
	VERSION_HUGE,
	EVIL_COUNT
};

static int evil_sock, evil_requests;
static enum evil evil_kind;

/* Send len bytes of buf with nfds open fds of /dev/null. */
static void evil_send(const void *buf, size_t len, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)] = {0};
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[8];

	ck_assert_int_le(nfds, 8);
	for (int i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	sendmsg(evil_sock, &mh, MSG_NOSIGNAL);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

/* The hostile getdents asks for this much: three short entries fit. */
#define EVIL_COUNT_BYTES 100
#define LONG_NAME	 "a-name-long-enough-to-overflow-the-count-of-the-request"
_Static_assert(3 * (sizeof(struct gofer_dirent) + 2 + 1) <= EVIL_COUNT_BYTES,
	       "three short entries fit");
_Static_assert(2 * (sizeof(struct gofer_dirent) + 2 + 1) +
		       sizeof(struct gofer_dirent) + 2 + sizeof(LONG_NAME) - 1 >
		   EVIL_COUNT_BYTES,
	       "the long one does not");

static void put_dirent(struct gofer_msg *m, const char *name, uint8_t type)
{
	struct gofer_dirent d = {.ino = 5, .next = 9, .type = type};

	gofer_put(m, &d, sizeof(d));
	gofer_put_str(m, name, strlen(name));
}

/* The reply that evil_kind makes to the request in buf. */
static void evil_reply(uint8_t *buf, const struct gofer_hdr *req)
{
	static uint8_t out[GOFER_MSG_MAX + 64];
	struct gofer_stat st = {.mode = S_IFREG | 0644};
	struct gofer_node node = {.fid = 3, .st = st};
	struct gofer_msg m;
	int nfds = 0;
	long len;

	(void)buf;
	gofer_begin(&m, out, GOFER_MSG_MAX, req->op, req->tag, 0);
	switch (evil_kind) {
	case WRONG_TAG:
		m.buf[8]++; /* struct gofer_hdr's tag */
		gofer_put(&m, &st, sizeof(st));
		break;
	case WRONG_OP:
		gofer_begin(&m, out, GOFER_MSG_MAX, GOFER_FSYNC, req->tag, 0);
		gofer_put(&m, &st, sizeof(st));
		break;
	case BAD_FLAGS:
		m.buf[6] = 1; /* struct gofer_hdr's flags */
		gofer_put(&m, &st, sizeof(st));
		break;
	case SHORT_BODY:
		gofer_put(&m, &st, sizeof(st) - 8);
		break;
	case LONG_BODY:
		gofer_put(&m, &st, sizeof(st));
		gofer_put(&m, &st, 8);
		break;
	case OVERSIZE:
		/* One packet bigger than any message: truncated on receipt */
		memset(out, 0, sizeof(out));
		gofer_end(&m);
		evil_send(out, sizeof(out), 0);
		return;
	case ERROR_NEGATIVE:
		gofer_begin(&m, out, GOFER_MSG_MAX, req->op, req->tag, -5);
		break;
	case ERROR_HUGE:
		gofer_begin(&m, out, GOFER_MSG_MAX, req->op, req->tag, 70000);
		break;
	case ERROR_WITH_BODY:
		gofer_begin(&m, out, GOFER_MSG_MAX, req->op, req->tag, ENOENT);
		gofer_put(&m, &st, sizeof(st));
		break;
	case EXTRA_FD: /* to STAT */
		gofer_put(&m, &st, sizeof(st));
		nfds = 1;
		break;
	case NO_FD: /* to OPEN */
		break;
	case TWO_FDS: /* to OPEN */
		nfds = 2;
		break;
	case MANY_FDS: /* to OPEN: more than the client takes in */
		nfds = 8;
		break;
	case FD_WITH_ERROR: /* to OPEN */
		gofer_begin(&m, out, GOFER_MSG_MAX, req->op, req->tag, ENOENT);
		nfds = 1;
		break;
	case OPEN_WITH_BODY:
		gofer_put(&m, &st, 8);
		nfds = 1;
		break;
	case CREATE_SHORT:
		gofer_put(&m, &node, sizeof(node) - 1);
		nfds = 1;
		break;
	case WALK_TOO_MANY: /* one name asked, two given */
	case WALK_BAD_STOP:
	case WALK_STOP_AFTER_ALL:
	case WALK_SHORT: {
		struct gofer_walk_rep rep = {.nwalked = 1};

		if (evil_kind == WALK_TOO_MANY)
			rep.nwalked = 2;
		if (evil_kind == WALK_BAD_STOP) {
			rep.nwalked = 0;
			rep.stop_error = -3;
		}
		if (evil_kind == WALK_STOP_AFTER_ALL)
			rep.stop_error = ENOENT;
		gofer_put(&m, &rep, sizeof(rep));
		if (rep.nwalked)
			gofer_put(&m, &node, sizeof(node));
		if (evil_kind == WALK_TOO_MANY)
			gofer_put(&m, &node, sizeof(node));
		if (evil_kind == WALK_SHORT)
			m.len -= 4;
		break;
	}
	case DENTS_MISSING:
	case DENTS_DOTDOT:
	case DENTS_SLASH:
	case DENTS_OVER_COUNT:
	case DENTS_NO_PROGRESS:
	case DENTS_BAD_TYPE: {
		/* Good entries first: none may be emitted */
		struct gofer_getdents_rep rep = {.n = 3};

		if (evil_kind == DENTS_MISSING)
			rep.n = 4;
		if (evil_kind == DENTS_NO_PROGRESS)
			rep.n = 0;
		gofer_put(&m, &rep, sizeof(rep));
		if (evil_kind == DENTS_NO_PROGRESS)
			break;
		put_dirent(&m, "a", DT_REG);
		put_dirent(&m, "b", DT_REG);
		if (evil_kind == DENTS_DOTDOT)
			put_dirent(&m, "..", DT_DIR);
		else if (evil_kind == DENTS_SLASH)
			put_dirent(&m, "c/d", DT_REG);
		else if (evil_kind == DENTS_OVER_COUNT)
			put_dirent(&m, LONG_NAME, DT_REG);
		else if (evil_kind == DENTS_BAD_TYPE)
			put_dirent(&m, "c", 200);
		else
			put_dirent(&m, "c", DT_REG);
		break;
	}
	case CONNECT_NOT_SOCKET: /* /dev/null for a socket */
		nfds = 1;
		break;
	case BIND_NOT_SOCKET:
		node.st.mode = S_IFSOCK | 0600;
		gofer_put(&m, &node, sizeof(node));
		nfds = 1;
		break;
	case LOOKUP_NONE:
	case LOOKUP_TOO_MANY:
	case LOOKUP_BAD_FLAGS:
	case LOOKUP_TARGET_NOT_LINK:
	case LOOKUP_TARGET_NUL:
	case LOOKUP_LEFT_OVER: { /* asked: one name */
		struct gofer_lookup_rep rep = {.n = 1};
		struct gofer_lookup_ent e = {.node = node};

		if (evil_kind == LOOKUP_NONE)
			rep.n = 0;
		if (evil_kind == LOOKUP_TOO_MANY)
			rep.n = 2;
		if (evil_kind == LOOKUP_BAD_FLAGS)
			e.flags = 2;
		if (evil_kind == LOOKUP_TARGET_NOT_LINK ||
		    evil_kind == LOOKUP_TARGET_NUL)
			e.flags = GOFER_LOOKUP_TARGET;
		if (evil_kind == LOOKUP_TARGET_NUL)
			e.node.st.mode = S_IFLNK | 0777;
		gofer_put(&m, &rep, sizeof(rep));
		for (unsigned i = 0; i < rep.n; i++)
			gofer_put(&m, &e, sizeof(e));
		if (e.flags)
			gofer_put_str(&m, "a\0b", 3);
		if (evil_kind == LOOKUP_LEFT_OVER)
			gofer_put(&m, &e, 4);
		break;
	}
	case XATTR_TOO_LONG: /* asked: at most 4 bytes */
	case XATTR_SHORT: {
		struct gofer_xattr_rep rep = {.len = 8};

		if (evil_kind == XATTR_SHORT)
			rep.len = 3;
		gofer_put(&m, &rep, sizeof(rep));
		gofer_put(&m, "abcdefgh", evil_kind == XATTR_SHORT ? 2 : 8);
		break;
	}
	case LINK_NUL:
		gofer_put_str(&m, "a\0b", 3);
		break;
	case LINK_SHORT:
		gofer_put_str(&m, "abcdef", 6);
		m.len -= 2;
		break;
	case LINK_TOO_LONG: {
		static char t[GOFER_PATH_MAX + 1];

		memset(t, 't', sizeof(t));
		gofer_put_str(&m, t, sizeof(t));
		break;
	}
	case GARBAGE:
		memset(out, 0xa5, 40);
		evil_send(out, 40, 0);
		return;
	case EMPTY:
		evil_send(out, 0, 0);
		return;
	default:
		ck_abort_msg("evil kind %d", evil_kind);
	}
	len = gofer_end(&m); /* the size field is always right */
	ck_assert_int_gt(len, 0);
	evil_send(out, (size_t)len, nfds);
}

static void *evil_serve(void *arg)
{
	static uint8_t buf[GOFER_MSG_MAX];
	struct gofer_version v = {GOFER_VERSION, GOFER_MSG_MAX};
	struct gofer_hdr h;
	struct gofer_msg m;
	ssize_t n;

	(void)arg;
	/* The handshake, honest unless it is the lie */
	n = recv(evil_sock, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, sizeof(h) + sizeof(v));
	memcpy(&h, buf, sizeof(h));
	ck_assert_int_eq(h.op, GOFER_VERSION_OP);
	if (evil_kind == VERSION_OTHER)
		v.version = 2;
	if (evil_kind == VERSION_TINY)
		v.msize = 4096;
	if (evil_kind == VERSION_HUGE)
		v.msize = GOFER_MSG_MAX * 2;
	gofer_begin(&m, buf, GOFER_MSG_MAX, h.op, h.tag, 0);
	gofer_put(&m, &v, sizeof(v));
	evil_send(buf, (size_t)gofer_end(&m), 0);
	if (evil_kind >= VERSION_OTHER)
		return NULL;
	/* The one request, and the bad answer */
	n = recv(evil_sock, buf, sizeof(buf), 0);
	ck_assert_int_ge(n, (ssize_t)sizeof(h));
	memcpy(&h, buf, sizeof(h));
	if (evil_kind == SILENT) {
		shutdown(evil_sock, SHUT_RDWR);
		return NULL;
	}
	evil_reply(buf, &h);
	/* A broken client asks nothing more */
	while (recv(evil_sock, buf, sizeof(buf), 0) > 0)
		evil_requests++;
	return NULL;
}

static int never_emit(void *arg, const char *name, size_t len, uint64_t ino,
		      unsigned type, uint64_t next)
{
	(void)arg;
	(void)name;
	(void)len;
	(void)ino;
	(void)type;
	(void)next;
	ck_abort_msg("emitted an entry of a malformed reply");
	return 1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Make the call that evil_kind answers; its result. */
static long evil_call(struct gofer_client *c, int *fd)
{
	struct gofer_node node;
	struct gofer_stat st;
	const char *name = "x";
	unsigned walked = 9;
	uint64_t off = 0;
	bool eof = false;
	char buf[16];
	long r;
	int stop = 9;

	switch (evil_kind) {
	case NO_FD:
	case TWO_FDS:
	case MANY_FDS:
	case FD_WITH_ERROR:
	case OPEN_WITH_BODY:
		return gofer_open(c, 0, O_RDONLY, fd);
	case CREATE_SHORT:
		return gofer_create(c, 0, "x", O_RDWR, 0600, 0, 0, &node, fd);
	case WALK_TOO_MANY:
	case WALK_BAD_STOP:
	case WALK_STOP_AFTER_ALL:
	case WALK_SHORT:
		r = gofer_walk(c, 0, &name, 1, &node, &walked, &stop);
		ck_assert_uint_eq(walked, 0);
		ck_assert_int_eq(stop, 0);
		return r;
	case DENTS_MISSING:
	case DENTS_DOTDOT:
	case DENTS_SLASH:
	case DENTS_OVER_COUNT:
	case DENTS_NO_PROGRESS:
	case DENTS_BAD_TYPE:
		r = gofer_getdents(c, 0, &off, EVIL_COUNT_BYTES, never_emit,
				   NULL, &eof);
		ck_assert_uint_eq(off, 0);
		ck_assert(!eof);
		return r;
	case CONNECT_NOT_SOCKET:
		return gofer_connect(c, 0, SOCK_STREAM, fd);
	case BIND_NOT_SOCKET:
		return gofer_bind(c, 0, "s", SOCK_STREAM, 0600, 0, 0, &node,
				  fd);
	case LOOKUP_NONE:
	case LOOKUP_TOO_MANY:
	case LOOKUP_BAD_FLAGS:
	case LOOKUP_TARGET_NOT_LINK:
	case LOOKUP_TARGET_NUL:
	case LOOKUP_LEFT_OVER: {
		struct gofer_lookup_result res[2];
		unsigned done = 9;

		r = gofer_lookup(c, 0, &name, 1, res, &done);
		ck_assert_uint_eq(done, 0);
		return r;
	}
	case XATTR_TOO_LONG:
		return gofer_getxattr(c, 0, "user.x", buf, 4);
	case XATTR_SHORT:
		return gofer_listxattr(c, 0, buf, 4);
	case LINK_NUL:
	case LINK_SHORT:
	case LINK_TOO_LONG:
		return gofer_readlink(c, 0, buf, sizeof(buf));
	default:
		return gofer_stat(c, 0, &st);
	}
}

START_TEST(test_client_hostile)
{
	int before = count_fds();

	for (int k = 0; k < EVIL_COUNT; k++) {
		struct gofer_client c;
		struct gofer_stat st;
		pthread_t th;
		int sv[2], fd = 77;
		long r;

		ck_assert_int_eq(
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv),
		    0);
		evil_sock = sv[1];
		evil_kind = (enum evil)k;
		evil_requests = 0;
		ck_assert_int_eq(pthread_create(&th, NULL, evil_serve, NULL),
				 0);
		r = gofer_client_init(&c, sv[0]);
		if (k >= VERSION_OTHER) {
			/* A failed init has closed the socket. */
			ck_assert_msg(r == -EIO, "kind %d: init %ld", k, r);
			ck_assert_int_eq(c.sock, -1);
			ck_assert_int_eq(gofer_stat(&c, 0, &st), -EIO);
			gofer_client_destroy(&c);
			pthread_join(th, NULL);
			close(sv[1]);
			continue;
		}
		ck_assert_int_eq(r, 0);
		r = evil_call(&c, &fd);
		ck_assert_msg(r == -EIO, "kind %d: got %ld", k, r);
		ck_assert(c.broken);
		if (fd != 77)
			ck_assert_int_eq(fd, -1);
		/* Broken for good, without asking again */
		ck_assert_int_eq(gofer_stat(&c, 0, &st), -EIO);
		fd = 77;
		ck_assert_int_eq(gofer_open(&c, 0, O_RDONLY, &fd), -EIO);
		ck_assert_int_eq(fd, -1);
		gofer_client_destroy(&c);
		pthread_join(th, NULL);
		ck_assert_msg(evil_requests == 0, "kind %d: asked again", k);
		close(sv[1]);
	}
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

/* A peer gone before VERSION: EIO, and every call after it too. */
START_TEST(test_client_peer_gone)
{
	struct gofer_client c;
	struct gofer_stat st;
	int sv[2];

	ck_assert_int_eq(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	/* The peer hung up before VERSION */
	close(sv[1]);
	ck_assert_int_eq(gofer_client_init(&c, sv[0]), -EIO);
	ck_assert_int_eq(gofer_stat(&c, 0, &st), -EIO);
	gofer_client_destroy(&c);
}
END_TEST

static Suite *gofer_client_suite(void)
{
	Suite *s = suite_create("gofer_client");
	TCase *tc;

	/* The same tests against a server thread, then the gofer process. */
	for (int process = 0; process < 2; process++) {
		tc = tcase_create(process ? "process" : "thread");
		tcase_add_checked_fixture(
		    tc, process ? process_setup : thread_setup, teardown);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, test_client_attach);
		tcase_add_test(tc, test_client_walk);
		tcase_add_test(tc, test_client_open);
		tcase_add_test(tc, test_client_create);
		tcase_add_test(tc, test_client_mkdir_mknod_link);
		tcase_add_test(tc, test_client_symlink_readlink);
		tcase_add_test(tc, test_client_unlink_rename);
		tcase_add_test(tc, test_client_getdents);
		tcase_add_test(tc, test_client_stat_setattr);
		tcase_add_test(tc, test_client_clunk);
		tcase_add_test(tc, test_client_uds);
		tcase_add_test(tc, test_client_lookup);
		tcase_add_test(tc, test_client_threads);
		suite_add_tcase(s, tc);
	}
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_client_hostile);
	tcase_add_test(tc, test_client_peer_gone);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(gofer_client_suite)
