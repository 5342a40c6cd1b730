// SPDX-License-Identifier: Apache-2.0
/*
 * membarrier's barriers with other threads and processes running: the
 * private commands (once registered) while another thread of the process
 * runs, the global ones while another process does; each returns 0. Run
 * only where the kernel offers them (MEMBARRIER_CMD_QUERY).
 */
#include "proc.h"

#include <pthread.h>
#include <stdint.h>

#define QUERY				     0
#define GLOBAL				     (1 << 0)
#define GLOBAL_EXPEDITED		     (1 << 1)
#define REGISTER_GLOBAL_EXPEDITED	     (1 << 2)
#define PRIVATE_EXPEDITED		     (1 << 3)
#define REGISTER_PRIVATE_EXPEDITED	     (1 << 4)
#define PRIVATE_EXPEDITED_SYNC_CORE	     (1 << 5)
#define REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)

static volatile int stop;
static volatile long spins;

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop)
		spins++;
	return NULL;
}

static long mb(int cmd)
{
	return SYS3(SYS_membarrier, cmd, 0, 0);
}

/* A message passed with a barrier on one side only: it is seen. */
static volatile int data, flag;

static void *reader(void *arg)
{
	long *seen = arg;

	while (!flag)
		;
	__asm__ volatile("" ::: "memory");
	*seen = data;
	return NULL;
}

int main(void)
{
	long q = mb(QUERY), seen = 0;
	pthread_t th;
	int p[2];
	pid_t pid;

	CHECK(q >= 0);
	if (q < 0 || !(q & GLOBAL) || !(q & PRIVATE_EXPEDITED))
		return guest_done();

	/* Another process runs: the global barriers. */
	make_pipe(p);
	pid = spawn();
	if (pid == 0) {
		put_byte(p[1], 'r');
		for (;;)
			spins++;
	}
	CHECK_EQ(get_byte(p[0]), 'r');
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(mb(GLOBAL), 0);
		CHECK_EQ(mb(GLOBAL_EXPEDITED), 0);
	}
	SYS2(SYS_kill, pid, SIGKILL);
	CHECK_EQ(reap(pid), KILLED(SIGKILL));
	close2(p);

	/* Another thread runs: the private ones, after registering. */
	if (pthread_create(&th, NULL, spinner, NULL)) {
		CHECK(0);
		return guest_done();
	}
	CHECK_ERR(mb(PRIVATE_EXPEDITED), EPERM);
	CHECK_EQ(mb(REGISTER_PRIVATE_EXPEDITED), 0);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(mb(PRIVATE_EXPEDITED), 0);
	if (q & PRIVATE_EXPEDITED_SYNC_CORE) {
		CHECK_ERR(mb(PRIVATE_EXPEDITED_SYNC_CORE), EPERM);
		CHECK_EQ(mb(REGISTER_PRIVATE_EXPEDITED_SYNC_CORE), 0);
		CHECK_EQ(mb(PRIVATE_EXPEDITED_SYNC_CORE), 0);
	}
	CHECK_EQ(mb(GLOBAL), 0);
	stop = 1;
	pthread_join(th, NULL);

	/* The writer's side made ordered by the barrier: the data is seen. */
	if (pthread_create(&th, NULL, reader, &seen)) {
		CHECK(0);
		return guest_done();
	}
	data = 42;
	CHECK_EQ(mb(PRIVATE_EXPEDITED), 0);
	flag = 1;
	pthread_join(th, NULL);
	CHECK_EQ(seen, 42);
	return guest_done();
}
