// SPDX-License-Identifier: Apache-2.0
/*
 * Signal delivery to the calling thread (signal(7), sigaction(2),
 * sigreturn(2), sigaltstack(2)): handlers for kill, tgkill and
 * rt_sigqueueinfo with their siginfo; the mask while a handler runs
 * (SA_NODEFER), SA_RESETHAND; blocked signals pending until unblocked;
 * ignored ones dropped; synchronous faults (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGTRAP) with si_code and si_addr, the handler moving the saved
 * rip past the faulting instruction; the alternate stack; FPU registers
 * restored by rt_sigreturn; sigtimedwait and sigsuspend with a signal
 * already pending.
 */
#include "guest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

static volatile int hits, last_sig, last_code;
static volatile uintptr_t last_addr;
static volatile pid_t last_pid;
static volatile sigset_t mask_in_handler;
static volatile uintptr_t handler_sp;

static void on_info(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_addr = (uintptr_t)si->si_addr;
	sigprocmask(SIG_BLOCK, NULL, (sigset_t *)&mask_in_handler);
	handler_sp = (uintptr_t)__builtin_frame_address(0);
}

/* Skip the faulting instruction: its length is in the global (movl $1,
 * (%rax) is 6 bytes: the address is always in rax). */
static volatile int skip;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_addr = (uintptr_t)si->si_addr;
	uc->uc_mcontext.gregs[REG_RIP] += skip;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *),
			int flags)
{
	struct sigaction sa = {0};

	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(sig, &sa, NULL), 0);
}

static void test_kill_self(void)
{
	union sigval v = {.sival_int = 7};

	set_handler(SIGUSR1, on_info, 0);
	hits = 0;
	CHECK_EQ(SYS2(SYS_kill, SYS0(SYS_getpid), SIGUSR1), 0);
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_sig, SIGUSR1);
	CHECK_EQ(last_code, SI_USER);
	CHECK_EQ(last_pid, SYS0(SYS_getpid));
	/* While it ran, the signal itself was blocked; not after. */
	CHECK(sigismember((sigset_t *)&mask_in_handler, SIGUSR1));
	{
		sigset_t now;

		sigprocmask(SIG_BLOCK, NULL, &now);
		CHECK(!sigismember(&now, SIGUSR1));
	}
	/* tgkill: SI_TKILL. */
	CHECK_EQ(SYS3(SYS_tgkill, SYS0(SYS_getpid), SYS0(SYS_gettid), SIGUSR1),
		 0);
	CHECK_EQ(hits, 2);
	CHECK_EQ(last_code, SI_TKILL);
	/* sigqueue: SI_QUEUE and the value. */
	CHECK_EQ(sigqueue(SYS0(SYS_getpid), SIGUSR1, v), 0);
	CHECK_EQ(hits, 3);
	CHECK_EQ(last_code, SI_QUEUE);
	/* Signal 0 checks only; bad signals and targets fail. */
	CHECK_EQ(SYS2(SYS_kill, SYS0(SYS_getpid), 0), 0);
	CHECK_ERR(SYS2(SYS_kill, SYS0(SYS_getpid), 65), EINVAL);
	CHECK_ERR(SYS2(SYS_kill, SYS0(SYS_getpid), -1), EINVAL);
	CHECK_ERR(SYS3(SYS_tgkill, 0, SYS0(SYS_gettid), SIGUSR1), EINVAL);
	CHECK_ERR(SYS3(SYS_tgkill, SYS0(SYS_getpid), 0, SIGUSR1), EINVAL);
	CHECK_ERR(SYS2(SYS_tkill, -5, SIGUSR1), EINVAL);
	CHECK_EQ(hits, 3);
	/* SA_NODEFER: not blocked in its own handler. */
	set_handler(SIGUSR2, on_info, SA_NODEFER);
	raise(SIGUSR2);
	CHECK(!sigismember((sigset_t *)&mask_in_handler, SIGUSR2));
	/* SA_RESETHAND: the next one takes the default (here: ignored). */
	set_handler(SIGURG, on_info, SA_RESETHAND);
	hits = 0;
	raise(SIGURG);
	raise(SIGURG);
	CHECK_EQ(hits, 1);
	{
		struct sigaction old;

		CHECK_EQ(sigaction(SIGURG, NULL, &old), 0);
		CHECK(old.sa_handler == SIG_DFL);
	}
}

static void test_blocked_and_ignored(void)
{
	sigset_t set, pend;
	siginfo_t si;
	struct timespec zero = {0, 0};

	set_handler(SIGUSR1, on_info, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	hits = 0;
	raise(SIGUSR1);
	raise(SIGUSR1); /* a standard signal is pending once */
	CHECK_EQ(hits, 0);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK(sigismember(&pend, SIGUSR1));
	/* Unblocking delivers it, once, before sigprocmask returns. */
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	CHECK_EQ(hits, 1);
	CHECK_EQ(sigpending(&pend), 0);
	CHECK(!sigismember(&pend, SIGUSR1));
	/* sigtimedwait takes a pending one without the handler. */
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	CHECK_EQ(SYS3(SYS_tgkill, SYS0(SYS_getpid), SYS0(SYS_gettid), SIGUSR1),
		 0);
	/* The raw call: glibc's wrapper reports SI_TKILL as SI_USER. */
	CHECK_EQ(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGUSR1);
	CHECK_EQ(si.si_signo, SIGUSR1);
	CHECK_EQ(si.si_code, SI_TKILL);
	CHECK_EQ(si.si_pid, SYS0(SYS_getpid));
	CHECK_EQ(hits, 1);
	CHECK_ERR(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), EAGAIN);
	CHECK_ERR(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 4), EINVAL);
	/* Real-time signals queue, each one delivered. */
	set_handler(SIGRTMIN, on_info, 0);
	sigaddset(&set, SIGRTMIN);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	raise(SIGRTMIN);
	raise(SIGRTMIN);
	raise(SIGRTMIN);
	hits = 0;
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	CHECK_EQ(hits, 3);
	/* sigsuspend with one pending: handler, EINTR, the mask restored. */
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	raise(SIGUSR1);
	{
		sigset_t none, after;

		sigemptyset(&none);
		hits = 0;
		CHECK_EQ(sigsuspend(&none), -1);
		CHECK_EQ(errno, EINTR);
		CHECK_EQ(hits, 1);
		sigprocmask(SIG_BLOCK, NULL, &after);
		CHECK(sigismember(&after, SIGUSR1));
	}
	CHECK_EQ(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	/* An ignored signal is dropped, even after unblocking. */
	signal(SIGUSR2, SIG_IGN);
	hits = 0;
	raise(SIGUSR2);
	CHECK_EQ(hits, 0);
	/* SIGCHLD's default is to ignore it. */
	signal(SIGCHLD, SIG_DFL);
	raise(SIGCHLD);
	CHECK_ERR(SYS2(SYS_rt_sigpending, &pend, 16), EINVAL);
}

static void test_faults(void)
{
	int fd;
	char *p;

	/* SIGSEGV: a store to an unmapped page. */
	set_handler(SIGSEGV, on_fault, 0);
	hits = 0;
	skip = 6;
	__asm__ volatile("movl $1, (%0)" ::"a"(0x1000UL) : "memory");
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_sig, SIGSEGV);
	CHECK_EQ(last_code, SEGV_MAPERR);
	CHECK_EQ(last_addr, 0x1000);
	/* A write to a read-only page: SEGV_ACCERR. */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	__asm__ volatile("movl $1, (%0)" ::"a"(p) : "memory");
	CHECK_EQ(hits, 2);
	CHECK_EQ(last_code, SEGV_ACCERR);
	CHECK_EQ(last_addr, (uintptr_t)p);
	munmap(p, 4096);
	/* SIGBUS: past the end of a shared file mapping. */
	fd = (int)SYS2(SYS_memfd_create, "bus", 0);
	CHECK(fd >= 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 100), 0);
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	set_handler(SIGBUS, on_fault, 0);
	__asm__ volatile("movl $1, (%0)" ::"a"(p + 4096) : "memory");
	CHECK_EQ(hits, 3);
	CHECK_EQ(last_sig, SIGBUS);
	CHECK_EQ(last_code, BUS_ADRERR);
	CHECK_EQ(last_addr, (uintptr_t)(p + 4096));
	munmap(p, 8192);
	SYS1(SYS_close, fd);
	/* SIGILL: ud2 (2 bytes). */
	set_handler(SIGILL, on_fault, 0);
	skip = 2;
	__asm__ volatile("ud2");
	CHECK_EQ(hits, 4);
	CHECK_EQ(last_sig, SIGILL);
	CHECK_EQ(last_code, ILL_ILLOPN);
	/* SIGFPE: divide by zero; divl %ecx is 2 bytes. */
	set_handler(SIGFPE, on_fault, 0);
	__asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\t"
			 "xor %%ecx, %%ecx\n\tdivl %%ecx" ::
			     : "eax", "ecx", "edx");
	CHECK_EQ(hits, 5);
	CHECK_EQ(last_sig, SIGFPE);
	CHECK_EQ(last_code, FPE_INTDIV);
	/* SIGTRAP: int3 reports after the instruction: nothing to skip. */
	set_handler(SIGTRAP, on_fault, 0);
	skip = 0;
	__asm__ volatile("int3");
	CHECK_EQ(hits, 6);
	CHECK_EQ(last_sig, SIGTRAP);
	CHECK_EQ(last_code, SI_KERNEL);
}

static void test_altstack(void)
{
	static char stack[65536];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)}, old;

	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	set_handler(SIGUSR1, on_info, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK(handler_sp > (uintptr_t)stack &&
	      handler_sp < (uintptr_t)stack + sizeof(stack));
	/* Without SA_ONSTACK, the usual stack. */
	set_handler(SIGUSR1, on_info, 0);
	raise(SIGUSR1);
	CHECK(!(handler_sp > (uintptr_t)stack &&
		handler_sp < (uintptr_t)stack + sizeof(stack)));
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, 0);
	CHECK(old.ss_sp == stack);
	CHECK_EQ(old.ss_size, sizeof(stack));
	ss.ss_size = 100;
	CHECK_ERR(SYS2(SYS_sigaltstack, &ss, NULL), ENOMEM);
	ss.ss_flags = 42;
	ss.ss_size = sizeof(stack);
	CHECK_ERR(SYS2(SYS_sigaltstack, &ss, NULL), EINVAL);
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK_EQ(old.ss_flags, SS_DISABLE);
	CHECK_ERR(SYS2(SYS_sigaltstack, 8, NULL), EFAULT);
}

/* The handler clobbers xmm0; the interrupted code must not see it. */
static void on_clobber(int sig)
{
	(void)sig;
	__asm__ volatile("xorps %%xmm0, %%xmm0" ::: "xmm0");
	hits++;
}

static void test_fpu_restored(void)
{
	double in = 3.25, out = 0;

	signal(SIGUSR2, on_clobber);
	hits = 0;
	__asm__ volatile("movsd %1, %%xmm0\n\t"
			 "mov %2, %%edi\n\t"
			 "mov %3, %%esi\n\t"
			 "mov %4, %%edx\n\t"
			 "mov $234, %%eax\n\t" /* tgkill */
			 "syscall\n\t"
			 "movsd %%xmm0, %0"
			 : "=m"(out)
			 : "m"(in), "r"((int)SYS0(SYS_getpid)),
			   "r"((int)SYS0(SYS_gettid)), "r"(SIGUSR2)
			 : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "xmm0",
			   "memory");
	CHECK_EQ(hits, 1);
	CHECK(out == 3.25);
}

/* A write to a pipe without readers: EPIPE and SIGPIPE, thread-directed. */
static void test_sigpipe(void)
{
	int fds[2];

	CHECK_EQ(pipe(fds), 0);
	CHECK_EQ(SYS1(SYS_close, fds[0]), 0);
	set_handler(SIGPIPE, on_info, 0);
	hits = 0;
	CHECK_ERR(SYS3(SYS_write, fds[1], "x", 1), EPIPE);
	CHECK_EQ(hits, 1);
	CHECK_EQ(last_sig, SIGPIPE);
	CHECK_EQ(last_code, SI_USER);
	CHECK_EQ(last_pid, SYS0(SYS_getpid));
	/* Ignored, only EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(SYS3(SYS_write, fds[1], "x", 1), EPIPE);
	CHECK_EQ(hits, 1);
	SYS1(SYS_close, fds[1]);
}

int main(void)
{
	test_kill_self();
	test_blocked_and_ignored();
	test_faults();
	test_altstack();
	test_fpu_restored();
	test_sigpipe();
	return guest_done();
}
