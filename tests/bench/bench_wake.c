// SPDX-License-Identifier: Apache-2.0
/*
 * The pieces of a systrap round trip, measured on the host alone: a
 * native getppid, one trapped by seccomp (SECCOMP_RET_TRAP, a SIGSYS
 * handler that sets the result, rt_sigreturn), and a ping-pong between
 * two processes through a shared word, each side sleeping on a futex
 * (woken only when it sleeps), on any CPU, on one CPU, or on two,
 * without polling and polling first for up to 5 or 20 us as the systrap
 * platform does. Prints ns per call or per round trip.
 * Usage: bench_wake [N]
 */
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static double cycles_per_ns;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu < 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	else
		CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* w[0]: the turn; w[1 + side]: that side sleeps on w[0]. */
static void wait_turn(uint32_t *w, int side, uint32_t want, uint64_t budget)
{
	uint64_t t0 = __builtin_ia32_rdtsc();

	for (;;) {
		uint32_t v = __atomic_load_n(w, __ATOMIC_SEQ_CST);

		if (v == want)
			return;
		if (__builtin_ia32_rdtsc() - t0 < budget) {
			__builtin_ia32_pause();
			continue;
		}
		__atomic_store_n(&w[1 + side], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(w, __ATOMIC_SEQ_CST) == v)
			syscall(SYS_futex, w, FUTEX_WAIT, v, NULL, NULL, 0);
		__atomic_store_n(&w[1 + side], 0, __ATOMIC_SEQ_CST);
	}
}

static void give_turn(uint32_t *w, int side, uint32_t v)
{
	__atomic_store_n(w, v, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w[2 - side], __ATOMIC_SEQ_CST))
		syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static double pingpong(int cpu_a, int cpu_b, double spin_ns, long n)
{
	uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t budget = (uint64_t)(spin_ns * cycles_per_ns);
	double t0, t;
	pid_t pid;

	if (w == MAP_FAILED)
		return -1;
	pid = fork();
	if (pid == 0) {
		pin(cpu_b);
		for (long i = 0; i < n; i++) {
			wait_turn(w, 1, 2 * (uint32_t)i + 1, budget);
			give_turn(w, 1, 2 * (uint32_t)i + 2);
		}
		_exit(0);
	}
	pin(cpu_a);
	t0 = now();
	for (long i = 0; i < n; i++) {
		give_turn(w, 0, 2 * (uint32_t)i + 1);
		wait_turn(w, 0, 2 * (uint32_t)i + 2, budget);
	}
	t = (now() - t0) / (double)n;
	waitpid(pid, NULL, 0);
	munmap(w, 4096);
	pin(-1);
	return t;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_RAX] = 1;
}

/* getppid trapped to a SIGSYS handler, in a child (the filter stays). */
static double trapped(long n)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {4, f};
	struct sigaction sa = {.sa_sigaction = on_sigsys,
			       .sa_flags = SA_SIGINFO};
	double *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t = -1;
	pid_t pid;

	if (res == MAP_FAILED)
		return -1;
	*res = -1;
	pid = fork();
	if (pid == 0) {
		double t0;

		if (sigaction(SIGSYS, &sa, NULL) ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
			_exit(1);
		t0 = now();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		*res = (now() - t0) / (double)n;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	t = *res;
	munmap(res, 4096);
	return t;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	int two = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	uint64_t c0;
	double t0;

	if (n <= 0)
		n = 1;
	t0 = now();
	c0 = __builtin_ia32_rdtsc();
	usleep(20000);
	cycles_per_ns = (double)(__builtin_ia32_rdtsc() - c0) / (now() - t0);

	t0 = now();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("%-44s %8.0f ns\n", "getppid", (now() - t0) / (double)n);
	printf("%-44s %8.0f ns\n", "getppid trapped (SIGSYS, rt_sigreturn)",
	       trapped(n));
	for (int s = 0; s < 3; s++) {
		double spin = s == 0 ? 0 : s == 1 ? 5000 : 20000;
		char label[64];

		snprintf(label, sizeof(label),
			 "futex ping-pong, polling %2.0f us,", spin / 1000);
		printf("%s %-9s %8.0f ns\n", label, "any CPU",
		       pingpong(-1, -1, spin, n / 4));
		printf("%s %-9s %8.0f ns\n", label, "one CPU",
		       pingpong(0, 0, spin, spin ? n / 40 : n / 4));
		if (two)
			printf("%s %-9s %8.0f ns\n", label, "two CPUs",
			       pingpong(0, 1, spin, n / 4));
	}
	return 0;
}
