/* SPDX-License-Identifier: Apache-2.0 */
/* tmpfs: a filesystem held in the sentry and the memory file. */
#ifndef MOAT_FS_TMPFS_H
#define MOAT_FS_TMPFS_H

#include "sentry/mm/memfile.h"
#include "sentry/vfs/vfs.h"

/* A directory's entry, in a list in creation order. */
struct tmpfs_dirent {
	char *name;
	struct vfs_inode *inode;
	uint64_t pos; /* readdir position: stable while the entry lives */
	struct tmpfs_dirent *next;
};

struct tmpfs_super {
	struct vfs_super sb;
	struct memfile *mf;
};

struct tmpfs_inode {
	struct vfs_inode i;
	struct vfs_xattrs xattrs;
	pthread_mutex_t pages_lock; /* a leaf: reg.maps and reg.zombies */
	union {
		struct {
			struct tmpfs_dirent *head;
			uint64_t next_pos;
			size_t nentries;
			bool opaque; /* an overlay's upper: hides the lower */
		} dir;
		struct {
			/* memory-file offset + 1 of each page; 0: a hole */
			uint64_t *pages;
			size_t npages, cap;
			/* F_SEAL_*: F_SEAL_SEAL alone unless a memfd
			 * allowed sealing. Under the inode's lock, as
			 * the two below. */
			unsigned seals;
			/* Shared writable mappings being made, and
			 * F_SEAL_WRITEs looking for mapped ones. */
			unsigned mapping, sealing;
			/*
			 * Address spaces mapping the file shared (mm.c);
			 * while there are any, pages the file lets go stay
			 * allocated (zombies), for they may still be
			 * mapped. Under pages_lock.
			 */
			unsigned maps;
			uint64_t *zombies;
			size_t nzombies;
		} reg;
		char *target; /* symlinks */
	};
};

static inline struct tmpfs_inode *to_ti(struct vfs_inode *i)
{
	return (struct tmpfs_inode *)i;
}

#define TMPFS_SEAL_SEAL		0x0001
#define TMPFS_SEAL_SHRINK	0x0002
#define TMPFS_SEAL_GROW		0x0004
#define TMPFS_SEAL_WRITE	0x0008
#define TMPFS_SEAL_FUTURE_WRITE 0x0010
#define TMPFS_SEAL_EXEC		0x0020 /* MFD_NOEXEC_SEAL's */

/*
 * memfd_create's file: an unlinked regular file of the private tmpfs
 * root belongs to (mode 0777, as Linux's), open O_RDWR; seals start as
 * F_SEAL_SEAL unless sealing is allowed. An ERR_PTR on failure.
 */
struct file *tmpfs_memfd(struct vfs_inode *root, bool allow_sealing,
			 uint32_t uid, uint32_t gid);
/*
 * F_ADD_SEALS and F_GET_SEALS, as for Linux's shmem files: a memfd, or a
 * regular file of a tmpfs mount (sealed with F_SEAL_SEAL from the start);
 * -EINVAL for any other file.
 */
int tmpfs_add_seals(struct file *f, unsigned seals);
int tmpfs_get_seals(struct file *f);
/*
 * Around a MAP_SHARED mapping of f, which write says is made writable:
 * -EPERM under a write seal (F_SEAL_WRITE, F_SEAL_FUTURE_WRITE), or while
 * an F_SEAL_WRITE is being added; for a read-only mapping under one,
 * *maywrite (in: the file is open for writing) turns false, so that
 * mprotect cannot make it writable. A mapping that may write is counted
 * from tmpfs_map_begin until tmpfs_map_done, for F_SEAL_WRITE, which
 * fails with -EBUSY while any such mapping is there or being made. Files
 * of other filesystems: 0, nothing changed.
 */
int tmpfs_map_begin(struct file *f, bool write, bool *maywrite);
void tmpfs_map_done(struct file *f, bool maywrite);

/* A new tmpfs: its root directory inode (a reference), or NULL. */
struct vfs_inode *tmpfs_create(struct memfile *mf, uint32_t mode, uint32_t uid,
			       uint32_t gid);
bool tmpfs_is(const struct vfs_inode *inode);
struct tmpfs_inode *tmpfs_new_inode(struct tmpfs_super *ts, uint32_t mode);
/* Free the pages of a regular file past size; zero the last one's tail. */
void tmpfs_truncate_pages(struct tmpfs_inode *ti, uint64_t size);
/*
 * Write len bytes of the sentry's own memory at off into a regular file
 * (an overlay's copy-up), growing it: bytes written or -errno.
 */
ssize_t tmpfs_kwrite(struct vfs_inode *inode, const void *buf, size_t len,
		     int64_t off);
/*
 * Add name -> inode (taking a reference) at the end of dir with readdir
 * position pos (past every other's; snapshots restore them), moving the
 * next position past it: 0 or -ENOMEM.
 */
int tmpfs_dir_append(struct tmpfs_inode *dir, const char *name,
		     struct vfs_inode *inode, uint64_t pos);
/*
 * Entries of dir from *pos ("." is 0, ".." 1), advancing *pos past each
 * one the sink takes; parent is the directory's parent (for "..").
 */
int tmpfs_readdir(struct vfs_inode *dir, int64_t *pos,
		  struct vfs_dir_sink *sink, struct vfs_inode *parent);

#endif
