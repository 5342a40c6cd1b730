// SPDX-License-Identifier: Apache-2.0
/*
 * uname, sysinfo, getrandom, umask and the robust futex list: the values
 * they report and their errors for bad flags, sizes and pointers.
 */
#include "guest.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#define BAD_PTR	    ((void *)1)
#define KERNEL_ADDR ((void *)0xffff800000000000UL)
#define NO_PID	    0x3fffffff

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

static bool terminated(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

static void check_uname(void)
{
	struct utsname u, u2;

	memset(&u, 0xff, sizeof(u));
	CHECK_EQ(SYS1(SYS_uname, &u), 0);
	CHECK(terminated(u.sysname, sizeof(u.sysname)));
	CHECK(terminated(u.nodename, sizeof(u.nodename)));
	CHECK(terminated(u.release, sizeof(u.release)));
	CHECK(terminated(u.version, sizeof(u.version)));
	CHECK(terminated(u.machine, sizeof(u.machine)));
	CHECK(terminated(u.domainname, sizeof(u.domainname)));
	CHECK(strcmp(u.sysname, "Linux") == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
	/* A release glibc accepts: major.minor... */
	CHECK(u.release[0] >= '3' && u.release[0] <= '9');
	CHECK(strchr(u.release, '.') != NULL);
	CHECK(u.version[0] != '\0');
	CHECK(u.nodename[0] != '\0');
	/* Stable. */
	CHECK_EQ(SYS1(SYS_uname, &u2), 0);
	CHECK(memcmp(&u, &u2, sizeof(u)) == 0);

	CHECK_ERR(SYS1(SYS_uname, NULL), EFAULT);
	CHECK_ERR(SYS1(SYS_uname, BAD_PTR), EFAULT);
	CHECK_ERR(SYS1(SYS_uname, KERNEL_ADDR), EFAULT);
}

static void check_sysinfo(void)
{
	struct sysinfo si;

	memset(&si, 0xff, sizeof(si));
	CHECK_EQ(SYS1(SYS_sysinfo, &si), 0);
	CHECK(si.uptime > 0);
	CHECK(si.totalram > 0);
	CHECK(si.freeram <= si.totalram);
	CHECK(si.sharedram <= si.totalram);
	CHECK(si.bufferram <= si.totalram);
	CHECK(si.freeswap <= si.totalswap);
	/* 64-bit: byte counts, so the unit is 1. */
	CHECK_EQ(si.mem_unit, 1);
	CHECK(si.procs >= 1);
	/* Memory of at least 16 MiB and less than 64 TiB. */
	CHECK(si.totalram >= (16UL << 20) && si.totalram < (64UL << 40));

	CHECK_ERR(SYS1(SYS_sysinfo, NULL), EFAULT);
	CHECK_ERR(SYS1(SYS_sysinfo, BAD_PTR), EFAULT);
}

static int count_differing(const uint8_t *a, const uint8_t *b, size_t n)
{
	int d = 0;

	for (size_t i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

static void check_getrandom(void)
{
	uint8_t a[64], b[64], zero[64], big[4096];
	uint8_t *page;
	long pg = 4096;
	bool all_zero;

	memset(zero, 0, sizeof(zero));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CHECK_EQ(SYS3(SYS_getrandom, a, sizeof(a), 0), sizeof(a));
	CHECK_EQ(SYS3(SYS_getrandom, b, sizeof(b), 0), sizeof(b));
	/* 64 random bytes: two draws share a handful at most. */
	CHECK(count_differing(a, b, sizeof(a)) > 48);
	CHECK(count_differing(a, zero, sizeof(a)) > 48);
	CHECK_EQ(SYS3(SYS_getrandom, a, 16, GRND_NONBLOCK), 16);
	CHECK_EQ(SYS3(SYS_getrandom, a, 16, GRND_INSECURE), 16);
	CHECK_EQ(SYS3(SYS_getrandom, a, 16, GRND_RANDOM | GRND_NONBLOCK), 16);
	CHECK_EQ(SYS3(SYS_getrandom, a, 1, 0), 1);
	/* Larger requests are filled whole. */
	memset(big, 0, sizeof(big));
	CHECK_EQ(SYS3(SYS_getrandom, big, sizeof(big), 0), sizeof(big));
	all_zero = true;
	for (size_t i = sizeof(big) - 64; i < sizeof(big); i++)
		if (big[i])
			all_zero = false;
	CHECK(!all_zero);
	/* Nothing to do: any pointer. */
	CHECK_EQ(SYS3(SYS_getrandom, NULL, 0, 0), 0);
	CHECK_EQ(SYS3(SYS_getrandom, BAD_PTR, 0, 0), 0);

	/* Flags: unknown bits, and INSECURE with RANDOM. */
	CHECK_ERR(SYS3(SYS_getrandom, a, 16, 0x8), EINVAL);
	CHECK_ERR(SYS3(SYS_getrandom, a, 16, 0x80000000), EINVAL);
	CHECK_ERR(SYS3(SYS_getrandom, a, 16, GRND_INSECURE | GRND_RANDOM),
		  EINVAL);
	CHECK_ERR(SYS3(SYS_getrandom, BAD_PTR, 16, 0x8), EINVAL);

	/* Bad buffers. */
	CHECK_ERR(SYS3(SYS_getrandom, BAD_PTR, 16, 0), EFAULT);
	CHECK_ERR(SYS3(SYS_getrandom, NULL, 16, GRND_NONBLOCK), EFAULT);
	CHECK_ERR(SYS3(SYS_getrandom, KERNEL_ADDR, 16, 0), EFAULT);
	/* The range is checked whole before anything is written. */
	CHECK_ERR(SYS3(SYS_getrandom, 0x7ffffffff000UL - 8, 16, 0), EFAULT);

	/* A buffer running into an unmapped page: the bytes that fit. */
	page = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	if (page == MAP_FAILED)
		return;
	CHECK_EQ(munmap(page + pg, pg), 0);
	CHECK_EQ(SYS3(SYS_getrandom, page + pg - 10, 20, 0), 10);
	CHECK_EQ(SYS3(SYS_getrandom, page + pg - 300, 1000, 0), 300);
	CHECK_EQ(SYS3(SYS_getrandom, page, 2 * pg, 0), pg);
	CHECK_ERR(SYS3(SYS_getrandom, page + pg, 16, 0), EFAULT);
	/* A read-only page cannot be written either. */
	CHECK_EQ(mprotect(page, pg, PROT_READ), 0);
	CHECK_ERR(SYS3(SYS_getrandom, page, 16, 0), EFAULT);
	munmap(page, pg);
}

static void check_umask(void)
{
	long old = SYS1(SYS_umask, 022);

	CHECK(old >= 0 && old <= 0777);
	/* Each call returns the mask before it. */
	CHECK_EQ(SYS1(SYS_umask, 077), 022);
	CHECK_EQ(SYS1(SYS_umask, 0), 077);
	/* Only the permission bits are kept. */
	CHECK_EQ(SYS1(SYS_umask, 07777), 0);
	CHECK_EQ(SYS1(SYS_umask, 0xffffffff), 0777);
	CHECK_EQ(SYS1(SYS_umask, 01022), 0777);
	CHECK_EQ(SYS1(SYS_umask, old), 022);
}

static void check_robust_list(void)
{
	uint64_t saved = 0, head[3] = {0, 0, 0}, got = 0, len = 0;
	long pid = SYS0(SYS_getpid);

	/* glibc registered its own list at startup: keep it to restore. */
	CHECK_EQ(SYS3(SYS_get_robust_list, 0, &saved, &len), 0);
	CHECK_EQ(len, 24);

	head[0] = (uint64_t)head; /* an empty list points to itself */
	CHECK_EQ(SYS2(SYS_set_robust_list, head, 24), 0);
	len = 0;
	CHECK_EQ(SYS3(SYS_get_robust_list, 0, &got, &len), 0);
	CHECK_EQ(got, (uint64_t)head);
	CHECK_EQ(len, 24);
	got = 0;
	CHECK_EQ(SYS3(SYS_get_robust_list, pid, &got, &len), 0);
	CHECK_EQ(got, (uint64_t)head);

	/* The length must be that of struct robust_list_head. */
	CHECK_ERR(SYS2(SYS_set_robust_list, head, 23), EINVAL);
	CHECK_ERR(SYS2(SYS_set_robust_list, head, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_set_robust_list, head, 48), EINVAL);
	/* The head is not read when set: any pointer is taken. */
	CHECK_EQ(SYS2(SYS_set_robust_list, BAD_PTR, 24), 0);
	CHECK_EQ(SYS3(SYS_get_robust_list, 0, &got, &len), 0);
	CHECK_EQ(got, 1);

	CHECK_ERR(SYS3(SYS_get_robust_list, NO_PID, &got, &len), ESRCH);
	CHECK_ERR(SYS3(SYS_get_robust_list, 0, &got, BAD_PTR), EFAULT);
	CHECK_ERR(SYS3(SYS_get_robust_list, 0, BAD_PTR, &len), EFAULT);

	CHECK_EQ(SYS2(SYS_set_robust_list, saved, 24), 0);
	CHECK_EQ(SYS3(SYS_get_robust_list, 0, &got, &len), 0);
	CHECK_EQ(got, saved);
}

int main(void)
{
	check_uname();
	check_sysinfo();
	check_getrandom();
	check_umask();
	check_robust_list();
	return guest_done();
}
