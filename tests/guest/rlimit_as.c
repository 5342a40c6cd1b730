// SPDX-License-Identifier: Apache-2.0
/*
 * RLIMIT_AS (may_expand_vm): mmap, brk and mremap fail with ENOMEM (brk
 * keeps the old break) once the address space would outgrow the limit;
 * replacing a mapping with MAP_FIXED counts only what it adds. A huge
 * RLIMIT_STACK counts for nothing until the stack grows: a program
 * exec'd with a 9 GiB stack limit under a 1 GiB RLIMIT_AS maps 256 MiB.
 */
#include "guest.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Exec'd by main with RLIMIT_STACK 9 GiB and RLIMIT_AS 1 GiB. */
static int big_stack(void)
{
	long a = SYS6(SYS_mmap, 0, 256 * MIB, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(a > 0);
	CHECK(vm_size() < 512 * MIB);
	return guest_done();
}

static void check_big_stack(const char *self)
{
	long pid = SYS0(SYS_fork);
	int status;

	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit st = {9UL << 30, RLIM_INFINITY};
		struct rlimit as = {1UL << 30, RLIM_INFINITY};
		char *const argv[] = {(char *)self, "big-stack", NULL};

		if (setrlimit(RLIMIT_STACK, &st) || setrlimit(RLIMIT_AS, &as))
			SYS1(SYS_exit_group, 90);
		SYS3(SYS_execve, self, argv, environ);
		SYS1(SYS_exit_group, 91);
	}
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	unsigned long size, brk0;
	char *a, *b;

	if (argc > 1 && !strcmp(argv[1], "big-stack"))
		return big_stack();
	check_big_stack(argv[0]);
	size = vm_size();

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
