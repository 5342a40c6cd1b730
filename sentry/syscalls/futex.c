// SPDX-License-Identifier: Apache-2.0
/*
 * futex (kernel/futex) and futex_waitv: FUTEX_WAIT, FUTEX_WAKE and their
 * BITSET forms, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, the
 * priority-inheritance operations (LOCK_PI, LOCK_PI2, TRYLOCK_PI,
 * UNLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI), private or shared, with
 * waiters queued by key under one lock.
 *
 * Keys are Linux's (get_futex_key): a shared operation on shared memory,
 * anonymous or a shared file mapping, names the memory-file page and the
 * offset in it, so every process that maps that page, wherever, meets the
 * same waiters; any other (FUTEX_PRIVATE_FLAG, or private memory, copy-on-
 * write pages included) names the address space and the address. A
 * shared operation needs the page to be mapped, a private one only a user
 * address.
 *
 * Words are read and changed through the memory file with the host's
 * atomic instructions, under futex_lock, so a change is atomic against
 * the application and against other sentry threads.
 *
 * A dying thread's robust list marks the futexes it held FUTEX_OWNER_DIED
 * and wakes a waiter of each, as a shared futex; so does the word
 * CLONE_CHILD_CLEARTID names.
 *
 * Deviations: a PI futex inherits no priority (priorities are bookkeeping
 * here), and its waiters are handed the lock in queue order.
 */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>

#define FUTEX_WAIT	       0
#define FUTEX_WAKE	       1
#define FUTEX_REQUEUE	       3
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAKE_OP	       5
#define FUTEX_LOCK_PI	       6
#define FUTEX_UNLOCK_PI	       7
#define FUTEX_TRYLOCK_PI       8
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_WAIT_REQUEUE_PI  11
#define FUTEX_CMP_REQUEUE_PI   12
#define FUTEX_LOCK_PI2	       13
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_CMD_MASK	       (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffU

#define FUTEX_WAITERS	 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK	 0x3fffffffU

#define FUTEX_OP_OPARG_SHIFT 8

#define FUTEX_WAITV_MAX	  128
#define FUTEX2_SIZE_U32	  0x02
#define FUTEX2_SIZE_MASK  0x03
#define FUTEX2_NUMA	  0x04
#define FUTEX2_PRIVATE	  FUTEX_PRIVATE_FLAG
#define FUTEX2_VALID_MASK (FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_PRIVATE)

/*
 * What a futex names (Linux's union futex_key): a word of shared memory by
 * its memory-file offset, or an address in an address space.
 */
struct futex_key {
	struct mm *mm; /* NULL: shared memory, off a memory-file offset */
	uint64_t off;  /* else the address */
};

/* One sleeping task: its condition, and whether any of its waiters woke. */
struct futex_sleeper {
	pthread_cond_t cond;
	bool woken;
};

struct futex_waiter {
	struct futex_key key;
	uint32_t bitset;
	int tid;
	bool woken;
	bool pi;	 /* waits for a PI lock (LOCK_PI, or requeued) */
	bool requeue_pi; /* WAIT_REQUEUE_PI, not yet requeued */
	struct futex_key pi_target; /* requeue_pi: the PI futex it may go to */
	struct futex_sleeper *s;
	struct futex_waiter *next;
};

static pthread_mutex_t futex_lock = PTHREAD_MUTEX_INITIALIZER;
static struct futex_waiter *futex_waiters;

static void sleeper_init(struct futex_sleeper *s, bool realtime)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a,
				  realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &a);
	pthread_condattr_destroy(&a);
	s->woken = false;
}

/* futex_lock held: wake w (its sleeper looks at which of its waiters). */
static void waiter_wake(struct futex_waiter *w)
{
	w->woken = true;
	w->s->woken = true;
	pthread_cond_signal(&w->s->cond);
}

static void waiter_unqueue(struct futex_waiter *w)
{
	for (struct futex_waiter **pp = &futex_waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

/*
 * futex_lock held, ws[0..n) queued: sleep until one is woken, the deadline
 * passes (NULL: none; on the sleeper's clock) or a signal comes. Returns
 * with every one of ws unqueued: 0 woken, -ETIMEDOUT or -ERESTARTSYS.
 */
static long futex_sleep(struct task *t, struct futex_waiter *ws, int n,
			struct futex_sleeper *s,
			const struct timespec *deadline)
{
	long ret = 0;

	task_block_begin(t, &futex_lock, &s->cond);
	while (!s->woken) {
		int r;

		if (task_interrupted(t)) {
			ret = -ERESTARTSYS;
			break;
		}
		r = deadline ? pthread_cond_timedwait(&s->cond, &futex_lock,
						      deadline)
			     : pthread_cond_wait(&s->cond, &futex_lock);
		if (r == ETIMEDOUT && !s->woken) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	task_block_end(t);
	for (int i = 0; i < n; i++)
		waiter_unqueue(&ws[i]);
	return s->woken ? 0 : ret;
}

static void waiter_queue(struct futex_waiter *w)
{
	w->next = futex_waiters;
	futex_waiters = w;
}

/*
 * get_futex_key: the key of the word at addr for a shared (else private)
 * operation. -EINVAL unaligned; -EFAULT outside user addresses, or for a
 * shared one where nothing readable is mapped. Takes the address space's
 * lock and maybe a file's: never called with futex_lock held.
 */
static int futex_get_key(struct task *t, uint64_t addr, bool shared,
			 struct futex_key *key)
{
	uint64_t moff;
	int ret;

	if (addr & 3)
		return -EINVAL;
	if (addr > ABI_TASK_SIZE - sizeof(uint32_t))
		return -EFAULT;
	*key = (struct futex_key){.mm = t->mm, .off = addr};
	if (!shared)
		return 0;
	ret = mm_futex_key(t->mm, addr, &moff);
	if (ret < 0)
		return ret;
	if (ret)
		*key = (struct futex_key){.mm = NULL, .off = moff};
	return 0;
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->mm == b->mm && a->off == b->off;
}

/*
 * The host address of the aligned word at addr, for reading (write false)
 * or changing it; -EFAULT when the application may not.
 */
static int futex_word(struct task *t, uint64_t addr, bool write, uint32_t **p)
{
	struct iovec iov;
	size_t covered;
	int n = mm_iovecs(t->mm, addr, sizeof(uint32_t),
			  write ? ABI_PROT_WRITE : ABI_PROT_READ, &iov, 1,
			  &covered);

	if (n < 0 || covered < sizeof(uint32_t))
		return -EFAULT;
	*p = iov.iov_base;
	return 0;
}

static int futex_read(struct task *t, uint64_t addr, uint32_t *val)
{
	uint32_t *p;
	int err = futex_word(t, addr, false, &p);

	if (!err)
		*val = __atomic_load_n(p, __ATOMIC_SEQ_CST);
	return err;
}

/*
 * Compare the word at addr with old and if equal store new; *cur gets what
 * it held. -EFAULT when it may not be written.
 */
static int futex_cmpxchg(struct task *t, uint64_t addr, uint32_t old,
			 uint32_t new, uint32_t *cur)
{
	uint32_t *p;
	int err = futex_word(t, addr, true, &p);

	if (err)
		return err;
	*cur = old;
	__atomic_compare_exchange_n(p, cur, new, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return 0;
}

/*
 * Queue w (its key set, w->s its sleeper) and sleep while the word at addr
 * holds val: -EAGAIN at once if it does not, the value read under the lock
 * a waker must take too. The deadline as futex_sleep's.
 */
static long futex_queue_sleep(struct task *t, uint64_t addr, uint32_t val,
			      struct futex_waiter *w, bool realtime,
			      const struct timespec *deadline)
{
	uint32_t cur;
	long ret;
	int err;

	sleeper_init(w->s, realtime);
	pthread_mutex_lock(&futex_lock);
	err = futex_read(t, addr, &cur);
	if (err || cur != val) {
		pthread_mutex_unlock(&futex_lock);
		pthread_cond_destroy(&w->s->cond);
		return err ? err : -EAGAIN;
	}
	waiter_queue(w);
	ret = futex_sleep(t, w, 1, w->s, deadline);
	pthread_mutex_unlock(&futex_lock);
	pthread_cond_destroy(&w->s->cond);
	return ret;
}

/*
 * Wait while the word at addr holds val, until woken, the deadline passes
 * (NULL: none; on CLOCK_REALTIME if realtime, else CLOCK_MONOTONIC), or a
 * signal t does not block comes.
 */
static long futex_wait_until(struct task *t, uint64_t addr, uint32_t val,
			     uint32_t bitset, const struct timespec *deadline,
			     bool realtime, bool shared)
{
	struct futex_sleeper s;
	struct futex_waiter w = {.bitset = bitset, .tid = t->tid, .s = &s};
	int err;

	err = futex_get_key(t, addr, shared, &w.key);
	if (err)
		return err;
	return futex_queue_sleep(t, addr, val, &w, realtime, deadline);
}

/* A timed wait interrupted, no handler run: on to the same deadline. */
long futex_wait_restart(struct task *t)
{
	struct timespec deadline = t->restart_deadline;
	uint64_t addr = t->restart_args[0];
	uint32_t val = (uint32_t)t->restart_args[1];
	uint32_t bitset = (uint32_t)(t->restart_args[1] >> 32);
	bool realtime = t->restart_args[2] & 1;
	bool shared = t->restart_args[2] & 2;
	long ret =
	    futex_wait_until(t, addr, val, bitset, &deadline, realtime, shared);

	if (ret == -ERESTARTSYS) {
		t->restart_fn = futex_wait_restart;
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

/* An absolute deadline from the timespec at utimeout (or none if 0). */
static int futex_deadline(struct task *t, uint64_t utimeout, bool absolute,
			  struct timespec *deadline)
{
	struct abi_timespec ts;
	int err;

	if (!utimeout)
		return 0;
	err = copy_in_timeout(t, utimeout, &ts);
	if (err)
		return err;
	if (absolute) {
		deadline->tv_sec = ts.tv_sec;
		deadline->tv_nsec = ts.tv_nsec;
	} else {
		deadline_after(deadline, &ts);
	}
	return 0;
}

/*
 * FUTEX_WAIT (relative timeout on CLOCK_MONOTONIC) and FUTEX_WAIT_BITSET
 * (absolute, on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME). Interrupted:
 * -ERESTARTSYS without a timeout (SA_RESTART restarts it), else the rest
 * of the wait by restart_syscall, as futex_wait_restart.
 */
static long futex_wait(struct task *t, uint64_t addr, uint32_t val,
		       uint64_t utimeout, uint32_t bitset, bool absolute,
		       bool realtime, bool shared)
{
	struct timespec deadline;
	long ret;
	int err;

	if (!bitset)
		return -EINVAL;
	err = futex_deadline(t, utimeout, absolute, &deadline);
	if (err)
		return err;
	realtime = absolute && realtime;
	ret = futex_wait_until(t, addr, val, bitset,
			       utimeout ? &deadline : NULL, realtime, shared);
	if (ret == -ERESTARTSYS && utimeout) {
		t->restart_fn = futex_wait_restart;
		t->restart_deadline = deadline;
		t->restart_args[0] = addr;
		t->restart_args[1] = val | (uint64_t)bitset << 32;
		t->restart_args[2] = realtime | (uint64_t)shared << 1;
		ret = -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

static bool waiter_at(const struct futex_waiter *w, const struct futex_key *key)
{
	return key_eq(&w->key, key) && !w->woken;
}

/*
 * futex_lock held: wake waiters on key whose bitset meets bitset, at
 * least one and at most n (Linux's count: n <= 0 wakes one). A PI waiter
 * there is EINVAL, as Linux.
 */
static long wake_locked(const struct futex_key *key, int n, uint32_t bitset)
{
	long woken = 0;

	for (struct futex_waiter *w = futex_waiters; w; w = w->next) {
		if (!waiter_at(w, key))
			continue;
		if (w->pi || w->requeue_pi)
			return -EINVAL;
		if (!(w->bitset & bitset))
			continue;
		waiter_wake(w);
		if (++woken >= n)
			break;
	}
	return woken;
}

static long futex_wake(struct task *t, uint64_t addr, int n, uint32_t bitset,
		       bool shared)
{
	struct futex_key key;
	long ret;

	if (!bitset)
		return -EINVAL;
	/* A shared key needs the page; a private one only the address. */
	ret = futex_get_key(t, addr, shared, &key);
	if (ret)
		return ret;
	pthread_mutex_lock(&futex_lock);
	ret = wake_locked(&key, n, bitset);
	pthread_mutex_unlock(&futex_lock);
	return ret;
}

/* mm_release's wake of CLONE_CHILD_CLEARTID's word: shared, as Linux. */
long futex_wake_addr(struct task *t, uint64_t addr, int n)
{
	return futex_wake(t, addr, n, FUTEX_BITSET_MATCH_ANY, true);
}

/* PI futexes: is tid a live thread that can own one? */
static bool futex_owner_alive(struct task *t, uint32_t tid)
{
	struct task *o;
	bool alive;

	if (tid == (uint32_t)t->tid)
		return true;
	pthread_mutex_lock(&t->k->lock);
	o = tid <= INT32_MAX ? task_lookup_locked(t->k, (int)tid) : NULL;
	alive = o && !o->exiting;
	pthread_mutex_unlock(&t->k->lock);
	return alive;
}

#define ROBUST_LIST_LIMIT 2048

/*
 * handle_futex_death: the futex at uaddr was held by t: mark its owner
 * dead and wake a waiter, keyed as shared (not for a PI futex: its waiters
 * are the PI code's). pending: the entry of an operation in flight.
 */
static void futex_owner_died(struct task *t, uint64_t uaddr, bool pi,
			     bool pending)
{
	uint32_t uval, nval, seen;

	if (uaddr & 3)
		return;
	for (int tries = 0; tries < 16; tries++) {
		if (futex_read(t, uaddr, &uval))
			return;
		/* A pending op that never took the lock: just wake one. */
		if (pending && !pi && !uval) {
			futex_wake(t, uaddr, 1, FUTEX_BITSET_MATCH_ANY, true);
			return;
		}
		if ((uval & FUTEX_TID_MASK) != (uint32_t)t->tid)
			return;
		nval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		if (futex_cmpxchg(t, uaddr, uval, nval, &seen))
			return;
		if (seen != uval)
			continue; /* changed under us: look again */
		if (!pi && (nval & FUTEX_WAITERS))
			futex_wake(t, uaddr, 1, FUTEX_BITSET_MATCH_ANY, true);
		return;
	}
}

void futex_exit_robust_list(struct task *t)
{
	struct {
		uint64_t next;
		int64_t futex_offset;
		uint64_t list_op_pending;
	} head;
	uint64_t entry, pending;

	if (!t->robust_list ||
	    mm_copy_in(t->mm, &head, t->robust_list, sizeof(head)))
		return;
	entry = head.next;
	pending = head.list_op_pending;
	/* The list is circular through the head; bounded against loops. */
	for (int n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;

		if (mm_copy_in(t->mm, &next, entry & ~1ULL, sizeof(next)))
			break;
		if (entry != pending)
			futex_owner_died(
			    t, (entry & ~1ULL) + (uint64_t)head.futex_offset,
			    entry & 1, false);
		entry = next;
	}
	if (pending)
		futex_owner_died(
		    t, (pending & ~1ULL) + (uint64_t)head.futex_offset,
		    pending & 1, true);
	t->robust_list = 0;
}

static struct futex_waiter *pi_top_waiter(const struct futex_key *key)
{
	struct futex_waiter *top = NULL;

	/* The list is newest first: the last match waited longest. */
	for (struct futex_waiter *w = futex_waiters; w; w = w->next)
		if (waiter_at(w, key) && w->pi)
			top = w;
	return top;
}

/*
 * futex_lock held: try to take the PI futex at addr (key: its key) for tid
 * (Linux's futex_lock_pi_atomic). 1: taken; 0: owned by a live task,
 * FUTEX_WAITERS set; else -EDEADLK, -ESRCH, -EFAULT.
 */
static int pi_lock_atomic(struct task *t, uint64_t addr,
			  const struct futex_key *key, uint32_t tid,
			  bool set_waiters)
{
	for (;;) {
		uint32_t uval, newval, cur;
		int err = futex_read(t, addr, &uval);

		if (err)
			return err;
		if ((uval & FUTEX_TID_MASK) == tid)
			return -EDEADLK;
		if (!(uval & FUTEX_TID_MASK)) {
			/* Free: ours, keeping FUTEX_OWNER_DIED. */
			newval = (uval & FUTEX_OWNER_DIED) | tid;
			if (set_waiters || pi_top_waiter(key))
				newval |= FUTEX_WAITERS;
			err = futex_cmpxchg(t, addr, uval, newval, &cur);
			if (err)
				return err;
			if (cur == uval)
				return 1;
			continue;
		}
		newval = uval | FUTEX_WAITERS;
		err = futex_cmpxchg(t, addr, uval, newval, &cur);
		if (err)
			return err;
		if (cur != uval)
			continue;
		return futex_owner_alive(t, uval & FUTEX_TID_MASK) ? 0 : -ESRCH;
	}
}

/*
 * FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI: take the lock, or
 * wait for its owner to hand it over (absolute deadline).
 */
static long futex_lock_pi(struct task *t, uint64_t addr, uint64_t utimeout,
			  bool realtime, bool trylock, bool shared)
{
	struct futex_sleeper s;
	struct futex_waiter w = {.bitset = FUTEX_BITSET_MATCH_ANY,
				 .tid = t->tid,
				 .pi = true,
				 .s = &s};
	struct timespec deadline;
	long ret;
	int err;

	if (!trylock) {
		err = futex_deadline(t, utimeout, true, &deadline);
		if (err)
			return err;
	}
	err = futex_get_key(t, addr, shared, &w.key);
	if (err)
		return err;
	pthread_mutex_lock(&futex_lock);
	ret = pi_lock_atomic(t, addr, &w.key, (uint32_t)t->tid, false);
	if (ret) {
		pthread_mutex_unlock(&futex_lock);
		return ret == 1 ? 0 : ret;
	}
	if (trylock) {
		pthread_mutex_unlock(&futex_lock);
		return -EWOULDBLOCK;
	}
	sleeper_init(&s, realtime);
	waiter_queue(&w);
	/* Woken means handed the lock by FUTEX_UNLOCK_PI. */
	ret =
	    futex_sleep(t, &w, 1, &s, !trylock && utimeout ? &deadline : NULL);
	pthread_mutex_unlock(&futex_lock);
	pthread_cond_destroy(&s.cond);
	return ret == -ERESTARTSYS ? -ERESTARTNOINTR : ret;
}

/* FUTEX_UNLOCK_PI: only the owner; the longest waiter gets the lock. */
static long futex_unlock_pi(struct task *t, uint64_t addr, bool shared)
{
	struct futex_key key;
	struct futex_waiter *top;
	uint32_t uval, cur, newval;
	uint32_t tid = (uint32_t)t->tid;
	long ret;
	int err = mm_copy_in(t->mm, &uval, addr, sizeof(uval));

	if (err)
		return err;
	if ((uval & FUTEX_TID_MASK) != tid)
		return -EPERM;
	err = futex_get_key(t, addr, shared, &key);
	if (err)
		return err;
	pthread_mutex_lock(&futex_lock);
	for (;;) {
		err = futex_read(t, addr, &uval);
		if (err)
			break;
		if ((uval & FUTEX_TID_MASK) != tid) {
			err = -EPERM;
			break;
		}
		top = pi_top_waiter(&key);
		newval = top ? FUTEX_WAITERS | (uint32_t)top->tid : 0;
		err = futex_cmpxchg(t, addr, uval, newval, &cur);
		if (err)
			break;
		if (cur != uval)
			continue;
		if (top)
			waiter_wake(top);
		break;
	}
	ret = err;
	pthread_mutex_unlock(&futex_lock);
	return ret;
}

/*
 * FUTEX_REQUEUE, FUTEX_CMP_REQUEUE (cmpval non-NULL) and
 * FUTEX_CMP_REQUEUE_PI (pi): wake up to nr_wake waiters at addr, move up to
 * nr_requeue more to addr2 (they take its key); returns both counted
 * together, as Linux.
 */
static long futex_requeue(struct task *t, uint64_t addr, uint64_t addr2,
			  int nr_wake, int nr_requeue, const uint32_t *cmpval,
			  bool pi, bool shared)
{
	struct futex_key key, key2;
	struct futex_waiter **vec;
	long count = 0, ret = 0;
	size_t n = 0, i;
	uint32_t cur;
	int err;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if (pi && nr_wake != 1)
		return -EINVAL;
	err = futex_get_key(t, addr, shared, &key);
	if (!err)
		err = futex_get_key(t, addr2, shared, &key2);
	if (err)
		return err;
	if (pi && key_eq(&key, &key2))
		return -EINVAL;
	pthread_mutex_lock(&futex_lock);
	if (cmpval) {
		err = futex_read(t, addr, &cur);
		if (err || cur != *cmpval) {
			pthread_mutex_unlock(&futex_lock);
			return err ? err : -EAGAIN;
		}
	}
	if (pi) {
		struct futex_waiter *top = NULL;

		err = futex_read(t, addr2, &cur);
		if (err) {
			pthread_mutex_unlock(&futex_lock);
			return err;
		}
		for (struct futex_waiter *w = futex_waiters; w; w = w->next)
			if (waiter_at(w, &key))
				top = w;
		if (top &&
		    (!top->requeue_pi || !key_eq(&top->pi_target, &key2))) {
			pthread_mutex_unlock(&futex_lock);
			return -EINVAL;
		}
		if (top) {
			/* Take addr2 for the longest waiter if it is free. */
			err = pi_lock_atomic(t, addr2, &key2,
					     (uint32_t)top->tid, true);
			if (err == 1) {
				waiter_wake(top);
				count++;
			} else if (err < 0) {
				pthread_mutex_unlock(&futex_lock);
				return err;
			}
		}
	}
	/* Oldest first: the list is newest first. */
	for (struct futex_waiter *w = futex_waiters; w; w = w->next)
		n += waiter_at(w, &key);
	vec = n ? malloc(n * sizeof(*vec)) : NULL;
	if (n && !vec) {
		pthread_mutex_unlock(&futex_lock);
		return -ENOMEM;
	}
	i = n;
	for (struct futex_waiter *w = futex_waiters; w; w = w->next)
		if (waiter_at(w, &key))
			vec[--i] = w;
	for (i = 0; i < n; i++) {
		struct futex_waiter *w = vec[i];

		if (count - nr_wake >= nr_requeue)
			break;
		if (w->woken)
			continue;
		if (w->pi || pi != w->requeue_pi ||
		    (pi && !key_eq(&w->pi_target, &key2))) {
			ret = -EINVAL;
			break;
		}
		if (++count <= nr_wake && !pi) {
			waiter_wake(w);
			continue;
		}
		w->key = key2;
		if (pi) {
			w->requeue_pi = false;
			w->pi = true;
		}
	}
	free(vec);
	pthread_mutex_unlock(&futex_lock);
	return ret ? ret : count;
}

/*
 * FUTEX_WAKE_OP: apply the op encoded in encoded to the word at addr2,
 * wake up to n at addr, then up to n2 at addr2 if the old value of addr2
 * met the comparison. An unknown op or comparison is ENOSYS (the op
 * already applied for a bad comparison, as Linux).
 */
static long futex_wake_op(struct task *t, uint64_t addr, uint64_t addr2, int n,
			  int n2, uint32_t encoded, bool shared)
{
	struct futex_key key, key2;
	unsigned int op = (encoded >> 28) & 7;
	unsigned int cmp = (encoded >> 24) & 15;
	/* Both arguments are 12-bit signed fields. */
	int oparg = (int)((encoded >> 12) & 0xfff);
	int cmparg = (int)(encoded & 0xfff);
	uint32_t *p;
	int32_t old;
	long ret, ret2 = 0;
	bool hit;
	int err;

	oparg = oparg >= 0x800 ? oparg - 0x1000 : oparg;
	cmparg = cmparg >= 0x800 ? cmparg - 0x1000 : cmparg;
	err = futex_get_key(t, addr, shared, &key);
	if (!err)
		err = futex_get_key(t, addr2, shared, &key2);
	if (err)
		return err;
	if (encoded & ((uint32_t)FUTEX_OP_OPARG_SHIFT << 28))
		/* Linux masks a shift out of 0..31 (and logs it). */
		oparg = (int)(1U << (oparg & 31));
	pthread_mutex_lock(&futex_lock);
	err = futex_word(t, addr2, true, &p);
	if (err) {
		pthread_mutex_unlock(&futex_lock);
		return err;
	}
	switch (op) {
	case 0: /* FUTEX_OP_SET */
		old = (int32_t)__atomic_exchange_n(p, (uint32_t)oparg,
						   __ATOMIC_SEQ_CST);
		break;
	case 1: /* FUTEX_OP_ADD */
		old = (int32_t)__atomic_fetch_add(p, (uint32_t)oparg,
						  __ATOMIC_SEQ_CST);
		break;
	case 2: /* FUTEX_OP_OR */
		old = (int32_t)__atomic_fetch_or(p, (uint32_t)oparg,
						 __ATOMIC_SEQ_CST);
		break;
	case 3: /* FUTEX_OP_ANDN */
		old = (int32_t)__atomic_fetch_and(p, ~(uint32_t)oparg,
						  __ATOMIC_SEQ_CST);
		break;
	case 4: /* FUTEX_OP_XOR */
		old = (int32_t)__atomic_fetch_xor(p, (uint32_t)oparg,
						  __ATOMIC_SEQ_CST);
		break;
	default:
		pthread_mutex_unlock(&futex_lock);
		return -ENOSYS;
	}
	switch (cmp) {
	case 0: /* FUTEX_OP_CMP_EQ */
		hit = old == cmparg;
		break;
	case 1: /* FUTEX_OP_CMP_NE */
		hit = old != cmparg;
		break;
	case 2: /* FUTEX_OP_CMP_LT */
		hit = old < cmparg;
		break;
	case 3: /* FUTEX_OP_CMP_LE */
		hit = old <= cmparg;
		break;
	case 4: /* FUTEX_OP_CMP_GT */
		hit = old > cmparg;
		break;
	case 5: /* FUTEX_OP_CMP_GE */
		hit = old >= cmparg;
		break;
	default:
		pthread_mutex_unlock(&futex_lock);
		return -ENOSYS;
	}
	ret = wake_locked(&key, n, FUTEX_BITSET_MATCH_ANY);
	if (ret >= 0 && hit)
		ret2 = wake_locked(&key2, n2, FUTEX_BITSET_MATCH_ANY);
	pthread_mutex_unlock(&futex_lock);
	if (ret < 0)
		return ret;
	return ret2 < 0 ? ret2 : ret + ret2;
}

/*
 * FUTEX_WAIT_REQUEUE_PI: wait at addr while it holds val, to be handed the
 * PI futex at addr2 by FUTEX_CMP_REQUEUE_PI (directly, or after a wait
 * there). Returns 0 owning addr2.
 */
static long futex_wait_requeue_pi(struct task *t, uint64_t addr, uint32_t val,
				  uint64_t utimeout, bool realtime,
				  uint64_t addr2, bool shared)
{
	struct futex_sleeper s;
	struct futex_waiter w = {.bitset = FUTEX_BITSET_MATCH_ANY,
				 .tid = t->tid,
				 .requeue_pi = true,
				 .s = &s};
	struct timespec deadline;
	long ret;
	int err;

	err = futex_deadline(t, utimeout, true, &deadline);
	if (err)
		return err;
	if (addr == addr2)
		return -EINVAL;
	err = futex_get_key(t, addr2, shared, &w.pi_target);
	if (!err)
		err = futex_get_key(t, addr, shared, &w.key);
	if (err)
		return err;
	/* The same page through two addresses is the same futex too. */
	if (key_eq(&w.key, &w.pi_target))
		return -EINVAL;
	ret = futex_queue_sleep(t, addr, val, &w, realtime,
				utimeout ? &deadline : NULL);
	/* Requeued, then a signal: Linux says EAGAIN, not a restart. */
	if (ret == -ERESTARTSYS)
		ret = w.pi ? -EAGAIN : -ERESTARTNOINTR;
	return ret;
}

SYSCALL(futex)
{
	uint64_t addr = a[0];
	int op = (int)a[1];
	int cmd = op & FUTEX_CMD_MASK;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint32_t val3 = (uint32_t)a[5];
	/* The timeout argument, as a count for the ops without one. */
	int val2 = (int)(uint32_t)a[3];

	if (realtime && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		if (addr & 3)
			return -EINVAL;
		return futex_wait(t, addr, (uint32_t)a[2], a[3],
				  FUTEX_BITSET_MATCH_ANY, false, false, shared);
	case FUTEX_WAIT_BITSET:
		if (addr & 3)
			return -EINVAL;
		return futex_wait(t, addr, (uint32_t)a[2], a[3], val3, true,
				  realtime, shared);
	case FUTEX_WAKE:
		return futex_wake(t, addr, (int)a[2], FUTEX_BITSET_MATCH_ANY,
				  shared);
	case FUTEX_WAKE_BITSET:
		return futex_wake(t, addr, (int)a[2], val3, shared);
	case FUTEX_REQUEUE:
		return futex_requeue(t, addr, a[4], (int)a[2], val2, NULL,
				     false, shared);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, addr, a[4], (int)a[2], val2, &val3,
				     false, shared);
	case FUTEX_CMP_REQUEUE_PI:
		return futex_requeue(t, addr, a[4], (int)a[2], val2, &val3,
				     true, shared);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t, addr, a[4], (int)a[2], val2, val3,
				     shared);
	case FUTEX_LOCK_PI:
		/* Its timeout is on CLOCK_REALTIME, LOCK_PI2's as asked. */
		return futex_lock_pi(t, addr, a[3], true, false, shared);
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(t, addr, a[3], realtime, false, shared);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(t, addr, 0, false, true, shared);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, addr, shared);
	case FUTEX_WAIT_REQUEUE_PI:
		return futex_wait_requeue_pi(t, addr, (uint32_t)a[2], a[3],
					     realtime, a[4], shared);
	default:
		return -ENOSYS;
	}
}

struct abi_futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

/*
 * futex_waitv(waiters, nr, flags, timeout, clockid): wait on up to 128
 * words at once; returns the index of one woken (the lowest).
 */
SYSCALL(futex_waitv)
{
	struct abi_futex_waitv v[FUTEX_WAITV_MAX];
	struct futex_waiter ws[FUTEX_WAITV_MAX];
	uint32_t nr = (uint32_t)a[1];
	int clockid = (int)a[4];
	struct futex_sleeper s;
	struct timespec deadline;
	long ret;
	int err;

	if (a[2])
		return -EINVAL;
	if (!nr || nr > FUTEX_WAITV_MAX || !a[0])
		return -EINVAL;
	if (a[3]) {
		if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC)
			return -EINVAL;
		err = futex_deadline(t, a[3], true, &deadline);
		if (err)
			return err;
	}
	err = mm_copy_in(t->mm, v, a[0], nr * sizeof(v[0]));
	if (err)
		return err;
	for (uint32_t i = 0; i < nr; i++) {
		if ((v[i].flags & ~FUTEX2_VALID_MASK) || v[i].reserved)
			return -EINVAL;
		if ((v[i].flags & (FUTEX2_SIZE_MASK | FUTEX2_NUMA)) !=
		    FUTEX2_SIZE_U32)
			return -EINVAL;
		if (v[i].val >> 32)
			return -EINVAL;
	}
	for (uint32_t i = 0; i < nr; i++) {
		ws[i] = (struct futex_waiter){
		    .bitset = FUTEX_BITSET_MATCH_ANY, .tid = t->tid, .s = &s};
		err = futex_get_key(t, v[i].uaddr,
				    !(v[i].flags & FUTEX2_PRIVATE), &ws[i].key);
		if (err)
			return err;
	}
	sleeper_init(&s, a[3] && clockid == CLOCK_REALTIME);
	pthread_mutex_lock(&futex_lock);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t cur;

		err = futex_read(t, v[i].uaddr, &cur);
		if (err || cur != (uint32_t)v[i].val) {
			pthread_mutex_unlock(&futex_lock);
			pthread_cond_destroy(&s.cond);
			return err ? err : -EAGAIN;
		}
	}
	for (uint32_t i = 0; i < nr; i++)
		waiter_queue(&ws[i]);
	ret = futex_sleep(t, ws, (int)nr, &s, a[3] ? &deadline : NULL);
	pthread_mutex_unlock(&futex_lock);
	pthread_cond_destroy(&s.cond);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < nr; i++)
		if (ws[i].woken)
			return i;
	return -EAGAIN; /* not reached: futex_sleep returned 0 */
}
