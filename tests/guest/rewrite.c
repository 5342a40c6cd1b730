// SPDX-License-Identifier: Apache-2.0
/*
 * Syscall sites `mov $nr,%eax; syscall` called again and again, as a
 * platform that rewrites them (systrap) must keep them: every register
 * but %rax, %rcx and %r11 kept, %rcx the return address and %r11 the
 * flags; a blocking call through one restarts after a signal
 * (SA_RESTART) or fails with EINTR; a fork's child runs them; code the
 * application writes after a rewrite (its own text, a page it just
 * mapped) is what runs; with SIGSYS blocked or handled by the
 * application, and with a gs base of its own, they are plain syscalls;
 * jumping to a site (or to what it now jumps to) with %rsp zero and junk
 * in every register makes the syscall and dies of SIGSEGV at the `ret`,
 * as natively. Whether a site was rewritten shows only in its bytes,
 * which the test reads but never requires.
 */
#include "guest.h"

#include <asm/prctl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

long site_getpid(void);
long site_getpid_forge(void);
long site_getpid_threads(void);
long site_getpid_gs(void);
long site_getppid_regs(void);
long site_read(int fd, void *buf, size_t n);
unsigned long regs_check(void);
extern const unsigned char site_page[];

/* Each site 16-byte aligned, in a page of its own. */
/* clang-format off */
__asm__(".section .text.rewrite_sites,\"ax\",@progbits\n"
	".balign 4096\n"
	".globl site_page\n"
	"site_page:\n"
	".balign 16\n"
	"site_getpid:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 16\n"
	"site_getpid_forge:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 16\n"
	"site_getpid_threads:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 16\n"
	"site_getpid_gs:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 16\n"
	"site_getppid_regs:\n"
	"	mov $110, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 16\n"
	"site_read:\n"
	"	mov $0, %eax\n"
	"	syscall\n"
	"	ret\n"
	".balign 4096\n"
	".text\n");

/*
 * Call site_getppid_regs with known values in every register and CF set:
 * the bits of regs_bad say which came back wrong (0: none); regs_ret is
 * what it returned.
 */
unsigned long regs_bad;
long regs_ret;
__asm__(".text\n"
	".globl regs_check\n"
	"regs_check:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	movq $0, regs_bad(%rip)\n"
	"	mov $0x1111, %rbx\n"
	"	mov $0x2222, %rbp\n"
	"	mov $0x3333, %r12\n"
	"	mov $0x4444, %r13\n"
	"	mov $0x5555, %r14\n"
	"	mov $0x6666, %r15\n"
	"	mov $0x7777, %r8\n"
	"	mov $0x8888, %r9\n"
	"	mov $0x9999, %r10\n"
	"	mov $0xaaaa, %rdi\n"
	"	mov $0xbbbb, %rsi\n"
	"	mov $0xcccc, %rdx\n"
	"	stc\n"
	"	call site_getppid_regs\n"
	"	jc 1f\n"
	"	orq $1, regs_bad(%rip)\n"      /* flags kept: CF */
	"1:	mov %rax, regs_ret(%rip)\n"
	"	cmp $0x1111, %rbx\n je 1f\n orq $2, regs_bad(%rip)\n"
	"1:	cmp $0x2222, %rbp\n je 1f\n orq $4, regs_bad(%rip)\n"
	"1:	cmp $0x3333, %r12\n je 1f\n orq $8, regs_bad(%rip)\n"
	"1:	cmp $0x4444, %r13\n je 1f\n orq $16, regs_bad(%rip)\n"
	"1:	cmp $0x5555, %r14\n je 1f\n orq $32, regs_bad(%rip)\n"
	"1:	cmp $0x6666, %r15\n je 1f\n orq $64, regs_bad(%rip)\n"
	"1:	cmp $0x7777, %r8\n je 1f\n orq $128, regs_bad(%rip)\n"
	"1:	cmp $0x8888, %r9\n je 1f\n orq $256, regs_bad(%rip)\n"
	"1:	cmp $0x9999, %r10\n je 1f\n orq $512, regs_bad(%rip)\n"
	"1:	cmp $0xaaaa, %rdi\n je 1f\n orq $1024, regs_bad(%rip)\n"
	"1:	cmp $0xbbbb, %rsi\n je 1f\n orq $2048, regs_bad(%rip)\n"
	"1:	cmp $0xcccc, %rdx\n je 1f\n orq $4096, regs_bad(%rip)\n"
	/* %rcx: the address after the syscall instruction; %r11: the
	 * flags, CF and the always-set bit 1 among them. */
	"1:	lea site_getppid_regs+7(%rip), %rax\n"
	"	cmp %rax, %rcx\n je 1f\n orq $8192, regs_bad(%rip)\n"
	"1:	and $3, %r11\n cmp $3, %r11\n je 1f\n orq $16384, regs_bad(%rip)\n"
	"1:	mov regs_bad(%rip), %rax\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n");
/* clang-format on */

/* The site's bytes: the original, or the rewrite's jmp (5 bytes). */
static bool rewritten(const void *site)
{
	const unsigned char *p = site;

	/* The last two bytes stay a syscall instruction either way. */
	CHECK(p[5] == 0x0f && p[6] == 0x05);
	return p[0] == 0xff && p[1] == 0x24 && p[2] == 0x25;
}

/* What a rewritten site jumps to: the pointer at its jmp's address. */
static void *jump_target(const void *site)
{
	const unsigned char *p = site;
	uint32_t at;

	memcpy(&at, p + 3, 4);
	return *(void **)(uintptr_t)at;
}

static volatile int sigs;

static void on_sig(int sig)
{
	(void)sig;
	sigs++;
}

static void check_regs(void)
{
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(regs_check(), 0);
		CHECK_EQ(regs_ret, getppid());
	}
}

/*
 * A read through site_read of an empty pipe, interrupted by a signal
 * from a child, which then writes a byte: with SA_RESTART the read goes
 * on and gets the byte; without, EINTR.
 */
static void check_restart(bool restart)
{
	struct sigaction sa = {.sa_handler = on_sig};
	struct timespec ts = {0, 100 * 1000 * 1000};
	char c = 0;
	int p[2], status;
	long r;
	pid_t child;

	sa.sa_flags = restart ? SA_RESTART : 0;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	CHECK_EQ(pipe(p), 0);
	/* Twice with nothing to wait for: the site traps and may change. */
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(write(p[1], "y", 1), 1);
		CHECK_EQ(site_read(p[0], &c, 1), 1);
	}
	sigs = 0;
	child = fork();
	if (child == 0) {
		nanosleep(&ts, NULL);
		kill(getppid(), SIGUSR1);
		nanosleep(&ts, NULL);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	CHECK(child > 0);
	r = site_read(p[0], &c, 1);
	if (restart) {
		CHECK_EQ(r, 1);
		CHECK_EQ(c, 'x');
	} else {
		CHECK_EQ(r, -EINTR);
	}
	CHECK_EQ(sigs, 1);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	close(p[1]);
	signal(SIGUSR1, SIG_DFL);
}

static void check_fork(void)
{
	pid_t child;
	int status;

	CHECK_EQ(site_getpid(), getpid());
	child = fork();
	if (child == 0)
		_exit(site_getpid() == getpid() && site_getpid() == getpid()
			  ? 0
			  : 1);
	CHECK(child > 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(site_getpid(), getpid());
}

/* Write code bytes over the site at p (its page made writable). */
static void write_code(void *p, const unsigned char *code, size_t n)
{
	void *page = (void *)((uintptr_t)p & ~4095UL);

	CHECK_EQ(mprotect(page, 4096, PROT_READ | PROT_WRITE), 0);
	memcpy(p, code, n);
	CHECK_EQ(mprotect(page, 4096, PROT_READ | PROT_EXEC), 0);
}

/* The program's own code, written after the site was rewritten. */
static void check_own_code(void)
{
	/* mov $110 (getppid), %eax; syscall; ret */
	static const unsigned char ppid[] = {0xb8, 110,	 0,    0,
					     0,	   0x0f, 0x05, 0xc3};
	static const unsigned char pid[] = {0xb8, 39,	0,    0,
					    0,	  0x0f, 0x05, 0xc3};
	long (*f)(void) = site_getpid;
	pid_t child;
	int status;

	CHECK_EQ(f(), getpid());
	CHECK_EQ(f(), getpid());
	/* A child writes its copy: the parent's stays as it was. */
	child = fork();
	if (child == 0) {
		write_code((void *)site_getpid, ppid, sizeof(ppid));
		_exit(memcmp((void *)site_getpid, ppid, sizeof(ppid)) == 0 &&
			      f() == getppid() && f() == getppid()
			  ? 0
			  : 1);
	}
	CHECK(child > 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(f(), getpid());
	/* Now the parent's own: every byte written is what it reads. */
	write_code((void *)site_getpid, ppid, sizeof(ppid));
	CHECK_EQ(memcmp((void *)site_getpid, ppid, sizeof(ppid)), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(f(), getppid());
	write_code((void *)site_getpid, pid, sizeof(pid));
	CHECK_EQ(memcmp((void *)site_getpid, pid, sizeof(pid)), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(f(), getpid());
}

/* A page just mapped: its code runs, then other code written there. */
static void check_new_page(void)
{
	static const unsigned char ppid[] = {0xb8, 110,	 0,    0,
					     0,	   0x0f, 0x05, 0xc3};
	static const unsigned char pid[] = {0xb8, 39,	0,    0,
					    0,	  0x0f, 0x05, 0xc3};
	unsigned char *page;
	long (*f)(void);

	for (int round = 0; round < 2; round++) {
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(page != MAP_FAILED);
		if (page == MAP_FAILED)
			return;
		f = (long (*)(void))(void *)page;
		memcpy(page, round ? ppid : pid, 8);
		CHECK_EQ(mprotect(page, 4096, PROT_READ | PROT_EXEC), 0);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(f(), round ? getppid() : getpid());
		write_code(page, round ? pid : ppid, 8);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(f(), round ? getpid() : getppid());
		CHECK_EQ(munmap(page, 4096), 0);
	}
	/* Writable and executable: never rewritten (it may be written). */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	if (page == MAP_FAILED)
		return;
	memcpy(page, pid, 8);
	f = (long (*)(void))(void *)page;
	for (int i = 0; i < 3; i++)
		CHECK_EQ(f(), getpid());
	CHECK_EQ(memcmp(page, pid, 8), 0);
	CHECK_EQ(munmap(page, 4096), 0);
}

static void *hammer(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 2000; i++)
		bad += site_getpid_threads() != getpid();
	return (void *)bad;
}

static void check_threads(void)
{
	pthread_t th[4];
	void *bad;

	for (int i = 0; i < 4; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(pthread_join(th[i], &bad), 0);
		CHECK_EQ((long)bad, 0);
	}
}

static void check_sigsys(void)
{
	sigset_t all, old;

	sigfillset(&all);
	CHECK_EQ(sigprocmask(SIG_SETMASK, &all, &old), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(site_getpid(), getpid());
	CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);

	sigs = 0;
	CHECK(signal(SIGSYS, on_sig) != SIG_ERR);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(site_getpid(), getpid());
	CHECK_EQ(sigs, 0);
	CHECK_EQ(raise(SIGSYS), 0);
	CHECK_EQ(sigs, 1);
	CHECK_EQ(site_getpid(), getpid());
	CHECK_EQ(sigs, 1);
	signal(SIGSYS, SIG_DFL);
}

/* With a gs base of the program's own, %gs reads its memory. */
static void check_gs(void)
{
	static uint64_t area[1024];
	uint64_t v, base = 0;

	area[0] = 0x1234567890abcdefULL;
	CHECK_EQ(site_getpid_gs(), getpid());
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_GS, area), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(site_getpid_gs(), getpid());
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	CHECK_EQ(v, area[0]);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &base), 0);
	CHECK_EQ(base, (uint64_t)(uintptr_t)area);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_GS, 0), 0);
	CHECK_EQ(site_getpid_gs(), getpid());
}

/*
 * Jump to target with %rsp zero and junk elsewhere: the getpid is made
 * and its `ret` faults, in a child, which must die of SIGSEGV.
 */
static void check_forged_jump(void *target)
{
	pid_t child = fork();
	int status;

	if (child == 0) {
		__asm__ volatile("mov %0, %%r15\n\t"
				 "mov $-1, %%rax\n\t"
				 "mov $-2, %%rbx\n\t"
				 "mov $-3, %%rcx\n\t"
				 "mov $-4, %%rdx\n\t"
				 "mov $-5, %%rsi\n\t"
				 "mov $-6, %%rdi\n\t"
				 "mov $-7, %%rbp\n\t"
				 "mov $-8, %%r8\n\t"
				 "mov $-9, %%r9\n\t"
				 "mov $-10, %%r10\n\t"
				 "mov $-11, %%r11\n\t"
				 "xor %%esp, %%esp\n\t"
				 "jmp *%%r15"
				 :
				 : "r"(target)
				 : "memory");
		_exit(1);
	}
	CHECK(child > 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

int main(void)
{
	void *hint;

	CHECK(((uintptr_t)site_page & 4095) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(site_getpid(), getpid());
		CHECK_EQ(site_getpid_forge(), getpid());
	}
	printf("sites rewritten: %s\n",
	       rewritten((void *)site_getpid) ? "yes" : "no");

	check_regs();
	check_restart(true);
	check_restart(false);
	check_fork();
	check_threads();
	check_sigsys();
	check_gs();
	check_new_page();

	/* The site, or what it jumps to now. */
	check_forged_jump((void *)site_getpid_forge);
	if (rewritten((void *)site_getpid_forge))
		check_forged_jump(jump_target((void *)site_getpid_forge));
	CHECK_EQ(site_getpid_forge(), getpid());

	/* A hint is a hint, wherever a platform keeps its own pages. */
	hint = mmap((void *)0x050f0000UL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hint != MAP_FAILED);
	if (hint != MAP_FAILED) {
		memset(hint, 1, 4096);
		CHECK_EQ(munmap(hint, 4096), 0);
	}

	check_own_code();
	return guest_done();
}
