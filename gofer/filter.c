// SPDX-License-Identifier: Apache-2.0
/*
 * The gofer's seccomp filter: the host syscalls its handlers make, each
 * with the reason, and nothing else. Anything else kills the gofer (the
 * sentry then fails its file operations with EIO and the sandbox stops).
 * Compiled to BPF at build time, as the sentry's (tools/gen_filters.c).
 */
#include "gofer/gofer.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

struct gofer_allowed {
	const char *name;
	const char *why;
};

static const struct gofer_allowed gofer_allow_list[] = {
    {"recvmsg", "requests"},
    {"sendmsg", "replies, donating fds"},
    {"openat", "walking one component, reopening through /proc/self/fd"},
    {"close", "clunked fids, donated fds"},
    {"statx", "STAT and every new fid"},
    {"newfstatat", "glibc's fstat"},
    {"fstatfs", "STATFS, the kernel filesystems the gofer does not enter"},
    {"mkdirat", "MKDIR"},
    {"mknodat", "MKNOD (fifos, sockets, regular files)"},
    {"symlinkat", "SYMLINK"},
    {"linkat", "LINK"},
    {"unlinkat", "UNLINK"},
    {"renameat2", "RENAME"},
    {"readlinkat", "READLINK"},
    {"getdents64", "GETDENTS"},
    {"lseek", "GETDENTS positions"},
    {"fchmodat", "SETATTR mode"},
    {"fchownat", "SETATTR owner, ownership of new files"},
    {"utimensat", "SETATTR times"},
    {"ftruncate", "SETATTR size"},
    {"fsync", "FSYNC"},
    {"fchdir", "into /proc/self/fd for fids' paths (xattrs, CONNECT), "
	       "into a directory to BIND"},
    {"getxattr", "GETXATTR, through a fid's /proc/self/fd link"},
    {"listxattr", "LISTXATTR, and every node's xattr_len"},
    {"setxattr", "SETXATTR"},
    {"removexattr", "SETXATTR's removal"},
    {"connect", "CONNECT"},
    {"bind", "BIND"},
    {"fchmod", "BIND: the new socket file's mode"},
    {"io_uring_enter", "LOOKUP's batches, on a ring made and restricted "
		       "before this filter"},
    {"write", "error messages on stderr"},
    {"brk", "malloc"},
    {"mmap", "malloc"},
    {"munmap", "malloc"},
    {"mremap", "realloc"},
    {"rt_sigreturn", "signal returns"},
    {"exit_group", "exit"},
#ifdef MOAT_SANITIZE
    {"sigaltstack", "the sanitizers' runtime (sanitizer builds only)"},
    {"madvise", "the sanitizers' allocator (sanitizer builds only)"},
    {"getpid", "the sanitizers' reports (sanitizer builds only)"},
    {"rt_sigprocmask", "the sanitizers' reports (sanitizer builds only)"},
    {"mincore", "the sanitizers' stack unwinding (sanitizer builds only)"},
    {"read", "the sanitizers' reports (sanitizer builds only)"},
    {"open", "the sanitizers' reports read /proc/self/cmdline, in vain "
	     "(sanitizer builds only)"},
    {"pipe2", "UBSan's reports check that memory is readable (sanitizer "
	      "builds only)"},
    {"readlink", "the sanitizers' reports name the binary (sanitizer "
		 "builds only)"},
#endif
};

#ifdef MOAT_SANITIZE
/* The sanitizers' reports ask whether their file is a terminal. */
static int sanitizer_rules(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				SCMP_A1(SCMP_CMP_EQ, TCGETS, 0));
}

static void sanitizer_print(FILE *out)
{
	fprintf(out, "  %-20s %s\n", "ioctl",
		"TCGETS only: the sanitizers' reports (sanitizer builds only)");
}
#else
static int sanitizer_rules(scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}

static void sanitizer_print(FILE *out)
{
	(void)out;
}
#endif

int gofer_filter_build(scmp_filter_ctx ctx)
{
	int err = 0;

	for (size_t i = 0;
	     !err && i < sizeof(gofer_allow_list) / sizeof(gofer_allow_list[0]);
	     i++) {
		int nr = seccomp_syscall_resolve_name(gofer_allow_list[i].name);

		if (nr == __NR_SCMP_ERROR)
			err = -EINVAL;
		else
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* socket: unix sockets only (CONNECT, BIND). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	/* fcntl: duplicating fids' descriptors only. */
	if (!err)
		err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, F_DUPFD_CLOEXEC, 0));
	if (!err)
		err = sanitizer_rules(ctx);
	return err;
}

void gofer_print_filter(FILE *out)
{
	size_t n = sizeof(gofer_allow_list) / sizeof(gofer_allow_list[0]);

	fprintf(out,
		"gofer seccomp allow-list (%zu entries + socket, fcntl with "
		"arguments checked; anything else kills the gofer):\n",
		n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-20s %s\n", gofer_allow_list[i].name,
			gofer_allow_list[i].why);
	fprintf(out, "  %-20s %s\n", "socket", "AF_UNIX only (CONNECT, BIND)");
	fprintf(out, "  %-20s %s\n", "fcntl",
		"F_DUPFD_CLOEXEC only (ATTACH's copy of a mount's root)");
	sanitizer_print(out);
}
