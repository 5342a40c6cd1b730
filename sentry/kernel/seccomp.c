// SPDX-License-Identifier: Apache-2.0
/*
 * Installing the sentry's and the gofer's seccomp filters, compiled to BPF
 * at build time (tools/gen_filters.c from sentry/kernel/filter.c and
 * gofer/filter.c).
 */
#include "gofer/gofer.h"
#include "sentry/kernel/filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Indexed by variant (filter.h). */
extern const unsigned char *const sentry_bpf[SENTRY_FILTER_VARIANTS];
extern const unsigned long sentry_bpf_len[SENTRY_FILTER_VARIANTS];
extern const char *const sentry_filter_text[SENTRY_FILTER_VARIANTS];
extern const unsigned char gofer_bpf[];
extern const unsigned long gofer_bpf_len;
extern const char gofer_filter_text[];

static int install(const unsigned char *bpf, unsigned long len,
		   unsigned int flags)
{
	struct sock_fprog prog = {
	    .len = (unsigned short)(len / sizeof(struct sock_filter)),
	    .filter = (struct sock_filter *)(uintptr_t)bpf,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
		return -errno;
	return 0;
}

unsigned int sentry_filter_variant(const char *platform, bool host_network)
{
	return (host_network ? SENTRY_FILTER_HOSTNET : 0) |
	       (platform && !strcmp(platform, "kvm") ? SENTRY_FILTER_KVM : 0);
}

int sentry_install_filter(unsigned int variant)
{
	if (variant >= SENTRY_FILTER_VARIANTS)
		return -EINVAL;
	/* Every thread of the sentry, at once. */
	return install(sentry_bpf[variant], sentry_bpf_len[variant],
		       SECCOMP_FILTER_FLAG_TSYNC);
}

int gofer_install_filter(void)
{
	return install(gofer_bpf, gofer_bpf_len, 0);
}

void sentry_print_filter_text(FILE *out, unsigned int variant)
{
	if (variant < SENTRY_FILTER_VARIANTS)
		fputs(sentry_filter_text[variant], out);
}

void gofer_print_filter_text(FILE *out)
{
	fputs(gofer_filter_text, out);
}
