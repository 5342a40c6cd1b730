/* SPDX-License-Identifier: Apache-2.0 */
/* goferfs: the container's files, served by the gofer. */
#ifndef MOAT_FS_GOFERFS_H
#define MOAT_FS_GOFERFS_H

#include "sentry/fs/gofer_client.h"
#include "sentry/vfs/vfs.h"

struct memfile;

/*
 * A filesystem over the gofer's mount number mount: its root inode (with a
 * reference), or NULL and *err. ro: the mount is read-only. Shared
 * mappings of its files keep their page caches in mf.
 */
struct vfs_inode *goferfs_create(struct gofer_client *c, struct memfile *mf,
				 uint32_t mount, bool ro, int *err);

#endif
