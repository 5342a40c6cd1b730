// SPDX-License-Identifier: Apache-2.0
/*
 * timerfd_create, timerfd_settime and timerfd_gettime (fs/timerfd.c): a
 * timer on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (the _ALARM
 * ones need CAP_WAKE_ALARM) as a file. A read takes the number of
 * expirations since the last read (a periodic timer counts the periods
 * missed) and waits while it is zero; poll reports POLLIN while it is not.
 * The ioctl TFD_IOC_SET_TICKS sets the count (CONFIG_CHECKPOINT_RESTORE).
 *
 * No thread fires the timer: expirations are counted when the file is
 * looked at (read, poll, gettime, settime), from the clock, and a read
 * sleeps until the next expiry. Deviation: the wall clock is taken never
 * to be set, so TFD_TIMER_CANCEL_ON_SET never cancels (no ECANCELED); the
 * alarm clocks count as their ordinary ones (no wake from suspend).
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TFD_TIMER_ABSTIME	(1 << 0)
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#define TFD_CREATE_FLAGS	(ABI_O_CLOEXEC | ABI_O_NONBLOCK)
#define TFD_SETTIME_FLAGS	(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)
#define TFD_IOC_SET_TICKS	0x40085400U /* _IOW('T', 0, u64) */
#define CAP_WAKE_ALARM		35

#define NSEC_PER_SEC 1000000000LL
/* A read on the wall clock looks at it again at least this often. */
#define REALTIME_RECHECK_NS NSEC_PER_SEC

#define POLLIN 0x001

struct timerfd {
	struct file f;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: the timer was set */
	int clockid;	     /* the application's clock id */
	clockid_t host;	     /* the host clock it counts on */
	bool armed;
	int64_t next;	  /* the next expiry on host, in ns */
	int64_t interval; /* ns; 0: once */
	uint64_t ticks;	  /* expirations not yet read */
};

static struct timerfd *to_tfd(struct file *f)
{
	return container_of(f, struct timerfd, f);
}

/* A timespec in ns, saturating as Linux's timespec64_to_ktime. */
static int64_t ts_ns(int64_t sec, int64_t nsec)
{
	if (sec >= INT64_MAX / NSEC_PER_SEC)
		return INT64_MAX;
	return sec * NSEC_PER_SEC + nsec;
}

static struct abi_timespec ns_abi_ts(int64_t ns)
{
	return (struct abi_timespec){.tv_sec = ns / NSEC_PER_SEC,
				     .tv_nsec = ns % NSEC_PER_SEC};
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts_ns(ts.tv_sec, ts.tv_nsec);
}

/* Count what expired by now, tf->lock held; now gets the clock. */
static void tfd_update(struct timerfd *tf, int64_t *now_out)
{
	int64_t now = clock_ns(tf->host);

	if (now_out)
		*now_out = now;
	if (!tf->armed || now < tf->next)
		return;
	if (!tf->interval) {
		tf->ticks++;
		tf->armed = false;
		return;
	}
	/* The periods missed, and the next expiry after now. */
	{
		uint64_t n =
		    (uint64_t)(now - tf->next) / (uint64_t)tf->interval + 1;

		tf->ticks += n;
		if (n >
		    (uint64_t)(INT64_MAX - tf->next) / (uint64_t)tf->interval)
			tf->next = INT64_MAX;
		else
			tf->next += (int64_t)n * tf->interval;
	}
}

/* Time left and interval, tf->lock held (after tfd_update at now). */
static void tfd_get(struct timerfd *tf, int64_t now, struct abi_itimerspec *v)
{
	int64_t left = tf->armed && tf->next > now ? tf->next - now : 0;

	v->it_value = ns_abi_ts(left);
	v->it_interval = ns_abi_ts(tf->interval);
}

/* Exactly 8 bytes out to the iovecs (at least 8 long, checked). */
static int iov_put_u64(struct task *t, const struct abi_iovec *iov, int iovcnt,
		       uint64_t v)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < 8; i++) {
		size_t n = iov[i].iov_len < 8 - done ? (size_t)iov[i].iov_len
						     : 8 - done;
		int err =
		    mm_copy_out(t->mm, iov[i].iov_base, (char *)&v + done, n);

		if (err)
			return err;
		done += n;
	}
	return 0;
}

/*
 * Wait for the next expiry or a change, tf->lock held: 0 to look again,
 * -ERESTARTSYS when a signal is pending.
 */
static int tfd_wait(struct timerfd *tf, struct task *t, int64_t now)
{
	struct timespec deadline;
	int64_t left = INT64_MAX;
	int err = 0;

	if (tf->armed) {
		left = tf->next - now;
		if (tf->host == CLOCK_REALTIME && left > REALTIME_RECHECK_NS)
			left = REALTIME_RECHECK_NS;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (left != INT64_MAX) {
		int64_t at =
		    add_sat(ts_ns(deadline.tv_sec, deadline.tv_nsec), left);

		deadline.tv_sec = at / NSEC_PER_SEC;
		deadline.tv_nsec = at % NSEC_PER_SEC;
	}
	if (t)
		task_block_begin(t, &tf->lock, &tf->cond);
	if (t && task_interrupted(t))
		err = -ERESTARTSYS;
	else if (left == INT64_MAX)
		pthread_cond_wait(&tf->cond, &tf->lock);
	else
		pthread_cond_timedwait(&tf->cond, &tf->lock, &deadline);
	if (t)
		task_block_end(t);
	return err;
}

static ssize_t tfd_read(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct timerfd *tf = to_tfd(f);
	uint64_t total = 0, ticks = 0;
	int64_t now;
	int err = 0;

	(void)pos;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total < 8)
		return -EINVAL;
	pthread_mutex_lock(&tf->lock);
	for (;;) {
		tfd_update(tf, &now);
		if (tf->ticks)
			break;
		if (f->flags & ABI_O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		err = tfd_wait(tf, t, now);
		if (err)
			break;
	}
	/* Taken before the copy, as Linux's: a bad buffer loses them. */
	ticks = tf->ticks;
	tf->ticks = 0;
	pthread_mutex_unlock(&tf->lock);
	if (!ticks)
		return err;
	err = iov_put_u64(t, iov, iovcnt, ticks);
	return err ? err : 8;
}

static unsigned tfd_poll(struct file *f, unsigned events)
{
	struct timerfd *tf = to_tfd(f);
	unsigned mask = 0;

	pthread_mutex_lock(&tf->lock);
	tfd_update(tf, NULL);
	if (tf->ticks)
		mask |= POLLIN;
	pthread_mutex_unlock(&tf->lock);
	return mask & events;
}

static long tfd_ioctl(struct file *f, struct task *t, unsigned int cmd,
		      uint64_t arg)
{
	struct timerfd *tf = to_tfd(f);
	uint64_t ticks;
	int err;

	if (cmd != TFD_IOC_SET_TICKS)
		return -ENOTTY;
	err = mm_copy_in(t->mm, &ticks, arg, sizeof(ticks));
	if (err)
		return err;
	if (!ticks)
		return -EINVAL;
	pthread_mutex_lock(&tf->lock);
	tf->ticks = ticks;
	pthread_cond_broadcast(&tf->cond);
	poll_notify();
	pthread_mutex_unlock(&tf->lock);
	return 0;
}

static void tfd_release(struct file *f)
{
	struct timerfd *tf = to_tfd(f);

	pthread_cond_destroy(&tf->cond);
	pthread_mutex_destroy(&tf->lock);
	free(tf);
}

static const struct file_ops timerfd_ops = {
    .read = tfd_read,
    .poll = tfd_poll,
    .ioctl = tfd_ioctl,
    .llseek = noop_llseek,
    .stat = anon_file_stat,
    .release = tfd_release,
    .anon_name = "[timerfd]",
};

/* The host clock of an application's timerfd clock, or -EINVAL. */
static int tfd_host_clock(int clockid, clockid_t *host)
{
	switch (clockid) {
	case ABI_CLOCK_REALTIME:
	case ABI_CLOCK_REALTIME_ALARM:
		*host = CLOCK_REALTIME;
		return 0;
	case ABI_CLOCK_MONOTONIC:
		*host = CLOCK_MONOTONIC;
		return 0;
	case ABI_CLOCK_BOOTTIME:
	case ABI_CLOCK_BOOTTIME_ALARM:
		*host = CLOCK_BOOTTIME;
		return 0;
	default:
		return -EINVAL;
	}
}

static bool is_alarm(int clockid)
{
	return clockid == ABI_CLOCK_REALTIME_ALARM ||
	       clockid == ABI_CLOCK_BOOTTIME_ALARM;
}

/* A new disarmed timerfd on clockid (whose host clock is host). */
static struct timerfd *tfd_new(int clockid, clockid_t host, uint32_t flags)
{
	struct timerfd *tf = calloc(1, sizeof(*tf));
	pthread_condattr_t ca;

	if (!tf)
		return NULL;
	file_init(&tf->f, &timerfd_ops, flags);
	tf->f.stream = true;
	pthread_mutex_init(&tf->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tf->cond, &ca);
	pthread_condattr_destroy(&ca);
	tf->clockid = clockid;
	tf->host = host;
	return tf;
}

/* timerfd_create: errors as Linux, EINVAL before EPERM. */
SYSCALL(timerfd_create)
{
	int clockid = (int)a[0], flags = (int)a[1];
	struct timerfd *tf;
	clockid_t host;
	long fd;

	if ((flags & ~TFD_CREATE_FLAGS) || tfd_host_clock(clockid, &host))
		return -EINVAL;
	if (is_alarm(clockid) && !creds_capable(&t->creds, CAP_WAKE_ALARM))
		return -EPERM;
	tf = tfd_new(clockid, host,
		     ABI_O_RDWR | ((uint32_t)flags & ABI_O_NONBLOCK));
	if (!tf)
		return -ENOMEM;
	fd = fd_alloc(t->files, &tf->f, flags & ABI_O_CLOEXEC, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(&tf->f);
	return fd;
}

/* The timerfd open at fd, with a reference: -EBADF, -EINVAL if another. */
static struct timerfd *tfd_get_fd(struct task *t, int fd)
{
	struct file *f = fd_get(t->files, fd);

	if (!f)
		return ERR_PTR(-EBADF);
	if (f->ops != &timerfd_ops) {
		file_put(f);
		return ERR_PTR(-EINVAL);
	}
	return to_tfd(f);
}

static bool ts_valid(const struct abi_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < NSEC_PER_SEC;
}

/*
 * timerfd_settime: EFAULT for the new value, then EINVAL (flags, the
 * value), EBADF, EINVAL (not a timerfd); the old value is written after
 * the timer is set. Setting discards the expirations not yet read.
 */
SYSCALL(timerfd_settime)
{
	int flags = (int)a[1];
	struct abi_itimerspec nv, ov;
	struct timerfd *tf;
	int64_t now, value;
	int err;

	err = mm_copy_in(t->mm, &nv, a[2], sizeof(nv));
	if (err)
		return err;
	if ((flags & ~TFD_SETTIME_FLAGS) || !ts_valid(&nv.it_value) ||
	    !ts_valid(&nv.it_interval))
		return -EINVAL;
	tf = tfd_get_fd(t, (int)a[0]);
	if (IS_ERR(tf))
		return PTR_ERR(tf);
	value = ts_ns(nv.it_value.tv_sec, nv.it_value.tv_nsec);
	pthread_mutex_lock(&tf->lock);
	tfd_update(tf, &now);
	tfd_get(tf, now, &ov);
	tf->ticks = 0;
	tf->interval = ts_ns(nv.it_interval.tv_sec, nv.it_interval.tv_nsec);
	tf->armed = value != 0;
	if (tf->armed)
		tf->next =
		    flags & TFD_TIMER_ABSTIME ? value : add_sat(now, value);
	pthread_cond_broadcast(&tf->cond);
	poll_notify();
	pthread_mutex_unlock(&tf->lock);
	file_put(&tf->f);
	if (a[3])
		return mm_copy_out(t->mm, a[3], &ov, sizeof(ov));
	return 0;
}

/* timerfd_gettime: the time to the next expiry (0: none) and interval. */
SYSCALL(timerfd_gettime)
{
	struct abi_itimerspec v;
	struct timerfd *tf = tfd_get_fd(t, (int)a[0]);
	int64_t now;

	if (IS_ERR(tf))
		return PTR_ERR(tf);
	pthread_mutex_lock(&tf->lock);
	tfd_update(tf, &now);
	tfd_get(tf, now, &v);
	pthread_mutex_unlock(&tf->lock);
	file_put(&tf->f);
	return mm_copy_out(t->mm, a[1], &v, sizeof(v));
}

int timerfd_save(struct file *f, struct timerfd_image *v)
{
	struct timerfd *tf;
	int64_t now;

	if (f->ops != &timerfd_ops)
		return -EINVAL;
	tf = to_tfd(f);
	pthread_mutex_lock(&tf->lock);
	tfd_update(tf, &now);
	*v = (struct timerfd_image){
	    .clockid = tf->clockid,
	    .armed = tf->armed,
	    .left = tf->armed && tf->next > now ? tf->next - now : 0,
	    .interval = tf->interval,
	    .ticks = tf->ticks,
	};
	pthread_mutex_unlock(&tf->lock);
	return 0;
}

/*
 * The time left counts from now: the timer goes on as if no time had
 * passed between the checkpoint and the restore.
 */
struct file *timerfd_restore(uint32_t flags, const struct timerfd_image *v)
{
	struct timerfd *tf;
	clockid_t host;

	if (tfd_host_clock(v->clockid, &host) || v->left < 0 ||
	    v->interval < 0 || (!v->armed && v->left))
		return NULL;
	tf = tfd_new(v->clockid, host, flags);
	if (!tf)
		return NULL;
	tf->armed = v->armed;
	tf->interval = v->interval;
	tf->ticks = v->ticks;
	if (tf->armed)
		tf->next = add_sat(clock_ns(host), v->left);
	return &tf->f;
}
