/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's control channel: how later moat commands (start, kill,
 * state, ps, exec) reach a sentry that `moat create` left running.
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
#include <stdbool.h>
#include <stdint.h>

#define CTL_SOCK_NAME	 "ctl"
#define CTL_MAGIC	 0x54414f4dU /* "MOAT" */
#define CTL_VERSION	 2
#define CTL_PAYLOAD_MAX	 65536 /* bytes after the header (exec's argv...) */
#define CTL_EXEC_FDS_MAX 64    /* exec's preserved fds (its 3...) */
/* The reply socket, exec's stdin/out/err and its preserved fds. */
#define CTL_FDS_MAX  (4 + CTL_EXEC_FDS_MAX)
#define CTL_PIDS_MAX 4096 /* pids one CTL_STATE answer lists */

enum ctl_op {
	CTL_STATE = 1,	/* status and the sandbox's pids */
	CTL_START = 2,	/* let init run (it is loaded and waiting) */
	CTL_KILL = 3,	/* signo to init, to every process (CTL_KILL_ALL), or
			   to the pid in the payload (CTL_KILL_PID) */
	CTL_EXEC = 4,	/* a new process: struct ctl_exec and its strings in
			   the payload, its stdin, stdout and stderr as fds
			   2-4 (or, CTL_EXEC_TTY, a console's socket as fd 2)
			   then its nfds preserved fds; answered once with
			   its pid and again, on the same socket, with its
			   wait status */
	CTL_PAUSE = 5,	/* freeze every task (kernel_freeze) */
	CTL_RESUME = 6, /* and thaw them */
	CTL_STATS = 7,	/* the sandbox's usage: a struct ctl_stats */
	CTL_CHECKPOINT = 8, /* a snapshot into the regular file that comes
			       as fd 2 (sentry/state/snapshot.h); then the
			       sandbox ends, unless CTL_CHECKPOINT_LEAVE */
};

#define CTL_CHECKPOINT_LEAVE	 0x1 /* --leave-running */
#define CTL_CHECKPOINT_TCP_CLOSE 0x2 /* --tcp-close */
/* --compress[=LEVEL]: the memory is compressed with zstd at the level in
 * these bits (1 to CTL_CHECKPOINT_LEVEL_MAX); 0: stored as it is. */
#define CTL_CHECKPOINT_LEVEL_SHIFT 8
#define CTL_CHECKPOINT_LEVEL_MASK  0xff00
#define CTL_CHECKPOINT_LEVEL_MAX   19
/* --compress alone: a fast level, for a checkpoint must be quick. */
#define CTL_CHECKPOINT_LEVEL_DEFAULT 1

/*
 * CTL_STATS' answer, after the struct ctl_reply, whose npids counts its
 * 32-bit words (CTL_STATS_WORDS).
 */
struct ctl_stats {
	uint64_t cpu_ns;  /* CPU time of every process (kernel_usage) */
	uint64_t memory;  /* bytes of the memory file in use: the
			     application's memory and tmpfs files */
	uint32_t threads; /* live threads */
	uint32_t procs;	  /* live processes */
	uint64_t reserved;
};
static_assert(sizeof(struct ctl_stats) == 32, "ctl_stats wire size");
#define CTL_STATS_WORDS (sizeof(struct ctl_stats) / sizeof(int32_t))

/* CTL_EXEC: its stdio is a terminal of the sandbox's, whose master the
 * sentry pumps over the socket that comes as fd 2 (sentry/fs/console.c). */
#define CTL_EXEC_TTY 0x1

#define CTL_KILL_ALL 0x1
#define CTL_KILL_PID 0x2 /* the payload is the int32_t pid */

/*
 * CTL_EXEC's payload: this, then ngroups uint32_t supplementary groups,
 * nfds uint32_t flags of the preserved fds (as fd_flags), nrlimits struct
 * ctl_rlimit, then argc + envc + 2 NUL-terminated strings (argv, env, the
 * working directory, the executable's absolute path or "" for argv[0] as
 * found on the env's PATH), nothing after. Its capabilities are caps with
 * CTL_EXEC_CAPS, else init's; it has no_new_privs if init has or with
 * CTL_EXEC_NO_NEW_PRIVS; its rlimits are config.json's but those it
 * lists; its umask is init's.
 */
struct ctl_exec {
	uint32_t uid, gid;
	uint32_t ngroups; /* up to CTL_EXEC_GROUPS_MAX */
	uint32_t argc;	  /* at least 1 */
	uint32_t envc;
	uint32_t flags;	      /* CTL_EXEC_CAPS, CTL_EXEC_NO_NEW_PRIVS */
	uint32_t fd_flags[3]; /* the stdio fds' O_ACCMODE, O_APPEND and
				 O_NONBLOCK (the sentry may not F_GETFL) */
	uint32_t nfds;	      /* preserved fds, up to CTL_EXEC_FDS_MAX */
	/* bounding, effective, permitted, inheritable, ambient (raised
	 * where also permitted and inheritable, as runc does) */
	uint64_t caps[5];
	uint32_t nrlimits; /* up to CTL_EXEC_RLIMITS_MAX */
	uint32_t reserved; /* 0 */
};
static_assert(sizeof(struct ctl_exec) == 88, "ctl_exec wire size");
#define CTL_EXEC_CAPS	      0x1
#define CTL_EXEC_NO_NEW_PRIVS 0x2
#define CTL_EXEC_RLIMITS_MAX  16

struct ctl_rlimit {
	uint32_t resource; /* RLIMIT_*, below RLIM_NLIMITS */
	uint32_t reserved; /* 0 */
	uint64_t cur, max; /* cur <= max */
};
static_assert(sizeof(struct ctl_rlimit) == 24, "ctl_rlimit wire size");
#define CTL_EXEC_GROUPS_MAX 64

struct ctl_request {
	uint32_t magic;	  /* CTL_MAGIC */
	uint16_t version; /* CTL_VERSION */
	uint16_t op;	  /* enum ctl_op */
	int32_t signo;	  /* CTL_KILL: 1..64 */
	uint32_t flags;	  /* CTL_KILL_*, CTL_EXEC_TTY; else 0 */
	uint32_t len;	  /* payload bytes after the header */
	uint32_t nfds;	  /* fds sent with it: the reply socket is first */
};
static_assert(sizeof(struct ctl_request) == 24, "ctl_request wire size");

enum ctl_status {
	CTL_CREATED = 1, /* init loaded, waiting for CTL_START */
	CTL_RUNNING = 2,
	CTL_PAUSED = 3,
};

struct ctl_reply {
	uint32_t magic;	  /* CTL_MAGIC */
	uint16_t version; /* CTL_VERSION */
	uint16_t op;	  /* the request's */
	int32_t err;	  /* 0, or -errno with msg saying why */
	uint32_t status;  /* enum ctl_status */
	uint32_t npids;	  /* CTL_STATE: int32_t pids that follow;
			     CTL_EXEC: 1, the pid, then the wait status;
			     CTL_STATS: CTL_STATS_WORDS */
	char msg[108];	  /* NUL-terminated; for err */
};
static_assert(sizeof(struct ctl_reply) == 128, "ctl_reply wire size");

struct kernel;

struct task;

/*
 * Serve the channel on sock (the bound datagram socket) in a thread of
 * its own until the sentry ends: 0 or -errno. init, loaded and not yet
 * run, lends CTL_EXEC's processes its capabilities, no_new_privs and
 * umask.
 */
int control_serve(struct kernel *k, int sock, const struct task *init);
/* A standalone sandbox (moat run --id): init runs already, no start. */
void control_running(void);
/* CTL_CHECKPOINT is served, with this configuration text (snapshot.h). */
void control_allow_checkpoint(const char *config);
/* Did a checkpoint end the sandbox? */
bool control_checkpointed(void);
/* Block until the channel says init may run (CTL_START, or a CTL_KILL
 * with a signal that ends it before it runs any code). */
void control_wait_start(void);

#endif
