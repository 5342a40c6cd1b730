/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an application under --platform=kvm must not be able to do, each
 * delivered as the signal Linux delivers: hlt, in, out, cli, a mov to %cr3,
 * ud2, int3, int $0x80's neighbours without a gate, a read and a jump into
 * the ring-0 area (the top PML4 entry) and a read of an address the
 * application has not mapped. Runs natively and sandboxed alike; with
 * --kvm it also checks that it runs in a KVM guest (CPUID's hypervisor
 * leaf says "KVMKVMKVM").
 *
 * Exit 0 when every check passed, 1 otherwise.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;
static int failures;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(env, 1);
}

#define KAREA 0xffffff8000010000ULL /* the ring-0 code's page */

static void try(const char *what, void (*fn)(void), int sig, int code,
		int check_addr, uintptr_t addr)
{
	got_sig = got_code = 0;
	got_addr = 0;
	if (sigsetjmp(env, 1) == 0) {
		fn();
		printf("not ok - %s: no signal\n", what);
		failures++;
		return;
	}
	if (got_sig != sig || got_code != code ||
	    (check_addr && got_addr != addr)) {
		printf("not ok - %s: signal %d code %#x addr %#lx (want %d "
		       "%#x %#lx)\n",
		       what, got_sig, got_code, (unsigned long)got_addr, sig,
		       code, (unsigned long)addr);
		failures++;
		return;
	}
	printf("ok - %s: signal %d code %#x\n", what, sig, code);
}

static void do_hlt(void)
{
	__asm__ volatile("hlt");
}
static void do_in(void)
{
	__asm__ volatile("in $0x20, %%al" ::: "rax");
}
static void do_out(void)
{
	__asm__ volatile("out %%al, $0x20" ::: "memory");
}
static void do_cli(void)
{
	__asm__ volatile("cli");
}
static void do_cr3(void)
{
	__asm__ volatile("xor %%eax, %%eax; mov %%rax, %%cr3" ::: "rax");
}
static void do_ud2(void)
{
	__asm__ volatile("ud2");
}
static void do_int3(void)
{
	__asm__ volatile("int3");
}
static void do_int_0x81(void)
{
	__asm__ volatile("int $0x81");
}
static void do_kread(void)
{
	(void)*(volatile uint64_t *)KAREA;
}
static void do_kwrite(void)
{
	*(volatile uint64_t *)(KAREA + 0x1000) = 0;
}
static void do_kjump(void)
{
	((void (*)(void))KAREA)();
}
static void do_unmapped(void)
{
	(void)*(volatile uint64_t *)0x5a5a5000;
}

static int check_kvm(void)
{
	unsigned eax, ebx, ecx, edx;
	char sig[13];

	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	sig[12] = '\0';
	if (strcmp(sig, "KVMKVMKVM") != 0) {
		printf("not ok - runs in a KVM guest: hypervisor '%s'\n", sig);
		return 1;
	}
	printf("ok - runs in a KVM guest\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_sigaction = handler,
			       .sa_flags = SA_SIGINFO | SA_NODEFER};

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (argc > 1 && strcmp(argv[1], "--kvm") == 0)
		failures += check_kvm();
	/* Privileged instructions: #GP, SIGSEGV from the kernel. */
	try("hlt", do_hlt, SIGSEGV, SI_KERNEL, 1, 0);
	try("in", do_in, SIGSEGV, SI_KERNEL, 1, 0);
	try("out", do_out, SIGSEGV, SI_KERNEL, 1, 0);
	try("cli", do_cli, SIGSEGV, SI_KERNEL, 1, 0);
	try("mov to cr3", do_cr3, SIGSEGV, SI_KERNEL, 1, 0);
	try("int $0x81", do_int_0x81, SIGSEGV, SI_KERNEL, 1, 0);
	try("ud2", do_ud2, SIGILL, ILL_ILLOPN, 0, 0);
	try("int3", do_int3, SIGTRAP, SI_KERNEL, 0, 0);
	/* The ring-0 area is above the user half: not the application's. */
	try("read of the ring-0 area", do_kread, SIGSEGV, SEGV_MAPERR, 1,
	    KAREA);
	try("write of the ring-0 area", do_kwrite, SIGSEGV, SEGV_MAPERR, 1,
	    KAREA + 0x1000);
	try("jump into the ring-0 area", do_kjump, SIGSEGV, SEGV_MAPERR, 1,
	    KAREA);
	try("read of an unmapped page", do_unmapped, SIGSEGV, SEGV_MAPERR, 1,
	    0x5a5a5000);
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
