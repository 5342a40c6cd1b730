// SPDX-License-Identifier: Apache-2.0
/*
 * The rest of futex(2) and futex_waitv(2), as one thread can see them:
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE counts and errors; FUTEX_WAKE_OP's
 * change of the second word for every op, with and without
 * FUTEX_OP_OPARG_SHIFT, and its errors; the PI futexes (LOCK_PI, LOCK_PI2,
 * TRYLOCK_PI, UNLOCK_PI, CMP_REQUEUE_PI, WAIT_REQUEUE_PI) on free, own and
 * dead owners' words; futex_waitv's argument checks, EAGAIN, timeouts on
 * both clocks and interruption by a signal handler.
 */
#include "guest.h"

#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif

#define MS 1000000L
/* A TID above PID_MAX_LIMIT (4M): no task can have it. */
#define DEAD_TID 0x3ffffff0U

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, long val2,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	return SYS6(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec at(clockid_t c, int64_t after_ns)
{
	int64_t ns = now_ns(c) + after_ns;

	return (struct timespec){ns / 1000000000LL, ns % 1000000000LL};
}

/* A page that reads but does not write, and an address mapped nowhere. */
static volatile uint32_t *ro_page, *unmapped;

static void setup_pages(void)
{
	void *p =
	    mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	ro_page = p;
	unmapped = (uint32_t *)((char *)p + 4096);
	CHECK_OK(SYS2(SYS_munmap, unmapped, 4096));
}

static void test_requeue(void)
{
	static uint32_t w[4] = {1, 2};
	const int p = FUTEX_PRIVATE_FLAG;

	/* No waiters: nothing woken, nothing moved. */
	CHECK_EQ(futex(&w[0], FUTEX_REQUEUE | p, 1, 1, &w[1], 0), 0);
	CHECK_EQ(futex(&w[0], FUTEX_REQUEUE, 5, 5, &w[1], 0), 0);
	CHECK_EQ(futex(&w[0], FUTEX_REQUEUE | p, 1, 1, &w[0], 0), 0);
	CHECK_EQ(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 1, &w[1], 1), 0);
	CHECK_EQ(futex(&w[0], FUTEX_CMP_REQUEUE, 0, 0, &w[1], 1), 0);
	CHECK_EQ(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 1, &w[0], 1), 0);
	/* The count to move is the timeout argument, as an int. */
	CHECK_EQ(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 0x100000000L, &w[1], 1),
		 0);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 1, &w[1], 2), EAGAIN);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 1, &w[1], 0), EAGAIN);
	CHECK_EQ(w[0], 1);
	CHECK_EQ(w[1], 2);
	/* Negative counts. */
	CHECK_ERR(futex(&w[0], FUTEX_REQUEUE | p, -1, 1, &w[1], 0), EINVAL);
	CHECK_ERR(futex(&w[0], FUTEX_REQUEUE | p, 1, -1, &w[1], 0), EINVAL);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 0xffffffffL, &w[1], 1),
		  EINVAL);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | p, -5, 1, &w[1], 1), EINVAL);
	/* Misaligned words. */
	CHECK_ERR(futex((uint32_t *)((char *)&w[0] + 1), FUTEX_REQUEUE | p, 1,
			1, &w[1], 0),
		  EINVAL);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | p, 1, 1,
			(uint32_t *)((char *)&w[1] + 2), 1),
		  EINVAL);
	/* The compared word must read; a shared key needs both pages. */
	CHECK_ERR(futex(unmapped, FUTEX_CMP_REQUEUE | p, 1, 1, &w[1], 0),
		  EFAULT);
	CHECK_EQ(futex(&w[0], FUTEX_REQUEUE | p, 1, 1, unmapped, 0), 0);
	CHECK_ERR(futex(&w[0], FUTEX_REQUEUE, 1, 1, unmapped, 0), EFAULT);
	CHECK_ERR(futex(unmapped, FUTEX_REQUEUE, 1, 1, &w[1], 0), EFAULT);
	/* No clock to choose. */
	CHECK_ERR(
	    futex(&w[0], FUTEX_REQUEUE | FUTEX_CLOCK_REALTIME, 1, 1, &w[1], 0),
	    ENOSYS);
	CHECK_ERR(futex(&w[0], FUTEX_CMP_REQUEUE | FUTEX_CLOCK_REALTIME, 1, 1,
			&w[1], 1),
		  ENOSYS);
	/* The wakes with no waiter; shared ones need the page. */
	CHECK_EQ(futex(&w[0], FUTEX_WAKE | p, 1, 0, NULL, 0), 0);
	CHECK_EQ(futex(unmapped, FUTEX_WAKE | p, 1, 0, NULL, 0), 0);
	CHECK_ERR(futex(unmapped, FUTEX_WAKE, 1, 0, NULL, 0), EFAULT);
}

/* WAKE_OP on *w2 from before: returns what the word holds after. */
static uint32_t wake_op(uint32_t before, int op, int oparg, long *ret)
{
	static uint32_t w1, w2;

	w2 = before;
	*ret = futex(&w1, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &w2,
		     FUTEX_OP(op, oparg, FUTEX_OP_CMP_EQ, 0));
	return w2;
}

static void test_wake_op(void)
{
	static uint32_t w1, w2;
	const int p = FUTEX_PRIVATE_FLAG;
	const int sh = FUTEX_OP_OPARG_SHIFT;
	long r;

	CHECK_EQ(wake_op(7, FUTEX_OP_SET, 5, &r), 5);
	CHECK_EQ(r, 0);
	CHECK_EQ(wake_op(7, FUTEX_OP_ADD, 5, &r), 12);
	CHECK_EQ(r, 0);
	CHECK_EQ(wake_op(7, FUTEX_OP_ADD, -3, &r), 4);
	CHECK_EQ(wake_op(0, FUTEX_OP_ADD, -1, &r), 0xffffffffU);
	CHECK_EQ(wake_op(0x10, FUTEX_OP_OR, 3, &r), 0x13);
	CHECK_EQ(wake_op(0xff, FUTEX_OP_ANDN, 0x0f, &r), 0xf0);
	CHECK_EQ(wake_op(0xff, FUTEX_OP_XOR, 0x101, &r), 0x1fe);
	/* oparg is a 12-bit signed field. */
	CHECK_EQ(wake_op(0, FUTEX_OP_SET, 0x7ff, &r), 0x7ff);
	CHECK_EQ(wake_op(0, FUTEX_OP_SET, -0x800, &r), 0xfffff800U);
	/* OPARG_SHIFT: the argument is 1 << oparg. */
	CHECK_EQ(wake_op(7, FUTEX_OP_SET | sh, 4, &r), 16);
	CHECK_EQ(r, 0);
	CHECK_EQ(wake_op(7, FUTEX_OP_ADD | sh, 3, &r), 15);
	CHECK_EQ(wake_op(1, FUTEX_OP_OR | sh, 31, &r), 0x80000001U);
	CHECK_EQ(wake_op(0xff, FUTEX_OP_ANDN | sh, 0, &r), 0xfe);
	CHECK_EQ(wake_op(0xff, FUTEX_OP_XOR | sh, 8, &r), 0x1ff);

	/* Every comparison, with no one to wake: 0, the op done. */
	for (int cmp = FUTEX_OP_CMP_EQ; cmp <= FUTEX_OP_CMP_GE; cmp++) {
		w2 = 3;
		CHECK_EQ(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, &w2,
			       FUTEX_OP(FUTEX_OP_ADD, 1, cmp, 3)),
			 0);
		CHECK_EQ(w2, 4);
	}
	/* An unknown op: ENOSYS, nothing done. */
	w2 = 3;
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, &w2,
			FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0)),
		  ENOSYS);
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, &w2,
			FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0)),
		  ENOSYS);
	CHECK_EQ(w2, 3);
	/* An unknown comparison: ENOSYS, but the op is already done. */
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, &w2,
			FUTEX_OP(FUTEX_OP_ADD, 1, 6, 0)),
		  ENOSYS);
	CHECK_EQ(w2, 4);
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, &w2,
			FUTEX_OP(FUTEX_OP_ADD, 1, 15, 0)),
		  ENOSYS);
	CHECK_EQ(w2, 5);
	/* The second word must be writable. */
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, unmapped,
			FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
		  EFAULT);
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1, ro_page,
			FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
		  EFAULT);
	CHECK_EQ(*ro_page, 0);
	/* The first only when shared. */
	CHECK_EQ(futex(unmapped, FUTEX_WAKE_OP | p, 1, 1, &w2,
		       FUTEX_OP(FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 0)),
		 0);
	CHECK_EQ(w2, 9);
	CHECK_ERR(futex((uint32_t *)((char *)&w1 + 1), FUTEX_WAKE_OP | p, 1, 1,
			&w2, 0),
		  EINVAL);
	CHECK_ERR(futex(&w1, FUTEX_WAKE_OP | p, 1, 1,
			(uint32_t *)((char *)&w2 + 1), 0),
		  EINVAL);
	CHECK_ERR(
	    futex(&w1, FUTEX_WAKE_OP | FUTEX_CLOCK_REALTIME, 1, 1, &w2, 0),
	    ENOSYS);
	CHECK_EQ(w2, 9);
}

static void test_pi(void)
{
	static uint32_t w, w2;
	const uint32_t tid = (uint32_t)SYS0(SYS_gettid);
	const int p = FUTEX_PRIVATE_FLAG;
	struct timespec bad = {0, 2000000000L}, ts;
	int64_t t0;

	/* Free: the caller's TID; again: deadlock; unlock: 0. */
	w = 0;
	CHECK_EQ(futex(&w, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, tid);
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), EDEADLK);
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI2 | p, 0, 0, NULL, 0), EDEADLK);
	CHECK_ERR(futex(&w, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), EDEADLK);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, 0);
	CHECK_ERR(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EPERM);
	CHECK_EQ(futex(&w, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, tid);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI, 0, 0, NULL, 0), 0);
	CHECK_EQ(futex(&w, FUTEX_LOCK_PI2 | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, tid);
	/* The owner's flag bits do not matter; unlock clears them. */
	w = tid | FUTEX_WAITERS | FUTEX_OWNER_DIED;
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), EDEADLK);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, 0);
	/* A free word keeps OWNER_DIED, loses a stale WAITERS. */
	w = FUTEX_OWNER_DIED;
	CHECK_EQ(futex(&w, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, FUTEX_OWNER_DIED | tid);
	w = FUTEX_WAITERS;
	CHECK_EQ(futex(&w, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), 0);
	CHECK_EQ(w, tid);
	/* Owned by no task: ESRCH, FUTEX_WAITERS set on the way. */
	w = DEAD_TID;
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), ESRCH);
	CHECK_EQ(w, DEAD_TID | FUTEX_WAITERS);
	CHECK_ERR(futex(&w, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), ESRCH);
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI2 | p, 0, 0, NULL, 0), ESRCH);
	CHECK_EQ(w, DEAD_TID | FUTEX_WAITERS);
	CHECK_ERR(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EPERM);
	w = DEAD_TID;
	CHECK_ERR(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EPERM);
	CHECK_EQ(w, DEAD_TID);
	/* Timeouts: checked for LOCK_PI, ignored by TRYLOCK_PI. */
	w = 0;
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI | p, 0, (long)&bad, NULL, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_LOCK_PI | p, 0, 8, NULL, 0), EFAULT);
	CHECK_EQ(w, 0);
	CHECK_EQ(futex(&w, FUTEX_TRYLOCK_PI | p, 0, (long)&bad, NULL, 0), 0);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), 0);
	ts = at(CLOCK_REALTIME, 50 * MS);
	CHECK_EQ(futex(&w, FUTEX_LOCK_PI | p, 0, (long)&ts, NULL, 0), 0);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), 0);
	/* Clocks: only LOCK_PI2 takes FUTEX_CLOCK_REALTIME. */
	CHECK_ERR(
	    futex(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, 0, NULL, 0),
	    ENOSYS);
	CHECK_ERR(
	    futex(&w, FUTEX_TRYLOCK_PI | FUTEX_CLOCK_REALTIME, 0, 0, NULL, 0),
	    ENOSYS);
	CHECK_ERR(
	    futex(&w, FUTEX_UNLOCK_PI | FUTEX_CLOCK_REALTIME, 0, 0, NULL, 0),
	    ENOSYS);
	CHECK_EQ(
	    futex(&w, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME | p, 0, 0, NULL, 0),
	    0);
	CHECK_EQ(futex(&w, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), 0);
	/* Bad words. */
	CHECK_ERR(futex((uint32_t *)((char *)&w + 2), FUTEX_LOCK_PI | p, 0, 0,
			NULL, 0),
		  EINVAL);
	CHECK_ERR(futex(unmapped, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), EFAULT);
	CHECK_ERR(futex(unmapped, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), EFAULT);
	CHECK_ERR(futex(unmapped, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EFAULT);
	/* Read-only: a free word cannot be taken (EFAULT), an unowned one is
	 * not ours (EPERM). */
	CHECK_ERR(futex(ro_page, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), EFAULT);
	CHECK_ERR(futex(ro_page, FUTEX_TRYLOCK_PI | p, 0, 0, NULL, 0), EFAULT);
	CHECK_ERR(futex(ro_page, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EPERM);
	CHECK_EQ(*ro_page, 0);
	/* Owned by the caller but read-only: deadlock, or no way to clear. */
	{
		uint32_t *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(q != MAP_FAILED);
		*q = tid;
		CHECK_OK(SYS3(SYS_mprotect, q, 4096, PROT_READ));
		CHECK_ERR(futex(q, FUTEX_LOCK_PI | p, 0, 0, NULL, 0), EDEADLK);
		CHECK_ERR(futex(q, FUTEX_UNLOCK_PI | p, 0, 0, NULL, 0), EFAULT);
		CHECK_EQ(*q, tid);
		CHECK_OK(SYS2(SYS_munmap, q, 4096));
	}

	/* FUTEX_WAKE on a PI word with no waiter: 0. */
	w = tid;
	CHECK_EQ(futex(&w, FUTEX_WAKE | p, 1, 0, NULL, 0), 0);
	w = 0;

	/* CMP_REQUEUE_PI: exactly one to wake, two words, the compare. */
	w2 = 0;
	CHECK_EQ(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, 0, &w2, 0), 0);
	CHECK_EQ(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, 5, &w2, 0), 0);
	CHECK_EQ(w2, 0);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, 0, &w2, 1), EAGAIN);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 2, 0, &w2, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 0, 0, &w2, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, -1, &w2, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, 0, &w, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | p, 1, 0, unmapped, 0),
		  EFAULT);
	CHECK_ERR(futex(&w, FUTEX_CMP_REQUEUE_PI | FUTEX_CLOCK_REALTIME, 1, 0,
			&w2, 0),
		  ENOSYS);

	/* WAIT_REQUEUE_PI: two words, the value, an absolute timeout. */
	CHECK_ERR(futex(&w, FUTEX_WAIT_REQUEUE_PI | p, 0, 0, &w, 0), EINVAL);
	CHECK_ERR(futex(&w, FUTEX_WAIT_REQUEUE_PI | p, 1, 0, &w2, 0), EAGAIN);
	CHECK_ERR(futex(unmapped, FUTEX_WAIT_REQUEUE_PI | p, 0, 0, &w2, 0),
		  EFAULT);
	CHECK_ERR(futex(&w, FUTEX_WAIT_REQUEUE_PI | p, 0, (long)&bad, &w2, 0),
		  EINVAL);
	ts = at(CLOCK_MONOTONIC, 50 * MS);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_ERR(futex(&w, FUTEX_WAIT_REQUEUE_PI | p, 0, (long)&ts, &w2, 0),
		  ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 40 * MS);
	ts = at(CLOCK_REALTIME, 50 * MS);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_ERR(futex(&w, FUTEX_WAIT_REQUEUE_PI | FUTEX_CLOCK_REALTIME | p, 0,
			(long)&ts, &w2, 0),
		  ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 40 * MS);
	CHECK_EQ(w2, 0);
}

static long waitv(struct futex_waitv *v, unsigned n, unsigned flags,
		  struct timespec *ts, clockid_t clk)
{
	return SYS5(SYS_futex_waitv, v, n, flags, ts, clk);
}

static void test_waitv(void)
{
	static uint32_t words[FUTEX_WAITV_MAX + 1];
	static struct futex_waitv v[FUTEX_WAITV_MAX + 1];
	const unsigned sz = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
	struct timespec ts, bad = {0, -1};
	struct itimerval it = {.it_value = {0, 100000}};
	struct sigaction sa = {0};
	int64_t t0;

	for (int i = 0; i <= FUTEX_WAITV_MAX; i++) {
		words[i] = (uint32_t)i;
		v[i] = (struct futex_waitv){.val = (uint64_t)i,
					    .uaddr = (uintptr_t)&words[i],
					    .flags = sz};
	}
	/* Counts, flags and the array. */
	ts = at(CLOCK_MONOTONIC, 0);
	CHECK_ERR(waitv(v, 0, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR(waitv(v, FUTEX_WAITV_MAX + 1, 0, &ts, CLOCK_MONOTONIC),
		  EINVAL);
	CHECK_ERR(waitv(v, 1, 1, &ts, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR(waitv(NULL, 1, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR(waitv((void *)unmapped, 1, 0, &ts, CLOCK_MONOTONIC), EFAULT);
	CHECK_ERR(waitv(v, 1, 0, &ts, CLOCK_PROCESS_CPUTIME_ID), EINVAL);
	CHECK_ERR(waitv(v, 1, 0, &ts, CLOCK_BOOTTIME), EINVAL);
	CHECK_ERR(waitv(v, 1, 0, &bad, CLOCK_MONOTONIC), EINVAL);
	CHECK_ERR(waitv(v, 1, 0, (void *)unmapped, CLOCK_MONOTONIC), EFAULT);
	/* A waiter's flags: a 32-bit size, maybe private, nothing else. */
	v[1].flags = 0;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].flags = FUTEX2_PRIVATE;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].flags = 3 | FUTEX2_PRIVATE; /* 64-bit */
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].flags = sz | 0x100;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].flags = sz;
	v[1].__reserved = 1;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].__reserved = 0;
	v[1].uaddr = (uintptr_t)&words[1] + 1;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL);
	v[1].uaddr = (uintptr_t)unmapped;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EFAULT);
	v[1].flags = FUTEX2_SIZE_U32;
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EFAULT);
	v[1].flags = sz;
	v[1].uaddr = (uintptr_t)&words[1];

	/* A value that differs, anywhere: EAGAIN at once. */
	words[5] = 99;
	CHECK_ERR(waitv(v, 6, 0, NULL, 0), EAGAIN);
	CHECK_ERR(waitv(&v[5], 1, 0, &ts, CLOCK_MONOTONIC), EAGAIN);
	words[5] = 5;
	/* Timeouts, absolute, on either clock; past ones at once. */
	CHECK_ERR(waitv(v, 1, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT);
	ts = (struct timespec){0, 0};
	CHECK_ERR(waitv(v, 1, 0, &ts, CLOCK_REALTIME), ETIMEDOUT);
	ts = at(CLOCK_MONOTONIC, 50 * MS);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_ERR(waitv(v, FUTEX_WAITV_MAX, 0, &ts, CLOCK_MONOTONIC),
		  ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 40 * MS);
	ts = at(CLOCK_REALTIME, 50 * MS);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_ERR(waitv(&v[3], 2, 0, &ts, CLOCK_REALTIME), ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 40 * MS);
	/* The clock is not looked at without a timeout. */
	alarms = 0;
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	it.it_value = (struct timeval){0, 100000};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
	t0 = now_ns(CLOCK_MONOTONIC);
	/* A handler without SA_RESTART: EINTR. */
	CHECK_ERR(waitv(v, 4, 0, NULL, 12345), EINTR);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 80 * MS);
	CHECK_EQ(alarms, 1);
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
	ts = at(CLOCK_MONOTONIC, 20000 * MS);
	CHECK_ERR(waitv(v, FUTEX_WAITV_MAX, 0, &ts, CLOCK_MONOTONIC), EINTR);
	CHECK_EQ(alarms, 2);
	/* With SA_RESTART it goes on to the same absolute deadline. */
	sa.sa_flags = SA_RESTART;
	CHECK_OK(sigaction(SIGALRM, &sa, NULL));
	it.it_value = (struct timeval){0, 50000};
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
	ts = at(CLOCK_MONOTONIC, 300 * MS);
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 280 * MS);
	CHECK_EQ(alarms, 3);
	/* FUTEX_WAKE on the words: no one waits now. */
	CHECK_EQ(
	    futex(&words[0], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, NULL, 0),
	    0);
}

int main(void)
{
	setup_pages();
	test_requeue();
	test_wake_op();
	test_pi();
	test_waitv();
	return guest_done();
}
