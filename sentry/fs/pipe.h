/* SPDX-License-Identifier: Apache-2.0 */
/* Pipes (pipe.c). */
#ifndef MOAT_FS_PIPE_H
#define MOAT_FS_PIPE_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct vfs_inode;

/* A new pipe: its read and write ends; flags: O_NONBLOCK. 0 or -errno. */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);

/* Open a FIFO inode (vfs_open): the pipe it shares while open. */
struct file *fifo_open(struct vfs_inode *inode, uint32_t flags);

bool pipe_is(struct file *f);
/* F_GETPIPE_SZ and F_SETPIPE_SZ: the size, or -errno (EBADF: no pipe). */
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, uint64_t size, bool privileged);

#endif
