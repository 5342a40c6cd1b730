// SPDX-License-Identifier: Apache-2.0
/*
 * The application's seccomp (kernel/seccomp.c): strict mode and filter
 * mode, kept in the sentry's tasks and enforced on every syscall entry
 * before the call runs (kernel.c). The host's seccomp is never involved.
 *
 * Filters form a chain, newest first, shared by reference: fork copies a
 * task's head, TSYNC moves each other thread's head to the caller's, which
 * is always a descendant of theirs (checked first), so a chain being read
 * by its thread stays alive while another thread replaces its head.
 *
 * Deviations: no user notification (SECCOMP_FILTER_FLAG_NEW_LISTENER and
 * SECCOMP_GET_NOTIF_SIZES are EINVAL, as on a kernel without it; a filter
 * returning SECCOMP_RET_USER_NOTIF gets ENOSYS, as with no listener); no
 * tracer, so SECCOMP_RET_TRACE is ENOSYS as without one; SPEC_ALLOW changes
 * nothing (no speculation controls); SECCOMP_RET_LOG writes the sentry's
 * log, not an audit record.
 */
#include "sentry/kernel/app_seccomp.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRNO 4095

#define FILTER_FLAGS                                                           \
	(ABI_SECCOMP_FILTER_FLAG_TSYNC | ABI_SECCOMP_FILTER_FLAG_LOG |         \
	 ABI_SECCOMP_FILTER_FLAG_SPEC_ALLOW |                                  \
	 ABI_SECCOMP_FILTER_FLAG_TSYNC_ESRCH)

static void filter_get(struct app_seccomp_filter *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

static void filter_put(struct app_seccomp_filter *f)
{
	while (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct app_seccomp_filter *prev = f->prev;

		free(f);
		f = prev;
	}
}

static struct app_seccomp_filter *task_filter(const struct task *t)
{
	return __atomic_load_n(&t->seccomp_filter, __ATOMIC_ACQUIRE);
}

/* A checked copy of a program: ERR_PTR-free, NULL with *err. */
static struct app_seccomp_filter *filter_new(const struct seccomp_insn *insns,
					     uint32_t len, uint32_t flags,
					     int *err)
{
	struct app_seccomp_filter *f;

	f = malloc(sizeof(*f) + len * sizeof(f->insns[0]));
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(f->insns, insns, len * sizeof(f->insns[0]));
	*err = seccomp_bpf_check(f->insns, len);
	if (*err) {
		free(f);
		return NULL;
	}
	f->refs = 1;
	f->prev = NULL;
	f->len = len;
	f->cost = seccomp_bpf_cost(f->insns, len);
	f->log = flags & ABI_SECCOMP_FILTER_FLAG_LOG;
	return f;
}

/* seccomp_prepare_user_filter: the program at uargs, copied and checked. */
static struct app_seccomp_filter *prepare_user(struct task *t, uint64_t uargs,
					       uint32_t flags, int *err)
{
	struct abi_sock_fprog prog;
	struct seccomp_insn *insns;
	struct app_seccomp_filter *f;

	*err = mm_copy_in(t->mm, &prog, uargs, sizeof(prog));
	if (*err)
		return NULL;
	if (prog.len == 0 || prog.len > SECCOMP_BPF_MAXINSNS) {
		*err = -EINVAL;
		return NULL;
	}
	/* An unprivileged task must not pass a filter to set-id programs. */
	if (!t->no_new_privs && !creds_capable(&t->creds, ABI_CAP_SYS_ADMIN)) {
		*err = -EACCES;
		return NULL;
	}
	insns = malloc(prog.len * sizeof(*insns));
	if (!insns) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = mm_copy_in(t->mm, insns, prog.filter, prog.len * sizeof(*insns));
	f = *err ? NULL : filter_new(insns, prog.len, flags, err);
	free(insns);
	return f;
}

static bool is_ancestor(const struct app_seccomp_filter *parent,
			const struct app_seccomp_filter *child)
{
	if (!parent)
		return true;
	for (; child; child = child->prev)
		if (child == parent)
			return true;
	return false;
}

/*
 * seccomp_can_sync_threads: every other thread of t's group runs under an
 * ancestor of t's filters: 0, or the tid of the first that does not.
 * k->lock and tg->lock held.
 */
static int can_sync_locked(struct task *t)
{
	for (struct task *o = t->tg->threads; o; o = o->next_thread) {
		int mode = __atomic_load_n(&o->seccomp_mode, __ATOMIC_RELAXED);

		if (o == t || o->exiting)
			continue;
		if ((mode == ABI_SECCOMP_MODE_DISABLED ||
		     mode == ABI_SECCOMP_MODE_FILTER) &&
		    is_ancestor(task_filter(o), task_filter(t)))
			continue;
		return o->tid;
	}
	return 0;
}

/* seccomp_sync_threads: the others take t's filters (locks held). */
static void sync_locked(struct task *t)
{
	struct app_seccomp_filter *f = task_filter(t);

	for (struct task *o = t->tg->threads; o; o = o->next_thread) {
		struct app_seccomp_filter *old;

		if (o == t || o->exiting)
			continue;
		filter_get(f);
		old = __atomic_exchange_n(&o->seccomp_filter, f,
					  __ATOMIC_ACQ_REL);
		filter_put(old);
		if (t->no_new_privs)
			o->no_new_privs = true;
		__atomic_store_n(&o->seccomp_mode, ABI_SECCOMP_MODE_FILTER,
				 __ATOMIC_RELEASE);
	}
}

/*
 * seccomp_attach_filter: f becomes the head of t's chain, which takes the
 * task's reference, in filter mode; 0, or -EINVAL (strict mode), -ENOMEM
 * (the chain would be too long). Locked, unless t does not run yet.
 */
static int link_filter(struct task *t, struct app_seccomp_filter *f)
{
	int mode = __atomic_load_n(&t->seccomp_mode, __ATOMIC_RELAXED);
	int total = (int)f->cost;

	if (mode != ABI_SECCOMP_MODE_DISABLED &&
	    mode != ABI_SECCOMP_MODE_FILTER)
		return -EINVAL;
	for (const struct app_seccomp_filter *w = task_filter(t); w;
	     w = w->prev)
		total += (int)w->cost + 4;
	if (total > SECCOMP_MAX_INSNS_PER_PATH)
		return -ENOMEM;
	/* The task's reference to its old head becomes f's. */
	f->prev = task_filter(t);
	__atomic_store_n(&t->seccomp_filter, f, __ATOMIC_RELEASE);
	__atomic_store_n(&t->seccomp_mode, ABI_SECCOMP_MODE_FILTER,
			 __ATOMIC_RELEASE);
	return 0;
}

/* Attach f for a running task: 0 or -errno (a tid for TSYNC); f taken. */
static long attach(struct task *t, struct app_seccomp_filter *f, uint32_t flags)
{
	struct kernel *k = t->k;
	long ret = 0;

	pthread_mutex_lock(&k->lock);
	pthread_mutex_lock(&t->tg->lock);
	if (flags & ABI_SECCOMP_FILTER_FLAG_TSYNC) {
		ret = can_sync_locked(t);
		if (ret && (flags & ABI_SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
			ret = -ESRCH;
	}
	if (!ret)
		ret = link_filter(t, f);
	if (!ret && (flags & ABI_SECCOMP_FILTER_FLAG_TSYNC))
		sync_locked(t);
	pthread_mutex_unlock(&t->tg->lock);
	pthread_mutex_unlock(&k->lock);
	if (ret)
		filter_put(f);
	return ret;
}

static long set_mode_filter(struct task *t, uint32_t flags, uint64_t uargs)
{
	struct app_seccomp_filter *f;
	int err;

	if (flags & ~FILTER_FLAGS)
		return -EINVAL;
	f = prepare_user(t, uargs, flags, &err);
	if (!f)
		return err;
	return attach(t, f, flags);
}

static long set_mode_strict(struct task *t)
{
	int mode;

	pthread_mutex_lock(&t->tg->lock);
	mode = __atomic_load_n(&t->seccomp_mode, __ATOMIC_RELAXED);
	if (mode == ABI_SECCOMP_MODE_DISABLED)
		__atomic_store_n(&t->seccomp_mode, ABI_SECCOMP_MODE_STRICT,
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->tg->lock);
	return mode == ABI_SECCOMP_MODE_DISABLED ? 0 : -EINVAL;
}

static long get_action_avail(struct task *t, uint64_t uargs)
{
	uint32_t action;
	int err = mm_copy_in(t->mm, &action, uargs, sizeof(action));

	if (err)
		return err;
	switch (action) {
	case ABI_SECCOMP_RET_KILL_PROCESS:
	case ABI_SECCOMP_RET_KILL_THREAD:
	case ABI_SECCOMP_RET_TRAP:
	case ABI_SECCOMP_RET_ERRNO:
	case ABI_SECCOMP_RET_TRACE:
	case ABI_SECCOMP_RET_LOG:
	case ABI_SECCOMP_RET_ALLOW:
		return 0;
	}
	return -EOPNOTSUPP; /* SECCOMP_RET_USER_NOTIF too: no listeners */
}

long app_seccomp(struct task *t, uint32_t op, uint32_t flags, uint64_t uargs)
{
	switch (op) {
	case ABI_SECCOMP_SET_MODE_STRICT:
		if (flags || uargs)
			return -EINVAL;
		return set_mode_strict(t);
	case ABI_SECCOMP_SET_MODE_FILTER:
		return set_mode_filter(t, flags, uargs);
	case ABI_SECCOMP_GET_ACTION_AVAIL:
		if (flags)
			return -EINVAL;
		return get_action_avail(t, uargs);
	}
	return -EINVAL; /* GET_NOTIF_SIZES too: no user notification */
}

int app_seccomp_install(struct task *t, const struct seccomp_insn *insns,
			uint32_t len, uint32_t flags)
{
	struct app_seccomp_filter *f;
	int err;

	if (len == 0 || len > SECCOMP_BPF_MAXINSNS ||
	    (flags & ~(ABI_SECCOMP_FILTER_FLAG_LOG |
		       ABI_SECCOMP_FILTER_FLAG_SPEC_ALLOW)))
		return -EINVAL;
	f = filter_new(insns, len, flags, &err);
	if (!f)
		return err;
	err = link_filter(t, f);
	if (err)
		filter_put(f);
	return err;
}

struct app_seccomp_filter *app_seccomp_get(const struct task *t)
{
	struct app_seccomp_filter *f = task_filter(t);

	filter_get(f);
	return f;
}

void app_seccomp_put(struct app_seccomp_filter *f)
{
	filter_put(f);
}

void app_seccomp_set(struct task *t, struct app_seccomp_filter *f)
{
	filter_get(f);
	t->seccomp_filter = f;
	t->seccomp_mode = f ? ABI_SECCOMP_MODE_FILTER : 0;
}

/* The SIGSYS a seccomp action raises (force_sig_seccomp's). */
static void sigsys_info(const struct task *t, const struct seccomp_data *d,
			uint32_t data, struct abi_siginfo *info)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = ABI_SIGSYS;
	info->si_code = ABI_SYS_SECCOMP;
	info->si_errno = (int32_t)data;
	info->sys.call_addr = t->regs.rip;
	info->sys.syscall = d->nr;
	info->sys.arch = d->arch;
}

/*
 * KILL_PROCESS, or KILL_THREAD of a process's last thread: SIGSYS's
 * default action (a core dump where allowed); else the thread alone ends.
 */
static void kill_task(struct task *t, bool thread, const struct abi_siginfo *i)
{
	int live;

	pthread_mutex_lock(&t->tg->lock);
	live = t->tg->live_threads;
	pthread_mutex_unlock(&t->tg->lock);
	t->regs.rax = t->regs.orig_rax; /* the registers as the call found */
	if (thread && live > 1)
		task_exit_thread(t, ABI_SIGSYS);
	else
		signal_fatal(t, ABI_SIGSYS, i);
}

/* Strict mode's calls: read, write, exit, rt_sigreturn (and compat's). */
static bool strict_allows(long nr, bool compat)
{
	if (compat)
		return nr == 3 || nr == 4 || nr == 1 || nr == 119 || nr == 173;
	return nr == 0 || nr == 1 || nr == 60 || nr == ABI_NR_rt_sigreturn;
}

static void fill_data(const struct task *t, bool compat, struct seccomp_data *d)
{
	const struct abi_user_regs *r = &t->regs;

	d->nr = (int32_t)r->orig_rax;
	d->instruction_pointer = r->rip;
	if (compat) {
		d->arch = ABI_AUDIT_ARCH_I386;
		d->args[0] = (uint32_t)r->rbx;
		d->args[1] = (uint32_t)r->rcx;
		d->args[2] = (uint32_t)r->rdx;
		d->args[3] = (uint32_t)r->rsi;
		d->args[4] = (uint32_t)r->rdi;
		d->args[5] = (uint32_t)r->rbp;
		return;
	}
	d->arch = ABI_AUDIT_ARCH_X86_64;
	d->args[0] = r->rdi;
	d->args[1] = r->rsi;
	d->args[2] = r->rdx;
	d->args[3] = r->r10;
	d->args[4] = r->r8;
	d->args[5] = r->r9;
}

/* Every filter of the chain; the most restrictive answer wins. */
static uint32_t run_filters(const struct app_seccomp_filter *f,
			    const struct seccomp_data *d, bool *log)
{
	uint32_t ret = ABI_SECCOMP_RET_ALLOW;

	*log = false;
	for (; f; f = f->prev) {
		uint32_t cur = seccomp_bpf_run(f->insns, d);

		if ((int32_t)(cur & ABI_SECCOMP_RET_ACTION_FULL) <
		    (int32_t)(ret & ABI_SECCOMP_RET_ACTION_FULL)) {
			ret = cur;
			*log = f->log;
		}
	}
	return ret;
}

bool app_seccomp_skip(struct task *t, bool compat)
{
	int mode = __atomic_load_n(&t->seccomp_mode, __ATOMIC_ACQUIRE);
	struct seccomp_data d;
	struct abi_siginfo info;
	uint32_t ret, data;
	bool log;

	fill_data(t, compat, &d);
	if (mode == ABI_SECCOMP_MODE_STRICT) {
		if (strict_allows(d.nr, compat))
			return false;
		log_info("task %d: seccomp strict mode: syscall %d, killed",
			 t->tid, d.nr);
		task_exit_thread(t, ABI_SIGKILL);
		return true;
	}
	ret = run_filters(task_filter(t), &d, &log);
	data = ret & ABI_SECCOMP_RET_DATA;
	switch (ret & ABI_SECCOMP_RET_ACTION_FULL) {
	case ABI_SECCOMP_RET_ALLOW:
		return false;
	case ABI_SECCOMP_RET_LOG:
		log_info("task %d: seccomp: syscall %d logged", t->tid, d.nr);
		return false;
	case ABI_SECCOMP_RET_ERRNO:
		t->regs.rax =
		    (uint64_t) - (long)(data > MAX_ERRNO ? MAX_ERRNO : data);
		return true;
	case ABI_SECCOMP_RET_TRAP:
		t->regs.rax = t->regs.orig_rax;
		sigsys_info(t, &d, data, &info);
		signal_force(t, &info);
		return true;
	case ABI_SECCOMP_RET_TRACE:
	case ABI_SECCOMP_RET_USER_NOTIF:
		t->regs.rax = (uint64_t)-ENOSYS; /* no tracer, no listener */
		return true;
	}
	/* KILL_THREAD, KILL_PROCESS, and any unknown action. */
	log_info("task %d: seccomp: syscall %d, killed%s", t->tid, d.nr,
		 log ? " (logged)" : "");
	sigsys_info(t, &d, data, &info);
	kill_task(t,
		  (ret & ABI_SECCOMP_RET_ACTION_FULL) ==
		      ABI_SECCOMP_RET_KILL_THREAD,
		  &info);
	return true;
}

void app_seccomp_fork(struct task *child, struct task *parent)
{
	app_seccomp_set(child, task_filter(parent));
	child->seccomp_mode =
	    __atomic_load_n(&parent->seccomp_mode, __ATOMIC_ACQUIRE);
}

void app_seccomp_release(struct task *t)
{
	filter_put(t->seccomp_filter);
	t->seccomp_filter = NULL;
}

int app_seccomp_mode(const struct task *t, int *nfilters)
{
	int n = 0;

	for (const struct app_seccomp_filter *f = task_filter(t); f;
	     f = f->prev)
		n++;
	*nfilters = n;
	return __atomic_load_n(&t->seccomp_mode, __ATOMIC_ACQUIRE);
}

struct app_seccomp_filter *app_seccomp_restore(const struct seccomp_insn *insns,
					       uint32_t len, bool log,
					       struct app_seccomp_filter *prev,
					       int *err)
{
	struct app_seccomp_filter *f;
	int total;

	if (len == 0 || len > SECCOMP_BPF_MAXINSNS) {
		*err = -EINVAL;
		return NULL;
	}
	f = filter_new(insns, len, log ? ABI_SECCOMP_FILTER_FLAG_LOG : 0, err);
	if (!f)
		return NULL;
	total = (int)f->cost;
	for (const struct app_seccomp_filter *w = prev; w; w = w->prev)
		total += (int)w->cost + 4;
	if (total > SECCOMP_MAX_INSNS_PER_PATH) {
		free(f);
		*err = -E2BIG;
		return NULL;
	}
	filter_get(prev);
	f->prev = prev;
	return f;
}

int app_seccomp_restore_task(struct task *t, int mode,
			     struct app_seccomp_filter *f)
{
	bool ok = mode == ABI_SECCOMP_MODE_FILTER
		      ? f != NULL
		      : (mode == ABI_SECCOMP_MODE_STRICT ||
			 mode == ABI_SECCOMP_MODE_DISABLED) &&
			    !f;

	if (!ok)
		return -EINVAL;
	filter_get(f);
	t->seccomp_filter = f;
	t->seccomp_mode = mode;
	return 0;
}
