// SPDX-License-Identifier: Apache-2.0
/*
 * The floor of the ptrace platform: the cost of one PTRACE_SYSEMU round
 * trip with the register traffic a syscall needs (wait, GETREGS, SETREGS
 * for the result, SYSEMU), measured on a child that loops on getppid.
 * Prints nanoseconds per round trip. Usage: bench_ptrace [N]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	struct user_regs_struct regs;
	struct timespec a, b;
	int status;
	pid_t pid;

	if (n <= 0)
		n = 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		for (;;)
			syscall(SYS_getppid);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return 1;
	ptrace(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	ptrace(PTRACE_SYSEMU, pid, 0, 0);
	waitpid(pid, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		ptrace(PTRACE_GETREGS, pid, 0, &regs);
		regs.rax = 1;
		ptrace(PTRACE_SETREGS, pid, 0, &regs);
		ptrace(PTRACE_SYSEMU, pid, 0, 0);
		waitpid(pid, &status, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 +
			  (double)(b.tv_nsec - a.tv_nsec)) /
			     (double)n);
	return 0;
}
