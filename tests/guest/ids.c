// SPDX-License-Identifier: Apache-2.0
/*
 * The user and group ids: the get and set families, supplementary groups,
 * the fs ids, root's freedom to set any id and the limits once root is
 * given up. Runs as root (uid 0), natively and in the sandbox.
 */
#include "guest.h"

#include <stdbool.h>
#include <stdint.h>

#define BAD_PTR ((void *)1)
#define NO_ID	(-1)

static uint32_t r, e, s;

/* getresuid into r, e, s; true when they are (wr, we, ws). */
static bool resuid_is(uint32_t wr, uint32_t we, uint32_t ws)
{
	r = e = s = 0xdeadbeef;
	if (SYS3(SYS_getresuid, &r, &e, &s))
		return false;
	return r == wr && e == we && s == ws;
}

static bool resgid_is(uint32_t wr, uint32_t we, uint32_t ws)
{
	r = e = s = 0xdeadbeef;
	if (SYS3(SYS_getresgid, &r, &e, &s))
		return false;
	return r == wr && e == we && s == ws;
}

static void check_root_start(void)
{
	CHECK_EQ(SYS0(SYS_getuid), 0);
	CHECK_EQ(SYS0(SYS_geteuid), 0);
	CHECK_EQ(SYS0(SYS_getgid), 0);
	CHECK_EQ(SYS0(SYS_getegid), 0);
	CHECK(resuid_is(0, 0, 0));
	CHECK(resgid_is(0, 0, 0));
	/* The fs ids follow the effective ids; -1 only reads them. */
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 0);

	/* Each result pointer is checked. */
	CHECK_ERR(SYS3(SYS_getresuid, BAD_PTR, &e, &s), EFAULT);
	CHECK_ERR(SYS3(SYS_getresuid, &r, BAD_PTR, &s), EFAULT);
	CHECK_ERR(SYS3(SYS_getresuid, &r, &e, NULL), EFAULT);
	CHECK_ERR(SYS3(SYS_getresgid, &r, &e, BAD_PTR), EFAULT);
	CHECK_ERR(SYS3(SYS_getresgid, NULL, &e, &s), EFAULT);
}

static void check_root_uids(void)
{
	/* -1 everywhere changes nothing. */
	CHECK_EQ(SYS3(SYS_setresuid, NO_ID, NO_ID, NO_ID), 0);
	CHECK(resuid_is(0, 0, 0));
	CHECK_EQ(SYS2(SYS_setreuid, NO_ID, NO_ID), 0);
	CHECK(resuid_is(0, 0, 0));
	/* -1 is no uid. */
	CHECK_ERR(SYS1(SYS_setuid, NO_ID), EINVAL);

	/* Root sets any combination. */
	CHECK_EQ(SYS3(SYS_setresuid, 1000, 0, 0), 0);
	CHECK(resuid_is(1000, 0, 0));
	CHECK_EQ(SYS0(SYS_getuid), 1000);
	CHECK_EQ(SYS0(SYS_geteuid), 0);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 0);
	/* setuid as root sets all three. */
	CHECK_EQ(SYS1(SYS_setuid, 0), 0);
	CHECK(resuid_is(0, 0, 0));

	/* setreuid: a new ruid, or an euid other than the ruid, sets suid. */
	CHECK_EQ(SYS2(SYS_setreuid, 1000, NO_ID), 0);
	CHECK(resuid_is(1000, 0, 0));
	CHECK_EQ(SYS2(SYS_setreuid, 0, 2000), 0);
	CHECK(resuid_is(0, 2000, 2000));
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 2000);
	CHECK_EQ(SYS0(SYS_geteuid), 2000);
	/*
	 * Back to euid 0: allowed because the real uid is 0, and the suid
	 * stays since the new euid equals the real uid.
	 */
	CHECK_EQ(SYS2(SYS_setreuid, NO_ID, 0), 0);
	CHECK(resuid_is(0, 0, 2000));
	CHECK_EQ(SYS3(SYS_setresuid, 0, 0, 0), 0);
	CHECK(resuid_is(0, 0, 0));

	/* setfsuid returns the old fsuid; root may pick any. */
	CHECK_EQ(SYS1(SYS_setfsuid, 1234), 0);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 1234);
	CHECK_EQ(SYS1(SYS_setfsuid, 0), 1234);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 0);
	/*
	 * setreuid always resets the fsuid to the euid. (Whether a setresuid
	 * that changes nothing keeps it changed in Linux 6.x; not checked.)
	 */
	CHECK_EQ(SYS1(SYS_setfsuid, 1234), 0);
	CHECK_EQ(SYS3(SYS_setresuid, NO_ID, NO_ID, NO_ID), 0);
	CHECK_EQ(SYS3(SYS_setresuid, 0, NO_ID, 0), 0);
	CHECK_EQ(SYS2(SYS_setreuid, NO_ID, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 0);
	/* Setting the euid resets the fsuid to it. */
	CHECK_EQ(SYS1(SYS_setfsuid, 77), 0);
	CHECK_EQ(SYS3(SYS_setresuid, NO_ID, 0, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 0);
}

static void check_root_gids(void)
{
	CHECK_EQ(SYS3(SYS_setresgid, NO_ID, NO_ID, NO_ID), 0);
	CHECK(resgid_is(0, 0, 0));
	CHECK_ERR(SYS1(SYS_setgid, NO_ID), EINVAL);

	CHECK_EQ(SYS3(SYS_setresgid, 300, 301, 302), 0);
	CHECK(resgid_is(300, 301, 302));
	CHECK_EQ(SYS0(SYS_getgid), 300);
	CHECK_EQ(SYS0(SYS_getegid), 301);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 301);
	CHECK_EQ(SYS2(SYS_setregid, 100, 200), 0);
	CHECK(resgid_is(100, 200, 200));
	CHECK_EQ(SYS2(SYS_setregid, NO_ID, 100), 0);
	CHECK(resgid_is(100, 100, 200));
	CHECK_EQ(SYS1(SYS_setgid, 0), 0);
	CHECK(resgid_is(0, 0, 0));
	CHECK_EQ(SYS1(SYS_setfsgid, 55), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 55);
	CHECK_EQ(SYS3(SYS_setresgid, NO_ID, NO_ID, 0), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 55);
	CHECK_EQ(SYS3(SYS_setresgid, NO_ID, 0, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, 55), 0);
	CHECK_EQ(SYS2(SYS_setregid, NO_ID, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, 55), 0);
	CHECK_EQ(SYS1(SYS_setfsgid, 0), 55);
	/* Root's ids are unchanged by the gid calls. */
	CHECK(resuid_is(0, 0, 0));
}

static void check_groups(void)
{
	uint32_t set[3] = {50, 7, 30}, got[4];

	CHECK_ERR(SYS2(SYS_getgroups, -1, got), EINVAL);
	CHECK_EQ(SYS2(SYS_setgroups, 3, set), 0);
	/* Size 0 counts them without storing. */
	CHECK_EQ(SYS2(SYS_getgroups, 0, NULL), 3);
	CHECK_EQ(SYS2(SYS_getgroups, 0, BAD_PTR), 3);
	memset(got, 0, sizeof(got));
	CHECK_EQ(SYS2(SYS_getgroups, 4, got), 3);
	/* The kernel keeps them sorted. */
	CHECK_EQ(got[0], 7);
	CHECK_EQ(got[1], 30);
	CHECK_EQ(got[2], 50);
	CHECK_EQ(got[3], 0);
	CHECK_EQ(SYS2(SYS_getgroups, 3, got), 3);
	/* Too small a buffer. */
	CHECK_ERR(SYS2(SYS_getgroups, 2, got), EINVAL);
	CHECK_ERR(SYS2(SYS_getgroups, 1, BAD_PTR), EINVAL);
	CHECK_ERR(SYS2(SYS_getgroups, 3, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_getgroups, 3, NULL), EFAULT);

	/* setgroups: the count, then the list. */
	CHECK_ERR(SYS2(SYS_setgroups, -1, set), EINVAL);
	CHECK_ERR(SYS2(SYS_setgroups, 65537, set), EINVAL);
	CHECK_ERR(SYS2(SYS_setgroups, 2, BAD_PTR), EFAULT);
	/* A failed call leaves the list alone. */
	CHECK_EQ(SYS2(SYS_getgroups, 0, NULL), 3);
	set[0] = 9;
	CHECK_EQ(SYS2(SYS_setgroups, 1, set), 0);
	CHECK_EQ(SYS2(SYS_getgroups, 1, got), 1);
	CHECK_EQ(got[0], 9);
	CHECK_EQ(SYS2(SYS_setgroups, 0, BAD_PTR), 0);
	CHECK_EQ(SYS2(SYS_getgroups, 0, NULL), 0);
	/* No groups: nothing to store, so the pointer is not touched. */
	CHECK_EQ(SYS2(SYS_getgroups, 1, BAD_PTR), 0);
}

/* Give up root, then check what may no longer be done. */
static void check_dropped(void)
{
	uint32_t one = 5;

	CHECK_EQ(SYS3(SYS_setresgid, 2000, 2000, 2000), 0);
	CHECK_EQ(SYS2(SYS_setgroups, 1, &one), 0);
	CHECK_EQ(SYS3(SYS_setresuid, 1001, 1002, 1003), 0);
	CHECK(resuid_is(1001, 1002, 1003));
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 1002);

	/* No way back to root. */
	CHECK_ERR(SYS1(SYS_setuid, 0), EPERM);
	CHECK_ERR(SYS2(SYS_setreuid, 0, NO_ID), EPERM);
	CHECK_ERR(SYS2(SYS_setreuid, NO_ID, 0), EPERM);
	CHECK_ERR(SYS3(SYS_setresuid, NO_ID, 0, NO_ID), EPERM);
	CHECK_ERR(SYS3(SYS_setresuid, NO_ID, NO_ID, 0), EPERM);
	/* A refused fsuid is not set; the old one is still returned. */
	CHECK_EQ(SYS1(SYS_setfsuid, 0), 1002);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 1002);
	CHECK(resuid_is(1001, 1002, 1003));
	/* Nor to other groups. */
	CHECK_ERR(SYS1(SYS_setgid, 0), EPERM);
	CHECK_ERR(SYS3(SYS_setresgid, 0, NO_ID, NO_ID), EPERM);
	CHECK_ERR(SYS2(SYS_setregid, NO_ID, 0), EPERM);
	CHECK_ERR(SYS2(SYS_setgroups, 0, NULL), EPERM);
	CHECK_EQ(SYS1(SYS_setfsgid, 0), 2000);
	CHECK_EQ(SYS1(SYS_setfsgid, NO_ID), 2000);
	CHECK(resgid_is(2000, 2000, 2000));
	CHECK_EQ(SYS2(SYS_getgroups, 1, &one), 1);
	CHECK_EQ(one, 5);

	/* Shuffling among the three current ids is allowed. */
	CHECK_EQ(SYS3(SYS_setresuid, 1003, 1001, 1002), 0);
	CHECK(resuid_is(1003, 1001, 1002));
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 1001);
	CHECK_EQ(SYS1(SYS_setfsuid, 1003), 1001);
	CHECK_EQ(SYS1(SYS_setfsuid, NO_ID), 1003);
	/* Unprivileged setuid sets only the euid (and fsuid). */
	CHECK_EQ(SYS1(SYS_setuid, 1002), 0);
	CHECK(resuid_is(1003, 1002, 1002));
	CHECK_ERR(SYS1(SYS_setuid, 1001), EPERM);
	/* setreuid: the ruid may become the euid. */
	CHECK_EQ(SYS2(SYS_setreuid, 1002, NO_ID), 0);
	CHECK(resuid_is(1002, 1002, 1002));
	CHECK_ERR(SYS2(SYS_setreuid, 1003, NO_ID), EPERM);
	CHECK_EQ(SYS3(SYS_setresuid, NO_ID, NO_ID, NO_ID), 0);
	CHECK_EQ(SYS1(SYS_setgid, 2000), 0);
	CHECK(resgid_is(2000, 2000, 2000));
	CHECK_EQ(SYS0(SYS_getuid), 1002);
	CHECK_EQ(SYS0(SYS_geteuid), 1002);
}

int main(void)
{
	check_root_start();
	check_root_uids();
	check_root_gids();
	check_groups();
	check_dropped();
	return guest_done();
}
