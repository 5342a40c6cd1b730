// SPDX-License-Identifier: Apache-2.0
/*
 * Signal dispositions and masks (kernel/signal.c). Recorded with Linux's
 * checks; delivery comes with the process model.
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>

/* The sa_flags the kernel keeps (UAPI_SA_FLAGS on x86). */
#define SA_KEPT                                                                \
	(ABI_SA_NOCLDSTOP | ABI_SA_NOCLDWAIT | ABI_SA_SIGINFO |                \
	 ABI_SA_ONSTACK | ABI_SA_RESTART | ABI_SA_NODEFER | ABI_SA_RESETHAND | \
	 0x800 /* SA_EXPOSE_TAGBITS */ | ABI_SA_RESTORER)

#define UNBLOCKABLE (ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP))

SYSCALL(rt_sigaction)
{
	int sig = (int)a[0];
	struct abi_sigaction act, old;
	struct thread_group *tg = t->tg;
	int err;

	if (a[3] != sizeof(abi_sigset_t))
		return -EINVAL;
	if (a[1]) {
		err = mm_copy_in(t->mm, &act, a[1], sizeof(act));
		if (err)
			return err;
	}
	if (sig < 1 || sig > ABI_NSIG ||
	    (a[1] && (sig == ABI_SIGKILL || sig == ABI_SIGSTOP)))
		return -EINVAL;
	pthread_mutex_lock(&tg->lock);
	old = tg->sigactions[sig - 1];
	if (a[1]) {
		act.flags &= SA_KEPT;
		act.mask &= ~UNBLOCKABLE;
		tg->sigactions[sig - 1] = act;
	}
	pthread_mutex_unlock(&tg->lock);
	if (a[2])
		return mm_copy_out(t->mm, a[2], &old, sizeof(old));
	return 0;
}

SYSCALL(rt_sigprocmask)
{
	abi_sigset_t set, old = t->sigmask;
	int err;

	if (a[3] != sizeof(abi_sigset_t))
		return -EINVAL;
	if (a[1]) {
		err = mm_copy_in(t->mm, &set, a[1], sizeof(set));
		if (err)
			return err;
		set &= ~UNBLOCKABLE;
		switch ((int)a[0]) { /* how is an int */
		case ABI_SIG_BLOCK:
			t->sigmask |= set;
			break;
		case ABI_SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case ABI_SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (a[2])
		return mm_copy_out(t->mm, a[2], &old, sizeof(old));
	return 0;
}
