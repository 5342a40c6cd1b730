// SPDX-License-Identifier: Apache-2.0
/*
 * Taking a sandbox's processes away from the host. As bubblewrap and
 * gVisor's runsc do, the order is: open what is needed, isolate (user
 * namespace first, then the others), drop capabilities, then the seccomp
 * filter goes on.
 */
#include "sentry/kernel/isolate.h"
#include "sentry/kernel/sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The id gVisor's sandbox runs as: it owns no file. */
#define NOBODY 65534

#define FAIL(step)                                                             \
	do {                                                                   \
		*what = (step);                                                \
		return -errno;                                                 \
	} while (0)

/* Write s to path (a user namespace's maps). */
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

/* In a new user namespace: map uid and gid (ours outside) to themselves. */
static int map_self(uid_t uid, gid_t gid, const char **what)
{
	char map[64];
	int err;

	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	err = write_file("/proc/self/uid_map", map);
	if (!err)
		err = write_file("/proc/self/setgroups", "deny");
	if (err) {
		*what = "uid_map";
		return err;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	err = write_file("/proc/self/gid_map", map);
	if (err)
		*what = "gid_map";
	return err;
}

int isolate_unshare(int flags, bool userns, const char **what)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (!userns) {
		if (unshare(flags) == 0)
			return 0;
		if (errno != EPERM)
			FAIL("unshare");
	}
	if (unshare(CLONE_NEWUSER | flags) < 0)
		FAIL("unshare (user namespace)");
	return map_self(uid, gid, what);
}

pid_t isolate_fork_ns(int flags, const char **what)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	bool userns = false;
	long pid;
	int err;

	/* fork's semantics: the child returns here, on the same stack. */
	fflush(NULL);
	pid = syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), 0, 0, 0, 0);
	if (pid < 0 && errno == EPERM) {
		userns = true;
		pid = syscall(SYS_clone,
			      (unsigned long)(CLONE_NEWUSER | flags | SIGCHLD),
			      0, 0, 0, 0);
	}
	if (pid < 0)
		FAIL(userns ? "clone (user namespace)" : "clone");
	if (pid > 0 || !userns)
		return (pid_t)pid;
	err = map_self(uid, gid, what);
	if (err) {
		fprintf(stderr, "moat: %s: %s\n", *what, strerror(-err));
		_exit(125);
	}
	return 0;
}

int isolate_empty_root(const char *name, const char **what)
{
	static const char *const bases[] = {"/tmp", "/mnt", "/dev", "/run"};
	const char *base = NULL;
	struct stat st;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		FAIL("making mounts private");
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (stat(bases[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			base = bases[i];
			break;
		}
	if (!base) {
		*what = "no directory to build the root in";
		return -ENOENT;
	}
	if (mount(name, base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=2,mode=0555") < 0)
		FAIL("mounting the empty root");
	if (chdir(base) < 0)
		FAIL("chdir");
	/* The old root ends up stacked on ".", then detached. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		FAIL("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		FAIL("detaching the host's root");
	if (chdir("/") < 0)
		FAIL("chdir /");
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		      MS_NOEXEC,
		  NULL) < 0)
		FAIL("remounting the root read-only");
	return 0;
}

/* isolate_pid_ns's child: a pidfd of its parent, until die_with_parent. */
static int pid_ns_parent = -1;

pid_t isolate_pid_ns(const char **what)
{
	sigset_t all, old;
	pid_t pid;
	int parent, err;

	err = isolate_unshare(CLONE_NEWPID, false, what);
	if (err)
		return err;
	/* To notice a parent that died before the death signal was set. */
	parent = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (parent < 0)
		FAIL("pidfd_open");
	signal(SIGCHLD, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(parent);
		*what = "fork";
		return err;
	}
	if (pid > 0) {
		close(parent);
		return pid; /* everything stays blocked for the monitor */
	}
	pid_ns_parent = parent;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/*
 * Die with the parent outside the pid namespace, if there is one. Last:
 * a change of credentials clears the parent-death signal. A parent gone
 * already is seen through its pidfd.
 */
static int die_with_parent(const char **what)
{
	int parent = pid_ns_parent;

	if (parent < 0)
		return 0;
	pid_ns_parent = -1;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		close(parent);
		FAIL("PR_SET_PDEATHSIG");
	}
	if (poll(&(struct pollfd){.fd = parent, .events = POLLIN}, 1, 0) != 0)
		_exit(125);
	close(parent);
	return 0;
}

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

static bool cap_effective(int cap)
{
	struct __user_cap_data_struct d[2] = {{0}};

	return caps_get(d) == 0 && (d[cap / 32].effective & (1U << cap % 32));
}

int isolate_drop_caps(uint64_t keep_bounding, uint64_t keep, const char **what)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};

	/* EINVAL: the kernel has no such capability; EPERM: nothing to drop
	 * from (the caps below are then empty already). */
	for (int cap = 0; cap < 64; cap++)
		if (!(keep_bounding & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL && errno != EPERM)
			FAIL("dropping the capability bounding set");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		FAIL("clearing the ambient capabilities");
	if (caps_get(d) < 0)
		FAIL("capget");
	for (int i = 0; i < 2; i++) {
		uint32_t mask = (uint32_t)(keep >> (32 * i));

		d[i].effective &= mask;
		d[i].permitted &= mask;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		FAIL("capset");
	return 0;
}

/*
 * Root becomes nobody, in every id and with no supplementary group, so
 * that what the sentry can still name on the host (pids, its own user
 * namespace's owner) is nobody's. Dumpable again: its own
 * /proc/self/uid_map must stay its to write.
 */
static int become_nobody(const char **what)
{
	if (setgroups(0, NULL) < 0)
		FAIL("setgroups");
	if (setresgid(NOBODY, NOBODY, NOBODY) < 0)
		FAIL("setresgid");
	if (setresuid(NOBODY, NOBODY, NOBODY) < 0)
		FAIL("setresuid");
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		FAIL("PR_SET_DUMPABLE");
	return 0;
}

/*
 * No core file (a crashed sentry or stub must not write application
 * memory anywhere); as many fds as the hard limit allows (donated host
 * files are the application's open files).
 */
static int host_rlimits(const char **what)
{
	struct rlimit none = {0, 0}, nofile;

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		FAIL("RLIMIT_CORE");
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		FAIL("RLIMIT_NOFILE");
	nofile.rlim_cur = nofile.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		FAIL("RLIMIT_NOFILE");
	return 0;
}

int sentry_isolate(bool host_network, const char **what)
{
	int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
	bool root = geteuid() == 0;
	uint64_t keep = 0;
	int err = 0;

	/* Before the sentry becomes nobody or leaves the host's files. */
	sanitize_prepare_isolation();
	if (!host_network) {
		flags |= CLONE_NEWNET;
		if (root && cap_effective(CAP_SETUID) &&
		    cap_effective(CAP_SETGID))
			err = become_nobody(what);
	} else if (root && cap_effective(CAP_NET_BIND_SERVICE)) {
		keep = 1ULL << CAP_NET_BIND_SERVICE;
	}
	if (!err)
		err = isolate_unshare(flags, !host_network, what);
	if (!err)
		err = isolate_empty_root("moat-sentry", what);
	if (!err)
		err = host_rlimits(what);
	if (!err)
		err = isolate_drop_caps(0, keep, what);
	if (!err)
		err = die_with_parent(what);
	if (err)
		return err;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		FAIL("no_new_privs");
	/* Only a tracer with CAP_SYS_PTRACE on the host may read it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		FAIL("PR_SET_DUMPABLE");
	return 0;
}
