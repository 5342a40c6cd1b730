// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's request handlers.
 *
 * Every fid is an O_PATH descriptor of one host file, reached from a mount's
 * root one component at a time with O_NOFOLLOW: a name never contains '/',
 * ".." or "." (the decoder refuses them), so no walk can leave the mount,
 * and a symlink is reported, never followed. Opening a fid for I/O, and the
 * calls that refuse O_PATH descriptors, go through /proc/self/fd/N, which
 * names the very inode the fid holds, not a path that could have changed.
 *
 * The gofer trusts nothing in a request: it is decoded with checked reads,
 * and anything malformed gets EINVAL (EPROTO for a bad header).
 */
#include "gofer/gofer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

struct gofer_fid {
	int fd;	    /* O_PATH; -1: this slot is free */
	int dir_fd; /* readable directory for GETDENTS, opened on demand */
	uint32_t mount;
	uint32_t mode;	 /* S_IFMT of the file */
	uint64_t mnt_id; /* the host mount it is on */
	bool pseudo;	 /* the root of a kernel filesystem: not entered */
};

/* ---- fids ---------------------------------------------------------------- */

static struct gofer_fid *fid_get(struct gofer_server *s, uint32_t fid)
{
	if (fid >= s->nfids || s->fids[fid].fd < 0)
		return NULL;
	return &s->fids[fid];
}

/* Take ownership of fd; the new fid, or -ENFILE/-ENOMEM (fd closed). */
static long fid_alloc(struct gofer_server *s, int fd, uint32_t mount,
		      uint32_t mode, uint64_t mnt_id)
{
	uint32_t i;

	for (i = 0; i < s->nfids; i++)
		if (s->fids[i].fd < 0)
			break;
	if (i == s->nfids) {
		if (s->nfids == GOFER_FIDS_MAX) {
			close(fd);
			return -ENFILE;
		}
		if (s->nfids == s->capfids) {
			uint32_t cap = s->capfids ? s->capfids * 2 : 64;
			struct gofer_fid *n =
			    realloc(s->fids, cap * sizeof(*n));

			if (!n) {
				close(fd);
				return -ENOMEM;
			}
			s->fids = n;
			s->capfids = cap;
		}
		s->nfids++;
	}
	s->fids[i] = (struct gofer_fid){.fd = fd,
					.pseudo = false,
					.dir_fd = -1,
					.mount = mount,
					.mode = mode & S_IFMT,
					.mnt_id = mnt_id};
	s->live++;
	return i;
}

static void fid_free(struct gofer_server *s, struct gofer_fid *f)
{
	close(f->fd);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	f->fd = -1;
	f->dir_fd = -1;
	s->live--;
	while (s->nfids > 0 && s->fids[s->nfids - 1].fd < 0)
		s->nfids--;
}

/* ---- host helpers ------------------------------------------------------- */

static void stat_from_statx(struct gofer_stat *st, const struct statx *x)
{
	*st = (struct gofer_stat){
	    .ino = x->stx_ino,
	    .dev = ((uint64_t)x->stx_dev_major << 32) | x->stx_dev_minor,
	    .mode = x->stx_mode,
	    .nlink = x->stx_nlink,
	    .uid = x->stx_uid,
	    .gid = x->stx_gid,
	    .rdev = ((uint64_t)x->stx_rdev_major << 32) | x->stx_rdev_minor,
	    .size = x->stx_size,
	    .blocks = x->stx_blocks,
	    .blksize = x->stx_blksize,
	    .atime_sec = x->stx_atime.tv_sec,
	    .mtime_sec = x->stx_mtime.tv_sec,
	    .ctime_sec = x->stx_ctime.tv_sec,
	    .btime_sec = x->stx_btime.tv_sec,
	    .atime_nsec = x->stx_atime.tv_nsec,
	    .mtime_nsec = x->stx_mtime.tv_nsec,
	    .ctime_nsec = x->stx_ctime.tv_nsec,
	    .btime_nsec = x->stx_btime.tv_nsec,
	};
}

/*
 * Calls that take a path, not a descriptor (the xattr calls, connect):
 * the fid's /proc/self/fd link names its very inode, relative to the
 * working directory the gofer moves to first. 0, or -ENXIO without one.
 */
static int enter_proc(struct gofer_server *s, char name[16], int fd)
{
	if (!s->in_proc) {
		if (s->proc_fd < 0 || fchdir(s->proc_fd) < 0)
			return -ENXIO;
		s->in_proc = true;
	}
	snprintf(name, 16, "%d", fd);
	return 0;
}

/* The length of fd's xattr name list; 0 for none, or none we can see. */
static uint32_t xattr_len(struct gofer_server *s, int fd)
{
	char name[16];
	ssize_t n;

	if (enter_proc(s, name, fd))
		return 0;
	n = listxattr(name, NULL, 0);
	return n > 0 ? (uint32_t)n : 0;
}

static int stat_fd(struct gofer_server *s, int fd, struct gofer_stat *st,
		   uint64_t *mnt_id)
{
	struct statx x;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID, &x) < 0)
		return -errno;
	stat_from_statx(st, &x);
	st->xattr_len = xattr_len(s, fd);
	if (mnt_id)
		*mnt_id = (x.stx_mask & STATX_MNT_ID) ? x.stx_mnt_id : 0;
	return 0;
}

/*
 * Kernel interfaces mounted inside a served tree (the host's /proc, /sys,
 * cgroups...) are not files of the container: the gofer does not enter them.
 */
static bool pseudo_fs(int fd)
{
	static const long types[] = {
	    PROC_SUPER_MAGIC,
	    SYSFS_MAGIC,
	    DEVPTS_SUPER_MAGIC,
	    DEBUGFS_MAGIC,
	    TRACEFS_MAGIC,
	    SECURITYFS_MAGIC,
	    CGROUP_SUPER_MAGIC,
	    CGROUP2_SUPER_MAGIC,
	    BPF_FS_MAGIC,
	    0x62656570 /* configfs */,
	    PSTOREFS_MAGIC,
	    EFIVARFS_MAGIC,
	    0x65735543 /* fusectl */,
	    BINFMTFS_MAGIC,
	    0x19800202 /* mqueue */,
	    SELINUX_MAGIC,
	    NSFS_MAGIC,
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return true;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (sf.f_type == types[i])
			return true;
	return false;
}

/* Reopen a fid's inode with real access flags, through /proc/self/fd. */
static int reopen(struct gofer_server *s, const struct gofer_fid *f, int flags)
{
	char name[16];
	int fd;

	if (s->proc_fd < 0)
		return -ENXIO;
	snprintf(name, sizeof(name), "%d", f->fd);
	fd = openat(s->proc_fd, name, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A copy of a wire string, NUL-terminated, in buf of size max+1. */
static void cstr(char *buf, const char *s, size_t len)
{
	memcpy(buf, s, len);
	buf[len] = '\0';
}

/* A request of a fixed body and one name, the whole message: name in buf. */
static int get_req_name(struct gofer_reader *r, void *q, size_t qlen,
			char name[GOFER_NAME_MAX + 1])
{
	const char *n;
	size_t len;
	int err = gofer_get(r, q, qlen);

	if (!err)
		err = gofer_get_name(r, &n, &len);
	if (!err)
		err = gofer_done(r);
	if (!err)
		cstr(name, n, len);
	return err;
}

static void chown_new(int fd, uint32_t uid, uint32_t gid)
{
	/* Without CAP_CHOWN the file keeps the gofer's ids, as gVisor's. */
	if (uid != (uint32_t)-1 || gid != (uint32_t)-1)
		(void)fchownat(fd, "", uid, gid,
			       AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

/* ---- replies ------------------------------------------------------------- */

struct reply {
	struct gofer_msg m;
	int fd; /* to send with it, then close; -1: none */
};

static int send_reply(struct gofer_server *s, struct reply *rp)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	long len = gofer_end(&rp->m);
	ssize_t n;

	if (len < 0) {
		/* A reply we built too big is our bug; say so, not crash. */
		struct gofer_hdr h;

		memcpy(&h, rp->m.buf, sizeof(h));
		gofer_begin(&rp->m, s->out, GOFER_MSG_MAX, h.op, h.tag, EIO);
		len = gofer_end(&rp->m);
		if (rp->fd >= 0)
			close(rp->fd);
		rp->fd = -1;
	}
	iov.iov_base = rp->m.buf;
	iov.iov_len = (size_t)len;
	if (rp->fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &rp->fd, sizeof(int));
	}
	do
		n = sendmsg(s->sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (rp->fd >= 0)
		close(rp->fd);
	return n == len ? 0 : -EPIPE;
}

/* ---- handlers: each reads its request from r and fills rp->m ---- */

typedef int (*handler_fn)(struct gofer_server *s, struct gofer_reader *r,
			  struct reply *rp);

static void put_node(struct reply *rp, uint32_t fid,
		     const struct gofer_stat *st)
{
	struct gofer_node n = {.fid = fid, .st = *st};

	gofer_put(&rp->m, &n, sizeof(n));
}

/* A new file's O_PATH descriptor becomes a fid; its node goes in the reply. */
static int reply_node(struct gofer_server *s, struct reply *rp, int fd,
		      uint32_t mount)
{
	struct gofer_stat st;
	uint64_t mnt_id;
	long fid;
	int err = stat_fd(s, fd, &st, &mnt_id);

	if (err) {
		close(fd);
		return err;
	}
	fid = fid_alloc(s, fd, mount, st.mode, mnt_id);
	if (fid < 0)
		return (int)fid;
	put_node(rp, (uint32_t)fid, &st);
	return 0;
}

static int do_version(struct gofer_server *s, struct gofer_reader *r,
		      struct reply *rp)
{
	struct gofer_version v;
	int err = gofer_get(r, &v, sizeof(v));

	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	if (v.version != GOFER_VERSION)
		return -EPROTONOSUPPORT;
	if (v.msize < 4096)
		return -EINVAL;
	s->msize = v.msize < GOFER_MSG_MAX ? v.msize : GOFER_MSG_MAX;
	s->versioned = true;
	v.msize = s->msize;
	gofer_put(&rp->m, &v, sizeof(v));
	return 0;
}

static int do_attach(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	struct gofer_attach_req q;
	int err = gofer_get(r, &q, sizeof(q)), fd;

	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	if (q.mount >= s->nmounts)
		return -ENOENT;
	fd = fcntl(s->mounts[q.mount].fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	return reply_node(s, rp, fd, q.mount);
}

static int do_walk(struct gofer_server *s, struct gofer_reader *r,
		   struct reply *rp)
{
	const char *names[GOFER_WALK_MAX];
	size_t lens[GOFER_WALK_MAX];
	struct gofer_walk_rep rep = {0};
	struct gofer_walk_req q;
	struct gofer_fid *dir;
	uint32_t mount, mode;
	uint64_t mnt_id;
	size_t rep_at;
	int err, cur;

	err = gofer_get(r, &q, sizeof(q));
	if (err)
		return err;
	if (q.nnames == 0 || q.nnames > GOFER_WALK_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < q.nnames; i++) {
		err = gofer_get_name(r, &names[i], &lens[i]);
		if (err)
			return err;
	}
	err = gofer_done(r);
	if (err)
		return err;
	dir = fid_get(s, q.fid);
	if (!dir)
		return -EBADF;
	if (dir->pseudo)
		return -EACCES;
	mount = dir->mount;
	cur = dir->fd;
	mode = dir->mode;
	mnt_id = dir->mnt_id;
	/* The nodes follow the count, which is filled in at the end. */
	rep_at = rp->m.len;
	gofer_put(&rp->m, &rep, sizeof(rep));
	for (unsigned i = 0; i < q.nnames; i++) {
		char name[GOFER_NAME_MAX + 1];
		struct gofer_stat st;
		uint64_t mnt;
		long fid;
		int fd;

		if (!S_ISDIR(mode)) {
			rep.stop_error = ENOTDIR;
			break;
		}
		/* A reply must fit the agreed size: the rest comes next time.
		 */
		if (rp->m.len + sizeof(struct gofer_node) > rp->m.cap)
			break;
		cstr(name, names[i], lens[i]);
		fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rep.stop_error = errno;
			break;
		}
		err = stat_fd(s, fd, &st, &mnt);
		if (err) {
			close(fd);
			rep.stop_error = -err;
			break;
		}
		fid = fid_alloc(s, fd, mount, st.mode, mnt);
		if (fid < 0) {
			rep.stop_error = (int32_t)-fid;
			break;
		}
		/*
		 * The host's /proc, /sys...: the sentry may see the mountpoint
		 * (to mount its own there) but never what is inside.
		 */
		bool pseudo = mnt != mnt_id && pseudo_fs(fd);

		s->fids[fid].pseudo = pseudo;
		put_node(rp, (uint32_t)fid, &st);
		rep.nwalked++;
		/* ...and a walk through it stops right there. */
		if (pseudo) {
			if (i + 1 < q.nnames)
				rep.stop_error = EACCES;
			break;
		}
		cur = fd;
		mode = st.mode;
		mnt_id = mnt;
		/* A symlink is the sentry's to resolve. */
		if (S_ISLNK(mode))
			break;
	}
	memcpy(rp->m.buf + rep_at, &rep, sizeof(rep));
	return 0;
}

/* Open flags the sentry may ask for; O_CREAT and friends have their ops. */
#define OPEN_FLAGS                                                             \
	(O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECTORY | O_NONBLOCK | O_DSYNC | \
	 O_SYNC | O_NOATIME | O_LARGEFILE)

static bool writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static int get_file_req(struct gofer_server *s, struct gofer_reader *r, void *q,
			size_t qlen, struct gofer_fid **out);

static int do_open(struct gofer_server *s, struct gofer_reader *r,
		   struct reply *rp)
{
	struct gofer_open_req q;
	struct gofer_fid *f;
	int err = get_file_req(s, r, &q, sizeof(q), &f), fd;

	if (err)
		return err;
	if (f->pseudo)
		return -EACCES;
	if ((q.flags & ~(uint32_t)OPEN_FLAGS) ||
	    (q.flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	switch (f->mode) {
	case S_IFREG:
		if (q.flags & O_DIRECTORY)
			return -ENOTDIR;
		break;
	case S_IFDIR:
		if (writes((int)q.flags))
			return -EISDIR;
		break;
	case S_IFLNK:
		return -ELOOP;
	case S_IFSOCK:
		return -ENXIO;
	default:
		/* Host devices and fifos stay on the host. */
		return -EPERM;
	}
	if (s->mounts[f->mount].ro && writes((int)q.flags))
		return -EROFS;
	fd = reopen(s, f, (int)q.flags);
	if (fd < 0)
		return fd;
	rp->fd = fd;
	return 0;
}

static int get_dir(struct gofer_server *s, uint32_t fid, struct gofer_fid **out,
		   bool change)
{
	struct gofer_fid *d = fid_get(s, fid);

	if (!d)
		return -EBADF;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	if (d->pseudo)
		return -EACCES;
	if (change && s->mounts[d->mount].ro)
		return -EROFS;
	*out = d;
	return 0;
}

static int do_create(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_create_req q;
	struct gofer_fid *d;
	int err, fd, path_fd, dir_fd;
	uint32_t mount;

	err = get_req_name(r, &q, sizeof(q), name);
	if (err)
		return err;
	if ((q.flags &
	     ~(uint32_t)(O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |
			 O_SYNC | O_NOATIME | O_LARGEFILE)) ||
	    (q.flags & O_ACCMODE) == O_ACCMODE || (q.mode & ~07777U))
		return -EINVAL;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	mount = d->mount;
	dir_fd = d->fd; /* d moves if the fid table grows */
	fd = openat(d->fd, name,
		    (int)q.flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    q.mode);
	if (fd < 0)
		return -errno;
	chown_new(fd, q.uid, q.gid);
	/* The fid is this very inode, whatever happens to the name. */
	{
		char self[16];

		snprintf(self, sizeof(self), "%d", fd);
		path_fd = s->proc_fd >= 0
			      ? openat(s->proc_fd, self, O_PATH | O_CLOEXEC)
			      : -1;
	}
	if (path_fd < 0) {
		err = -errno;
		close(fd);
		return err ? err : -ENXIO;
	}
	err = reply_node(s, rp, path_fd, mount);
	if (err) {
		/* Nothing was created, as far as the sentry can tell. */
		close(fd);
		unlinkat(dir_fd, name, 0);
		return err;
	}
	rp->fd = fd;
	return 0;
}

/* After creating name in d: a fid for it, owned by uid:gid. */
static int reply_created(struct gofer_server *s, struct reply *rp,
			 struct gofer_fid *d, const char *name, uint32_t uid,
			 uint32_t gid)
{
	uint32_t mount = d->mount;
	int fd = openat(d->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	chown_new(fd, uid, gid);
	return reply_node(s, rp, fd, mount);
}

static int do_mkdir(struct gofer_server *s, struct gofer_reader *r,
		    struct reply *rp, bool dir)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_mknod_req q;
	struct gofer_fid *d;
	int err;

	err = get_req_name(r, &q, sizeof(q), name);
	if (err)
		return err;
	if (dir ? (q.mode & ~07777U) : (q.mode & ~(07777U | S_IFMT)))
		return -EINVAL;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	if (dir) {
		if (mkdirat(d->fd, name, q.mode) < 0)
			return -errno;
	} else {
		switch (q.mode & S_IFMT) {
		case 0:
		case S_IFREG:
		case S_IFIFO:
		case S_IFSOCK:
			break;
		case S_IFCHR:
		case S_IFBLK:
			return -EPERM; /* no host devices */
		default:
			return -EINVAL;
		}
		if (mknodat(d->fd, name, q.mode, 0) < 0)
			return -errno;
	}
	return reply_created(s, rp, d, name, q.uid, q.gid);
}

static int do_mkdir_op(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	return do_mkdir(s, r, rp, true);
}

static int do_mknod_op(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	return do_mkdir(s, r, rp, false);
}

static int do_symlink(struct gofer_server *s, struct gofer_reader *r,
		      struct reply *rp)
{
	char name[GOFER_NAME_MAX + 1], target[GOFER_PATH_MAX + 1];
	struct gofer_symlink_req q;
	struct gofer_fid *d;
	const char *n, *t;
	size_t nlen, tlen;
	int err;

	err = gofer_get(r, &q, sizeof(q));
	if (!err)
		err = gofer_get_name(r, &n, &nlen);
	if (!err)
		err = gofer_get_str(r, &t, &tlen, GOFER_PATH_MAX);
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	if (tlen == 0)
		return -ENOENT;
	if (memchr(t, '\0', tlen))
		return -EINVAL;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	cstr(name, n, nlen);
	cstr(target, t, tlen);
	if (symlinkat(target, d->fd, name) < 0)
		return -errno;
	return reply_created(s, rp, d, name, q.uid, q.gid);
}

static int do_link(struct gofer_server *s, struct gofer_reader *r,
		   struct reply *rp)
{
	char name[GOFER_NAME_MAX + 1], self[16];
	struct gofer_link_req q;
	struct gofer_fid *d, *t;
	int err;

	err = get_req_name(r, &q, sizeof(q), name);
	if (err)
		return err;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	t = fid_get(s, q.target);
	if (!t)
		return -EBADF;
	if (S_ISDIR(t->mode))
		return -EPERM;
	if (t->mount != d->mount)
		return -EXDEV;
	/* The inode the fid holds, linked through its /proc/self/fd name. */
	snprintf(self, sizeof(self), "%d", t->fd);
	if (s->proc_fd < 0)
		return -ENXIO;
	if (linkat(s->proc_fd, self, d->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return reply_created(s, rp, d, name, (uint32_t)-1, (uint32_t)-1);
}

static int do_unlink(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_unlink_req q;
	struct gofer_fid *d;
	int err;

	(void)rp;
	err = get_req_name(r, &q, sizeof(q), name);
	if (err)
		return err;
	if (q.flags & ~(uint32_t)GOFER_AT_REMOVEDIR)
		return -EINVAL;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	if (unlinkat(d->fd, name,
		     q.flags & GOFER_AT_REMOVEDIR ? AT_REMOVEDIR : 0) < 0)
		return -errno;
	return 0;
}

static int do_rename(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	char oldname[GOFER_NAME_MAX + 1], newname[GOFER_NAME_MAX + 1];
	struct gofer_rename_req q;
	struct gofer_fid *od, *nd;
	const char *on, *nn;
	size_t olen, nlen;
	unsigned flags = 0;
	int err;

	(void)rp;
	err = gofer_get(r, &q, sizeof(q));
	if (!err)
		err = gofer_get_name(r, &on, &olen);
	if (!err)
		err = gofer_get_name(r, &nn, &nlen);
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	if ((q.flags &
	     ~(uint32_t)(GOFER_RENAME_NOREPLACE | GOFER_RENAME_EXCHANGE)) ||
	    q.flags == (GOFER_RENAME_NOREPLACE | GOFER_RENAME_EXCHANGE))
		return -EINVAL;
	err = get_dir(s, q.olddirfid, &od, true);
	if (!err)
		err = get_dir(s, q.newdirfid, &nd, true);
	if (err)
		return err;
	if (od->mount != nd->mount)
		return -EXDEV;
	if (q.flags & GOFER_RENAME_NOREPLACE)
		flags |= RENAME_NOREPLACE;
	if (q.flags & GOFER_RENAME_EXCHANGE)
		flags |= RENAME_EXCHANGE;
	cstr(oldname, on, olen);
	cstr(newname, nn, nlen);
	/* Raw: glibc turns flags 0 into renameat, which the filter lacks. */
	if (syscall(SYS_renameat2, od->fd, oldname, nd->fd, newname, flags) < 0)
		return -errno;
	return 0;
}

/*
 * A request that is only the fixed body q, whose first field is a fid:
 * read it whole and find the fid.
 */
static int get_file_req(struct gofer_server *s, struct gofer_reader *r, void *q,
			size_t qlen, struct gofer_fid **out)
{
	uint32_t fid;
	int err = gofer_get(r, q, qlen);

	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	memcpy(&fid, q, sizeof(fid));
	*out = fid_get(s, fid);
	return *out ? 0 : -EBADF;
}

static int get_fid_req(struct gofer_server *s, struct gofer_reader *r,
		       struct gofer_fid **out)
{
	struct gofer_fid_req q;

	return get_file_req(s, r, &q, sizeof(q), out);
}

static int do_readlink(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	char target[GOFER_PATH_MAX + 1];
	struct gofer_fid *f;
	ssize_t n;
	int err = get_fid_req(s, r, &f);

	if (err)
		return err;
	if (!S_ISLNK(f->mode))
		return -EINVAL;
	n = readlinkat(f->fd, "", target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n > GOFER_PATH_MAX)
		return -ENAMETOOLONG;
	gofer_put_str(&rp->m, target, (size_t)n);
	return 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int do_getdents(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	struct gofer_getdents_rep rep = {0};
	struct gofer_getdents_req q;
	struct gofer_fid *d;
	uint8_t buf[16384];
	size_t rep_at, limit;
	int err;

	err = gofer_get(r, &q, sizeof(q));
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	err = get_dir(s, q.fid, &d, false);
	if (err)
		return err;
	if (q.offset > INT64_MAX)
		return -EINVAL;
	if (d->dir_fd < 0) {
		int fd = reopen(s, d, O_RDONLY | O_DIRECTORY);

		if (fd < 0)
			return fd;
		d->dir_fd = fd;
	}
	if (lseek(d->dir_fd, (off_t)q.offset, SEEK_SET) < 0)
		return -errno;
	rep_at = rp->m.len;
	gofer_put(&rp->m, &rep, sizeof(rep));
	/* Entries go in while they fit both the request and the message. */
	limit =
	    rp->m.len +
	    (q.count < rp->m.cap - rp->m.len ? q.count : rp->m.cap - rp->m.len);
	for (;;) {
		long n = syscall(SYS_getdents64, d->dir_fd, buf, sizeof(buf));
		long pos = 0;
		bool full = false;

		if (n < 0)
			return -errno;
		if (n == 0) {
			rep.eof = 1;
			break;
		}
		while (pos < n) {
			struct linux_dirent64 *e =
			    (struct linux_dirent64 *)(buf + pos);
			size_t nl = strlen(e->d_name);
			struct gofer_dirent de = {.ino = e->d_ino,
						  .next = (uint64_t)e->d_off,
						  .type = e->d_type};

			pos += e->d_reclen;
			/* "." and ".." are the sentry's to make up. */
			if ((nl == 1 && e->d_name[0] == '.') ||
			    (nl == 2 && e->d_name[0] == '.' &&
			     e->d_name[1] == '.'))
				continue;
			if (rp->m.len + sizeof(de) + 2 + nl > limit) {
				full = true;
				break;
			}
			gofer_put(&rp->m, &de, sizeof(de));
			gofer_put_str(&rp->m, e->d_name, nl);
			rep.n++;
		}
		if (full)
			break;
	}
	if (rep.n == 0 && !rep.eof)
		return -EINVAL; /* count too small for the next entry */
	memcpy(rp->m.buf + rep_at, &rep, sizeof(rep));
	return 0;
}

static int do_stat(struct gofer_server *s, struct gofer_reader *r,
		   struct reply *rp)
{
	struct gofer_stat st;
	struct gofer_fid *f;
	int err = get_fid_req(s, r, &f);

	if (!err)
		err = stat_fd(s, f->fd, &st, NULL);
	if (err)
		return err;
	gofer_put(&rp->m, &st, sizeof(st));
	return 0;
}

static int do_setattr(struct gofer_server *s, struct gofer_reader *r,
		      struct reply *rp)
{
	struct gofer_setattr_req q;
	struct gofer_stat st;
	struct gofer_fid *f;
	char self[16];
	int err;

	err = gofer_get(r, &q, sizeof(q));
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	f = fid_get(s, q.fid);
	if (!f)
		return -EBADF;
	if ((q.mask & ~(uint32_t)GOFER_SETATTR_MASK) || (q.mode & ~07777U))
		return -EINVAL;
	if (s->mounts[f->mount].ro && q.mask)
		return -EROFS;
	snprintf(self, sizeof(self), "%d", f->fd);
	if (S_ISLNK(f->mode) &&
	    (q.mask & (GOFER_SETATTR_MODE | GOFER_SETATTR_SIZE)))
		return -EOPNOTSUPP; /* a symlink's mode and size are fixed */
	if ((q.mask & ~(uint32_t)(GOFER_SETATTR_UID | GOFER_SETATTR_GID)) &&
	    s->proc_fd < 0)
		return -ENXIO;
	if (q.mask & GOFER_SETATTR_MODE) {
		if (fchmodat(s->proc_fd, self, q.mode, 0) < 0)
			return -errno;
	}
	if (q.mask & (GOFER_SETATTR_UID | GOFER_SETATTR_GID)) {
		uid_t uid = q.mask & GOFER_SETATTR_UID ? q.uid : (uid_t)-1;
		gid_t gid = q.mask & GOFER_SETATTR_GID ? q.gid : (gid_t)-1;

		if (fchownat(f->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (q.mask & GOFER_SETATTR_SIZE) {
		int fd;

		if (S_ISDIR(f->mode))
			return -EISDIR;
		if (!S_ISREG(f->mode))
			return -EINVAL;
		if (q.size > INT64_MAX)
			return -EINVAL;
		fd = reopen(s, f, O_WRONLY);
		if (fd < 0)
			return fd;
		err = ftruncate(fd, (off_t)q.size) < 0 ? -errno : 0;
		close(fd);
		if (err)
			return err;
	}
	if (q.mask & (GOFER_SETATTR_ATIME | GOFER_SETATTR_MTIME)) {
		struct timespec ts[2] = {
		    {.tv_sec = q.atime_sec, .tv_nsec = q.atime_nsec},
		    {.tv_sec = q.mtime_sec, .tv_nsec = q.mtime_nsec},
		};

		if (!(q.mask & GOFER_SETATTR_ATIME))
			ts[0].tv_nsec = UTIME_OMIT;
		else if (q.atime_nsec == GOFER_UTIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (q.atime_nsec >= 1000000000U)
			return -EINVAL;
		if (!(q.mask & GOFER_SETATTR_MTIME))
			ts[1].tv_nsec = UTIME_OMIT;
		else if (q.mtime_nsec == GOFER_UTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (q.mtime_nsec >= 1000000000U)
			return -EINVAL;
		if (S_ISLNK(f->mode))
			err = utimensat(f->fd, "", ts,
					AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
		else
			err = utimensat(s->proc_fd, self, ts, 0);
		if (err < 0)
			return -errno;
	}
	err = stat_fd(s, f->fd, &st, NULL);
	if (err)
		return err;
	gofer_put(&rp->m, &st, sizeof(st));
	return 0;
}

static int do_statfs(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	struct gofer_statfs g;
	struct gofer_fid *f;
	struct statfs sf;
	int err = get_fid_req(s, r, &f);

	if (err)
		return err;
	if (fstatfs(f->fd, &sf) < 0)
		return -errno;
	g = (struct gofer_statfs){
	    .type = (uint64_t)sf.f_type,
	    .bsize = (uint64_t)sf.f_bsize,
	    .blocks = sf.f_blocks,
	    .bfree = sf.f_bfree,
	    .bavail = sf.f_bavail,
	    .files = sf.f_files,
	    .ffree = sf.f_ffree,
	    .namelen = (uint64_t)sf.f_namelen,
	    .frsize = (uint64_t)sf.f_frsize,
	    .flags = (uint64_t)sf.f_flags,
	};
	memcpy(g.fsid, &sf.f_fsid, sizeof(g.fsid));
	if (s->mounts[f->mount].ro)
		g.flags |= ST_RDONLY;
	gofer_put(&rp->m, &g, sizeof(g));
	return 0;
}

static int do_fsync(struct gofer_server *s, struct gofer_reader *r,
		    struct reply *rp)
{
	struct gofer_fid *f;
	int err = get_fid_req(s, r, &f), fd;

	(void)rp;
	if (err)
		return err;
	if (!S_ISREG(f->mode) && !S_ISDIR(f->mode))
		return -EINVAL;
	fd = reopen(s, f, O_RDONLY);
	if (fd < 0)
		return fd;
	err = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return err;
}

static int do_clunk(struct gofer_server *s, struct gofer_reader *r,
		    struct reply *rp)
{
	struct gofer_clunk_req q;
	uint32_t fids[GOFER_CLUNK_MAX];
	int err;

	(void)rp;
	err = gofer_get(r, &q, sizeof(q));
	if (err)
		return err;
	if (q.nfids == 0 || q.nfids > GOFER_CLUNK_MAX)
		return -EINVAL;
	err = gofer_get(r, fids, q.nfids * sizeof(fids[0]));
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	/* Every valid fid goes, even when some are not. */
	for (uint32_t i = 0; i < q.nfids; i++) {
		struct gofer_fid *f = fid_get(s, fids[i]);

		if (f)
			fid_free(s, f);
		else
			err = -EBADF;
	}
	return err;
}

/* ---- LOOKUP: a directory's entries in batches ------------------------------
 */

/*
 * LOOKUP opens (O_PATH) and stats up to GOFER_LOOKUP_MAX siblings. With
 * io_uring those calls go to the kernel RING_DEPTH at a time, in two
 * rounds (all the opens, then a statx of each opened descriptor, so that
 * every stat is of the very inode its fid holds); the ring is restricted
 * to those two operations before the seccomp filter goes on, and the
 * filter lets the gofer enter it but not make or change one.
 */
#define RING_DEPTH 64
#define STATX_WANT (STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID)

struct gofer_lookup_slot {
	char name[GOFER_NAME_MAX + 1];
	int fd;	 /* O_PATH, or -1 */
	int err; /* positive errno */
	struct statx sx;
};

static void ring_init(struct gofer_server *s)
{
	struct io_uring_restriction res[2] = {
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_OPENAT},
	    {.opcode = IORING_RESTRICTION_SQE_OP, .sqe_op = IORING_OP_STATX},
	};
	struct io_uring *ring = calloc(1, sizeof(*ring));

	if (!ring)
		return;
	if (io_uring_queue_init(RING_DEPTH, ring, IORING_SETUP_R_DISABLED)) {
		free(ring);
		return;
	}
	/* By hand: liburing 2.3's shared library does not export these. */
	if (syscall(__NR_io_uring_register, ring->ring_fd,
		    IORING_REGISTER_RESTRICTIONS, res, 2) < 0 ||
	    syscall(__NR_io_uring_register, ring->ring_fd,
		    IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0) {
		io_uring_queue_exit(ring);
		free(ring);
		return;
	}
	s->ring = ring;
}

void gofer_server_drop_ring(struct gofer_server *s)
{
	if (s->ring) {
		io_uring_queue_exit(s->ring);
		free(s->ring);
		s->ring = NULL;
	}
}

static void slot_open(int dirfd, struct gofer_lookup_slot *sl)
{
	sl->fd = openat(dirfd, sl->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	sl->err = sl->fd < 0 ? errno : 0;
}

static void slot_stat(struct gofer_lookup_slot *sl)
{
	if (sl->fd >= 0 &&
	    statx(sl->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_WANT,
		  &sl->sx) < 0) {
		sl->err = errno;
		close(sl->fd);
		sl->fd = -1;
	}
}

/*
 * One round (stat: the statx one) over sl[0..n), n <= RING_DEPTH, through
 * the ring; false if the ring failed, and the round is then undone.
 */
static bool ring_round(struct gofer_server *s, int dirfd,
		       struct gofer_lookup_slot *sl, unsigned n, bool stat)
{
	unsigned want = 0, queued = 0, reaped = 0;

	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe;

		if (stat && sl[i].fd < 0)
			continue;
		want++;
		sqe = io_uring_get_sqe(s->ring);
		if (!sqe)
			break;
		if (stat)
			io_uring_prep_statx(sqe, sl[i].fd, "",
					    AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
					    STATX_WANT, &sl[i].sx);
		else
			io_uring_prep_openat(sqe, dirfd, sl[i].name,
					     O_PATH | O_NOFOLLOW | O_CLOEXEC,
					     0);
		io_uring_sqe_set_data64(sqe, i);
		queued++;
	}
	if (queued && io_uring_submit_and_wait(s->ring, queued) < 0)
		return false;
	while (reaped < queued) {
		struct io_uring_cqe *cqe;
		struct gofer_lookup_slot *x;
		int err = io_uring_wait_cqe(s->ring, &cqe);

		if (err == -EINTR)
			continue;
		if (err)
			return false;
		x = &sl[io_uring_cqe_get_data64(cqe) % n];
		if (cqe->res < 0) {
			x->err = -cqe->res;
			if (stat) {
				close(x->fd);
				x->fd = -1;
			}
		} else if (!stat) {
			x->fd = cqe->res;
			x->err = 0;
		}
		io_uring_cqe_seen(s->ring, cqe);
		reaped++;
	}
	return queued == want;
}

/* Open and stat the n slots' names in dirfd: each gets an fd or an err. */
static void lookup_slots(struct gofer_server *s, int dirfd,
			 struct gofer_lookup_slot *sl, unsigned n)
{
	bool opened = false;

	for (unsigned i = 0; i < n; i++) {
		sl[i].fd = -1;
		sl[i].err = ENOENT;
	}
	if (s->ring) {
		opened = ring_round(s, dirfd, sl, n, false);
		if (opened && ring_round(s, dirfd, sl, n, true))
			return;
		/* A ring that fails once is not trusted again. */
		gofer_server_drop_ring(s);
	}
	for (unsigned i = 0; i < n; i++) {
		if (!opened) {
			if (sl[i].fd >= 0)
				close(sl[i].fd);
			slot_open(dirfd, &sl[i]);
		}
		slot_stat(&sl[i]);
	}
}

static int do_lookup(struct gofer_server *s, struct gofer_reader *r,
		     struct reply *rp)
{
	struct gofer_lookup_rep rep = {0};
	struct gofer_lookup_req q;
	struct gofer_fid *dir;
	struct gofer_lookup_slot *sl = s->slots;
	uint64_t dir_mnt;
	uint32_t mount;
	size_t rep_at;
	bool full = false;
	int err, dirfd;

	err = gofer_get(r, &q, sizeof(q));
	if (err)
		return err;
	if (q.nnames == 0 || q.nnames > GOFER_LOOKUP_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < q.nnames; i++) {
		const char *n;
		size_t len;

		err = gofer_get_name(r, &n, &len);
		if (err)
			return err;
		cstr(sl[i].name, n, len);
	}
	err = gofer_done(r);
	if (err)
		return err;
	dir = fid_get(s, q.dirfid);
	if (!dir)
		return -EBADF;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->pseudo)
		return -EACCES;
	/* dir moves when the fid table grows */
	dirfd = dir->fd;
	mount = dir->mount;
	dir_mnt = dir->mnt_id;
	rep_at = rp->m.len;
	gofer_put(&rp->m, &rep, sizeof(rep));
	for (unsigned base = 0; base < q.nnames && !full; base += RING_DEPTH) {
		unsigned n =
		    q.nnames - base < RING_DEPTH ? q.nnames - base : RING_DEPTH;

		lookup_slots(s, dirfd, sl + base, n);
		for (unsigned i = base; i < base + n; i++) {
			struct gofer_lookup_ent e = {.error = sl[i].err};
			char target[GOFER_PATH_MAX + 1];
			ssize_t tlen = -1;
			long fid;

			if (full || rp->m.len + sizeof(e) > rp->m.cap) {
				/* The rest is for the next request. */
				full = true;
				if (sl[i].fd >= 0)
					close(sl[i].fd);
				continue;
			}
			if (sl[i].fd >= 0) {
				uint64_t mnt =
				    (sl[i].sx.stx_mask & STATX_MNT_ID)
					? sl[i].sx.stx_mnt_id
					: 0;

				stat_from_statx(&e.node.st, &sl[i].sx);
				e.node.st.xattr_len = xattr_len(s, sl[i].fd);
				if (S_ISLNK(e.node.st.mode))
					tlen = readlinkat(sl[i].fd, "", target,
							  sizeof(target));
				fid = fid_alloc(s, sl[i].fd, mount,
						e.node.st.mode, mnt);
				if (fid < 0) {
					e = (struct gofer_lookup_ent){
					    .error = (int32_t)-fid};
				} else {
					/* As WALK: kernel filesystems stop. */
					s->fids[fid].pseudo =
					    mnt != dir_mnt &&
					    pseudo_fs(s->fids[fid].fd);
					e.node.fid = (uint32_t)fid;
				}
			}
			if (!e.error && tlen >= 0 && tlen <= GOFER_PATH_MAX &&
			    rp->m.len + sizeof(e) + 2 + (size_t)tlen <=
				rp->m.cap)
				e.flags = GOFER_LOOKUP_TARGET;
			gofer_put(&rp->m, &e, sizeof(e));
			if (e.flags & GOFER_LOOKUP_TARGET)
				gofer_put_str(&rp->m, target, (size_t)tlen);
			rep.n++;
		}
	}
	memcpy(rp->m.buf + rep_at, &rep, sizeof(rep));
	return 0;
}

/* ---- extended attributes ------------------------------------------------ */

/* An xattr name: 1..GOFER_XATTR_NAME_MAX bytes, no NUL, into buf. */
static int get_xattr_name(struct gofer_reader *r,
			  char buf[GOFER_XATTR_NAME_MAX + 1])
{
	const char *n;
	size_t len;
	int err = gofer_get_str(r, &n, &len, GOFER_XATTR_NAME_MAX);

	if (err)
		return err;
	if (len == 0 || memchr(n, '\0', len))
		return -EINVAL;
	cstr(buf, n, len);
	return 0;
}

/* GETXATTR and LISTXATTR: the value or list, at most size bytes. */
static int do_getxattr_op(struct gofer_server *s, struct gofer_reader *r,
			  struct reply *rp, bool list)
{
	char name[GOFER_XATTR_NAME_MAX + 1], self[16];
	struct gofer_xattr_rep rep = {0};
	struct gofer_xattr_req q;
	struct gofer_fid *f;
	size_t room;
	ssize_t n;
	int err = gofer_get(r, &q, sizeof(q));

	if (!err && !list)
		err = get_xattr_name(r, name);
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	f = fid_get(s, q.fid);
	if (!f)
		return -EBADF;
	if (f->pseudo)
		return -EACCES;
	err = enter_proc(s, self, f->fd);
	if (err)
		return err;
	/* What fits in the reply; a bigger size is E2BIG if it is needed. */
	room = rp->m.cap - rp->m.len - sizeof(rep);
	if (q.size == 0)
		n = list ? listxattr(self, NULL, 0)
			 : getxattr(self, name, NULL, 0);
	else
		n = list ? listxattr(self, (char *)s->in,
				     q.size < room ? q.size : room)
			 : getxattr(self, name, s->in,
				    q.size < room ? q.size : room);
	if (n < 0)
		return errno == ERANGE && q.size > room ? -E2BIG : -errno;
	rep.len = (uint32_t)n;
	gofer_put(&rp->m, &rep, sizeof(rep));
	if (q.size)
		gofer_put(&rp->m, s->in, (size_t)n);
	return 0;
}

static int do_getxattr(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	return do_getxattr_op(s, r, rp, false);
}

static int do_listxattr(struct gofer_server *s, struct gofer_reader *r,
			struct reply *rp)
{
	return do_getxattr_op(s, r, rp, true);
}

static int do_setxattr(struct gofer_server *s, struct gofer_reader *r,
		       struct reply *rp)
{
	char name[GOFER_XATTR_NAME_MAX + 1], self[16];
	struct gofer_xattr_rep rep = {0};
	struct gofer_setxattr_req q;
	struct gofer_fid *f;
	const char *value;
	size_t len;
	int err = gofer_get(r, &q, sizeof(q));

	if (!err)
		err = get_xattr_name(r, name);
	if (!err)
		err = gofer_get_str(r, &value, &len, GOFER_MSG_MAX);
	if (!err)
		err = gofer_done(r);
	if (err)
		return err;
	if ((q.flags != 0 && q.flags != XATTR_CREATE &&
	     q.flags != XATTR_REPLACE && q.flags != GOFER_XATTR_REMOVE) ||
	    (q.flags == GOFER_XATTR_REMOVE && len))
		return -EINVAL;
	f = fid_get(s, q.fid);
	if (!f)
		return -EBADF;
	if (f->pseudo)
		return -EACCES;
	if (s->mounts[f->mount].ro)
		return -EROFS;
	err = enter_proc(s, self, f->fd);
	if (err)
		return err;
	if (q.flags == GOFER_XATTR_REMOVE
		? removexattr(self, name) < 0
		: setxattr(self, name, value, len, (int)q.flags) < 0)
		return -errno;
	rep.len = xattr_len(s, f->fd);
	gofer_put(&rp->m, &rep, sizeof(rep));
	return 0;
}

/* ---- host unix sockets -------------------------------------------------- */

static int uds_socket(uint32_t type)
{
	int fd;

	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -EINVAL;
	fd = socket(AF_UNIX, (int)type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/*
 * Unix socket addresses are paths without a directory fd: the gofer moves
 * into the directory first and names the socket by one component, so no
 * path is resolved that a host process could have changed.
 */
static int uds_addr(struct sockaddr_un *sa, socklen_t *len, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

static int do_connect(struct gofer_server *s, struct gofer_reader *r,
		      struct reply *rp)
{
	struct gofer_connect_req q;
	struct sockaddr_un sa;
	struct gofer_fid *f;
	char self[16];
	socklen_t len;
	int err = get_file_req(s, r, &q, sizeof(q), &f), fd;

	if (err)
		return err;
	if (f->pseudo)
		return -EACCES;
	/* As Linux: a file that is no socket refuses the connection. */
	if (f->mode != S_IFSOCK ||
	    !(s->mounts[f->mount].uds & GOFER_UDS_CONNECT))
		return -ECONNREFUSED;
	/* The fid's own inode, through its /proc/self/fd link. */
	err = enter_proc(s, self, f->fd);
	if (err)
		return err;
	uds_addr(&sa, &len, self);
	fd = uds_socket(q.type);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	rp->fd = fd;
	return 0;
}

static int do_bind(struct gofer_server *s, struct gofer_reader *r,
		   struct reply *rp)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_bind_req q;
	struct sockaddr_un sa;
	struct gofer_fid *d;
	struct gofer_stat st;
	uint64_t mnt_id;
	uint32_t mount;
	socklen_t len;
	int err, sock, fd;
	long fid;

	err = get_req_name(r, &q, sizeof(q), name);
	if (err)
		return err;
	if (q.mode & ~07777U)
		return -EINVAL;
	err = get_dir(s, q.dirfid, &d, true);
	if (err)
		return err;
	if (!(s->mounts[d->mount].uds & GOFER_UDS_BIND))
		return -EPERM;
	err = uds_addr(&sa, &len, name);
	if (err)
		return err;
	mount = d->mount;
	sock = uds_socket(q.type);
	if (sock < 0)
		return sock;
	/* bind makes the file with the socket inode's mode (umask is 0). */
	s->in_proc = false; /* BIND moves the working directory */
	if (fchmod(sock, q.mode) < 0 || fchdir(d->fd) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, len) < 0) {
		err = -errno;
		close(sock);
		return err;
	}
	fd = openat(d->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	st.mode = 0;
	err = fd < 0 ? -errno : stat_fd(s, fd, &st, &mnt_id);
	/* Swapped by someone on the host already: not ours to hand out. */
	if (!err && (st.mode & S_IFMT) != S_IFSOCK)
		err = -EIO;
	if (err) {
		if (fd >= 0)
			close(fd);
		close(sock);
		return err;
	}
	chown_new(fd, q.uid, q.gid);
	if ((q.uid != (uint32_t)-1 || q.gid != (uint32_t)-1) &&
	    stat_fd(s, fd, &st, NULL)) {
		close(fd);
		close(sock);
		return -EIO;
	}
	fid = fid_alloc(s, fd, mount, st.mode, mnt_id);
	if (fid < 0) {
		close(sock);
		return (int)fid;
	}
	put_node(rp, (uint32_t)fid, &st);
	rp->fd = sock;
	return 0;
}

static const handler_fn handlers[GOFER_OP_COUNT] = {
    [GOFER_VERSION_OP] = do_version,  [GOFER_ATTACH] = do_attach,
    [GOFER_WALK] = do_walk,	      [GOFER_OPEN] = do_open,
    [GOFER_CREATE] = do_create,	      [GOFER_MKDIR] = do_mkdir_op,
    [GOFER_MKNOD] = do_mknod_op,      [GOFER_SYMLINK] = do_symlink,
    [GOFER_LINK] = do_link,	      [GOFER_UNLINK] = do_unlink,
    [GOFER_RENAME] = do_rename,	      [GOFER_READLINK] = do_readlink,
    [GOFER_GETDENTS] = do_getdents,   [GOFER_STAT] = do_stat,
    [GOFER_SETATTR] = do_setattr,     [GOFER_STATFS] = do_statfs,
    [GOFER_FSYNC] = do_fsync,	      [GOFER_CLUNK] = do_clunk,
    [GOFER_CONNECT] = do_connect,     [GOFER_BIND] = do_bind,
    [GOFER_LOOKUP] = do_lookup,	      [GOFER_GETXATTR] = do_getxattr,
    [GOFER_LISTXATTR] = do_listxattr, [GOFER_SETXATTR] = do_setxattr,
};

/* ---- the loop ------------------------------------------------------------ */

int gofer_serve_one(struct gofer_server *s)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = {s->in, GOFER_MSG_MAX};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	struct reply rp = {.fd = -1};
	struct gofer_reader r;
	struct gofer_hdr h = {0};
	bool had_fds = false;
	ssize_t n;
	int err;

	do
		n = recvmsg(s->sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	/* Requests never carry fds: close any, and refuse the message. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
				close(fd);
			}
		}
		had_fds = true;
	}
	err = gofer_parse(s->in, (size_t)n, &h, &r);
	if (!err && ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || had_fds ||
		     h.error != 0))
		err = -EPROTO;
	if (err && (size_t)n < sizeof(h))
		memset(&h, 0, sizeof(h));
	if (!err && !s->versioned && h.op != GOFER_VERSION_OP)
		err = -EPROTO;
	gofer_begin(&rp.m, s->out, s->msize, h.op, h.tag, 0);
	if (!err)
		err = handlers[h.op](s, &r, &rp);
	if (err) {
		if (rp.fd >= 0)
			close(rp.fd);
		rp.fd = -1;
		gofer_begin(&rp.m, s->out, s->msize, h.op, h.tag, -err);
	}
	err = send_reply(s, &rp);
	return err ? err : 1;
}

int gofer_serve(struct gofer_server *s)
{
	for (;;) {
		int ret = gofer_serve_one(s);

		if (ret == 0)
			return 0;
		if (ret < 0) {
			fprintf(stderr, "moat gofer: %s\n", strerror(-ret));
			return 1;
		}
	}
}

/* ---- set-up ------------------------------------------------------------- */

int gofer_server_init(struct gofer_server *s, int sock, int proc_fd,
		      const struct gofer_mount_spec *specs, unsigned n,
		      const char **why)
{
	*s = (struct gofer_server){
	    .sock = sock, .proc_fd = proc_fd, .msize = GOFER_MSG_MAX};
	*why = NULL;
	if (n > GOFER_MOUNTS_MAX) {
		*why = "too many mounts";
		gofer_server_destroy(s);
		return -EINVAL;
	}
	s->in = malloc(GOFER_MSG_MAX);
	s->out = malloc(GOFER_MSG_MAX);
	s->slots = malloc(GOFER_LOOKUP_MAX * sizeof(*s->slots));
	if (!s->in || !s->out || !s->slots) {
		gofer_server_destroy(s);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct gofer_stat st;
		int fd = open(specs[i].host_path, O_PATH | O_CLOEXEC), err;

		if (fd < 0) {
			err = -errno;
			*why = specs[i].host_path;
			gofer_server_destroy(s);
			return err;
		}
		s->mounts[i] = (struct gofer_mount){
		    .fd = fd, .ro = specs[i].readonly, .uds = specs[i].uds};
		s->nmounts = i + 1;
		err = stat_fd(s, fd, &st, &s->mounts[i].mnt_id);
		if (err) {
			*why = specs[i].host_path;
			gofer_server_destroy(s);
			return err;
		}
	}
	ring_init(s);
	return 0;
}

void gofer_server_destroy(struct gofer_server *s)
{
	for (uint32_t i = 0; i < s->nfids; i++)
		if (s->fids[i].fd >= 0)
			fid_free(s, &s->fids[i]);
	free(s->fids);
	for (unsigned i = 0; i < s->nmounts; i++)
		close(s->mounts[i].fd);
	if (s->sock >= 0)
		close(s->sock);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	free(s->in);
	free(s->out);
	free(s->slots);
	gofer_server_drop_ring(s);
	*s = (struct gofer_server){.sock = -1, .proc_fd = -1};
}
