/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the process-model guest tests (fork, wait, exec, pgrp, cow):
 * children run checks of their own and report through their exit status,
 * which the parent checks.
 *
 * A child never returns from main or calls exit(3): it leaves with
 * child_exit() or _exit(2), so stdio buffers copied at fork are not
 * flushed twice.
 */
#ifndef MOAT_TESTS_PROC_H
#define MOAT_TESTS_PROC_H

#include "guest.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* fork(2) through libc; the child starts with no failures of its own.
 * Without a child the test cannot go on: it ends at once. */
static inline pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0)
		guest_failures = 0;
	return pid;
}

/* In a child: exit 0 when its checks passed, else the number failed. */
static inline void __attribute__((noreturn)) child_exit(void)
{
	_exit(guest_failures > 255 ? 255 : guest_failures);
}

/* Waits for pid (restarting after EINTR) and returns its raw status, or -1
 * (with a failure recorded) when wait4 does not return pid. */
static inline int reap_flags(pid_t pid, int flags)
{
	int status = -1;
	long r;

	do
		r = SYS4(SYS_wait4, pid, &status, flags, 0);
	while (r == -EINTR);
	if (r != pid) {
		guest_fail(__FILE__, __LINE__, "wait4(%d): got %ld, want %d",
			   (int)pid, r, (int)pid);
		return -1;
	}
	return status;
}

static inline int reap(pid_t pid)
{
	return reap_flags(pid, 0);
}

/* The raw status of a normal exit with code, and of a death by sig. */
#define EXITED(code) (((code)&0xff) << 8)
#define KILLED(sig)  (sig)

/* The child exited 0: all its checks passed. */
#define CHECK_CHILD_OK(pid) CHECK_EQ(reap(pid), EXITED(0))

/* No core file, whatever the core limit and core_pattern. */
static inline void no_core(void)
{
	struct rlimit rl = {0, 0};

	SYS2(SYS_setrlimit, RLIMIT_CORE, &rl);
	SYS5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Reads one byte from fd (0 on end of file), restarting after EINTR. */
static inline int get_byte(int fd)
{
	char c = 0;
	long r;

	do
		r = SYS3(SYS_read, fd, &c, 1);
	while (r == -EINTR);
	return r == 1 ? (unsigned char)c : r == 0 ? 0 : -1;
}

static inline void put_byte(int fd, char c)
{
	long r;

	do
		r = SYS3(SYS_write, fd, &c, 1);
	while (r == -EINTR);
	if (r != 1)
		guest_fail(__FILE__, __LINE__, "write(%d): %ld", fd, r);
}

/* A pipe; fails the test hard if none can be had. */
static inline void make_pipe(int p[2])
{
	if (SYS2(SYS_pipe2, p, 0) != 0) {
		fprintf(stderr, "pipe2 failed\n");
		exit(1);
	}
}

static inline void close2(int p[2])
{
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
}

/* Sleeps for ms milliseconds (never asserted on: only to let others run). */
static inline void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	SYS2(SYS_nanosleep, &ts, 0);
}

/*
 * After pthread_join: the thread's tid is cleared (waking the join) before
 * the kernel lets go of the thread, so its tid may still name it for a
 * moment. Waits (up to 2 s) until it does not.
 */
static inline void wait_thread_gone(long tid)
{
	long me = SYS0(SYS_getpid);

	for (int i = 0; i < 2000 && SYS3(SYS_tgkill, me, tid, 0) != -ESRCH; i++)
		nap(1);
}

/* The kernel's sigaction for x86-64, for exact reads of flags and mask. */
struct ksigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	unsigned long mask;
};

#define SIGBIT(sig) (1UL << ((sig)-1))

#endif
