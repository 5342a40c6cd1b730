// SPDX-License-Identifier: Apache-2.0
/*
 * wait4(2) and waitid(2): ECHILD when nothing can be waited for; WNOHANG;
 * which children each pid / idtype selects; the siginfo waitid fills in;
 * WNOWAIT; stop and continue reports; option checks; rusage; children
 * reaped by the kernel when SIGCHLD is ignored or SA_NOCLDWAIT is set;
 * orphans coming to a subreaper; P_PIDFD; __WCLONE children; a blocking
 * wait and a handled signal, with and without SA_RESTART.
 */
#include "proc.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

#define WAITID(type, id, si, opts) SYS5(SYS_waitid, type, id, si, opts, 0)

/* A child that waits for a byte (or end of file) on fd, then exits with
 * code. */
static pid_t waiter(int p[2], int code)
{
	pid_t pid = spawn();

	if (pid == 0) {
		SYS1(SYS_close, p[1]);
		get_byte(p[0]);
		_exit(code);
	}
	CHECK(pid > 0);
	return pid;
}

/* Checks the siginfo of a waitid that found pid in the given state. */
#define CHECK_SI(si, pid, code, status)                                        \
	do {                                                                   \
		CHECK_EQ((si).si_signo, SIGCHLD);                              \
		CHECK_EQ((si).si_errno, 0);                                    \
		CHECK_EQ((si).si_code, code);                                  \
		CHECK_EQ((si).si_pid, pid);                                    \
		CHECK_EQ((si).si_uid, SYS0(SYS_getuid));                       \
		CHECK_EQ((si).si_status, status);                              \
	} while (0)

/* Checks the siginfo of a waitid that found nothing ready. */
#define CHECK_SI_NONE(si)                                                      \
	do {                                                                   \
		CHECK_EQ((si).si_signo, 0);                                    \
		CHECK_EQ((si).si_code, 0);                                     \
		CHECK_EQ((si).si_pid, 0);                                      \
		CHECK_EQ((si).si_status, 0);                                   \
	} while (0)

static void test_echild(void)
{
	siginfo_t si;
	int st;

	CHECK_ERR(SYS4(SYS_wait4, -1, &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, WNOHANG, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, 0, &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, SYS0(SYS_getpid), &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -SYS0(SYS_getpgrp), &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, 0x3fffffff, &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -0x3fffffff, &st, 0, 0), ECHILD);
	/* -INT_MIN has no value: that pid is refused before anything. */
	CHECK_ERR(SYS4(SYS_wait4, INT_MIN, &st, 0, 0), ESRCH);
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, __WALL, 0), ECHILD);
	CHECK_ERR(WAITID(P_ALL, 0, &si, WEXITED), ECHILD);
	CHECK_ERR(WAITID(P_ALL, 0, &si, WEXITED | WNOHANG), ECHILD);
	CHECK_ERR(WAITID(P_ALL, 0, &si, WSTOPPED | WCONTINUED), ECHILD);
	CHECK_ERR(WAITID(P_PID, SYS0(SYS_getpid), &si, WEXITED), ECHILD);
	CHECK_ERR(WAITID(P_PGID, 0, &si, WEXITED), ECHILD);
	/* No child, so the result buffer may be anything. */
	CHECK_ERR(WAITID(P_ALL, 0, 0, WEXITED), ECHILD);
}

static void test_wnohang(void)
{
	siginfo_t si;
	int p[2], st = 0x5a5a;
	pid_t pid;

	make_pipe(p);
	pid = waiter(p, 3);
	/* Running: 0, and the status word is left alone. */
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), 0);
	CHECK_EQ(SYS4(SYS_wait4, -1, &st, WNOHANG, 0), 0);
	CHECK_EQ(SYS4(SYS_wait4, 0, &st, WNOHANG | WUNTRACED | WCONTINUED, 0),
		 0);
	CHECK_EQ(st, 0x5a5a);
	/* waitid clears the siginfo it hands back. */
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WEXITED | WNOHANG), 0);
	CHECK_SI_NONE(si);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG), 0);
	CHECK_SI_NONE(si);
	put_byte(p[1], 'x');
	CHECK_EQ(reap(pid), EXITED(3));
	close2(p);
}

static void test_any(void)
{
	pid_t pids[3];
	int seen[3] = {0}, st;

	for (int i = 0; i < 3; i++) {
		pids[i] = spawn();
		if (pids[i] == 0)
			_exit(11 + i);
	}
	for (int n = 0; n < 3; n++) {
		long r = SYS4(SYS_wait4, -1, &st, 0, 0);
		int i;

		for (i = 0; i < 3 && pids[i] != r; i++)
			;
		CHECK(i < 3);
		if (i == 3)
			continue;
		CHECK_EQ(seen[i]++, 0);
		CHECK_EQ(st, EXITED(11 + i));
	}
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, 0, 0), ECHILD);
}

static void test_not_ours(void)
{
	int up[2], down[2], st;
	long gpid = 0;
	siginfo_t si;
	pid_t pid;

	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		SYS1(SYS_close, down[1]);
		pid_t g = spawn();

		if (g == 0) {
			get_byte(down[0]);
			_exit(9);
		}
		gpid = g;
		CHECK_EQ(SYS3(SYS_write, up[1], &gpid, sizeof(gpid)),
			 sizeof(gpid));
		get_byte(down[0]);
		CHECK_EQ(reap(g), EXITED(9));
		child_exit();
	}
	SYS1(SYS_close, down[0]);
	SYS1(SYS_close, up[1]);
	CHECK_EQ(SYS3(SYS_read, up[0], &gpid, sizeof(gpid)), sizeof(gpid));
	/* A grandchild is not ours to wait for, even blocking. */
	CHECK_ERR(SYS4(SYS_wait4, gpid, &st, WNOHANG, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, gpid, &st, 0, 0), ECHILD);
	CHECK_ERR(WAITID(P_PID, gpid, &si, WEXITED), ECHILD);
	SYS1(SYS_close, down[1]);
	CHECK_CHILD_OK(pid);
	SYS1(SYS_close, up[0]);
	/* Nor is a child already reaped. */
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, 0, 0), ECHILD);
}

static void test_waitid(void)
{
	struct rusage ru;
	siginfo_t si;
	int p[2];
	pid_t pid, other;

	/* P_ALL, with rusage. */
	pid = spawn();
	if (pid == 0)
		_exit(21);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(SYS5(SYS_waitid, P_ALL, 12345, &si, WEXITED, &ru), 0);
	CHECK_SI(si, pid, CLD_EXITED, 21);
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED), ECHILD);

	/* P_PID, killed. */
	pid = spawn();
	if (pid == 0) {
		for (;;)
			SYS0(SYS_pause);
	}
	CHECK_EQ(SYS2(SYS_kill, pid, SIGTERM), 0);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WEXITED), 0);
	CHECK_SI(si, pid, CLD_KILLED, SIGTERM);

	/* P_PGID: a child in a group of its own. */
	make_pipe(p);
	pid = waiter(p, 22);
	CHECK_EQ(SYS2(SYS_setpgid, pid, pid), 0);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PGID, pid, &si, WEXITED | WNOHANG), 0);
	CHECK_SI_NONE(si);
	/* It is not in our group: P_PGID 0 and wait4(0) do not see it. */
	CHECK_ERR(WAITID(P_PGID, 0, &si, WEXITED | WNOHANG), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, 0, 0, WNOHANG, 0), ECHILD);
	CHECK_EQ(SYS4(SYS_wait4, -pid, 0, WNOHANG, 0), 0);
	/* A child in our group is seen by P_PGID 0 and wait4(0). */
	other = spawn();
	if (other == 0)
		_exit(23);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PGID, 0, &si, WEXITED), 0);
	CHECK_SI(si, other, CLD_EXITED, 23);
	put_byte(p[1], 'x');
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PGID, pid, &si, WEXITED), 0);
	CHECK_SI(si, pid, CLD_EXITED, 22);
	close2(p);
	other = spawn();
	if (other == 0)
		_exit(24);
	{
		int st = 0;

		CHECK_EQ(SYS4(SYS_wait4, 0, &st, 0, 0), other);
		CHECK_EQ(st, EXITED(24));
	}
	CHECK_ERR(WAITID(P_ALL, 0, &si, WEXITED), ECHILD);

	/* The id checks. */
	CHECK_ERR(WAITID(P_PID, 0, &si, WEXITED), EINVAL);
	CHECK_ERR(WAITID(P_PID, -1, &si, WEXITED), EINVAL);
	CHECK_ERR(WAITID(P_PGID, -1, &si, WEXITED), EINVAL);
	CHECK_ERR(WAITID(P_PIDFD, -1, &si, WEXITED), EINVAL);
	CHECK_ERR(WAITID(4, 0, &si, WEXITED), EINVAL);
	CHECK_ERR(WAITID(-1, 0, &si, WEXITED), EINVAL);
}

static void test_wnowait(void)
{
	siginfo_t si;
	int st;
	pid_t pid;

	pid = spawn();
	if (pid == 0)
		_exit(31);
	/* Seen as often as asked, left to be waited for. */
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	CHECK_SI(si, pid, CLD_EXITED, 31);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_ALL, 0, &si, WEXITED | WNOWAIT | WNOHANG), 0);
	CHECK_SI(si, pid, CLD_EXITED, 31);

	/* With a zombie there, the option checks still come first. */
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WNOWAIT, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WEXITED, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, 0x10, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, 0x10000, 0), EINVAL);
	CHECK_ERR(WAITID(P_PID, pid, &si, 0), EINVAL);
	CHECK_ERR(WAITID(P_PID, pid, &si, WNOHANG), EINVAL);
	CHECK_ERR(WAITID(P_PID, pid, &si, WNOWAIT), EINVAL);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED | 0x10), EINVAL);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED | 0x10000), EINVAL);
	CHECK_ERR(WAITID(P_ALL, 0, &si, WEXITED | 0x100), EINVAL);
	CHECK_ERR(WAITID(99, 0, &si, 0), EINVAL);

	CHECK_EQ(reap(pid), EXITED(31));
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED | WNOWAIT), ECHILD);
}

static void test_stop_continue(void)
{
	siginfo_t si;
	int st;
	pid_t pid;

	pid = spawn();
	if (pid == 0) {
		for (;;)
			SYS0(SYS_pause);
	}
	CHECK_EQ(SYS2(SYS_kill, pid, SIGSTOP), 0);
	st = 0;
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WUNTRACED, 0), pid);
	CHECK(WIFSTOPPED(st));
	CHECK(!WIFEXITED(st));
	CHECK(!WIFSIGNALED(st));
	CHECK_EQ(WSTOPSIG(st), SIGSTOP);
	CHECK_EQ(st, 0x137f);
	/* Reported once; never without WUNTRACED. */
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WUNTRACED | WNOHANG, 0), 0);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), 0);

	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	st = 0;
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WCONTINUED, 0), pid);
	CHECK(WIFCONTINUED(st));
	CHECK(!WIFSTOPPED(st));
	CHECK_EQ(st, 0xffff);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WCONTINUED | WNOHANG, 0), 0);

	/* The same through waitid, with WNOWAIT leaving the report. */
	CHECK_EQ(SYS2(SYS_kill, pid, SIGSTOP), 0);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WSTOPPED | WNOWAIT), 0);
	CHECK_SI(si, pid, CLD_STOPPED, SIGSTOP);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_ALL, 0, &si, WSTOPPED | WEXITED), 0);
	CHECK_SI(si, pid, CLD_STOPPED, SIGSTOP);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WSTOPPED | WNOHANG), 0);
	CHECK_SI_NONE(si);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_PID, pid, &si, WCONTINUED), 0);
	CHECK_SI(si, pid, CLD_CONTINUED, SIGCONT);

	/* Killed while stopped. */
	CHECK_EQ(SYS2(SYS_kill, pid, SIGSTOP), 0);
	CHECK_EQ(reap_flags(pid, WUNTRACED), 0x137f);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGKILL), 0);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
}

static void test_rusage(void)
{
	struct rusage ru;
	int st = 0;
	pid_t pid;

	pid = spawn();
	if (pid == 0) {
		size_t len = 10 << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(2);
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
		_exit(0);
	}
	memset(&ru, 0xff, sizeof(ru));
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, 0, &ru), pid);
	CHECK_EQ(st, EXITED(0));
	/* The child's peak covers what it touched (10 MiB: the kernel's
	 * per-cpu rss counts may lag a little). */
	CHECK(ru.ru_maxrss >= 8 * 1024);
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK(ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000);

	/* A status the kernel cannot store: EFAULT, the child reaped all
	 * the same. */
	pid = spawn();
	if (pid == 0)
		_exit(1);
	CHECK_ERR(SYS4(SYS_wait4, pid, 8, 0, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), ECHILD);
	/* So with the rusage. */
	pid = spawn();
	if (pid == 0)
		_exit(1);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, 0, 8), EFAULT);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), ECHILD);
}

static volatile int chld_hits;

static void on_chld(int sig)
{
	(void)sig;
	chld_hits++;
}

static void test_autoreap(void)
{
	struct sigaction sa = {0}, old;
	siginfo_t si;
	int p[2], st;
	pid_t pid;

	/* SIGCHLD ignored: children are reaped as they exit. */
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGCHLD, &sa, &old), 0);
	make_pipe(p);
	pid = waiter(p, 0);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), 0);
	SYS1(SYS_close, p[1]);
	/* A blocking wait returns when the last child has gone. */
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, 0, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, WNOHANG, 0), ECHILD);
	SYS1(SYS_close, p[0]);
	pid = spawn();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, 0, 0), ECHILD);
	CHECK_ERR(WAITID(P_ALL, 0, &si, WEXITED), ECHILD);

	/* SA_NOCLDWAIT with a handler: reaped too, and SIGCHLD still
	 * sent. */
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDWAIT;
	CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
	chld_hits = 0;
	make_pipe(p);
	pid = waiter(p, 0);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), 0);
	SYS1(SYS_close, p[1]);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, 0, 0), ECHILD);
	CHECK_EQ(chld_hits, 1);
	SYS1(SYS_close, p[0]);

	/* SA_NOCLDWAIT with SIG_DFL. */
	sa.sa_handler = SIG_DFL;
	CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
	pid = spawn();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED), ECHILD);

	CHECK_EQ(sigaction(SIGCHLD, &old, NULL), 0);
	/* Waitable again. */
	pid = spawn();
	if (pid == 0)
		_exit(4);
	CHECK_EQ(reap(pid), EXITED(4));
}

static void test_subreaper(void)
{
	int up[2], down[2], v = -1;
	long gpid = 0, gppid = 0, me = SYS0(SYS_getpid);
	pid_t pid;

	CHECK_EQ(SYS5(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	CHECK_EQ(SYS5(SYS_prctl, PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0), 0);
	CHECK_EQ(v, 1);
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		pid_t g;

		/* Not inherited. */
		v = -1;
		CHECK_EQ(SYS5(SYS_prctl, PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0),
			 0);
		CHECK_EQ(v, 0);
		g = spawn();
		if (g == 0) {
			long ppid;

			/* Told once its parent has gone. */
			get_byte(down[0]);
			ppid = SYS0(SYS_getppid);
			SYS3(SYS_write, up[1], &ppid, sizeof(ppid));
			_exit(17);
		}
		gpid = g;
		SYS3(SYS_write, up[1], &gpid, sizeof(gpid));
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, up[0], &gpid, sizeof(gpid)), sizeof(gpid));
	CHECK_CHILD_OK(pid);
	/* The orphan is ours now. */
	put_byte(down[1], 'x');
	CHECK_EQ(SYS3(SYS_read, up[0], &gppid, sizeof(gppid)), sizeof(gppid));
	CHECK_EQ(gppid, me);
	CHECK_EQ(reap((pid_t)gpid), EXITED(17));
	close2(up);
	close2(down);
	CHECK_EQ(SYS5(SYS_prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
}

static void test_pidfd(void)
{
	siginfo_t si;
	int p[2];
	long fd, nb, self;
	pid_t pid;

	make_pipe(p);
	pid = waiter(p, 41);
	fd = SYS2(SYS_pidfd_open, pid, 0);
	CHECK(fd >= 0);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
	memset(&si, 0xa5, sizeof(si));
	CHECK_EQ(WAITID(P_PIDFD, fd, &si, WEXITED | WNOHANG), 0);
	CHECK_SI_NONE(si);
	/* A non-blocking pidfd makes waitid say EAGAIN rather than wait. */
	nb = SYS2(SYS_pidfd_open, pid, PIDFD_NONBLOCK);
	CHECK(nb >= 0);
	CHECK_EQ(SYS2(SYS_fcntl, nb, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_ERR(WAITID(P_PIDFD, nb, &si, WEXITED), EAGAIN);
	put_byte(p[1], 'x');
	memset(&si, 0, sizeof(si));
	CHECK_EQ(WAITID(P_PIDFD, fd, &si, WEXITED), 0);
	CHECK_SI(si, pid, CLD_EXITED, 41);
	CHECK_ERR(WAITID(P_PIDFD, fd, &si, WEXITED), ECHILD);
	CHECK_ERR(WAITID(P_PIDFD, nb, &si, WEXITED), ECHILD);
	SYS1(SYS_close, fd);
	SYS1(SYS_close, nb);
	/* Reaped: no such process. */
	CHECK_ERR(SYS2(SYS_pidfd_open, pid, 0), ESRCH);

	/* Our own process: a pidfd, but not a child. */
	self = SYS2(SYS_pidfd_open, SYS0(SYS_getpid), 0);
	CHECK(self >= 0);
	CHECK_ERR(WAITID(P_PIDFD, self, &si, WEXITED | WNOHANG), ECHILD);
	SYS1(SYS_close, self);

	CHECK_ERR(SYS2(SYS_pidfd_open, SYS0(SYS_getpid), 1), EINVAL);
	CHECK_ERR(SYS2(SYS_pidfd_open, 0, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_pidfd_open, -1, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_pidfd_open, 0x3fffffff, 0), ESRCH);
	/* Not a pidfd, not a file. */
	CHECK_ERR(WAITID(P_PIDFD, p[0], &si, WEXITED), EBADF);
	CHECK_ERR(WAITID(P_PIDFD, 1000000, &si, WEXITED), EBADF);
	close2(p);
}

/* A child with no exit signal is a "clone" child: __WCLONE or __WALL. */
static void test_wclone(void)
{
	siginfo_t si;
	int p[2], st = 0;
	long pid;

	make_pipe(p);
	pid = guest_syscall(SYS_clone, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		get_byte(p[0]);
		SYS1(SYS_exit_group, 61);
	}
	CHECK(pid > 0);
	if (pid < 0) {
		close2(p);
		return;
	}
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WNOHANG, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, WNOHANG, 0), ECHILD);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED | WNOHANG), ECHILD);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG | __WCLONE, 0), 0);
	CHECK_EQ(SYS4(SYS_wait4, -1, &st, WNOHANG | __WALL, 0), 0);
	CHECK_EQ(WAITID(P_PID, pid, &si, WEXITED | WNOHANG | __WALL), 0);
	put_byte(p[1], 'x');
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, __WALL, 0), pid);
	CHECK_EQ(st, EXITED(61));

	/* ...and an ordinary child is not one. */
	pid = waiter(p, 62);
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, WNOHANG | __WCLONE, 0), ECHILD);
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WNOHANG | __WALL, 0), 0);
	put_byte(p[1], 'x');
	CHECK_EQ(reap_flags(pid, __WALL), EXITED(62));
	close2(p);
}

static volatile int usr1_hits;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
}

static void test_interrupted(void)
{
	struct sigaction sa = {0}, old;
	siginfo_t si;
	int p[2], st = 0;
	long me = SYS0(SYS_getpid);
	pid_t pid;

	/* SA_RESTART: the wait goes on and reaps the child. */
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGUSR1, &sa, &old), 0);
	usr1_hits = 0;
	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		get_byte(p[0]);
		for (int i = 0; i < 3; i++) {
			nap(10);
			SYS2(SYS_kill, me, SIGUSR1);
		}
		_exit(51);
	}
	put_byte(p[1], 'x');
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, 0, 0), pid);
	CHECK_EQ(st, EXITED(51));
	CHECK(usr1_hits >= 1);

	/* Without it: EINTR. The child signals until told to stop, so one
	 * signal comes while the wait blocks. */
	sa.sa_flags = 0;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	usr1_hits = 0;
	pid = spawn();
	if (pid == 0) {
		char c;

		SYS3(SYS_fcntl, p[0], F_SETFL, O_NONBLOCK);
		while (SYS3(SYS_read, p[0], &c, 1) != 1) {
			SYS2(SYS_kill, me, SIGUSR1);
			nap(5);
		}
		_exit(52);
	}
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, 0, 0), EINTR);
	CHECK(usr1_hits >= 1);
	CHECK_ERR(WAITID(P_PID, pid, &si, WEXITED), EINTR);
	put_byte(p[1], 'x');
	CHECK_EQ(reap(pid), EXITED(52));
	close2(p);
	sigaction(SIGUSR1, &old, NULL);
}

/*
 * SIGCONT cancels a stop signal still pending (prepare_signal): a child
 * that had SIGTSTP blocked when SIGTSTP and then SIGCONT came never
 * stops once it unblocks it; a stop signal likewise cancels a pending
 * SIGCONT.
 */
static void test_cont_cancels_stop(void)
{
	int up[2], down[2], st;
	pid_t pid;

	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		sigset_t set, pending;

		sigemptyset(&set);
		sigaddset(&set, SIGTSTP);
		sigaddset(&set, SIGCONT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		put_byte(up[1], 'b');
		/* The parent sends SIGTSTP, then SIGCONT. */
		get_byte(down[0]);
		sigpending(&pending);
		CHECK(!sigismember(&pending, SIGTSTP));
		CHECK(sigismember(&pending, SIGCONT));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'b');
	CHECK_EQ(SYS2(SYS_kill, pid, SIGTSTP), 0);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	put_byte(down[1], 'g');
	/* It exits, never reported stopped. */
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, WUNTRACED, 0), pid);
	CHECK_EQ(st, EXITED(0));
	close2(up);
	close2(down);

	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		sigset_t set, pending;

		sigemptyset(&set);
		sigaddset(&set, SIGCONT);
		sigaddset(&set, SIGTSTP);
		sigprocmask(SIG_BLOCK, &set, NULL);
		put_byte(up[1], 'b');
		get_byte(down[0]);
		sigpending(&pending);
		CHECK(sigismember(&pending, SIGTSTP));
		CHECK(!sigismember(&pending, SIGCONT));
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'b');
	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGTSTP), 0);
	put_byte(down[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(up);
	close2(down);
}

int main(void)
{
	test_echild();
	test_wnohang();
	test_any();
	test_not_ours();
	test_waitid();
	test_wnowait();
	test_stop_continue();
	test_cont_cancels_stop();
	test_rusage();
	test_autoreap();
	test_subreaper();
	test_pidfd();
	test_wclone();
	test_interrupted();
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, __WALL | WNOHANG, 0), ECHILD);
	return guest_done();
}
