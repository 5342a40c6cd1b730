/* SPDX-License-Identifier: Apache-2.0 */
/* prctl: the options every C library and runtime calls. */
#include "guest.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>

static long prctl5(long opt, long a2, long a3, long a4, long a5)
{
	return SYS5(SYS_prctl, opt, a2, a3, a4, a5);
}

/* The contents of /proc/self/FILE, NUL-terminated. */
static void read_proc(const char *file, char *buf, size_t len)
{
	char path[64];
	long fd, n;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	fd = SYS2(SYS_open, path, O_RDONLY);
	n = fd < 0 ? 0 : SYS3(SYS_read, fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	SYS1(SYS_close, fd);
}

static void test_name(void)
{
	char name[32], buf[4096];

	memset(name, 'x', sizeof(name));
	CHECK_EQ(prctl5(PR_GET_NAME, (long)name, 0, 0, 0), 0);
	CHECK_EQ(strcmp(name, "prctl"), 0);
	/* Cut to 15 bytes; the other arguments are ignored. */
	CHECK_EQ(
	    prctl5(PR_SET_NAME, (long)"abcdefghijklmnopqrstuvwxyz", 1, 1, 1),
	    0);
	memset(name, 'x', sizeof(name));
	CHECK_EQ(prctl5(PR_GET_NAME, (long)name, 0, 0, 0), 0);
	CHECK_EQ(strcmp(name, "abcdefghijklmno"), 0);
	CHECK_EQ(name[16], 'x'); /* 16 bytes written */
	read_proc("comm", buf, sizeof(buf));
	CHECK_EQ(strcmp(buf, "abcdefghijklmno\n"), 0);
	read_proc("status", buf, sizeof(buf));
	CHECK(strncmp(buf, "Name:\tabcdefghijklmno\n", 22) == 0);
	CHECK_ERR(prctl5(PR_SET_NAME, 8, 0, 0, 0), EFAULT);
	CHECK_ERR(prctl5(PR_GET_NAME, 8, 0, 0, 0), EFAULT);
	CHECK_EQ(prctl5(PR_SET_NAME, (long)"prctl", 0, 0, 0), 0);
}

static void test_flags(void)
{
	int v = -1;
	uint64_t addr = 1;

	CHECK_ERR(prctl5(PR_SET_PDEATHSIG, 65, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_PDEATHSIG, -1, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl5(PR_SET_PDEATHSIG, 64, 5, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_PDEATHSIG, (long)&v, 0, 0, 0), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(prctl5(PR_SET_PDEATHSIG, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_PDEATHSIG, (long)&v, 0, 0, 0), 0);
	CHECK_EQ(v, 0);
	CHECK_ERR(prctl5(PR_GET_PDEATHSIG, 8, 0, 0, 0), EFAULT);

	CHECK_EQ(prctl5(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	CHECK_ERR(prctl5(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl5(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_DUMPABLE, 1, 2, 3, 4), 0);
	CHECK_EQ(prctl5(PR_SET_DUMPABLE, 1, 9, 9, 9), 0);
	CHECK_EQ(prctl5(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);

	v = -1;
	CHECK_EQ(prctl5(PR_GET_CHILD_SUBREAPER, (long)&v, 0, 0, 0), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(prctl5(PR_SET_CHILD_SUBREAPER, 5, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_CHILD_SUBREAPER, (long)&v, 0, 0, 0), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(prctl5(PR_SET_CHILD_SUBREAPER, 0, 7, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_CHILD_SUBREAPER, (long)&v, 0, 0, 0), 0);
	CHECK_EQ(v, 0);
	CHECK_ERR(prctl5(PR_GET_CHILD_SUBREAPER, 8, 0, 0, 0), EFAULT);

	CHECK_EQ(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);
	CHECK_EQ(prctl5(PR_SET_TIMERSLACK, 12345, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 12345);
	CHECK_EQ(prctl5(PR_SET_TIMERSLACK, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_TIMERSLACK, 0, 0, 0, 0), 50000);

	CHECK_EQ(prctl5(PR_GET_TID_ADDRESS, (long)&addr, 0, 0, 0), 0);
	CHECK(addr != 1);
	CHECK_ERR(prctl5(PR_GET_TID_ADDRESS, 8, 0, 0, 0), EFAULT);
	/* set_tid_address's pointer is what PR_GET_TID_ADDRESS reads. */
	{
		static int word;
		uint64_t old = addr;

		CHECK_OK(SYS1(SYS_set_tid_address, &word));
		CHECK_EQ(prctl5(PR_GET_TID_ADDRESS, (long)&addr, 0, 0, 0), 0);
		CHECK_EQ(addr, (uint64_t)&word);
		SYS1(SYS_set_tid_address, old);
	}

	CHECK_EQ(prctl5(PR_GET_TIMING, 0, 0, 0, 0), PR_TIMING_STATISTICAL);
	CHECK_EQ(prctl5(PR_SET_TIMING, PR_TIMING_STATISTICAL, 0, 0, 0), 0);
	CHECK_ERR(prctl5(PR_SET_TIMING, PR_TIMING_TIMESTAMP, 0, 0, 0), EINVAL);

	CHECK_EQ(prctl5(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	CHECK_ERR(prctl5(PR_MCE_KILL_GET, 1, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl5(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0),
		 0);
	CHECK_EQ(prctl5(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	CHECK_ERR(prctl5(PR_MCE_KILL, PR_MCE_KILL_SET, 9, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_MCE_KILL, 9, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl5(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
}

static void test_caps(void)
{
	char buf[4096], *p;

	CHECK_EQ(prctl5(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_KEEPCAPS, 1, 0, 0, 0), 0);
	CHECK_ERR(prctl5(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	CHECK_EQ(prctl5(PR_SET_KEEPCAPS, 1, 1, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_KEEPCAPS, 0, 0, 0, 0), 1);
	/* Keepcaps is SECBIT_KEEP_CAPS. */
	CHECK_EQ(prctl5(PR_GET_SECUREBITS, 0, 0, 0, 0), 1 << 4);
	CHECK_EQ(prctl5(PR_SET_KEEPCAPS, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);

	CHECK_EQ(prctl5(PR_CAPBSET_READ, 0, 0, 0, 0), 1);
	/* cap_last_cap names the highest capability the bounding set has
	 * (runtimes read it to know which capabilities exist). */
	read_proc("../sys/kernel/cap_last_cap", buf, sizeof(buf));
	CHECK_EQ(strtol(buf, NULL, 10), 40);
	CHECK_ERR(prctl5(PR_CAPBSET_READ, 41, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_CAPBSET_READ, -1, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_CAPBSET_READ, 0x100000000L, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_CAPBSET_DROP, 41, 0, 0, 0), EINVAL);
	/* Root here (natively and in the sandbox) holds CAP_SETPCAP. */
	CHECK_EQ(prctl5(PR_CAPBSET_READ, 27, 0, 0, 0), 1);
	CHECK_EQ(prctl5(PR_CAPBSET_DROP, 27, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_CAPBSET_READ, 27, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_CAPBSET_DROP, 27, 0, 0, 0), 0);
	read_proc("status", buf, sizeof(buf));
	p = strstr(buf, "CapBnd:\t");
	CHECK(p != NULL);
	if (p)
		CHECK_EQ(strtoull(p + 8, NULL, 16) & (1ULL << 27), 0);
}

/* capset's inheritable set changed by set (bits added) and clear. */
static long set_inheritable(uint64_t set, uint64_t clear)
{
	struct {
		uint32_t version;
		int pid;
	} h = {0x20080522, 0};
	struct {
		uint32_t e, p, i;
	} d[2];
	uint64_t i;

	if (SYS2(SYS_capget, &h, d))
		return -1;
	i = ((d[0].i | (uint64_t)d[1].i << 32) | set) & ~clear;
	d[0].i = (uint32_t)i;
	d[1].i = (uint32_t)(i >> 32);
	return SYS2(SYS_capset, &h, d);
}

/* PR_CAP_AMBIENT: only what is permitted and inheritable is raised, and
 * it goes when either set loses it. */
static void test_ambient(void)
{
	const long kill = 5, net_raw = 13;
	char buf[4096], *p;

	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), 0);
	CHECK_ERR(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0),
		  EINVAL);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, kill, 0, 0), 0);
	CHECK_ERR(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41, 0, 0),
		  EINVAL);
	CHECK_ERR(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kill, 1, 0),
		  EINVAL);
	CHECK_ERR(prctl5(PR_CAP_AMBIENT, 9, kill, 0, 0), EINVAL);
	CHECK_EQ(set_inheritable(0, 1UL << kill), 0);
	CHECK_ERR(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kill, 0, 0),
		  EPERM);
	CHECK_EQ(set_inheritable(1UL << kill | 1UL << net_raw, 0), 0);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kill, 0, 0), 0);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, net_raw, 0, 0),
		 0);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, kill, 0, 0), 1);
	read_proc("status", buf, sizeof(buf));
	p = strstr(buf, "CapAmb:\t");
	CHECK(p != NULL);
	if (p)
		CHECK_EQ(strtoull(p + 8, NULL, 16),
			 1ULL << kill | 1ULL << net_raw);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, kill, 0, 0), 0);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, kill, 0, 0), 0);
	/* Dropping it from the inheritable set drops it from ambient. */
	CHECK_EQ(set_inheritable(0, 1UL << net_raw), 0);
	CHECK_EQ(prctl5(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, net_raw, 0, 0),
		 0);
	CHECK_EQ(set_inheritable(0, 1UL << kill), 0);
}

static void test_seccomp_mm(void)
{
	uint32_t size = 0;

	CHECK_EQ(prctl5(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_SECCOMP, 1, 0, 0, 0), 0);
	CHECK_ERR(prctl5(PR_SET_SECCOMP, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_SECCOMP, 99, 0, 0, 0), EINVAL);

	CHECK_ERR(prctl5(PR_SET_MM, PR_SET_MM_START_CODE, 0, 0, 1), EINVAL);
	CHECK_ERR(prctl5(PR_SET_MM, PR_SET_MM_START_CODE, 0, 1, 0), EINVAL);
	CHECK_EQ(prctl5(PR_SET_MM, PR_SET_MM_MAP_SIZE, (long)&size, 0, 0), 0);
	CHECK_EQ(size, 104);
	CHECK_ERR(prctl5(PR_SET_MM, PR_SET_MM_MAP_SIZE, 8, 0, 0), EFAULT);

	CHECK_ERR(prctl5(0, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(9999, 0, 0, 0, 0), EINVAL);
}

/* Last: no_new_privs cannot be undone. */
static void test_no_new_privs(void)
{
	char buf[4096];

	CHECK_EQ(prctl5(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	CHECK_ERR(prctl5(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
	CHECK_ERR(prctl5(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 1), EINVAL);
	read_proc("status", buf, sizeof(buf));
	CHECK(strstr(buf, "\nNoNewPrivs:\t0\n") != NULL);
	CHECK_EQ(prctl5(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	CHECK_EQ(prctl5(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	CHECK_EQ(prctl5(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	read_proc("status", buf, sizeof(buf));
	CHECK(strstr(buf, "\nNoNewPrivs:\t1\n") != NULL);
}

int main(void)
{
	test_name();
	test_flags();
	test_caps();
	test_ambient();
	test_seccomp_mm();
	test_no_new_privs();
	return guest_done();
}
