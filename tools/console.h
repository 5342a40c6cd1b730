/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moat run -t, and OCI's process.terminal: the host terminal's side of the
 * sandbox's console.
 */
#ifndef MOAT_TOOLS_CONSOLE_H
#define MOAT_TOOLS_CONSOLE_H

#include <stddef.h>
#include <sys/types.h>

struct sentry_config;

/*
 * Run the sandbox (sentry_main in a child process) with the host's
 * terminal on stdin as its console: the terminal goes to raw mode, bytes
 * and window sizes are relayed both ways, and the terminal's settings come
 * back at the end, whatever ended it. The sandbox's exit code, or 125.
 */
int console_run(struct sentry_config *cfg);

struct winsize;
/*
 * OCI's process.terminal: a host pty pair whose master goes to the engine
 * over the unix socket at socket_path (SCM_RIGHTS, as runc sends it), at
 * size ws (if not NULL or zero). The slave, in raw mode (the sandbox's own
 * terminal does the line discipline), or -1 with err said.
 */
int console_oci_pty(const char *socket_path, const struct winsize *ws,
		    char *err, size_t errlen);
/*
 * Fork the relay between the sentry's console socket sock and the pty's
 * slave: a process of its own session with the slave as its terminal (its
 * SIGWINCH is the engine's resize), ending with the socket or the sentry.
 * It closes every fd but those two. Its pid (in the caller), or -1.
 */
pid_t console_oci_relay(int sock, int slave);

#endif
