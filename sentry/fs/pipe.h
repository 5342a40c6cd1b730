/* SPDX-License-Identifier: Apache-2.0 */
/* Pipes (pipe.c). */
#ifndef MOAT_FS_PIPE_H
#define MOAT_FS_PIPE_H

#include <stdint.h>

struct file;

/* A new pipe: its read and write ends; flags: O_NONBLOCK. 0 or -errno. */
int pipe_create(uint32_t flags, struct file **rd, struct file **wr);

#endif
