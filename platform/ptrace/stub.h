/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ptrace helper program's fixed layout, shared by the program (stub.c)
 * and the platform. The program is a tiny static executable linked at
 * STUB_BASE; a stub unmaps everything below STUB_BASE and above its own
 * image, so the whole range [0, STUB_BASE) belongs to the application.
 *
 * STUB_BASE sits just below the lowest top of stack that Linux's exec may
 * choose (TASK_SIZE less 16 GiB of randomisation): the factory is executed
 * with a random stack, and its image must never overlap it.
 */
#ifndef MOAT_PTRACE_STUB_H
#define MOAT_PTRACE_STUB_H

#define STUB_BASE     0x7ffbff000000UL
#define STUB_BASE_STR "0x7ffbff000000"
#define STUB_SIZE     0x200000UL /* the region the image may occupy */
#define STUB_MEMFD_FD 3		 /* the memory file, in every stub */
#define STUB_SOCK_FD  4		 /* the factory's socket to the sentry */

/* Offsets from STUB_BASE of the code the platform points %rip at. */
#define STUB_OFF_INJECT 0x0  /* syscall; int3 */
#define STUB_OFF_CLONE	0x10 /* syscall; int3 in the parent, park in child */

/*
 * The only clone a stub admits: a thread of the same process (CLONE_VM,
 * CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SYSVSEM), no
 * CLONE_PTRACE: it starts untraced, parked until a sentry thread seizes it.
 */
#define STUB_CLONE_FLAGS 0x50f00UL

#endif
