/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MOAT_KERNEL_FILTER_H
#define MOAT_KERNEL_FILTER_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Install the sentry's own seccomp filter on every thread of the process:
 * only the host syscalls listed in filter.c are allowed (the host socket
 * calls only with host_network, --network=host); any other one stops the
 * sandbox with a message naming it. Returns 0 or -errno.
 */
int sentry_install_filter(bool host_network);

/*
 * The allow-list, one syscall per line, for --print-seccomp: the
 * --network=host one if host_network.
 */
void sentry_print_filter_text(FILE *out, bool host_network);
/* The same from the rules themselves (the build-time generator's). */
void sentry_print_filter(FILE *out, bool host_network);

#endif
