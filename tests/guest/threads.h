/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the thread guest tests (threads*.c): futex words, the
 * entries of /proc/self/task, waiting for a child with a bound (a hung
 * thread group must fail the test, not hang it) and for a condition that
 * another thread makes true.
 *
 * Nothing here measures time: bounds are only there so that a bug shows
 * up as a failure instead of a hang, and are far above what any run needs.
 */
#ifndef MOAT_TESTS_THREADS_H
#define MOAT_TESTS_THREADS_H

#include "proc.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A bug must not hang the test: waits give up after this long. */
#define BOUND_MS 20000L

static inline long futex_wait(volatile int *w, int val,
			      const struct timespec *rel)
{
	return SYS6(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, rel, 0, 0);
}

static inline long futex_wake(volatile int *w, int n)
{
	return SYS6(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, 0, 0, 0);
}

static inline int load(volatile int *w)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

static inline void store_wake(volatile int *w, int v)
{
	__atomic_store_n(w, v, __ATOMIC_SEQ_CST);
	futex_wake(w, 0x7fffffff);
}

static inline int add_wake(volatile int *w, int v)
{
	int n = __atomic_add_fetch(w, v, __ATOMIC_SEQ_CST);

	futex_wake(w, 0x7fffffff);
	return n;
}

static inline int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Waits (futex) until *w reaches at least want: true, or false after
 * BOUND_MS. The writer changes *w with store_wake or add_wake.
 */
static inline bool wait_at_least(volatile int *w, int want)
{
	int64_t end = mono_ms() + BOUND_MS;
	struct timespec slice = {0, 50 * 1000000L};
	int v;

	while ((v = load(w)) < want) {
		if (mono_ms() > end)
			return false;
		futex_wait(w, v, &slice);
	}
	return true;
}

/* Waits until *w == want; false after BOUND_MS. */
static inline bool wait_eq(volatile int *w, int want)
{
	int64_t end = mono_ms() + BOUND_MS;
	struct timespec slice = {0, 50 * 1000000L};
	int v;

	while ((v = load(w)) != want) {
		if (mono_ms() > end)
			return false;
		futex_wait(w, v, &slice);
	}
	return true;
}

/* Blocks the calling thread until *w != val (forever, as a thread that
 * must be killed would). */
static inline void block_on(volatile int *w, int val)
{
	while (load(w) == val)
		futex_wait(w, val, NULL);
}

/* The entries of /proc/self/task (or another directory of tids): how many
 * there are, up to max stored in tids; -errno if it cannot be read. */
static inline int list_tids(const char *dir, int *tids, int max)
{
	char buf[4096];
	long fd, n;
	int count = 0;

	fd = SYS3(SYS_open, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return (int)fd;
	while ((n = SYS3(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: ino, off, reclen, type, name
			 */
			unsigned short reclen =
			    *(unsigned short *)(buf + off + 16);
			const char *name = buf + off + 19;

			off += reclen;
			if (name[0] == '.')
				continue;
			if (count < max)
				tids[count] = atoi(name);
			count++;
		}
	}
	SYS1(SYS_close, fd);
	return n < 0 ? (int)n : count;
}

static inline int count_tasks(void)
{
	int tids[1];

	return list_tids("/proc/self/task", tids, 0);
}

static inline bool has_tid(const int *tids, int n, int tid)
{
	for (int i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/* Waits until /proc/self/task has want entries: an exited thread may be
 * listed a moment after its CLONE_CHILD_CLEARTID wake (as on Linux). */
static inline int wait_tasks(int want)
{
	int64_t end = mono_ms() + BOUND_MS;
	int n;

	while ((n = count_tasks()) != want && mono_ms() < end)
		nap(1);
	return n;
}

/* Reads all of path into buf, NUL-terminated: its length or -errno. */
static inline long slurp(const char *path, char *buf, size_t size)
{
	long fd = SYS3(SYS_open, path, O_RDONLY, 0), n = 0, len = 0;

	if (fd < 0)
		return fd;
	while ((size_t)len < size - 1 &&
	       (n = SYS3(SYS_read, fd, buf + len, size - 1 - len)) > 0)
		len += n;
	SYS1(SYS_close, fd);
	buf[len] = '\0';
	return n < 0 ? n : len;
}

/* The number after "key" in /proc/self/status-like text; -1 if none. */
static inline long status_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? atol(p + strlen(key)) : -1;
}

/*
 * Reaps pid, which must end by itself within BOUND_MS: its raw status.
 * If it does not, the failure is recorded, it is killed with SIGKILL and
 * reaped, and -1 is returned.
 */
static inline int reap_bounded(pid_t pid, int line)
{
	int64_t end = mono_ms() + BOUND_MS;
	int status = -1;
	long r;

	for (;;) {
		r = SYS4(SYS_wait4, pid, &status, WNOHANG, 0);
		if (r == pid)
			return status;
		if (r != 0 && r != -EINTR) {
			guest_fail(__FILE__, line, "wait4(%d): got %ld",
				   (int)pid, r);
			return -1;
		}
		if (mono_ms() > end)
			break;
		nap(2);
	}
	guest_fail(__FILE__, line, "child %d still alive after %ld ms",
		   (int)pid, BOUND_MS);
	SYS2(SYS_kill, pid, SIGKILL);
	reap(pid);
	return -1;
}

#define REAP_BOUNDED(pid) reap_bounded(pid, __LINE__)

/* pthread_create, failing the test at once without a thread. */
static inline pthread_t start(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);

	if (e) {
		fprintf(stderr, "pthread_create: %s\n", strerror(e));
		exit(1);
	}
	return t;
}

static inline long gettid_raw(void)
{
	return SYS0(SYS_gettid);
}

static inline long getpid_raw(void)
{
	return SYS0(SYS_getpid);
}

#endif
