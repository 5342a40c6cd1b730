/* SPDX-License-Identifier: Apache-2.0 */
/* Named standalone sandboxes, checkpoint and restore (standalone.c). */
#ifndef MOAT_TOOLS_STANDALONE_H
#define MOAT_TOOLS_STANDALONE_H

#include <stdbool.h>

struct sentry_config;

/* moat run --id ID: the control channel's socket, bound; -1 (said why). */
int standalone_bind(const char *id);
/* Is there a standalone sandbox named id (running or ended)? */
bool standalone_exists(const char *id);
/*
 * Do checkpoint/restore's arguments (argv[0] the command) name a
 * standalone sandbox rather than an OCI container (a restore without
 * --bundle, a checkpoint of a name moat run gave)?
 */
bool standalone_wants(int argc, char **argv);
/* moat checkpoint [--leave-running] [--tcp-close] [--compress[=LEVEL]]
 * --image-path DIR ID: exit code. */
int standalone_checkpoint(int argc, char **argv);
/*
 * moat run --restore DIR: cfg's platform, root, binds and network from
 * DIR's image, which stays open as cfg->restore_fd. 0, or -1 (said why).
 */
int standalone_load_config(const char *dir, struct sentry_config *cfg);

#endif
