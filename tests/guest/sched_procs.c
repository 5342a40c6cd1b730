// SPDX-License-Identifier: Apache-2.0
/*
 * Nice values, policies and affinity of other tasks: a forked child, its
 * threads, a process group, a user's tasks. What one task sets another
 * reads back, and Linux's permission rules hold: an unprivileged task
 * may not change another user's task (EPERM) nor lower its own nice value
 * past RLIMIT_NICE (EACCES), but may read any task's attributes.
 *
 * Only nice values above the ones inherited are set where the caller
 * could lack CAP_SYS_NICE, so that the checks hold natively for any root.
 */
#include "proc.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#define NO_PID 0x3fffffff
#define UID    54321 /* a user no other process of the machine has */

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static long nice_of(long tid)
{
	return 20 - SYS2(SYS_getpriority, PRIO_PROCESS, tid);
}

/* A thread that says its tid on a pipe and waits for a byte on another. */
struct waiter {
	pthread_t thread;
	int to[2], from[2];
	long tid;
	long nice; /* its own nice value, as it saw it at the end */
	int cpu;   /* the CPU it ran on at the end */
	uint8_t mask[128];
	long masklen; /* its own sched_getaffinity */
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	unsigned int cpu = 0;

	w->tid = SYS0(SYS_gettid);
	put_byte(w->from[1], 'r');
	get_byte(w->to[0]);
	w->nice = nice_of(0);
	w->masklen = SYS3(SYS_sched_getaffinity, 0, sizeof(w->mask), w->mask);
	SYS3(SYS_getcpu, &cpu, NULL, NULL);
	w->cpu = (int)cpu;
	return NULL;
}

static void waiter_start(struct waiter *w)
{
	memset(w, 0, sizeof(*w));
	make_pipe(w->to);
	make_pipe(w->from);
	if (pthread_create(&w->thread, NULL, waiter_main, w)) {
		fprintf(stderr, "pthread_create failed\n");
		exit(1);
	}
	CHECK_EQ(get_byte(w->from[0]), 'r');
}

static void waiter_finish(struct waiter *w)
{
	put_byte(w->to[1], 'g');
	pthread_join(w->thread, NULL);
	wait_thread_gone(w->tid);
	close2(w->to);
	close2(w->from);
}

/*
 * A child that says it is ready on q, then waits for a byte on p: 'a' plus
 * the nice value it must have.
 */
static pid_t nice_child(int p[2], int q[2])
{
	pid_t pid;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		int want;

		put_byte(q[1], 'r');
		want = get_byte(p[0]) - 'a';
		CHECK_EQ(nice_of(0), want);
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');
	return pid;
}

/* setpriority and getpriority of a child, by pid. */
static void test_prio_child(void)
{
	long mine = nice_of(0);
	int p[2], q[2];
	pid_t pid = nice_child(p, q);

	CHECK_EQ(nice_of(pid), mine);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, pid, mine + 3), 0);
	CHECK_EQ(nice_of(pid), mine + 3);
	CHECK_EQ(nice_of(0), mine);
	put_byte(p[1], 'a' + mine + 3);
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	/* Reaped: no such task. */
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_PROCESS, pid), ESRCH);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, pid, 19), ESRCH);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_PROCESS, NO_PID), ESRCH);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_PGRP, NO_PID), ESRCH);
}

/* PRIO_PROCESS names one thread; the others keep theirs. */
static void test_prio_thread(void)
{
	long mine = nice_of(0);
	struct waiter w;

	waiter_start(&w);
	CHECK_EQ(nice_of(w.tid), mine);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, w.tid, mine + 2), 0);
	CHECK_EQ(nice_of(w.tid), mine + 2);
	CHECK_EQ(nice_of(0), mine);
	waiter_finish(&w);
	CHECK_EQ(w.nice, mine + 2);
}

/* PRIO_PGRP: every thread of every process in the group. */
static void test_prio_pgrp(void)
{
	long mine = nice_of(0);
	int p[2], q[2], r[2], g[2];
	struct waiter w;
	pid_t pid, gc;

	make_pipe(r);
	make_pipe(p);
	make_pipe(q);
	make_pipe(g);
	pid = spawn();
	if (pid == 0) {
		/* Its own group, with a child of its own and a thread (made
		 * after: no fork while another thread runs). */
		CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
		gc = spawn();
		if (gc == 0) {
			put_byte(q[1], 'r');
			CHECK_EQ(get_byte(g[0]), 'g');
			CHECK_EQ(nice_of(0), mine + 4);
			child_exit();
		}
		CHECK_EQ(get_byte(q[0]), 'r');
		waiter_start(&w);
		put_byte(r[1], 'r');
		/* The parent set the group's nice value. */
		CHECK_EQ(get_byte(p[0]), 'g');
		CHECK_EQ(nice_of(0), mine + 4);
		put_byte(g[1], 'g');
		CHECK_CHILD_OK(gc);
		waiter_finish(&w);
		CHECK_EQ(w.nice, mine + 4);
		child_exit();
	}
	CHECK_EQ(get_byte(r[0]), 'r');
	/* The group of the child: its pid. */
	CHECK_EQ(SYS1(SYS_getpgid, pid), pid);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PGRP, pid), 20 - mine);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PGRP, pid, mine + 4), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PGRP, pid), 20 - (mine + 4));
	CHECK_EQ(nice_of(pid), mine + 4);
	CHECK_EQ(nice_of(0), mine);
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	close2(r);
	close2(g);
}

/* Becomes UID with no capabilities, RLIMIT_NICE 0 and still dumpable. */
static void become_user(void)
{
	struct rlimit rl = {0, 0};

	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_NICE, &rl), 0);
	SYS2(SYS_setgroups, 0, NULL);
	CHECK_EQ(SYS3(SYS_setresgid, UID, UID, UID), 0);
	CHECK_EQ(SYS3(SYS_setresuid, UID, UID, UID), 0);
	CHECK_EQ(SYS5(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
}

/*
 * Unprivileged: another user's tasks are out of reach for every change
 * but readable; its own user's tasks are not; lowering a nice value needs
 * RLIMIT_NICE.
 */
static void test_unprivileged(void)
{
	struct sched_param sp = {0};
	struct attr at = {.size = sizeof(at)};
	uint8_t mask[128];
	long mine = nice_of(0), ppid, n;
	int p[2], q[2];
	pid_t pid, gc;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid != 0) {
		CHECK_CHILD_OK(pid);
		close2(p);
		close2(q);
		return;
	}
	ppid = SYS0(SYS_getppid);
	become_user();
	CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
	gc = spawn();
	if (gc == 0) {
		put_byte(q[1], 'r');
		get_byte(p[0]);
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');

	/* Root's task (the parent): readable, never changed. */
	CHECK_EQ(nice_of(ppid), mine);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, ppid, 19), EPERM);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, ppid), SCHED_OTHER);
	CHECK_EQ(SYS2(SYS_sched_getparam, ppid, &sp), 0);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, ppid, SCHED_OTHER, &sp), EPERM);
	CHECK_ERR(SYS2(SYS_sched_setparam, ppid, &sp), EPERM);
	CHECK_EQ(SYS4(SYS_sched_getattr, ppid, &at, sizeof(at), 0), 0);
	CHECK_EQ(at.nice, mine);
	at.nice = 19;
	CHECK_ERR(SYS3(SYS_sched_setattr, ppid, &at, 0), EPERM);
	n = SYS3(SYS_sched_getaffinity, ppid, sizeof(mask), mask);
	CHECK(n > 0);
	if (n > 0)
		CHECK_ERR(SYS3(SYS_sched_setaffinity, ppid, n, mask), EPERM);
	{
		struct timespec ts;

		CHECK_EQ(SYS2(SYS_sched_rr_get_interval, ppid, &ts), 0);
	}

	/* Its own: up, but not back down past RLIMIT_NICE 0 (nice 20). */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, mine + 2), 0);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, 0, mine + 1), EACCES);
	CHECK_EQ(nice_of(0), mine + 2);
	/* Its user's other task, the grandchild, by pid and as a user. */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, gc, mine + 3), 0);
	CHECK_EQ(nice_of(gc), mine + 3);
	CHECK_EQ(SYS3(SYS_sched_setscheduler, gc, SCHED_BATCH, &sp), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, gc), SCHED_BATCH);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
	if (n > 0)
		CHECK_EQ(SYS3(SYS_sched_setaffinity, gc, n, mask), 0);
	/* The least nice value of the user's tasks. */
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_USER, UID), 20 - (mine + 2));
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_USER, 0), 20 - (mine + 2));
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_USER, UID, mine + 5), 0);
	CHECK_EQ(nice_of(0), mine + 5);
	CHECK_EQ(nice_of(gc), mine + 5);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_USER, UID + 1), ESRCH);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_USER, UID + 1, 19), ESRCH);
	/* Down again for one of them: EACCES, the other is changed. */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, gc, mine + 7), 0);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_USER, UID, mine + 6), EACCES);
	CHECK_EQ(nice_of(gc), mine + 7);
	CHECK_EQ(nice_of(0), mine + 6);
	/* Its group: itself and the grandchild. */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PGRP, 0, mine + 8), 0);
	CHECK_EQ(nice_of(gc), mine + 8);
	CHECK_EQ(nice_of(0), mine + 8);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PGRP, 0), 20 - (mine + 8));
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(gc);
	child_exit();
}

/*
 * A group of two users' processes: the unprivileged member changes itself
 * and fails (EPERM) on root's; the result is the failure.
 */
static void test_pgrp_mixed(void)
{
	long mine = nice_of(0);
	int p[2], q[2];
	pid_t pid, gc;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid != 0) {
		CHECK_CHILD_OK(pid);
		close2(p);
		close2(q);
		return;
	}
	CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
	gc = spawn();
	if (gc == 0) {
		become_user();
		CHECK_EQ(SYS3(SYS_setpriority, PRIO_PGRP, 0, mine + 9), -EPERM);
		CHECK_EQ(nice_of(0), mine + 9);
		CHECK_EQ(nice_of(SYS0(SYS_getppid)), mine);
		CHECK_EQ(SYS2(SYS_getpriority, PRIO_PGRP, 0), 20 - mine);
		child_exit();
	}
	CHECK_CHILD_OK(gc);
	CHECK_EQ(nice_of(0), mine);
	child_exit();
}

/* Policies and attributes of a child, set and read by its parent. */
static void test_sched_child(void)
{
	struct sched_param sp = {0};
	struct attr at = {.size = sizeof(at)};
	long mine = nice_of(0);
	struct timespec ts;
	int p[2], q[2];
	pid_t pid = nice_child(p, q);

	CHECK_EQ(SYS1(SYS_sched_getscheduler, pid), SCHED_OTHER);
	CHECK_EQ(SYS3(SYS_sched_setscheduler, pid, SCHED_BATCH, &sp), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, pid), SCHED_BATCH);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
	sp.sched_priority = 1;
	CHECK_EQ(SYS2(SYS_sched_getparam, pid, &sp), 0);
	CHECK_EQ(sp.sched_priority, 0);
	CHECK_EQ(SYS2(SYS_sched_setparam, pid, &sp), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, pid), SCHED_BATCH);
	CHECK_EQ(SYS2(SYS_sched_rr_get_interval, pid, &ts), 0);
	/* sched_setattr: SCHED_OTHER again, one nice value up. */
	at.policy = SCHED_OTHER;
	at.nice = (int32_t)mine + 1;
	CHECK_EQ(SYS3(SYS_sched_setattr, pid, &at, 0), 0);
	memset(&at, 0xff, sizeof(at));
	CHECK_EQ(SYS4(SYS_sched_getattr, pid, &at, sizeof(at), 0), 0);
	CHECK_EQ(at.size, sizeof(at));
	CHECK_EQ(at.policy, SCHED_OTHER);
	CHECK_EQ(at.nice, mine + 1);
	CHECK_EQ(nice_of(pid), mine + 1);
	put_byte(p[1], 'a' + mine + 1);
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	CHECK_ERR(SYS1(SYS_sched_getscheduler, pid), ESRCH);
	CHECK_ERR(SYS2(SYS_sched_getparam, pid, &sp), ESRCH);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, pid, SCHED_OTHER, &sp), ESRCH);
	CHECK_ERR(SYS4(SYS_sched_getattr, pid, &at, sizeof(at), 0), ESRCH);
	CHECK_ERR(SYS2(SYS_sched_rr_get_interval, pid, &ts), ESRCH);
}

/* sched_setaffinity on another thread: its mask alone, and where it runs. */
static void test_affinity_thread(void)
{
	uint8_t all[128], one[128] = {0}, got[128];
	struct waiter w;
	long n;
	int cpu = -1;

	n = SYS3(SYS_sched_getaffinity, 0, sizeof(all), all);
	CHECK(n > 0);
	if (n <= 0)
		return;
	/* The last CPU of the caller's mask. */
	for (int i = 0; i < 8 * n; i++)
		if (all[i / 8] & (1 << (i % 8)))
			cpu = i;
	one[cpu / 8] = (uint8_t)(1 << (cpu % 8));
	waiter_start(&w);
	CHECK_EQ(SYS3(SYS_sched_setaffinity, w.tid, n, one), 0);
	memset(got, 0, sizeof(got));
	CHECK_EQ(SYS3(SYS_sched_getaffinity, w.tid, sizeof(got), got), n);
	CHECK(memcmp(got, one, n) == 0);
	memset(got, 0, sizeof(got));
	CHECK_EQ(SYS3(SYS_sched_getaffinity, 0, sizeof(got), got), n);
	CHECK(memcmp(got, all, n) == 0);
	waiter_finish(&w);
	CHECK_EQ(w.masklen, n);
	CHECK(memcmp(w.mask, one, n) == 0);
	CHECK_EQ(w.cpu, cpu);
	/* An exited thread is no task. */
	CHECK_ERR(SYS3(SYS_sched_getaffinity, w.tid, sizeof(got), got), ESRCH);
	CHECK_ERR(SYS3(SYS_sched_setaffinity, w.tid, n, one), ESRCH);
}

/* A leader that exited stays named by its pid while its threads run. */
static void *leader_gone_main(void *arg)
{
	long pid = (long)arg;
	struct attr at = {.size = sizeof(at)};

	/* Wait for the leader to have gone. */
	for (int i = 0; i < 1000; i++) {
		char path[64], buf[256];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%ld/task/%ld/stat", pid,
			 pid);
		f = fopen(path, "r");
		if (!f)
			break;
		buf[0] = 0;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		{
			char *s = strrchr(buf, ')');

			if (s && (s[2] == 'Z' || s[2] == 'X'))
				break;
		}
		nap(5);
	}
	if (SYS2(SYS_getpriority, PRIO_PROCESS, pid) != 20 - 3)
		_exit(2);
	if (SYS1(SYS_sched_getscheduler, pid) != SCHED_OTHER)
		_exit(3);
	if (SYS4(SYS_sched_getattr, pid, &at, sizeof(at), 0) || at.nice != 3)
		_exit(4);
	_exit(0);
}

static void test_exited_leader(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		pthread_t th;

		SYS3(SYS_setpriority, PRIO_PROCESS, 0, 3);
		if (pthread_create(&th, NULL, leader_gone_main,
				   (void *)(long)SYS0(SYS_getpid)))
			_exit(1);
		SYS1(SYS_exit, 0); /* the leader alone */
	}
	CHECK_CHILD_OK(pid);
}

int main(void)
{
	test_prio_child();
	test_prio_thread();
	test_prio_pgrp();
	test_sched_child();
	test_affinity_thread();
	test_unprivileged();
	test_pgrp_mixed();
	if (nice_of(0) <= 3)
		test_exited_leader();
	return guest_done();
}
