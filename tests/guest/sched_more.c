// SPDX-License-Identifier: Apache-2.0
/*
 * Nice values, scheduling policies and attributes, affinity and getcpu:
 * what is set is read back, with Linux's argument checks.
 */
#include "guest.h"

#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#define NO_PID 0x3fffffff

#define CAP_SYS_NICE  23
#define RESET_ON_FORK 0x40000000

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
	uint8_t pad[8]; /* room for a larger size */
};

struct hdr {
	uint32_t version;
	int pid;
};

struct data {
	uint32_t e, p, i;
};

static uint64_t effective_caps(void)
{
	struct hdr h = {0x20080522, 0};
	struct data d[2];

	if (SYS2(SYS_capget, &h, d))
		return 0;
	return d[0].e | (uint64_t)d[1].e << 32;
}

/* Field n (1-based) of /proc/self/stat, after the command. */
static long stat_field(int n)
{
	char buf[1024], *s;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t len;

	if (!f)
		return -1000;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	s = strrchr(buf, ')');
	if (!s)
		return -1000;
	s += 2; /* field 3 */
	for (int i = 3; i < n && s; i++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return s ? strtol(s, NULL, 10) : -1000;
}

static void test_priority(void)
{
	int pid = (int)SYS0(SYS_getpid);

	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 20);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 5), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 15);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, pid), 15);
	/* A group or user: the highest of its members (others natively). */
	CHECK(SYS2(SYS_getpriority, PRIO_PGRP, 0) >= 15);
	CHECK(SYS2(SYS_getpriority, PRIO_USER, 0) >= 15);
	CHECK(SYS2(SYS_getpriority, PRIO_USER, SYS0(SYS_getuid)) >= 15);
	CHECK_EQ(stat_field(19), 5);
	CHECK_EQ(stat_field(18), 25);
	/* Clamped to 19; raising nice needs nothing. */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 100), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 1);
	CHECK_EQ(stat_field(19), 19);
	CHECK_ERR(SYS2(SYS_getpriority, 3, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_getpriority, -1, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_setpriority, 3, 0, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_PROCESS, NO_PID), ESRCH);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, NO_PID, 0), ESRCH);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_PGRP, NO_PID), ESRCH);
	CHECK_ERR(SYS2(SYS_getpriority, PRIO_USER, 54321), ESRCH);
	if (!(effective_caps() & (1ULL << CAP_SYS_NICE)))
		return;
	/* Lowering nice (raising the priority) with CAP_SYS_NICE. */
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, -100), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 40);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 0), 0);
}

static void test_policies(void)
{
	int prio = 0, policies[] = {0, 3, 5, 6};
	struct timespec ts;

	for (int i = 0; i < 4; i++) {
		CHECK_EQ(SYS1(SYS_sched_get_priority_max, policies[i]), 0);
		CHECK_EQ(SYS1(SYS_sched_get_priority_min, policies[i]), 0);
	}
	CHECK_EQ(SYS1(SYS_sched_get_priority_max, SCHED_FIFO), 99);
	CHECK_EQ(SYS1(SYS_sched_get_priority_min, SCHED_RR), 1);
	CHECK_ERR(SYS1(SYS_sched_get_priority_max, 4), EINVAL);
	CHECK_ERR(SYS1(SYS_sched_get_priority_min, 8), EINVAL);
	CHECK_ERR(SYS1(SYS_sched_get_priority_max, -1), EINVAL);

	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
	CHECK_ERR(SYS1(SYS_sched_getscheduler, -1), EINVAL);
	CHECK_ERR(SYS1(SYS_sched_getscheduler, NO_PID), ESRCH);
	prio = 7;
	CHECK_EQ(SYS2(SYS_sched_getparam, 0, &prio), 0);
	CHECK_EQ(prio, 0);
	CHECK_ERR(SYS2(SYS_sched_getparam, 0, NULL), EINVAL);
	CHECK_ERR(SYS2(SYS_sched_getparam, -1, &prio), EINVAL);
	CHECK_ERR(SYS2(SYS_sched_getparam, NO_PID, &prio), ESRCH);
	CHECK_ERR(SYS2(SYS_sched_getparam, 0, 1), EFAULT);

	/* Priorities: 0 for the fair policies, 1..99 for FIFO and RR. */
	prio = 1;
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, SCHED_OTHER, &prio), EINVAL);
	prio = 0;
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, SCHED_FIFO, &prio), EINVAL);
	prio = 100;
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, SCHED_RR, &prio), EINVAL);
	prio = 0;
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, 4, &prio), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, -1, &prio), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, 6, &prio), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, 0, NULL), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, -1, 0, &prio), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, 0, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_sched_setscheduler, NO_PID, 0, &prio), ESRCH);
	CHECK_ERR(SYS2(SYS_sched_setparam, 0, NULL), EINVAL);
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_BATCH, &prio), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_BATCH);
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_IDLE, &prio), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, SYS0(SYS_gettid)), SCHED_IDLE);
	CHECK_EQ(SYS2(SYS_sched_rr_get_interval, 0, &ts), 0);
	CHECK_EQ(ts.tv_sec * 1000000000L + ts.tv_nsec, 0);
	CHECK_ERR(SYS2(SYS_sched_rr_get_interval, -1, &ts), EINVAL);
	CHECK_ERR(SYS2(SYS_sched_rr_get_interval, NO_PID, &ts), ESRCH);
	CHECK_ERR(SYS2(SYS_sched_rr_get_interval, 0, 1), EFAULT);
	if (!(effective_caps() & (1ULL << CAP_SYS_NICE))) {
		CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_IDLE, &prio), 0);
		return;
	}
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_OTHER, &prio), 0);

	/* Real time, as root. */
	prio = 10;
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_RR, &prio), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_RR);
	prio = 0;
	CHECK_EQ(SYS2(SYS_sched_getparam, 0, &prio), 0);
	CHECK_EQ(prio, 10);
	CHECK_EQ(SYS2(SYS_sched_rr_get_interval, 0, &ts), 0);
	CHECK_EQ(ts.tv_sec * 1000000000L + ts.tv_nsec, 100000000L);
	CHECK_EQ(stat_field(40), 10);
	CHECK_EQ(stat_field(41), SCHED_RR);
	CHECK_EQ(stat_field(18), -11);
	prio = 20;
	CHECK_EQ(SYS2(SYS_sched_setparam, 0, &prio), 0);
	prio = 0;
	CHECK_EQ(SYS2(SYS_sched_getparam, 0, &prio), 0);
	CHECK_EQ(prio, 20);
	prio = 0;
	CHECK_ERR(SYS2(SYS_sched_setparam, 0, &prio), EINVAL);
	prio = 5;
	CHECK_EQ(
	    SYS3(SYS_sched_setscheduler, 0, SCHED_FIFO | RESET_ON_FORK, &prio),
	    0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_FIFO | RESET_ON_FORK);
	prio = 0;
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_OTHER, &prio), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
	CHECK_EQ(stat_field(18), 20);
}

static void test_attr(void)
{
	struct attr at;
	int nice = 20 - (int)SYS2(SYS_getpriority, PRIO_PROCESS, 0);

	memset(&at, 0xa5, sizeof(at));
	CHECK_EQ(SYS4(SYS_sched_getattr, 0, &at, 56, 0), 0);
	CHECK_EQ(at.size, 56);
	CHECK_EQ(at.policy, SCHED_OTHER);
	CHECK_EQ(at.nice, nice);
	CHECK_EQ(at.priority, 0);
	CHECK_EQ(at.pad[0], 0xa5);
	memset(&at, 0xa5, sizeof(at));
	CHECK_EQ(SYS4(SYS_sched_getattr, 0, &at, sizeof(at), 0), 0);
	CHECK_EQ(at.size, 56);
	/* A larger buffer's tail is zeroed. */
	CHECK_EQ(at.pad[0], 0);
	CHECK_EQ(at.pad[7], 0);
	CHECK_ERR(SYS4(SYS_sched_getattr, 0, &at, 47, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_sched_getattr, 0, &at, 4097, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_sched_getattr, 0, &at, 56, 1), EINVAL);
	CHECK_ERR(SYS4(SYS_sched_getattr, 0, NULL, 56, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_sched_getattr, -1, &at, 56, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_sched_getattr, NO_PID, &at, 56, 0), ESRCH);
	CHECK_ERR(SYS4(SYS_sched_getattr, 0, 8, 56, 0), EFAULT);

	/* Sizes: 0 is the first version; too small or large is E2BIG. */
	memset(&at, 0, sizeof(at));
	at.nice = 3;
	CHECK_EQ(SYS3(SYS_sched_setattr, 0, &at, 0), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 17);
	at.size = 47;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), E2BIG);
	CHECK_EQ(at.size, 56);
	at.size = 4097;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), E2BIG);
	CHECK_EQ(at.size, 56);
	at.size = sizeof(at);
	at.pad[5] = 1;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), E2BIG);
	CHECK_EQ(at.size, 56);
	at.size = sizeof(at);
	at.pad[5] = 0;
	at.nice = 100; /* clamped */
	CHECK_EQ(SYS3(SYS_sched_setattr, 0, &at, 0), 0);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 1);
	at.size = 56;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 1), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, NULL, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setattr, -1, &at, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_setattr, NO_PID, &at, 0), ESRCH);
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, 8, 0), EFAULT);
	at.flags = 0x80;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), EINVAL);
	at.flags = 0;
	at.policy = 4;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), EINVAL);
	at.policy = SCHED_FIFO;
	at.priority = 0;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), EINVAL);
	/* Utilization clamps need a first-version size of 56. */
	at.size = 48;
	at.policy = SCHED_OTHER;
	at.flags = 0x20;
	CHECK_ERR(SYS3(SYS_sched_setattr, 0, &at, 0), EINVAL);
	/* Keep the policy and the parameters: nothing changes. */
	at.size = 56;
	at.flags = 0x18;
	at.policy = SCHED_BATCH;
	at.nice = -5;
	CHECK_EQ(SYS3(SYS_sched_setattr, 0, &at, 0), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 1);
	at.flags = 0;
	at.policy = SCHED_BATCH;
	at.nice = 2;
	CHECK_EQ(SYS3(SYS_sched_setattr, 0, &at, 0), 0);
	memset(&at, 0, sizeof(at));
	CHECK_EQ(SYS4(SYS_sched_getattr, 0, &at, 56, 0), 0);
	CHECK_EQ(at.policy, SCHED_BATCH);
	CHECK_EQ(at.nice, 2);
	at.policy = SCHED_OTHER;
	CHECK_EQ(SYS3(SYS_sched_setattr, 0, &at, 0), 0);
	CHECK_EQ(SYS1(SYS_sched_getscheduler, 0), SCHED_OTHER);
}

static void test_affinity(void)
{
	uint8_t mask[128], one[128], got[128];
	unsigned int cpu = 99999, node = 99999;
	long n;
	int first = -1, ncpus = 0;

	n = SYS3(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	CHECK(n > 0);
	if (n <= 0)
		return;
	for (int i = 0; i < n * 8; i++) {
		if (mask[i / 8] & (1 << (i % 8))) {
			ncpus++;
			if (first < 0)
				first = i;
		}
	}
	CHECK_EQ(SYS3(SYS_getcpu, &cpu, &node, 0), 0);
	CHECK(cpu < (unsigned int)n * 8 && (mask[cpu / 8] & (1 << (cpu % 8))));
	CHECK_EQ(node, 0);
	CHECK_EQ(SYS3(SYS_getcpu, NULL, NULL, 0), 0);
	CHECK_ERR(SYS3(SYS_getcpu, 1, NULL, 0), EFAULT);
	CHECK_ERR(SYS3(SYS_getcpu, NULL, 1, 0), EFAULT);

	/* One CPU: kept and reported; getcpu answers it. */
	memset(one, 0, sizeof(one));
	one[first / 8] = (uint8_t)(1 << (first % 8));
	CHECK_EQ(SYS3(SYS_sched_setaffinity, 0, n, one), 0);
	memset(got, 0, sizeof(got));
	CHECK_EQ(SYS3(SYS_sched_getaffinity, 0, sizeof(got), got), n);
	CHECK(memcmp(got, one, n) == 0);
	CHECK_EQ(SYS3(SYS_getcpu, &cpu, NULL, 0), 0);
	CHECK_EQ(cpu, first);
	if (ncpus > 1) {
		FILE *f;
		/* Nothing of the sandbox's CPUs: EINVAL, the mask unchanged. */
		memset(one, 0, sizeof(one));
		CHECK_ERR(SYS3(SYS_sched_setaffinity, 0, n, one), EINVAL);
		one[n - 1] = 0x80;
		if (!(mask[n - 1] & 0x80))
			CHECK_ERR(SYS3(SYS_sched_setaffinity, 0, n, one),
				  EINVAL);
		CHECK_ERR(SYS3(SYS_sched_setaffinity, 0, 0, mask), EINVAL);
		CHECK_EQ(SYS3(SYS_sched_getaffinity, 0, sizeof(got), got), n);
		CHECK_EQ(got[first / 8], 1 << (first % 8));
		f = fopen("/proc/self/status", "r");
		CHECK(f != NULL);
		if (f)
			fclose(f);
	}
	CHECK_ERR(SYS3(SYS_sched_setaffinity, 0, n, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_sched_setaffinity, NO_PID, n, mask), ESRCH);
	/* All of them again; more than the kernel knows is ignored. */
	memset(one, 0xff, sizeof(one));
	CHECK_EQ(SYS3(SYS_sched_setaffinity, 0, sizeof(one), one), 0);
	CHECK_EQ(SYS3(SYS_sched_getaffinity, 0, sizeof(got), got), n);
	CHECK(memcmp(got, mask, n) == 0);
}

/* Without CAP_SYS_NICE: RLIMIT_NICE and RLIMIT_RTPRIO decide. */
static void test_unprivileged(void)
{
	struct hdr h = {0x20080522, 0};
	struct data d[2];
	struct rlimit rl;
	int prio = 0;

	if (SYS2(SYS_capget, &h, d))
		return;
	d[0].e &= ~(1u << CAP_SYS_NICE);
	CHECK_EQ(SYS2(SYS_capset, &h, d), 0);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 10), 0);
	CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 12), 0);
	CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 11), EACCES);
	CHECK_EQ(SYS2(SYS_getpriority, PRIO_PROCESS, 0), 8);
	prio = 1;
	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_RTPRIO, &rl), 0);
	if (rl.rlim_cur == 0)
		CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, SCHED_FIFO, &prio),
			  EPERM);
	prio = 0;
	/* Back from SCHED_IDLE needs leave to keep the nice value. */
	CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_IDLE, &prio), 0);
	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_NICE, &rl), 0);
	if (rl.rlim_cur < 8) {
		CHECK_ERR(SYS3(SYS_sched_setscheduler, 0, SCHED_OTHER, &prio),
			  EPERM);
	}
	/* RLIMIT_NICE 20 - nice allows down to that nice value. */
	if (rl.rlim_max >= 15) {
		rl.rlim_cur = 15; /* nice 5 */
		CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_NICE, &rl), 0);
		CHECK_EQ(SYS3(SYS_sched_setscheduler, 0, SCHED_OTHER, &prio),
			 0);
		CHECK_EQ(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 5), 0);
		CHECK_ERR(SYS3(SYS_setpriority, PRIO_PROCESS, 0, 4), EACCES);
	}
}

int main(void)
{
	test_priority();
	test_policies();
	test_attr();
	test_affinity();
	test_unprivileged();
	return guest_done();
}
