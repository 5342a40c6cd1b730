// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp filters are enforced: in a child process that installs one,
 * a call on its allow-list works and one off it ends the process with
 * SIGSYS (the sentry's filter traps, the gofer's kills). Each filter as
 * moat installs it: the BPF compiled at build time.
 */
#include "gofer/gofer.h"
#include "sentry/kernel/filter.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum which {
	SENTRY,
	SENTRY_HOSTNET,
	SENTRY_KVM,
	GOFER
};

/*
 * In a child: install the filter, make the allowed call (it must work:
 * exit 0 if the forbidden one were let through too), then the
 * forbidden one. The child's wait status.
 */
static int run(enum which w, long allowed_nr, long forbidden_nr,
	       const long *fargs)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int err;

		/* No handler: the trap is the end of the process. */
		signal(SIGSYS, SIG_DFL);
		err = w == GOFER ? gofer_install_filter()
				 : sentry_install_filter(sentry_filter_variant(
				       w == SENTRY_KVM ? "kvm" : "ptrace",
				       w == SENTRY_HOSTNET));
		if (err)
			_exit(2);
		if (syscall(allowed_nr, 0L, 0L, 0L) < 0 && errno == ENOSYS)
			_exit(3);
		syscall(forbidden_nr, fargs[0], fargs[1], fargs[2]);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_sigsys(int status)
{
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		      "status %#x, not killed by SIGSYS", status);
}

START_TEST(test_filter_sentry_forbids_open)
{
	long args[3] = {AT_FDCWD, (long)"/etc/passwd", O_RDONLY};

	/* The sentry never opens a host file after boot (the sanitizers'
	 * reports may: their build allows openat, not openat2). */
#ifdef MOAT_SANITIZE
	long how[3] = {0, O_RDONLY, 0};

	args[2] = (long)how;
	assert_sigsys(run(SENTRY, SYS_getpid, SYS_openat2, args));
#else
	assert_sigsys(run(SENTRY, SYS_getpid, SYS_openat, args));
#endif
}
END_TEST

START_TEST(test_filter_sentry_forbids_socket)
{
	long args[3] = {AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0};

	/* --network=none: no host socket, of any family. */
	assert_sigsys(run(SENTRY, SYS_gettid, SYS_socket, args));
	args[0] = AF_UNIX;
	assert_sigsys(run(SENTRY, SYS_gettid, SYS_socket, args));
}
END_TEST

START_TEST(test_filter_sentry_forbids_exec)
{
	static char *const argv[] = {"/bin/true", NULL};
	long args[3] = {(long)"/bin/true", (long)argv, 0};

	assert_sigsys(run(SENTRY, SYS_getpid, SYS_execve, args));
}
END_TEST

START_TEST(test_filter_sentry_forbids_exec_memory)
{
	long args[3] = {0, 4096, PROT_READ | PROT_EXEC};

	/* mmap and mprotect work (the allowed calls, PROT_NONE), but make
	 * no executable memory. */
	assert_sigsys(run(SENTRY, SYS_mmap, SYS_mmap, args));
	args[0] = (long)&args;
	assert_sigsys(run(SENTRY, SYS_mprotect, SYS_mprotect, args));
}
END_TEST

START_TEST(test_filter_hostnet_checks_socket)
{
	long args[3] = {AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0};
	int status = run(SENTRY_HOSTNET, SYS_getpid, SYS_socket, args);

	/* --network=host: a non-blocking, close-on-exec IPv4 socket... */
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x", status);
	/* ...but not a blocking one, nor a raw or a unix one. */
	args[1] = SOCK_STREAM;
	assert_sigsys(run(SENTRY_HOSTNET, SYS_getpid, SYS_socket, args));
	args[1] = SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC;
	assert_sigsys(run(SENTRY_HOSTNET, SYS_getpid, SYS_socket, args));
	args[0] = AF_UNIX;
	args[1] = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	assert_sigsys(run(SENTRY_HOSTNET, SYS_getpid, SYS_socket, args));
}
END_TEST

START_TEST(test_filter_kvm_ioctls_only_on_kvm)
{
	long args[3] = {-1, KVM_RUN, 0};
	int status;

	/* ptrace and systrap hold no KVM fd: the vCPU ioctls are off. */
	assert_sigsys(run(SENTRY, SYS_getpid, SYS_ioctl, args));
	assert_sigsys(run(SENTRY_HOSTNET, SYS_getpid, SYS_ioctl, args));
	/* The kvm platform's sentry may make them (EBADF here)... */
	status = run(SENTRY_KVM, SYS_getpid, SYS_ioctl, args);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x", status);
	/* ...and no VM-wide one, nor another ioctl. */
	args[1] = KVM_SET_USER_MEMORY_REGION;
	assert_sigsys(run(SENTRY_KVM, SYS_getpid, SYS_ioctl, args));
	args[1] = TIOCSTI;
	assert_sigsys(run(SENTRY_KVM, SYS_getpid, SYS_ioctl, args));
}
END_TEST

START_TEST(test_filter_gofer_forbids)
{
	long args[3] = {AF_INET, SOCK_STREAM, 0};
	static char *const argv[] = {"/bin/true", NULL};

	/* The gofer makes unix sockets only... */
	assert_sigsys(run(GOFER, SYS_brk, SYS_socket, args));
	/* ...and never runs a program or ptraces. */
	args[0] = (long)"/bin/true";
	args[1] = (long)argv;
	args[2] = 0;
	assert_sigsys(run(GOFER, SYS_brk, SYS_execve, args));
	args[0] = PTRACE_TRACEME;
	args[1] = 0;
	assert_sigsys(run(GOFER, SYS_brk, SYS_ptrace, args));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("filters");
	TCase *tc = tcase_create("enforced");

	tcase_add_test(tc, test_filter_sentry_forbids_open);
	tcase_add_test(tc, test_filter_sentry_forbids_socket);
	tcase_add_test(tc, test_filter_sentry_forbids_exec);
	tcase_add_test(tc, test_filter_sentry_forbids_exec_memory);
	tcase_add_test(tc, test_filter_hostnet_checks_socket);
	tcase_add_test(tc, test_filter_kvm_ioctls_only_on_kvm);
	tcase_add_test(tc, test_filter_gofer_forbids);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
