// SPDX-License-Identifier: Apache-2.0
/*
 * fork(2), clone(2), clone3(2) and vfork(2): the values returned in parent
 * and child; exit statuses and deaths by signal as wait4 reports them;
 * what the child shares (open file descriptions, pipes) and inherits
 * (dispositions, the mask, not pending signals); SIGCHLD with its siginfo;
 * a thousand children; CLONE_*_SETTID stores in whose memory; CLONE_PIDFD;
 * vfork suspending the parent and sharing its memory, with and without an
 * execve.
 *
 * Invoked as "fork exit-with N" it exits with N (for vfork + execve).
 */
#include "proc.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>

extern char **environ;

static void test_basic(void)
{
	long parent = SYS0(SYS_getpid);
	long seen = 0;
	int p[2];
	pid_t pid;

	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		long me = SYS0(SYS_getpid);

		CHECK(me > 0);
		CHECK(me != parent);
		CHECK_EQ(SYS0(SYS_getppid), parent);
		/* A new process: its one thread's tid is its pid. */
		CHECK_EQ(SYS0(SYS_gettid), me);
		CHECK_EQ(SYS3(SYS_write, p[1], &me, sizeof(me)), sizeof(me));
		child_exit();
	}
	CHECK(pid > 0);
	CHECK(pid != parent);
	CHECK_EQ(SYS3(SYS_read, p[0], &seen, sizeof(seen)), sizeof(seen));
	/* fork returned the child's own pid. */
	CHECK_EQ(seen, pid);
	CHECK_CHILD_OK(pid);
	/* The parent is unchanged. */
	CHECK_EQ(SYS0(SYS_getpid), parent);
	close2(p);

	/* The raw fork syscall: 0 in the child, its pid in the parent. */
	pid = (pid_t)SYS0(SYS_fork);
	if (pid == 0) {
		if (SYS0(SYS_getppid) != parent)
			SYS1(SYS_exit_group, 10);
		SYS1(SYS_exit_group, 3);
	}
	CHECK(pid > 0);
	CHECK_EQ(reap(pid), EXITED(3));
}

static void test_exit_status(void)
{
	static const int codes[] = {0, 1, 2, 127, 128, 255};
	pid_t pid;

	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pid = spawn();
		if (pid == 0)
			_exit(codes[i]);
		int st = reap(pid);
		CHECK(WIFEXITED(st));
		CHECK(!WIFSIGNALED(st));
		CHECK_EQ(WEXITSTATUS(st), codes[i]);
		CHECK_EQ(st, EXITED(codes[i]));
	}
	/* Only the low 8 bits of the code are kept. */
	pid = spawn();
	if (pid == 0)
		SYS1(SYS_exit_group, 256);
	CHECK_EQ(reap(pid), EXITED(0));
	pid = spawn();
	if (pid == 0)
		SYS1(SYS_exit_group, 0x1234);
	CHECK_EQ(reap(pid), 0x3400);
	pid = spawn();
	if (pid == 0)
		SYS1(SYS_exit_group, -1);
	CHECK_EQ(reap(pid), EXITED(255));
	/* exit (not exit_group) by the only thread ends the process. */
	pid = spawn();
	if (pid == 0)
		SYS1(SYS_exit, 42);
	CHECK_EQ(reap(pid), EXITED(42));
}

static int *volatile null_ptr;

static void test_killed(void)
{
	pid_t pid;
	int st;

	/* SIGKILL to itself. */
	pid = spawn();
	if (pid == 0) {
		SYS2(SYS_kill, SYS0(SYS_getpid), SIGKILL);
		_exit(1);
	}
	st = reap(pid);
	CHECK(WIFSIGNALED(st));
	CHECK(!WIFEXITED(st));
	CHECK_EQ(WTERMSIG(st), SIGKILL);
	CHECK(!WCOREDUMP(st));
	CHECK_EQ(st, KILLED(SIGKILL));

	/* SIGTERM from the parent to a child waiting in pause. */
	pid = spawn();
	if (pid == 0) {
		for (;;)
			SYS0(SYS_pause);
	}
	CHECK_EQ(SYS2(SYS_kill, pid, SIGTERM), 0);
	st = reap(pid);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ(WTERMSIG(st), SIGTERM);
	CHECK_EQ(st, KILLED(SIGTERM));

	/* A write through NULL: SIGSEGV, and no core with no core allowed. */
	pid = spawn();
	if (pid == 0) {
		no_core();
		*null_ptr = 1;
		_exit(1);
	}
	st = reap(pid);
	CHECK(WIFSIGNALED(st));
	CHECK_EQ(WTERMSIG(st), SIGSEGV);
	CHECK(!WCOREDUMP(st));
	CHECK_EQ(st, KILLED(SIGSEGV));
}

static void test_shared_offset(void)
{
	char path[] = "/tmp/moat-fork-XXXXXX";
	char buf[32];
	int fd = mkstemp(path);
	pid_t pid;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(SYS1(SYS_unlink, path), 0);

	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 0);
		CHECK_EQ(SYS3(SYS_write, fd, "0123456789", 10), 10);
		/* Status flags live in the shared open file description... */
		CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETFL, O_APPEND), 0);
		/* ...the close-on-exec flag in the child's own table. */
		CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 10);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFL) & (O_APPEND | O_ACCMODE),
		 O_APPEND | O_RDWR);
	CHECK_EQ(SYS2(SYS_fcntl, fd, F_GETFD), 0);

	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETFL, 0), 0);
	CHECK_EQ(SYS3(SYS_write, fd, "abcde", 5), 5);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 15);
		CHECK_EQ(SYS4(SYS_pread64, fd, buf, sizeof(buf), 0), 15);
		CHECK(memcmp(buf, "0123456789abcde", 15) == 0);
		CHECK_EQ(SYS3(SYS_lseek, fd, 3, SEEK_SET), 3);
		/* Closing the child's copy leaves the parent's open. */
		CHECK_EQ(SYS1(SYS_close, fd), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), 3);
	CHECK_EQ(SYS3(SYS_read, fd, buf, 4), 4);
	CHECK(memcmp(buf, "3456", 4) == 0);
	CHECK_EQ(SYS1(SYS_close, fd), 0);
}

static void test_pipe(void)
{
	int down[2], up[2];
	char buf[16];
	pid_t pid;

	make_pipe(down);
	make_pipe(up);
	pid = spawn();
	if (pid == 0) {
		SYS1(SYS_close, down[1]);
		SYS1(SYS_close, up[0]);
		CHECK_EQ(SYS3(SYS_read, down[0], buf, sizeof(buf)), 4);
		CHECK(memcmp(buf, "ping", 4) == 0);
		CHECK_EQ(SYS3(SYS_write, up[1], "pong", 4), 4);
		/* The parent closes its end: end of file. */
		CHECK_EQ(SYS3(SYS_read, down[0], buf, sizeof(buf)), 0);
		child_exit();
	}
	SYS1(SYS_close, down[0]);
	SYS1(SYS_close, up[1]);
	CHECK_EQ(SYS3(SYS_write, down[1], "ping", 4), 4);
	CHECK_EQ(SYS3(SYS_read, up[0], buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "pong", 4) == 0);
	SYS1(SYS_close, down[1]);
	/* The child's write end closes when it exits. */
	CHECK_EQ(SYS3(SYS_read, up[0], buf, sizeof(buf)), 0);
	CHECK_CHILD_OK(pid);
	SYS1(SYS_close, up[0]);
}

static volatile int usr1_hits;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
}

static unsigned long get_mask(void)
{
	unsigned long m = 0;

	SYS4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &m, 8);
	return m;
}

static unsigned long get_pending(void)
{
	unsigned long m = 0;

	SYS2(SYS_rt_sigpending, &m, 8);
	return m;
}

static void test_signal_inherit(void)
{
	struct sigaction sa = {0}, old1, old2;
	struct ksigaction k;
	unsigned long mask, block = SIGBIT(SIGUSR1) | SIGBIT(SIGINT);
	pid_t pid;

	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK_EQ(sigaction(SIGUSR1, &sa, &old1), 0);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	CHECK_EQ(sigaction(SIGUSR2, &sa, &old2), 0);

	/* SIGUSR1 pending in the parent, SIGUSR1 and SIGINT blocked. */
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, 8), 0);
	usr1_hits = 0;
	CHECK_EQ(SYS2(SYS_kill, SYS0(SYS_getpid), SIGUSR1), 0);
	CHECK(get_pending() & SIGBIT(SIGUSR1));
	mask = get_mask();
	CHECK_EQ(mask & block, block);

	pid = spawn();
	if (pid == 0) {
		/* The dispositions are the parent's. */
		CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, 0, &k, 8), 0);
		CHECK_EQ(k.handler, (unsigned long)on_usr1);
		CHECK(k.flags & SA_RESTART);
		CHECK_EQ(k.mask, SIGBIT(SIGUSR2));
		CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, 0, &k, 8), 0);
		CHECK_EQ(k.handler, (unsigned long)SIG_IGN);
		/* The mask is the parent's; nothing is pending. */
		CHECK_EQ(get_mask(), mask);
		CHECK_EQ(get_pending(), 0);
		/* Unblocking delivers nothing... */
		CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, 0, 8),
			 0);
		CHECK_EQ(usr1_hits, 0);
		/* ...a new SIGUSR1 runs the inherited handler. */
		CHECK_EQ(SYS2(SYS_kill, SYS0(SYS_getpid), SIGUSR1), 0);
		CHECK_EQ(usr1_hits, 1);
		/* An ignored signal stays ignored: the child lives on. */
		CHECK_EQ(SYS2(SYS_kill, SYS0(SYS_getpid), SIGUSR2), 0);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	/* The parent's pending signal is still its own. */
	CHECK(get_pending() & SIGBIT(SIGUSR1));
	CHECK_EQ(usr1_hits, 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, 0, 8), 0);
	CHECK_EQ(usr1_hits, 1);
	sigaction(SIGUSR1, &old1, NULL);
	sigaction(SIGUSR2, &old2, NULL);
}

/* Waits for SIGCHLD (blocked) and checks the siginfo that came with it. */
static void expect_sigchld(const sigset_t *set, pid_t pid, int code, int status,
			   int line)
{
	siginfo_t si;
	int r;

	memset(&si, 0xa5, sizeof(si));
	do
		r = sigwaitinfo(set, &si);
	while (r < 0 && errno == EINTR);
	if (r != SIGCHLD || si.si_signo != SIGCHLD || si.si_code != code ||
	    si.si_pid != pid || si.si_status != status || si.si_uid != getuid())
		guest_fail(__FILE__, line,
			   "SIGCHLD: got %d signo %d code %d pid %d status %d "
			   "uid %d, want code %d pid %d status %d",
			   r, si.si_signo, si.si_code, si.si_pid, si.si_status,
			   si.si_uid, code, pid, status);
	guest_checks++;
}

static void test_sigchld(void)
{
	sigset_t set, old;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	CHECK_EQ(sigprocmask(SIG_BLOCK, &set, &old), 0);

	pid = spawn();
	if (pid == 0)
		_exit(7);
	expect_sigchld(&set, pid, CLD_EXITED, 7, __LINE__);
	CHECK_EQ(reap(pid), EXITED(7));

	pid = spawn();
	if (pid == 0) {
		for (;;)
			SYS0(SYS_pause);
	}
	/* Stopped and continued: the parent hears of both. */
	CHECK_EQ(SYS2(SYS_kill, pid, SIGSTOP), 0);
	expect_sigchld(&set, pid, CLD_STOPPED, SIGSTOP, __LINE__);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	expect_sigchld(&set, pid, CLD_CONTINUED, SIGCONT, __LINE__);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGKILL), 0);
	expect_sigchld(&set, pid, CLD_KILLED, SIGKILL, __LINE__);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));

	pid = spawn();
	if (pid == 0) {
		no_core();
		*null_ptr = 2;
		_exit(1);
	}
	expect_sigchld(&set, pid, CLD_KILLED, SIGSEGV, __LINE__);
	CHECK_EQ(reap(pid), KILLED(SIGSEGV));

	/* Nothing left over. */
	CHECK_EQ(get_pending() & SIGBIT(SIGCHLD), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

#define NCHILD 1000
#define BATCH  50

static void test_many(void)
{
	int bad = 0, st;

	for (int base = 0; base < NCHILD; base += BATCH) {
		pid_t pids[BATCH];
		int found[BATCH] = {0};

		for (int i = 0; i < BATCH; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				_exit((base + i) & 0xff);
			if (pids[i] < 0) {
				CHECK(pids[i] > 0);
				return;
			}
		}
		if (base / BATCH % 2 == 0) {
			/* By pid, last first. */
			for (int i = BATCH - 1; i >= 0; i--)
				if (reap(pids[i]) != EXITED(base + i))
					bad++;
			continue;
		}
		/* Whichever comes. */
		for (int n = 0; n < BATCH; n++) {
			long r = SYS4(SYS_wait4, -1, &st, 0, 0);
			int i;

			for (i = 0; i < BATCH && pids[i] != r; i++)
				;
			if (i == BATCH || found[i]++ ||
			    st != EXITED(base + i)) {
				bad++;
				continue;
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, WNOHANG, 0), ECHILD);
}

static void test_clone(void)
{
	int ptid = 0, ctid = 0, *shared;
	long pid, me = SYS0(SYS_getpid);

	/*
	 * CLONE_CHILD_SETTID stores in the child's memory (before it runs),
	 * CLONE_PARENT_SETTID in the parent's (after the copy).
	 */
	pid = guest_syscall(SYS_clone,
			    SIGCHLD | CLONE_CHILD_SETTID |
				CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID,
			    0, (long)&ptid, (long)&ctid, 0, 0);
	if (pid == 0) {
		guest_failures = 0;
		CHECK_EQ(ctid, SYS0(SYS_gettid));
		CHECK_EQ(ctid, SYS0(SYS_getpid));
		CHECK_EQ(ptid, 0);
		CHECK_EQ(SYS0(SYS_getppid), me);
		child_exit();
	}
	CHECK(pid > 0);
	CHECK_EQ(ptid, pid);
	CHECK_EQ(ctid, 0);
	CHECK_CHILD_OK(pid);

	/* In shared memory the parent sees the child's store. */
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	if (shared == MAP_FAILED)
		return;
	pid = guest_syscall(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID, 0, 0,
			    (long)shared, 0, 0);
	if (pid == 0)
		SYS1(SYS_exit_group, *shared == SYS0(SYS_getpid) ? 0 : 1);
	CHECK(pid > 0);
	CHECK_EQ(reap((pid_t)pid), EXITED(0));
	CHECK_EQ(*shared, pid);
	munmap(shared, 4096);

	/* The flag checks. */
	CHECK_ERR(
	    guest_syscall(SYS_clone, SIGCHLD | CLONE_THREAD, 0, 0, 0, 0, 0),
	    EINVAL);
	CHECK_ERR(
	    guest_syscall(SYS_clone, SIGCHLD | CLONE_SIGHAND, 0, 0, 0, 0, 0),
	    EINVAL);
	CHECK_ERR(guest_syscall(SYS_clone, SIGCHLD | CLONE_NEWNS | CLONE_FS, 0,
				0, 0, 0, 0),
		  EINVAL);
	/* clone's pidfd goes where parent_tid would: not both at once. */
	CHECK_ERR(guest_syscall(SYS_clone,
				SIGCHLD | CLONE_PIDFD | CLONE_PARENT_SETTID, 0,
				(long)&ptid, 0, 0, 0),
		  EINVAL);
	/* No process was made by any of them. */
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG | __WALL, 0), ECHILD);
}

static void test_clone3(void)
{
	struct clone_args ca;
	struct pollfd pfd;
	siginfo_t si;
	int p[2], pidfd = -1;
	long pid;

	make_pipe(p);
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	pid = SYS2(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		guest_failures = 0;
		/* Waits for the parent's word. */
		CHECK_EQ(get_byte(p[0]), 'x');
		child_exit();
	}
	CHECK(pid > 0);
	CHECK(pidfd >= 0);
	if (pid <= 0 || pidfd < 0)
		return;
	/* A pidfd is always close-on-exec. */
	CHECK_EQ(SYS2(SYS_fcntl, pidfd, F_GETFD), FD_CLOEXEC);
	/* Not readable while the child runs... */
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, 0), 0);
	CHECK_EQ(pfd.revents, 0);
	put_byte(p[1], 'x');
	/* ...readable once it has exited (not yet reaped). */
	pfd.revents = 0;
	CHECK_EQ(SYS3(SYS_poll, &pfd, 1, -1), 1);
	CHECK(pfd.revents & POLLIN);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(SYS5(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, 0), 0);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_status, 0);
	CHECK_EQ(SYS1(SYS_close, pidfd), 0);
	close2(p);

	/* The argument checks. */
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	CHECK_ERR(SYS2(SYS_clone3, &ca, 32), EINVAL);
	CHECK_ERR(SYS2(SYS_clone3, &ca, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_clone3, &ca, 4097), E2BIG);
	CHECK_ERR(SYS2(SYS_clone3, 0, sizeof(ca)), EFAULT);
	ca.exit_signal = 65;
	CHECK_ERR(SYS2(SYS_clone3, &ca, sizeof(ca)), EINVAL);
	/* The exit signal is a field of its own, never in the flags. */
	ca.exit_signal = 0;
	ca.flags = SIGCHLD;
	CHECK_ERR(SYS2(SYS_clone3, &ca, sizeof(ca)), EINVAL);
	ca.flags = CLONE_THREAD;
	CHECK_ERR(SYS2(SYS_clone3, &ca, sizeof(ca)), EINVAL);
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG | __WALL, 0), ECHILD);
}

static void test_vfork(void)
{
	static volatile char order[8];
	static volatile int n;
	volatile long child_pid = 0, child_ppid = 0;
	volatile int local = 0;
	long me = SYS0(SYS_getpid);
	pid_t pid;

	/* The child runs first; the parent waits for its _exit. */
	n = 0;
	pid = vfork();
	if (pid == 0) {
		order[n++] = 'c';
		child_pid = SYS0(SYS_getpid);
		child_ppid = SYS0(SYS_getppid);
		nap(20);
		order[n++] = 'c';
		/* Memory is shared: this store is the parent's too. */
		local = 42;
		_exit(5);
	}
	order[n++] = 'p';
	CHECK(pid > 0);
	CHECK_EQ(n, 3);
	CHECK(memcmp((const char *)order, "ccp", 3) == 0);
	CHECK_EQ(local, 42);
	CHECK_EQ(child_pid, pid);
	CHECK_EQ(child_ppid, me);
	CHECK_EQ(reap(pid), EXITED(5));

	/* ...or for its execve. */
	local = 0;
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"fork", "exit-with", "42", NULL};

		nap(20);
		local = 1;
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	CHECK_EQ(local, 1);
	CHECK_EQ(reap(pid), EXITED(42));

	/* ...or for its death. */
	local = 0;
	pid = vfork();
	if (pid == 0) {
		local = 1;
		SYS2(SYS_kill, SYS0(SYS_getpid), SIGKILL);
		_exit(1);
	}
	CHECK_EQ(local, 1);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
}

/*
 * RLIMIT_NPROC counts the real user's tasks: a user at its limit cannot
 * fork (EAGAIN), root can whatever the limit.
 */
static void test_nproc(void)
{
	struct rlimit one = {1, 1};
	pid_t pid = spawn();

	if (pid == 0) {
		CHECK_EQ(setrlimit(RLIMIT_NPROC, &one), 0);
		if (getuid() == 0) {
			/* Root is not limited. */
			pid_t c = spawn();

			if (c == 0)
				_exit(0);
			CHECK_EQ(reap(c), EXITED(0));
			/* An unprivileged user with one task: at its limit. */
			CHECK_EQ(SYS3(SYS_setresuid, 65534, 65534, 65534), 0);
		}
		CHECK_ERR(SYS0(SYS_fork), EAGAIN);
		child_exit();
	}
	CHECK_CHILD_OK(pid);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit-with"))
		_exit(atoi(argv[2]));

	test_basic();
	test_exit_status();
	test_killed();
	test_shared_offset();
	test_pipe();
	test_signal_inherit();
	test_sigchld();
	test_many();
	test_clone();
	test_clone3();
	test_vfork();
	test_nproc();
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG, 0), ECHILD);
	return guest_done();
}
