// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the ptrace platform (platform/ptrace): address spaces from
 * the stub factory, one after another and after a quiet spell (the factory
 * forks spares lazily), each running application code to its first
 * syscall, with memory that the memory file and the stub share; and
 * address spaces that several sentry threads run application threads in.
 */
#include "platform/platform.h"
#include "sentry/mm/memfile.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG	  4096ULL
#define CODE_VA	  0x400000ULL
#define DATA_VA	  0x600000ULL
#define MORE_VA	  0x800000ULL
#define LOAD_OFF  0x40 /* load_code, in the code page */
#define SPIN_OFF  0x80 /* spin_code */
#define NR_WRITE  1
#define NR_GETPID 39

static struct memfile mf;
static struct platform *plat;
static struct platform_ctx *ctx;
static int64_t code_off, data_off, more_off;

/*
 * The application: store 0x2a at DATA_VA, then write(7, DATA_VA, 1), and
 * loop on that syscall.
 *	movabs $DATA_VA, %rsi; movb $0x2a, (%rsi)
 *	mov $1, %eax; mov $7, %edi; mov $1, %edx; syscall; jmp .
 */
static const uint8_t code[] = {
    0x48, 0xbe, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, /* movabs */
    0xc6, 0x06, 0x2a,		  /* movb $0x2a, (%rsi) */
    0xb8, 0x01, 0x00, 0x00, 0x00, /* mov $1, %eax */
    0xbf, 0x07, 0x00, 0x00, 0x00, /* mov $7, %edi */
    0xba, 0x01, 0x00, 0x00, 0x00, /* mov $1, %edx */
    0x0f, 0x05,			  /* syscall */
    0xeb, 0xfe,			  /* jmp . */
};

/*
 * Load the byte at %rsi into %edi and getpid(), again and again: each
 * stop shows what the thread reads there now.
 *	1: movzbl (%rsi), %edi; mov $39, %eax; syscall; jmp 1b
 */
static const uint8_t load_code[] = {
    0x0f, 0xb6, 0x3e,		  /* movzbl (%rsi), %edi */
    0xb8, 0x27, 0x00, 0x00, 0x00, /* mov $39, %eax */
    0x0f, 0x05,			  /* syscall */
    0xeb, 0xf4,			  /* jmp 1b */
};

/* Run without stopping: jmp . */
static const uint8_t spin_code[] = {0xeb, 0xfe};

static void setup(void)
{
	ck_assert_int_eq(memfile_create(&mf, 64ULL << 20), 0);
	ck_assert_int_eq(ptrace_platform_ops.create(mf.fd, &plat), 0);
	ck_assert_int_eq(ptrace_platform_ops.ctx_create(plat, &ctx), 0);
	code_off = memfile_alloc(&mf, PG);
	data_off = memfile_alloc(&mf, PG);
	ck_assert_int_ge(code_off, 0);
	ck_assert_int_ge(data_off, 0);
	more_off = memfile_alloc(&mf, PG);
	ck_assert_int_ge(more_off, 0);
	memcpy(memfile_ptr(&mf, (uint64_t)code_off), code, sizeof(code));
	memcpy(memfile_ptr(&mf, (uint64_t)code_off + LOAD_OFF), load_code,
	       sizeof(load_code));
	memcpy(memfile_ptr(&mf, (uint64_t)code_off + SPIN_OFF), spin_code,
	       sizeof(spin_code));
}

static void teardown(void)
{
	ptrace_platform_ops.ctx_destroy(ctx);
	ptrace_platform_ops.destroy(plat);
	memfile_destroy(&mf);
}

/* A new address space runs the code to its syscall, sharing memory. */
static void run_one(void)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct abi_user_regs regs = {0};
	struct platform_event ev = {0};
	struct platform_as *as;
	uint8_t *data = memfile_ptr(&mf, (uint64_t)data_off);

	*data = 0;
	ck_assert_int_eq(ops->as_create(plat, &as), 0);
	ck_assert_int_eq(ops->as_map(as, CODE_VA, PG,
				     ABI_PROT_READ | ABI_PROT_EXEC,
				     (uint64_t)code_off),
			 0);
	ck_assert_int_eq(ops->as_map(as, DATA_VA, PG,
				     ABI_PROT_READ | ABI_PROT_WRITE,
				     (uint64_t)data_off),
			 0);
	regs.rip = CODE_VA;
	regs.eflags = 0x202;
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(regs.orig_rax, NR_WRITE);
	ck_assert_uint_eq(regs.rdi, 7);
	ck_assert_uint_eq(regs.rsi, DATA_VA);
	/* The store went to the memory file, not a private copy. */
	ck_assert_uint_eq(*data, 0x2a);
	ops->as_destroy(as);
}

START_TEST(test_address_spaces_in_a_row)
{
	/* The first is the spare forked at start; the next come on demand. */
	for (int i = 0; i < 4; i++)
		run_one();
}
END_TEST

START_TEST(test_address_space_after_quiet)
{
	struct timespec ts = {0, 60 * 1000 * 1000};

	run_one();
	/* Quiet for longer than the factory waits: a spare is ready. */
	nanosleep(&ts, NULL);
	run_one();
	nanosleep(&ts, NULL);
	run_one();
	run_one();
}
END_TEST

/* A fault in an unmapped page stops the stub with SIGSEGV, not the host. */
START_TEST(test_fault_reported)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct abi_user_regs regs = {0};
	struct platform_event ev = {0};
	struct platform_as *as;

	ck_assert_int_eq(ops->as_create(plat, &as), 0);
	ck_assert_int_eq(ops->as_map(as, CODE_VA, PG,
				     ABI_PROT_READ | ABI_PROT_EXEC,
				     (uint64_t)code_off),
			 0);
	/* No data page: the store faults. */
	regs.rip = CODE_VA;
	regs.eflags = 0x202;
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_FAULT);
	ck_assert_int_eq(ev.signo, 11);
	ck_assert_uint_eq(ev.addr, DATA_VA);
	ck_assert_uint_eq(regs.rip, CODE_VA + 10);
	ops->as_destroy(as);
}
END_TEST

/* ---- several sentry threads in one address space ------------------------ */

/* An address space with the code and data pages, for the calling thread. */
static struct platform_as *new_as(void)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct platform_as *as;

	ck_assert_int_eq(ops->as_create(plat, &as), 0);
	ck_assert_int_eq(ops->as_map(as, CODE_VA, PG,
				     ABI_PROT_READ | ABI_PROT_EXEC,
				     (uint64_t)code_off),
			 0);
	ck_assert_int_eq(ops->as_map(as, DATA_VA, PG,
				     ABI_PROT_READ | ABI_PROT_WRITE,
				     (uint64_t)data_off),
			 0);
	return as;
}

/* Registers to start at code offset off with %rsi = rsi. */
static struct abi_user_regs at(uint64_t off, uint64_t rsi)
{
	struct abi_user_regs regs = {0};

	regs.rip = CODE_VA + off;
	regs.rsi = rsi;
	regs.eflags = 0x202;
	return regs;
}

static bool proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}

/* The process a host thread belongs to, from /proc. */
static pid_t proc_tgid(pid_t tid)
{
	char path[64], line[128];
	FILE *f;
	int tgid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* A host thread's state letter (R, S, t...), from /proc. */
static char proc_state(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	ck_assert_ptr_nonnull(p);
	return p[2];
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/*
 * Another sentry thread: it enters as with token, runs body (if any), and
 * leaves unless told to stay.
 */
struct peer {
	pthread_t thread;
	struct platform_as *as;
	uint64_t token;
	int (*body)(struct peer *pe);
	bool stay;
	struct platform_ctx *ctx;
	struct abi_user_regs regs;
	struct platform_event ev;
	int enter_err, err;
	sem_t entered, go;
	bool done; /* atomic */
};

static void *peer_main(void *arg)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct peer *pe = arg;

	ck_assert_int_eq(ops->ctx_create(plat, &pe->ctx), 0);
	pe->enter_err = ops->as_enter(pe->as, pe->token);
	sem_post(&pe->entered);
	if (!pe->enter_err && pe->body)
		pe->err = pe->body(pe);
	if (!pe->enter_err && !pe->stay)
		ops->as_leave(pe->as);
	__atomic_store_n(&pe->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Prepare a thread in as (the caller's is stopped) and start pe on it. */
static void peer_start(struct peer *pe, struct platform_as *as,
		       int (*body)(struct peer *pe))
{
	pe->as = as;
	pe->body = body;
	sem_init(&pe->entered, 0, 0);
	sem_init(&pe->go, 0, 0);
	ck_assert_int_eq(ptrace_platform_ops.as_new_thread(as, &pe->token), 0);
	ck_assert_uint_gt(pe->token, 0);
	ck_assert(pthread_create(&pe->thread, NULL, peer_main, pe) == 0);
	sem_wait(&pe->entered);
	ck_assert_int_eq(pe->enter_err, 0);
}

static void peer_join(struct peer *pe)
{
	pthread_join(pe->thread, NULL);
	ptrace_platform_ops.ctx_destroy(pe->ctx);
	sem_destroy(&pe->entered);
	sem_destroy(&pe->go);
}

/* Run the load loop at the peer's %rsi, once. */
static int peer_load(struct peer *pe)
{
	return ptrace_platform_ops.switch_to(pe->ctx, pe->as, &pe->regs,
					     &pe->ev);
}

/*
 * Two sentry threads, one address space: a store by one thread is what the
 * other loads, and each keeps its own registers.
 */
START_TEST(test_threads_share_memory)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	uint8_t *data = memfile_ptr(&mf, (uint64_t)data_off);
	struct abi_user_regs regs = at(0, 0);
	struct platform_event ev = {0};
	struct platform_as *as = new_as();
	struct peer pe = {.regs = at(LOAD_OFF, DATA_VA)};

	data[0] = 0;
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(regs.orig_rax, NR_WRITE);
	ck_assert_uint_eq(regs.rdi, 7);

	peer_start(&pe, as, peer_load);
	peer_join(&pe);
	ck_assert_int_eq(pe.err, 0);
	ck_assert_int_eq(pe.ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(pe.regs.orig_rax, NR_GETPID);
	ck_assert_uint_eq(pe.regs.rdi, 0x2a); /* the first thread's store */
	ck_assert_uint_eq(pe.regs.rdx, 0);
	ck_assert_uint_eq(pe.regs.rip, CODE_VA + LOAD_OFF + 10);

	/* The first thread's registers are its own: %rdx from its code. */
	data[0] = 0x11;
	regs.rip = CODE_VA + LOAD_OFF;
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(regs.orig_rax, NR_GETPID);
	ck_assert_uint_eq(regs.rdi, 0x11);
	ck_assert_uint_eq(regs.rsi, DATA_VA);
	ck_assert_uint_eq(regs.rdx, 1);
	ops->as_destroy(as);
}
END_TEST

static int peer_map_more(struct peer *pe)
{
	return ptrace_platform_ops.as_map(pe->as, MORE_VA, PG,
					  ABI_PROT_READ | ABI_PROT_WRITE,
					  (uint64_t)more_off);
}

static int peer_unmap_more(struct peer *pe)
{
	return ptrace_platform_ops.as_unmap(pe->as, MORE_VA, PG);
}

/* as_map and as_unmap from the second thread change the first's view. */
START_TEST(test_map_from_second_thread)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct abi_user_regs regs = at(LOAD_OFF, MORE_VA);
	struct platform_event ev = {0};
	struct platform_as *as = new_as();
	struct peer pe = {0}, pe2 = {0};

	*(uint8_t *)memfile_ptr(&mf, (uint64_t)more_off) = 0x5c;
	peer_start(&pe, as, peer_map_more);
	peer_join(&pe);
	ck_assert_int_eq(pe.err, 0);
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(regs.rdi, 0x5c);

	peer_start(&pe2, as, peer_unmap_more);
	peer_join(&pe2);
	ck_assert_int_eq(pe2.err, 0);
	regs = at(LOAD_OFF, MORE_VA);
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_FAULT);
	ck_assert_uint_eq(ev.addr, MORE_VA);
	ops->as_destroy(as);
}
END_TEST

/* A thread that leaves is gone; the address space and the others go on. */
START_TEST(test_leave_keeps_others)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	uint8_t *data = memfile_ptr(&mf, (uint64_t)data_off);
	struct abi_user_regs regs = at(LOAD_OFF, DATA_VA);
	struct platform_event ev = {0};
	struct platform_as *as = new_as();
	struct peer pe = {.regs = at(LOAD_OFF, DATA_VA)};

	data[0] = 0x33;
	peer_start(&pe, as, peer_load);
	peer_join(&pe);
	ck_assert_int_eq(pe.ev.why, PLATFORM_SYSCALL);
	ck_assert(!proc_exists((pid_t)pe.token));
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ck_assert_uint_eq(regs.rdi, 0x33);
	ops->as_destroy(as);
}
END_TEST

static int peer_outlive_first(struct peer *pe)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	uint8_t *more = memfile_ptr(&mf, (uint64_t)more_off);
	int err;

	sem_wait(&pe->go);
	err = peer_load(pe);
	if (err || pe->ev.why != PLATFORM_SYSCALL || pe->regs.rdi != 0x44)
		return err ? err : -EIO;
	*more = 0x55;
	err = peer_map_more(pe);
	if (err)
		return err;
	pe->regs = at(LOAD_OFF, MORE_VA);
	err = peer_load(pe);
	if (err || pe->ev.why != PLATFORM_SYSCALL || pe->regs.rdi != 0x55)
		return err ? err : -EIO;
	ops->as_destroy(pe->as);
	return 0;
}

/* The first thread leaves; the second runs, maps and destroys. */
START_TEST(test_first_thread_leaves)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	uint8_t *data = memfile_ptr(&mf, (uint64_t)data_off);
	struct platform_as *as = new_as();
	struct abi_user_regs regs = at(LOAD_OFF, DATA_VA);
	struct platform_event ev = {0};
	struct peer pe = {.regs = at(LOAD_OFF, DATA_VA), .stay = true};
	pid_t pid;

	data[0] = 0x44;
	peer_start(&pe, as, peer_outlive_first);
	pid = proc_tgid((pid_t)pe.token);
	ops->as_leave(as);
	/* Left: nothing of as answers to this thread any more. */
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), -EPERM);
	ck_assert_int_eq(
	    ops->as_map(as, MORE_VA, PG, ABI_PROT_READ, (uint64_t)more_off),
	    -EPERM);
	sem_post(&pe.go);
	peer_join(&pe);
	ck_assert_int_eq(pe.err, 0);
	ck_assert(!proc_exists(pid));
	ck_assert(!proc_exists((pid_t)pe.token));
}
END_TEST

struct outsider {
	struct platform_as *as;
	int map_err, run_err;
};

static void *outsider_main(void *arg)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct outsider *o = arg;
	struct abi_user_regs regs = at(LOAD_OFF, DATA_VA);
	struct platform_event ev = {0};
	struct platform_ctx *c;

	ck_assert_int_eq(ops->ctx_create(plat, &c), 0);
	o->map_err =
	    ops->as_map(o->as, MORE_VA, PG, ABI_PROT_READ, (uint64_t)more_off);
	o->run_err = ops->switch_to(c, o->as, &regs, &ev);
	ops->as_destroy(o->as);
	ops->ctx_destroy(c);
	return NULL;
}

/*
 * A sentry thread that never entered is refused everything but
 * as_destroy, which ends the stub, a prepared thread and all.
 */
START_TEST(test_destroy_from_outsider)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct platform_as *as = new_as();
	struct outsider o = {.as = as};
	uint64_t token;
	pthread_t th;
	pid_t pid;

	ck_assert_int_eq(ops->as_new_thread(as, &token), 0);
	pid = proc_tgid((pid_t)token);
	ck_assert_int_ne(pid, (pid_t)token);
	ck_assert(pthread_create(&th, NULL, outsider_main, &o) == 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(o.map_err, -EPERM);
	ck_assert_int_eq(o.run_err, -EPERM);
	ck_assert(!proc_exists(pid));
	ck_assert(!proc_exists((pid_t)token));
}
END_TEST

/* A prepared thread abandoned is gone, and cannot be entered. */
START_TEST(test_abandon)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct platform_as *as = new_as();
	struct abi_user_regs regs = at(LOAD_OFF, DATA_VA);
	struct platform_event ev = {0};
	uint64_t token;

	ck_assert_int_eq(ops->as_new_thread(as, &token), 0);
	ck_assert(proc_exists((pid_t)token));
	ck_assert_int_eq(ops->as_abandon(as, token), 0);
	ck_assert(!proc_exists((pid_t)token));
	ck_assert_int_eq(ops->as_abandon(as, token), -ESRCH);
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	ck_assert_int_eq(ev.why, PLATFORM_SYSCALL);
	ops->as_destroy(as);
}
END_TEST

static int peer_spin(struct peer *pe)
{
	pe->regs = at(SPIN_OFF, 0);
	return peer_load(pe);
}

static void *interrupt_later(void *arg)
{
	sleep_ms(100);
	ptrace_platform_ops.interrupt(arg);
	return NULL;
}

/* Interrupting one thread's switch_to leaves the other running. */
START_TEST(test_interrupt_one_thread)
{
	const struct platform_ops *ops = &ptrace_platform_ops;
	struct platform_as *as = new_as();
	struct abi_user_regs regs = at(SPIN_OFF, 0);
	struct platform_event ev = {0};
	struct peer pe = {0};
	struct timespec a, b, c;
	pthread_t th;

	peer_start(&pe, as, peer_spin);
	ck_assert(pthread_create(&th, NULL, interrupt_later, ctx) == 0);
	ck_assert_int_eq(ops->switch_to(ctx, as, &regs, &ev), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(ev.why, PLATFORM_INTERRUPTED);
	ck_assert_uint_eq(regs.rip, CODE_VA + SPIN_OFF);

	/* The other still runs, stopped by nothing. */
	sleep_ms(50);
	ck_assert(!__atomic_load_n(&pe.done, __ATOMIC_ACQUIRE));
	ck_assert_int_ne(proc_state((pid_t)pe.token), 't');
	ck_assert_int_ne(proc_state((pid_t)pe.token), 'T');

	/* Each thread's CPU time is its own, and the spinner's grows. */
	ck_assert_int_eq(ops->cpu_time(pe.ctx, as, &a), 0);
	ck_assert_int_eq(ops->cpu_time(ctx, as, &c), 0);
	sleep_ms(50);
	ck_assert_int_eq(ops->cpu_time(pe.ctx, as, &b), 0);
	ck_assert(b.tv_sec > a.tv_sec ||
		  (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec));
	ck_assert_int_eq(ops->cpu_time(ctx, as, &a), 0);
	ck_assert(a.tv_sec == c.tv_sec && a.tv_nsec == c.tv_nsec);

	ops->interrupt(pe.ctx);
	peer_join(&pe);
	ck_assert_int_eq(pe.err, 0);
	ck_assert_int_eq(pe.ev.why, PLATFORM_INTERRUPTED);
	ck_assert_uint_eq(pe.regs.rip, CODE_VA + SPIN_OFF);
	ops->as_destroy(as);
}
END_TEST

static Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("ptrace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_address_spaces_in_a_row);
	tcase_add_test(tc, test_address_space_after_quiet);
	tcase_add_test(tc, test_fault_reported);
	tcase_add_test(tc, test_threads_share_memory);
	tcase_add_test(tc, test_map_from_second_thread);
	tcase_add_test(tc, test_leave_keeps_others);
	tcase_add_test(tc, test_first_thread_leaves);
	tcase_add_test(tc, test_destroy_from_outsider);
	tcase_add_test(tc, test_abandon);
	tcase_add_test(tc, test_interrupt_one_thread);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(platform_suite)
