// SPDX-License-Identifier: Apache-2.0
/*
 * Interval timers (kernel/time/itimer.c) and POSIX timers
 * (kernel/time/posix-timers.c). ITIMER_REAL counts wall time on
 * CLOCK_MONOTONIC and sends SIGALRM; ITIMER_VIRTUAL and ITIMER_PROF count
 * the process's CPU time and send SIGVTALRM and SIGPROF. Each thread group
 * gets a sentry thread while one of its timers is armed; it sleeps until
 * the real timer's expiry and, for the CPU timers, looks at the clock every
 * CPU_TICK_NS (Linux checks them at the scheduler tick).
 *
 * The same thread watches RLIMIT_CPU (kernel/time/posix-cpu-timers.c's
 * check_process_timers) while the soft limit is finite: SIGXCPU when the
 * CPU time reaches it, and the soft limit moves a second on (getrlimit
 * shows it); SIGKILL at the hard limit. With only the limit to watch it
 * wakes when the limit could first be reached, not every tick.
 *
 * POSIX timers count on their clock (wall, monotonic, boot time, or the
 * process's or thread's CPU time) and send their signal with SI_TIMER; a
 * timer whose last signal is still queued does not queue another but
 * counts an overrun, which the signal carries when it is taken.
 *
 * Deviations: the CPU the application thread uses is one number on the
 * platform (user and system time together), so ITIMER_VIRTUAL counts what
 * ITIMER_PROF does; the process's CPU time, for the CPU timers and
 * RLIMIT_CPU, is that of the thread that last armed a timer or set the
 * limit (in a new process, its first thread), not the sum over its
 * threads; a timer on a wall clock becomes due at the monotonic time its
 * expiry was when armed, so a change of the wall clock later is not
 * followed.
 *
 * Snapshots save each timer with the time it has left on its clock and
 * make it again with that much left (itimer_export_locked, itimer_import).
 */
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NSEC_PER_SEC 1000000000LL
#define CPU_TICK_NS  4000000LL /* 4 ms: Linux's tick at HZ=250 */

static const int itimer_signal[3] = {ABI_SIGALRM, ABI_SIGVTALRM, ABI_SIGPROF};

/*
 * ns of ts, saturating at NS_FAR: a timer set centuries ahead (any
 * tv_sec is valid) is due then, and now plus it cannot overflow.
 */
#define NS_FAR (INT64_MAX / 2)

static int64_t ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= NS_FAR / NSEC_PER_SEC)
		return NS_FAR;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	return (struct timespec){.tv_sec = ns / NSEC_PER_SEC,
				 .tv_nsec = ns % NSEC_PER_SEC};
}

/* The clock a timer counts on, in ns; -1 if it cannot be read. */
static int64_t itimer_now(struct task *t, int which)
{
	struct timespec now;

	if (which == ABI_ITIMER_REAL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		return ts_ns(&now);
	}
	/* Until its thread is in its address space (a new or restored
	 * task's), its clock is not there to read. */
	if (!t->ctx || !t->mm ||
	    !__atomic_load_n(&t->in_as, __ATOMIC_ACQUIRE) ||
	    t->k->plat->ops->cpu_time(t->ctx, t->mm->as, &now))
		return -1;
	return ts_ns(&now);
}

#define PTIMERS_MAX 32768 /* per process */

struct ptimer {
	int id;
	int clock;  /* the ABI clock id */
	int notify; /* ABI_SIGEV_* */
	int signo;
	uint64_t value; /* sigev_value */
	bool armed;
	bool queued;	/* its signal is pending: expiries are overruns */
	int64_t expiry; /* ns on its clock */
	int64_t interval;
	int overrun;	  /* expiries missed since its signal was queued */
	int overrun_last; /* timer_getoverrun: the delivered signal's */
};

static bool cpu_clock(int clock)
{
	return clock < 0 || clock == ABI_CLOCK_PROCESS_CPUTIME_ID ||
	       clock == ABI_CLOCK_THREAD_CPUTIME_ID;
}

/* A timer's clock now, in ns: -1 if it cannot be read. */
static int64_t ptimer_now(struct task *t, int clock)
{
	struct timespec now;
	clockid_t hc;

	if (cpu_clock(clock))
		return itimer_now(t, ABI_ITIMER_PROF);
	switch (clock) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_REALTIME_ALARM:
		hc = CLOCK_REALTIME;
		break;
	case ABI_CLOCK_TAI:
		hc = CLOCK_TAI;
		break;
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_BOOTTIME_ALARM:
		hc = CLOCK_BOOTTIME;
		break;
	default:
		hc = CLOCK_MONOTONIC;
		break;
	}
	clock_gettime(hc, &now);
	return ts_ns(&now);
}

/*
 * Fire p if due, tg->lock held: its signal is queued (or an overrun
 * counted); *wake says a signal went on t. The next expiry, as
 * CLOCK_MONOTONIC ns, folds into *next.
 */
static void ptimer_run(struct task *t, struct ptimer *p, int64_t mono,
		       int64_t *next, bool *wake)
{
	int64_t now = ptimer_now(t, p->clock);
	int64_t expiries = 0;

	if (!p->armed || now < 0)
		return;
	if (now >= p->expiry) {
		if (p->interval) {
			expiries = 1 + (now - p->expiry) / p->interval;
			p->expiry += expiries * p->interval;
		} else {
			expiries = 1;
			p->armed = false;
		}
	}
	if (expiries && p->notify != ABI_SIGEV_NONE) {
		if (p->queued) {
			p->overrun = expiries > INT32_MAX - p->overrun
					 ? INT32_MAX
					 : p->overrun + (int)expiries;
		} else {
			struct abi_siginfo info = {.si_signo = p->signo,
						   .si_code = ABI_SI_TIMER};

			info.timer.tid = p->id;
			info.timer.value = p->value;
			p->overrun = expiries - 1 > INT32_MAX
					 ? INT32_MAX
					 : (int)(expiries - 1);
			p->queued = signal_queue_locked(
			    t, &info, p->notify != ABI_SIGEV_THREAD_ID);
			*wake |= p->queued;
		}
	}
	if (p->armed) {
		int64_t due = cpu_clock(p->clock) ? mono + CPU_TICK_NS
						  : mono + (p->expiry - now);

		if (due < *next)
			*next = due;
	}
}

void ptimer_dequeued(struct thread_group *tg, struct abi_siginfo *info)
{
	int id = info->timer.tid;

	if (id >= 0 && id < tg->nptimers && tg->ptimers[id]) {
		struct ptimer *p = tg->ptimers[id];

		info->timer.overrun = p->overrun;
		p->overrun_last = p->overrun;
		p->overrun = 0;
		p->queued = false;
	}
}

/* A limit of secs seconds in ns, saturating at NS_FAR (RLIM_INFINITY). */
static int64_t rlim_ns(uint64_t secs)
{
	if (secs >= NS_FAR / NSEC_PER_SEC)
		return NS_FAR;
	return (int64_t)secs * NSEC_PER_SEC;
}

/*
 * RLIMIT_CPU, tg->lock held: the signal due (SIGKILL at the hard limit,
 * SIGXCPU at the soft one, which moves a second on), or 0. *armed says a
 * limit is watched. The next look folds into *next: when the soft limit
 * could first be reached, as the clock is one thread's and runs no faster
 * than CLOCK_MONOTONIC, or after a tick if the clock cannot be read or
 * SIGKILL has been sent.
 */
static int rlimit_cpu_check(struct task *t, int64_t mono, int64_t *next,
			    bool *armed)
{
	struct abi_rlimit *rl = &t->tg->rlim[ABI_RLIMIT_CPU];
	int64_t now, soft, due = mono + CPU_TICK_NS;
	int sig = 0;

	if (rl->rlim_cur == ABI_RLIM_INFINITY)
		return 0;
	*armed = true;
	now = itimer_now(t, ABI_ITIMER_PROF);
	if (now >= 0 && now >= rlim_ns(rl->rlim_max)) {
		sig = ABI_SIGKILL;
	} else if (now >= 0) {
		soft = rlim_ns(rl->rlim_cur);
		if (now >= soft) {
			sig = ABI_SIGXCPU;
			rl->rlim_cur++;
			soft = rlim_ns(rl->rlim_cur);
		}
		due = mono + (soft > now ? soft - now : 0);
	}
	if (due < *next)
		*next = due;
	return sig;
}

/*
 * The timers' thread: fire what expired (signals sent without tg->lock),
 * then sleep until the next expiry, or a CPU tick, or a change.
 */
static void *itimer_main(void *arg)
{
	struct thread_group *tg = arg;

	pthread_mutex_lock(&tg->lock);
	while (!tg->exiting && !tg->timer_stop) {
		struct task *t = tg->timer_task;
		int64_t mono = itimer_now(t, ABI_ITIMER_REAL);
		int64_t next = INT64_MAX;
		int fire[4], nfire = 0;
		bool armed = false;
		int rsig = rlimit_cpu_check(t, mono, &next, &armed);

		if (rsig == ABI_SIGXCPU)
			fire[nfire++] = rsig;

		for (int w = 0; w < 3; w++) {
			struct itimer *it = &tg->itimers[w];
			int64_t now, value;

			if (!it->armed)
				continue;
			armed = true;
			now = itimer_now(t, w);
			value = ts_ns(&it->value);
			if (now >= 0 && now >= value) {
				int64_t iv = ts_ns(&it->interval);

				fire[nfire++] = itimer_signal[w];
				if (iv) {
					/* Missed periods are one signal. */
					value += iv;
					if (value <= now)
						value = now + iv;
					it->value = ns_ts(value);
				} else {
					it->armed = false;
				}
			}
			if (it->armed)
				next = w == ABI_ITIMER_REAL
					   ? (value < next ? value : next)
					   : (mono + CPU_TICK_NS < next
						  ? mono + CPU_TICK_NS
						  : next);
		}
		{
			bool wake = false;

			for (int i = 0; i < tg->nptimers; i++)
				if (tg->ptimers[i]) {
					armed |= tg->ptimers[i]->armed;
					ptimer_run(t, tg->ptimers[i], mono,
						   &next, &wake);
				}
			if (wake) {
				pthread_mutex_unlock(&tg->lock);
				task_wake(t);
				pthread_mutex_lock(&tg->lock);
			}
		}
		if (nfire) {
			pthread_mutex_unlock(&tg->lock);
			for (int i = 0; i < nfire; i++) {
				struct abi_siginfo info = {.si_signo = fire[i],
							   .si_code =
							       ABI_SI_KERNEL};

				signal_send(t, &info, true);
			}
			pthread_mutex_lock(&tg->lock);
			continue;
		}
		if (rsig == ABI_SIGKILL) {
			/* Sent once a tick (not in a loop) until the group
			 * ends. */
			struct abi_siginfo info = {.si_signo = ABI_SIGKILL,
						   .si_code = ABI_SI_KERNEL};

			pthread_mutex_unlock(&tg->lock);
			signal_send(t, &info, true);
			pthread_mutex_lock(&tg->lock);
		}
		if (!armed) {
			pthread_cond_wait(&tg->timercond, &tg->lock);
		} else {
			struct timespec until = ns_ts(next);

			pthread_cond_timedwait(&tg->timercond, &tg->lock,
					       &until);
		}
	}
	pthread_mutex_unlock(&tg->lock);
	return NULL;
}

static int timer_thread_start(struct task *t);

/* What is left of a timer, tg->lock held. */
static void itimer_left(struct task *t, int which, struct timespec *value,
			struct timespec *interval)
{
	struct itimer *it = &t->tg->itimers[which];
	int64_t left = 0;

	if (it->armed) {
		int64_t now = itimer_now(t, which);

		left = ts_ns(&it->value) - (now < 0 ? 0 : now);
		/* Expired, not yet fired: still armed, so not zero (Linux's
		 * one microsecond). */
		if (left < 1000)
			left = 1000;
	}
	*value = ns_ts(left);
	*interval = it->armed ? it->interval : (struct timespec){0};
}

int itimer_get(struct task *t, int which, struct timespec *value,
	       struct timespec *interval)
{
	if (which < 0 || which > ABI_ITIMER_PROF)
		return -EINVAL;
	pthread_mutex_lock(&t->tg->lock);
	itimer_left(t, which, value, interval);
	pthread_mutex_unlock(&t->tg->lock);
	return 0;
}

int itimer_set(struct task *t, int which, const struct timespec *value,
	       const struct timespec *interval, struct timespec *old_value,
	       struct timespec *old_interval)
{
	struct thread_group *tg = t->tg;
	struct itimer *it;
	int64_t now;
	int err = 0;

	if (which < 0 || which > ABI_ITIMER_PROF)
		return -EINVAL;
	it = &tg->itimers[which];
	pthread_mutex_lock(&tg->lock);
	if (old_value)
		itimer_left(t, which, old_value, old_interval);
	it->armed = value->tv_sec || value->tv_nsec;
	if (it->armed) {
		now = itimer_now(t, which);
		it->value = ns_ts((now < 0 ? 0 : now) + ts_ns(value));
		it->interval = *interval;
		err = timer_thread_start(t);
		if (err)
			it->armed = false;
	}
	pthread_cond_broadcast(&tg->timercond);
	pthread_mutex_unlock(&tg->lock);
	return err;
}

void itimer_stop(struct thread_group *tg)
{
	bool running;

	pthread_mutex_lock(&tg->lock);
	running = tg->timer_running;
	tg->timer_stop = true;
	tg->timer_running = false;
	pthread_cond_broadcast(&tg->timercond);
	pthread_mutex_unlock(&tg->lock);
	if (running)
		pthread_join(tg->timer_thread, NULL);
	for (int i = 0; i < tg->nptimers; i++)
		free(tg->ptimers[i]);
	free(tg->ptimers);
	tg->ptimers = NULL;
	tg->nptimers = 0;
}

void itimer_rlimit_cpu_locked(struct task *t)
{
	struct thread_group *tg = t->tg;

	if (tg->rlim[ABI_RLIMIT_CPU].rlim_cur != ABI_RLIM_INFINITY &&
	    timer_thread_start(t))
		log_warn_once("RLIMIT_CPU: no timer thread, the limit is not "
			      "enforced");
	pthread_cond_broadcast(&tg->timercond);
}

/* Start the group's timer thread if it is not running (tg->lock held). */
static int timer_thread_start(struct task *t)
{
	struct thread_group *tg = t->tg;

	tg->timer_task = t;
	if (tg->timer_running || tg->exiting)
		return 0;
	tg->timer_stop = false;
	if (pthread_create(&tg->timer_thread, NULL, itimer_main, tg))
		return -EAGAIN;
	tg->timer_running = true;
	return 0;
}

/* timer_create's checks of a clock: 0, -EINVAL, -EPERM, -EOPNOTSUPP. */
static int ptimer_check_clock(struct task *t, int clock)
{
	if (clock < 0) {
		/* A CPU clock: this process's or thread's, of a known type. */
		int pid = ~(clock >> 3);

		if ((clock & 7) == 3 || (clock & 7) > 6 ||
		    (pid && pid != t->tg->tgid && pid != t->tid))
			return -EINVAL;
		return 0;
	}
	switch (clock) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_MONOTONIC:
	case ABI_CLOCK_PROCESS_CPUTIME_ID:
	case ABI_CLOCK_THREAD_CPUTIME_ID:
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_TAI:
		return 0;
	case ABI_CLOCK_REALTIME_ALARM:
	case ABI_CLOCK_BOOTTIME_ALARM:
		if (!creds_capable(&t->creds, 35 /* CAP_WAKE_ALARM */))
			return -EPERM;
		return 0;
	case ABI_CLOCK_MONOTONIC_RAW:
	case ABI_CLOCK_REALTIME_COARSE:
	case ABI_CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP; /* clocks without timers */
	default:
		return -EINVAL;
	}
}

/* timer_create's checks of a notification: 0 or -EINVAL. */
static int ptimer_check_notify(int notify, int signo)
{
	switch (notify) {
	case ABI_SIGEV_SIGNAL | ABI_SIGEV_THREAD_ID:
	case ABI_SIGEV_SIGNAL:
	case ABI_SIGEV_THREAD:
		if (signo <= 0 || signo > ABI_NSIG)
			return -EINVAL;
		return 0;
	case ABI_SIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

int ptimer_create(struct task *t, int clock, const struct abi_sigevent *ev,
		  int *idp)
{
	struct thread_group *tg = t->tg;
	struct ptimer *p;
	int id, err;

	err = ptimer_check_clock(t, clock);
	if (err)
		return err;
	if (ev) {
		if (ev->notify == ABI_SIGEV_THREAD_ID && ev->tid != t->tid)
			return -EINVAL;
		err = ptimer_check_notify(ev->notify, ev->signo);
		if (err)
			return err;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -EAGAIN;
	p->clock = clock;
	pthread_mutex_lock(&tg->lock);
	for (id = 0; id < tg->nptimers && tg->ptimers[id]; id++)
		;
	if (id == PTIMERS_MAX) {
		err = -EAGAIN;
	} else if (id == tg->nptimers) {
		int cap = tg->nptimers ? tg->nptimers * 2 : 8;
		struct ptimer **n = realloc(tg->ptimers, cap * sizeof(*n));

		if (!n) {
			err = -EAGAIN;
		} else {
			memset(n + tg->nptimers, 0,
			       (cap - tg->nptimers) * sizeof(*n));
			tg->ptimers = n;
			tg->nptimers = cap;
		}
	}
	if (!err) {
		p->id = id;
		if (ev) {
			p->notify = ev->notify;
			p->signo = ev->signo;
			p->value = ev->value;
		} else {
			p->notify = ABI_SIGEV_SIGNAL;
			p->signo = ABI_SIGALRM;
			p->value = (uint64_t)id;
		}
		tg->ptimers[id] = p;
		*idp = id;
	}
	pthread_mutex_unlock(&tg->lock);
	if (err)
		free(p);
	return err;
}

/* The timer id of t's process, tg->lock held; NULL: EINVAL. */
static struct ptimer *ptimer_get(struct thread_group *tg, int id)
{
	return id >= 0 && id < tg->nptimers ? tg->ptimers[id] : NULL;
}

/* Time left and interval of p, tg->lock held. */
static void ptimer_left(struct task *t, struct ptimer *p,
			struct timespec *value, struct timespec *interval)
{
	int64_t left = 0;

	if (p->armed) {
		int64_t now = ptimer_now(t, p->clock);

		left = p->expiry - (now < 0 ? 0 : now);
		if (left <= 0)
			left = 1; /* due, not yet fired */
	}
	*value = ns_ts(left);
	*interval = ns_ts(p->interval);
}

int ptimer_settime(struct task *t, int id, bool absolute,
		   const struct timespec *value,
		   const struct timespec *interval, struct timespec *old_value,
		   struct timespec *old_interval)
{
	struct thread_group *tg = t->tg;
	struct ptimer *p;
	int err = 0;

	pthread_mutex_lock(&tg->lock);
	p = ptimer_get(tg, id);
	if (!p) {
		err = -EINVAL;
		goto out;
	}
	if (old_value)
		ptimer_left(t, p, old_value, old_interval);
	p->armed = value->tv_sec || value->tv_nsec;
	p->interval = p->armed ? ts_ns(interval) : 0;
	if (p->armed) {
		int64_t now = ptimer_now(t, p->clock);

		p->expiry = absolute ? ts_ns(value)
				     : (now < 0 ? 0 : now) + ts_ns(value);
		err = timer_thread_start(t);
		if (err)
			p->armed = false;
	}
	pthread_cond_broadcast(&tg->timercond);
out:
	pthread_mutex_unlock(&tg->lock);
	return err;
}

int ptimer_gettime(struct task *t, int id, struct timespec *value,
		   struct timespec *interval)
{
	struct ptimer *p;
	int err = 0;

	pthread_mutex_lock(&t->tg->lock);
	p = ptimer_get(t->tg, id);
	if (p)
		ptimer_left(t, p, value, interval);
	else
		err = -EINVAL;
	pthread_mutex_unlock(&t->tg->lock);
	return err;
}

int ptimer_getoverrun(struct task *t, int id)
{
	struct ptimer *p;
	int ret;

	pthread_mutex_lock(&t->tg->lock);
	p = ptimer_get(t->tg, id);
	ret = p ? p->overrun_last : -EINVAL;
	pthread_mutex_unlock(&t->tg->lock);
	return ret;
}

int ptimer_delete(struct task *t, int id)
{
	struct thread_group *tg = t->tg;
	struct ptimer *p;

	pthread_mutex_lock(&tg->lock);
	p = ptimer_get(tg, id);
	if (p) {
		tg->ptimers[id] = NULL;
		/* Its signal, if still queued, goes with it. */
		signal_cancel_timer_locked(t, id);
	}
	pthread_mutex_unlock(&tg->lock);
	free(p);
	return p ? 0 : -EINVAL;
}

/* ---- snapshots ---- */

int itimer_export_locked(struct thread_group *tg, struct task **task,
			 struct timer_image it[3], struct timer_image **pt,
			 int *npt)
{
	struct task *t = NULL;
	int n = 0;

	*pt = NULL;
	*npt = 0;
	memset(it, 0, 3 * sizeof(*it));
	/* The thread they count on, or another of the group if it is gone
	 * (its clock is then unknown, as the timers' thread finds it). */
	for (struct task *o = tg->threads; o; o = o->next_thread)
		if (o == tg->timer_task || !t)
			t = o;
	*task = t;
	if (!t || tg->exiting)
		return 0;
	for (int w = 0; w < 3; w++) {
		int64_t now;

		if (!tg->itimers[w].armed)
			continue;
		now = itimer_now(t, w);
		it[w].armed = true;
		it[w].left = ts_ns(&tg->itimers[w].value) - (now < 0 ? 0 : now);
		if (it[w].left < 0)
			it[w].left = 0;
		it[w].interval = ts_ns(&tg->itimers[w].interval);
	}
	for (int i = 0; i < tg->nptimers; i++)
		n += tg->ptimers[i] != NULL;
	if (n) {
		*pt = calloc((size_t)n, sizeof(**pt));
		if (!*pt)
			return -ENOMEM;
	}
	for (int i = 0; i < tg->nptimers; i++) {
		struct ptimer *p = tg->ptimers[i];
		struct timer_image *v;

		if (!p)
			continue;
		v = &(*pt)[(*npt)++];
		v->id = p->id;
		v->clock = p->clock;
		v->notify = p->notify;
		v->signo = p->signo;
		v->value = p->value;
		v->armed = p->armed;
		v->interval = p->interval;
		v->overrun = p->overrun;
		v->overrun_last = p->overrun_last;
		if (p->armed) {
			int64_t now = ptimer_now(t, p->clock);

			v->left = p->expiry - (now < 0 ? 0 : now);
			if (v->left < 0)
				v->left = 0;
		}
	}
	return 0;
}

static bool timer_image_ok(const struct timer_image *v)
{
	return v->left >= 0 && v->left <= NS_FAR && v->interval >= 0 &&
	       v->interval <= NS_FAR && (v->armed || !v->left);
}

int itimer_import(struct task *t, const struct timer_image it[3],
		  const struct timer_image *pt, int npt)
{
	struct thread_group *tg = t->tg;
	int max_id = -1;

	if (npt < 0 || npt > PTIMERS_MAX)
		return -EINVAL;
	for (int w = 0; w < 3; w++)
		if (!timer_image_ok(&it[w]))
			return -EINVAL;
	for (int i = 0; i < npt; i++) {
		const struct timer_image *v = &pt[i];

		/* Ids in order, each once. */
		if (!timer_image_ok(v) || v->id <= max_id ||
		    v->id >= PTIMERS_MAX || ptimer_check_clock(t, v->clock) ||
		    ptimer_check_notify(v->notify, v->signo) ||
		    v->overrun < 0 || v->overrun_last < 0)
			return -EINVAL;
		max_id = v->id;
	}
	pthread_mutex_lock(&tg->lock);
	if (tg->ptimers || tg->timer_running) {
		pthread_mutex_unlock(&tg->lock);
		return -EINVAL;
	}
	if (npt) {
		int cap = 8;

		while (cap <= max_id)
			cap *= 2;
		tg->ptimers = calloc((size_t)cap, sizeof(*tg->ptimers));
		if (!tg->ptimers) {
			pthread_mutex_unlock(&tg->lock);
			return -ENOMEM;
		}
		tg->nptimers = cap;
	}
	tg->timer_task = t;
	for (int i = 0; i < npt; i++) {
		const struct timer_image *v = &pt[i];
		struct ptimer *p = calloc(1, sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&tg->lock);
			return -ENOMEM;
		}
		p->id = v->id;
		p->clock = v->clock;
		p->notify = v->notify;
		p->signo = v->signo;
		p->value = v->value;
		p->armed = v->armed;
		p->interval = v->interval;
		p->overrun = v->overrun;
		p->overrun_last = v->overrun_last;
		if (p->armed) {
			/* A CPU clock is unknown until t runs: its new
			 * thread's time starts from about 0. */
			int64_t now =
			    cpu_clock(p->clock) ? 0 : ptimer_now(t, p->clock);

			p->expiry = now + v->left;
		}
		/* Queued if its signal is: its next expiry counts an
		 * overrun, and taking the signal clears it. */
		p->queued = sigqueue_has_timer(&tg->shared_pending, p->id);
		for (struct task *o = tg->threads; o && !p->queued;
		     o = o->next_thread)
			p->queued = sigqueue_has_timer(&o->pending, p->id);
		tg->ptimers[p->id] = p;
	}
	for (int w = 0; w < 3; w++) {
		struct itimer *i = &tg->itimers[w];
		int64_t now = w == ABI_ITIMER_REAL ? itimer_now(t, w) : 0;

		i->armed = it[w].armed;
		i->value = ns_ts(i->armed ? now + it[w].left : 0);
		i->interval = ns_ts(i->armed ? it[w].interval : 0);
	}
	pthread_mutex_unlock(&tg->lock);
	return 0;
}

int itimer_resume(struct thread_group *tg)
{
	struct task *t = tg->timer_task ? tg->timer_task : tg->leader;
	bool armed = tg->rlim[ABI_RLIMIT_CPU].rlim_cur != ABI_RLIM_INFINITY;
	int err = 0;

	pthread_mutex_lock(&tg->lock);
	for (int w = 0; w < 3; w++)
		armed |= tg->itimers[w].armed;
	for (int i = 0; i < tg->nptimers; i++)
		armed |= tg->ptimers[i] && tg->ptimers[i]->armed;
	if (armed && t)
		err = timer_thread_start(t);
	pthread_mutex_unlock(&tg->lock);
	return err;
}
