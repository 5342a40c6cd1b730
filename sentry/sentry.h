/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a sandbox's sentry. */
#ifndef MOAT_SENTRY_H
#define MOAT_SENTRY_H

#include <stdbool.h>
#include <stdint.h>

#define SENTRY_BINDS_MAX   16
#define SENTRY_RLIMITS_MAX 16
#define SENTRY_MOUNTS_MAX  64

/* --bind SRC:DST[:ro]: a host path mounted in the sandbox. */
struct sentry_bind {
	const char *src; /* absolute host path */
	const char *dst; /* absolute path in the sandbox */
	bool ro;
	bool connect; /* to host unix sockets under src */
	bool noexec;  /* no program runs from it */
};

/*
 * An OCI container's mount, made by the sentry in config.json's order: a
 * filesystem of its own, or binds[bind].
 */
struct sentry_mount {
	const char *type;   /* proc, sysfs, tmpfs, devpts, mqueue or bind */
	const char *source; /* as /proc/PID/mountinfo shows it */
	const char *dst;    /* absolute path in the sandbox */
	int bind;	    /* type bind: its index in binds */
	uint32_t flags;	    /* SENTRY_MNT_* */
	uint32_t mode;	    /* tmpfs: its root's mode */
};

#define SENTRY_MNT_RDONLY 0x01
#define SENTRY_MNT_NOSUID 0x02
#define SENTRY_MNT_NODEV  0x04
#define SENTRY_MNT_NOEXEC 0x08

struct sentry_config {
	const char *platform;  /* "ptrace" */
	const char *path;      /* the executable, as found on the host */
	bool exe_in_sandbox;   /* path is the sandbox's, not the host's */
	char *const *argv;     /* the application's argv */
	char *const *envp;     /* its environment */
	bool strace;	       /* --strace */
	const char *debug_log; /* --debug-log FILE, or NULL */
	const char *cwd;       /* --cwd, or NULL: the host's if there */
	const char *rootfs;    /* host directory served as /, or NULL */
	bool rootfs_rw;	       /* --rw: writes reach it (no overlay) */
	struct sentry_bind binds[SENTRY_BINDS_MAX]; /* --bind */
	int nbinds;
	uint32_t uid, gid;    /* --user; 0:0 is the sandbox's root */
	const char *hostname; /* --hostname, or NULL: "moat" */
	int ip_forward;	      /* linux.sysctl's net.ipv4.ip_forward (0) */
	bool host_network;    /* --network=host; else none */
	/* -t: stdio is a terminal whose master console_sock carries
	 * (sentry/fs/console.c) to moat's relay of the host terminal. */
	/* init as a pid namespace's: signals it does not handle are ignored
	 * but SIGKILL and SIGSTOP from outside (OCI containers, as runc's). */
	bool init_unkillable;
	/* --pids: the most tasks (threads) alive at once in the whole
	 * sandbox, as a pids cgroup's pids.max: fork and clone fail with
	 * EAGAIN past it (0: no limit). */
	int max_tasks;
	bool console;
	int console_sock;
	/*
	 * --memory: the sandbox's memory budget in bytes (0: none), which a
	 * host cgroup enforces; /proc/meminfo and sysinfo report it as the
	 * memory there is. With a budget, the sentry moves itself into that
	 * cgroup by writing to cgroup_procs_fd (its cgroup.procs; -1: it is
	 * in it already) before it starts anything, and then the host's OOM
	 * killer picks the application's processes before the sentry.
	 */
	uint64_t mem_budget;
	int cgroup_procs_fd;
	/* Called in the host-side monitor once the sandbox has ended
	 * (kernel/monitor.h); NULL: nothing to do. */
	void (*monitor_done)(int status, void *arg);
	void *monitor_arg;

	/*
	 * init's fds 0..ninit_fds-1, host fds (-1: closed); NULL: the
	 * sentry's own 0, 1 and 2.
	 */
	const int *init_fds;
	int ninit_fds;

	/*
	 * The OCI runtime's sandbox (tools/oci.c), when oci is set; the
	 * fields below mean nothing otherwise.
	 */
	bool oci;
	int ctl_sock; /* the control channel's socket (kernel/control.h) */
	/* moat run --id: ctl_sock serves a standalone sandbox (checkpoint). */
	bool ctl_standalone;
	/* moat run --restore: the sandbox comes from the image open at
	 * restore_fd (sentry/state/snapshot.h), not from path and argv. */
	bool restore;
	int restore_fd;
	/* The boot's outcome for moat create: one NUL byte once init waits
	 * for CTL_START, or the error's text (then the sentry exits). */
	int ready_fd;
	const uint32_t *groups; /* supplementary groups */
	int ngroups;
	bool caps_set; /* else the uid's defaults */
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable;
	uint64_t cap_ambient;
	bool no_new_privs;
	bool umask_set;
	uint32_t umask;
	int oom_score_adj; /* init's /proc/PID/oom_score_adj */
	struct sentry_rlimit {
		int resource; /* RLIMIT_* */
		uint64_t cur, max;
	} rlimits[SENTRY_RLIMITS_MAX];
	int nrlimits;
	bool root_readonly; /* the root mount is read-only (EROFS) */
	/*
	 * linux.seccomp compiled (tools/oci_seccomp.c): struct
	 * sock_filter[seccomp_len] that init (and every exec'd process)
	 * runs under, with SECCOMP_FILTER_FLAG_* seccomp_flags; NULL: none.
	 */
	const void *seccomp_prog;
	uint32_t seccomp_len;
	uint32_t seccomp_flags;
	/* The container's mounts in order; /dev is a tmpfs with the
	 * sandbox's devices whether listed or not (first if not). */
	struct sentry_mount mounts[SENTRY_MOUNTS_MAX];
	int nmounts;
	/*
	 * linux.readonlyPaths then linux.maskedPaths, made once the mounts
	 * are (runc's order): a read-only bind of each readonly path on
	 * itself, with the mounts below it; over each masked file the
	 * sandbox's /dev/null, over each masked directory an empty
	 * read-only tmpfs. Absolute paths in the sandbox; missing ones are
	 * skipped.
	 */
	const char *const *readonly_paths;
	int nreadonly_paths;
	const char *const *masked_paths;
	int nmasked_paths;
	/* linux.uidMappings and gidMappings, shown in /proc/PID/uid_map
	 * and gid_map (the sandbox's ids are its own). */
	const struct sentry_idmap {
		uint32_t inside, outside, count;
	} * uid_map, *gid_map;
	int nuid_map, ngid_map;
};

/*
 * Run the sandbox in this process (the sentry) and return the exit code
 * for the caller to exit with: the application's exit status, 128+N when a
 * signal N killed it, 126/127 when it could not be started (as a shell).
 */
int sentry_main(const struct sentry_config *cfg);

#endif
