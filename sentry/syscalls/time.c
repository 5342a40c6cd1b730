// SPDX-License-Identifier: Apache-2.0
/*
 * Clocks and sleeping (kernel/time/posix-timers.c, kernel/time/time.c,
 * kernel/time/hrtimer.c, kernel/time/posix-cpu-timers.c). Wall and
 * monotonic clocks are the host's; the CPU-time clocks measure the
 * application threads on the platform: any thread of the caller's
 * process, any process of the sandbox. The alarm clocks behave as on a
 * machine with an RTC, reading and sleeping on their ordinary clocks.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000L
/* A timeout this long (126 years) is as good as none: the cap on all. */
#define FAR_SEC	       4000000000LL
#define CAP_WAKE_ALARM 35

int copy_in_timeout(struct task *t, uint64_t addr, struct abi_timespec *ts)
{
	int err = mm_copy_in(t->mm, ts, addr, sizeof(*ts));

	if (err)
		return err;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

int64_t deadline_left_ns(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * NSEC_PER_SEC +
	       (deadline->tv_nsec - now.tv_nsec);
}

/*
 * Readiness changes: poll_notify bumps poll_seq, and wakes the waiters of
 * poll_cond only when there are some. A waiter counts itself in before it
 * looks at poll_seq again, and a notifier bumps poll_seq before it looks
 * at the count (both sequentially consistent), so one of them sees the
 * other and no wake-up is lost.
 */
static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t poll_cond;
static pthread_once_t poll_once_init = PTHREAD_ONCE_INIT;
static uint64_t poll_seq;
static int poll_waiters;

static void poll_cond_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&poll_cond, &attr);
	pthread_condattr_destroy(&attr);
}

uint64_t poll_begin(void)
{
	return __atomic_load_n(&poll_seq, __ATOMIC_SEQ_CST);
}

void poll_notify(void)
{
	__atomic_add_fetch(&poll_seq, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&poll_waiters, __ATOMIC_SEQ_CST))
		return;
	pthread_once(&poll_once_init, poll_cond_init);
	pthread_mutex_lock(&poll_lock);
	pthread_cond_broadcast(&poll_cond);
	pthread_mutex_unlock(&poll_lock);
}

int poll_tick(struct task *t, const struct timespec *deadline, uint64_t seq,
	      bool tick)
{
	struct timespec until;
	bool forever = !tick && !deadline;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (tick) {
		until.tv_nsec += POLL_TICK_NS;
		if (until.tv_nsec >= NSEC_PER_SEC) {
			until.tv_sec++;
			until.tv_nsec -= NSEC_PER_SEC;
		}
	}
	if (deadline) {
		if (deadline_left_ns(deadline) <= 0)
			return 1;
		if (!tick || deadline->tv_sec < until.tv_sec ||
		    (deadline->tv_sec == until.tv_sec &&
		     deadline->tv_nsec < until.tv_nsec))
			until = *deadline;
	}
	pthread_once(&poll_once_init, poll_cond_init);
	pthread_mutex_lock(&poll_lock);
	__atomic_add_fetch(&poll_waiters, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&poll_seq, __ATOMIC_SEQ_CST) == seq) {
		task_block_begin(t, &poll_lock, &poll_cond);
		if (task_interrupted(t))
			ret = -EINTR;
		else if (forever)
			pthread_cond_wait(&poll_cond, &poll_lock);
		else
			pthread_cond_timedwait(&poll_cond, &poll_lock, &until);
		task_block_end(t);
	}
	__atomic_sub_fetch(&poll_waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&poll_lock);
	if (!ret && task_interrupted(t))
		ret = -EINTR;
	return ret;
}

void deadline_after(struct timespec *deadline, const struct abi_timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	/* Further is the same as never, and keeps ns arithmetic in range. */
	if (ts->tv_sec > FAR_SEC) {
		deadline->tv_sec += FAR_SEC;
		return;
	}
	deadline->tv_sec += ts->tv_sec;
	deadline->tv_nsec += ts->tv_nsec;
	if (deadline->tv_nsec >= NSEC_PER_SEC) {
		deadline->tv_sec++;
		deadline->tv_nsec -= NSEC_PER_SEC;
	}
}

/* Host clock id for a guest clock id, or -EINVAL. */
static int host_clock(struct task *t, int64_t id, clockid_t *out)
{
	(void)t;
	switch (id) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_MONOTONIC:
	case ABI_CLOCK_MONOTONIC_RAW:
	case ABI_CLOCK_REALTIME_COARSE:
	case ABI_CLOCK_MONOTONIC_COARSE:
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_TAI:
		*out = (clockid_t)id;
		return 0;
	case ABI_CLOCK_REALTIME_ALARM:
		*out = CLOCK_REALTIME;
		return 0;
	case ABI_CLOCK_BOOTTIME_ALARM:
		*out = CLOCK_BOOTTIME;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * CPU-time clock ids (include/linux/posix-timers.h): the two fixed ids, or
 * a negative id encoding ~pid << 3, a per-thread bit and the clock type.
 * Negative ids with the type CLOCKFD name posix clock fds instead.
 */
#define CPUCLOCK_WHICH(id)     ((id)&3)
#define CPUCLOCK_PERTHREAD(id) (((id)&4) != 0)
#define CPUCLOCK_PID(id)       ((int)~((id) >> 3))
#define CPUCLOCK_SCHED	       2
#define CPUCLOCK_MAX	       3
#define CLOCKFD		       3
#define CLOCKFD_MASK	       7
#define MAKE_CPUCLOCK(pid, thread, which)                                      \
	((clockid_t)((~(unsigned int)(pid) << 3) | ((thread) ? 4 : 0) |        \
		     (which)))

static bool is_cpu_clock(int64_t id)
{
	return id == ABI_CLOCK_PROCESS_CPUTIME_ID ||
	       id == ABI_CLOCK_THREAD_CPUTIME_ID ||
	       (id < 0 && (id & CLOCKFD_MASK) != CLOCKFD);
}

/*
 * What a CPU clock names (pid_for_clock): a thread of the caller's own
 * process for a per-thread clock, else any process, by its pid (or, for
 * clock_gettime, the caller's own tid). With references; its type in
 * which.
 */
struct cpu_clock {
	int which;		 /* CPUCLOCK_* */
	struct task *thread;	 /* a thread's clock (task_find_put) */
	bool self;		 /* thread is the caller: no references */
	struct thread_group *tg; /* a process's clock (tg_put) */
};

/* Decode id for t into *cc, or -EINVAL: a bad type, or no such task. */
static int cpu_clock_get(struct task *t, int64_t id, bool gettime,
			 struct cpu_clock *cc)
{
	struct kernel *k = t->k;
	struct task *o;
	int pid;

	memset(cc, 0, sizeof(*cc));
	cc->which = CPUCLOCK_SCHED;
	if (id == ABI_CLOCK_THREAD_CPUTIME_ID) {
		cc->thread = t;
		cc->self = true;
		return 0;
	}
	if (id == ABI_CLOCK_PROCESS_CPUTIME_ID) {
		tg_get(t->tg);
		cc->tg = t->tg;
		return 0;
	}
	cc->which = CPUCLOCK_WHICH(id);
	if (cc->which >= CPUCLOCK_MAX)
		return -EINVAL;
	pid = CPUCLOCK_PID(id);
	if (CPUCLOCK_PERTHREAD(id)) {
		if (pid == 0 || pid == t->tid) {
			cc->thread = t;
			cc->self = true;
			return 0;
		}
		/* A thread of the caller's process, an exited leader too. */
		o = task_find_get(t, pid);
		if (o && o->tg != t->tg) {
			task_find_put(o);
			o = NULL;
		}
		cc->thread = o;
		return o ? 0 : -EINVAL;
	}
	/* A process by its pid; clock_gettime takes the caller's tid. */
	if (pid == 0 || (gettime && pid == t->tid)) {
		tg_get(t->tg);
		cc->tg = t->tg;
		return 0;
	}
	pthread_mutex_lock(&k->lock);
	cc->tg = tg_lookup_locked(k, pid);
	if (cc->tg)
		tg_get(cc->tg);
	pthread_mutex_unlock(&k->lock);
	return cc->tg ? 0 : -EINVAL;
}

static void cpu_clock_put(struct cpu_clock *cc)
{
	if (!cc->self)
		task_find_put(cc->thread);
	tg_put(cc->tg);
}

/*
 * The clock's time: every type reads the platform's scheduler time (PROF
 * and VIRT, user and system or user only, are not told apart). A
 * process's is its exited threads' and its live ones'. Deviation: a
 * thread the platform cannot tell of (one that exited, its time now the
 * process's) reads 0. False when the thread exited or the process is a
 * zombie: its clock stopped.
 */
static bool cpu_clock_sample(struct task *t, const struct cpu_clock *cc,
			     struct timespec *ts)
{
	struct task *o = cc->thread;
	int err;

	if (cc->tg)
		return tg_cpu_time(t->k, cc->tg, ts);
	pthread_mutex_lock(&o->tg->lock);
	err = task_cpu_time_locked(o, ts);
	pthread_mutex_unlock(&o->tg->lock);
	if (err)
		*ts = (struct timespec){0};
	return err != -ESRCH;
}

/* clock_gettime of a CPU clock. */
static int cpu_clock_read(struct task *t, int64_t id, struct timespec *ts)
{
	struct cpu_clock cc;
	int err;

	err = cpu_clock_get(t, id, true, &cc);
	if (!err)
		cpu_clock_sample(t, &cc, ts);
	cpu_clock_put(&cc);
	return err;
}

static int clock_read(struct task *t, int64_t id, struct abi_timespec *ts)
{
	struct timespec h;
	clockid_t hc;
	int err;

	if (is_cpu_clock(id)) {
		err = cpu_clock_read(t, id, &h);
		if (err)
			return err;
	} else {
		err = host_clock(t, id, &hc);
		if (err)
			return err;
		if (clock_gettime(hc, &h) < 0)
			return -errno;
	}
	ts->tv_sec = h.tv_sec;
	ts->tv_nsec = h.tv_nsec;
	return 0;
}

SYSCALL(clock_gettime)
{
	struct abi_timespec ts;
	int err = clock_read(t, (int)a[0], &ts);

	if (err)
		return err;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	struct abi_timespec ts;
	int64_t id = (int)a[0];
	struct timespec h;
	clockid_t hc;
	int err;

	if (is_cpu_clock(id)) {
		struct cpu_clock cc;

		/* SCHED counts ns; PROF and VIRT tick: the host's own say. */
		err = cpu_clock_get(t, id, false, &cc);
		hc = MAKE_CPUCLOCK(0, cc.thread != NULL, cc.which);
		cpu_clock_put(&cc);
		if (err)
			return err;
	} else {
		err = host_clock(t, id, &hc);
		if (err)
			return err;
	}
	if (clock_getres(hc, &h) < 0)
		return -errno;
	ts.tv_sec = h.tv_sec;
	ts.tv_nsec = h.tv_nsec;
	if (!a[1])
		return 0;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

SYSCALL(gettimeofday)
{
	struct timespec h;
	int err;

	clock_gettime(CLOCK_REALTIME, &h);
	if (a[0]) {
		struct abi_timeval tv = {h.tv_sec, h.tv_nsec / 1000};

		err = mm_copy_out(t->mm, a[0], &tv, sizeof(tv));
		if (err)
			return err;
	}
	if (a[1]) {
		/* struct timezone: the kernel's sys_tz, zero by default. */
		int32_t tz[2] = {0, 0};

		err = mm_copy_out(t->mm, a[1], tz, sizeof(tz));
		if (err)
			return err;
	}
	return 0;
}

SYSCALL(time)
{
	struct timespec h;
	int64_t now;

	/* Linux answers the timekeeper's seconds, as of the last tick: the
	 * same as the vDSO's time(), never ahead of it. */
	clock_gettime(CLOCK_REALTIME_COARSE, &h);
	now = h.tv_sec;
	if (a[0] && mm_copy_out(t->mm, a[0], &now, sizeof(now)))
		return -EFAULT;
	return now;
}

static int timespec_in(struct task *t, uint64_t addr, struct timespec *ts)
{
	struct abi_timespec g;
	int err = mm_copy_in(t->mm, &g, addr, sizeof(g));

	if (err)
		return err;
	if (g.tv_sec < 0 || g.tv_nsec < 0 || g.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	ts->tv_sec = g.tv_sec;
	ts->tv_nsec = g.tv_nsec;
	return 0;
}

/*
 * Sleep until the CLOCK_MONOTONIC deadline, or until a signal t does not
 * block is pending: true if it slept the whole time (as Linux, a time
 * already past is slept whatever is pending).
 */
static bool sleep_until(struct task *t, const struct timespec *deadline)
{
	struct thread_group *tg = t->tg;
	bool done = false;

	pthread_mutex_lock(&tg->lock);
	for (;;) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec &&
		     now.tv_nsec >= deadline->tv_nsec)) {
			done = true;
			break;
		}
		if (task_interrupted(t))
			break;
		/* signal_send and the group's end broadcast sigcond. */
		pthread_cond_timedwait(&tg->sigcond, &tg->lock, deadline);
	}
	pthread_mutex_unlock(&tg->lock);
	return done;
}

/*
 * A relative sleep interrupted: the time left to rem (if asked for) and a
 * restart that sleeps on to the same end (restart_syscall), as
 * hrtimer_nanosleep_restart.
 */
static long sleep_interrupted(struct task *t, const struct timespec *deadline,
			      uint64_t rem)
{
	if (rem) {
		struct timespec now;
		struct abi_timespec left;
		int64_t ns;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ns = (deadline->tv_sec - now.tv_sec) * NSEC_PER_SEC +
		     (deadline->tv_nsec - now.tv_nsec);
		if (ns < 0)
			ns = 0;
		left.tv_sec = ns / NSEC_PER_SEC;
		left.tv_nsec = ns % NSEC_PER_SEC;
		if (mm_copy_out(t->mm, rem, &left, sizeof(left)))
			return -EFAULT;
	}
	t->restart_fn = sleep_restart;
	t->restart_deadline = *deadline;
	t->restart_args[0] = rem;
	return -ERESTART_RESTARTBLOCK;
}

long sleep_restart(struct task *t)
{
	struct timespec deadline = t->restart_deadline;

	if (sleep_until(t, &deadline))
		return 0;
	return sleep_interrupted(t, &deadline, t->restart_args[0]);
}

/*
 * Sleep on host clock hc for req (TIMER_ABSTIME: until req), rem the
 * user's remaining-time pointer. The wait is on CLOCK_MONOTONIC: an
 * absolute time of another clock becomes the monotonic time it is due,
 * so a change of the wall clock during the sleep is not followed.
 */
static long do_sleep(struct task *t, clockid_t hc, int flags,
		     const struct timespec *req, uint64_t rem)
{
	struct timespec now, mono, deadline;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	if (flags & TIMER_ABSTIME) {
		int64_t sec;

		clock_gettime(hc, &now);
		sec = req->tv_sec - now.tv_sec; /* both >= 0: no overflow */
		ns = sec > FAR_SEC
			 ? FAR_SEC * NSEC_PER_SEC
			 : sec * NSEC_PER_SEC + (req->tv_nsec - now.tv_nsec);
	} else {
		ns = req->tv_sec > FAR_SEC
			 ? FAR_SEC * NSEC_PER_SEC
			 : req->tv_sec * NSEC_PER_SEC + req->tv_nsec;
	}
	if (ns < 0)
		ns = 0;
	ns += mono.tv_sec * NSEC_PER_SEC + mono.tv_nsec;
	deadline.tv_sec = ns / NSEC_PER_SEC;
	deadline.tv_nsec = ns % NSEC_PER_SEC;
	if (sleep_until(t, &deadline))
		return 0;
	/* An absolute sleep just starts again; a relative one goes on. */
	if (flags & TIMER_ABSTIME)
		return -ERESTARTNOHAND;
	return sleep_interrupted(t, &deadline, rem);
}

SYSCALL(nanosleep)
{
	struct timespec req;
	int err = timespec_in(t, a[0], &req);

	if (err)
		return err;
	return do_sleep(t, CLOCK_MONOTONIC, 0, &req, a[1]);
}

/* How often a sleep on a CPU clock looks at it, as CPU-clock timers. */
#define CPU_SLEEP_POLL_NS (4 * 1000000L)

/* timespec64_to_ns: a valid time in ns, saturating at INT64_MAX. */
static int64_t ts_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= INT64_MAX / NSEC_PER_SEC)
		return INT64_MAX;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/*
 * do_cpu_nanosleep: sleep until the CPU clock cc (of id) reaches expiry
 * (ns), looking at it every 4 ms; a clock that stopped (its thread exited,
 * its process ended) never does, as on Linux. Interrupted by a signal:
 * the time left to rem (if any) and a restart that sleeps on to the same
 * time (-ERESTART_RESTARTBLOCK).
 */
static long do_cpu_sleep(struct task *t, const struct cpu_clock *cc, int64_t id,
			 int64_t expiry, uint64_t rem)
{
	struct abi_timespec wait, left;
	struct timespec now, deadline;
	int64_t ns;

	for (;;) {
		bool moving = cpu_clock_sample(t, cc, &now);

		ns = expiry - ts_to_ns(&now);
		if (ns <= 0)
			return 0;
		/* A stopped clock: only a signal ends the sleep. */
		if (moving)
			wait = (struct abi_timespec){
			    .tv_nsec = min_t(int64_t, ns, CPU_SLEEP_POLL_NS)};
		else
			wait = (struct abi_timespec){.tv_sec = FAR_SEC + 1};
		deadline_after(&deadline, &wait);
		if (!sleep_until(t, &deadline))
			break;
	}
	t->restart_fn = cpu_sleep_restart;
	t->restart_args[0] = rem;
	t->restart_args[1] = (uint64_t)id;
	t->restart_args[2] = (uint64_t)expiry;
	if (!rem)
		return -ERESTART_RESTARTBLOCK;
	left.tv_sec = ns / NSEC_PER_SEC;
	left.tv_nsec = ns % NSEC_PER_SEC;
	return mm_copy_out(t->mm, rem, &left, sizeof(left))
		   ?: -ERESTART_RESTARTBLOCK;
}

/* posix_cpu_nsleep_restart: on to the same time, if the clock still is. */
long cpu_sleep_restart(struct task *t)
{
	int64_t id = (int64_t)t->restart_args[1];
	struct cpu_clock cc;
	long ret;

	ret = cpu_clock_get(t, id, false, &cc);
	if (!ret)
		ret = do_cpu_sleep(t, &cc, id, (int64_t)t->restart_args[2],
				   t->restart_args[0]);
	cpu_clock_put(&cc);
	return ret;
}

/*
 * Sleep on a CPU clock, as posix_cpu_nsleep: the caller's own thread clock
 * is EINVAL (it would never move); another thread's of its process or any
 * process's clock sleeps until it reaches the time, relative to its
 * current one unless TIMER_ABSTIME. rem: the user's remaining-time
 * pointer, for a relative sleep.
 */
static long cpu_clock_sleep(struct task *t, int64_t id, int flags,
			    const struct timespec *req, uint64_t rem)
{
	bool absolute = flags & ABI_TIMER_ABSTIME;
	int64_t expiry = ts_to_ns(req);
	struct cpu_clock cc;
	struct timespec now;
	long ret;

	if (CPUCLOCK_PERTHREAD(id) &&
	    (CPUCLOCK_PID(id) == 0 || CPUCLOCK_PID(id) == t->tid))
		return -EINVAL;
	ret = cpu_clock_get(t, id, false, &cc);
	if (ret)
		goto out;
	/* A time of 0 arms no timer: there is nothing to wait for. */
	if (!expiry)
		goto out;
	if (!absolute) {
		cpu_clock_sample(t, &cc, &now);
		if (__builtin_add_overflow(expiry, ts_to_ns(&now), &expiry))
			expiry = INT64_MAX;
	}
	ret = do_cpu_sleep(t, &cc, id, expiry, absolute ? 0 : rem);
	/* An absolute sleep just starts again. */
	if (ret == -ERESTART_RESTARTBLOCK && absolute)
		ret = -ERESTARTNOHAND;
out:
	cpu_clock_put(&cc);
	return ret;
}

/*
 * clock_nanosleep, with the checks of the kernel's in their order: the
 * clock (EINVAL unknown, EOPNOTSUPP for clocks without nsleep), then the
 * request. Deviation: a CPU clock is looked at every 4 ms.
 */
SYSCALL(clock_nanosleep)
{
	int64_t id = (int)a[0];
	int flags = (int)a[1];
	struct timespec req;
	clockid_t hc;
	int err;

	if (id < 0 && (id & CLOCKFD_MASK) == CLOCKFD)
		return -EOPNOTSUPP; /* posix clock fds have no nsleep */
	if (is_cpu_clock(id) && id != ABI_CLOCK_THREAD_CPUTIME_ID) {
		err = timespec_in(t, a[2], &req);
		if (err)
			return err;
		return cpu_clock_sleep(t, id, flags, &req, a[3]);
	}
	switch (id) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_MONOTONIC:
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_TAI:
		hc = (clockid_t)id;
		break;
	case ABI_CLOCK_REALTIME_ALARM:
	case ABI_CLOCK_BOOTTIME_ALARM:
		hc = id == ABI_CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
						    : CLOCK_BOOTTIME;
		break;
	case ABI_CLOCK_THREAD_CPUTIME_ID:
	case ABI_CLOCK_MONOTONIC_RAW:
	case ABI_CLOCK_REALTIME_COARSE:
	case ABI_CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* clocks without nsleep */
	default:
		return -EINVAL;
	}
	err = timespec_in(t, a[2], &req);
	if (err)
		return err;
	if (id == ABI_CLOCK_REALTIME_ALARM || id == ABI_CLOCK_BOOTTIME_ALARM) {
		/* alarm_timer_nsleep: stricter than the other clocks. */
		if (flags & ~ABI_TIMER_ABSTIME)
			return -EINVAL;
		if (!creds_capable(&t->creds, CAP_WAKE_ALARM))
			return -EPERM;
	}
	return do_sleep(t, hc, flags & ABI_TIMER_ABSTIME ? TIMER_ABSTIME : 0,
			&req, a[3]);
}

/* ---- interval timers (sentry/kernel/itimer.c) ---- */

static bool timeval_ok(const struct abi_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static struct timespec from_tv(const struct abi_timeval *tv)
{
	return (struct timespec){.tv_sec = tv->tv_sec,
				 .tv_nsec = tv->tv_usec * 1000};
}

static struct abi_timeval to_tv(const struct timespec *ts)
{
	return (struct abi_timeval){.tv_sec = ts->tv_sec,
				    .tv_usec = ts->tv_nsec / 1000};
}

SYSCALL(getitimer)
{
	struct timespec value, interval;
	struct abi_itimerval cur;
	int err = itimer_get(t, (int)a[0], &value, &interval);

	if (err)
		return err;
	cur.it_value = to_tv(&value);
	cur.it_interval = to_tv(&interval);
	return mm_copy_out(t->mm, a[1], &cur, sizeof(cur));
}

/* A NULL new value disarms the timer, as Linux still allows. */
SYSCALL(setitimer)
{
	struct abi_itimerval nv = {0}, ov;
	struct timespec value, interval, oval, oint;
	int err;

	if (a[1]) {
		err = mm_copy_in(t->mm, &nv, a[1], sizeof(nv));
		if (err)
			return err;
		if (!timeval_ok(&nv.it_value) || !timeval_ok(&nv.it_interval))
			return -EINVAL;
	}
	value = from_tv(&nv.it_value);
	interval = from_tv(&nv.it_interval);
	err = itimer_set(t, (int)a[0], &value, &interval, &oval, &oint);
	if (err || !a[2])
		return err;
	ov.it_value = to_tv(&oval);
	ov.it_interval = to_tv(&oint);
	return mm_copy_out(t->mm, a[2], &ov, sizeof(ov));
}

/* alarm: ITIMER_REAL in whole seconds; the old one's, rounded. */
SYSCALL(alarm)
{
	struct timespec value = {.tv_sec = (unsigned int)a[0]}, interval = {0};
	struct timespec oval, oint;
	int err =
	    itimer_set(t, ABI_ITIMER_REAL, &value, &interval, &oval, &oint);

	if (err)
		return err;
	if ((!oval.tv_sec && oval.tv_nsec) || oval.tv_nsec >= 500000000L)
		oval.tv_sec++;
	return oval.tv_sec;
}
