// SPDX-License-Identifier: Apache-2.0
/*
 * CPU-time clocks of other tasks: clock_getcpuclockid's clock of a child
 * (a zombie's too, until it is reaped), pthread_getcpuclockid's clock of
 * another thread, the process clock (and getrusage's RUSAGE_SELF) as the
 * sum of its threads', and
 * clock_nanosleep on those clocks: it returns once the clock got there,
 * and a signal interrupts it (with the time left) or restarts it.
 *
 * A thread clock names a thread of the caller's own process only; a
 * process clock a process, by its pid (clock_gettime alone also takes the
 * caller's own tid for its process).
 */
#include "proc.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#define CPUCLOCK_SCHED 2
#define PROCESS_CPUCLOCK(pid, which)                                           \
	((long)(int)((~(unsigned)(pid) << 3) | (which)))
#define THREAD_CPUCLOCK(pid, which) (PROCESS_CPUCLOCK(pid, which) | 4)
#define MS			    1000000LL
#define NO_PID			    0x0fffffff /* in a clock id's 29 bits; no pid */

/* The clock's time in ns, or -errno. */
static long long clock_ns(long clock)
{
	struct timespec ts;
	long r = SYS2(SYS_clock_gettime, clock, &ts);

	return r ? r : ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long clock_res(long clock)
{
	struct timespec ts;

	return SYS2(SYS_clock_getres, clock, &ts);
}

static long cpu_sleep(long clock, int flags, long long ns, struct timespec *rem)
{
	struct timespec req = {ns / 1000000000LL, ns % 1000000000LL};

	return SYS4(SYS_clock_nanosleep, clock, flags, &req, rem);
}

/* User and system time together, in ns. */
static long long rusage_ns(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000LL +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000LL;
}

/* Use at least ns of this thread's CPU time. */
static void spin(long long ns)
{
	long long end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ns;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		;
}

/* A child's process clock, while it runs, as a zombie, once reaped. */
static void test_child(void)
{
	clockid_t cid;
	long long used, now;
	siginfo_t si;
	int p[2], q[2];
	pid_t pid;

	make_pipe(p);
	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		spin(30 * MS);
		used = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		SYS3(SYS_write, q[1], &used, sizeof(used));
		get_byte(p[0]);
		child_exit();
	}
	CHECK_EQ(SYS3(SYS_read, q[0], &used, sizeof(used)), sizeof(used));
	CHECK(used >= 30 * MS);
	CHECK_EQ(clock_getcpuclockid(pid, &cid), 0);
	CHECK_EQ(cid, PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED));
	now = clock_ns(cid);
	CHECK(now >= used);
	CHECK_EQ(clock_res(cid), 0);
	/* Its thread clock is no clock of ours. */
	CHECK_ERR(clock_ns(THREAD_CPUCLOCK(pid, CPUCLOCK_SCHED)), EINVAL);
	CHECK_ERR(clock_res(THREAD_CPUCLOCK(pid, CPUCLOCK_SCHED)), EINVAL);
	CHECK_ERR(cpu_sleep(THREAD_CPUCLOCK(pid, CPUCLOCK_SCHED), 0, MS, NULL),
		  EINVAL);
	/* A time it passed already: no wait. */
	CHECK_EQ(cpu_sleep(cid, TIMER_ABSTIME, used, NULL), 0);
	CHECK_EQ(cpu_sleep(cid, 0, 0, NULL), 0);

	/* A zombie's clock still reads, stopped. */
	put_byte(p[1], 'g');
	CHECK_EQ(SYS5(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
	now = clock_ns(cid);
	CHECK(now >= used);
	CHECK_EQ(clock_ns(cid), now);
	CHECK_EQ(clock_res(cid), 0);
	CHECK_CHILD_OK(pid);
	close2(p);
	close2(q);
	/* Reaped: gone. */
	CHECK_ERR(clock_ns(cid), EINVAL);
	CHECK_ERR(clock_res(cid), EINVAL);
	CHECK_EQ(clock_getcpuclockid(pid, &cid), ESRCH);
	CHECK_EQ(clock_getcpuclockid(NO_PID, &cid), ESRCH);
	CHECK_ERR(
	    cpu_sleep(PROCESS_CPUCLOCK(NO_PID, CPUCLOCK_SCHED), 0, MS, NULL),
	    EINVAL);
}

/* Sleeping on a child's clock while it runs. */
static void test_sleep_child(void)
{
	long long before, after;
	clockid_t cid;
	int q[2];
	pid_t pid;

	make_pipe(q);
	pid = spawn();
	if (pid == 0) {
		put_byte(q[1], 'r');
		spin(2000 * MS); /* until killed */
		child_exit();
	}
	CHECK_EQ(get_byte(q[0]), 'r');
	cid = PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED);
	before = clock_ns(cid);
	CHECK_EQ(cpu_sleep(cid, 0, 20 * MS, NULL), 0);
	after = clock_ns(cid);
	CHECK(after - before >= 20 * MS);
	CHECK_EQ(cpu_sleep(cid, TIMER_ABSTIME, after + 20 * MS, NULL), 0);
	CHECK(clock_ns(cid) >= after + 20 * MS);
	SYS2(SYS_kill, pid, SIGKILL);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
	close2(q);
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void set_alarm(bool restart)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
}

/* SIGALRM in usec microseconds. */
static void arm(long usec)
{
	struct itimerval it = {{0, 0}, {0, usec}};

	CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
}

/* A thread that spins or waits, as told, and tries clocks of its own. */
struct worker {
	pthread_t thread;
	int to[2], from[2];
	long tid;
	volatile int spinning;
	long long used;
	long own_process, own_process_res;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	sigset_t set;

	/* The main thread takes the timer's signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	w->tid = SYS0(SYS_gettid);
	/* Its tid names its process for clock_gettime, not clock_getres. */
	w->own_process = (long)clock_ns(PROCESS_CPUCLOCK(w->tid, 2)) > 0;
	w->own_process_res = clock_res(PROCESS_CPUCLOCK(w->tid, 2));
	spin(30 * MS);
	w->used = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	put_byte(w->from[1], 'r');
	while (get_byte(w->to[0]) == 's')
		while (w->spinning)
			;
	return NULL;
}

static void test_threads(void)
{
	struct worker w = {0};
	long long now, mine, before, after;
	struct timespec rem;
	clockid_t cid;
	pid_t helper;
	int go[2];

	/* A child to stop and continue us later, made before any thread:
	 * no fork while another thread runs. */
	make_pipe(go);
	helper = spawn();
	if (helper == 0) {
		CHECK_EQ(get_byte(go[0]), 'g');
		nap(5);
		SYS2(SYS_kill, SYS0(SYS_getppid), SIGSTOP);
		nap(5);
		SYS2(SYS_kill, SYS0(SYS_getppid), SIGCONT);
		child_exit();
	}
	make_pipe(w.to);
	make_pipe(w.from);
	if (pthread_create(&w.thread, NULL, worker_main, &w)) {
		CHECK(0);
		return;
	}
	CHECK_EQ(get_byte(w.from[0]), 'r');
	CHECK_EQ(w.own_process, 1);
	CHECK_EQ(w.own_process_res, -EINVAL);
	CHECK(w.used >= 30 * MS);
	CHECK_EQ(pthread_getcpuclockid(w.thread, &cid), 0);
	now = clock_ns(cid);
	CHECK(now >= w.used);
	/* The same clock (it may still move: the thread goes to sleep). */
	CHECK(clock_ns(THREAD_CPUCLOCK(w.tid, CPUCLOCK_SCHED)) >= now);
	CHECK_EQ(clock_res(THREAD_CPUCLOCK(w.tid, CPUCLOCK_SCHED)), 0);
	/* Its tid is no process of its own. */
	CHECK_ERR(clock_ns(PROCESS_CPUCLOCK(w.tid, CPUCLOCK_SCHED)), EINVAL);
	CHECK_ERR(clock_res(PROCESS_CPUCLOCK(w.tid, CPUCLOCK_SCHED)), EINVAL);
	/* The process's clock counts both threads. */
	mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	CHECK(clock_ns(CLOCK_PROCESS_CPUTIME_ID) >= mine + now);
	CHECK(clock_ns(PROCESS_CPUCLOCK(SYS0(SYS_getpid), CPUCLOCK_SCHED)) >=
	      mine + now);
	/* getrusage too: the process's time holds the thread's. */
	{
		struct rusage self, thread;

		CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_THREAD, &thread), 0);
		CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_SELF, &self), 0);
		CHECK(rusage_ns(&self) >= rusage_ns(&thread) + 25 * MS);
	}

	/* Sleeping on the thread's clock, and on the process's, as it runs. */
	w.spinning = 1;
	put_byte(w.to[1], 's');
	before = clock_ns(cid);
	CHECK_EQ(cpu_sleep(cid, 0, 20 * MS, NULL), 0);
	after = clock_ns(cid);
	CHECK(after - before >= 20 * MS);
	CHECK_EQ(cpu_sleep(THREAD_CPUCLOCK(w.tid, CPUCLOCK_SCHED),
			   TIMER_ABSTIME, after + 10 * MS, NULL),
		 0);
	CHECK(clock_ns(cid) >= after + 10 * MS);
	before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	CHECK_EQ(cpu_sleep(CLOCK_PROCESS_CPUTIME_ID, 0, 20 * MS, NULL), 0);
	CHECK(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - before >= 20 * MS);
	w.spinning = 0;

	/* Stopped: a signal ends the sleep, with the time left. */
	set_alarm(false);
	arm(30000);
	before = clock_ns(cid);
	rem = (struct timespec){-1, -1};
	CHECK_ERR(cpu_sleep(cid, 0, 1000 * MS, &rem), EINTR);
	CHECK_EQ(alarms, 1);
	CHECK(rem.tv_sec == 0 || (rem.tv_sec == 1 && rem.tv_nsec == 0));
	CHECK(rem.tv_sec * 1000000000LL + rem.tv_nsec >=
	      1000 * MS - (clock_ns(cid) - before));
	/* Absolute: no time left is told. */
	arm(30000);
	rem = (struct timespec){-1, -1};
	CHECK_ERR(
	    cpu_sleep(cid, TIMER_ABSTIME, clock_ns(cid) + 1000 * MS, &rem),
	    EINTR);
	CHECK_EQ(alarms, 2);
	CHECK_EQ(rem.tv_sec, -1);
	/* A handler ends it even with SA_RESTART: no restart for a sleep. */
	set_alarm(true);
	arm(30000);
	CHECK_ERR(cpu_sleep(cid, 0, 1000 * MS, &rem), EINTR);
	CHECK_EQ(alarms, 3);
	/* Stopped and continued, it goes on to the same time. */
	w.spinning = 1;
	put_byte(w.to[1], 's');
	before = clock_ns(cid);
	put_byte(go[1], 'g');
	CHECK_EQ(cpu_sleep(cid, 0, 60 * MS, NULL), 0);
	CHECK(clock_ns(cid) - before >= 60 * MS);
	w.spinning = 0;
	CHECK_CHILD_OK(helper);
	close2(go);
	signal(SIGALRM, SIG_DFL);

	put_byte(w.to[1], 'x');
	pthread_join(w.thread, NULL);
	close2(w.to);
	close2(w.from);
	/* Gone: its clock with it. */
	wait_thread_gone(w.tid);
	CHECK_ERR(clock_ns(cid), EINVAL);
}

int main(void)
{
	test_child();
	test_sleep_child();
	test_threads();
	return guest_done();
}
