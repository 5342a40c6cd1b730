// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the application's seccomp programs (sentry/kernel/
 * seccomp_bpf.c): the checks a program must pass before it is attached,
 * the interpreter's arithmetic, jumps, scratch memory and loads, and the
 * cost a program counts against a chain's limit.
 */
#include "sentry/kernel/seccomp_bpf.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <linux/filter.h>
#include <stddef.h>

#define STMT(c, k)                                                             \
	{                                                                      \
		(uint16_t)(c), 0, 0, (uint32_t)(k)                             \
	}
#define JUMP(c, k, jt, jf)                                                     \
	{                                                                      \
		(uint16_t)(c), (jt), (jf), (uint32_t)(k)                       \
	}
#define RET(k)		    STMT(BPF_RET | BPF_K, k)
#define N(a)		    ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define CHECK_PROG(p, want) ck_assert_int_eq(seccomp_bpf_check(p, N(p)), want)

static const struct seccomp_data data = {
    .nr = 39,
    .arch = 0xc000003e,
    .instruction_pointer = 0x401000,
    .args = {1, 0x100000002ULL, 3, 4, 5, 0xffffffff00000006ULL},
};

static uint32_t run(struct seccomp_insn *p, uint32_t n)
{
	ck_assert_int_eq(seccomp_bpf_check(p, n), 0);
	return seccomp_bpf_run(p, &data);
}

START_TEST(test_check_length)
{
	static struct seccomp_insn big[SECCOMP_BPF_MAXINSNS + 1];

	for (int i = 0; i <= SECCOMP_BPF_MAXINSNS; i++)
		big[i] = (struct seccomp_insn)RET(0);
	ck_assert_int_eq(seccomp_bpf_check(big, 0), -EINVAL);
	ck_assert_int_eq(seccomp_bpf_check(big, SECCOMP_BPF_MAXINSNS), 0);
	ck_assert_int_eq(seccomp_bpf_check(big, SECCOMP_BPF_MAXINSNS + 1),
			 -EINVAL);
}
END_TEST

START_TEST(test_check_opcodes)
{
	struct seccomp_insn no_ret[] = {STMT(BPF_LD | BPF_IMM, 0)};
	struct seccomp_insn half[] = {STMT(BPF_LD | BPF_H | BPF_ABS, 0),
				      RET(0)};
	struct seccomp_insn ind[] = {STMT(BPF_LD | BPF_W | BPF_IND, 0), RET(0)};
	struct seccomp_insn mod[] = {STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
				     RET(0)};
	struct seccomp_insn unknown[] = {STMT(0xffff, 0), RET(0)};
	struct seccomp_insn div0[] = {STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
				      RET(0)};
	struct seccomp_insn shift[] = {STMT(BPF_ALU | BPF_RSH | BPF_K, 32),
				       RET(0)};
	struct seccomp_insn ret_a[] = {RET(0), STMT(BPF_RET | BPF_A, 0)};

	CHECK_PROG(no_ret, -EINVAL);
	CHECK_PROG(half, -EINVAL);
	CHECK_PROG(ind, -EINVAL);
	CHECK_PROG(mod, -EINVAL);
	CHECK_PROG(unknown, -EINVAL);
	CHECK_PROG(div0, -EINVAL);
	CHECK_PROG(shift, -EINVAL);
	CHECK_PROG(ret_a, 0);
}
END_TEST

START_TEST(test_check_loads)
{
	struct seccomp_insn last[] = {STMT(BPF_LD | BPF_W | BPF_ABS, 60),
				      RET(0)};
	struct seccomp_insn past[] = {STMT(BPF_LD | BPF_W | BPF_ABS, 64),
				      RET(0)};
	struct seccomp_insn odd[] = {STMT(BPF_LD | BPF_W | BPF_ABS, 6), RET(0)};
	struct seccomp_insn huge[] = {
	    STMT(BPF_LD | BPF_W | BPF_ABS, 0xfffff000), RET(0)};
	struct seccomp_insn len[] = {STMT(BPF_LD | BPF_W | BPF_LEN, 0),
				     STMT(BPF_RET | BPF_A, 0)};
	struct seccomp_insn xlen[] = {STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
				      STMT(BPF_MISC | BPF_TXA, 0),
				      STMT(BPF_RET | BPF_A, 0)};

	CHECK_PROG(last, 0);
	CHECK_PROG(past, -EINVAL);
	CHECK_PROG(odd, -EINVAL);
	CHECK_PROG(huge, -EINVAL);
	/* The length loads become loads of sizeof(struct seccomp_data). */
	ck_assert_uint_eq(run(len, N(len)), 64);
	ck_assert_uint_eq(len[0].code, BPF_LD | BPF_IMM);
	ck_assert_uint_eq(run(xlen, N(xlen)), 64);
}
END_TEST

START_TEST(test_check_jumps)
{
	struct seccomp_insn ja_end[] = {STMT(BPF_JMP | BPF_JA, 1), RET(0)};
	struct seccomp_insn ja_ok[] = {STMT(BPF_JMP | BPF_JA, 1), RET(1),
				       RET(2)};
	struct seccomp_insn ja_wrap[] = {STMT(BPF_JMP | BPF_JA, 0xffffffff),
					 RET(0)};
	struct seccomp_insn jt_end[] = {
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET(0)};
	struct seccomp_insn jf_end[] = {
	    JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), RET(0)};

	CHECK_PROG(ja_end, -EINVAL);
	ck_assert_uint_eq(run(ja_ok, N(ja_ok)), 2);
	CHECK_PROG(ja_wrap, -EINVAL);
	CHECK_PROG(jt_end, -EINVAL);
	CHECK_PROG(jf_end, -EINVAL);
}
END_TEST

START_TEST(test_check_memory)
{
	struct seccomp_insn unset[] = {STMT(BPF_LD | BPF_MEM, 0), RET(0)};
	struct seccomp_insn range[] = {STMT(BPF_ST, 16), RET(0)};
	/* Written on one path to the load only. */
	struct seccomp_insn one_path[] = {
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
	    STMT(BPF_ST, 2),
	    STMT(BPF_LDX | BPF_MEM, 2),
	    RET(0),
	};
	/* Written before the branch: fine on both. */
	struct seccomp_insn both[] = {
	    STMT(BPF_LD | BPF_IMM, 7),
	    STMT(BPF_ST, 2),
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
	    STMT(BPF_LD | BPF_IMM, 9),
	    STMT(BPF_LD | BPF_MEM, 2),
	    STMT(BPF_RET | BPF_A, 0),
	};

	CHECK_PROG(unset, -EINVAL);
	CHECK_PROG(range, -EINVAL);
	CHECK_PROG(one_path, -EINVAL);
	ck_assert_uint_eq(run(both, N(both)), 7);
}
END_TEST

START_TEST(test_run_loads)
{
	struct seccomp_insn p[] = {
	    STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    STMT(BPF_MISC | BPF_TAX, 0),
	    STMT(BPF_LD | BPF_W | BPF_ABS,
		 offsetof(struct seccomp_data, args[1]) + 4),
	    STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
	    STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_insn arch[] = {
	    STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc000003e, 0, 1),
	    RET(0x7fff0000),
	    RET(0x80000000),
	};

	ck_assert_uint_eq(run(p, N(p)), 40); /* nr 39 + args[1]'s high 1 */
	ck_assert_uint_eq(run(arch, N(arch)), 0x7fff0000);
}
END_TEST

START_TEST(test_run_alu)
{
	struct seccomp_insn p[] = {
	    STMT(BPF_LD | BPF_IMM, 100),
	    STMT(BPF_ALU | BPF_SUB | BPF_K, 1),
	    STMT(BPF_ALU | BPF_MUL | BPF_K, 3),
	    STMT(BPF_ALU | BPF_DIV | BPF_K, 2),
	    STMT(BPF_ALU | BPF_LSH | BPF_K, 4),
	    STMT(BPF_ALU | BPF_OR | BPF_K, 1),
	    STMT(BPF_ALU | BPF_AND | BPF_K, 0xff1),
	    STMT(BPF_ALU | BPF_XOR | BPF_K, 0x10),
	    STMT(BPF_ALU | BPF_RSH | BPF_K, 1),
	    STMT(BPF_ALU | BPF_NEG, 0),
	    STMT(BPF_RET | BPF_A, 0),
	};
	/* (99 * 3 / 2) << 4 = 0x940; | 1, & 0xff1: 0x941; ^ 0x10: 0x951; >> 1
	 */
	struct seccomp_insn div_x0[] = {
	    STMT(BPF_LDX | BPF_IMM, 0),
	    STMT(BPF_LD | BPF_IMM, 5),
	    STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
	    RET(0x7fff0000),
	};

	ck_assert_uint_eq(run(p, N(p)), (uint32_t)-0x4a8);
	/* A division by X = 0 ends the program with 0 (KILL_THREAD). */
	ck_assert_uint_eq(run(div_x0, N(div_x0)), 0);
}
END_TEST

START_TEST(test_run_jumps)
{
	struct seccomp_insn p[] = {
	    STMT(BPF_LD | BPF_IMM, 0x30),
	    STMT(BPF_LDX | BPF_IMM, 0x20),
	    JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 4),	 /* taken */
	    JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x30, 3, 0), /* not */
	    JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x30, 0, 2), /* taken */
	    JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),	 /* not */
	    RET(7),
	    RET(9),
	};

	ck_assert_uint_eq(run(p, N(p)), 7);
}
END_TEST

START_TEST(test_cost)
{
	struct seccomp_insn rets[] = {RET(0), RET(0)};
	struct seccomp_insn p[] = {
	    STMT(BPF_LD | BPF_W | BPF_ABS, 0),		       /* 1 */
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),	       /* 1 */
	    JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 1),	       /* 2 */
	    JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),	       /* 2 */
	    JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x80000000, 1, 0), /* 2 */
	    STMT(BPF_ALU | BPF_DIV | BPF_X, 0),		       /* 5 */
	    STMT(BPF_RET | BPF_A, 0),			       /* 1 */
	};

	/* The prologue's 3, as Linux counts (measured). */
	ck_assert_uint_eq(seccomp_bpf_cost(rets, N(rets)), 3 + 4);
	ck_assert_uint_eq(seccomp_bpf_cost(p, N(p)), 3 + 14);
}
END_TEST

static Suite *seccomp_bpf_suite(void)
{
	Suite *s = suite_create("seccomp_bpf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_check_length);
	tcase_add_test(tc, test_check_opcodes);
	tcase_add_test(tc, test_check_loads);
	tcase_add_test(tc, test_check_jumps);
	tcase_add_test(tc, test_check_memory);
	tcase_add_test(tc, test_run_loads);
	tcase_add_test(tc, test_run_alu);
	tcase_add_test(tc, test_run_jumps);
	tcase_add_test(tc, test_cost);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(seccomp_bpf_suite)
