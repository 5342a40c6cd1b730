// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of byte-range locks (sentry/vfs/locks.c): the range
 * arithmetic of one file's list (merge, split, convert, owner order, the
 * first conflict), and the per-file table with its waits: a waiter gets
 * the lock when it is freed, is interrupted when asked, and a cycle of
 * POSIX owners waiting for each other is EDEADLK.
 */
#include "sentry/vfs/vfs.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define RD   ABI_F_RDLCK
#define WR   ABI_F_WRLCK
#define UN   ABI_F_UNLCK
#define EOF_ VFS_LOCK_EOF

static const char owner_a, owner_b, owner_c;
#define A (&owner_a)
#define B (&owner_b)
#define C (&owner_c)

struct want {
	const void *owner;
	int type;
	int64_t start, end;
};

static struct vfs_lock req(const void *owner, int type, int64_t start,
			   int64_t end)
{
	return (struct vfs_lock){
	    .owner = owner, .type = type, .start = start, .end = end, .pid = 7};
}

static void apply(struct vfs_lock **list, const void *owner, int type,
		  int64_t start, int64_t end)
{
	struct vfs_lock r = req(owner, type, start, end);

	ck_assert_int_eq(vfs_lock_list_apply(list, &r), 0);
}

/* The list is exactly want[0..n), in order. */
static void expect(const struct vfs_lock *list, const struct want *want, int n)
{
	int i = 0;

	for (const struct vfs_lock *l = list; l; l = l->next, i++) {
		ck_assert_int_lt(i, n);
		ck_assert_ptr_eq(l->owner, want[i].owner);
		ck_assert_int_eq(l->type, want[i].type);
		ck_assert_int_eq(l->start, want[i].start);
		ck_assert_int_eq(l->end, want[i].end);
	}
	ck_assert_int_eq(i, n);
}

#define EXPECT(list, ...)                                                      \
	do {                                                                   \
		static const struct want _w[] = {__VA_ARGS__};                 \
		expect(list, _w, (int)(sizeof(_w) / sizeof(_w[0])));           \
	} while (0)

START_TEST(test_list_split_merge)
{
	struct vfs_lock *l = NULL;

	apply(&l, A, WR, 0, 99);
	apply(&l, A, UN, 40, 59);
	EXPECT(l, {A, WR, 0, 39}, {A, WR, 60, 99});
	apply(&l, A, WR, 40, 59);
	EXPECT(l, {A, WR, 0, 99});
	/* Another type splits; the same again rejoins. */
	apply(&l, A, RD, 20, 29);
	EXPECT(l, {A, WR, 0, 19}, {A, RD, 20, 29}, {A, WR, 30, 99});
	apply(&l, A, WR, 25, 29);
	EXPECT(l, {A, WR, 0, 19}, {A, RD, 20, 24}, {A, WR, 25, 99});
	apply(&l, A, RD, 22, 22);
	EXPECT(l, {A, WR, 0, 19}, {A, RD, 20, 24}, {A, WR, 25, 99});
	apply(&l, A, WR, 22, 22);
	EXPECT(l, {A, WR, 0, 19}, {A, RD, 20, 21}, {A, WR, 22, 22},
	       {A, RD, 23, 24}, {A, WR, 25, 99});
	apply(&l, A, WR, 20, 24);
	EXPECT(l, {A, WR, 0, 99});
	/* One range over several: covered ones go, the ends are cut. */
	apply(&l, A, RD, 10, 10);
	apply(&l, A, RD, 30, 30);
	apply(&l, A, UN, 50, 59);
	EXPECT(l, {A, WR, 0, 9}, {A, RD, 10, 10}, {A, WR, 11, 29},
	       {A, RD, 30, 30}, {A, WR, 31, 49}, {A, WR, 60, 99});
	apply(&l, A, RD, 5, 65);
	EXPECT(l, {A, WR, 0, 4}, {A, RD, 5, 65}, {A, WR, 66, 99});
	/* Touching ranges of one type merge, of two types do not. */
	apply(&l, A, RD, 100, 109);
	EXPECT(l, {A, WR, 0, 4}, {A, RD, 5, 65}, {A, WR, 66, 99},
	       {A, RD, 100, 109});
	apply(&l, A, WR, 110, 119);
	apply(&l, A, WR, 100, 109);
	EXPECT(l, {A, WR, 0, 4}, {A, RD, 5, 65}, {A, WR, 66, 119});
	/* Unlocking nothing held, or everything. */
	apply(&l, A, UN, 200, 300);
	EXPECT(l, {A, WR, 0, 4}, {A, RD, 5, 65}, {A, WR, 66, 119});
	apply(&l, A, UN, 0, EOF_);
	ck_assert_ptr_null(l);
}
END_TEST

START_TEST(test_list_eof)
{
	struct vfs_lock *l = NULL;

	apply(&l, A, WR, 100, EOF_);
	apply(&l, A, RD, EOF_, EOF_);
	EXPECT(l, {A, WR, 100, EOF_ - 1}, {A, RD, EOF_, EOF_});
	apply(&l, A, WR, 0, 99);
	EXPECT(l, {A, WR, 0, EOF_ - 1}, {A, RD, EOF_, EOF_});
	apply(&l, A, UN, 50, EOF_);
	EXPECT(l, {A, WR, 0, 49});
	apply(&l, A, RD, 50, EOF_);
	apply(&l, A, UN, 0, EOF_ - 1);
	EXPECT(l, {A, RD, EOF_, EOF_});
	vfs_lock_list_free(&l);
	ck_assert_ptr_null(l);
}
END_TEST

START_TEST(test_list_owners)
{
	struct vfs_lock *l = NULL, r;
	const struct vfs_lock *c;

	/* Grouped by owner in order of arrival, each sorted by start. */
	apply(&l, A, RD, 50, 59);
	apply(&l, B, RD, 0, 9);
	apply(&l, A, RD, 10, 19);
	apply(&l, C, WR, 100, 109);
	apply(&l, B, RD, 60, 69);
	apply(&l, A, RD, 90, 95);
	EXPECT(l, {A, RD, 10, 19}, {A, RD, 50, 59}, {A, RD, 90, 95},
	       {B, RD, 0, 9}, {B, RD, 60, 69}, {C, WR, 100, 109});
	/* Another owner's lock is never changed; B keeps its place. */
	apply(&l, B, WR, 0, 99);
	EXPECT(l, {A, RD, 10, 19}, {A, RD, 50, 59}, {A, RD, 90, 95},
	       {B, WR, 0, 99}, {C, WR, 100, 109});
	/* The first conflict in list order; none with our own. */
	r = req(C, RD, 0, EOF_);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(c->owner, B);
	r = req(C, WR, 0, EOF_);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_eq(c->owner, A);
	ck_assert_int_eq(c->start, 10);
	r = req(A, RD, 101, 101);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_eq(c->owner, C);
	r = req(A, RD, 96, 99);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_eq(c->owner, B);
	r = req(B, WR, 0, 99);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_eq(c->owner, A);
	r = req(C, RD, 200, EOF_);
	ck_assert_ptr_null(vfs_lock_list_test(l, &r));
	r = req(A, WR, 10, 19);
	ck_assert_ptr_eq(vfs_lock_list_test(l, &r)->owner, B);
	/* F_UNLCK asks for our own overlapping locks. */
	r = req(A, UN, 20, 60);
	c = vfs_lock_list_test(l, &r);
	ck_assert_ptr_eq(c->owner, A);
	ck_assert_int_eq(c->start, 50);
	r = req(C, UN, 0, 99);
	ck_assert_ptr_null(vfs_lock_list_test(l, &r));
	/* Emptying an owner's group leaves the others in order. */
	apply(&l, A, UN, 0, EOF_);
	apply(&l, A, WR, 200, 209);
	EXPECT(l, {B, WR, 0, 99}, {C, WR, 100, 109}, {A, WR, 200, 209});
	vfs_lock_list_free(&l);
}
END_TEST

/* ---- the table and its waits ---- */

static const char key1, key2;

struct locker {
	const void *key;
	struct vfs_lock req;
	bool wait;
	int ret;
	bool done;
	bool stop; /* interrupt it */
};

static bool interrupted(void *arg)
{
	struct locker *lk = arg;

	return __atomic_load_n(&lk->stop, __ATOMIC_SEQ_CST);
}

static void *locker_run(void *arg)
{
	struct locker *lk = arg;

	lk->ret = vfs_lock_set(lk->key, &lk->req, lk->wait, interrupted, lk);
	__atomic_store_n(&lk->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void set_ok(const void *key, const void *owner, int type, int64_t start,
		   int64_t end)
{
	struct vfs_lock r = req(owner, type, start, end);

	ck_assert_int_eq(vfs_lock_set(key, &r, false, NULL, NULL), 0);
}

START_TEST(test_set_conflict_release)
{
	struct vfs_lock r = req(B, WR, 5, 5), out;

	set_ok(&key1, A, WR, 0, 9);
	ck_assert_int_eq(vfs_lock_set(&key1, &r, false, NULL, NULL), -EAGAIN);
	/* Another file's locks are another list. */
	ck_assert_int_eq(vfs_lock_set(&key2, &r, false, NULL, NULL), 0);
	ck_assert(vfs_lock_test(&key1, &r, &out));
	ck_assert_ptr_eq(out.owner, A);
	ck_assert_int_eq(out.pid, 7);
	ck_assert_ptr_null(out.next);
	/* Release drops only that owner's locks on that file. */
	vfs_lock_release(&key1, B);
	ck_assert(vfs_lock_test(&key1, &r, &out));
	vfs_lock_release(&key1, A);
	ck_assert(!vfs_lock_test(&key1, &r, &out));
	r.owner = A;
	ck_assert(vfs_lock_test(&key2, &r, &out));
	vfs_lock_release(&key2, B);
	ck_assert(!vfs_lock_test(&key2, &r, &out));
	/* Unlocking on a file with no locks at all. */
	r.type = UN;
	ck_assert_int_eq(vfs_lock_set(&key1, &r, true, NULL, NULL), 0);
}
END_TEST

START_TEST(test_set_wait)
{
	struct locker b = {.key = &key1, .req = req(B, RD, 0, 0), .wait = true};
	pthread_t th;

	set_ok(&key1, A, WR, 0, EOF_);
	ck_assert_int_eq(pthread_create(&th, NULL, locker_run, &b), 0);
	sleep_ms(50);
	ck_assert(!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
	/* A downgrade to a read lock lets the reader in. */
	set_ok(&key1, A, RD, 0, 9);
	pthread_join(th, NULL);
	ck_assert_int_eq(b.ret, 0);
	vfs_lock_release(&key1, A);
	vfs_lock_release(&key1, B);
}
END_TEST

START_TEST(test_set_interrupted)
{
	struct locker b = {.key = &key1, .req = req(B, WR, 3, 3), .wait = true};
	struct vfs_lock out;
	pthread_t th;

	set_ok(&key1, A, RD, 0, 9);
	ck_assert_int_eq(pthread_create(&th, NULL, locker_run, &b), 0);
	sleep_ms(30);
	ck_assert(!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
	__atomic_store_n(&b.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	ck_assert_int_eq(b.ret, -ERESTARTSYS);
	/* It took nothing. */
	b.req.owner = C;
	ck_assert(vfs_lock_test(&key1, &b.req, &out));
	ck_assert_ptr_eq(out.owner, A);
	vfs_lock_release(&key1, A);
	ck_assert(!vfs_lock_test(&key1, &b.req, &out));
}
END_TEST

START_TEST(test_set_deadlock)
{
	struct locker b = {.key = &key1, .req = req(B, WR, 0, 0), .wait = true};
	struct vfs_lock r = req(A, WR, 1, 1);
	pthread_t th;

	/* A holds 0, B holds 1; B waits for 0. */
	set_ok(&key1, A, WR, 0, 0);
	set_ok(&key1, B, WR, 1, 1);
	ck_assert_int_eq(pthread_create(&th, NULL, locker_run, &b), 0);
	sleep_ms(30);
	ck_assert(!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
	/* A waiting for 1 would wait forever. */
	ck_assert_int_eq(vfs_lock_set(&key1, &r, true, NULL, NULL), -EDEADLK);
	/* A wait across files is found too. */
	set_ok(&key2, B, WR, 1, 1);
	ck_assert_int_eq(vfs_lock_set(&key2, &r, true, NULL, NULL), -EDEADLK);
	vfs_lock_release(&key2, B);
	/* Not waiting, it is just EAGAIN. */
	ck_assert_int_eq(vfs_lock_set(&key1, &r, false, NULL, NULL), -EAGAIN);
	/* A gives 0 up: B gets it. */
	vfs_lock_release(&key1, A);
	pthread_join(th, NULL);
	ck_assert_int_eq(b.ret, 0);
	vfs_lock_release(&key1, B);
}
END_TEST

START_TEST(test_set_ofd_no_deadlock_check)
{
	struct locker b = {.key = &key1, .req = req(B, WR, 5, 5), .wait = true};
	struct locker c = {.key = &key1, .req = req(C, WR, 6, 6), .wait = true};
	pthread_t tb, tc;

	/* C's OFD lock holds 5, B's POSIX lock 6; B waits for 5. */
	c.req.ofd = true;
	c.req.pid = -1;
	set_ok(&key1, B, WR, 6, 6);
	{
		struct vfs_lock r = c.req;

		r.start = r.end = 5;
		ck_assert_int_eq(vfs_lock_set(&key1, &r, false, NULL, NULL), 0);
	}
	ck_assert_int_eq(pthread_create(&tb, NULL, locker_run, &b), 0);
	sleep_ms(30);
	/* C waiting for 6 closes the cycle, but an OFD request just waits. */
	ck_assert_int_eq(pthread_create(&tc, NULL, locker_run, &c), 0);
	sleep_ms(30);
	ck_assert(!__atomic_load_n(&b.done, __ATOMIC_SEQ_CST));
	ck_assert(!__atomic_load_n(&c.done, __ATOMIC_SEQ_CST));
	__atomic_store_n(&c.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(tc, NULL);
	ck_assert_int_eq(c.ret, -ERESTARTSYS);
	vfs_lock_release(&key1, C);
	pthread_join(tb, NULL);
	ck_assert_int_eq(b.ret, 0);
	vfs_lock_release(&key1, B);
}
END_TEST

static Suite *locks_suite(void)
{
	Suite *s = suite_create("locks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_list_split_merge);
	tcase_add_test(tc, test_list_eof);
	tcase_add_test(tc, test_list_owners);
	tcase_add_test(tc, test_set_conflict_release);
	tcase_add_test(tc, test_set_wait);
	tcase_add_test(tc, test_set_interrupted);
	tcase_add_test(tc, test_set_deadlock);
	tcase_add_test(tc, test_set_ofd_no_deadlock_check);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(locks_suite)
