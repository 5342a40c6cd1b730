// SPDX-License-Identifier: Apache-2.0
/*
 * How threads and thread groups end. A thread's exit (SYS_exit, not
 * exit_group) ends it alone: a thread blocked in a futex wait goes on, and
 * so does the process. The main thread's exit leaves the process alive
 * (not reapable, no SIGCHLD) until its last thread exits, its leader a
 * zombie still listed in /proc/self/task; the parent then sees the last
 * thread's exit code (Linux 5.19 and later). exit_group from any thread ends
 * every thread at once, those blocked in read on a pipe, futex_wait, nanosleep,
 * pause, poll, wait4 and pthread_join included, and none of them runs another
 * instruction. A fatal signal kills every thread: SIGKILL from the parent,
 * a fault in one thread, a default-action SIGTERM sent to the process or
 * to one thread (tgkill); the status is the signal's. exit_group while
 * other threads create and join threads as fast as they can.
 */
#include "threads.h"

#include <poll.h>

/* Written to by any thread that wakes up when it should have died. */
static int tattle = -1;

static void tell(char c)
{
	SYS3(SYS_write, tattle, &c, 1);
}

/* ---- a thread's exit ends it alone ---- */

static volatile int word, step;

static void *futex_waiter(void *arg)
{
	(void)arg;
	add_wake(&step, 1);
	block_on(&word, 0);
	return (void *)42L;
}

static void *raw_exiter(void *arg)
{
	(void)arg;
	add_wake(&step, 1);
	SYS1(SYS_exit, 5);
	return NULL;
}

static void test_thread_exit(void)
{
	pthread_t w, e;
	void *ret = NULL;

	step = word = 0;
	w = start(futex_waiter, NULL);
	CHECK(wait_at_least(&step, 1));
	e = start(raw_exiter, NULL);
	/* glibc's join sees the exiting thread's tid word cleared. */
	CHECK_EQ(pthread_join(e, NULL), 0);
	CHECK_EQ(wait_tasks(2), 2);
	/* The waiter is still there, still waiting. */
	CHECK_EQ(load(&word), 0);
	store_wake(&word, 1);
	CHECK_EQ(pthread_join(w, &ret), 0);
	CHECK_EQ((long)ret, 42);
	CHECK_EQ(wait_tasks(1), 1);
}

/* ---- the main thread's exit ---- */

static int in_pipe[2], out_pipe[2];
static pthread_t main_thread;

static void *survivor(void *arg)
{
	long pid = getpid_raw(), tid = gettid_raw();
	char path[64], text[4096];
	int tids[8], n;
	long r;

	(void)arg;
	/* The main thread's tid word is cleared at its exit (glibc's
	 * set_tid_address): joining it waits for that. */
	CHECK_EQ(pthread_join(main_thread, NULL), 0);
	put_byte(out_pipe[1], 'r');
	/* The parent has looked: the leader is gone. */
	if (get_byte(in_pipe[0]) != 'g')
		SYS1(SYS_exit, 90);
	CHECK_EQ(getpid_raw(), pid);
	CHECK_EQ(gettid_raw(), tid);
	CHECK(tid != pid);
	/* The group lives on; its leader is a zombie, still listed. */
	n = list_tids("/proc/self/task", tids, 8);
	CHECK_EQ(n, 2);
	CHECK(has_tid(tids, n, (int)pid));
	CHECK(has_tid(tids, n, (int)tid));
	/* A zombie, once its exit is through (a moment after the tid word
	 * is cleared). */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", pid);
	for (int64_t end = mono_ms() + BOUND_MS;;) {
		char *p;

		r = slurp(path, text, sizeof(text));
		p = r > 0 ? strrchr(text, ')') : NULL;
		if ((p && p[1] == ' ' && p[2] == 'Z') || mono_ms() > end) {
			CHECK_OK(r);
			CHECK(p && p[1] == ' ' && p[2] == 'Z');
			break;
		}
		nap(1);
	}
	CHECK_OK(slurp("/proc/self/status", text, sizeof(text)));
	CHECK_EQ(status_field(text, "\nThreads:\t"), 2);
	/* Report the checks through a byte: the exit code is the last
	 * thread's. */
	put_byte(out_pipe[1], guest_failures ? 'F' : 'k');
	SYS1(SYS_exit, 3);
	return NULL;
}

static bool sigchld_pending(void)
{
	unsigned long set = 0;

	SYS2(SYS_rt_sigpending, &set, 8);
	return set & SIGBIT(SIGCHLD);
}

static void drain_sigchld(void)
{
	unsigned long set = SIGBIT(SIGCHLD);
	struct timespec zero = {0, 0};

	while (SYS4(SYS_rt_sigtimedwait, &set, 0, &zero, 8) == SIGCHLD)
		;
}

static void test_main_exit(void)
{
	unsigned long chld = SIGBIT(SIGCHLD), old = 0;
	int status = -1;
	pid_t pid;

	CHECK_OK(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &chld, &old, 8));
	drain_sigchld();
	make_pipe(in_pipe);
	make_pipe(out_pipe);
	pid = spawn();
	if (pid == 0) {
		SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
		main_thread = pthread_self();
		start(survivor, NULL);
		SYS1(SYS_exit, 7);
	}
	/* The leader is gone, the process alive. */
	CHECK_EQ(get_byte(out_pipe[0]), 'r');
	nap(20);
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, WNOHANG, 0), 0);
	CHECK_EQ(SYS2(SYS_kill, pid, 0), 0);
	CHECK(!sigchld_pending());
	put_byte(in_pipe[1], 'g');
	CHECK_EQ(get_byte(out_pipe[0]), 'k');
	/*
	 * The group's status is the last thread's exit code, not the
	 * leader's: since Linux 5.19 the last thread to exit sets the
	 * group's exit code (synchronize_group_exit); before, it was the
	 * leader's (7).
	 */
	CHECK_EQ(REAP_BOUNDED(pid), EXITED(3));
	/* The parent heard of the end once, at the last thread's exit. */
	CHECK(sigchld_pending());
	drain_sigchld();
	CHECK_OK(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8));
	close2(in_pipe);
	close2(out_pipe);
}

/* ---- exit_group from a thread ---- */

static int rd_pipe[2];
static volatile int never;

static void *in_read(void *arg)
{
	char c;

	(void)arg;
	add_wake(&step, 1);
	SYS3(SYS_read, rd_pipe[0], &c, 1);
	tell('r');
	return NULL;
}

static void *in_futex(void *arg)
{
	(void)arg;
	add_wake(&step, 1);
	futex_wait(&never, 0, NULL);
	tell('f');
	return NULL;
}

static void *in_nanosleep(void *arg)
{
	struct timespec ts = {3600, 0};

	(void)arg;
	add_wake(&step, 1);
	SYS2(SYS_nanosleep, &ts, 0);
	tell('n');
	return NULL;
}

static void *in_pause(void *arg)
{
	(void)arg;
	add_wake(&step, 1);
	SYS0(SYS_pause);
	tell('p');
	return NULL;
}

static void *in_poll(void *arg)
{
	struct pollfd pfd = {rd_pipe[0], POLLIN, 0};

	(void)arg;
	add_wake(&step, 1);
	SYS3(SYS_poll, &pfd, 1, -1);
	tell('o');
	return NULL;
}

static void *in_spin(void *arg)
{
	(void)arg;
	add_wake(&step, 1);
	while (!load(&never))
		;
	tell('s');
	return NULL;
}

static void *(*const blockers[])(void *) = {in_read,  in_futex, in_nanosleep,
					    in_pause, in_poll,	in_spin};
#define NBLOCKERS (int)(sizeof(blockers) / sizeof(blockers[0]))

static void *group_exiter(void *arg)
{
	(void)arg;
	CHECK(wait_at_least(&step, NBLOCKERS));
	/* Let them block (not needed for the result). */
	nap(20);
	SYS1(SYS_exit_group, guest_failures ? 99 : 9);
	tell('e');
	return NULL;
}

/* A child whose threads block in every way; how the main thread waits is
 * main_how: 0 in pthread_join, 1 in wait4 for a child of its own, 2 it is
 * the one to call exit_group. */
static void blocked_group(int main_how)
{
	pthread_t t;

	step = 0;
	make_pipe(rd_pipe);
	for (int i = 0; i < NBLOCKERS; i++)
		start(blockers[i], NULL);
	if (main_how == 2) {
		CHECK(wait_at_least(&step, NBLOCKERS));
		nap(20);
		SYS1(SYS_exit_group, guest_failures ? 99 : 9);
		tell('m');
	}
	t = start(group_exiter, NULL);
	if (main_how == 0) {
		pthread_join(t, NULL);
	} else {
		int gp[2];
		pid_t pid;

		make_pipe(gp);
		pid = fork();
		if (pid == 0) {
			/* The grandchild ends when the group does (its
			 * pipe's writer goes); no one reaps it. */
			SYS1(SYS_close, gp[1]);
			get_byte(gp[0]);
			_exit(0);
		}
		SYS4(SYS_wait4, pid, 0, 0, 0);
		tell('w');
	}
	tell('j');
	SYS1(SYS_exit_group, 98);
}

static void test_exit_group(void)
{
	int p[2];

	for (int how = 0; how < 3; how++) {
		pid_t pid;
		char c;

		make_pipe(p);
		pid = spawn();
		if (pid == 0) {
			SYS1(SYS_close, p[0]);
			tattle = p[1];
			blocked_group(how);
		}
		SYS1(SYS_close, p[1]);
		CHECK_EQ(REAP_BOUNDED(pid), EXITED(9));
		/* No thread ran after the exit_group. */
		CHECK_EQ(SYS3(SYS_read, p[0], &c, 1), 0);
		SYS1(SYS_close, p[0]);
	}
}

/* ---- fatal signals ---- */

static int *volatile null_ptr;
static volatile int fault_go;

static void *faulter(void *arg)
{
	(void)arg;
	CHECK(wait_eq(&fault_go, 1));
	nap(20);
	*null_ptr = 1;
	tell('x');
	return NULL;
}

/* A child with blocked threads; the main thread blocks in pause. */
static pid_t blocked_child(int p[2], bool fault)
{
	pid_t pid;

	make_pipe(p);
	make_pipe(in_pipe);
	pid = spawn();
	if (pid == 0) {
		no_core();
		SYS1(SYS_close, p[0]);
		tattle = p[1];
		step = 0;
		make_pipe(rd_pipe);
		for (int i = 0; i < NBLOCKERS; i++)
			start(blockers[i], NULL);
		if (fault)
			start(faulter, NULL);
		CHECK(wait_at_least(&step, NBLOCKERS));
		put_byte(in_pipe[1], (char)('0' + count_tasks()));
		store_wake(&fault_go, 1);
		SYS0(SYS_pause);
		tell('M');
		SYS1(SYS_exit_group, 97);
	}
	SYS1(SYS_close, p[1]);
	/* Every thread is there. */
	CHECK_EQ(get_byte(in_pipe[0]), '0' + NBLOCKERS + 1 + fault);
	close2(in_pipe);
	return pid;
}

static void check_killed(pid_t pid, int p[2], int sig)
{
	char c;

	CHECK_EQ(REAP_BOUNDED(pid), KILLED(sig));
	CHECK_EQ(SYS3(SYS_read, p[0], &c, 1), 0);
	SYS1(SYS_close, p[0]);
}

static void test_fatal(void)
{
	int p[2];
	pid_t pid;

	/* SIGKILL from the parent. */
	pid = blocked_child(p, false);
	nap(20);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGKILL), 0);
	check_killed(pid, p, SIGKILL);

	/* A process-directed SIGTERM, default action. */
	pid = blocked_child(p, false);
	nap(20);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGTERM), 0);
	check_killed(pid, p, SIGTERM);

	/* SIGSEGV in one thread. */
	pid = blocked_child(p, true);
	check_killed(pid, p, SIGSEGV);
}

/* A default-action signal sent to one thread kills the whole group. */
static volatile long victim_tid;

static void *victim(void *arg)
{
	(void)arg;
	victim_tid = gettid_raw();
	add_wake(&step, 1);
	SYS0(SYS_pause);
	tell('v');
	return NULL;
}

static void test_fatal_tgkill(void)
{
	int p[2];
	pid_t pid;
	long tid = 0;

	make_pipe(p);
	make_pipe(in_pipe);
	pid = spawn();
	if (pid == 0) {
		SYS1(SYS_close, p[0]);
		tattle = p[1];
		step = 0;
		start(victim, NULL);
		CHECK(wait_at_least(&step, 1));
		tid = victim_tid;
		SYS3(SYS_write, in_pipe[1], &tid, sizeof(tid));
		SYS0(SYS_pause);
		tell('M');
		SYS1(SYS_exit_group, 97);
	}
	SYS1(SYS_close, p[1]);
	CHECK_EQ(SYS3(SYS_read, in_pipe[0], &tid, sizeof(tid)), sizeof(tid));
	CHECK(tid != pid && tid > 0);
	nap(20);
	CHECK_EQ(SYS3(SYS_tgkill, pid, tid, SIGTERM), 0);
	check_killed(pid, p, SIGTERM);
	close2(in_pipe);
}

/* ---- exit_group while threads come and go ---- */

static void *nothing(void *arg)
{
	return arg;
}

static void *churner(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;

		if (pthread_create(&t, NULL, nothing, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void *ender(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		SYS0(SYS_sched_yield);
	SYS1(SYS_exit_group, 5);
	return NULL;
}

static void test_exit_racing_clone(void)
{
	for (int round = 0; round < 10; round++) {
		pid_t pid = spawn();

		if (pid == 0) {
			start(churner, NULL);
			start(churner, NULL);
			start(ender, NULL);
			for (;;)
				SYS0(SYS_pause);
		}
		CHECK_EQ(REAP_BOUNDED(pid), EXITED(5));
	}
}

int main(void)
{
	test_thread_exit();
	test_main_exit();
	test_exit_group();
	test_fatal();
	test_fatal_tgkill();
	test_exit_racing_clone();
	return guest_done();
}
