/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtual filesystem: inodes, dentries, mounts and path resolution, in
 * the shapes of Linux's VFS (simplified: one lock for the namespace).
 *
 * - An inode is a file of some filesystem, with an operations table; its
 *   attributes are cached in the struct and guarded by its lock.
 * - A dentry names an inode (or, negative, the absence of one) in its
 *   parent directory. Dentries form the cached tree; a dentry holds a
 *   reference on its parent, and is freed when it is both unreferenced and
 *   removed from the tree.
 * - A mount attaches a filesystem's root dentry over a dentry of its parent
 *   mount. A path is a (mount, dentry) pair.
 *
 * The namespace lock (vfs_ns.lock) is held across every lookup step and
 * every change to the tree, and filesystem operations on directories are
 * called with it held; file data operations do not take it.
 */
#ifndef MOAT_VFS_H
#define MOAT_VFS_H

#include "abi/linux.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct creds;
struct file;
struct pipe;
struct task;
struct vfs_inode;
struct vfs_dentry;
struct vfs_mount;
struct vfs_super;

struct vfs_path {
	struct vfs_mount *mnt;
	struct vfs_dentry *dentry;
};

/* What getattr fills: stat and statx, before the mount's device number. */
struct vfs_attr {
	uint64_t ino, rdev, size, blocks;
	uint32_t mode, nlink, uid, gid, blksize;
	struct abi_timespec atime, mtime, ctime, btime;
};

#define VFS_SETATTR_MODE      0x01
#define VFS_SETATTR_UID	      0x02
#define VFS_SETATTR_GID	      0x04
#define VFS_SETATTR_SIZE      0x08
#define VFS_SETATTR_ATIME     0x10
#define VFS_SETATTR_MTIME     0x20
#define VFS_SETATTR_CTIME     0x40 /* set ctime to now (always implied) */
#define VFS_SETATTR_ATIME_NOW 0x80
#define VFS_SETATTR_MTIME_NOW 0x100

/* map_pages' flags (struct vfs_inode_ops) */
#define VFS_MAP_TRY	0x1
#define VFS_MAP_NOALLOC 0x2

struct vfs_setattr {
	uint32_t mask;
	uint32_t mode, uid, gid;
	uint64_t size;
	struct abi_timespec atime, mtime;
};

/*
 * readdir's sink: called for each entry from the file's position on, with
 * the position of the entry after it. Returns nonzero to stop (the buffer
 * is full); that entry is then not consumed.
 */
struct vfs_dir_sink {
	int (*emit)(struct vfs_dir_sink *sink, const char *name, size_t len,
		    uint64_t ino, unsigned type, int64_t next);
};

/*
 * Inode operations. Directory operations get one NUL-terminated component
 * (not "." or ".."), are called with the namespace lock held and after the
 * VFS has checked permissions, existence and types; they update the
 * directory's and the new inode's attributes. Returning -errno leaves
 * everything as it was. A NULL member is -EPERM for changes, -EINVAL for
 * readlink, and the generic behaviour where one is named.
 */
struct vfs_inode_ops {
	/* name in dir: its inode with a reference, or -ENOENT. */
	int (*lookup)(struct vfs_inode *dir, const char *name,
		      struct vfs_inode **out);
	/*
	 * Is dir's cached dentry name, naming inode (NULL: negative), still
	 * right (d_revalidate)? If not, the cache forgets it and looks name
	 * up again. NULL: always (the filesystem changes only through the
	 * VFS). Called with the namespace lock held.
	 */
	bool (*revalidate)(struct vfs_inode *dir, const char *name,
			   struct vfs_inode *inode);
	/* New regular file, FIFO, socket or device node (mknod). */
	int (*mknod)(struct vfs_inode *dir, const char *name, uint32_t mode,
		     uint64_t rdev, const struct creds *c,
		     struct vfs_inode **out);
	int (*mkdir)(struct vfs_inode *dir, const char *name, uint32_t mode,
		     const struct creds *c, struct vfs_inode **out);
	int (*symlink)(struct vfs_inode *dir, const char *name,
		       const char *target, const struct creds *c,
		       struct vfs_inode **out);
	/* A new name for old (not a directory) in dir. */
	int (*link)(struct vfs_inode *dir, const char *name,
		    struct vfs_inode *old);
	/* Remove name, which is victim: unlink for non-directories... */
	int (*unlink)(struct vfs_inode *dir, const char *name,
		      struct vfs_inode *victim);
	/* ...rmdir for a directory, which the filesystem checks is empty. */
	int (*rmdir)(struct vfs_inode *dir, const char *name,
		     struct vfs_inode *victim);
	/*
	 * Move oldname (src) in olddir to newname in newdir, replacing dst
	 * (NULL: none) unless flags say otherwise (ABI_RENAME_*). Same
	 * filesystem; types and emptiness of dst checked by the VFS except
	 * for directories, whose emptiness the filesystem checks.
	 */
	int (*rename)(struct vfs_inode *olddir, const char *oldname,
		      struct vfs_inode *src, struct vfs_inode *newdir,
		      const char *newname, struct vfs_inode *dst,
		      unsigned flags);
	/* A symlink's target into buf: its length, or -errno. */
	ssize_t (*readlink)(struct vfs_inode *inode, char *buf, size_t len);
	/*
	 * A magic link (procfs's fd/N, cwd, exe): the path it stands for
	 * (references), followed instead of a target string. NULL: an
	 * ordinary symlink.
	 */
	int (*get_link)(struct vfs_inode *inode, struct vfs_path *out);
	/* Refresh attributes; NULL: the cached ones are current. */
	int (*getattr)(struct vfs_inode *inode, struct vfs_attr *a);
	/*
	 * May c access inode for mask (ABI_R_OK | ABI_W_OK | ABI_X_OK)? 0
	 * or -errno. NULL: vfs_generic_permission.
	 */
	int (*permission)(struct vfs_inode *inode, int mask,
			  const struct creds *c);
	/* Change attributes (already permitted); NULL: update the cache. */
	int (*setattr)(struct vfs_inode *inode, const struct vfs_setattr *sa);
	/*
	 * A new open file for inode (flags: O_ACCMODE and status flags).
	 * vfs_open sets the file's path and inode afterwards; a filesystem
	 * opening another's inode for its own use sets them itself.
	 */
	struct file *(*open)(struct vfs_inode *inode, uint32_t flags);
	/*
	 * Instead of open, for an inode that stands for a file elsewhere
	 * (procfs's fd/N of a file without a path): the open file, whole,
	 * with its own path and inode, never the inode opened.
	 */
	struct file *(*open_file)(struct vfs_inode *inode, uint32_t flags);
	/*
	 * A new regular file of mode in dir's filesystem with no name and
	 * no links (O_TMPFILE; permissions checked). NULL: EOPNOTSUPP.
	 */
	int (*tmpfile)(struct vfs_inode *dir, uint32_t mode,
		       const struct creds *c, struct vfs_inode **out);
	/*
	 * Extended attributes, names with their namespace prefix (checked
	 * and permitted by xattr.c). getxattr: the value's length, copied
	 * to buf when size is nonzero (-ERANGE: too small; -ENODATA: none).
	 * setxattr: flags ABI_XATTR_CREATE/REPLACE, or VFS_XATTR_REMOVE to
	 * remove it. listxattr: the NUL-terminated names, as getxattr. A
	 * NULL getxattr: the filesystem has no xattrs (EOPNOTSUPP).
	 */
	ssize_t (*getxattr)(struct vfs_inode *inode, const char *name,
			    void *buf, size_t size);
	int (*setxattr)(struct vfs_inode *inode, const char *name,
			const void *value, size_t size, int flags);
	ssize_t (*listxattr)(struct vfs_inode *inode, char *buf, size_t size);
	/*
	 * Shared mappings of a regular file through pages of the memory
	 * file: the file's own (tmpfs), or a page cache of a host file's
	 * (goferfs) kept while it is mapped; NULL elsewhere. map_get and
	 * map_put count the address spaces mapping it: while any does, pages
	 * the file lets go of stay allocated. map_pages gives the
	 * memory-file offset + 1 of pages [idx, idx+n) within the file's
	 * size, allocating (or filling) holes, and 0 past its end. flags:
	 * VFS_MAP_TRY, under an address space's lock: -EAGAIN rather than
	 * wait for the inode's locks (without it, never call it under one);
	 * VFS_MAP_NOALLOC: a hole of a file whose data the pages are (tmpfs)
	 * stays one and gives 0, as a new mapping leaves it to the first
	 * fault (a cache of a host file's data may still fill). map_get and
	 * map_put are called under an address space's lock.
	 */
	void (*map_get)(struct vfs_inode *inode);
	void (*map_put)(struct vfs_inode *inode);
	int (*map_pages)(struct vfs_inode *inode, uint64_t idx, size_t n,
			 uint64_t *moff, unsigned int flags);
	/*
	 * msync of pages [idx, idx+n): write what mappings stored there
	 * back to where the file's data lives (the host file). 0 or -errno.
	 * NULL: the mapped pages are the file's data (tmpfs).
	 */
	int (*map_sync)(struct vfs_inode *inode, uint64_t idx, uint64_t n);
	/*
	 * A socket file of the host that the mount lets the sandbox reach:
	 * a host socket of type (SOCK_STREAM...) connected to it,
	 * non-blocking and close-on-exec, in *fd. -ECONNREFUSED where no
	 * one listens or the mount does not allow it, -EAGAIN when the
	 * listener's backlog is full. NULL: only the sandbox's own sockets.
	 */
	int (*connect)(struct vfs_inode *inode, int type, int *fd);
	/* The last reference is gone: free the inode. */
	void (*evict)(struct vfs_inode *inode);
};

struct vfs_inode {
	int refs;
	struct vfs_super *sb;
	const struct vfs_inode_ops *ops;
	pthread_mutex_t lock; /* the attributes below */
	uint64_t ino;
	uint32_t mode, nlink, uid, gid;
	uint64_t size, rdev, blocks;
	struct abi_timespec atime, mtime, ctime, btime;
	/* A FIFO's pipe while some file has it open (pipe.c); under lock. */
	struct pipe *fifo;
	/* An O_TMPFILE file without O_EXCL: linkat may give it a name. */
	bool linkable;
	/* F_SET_RW_HINT's write-life hint. */
	uint8_t write_hint;
	/*
	 * Open files of the application reading only, and writing
	 * (file_count_open); atomic.
	 */
	int nreaders, nwriters;
};

struct vfs_super_ops {
	int (*statfs)(struct vfs_super *sb, struct abi_statfs *st);
	/* Every mount of it is gone. */
	void (*destroy)(struct vfs_super *sb);
};

struct vfs_super {
	int refs;
	const struct vfs_super_ops *ops;
	const char *type; /* "tmpfs", "proc"... as /proc/mounts says */
	uint64_t dev;	  /* st_dev of its files */
	uint64_t next_ino;
	pthread_mutex_t ino_lock;
};

struct vfs_dentry {
	int refs;
	struct vfs_dentry *parent; /* holds a reference; NULL for a root */
	char *name;
	struct vfs_inode *inode; /* NULL: negative */
	struct vfs_dentry *children, *sibling;
	unsigned nmounts; /* mounts on this dentry */
	bool removed;	  /* no longer in the tree */
};

#define VFS_MNT_RDONLY 0x01
#define VFS_MNT_NOSUID 0x02
#define VFS_MNT_NODEV  0x04
#define VFS_MNT_NOEXEC 0x08

struct vfs_mount {
	int refs;
	uint64_t id;
	struct vfs_mount *parent; /* NULL: the namespace's root mount */
	struct vfs_dentry *mountpoint;
	struct vfs_dentry *root;
	struct vfs_super *sb;
	uint32_t flags;
	char *source; /* as /proc/mounts shows it */
	/* A bind's root, its path in the filesystem as mountinfo shows it;
	 * NULL: the filesystem's root. */
	char *fsroot;
	struct vfs_mount *next;
};

/* A mount namespace: the mounts of a sandbox. */
struct vfs_ns {
	pthread_mutex_t lock;
	struct vfs_mount *root;
	struct vfs_mount *mounts; /* every mount, root first */
	uint64_t next_mnt_id;
};

/* ---- object lifetimes (vfs.c) ---- */

void vfs_super_init(struct vfs_super *sb, const struct vfs_super_ops *ops,
		    const char *type);
uint64_t vfs_next_ino(struct vfs_super *sb);
void vfs_inode_init(struct vfs_inode *inode, struct vfs_super *sb,
		    const struct vfs_inode_ops *ops, uint32_t mode);
struct vfs_inode *vfs_inode_get(struct vfs_inode *inode);
void vfs_inode_put(struct vfs_inode *inode);
struct vfs_dentry *vfs_dentry_get(struct vfs_dentry *d);
void vfs_dentry_put(struct vfs_dentry *d);
/* Free the unreferenced part of the cached tree below d. */
void vfs_dcache_prune(struct vfs_dentry *d);
/* Remove d from the tree; it goes with its last reference (d_drop). */
void vfs_d_drop(struct vfs_dentry *d);
/*
 * Forget d and the cached tree below it (d_invalidate): what nobody holds
 * goes now, the rest with its last reference. Namespace lock held.
 */
void vfs_d_invalidate(struct vfs_dentry *d);
/*
 * The dentry cache's bound: past it, a lookup drops every dentry nobody
 * holds (and with them the inodes, and the gofer's fids behind them).
 */
#define VFS_DCACHE_MAX 8192
extern long vfs_dentries;
void vfs_ns_shrink(struct vfs_ns *ns);
/* A root dentry for inode (taking the reference). */
struct vfs_dentry *vfs_dentry_root(struct vfs_inode *inode);
/*
 * A dentry named name under parent that is in no tree (an O_TMPFILE
 * file's): it takes inode's reference and one of parent's. NULL: ENOMEM.
 */
struct vfs_dentry *vfs_dentry_unlinked(struct vfs_dentry *parent,
				       const char *name,
				       struct vfs_inode *inode);
void vfs_path_get(const struct vfs_path *p);
void vfs_path_put(struct vfs_path *p);
static inline bool vfs_path_equal(const struct vfs_path *a,
				  const struct vfs_path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* The time now, for timestamps. */
void vfs_now(struct abi_timespec *ts);

/* ---- mounts (vfs.c) ---- */

int vfs_ns_init(struct vfs_ns *ns, struct vfs_super *root_sb,
		struct vfs_inode *root, const char *source, uint32_t flags);
void vfs_ns_destroy(struct vfs_ns *ns);
/* Mount sb's root over the directory at; its own reference on root. */
int vfs_mount(struct vfs_ns *ns, const struct vfs_path *at,
	      struct vfs_super *sb, struct vfs_inode *root, const char *source,
	      uint32_t flags);
/*
 * Bind the tree at src over at, as Linux's mount(MS_BIND | MS_REC): a
 * mount whose root is src's dentry, of src's filesystem, with src's
 * mount's flags and set_flags; the mounts below src come along (copies
 * on the new mount, set_flags added to theirs too). at and src may be
 * the same path (a path bound on itself).
 */
int vfs_bind(struct vfs_ns *ns, const struct vfs_path *at,
	     const struct vfs_path *src, uint32_t set_flags);
/* The namespace's root, with references. */
void vfs_ns_root(struct vfs_ns *ns, struct vfs_path *out);

/* ---- path resolution (namei.c) ---- */

#define LOOKUP_FOLLOW	   0x0001 /* follow a final symlink */
#define LOOKUP_DIRECTORY   0x0002 /* the result must be a directory */
#define LOOKUP_EMPTY	   0x0004 /* "" names the start (AT_EMPTY_PATH) */
#define LOOKUP_NO_SYMLINKS 0x0010 /* RESOLVE_NO_SYMLINKS */
#define LOOKUP_BENEATH	   0x0020 /* RESOLVE_BENEATH */
#define LOOKUP_IN_ROOT	   0x0040 /* RESOLVE_IN_ROOT */
#define LOOKUP_NO_XDEV	   0x0080 /* RESOLVE_NO_XDEV */
#define LOOKUP_NO_MAGIC	   0x0100 /* RESOLVE_NO_MAGICLINKS */

/* Who is looking: the task's root directory and credentials. */
struct vfs_lookup_ctx {
	struct vfs_ns *ns;
	struct vfs_path root;
	const struct creds *creds;
};

/*
 * Resolve path from start. On success *out holds references on a positive
 * path. Errors as Linux's path walk: ENOENT, ENOTDIR, ELOOP, EACCES,
 * ENAMETOOLONG, EXDEV (RESOLVE_BENEATH/NO_XDEV).
 */
int vfs_lookup(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	       const char *path, unsigned flags, struct vfs_path *out);
/* The same, with the namespace lock held (a magic link's get_link). */
int vfs_lookup_locked(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      unsigned flags, struct vfs_path *out);

/*
 * Resolve all but the last component: *parent (with references) is the
 * directory and last (ABI_NAME_MAX + 1 bytes) the final name, unresolved;
 * *trailing says slashes followed it. The final name may be "." or "..";
 * it is "" when the path has none ("/"). The caller decides what those
 * mean for its operation.
 */
int vfs_lookup_parent(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      unsigned flags, struct vfs_path *parent, char *last,
		      bool *trailing);

/*
 * The child dentry name of dir (a positive directory dentry), looked up
 * through the cache or the filesystem; may be negative. With a reference.
 * Called with the namespace lock held.
 */
int vfs_d_lookup(struct vfs_dentry *dir, const char *name,
		 struct vfs_dentry **out);

/* May creds access inode for mask (ABI_R_OK | ABI_W_OK | ABI_X_OK)? */
int vfs_permission(struct vfs_inode *inode, int mask, const struct creds *c);
/* The mode bits and capabilities alone (generic_permission): 0 or -EACCES. */
int vfs_generic_permission(struct vfs_inode *inode, int mask,
			   const struct creds *c);

/* ---- operations on paths (ops.c), errors as Linux's ---- */

int vfs_mknod(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	      const char *path, uint32_t mode, uint64_t rdev);
int vfs_mkdir(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	      const char *path, uint32_t mode);
int vfs_symlink(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
		const char *path, const char *target);
int vfs_link(const struct vfs_lookup_ctx *ctx, const struct vfs_path *ostart,
	     const char *oldpath, bool follow, const struct vfs_path *nstart,
	     const char *newpath);
/* unlink, or rmdir when rmdir is set. */
int vfs_unlink(const struct vfs_lookup_ctx *ctx, const struct vfs_path *start,
	       const char *path, bool rmdir);
int vfs_rename(const struct vfs_lookup_ctx *ctx, const struct vfs_path *ostart,
	       const char *oldpath, const struct vfs_path *nstart,
	       const char *newpath, unsigned flags);
/* flags: LOOKUP_EMPTY. The target's length, not NUL-terminated. */
ssize_t vfs_readlink(const struct vfs_lookup_ctx *ctx,
		     const struct vfs_path *start, const char *path,
		     unsigned flags, char *buf, size_t len);

int vfs_getattr(const struct vfs_path *p, struct vfs_attr *a);

/* ---- attributes (attr.c) ---- */

int vfs_inode_getattr(struct vfs_inode *inode, struct vfs_attr *a);
void vfs_attr_to_stat(const struct vfs_attr *a, uint64_t dev,
		      struct abi_stat *st);
/* fstat of an open file with an inode. */
int vfs_file_stat(struct file *f, struct abi_stat *st);
/* Apply sa to the cached attributes (setattr's generic part). */
void vfs_setattr_cache(struct vfs_inode *inode, const struct vfs_setattr *sa);
int vfs_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa);
/* With Linux's permission rules; ro: the mount is read-only. */
int vfs_chmod(struct vfs_inode *inode, bool ro, uint32_t mode,
	      const struct creds *c);
int vfs_chown(struct vfs_inode *inode, bool ro, uint32_t uid, uint32_t gid,
	      const struct creds *c);
/* A growth past the calling task's RLIMIT_FSIZE is EFBIG (and SIGXFSZ). */
int vfs_truncate(struct vfs_inode *inode, bool ro, int64_t size,
		 const struct creds *c, bool check_perm);
/*
 * RLIMIT_FSIZE of t's process (NULL: no task, no limit), for files whose
 * ops are size_limited. A write of *count bytes at pos >= 0 (O_APPEND: at
 * the file's end; Linux's generic_write_check_limits): 0 with *count cut
 * to end at the limit, or -EFBIG and SIGXFSZ for t when pos is at or past
 * it (a write of nothing too: callers skip those where Linux does).
 */
int vfs_write_check_limits(struct task *t, struct file *f, int64_t pos,
			   uint64_t *count);
/*
 * The same for a regular file's new size (inode_newsize_ok, for truncate
 * and fallocate): growing past the limit is -EFBIG and SIGXFSZ for t.
 */
int vfs_newsize_ok(struct task *t, struct vfs_inode *inode, uint64_t size);
/* times NULL: both now; tv_nsec may be ABI_UTIME_NOW or ABI_UTIME_OMIT. */
int vfs_utimes(struct vfs_inode *inode, bool ro,
	       const struct abi_timespec times[2], const struct creds *c);

/* ---- extended attributes (xattr.c) ---- */

#define VFS_XATTR_REMOVE   0x100
#define VFS_XATTR_LIST_MAX ABI_XATTR_LIST_MAX

/*
 * The syscalls' entry points: namespace and permission checks, then the
 * inode's operations. ro: the file's mount is read-only.
 */
ssize_t vfs_getxattr(struct vfs_inode *inode, const char *name, void *buf,
		     size_t size, const struct creds *c);
int vfs_setxattr(struct vfs_inode *inode, bool ro, const char *name,
		 const void *value, size_t size, int flags,
		 const struct creds *c);
int vfs_removexattr(struct vfs_inode *inode, bool ro, const char *name,
		    const struct creds *c);
ssize_t vfs_listxattr(struct vfs_inode *inode, char *buf, size_t size,
		      const struct creds *c);

/* An in-memory xattr store for a filesystem's inode, under its lock. */
struct vfs_xattr;
struct vfs_xattrs {
	struct vfs_xattr *head;
	size_t user_space; /* user.* names and values: limited */
};

ssize_t vfs_xattrs_get(struct vfs_xattrs *xs, pthread_mutex_t *lock,
		       const char *name, void *buf, size_t size);
int vfs_xattrs_set(struct vfs_xattrs *xs, pthread_mutex_t *lock,
		   const char *name, const void *value, size_t size, int flags);
ssize_t vfs_xattrs_list(struct vfs_xattrs *xs, pthread_mutex_t *lock, char *buf,
			size_t size);
void vfs_xattrs_free(struct vfs_xattrs *xs);

/* ---- flock (locks.c) ---- */

/* flock(2) on an open file: LOCK_SH, LOCK_EX, LOCK_UN, with LOCK_NB. */
/* -ERESTARTSYS when a wait is interrupted(arg), -EWOULDBLOCK with
 * LOCK_NB. */
int vfs_flock(struct file *f, int op, bool (*interrupted)(void *arg),
	      void *arg);
/* The description is going: its flock lock goes too. */
void vfs_flock_release(struct file *f);

/* ---- byte-range locks: POSIX record locks and OFD locks (locks.c) ---- */

/* A lock's end when it reaches to the end of the file, however long. */
#define VFS_LOCK_EOF INT64_MAX

/*
 * A byte-range lock, or a request to set, clear or test one. Locks of one
 * owner never conflict with each other; a process's POSIX locks are owned
 * by its fd table (as Linux's by current->files), an OFD lock by its open
 * file description.
 */
struct vfs_lock {
	int64_t start, end; /* inclusive; 0 <= start <= end */
	const void *owner;
	int type; /* ABI_F_RDLCK or ABI_F_WRLCK; a request may be ABI_F_UNLCK */
	int pid;  /* F_GETLK's l_pid: the setter's tgid, or -1 (OFD) */
	bool ofd; /* an OFD lock (no deadlock detection) */
	struct vfs_lock *next;
};

/*
 * The range arithmetic on one file's list of locks (kept grouped by owner,
 * each owner's sorted by start, as Linux), exported for unit tests:
 *
 * vfs_lock_list_test: the first lock that conflicts with req (another
 * owner's overlapping lock, where either is a write lock); for an
 * ABI_F_UNLCK req the first overlapping lock of req's own owner. NULL:
 * none.
 *
 * vfs_lock_list_apply: req's owner holds req->type on [start, end] from now
 * on (ABI_F_UNLCK: nothing there). Its locks of another type there are cut
 * back or split, and those of the same type that overlap or touch the
 * range merge into one. Conflicts are not checked. 0 or -ENOLCK, the list
 * unchanged.
 */
const struct vfs_lock *vfs_lock_list_test(const struct vfs_lock *list,
					  const struct vfs_lock *req);
int vfs_lock_list_apply(struct vfs_lock **list, const struct vfs_lock *req);
void vfs_lock_list_free(struct vfs_lock **list);

/*
 * The locks on the file with the given key (its inode; a file without an
 * inode keys by itself). vfs_lock_test: as vfs_lock_list_test, the
 * conflicting lock copied into *out: true when there is one.
 */
bool vfs_lock_test(const void *key, const struct vfs_lock *req,
		   struct vfs_lock *out);
/*
 * Set or clear req. On a conflict: -EAGAIN, or with wait, sleep until it
 * is gone, -EDEADLK where waiting would close a cycle of POSIX owners
 * waiting for each other, -ERESTARTSYS when interrupted(arg) says so
 * (checked every few milliseconds). -ENOLCK without memory.
 */
int vfs_lock_set(const void *key, const struct vfs_lock *req, bool wait,
		 bool (*interrupted)(void *arg), void *arg);
/* Drop every lock owner holds on the file with key (close, exit). */
void vfs_lock_release(const void *key, const void *owner);

/* ---- open (open.c) ---- */

/*
 * open/openat/openat2: the new open file (with path and inode set), or an
 * ERR_PTR. mode is already masked with the umask.
 */
struct file *vfs_open(const struct vfs_lookup_ctx *ctx,
		      const struct vfs_path *start, const char *path,
		      uint32_t flags, uint32_t mode, unsigned resolve);
/*
 * The open file of inode, found at p, with open's flags (O_PATH too): what
 * vfs_open makes once the checks passed. p's references become the file's
 * (the caller's are gone on success); an ERR_PTR on failure (p is still
 * the caller's then). A snapshot's restore opens so what was open.
 */
struct file *vfs_open_inode(const struct vfs_path *p, struct vfs_inode *inode,
			    uint32_t flags);
/*
 * The path of p from root as the task sees it, into buf: 0, or 1 when p is
 * not below root (buf then holds its path from its mount's root).
 */
int vfs_path_name(struct vfs_ns *ns, const struct vfs_path *root,
		  const struct vfs_path *p, char *buf, size_t len);

#endif
