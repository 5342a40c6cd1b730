// SPDX-License-Identifier: Apache-2.0
/*
 * The helper program of the ptrace and systrap platforms: the stub factory,
 * and the stubs it forks, the only host processes that run application
 * code. This file is the factory and the ptrace stub; systrap.c the
 * systrap stub.
 *
 * Built freestanding (no libc) and linked at STUB_BASE. The sentry executes
 * it once, from a sealed memfd, as the factory: fd 3 is the memory file,
 * fd 4 its end of a socketpair to the sentry, fd 5 systrap's control file;
 * its argument says which kind of stub it forks ("ptrace" or "systrap"). The
 * factory forks stubs ahead of demand; each request byte on the socket is
 * answered with the pid of a stub that has stopped itself, ready for the sentry
 * to attach. A tiny program forks in a fraction of the time the sentry would
 * (no address space to copy), and the sentry never needs fork at all.
 *
 * A stub installs a seccomp filter that admits only the calls the sentry
 * injects to change the address space and to make and end its threads,
 * unmaps every mapping but this image and the host's vDSO with its data
 * pages, which the factory moved above the application's range (stack and
 * the rest: the application's layout is the sentry's to decide), and
 * stops itself. The vDSO runs in the application as on Linux: its clock
 * functions read the host's time data, and what it cannot answer it asks
 * with a syscall that traps like any other. From then on it runs
 * application code under PTRACE_SYSEMU: the application's syscalls stop before
 * seccomp and never reach the host kernel.
 */
#include "platform/stub/stub.h"
#include "platform/stub/internal.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define SIGCHLD_NR 17
#define EINTR_NR   4
#define WUNTRACED_ 2
#define WALL_	   0x40000000
#define POLLIN_	   0x1

/*
 * After handing out a stub, the factory waits this long for another
 * request before forking the next spare: a sandbox of one process never
 * asks again, and the fork would only take CPU from its start-up.
 */
#define SPARE_DELAY_NS (20 * 1000 * 1000L)

void factory_start(void);
void factory_main(long *sp);
struct stub_keep stub_main(long factory, uint64_t lo, uint64_t hi);

/*
 * The injection sites first, at STUB_BASE + STUB_OFF_*: the sentry sets the
 * registers of one syscall, points %rip at one and continues; the int3
 * stops the stub thread again with the result in %rax. A thread cloned at
 * the clone site parks instead, needing no stack: pause, or the group-stop
 * the stub began in if it still holds (a new thread joins it), until the
 * sentry seizes it.
 */
/* clang-format off */
__asm__(".section .text.stub_inject,\"ax\",@progbits\n"
	".globl stub_inject\n"
	"stub_inject:\n"
	"	syscall\n"
	"	int3\n"
	"	jmp stub_inject\n"
	"	.org " STR(STUB_OFF_CLONE) ", 0xcc\n"
	"stub_clone:\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz stub_park\n"
	"	int3\n"
	"	jmp stub_clone\n"
	"stub_park:\n"
	"	mov $" STR(__NR_pause) ", %eax\n"
	"	syscall\n"
	"	jmp stub_park\n");
/* clang-format on */

static long set_disposition(int sig, unsigned long handler)
{
	struct ksigaction sa = {.handler = handler};

	return sys4(__NR_rt_sigaction, sig, &sa, 0, 8);
}

/* In a freshly forked child: become a stub. */
struct stub_keep stub_main(long factory, uint64_t lo, uint64_t hi)
{
	/* Die with the factory; it may have died before this took effect. */
	if (sys2(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL_NR) < 0 ||
	    sys1(__NR_getppid, 0) != factory)
		die(126);
	set_disposition(SIGCHLD_NR, 0 /* SIG_DFL */);
	sys2(__NR_prctl, PR_SET_NAME, "moat-stub");
	/* Only the memory file stays open. */
	sys3(__NR_close_range, 0, STUB_MEMFD_FD - 1, 0);
	sys3(__NR_close_range, STUB_MEMFD_FD + 1, ~0U, 0);
	if (install(stub_filter, sizeof(stub_filter) / sizeof(stub_filter[0])))
		die(126);
	return (struct stub_keep){lo, hi};
}

/*
 * Entry of a stub, with the factory's pid: set up, then drop everything but
 * this image. After the munmaps there is no stack, so the rest is registers
 * only. The image holds no writable data: it is mapped read-only and
 * executable in every address space, above the application's range.
 */
__asm__(".text\n"
	".globl stub_start\n"
	"stub_start:\n"
	"	and $-16, %rsp\n"
	"	call stub_main\n"
	"	mov %rax, %r12\n" /* the vDSO's range kept: [r12, r13) */
	"	mov %rdx, %r13\n"
	/* munmap(0, STUB_BASE) */
	"	mov $11, %eax\n"
	"	xor %edi, %edi\n"
	"	movabs $" STUB_BASE_STR ", %rsi\n"
	"	syscall\n" STUB_UNMAP_ABOVE("11")
	/* kill(getpid(), SIGSTOP): the factory waits for this stop */
	"	mov $39, %eax\n"
	"	syscall\n"
	"	mov %rax, %rdi\n"
	"	mov $19, %esi\n"
	"	mov $62, %eax\n"
	"	syscall\n"
	/* Only reached if the sentry lets us run on without registers. */
	"1:	mov $231, %eax\n"
	"	mov $127, %edi\n"
	"	syscall\n"
	"	jmp 1b\n");

/* Fork a stub and wait for its self-stop: its pid, or -errno. */
static int32_t spawn(long factory, bool systrap, struct stub_keep keep)
{
	long pid, r;
	int status = 0;

	pid = sys1(__NR_fork, 0);
	if (pid == 0) {
		if (systrap)
			systrap_stub_start(factory, keep.lo, keep.hi);
		else
			stub_start(factory, keep.lo, keep.hi);
		die(127);
	}
	if (pid < 0)
		return (int32_t)pid;
	do
		r = sys4(__NR_wait4, pid, &status, WUNTRACED_ | WALL_, 0);
	while (r == -EINTR_NR);
	/* WIFSTOPPED: the stub stopped itself and is ready. */
	if (r != pid || (status & 0xff) != 0x7f) {
		sys2(__NR_kill, pid, SIGKILL_NR);
		return -10; /* -ECHILD */
	}
	return (int32_t)pid;
}

/* Does a request arrive within SPARE_DELAY_NS? */
static bool request_soon(void)
{
	struct {
		int fd;
		short events, revents;
	} pfd = {STUB_SOCK_FD, POLLIN_, 0};
	struct {
		long sec, nsec;
	} ts = {0, SPARE_DELAY_NS};
	long n;

	do
		n = sys4(__NR_ppoll, (long)&pfd, 1, (long)&ts, 0);
	while (n == -EINTR_NR);
	return n != 0; /* ready, or an error the read will see */
}

/*
 * The host's vDSO (AT_SYSINFO_EHDR in the auxiliary vector after argv and
 * envp at sp): its ELF's extent, and the data pages mapped right below it
 * ([vvar], [vvar_vclock]: their number differs between kernels), found
 * with mincore, which fails only where nothing is mapped; moved to
 * STUB_VDSO_ADDR. *base: where its ELF is then (0: none).
 */
static struct stub_keep vdso_find(long *sp, uint64_t *base)
{
	struct stub_keep keep = {0, 0};

	*base = 0;
	const uint8_t *elf = 0;
	long *p = sp + 1 + sp[0] + 1;
	uint64_t end = 0;
	uint16_t phnum;
	uint64_t phoff;
	uint8_t vec;

	while (*p)
		p++; /* envp */
	for (p++; p[0]; p += 2)
		if (p[0] == 33 /* AT_SYSINFO_EHDR */)
			elf = (const uint8_t *)p[1];
	if (!elf || ((uint64_t)elf & 4095) || elf[0] != 0x7f || elf[1] != 'E' ||
	    elf[2] != 'L' || elf[3] != 'F')
		return keep;
	__builtin_memcpy(&phoff, elf + 32, 8);
	__builtin_memcpy(&phnum, elf + 56, 2);
	for (unsigned i = 0; i < phnum && i < 16; i++) {
		const uint8_t *ph = elf + phoff + i * 56;
		uint64_t vaddr, memsz;
		uint32_t type;

		__builtin_memcpy(&type, ph, 4);
		__builtin_memcpy(&vaddr, ph + 16, 8);
		__builtin_memcpy(&memsz, ph + 40, 8);
		if (type == 1 /* PT_LOAD */ && vaddr + memsz > end)
			end = vaddr + memsz;
	}
	if (!end || end > (64 << 10))
		return keep;
	keep.lo = (uint64_t)elf;
	keep.hi = ((uint64_t)elf + end + 4095) & ~4095ULL;
	for (int i = 0; i < 16; i++) {
		if (sys3(__NR_mincore, keep.lo - 4096, 4096, &vec) < 0)
			break;
		keep.lo -= 4096;
	}
	if (keep.hi - keep.lo > STUB_VDSO_SIZE)
		return (struct stub_keep){0, 0};
	/*
	 * The kernel put them in the middle of what is the application's
	 * range: move them above it, each mapping whole ([vvar],
	 * [vvar_vclock], [vdso]: from the top down, the longest move that
	 * works is one mapping), their distances kept.
	 */
	for (uint64_t top = keep.hi; top > keep.lo;) {
		uint64_t len;

		for (len = top - keep.lo; len; len -= 4096) {
			uint64_t to = STUB_VDSO_ADDR + (top - len - keep.lo);

			if (raw_syscall6(__NR_mremap, (long)(top - len),
					 (long)len, (long)len,
					 3 /* MREMAP_MAYMOVE | MREMAP_FIXED */,
					 (long)to, 0) == (long)to)
				break;
		}
		if (!len)
			return (struct stub_keep){0, 0}; /* unmapped later */
		top -= len;
	}
	*base = STUB_VDSO_ADDR + ((uint64_t)elf - keep.lo);
	return (struct stub_keep){STUB_VDSO_ADDR,
				  STUB_VDSO_ADDR + (keep.hi - keep.lo)};
}

/* sp: the initial stack, argc then argv. */
void factory_main(long *sp)
{
	long factory = sys1(__NR_getpid, 0);
	const char *mode = sp[0] > 1 ? (const char *)sp[2] : "ptrace";
	bool systrap = mode[0] == 's';
	bool eager = false; /* a second stub was asked for: keep a spare */
	uint64_t vdso[3];
	struct stub_keep keep = vdso_find(sp, &vdso[2]);
	int32_t spare;

	sys2(__NR_prctl, PR_SET_NAME, "moat-factory");
	/* Dead stubs are reaped by the kernel; stops are still reported. */
	set_disposition(SIGCHLD_NR, 1 /* SIG_IGN */);
	if (sys2(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1) < 0)
		die(126);
	if (systrap ? install(factory_filter_systrap,
			      sizeof(factory_filter_systrap) /
				  sizeof(factory_filter_systrap[0]))
		    : install(factory_filter, sizeof(factory_filter) /
						  sizeof(factory_filter[0])))
		die(126);
	/* First word to the sentry: the vDSO the stubs keep. */
	vdso[0] = keep.lo;
	vdso[1] = keep.hi;
	if (sys3(__NR_write, STUB_SOCK_FD, vdso, sizeof(vdso)) != sizeof(vdso))
		die(1);
	spare = spawn(factory, systrap, keep);
	for (;;) {
		char req;
		long n = sys3(__NR_read, STUB_SOCK_FD, &req, 1);

		if (n == -EINTR_NR)
			continue;
		if (n <= 0)
			die(0); /* the sentry is gone */
		if (spare < 0)
			spare = spawn(factory, systrap, keep);
		if (sys3(__NR_write, STUB_SOCK_FD, &spare, sizeof(spare)) !=
		    sizeof(spare))
			die(1);
		spare = -1;
		/*
		 * The first stub served: fork the next when the sentry has
		 * been quiet a while, or when it asks. Later ones: at once.
		 */
		if (!eager && request_soon())
			eager = true;
		else
			spare = spawn(factory, systrap, keep);
	}
}

/* Entry of the program: the factory, on the stack the kernel gave it. */
__asm__(".text\n"
	".globl factory_start\n"
	"factory_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call factory_main\n"
	"	hlt\n");
