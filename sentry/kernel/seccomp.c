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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern const unsigned char sentry_bpf[], sentry_hostnet_bpf[], gofer_bpf[];
extern const unsigned long sentry_bpf_len, sentry_hostnet_bpf_len,
    gofer_bpf_len;
extern const char sentry_filter_text[], sentry_hostnet_filter_text[],
    gofer_filter_text[];

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

int sentry_install_filter(bool host_network)
{
	/* Every thread of the sentry, at once. */
	if (host_network)
		return install(sentry_hostnet_bpf, sentry_hostnet_bpf_len,
			       SECCOMP_FILTER_FLAG_TSYNC);
	return install(sentry_bpf, sentry_bpf_len, SECCOMP_FILTER_FLAG_TSYNC);
}

int gofer_install_filter(void)
{
	return install(gofer_bpf, gofer_bpf_len, 0);
}

void sentry_print_filter_text(FILE *out, bool host_network)
{
	fputs(host_network ? sentry_hostnet_filter_text : sentry_filter_text,
	      out);
}

void gofer_print_filter_text(FILE *out)
{
	fputs(gofer_filter_text, out);
}
