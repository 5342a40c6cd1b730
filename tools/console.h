/* SPDX-License-Identifier: Apache-2.0 */
/* moat run -t: the host terminal's side of the sandbox's console. */
#ifndef MOAT_TOOLS_CONSOLE_H
#define MOAT_TOOLS_CONSOLE_H

struct sentry_config;

/*
 * Run the sandbox (sentry_main in a child process) with the host's
 * terminal on stdin as its console: the terminal goes to raw mode, bytes
 * and window sizes are relayed both ways, and the terminal's settings come
 * back at the end, whatever ended it. The sandbox's exit code, or 125.
 */
int console_run(struct sentry_config *cfg);

#endif
