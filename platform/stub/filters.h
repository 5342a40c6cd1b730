/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stubs' seccomp filters, as classic BPF: the factory's (ptrace and
 * systrap), a ptrace stub's, a systrap stub's syscall thread's and its
 * application threads'. The freestanding stub installs them
 * (stub.c, systrap.c); moat includes them too, to print them
 * (`moat run --print-seccomp=stub`, tools/stub_filters.c).
 */
#ifndef MOAT_STUB_FILTERS_H
#define MOAT_STUB_FILTERS_H

#include "platform/stub/stub.h"
#include "platform/systrap/sysmsg.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#define FUTEX_WAKE_  1
#define ARCH_SET_GS_ 0x1001
#define ARCH_SET_FS_ 0x1002

#define ALLOW(nr)                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                       \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * x86-64 only (anything else gets action other); a call from the top half
 * of the address space traps; then the syscall number loaded. Under a
 * systrap stub's threads every filter must answer TRAP, never KILL, for
 * what the application's own filter traps: the strictest answer of all
 * the stacked filters wins.
 *
 * The top half: no syscall instruction runs there, but the host kernel
 * emulates a call into the vsyscall page (time, gettimeofday, getcpu) and
 * asks seccomp first, with that page's address. TRAP has the kernel skip
 * the call, emulate the ret and raise SIGSYS, which the platform turns
 * into a syscall of the sentry's (the ptrace platform sees it as a
 * signal-delivery stop, systrap's handler as any trapped call): the call
 * works as on Linux, and the host executes nothing for the application.
 */
#define FILTER_HEAD_(other)                                                    \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                     \
		 offsetof(struct seccomp_data, arch)),                         \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),      \
	    BPF_STMT(BPF_RET | BPF_K, (other)),                                \
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                 \
		     offsetof(struct seccomp_data, instruction_pointer) + 4),  \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffU, 0, 1),            \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),                       \
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                 \
		     offsetof(struct seccomp_data, nr))
#define FILTER_HEAD FILTER_HEAD_(SECCOMP_RET_KILL_PROCESS)

/*
 * Last in a filter, with the syscall number loaded: clone with flags f1
 * or f2 exactly (both halves of the 64-bit argument; both below 2^32) is
 * allowed, anything else gets action other.
 */
#define CLONE_ELSE_KILL(f1, f2) CLONE_ELSE_(f1, f2, SECCOMP_RET_KILL_PROCESS)
#define CLONE_ELSE_(f1, f2, other)                                             \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 6),                 \
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                 \
		     offsetof(struct seccomp_data, args[0]) + 4),              \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4),                      \
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                 \
		     offsetof(struct seccomp_data, args[0])),                  \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(f1), 1, 0),         \
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(f2), 0, 1),         \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),                      \
	    BPF_STMT(BPF_RET | BPF_K, (other))

/*
 * What the factory may do: serve requests, fork stubs, and what a stub does
 * before its own filter goes in. A stub inherits this filter under its own,
 * so what the stub's admits to make and end its threads is here too (the
 * factory itself never calls them). Anything else kills it.
 */
#define FACTORY_RULES                                                          \
	ALLOW(__NR_read), ALLOW(__NR_write), ALLOW(__NR_ppoll),                \
	    ALLOW(__NR_fork), ALLOW(__NR_wait4), ALLOW(__NR_getpid),           \
	    ALLOW(__NR_getppid), ALLOW(__NR_close_range), ALLOW(__NR_prctl),   \
	    ALLOW(__NR_seccomp), ALLOW(__NR_rt_sigaction), ALLOW(__NR_mmap),   \
	    ALLOW(__NR_munmap), ALLOW(__NR_mprotect), ALLOW(__NR_kill),        \
	    ALLOW(__NR_pause), ALLOW(__NR_exit), ALLOW(__NR_exit_group),

static const struct sock_filter __attribute__((unused)) factory_filter[] = {
    FILTER_HEAD,
    FACTORY_RULES CLONE_ELSE_KILL(STUB_CLONE_FLAGS, STUB_CLONE_FLAGS),
};

/*
 * The same for the systrap factory, whose filter lies under every
 * application thread of its stubs: what is not allowed traps there, and
 * kills the factory and syscall threads all the same (no handler, or no
 * stack to run it on).
 */
static const struct sock_filter __attribute__((unused))
factory_filter_systrap[] = {
    FILTER_HEAD_(SECCOMP_RET_TRAP),
    FACTORY_RULES
	/* What a systrap stub does beside (systrap.c). */
	ALLOW(__NR_futex),
    ALLOW(__NR_sched_yield),
    ALLOW(__NR_rt_sigreturn),
    ALLOW(__NR_arch_prctl),
    ALLOW(__NR_sigaltstack),
    CLONE_ELSE_(SYSTRAP_CLONE_FLAGS, SYSTRAP_CLONE_FLAGS, SECCOMP_RET_TRAP),
};

/*
 * What a stub may do: the address-space calls the sentry injects, what it
 * needs to finish starting (munmap, getpid, kill), and what makes and ends
 * its threads: clone with STUB_CLONE_FLAGS exactly, pause to park, exit.
 * Anything else (including every vsyscall-page emulation) kills it.
 */
static const struct sock_filter __attribute__((unused)) stub_filter[] = {
    FILTER_HEAD,
    ALLOW(__NR_mmap),
    ALLOW(__NR_munmap),
    ALLOW(__NR_mprotect),
    ALLOW(__NR_getpid),
    ALLOW(__NR_kill),
    ALLOW(__NR_pause),
    ALLOW(__NR_exit),
    ALLOW(__NR_exit_group),
    CLONE_ELSE_KILL(STUB_CLONE_FLAGS, STUB_CLONE_FLAGS),
};

/*
 * The syscall thread's filter, which every application thread inherits
 * under its own: what starting up and serving the sentry's requests
 * takes, and what an application thread's own code does (futex,
 * rt_sigreturn, arch_prctl, exit). Anything else traps: in an application
 * thread, to the handler; in the syscall thread, which has no signal
 * stack, it kills the process.
 */
static const struct sock_filter __attribute__((unused)) systrap_filter[] = {
    FILTER_HEAD_(SECCOMP_RET_TRAP),
    ALLOW(__NR_mmap),
    ALLOW(__NR_munmap),
    ALLOW(__NR_mprotect),
    ALLOW(__NR_futex),
    ALLOW(__NR_sched_yield),
    ALLOW(__NR_getpid),
    ALLOW(__NR_kill),
    ALLOW(__NR_rt_sigreturn),
    ALLOW(__NR_arch_prctl),
    ALLOW(__NR_seccomp),
    ALLOW(__NR_sigaltstack),
    ALLOW(__NR_exit),
    ALLOW(__NR_exit_group),
    CLONE_ELSE_(SYSTRAP_CLONE_FLAGS, SYSTRAP_CLONE_FLAGS, SECCOMP_RET_TRAP),
};

#define LD_(field)                                                             \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LD_HI(field)                                                           \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,                                     \
		 offsetof(struct seccomp_data, field) + 4)
#define RET_(what) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_##what)

/*
 * An application thread's filter: every syscall traps (SIGSYS, to the
 * handler) unless it comes from this image's code, and is one of the
 * handler's own: rt_sigreturn, exit, arch_prctl setting fs or gs, futex
 * wait or wake on a word of a thread slot. The application may jump to
 * this code; none of these gives it more than it has.
 */
static const struct sock_filter __attribute__((unused)) app_filter[] = {
    /* 0 */ LD_(arch),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    RET_(TRAP),
    /* 3: from the image */
    LD_HI(instruction_pointer),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STUB_BASE >> 32, 1, 0),
    RET_(TRAP),
    LD_(instruction_pointer),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)STUB_BASE, 1, 0),
    RET_(TRAP),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(STUB_BASE + STUB_CODE_SIZE),
	     0, 1),
    RET_(TRAP),
    /* 11 */ LD_(nr),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 0, 1),
    RET_(ALLOW),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 0, 1),
    RET_(ALLOW),
    /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_arch_prctl, 0, 5),
    LD_(args[0]),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_FS_, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_SET_GS_, 1, 0),
    RET_(TRAP),
    RET_(ALLOW),
    /* 22 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex, 0, 6),
    LD_(args[1]),
    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, FUTEX_WAKE_, 4, 0),
    LD_HI(args[0]),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSTRAP_THREADS_BASE >> 32, 0, 2),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSTRAP_THREADS_END >> 32, 1, 0),
    RET_(ALLOW),
    /* 29 */ RET_(TRAP),
};

#endif
