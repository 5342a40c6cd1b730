// SPDX-License-Identifier: Apache-2.0
/*
 * Synchronization between threads, for correctness only: a futex
 * ping-pong of ten thousand round trips (private and shared futexes); a
 * condition variable broadcast waking eight waiters, in rounds; a barrier
 * of eight threads over a hundred rounds, with one serial thread each;
 * robust mutexes: a thread that exits (SYS_exit) holding one leaves it to
 * the next locker with EOWNERDEAD, also to one already blocked in the
 * lock, pthread_mutex_consistent makes it usable again and an unlock
 * without it makes it ENOTRECOVERABLE; the same for a process-shared
 * robust mutex whose owner process dies. Threads mapping, writing,
 * protecting and unmapping memory all at once.
 */
#include "threads.h"

#include <sys/mman.h>

/* ---- futex ping-pong ---- */

#define PINGS 10000

static volatile int turn;
static int ping_op;
static int ping_log[2];
static int ping_bad;

static void wait_turn(int me)
{
	int v;

	while ((v = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
		SYS6(SYS_futex, &turn, FUTEX_WAIT | ping_op, v, 0, 0, 0);
}

static void give_turn(int other)
{
	__atomic_store_n(&turn, other, __ATOMIC_RELEASE);
	SYS6(SYS_futex, &turn, FUTEX_WAKE | ping_op, 1, 0, 0, 0);
}

static volatile long counter;

static void *pong_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < PINGS; i++) {
		wait_turn(1);
		/* Each side sees the other's last step, and no more. */
		if (counter != 2 * i + 1)
			ping_bad++;
		counter++;
		ping_log[1]++;
		give_turn(0);
	}
	return NULL;
}

static void test_ping_pong(int op)
{
	pthread_t t;

	ping_op = op;
	turn = 0;
	counter = 0;
	ping_bad = 0;
	ping_log[0] = ping_log[1] = 0;
	t = start(pong_main, NULL);
	for (int i = 0; i < PINGS; i++) {
		wait_turn(0);
		if (counter != 2 * i)
			ping_bad++;
		counter++;
		ping_log[0]++;
		give_turn(1);
	}
	wait_turn(0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(counter, 2 * PINGS);
	CHECK_EQ(ping_log[0], PINGS);
	CHECK_EQ(ping_log[1], PINGS);
	CHECK_EQ(ping_bad, 0);
}

/* ---- condition variable broadcast ---- */

#define WAITERS 8

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cv_count = PTHREAD_COND_INITIALIZER;
static int cv_gen, cv_waiting, cv_woken;
static int cv_seen[WAITERS];

static void *cv_main(void *arg)
{
	int i = (int)(long)arg;
	int gen;

	pthread_mutex_lock(&cv_lock);
	gen = cv_gen;
	cv_waiting++;
	pthread_cond_signal(&cv_count);
	while (cv_gen == gen)
		pthread_cond_wait(&cv, &cv_lock);
	cv_seen[i] = cv_gen;
	cv_woken++;
	pthread_mutex_unlock(&cv_lock);
	return (void *)(long)(100 + i);
}

static void test_cond_broadcast(void)
{
	for (int round = 0; round < 5; round++) {
		pthread_t t[WAITERS];

		cv_waiting = cv_woken = 0;
		for (int i = 0; i < WAITERS; i++) {
			cv_seen[i] = -1;
			t[i] = start(cv_main, (void *)(long)i);
		}
		pthread_mutex_lock(&cv_lock);
		/* Each waiter counted itself and released the lock in
		 * pthread_cond_wait: all eight are waiting. */
		while (cv_waiting < WAITERS)
			pthread_cond_wait(&cv_count, &cv_lock);
		CHECK_EQ(cv_woken, 0);
		cv_gen++;
		CHECK_EQ(pthread_cond_broadcast(&cv), 0);
		pthread_mutex_unlock(&cv_lock);
		for (int i = 0; i < WAITERS; i++) {
			void *ret = NULL;

			CHECK_EQ(pthread_join(t[i], &ret), 0);
			CHECK_EQ((long)ret, 100 + i);
			CHECK_EQ(cv_seen[i], cv_gen);
		}
		CHECK_EQ(cv_woken, WAITERS);
	}
}

/* ---- barrier ---- */

#define BARRIER_THREADS 8
#define BARRIER_ROUNDS	100

static pthread_barrier_t barrier;
static volatile int slots[2][BARRIER_THREADS];
static int serials, barrier_bad;

static void *barrier_main(void *arg)
{
	int i = (int)(long)arg;

	for (int round = 0; round < BARRIER_ROUNDS; round++) {
		int r;

		slots[round % 2][i] = round;
		r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serials, 1, __ATOMIC_SEQ_CST);
		else if (r != 0)
			__atomic_add_fetch(&barrier_bad, 1, __ATOMIC_SEQ_CST);
		/* Everyone wrote this round's slot before anyone passed;
		 * the slots of the next round are the other row. */
		for (int j = 0; j < BARRIER_THREADS; j++)
			if (slots[round % 2][j] != round)
				__atomic_add_fetch(&barrier_bad, 1,
						   __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void test_barrier(void)
{
	pthread_t t[BARRIER_THREADS];

	CHECK_EQ(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS), 0);
	for (int i = 0; i < BARRIER_THREADS; i++)
		t[i] = start(barrier_main, (void *)(long)i);
	for (int i = 0; i < BARRIER_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(serials, BARRIER_ROUNDS);
	CHECK_EQ(barrier_bad, 0);
	CHECK_EQ(pthread_barrier_destroy(&barrier), 0);
}

/* ---- robust mutexes ---- */

static pthread_mutex_t *robust;
static volatile int robust_step, owner_gate;

static void robust_init(pthread_mutex_t *m, int pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	CHECK_EQ(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_EQ(pthread_mutexattr_setpshared(&a, pshared), 0);
	CHECK_EQ(pthread_mutex_init(m, &a), 0);
	pthread_mutexattr_destroy(&a);
}

/* Locks the mutex and dies with it held, by the raw exit. */
static void *robust_owner(void *arg)
{
	(void)arg;
	CHECK_EQ(pthread_mutex_lock(robust), 0);
	store_wake(&robust_step, 1);
	block_on(&owner_gate, 0);
	SYS1(SYS_exit, 0);
	return NULL;
}

static struct timespec deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += BOUND_MS / 1000;
	return ts;
}

static volatile int blocked_result = -1;

/* Blocks in the lock while its owner is alive. */
static void *robust_waiter(void *arg)
{
	struct timespec dl = deadline();
	int r;

	(void)arg;
	store_wake(&robust_step, 2);
	r = pthread_mutex_timedlock(robust, &dl);
	blocked_result = r;
	if (r == EOWNERDEAD) {
		CHECK_EQ(pthread_mutex_consistent(robust), 0);
		CHECK_EQ(pthread_mutex_unlock(robust), 0);
	}
	return NULL;
}

static void test_robust(void)
{
	static pthread_mutex_t m;
	struct timespec dl;
	pthread_t owner, waiter;

	robust = &m;
	robust_init(robust, PTHREAD_PROCESS_PRIVATE);

	/* The next locker after the death. */
	robust_step = owner_gate = 0;
	owner = start(robust_owner, NULL);
	CHECK(wait_eq(&robust_step, 1));
	CHECK_EQ(pthread_mutex_trylock(robust), EBUSY);
	store_wake(&owner_gate, 1);
	/* glibc's join waits for the tid word that the exit clears. */
	CHECK_EQ(pthread_join(owner, NULL), 0);
	dl = deadline();
	CHECK_EQ(pthread_mutex_timedlock(robust, &dl), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(robust), 0);
	CHECK_EQ(pthread_mutex_unlock(robust), 0);
	CHECK_EQ(pthread_mutex_lock(robust), 0);
	CHECK_EQ(pthread_mutex_unlock(robust), 0);

	/* A locker already blocked when the owner dies is woken. */
	robust_step = owner_gate = 0;
	owner = start(robust_owner, NULL);
	CHECK(wait_eq(&robust_step, 1));
	waiter = start(robust_waiter, NULL);
	CHECK(wait_eq(&robust_step, 2));
	/* Let the waiter block in the lock (not needed for the result). */
	nap(20);
	store_wake(&owner_gate, 1);
	CHECK_EQ(pthread_join(owner, NULL), 0);
	CHECK_EQ(pthread_join(waiter, NULL), 0);
	CHECK_EQ(blocked_result, EOWNERDEAD);
	CHECK_EQ(pthread_mutex_trylock(robust), 0);
	CHECK_EQ(pthread_mutex_unlock(robust), 0);

	/* Unlocked without being made consistent: unrecoverable. */
	robust_step = owner_gate = 0;
	owner = start(robust_owner, NULL);
	CHECK(wait_eq(&robust_step, 1));
	store_wake(&owner_gate, 1);
	CHECK_EQ(pthread_join(owner, NULL), 0);
	CHECK_EQ(pthread_mutex_lock(robust), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_unlock(robust), 0);
	CHECK_EQ(pthread_mutex_lock(robust), ENOTRECOVERABLE);
	CHECK_EQ(pthread_mutex_trylock(robust), ENOTRECOVERABLE);
}

static void test_robust_shared(void)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec dl;
	int p[2];
	pid_t pid;

	CHECK(m != MAP_FAILED);
	robust_init(m, PTHREAD_PROCESS_SHARED);
	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(pthread_mutex_lock(m), 0);
		put_byte(p[1], 'l');
		/* Dies holding it, its robust list walked at the exit. */
		SYS1(SYS_exit_group, guest_failures);
	}
	CHECK_EQ(get_byte(p[0]), 'l');
	CHECK_EQ(REAP_BOUNDED(pid), EXITED(0));
	dl = deadline();
	CHECK_EQ(pthread_mutex_timedlock(m, &dl), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(m), 0);
	CHECK_EQ(pthread_mutex_unlock(m), 0);
	CHECK_EQ(pthread_mutex_trylock(m), 0);
	CHECK_EQ(pthread_mutex_unlock(m), 0);
	close2(p);
	munmap(m, 4096);
}

/* ---- the address space changed by many threads at once ---- */

#define MAPPERS 4

static volatile int mm_bad;

static void *mapper(void *arg)
{
	long id = (long)arg;

	for (int round = 0; round < 100; round++) {
		size_t len = (size_t)(1 + (round + id) % 8) * 4096;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			__atomic_add_fetch(&mm_bad, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		for (size_t off = 0; off < len; off += 4096)
			p[off] = (char)(id + round);
		if (mprotect(p, len, PROT_READ))
			__atomic_add_fetch(&mm_bad, 1, __ATOMIC_SEQ_CST);
		for (size_t off = 0; off < len; off += 4096)
			if (p[off] != (char)(id + round))
				__atomic_add_fetch(&mm_bad, 1,
						   __ATOMIC_SEQ_CST);
		if (munmap(p, len))
			__atomic_add_fetch(&mm_bad, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void test_mm_concurrent(void)
{
	pthread_t t[MAPPERS];

	mm_bad = 0;
	for (long i = 0; i < MAPPERS; i++)
		t[i] = start(mapper, (void *)i);
	for (int i = 0; i < MAPPERS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	CHECK_EQ(mm_bad, 0);
}

int main(void)
{
	test_ping_pong(FUTEX_PRIVATE_FLAG);
	test_ping_pong(0);
	test_cond_broadcast();
	test_barrier();
	test_robust();
	test_robust_shared();
	test_mm_concurrent();
	return guest_done();
}
