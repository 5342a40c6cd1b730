/* SPDX-License-Identifier: Apache-2.0 */
/* getrusage and times. */
#include "guest.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

static volatile uint64_t sink;

/* Burn about ms milliseconds of CPU time (as CLOCK_PROCESS_CPUTIME_ID). */
static void spin(long ms)
{
	struct timespec a, b;

	SYS2(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			sink += (uint64_t)i;
		SYS2(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 +
		     (b.tv_nsec - a.tv_nsec) / 1000000 <
		 ms);
}

static long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000 + tv.tv_usec;
}

static void test_getrusage(void)
{
	struct rusage ru, ru2;
	size_t len = 8 << 20;
	char *p;

	CHECK_ERR(SYS2(SYS_getrusage, 2, &ru), EINVAL);
	CHECK_ERR(SYS2(SYS_getrusage, -3, &ru), EINVAL);
	CHECK_ERR(SYS2(SYS_getrusage, 5, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_getrusage, RUSAGE_SELF, 0), EFAULT);
	CHECK_ERR(SYS2(SYS_getrusage, RUSAGE_SELF, 8), EFAULT);
	/* who is an int. */
	CHECK_EQ(SYS2(SYS_getrusage, 0x100000000L, &ru), 0);

	spin(30);
	memset(&ru, 0xff, sizeof(ru));
	CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_SELF, &ru), 0);
	/* utime + stime covers the CPU time spent; each is normalised. */
	CHECK(tv_us(ru.ru_utime) + tv_us(ru.ru_stime) >= 25000);
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK(ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000);
	CHECK(ru.ru_maxrss > 0);
	CHECK_EQ(ru.ru_nswap, 0);
	CHECK_EQ(ru.ru_ixrss, 0);

	/*
	 * With 8 MiB touched the peak is at least that (it may be more: after
	 * execve, Linux starts from the old image's peak).
	 */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_SELF, &ru2), 0);
	CHECK(ru2.ru_maxrss >= 8 * 1024);
	CHECK(ru2.ru_maxrss >= ru.ru_maxrss);
	/* A peak: unmapping does not lower it. */
	munmap(p, len);
	CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_SELF, &ru), 0);
	CHECK(ru.ru_maxrss >= ru2.ru_maxrss);
	CHECK(tv_us(ru.ru_utime) + tv_us(ru.ru_stime) >=
	      tv_us(ru2.ru_utime) + tv_us(ru2.ru_stime));

	/* One thread: its usage is the process's. */
	CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_THREAD, &ru2), 0);
	CHECK(tv_us(ru2.ru_utime) + tv_us(ru2.ru_stime) >= 25000);
	CHECK(ru2.ru_maxrss > 0);

	/* No child was ever waited for. */
	memset(&ru, 0xff, sizeof(ru));
	CHECK_EQ(SYS2(SYS_getrusage, RUSAGE_CHILDREN, &ru), 0);
	CHECK_EQ(tv_us(ru.ru_utime), 0);
	CHECK_EQ(tv_us(ru.ru_stime), 0);
	CHECK_EQ(ru.ru_maxrss, 0);
	CHECK_EQ(ru.ru_minflt, 0);
	CHECK_EQ(ru.ru_nvcsw, 0);
}

static void test_times(void)
{
	struct tms tm;
	long t1, t2;
	struct timespec ts = {0, 50 * 1000000};

	memset(&tm, 0xff, sizeof(tm));
	t1 = SYS1(SYS_times, &tm);
	/* Clock ticks: 100 a second (sysconf(_SC_CLK_TCK)). */
	CHECK_EQ(sysconf(_SC_CLK_TCK), 100);
	CHECK(t1 >= 0 || t1 < -4095);
	CHECK(tm.tms_utime + tm.tms_stime >= 2); /* 30 ms spun above */
	CHECK(tm.tms_utime >= 0 && tm.tms_stime >= 0);
	CHECK_EQ(tm.tms_cutime, 0);
	CHECK_EQ(tm.tms_cstime, 0);
	CHECK_ERR(SYS1(SYS_times, 8), EFAULT);
	/* NULL: just the tick count, which goes on. */
	SYS2(SYS_nanosleep, &ts, 0);
	t2 = SYS1(SYS_times, 0);
	CHECK(t2 - t1 >= 4 && t2 - t1 < 1000);
}

int main(void)
{
	test_getrusage();
	test_times();
	return guest_done();
}
