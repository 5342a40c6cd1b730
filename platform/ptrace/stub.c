// SPDX-License-Identifier: Apache-2.0
/*
 * The ptrace stub: the only host process that runs application code.
 *
 * Built freestanding (no libc) and linked at STUB_BASE, where the factory
 * places its code; a forked child jumps to stub_start. It installs a
 * seccomp filter that admits only the calls the sentry injects to change
 * the address space, unmaps every other mapping of its own (stack, vDSO,
 * vvar: the application's layout is the sentry's to decide), and stops
 * itself so the sentry can attach. From then on it runs application code
 * under PTRACE_SYSEMU: the application's syscalls stop before seccomp and
 * never reach the host kernel.
 */
#include "platform/ptrace/stub.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

void stub_start(void);
void stub_main(void);

/*
 * The injection site first, at STUB_BASE + STUB_OFF_INJECT: the sentry sets
 * the registers of one syscall, points %rip here and continues; the int3
 * stops the stub again with the result in %rax.
 */
__asm__(".section .text.stub_inject,\"ax\",@progbits\n"
	".globl stub_inject\n"
	"stub_inject:\n"
	"	syscall\n"
	"	int3\n"
	"	jmp stub_inject\n");

/* A syscall with its unused argument registers zeroed (prctl checks). */
static long raw_syscall3(long nr, long a, long b, long c)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register long r9 __asm__("r9") = 0;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define ALLOW(nr)                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                       \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * What the stub itself may do: the address-space calls the sentry injects,
 * and what it needs to finish starting (munmap, getpid, kill). Anything else
 * — including every vsyscall-page emulation — kills it.
 */
static const struct sock_filter stub_filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    ALLOW(__NR_mmap),
    ALLOW(__NR_munmap),
    ALLOW(__NR_mprotect),
    ALLOW(__NR_getpid),
    ALLOW(__NR_kill),
    ALLOW(__NR_exit_group),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

extern char __stub_end[];

void stub_main(void)
{
	struct sock_fprog prog = {
	    .len = sizeof(stub_filter) / sizeof(stub_filter[0]),
	    .filter = (struct sock_filter *)stub_filter,
	};

	if (raw_syscall3(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0) < 0 ||
	    raw_syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0,
			 (long)&prog) < 0)
		raw_syscall3(__NR_exit_group, 126, 0, 0);
}

/*
 * Entry: set up, then drop everything but our own image. After the munmaps
 * there is no stack, so the rest is registers only.
 */
__asm__(".text\n"
	".globl stub_start\n"
	"stub_start:\n"
	"	and $-16, %rsp\n"
	"	call stub_main\n"
	/* munmap(0, STUB_BASE) */
	"	mov $"
	"11"
	", %eax\n"
	"	xor %edi, %edi\n"
	"	movabs $0x7fffff000000, %rsi\n"
	"	syscall\n"
	/* munmap(end, TASK_SIZE - end), end rounded up to a page */
	"	lea __stub_end(%rip), %rdi\n"
	"	add $4095, %rdi\n"
	"	and $-4096, %rdi\n"
	"	movabs $0x7ffffffff000, %rsi\n"
	"	sub %rdi, %rsi\n"
	"	mov $11, %eax\n"
	"	syscall\n"
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
