// SPDX-License-Identifier: Apache-2.0
/*
 * arch_prctl: the FS and GS bases (read back and used by the CPU), the
 * address limit on them, ARCH_GET_CPUID and bad codes.
 */
#include "guest.h"

#include <asm/prctl.h>
#include <stdint.h>

#define BAD_PTR ((void *)1)

static uint64_t fs_word0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t gs_word(void)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:8, %0" : "=r"(v));
	return v;
}

/* A stand-in thread control block: word 0 points to itself, as glibc's. */
static uint64_t fake_tcb[64] __attribute__((aligned(64)));
static uint64_t gs_area[4];

int main(void)
{
	uint64_t fs = 0, fs2 = 0, gs = 1, seen = 0;
	long r, r2;

	/* glibc's thread pointer: the TCB, whose first word is itself. */
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	CHECK(fs != 0);
	CHECK_EQ(fs_word0(), fs);
	/* Nothing sets GS: its base starts at 0. */
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, 0);

	/* GS round trip; the CPU addresses memory through the new base. */
	gs_area[1] = 0x1122334455667788ULL;
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_GS, gs_area), 0);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, (uint64_t)gs_area);
	CHECK_EQ(gs_word(), 0x1122334455667788ULL);
	gs_area[1] = 42;
	CHECK_EQ(gs_word(), 42);
	/* Any canonical user address is taken, even an unmapped one. */
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_GS, 0x1000), 0);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, 0x1000);
	/* Addresses beyond the user range: EPERM, the base unchanged. */
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_GS, 1UL << 63), EPERM);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_GS, 1UL << 56), EPERM);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL),
		  EPERM);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_GS, -1L), EPERM);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, 0x1000);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_GS, 0), 0);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, 0);

	/*
	 * FS round trip through a copy of the TCB. Between the two sets only
	 * raw syscalls and plain loads run, nothing that uses TLS.
	 */
	memcpy(fake_tcb, (void *)fs, sizeof(fake_tcb));
	fake_tcb[0] = (uint64_t)fake_tcb;
	r = SYS2(SYS_arch_prctl, ARCH_SET_FS, fake_tcb);
	r2 = SYS2(SYS_arch_prctl, ARCH_GET_FS, &fs2);
	seen = fs_word0();
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_SET_FS, fs), 0);
	CHECK_EQ(r, 0);
	CHECK_EQ(r2, 0);
	CHECK_EQ(fs2, (uint64_t)fake_tcb);
	CHECK_EQ(seen, (uint64_t)fake_tcb);
	CHECK_EQ(fs_word0(), fs);
	/* A non-canonical FS base is refused and the old one kept. */
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_FS, 1UL << 63), EPERM);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_SET_FS, 0xffffffffff600000UL),
		  EPERM);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_FS, &fs2), 0);
	CHECK_EQ(fs2, fs);
	CHECK_EQ(fs_word0(), fs);

	/* The GET codes store through a pointer. */
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_GET_FS, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_GET_GS, BAD_PTR), EFAULT);
	CHECK_ERR(SYS2(SYS_arch_prctl, ARCH_GET_FS, NULL), EFAULT);

	/* cpuid is not faulting: ARCH_GET_CPUID says it is enabled. */
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_CPUID, 0), 1);
	/* Keeping it enabled is a no-op where faulting exists at all. */
	r = SYS2(SYS_arch_prctl, ARCH_SET_CPUID, 1);
	CHECK(r == 0 || r == -ENODEV);
	CHECK_EQ(SYS2(SYS_arch_prctl, ARCH_GET_CPUID, 0), 1);

	/* The code is an int: the upper half of the register is ignored. */
	gs = 1;
	CHECK_EQ(SYS2(SYS_arch_prctl, 0x100000000L | ARCH_GET_GS, &gs), 0);
	CHECK_EQ(gs, 0);

	/* Codes that do not exist. */
	CHECK_ERR(SYS2(SYS_arch_prctl, 0, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_arch_prctl, 0x1000, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_arch_prctl, 0x1005, &fs2), EINVAL);
	CHECK_ERR(SYS2(SYS_arch_prctl, 0x9999, 0), EINVAL);
	CHECK_ERR(SYS2(SYS_arch_prctl, -1L, 0), EINVAL);
	return guest_done();
}
