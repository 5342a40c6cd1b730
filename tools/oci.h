/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat as an OCI runtime: runc's command line (oci.c), config.json
 * (oci_config.c) and the containers' state under --root (oci_state.c).
 */
#ifndef MOAT_TOOLS_OCI_H
#define MOAT_TOOLS_OCI_H

#include "sentry/kernel/control.h"
#include "sentry/sentry.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OCI_VERSION	 "1.0.2"
#define OCI_DEFAULT_ROOT "/run/moat"
#define OCI_ERR_MAX	 512
/* The most linux.maskedPaths, and readonlyPaths, in a config.json. */
#define OCI_PATHS_MAX 1024
/* The most linux.uidMappings, and gidMappings (Linux's uid_map lines). */
#define OCI_IDMAP_MAX 340

/* ---- oci.c ---- */

/* runc's global flags, before the command. */
struct oci_globals {
	const char *root; /* --root: the containers' state directories */
	const char *log;  /* --log FILE, or NULL: stderr */
	bool log_json;	  /* --log-format json */
	bool debug;	  /* --debug */
};

/*
 * Take runc's global flags from the front of argv (*argc and *argv then
 * start at the command): 0, or -1 after saying what was wrong.
 */
int oci_parse_globals(int *argc, char ***argv, struct oci_globals *g);
/*
 * Is `moat run ARGS` runc's run (run [--bundle DIR] [-d] ... ID) rather
 * than the standalone sandbox (run [OPTIONS] -- PROGRAM)? It is unless
 * an argument is "--" or an option runc's run does not have, or there is
 * none. argv[0] is "run".
 */
bool oci_run_is_oci(int argc, char **argv);
/* Is cmd one of runc's commands that moat answers? */
bool oci_is_command(const char *cmd);
/* Run runc's command argv[0]: the exit code. */
int oci_main(int argc, char **argv, const struct oci_globals *g);

/* ---- oci_seccomp.c ---- */

/*
 * linux.seccomp (profile) compiled with libseccomp into cfg's program
 * (malloc'ed): 0, or -1 with err naming the field.
 */
int oci_seccomp_load(json_t *profile, struct sentry_config *cfg, char *err,
		     size_t errlen);
/* What `features` says of seccomp (a new reference). */
json_t *oci_seccomp_features(void);

/* ---- oci_config.c ---- */

/* Write the error (naming the field) into err; always -1. */
int oci_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* oci_cgroup_update's "leave this limit as it is". */
#define OCI_CG_KEEP (-2LL)

/* linux.resources.cpu: each OCI_CG_KEEP (cpus, mems: NULL) when not set. */
struct oci_cpu {
	long long shares, quota, period; /* quota -1: no limit */
	long long rt_runtime, rt_period;
	const char *cpus, *mems; /* "0-3,5" */
};

/* A bundle's config.json, as the sentry will run it. */
struct oci_config {
	struct sentry_config cfg;
	json_t *json;		 /* the whole document */
	char *bundle;		 /* absolute */
	char *rootfs;		 /* absolute host path of root.path */
	const char *oci_version; /* ociVersion */
	json_t *annotations;	 /* borrowed from json; NULL: none */
	bool terminal;		 /* process.terminal */
	bool oom_score_adj_set;	 /* process.oomScoreAdj */
	int oom_score_adj;	 /* its value */
	char **argv, **envp;	 /* NULL-terminated, owned */
	uint32_t groups[64];	 /* process.user.additionalGids */
	/* linux.resources for the host cgroups (-1: none) */
	long long mem_limit, mem_swap, pids_limit;
	long long mem_reservation; /* OCI_CG_KEEP: not set; -1: none */
	int swappiness;		   /* -1: not set */
	bool disable_oom;	   /* memory.disableOOMKiller */
	struct oci_cpu cpu;
	const char *cgroups_path; /* linux.cgroupsPath, or NULL */
	const char *netns_path;	  /* the network namespace to join, or NULL */
	char *paths[SENTRY_BINDS_MAX]; /* strings cfg points at, owned */
};

/*
 * Read bundle/config.json into oc: 0, or -1 with err saying what is wrong
 * and naming the field (or the line and column of a syntax error).
 */
int oci_config_load(const char *bundle, struct oci_config *oc, char *err,
		    size_t errlen);
void oci_config_free(struct oci_config *oc);
/*
 * The JSON document in the file fd, read whole: as json_loadfd (je, when
 * not NULL, says what was wrong), but with a few reads, not one a byte.
 */
json_t *oci_json_read(int fd, size_t flags, json_error_t *je);
/* The config.json `moat spec` writes (a new reference). */
json_t *oci_config_default(void);
/*
 * A process object's capabilities and rlimits into cfg's (caps_set,
 * cap_*; rlimits): 0, or -1 with err naming the field.
 */
int oci_parse_caps(json_t *caps, struct sentry_config *cfg, char *err,
		   size_t errlen);
int oci_parse_rlimits(json_t *a, struct sentry_config *cfg, char *err,
		      size_t errlen);
/*
 * A linux.resources.cpu object into *c (fields it does not set are left
 * as they are), where names it in errors: 0, or -1 with err.
 */
int oci_parse_cpu(json_t *v, const char *where, struct oci_cpu *c, char *err,
		  size_t errlen);
/* Is there any limit in c? */
bool oci_cpu_set(const struct oci_cpu *c);
/* The capability named name ("CAP_KILL"), or -1. */
int oci_cap_number(const char *name);
/* The capability numbered cap's name, or NULL. */
const char *oci_cap_name(int cap);
/* Annotations that moat acts on. */
#define OCI_ANNOT_PLATFORM "dev.moat.platform"
#define OCI_ANNOT_NETWORK  "dev.moat.network"

/* ---- oci_hooks.c ---- */

/* Check config.json's hooks: 0, or -1 with err naming the field. */
int oci_hooks_check(json_t *hooks, char *err, size_t errlen);
/*
 * Run hooks.kind on the host, in order, with state on their stdin: 0, or
 * -1 with err saying which failed and why (runc's words).
 */
int oci_hooks_run(json_t *hooks, const char *kind, json_t *state, char *err,
		  size_t errlen);

/* A size of runc's update flags: bytes with an optional b, k, m, g, t or
 * p (powers of 1024), or -1 for no limit. 0 on success. */
int oci_parse_bytes(const char *s, long long *out);

/* ---- oci_cgroup.c ---- */

/*
 * The host cgroups for oc's linux.resources (none when it sets no limit):
 * made, their limits written, their directories in *dirs (a new array).
 * 0, or -1 with err naming the field and why.
 */
int oci_cgroup_setup(const struct oci_config *oc, const char *id, json_t **dirs,
		     char *err, size_t errlen);
/* Put host process pid into each of dirs: 0 or -errno. */
int oci_cgroup_join(json_t *dirs, pid_t pid);
/* Remove dirs (once the sandbox has gone). */
void oci_cgroup_remove(json_t *dirs);
/*
 * Set the limits in dirs (bytes, bytes of memory and swap together, and
 * tasks; -1: none; OCI_CG_KEEP: unchanged): 0, or -1 with err saying
 * which and why.
 */
int oci_cgroup_update(json_t *dirs, long long mem, long long swap,
		      long long pids, char *err, size_t errlen);
/* Set the memory reservation (soft limit; -1: none) in dirs: 0, or -1. */
int oci_cgroup_update_reservation(json_t *dirs, long long reservation,
				  char *err, size_t errlen);
/* Set c's cpu limits in dirs: 0, or -1 with err saying which and why. */
int oci_cgroup_update_cpu(json_t *dirs, const struct oci_cpu *c, char *err,
			  size_t errlen);
/* The memory and pids limits in force in dirs (-1: none). */
void oci_cgroup_limits(json_t *dirs, long long *mem, long long *pids);
/*
 * moat run --memory: a memory cgroup at rel below the host's hierarchy
 * (v2, else v1's memory one) limited to bytes, swap included where the
 * host counts it; its directory in *dirs (a new array) and its
 * cgroup.procs open for writing in *procs_fd. 0, or -1 with err.
 */
int oci_cgroup_budget(const char *rel, long long bytes, json_t **dirs,
		      int *procs_fd, char *err, size_t errlen);
/* How many processes the host's OOM killer has ended in dirs. */
long long oci_cgroup_oom_kills(json_t *dirs);

/* ---- oci_state.c ---- */

enum oci_status {
	OCI_CREATING,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_STOPPED,
	OCI_PAUSED,
};

/* One container's state directory, open and locked. */
struct oci_container {
	char id[1024];
	int dirfd;     /* the directory, flock'ed; -1: not open */
	json_t *state; /* state.json */
	pid_t pid;     /* the sentry's host pid */
	unsigned long long start_time; /* its start, /proc/PID/stat's */
};

/* Is id a valid container id (runc's: [A-Za-z0-9_+.-]+, not . or ..)? */
bool oci_id_valid(const char *id);
/* The --root directory, made if missing (0700): an fd, or -errno. */
int oci_root_open(const char *root);
/*
 * Open and lock (LOCK_SH or LOCK_EX) container id under rootfd and read
 * its state: 0, -ENOENT (no such container) or -errno.
 */
int oci_container_open(int rootfd, const char *id, int lock,
		       struct oci_container *c);
void oci_container_close(struct oci_container *c);
/* Where the container is now: asks its sentry when it still runs. */
enum oci_status oci_container_status(struct oci_container *c);
const char *oci_status_name(enum oci_status s);
/* The OCI state document for it (a new reference). */
json_t *oci_container_state_json(struct oci_container *c, enum oci_status s);
/* Write c->state to state.json (atomically): 0 or -errno. */
int oci_container_save(struct oci_container *c);
/* Remove its directory (the lock goes with c->dirfd, closed). */
int oci_container_remove(int rootfd, struct oci_container *c);
/* Is host process pid, started at start_time, alive (not a zombie)? */
bool oci_pid_alive(pid_t pid, unsigned long long start_time);
/* /proc/PID/stat's start time of pid, or 0. */
unsigned long long oci_pid_start_time(pid_t pid);
/*
 * One request on the control channel of the sentry whose state
 * directory is dirfd: 0 with *r (and up to maxpids pids), -ESRCH when no
 * sentry answers, or -errno.
 */
int oci_ctl(int dirfd, uint16_t op, int32_t signo, uint32_t flags,
	    struct ctl_reply *r, int32_t *pids, uint32_t maxpids);
/*
 * The same in two steps, for requests with a payload and fds (sent after
 * the reply socket) and more than one answer: send returns the socket the
 * answers come on, or -errno; recv reads one within timeout_ms (-1: no
 * limit): 0, -ESRCH (the sentry ended first), -ETIMEDOUT or -EPROTO.
 */
int oci_ctl_send(int dirfd, uint16_t op, int32_t signo, uint32_t flags,
		 const void *payload, uint32_t len, const int *fds,
		 uint32_t nfds);
int oci_ctl_recv(int sock, struct ctl_reply *r, int32_t *pids, uint32_t maxpids,
		 int timeout_ms);
/*
 * checkpoint's --compress[=LEVEL]: arg (NULL: the default level) into
 * CTL_CHECKPOINT's flags. 0, or -EINVAL for a LEVEL that is not a number
 * from 0 (no compression) to CTL_CHECKPOINT_LEVEL_MAX.
 */
int oci_ctl_compress_flags(const char *arg, uint32_t *flags);
/* Write the string s to path atomically (a file beside it, renamed). */
int oci_write_file(int dirfd, const char *path, const char *s);

#endif
