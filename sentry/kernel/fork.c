// SPDX-License-Identifier: Apache-2.0
/*
 * clone, fork and vfork (kernel/fork.c): a new task, in a new thread group
 * or its parent's, sharing or copying what the flags say. A new address
 * space is the parent's, copy-on-write (mm_fork); the child's sentry
 * thread makes the platform's side of it before the child first runs. A
 * shared one (CLONE_VM: threads, vfork) gets a platform thread prepared by
 * the parent's sentry thread, which the child's enters.
 *
 * CLONE_PIDFD's pidfd names the new thread group (pidfd.c).
 *
 * Deviations: namespaces (CLONE_NEW*) are EINVAL, as on a kernel built
 * without them; CLONE_INTO_CGROUP and set_tid are EINVAL (no cgroups, one
 * pid namespace); CLONE_SYSVSEM and CLONE_IO are accepted and mean nothing
 * yet (no System V semaphores, no I/O contexts).
 */
#include "sentry/kernel/task.h"

#include "platform/platform.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CLONE_NAMESPACES                                                       \
	(ABI_CLONE_NEWNS | ABI_CLONE_NEWCGROUP | ABI_CLONE_NEWUTS |            \
	 ABI_CLONE_NEWIPC | ABI_CLONE_NEWUSER | ABI_CLONE_NEWPID |             \
	 ABI_CLONE_NEWNET | ABI_CLONE_NEWTIME)

/* copy_process's checks of the flags, in its order. */
static int check_flags(struct task *t, uint64_t flags)
{
	if ((flags & (ABI_CLONE_NEWNS | ABI_CLONE_FS)) ==
	    (ABI_CLONE_NEWNS | ABI_CLONE_FS))
		return -EINVAL;
	if ((flags & (ABI_CLONE_NEWUSER | ABI_CLONE_FS)) ==
	    (ABI_CLONE_NEWUSER | ABI_CLONE_FS))
		return -EINVAL;
	if ((flags & ABI_CLONE_THREAD) && !(flags & ABI_CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & ABI_CLONE_SIGHAND) && !(flags & ABI_CLONE_VM))
		return -EINVAL;
	if ((flags & ABI_CLONE_PARENT) && t->tg == t->k->init_tg)
		return -EINVAL; /* init's parent is nobody's to share */
	if ((flags & ABI_CLONE_THREAD) &&
	    (flags & (ABI_CLONE_NEWUSER | ABI_CLONE_NEWPID)))
		return -EINVAL;
	if ((flags & ABI_CLONE_PIDFD) &&
	    (flags & (ABI_CLONE_DETACHED | ABI_CLONE_THREAD)))
		return -EINVAL;
	if (flags & CLONE_NAMESPACES) {
		log_warn_once("clone: namespaces (flags %#llx): EINVAL",
			      (unsigned long long)(flags & CLONE_NAMESPACES));
		return -EINVAL;
	}
	return 0;
}

static int copy_creds(struct creds *dst, const struct creds *src)
{
	*dst = *src;
	dst->groups = NULL;
	if (src->ngroups) {
		dst->groups = malloc((size_t)src->ngroups * sizeof(uint32_t));
		if (!dst->groups)
			return -ENOMEM;
		memcpy(dst->groups, src->groups,
		       (size_t)src->ngroups * sizeof(uint32_t));
	}
	return 0;
}

/* The new thread group of a fork: the parent's dispositions and limits. */
static struct thread_group *copy_tg(struct task *t, uint64_t flags,
				    int exit_signal)
{
	struct thread_group *p = t->tg, *tg = tg_alloc();

	if (!tg)
		return NULL;
	pthread_mutex_lock(&p->lock);
	memcpy(tg->rlim, p->rlim, sizeof(tg->rlim));
	memcpy(tg->sigactions, p->sigactions, sizeof(tg->sigactions));
	tg->umask = p->umask;
	tg->oom_score_adj = p->oom_score_adj;
	tg->oom_score_adj_min = p->oom_score_adj_min;
	tg->exe = p->exe ? strdup(p->exe) : NULL;
	tg->exe_path = p->exe_path;
	if (tg->exe_path.mnt)
		vfs_path_get(&tg->exe_path);
	tg->not_dumpable = p->not_dumpable;
	pthread_mutex_unlock(&p->lock);
	if (flags & ABI_CLONE_CLEAR_SIGHAND)
		for (int i = 0; i < ABI_NSIG; i++)
			if (tg->sigactions[i].handler != ABI_SIG_IGN)
				tg->sigactions[i] = (struct abi_sigaction){
				    .handler = ABI_SIG_DFL};
	tg->exit_signal = exit_signal;
	tg->live_threads = 1;
	return tg;
}

/* The new task's own state: what a thread of the parent's has. */
static struct task *copy_task(struct task *t, uint64_t flags)
{
	struct task *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (copy_creds(&c->creds, &t->creds)) {
		free(c);
		return NULL;
	}
	c->k = t->k;
	c->refs = 1; /* its thread's */
	c->on_heap = true;
	c->regs = t->regs;
	c->sigmask = t->sigmask;
	/* A thread sharing the address space gets no alternate stack. */
	if ((flags & (ABI_CLONE_VM | ABI_CLONE_VFORK)) != ABI_CLONE_VM)
		c->altstack = t->altstack;
	else
		c->altstack = (struct abi_stack){.ss_flags = ABI_SS_DISABLE};
	memcpy(c->comm, t->comm, sizeof(c->comm));
	/* Others may change t's attributes (sched.c): under its lock. */
	pthread_mutex_lock(&t->tg->lock);
	c->sched = t->sched;
	app_seccomp_fork(c, t); /* TSYNC changes t's under the lock */
	pthread_mutex_unlock(&t->tg->lock);
	if (c->sched.reset_on_fork) {
		c->sched.reset_on_fork = false;
		if (c->sched.policy != 0) {
			c->sched.policy = 0;
			c->sched.rt_priority = 0;
		}
		if (c->sched.nice < 0)
			c->sched.nice = 0;
	}
	c->timer_slack_ns = t->timer_slack_ns;
	c->personality = t->personality;
	c->no_new_privs = t->no_new_privs;
	c->mce_kill = t->mce_kill;
	return c;
}

/* The child's sentry thread: the platform's side, then run it. */
static void *child_main(void *arg)
{
	struct task *c = arg;

	task_run_child(c);
	return NULL;
}

int task_start_thread(struct task *c)
{
	pthread_attr_t attr;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&c->thread, &attr, child_main, c);
	pthread_attr_destroy(&attr);
	return -err;
}

/*
 * RLIMIT_NPROC: the tasks (threads too) of the caller's real user, but for
 * root and holders of CAP_SYS_RESOURCE or CAP_SYS_ADMIN. k->lock held.
 */
static bool nproc_over_locked(struct task *t)
{
	uint32_t uid = t->creds.ruid;
	uint64_t lim, n = 0;

	if (uid == 0 || creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE) ||
	    creds_capable(&t->creds, ABI_CAP_SYS_ADMIN))
		return false;
	pthread_mutex_lock(&t->tg->lock);
	lim = t->tg->rlim[ABI_RLIMIT_NPROC].rlim_cur;
	pthread_mutex_unlock(&t->tg->lock);
	for (struct thread_group *tg = t->k->tgs; tg && n < lim; tg = tg->next)
		for (struct task *o = tg->threads; o; o = o->next_thread)
			n += o->creds.ruid == uid;
	return n >= lim;
}

/* Would one more task pass the sandbox's --pids (a pids cgroup's
 * pids.max: fork and clone fail with EAGAIN)? k->lock held. */
static bool tasks_over_locked(struct kernel *k)
{
	return k->opts.max_tasks > 0 && k->live_tasks >= k->opts.max_tasks;
}

static void free_unstarted(struct task *c, struct thread_group *tg)
{
	fdtable_put(c->files);
	fs_struct_put(c->fs);
	if (c->as_shared)
		c->mm->plat->ops->as_abandon(c->mm->as, c->as_token);
	mm_put(c->mm);
	if (tg)
		tg_put(tg);
	creds_destroy(&c->creds);
	app_seccomp_release(c);
	free(c);
}

long task_clone(struct task *t, const struct abi_clone_args *args, bool clone3)
{
	struct kernel *k = t->k;
	uint64_t flags = args->flags;
	struct thread_group *tg = NULL, *parent;
	struct vfork_done vd;
	struct task *c;
	int tid, err, pidfd = -1;
	long ret;

	err = check_flags(t, flags);
	if (err)
		return err;
	if (!clone3 && (flags & ABI_CLONE_PIDFD) &&
	    (flags & ABI_CLONE_PARENT_SETTID) &&
	    args->pidfd == args->parent_tid)
		return -EINVAL;

	c = copy_task(t, flags);
	if (!c)
		return -ENOMEM;
	if (flags & ABI_CLONE_FILES) {
		__atomic_add_fetch(&t->files->refs, 1, __ATOMIC_RELAXED);
		c->files = t->files;
	} else {
		c->files = fdtable_dup(t->files);
	}
	if (flags & ABI_CLONE_FS) {
		__atomic_add_fetch(&t->fs->refs, 1, __ATOMIC_RELAXED);
		c->fs = t->fs;
	} else {
		pthread_mutex_lock(&t->fs->lock);
		c->fs = fs_struct_create(&t->fs->root, &t->fs->cwd);
		pthread_mutex_unlock(&t->fs->lock);
	}
	if (!c->files || !c->fs) {
		free_unstarted(c, NULL);
		return -ENOMEM;
	}
	if (flags & ABI_CLONE_VM) {
		/* The platform's thread for the child, made by ours. */
		err = k->plat->ops->as_new_thread(t->mm->as, &c->as_token);
		if (err) {
			free_unstarted(c, NULL);
			return err == -ENOMEM ? -ENOMEM : -EAGAIN;
		}
		mm_get(t->mm);
		c->mm = t->mm;
		c->as_shared = true;
	} else {
		err = mm_fork(t->mm, &c->mm);
		if (err) {
			free_unstarted(c, NULL);
			return err;
		}
	}
	if (flags & ABI_CLONE_THREAD) {
		tg = t->tg;
		tg_get(tg); /* dropped with free_unstarted, or below */
	} else {
		tg = copy_tg(t, flags, (int)args->exit_signal);
		if (!tg) {
			free_unstarted(c, NULL);
			return -ENOMEM;
		}
	}
	c->tg = tg;

	/* The child's registers: fork returns 0 there, on its own stack. */
	c->regs.rax = 0;
	if (args->stack)
		c->regs.rsp = args->stack + args->stack_size;
	if (flags & ABI_CLONE_SETTLS) {
		if (args->tls >= ABI_TASK_SIZE) {
			free_unstarted(c, tg);
			return -EPERM;
		}
		c->regs.fs_base = args->tls;
	}
	if (flags & ABI_CLONE_CHILD_SETTID)
		c->set_child_tid = args->child_tid;
	if (flags & ABI_CLONE_CHILD_CLEARTID)
		c->clear_child_tid = args->child_tid;
	if (flags & ABI_CLONE_VFORK) {
		pthread_mutex_init(&vd.lock, NULL);
		pthread_cond_init(&vd.cond, NULL);
		vd.done = false;
		c->vfork_done = &vd;
	}

	if (flags & ABI_CLONE_PIDFD) {
		int32_t v;

		pidfd = (int)pidfd_create(t, tg, 0);
		if (pidfd < 0) {
			free_unstarted(c, tg);
			return pidfd;
		}
		v = pidfd;
		if (mm_copy_out(t->mm, args->pidfd, &v, sizeof(v))) {
			fd_close(t->files, pidfd);
			free_unstarted(c, tg);
			return -EFAULT;
		}
	}

	pthread_mutex_lock(&k->lock);
	tid = __atomic_load_n(&t->tg->exiting, __ATOMIC_ACQUIRE)
		  ? -ERESTARTNOINTR /* a fatal signal is on its way */
	      : nproc_over_locked(t) || tasks_over_locked(k)
		  ? -EAGAIN
		  : pid_alloc_locked(k);
	if (tid < 0) {
		pthread_mutex_unlock(&k->lock);
		if (pidfd >= 0)
			fd_close(t->files, pidfd);
		free_unstarted(c, tg);
		return tid;
	}
	c->tid = tid;
	tg_get(tg); /* its thread's reference to c pins the group too */
	if (flags & ABI_CLONE_THREAD) {
		c->next_thread = tg->threads;
		tg->threads = c;
		/* A thread born into a stopping group stops before it runs. */
		if (tg->stopped)
			c->stop_pending = true;
		pthread_mutex_lock(&tg->lock);
		tg->live_threads++;
		pthread_mutex_unlock(&tg->lock);
	} else {
		tg->tgid = tid;
		tg->pgid = t->tg->pgid;
		tg->sid = t->tg->sid;
		tg->tty = t->tg->tty;
		if (tg->tty)
			tty_get(tg->tty);
		task_make_leader(tg, c);
		tg->threads = c;
		parent = (flags & ABI_CLONE_PARENT) ? t->tg->parent : t->tg;
		tg_link_locked(k, tg, parent);
		tg->parent_tid =
		    (flags & ABI_CLONE_PARENT) ? t->tg->parent_tid : t->tid;
	}
	k->live_tasks++;
	pthread_mutex_unlock(&k->lock);
	if (flags & ABI_CLONE_THREAD)
		tg_put(tg); /* the group lives while its threads do */

	ret = tid;
	if (flags & ABI_CLONE_PARENT_SETTID) {
		uint32_t v = (uint32_t)tid;

		mm_copy_out(t->mm, args->parent_tid, &v, sizeof(v));
	}
	task_get(c); /* until the parent is done with it below */
	err = task_start_thread(c);
	if (err) {
		/* As if it had run and been killed at once. */
		log_error("clone: cannot start a sentry thread: %s",
			  strerror(-err));
		if (c->as_shared)
			k->plat->ops->as_abandon(c->mm->as, c->as_token);
		if (!(flags & ABI_CLONE_THREAD))
			tg->exit_status = ABI_SIGKILL;
		task_exit(c);
		task_put(c);
		ret = -EAGAIN;
	}
	if (!err && (flags & ABI_CLONE_VFORK)) {
		/* Until the child execs or exits; only a fatal signal
		 * (the group's end) stops the wait early. */
		pthread_mutex_lock(&vd.lock);
		while (!vd.done)
			pthread_cond_wait(&vd.cond, &vd.lock);
		pthread_mutex_unlock(&vd.lock);
	}
	task_put(c);
	return ret;
}
