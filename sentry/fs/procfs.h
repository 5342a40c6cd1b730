/* SPDX-License-Identifier: Apache-2.0 */
/* procfs: the sandbox's /proc. */
#ifndef MOAT_FS_PROCFS_H
#define MOAT_FS_PROCFS_H

#include <stddef.h>

struct kernel;
struct vfs_inode;

/* A new procfs: its root inode (a reference), or NULL. */
struct vfs_inode *procfs_create(struct kernel *k);
/* A minimal sysfs (/sys/devices/system/cpu/{online,possible,present}). */
struct vfs_inode *sysfs_create(struct kernel *k);
/* /proc/cpuinfo's block for one CPU (cpuinfo.c), as snprintf. */
int cpuinfo_format(char *buf, size_t cap, long cpu, long ncpus);

#endif
