// SPDX-License-Identifier: Apache-2.0
/*
 * Starting the gofer process: everything it may reach is opened first (the
 * mounts' roots, /proc/self/fd); then it leaves the host's filesystem for an
 * empty read-only tmpfs in its own mount namespace, drops every capability
 * but the few that file operations on the container's behalf need, and
 * serves under its own seccomp filter. As bubblewrap does, the order is:
 * open, isolate, drop, filter, serve.
 */
#include "gofer/gofer.h"
#include "sentry/kernel/isolate.h"
#include "sentry/kernel/sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what, int err)
{
	fprintf(stderr, "moat gofer: %s: %s\n", what, strerror(err));
	_exit(125);
}

/* Keep only what file operations on the container's behalf need. */
static const uint64_t gofer_caps =
    1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH |
    1ULL << CAP_FOWNER | 1ULL << CAP_FSETID;

/*
 * A mount namespace of our own (as root directly, otherwise inside a user
 * namespace that maps our ids to themselves), an empty read-only root,
 * and only the capabilities above.
 */
static void isolate(void)
{
	const char *what = NULL;
	int err = isolate_unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS,
				  false, &what);

	if (!err)
		err = isolate_empty_root("moat-gofer", &what);
	if (!err)
		err = isolate_drop_caps(gofer_caps, gofer_caps, &what);
	if (err)
		die(what, -err);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static __attribute__((noreturn)) void
gofer_child(int sock, const struct gofer_mount_spec *specs, unsigned n,
	    int parent)
{
	struct pollfd gone = {.fd = parent, .events = POLLIN};
	struct gofer_server s;
	const char *why;
	sigset_t none;
	int proc_fd, err;

	/* Dies with its parent; one that died already is a readable pidfd
	 * (getppid says nothing from a pid namespace of our own). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&gone, 1, 0) != 0)
		_exit(125);
	close(parent);
	prctl(PR_SET_NAME, "moat-gofer");
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Only the socket and stderr stay open. */
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			die("dup2", errno);
		sock = 3;
	}
	fcntl(sock, F_SETFD, FD_CLOEXEC);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	syscall(SYS_close_range, 4, ~0U, 0);
	sanitize_prepare_isolation();
	raise_nofile();

	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		die("/proc/self/fd", errno);
	err = gofer_server_init(&s, sock, proc_fd, specs, n, &why);
	if (err)
		die(why ? why : "starting", -err);

	isolate();
	s.in_proc = false; /* isolate moved the working directory */
	umask(0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", errno);
	err = gofer_install_filter();
	if (err)
		die("installing the seccomp filter", -err);
	_exit(gofer_serve(&s));
}

/*
 * The gofer is pid 1 of a pid namespace of its own, in an empty network
 * namespace: taken over, it sees and signals no host process and has no
 * network (it connects host unix sockets by path, which needs none).
 */
pid_t gofer_start(int sock, const struct gofer_mount_spec *specs, unsigned n)
{
	int parent = (int)syscall(SYS_pidfd_open, getpid(), 0);
	const char *what = NULL;
	pid_t pid;

	if (parent < 0)
		return -errno;
	pid = isolate_fork_ns(CLONE_NEWPID | CLONE_NEWNET, &what);
	if (pid == 0)
		gofer_child(sock, specs, n, parent);
	close(parent);
	return pid;
}
