// SPDX-License-Identifier: Apache-2.0
/* sched_getaffinity, /proc/self/status' Cpus_allowed_list, sched_yield. */
#include "guest.h"

#include <stdint.h>

#define BAD_PTR ((void *)1)
#define NO_PID	0x3fffffff

static int popcount(const uint8_t *mask, long len)
{
	int n = 0;

	for (long i = 0; i < len; i++)
		n += __builtin_popcount(mask[i]);
	return n;
}

/*
 * /proc/self/status' Cpus_allowed_list: the CPUs of mask (n bytes), as
 * the host numbers them, in ranges ("0-3,5").
 */
static void check_status_cpus(const uint8_t *mask, long n)
{
	char line[4096], want[4096] = "";
	size_t len = 0;
	int found = 0, first = -1;
	FILE *f;

	for (int i = 0; i <= n * 8; i++) {
		if (i < n * 8 && (mask[i / 8] >> (i % 8) & 1)) {
			if (first < 0)
				first = i;
			continue;
		}
		if (first >= 0 && len < sizeof(want) - 32)
			len += (size_t)snprintf(want + len, sizeof(want) - len,
						first == i - 1 ? "%s%d"
							       : "%s%d-%d",
						len ? "," : "", first, i - 1);
		first = -1;
	}
	f = fopen("/proc/self/status", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cpus_allowed_list:\t", 19)) {
			line[strcspn(line, "\n")] = '\0';
			found = 1;
			if (strcmp(line + 19, want))
				guest_fail(__FILE__, __LINE__,
					   "Cpus_allowed_list '%s', want '%s'",
					   line + 19, want);
		}
	fclose(f);
	CHECK(found);
}

int main(void)
{
	uint8_t mask[128], mask2[128];
	long pid = SYS0(SYS_getpid);
	long n;
	int cpus;

	/* The bytes of the kernel's cpumask, capped at the buffer's size. */
	memset(mask, 0xa5, sizeof(mask));
	n = SYS3(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	CHECK(n > 0);
	CHECK(n <= (long)sizeof(mask));
	CHECK_EQ(n % 8, 0);
	if (n <= 0 || n > (long)sizeof(mask))
		return guest_done();
	cpus = popcount(mask, n);
	/* At least one CPU; bytes past the returned size are untouched. */
	CHECK(cpus >= 1);
	for (long i = n; i < (long)sizeof(mask); i++)
		CHECK_EQ(mask[i], 0xa5);

	/* The caller by pid and by tid: the same mask. */
	memset(mask2, 0, sizeof(mask2));
	CHECK_EQ(SYS3(SYS_sched_getaffinity, pid, sizeof(mask2), mask2), n);
	CHECK(memcmp(mask, mask2, n) == 0);
	memset(mask2, 0, sizeof(mask2));
	CHECK_EQ(
	    SYS3(SYS_sched_getaffinity, SYS0(SYS_gettid), sizeof(mask2), mask2),
	    n);
	CHECK(memcmp(mask, mask2, n) == 0);
	/* A smaller buffer that still holds every possible CPU. */
	if (n == 8) {
		memset(mask2, 0, sizeof(mask2));
		CHECK_EQ(SYS3(SYS_sched_getaffinity, 0, 8, mask2), 8);
		CHECK(memcmp(mask, mask2, 8) == 0);
	}
	/* The length is an unsigned int: the upper half is ignored. */
	CHECK_EQ(
	    SYS3(SYS_sched_getaffinity, 0, (1UL << 32) | sizeof(mask2), mask2),
	    n);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 1UL << 32, mask2), EINVAL);

	/* Lengths: a multiple of sizeof(long), enough for every CPU. */
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 0, mask2), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 4, mask2), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 7, mask2), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 12, mask2), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 4097, mask2), EINVAL);
	/* The length is checked first. */
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, 4, BAD_PTR), EINVAL);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, NO_PID, 4, mask2), EINVAL);
	/* Bad pointers, and a task that does not exist. */
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, sizeof(mask2), BAD_PTR),
		  EFAULT);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, 0, sizeof(mask2), NULL), EFAULT);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, NO_PID, sizeof(mask2), mask2),
		  ESRCH);
	CHECK_ERR(SYS3(SYS_sched_getaffinity, -1, sizeof(mask2), mask2), ESRCH);

	/* /proc/self/status says the same, and follows sched_setaffinity. */
	check_status_cpus(mask, n);
	{
		long lowest = 0;

		while (!(mask[lowest / 8] >> (lowest % 8) & 1))
			lowest++;
		memset(mask2, 0, sizeof(mask2));
		mask2[lowest / 8] = (uint8_t)(1U << (lowest % 8));
		CHECK_EQ(SYS3(SYS_sched_setaffinity, 0, n, mask2), 0);
		check_status_cpus(mask2, n);
	}

	/* sched_yield always succeeds. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(SYS0(SYS_sched_yield), 0);
	return guest_done();
}
