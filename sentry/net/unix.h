/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_UNIX sockets inside the sentry (unix.c): stream, datagram and
 * sequenced-packet sockets, connected pairs, names in the filesystem and
 * in the abstract namespace. No host socket is involved; messages and
 * passed files live in the sentry.
 */
#ifndef MOAT_NET_UNIX_H
#define MOAT_NET_UNIX_H

#include <stdint.h>

struct file;
struct task;

/*
 * A connected pair of type (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET;
 * SOCK_RAW is a datagram) and protocol (0 or AF_UNIX), status flags
 * flags (O_NONBLOCK) on both files; t is the creator (SO_PEERCRED).
 * 0 or -errno.
 */
int unix_socketpair(struct task *t, int type, int protocol, uint32_t flags,
		    struct file **a, struct file **b);

#endif
