// SPDX-License-Identifier: Apache-2.0
/*
 * prlimit64 and get_robust_list on other tasks. prlimit64 reads and sets
 * the limits of any task's process (a thread's tid names its process)
 * when every uid and gid of the target is the caller's real one, else
 * needs CAP_SYS_RESOURCE; get_robust_list reads any thread's head under
 * ptrace_may_access's rule (the same ids, and a dumpable target).
 *
 * Root's capabilities are never relied on (it may lack CAP_SYS_RESOURCE
 * natively): the permission checks run in unprivileged children.
 */
#include "proc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define NO_PID 0x3fffffff
#define UID    54321

struct rl {
	uint64_t cur, max;
};

static struct rl limit(long pid, int res)
{
	struct rl r = {0, 0};

	CHECK_EQ(SYS4(SYS_prlimit64, pid, res, NULL, &r), 0);
	return r;
}

/* The head and length get_robust_list gives for tid: 0 or -errno. */
static long robust(long tid, uint64_t *head)
{
	uint64_t len = 0;
	long r = SYS3(SYS_get_robust_list, tid, head, &len);

	if (r == 0)
		CHECK_EQ(len, 24);
	return r;
}

/* A child that sends what it sees and waits for a byte. */
struct seen {
	struct rl nofile;
	uint64_t head;
};

static void send_seen(int fd)
{
	struct seen s;

	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_NOFILE, &s.nofile), 0);
	CHECK_EQ(robust(0, &s.head), 0);
	SYS3(SYS_write, fd, &s, sizeof(s));
}

static void read_seen(int fd, struct seen *s)
{
	CHECK_EQ(SYS3(SYS_read, fd, s, sizeof(*s)), sizeof(*s));
}

/* Root's own child: the same ids, so its limits are root's to change. */
static void test_child(void)
{
	struct rl mine = limit(0, RLIMIT_NOFILE), old = {0, 0}, now;
	struct rl low = {64, mine.max};
	struct seen s;
	uint64_t head = 0;
	int p[2], q[2];
	pid_t pid;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		send_seen(q[1]);
		get_byte(p[0]);
		send_seen(q[1]);
		get_byte(p[0]);
		child_exit();
	}
	read_seen(q[0], &s);
	now = limit(pid, RLIMIT_NOFILE);
	CHECK_EQ(now.cur, mine.cur);
	CHECK_EQ(now.max, mine.max);
	CHECK_EQ(SYS4(SYS_prlimit64, pid, RLIMIT_NOFILE, &low, &old), 0);
	CHECK_EQ(old.cur, mine.cur);
	CHECK_EQ(old.max, mine.max);
	now = limit(pid, RLIMIT_NOFILE);
	CHECK_EQ(now.cur, 64);
	/* The caller's own limits stay. */
	now = limit(0, RLIMIT_NOFILE);
	CHECK_EQ(now.cur, mine.cur);
	/* Its robust list head, as it sees it itself. */
	CHECK_EQ(robust(pid, &head), 0);
	CHECK_EQ(head, s.head);
	put_byte(p[1], 'g');
	read_seen(q[0], &s);
	CHECK_EQ(s.nofile.cur, 64);
	CHECK_EQ(s.nofile.max, mine.max);
	/* Checks in the kernel's order: the limit, the pid, the resource. */
	CHECK_ERR(SYS4(SYS_prlimit64, pid, RLIMIT_NLIMITS, NULL, &old), EINVAL);
	CHECK_ERR(SYS4(SYS_prlimit64, pid, RLIMIT_NOFILE, 8, NULL), EFAULT);
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	CHECK_ERR(SYS4(SYS_prlimit64, pid, RLIMIT_NOFILE, NULL, &old), ESRCH);
	CHECK_ERR(SYS4(SYS_prlimit64, NO_PID, RLIMIT_NOFILE, NULL, &old),
		  ESRCH);
	CHECK_ERR(SYS4(SYS_prlimit64, NO_PID, RLIMIT_NOFILE, 8, NULL), EFAULT);
	CHECK_ERR(robust(pid, &head), ESRCH);
	CHECK_ERR(robust(NO_PID, &head), ESRCH);
}

/* A thread: its tid names the process's limits; its own robust list. */
struct thread {
	int to[2], from[2];
	long tid;
	uint64_t head;
	struct rl nofile;
};

static void *thread_main(void *arg)
{
	struct thread *th = arg;

	th->tid = SYS0(SYS_gettid);
	robust(0, &th->head);
	put_byte(th->from[1], 'r');
	get_byte(th->to[0]);
	SYS2(SYS_getrlimit, RLIMIT_NOFILE, &th->nofile);
	return NULL;
}

static void test_thread(void)
{
	struct rl mine = limit(0, RLIMIT_NOFILE),
		  low = {mine.cur - 1, mine.max};
	struct thread th = {0};
	uint64_t head = 0, own = 0;
	pthread_t pt;

	make_pipe(th.to);
	make_pipe(th.from);
	if (pthread_create(&pt, NULL, thread_main, &th)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(get_byte(th.from[0]), 'r');
	CHECK_EQ(robust(th.tid, &head), 0);
	CHECK_EQ(head, th.head);
	CHECK_EQ(robust(0, &own), 0);
	CHECK(own != head);
	CHECK_EQ(robust(SYS0(SYS_gettid), &head), 0);
	CHECK_EQ(head, own);
	/* The thread's limits are its process's: ours. */
	CHECK_EQ(limit(th.tid, RLIMIT_NOFILE).cur, mine.cur);
	CHECK_EQ(SYS4(SYS_prlimit64, th.tid, RLIMIT_NOFILE, &low, NULL), 0);
	CHECK_EQ(limit(0, RLIMIT_NOFILE).cur, mine.cur - 1);
	put_byte(th.to[1], 'g');
	pthread_join(pt, NULL);
	CHECK_EQ(th.nofile.cur, mine.cur - 1);
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &mine, NULL), 0);
	close2(th.to);
	close2(th.from);
	wait_thread_gone(th.tid);
	CHECK_ERR(robust(th.tid, &head), ESRCH);
}

/* Sets the uids (gids all UID), drops the rest, stays dumpable. */
static void become(long ruid, long euid, long suid)
{
	SYS2(SYS_setgroups, 0, NULL);
	CHECK_EQ(SYS3(SYS_setresgid, UID, UID, UID), 0);
	CHECK_EQ(SYS3(SYS_setresuid, ruid, euid, suid), 0);
	CHECK_EQ(SYS5(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
}

/* A grandchild as ids (ruid, euid, suid); dumpable or not. */
static pid_t user_child(int p[2], int q[2], long suid, bool dumpable)
{
	pid_t pid;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		become(UID, UID, suid);
		if (!dumpable)
			CHECK_EQ(SYS5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0),
				 0);
		put_byte(q[1], 'r');
		get_byte(p[0]);
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');
	return pid;
}

static void end_child(pid_t pid, int p[2], int q[2])
{
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
}

static void test_unprivileged(void)
{
	struct rl old, low = {32, 32}, high = {32, 33};
	int p1[2], q1[2], p2[2], q2[2], p3[2], q3[2];
	pid_t pid, same, saved, undumpable;
	uint64_t head;
	long ppid;

	pid = spawn();
	if (pid != 0) {
		CHECK_CHILD_OK(pid);
		return;
	}
	ppid = SYS0(SYS_getppid);
	same = user_child(p1, q1, UID, true);
	saved = user_child(p2, q2, 0, true);
	undumpable = user_child(p3, q3, UID, false);
	become(UID, UID, UID);

	/* Root's process: neither its limits nor its list, not even read. */
	CHECK_ERR(SYS4(SYS_prlimit64, ppid, RLIMIT_NOFILE, NULL, &old), EPERM);
	CHECK_ERR(SYS4(SYS_prlimit64, ppid, RLIMIT_NOFILE, &low, NULL), EPERM);
	/* The permission comes before the resource. */
	CHECK_ERR(SYS4(SYS_prlimit64, ppid, RLIMIT_NLIMITS, NULL, &old), EPERM);
	CHECK_ERR(robust(ppid, &head), EPERM);

	/* Its own user's: read, lowered; a hard limit not raised again. */
	CHECK_EQ(SYS4(SYS_prlimit64, same, RLIMIT_NOFILE, &low, NULL), 0);
	old = limit(same, RLIMIT_NOFILE);
	CHECK_EQ(old.cur, 32);
	CHECK_EQ(old.max, 32);
	CHECK_ERR(SYS4(SYS_prlimit64, same, RLIMIT_NOFILE, &high, NULL), EPERM);
	CHECK_EQ(robust(same, &head), 0);

	/* A saved uid of root's: not all its ids are the caller's. */
	CHECK_ERR(SYS4(SYS_prlimit64, saved, RLIMIT_NOFILE, NULL, &old), EPERM);
	CHECK_ERR(robust(saved, &head), EPERM);

	/* Not dumpable: its limits yes, its robust list no. */
	CHECK_EQ(SYS4(SYS_prlimit64, undumpable, RLIMIT_NOFILE, NULL, &old), 0);
	CHECK_ERR(robust(undumpable, &head), EPERM);

	end_child(same, p1, q1);
	end_child(saved, p2, q2);
	end_child(undumpable, p3, q3);
	child_exit();
}

int main(void)
{
	test_child();
	test_thread();
	test_unprivileged();
	return guest_done();
}
