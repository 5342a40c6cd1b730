// SPDX-License-Identifier: Apache-2.0
/*
 * personality(2): 0xffffffff asks, anything else is kept as given and
 * inherited by fork; READ_IMPLIES_EXEC makes readable mappings and
 * mprotects executable, and a 64-bit exec clears it (the other flags
 * stay); UNAME26 makes uname's release 2.6.(60 + minor); linux32's
 * machine is i686.
 */
#include "guest.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define PG 4096

static unsigned long persona(unsigned long p)
{
	return (unsigned long)SYS1(SYS_personality, p);
}

/* The permissions maps shows for the mapping at addr, or "". */
static void perms_at(void *addr, char out[5])
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 &&
		    lo <= (uintptr_t)addr && (uintptr_t)addr < hi)
			memcpy(out, p, 5);
	}
	if (f)
		fclose(f);
}

static void test_values(void)
{
	unsigned long was = persona(0xffffffff);
	int status = 0;
	pid_t pid;

	CHECK_EQ(was, 0);
	CHECK_EQ(persona(0x12345678), 0);
	CHECK_EQ(persona(0xffffffff), 0x12345678);
	CHECK_EQ(persona(PER_LINUX | ADDR_NO_RANDOMIZE), 0x12345678);
	/* A child has it. */
	pid = fork();
	if (pid == 0)
		_exit(persona(0xffffffff) == (PER_LINUX | ADDR_NO_RANDOMIZE)
			  ? 0
			  : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	persona(PER_LINUX);
}

static void test_uname(void)
{
	struct utsname plain, u;
	long major, minor;
	char rest[65] = "", want[100];

	CHECK_EQ(SYS1(SYS_uname, &plain), 0);
	CHECK(sscanf(plain.release, "%ld.%ld", &major, &minor) == 2);
	persona(PER_LINUX | UNAME26);
	CHECK_EQ(SYS1(SYS_uname, &u), 0);
	/* What follows the numbers of the real release stays. */
	{
		const char *p = plain.release;
		int dots = 0;

		for (; *p; p++) {
			if (*p == '.' && ++dots >= 3)
				break;
			if ((*p < '0' || *p > '9') && *p != '.')
				break;
		}
		snprintf(rest, sizeof(rest), "%s", p);
	}
	snprintf(want, sizeof(want), "2.6.%ld%s", minor + 60, rest);
	CHECK(!strcmp(u.release, want));
	CHECK(!strcmp(u.machine, plain.machine));
	CHECK(!strcmp(u.version, plain.version));
	persona(PER_LINUX32);
	CHECK_EQ(SYS1(SYS_uname, &u), 0);
	CHECK(!strcmp(u.machine, "i686"));
	CHECK(!strcmp(u.release, plain.release));
	persona(PER_LINUX);
	CHECK_EQ(SYS1(SYS_uname, &u), 0);
	CHECK(!strcmp(u.machine, "x86_64"));
}

static void test_read_implies_exec(void)
{
	char p[5];
	char *a, *b;

	persona(PER_LINUX | READ_IMPLIES_EXEC);
	a = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	perms_at(a, p);
	CHECK(!strcmp(p, "r-xp"));
	b = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED);
	perms_at(b, p);
	CHECK(!strcmp(p, "---p"));
	CHECK_EQ(mprotect(b, PG, PROT_READ | PROT_WRITE), 0);
	perms_at(b, p);
	CHECK(!strcmp(p, "rwxp"));
	persona(PER_LINUX);
	CHECK_EQ(mprotect(b, PG, PROT_READ), 0);
	perms_at(b, p);
	CHECK(!strcmp(p, "r--p"));
	munmap(a, PG);
	munmap(b, PG);
}

/* Run again by exec, with READ_IMPLIES_EXEC and UNAME26 set before. */
static int after_exec(void)
{
	unsigned long p = persona(0xffffffff);

	CHECK_EQ(p, PER_LINUX | UNAME26);
	return guest_done();
}

int main(int argc, char **argv)
{
	static char self[] = "/proc/self/exe";
	char *args[] = {argv[0], "exec", NULL};
	int status = 0;
	pid_t pid;

	if (argc == 2 && !strcmp(argv[1], "exec"))
		return after_exec();
	test_values();
	test_uname();
	test_read_implies_exec();
	/* exec keeps the personality but READ_IMPLIES_EXEC. */
	pid = fork();
	if (pid == 0) {
		persona(PER_LINUX | UNAME26 | READ_IMPLIES_EXEC);
		execv(self, args);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return guest_done();
}
