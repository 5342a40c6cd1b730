// SPDX-License-Identifier: Apache-2.0
/*
 * The systrap platform.
 *
 * Each address space is a stub process (platform/stub/systrap.c) forked by
 * the factory, as for ptrace, but nothing traces it: its application
 * threads run under a seccomp filter that traps (SIGSYS) every syscall but
 * those of the stub's own code, and the stub's handler of SIGSYS and of
 * the faults saves the thread's registers and FPU state into the
 * thread's page of the control file, wakes the sentry thread on a futex
 * there and sleeps until it answers. A syscall round trip is a signal and
 * at most two futex wakes, none when both sides find the other's answer
 * while they poll (sysmsg.h), and no ptrace stop.
 *
 * The control file is a memfd made at create(), mapped whole here and
 * inherited by every stub (STUB_CTL_FD). It is cut into slots: one per
 * address space for requests to the stub's syscall thread (map, unmap,
 * protect, clone a thread: sysmsg.h), one per application thread. Thread
 * slots stay with their address space until it is destroyed, reused only
 * by its own later threads, so a page that an application thread still
 * writes never becomes another process's. Everything in a thread page
 * may have been written by the application: it is copied once, and the
 * values that matter to the host (segment selectors) are not taken from
 * it.
 *
 * A stub found dead (killed from outside) is noticed by its threads'
 * CLONE_CHILD_CLEARTID wake, or by a pidfd check when a wait times out.
 */
#include "platform/factory.h"
#include "platform/platform.h"
#include "platform/stub/stub.h"
#include "platform/systrap/sysmsg.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How long a wait goes before it checks that the stub still lives. */
#define LIVENESS_NS (200 * 1000 * 1000L)
/* Sites remembered as not to be rewritten, per address space. */
#define SITE_CACHE 64

struct systrap_platform {
	struct platform base;
	int memfd;
	int ctlfd;
	uint8_t *ctl; /* the control file, mapped whole */
	struct stub_factory factory;
	pthread_mutex_t handoff_lock; /* the hand-off page */
	pthread_mutex_t slots_lock;
	uint64_t *slot_map; /* a bit per slot; slot 0 is the hand-off */
	unsigned slot_hint;
	uint64_t spin_max; /* the full polling budget, TSC cycles */
	bool rewrite;	   /* rewrite syscall sites (not --no-rewrite) */
};

enum systrap_thread_state {
	THREAD_PREPARED, /* cloned, waiting in its first trap: a token */
	THREAD_ENTERED,	 /* run by its sentry thread, owner */
	THREAD_FREE,	 /* exited: its slot waits for a later thread */
};

/* One application thread of a stub, and its slot. */
struct systrap_thread {
	struct systrap_thread *next;
	enum systrap_thread_state state;
	unsigned idx;	  /* its slot in the stub: SYSTRAP_THREADS_BASE + idx */
	uint64_t off;	  /* its slot in the control file */
	pid_t tid;	  /* host tid */
	pid_t owner;	  /* the sentry thread running it */
	bool dead;	  /* found gone: PLATFORM_DEAD from now on */
	int64_t cpu_word; /* as the ptrace platform's: ns, or running */
	struct systrap_spin spin; /* our polling budget for its answers */
	struct systrap_thread_page *page; /* our view of the slot */
};

struct systrap_as {
	struct systrap_platform *p;
	pid_t pid; /* the stub process */
	int pidfd;
	uint64_t serial;
	uint64_t ctl_off; /* its control slot */
	struct systrap_ctl *req;
	struct systrap_reply *reply;
	pthread_mutex_t req_lock; /* one request at a time */
	pthread_mutex_t lock;	  /* threads */
	struct systrap_thread *threads;
	unsigned nidx; /* thread slots made so far */
	bool dead;     /* atomic */
	/* Syscall-site rewriting (sysmsg.h), under trap_lock. */
	const struct platform_mm_ops *mm_ops; /* as_bind's */
	void *mm;
	pthread_mutex_t trap_lock;
	bool no_table;		      /* the table's range was not to be had */
	uint64_t table;		      /* its control slot (0: none yet) */
	unsigned ntraps;	      /* traps made (the first is the header) */
	uint64_t no_site[SITE_CACHE]; /* sites found not to qualify */
	uint64_t tramp_calls;	      /* syscalls through traps (stats) */
};

struct systrap_ctx {
	struct systrap_platform *p;
	pid_t tid;		/* the sentry thread */
	uint64_t running;	/* stub pid << 32 | tid running for us, or 0 */
	bool interrupt_pending; /* atomic */
};

_Static_assert(sizeof(struct abi_user_regs) == SR_NREGS * 8, "registers");
_Static_assert(sizeof(struct systrap_thread_page) <= SYSTRAP_FPU_OFF,
	       "thread page");
_Static_assert(offsetof(struct systrap_ctl, seq) == SYSTRAP_CTL_SEQ &&
		   offsetof(struct systrap_ctl, ack) == SYSTRAP_CTL_ACK &&
		   offsetof(struct systrap_ctl, nr) == SYSTRAP_CTL_NR &&
		   offsetof(struct systrap_ctl, args) == SYSTRAP_CTL_ARGS,
	       "request page");
_Static_assert((SYSTRAP_TABLE_ADDR >> 16) == 0x050f &&
		   SYSTRAP_TABLE_SIZE <= 0x10000 &&
		   SYSTRAP_TRAP_CODE + SYSTRAP_TRAP_LEN <= SYSTRAP_TRAP_SIZE,
	       "trap table");
_Static_assert(SYSTRAP_HANDOFF_ADDR == STUB_BASE + 0x100000UL &&
		   SYSTRAP_REQ_ADDR == STUB_BASE + 0x110000UL &&
		   SYSTRAP_REPLY_ADDR == STUB_BASE + 0x120000UL,
	       "control pages");

static __thread struct {
	struct systrap_as *as;
	uint64_t serial;
	struct systrap_thread *thr;
} mine;

static uint64_t as_serial; /* atomic */

static inline struct systrap_platform *to_sp(struct platform *p)
{
	return container_of(p, struct systrap_platform, base);
}

static pid_t host_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long futex_wait(uint32_t *word, uint32_t val, long ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	return syscall(SYS_futex, word, FUTEX_WAIT, val, ns ? &ts : NULL, NULL,
		       0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* ---- control slots ------------------------------------------------------ */

static int slot_alloc(struct systrap_platform *sp, uint64_t *off)
{
	int ret = -EAGAIN;

	pthread_mutex_lock(&sp->slots_lock);
	for (unsigned n = 0; n < SYSTRAP_SLOTS; n++) {
		unsigned i = (sp->slot_hint + n) % SYSTRAP_SLOTS;

		if (i == 0 || (sp->slot_map[i / 64] & (1ULL << (i % 64))))
			continue;
		sp->slot_map[i / 64] |= 1ULL << (i % 64);
		sp->slot_hint = i + 1;
		*off = (uint64_t)i * SYSTRAP_SLOT_SIZE;
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&sp->slots_lock);
	return ret;
}

/* Free a slot no stub can reach any more: its pages read zero again. */
static void slot_free(struct systrap_platform *sp, uint64_t off)
{
	unsigned i = (unsigned)(off / SYSTRAP_SLOT_SIZE);

	if (fallocate(sp->ctlfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, SYSTRAP_SLOT_SIZE) < 0)
		memset(sp->ctl + off, 0, SYSTRAP_SLOT_SIZE);
	pthread_mutex_lock(&sp->slots_lock);
	sp->slot_map[i / 64] &= ~(1ULL << (i % 64));
	pthread_mutex_unlock(&sp->slots_lock);
}

/* ---- the platform ------------------------------------------------------- */

/*
 * The full polling budget in TSC cycles: SYSTRAP_SPIN_US with at least
 * SYSTRAP_SPIN_CPUS CPUs online, none with fewer (two polling sides leave
 * nothing to the rest of a 2-CPU machine), or MOAT_SYSTRAP_SPIN_US from
 * the environment (0: never poll); the TSC's rate is measured against
 * the monotonic clock over 200 us.
 */
static uint64_t spin_cycles(void)
{
	const char *env = getenv("MOAT_SYSTRAP_SPIN_US");
	long us = sysconf(_SC_NPROCESSORS_ONLN) >= SYSTRAP_SPIN_CPUS
		      ? SYSTRAP_SPIN_US
		      : 0;
	int64_t t0, t;
	uint64_t c0, c;

	if (env)
		us = strtol(env, NULL, 10);
	if (us <= 0)
		return 0;
	if (us > 1000)
		us = 1000;
	t0 = mono_ns();
	c0 = __builtin_ia32_rdtsc();
	do {
		t = mono_ns();
		c = __builtin_ia32_rdtsc();
	} while (t - t0 < 200000);
	return (c - c0) * (uint64_t)us * 1000 / (uint64_t)(t - t0);
}

static int systrap_create(int memfd, struct platform **out)
{
	uint64_t size = (uint64_t)SYSTRAP_SLOTS * SYSTRAP_SLOT_SIZE;
	struct systrap_platform *sp;
	int err;

	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->base.ops = &systrap_platform_ops;
	sp->base.addr_limit = STUB_BASE;
	sp->base.fpu_size = platform_xstate_size();
	if (sp->base.fpu_size > SYSTRAP_FPU_MAX) {
		free(sp);
		return -ENOTSUP;
	}
	sp->memfd = memfd;
	sp->slot_map = calloc(SYSTRAP_SLOTS / 64, sizeof(uint64_t));
	sp->ctlfd = memfd_create("moat-systrap", MFD_CLOEXEC);
	if (!sp->slot_map || sp->ctlfd < 0 ||
	    ftruncate(sp->ctlfd, (off_t)size) < 0) {
		err = -errno;
		goto out_free;
	}
	sp->ctl = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, sp->ctlfd, 0);
	if (sp->ctl == MAP_FAILED) {
		err = -errno;
		goto out_free;
	}
	err = stub_factory_start(&sp->factory, memfd, sp->ctlfd, "systrap");
	if (err) {
		munmap(sp->ctl, size);
		goto out_free;
	}
	sp->base.vdso = sp->factory.vdso;
	sp->base.vdso_lo = sp->factory.vdso_lo;
	sp->base.vdso_hi = sp->factory.vdso_hi;
	pthread_mutex_init(&sp->handoff_lock, NULL);
	pthread_mutex_init(&sp->slots_lock, NULL);
	sp->slot_hint = 1;
	sp->spin_max = spin_cycles();
	sp->rewrite = !platform_options.no_rewrite;
	*out = &sp->base;
	return 0;

out_free:
	if (sp->ctlfd >= 0)
		close(sp->ctlfd);
	free(sp->slot_map);
	free(sp);
	return err ? err : -ENOMEM;
}

static void systrap_destroy(struct platform *p)
{
	struct systrap_platform *sp = to_sp(p);

	stub_factory_stop(&sp->factory);
	munmap(sp->ctl, (uint64_t)SYSTRAP_SLOTS * SYSTRAP_SLOT_SIZE);
	close(sp->ctlfd);
	free(sp->slot_map);
	free(sp);
}

/* ---- stubs -------------------------------------------------------------- */

static bool stub_alive(struct systrap_as *as)
{
	if (__atomic_load_n(&as->dead, __ATOMIC_ACQUIRE))
		return false;
	if (syscall(SYS_pidfd_send_signal, as->pidfd, 0, NULL, 0) == 0 ||
	    errno != ESRCH)
		return true;
	__atomic_store_n(&as->dead, true, __ATOMIC_RELEASE);
	return false;
}

/*
 * Have the syscall thread make one syscall; its result, -errno, or -ESRCH
 * when the stub is gone. The answer counts only when the syscall thread
 * woke us on the request page's ack word, which nothing else can wake:
 * the reply page's contents alone could be the application's.
 */
static long ctl_call(struct systrap_as *as, long nr, uint64_t a0, uint64_t a1,
		     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct systrap_ctl *req = as->req;
	long ret;

	pthread_mutex_lock(&as->req_lock);
	if (__atomic_load_n(&as->dead, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&as->req_lock);
		return -ESRCH;
	}
	req->nr = (uint64_t)nr;
	req->args[0] = a0;
	req->args[1] = a1;
	req->args[2] = a2;
	req->args[3] = a3;
	req->args[4] = a4;
	req->args[5] = a5;
	__atomic_store_n(&req->seq, req->seq + 1, __ATOMIC_RELEASE);
	futex_wake(&req->seq);
	for (;;) {
		if (futex_wait(&req->ack, 0, LIVENESS_NS) == 0)
			break;
		if (errno == ETIMEDOUT && !stub_alive(as)) {
			pthread_mutex_unlock(&as->req_lock);
			return -ESRCH;
		}
	}
	ret = (long)__atomic_load_n(&as->reply->ret, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&as->req_lock);
	return ret;
}

/*
 * Wait while thr's state word holds val: the new value, or SYSTRAP_DEAD
 * when the stub died (a thread's own exit clears the word itself).
 */
static uint32_t wait_state(struct systrap_as *as, struct systrap_thread *thr,
			   uint32_t val)
{
	struct systrap_thread_page *tp = thr->page;
	uint64_t max = as->p->spin_max;
	uint64_t budget = systrap_spin_budget(&thr->spin, max);
	uint64_t start = __builtin_ia32_rdtsc();
	uint32_t v;

	do {
		v = __atomic_load_n(&tp->state, __ATOMIC_ACQUIRE);
		if (v != val) {
			if (budget)
				systrap_spin_update(&thr->spin, max, 1);
			return v;
		}
		__builtin_ia32_pause();
	} while (__builtin_ia32_rdtsc() - start < budget);
	if (budget)
		systrap_spin_update(&thr->spin, max, 0);
	for (;;) {
		long r = 0;

		__atomic_store_n(&tp->sentry_waits, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(&tp->state, __ATOMIC_SEQ_CST);
		if (v == val)
			r = futex_wait(&tp->state, val, LIVENESS_NS);
		__atomic_store_n(&tp->sentry_waits, 0, __ATOMIC_RELAXED);
		if (v != val)
			return v;
		if (r < 0 && errno == ETIMEDOUT && !stub_alive(as))
			return SYSTRAP_DEAD;
	}
}

/* Post v to thr's state word, waking the stub if it sleeps there. */
static void post_state(struct systrap_thread *thr, uint32_t v)
{
	__atomic_store_n(&thr->page->state, v, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&thr->page->stub_waits, __ATOMIC_SEQ_CST))
		futex_wake(&thr->page->state);
}

/* Kill the stub and wait until it is gone: nothing of it runs on. */
static void stub_kill(struct systrap_as *as)
{
	struct pollfd pfd = {.fd = as->pidfd, .events = POLLIN};

	syscall(SYS_pidfd_send_signal, as->pidfd, SIGKILL, NULL, 0);
	__atomic_store_n(&as->dead, true, __ATOMIC_RELEASE);
	for (int i = 0; i < 100; i++)
		if (poll(&pfd, 1, 100) != 0 && (pfd.revents || errno != EINTR))
			break;
}

/* A thread slot for as: a free one of its own, or a new one mapped. */
static int thread_slot(struct systrap_as *as, struct systrap_thread **out)
{
	struct systrap_thread *thr = NULL;
	long r;
	int err;

	pthread_mutex_lock(&as->lock);
	for (struct systrap_thread *t = as->threads; t; t = t->next)
		if (t->state == THREAD_FREE) {
			thr = t;
			break;
		}
	if (thr)
		thr->state = THREAD_PREPARED;
	pthread_mutex_unlock(&as->lock);
	if (thr) {
		*out = thr;
		return 0;
	}
	thr = calloc(1, sizeof(*thr));
	if (!thr)
		return -ENOMEM;
	pthread_mutex_lock(&as->lock);
	thr->idx = as->nidx < SYSTRAP_MAX_THREADS ? as->nidx++ : ~0U;
	pthread_mutex_unlock(&as->lock);
	if (thr->idx == ~0U) {
		free(thr);
		return -EAGAIN;
	}
	err = slot_alloc(as->p, &thr->off);
	if (err) {
		free(thr);
		return err;
	}
	thr->page = (struct systrap_thread_page *)(as->p->ctl + thr->off);
	r = ctl_call(as, __NR_mmap,
		     SYSTRAP_THREADS_BASE + thr->idx * SYSTRAP_SLOT_SIZE,
		     SYSTRAP_SLOT_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, STUB_CTL_FD, thr->off);
	if (r != (long)(SYSTRAP_THREADS_BASE + thr->idx * SYSTRAP_SLOT_SIZE)) {
		/* Never mapped, or the stub is gone: nothing reaches it. */
		slot_free(as->p, thr->off);
		free(thr);
		return IS_ERR_VALUE(r) ? (int)r : -EFAULT;
	}
	thr->state = THREAD_PREPARED;
	pthread_mutex_lock(&as->lock);
	thr->next = as->threads;
	as->threads = thr;
	pthread_mutex_unlock(&as->lock);
	*out = thr;
	return 0;
}

static void thread_release(struct systrap_as *as, struct systrap_thread *thr)
{
	pthread_mutex_lock(&as->lock);
	thr->state = THREAD_FREE;
	thr->owner = 0;
	thr->tid = 0;
	pthread_mutex_unlock(&as->lock);
}

/*
 * Clone a new application thread into thr's slot and wait until it traps
 * the first time, ready: 0 or -errno. fpu: the state it starts with, or
 * NULL for the stub's.
 */
static int thread_start(struct systrap_as *as, struct systrap_thread *thr,
			const void *fpu)
{
	uint64_t slot = SYSTRAP_THREADS_BASE + thr->idx * SYSTRAP_SLOT_SIZE;
	struct systrap_thread_page *tp = thr->page;
	long tid;

	memset(tp, 0, sizeof(*tp));
	tp->magic = SYSTRAP_MAGIC;
	tp->stack = slot + SYSTRAP_SLOT_SIZE;
	thr->dead = false;
	thr->cpu_word = 0;
	if (fpu) {
		memcpy((uint8_t *)tp + SYSTRAP_FPU_OFF, fpu,
		       as->p->base.fpu_size);
		tp->fpu_dirty = 1;
	}
	__atomic_store_n(&tp->state, SYSTRAP_STARTING, __ATOMIC_RELEASE);
	tid = ctl_call(as, __NR_clone, SYSTRAP_CLONE_FLAGS,
		       slot + SYSTRAP_SLOT_SIZE, 0, slot, 0, 0);
	if (IS_ERR_VALUE(tid))
		return (int)tid;
	if (tid <= 0)
		return -EFAULT;
	thr->tid = (pid_t)tid;
	if (wait_state(as, thr, SYSTRAP_STARTING) != SYSTRAP_EV_NEW)
		return -ESRCH;
	return 0;
}

/* End thr, waiting in the handler: it exits and clears its state word. */
static void thread_end(struct systrap_as *as, struct systrap_thread *thr)
{
	for (int tries = 0; tries < 50 && !thr->dead; tries++) {
		uint32_t v;

		post_state(thr, SYSTRAP_EXIT);
		v = wait_state(as, thr, SYSTRAP_EXIT);
		if (v == SYSTRAP_DEAD)
			return;
		/* Not in the handler after all: bring it there. */
		if (thr->tid > 0)
			syscall(SYS_tgkill, as->pid, thr->tid,
				SYSTRAP_INTERRUPT_SIG);
	}
}

/* ---- address spaces ----------------------------------------------------- */

static int systrap_as_create(struct platform *p, struct platform_as **out)
{
	struct systrap_platform *sp = to_sp(p);
	struct systrap_handoff *ho = (struct systrap_handoff *)sp->ctl;
	struct systrap_thread *thr;
	struct systrap_as *as;
	long r;
	int err;

	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->p = sp;
	as->pidfd = -1;
	pthread_mutex_init(&as->req_lock, NULL);
	pthread_mutex_init(&as->lock, NULL);
	pthread_mutex_init(&as->trap_lock, NULL);
	err = slot_alloc(sp, &as->ctl_off);
	if (err) {
		free(as);
		return err;
	}
	as->req = (struct systrap_ctl *)(sp->ctl + as->ctl_off);
	as->reply = (struct systrap_reply *)(sp->ctl + as->ctl_off + 4096);
	as->req->fpu_size = p->fpu_size;
	as->req->spin_max = sp->spin_max;

	as->pid = stub_factory_get(&sp->factory);
	if (as->pid < 0) {
		err = as->pid;
		goto out_slot;
	}
	as->pidfd = (int)syscall(SYS_pidfd_open, as->pid, 0);
	if (as->pidfd < 0) {
		err = -errno;
		kill(as->pid, SIGKILL);
		goto out_slot;
	}
	/*
	 * Tell the stub (stopped, waiting for its name in the hand-off
	 * page) its control slot; its first request maps the reply page,
	 * and its answer says it has left the hand-off page.
	 */
	pthread_mutex_lock(&sp->handoff_lock);
	ho->ctl_off = as->ctl_off;
	__atomic_store_n(&ho->pid, as->pid, __ATOMIC_RELEASE);
	syscall(SYS_pidfd_send_signal, as->pidfd, SIGCONT, NULL, 0);
	r = ctl_call(as, __NR_mmap, SYSTRAP_REPLY_ADDR, 4096,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		     STUB_CTL_FD, as->ctl_off + 4096);
	__atomic_store_n(&ho->pid, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sp->handoff_lock);
	if (r != (long)SYSTRAP_REPLY_ADDR) {
		err = IS_ERR_VALUE(r) ? (int)r : -EFAULT;
		goto out_kill;
	}
	as->serial = __atomic_add_fetch(&as_serial, 1, __ATOMIC_RELAXED);
	err = thread_slot(as, &thr);
	if (!err)
		err = thread_start(as, thr, NULL);
	if (err)
		goto out_kill;
	thr->state = THREAD_ENTERED;
	thr->owner = host_gettid();
	mine.as = as;
	mine.serial = as->serial;
	mine.thr = thr;
	*out = (struct platform_as *)as;
	return 0;

out_kill:
	stub_kill(as);
	for (struct systrap_thread *t = as->threads, *next; t; t = next) {
		next = t->next;
		slot_free(sp, t->off);
		free(t);
	}
out_slot:
	if (as->pidfd >= 0)
		close(as->pidfd);
	slot_free(sp, as->ctl_off);
	free(as);
	return err;
}

static void systrap_as_destroy(struct platform_as *pas)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr, *next;

	if (!as)
		return;
	stub_kill(as);
	for (thr = as->threads; thr; thr = next) {
		next = thr->next;
		slot_free(as->p, thr->off);
		free(thr);
	}
	slot_free(as->p, as->ctl_off);
	if (as->table)
		slot_free(as->p, as->table);
	close(as->pidfd);
	if (mine.as == as)
		mine.as = NULL;
	if (as->ntraps)
		log_debug("systrap: %u syscall sites rewritten, %lu calls "
			  "through them",
			  as->ntraps - 1, (unsigned long)as->tramp_calls);
	pthread_mutex_destroy(&as->req_lock);
	pthread_mutex_destroy(&as->lock);
	pthread_mutex_destroy(&as->trap_lock);
	free(as);
}

/* The calling sentry thread's thread in as, or NULL. */
static struct systrap_thread *find_mine(struct systrap_as *as)
{
	struct systrap_thread *thr = NULL;
	pid_t me;

	if (mine.as == as && mine.serial == as->serial)
		return mine.thr;
	me = host_gettid();
	pthread_mutex_lock(&as->lock);
	for (struct systrap_thread *t = as->threads; t; t = t->next)
		if (t->state == THREAD_ENTERED && t->owner == me)
			thr = t;
	pthread_mutex_unlock(&as->lock);
	if (thr) {
		mine.as = as;
		mine.serial = as->serial;
		mine.thr = thr;
	}
	return thr;
}

static int systrap_as_new_thread(struct platform_as *pas, uint64_t *token)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *me = find_mine(as), *thr;
	int err;

	if (!me)
		return -EPERM;
	err = thread_slot(as, &thr);
	if (err)
		return err;
	/* Linux's new thread starts with its creator's FPU state. */
	err = thread_start(as, thr, (uint8_t *)me->page + SYSTRAP_FPU_OFF);
	if (err) {
		thread_end(as, thr);
		thread_release(as, thr);
		return err;
	}
	*token = thr->idx + 1;
	return 0;
}

static struct systrap_thread *claim(struct systrap_as *as, uint64_t token)
{
	struct systrap_thread *thr = NULL;

	pthread_mutex_lock(&as->lock);
	for (struct systrap_thread *t = as->threads; t; t = t->next)
		if (t->state == THREAD_PREPARED && t->idx + 1 == token &&
		    !t->owner) {
			thr = t;
			thr->owner = host_gettid();
		}
	pthread_mutex_unlock(&as->lock);
	return thr;
}

static int systrap_as_enter(struct platform_as *pas, uint64_t token)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr;

	if (find_mine(as))
		return -EBUSY;
	thr = claim(as, token);
	if (!thr)
		return -ESRCH;
	pthread_mutex_lock(&as->lock);
	thr->state = THREAD_ENTERED;
	pthread_mutex_unlock(&as->lock);
	mine.as = as;
	mine.serial = as->serial;
	mine.thr = thr;
	return 0;
}

static int systrap_as_abandon(struct platform_as *pas, uint64_t token)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = claim(as, token);

	if (!thr)
		return -ESRCH;
	thread_end(as, thr);
	thread_release(as, thr);
	return 0;
}

static void systrap_as_leave(struct platform_as *pas)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = find_mine(as);

	if (!thr)
		return;
	if (mine.as == as)
		mine.as = NULL;
	thread_end(as, thr);
	thread_release(as, thr);
}

static int systrap_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
			  int prot, uint64_t off)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	long ret;

	if (!find_mine(as))
		return -EPERM;
	ret = ctl_call(as, __NR_mmap, addr, len, (uint64_t)prot,
		       MAP_SHARED | MAP_FIXED, STUB_MEMFD_FD, off);
	if (IS_ERR_VALUE(ret))
		return (int)ret;
	return ret == (long)addr ? 0 : -EFAULT;
}

static int do_unmap(struct systrap_as *as, uint64_t addr, uint64_t len,
		    int prot)
{
	(void)prot;
	return (int)ctl_call(as, __NR_munmap, addr, len, 0, 0, 0, 0);
}

static int do_protect(struct systrap_as *as, uint64_t addr, uint64_t len,
		      int prot)
{
	return (int)ctl_call(as, __NR_mprotect, addr, len, (uint64_t)prot, 0, 0,
			     0);
}

static int outside_table(struct systrap_as *as, uint64_t addr, uint64_t len,
			 int (*fn)(struct systrap_as *as, uint64_t addr,
				   uint64_t len, int prot),
			 int prot);

static int systrap_as_unmap(struct platform_as *pas, uint64_t addr,
			    uint64_t len)
{
	struct systrap_as *as = (struct systrap_as *)pas;

	if (!find_mine(as))
		return -EPERM;
	return outside_table(as, addr, len, do_unmap, 0);
}

static int systrap_as_protect(struct platform_as *pas, uint64_t addr,
			      uint64_t len, int prot)
{
	struct systrap_as *as = (struct systrap_as *)pas;

	if (!find_mine(as))
		return -EPERM;
	return outside_table(as, addr, len, do_protect, prot);
}

/* ---- syscall-site rewriting (sysmsg.h) ---------------------------------- */

static uint8_t *table_of(struct systrap_as *as)
{
	return as->p->ctl + as->table;
}

/*
 * Map the table, a control slot whose contents are src's (NULL: only
 * the header, the common entry's address), read-only at
 * SYSTRAP_TABLE_ADDR in the stub, once the memory manager withholds the
 * range from the application. trap_lock held (or as not shared yet).
 */
static int table_make(struct systrap_as *as, const uint8_t *src, unsigned n)
{
	uint64_t off;
	long r;
	int err;

	err = as->mm_ops->reserve(as->mm, SYSTRAP_TABLE_ADDR,
				  SYSTRAP_TABLE_ADDR + SYSTRAP_TABLE_SIZE);
	if (!err)
		err = slot_alloc(as->p, &off);
	if (err)
		return err;
	if (src) {
		memcpy(as->p->ctl + off, src, (size_t)n * SYSTRAP_TRAP_SIZE);
	} else {
		uint64_t entry = SYSTRAP_TRAMP_ADDR;

		memcpy(as->p->ctl + off, &entry, 8);
		n = 1;
	}
	/* Set first: from now on no unmap or protect touches the range. */
	__atomic_store_n(&as->table, off, __ATOMIC_SEQ_CST);
	r = ctl_call(as, __NR_mmap, SYSTRAP_TABLE_ADDR, SYSTRAP_TABLE_SIZE,
		     PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, STUB_CTL_FD,
		     off);
	if (r != (long)SYSTRAP_TABLE_ADDR) {
		__atomic_store_n(&as->table, 0, __ATOMIC_SEQ_CST);
		slot_free(as->p, off);
		return IS_ERR_VALUE(r) ? (int)r : -EFAULT;
	}
	as->ntraps = n;
	return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/*
 * Write trap i of the table: for the site that ends at ret, syscall nr.
 * Its pointer goes last, so that nothing jumps to a half-written trap.
 */
static void trap_write(struct systrap_as *as, unsigned i, uint64_t ret,
		       uint32_t nr)
{
	static const uint8_t code[SYSTRAP_TRAP_LEN] = {
	    /* 0: mov %gs:SYSTRAP_TP_MAGIC, %rcx */
	    0x65, 0x48, 0x8b, 0x0c, 0x25, 0, 0, 0, 0,
	    /* 9: movabs $-SYSTRAP_MAGIC, %r11 */
	    0x49, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0,
	    /* 19: lea (%rcx,%r11), %rcx; jrcxz 27; 25: ud2 */
	    0x4a, 0x8d, 0x0c, 0x19, 0xe3, 0x02, 0x0f, 0x0b,
	    /* 27: mov %rsp, %gs:regs[SR_RSP] */
	    0x65, 0x48, 0x89, 0x24, 0x25, 0, 0, 0, 0,
	    /* 36: movabs $ret, %rax */
	    0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	    /* 46: mov %rax, %gs:regs[SR_RIP] */
	    0x65, 0x48, 0x89, 0x04, 0x25, 0, 0, 0, 0,
	    /* 55: mov $nr, %eax */
	    0xb8, 0, 0, 0, 0,
	    /* 60: jmp *SYSTRAP_TABLE_ADDR (the header: the common entry) */
	    0xff, 0x24, 0x25, 0, 0, 0, 0};
	uint8_t *t = table_of(as) + (size_t)i * SYSTRAP_TRAP_SIZE;
	uint8_t *c = t + SYSTRAP_TRAP_CODE;

	memcpy(c, code, sizeof(code));
	put_u32(c + 5, SYSTRAP_TP_MAGIC);
	put_u64(c + 11, -SYSTRAP_MAGIC);
	put_u32(c + 32, SYSTRAP_TP_REGS + 8 * SR_RSP);
	put_u64(c + SYSTRAP_TRAP_RET, ret);
	put_u32(c + 51, SYSTRAP_TP_REGS + 8 * SR_RIP);
	put_u32(c + SYSTRAP_TRAP_NR, nr);
	put_u32(c + 63, (uint32_t)SYSTRAP_TABLE_ADDR);
	__atomic_store_n((uint64_t *)t,
			 SYSTRAP_TABLE_ADDR + (uint64_t)i * SYSTRAP_TRAP_SIZE +
			     SYSTRAP_TRAP_CODE,
			 __ATOMIC_RELEASE);
}

static bool site_known_bad(struct systrap_as *as, uint64_t site)
{
	return as->no_site[(site >> 2) % SITE_CACHE] == site;
}

/*
 * The syscall nr that trapped at rip (the end of its syscall
 * instruction): if the site is `mov $nr,%eax; syscall` in code only this
 * address space has and cannot write (the memory manager checks), rewrite
 * it into a jump to a new trap. Only the first five bytes change, as one
 * atomic write of the aligned 16 bytes that hold them: a thread that
 * fetches the site sees the old mov or the new jmp, and one that ran the
 * old mov finds the syscall instruction still after it (sysmsg.h).
 * rt_sigreturn is left alone: its way back changes the FPU state, which
 * only the signal handler's return loads, so a trap would gain nothing.
 */
static void maybe_rewrite(struct systrap_as *as, uint64_t rip, uint64_t nr)
{
	uint64_t site = rip - 7;
	uint8_t old[7] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05}, new[7];
	unsigned i;
	int err;

	if (!as->mm_ops || as->no_table || nr > 0x7fffffff ||
	    nr == __NR_rt_sigreturn || rip < 0x10000 + 7 ||
	    rip > as->p->base.addr_limit || (site & 15) > 11 ||
	    site_known_bad(as, site))
		return;
	put_u32(old + 1, (uint32_t)nr);
	pthread_mutex_lock(&as->trap_lock);
	if (!as->table && table_make(as, NULL, 0)) {
		as->no_table = true;
		goto out;
	}
	i = as->ntraps;
	if (i >= SYSTRAP_TRAPS)
		goto out;
	trap_write(as, i, rip, (uint32_t)nr);
	new[0] = 0xff;
	new[1] = 0x24;
	new[2] = 0x25;
	put_u32(new + 3, (uint32_t)(SYSTRAP_TABLE_ADDR +
				    (uint64_t)i * SYSTRAP_TRAP_SIZE));
	err = as->mm_ops->patch_code(as->mm, site, old, new, sizeof(old));
	if (!err)
		as->ntraps++;
	else
		as->no_site[(site >> 2) % SITE_CACHE] = site;
out:
	pthread_mutex_unlock(&as->trap_lock);
}

static void systrap_as_bind(struct platform_as *pas,
			    const struct platform_mm_ops *ops, void *mm,
			    struct platform_as *pfrom)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_as *from = (struct systrap_as *)pfrom;

	as->mm_ops = ops;
	as->mm = mm;
	if (!as->p->rewrite) {
		as->no_table = true;
		return;
	}
	/* A fork's child runs its parent's rewritten code: the same traps. */
	if (from && from->table) {
		pthread_mutex_lock(&from->trap_lock);
		if (table_make(as, table_of(from), from->ntraps))
			log_warn("systrap: a fork's child lost its traps");
		pthread_mutex_unlock(&from->trap_lock);
	}
}

/*
 * The part of [addr, addr+len) the application has: all of it but the
 * table's range, which the memory manager withholds once the table is
 * made. Calls fn on each piece; the first error.
 */
static int outside_table(struct systrap_as *as, uint64_t addr, uint64_t len,
			 int (*fn)(struct systrap_as *as, uint64_t addr,
				   uint64_t len, int prot),
			 int prot)
{
	uint64_t end = addr + len, lo = SYSTRAP_TABLE_ADDR,
		 hi = SYSTRAP_TABLE_ADDR + SYSTRAP_TABLE_SIZE;
	int err = 0;

	if (!__atomic_load_n(&as->table, __ATOMIC_SEQ_CST) || end <= lo ||
	    addr >= hi)
		return fn(as, addr, len, prot);
	if (addr < lo)
		err = fn(as, addr, lo - addr, prot);
	if (!err && end > hi)
		err = fn(as, hi, end - hi, prot);
	return err;
}

/* ---- contexts and running ----------------------------------------------- */

static int systrap_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct systrap_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	ctx->p = to_sp(p);
	ctx->tid = host_gettid();
	*out = (struct platform_ctx *)ctx;
	return 0;
}

static void systrap_ctx_destroy(struct platform_ctx *ctx)
{
	free(ctx);
}

/* ctx's own thread in as: the caller must be ctx's sentry thread. */
static struct systrap_thread *ctx_thread(struct systrap_ctx *ctx,
					 struct systrap_as *as)
{
	struct systrap_thread *thr = find_mine(as);

	return thr && thr->owner == ctx->tid ? thr : NULL;
}

static void acct_resume(struct systrap_thread *thr)
{
	int64_t w = __atomic_load_n(&thr->cpu_word, __ATOMIC_RELAXED);

	__atomic_store_n(&thr->cpu_word, -(mono_ns() - w) - 1,
			 __ATOMIC_RELEASE);
}

static void acct_stopped(struct systrap_thread *thr)
{
	int64_t w = __atomic_load_n(&thr->cpu_word, __ATOMIC_RELAXED);

	__atomic_store_n(&thr->cpu_word, mono_ns() + w + 1, __ATOMIC_RELEASE);
}

static int access_of(uint64_t err)
{
	if (err & 0x10) /* X86_PF_INSTR */
		return PLATFORM_ACCESS_EXEC;
	return err & 0x2 ? PLATFORM_ACCESS_WRITE : PLATFORM_ACCESS_READ;
}

static int systrap_switch_to(struct platform_ctx *pctx, struct platform_as *pas,
			     struct abi_user_regs *regs,
			     struct platform_event *ev)
{
	struct systrap_ctx *ctx = (struct systrap_ctx *)pctx;
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = ctx_thread(ctx, as);
	struct systrap_thread_page *tp;
	uint32_t v;

	if (!thr)
		return -EPERM;
	tp = thr->page;
	if (thr->dead) {
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	if (__atomic_exchange_n(&ctx->interrupt_pending, false,
				__ATOMIC_ACQ_REL)) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	memcpy(tp->regs, regs, sizeof(*regs));
	__atomic_store_n(&ctx->running,
			 (uint64_t)as->pid << 32 | (uint32_t)thr->tid,
			 __ATOMIC_RELEASE);
	acct_resume(thr);
	post_state(thr, SYSTRAP_RUN);
	v = wait_state(as, thr, SYSTRAP_RUN);
	acct_stopped(thr);
	__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);

	memset(ev, 0, sizeof(*ev));
	if (v == SYSTRAP_DEAD) {
		thr->dead = true;
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	/* Once, from memory the application may write: keep the copy. */
	memcpy(regs, tp->regs, sizeof(*regs));
	regs->cs = 0x33;
	regs->ss = 0x2b;
	regs->ds = regs->es = regs->fs = regs->gs = 0;
	ev->signo = __atomic_load_n(&tp->signo, __ATOMIC_RELAXED);
	ev->code = __atomic_load_n(&tp->code, __ATOMIC_RELAXED);
	ev->addr = __atomic_load_n(&tp->addr, __ATOMIC_RELAXED);
	switch (v) {
	case SYSTRAP_EV_SYSCALL:
		/* A call into the vsyscall page, as the sentry's fault. */
		if (ev->signo == SIGSYS &&
		    platform_vsyscall_trap(ev->addr, regs, ev))
			return 0;
		ev->why = PLATFORM_SYSCALL;
		if (ev->signo == SIGSYS && ev->addr == regs->rip)
			maybe_rewrite(as, regs->rip, regs->orig_rax);
		return 0;
	case SYSTRAP_EV_TRAMP:
		ev->why = PLATFORM_SYSCALL;
		__atomic_add_fetch(&as->tramp_calls, 1, __ATOMIC_RELAXED);
		return 0;
	case SYSTRAP_EV_FAULT:
		break;
	default:
		/* The interrupt, or what the application wrote there. */
		ev->why = PLATFORM_INTERRUPTED;
		__atomic_store_n(&ctx->interrupt_pending, false,
				 __ATOMIC_RELEASE);
		return 0;
	}
	switch (ev->signo) {
	case SIGSEGV:
	case SIGBUS:
		ev->why = ev->code > 0 ? PLATFORM_FAULT : PLATFORM_INTERRUPTED;
		if (ev->signo == SIGSEGV && ev->code > 0)
			ev->access = access_of(tp->err);
		break;
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		ev->why = ev->code > 0 ? PLATFORM_SIGNAL : PLATFORM_INTERRUPTED;
		break;
	default:
		ev->why = PLATFORM_INTERRUPTED;
		break;
	}
	return 0;
}

/*
 * The interrupt signal to ctx's stub thread alone: its handler reports
 * it like a trap. Sent while the thread waits in the handler, it waits
 * (every signal is blocked there) and comes right after the return.
 */
static void systrap_interrupt(struct platform_ctx *pctx)
{
	struct systrap_ctx *ctx = (struct systrap_ctx *)pctx;
	uint64_t running;

	__atomic_store_n(&ctx->interrupt_pending, true, __ATOMIC_RELEASE);
	running = __atomic_load_n(&ctx->running, __ATOMIC_ACQUIRE);
	if (running)
		syscall(SYS_tgkill, (pid_t)(running >> 32), (pid_t)running,
			SYSTRAP_INTERRUPT_SIG);
}

static int systrap_cpu_time(struct platform_ctx *pctx, struct platform_as *pas,
			    struct timespec *ts)
{
	struct systrap_ctx *ctx = (struct systrap_ctx *)pctx;
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = NULL;
	int64_t w = 0, ns;

	pthread_mutex_lock(&as->lock);
	for (struct systrap_thread *t = as->threads; t; t = t->next)
		if (t->state == THREAD_ENTERED && t->owner == ctx->tid)
			thr = t;
	if (thr)
		w = __atomic_load_n(&thr->cpu_word, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&as->lock);
	if (!thr)
		return -EPERM;
	ns = w >= 0 ? w : mono_ns() + w + 1;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

static int systrap_get_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			   void *buf)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = ctx_thread((struct systrap_ctx *)pctx, as);

	if (!thr)
		return -EPERM;
	memcpy(buf, (uint8_t *)thr->page + SYSTRAP_FPU_OFF,
	       as->p->base.fpu_size);
	return 0;
}

static int systrap_set_fpu(struct platform_ctx *pctx, struct platform_as *pas,
			   const void *buf)
{
	struct systrap_as *as = (struct systrap_as *)pas;
	struct systrap_thread *thr = ctx_thread((struct systrap_ctx *)pctx, as);

	if (!thr)
		return -EPERM;
	memcpy((uint8_t *)thr->page + SYSTRAP_FPU_OFF, buf,
	       as->p->base.fpu_size);
	__atomic_store_n(&thr->page->fpu_dirty, 1, __ATOMIC_RELEASE);
	return 0;
}

const struct platform_ops systrap_platform_ops = {
    .name = "systrap",
    .create = systrap_create,
    .destroy = systrap_destroy,
    .as_create = systrap_as_create,
    .as_bind = systrap_as_bind,
    .as_destroy = systrap_as_destroy,
    .as_new_thread = systrap_as_new_thread,
    .as_enter = systrap_as_enter,
    .as_leave = systrap_as_leave,
    .as_abandon = systrap_as_abandon,
    .as_map = systrap_as_map,
    .as_unmap = systrap_as_unmap,
    .as_protect = systrap_as_protect,
    .ctx_create = systrap_ctx_create,
    .ctx_destroy = systrap_ctx_destroy,
    .switch_to = systrap_switch_to,
    .interrupt = systrap_interrupt,
    .cpu_time = systrap_cpu_time,
    .get_fpu = systrap_get_fpu,
    .set_fpu = systrap_set_fpu,
};
