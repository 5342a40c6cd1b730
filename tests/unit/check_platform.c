// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the ptrace platform (platform/ptrace): address spaces from
 * the stub factory, one after another and after a quiet spell (the factory
 * forks spares lazily), each running application code to its first
 * syscall, with memory that the memory file and the stub share.
 */
#include "platform/platform.h"
#include "sentry/mm/memfile.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG	 4096ULL
#define CODE_VA	 0x400000ULL
#define DATA_VA	 0x600000ULL
#define NR_WRITE 1

static struct memfile mf;
static struct platform *plat;
static struct platform_ctx *ctx;
static int64_t code_off, data_off;

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

static void setup(void)
{
	ck_assert_int_eq(memfile_create(&mf, 64ULL << 20), 0);
	ck_assert_int_eq(ptrace_platform_ops.create(mf.fd, &plat), 0);
	ck_assert_int_eq(ptrace_platform_ops.ctx_create(plat, &ctx), 0);
	code_off = memfile_alloc(&mf, PG);
	data_off = memfile_alloc(&mf, PG);
	ck_assert_int_ge(code_off, 0);
	ck_assert_int_ge(data_off, 0);
	memcpy(memfile_ptr(&mf, (uint64_t)code_off), code, sizeof(code));
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

static Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("ptrace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_address_spaces_in_a_row);
	tcase_add_test(tc, test_address_space_after_quiet);
	tcase_add_test(tc, test_fault_reported);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(platform_suite)
