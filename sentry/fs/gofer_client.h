/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sentry's end of the gofer protocol (gofer/protocol.h): one call per
 * request, answered synchronously. The gofer is treated as untrusted: every
 * reply is checked (tag, op, exact sizes, counts no larger than asked, the
 * right number of fds); a violation or a transport failure breaks the
 * client for good and every call after it fails with EIO.
 *
 * Calls are serialized by one lock across each exchange; a later version
 * may keep several requests in flight, matched by tag.
 */
#ifndef MOAT_FS_GOFER_CLIENT_H
#define MOAT_FS_GOFER_CLIENT_H

#include "gofer/protocol.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gofer_client {
	int sock;
	pthread_mutex_t lock;
	uint32_t next_tag;
	uint32_t msize;
	bool broken;  /* a violation or transport failure: EIO for good */
	uint8_t *buf; /* GOFER_MSG_MAX, requests and replies */
};

/*
 * Take sock (closed on failure too) and agree on the version and message
 * size. 0 or -errno; -EIO if the gofer answered nonsense.
 */
int gofer_client_init(struct gofer_client *c, int sock);
/* Close the socket; no call may be in progress or follow. */
void gofer_client_destroy(struct gofer_client *c);

/*
 * Every call below returns 0 (or a count), the gofer's error as -errno,
 * -EIO once the client is broken, or -EINVAL/-ENAMETOOLONG for a name the
 * protocol refuses ("", ".", "..", '/', longer than GOFER_NAME_MAX; a
 * symlink target longer than GOFER_PATH_MAX), without asking the gofer.
 */

int gofer_attach(struct gofer_client *c, uint32_t mount,
		 struct gofer_node *out);
/*
 * Walk names[0..n) from dir, 0 < n <= GOFER_WALK_MAX: nodes[0..*nwalked)
 * get fids; *stop_error is the positive errno of the component that
 * stopped the walk, or 0 (all walked; or stopped after a symlink, which is
 * the caller's to resolve; or the reply was full: walk on from the last).
 */
int gofer_walk(struct gofer_client *c, uint32_t dir, const char *const *names,
	       unsigned n, struct gofer_node *nodes, unsigned *nwalked,
	       int *stop_error);
/* A host fd (O_CLOEXEC) for fid, opened with host O_* flags; -1 on error. */
int gofer_open(struct gofer_client *c, uint32_t fid, uint32_t flags,
	       int *fd_out);
/* Create and open name in dir: its node, and its fd as gofer_open's. */
int gofer_create(struct gofer_client *c, uint32_t dir, const char *name,
		 uint32_t flags, uint32_t mode, uint32_t uid, uint32_t gid,
		 struct gofer_node *out, int *fd_out);
int gofer_mkdir(struct gofer_client *c, uint32_t dir, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct gofer_node *out);
int gofer_mknod(struct gofer_client *c, uint32_t dir, const char *name,
		uint32_t mode, uint64_t rdev, uint32_t uid, uint32_t gid,
		struct gofer_node *out);
int gofer_symlink(struct gofer_client *c, uint32_t dir, const char *name,
		  const char *target, uint32_t uid, uint32_t gid,
		  struct gofer_node *out);
int gofer_link(struct gofer_client *c, uint32_t dir, const char *name,
	       uint32_t target, struct gofer_node *out);
int gofer_unlink(struct gofer_client *c, uint32_t dir, const char *name,
		 uint32_t flags);
int gofer_rename(struct gofer_client *c, uint32_t olddir, const char *oldname,
		 uint32_t newdir, const char *newname, uint32_t flags);
/* The target's length (truncated to len), not NUL-terminated. */
ssize_t gofer_readlink(struct gofer_client *c, uint32_t fid, char *buf,
		       size_t len);
/*
 * Entries of dir from *offset (0: the start), at most count bytes of them:
 * emit for each (nonzero stops early, and the entry stays unconsumed);
 * *offset is then where to go on, *eof set at the end. The whole reply is
 * checked before the first emit. emit runs with the client's lock held:
 * it must not call the client.
 */
int gofer_getdents(struct gofer_client *c, uint32_t dir, uint64_t *offset,
		   uint32_t count,
		   int (*emit)(void *arg, const char *name, size_t len,
			       uint64_t ino, unsigned type, uint64_t next),
		   void *arg, bool *eof);
int gofer_stat(struct gofer_client *c, uint32_t fid, struct gofer_stat *st);
int gofer_setattr(struct gofer_client *c, const struct gofer_setattr_req *req,
		  struct gofer_stat *st);
int gofer_statfs(struct gofer_client *c, uint32_t fid, struct gofer_statfs *st);
int gofer_fsync(struct gofer_client *c, uint32_t fid);
/*
 * Host unix sockets (protocol.h): a non-blocking socket of type connected
 * to the socket file fid, or bound to a new socket file name in dir; its
 * host fd in *fd_out (-1 on error).
 */
int gofer_connect(struct gofer_client *c, uint32_t fid, uint32_t type,
		  int *fd_out);
int gofer_bind(struct gofer_client *c, uint32_t dir, const char *name,
	       uint32_t type, uint32_t mode, uint32_t uid, uint32_t gid,
	       struct gofer_node *out, int *fd_out);
/* One name's answer to a LOOKUP. */
struct gofer_lookup_result {
	int error; /* positive errno; 0: node holds a new fid */
	struct gofer_node node;
	char *target; /* a symlink's target when the gofer sent it, malloc'd */
	size_t target_len;
};

/*
 * Look up names[0..n) in dir (siblings, not a path), as many as one
 * request and its reply hold: res[0..*ndone), *ndone >= 1 on success.
 * The caller owns the fids of the results without error and frees the
 * targets (gofer_lookup_results_free).
 */
int gofer_lookup(struct gofer_client *c, uint32_t dir, const char *const *names,
		 unsigned n, struct gofer_lookup_result *res, unsigned *ndone);
void gofer_lookup_results_free(struct gofer_lookup_result *res, unsigned n);
/*
 * Extended attributes of fid's file, as getxattr(2) and listxattr(2):
 * the length (with size 0), or the bytes copied to buf; -E2BIG for more
 * than one message holds.
 */
ssize_t gofer_getxattr(struct gofer_client *c, uint32_t fid, const char *name,
		       void *buf, size_t size);
ssize_t gofer_listxattr(struct gofer_client *c, uint32_t fid, char *buf,
			size_t size);
/*
 * Set name to value (flags XATTR_CREATE/REPLACE), or remove it
 * (GOFER_XATTR_REMOVE, size 0): the file's new name-list length.
 */
ssize_t gofer_setxattr(struct gofer_client *c, uint32_t fid, const char *name,
		       const void *value, size_t size, uint32_t flags);
/* Forget fids, GOFER_CLUNK_MAX per request; -EBADF if one was unknown. */
int gofer_clunk(struct gofer_client *c, const uint32_t *fids, unsigned n);

#endif
