/* SPDX-License-Identifier: Apache-2.0 */
/*
 * overlay: a writable tmpfs upper layer over a read-only lower filesystem,
 * as Linux's overlayfs (without redirect_dir, index or metacopy): the
 * lower is never written; files are copied up before they change, removed
 * lower names are hidden by whiteouts, and a directory made where a lower
 * one was removed is opaque.
 */
#ifndef MOAT_FS_OVERLAY_H
#define MOAT_FS_OVERLAY_H

#include "sentry/vfs/vfs.h"

/*
 * An overlay of a writable upper directory inode (tmpfs) over lower (any
 * fs, never written): its root inode with a reference, or NULL (*err).
 * The overlay takes its own references on both; the upper belongs to the
 * overlay from now on (its inode numbers are rewritten).
 */
struct vfs_inode *overlay_create(struct vfs_inode *upper_root,
				 struct vfs_inode *lower_root, int *err);

bool overlay_is(const struct vfs_inode *inode);

/* For snapshots (the sandbox frozen); no references are taken or given
 * unless said. The upper layer's root (tmpfs) of inode's overlay. */
struct vfs_inode *overlay_upper_root(struct vfs_inode *inode);
/* inode's layers: NULL where it has none (or the lower is hidden). */
void overlay_layers(struct vfs_inode *inode, struct vfs_inode **upper,
		    struct vfs_inode **lower);
/*
 * A new inode of inode's overlay over upper alone, named nowhere (a
 * removed file's): a reference, or NULL without memory.
 */
struct vfs_inode *overlay_inode_unlinked(struct vfs_inode *inode,
					 struct vfs_inode *upper);

#endif
