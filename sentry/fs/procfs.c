// SPDX-License-Identifier: Apache-2.0
/*
 * procfs: the sandbox's /proc, generated from the sentry's own state (never
 * the host's): /proc/self, /proc/thread-self, /proc/PID/{cmdline, comm,
 * environ, exe, cwd, root, fd/, fdinfo/, limits, maps, smaps, smaps_rollup,
 * mounts, mountinfo, stat, statm, status, task/TID/...}, and
 * /proc/{uptime, loadavg, version, meminfo, cpuinfo, stat, filesystems,
 * mounts, sys/kernel/...}, each laid out as Linux 6.1 lays it out. A
 * file's text is made when it is opened and read from that snapshot, as
 * seq_file does.
 *
 * Deviations for now: only the calling process has a /proc/PID directory,
 * and only the calling thread a task/TID one (one process of one thread
 * per sandbox until clone and fork arrive). Memory figures: see mem_stats
 * and smap_account.
 */
#include "sentry/fs/procfs.h"

#include "platform/platform.h"
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

struct proc_node;
typedef void (*show_fn)(struct task *t, struct sbuf *b);
/* A magic link's path (references), and its readlink text. */
typedef int (*link_fn)(struct task *t, struct vfs_path *out);

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
	int pid, tid, fd;  /* tid: beneath /proc/PID/task/TID, else 0 */
	struct file *file; /* K_ANON: the pathless file it stands for */
};

static const struct vfs_inode_ops proc_inode_ops, proc_self_ops;

static struct proc_inode *to_pi(struct vfs_inode *i)
{
	return container_of(i, struct proc_inode, i);
}

/* The task a pid names: only the caller's own process for now. */
static struct task *proc_task(int pid)
{
	struct task *t = current_task;

	return t && t->tg->tgid == pid ? t : NULL;
}

/* Thread tid of process pid: only the calling thread for now. */
static struct task *proc_thread(int pid, int tid)
{
	struct task *t = proc_task(pid);

	return t && t->tid == tid ? t : NULL;
}

/* The task whose files pi shows: its thread's, else its process's. */
static struct task *proc_inode_task(const struct proc_inode *pi)
{
	if (pi->tid)
		return proc_thread(pi->pid, pi->tid);
	return pi->pid ? proc_task(pi->pid) : current_task;
}

/* ---- per-process files ----------------------------------------------------
 */

static void show_range(struct task *t, struct sbuf *b, uint64_t start,
		       uint64_t end)
{
	char buf[4096];

	while (start < end) {
		size_t n = (size_t)min_t(uint64_t, end - start, sizeof(buf));

		if (mm_copy_in(t->mm, buf, start, n))
			break;
		sb_put(b, buf, n);
		start += n;
	}
}

static void show_cmdline(struct task *t, struct sbuf *b)
{
	show_range(t, b, t->mm->arg_start, t->mm->arg_end);
}

static void show_environ(struct task *t, struct sbuf *b)
{
	show_range(t, b, t->mm->env_start, t->mm->env_end);
}

static void show_comm(struct task *t, struct sbuf *b)
{
	sb_printf(b, "%s\n", t->comm);
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

static void mem_stats(struct task *t, struct mem_stats *ms)
{
	struct mm *mm = t->mm;
	uint64_t last_slot = UINT64_MAX, tables = 0;

	memset(ms, 0, sizeof(*ms));
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t len = v->end - v->start, rss;
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
static void sig_dispositions(struct task *t, abi_sigset_t *ign,
			     abi_sigset_t *cgt)
{
	*ign = *cgt = 0;
	pthread_mutex_lock(&t->tg->lock);
	for (int sig = 1; sig <= ABI_NSIG; sig++) {
		uint64_t h = t->tg->sigactions[sig - 1].handler;

		if (h == ABI_SIG_IGN)
			*ign |= ABI_SIG_BIT(sig);
		else if (h != ABI_SIG_DFL)
			*cgt |= ABI_SIG_BIT(sig);
	}
	pthread_mutex_unlock(&t->tg->lock);
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

static void show_status(struct task *t, struct sbuf *b)
{
	const struct creds *c = &t->creds;
	struct thread_group *tg = t->tg;
	struct mem_stats ms;
	abi_sigset_t ign, cgt;
	int fdsize;

	mem_stats(t, &ms);
	sig_dispositions(t, &ign, &cgt);
	pthread_mutex_lock(&t->files->lock);
	fdsize = t->files->cap ? t->files->cap : 64;
	pthread_mutex_unlock(&t->files->lock);

	sb_printf(b, "Name:\t%s\nUmask:\t%#04o\nState:\tR (running)\n", t->comm,
		  tg->umask);
	sb_printf(b,
		  "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		  tg->tgid, t->tid, tg->ppid);
	sb_printf(b, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", c->ruid,
		  c->euid, c->suid, c->fsuid, c->rgid, c->egid, c->sgid,
		  c->fsgid);
	sb_printf(b, "FDSize:\t%d\nGroups:\t", fdsize);
	for (int i = 0; i < c->ngroups; i++)
		sb_printf(b, "%s%u", i ? " " : "", c->groups[i]);
	/* The sandbox is one pid namespace; a session of its own. */
	sb_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		  tg->tgid, t->tid, tg->tgid, tg->tgid);
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
	sb_printf(b,
		  "Threads:\t%d\nSigQ:\t%d/%llu\nSigPnd:\t%016llx\n"
		  "ShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		  "SigCgt:\t%016llx\n",
		  tg->live_threads, signal_queued(t),
		  (unsigned long long)tg->rlim[ABI_RLIMIT_SIGPENDING].rlim_cur,
		  (unsigned long long)__atomic_load_n(&t->pending.set,
						      __ATOMIC_ACQUIRE),
		  (unsigned long long)__atomic_load_n(&tg->shared_pending.set,
						      __ATOMIC_ACQUIRE),
		  (unsigned long long)t->sigmask, (unsigned long long)ign,
		  (unsigned long long)cgt);
	sb_printf(b,
		  "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		  "CapBnd:\t%016llx\nCapAmb:\t0000000000000000\n",
		  (unsigned long long)c->cap_inheritable,
		  (unsigned long long)c->cap_permitted,
		  (unsigned long long)c->cap_effective,
		  (unsigned long long)c->cap_bounding);
	/* The host CPU's speculation mitigations are not the sandbox's. */
	sb_printf(b,
		  "NoNewPrivs:\t%d\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		  "Speculation_Store_Bypass:\tunknown\n"
		  "SpeculationIndirectBranch:\tunknown\nCpus_allowed:\t",
		  t->no_new_privs);
	show_bitmap(b, t->k->ncpus, 0, t->k->ncpus - 1);
	if (t->k->ncpus > 1)
		sb_printf(b, "\nCpus_allowed_list:\t0-%d\n", t->k->ncpus - 1);
	else
		sb_printf(b, "\nCpus_allowed_list:\t0\n");
	sb_printf(b, "Mems_allowed:\t");
	show_bitmap(b, 1024, 0, 0);
	sb_printf(b, "\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n"
		     "nonvoluntary_ctxt_switches:\t0\n");
}

/* Clock ticks (USER_HZ) of CPU time t has run, if the platform can tell. */
static unsigned long long cpu_ticks(struct task *t)
{
	struct timespec ts;

	if (t != current_task || !t->ctx ||
	    t->k->plat->ops->cpu_time(t->ctx, t->mm->as, &ts))
		return 0;
	return (unsigned long long)ts.tv_sec * 100 +
	       (unsigned long long)ts.tv_nsec / 10000000;
}

/*
 * /proc/PID/stat (whole: the process) and /proc/PID/task/TID/stat (the
 * thread): the 52 fields of do_task_stat. CPU time is all user time (the
 * platform tells only the total); fault counts, start time and the
 * scheduler's fields are 0.
 */

/* /proc/PID/stat's priority: 20 + nice, or -1 - the real-time priority. */
static int stat_priority(const struct task *t)
{
	if (t->sched.policy == 6) /* SCHED_DEADLINE */
		return -101;
	if (t->sched.policy == 1 || t->sched.policy == 2)
		return -1 - (int)t->sched.rt_priority;
	return 20 + t->sched.nice;
}
static void do_show_stat(struct task *t, struct sbuf *b, bool whole)
{
	struct thread_group *tg = t->tg;
	struct mm *mm = t->mm;
	struct mem_stats ms;
	abi_sigset_t ign, cgt;
	const uint64_t low = 0x7fffffff; /* the obsolete signal fields */

	mem_stats(t, &ms);
	sig_dispositions(t, &ign, &cgt);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	sb_printf(b, "%d (%s) R %d %d %d 0 -1 4194304",
		  whole ? tg->tgid : t->tid, t->comm, tg->ppid, tg->tgid,
		  tg->tgid);
	/* 10-21: minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads itrealvalue */
	sb_printf(b, " 0 0 0 0 %llu 0 0 0 %d %d %d 0", cpu_ticks(t),
		  stat_priority(t), t->sched.nice, tg->live_threads);
	/* 22-30: starttime vsize rss rsslim startcode endcode startstack
	 * kstkesp kstkeip */
	sb_printf(b, " 0 %llu %llu %llu %llu %llu %llu 0 0",
		  (unsigned long long)ms.total,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) / PAGE_SIZE,
		  (unsigned long long)tg->rlim[ABI_RLIMIT_RSS].rlim_cur,
		  (unsigned long long)mm->start_code,
		  (unsigned long long)mm->end_code,
		  (unsigned long long)mm->start_stack);
	/* 31-34: signal blocked sigignore sigcatch (decimal, 31 bits) */
	sb_printf(b, " %llu %llu %llu %llu",
		  (unsigned long long)(__atomic_load_n(&t->pending.set,
						       __ATOMIC_ACQUIRE) &
				       low),
		  (unsigned long long)(t->sigmask & low),
		  (unsigned long long)(ign & low),
		  (unsigned long long)(cgt & low));
	/* 35-44: wchan nswap cnswap exit_signal processor rt_priority
	 * policy delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(b, " 0 0 0 17 0 %u %u 0 0 0", t->sched.rt_priority,
		  t->sched.policy);
	/* 45-52: start_data end_data start_brk arg_start arg_end
	 * env_start env_end exit_code */
	sb_printf(
	    b, " %llu %llu %llu %llu %llu %llu %llu 0\n",
	    (unsigned long long)mm->start_data,
	    (unsigned long long)mm->end_data, (unsigned long long)mm->start_brk,
	    (unsigned long long)mm->arg_start, (unsigned long long)mm->arg_end,
	    (unsigned long long)mm->env_start, (unsigned long long)mm->env_end);
}

static void show_stat(struct task *t, struct sbuf *b)
{
	do_show_stat(t, b, true);
}

static void show_tid_stat(struct task *t, struct sbuf *b)
{
	do_show_stat(t, b, false);
}

/* size resident shared text lib data dt, in pages (task_statm). */
static void show_statm(struct task *t, struct sbuf *b)
{
	struct mem_stats ms;

	mem_stats(t, &ms);
	sb_printf(b, "%llu %llu %llu %llu 0 %llu 0\n",
		  (unsigned long long)ms.total / PAGE_SIZE,
		  (unsigned long long)(ms.rss_anon + ms.rss_shmem) / PAGE_SIZE,
		  (unsigned long long)ms.rss_shmem / PAGE_SIZE,
		  (unsigned long long)ms.text / PAGE_SIZE,
		  (unsigned long long)(ms.data + ms.stack) / PAGE_SIZE);
}

/*
 * A maps line of v (mm->lock held): the name, if any, starts at column 73
 * as show_map_vma pads it. Shared file mappings have their file's device,
 * inode and offset, but no path (the address space keeps only the inode).
 */
static void show_vma_header(struct sbuf *b, struct mm *mm, const struct vma *v)
{
	const char *name = "";
	size_t start = b->len;
	unsigned long long off = 0, ino = 0, dev = 0;

	if (v->file) {
		off = v->off;
		ino = v->file->inode->ino;
		dev = v->file->inode->sb->dev;
	}
	if (v->flags & VMA_STACK)
		name = "[stack]";
	else if ((v->flags & VMA_HEAP) ||
		 (v->start >= mm->start_brk && v->end <= mm->brk))
		name = "[heap]";
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

static void show_maps(struct task *t, struct sbuf *b)
{
	struct mm *mm = t->mm;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++)
		show_vma_header(b, mm, &mm->vmas.v[i]);
	pthread_mutex_unlock(&mm->lock);
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
 * A VMA's memory, as smaps_account sorts it. Every resident page counts
 * as private and dirty: the address space is the only one (no fork yet)
 * and moat cannot tell a page the application only read from one it
 * wrote, so Pss is Rss and nothing is clean or shared.
 */
struct smap_stats {
	uint64_t rss, anon, shmem, locked;
};

static void smap_account(struct mm *mm, const struct vma *v,
			 struct smap_stats *s)
{
	uint64_t rss = mm_vma_resident(mm, v);

	s->rss += rss;
	if (v->flags & VMA_SHARED)
		s->shmem += rss;
	else
		s->anon += rss;
	if (v->flags & VMA_LOCKED)
		s->locked += rss;
}

static void show_smap_stats(struct sbuf *b, const struct smap_stats *s,
			    bool rollup)
{
	smap_kb(b, "Rss", s->rss);
	smap_kb(b, "Pss", s->rss);
	smap_kb(b, "Pss_Dirty", s->rss);
	if (rollup) {
		smap_kb(b, "Pss_Anon", s->anon);
		smap_kb(b, "Pss_File", 0);
		smap_kb(b, "Pss_Shmem", s->shmem);
	}
	smap_kb(b, "Shared_Clean", 0);
	smap_kb(b, "Shared_Dirty", 0);
	smap_kb(b, "Private_Clean", 0);
	smap_kb(b, "Private_Dirty", s->rss);
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
	smap_kb(b, "Locked", s->locked);
}

/* VmFlags: the mnemonics of show_smap_vma_flags, in its order. */
static void show_vm_flags(struct sbuf *b, const struct vma *v)
{
	bool shared = v->flags & VMA_SHARED;
	/* A read-only file mapped shared can never become writable. */
	bool maywrite = !shared || !v->file || (v->flags & VMA_MAYWRITE);

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

static void show_smaps(struct task *t, struct sbuf *b)
{
	struct mm *mm = t->mm;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->vmas.n; i++) {
		const struct vma *v = &mm->vmas.v[i];
		struct smap_stats s = {0};

		smap_account(mm, v, &s);
		show_vma_header(b, mm, v);
		smap_kb(b, "Size", v->end - v->start);
		smap_kb(b, "KernelPageSize", PAGE_SIZE);
		smap_kb(b, "MMUPageSize", PAGE_SIZE);
		show_smap_stats(b, &s, false);
		sb_printf(b, "THPeligible:%12d\n", 0);
		show_vm_flags(b, v);
	}
	pthread_mutex_unlock(&mm->lock);
}

/* The sums over every VMA, under a header spanning them all. */
static void show_smaps_rollup(struct task *t, struct sbuf *b)
{
	struct mm *mm = t->mm;
	struct smap_stats s = {0};
	uint64_t lo = 0, hi = 0;
	size_t start = b->len, used;

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
}

/* Each mount with its path as the task sees it, as /proc/mounts or
 * /proc/PID/mountinfo lays it out. */
static void show_mount_table(struct task *t, struct sbuf *b, bool info)
{
	struct vfs_ns *ns = &t->k->ns;
	struct vfs_path root;

	vfs_ns_root(ns, &root);
	for (struct vfs_mount *m = ns->mounts; m; m = m->next) {
		const char *rw = m->flags & VFS_MNT_RDONLY ? "ro" : "rw";
		struct vfs_path at = {m, m->root};
		char path[ABI_PATH_MAX];
		const char *nosuid = m->flags & VFS_MNT_NOSUID ? ",nosuid" : "";
		const char *nodev = m->flags & VFS_MNT_NODEV ? ",nodev" : "";
		const char *noexec = m->flags & VFS_MNT_NOEXEC ? ",noexec" : "";

		if (vfs_path_name(ns, &root, &at, path, sizeof(path)) < 0)
			continue;
		if (!info) {
			sb_printf(b, "%s %s %s %s%s%s%s 0 0\n", m->source, path,
				  m->sb->type, rw, nosuid, nodev, noexec);
			continue;
		}
		sb_printf(b, "%llu %llu 0:%llu / %s %s%s%s%s - %s %s %s\n",
			  (unsigned long long)m->id,
			  (unsigned long long)(m->parent ? m->parent->id : 1),
			  (unsigned long long)m->sb->dev, path, rw, nosuid,
			  nodev, noexec, m->sb->type, m->source, rw);
	}
	vfs_path_put(&root);
}

static void show_mounts_of(struct task *t, struct sbuf *b)
{
	show_mount_table(t, b, false);
}

static void show_mountinfo(struct task *t, struct sbuf *b)
{
	show_mount_table(t, b, true);
}

/* /proc/PID/fdinfo/N: position, status flags, mount and inode. */
static void show_fdinfo(struct task *t, int fd, struct sbuf *b)
{
	struct file *f = fd_get(t->files, fd);
	int cloexec = fd_get_cloexec(t->files, fd);

	if (!f)
		return;
	sb_printf(b, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%llu\nino:\t%llu\n",
		  (long long)f->pos,
		  f->flags | (cloexec > 0 ? ABI_O_CLOEXEC : 0),
		  (unsigned long long)(f->path.mnt ? f->path.mnt->id : 0),
		  (unsigned long long)(f->inode ? f->inode->ino : 0));
	file_put(f);
}

static void show_limits(struct task *t, struct sbuf *b)
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

	sb_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		  "Hard Limit", "Units");
	for (int i = 0; i < ABI_RLIM_NLIMITS; i++) {
		char soft[32], hard[32];
		const struct abi_rlimit *r = &t->tg->rlim[i];

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
}

static int link_cwd(struct task *t, struct vfs_path *out)
{
	pthread_mutex_lock(&t->fs->lock);
	*out = t->fs->cwd;
	vfs_path_get(out);
	pthread_mutex_unlock(&t->fs->lock);
	return 0;
}

static int link_root(struct task *t, struct vfs_path *out)
{
	pthread_mutex_lock(&t->fs->lock);
	*out = t->fs->root;
	vfs_path_get(out);
	pthread_mutex_unlock(&t->fs->lock);
	return 0;
}

/* The executable, as exec found it (no lookup: namei holds its lock). */
static int link_exe(struct task *t, struct vfs_path *out)
{
	struct thread_group *tg = t->tg;
	int err = -ENOENT;

	pthread_mutex_lock(&tg->lock);
	if (tg->exe_path.mnt) {
		*out = tg->exe_path;
		vfs_path_get(out);
		err = 0;
	}
	pthread_mutex_unlock(&tg->lock);
	return err;
}

/* /proc/PID: Linux's tgid_base_stuff that moat has. */
static const struct proc_node pid_nodes[] = {
    {"cmdline", ABI_S_IFREG | 0444, show_cmdline, NULL, NULL, K_STATIC},
    {"comm", ABI_S_IFREG | 0644, show_comm, NULL, NULL, K_STATIC},
    {"cwd", ABI_S_IFLNK | 0777, NULL, link_cwd, NULL, K_STATIC},
    {"environ", ABI_S_IFREG | 0400, show_environ, NULL, NULL, K_STATIC},
    {"exe", ABI_S_IFLNK | 0777, NULL, link_exe, NULL, K_STATIC},
    {"fd", ABI_S_IFDIR | 0500, NULL, NULL, NULL, K_FD_DIR},
    {"fdinfo", ABI_S_IFDIR | 0500, NULL, NULL, NULL, K_FDINFO_DIR},
    {"limits", ABI_S_IFREG | 0444, show_limits, NULL, NULL, K_STATIC},
    {"maps", ABI_S_IFREG | 0444, show_maps, NULL, NULL, K_STATIC},
    {"mountinfo", ABI_S_IFREG | 0444, show_mountinfo, NULL, NULL, K_STATIC},
    {"mounts", ABI_S_IFREG | 0444, show_mounts_of, NULL, NULL, K_STATIC},
    {"root", ABI_S_IFLNK | 0777, NULL, link_root, NULL, K_STATIC},
    {"smaps", ABI_S_IFREG | 0444, show_smaps, NULL, NULL, K_STATIC},
    {"smaps_rollup", ABI_S_IFREG | 0444, show_smaps_rollup, NULL, NULL,
     K_STATIC},
    {"stat", ABI_S_IFREG | 0444, show_stat, NULL, NULL, K_STATIC},
    {"statm", ABI_S_IFREG | 0444, show_statm, NULL, NULL, K_STATIC},
    {"status", ABI_S_IFREG | 0444, show_status, NULL, NULL, K_STATIC},
    {"task", ABI_S_IFDIR | 0555, NULL, NULL, NULL, K_TASK_DIR},
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
    {"fdinfo", ABI_S_IFDIR | 0500, NULL, NULL, NULL, K_FDINFO_DIR},
    {"limits", ABI_S_IFREG | 0444, show_limits, NULL, NULL, K_STATIC},
    {"maps", ABI_S_IFREG | 0444, show_maps, NULL, NULL, K_STATIC},
    {"mountinfo", ABI_S_IFREG | 0444, show_mountinfo, NULL, NULL, K_STATIC},
    {"mounts", ABI_S_IFREG | 0444, show_mounts_of, NULL, NULL, K_STATIC},
    {"root", ABI_S_IFLNK | 0777, NULL, link_root, NULL, K_STATIC},
    {"smaps", ABI_S_IFREG | 0444, show_smaps, NULL, NULL, K_STATIC},
    {"smaps_rollup", ABI_S_IFREG | 0444, show_smaps_rollup, NULL, NULL,
     K_STATIC},
    {"stat", ABI_S_IFREG | 0444, show_tid_stat, NULL, NULL, K_STATIC},
    {"statm", ABI_S_IFREG | 0444, show_statm, NULL, NULL, K_STATIC},
    {"status", ABI_S_IFREG | 0444, show_status, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

/* ---- system-wide files ------------------------------------------------- */

static void show_uptime(struct task *t, struct sbuf *b)
{
	struct timespec up;

	kernel_uptime(t->k, &up);
	sb_printf(b, "%lld.%02ld 0.00\n", (long long)up.tv_sec,
		  up.tv_nsec / 10000000);
}

static void show_loadavg(struct task *t, struct sbuf *b)
{
	sb_printf(b, "0.00 0.00 0.00 1/%d %d\n", t->k->live_tasks,
		  t->k->next_tid - 1);
}

static void show_version(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "Linux version 6.1.0 (moat@moat) (moat) #1 SMP "
		     "PREEMPT_DYNAMIC moat\n");
}

static void show_meminfo(struct task *t, struct sbuf *b)
{
	struct sysinfo si;
	unsigned long long unit, total = 0, free_ = 0;

	(void)t;
	if (sysinfo(&si) == 0) {
		unit = si.mem_unit ? si.mem_unit : 1;
		total = si.totalram * unit / 1024;
		free_ = si.freeram * unit / 1024;
	}
	sb_printf(b,
		  "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
		  "MemAvailable:   %8llu kB\nBuffers:               0 kB\n"
		  "Cached:                0 kB\nSwapCached:            0 kB\n"
		  "SwapTotal:             0 kB\nSwapFree:              0 kB\n",
		  total, free_, free_);
}

static void show_cpuinfo(struct task *t, struct sbuf *b)
{
	char block[4096];

	for (long i = 0; i < t->k->ncpus; i++) {
		int n = cpuinfo_format(block, sizeof(block), i, t->k->ncpus);

		if (n > 0)
			sb_put(b, block,
			       (size_t)n < sizeof(block) ? (size_t)n
							 : sizeof(block) - 1);
	}
}

/* /proc/stat: idle CPUs; btime is when the sandbox booted. */
static void show_pstat(struct task *t, struct sbuf *b)
{
	long n = t->k->ncpus;
	struct timespec now, up;

	clock_gettime(CLOCK_REALTIME, &now);
	kernel_uptime(t->k, &up);
	sb_printf(b, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (long i = 0; i < n; i++)
		sb_printf(b, "cpu%ld 0 0 0 0 0 0 0 0 0 0\n", i);
	sb_printf(b,
		  "intr 0\nctxt 0\nbtime %lld\nprocesses %d\n"
		  "procs_running 1\nprocs_blocked 0\n"
		  "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  (long long)(now.tv_sec - up.tv_sec), t->k->next_tid - 1);
}

static void show_filesystems(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "nodev\ttmpfs\nnodev\tproc\nnodev\t9p\nnodev\toverlay\n");
}

static void show_hostname(struct task *t, struct sbuf *b)
{
	sb_printf(b, "%s\n", t->k->hostname);
}

static void show_osrelease(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "6.1.0\n");
}

static void show_ostype(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "Linux\n");
}

static void show_pid_max(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "4194304\n");
}

static void show_zero(struct task *t, struct sbuf *b)
{
	(void)t;
	sb_printf(b, "0\n");
}

static const struct proc_node kernel_nodes[] = {
    {"hostname", ABI_S_IFREG | 0444, show_hostname, NULL, NULL, K_STATIC},
    {"osrelease", ABI_S_IFREG | 0444, show_osrelease, NULL, NULL, K_STATIC},
    {"ostype", ABI_S_IFREG | 0444, show_ostype, NULL, NULL, K_STATIC},
    {"pid_max", ABI_S_IFREG | 0444, show_pid_max, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node vm_nodes[] = {
    {"overcommit_memory", ABI_S_IFREG | 0444, show_zero, NULL, NULL, K_STATIC},
    {NULL, 0, NULL, NULL, NULL, 0},
};

static const struct proc_node sys_nodes[] = {
    {"kernel", ABI_S_IFDIR | 0555, NULL, NULL, kernel_nodes, K_STATIC},
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

static void show_cpu_range(struct task *t, struct sbuf *b)
{
	if (t->k->ncpus > 1)
		sb_printf(b, "0-%d\n", t->k->ncpus - 1);
	else
		sb_printf(b, "0\n");
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

static struct vfs_inode *proc_new(struct vfs_super *sb, uint32_t mode, int kind,
				  const struct proc_node *node, int pid,
				  int tid, int fd)
{
	struct proc_inode *pi = calloc(1, sizeof(*pi));

	if (!pi)
		return NULL;
	/* "self" is an ordinary symlink; the others are magic links. */
	vfs_inode_init(&pi->i, sb,
		       kind == K_SELF || kind == K_THREAD_SELF
			   ? &proc_self_ops
			   : &proc_inode_ops,
		       mode);
	__atomic_add_fetch(&sb->refs, 1, __ATOMIC_RELAXED);
	pi->kind = kind;
	pi->node = node;
	pi->pid = pid;
	pi->tid = tid;
	pi->fd = fd;
	if (pid) {
		struct task *t = proc_inode_task(pi);

		if (t) {
			pi->i.uid = t->creds.euid;
			pi->i.gid = t->creds.egid;
		}
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

static int proc_lookup(struct vfs_inode *dir, const char *name,
		       struct vfs_inode **out)
{
	struct proc_inode *pd = to_pi(dir);
	const struct proc_node *n = NULL;
	int num;

	switch (pd->kind) {
	case K_ROOT:
		if (!strcmp(name, "self") || !strcmp(name, "thread-self")) {
			*out = proc_new(dir->sb, ABI_S_IFLNK | 0777,
					name[0] == 's' ? K_SELF : K_THREAD_SELF,
					NULL, 0, 0, 0);
			return *out ? 0 : -ENOMEM;
		}
		if (parse_num(name, &num)) {
			if (!proc_task(num))
				return -ENOENT;
			*out = proc_new(dir->sb, ABI_S_IFDIR | 0555, K_PID,
					NULL, num, 0, 0);
			return *out ? 0 : -ENOMEM;
		}
		n = find_node(root_nodes, name);
		break;
	case K_PID:
		if (!proc_task(pd->pid))
			return -ENOENT;
		n = find_node(pid_nodes, name);
		break;
	case K_TASK_DIR:
		if (!parse_num(name, &num) || !proc_thread(pd->pid, num))
			return -ENOENT;
		*out = proc_new(dir->sb, ABI_S_IFDIR | 0555, K_TID, NULL,
				pd->pid, num, 0);
		return *out ? 0 : -ENOMEM;
	case K_TID:
		if (!proc_inode_task(pd))
			return -ENOENT;
		n = find_node(tid_nodes, name);
		break;
	case K_FD_DIR:
	case K_FDINFO_DIR: {
		struct task *t = proc_inode_task(pd);
		struct file *f;

		if (!t || !parse_num(name, &num))
			return -ENOENT;
		f = fd_get(t->files, num);
		if (!f)
			return -ENOENT;
		file_put(f);
		*out = pd->kind == K_FD_DIR
			   ? proc_new(dir->sb, ABI_S_IFLNK | 0700, K_FD, NULL,
				      pd->pid, pd->tid, num)
			   : proc_new(dir->sb, ABI_S_IFREG | 0400, K_FDINFO,
				      NULL, pd->pid, pd->tid, num);
		return *out ? 0 : -ENOMEM;
	}
	default:
		n = pd->node && pd->node->dir ? find_node(pd->node->dir, name)
					      : NULL;
		break;
	}
	if (!n)
		return -ENOENT;
	*out = proc_new(dir->sb, n->mode, n->kind, n, pd->pid, pd->tid, 0);
	return *out ? 0 : -ENOMEM;
}

/*
 * A path for a file that has none: a fresh proc inode holding the file,
 * on an orphan dentry of the proc mount. Opening it gives that file.
 */
static int anon_path(struct vfs_super *sb, struct task *t, struct file *f,
		     struct vfs_path *out)
{
	struct vfs_inode *inode;
	struct vfs_mount *m;
	struct abi_stat st = {0};

	f->ops->stat(f, &st);
	inode = proc_new(sb, (st.st_mode & ABI_S_IFMT) | 0600, K_ANON, NULL, 0,
			 0, 0);
	if (!inode) {
		file_put(f);
		return -ENOMEM;
	}
	to_pi(inode)->file = f; /* takes the reference */
	for (m = t->k->ns.mounts; m && m->sb != sb; m = m->next)
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

/* The path a magic link stands for. */
static int proc_get_link(struct vfs_inode *inode, struct vfs_path *out)
{
	struct proc_inode *pi = to_pi(inode);
	struct task *t;
	struct file *f;

	t = proc_inode_task(pi);
	if (!t)
		return -ENOENT;
	if (pi->kind == K_FD) {
		f = fd_get(t->files, pi->fd);
		if (!f)
			return -ENOENT;
		if (f->path.mnt) {
			*out = f->path;
			vfs_path_get(out);
			file_put(f);
			return 0;
		}
		/* No path (host stdio): an anonymous inode that opens it. */
		return anon_path(inode->sb, t, f, out);
	}
	return pi->node->link(t, out);
}

static ssize_t proc_readlink(struct vfs_inode *inode, char *buf, size_t len)
{
	struct proc_inode *pi = to_pi(inode);
	char text[ABI_PATH_MAX + 32];
	struct vfs_path p, root;
	struct task *t = current_task;
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
	} else if (pi->kind == K_FD && (t = proc_inode_task(pi))) {
		struct file *f = fd_get(t->files, pi->fd);

		if (!f)
			return -ENOENT;
		if (!f->path.mnt && f->ops->anon_name) {
			snprintf(text, sizeof(text), "anon_inode:%s",
				 f->ops->anon_name);
			file_put(f);
			goto copy;
		}
		if (!f->path.mnt) {
			struct abi_stat st = {0};

			f->ops->stat(f, &st);
			snprintf(text, sizeof(text), "%s:[%llu]",
				 (st.st_mode & ABI_S_IFMT) == ABI_S_IFIFO
				     ? "pipe"
				 : (st.st_mode & ABI_S_IFMT) == ABI_S_IFSOCK
				     ? "socket"
				     : "host",
				 (unsigned long long)st.st_ino);
			file_put(f);
			goto copy;
		}
		p = f->path;
		vfs_path_get(&p);
		file_put(f);
		goto name;
	} else {
		err = proc_get_link(inode, &p);
		if (err)
			return err;
		goto name;
	}
	goto copy;
name:
	pthread_mutex_lock(&t->fs->lock);
	root = t->fs->root;
	vfs_path_get(&root);
	pthread_mutex_unlock(&t->fs->lock);
	err = vfs_path_name(&t->k->ns, &root, &p, text, ABI_PATH_MAX);
	if (err == 0 && p.dentry->removed && p.dentry->parent)
		strncat(text, " (deleted)", sizeof(text) - strlen(text) - 1);
	vfs_path_put(&root);
	vfs_path_put(&p);
	if (err < 0)
		return err;
copy:
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

static int proc_readdir(struct file *f, struct vfs_dir_sink *sink)
{
	struct proc_inode *pi = to_pi(f->inode);
	struct task *t = proc_inode_task(pi);
	char name[16];

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
		if (f->pos == base + 2 && current_task) {
			int n = snprintf(name, sizeof(name), "%d",
					 current_task->tg->tgid);

			if (sink->emit(sink, name, (size_t)n, 2000, ABI_DT_DIR,
				       base + 3))
				return 0;
			f->pos = base + 3;
		}
		return 0;
	}
	case K_PID:
		emit_nodes(sink, pid_nodes, &f->pos, 2, 3000);
		return 0;
	case K_TASK_DIR:
		/* The process's threads: the calling one, for now. */
		if (f->pos == 2 && t) {
			int n = snprintf(name, sizeof(name), "%d", t->tid);

			if (sink->emit(sink, name, (size_t)n, 6000 + t->tid,
				       ABI_DT_DIR, 3))
				return 0;
			f->pos = 3;
		}
		return 0;
	case K_TID:
		emit_nodes(sink, tid_nodes, &f->pos, 2, 7000);
		return 0;
	case K_FD_DIR:
	case K_FDINFO_DIR:
		if (!t)
			return 0;
		for (int fd = (int)f->pos - 2; fd < 1048576; fd++) {
			struct file *of;
			int n;

			pthread_mutex_lock(&t->files->lock);
			if (fd >= t->files->cap) {
				pthread_mutex_unlock(&t->files->lock);
				break;
			}
			of = t->files->fds[fd].file;
			pthread_mutex_unlock(&t->files->lock);
			if (!of)
				continue;
			n = snprintf(name, sizeof(name), "%d", fd);
			if (sink->emit(sink, name, (size_t)n, 4000 + fd,
				       pi->kind == K_FD_DIR ? ABI_DT_LNK
							    : ABI_DT_REG,
				       fd + 3))
				return 0;
			f->pos = fd + 3;
		}
		return 0;
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

static const struct file_ops proc_dir_ops = {
    .stat = proc_stat,
    .seekable = proc_seekable,
    .readdir = proc_readdir,
    .release = proc_release,
};

static struct file *proc_open(struct vfs_inode *inode, uint32_t flags)
{
	struct proc_inode *pi = to_pi(inode);
	struct proc_file *pf;
	struct task *t;

	if (pi->kind == K_ANON) {
		struct file *f = pi->file;

		/* The same open file: no new description of a host file. */
		if (((flags & ABI_O_ACCMODE) != ABI_O_WRONLY &&
		     !file_readable(f)) ||
		    ((flags & ABI_O_ACCMODE) != ABI_O_RDONLY &&
		     !file_writable(f)))
			return ERR_PTR(-EACCES);
		file_get(f);
		return f;
	}
	if ((flags & ABI_O_ACCMODE) != ABI_O_RDONLY)
		return ERR_PTR(-EACCES);
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return ERR_PTR(-ENOMEM);
	if (ABI_S_ISDIR(inode->mode)) {
		file_init(&pf->f, &proc_dir_ops, flags);
		return &pf->f;
	}
	file_init(&pf->f, &proc_reg_ops, flags);
	t = proc_inode_task(pi);
	if (!t) {
		free(pf);
		return ERR_PTR(-ESRCH);
	}
	if (pi->kind == K_FDINFO)
		show_fdinfo(t, pi->fd, &pf->text);
	else if (pi->node && pi->node->show)
		pi->node->show(t, &pf->text);
	if (pf->text.oom) {
		free(pf->text.p);
		free(pf);
		return ERR_PTR(-ENOMEM);
	}
	return &pf->f;
}

static void proc_evict(struct vfs_inode *inode)
{
	struct vfs_super *sb = inode->sb;

	if (to_pi(inode)->file)
		file_put(to_pi(inode)->file);
	free(to_pi(inode));
	if (__atomic_sub_fetch(&sb->refs, 1, __ATOMIC_ACQ_REL) == 0 &&
	    sb->ops->destroy)
		sb->ops->destroy(sb);
}

static int proc_setattr(struct vfs_inode *inode, const struct vfs_setattr *sa)
{
	/*
	 * O_TRUNC through /proc/self/fd/N of a donated host file: the host
	 * file stays as it is (deviation: Linux would truncate it).
	 */
	if (to_pi(inode)->kind == K_ANON && sa->mask == VFS_SETATTR_SIZE)
		return 0;
	return -EPERM;
}

static const struct vfs_inode_ops proc_inode_ops = {
    .lookup = proc_lookup,
    .readlink = proc_readlink,
    .get_link = proc_get_link,
    .setattr = proc_setattr,
    .open = proc_open,
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
	root = proc_new(&ps->sb, ABI_S_IFDIR | 0555, K_ROOT, NULL, 0, 0, 0);
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
	root = proc_new(&ps->sb, ABI_S_IFDIR | 0555, K_STATIC, &sysfs_root, 0,
			0, 0);
	__atomic_sub_fetch(&ps->sb.refs, 1, __ATOMIC_RELAXED);
	if (!root)
		free(ps);
	return root;
}
