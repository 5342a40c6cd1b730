/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MOAT_KERNEL_FILTER_H
#define MOAT_KERNEL_FILTER_H

#include <stdio.h>

/*
 * Install the sentry's own seccomp filter on every thread of the process:
 * only the host syscalls listed in filter.c are allowed; any other one
 * stops the sandbox with a message naming it. Returns 0 or -errno.
 */
int sentry_install_filter(void);

/* The allow-list, one syscall per line, for --print-seccomp. */
void sentry_print_filter_text(FILE *out);
/* The same from the rules themselves (the build-time generator's). */
void sentry_print_filter(FILE *out);

#endif
