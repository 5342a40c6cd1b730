// SPDX-License-Identifier: Apache-2.0
/*
 * The sentry's seccomp filter: the complete list of host syscalls the
 * sentry may make once it has booted. It grows deliberately: each entry
 * says who needs it. Argument checks narrow the ones that could do harm.
 *
 * Four variants are built: the default one; one for --network=host that
 * adds the host socket calls the sentry makes for the application
 * (net/hostinet.c), so that without --network=host the sentry cannot make
 * a host socket at all; and each of those for the kvm platform, which adds
 * the vCPU ioctls.
 *
 * This file is built into the build-time generator (tools/gen_filters.c),
 * which compiles the rules to BPF once; moat installs that BPF directly
 * (seccomp.c), with no rule compiling at start-up.
 */
#include "sentry/kernel/filter.h"

#include "sentry/kernel/util.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct allowed {
	const char *name;
	const char *why;
};

/* Allowed with any arguments. */
static const struct allowed allow_list[] = {
    {"read", "stdio, factory replies"},
    {"sendmsg", "requests to the gofer, answers on the control channel"},
    {"recvmsg", "the gofer's replies and donated fds, control requests"},
    {"shutdown", "host sockets: --bind ...:connect, --network=host"},
    {"write", "stdio, log, strace"},
    {"readv", "application reads from host fds"},
    {"writev", "application writes to host fds"},
    {"pread64", "positional reads of host fds"},
    {"pwrite64", "positional writes of host fds"},
    {"preadv", "positional reads of host fds"},
    {"pwritev", "positional writes of host fds"},
    {"close", "fds the sentry holds"},
    {"fstat", "host fd metadata"},
    {"newfstatat", "glibc's fstat (empty path)"},
    {"lseek", "host fd seekability"},
    {"poll", "O_NONBLOCK emulation on host fds"},
    {"munmap", "sentry allocations"},
    {"madvise", "malloc trimming"},
    {"mremap", "realloc of large blocks"},
    {"brk", "malloc"},
    {"futex", "sentry locks"},
    {"rt_sigprocmask", "thread creation, abort"},
    {"rt_sigreturn", "the SIGSYS report handler"},
    {"sched_yield", "application sched_yield"},
    {"sched_getaffinity", "application sched_getaffinity"},
    {"getpid", "abort, logging"},
    {"gettid", "logging, tracer checks"},
    {"tgkill", "interrupting stubs, abort"},
    {"kill", "killing stubs"},
    {"ptrace", "the ptrace platform"},
    {"wait4", "ptrace stops"},
    {"pidfd_open", "the systrap platform: a stub's liveness"},
    {"pidfd_send_signal", "the systrap platform: continuing and killing stubs"},
    {"clock_gettime", "time and CPU-time clocks"},
    {"clock_getres", "application clock_getres"},
    {"clock_nanosleep", "application sleeps"},
    {"nanosleep", "application sleeps"},
    {"restart_syscall", "a sleep resumed after SIGSTOP/SIGCONT (^Z, fg)"},
    {"getrandom", "AT_RANDOM, application getrandom"},
    {"sysinfo", "application sysinfo"},
    {"fallocate", "freeing memory-file pages"},
    {"copy_file_range", "copying within the memory file"},
    {"sendfile", "loading executables into the memory file"},
    {"set_robust_list", "new sentry threads"},
    {"rseq", "new sentry threads (glibc)"},
    {"mincore", "libunwind's address checks"},
    {"getrusage", "moat run --stats (peak RSS)"},
    {"exit", "sentry threads ending"},
    {"exit_group", "the sentry ending"},
};

#ifdef MOAT_SANITIZE
/* The sanitizers' runtime, in -DMOAT_SANITIZE=ON builds only. */
static const struct allowed sanitizer_list[] = {
    {"sigaltstack", "ASan's per-thread signal stacks"},
    {"openat", "ASan's reports read /proc/self/maps"},
    {"readlink", "the sanitizers' reports name the binary"},
    {"open", "the sanitizers' reports read /proc/self/cmdline"},
    {"pipe2", "UBSan's reports check that memory is readable"},
};
#endif

static int allow_all(scmp_filter_ctx ctx, const struct allowed *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(list[i].name);

		if (nr == __NR_SCMP_ERROR)
			return -EINVAL;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0))
			return -EINVAL;
	}
	return 0;
}

/* The ioctls of the kvm platform after boot (none is a VM-wide change). */
static const unsigned long kvm_ioctls[] = {
    KVM_CREATE_VCPU, KVM_RUN,	   KVM_GET_SREGS, KVM_SET_CPUID2,
    KVM_SET_MSRS,    KVM_SET_XCRS, KVM_GET_XSAVE, KVM_SET_XSAVE,
};

static int build_base(scmp_filter_ctx ctx, bool kvm)
{
	int err = allow_all(ctx, allow_list, ARRAY_SIZE(allow_list));

#ifdef MOAT_SANITIZE
	if (!err)
		err =
		    allow_all(ctx, sanitizer_list, ARRAY_SIZE(sanitizer_list));
#endif
	/* ioctl: only the terminal queries made for the application. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TCGETS, 0));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TIOCGWINSZ, 0));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, FIONREAD, 0));
	/* SIOCOUTQ of host sockets (--bind ...:connect, --network=host). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, TIOCOUTQ, 0));
	/* The kvm platform's vCPUs: made, set up, run; fds it opened. Only
	 * there: another platform's sentry holds no KVM fd, and the numbers
	 * may mean something else to another driver. */
	for (size_t i = 0; kvm && !err && i < ARRAY_SIZE(kvm_ioctls); i++)
		err = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)kvm_ioctls[i], 0));
	/* membarrier: the application's barriers (sys.c), and the query. */
	if (!err)
		err = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(membarrier), 2,
		    SCMP_A0(SCMP_CMP_LE, 1, 0), SCMP_A1(SCMP_CMP_EQ, 0, 0));
	/*
	 * mmap and mprotect: never executable. The sentry runs no code it did
	 * not start with; the application's code is mapped into the stubs,
	 * by the stubs.
	 */
	if (!err)
		err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!err)
		err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* clone: new threads of the sentry only, never new processes. */
	if (!err)
		err = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* clone3's flags are behind a pointer: make glibc fall back. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       SCMP_SYS(clone3), 0);
	return err;
}

/* Allowed in --network=host only, with any arguments. */
static const struct allowed hostnet_list[] = {
    {"bind", "host sockets (--network=host)"},
    {"connect", "host sockets (--network=host)"},
    {"listen", "host sockets (--network=host)"},
    {"getsockname", "host sockets (--network=host)"},
    {"getpeername", "host sockets (--network=host)"},
};

/* The socket option levels hostinet.c passes on. */
static const int hostnet_levels[] = {SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6,
				     IPPROTO_TCP, IPPROTO_UDP};

static int build_hostnet(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_INET, AF_INET6};
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM};
	int err = 0;

	if (!err)
		err = allow_all(ctx, hostnet_list, ARRAY_SIZE(hostnet_list));
	/* socket: IPv4 and IPv6 streams and datagrams, made non-blocking
	 * and close-on-exec, nothing else (no raw, packet or netlink). */
	for (size_t i = 0; !err && i < ARRAY_SIZE(families); i++)
		for (size_t j = 0; !err && j < ARRAY_SIZE(types); j++)
			err = seccomp_rule_add(
			    ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i], 0),
			    SCMP_A1(SCMP_CMP_EQ,
				    (scmp_datum_t)(types[j] | SOCK_NONBLOCK |
						   SOCK_CLOEXEC),
				    0));
	if (!err)
		err = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
		    SCMP_A3(SCMP_CMP_EQ, SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	for (size_t i = 0; !err && i < ARRAY_SIZE(hostnet_levels); i++) {
		scmp_datum_t level = (scmp_datum_t)hostnet_levels[i];

		err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt),
				     1, SCMP_A1(SCMP_CMP_EQ, level, 0));
		if (!err)
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
					       SCMP_SYS(setsockopt), 1,
					       SCMP_A1(SCMP_CMP_EQ, level, 0));
	}
	/* SIOCATMARK; FIONREAD (SIOCINQ) and TIOCOUTQ (SIOCOUTQ) are in the
	 * default filter. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, SIOCATMARK, 0));
	return err;
}

int sentry_filter_build(scmp_filter_ctx ctx, unsigned int variant)
{
	int err = build_base(ctx, variant & SENTRY_FILTER_KVM);

	if (!err && (variant & SENTRY_FILTER_HOSTNET))
		err = build_hostnet(ctx);
	return err;
}

void sentry_print_filter(FILE *out, unsigned int variant)
{
	bool host_network = variant & SENTRY_FILTER_HOSTNET;

	fprintf(out,
		"sentry seccomp allow-list, --network=%s (%zu entries + "
		"ioctl, mmap, mprotect, membarrier, clone%s with arguments "
		"checked):\n",
		host_network ? "host" : "none",
		ARRAY_SIZE(allow_list) +
		    (host_network ? ARRAY_SIZE(hostnet_list) : 0),
		host_network ? ", socket, accept4, getsockopt, setsockopt"
			     : "");
	for (size_t i = 0; i < ARRAY_SIZE(allow_list); i++)
		fprintf(out, "  %-20s %s\n", allow_list[i].name,
			allow_list[i].why);
#ifdef MOAT_SANITIZE
	for (size_t i = 0; i < ARRAY_SIZE(sanitizer_list); i++)
		fprintf(out, "  %-20s %s\n", sanitizer_list[i].name,
			sanitizer_list[i].why);
#endif
	if (host_network) {
		for (size_t i = 0; i < ARRAY_SIZE(hostnet_list); i++)
			fprintf(out, "  %-20s %s\n", hostnet_list[i].name,
				hostnet_list[i].why);
		fprintf(out, "  %-20s %s\n", "socket",
			"AF_INET/AF_INET6, SOCK_STREAM/SOCK_DGRAM, "
			"non-blocking, close-on-exec (--network=host)");
		fprintf(out, "  %-20s %s\n", "accept4",
			"SOCK_NONBLOCK|SOCK_CLOEXEC (--network=host)");
		fprintf(
		    out, "  %-20s %s\n", "getsockopt",
		    "SOL_SOCKET, IP, IPV6, TCP, UDP levels (--network=host)");
		fprintf(
		    out, "  %-20s %s\n", "setsockopt",
		    "SOL_SOCKET, IP, IPV6, TCP, UDP levels (--network=host)");
	}
	fprintf(out, "  %-20s %s\n", "ioctl",
		host_network
		    ? "TCGETS, TIOCGWINSZ, FIONREAD, TIOCOUTQ, SIOCATMARK"
		    : "TCGETS, TIOCGWINSZ, FIONREAD, TIOCOUTQ");
	if (variant & SENTRY_FILTER_KVM)
		fprintf(out, "  %-20s %s\n", "ioctl",
			"KVM_CREATE_VCPU, KVM_RUN, KVM_GET_SREGS, "
			"KVM_SET_CPUID2, KVM_SET_MSRS, KVM_SET_XCRS, "
			"KVM_GET_XSAVE, KVM_SET_XSAVE (the kvm platform)");
	fprintf(out, "  %-20s %s\n", "mmap",
		"without PROT_EXEC (sentry allocations)");
	fprintf(out, "  %-20s %s\n", "mprotect",
		"without PROT_EXEC (thread stacks' guard pages)");
	fprintf(out, "  %-20s %s\n", "membarrier",
		"QUERY and GLOBAL (application barriers)");
	fprintf(out, "  %-20s %s\n", "clone", "CLONE_THREAD set (threads)");
	fprintf(out, "  %-20s %s\n", "clone3", "fails with ENOSYS");
}
