// SPDX-License-Identifier: Apache-2.0
/*
 * Process-wide state: exit, thread ids, arch_prctl, resource limits and
 * scheduling (kernel/exit.c, kernel/sys.c, arch/x86/kernel/process_64.c,
 * kernel/sched/core.c).
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

SYSCALL(exit)
{
	task_exit_thread(t, (int)((a[0] & 0xff) << 8));
	return 0;
}

SYSCALL(exit_group)
{
	task_exit_group(t, (int)((a[0] & 0xff) << 8));
	return 0;
}

/* arch_prctl; the code is an int, as the kernel's option argument. */
SYSCALL(arch_prctl)
{
	int option = (int)a[0];
	uint64_t v;

	switch (option) {
	case ABI_ARCH_SET_FS:
	case ABI_ARCH_SET_GS:
		if (a[1] >= ABI_TASK_SIZE)
			return -EPERM;
		if (option == ABI_ARCH_SET_FS)
			t->regs.fs_base = a[1];
		else
			t->regs.gs_base = a[1];
		return 0;
	case ABI_ARCH_GET_FS:
	case ABI_ARCH_GET_GS:
		v = option == ABI_ARCH_GET_FS ? t->regs.fs_base
					      : t->regs.gs_base;
		return mm_copy_out(t->mm, a[1], &v, sizeof(v));
	case ABI_ARCH_GET_CPUID:
		return 1; /* cpuid is not faulting */
	case ABI_ARCH_SET_CPUID:
		return -ENODEV; /* no cpuid faulting in the sandbox */
	default:
		return -EINVAL;
	}
}

SYSCALL(set_tid_address)
{
	t->clear_child_tid = a[0];
	return t->tid;
}

SYSCALL(set_robust_list)
{
	if (a[1] != ABI_ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

SYSCALL(get_robust_list)
{
	uint64_t head = t->robust_list, len = ABI_ROBUST_LIST_HEAD_SIZE;
	int pid = (int)a[0];
	int err;

	if (pid != 0 && pid != t->tid)
		return -ESRCH;
	err = mm_copy_out(t->mm, a[2], &len, sizeof(len));
	if (err)
		return err;
	return mm_copy_out(t->mm, a[1], &head, sizeof(head));
}

SYSCALL(getpid)
{
	return t->tg->tgid;
}

SYSCALL(getppid)
{
	return __atomic_load_n(&t->tg->ppid, __ATOMIC_RELAXED);
}

/* ---- process groups and sessions (kernel/sys.c) ------------------------- */

/* The thread group of pid (0: t's), with k->lock held; NULL: none. */
static struct thread_group *tg_of_pid_locked(struct task *t, int pid)
{
	struct task *o;

	if (pid == 0)
		return t->tg;
	o = task_lookup_locked(t->k, pid);
	return o ? o->tg : NULL;
}

SYSCALL(setpgid)
{
	int pid = (int)a[0], pgid = (int)a[1];
	struct kernel *k = t->k;
	struct thread_group *p, *me = t->tg;
	long err;

	if (!pid)
		pid = me->tgid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	err = -ESRCH;
	p = tg_of_pid_locked(t, pid);
	if (!p || p->state != TG_ALIVE)
		goto out;
	err = -EINVAL;
	if (p->tgid != pid)
		goto out; /* a thread, not its group's leader */
	err = -ESRCH;
	if (p->parent == me) {
		err = -EPERM;
		if (p->sid != me->sid)
			goto out;
		err = -EACCES;
		if (p->did_exec)
			goto out;
	} else if (p != me) {
		goto out; /* ESRCH */
	}
	err = -EPERM;
	if (p->sid == p->tgid)
		goto out; /* a session leader stays in its group */
	if (pgid != pid) {
		bool found = false;

		for (struct thread_group *g = k->tgs; g && !found; g = g->next)
			found = g->state == TG_ALIVE && g->pgid == pgid &&
				g->sid == me->sid;
		if (!found)
			goto out;
	}
	p->pgid = pgid;
	err = 0;
out:
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* getpgid and getsid: pid's process group or session (pid 0: t's). */
static long pgrp_of(struct task *t, int pid, bool session)
{
	struct kernel *k = t->k;
	struct thread_group *p;
	long ret = -ESRCH;

	pthread_mutex_lock(&k->lock);
	p = tg_of_pid_locked(t, pid);
	if (p && p->state == TG_ALIVE)
		ret = session ? p->sid : p->pgid;
	pthread_mutex_unlock(&k->lock);
	return ret;
}

SYSCALL(getpgid)
{
	return pgrp_of(t, (int)a[0], false);
}

SYSCALL(getsid)
{
	return pgrp_of(t, (int)a[0], true);
}

SYSCALL(getpgrp)
{
	return pgrp_of(t, 0, false);
}

/* setsid: EPERM if a process group of the caller's pid exists already. */
SYSCALL(setsid)
{
	struct kernel *k = t->k;
	struct thread_group *me = t->tg;
	long ret = -EPERM;

	pthread_mutex_lock(&k->lock);
	if (!pgrp_exists_locked(k, me->tgid)) {
		me->sid = me->tgid;
		me->pgid = me->tgid;
		ret = me->tgid;
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

SYSCALL(gettid)
{
	return t->tid;
}

SYSCALL(umask)
{
	struct thread_group *tg = t->tg;
	uint32_t old;

	pthread_mutex_lock(&tg->lock);
	old = tg->umask;
	tg->umask = a[0] & 0777;
	pthread_mutex_unlock(&tg->lock);
	return old;
}

/* The checks of do_prlimit. */
static long do_prlimit(struct task *t, unsigned int resource,
		       const struct abi_rlimit *new, struct abi_rlimit *old)
{
	struct thread_group *tg = t->tg;
	struct abi_rlimit *rl;
	long ret = 0;

	if (resource >= ABI_RLIM_NLIMITS)
		return -EINVAL;
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (resource == ABI_RLIMIT_NOFILE &&
		    new->rlim_max > ABI_NR_OPEN)
			return -EPERM;
	}
	pthread_mutex_lock(&tg->lock);
	rl = &tg->rlim[resource];
	if (new &&new->rlim_max > rl->rlim_max &&
	    !creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE))
		ret = -EPERM;
	if (!ret && old)
		*old = *rl;
	if (!ret && new) {
		*rl = *new;
		if (resource == ABI_RLIMIT_DATA)
			t->mm->data_limit = new->rlim_cur;
		if (resource == ABI_RLIMIT_AS)
			t->mm->as_limit = new->rlim_cur;
		if (resource == ABI_RLIMIT_CPU)
			itimer_rlimit_cpu_locked(t);
	}
	pthread_mutex_unlock(&tg->lock);
	return ret;
}

SYSCALL(prlimit64)
{
	int pid = (int)a[0];
	struct abi_rlimit new, old;
	long ret;

	/* As the kernel: the new limit is read before the pid is looked up. */
	if (a[2]) {
		ret = mm_copy_in(t->mm, &new, a[2], sizeof(new));
		if (ret)
			return ret;
	}
	if (pid != 0 && pid != t->tg->tgid)
		return -ESRCH;
	ret = do_prlimit(t, (unsigned int)a[1], a[2] ? &new : NULL,
			 a[3] ? &old : NULL);
	if (ret)
		return ret;
	if (a[3])
		return mm_copy_out(t->mm, a[3], &old, sizeof(old));
	return 0;
}

SYSCALL(getrlimit)
{
	struct abi_rlimit old;
	long ret;

	ret = do_prlimit(t, (unsigned int)a[0], NULL, &old);
	if (ret)
		return ret;
	return mm_copy_out(t->mm, a[1], &old, sizeof(old));
}

SYSCALL(setrlimit)
{
	struct abi_rlimit new;
	long ret;

	ret = mm_copy_in(t->mm, &new, a[1], sizeof(new));
	if (ret)
		return ret;
	return do_prlimit(t, (unsigned int)a[0], &new, NULL);
}
