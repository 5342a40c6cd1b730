/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MOAT_KERNEL_FILTER_H
#define MOAT_KERNEL_FILTER_H

#include <stdbool.h>
#include <stdio.h>

/*
 * The sentry's filter comes in variants, by what the sandbox uses: the host
 * socket calls only with --network=host, the kvm platform's vCPU ioctls
 * only on that platform.
 */
enum {
	SENTRY_FILTER_HOSTNET = 1 << 0,
	SENTRY_FILTER_KVM = 1 << 1,
	SENTRY_FILTER_VARIANTS = 4, /* every combination of the above */
};

/* The variant for a sandbox on that platform, with or without host network. */
unsigned int sentry_filter_variant(const char *platform, bool host_network);

/*
 * Install the sentry's own seccomp filter on every thread of the process:
 * only the host syscalls listed in filter.c for that variant are allowed;
 * any other one stops the sandbox with a message naming it. Returns 0 or
 * -errno.
 */
int sentry_install_filter(unsigned int variant);

/* The allow-list of a variant, one syscall per line, for --print-seccomp. */
void sentry_print_filter_text(FILE *out, unsigned int variant);
/* The same from the rules themselves (the build-time generator's). */
void sentry_print_filter(FILE *out, unsigned int variant);

#endif
