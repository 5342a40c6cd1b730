// SPDX-License-Identifier: Apache-2.0
/*
 * Futexes between processes (futex(2), futex_waitv(2)): a shared operation
 * on shared memory, MAP_SHARED|MAP_ANONYMOUS inherited over fork or a
 * memfd mapped at different addresses, meets the other process's waiters
 * (WAIT and WAKE, REQUEUE and CMP_REQUEUE, WAKE_OP, futex_waitv, the PI
 * lock handed over by FUTEX_UNLOCK_PI); a FUTEX_PRIVATE_FLAG operation,
 * or any on private memory, stays within its process. What libc builds
 * on them works across fork: a process-shared mutex and condition
 * variable, a process-shared semaphore, a robust mutex whose owner
 * process dies (EOWNERDEAD), and pthread_join of a thread whose
 * descriptor lies in shared memory (CLONE_CHILD_CLEARTID's wake is
 * shared). A shared operation needs the page mapped (EFAULT), a private
 * one does not.
 */
#include "proc.h"

#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif

#define PG     4096L
#define ROUNDS 50
#define P      FUTEX_PRIVATE_FLAG

/* Long enough never to run out when the other side is there. */
static const struct timespec long_wait = {10, 0};
static const struct timespec short_wait = {0, 300 * 1000000L};

static uint32_t private_word; /* .bss: private, copy-on-write over fork */

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, long val2,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	return SYS6(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* FUTEX_WAIT (op's flags: 0 or P) while *w is val, for at most ts. */
static long wait_on(volatile uint32_t *w, int flags, uint32_t val,
		    const struct timespec *ts)
{
	long r;

	do
		r = futex(w, FUTEX_WAIT | flags, val, (long)ts, NULL, 0);
	while (r == -EINTR);
	return r;
}

static long wake(volatile uint32_t *w, int flags, int n)
{
	return futex(w, FUTEX_WAKE | flags, (uint32_t)n, 0, NULL, 0);
}

/*
 * Wake one at w, again and again until there is one to wake (the other
 * process may not be waiting yet): what the wake returned, 0 if none came
 * within about ten seconds.
 */
static long wake_one(volatile uint32_t *w, int flags)
{
	for (int i = 0; i < 10000; i++) {
		long r = wake(w, flags, 1);

		if (r)
			return r;
		nap(1);
	}
	return 0;
}

static void *shared_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mmap: %s\n", strerror(errno));
		exit(1);
	}
	return p;
}

static uint32_t load(volatile uint32_t *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

static void store(volatile uint32_t *w, uint32_t v)
{
	__atomic_store_n(w, v, __ATOMIC_SEQ_CST);
}

/* Wait until *w is want (shared futex); 0, or the wait's error. */
static long wait_for(volatile uint32_t *w, uint32_t want)
{
	uint32_t cur;

	while ((cur = load(w)) != want) {
		long r = wait_on(w, 0, cur, &long_wait);

		if (r && r != -EAGAIN)
			return r;
	}
	return 0;
}

/*
 * The child waits at mine, the parent wakes it, then the other way round
 * at theirs, ROUNDS times: each wake must find the other process waiting
 * (it returns 1), each wait must be woken (0, not ETIMEDOUT). Then turns
 * taken through one word's value, waking at each change.
 */
static void ping_pong(volatile uint32_t *ping, volatile uint32_t *pong,
		      volatile uint32_t *turn, bool child)
{
	volatile uint32_t *mine = child ? ping : pong;
	volatile uint32_t *theirs = child ? pong : ping;

	for (int i = 0; i < ROUNDS; i++) {
		long waited = 0, woken = 1;

		if (child) {
			waited = wait_on(mine, 0, 0, &long_wait);
			if (!waited)
				woken = wake_one(theirs, 0);
		} else {
			woken = wake_one(theirs, 0);
			if (woken == 1)
				waited = wait_on(mine, 0, 0, &long_wait);
		}
		CHECK_EQ(waited, 0);
		CHECK_EQ(woken, 1);
		if (waited || woken != 1)
			return;
	}
	for (uint32_t i = 0; i < 4 * ROUNDS; i++) {
		/* The parent takes even turns, the child odd ones. */
		uint32_t t = 2 * i + child;
		long r = wait_for(turn, t);

		CHECK_EQ(r, 0);
		if (r)
			break;
		store(turn, t + 1);
		CHECK_OK(wake(turn, 0, 1));
	}
}

/* MAP_SHARED|MAP_ANONYMOUS memory inherited over fork. */
static void test_anon(void)
{
	volatile uint32_t *w = shared_anon(PG);
	pid_t pid = spawn();

	if (pid == 0) {
		ping_pong(&w[0], &w[1], &w[2], true);
		child_exit();
	}
	ping_pong(&w[0], &w[1], &w[2], false);
	CHECK_CHILD_OK(pid);
	CHECK_EQ(w[2], 8 * ROUNDS);
	munmap((void *)w, PG);
}

/*
 * A memfd: the parent maps it from offset 0, the child maps its second
 * page on its own, at another address, after the fork; no one touches
 * that page before the futex calls.
 */
static void test_memfd(void)
{
	long fd = SYS2(SYS_memfd_create, "futex", 0);
	volatile uint32_t *w;
	char *a, *b;
	pid_t pid;

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 2 * PG), 0);
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	CHECK(a != MAP_FAILED);
	if (a == MAP_FAILED)
		return;
	pid = spawn();
	if (pid == 0) {
		b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd,
			 PG);
		CHECK(b != MAP_FAILED);
		if (b == MAP_FAILED)
			child_exit();
		CHECK(b != a + PG);
		w = (volatile uint32_t *)(b + 64);
		ping_pong(&w[0], &w[1], &w[2], true);
		child_exit();
	}
	w = (volatile uint32_t *)(a + PG + 64);
	ping_pong(&w[0], &w[1], &w[2], false);
	CHECK_CHILD_OK(pid);
	CHECK_EQ(w[2], 8 * ROUNDS);
	munmap(a, 2 * PG);
	SYS1(SYS_close, fd);
}

/*
 * Keys that differ never meet: a private wake does not reach a shared
 * waiter of another process, nor a shared wake a private waiter, even on
 * the same shared page. phase says which wait the child is in; the
 * last waits for go, so that no wake meant to miss finds it.
 */
static void test_private_flag(void)
{
	volatile uint32_t *sh = shared_anon(PG);
	volatile uint32_t *w = &sh[0], *phase = &sh[1], *go = &sh[2];
	long bad = 0;
	pid_t pid = spawn();

	if (pid == 0) {
		store(phase, 1);
		CHECK_ERR(wait_on(w, 0, 0, &short_wait), ETIMEDOUT);
		store(phase, 2);
		CHECK_ERR(wait_on(w, P, 0, &short_wait), ETIMEDOUT);
		store(phase, 3);
		for (int i = 0; i < 10000 && !load(go); i++)
			nap(1);
		/* The same word, shared: woken. */
		CHECK_EQ(wait_on(w, 0, 0, &long_wait), 0);
		child_exit();
	}
	while (load(phase) < 2) {
		bad += wake(w, P, 1) != 0;
		nap(1);
	}
	while (load(phase) < 3) {
		bad += wake(w, 0, 1) != 0;
		nap(1);
	}
	CHECK_EQ(bad, 0);
	store(go, 1);
	CHECK_EQ(wake_one(w, 0), 1);
	CHECK_CHILD_OK(pid);
	munmap((void *)sh, PG);
}

/*
 * Private memory is each process's own after fork, copy-on-write or not:
 * no wake, private or shared, reaches the other's waiter on it.
 */
static void test_private_memory(void)
{
	volatile uint32_t *sh = shared_anon(PG);
	volatile uint32_t *phase = &sh[0];
	volatile uint32_t *pr = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long bad = 0;
	pid_t pid;

	CHECK(pr != MAP_FAILED);
	if (pr == MAP_FAILED)
		return;
	pr[0] = 0; /* resident: shared copy-on-write by the fork */
	private_word = 0;
	pid = spawn();
	if (pid == 0) {
		CHECK_ERR(wait_on(&private_word, P, 0, &short_wait), ETIMEDOUT);
		CHECK_ERR(wait_on(&private_word, 0, 0, &short_wait), ETIMEDOUT);
		CHECK_ERR(wait_on(pr, P, 0, &short_wait), ETIMEDOUT);
		CHECK_ERR(wait_on(pr, 0, 0, &short_wait), ETIMEDOUT);
		store(phase, 1);
		child_exit();
	}
	while (!load(phase)) {
		bad += wake(&private_word, P, 1) != 0;
		bad += wake(&private_word, 0, 1) != 0;
		bad += wake(pr, P, 1) != 0;
		bad += wake(pr, 0, 1) != 0;
		nap(1);
	}
	CHECK_EQ(bad, 0);
	CHECK_CHILD_OK(pid);
	munmap((void *)pr, PG);
	munmap((void *)sh, PG);
}

/*
 * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE move the other process's waiter
 * from a word of shared anonymous memory to one of a memfd: then a wake
 * at the first finds no one and one at the second wakes it.
 */
static void test_requeue(void)
{
	volatile uint32_t *sh = shared_anon(PG);
	long fd = SYS2(SYS_memfd_create, "requeue", 0);
	volatile uint32_t *from = &sh[0], *to;
	char *m;
	pid_t pid;

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, PG), 0);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	to = (volatile uint32_t *)(m + 128);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(wait_on(from, 0, 0, &long_wait), 0);
		CHECK_EQ(wait_on(from, 0, 0, &long_wait), 0);
		child_exit();
	}
	for (int cmp = 0; cmp < 2; cmp++) {
		long r = 0;

		for (int i = 0; i < 10000 && !r; i++) {
			r = cmp ? futex(from, FUTEX_CMP_REQUEUE, 0, 1, to, 0)
				: futex(from, FUTEX_REQUEUE, 0, 1, to, 0);
			if (!r)
				nap(1);
		}
		CHECK_EQ(r, 1);
		CHECK_EQ(wake(from, 0, 1), 0);
		CHECK_EQ(wake(to, P, 1), 0);
		CHECK_EQ(wake(to, 0, 1), 1);
	}
	CHECK_CHILD_OK(pid);
	munmap(m, PG);
	munmap((void *)sh, PG);
	SYS1(SYS_close, fd);
}

/*
 * FUTEX_WAKE_OP's two keys, and futex_waitv with a private entry beside
 * a shared one: woken from the other process through the shared one.
 */
static void test_wake_op_waitv(void)
{
	volatile uint32_t *sh = shared_anon(PG);
	volatile uint32_t *w1 = &sh[0], *w2 = &sh[1], *w3 = &sh[2];
	long r = 0;
	pid_t pid;

	pid = spawn();
	if (pid == 0) {
		struct futex_waitv v[2] = {
		    {.val = 0,
		     .uaddr = (uintptr_t)&private_word,
		     .flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE},
		    {.val = 0,
		     .uaddr = (uintptr_t)w3,
		     .flags = FUTEX2_SIZE_U32},
		};
		struct timespec ts;

		private_word = 0;
		/* Woken at w2, by the comparison's hit. */
		CHECK_EQ(wait_on(w2, 0, 0, &long_wait), 0);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 10;
		CHECK_EQ(SYS5(SYS_futex_waitv, v, 2, 0, &ts, CLOCK_MONOTONIC),
			 1);
		child_exit();
	}
	/* w2 |= 0 (it was 0: the comparison hits): wake at w1, then w2. */
	for (int i = 0; i < 10000 && !r; i++) {
		r = futex(w1, FUTEX_WAKE_OP, 1, 1, w2,
			  FUTEX_OP(FUTEX_OP_OR, 0, FUTEX_OP_CMP_EQ, 0));
		if (!r)
			nap(1);
	}
	CHECK_EQ(r, 1);
	CHECK_EQ(load(w2), 0);
	CHECK_EQ(wake_one(w3, 0), 1);
	CHECK_CHILD_OK(pid);
	munmap((void *)sh, PG);
}

/*
 * A PI futex owned by the parent: the child's FUTEX_LOCK_PI waits for it
 * (the owner is alive in another process), and FUTEX_UNLOCK_PI hands it
 * over.
 */
static void test_pi(void)
{
	volatile uint32_t *sh = shared_anon(PG);
	volatile uint32_t *lock = &sh[0], *owner = &sh[1], *phase = &sh[2];
	uint32_t me = (uint32_t)SYS0(SYS_gettid);
	struct timespec ts;
	pid_t pid;
	int i;

	CHECK_EQ(futex(lock, FUTEX_LOCK_PI, 0, 0, NULL, 0), 0);
	CHECK_EQ(load(lock), me);
	pid = spawn();
	if (pid == 0) {
		uint32_t tid = (uint32_t)SYS0(SYS_gettid);

		CHECK_ERR(futex(lock, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0),
			  EWOULDBLOCK);
		store(phase, 1);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		CHECK_EQ(futex(lock, FUTEX_LOCK_PI, 0, (long)&ts, NULL, 0), 0);
		CHECK_EQ(load(lock) & FUTEX_TID_MASK, tid);
		store(owner, tid);
		CHECK_EQ(futex(lock, FUTEX_UNLOCK_PI, 0, 0, NULL, 0), 0);
		child_exit();
	}
	/*
	 * TRYLOCK_PI has set FUTEX_WAITERS already: give the child time to
	 * queue (if it has not, the unlock frees the lock and it takes it).
	 */
	for (i = 0; i < 10000 && !load(phase); i++)
		nap(1);
	nap(50);
	CHECK(load(lock) & FUTEX_WAITERS);
	CHECK_EQ(futex(lock, FUTEX_UNLOCK_PI, 0, 0, NULL, 0), 0);
	CHECK_CHILD_OK(pid);
	CHECK_EQ(load(owner), (uint32_t)pid);
	CHECK_EQ(load(lock), 0);
	munmap((void *)sh, PG);
}

static struct timespec deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	return ts;
}

struct shm {
	pthread_mutex_t m;
	pthread_cond_t c;
	int turn;
	long counter;
	sem_t s1, s2;
	pthread_mutex_t robust;
};

/* Turns through a condition variable; then a counter under the mutex. */
static void mutex_cond(struct shm *s, bool child)
{
	for (int i = 0; i < 2 * ROUNDS; i++) {
		int t = 2 * i + child;
		int r = 0;

		CHECK_EQ(pthread_mutex_lock(&s->m), 0);
		while (s->turn != t && !r) {
			struct timespec ts = deadline();

			r = pthread_cond_timedwait(&s->c, &s->m, &ts);
		}
		CHECK_EQ(r, 0);
		s->turn = t + 1;
		CHECK_EQ(pthread_cond_broadcast(&s->c), 0);
		CHECK_EQ(pthread_mutex_unlock(&s->m), 0);
		if (r)
			break;
	}
	for (int i = 0; i < 20000; i++) {
		struct timespec ts = deadline();
		int r = pthread_mutex_timedlock(&s->m, &ts);

		CHECK_EQ(r, 0);
		if (r)
			break;
		s->counter++;
		CHECK_EQ(pthread_mutex_unlock(&s->m), 0);
	}
}

/* Turns through two semaphores. */
static void semaphores(struct shm *s, bool child)
{
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec ts = deadline();

		if (child) {
			CHECK_EQ(sem_timedwait(&s->s1, &ts), 0);
			CHECK_EQ(sem_post(&s->s2), 0);
		} else {
			CHECK_EQ(sem_post(&s->s1), 0);
			CHECK_EQ(sem_timedwait(&s->s2, &ts), 0);
		}
	}
}

/* What libc builds on shared futexes, between two processes. */
static void test_libc(void)
{
	struct shm *s = shared_anon(sizeof(*s));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pid_t pid;

	CHECK_EQ(pthread_mutexattr_init(&ma), 0);
	CHECK_EQ(pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED), 0);
	CHECK_EQ(pthread_mutex_init(&s->m, &ma), 0);
	CHECK_EQ(pthread_condattr_init(&ca), 0);
	CHECK_EQ(pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED), 0);
	CHECK_EQ(pthread_cond_init(&s->c, &ca), 0);
	CHECK_EQ(sem_init(&s->s1, 1, 0), 0);
	CHECK_EQ(sem_init(&s->s2, 1, 0), 0);
	pid = spawn();
	if (pid == 0) {
		mutex_cond(s, true);
		semaphores(s, true);
		child_exit();
	}
	mutex_cond(s, false);
	semaphores(s, false);
	CHECK_CHILD_OK(pid);
	CHECK_EQ(s->turn, 4 * ROUNDS);
	CHECK_EQ(s->counter, 40000);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	munmap(s, sizeof(*s));
}

/*
 * A robust process-shared mutex whose owner process dies holding it while
 * the parent waits: the parent gets it with EOWNERDEAD.
 */
static void test_robust(void)
{
	struct shm *s = shared_anon(sizeof(*s));
	pthread_mutexattr_t ma;
	struct timespec ts;
	int p[2];
	pid_t pid;

	CHECK_EQ(pthread_mutexattr_init(&ma), 0);
	CHECK_EQ(pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED), 0);
	CHECK_EQ(pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_EQ(pthread_mutex_init(&s->robust, &ma), 0);
	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(pthread_mutex_lock(&s->robust), 0);
		put_byte(p[1], 'l');
		/* Let the parent wait, then die holding the lock. */
		nap(100);
		child_exit();
	}
	CHECK_EQ(get_byte(p[0]), 'l');
	ts = deadline();
	CHECK_EQ(pthread_mutex_timedlock(&s->robust, &ts), EOWNERDEAD);
	CHECK_EQ(pthread_mutex_consistent(&s->robust), 0);
	CHECK_EQ(pthread_mutex_unlock(&s->robust), 0);
	CHECK_CHILD_OK(pid);
	CHECK_EQ(pthread_mutex_lock(&s->robust), 0);
	CHECK_EQ(pthread_mutex_unlock(&s->robust), 0);
	pthread_mutexattr_destroy(&ma);
	close2(p);
	munmap(s, sizeof(*s));
}

static void *thread_fn(void *arg)
{
	return arg;
}

/*
 * A thread whose stack, and so its descriptor and the word
 * CLONE_CHILD_CLEARTID clears, lies in shared memory: pthread_join waits
 * on that word as a shared futex, and the kernel's wake at the thread's
 * exit is shared too.
 */
static void test_join(void)
{
	size_t len = 256 * 1024;
	void *stack = shared_anon(len);
	pthread_attr_t attr;
	struct timespec ts;
	pthread_t th;
	void *ret = NULL;

	CHECK_EQ(pthread_attr_init(&attr), 0);
	CHECK_EQ(pthread_attr_setstack(&attr, stack, len), 0);
	CHECK_EQ(pthread_create(&th, &attr, thread_fn, (void *)0x1234), 0);
	ts = deadline();
	CHECK_EQ(pthread_timedjoin_np(th, &ret, &ts), 0);
	CHECK_EQ((long)ret, 0x1234);
	pthread_attr_destroy(&attr);
	munmap(stack, len);
}

/*
 * A shared operation needs a readable page there (PROT_NONE, or past the
 * end of a memfd, is EFAULT); a private one only a user address.
 */
static void test_efault(void)
{
	volatile uint32_t *none =
	    mmap(NULL, PG, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long fd = SYS2(SYS_memfd_create, "short", 0);
	volatile uint32_t *kernel = (volatile uint32_t *)(1UL << 63);
	char *m;

	CHECK(none != MAP_FAILED);
	CHECK_ERR(wake(none, 0, 1), EFAULT);
	CHECK_EQ(wake(none, P, 1), 0);
	CHECK_ERR(futex(none, FUTEX_REQUEUE, 1, 1, &private_word, 0), EFAULT);
	CHECK_EQ(futex(none, FUTEX_REQUEUE | P, 1, 1, &private_word, 0), 0);
	CHECK_ERR(wake(kernel, 0, 1), EFAULT);
	CHECK_ERR(wake(kernel, P, 1), EFAULT);
	CHECK_ERR(wake((volatile uint32_t *)((char *)none + 2), P, 1), EINVAL);
	/* Readable is enough for a shared wake. */
	CHECK_OK(SYS3(SYS_mprotect, none, PG, PROT_READ));
	CHECK_EQ(wake(none, 0, 1), 0);
	munmap((void *)none, PG);

	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, PG), 0);
	/* Two pages of a one-page file: the second is past its end. */
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK_ERR(wake((volatile uint32_t *)(m + PG), 0, 1), EFAULT);
	CHECK_EQ(wake((volatile uint32_t *)(m + PG), P, 1), 0);
	CHECK_EQ(wake((volatile uint32_t *)m, 0, 1), 0);
	munmap(m, 2 * PG);
	SYS1(SYS_close, fd);
}

int main(void)
{
	test_anon();
	test_memfd();
	test_private_flag();
	test_private_memory();
	test_requeue();
	test_wake_op_waitv();
	test_pi();
	test_libc();
	test_robust();
	test_join();
	test_efault();
	return guest_done();
}
