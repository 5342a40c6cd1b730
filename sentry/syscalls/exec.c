// SPDX-License-Identifier: Apache-2.0
/*
 * execve and execveat (fs/exec.c): the arguments are copied in with
 * Linux's limits, the new image is loaded into a fresh address space, and
 * only once that worked does the old one go (there is no point of no
 * return before it: a failed exec returns its error to the old image).
 * Then what exec resets is reset: close-on-exec fds, handled signals,
 * the alternate stack, POSIX timers, the robust list.
 *
 * In a multi-threaded process the other threads end first, and the caller
 * takes the process's id (de_thread).
 */
#include "sentry/kernel/task.h"

#include "platform/platform.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define ARG_MAX	       (32 * PAGE_SIZE)
#define STK_LIM	       (8UL << 20)

struct strv {
	char **v;
	size_t n;
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/*
 * Copy a NULL-terminated array of strings in; *room is what the strings
 * (with their NULs) may still take: E2BIG past it.
 */
static int copy_strv(struct task *t, uint64_t uptr, struct strv *s,
		     uint64_t *room)
{
	char *buf;
	int err = 0;

	s->v = calloc(1, sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	if (!uptr)
		return 0;
	buf = malloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		uint64_t p;
		long len;
		char **more;

		err = mm_copy_in(t->mm, &p, uptr + s->n * sizeof(p), sizeof(p));
		if (err || !p)
			break;
		len = mm_copy_string_in(t->mm, buf, p, MAX_ARG_STRLEN);
		if (len < 0) {
			err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		if ((uint64_t)len + 1 + sizeof(p) > *room) {
			err = -E2BIG;
			break;
		}
		*room -= (uint64_t)len + 1 + sizeof(p);
		more = realloc(s->v, (s->n + 2) * sizeof(*s->v));
		if (!more) {
			err = -ENOMEM;
			break;
		}
		s->v = more;
		s->v[s->n] = strndup(buf, (size_t)len);
		if (!s->v[s->n]) {
			err = -ENOMEM;
			break;
		}
		s->v[++s->n] = NULL;
		if (task_interrupted(t)) {
			err = -ERESTARTNOHAND; /* a huge argv: killable */
			break;
		}
	}
	free(buf);
	return err;
}

/* bprm_stack_limits: a quarter of the stack limit, between 128 KiB and 6 MiB.
 */
static uint64_t arg_room(struct task *t)
{
	uint64_t lim = t->tg->rlim[ABI_RLIMIT_STACK].rlim_cur / 4;

	lim = min_t(uint64_t, lim, STK_LIM / 4 * 3);
	return max_t(uint64_t, lim, ARG_MAX);
}

/* exec resets what the new image must not inherit (flush_old_exec & co). */
static void exec_reset(struct task *t, struct mm *old, const char *name,
		       const char *filename, struct vfs_path *exe_path)
{
	struct vfs_path old_exe;
	struct thread_group *tg = t->tg;
	/* comm: the name executed; through AT_EMPTY_PATH, the file's. */
	const char *cname = strncmp(filename, "/dev/fd/", 8) ? filename : name;
	const char *base = strrchr(cname, '/');
	struct fdtable *files = t->files;
	uint32_t zero = 0;
	int nptimers;

	/* mm_release: CLONE_CHILD_CLEARTID's word in the old image. */
	if (t->clear_child_tid &&
	    __atomic_load_n(&old->refs, __ATOMIC_ACQUIRE) > 1 &&
	    mm_copy_out(old, t->clear_child_tid, &zero, sizeof(zero)) == 0) {
		struct mm *cur = t->mm;

		t->mm = old;
		futex_wake_addr(t, t->clear_child_tid, 1);
		t->mm = cur;
	}
	t->clear_child_tid = 0;
	t->robust_list = 0;
	t->robust_len = 0;
	/* set_personality_64bit: a 64-bit image reads nothing as code. */
	t->personality &= ~(uint32_t)ABI_READ_IMPLIES_EXEC;
	/* A vfork child leaves its parent's address space running. */
	if (__atomic_load_n(&old->refs, __ATOMIC_ACQUIRE) > 1)
		t->k->plat->ops->as_leave(old->as);
	mm_put(old);
	task_vfork_done(t);

	/* A table shared with another process is copied first. */
	if (__atomic_load_n(&files->refs, __ATOMIC_ACQUIRE) > 1) {
		struct fdtable *own = fdtable_dup(files);

		if (own) {
			pthread_mutex_lock(&tg->lock);
			t->files = own;
			pthread_mutex_unlock(&tg->lock);
			fdtable_put(files);
		}
	}
	fdtable_close_on_exec(t->files);

	pthread_mutex_lock(&tg->lock);
	for (int i = 0; i < ABI_NSIG; i++) {
		struct abi_sigaction *act = &tg->sigactions[i];
		uint64_t h = act->handler;

		*act = (struct abi_sigaction){
		    .handler = h == ABI_SIG_IGN ? ABI_SIG_IGN : ABI_SIG_DFL};
	}
	free(tg->exe);
	tg->exe = strdup(name);
	old_exe = tg->exe_path;
	tg->exe_path = *exe_path; /* its reference */
	memset(t->comm, 0, sizeof(t->comm));
	strncpy(t->comm, base ? base + 1 : cname, sizeof(t->comm) - 1);
	nptimers = tg->nptimers;
	pthread_mutex_unlock(&tg->lock);
	if (old_exe.mnt)
		vfs_path_put(&old_exe);
	for (int id = 0; id < nptimers; id++)
		ptimer_delete(t, id);
	t->altstack = (struct abi_stack){.ss_flags = ABI_SS_DISABLE};

	pthread_mutex_lock(&t->k->lock);
	tg->did_exec = true;
	pthread_mutex_unlock(&t->k->lock);
}

static long do_execveat(struct task *t, int dirfd, uint64_t upath,
			uint64_t uargv, uint64_t uenvp, int flags)
{
	struct kernel *k = t->k;
	struct strv argv = {0}, envp = {0};
	struct abi_user_regs saved = t->regs;
	struct mm *old = t->mm, *nm = NULL;
	struct vfs_path exe_path = {0};
	char *path = NULL, *name = NULL, *filename = NULL;
	bool path_gone;
	const char *why = NULL;
	uint64_t room;
	long err;

	if (flags & ~(ABI_AT_EMPTY_PATH | ABI_AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	path = malloc(ABI_PATH_MAX);
	name = malloc(ABI_PATH_MAX);
	filename = malloc(ABI_PATH_MAX);
	if (!path || !name || !filename) {
		err = -ENOMEM;
		goto out;
	}
	err = task_getname(t, upath, path);
	if (err < 0)
		goto out;
	if (!path[0] && !(flags & ABI_AT_EMPTY_PATH)) {
		err = -ENOENT;
		goto out;
	}
	room = arg_room(t);
	err = copy_strv(t, uargv, &argv, &room);
	if (!err)
		err = copy_strv(t, uenvp, &envp, &room);
	if (err)
		goto out;
	/* Since Linux 5.18 an empty argv gets one empty string. */
	if (argv.n == 0) {
		char **v = realloc(argv.v, 2 * sizeof(*v));

		if (!v || !(v[0] = strdup(""))) {
			argv.v = v ? v : argv.v;
			err = -ENOMEM;
			goto out;
		}
		v[1] = NULL;
		argv.v = v;
		argv.n = 1;
		log_warn_once("execve with an empty argv: one \"\" passed");
	}

	err = task_exec_dethread(t);
	if (err) {
		err = -ERESTARTNOINTR; /* the group's end comes first */
		goto out;
	}
	err = mm_create(&k->mf, k->plat, &nm);
	if (err)
		goto out;
	nm->data_limit = old->data_limit;
	nm->as_limit = old->as_limit;
	pthread_mutex_lock(&t->tg->lock);
	t->mm = nm;
	pthread_mutex_unlock(&t->tg->lock);
	/* What the new image is told its name is (AT_EXECFN). */
	if (path[0] == '/' || dirfd == ABI_AT_FDCWD)
		snprintf(filename, ABI_PATH_MAX, "%s", path);
	else if (!path[0])
		snprintf(filename, ABI_PATH_MAX, "/dev/fd/%d", dirfd);
	else if (snprintf(filename, ABI_PATH_MAX, "/dev/fd/%d/%s", dirfd,
			  path) >= ABI_PATH_MAX) {
		err = -ENAMETOOLONG;
		goto out;
	}
	path_gone = path[0] != '/' && dirfd != ABI_AT_FDCWD &&
		    fd_get_cloexec(t->files, dirfd) == 1;
	err =
	    loader_execveat(t, dirfd, path, flags, filename, path_gone, argv.v,
			    envp.v, name, ABI_PATH_MAX, &exe_path, &why);
	if (err) {
		if (why)
			log_debug("execve %s: %s: %s", path, why,
				  strerror((int)-err));
		pthread_mutex_lock(&t->tg->lock);
		t->mm = old;
		pthread_mutex_unlock(&t->tg->lock);
		t->regs = saved;
		mm_put(nm);
		goto out;
	}
	exec_reset(t, old, name, filename, &exe_path);
	err = 0;
out:
	strv_free(&argv);
	strv_free(&envp);
	free(path);
	free(name);
	free(filename);
	return err;
}

SYSCALL(execve)
{
	return do_execveat(t, ABI_AT_FDCWD, a[0], a[1], a[2], 0);
}

SYSCALL(execveat)
{
	return do_execveat(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}
