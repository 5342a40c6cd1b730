// SPDX-License-Identifier: Apache-2.0
/* getpid, getppid, gettid, set_tid_address: the initial task's ids. */
#include "guest.h"

int main(void)
{
	long pid = SYS0(SYS_getpid);
	long tid = SYS0(SYS_gettid);
	long ppid = SYS0(SYS_getppid);
	int word;

	CHECK(pid > 0);
	/* The initial thread's tid is the process id. */
	CHECK_EQ(tid, pid);
	CHECK(ppid >= 0);
	CHECK(ppid != pid);
	/* Stable across calls. */
	CHECK_EQ(SYS0(SYS_getpid), pid);
	CHECK_EQ(SYS0(SYS_getppid), ppid);
	/* set_tid_address returns the caller's tid; any pointer is taken. */
	CHECK_EQ(SYS1(SYS_set_tid_address, &word), tid);
	CHECK_EQ(SYS1(SYS_set_tid_address, 0), tid);
	CHECK_EQ(SYS1(SYS_set_tid_address, 1), tid);
	return guest_done();
}
