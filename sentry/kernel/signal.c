// SPDX-License-Identifier: Apache-2.0
/*
 * Signal delivery (kernel/signal.c, arch/x86/kernel/signal.c): pending
 * queues, dispositions' default actions, and handlers run on a frame the
 * sentry builds on the application's stack (or its alternate stack):
 * return address (sa_restorer), ucontext with the registers, the blocked
 * mask and the full XSAVE state, then the siginfo. rt_sigreturn restores
 * it all.
 *
 * Standard signals are pending at most once; real-time ones queue. The
 * thread's deliverable signals go before the process's; among each the
 * synchronous ones (faults) first, then the lowest number, as Linux.
 *
 * A stop signal's default action stops the whole process until SIGCONT
 * (task.c's job control); SIGTSTP, SIGTTIN and SIGTTOU are discarded in
 * an orphaned process group. The core-dumping signals write a core file
 * (coredump.c) where RLIMIT_CORE allows.
 */
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define UNBLOCKABLE (ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP))
#define SYNCHRONOUS                                                            \
	(ABI_SIG_BIT(ABI_SIGSEGV) | ABI_SIG_BIT(ABI_SIGBUS) |                  \
	 ABI_SIG_BIT(ABI_SIGILL) | ABI_SIG_BIT(ABI_SIGTRAP) |                  \
	 ABI_SIG_BIT(ABI_SIGFPE) | ABI_SIG_BIT(ABI_SIGSYS))
#define DEFAULT_IGNORE                                                         \
	(ABI_SIG_BIT(ABI_SIGCHLD) | ABI_SIG_BIT(ABI_SIGURG) |                  \
	 ABI_SIG_BIT(ABI_SIGWINCH) | ABI_SIG_BIT(ABI_SIGCONT))
/* Default action: dump core (SIG_KERNEL_COREDUMP_MASK). */
#define DEFAULT_CORE                                                           \
	(ABI_SIG_BIT(ABI_SIGQUIT) | ABI_SIG_BIT(ABI_SIGILL) |                  \
	 ABI_SIG_BIT(ABI_SIGTRAP) | ABI_SIG_BIT(ABI_SIGABRT) |                 \
	 ABI_SIG_BIT(ABI_SIGBUS) | ABI_SIG_BIT(ABI_SIGFPE) |                   \
	 ABI_SIG_BIT(ABI_SIGSEGV) | ABI_SIG_BIT(ABI_SIGXCPU) |                 \
	 ABI_SIG_BIT(ABI_SIGXFSZ) | ABI_SIG_BIT(ABI_SIGSYS))
#define DEFAULT_STOP                                                           \
	(ABI_SIG_BIT(ABI_SIGSTOP) | ABI_SIG_BIT(ABI_SIGTSTP) |                 \
	 ABI_SIG_BIT(ABI_SIGTTIN) | ABI_SIG_BIT(ABI_SIGTTOU))

/* The eflags bits a handler may change through its frame (FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5UL
/* Cleared on entry to a handler: DF, TF, RF. */
#define ENTRY_EFLAGS_CLEAR (0x400UL | 0x100UL | 0x10000UL)

#define USER_CS 0x33
#define USER_SS 0x2b

struct sigq_entry {
	struct sigq_entry *next;
	struct abi_siginfo info;
};

static bool ignored(const struct thread_group *tg, int sig)
{
	uint64_t h = tg->sigactions[sig - 1].handler;

	return h == ABI_SIG_IGN ||
	       (h == ABI_SIG_DFL && (ABI_SIG_BIT(sig) & DEFAULT_IGNORE));
}

/*
 * Queue info on q, tg->lock held: 1 queued, 0 not (a standard signal
 * already pending is not queued again), or -EAGAIN (no memory).
 */
static int enqueue(struct sigqueue *q, const struct abi_siginfo *info)
{
	int sig = info->si_signo;
	struct sigq_entry *e, **tail;

	if (sig < ABI_SIGRTMIN && (q->set & ABI_SIG_BIT(sig)))
		return 0;
	e = malloc(sizeof(*e));
	if (!e)
		return -EAGAIN;
	e->next = NULL;
	e->info = *info;
	for (tail = &q->head; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	__atomic_or_fetch(&q->set, ABI_SIG_BIT(sig), __ATOMIC_RELEASE);
	return 1;
}

/* Take the first sig from q, tg->lock held; info gets it. */
static bool dequeue(struct sigqueue *q, int sig, struct abi_siginfo *info)
{
	bool more = false, found = false;

	for (struct sigq_entry **pp = &q->head; *pp;) {
		struct sigq_entry *e = *pp;

		if (e->info.si_signo != sig) {
			pp = &e->next;
			continue;
		}
		if (found) {
			more = true;
			break;
		}
		*info = e->info;
		*pp = e->next;
		free(e);
		found = true;
	}
	if (!more)
		__atomic_and_fetch(&q->set, ~ABI_SIG_BIT(sig),
				   __ATOMIC_RELEASE);
	return found;
}

void sigqueue_flush(struct sigqueue *q)
{
	while (q->head) {
		struct sigq_entry *e = q->head;

		q->head = e->next;
		free(e);
	}
	q->set = 0;
}

/*
 * prepare_signal's job control: a stop signal cancels a pending SIGCONT,
 * and SIGCONT cancels pending stop signals and continues a stopped group
 * (reported to its parent), in every thread of the group.
 */
static void signal_prepare(struct task *t, int sig)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	abi_sigset_t drop =
	    sig == ABI_SIGCONT ? DEFAULT_STOP : ABI_SIG_BIT(ABI_SIGCONT);
	struct abi_siginfo gone;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&tg->lock);
	for (int s = 1; s <= ABI_NSIG; s++) {
		if (!(drop & ABI_SIG_BIT(s)))
			continue;
		while (dequeue(&tg->shared_pending, s, &gone))
			;
		for (struct task *o = tg->threads; o; o = o->next_thread)
			while (dequeue(&o->pending, s, &gone))
				;
	}
	pthread_mutex_unlock(&tg->lock);
	pthread_mutex_unlock(&k->lock);
	if (sig == ABI_SIGCONT)
		task_group_continue(t, tg);
}

/*
 * A pid namespace's init ignores a signal it has no handler for
 * (sig_task_ignored's SIGNAL_UNKILLABLE), unless it is SIGKILL or SIGSTOP
 * sent by the kernel or from outside the sandbox (SI_KERNEL: the OCI
 * runtime's kill). A blocked one is queued, and dropped when delivered
 * (signal_deliver). tg->lock held.
 */
static bool init_ignores_locked(struct task *t, const struct abi_siginfo *info)
{
	int sig = info->si_signo;

	if (!__atomic_load_n(&t->tg->unkillable, __ATOMIC_RELAXED) ||
	    t->tg->sigactions[sig - 1].handler != ABI_SIG_DFL ||
	    (t->sigmask & ABI_SIG_BIT(sig)))
		return false;
	return !(info->si_code == ABI_SI_KERNEL &&
		 (ABI_SIG_BIT(sig) & UNBLOCKABLE));
}

int signal_send(struct task *t, const struct abi_siginfo *info, bool group)
{
	struct thread_group *tg = t->tg;
	int sig = info->si_signo, err = 0;

	bool wake = false;

	pthread_mutex_lock(&tg->lock);
	if (init_ignores_locked(t, info)) {
		pthread_mutex_unlock(&tg->lock);
		return 0;
	}
	pthread_mutex_unlock(&tg->lock);
	if (sig == ABI_SIGCONT || (ABI_SIG_BIT(sig) & DEFAULT_STOP))
		signal_prepare(t, sig);
	pthread_mutex_lock(&tg->lock);
	/* Ignored and not blocked: dropped (a blocked one may be wanted). */
	if (!ignored(tg, sig) || (t->sigmask & ABI_SIG_BIT(sig))) {
		err = enqueue(group ? &tg->shared_pending : &t->pending, info);
		wake = err >= 0 && !(t->sigmask & ABI_SIG_BIT(sig));
		if (err > 0)
			err = 0;
	}
	pthread_cond_broadcast(&tg->sigcond);
	poll_notify();
	pthread_mutex_unlock(&tg->lock);
	if (wake)
		task_wake(t);
	return err;
}

bool signal_queue_locked(struct task *t, const struct abi_siginfo *info,
			 bool group)
{
	int sig = info->si_signo;

	if (ignored(t->tg, sig) && !(t->sigmask & ABI_SIG_BIT(sig)))
		return false;
	return enqueue(group ? &t->tg->shared_pending : &t->pending, info) > 0;
}

/* Remove q's entries of the timer id. */
static void cancel_timer(struct sigqueue *q, int id)
{
	for (struct sigq_entry **pp = &q->head; *pp;) {
		struct sigq_entry *e = *pp;
		int sig = e->info.si_signo;
		bool more = false;

		if (e->info.si_code != ABI_SI_TIMER ||
		    e->info.timer.tid != id) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		free(e);
		for (struct sigq_entry *o = q->head; o; o = o->next)
			more |= o->info.si_signo == sig;
		if (!more)
			__atomic_and_fetch(&q->set, ~ABI_SIG_BIT(sig),
					   __ATOMIC_RELEASE);
	}
}

bool sigqueue_has_timer(const struct sigqueue *q, int id)
{
	for (const struct sigq_entry *e = q->head; e; e = e->next)
		if (e->info.si_code == ABI_SI_TIMER && e->info.timer.tid == id)
			return true;
	return false;
}

void signal_cancel_timer_locked(struct task *t, int id)
{
	cancel_timer(&t->tg->shared_pending, id);
	cancel_timer(&t->pending, id);
}

/*
 * Waking a blocked task races with its going to sleep; both sides order
 * their store (the pending signal; block_lock) before their load (block_lock;
 * the pending set) with a full fence, so at least one sees the other.
 */
void task_block_begin(struct task *t, pthread_mutex_t *lock,
		      pthread_cond_t *cond)
{
	__atomic_store_n(&t->block_cond, cond, __ATOMIC_RELAXED);
	__atomic_store_n(&t->block_lock, lock, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void task_block_end(struct task *t)
{
	__atomic_store_n(&t->block_lock, NULL, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->block_cond, NULL, __ATOMIC_RELAXED);
}

int task_wait(struct task *t, pthread_mutex_t *lock, pthread_cond_t *cond)
{
	int err = 0;

	if (!t) {
		pthread_cond_wait(cond, lock);
		return 0;
	}
	task_block_begin(t, lock, cond);
	if (task_interrupted(t))
		err = -ERESTARTSYS;
	else
		pthread_cond_wait(cond, lock);
	task_block_end(t);
	return err;
}

/*
 * A group stop interrupts too (Linux's signal_wake_up of every thread in
 * do_signal_stop): the call ends, the thread stops, and after SIGCONT it
 * restarts, unless it was one that fails with EINTR then (signal(7)).
 */
bool task_interrupted(struct task *t)
{
	return (signal_pending(t) & ~t->sigmask) ||
	       __atomic_load_n(&t->stop_pending, __ATOMIC_ACQUIRE) ||
	       /* a vfork child runs on to its exec (kernel.c) */
	       (__atomic_load_n(&t->k->quiesce, __ATOMIC_ACQUIRE) &&
		!t->vfork_done) ||
	       __atomic_load_n(&t->tg->exiting, __ATOMIC_ACQUIRE) ||
	       task_exec_zapped(t);
}

void task_wake(struct task *t)
{
	pthread_mutex_t *lock;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	lock = __atomic_load_n(&t->block_lock, __ATOMIC_SEQ_CST);
	if (lock) {
		pthread_mutex_lock(lock);
		/* Still waiting there: the condition is alive (the waiter
		 * leaves it only with the lock held). */
		if (__atomic_load_n(&t->block_lock, __ATOMIC_RELAXED) == lock)
			pthread_cond_broadcast(t->block_cond);
		pthread_mutex_unlock(lock);
	}
	/* The context goes with the task's exit, under the group's lock. */
	pthread_mutex_lock(&t->tg->lock);
	if (t->ctx)
		t->k->plat->ops->interrupt(t->ctx);
	pthread_mutex_unlock(&t->tg->lock);
}

void signal_force(struct task *t, const struct abi_siginfo *info)
{
	struct thread_group *tg = t->tg;
	int sig = info->si_signo;

	pthread_mutex_lock(&tg->lock);
	/* Blocked or ignored, a fault is fatal: the default action. */
	if ((t->sigmask & ABI_SIG_BIT(sig)) ||
	    tg->sigactions[sig - 1].handler == ABI_SIG_IGN) {
		tg->sigactions[sig - 1].handler = ABI_SIG_DFL;
		t->sigmask &= ~ABI_SIG_BIT(sig);
	}
	/* A fault that kills ends even a namespace's init. */
	if (tg->sigactions[sig - 1].handler == ABI_SIG_DFL)
		__atomic_store_n(&tg->unkillable, false, __ATOMIC_RELAXED);
	if (enqueue(&t->pending, info) < 0)
		task_exit_group(t, sig); /* no memory to queue it: fatal */
	pthread_mutex_unlock(&tg->lock);
}

/* send_sig(SIGPIPE, current, 0): as if the task had sent it itself. */
void signal_sigpipe(struct task *t)
{
	struct abi_siginfo info = {.si_signo = ABI_SIGPIPE,
				   .si_code = ABI_SI_USER};

	info.kill.pid = t->tg->tgid;
	info.kill.uid = t->creds.ruid;
	signal_send(t, &info, false);
}

/* A signal sent by the kernel for a fault at addr. */
void signal_force_fault(struct task *t, int sig, int code, uint64_t addr)
{
	struct abi_siginfo info = {.si_signo = sig, .si_code = code};

	info.fault.addr = addr;
	signal_force(t, &info);
}

abi_sigset_t signal_pending(struct task *t)
{
	return __atomic_load_n(&t->pending.set, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&t->tg->shared_pending.set, __ATOMIC_ACQUIRE);
}

int signal_queued(struct task *t)
{
	int n = 0;

	pthread_mutex_lock(&t->tg->lock);
	for (struct sigq_entry *e = t->pending.head; e; e = e->next)
		n++;
	for (struct sigq_entry *e = t->tg->shared_pending.head; e; e = e->next)
		n++;
	pthread_mutex_unlock(&t->tg->lock);
	return n;
}

/*
 * The next deliverable signal under mask, dequeued into info, tg->lock
 * held: the thread's queue before the process's (as Linux's
 * dequeue_signal, even when the process's has a lower number), and in
 * each the synchronous ones first, then the lowest number. 0: none.
 */
static int next_signal(struct task *t, abi_sigset_t mask,
		       struct abi_siginfo *info)
{
	struct sigqueue *q = &t->pending;
	abi_sigset_t any = q->set & ~mask;
	int sig;

	if (!any) {
		q = &t->tg->shared_pending;
		any = q->set & ~mask;
	}
	if (!any)
		return 0;
	if (any & SYNCHRONOUS)
		any &= SYNCHRONOUS;
	sig = __builtin_ctzll(any) + 1;
	dequeue(q, sig, info);
	if (info->si_code == ABI_SI_TIMER)
		ptimer_dequeued(t->tg, info);
	return sig;
}

int signal_dequeue(struct task *t, abi_sigset_t set, struct abi_siginfo *info)
{
	int sig;

	pthread_mutex_lock(&t->tg->lock);
	sig = next_signal(t, ~set, info);
	pthread_mutex_unlock(&t->tg->lock);
	return sig;
}

int signal_wait(struct task *t, abi_sigset_t want,
		const struct timespec *deadline)
{
	struct thread_group *tg = t->tg;
	int err = 0;

	pthread_mutex_lock(&tg->lock);
	while (!(signal_pending(t) & (want | ~t->sigmask))) {
		if (tg->exiting || task_exec_zapped(t)) {
			err = -EINTR;
			break;
		}
		if (deadline) {
			if (pthread_cond_timedwait(&tg->sigcond, &tg->lock,
						   deadline) == ETIMEDOUT &&
			    !(signal_pending(t) & (want | ~t->sigmask))) {
				err = -EAGAIN;
				break;
			}
		} else {
			pthread_cond_wait(&tg->sigcond, &tg->lock);
		}
	}
	pthread_mutex_unlock(&tg->lock);
	return err;
}

static bool on_altstack(const struct task *t, uint64_t sp)
{
	return t->altstack.ss_size && sp > t->altstack.ss_sp &&
	       sp - t->altstack.ss_sp <= t->altstack.ss_size;
}

static int altstack_flags(const struct task *t, uint64_t sp)
{
	if (!t->altstack.ss_size)
		return ABI_SS_DISABLE;
	return on_altstack(t, sp) ? ABI_SS_ONSTACK : 0;
}

/* The XSAVE state for a frame: fpu_size bytes, then FP_XSTATE_MAGIC2. */
static uint8_t *frame_fpstate(struct task *t, size_t *len)
{
	struct platform *p = t->k->plat;
	uint8_t *buf = calloc(1, p->fpu_size + 4);
	struct abi_fpx_sw_bytes sw;
	uint32_t magic2 = ABI_FP_XSTATE_MAGIC2;

	if (!buf || p->ops->get_fpu(t->ctx, t->mm->as, buf)) {
		free(buf);
		return NULL;
	}
	memcpy(&sw, buf + ABI_FX_SW_OFFSET, sizeof(sw));
	if (sw.magic1 != ABI_FP_XSTATE_MAGIC1) {
		/* The software bytes say what the area holds. */
		memset(&sw, 0, sizeof(sw));
		sw.magic1 = ABI_FP_XSTATE_MAGIC1;
		memcpy(&sw.xfeatures, buf + ABI_FXSAVE_SIZE, 8); /* XSTATE_BV */
		sw.xfeatures |= 3;				 /* x87, SSE */
	}
	sw.extended_size = p->fpu_size + 4;
	sw.xstate_size = p->fpu_size;
	memcpy(buf + ABI_FX_SW_OFFSET, &sw, sizeof(sw));
	memcpy(buf + p->fpu_size, &magic2, 4);
	*len = p->fpu_size + 4;
	return buf;
}

/* Run the handler act of info's signal: 0, or -EFAULT (no frame fits). */
static int setup_frame(struct task *t, const struct abi_sigaction *act,
		       const struct abi_siginfo *info, abi_sigset_t oldmask)
{
	struct abi_user_regs *r = &t->regs;
	struct abi_rt_sigframe f;
	uint64_t sp = r->rsp, fpstate, frame;
	size_t fplen = 0;
	uint8_t *fp;
	int err;

	if (!(act->flags & ABI_SA_RESTORER))
		return -EFAULT; /* x86-64 returns only through sa_restorer */
	if ((act->flags & ABI_SA_ONSTACK) && t->altstack.ss_size &&
	    !on_altstack(t, sp))
		sp = t->altstack.ss_sp + t->altstack.ss_size;
	else
		sp -= 128; /* the red zone */
	fp = frame_fpstate(t, &fplen);
	if (!fp)
		return -EFAULT;
	fpstate = (sp - fplen) & ~63UL;
	frame = ((fpstate - sizeof(f)) & ~15UL) - 8;
	memset(&f, 0, sizeof(f));
	f.pretcode = act->restorer;
	f.uc.uc_flags =
	    ABI_UC_FP_XSTATE | ABI_UC_SIGCONTEXT_SS | ABI_UC_STRICT_RESTORE_SS;
	f.uc.uc_stack = t->altstack;
	if (!t->altstack.ss_size)
		f.uc.uc_stack.ss_flags = ABI_SS_DISABLE;
	f.uc.uc_mcontext = (struct abi_sigcontext){
	    .r8 = r->r8,
	    .r9 = r->r9,
	    .r10 = r->r10,
	    .r11 = r->r11,
	    .r12 = r->r12,
	    .r13 = r->r13,
	    .r14 = r->r14,
	    .r15 = r->r15,
	    .rdi = r->rdi,
	    .rsi = r->rsi,
	    .rbp = r->rbp,
	    .rbx = r->rbx,
	    .rdx = r->rdx,
	    .rax = r->rax,
	    .rcx = r->rcx,
	    .rsp = r->rsp,
	    .rip = r->rip,
	    .eflags = r->eflags,
	    .cs = USER_CS,
	    .ss = USER_SS,
	    .trapno = info->si_signo == ABI_SIGSEGV ? 14 : 0,
	    .oldmask = oldmask,
	    .cr2 = info->si_signo == ABI_SIGSEGV ? info->fault.addr : 0,
	    .fpstate = fpstate,
	};
	f.uc.uc_sigmask = oldmask;
	f.info = *info;
	err = mm_copy_out(t->mm, fpstate, fp, fplen);
	free(fp);
	if (!err)
		err = mm_copy_out(t->mm, frame, &f, sizeof(f));
	if (err)
		return -EFAULT;
	if (t->altstack.ss_flags & (int32_t)ABI_SS_AUTODISARM)
		t->altstack = (struct abi_stack){.ss_flags = ABI_SS_DISABLE};
	r->rdi = (uint64_t)info->si_signo;
	r->rsi = frame + offsetof(struct abi_rt_sigframe, info);
	r->rdx = frame + offsetof(struct abi_rt_sigframe, uc);
	r->rax = 0;
	r->rsp = frame;
	r->rip = act->handler;
	r->eflags &= ~ENTRY_EFLAGS_CLEAR;
	r->orig_rax = (uint64_t)-1;
	return 0;
}

/* The default action of sig: false when it ends the thread group. */
static bool default_action(struct task *t, int sig,
			   const struct abi_siginfo *info)
{
	abi_sigset_t bit = ABI_SIG_BIT(sig);

	if (bit & DEFAULT_STOP) {
		/* An orphaned group ignores the terminal's stop signals. */
		if (sig != ABI_SIGSTOP) {
			bool orphaned;

			pthread_mutex_lock(&t->k->lock);
			orphaned =
			    pgrp_orphaned_locked(t->k, t->tg->pgid, NULL);
			pthread_mutex_unlock(&t->k->lock);
			if (orphaned)
				return true;
		}
		task_group_stop(t, sig);
		return true;
	}
	if (bit & DEFAULT_IGNORE)
		return true;
	signal_fatal(t, sig, info);
	return false;
}

void signal_fatal(struct task *t, int sig, const struct abi_siginfo *info)
{
	log_info("task %d: killed by signal %d at rip %#llx", t->tid, sig,
		 (unsigned long long)t->regs.rip);
	task_exit_group(t, sig);
	/* The group is going (the other threads told first, as Linux's
	 * coredump_wait); a core written makes the status say so. */
	if ((ABI_SIG_BIT(sig) & DEFAULT_CORE) && task_coredump(t, sig, info)) {
		pthread_mutex_lock(&t->tg->lock);
		if (t->tg->exit_status == sig)
			t->tg->exit_status |= 0x80;
		pthread_mutex_unlock(&t->tg->lock);
	}
}

/* Run the interrupted syscall again: the same number, the same insn. */
static void restart_syscall_insn(struct task *t, uint64_t nr)
{
	t->regs.rax = nr;
	t->regs.rip -= 2; /* syscall (0f 05) */
}

/* A handler runs: what becomes of an interrupted syscall (Linux's). */
static void restart_for_handler(struct task *t, const struct abi_sigaction *act)
{
	switch (t->restart_code) {
	case 0:
		return;
	case ERESTARTNOINTR:
		restart_syscall_insn(t, t->regs.orig_rax);
		break;
	case ERESTARTSYS:
		if (act->flags & ABI_SA_RESTART)
			restart_syscall_insn(t, t->regs.orig_rax);
		else
			t->regs.rax = (uint64_t)-EINTR;
		break;
	default: /* ERESTARTNOHAND, ERESTART_RESTARTBLOCK */
		t->regs.rax = (uint64_t)-EINTR;
		break;
	}
	t->restart_code = 0;
}

/* No handler ran: every interrupted syscall goes on. */
static void restart_without_handler(struct task *t)
{
	if (t->restart_code == ERESTART_RESTARTBLOCK)
		restart_syscall_insn(t, ABI_NR_restart_syscall);
	else if (t->restart_code)
		restart_syscall_insn(t, t->regs.orig_rax);
	t->restart_code = 0;
}

void signal_deliver(struct task *t)
{
	struct thread_group *tg = t->tg;

	while (!t->exiting && (signal_pending(t) & ~t->sigmask)) {
		struct abi_siginfo info;
		struct abi_sigaction act;
		abi_sigset_t oldmask = t->sigmask;
		int sig;

		if (t->saved_sigmask_valid) {
			/* sigsuspend's: the frame restores the old mask. */
			oldmask = t->saved_sigmask;
			t->saved_sigmask_valid = false;
		}
		pthread_mutex_lock(&tg->lock);
		sig = next_signal(t, t->sigmask, &info);
		if (sig) {
			act = tg->sigactions[sig - 1];
			if (act.handler > ABI_SIG_IGN &&
			    (act.flags & ABI_SA_RESETHAND))
				tg->sigactions[sig - 1].handler = ABI_SIG_DFL;
		}
		pthread_mutex_unlock(&tg->lock);
		if (!sig)
			break;
		if (act.handler == ABI_SIG_IGN)
			continue;
		if (act.handler == ABI_SIG_DFL) {
			/* init takes only what the kernel forced on it. */
			if (__atomic_load_n(&tg->unkillable,
					    __ATOMIC_RELAXED) &&
			    !(ABI_SIG_BIT(sig) & UNBLOCKABLE))
				continue;
			if (!default_action(t, sig, &info))
				break;
			continue;
		}
		restart_for_handler(t, &act);
		if (setup_frame(t, &act, &info, oldmask)) {
			/* No frame fits: SIGSEGV, fatal if that was it. */
			if (sig == ABI_SIGSEGV) {
				default_action(t, sig, &info);
				break;
			}
			signal_force_fault(t, ABI_SIGSEGV, ABI_SI_KERNEL, 0);
			continue;
		}
		t->sigmask |= act.mask;
		if (!(act.flags & ABI_SA_NODEFER))
			t->sigmask |= ABI_SIG_BIT(sig);
		t->sigmask &= ~UNBLOCKABLE;
	}
	if (t->saved_sigmask_valid) {
		t->sigmask = t->saved_sigmask;
		t->saved_sigmask_valid = false;
	}
	if (!t->exiting)
		restart_without_handler(t);
}

long signal_sigreturn(struct task *t)
{
	struct platform *p = t->k->plat;
	struct abi_user_regs *r = &t->regs;
	uint64_t frame = r->rsp - 8;
	struct abi_rt_sigframe f;
	struct abi_sigcontext *sc = &f.uc.uc_mcontext;
	uint8_t *fp = NULL;
	int err;

	err = mm_copy_in(t->mm, &f, frame, sizeof(f));
	if (!err && sc->fpstate) {
		struct abi_fpx_sw_bytes sw;
		uint32_t magic2 = 0;

		fp = malloc(p->fpu_size);
		err = fp ? mm_copy_in(t->mm, fp, sc->fpstate, p->fpu_size)
			 : -ENOMEM;
		if (!err) {
			memcpy(&sw, fp + ABI_FX_SW_OFFSET, sizeof(sw));
			err = mm_copy_in(t->mm, &magic2,
					 sc->fpstate + p->fpu_size, 4);
		}
		if (!err && (sw.magic1 != ABI_FP_XSTATE_MAGIC1 ||
			     sw.xstate_size != p->fpu_size ||
			     magic2 != ABI_FP_XSTATE_MAGIC2))
			err = -EINVAL;
		if (!err)
			err = p->ops->set_fpu(t->ctx, t->mm->as, fp);
	}
	free(fp);
	if (err) {
		/* A frame that cannot be restored is SIGSEGV. */
		signal_force_fault(t, ABI_SIGSEGV, ABI_SI_KERNEL, 0);
		return (long)r->rax;
	}
	r->r8 = sc->r8;
	r->r9 = sc->r9;
	r->r10 = sc->r10;
	r->r11 = sc->r11;
	r->r12 = sc->r12;
	r->r13 = sc->r13;
	r->r14 = sc->r14;
	r->r15 = sc->r15;
	r->rdi = sc->rdi;
	r->rsi = sc->rsi;
	r->rbp = sc->rbp;
	r->rbx = sc->rbx;
	r->rdx = sc->rdx;
	r->rcx = sc->rcx;
	r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	r->orig_rax = (uint64_t)-1;
	t->restart_fn = NULL; /* restart_syscall after a handler: EINTR */
	t->sigmask = f.uc.uc_sigmask & ~UNBLOCKABLE;
	/* The alternate stack as the frame says, if it can be set so. */
	signal_altstack(t, &f.uc.uc_stack, NULL);
	return (long)sc->rax;
}

int signal_altstack(struct task *t, const struct abi_stack *ss,
		    struct abi_stack *old)
{
	uint64_t sp = t->regs.rsp;
	uint32_t mode;

	if (old) {
		*old = t->altstack;
		old->ss_flags =
		    altstack_flags(t, sp) |
		    (t->altstack.ss_flags & (int32_t)ABI_SS_AUTODISARM);
	}
	if (!ss)
		return 0;
	if (on_altstack(t, sp))
		return -EPERM;
	mode = (uint32_t)ss->ss_flags & ~ABI_SS_AUTODISARM;
	if (mode != ABI_SS_DISABLE && mode != ABI_SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == ABI_SS_DISABLE) {
		t->altstack = (struct abi_stack){.ss_flags = ABI_SS_DISABLE};
		return 0;
	}
	if (ss->ss_size < ABI_MINSIGSTKSZ)
		return -ENOMEM;
	t->altstack = *ss;
	t->altstack.pad = 0;
	return 0;
}

int sigqueue_export(struct sigqueue *q, struct abi_siginfo **v, size_t *n)
{
	size_t count = 0;

	for (struct sigq_entry *e = q->head; e; e = e->next)
		count++;
	*n = count;
	*v = malloc((count ? count : 1) * sizeof(**v));
	if (!*v)
		return -ENOMEM;
	count = 0;
	for (struct sigq_entry *e = q->head; e; e = e->next)
		(*v)[count++] = e->info;
	return 0;
}

int sigqueue_import(struct sigqueue *q, const struct abi_siginfo *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int sig = v[i].si_signo;

		if (sig < 1 || sig > ABI_NSIG)
			return -EINVAL;
		if (enqueue(q, &v[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

bool mm_fatal_pending(void)
{
	struct task *t = current_task;

	return t && ((signal_pending(t) & ABI_SIG_BIT(ABI_SIGKILL)) ||
		     __atomic_load_n(&t->tg->exiting, __ATOMIC_ACQUIRE));
}
