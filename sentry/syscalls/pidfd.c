// SPDX-License-Identifier: Apache-2.0
/*
 * pidfds (kernel/pid.c, kernel/signal.c): a file that names a process.
 * pidfd_open and CLONE_PIDFD make one; it polls readable once the process
 * has exited; pidfd_send_signal signals it, pidfd_getfd copies one of its
 * fds, waitid(P_PIDFD) waits for it. Reading or writing one is EINVAL.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POLLIN	   0x001
#define POLLRDNORM 0x040

struct pidfd {
	struct file f;
	struct thread_group *tg; /* a reference */
};

static struct pidfd *to_pidfd(struct file *f)
{
	return container_of(f, struct pidfd, f);
}

static ssize_t pidfd_rw(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	(void)f;
	(void)t;
	(void)iov;
	(void)iovcnt;
	(void)pos;
	return -EINVAL;
}

/* Readable once every thread has exited (a zombie, or reaped). */
static unsigned pidfd_poll(struct file *f, unsigned events)
{
	struct thread_group *tg = to_pidfd(f)->tg;
	unsigned mask = 0;

	if (__atomic_load_n(&tg->state, __ATOMIC_ACQUIRE) != TG_ALIVE)
		mask = POLLIN | POLLRDNORM;
	return mask & events;
}

static void pidfd_release(struct file *f)
{
	struct pidfd *p = to_pidfd(f);

	tg_put(p->tg);
	free(p);
}

static const struct file_ops pidfd_ops = {
    .read = pidfd_rw,
    .write = pidfd_rw,
    .poll = pidfd_poll,
    .llseek = noop_llseek,
    .stat = anon_file_stat,
    .release = pidfd_release,
    .anon_name = "[pidfd]",
};

long pidfd_create(struct task *t, struct thread_group *tg, uint32_t flags)
{
	struct pidfd *p = calloc(1, sizeof(*p));
	long fd;

	if (!p)
		return -ENOMEM;
	file_init(&p->f, &pidfd_ops, ABI_O_RDWR | (flags & ABI_O_NONBLOCK));
	p->f.stream = true;
	tg_get(tg);
	p->tg = tg;
	fd = fd_alloc(t->files, &p->f, true, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(&p->f);
	return fd;
}

struct thread_group *pidfd_get_tg(struct task *t, int fd, uint32_t *flags)
{
	struct file *f = fd_get(t->files, fd);
	struct thread_group *tg = NULL;

	if (!f)
		return ERR_PTR(-EBADF);
	if (f->ops == &pidfd_ops) {
		tg = to_pidfd(f)->tg;
		tg_get(tg);
		if (flags)
			*flags = f->flags;
	}
	file_put(f);
	return tg ? tg : ERR_PTR(-EBADF);
}

/* pidfd_open(pid, flags): a thread group's leader, alive or a zombie. */
SYSCALL(pidfd_open)
{
	int pid = (int)a[0];
	uint32_t flags = (uint32_t)a[1];
	struct thread_group *tg;
	long ret;

	if (flags & ~(uint32_t)ABI_O_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	pthread_mutex_lock(&t->k->lock);
	tg = tg_lookup_locked(t->k, pid);
	if (tg)
		tg_get(tg);
	else if (task_lookup_locked(t->k, pid))
		ret = -EINVAL; /* a thread, not a thread group */
	else
		ret = -ESRCH;
	pthread_mutex_unlock(&t->k->lock);
	if (!tg)
		return ret;
	ret = pidfd_create(t, tg, flags);
	tg_put(tg);
	return ret;
}

/* pidfd_send_signal(pidfd, sig, info, flags) */
SYSCALL(pidfd_send_signal)
{
	int sig = (int)a[1];
	struct thread_group *tg;
	struct abi_siginfo info;
	long ret;

	if (a[3])
		return -EINVAL;
	tg = pidfd_get_tg(t, (int)a[0], NULL);
	if (IS_ERR(tg))
		return PTR_ERR(tg);
	ret = -EINVAL;
	if (sig < 0 || sig > ABI_NSIG)
		goto out;
	if (a[2]) {
		ret = mm_copy_in(t->mm, &info, a[2], sizeof(info));
		if (ret)
			goto out;
		ret = -EINVAL;
		if (info.si_signo != sig)
			goto out;
		/* Only the kernel's codes are refused, for others. */
		ret = -EPERM;
		if (tg != t->tg &&
		    (info.si_code >= 0 || info.si_code == ABI_SI_TKILL))
			goto out;
	} else {
		memset(&info, 0, sizeof(info));
		info.si_signo = sig;
		info.si_code = ABI_SI_USER;
		info.kill.pid = t->tg->tgid;
		info.kill.uid = t->creds.ruid;
	}
	ret = -ESRCH;
	if (__atomic_load_n(&tg->state, __ATOMIC_ACQUIRE) == TG_DEAD)
		goto out;
	ret = -EPERM;
	if (!signal_may_send(t, tg, sig))
		goto out;
	ret = 0;
	if (sig == 0)
		goto out;
	ret = signal_send_tg(tg, &info);
out:
	tg_put(tg);
	return ret;
}

/*
 * __ptrace_may_access with real credentials: the caller's real uid and gid
 * are all of the target's, and the target is dumpable; or CAP_SYS_PTRACE.
 */
static bool ptrace_may_access(struct task *t, struct thread_group *tg)
{
	const struct creds *c = &t->creds, *tc;
	bool ok;

	if (tg == t->tg || creds_capable(c, ABI_CAP_SYS_PTRACE))
		return true;
	pthread_mutex_lock(&tg->lock);
	tc = tg->leader ? &tg->leader->creds : NULL;
	ok = tc && !tg->not_dumpable && c->ruid == tc->ruid &&
	     c->ruid == tc->euid && c->ruid == tc->suid &&
	     c->rgid == tc->rgid && c->rgid == tc->egid && c->rgid == tc->sgid;
	pthread_mutex_unlock(&tg->lock);
	return ok;
}

/*
 * pidfd_getfd(pidfd, targetfd, flags): a copy of the process's fd, close
 * on exec, for a caller that may ptrace it.
 */
SYSCALL(pidfd_getfd)
{
	struct thread_group *tg;
	struct fdtable *files = NULL;
	struct file *f = NULL;
	long ret;

	if (a[2])
		return -EINVAL;
	tg = pidfd_get_tg(t, (int)a[0], NULL);
	if (IS_ERR(tg))
		return PTR_ERR(tg);
	pthread_mutex_lock(&tg->lock);
	if (tg->leader && tg->leader->files) {
		files = tg->leader->files;
		__atomic_add_fetch(&files->refs, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&tg->lock);
	ret = -ESRCH;
	if (!files)
		goto out;
	ret = -EPERM;
	if (!ptrace_may_access(t, tg))
		goto out;
	f = fd_get(files, (int)a[1]);
	ret = -EBADF;
	if (!f)
		goto out;
	ret = fd_alloc(t->files, f, true, 0,
		       t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
out:
	if (f)
		file_put(f);
	fdtable_put(files);
	tg_put(tg);
	return ret;
}
