/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem in a snapshot image: the sandbox's mount table and the
 * contents of every tmpfs (an overlay's upper layer and memfd_create's
 * private tmpfs included), and references to open files' objects.
 *
 * A tmpfs keeps regular files' data in pages of the memory file, which
 * memimage restores at the same offsets, so a tmpfs is saved as metadata
 * only. Two sections (every integer little-endian):
 *
 * mounts (IMAGE_SEC_MOUNTS): u32 version (1), u32 count, then per mount
 *   in the namespace's order (its root first):
 *     u64 id, u64 parent id (0: none), u32 flags (VFS_MNT_*),
 *     u32 path length, u32 type length, u32 source length,
 *     then the mount point's absolute path, the type ("tmpfs", "overlay",
 *     "proc", "9p"...) and the source, none NUL-terminated.
 *
 * tmpfs (IMAGE_SEC_TMPFS): u32 version (1), u32 count, then per tmpfs:
 *     u32 kind (FSIMAGE_FS_*), u32 reserved (0), u64 mount id (0 for the
 *     memfd tmpfs), u64 the superblock's next inode number, u64 inodes;
 *   that many inodes, the first the root directory:
 *     u32 mode, uid, gid, nlink; u64 ino, size, rdev, blocks;
 *     atime, mtime, ctime, btime (i64 seconds, i64 nanoseconds each);
 *     u32 seals, u32 flags (FSIMAGE_INO_OPAQUE); u64 next readdir
 *     position (directories), u64 pages, u64 zombie pages (regular files);
 *     u32 symlink target length, u32 xattrs;
 *     then the target, the pages (u64 each: memory-file offset + 1, 0 a
 *     hole), the zombies (u64 offsets: pages let go while mapped shared),
 *     and per xattr u32 name length, u32 value length, name, value;
 *   then per directory, in inode order: u64 entries, and per entry
 *     u64 inode index, u64 readdir position, u32 name length, name.
 *
 * Restore treats both as hostile: every count is bounded by the bytes
 * left, names are checked (1..255 bytes, no '/' or NUL, not "." or ".."),
 * modes must be of a known type, pages page-aligned, inside allocated
 * pages of the memory file and owned by one file only, link counts must
 * match the entries, a directory has at most one name and every named
 * directory is reachable from the root (no cycles), names in a directory
 * are unique and their readdir positions increasing. Nothing in the
 * sandbox changes until all of it has been checked.
 *
 * Open files' objects are saved as references (fsimage_ref): records of
 * FSIMAGE_REC_HEAD + path + name bytes:
 *    0 u16 version (1)         2 u16 kind (FSIMAGE_REF_*)
 *    4 u32 record length       8 u32 flags (FSIMAGE_REF_F_*)
 *   12 u32 tmpfs index        16 u64 mount id
 *   24 u64 inode index (in that tmpfs)
 *   32 u64 size               40 i64 mtime seconds   48 i64 nanoseconds
 *   56 u32 path length        60 u32 name length
 * A path is relative to its mount's root ("" is the root; "a/b").
 */
#ifndef MOAT_STATE_FSIMAGE_H
#define MOAT_STATE_FSIMAGE_H

#include "sentry/state/image.h"
#include "sentry/vfs/vfs.h"

#include <stddef.h>
#include <stdint.h>

struct kernel;
struct fsimage;

#define FSIMAGE_VERSION 1
#define FSIMAGE_ERR_LEN IMAGE_ERR_LEN

/* What a saved tmpfs is in the sandbox. */
#define FSIMAGE_FS_MOUNT	 1 /* the filesystem mounted as mount id */
#define FSIMAGE_FS_OVERLAY_UPPER 2 /* the upper layer of overlay mount id */
#define FSIMAGE_FS_MEMFD	 3 /* the kernel's memfd_create tmpfs */

#define FSIMAGE_INO_OPAQUE 0x1 /* an overlay upper's opaque directory */

/* Kinds of references. */
#define FSIMAGE_REF_PATH      1	  /* a named file: mount id + path */
#define FSIMAGE_REF_UNLINKED  2	  /* a removed tmpfs file: its parent's path */
#define FSIMAGE_REF_INODE     3	  /* a tmpfs inode with no path (memfd) */
#define FSIMAGE_REF_F_TMPFS   0x1 /* tmpfs index + inode index are set */
#define FSIMAGE_REF_F_STAT    0x2 /* a host file: size and mtime to check */
#define FSIMAGE_REF_F_OVERLAY 0x4 /* the tmpfs inode is an overlay's upper */
#define FSIMAGE_REC_HEAD      64

/* A growable buffer that references are appended to. */
struct fsimage_buf {
	uint8_t *p;
	size_t len, cap;
};

void fsimage_buf_release(struct fsimage_buf *b);

/* ---- checkpoint (the sandbox is frozen: nothing changes meanwhile) ---- */

/*
 * Start saving k's filesystem: number the mounts and every inode of every
 * tmpfs reachable from its root. 0 or -ENOMEM (why says so).
 */
int fsimage_save_begin(struct kernel *k, struct fsimage **out,
		       char why[FSIMAGE_ERR_LEN]);

/*
 * Append to out a record that names an open file's object: p its path (a
 * mount and a dentry, which may be removed: an unlinked file; p NULL or
 * p->mnt NULL for a file with no path, a memfd), inode its inode (NULL:
 * p->dentry's). 0; -EOPNOTSUPP with why naming the object when it cannot
 * be saved ("an unlinked file of the 9p mount at / ..."); -ENOMEM.
 * A tmpfs inode that no directory names is saved with the tmpfs.
 */
int fsimage_ref(struct fsimage *m, const struct vfs_path *p,
		struct vfs_inode *inode, struct fsimage_buf *out,
		char why[FSIMAGE_ERR_LEN]);

/* The length of the record at rec (avail bytes there), or 0 if invalid. */
size_t fsimage_rec_len(const void *rec, size_t avail);

/* Write the mounts and tmpfs sections to w (after every fsimage_ref). */
int fsimage_save_finish(struct fsimage *m, struct image_writer *w,
			char why[FSIMAGE_ERR_LEN]);

void fsimage_free(struct fsimage *m);

/* ---- restore ---- */

/*
 * Fill k's filesystem from r: k's memory file is restored (memimage) and
 * its mounts booted from the configuration the checkpointed sandbox had.
 * The mounts must match the image's (path, type and flags, in order);
 * each tmpfs is replaced by the image's tree, and cached dentries are
 * pointed at the new inodes. 0, or -EINVAL (a bad image, or a sandbox that
 * does not match it) / -ENOMEM with why saying what and where. Every
 * check of the image is made before anything changes; a failure after
 * that (no memory, a cached mount point missing from the image's tree)
 * leaves k partly restored, to be discarded: a restore fails as a whole.
 * *out resolves references until fsimage_free.
 */
int fsimage_restore(struct kernel *k, struct image_reader *r,
		    struct fsimage **out, char why[FSIMAGE_ERR_LEN]);

/*
 * The object a record of fsimage_ref names (len bytes, hostile): *out a
 * path with references ({NULL, NULL} for a file with no path), *inode its
 * inode with a reference of its own. A host file (9p, an overlay's lower)
 * must have the size and mtime it had, else -ESTALE with why naming it.
 * 0, -EINVAL (a bad record), -ENOENT (no such file now), -ESTALE, -ENOMEM.
 */
int fsimage_resolve(struct fsimage *m, const void *rec, size_t len,
		    struct vfs_path *out, struct vfs_inode **inode,
		    char why[FSIMAGE_ERR_LEN]);

#endif
