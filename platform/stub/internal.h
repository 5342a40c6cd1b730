/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the two parts of the freestanding stub program share: raw
 * syscalls, seccomp filter pieces, the entry points.
 */
#ifndef MOAT_STUB_INTERNAL_H
#define MOAT_STUB_INTERNAL_H

#include "platform/stub/filters.h"
#include "platform/stub/stub.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#define SIGKILL_NR 9
#define SIGSTOP_NR 19

#define STR_(x) #x
#define STR(x)	STR_(x)

/* A syscall with its unused argument registers zeroed (prctl checks). */
static inline long raw_syscall6(long nr, long a, long b, long c, long d, long e,
				long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys1(nr, a)    raw_syscall6(nr, (long)(a), 0, 0, 0, 0, 0)
#define sys2(nr, a, b) raw_syscall6(nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(nr, a, b, c)                                                      \
	raw_syscall6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(nr, a, b, c, d)                                                   \
	raw_syscall6(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static inline __attribute__((noreturn)) void die(int code)
{
	for (;;)
		sys1(__NR_exit_group, code);
}

static inline long install(const struct sock_filter *f, unsigned short len)
{
	struct sock_fprog prog = {.len = len,
				  .filter = (struct sock_filter *)f};

	return sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* The kernel's struct sigaction. */
struct ksigaction {
	unsigned long handler, flags, restorer, mask;
};

/* Entries of a forked stub, with the factory's pid. */
/*
 * The host's vDSO and its data pages, [lo, hi): the stubs keep them (the
 * application calls the vDSO's clock functions without a trap); 0, 0:
 * none. Found by the factory (vdso_find), passed to each stub at its start
 * and returned by its setup, for the munmaps around it.
 */
struct stub_keep {
	uint64_t lo, hi;
};

/*
 * Assembly of a stub's start, registers only: unmap everything above the
 * image (end rounded up to a page) but [%r12, %r13), the kept vDSO (none
 * when %r12 is 0). nr: munmap's number as a string.
 */
#define STUB_UNMAP_ABOVE(nr)                                                   \
	"	lea __stub_end(%rip), %rdi\n"                                        \
	"	add $4095, %rdi\n"                                                   \
	"	and $-4096, %rdi\n"                                                  \
	"	test %r12, %r12\n"                                                   \
	"	jz 2f\n"                                                             \
	"	mov %r12, %rsi\n"                                                    \
	"	sub %rdi, %rsi\n"                                                    \
	"	mov $" nr ", %eax\n"                                           \
	"	syscall\n"                                                           \
	"	mov %r13, %rdi\n"                                                    \
	"2:	movabs $0x7ffffffff000, %rsi\n"                                    \
	"	sub %rdi, %rsi\n"                                                    \
	"	mov $" nr ", %eax\n"                                           \
	"	syscall\n"

void stub_start(long factory, uint64_t lo, uint64_t hi);
void systrap_stub_start(long factory, uint64_t lo, uint64_t hi);

#endif
