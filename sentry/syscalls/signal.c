// SPDX-License-Identifier: Apache-2.0
/*
 * The signal syscalls (kernel/signal.c): dispositions, masks, sending,
 * waiting, the alternate stack and the return from a handler. Delivery
 * is sentry/kernel/signal.c's.
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* The sa_flags the kernel keeps (UAPI_SA_FLAGS on x86). */
#define SA_KEPT                                                                \
	(ABI_SA_NOCLDSTOP | ABI_SA_NOCLDWAIT | ABI_SA_SIGINFO |                \
	 ABI_SA_ONSTACK | ABI_SA_RESTART | ABI_SA_NODEFER | ABI_SA_RESETHAND | \
	 0x800 /* SA_EXPOSE_TAGBITS */ | ABI_SA_RESTORER)

#define UNBLOCKABLE (ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP))

int copy_in_sigset(struct task *t, uint64_t addr, uint64_t size,
		   abi_sigset_t *set)
{
	if (size != sizeof(*set))
		return -EINVAL;
	return mm_copy_in(t->mm, set, addr, sizeof(*set));
}

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

static bool valid_signal(uint64_t sig)
{
	return sig <= ABI_NSIG;
}

/* A signal from a process (kill, tkill): SI_USER or SI_TKILL. */
static struct abi_siginfo user_info(struct task *t, int sig, int code)
{
	struct abi_siginfo info = {.si_signo = sig, .si_code = code};

	info.kill.pid = t->tg->tgid;
	info.kill.uid = t->creds.ruid;
	return info;
}

/*
 * Send info to tg as kill does: the permission check, SIGCONT's wake-up,
 * then the signal (sig 0: the checks alone). 0 or -errno.
 */
static int kill_one(struct task *t, struct thread_group *tg,
		    const struct abi_siginfo *info, int sig)
{
	if (!signal_may_send(t, tg, sig))
		return -EPERM;
	if (sig == 0)
		return 0;
	return signal_send_tg(tg, info);
}

/* kill's targets for pid (-1, 0 or -pgid), with references. */
static struct thread_group **kill_targets(struct task *t, int pid, size_t *n)
{
	struct kernel *k = t->k;
	struct thread_group **v = NULL;
	int pgid = pid == 0 ? -1 : -pid;

	*n = 0;
	pthread_mutex_lock(&k->lock);
	if (pid == 0)
		pgid = t->tg->pgid;
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		struct thread_group **more;

		if (tg->state != TG_ALIVE)
			continue;
		if (pid == -1 ? tg == k->init_tg || tg == t->tg
			      : tg->pgid != pgid)
			continue;
		more = realloc(v, (*n + 1) * sizeof(*v));
		if (!more)
			break;
		v = more;
		tg_get(tg);
		v[(*n)++] = tg;
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}

/* kill: a process (by any of its threads' ids), a group, or all (-1). */
SYSCALL(kill)
{
	int pid = (int)a[0], sig = (int)a[1];
	struct abi_siginfo info;
	struct thread_group **v;
	size_t n;
	long ret;

	if (!valid_signal((uint64_t)(int64_t)sig) || sig < 0)
		return -EINVAL;
	info = user_info(t, sig, ABI_SI_USER);
	if (pid > 0) {
		struct thread_group *tg = NULL;
		struct task *o;

		pthread_mutex_lock(&t->k->lock);
		o = task_lookup_locked(t->k, pid);
		tg = o ? o->tg : tg_lookup_locked(t->k, pid);
		if (tg)
			tg_get(tg);
		pthread_mutex_unlock(&t->k->lock);
		if (!tg)
			return -ESRCH;
		ret = kill_one(t, tg, &info, sig);
		tg_put(tg);
		return ret;
	}
	if (pid == INT32_MIN)
		return -ESRCH;
	v = kill_targets(t, pid, &n);
	if (pid == -1) {
		/* Linux's count: EPERM alone leaves the answer 0. */
		ret = n ? 0 : -ESRCH;
		for (size_t i = 0; i < n; i++) {
			int err = kill_one(t, v[i], &info, sig);

			if (err != -EPERM)
				ret = err;
		}
	} else {
		bool success = false;

		ret = -ESRCH;
		for (size_t i = 0; i < n; i++) {
			int err = kill_one(t, v[i], &info, sig);

			success |= !err;
			ret = err;
		}
		if (success)
			ret = 0;
	}
	for (size_t i = 0; i < n; i++)
		tg_put(v[i]);
	free(v);
	return ret;
}

/* The live thread tid (of group tgid, if > 0), with a reference. */
static struct task *find_thread(struct task *t, int tgid, int tid)
{
	struct task *o;

	pthread_mutex_lock(&t->k->lock);
	o = task_lookup_locked(t->k, tid);
	if (o && tgid > 0 && o->tg->tgid != tgid)
		o = NULL;
	if (o)
		task_get(o);
	pthread_mutex_unlock(&t->k->lock);
	return o;
}

static long do_tkill(struct task *t, int tgid, int tid, int sig)
{
	struct abi_siginfo info;
	struct task *o;
	long ret;

	if (tid <= 0)
		return -EINVAL;
	o = find_thread(t, tgid, tid);
	if (!o)
		return -ESRCH;
	ret = -EINVAL;
	if (!valid_signal((uint64_t)(int64_t)sig) || sig < 0)
		goto out;
	ret = -EPERM;
	if (!signal_may_send(t, o->tg, sig))
		goto out;
	ret = 0;
	if (sig == 0)
		goto out;
	info = user_info(t, sig, ABI_SI_TKILL);
	ret = signal_send(o, &info, false);
out:
	task_put(o);
	return ret;
}

SYSCALL(tkill)
{
	return do_tkill(t, 0, (int)a[0], (int)a[1]);
}

SYSCALL(tgkill)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return do_tkill(t, (int)a[0], (int)a[1], (int)a[2]);
}

/*
 * rt_sigqueueinfo and rt_tgsigqueueinfo: the caller's own siginfo, but
 * only the kernel's codes (>= 0) and SI_TKILL are refused when the target
 * is another process.
 */
static long do_sigqueue(struct task *t, int tgid, int tid, int sig,
			uint64_t uinfo)
{
	struct abi_siginfo info;
	struct task *o;
	int err = mm_copy_in(t->mm, &info, uinfo, sizeof(info));
	long ret;

	if (err)
		return err;
	if ((info.si_code >= 0 || info.si_code == ABI_SI_TKILL) &&
	    (tid ? tid : tgid) != (tid ? t->tid : t->tg->tgid))
		return -EPERM;
	o = find_thread(t, tid ? tgid : 0, tid ? tid : tgid);
	if (!o)
		return -ESRCH;
	ret = -EINVAL;
	if (!valid_signal((uint64_t)(int64_t)sig) || sig < 0)
		goto out;
	ret = -EPERM;
	if (!signal_may_send(t, o->tg, sig))
		goto out;
	ret = 0;
	if (sig == 0)
		goto out;
	info.si_signo = sig;
	if (tid)
		ret = signal_send(o, &info, false);
	else
		ret = signal_send_tg(o->tg, &info);
out:
	task_put(o);
	return ret;
}

SYSCALL(rt_sigqueueinfo)
{
	return do_sigqueue(t, (int)a[0], 0, (int)a[1], a[2]);
}

SYSCALL(rt_tgsigqueueinfo)
{
	if ((int)a[0] <= 0 || (int)a[1] <= 0)
		return -EINVAL;
	return do_sigqueue(t, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

/* The pending signals that are blocked. */
SYSCALL(rt_sigpending)
{
	abi_sigset_t set = signal_pending(t) & t->sigmask;

	if (a[1] > sizeof(set))
		return -EINVAL;
	return mm_copy_out(t->mm, a[0], &set, (size_t)a[1]);
}

SYSCALL(sigaltstack)
{
	struct abi_stack ss, old;
	int err;

	if (a[0]) {
		err = mm_copy_in(t->mm, &ss, a[0], sizeof(ss));
		if (err)
			return err;
	}
	err = signal_altstack(t, a[0] ? &ss : NULL, a[1] ? &old : NULL);
	if (!err && a[1])
		err = mm_copy_out(t->mm, a[1], &old, sizeof(old));
	return err;
}

SYSCALL(rt_sigreturn)
{
	return signal_sigreturn(t);
}

/*
 * rt_sigsuspend: wait with mask until a signal is delivered; the handler's
 * frame puts the old mask back, and the call is EINTR.
 */
SYSCALL(rt_sigsuspend)
{
	abi_sigset_t mask;
	int err;

	err = copy_in_sigset(t, a[0], a[1], &mask);
	if (err)
		return err;
	t->saved_sigmask = t->sigmask;
	t->saved_sigmask_valid = true;
	t->sigmask = mask & ~UNBLOCKABLE;
	signal_wait(t, 0, NULL);
	/* A handler makes it EINTR; a signal without one, sleep again. */
	return -ERESTARTNOHAND;
}

/* pause: sleep until a signal's handler has run. */
SYSCALL(pause)
{
	signal_wait(t, 0, NULL);
	return -ERESTARTNOHAND;
}

/*
 * restart_syscall: an interrupted call with no handler to run goes on
 * where it stopped; after a handler (or when nothing was interrupted) it
 * is EINTR, as do_no_restart_syscall.
 */
SYSCALL(restart_syscall)
{
	long (*fn)(struct task * t) = t->restart_fn;

	t->restart_fn = NULL;
	return fn ? fn(t) : -EINTR;
}

/*
 * rt_sigtimedwait: take a pending signal of set (blocked or not) without
 * running its handler; wait for one until the timeout (EAGAIN) or until
 * another, unblocked, signal comes (EINTR).
 */
SYSCALL(rt_sigtimedwait)
{
	struct abi_timespec ts;
	struct timespec deadline;
	struct abi_siginfo info;
	abi_sigset_t set;
	int sig, err;

	err = copy_in_sigset(t, a[0], a[3], &set);
	if (err)
		return err;
	set &= ~UNBLOCKABLE;
	if (a[2]) {
		err = copy_in_timeout(t, a[2], &ts);
		if (err)
			return err;
		deadline_after(&deadline, &ts);
	}
	for (;;) {
		sig = signal_dequeue(t, set, &info);
		if (sig)
			break;
		if (signal_pending(t) & ~t->sigmask & ~set)
			return -EINTR; /* another signal: its handler runs */
		if (a[2] && !ts.tv_sec && !ts.tv_nsec)
			return -EAGAIN;
		err = signal_wait(t, set, a[2] ? &deadline : NULL);
		if (err)
			return err;
	}
	if (a[1]) {
		err = mm_copy_out(t->mm, a[1], &info, sizeof(info));
		if (err)
			return err;
	}
	return sig;
}
