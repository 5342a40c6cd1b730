// SPDX-License-Identifier: Apache-2.0
/*
 * The vsyscall page, as Linux's default (vsyscall=xonly) has it: listed
 * in /proc/self/maps as an execute-only [vsyscall], its three entries
 * (gettimeofday at +0, time at +0x400, getcpu at +0x800) work as calls
 * and return to the caller, reading the page faults (SIGSEGV,
 * SEGV_MAPERR at its address), a call between entries and a bad pointer
 * get the kernel's SIGSEGV (SI_KERNEL; not EFAULT). A kernel booted with
 * vsyscall=none lists no page and faults every call: the checks follow what
 * maps says.
 */
#include "guest.h"

#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define VSYSCALL  0xffffffffff600000UL
#define REPORT_FD 100

typedef long (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static const gtod_fn vgtod = (gtod_fn)VSYSCALL;
static const time_fn vtime = (time_fn)(VSYSCALL + 0x400);
static const getcpu_fn vgetcpu = (getcpu_fn)(VSYSCALL + 0x800);

/* The [vsyscall] line's permissions ("--xp"), or "" without one. */
static void vsyscall_perms(char perms[5])
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 &&
		    strstr(line, "[vsyscall]")) {
			CHECK_EQ(lo, VSYSCALL);
			CHECK_EQ(hi, VSYSCALL + 4096);
			memcpy(perms, p, 5);
		}
	}
	fclose(f);
}

/* In the child: the fault's code and address to the parent, then out. */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	long got[2] = {si->si_code, (long)si->si_addr};

	(void)sig;
	(void)uc;
	if (write(REPORT_FD, got, sizeof(got)) != sizeof(got))
		_exit(43);
	_exit(42);
}

static long fault_code;
static uintptr_t fault_addr;

/* Run what in a child: 42 if it took SIGSEGV (its code and address in
 * fault_code and fault_addr), 0 if it returned, -1 on anything else. */
static int child_fault(void (*what)(void))
{
	int p[2], status;
	long got[2] = {-1, 0};
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;

		close(p[0]);
		dup2(p[1], REPORT_FD);
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		what();
		_exit(0);
	}
	close(p[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		close(p[0]);
		return -1;
	}
	if (read(p[0], got, sizeof(got)) != sizeof(got))
		got[0] = -1;
	close(p[0]);
	fault_code = got[0];
	fault_addr = (uintptr_t)got[1];
	return WEXITSTATUS(status);
}

static void read_page(void)
{
	(void)*(volatile unsigned char *)VSYSCALL;
}

static void call_between(void)
{
	((time_fn)(VSYSCALL + 0x100))(NULL);
}

static void time_bad_pointer(void)
{
	vtime((time_t *)8);
}

static void gtod_bad_pointer(void)
{
	vgtod((struct timeval *)8, NULL);
}

int main(void)
{
	char perms[5];
	struct timespec before, after;
	struct timeval tv;
	time_t t = 0, r;
	unsigned cpu = ~0u, node = ~0u;

	vsyscall_perms(perms);
	if (!perms[0]) { /* vsyscall=none: every use faults */
		CHECK_EQ(child_fault(read_page), 42);
		CHECK_EQ(child_fault(time_bad_pointer), 42);
		return guest_done();
	}
	CHECK(!strcmp(perms, "--xp"));

	/* Reading it faults where it is. */
	CHECK_EQ(child_fault(read_page), 42);
	CHECK_EQ(fault_code, SEGV_MAPERR);
	CHECK_EQ(fault_addr, VSYSCALL);

	/* time: the value, also stored; seconds agree with the clock. */
	clock_gettime(CLOCK_REALTIME, &before);
	r = vtime(&t);
	clock_gettime(CLOCK_REALTIME, &after);
	CHECK_EQ(r, t);
	CHECK(r >= before.tv_sec - 1 && r <= after.tv_sec);
	CHECK(vtime(NULL) >= r);

	/* gettimeofday: 0 and the time; NULLs are fine. */
	CHECK_EQ(vgtod(&tv, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &after);
	CHECK(tv.tv_sec >= before.tv_sec && tv.tv_sec <= after.tv_sec);
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	CHECK_EQ(vgtod(NULL, NULL), 0);

	/* getcpu: a CPU the process may run on. */
	CHECK_EQ(vgetcpu(&cpu, &node, NULL), 0);
	CHECK(cpu < 4096);
	CHECK_EQ(node, 0);

	/* Between the entries: SIGSEGV from the kernel, not a page fault. */
	CHECK_EQ(child_fault(call_between), 42);
	CHECK_EQ(fault_code, SI_KERNEL);

	/* A bad pointer: SIGSEGV, not EFAULT. */
	CHECK_EQ(child_fault(time_bad_pointer), 42);
	CHECK_EQ(fault_code, SI_KERNEL);
	CHECK_EQ(child_fault(gtod_bad_pointer), 42);
	CHECK_EQ(fault_code, SI_KERNEL);
	return guest_done();
}
