/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub program's fixed layout, shared by the program (stub.c,
 * systrap.c) and the platforms. The program is a tiny static executable
 * linked at STUB_BASE; a stub unmaps everything below STUB_BASE and above
 * its own image, so the whole range [0, STUB_BASE) belongs to the
 * application.
 *
 * STUB_BASE sits just below the lowest top of stack that Linux's exec may
 * choose (TASK_SIZE less 16 GiB of randomisation): the factory is executed
 * with a random stack, and its image must never overlap it.
 */
#ifndef MOAT_STUB_H
#define MOAT_STUB_H

#define STUB_BASE      0x7ffbff000000UL
#define STUB_BASE_STR  "0x7ffbff000000"
#define STUB_CODE_SIZE 0x10000UL /* the image: [STUB_BASE, +64 KiB) */
/*
 * Where the factory moves the host's vDSO and its data pages (at most
 * STUB_VDSO_SIZE), above the application's range, for every stub to keep.
 */
#define STUB_VDSO_ADDR 0x7ffbff800000UL
#define STUB_VDSO_SIZE 0x100000UL
#define STUB_MEMFD_FD  3 /* the memory file, in every stub */
#define STUB_SOCK_FD   4 /* the factory's socket to the sentry */
#define STUB_CTL_FD    5 /* systrap's control file, in its stubs */
#define STUB_IMAGE_FD  6 /* the image, while the factory starts */

/* Offsets from STUB_BASE of the code the ptrace platform points %rip at. */
#define STUB_OFF_INJECT 0x0  /* syscall; int3 */
#define STUB_OFF_CLONE	0x10 /* syscall; int3 in the parent, park in child */

/*
 * The only clone a ptrace stub admits: a thread of the same process
 * (CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD,
 * CLONE_SYSVSEM), no CLONE_PTRACE: it starts untraced, parked until a
 * sentry thread seizes it.
 */
#define STUB_CLONE_FLAGS 0x50f00UL
/* systrap's: the same and CLONE_CHILD_CLEARTID (its state word). */
#define SYSTRAP_CLONE_FLAGS 0x250f00UL

#endif
