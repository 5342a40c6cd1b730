/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ptrace stub's fixed layout, shared by the stub program and the
 * platform. The stub is a tiny static program linked at STUB_BASE; once it
 * has installed its seccomp filter it unmaps everything below STUB_BASE and
 * above its own image, so the whole range [0, STUB_BASE) belongs to the
 * application's address space.
 */
#ifndef MOAT_PTRACE_STUB_H
#define MOAT_PTRACE_STUB_H

#define STUB_BASE     0x7fffff000000UL
#define STUB_SIZE     0x200000UL /* the region the stub image may occupy */
#define STUB_MEMFD_FD 3		 /* the memory file, in every stub */

/* Offsets from STUB_BASE of the code the platform points %rip at. */
#define STUB_OFF_INJECT 0x0 /* syscall; int3 */

#endif
