// SPDX-License-Identifier: Apache-2.0
/*
 * The ptrace platform.
 *
 * Each address space is a stub process (stub.c). Stubs are forked by a
 * factory, the same tiny program, which the platform executes before the
 * sentry installs its seccomp filter, so the sentry itself never needs
 * fork or execve after boot. The factory keeps one stub ready ahead of
 * demand; a stub drops every mapping but the program's own and stops
 * itself. The sentry thread that asks for one then attaches with
 * PTRACE_SEIZE and becomes its tracer (PTRACE_O_EXITKILL: no stub outlives
 * the sentry; a stub not yet attached dies with the factory, and the
 * factory exits when the sentry's end of its socket closes).
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

#include <cpuid.h>
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

/*
 * The helper program as a sealed memfd, so that moat stays one file and
 * nothing on the host's filesystem is executed.
 */
static int stub_image_fd(void)
{
	size_t len = ptrace_stub_image_end - ptrace_stub_image;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)ptrace_stub_image;
	const Elf64_Phdr *ph;
	int fd, err;

	/* The build links it at STUB_BASE (stub.ld): check, once. */
	if (len < sizeof(*eh) + sizeof(*ph) || eh->e_phoff != sizeof(*eh))
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(ptrace_stub_image + eh->e_phoff);
	BUG_ON(ph->p_type != PT_LOAD || ph->p_vaddr != STUB_BASE ||
	       ph->p_memsz > STUB_SIZE);
	fd = memfd_create("moat-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, ptrace_stub_image + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) <
	    0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Move fd to exactly want (clearing close-on-exec); 0 or -1. */
static int place_fd(int fd, int want)
{
	if (fd == want)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, want) == want ? 0 : -1;
}

/*
 * The vfork child: arrange the factory's fds (3: memory file, 4: socket,
 * 5: the image, close-on-exec), a new session away from the terminal,
 * default signal dispositions and an empty mask, then execute the image.
 * Async-signal-safe calls only: this runs on the parent's memory.
 */
static void factory_exec(int memfd, int sock, int img)
{
	static char *const argv[] = {"moat-stub-factory", NULL};
	static char *const envp[] = {NULL};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* First out of the way of 3..5, then into place. */
	memfd = fcntl(memfd, F_DUPFD, 10);
	sock = fcntl(sock, F_DUPFD, 10);
	img = fcntl(img, F_DUPFD_CLOEXEC, 10);
	if (memfd < 0 || sock < 0 || img < 0 ||
	    place_fd(memfd, STUB_MEMFD_FD) || place_fd(sock, STUB_SOCK_FD) ||
	    dup3(img, 5, O_CLOEXEC) != 5)
		_exit(127);
	syscall(SYS_close_range, 0, 2, 0);
	syscall(SYS_close_range, 6, ~0U, 0);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, 5, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* Start the factory; its pid or -errno. Nothing is live across vfork. */
static __attribute__((noinline)) pid_t factory_start(int memfd, int sock,
						     int img)
{
	pid_t pid = vfork();

	if (pid == 0)
		factory_exec(memfd, sock, img);
	return pid < 0 ? -errno : pid;
}

/* The XSAVE area's size for the features the host enables (CPUID 0xd). */
static uint32_t xstate_size(void)
{
	unsigned eax, ebx, ecx, edx;

	if (!__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx) || ebx < 576)
		return 576; /* FXSAVE and the XSAVE header: x87 and SSE */
	return ebx;
}

static int ptrace_create(int memfd, struct platform **out)
{
	struct ptrace_platform *pp;
	sigset_t all, old;
	int sv[2], img, err = 0;
	pid_t pid;

	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	img = stub_image_fd();
	if (img < 0) {
		free(pp);
		return img;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		close(img);
		free(pp);
		return err;
	}
	/* No handler of ours may run in the child, on our memory. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = factory_start(memfd, sv[1], img);
	if (pid < 0)
		err = pid;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	close(img);
	if (err) {
		close(sv[0]);
		free(pp);
		return err;
	}
	pp->base.ops = &ptrace_platform_ops;
	pp->base.addr_limit = STUB_BASE;
	pp->base.fpu_size = xstate_size();
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
	/*
	 * MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED): Linux refuses another
	 * thread group's thread clocks, and a stub runs one thread, so its
	 * process clock is that thread's.
	 */
	clockid_t id = (clockid_t)((~(unsigned)as->pid << 3) | 2);

	(void)pctx;
	if (clock_gettime(id, ts) < 0)
		return -errno;
	return 0;
}

static int ptrace_get_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			  void *buf)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct iovec iov = {buf, as->p->base.fpu_size};

	(void)pctx;
	memset(buf, 0, as->p->base.fpu_size);
	if (ptrace(PTRACE_GETREGSET, as->pid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	return 0;
}

static int ptrace_set_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			  const void *buf)
{
	struct ptrace_as *as = (struct ptrace_as *)pas;
	struct iovec iov = {(void *)buf, as->p->base.fpu_size};

	(void)pctx;
	if (ptrace(PTRACE_SETREGSET, as->pid, NT_X86_XSTATE, &iov) < 0)
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
    .get_fpu = ptrace_get_fpu,
    .set_fpu = ptrace_set_fpu,
};
