// SPDX-License-Identifier: Apache-2.0
/*
 * timerfd (timerfd_create(2)): the errors of create, settime, gettime and
 * read; one-shot and periodic timers with the periods missed counted;
 * absolute times in the past expiring at once; gettime and settime's old
 * value; nonblocking reads; poll; a blocked read ended by a signal (EINTR
 * without SA_RESTART, going on with it); the file's face (fstat, its name,
 * flags).
 */
#include "guest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>

#define MS	 1000000LL
#define BAD_ADDR 8

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {0};

	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	return (struct timespec){ns / 1000000000LL, ns % 1000000000LL};
}

static int64_t ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Arm fd: value and interval in ns, flags as settime's. */
static long arm(int fd, int flags, int64_t value, int64_t interval)
{
	struct itimerspec v = {.it_value = ns_ts(value),
			       .it_interval = ns_ts(interval)};

	return SYS4(SYS_timerfd_settime, fd, flags, &v, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts))
		;
}

/* Whether the process has CAP_WAKE_ALARM (35) in its effective set. */
static int has_wake_alarm(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int yes = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			yes = (caps >> 35) & 1;
	}
	fclose(f);
	return yes;
}

static void test_create(void)
{
	static const int alarm_clocks[] = {CLOCK_REALTIME_ALARM,
					   CLOCK_BOOTTIME_ALARM};
	static const int bad_clocks[] = {-1,
					 CLOCK_PROCESS_CPUTIME_ID,
					 CLOCK_THREAD_CPUTIME_ID,
					 CLOCK_MONOTONIC_RAW,
					 CLOCK_REALTIME_COARSE,
					 CLOCK_MONOTONIC_COARSE,
					 10,
					 CLOCK_TAI,
					 12,
					 1000};
	int cap = has_wake_alarm();
	char link[64], name[64];
	struct stat st;
	int fd;

	for (unsigned i = 0; i < sizeof(bad_clocks) / sizeof(*bad_clocks); i++)
		CHECK_ERR(SYS2(SYS_timerfd_create, bad_clocks[i], 0), EINVAL);
	CHECK_ERR(SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 1), EINVAL);
	CHECK_ERR(SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, O_RDWR), EINVAL);
	CHECK_ERR(SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, O_APPEND), EINVAL);
	/* A bad clock is EINVAL before the capability is looked at. */
	CHECK_ERR(SYS2(SYS_timerfd_create, CLOCK_REALTIME_ALARM, 1), EINVAL);
	for (int i = 0; i < 2; i++) {
		long r = SYS2(SYS_timerfd_create, alarm_clocks[i], 0);

		if (cap) {
			CHECK(r >= 0);
			if (r >= 0)
				close((int)r);
		} else {
			CHECK_ERR(r, EPERM);
		}
	}
	fd = (int)SYS2(SYS_timerfd_create, CLOCK_REALTIME, 0);
	CHECK(fd >= 0);
	close(fd);
	fd = (int)SYS2(SYS_timerfd_create, CLOCK_BOOTTIME, 0);
	CHECK(fd >= 0);
	close(fd);

	/* The flags, and the face of the file. */
	fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC,
		       TFD_CLOEXEC | TFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK),
		 O_RDWR | O_NONBLOCK);
	CHECK_OK(SYS2(SYS_fstat, fd, &st));
	CHECK_EQ(st.st_mode, 0600);
	CHECK_EQ(st.st_size, 0);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	memset(link, 0, sizeof(link));
	CHECK_EQ(readlink(name, link, sizeof(link) - 1), 20);
	CHECK(!strcmp(link, "anon_inode:[timerfd]"));
	close(fd);
	fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	close(fd);
}

static void test_errors(void)
{
	struct itimerspec v = {0}, old;
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
	int efd = eventfd(0, 0);
	uint64_t ticks;
	char small[7];

	/* settime: the new value is copied in first, then checked. */
	CHECK_ERR(SYS4(SYS_timerfd_settime, -1, 0, NULL, NULL), EFAULT);
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, BAD_ADDR, NULL), EFAULT);
	CHECK_ERR(SYS4(SYS_timerfd_settime, -1, 4, &v, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 4, &v, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, -1, &v, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_timerfd_settime, -1, 0, &v, NULL), EBADF);
	CHECK_ERR(SYS4(SYS_timerfd_settime, 1000000, 0, &v, NULL), EBADF);
	CHECK_ERR(SYS4(SYS_timerfd_settime, efd, 0, &v, NULL), EINVAL);
	v.it_value.tv_nsec = 1000000000;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_timerfd_settime, -1, 0, &v, NULL), EINVAL);
	v.it_value.tv_nsec = -1;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	v.it_value.tv_nsec = 0;
	v.it_value.tv_sec = -1;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &v, NULL),
		  EINVAL);
	v.it_value.tv_sec = 1;
	v.it_interval.tv_nsec = 1000000000;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	v.it_interval.tv_nsec = -1;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	v.it_interval.tv_nsec = 0;
	v.it_interval.tv_sec = -1;
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, NULL), EINVAL);
	/* Nothing was set by the failures. */
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &old));
	CHECK(!old.it_value.tv_sec && !old.it_value.tv_nsec &&
	      !old.it_interval.tv_sec && !old.it_interval.tv_nsec);
	/*
	 * TFD_TIMER_CANCEL_ON_SET is accepted with any clock and flags; it
	 * means something only with ABSTIME on CLOCK_REALTIME.
	 */
	v = (struct itimerspec){.it_value = {100, 0}};
	CHECK_OK(
	    SYS4(SYS_timerfd_settime, fd, TFD_TIMER_CANCEL_ON_SET, &v, NULL));
	CHECK_OK(SYS4(SYS_timerfd_settime, fd,
		      TFD_TIMER_CANCEL_ON_SET | TFD_TIMER_ABSTIME, &v, NULL));
	/* A bad old-value pointer: EFAULT, but the timer is set. */
	v = (struct itimerspec){.it_value = {100, 0}};
	CHECK_ERR(SYS4(SYS_timerfd_settime, fd, 0, &v, BAD_ADDR), EFAULT);
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &old));
	CHECK(old.it_value.tv_sec == 99 || old.it_value.tv_sec == 100);

	/* gettime */
	CHECK_ERR(SYS2(SYS_timerfd_gettime, -1, &old), EBADF);
	CHECK_ERR(SYS2(SYS_timerfd_gettime, 1000000, &old), EBADF);
	CHECK_ERR(SYS2(SYS_timerfd_gettime, efd, &old), EINVAL);
	CHECK_ERR(SYS2(SYS_timerfd_gettime, efd, NULL), EINVAL);
	CHECK_ERR(SYS2(SYS_timerfd_gettime, fd, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_timerfd_gettime, fd, BAD_ADDR), EFAULT);

	/* read: at least 8 bytes; write, pread: no. */
	CHECK_ERR(SYS3(SYS_read, fd, small, 7), EINVAL);
	CHECK_ERR(SYS3(SYS_read, fd, small, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	CHECK_ERR(SYS3(SYS_write, fd, &ticks, 8), EINVAL);
	CHECK_ERR(SYS4(SYS_pread64, fd, &ticks, 8, 0), ESPIPE);
	CHECK_EQ(SYS3(SYS_lseek, fd, 5, SEEK_SET), 0);
	/* Expired, a read into a bad buffer loses the count. */
	CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, 1, 0));
	CHECK_ERR(SYS3(SYS_read, fd, BAD_ADDR, 8), EFAULT);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	close(efd);
	close(fd);
}

static void test_oneshot(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	struct itimerspec cur;
	uint64_t ticks = 0;
	int64_t t0, t1, left;

	/* Disarmed: all zero, and a nonblocking read would wait. */
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	fcntl(fd, F_SETFL, 0);

	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_OK(arm(fd, 0, 100 * MS, 0));
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	left = ts_ns(cur.it_value);
	CHECK(left > 0 && left <= 100 * MS);
	CHECK(!cur.it_interval.tv_sec && !cur.it_interval.tv_nsec);
	/* A blocking read waits for the expiry; then it is disarmed. */
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	t1 = now_ns(CLOCK_MONOTONIC);
	CHECK_EQ(ticks, 1);
	CHECK(t1 - t0 >= 100 * MS);
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);

	/* Expired and unread: gettime says 0 left, a read says 1. */
	CHECK_OK(arm(fd, 0, 1 * MS, 0));
	sleep_ms(30);
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK(!cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	CHECK_EQ(ticks, 1);

	/* The count over two iovecs, 8 bytes in all. */
	CHECK_OK(arm(fd, 0, 1 * MS, 0));
	sleep_ms(20);
	{
		uint32_t lo = 0, hi = 7;
		struct iovec iov[2] = {{&lo, 4}, {&hi, 4}};

		CHECK_EQ(readv(fd, iov, 2), 8);
		CHECK_EQ(lo, 1);
		CHECK_EQ(hi, 0);
	}
	close(fd);
}

static void test_periodic(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	struct itimerspec cur, old;
	uint64_t ticks = 0;
	int64_t t0, t1, left;

	/* Every 20 ms: 200 ms later at least 10 periods passed. */
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_OK(arm(fd, 0, 20 * MS, 20 * MS));
	sleep_ms(200);
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	t1 = now_ns(CLOCK_MONOTONIC);
	CHECK(ticks >= 10);
	CHECK(ticks <= (uint64_t)((t1 - t0) / (20 * MS)));
	/* Still armed, a period or less to the next. */
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	left = ts_ns(cur.it_value);
	CHECK(left > 0 && left <= 20 * MS);
	CHECK_EQ(ts_ns(cur.it_interval), 20 * MS);
	/* The next read waits for the next period. */
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	CHECK(ticks >= 1);

	/* settime gives the old value back and discards what is unread. */
	sleep_ms(50);
	{
		struct itimerspec v = {.it_value = {100, 0}};

		CHECK_OK(SYS4(SYS_timerfd_settime, fd, 0, &v, &old));
	}
	left = ts_ns(old.it_value);
	CHECK(left > 0 && left <= 20 * MS);
	CHECK_EQ(ts_ns(old.it_interval), 20 * MS);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	/* Disarming with a zero value: the interval stays recorded. */
	{
		struct itimerspec v = {.it_interval = {5, 0}};

		CHECK_OK(SYS4(SYS_timerfd_settime, fd, 0, &v, &old));
	}
	CHECK(old.it_value.tv_sec == 99 || old.it_value.tv_sec == 100);
	CHECK_EQ(ts_ns(old.it_interval), 0);
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK_EQ(ts_ns(cur.it_value), 0);
	CHECK_EQ(cur.it_interval.tv_sec, 5);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	close(fd);
}

static void test_abstime(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_REALTIME, TFD_NONBLOCK);
	int mfd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct itimerspec cur;
	uint64_t ticks = 0;
	int64_t start, t0, t1;

	/* In the past: expired at once. */
	CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, 1000000000LL, 0));
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	CHECK_EQ(ticks, 1);
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK_EQ(ts_ns(cur.it_value), 0);

	/* Periodic from a second ago, every 100 ms: 11 expirations so far. */
	start = now_ns(CLOCK_REALTIME) - 1000 * MS;
	CHECK_OK(arm(fd, TFD_TIMER_ABSTIME, start, 100 * MS));
	t0 = now_ns(CLOCK_REALTIME);
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	t1 = now_ns(CLOCK_REALTIME);
	CHECK(ticks >= 11);
	CHECK(ticks >= (uint64_t)((t0 - start) / (100 * MS)) + 1);
	CHECK(ticks <= (uint64_t)((t1 - start) / (100 * MS)) + 1);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EAGAIN);
	/* Its next expiry is on the period's grid. */
	CHECK_OK(SYS2(SYS_timerfd_gettime, fd, &cur));
	CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 100 * MS);
	close(fd);

	/* In the future on CLOCK_MONOTONIC: a read waits for it. */
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_OK(arm(mfd, TFD_TIMER_ABSTIME, t0 + 80 * MS, 0));
	CHECK_EQ(SYS3(SYS_read, mfd, &ticks, 8), 8);
	CHECK_EQ(ticks, 1);
	CHECK(now_ns(CLOCK_MONOTONIC) >= t0 + 80 * MS);
	close(mfd);
}

static void test_poll(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
	uint64_t ticks;
	int64_t t0;

	/* Disarmed: never ready, not even for writing. */
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_EQ(pfd.revents, 0);
	/* A poll waits for the expiry: POLLIN alone. */
	t0 = now_ns(CLOCK_MONOTONIC);
	CHECK_OK(arm(fd, 0, 50 * MS, 0));
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_EQ(poll(&pfd, 1, 5000), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 50 * MS);
	/* Polling does not take the count. */
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(read(fd, &ticks, 8), 8);
	CHECK_EQ(ticks, 1);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	close(fd);
}

/* TFD_IOC_SET_TICKS (kernels with CONFIG_CHECKPOINT_RESTORE). */
static void test_set_ticks(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
	uint64_t ticks = 0;
	long r;

	ticks = 42;
	r = SYS3(SYS_ioctl, fd, TFD_IOC_SET_TICKS, &ticks);
	if (r != -ENOTTY) {
		CHECK_OK(r);
		CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
		CHECK_EQ(ticks, 42);
		ticks = 0;
		CHECK_ERR(SYS3(SYS_ioctl, fd, TFD_IOC_SET_TICKS, &ticks),
			  EINVAL);
		CHECK_ERR(SYS3(SYS_ioctl, fd, TFD_IOC_SET_TICKS, BAD_ADDR),
			  EFAULT);
	}
	CHECK_ERR(SYS3(SYS_ioctl, fd, TCGETS, &ticks), ENOTTY);
	close(fd);
}

static void test_interrupted(void)
{
	int fd = (int)SYS2(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	struct itimerval it = {.it_value = {0, 50000}};
	uint64_t ticks = 0;

	/* Without SA_RESTART: EINTR after the handler. */
	handle(SIGALRM, on_alarm, 0);
	alarms = 0;
	CHECK_OK(arm(fd, 0, 10000 * MS, 0));
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(SYS3(SYS_read, fd, &ticks, 8), EINTR);
	CHECK_EQ(alarms, 1);

	/* With SA_RESTART the read goes on until the timer expires. */
	handle(SIGALRM, on_alarm, SA_RESTART);
	alarms = 0;
	CHECK_OK(arm(fd, 0, 300 * MS, 0));
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_EQ(SYS3(SYS_read, fd, &ticks, 8), 8);
	CHECK_EQ(ticks, 1);
	CHECK_EQ(alarms, 1);
	close(fd);
}

int main(void)
{
	test_create();
	test_errors();
	test_oneshot();
	test_periodic();
	test_abstime();
	test_poll();
	test_set_ticks();
	test_interrupted();
	return guest_done();
}
