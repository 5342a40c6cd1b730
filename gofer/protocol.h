/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gofer protocol: how the sentry asks the gofer for files.
 *
 * One message per SOCK_SEQPACKET packet, at most GOFER_MSG_MAX bytes: a
 * fixed 16-byte header, the operation's fixed-width body, then its variable
 * part (names, link targets, directory entries), each string as a 16-bit
 * length and its bytes, no NUL. All integers are little-endian, as both
 * ends are the same x86-64 host. A reply echoes the request's tag and op;
 * a nonzero error (a positive Linux errno) means the reply has no body.
 * Replies to OPEN and CREATE carry the opened host file as one SCM_RIGHTS
 * fd, so that reads and writes of regular files never come back here.
 *
 * Files are named by fids: small numbers the gofer hands out (ATTACH, WALK,
 * CREATE, MKDIR...) for a host file it holds as an O_PATH descriptor, and
 * forgets on CLUNK. Fids name files, never paths: the gofer walks one
 * component at a time beneath the mount's root, never follows a symlink
 * (it reports it; the sentry resolves it against the sandbox's root), and
 * refuses ".", "..", empty names and names containing '/'.
 *
 * The receiver checks everything: sizes against the packet, string lengths
 * against the body, counts against limits. A malformed message gets EINVAL
 * (or EPROTO for a bad header), never a crash.
 */
#ifndef MOAT_GOFER_PROTOCOL_H
#define MOAT_GOFER_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GOFER_VERSION	 1
#define GOFER_MSG_MAX	 (64 * 1024)
#define GOFER_NAME_MAX	 255  /* one path component */
#define GOFER_PATH_MAX	 4095 /* a symlink's target */
#define GOFER_WALK_MAX	 64   /* components in one WALK */
#define GOFER_LOOKUP_MAX 512  /* names in one LOOKUP */
#define GOFER_CLUNK_MAX	 1024 /* fids in one CLUNK */
#define GOFER_NO_FID	 0xffffffffU
#define GOFER_MOUNTS_MAX 64

enum gofer_op {
	GOFER_VERSION_OP = 1, /* agree on the version and message size */
	GOFER_ATTACH,	      /* a fid for the root of mount n */
	GOFER_WALK,	      /* fids for components below a directory */
	GOFER_OPEN,	      /* a host fd for a fid, by SCM_RIGHTS */
	GOFER_CREATE,	      /* create and open a regular file */
	GOFER_MKDIR,
	GOFER_MKNOD, /* fifos, sockets and regular files only */
	GOFER_SYMLINK,
	GOFER_LINK,
	GOFER_UNLINK, /* unlinkat, with GOFER_AT_REMOVEDIR */
	GOFER_RENAME, /* renameat2, with RENAME_NOREPLACE/EXCHANGE */
	GOFER_READLINK,
	GOFER_GETDENTS,
	GOFER_STAT,
	GOFER_SETATTR,
	GOFER_STATFS,
	GOFER_FSYNC,
	GOFER_CLUNK,
	GOFER_CONNECT, /* a socket connected to a host unix socket file */
	GOFER_BIND,    /* a socket bound to a new socket file on the host */
	GOFER_LOOKUP,  /* fids for several names in one directory */
	GOFER_GETXATTR,
	GOFER_LISTXATTR,
	GOFER_SETXATTR, /* and removing one */
	GOFER_OP_COUNT,
};

struct gofer_hdr {
	uint32_t size;	/* the whole message, this header included */
	uint16_t op;	/* enum gofer_op */
	uint16_t flags; /* zero */
	uint32_t tag;	/* chosen by the sentry, echoed in the reply */
	int32_t error;	/* replies: 0 or a positive errno; requests: 0 */
};
_Static_assert(sizeof(struct gofer_hdr) == 16, "gofer_hdr is 16 bytes");

/* File attributes, as statx reports them. */
struct gofer_stat {
	uint64_t ino;
	uint64_t dev; /* the host's st_dev: sentry-side use only */
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint64_t rdev;
	uint64_t size;
	uint64_t blocks; /* 512-byte units */
	uint32_t blksize;
	uint32_t xattr_len; /* its xattr names' length: 0, it has none */
	int64_t atime_sec, mtime_sec, ctime_sec, btime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec, btime_nsec;
};
_Static_assert(sizeof(struct gofer_stat) == 112, "gofer_stat is 112 bytes");

struct gofer_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree;
	uint64_t namelen, frsize, flags;
	uint32_t fsid[2];
};
_Static_assert(sizeof(struct gofer_statfs) == 88, "gofer_statfs is 88 bytes");

/* ---- bodies; "+ name" marks a string that follows the fixed part ---- */

struct gofer_version {
	uint32_t version;
	uint32_t msize;
};

struct gofer_attach_req {
	uint32_t mount; /* index in the gofer's mount table */
	uint32_t pad;
};

struct gofer_node {
	uint32_t fid;
	uint32_t pad;
	struct gofer_stat st;
};

/* + nnames names. Reply: nwalked gofer_nodes; error says why it stopped. */
struct gofer_walk_req {
	uint32_t fid; /* a directory */
	uint16_t nnames;
	uint16_t pad;
};

struct gofer_walk_rep {
	uint16_t nwalked;
	uint16_t pad;
	int32_t stop_error; /* errno of the component that stopped it, or 0 */
};

/* Reply: empty body, one fd. */
struct gofer_open_req {
	uint32_t fid;
	uint32_t flags; /* O_ACCMODE, O_TRUNC, O_APPEND, O_DIRECTORY... */
};

/* + name. Reply: gofer_node and one fd. */
struct gofer_create_req {
	uint32_t dirfid;
	uint32_t flags;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t pad;
};

/* + name. Reply: gofer_node. MKDIR ignores rdev. */
struct gofer_mknod_req {
	uint32_t dirfid;
	uint32_t mode;
	uint64_t rdev;
	uint32_t uid;
	uint32_t gid;
};

/* + name + target. Reply: gofer_node. */
struct gofer_symlink_req {
	uint32_t dirfid;
	uint32_t uid;
	uint32_t gid;
	uint32_t pad;
};

/* + name. Reply: gofer_node. */
struct gofer_link_req {
	uint32_t dirfid;
	uint32_t target; /* the existing file's fid */
};

#define GOFER_AT_REMOVEDIR 0x200

/* + name. Reply: empty. */
struct gofer_unlink_req {
	uint32_t dirfid;
	uint32_t flags; /* GOFER_AT_REMOVEDIR */
};

#define GOFER_RENAME_NOREPLACE 1
#define GOFER_RENAME_EXCHANGE  2

/* + oldname + newname. Reply: empty. */
struct gofer_rename_req {
	uint32_t olddirfid;
	uint32_t newdirfid;
	uint32_t flags; /* GOFER_RENAME_* */
	uint32_t pad;
};

/* STAT, READLINK, STATFS, FSYNC: just a fid. */
struct gofer_fid_req {
	uint32_t fid;
	uint32_t pad;
};

/* READLINK reply: + target. */

/*
 * GETDENTS: entries of a directory from the position a previous entry's
 * `next` gave (0: the start), up to `count` bytes of reply body.
 */
struct gofer_getdents_req {
	uint32_t fid;
	uint32_t count;
	uint64_t offset;
};

/* Reply: n entries, each a gofer_dirent + name. */
struct gofer_getdents_rep {
	uint32_t n;
	uint32_t eof; /* nonzero: no entries after these */
};

struct gofer_dirent {
	uint64_t ino;
	uint64_t next; /* offset of the entry after this one */
	uint8_t type;  /* DT_* */
	uint8_t pad[7];
};

#define GOFER_SETATTR_MODE  0x01
#define GOFER_SETATTR_UID   0x02
#define GOFER_SETATTR_GID   0x04
#define GOFER_SETATTR_SIZE  0x08
#define GOFER_SETATTR_ATIME 0x10
#define GOFER_SETATTR_MTIME 0x20
#define GOFER_SETATTR_MASK  0x3f
/* in atime_nsec/mtime_nsec, as utimensat's */
#define GOFER_UTIME_NOW 0x3fffffff

/* Reply: gofer_stat. */
struct gofer_setattr_req {
	uint32_t fid;
	uint32_t mask; /* GOFER_SETATTR_* */
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t pad;
	uint64_t size;
	int64_t atime_sec, mtime_sec;
	uint32_t atime_nsec, mtime_nsec;
};

/* + nfids uint32_t fids. Reply: empty. */
struct gofer_clunk_req {
	uint32_t nfids;
	uint32_t pad;
};

/*
 * Host unix sockets. Both are off unless the mount allows them
 * (gofer_mount_spec.uds): connecting reaches a host service, binding lets
 * host processes reach the sandbox. type is SOCK_STREAM, SOCK_DGRAM or
 * SOCK_SEQPACKET; the socket comes back non-blocking (the gofer never
 * waits on a host service) and close-on-exec.
 *
 * CONNECT: fid names a socket file. Reply: empty body, one fd, connected;
 * ECONNREFUSED where the mount does not allow it, as for a socket file no
 * one listens on; EAGAIN where the listener's backlog is full.
 */
struct gofer_connect_req {
	uint32_t fid;
	uint32_t type;
};

/*
 * BIND + name: a new socket file name in dirfid, mode (permission bits)
 * and owner as MKNOD's. Reply: the file's gofer_node and one fd, bound,
 * not listening yet. EPERM where the mount does not allow it (the sentry
 * then keeps the socket to itself and makes the file with MKNOD).
 */
struct gofer_bind_req {
	uint32_t dirfid;
	uint32_t type;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t pad;
};

/*
 * LOOKUP + nnames names: siblings in dirfid, each looked up as one step of
 * WALK (a symlink is reported, not followed), so that listing a directory
 * and then stat'ing its entries costs a few messages, not one per entry.
 * Reply: a gofer_lookup_rep, then n <= nnames entries for names[0..n) (the
 * rest did not fit: ask again), each a gofer_lookup_ent; a symlink's entry
 * with GOFER_LOOKUP_TARGET is followed by its target as a string.
 */
struct gofer_lookup_req {
	uint32_t dirfid;
	uint16_t nnames;
	uint16_t pad;
};

struct gofer_lookup_rep {
	uint16_t n;
	uint16_t pad;
	uint32_t pad2;
};

#define GOFER_LOOKUP_TARGET 1 /* a symlink's target follows */

struct gofer_lookup_ent {
	int32_t error;	/* positive errno: node is zero, no fid */
	uint32_t flags; /* GOFER_LOOKUP_TARGET */
	struct gofer_node node;
};

/*
 * Extended attributes of the host's files, names with their namespace
 * prefix (the sentry checks who may see and change what). Every node's
 * gofer_stat says how long the file's name list was (xattr_len), so that
 * the sentry need not ask about a file that has none.
 *
 * GETXATTR + name, LISTXATTR: Reply: gofer_xattr_rep, then len bytes (the
 * value; the NUL-terminated names), or nothing when size was 0. ERANGE:
 * longer than size; E2BIG: longer than a message holds.
 */
#define GOFER_XATTR_NAME_MAX 255
#define GOFER_XATTR_REMOVE   0x100 /* SETXATTR: remove the name */

struct gofer_xattr_req {
	uint32_t fid;
	uint32_t size;
};

struct gofer_xattr_rep {
	uint32_t len;
	uint32_t pad;
};

/*
 * SETXATTR + name + value: flags XATTR_CREATE, XATTR_REPLACE, or
 * GOFER_XATTR_REMOVE (the value empty). Reply: gofer_xattr_rep, len the
 * new length of the file's name list.
 */
struct gofer_setxattr_req {
	uint32_t fid;
	uint32_t flags;
};

/* ---- encoding and checked decoding, shared by both ends ---- */

/* A message being built; an overflow is sticky and reported by gofer_end. */
struct gofer_msg {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

void gofer_begin(struct gofer_msg *m, void *buf, size_t cap, uint16_t op,
		 uint32_t tag, int32_t error);
void gofer_put(struct gofer_msg *m, const void *p, size_t len);
void gofer_put_str(struct gofer_msg *m, const char *s, size_t len);
/* Finish: the message's size, or -EMSGSIZE if it did not fit. */
long gofer_end(struct gofer_msg *m);

/* A received message being read; every get checks what is left. */
struct gofer_reader {
	const uint8_t *p;
	size_t left;
};

/*
 * Check a received packet's header: its size field matches the packet, its
 * op is known, flags are zero. Returns 0 and sets up r over the body, or
 * -EPROTO.
 */
int gofer_parse(const void *buf, size_t len, struct gofer_hdr *h,
		struct gofer_reader *r);
/* Copy exactly len bytes; -EINVAL if fewer are left. */
int gofer_get(struct gofer_reader *r, void *dst, size_t len);
/*
 * A string of at most max bytes, not NUL-terminated on the wire: points
 * *s into the message (not terminated) and sets *len; -EINVAL if short,
 * -ENAMETOOLONG if longer than max.
 */
int gofer_get_str(struct gofer_reader *r, const char **s, size_t *len,
		  size_t max);
/* A path component: also refuses "", ".", "..", '/' and NUL. */
int gofer_get_name(struct gofer_reader *r, const char **s, size_t *len);
/* Nothing may be left over. */
int gofer_done(const struct gofer_reader *r);

const char *gofer_op_name(uint16_t op);

#endif
