// SPDX-License-Identifier: Apache-2.0
/* mlock and friends, mincore, personality and membarrier. */
#include "guest.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PG 4096L

/* /proc/self/status's VmLck in kB. */
static long vmlck(void)
{
	char buf[8192], *s;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	s = strstr(buf, "VmLck:");
	return s ? strtol(s + 6, NULL, 10) : -1;
}

static void test_mincore(void)
{
	unsigned char vec[8];
	char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	m[PG] = 1;
	m[3 * PG + 5] = 1;
	memset(vec, 0xa5, sizeof(vec));
	CHECK_EQ(SYS3(SYS_mincore, m, 4 * PG, vec), 0);
	CHECK_EQ(vec[0], 0);
	CHECK_EQ(vec[1], 1);
	CHECK_EQ(vec[2], 0);
	CHECK_EQ(vec[3], 1);
	CHECK_EQ(vec[4], 0xa5);
	/* A partial page counts; length 0 does nothing. */
	memset(vec, 0xa5, sizeof(vec));
	CHECK_EQ(SYS3(SYS_mincore, m + PG, PG + 1, vec), 0);
	CHECK_EQ(vec[0], 1);
	CHECK_EQ(vec[1], 0);
	CHECK_EQ(vec[2], 0xa5);
	CHECK_EQ(SYS3(SYS_mincore, m, 0, NULL), 0);
	CHECK_ERR(SYS3(SYS_mincore, m + 1, PG, vec), EINVAL);
	CHECK_ERR(SYS3(SYS_mincore, m, PG, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_mincore, m, 1L << 47, vec), ENOMEM);
	/* A hole: ENOMEM, after the pages before it are written. */
	CHECK_EQ(munmap(m + 2 * PG, PG), 0);
	memset(vec, 0xa5, sizeof(vec));
	CHECK_ERR(SYS3(SYS_mincore, m, 4 * PG, vec), ENOMEM);
	CHECK_EQ(vec[1], 1);
	CHECK_EQ(vec[2], 0xa5);
	CHECK_ERR(SYS3(SYS_mincore, m + 2 * PG, PG, vec), ENOMEM);
	munmap(m, 4 * PG);
}

static void test_mlock(void)
{
	unsigned char vec[8];
	long base = vmlck();
	char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	/* Locked pages are filled in and counted. */
	CHECK_EQ(SYS2(SYS_mlock, m + 1, PG), 0);
	CHECK_EQ(vmlck(), base + 8);
	CHECK_EQ(SYS3(SYS_mincore, m, 4 * PG, vec), 0);
	CHECK_EQ(vec[0], 1);
	CHECK_EQ(vec[1], 1);
	CHECK_EQ(vec[2], 0);
	/* Locking again counts once; munlock of part. */
	CHECK_EQ(SYS2(SYS_mlock, m, 2 * PG), 0);
	CHECK_EQ(vmlck(), base + 8);
	CHECK_EQ(SYS2(SYS_munlock, m, PG), 0);
	CHECK_EQ(vmlck(), base + 4);
	CHECK_EQ(SYS2(SYS_munlock, m, 4 * PG), 0);
	CHECK_EQ(vmlck(), base);
	/* The length wraps to 0; 0 does nothing. */
	CHECK_EQ(SYS2(SYS_mlock, m, -1L), 0);
	CHECK_EQ(SYS2(SYS_mlock, m, 0), 0);
	CHECK_EQ(vmlck(), base);
	/* mlock2: only MLOCK_ONFAULT, which fills nothing in. */
	CHECK_ERR(SYS3(SYS_mlock2, m, PG, 2), EINVAL);
	CHECK_EQ(SYS3(SYS_mlock2, m + 2 * PG, PG, 1), 0);
	CHECK_EQ(vmlck(), base + 4);
	CHECK_EQ(SYS3(SYS_mincore, m + 2 * PG, PG, vec), 0);
	CHECK_EQ(vec[0], 0);
	CHECK_EQ(SYS2(SYS_munlock, m, 4 * PG), 0);
	/* Unmapped: ENOMEM; a hole after a mapped part locks that part. */
	CHECK_ERR(SYS2(SYS_mlock, 0, PG), ENOMEM);
	CHECK_ERR(SYS2(SYS_munlock, 0, PG), ENOMEM);
	CHECK_EQ(munmap(m + 3 * PG, PG), 0);
	CHECK_ERR(SYS2(SYS_mlock, m + 2 * PG, 2 * PG), ENOMEM);
	CHECK_EQ(vmlck(), base + 4);
	CHECK_ERR(SYS2(SYS_munlock, m, 4 * PG), ENOMEM);
	CHECK_EQ(vmlck(), base);

	/* mlockall's flags. */
	CHECK_ERR(SYS1(SYS_mlockall, 0), EINVAL);
	CHECK_ERR(SYS1(SYS_mlockall, MCL_ONFAULT), EINVAL);
	CHECK_ERR(SYS1(SYS_mlockall, 8), EINVAL);
	/* MCL_FUTURE: new mappings come locked; munlockall ends it. */
	CHECK_EQ(SYS1(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT), 0);
	CHECK_EQ(vmlck(), base);
	{
		char *n = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK_EQ(vmlck(), base + 4);
		CHECK_EQ(SYS0(SYS_munlockall), 0);
		CHECK_EQ(vmlck(), 0);
		munmap(n, PG);
	}
	munmap(m, 3 * PG);
}

/* Without CAP_IPC_LOCK, RLIMIT_MEMLOCK rules (if we may drop it). */
static void test_limit(void)
{
	struct {
		uint32_t version;
		int pid;
	} h = {0x20080522, 0};
	struct {
		uint32_t e, p, i;
	} d[2];
	struct rlimit rl = {PG, PG};
	char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || SYS2(SYS_capget, &h, d))
		return;
	d[0].e &= ~(1u << 14);
	CHECK_EQ(SYS2(SYS_capset, &h, d), 0);
	CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	CHECK_EQ(SYS2(SYS_mlock, m, PG), 0);
	CHECK_EQ(SYS2(SYS_mlock, m, PG), 0); /* already counted */
	CHECK_ERR(SYS2(SYS_mlock, m, 2 * PG), ENOMEM);
	CHECK_ERR(SYS1(SYS_mlockall, MCL_CURRENT), ENOMEM);
	CHECK_EQ(SYS2(SYS_munlock, m, PG), 0);
	rl.rlim_cur = rl.rlim_max = 0;
	CHECK_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	CHECK_ERR(SYS2(SYS_mlock, m, PG), EPERM);
	CHECK_ERR(SYS1(SYS_mlockall, MCL_CURRENT), EPERM);
	CHECK_EQ(SYS2(SYS_munlock, m, PG), 0);
	CHECK_EQ(SYS0(SYS_munlockall), 0);
}

static void test_personality(void)
{
	CHECK_EQ(SYS1(SYS_personality, 0xffffffff), 0);
	CHECK_EQ(SYS1(SYS_personality, 8 /* PER_LINUX32 */), 0);
	CHECK_EQ(SYS1(SYS_personality, 0xffffffff), 8);
	CHECK_EQ(SYS1(SYS_personality, 0x12345678), 8);
	CHECK_EQ(SYS1(SYS_personality, 0), 0x12345678);
	CHECK_EQ(SYS1(SYS_personality, 0xffffffff), 0);
}

static void test_membarrier(void)
{
	long q = SYS3(SYS_membarrier, 0, 0, 0);

	/* At least the private expedited commands. */
	CHECK(q > 0 && (q & 0x18) == 0x18);
	CHECK_ERR(SYS3(SYS_membarrier, 0, 1, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_membarrier, 1 << 12, 0, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_membarrier, 8, 0, 0), EPERM);
	if (q & 0x200)
		CHECK_EQ(SYS3(SYS_membarrier, 0x200, 0, 0), 0);
	CHECK_EQ(SYS3(SYS_membarrier, 16, 0, 0), 0);
	CHECK_EQ(SYS3(SYS_membarrier, 8, 0, 0), 0);
	CHECK_ERR(SYS3(SYS_membarrier, 8, 1, 0), EINVAL);
	if (q & 0x200)
		CHECK_EQ(SYS3(SYS_membarrier, 0x200, 0, 0), 16);
	CHECK_EQ(SYS3(SYS_membarrier, 2, 0, 0), 0);
	if (q & 0x40) {
		CHECK_ERR(SYS3(SYS_membarrier, 0x20, 0, 0), EPERM);
		CHECK_EQ(SYS3(SYS_membarrier, 0x40, 0, 0), 0);
		CHECK_EQ(SYS3(SYS_membarrier, 0x20, 0, 0), 0);
	}
}

int main(void)
{
	test_personality();
	test_membarrier();
	test_mincore();
	test_mlock();
	test_limit();
	return guest_done();
}
