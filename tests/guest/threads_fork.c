// SPDX-License-Identifier: Apache-2.0
/*
 * fork and vfork in a process with threads. A fork (from the main thread
 * or another) makes a child with one thread, the caller's copy: its tid is
 * its pid and /proc/self/task lists it alone; memory the other threads
 * wrote before the fork is in the child; a mutex another thread held at
 * the fork stays locked there (EBUSY); the child makes threads of its own.
 * The parent's threads go on, untouched. vfork from a thread suspends that
 * thread alone until the child exits or execs (the other threads run, and
 * may release the child), shares memory with the child, and its wait sees
 * the child's status. Threads that write at once to memory a fork just
 * made copy-on-write all get their writes done (one copies, the others
 * find it copied). A child's parent is the process (getppid), any thread
 * reaps it, and __WNOTHREAD limits a wait to the caller's own children;
 * PR_SET_PDEATHSIG fires when the thread that forked exits. Forks while
 * other threads create and join threads as fast as they can.
 *
 * Invoked as "threads_fork exit-with N" it exits with N (vfork + execve).
 */
#include "threads.h"

#include <sys/mman.h>
#include <sys/prctl.h>

extern char **environ;

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static char written[4096];
static volatile int ready, release;

/* Fills its part of the buffer, then waits. */
static void *writer(void *arg)
{
	int i = (int)(long)arg;

	memset(written + i * 1024, 'a' + i, 1024);
	add_wake(&ready, 1);
	block_on(&release, 0);
	return (void *)(long)(10 + i);
}

/* Holds the mutex across the fork. */
static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&held);
	add_wake(&ready, 1);
	block_on(&release, 0);
	pthread_mutex_unlock(&held);
	return (void *)20L;
}

static volatile int child_up;

static void *child_thread(void *arg)
{
	add_wake(&child_up, 1);
	block_on(&release, 0);
	return (void *)((long)arg * 3);
}

/* In the child: the checks of a fork from a thread of a busy process. */
static void in_child(long parent, long forker_tid)
{
	int tids[8], n;
	pthread_t t[4];

	(void)forker_tid;
	CHECK_EQ(SYS0(SYS_getppid), parent);
	CHECK_EQ(gettid_raw(), getpid_raw());
	n = list_tids("/proc/self/task", tids, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(tids[0], getpid_raw());
	CHECK_OK(slurp("/proc/self/status", written + 3072, 1024));
	CHECK_EQ(status_field(written + 3072, "\nThreads:\t"), 1);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 1024; j++)
			if (written[i * 1024 + j] != 'a' + i) {
				CHECK_EQ(written[i * 1024 + j], 'a' + i);
				break;
			}
	/* Its holder did not come along: it stays held. */
	CHECK_EQ(pthread_mutex_trylock(&held), EBUSY);
	/* Threads of its own (release is still 0 here). */
	child_up = 0;
	for (long i = 0; i < 4; i++)
		t[i] = start(child_thread, (void *)i);
	CHECK(wait_at_least(&child_up, 4));
	CHECK_EQ(count_tasks(), 5);
	store_wake(&release, 1);
	for (long i = 0; i < 4; i++) {
		void *ret = NULL;

		CHECK_EQ(pthread_join(t[i], &ret), 0);
		CHECK_EQ((long)ret, i * 3);
	}
	CHECK_EQ(wait_tasks(1), 1);
	CHECK_EQ(pthread_mutex_trylock(&held), EBUSY);
	child_exit();
}

static volatile long fork_result;

/* Forks from a thread other than the main one. */
static void *forker(void *arg)
{
	long parent = getpid_raw(), me = gettid_raw();
	pid_t pid;

	(void)arg;
	pid = spawn();
	if (pid == 0)
		in_child(parent, me);
	/* The parent's side: still this thread, in this process. */
	CHECK_EQ(gettid_raw(), me);
	CHECK_EQ(getpid_raw(), parent);
	fork_result = REAP_BOUNDED(pid);
	return NULL;
}

static void test_fork(bool from_thread)
{
	long parent = getpid_raw();
	pthread_t t[4];
	void *ret = NULL;

	ready = release = 0;
	memset(written, 0, sizeof(written));
	for (long i = 0; i < 3; i++)
		t[i] = start(writer, (void *)i);
	t[3] = start(holder, NULL);
	CHECK(wait_at_least(&ready, 4));
	CHECK_EQ(count_tasks(), 5);
	if (from_thread) {
		fork_result = -1;
		CHECK_EQ(pthread_join(start(forker, NULL), NULL), 0);
		CHECK_EQ(fork_result, EXITED(0));
	} else {
		pid_t pid = spawn();

		if (pid == 0)
			in_child(parent, parent);
		CHECK_CHILD_OK(pid);
	}
	/* The parent's threads did not see the child's release (the
	 * joined forker may be listed a moment longer). */
	CHECK_EQ(wait_tasks(5), 5);
	CHECK_EQ(load(&release), 0);
	CHECK_EQ(pthread_mutex_trylock(&held), EBUSY);
	store_wake(&release, 1);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(pthread_join(t[i], &ret), 0);
		CHECK_EQ((long)ret, 10 + i);
	}
	CHECK_EQ(pthread_join(t[3], &ret), 0);
	CHECK_EQ((long)ret, 20);
	CHECK_EQ(pthread_mutex_trylock(&held), 0);
	CHECK_EQ(pthread_mutex_unlock(&held), 0);
	CHECK_EQ(wait_tasks(1), 1);
}

/* ---- children belong to the group, their parent is a thread ---- */

static volatile long spawned;
static int gone_pipe[2];

/* Forks a child that asks for SIGTERM at its parent's death, and ends. */
static void *short_parent(void *arg)
{
	long group = getpid_raw();
	pid_t pid;

	(void)arg;
	pid = spawn();
	if (pid == 0) {
		CHECK_OK(SYS2(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM));
		put_byte(gone_pipe[1], 'r');
		/* Its parent is the process, whichever thread forked. */
		for (;;) {
			CHECK_EQ(SYS0(SYS_getppid), group);
			SYS0(SYS_pause);
		}
	}
	spawned = pid;
	CHECK_EQ(get_byte(gone_pipe[0]), 'r');
	return NULL;
}

static void test_thread_parent(void)
{
	pid_t pid;

	make_pipe(gone_pipe);
	spawned = 0;
	/*
	 * The thread that forked exits: the child's death signal is sent
	 * (it follows the parent thread, not the process), and another
	 * thread of the group reaps it.
	 */
	CHECK_EQ(pthread_join(start(short_parent, NULL), NULL), 0);
	pid = (pid_t)spawned;
	CHECK(pid > 0);
	CHECK_EQ(REAP_BOUNDED(pid), KILLED(SIGTERM));

	/* __WNOTHREAD: only the calling thread's own children. */
	pid = spawn();
	if (pid == 0) {
		get_byte(gone_pipe[0]);
		child_exit();
	}
	CHECK_ERR(SYS4(SYS_wait4, pid, 0, WNOHANG | __WNOTHREAD, 0), 0);
	put_byte(gone_pipe[1], 'x');
	CHECK_CHILD_OK(pid);
	close2(gone_pipe);
}

static void *wnothread_waiter(void *arg)
{
	pid_t pid = (pid_t)(long)arg;
	int st = 0;

	/* Not its child: the forking thread's. */
	CHECK_ERR(SYS4(SYS_wait4, pid, &st, __WNOTHREAD, 0), ECHILD);
	CHECK_ERR(SYS4(SYS_wait4, -1, &st, WNOHANG | __WNOTHREAD, 0), ECHILD);
	/* Without it, the group's children are every thread's. */
	CHECK_EQ(SYS4(SYS_wait4, pid, &st, 0, 0), pid);
	CHECK_EQ(st, EXITED(0));
	return NULL;
}

static void test_wnothread(void)
{
	pid_t pid = spawn();

	if (pid == 0)
		child_exit();
	CHECK_EQ(pthread_join(start(wnothread_waiter, (void *)(long)pid), NULL),
		 0);
}

/* ---- writes racing to copy-on-write memory after a fork ---- */

#define RACERS 4

/* go is in shared memory, so that setting it copies nothing. */
static volatile int *go;
static char *cow_buf;
static volatile int racers_up, racers_done;

static void *racer(void *arg)
{
	int i = (int)(long)arg;

	for (int round = 1; round <= 30; round++) {
		add_wake(&racers_up, 1);
		/* Spin, so that all write at once. */
		while (__atomic_load_n(go, __ATOMIC_ACQUIRE) < round)
			;
		/* The first write to the memory since the fork: each faults,
		 * one copies, the others find it copied. */
		cow_buf[i * 64] = (char)round;
		add_wake(&racers_done, 1);
	}
	return NULL;
}

static void test_cow_race(void)
{
	pthread_t t[RACERS];

	go = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cow_buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(go != MAP_FAILED && cow_buf != MAP_FAILED);
	cow_buf[2048] = 0x5a;
	racers_up = racers_done = 0;
	for (long i = 0; i < RACERS; i++)
		t[i] = start(racer, (void *)i);
	for (int round = 1; round <= 30; round++) {
		pid_t pid;

		CHECK(wait_at_least(&racers_up, RACERS * round));
		pid = spawn();
		if (pid == 0) {
			/* Its copy is the memory at the fork, whatever the
			 * parent's threads write since. */
			nap(1);
			for (int i = 0; i < RACERS; i++)
				CHECK_EQ(cow_buf[i * 64], round - 1);
			CHECK_EQ(cow_buf[2048], 0x5a);
			child_exit();
		}
		__atomic_store_n(go, round, __ATOMIC_RELEASE);
		CHECK(wait_at_least(&racers_done, RACERS * round));
		for (int i = 0; i < RACERS; i++)
			CHECK_EQ(cow_buf[i * 64], round);
		CHECK_CHILD_OK(pid);
	}
	for (int i = 0; i < RACERS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	munmap((void *)go, 4096);
	munmap(cow_buf, 4096);
}

/* ---- forks while other threads come and go ---- */

static volatile int churn_stop;

static void *idle_thread(void *arg)
{
	return arg;
}

static void *churn(void *arg)
{
	(void)arg;
	while (!load(&churn_stop)) {
		pthread_t t;

		if (pthread_create(&t, NULL, idle_thread, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void test_fork_churn(void)
{
	pthread_t t[2];

	churn_stop = 0;
	t[0] = start(churn, NULL);
	t[1] = start(churn, NULL);
	for (int i = 0; i < 20; i++) {
		pid_t pid = spawn();

		if (pid == 0) {
			/* One thread, whatever the others were doing. */
			CHECK_EQ(count_tasks(), 1);
			CHECK_EQ(gettid_raw(), getpid_raw());
			CHECK_EQ(pthread_join(start(idle_thread, NULL), NULL),
				 0);
			child_exit();
		}
		CHECK_EQ(REAP_BOUNDED(pid), EXITED(0));
	}
	store_wake(&churn_stop, 1);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
}

/* ---- vfork from a thread ---- */

static int gate[2];
static volatile int vfork_shared;
static volatile long vfork_status = -1;
static volatile long vchild_pid, vchild_tid, vchild_ppid;
static volatile int vforking;

static void *vforker(void *arg)
{
	bool exec = (bool)(long)arg;
	long parent = getpid_raw();
	pid_t pid;

	store_wake(&vforking, 1);
	pid = vfork();
	if (pid == 0) {
		vchild_pid = SYS0(SYS_getpid);
		vchild_tid = SYS0(SYS_gettid);
		vchild_ppid = SYS0(SYS_getppid);
		/* Only the main thread can let it go on: it runs. */
		if (get_byte(gate[0]) != 'g')
			_exit(70);
		vfork_shared = 1;
		if (exec) {
			char *argv[] = {"threads_fork", "exit-with", "13",
					NULL};

			execve("/proc/self/exe", argv, environ);
			_exit(71);
		}
		_exit(12);
	}
	/* Back only after the child's exit or exec. */
	vforking = 2;
	CHECK(pid > 0);
	CHECK_EQ(vchild_pid, pid);
	CHECK_EQ(vchild_tid, pid);
	CHECK_EQ(vchild_ppid, parent);
	CHECK_EQ(vfork_shared, 1);
	vfork_status = REAP_BOUNDED(pid);
	return NULL;
}

static void test_vfork(bool exec)
{
	pthread_t t;

	make_pipe(gate);
	vforking = 0;
	vfork_shared = 0;
	vfork_status = -1;
	vchild_pid = vchild_tid = vchild_ppid = 0;
	t = start(vforker, (void *)(long)exec);
	CHECK(wait_eq(&vforking, 1));
	/* The vforking thread waits for its child; this one runs. */
	nap(20);
	CHECK_EQ(load(&vforking), 1);
	put_byte(gate[1], 'g');
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(vforking, 2);
	CHECK_EQ(vfork_status, exec ? EXITED(13) : EXITED(12));
	close2(gate);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit-with")) {
		/* The exec'd image: a process of its own, one thread. */
		if (SYS0(SYS_gettid) != SYS0(SYS_getpid) || count_tasks() != 1)
			return 72;
		return atoi(argv[2]);
	}
	test_fork(false);
	test_fork(true);
	test_cow_race();
	test_thread_parent();
	test_wnothread();
	test_fork_churn();
	test_vfork(false);
	test_vfork(true);
	return guest_done();
}
