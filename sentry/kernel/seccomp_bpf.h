/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Classic BPF for the application's seccomp filters: the checks Linux makes
 * on a filter before it is attached (net/core/filter.c's bpf_check_classic
 * and kernel/seccomp.c's seccomp_check_filter) and an interpreter of the
 * checked program over struct seccomp_data. Pure: no task, no memory of the
 * application, so unit tests drive it directly.
 */
#ifndef MOAT_KERNEL_SECCOMP_BPF_H
#define MOAT_KERNEL_SECCOMP_BPF_H

#include <stdint.h>

/* struct sock_filter: one instruction. */
struct seccomp_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
_Static_assert(sizeof(struct seccomp_insn) == 8, "sock_filter is 8 bytes");

/* struct seccomp_data: what a filter reads. */
struct seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};
_Static_assert(sizeof(struct seccomp_data) == 64, "seccomp_data is 64 bytes");

/* BPF_MAXINSNS: the longest one filter may be. */
#define SECCOMP_BPF_MAXINSNS 4096
/* MAX_INSNS_PER_PATH: a chain's instructions, 4 more per filter. */
#define SECCOMP_MAX_INSNS_PER_PATH 32768

/*
 * Check a program as Linux does before attaching it: 0, or -EINVAL (an
 * opcode seccomp does not allow, a load outside struct seccomp_data or
 * unaligned, a jump out of range or backwards, a scratch word read before
 * it is written on every path, a division by a constant 0, a shift by 32
 * or more, a last instruction that is not a return, a length outside
 * 1..4096). Loads of the length become loads of 64, as Linux rewrites
 * them, so insns may change.
 */
int seccomp_bpf_check(struct seccomp_insn *insns, uint32_t len);

/*
 * What a checked program counts against SECCOMP_MAX_INSNS_PER_PATH: its
 * length once Linux has translated it to eBPF (bpf_convert_filter), as
 * measured on Linux: 3 for the prologue, 2 for a return of a constant, 5
 * for a division by X, a conditional jump 2 where it jumps both ways (or
 * a JSET only on false), plus 1 for a constant with its top bit set; any
 * other instruction 1.
 */
uint32_t seccomp_bpf_cost(const struct seccomp_insn *insns, uint32_t len);

/* Run a checked program over d: its return value (SECCOMP_RET_*). */
uint32_t seccomp_bpf_run(const struct seccomp_insn *insns,
			 const struct seccomp_data *d);

#endif
