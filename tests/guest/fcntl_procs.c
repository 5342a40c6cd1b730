// SPDX-License-Identifier: Apache-2.0
/*
 * fcntl between processes. POSIX record locks: each process's locks are its own
 * (their owner is its fd table, so a forked child's locks are not its
 * parent's even on an inherited descriptor); F_GETLK and F_OFD_GETLK show
 * a POSIX lock's holder by its process id (its threads' locks are the
 * process's), an OFD lock's as -1; F_SETLKW waits for another process's
 * lock; two processes that would wait for each other's locks get
 * EDEADLK, one of them; a process's locks go when it exits. F_SETOWN and
 * F_SETOWN_EX take any thread, process or process group of the sandbox.
 */
#include "proc.h"
#include "scratch.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>

static long set(long fd, int cmd, short type, int64_t start, int64_t len)
{
	struct flock fl = {.l_type = type,
			   .l_whence = SEEK_SET,
			   .l_start = start,
			   .l_len = len};

	return SYS3(SYS_fcntl, fd, cmd, &fl);
}

/* What cmd (F_GETLK or F_OFD_GETLK) finds against a write lock there. */
static struct flock getlk(long fd, int cmd, int64_t start, int64_t len)
{
	struct flock fl = {.l_type = F_WRLCK,
			   .l_whence = SEEK_SET,
			   .l_start = start,
			   .l_len = len,
			   .l_pid = 0};

	CHECK_EQ(SYS3(SYS_fcntl, fd, cmd, &fl), 0);
	return fl;
}

#define CHECK_LOCK(fl, type, start, len, pid)                                  \
	do {                                                                   \
		struct flock _f = (fl);                                        \
		CHECK_EQ(_f.l_type, type);                                     \
		CHECK_EQ(_f.l_start, start);                                   \
		CHECK_EQ(_f.l_len, len);                                       \
		CHECK_EQ(_f.l_pid, pid);                                       \
	} while (0)

#define CHECK_FREE(fd, start, len)                                             \
	CHECK_EQ(getlk(fd, F_GETLK, start, len).l_type, F_UNLCK)

static long open_rw(void)
{
	long fd = SYS4(SYS_openat, AT_FDCWD, "f", O_RDWR | O_CREAT, 0644);

	CHECK_OK(fd);
	return fd;
}

/* A child's locks as its parent sees them, and the parent's as it does. */
static void test_getlk_pid(void)
{
	long a = open_rw(), b = open_rw();
	long me = SYS0(SYS_getpid);
	int p[2], q[2];
	pid_t pid;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		long d = open_rw();

		/* On the descriptor it shares with the parent: still its. */
		CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
		CHECK_EQ(set(a, F_SETLK, F_RDLCK, 60, 10), 0);
		CHECK_EQ(set(d, F_OFD_SETLK, F_WRLCK, 40, 10), 0);
		put_byte(q[1], 'r');
		CHECK_EQ(get_byte(p[0]), 'g');
		/* The parent's lock, with the parent's pid. */
		CHECK_LOCK(getlk(a, F_GETLK, 20, 20), F_WRLCK, 20, 10, me);
		CHECK_ERR(set(a, F_SETLK, F_RDLCK, 25, 1), EAGAIN);
		CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 10), 0);
		put_byte(q[1], 'u');
		CHECK_EQ(get_byte(p[0]), 'g');
		/* Its exit drops its POSIX lock and, with its last
		 * descriptor, the OFD lock. */
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');
	CHECK_LOCK(getlk(a, F_GETLK, 0, 0), F_WRLCK, 0, 10, pid);
	CHECK_LOCK(getlk(b, F_OFD_GETLK, 5, 1), F_WRLCK, 0, 10, pid);
	CHECK_LOCK(getlk(a, F_GETLK, 40, 10), F_WRLCK, 40, 10, -1);
	CHECK_LOCK(getlk(b, F_OFD_GETLK, 45, 1), F_WRLCK, 40, 10, -1);
	CHECK_LOCK(getlk(a, F_GETLK, 55, 0), F_RDLCK, 60, 10, pid);
	CHECK_ERR(set(a, F_SETLK, F_RDLCK, 5, 1), EAGAIN);
	CHECK_ERR(set(a, F_SETLK, F_WRLCK, 65, 1), EAGAIN);
	CHECK_EQ(set(a, F_SETLK, F_RDLCK, 65, 1), 0);
	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 20, 10), 0);
	put_byte(p[1], 'g');
	CHECK_EQ(get_byte(q[0]), 'u');
	CHECK_FREE(a, 0, 20);
	CHECK_LOCK(getlk(a, F_GETLK, 0, 50), F_WRLCK, 40, 10, -1);
	put_byte(p[1], 'g');
	CHECK_CHILD_OK(pid);
	CHECK_FREE(b, 0, 0);
	CHECK_EQ(getlk(b, F_OFD_GETLK, 0, 0).l_pid, me);
	CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 0), 0);
	CHECK_EQ(getlk(b, F_OFD_GETLK, 0, 0).l_type, F_UNLCK);
	close2(p);
	close2(q);
	SYS1(SYS_close, a);
	SYS1(SYS_close, b);
}

/* F_SETLKW waits for another process's lock to go. */
static void test_setlkw_waits(void)
{
	long a = open_rw();
	int q[2];
	pid_t pid;

	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 10), 0);
		put_byte(q[1], 'r');
		nap(50);
		put_byte(q[1], 'u');
		CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 10), 0);
		nap(50);
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');
	CHECK_ERR(set(a, F_SETLK, F_RDLCK, 5, 10), EAGAIN);
	CHECK_EQ(set(a, F_SETLKW, F_RDLCK, 5, 10), 0);
	/* It got the lock only once the child had let go. */
	CHECK_EQ(get_byte(q[0]), 'u');
	CHECK_CHILD_OK(pid);
	CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 0), 0);
	close2(q);
	SYS1(SYS_close, a);
}

/*
 * Each holds a lock and waits for the other's: whichever waits second
 * closes the cycle and gets EDEADLK; the other then gets its lock.
 */
static void test_deadlock(void)
{
	long a = open_rw();
	int q[2], r[2];
	long mine, theirs;
	pid_t pid;

	make_pipe(q);
	make_pipe(r);
	pid = spawn();
	if (pid == 0) {
		long ret;

		CHECK_EQ(set(a, F_SETLK, F_WRLCK, 1, 1), 0);
		put_byte(q[1], 'r');
		CHECK_EQ(get_byte(r[0]), 'g');
		ret = set(a, F_SETLKW, F_WRLCK, 0, 1);
		/* EDEADLK: let the parent have ours, by exiting. */
		if (ret == -EDEADLK)
			_exit(100);
		_exit(ret == 0 ? 0 : 101);
	}
	CHECK_EQ(set(a, F_SETLK, F_WRLCK, 0, 1), 0);
	CHECK_EQ(get_byte(q[0]), 'r');
	put_byte(r[1], 'g');
	nap(20); /* let the child wait first, most of the time */
	mine = set(a, F_SETLKW, F_WRLCK, 1, 1);
	if (mine == -EDEADLK)
		CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 1), 0);
	theirs = reap(pid);
	CHECK(mine == 0 || mine == -EDEADLK);
	if (mine == 0)
		CHECK_EQ(theirs, EXITED(100));
	else
		CHECK_EQ(theirs, EXITED(0));
	CHECK_EQ(set(a, F_SETLK, F_UNLCK, 0, 0), 0);
	close2(q);
	close2(r);
	SYS1(SYS_close, a);
}

/* A thread's POSIX locks are its process's, shown with the process's id. */
struct locker {
	long fd;
	int to[2], from[2];
};

static void *locker_main(void *arg)
{
	struct locker *l = arg;

	CHECK_EQ(set(l->fd, F_SETLK, F_WRLCK, 0, 10), 0);
	put_byte(l->from[1], 'r');
	get_byte(l->to[0]);
	return NULL;
}

/* A child that checks, once told, what F_GETLK shows on fd: a lock of
 * type on [0, 10) held by process pid. */
static pid_t checker(long fd, int p[2], short type, long pid)
{
	pid_t c;

	make_pipe(p);
	c = spawn();
	if (c == 0) {
		CHECK_EQ(get_byte(p[0]), 'g');
		CHECK_LOCK(getlk(fd, F_GETLK, 0, 0), type, 0, 10, pid);
		child_exit();
	}
	return c;
}

static void test_thread_lock(void)
{
	struct locker l = {.fd = open_rw()};
	long me = SYS0(SYS_getpid);
	int p1[2], p2[2];
	pthread_t th;
	pid_t c1, c2;

	/* The children first: no fork while another thread runs. */
	c1 = checker(l.fd, p1, F_WRLCK, me);
	c2 = checker(l.fd, p2, F_RDLCK, me);
	make_pipe(l.to);
	make_pipe(l.from);
	if (pthread_create(&th, NULL, locker_main, &l)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(get_byte(l.from[0]), 'r');
	/* Ours: no conflict, and we may take it over. */
	CHECK_FREE(l.fd, 0, 0);
	put_byte(p1[1], 'g');
	CHECK_CHILD_OK(c1);
	CHECK_EQ(set(l.fd, F_SETLK, F_RDLCK, 0, 10), 0);
	put_byte(l.to[1], 'g');
	pthread_join(th, NULL);
	put_byte(p2[1], 'g');
	CHECK_CHILD_OK(c2);
	CHECK_EQ(set(l.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	close2(p1);
	close2(p2);
	close2(l.to);
	close2(l.from);
	SYS1(SYS_close, l.fd);
}

/* I/O signal owners: other tasks, while they exist. */
static void test_setown(void)
{
	struct f_owner_ex o = {0};
	long fd = open_rw();
	int p[2];
	pid_t pid;

	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(SYS2(SYS_setpgid, 0, 0), 0);
		put_byte(p[1], 'r');
		nap(10000); /* until killed */
		child_exit();
	}
	CHECK_EQ(get_byte(p[0]), 'r');
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETOWN, pid), 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETOWN, 0), pid);
	/* Its process group, negated. */
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETOWN, -pid), 0);
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETOWN, 0), -pid);
	o = (struct f_owner_ex){F_OWNER_TID, pid};
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETOWN_EX, &o), 0);
	o = (struct f_owner_ex){F_OWNER_PGRP, pid};
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_SETOWN_EX, &o), 0);
	memset(&o, 0, sizeof(o));
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETOWN_EX, &o), 0);
	CHECK_EQ(o.type, F_OWNER_PGRP);
	CHECK_EQ(o.pid, pid);
	SYS2(SYS_kill, pid, SIGKILL);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
	/* Reaped: its numbers name nothing. */
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETOWN, pid), ESRCH);
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETOWN, -pid), ESRCH);
	o = (struct f_owner_ex){F_OWNER_PID, pid};
	CHECK_ERR(SYS3(SYS_fcntl, fd, F_SETOWN_EX, &o), ESRCH);
	/* The owner set before is gone: 0, of the type set. */
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETOWN, 0), 0);
	o = (struct f_owner_ex){F_OWNER_TID, 1};
	CHECK_EQ(SYS3(SYS_fcntl, fd, F_GETOWN_EX, &o), 0);
	CHECK_EQ(o.type, F_OWNER_PGRP);
	CHECK_EQ(o.pid, 0);
	close2(p);
	SYS1(SYS_close, fd);
}

int main(void)
{
	scratch_enter("fcntl_procs");
	test_getlk_pid();
	test_setlkw_waits();
	test_deadlock();
	test_thread_lock();
	test_setown();
	scratch_leave();
	return guest_done();
}
