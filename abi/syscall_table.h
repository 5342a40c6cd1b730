/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86-64 Linux system-call table as data: every number the kernel
 * assigns, with its name and the kinds of its arguments. The sentry's
 * dispatch table (sentry/syscalls/table.c) is indexed by the same numbers;
 * this one exists so that --strace and the supported-syscall list can name
 * and decode any call, implemented or not.
 */
#ifndef MOAT_ABI_SYSCALL_TABLE_H
#define MOAT_ABI_SYSCALL_TABLE_H

#include <stdint.h>

/* One past the highest x86-64 syscall number we know (mseal is 462). */
#define ABI_NR_SYSCALLS 463

/*
 * How --strace prints an argument. The kinds that name a buffer take its
 * length from the argument that follows (BUF_IN, BUF_OUT, IOV_IN, IOV_OUT)
 * or from the return value (BUF_OUT prints at most the bytes returned).
 */
enum abi_arg_kind {
	ARG_NONE = 0,	/* argument does not exist */
	ARG_INT,	/* signed decimal (int-sized: low 32 bits) */
	ARG_LONG,	/* signed decimal, 64 bits */
	ARG_ULONG,	/* unsigned decimal, 64 bits (sizes, counts) */
	ARG_HEX,	/* unsigned hex (flags we do not decode, masks) */
	ARG_PTR,	/* an address: hex, NULL for 0 */
	ARG_FD,		/* a file descriptor: signed decimal */
	ARG_ATFD,	/* a dirfd: AT_FDCWD or a descriptor */
	ARG_PATH,	/* NUL-terminated string read from the application */
	ARG_BUF_IN,	/* bytes the application passes in; length is next */
	ARG_BUF_OUT,	/* bytes the kernel fills; printed after the call */
	ARG_IOV_IN,	/* struct iovec array passed in; count is next */
	ARG_IOV_OUT,	/* struct iovec array filled; count is next */
	ARG_OPEN_FLAGS, /* O_* flags */
	ARG_MODE,	/* file mode, octal */
	ARG_PROT,	/* PROT_* */
	ARG_MMAP_FLAGS, /* MAP_* */
	ARG_SIGNAL,	/* signal number */
	ARG_CLOCKID,	/* clock id */
	ARG_STRV,	/* NULL-terminated array of strings (argv, envp) */
	ARG_STRUCT_IN,	/* pointer to a struct passed in (printed as ptr) */
	ARG_STRUCT_OUT, /* pointer to a struct filled (printed as ptr) */
	ARG_AT_FLAGS,	/* AT_* flags */
	ARG_KIND_COUNT,
};

/* How --strace prints the return value. */
enum abi_ret_kind {
	RET_INT = 0,  /* decimal, or -1 ERRNO (strerror) for -4095..-1 */
	RET_HEX,      /* hex (addresses: mmap, brk) or -1 ERRNO */
	RET_NORETURN, /* exit, exit_group, rt_sigreturn: no value */
};

struct abi_syscall {
	const char *name; /* without sys_ prefix; NULL: unassigned */
	uint8_t nargs;	  /* number of arguments, 0..6 */
	uint8_t ret;	  /* enum abi_ret_kind */
	uint8_t args[6];  /* enum abi_arg_kind, ARG_NONE past nargs */
};

extern const struct abi_syscall abi_syscalls[ABI_NR_SYSCALLS];

/* The entry for nr, or NULL when nr is out of range or unassigned. */
const struct abi_syscall *abi_syscall(long nr);

#endif
