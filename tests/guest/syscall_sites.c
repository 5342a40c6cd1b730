// SPDX-License-Identifier: Apache-2.0
/*
 * Syscalls from wherever the application makes them, as a platform that
 * traps them in the application's own process must still see them: with
 * every signal blocked (SIGSYS and the faults included), with a SIGSYS
 * handler of the application's own, from a page just mapped and written,
 * with %rsp pointing nowhere, and from the second thread while the first
 * spins; each is an ordinary syscall with its ordinary result.
 */
#include "guest.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int sigsys_seen;

static void on_sigsys(int sig)
{
	(void)sig;
	sigsys_seen++;
}

/* getpid with %rsp zero around the syscall instruction. */
static long getpid_without_stack(void)
{
	long ret;

	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "xor %%esp, %%esp\n\t"
			 "syscall\n\t"
			 "mov %%r12, %%rsp"
			 : "=a"(ret)
			 : "a"((long)SYS_getpid)
			 : "rcx", "r11", "r12", "memory");
	return ret;
}

static volatile int stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

int main(void)
{
	/* mov $39, %eax; syscall; ret */
	static const unsigned char code[] = {0xb8, 39,	 0,    0,
					     0,	   0x0f, 0x05, 0xc3};
	long pid = SYS0(SYS_getpid);
	sigset_t all, old;
	pthread_t th;
	void *page;

	CHECK(pid > 0);

	/* Every signal blocked: syscalls and a fault-free run go on. */
	sigfillset(&all);
	CHECK_EQ(sigprocmask(SIG_SETMASK, &all, &old), 0);
	CHECK_EQ(SYS0(SYS_getpid), pid);
	CHECK_EQ(SYS0(SYS_getppid), getppid());
	CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);

	/* The application's own SIGSYS handler gets its own SIGSYS only. */
	CHECK(signal(SIGSYS, on_sigsys) != SIG_ERR);
	CHECK_EQ(SYS0(SYS_getpid), pid);
	CHECK_EQ(sigsys_seen, 0);
	CHECK_EQ(raise(SIGSYS), 0);
	CHECK_EQ(sigsys_seen, 1);
	CHECK_EQ(SYS0(SYS_getpid), pid);
	CHECK_EQ(sigsys_seen, 1);
	signal(SIGSYS, SIG_DFL);

	/* From a page mapped and written just now. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	if (page != MAP_FAILED) {
		memcpy(page, code, sizeof(code));
		CHECK_EQ(((long (*)(void))page)(), pid);
		munmap(page, 4096);
	}

	/* With no usable stack. */
	CHECK_EQ(getpid_without_stack(), pid);

	/* While another thread runs without a syscall. */
	CHECK_EQ(pthread_create(&th, NULL, spinner, NULL), 0);
	for (int i = 0; i < 1000; i++)
		if (SYS0(SYS_getpid) != pid)
			CHECK_EQ(SYS0(SYS_getpid), pid);
	stop = 1;
	CHECK_EQ(pthread_join(th, NULL), 0);
	return guest_done();
}
