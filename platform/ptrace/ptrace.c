// SPDX-License-Identifier: Apache-2.0
/*
 * The ptrace platform.
 *
 * Each address space is a stub process (stub.c). Stubs are forked by a
 * factory, the same tiny program, which the platform executes before the
 * sentry installs its seccomp filter, so the sentry itself never needs
 * fork or execve after boot. The factory keeps one stub ready ahead of
 * demand; a stub drops every mapping but the program's own and stops
 * itself. The sentry thread that asks for one then attaches with
 * PTRACE_SEIZE and becomes its tracer (PTRACE_O_EXITKILL: no stub outlives
 * the sentry; a stub not yet attached dies with the factory, and the
 * factory exits when the sentry's end of its socket closes).
 *
 * Application threads run under PTRACE_SYSEMU: a syscall stops the stub at
 * entry and is never executed by the host. Changes to the address space are
 * made by injecting mmap/munmap/mprotect at the stub's injection site, the
 * only syscalls the stub's own filter admits besides those that make and
 * end stub threads.
 *
 * A tracee is driven by its tracer thread alone, so each sentry thread that
 * runs an application thread in an address space traces its own thread of
 * the stub: the stub's first thread for the sentry thread that created the
 * address space, and for another sentry thread a thread that an entered one
 * clones (as_new_thread). The clone starts untraced and parks (pause, no
 * stack needed) until the new sentry thread seizes it (as_enter). Every
 * entry point finds the caller's stub thread by its host tid.
 *
 * A sentry thread that leaves makes its stub thread exit and collects it;
 * the first thread, whose exit Linux reports only with the whole group's,
 * is detached on its way out instead. as_destroy kills the process and
 * collects the traced threads from whichever sentry thread calls it (a
 * wait sees the tracees of every thread in the caller's thread group).
 * Every stub thread is seized with PTRACE_O_EXITKILL: nothing outlives the
 * sentry, and a sentry thread that exits without leaving takes its address
 * space with it.
 */
#include "platform/factory.h"
#include "platform/platform.h"
#include "platform/stub/stub.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYS_SECCOMP_ 1 /* si_code of a seccomp SIGSYS */

struct ptrace_platform {
	struct platform base;
	int memfd;
	struct stub_factory factory;
};

enum stub_thread_state {
	STUB_THREAD_PREPARED, /* cloned, parked, untraced: a token */
	STUB_THREAD_CLAIMED,  /* being seized by as_enter or as_abandon */
	STUB_THREAD_TRACED,   /* run by its tracer (none once it left dead) */
	STUB_THREAD_LET_GO,   /* the first thread, left: exiting untraced */
};

/* One thread of a stub process. */
struct stub_thread {
	struct stub_thread *next;
	enum stub_thread_state state;
	pid_t tid;    /* host tid */
	pid_t tracer; /* host tid of the sentry thread tracing it, or 0 */
	bool dead;    /* found gone: PLATFORM_DEAD from now on */
	bool reaped;  /* its exit collected: its tid may be reused */
	/*
	 * CPU time. Until the address space has a second thread, the stub
	 * process's own clock tells the first thread's exactly; Linux refuses
	 * the thread clocks of another thread group, and the process clock
	 * only sums them (and /proc/PID/task/TID/stat needs an open that the
	 * sentry's filter does not allow), so from then on each thread counts
	 * the time between resuming and stopping its stub thread (acct, set
	 * by the tracer).
	 * cpu_word is that count in ns while stopped; while running it is
	 * -(start - count) - 1 with start the CLOCK_MONOTONIC of the resume,
	 * one word so that a reader on another thread never sees half an
	 * update.
	 */
	bool acct;
	int64_t cpu_word;
	struct user_regs_struct base_regs; /* segment registers etc. */
};

struct ptrace_as {
	struct ptrace_platform *p;
	pid_t pid;	 /* the stub process: its first thread's tid */
	uint64_t serial; /* tells a reused struct ptrace_as apart */
	pthread_mutex_t lock;
	struct stub_thread *threads; /* under lock */
};

struct ptrace_ctx {
	struct ptrace_platform *p;
	pid_t tid;		/* the sentry thread */
	uint64_t running;	/* stub pid << 32 | tid running for us, or 0 */
	bool interrupt_pending; /* atomic */
};

_Static_assert(STUB_CLONE_FLAGS ==
		   (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_THREAD | CLONE_SYSVSEM),
	       "the stub's clone");

/*
 * The calling sentry thread's stub thread in the address space it used
 * last: the fast path of switch_to and the injections, no lock, no gettid.
 */
static __thread struct {
	struct ptrace_as *as;
	uint64_t serial;
	struct stub_thread *thr;
} mine;

static uint64_t as_serial; /* atomic */

static inline struct ptrace_platform *to_pp(struct platform *p)
{
	return container_of(p, struct ptrace_platform, base);
}

static pid_t host_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- the platform ------------------------------------------------------- */

static int ptrace_create(int memfd, struct platform **out)
{
	struct ptrace_platform *pp;
	int err;

	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	err = stub_factory_start(&pp->factory, memfd, -1, "ptrace");
	if (err) {
		free(pp);
		return err;
	}
	pp->base.ops = &ptrace_platform_ops;
	pp->base.addr_limit = STUB_BASE;
	pp->base.fpu_size = platform_xstate_size();
	pp->base.vdso = pp->factory.vdso;
	pp->base.vdso_lo = pp->factory.vdso_lo;
	pp->base.vdso_hi = pp->factory.vdso_hi;
	pp->memfd = memfd;
	*out = &pp->base;
	return 0;
}

static void ptrace_destroy(struct platform *p)
{
	struct ptrace_platform *pp = to_pp(p);

	stub_factory_stop(&pp->factory);
	free(pp);
}

/* ---- stub threads -------------------------------------------------------- */

static int wait_stop(pid_t tid, int *status)
{
	for (;;) {
		if (waitpid(tid, status, __WALL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static bool is_event_stop(int status)
{
	return WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP;
}

/*
 * A stop that interrupt() or a stray host SIGSTOP caused while the thread
 * was about the platform's own business (injection, leaving): swallowed
 * there; the interrupted ctx still has interrupt_pending set.
 */
static bool is_interrupt_stop(int status)
{
	return WIFSTOPPED(status) &&
	       ((WSTOPSIG(status) == SIGSTOP && (status >> 16) == 0) ||
		is_event_stop(status));
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The CPU clock of the stub process (CPUCLOCK_SCHED of its pid). */
static clockid_t stub_process_clock(pid_t pid)
{
	return (clockid_t)((~(unsigned)pid << 3) | 2);
}

static void acct_resume(struct stub_thread *thr)
{
	int64_t w = __atomic_load_n(&thr->cpu_word, __ATOMIC_RELAXED);

	__atomic_store_n(&thr->cpu_word, -(mono_ns() - w) - 1,
			 __ATOMIC_RELEASE);
}

static void acct_stopped(struct stub_thread *thr)
{
	int64_t w = __atomic_load_n(&thr->cpu_word, __ATOMIC_RELAXED);

	__atomic_store_n(&thr->cpu_word, mono_ns() + w + 1, __ATOMIC_RELEASE);
}

/* The stub thread that sentry thread tracer runs in as; as->lock held. */
static struct stub_thread *find_traced(struct ptrace_as *as, pid_t tracer)
{
	for (struct stub_thread *t = as->threads; t; t = t->next)
		if (t->state == STUB_THREAD_TRACED && t->tracer == tracer)
			return t;
	return NULL;
}

static void forget_mine(struct ptrace_as *as)
{
	if (mine.as == as)
		mine.as = NULL;
}

/* The calling sentry thread's stub thread in as, or NULL. */
static struct stub_thread *find_mine(struct ptrace_as *as)
{
	struct stub_thread *thr;

	if (mine.as == as && mine.serial == as->serial)
		return mine.thr;
	pthread_mutex_lock(&as->lock);
	thr = find_traced(as, host_gettid());
	pthread_mutex_unlock(&as->lock);
	if (thr) {
		mine.as = as;
		mine.serial = as->serial;
		mine.thr = thr;
	}
	return thr;
}

static void unlink_thread(struct ptrace_as *as, struct stub_thread *thr)
{
	pthread_mutex_lock(&as->lock);
	for (struct stub_thread **pp = &as->threads; *pp; pp = &(*pp)->next) {
		if (*pp == thr) {
			*pp = thr->next;
			break;
		}
	}
	pthread_mutex_unlock(&as->lock);
}

/*
 * Continue thr, stopped under our trace, with regs until its next stop
 * that is not an interrupt; 0 with the wait status, or -errno.
 */
static int stub_resume(struct stub_thread *thr,
		       const struct user_regs_struct *regs, int *status)
{
	if (ptrace(PTRACE_SETREGS, thr->tid, 0, regs) < 0)
		return -errno;
	do {
		if (ptrace(PTRACE_CONT, thr->tid, 0, 0) < 0)
			return -errno;
		if (wait_stop(thr->tid, status) < 0)
			return -ESRCH;
	} while (is_interrupt_stop(*status));
	return 0;
}

/*
 * Run one syscall in thr at the stub's code at off (an injection site):
 * thr must be stopped under the caller's trace. Returns the syscall's
 * result (-errno on failure).
 */
static long stub_call(struct ptrace_as *as, struct stub_thread *thr,
		      unsigned long off, long nr, uint64_t a0, uint64_t a1,
		      uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct user_regs_struct regs = thr->base_regs;
	int status, err;

	if (thr->dead)
		return -ESRCH;
	regs.rip = STUB_BASE + off;
	regs.rax = nr;
	regs.orig_rax = -1;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.r10 = a3;
	regs.r8 = a4;
	regs.r9 = a5;
	err = stub_resume(thr, &regs, &status);
	if (!err && !WIFSTOPPED(status))
		thr->reaped = true;
	if (err == -ESRCH || (!err && !WIFSTOPPED(status))) {
		thr->dead = true;
		return -ESRCH;
	}
	if (err)
		return err;
	if (WSTOPSIG(status) != SIGTRAP) {
		siginfo_t si = {0};

		ptrace(PTRACE_GETSIGINFO, thr->tid, 0, &si);
		ptrace(PTRACE_GETREGS, thr->tid, 0, &regs);
		log_error("ptrace: stub %d/%d: unexpected status %#x after "
			  "injecting syscall %ld (rip %#llx, si_addr %p)",
			  as->pid, thr->tid, status, nr,
			  (unsigned long long)regs.rip, si.si_addr);
		thr->dead = true;
		return -EFAULT;
	}
	if (ptrace(PTRACE_GETREGS, thr->tid, 0, &regs) < 0)
		return -errno;
	return (long)regs.rax;
}

/* stub_call at the plain injection site, for the caller's own thread. */
static long stub_inject(struct ptrace_as *as, long nr, uint64_t a0, uint64_t a1,
			uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct stub_thread *thr = find_mine(as);

	if (!thr)
		return -EPERM;
	return stub_call(as, thr, STUB_OFF_INJECT, nr, a0, a1, a2, a3, a4, a5);
}

/*
 * Attach to a parked (or self-stopped) stub thread and stop it: from then
 * on the calling sentry thread is its tracer. 0 or -errno.
 */
static int seize(struct stub_thread *thr, bool interrupt)
{
	int status, err;

	if (ptrace(PTRACE_SEIZE, thr->tid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0)
		return -errno;
	if (interrupt && ptrace(PTRACE_INTERRUPT, thr->tid, 0, 0) < 0)
		return -errno;
	/*
	 * A parked thread reports the interrupt as an event stop; the first
	 * thread is in a group-stop of its own, which the attach reports.
	 */
	err = wait_stop(thr->tid, &status);
	if (err == 0 && !WIFSTOPPED(status))
		err = -ECHILD;
	if (err == 0 &&
	    ptrace(PTRACE_GETREGS, thr->tid, 0, &thr->base_regs) < 0)
		err = -errno;
	return err;
}

/* Collect tid, killed, if it is a tracee of this sentry's: any thread's. */
static void reap(pid_t tid)
{
	int status;

	while (wait_stop(tid, &status) == 0 && WIFSTOPPED(status))
		;
}

/*
 * End thr, traced by the caller: it exits, and the caller collects it. The
 * first thread cannot be collected while others live (Linux reports a
 * thread-group leader's exit only with the group's), so it is let go on
 * its way out instead: traced to its exit event, then detached; the
 * factory reaps the process when its last thread is gone. Returns whether
 * it was let go.
 */
static bool end_thread(struct ptrace_as *as, struct stub_thread *thr)
{
	struct user_regs_struct regs = thr->base_regs;
	bool leader = thr->tid == as->pid;
	int status;

	if (thr->reaped)
		return false;
	regs.rip = STUB_BASE + STUB_OFF_INJECT;
	regs.rax = __NR_exit;
	regs.orig_rax = -1;
	regs.rdi = 0;
	if (thr->dead ||
	    (leader && ptrace(PTRACE_SETOPTIONS, thr->tid, 0,
			      PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
				  PTRACE_O_TRACEEXIT) < 0) ||
	    stub_resume(thr, &regs, &status) < 0) {
		/* Killed: a zombie, or about to be one. */
		thr->dead = true;
		if (!leader) {
			reap(thr->tid);
			thr->reaped = true;
		}
		return false;
	}
	for (;;) {
		if (!WIFSTOPPED(status)) {
			thr->dead = thr->reaped = true;
			return false;
		}
		if (leader &&
		    (status >> 8) == (SIGTRAP | PTRACE_EVENT_EXIT << 8)) {
			ptrace(PTRACE_DETACH, thr->tid, 0, 0);
			return true;
		}
		/* Anything else on the way out: on it goes. */
		if (ptrace(PTRACE_CONT, thr->tid, 0, 0) < 0 ||
		    wait_stop(thr->tid, &status) < 0) {
			thr->dead = true;
			return false;
		}
	}
}

/* ---- address spaces ------------------------------------------------------ */

static int ptrace_as_create(struct platform *p, struct platform_as **out)
{
	struct ptrace_platform *pp = to_pp(p);
	struct stub_thread *thr;
	struct ptrace_as *as;
	pid_t reply;
	int err;

	as = calloc(1, sizeof(*as));
	thr = calloc(1, sizeof(*thr));
	if (!as || !thr) {
		free(as);
		free(thr);
		return -ENOMEM;
	}
	reply = stub_factory_get(&pp->factory);
	if (reply < 0) {
		err = reply;
		goto out_free;
	}
	as->p = pp;
	as->pid = reply;
	as->serial = __atomic_add_fetch(&as_serial, 1, __ATOMIC_RELAXED);
	thr->tid = reply;
	err = seize(thr, false);
	if (err) {
		kill(as->pid, SIGKILL);
		goto out_free;
	}
	thr->state = STUB_THREAD_TRACED;
	thr->tracer = host_gettid();
	pthread_mutex_init(&as->lock, NULL);
	as->threads = thr;
	mine.as = as;
	mine.serial = as->serial;
	mine.thr = thr;
	*out = (struct platform_as *)as;
	return 0;

out_free:
	free(thr);
	free(as);
	return err;
}

static void ptrace_as_destroy(struct platform_as *pas)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr, *next, *leader = NULL;
	bool live;

	if (!as)
		return;
	for (thr = as->threads; thr; thr = thr->next)
		if (thr->tid == as->pid)
			leader = thr;
	/*
	 * The pid is the process's until its first thread is collected, and
	 * that comes last: never kill or wait on it after (it may be another
	 * process's by now). The first thread let go holds it while any
	 * other thread is not collected yet.
	 */
	if (!leader || leader->reaped)
		goto out_free;
	live = leader->state != STUB_THREAD_LET_GO;
	for (thr = as->threads; thr; thr = thr->next)
		live |= thr != leader && !thr->reaped;
	if (!live)
		goto out_free;
	kill(as->pid, SIGKILL);
	/*
	 * Collect every traced thread, whichever sentry thread traces it (a
	 * wait sees the tracees of the caller's whole thread group), the
	 * first thread last: Linux reports its exit with the group's.
	 * Prepared threads are untraced, and reaped by the kernel.
	 */
	for (thr = as->threads; thr; thr = thr->next)
		if (thr != leader && thr->state != STUB_THREAD_PREPARED &&
		    !thr->reaped)
			reap(thr->tid);
	if (leader->state != STUB_THREAD_LET_GO) {
		reap(as->pid);
	} else {
		/* Untraced: gone a moment after its last thread. */
		for (int i = 0; i < 1000 && kill(as->pid, 0) == 0; i++)
			nanosleep(&(struct timespec){0, 100 * 1000}, NULL);
	}
out_free:
	for (thr = as->threads; thr; thr = next) {
		next = thr->next;
		free(thr);
	}
	forget_mine(as);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

static int ptrace_as_new_thread(struct platform_as *pas, uint64_t *token)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr = find_mine(as), *nt;
	struct timespec ts;
	long tid;

	if (!thr)
		return -EPERM;
	if (!thr->acct) {
		/*
		 * The first thread's last exact reading: it is stopped, and
		 * counts on from here.
		 */
		if (clock_gettime(stub_process_clock(as->pid), &ts) < 0)
			return -errno;
		__atomic_store_n(&thr->cpu_word,
				 (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&thr->acct, true, __ATOMIC_RELEASE);
	}
	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	tid = stub_call(as, thr, STUB_OFF_CLONE, __NR_clone, STUB_CLONE_FLAGS,
			0, 0, 0, 0, 0);
	if (IS_ERR_VALUE(tid)) {
		free(nt);
		return (int)tid;
	}
	nt->tid = (pid_t)tid;
	nt->state = STUB_THREAD_PREPARED;
	nt->acct = true;
	pthread_mutex_lock(&as->lock);
	nt->next = as->threads;
	as->threads = nt;
	pthread_mutex_unlock(&as->lock);
	*token = (uint64_t)tid;
	return 0;
}

/* Take the prepared thread token for the calling sentry thread, seized. */
static int claim(struct ptrace_as *as, uint64_t token, struct stub_thread **out)
{
	pid_t me = host_gettid();
	struct stub_thread *thr = NULL;
	int err;

	pthread_mutex_lock(&as->lock);
	for (struct stub_thread *t = as->threads; t; t = t->next)
		if (t->state == STUB_THREAD_PREPARED &&
		    (uint64_t)t->tid == token)
			thr = t;
	if (thr) {
		thr->state = STUB_THREAD_CLAIMED;
		thr->tracer = me;
	}
	pthread_mutex_unlock(&as->lock);
	if (!thr)
		return -ESRCH;
	err = seize(thr, true);
	/*
	 * One syscall of no consequence: the thread leaves any stop the
	 * attach still has pending (it may have joined the group-stop the
	 * first thread began in) and waits where every injection leaves it.
	 */
	if (!err) {
		long r = stub_call(as, thr, STUB_OFF_INJECT, __NR_getpid, 0, 0,
				   0, 0, 0, 0);

		if (IS_ERR_VALUE(r))
			err = (int)r;
	}
	if (err) {
		/* Gone (killed with its process), or never ours: forget it. */
		if (ptrace(PTRACE_DETACH, thr->tid, 0, 0) < 0 && thr->dead &&
		    !thr->reaped)
			reap(thr->tid);
		unlink_thread(as, thr);
		free(thr);
		return err;
	}
	*out = thr;
	return 0;
}

static int ptrace_as_enter(struct platform_as *pas, uint64_t token)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr;
	bool busy;
	int err;

	pthread_mutex_lock(&as->lock);
	busy = find_traced(as, host_gettid()) != NULL;
	pthread_mutex_unlock(&as->lock);
	if (busy)
		return -EBUSY;
	err = claim(as, token, &thr);
	if (err)
		return err;
	pthread_mutex_lock(&as->lock);
	thr->state = STUB_THREAD_TRACED;
	pthread_mutex_unlock(&as->lock);
	mine.as = as;
	mine.serial = as->serial;
	mine.thr = thr;
	return 0;
}

static int ptrace_as_abandon(struct platform_as *pas, uint64_t token)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr;
	int err;

	err = claim(as, token, &thr);
	if (err)
		return err;
	end_thread(as, thr);
	unlink_thread(as, thr);
	free(thr);
	return 0;
}

static void ptrace_as_leave(struct platform_as *pas)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr = find_mine(as);
	bool let_go;

	if (!thr)
		return;
	let_go = end_thread(as, thr);
	forget_mine(as);
	if (thr->tid == as->pid) {
		/* Its entry stays: as_destroy must know what became of it. */
		pthread_mutex_lock(&as->lock);
		thr->state = let_go ? STUB_THREAD_LET_GO : STUB_THREAD_TRACED;
		thr->tracer = 0;
		pthread_mutex_unlock(&as->lock);
		return;
	}
	unlink_thread(as, thr);
	free(thr);
}

static int ptrace_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
			 int prot, uint64_t off)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	long ret;

	ret = stub_inject(as, __NR_mmap, addr, len, prot,
			  MAP_SHARED | MAP_FIXED, STUB_MEMFD_FD, off);
	if (IS_ERR_VALUE(ret))
		return (int)ret;
	return ret == (long)addr ? 0 : -EFAULT;
}

static int ptrace_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	return (int)stub_inject((struct ptrace_as *)pas, __NR_munmap, addr, len,
				0, 0, 0, 0);
}

static int ptrace_as_protect(struct platform_as *pas, uint64_t addr,
			     uint64_t len, int prot)
{
	return (int)stub_inject((struct ptrace_as *)pas, __NR_mprotect, addr,
				len, prot, 0, 0, 0);
}

/* ---- contexts and running ---------------------------------------------- */

static int ptrace_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct ptrace_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->p = to_pp(p);
	ctx->tid = host_gettid();
	*out = (struct platform_ctx *)ctx;
	return 0;
}

static void ptrace_ctx_destroy(struct platform_ctx *ctx)
{
	free(ctx);
}

static void regs_to_host(const struct abi_user_regs *r,
			 struct user_regs_struct *h)
{
	_Static_assert(sizeof(*r) == sizeof(*h), "user_regs layout");
	memcpy(h, r, sizeof(*h));
}

/* ctx's own stub thread in as: the caller must be ctx's sentry thread. */
static struct stub_thread *ctx_thread(struct ptrace_ctx *ctx,
				      struct ptrace_as *as)
{
	struct stub_thread *thr = find_mine(as);

	return thr && thr->tracer == ctx->tid ? thr : NULL;
}

static int ptrace_switch_to(struct platform_ctx *pctx, struct platform_as *pas,
			    struct abi_user_regs *regs,
			    struct platform_event *ev)
{
	struct ptrace_ctx *ctx = (struct ptrace_ctx *)pctx;
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr = ctx_thread(ctx, as);
	struct user_regs_struct h;
	siginfo_t si;
	int status, sig;

	if (!thr)
		return -EPERM;
	if (thr->dead) {
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	if (__atomic_exchange_n(&ctx->interrupt_pending, false,
				__ATOMIC_ACQ_REL)) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	regs_to_host(regs, &h);
	/* Keep the stub's own segment selectors: the app cannot set them. */
	h.cs = thr->base_regs.cs;
	h.ss = thr->base_regs.ss;
	if (ptrace(PTRACE_SETREGS, thr->tid, 0, &h) < 0)
		return -errno;
	__atomic_store_n(&ctx->running,
			 (uint64_t)as->pid << 32 | (uint32_t)thr->tid,
			 __ATOMIC_RELEASE);
	if (thr->acct)
		acct_resume(thr);
	if (ptrace(PTRACE_SYSEMU, thr->tid, 0, 0) < 0) {
		__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);
		if (thr->acct)
			acct_stopped(thr);
		return -errno;
	}
	if (wait_stop(thr->tid, &status) < 0)
		status = 0; /* not ours any more: as good as collected */
	__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);
	if (thr->acct)
		acct_stopped(thr);
	if (!WIFSTOPPED(status)) {
		thr->dead = true;
		thr->reaped = true;
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, thr->tid, 0, &h) < 0)
		return -errno;
	memcpy(regs, &h, sizeof(h));
	sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		ev->why = PLATFORM_SYSCALL;
		return 0;
	}
	if (is_event_stop(status)) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	/* A signal-delivery stop: never deliver it on the host. */
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, thr->tid, 0, &si);
	ev->signo = sig;
	ev->code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	ev->access = 0;
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
		ev->why =
		    si.si_code > 0 ? PLATFORM_FAULT : PLATFORM_INTERRUPTED;
		break;
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		ev->why =
		    si.si_code > 0 ? PLATFORM_SIGNAL : PLATFORM_INTERRUPTED;
		break;
	case SIGSYS:
		/* A call into the vsyscall page, as the sentry's fault. */
		if (si.si_code == SYS_SECCOMP_ &&
		    si.si_arch == AUDIT_ARCH_X86_64 &&
		    platform_vsyscall_trap((uint64_t)si.si_call_addr, regs, ev))
			return 0;
		ev->why = PLATFORM_INTERRUPTED;
		break;
	default:
		/* Our own interrupt (SIGSTOP) or a stray host signal. */
		ev->why = PLATFORM_INTERRUPTED;
		break;
	}
	if (ev->why == PLATFORM_INTERRUPTED)
		__atomic_store_n(&ctx->interrupt_pending, false,
				 __ATOMIC_RELEASE);
	return 0;
}

/*
 * SIGSTOP to ctx's stub thread alone: a traced thread reports it as its own
 * signal-delivery stop, which switch_to never delivers, so no group-stop
 * happens and the process's other threads run on.
 */
static void ptrace_interrupt(struct platform_ctx *pctx)
{
	struct ptrace_ctx *ctx = (struct ptrace_ctx *)pctx;
	uint64_t running;

	__atomic_store_n(&ctx->interrupt_pending, true, __ATOMIC_RELEASE);
	running = __atomic_load_n(&ctx->running, __ATOMIC_ACQUIRE);
	if (running)
		syscall(SYS_tgkill, (pid_t)(running >> 32), (pid_t)running,
			SIGSTOP);
}

/*
 * Any sentry thread may ask (the timers' thread does): ctx's thread is
 * found by ctx's tid, under the lock that keeps it from leaving meanwhile.
 */
static int ptrace_cpu_time(struct platform_ctx *pctx, struct platform_as *pas,
			   struct timespec *ts)
{
	struct ptrace_ctx *ctx = (struct ptrace_ctx *)pctx;
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr;
	bool acct = false;
	int64_t w = 0, ns;

	pthread_mutex_lock(&as->lock);
	thr = find_traced(as, ctx->tid);
	if (thr) {
		acct = __atomic_load_n(&thr->acct, __ATOMIC_ACQUIRE);
		w = __atomic_load_n(&thr->cpu_word, __ATOMIC_ACQUIRE);
	}
	pthread_mutex_unlock(&as->lock);
	if (!thr)
		return -EPERM;
	if (!acct) {
		/*
		 * The process clock: Linux refuses another thread group's
		 * thread clocks, and this is the only thread there has been.
		 */
		if (clock_gettime(stub_process_clock(as->pid), ts) < 0)
			return -errno;
		return 0;
	}
	ns = w >= 0 ? w : mono_ns() + w + 1;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

static int ptrace_get_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			  void *buf)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr = ctx_thread((struct ptrace_ctx *)pctx, as);
	struct iovec iov = {buf, as->p->base.fpu_size};

	if (!thr)
		return -EPERM;
	memset(buf, 0, as->p->base.fpu_size);
	if (ptrace(PTRACE_GETREGSET, thr->tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return 0;
}

static int ptrace_set_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			  const void *buf)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct stub_thread *thr = ctx_thread((struct ptrace_ctx *)pctx, as);
	struct iovec iov = {(void *)buf, as->p->base.fpu_size};

	if (!thr)
		return -EPERM;
	if (ptrace(PTRACE_SETREGSET, thr->tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return 0;
}

const struct platform_ops ptrace_platform_ops = {
    .name = "ptrace",
    .create = ptrace_create,
    .destroy = ptrace_destroy,
    .as_create = ptrace_as_create,
    .as_destroy = ptrace_as_destroy,
    .as_new_thread = ptrace_as_new_thread,
    .as_enter = ptrace_as_enter,
    .as_leave = ptrace_as_leave,
    .as_abandon = ptrace_as_abandon,
    .as_map = ptrace_as_map,
    .as_unmap = ptrace_as_unmap,
    .as_protect = ptrace_as_protect,
    .ctx_create = ptrace_ctx_create,
    .ctx_destroy = ptrace_ctx_destroy,
    .switch_to = ptrace_switch_to,
    .interrupt = ptrace_interrupt,
    .cpu_time = ptrace_cpu_time,
    .get_fpu = ptrace_get_fpu,
    .set_fpu = ptrace_set_fpu,
};
