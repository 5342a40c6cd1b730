// SPDX-License-Identifier: Apache-2.0
/*
 * Classic BPF for the application's seccomp filters (seccomp_bpf.h): the
 * kernel's checks, then an interpreter. A checked program cannot read or
 * jump outside itself or struct seccomp_data, so the interpreter has no
 * bounds to check but a division by zero (the program returns 0, as
 * classic BPF does) and shifts (by X, masked to 0..31 as x86 does).
 */
#include "sentry/kernel/seccomp_bpf.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <string.h>

#define MEMWORDS 16 /* BPF_MEMWORDS */

/* The opcodes seccomp allows (seccomp_check_filter's list). */
static bool seccomp_code(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	}
	return false;
}

/*
 * The opcodes classic BPF has at all (bpf_check_classic's table): those
 * and the packet loads and modulo that seccomp refuses later.
 */
static bool code_known(uint16_t code)
{
	switch (code) {
	case BPF_ALU | BPF_MOD | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_B | BPF_MSH:
		return true;
	}
	return seccomp_code(code);
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* Each instruction on its own (bpf_check_classic's loop). */
static int check_insn(const struct seccomp_insn *in, uint32_t pc, uint32_t len)
{
	if (!code_known(in->code))
		return -EINVAL;
	switch (in->code) {
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
		return in->k ? 0 : -EINVAL;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return in->k < 32 ? 0 : -EINVAL;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return in->k < MEMWORDS ? 0 : -EINVAL;
	case BPF_JMP | BPF_JA:
		return in->k < len - pc - 1 ? 0 : -EINVAL;
	}
	if (is_cond_jump(in->code) &&
	    (pc + 1 + in->jt >= len || pc + 1 + in->jf >= len))
		return -EINVAL;
	return 0;
}

/* A scratch word is read only after every path to it wrote it. */
static int check_memory(const struct seccomp_insn *insns, uint32_t len)
{
	uint16_t masks[SECCOMP_BPF_MAXINSNS], valid = 0;

	memset(masks, 0xff, len * sizeof(masks[0]));
	for (uint32_t pc = 0; pc < len; pc++) {
		const struct seccomp_insn *in = &insns[pc];

		valid &= masks[pc];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1U << in->k);
			continue;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(valid & (1U << in->k)))
				return -EINVAL;
			continue;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + in->k] &= valid;
			valid = 0xffff;
			continue;
		}
		if (is_cond_jump(in->code)) {
			masks[pc + 1 + in->jt] &= valid;
			masks[pc + 1 + in->jf] &= valid;
			valid = 0xffff;
		}
	}
	return 0;
}

/* What seccomp allows of classic BPF (seccomp_check_filter). */
static int check_seccomp(struct seccomp_insn *in)
{
	if (!seccomp_code(in->code))
		return -EINVAL;
	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (in->k >= sizeof(struct seccomp_data) || in->k & 3)
			return -EINVAL;
		break;
	case BPF_LD | BPF_W | BPF_LEN:
		in->code = BPF_LD | BPF_IMM;
		in->k = sizeof(struct seccomp_data);
		break;
	case BPF_LDX | BPF_W | BPF_LEN:
		in->code = BPF_LDX | BPF_IMM;
		in->k = sizeof(struct seccomp_data);
		break;
	}
	return 0;
}

int seccomp_bpf_check(struct seccomp_insn *insns, uint32_t len)
{
	uint16_t last;
	int err;

	if (len == 0 || len > SECCOMP_BPF_MAXINSNS)
		return -EINVAL;
	for (uint32_t pc = 0; pc < len; pc++) {
		err = check_insn(&insns[pc], pc, len);
		if (err)
			return err;
	}
	last = insns[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	err = check_memory(insns, len);
	if (err)
		return err;
	for (uint32_t pc = 0; pc < len; pc++) {
		err = check_seccomp(&insns[pc]);
		if (err)
			return err;
	}
	return 0;
}

uint32_t seccomp_bpf_cost(const struct seccomp_insn *insns, uint32_t len)
{
	uint32_t cost = 3;

	for (uint32_t pc = 0; pc < len; pc++) {
		const struct seccomp_insn *in = &insns[pc];

		if (in->code == (BPF_RET | BPF_K) ||
		    in->code == (BPF_ALU | BPF_DIV | BPF_X)) {
			cost += in->code == (BPF_RET | BPF_K) ? 2 : 5;
		} else if (is_cond_jump(in->code)) {
			bool jset = BPF_OP(in->code) == BPF_JSET;

			cost += (in->jt && in->jf) || (!in->jt && jset) ? 2 : 1;
			if (BPF_SRC(in->code) == BPF_K && (int32_t)in->k < 0)
				cost++;
		} else {
			cost++;
		}
	}
	return cost;
}

/* The 32-bit word at offset k (checked: aligned, inside), little-endian. */
static uint32_t load_word(const struct seccomp_data *d, uint32_t k)
{
	uint32_t w;

	memcpy(&w, (const uint8_t *)d + k, sizeof(w));
	return w;
}

static bool jump_taken(uint16_t code, uint32_t a, uint32_t v)
{
	switch (BPF_OP(code)) {
	case BPF_JEQ:
		return a == v;
	case BPF_JGT:
		return a > v;
	case BPF_JGE:
		return a >= v;
	default: /* BPF_JSET */
		return (a & v) != 0;
	}
}

uint32_t seccomp_bpf_run(const struct seccomp_insn *insns,
			 const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[MEMWORDS] = {0};

	for (uint32_t pc = 0;; pc++) {
		const struct seccomp_insn *in = &insns[pc];
		uint32_t v = BPF_SRC(in->code) == BPF_X ? x : in->k;

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : in->k;
		case BPF_LD:
			if (BPF_MODE(in->code) == BPF_ABS)
				a = load_word(d, in->k);
			else if (BPF_MODE(in->code) == BPF_MEM)
				a = mem[in->k];
			else
				a = in->k;
			break;
		case BPF_LDX:
			x = BPF_MODE(in->code) == BPF_MEM ? mem[in->k] : in->k;
			break;
		case BPF_ST:
			mem[in->k] = a;
			break;
		case BPF_STX:
			mem[in->k] = x;
			break;
		case BPF_MISC:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA)
				pc += in->k;
			else
				pc += jump_taken(in->code, a, v) ? in->jt
								 : in->jf;
			break;
		case BPF_ALU:
			switch (BPF_OP(in->code)) {
			case BPF_ADD:
				a += v;
				break;
			case BPF_SUB:
				a -= v;
				break;
			case BPF_MUL:
				a *= v;
				break;
			case BPF_DIV:
				if (!v)
					return 0;
				a /= v;
				break;
			case BPF_AND:
				a &= v;
				break;
			case BPF_OR:
				a |= v;
				break;
			case BPF_XOR:
				a ^= v;
				break;
			case BPF_LSH:
				a <<= v & 31;
				break;
			case BPF_RSH:
				a >>= v & 31;
				break;
			case BPF_NEG:
				a = -a;
				break;
			}
			break;
		}
	}
}
