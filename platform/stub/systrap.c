// SPDX-License-Identifier: Apache-2.0
/*
 * The systrap stub: a stub process whose application threads run under a
 * seccomp filter that traps every syscall (SECCOMP_RET_TRAP) but the few
 * this code makes itself, from its own code; the signal handler below
 * hands the trap, or a fault, to the sentry through the thread's page of
 * the control file and sleeps on a futex until the sentry answers.
 *
 * A stub starts as the factory forks it: it installs its handlers and the
 * filter of its first thread, drops every mapping but this image, maps
 * the control file's hand-off page read-only and stops itself. The
 * sentry writes which control slot it gets there and continues it; it
 * maps that slot's request page read-only and becomes the **syscall
 * thread**: it never runs application code, and makes the syscalls the
 * sentry writes into the request page (address-space changes, new
 * application threads), with registers only, no stack, nothing read
 * from memory the application can write. It wakes the sentry on a word
 * of that page, which the application cannot reach (its futex calls are
 * confined to the thread slots), so a completion cannot be forged.
 *
 * An application thread is cloned by the syscall thread onto a stack in
 * its slot (CLONE_CHILD_CLEARTID on its state word: the sentry learns of
 * its end), takes the slot's signal stack, installs the application
 * filter on top of the inherited one, and traps once to say it is ready.
 * From then on it only ever leaves application code through the handler.
 */
#include "platform/stub/internal.h"
#include "platform/systrap/sysmsg.h"

#include <stdbool.h>
#include <sys/prctl.h>

#define SIGILL_NR  4
#define SIGTRAP_NR 5
#define SIGBUS_NR  7
#define SIGFPE_NR  8
#define SIGSEGV_NR 11
#define SIGCHLD_NR 17
#define SIGSYS_NR  31

#define SA_SIGINFO_  0x4
#define SA_ONSTACK_  0x08000000
#define SA_RESTORER_ 0x04000000
#define SYS_SECCOMP_ 1
#define ENOSYS_	     38

#define FUTEX_WAIT_    0
#define PROT_READ_     1
#define MAP_SHARED_FIX 0x11 /* MAP_SHARED | MAP_FIXED */

/* The kernel's signal frame, as x86-64 lays it out. */
struct ksiginfo {
	int32_t si_signo, si_errno, si_code, pad;
	uint64_t addr; /* si_addr; SIGSYS: si_call_addr */
	int32_t syscall;
	uint32_t arch;
};

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};

struct kucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct ksigcontext mc;
	uint64_t sigmask;
};

struct stub_keep systrap_stub_main(long factory, uint64_t lo, uint64_t hi);
void systrap_thread_main(void);
void systrap_handler(int sig, struct ksiginfo *si, struct kucontext *uc);
void systrap_restorer(void);
void systrap_first_trap(void);
extern const char systrap_first_trap_end[];

static void copy_words(uint64_t *dst, const uint64_t *src, uint64_t n)
{
	__asm__ volatile("rep movsq"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
}

/* In a freshly forked child, on the factory's stack: become a stub. */
struct stub_keep systrap_stub_main(long factory, uint64_t lo, uint64_t hi)
{
	static const int sigs[] = {
	    SIGSYS_NR,	SIGSEGV_NR,	      SIGBUS_NR, SIGFPE_NR, SIGILL_NR,
	    SIGTRAP_NR, SYSTRAP_INTERRUPT_SIG};
	struct ksigaction sa = {
	    .handler = (unsigned long)systrap_handler,
	    .flags = SA_SIGINFO_ | SA_ONSTACK_ | SA_RESTORER_,
	    .restorer = (unsigned long)systrap_restorer,
	    .mask = ~0UL,
	};
	struct ksigaction dfl = {0};

	/* Die with the factory; it may have died before this took effect. */
	if (sys2(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL_NR) < 0 ||
	    sys1(__NR_getppid, 0) != factory)
		die(126);
	sys4(__NR_rt_sigaction, SIGCHLD_NR, &dfl, 0, 8);
	sys2(__NR_prctl, PR_SET_NAME, "moat-systrap");
	/* Only the memory file and the control file stay open. */
	sys3(__NR_close_range, 0, STUB_MEMFD_FD - 1, 0);
	sys3(__NR_close_range, STUB_MEMFD_FD + 1, STUB_CTL_FD - 1, 0);
	sys3(__NR_close_range, STUB_CTL_FD + 1, ~0U, 0);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sys4(__NR_rt_sigaction, sigs[i], &sa, 0, 8) < 0)
			die(126);
	if (install(systrap_filter,
		    sizeof(systrap_filter) / sizeof(systrap_filter[0])))
		die(126);
	return (struct stub_keep){lo, hi};
}

/*
 * Entry of a systrap stub, with the factory's pid: set up, drop everything
 * but this image, wait for a control slot, serve requests. From the
 * munmaps on there is no stack: registers only.
 */
/* clang-format off */
__asm__(".text\n"
	".globl systrap_stub_start\n"
	"systrap_stub_start:\n"
	"	and $-16, %rsp\n"
	"	call systrap_stub_main\n"
	"	mov %rax, %r12\n" /* the vDSO's range kept: [r12, r13) */
	"	mov %rdx, %r13\n"
	/* munmap(0, STUB_BASE) */
	"	mov $" STR(__NR_munmap) ", %eax\n"
	"	xor %edi, %edi\n"
	"	movabs $" STUB_BASE_STR ", %rsi\n"
	"	syscall\n"
	STUB_UNMAP_ABOVE(STR(__NR_munmap))
	/* mmap(HANDOFF, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, CTL_FD, 0) */
	"	movabs $" STR(SYSTRAP_HANDOFF_ADDR) ", %rbx\n"
	"	mov %rbx, %rdi\n"
	"	mov $4096, %esi\n"
	"	mov $" STR(PROT_READ_) ", %edx\n"
	"	mov $" STR(MAP_SHARED_FIX) ", %r10d\n"
	"	mov $" STR(STUB_CTL_FD) ", %r8d\n"
	"	xor %r9d, %r9d\n"
	"	mov $" STR(__NR_mmap) ", %eax\n"
	"	syscall\n"
	"	cmp %rax, %rbx\n"
	"	jne 9f\n"
	"	mov $" STR(__NR_getpid) ", %eax\n"
	"	syscall\n"
	"	mov %rax, %r12\n"
	/* kill(getpid(), SIGSTOP): the factory waits for this stop; the
	 * sentry continues it once the hand-off names it */
	"1:	mov %r12, %rdi\n"
	"	mov $" STR(SIGSTOP_NR) ", %esi\n"
	"	mov $" STR(__NR_kill) ", %eax\n"
	"	syscall\n"
	"	cmp (%rbx), %r12d\n"
	"	jne 1b\n"
	/* mmap(REQ, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, CTL_FD, off) */
	"	mov 8(%rbx), %r9\n"
	"	movabs $" STR(SYSTRAP_REQ_ADDR) ", %rdi\n"
	"	mov $4096, %esi\n"
	"	mov $" STR(PROT_READ_) ", %edx\n"
	"	mov $" STR(MAP_SHARED_FIX) ", %r10d\n"
	"	mov $" STR(STUB_CTL_FD) ", %r8d\n"
	"	mov $" STR(__NR_mmap) ", %eax\n"
	"	syscall\n"
	"	movabs $" STR(SYSTRAP_REQ_ADDR) ", %rdi\n"
	"	cmp %rax, %rdi\n"
	"	jne 9f\n"
	/* munmap(HANDOFF, 4096) */
	"	mov %rbx, %rdi\n"
	"	mov $4096, %esi\n"
	"	mov $" STR(__NR_munmap) ", %eax\n"
	"	syscall\n"
	"	xor %r14d, %r14d\n"
	"	jmp systrap_loop\n"
	"9:	mov $" STR(__NR_exit_group) ", %eax\n"
	"	mov $126, %edi\n"
	"	syscall\n"
	"	jmp 9b\n"
	/*
	 * The syscall thread's loop: %r12 the request page, %r15 the
	 * reply page, %r14 the last request's seq, %r13 its syscall number.
	 * The first request maps the reply page.
	 */
	"systrap_loop:\n"
	"	movabs $" STR(SYSTRAP_REQ_ADDR) ", %r12\n"
	"	movabs $" STR(SYSTRAP_REPLY_ADDR) ", %r15\n"
	"1:	mov " STR(SYSTRAP_CTL_SEQ) "(%r12), %eax\n"
	"	cmp %eax, %r14d\n"
	"	jne 2f\n"
	/* futex(&req->seq, FUTEX_WAIT, last, NULL) */
	"	mov %r12, %rdi\n"
	"	mov $" STR(FUTEX_WAIT_) ", %esi\n"
	"	mov %r14d, %edx\n"
	"	xor %r10d, %r10d\n"
	"	mov $" STR(__NR_futex) ", %eax\n"
	"	syscall\n"
	"	jmp 1b\n"
	"2:	mov %eax, %r14d\n"
	"	mov " STR(SYSTRAP_CTL_NR) "(%r12), %r13\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "(%r12), %rdi\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "+8(%r12), %rsi\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "+16(%r12), %rdx\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "+24(%r12), %r10\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "+32(%r12), %r8\n"
	"	mov " STR(SYSTRAP_CTL_ARGS) "+40(%r12), %r9\n"
	"	mov %r13, %rax\n"
	"	syscall\n"
	"	cmp $" STR(__NR_clone) ", %r13\n"
	"	jne 3f\n"
	"	test %rax, %rax\n"
	"	jz systrap_thread_entry\n"
	"3:	mov %rax, (%r15)\n"
	"	mov %r14d, 8(%r15)\n"
	/* Wake the sentry until it was woken: it may not wait yet. */
	"4:	lea " STR(SYSTRAP_CTL_ACK) "(%r12), %rdi\n"
	"	mov $" STR(FUTEX_WAKE_) ", %esi\n"
	"	mov $1, %edx\n"
	"	mov $" STR(__NR_futex) ", %eax\n"
	"	syscall\n"
	"	cmp $1, %rax\n"
	"	je 1b\n"
	"	mov $" STR(__NR_sched_yield) ", %eax\n"
	"	syscall\n"
	"	jmp 4b\n"
	/* A new application thread, on the stack clone gave it. */
	"systrap_thread_entry:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call systrap_thread_main\n"
	"	ud2\n"
	/* Its first trap, which says it is ready. */
	".globl systrap_first_trap\n"
	"systrap_first_trap:\n"
	"	mov $" STR(__NR_getpid) ", %eax\n"
	"	syscall\n"
	".globl systrap_first_trap_end\n"
	"systrap_first_trap_end:\n"
	"	ud2\n"
	/* Every handler returns here. */
	".globl systrap_restorer\n"
	"systrap_restorer:\n"
	"	mov $" STR(__NR_rt_sigreturn) ", %eax\n"
	"	syscall\n"
	"	ud2\n");
/* clang-format on */

static inline __attribute__((always_inline)) uintptr_t my_slot(void)
{
	return (uintptr_t)__builtin_frame_address(0) & ~(SYSTRAP_SLOT_SIZE - 1);
}

/* A new application thread, on the top of its slot. */
void systrap_thread_main(void)
{
	uintptr_t slot = my_slot();
	struct systrap_thread_page *tp = (struct systrap_thread_page *)slot;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss = {slot + SYSTRAP_STACK_OFF, 0, 0,
		SYSTRAP_SLOT_SIZE - SYSTRAP_STACK_OFF};

	/* %gs is the slot while the application sets none: the traps'. */
	if (sys2(__NR_sigaltstack, &ss, 0) < 0 ||
	    sys2(__NR_arch_prctl, ARCH_SET_GS_, slot) < 0 ||
	    install(app_filter, sizeof(app_filter) / sizeof(app_filter[0])))
		for (;;)
			sys1(__NR_exit, 1); /* the sentry sees it dead */
	tp->cur_gs = slot;
	systrap_first_trap();
}

/*
 * What the trampoline's code calls must be inlined into it (an interrupt
 * is told apart by where it came), hence these and not sys*().
 */
static inline __attribute__((always_inline)) long tsys2(long nr, uint64_t a,
							uint64_t b)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((always_inline)) long tfutex(uint32_t *word,
							 long op, uint32_t val)
{
	register long r10 __asm__("r10") = 0;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)__NR_futex), "D"(word), "S"(op),
			   "d"((long)val), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * Post the event ev of the thread page tp (its registers saved) and wait
 * for the sentry's answer: return on SYSTRAP_RUN, exit on SYSTRAP_EXIT.
 * Poll for the answer only while the sentry thread is awake (it polls
 * too, or runs): asleep, it takes a wake-up to answer.
 */
static inline __attribute__((always_inline)) void
hand_off(struct systrap_thread_page *tp, uint32_t ev)
{
	const volatile struct systrap_ctl *ctl =
	    (const volatile struct systrap_ctl *)SYSTRAP_REQ_ADDR;
	uint64_t budget, start;
	bool slept = false;
	uint32_t v;

	__atomic_store_n(&tp->state, ev, __ATOMIC_SEQ_CST);
	budget = ctl->spin_max;
	if (__atomic_load_n(&tp->sentry_waits, __ATOMIC_SEQ_CST)) {
		tfutex(&tp->state, FUTEX_WAKE_, 1);
		budget = 0;
	}
	start = __builtin_ia32_rdtsc();
	for (;;) {
		v = __atomic_load_n(&tp->state, __ATOMIC_SEQ_CST);
		if (v == SYSTRAP_RUN)
			break;
		if (v == SYSTRAP_EXIT)
			for (;;)
				tsys2(__NR_exit, 0, 0);
		if (!slept && __builtin_ia32_rdtsc() - start < budget) {
			__builtin_ia32_pause();
			continue;
		}
		slept = true;
		__atomic_store_n(&tp->stub_waits, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&tp->state, __ATOMIC_SEQ_CST) == v)
			tfutex(&tp->state, FUTEX_WAIT_, v);
		__atomic_store_n(&tp->stub_waits, 0, __ATOMIC_RELAXED);
	}
}

/*
 * Make the fs and gs bases the sentry's answer names: the application's
 * gs, or the slot while it has none.
 */
static inline __attribute__((always_inline)) void
set_bases(struct systrap_thread_page *tp, uintptr_t slot)
{
	uint64_t *r = tp->regs, gs;

	if (r[SR_FS_BASE] != tp->cur_fs &&
	    tsys2(__NR_arch_prctl, ARCH_SET_FS_, r[SR_FS_BASE]) == 0)
		tp->cur_fs = r[SR_FS_BASE];
	tp->app_gs = r[SR_GS_BASE];
	gs = tp->app_gs ? tp->app_gs : slot;
	if (gs != tp->cur_gs && tsys2(__NR_arch_prctl, ARCH_SET_GS_, gs) == 0)
		tp->cur_gs = gs;
}

/*
 * The trampoline: a trap (sysmsg.h) jumps to systrap_tramp_enter with
 * the application's %rsp and return address saved in the thread page,
 * the syscall number in %eax, every other register the application's,
 * %gs the slot. Region A, from there to systrap_tramp_exit and the C
 * part (systrap_tramp_wait, placed apart by stub.ld), saves the state
 * and waits for the answer: an interrupt arriving there is deferred,
 * since the state is not all saved, or is the sentry's already. Region
 * B, from systrap_tramp_exit to systrap_tramp_end, goes back to the
 * registers of the answer: an interrupt there is one of the thread at
 * those registers (they are the thread page's until it is back). The
 * way back is the signal handler's (a trapped syscall at
 * systrap_resume_trap_end) when an interrupt was deferred, the sentry
 * changed the FPU state, or the trap flag is set.
 */
extern const char systrap_tramp_enter[], systrap_tramp_exit[],
    systrap_tramp_end[], systrap_resume_trap_end[];
extern const char __systrap_tramp_c_start[], __systrap_tramp_c_end[];
long systrap_tramp_wait(void);

/* enum systrap_reg's numbers, for the assembly. */
#define RN_R15	  0
#define RN_R14	  1
#define RN_R13	  2
#define RN_R12	  3
#define RN_RBP	  4
#define RN_RBX	  5
#define RN_R11	  6
#define RN_R10	  7
#define RN_R9	  8
#define RN_R8	  9
#define RN_RAX	  10
#define RN_RCX	  11
#define RN_RDX	  12
#define RN_RSI	  13
#define RN_RDI	  14
#define RN_ORIG	  15
#define RN_RIP	  16
#define RN_EFLAGS 18
#define RN_RSP	  19
_Static_assert(RN_R15 == SR_R15 && RN_R14 == SR_R14 && RN_R13 == SR_R13 &&
		   RN_R12 == SR_R12 && RN_RBP == SR_RBP && RN_RBX == SR_RBX &&
		   RN_R11 == SR_R11 && RN_R10 == SR_R10 && RN_R9 == SR_R9 &&
		   RN_R8 == SR_R8 && RN_RAX == SR_RAX && RN_RCX == SR_RCX &&
		   RN_RDX == SR_RDX && RN_RSI == SR_RSI && RN_RDI == SR_RDI &&
		   RN_ORIG == SR_ORIG_RAX && RN_RIP == SR_RIP &&
		   RN_EFLAGS == SR_EFLAGS && RN_RSP == SR_RSP,
	       "register numbers");

#define GS_(off) "%gs:" STR(off)
#define GSR_(n)	 "%gs:" STR(SYSTRAP_TP_REGS) "+8*" STR(RN_##n)
/* The FPU area from the slot's end. */
#define FPU_FROM_STACK "-0xf000"
_Static_assert(SYSTRAP_FPU_OFF - SYSTRAP_SLOT_SIZE == -0xf000UL, "FPU area");

/* clang-format off */
__asm__(".section .text.systrap_tramp,\"ax\",@progbits\n"
	".globl systrap_tramp_enter\n"
	"systrap_tramp_enter:\n"
	"	mov " GS_(SYSTRAP_TP_STACK) ", %rsp\n"
	"	pushfq\n"
	"	popq " GSR_(EFLAGS) "\n"
	"	cld\n" /* as the C part expects */
	"	mov %rax, " GSR_(ORIG) "\n"
	"	mov %r15, " GSR_(R15) "\n"
	"	mov %r14, " GSR_(R14) "\n"
	"	mov %r13, " GSR_(R13) "\n"
	"	mov %r12, " GSR_(R12) "\n"
	"	mov %rbp, " GSR_(RBP) "\n"
	"	mov %rbx, " GSR_(RBX) "\n"
	"	mov %r10, " GSR_(R10) "\n"
	"	mov %r9, " GSR_(R9) "\n"
	"	mov %r8, " GSR_(R8) "\n"
	"	mov %rdx, " GSR_(RDX) "\n"
	"	mov %rsi, " GSR_(RSI) "\n"
	"	mov %rdi, " GSR_(RDI) "\n"
	/* What the syscall instruction leaves: %rcx the return address,
	 * %r11 the flags; %rax is -ENOSYS, as PTRACE_SYSEMU shows it. */
	"	mov " GSR_(RIP) ", %rcx\n"
	"	mov %rcx, " GSR_(RCX) "\n"
	"	mov " GSR_(EFLAGS) ", %r11\n"
	"	and $-65537, %r11\n" /* RF */
	"	mov %r11, " GSR_(R11) "\n"
	"	movq $-" STR(ENOSYS_) ", " GSR_(RAX) "\n"
	/* The FPU state, as a signal frame's, XSAVE header zeroed first. */
	"	mov %rsp, %rdi\n"
	"	xor %eax, %eax\n"
	"	mov $7, %ecx\n"
	"1:	mov %rax, " FPU_FROM_STACK "+512(%rdi,%rcx,8)\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	mov $-1, %eax\n"
	"	mov $-1, %edx\n"
	"	xsave64 " FPU_FROM_STACK "(%rdi)\n"
	"	call systrap_tramp_wait\n"
	"	test %rax, %rax\n"
	"	jnz systrap_tramp_slow\n"
	".globl systrap_tramp_exit\n"
	"systrap_tramp_exit:\n"
	"	cmpl $0, " GS_(SYSTRAP_TP_DEFERRED) "\n"
	"	jne systrap_tramp_slow\n"
	"	pushq " GSR_(EFLAGS) "\n"
	"	mov " GSR_(R15) ", %r15\n"
	"	mov " GSR_(R14) ", %r14\n"
	"	mov " GSR_(R13) ", %r13\n"
	"	mov " GSR_(R12) ", %r12\n"
	"	mov " GSR_(RBP) ", %rbp\n"
	"	mov " GSR_(RBX) ", %rbx\n"
	"	mov " GSR_(R11) ", %r11\n"
	"	mov " GSR_(R10) ", %r10\n"
	"	mov " GSR_(R9) ", %r9\n"
	"	mov " GSR_(R8) ", %r8\n"
	"	mov " GSR_(RAX) ", %rax\n"
	"	mov " GSR_(RCX) ", %rcx\n"
	"	mov " GSR_(RDX) ", %rdx\n"
	"	mov " GSR_(RSI) ", %rsi\n"
	"	mov " GSR_(RDI) ", %rdi\n"
	"	popfq\n"
	"	mov " GSR_(RSP) ", %rsp\n"
	"	jmp *" GSR_(RIP) "\n"
	/* The signal handler's way back: %edi says an interrupt waits. */
	"systrap_tramp_slow:\n"
	"	mov " GS_(SYSTRAP_TP_DEFERRED) ", %edi\n"
	"	mov $" STR(__NR_getpid) ", %eax\n"
	"	syscall\n"
	".globl systrap_resume_trap_end\n"
	"systrap_resume_trap_end:\n"
	"	ud2\n"
	".globl systrap_tramp_end\n"
	"systrap_tramp_end:\n"
	".text\n");
/* clang-format on */

/*
 * Region A's C part, on the slot's stack: post the syscall, wait for the
 * answer. Returns nonzero when the way back is the signal handler's.
 */
__attribute__((section(".text.systrap_tramp_c"))) long systrap_tramp_wait(void)
{
	uintptr_t slot = my_slot();
	struct systrap_thread_page *tp = (struct systrap_thread_page *)slot;
	uint64_t *r = tp->regs;

	r[SR_FS_BASE] = tp->cur_fs;
	r[SR_GS_BASE] = tp->app_gs;
	tp->signo = SIGSYS_NR;
	tp->code = SYS_SECCOMP_;
	tp->addr = r[SR_RIP];
	tp->err = 0;
	hand_off(tp, SYSTRAP_EV_TRAMP);
	set_bases(tp, slot);
	/* The signal return's checks and loads, which these need. */
	return tp->fpu_dirty || (r[SR_EFLAGS] & 0x100) /* TF */ ||
	       r[SR_RIP] >= 1UL << 47 || r[SR_RSP] >= 1UL << 47;
}

static bool in_range(uint64_t a, const char *lo, const char *hi)
{
	return a >= (uint64_t)lo && a < (uint64_t)hi;
}

/* Where in the trampoline an interrupt came: 0 none, 'A' or 'B'. */
static int tramp_region(uint64_t rip)
{
	if (in_range(rip, systrap_tramp_enter, systrap_tramp_exit) ||
	    in_range(rip, __systrap_tramp_c_start, __systrap_tramp_c_end) ||
	    (rip >= SYSTRAP_TABLE_ADDR &&
	     rip < SYSTRAP_TABLE_ADDR + SYSTRAP_TABLE_SIZE))
		return 'A';
	if (in_range(rip, systrap_tramp_exit, systrap_tramp_end))
		return 'B';
	return 0;
}

/*
 * A fault at rip that a trap's %gs check makes (the application's own
 * gs base: unreadable, or not the slot): the trap's code, else NULL.
 */
static const uint8_t *trap_of_gs_check(int sig, uint64_t rip)
{
	uint64_t off = (rip - SYSTRAP_TABLE_ADDR) % SYSTRAP_TRAP_SIZE;

	if (rip < SYSTRAP_TABLE_ADDR + SYSTRAP_TRAP_SIZE ||
	    rip >= SYSTRAP_TABLE_ADDR + SYSTRAP_TABLE_SIZE)
		return NULL;
	if (!((sig == SIGSEGV_NR || sig == SIGBUS_NR) &&
	      off == SYSTRAP_TRAP_CODE + SYSTRAP_TRAP_GSREAD) &&
	    !(sig == SIGILL_NR && off == SYSTRAP_TRAP_CODE + SYSTRAP_TRAP_UD2))
		return NULL;
	return (const uint8_t *)(rip - off + SYSTRAP_TRAP_CODE);
}

struct unaligned {
	uint64_t q;
	uint32_t l;
} __attribute__((packed));

/*
 * SIGSYS, the faults and the interrupt signal, on the slot's signal
 * stack (or below, on the trampoline's), every signal blocked: hand the
 * thread's state to the sentry, wait for its answer, and return to the
 * registers it gives.
 */
void systrap_handler(int sig, struct ksiginfo *si, struct kucontext *uc)
{
	uintptr_t slot = my_slot();
	struct systrap_thread_page *tp = (struct systrap_thread_page *)slot;
	const volatile struct systrap_ctl *ctl =
	    (const volatile struct systrap_ctl *)SYSTRAP_REQ_ADDR;
	struct ksigcontext *mc = &uc->mc;
	uint64_t *r = tp->regs;
	uint32_t fpu_words = ctl->fpu_size / 8, ev;
	const uint8_t *trap = NULL;
	bool from_slot = false; /* the state is the thread page's */
	bool seccomp = sig == SIGSYS_NR && si->si_code == SYS_SECCOMP_;
	int region = tramp_region(mc->rip);

	if (fpu_words > SYSTRAP_FPU_MAX / 8)
		fpu_words = 0;
	if (seccomp && si->addr == (uint64_t)systrap_resume_trap_end) {
		/* Back from the trampoline this way: mc->rdi, deferred. */
		bool deferred = mc->rdi;

		tp->deferred = 0;
		if (!deferred)
			goto resume;
		ev = SYSTRAP_EV_INTERRUPT;
		from_slot = true;
	} else if (seccomp) {
		ev = si->addr == (uint64_t)systrap_first_trap_end
			 ? SYSTRAP_EV_NEW
			 : SYSTRAP_EV_SYSCALL;
	} else if (sig == SYSTRAP_INTERRUPT_SIG && region == 'A') {
		tp->deferred = 1;
		return;
	} else if (sig == SYSTRAP_INTERRUPT_SIG && region == 'B') {
		tp->deferred = 0;
		ev = SYSTRAP_EV_INTERRUPT;
		from_slot = true;
	} else if (sig == SYSTRAP_INTERRUPT_SIG || sig == SIGSYS_NR) {
		ev = SYSTRAP_EV_INTERRUPT;
	} else if ((trap = trap_of_gs_check(sig, mc->rip)) != NULL) {
		ev = SYSTRAP_EV_SYSCALL; /* the trap's, made here */
	} else {
		ev = SYSTRAP_EV_FAULT;
	}

	if (!from_slot) {
		r[SR_R15] = mc->r15;
		r[SR_R14] = mc->r14;
		r[SR_R13] = mc->r13;
		r[SR_R12] = mc->r12;
		r[SR_RBP] = mc->rbp;
		r[SR_RBX] = mc->rbx;
		r[SR_R11] = mc->r11;
		r[SR_R10] = mc->r10;
		r[SR_R9] = mc->r9;
		r[SR_R8] = mc->r8;
		r[SR_RCX] = mc->rcx;
		r[SR_RDX] = mc->rdx;
		r[SR_RSI] = mc->rsi;
		r[SR_RDI] = mc->rdi;
		r[SR_RIP] = mc->rip;
		r[SR_EFLAGS] = mc->eflags;
		r[SR_RSP] = mc->rsp;
		r[SR_RAX] = mc->rax;
		if (mc->fpstate)
			copy_words((uint64_t *)(slot + SYSTRAP_FPU_OFF),
				   (const uint64_t *)mc->fpstate, fpu_words);
	}
	r[SR_FS_BASE] = tp->cur_fs;
	r[SR_GS_BASE] = tp->app_gs;
	if (trap) {
		/* As the syscall instruction at the trap's site leaves it. */
		r[SR_RIP] =
		    ((const struct unaligned *)(trap + SYSTRAP_TRAP_RET))->q;
		r[SR_RCX] = r[SR_RIP];
		r[SR_R11] = mc->eflags & ~0x10000UL;
		r[SR_RAX] =
		    ((const struct unaligned *)(trap + SYSTRAP_TRAP_NR))->l;
	}
	if (ev == SYSTRAP_EV_SYSCALL) {
		/* As PTRACE_SYSEMU shows it: the number, and -ENOSYS. */
		r[SR_ORIG_RAX] = r[SR_RAX];
		r[SR_RAX] = (uint64_t)-ENOSYS_;
	} else {
		r[SR_ORIG_RAX] = ~0UL;
	}
	tp->signo = sig;
	tp->code = si->si_code;
	tp->addr = trap ? r[SR_RIP] : si->addr;
	tp->err = mc->err;
	hand_off(tp, ev);

resume:
	mc->r15 = r[SR_R15];
	mc->r14 = r[SR_R14];
	mc->r13 = r[SR_R13];
	mc->r12 = r[SR_R12];
	mc->rbp = r[SR_RBP];
	mc->rbx = r[SR_RBX];
	mc->r11 = r[SR_R11];
	mc->r10 = r[SR_R10];
	mc->r9 = r[SR_R9];
	mc->r8 = r[SR_R8];
	mc->rax = r[SR_RAX];
	mc->rcx = r[SR_RCX];
	mc->rdx = r[SR_RDX];
	mc->rsi = r[SR_RSI];
	mc->rdi = r[SR_RDI];
	mc->rip = r[SR_RIP];
	mc->eflags = r[SR_EFLAGS];
	mc->rsp = r[SR_RSP];
	set_bases(tp, slot);
	if (tp->fpu_dirty && mc->fpstate) {
		copy_words((uint64_t *)mc->fpstate,
			   (const uint64_t *)(slot + SYSTRAP_FPU_OFF),
			   fpu_words);
		tp->fpu_dirty = 0;
	}
	/* Whatever a forged frame blocked: nothing, from here on. */
	uc->sigmask = 0;
}
