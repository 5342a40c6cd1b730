/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The gofer: the only process of a sandbox that opens host files. It serves
 * the protocol of protocol.h on one end of a SOCK_SEQPACKET socketpair, for
 * a fixed table of mounts (the root filesystem, bind mounts) that moat gives
 * it at start.
 */
#ifndef MOAT_GOFER_H
#define MOAT_GOFER_H

#include "gofer/protocol.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* A host directory (or file) the gofer serves, as moat configures it. */
struct gofer_mount_spec {
	const char *host_path;
	bool readonly;
	unsigned uds; /* GOFER_UDS_*: what host unix sockets may do */
};

#define GOFER_UDS_CONNECT 1 /* connect to host socket files */
#define GOFER_UDS_BIND	  2 /* bind new socket files on the host */

struct gofer_fid;
struct gofer_lookup_slot;
struct io_uring;

/* One served mount, once opened. */
struct gofer_mount {
	int fd;	      /* O_PATH descriptor of its root */
	bool ro;      /* refuse every change with EROFS */
	unsigned uds; /* GOFER_UDS_* */
	uint64_t mnt_id;
};

struct gofer_server {
	int sock;
	int proc_fd; /* /proc/self/fd, to reopen O_PATH descriptors */
	struct gofer_mount mounts[GOFER_MOUNTS_MAX];
	unsigned nmounts;
	struct gofer_fid *fids;
	uint32_t nfids, capfids, live;
	uint32_t msize;
	bool versioned;
	/* The working directory is /proc/self/fd (proc_fd): the gofer moves
	 * there once and back after BIND, the one call that moves it away. */
	bool in_proc;
	uint8_t *in, *out; /* message buffers, GOFER_MSG_MAX each */
	struct gofer_lookup_slot *slots; /* LOOKUP's work, GOFER_LOOKUP_MAX */
	struct io_uring *ring; /* LOOKUP's batches; NULL: one call at a time */
};

/* Limits: fids one sentry may hold at once. */
#define GOFER_FIDS_MAX (1U << 20)

/*
 * Open the mounts' roots and set up a server on sock (taking ownership of
 * both). proc_fd is an O_PATH descriptor of /proc/self/fd, or -1 where
 * reopening through it is impossible (then OPEN of a fid fails ENXIO).
 * Returns 0 or -errno, with what went wrong in *why.
 */
int gofer_server_init(struct gofer_server *s, int sock, int proc_fd,
		      const struct gofer_mount_spec *specs, unsigned n,
		      const char **why);
void gofer_server_destroy(struct gofer_server *s);
/*
 * Do LOOKUP's host calls one at a time instead of in io_uring batches (as
 * where the kernel has no io_uring): for measuring what the ring saves.
 */
void gofer_server_drop_ring(struct gofer_server *s);

/*
 * Receive one request and answer it. Returns 1 when one was served, 0 when
 * the sentry closed its end, -errno on a transport failure.
 */
int gofer_serve_one(struct gofer_server *s);

/* Serve until the sentry closes its end; the exit status for the process. */
int gofer_serve(struct gofer_server *s);

/*
 * Start the gofer process for specs: it runs in new mount and IPC
 * namespaces, pivot_roots into an empty directory holding nothing, drops
 * its capabilities to the few file operations need, installs its seccomp
 * filter and serves sock. Returns its pid (the caller keeps the other end)
 * or -errno.
 */
pid_t gofer_start(int sock, const struct gofer_mount_spec *specs, unsigned n);

/* The gofer's seccomp filter (gofer/filter.c). */
int gofer_install_filter(void);
/* Its allow-list, one syscall per line, for --print-seccomp=gofer. */
void gofer_print_filter_text(FILE *out);

#endif
