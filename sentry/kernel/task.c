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
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- references ---------------------------------------------------------- */

void task_get(struct task *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void task_put(struct task *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (!t->on_heap)
		return; /* init's, owned by the boot */
	creds_destroy(&t->creds);
	sigqueue_flush(&t->pending);
	free(t);
}

void tg_get(struct thread_group *tg)
{
	__atomic_add_fetch(&tg->refs, 1, __ATOMIC_RELAXED);
}

void tg_put(struct thread_group *tg)
{
	if (!tg || __atomic_sub_fetch(&tg->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	task_put(tg->leader);
	sigqueue_flush(&tg->shared_pending);
	pthread_mutex_destroy(&tg->lock);
	pthread_cond_destroy(&tg->sigcond);
	pthread_cond_destroy(&tg->timercond);
	pthread_cond_destroy(&tg->child_cond);
	free(tg->exe);
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

/* ---- the task list, k->lock held ----------------------------------------- */

static bool pid_in_use_locked(struct kernel *k, int id);

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

bool pgrp_exists_locked(struct kernel *k, int pgid)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->state == TG_ALIVE && tg->pgid == pgid)
			return true;
	return false;
}

/* Is id some live process's group or session? (a pid not to hand out) */
static bool pid_in_use_locked(struct kernel *k, int id)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->tgid == id || (tg->state == TG_ALIVE &&
				       (tg->pgid == id || tg->sid == id)))
			return true;
	return task_lookup_locked(k, id) != NULL;
}

/* A live thread of tg to deliver to, with a reference; NULL if none. */
struct task *tg_target_locked(struct thread_group *tg)
{
	struct task *t = tg->threads;

	for (struct task *o = tg->threads; o; o = o->next_thread)
		if (o == tg->leader) {
			t = o; /* the leader while it lives */
			break;
		}
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

/* A zombie is gone for good: off the tree, its pid free. */
static void release_tg_locked(struct kernel *k, struct thread_group *tg)
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
	tg_put(tg);
}

/* ---- signals to thread groups -------------------------------------------- */

int signal_send_tg(struct thread_group *tg, const struct abi_siginfo *info)
{
	struct kernel *k = current_task ? current_task->k : NULL;
	struct task *t;
	int err;

	BUG_ON(!k);
	pthread_mutex_lock(&k->lock);
	t = tg_target_locked(tg);
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

/* ---- parent notification ---------------------------------------------------
 */

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

/* A signal to send after k->lock is dropped. */
struct deferred_signal {
	struct thread_group *tg; /* a reference */
	struct abi_siginfo info;
};

static void deferred_send(struct deferred_signal *d)
{
	if (!d->tg)
		return;
	signal_send_tg(d->tg, &d->info);
	tg_put(d->tg);
	d->tg = NULL;
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

	if (!parent)
		return false;
	if (sig == ABI_SIGCHLD)
		parent_sigchld(parent, &ignore, &nocldwait, &nocldstop);
	status_to_code(tg->exit_status, &code, &si_status);
	if (sig > 0 && sig <= ABI_NSIG && !ignore) {
		tg_get(parent);
		d->tg = parent;
		d->info = child_info(tg, sig, code, si_status);
	}
	pthread_cond_broadcast(&parent->child_cond);
	if (ignore || nocldwait) {
		release_tg_locked(k, tg);
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
		tg_get(parent);
		d->tg = parent;
		d->info = child_info(tg, ABI_SIGCHLD, code, status);
	}
	pthread_cond_broadcast(&parent->child_cond);
}

/* ---- job control -----------------------------------------------------------
 */

void task_group_stop(struct task *t, int sig)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct deferred_signal d = {0};

	pthread_mutex_lock(&k->lock);
	if (!tg->stopped) {
		tg->stopped = true;
		tg->stop_sig = sig;
		tg->stop_report = true;
		tg->cont_report = false;
		notify_parent_stop(tg, ABI_CLD_STOPPED, sig, &d);
	}
	pthread_mutex_unlock(&k->lock);
	deferred_send(&d);

	/* Stopped until SIGCONT, SIGKILL, or the group's end. */
	pthread_mutex_lock(&tg->lock);
	while (__atomic_load_n(&tg->stopped, __ATOMIC_ACQUIRE) &&
	       !tg->exiting && !(signal_pending(t) & ABI_SIG_BIT(ABI_SIGKILL)))
		pthread_cond_wait(&tg->sigcond, &tg->lock);
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
		tg->cont_report = true;
		notify_parent_stop(tg, ABI_CLD_CONTINUED, ABI_SIGCONT, &d);
	}
	pthread_mutex_unlock(&k->lock);
	if (was) {
		pthread_mutex_lock(&tg->lock);
		pthread_cond_broadcast(&tg->sigcond);
		pthread_mutex_unlock(&tg->lock);
	}
	deferred_send(&d);
}

/* ---- exit ------------------------------------------------------------------
 */

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
		if (c->state == TG_ALIVE && c->leader &&
		    c->leader->pdeath_signal) {
			struct deferred_signal *n =
			    realloc(*ds, (*nds + 1) * sizeof(**ds));

			if (n) {
				*ds = n;
				tg_get(c);
				n[*nds] = (struct deferred_signal){
				    .tg = c,
				    .info = {.si_signo =
						 c->leader->pdeath_signal,
					     .si_code = ABI_SI_USER}};
				(*nds)++;
			}
		}
		if (!reaper) {
			if (c->state == TG_ZOMBIE)
				release_tg_locked(k, c);
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
	struct deferred_signal d = {0}, *ds = NULL;
	struct platform_ctx *ctx;
	struct fdtable *files;
	struct fs_struct *fs;
	struct mm *mm;
	size_t nds = 0;
	bool last, is_init;

	task_exit_mm(t);
	task_vfork_done(t);
	pthread_mutex_lock(&tg->lock);
	last = --tg->live_threads == 0;
	pthread_mutex_unlock(&tg->lock);
	/* Its timers' thread may look at this task's clock: it goes first. */
	if (last)
		itimer_stop(tg);

	pthread_mutex_lock(&tg->lock);
	ctx = t->ctx;
	t->ctx = NULL;
	mm = t->mm;
	t->mm = NULL;
	files = t->files;
	t->files = NULL;
	fs = t->fs;
	t->fs = NULL;
	pthread_mutex_unlock(&tg->lock);
	if (ctx)
		k->plat->ops->ctx_destroy(ctx);
	mm_put(mm);
	fdtable_put(files);
	fs_struct_put(fs);

	pthread_mutex_lock(&k->lock);
	for (struct task **pp = &tg->threads; *pp; pp = &(*pp)->next_thread)
		if (*pp == t) {
			*pp = t->next_thread;
			break;
		}
	t->next_thread = NULL;
	is_init = tg == k->init_tg;
	if (last) {
		tg->state = TG_ZOMBIE;
		reparent_children_locked(k, tg, &ds, &nds);
		if (!is_init)
			notify_parent_exit(k, tg, &d);
	}
	pthread_mutex_unlock(&k->lock);
	deferred_send(&d);
	for (size_t i = 0; i < nds; i++)
		deferred_send(&ds[i]);
	free(ds);

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
}

/* ---- wait ------------------------------------------------------------------
 */

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
			any = true;
			res->pid = c->tgid;
			res->uid = c->leader ? c->leader->creds.ruid : 0;
			if (c->state == TG_ZOMBIE && (options & ABI_WEXITED)) {
				res->status = c->exit_status;
				status_to_code(c->exit_status, &res->code,
					       &res->si_status);
				if (!(options & ABI_WNOWAIT))
					release_tg_locked(k, c);
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
