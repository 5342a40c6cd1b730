// SPDX-License-Identifier: Apache-2.0
/*
 * RLIMIT_AS (may_expand_vm): mmap, brk and mremap fail with ENOMEM (brk
 * keeps the old break) once the address space would outgrow the limit;
 * replacing a mapping with MAP_FIXED counts only what it adds.
 */
#include "guest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define MIB (1UL << 20)

/* VmSize from /proc/self/status, in bytes. */
static unsigned long vm_size(void)
{
	char buf[4096], *p;
	long fd = SYS3(SYS_open, "/proc/self/status", O_RDONLY, 0);
	long n;

	if (fd < 0)
		return 0;
	n = SYS3(SYS_read, fd, buf, sizeof(buf) - 1);
	SYS1(SYS_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "VmSize:");
	return p ? strtoul(p + 7, NULL, 10) * 1024 : 0;
}

int main(void)
{
	struct rlimit rl;
	unsigned long size = vm_size(), brk0;
	char *a, *b;

	CHECK(size > 0);
	rl.rlim_cur = size + 16 * MIB;
	rl.rlim_max = RLIM_INFINITY;
	CHECK_EQ(setrlimit(RLIMIT_AS, &rl), 0);

	/* Past the limit: ENOMEM; within it: fine. */
	CHECK_ERR(SYS6(SYS_mmap, 0, 64 * MIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		  ENOMEM);
	a = (char *)SYS6(SYS_mmap, 0, 8 * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)a > 0);
	/* Replacing it whole adds nothing. */
	b = (char *)SYS6(SYS_mmap, (long)a, 8 * MIB, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK_EQ((long)b, (long)a);
	/* Growing it past the limit: ENOMEM, in place or moved. */
	CHECK_ERR(
	    SYS5(SYS_mremap, (long)a, 8 * MIB, 32 * MIB, MREMAP_MAYMOVE, 0),
	    ENOMEM);
	/* brk: the old break stays. */
	brk0 = (unsigned long)SYS1(SYS_brk, 0);
	CHECK_EQ((unsigned long)SYS1(SYS_brk, brk0 + 64 * MIB), brk0);
	CHECK_EQ((unsigned long)SYS1(SYS_brk, brk0 + 1 * MIB), brk0 + 1 * MIB);
	CHECK_EQ((unsigned long)SYS1(SYS_brk, brk0), brk0);
	/* Freed space counts no more. */
	CHECK_EQ(SYS2(SYS_munmap, (long)a, 8 * MIB), 0);
	a = (char *)SYS6(SYS_mmap, 0, 14 * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)a > 0);
	/* No limit: anything goes again. */
	rl.rlim_cur = RLIM_INFINITY;
	CHECK_EQ(setrlimit(RLIMIT_AS, &rl), 0);
	b = (char *)SYS6(SYS_mmap, 0, 64 * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK((long)b > 0);
	return guest_done();
}
