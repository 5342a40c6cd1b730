/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform interface: what runs application code until it needs the
 * kernel, and reports why. The sentry never asks which platform it runs on
 * outside platform/.
 *
 * An address space (struct platform_as) is where application memory is
 * mapped: ranges of the memory file at application addresses. A context
 * (struct platform_ctx) belongs to one sentry task thread and runs one
 * application thread at a time in some address space.
 *
 * Several sentry threads may run application threads in one address space
 * (threads of a process, a vfork child): the one that creates it runs its
 * first thread; one already in it prepares a thread for another
 * (as_new_thread), which takes it (as_enter). A sentry thread in an
 * address space leaves it (as_leave) before it exits, unless the address
 * space is destroyed first; otherwise the address space may die with it.
 */
#ifndef MOAT_PLATFORM_H
#define MOAT_PLATFORM_H

#include "abi/linux.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct platform;
struct platform_as;
struct platform_ctx;

enum platform_stop {
	PLATFORM_SYSCALL,     /* regs hold a syscall: orig_rax and args */
	PLATFORM_FAULT,	      /* a memory fault at ev->addr */
	PLATFORM_SIGNAL,      /* a synchronous signal (SIGILL, SIGFPE...) */
	PLATFORM_INTERRUPTED, /* interrupt() was called */
	PLATFORM_DEAD,	      /* the host side died (killed from outside) */
};

#define PLATFORM_ACCESS_READ  1
#define PLATFORM_ACCESS_WRITE 2
#define PLATFORM_ACCESS_EXEC  4

struct platform_event {
	enum platform_stop why;
	int signo;     /* PLATFORM_FAULT, PLATFORM_SIGNAL */
	int code;      /* si_code */
	uint64_t addr; /* si_addr */
	int access;    /* PLATFORM_ACCESS_* where known */
};

/*
 * A seccomp SIGSYS from call_addr: a call into the vsyscall page, which
 * the stubs' filters trap (stub/filters.h)? Then the host skipped it and
 * emulated the ret; undone, it is the instruction fetch fault at the
 * entry that the sentry emulates (the return address is still on the
 * stack), made into *ev. The SIGSYS is never delivered.
 */
static inline bool platform_vsyscall_trap(uint64_t call_addr,
					  struct abi_user_regs *regs,
					  struct platform_event *ev)
{
	if ((call_addr & ~0xfffULL) != ABI_VSYSCALL_ADDR)
		return false;
	regs->rip = call_addr;
	regs->rsp -= 8;
	ev->why = PLATFORM_FAULT;
	ev->signo = ABI_SIGSEGV;
	ev->code = ABI_SEGV_MAPERR;
	ev->addr = call_addr;
	ev->access = PLATFORM_ACCESS_EXEC;
	return true;
}

/*
 * What a platform may ask of the memory manager that owns an address
 * space (given with as_bind); mm is the manager's own pointer. Both take
 * the manager's lock: never called with a platform lock held that as_map,
 * as_unmap or as_protect take.
 */
struct platform_mm_ops {
	/*
	 * Replace the len (at most 16) bytes of application code at addr
	 * with new, if they are still old and lie in one page of a private
	 * anonymous mapping that is executable and not writable; a page
	 * another address space shares since a fork is copied first, so
	 * that only this one changes. The bytes that differ must lie in one
	 * aligned 16-byte block, which is written with one atomic
	 * instruction. 0; -EAGAIN when the bytes are not old; -EPERM when
	 * the mapping does not qualify; -EINVAL, -EFAULT.
	 */
	int (*patch_code)(void *mm, uint64_t addr, const uint8_t *old,
			  const uint8_t *new, size_t len);
	/*
	 * Withhold [start, end) from the application from now on, if it has
	 * nothing mapped there: mmap places nothing there and MAP_FIXED,
	 * brk and mremap into it fail with -ENOMEM (a fork's child inherits
	 * it; exec ends it). 0, or -EEXIST when something is mapped there.
	 */
	int (*reserve)(void *mm, uint64_t start, uint64_t end);
};

struct platform_ops {
	const char *name;

	/*
	 * Create the platform over the memory file memfd. Called once, before
	 * the sentry installs its own seccomp filter: whatever privileged
	 * set-up the platform needs happens here.
	 */
	int (*create)(int memfd, struct platform **out);
	void (*destroy)(struct platform *p);

	/*
	 * A new, empty address space, with one application thread in it
	 * for the calling sentry thread.
	 */
	int (*as_create)(struct platform *p, struct platform_as **out);
	/*
	 * Optional: as belongs to the memory manager mm, which answers ops.
	 * from: when as is a fork's child, the parent's address space (its
	 * copy-on-write pages came from there; alive until this returns),
	 * else NULL. Called once, by the sentry thread that created as,
	 * before anything is mapped in it.
	 */
	void (*as_bind)(struct platform_as *as,
			const struct platform_mm_ops *ops, void *mm,
			struct platform_as *from);
	/*
	 * End as and every thread in it. Any sentry thread may call it,
	 * whether it entered as or not, once no switch_to runs in as.
	 */
	void (*as_destroy)(struct platform_as *as);

	/*
	 * Prepare a new application thread in as for another sentry thread.
	 * Called by a sentry thread that already runs a thread in as
	 * (stopped now, as it is during a syscall). *token names the new
	 * thread for as_enter; a thread never entered is reclaimed by
	 * as_destroy (or an as_abandon(as, token)). 0 or -errno; -EPERM if
	 * the caller runs no thread in as.
	 */
	int (*as_new_thread)(struct platform_as *as, uint64_t *token);
	/*
	 * The calling sentry thread takes the thread prepared as token: from
	 * then on switch_to(ctx, as, ...) runs it, and as_map/as_unmap/
	 * as_protect work from this sentry thread too (they act on the whole
	 * address space). 0 or -errno; -EBUSY if the caller already runs a
	 * thread in as, -ESRCH if token names no prepared thread.
	 */
	int (*as_enter)(struct platform_as *as, uint64_t token);
	/*
	 * The calling sentry thread is done with its thread in as: that host
	 * thread exits; the address space and its other threads go on.
	 */
	void (*as_leave)(struct platform_as *as);
	/*
	 * Reclaim the thread prepared as token that no sentry thread will
	 * enter (the clone it was for failed). 0 or -errno.
	 */
	int (*as_abandon)(struct platform_as *as, uint64_t token);

	/*
	 * Map [addr, addr+len) to memory-file bytes starting at off, with
	 * PROT_* prot, replacing whatever was there. addr, len and off are
	 * page-aligned and the range is below p->addr_limit. These three are
	 * called by a sentry thread that runs a thread in as, stopped now
	 * (-EPERM from any other).
	 */
	int (*as_map)(struct platform_as *as, uint64_t addr, uint64_t len,
		      int prot, uint64_t off);
	/* Remove any mapping in [addr, addr+len). */
	int (*as_unmap)(struct platform_as *as, uint64_t addr, uint64_t len);
	/* Change the protection of mapped pages in [addr, addr+len). */
	int (*as_protect)(struct platform_as *as, uint64_t addr, uint64_t len,
			  int prot);

	/* A context for the calling sentry thread. */
	int (*ctx_create)(struct platform *p, struct platform_ctx **out);
	void (*ctx_destroy)(struct platform_ctx *ctx);

	/*
	 * Run the application thread with registers *regs in address space
	 * as until it makes a syscall, faults, gets a synchronous signal or
	 * is interrupted. On return *regs holds its registers and *ev why it
	 * stopped. Returns 0, or -errno when the platform itself failed
	 * (-EPERM: ctx's sentry thread, the caller, runs no thread in as).
	 * PLATFORM_DEAD is this thread's alone: the others find out for
	 * themselves.
	 */
	int (*switch_to)(struct platform_ctx *ctx, struct platform_as *as,
			 struct abi_user_regs *regs, struct platform_event *ev);

	/*
	 * Make a switch_to of ctx (running now or next) return early. Any
	 * thread may call it; it stops ctx's application thread alone.
	 */
	void (*interrupt)(struct platform_ctx *ctx);

	/*
	 * CPU time the application thread of ctx in as has used (ctx's own
	 * thread, not the address space's). Any sentry thread may ask.
	 */
	int (*cpu_time)(struct platform_ctx *ctx, struct platform_as *as,
			struct timespec *ts);

	/*
	 * The application thread's FPU and extended state, stopped in as
	 * after switch_to: XSAVE format with the software bytes that say what
	 * it holds (as in a signal frame), p->fpu_size bytes. 0 or -errno;
	 * set_fpu loads such a state back (the signal frame's, on return).
	 * ctx's own thread, by ctx's sentry thread (-EPERM from another).
	 */
	int (*get_fpu)(struct platform_ctx *ctx, struct platform_as *as,
		       void *buf);
	int (*set_fpu)(struct platform_ctx *ctx, struct platform_as *as,
		       const void *buf);
};

struct platform {
	const struct platform_ops *ops;
	uint64_t addr_limit; /* application addresses are below this */
	uint32_t fpu_size;   /* the XSAVE area's size (CPUID 0xd) */
	/*
	 * A vDSO that every address space has, above addr_limit (0: none):
	 * its ELF image at vdso (AT_SYSINFO_EHDR), its data pages below it from
	 * vdso_lo, the image up to vdso_hi. The ptrace and
	 * systrap stubs keep the host's, so that the application's clock
	 * calls run without a trap.
	 */
	uint64_t vdso, vdso_lo, vdso_hi;
};

/* How the platforms run, set before create (moat run's flags). */
struct platform_options {
	bool no_rewrite; /* systrap: never rewrite syscall sites */
};
extern struct platform_options platform_options;

extern const struct platform_ops ptrace_platform_ops;
extern const struct platform_ops systrap_platform_ops;
extern const struct platform_ops kvm_platform_ops;

/*
 * Open what the platform named name needs from the host's filesystem,
 * before the sentry leaves it (create runs after): /dev/kvm for kvm,
 * nothing for the others. 0 or -errno (kvm: -ENOENT without /dev/kvm).
 */
int platform_prepare(const char *name);
/* kvm's part of it: open /dev/kvm once. */
int kvm_platform_open(void);

/*
 * fd: this process's /proc/self/oom_score_adj, open for reading and
 * writing: the platform's helper processes (stubs and what starts them)
 * are then made with an oom_score_adj of 1000, so that the host's OOM
 * killer ends an application's process before the sentry; the fd is
 * the platform's from now on.
 */
void platform_helpers_oom_first(int fd);

/* The platform named name ("ptrace", "systrap", "kvm"), or NULL. */
const struct platform_ops *platform_lookup(const char *name);

#endif
