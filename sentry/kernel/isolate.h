/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Taking a process of the sandbox away from the host before it serves:
 * namespaces of its own, an empty read-only root, no capabilities, host
 * rlimits. The gofer (gofer/start.c) and the sentry both use it.
 */
#ifndef MOAT_KERNEL_ISOLATE_H
#define MOAT_KERNEL_ISOLATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Into new namespaces (flags: CLONE_NEW*, without CLONE_NEWUSER): with a
 * new user namespace mapping our effective ids to themselves if userns,
 * else only when unsharing directly is not permitted. Single-threaded
 * callers only (the kernel refuses CLONE_NEWNS and CLONE_NEWUSER to a
 * process whose threads share its filesystem context). 0 or -errno, and
 * *what names the step that failed.
 */
int isolate_unshare(int flags, bool userns, const char **what);

/*
 * fork into new namespaces (flags: CLONE_NEW*, CLONE_NEWPID among them,
 * which unshare cannot give the caller itself), in a new user namespace
 * mapping our ids to themselves where that is not permitted directly. As
 * fork: the child's pid, 0 in the child, or -errno with *what. A raw
 * clone: single-threaded callers only.
 */
pid_t isolate_fork_ns(int flags, const char **what);

/*
 * Swap the root (and working directory) for an empty read-only tmpfs named
 * name, and detach the host's: no host file is reachable by path any more.
 * Needs a mount namespace of our own. 0 or -errno, *what as above.
 */
int isolate_empty_root(const char *name, const char **what);

/*
 * Drop every capability not in keep_bounding from the bounding set, keep
 * only those in keep (bit N: capability N) effective and permitted, none
 * inheritable or ambient. This thread only: threads made later inherit
 * it. 0 or -errno, *what as above.
 */
int isolate_drop_caps(uint64_t keep_bounding, uint64_t keep, const char **what);

/*
 * A pid namespace of the sandbox's own (inside a new user namespace when
 * the caller may not make one directly), and a fork, since only a child
 * enters it: in the child, pid 1 there, 0 is returned; it sees no host
 * process, and dies with its parent once sentry_isolate is done. The parent,
 * left in the host's, gets the child's pid with every signal blocked (for
 * sentry_monitor), or -errno with *what as above and nothing changed but
 * its namespace for children. Single-threaded callers only.
 */
pid_t isolate_pid_ns(const char **what);

/*
 * The sentry leaves the host, after the last step that needs a host path
 * or a privilege and before it starts any thread or helper process (the
 * stub factory and the stubs inherit all of it):
 *  - as root, it becomes nobody (65534), as gVisor's sandbox does, unless
 *    host_network or it lacks CAP_SETUID/CAP_SETGID;
 *  - new user (unless host_network and root: the host's network needs
 *    the host's user namespace), mount, IPC, UTS and, unless
 *    host_network, network namespaces;
 *  - an empty read-only root;
 *  - no capabilities (CAP_NET_BIND_SERVICE kept for host_network as
 *    root, so that the application may bind ports below 1024), an empty
 *    bounding set, no_new_privs, not dumpable;
 *  - RLIMIT_CORE 0 and RLIMIT_NOFILE raised to its hard limit.
 * 0 or -errno, *what as above.
 */
int sentry_isolate(bool host_network, const char **what);

#endif
