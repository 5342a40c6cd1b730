// SPDX-License-Identifier: Apache-2.0
/*
 * Scheduling attributes: nice values (getpriority, setpriority), policies
 * and priorities (the sched_* family), CPU affinity and getcpu
 * (kernel/sys.c, kernel/sched/syscalls.c, kernel/sys.c's getcpu), with
 * Linux's argument and permission checks.
 *
 * Deviation: the values are kept per task and reported back, but never
 * applied to the host: the application's threads run as the host
 * schedules the sandbox. The sandbox has one thread, so a process group
 * or a user names that thread or nothing.
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

static uint64_t rlimit_cur(struct task *t, int res)
{
	uint64_t v;

	pthread_mutex_lock(&t->tg->lock);
	v = t->tg->rlim[res].rlim_cur;
	pthread_mutex_unlock(&t->tg->lock);
	return v;
}

/* May t lower its nice value to nice (can_nice)? */
static bool can_nice(struct task *t, int nice)
{
	return (uint64_t)(20 - nice) <= rlimit_cur(t, ABI_RLIMIT_NICE) ||
	       creds_capable(&t->creds, CAP_SYS_NICE);
}

/* Does who (of which) name t? */
static bool prio_match(struct task *t, int which, int who)
{
	switch (which) {
	case PRIO_PROCESS:
		return who == 0 || who == t->tid;
	case PRIO_PGRP:
		/* The sandbox's one process group is its init's. */
		return who == 0 || who == t->tg->tgid;
	default:
		return (uint32_t)who == t->creds.ruid || who == 0;
	}
}

/* getpriority: 20 - nice of the one thread who names; ESRCH if none. */
SYSCALL(getpriority)
{
	int which = (int)a[0], who = (int)a[1];

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	if (!prio_match(t, which, who))
		return -ESRCH;
	return 20 - t->sched.nice;
}

/* setpriority: the nice value, clamped to -20..19 (set_one_prio). */
SYSCALL(setpriority)
{
	int which = (int)a[0], who = (int)a[1], nice = (int)a[2];

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	nice = clamp_t(int, nice, MIN_NICE, MAX_NICE);
	if (!prio_match(t, which, who))
		return -ESRCH;
	if (nice < t->sched.nice && !can_nice(t, nice))
		return -EACCES;
	t->sched.nice = nice;
	return 0;
}

/* find_process_by_pid: the caller only. */
static bool is_self(struct task *t, int pid)
{
	return pid == 0 || pid == t->tid;
}

/* user_check_sched_setscheduler: 0, or -EPERM without CAP_SYS_NICE. */
static int sched_check_perm(struct task *t, const struct sched_attr *attr,
			    int policy, bool reset_on_fork)
{
	const struct task_sched *s = &t->sched;
	bool priv = false;

	if (is_fair(policy) && attr->sched_nice < s->nice &&
	    !can_nice(t, attr->sched_nice))
		priv = true;
	if (is_rt(policy)) {
		uint64_t rlim = rlimit_cur(t, ABI_RLIMIT_RTPRIO);

		if ((uint32_t)policy != s->policy && !rlim)
			priv = true;
		if (attr->sched_priority > s->rt_priority &&
		    attr->sched_priority > rlim)
			priv = true;
	}
	if (policy == POLICY_DEADLINE)
		priv = true;
	if (s->policy == POLICY_IDLE && policy != POLICY_IDLE &&
	    !can_nice(t, s->nice))
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

/* __sched_setscheduler for the caller, from user space. */
static int do_sched_setattr(struct task *t, const struct sched_attr *attr)
{
	struct task_sched *s = &t->sched;
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
	err = sched_check_perm(t, attr, policy, reset_on_fork);
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

/* get_params: the current parameters into attr. */
static void get_params(struct task *t, struct sched_attr *attr)
{
	const struct task_sched *s = &t->sched;

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
	int prio;
	int err;

	if (!uparam || pid < 0)
		return -EINVAL;
	err = mm_copy_in(t->mm, &prio, uparam, sizeof(prio));
	if (err)
		return err;
	if (!is_self(t, pid))
		return -ESRCH;
	attr.sched_policy = (uint32_t)policy;
	attr.sched_priority = (uint32_t)prio;
	attr.sched_nice = t->sched.nice;
	if (policy != SETPARAM_POLICY && (policy & POLICY_RESET_ON_FORK)) {
		attr.sched_flags |= FLAG_RESET_ON_FORK;
		attr.sched_policy = (uint32_t)(policy & ~POLICY_RESET_ON_FORK);
	}
	/* Keep a custom slice that sched_setscheduler does not name. */
	attr.sched_runtime = t->sched.slice;
	return do_sched_setattr(t, &attr);
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
	int pid = (int)a[0];

	if (pid < 0)
		return -EINVAL;
	if (!is_self(t, pid))
		return -ESRCH;
	return t->sched.policy |
	       (t->sched.reset_on_fork ? POLICY_RESET_ON_FORK : 0);
}

SYSCALL(sched_getparam)
{
	int pid = (int)a[0], prio;

	if (!a[1] || pid < 0)
		return -EINVAL;
	if (!is_self(t, pid))
		return -ESRCH;
	prio = is_rt((int)t->sched.policy) ? (int)t->sched.rt_priority : 0;
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
	int pid = (int)a[0];
	struct abi_timespec ts = {0, 0};

	if (pid < 0)
		return -EINVAL;
	if (!is_self(t, pid))
		return -ESRCH;
	if (t->sched.policy == POLICY_RR)
		ts.tv_nsec = 100 * NSEC_PER_MSEC;
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
	int err;

	if (!a[1] || pid < 0 || (unsigned int)a[2])
		return -EINVAL;
	err = sched_copy_attr(t, a[1], &attr);
	if (err)
		return err;
	if ((int)attr.sched_policy < 0)
		return -EINVAL;
	if (attr.sched_flags & FLAG_KEEP_POLICY)
		attr.sched_policy = (uint32_t)SETPARAM_POLICY;
	if (!is_self(t, pid))
		return -ESRCH;
	if (attr.sched_flags & FLAG_KEEP_PARAMS)
		get_params(t, &attr);
	return do_sched_setattr(t, &attr);
}

SYSCALL(sched_getattr)
{
	static const uint8_t zero[64];
	struct sched_attr attr = {0};
	unsigned int usize = (unsigned int)a[2];
	int pid = (int)a[0];

	if (!a[1] || pid < 0 || usize > PAGE_SIZE || usize < ATTR_SIZE_VER0 ||
	    (unsigned int)a[3])
		return -EINVAL;
	if (!is_self(t, pid))
		return -ESRCH;
	attr.sched_policy = t->sched.policy;
	if (t->sched.reset_on_fork)
		attr.sched_flags |= FLAG_RESET_ON_FORK;
	get_params(t, &attr);
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

/* Is any bit of the task's own mask set? */
static bool affinity_set(const struct task_sched *s)
{
	for (size_t i = 0; i < sizeof(s->affinity); i++)
		if (s->affinity[i])
			return true;
	return false;
}

/*
 * sched_getaffinity: the sandbox's CPUs (the sentry's host mask), narrowed
 * by sched_setaffinity, with Linux's checks.
 */
SYSCALL(sched_getaffinity)
{
	uint8_t mask[sizeof(t->sched.affinity)];
	unsigned int len = (unsigned int)a[1];
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
	if (!is_self(t, (int)a[0]))
		return -ESRCH;
	if (affinity_set(&t->sched))
		for (long i = 0; i < n; i++)
			mask[i] &= t->sched.affinity[i];
	return mm_copy_out(t->mm, a[2], mask, (size_t)n) ?: n;
}

/*
 * sched_setaffinity: kept for sched_getaffinity and getcpu, never applied
 * to the host; a mask without any of the sandbox's CPUs is EINVAL.
 */
SYSCALL(sched_setaffinity)
{
	uint8_t host[sizeof(t->sched.affinity)];
	uint8_t mask[sizeof(t->sched.affinity)] = {0};
	unsigned int len = (unsigned int)a[1];
	bool any = false;
	long n, err;

	n = host_affinity(host, sizeof(host));
	if (n < 0)
		return n;
	err = mm_copy_in(t->mm, mask, a[2], min_t(unsigned int, len, n));
	if (err)
		return err;
	if (!is_self(t, (int)a[0]))
		return -ESRCH;
	for (long i = 0; i < n; i++) {
		mask[i] &= host[i];
		any |= mask[i] != 0;
	}
	if (!any)
		return -EINVAL;
	memcpy(t->sched.affinity, mask, sizeof(mask));
	return 0;
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
	const struct task_sched *s = &t->sched;
	int err = 0;

	if ((int)cpu < 0)
		cpu = 0;
	if (affinity_set(s) && (cpu >= 8 * sizeof(s->affinity) ||
				!(s->affinity[cpu / 8] & (1u << (cpu % 8))))) {
		for (cpu = 0; cpu < 8 * sizeof(s->affinity); cpu++)
			if (s->affinity[cpu / 8] & (1u << (cpu % 8)))
				break;
	}
	if (a[0])
		err = mm_copy_out(t->mm, a[0], &cpu, sizeof(cpu));
	if (a[1] && !err)
		err = mm_copy_out(t->mm, a[1], &node, sizeof(node));
	return err;
}
