// SPDX-License-Identifier: Apache-2.0
/*
 * Sessions and process groups: getpgid, getpgrp, getsid, setpgid, setsid
 * with their errors (EPERM, EACCES, ESRCH, EINVAL); kill of a process
 * group, by -pgid and by 0; and the SIGHUP + SIGCONT that a process group
 * gets when it is orphaned with a stopped member.
 *
 * The test process itself is never moved: natively its group and session
 * are the test runner's. Where their leader is outside our pid namespace
 * (a test runner in a container), getpgid and getsid read 0, so the tests
 * run in a grandchild whose session and group lead by a child of ours.
 * kill(-1) is not tried (natively it would reach every process of the
 * user).
 *
 * Invoked as "pgrp exec-wait W R", it writes a byte to fd W and exits when
 * fd R gives one (or ends).
 */
#include "proc.h"

#define SELF   "/proc/self/exe"
#define NO_PID 0x3fffffff /* above PID_MAX_LIMIT */

extern char **environ;

static long me, my_pgrp, my_sid;

/*
 * Makes the caller a member of a session and group led by a child of the
 * original process, returning in the grandchild; the others exit with its
 * status (a death by signal becomes exit code 128 + the signal).
 */
static void own_session(void)
{
	pid_t leader = spawn();
	int status;

	if (leader == 0) {
		pid_t member;

		if (SYS0(SYS_setsid) < 0)
			_exit(1);
		member = spawn();
		if (member == 0)
			return;
		status = reap(member);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status)
					: 128 + WTERMSIG(status));
	}
	status = reap(leader);
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* A child that waits for a byte (or end of file) on p[0]. */
static pid_t waiter(int p[2])
{
	pid_t pid = spawn();

	if (pid == 0) {
		SYS1(SYS_close, p[1]);
		get_byte(p[0]);
		_exit(0);
	}
	CHECK(pid > 0);
	return pid;
}

static void test_self(void)
{
	CHECK(my_pgrp > 0);
	CHECK(my_sid > 0);
	CHECK_EQ(SYS0(SYS_getpgrp), my_pgrp);
	CHECK_EQ(SYS1(SYS_getpgid, me), my_pgrp);
	CHECK_EQ(SYS1(SYS_getsid, me), my_sid);
	CHECK_ERR(SYS1(SYS_getpgid, NO_PID), ESRCH);
	CHECK_ERR(SYS1(SYS_getsid, NO_PID), ESRCH);
	CHECK_ERR(SYS1(SYS_getpgid, -1), ESRCH);
	CHECK_ERR(SYS1(SYS_getsid, -1), ESRCH);

	CHECK_ERR(SYS2(SYS_setpgid, 0, -1), EINVAL);
	CHECK_ERR(SYS2(SYS_setpgid, me, -5), EINVAL);
	CHECK_ERR(SYS2(SYS_setpgid, NO_PID, 0), ESRCH);
	CHECK_ERR(SYS2(SYS_setpgid, -1, 5), ESRCH);
	/* A pgid of 0 means the pid, checked before the pid is looked up. */
	CHECK_ERR(SYS2(SYS_setpgid, -1, 0), EINVAL);
	/* None of that moved us. */
	CHECK_EQ(SYS1(SYS_getpgid, 0), my_pgrp);
}

static void test_setsid(void)
{
	int up[2], down[2];
	pid_t pid;

	/* A group leader cannot make a session. */
	pid = spawn();
	if (pid == 0) {
		long self = SYS0(SYS_getpid);

		CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
		CHECK_EQ(SYS0(SYS_getpgrp), self);
		CHECK_EQ(SYS1(SYS_getsid, 0), my_sid);
		CHECK_ERR(SYS0(SYS_setsid), EPERM);
		CHECK_EQ(SYS1(SYS_getsid, 0), my_sid);
		child_exit();
	}
	CHECK_CHILD_OK(pid);

	/* Any other process can: it leads the session and its group. */
	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		long self = SYS0(SYS_getpid);

		CHECK(SYS0(SYS_getpgrp) != self);
		CHECK_EQ(SYS0(SYS_setsid), self);
		CHECK_EQ(SYS1(SYS_getsid, 0), self);
		CHECK_EQ(SYS0(SYS_getpgrp), self);
		CHECK_EQ(SYS1(SYS_getpgid, 0), self);
		/* Its parent is where it was. */
		CHECK_EQ(SYS1(SYS_getsid, me), my_sid);
		CHECK_EQ(SYS1(SYS_getpgid, me), my_pgrp);
		/* Now a leader: no second session... */
		CHECK_ERR(SYS0(SYS_setsid), EPERM);
		/* ...and a session leader keeps its group, even unchanged. */
		CHECK_ERR(SYS2(SYS_setpgid, 0, 0), EPERM);
		CHECK_ERR(SYS2(SYS_setpgid, 0, self), EPERM);
		CHECK_ERR(SYS2(SYS_setpgid, self, my_pgrp), EPERM);
		put_byte(up[1], 'r');
		get_byte(down[0]);
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'r');
	CHECK_EQ(SYS1(SYS_getsid, pid), pid);
	CHECK_EQ(SYS1(SYS_getpgid, pid), pid);
	CHECK(SYS1(SYS_getsid, pid) != my_sid);
	/* A child in another session cannot be moved by its parent. */
	CHECK_ERR(SYS2(SYS_setpgid, pid, pid), EPERM);
	CHECK_ERR(SYS2(SYS_setpgid, pid, my_pgrp), EPERM);
	CHECK_ERR(SYS2(SYS_setpgid, pid, 0), EPERM);
	put_byte(down[1], 'x');
	CHECK_CHILD_OK(pid);
	close2(up);
	close2(down);
}

static void test_setpgid(void)
{
	int p[2];
	pid_t a, b, c;

	make_pipe(p);
	a = waiter(p);
	b = waiter(p);
	c = waiter(p);
	/* A child starts in our group and session. */
	CHECK_EQ(SYS1(SYS_getpgid, a), my_pgrp);
	CHECK_EQ(SYS1(SYS_getsid, a), my_sid);

	/* Its own group, by either spelling. */
	CHECK_EQ(SYS2(SYS_setpgid, a, a), 0);
	CHECK_EQ(SYS1(SYS_getpgid, a), a);
	CHECK_EQ(SYS2(SYS_setpgid, a, 0), 0);
	CHECK_EQ(SYS1(SYS_getpgid, a), a);
	CHECK_EQ(SYS1(SYS_getsid, a), my_sid);
	/* Back to ours. */
	CHECK_EQ(SYS2(SYS_setpgid, a, my_pgrp), 0);
	CHECK_EQ(SYS1(SYS_getpgid, a), my_pgrp);

	/* Into another group of the session. */
	CHECK_EQ(SYS2(SYS_setpgid, b, b), 0);
	CHECK_EQ(SYS2(SYS_setpgid, a, b), 0);
	CHECK_EQ(SYS1(SYS_getpgid, a), b);
	/* Not into a group that does not exist: c is not a group. */
	CHECK_ERR(SYS2(SYS_setpgid, a, c), EPERM);
	CHECK_ERR(SYS2(SYS_setpgid, a, NO_PID), EPERM);
	CHECK_EQ(SYS1(SYS_getpgid, a), b);

	/* A group outlives its leader while it has members. */
	SYS2(SYS_kill, b, SIGKILL);
	CHECK_EQ(reap(b), KILLED(SIGKILL));
	CHECK_EQ(SYS1(SYS_getpgid, a), b);
	CHECK_EQ(SYS2(SYS_setpgid, c, b), 0);
	CHECK_EQ(SYS1(SYS_getpgid, c), b);
	/* ...and is gone with its last member. */
	CHECK_EQ(SYS2(SYS_setpgid, a, my_pgrp), 0);
	CHECK_EQ(SYS2(SYS_setpgid, c, my_pgrp), 0);
	CHECK_ERR(SYS2(SYS_setpgid, a, b), EPERM);
	CHECK_ERR(SYS2(SYS_kill, -b, 0), ESRCH);

	SYS1(SYS_close, p[1]);
	CHECK_CHILD_OK(a);
	CHECK_CHILD_OK(c);
	SYS1(SYS_close, p[0]);

	/* A child moves itself: into a new group, and back to ours. */
	a = spawn();
	if (a == 0) {
		long self = SYS0(SYS_getpid);

		CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
		CHECK_EQ(SYS0(SYS_getpgrp), self);
		CHECK_EQ(SYS2(SYS_setpgid, 0, my_pgrp), 0);
		CHECK_EQ(SYS0(SYS_getpgrp), my_pgrp);
		CHECK_EQ(SYS2(SYS_setpgid, self, self), 0);
		CHECK_EQ(SYS0(SYS_getpgrp), self);
		/* Its parent is not its child. */
		CHECK_ERR(SYS2(SYS_setpgid, me, self), ESRCH);
		child_exit();
	}
	CHECK_CHILD_OK(a);
}

/* After its execve, a child's group is fixed. */
static void test_after_exec(void)
{
	int up[2], down[2];
	char w[16], r[16];
	char *argv[] = {"pgrp", "exec-wait", w, r, NULL};
	pid_t pid;

	make_pipe(up);
	make_pipe(down);
	snprintf(w, sizeof(w), "%d", up[1]);
	snprintf(r, sizeof(r), "%d", down[0]);
	pid = spawn();
	if (pid == 0) {
		SYS1(SYS_close, up[0]);
		SYS1(SYS_close, down[1]);
		execve(SELF, argv, environ);
		_exit(127);
	}
	/* Before it: free to move. */
	CHECK_EQ(get_byte(up[0]), 'e');
	CHECK_ERR(SYS2(SYS_setpgid, pid, pid), EACCES);
	CHECK_ERR(SYS2(SYS_setpgid, pid, my_pgrp), EACCES);
	CHECK_ERR(SYS2(SYS_setpgid, pid, 0), EACCES);
	CHECK_EQ(SYS1(SYS_getpgid, pid), my_pgrp);
	put_byte(down[1], 'x');
	CHECK_CHILD_OK(pid);
	close2(up);
	close2(down);
}

static void test_not_ours(void)
{
	int up[2], down[2];
	long gpid = 0;
	pid_t pid;

	make_pipe(up);
	make_pipe(down);
	pid = spawn();
	if (pid == 0) {
		pid_t g;

		SYS1(SYS_close, down[1]);
		g = waiter(down);

		gpid = g;
		SYS3(SYS_write, up[1], &gpid, sizeof(gpid));
		get_byte(down[0]);
		CHECK_CHILD_OK(g);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, up[0], &gpid, sizeof(gpid)), sizeof(gpid));
	/* A grandchild can be looked at but not moved. */
	CHECK_EQ(SYS1(SYS_getpgid, gpid), my_pgrp);
	CHECK_EQ(SYS1(SYS_getsid, gpid), my_sid);
	CHECK_ERR(SYS2(SYS_setpgid, gpid, gpid), ESRCH);
	CHECK_ERR(SYS2(SYS_setpgid, gpid, 0), ESRCH);
	CHECK_ERR(SYS2(SYS_setpgid, gpid, my_pgrp), ESRCH);
	close2(down);
	CHECK_CHILD_OK(pid);
	close2(up);
}

/* Not into a group of another session. */
static void test_other_session(void)
{
	int up[2], down[2];
	pid_t s, a;

	make_pipe(up);
	make_pipe(down);
	s = spawn();
	if (s == 0) {
		SYS1(SYS_close, down[1]);
		CHECK_EQ(SYS0(SYS_setsid), SYS0(SYS_getpid));
		put_byte(up[1], 'r');
		get_byte(down[0]);
		child_exit();
	}
	CHECK_EQ(get_byte(up[0]), 'r');
	a = spawn();
	if (a == 0) {
		CHECK_ERR(SYS2(SYS_setpgid, 0, s), EPERM);
		CHECK_EQ(SYS0(SYS_getpgrp), my_pgrp);
		child_exit();
	}
	CHECK_CHILD_OK(a);
	a = waiter(down);
	CHECK_ERR(SYS2(SYS_setpgid, a, s), EPERM);
	CHECK_EQ(SYS1(SYS_getpgid, a), my_pgrp);
	close2(down);
	CHECK_CHILD_OK(a);
	CHECK_CHILD_OK(s);
	close2(up);
}

static volatile int usr1_hits;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_hits++;
}

/* With SIGUSR1 handled and blocked, says so on fd, then waits for it
 * and exits 40 when it came once. */
static void __attribute__((noreturn)) member(int fd)
{
	struct sigaction sa = {0};
	unsigned long block = SIGBIT(SIGUSR1), none = 0;

	SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, 8);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	usr1_hits = 0;
	put_byte(fd, 'r');
	while (!usr1_hits)
		SYS2(SYS_rt_sigsuspend, &none, 8);
	_exit(usr1_hits == 1 ? 40 : 41);
}

static void test_kill_pgrp(void)
{
	int ready[2], p[2];
	pid_t l, m1, m2, n;

	make_pipe(ready);
	make_pipe(p);
	l = spawn();
	if (l == 0)
		member(ready[1]);
	CHECK_EQ(SYS2(SYS_setpgid, l, l), 0);
	m1 = spawn();
	if (m1 == 0)
		member(ready[1]);
	CHECK_EQ(SYS2(SYS_setpgid, m1, l), 0);
	m2 = spawn();
	if (m2 == 0)
		member(ready[1]);
	CHECK_EQ(SYS2(SYS_setpgid, m2, l), 0);
	/* One outside the group, in a group of its own. */
	n = spawn();
	if (n == 0) {
		struct sigaction sa = {0};

		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		usr1_hits = 0;
		put_byte(ready[1], 'r');
		get_byte(p[0]);
		_exit(usr1_hits);
	}
	CHECK_EQ(SYS2(SYS_setpgid, n, n), 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(get_byte(ready[0]), 'r');

	CHECK_EQ(SYS1(SYS_getpgid, m1), l);
	CHECK_EQ(SYS1(SYS_getpgid, m2), l);
	CHECK_EQ(SYS2(SYS_kill, -l, 0), 0);
	CHECK_EQ(SYS2(SYS_kill, -l, SIGUSR1), 0);
	CHECK_EQ(reap(l), EXITED(40));
	CHECK_EQ(reap(m1), EXITED(40));
	CHECK_EQ(reap(m2), EXITED(40));
	/* The group is empty now. */
	CHECK_ERR(SYS2(SYS_kill, -l, SIGUSR1), ESRCH);
	CHECK_ERR(SYS2(SYS_kill, -l, 0), ESRCH);
	CHECK_ERR(SYS2(SYS_kill, -NO_PID, 0), ESRCH);
	/* The one outside got nothing. */
	put_byte(p[1], 'x');
	CHECK_EQ(reap(n), EXITED(0));
	close2(ready);
	close2(p);
}

/* kill(0, sig) from a child leading a group: the group, itself included. */
static void test_kill_zero(void)
{
	pid_t g = spawn();

	if (g == 0) {
		int ready[2];
		pid_t k1, k2;
		unsigned long block = SIGBIT(SIGUSR1);
		struct sigaction sa = {0};

		CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, 8);
		usr1_hits = 0;
		make_pipe(ready);
		k1 = spawn();
		if (k1 == 0)
			member(ready[1]);
		k2 = spawn();
		if (k2 == 0)
			member(ready[1]);
		CHECK_EQ(get_byte(ready[0]), 'r');
		CHECK_EQ(get_byte(ready[0]), 'r');
		CHECK_EQ(SYS1(SYS_getpgid, k1), SYS0(SYS_getpid));
		CHECK_EQ(SYS2(SYS_kill, 0, SIGUSR1), 0);
		CHECK_EQ(reap(k1), EXITED(40));
		CHECK_EQ(reap(k2), EXITED(40));
		CHECK_EQ(usr1_hits, 0);
		CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, 0, 8),
			 0);
		CHECK_EQ(usr1_hits, 1);
		/* Only itself is left in the group. */
		CHECK_EQ(SYS2(SYS_kill, 0, 0), 0);
		CHECK_EQ(SYS2(SYS_kill, -SYS0(SYS_getpid), 0), 0);
		child_exit();
	}
	/* Had it reached us, SIGUSR1's default action would have ended the
	 * test. */
	CHECK_CHILD_OK(g);
}

static volatile int hup_hits, hup_code;

static void on_hup(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	hup_hits++;
	hup_code = si->si_code;
}

/*
 * A process group becomes orphaned (no member has a parent in another
 * group of the same session) while a member is stopped: each member gets
 * SIGHUP then SIGCONT from the kernel.
 *
 * D leads a new session; its child C forks X, which makes a group of its
 * own and stops. C exits: X goes to us (the subreaper, in another
 * session), its group is orphaned, X is continued and handles SIGHUP.
 */
static void test_orphaned(void)
{
	int xp[2], res[2], down[2];
	long x = 0;
	siginfo_t si;
	pid_t d;

	CHECK_EQ(SYS5(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	make_pipe(xp);
	make_pipe(res);
	make_pipe(down);
	d = spawn();
	if (d == 0) {
		pid_t c;

		CHECK_EQ(SYS0(SYS_setsid), SYS0(SYS_getpid));
		c = spawn();
		if (c == 0) {
			pid_t xx = spawn();

			if (xx == 0) {
				struct sigaction sa = {0};
				char r;

				sa.sa_sigaction = on_hup;
				sa.sa_flags = SA_SIGINFO;
				sigemptyset(&sa.sa_mask);
				sigaction(SIGHUP, &sa, NULL);
				SYS2(SYS_setpgid, 0, 0);
				SYS2(SYS_kill, SYS0(SYS_getpid), SIGSTOP);
				/* Continued, with SIGHUP handled first. */
				r = hup_hits == 1 && hup_code == SI_KERNEL
					? 'h'
					: 'n';
				put_byte(res[1], r);
				/* Lives on until told, so that the report of
				 * its continuing stays for us to see. */
				get_byte(down[0]);
				_exit(0);
			}
			SYS2(SYS_setpgid, xx, xx);
			CHECK_EQ(reap_flags(xx, WUNTRACED), 0x137f);
			x = xx;
			SYS3(SYS_write, xp[1], &x, sizeof(x));
			child_exit();
		}
		CHECK_CHILD_OK(c);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, xp[0], &x, sizeof(x)), sizeof(x));
	CHECK_CHILD_OK(d);
	CHECK(x > 0);
	if (x <= 0)
		goto out;
	/* The SIGCONT was sent as C exited, before D could reap it: X is
	 * ours now, and continued. */
	memset(&si, 0, sizeof(si));
	CHECK_EQ(SYS5(SYS_waitid, P_PID, x, &si, WCONTINUED | WNOHANG, 0), 0);
	CHECK_EQ(si.si_pid, x);
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	CHECK_EQ(si.si_status, SIGCONT);
	if (si.si_pid != x) {
		/* Still stopped: do not wait for it forever. */
		SYS2(SYS_kill, x, SIGKILL);
		reap((pid_t)x);
		goto out;
	}
	CHECK_EQ(get_byte(res[0]), 'h');
	put_byte(down[1], 'x');
	CHECK_EQ(reap((pid_t)x), EXITED(0));
out:
	close2(xp);
	close2(res);
	close2(down);
	CHECK_EQ(SYS5(SYS_prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exec-wait")) {
		put_byte(atoi(argv[2]), 'e');
		get_byte(atoi(argv[3]));
		return 0;
	}
	if (SYS1(SYS_getpgid, 0) == 0 || SYS1(SYS_getsid, 0) == 0)
		own_session();
	me = SYS0(SYS_getpid);
	my_pgrp = SYS1(SYS_getpgid, 0);
	my_sid = SYS1(SYS_getsid, 0);

	test_self();
	test_setsid();
	test_setpgid();
	test_after_exec();
	test_not_ours();
	test_other_session();
	test_kill_pgrp();
	test_kill_zero();
	test_orphaned();
	CHECK_EQ(SYS0(SYS_getpgrp), my_pgrp);
	CHECK_EQ(SYS1(SYS_getsid, 0), my_sid);
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG | __WALL, 0), ECHILD);
	return guest_done();
}
