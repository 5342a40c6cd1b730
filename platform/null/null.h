/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The null platform: address spaces and contexts that exist only as
 * bookkeeping, and no application code ever runs. What a thread "does"
 * when the sentry switches to it is whatever the hook says: a syscall
 * with its registers, a fault, a signal. It is for running the sentry
 * in-process with no stub and no ptrace (the fuzz harnesses); moat's
 * platform_lookup never names it.
 *
 * The hook runs on the sentry thread of the task being switched to
 * (current_task), with regs holding the thread's registers (rax the last
 * syscall's result). It fills regs and ev as switch_to would, and returns
 * 0 or -errno (the platform failed: the task's group is killed).
 */
#ifndef MOAT_PLATFORM_NULL_H
#define MOAT_PLATFORM_NULL_H

#include "platform/platform.h"

typedef int (*null_platform_hook)(struct abi_user_regs *regs,
				  struct platform_event *ev);

extern const struct platform_ops null_platform_ops;

/* Set the hook every switch_to calls (NULL: threads die at once). */
void null_platform_set_hook(null_platform_hook hook);

#endif
