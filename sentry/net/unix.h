/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_UNIX sockets inside the sentry (unix.c): connected pairs made by
 * socketpair, of type SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM. No host
 * socket is involved; messages and passed files live in the sentry.
 */
#ifndef MOAT_NET_UNIX_H
#define MOAT_NET_UNIX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct abi_iovec;
struct file;
struct task;

#define UNIX_SOCK_STREAM    1
#define UNIX_SOCK_DGRAM	    2
#define UNIX_SOCK_SEQPACKET 5

/* send and recv flags (MSG_*) that matter here. */
#define UNIX_MSG_OOB	      0x1
#define UNIX_MSG_PEEK	      0x2
#define UNIX_MSG_CTRUNC	      0x8
#define UNIX_MSG_TRUNC	      0x20
#define UNIX_MSG_DONTWAIT     0x40
#define UNIX_MSG_EOR	      0x80
#define UNIX_MSG_WAITALL      0x100
#define UNIX_MSG_NOSIGNAL     0x4000
#define UNIX_MSG_CMSG_CLOEXEC 0x40000000

/* Most files one message may carry (Linux's SCM_MAX_FD). */
#define UNIX_MAX_FDS 253

/*
 * A connected pair of type (one of UNIX_SOCK_*), status flags (O_NONBLOCK)
 * on both files; t is the creator (SO_PEERCRED). 0 or -errno.
 */
int unix_pair_create(struct task *t, int type, uint32_t flags, struct file **a,
		     struct file **b);

bool unix_sock_is(struct file *f);

/*
 * Send the iovecs' bytes (already imported) as one message (datagrams,
 * sequenced packets) or as a byte stream, with nfds files (references
 * handed over, on success and on failure alike). has_addr: the caller
 * named a destination. Bytes sent or -errno; SIGPIPE is raised here.
 */
ssize_t unix_send(struct file *f, struct task *t, const struct abi_iovec *iov,
		  int iovcnt, int flags, struct file **fds, int nfds,
		  bool has_addr);

/*
 * Receive into the iovecs. *msg_flags gets MSG_TRUNC for a cut message;
 * fds (room for UNIX_MAX_FDS) gets the files that came with the data
 * (references the caller now owns), *nfds their number (fds NULL: they
 * are dropped). Bytes received (MSG_TRUNC: the message's length) or
 * -errno.
 */
ssize_t unix_recv(struct file *f, struct task *t, const struct abi_iovec *iov,
		  int iovcnt, int flags, int *msg_flags, struct file **fds,
		  int *nfds);

/* shutdown: how is SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2). */
int unix_shutdown(struct file *f, int how);

/* getsockopt and setsockopt at SOL_SOCKET (level checked by the caller). */
int unix_getsockopt(struct file *f, int name, void *val, int *len);
int unix_setsockopt(struct file *f, int name, const void *val, int len);

/* The socket's type (UNIX_SOCK_*); false for other peers: ENOTCONN. */
int unix_sock_type(struct file *f);
bool unix_connected(struct file *f);

#endif
