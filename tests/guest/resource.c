// SPDX-License-Identifier: Apache-2.0
/*
 * getrlimit, setrlimit and prlimit64: reading and writing limits, the
 * checks on them, root raising a hard limit and an ordinary user not.
 */
#include "guest.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#define BAD_PTR ((void *)1)
#define NO_PID	0x3fffffff
#define NLIMITS 16
#define INF	(~0UL)

struct rl {
	unsigned long cur, max;
};

static bool limit_is(int resource, unsigned long cur, unsigned long max)
{
	struct rl l = {1, 1};

	if (SYS2(SYS_getrlimit, resource, &l))
		return false;
	return l.cur == cur && l.max == max;
}

static void check_read(void)
{
	struct rl l, p;
	long pid = SYS0(SYS_getpid);

	for (int i = 0; i < NLIMITS; i++) {
		memset(&l, 0xa5, sizeof(l));
		CHECK_EQ(SYS2(SYS_getrlimit, i, &l), 0);
		CHECK(l.cur <= l.max);
		/* prlimit64 on pid 0 and on the caller's pid: the same. */
		memset(&p, 0, sizeof(p));
		CHECK_EQ(SYS4(SYS_prlimit64, 0, i, NULL, &p), 0);
		CHECK(p.cur == l.cur && p.max == l.max);
		memset(&p, 0, sizeof(p));
		CHECK_EQ(SYS4(SYS_prlimit64, pid, i, NULL, &p), 0);
		CHECK(p.cur == l.cur && p.max == l.max);
	}
	/* Neither new nor old: only the checks. */
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, NULL), 0);

	/* Resources that do not exist. */
	CHECK_ERR(SYS2(SYS_getrlimit, NLIMITS, &l), EINVAL);
	CHECK_ERR(SYS2(SYS_getrlimit, 1000, &l), EINVAL);
	CHECK_ERR(SYS2(SYS_getrlimit, -1, &l), EINVAL);
	CHECK_ERR(SYS2(SYS_getrlimit, NLIMITS, BAD_PTR), EINVAL);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, NLIMITS, NULL, &l), EINVAL);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, -1, NULL, NULL), EINVAL);
	CHECK_ERR(SYS2(SYS_setrlimit, NLIMITS, &l), EINVAL);

	/* Bad pointers. */
	CHECK_ERR(SYS2(SYS_getrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_getrlimit, RLIMIT_NOFILE, NULL), EFAULT);
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_NOFILE, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_setrlimit, NLIMITS, BAD_PTR), EFAULT);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD_PTR), EFAULT);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD_PTR, NULL), EFAULT);
	/* The new limit is read before anything else is looked at. */
	CHECK_ERR(SYS4(SYS_prlimit64, NO_PID, RLIMIT_NOFILE, BAD_PTR, NULL),
		  EFAULT);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, NLIMITS, BAD_PTR, NULL), EFAULT);

	/* A process that does not exist. */
	CHECK_ERR(SYS4(SYS_prlimit64, NO_PID, RLIMIT_NOFILE, NULL, &l), ESRCH);
	CHECK_ERR(SYS4(SYS_prlimit64, -1, RLIMIT_NOFILE, NULL, &l), ESRCH);
}

static void check_write(void)
{
	struct rl orig, l, old;
	unsigned long hard;
	bool raised;
	long r;

	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_NOFILE, &orig), 0);

	/* Round trip through setrlimit and getrlimit. */
	l = (struct rl){256, 4096};
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_NOFILE, &l), 0);
	CHECK(limit_is(RLIMIT_NOFILE, 256, 4096));
	/* prlimit64 returns the old limit and sets the new one. */
	l = (struct rl){128, 2048};
	memset(&old, 0, sizeof(old));
	CHECK_EQ(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &l, &old), 0);
	CHECK(old.cur == 256 && old.max == 4096);
	CHECK(limit_is(RLIMIT_NOFILE, 128, 2048));
	/*
	 * Raising the hard limit needs CAP_SYS_RESOURCE, which root may lack
	 * (a container's root): either it works or nothing changes.
	 */
	l = (struct rl){512, 8192};
	r = SYS4(SYS_prlimit64, SYS0(SYS_getpid), RLIMIT_NOFILE, &l, NULL);
	CHECK(r == 0 || r == -EPERM);
	raised = r == 0;
	hard = raised ? 8192 : 2048;
	CHECK(limit_is(RLIMIT_NOFILE, raised ? 512 : 128, hard));

	/* soft > hard. */
	l = (struct rl){hard + 1, hard};
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_NOFILE, &l), EINVAL);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &l, &old), EINVAL);
	l = (struct rl){INF, 0};
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), EINVAL);
	/* No more open files than fs.nr_open allows, even for root. */
	l = (struct rl){1024, INF};
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_NOFILE, &l), EPERM);
	/* Failed calls change nothing. */
	CHECK(limit_is(RLIMIT_NOFILE, raised ? 512 : 128, hard));

	/* A bad old pointer fails the call after the new limit is set. */
	l = (struct rl){100, hard};
	CHECK_ERR(SYS4(SYS_prlimit64, 0, RLIMIT_NOFILE, &l, BAD_PTR), EFAULT);
	CHECK(limit_is(RLIMIT_NOFILE, 100, hard));
	/* Lowering both is always allowed. */
	l = (struct rl){64, 1024};
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_NOFILE, &l), 0);
	CHECK(limit_is(RLIMIT_NOFILE, 64, 1024));

	if (raised) {
		CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_NOFILE, &orig), 0);
		CHECK(limit_is(RLIMIT_NOFILE, orig.cur, orig.max));
	}

	/* Lower a hard limit and raise the soft one up to it. */
	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_CORE, &orig), 0);
	l = (struct rl){0, 1UL << 30};
	if (orig.max < l.max)
		l.max = orig.max;
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), 0);
	CHECK(limit_is(RLIMIT_CORE, 0, l.max));
	l.cur = l.max;
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), 0);
	CHECK(limit_is(RLIMIT_CORE, l.max, l.max));
	/* RLIM_INFINITY round trip, where the hard limit may be raised. */
	l = (struct rl){INF, INF};
	r = SYS2(SYS_setrlimit, RLIMIT_CORE, &l);
	CHECK_EQ(r, raised ? 0 : -EPERM);
	if (raised)
		CHECK(limit_is(RLIMIT_CORE, INF, INF));
}

/* Without root, hard limits only go down. */
static void check_unprivileged(void)
{
	struct rl l;

	l = (struct rl){0, 4096};
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), 0);
	CHECK_EQ(SYS3(SYS_setresuid, 1000, 1000, 1000), 0);
	CHECK_EQ(SYS0(SYS_geteuid), 1000);
	l = (struct rl){0, 8192};
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), EPERM);
	CHECK_ERR(SYS4(SYS_prlimit64, 0, RLIMIT_CORE, &l, NULL), EPERM);
	CHECK(limit_is(RLIMIT_CORE, 0, 4096));
	/* Lowering, and moving the soft limit under the hard one, are fine. */
	l = (struct rl){1024, 2048};
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), 0);
	CHECK(limit_is(RLIMIT_CORE, 1024, 2048));
	l = (struct rl){2048, 2048};
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), 0);
	l = (struct rl){0, 4096};
	CHECK_ERR(SYS2(SYS_setrlimit, RLIMIT_CORE, &l), EPERM);
	CHECK(limit_is(RLIMIT_CORE, 2048, 2048));
}

int main(void)
{
	check_read();
	check_write();
	check_unprivileged();
	return guest_done();
}
