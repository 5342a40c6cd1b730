/* SPDX-License-Identifier: Apache-2.0 */
/* procfs: the sandbox's /proc. */
#ifndef MOAT_FS_PROCFS_H
#define MOAT_FS_PROCFS_H

struct kernel;
struct vfs_inode;

/* A new procfs: its root inode (a reference), or NULL. */
struct vfs_inode *procfs_create(struct kernel *k);
/* A minimal sysfs (/sys/devices/system/cpu/{online,possible,present}). */
struct vfs_inode *sysfs_create(struct kernel *k);

#endif
