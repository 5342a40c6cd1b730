// SPDX-License-Identifier: Apache-2.0
/*
 * clone, clone3, fork, vfork, wait4 and waitid (kernel/fork.c,
 * kernel/exit.c): the argument checks of Linux's, over the process tree of
 * sentry/kernel/task.c.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <string.h>

SYSCALL(fork)
{
	struct abi_clone_args args = {.exit_signal = ABI_SIGCHLD};

	return task_clone(t, &args, false);
}

SYSCALL(vfork)
{
	struct abi_clone_args args = {
	    .flags = ABI_CLONE_VFORK | ABI_CLONE_VM,
	    .exit_signal = ABI_SIGCHLD,
	};

	return task_clone(t, &args, false);
}

/* clone(flags, newsp, parent_tidptr, child_tidptr, tls) on x86-64. */
SYSCALL(clone)
{
	struct abi_clone_args args = {
	    .flags = a[0] & ~(uint64_t)ABI_CSIGNAL & 0xffffffffULL,
	    .pidfd = a[2],
	    .child_tid = a[3],
	    .parent_tid = a[2],
	    .exit_signal = a[0] & ABI_CSIGNAL,
	    .stack = a[1],
	    .tls = a[4],
	};

	/* The legacy call ignores CLONE_DETACHED. */
	args.flags &= ~(uint64_t)ABI_CLONE_DETACHED;
	return task_clone(t, &args, false);
}

/* copy_clone_args_from_user and clone3_args_valid, in their order. */
SYSCALL(clone3)
{
	struct abi_clone_args args = {0};
	uint64_t size = a[1];
	uint8_t rest[64];
	long err;

	if (size > PAGE_SIZE)
		return -E2BIG;
	if (size < ABI_CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	err =
	    mm_copy_in(t->mm, &args, a[0], min_t(uint64_t, size, sizeof(args)));
	if (err)
		return err;
	/* A newer struct: what we do not know must be zero. */
	for (uint64_t at = sizeof(args); at < size; at += sizeof(rest)) {
		size_t n = (size_t)min_t(uint64_t, size - at, sizeof(rest));

		err = mm_copy_in(t->mm, rest, a[0] + at, n);
		if (err)
			return err;
		for (size_t i = 0; i < n; i++)
			if (rest[i])
				return -E2BIG;
	}
	if (args.set_tid_size > 32)
		return -EINVAL;
	if (!args.set_tid && args.set_tid_size)
		return -EINVAL;
	if (args.set_tid && !args.set_tid_size)
		return -EINVAL;
	if ((args.exit_signal & ~(uint64_t)ABI_CSIGNAL) ||
	    args.exit_signal > ABI_NSIG)
		return -EINVAL;
	if ((args.flags & ABI_CLONE_INTO_CGROUP) &&
	    (args.cgroup > INT32_MAX || size < ABI_CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	if (args.flags &
	    ~(uint64_t)((0xffffffffULL & ~ABI_CSIGNAL) |
			ABI_CLONE_CLEAR_SIGHAND | ABI_CLONE_INTO_CGROUP))
		return -EINVAL;
	if (args.flags & (ABI_CLONE_DETACHED | ABI_CSIGNAL))
		return -EINVAL;
	if ((args.flags & (ABI_CLONE_SIGHAND | ABI_CLONE_CLEAR_SIGHAND)) ==
	    (ABI_CLONE_SIGHAND | ABI_CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((args.flags & (ABI_CLONE_THREAD | ABI_CLONE_PARENT)) &&
	    args.exit_signal)
		return -EINVAL;
	if (args.stack) {
		if (!args.stack_size ||
		    args.stack + args.stack_size < args.stack)
			return -EINVAL;
	} else if (args.stack_size) {
		return -EINVAL;
	}
	/* One pid namespace, no cgroups: there is nowhere else to go. */
	if (args.set_tid || (args.flags & ABI_CLONE_INTO_CGROUP))
		return -EINVAL;
	return task_clone(t, &args, true);
}

/* ---- wait --------------------------------------------------------------- */

/*
 * The rusage of a reaped child and its own reaped children: CPU time (all
 * of it user time, as getrusage's) and peak RSS; the counters are 0.
 */
static int put_rusage(struct task *t, uint64_t addr,
		      const struct wait_result *res)
{
	struct abi_rusage ru;

	if (!addr)
		return 0;
	memset(&ru, 0, sizeof(ru));
	ru.ru_utime.tv_sec = res->cpu.tv_sec;
	ru.ru_utime.tv_usec = res->cpu.tv_nsec / 1000;
	ru.ru_maxrss = (int64_t)(res->maxrss >> 10);
	return mm_copy_out(t->mm, addr, &ru, sizeof(ru));
}

/* wait4(pid, status, options, rusage): kernel_wait4's checks. */
SYSCALL(wait4)
{
	int pid = (int)a[0], options = (int)a[2], idtype, id = 0;
	struct wait_result res;
	long ret;

	if (options & ~(ABI_WNOHANG | ABI_WUNTRACED | ABI_WCONTINUED |
			ABI___WNOTHREAD | ABI___WCLONE | ABI___WALL))
		return -EINVAL;
	/* -INT_MIN is undefined: Linux refuses it. */
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid == -1) {
		idtype = ABI_P_ALL;
	} else if (pid < 0) {
		idtype = ABI_P_PGID;
		id = -pid;
	} else if (pid == 0) {
		idtype = ABI_P_PGID;
		id = t->tg->pgid;
	} else {
		idtype = ABI_P_PID;
		id = pid;
	}
	ret = task_do_wait(t, idtype, id, NULL, options | ABI_WEXITED, &res);
	if (ret <= 0)
		return ret;
	if (a[1]) {
		int32_t st = res.status;
		int err = mm_copy_out(t->mm, a[1], &st, sizeof(st));

		if (err)
			return err;
	}
	if (put_rusage(t, a[3], &res))
		return -EFAULT;
	return ret;
}

/* waitid(idtype, id, infop, options, rusage) */
SYSCALL(waitid)
{
	int idtype = (int)a[0], id = (int)a[1], options = (int)a[3];
	struct thread_group *pidfd_tg = NULL;
	struct wait_result res;
	long ret;

	if (options &
	    ~(ABI_WNOHANG | ABI_WNOWAIT | ABI_WEXITED | ABI_WSTOPPED |
	      ABI_WCONTINUED | ABI___WNOTHREAD | ABI___WCLONE | ABI___WALL))
		return -EINVAL;
	if (!(options & (ABI_WEXITED | ABI_WSTOPPED | ABI_WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case ABI_P_ALL:
		break;
	case ABI_P_PID:
		if (id <= 0)
			return -EINVAL;
		break;
	case ABI_P_PGID:
		if (id < 0)
			return -EINVAL;
		if (id == 0)
			id = t->tg->pgid;
		break;
	case ABI_P_PIDFD: {
		uint32_t fl = 0;

		if (id < 0)
			return -EINVAL;
		pidfd_tg = pidfd_get_tg(t, id, &fl);
		if (IS_ERR(pidfd_tg))
			return PTR_ERR(pidfd_tg);
		if (fl & ABI_O_NONBLOCK)
			options |= ABI_WNOHANG;
		break;
	}
	default:
		return -EINVAL;
	}
	ret = task_do_wait(t, idtype, id, pidfd_tg, options, &res);
	if (pidfd_tg)
		tg_put(pidfd_tg);
	/* A pidfd opened O_NONBLOCK: nothing yet is EAGAIN. */
	if (ret == 0 && idtype == ABI_P_PIDFD && !(a[3] & ABI_WNOHANG))
		ret = -EAGAIN;
	if (ret < 0)
		return ret;
	if (a[2]) {
		struct abi_siginfo info;
		int err;

		/*
		 * Only the fields Linux writes: signo, errno and code, then
		 * pid, uid and status; zero when WNOHANG found nothing.
		 */
		memset(&info, 0, sizeof(info));
		if (ret > 0) {
			info.si_signo = ABI_SIGCHLD;
			info.si_code = res.code;
			info.child.pid = res.pid;
			info.child.uid = res.uid;
			info.child.status = res.si_status;
		}
		err = mm_copy_out(t->mm, a[2], &info, 12);
		if (!err)
			err = mm_copy_out(t->mm, a[2] + 16, &info.child, 12);
		if (err)
			return err;
	}
	if (ret > 0 && put_rusage(t, a[4], &res))
		return -EFAULT;
	return 0;
}
