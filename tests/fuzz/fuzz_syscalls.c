// SPDX-License-Identifier: Apache-2.0
/*
 * The syscall layer: a whole sentry in-process, on the null platform
 * (platform/null/), with a tmpfs root and /tmp, /dev, /proc and /sys as
 * moat boots them. No application code runs: a thread's "code" is the
 * input, decoded into syscalls (and faults) that the null platform hands
 * the sentry's task loop as if the application had made them, with their
 * arguments and buffers in application memory.
 *
 * init (pid 1) is the driver: for each input it forks a child, which
 * becomes a session leader, maps a 64 KiB buffer at BUF, and runs the
 * input's calls; init waits for it and reaps every zombie. A child that
 * has not finished within 20 ms (a blocked call) is sent SIGKILL from
 * outside, as moat kill does; one that does not die of it is a bug.
 * Threads and processes the child makes exit at once.
 *
 * An input is a sequence of records. [u8 0xff][u64 addr][u8 access] is a
 * page fault; anything else a syscall: [u16 number][6 arguments], each
 * [u8 kind] and its bytes: 0 a signed byte, 1 a u32, 2 a u64, 3 BUF plus
 * a u16 offset, 4 an earlier call's result (u8: how far back), 5 a
 * string (u8 length, bytes; NUL added) and 6 bytes (u8 length) put in
 * the buffer (its address), 7 a constant (u8: AT_FDCWD, -1, BUF's end,
 * an unmapped page, a kernel address, the page size, ...). pid 1 as an
 * argument of the calls that take a pid becomes the child's own: nothing
 * in the input reaches init.
 */
#include "platform/null/null.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"
#include "tests/fuzz/fuzz.h"

#include <asm/unistd_64.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BUF	   0x10000000ULL
#define BUF_SIZE   0x10000ULL
#define MAX_CALLS  64
#define TIMEOUT_MS 20
#define KILL_MS	   5000	      /* a SIGKILL'ed child is gone by then */
#define WALL	   0x40000000 /* __WALL */
#define WNOHANG_   1

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_syscalls: %s\n", #cond);         \
			abort();                                               \
		}                                                              \
	} while (0)

static struct kernel k;
static struct task init;

/* The job init runs for the fuzzer's thread: one input. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool posted; /* an input is there for init */
	bool done;   /* init has reaped its child */
	int child;   /* its pid, once fork returned; 0 before */
	bool claimed;
	const uint8_t *data;
	size_t size;
} job = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* Each task's thread: what its hook does next. */
enum role {
	ROLE_NONE,
	ROLE_INIT,
	ROLE_CHILD,
	ROLE_OTHER
};
static __thread enum role role;
static __thread int step;
static __thread struct fuzz_in script;
static __thread uint64_t results[8];
static __thread unsigned nresults, ncalls, str_at;

static void set_syscall(struct abi_user_regs *r, struct platform_event *ev,
			long nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5)
{
	r->orig_rax = (uint64_t)nr;
	r->rax = (uint64_t)-ENOSYS;
	r->rdi = a0;
	r->rsi = a1;
	r->rdx = a2;
	r->r10 = a3;
	r->r8 = a4;
	r->r9 = a5;
	ev->why = PLATFORM_SYSCALL;
}

/* init: fork a child per job, wait for it, reap everything. */
static int init_hook(struct abi_user_regs *r, struct platform_event *ev)
{
	long ret = (long)r->rax;

	switch (step) {
	case 0: /* wait for a job */
		pthread_mutex_lock(&job.lock);
		while (!job.posted)
			pthread_cond_wait(&job.cond, &job.lock);
		job.posted = false;
		pthread_mutex_unlock(&job.lock);
		step = 1;
		set_syscall(r, ev, __NR_fork, 0, 0, 0, 0, 0, 0);
		return 0;
	case 1: /* fork's result */
		CHECK(ret > 1);
		pthread_mutex_lock(&job.lock);
		job.child = (int)ret;
		pthread_cond_broadcast(&job.cond);
		pthread_mutex_unlock(&job.lock);
		step = 2;
		set_syscall(r, ev, __NR_wait4, (uint64_t)ret, 0, WALL, 0, 0, 0);
		return 0;
	case 2: /* the child's wait4: again until it is reaped */
		if (ret != job.child) {
			set_syscall(r, ev, __NR_wait4, (uint64_t)job.child, 0,
				    WALL, 0, 0, 0);
			return 0;
		}
		step = 3;
		set_syscall(r, ev, __NR_wait4, (uint64_t)-1, 0, WALL | WNOHANG_,
			    0, 0, 0);
		return 0;
	case 3: /* other zombies (CLONE_PARENT, orphans) */
		if (ret > 0) {
			set_syscall(r, ev, __NR_wait4, (uint64_t)-1, 0,
				    WALL | WNOHANG_, 0, 0, 0);
			return 0;
		}
		pthread_mutex_lock(&job.lock);
		job.done = true;
		pthread_cond_broadcast(&job.cond);
		pthread_mutex_unlock(&job.lock);
		step = 0;
		return init_hook(r, ev);
	}
	return -EINVAL;
}

/* Calls that take a pid, and which arguments are pids. */
static unsigned pid_args(long nr)
{
	switch (nr) {
	case __NR_kill:
	case __NR_tkill:
	case __NR_rt_sigqueueinfo:
	case __NR_pidfd_open:
	case __NR_prlimit64:
	case __NR_sched_setparam:
	case __NR_sched_setscheduler:
	case __NR_sched_setaffinity:
	case __NR_sched_setattr:
	case __NR_process_vm_readv:
	case __NR_process_vm_writev:
	case __NR_setpgid:
	case __NR_move_pages:
	case __NR_migrate_pages:
		return 1;
	case __NR_tgkill:
	case __NR_rt_tgsigqueueinfo:
	case __NR_kcmp:
		return 3;
	case __NR_ptrace:
	case __NR_setpriority:
	case __NR_ioprio_set:
		return 2;
	}
	return 0;
}

/* A string or bytes of the input, put in the buffer's upper half. */
static uint64_t put_bytes(struct mm *mm, struct fuzz_in *in, bool string)
{
	size_t n;
	const uint8_t *p = fuzz_bytes(in, fuzz_u8(in), &n);
	uint64_t at;

	if (str_at + n + 1 > BUF_SIZE / 2)
		str_at = 0;
	at = BUF + BUF_SIZE / 2 + str_at;
	str_at += (unsigned)n + 1;
	/* The application may have unmapped or protected it: then not. */
	mm_copy_out(mm, at, p, n);
	if (string)
		mm_copy_out(mm, at + n, "", 1);
	return at;
}

static uint64_t arg(struct mm *mm, struct fuzz_in *in)
{
	static const uint64_t consts[] = {
	    (uint64_t)ABI_AT_FDCWD,
	    (uint64_t)-1,
	    BUF + BUF_SIZE,
	    BUF + BUF_SIZE - 1,
	    0x1000,
	    0xffffffff80000000ULL,
	    0x7ffbff000000ULL,
	    0x7ffffffff000ULL,
	    1ULL << 63,
	    4096,
	    BUF_SIZE,
	    0x20000000ULL,
	};

	switch (fuzz_u8(in) % 8) {
	case 0:
		return (uint64_t)(int64_t)(int8_t)fuzz_u8(in);
	case 1:
		return fuzz_u32(in);
	case 2:
		return fuzz_u64(in);
	case 3:
		return BUF + fuzz_u16(in) % BUF_SIZE;
	case 4:
		return nresults
			   ? results[(nresults - 1 - fuzz_u8(in) % nresults) %
				     8]
			   : 0;
	case 5:
		return put_bytes(mm, in, true);
	case 6:
		return put_bytes(mm, in, false);
	default:
		return consts[fuzz_u8(in) %
			      (sizeof(consts) / sizeof(consts[0]))];
	}
}

/* The child: the prologue, then the input's records, then exit_group. */
static int child_hook(struct abi_user_regs *r, struct platform_event *ev)
{
	struct task *t = current_task;
	uint64_t a[6];
	long nr;

	if (step > 2) {
		results[nresults++ % 8] = r->rax;
	}
	switch (step) {
	case 0:
		step = 1;
		set_syscall(r, ev, __NR_setsid, 0, 0, 0, 0, 0, 0);
		return 0;
	case 1:
		step = 2;
		set_syscall(
		    r, ev, __NR_mmap, BUF, BUF_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (uint64_t)-1, 0);
		return 0;
	case 2:
		CHECK(r->rax == BUF);
		step = 3;
		set_syscall(
		    r, ev, __NR_chdir,
		    put_bytes(t->mm,
			      &(struct fuzz_in){(const uint8_t *)"\4/tmp", 5},
			      true),
		    0, 0, 0, 0, 0);
		return 0;
	}
	if (script.left == 0 || ncalls++ >= MAX_CALLS) {
		set_syscall(r, ev, __NR_exit_group, 0, 0, 0, 0, 0, 0);
		return 0;
	}
	if (script.p[0] == 0xff) {
		fuzz_u8(&script);
		ev->why = PLATFORM_FAULT;
		ev->signo = ABI_SIGSEGV;
		ev->addr = fuzz_u64(&script);
		ev->access = fuzz_u8(&script) & 7;
		ev->code = 1; /* SEGV_MAPERR */
		return 0;
	}
	nr = fuzz_u16(&script) % 512;
	for (int i = 0; i < 6; i++) {
		a[i] = arg(t->mm, &script);
		if ((pid_args(nr) & (1U << i)) && (int)a[i] == 1)
			a[i] = (uint64_t)t->tg->tgid;
	}
	set_syscall(r, ev, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return 0;
}

static int hook(struct abi_user_regs *r, struct platform_event *ev)
{
	struct task *t = current_task;

	if (role == ROLE_NONE) {
		if (t == &init) {
			role = ROLE_INIT;
		} else if (t->tg->parent == k.init_tg && t->tg->leader == t) {
			pthread_mutex_lock(&job.lock);
			while (!job.child)
				pthread_cond_wait(&job.cond, &job.lock);
			if (t->tg->tgid == job.child && !job.claimed) {
				job.claimed = true;
				role = ROLE_CHILD;
				script = (struct fuzz_in){job.data, job.size};
			} else {
				role = ROLE_OTHER;
			}
			pthread_mutex_unlock(&job.lock);
		} else {
			role = ROLE_OTHER;
		}
	}
	switch (role) {
	case ROLE_INIT:
		return init_hook(r, ev);
	case ROLE_CHILD:
		return child_hook(r, ev);
	default:
		set_syscall(r, ev, __NR_exit, 0, 0, 0, 0, 0, 0);
		return 0;
	}
}

/* A minimal static executable for init: one page of text. */
static int init_image(void)
{
	struct {
		uint8_t ident[16];
		uint16_t type, machine;
		uint32_t version;
		uint64_t entry, phoff, shoff;
		uint32_t flags;
		uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
		struct {
			uint32_t type, flags;
			uint64_t offset, vaddr, paddr, filesz, memsz, align;
		} ph;
	} img = {
	    .ident = {0x7f, 'E', 'L', 'F', 2, 1, 1},
	    .type = 2,
	    .machine = 62,
	    .version = 1,
	    .entry = 0x400000 + sizeof(img),
	    .phoff = 64,
	    .ehsize = 64,
	    .phentsize = 56,
	    .phnum = 1,
	    .ph = {1, 5, 0, 0x400000, 0x400000, 4096, 4096, 4096},
	};
	static uint8_t page[4096];
	int fd = memfd_create("init", MFD_CLOEXEC);

	memcpy(page, &img, sizeof(img));
	CHECK(fd >= 0 && write(fd, page, sizeof(page)) == sizeof(page));
	return fd;
}

static int boot_fs(struct task *t, void *arg)
{
	struct vfs_path root;
	int err = kernel_boot_vfs(t->k, false, NULL, 0, NULL, 0);

	(void)arg;
	kernel_vfs_done(t->k, err);
	if (err)
		return err;
	vfs_ns_root(&t->k->ns, &root);
	t->fs = fs_struct_create(&root, &root);
	vfs_path_put(&root);
	return t->fs ? 0 : -ENOMEM;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *init_argv[] = {"init", NULL}, *init_envp[] = {NULL};
	const uint64_t no_resource = ~(1ULL << ABI_CAP_SYS_RESOURCE);
	struct task_start *st;
	const char *why = NULL;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	/* The sentry's warnings (ENOSYS, once each) are noise here. */
	log_set_fd(devnull, LOG_ERROR);
	null_platform_set_hook(hook);
	k.gofer_sock = -1;
	k.opts.strace_fd = -1;
	/* MOAT_FUZZ_STRACE=1: every call on stderr, as moat run --strace. */
	if (getenv("MOAT_FUZZ_STRACE")) {
		k.opts.strace = true;
		k.opts.strace_fd = STDERR_FILENO;
	}
	CHECK(kernel_init_platform(&k, &null_platform_ops) == 0);
	/* Limits the child cannot raise (no CAP_SYS_RESOURCE). */
	k.default_rlim[ABI_RLIMIT_FSIZE] =
	    (struct abi_rlimit){1 << 20, 1 << 20};
	k.default_rlim[ABI_RLIMIT_NOFILE] = (struct abi_rlimit){64, 64};
	k.default_rlim[ABI_RLIMIT_AS] =
	    (struct abi_rlimit){1ULL << 30, 1ULL << 30};
	k.default_rlim[ABI_RLIMIT_NPROC] = (struct abi_rlimit){64, 64};
	k.default_rlim[ABI_RLIMIT_STACK] =
	    (struct abi_rlimit){1 << 20, 1 << 20};
	k.default_rlim[ABI_RLIMIT_MEMLOCK] =
	    (struct abi_rlimit){1 << 20, 1 << 20};
	init.k = &k;
	creds_init_root(&init.creds);
	init.creds.cap_effective &= no_resource;
	init.creds.cap_permitted &= no_resource;
	init.creds.cap_bounding &= no_resource;
	init.files = fdtable_create();
	CHECK(init.files);
	st = kernel_prepare_init(&k, &init, init_image(), "/init", init_argv,
				 init_envp, boot_fs, NULL);
	CHECK(st);
	if (kernel_start_init(st, &why)) {
		fprintf(stderr, "fuzz_syscalls: init: %s\n", why ? why : "?");
		abort();
	}
	return 0;
}

static void after_ms(struct timespec *ts, const struct timespec *from, long ms)
{
	*ts = *from;
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static long ms_since(const struct timespec *from)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (now.tv_sec - from->tv_sec) * 1000 +
	       (now.tv_nsec - from->tv_nsec) / 1000000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timespec start, killed_at, deadline;
	bool killed = false;

	pthread_mutex_lock(&job.lock);
	job.data = data;
	job.size = size;
	job.child = 0;
	job.claimed = false;
	job.done = false;
	job.posted = true;
	pthread_cond_broadcast(&job.cond);
	clock_gettime(CLOCK_REALTIME, &start);
	after_ms(&deadline, &start, TIMEOUT_MS);
	while (!job.done) {
		if (pthread_cond_timedwait(&job.cond, &job.lock, &deadline) !=
			ETIMEDOUT ||
		    job.done)
			continue;
		if (killed) {
			/* A SIGKILL'ed process must die: a call ignores it. */
			fprintf(stderr,
				"fuzz_syscalls: pid %d still there %ld ms "
				"after SIGKILL\n",
				job.child, ms_since(&killed_at));
			abort();
		}
		if (!job.child) {
			/* init has not forked yet: it must, soon. */
			CHECK(ms_since(&start) < KILL_MS);
			after_ms(&deadline, &deadline, TIMEOUT_MS);
			continue;
		}
		signal_pid(&k, job.child, ABI_SIGKILL);
		killed = true;
		clock_gettime(CLOCK_REALTIME, &killed_at);
		after_ms(&deadline, &killed_at, KILL_MS);
	}
	pthread_mutex_unlock(&job.lock);
	if (killed && ms_since(&killed_at) > 1000)
		fprintf(stderr, "fuzz_syscalls: pid %d took %ld ms to die\n",
			job.child, ms_since(&killed_at));
	CHECK(!k.init_exited);
	return 0;
}
