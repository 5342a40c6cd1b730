// SPDX-License-Identifier: Apache-2.0
/*
 * rt_sigaction and rt_sigprocmask: dispositions and the blocked mask are
 * stored and read back with the kernel's checks. No signal is raised.
 */
#include "guest.h"

#include <signal.h>
#include <stdint.h>

#define BAD_PTR	 ((void *)1)
#define BIT(sig) (1UL << ((sig)-1))
#define SSZ	 8 /* the kernel's sigset_t */

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define SA_UNSUPPORTED	  0x00000400
#define SA_EXPOSE_TAGBITS 0x00000800

/* The x86-64 kernel's struct sigaction. */
struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static void handler(int sig)
{
	(void)sig;
}

static void restorer(void)
{
}

static void check_sigaction(void)
{
	struct ksigaction act, old, cur;
	unsigned long flags = SA_RESTORER | SA_RESTART | SA_SIGINFO;

	memset(&act, 0, sizeof(act));
	act.handler = (uint64_t)handler;
	act.flags = flags;
	act.restorer = (uint64_t)restorer;
	act.mask = BIT(SIGUSR2) | BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGRTMIN);

	/* The old action comes back: SIGUSR1 starts at SIG_DFL. */
	memset(&old, 0xa5, sizeof(old));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, &act, &old, SSZ), 0);
	CHECK_EQ(old.handler, (uint64_t)SIG_DFL);
	/* Read back without changing: what was set, less the unblockable. */
	memset(&cur, 0, sizeof(cur));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)handler);
	CHECK_EQ(cur.flags, flags);
	CHECK_EQ(cur.restorer, (uint64_t)restorer);
	CHECK_EQ(cur.mask, BIT(SIGUSR2) | BIT(SIGRTMIN));

	/* Replacing returns the previous action whole. */
	act.handler = (uint64_t)SIG_IGN;
	act.flags = SA_RESTORER | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
	act.mask = 0;
	memset(&old, 0, sizeof(old));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, &act, &old, SSZ), 0);
	CHECK_EQ(old.handler, (uint64_t)handler);
	CHECK_EQ(old.flags, flags);
	CHECK_EQ(old.restorer, (uint64_t)restorer);
	CHECK_EQ(old.mask, BIT(SIGUSR2) | BIT(SIGRTMIN));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)SIG_IGN);
	CHECK_EQ(cur.flags, act.flags);
	CHECK_EQ(cur.mask, 0);

	/* Flag bits the kernel does not know are dropped. */
	act.handler = (uint64_t)handler;
	act.flags = SA_RESTORER | SA_UNSUPPORTED | 0x100 | 0x00100000;
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, &act, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.flags, SA_RESTORER);
	/* ...those it knows are kept. */
	act.flags =
	    SA_RESTORER | SA_NOCLDSTOP | SA_NOCLDWAIT | SA_EXPOSE_TAGBITS;
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGCHLD, &act, &old, SSZ), 0);
	CHECK_EQ(old.handler, (uint64_t)SIG_DFL);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGCHLD, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.flags, act.flags);

	/* The first and last signals; no action needed at all. */
	CHECK_EQ(SYS4(SYS_rt_sigaction, 1, NULL, &cur, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, 64, &act, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, 64, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)handler);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, NULL, SSZ), 0);

	/* SIGKILL and SIGSTOP: read, never set. */
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGKILL, &act, NULL, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGSTOP, &act, &old, SSZ), EINVAL);
	act.handler = (uint64_t)SIG_DFL;
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGKILL, &act, NULL, SSZ), EINVAL);
	memset(&cur, 0xa5, sizeof(cur));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGKILL, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)SIG_DFL);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGSTOP, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)SIG_DFL);

	/* Signal numbers out of range. */
	CHECK_ERR(SYS4(SYS_rt_sigaction, 0, &act, NULL, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 0, NULL, &cur, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 65, &act, NULL, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 65, NULL, &cur, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, -1, NULL, &cur, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 1000, NULL, NULL, SSZ), EINVAL);

	/* The sigset size must be the kernel's. */
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, &cur, 16), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL, 4), EINVAL);

	/* Bad pointers: the new action is read before the signal is checked. */
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL, SSZ), EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 0, BAD_PTR, NULL, SSZ), EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGKILL, BAD_PTR, NULL, SSZ), EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR1, NULL, BAD_PTR, SSZ), EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigaction, 0, NULL, BAD_PTR, SSZ), EINVAL);
	/* A bad old pointer fails the call, but the new action is set. */
	act.handler = (uint64_t)SIG_IGN;
	act.flags = SA_RESTORER;
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR2, &act, BAD_PTR, SSZ), EFAULT);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)SIG_IGN);
	/* A failed call changes nothing. */
	act.handler = (uint64_t)handler;
	CHECK_ERR(SYS4(SYS_rt_sigaction, SIGUSR2, &act, NULL, 4), EINVAL);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur.handler, (uint64_t)SIG_IGN);

	/* Back to the defaults. */
	act.handler = (uint64_t)SIG_DFL;
	act.flags = SA_RESTORER;
	act.mask = 0;
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, &act, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, &act, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGCHLD, &act, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigaction, 64, &act, NULL, SSZ), 0);
}

static void check_sigprocmask(void)
{
	uint64_t orig, set, cur;
	struct ksigaction old;
	const uint64_t unblockable = BIT(SIGKILL) | BIT(SIGSTOP);

	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &orig, SSZ), 0);

	/* Start empty. */
	set = 0;
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, SSZ), 0);
	/* SIG_BLOCK adds, and SIGKILL and SIGSTOP are silently left out. */
	set = BIT(SIGUSR1) | BIT(SIGKILL) | BIT(SIGSTOP);
	cur = 1;
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &cur, SSZ), 0);
	CHECK_EQ(cur, 0);
	set = BIT(SIGRTMIN + 1);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, &cur, SSZ), 0);
	CHECK_EQ(cur, BIT(SIGUSR1));
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, BIT(SIGUSR1) | BIT(SIGRTMIN + 1));
	/* SIG_UNBLOCK removes. */
	set = BIT(SIGUSR1) | BIT(SIGUSR2);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, BIT(SIGRTMIN + 1));
	/* SIG_SETMASK replaces: everything but SIGKILL and SIGSTOP. */
	set = ~0UL;
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &set, &cur, SSZ), 0);
	CHECK_EQ(cur, BIT(SIGRTMIN + 1));
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, ~unblockable);
	/* Unblocking SIGKILL is as harmless as blocking it. */
	set = unblockable | BIT(64);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &cur, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, ~unblockable & ~BIT(64));

	/* how is an int: the upper half of the register is ignored. */
	set = BIT(SIGUSR1);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, 0x100000000L | SIG_UNBLOCK, &set,
		      NULL, SSZ),
		 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, ~unblockable & ~BIT(64) & ~BIT(SIGUSR1));
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, SSZ), 0);
	/* The signal number too. */
	CHECK_EQ(
	    SYS4(SYS_rt_sigaction, 0x100000000L | SIGUSR1, NULL, &old, SSZ), 0);
	CHECK_EQ(old.handler, (uint64_t)SIG_DFL);

	/* how is checked only when there is a new set. */
	set = BIT(SIGUSR1);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, 3, &set, &cur, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, -1, &set, NULL, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, 100, &set, NULL, SSZ), EINVAL);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, 3, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, ~unblockable & ~BIT(64));
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, 100, NULL, NULL, SSZ), 0);
	/* The sigset size. */
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 16), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, 3, BAD_PTR, NULL, 4), EINVAL);
	/* Bad pointers: the set is read before how is checked. */
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, NULL, SSZ),
		  EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, 3, BAD_PTR, NULL, SSZ), EFAULT);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD_PTR, SSZ),
		  EFAULT);
	/* A bad old pointer fails the call after the mask is changed. */
	set = 0;
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &set, BAD_PTR, SSZ),
		  EFAULT);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, 0);
	/* Failed calls change nothing. */
	set = BIT(SIGUSR1);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, 3, &set, NULL, SSZ), EINVAL);
	CHECK_ERR(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, 0);

	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &orig, NULL, SSZ), 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, SSZ), 0);
	CHECK_EQ(cur, orig & ~unblockable);
}

int main(void)
{
	check_sigaction();
	check_sigprocmask();
	return guest_done();
}
