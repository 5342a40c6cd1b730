/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel state: the sandbox's kernel, thread groups and tasks.
 *
 * Each application thread is served by one sentry host thread that runs it
 * on the platform, dispatches its syscalls and blocks when they block.
 */
#ifndef MOAT_KERNEL_TASK_H
#define MOAT_KERNEL_TASK_H

#include "abi/linux.h"
#include "sentry/fs/gofer_client.h"
#include "sentry/mm/memfile.h"
#include "sentry/vfs/vfs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct platform;
struct platform_ctx;
struct tty;
struct mm;
struct fdtable;

struct creds {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
	uint64_t cap_effective, cap_permitted, cap_inheritable, cap_bounding;
	uint64_t cap_ambient; /* within permitted and inheritable */
	uint32_t securebits;
	int ngroups;
	uint32_t *groups; /* owned */
};

struct kernel_options {
	bool strace;
	int strace_fd;	      /* where --strace writes */
	bool init_unkillable; /* init as a pid namespace's (OCI containers) */
	int max_tasks;	      /* live tasks the sandbox may have (0: any) */
	uint64_t mem_budget;  /* --memory, in bytes (0: the host's memory) */
};

#define KERNEL_IDMAP_MAX 340 /* Linux's most lines in a uid_map */

struct kernel {
	struct memfile mf;
	struct vfs_ns ns;	      /* the sandbox's mounts */
	struct vfs_inode *memfd_root; /* memfd_create's private tmpfs */
	/* The filesystem boots beside the platform: 0 booting, 1 ready. */
	pthread_mutex_t vfs_lock;
	pthread_cond_t vfs_cond;
	int vfs_state;		   /* or -errno */
	struct gofer_client gofer; /* the container's files */
	int gofer_sock;		   /* before gofer is set up; -1 after */
	pid_t gofer_pid;
	struct platform *plat;
	struct kernel_options opts;
	struct timespec boot_mono; /* CLOCK_MONOTONIC at boot */
	int ncpus; /* CPUs the sandbox may use (the sentry's affinity) */
	/* Which, as the host numbers them (a cpuset's "1" is CPU 1), and
	 * how many the host may have (nr_cpu_ids), for /proc's masks. */
	uint8_t cpu_mask[128];
	int cpu_ids;
	char hostname[65];
	char domainname[65];
	/* /proc/PID/uid_map and gid_map: the OCI config's mappings, shown
	 * (the sandbox's ids are its own); none: the initial namespace's. */
	struct kernel_idmap {
		uint32_t inside, outside, count;
	} uid_map[KERNEL_IDMAP_MAX], gid_map[KERNEL_IDMAP_MAX];
	int nuid_map, ngid_map;
	/* net.ipv4.ip_forward: kept and shown; the sandbox's one network
	 * stack has nothing to forward between. */
	int ip_forward;
	/*
	 * --network=host: AF_INET and AF_INET6 sockets are host sockets the
	 * sentry makes (net/hostinet.c); else the sandbox's own loopback
	 * (net/inet.c).
	 */
	bool host_network;
	struct abi_rlimit default_rlim[ABI_RLIM_NLIMITS]; /* init's */

	/*
	 * The task list lock: every thread group's place in the process tree
	 * (parents, children, process groups and sessions, zombies) and the
	 * pid space. Taken before any thread group's lock, never after one.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* signalled when init exits, or a task ends */
	int next_tid;
	int live_tasks;
	struct thread_group *tgs; /* every thread group not yet reaped */
	struct thread_group *init_tg;
	bool init_exited;
	int init_status; /* wait status of init: exit code << 8 | signal */
	/*
	 * The OCI runtime's pause (kernel_freeze): no task runs application
	 * code while frozen; in_app counts the tasks in the platform's
	 * switch_to (both atomic).
	 */
	bool frozen;
	int in_app;
	/*
	 * A checkpoint (kernel_quiesce): every task also leaves the call it
	 * is blocked in, to restart it later as after a stop, and parks
	 * with all its state in the sentry; parked counts those that have
	 * (both atomic).
	 */
	bool quiesce;
	int parked;
};

/* Signals pending, with their siginfo (signal.c); tg->lock. */
struct sigq_entry;
struct sigqueue {
	abi_sigset_t set; /* the signals queued; read without the lock */
	struct sigq_entry *head;
};

/* What a thread group is to its parent's wait (k->lock). */
enum tg_state {
	TG_ALIVE,
	TG_ZOMBIE, /* every thread has exited; the parent may reap it */
	TG_DEAD,   /* reaped, or never to be: off the task list */
};

struct thread_group {
	int tgid;
	int ppid; /* parent->tgid, kept for readers without k->lock */
	/* The thread of parent whose child it is (real_parent): the one
	 * that forked it, or another when that one exits (k->lock). */
	int parent_tid;
	int refs; /* atomic; the task list holds one until reaped */
	/* The process tree, under k->lock. */
	struct thread_group *next;     /* k->tgs */
	struct thread_group *parent;   /* NULL for init */
	struct thread_group *children; /* first child; then ->sibling */
	struct thread_group *sibling;
	struct task *threads; /* live threads, by ->next_thread (k->lock) */
	struct task *leader;  /* the thread whose tid is tgid */
	int pgid, sid;
	struct tty *tty; /* controlling terminal, a reference (k->lock) */
	int exit_signal; /* sent to the parent at exit; 0: none */
	enum tg_state state;
	/* A zombie its parent was told of (k->lock): only such a one is
	 * reaped, as the orphaned groups' SIGHUP and SIGCONT go first. */
	bool exit_notified;
	bool did_exec;		   /* setpgid: EACCES after the child's exec */
	pthread_cond_t child_cond; /* a child changed state (k->lock) */
	/*
	 * Job control for the parent's wait (k->lock): the group stopped
	 * (stop_sig) or continued and the parent has not been told.
	 */
	bool stopped;
	int stop_sig;
	bool stop_report, cont_report;
	/* Threads that may run application code and have yet to stop (the
	 * group stop is reported when none is left). */
	int stop_count;
	struct timespec start_time; /* CLOCK_MONOTONIC at creation */
	pthread_mutex_t lock;
	struct abi_rlimit rlim[ABI_RLIM_NLIMITS];
	struct abi_sigaction sigactions[ABI_NSIG];
	struct sigqueue shared_pending; /* process-directed signals */
	pthread_cond_t sigcond;		/* a signal came, or the end */
	/* Interval timers (itimer.c), under lock: ITIMER_REAL, _VIRTUAL,
	 * _PROF; their thread runs while one is armed. */
	struct itimer {
		struct timespec value; /* REAL: CLOCK_MONOTONIC; others CPU */
		struct timespec interval;
		bool armed;
	} itimers[3];
	pthread_cond_t timercond;
	pthread_t timer_thread;
	bool timer_running, timer_stop;
	struct task *timer_task; /* where the timers' signals go */
	struct ptimer **ptimers; /* POSIX timers by id; NULL: a free id */
	int nptimers;
	uint32_t umask;
	/* -1000..1000, kept: the sandbox has no OOM killer of its own; min:
	 * the lowest one may go without CAP_SYS_RESOURCE. */
	int oom_score_adj, oom_score_adj_min;
	int live_threads;
	char *exe;		  /* the executable's path, for /proc/PID/exe */
	struct vfs_path exe_path; /* the executable; mnt NULL: unknown (lock) */
	uint64_t maxrss;     /* getrusage's peak resident bytes seen; lock */
	struct timespec cpu; /* the exited threads' CPU time; lock */
	/* The children reaped (and theirs): CPU time, peak RSS; lock. */
	struct timespec cchild_cpu;
	uint64_t cmaxrss;
	bool not_dumpable;    /* PR_SET_DUMPABLE 0 */
	bool child_subreaper; /* PR_SET_CHILD_SUBREAPER */
	/*
	 * The sandbox's init in an OCI container, as a pid namespace's init
	 * (SIGNAL_UNKILLABLE): signals it has no handler for are ignored but
	 * SIGKILL and SIGSTOP from the kernel or outside (signal.c). Under
	 * tg->lock; a fatal fault clears it.
	 */
	bool unkillable;
	bool exiting;	 /* exit_group or a fatal signal: every thread ends */
	int exit_status; /* wait status */
	struct task *exec_task; /* execve's caller: the other threads end */
};

/* A task's root and working directories (shared by CLONE_FS). */
struct fs_struct {
	int refs;
	pthread_mutex_t lock;
	struct vfs_path root, cwd;
};

/* A vfork parent waits here until its child execs or exits. */
struct vfork_done {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

struct task {
	struct kernel *k;
	int refs; /* atomic: task_get, task_put */
	struct fs_struct *fs;
	struct thread_group *tg;
	int tid;
	struct mm *mm;
	struct fdtable *files;
	struct creds creds;
	struct platform_ctx *ctx;
	struct abi_user_regs regs;
	abi_sigset_t sigmask;
	struct sigqueue pending;    /* thread-directed signals */
	struct abi_stack altstack;  /* sigaltstack; ss_size 0: none */
	abi_sigset_t saved_sigmask; /* sigsuspend's mask to go back to */
	bool saved_sigmask_valid;
	/*
	 * A syscall that returned -ERESTART*: the code, until signal
	 * delivery decides (signal.c), and for -ERESTART_RESTARTBLOCK what
	 * restart_syscall continues with.
	 */
	int restart_code;
	long (*restart_fn)(struct task *t);
	struct timespec restart_deadline; /* restart_fn's, CLOCK_MONOTONIC */
	uint64_t restart_args[3];
	/* Blocked in the sentry on this lock and condition: a signal wakes
	 * it (task_block_begin). */
	pthread_mutex_t *block_lock;
	pthread_cond_t *block_cond;
	uint64_t clear_child_tid;
	uint64_t set_child_tid; /* CLONE_CHILD_SETTID: written at start */
	uint64_t robust_list, robust_len;
	struct task *next_thread;      /* tg->threads (k->lock) */
	struct vfork_done *vfork_done; /* the vfork parent waits on it */
	/* CLONE_VM: the platform's thread prepared for this task in mm. */
	uint64_t as_token;
	bool as_shared; /* it runs in an address space it did not create */
	bool in_as;	/* its sentry thread runs an application thread in mm */
	int exit_code;	/* exit()'s wait status; the group's if it ends last */
	/*
	 * Group stops (job control): stop_pending while its group stops and
	 * it has yet to (atomic, set under k->lock; it interrupts the
	 * thread's waits); stop_counted when the group's stop_count waits
	 * for it (k->lock).
	 */
	bool stop_pending;
	bool stop_counted;
	bool on_heap; /* freed with its thread group */
	char comm[16];
	/* prctl's state of the thread (prctl.c); zero is Linux's default. */
	int pdeath_signal;
	bool no_new_privs;
	/* seccomp (app_seccomp.c): SECCOMP_MODE_*, and the newest filter
	 * (a reference); set by the task, or by TSYNC under tg->lock. */
	int seccomp_mode;
	struct app_seccomp_filter *seccomp_filter;
	uint8_t mce_kill; /* PR_MCE_KILL_GET's answer plus 1; 0: default */
	uint64_t timer_slack_ns; /* 0: the default, 50 us */
	uint32_t personality;	 /* personality(2)'s (sys.c) */
	/*
	 * Scheduling attributes (sched.c): kept and reported, never applied
	 * to the host. Zero is Linux's default (SCHED_OTHER, nice 0). Other
	 * tasks read and change them: under tg->lock.
	 */
	struct task_sched {
		int nice;	      /* -20..19 */
		uint32_t policy;      /* SCHED_* */
		uint32_t rt_priority; /* 1..99 for FIFO and RR, else 0 */
		bool reset_on_fork;
		uint64_t slice; /* a custom fair slice in ns; 0: none */
		uint64_t dl_runtime, dl_deadline, dl_period;
		/* sched_setaffinity's mask; all clear: every CPU. */
		uint8_t affinity[128];
	} sched;
	pthread_t thread;
	bool exiting; /* leave the run loop */
	/*
	 * Snapshots: the FPU state its thread saved as it parked for a
	 * checkpoint (platform fpu_size bytes), or the one a restore gives
	 * it to load before it first runs. NULL: none.
	 */
	uint8_t *fpu_image;
	/* A restored task's last step on its own thread, in its address
	 * space, before it runs (snapshot.c): 0 or -errno. */
	int (*on_start)(struct task *t);
};

/* The task this sentry thread serves (NULL on other threads). */
extern __thread struct task *current_task;

/* Boot: the memory file and platform are ready in k. */
int kernel_init(struct kernel *k, const char *platform_name);
/* The same with a platform moat's platform_lookup does not name (tests). */
struct platform_ops;
int kernel_init_platform(struct kernel *k, const struct platform_ops *ops);
/*
 * The same for a restore: the memory file is made from image's memory
 * sections (r->err says what is wrong with them: -EINVAL), at the
 * offsets and with the allocator state it had.
 */
struct image_reader;
int kernel_init_restore(struct kernel *k, const char *platform_name,
			struct image_reader *image);

struct task_start;

/*
 * Prepare init (tid 1): its thread creates a fresh address space, runs
 * prepare (if any: the rest of the boot, such as the filesystem, in
 * parallel with the caller), loads the executable open at exe_fd (named
 * path) into it, then waits for kernel_start_init. t->files must be set.
 * NULL when out of memory.
 */
struct task_start *
kernel_prepare_init(struct kernel *k, struct task *t, int exe_fd,
		    const char *path, char *const argv[], char *const envp[],
		    int (*prepare)(struct task *t, void *arg), void *arg);
/* Wait for the loading to finish, without letting init run: 0, or -errno
 * and *why (kernel_start_init must still be called, to clean up). */
int kernel_init_loaded(struct task_start *st, const char **why);
/* Wait for the loading to finish and let init run: 0, or -errno and *why. */
int kernel_start_init(struct task_start *st, const char **why);

/*
 * A new process in the running sandbox, beside init rather than under it
 * (the OCI runtime's exec; its getppid is 0, as a process runc execs into
 * a container sees): t, zeroed but for its creds, files and fs, leads a
 * new thread group in a session of its own and loads the sandbox's file
 * path; prepare (if any) runs first, once its group is in the process
 * tree. Returns 0 once it runs, with its group in *tgp (a reference for
 * kernel_spawn_wait; its pid is ->tgid), or -errno and *why. -ESRCH once
 * init has exited. t is taken either way.
 */
int kernel_spawn(struct kernel *k, struct task *t, const char *path,
		 char *const argv[], char *const envp[], uint32_t umask,
		 int (*prepare)(struct task *t, void *arg), void *arg,
		 struct thread_group **tgp, const char **why);
/* Wait for a spawned process to end, reap it: its wait status. */
int kernel_spawn_wait(struct kernel *k, struct thread_group *tg);
/*
 * Freeze the sandbox (the OCI runtime's pause, as runsc's): every task
 * leaves application code and waits in the sentry before going back to
 * it, unseen by the application (no stop, no signal, no wait status).
 * Blocked calls stay blocked; a SIGKILL still ends a process. Returns
 * once no task runs application code. kernel_thaw lets them go on.
 */
void kernel_freeze(struct kernel *k);
void kernel_thaw(struct kernel *k);
/*
 * A checkpoint's freeze: as kernel_freeze, and every task blocked in a
 * call leaves it too (it restarts after, as after a stop and SIGCONT;
 * those Linux makes fail with EINTR then do so here too) and parks with
 * its registers and FPU state in the sentry. 0 once every live task is
 * parked; -EBUSY (why says which task) if one does not within timeout_ms,
 * then nothing stays frozen. kernel_unquiesce lets them all go on.
 */
int kernel_quiesce(struct kernel *k, int timeout_ms, char *why, size_t len);
void kernel_unquiesce(struct kernel *k);

/*
 * A task made elsewhere (fork, a restore) runs on a sentry thread of its
 * own: its platform context, its address space (a new one's, or as_token's
 * thread in a shared one), then the run loop until it exits. 0 or -errno.
 */
int task_start_thread(struct task *c);

/* ---- the process tree (task.c) ---- */
/* A reference to t, which keeps t->tg too (t->tg set, never changed). */
void task_get(struct task *t);
void task_put(struct task *t);
/* t becomes tg's leader, which holds it (a reference that keeps only t). */
void task_make_leader(struct thread_group *tg, struct task *t);
void tg_get(struct thread_group *tg);
void tg_put(struct thread_group *tg);
/* A new thread group with one reference, its locks ready; NULL: ENOMEM. */
struct thread_group *tg_alloc(void);
/* k->lock held: a zombie is gone for good, off the list, its pid free. */
void tg_release_locked(struct kernel *k, struct thread_group *tg);
/* k->lock held: a free pid (or -EAGAIN). */
int pid_alloc_locked(struct kernel *k);
/*
 * k->lock held: is id in use, a pid not to hand out (find_vpid finds it)?
 * A task's id, a process's (a zombie's too), or a live process's group or
 * session.
 */
bool pid_in_use_locked(struct kernel *k, int id);
/* k->lock held: put tg on the task list, as parent's child (NULL: none). */
void tg_link_locked(struct kernel *k, struct thread_group *tg,
		    struct thread_group *parent);
/* k->lock held: lookups; a thread group is found alive or a zombie. */
struct thread_group *tg_lookup_locked(struct kernel *k, int tgid);
struct task *task_lookup_locked(struct kernel *k, int tid);
bool pgrp_exists_locked(struct kernel *k, int pgid);
/*
 * will_become_orphaned_pgrp: no member of pgid (but ignore) has a parent in
 * another group of the same session. k->lock held.
 */
bool pgrp_orphaned_locked(struct kernel *k, int pgid,
			  struct thread_group *ignore);
/* sig from the kernel to every process of pgid (kill_pgrp), or to pid. */
void signal_pgrp(struct kernel *k, int pgid, int sig);
void signal_pid(struct kernel *k, int pid, int sig);
/*
 * The task tid names, as find_task_by_vpid: a live thread, or a leader
 * that exited and stays while its group does (a zombie's, or one whose
 * other threads live on). k->lock held; NULL: none.
 */
struct task *task_find_locked(struct kernel *k, int tid);
/*
 * The same for a syscall's pid argument (0: t itself), with a reference
 * on the task and one on its thread group (task_find_put drops both).
 */
struct task *task_find_get(struct task *t, int tid);
void task_find_put(struct task *o);
/*
 * ptrace_may_access in PTRACE_MODE_READ: may a task of thread group ctg
 * with credentials c read o's state? Its own process always; else c's
 * ids (the real ones with realcreds, else the filesystem ones) must be
 * each of o's real, effective and saved ids, and o dumpable, unless c
 * has CAP_SYS_PTRACE. o->tg->lock held (o's ids are o's own to change
 * unlocked: a stale answer is what a racing ptrace_may_access gives too).
 */
bool task_may_access_locked(const struct creds *c,
			    const struct thread_group *ctg,
			    const struct task *o, bool realcreds);
/*
 * CPU time o's application thread has used, as the platform tells it:
 * 0, or -errno when it cannot (-ESRCH: o has exited). o->tg->lock held.
 */
int task_cpu_time_locked(struct task *o, struct timespec *ts);
/*
 * CPU time of tg's threads, the exited ones' and the live ones' (those
 * the platform cannot tell count 0). Whether tg is still alive (not a
 * zombie). k->lock and tg->lock not held.
 */
bool tg_cpu_time(struct kernel *k, struct thread_group *tg,
		 struct timespec *ts);
/*
 * CPU time of the whole sandbox: every process's not yet reaped, its
 * threads' and the children it reaped (wait's accounting: a process that
 * no one waits for, with SIGCHLD ignored, takes its time with it), and
 * the number of live threads and processes. k->lock not held.
 */
void kernel_usage(struct kernel *k, struct timespec *ts, uint32_t *threads,
		  uint32_t *procs);
/*
 * The memory the sandbox has, total and free, in bytes, as sysinfo and
 * /proc/meminfo tell it: the host's, or with a budget the budget and
 * what the memory file does not use of it.
 */
void kernel_memory(struct kernel *k, uint64_t *total, uint64_t *free);
/* A live thread of tg to take signal sig (0: any), with a reference. */
struct task *tg_target_locked(struct thread_group *tg, int sig);
/* A process-directed signal to tg (dropped if it has no live thread). */
int signal_send_tg(struct thread_group *tg, const struct abi_siginfo *info);
/* check_kill_permission */
bool signal_may_send(struct task *t, struct thread_group *tg, int sig);
/*
 * A stop signal's default action: the group stops until continued. Every
 * thread is interrupted and stops; the parent is told once each has
 * stopped (or left the group).
 */
void task_group_stop(struct task *t, int sig);
/* t's group is stopping (t->stop_pending): it stops with it, and waits
 * until the group is continued (or killed, or ends). */
void task_stop(struct task *t);
/* SIGCONT (or SIGKILL) was sent to tg: it runs again. */
void task_group_continue(struct task *sender, struct thread_group *tg);
/* The vfork parent of t may go on (t exec'd or is exiting). */
void task_vfork_done(struct task *t);
/* t's thread is done: its resources go, the group maybe a zombie. */
void task_exit(struct task *t);

/* What wait found: a child's state change. */
struct wait_result {
	int pid;
	uint32_t uid;
	int status;	     /* the wait status (wait4) */
	int code;	     /* CLD_* (waitid) */
	int si_status;	     /* exit code or signal (waitid) */
	struct timespec cpu; /* the child's CPU time, and its children's */
	uint64_t maxrss;     /* bytes */
};
/*
 * wait for a child of t's group that matches idtype (P_*) and id (or
 * pidfd_tg for P_PIDFD), with options as checked by the caller: its pid
 * and *res, 0 (WNOHANG, nothing yet), -ECHILD or -ERESTARTSYS.
 */
long task_do_wait(struct task *t, int idtype, int id,
		  struct thread_group *pidfd_tg, int options,
		  struct wait_result *res);

/* clone (fork.c): the new task's tid, or -errno. */
long task_clone(struct task *t, const struct abi_clone_args *args, bool clone3);

/* pidfd.c: a new pidfd for tg in t's fd table (close-on-exec): fd or
 * -errno; the thread group a pidfd names, with a reference (or ERR_PTR). */
long pidfd_create(struct task *t, struct thread_group *tg, uint32_t flags);
struct thread_group *pidfd_get_tg(struct task *t, int fd, uint32_t *flags);

/* futex.c: a dying thread's robust futexes get FUTEX_OWNER_DIED. */
void futex_exit_robust_list(struct task *t);
/* futex.c: wake up to n waiters on the futex at addr (a shared key). */
long futex_wake_addr(struct task *t, uint64_t addr, int n);

/* Wait for init to exit; returns its wait status. */
int kernel_wait(struct kernel *k);

/* A clone's sentry thread: its platform context and address space, then
 * the task loop until it exits. */
void task_run_child(struct task *t);

/* The task loop, run by each task's host thread. */
void *task_run(void *arg);

/* End the whole thread group with wait status status. */
void task_exit_group(struct task *t, int status);
/*
 * sig's default action dumps core: write "core" in t's working directory
 * (coredump.c) if RLIMIT_CORE and dumpability allow. true when written.
 */
bool task_coredump(struct task *t, int sig, const struct abi_siginfo *info);
/* Another thread of t's group execs: t must end (de_thread). */
static inline bool task_exec_zapped(struct task *t)
{
	struct task *e = __atomic_load_n(&t->tg->exec_task, __ATOMIC_ACQUIRE);

	return e && e != t;
}
/*
 * execve in a multi-threaded group (de_thread): every other thread ends;
 * t becomes the leader, with the group's id. 0, or -EINTR if the group is
 * ending (or another thread is exec'ing) instead.
 */
int task_exec_dethread(struct task *t);
/* Wake every other thread of t's group: it must look at the group. */
void task_wake_others(struct task *t);
/* End t's thread alone (exit), with wait status status. */
void task_exit_thread(struct task *t, int status);

/* Signals (signal.c) */
/* Queue info's signal on t (group: on its thread group): 0 or -EAGAIN. */
int signal_send(struct task *t, const struct abi_siginfo *info, bool group);
/* A signal the CPU raised: blocked or ignored, it takes the default. */
void signal_force(struct task *t, const struct abi_siginfo *info);
void signal_force_fault(struct task *t, int sig, int code, uint64_t addr);
/*
 * sig's default action ends t's process now, whatever its handler: a core
 * dump first if sig dumps core and the limits allow (seccomp's kills).
 */
void signal_fatal(struct task *t, int sig, const struct abi_siginfo *info);
/* A write found no reader (a pipe, a socket): SIGPIPE for t. */
void signal_sigpipe(struct task *t);
/* Signals pending for t, blocked or not. */
abi_sigset_t signal_pending(struct task *t);
/* How many signals are queued for t and its thread group (SigQ). */
int signal_queued(struct task *t);
/* Before t runs again: handlers and default actions of what is due. */
void signal_deliver(struct task *t);
/* rt_sigreturn: the registers of the frame at the stack; rax's value. */
long signal_sigreturn(struct task *t);
/* sigaltstack: set ss (NULL: keep), report the old one (NULL: not). */
int signal_altstack(struct task *t, const struct abi_stack *ss,
		    struct abi_stack *old);
void sigqueue_flush(struct sigqueue *q);
/*
 * Snapshots: the queued signals in order (malloc'd, *n of them), tg->lock
 * held; and queued again, as enqueue does (a standard signal once): 0,
 * -EINVAL for a signal number out of range, -ENOMEM.
 */
int sigqueue_export(struct sigqueue *q, struct abi_siginfo **v, size_t *n);
int sigqueue_import(struct sigqueue *q, const struct abi_siginfo *v, size_t n);
/* Take the first pending signal of set, as delivery would: 0 if none. */
int signal_dequeue(struct task *t, abi_sigset_t set, struct abi_siginfo *info);
/*
 * Wait until a signal of want (or one that is not blocked) is pending, the
 * deadline (CLOCK_MONOTONIC; NULL: none) passes (-EAGAIN) or the thread
 * group ends (-EINTR). 0 when a signal is there.
 */
int signal_wait(struct task *t, abi_sigset_t want,
		const struct timespec *deadline);
/*
 * Interruptible waits in the sentry. With lock held, around waits on cond
 * under it: a signal for t (or the end of its thread group) broadcasts
 * cond, and task_interrupted says whether t should stop waiting (a signal
 * it does not block is pending, or the group is ending).
 */
void task_block_begin(struct task *t, pthread_mutex_t *lock,
		      pthread_cond_t *cond);
void task_block_end(struct task *t);
bool task_interrupted(struct task *t);
/*
 * One interruptible wait on cond (lock held): 0 after a wake-up (look
 * again), -ERESTARTSYS if a signal for t is pending. t NULL: a plain wait.
 */
int task_wait(struct task *t, pthread_mutex_t *lock, pthread_cond_t *cond);
/* Wake t wherever it waits or runs: its signals need looking at. */
void task_wake(struct task *t);
/*
 * Readiness for poll, select and epoll (syscalls/time.c): poll_begin()
 * before looking at files, and poll_notify() after any change that can
 * make a file ready (data, room, a hang-up, an error, a signal, an exit).
 */
uint64_t poll_begin(void);
void poll_notify(void);

/* Interval timers (itimer.c): which is ITIMER_REAL/VIRTUAL/PROF. */
int itimer_set(struct task *t, int which, const struct timespec *value,
	       const struct timespec *interval, struct timespec *old_value,
	       struct timespec *old_interval);
int itimer_get(struct task *t, int which, struct timespec *value,
	       struct timespec *interval);
/*
 * RLIMIT_CPU of t's group was set or inherited (tg->lock held): while its
 * soft limit is finite, the timers' thread watches t's CPU time against it
 * (update_rlimit_cpu). Nothing to do, and no thread, otherwise.
 */
void itimer_rlimit_cpu_locked(struct task *t);
/* The thread group is going: stop its timer thread, free its timers. */
void itimer_stop(struct thread_group *tg);
/* POSIX timers (itimer.c): timer_create and friends; 0 or -errno. */
int ptimer_create(struct task *t, int clock, const struct abi_sigevent *ev,
		  int *id);
int ptimer_settime(struct task *t, int id, bool absolute,
		   const struct timespec *value,
		   const struct timespec *interval, struct timespec *old_value,
		   struct timespec *old_interval);
int ptimer_gettime(struct task *t, int id, struct timespec *value,
		   struct timespec *interval);
int ptimer_getoverrun(struct task *t, int id);
int ptimer_delete(struct task *t, int id);
/* A timer's signal was taken (tg->lock held): its overrun into info. */
void ptimer_dequeued(struct thread_group *tg, struct abi_siginfo *info);
/*
 * Snapshots (itimer.c): a timer as an image holds it, with what is left
 * of it rather than its expiry, so that it goes on from a restore as if
 * no time had passed. For the interval timers only armed, left and
 * interval count.
 */
struct timer_image {
	int id;		  /* a POSIX timer's id */
	int clock;	  /* its ABI clock id */
	int notify;	  /* ABI_SIGEV_* */
	int signo;	  /* its signal */
	uint64_t value;	  /* sigev_value */
	bool armed;	  /* else left is 0 */
	int64_t left;	  /* ns to its expiry on its clock, >= 0 */
	int64_t interval; /* ns, >= 0 */
	int overrun;	  /* expiries missed since its signal was queued */
	int overrun_last; /* timer_getoverrun's answer */
};
/*
 * tg->lock held: the group's timers now, itimers into it[3] and the POSIX
 * ones malloc'd (*pt, *npt of them); *task: the thread the timers'
 * signals go to and whose CPU time they count (NULL when no timer is
 * armed or made). 0 or -ENOMEM.
 */
int itimer_export_locked(struct thread_group *tg, struct task **task,
			 struct timer_image it[3], struct timer_image **pt,
			 int *npt);
/*
 * A restored group's timers, made and armed on t's clocks (t: the thread
 * of the group their signals go to; a CPU clock counts from the time t's
 * new thread has, so it goes on where it was), each checked as
 * timer_create and the set calls check. A POSIX timer's signal counts as
 * queued if one with its id is. Nothing runs them yet (itimer_resume).
 * 0, -EINVAL for a value they would refuse, -ENOMEM.
 */
int itimer_import(struct task *t, const struct timer_image it[3],
		  const struct timer_image *pt, int npt);
/* The timers' thread of a restored live group, if a timer is armed or
 * RLIMIT_CPU is finite: 0, or -EAGAIN. */
int itimer_resume(struct thread_group *tg);
/*
 * Queue a timer's signal on t (tg->lock held): false if it was not queued
 * (ignored, or a standard signal already pending). Wake t afterwards.
 */
bool signal_queue_locked(struct task *t, const struct abi_siginfo *info,
			 bool group);
/* Drop a deleted timer's queued signal (tg->lock held). */
void signal_cancel_timer_locked(struct task *t, int id);
/* Is a signal of timer id queued on q? (tg->lock held) */
bool sigqueue_has_timer(const struct sigqueue *q, int id);

/* Credentials */
void creds_init_root(struct creds *c);
/* uid:gid, with no capabilities unless uid is 0. */
void creds_init_user(struct creds *c, uint32_t uid, uint32_t gid);
void creds_destroy(struct creds *c);
bool creds_capable(const struct creds *c, int cap);

/* The filesystem (fs.c) */
/* The filesystem is ready (err 0) or failed; wake who waits for it. */
void kernel_vfs_done(struct kernel *k, int err);
/* Wait for the filesystem: 0, or the -errno it failed with. */
int kernel_wait_vfs(struct kernel *k);

struct sentry_bind;
struct sentry_mount;
/*
 * The sandbox's mounts: the gofer's mount 0 as / (under an overlay unless
 * rw), then /tmp, /dev, /proc, /sys, then the gofer's mount i+1 at
 * binds[i].dst.
 */
/* The sandbox's tree: moat run's, or with mounts (not NULL) an OCI
 * container's in that order. */
int kernel_boot_vfs(struct kernel *k, bool rw, const struct sentry_bind *binds,
		    int nbinds, const struct sentry_mount *mounts, int nmounts);
/*
 * linux.readonlyPaths and maskedPaths over the booted tree (struct
 * sentry_config says how): 0, or -errno with *failed the path.
 */
int kernel_protect_paths(struct kernel *k, const char *const *readonly,
			 int nreadonly, const char *const *masked, int nmasked,
			 const char **failed);
struct fs_struct *fs_struct_create(const struct vfs_path *root,
				   const struct vfs_path *cwd);
void fs_struct_put(struct fs_struct *fs);

/*
 * Where a task's *at() call starts: for an absolute path the task's root,
 * for AT_FDCWD its working directory, else the directory open at dirfd
 * (EBADF, ENOTDIR). With allow_empty, an empty path may name any file at
 * dirfd (AT_EMPTY_PATH). *ctx gets the task's root and credentials; both
 * hold references until task_path_end.
 */
int task_path_begin(struct task *t, int dirfd, const char *path,
		    bool allow_empty, struct vfs_lookup_ctx *ctx,
		    struct vfs_path *start);
/* The same; scoped: an absolute path starts at dirfd too (IN_ROOT). */
int task_path_begin_scoped(struct task *t, int dirfd, const char *path,
			   bool allow_empty, bool scoped,
			   struct vfs_lookup_ctx *ctx, struct vfs_path *start);
void task_path_end(struct vfs_lookup_ctx *ctx, struct vfs_path *start);
/* Copy a path in from the application: its length, or -EFAULT/-ENAMETOOLONG. */
long task_getname(struct task *t, uint64_t uptr, char *buf);

/* Time since boot */
void kernel_uptime(struct kernel *k, struct timespec *ts);

#endif
