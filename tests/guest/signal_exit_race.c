// SPDX-License-Identifier: Apache-2.0
/*
 * Signals that race with their target's exit and reaping: a thread keeps
 * sending to a child (tgkill with an ignored signal, and with 0) while
 * the child exits and the parent reaps it. Every send succeeds (the child
 * or its zombie is there) or fails with ESRCH (it has been reaped). Many
 * rounds, to
 * give the sentry's exit and wait paths the chance to free a process
 * while a send still holds on to one of its threads.
 */
#include "threads.h"

#include <sys/wait.h>

#define ROUNDS 300

static volatile int child; /* the pid to send to, 0: none */
static volatile int stop;
static volatile long sends, bad;

static void *sender(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		int pid = __atomic_load_n(&child, __ATOMIC_ACQUIRE);
		long r;

		if (!pid)
			continue;
		r = SYS3(SYS_tgkill, pid, pid, sends & 1 ? SIGWINCH : 0);
		if (r != 0 && r != -ESRCH)
			__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
		sends++;
	}
	return NULL;
}

int main(void)
{
	pthread_t th = start(sender, NULL);
	int status;

	for (int i = 0; i < ROUNDS; i++) {
		long pid = SYS0(SYS_fork);

		CHECK(pid >= 0);
		if (pid == 0)
			SYS1(SYS_exit_group, 3);
		__atomic_store_n(&child, (int)pid, __ATOMIC_RELEASE);
		CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3);
		__atomic_store_n(&child, 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK_EQ(bad, 0);
	CHECK(sends > 0);
	return guest_done();
}
