// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel: boot, the task loop and exit.
 *
 * Each task runs on its own sentry thread: init's starts at boot
 * (task_boot), a clone's in task_run_child.
 */
#include "sentry/kernel/task.h"

#include "platform/platform.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/mm.h"
#include "sentry/state/memimage.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

__thread struct task *current_task;

void creds_init_root(struct creds *c)
{
	memset(c, 0, sizeof(*c));
	c->cap_effective = ABI_CAP_FULL_SET;
	c->cap_permitted = ABI_CAP_FULL_SET;
	c->cap_bounding = ABI_CAP_FULL_SET;
}

void creds_init_user(struct creds *c, uint32_t uid, uint32_t gid)
{
	memset(c, 0, sizeof(*c));
	c->ruid = c->euid = c->suid = c->fsuid = uid;
	c->rgid = c->egid = c->sgid = c->fsgid = gid;
	c->cap_bounding = ABI_CAP_FULL_SET;
	if (uid == 0) {
		c->cap_effective = ABI_CAP_FULL_SET;
		c->cap_permitted = ABI_CAP_FULL_SET;
	}
}

void creds_destroy(struct creds *c)
{
	free(c->groups);
	c->groups = NULL;
	c->ngroups = 0;
}

bool creds_capable(const struct creds *c, int cap)
{
	return c->cap_effective & (1ULL << cap);
}

void kernel_uptime(struct kernel *k, struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ts->tv_sec = now.tv_sec - k->boot_mono.tv_sec;
	ts->tv_nsec = now.tv_nsec - k->boot_mono.tv_nsec;
	if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += 1000000000L;
	}
}

/* Defaults for init's resource limits: the sentry's own, as a host would. */
static void rlimits_init(struct abi_rlimit *rl)
{
	for (int i = 0; i < ABI_RLIM_NLIMITS; i++) {
		struct rlimit r;

		if (getrlimit(i, &r) < 0) {
			r.rlim_cur = RLIM_INFINITY;
			r.rlim_max = RLIM_INFINITY;
		}
		rl[i].rlim_cur = r.rlim_cur;
		rl[i].rlim_max = r.rlim_max;
	}
}

int kernel_init(struct kernel *k, const char *platform_name)
{
	const struct platform_ops *ops = platform_lookup(platform_name);

	if (!ops)
		return -ENOENT;
	return kernel_init_platform(k, ops);
}

static int kernel_setup(struct kernel *k, const struct platform_ops *ops,
			struct image_reader *image);

int kernel_init_platform(struct kernel *k, const struct platform_ops *ops)
{
	return kernel_setup(k, ops, NULL);
}

int kernel_init_restore(struct kernel *k, const char *platform_name,
			struct image_reader *image)
{
	const struct platform_ops *ops = platform_lookup(platform_name);

	if (!ops)
		return -ENOENT;
	return kernel_setup(k, ops, image);
}

static int kernel_setup(struct kernel *k, const struct platform_ops *ops,
			struct image_reader *image)
{
	int err;

	clock_gettime(CLOCK_MONOTONIC, &k->boot_mono);
	pthread_mutex_init(&k->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&k->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&k->vfs_lock, NULL);
	pthread_cond_init(&k->vfs_cond, NULL);
	k->next_tid = 1;
	{
		cpu_set_t set;

		long conf = sysconf(_SC_NPROCESSORS_CONF);

		if (sched_getaffinity(0, sizeof(set), &set) != 0) {
			CPU_ZERO(&set);
			CPU_SET(0, &set);
		}
		k->ncpus = CPU_COUNT(&set);
		k->cpu_ids = conf > 0 && conf <= 1024 ? (int)conf : 1;
		for (int i = 0; i < 1024; i++)
			if (CPU_ISSET(i, &set)) {
				k->cpu_mask[i / 8] |= (uint8_t)(1U << (i % 8));
				if (i >= k->cpu_ids)
					k->cpu_ids = i + 1;
			}
	}
	if (!k->hostname[0])
		strcpy(k->hostname, "moat");
	strcpy(k->domainname, "(none)");
	rlimits_init(k->default_rlim);
	err = image ? memimage_restore(image, &k->mf, NULL)
		    : memfile_create(&k->mf, MEMFILE_DEFAULT_SIZE);
	if (err)
		return err;
	return ops->create(k->mf.fd, &k->plat);
}

void kernel_vfs_done(struct kernel *k, int err)
{
	pthread_mutex_lock(&k->vfs_lock);
	k->vfs_state = err ? err : 1;
	pthread_cond_broadcast(&k->vfs_cond);
	pthread_mutex_unlock(&k->vfs_lock);
}

int kernel_wait_vfs(struct kernel *k)
{
	int state;

	pthread_mutex_lock(&k->vfs_lock);
	while (k->vfs_state == 0)
		pthread_cond_wait(&k->vfs_cond, &k->vfs_lock);
	state = k->vfs_state;
	pthread_mutex_unlock(&k->vfs_lock);
	return state < 0 ? state : 0;
}

void task_exit_group(struct task *t, int status)
{
	struct thread_group *tg = t->tg;
	bool first;

	pthread_mutex_lock(&tg->lock);
	first = !tg->exiting;
	if (first) {
		__atomic_store_n(&tg->exiting, true, __ATOMIC_RELEASE);
		tg->exit_status = status;
	}
	pthread_cond_broadcast(&tg->sigcond);
	pthread_cond_broadcast(&tg->timercond);
	pthread_mutex_unlock(&tg->lock);
	t->exiting = true;
	if (!first)
		return;
	task_wake_others(t);
}

void task_exit_thread(struct task *t, int status)
{
	t->exit_code = status;
	t->exiting = true;
}

/*
 * int $0x80 in a 64-bit program enters the 32-bit syscall table on Linux,
 * and stops under PTRACE_SYSEMU just like the syscall instruction. Its
 * numbers and arguments mean other things; moat implements no 32-bit calls,
 * so those get ENOSYS rather than the 64-bit call of the same number.
 */
static bool task_syscall_is_int80(struct task *t)
{
	uint8_t insn[2];

	return mm_copy_in(t->mm, insn, t->regs.rip - 2, 2) == 0 &&
	       insn[0] == 0xcd && insn[1] == 0x80;
}

/* A syscall: compat for int $0x80, vsyscall for a call into that page. */
static void task_do_syscall(struct task *t, bool vsyscall)
{
	uint64_t a[6] = {t->regs.rdi, t->regs.rsi, t->regs.rdx,
			 t->regs.r10, t->regs.r8,  t->regs.r9};
	long nr = (long)t->regs.orig_rax;
	bool compat = !vsyscall && task_syscall_is_int80(t);
	long ret;

	/* The application's seccomp filters see the call first. */
	if (__atomic_load_n(&t->seccomp_mode, __ATOMIC_ACQUIRE) &&
	    app_seccomp_skip(t, compat)) {
		if (t->k->opts.strace && !t->exiting)
			strace_syscall(t, nr, a, (long)t->regs.rax);
		return;
	}
	if (compat) {
		log_warn_once("32-bit syscall (int $0x80) %ld: ENOSYS", nr);
		t->regs.rax = (uint64_t)-ENOSYS;
		return;
	}
	ret = syscall_dispatch(t, nr, a);
	if (t->k->opts.strace)
		strace_syscall(t, nr, a, ret);
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		/* Signal delivery decides: EINTR, or the call again. Never
		 * after rt_sigreturn, whose value is the interrupted rax. */
		if (nr != ABI_NR_rt_sigreturn)
			t->restart_code = (int)-ret;
		break;
	}
	t->regs.rax = (uint64_t)ret;
}

static void task_handle_syscall(struct task *t)
{
	task_do_syscall(t, false);
}

/*
 * A call into the vsyscall page, which no address space maps: Linux
 * (vsyscall=xonly, its default) emulates gettimeofday, time and getcpu at
 * their entries, as the call, then a ret, and so does the sentry. The
 * platforms bring it here as an instruction fetch fault at the entry
 * (ptrace turns the host's own emulation back into one). A read of the
 * page is an ordinary fault; a call between the entries, a bad pointer or
 * stack gets the kernel's SIGSEGV, as Linux sends, not EFAULT. The
 * application's seccomp filters see the call at the entry's address, as on
 * Linux.
 */
static bool task_vsyscall(struct task *t, uint64_t addr)
{
	static const long nrs[] = {ABI_NR_gettimeofday, ABI_NR_time,
				   ABI_NR_getcpu};
	uint64_t off = addr - ABI_VSYSCALL_ADDR, caller;

	if ((addr & ~0xfffUL) != ABI_VSYSCALL_ADDR || t->regs.rip != addr)
		return false;
	if (off % 0x400 || off / 0x400 >= ARRAY_SIZE(nrs) ||
	    mm_copy_in(t->mm, &caller, t->regs.rsp, sizeof(caller))) {
		signal_force_fault(t, ABI_SIGSEGV, ABI_SI_KERNEL, 0);
		return true;
	}
	t->regs.orig_rax = (uint64_t)nrs[off / 0x400];
	task_do_syscall(t, true);
	t->restart_code = 0; /* none of the three restarts */
	if ((long)t->regs.rax == -EFAULT) {
		signal_force_fault(t, ABI_SIGSEGV, ABI_SI_KERNEL, 0);
		return true;
	}
	t->regs.rip = caller;
	t->regs.rsp += sizeof(caller);
	return true;
}

/* What the last faults found, to tell a fault that the mapping cannot
 * fix from one that another thread's change made stale. */
struct fault_memo {
	uint64_t file_addr; /* a shared file page mapped in for it */
	uint64_t addr, gen; /* accessible as mapped, at mm->gen gen */
};

/*
 * A memory fault: copy-on-write memory is copied, a shared file page not
 * mapped in yet is, and the access runs again, as it does on accessible
 * memory (another thread may have changed the mapping since the fault);
 * past its file's end it is SIGBUS; anything else the platform's signal
 * (SIGSEGV, or SIGBUS). A fault again at the same address is one the
 * mapping cannot fix (a write to a read-only page), unless the mappings
 * changed in between.
 */
static void task_fault(struct task *t, const struct platform_event *ev,
		       struct fault_memo *memo)
{
	uint64_t gen = 0;
	int err;

	if (ev->signo == ABI_SIGSEGV && task_vsyscall(t, ev->addr))
		return;
	err = ev->signo == ABI_SIGSEGV ? mm_fault(t->mm, ev->addr, &gen)
				       : -EFAULT;

	switch (err) {
	case MM_FAULT_FIXED:
		return;
	case MM_FAULT_FILE:
		if (ev->addr == memo->file_addr)
			break;
		memo->file_addr = ev->addr;
		return;
	case MM_FAULT_NONE:
		if (ev->addr == memo->addr && gen == memo->gen)
			break;
		memo->addr = ev->addr;
		memo->gen = gen;
		return;
	}
	if (err == -EIO)
		signal_force_fault(t, ABI_SIGBUS, ABI_BUS_ADRERR, ev->addr);
	else
		signal_force_fault(t, ev->signo, ev->code, ev->addr);
}

/*
 * A checkpoint's task parks: its FPU state goes to the sentry (the
 * platform's context is its thread's to read), and it is counted.
 */
static bool task_park(struct task *t)
{
	struct kernel *k = t->k;
	struct platform *p = k->plat;

	if (!t->fpu_image) {
		t->fpu_image = malloc(p->fpu_size);
		if (t->fpu_image &&
		    p->ops->get_fpu(t->ctx, t->mm->as, t->fpu_image)) {
			free(t->fpu_image);
			t->fpu_image = NULL;
		}
	}
	if (!t->fpu_image)
		return false; /* the checkpoint times out, naming it */
	__atomic_add_fetch(&k->parked, 1, __ATOMIC_SEQ_CST);
	return true;
}

/* Frozen: wait until thawed, or until the process must end. */
static void task_frozen(struct task *t)
{
	struct thread_group *tg = t->tg;
	bool parked = false;

	if (__atomic_load_n(&t->k->quiesce, __ATOMIC_SEQ_CST))
		parked = task_park(t);
	pthread_mutex_lock(&tg->lock);
	while (__atomic_load_n(&t->k->frozen, __ATOMIC_SEQ_CST) &&
	       !tg->exiting && !task_exec_zapped(t) &&
	       !(signal_pending(t) & ABI_SIG_BIT(ABI_SIGKILL)))
		pthread_cond_wait(&tg->sigcond, &tg->lock);
	pthread_mutex_unlock(&tg->lock);
	if (parked) {
		__atomic_sub_fetch(&t->k->parked, 1, __ATOMIC_SEQ_CST);
		free(t->fpu_image);
		t->fpu_image = NULL;
	}
}

/* Interrupt every task that may be in application code. */
static void interrupt_all(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		pthread_mutex_lock(&tg->lock);
		for (struct task *t = tg->threads; t; t = t->next_thread)
			if (t->ctx)
				k->plat->ops->interrupt(t->ctx);
		pthread_mutex_unlock(&tg->lock);
	}
	pthread_mutex_unlock(&k->lock);
}

void kernel_freeze(struct kernel *k)
{
	__atomic_store_n(&k->frozen, true, __ATOMIC_SEQ_CST);
	/* Again until none is left: one may have gone in as it began. */
	for (int i = 0; __atomic_load_n(&k->in_app, __ATOMIC_SEQ_CST) > 0;
	     i++) {
		struct timespec ts = {0, 1000 * 1000};

		if (i == 10000) {
			log_warn("freeze: a task does not leave its code");
			break;
		}
		interrupt_all(k);
		nanosleep(&ts, NULL);
	}
}

void kernel_thaw(struct kernel *k)
{
	__atomic_store_n(&k->frozen, false, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		pthread_mutex_lock(&tg->lock);
		pthread_cond_broadcast(&tg->sigcond);
		pthread_mutex_unlock(&tg->lock);
	}
	pthread_mutex_unlock(&k->lock);
}

/* Every live task, with a reference each (*n of them), or NULL. */
static struct task **all_tasks(struct kernel *k, size_t *n)
{
	struct task **v = NULL;

	*n = 0;
	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		for (struct task *t = tg->threads; t; t = t->next_thread) {
			struct task **more = realloc(v, (*n + 1) * sizeof(*v));

			if (!more)
				break;
			v = more;
			task_get(t);
			v[(*n)++] = t;
		}
	pthread_mutex_unlock(&k->lock);
	return v;
}

int kernel_quiesce(struct kernel *k, int timeout_ms, char *why, size_t len)
{
	struct task **v;
	size_t n;
	int live = 0;

	__atomic_store_n(&k->quiesce, true, __ATOMIC_SEQ_CST);
	kernel_freeze(k);
	for (int i = 0; i <= timeout_ms; i++) {
		struct timespec ts = {0, 1000 * 1000};

		pthread_mutex_lock(&k->lock);
		live = k->live_tasks;
		pthread_mutex_unlock(&k->lock);
		if (__atomic_load_n(&k->parked, __ATOMIC_SEQ_CST) == live)
			return 0;
		/* Out of the calls they block in (task_interrupted). */
		if (i % 50 == 0) {
			v = all_tasks(k, &n);
			for (size_t j = 0; j < n; j++) {
				task_wake(v[j]);
				task_put(v[j]);
			}
			free(v);
			/* And those that sleep on their group's signals. */
			pthread_mutex_lock(&k->lock);
			for (struct thread_group *tg = k->tgs; tg;
			     tg = tg->next) {
				pthread_mutex_lock(&tg->lock);
				pthread_cond_broadcast(&tg->sigcond);
				pthread_mutex_unlock(&tg->lock);
			}
			pthread_mutex_unlock(&k->lock);
		}
		nanosleep(&ts, NULL);
	}
	/* Name one that did not come. */
	snprintf(why, len, "a task did not stop in time");
	v = all_tasks(k, &n);
	for (size_t j = 0; j < n; j++) {
		struct task *t = v[j];

		if (!__atomic_load_n(&t->tg->stopped, __ATOMIC_SEQ_CST) &&
		    !t->fpu_image)
			snprintf(why, len,
				 "task %d (%s) did not leave system call %lld "
				 "in time",
				 t->tid, t->comm, (long long)t->regs.orig_rax);
		else if (__atomic_load_n(&t->tg->stopped, __ATOMIC_SEQ_CST))
			snprintf(why, len,
				 "process %d is stopped (job control); "
				 "continue it first",
				 t->tg->tgid);
		task_put(t);
	}
	free(v);
	kernel_unquiesce(k);
	return -EBUSY;
}

void kernel_unquiesce(struct kernel *k)
{
	__atomic_store_n(&k->quiesce, false, __ATOMIC_SEQ_CST);
	kernel_thaw(k);
}

static void task_loop(struct task *t)
{
	const struct platform_ops *ops = t->k->plat->ops;
	struct platform_event ev;
	struct fault_memo memo = {0};
	/* What the platform stopped for, for the debug log at the end. */
	unsigned long stops[PLATFORM_DEAD + 1] = {0};

	/* A new process's inherited RLIMIT_CPU (posix_cputimers_group_init). */
	if (t->tg->leader == t) {
		pthread_mutex_lock(&t->tg->lock);
		itimer_rlimit_cpu_locked(t);
		pthread_mutex_unlock(&t->tg->lock);
	}
	while (!t->exiting) {
		int err;

		signal_deliver(t);
		if (t->exiting || task_exec_zapped(t))
			break;
		/* Into application code, unless its group is stopping. */
		if (__atomic_load_n(&t->stop_pending, __ATOMIC_SEQ_CST)) {
			task_stop(t);
			if (t->tg->exiting || task_exec_zapped(t))
				t->exiting = true;
			continue;
		}
		/* Pages a truncation took from the files it maps go first. */
		mm_sync_truncations(t->mm);
		/* Counted in before it looks, so that a freeze either sees
		 * it go in or is seen (kernel_freeze). */
		__atomic_add_fetch(&t->k->in_app, 1, __ATOMIC_SEQ_CST);
		/*
		 * A vfork child runs on through a checkpoint until it execs
		 * or exits: its parent waits for that in the middle of
		 * vfork, where it cannot park.
		 */
		if (__atomic_load_n(&t->k->frozen, __ATOMIC_SEQ_CST) &&
		    !(t->vfork_done &&
		      __atomic_load_n(&t->k->quiesce, __ATOMIC_SEQ_CST))) {
			__atomic_sub_fetch(&t->k->in_app, 1, __ATOMIC_SEQ_CST);
			task_frozen(t);
			/* Thawed, or its group ends (a kill of a frozen
			 * process): a thread with no signal left to take
			 * would come back here for ever. */
			if (t->tg->exiting || task_exec_zapped(t))
				t->exiting = true;
			continue;
		}
		err = ops->switch_to(t->ctx, t->mm->as, &t->regs, &ev);
		__atomic_sub_fetch(&t->k->in_app, 1, __ATOMIC_SEQ_CST);

		if (err) {
			log_error("task %d: platform failed: %s", t->tid,
				  strerror(-err));
			task_exit_group(t, ABI_SIGKILL);
			break;
		}
		if (ev.why != PLATFORM_FAULT)
			memo = (struct fault_memo){0};
		if ((unsigned)ev.why <= PLATFORM_DEAD)
			stops[ev.why]++;
		switch (ev.why) {
		case PLATFORM_SYSCALL:
			task_handle_syscall(t);
			break;
		case PLATFORM_FAULT:
			task_fault(t, &ev, &memo);
			break;
		case PLATFORM_SIGNAL:
			signal_force_fault(t, ev.signo, ev.code, ev.addr);
			break;
		case PLATFORM_INTERRUPTED:
			break;
		case PLATFORM_DEAD:
			task_exit_group(t, ABI_SIGKILL);
			break;
		}
		if (t->tg->exiting || task_exec_zapped(t))
			t->exiting = true;
	}
	log_debug("task %d: %lu syscalls, %lu faults, %lu signals, %lu "
		  "interruptions",
		  t->tid, stops[PLATFORM_SYSCALL], stops[PLATFORM_FAULT],
		  stops[PLATFORM_SIGNAL], stops[PLATFORM_INTERRUPTED]);
}

struct task_start {
	struct task *t;
	int (*prepare)(struct task *t, void *arg);
	void *prepare_arg;
	int exe_fd;
	const char *path;
	char *const *argv;
	char *const *envp;
	/* result of loading, for the booting thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	bool go; /* the booting thread lets the application run */
	int err;
	const char *why;
};

/* init's executable for /proc/1/exe, as the sandbox names it. */
static void init_exe_path(struct task *t, const char *path)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;

	if (kernel_wait_vfs(t->k) || !t->fs ||
	    task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start))
		return;
	if (vfs_lookup(&ctx, &start, path, LOOKUP_FOLLOW, &p) == 0)
		t->tg->exe_path = p;
	task_path_end(&ctx, &start);
}

/* A new process's first task: its platform context and address space. */
static int task_make_as(struct task *t, const char **why)
{
	struct kernel *k = t->k;
	int err = k->plat->ops->ctx_create(k->plat, &t->ctx);

	if (err) {
		*why = "cannot create the platform context";
		return err;
	}
	err = mm_create(&k->mf, k->plat, &t->mm);
	if (err)
		*why = "cannot create the address space";
	__atomic_store_n(&t->in_as, !err, __ATOMIC_RELEASE);
	return err;
}

static void *task_boot(void *arg)
{
	struct task_start *st = arg;
	struct task *t = st->t;
	const char *why = NULL;
	int err;

	current_task = t;
	err = task_make_as(t, &why);
	log_debug("task %d: address space ready", t->tid);
	if (!err && st->prepare) {
		err = st->prepare(t, st->prepare_arg);
		if (err)
			why = "boot";
	}
	if (!err)
		err = loader_exec(t, st->exe_fd, st->path, st->argv, st->envp,
				  &why);
	if (!err)
		init_exe_path(t, st->path);
	pthread_mutex_lock(&st->lock);
	st->err = err;
	st->why = why;
	st->done = true;
	pthread_cond_broadcast(&st->cond);
	/*
	 * Failed or not, wait for the word: until then the boot's other
	 * thread may still be setting up this task (its working directory),
	 * and releasing it under that thread crashes the sentry.
	 */
	while (!st->go)
		pthread_cond_wait(&st->cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
	/* st is gone once go is seen. */
	if (!err)
		task_loop(t);
	task_exit(t);
	task_put(t);
	return NULL;
}

void task_run_child(struct task *t)
{
	struct kernel *k = t->k;
	int err;

	current_task = t;
	err = k->plat->ops->ctx_create(k->plat, &t->ctx);
	if (!err && t->as_shared)
		err = k->plat->ops->as_enter(t->mm->as, t->as_token);
	else if (!err)
		err = mm_attach(t->mm);
	__atomic_store_n(&t->in_as, !err, __ATOMIC_RELEASE);
	/* A restored task: its FPU state, its address space's threads. */
	if (!err && t->fpu_image) {
		err = k->plat->ops->set_fpu(t->ctx, t->mm->as, t->fpu_image);
		free(t->fpu_image);
		t->fpu_image = NULL;
	}
	if (!err && t->on_start)
		err = t->on_start(t);
	if (err) {
		log_error("task %d: cannot set up its address space: %s",
			  t->tid, strerror(-err));
		task_exit_group(t, ABI_SIGKILL);
	} else {
		if (t->set_child_tid) {
			uint32_t tid = (uint32_t)t->tid;

			mm_copy_out(t->mm, t->set_child_tid, &tid, sizeof(tid));
		}
		task_loop(t);
	}
	task_exit(t);
	task_put(t);
}

struct task_start *
kernel_prepare_init(struct kernel *k, struct task *t, int exe_fd,
		    const char *path, char *const argv[], char *const envp[],
		    int (*prepare)(struct task *t, void *arg), void *arg)
{
	struct thread_group *tg = tg_alloc();
	struct task_start *st = calloc(1, sizeof(*st));
	pthread_attr_t attr;
	const char *base;
	int err;

	if (!tg || !st) {
		free(tg);
		free(st);
		return NULL;
	}
	*st = (struct task_start){
	    .t = t,
	    .prepare = prepare,
	    .prepare_arg = arg,
	    .exe_fd = exe_fd,
	    .path = path,
	    .argv = argv,
	    .envp = envp,
	};
	memcpy(tg->rlim, k->default_rlim, sizeof(tg->rlim));
	tg->umask = 022;
	tg->live_threads = 1;
	t->k = k;
	t->tg = tg;
	t->refs = 1; /* its thread's, which pins tg as task_get does */
	tg_get(tg);
	if (!t->creds.cap_bounding)
		creds_init_root(&t->creds); /* the caller set none */
	tg->exe = strdup(path);
	base = strrchr(path, '/');
	strncpy(t->comm, base ? base + 1 : path, sizeof(t->comm) - 1);

	pthread_mutex_lock(&k->lock);
	t->tid = pid_alloc_locked(k);
	tg->tgid = t->tid;
	tg->pgid = t->tid;
	tg->sid = t->tid;
	task_make_leader(tg, t);
	tg->threads = t;
	tg_link_locked(k, tg, NULL);
	k->init_tg = tg;
	__atomic_store_n(&tg->unkillable, k->opts.init_unkillable,
			 __ATOMIC_RELAXED);
	k->live_tasks++;
	pthread_mutex_unlock(&k->lock);

	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	err = pthread_create(&t->thread, &attr, task_boot, st);
	pthread_attr_destroy(&attr);
	if (err) {
		st->done = true;
		st->err = -err;
		st->why = "cannot start the task thread";
		t->thread = 0;
	}
	return st;
}

int kernel_init_loaded(struct task_start *st, const char **why)
{
	int err;

	pthread_mutex_lock(&st->lock);
	while (!st->done)
		pthread_cond_wait(&st->cond, &st->lock);
	err = st->err;
	*why = st->why;
	pthread_mutex_unlock(&st->lock);
	return err;
}

int kernel_start_init(struct task_start *st, const char **why)
{
	int err;

	pthread_mutex_lock(&st->lock);
	while (!st->done)
		pthread_cond_wait(&st->cond, &st->lock);
	err = st->err;
	*why = st->why;
	st->go = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	if (err) {
		if (st->t->thread)
			pthread_join(st->t->thread, NULL);
		free(st);
		return err;
	}
	/* The task thread no longer looks at st once go is set... */
	pthread_detach(st->t->thread);
	return 0;
}

/* A spawned process's loading, reported to kernel_spawn. */
struct spawn_start {
	struct task *t;
	const char *path;
	char *const *argv;
	char *const *envp;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int err;
	const char *why;
};

static void *spawn_main(void *arg)
{
	struct spawn_start *st = arg;
	struct task *t = st->t;
	const char *why = NULL;
	int err;

	current_task = t;
	err = task_make_as(t, &why);
	if (!err)
		err = loader_exec(t, -1, st->path, st->argv, st->envp, &why);
	if (!err)
		init_exe_path(t, st->path);
	pthread_mutex_lock(&st->lock);
	st->err = err;
	st->why = why;
	st->done = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	/* st is the spawner's, gone from here on. */
	if (!err)
		task_loop(t);
	task_exit(t);
	task_put(t);
	return NULL;
}

int kernel_spawn(struct kernel *k, struct task *t, const char *path,
		 char *const argv[], char *const envp[], uint32_t umask,
		 int (*prepare)(struct task *t, void *arg), void *arg,
		 struct thread_group **tgp, const char **why)
{
	struct thread_group *tg = tg_alloc();
	struct spawn_start st = {
	    .t = t, .path = path, .argv = argv, .envp = envp};
	pthread_attr_t attr;
	const char *base;
	int err, tid;

	*why = NULL;
	if (!tg)
		return -ENOMEM;
	memcpy(tg->rlim, k->default_rlim, sizeof(tg->rlim));
	tg->umask = umask;
	tg->live_threads = 1;
	tg->exit_signal = 0; /* no parent to tell */
	tg->exe = strdup(path);
	t->k = k;
	t->tg = tg;
	t->on_heap = true;
	t->refs = 1; /* its thread's, which pins tg as task_get does */
	base = strrchr(path, '/');
	strncpy(t->comm, base ? base + 1 : path, sizeof(t->comm) - 1);

	pthread_mutex_lock(&k->lock);
	tid = k->init_exited || !k->init_tg ? -ESRCH : pid_alloc_locked(k);
	if (tid < 0) {
		pthread_mutex_unlock(&k->lock);
		tg_put(tg);
		fdtable_put(t->files);
		fs_struct_put(t->fs);
		creds_destroy(&t->creds);
		free(t);
		return tid;
	}
	t->tid = tid;
	tg_get(tg); /* the thread's reference's pin (above) */
	tg->tgid = tid;
	tg->pgid = tid;
	tg->sid = tid;
	task_make_leader(tg, t);
	tg->threads = t;
	tg_link_locked(k, tg, NULL);
	k->live_tasks++;
	pthread_mutex_unlock(&k->lock);
	tg_get(tg); /* the caller's */

	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	err = prepare ? prepare(t, arg) : 0;
	if (!err) {
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		err = -pthread_create(&t->thread, &attr, spawn_main, &st);
		pthread_attr_destroy(&attr);
		if (err)
			*why = "cannot start the task thread";
	}
	if (err) {
		tg->exit_status = ABI_SIGKILL;
		task_exit(t);
		task_put(t);
	} else {
		pthread_mutex_lock(&st.lock);
		while (!st.done)
			pthread_cond_wait(&st.cond, &st.lock);
		err = st.err;
		*why = st.why;
		pthread_mutex_unlock(&st.lock);
	}
	pthread_mutex_destroy(&st.lock);
	pthread_cond_destroy(&st.cond);
	if (err) {
		kernel_spawn_wait(k, tg);
		return err;
	}
	*tgp = tg;
	return 0;
}

int kernel_spawn_wait(struct kernel *k, struct thread_group *tg)
{
	int status;

	pthread_mutex_lock(&k->lock);
	while (tg->state == TG_ALIVE)
		pthread_cond_wait(&k->cond, &k->lock);
	status = tg->exit_status;
	if (tg->state == TG_ZOMBIE)
		tg_release_locked(k, tg);
	pthread_mutex_unlock(&k->lock);
	tg_put(tg);
	return status;
}

int kernel_wait(struct kernel *k)
{
	struct timespec deadline;
	int status;

	pthread_mutex_lock(&k->lock);
	while (!k->init_exited)
		pthread_cond_wait(&k->cond, &k->lock);
	status = k->init_status;
	/* The rest were killed with init: let them go, for a while. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 2;
	while (k->live_tasks > 0 &&
	       pthread_cond_timedwait(&k->cond, &k->lock, &deadline) == 0)
		;
	if (k->live_tasks > 0)
		log_warn("%d tasks still alive after init exited",
			 k->live_tasks);
	pthread_mutex_unlock(&k->lock);
	return status;
}
