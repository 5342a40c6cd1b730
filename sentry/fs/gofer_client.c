// SPDX-License-Identifier: Apache-2.0
/* The sentry's gofer client (gofer_client.h). */
#include "sentry/fs/gofer_client.h"

#include "sentry/kernel/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* fds a reply may bring in before the rest are refused (MSG_CTRUNC) */
#define MAX_FDS 4

/*
 * The smallest message size the client accepts: its largest request, a
 * WALK of GOFER_WALK_MAX longest names, must fit, and so every request
 * does (CLUNK of GOFER_CLUNK_MAX fids and SYMLINK are smaller).
 */
#define MSIZE_MIN                                                              \
	(sizeof(struct gofer_hdr) + sizeof(struct gofer_walk_req) +            \
	 GOFER_WALK_MAX * (2 + GOFER_NAME_MAX))
_Static_assert(MSIZE_MIN <= GOFER_MSG_MAX, "a WALK fits a message");
_Static_assert(sizeof(struct gofer_hdr) + sizeof(struct gofer_clunk_req) +
		       GOFER_CLUNK_MAX * sizeof(uint32_t) <=
		   MSIZE_MIN,
	       "a CLUNK fits the smallest message");
_Static_assert(sizeof(struct gofer_hdr) + sizeof(struct gofer_symlink_req) + 2 +
		       GOFER_NAME_MAX + 2 + GOFER_PATH_MAX <=
		   MSIZE_MIN,
	       "a SYMLINK fits the smallest message");

static int broken(struct gofer_client *c, const char *why)
{
	if (!c->broken)
		log_warn("gofer: %s; the filesystem fails with EIO from now on",
			 why);
	c->broken = true;
	return -EIO;
}

/*
 * Send the request in c->buf and receive its reply there. Returns 0 with
 * *r over the body, the gofer's error as -errno, or -EIO on a protocol
 * violation or a transport failure. With fd_out, the reply to a success
 * must carry exactly one fd, which goes there; any other fd is closed and
 * breaks the client.
 */
static int transact(struct gofer_client *c, long len, uint16_t op, uint32_t tag,
		    int *fd_out, struct gofer_reader *r)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = {c->buf, (size_t)len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[MAX_FDS], nfds = 0;
	struct gofer_hdr h;
	ssize_t n;

	if (fd_out)
		*fd_out = -1;
	if (c->broken)
		return -EIO;
	if (len < 0)
		return -EMSGSIZE; /* cannot happen: see MSIZE_MIN */
	do
		n = sendmsg(c->sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != len)
		return broken(c, "cannot send to the gofer");
	iov.iov_len = GOFER_MSG_MAX;
	mh = (struct msghdr){.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	do
		n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		mh.msg_controllen = 0; /* not written back: cbuf is garbage */
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0;
		     i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (nfds < MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	if (n <= 0 || (size_t)n > c->msize ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    gofer_parse(c->buf, (size_t)n, &h, r) || h.tag != tag ||
	    h.op != op || (h.error && r->left) ||
	    nfds != (fd_out && !h.error ? 1 : 0)) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return broken(c, n <= 0 ? "the gofer is gone"
					: "malformed reply from the gofer");
	}
	if (h.error)
		return -h.error;
	if (fd_out)
		*fd_out = fds[0];
	return 0;
}

/*
 * Start a request in c->buf (the lock held); its tag. A client whose init
 * failed has no buffer: the message overflows, harmlessly, and transact
 * answers EIO.
 */
static uint32_t begin(struct gofer_client *c, struct gofer_msg *m, uint16_t op)
{
	uint32_t tag = c->next_tag++;

	gofer_begin(m, c->buf, c->buf ? c->msize : 0, op, tag, 0);
	return tag;
}

/* The reply must be exactly this much. */
static int get_exact(struct gofer_client *c, struct gofer_reader *r, void *p,
		     size_t len)
{
	if (gofer_get(r, p, len) || gofer_done(r))
		return broken(c, "malformed reply from the gofer");
	return 0;
}

/*
 * Send op with the fixed body q and up to two strings (NULL: none) and
 * receive the reply into *r; the lock is held by the caller.
 */
static int request(struct gofer_client *c, uint16_t op, const void *q,
		   size_t qlen, const char *s1, const char *s2, int *fd_out,
		   struct gofer_reader *r)
{
	struct gofer_msg m;
	uint32_t tag = begin(c, &m, op);

	gofer_put(&m, q, qlen);
	if (s1)
		gofer_put_str(&m, s1, strlen(s1));
	if (s2)
		gofer_put_str(&m, s2, strlen(s2));
	return transact(c, gofer_end(&m), op, tag, fd_out, r);
}

static int check_name(const char *name)
{
	size_t len = strlen(name);

	if (len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strchr(name, '/'))
		return -EINVAL;
	return 0;
}

static int check_names(const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int err = check_name(names[i]);

		if (err)
			return err;
	}
	return 0;
}

int gofer_client_init(struct gofer_client *c, int sock)
{
	struct gofer_version v = {GOFER_VERSION, GOFER_MSG_MAX};
	struct gofer_reader r;
	struct gofer_msg m;
	uint32_t tag;
	int err;

	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->next_tag = 1;
	c->msize = GOFER_MSG_MAX;
	pthread_mutex_init(&c->lock, NULL);
	c->buf = malloc(GOFER_MSG_MAX);
	if (!c->buf) {
		err = -ENOMEM;
		goto out_fail;
	}
	tag = begin(c, &m, GOFER_VERSION_OP);
	gofer_put(&m, &v, sizeof(v));
	err = transact(c, gofer_end(&m), GOFER_VERSION_OP, tag, NULL, &r);
	if (!err)
		err = get_exact(c, &r, &v, sizeof(v));
	if (!err && (v.version != GOFER_VERSION || v.msize < MSIZE_MIN ||
		     v.msize > GOFER_MSG_MAX))
		err = broken(c, "the gofer speaks another version");
	if (err)
		goto out_fail;
	c->msize = v.msize;
	return 0;

out_fail:
	/* The socket was taken: a failed client holds nothing. */
	c->broken = true;
	close(c->sock);
	c->sock = -1;
	free(c->buf);
	c->buf = NULL;
	return err;
}

void gofer_client_destroy(struct gofer_client *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	free(c->buf);
	c->buf = NULL;
	c->broken = true;
	pthread_mutex_destroy(&c->lock);
}

/* A reply that is one node. */
static int node_reply(struct gofer_client *c, int err, struct gofer_reader *r,
		      struct gofer_node *out)
{
	if (err)
		return err;
	return get_exact(c, r, out, sizeof(*out));
}

int gofer_attach(struct gofer_client *c, uint32_t mount, struct gofer_node *out)
{
	struct gofer_attach_req q = {.mount = mount};
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_ATTACH, &q, sizeof(q), NULL, NULL, NULL, &r);
	err = node_reply(c, err, &r, out);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_walk(struct gofer_client *c, uint32_t dir, const char *const *names,
	       unsigned n, struct gofer_node *nodes, unsigned *nwalked,
	       int *stop_error)
{
	struct gofer_walk_req q = {.fid = dir, .nnames = (uint16_t)n};
	struct gofer_walk_rep rep;
	struct gofer_reader r;
	struct gofer_msg m;
	uint32_t tag;
	int err = 0;

	*nwalked = 0;
	*stop_error = 0;
	if (n == 0 || n > GOFER_WALK_MAX)
		return -EINVAL;
	err = check_names(names, n);
	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	tag = begin(c, &m, GOFER_WALK);
	gofer_put(&m, &q, sizeof(q));
	for (unsigned i = 0; i < n; i++)
		gofer_put_str(&m, names[i], strlen(names[i]));
	err = transact(c, gofer_end(&m), GOFER_WALK, tag, NULL, &r);
	/*
	 * A walk stops short with the reason, or without one at a symlink
	 * (the sentry's to resolve) or where the reply was full; never with
	 * a reason after walking everything.
	 */
	if (!err && (gofer_get(&r, &rep, sizeof(rep)) || rep.nwalked > n ||
		     rep.stop_error < 0 || rep.stop_error > 4095 ||
		     (rep.nwalked == n && rep.stop_error) ||
		     r.left != rep.nwalked * sizeof(struct gofer_node)))
		err = broken(c, "malformed walk reply from the gofer");
	if (!err) {
		gofer_get(&r, nodes, rep.nwalked * sizeof(struct gofer_node));
		*nwalked = rep.nwalked;
		*stop_error = rep.stop_error;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_open(struct gofer_client *c, uint32_t fid, uint32_t flags,
	       int *fd_out)
{
	struct gofer_open_req q = {.fid = fid, .flags = flags};
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_OPEN, &q, sizeof(q), NULL, NULL, fd_out, &r);
	if (!err && gofer_done(&r)) {
		close(*fd_out);
		*fd_out = -1;
		err = broken(c, "malformed open reply from the gofer");
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

/*
 * A reply of one node and one fd: both checked, the fd's file type
 * against type (a gofer must not slip the sentry some other host file).
 */
static int node_fd_reply(struct gofer_client *c, int err,
			 struct gofer_reader *r, struct gofer_node *out,
			 int *fd_out, mode_t type)
{
	struct stat st;

	if (!err && out)
		err = get_exact(c, r, out, sizeof(*out));
	else if (!err && gofer_done(r))
		err = broken(c, "malformed reply from the gofer");
	if (!err && (fstat(*fd_out, &st) || (st.st_mode & S_IFMT) != type ||
		     (out && (out->st.mode & S_IFMT) != type)))
		err = broken(c, "the gofer sent the wrong kind of file");
	if (err && *fd_out >= 0) {
		close(*fd_out);
		*fd_out = -1;
	}
	return err;
}

int gofer_create(struct gofer_client *c, uint32_t dir, const char *name,
		 uint32_t flags, uint32_t mode, uint32_t uid, uint32_t gid,
		 struct gofer_node *out, int *fd_out)
{
	struct gofer_create_req q = {.dirfid = dir,
				     .flags = flags,
				     .mode = mode,
				     .uid = uid,
				     .gid = gid};
	struct gofer_reader r;
	int err = check_name(name);

	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_CREATE, &q, sizeof(q), name, NULL, fd_out, &r);
	err = node_fd_reply(c, err, &r, out, fd_out, S_IFREG);
	pthread_mutex_unlock(&c->lock);
	return err;
}

static int mknod_op(struct gofer_client *c, uint16_t op, uint32_t dir,
		    const char *name, uint32_t mode, uint64_t rdev,
		    uint32_t uid, uint32_t gid, struct gofer_node *out)
{
	struct gofer_mknod_req q = {
	    .dirfid = dir, .mode = mode, .rdev = rdev, .uid = uid, .gid = gid};
	struct gofer_reader r;
	int err = check_name(name);

	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	err = request(c, op, &q, sizeof(q), name, NULL, NULL, &r);
	err = node_reply(c, err, &r, out);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_mkdir(struct gofer_client *c, uint32_t dir, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct gofer_node *out)
{
	return mknod_op(c, GOFER_MKDIR, dir, name, mode, 0, uid, gid, out);
}

int gofer_mknod(struct gofer_client *c, uint32_t dir, const char *name,
		uint32_t mode, uint64_t rdev, uint32_t uid, uint32_t gid,
		struct gofer_node *out)
{
	return mknod_op(c, GOFER_MKNOD, dir, name, mode, rdev, uid, gid, out);
}

int gofer_symlink(struct gofer_client *c, uint32_t dir, const char *name,
		  const char *target, uint32_t uid, uint32_t gid,
		  struct gofer_node *out)
{
	struct gofer_symlink_req q = {.dirfid = dir, .uid = uid, .gid = gid};
	struct gofer_reader r;
	int err = check_name(name);

	if (err)
		return err;
	if (strlen(target) > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_SYMLINK, &q, sizeof(q), name, target, NULL, &r);
	err = node_reply(c, err, &r, out);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_link(struct gofer_client *c, uint32_t dir, const char *name,
	       uint32_t target, struct gofer_node *out)
{
	struct gofer_link_req q = {.dirfid = dir, .target = target};
	struct gofer_reader r;
	int err = check_name(name);

	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_LINK, &q, sizeof(q), name, NULL, NULL, &r);
	err = node_reply(c, err, &r, out);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* A request whose reply has no body. */
static int empty_reply(struct gofer_client *c, int err, struct gofer_reader *r)
{
	if (!err && gofer_done(r))
		err = broken(c, "malformed reply from the gofer");
	return err;
}

int gofer_unlink(struct gofer_client *c, uint32_t dir, const char *name,
		 uint32_t flags)
{
	struct gofer_unlink_req q = {.dirfid = dir, .flags = flags};
	struct gofer_reader r;
	int err = check_name(name);

	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_UNLINK, &q, sizeof(q), name, NULL, NULL, &r);
	err = empty_reply(c, err, &r);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_rename(struct gofer_client *c, uint32_t olddir, const char *oldname,
		 uint32_t newdir, const char *newname, uint32_t flags)
{
	struct gofer_rename_req q = {
	    .olddirfid = olddir, .newdirfid = newdir, .flags = flags};
	struct gofer_reader r;
	int err = check_name(oldname);

	if (!err)
		err = check_name(newname);
	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	err =
	    request(c, GOFER_RENAME, &q, sizeof(q), oldname, newname, NULL, &r);
	err = empty_reply(c, err, &r);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* A request of just a fid. */
static int fid_request(struct gofer_client *c, uint16_t op, uint32_t fid,
		       struct gofer_reader *r)
{
	struct gofer_fid_req q = {.fid = fid};
	struct gofer_msg m;
	uint32_t tag = begin(c, &m, op);

	gofer_put(&m, &q, sizeof(q));
	return transact(c, gofer_end(&m), op, tag, NULL, r);
}

ssize_t gofer_readlink(struct gofer_client *c, uint32_t fid, char *buf,
		       size_t len)
{
	struct gofer_reader r;
	const char *s;
	size_t n;
	ssize_t ret;
	int err;

	pthread_mutex_lock(&c->lock);
	err = fid_request(c, GOFER_READLINK, fid, &r);
	if (!err && (gofer_get_str(&r, &s, &n, GOFER_PATH_MAX) ||
		     gofer_done(&r) || memchr(s, '\0', n)))
		err = broken(c, "malformed readlink reply from the gofer");
	if (err) {
		ret = err;
	} else {
		if (n > len)
			n = len;
		memcpy(buf, s, n);
		ret = (ssize_t)n;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* A reader's next directory entry, checked. */
static int get_dirent(struct gofer_reader *r, struct gofer_dirent *d,
		      const char **name, size_t *len)
{
	if (gofer_get(r, d, sizeof(*d)) || gofer_get_name(r, name, len))
		return -EINVAL;
	/* A DT_* value is a file type's four bits (S_IFMT >> 12). */
	return d->type > 15 ? -EINVAL : 0;
}

int gofer_getdents(struct gofer_client *c, uint32_t dir, uint64_t *offset,
		   uint32_t count,
		   int (*emit)(void *arg, const char *name, size_t len,
			       uint64_t ino, unsigned type, uint64_t next),
		   void *arg, bool *eof)
{
	struct gofer_getdents_req q = {
	    .fid = dir, .count = count, .offset = *offset};
	struct gofer_getdents_rep rep;
	struct gofer_reader r, body;
	struct gofer_dirent d;
	const char *name;
	size_t len;
	int err;

	*eof = false;
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_GETDENTS, &q, sizeof(q), NULL, NULL, NULL, &r);
	if (err)
		goto out;
	/*
	 * The whole reply is checked before anything is emitted: entries no
	 * more than count bytes, each well formed, and progress (entries, or
	 * the end) so that a caller's loop ends.
	 */
	if (gofer_get(&r, &rep, sizeof(rep)) || r.left > count ||
	    (!rep.n && !rep.eof)) {
		err = broken(c, "malformed getdents reply from the gofer");
		goto out;
	}
	body = r;
	for (uint32_t i = 0; i < rep.n; i++) {
		if (get_dirent(&r, &d, &name, &len)) {
			err = broken(c, "malformed directory entry from the "
					"gofer");
			goto out;
		}
	}
	if (gofer_done(&r)) {
		err = broken(c, "malformed getdents reply from the gofer");
		goto out;
	}
	for (uint32_t i = 0; i < rep.n; i++) {
		get_dirent(&body, &d, &name, &len);
		if (emit(arg, name, len, d.ino, d.type, d.next))
			goto out; /* *offset stays at this entry */
		*offset = d.next;
	}
	*eof = rep.eof;
out:
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_stat(struct gofer_client *c, uint32_t fid, struct gofer_stat *st)
{
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = fid_request(c, GOFER_STAT, fid, &r);
	if (!err)
		err = get_exact(c, &r, st, sizeof(*st));
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_setattr(struct gofer_client *c, const struct gofer_setattr_req *req,
		  struct gofer_stat *st)
{
	struct gofer_reader r;
	struct gofer_msg m;
	uint32_t tag;
	int err;

	pthread_mutex_lock(&c->lock);
	tag = begin(c, &m, GOFER_SETATTR);
	gofer_put(&m, req, sizeof(*req));
	err = transact(c, gofer_end(&m), GOFER_SETATTR, tag, NULL, &r);
	if (!err)
		err = get_exact(c, &r, st, sizeof(*st));
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_statfs(struct gofer_client *c, uint32_t fid, struct gofer_statfs *st)
{
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = fid_request(c, GOFER_STATFS, fid, &r);
	if (!err)
		err = get_exact(c, &r, st, sizeof(*st));
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_fsync(struct gofer_client *c, uint32_t fid)
{
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = fid_request(c, GOFER_FSYNC, fid, &r);
	err = empty_reply(c, err, &r);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_clunk(struct gofer_client *c, const uint32_t *fids, unsigned n)
{
	int err = 0;

	while (n > 0 && !err) {
		unsigned batch = n < GOFER_CLUNK_MAX ? n : GOFER_CLUNK_MAX;
		struct gofer_clunk_req q = {.nfids = batch};
		struct gofer_reader r;
		struct gofer_msg m;
		uint32_t tag;

		pthread_mutex_lock(&c->lock);
		tag = begin(c, &m, GOFER_CLUNK);
		gofer_put(&m, &q, sizeof(q));
		gofer_put(&m, fids, batch * sizeof(*fids));
		err = transact(c, gofer_end(&m), GOFER_CLUNK, tag, NULL, &r);
		err = empty_reply(c, err, &r);
		pthread_mutex_unlock(&c->lock);
		fids += batch;
		n -= batch;
	}
	return err;
}

int gofer_connect(struct gofer_client *c, uint32_t fid, uint32_t type,
		  int *fd_out)
{
	struct gofer_connect_req q = {.fid = fid, .type = type};
	struct gofer_reader r;
	int err;

	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_CONNECT, &q, sizeof(q), NULL, NULL, fd_out, &r);
	err = node_fd_reply(c, err, &r, NULL, fd_out, S_IFSOCK);
	pthread_mutex_unlock(&c->lock);
	return err;
}

int gofer_bind(struct gofer_client *c, uint32_t dir, const char *name,
	       uint32_t type, uint32_t mode, uint32_t uid, uint32_t gid,
	       struct gofer_node *out, int *fd_out)
{
	struct gofer_bind_req q = {
	    .dirfid = dir, .type = type, .mode = mode, .uid = uid, .gid = gid};
	struct gofer_reader r;
	int err = check_name(name);

	if (err) {
		*fd_out = -1;
		return err;
	}
	pthread_mutex_lock(&c->lock);
	err = request(c, GOFER_BIND, &q, sizeof(q), name, NULL, fd_out, &r);
	err = node_fd_reply(c, err, &r, out, fd_out, S_IFSOCK);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* The names of names[0..n) that fit one request, at most; at least one. */
static unsigned lookup_fit(const struct gofer_client *c,
			   const char *const *names, unsigned n)
{
	size_t len = sizeof(struct gofer_hdr) + sizeof(struct gofer_lookup_req);
	unsigned i;

	for (i = 0; i < n && i < GOFER_LOOKUP_MAX; i++) {
		len += 2 + strlen(names[i]);
		if (len > c->msize)
			break;
	}
	return i;
}

void gofer_lookup_results_free(struct gofer_lookup_result *res, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(res[i].target);
		res[i].target = NULL;
	}
}

/* One entry of a LOOKUP reply into *out; false if it is malformed. */
static bool lookup_entry(struct gofer_reader *r,
			 struct gofer_lookup_result *out)
{
	struct gofer_lookup_ent e;
	const char *t;
	size_t len;

	if (gofer_get(r, &e, sizeof(e)) || (e.flags & ~GOFER_LOOKUP_TARGET) ||
	    e.error < 0 || e.error > 4095)
		return false;
	*out = (struct gofer_lookup_result){.error = e.error, .node = e.node};
	if (e.error)
		return !e.flags;
	if (!(e.flags & GOFER_LOOKUP_TARGET))
		return true;
	if ((e.node.st.mode & S_IFMT) != S_IFLNK ||
	    gofer_get_str(r, &t, &len, GOFER_PATH_MAX) || len == 0 ||
	    memchr(t, '\0', len))
		return false;
	out->target = malloc(len);
	if (!out->target)
		return true; /* only a cache: read it later */
	memcpy(out->target, t, len);
	out->target_len = len;
	return true;
}

int gofer_lookup(struct gofer_client *c, uint32_t dir, const char *const *names,
		 unsigned n, struct gofer_lookup_result *res, unsigned *ndone)
{
	struct gofer_lookup_req q = {.dirfid = dir};
	struct gofer_lookup_rep rep;
	struct gofer_reader r;
	struct gofer_msg m;
	uint32_t tag;
	int err = 0;

	*ndone = 0;
	if (n == 0)
		return -EINVAL;
	err = check_names(names, n);
	if (err)
		return err;
	pthread_mutex_lock(&c->lock);
	n = c->buf ? lookup_fit(c, names, n) : 1;
	q.nnames = (uint16_t)n;
	tag = begin(c, &m, GOFER_LOOKUP);
	gofer_put(&m, &q, sizeof(q));
	for (unsigned i = 0; i < n; i++)
		gofer_put_str(&m, names[i], strlen(names[i]));
	err = transact(c, gofer_end(&m), GOFER_LOOKUP, tag, NULL, &r);
	/* Some progress, never more than asked, nothing left over. */
	if (!err &&
	    (gofer_get(&r, &rep, sizeof(rep)) || rep.n == 0 || rep.n > n))
		err = broken(c, "malformed lookup reply from the gofer");
	for (unsigned i = 0; !err && i < rep.n; i++)
		if (!lookup_entry(&r, &res[i])) {
			gofer_lookup_results_free(res, i);
			err =
			    broken(c, "malformed lookup reply from the gofer");
		}
	if (!err && gofer_done(&r)) {
		gofer_lookup_results_free(res, rep.n);
		err = broken(c, "malformed lookup reply from the gofer");
	}
	if (!err)
		*ndone = rep.n;
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* GETXATTR and LISTXATTR: name NULL for the list. */
static ssize_t xattr_get(struct gofer_client *c, uint16_t op, uint32_t fid,
			 const char *name, void *buf, size_t size)
{
	struct gofer_xattr_req q = {.fid = fid,
				    .size = size > UINT32_MAX ? UINT32_MAX
							      : (uint32_t)size};
	struct gofer_xattr_rep rep;
	struct gofer_reader r;
	ssize_t ret;
	int err;

	if (name && (!*name || strlen(name) > GOFER_XATTR_NAME_MAX))
		return -ERANGE;
	pthread_mutex_lock(&c->lock);
	err = request(c, op, &q, sizeof(q), name, NULL, NULL, &r);
	/* The length, and with a size, that many bytes: no more than size. */
	if (!err && (gofer_get(&r, &rep, sizeof(rep)) ||
		     (size && (rep.len > size || r.left != rep.len)) ||
		     (!size && r.left)))
		err = broken(c, "malformed xattr reply from the gofer");
	ret = err;
	if (!err) {
		if (size)
			gofer_get(&r, buf, rep.len);
		ret = rep.len;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

ssize_t gofer_getxattr(struct gofer_client *c, uint32_t fid, const char *name,
		       void *buf, size_t size)
{
	return xattr_get(c, GOFER_GETXATTR, fid, name, buf, size);
}

ssize_t gofer_listxattr(struct gofer_client *c, uint32_t fid, char *buf,
			size_t size)
{
	return xattr_get(c, GOFER_LISTXATTR, fid, NULL, buf, size);
}

ssize_t gofer_setxattr(struct gofer_client *c, uint32_t fid, const char *name,
		       const void *value, size_t size, uint32_t flags)
{
	struct gofer_setxattr_req q = {.fid = fid, .flags = flags};
	struct gofer_xattr_rep rep;
	struct gofer_reader r;
	struct gofer_msg m;
	uint32_t tag;
	ssize_t ret;
	int err;

	if (!*name || strlen(name) > GOFER_XATTR_NAME_MAX)
		return -ERANGE;
	pthread_mutex_lock(&c->lock);
	if (size > UINT16_MAX ||
	    sizeof(struct gofer_hdr) + sizeof(q) + 4 + strlen(name) + size >
		c->msize) {
		pthread_mutex_unlock(&c->lock);
		return -E2BIG;
	}
	tag = begin(c, &m, GOFER_SETXATTR);
	gofer_put(&m, &q, sizeof(q));
	gofer_put_str(&m, name, strlen(name));
	gofer_put_str(&m, value, size);
	err = transact(c, gofer_end(&m), GOFER_SETXATTR, tag, NULL, &r);
	if (!err)
		err = get_exact(c, &r, &rep, sizeof(rep));
	ret = err ? (ssize_t)err : (ssize_t)rep.len;
	pthread_mutex_unlock(&c->lock);
	return ret;
}
