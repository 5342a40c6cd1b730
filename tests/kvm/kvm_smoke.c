/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KVM smoke test: the pieces the kvm platform is built from, checked one by
 * one against the host's /dev/kvm.
 *
 *   1. Real mode: a VM with one vCPU runs four instructions to hlt, with an
 *      I/O exit on the way.
 *   2. Long mode as the platform will use it: the host builds 4-level page
 *      tables, a GDT with ring-0 and ring-3 segments, a TSS and an IDT in
 *      guest memory, points LSTAR at a ring-0 entry that turns `syscall`
 *      into an I/O exit, and starts the vCPU directly in ring 3. The user
 *      code makes two system calls (arguments and result checked on both
 *      sides), then executes what a sandboxed program must not be able to:
 *      hlt, in, ud2, int3, a mov to cr3, a read of a supervisor page, a
 *      jump into ring-0 code and a write to its own read-only code. Each
 *      must reach the ring-0 exception stub as the exception Linux would
 *      turn into a signal, with the user's registers intact; the host then
 *      moves the saved rip past the instruction, as a signal handler would.
 *      The last system call is exit, after which the vCPU halts in ring 0.
 *
 * Prints one line per check; exits 0 when every check passed, 1 when one
 * failed, 77 when /dev/kvm is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Guest-physical layout of the long-mode test (identity-mapped). */
#define GPA_PML4       0x1000ul
#define GPA_PDPT       0x2000ul
#define GPA_PD	       0x3000ul
#define GPA_PT	       0x4000ul
#define GPA_GDT	       0x5000ul
#define GPA_IDT	       0x5100ul
#define GPA_TSS	       0x5800ul
#define GPA_KCODE      0x6000ul
#define GPA_UCODE      0x7000ul
#define GPA_USTACK     0x8000ul
#define GPA_KSTACK     0x9000ul
#define GUEST_MEM_SIZE 0x200000ul

/* Selectors; STAR's sysret base is USER32_CS: ss = +8, cs = +16. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER32_CS 0x18
#define USER_DS	  0x20
#define USER_CS	  0x28
#define TSS_SEL	  0x30

/* I/O ports the ring-0 code uses to exit to the host. */
#define PORT_REAL      0x10
#define PORT_SYSCALL   0x20
#define PORT_EXCEPTION 0x21

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_NX (1ull << 63)

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_CSTAR  0xc0000083
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   0x1ull
#define EFER_LME   0x100ull
#define EFER_LMA   0x400ull
#define EFER_NXE   0x800ull

#define USER_RFLAGS 0x202ull

/*
 * The guest's code, assembled into the test binary and copied into guest
 * memory. Ring-0 code must keep every general register as the user left it:
 * the host reads them at the exit. Exception stubs are 16 bytes apart so
 * that the host can fill the IDT from kvm_exc_stubs.
 */
__asm__(".pushsection .rodata\n"
	".balign 64\n"
	/* Real mode: ax = 0x1234 + 0x1111, out al, hlt. */
	".code16\n"
	".globl kvm_real_code\n"
	"kvm_real_code:\n"
	"	mov $0x1234, %ax\n"
	"	add $0x1111, %ax\n"
	"	out %al, $0x10\n"
	"	hlt\n"
	".globl kvm_real_code_end\n"
	"kvm_real_code_end:\n"
	".code64\n"

	/* Ring 0: syscall entry, exception stubs, halt. */
	".balign 64\n"
	".globl kvm_kcode\n"
	"kvm_kcode:\n"
	".globl kvm_syscall_entry\n"
	"kvm_syscall_entry:\n"
	"	out %al, $0x20\n"
	"	sysretq\n"
	".globl kvm_halt\n"
	"kvm_halt:\n"
	"	hlt\n"
	"	jmp kvm_halt\n"
	"kvm_exc_common:\n"
	"	out %al, $0x21\n"
	"	add $16, %rsp\n"
	"	iretq\n"
	".macro exc_stub vec\n"
	"	.balign 16\n"
	"	.if (\\vec == 8) || (\\vec == 10) || (\\vec == 11) || "
	"(\\vec == 12) || (\\vec == 13) || (\\vec == 14) || (\\vec == 17) || "
	"(\\vec == 21) || (\\vec == 29) || (\\vec == 30)\n"
	"	.else\n"
	"	pushq $0\n"
	"	.endif\n"
	"	pushq $\\vec\n"
	"	jmp kvm_exc_common\n"
	".endm\n"
	".balign 16\n"
	".globl kvm_exc_stubs\n"
	"kvm_exc_stubs:\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
	"23,24,25,26,27,28,29,30,31\n"
	"	exc_stub \\v\n"
	".endr\n"
	".globl kvm_kcode_end\n"
	"kvm_kcode_end:\n"

	/* Ring 3: the sandboxed program. */
	".balign 64\n"
	".globl kvm_ucode\n"
	"kvm_ucode:\n"
	"	mov $0x1111, %rdi\n"
	"	mov $0x2222, %rsi\n"
	"	mov $0x3333, %rdx\n"
	"	mov $0x4444, %r10\n"
	"	mov $0x5555, %r8\n"
	"	mov $0x6666, %r9\n"
	"	mov $39, %eax\n"
	".globl kvm_u_sys1\n"
	"kvm_u_sys1:\n"
	"	syscall\n"
	"	mov %rax, %rdi\n"
	"	push %rax\n"
	"	mov $1, %eax\n"
	".globl kvm_u_sys2\n"
	"kvm_u_sys2:\n"
	"	syscall\n"
	"	pop %r12\n"
	".globl kvm_u_hlt\n"
	"kvm_u_hlt:\n"
	"	hlt\n"
	".globl kvm_u_in\n"
	"kvm_u_in:\n"
	"	in $0x20, %al\n"
	".globl kvm_u_ud2\n"
	"kvm_u_ud2:\n"
	"	ud2\n"
	".globl kvm_u_int3\n"
	"kvm_u_int3:\n"
	"	int3\n"
	".globl kvm_u_int3_end\n"
	"kvm_u_int3_end:\n"
	"	mov $0x1000, %rax\n"
	".globl kvm_u_cr3\n"
	"kvm_u_cr3:\n"
	"	mov %rax, %cr3\n"
	".globl kvm_u_kread\n"
	"kvm_u_kread:\n"
	"	mov 0x6000, %rax\n"
	".globl kvm_u_kjump\n"
	"kvm_u_kjump:\n"
	"	mov $0x6000, %rbx\n"
	"	jmp *%rbx\n"
	".globl kvm_u_cwrite\n"
	"kvm_u_cwrite:\n"
	"	movb $0xcc, 0x7000\n"
	".globl kvm_u_exit\n"
	"kvm_u_exit:\n"
	"	mov %r12, %rdi\n"
	"	mov $60, %eax\n"
	".globl kvm_u_exit_sys\n"
	"kvm_u_exit_sys:\n"
	"	syscall\n"
	"	ud2\n"
	".globl kvm_ucode_end\n"
	"kvm_ucode_end:\n"
	".popsection\n");

extern const uint8_t kvm_real_code[], kvm_real_code_end[];
extern const uint8_t kvm_kcode[], kvm_kcode_end[], kvm_syscall_entry[],
    kvm_halt[], kvm_exc_stubs[];
extern const uint8_t kvm_ucode[], kvm_ucode_end[], kvm_u_sys1[], kvm_u_sys2[],
    kvm_u_hlt[], kvm_u_in[], kvm_u_ud2[], kvm_u_int3[], kvm_u_int3_end[],
    kvm_u_cr3[], kvm_u_kread[], kvm_u_kjump[], kvm_u_kjump_insn[],
    kvm_u_cwrite[], kvm_u_exit[], kvm_u_exit_sys[];

/* Guest address of a symbol inside a blob copied to gpa. */
#define KADDR(sym) (GPA_KCODE + (uint64_t)((sym)-kvm_kcode))
#define UADDR(sym) (GPA_UCODE + (uint64_t)((sym)-kvm_ucode))

static int checks;
static int failures;

static void check(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define CHECK_EQ(a, b, what)                                                   \
	do {                                                                   \
		unsigned long long _a = (a), _b = (b);                         \
		check(_a == _b, "%s: %#llx (want %#llx)", what, _a, _b);       \
	} while (0)

static void die(const char *what)
{
	fprintf(stderr, "kvm_smoke: %s: %s\n", what, strerror(errno));
	printf("not ok - %s\n", what);
	exit(1);
}

struct vm {
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	uint8_t *mem;
};

static int kvm_fd = -1;
static long run_size;

static void vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region region;

	vm->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		die("KVM_CREATE_VM");
	/* Needed by VMX without unrestricted guest; harmless on SVM. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		die("KVM_SET_TSS_ADDR");
	vm->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap guest memory");
	region = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = GUEST_MEM_SIZE,
	    .userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	vm->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		die("mmap kvm_run");
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->run, run_size);
	munmap(vm->mem, GUEST_MEM_SIZE);
	close(vm->vcpu_fd);
	close(vm->vm_fd);
}

/* KVM_RUN until an exit the host must see; returns the exit reason. */
static unsigned vm_run(struct vm *vm)
{
	while (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			die("KVM_RUN");
	}
	return vm->run->exit_reason;
}

static void get_regs(struct vm *vm, struct kvm_regs *regs)
{
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, regs) < 0)
		die("KVM_GET_REGS");
}

static void set_regs(struct vm *vm, struct kvm_regs *regs)
{
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, regs) < 0)
		die("KVM_SET_REGS");
}

static void get_sregs(struct vm *vm, struct kvm_sregs *sregs)
{
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, sregs) < 0)
		die("KVM_GET_SREGS");
}

static const char *exit_name(unsigned reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return "io";
	case KVM_EXIT_HLT:
		return "hlt";
	case KVM_EXIT_SHUTDOWN:
		return "shutdown (triple fault)";
	case KVM_EXIT_FAIL_ENTRY:
		return "fail_entry";
	case KVM_EXIT_INTERNAL_ERROR:
		return "internal_error";
	case KVM_EXIT_MMIO:
		return "mmio";
	default:
		return "other";
	}
}

/* An I/O exit: an out of one byte to port. */
static bool is_out(struct vm *vm, unsigned reason, uint16_t port)
{
	return reason == KVM_EXIT_IO &&
	       vm->run->io.direction == KVM_EXIT_IO_OUT &&
	       vm->run->io.port == port && vm->run->io.size == 1 &&
	       vm->run->io.count == 1;
}

static void test_real_mode(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vm vm;
	unsigned reason;
	uint8_t data;

	vm_create(&vm);
	memcpy(vm.mem + 0x1000, kvm_real_code,
	       kvm_real_code_end - kvm_real_code);
	get_sregs(&vm, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm.vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS (real mode)");
	regs = (struct kvm_regs){.rip = 0x1000, .rflags = 0x2};
	set_regs(&vm, &regs);

	reason = vm_run(&vm);
	if (!is_out(&vm, reason, PORT_REAL)) {
		check(false, "real mode: out exits to the host (exit %s)",
		      exit_name(reason));
		goto out;
	}
	check(true, "real mode: out to port %#x exits to the host", PORT_REAL);
	data = *((uint8_t *)vm.run + vm.run->io.data_offset);
	CHECK_EQ(data, 0x45, "real mode: out data is al");
	reason = vm_run(&vm);
	check(reason == KVM_EXIT_HLT, "real mode: hlt exits (exit %s)",
	      exit_name(reason));
	get_regs(&vm, &regs);
	CHECK_EQ(regs.rax & 0xffff, 0x2345, "real mode: ax after add");
out:
	vm_destroy(&vm);
}

/* A flat code or data segment for KVM_SET_SREGS. */
static struct kvm_segment flat_segment(uint16_t selector, bool code,
				       unsigned dpl)
{
	return (struct kvm_segment){
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = selector,
	    .type = code ? 0xb : 0x3,
	    .present = 1,
	    .dpl = dpl,
	    .db = code ? 0 : 1,
	    .s = 1,
	    .l = code ? 1 : 0,
	    .g = 1,
	};
}

/* The GDT entry matching a flat segment (base 0, limit 4 GiB). */
static uint64_t gdt_entry(bool code, bool long_mode, unsigned dpl)
{
	uint64_t access = 0x80 | (uint64_t)dpl << 5 | 0x10 | (code ? 0xb : 0x3);
	uint64_t flags = 0x8 | (long_mode ? 0x2 : 0x4);

	return 0xffffull | access << 40 | 0xfull << 48 | flags << 52;
}

static void set_pte(uint8_t *mem, uint64_t va, uint64_t flags)
{
	uint64_t *pt = (uint64_t *)(mem + GPA_PT);

	pt[(va >> 12) & 511] = va | flags;
}

/*
 * Page tables, GDT, TSS, IDT and code: everything the long-mode vCPU needs,
 * built by the host in guest memory as the platform will build them.
 */
static void build_long_mode(struct vm *vm)
{
	uint8_t *mem = vm->mem;
	uint64_t *pml4 = (uint64_t *)(mem + GPA_PML4);
	uint64_t *pdpt = (uint64_t *)(mem + GPA_PDPT);
	uint64_t *pd = (uint64_t *)(mem + GPA_PD);
	uint64_t *gdt = (uint64_t *)(mem + GPA_GDT);
	uint64_t tss_limit = 0x67;

	/* Upper levels allow user access; the leaf decides. */
	pml4[0] = GPA_PDPT | PTE_P | PTE_W | PTE_U;
	pdpt[0] = GPA_PD | PTE_P | PTE_W | PTE_U;
	pd[0] = GPA_PT | PTE_P | PTE_W | PTE_U;
	set_pte(mem, GPA_GDT, PTE_P | PTE_W | PTE_NX); /* GDT, IDT, TSS */
	set_pte(mem, GPA_KCODE, PTE_P);
	set_pte(mem, GPA_UCODE, PTE_P | PTE_U);
	set_pte(mem, GPA_USTACK, PTE_P | PTE_W | PTE_U | PTE_NX);
	set_pte(mem, GPA_KSTACK, PTE_P | PTE_W | PTE_NX);

	gdt[0] = 0;
	gdt[KERNEL_CS / 8] = gdt_entry(true, true, 0);
	gdt[KERNEL_DS / 8] = gdt_entry(false, false, 0);
	gdt[USER32_CS / 8] = gdt_entry(true, false, 3);
	gdt[USER_DS / 8] = gdt_entry(false, false, 3);
	gdt[USER_CS / 8] = gdt_entry(true, true, 3);
	/* 64-bit available TSS: 16 bytes. */
	gdt[TSS_SEL / 8] = (tss_limit & 0xffff) | (GPA_TSS & 0xffffff) << 16 |
			   0x89ull << 40 | ((GPA_TSS >> 24) & 0xff) << 56;
	gdt[TSS_SEL / 8 + 1] = GPA_TSS >> 32;

	/* TSS: rsp0 at 4, I/O map base at 102 past the limit (no bitmap). */
	*(uint64_t *)(mem + GPA_TSS + 4) = GPA_KSTACK + 0x1000;
	*(uint16_t *)(mem + GPA_TSS + 102) = 104;

	/* IDT: 32 interrupt gates; #BP and #OF reachable from ring 3. */
	for (unsigned v = 0; v < 32; v++) {
		uint64_t off = KADDR(kvm_exc_stubs) + 16 * v;
		uint64_t *gate = (uint64_t *)(mem + GPA_IDT + 16 * v);
		unsigned dpl = (v == 3 || v == 4) ? 3 : 0;

		gate[0] = (off & 0xffff) | (uint64_t)KERNEL_CS << 16 |
			  (uint64_t)(0x8e | dpl << 5) << 40 |
			  ((off >> 16) & 0xffff) << 48;
		gate[1] = off >> 32;
	}

	if (kvm_kcode_end - kvm_kcode > 4096 ||
	    kvm_ucode_end - kvm_ucode > 4096) {
		fprintf(stderr, "kvm_smoke: guest code over a page\n");
		exit(1);
	}
	memcpy(mem + GPA_KCODE, kvm_kcode, kvm_kcode_end - kvm_kcode);
	memcpy(mem + GPA_UCODE, kvm_ucode, kvm_ucode_end - kvm_ucode);
}

static void set_cpuid(struct vm *vm)
{
	size_t n = 256;
	struct kvm_cpuid2 *cpuid =
	    calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));

	if (!cpuid)
		die("calloc");
	cpuid->nent = n;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);
}

static void set_msrs(struct vm *vm)
{
	const struct kvm_msr_entry entries[] = {
	    {.index = MSR_STAR,
	     .data = (uint64_t)USER32_CS << 48 | (uint64_t)KERNEL_CS << 32},
	    {.index = MSR_LSTAR, .data = KADDR(kvm_syscall_entry)},
	    {.index = MSR_CSTAR, .data = KADDR(kvm_halt)},
	    /* TF, DF, IF, AC, NT as Linux's SYSCALL_MASK. */
	    {.index = MSR_SFMASK, .data = 0x47700},
	};
	size_t n = sizeof(entries) / sizeof(entries[0]);
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + sizeof(entries));

	if (!msrs)
		die("calloc");
	msrs->nmsrs = n;
	memcpy(msrs->entries, entries, sizeof(entries));
	if (ioctl(vm->vcpu_fd, KVM_SET_MSRS, msrs) != (int)n)
		die("KVM_SET_MSRS");
	free(msrs);
}

/* Start the vCPU in ring 3 at the user code, as the platform enters it. */
static void enter_user(struct vm *vm)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	get_sregs(vm, &sregs);
	sregs.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	sregs.cr3 = GPA_PML4;
	sregs.cr4 = 0x620; /* OSXMMEXCPT OSFXSR PAE */
	sregs.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	sregs.cs = flat_segment(USER_CS | 3, true, 3);
	sregs.ss = flat_segment(USER_DS | 3, false, 3);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	sregs.tr = (struct kvm_segment){
	    .base = GPA_TSS,
	    .limit = 0x67,
	    .selector = TSS_SEL,
	    .type = 0xb, /* busy 64-bit TSS */
	    .present = 1,
	};
	sregs.ldt = (struct kvm_segment){.type = 0x2, .unusable = 1};
	sregs.gdt.base = GPA_GDT;
	sregs.gdt.limit = 8 * 8 - 1;
	sregs.idt.base = GPA_IDT;
	sregs.idt.limit = 32 * 16 - 1;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS (long mode)");

	regs = (struct kvm_regs){
	    .rip = GPA_UCODE,
	    .rsp = GPA_USTACK + 0x1000,
	    .rflags = USER_RFLAGS,
	};
	set_regs(vm, &regs);
}

/* Expect the syscall exit; returns false (after a failed check) if not. */
static bool expect_syscall(struct vm *vm, const char *what, const uint8_t *site,
			   struct kvm_regs *regs)
{
	struct kvm_sregs sregs;
	unsigned reason = vm_run(vm);

	if (!is_out(vm, reason, PORT_SYSCALL)) {
		check(false, "%s: exits through the syscall entry (exit %s)",
		      what, exit_name(reason));
		return false;
	}
	get_regs(vm, regs);
	get_sregs(vm, &sregs);
	check(true, "%s: syscall in ring 3 exits through the ring-0 entry",
	      what);
	CHECK_EQ(sregs.cs.selector, KERNEL_CS, "  cs at the exit is ring 0");
	CHECK_EQ(regs->rcx, UADDR(site) + 2, "  rcx is the user's next rip");
	CHECK_EQ(regs->r11, USER_RFLAGS, "  r11 is the user's rflags");
	CHECK_EQ(regs->rflags & 0x200, 0, "  interrupts masked by SFMASK");
	return true;
}

/*
 * Expect an exception from ring 3 with the given vector and error code and
 * saved rip; resume the user at resume.
 */
static bool expect_exception(struct vm *vm, const char *what, unsigned vector,
			     uint64_t error, uint64_t rip, uint64_t resume)
{
	struct kvm_regs regs;
	unsigned reason = vm_run(vm);
	uint64_t *frame;

	if (!is_out(vm, reason, PORT_EXCEPTION)) {
		check(false, "%s: exits through the exception stub (exit %s)",
		      what, exit_name(reason));
		return false;
	}
	get_regs(vm, &regs);
	if (regs.rsp < GPA_KSTACK || regs.rsp > GPA_KSTACK + 0x1000 - 56) {
		check(false, "%s: ring-0 stack %#llx inside the kernel stack",
		      what, (unsigned long long)regs.rsp);
		return false;
	}
	/* vector, error, rip, cs, rflags, rsp, ss */
	frame = (uint64_t *)(vm->mem + regs.rsp);
	CHECK_EQ(frame[0], vector, what);
	CHECK_EQ(frame[1], error, "  error code");
	CHECK_EQ(frame[2], rip, "  saved rip");
	CHECK_EQ(frame[3], USER_CS | 3, "  saved cs is ring 3");
	CHECK_EQ(frame[6], USER_DS | 3, "  saved ss is ring 3");
	CHECK_EQ(regs.rsp + 56, GPA_KSTACK + 0x1000,
		 "  ring-0 stack from TSS.rsp0");
	frame[2] = resume;
	return true;
}

static void test_long_mode(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	unsigned reason;
	struct vm vm;

	vm_create(&vm);
	build_long_mode(&vm);
	set_cpuid(&vm);
	set_msrs(&vm);
	enter_user(&vm);

	get_sregs(&vm, &sregs);
	CHECK_EQ(sregs.cs.dpl, 3, "long mode: vCPU starts in ring 3");
	CHECK_EQ(sregs.efer & (EFER_LMA | EFER_LME), EFER_LMA | EFER_LME,
		 "long mode: EFER.LMA and LME set");

	/* getpid(0x1111, ...): arguments arrive, the result goes back. */
	if (!expect_syscall(&vm, "syscall 39", kvm_u_sys1, &regs))
		goto out;
	CHECK_EQ(regs.rax, 39, "  rax is the syscall number");
	CHECK_EQ(regs.rdi, 0x1111, "  rdi is argument 1");
	CHECK_EQ(regs.rsi, 0x2222, "  rsi is argument 2");
	CHECK_EQ(regs.rdx, 0x3333, "  rdx is argument 3");
	CHECK_EQ(regs.r10, 0x4444, "  r10 is argument 4");
	CHECK_EQ(regs.r8, 0x5555, "  r8 is argument 5");
	CHECK_EQ(regs.r9, 0x6666, "  r9 is argument 6");
	CHECK_EQ(regs.rsp, GPA_USTACK + 0x1000, "  rsp is the user's stack");
	regs.rax = 0x4242;
	set_regs(&vm, &regs);

	/* write(result): the user saw the result the host set. */
	if (!expect_syscall(&vm, "syscall 1", kvm_u_sys2, &regs))
		goto out;
	CHECK_EQ(regs.rax, 1, "  rax is the syscall number");
	CHECK_EQ(regs.rdi, 0x4242, "  user received the previous result");
	CHECK_EQ(*(uint64_t *)(vm.mem + regs.rsp), 0x4242,
		 "  user's push reached its stack page");

	if (!expect_exception(&vm, "hlt in ring 3 is #GP", 13, 0,
			      UADDR(kvm_u_hlt), UADDR(kvm_u_in)) ||
	    !expect_exception(&vm, "in in ring 3 is #GP", 13, 0,
			      UADDR(kvm_u_in), UADDR(kvm_u_ud2)) ||
	    !expect_exception(&vm, "ud2 is #UD", 6, 0, UADDR(kvm_u_ud2),
			      UADDR(kvm_u_int3)) ||
	    /* #BP is a trap: the saved rip is past int3. */
	    !expect_exception(&vm, "int3 is #BP", 3, 0, UADDR(kvm_u_int3_end),
			      UADDR(kvm_u_int3_end)) ||
	    !expect_exception(&vm, "mov to cr3 in ring 3 is #GP", 13, 0,
			      UADDR(kvm_u_cr3), UADDR(kvm_u_kread)))
		goto out;

	/* #PF error codes: P=1, W=2, U=4, I=16. */
	if (!expect_exception(&vm, "read of a supervisor page is #PF", 14, 0x5,
			      UADDR(kvm_u_kread), UADDR(kvm_u_kjump)))
		goto out;
	get_sregs(&vm, &sregs);
	CHECK_EQ(sregs.cr2, GPA_KCODE, "  cr2 is the address");
	/* The jump completed: the fetch at its target faults. */
	if (!expect_exception(&vm, "jump into ring-0 code is #PF", 14, 0x15,
			      GPA_KCODE, UADDR(kvm_u_cwrite)))
		goto out;
	get_regs(&vm, &regs);
	CHECK_EQ(regs.rbx, GPA_KCODE, "  user's rbx intact in the handler");
	get_sregs(&vm, &sregs);
	CHECK_EQ(sregs.cr2, GPA_KCODE, "  cr2 is the target");
	if (!expect_exception(&vm, "write to read-only user code is #PF", 14,
			      0x7, UADDR(kvm_u_cwrite), UADDR(kvm_u_exit)))
		goto out;
	get_sregs(&vm, &sregs);
	CHECK_EQ(sregs.cr2, GPA_UCODE, "  cr2 is the address");
	CHECK_EQ(vm.mem[GPA_UCODE], kvm_ucode[0], "  user code unchanged");

	/* exit(0x4242): the host ends it by halting the vCPU in ring 0. */
	if (!expect_syscall(&vm, "syscall 60", kvm_u_exit_sys, &regs))
		goto out;
	CHECK_EQ(regs.rax, 60, "  rax is the syscall number");
	CHECK_EQ(regs.rdi, 0x4242, "  r12 kept across syscalls and faults");
	regs.rip = KADDR(kvm_halt);
	set_regs(&vm, &regs);
	reason = vm_run(&vm);
	check(reason == KVM_EXIT_HLT, "long mode: ends in hlt (exit %s)",
	      exit_name(reason));
out:
	vm_destroy(&vm);
}

int main(void)
{
	int version;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A guest that loops without exiting must not hang the test. */
	alarm(120);
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		printf("SKIP: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	CHECK_EQ(version, KVM_API_VERSION, "KVM_GET_API_VERSION");
	check(ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
	      "KVM_CAP_USER_MEMORY");
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	check(run_size >= (long)sizeof(struct kvm_run),
	      "KVM_GET_VCPU_MMAP_SIZE: %ld", run_size);
	if (failures)
		return 1;

	test_real_mode();
	test_long_mode();

	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
