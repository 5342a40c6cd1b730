/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_UNIX sockets inside the sentry (unix.c): stream, datagram and
 * sequenced-packet sockets, connected pairs, names in the filesystem and
 * in the abstract namespace. No host socket is involved; messages and
 * passed files live in the sentry.
 */
#ifndef MOAT_NET_UNIX_H
#define MOAT_NET_UNIX_H

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Snapshots. unix_snap_save: the endpoints of the unix socket files among
 * files[0..n) and of every endpoint they reach (peers, senders of queued
 * messages, connections a listener has not accepted, closed ones too),
 * numbered from 1 in the order met, after the names they have (a file
 * name as the filesystem's reference to its socket file, refs->save),
 * with their queued messages, encoded into e; ids[i] gets files[i]'s
 * endpoint (0: no unix socket). A connection to a host socket file is
 * saved as reset by its peer when close_host (checkpoint --tcp-close).
 * Files in flight are named by refs->file_id (unix_snap_inflight lists
 * them first). 0, -ENOMEM, or -EOPNOTSUPP with why naming what cannot
 * be saved: a connection to a host socket file without close_host.
 */
struct enc;
struct dec;
struct vfs_path;
struct vfs_inode;
struct unix_snap_refs {
	void *arg;
	/* Append a reference to the socket file at p: 0 or -errno. */
	int (*save)(void *arg, const struct vfs_path *p, struct enc *e);
	/* Read one back: its path and inode (references), or -errno. */
	int (*load)(void *arg, struct dec *d, struct vfs_path *p,
		    struct vfs_inode **inode);
	/* A file in flight's number among the saved files. */
	uint32_t (*file_id)(void *arg, struct file *f);
};
/*
 * The files in flight in the queues of the unix sockets among
 * files[0..n) and of the endpoints they reach (malloc'd, *nout of them,
 * maybe twice): the checkpoint saves them too, and asks again with them
 * until none is new. 0 or -ENOMEM.
 */
int unix_snap_inflight(struct file *const *files, size_t n, struct file ***out,
		       size_t *nout);
int unix_snap_save(struct file *const *files, size_t n, uint32_t *ids,
		   bool close_host, const struct unix_snap_refs *refs,
		   struct enc *e, char *why, size_t whylen);
/*
 * The names and endpoints back from d, checked as hostile (types,
 * states, ids, lengths, names bound once, listeners' queues): a context
 * for unix_snap_file, or NULL with d's error (or *nomem).
 */
struct unix_snap;
struct unix_snap *
unix_snap_load(struct dec *d, const struct unix_snap_refs *refs, bool *nomem);
/*
 * The socket file of endpoint id with status flags flags, its socket
 * options read from d (sock_snap_load); one per endpoint that was open.
 * NULL with d's error (or when out of memory: d's error unset).
 */
struct file *unix_snap_file(struct unix_snap *u, uint32_t id, uint32_t flags,
			    struct dec *d);
/*
 * After the files (files[1..nfiles]): the files in flight go into their
 * messages, counted as a send counts them. 0, -EINVAL (d's error: an id
 * of no file) or -ENOMEM.
 */
int unix_snap_attach(struct unix_snap *u, struct file *const *files,
		     uint32_t nfiles, struct dec *d);
/*
 * After the files: every endpoint that was open has its file (else d's
 * error). The context is freed either way. 0 or -EINVAL.
 */
int unix_snap_done(struct unix_snap *u, struct dec *d);

#endif
