/* SPDX-License-Identifier: Apache-2.0 */
/* Pipes (pipe.c). */
#ifndef MOAT_FS_PIPE_H
#define MOAT_FS_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/*
 * splice, tee and vmsplice (syscalls/splice.c): the ring handed, under the
 * pipe's lock, to a producer or a consumer of the caller's, or moved from
 * one pipe to another. nonblock: fail with EAGAIN rather than wait, for
 * SPLICE_F_NONBLOCK or the O_NONBLOCK the caller takes into account.
 * -EPIPE: no reader; raising SIGPIPE is the caller's. Waits are not
 * interruptible, as read's and write's.
 */
/* Fill dst with up to n bytes: bytes given (0: no more) or -errno. */
typedef ssize_t (*pipe_fill_fn)(void *arg, void *dst, size_t n);
/* Take up to n bytes from src: bytes taken or -errno. */
typedef ssize_t (*pipe_drain_fn)(void *arg, const void *src, size_t n);

/*
 * Into the pipe f writes to: wait for room (EPIPE with no reader), then
 * fill up to len bytes of free space, until fill stops short; no second
 * wait. Bytes added, or -errno when none were.
 */
ssize_t pipe_fill(struct file *f, size_t len, bool nonblock, pipe_fill_fn fill,
		  void *arg);
/*
 * Out of the pipe f reads from: wait for data (0 once no writer is left),
 * then give up to len bytes to drain, consuming what it takes, until it
 * stops short or the pipe is empty. Bytes taken, or -errno when none were.
 */
ssize_t pipe_drain(struct file *f, size_t len, bool nonblock,
		   pipe_drain_fn drain, void *arg);
/*
 * From in's pipe to out's, up to len bytes, as splice does (consumed from
 * in) or as tee does (left there). EINVAL if they are the same pipe; 0
 * when in is empty with no writer left. Bytes moved or -errno.
 */
ssize_t pipe_splice(struct file *in, struct file *out, size_t len,
		    bool nonblock, bool tee);

/*
 * Snapshots. pipe_save: an anonymous pipe's end (not a FIFO's): the pipe
 * it shares with the other end (a key), which end, and a copy of the
 * buffered bytes (malloc'd, *len of them; *cap the ring's size). 0, or
 * -EINVAL for a file that is no anonymous pipe, -ENOMEM.
 */
int pipe_save(struct file *f, const void **key, bool *write_end, uint8_t **data,
	      size_t *len, size_t *cap);
/*
 * The end of a pipe made again: the first call for a pipe (*pipe NULL)
 * makes it with cap bytes of ring holding data, the next ones share it.
 * flags: the file's status flags. A new file, or NULL (ENOMEM, or -EINVAL
 * for a cap or len no pipe has). pipe_restore_done drops the caller's
 * hold on *pipe once every end is made.
 */
struct file *pipe_restore(void **pipe, bool write_end, uint32_t flags,
			  const uint8_t *data, size_t len, size_t cap);
void pipe_restore_done(void *pipe);

#endif
