// SPDX-License-Identifier: Apache-2.0
/*
 * Threads, as a process sees its own: pthread_create and pthread_join of
 * fifty threads in rounds, each with a value to return; their tids are
 * distinct and none is the pid, getpid is the same in all; /proc/self/task
 * lists exactly the live ones, /proc/self/status counts them, /proc/TID
 * (unlisted in /proc) and /proc/self/task/TID name the thread and its
 * group. A raw clone as glibc and musl make threads (CLONE_VM, FS, FILES,
 * SIGHAND, THREAD, SYSVSEM, SETTLS, PARENT_SETTID, CHILD_CLEARTID) on a
 * small stack: the parent's tid word is set, the thread runs on its TLS,
 * and at its exit the child tid word is cleared and the futex woken; a
 * thread is no child to wait for. Memory (also new mappings) and file
 * descriptors are shared. A thread's name (PR_SET_NAME) shows in
 * /proc/self/task/TID/comm and nowhere else, is inherited by the threads
 * it creates, and can be set through that file (pthread_setname_np) to
 * its first 15 bytes, but not another process's (EINVAL).
 */
#include "threads.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#ifndef ARCH_GET_FS
#define ARCH_GET_FS 0x1003
#endif

/* ---- many threads, each with its value ---- */

#define ROUND  10
#define ROUNDS 5

struct worker {
	int index;
	long tid, pid;
	volatile int *gate;
	volatile int *started;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid_raw();
	w->pid = getpid_raw();
	add_wake(w->started, 1);
	block_on(w->gate, 0);
	return (void *)(long)(w->index * 7 + 1);
}

static void test_many(void)
{
	static long all_tids[ROUND * ROUNDS];
	long pid = getpid_raw();
	int nall = 0;

	CHECK_EQ(gettid_raw(), pid);
	CHECK_EQ(count_tasks(), 1);
	for (int round = 0; round < ROUNDS; round++) {
		struct worker w[ROUND];
		pthread_t t[ROUND];
		volatile int gate = 0, started = 0;
		int tids[ROUND + 8];
		char path[64], text[4096];
		int n;

		for (int i = 0; i < ROUND; i++) {
			w[i] = (struct worker){.index = round * ROUND + i,
					       .gate = &gate,
					       .started = &started};
			t[i] = start(worker_main, &w[i]);
		}
		CHECK(wait_at_least(&started, ROUND));
		/* All of them blocked: each is listed, with the main one. */
		n = list_tids("/proc/self/task", tids, ROUND + 8);
		CHECK_EQ(n, ROUND + 1);
		CHECK(has_tid(tids, n, (int)pid));
		CHECK_OK(slurp("/proc/self/status", text, sizeof(text)));
		CHECK_EQ(status_field(text, "\nThreads:\t"), ROUND + 1);
		for (int i = 0; i < ROUND; i++) {
			CHECK_EQ(w[i].pid, pid);
			CHECK(w[i].tid > 0);
			CHECK(w[i].tid != pid);
			CHECK(has_tid(tids, n, (int)w[i].tid));
			/* Distinct from every thread before, live or not. */
			for (int j = 0; j < nall; j++)
				CHECK(all_tids[j] != w[i].tid);
			all_tids[nall++] = w[i].tid;
		}
		/* A thread's own directory names it and its group. */
		snprintf(path, sizeof(path), "/proc/self/task/%ld/status",
			 w[0].tid);
		CHECK_OK(slurp(path, text, sizeof(text)));
		CHECK_EQ(status_field(text, "\nTgid:\t"), pid);
		CHECK_EQ(status_field(text, "\nPid:\t"), w[0].tid);
		/* /proc/TID works for a thread, though /proc lists only
		 * thread group leaders. */
		snprintf(path, sizeof(path), "/proc/%ld/status", w[1].tid);
		CHECK_OK(slurp(path, text, sizeof(text)));
		CHECK_EQ(status_field(text, "\nTgid:\t"), pid);
		CHECK_EQ(status_field(text, "\nPid:\t"), w[1].tid);
		/* A thread is signalled by its tid within its group. */
		CHECK_EQ(SYS3(SYS_tgkill, pid, w[2].tid, 0), 0);
		CHECK_ERR(SYS3(SYS_tgkill, pid + 100000, w[2].tid, 0), ESRCH);

		store_wake(&gate, 1);
		for (int i = 0; i < ROUND; i++) {
			void *ret = NULL;

			CHECK_EQ(pthread_join(t[i], &ret), 0);
			CHECK_EQ((long)ret, w[i].index * 7 + 1);
		}
		/* Gone (a moment after the join, as on Linux). */
		CHECK_EQ(wait_tasks(1), 1);
		CHECK_ERR(SYS3(SYS_tgkill, pid, w[2].tid, 0), ESRCH);
	}
	CHECK_EQ(nall, ROUND * ROUNDS);
	/* Threads are nobody's children. */
	CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG | __WALL, 0), ECHILD);
}

/* ---- a raw clone, as the C libraries make threads ---- */

#define SENTINEL   0x7777
#define STACK_SIZE (16 * 1024)

static char clone_stack[STACK_SIZE] __attribute__((aligned(64)));
/* A TLS block of our own: the word at %fs:0 points to itself. */
static void *clone_tls[64] __attribute__((aligned(64)));

static volatile int raw_ptid, raw_ctid;
static volatile int raw_go;
static volatile long raw_tid, raw_fs, raw_ptid_seen, raw_pid;
static volatile int raw_ran;

/*
 * The thread: raw syscalls only (it has no libc thread of its own), no
 * stack protector (its TLS is not libc's).
 */
__attribute__((no_stack_protector)) static int raw_thread(void *arg)
{
	long fs = 0;

	(void)arg;
	raw_tid = SYS0(SYS_gettid);
	raw_pid = SYS0(SYS_getpid);
	SYS2(SYS_arch_prctl, ARCH_GET_FS, &fs);
	raw_fs = fs;
	/* CLONE_PARENT_SETTID stored the tid before the thread ran. */
	raw_ptid_seen = raw_ptid;
	__atomic_store_n(&raw_ran, 1, __ATOMIC_SEQ_CST);
	SYS6(SYS_futex, &raw_ran, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	while (__atomic_load_n(&raw_go, __ATOMIC_SEQ_CST) == 0)
		SYS6(SYS_futex, &raw_go, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	/* Let the parent wait on the tid word before it is cleared. */
	for (int i = 0; i < 20; i++)
		SYS0(SYS_sched_yield);
	/* glibc's clone calls SYS_exit with this value. */
	return 0;
}

static void test_raw_clone(void)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				    CLONE_SIGHAND | CLONE_THREAD |
				    CLONE_SYSVSEM | CLONE_SETTLS |
				    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	int woke = 0, again = 0;

	for (int round = 0; round < 20; round++) {
		struct timespec bound = {BOUND_MS / 1000, 0};
		long r;
		int tid;

		raw_ptid = 0;
		raw_ctid = SENTINEL;
		raw_go = 0;
		raw_ran = 0;
		raw_tid = raw_fs = raw_ptid_seen = raw_pid = 0;
		clone_tls[0] = clone_tls;
		tid = clone(raw_thread, clone_stack + STACK_SIZE, flags, NULL,
			    &raw_ptid, clone_tls, &raw_ctid);
		CHECK(tid > 0);
		if (tid <= 0)
			return;
		CHECK_EQ(raw_ptid, tid);
		CHECK(wait_eq(&raw_ran, 1));
		CHECK_EQ(raw_tid, tid);
		CHECK_EQ(raw_pid, getpid_raw());
		CHECK_EQ(raw_fs, (long)clone_tls);
		CHECK_EQ(raw_ptid_seen, tid);
		/* No CLONE_CHILD_SETTID: the word is left alone until the
		 * exit. */
		CHECK_EQ(raw_ctid, SENTINEL);
		CHECK_EQ(count_tasks(), 2);

		store_wake(&raw_go, 1);
		/* The exit clears the word and wakes its futex: the wait
		 * ends (or finds the word already cleared). The wake is a
		 * shared one (FUTEX_WAKE): a FUTEX_WAIT_PRIVATE would miss
		 * it, which is why glibc waits for the tid shared. */
		r = SYS6(SYS_futex, &raw_ctid, FUTEX_WAIT, SENTINEL, &bound, 0,
			 0);
		if (r == 0)
			woke++;
		else if (r == -EAGAIN)
			again++;
		else
			guest_fail(__FILE__, __LINE__,
				   "futex_wait(ctid): got %ld, want 0 or "
				   "-EAGAIN",
				   r);
		CHECK_EQ(raw_ctid, 0);
		CHECK_EQ(wait_tasks(1), 1);
		CHECK_ERR(SYS3(SYS_tgkill, getpid_raw(), tid, 0), ESRCH);
		CHECK_ERR(SYS4(SYS_wait4, -1, 0, WNOHANG | __WALL, 0), ECHILD);
	}
	CHECK_EQ(woke + again, 20);
}

/* ---- what threads share ---- */

static int shared_global;
static volatile int *volatile mapped;
static volatile int share_step;
static int shared_fd = -1;

static void *sharer_main(void *arg)
{
	int p[2];

	(void)arg;
	/* Sees the main thread's writes. */
	CHECK_EQ(shared_global, 11);
	shared_global = 22;
	/* A mapping made here is the main thread's too. */
	mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mapped != MAP_FAILED);
	mapped[0] = 33;
	/* So is an fd opened here. */
	make_pipe(p);
	shared_fd = p[0];
	put_byte(p[1], 'x');
	SYS1(SYS_close, p[1]);
	store_wake(&share_step, 1);
	CHECK(wait_eq(&share_step, 2));
	/* The main thread's unmap and close are ours too. */
	CHECK_ERR(SYS3(SYS_mincore, mapped, 4096, &(char){0}), ENOMEM);
	CHECK_ERR(SYS3(SYS_fcntl, shared_fd, F_GETFD, 0), EBADF);
	return NULL;
}

static void test_shared(void)
{
	pthread_t t;

	shared_global = 11;
	t = start(sharer_main, NULL);
	CHECK(wait_eq(&share_step, 1));
	CHECK_EQ(shared_global, 22);
	CHECK_EQ(mapped[0], 33);
	CHECK_EQ(get_byte(shared_fd), 'x');
	CHECK_EQ(get_byte(shared_fd), 0);
	CHECK_OK(SYS2(SYS_munmap, mapped, 4096));
	CHECK_OK(SYS1(SYS_close, shared_fd));
	store_wake(&share_step, 2);
	CHECK_EQ(pthread_join(t, NULL), 0);
}

/* ---- thread names ---- */

static volatile int name_step;
static volatile long name_tid, child_tid;
static char child_name[16];

static void *name_child(void *arg)
{
	(void)arg;
	child_tid = gettid_raw();
	SYS5(SYS_prctl, PR_GET_NAME, child_name, 0, 0, 0);
	return NULL;
}

static void *name_main(void *arg)
{
	char name[16] = "";
	pthread_t t;

	(void)arg;
	name_tid = gettid_raw();
	CHECK_OK(SYS5(SYS_prctl, PR_SET_NAME, "worker-7", 0, 0, 0));
	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	CHECK(!strcmp(name, "worker-7"));
	/* A thread created now starts with its creator's name. */
	t = start(name_child, NULL);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(!strcmp(child_name, "worker-7"));
	store_wake(&name_step, 1);
	CHECK(wait_eq(&name_step, 2));
	/* The main thread named it through its comm file. */
	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	CHECK(!strcmp(name, "renamed"));
	return NULL;
}

/* Writes to comm: 15 bytes kept, all taken; another process's: EINVAL. */
static void test_comm_writes(void)
{
	char path[64], text[64];
	long fd, n;
	pid_t pid;
	int p[2];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", gettid_raw());
	fd = SYS3(SYS_open, path, O_WRONLY, 0);
	CHECK_OK(fd);
	n = SYS3(SYS_write, fd, "abcdefghijklmnopqrstuvwxyz", 26);
	CHECK_EQ(n, 26);
	CHECK_OK(slurp("/proc/self/comm", text, sizeof(text)));
	CHECK(!strcmp(text, "abcdefghijklmno\n"));
	/* The newline written is part of the name. */
	CHECK_EQ(SYS3(SYS_write, fd, "x\n", 2), 2);
	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, text, 0, 0, 0));
	CHECK(!strcmp(text, "x\n"));
	SYS1(SYS_close, fd);
	CHECK_OK(SYS5(SYS_prctl, PR_SET_NAME, "threads", 0, 0, 0));

	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		get_byte(p[0]);
		child_exit();
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = SYS3(SYS_open, path, O_WRONLY, 0);
	CHECK_OK(fd);
	CHECK_ERR(SYS3(SYS_write, fd, "other", 5), EINVAL);
	SYS1(SYS_close, fd);
	CHECK_OK(slurp(path, text, sizeof(text)));
	CHECK(!strcmp(text, "threads\n"));
	put_byte(p[1], 'x');
	CHECK_CHILD_OK(pid);
	close2(p);
}

static void test_names(void)
{
	char orig[16] = "", name[16] = "", path[64], text[64];
	pthread_t t;

	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, orig, 0, 0, 0));
	CHECK(!strcmp(orig, "threads"));
	t = start(name_main, NULL);
	CHECK(wait_eq(&name_step, 1));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", name_tid);
	CHECK_OK(slurp(path, text, sizeof(text)));
	CHECK(!strcmp(text, "worker-7\n"));
	/* The main thread, and so the process, keep their name. */
	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	CHECK(!strcmp(name, orig));
	CHECK_OK(slurp("/proc/self/comm", text, sizeof(text)));
	CHECK(!strcmp(text, "threads\n"));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", getpid_raw());
	CHECK_OK(slurp(path, text, sizeof(text)));
	CHECK(!strcmp(text, "threads\n"));
	/* The thread's stat shows it in its comm field too. */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", name_tid);
	CHECK_OK(slurp(path, text, sizeof(text)));
	CHECK(strstr(text, " (worker-7) ") != NULL);
	/* glibc writes /proc/self/task/TID/comm for another thread. */
	CHECK_EQ(pthread_setname_np(t, "renamed"), 0);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", name_tid);
	CHECK_OK(slurp(path, text, sizeof(text)));
	CHECK(!strcmp(text, "renamed\n"));
	CHECK_EQ(pthread_getname_np(t, name, sizeof(name)), 0);
	CHECK(!strcmp(name, "renamed"));
	store_wake(&name_step, 2);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_OK(SYS5(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	CHECK(!strcmp(name, orig));
	test_comm_writes();
}

int main(void)
{
	test_many();
	test_raw_clone();
	test_shared();
	test_names();
	return guest_done();
}
