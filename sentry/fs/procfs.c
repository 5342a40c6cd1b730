// SPDX-License-Identifier: Apache-2.0
/*
 * procfs: the sandbox's /proc, generated from the sentry's own state (never
 * the host's): /proc/self, /proc/thread-self, /proc/PID/{cmdline, comm,
 * environ, exe, cwd, root, fd/, fdinfo/, limits, maps, smaps, smaps_rollup,
 * mounts, mountinfo, stat, statm, status, task/TID/...} for every process
 * in the sandbox (zombies too, until reaped), and /proc/{uptime, loadavg,
 * version, meminfo, cpuinfo, stat, filesystems, mounts, sys/kernel/...},
 * each laid out as Linux 6.1 lays it out. A file's text is made when it is
 * opened and read from that snapshot, as seq_file does. comm alone takes
 * writes: they rename the thread (pthread_setname_np of another thread).
 *
 * Another process may exit at any moment: a /proc/PID inode holds
 * references on its thread group and task (as Linux's on a struct pid),
 * and what the task has (address space, fd table, fs_struct) is taken
 * with its own reference under the thread group's lock while a file is
 * made (proc_target_get), never used through the task's pointers. Cached
 * dentries are checked on each lookup (proc_revalidate), so a reaped
 * process or a closed fd is gone, and a new one is found.
 *
 * Deviations: CPU times of tasks other than the caller are 0 (the
 * platform reads only the calling thread's clock); sleeping and running
 * tasks other than the caller show as sleeping (S); a thread's start time
 * is its process's. Memory figures: see mem_stats and smap_account.
 */
#include "sentry/fs/procfs.h"
#include "sentry/fs/tmpfs.h"

#include "platform/platform.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/* ---- a growing text buffer ---------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_grow(struct sbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 1024;
	char *p;

	if (b->oom || b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void sb_put(struct sbuf *b, const void *data, size_t len)
{
	sb_grow(b, len);
	if (b->oom)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* ---- the tree ------------------------------------------------------------ */

struct proc_super {
	struct vfs_super sb;
	struct kernel *k;
};

/*
 * What a file of /proc shows, taken when it is opened, listed or its link
 * read: the task, with references on what it had (a zombie's mm, files
 * and fs are NULL). For system-wide files, the caller.
 */
struct proc_target {
	struct kernel *k;
	struct task *caller;	 /* current_task */
	struct task *t;		 /* the task shown (a reference) */
	struct thread_group *tg; /* t's (a reference) */
	struct mm *mm;		 /* references; NULL: gone */
	struct fdtable *files;
	struct fs_struct *fs;
	/* As the task list had them (k->lock): */
	char state; /* R (the caller), S, T (stopped) or Z (zombie) */
	int ppid, pgid, sid, exit_signal, exit_status;
	int tty_nr, tpgid; /* the controlling terminal's */
	int nthreads;
	/* As the thread group had them (tg->lock): */
	char comm[ABI_TASK_COMM_LEN];
	int oom_score_adj;
	bool may_read; /* ptrace_may_access(PTRACE_MODE_READ_FSCREDS) */
};

struct proc_node;
/* A file's text into b: 0, or -errno for open to fail with. */
typedef int (*show_fn)(struct proc_target *pt, struct sbuf *b);
/* A magic link's path (references). */
typedef int (*link_fn)(struct proc_target *pt, struct vfs_path *out);

struct proc_node {
	const char *name;
	uint32_t mode;
	show_fn show;		     /* regular files */
	link_fn link;		     /* magic links */
	const struct proc_node *dir; /* static directories */
	int kind;		     /* see enum below */
};

enum {
	K_STATIC,
	K_ROOT,
	K_PID,
	K_SELF,
	K_THREAD_SELF,
	K_TASK_DIR,
	K_TID,
	K_FD_DIR,
	K_FD,
	K_ANON,
	K_FDINFO_DIR,
	K_FDINFO,
};

struct proc_inode {
	struct vfs_inode i;
	const struct proc_node *node;
	int kind;
	int pid, tid, fd; /* tid: beneath /proc/PID/task/TID, else 0 */
	/*
	 * /proc/PID and below: the process and the thread shown (the
	 * leader, or the thread of task/TID), references; NULL elsewhere.
	 */
	struct thread_group *tg;
	struct task *task;
	struct file *file; /* K_ANON: the pathless file it stands for */
};

static const struct vfs_inode_ops proc_inode_ops, proc_self_ops, proc_anon_ops;

static struct proc_inode *to_pi(struct vfs_inode *i)
{
	return container_of(i, struct proc_inode, i);
}

static struct kernel *proc_kernel(const struct vfs_inode *i)
{
	return container_of(i->sb, struct proc_super, sb)->k;
}

/* Is t one of tg's live threads? (k->lock held) */
static bool thread_live_locked(const struct thread_group *tg,
			       const struct task *t)
{
	for (const struct task *o = tg->threads; o; o = o->next_thread)
		if (o == t)
			return true;
	return false;
}

/*
 * Is t still to be seen in /proc (k->lock held)? A live thread, or its
 * group's leader until the group is reaped (a zombie's stays).
 */
static bool task_listed_locked(const struct thread_group *tg,
			       const struct task *t)
{
	if (tg->state == TG_DEAD)
		return false;
	return t == tg->leader || thread_live_locked(tg, t);
}

/* Thread tid of tg, as task/TID lists them (k->lock held); NULL: none. */
static struct task *tg_thread_locked(struct thread_group *tg, int tid)
{
	if (tg->state == TG_DEAD)
		return NULL;
	if (tg->leader && tg->leader->tid == tid)
		return tg->leader;
	for (struct task *t = tg->threads; t; t = t->next_thread)
		if (t->tid == tid)
			return t;
	return NULL;
}

/*
 * What /proc/N names (proc_pid_lookup), with references: the process
 * whose tgid is N, seen through its leader, or else the thread whose tid
 * is N (found, though not listed, as Linux). -ENOENT: neither.
 */
static int proc_find_pid(struct kernel *k, int n, struct thread_group **tgp,
			 struct task **tp)
{
	struct thread_group *tg;
	struct task *t = NULL;

	pthread_mutex_lock(&k->lock);
	tg = tg_lookup_locked(k, n);
	if (tg && tg->leader) {
		t = tg->leader;
	} else {
		t = task_lookup_locked(k, n);
		tg = t ? t->tg : NULL;
	}
	if (t) {
		tg_get(tg);
		task_get(t);
	}
	pthread_mutex_unlock(&k->lock);
	*tgp = tg;
	*tp = t;
	return t ? 0 : -ENOENT;
}

/* ptrace_may_access in PTRACE_MODE_READ_FSCREDS; t's tg->lock held. */
static bool may_access_locked(const struct creds *c,
			      const struct thread_group *ctg,
			      const struct task *t)
{
	return task_may_access_locked(c, ctg, t, false);
}

/*
 * Take what pi shows: its task (the caller for system-wide files) with
 * references on its thread group, address space, fd table and fs_struct.
 * -ESRCH when the task is gone (reaped, or an exited thread).
 */
static int proc_target_get(const struct proc_inode *pi, struct proc_target *pt)
{
	struct task *caller = current_task;
	struct task *t = pi->task ? pi->task : caller;
	struct thread_group *tg;
	struct kernel *k;
	bool live, leader_gone;

	memset(pt, 0, sizeof(*pt));
	if (!t || !caller)
		return -ESRCH;
	k = t->k;
	tg = t->tg;
	pthread_mutex_lock(&k->lock);
	if (!task_listed_locked(tg, t)) {
		pthread_mutex_unlock(&k->lock);
		return -ESRCH;
	}
	live = tg->state == TG_ALIVE && thread_live_locked(tg, t);
	pt->state = !live ? 'Z' : t == caller ? 'R' : tg->stopped ? 'T' : 'S';
	pt->ppid = tg->ppid;
	pt->pgid = tg->pgid;
	pt->sid = tg->sid;
	tty_stat_locked(tg, &pt->tty_nr, &pt->tpgid);
	pt->exit_signal = tg->exit_signal;
	pt->exit_status = tg->exit_status;
	/* A group's exited leader stays, a zombie thread, as Linux's. */
	leader_gone = tg->leader && !thread_live_locked(tg, tg->leader);
	task_get(t);
	tg_get(tg);
	pthread_mutex_unlock(&k->lock);

	pt->k = k;
	pt->caller = caller;
	pt->t = t;
	pt->tg = tg;
	pthread_mutex_lock(&tg->lock);
	pt->mm = t->mm;
	if (pt->mm)
		mm_get(pt->mm);
	pt->files = t->files;
	if (pt->files)
		__atomic_add_fetch(&pt->files->refs, 1, __ATOMIC_RELAXED);
	pt->fs = t->fs;
	if (pt->fs)
		__atomic_add_fetch(&pt->fs->refs, 1, __ATOMIC_RELAXED);
	pt->nthreads = tg->live_threads + leader_gone;
	if (pt->nthreads == 0)
		pt->nthreads = 1; /* its last thread is on its way out */
	pt->oom_score_adj = t->tg->oom_score_adj;
	memcpy(pt->comm, t->comm, sizeof(pt->comm));
	pt->comm[sizeof(pt->comm) - 1] = '\0';
	pt->may_read = may_access_locked(&caller->creds, caller->tg, t);
	pthread_mutex_unlock(&tg->lock);
	return 0;
}

static void proc_target_put(struct proc_target *pt)
{
	mm_put(pt->mm);
	fdtable_put(pt->files);
	fs_struct_put(pt->fs);
	if (pt->t)
		task_put(pt->t);
	if (pt->tg)
		tg_put(pt->tg);
	memset(pt, 0, sizeof(*pt));
}

/*
 * The owner of a process's /proc files (task_dump_owner): its effective
 * ids; but its files other than the world-readable directories are
 * root's when it is not dumpable, or has no memory (a zombie).
 */
static void proc_set_owner(struct proc_inode *pi)
{
	struct thread_group *tg = pi->tg;
	struct task *t = pi->task;
	uint32_t uid, gid;

	pthread_mutex_lock(&tg->lock);
	uid = t->creds.euid;
	gid = t->creds.egid;
	if (pi->i.mode != (ABI_S_IFDIR | 0555) && (!t->mm || tg->not_dumpable))
		uid = gid = 0;
	pthread_mutex_unlock(&tg->lock);
	pthread_mutex_lock(&pi->i.lock);
	pi->i.uid = uid;
	pi->i.gid = gid;
	pthread_mutex_unlock(&pi->i.lock);
}

/* ---- per-process files ----------------------------------------------------
 */

/* Bytes [start, end) of mm (another process's too), up to a hole. */
static void show_range(struct mm *mm, struct sbuf *b, uint64_t start,
		       uint64_t end)
{
	char buf[4096];

	while (start < end) {
		size_t n = (size_t)min_t(uint64_t, end - start, sizeof(buf));

		if (mm_copy_in(mm, buf, start, n))
			break;
		sb_put(b, buf, n);
		start += n;
	}
}

/* The argument (or environment) area of the process's stack. */
static void show_area(struct mm *mm, struct sbuf *b, bool env)
{
	uint64_t start, end;

	pthread_mutex_lock(&mm->lock);
	start = env ? mm->env_start : mm->arg_start;
	end = env ? mm->env_end : mm->arg_end;
	pthread_mutex_unlock(&mm->lock);
	show_range(mm, b, start, end);
}

/* A zombie's is empty. */
static int show_cmdline(struct proc_target *pt, struct sbuf *b)
{
	if (pt->mm)
		show_area(pt->mm, b, false);
	return 0;
}

/* Only for who may read the process's memory; a zombie's is empty. */
static int show_environ(struct proc_target *pt, struct sbuf *b)
{
	if (!pt->mm)
		return 0;
	if (!pt->may_read)
		return -EACCES;
	show_area(pt->mm, b, true);
	return 0;
}

static int show_oom_score_adj(struct proc_target *pt, struct sbuf *b)
{
	sb_printf(b, "%d\n", pt->oom_score_adj);
	return 0;
}

static int show_comm(struct proc_target *pt, struct sbuf *b)
{
	sb_printf(b, "%s\n", pt->comm);
	return 0;
}

/*
 * What an address space uses, in bytes, counted as Linux's mm counters
 * and vm_stat_account count them. Resident memory is what the memory file
 * holds for each VMA (mm_vma_resident): moat copies executables into
 * anonymous memory, so there is no file-backed RSS; shared mappings
 * (MAP_SHARED anonymous memory, tmpfs files, memfds) are shmem.
 */
struct mem_stats {
	uint64_t total, data, stack, exec, locked;
	uint64_t rss_anon, rss_shmem;
	uint64_t text, lib, pte;
};

static void mem_stats(struct mm *mm, struct mem_stats *ms)
{
	uint64_t last_slot = UINT64_MAX, tables = 0;

	memset(ms, 0, sizeof(*ms));
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t len = mm_vma_size(mm, v), rss;
		bool write = v->prot & ABI_PROT_WRITE;

		ms->total += len;
		if ((v->prot & ABI_PROT_EXEC) && !write &&
		    !(v->flags & VMA_GROWSDOWN))
			ms->exec += len;
		else if (v->flags & VMA_GROWSDOWN)
			ms->stack += len;
		else if (write && !(v->flags & VMA_SHARED))
			ms->data += len;
		if (v->flags & VMA_LOCKED)
			ms->locked += len;
		rss = mm_vma_resident(mm, v);
		if (v->flags & VMA_SHARED)
			ms->rss_shmem += rss;
		else
			ms->rss_anon += rss;
		/*
		 * Page tables: an estimate (the platform's are the host's),
		 * one 4 KiB table for each 2 MiB slot that holds memory.
		 */
		if (rss) {
			uint64_t lo = v->start >> 21, hi = (v->end - 1) >> 21;

			tables += hi - lo + 1 - (lo == last_slot);
			last_slot = hi;
		}
	}
	ms->text = page_up(mm->end_code) - page_down(mm->start_code);
	pthread_mutex_unlock(&mm->lock);
	ms->lib = ms->exec - min_t(uint64_t, ms->text, ms->exec);
	ms->pte = tables * PAGE_SIZE;
}

/* Signals ignored and caught, as collect_sigign_sigcatch finds them. */
static void sig_dispositions(struct thread_group *tg, abi_sigset_t *ign,
			     abi_sigset_t *cgt)
{
	*ign = *cgt = 0;
	pthread_mutex_lock(&tg->lock);
	for (int sig = 1; sig <= ABI_NSIG; sig++) {
		uint64_t h = tg->sigactions[sig - 1].handler;

		if (h == ABI_SIG_IGN)
			*ign |= ABI_SIG_BIT(sig);
		else if (h != ABI_SIG_DFL)
			*cgt |= ABI_SIG_BIT(sig);
	}
	pthread_mutex_unlock(&tg->lock);
}

/* A CPU bitmap as %*pb prints it: 32-bit chunks, most significant first. */
static void show_bitmap(struct sbuf *b, int nbits, int first, int last)
{
	int chunks = (nbits + 31) / 32;

	for (int c = chunks - 1; c >= 0; c--) {
		uint32_t word = 0;
		int width = 8;

		for (int bit = 0; bit < 32; bit++) {
			int n = c * 32 + bit;

			if (n >= first && n <= last)
				word |= 1U << bit;
		}
		if (c == chunks - 1 && nbits % 32)
			width = (nbits % 32 + 3) / 4;
		sb_printf(b, "%s%0*x", c == chunks - 1 ? "" : ",", width, word);
	}
}

/*
 * The CPUs a task may use, as sched_getaffinity has them (the sandbox's,
 * numbered as the host numbers them, narrowed by its own mask): status'
 * Cpus_allowed (%*pb over the host's CPU ids) and Cpus_allowed_list
 * (%*pbl: ranges).
 */
static void show_cpus_allowed(struct sbuf *b, struct kernel *k,
			      const uint8_t *own)
{
	uint8_t mask[sizeof(k->cpu_mask)];
	bool narrowed = false;
	int n = k->cpu_ids, c, first = -1;
	const char *sep = "";

	for (size_t i = 0; i < sizeof(mask); i++)
		narrowed |= own[i] != 0;
	for (size_t i = 0; i < sizeof(mask); i++)
		mask[i] = k->cpu_mask[i] & (narrowed ? own[i] : 0xff);
#define CPU_IN(i) ((i) < n && (mask[(i) / 8] >> ((i) % 8) & 1))
	sb_printf(b, "Cpus_allowed:\t");
	for (c = (n + 31) / 32 - 1; c >= 0; c--) {
		uint32_t word = 0;
		int width = 8;

		for (int bit = 0; bit < 32; bit++)
			if (CPU_IN(c * 32 + bit))
				word |= 1U << bit;
		if (c == (n + 31) / 32 - 1 && n % 32)
			width = (n % 32 + 3) / 4;
		sb_printf(b, "%s%0*x", c == (n + 31) / 32 - 1 ? "" : ",", width,
			  word);
	}
	sb_printf(b, "\nCpus_allowed_list:\t");
	for (int i = 0; i <= n; i++) {
		if (i < n && CPU_IN(i)) {
			if (first < 0)
				first = i;
			continue;
		}
		if (first >= 0) {
			if (first == i - 1)
				sb_printf(b, "%s%d", sep, first);
			else
				sb_printf(b, "%s%d-%d", sep, first, i - 1);
			sep = ",";
		}
		first = -1;
	}
	sb_printf(b, "\n");
#undef CPU_IN
}

/* The state letter and its name in status. */
static const char *state_name(char state)
{
	switch (state) {
	case 'R':
		return "R (running)";
	case 'T':
		return "T (stopped)";
	case 'Z':
		return "Z (zombie)";
	default:
		return "S (sleeping)";
	}
}

/* t's credentials, groups included (a copy to free), under tg->lock. */
static void copy_creds(struct proc_target *pt, struct creds *c)
{
	pthread_mutex_lock(&pt->tg->lock);
	*c = pt->t->creds;
	c->groups = NULL;
	if (c->ngroups > 0) {
		c->groups = malloc((size_t)c->ngroups * sizeof(*c->groups));
		if (c->groups)
			memcpy(c->groups, pt->t->creds.groups,
			       (size_t)c->ngroups * sizeof(*c->groups));
		else
			c->ngroups = 0;
	}
	pthread_mutex_unlock(&pt->tg->lock);
}

/* The memory lines of status (task_mem): only while it has an mm. */
static void show_status_mem(struct mm *mm, struct sbuf *b)
{
	struct mem_stats ms;

	mem_stats(mm, &ms);
	/* No high-water marks are kept: the peaks are the current sizes. */
	sb_printf(b,
		  "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\n"
		  "VmPin:\t       0 kB\nVmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n",
		  (unsigned long long)ms.total >> 10,
		  (unsigned long long)ms.total >> 10,
		  (unsigned long long)ms.locked >> 10,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) >> 10,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) >> 10);
	sb_printf(b,
		  "RssAnon:\t%8llu kB\nRssFile:\t       0 kB\n"
		  "RssShmem:\t%8llu kB\nVmData:\t%8llu kB\nVmStk:\t%8llu kB\n",
		  (unsigned long long)ms.rss_anon >> 10,
		  (unsigned long long)ms.rss_shmem >> 10,
		  (unsigned long long)ms.data >> 10,
		  (unsigned long long)ms.stack >> 10);
	sb_printf(b,
		  "VmExe:\t%8llu kB\nVmLib:\t%8llu kB\nVmPTE:\t%8llu kB\n"
		  "VmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\n"
		  "CoreDumping:\t0\nTHP_enabled:\t1\n",
		  (unsigned long long)min_t(uint64_t, ms.text, ms.exec) >> 10,
		  (unsigned long long)ms.lib >> 10,
		  (unsigned long long)ms.pte >> 10);
}

static int show_status(struct proc_target *pt, struct sbuf *b)
{
	struct task *t = pt->t;
	struct thread_group *tg = pt->tg;
	struct kernel *k = pt->k;
	abi_sigset_t ign, cgt;
	struct creds c;
	int fdsize = 0, seccomp, nfilters;
	uint8_t own[sizeof(t->sched.affinity)];

	copy_creds(pt, &c);
	sig_dispositions(tg, &ign, &cgt);
	if (pt->files) {
		pthread_mutex_lock(&pt->files->lock);
		fdsize = pt->files->cap ? pt->files->cap : 64;
		pthread_mutex_unlock(&pt->files->lock);
	}

	sb_printf(b, "Name:\t%s\n", pt->comm);
	if (pt->fs) /* a zombie has no umask to show */
		sb_printf(b, "Umask:\t%#04o\n",
			  __atomic_load_n(&tg->umask, __ATOMIC_RELAXED));
	sb_printf(b, "State:\t%s\n", state_name(pt->state));
	sb_printf(b,
		  "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		  tg->tgid, t->tid, pt->ppid);
	sb_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", c.ruid,
		  c.euid, c.suid, c.fsuid, c.rgid, c.egid, c.sgid, c.fsgid);
	sb_printf(b, "FDSize:\t%d\nGroups:\t", fdsize);
	for (int i = 0; i < c.ngroups; i++)
		sb_printf(b, "%s%u", i ? " " : "", c.groups[i]);
	/* The sandbox is one pid namespace. */
	sb_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		  tg->tgid, t->tid, pt->pgid, pt->sid);
	if (pt->mm)
		show_status_mem(pt->mm, b);
	sb_printf(
	    b,
	    "Threads:\t%d\nSigQ:\t%d/%llu\nSigPnd:\t%016llx\n"
	    "ShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
	    "SigCgt:\t%016llx\n",
	    pt->nthreads, signal_queued(t),
	    (unsigned long long)tg->rlim[ABI_RLIMIT_SIGPENDING].rlim_cur,
	    (unsigned long long)__atomic_load_n(&t->pending.set,
						__ATOMIC_ACQUIRE),
	    (unsigned long long)__atomic_load_n(&tg->shared_pending.set,
						__ATOMIC_ACQUIRE),
	    (unsigned long long)__atomic_load_n(&t->sigmask, __ATOMIC_RELAXED),
	    (unsigned long long)ign, (unsigned long long)cgt);
	sb_printf(b,
		  "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		  "CapBnd:\t%016llx\nCapAmb:\t%016llx\n",
		  (unsigned long long)c.cap_inheritable,
		  (unsigned long long)c.cap_permitted,
		  (unsigned long long)c.cap_effective,
		  (unsigned long long)c.cap_bounding,
		  (unsigned long long)c.cap_ambient);
	/* The host CPU's speculation mitigations are not the sandbox's. */
	seccomp = app_seccomp_mode(t, &nfilters);
	sb_printf(b,
		  "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n"
		  "Speculation_Store_Bypass:\tunknown\n"
		  "SpeculationIndirectBranch:\tunknown\n",
		  t->no_new_privs, seccomp, nfilters);
	pthread_mutex_lock(&t->tg->lock);
	memcpy(own, t->sched.affinity, sizeof(own));
	pthread_mutex_unlock(&t->tg->lock);
	show_cpus_allowed(b, k, own);
	sb_printf(b, "Mems_allowed:\t");
	show_bitmap(b, 1024, 0, 0);
	sb_printf(b, "\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n"
		     "nonvoluntary_ctxt_switches:\t0\n");
	creds_destroy(&c);
	return 0;
}

/*
 * Clock ticks (USER_HZ) of CPU time the caller has run, if the platform
 * can tell. Deviation: another task's is 0, as the platform reads only
 * the calling thread's clock (and another's context may go at any time).
 */
static unsigned long long cpu_ticks(struct proc_target *pt)
{
	struct timespec ts;
	struct task *t = pt->t;

	if (t != pt->caller || !t->ctx || !pt->mm ||
	    t->k->plat->ops->cpu_time(t->ctx, pt->mm->as, &ts))
		return 0;
	return (unsigned long long)ts.tv_sec * 100 +
	       (unsigned long long)ts.tv_nsec / 10000000;
}

/* When the process started, in clock ticks after boot. */
static unsigned long long start_ticks(struct proc_target *pt)
{
	const struct timespec *st = &pt->tg->start_time,
			      *boot = &pt->k->boot_mono;
	long long ns = (long long)(st->tv_sec - boot->tv_sec) * 1000000000LL +
		       (st->tv_nsec - boot->tv_nsec);

	return ns > 0 ? (unsigned long long)ns / 10000000ULL : 0;
}

/* /proc/PID/stat's priority: 20 + nice, or -1 - the real-time priority. */
static int stat_priority(const struct task *t)
{
	if (t->sched.policy == 6) /* SCHED_DEADLINE */
		return -101;
	if (t->sched.policy == 1 || t->sched.policy == 2)
		return -1 - (int)t->sched.rt_priority;
	return 20 + t->sched.nice;
}

/*
 * /proc/PID/stat and /proc/PID/task/TID/stat: the 52 fields of
 * do_task_stat. CPU time is all user time (the platform tells only the
 * total; see cpu_ticks); fault counts and the scheduler's fields are 0.
 * As Linux, the addresses and the exit code are shown only to who may
 * read the process (startcode and endcode are then 1), and a zombie's
 * memory fields are 0.
 */
static int show_stat(struct proc_target *pt, struct sbuf *b)
{
	struct task *t = pt->t;
	struct thread_group *tg = pt->tg;
	struct mm *mm = pt->mm;
	struct mem_stats ms = {0};
	abi_sigset_t ign, cgt;
	const uint64_t low = 0x7fffffff; /* the obsolete signal fields */
	uint64_t start_code = 0, end_code = 0, start_stack = 0, rsslim;
	bool show = pt->may_read && mm;

	if (mm) {
		mem_stats(mm, &ms);
		start_code = end_code = 1;
	}
	if (show) {
		pthread_mutex_lock(&mm->lock);
		start_code = mm->start_code;
		end_code = mm->end_code;
		start_stack = mm->start_stack;
		pthread_mutex_unlock(&mm->lock);
	}
	sig_dispositions(tg, &ign, &cgt);
	pthread_mutex_lock(&tg->lock);
	rsslim = tg->rlim[ABI_RLIMIT_RSS].rlim_cur;
	pthread_mutex_unlock(&tg->lock);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	sb_printf(b, "%d (%s) %c %d %d %d %d %d 4194304", t->tid, pt->comm,
		  pt->state, pt->ppid, pt->pgid, pt->sid, pt->tty_nr,
		  pt->tpgid);
	/* 10-21: minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads itrealvalue */
	sb_printf(b, " 0 0 0 0 %llu 0 0 0 %d %d %d 0", cpu_ticks(pt),
		  stat_priority(t), t->sched.nice, pt->nthreads);
	/* 22-30: starttime vsize rss rsslim startcode endcode startstack
	 * kstkesp kstkeip */
	sb_printf(b, " %llu %llu %llu %llu %llu %llu %llu 0 0", start_ticks(pt),
		  (unsigned long long)ms.total,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) / PAGE_SIZE,
		  (unsigned long long)rsslim, (unsigned long long)start_code,
		  (unsigned long long)end_code,
		  (unsigned long long)start_stack);
	/* 31-34: signal blocked sigignore sigcatch (decimal, 31 bits) */
	sb_printf(b, " %llu %llu %llu %llu",
		  (unsigned long long)(__atomic_load_n(&t->pending.set,
						       __ATOMIC_ACQUIRE) &
				       low),
		  (unsigned long long)(__atomic_load_n(&t->sigmask,
						       __ATOMIC_RELAXED) &
				       low),
		  (unsigned long long)(ign & low),
		  (unsigned long long)(cgt & low));
	/* 35-44: wchan nswap cnswap exit_signal processor rt_priority
	 * policy delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(b, " 0 0 0 %d 0 %u %u 0 0 0", pt->exit_signal,
		  t->sched.rt_priority, t->sched.policy);
	/* 45-52: start_data end_data start_brk arg_start arg_end
	 * env_start env_end exit_code */
	if (show) {
		pthread_mutex_lock(&mm->lock);
		sb_printf(b, " %llu %llu %llu %llu %llu %llu %llu",
			  (unsigned long long)mm->start_data,
			  (unsigned long long)mm->end_data,
			  (unsigned long long)mm->start_brk,
			  (unsigned long long)mm->arg_start,
			  (unsigned long long)mm->arg_end,
			  (unsigned long long)mm->env_start,
			  (unsigned long long)mm->env_end);
		pthread_mutex_unlock(&mm->lock);
	} else {
		sb_printf(b, " 0 0 0 0 0 0 0");
	}
	sb_printf(b, " %d\n",
		  pt->may_read && pt->state == 'Z' ? pt->exit_status : 0);
	return 0;
}

/* size resident shared text lib data dt, in pages (task_statm). */
static int show_statm(struct proc_target *pt, struct sbuf *b)
{
	struct mem_stats ms = {0};

	if (pt->mm)
		mem_stats(pt->mm, &ms);
	sb_printf(b, "%llu %llu %llu %llu 0 %llu 0\n",
		  (unsigned long long)ms.total / PAGE_SIZE,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) / PAGE_SIZE,
		  (unsigned long long)ms.rss_shmem / PAGE_SIZE,
		  (unsigned long long)ms.text / PAGE_SIZE,
		  (unsigned long long)(ms.data + ms.stack) / PAGE_SIZE);
	return 0;
}

/*
 * A maps line of v (mm->lock held): the name, if any, starts at column 73
 * as show_map_vma pads it. Shared file mappings have their file's device,
 * inode and offset, but no path (the address space keeps only the inode).
 */
static void show_vma_named(struct sbuf *b, struct mm *mm, const struct vma *v,
			   const char *name);

static void show_vma_header(struct sbuf *b, struct mm *mm, const struct vma *v)
{
	show_vma_named(b, mm, v, NULL);
}

/*
 * The platform's vDSO, above every mapping of the application, as two
 * mappings of its own: its data pages as one [vvar] (Linux may show
 * [vvar_vclock] apart), then [vdso]; then the vsyscall page, execute-only
 * as Linux's default shows it (the sentry emulates its calls). Their
 * count.
 */
#define SPECIAL_VMAS 3
static int vdso_vmas(const struct platform *p, struct vma v[SPECIAL_VMAS],
		     const char *names[SPECIAL_VMAS])
{
	int n = 0;

	if (!p->vdso)
		goto vsyscall;
	if (p->vdso_lo < p->vdso) {
		v[n] = (struct vma){
		    .start = p->vdso_lo, .end = p->vdso, .prot = ABI_PROT_READ};
		names[n++] = "[vvar]";
	}
	v[n] = (struct vma){.start = p->vdso,
			    .end = p->vdso_hi,
			    .prot = ABI_PROT_READ | ABI_PROT_EXEC};
	names[n++] = "[vdso]";
vsyscall:
	v[n] = (struct vma){.start = ABI_VSYSCALL_ADDR,
			    .end = ABI_VSYSCALL_ADDR + PAGE_SIZE,
			    .prot = ABI_PROT_EXEC};
	names[n++] = "[vsyscall]";
	return n;
}

/* A maps line; name NULL: the VMA's own ([stack], [heap] or none). */
static void show_vma_named(struct sbuf *b, struct mm *mm, const struct vma *v,
			   const char *name)
{
	size_t start = b->len;
	unsigned long long off = 0, ino = 0, dev = 0;

	if (v->file) {
		off = v->off;
		ino = v->file->inode->ino;
		dev = v->file->inode->sb->dev;
	}
	if (!name && (v->flags & VMA_STACK))
		name = "[stack]";
	else if (!name && ((v->flags & VMA_HEAP) ||
			   (v->start >= mm->start_brk && v->end <= mm->brk)))
		name = "[heap]";
	else if (!name)
		name = "";
	sb_printf(b, "%08llx-%08llx %c%c%c%c %08llx 00:%02llx %llu ",
		  (unsigned long long)v->start, (unsigned long long)v->end,
		  v->prot & ABI_PROT_READ ? 'r' : '-',
		  v->prot & ABI_PROT_WRITE ? 'w' : '-',
		  v->prot & ABI_PROT_EXEC ? 'x' : '-',
		  v->flags & VMA_SHARED ? 's' : 'p', off, dev, ino);
	if (*name) {
		size_t used = b->len - start;

		sb_printf(b, "%*s%s", used < 73 ? (int)(73 - used) : 0, "",
			  name);
	}
	sb_printf(b, "\n");
}

/*
 * maps, smaps, smaps_rollup: only for who may read the process's memory;
 * a zombie's are empty (smaps_rollup: ESRCH).
 */
static int show_maps(struct proc_target *pt, struct sbuf *b)
{
	struct mm *mm = pt->mm;

	if (!mm)
		return 0;
	if (!pt->may_read)
		return -EACCES;
	struct vma vd[SPECIAL_VMAS];
	const char *names[SPECIAL_VMAS];
	int nvd = vdso_vmas(pt->k->plat, vd, names);

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++)
		show_vma_header(b, mm, &mm->vmas.v[i]);
	for (int i = 0; i < nvd; i++)
		show_vma_named(b, mm, &vd[i], names[i]);
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

/* One smaps line of kilobytes: the value ends at column 24, as Linux's. */
static void smap_kb(struct sbuf *b, const char *key, uint64_t bytes)
{
	int label = (int)strlen(key) + 2;

	if (label < 16)
		label = 16;
	sb_printf(b, "%s:%*s%*llu kB\n", key, label - (int)strlen(key) - 1, "",
		  24 - label, (unsigned long long)bytes >> 10);
}

/*
 * A VMA's memory, as smaps_account sorts it. A resident page is shared
 * when another address space maps it too (a fork's copy-on-write pages
 * until one side writes, shared anonymous memory), and its share of Pss
 * is its size divided among them, as Linux's mapcount divides it. Every
 * page counts as dirty (moat cannot tell a page the application only read
 * from one it wrote), and a shared file mapping's pages as private.
 */
struct smap_stats {
	uint64_t rss, shared, anon;
	/* Proportional, << MEMFILE_PSS_SHIFT; Locked is too, as Linux's. */
	uint64_t pss, pss_anon, pss_shmem, locked;
};

static void smap_account(struct mm *mm, const struct vma *v,
			 struct smap_stats *s)
{
	struct memfile_usage u = {0};

	mm_vma_usage(mm, v, &u);
	s->rss += u.resident;
	s->shared += u.shared;
	s->pss += u.pss;
	if (v->flags & VMA_SHARED) {
		s->pss_shmem += u.pss;
	} else {
		s->anon += u.resident;
		s->pss_anon += u.pss;
	}
	if (v->flags & VMA_LOCKED)
		s->locked += u.pss;
}

static void show_smap_stats(struct sbuf *b, const struct smap_stats *s,
			    bool rollup)
{
	smap_kb(b, "Rss", s->rss);
	smap_kb(b, "Pss", s->pss >> MEMFILE_PSS_SHIFT);
	smap_kb(b, "Pss_Dirty", s->pss >> MEMFILE_PSS_SHIFT);
	if (rollup) {
		smap_kb(b, "Pss_Anon", s->pss_anon >> MEMFILE_PSS_SHIFT);
		smap_kb(b, "Pss_File", 0);
		smap_kb(b, "Pss_Shmem", s->pss_shmem >> MEMFILE_PSS_SHIFT);
	}
	smap_kb(b, "Shared_Clean", 0);
	smap_kb(b, "Shared_Dirty", s->shared);
	smap_kb(b, "Private_Clean", 0);
	smap_kb(b, "Private_Dirty", s->rss - s->shared);
	smap_kb(b, "Referenced", s->rss);
	smap_kb(b, "Anonymous", s->anon);
	smap_kb(b, "LazyFree", 0);
	smap_kb(b, "AnonHugePages", 0);
	smap_kb(b, "ShmemPmdMapped", 0);
	smap_kb(b, "FilePmdMapped", 0);
	smap_kb(b, "Shared_Hugetlb", 0);
	smap_kb(b, "Private_Hugetlb", 0);
	smap_kb(b, "Swap", 0);
	smap_kb(b, "SwapPss", 0);
	smap_kb(b, "Locked", s->locked >> MEMFILE_PSS_SHIFT);
}

/* VmFlags: the mnemonics of show_smap_vma_flags, in its order. */
static void show_vm_flags(struct sbuf *b, const struct vma *v)
{
	bool shared = v->flags & VMA_SHARED;
	/* A read-only file mapped shared can never become writable. */
	bool maywrite = !shared || !v->file || (v->flags & VMA_MAYWRITE);

	if (v->start == ABI_VSYSCALL_ADDR) { /* no mm's VMA: VM_EXEC alone */
		sb_printf(b, "VmFlags: ex \n");
		return;
	}
	sb_printf(b, "VmFlags: ");
	if (v->prot & ABI_PROT_READ)
		sb_printf(b, "rd ");
	if (v->prot & ABI_PROT_WRITE)
		sb_printf(b, "wr ");
	if (v->prot & ABI_PROT_EXEC)
		sb_printf(b, "ex ");
	if (shared && maywrite)
		sb_printf(b, "sh ");
	sb_printf(b, "mr %sme ", maywrite ? "mw " : "");
	if (shared)
		sb_printf(b, "ms ");
	if (v->flags & VMA_GROWSDOWN)
		sb_printf(b, "gd ");
	if (v->flags & VMA_LOCKED)
		sb_printf(b, "lo ");
	/* Private writable memory is committed (VM_ACCOUNT). */
	if (!shared && (v->prot & ABI_PROT_WRITE) &&
	    !(v->flags & VMA_NORESERVE))
		sb_printf(b, "ac ");
	if (v->flags & VMA_NORESERVE)
		sb_printf(b, "nr ");
	sb_printf(b, "\n");
}

static int show_smaps(struct proc_target *pt, struct sbuf *b)
{
	struct mm *mm = pt->mm;

	if (!mm)
		return 0;
	if (!pt->may_read)
		return -EACCES;
	struct vma vd[SPECIAL_VMAS];
	const char *names[SPECIAL_VMAS];
	int nvd = vdso_vmas(pt->k->plat, vd, names);

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n + (size_t)nvd; i++) {
		bool own = i < mm->vmas.n;
		const struct vma *v =
		    own ? &mm->vmas.v[i] : &vd[i - mm->vmas.n];
		struct smap_stats s = {0};

		/* The vDSO's pages are the host's: none counted. */
		if (own)
			smap_account(mm, v, &s);
		show_vma_named(b, mm, v, own ? NULL : names[i - mm->vmas.n]);
		smap_kb(b, "Size", v->end - v->start);
		smap_kb(b, "KernelPageSize", PAGE_SIZE);
		smap_kb(b, "MMUPageSize", PAGE_SIZE);
		show_smap_stats(b, &s, false);
		sb_printf(b, "THPeligible:%12d\n", 0);
		show_vm_flags(b, v);
	}
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

/* The sums over every VMA, under a header spanning them all. */
static int show_smaps_rollup(struct proc_target *pt, struct sbuf *b)
{
	struct mm *mm = pt->mm;
	struct smap_stats s = {0};
	uint64_t lo = 0, hi = 0;
	size_t start = b->len, used;

	if (!mm)
		return -ESRCH;
	if (!pt->may_read)
		return -EACCES;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++)
		smap_account(mm, &mm->vmas.v[i], &s);
	if (mm->vmas.n) {
		lo = mm->vmas.v[0].start;
		hi = mm->vmas.v[mm->vmas.n - 1].end;
	}
	pthread_mutex_unlock(&mm->lock);
	sb_printf(b, "%08llx-%08llx ---p 00000000 00:00 0 ",
		  (unsigned long long)lo, (unsigned long long)hi);
	used = b->len - start;
	sb_printf(b, "%*s[rollup]\n", used < 73 ? (int)(73 - used) : 0, "");
	show_smap_stats(b, &s, true);
	return 0;
}

/*
 * Each mount with its path as the task sees it (below its root; a mount
 * outside is left out), as /proc/mounts or /proc/PID/mountinfo lays it
 * out. A zombie has none to show: EINVAL, as Linux (no mount namespace).
 */
static int show_mount_table(struct proc_target *pt, struct sbuf *b, bool info)
{
	struct vfs_ns *ns = &pt->k->ns;
	struct vfs_path root;

	if (!pt->fs)
		return -EINVAL;
	pthread_mutex_lock(&pt->fs->lock);
	root = pt->fs->root;
	vfs_path_get(&root);
	pthread_mutex_unlock(&pt->fs->lock);
	for (struct vfs_mount *m = ns->mounts; m; m = m->next) {
		const char *rw = m->flags & VFS_MNT_RDONLY ? "ro" : "rw";
		struct vfs_path at = {m, m->root};
		char path[ABI_PATH_MAX];
		const char *nosuid = m->flags & VFS_MNT_NOSUID ? ",nosuid" : "";
		const char *nodev = m->flags & VFS_MNT_NODEV ? ",nodev" : "";
		const char *noexec = m->flags & VFS_MNT_NOEXEC ? ",noexec" : "";

		if (vfs_path_name(ns, &root, &at, path, sizeof(path)) != 0)
			continue;
		if (!info) {
			sb_printf(b, "%s %s %s %s%s%s%s 0 0\n", m->source, path,
				  m->sb->type, rw, nosuid, nodev, noexec);
			continue;
		}
		/* A bind's root is the directory it binds: its path in its
		 * filesystem, or for a host directory the host path that is
		 * its source (Linux: the path in the host's filesystem that
		 * holds it). */
		sb_printf(b, "%llu %llu 0:%llu %s %s %s%s%s%s - %s %s %s\n",
			  (unsigned long long)m->id,
			  (unsigned long long)(m->parent ? m->parent->id : 1),
			  (unsigned long long)m->sb->dev,
			  m->fsroot ? m->fsroot
			  : m->parent && !strcmp(m->sb->type, "9p") &&
				  m->source[0] == '/'
			      ? m->source
			      : "/",
			  path, rw, nosuid, nodev, noexec, m->sb->type,
			  m->source, rw);
	}
	vfs_path_put(&root);
	return 0;
}

static int show_mounts_of(struct proc_target *pt, struct sbuf *b)
{
	return show_mount_table(pt, b, false);
}

static int show_mountinfo(struct proc_target *pt, struct sbuf *b)
{
	return show_mount_table(pt, b, true);
}

/* /proc/PID/fdinfo/N: position, status flags, mount and inode. */
static int show_fdinfo(struct proc_target *pt, int fd, struct sbuf *b)
{
	struct file *f;
	int cloexec;

	if (!pt->may_read)
		return -EACCES;
	f = pt->files ? fd_get(pt->files, fd) : NULL;
	if (!f)
		return -ENOENT;
	cloexec = fd_get_cloexec(pt->files, fd);
	sb_printf(b, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%llu\nino:\t%llu\n",
		  (long long)f->pos,
		  f->flags | (cloexec > 0 ? ABI_O_CLOEXEC : 0),
		  (unsigned long long)(f->path.mnt ? f->path.mnt->id : 0),
		  (unsigned long long)(f->inode ? f->inode->ino : 0));
	file_put(f);
	return 0;
}

static int show_limits(struct proc_target *pt, struct sbuf *b)
{
	static const struct {
		const char *name, *unit;
	} names[ABI_RLIM_NLIMITS] = {
	    {"Max cpu time", "seconds"},     {"Max file size", "bytes"},
	    {"Max data size", "bytes"},	     {"Max stack size", "bytes"},
	    {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
	    {"Max processes", "processes"},  {"Max open files", "files"},
	    {"Max locked memory", "bytes"},  {"Max address space", "bytes"},
	    {"Max file locks", "locks"},     {"Max pending signals", "signals"},
	    {"Max msgqueue size", "bytes"},  {"Max nice priority", ""},
	    {"Max realtime priority", ""},   {"Max realtime timeout", "us"},
	};
	struct abi_rlimit rlim[ABI_RLIM_NLIMITS];

	pthread_mutex_lock(&pt->tg->lock);
	memcpy(rlim, pt->tg->rlim, sizeof(rlim));
	pthread_mutex_unlock(&pt->tg->lock);
	sb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		  "Hard Limit", "Units");
	for (int i = 0; i < ABI_RLIM_NLIMITS; i++) {
		char soft[32], hard[32];
		const struct abi_rlimit *r = &rlim[i];

		if (r->rlim_cur == ABI_RLIM_INFINITY)
			strcpy(soft, "unlimited");
		else
			snprintf(soft, sizeof(soft), "%llu",
				 (unsigned long long)r->rlim_cur);
		if (r->rlim_max == ABI_RLIM_INFINITY)
			strcpy(hard, "unlimited");
		else
			snprintf(hard, sizeof(hard), "%llu",
				 (unsigned long long)r->rlim_max);
		/* A limit without a unit ends after the hard limit's pad. */
		sb_printf(b, "%-25s %-20s %-20s ", names[i].name, soft, hard);
		if (*names[i].unit)
			sb_printf(b, "%-10s", names[i].unit);
		sb_printf(b, "\n");
	}
	return 0;
}

/*
 * The magic links cwd, root and exe: for who may read the process, while
 * it has them (a zombie's are ENOENT).
 */
static int link_fs(struct proc_target *pt, struct vfs_path *out, bool root)
{
	if (!pt->may_read)
		return -EACCES;
	if (!pt->fs)
		return -ENOENT;
	pthread_mutex_lock(&pt->fs->lock);
	*out = root ? pt->fs->root : pt->fs->cwd;
	vfs_path_get(out);
	pthread_mutex_unlock(&pt->fs->lock);
	return 0;
}

static int link_cwd(struct proc_target *pt, struct vfs_path *out)
{
	return link_fs(pt, out, false);
}

static int link_root(struct proc_target *pt, struct vfs_path *out)
{
	return link_fs(pt, out, true);
}

/* The executable's path as exec named it (a copy), or NULL. */
static char *exe_name(struct proc_target *pt)
{
	char *name = NULL;

	pthread_mutex_lock(&pt->tg->lock);
	if (pt->tg->exe)
		name = strdup(pt->tg->exe);
	pthread_mutex_unlock(&pt->tg->lock);
	return name;
}

/*
 * exe's path, followed from a path walk (the namespace lock held): the ELF
 * file exec loaded, kept since (no lookup).
 */
static int link_exe(struct proc_target *pt, struct vfs_path *out)
{
	int err = -ENOENT;

	if (!pt->may_read)
		return -EACCES;
	if (!pt->mm || !pt->fs)
		return -ENOENT;
	pthread_mutex_lock(&pt->tg->lock);
	if (pt->tg->exe_path.mnt) {
		*out = pt->tg->exe_path;
		vfs_path_get(out);
		err = 0;
	}
	pthread_mutex_unlock(&pt->tg->lock);
	return err;
}

/*
 * /proc/PID/uid_map and gid_map: the OCI config's mappings, else the
 * initial namespace's whole range, as Linux lays them out.
 */
static void show_idmap(struct sbuf *b, const struct kernel_idmap *m, int n)
{
	if (!n)
		sb_printf(b, "%10u %10u %10u\n", 0u, 0u, 4294967295u);
	for (int i = 0; i < n; i++)
		sb_printf(b, "%10u %10u %10u\n", m[i].inside, m[i].outside,
			  m[i].count);
}

static int show_uid_map(struct proc_target *pt, struct sbuf *b)
{
	show_idmap(b, pt->k->uid_map, pt->k->nuid_map);
	return 0;
}

static int show_gid_map(struct proc_target *pt, struct sbuf *b)
{
	show_idmap(b, pt->k->gid_map, pt->k->ngid_map);
	return 0;
}

/* /proc/PID/setgroups: "allow", as in the initial namespace. */
static int show_setgroups(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "allow\n");
	return 0;
}

/* /proc/PID: Linux's tgid_base_stuff that moat has. */
static const struct proc_node pid_nodes[] = {
    {"cmdline", ABI_S_IFREG | 0444, show_cmdline, NULL, NULL, K_STATIC},
    {"comm", ABI_S_IFREG | 0644, show_comm, NULL, NULL, K_STATIC},
    {"cwd", ABI_S_IFLNK | 0777, NULL, link_cwd, NULL, K_STATIC},
    {"environ", ABI_S_IFREG | 0400, show_environ, NULL, NULL, K_STATIC},
    {"exe", ABI_S_IFLNK | 0777, NULL, link_exe, NULL, K_STATIC},
    {"fd", ABI_S_IFDIR | 0500, NULL, NULL, NULL, K_FD_DIR},
    {"fdinfo", ABI_S_IFDIR | 0555, NULL, NULL, NULL, K_FDINFO_DIR},
    {"gid_map", ABI_S_IFREG | 0644, show_gid_map, NULL, NULL, K_STATIC},
    {"limits", ABI_S_IFREG | 0444, show_limits, NULL, NULL, K_STATIC},
    {"maps", ABI_S_IFREG | 0444, show_maps, NULL, NULL, K_STATIC},
    {"mountinfo", ABI_S_IFREG | 0444, show_mountinfo, NULL, NULL, K_STATIC},
    {"mounts", ABI_S_IFREG | 0444, show_mounts_of, NULL, NULL, K_STATIC},
    {"oom_score_adj", ABI_S_IFREG | 0644, show_oom_score_adj, NULL, NULL,
     K_STATIC},
    {"root", ABI_S_IFLNK | 0777, NULL, link_root, NULL, K_STATIC},
    {"setgroups", ABI_S_IFREG | 0644, show_setgroups, NULL, NULL, K_STATIC},
    {"smaps", ABI_S_IFREG | 0444, show_smaps, NULL, NULL, K_STATIC},
    {"smaps_rollup", ABI_S_IFREG | 0444, show_smaps_rollup, NULL, NULL,
     K_STATIC},
    {"stat", ABI_S_IFREG | 0444, show_stat, NULL, NULL, K_STATIC},
    {"statm", ABI_S_IFREG | 0444, show_statm, NULL, NULL, K_STATIC},
    {"status", ABI_S_IFREG | 0444, show_status, NULL, NULL, K_STATIC},
    {"task", ABI_S_IFDIR | 0555, NULL, NULL, NULL, K_TASK_DIR},
    {"uid_map", ABI_S_IFREG | 0644, show_uid_map, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* /proc/PID/task/TID: the same for one thread (tid_base_stuff), no task/. */
static const struct proc_node tid_nodes[] = {
    {"cmdline", ABI_S_IFREG | 0444, show_cmdline, NULL, NULL, K_STATIC},
    {"comm", ABI_S_IFREG | 0644, show_comm, NULL, NULL, K_STATIC},
    {"cwd", ABI_S_IFLNK | 0777, NULL, link_cwd, NULL, K_STATIC},
    {"environ", ABI_S_IFREG | 0400, show_environ, NULL, NULL, K_STATIC},
    {"exe", ABI_S_IFLNK | 0777, NULL, link_exe, NULL, K_STATIC},
    {"fd", ABI_S_IFDIR | 0500, NULL, NULL, NULL, K_FD_DIR},
    {"fdinfo", ABI_S_IFDIR | 0555, NULL, NULL, NULL, K_FDINFO_DIR},
    {"gid_map", ABI_S_IFREG | 0644, show_gid_map, NULL, NULL, K_STATIC},
    {"limits", ABI_S_IFREG | 0444, show_limits, NULL, NULL, K_STATIC},
    {"maps", ABI_S_IFREG | 0444, show_maps, NULL, NULL, K_STATIC},
    {"mountinfo", ABI_S_IFREG | 0444, show_mountinfo, NULL, NULL, K_STATIC},
    {"mounts", ABI_S_IFREG | 0444, show_mounts_of, NULL, NULL, K_STATIC},
    {"oom_score_adj", ABI_S_IFREG | 0644, show_oom_score_adj, NULL, NULL,
     K_STATIC},
    {"root", ABI_S_IFLNK | 0777, NULL, link_root, NULL, K_STATIC},
    {"setgroups", ABI_S_IFREG | 0644, show_setgroups, NULL, NULL, K_STATIC},
    {"smaps", ABI_S_IFREG | 0444, show_smaps, NULL, NULL, K_STATIC},
    {"smaps_rollup", ABI_S_IFREG | 0444, show_smaps_rollup, NULL, NULL,
     K_STATIC},
    {"stat", ABI_S_IFREG | 0444, show_stat, NULL, NULL, K_STATIC},
    {"statm", ABI_S_IFREG | 0444, show_statm, NULL, NULL, K_STATIC},
    {"status", ABI_S_IFREG | 0444, show_status, NULL, NULL, K_STATIC},
    {"uid_map", ABI_S_IFREG | 0644, show_uid_map, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* ---- system-wide files ------------------------------------------------- */

static int show_uptime(struct proc_target *pt, struct sbuf *b)
{
	struct timespec up;

	kernel_uptime(pt->k, &up);
	sb_printf(b, "%lld.%02ld 0.00\n", (long long)up.tv_sec,
		  up.tv_nsec / 10000000);
	return 0;
}

static int show_loadavg(struct proc_target *pt, struct sbuf *b)
{
	sb_printf(b, "0.00 0.00 0.00 1/%d %d\n", pt->k->live_tasks,
		  pt->k->next_tid - 1);
	return 0;
}

static int show_version(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "Linux version 6.1.0 (moat@moat) (moat) #1 SMP "
		     "PREEMPT_DYNAMIC moat\n");
	return 0;
}

static int show_meminfo(struct proc_target *pt, struct sbuf *b)
{
	uint64_t total_b, free_b;
	unsigned long long total, free_;

	kernel_memory(pt->k, &total_b, &free_b);
	total = total_b / 1024;
	free_ = free_b / 1024;
	sb_printf(b,
		  "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
		  "MemAvailable:   %8llu kB\nBuffers:               0 kB\n"
		  "Cached:                0 kB\nSwapCached:            0 kB\n"
		  "SwapTotal:             0 kB\nSwapFree:              0 kB\n",
		  total, free_, free_);
	return 0;
}

static int show_cpuinfo(struct proc_target *pt, struct sbuf *b)
{
	char block[4096];

	for (long i = 0; i < pt->k->ncpus; i++) {
		int n = cpuinfo_format(block, sizeof(block), i, pt->k->ncpus);

		if (n > 0)
			sb_put(b, block,
			       (size_t)n < sizeof(block) ? (size_t)n
							 : sizeof(block) - 1);
	}
	return 0;
}

/* /proc/stat: idle CPUs; btime is when the sandbox booted. */
static int show_pstat(struct proc_target *pt, struct sbuf *b)
{
	long n = pt->k->ncpus;
	struct timespec now, up;

	clock_gettime(CLOCK_REALTIME, &now);
	kernel_uptime(pt->k, &up);
	sb_printf(b, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (long i = 0; i < n; i++)
		sb_printf(b, "cpu%ld 0 0 0 0 0 0 0 0 0 0\n", i);
	sb_printf(b,
		  "intr 0\nctxt 0\nbtime %lld\nprocesses %d\n"
		  "procs_running 1\nprocs_blocked 0\n"
		  "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  (long long)(now.tv_sec - up.tv_sec), pt->k->next_tid - 1);
	return 0;
}

static int show_filesystems(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "nodev\ttmpfs\nnodev\tproc\nnodev\t9p\nnodev\toverlay\n");
	return 0;
}

static int show_hostname(struct proc_target *pt, struct sbuf *b)
{
	sb_printf(b, "%s\n", pt->k->hostname);
	return 0;
}

static int show_osrelease(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "6.1.0\n");
	return 0;
}

static int show_ostype(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "Linux\n");
	return 0;
}

static int show_pid_max(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "4194304\n");
	return 0;
}

static int show_zero(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "0\n");
	return 0;
}

/* The highest capability the sandbox's kernel knows (capget, prctl). */
static int show_cap_last_cap(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "%d\n", ABI_CAP_LAST_CAP);
	return 0;
}

/* Core files are "core" in the working directory (coredump.c). */
static int show_core_pattern(struct proc_target *pt, struct sbuf *b)
{
	(void)pt;
	sb_printf(b, "core\n");
	return 0;
}

static const struct proc_node kernel_nodes[] = {
    {"cap_last_cap", ABI_S_IFREG | 0444, show_cap_last_cap, NULL, NULL,
     K_STATIC},
    {"core_pattern", ABI_S_IFREG | 0444, show_core_pattern, NULL, NULL,
     K_STATIC},
    {"core_uses_pid", ABI_S_IFREG | 0444, show_zero, NULL, NULL, K_STATIC},
    {"hostname", ABI_S_IFREG | 0444, show_hostname, NULL, NULL, K_STATIC},
    {"osrelease", ABI_S_IFREG | 0444, show_osrelease, NULL, NULL, K_STATIC},
    {"ostype", ABI_S_IFREG | 0444, show_ostype, NULL, NULL, K_STATIC},
    {"pid_max", ABI_S_IFREG | 0444, show_pid_max, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static int show_ip_forward(struct proc_target *pt, struct sbuf *b)
{
	sb_printf(b, "%d\n",
		  __atomic_load_n(&pt->k->ip_forward, __ATOMIC_RELAXED));
	return 0;
}

static const struct proc_node ipv4_nodes[] = {
    {"ip_forward", ABI_S_IFREG | 0644, show_ip_forward, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node net_nodes[] = {
    {"ipv4", ABI_S_IFDIR | 0555, NULL, NULL, ipv4_nodes, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node vm_nodes[] = {
    {"overcommit_memory", ABI_S_IFREG | 0444, show_zero, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sys_nodes[] = {
    {"kernel", ABI_S_IFDIR | 0555, NULL, NULL, kernel_nodes, K_STATIC},
    {"net", ABI_S_IFDIR | 0555, NULL, NULL, net_nodes, K_STATIC},
    {"vm", ABI_S_IFDIR | 0555, NULL, NULL, vm_nodes, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node root_nodes[] = {
    {"cpuinfo", ABI_S_IFREG | 0444, show_cpuinfo, NULL, NULL, K_STATIC},
    {"filesystems", ABI_S_IFREG | 0444, show_filesystems, NULL, NULL, K_STATIC},
    {"loadavg", ABI_S_IFREG | 0444, show_loadavg, NULL, NULL, K_STATIC},
    {"meminfo", ABI_S_IFREG | 0444, show_meminfo, NULL, NULL, K_STATIC},
    {"mounts", ABI_S_IFREG | 0444, show_mounts_of, NULL, NULL, K_STATIC},
    {"stat", ABI_S_IFREG | 0444, show_pstat, NULL, NULL, K_STATIC},
    {"sys", ABI_S_IFDIR | 0555, NULL, NULL, sys_nodes, K_STATIC},
    {"uptime", ABI_S_IFREG | 0444, show_uptime, NULL, NULL, K_STATIC},
    {"version", ABI_S_IFREG | 0444, show_version, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* ---- sysfs: the few files C libraries and runtimes read ---------------- */

static int show_cpu_range(struct proc_target *pt, struct sbuf *b)
{
	if (pt->k->ncpus > 1)
		sb_printf(b, "0-%d\n", pt->k->ncpus - 1);
	else
		sb_printf(b, "0\n");
	return 0;
}

static const struct proc_node sys_cpu_nodes[] = {
    {"online", ABI_S_IFREG | 0444, show_cpu_range, NULL, NULL, K_STATIC},
    {"possible", ABI_S_IFREG | 0444, show_cpu_range, NULL, NULL, K_STATIC},
    {"present", ABI_S_IFREG | 0444, show_cpu_range, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sys_system_nodes[] = {
    {"cpu", ABI_S_IFDIR | 0555, NULL, NULL, sys_cpu_nodes, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sys_devices_nodes[] = {
    {"system", ABI_S_IFDIR | 0555, NULL, NULL, sys_system_nodes, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sysfs_root_nodes[] = {
    {"devices", ABI_S_IFDIR | 0555, NULL, NULL, sys_devices_nodes, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sysfs_root = {"/",  ABI_S_IFDIR | 0555, NULL,
					    NULL, sysfs_root_nodes,   K_STATIC};

/* ---- inodes -------------------------------------------------------------- */

/* A new inode; beneath /proc/PID it takes references on tg and task. */
static struct vfs_inode *proc_new(struct vfs_super *sb, uint32_t mode, int kind,
				  const struct proc_node *node,
				  struct thread_group *tg, struct task *task,
				  int pid, int tid, int fd)
{
	struct proc_inode *pi = calloc(1, sizeof(*pi));

	if (!pi)
		return NULL;
	/* "self" is an ordinary symlink; the others are magic links. */
	vfs_inode_init(&pi->i, sb,
		       kind == K_SELF || kind == K_THREAD_SELF ? &proc_self_ops
		       : kind == K_ANON			       ? &proc_anon_ops
					: &proc_inode_ops,
		       mode);
	__atomic_add_fetch(&sb->refs, 1, __ATOMIC_RELAXED);
	pi->kind = kind;
	pi->node = node;
	pi->pid = pid;
	pi->tid = tid;
	pi->fd = fd;
	if (tg) {
		tg_get(tg);
		task_get(task);
		pi->tg = tg;
		pi->task = task;
		proc_set_owner(pi);
	}
	return &pi->i;
}

static bool parse_num(const char *s, int *out)
{
	long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = (int)v;
	return true;
}

static const struct proc_node *find_node(const struct proc_node *nodes,
					 const char *name)
{
	for (; nodes && nodes->name; nodes++)
		if (!strcmp(nodes->name, name))
			return nodes;
	return NULL;
}

/* Is the task pi shows still there (not reaped, not an exited thread)? */
static bool proc_alive(const struct proc_inode *pi)
{
	struct kernel *k = pi->task->k;
	bool alive;

	pthread_mutex_lock(&k->lock);
	alive = task_listed_locked(pi->tg, pi->task);
	pthread_mutex_unlock(&k->lock);
	return alive;
}

/* fd/N and fdinfo/N: is fd open in pd's task? 0 or -ENOENT. */
static int proc_fd_check(const struct proc_inode *pd, int fd)
{
	struct proc_target pt;
	struct file *f = NULL;
	bool open;

	if (proc_target_get(pd, &pt))
		return -ENOENT;
	if (pt.files)
		f = fd_get(pt.files, fd);
	open = f != NULL;
	if (f)
		file_put(f);
	proc_target_put(&pt);
	return open ? 0 : -ENOENT;
}

/*
 * /proc/PID, its task/ and task/TID are ESRCH once the process is gone
 * (proc_pid_permission); fd/ is for its owner (the mode bits, as any
 * directory), and always for the process itself (proc_fd_permission);
 * fdinfo/ for who may read the process (proc_fdinfo_permission).
 */
static int proc_permission(struct vfs_inode *inode, int mask,
			   const struct creds *c)
{
	struct proc_inode *pi = to_pi(inode);
	struct task *t = current_task;
	bool ok;
	int err;

	if ((pi->kind == K_PID || pi->kind == K_TASK_DIR ||
	     pi->kind == K_TID) &&
	    !proc_alive(pi))
		return -ESRCH;
	if (pi->kind == K_FD_DIR) {
		err = vfs_generic_permission(inode, mask, c);
		return err && t && t->tg == pi->tg ? 0 : err;
	}
	if (pi->kind == K_FDINFO_DIR) {
		if (!proc_alive(pi))
			return -ESRCH;
		pthread_mutex_lock(&pi->tg->lock);
		ok = may_access_locked(c, t ? t->tg : NULL, pi->task);
		pthread_mutex_unlock(&pi->tg->lock);
		if (!ok)
			return -EACCES;
	}
	return vfs_generic_permission(inode, mask, c);
}

static int proc_lookup(struct vfs_inode *dir, const char *name,
		       struct vfs_inode **out)
{
	struct proc_inode *pd = to_pi(dir);
	const struct proc_node *n = NULL;
	struct thread_group *tg;
	struct task *t;
	int num, err;

	switch (pd->kind) {
	case K_ROOT:
		if (!strcmp(name, "self") || !strcmp(name, "thread-self")) {
			*out = proc_new(dir->sb, ABI_S_IFLNK | 0777,
					name[0] == 's' ? K_SELF : K_THREAD_SELF,
					NULL, NULL, NULL, 0, 0, 0);
			return *out ? 0 : -ENOMEM;
		}
		if (parse_num(name, &num)) {
			err = proc_find_pid(proc_kernel(dir), num, &tg, &t);
			if (err)
				return err;
			*out = proc_new(dir->sb, ABI_S_IFDIR | 0555, K_PID,
					NULL, tg, t, num, 0, 0);
			task_put(t);
			tg_put(tg);
			return *out ? 0 : -ENOMEM;
		}
		n = find_node(root_nodes, name);
		break;
	case K_PID:
		if (!proc_alive(pd))
			return -ENOENT;
		n = find_node(pid_nodes, name);
		break;
	case K_TASK_DIR: {
		struct kernel *k = proc_kernel(dir);

		if (!parse_num(name, &num))
			return -ENOENT;
		pthread_mutex_lock(&k->lock);
		t = tg_thread_locked(pd->tg, num);
		if (t)
			task_get(t);
		pthread_mutex_unlock(&k->lock);
		if (!t)
			return -ENOENT;
		*out = proc_new(dir->sb, ABI_S_IFDIR | 0555, K_TID, NULL,
				pd->tg, t, pd->pid, num, 0);
		task_put(t);
		return *out ? 0 : -ENOMEM;
	}
	case K_TID:
		if (!proc_alive(pd))
			return -ENOENT;
		n = find_node(tid_nodes, name);
		break;
	case K_FD_DIR:
	case K_FDINFO_DIR:
		if (!parse_num(name, &num))
			return -ENOENT;
		err = proc_fd_check(pd, num);
		if (err)
			return err;
		*out =
		    pd->kind == K_FD_DIR
			? proc_new(dir->sb, ABI_S_IFLNK | 0700, K_FD, NULL,
				   pd->tg, pd->task, pd->pid, pd->tid, num)
			: proc_new(dir->sb, ABI_S_IFREG | 0444, K_FDINFO, NULL,
				   pd->tg, pd->task, pd->pid, pd->tid, num);
		return *out ? 0 : -ENOMEM;
	default:
		n = pd->node && pd->node->dir ? find_node(pd->node->dir, name)
					      : NULL;
		break;
	}
	if (!n)
		return -ENOENT;
	*out = proc_new(dir->sb, n->mode, n->kind, n, pd->tg, pd->task, pd->pid,
			pd->tid, 0);
	return *out ? 0 : -ENOMEM;
}

/*
 * Is a cached entry of dir still right (pid_revalidate, tid_fd_revalidate)?
 * Processes, threads and fds come and go: an entry for one that is gone
 * is dropped, and the absence of a number is never trusted. A process's
 * files follow its credentials (their owner) as Linux's do.
 */
static bool proc_revalidate(struct vfs_inode *dir, const char *name,
			    struct vfs_inode *inode)
{
	struct proc_inode *pd = to_pi(dir), *pi;
	int num;

	if (!inode)
		return !(pd->kind == K_TASK_DIR || pd->kind == K_FD_DIR ||
			 pd->kind == K_FDINFO_DIR ||
			 (pd->kind == K_ROOT && parse_num(name, &num)));
	pi = to_pi(inode);
	if (!pi->tg)
		return true;
	if (!proc_alive(pi))
		return false;
	if ((pi->kind == K_FD || pi->kind == K_FDINFO) &&
	    proc_fd_check(pd, pi->fd) == -ENOENT)
		return false;
	proc_set_owner(pi);
	return true;
}

/*
 * A path for a file that has none: a fresh proc inode holding the file,
 * on an orphan dentry of the proc mount. Opening it gives that file.
 */
static int anon_path(struct vfs_super *sb, struct kernel *k, struct file *f,
		     struct vfs_path *out)
{
	struct vfs_inode *inode;
	struct vfs_mount *m;
	struct abi_stat st = {0};

	f->ops->stat(f, &st);
	inode = proc_new(sb, (st.st_mode & ABI_S_IFMT) | 0600, K_ANON, NULL,
			 NULL, NULL, 0, 0, 0);
	if (!inode) {
		file_put(f);
		return -ENOMEM;
	}
	to_pi(inode)->file = f; /* takes the reference */
	for (m = k->ns.mounts; m && m->sb != sb; m = m->next)
		;
	out->dentry = m ? vfs_dentry_root(inode) : NULL;
	if (!out->dentry) {
		vfs_inode_put(inode);
		return -ENXIO;
	}
	out->mnt = m;
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The path a magic link stands for; called from a path walk, with the
 * namespace lock held.
 */
static int proc_get_link(struct vfs_inode *inode, struct vfs_path *out)
{
	struct proc_inode *pi = to_pi(inode);
	struct proc_target pt;
	struct file *f;
	int err;

	if (proc_target_get(pi, &pt))
		return -ENOENT;
	if (pi->kind != K_FD) {
		err = pi->node->link(&pt, out);
	} else if (!pt.may_read) {
		err = -EACCES;
	} else if (!pt.files || !(f = fd_get(pt.files, pi->fd))) {
		err = -ENOENT;
	} else if (f->path.mnt) {
		*out = f->path;
		vfs_path_get(out);
		file_put(f);
		err = 0;
	} else {
		/* No path (host stdio): an anonymous inode that opens it. */
		err = anon_path(inode->sb, pt.k, f, out);
	}
	proc_target_put(&pt);
	return err;
}

/* fd/N's text for a file without a path: "pipe:[ino]" and the like. */
static bool pathless_name(struct file *f, char *text, size_t size)
{
	struct abi_stat st = {0};

	if (f->path.mnt)
		return false;
	if (f->ops->anon_name) {
		snprintf(text, size, "anon_inode:%s", f->ops->anon_name);
		return true;
	}
	f->ops->stat(f, &st);
	snprintf(text, size, "%s:[%llu]",
		 (st.st_mode & ABI_S_IFMT) == ABI_S_IFIFO    ? "pipe"
		 : (st.st_mode & ABI_S_IFMT) == ABI_S_IFSOCK ? "socket"
							     : "host",
		 (unsigned long long)st.st_ino);
	return true;
}

/*
 * A magic link's text (proc_pid_readlink): its path as the caller sees
 * it, from the caller's root; EACCES for who may not read the process.
 */
static int proc_link_text(struct proc_inode *pi, struct proc_target *pt,
			  char *text, size_t size)
{
	struct vfs_path p, root;
	struct file *f;
	char *name;
	int err;

	if (!pt->may_read)
		return -EACCES;
	if (pi->kind == K_FD) {
		f = pt->files ? fd_get(pt->files, pi->fd) : NULL;
		if (!f)
			return -ENOENT;
		if (pathless_name(f, text, size)) {
			file_put(f);
			return 0;
		}
		p = f->path;
		vfs_path_get(&p);
		file_put(f);
	} else if (pi->node->link == link_exe &&
		   (err = link_exe(pt, &p)) != 0) {
		/* Not a file of the sandbox's: the name exec gave it. */
		name = err != -EACCES && pt->mm ? exe_name(pt) : NULL;
		if (!name)
			return err;
		snprintf(text, size, "%s", name);
		free(name);
		return 0;
	} else if (pi->node->link != link_exe) {
		err = pi->node->link(pt, &p);
		if (err)
			return err;
	}
	pthread_mutex_lock(&pt->caller->fs->lock);
	root = pt->caller->fs->root;
	vfs_path_get(&root);
	pthread_mutex_unlock(&pt->caller->fs->lock);
	err = vfs_path_name(&pt->k->ns, &root, &p, text, ABI_PATH_MAX);
	if (err == 0 && p.dentry->removed && p.dentry->parent)
		strncat(text, " (deleted)", size - strlen(text) - 1);
	vfs_path_put(&root);
	vfs_path_put(&p);
	return err < 0 ? err : 0;
}

static ssize_t proc_readlink(struct vfs_inode *inode, char *buf, size_t len)
{
	struct proc_inode *pi = to_pi(inode);
	char text[ABI_PATH_MAX + 32];
	struct task *t = current_task;
	struct proc_target pt;
	size_t n;
	int err;

	if (pi->kind == K_SELF || pi->kind == K_THREAD_SELF) {
		if (!t)
			return -ENOENT;
		if (pi->kind == K_SELF)
			snprintf(text, sizeof(text), "%d", t->tg->tgid);
		else
			snprintf(text, sizeof(text), "%d/task/%d", t->tg->tgid,
				 t->tid);
	} else {
		if (proc_target_get(pi, &pt))
			return -ENOENT;
		err = proc_link_text(pi, &pt, text, sizeof(text));
		proc_target_put(&pt);
		if (err)
			return err;
	}
	n = strlen(text);
	if (n > len)
		n = len;
	memcpy(buf, text, n);
	return (ssize_t)n;
}

/* ---- open files --------------------------------------------------------- */

struct proc_file {
	struct file f;
	struct sbuf text;
};

static ssize_t proc_read(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct proc_file *pf = container_of(f, struct proc_file, f);
	ssize_t done = 0;

	for (int i = 0; i < iovcnt; i++) {
		size_t n;
		int err;

		if ((uint64_t)*pos >= pf->text.len)
			break;
		n = (size_t)min_t(uint64_t, iov[i].iov_len,
				  pf->text.len - (uint64_t)*pos);
		err = mm_copy_out(t->mm, iov[i].iov_base, pf->text.p + *pos, n);
		if (err)
			return done ? done : err;
		*pos += (int64_t)n;
		done += (ssize_t)n;
	}
	return done;
}

static ssize_t proc_kread(struct file *f, void *buf, size_t len, int64_t off)
{
	struct proc_file *pf = container_of(f, struct proc_file, f);

	if (off < 0 || (uint64_t)off >= pf->text.len)
		return 0;
	if (len > pf->text.len - (uint64_t)off)
		len = pf->text.len - (uint64_t)off;
	memcpy(buf, pf->text.p + off, len);
	return (ssize_t)len;
}

static int proc_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static bool proc_seekable(struct file *f)
{
	(void)f;
	return true;
}

static void proc_release(struct file *f)
{
	struct proc_file *pf = container_of(f, struct proc_file, f);

	free(pf->text.p);
	free(pf);
}

static size_t count_nodes(const struct proc_node *n)
{
	size_t i = 0;

	while (n && n[i].name)
		i++;
	return i;
}

/* Directories: "." "..", then the entries, positions 2.. in order. */
static int emit_nodes(struct vfs_dir_sink *sink, const struct proc_node *n,
		      int64_t *pos, int64_t base, uint64_t ino)
{
	for (int64_t i = 0; n && n[i].name; i++) {
		if (base + i < *pos)
			continue;
		if (sink->emit(sink, n[i].name, strlen(n[i].name), ino + i,
			       (n[i].mode & ABI_S_IFMT) >> 12, base + i + 1))
			return 1;
		*pos = base + i + 1;
	}
	return 0;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return a < b ? -1 : a > b;
}

/*
 * The processes' tgids from min on, ascending (a new array in *out):
 * their count, or -ENOMEM.
 */
static long list_tgids(struct kernel *k, int min, int **out)
{
	size_t n = 0, cap = 0;
	int *ids;

	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		cap++;
	ids = malloc((cap ? cap : 1) * sizeof(*ids));
	if (!ids) {
		pthread_mutex_unlock(&k->lock);
		return -ENOMEM;
	}
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->tgid >= min && tg->leader)
			ids[n++] = tg->tgid;
	pthread_mutex_unlock(&k->lock);
	qsort(ids, n, sizeof(*ids), cmp_int);
	*out = ids;
	return (long)n;
}

/*
 * The threads of tg as task/ lists them (a new array in *out): the
 * leader first while the group is not reaped, then the others; their
 * count, or -ENOMEM.
 */
static long list_tids(struct kernel *k, struct thread_group *tg, int **out)
{
	size_t n = 0, cap = 1;
	int *ids;

	pthread_mutex_lock(&k->lock);
	for (struct task *t = tg->threads; t; t = t->next_thread)
		cap++;
	ids = malloc(cap * sizeof(*ids));
	if (!ids) {
		pthread_mutex_unlock(&k->lock);
		return -ENOMEM;
	}
	if (tg->state != TG_DEAD && tg->leader)
		ids[n++] = tg->leader->tid;
	for (struct task *t = tg->threads; t; t = t->next_thread)
		if (t != tg->leader)
			ids[n++] = t->tid;
	pthread_mutex_unlock(&k->lock);
	*out = ids;
	return (long)n;
}

/* /proc's processes after its files: position pid_pos0 + tgid for each. */
static int readdir_pids(struct file *f, struct vfs_dir_sink *sink,
			struct kernel *k, int64_t pid_pos0)
{
	char name[16];
	int *ids;
	long n;

	n = list_tgids(k, (int)min_t(int64_t, f->pos - pid_pos0, INT32_MAX),
		       &ids);
	if (n < 0)
		return (int)n;
	for (long i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "%d", ids[i]);

		if (sink->emit(sink, name, (size_t)len,
			       10000 + (uint64_t)ids[i], ABI_DT_DIR,
			       pid_pos0 + ids[i] + 1))
			break;
		f->pos = pid_pos0 + ids[i] + 1;
	}
	free(ids);
	return 0;
}

/* task/: the threads, at positions 2.. in list_tids's order. */
static int readdir_tids(struct file *f, struct vfs_dir_sink *sink,
			struct kernel *k, struct thread_group *tg)
{
	char name[16];
	int *ids;
	long n;

	n = list_tids(k, tg, &ids);
	if (n < 0)
		return (int)n;
	for (long i = f->pos - 2; i >= 0 && i < n; i++) {
		int len = snprintf(name, sizeof(name), "%d", ids[i]);

		if (sink->emit(sink, name, (size_t)len, 6000 + (uint64_t)ids[i],
			       ABI_DT_DIR, i + 3))
			break;
		f->pos = i + 3;
	}
	free(ids);
	return 0;
}

/* fd/ and fdinfo/: the open fds, fd N at position N + 2. */
static int readdir_fds(struct file *f, struct vfs_dir_sink *sink,
		       struct proc_inode *pi)
{
	struct proc_target pt;
	struct fdtable *files;
	char name[16];

	if (proc_target_get(pi, &pt))
		return -ENOENT;
	files = pt.files; /* NULL: a zombie's, empty */
	for (int fd = (int)f->pos - 2; files && fd < 1048576; fd++) {
		struct file *of;
		int n;

		pthread_mutex_lock(&files->lock);
		if (fd >= files->cap) {
			pthread_mutex_unlock(&files->lock);
			break;
		}
		of = files->fds[fd].file;
		pthread_mutex_unlock(&files->lock);
		if (!of)
			continue;
		n = snprintf(name, sizeof(name), "%d", fd);
		if (sink->emit(sink, name, (size_t)n, 4000 + (uint64_t)fd,
			       pi->kind == K_FD_DIR ? ABI_DT_LNK : ABI_DT_REG,
			       fd + 3))
			break;
		f->pos = fd + 3;
	}
	proc_target_put(&pt);
	return 0;
}

static int proc_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct proc_inode *pi = to_pi(f->inode);

	/* A process's directories: ENOENT once it is gone, as Linux. */
	if (pi->tg && !proc_alive(pi))
		return -ENOENT;
	if (f->pos == 0) {
		if (sink->emit(sink, ".", 1, f->inode->ino, ABI_DT_DIR, 1))
			return 0;
		f->pos = 1;
	}
	if (f->pos == 1) {
		if (sink->emit(sink, "..", 2, f->inode->ino, ABI_DT_DIR, 2))
			return 0;
		f->pos = 2;
	}
	switch (pi->kind) {
	case K_ROOT: {
		/* The files, then self, thread-self and the processes. */
		int64_t base = 2 + (int64_t)count_nodes(root_nodes);

		if (emit_nodes(sink, root_nodes, &f->pos, 2, 1000))
			return 0;
		if (f->pos == base) {
			if (sink->emit(sink, "self", 4, 999, ABI_DT_LNK,
				       base + 1))
				return 0;
			f->pos = base + 1;
		}
		if (f->pos == base + 1) {
			if (sink->emit(sink, "thread-self", 11, 998, ABI_DT_LNK,
				       base + 2))
				return 0;
			f->pos = base + 2;
		}
		return readdir_pids(f, sink, proc_kernel(f->inode), base + 2);
	}
	case K_PID:
		emit_nodes(sink, pid_nodes, &f->pos, 2, 3000);
		return 0;
	case K_TASK_DIR:
		return readdir_tids(f, sink, proc_kernel(f->inode), pi->tg);
	case K_TID:
		emit_nodes(sink, tid_nodes, &f->pos, 2, 7000);
		return 0;
	case K_FD_DIR:
	case K_FDINFO_DIR:
		return readdir_fds(f, sink, pi);
	default:
		if (pi->node)
			emit_nodes(sink, pi->node->dir, &f->pos, 2, 5000);
		return 0;
	}
}

static const struct file_ops proc_reg_ops = {
    .read = proc_read,
    .kread = proc_kread,
    .stat = proc_stat,
    .seekable = proc_seekable,
    .release = proc_release,
};

/*
 * A write to /proc/PID/comm or /proc/PID/task/TID/comm names that thread
 * (as PR_SET_NAME would) with the first 15 bytes written, a newline kept,
 * and takes all the bytes (comm_write); a thread of another group: EINVAL.
 * Each iovec is a write of its own, as for Linux's plain .write files.
 */
static ssize_t proc_comm_write(struct file *f, struct task *t,
			       const struct abi_iovec *iov, int iovcnt,
			       int64_t *pos)
{
	struct proc_target pt;
	ssize_t done = 0;
	int err;

	(void)pos;
	for (int i = 0; i < iovcnt; i++) {
		char comm[ABI_TASK_COMM_LEN] = {0};
		size_t n =
		    (size_t)min_t(uint64_t, iov[i].iov_len, sizeof(comm) - 1);

		if (mm_copy_in(t->mm, comm, iov[i].iov_base, n))
			return done ? done : -EFAULT;
		err = proc_target_get(to_pi(f->inode), &pt);
		if (!err && pt.tg != t->tg)
			err = -EINVAL;
		if (!err) {
			pthread_mutex_lock(&pt.tg->lock);
			memcpy(pt.t->comm, comm, sizeof(comm));
			pthread_mutex_unlock(&pt.tg->lock);
		}
		proc_target_put(&pt);
		if (err)
			return done ? done : err;
		done += (ssize_t)iov[i].iov_len;
	}
	return done;
}

/*
 * A write to /proc/PID/oom_score_adj: a number in -1000..1000 (EINVAL),
 * kept for the process (the sandbox has no OOM killer of its own; the
 * host's acts on the whole sandbox). Below the lowest value set with
 * CAP_SYS_RESOURCE (0 at first) it goes only with that capability
 * (EACCES); another process's: EACCES.
 */
/* A decimal number written to a proc file (blanks after it): 0 or -errno. */
static int proc_write_long(struct task *t, const struct abi_iovec *iov,
			   int iovcnt, long *v)
{
	char buf[24] = {0}, *end;
	size_t n = 0;

	for (int i = 0; i < iovcnt && n < sizeof(buf) - 1; i++) {
		size_t k = (size_t)min_t(uint64_t, iov[i].iov_len,
					 sizeof(buf) - 1 - n);

		if (mm_copy_in(t->mm, buf + n, iov[i].iov_base, k))
			return -EFAULT;
		n += k;
	}
	errno = 0;
	*v = strtol(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	return errno || end == buf || *end ? -EINVAL : 0;
}

/*
 * A write to /proc/sys/net/ipv4/ip_forward: an int (proc_dointvec), by
 * root or a holder of CAP_NET_ADMIN (net_ctl_permissions), EPERM else.
 */
static ssize_t proc_ipfwd_write(struct file *f, struct task *t,
				const struct abi_iovec *iov, int iovcnt,
				int64_t *pos)
{
	long v;
	int err;

	(void)f;
	(void)pos;
	if (t->creds.euid != 0 && !creds_capable(&t->creds, ABI_CAP_NET_ADMIN))
		return -EPERM;
	err = proc_write_long(t, iov, iovcnt, &v);
	if (err)
		return err;
	if (v < INT32_MIN || v > INT32_MAX)
		return -EINVAL;
	__atomic_store_n(&t->k->ip_forward, (int)v, __ATOMIC_RELAXED);
	return (ssize_t)iov_total(iov, iovcnt);
}

static ssize_t proc_oom_write(struct file *f, struct task *t,
			      const struct abi_iovec *iov, int iovcnt,
			      int64_t *pos)
{
	struct proc_target pt;
	long v;
	int err;

	(void)pos;
	err = proc_write_long(t, iov, iovcnt, &v);
	if (err)
		return err;
	if (v < -1000 || v > 1000)
		return -EINVAL;
	err = proc_target_get(to_pi(f->inode), &pt);
	if (!err && pt.tg != t->tg)
		err = -EACCES;
	if (!err) {
		pthread_mutex_lock(&pt.tg->lock);
		bool cap = creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE);

		if (v < pt.tg->oom_score_adj_min && !cap) {
			err = -EACCES;
		} else {
			pt.tg->oom_score_adj = (int)v;
			if (cap)
				pt.tg->oom_score_adj_min = (int)v;
		}
		pthread_mutex_unlock(&pt.tg->lock);
	}
	proc_target_put(&pt);
	return err ? err : (ssize_t)iov_total(iov, iovcnt);
}

static const struct file_ops proc_oom_ops = {
    .read = proc_read,
    .write = proc_oom_write,
    .kread = proc_kread,
    .stat = proc_stat,
    .seekable = proc_seekable,
    .release = proc_release,
};

static const struct file_ops proc_ipfwd_ops = {
    .read = proc_read,
    .write = proc_ipfwd_write,
    .kread = proc_kread,
    .stat = proc_stat,
    .seekable = proc_seekable,
    .release = proc_release,
};

static const struct file_ops proc_comm_ops = {
    .read = proc_read,
    .write = proc_comm_write,
    .kread = proc_kread,
    .stat = proc_stat,
    .seekable = proc_seekable,
    .release = proc_release,
};

static const struct file_ops proc_dir_ops = {
    .stat = proc_stat,
    .seekable = proc_seekable,
    .readdir = proc_readdir,
    .release = proc_release,
};

/*
 * fd/N of a file without a path, opened: a memfd (an unlinked tmpfs
 * file) gets a new open file description, as on Linux; anything else
 * (host stdio, pipes, sockets) the same open file again, in a mode it was
 * opened with (no new description of a host file).
 */
static struct file *proc_open_anon(struct vfs_inode *inode, uint32_t flags)
{
	struct file *f = to_pi(inode)->file;
	struct vfs_path none = {0};

	if (f->inode && tmpfs_is(f->inode) && ABI_S_ISREG(f->inode->mode))
		return vfs_open_inode(&none, f->inode, flags);
	if (((flags & ABI_O_ACCMODE) != ABI_O_WRONLY && !file_readable(f)) ||
	    ((flags & ABI_O_ACCMODE) != ABI_O_RDONLY && !file_writable(f)))
		return ERR_PTR(-EACCES);
	file_get(f);
	return f;
}

static struct file *proc_open(struct vfs_inode *inode, uint32_t flags)
{
	struct proc_inode *pi = to_pi(inode);
	struct proc_target pt;
	struct proc_file *pf;
	bool comm, oom, ipfwd;
	int err;

	/* comm and oom_score_adj alone take writes. */
	comm = pi->node && pi->node->show == show_comm;
	oom = pi->node && pi->node->show == show_oom_score_adj;
	ipfwd = pi->node && pi->node->show == show_ip_forward;
	if ((flags & ABI_O_ACCMODE) != ABI_O_RDONLY && !comm && !oom && !ipfwd)
		return ERR_PTR(-EACCES);
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return ERR_PTR(-ENOMEM);
	if (ABI_S_ISDIR(inode->mode)) {
		/* A reaped process's directories: ENOENT, as Linux. */
		if (pi->tg && !proc_alive(pi)) {
			free(pf);
			return ERR_PTR(-ENOENT);
		}
		file_init(&pf->f, &proc_dir_ops, flags);
		return &pf->f;
	}
	file_init(&pf->f,
		  comm	  ? &proc_comm_ops
		  : oom	  ? &proc_oom_ops
		  : ipfwd ? &proc_ipfwd_ops
			  : &proc_reg_ops,
		  flags);
	err = proc_target_get(pi, &pt);
	if (err) {
		free(pf);
		return ERR_PTR(err);
	}
	if (pi->kind == K_FDINFO)
		err = show_fdinfo(&pt, pi->fd, &pf->text);
	else if (pi->node && pi->node->show)
		err = pi->node->show(&pt, &pf->text);
	proc_target_put(&pt);
	if (!err && pf->text.oom)
		err = -ENOMEM;
	if (err) {
		free(pf->text.p);
		free(pf);
		return ERR_PTR(err);
	}
	return &pf->f;
}

static void proc_evict(struct vfs_inode *inode)
{
	struct proc_inode *pi = to_pi(inode);
	struct vfs_super *sb = inode->sb;

	if (pi->file)
		file_put(pi->file);
	if (pi->task)
		task_put(pi->task);
	if (pi->tg)
		tg_put(pi->tg);
	free(pi);
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops->destroy)
		sb->ops->destroy(sb);
}

static int proc_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	(void)inode;
	/*
	 * As Linux's proc_setattr: a size or times change (O_TRUNC of a
	 * writable file: `echo 1 > /proc/...`) succeeds and changes nothing;
	 * a mode or owner change is EPERM. Through /proc/self/fd/N of a
	 * donated host file too: the host file stays as it is (deviation:
	 * Linux would truncate it).
	 */
	if (sa->mask & (VFS_SETATTR_MODE | VFS_SETATTR_UID | VFS_SETATTR_GID))
		return -EPERM;
	return 0;
}

static const struct vfs_inode_ops proc_inode_ops = {
    .lookup = proc_lookup,
    .revalidate = proc_revalidate,
    .permission = proc_permission,
    .readlink = proc_readlink,
    .get_link = proc_get_link,
    .setattr = proc_setattr,
    .open = proc_open,
    .evict = proc_evict,
};

/* A pathless file's stand-in: only opened (proc_get_link's anon_path). */
static const struct vfs_inode_ops proc_anon_ops = {
    .permission = proc_permission,
    .open_file = proc_open_anon,
    .evict = proc_evict,
};

static const struct vfs_inode_ops proc_self_ops = {
    .readlink = proc_readlink,
    .setattr = proc_setattr,
    .evict = proc_evict,
};

static int proc_statfs(struct vfs_super *sb, struct abi_statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = strcmp(sb->type, "sysfs") ? 0x9fa0 /* PROC_SUPER_MAGIC */
					       : 0x62656572; /* SYSFS_MAGIC */
	st->f_bsize = 4096;
	st->f_namelen = ABI_NAME_MAX;
	return 0;
}

static void proc_destroy(struct vfs_super *sb)
{
	free(container_of(sb, struct proc_super, sb));
}

static const struct vfs_super_ops proc_super_ops = {
    .statfs = proc_statfs,
    .destroy = proc_destroy,
};

struct vfs_inode *procfs_create(struct kernel *k)
{
	struct proc_super *ps = calloc(1, sizeof(*ps));
	struct vfs_inode *root;

	if (!ps)
		return NULL;
	vfs_super_init(&ps->sb, &proc_super_ops, "proc");
	ps->k = k;
	root = proc_new(&ps->sb, ABI_S_IFDIR | 0555, K_ROOT, NULL, NULL, NULL,
			0, 0, 0);
	__atomic_sub_fetch(&ps->sb.refs, 1, __ATOMIC_RELAXED);
	if (!root)
		free(ps);
	return root;
}

struct vfs_inode *sysfs_create(struct kernel *k)
{
	struct proc_super *ps = calloc(1, sizeof(*ps));
	struct vfs_inode *root;

	if (!ps)
		return NULL;
	vfs_super_init(&ps->sb, &proc_super_ops, "sysfs");
	ps->k = k;
	root = proc_new(&ps->sb, ABI_S_IFDIR | 0555, K_STATIC, &sysfs_root,
			NULL, NULL, 0, 0, 0);
	__atomic_sub_fetch(&ps->sb.refs, 1, __ATOMIC_RELAXED);
	if (!root)
		free(ps);
	return root;
}
