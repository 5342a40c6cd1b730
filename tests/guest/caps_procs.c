// SPDX-License-Identifier: Apache-2.0
/*
 * capget and capset of other tasks: capget reads any task's sets, a
 * child's or another thread's (capabilities are per thread); capset of
 * any pid but the caller's is EPERM, even for root.
 */
#include "proc.h"

#include <pthread.h>
#include <stdint.h>

#define V1     0x19980330
#define V3     0x20080522
#define NO_PID 0x3fffffff

#define CAP_SYS_BOOT 22
#define CAP_MKNOD    27

struct hdr {
	uint32_t version;
	int pid;
};

struct data {
	uint32_t e, p, i;
};

struct sets {
	uint64_t e, p, i;
};

static long get(int pid, struct sets *s)
{
	struct hdr h = {V3, pid};
	struct data d[2];
	long r = SYS2(SYS_capget, &h, d);

	s->e = d[0].e | (uint64_t)d[1].e << 32;
	s->p = d[0].p | (uint64_t)d[1].p << 32;
	s->i = d[0].i | (uint64_t)d[1].i << 32;
	return r;
}

static long set(int pid, const struct sets *s)
{
	struct hdr h = {V3, pid};
	struct data d[2] = {{(uint32_t)s->e, (uint32_t)s->p, (uint32_t)s->i},
			    {(uint32_t)(s->e >> 32), (uint32_t)(s->p >> 32),
			     (uint32_t)(s->i >> 32)}};

	return SYS2(SYS_capset, &h, d);
}

#define CHECK_SETS(a, b)                                                       \
	do {                                                                   \
		CHECK_EQ((a).e, (b).e);                                        \
		CHECK_EQ((a).p, (b).p);                                        \
		CHECK_EQ((a).i, (b).i);                                        \
	} while (0)

/* A child drops capabilities; its parent reads them, may not set them. */
static void test_child(void)
{
	struct sets mine, got, want;
	int p[2], q[2];
	pid_t pid;

	CHECK_EQ(get(0, &mine), 0);
	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		struct sets s = mine;

		s.e &= ~(1ULL << CAP_SYS_BOOT);
		s.p &= ~(1ULL << CAP_SYS_BOOT);
		s.e &= ~(1ULL << CAP_MKNOD);
		s.i |= s.p & (1ULL << CAP_MKNOD);
		CHECK_EQ(set(0, &s), 0);
		CHECK_EQ(get(0, &s), 0);
		/* Its sets, as it sees them, for the parent to compare. */
		SYS3(SYS_write, q[1], &s, sizeof(s));
		get_byte(p[0]);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, q[0], &want, sizeof(want)), sizeof(want));
	CHECK_EQ(get(pid, &got), 0);
	CHECK_SETS(got, want);
	CHECK_EQ(got.e & (1ULL << CAP_SYS_BOOT), 0);
	/* The caller's own are its own. */
	CHECK_EQ(get(0, &got), 0);
	CHECK_SETS(got, mine);
	/* Version 1 gives the low 32 bits of each. */
	{
		struct hdr h = {V1, pid};
		struct data d[2];

		memset(d, 0xa5, sizeof(d));
		CHECK_EQ(SYS2(SYS_capget, &h, d), 0);
		CHECK_EQ(d[0].e, (uint32_t)want.e);
		CHECK_EQ(d[0].p, (uint32_t)want.p);
		CHECK_EQ(d[0].i, (uint32_t)want.i);
		CHECK_EQ(d[1].e, 0xa5a5a5a5);
	}
	/* No task sets another's, whatever its capabilities. */
	CHECK_ERR(set(pid, &mine), EPERM);
	CHECK_EQ(get(pid, &got), 0);
	CHECK_SETS(got, want);
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	/* Reaped: no such task for capget; still EPERM for capset. */
	CHECK_ERR(get(pid, &got), ESRCH);
	CHECK_ERR(get(NO_PID, &got), ESRCH);
	CHECK_ERR(set(NO_PID, &mine), EPERM);
	CHECK_ERR(get(-1, &got), EINVAL);
}

/* Capabilities are per thread: a thread's own change is its alone. */
struct capthread {
	int to[2], from[2];
	long tid;
	struct sets before, after;
};

static void *thread_main(void *arg)
{
	struct capthread *c = arg;
	struct sets s;

	c->tid = SYS0(SYS_gettid);
	get(0, &c->before);
	s = c->before;
	s.e &= ~(1ULL << CAP_SYS_BOOT);
	if (set(0, &s) == 0)
		get(0, &c->after);
	put_byte(c->from[1], 'r');
	get_byte(c->to[0]);
	return NULL;
}

static void test_thread(void)
{
	struct capthread c = {0};
	struct sets mine, got;
	pthread_t th;

	CHECK_EQ(get(0, &mine), 0);
	make_pipe(c.to);
	make_pipe(c.from);
	if (pthread_create(&th, NULL, thread_main, &c)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(get_byte(c.from[0]), 'r');
	CHECK_SETS(c.before, mine);
	CHECK_EQ(c.after.e, mine.e & ~(1ULL << CAP_SYS_BOOT));
	/* By its tid: the thread's sets; by 0 or our own: ours. */
	CHECK_EQ(get(c.tid, &got), 0);
	CHECK_SETS(got, c.after);
	CHECK_EQ(get(0, &got), 0);
	CHECK_SETS(got, mine);
	CHECK_EQ(get(SYS0(SYS_gettid), &got), 0);
	CHECK_SETS(got, mine);
	/* A thread of the same process is another task all the same. */
	CHECK_ERR(set(c.tid, &mine), EPERM);
	/* The caller's own tid is the caller. */
	CHECK_EQ(set(SYS0(SYS_gettid), &mine), 0);
	put_byte(c.to[1], 'g');
	pthread_join(th, NULL);
	close2(c.to);
	close2(c.from);
}

int main(void)
{
	test_child();
	test_thread();
	return guest_done();
}
