/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's control channel: how later moat commands (start, kill,
 * state, ps, and exec next) reach a sentry that `moat create` left running.
 *
 * moat binds a SOCK_DGRAM unix socket in the container's state directory
 * (CTL_SOCK_NAME) before the sentry boots; the sentry only receives on it.
 * A request is one datagram: a struct ctl_request, then len bytes of
 * payload, with nfds file descriptors (SCM_RIGHTS), the first of them the
 * client's end of a SOCK_SEQPACKET socketpair that the answer goes back
 * on. Receiving on a socket it already holds and answering on a socket it
 * is handed is all the sentry does: its seccomp filter needs no socket,
 * bind, listen or accept for the channel.
 *
 * The sentry checks every request: its size against the header, magic and
 * version, the op, the number of fds, each argument's range; anything
 * else is answered with -EINVAL (when a reply socket came) or dropped,
 * and every fd that came with it is closed.
 */
#ifndef MOAT_KERNEL_CONTROL_H
#define MOAT_KERNEL_CONTROL_H

#include <assert.h>
#include <stdint.h>

#define CTL_SOCK_NAME	"ctl"
#define CTL_MAGIC	0x54414f4dU /* "MOAT" */
#define CTL_VERSION	1
#define CTL_PAYLOAD_MAX 65536 /* bytes after the header (exec's argv...) */
#define CTL_FDS_MAX	4     /* reply socket, and exec's stdin/out/err */
#define CTL_PIDS_MAX	4096  /* pids one CTL_STATE answer lists */

enum ctl_op {
	CTL_STATE = 1, /* status and the sandbox's pids */
	CTL_START = 2, /* let init run (it is loaded and waiting) */
	CTL_KILL = 3,  /* signo to init, or to every process (CTL_KILL_ALL) */
	/* 4 is kept for CTL_EXEC: a new process, its stdio passed as fds
	 * 2-4, its argv, env, cwd and ids in the payload; answered once
	 * with its pid and again, on the same socket, with its status. */
};

#define CTL_KILL_ALL 0x1

struct ctl_request {
	uint32_t magic;	  /* CTL_MAGIC */
	uint16_t version; /* CTL_VERSION */
	uint16_t op;	  /* enum ctl_op */
	int32_t signo;	  /* CTL_KILL: 1..64 */
	uint32_t flags;	  /* CTL_KILL: CTL_KILL_ALL; else 0 */
	uint32_t len;	  /* payload bytes after the header; 0 for now */
	uint32_t nfds;	  /* fds sent with it: the reply socket is first */
};
static_assert(sizeof(struct ctl_request) == 24, "ctl_request wire size");

enum ctl_status {
	CTL_CREATED = 1, /* init loaded, waiting for CTL_START */
	CTL_RUNNING = 2,
};

struct ctl_reply {
	uint32_t magic;	  /* CTL_MAGIC */
	uint16_t version; /* CTL_VERSION */
	uint16_t op;	  /* the request's */
	int32_t err;	  /* 0, or -errno with msg saying why */
	uint32_t status;  /* enum ctl_status */
	uint32_t npids;	  /* CTL_STATE: int32_t pids that follow */
	char msg[108];	  /* NUL-terminated; for err */
};
static_assert(sizeof(struct ctl_reply) == 128, "ctl_reply wire size");

struct kernel;

/*
 * Serve the channel on sock (the bound datagram socket) in a thread of
 * its own until the sentry ends: 0 or -errno.
 */
int control_serve(struct kernel *k, int sock);
/* Block until the channel says init may run (CTL_START, or a CTL_KILL
 * with a signal that ends it before it runs any code). */
void control_wait_start(void);

#endif
