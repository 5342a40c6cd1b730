// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling attributes: nice values (getpriority, setpriority), policies
 * and priorities (the sched_* family), CPU affinity and getcpu
 * (kernel/sys.c, kernel/sched/syscalls.c, kernel/sys.c's getcpu), with
 * Linux's argument and permission checks.
 *
 * Any task of the sandbox may be named, with Linux's permission rules:
 * changing another user's task, or raising a priority beyond what
 * RLIMIT_NICE and RLIMIT_RTPRIO allow, needs CAP_SYS_NICE. A task's
 * attributes are under its thread group's lock, as other tasks read and
 * change them.
 *
 * Deviation: the values are kept per task and reported back, but never
 * applied to the host: the application's threads run as the host
 * schedules the sandbox.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PRIO_PROCESS 0
#define PRIO_PGRP    1
#define PRIO_USER    2

#define MIN_NICE -20
#define MAX_NICE 19

#define POLICY_NORMAL	     0
#define POLICY_FIFO	     1
#define POLICY_RR	     2
#define POLICY_BATCH	     3
#define POLICY_IDLE	     5
#define POLICY_DEADLINE	     6
#define POLICY_EXT	     7 /* sched_ext: fair until a BPF scheduler */
#define POLICY_RESET_ON_FORK 0x40000000
#define SETPARAM_POLICY	     -1

#define FLAG_RESET_ON_FORK 0x01
#define FLAG_KEEP_POLICY   0x08
#define FLAG_KEEP_PARAMS   0x10
#define FLAG_UTIL_CLAMP	   0x60
#define FLAG_ALL	   0x7f
#define FLAG_SUGOV	   0x10000000

#define MAX_RT_PRIO  100
#define CAP_SYS_NICE 23

#define ATTR_SIZE_VER0 48
#define ATTR_SIZE_VER1 56

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL

/* struct sched_attr (VER1). */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

_Static_assert(sizeof(struct sched_attr) == ATTR_SIZE_VER1, "sched_attr");

static bool is_fair(int policy)
{
	return policy == POLICY_NORMAL || policy == POLICY_BATCH ||
	       policy == POLICY_IDLE || policy == POLICY_EXT;
}

static bool is_rt(int policy)
{
	return policy == POLICY_FIFO || policy == POLICY_RR;
}

static bool valid_policy(int policy)
{
	return is_fair(policy) || is_rt(policy) || policy == POLICY_DEADLINE;
}

/* is_nice_reduction: does p's RLIMIT_NICE let it go down to nice? */
static bool nice_in_rlimit(const struct task *p, int nice)
{
	return (uint64_t)(20 - nice) <= p->tg->rlim[ABI_RLIMIT_NICE].rlim_cur;
}

/* can_nice: may t lower p's nice value to nice? (p's tg->lock held) */
static bool can_nice_locked(struct task *t, const struct task *p, int nice)
{
	return nice_in_rlimit(p, nice) ||
	       creds_capable(&t->creds, CAP_SYS_NICE);
}

/*
 * check_same_owner: is t's effective uid p's real or effective one?
 * (p's tg->lock held: p's ids are read as another task reads them)
 */
static bool same_owner_locked(struct task *t, const struct task *p)
{
	return t->creds.euid == p->creds.euid || t->creds.euid == p->creds.ruid;
}

/*
 * The task a pid names (0: t) with references (task_find_put), or
 * ERR_PTR(-ESRCH): find_process_by_pid.
 */
static struct task *find_process(struct task *t, int pid)
{
	struct task *p = task_find_get(t, pid);

	return p ? p : ERR_PTR(-ESRCH);
}

/* ---- nice values (kernel/sys.c) ---- */

/*
 * set_one_prio for t on p (p's tg->lock held): another user's task needs
 * CAP_SYS_NICE (EPERM), a lower nice value p's RLIMIT_NICE or CAP_SYS_NICE
 * (EACCES). err is the result so far: -ESRCH until a task was found.
 */
static long set_one_prio_locked(struct task *t, struct task *p, int nice,
				long err)
{
	if (!same_owner_locked(t, p) && !creds_capable(&t->creds, CAP_SYS_NICE))
		return -EPERM;
	if (nice < p->sched.nice && !can_nice_locked(t, p, nice))
		return -EACCES;
	p->sched.nice = nice;
	return err == -ESRCH ? 0 : err;
}

/* One task for prio_each (p's tg->lock held): ret so far, and after. */
static long prio_one_locked(struct task *t, struct task *p, bool set, int nice,
			    long ret)
{
	if (set)
		return set_one_prio_locked(t, p, nice, ret);
	return max_t(long, ret, 20 - p->sched.nice);
}

/*
 * A leader of tg that exited while the group lives on (or is a zombie):
 * pids still name it, and the kernel's walks of a group visit it (k->lock
 * held). NULL if it is among the live threads.
 */
static struct task *exited_leader_locked(struct thread_group *tg)
{
	for (struct task *o = tg->threads; o; o = o->next_thread)
		if (o == tg->leader)
			return NULL;
	return tg->leader;
}

/*
 * getpriority and setpriority on each task which and who name, as the
 * kernel visits them: set each one's nice value (set), or the greatest
 * 20 - nice of them (get); -ESRCH if none.
 */
static long prio_each(struct task *t, int which, int who, bool set, int nice)
{
	struct kernel *k = t->k;
	long ret = -ESRCH;
	struct task *p;
	uint32_t uid;
	int pgid;

	pthread_mutex_lock(&k->lock);
	if (which == PRIO_PROCESS) {
		p = who ? task_find_locked(k, who) : t;
		if (p) {
			pthread_mutex_lock(&p->tg->lock);
			ret = prio_one_locked(t, p, set, nice, ret);
			pthread_mutex_unlock(&p->tg->lock);
		}
		pthread_mutex_unlock(&k->lock);
		return ret;
	}
	/* who 0: the caller's own process group, or its real uid. */
	pgid = who ? who : t->tg->pgid;
	uid = who ? (uint32_t)who : t->creds.ruid;
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		if (which == PRIO_PGRP && tg->pgid != pgid)
			continue;
		p = exited_leader_locked(tg);
		pthread_mutex_lock(&tg->lock);
		/* PRIO_USER: the tasks whose real uid it is. */
		if (p && (which == PRIO_PGRP || p->creds.ruid == uid))
			ret = prio_one_locked(t, p, set, nice, ret);
		for (p = tg->threads; p; p = p->next_thread)
			if (which == PRIO_PGRP || p->creds.ruid == uid)
				ret = prio_one_locked(t, p, set, nice, ret);
		pthread_mutex_unlock(&tg->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

/* getpriority: 20 - the least nice value of the tasks who names. */
SYSCALL(getpriority)
{
	int which = (int)a[0], who = (int)a[1];

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	return prio_each(t, which, who, false, 0);
}

/*
 * setpriority: the nice value, clamped to -20..19, for each task who
 * names; the last failure (EPERM, EACCES) if any task's failed.
 */
SYSCALL(setpriority)
{
	int which = (int)a[0], who = (int)a[1], nice = (int)a[2];

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	nice = clamp_t(int, nice, MIN_NICE, MAX_NICE);
	return prio_each(t, which, who, true, nice);
}

/* ---- policies and priorities (kernel/sched/syscalls.c) ---- */

/*
 * user_check_sched_setscheduler: 0, or -EPERM without CAP_SYS_NICE (p's
 * tg->lock held; its limits are p's own).
 */
static int sched_check_perm_locked(struct task *t, const struct task *p,
				   const struct sched_attr *attr, int policy,
				   bool reset_on_fork)
{
	const struct task_sched *s = &p->sched;
	bool priv = false;

	if (is_fair(policy) && attr->sched_nice < s->nice &&
	    !nice_in_rlimit(p, attr->sched_nice))
		priv = true;
	if (is_rt(policy)) {
		uint64_t rlim = p->tg->rlim[ABI_RLIMIT_RTPRIO].rlim_cur;

		if ((uint32_t)policy != s->policy && !rlim)
			priv = true;
		if (attr->sched_priority > s->rt_priority &&
		    attr->sched_priority > rlim)
			priv = true;
	}
	if (policy == POLICY_DEADLINE)
		priv = true;
	if (s->policy == POLICY_IDLE && policy != POLICY_IDLE &&
	    !nice_in_rlimit(p, s->nice))
		priv = true;
	/* Another user's task. */
	if (!same_owner_locked(t, p))
		priv = true;
	if (s->reset_on_fork && !reset_on_fork)
		priv = true;
	if (priv && !creds_capable(&t->creds, CAP_SYS_NICE))
		return -EPERM;
	return 0;
}

/* __checkparam_dl with the default period bounds (100 us .. 4.19 s). */
static bool dl_params_ok(const struct sched_attr *attr)
{
	uint64_t period = attr->sched_period;

	if (attr->sched_flags & FLAG_SUGOV)
		return true;
	if (attr->sched_deadline == 0 || attr->sched_runtime < (1ULL << 10))
		return false;
	if ((attr->sched_deadline | attr->sched_period) & (1ULL << 63))
		return false;
	if (!period)
		period = attr->sched_deadline;
	if (period < attr->sched_deadline ||
	    attr->sched_deadline < attr->sched_runtime)
		return false;
	return period >= 100 * NSEC_PER_USEC &&
	       period <= (1ULL << 22) * NSEC_PER_USEC;
}

/* __sched_setscheduler from user space, by t on p (p's tg->lock held). */
static int do_sched_setattr_locked(struct task *t, struct task *p,
				   const struct sched_attr *attr)
{
	struct task_sched *s = &p->sched;
	int policy = (int)attr->sched_policy;
	bool reset_on_fork;
	int err;

	if (policy < 0) {
		reset_on_fork = s->reset_on_fork;
		policy = (int)s->policy;
	} else {
		reset_on_fork = attr->sched_flags & FLAG_RESET_ON_FORK;
		if (!valid_policy(policy))
			return -EINVAL;
	}
	if (attr->sched_flags & ~(uint64_t)(FLAG_ALL | FLAG_SUGOV))
		return -EINVAL;
	if (attr->sched_priority > MAX_RT_PRIO - 1)
		return -EINVAL;
	if ((policy == POLICY_DEADLINE && !dl_params_ok(attr)) ||
	    is_rt(policy) != (attr->sched_priority != 0))
		return -EINVAL;
	err = sched_check_perm_locked(t, p, attr, policy, reset_on_fork);
	if (err)
		return err;
	/* Without utilization clamping (CONFIG_UCLAMP_TASK), as most hosts. */
	if (attr->sched_flags & FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;
	s->policy = (uint32_t)policy;
	s->reset_on_fork = reset_on_fork;
	s->rt_priority = attr->sched_priority;
	if (policy == POLICY_DEADLINE) {
		s->dl_runtime = attr->sched_runtime;
		s->dl_deadline = attr->sched_deadline;
		s->dl_period = attr->sched_period;
	} else if (is_fair(policy)) {
		s->nice = attr->sched_nice;
		/* A custom slice, clamped to 0.1 .. 100 ms. */
		s->slice =
		    attr->sched_runtime
			? clamp_t(uint64_t, attr->sched_runtime,
				  NSEC_PER_MSEC / 10, NSEC_PER_MSEC * 100)
			: 0;
	}
	return 0;
}

/* get_params: p's current parameters into attr (p's tg->lock held). */
static void get_params_locked(const struct task *p, struct sched_attr *attr)
{
	const struct task_sched *s = &p->sched;

	if (s->policy == POLICY_DEADLINE) {
		attr->sched_runtime = s->dl_runtime;
		attr->sched_deadline = s->dl_deadline;
		attr->sched_period = s->dl_period;
	} else if (is_rt((int)s->policy)) {
		attr->sched_priority = s->rt_priority;
	} else {
		attr->sched_nice = s->nice;
		attr->sched_runtime = s->slice;
	}
}

/* sched_setscheduler and sched_setparam (policy SETPARAM_POLICY). */
static long do_sched_setscheduler(struct task *t, int pid, int policy,
				  uint64_t uparam)
{
	struct sched_attr attr = {0};
	struct task *p;
	int prio;
	long err;

	if (!uparam || pid < 0)
		return -EINVAL;
	err = mm_copy_in(t->mm, &prio, uparam, sizeof(prio));
	if (err)
		return err;
	p = find_process(t, pid);
	if (IS_ERR(p))
		return PTR_ERR(p);
	attr.sched_policy = (uint32_t)policy;
	attr.sched_priority = (uint32_t)prio;
	if (policy != SETPARAM_POLICY && (policy & POLICY_RESET_ON_FORK)) {
		attr.sched_flags |= FLAG_RESET_ON_FORK;
		attr.sched_policy = (uint32_t)(policy & ~POLICY_RESET_ON_FORK);
	}
	pthread_mutex_lock(&p->tg->lock);
	attr.sched_nice = p->sched.nice;
	/* Keep a custom slice that sched_setscheduler does not name. */
	attr.sched_runtime = p->sched.slice;
	err = do_sched_setattr_locked(t, p, &attr);
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return err;
}

SYSCALL(sched_setscheduler)
{
	if ((int)a[1] < 0)
		return -EINVAL;
	return do_sched_setscheduler(t, (int)a[0], (int)a[1], a[2]);
}

SYSCALL(sched_setparam)
{
	return do_sched_setscheduler(t, (int)a[0], SETPARAM_POLICY, a[1]);
}

SYSCALL(sched_getscheduler)
{
	struct task *p;
	long ret;

	if ((int)a[0] < 0)
		return -EINVAL;
	p = find_process(t, (int)a[0]);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	ret = p->sched.policy |
	      (p->sched.reset_on_fork ? POLICY_RESET_ON_FORK : 0);
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return ret;
}

SYSCALL(sched_getparam)
{
	struct task *p;
	int prio;

	if (!a[1] || (int)a[0] < 0)
		return -EINVAL;
	p = find_process(t, (int)a[0]);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	prio = is_rt((int)p->sched.policy) ? (int)p->sched.rt_priority : 0;
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return mm_copy_out(t->mm, a[1], &prio, sizeof(prio));
}

SYSCALL(sched_get_priority_max)
{
	int policy = (int)a[0];

	if (is_rt(policy))
		return MAX_RT_PRIO - 1;
	return valid_policy(policy) ? 0 : -EINVAL;
}

SYSCALL(sched_get_priority_min)
{
	int policy = (int)a[0];

	if (is_rt(policy))
		return 1;
	return valid_policy(policy) ? 0 : -EINVAL;
}

/*
 * sched_rr_get_interval: RR's 100 ms time slice; 0 for FIFO and, as on a
 * host whose fair slice is below one tick, for the fair policies.
 */
SYSCALL(sched_rr_get_interval)
{
	struct abi_timespec ts = {0, 0};
	struct task *p;

	if ((int)a[0] < 0)
		return -EINVAL;
	p = find_process(t, (int)a[0]);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	if (p->sched.policy == POLICY_RR)
		ts.tv_nsec = 100 * NSEC_PER_MSEC;
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

/* sched_copy_attr: the user's struct, of any size, or -E2BIG/-EFAULT. */
static int sched_copy_attr(struct task *t, uint64_t uattr,
			   struct sched_attr *attr)
{
	uint32_t size, big = sizeof(*attr);
	uint8_t tail[64];
	int err;

	memset(attr, 0, sizeof(*attr));
	err = mm_copy_in(t->mm, &size, uattr, sizeof(size));
	if (err)
		return err;
	if (!size)
		size = ATTR_SIZE_VER0;
	if (size < ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto e2big;
	/* Bytes past what the kernel knows must be zero. */
	for (uint32_t off = sizeof(*attr); off < size; off += sizeof(tail)) {
		uint32_t n = min_t(uint32_t, sizeof(tail), size - off);

		err = mm_copy_in(t->mm, tail, uattr + off, n);
		if (err)
			return err;
		for (uint32_t i = 0; i < n; i++)
			if (tail[i])
				goto e2big;
	}
	err = mm_copy_in(t->mm, attr, uattr,
			 min_t(uint32_t, size, sizeof(*attr)));
	if (err)
		return err;
	if ((attr->sched_flags & FLAG_UTIL_CLAMP) && size < ATTR_SIZE_VER1)
		return -EINVAL;
	attr->sched_nice =
	    clamp_t(int32_t, attr->sched_nice, MIN_NICE, MAX_NICE);
	return 0;
e2big:
	return mm_copy_out(t->mm, uattr, &big, sizeof(big)) ?: -E2BIG;
}

SYSCALL(sched_setattr)
{
	struct sched_attr attr;
	int pid = (int)a[0];
	struct task *p;
	long err;

	if (!a[1] || pid < 0 || (unsigned int)a[2])
		return -EINVAL;
	err = sched_copy_attr(t, a[1], &attr);
	if (err)
		return err;
	if ((int)attr.sched_policy < 0)
		return -EINVAL;
	if (attr.sched_flags & FLAG_KEEP_POLICY)
		attr.sched_policy = (uint32_t)SETPARAM_POLICY;
	p = find_process(t, pid);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	if (attr.sched_flags & FLAG_KEEP_PARAMS)
		get_params_locked(p, &attr);
	err = do_sched_setattr_locked(t, p, &attr);
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return err;
}

SYSCALL(sched_getattr)
{
	static const uint8_t zero[64];
	struct sched_attr attr = {0};
	unsigned int usize = (unsigned int)a[2];
	int pid = (int)a[0];
	struct task *p;

	if (!a[1] || pid < 0 || usize > PAGE_SIZE || usize < ATTR_SIZE_VER0 ||
	    (unsigned int)a[3])
		return -EINVAL;
	p = find_process(t, pid);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	attr.sched_policy = p->sched.policy;
	if (p->sched.reset_on_fork)
		attr.sched_flags |= FLAG_RESET_ON_FORK;
	get_params_locked(p, &attr);
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	if (!user_access_ok(a[1], usize))
		return -EFAULT;
	attr.size = min_t(uint32_t, usize, sizeof(attr));
	/* copy_struct_to_user: a larger buffer's tail is zeroed. */
	for (uint32_t off = sizeof(attr); off < usize; off += sizeof(zero)) {
		int err =
		    mm_copy_out(t->mm, a[1] + off, zero,
				min_t(uint32_t, sizeof(zero), usize - off));

		if (err)
			return err;
	}
	return mm_copy_out(t->mm, a[1], &attr, attr.size);
}

/* The bytes of the host's mask for the sandbox (cpumask_size), or -errno. */
static long host_affinity(uint8_t *mask, size_t len)
{
	long n = syscall(SYS_sched_getaffinity, 0, len, mask);

	return n < 0 ? -errno : n;
}

/* The bytes of a task's own affinity mask. */
#define AFFINITY_BYTES sizeof(((struct task_sched *)NULL)->affinity)

/* Is any bit of a task's own mask set? */
static bool affinity_set(const uint8_t *mask)
{
	for (size_t i = 0; i < AFFINITY_BYTES; i++)
		if (mask[i])
			return true;
	return false;
}

/*
 * sched_getaffinity: the sandbox's CPUs (the sentry's host mask), narrowed
 * by sched_setaffinity, with Linux's checks.
 */
SYSCALL(sched_getaffinity)
{
	uint8_t mask[AFFINITY_BYTES];
	unsigned int len = (unsigned int)a[1];
	struct task *p;
	long n;

	/*
	 * The length first: a multiple of sizeof(long) here, since the host
	 * only sees it capped; large enough for every CPU, by the host.
	 */
	if (len % sizeof(long))
		return -EINVAL;
	n = host_affinity(mask, min_t(unsigned int, len, sizeof(mask)));
	if (n < 0)
		return n;
	p = find_process(t, (int)a[0]);
	if (IS_ERR(p))
		return PTR_ERR(p);
	pthread_mutex_lock(&p->tg->lock);
	if (affinity_set(p->sched.affinity))
		for (long i = 0; i < n; i++)
			mask[i] &= p->sched.affinity[i];
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return mm_copy_out(t->mm, a[2], mask, (size_t)n) ?: n;
}

/*
 * sched_setaffinity: kept for sched_getaffinity and getcpu, never applied
 * to the host. Another user's task needs CAP_SYS_NICE (EPERM); a mask
 * without any of the sandbox's CPUs is EINVAL.
 */
SYSCALL(sched_setaffinity)
{
	uint8_t host[AFFINITY_BYTES];
	uint8_t mask[AFFINITY_BYTES] = {0};
	unsigned int len = (unsigned int)a[1];
	struct task *p;
	bool any = false;
	long n, err;

	n = host_affinity(host, sizeof(host));
	if (n < 0)
		return n;
	err = mm_copy_in(t->mm, mask, a[2], min_t(unsigned int, len, n));
	if (err)
		return err;
	p = find_process(t, (int)a[0]);
	if (IS_ERR(p))
		return PTR_ERR(p);
	for (long i = 0; i < n; i++) {
		mask[i] &= host[i];
		any |= mask[i] != 0;
	}
	pthread_mutex_lock(&p->tg->lock);
	if (!same_owner_locked(t, p) && !creds_capable(&t->creds, CAP_SYS_NICE))
		err = -EPERM;
	else if (!any)
		err = -EINVAL;
	else
		memcpy(p->sched.affinity, mask, sizeof(mask));
	pthread_mutex_unlock(&p->tg->lock);
	task_find_put(p);
	return err;
}

SYSCALL(sched_yield)
{
	sched_yield();
	return 0;
}

/*
 * getcpu: the host CPU the task's sentry thread runs on, which shares the
 * machine with the application's stub, or the task's first allowed CPU if
 * that one is outside its mask; node 0.
 */
SYSCALL(getcpu)
{
	uint32_t cpu = (uint32_t)sched_getcpu(), node = 0;
	uint8_t mask[AFFINITY_BYTES];
	int err = 0;

	pthread_mutex_lock(&t->tg->lock);
	memcpy(mask, t->sched.affinity, sizeof(mask));
	pthread_mutex_unlock(&t->tg->lock);
	if ((int)cpu < 0)
		cpu = 0;
	if (affinity_set(mask) &&
	    (cpu >= 8 * sizeof(mask) || !(mask[cpu / 8] & (1u << (cpu % 8))))) {
		for (cpu = 0; cpu < 8 * sizeof(mask); cpu++)
			if (mask[cpu / 8] & (1u << (cpu % 8)))
				break;
	}
	if (a[0])
		err = mm_copy_out(t->mm, a[0], &cpu, sizeof(cpu));
	if (a[1] && !err)
		err = mm_copy_out(t->mm, a[1], &node, sizeof(node));
	return err;
}
