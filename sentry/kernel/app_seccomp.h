/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The application's own seccomp filters (kernel/seccomp.c in Linux),
 * enforced by the sentry on every syscall a task makes; never the host's
 * seccomp (the sentry's own host filter is sentry/kernel/seccomp.c).
 */
#ifndef MOAT_KERNEL_APP_SECCOMP_H
#define MOAT_KERNEL_APP_SECCOMP_H

#include "sentry/kernel/seccomp_bpf.h"

#include <stdbool.h>
#include <stdint.h>

struct task;

/* One attached filter; a task's chain runs from its newest to init's. */
struct app_seccomp_filter {
	int refs; /* atomic: the tasks on it and the filters after it */
	struct app_seccomp_filter *prev;
	bool log; /* SECCOMP_FILTER_FLAG_LOG */
	uint32_t len;
	uint32_t cost; /* seccomp_bpf_cost */
	struct seccomp_insn insns[];
};

/* seccomp(op, flags, uargs): 0, a value, or -errno (do_seccomp). */
long app_seccomp(struct task *t, uint32_t op, uint32_t flags, uint64_t uargs);

/*
 * Attach a program on the runtime's behalf (the OCI config's
 * linux.seccomp) to t, which does not run yet, as a privileged
 * seccomp(SECCOMP_SET_MODE_FILTER) would (flags: LOG, SPEC_ALLOW):
 * checked and copied; 0 or -errno.
 */
int app_seccomp_install(struct task *t, const struct seccomp_insn *insns,
			uint32_t len, uint32_t flags);
/* t's filters, with a reference (NULL: none); app_seccomp_put drops it. */
struct app_seccomp_filter *app_seccomp_get(const struct task *t);
void app_seccomp_put(struct app_seccomp_filter *f);
/* t, which does not run yet, runs under f's chain (NULL: none). */
void app_seccomp_set(struct task *t, struct app_seccomp_filter *f);

/*
 * On syscall entry, for a task in a seccomp mode (t->seccomp_mode != 0):
 * run its filters over the call in t->regs (compat: int $0x80's 32-bit
 * call). false: the call runs. true: it is skipped, t->regs.rax holds
 * its value, or the task or its process is ending (t->exiting).
 */
bool app_seccomp_skip(struct task *t, bool compat);

/* fork/clone: child runs under parent's mode and filters. */
void app_seccomp_fork(struct task *child, struct task *parent);
/* The task is freed: its reference to its filters goes. */
void app_seccomp_release(struct task *t);
/*
 * Snapshots: a filter made again from its program on top of prev (which
 * it takes a reference of; NULL: none), checked as seccomp's attach
 * checks it: NULL with *err (-E2BIG: the chain's programs are longer
 * than one path may be).
 * app_seccomp_put drops the caller's reference.
 */
struct app_seccomp_filter *app_seccomp_restore(const struct seccomp_insn *insns,
					       uint32_t len, bool log,
					       struct app_seccomp_filter *prev,
					       int *err);
/*
 * t, which does not run yet, in mode (SECCOMP_MODE_*) under f's chain (a
 * reference taken): 0, or -EINVAL for a mode f does not go with.
 */
int app_seccomp_restore_task(struct task *t, int mode,
			     struct app_seccomp_filter *f);
/* /proc/PID/status: the mode, and the number of filters. */
int app_seccomp_mode(const struct task *t, int *nfilters);

#endif
