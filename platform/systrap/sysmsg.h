/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the systrap platform and its stubs (platform/stub/systrap.c) share:
 * the layout of a stub's address space above STUB_BASE and the messages
 * in the control file, a memfd mapped whole into the sentry and, a few
 * pages each, into the stubs.
 *
 * Per address space, one control slot: its first page is the request
 * page (struct systrap_ctl), read-only in the stub, where the sentry asks
 * the stub's first thread (the syscall thread, which never runs
 * application code) for address-space changes and new threads; its
 * second page the reply page (struct systrap_reply), writable there.
 * Per application thread, one slot (struct systrap_thread_page, the
 * FPU area, the signal stack), writable there: the application can write
 * it too, so the sentry trusts nothing in it.
 *
 * Everything here is fixed-width; the freestanding stub includes it.
 */
#ifndef MOAT_SYSTRAP_SYSMSG_H
#define MOAT_SYSTRAP_SYSMSG_H

#include "platform/stub/stub.h"

#include <stddef.h>
#include <stdint.h>

#define SYSTRAP_SLOT_SIZE 0x10000UL  /* one slot of the control file */
#define SYSTRAP_SLOTS	  (1U << 18) /* 16 GiB of control file, sparse */

/* In a stub: the hand-off page while it starts, then its control pages. */
/* (STUB_BASE + 1 MiB, + 64 KiB, + 128 KiB: plain numbers for the asm) */
#define SYSTRAP_HANDOFF_ADDR 0x7ffbff100000
#define SYSTRAP_REQ_ADDR     0x7ffbff110000
#define SYSTRAP_REPLY_ADDR   0x7ffbff120000
/* Thread slots: SYSTRAP_THREADS_BASE + index * SYSTRAP_SLOT_SIZE. */
#define SYSTRAP_THREADS_BASE 0x7ffc00000000UL
#define SYSTRAP_THREADS_END  0x7fff00000000UL
#define SYSTRAP_MAX_THREADS                                                    \
	((SYSTRAP_THREADS_END - SYSTRAP_THREADS_BASE) / SYSTRAP_SLOT_SIZE)

/* A thread slot: the page below, the FPU area, the signal stack. */
#define SYSTRAP_FPU_OFF	  0x1000UL
#define SYSTRAP_FPU_MAX	  0x4000UL
#define SYSTRAP_STACK_OFF (SYSTRAP_FPU_OFF + SYSTRAP_FPU_MAX)

/* The state word of a thread page (its futex). */
#define SYSTRAP_DEAD	     0	  /* the thread exited (CLONE_CHILD_CLEARTID) */
#define SYSTRAP_RUN	     1	  /* sentry: run the registers in regs */
#define SYSTRAP_EXIT	     2	  /* sentry: end the thread */
#define SYSTRAP_STARTING     3	  /* sentry: cloning it */
#define SYSTRAP_EV_NEW	     0x10 /* stub: a new thread, ready */
#define SYSTRAP_EV_SYSCALL   0x11 /* stub: a syscall (SIGSYS) */
#define SYSTRAP_EV_FAULT     0x12 /* stub: SIGSEGV, SIGBUS, SIGFPE... */
#define SYSTRAP_EV_INTERRUPT 0x13 /* stub: the sentry's interrupt signal */
#define SYSTRAP_EV_TRAMP     0x14 /* stub: a syscall through a trap (below) */

/*
 * Adaptive polling. After posting its side of a round trip, each side
 * may poll the state word for a while before it sleeps on the futex: an
 * answer that comes meanwhile costs no futex wake, no sleep and no
 * cross-CPU wake-up. The sentry thread polls for up to its budget (TSC
 * cycles): a poll that gets the answer restores the full budget
 * (systrap_ctl.spin_max), one that fails halves it, down to none, and
 * from then on only one wait in SYSTRAP_SPIN_PROBE polls, with the full
 * budget, to find out whether a CPU has become free. The stub polls, for
 * up to the full budget, only when it finds the sentry thread awake as it
 * posts (sentry_waits clear): a sleeping one takes a wake-up to answer.
 * So on an idle machine the two sides meet on two CPUs without sleeping,
 * and on a busy one (or with both on one CPU, where the other side
 * cannot run while this one polls) they go back to sleeping at once.
 */
#define SYSTRAP_SPIN_US	   20 /* the full budget */
#define SYSTRAP_SPIN_CPUS  4  /* polling by default from this many CPUs */
#define SYSTRAP_SPIN_PROBE 64

struct systrap_spin {
	uint64_t budget; /* cycles: poll this long next time */
	uint32_t misses; /* waits since the budget ran out */
	uint32_t pad;
};

/* After a wait: whether polling got the answer (hit), and the new budget. */
static inline void systrap_spin_update(struct systrap_spin *s, uint64_t max,
				       int hit)
{
	if (hit)
		s->budget = max;
	else
		s->budget /= 2;
	if (s->budget < max / 64)
		s->budget = 0;
}

/* The budget to poll with now. */
static inline uint64_t systrap_spin_budget(struct systrap_spin *s, uint64_t max)
{
	if (s->budget > max)
		s->budget = max;
	if (s->budget)
		return s->budget;
	if (++s->misses % SYSTRAP_SPIN_PROBE == 0)
		return max;
	return 0;
}

/* The host signal that interrupt() sends to a stub thread. */
#define SYSTRAP_INTERRUPT_SIG 10 /* SIGUSR1 */

/* struct user_regs_struct's order, as abi_user_regs. */
enum systrap_reg {
	SR_R15,
	SR_R14,
	SR_R13,
	SR_R12,
	SR_RBP,
	SR_RBX,
	SR_R11,
	SR_R10,
	SR_R9,
	SR_R8,
	SR_RAX,
	SR_RCX,
	SR_RDX,
	SR_RSI,
	SR_RDI,
	SR_ORIG_RAX,
	SR_RIP,
	SR_CS,
	SR_EFLAGS,
	SR_RSP,
	SR_SS,
	SR_FS_BASE,
	SR_GS_BASE,
	SR_DS,
	SR_ES,
	SR_FS,
	SR_GS,
	SR_NREGS,
};

/*
 * At the start of a thread slot. The trampoline (below) reaches it
 * through %gs, whose base is the slot while the application has not set
 * one of its own: the offsets of what it uses are SYSTRAP_TP_*.
 */
struct systrap_thread_page {
	uint32_t state;	       /* SYSTRAP_*: futex, written by both */
	uint32_t fpu_dirty;    /* sentry: load the FPU area on return */
	uint32_t sentry_waits; /* sentry: asleep on state, wake me */
	uint32_t stub_waits;   /* stub: asleep on state, wake me */
	int32_t signo;	       /* EV_FAULT: the signal, si_code, si_addr */
	int32_t code;
	uint64_t addr;
	uint64_t err;	 /* EV_FAULT: the page fault's error code */
	uint64_t cur_fs; /* stub: the fs and gs bases it set last */
	uint64_t cur_gs;
	uint64_t regs[SR_NREGS];
	uint64_t magic;	   /* sentry: SYSTRAP_MAGIC, what %gs must show */
	uint64_t stack;	   /* sentry: the slot's end, the trampoline's stack */
	uint64_t app_gs;   /* stub: the application's gs base (0: the slot) */
	uint32_t deferred; /* stub: an interrupt came inside the trampoline */
	uint32_t pad;
};

#define SYSTRAP_TP_STATE    0
#define SYSTRAP_TP_REGS	    56
#define SYSTRAP_TP_MAGIC    272
#define SYSTRAP_TP_STACK    280
#define SYSTRAP_TP_DEFERRED 296
#define SYSTRAP_TP_REG(r)   (SYSTRAP_TP_REGS + 8 * (r))
_Static_assert(
    offsetof(struct systrap_thread_page, state) == SYSTRAP_TP_STATE &&
	offsetof(struct systrap_thread_page, regs) == SYSTRAP_TP_REGS &&
	offsetof(struct systrap_thread_page, magic) == SYSTRAP_TP_MAGIC &&
	offsetof(struct systrap_thread_page, stack) == SYSTRAP_TP_STACK &&
	offsetof(struct systrap_thread_page, deferred) == SYSTRAP_TP_DEFERRED,
    "thread page");

/*
 * Syscall-site rewriting. A site `mov $nr,%eax; syscall` (b8 imm32 0f 05)
 * that trapped becomes `jmp *T` (ff 24 25 imm32 0f 05: only the first
 * five bytes change), T the pointer of one trap of its address space's
 * table, mapped read-only at SYSTRAP_TABLE_ADDR in the stub from a
 * control slot and written only by the sentry. Every T lies in
 * [0x050f0000, 0x05100000), so its high bytes, the last two of the
 * jmp, are 0f 05 still: a thread that ran the old mov before the rewrite
 * runs a real syscall next (trapped as before), and so does a restart,
 * which backs up two bytes. A trap: its pointer, then code that checks
 * %gs is the slot (else ud2: the handler makes the syscall of the trap),
 * saves %rsp and the return address (the site's end), loads the number
 * and jumps to the stub's common entry (SYSTRAP_TRAMP_ADDR), which
 * saves the rest, hands the syscall to the sentry without a signal and
 * returns to the registers it answers with.
 */
#define SYSTRAP_TABLE_ADDR 0x050f0000UL
#define SYSTRAP_TABLE_SIZE SYSTRAP_SLOT_SIZE
#define SYSTRAP_TRAP_SIZE  128
#define SYSTRAP_TRAPS	   (SYSTRAP_TABLE_SIZE / SYSTRAP_TRAP_SIZE)
/* Within a trap: its code, and in that what the handler reads. */
#define SYSTRAP_TRAP_CODE   8
#define SYSTRAP_TRAP_GSREAD 0  /* mov %gs:magic, %rcx: faults, bad %gs */
#define SYSTRAP_TRAP_UD2    25 /* %gs is not the slot */
#define SYSTRAP_TRAP_RET    38 /* the return address (imm64) */
#define SYSTRAP_TRAP_NR	    56 /* the syscall number (imm32) */
#define SYSTRAP_TRAP_LEN    67
#define SYSTRAP_MAGIC	    0x7072742d74616f6dUL /* "moat-trp" */
/* The stub's common entry, placed by stub.ld. */
#define SYSTRAP_TRAMP_ADDR (STUB_BASE + 0x40)

/* The request page of an address space: read-only in the stub. */
struct systrap_ctl {
	uint32_t seq;	   /* sentry: bumped for each request (futex) */
	uint32_t ack;	   /* always 0: the stub wakes the sentry here */
	uint32_t fpu_size; /* bytes of XSAVE state to save and load */
	uint32_t pad;
	uint64_t spin_max; /* the full polling budget, TSC cycles */
	uint64_t nr;	   /* the syscall to make, and its arguments */
	uint64_t args[6];
};

/* The reply page: written by the stub (and perhaps the application). */
struct systrap_reply {
	int64_t ret;
	uint32_t done; /* the seq of the request answered */
};

/* The control file's first page: which stub takes which control slot. */
struct systrap_handoff {
	int32_t pid;
	uint32_t pad;
	uint64_t ctl_off;
};

#define SYSTRAP_CTL_SEQ	 0
#define SYSTRAP_CTL_ACK	 4
#define SYSTRAP_CTL_NR	 24
#define SYSTRAP_CTL_ARGS 32

#endif
