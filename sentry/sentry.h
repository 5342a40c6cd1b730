/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a sandbox's sentry. */
#ifndef MOAT_SENTRY_H
#define MOAT_SENTRY_H

#include <stdbool.h>
#include <stdint.h>

#define SENTRY_BINDS_MAX 16

/* --bind SRC:DST[:ro]: a host path mounted in the sandbox. */
struct sentry_bind {
	const char *src; /* absolute host path */
	const char *dst; /* absolute path in the sandbox */
	bool ro;
	bool connect; /* to host unix sockets under src */
};

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
	bool host_network;    /* --network=host; else none */
	/* -t: stdio is a terminal whose master console_sock carries
	 * (sentry/fs/console.c) to moat's relay of the host terminal. */
	bool console;
	int console_sock;
};

/*
 * Run the sandbox in this process (the sentry) and return the exit code
 * for the caller to exit with: the application's exit status, 128+N when a
 * signal N killed it, 126/127 when it could not be started (as a shell).
 */
int sentry_main(const struct sentry_config *cfg);

#endif
