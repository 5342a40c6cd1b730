// SPDX-License-Identifier: Apache-2.0
/*
 * seccomp(2) and prctl(PR_SET_SECCOMP): the application's own filters.
 * Each case runs in a child of its own (a filter cannot be taken back):
 * the actions and their order, a trap's siginfo, kills and their wait
 * status, argument checks, inheritance over fork and exec, TSYNC, strict
 * mode, the checks on a program, EACCES without no_new_privs, and the
 * Seccomp lines of /proc/PID/status.
 */
#include "proc.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#define NR_OFF	 offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG0_OFF offsetof(struct seccomp_data, args[0])

static char self_path[] = "/proc/self/exe";

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog p = {.len = n, .filter = f};

	return SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p);
}

/* A filter: ret for syscall nr, any other call allowed (x86-64 only). */
static long filter_nr(long nr, uint32_t ret, unsigned flags)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, ret),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	return install(f, sizeof(f) / sizeof(f[0]), flags);
}

static void nnp(void)
{
	CHECK_EQ(SYS5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
}

/* The value of a "Name:\t<n>" line of /proc/self/task/TID/status. */
static long status_field(long tid, const char *name)
{
	char path[64], buf[4096], *p;
	long fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	fd = SYS2(SYS_open, path, 0);
	if (fd < 0)
		return -1000;
	n = SYS3(SYS_read, fd, buf, sizeof(buf) - 1);
	SYS1(SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, name);
	if (!p || p[strlen(name)] != ':')
		return -1001;
	return strtol(p + strlen(name) + 1, NULL, 10);
}

static void test_errno(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		nnp();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 1234, 0),
			 0);
		CHECK_ERR(SYS0(SYS_getppid), 1234);
		/* Above MAX_ERRNO it is cut to 4095. */
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 5000, 0),
			 0);
		CHECK_ERR(SYS0(SYS_getppid), 4095);
		/* The call is skipped: ERRNO 0 returns 0. */
		CHECK_EQ(filter_nr(SYS_getpid, SECCOMP_RET_ERRNO, 0), 0);
		CHECK_EQ(SYS0(SYS_getpid), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

/* Every filter runs; the most restrictive action wins, ties the newest. */
static void test_order(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		long ppid = SYS0(SYS_getppid);

		nnp();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_LOG, 0), 0);
		CHECK_EQ(SYS0(SYS_getppid), ppid);
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 11, 0), 0);
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 22, 0), 0);
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_TRACE, 0), 0);
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ALLOW, 0), 0);
		CHECK_ERR(SYS0(SYS_getppid), 22);
		/* No tracer, no listener: ENOSYS. */
		CHECK_EQ(filter_nr(SYS_getpgrp, SECCOMP_RET_TRACE | 5, 0), 0);
		CHECK_ERR(SYS0(SYS_getpgrp), ENOSYS);
		CHECK_EQ(filter_nr(SYS_getsid, SECCOMP_RET_USER_NOTIF, 0), 0);
		CHECK_ERR(SYS1(SYS_getsid, 0), ENOSYS);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

static volatile siginfo_t trap_info;
static volatile long trap_rax;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig;
	memcpy((void *)&trap_info, si, sizeof(*si));
	trap_rax = uc->uc_mcontext.gregs[REG_RAX];
	uc->uc_mcontext.gregs[REG_RAX] = 777; /* the call's value */
}

static void test_trap(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct sigaction sa = {0};
		const uint8_t *insn;

		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
		nnp();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_TRAP | 0x42, 0), 0);
		CHECK_EQ(SYS3(SYS_getppid, 1, 2, 3), 777);
		CHECK_EQ(trap_info.si_signo, SIGSYS);
		CHECK_EQ(trap_info.si_code, 1); /* SYS_SECCOMP */
		CHECK_EQ(trap_info.si_errno, 0x42);
		CHECK_EQ(trap_info.si_syscall, SYS_getppid);
		CHECK_EQ(trap_info.si_arch, AUDIT_ARCH_X86_64);
		/* The registers as the call found them: rax is its number. */
		CHECK_EQ(trap_rax, SYS_getppid);
		/* The address after the syscall instruction. */
		insn = (const uint8_t *)trap_info.si_call_addr;
		CHECK(insn && insn[-2] == 0x0f && insn[-1] == 0x05);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

/* The arguments: dup(99) is refused, dup of anything else is not. */
static void test_args(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct sock_filter f[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_dup, 0, 5),
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_OFF),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 99, 0, 3),
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_OFF + 4),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 7),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};

		nnp();
		CHECK_EQ(install(f, sizeof(f) / sizeof(f[0]), 0), 0);
		CHECK_ERR(SYS1(SYS_dup, 99), 7);
		CHECK_ERR(SYS1(SYS_dup, 98), EBADF);
		/* The upper half differs: allowed (dup sees fd 99). */
		CHECK_ERR(SYS1(SYS_dup, 0x100000063L), EBADF);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

static void *thread_getppid(void *arg)
{
	(void)arg;
	SYS0(SYS_getppid);
	_exit(102); /* not reached when killed */
}

/* The wait status of a child whose getppid meets action, from its only
 * thread or from a second one (the first then exits 5 if it can). */
static int kill_status(uint32_t action, bool in_thread)
{
	pid_t pid = spawn();
	pthread_t th;

	if (pid == 0) {
		no_core();
		nnp();
		filter_nr(SYS_getppid, action, 0);
		if (!in_thread) {
			SYS0(SYS_getppid);
			_exit(100);
		}
		if (pthread_create(&th, NULL, thread_getppid, NULL))
			_exit(101);
		pthread_join(th, NULL);
		_exit(5);
	}
	return reap(pid);
}

static void test_kill(void)
{
	CHECK_EQ(kill_status(SECCOMP_RET_KILL_PROCESS, false), KILLED(SIGSYS));
	/* KILL_THREAD of the only thread: the process, with SIGSYS. */
	CHECK_EQ(kill_status(SECCOMP_RET_KILL_THREAD, false), KILLED(SIGSYS));
	/* KILL_THREAD of one of two: that thread alone. */
	CHECK_EQ(kill_status(SECCOMP_RET_KILL_THREAD, true), EXITED(5));
	/* KILL_PROCESS from a second thread: the whole process. */
	CHECK_EQ(kill_status(SECCOMP_RET_KILL_PROCESS, true), KILLED(SIGSYS));
	/* An action Linux does not know kills the process. */
	CHECK_EQ(kill_status(0x00010000, false), KILLED(SIGSYS));
}

/* Filters go to children and through execve. */
static void test_inherit(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		pid_t c;
		char *argv[] = {self_path, "exec-check", NULL};

		nnp();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 33, 0), 0);
		c = spawn();
		if (c == 0) {
			CHECK_ERR(SYS0(SYS_getppid), 33);
			CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0),
				 2);
			child_exit();
		}
		CHECK_CHILD_OK(c);
		c = spawn();
		if (c == 0) {
			execve(self_path, argv, NULL);
			_exit(99);
		}
		CHECK_CHILD_OK(c);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

static int exec_check(void)
{
	CHECK_ERR(SYS0(SYS_getppid), 33);
	CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	CHECK_EQ(SYS5(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	CHECK_EQ(status_field(SYS0(SYS_gettid), "Seccomp"), 2);
	return guest_failures ? 1 : 0;
}

static volatile int th_tid, th_go, th_done;
static volatile long th_ret;

static void *thread_wait(void *arg)
{
	(void)arg;
	th_tid = (int)SYS0(SYS_gettid);
	if (th_go == 2) /* a filter of its own first */
		filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 55, 0);
	__atomic_store_n(&th_done, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&th_go, __ATOMIC_SEQ_CST) != 1 &&
	       __atomic_load_n(&th_go, __ATOMIC_SEQ_CST) != 3)
		sched_yield();
	th_ret = SYS0(SYS_getppid);
	return NULL;
}

static void wait_ready(void)
{
	while (!__atomic_load_n(&th_done, __ATOMIC_SEQ_CST))
		sched_yield();
}

static void test_tsync(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		pthread_t th;

		nnp();
		if (pthread_create(&th, NULL, thread_wait, NULL))
			_exit(101);
		wait_ready();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 44,
				   SECCOMP_FILTER_FLAG_TSYNC),
			 0);
		CHECK_EQ(status_field(th_tid, "Seccomp"), 2);
		__atomic_store_n(&th_go, 1, __ATOMIC_SEQ_CST);
		pthread_join(th, NULL);
		CHECK_ERR(th_ret, 44);
		child_exit();
	}
	CHECK_CHILD_OK(pid);

	/* A thread with a filter the caller lacks: its tid, or ESRCH. */
	pid = spawn();
	if (pid == 0) {
		pthread_t th;

		nnp();
		th_go = 2;
		if (pthread_create(&th, NULL, thread_wait, NULL))
			_exit(101);
		wait_ready();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 44,
				   SECCOMP_FILTER_FLAG_TSYNC),
			 th_tid);
		CHECK_ERR(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 44,
				    SECCOMP_FILTER_FLAG_TSYNC |
					SECCOMP_FILTER_FLAG_TSYNC_ESRCH),
			  ESRCH);
		/* Nothing was attached. */
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 0);
		__atomic_store_n(&th_go, 3, __ATOMIC_SEQ_CST);
		pthread_join(th, NULL);
		CHECK_ERR(th_ret, 55);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

static void test_strict(void)
{
	pid_t pid;
	int fds[2];

	CHECK_EQ(SYS2(SYS_pipe2, fds, 0), 0);
	/* read, write and exit work; nothing else. */
	pid = spawn();
	if (pid == 0) {
		char c = 0;

		if (SYS3(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0))
			_exit(101);
		if (SYS3(SYS_write, fds[1], "x", 1) != 1 ||
		    SYS3(SYS_read, fds[0], &c, 1) != 1 || c != 'x')
			SYS1(SYS_exit, 102);
		SYS1(SYS_exit, 7);
	}
	CHECK_EQ(reap(pid), EXITED(7));
	pid = spawn();
	if (pid == 0) {
		if (SYS3(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0))
			_exit(101);
		SYS0(SYS_getpid);
		SYS1(SYS_exit, 7);
	}
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
	/* Through prctl; even PR_GET_SECCOMP is not allowed then. */
	pid = spawn();
	if (pid == 0) {
		if (SYS5(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0,
			 0))
			_exit(101);
		SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
		SYS1(SYS_exit, 7);
	}
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
	SYS1(SYS_close, fds[0]);
	SYS1(SYS_close, fds[1]);
}

#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static void check_einval(struct sock_filter *f, unsigned short n, int line)
{
	long r = install(f, n, 0);

	guest_checks++;
	if (r != -EINVAL)
		guest_fail(__FILE__, line, "program: got %ld, want -EINVAL", r);
}

#define BAD(...)                                                               \
	do {                                                                   \
		struct sock_filter _f[] = {__VA_ARGS__};                       \
		check_einval(_f, sizeof(_f) / sizeof(_f[0]), __LINE__);        \
	} while (0)

static struct sock_filter big[4096];

/* What seccomp refuses of a program, and how it answers. */
static void test_invalid(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		struct sock_fprog p = {.len = 1, .filter = (void *)8};
		struct sock_filter ok[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 64, 1, 0),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		    BPF_STMT(BPF_ST, 3),
		    BPF_STMT(BPF_LDX | BPF_MEM, 3),
		    BPF_STMT(BPF_MISC | BPF_TXA, 0),
		    BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 2),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 32, 1, 0),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		    RET_ALLOW,
		};
		uint32_t action;

		nnp();
		CHECK_ERR(install(ok, 0, 0), EINVAL);
		for (int i = 0; i < 4096; i++)
			big[i] = (struct sock_filter)RET_ALLOW;
		CHECK_ERR(install(big, 4097 & 0xffff, 0), EINVAL);
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, 8),
			  EFAULT);
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p),
			  EFAULT);
		CHECK_ERR(install(ok, 10, 1U << 30), EINVAL);
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, 0),
			  EINVAL);
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, ok),
			  EINVAL);
		CHECK_ERR(SYS3(SYS_seccomp, 99, 0, 0), EINVAL);
		CHECK_ERR(SYS5(SYS_prctl, PR_SET_SECCOMP, 0, 0, 0, 0), EINVAL);

		/* No return last; unknown and non-seccomp opcodes. */
		BAD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF));
		BAD(BPF_STMT(0xffff, 0), RET_ALLOW);
		BAD(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, NR_OFF), RET_ALLOW);
		BAD(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NR_OFF), RET_ALLOW);
		BAD(BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_ALLOW);
		BAD(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET_ALLOW);
		BAD(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_ALLOW);
		/* Loads outside struct seccomp_data, or unaligned. */
		BAD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET_ALLOW);
		BAD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), RET_ALLOW);
		/* Jumps past the end. */
		BAD(BPF_STMT(BPF_JMP | BPF_JA, 1), RET_ALLOW);
		BAD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_ALLOW);
		BAD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET_ALLOW);
		/* Scratch memory read before written, or out of range. */
		BAD(BPF_STMT(BPF_LD | BPF_MEM, 0), RET_ALLOW);
		BAD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		    BPF_STMT(BPF_ST, 1), BPF_STMT(BPF_LDX | BPF_MEM, 1),
		    RET_ALLOW);
		BAD(BPF_STMT(BPF_ST, 16), RET_ALLOW);
		/* Constant division by 0, shifts of 32. */
		BAD(BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_ALLOW);
		BAD(BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_ALLOW);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 0);

		/* A good one: the length is 64, scratch memory works. */
		CHECK_EQ(install(ok, sizeof(ok) / sizeof(ok[0]), 0), 0);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 2);
		/* Filter mode cannot go back to strict. */
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, 0),
			  EINVAL);

		/* The actions this kernel knows. */
		action = SECCOMP_RET_KILL_PROCESS;
		CHECK_EQ(
		    SYS3(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action), 0);
		action = SECCOMP_RET_LOG;
		CHECK_EQ(
		    SYS3(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action), 0);
		action = 0x12340000;
		CHECK_ERR(
		    SYS3(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action),
		    EOPNOTSUPP);
		CHECK_ERR(
		    SYS3(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 1, &action),
		    EINVAL);
		CHECK_ERR(SYS3(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, 8),
			  EFAULT);

		/* At most 32768 instructions in a chain as Linux translates
		 * them (a return of a constant is 2, 3 more per program), 4
		 * more per filter: three of 4096 returns fit beside the
		 * first, not four. */
		for (int i = 0; i < 3; i++)
			CHECK_EQ(install(big, 4096, 0), 0);
		CHECK_ERR(install(big, 4096, 0), ENOMEM);
		CHECK_EQ(install(big, 100, 0), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

/* Without no_new_privs a filter needs CAP_SYS_ADMIN. */
static void test_eacces(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		if (SYS0(SYS_geteuid) == 0)
			CHECK_EQ(SYS3(SYS_setresuid, 65534, 65534, 65534), 0);
		CHECK_ERR(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 1, 0),
			  EACCES);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 0);
		nnp();
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 1, 0), 0);
		CHECK_ERR(SYS0(SYS_getppid), 1);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	/* Root (CAP_SYS_ADMIN) needs no no_new_privs. */
	if (SYS0(SYS_geteuid) != 0)
		return;
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 1, 0), 0);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

static void test_proc_status(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		long tid = SYS0(SYS_gettid);
		struct sock_filter allow[] = {RET_ALLOW};
		struct sock_fprog p = {.len = 1, .filter = allow};

		CHECK_EQ(status_field(tid, "Seccomp"), 0);
		CHECK_EQ(status_field(tid, "Seccomp_filters"), 0);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 0);
		nnp();
		CHECK_EQ(install(allow, 1, 0), 0);
		CHECK_EQ(SYS5(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
			      &p, 0, 0),
			 0);
		CHECK_EQ(status_field(tid, "Seccomp"), 2);
		CHECK_EQ(status_field(tid, "Seccomp_filters"), 2);
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0), 2);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-check") == 0)
		return exec_check();
	test_errno();
	test_order();
	test_trap();
	test_args();
	test_kill();
	test_inherit();
	test_tsync();
	test_strict();
	test_invalid();
	test_eacces();
	test_proc_status();
	return guest_done();
}
