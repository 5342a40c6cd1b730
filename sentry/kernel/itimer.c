// SPDX-License-Identifier: Apache-2.0
/*
 * Interval timers (kernel/time/itimer.c): ITIMER_REAL counts wall time on
 * CLOCK_MONOTONIC and sends SIGALRM; ITIMER_VIRTUAL and ITIMER_PROF count
 * the process's CPU time and send SIGVTALRM and SIGPROF. Each thread group
 * gets a sentry thread while one of its timers is armed; it sleeps until
 * the real timer's expiry and, for the CPU timers, looks at the clock every
 * CPU_TICK_NS (Linux checks them at the scheduler tick).
 *
 * Deviation: the CPU the application thread uses is one number on the
 * platform (user and system time together), so ITIMER_VIRTUAL counts what
 * ITIMER_PROF does.
 */
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <string.h>

#define NSEC_PER_SEC 1000000000LL
#define CPU_TICK_NS  4000000LL /* 4 ms: Linux's tick at HZ=250 */

static const int itimer_signal[3] = {ABI_SIGALRM, ABI_SIGVTALRM, ABI_SIGPROF};

static int64_t ts_ns(const struct timespec *ts)
{
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
	if (!t->ctx || !t->mm ||
	    t->k->plat->ops->cpu_time(t->ctx, t->mm->as, &now))
		return -1;
	return ts_ns(&now);
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
		int fire[3], nfire = 0;
		bool armed = false;

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
		tg->timer_task = t;
		if (!tg->timer_running && !tg->exiting) {
			tg->timer_stop = false;
			err = -pthread_create(&tg->timer_thread, NULL,
					      itimer_main, tg);
			if (err) {
				it->armed = false;
				err = -EAGAIN;
			} else {
				tg->timer_running = true;
			}
		}
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
}
