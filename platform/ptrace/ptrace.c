// SPDX-License-Identifier: Apache-2.0
/*
 * The ptrace platform.
 *
 * Each address space is a stub process (stub.c). Stubs are forked by a
 * factory process that the platform starts before the sentry installs its
 * seccomp filter, so the sentry itself never needs fork or execve. The
 * factory copies the stub's code to its link address (STUB_BASE) once; each
 * forked child closes every fd but the memory file and jumps there, and the
 * stub drops every other mapping and stops itself. No execve: a fork is
 * several times cheaper here. The sentry thread that asked then attaches
 * with PTRACE_SEIZE and becomes its tracer (PTRACE_O_EXITKILL: no stub
 * outlives the sentry).
 *
 * Application threads run under PTRACE_SYSEMU: a syscall stops the stub at
 * entry and is never executed by the host. Changes to the address space are
 * made by injecting mmap/munmap/mprotect at the stub's injection site, the
 * only syscalls the stub's own filter admits.
 *
 * Deviation for now: a stub is traced by the sentry thread that created
 * it, so an address space is used by one task thread; threads sharing an
 * address space (one stub thread per sentry thread) come with clone.
 */
#include "platform/platform.h"
#include "platform/ptrace/stub.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The stub program, built separately and embedded by the build. */
extern const char ptrace_stub_image[];
extern const char ptrace_stub_image_end[];

struct ptrace_platform {
	struct platform base;
	int memfd;
	int factory_sock;
	pid_t factory_pid;
	pthread_mutex_t factory_lock;
};

struct ptrace_as {
	struct ptrace_platform *p;
	pid_t pid;    /* the stub process; its only thread for now */
	pid_t tracer; /* host tid of the sentry thread tracing it */
	struct user_regs_struct base_regs; /* segment registers etc. */
	bool dead;
};

struct ptrace_ctx {
	struct ptrace_platform *p;
	pid_t tid;		/* the sentry thread */
	pid_t running;		/* stub running for us, or 0 */
	bool interrupt_pending; /* atomic */
};

static inline struct ptrace_platform *to_pp(struct platform *p)
{
	return container_of(p, struct ptrace_platform, base);
}

static pid_t host_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* ---- the factory --------------------------------------------------------- */

static void factory_reap(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	errno = saved;
}

static int move_fd_high(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 64);
}

/*
 * glibc registers an rseq area for each thread; a forked child inherits the
 * registration, and once the stub unmaps that memory the kernel would kill
 * it on its next return to user space. Drop the registration first.
 */
static void rseq_unregister(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (__rseq_size == 0)
		return;
	if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER,
		    RSEQ_SIG) < 0)
		syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

/* In the forked child: become a stub. Never returns. */
static void factory_child(int memfd, uint64_t entry)
{
	sigset_t all;
	int sig;

	rseq_unregister();
	setsid();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	memfd = move_fd_high(memfd);
	if (memfd < 0 || dup2(memfd, STUB_MEMFD_FD) < 0)
		_exit(127);
	syscall(SYS_close_range, 0, STUB_MEMFD_FD - 1, 0);
	syscall(SYS_close_range, STUB_MEMFD_FD + 1, ~0U, 0);
	((void (*)(void))entry)();
	_exit(127);
}

/* Fork a stub and wait for its self-stop; returns its pid or -errno. */
static int32_t factory_spawn(int memfd, uint64_t entry)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		factory_child(memfd, entry);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, WUNTRACED | __WALL) < 0)
		if (errno != EINTR)
			return -ECHILD;
	if (!WIFSTOPPED(status))
		return -ECHILD;
	return pid;
}

/*
 * The factory keeps one stub spawned ahead of demand, so that a new address
 * space costs the sentry one round trip rather than a fork and an exec.
 */
static void factory_main(int sock, int memfd, uint64_t entry)
{
	struct sigaction sa = {.sa_handler = factory_reap,
			       .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	int32_t spare;

	sigaction(SIGCHLD, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	spare = factory_spawn(memfd, entry);
	for (;;) {
		char req;
		ssize_t n = read(sock, &req, 1);

		if (n == 0)
			_exit(0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (spare < 0)
			spare = factory_spawn(memfd, entry);
		if (write(sock, &spare, sizeof(spare)) != sizeof(spare))
			_exit(1);
		spare = factory_spawn(memfd, entry);
	}
}

/*
 * Place the embedded stub program's code at its link address in this
 * process (the factory), so forked children can run it. The image is our
 * own build output, but it is checked like any ELF: one PT_LOAD at
 * STUB_BASE within STUB_SIZE. Returns the entry point or 0.
 */
static uint64_t stub_place(void)
{
	const char *img = ptrace_stub_image;
	size_t len = ptrace_stub_image_end - ptrace_stub_image;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Phdr *ph;
	void *at;

	if (len < sizeof(*eh) || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > len ||
	    (size_t)eh->e_phnum * sizeof(*ph) > len - eh->e_phoff)
		return 0;
	ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr != STUB_BASE || ph[i].p_memsz > STUB_SIZE ||
		    ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > len ||
		    ph[i].p_filesz > len - ph[i].p_offset)
			return 0;
		at = mmap((void *)STUB_BASE, page_up(ph[i].p_memsz),
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			  0);
		if (at != (void *)STUB_BASE)
			return 0;
		memcpy(at, img + ph[i].p_offset, ph[i].p_filesz);
		if (mprotect(at, page_up(ph[i].p_memsz),
			     PROT_READ | PROT_EXEC) < 0)
			return 0;
		return eh->e_entry;
	}
	return 0;
}

static int ptrace_create(int memfd, struct platform **out)
{
	struct ptrace_platform *pp;
	int sv[2], err;
	pid_t pid;

	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		free(pp);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(sv[0]);
		close(sv[1]);
		free(pp);
		return err;
	}
	if (pid == 0) {
		uint64_t entry = stub_place();

		close(sv[0]);
		if (!entry)
			_exit(1);
		factory_main(sv[1], memfd, entry);
		_exit(0);
	}
	close(sv[1]);
	pp->base.ops = &ptrace_platform_ops;
	pp->base.addr_limit = STUB_BASE;
	pp->memfd = memfd;
	pp->factory_sock = sv[0];
	pp->factory_pid = pid;
	pthread_mutex_init(&pp->factory_lock, NULL);
	*out = &pp->base;
	return 0;
}

static void ptrace_destroy(struct platform *p)
{
	struct ptrace_platform *pp = to_pp(p);

	close(pp->factory_sock);
	kill(pp->factory_pid, SIGKILL);
	waitpid(pp->factory_pid, NULL, 0);
	free(pp);
}

/* ---- stubs --------------------------------------------------------------- */

static int wait_stop(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, __WALL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int ptrace_as_create(struct platform *p, struct platform_as **out)
{
	struct ptrace_platform *pp = to_pp(p);
	struct ptrace_as *as;
	int32_t reply = -EIO;
	char req = 'S';
	int status, err;

	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	pthread_mutex_lock(&pp->factory_lock);
	if (write(pp->factory_sock, &req, 1) != 1 ||
	    read(pp->factory_sock, &reply, sizeof(reply)) != sizeof(reply))
		reply = -EIO;
	pthread_mutex_unlock(&pp->factory_lock);
	if (reply < 0) {
		free(as);
		return reply;
	}
	as->p = pp;
	as->pid = reply;
	as->tracer = host_gettid();
	if (ptrace(PTRACE_SEIZE, as->pid, 0,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0) {
		err = -errno;
		kill(as->pid, SIGKILL);
		free(as);
		return err;
	}
	/* The stub is in a group-stop: the attach reports it as a trap. */
	err = wait_stop(as->pid, &status);
	if (err == 0 && !WIFSTOPPED(status))
		err = -ECHILD;
	if (err == 0 && ptrace(PTRACE_GETREGS, as->pid, 0, &as->base_regs) < 0)
		err = -errno;
	if (err) {
		kill(as->pid, SIGKILL);
		free(as);
		return err;
	}
	*out = (struct platform_as *)as;
	return 0;
}

static void ptrace_as_destroy(struct platform_as *pas)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	int status;

	if (!as)
		return;
	kill(as->pid, SIGKILL);
	/* Collect the tracer-side notification; the factory reaps it. */
	if (as->tracer == host_gettid())
		while (waitpid(as->pid, &status, __WALL) < 0 && errno == EINTR)
			;
	free(as);
}

/*
 * Run one syscall in the stub: the stub must be stopped under our trace.
 * Returns the syscall's result (-errno on failure).
 */
static long stub_inject(struct ptrace_as *as, long nr, uint64_t a0, uint64_t a1,
			uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct user_regs_struct regs = as->base_regs;
	int status;

	BUG_ON(as->tracer != host_gettid());
	if (as->dead)
		return -ESRCH;
	regs.rip = STUB_BASE + STUB_OFF_INJECT;
	regs.rax = nr;
	regs.orig_rax = -1;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.r10 = a3;
	regs.r8 = a4;
	regs.r9 = a5;
	if (ptrace(PTRACE_SETREGS, as->pid, 0, &regs) < 0 ||
	    ptrace(PTRACE_CONT, as->pid, 0, 0) < 0)
		return -errno;
	if (wait_stop(as->pid, &status) < 0)
		return -ESRCH;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		siginfo_t si = {0};

		ptrace(PTRACE_GETSIGINFO, as->pid, 0, &si);
		ptrace(PTRACE_GETREGS, as->pid, 0, &regs);
		log_error("ptrace: stub %d: unexpected status %#x after "
			  "injecting syscall %ld (rip %#llx, si_addr %p)",
			  as->pid, status, nr, (unsigned long long)regs.rip,
			  si.si_addr);
		as->dead = true;
		return -EFAULT;
	}
	if (ptrace(PTRACE_GETREGS, as->pid, 0, &regs) < 0)
		return -errno;
	return (long)regs.rax;
}

static int ptrace_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
			 int prot, uint64_t off)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	long ret;

	ret = stub_inject(as, __NR_mmap, addr, len, prot,
			  MAP_SHARED | MAP_FIXED, STUB_MEMFD_FD, off);
	if (IS_ERR_VALUE(ret))
		return (int)ret;
	return ret == (long)addr ? 0 : -EFAULT;
}

static int ptrace_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	return (int)stub_inject((struct ptrace_as *)pas, __NR_munmap, addr, len,
				0, 0, 0, 0);
}

static int ptrace_as_protect(struct platform_as *pas, uint64_t addr,
			     uint64_t len, int prot)
{
	return (int)stub_inject((struct ptrace_as *)pas, __NR_mprotect, addr,
				len, prot, 0, 0, 0);
}

/* ---- contexts and running ---------------------------------------------- */

static int ptrace_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct ptrace_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->p = to_pp(p);
	ctx->tid = host_gettid();
	*out = (struct platform_ctx *)ctx;
	return 0;
}

static void ptrace_ctx_destroy(struct platform_ctx *ctx)
{
	free(ctx);
}

static void regs_to_host(const struct abi_user_regs *r,
			 struct user_regs_struct *h)
{
	_Static_assert(sizeof(*r) == sizeof(*h), "user_regs layout");
	memcpy(h, r, sizeof(*h));
}

static int ptrace_switch_to(struct platform_ctx *pctx, struct platform_as *pas,
			    struct abi_user_regs *regs,
			    struct platform_event *ev)
{
	struct ptrace_ctx *ctx = (struct ptrace_ctx *)pctx;
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct user_regs_struct h;
	siginfo_t si;
	int status, sig;

	BUG_ON(as->tracer != ctx->tid);
	if (as->dead) {
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	if (__atomic_exchange_n(&ctx->interrupt_pending, false,
				__ATOMIC_ACQ_REL)) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	regs_to_host(regs, &h);
	/* Keep the stub's own segment selectors: the app cannot set them. */
	h.cs = as->base_regs.cs;
	h.ss = as->base_regs.ss;
	if (ptrace(PTRACE_SETREGS, as->pid, 0, &h) < 0)
		return -errno;
	__atomic_store_n(&ctx->running, as->pid, __ATOMIC_RELEASE);
	if (ptrace(PTRACE_SYSEMU, as->pid, 0, 0) < 0) {
		__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);
		return -errno;
	}
	if (wait_stop(as->pid, &status) < 0)
		status = 0;
	__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);
	if (!WIFSTOPPED(status)) {
		as->dead = true;
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, as->pid, 0, &h) < 0)
		return -errno;
	memcpy(regs, &h, sizeof(h));
	sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		ev->why = PLATFORM_SYSCALL;
		return 0;
	}
	if ((status >> 16) == PTRACE_EVENT_STOP) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	/* A signal-delivery stop: never deliver it on the host. */
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, as->pid, 0, &si);
	ev->signo = sig;
	ev->code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	ev->access = 0;
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
		ev->why =
		    si.si_code > 0 ? PLATFORM_FAULT : PLATFORM_INTERRUPTED;
		break;
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		ev->why =
		    si.si_code > 0 ? PLATFORM_SIGNAL : PLATFORM_INTERRUPTED;
		break;
	default:
		/* Our own interrupt (SIGSTOP) or a stray host signal. */
		ev->why = PLATFORM_INTERRUPTED;
		break;
	}
	if (ev->why == PLATFORM_INTERRUPTED)
		__atomic_store_n(&ctx->interrupt_pending, false,
				 __ATOMIC_RELEASE);
	return 0;
}

static void ptrace_interrupt(struct platform_ctx *pctx)
{
	struct ptrace_ctx *ctx = (struct ptrace_ctx *)pctx;
	pid_t pid;

	__atomic_store_n(&ctx->interrupt_pending, true, __ATOMIC_RELEASE);
	pid = __atomic_load_n(&ctx->running, __ATOMIC_ACQUIRE);
	if (pid > 0)
		syscall(SYS_tgkill, pid, pid, SIGSTOP);
}

static int ptrace_cpu_time(struct platform_ctx *pctx, struct platform_as *pas,
			   struct timespec *ts)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	/* MAKE_THREAD_CPUCLOCK(pid, CPUCLOCK_SCHED) */
	clockid_t id = (clockid_t)((~(unsigned)as->pid << 3) | 2 | 4);

	(void)pctx;
	if (clock_gettime(id, ts) < 0)
		return -errno;
	return 0;
}

const struct platform_ops ptrace_platform_ops = {
    .name = "ptrace",
    .create = ptrace_create,
    .destroy = ptrace_destroy,
    .as_create = ptrace_as_create,
    .as_destroy = ptrace_as_destroy,
    .as_map = ptrace_as_map,
    .as_unmap = ptrace_as_unmap,
    .as_protect = ptrace_as_protect,
    .ctx_create = ptrace_ctx_create,
    .ctx_destroy = ptrace_ctx_destroy,
    .switch_to = ptrace_switch_to,
    .interrupt = ptrace_interrupt,
    .cpu_time = ptrace_cpu_time,
};
