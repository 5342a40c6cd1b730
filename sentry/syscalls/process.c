// SPDX-License-Identifier: Apache-2.0
/*
 * Process-wide state: exit, thread ids, arch_prctl, resource limits and
 * scheduling (kernel/exit.c, kernel/sys.c, arch/x86/kernel/process_64.c,
 * kernel/sched/core.c).
 */
#include "sentry/fs/tty.h"
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

/* The head is the task's own to change; get_robust_list reads others'. */
SYSCALL(set_robust_list)
{
	if (a[1] != ABI_ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	__atomic_store_n(&t->robust_list, a[0], __ATOMIC_RELAXED);
	t->robust_len = a[1];
	return 0;
}

/*
 * get_robust_list: the head of any task's list (0: the caller's), which
 * the caller must be allowed to read (ptrace_may_access with its real
 * ids, EPERM).
 */
SYSCALL(get_robust_list)
{
	uint64_t head, len = ABI_ROBUST_LIST_HEAD_SIZE;
	struct task *o;
	bool ok;
	int err;

	o = task_find_get(t, (int)a[0]);
	if (!o)
		return -ESRCH;
	pthread_mutex_lock(&o->tg->lock);
	ok = task_may_access_locked(&t->creds, t->tg, o, true);
	head = __atomic_load_n(&o->robust_list, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&o->tg->lock);
	task_find_put(o);
	if (!ok)
		return -EPERM;
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
		tty_clear_ctty_locked(me);
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

/*
 * check_prlimit_permission: may t read or change the limits of o's
 * process? Itself always; another task (a thread of its own process too)
 * if all its real, effective and saved uids and gids are t's real ones,
 * else only with CAP_SYS_RESOURCE. o's tg->lock held.
 */
static bool prlimit_allowed_locked(struct task *t, const struct task *o)
{
	const struct creds *c = &t->creds, *tc = &o->creds;

	if (o == t)
		return true;
	return (c->ruid == tc->euid && c->ruid == tc->suid &&
		c->ruid == tc->ruid && c->rgid == tc->egid &&
		c->rgid == tc->sgid && c->rgid == tc->rgid) ||
	       creds_capable(c, ABI_CAP_SYS_RESOURCE);
}

/*
 * do_prlimit by t on the process of task o (t itself for getrlimit and
 * setrlimit): the limits are the thread group's. Raising a hard limit
 * needs t's CAP_SYS_RESOURCE.
 */
static long do_prlimit(struct task *t, struct task *o, unsigned int resource,
		       const struct abi_rlimit *new, struct abi_rlimit *old)
{
	struct thread_group *tg = o->tg;
	struct abi_rlimit *rl;
	bool data;
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
	/* RLIMIT_DATA and _AS go to the address space, which o may have left
	 * while its other threads run on in it: those are under k->lock. */
	data =
	    new && (resource == ABI_RLIMIT_DATA || resource == ABI_RLIMIT_AS);
	if (data)
		pthread_mutex_lock(&t->k->lock);
	pthread_mutex_lock(&tg->lock);
	rl = &tg->rlim[resource];
	if (new &&new->rlim_max > rl->rlim_max &&
	    !creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE))
		ret = -EPERM;
	if (!ret && old)
		*old = *rl;
	if (!ret && new)
		*rl = *new;
	if (!ret && new &&resource == ABI_RLIMIT_CPU)
		itimer_rlimit_cpu_locked(o);
	if (!ret && data) {
		struct mm *mm = o->mm;

		for (struct task *th = tg->threads; th && !mm;
		     th = th->next_thread)
			mm = th->mm;
		if (mm && resource == ABI_RLIMIT_DATA) /* none: a zombie */
			mm->data_limit = new->rlim_cur;
		else if (mm)
			mm->as_limit = new->rlim_cur;
	}
	pthread_mutex_unlock(&tg->lock);
	if (data)
		pthread_mutex_unlock(&t->k->lock);
	return ret;
}

/*
 * prlimit64: the limits of the process of any task (pid 0: the caller),
 * with check_prlimit_permission's rule (EPERM), for reading too.
 */
SYSCALL(prlimit64)
{
	struct abi_rlimit new, old;
	struct task *o;
	bool ok;
	long ret;

	/* As the kernel: the new limit is read before the pid is looked up. */
	if (a[2]) {
		ret = mm_copy_in(t->mm, &new, a[2], sizeof(new));
		if (ret)
			return ret;
	}
	o = task_find_get(t, (int)a[0]);
	if (!o)
		return -ESRCH;
	pthread_mutex_lock(&o->tg->lock);
	ok = prlimit_allowed_locked(t, o);
	pthread_mutex_unlock(&o->tg->lock);
	ret = ok ? do_prlimit(t, o, (unsigned int)a[1], a[2] ? &new : NULL,
			      a[3] ? &old : NULL)
		 : -EPERM;
	task_find_put(o);
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

	ret = do_prlimit(t, t, (unsigned int)a[0], NULL, &old);
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
	return do_prlimit(t, t, (unsigned int)a[0], &new, NULL);
}
