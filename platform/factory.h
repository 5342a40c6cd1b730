/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub factory (platform/stub/stub.c), as the platforms that run
 * application code in stub processes start and ask it. The factory is
 * executed once, before the sentry installs its seccomp filter, from a
 * sealed memfd of the stub program embedded in moat; it forks stubs ahead
 * of demand and hands out the pid of one that has stopped itself, ready.
 */
#ifndef MOAT_PLATFORM_FACTORY_H
#define MOAT_PLATFORM_FACTORY_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct stub_factory {
	int sock;
	pid_t pid;
	pthread_mutex_t lock;
	/* The host's vDSO that every stub keeps (vdso 0: none): its ELF
	 * at vdso, with its data pages in [vdso_lo, vdso_hi). */
	uint64_t vdso, vdso_lo, vdso_hi;
};

/*
 * Execute the factory: memfd becomes fd STUB_MEMFD_FD of every stub, ctlfd
 * (or none, -1) STUB_CTL_FD; mode ("ptrace" or "systrap") says which kind
 * of stub it forks. 0 or -errno.
 */
int stub_factory_start(struct stub_factory *f, int memfd, int ctlfd,
		       const char *mode);
/* A stopped stub's pid, or -errno. */
pid_t stub_factory_get(struct stub_factory *f);
/* End the factory; stubs not handed out die with it. */
void stub_factory_stop(struct stub_factory *f);

/* The XSAVE area's size for the features the host enables (CPUID 0xd). */
unsigned platform_xstate_size(void);

#endif
