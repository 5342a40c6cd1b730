// SPDX-License-Identifier: Apache-2.0
/*
 * prctl (kernel/sys.c, security/commoncap.c's cap_task_prctl): the
 * options below, each checked as Linux checks it; any other option is
 * EINVAL. PR_SET_SECCOMP and PR_GET_SECCOMP are the application's own
 * seccomp (kernel/app_seccomp.c). Deviations: PR_SET_MM is EPERM without
 * CAP_SYS_RESOURCE and EINVAL with it, apart from PR_SET_MM_MAP_SIZE; the
 * parent-death signal, the dumpable flag, the child-subreaper flag, the timer
 * slack and the machine-check policy are kept and reported but change nothing
 * (one process, no core dumps); no_new_privs has no exec to act on yet.
 */
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <string.h>

/* The default timer slack of a task, as Linux's (50 us). */
#define DEFAULT_TIMER_SLACK_NS 50000

static bool cap_valid(uint64_t cap)
{
	return cap <= ABI_CAP_LAST_CAP;
}

/* PR_SET_NAME: at most 15 bytes up to a NUL, as strncpy_from_user. */
static long set_name(struct task *t, uint64_t addr)
{
	char comm[ABI_TASK_COMM_LEN] = {0};
	long err;

	for (size_t i = 0; i < sizeof(comm) - 1; i++) {
		err = mm_copy_in(t->mm, &comm[i], addr + i, 1);
		if (err)
			return err;
		if (!comm[i])
			break;
	}
	pthread_mutex_lock(&t->tg->lock); /* /proc reads it from others */
	memcpy(t->comm, comm, sizeof(t->comm));
	pthread_mutex_unlock(&t->tg->lock);
	return 0;
}

static long put_int(struct task *t, uint64_t addr, int v)
{
	return mm_copy_out(t->mm, addr, &v, sizeof(v));
}

/* PR_SET_MM (prctl_set_mm): only the size of struct prctl_mm_map. */
static long set_mm(struct task *t, uint64_t opt, uint64_t addr, uint64_t arg4,
		   uint64_t arg5)
{
	uint32_t size = ABI_PRCTL_MM_MAP_SIZE;

	if (arg5 || (arg4 && opt != ABI_PR_SET_MM_AUXV &&
		     opt != ABI_PR_SET_MM_MAP && opt != ABI_PR_SET_MM_MAP_SIZE))
		return -EINVAL;
	if (opt == ABI_PR_SET_MM_MAP_SIZE)
		return mm_copy_out(t->mm, addr, &size, sizeof(size));
	if (opt == ABI_PR_SET_MM_MAP)
		return -EINVAL;
	if (!creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE))
		return -EPERM;
	return -EINVAL;
}

/* PR_SET_SECCOMP (prctl_set_seccomp): seccomp(2) by another name. */
static long set_seccomp(struct task *t, uint64_t mode, uint64_t filter)
{
	if (mode == ABI_SECCOMP_MODE_STRICT)
		return app_seccomp(t, ABI_SECCOMP_SET_MODE_STRICT, 0, 0);
	if (mode == ABI_SECCOMP_MODE_FILTER)
		return app_seccomp(t, ABI_SECCOMP_SET_MODE_FILTER, 0, filter);
	return -EINVAL;
}

/* PR_MCE_KILL and PR_MCE_KILL_GET. */
static long mce_kill(struct task *t, const uint64_t *a)
{
	if (a[0] == ABI_PR_MCE_KILL_GET) {
		if (a[1] | a[2] | a[3] | a[4])
			return -EINVAL;
		return t->mce_kill ? t->mce_kill - 1 : ABI_PR_MCE_KILL_DEFAULT;
	}
	if (a[3] | a[4])
		return -EINVAL;
	if (a[1] == ABI_PR_MCE_KILL_CLEAR) {
		if (a[2])
			return -EINVAL;
		t->mce_kill = 0;
		return 0;
	}
	if (a[1] != ABI_PR_MCE_KILL_SET)
		return -EINVAL;
	if (a[2] != ABI_PR_MCE_KILL_EARLY && a[2] != ABI_PR_MCE_KILL_LATE &&
	    a[2] != ABI_PR_MCE_KILL_DEFAULT)
		return -EINVAL;
	t->mce_kill = a[2] == ABI_PR_MCE_KILL_DEFAULT ? 0 : (uint8_t)(a[2] + 1);
	return 0;
}

/* The capability options (cap_task_prctl). */
/* PR_CAP_AMBIENT: a capability raised stays across execve. */
static long ambient_prctl(struct task *t, const uint64_t *a)
{
	struct creds *c = &t->creds;
	uint64_t bit = 1ULL << (a[2] & 63);

	if (a[1] == ABI_PR_CAP_AMBIENT_CLEAR_ALL) {
		if (a[2] || a[3] || a[4])
			return -EINVAL;
		c->cap_ambient = 0;
		return 0;
	}
	if (!cap_valid(a[2]) || a[3] || a[4])
		return -EINVAL;
	switch (a[1]) {
	case ABI_PR_CAP_AMBIENT_IS_SET:
		return !!(c->cap_ambient & bit);
	case ABI_PR_CAP_AMBIENT_RAISE:
		if (!(c->cap_permitted & bit) || !(c->cap_inheritable & bit) ||
		    (c->securebits & (1U << ABI_SECURE_NO_CAP_AMBIENT_RAISE)))
			return -EPERM;
		c->cap_ambient |= bit;
		return 0;
	case ABI_PR_CAP_AMBIENT_LOWER:
		c->cap_ambient &= ~bit;
		return 0;
	}
	return -EINVAL;
}

static long cap_prctl(struct task *t, const uint64_t *a)
{
	struct creds *c = &t->creds;
	const uint32_t keep = 1U << ABI_SECURE_KEEP_CAPS;

	switch (a[0]) {
	case ABI_PR_CAPBSET_READ:
		if (!cap_valid(a[1]))
			return -EINVAL;
		return !!(c->cap_bounding & (1ULL << a[1]));
	case ABI_PR_CAPBSET_DROP:
		if (!creds_capable(c, ABI_CAP_SETPCAP))
			return -EPERM;
		if (!cap_valid(a[1]))
			return -EINVAL;
		c->cap_bounding &= ~(1ULL << a[1]);
		return 0;
	case ABI_PR_GET_SECUREBITS:
		return c->securebits;
	case ABI_PR_GET_KEEPCAPS:
		return !!(c->securebits & keep);
	case ABI_PR_CAP_AMBIENT:
		return ambient_prctl(t, a);
	case ABI_PR_SET_KEEPCAPS:
		if (a[1] > 1)
			return -EINVAL;
		if (c->securebits & (1U << ABI_SECURE_KEEP_CAPS_LOCKED))
			return -EPERM;
		c->securebits =
		    a[1] ? c->securebits | keep : c->securebits & ~keep;
		return 0;
	}
	return -EINVAL;
}

SYSCALL(prctl)
{
	uint64_t arg2 = a[1];
	int v;

	switch (a[0]) {
	case ABI_PR_SET_NAME:
		return set_name(t, arg2);
	case ABI_PR_GET_NAME:
		return mm_copy_out(t->mm, arg2, t->comm, ABI_TASK_COMM_LEN);
	case ABI_PR_SET_PDEATHSIG:
		if (arg2 > ABI_NSIG)
			return -EINVAL;
		t->pdeath_signal = (int)arg2;
		return 0;
	case ABI_PR_GET_PDEATHSIG:
		return put_int(t, arg2, t->pdeath_signal);
	case ABI_PR_GET_DUMPABLE:
		return !t->tg->not_dumpable;
	case ABI_PR_SET_DUMPABLE:
		if (arg2 > 1)
			return -EINVAL;
		t->tg->not_dumpable = !arg2;
		return 0;
	case ABI_PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case ABI_PR_GET_NO_NEW_PRIVS:
		if (arg2 || a[2] || a[3] || a[4])
			return -EINVAL;
		return t->no_new_privs;
	case ABI_PR_SET_CHILD_SUBREAPER:
		t->tg->child_subreaper = arg2 != 0;
		return 0;
	case ABI_PR_GET_CHILD_SUBREAPER:
		v = t->tg->child_subreaper;
		return put_int(t, arg2, v);
	case ABI_PR_SET_TIMERSLACK:
		/* 0 restores the default; the value is a full u64. */
		t->timer_slack_ns = arg2;
		return 0;
	case ABI_PR_GET_TIMERSLACK:
		return t->timer_slack_ns ? (long)t->timer_slack_ns
					 : DEFAULT_TIMER_SLACK_NS;
	case ABI_PR_GET_TID_ADDRESS:
		return mm_copy_out(t->mm, arg2, &t->clear_child_tid,
				   sizeof(t->clear_child_tid));
	case ABI_PR_GET_SECCOMP:
		return __atomic_load_n(&t->seccomp_mode, __ATOMIC_ACQUIRE);
	case ABI_PR_SET_SECCOMP:
		return set_seccomp(t, arg2, a[2]);
	case ABI_PR_GET_TIMING:
		return ABI_PR_TIMING_STATISTICAL;
	case ABI_PR_SET_TIMING:
		return arg2 == ABI_PR_TIMING_STATISTICAL ? 0 : -EINVAL;
	case ABI_PR_MCE_KILL:
	case ABI_PR_MCE_KILL_GET:
		return mce_kill(t, a);
	case ABI_PR_SET_MM:
		return set_mm(t, arg2, a[2], a[3], a[4]);
	case ABI_PR_CAPBSET_READ:
	case ABI_PR_CAPBSET_DROP:
	case ABI_PR_GET_SECUREBITS:
	case ABI_PR_GET_KEEPCAPS:
	case ABI_PR_SET_KEEPCAPS:
	case ABI_PR_CAP_AMBIENT:
		return cap_prctl(t, a);
	}
	return -EINVAL;
}

/* seccomp(2): the application's own filters (kernel/app_seccomp.c). */
SYSCALL(seccomp)
{
	return app_seccomp(t, (uint32_t)a[0], (uint32_t)a[1], a[2]);
}
