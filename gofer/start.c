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

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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

/* Write s to path (for a user namespace's maps). */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/*
 * A mount namespace of our own: as root directly, otherwise inside a user
 * namespace that maps our ids to themselves.
 */
static void new_namespaces(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) == 0)
		return;
	if (errno != EPERM)
		die("unshare", errno);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) <
	    0)
		die("unshare (user namespace)", errno);
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/uid_map", map) < 0 ||
	    write_file("/proc/self/setgroups", "deny") < 0)
		die("uid_map", EPERM);
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		die("gid_map", EPERM);
}

/* Swap the root for an empty read-only tmpfs and forget the old one. */
static void empty_root(void)
{
	static const char *const bases[] = {"/tmp", "/mnt", "/dev", "/run"};
	const char *base = NULL;
	struct stat st;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making mounts private", errno);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (stat(bases[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			base = bases[i];
			break;
		}
	if (!base)
		die("no directory to build the root in", ENOENT);
	if (mount("moat-gofer", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=2,mode=0555") < 0)
		die("mounting the empty root", errno);
	if (chdir(base) < 0)
		die("chdir", errno);
	/* The old root ends up stacked on ".", then detached. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root", errno);
	if (umount2(".", MNT_DETACH) < 0)
		die("detaching the host's root", errno);
	if (chdir("/") < 0)
		die("chdir /", errno);
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		      MS_NOEXEC,
		  NULL) < 0)
		die("remounting the root read-only", errno);
}

/* Keep only what file operations on the container's behalf need. */
static void drop_capabilities(void)
{
	static const int keep[] = {CAP_CHOWN, CAP_DAC_OVERRIDE,
				   CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID};
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		bool kept = false;

		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			kept |= keep[i] == cap;
		if (!kept && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL && errno != EPERM)
			die("dropping the capability bounding set", errno);
	}
	if (syscall(SYS_capget, &h, d) < 0)
		die("capget", errno);
	for (int i = 0; i < 2; i++) {
		uint32_t mask = 0;

		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (keep[k] / 32 == i)
				mask |= 1U << (keep[k] % 32);
		d[i].effective &= mask;
		d[i].permitted &= mask;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		die("capset", errno);
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
	    pid_t parent)
{
	struct gofer_server s;
	const char *why;
	sigset_t none;
	int proc_fd, err;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
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
	raise_nofile();

	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		die("/proc/self/fd", errno);
	err = gofer_server_init(&s, sock, proc_fd, specs, n, &why);
	if (err)
		die(why ? why : "starting", -err);

	new_namespaces();
	empty_root();
	s.in_proc = false; /* empty_root moved the working directory */
	umask(0);
	drop_capabilities();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", errno);
	err = gofer_install_filter();
	if (err)
		die("installing the seccomp filter", -err);
	_exit(gofer_serve(&s));
}

pid_t gofer_start(int sock, const struct gofer_mount_spec *specs, unsigned n)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0)
		gofer_child(sock, specs, n, parent);
	return pid < 0 ? -errno : pid;
}
