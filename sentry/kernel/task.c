// SPDX-License-Identifier: Apache-2.0
/*
 * The process tree (kernel/fork.c, kernel/exit.c, kernel/pid.c): thread
 * groups with their parents and children, process groups and sessions,
 * task creation by clone, exit with zombies and reparenting, and wait.
 *
 * Locking: k->lock (the task list lock) guards the tree, the pid space and
 * every thread group's state as its parent sees it; a thread group's own
 * lock nests inside it, never the other way round. Nothing that wakes a
 * task (signal_send, task_wake) runs under k->lock: a task waiting for a
 * child sleeps on k->lock itself.
 *
 * Lifetimes: a task is freed when its last reference goes (its own thread
 * holds one while it runs, its thread group one while the group lives);
 * a thread group when its last reference goes (the task list holds one
 * until the group is reaped).
 */
#include "sentry/kernel/task.h"

#include "platform/platform.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

/* ---- references --------------------------------------------------------- */

/*
 * A task's references pin its thread group too (t->tg stays valid for
 * whoever holds one, after the task and its group have exited and been
 * reaped), all but the group's own reference on its leader: that one is
 * raw (leader_get/leader_put), or neither could ever be freed.
 */
static void leader_get(struct task *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

static void leader_put(struct task *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!t->on_heap)
		return; /* init's, owned by the boot */
	creds_destroy(&t->creds);
	sigqueue_flush(&t->pending);
	app_seccomp_release(t);
	free(t);
}

void task_get(struct task *t)
{
	leader_get(t);
	tg_get(t->tg);
}

void task_put(struct task *t)
{
	struct thread_group *tg = t ? t->tg : NULL;

	leader_put(t);
	tg_put(tg);
}

void task_make_leader(struct thread_group *tg, struct task *t)
{
	leader_get(t);
	tg->leader = t;
}

void tg_get(struct thread_group *tg)
{
	__atomic_add_fetch(&tg->refs, 1, __ATOMIC_RELAXED);
}

void tg_put(struct thread_group *tg)
{
	if (!tg || __atomic_sub_fetch(&tg->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	leader_put(tg->leader);
	sigqueue_flush(&tg->shared_pending);
	pthread_mutex_destroy(&tg->lock);
	pthread_cond_destroy(&tg->sigcond);
	pthread_cond_destroy(&tg->timercond);
	pthread_cond_destroy(&tg->child_cond);
	tty_put(tg->tty);
	free(tg->exe);
	if (tg->exe_path.mnt)
		vfs_path_put(&tg->exe_path);
	free(tg);
}

struct thread_group *tg_alloc(void)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	pthread_condattr_t ca;

	if (!tg)
		return NULL;
	pthread_mutex_init(&tg->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tg->sigcond, &ca);
	pthread_cond_init(&tg->timercond, &ca);
	pthread_cond_init(&tg->child_cond, &ca);
	pthread_condattr_destroy(&ca);
	tg->refs = 1;
	tg->exit_signal = ABI_SIGCHLD;
	clock_gettime(CLOCK_MONOTONIC, &tg->start_time);
	return tg;
}

/* ---- the task list, k->lock held ---------------------------------------- */

int pid_alloc_locked(struct kernel *k)
{
	/* Linux's default pid_max; a pid in use is skipped after a wrap. */
	for (int tries = 0; tries < ABI_PID_MAX; tries++) {
		int pid = k->next_tid++;

		if (k->next_tid >= ABI_PID_MAX)
			k->next_tid = 300; /* as Linux's RESERVED_PIDS */
		if (!pid_in_use_locked(k, pid))
			return pid;
	}
	return -EAGAIN;
}

void tg_link_locked(struct kernel *k, struct thread_group *tg,
		    struct thread_group *parent)
{
	tg->next = k->tgs;
	k->tgs = tg;
	tg->parent = parent;
	tg->ppid = parent ? parent->tgid : 0;
	if (parent) {
		tg->sibling = parent->children;
		parent->children = tg;
	}
}

struct thread_group *tg_lookup_locked(struct kernel *k, int tgid)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->tgid == tgid)
			return tg;
	return NULL;
}

struct task *task_lookup_locked(struct kernel *k, int tid)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		for (struct task *t = tg->threads; t; t = t->next_thread)
			if (t->tid == tid)
				return t;
	return NULL;
}

struct task *task_find_locked(struct kernel *k, int tid)
{
	struct thread_group *tg;
	struct task *o = task_lookup_locked(k, tid);

	if (o)
		return o;
	/* A leader that exited stays until its group is reaped. */
	tg = tg_lookup_locked(k, tid);
	return tg ? tg->leader : NULL;
}

struct task *task_find_get(struct task *t, int tid)
{
	struct kernel *k = t->k;
	struct task *o;

	pthread_mutex_lock(&k->lock);
	o = tid ? task_find_locked(k, tid) : t;
	if (o) {
		task_get(o);
		tg_get(o->tg);
	}
	pthread_mutex_unlock(&k->lock);
	return o;
}

void task_find_put(struct task *o)
{
	struct thread_group *tg;

	if (!o)
		return;
	tg = o->tg;
	task_put(o);
	tg_put(tg);
}

bool pgrp_exists_locked(struct kernel *k, int pgid)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->state == TG_ALIVE && tg->pgid == pgid)
			return true;
	return false;
}

bool pid_in_use_locked(struct kernel *k, int id)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->tgid == id || (tg->state == TG_ALIVE &&
				       (tg->pgid == id || tg->sid == id)))
			return true;
	return task_lookup_locked(k, id) != NULL;
}

/*
 * A live thread of tg to take signal sig (complete_signal's choice): the
 * leader if it does not block it, else another thread that does not, else
 * the leader (or any thread): it stays pending for the group. sig 0: any.
 */
struct task *tg_target_locked(struct thread_group *tg, int sig)
{
	abi_sigset_t bit = sig ? ABI_SIG_BIT(sig) : 0;
	struct task *t = NULL, *leader = NULL;

	for (struct task *o = tg->threads; o; o = o->next_thread) {
		if (o == tg->leader)
			leader = o;
		if (!t &&
		    !(__atomic_load_n(&o->sigmask, __ATOMIC_RELAXED) & bit) &&
		    !o->exiting)
			t = o;
	}
	if (leader &&
	    !(__atomic_load_n(&leader->sigmask, __ATOMIC_RELAXED) & bit))
		t = leader;
	if (!t)
		t = leader ? leader : tg->threads;
	if (t)
		task_get(t);
	return t;
}

static void unlink_child(struct thread_group *tg)
{
	struct thread_group *parent = tg->parent, **pp;

	if (!parent)
		return;
	for (pp = &parent->children; *pp; pp = &(*pp)->sibling)
		if (*pp == tg) {
			*pp = tg->sibling;
			break;
		}
	tg->sibling = NULL;
	tg->parent = NULL;
}

static void ts_add(struct timespec *a, const struct timespec *b)
{
	a->tv_sec += b->tv_sec;
	a->tv_nsec += b->tv_nsec;
	if (a->tv_nsec >= 1000000000L) {
		a->tv_sec++;
		a->tv_nsec -= 1000000000L;
	}
}

int task_cpu_time_locked(struct task *o, struct timespec *ts)
{
	const struct platform_ops *ops = o->k->plat->ops;

	if (!o->ctx || !o->mm)
		return -ESRCH;
	if (!ops->cpu_time)
		return -EOPNOTSUPP;
	return ops->cpu_time(o->ctx, o->mm->as, ts);
}

bool tg_cpu_time(struct kernel *k, struct thread_group *tg, struct timespec *ts)
{
	struct timespec c;
	bool alive;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tg->lock);
	alive = tg->state == TG_ALIVE;
	*ts = tg->cpu;
	for (struct task *o = tg->threads; o; o = o->next_thread)
		if (!task_cpu_time_locked(o, &c))
			ts_add(ts, &c);
	pthread_mutex_unlock(&tg->lock);
	pthread_mutex_unlock(&k->lock);
	return alive;
}

void kernel_usage(struct kernel *k, struct timespec *ts, uint32_t *threads,
		  uint32_t *procs)
{
	struct timespec c;

	*ts = (struct timespec){0};
	*threads = *procs = 0;
	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		pthread_mutex_lock(&tg->lock);
		ts_add(ts, &tg->cpu);
		ts_add(ts, &tg->cchild_cpu);
		for (struct task *o = tg->threads; o; o = o->next_thread) {
			if (!task_cpu_time_locked(o, &c))
				ts_add(ts, &c);
			(*threads)++;
		}
		*procs += tg->state == TG_ALIVE;
		pthread_mutex_unlock(&tg->lock);
	}
	pthread_mutex_unlock(&k->lock);
}

void kernel_memory(struct kernel *k, uint64_t *total, uint64_t *free)
{
	struct sysinfo si;
	struct stat st;
	uint64_t used;

	*total = *free = 0;
	if (!k->opts.mem_budget) {
		if (sysinfo(&si) == 0) {
			uint64_t unit = si.mem_unit ? si.mem_unit : 1;

			*total = si.totalram * unit;
			*free = si.freeram * unit;
		}
		return;
	}
	/* The memory file is sparse: what it holds is what is in use. */
	used = fstat(k->mf.fd, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
	*total = k->opts.mem_budget;
	*free = used < *total ? *total - used : 0;
}

/* A zombie's usage, its reaped children's included (RUSAGE_BOTH). */
static void tg_usage(struct thread_group *tg, struct timespec *cpu,
		     uint64_t *maxrss)
{
	pthread_mutex_lock(&tg->lock);
	*cpu = tg->cpu;
	ts_add(cpu, &tg->cchild_cpu);
	*maxrss = max_t(uint64_t, tg->maxrss, tg->cmaxrss);
	pthread_mutex_unlock(&tg->lock);
}

/* A zombie is gone for good: off the tree, its pid free. */
void tg_release_locked(struct kernel *k, struct thread_group *tg)
{
	struct thread_group **pp;

	tg->state = TG_DEAD;
	unlink_child(tg);
	for (pp = &k->tgs; *pp; pp = &(*pp)->next)
		if (*pp == tg) {
			*pp = tg->next;
			break;
		}
	tg->next = NULL;
	pthread_cond_broadcast(&tg->child_cond); /* pidfd pollers */
	poll_notify();
	tg_put(tg);
}

/* ---- signals to thread groups ------------------------------------------- */

int signal_send_tg(struct thread_group *tg, const struct abi_siginfo *info)
{
	struct kernel *k = current_task ? current_task->k : NULL;
	struct task *t;
	int err;

	BUG_ON(!k);
	pthread_mutex_lock(&k->lock);
	t = tg_target_locked(tg, info->si_signo);
	pthread_mutex_unlock(&k->lock);
	if (!t)
		return 0; /* a zombie takes every signal and does nothing */
	err = signal_send(t, info, true);
	task_put(t);
	return err;
}

/*
 * May t signal tg with sig? (check_kill_permission): CAP_KILL, or the
 * sender's real or effective uid is the target's real or saved uid; SIGCONT
 * within a session always.
 */
bool signal_may_send(struct task *t, struct thread_group *tg, int sig)
{
	const struct creds *c = &t->creds, *tc;
	bool ok;

	if (tg == t->tg || creds_capable(c, ABI_CAP_KILL))
		return true;
	if (sig == ABI_SIGCONT && tg->sid == t->tg->sid)
		return true;
	pthread_mutex_lock(&tg->lock);
	tc = tg->leader ? &tg->leader->creds : NULL;
	ok = tc && (c->euid == tc->suid || c->euid == tc->ruid ||
		    c->ruid == tc->suid || c->ruid == tc->ruid);
	pthread_mutex_unlock(&tg->lock);
	return ok;
}

bool task_may_access_locked(const struct creds *c,
			    const struct thread_group *ctg,
			    const struct task *o, bool realcreds)
{
	const struct creds *tc = &o->creds;
	uint32_t uid = realcreds ? c->ruid : c->fsuid;
	uint32_t gid = realcreds ? c->rgid : c->fsgid;
	bool cap = creds_capable(c, ABI_CAP_SYS_PTRACE);

	if (ctg == o->tg)
		return true;
	if (!(uid == tc->ruid && uid == tc->euid && uid == tc->suid &&
	      gid == tc->rgid && gid == tc->egid && gid == tc->sgid) &&
	    !cap)
		return false;
	/* Not dumpable (PR_SET_DUMPABLE 0): only with the capability. */
	return cap || !o->tg->not_dumpable || !o->mm;
}

/* ---- parent notification ------------------------------------------------ */

/* The CLD_* code and si_status of a wait status. */
static void status_to_code(int status, int *code, int *si_status)
{
	if ((status & 0x7f) == 0) {
		*code = ABI_CLD_EXITED;
		*si_status = (status >> 8) & 0xff;
	} else {
		*code = (status & 0x80) ? ABI_CLD_DUMPED : ABI_CLD_KILLED;
		*si_status = status & 0x7f;
	}
}

/* SIGCHLD's siginfo for a child's state change. */
static struct abi_siginfo child_info(struct thread_group *tg, int sig, int code,
				     int si_status)
{
	struct abi_siginfo info = {.si_signo = sig, .si_code = code};

	info.child.pid = tg->tgid;
	info.child.uid = tg->leader ? tg->leader->creds.ruid : 0;
	info.child.status = si_status;
	return info;
}

/*
 * The parent's SIGCHLD disposition (its lock nests in k->lock): does it
 * ignore children's exits (autoreap), does it skip stop reports?
 */
static void parent_sigchld(struct thread_group *parent, bool *ignore,
			   bool *nocldwait, bool *nocldstop)
{
	struct abi_sigaction *act;

	pthread_mutex_lock(&parent->lock);
	act = &parent->sigactions[ABI_SIGCHLD - 1];
	*ignore = act->handler == ABI_SIG_IGN;
	*nocldwait = act->flags & ABI_SA_NOCLDWAIT;
	*nocldstop = act->flags & ABI_SA_NOCLDSTOP;
	pthread_mutex_unlock(&parent->lock);
}

/*
 * A signal queued under k->lock, before the state change it reports is
 * seen (a parent's wait returns with its SIGCHLD already pending); the
 * thread it went to is woken once k->lock is dropped.
 */
struct deferred_signal {
	struct task *t; /* a reference: to wake */
};

static void queue_signal_locked(struct deferred_signal *d,
				struct thread_group *tg,
				const struct abi_siginfo *info)
{
	struct task *t = tg_target_locked(tg, info->si_signo);

	if (!t)
		return; /* a zombie takes it and does nothing */
	pthread_mutex_lock(&tg->lock);
	signal_queue_locked(t, info, true);
	pthread_cond_broadcast(&tg->sigcond);
	pthread_mutex_unlock(&tg->lock);
	d->t = t;
}

static void deferred_send(struct deferred_signal *d)
{
	if (!d->t)
		return;
	task_wake(d->t);
	task_put(d->t);
	d->t = NULL;
}

/*
 * tg is a zombie now (k->lock held): tell its parent, or reap it at once
 * when the parent does not want to know (do_notify_parent). Returns true
 * when it was reaped.
 */
static bool notify_parent_exit(struct kernel *k, struct thread_group *tg,
			       struct deferred_signal *d)
{
	struct thread_group *parent = tg->parent;
	bool ignore = false, nocldwait = false, nocldstop;
	int sig = tg->exit_signal, code, si_status;

	tg->exit_notified = true;
	if (!parent)
		return false;
	if (sig == ABI_SIGCHLD)
		parent_sigchld(parent, &ignore, &nocldwait, &nocldstop);
	status_to_code(tg->exit_status, &code, &si_status);
	if (sig > 0 && sig <= ABI_NSIG && !ignore) {
		struct abi_siginfo info = child_info(tg, sig, code, si_status);

		queue_signal_locked(d, parent, &info);
	}
	pthread_cond_broadcast(&parent->child_cond);
	poll_notify();
	if (ignore || nocldwait) {
		tg_release_locked(k, tg);
		return true;
	}
	return false;
}

/* Report a stop or continue of tg to its parent (k->lock held). */
static void notify_parent_stop(struct thread_group *tg, int code, int status,
			       struct deferred_signal *d)
{
	struct thread_group *parent = tg->parent;
	bool ignore, nocldwait, nocldstop;

	if (!parent)
		return;
	parent_sigchld(parent, &ignore, &nocldwait, &nocldstop);
	if (!nocldstop && !ignore) {
		struct abi_siginfo info =
		    child_info(tg, ABI_SIGCHLD, code, status);

		queue_signal_locked(d, parent, &info);
	}
	pthread_cond_broadcast(&parent->child_cond);
	poll_notify();
}

/* ---- job control -------------------------------------------------------- */

/*
 * One thread of tg has stopped, or left the group (k->lock held): with
 * the last, the stop is complete and the parent told (do_signal_stop's
 * last thread).
 */
static void stop_counted_done_locked(struct thread_group *tg, struct task *t,
				     struct deferred_signal *d)
{
	if (!t->stop_counted)
		return;
	t->stop_counted = false;
	if (--tg->stop_count == 0 && tg->stopped) {
		tg->stop_report = true;
		tg->cont_report = false;
		notify_parent_stop(tg, ABI_CLD_STOPPED, tg->stop_sig, d);
	}
}

void task_group_stop(struct task *t, int sig)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct deferred_signal d = {0};
	bool began = false;

	pthread_mutex_lock(&k->lock);
	if (!tg->stopped && !__atomic_load_n(&tg->exiting, __ATOMIC_ACQUIRE)) {
		tg->stopped = true;
		tg->stop_sig = sig;
		tg->stop_count = 1; /* until the others are counted */
		/*
		 * Every other thread is interrupted (task_interrupted looks
		 * at stop_pending), leaves application code or its syscall,
		 * and is waited for until it stops in task_stop, as Linux
		 * waits for each thread's do_signal_stop.
		 */
		for (struct task *o = tg->threads; o; o = o->next_thread) {
			if (o == t)
				continue;
			__atomic_store_n(&o->stop_pending, true,
					 __ATOMIC_SEQ_CST);
			o->stop_counted = true;
			tg->stop_count++;
		}
		t->stop_counted = true;
		stop_counted_done_locked(tg, t, &d);
		began = true;
	}
	pthread_mutex_unlock(&k->lock);
	deferred_send(&d);
	if (began)
		task_wake_others(t); /* out of application code */
	task_stop(t);
}

/* t stops (its stop_pending, k->lock not held): count it. */
static void stop_ack(struct task *t)
{
	struct deferred_signal d = {0};

	pthread_mutex_lock(&t->k->lock);
	__atomic_store_n(&t->stop_pending, false, __ATOMIC_RELEASE);
	stop_counted_done_locked(t->tg, t, &d);
	pthread_mutex_unlock(&t->k->lock);
	deferred_send(&d);
}

void task_stop(struct task *t)
{
	struct thread_group *tg = t->tg;

	stop_ack(t);
	/* Stopped until SIGCONT, SIGKILL, or the group's end. */
	pthread_mutex_lock(&tg->lock);
	while (__atomic_load_n(&tg->stopped, __ATOMIC_ACQUIRE) &&
	       !tg->exiting && !task_exec_zapped(t) &&
	       !(signal_pending(t) & ABI_SIG_BIT(ABI_SIGKILL))) {
		pthread_cond_wait(&tg->sigcond, &tg->lock);
		/* Continued and stopped again before it woke: count it
		 * for the new stop too (k->lock comes before tg->lock). */
		if (__atomic_load_n(&t->stop_pending, __ATOMIC_ACQUIRE)) {
			pthread_mutex_unlock(&tg->lock);
			stop_ack(t);
			pthread_mutex_lock(&tg->lock);
		}
	}
	pthread_mutex_unlock(&tg->lock);
}

void task_group_continue(struct task *sender, struct thread_group *tg)
{
	struct kernel *k = sender->k;
	struct deferred_signal d = {0};
	bool was;

	pthread_mutex_lock(&k->lock);
	was = tg->stopped;
	if (was) {
		tg->stopped = false;
		tg->stop_report = false;
		/* A stop not complete yet was never reported: it ends
		 * unseen (deviation: Linux tells the parent CLD_STOPPED). */
		if (tg->stop_count == 0) {
			tg->cont_report = true;
			notify_parent_stop(tg, ABI_CLD_CONTINUED, ABI_SIGCONT,
					   &d);
		}
		tg->stop_count = 0;
		for (struct task *o = tg->threads; o; o = o->next_thread) {
			__atomic_store_n(&o->stop_pending, false,
					 __ATOMIC_RELEASE);
			o->stop_counted = false;
		}
	}
	pthread_mutex_unlock(&k->lock);
	if (was) {
		pthread_mutex_lock(&tg->lock);
		pthread_cond_broadcast(&tg->sigcond);
		pthread_mutex_unlock(&tg->lock);
	}
	deferred_send(&d);
}

/* ---- exit --------------------------------------------------------------- */

/*
 * The closest living ancestor of tg that is a child subreaper, else init
 * (find_new_reaper); NULL when init itself is going.
 */
static struct thread_group *new_reaper_locked(struct kernel *k,
					      struct thread_group *tg)
{
	for (struct thread_group *a = tg->parent; a; a = a->parent)
		if (a->child_subreaper && a->state == TG_ALIVE && !a->exiting)
			return a;
	if (k->init_tg && k->init_tg != tg && k->init_tg->state == TG_ALIVE)
		return k->init_tg;
	return NULL;
}

/* Its parent thread exited: c's PR_SET_PDEATHSIG signal, if any. */
static void pdeath_signal_locked(struct thread_group *c,
				 struct deferred_signal **ds, size_t *nds)
{
	struct deferred_signal *n;
	struct abi_siginfo info = {.si_code = ABI_SI_USER};

	if (c->state != TG_ALIVE || !c->leader || !c->leader->pdeath_signal)
		return;
	n = realloc(*ds, (*nds + 1) * sizeof(**ds));
	if (!n)
		return;
	info.si_signo = c->leader->pdeath_signal;
	*ds = n;
	n[*nds] = (struct deferred_signal){0};
	queue_signal_locked(&n[*nds], c, &info);
	(*nds)++;
}

/*
 * t exits, and another thread of its group lives on (k->lock held): that
 * one is now the parent of t's children, which get their death signals
 * (forget_original_parent's reaper in the same group).
 */
static void reparent_to_thread_locked(struct task *t,
				      struct deferred_signal **ds, size_t *nds)
{
	struct task *heir = NULL;

	for (struct task *o = t->tg->threads; o && !heir; o = o->next_thread)
		if (o != t)
			heir = o;
	if (!heir)
		return;
	for (struct thread_group *c = t->tg->children; c; c = c->sibling) {
		if (c->parent_tid != t->tid)
			continue;
		c->parent_tid = heir->tid;
		pdeath_signal_locked(c, ds, nds);
	}
}

/* Hand tg's children to their new reaper (forget_original_parent). */
static void reparent_children_locked(struct kernel *k, struct thread_group *tg,
				     struct deferred_signal **ds, size_t *nds)
{
	struct thread_group *reaper = new_reaper_locked(k, tg);

	while (tg->children) {
		struct thread_group *c = tg->children;

		tg->children = c->sibling;
		c->sibling = NULL;
		c->parent = reaper;
		c->ppid = reaper ? reaper->tgid : 0;
		c->parent_tid =
		    reaper && reaper->threads ? reaper->threads->tid : 0;
		pdeath_signal_locked(c, ds, nds);
		if (!reaper) {
			if (c->state == TG_ZOMBIE)
				tg_release_locked(k, c);
			continue;
		}
		c->sibling = reaper->children;
		reaper->children = c;
		c->exit_signal = ABI_SIGCHLD;
		if (c->state == TG_ZOMBIE) {
			struct deferred_signal *n =
			    realloc(*ds, (*nds + 1) * sizeof(**ds));

			if (n) {
				*ds = n;
				n[*nds] = (struct deferred_signal){0};
				notify_parent_exit(k, c, &n[*nds]);
				(*nds)++;
			}
		}
	}
}

/*
 * will_become_orphaned_pgrp: no member of pgid (but ignore) has a parent
 * in another group of the same session. The sandbox's init counts as a
 * parent, as a container's init does on Linux (only the global init does
 * not): a shell that is init keeps its jobs' groups from orphanhood.
 */
bool pgrp_orphaned_locked(struct kernel *k, int pgid,
			  struct thread_group *ignore)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		struct thread_group *p = tg->parent;

		if (tg == ignore || tg->state != TG_ALIVE || tg->pgid != pgid)
			continue;
		if (p && p->pgid != pgid && p->sid == tg->sid)
			return false;
	}
	return true;
}

static bool pgrp_stopped_locked(struct kernel *k, int pgid)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->state == TG_ALIVE && tg->pgid == pgid && tg->stopped)
			return true;
	return false;
}

/*
 * kill_orphaned_pgrp: tg's group is orphaned by the exit of ignore (or of
 * tg's parent, parent) with stopped members: note it for SIGHUP and
 * SIGCONT. k->lock held.
 */
static void orphan_check_locked(struct kernel *k, struct thread_group *tg,
				struct thread_group *parent,
				struct thread_group *ignore, int **pgids,
				size_t *n)
{
	int *more;

	if (!parent || parent->pgid == tg->pgid || parent->sid != tg->sid)
		return;
	if (!pgrp_orphaned_locked(k, tg->pgid, ignore) ||
	    !pgrp_stopped_locked(k, tg->pgid))
		return;
	for (size_t i = 0; i < *n; i++)
		if ((*pgids)[i] == tg->pgid)
			return;
	more = realloc(*pgids, (*n + 1) * sizeof(**pgids));
	if (!more)
		return; /* out of memory: no hang-up, as if not orphaned */
	*pgids = more;
	more[(*n)++] = tg->pgid;
}

/* sig from the kernel to every live process of pgid (pid: just pid's). */
static void signal_kernel(struct kernel *k, int id, bool pgrp, int sig)
{
	struct abi_siginfo info = {.si_signo = sig, .si_code = ABI_SI_KERNEL};
	struct task **v = NULL;
	size_t n = 0;

	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		struct task **more, *t;

		if (tg->state != TG_ALIVE || (pgrp ? tg->pgid : tg->tgid) != id)
			continue;
		t = tg_target_locked(tg, sig);
		if (!t)
			continue;
		more = realloc(v, (n + 1) * sizeof(*v));
		if (!more) {
			task_put(t);
			break;
		}
		v = more;
		v[n++] = t;
	}
	pthread_mutex_unlock(&k->lock);
	for (size_t i = 0; i < n; i++) {
		signal_send(v[i], &info, true);
		task_put(v[i]);
	}
	free(v);
}

void signal_pgrp(struct kernel *k, int pgid, int sig)
{
	if (pgid > 0)
		signal_kernel(k, pgid, true, sig);
}

void signal_pid(struct kernel *k, int pid, int sig)
{
	if (pid > 0)
		signal_kernel(k, pid, false, sig);
}

/* SIGHUP then SIGCONT to every member of pgid, from the kernel. */
static void hangup_pgrp(struct task *t, int pgid)
{
	signal_pgrp(t->k, pgid, ABI_SIGHUP);
	signal_pgrp(t->k, pgid, ABI_SIGCONT);
}

/* Every task but init's group gets SIGKILL: init is gone. */
static void kill_all_but(struct kernel *k, struct thread_group *except)
{
	struct abi_siginfo info = {.si_signo = ABI_SIGKILL,
				   .si_code = ABI_SI_KERNEL};
	struct task **ts = NULL;
	size_t n = 0;

	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		struct task **more;

		if (tg == except)
			continue;
		for (struct task *t = tg->threads; t; t = t->next_thread) {
			more = realloc(ts, (n + 1) * sizeof(*ts));
			if (!more)
				break;
			ts = more;
			task_get(t);
			ts[n++] = t;
		}
	}
	pthread_mutex_unlock(&k->lock);
	for (size_t i = 0; i < n; i++) {
		signal_send(ts[i], &info, true);
		task_put(ts[i]);
	}
	free(ts);
}

/* The vfork parent may go on: its child has exec'd or exited. */
void task_vfork_done(struct task *t)
{
	struct vfork_done *vd = t->vfork_done;

	if (!vd)
		return;
	t->vfork_done = NULL;
	pthread_mutex_lock(&vd->lock);
	vd->done = true;
	pthread_cond_broadcast(&vd->cond);
	pthread_mutex_unlock(&vd->lock);
}

/*
 * The thread lets go of its address space (mm_release): CLONE_CHILD_CLEARTID's
 * word is cleared and its futex woken, when anyone else can see it.
 */
static void task_exit_mm(struct task *t)
{
	uint32_t zero = 0;

	if (!t->clear_child_tid || !t->mm)
		return;
	if (__atomic_load_n(&t->mm->refs, __ATOMIC_ACQUIRE) > 1 &&
	    mm_copy_out(t->mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_addr(t, t->clear_child_tid, 1);
	t->clear_child_tid = 0;
}

void task_exit(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct deferred_signal d = {0}, dstop = {0}, *ds = NULL;
	struct platform_ctx *ctx;
	int *orphans = NULL;
	size_t norphans = 0;
	struct timespec cpu;
	struct fdtable *files;
	struct fs_struct *fs;
	struct mm *mm;
	size_t nds = 0;
	bool last, is_init, have_cpu;

	tg_get(tg); /* a parent may reap it once it is a zombie */
	/*
	 * Whether it is the group's last thread is settled first, as Linux's
	 * do_exit does before the robust futexes and the tid word: a thread
	 * woken by those finds this one counted out.
	 */
	pthread_mutex_lock(&tg->lock);
	last = --tg->live_threads == 0;
	/*
	 * Ended by exits alone: the group's status is the last thread's exit
	 * code, whichever thread that is (Linux 5.19 and later; the leader's
	 * before).
	 */
	if (last && !tg->exiting)
		tg->exit_status = t->exit_code;
	pthread_mutex_unlock(&tg->lock);
	if (t->mm)
		futex_exit_robust_list(t);
	task_exit_mm(t);
	task_vfork_done(t);
	/* Its timers' thread may look at this task's clock: it goes first. */
	if (last)
		itimer_stop(tg);

	/* What wait4 and getrusage(RUSAGE_CHILDREN) will tell the parent. */
	have_cpu = t->ctx && t->mm && t->in_as &&
		   !k->plat->ops->cpu_time(t->ctx, t->mm->as, &cpu);
	if (last && t->mm) {
		uint64_t rss = mm_rss(t->mm);

		pthread_mutex_lock(&tg->lock);
		tg->maxrss = max_t(uint64_t, tg->maxrss, rss);
		pthread_mutex_unlock(&tg->lock);
	}

	pthread_mutex_lock(&tg->lock);
	/* Its time goes to the group's as its context goes: tg_cpu_time
	 * counts it once. */
	if (have_cpu)
		ts_add(&tg->cpu, &cpu);
	ctx = t->ctx;
	t->ctx = NULL;
	mm = t->mm;
	t->mm = NULL;
	files = t->files;
	t->files = NULL;
	fs = t->fs;
	t->fs = NULL;
	pthread_mutex_unlock(&tg->lock);
	/* Others go on in the address space: this thread leaves it. */
	if (mm && t->in_as && __atomic_load_n(&mm->refs, __ATOMIC_ACQUIRE) > 1)
		k->plat->ops->as_leave(mm->as);
	t->in_as = false;
	if (ctx)
		k->plat->ops->ctx_destroy(ctx);
	mm_put(mm);
	fdtable_put(files);
	fs_struct_put(fs);
	/* A session leader's terminal goes (disassociate_ctty). */
	if (last)
		tty_exit_group(t);

	pthread_mutex_lock(&k->lock);
	/* A stop that waited for it waits no more. */
	stop_counted_done_locked(tg, t, &dstop);
	if (!last)
		reparent_to_thread_locked(t, &ds, &nds);
	for (struct task **pp = &tg->threads; *pp; pp = &(*pp)->next_thread)
		if (*pp == t) {
			*pp = t->next_thread;
			break;
		}
	t->next_thread = NULL;
	is_init = tg == k->init_tg;
	if (last) {
		struct thread_group **kids = NULL, **more;
		size_t nkids = 0;

		for (struct thread_group *c = tg->children; c; c = c->sibling) {
			more = realloc(kids, (nkids + 1) * sizeof(*kids));
			if (!more)
				break;
			kids = more;
			tg_get(c); /* a zombie may be reaped as it moves */
			kids[nkids++] = c;
		}
		tg->state = TG_ZOMBIE;
		reparent_children_locked(k, tg, &ds, &nds);
		/* The children's groups, with their new parents
		 * (reparent_leader). */
		for (size_t i = 0; i < nkids; i++) {
			if (kids[i]->state == TG_ALIVE)
				orphan_check_locked(k, kids[i], tg, NULL,
						    &orphans, &norphans);
			tg_put(kids[i]);
		}
		free(kids);
		/* Its own group, which it may have kept from orphanhood. */
		orphan_check_locked(k, tg, tg->parent, tg, &orphans, &norphans);
	}
	pthread_mutex_unlock(&k->lock);
	deferred_send(&dstop);
	for (size_t i = 0; i < nds; i++)
		deferred_send(&ds[i]);
	free(ds);
	/*
	 * exit_notify's order: the groups it orphaned get their SIGHUP and
	 * SIGCONT before the parent hears of the exit (and may reap it), so
	 * a parent that waited finds them continued.
	 */
	for (size_t i = 0; i < norphans; i++)
		hangup_pgrp(t, orphans[i]);
	free(orphans);
	if (last && !is_init) {
		pthread_mutex_lock(&k->lock);
		/* Told already if its parent exited meanwhile (reparent). */
		if (!tg->exit_notified)
			notify_parent_exit(k, tg, &d);
		pthread_mutex_unlock(&k->lock);
		deferred_send(&d);
	}

	if (last && is_init) {
		kill_all_but(k, tg);
		pthread_mutex_lock(&k->lock);
		k->init_exited = true;
		k->init_status = tg->exit_status;
		pthread_mutex_unlock(&k->lock);
	}
	pthread_mutex_lock(&k->lock);
	k->live_tasks--;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	tg_put(tg);
}

void task_wake_others(struct task *t)
{
	struct kernel *k = t->k;
	struct task **others = NULL;
	size_t n = 0;

	pthread_mutex_lock(&k->lock);
	for (struct task *o = t->tg->threads; o; o = o->next_thread) {
		struct task **more;

		if (o == t)
			continue;
		more = realloc(others, (n + 1) * sizeof(*others));
		if (!more)
			break;
		others = more;
		task_get(o);
		others[n++] = o;
	}
	pthread_mutex_unlock(&k->lock);
	for (size_t i = 0; i < n; i++) {
		task_wake(others[i]);
		task_put(others[i]);
	}
	free(others);
}

/* ---- exec --------------------------------------------------------------- */

int task_exec_dethread(struct task *t)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct task *old_leader = NULL;

	pthread_mutex_lock(&tg->lock);
	if (tg->exiting || tg->exec_task) {
		pthread_mutex_unlock(&tg->lock);
		return -EINTR;
	}
	if (tg->live_threads == 1) {
		pthread_mutex_unlock(&tg->lock);
		return 0;
	}
	__atomic_store_n(&tg->exec_task, t, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&tg->sigcond); /* signal_wait, a group stop */
	pthread_mutex_unlock(&tg->lock);

	task_wake_others(t);

	/* Until they are gone (each ends with a broadcast of k->cond). */
	pthread_mutex_lock(&k->lock);
	while (tg->threads && (tg->threads != t || t->next_thread))
		pthread_cond_wait(&k->cond, &k->lock);
	if (tg->leader != t) {
		/* The exec'ing thread takes the group's id (exchange_tids). */
		int old_tid = t->tid;

		old_leader = tg->leader;
		task_make_leader(tg, t);
		t->tid = tg->tgid;
		/* Its children (and the others', handed to it) follow. */
		for (struct thread_group *c = tg->children; c; c = c->sibling)
			if (c->parent_tid == old_tid)
				c->parent_tid = t->tid;
	}
	pthread_mutex_unlock(&k->lock);
	leader_put(old_leader);
	__atomic_store_n(&tg->exec_task, NULL, __ATOMIC_RELEASE);
	return 0;
}

/* ---- wait --------------------------------------------------------------- */

/* Does child c match wait's idtype and id (and __WCLONE, __WALL)? */
static bool wait_matches(const struct thread_group *c, int idtype, int id,
			 const struct thread_group *pidfd_tg, int options)
{
	bool clone_child = c->exit_signal != ABI_SIGCHLD;

	switch (idtype) {
	case ABI_P_PID:
		if (c->tgid != id)
			return false;
		break;
	case ABI_P_PGID:
		if (c->pgid != id)
			return false;
		break;
	case ABI_P_PIDFD:
		if (c != pidfd_tg)
			return false;
		break;
	default:
		break;
	}
	if (options & ABI___WALL)
		return true;
	return clone_child == !!(options & ABI___WCLONE);
}

long task_do_wait(struct task *t, int idtype, int id,
		  struct thread_group *pidfd_tg, int options,
		  struct wait_result *res)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	long ret;

	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&k->lock);
	for (;;) {
		bool any = false;

		for (struct thread_group *c = tg->children; c; c = c->sibling) {
			if (!wait_matches(c, idtype, id, pidfd_tg, options))
				continue;
			/* __WNOTHREAD: the caller's own children alone. */
			if ((options & ABI___WNOTHREAD) &&
			    c->parent_tid != t->tid)
				continue;
			any = true;
			res->pid = c->tgid;
			res->uid = c->leader ? c->leader->creds.ruid : 0;
			if (c->state == TG_ZOMBIE && c->exit_notified &&
			    (options & ABI_WEXITED)) {
				res->status = c->exit_status;
				status_to_code(c->exit_status, &res->code,
					       &res->si_status);
				tg_usage(c, &res->cpu, &res->maxrss);
				if (!(options & ABI_WNOWAIT)) {
					/* The parent's children's usage. */
					pthread_mutex_lock(&tg->lock);
					ts_add(&tg->cchild_cpu, &res->cpu);
					tg->cmaxrss = max_t(
					    uint64_t, tg->cmaxrss, res->maxrss);
					pthread_mutex_unlock(&tg->lock);
					tg_release_locked(k, c);
				}
				ret = res->pid;
				goto out;
			}
			if (c->state == TG_ALIVE && c->stop_report &&
			    (options & ABI_WSTOPPED)) {
				res->status = (c->stop_sig << 8) | 0x7f;
				res->code = ABI_CLD_STOPPED;
				res->si_status = c->stop_sig;
				if (!(options & ABI_WNOWAIT))
					c->stop_report = false;
				ret = res->pid;
				goto out;
			}
			if (c->state == TG_ALIVE && c->cont_report &&
			    (options & ABI_WCONTINUED)) {
				res->status = 0xffff;
				res->code = ABI_CLD_CONTINUED;
				res->si_status = ABI_SIGCONT;
				if (!(options & ABI_WNOWAIT))
					c->cont_report = false;
				ret = res->pid;
				goto out;
			}
		}
		res->pid = 0;
		res->uid = 0;
		if (!any) {
			ret = -ECHILD;
			break;
		}
		if (options & ABI_WNOHANG) {
			ret = 0;
			break;
		}
		ret = task_wait(t, &k->lock, &tg->child_cond);
		if (ret)
			break;
	}
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}
