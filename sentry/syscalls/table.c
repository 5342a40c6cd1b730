// SPDX-License-Identifier: Apache-2.0
/*
 * The syscall table: one entry per x86-64 number, with its handler, how
 * completely it is implemented and a note on deviations. A number without
 * a handler returns -ENOSYS and is logged once by name. `moat syscalls`
 * prints this table; the README's list is generated from it.
 */
#include "sentry/syscalls/syscalls.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"

#include <asm/unistd_64.h>
#include <errno.h>

/* Newer than some hosts' headers (the ABI table has every number). */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#define FULL(name)	    [__NR_##name] = {sys_##name, SYSCALL_FULL, NULL}
#define PARTIAL(name, note) [__NR_##name] = {sys_##name, SYSCALL_PARTIAL, note}
/* Device nodes: any can be made; these few open. */
#define DEVICE_NOTE                                                            \
	"of the device nodes made, only 1:3, 1:5, 1:7, 1:8 and 1:9 (null, "    \
	"zero, full, random, urandom) open; others are ENXIO, as a "           \
	"driverless "                                                          \
	"device"
/* timerfd counts on the host's clocks. */
#define TIMERFD_NOTE                                                           \
	"the wall clock is never set, so TFD_TIMER_CANCEL_ON_SET never "       \
	"cancels; the alarm clocks do not wake a suspended machine"
/* Signal delivery's gaps. */
#define FORK_NOTE                                                              \
	"copy-on-write per page, but a writer going up through memory copies " \
	"ahead (up to 2 MiB)"
#define CLONE_NOTE                                                             \
	"namespaces (CLONE_NEW*): EINVAL; CLONE_SYSVSEM and CLONE_IO mean "    \
	"nothing yet"
#define EXEC_NOTE   "no set-user-ID or file capabilities"
#define WAIT_NOTE   "rusage: CPU time (as user time) and peak RSS only"
#define ITIMER_NOTE "ITIMER_VIRTUAL counts system time too, as ITIMER_PROF"

#define PTIMER_NOTE                                                            \
	"a wall-clock timer does not follow a change of the clock; CPU-clock " \
	"timers are looked at every 4 ms"

/* The application's seccomp filters, enforced by the sentry. */
#define SECCOMP_NOTE                                                           \
	"strict and filter modes, TSYNC, LOG, SPEC_ALLOW (no effect), "        \
	"TSYNC_ESRCH, GET_ACTION_AVAIL; no user notification: "                \
	"NEW_LISTENER and GET_NOTIF_SIZES are EINVAL, RET_USER_NOTIF is "      \
	"ENOSYS; RET_TRACE is ENOSYS (no tracer); RET_LOG goes to the "        \
	"sentry's log"

/* Scheduling attributes are bookkeeping. */
#define SCHED_NOTE                                                             \
	"values are kept and reported, not applied to the host's scheduling"

#define SIGNAL_NOTE                                                            \
	"handlers run with XSAVE frames; stop signals and SIGCONT are "        \
	"ignored by default"
/* Where the xattr calls fall short of Linux. */
#define XATTR_NOTE                                                             \
	"host files' own (through the gofer); tmpfs and the overlay keep "     \
	"theirs; no POSIX ACLs"

/* epoll without wake-up callbacks. */
#define EPOLL_NOTE                                                             \
	"EPOLLET reports an entry again only when a ready bit appears that "   \
	"its last report lacked (or after it was seen not ready), not on "     \
	"every new event; a wait wakes on any file's change, or re-checks "    \
	"after a millisecond"

/* Sockets (net/, syscalls/socket.c). */
#define SOCK_NOTE                                                              \
	"AF_UNIX (stream, datagram, seqpacket; paths and abstract names); "    \
	"AF_INET and AF_INET6 TCP and UDP on the sandbox's own loopback "      \
	"(127.0.0.0/8, ::1; elsewhere ENETUNREACH), raw sockets "              \
	"EPROTONOSUPPORT; with --network=host, host sockets; AF_NETLINK "      \
	"NETLINK_ROUTE, read-only; a unix message costs its length plus 512 "  \
	"bytes of "                                                            \
	"SO_SNDBUF; no MSG_OOB on unix sockets"
#define SOCKOPT_NOTE                                                           \
	"SOL_SOCKET: the options programs set are kept and reported; "         \
	"SO_DEBUG, SO_MARK and SO_PRIORITY change nothing; socket filters "    \
	"ENOPROTOOPT; SOL_TCP, SOL_IP, SOL_IPV6 and UDP_CORK are kept and "    \
	"reported, but Nagle, corking, keepalives, TTLs and the like change "  \
	"nothing on a loopback without packets; UDP_SEGMENT and UDP_GRO "      \
	"ENOPROTOOPT"

const struct syscall_entry syscall_table[ABI_NR_SYSCALLS] = {
    FULL(read),
    FULL(write),
    FULL(readv),
    FULL(writev),
    FULL(pread64),
    FULL(pwrite64),
    FULL(preadv),
    FULL(pwritev),
    FULL(close),
    FULL(dup),
    FULL(dup2),
    FULL(dup3),
    PARTIAL(fcntl, "F_DUPFD(_CLOEXEC), F_GETFD, F_SETFD, F_GETFL, F_SETFL, "
		   "F_GETLK/F_SETLK/F_SETLKW and F_OFD_GETLK/F_OFD_SETLK/"
		   "F_OFD_SETLKW, F_GETPIPE_SZ/F_SETPIPE_SZ, "
		   "F_ADD_SEALS/F_GET_SEALS, F_GETOWN/F_SETOWN(_EX), "
		   "F_GETSIG/F_SETSIG, F_GETLEASE/F_SETLEASE, F_NOTIFY, "
		   "F_GET_RW_HINT/F_SET_RW_HINT, F_DUPFD_QUERY; no SIGIO or "
		   "F_SETSIG signal is ever sent, leases are never broken "
		   "(conflicting opens go ahead), dnotify reports no events, "
		   "a pipe's two ends keep separate write hints; "
		   "F_CREATED_QUERY is EINVAL"),
    PARTIAL(ioctl, "FIOCLEX, FIONCLEX, FIONBIO, FIONREAD; on terminals "
		   "TCGETS/TCSETS(W,F) and their termios2 forms, TIOCGWINSZ/"
		   "TIOCSWINSZ, TIOCSCTTY, TIOCNOTTY, TIOCGPGRP/TIOCSPGRP, "
		   "TIOCGSID, TIOCGPTN, TIOCSPTLCK/TIOCGPTLCK, TIOCGPTPEER, "
		   "TCFLSH, TCXONC, TIOCOUTQ, TIOCSTI, TIOCEXCL/TIOCNXCL, "
		   "TIOCGDEV (no packet mode); the host's stdio answers "
		   "TCGETS, TIOCGWINSZ and FIONREAD"),
    FULL(fstat),
    FULL(lseek),
    FULL(fsync),
    FULL(fdatasync),
    FULL(sync),
    FULL(syncfs),
    FULL(open),
    FULL(openat),
    PARTIAL(openat2, "RESOLVE_CACHED is EAGAIN; RESOLVE_NO_MAGICLINKS "
		     "has no magic links to refuse yet"),
    FULL(creat),
    FULL(chdir),
    FULL(fchdir),
    FULL(chroot),
    FULL(getcwd),
    FULL(access),
    FULL(faccessat),
    FULL(faccessat2),
    FULL(chmod),
    FULL(fchmod),
    FULL(fchmodat),
    FULL(fchmodat2),
    FULL(chown),
    FULL(lchown),
    FULL(fchown),
    FULL(fchownat),
    FULL(truncate),
    FULL(ftruncate),
    FULL(stat),
    FULL(lstat),
    FULL(newfstatat),
    FULL(statx),
    FULL(readlink),
    FULL(readlinkat),
    FULL(statfs),
    FULL(fstatfs),
    PARTIAL(mknod, DEVICE_NOTE),
    PARTIAL(mknodat, DEVICE_NOTE),
    FULL(mkdir),
    FULL(mkdirat),
    FULL(rmdir),
    FULL(unlink),
    FULL(unlinkat),
    FULL(symlink),
    FULL(symlinkat),
    FULL(link),
    FULL(linkat),
    FULL(rename),
    FULL(renameat),
    PARTIAL(renameat2, "RENAME_WHITEOUT is EINVAL"),
    FULL(getdents),
    FULL(getdents64),
    PARTIAL(getxattr, XATTR_NOTE),
    PARTIAL(lgetxattr, XATTR_NOTE),
    PARTIAL(fgetxattr, XATTR_NOTE),
    PARTIAL(setxattr, XATTR_NOTE),
    PARTIAL(lsetxattr, XATTR_NOTE),
    PARTIAL(fsetxattr, XATTR_NOTE),
    PARTIAL(listxattr, XATTR_NOTE),
    PARTIAL(llistxattr, XATTR_NOTE),
    PARTIAL(flistxattr, XATTR_NOTE),
    PARTIAL(removexattr, XATTR_NOTE),
    PARTIAL(lremovexattr, XATTR_NOTE),
    PARTIAL(fremovexattr, XATTR_NOTE),
    PARTIAL(preadv2, "RWF_NOWAIT is EOPNOTSUPP"),
    PARTIAL(pwritev2, "RWF_NOWAIT is EOPNOTSUPP"),
    FULL(close_range),
    PARTIAL(fallocate, "modes 0, KEEP_SIZE and PUNCH_HOLE; the others are "
		       "EOPNOTSUPP"),
    PARTIAL(memfd_create, "MFD_HUGETLB is EINVAL"),
    FULL(flock),
    PARTIAL(sendfile, "copies through the sentry; the source must be a "
		      "regular file or memory device of the sandbox"),
    PARTIAL(copy_file_range, "copies through the sentry"),
    PARTIAL(splice, "copies through the sentry; the file side must be a "
		    "file of the sandbox (the donated stdio can be written, "
		    "not read); the pipe counts bytes, not pages, so a "
		    "partial move may differ in size"),
    PARTIAL(tee, "copies the data rather than sharing it"),
    PARTIAL(vmsplice, "copies rather than maps the pages, so later stores "
		      "to the buffers do not reach the pipe; the pipe counts "
		      "bytes, not pages"),
    PARTIAL(poll, "a wait re-checks its files every millisecond"),
    PARTIAL(ppoll, "a wait re-checks its files every millisecond"),
    PARTIAL(select, "a wait re-checks its files every millisecond"),
    PARTIAL(pselect6, "a wait re-checks its files every millisecond"),
    PARTIAL(futex, "PI futexes inherit no priority"),
    FULL(futex_waitv),
    FULL(pipe),
    PARTIAL(pipe2, "O_DIRECT (packet mode) is EINVAL"),
    FULL(utimensat),
    FULL(futimesat),
    FULL(utimes),
    FULL(utime),
    PARTIAL(mmap, "MAP_SHARED of host files goes through a page cache "
		  "written back on msync, fsync, munmap and close, so host "
		  "processes see stores only then; a truncation reaches other "
		  "threads' view when they next enter the sentry"),
    FULL(munmap),
    FULL(mprotect),
    PARTIAL(mremap, "old_size 0 (duplicating a shared mapping) is EINVAL"),
    FULL(madvise),
    FULL(msync),
    PARTIAL(mincore, "a page is resident once written or locked; a read "
		     "of never-written anonymous memory does not count"),
    FULL(mlock),
    FULL(mlock2),
    FULL(munlock),
    PARTIAL(mlockall, "later mappings under MCL_FUTURE are locked "
		      "without an RLIMIT_MEMLOCK check"),
    FULL(munlockall),
    FULL(brk),
    FULL(exit),
    FULL(exit_group),
    PARTIAL(arch_prctl, "ARCH_SET_CPUID is refused"),
    PARTIAL(prctl, "PR_SET/GET_NAME, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS, "
		   "CHILD_SUBREAPER, KEEPCAPS, TIMERSLACK, TIMING, "
		   "PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, PR_GET_SECUREBITS, "
		   "PR_GET_TID_ADDRESS, PR_MCE_KILL(_GET), PR_GET/SET_SECCOMP; "
		   "PR_SET_MM only tells "
		   "PR_SET_MM_MAP_SIZE (else EPERM, or EINVAL when "
		   "privileged); other options EINVAL; the timer slack is "
		   "kept without effect"),
    PARTIAL(seccomp, SECCOMP_NOTE),
    FULL(set_tid_address),
    FULL(set_robust_list),
    FULL(get_robust_list),
    FULL(getpid),
    FULL(getppid),
    FULL(setpgid),
    FULL(getpgid),
    FULL(getpgrp),
    FULL(getsid),
    FULL(setsid),
    PARTIAL(fork, FORK_NOTE),
    FULL(vfork),
    PARTIAL(clone, CLONE_NOTE),
    PARTIAL(clone3, CLONE_NOTE "; set_tid and CLONE_INTO_CGROUP: EINVAL"),
    PARTIAL(execve, EXEC_NOTE),
    PARTIAL(execveat, EXEC_NOTE),
    PARTIAL(wait4, WAIT_NOTE),
    PARTIAL(waitid, WAIT_NOTE),
    FULL(pidfd_open),
    FULL(pidfd_send_signal),
    FULL(pidfd_getfd),
    FULL(gettid),
    FULL(umask),
    PARTIAL(prlimit64, "limits are recorded; NOFILE, STACK, DATA, AS, NPROC, "
		       "FSIZE enforced, CPU on one thread's time"),
    PARTIAL(getrlimit, "see prlimit64"),
    PARTIAL(setrlimit, "see prlimit64"),
    FULL(sched_getaffinity),
    FULL(sched_yield),
    PARTIAL(getpriority, SCHED_NOTE),
    PARTIAL(setpriority, SCHED_NOTE),
    PARTIAL(sched_setparam, SCHED_NOTE),
    PARTIAL(sched_getparam, SCHED_NOTE),
    PARTIAL(sched_setscheduler, SCHED_NOTE),
    PARTIAL(sched_getscheduler, SCHED_NOTE),
    FULL(sched_get_priority_max),
    FULL(sched_get_priority_min),
    PARTIAL(sched_rr_get_interval, "the fair policies' interval is 0, as "
				   "on a host whose slice is below a tick"),
    PARTIAL(sched_setaffinity, "the mask is kept for sched_getaffinity "
			       "and getcpu, not applied to the host"),
    PARTIAL(sched_setattr,
	    SCHED_NOTE "; SCHED_DEADLINE has no admission "
		       "control; utilization clamps are EOPNOTSUPP "
		       "(no CONFIG_UCLAMP_TASK)"),
    PARTIAL(sched_getattr, SCHED_NOTE),
    PARTIAL(getcpu, "the CPU the task's sentry thread runs on; node 0"),
    FULL(uname),
    FULL(sethostname),
    FULL(setdomainname),
    FULL(sysinfo),
    PARTIAL(getrusage, "all CPU time is user time; ru_maxrss is the peak "
		       "getrusage has seen; fault, I/O, signal and "
		       "context-switch counts are 0"),
    PARTIAL(times, "all CPU time is user time; the return value counts "
		   "from the sandbox's boot"),
    FULL(getrandom),
    PARTIAL(personality, "READ_IMPLIES_EXEC, UNAME26 and linux32's "
			 "machine act; other flags are kept only"),
    FULL(membarrier),
    FULL(getuid),
    FULL(geteuid),
    FULL(getgid),
    FULL(getegid),
    FULL(setuid),
    FULL(setgid),
    FULL(setreuid),
    FULL(setregid),
    FULL(setresuid),
    FULL(setresgid),
    FULL(getresuid),
    FULL(getresgid),
    FULL(setfsuid),
    FULL(setfsgid),
    FULL(getgroups),
    FULL(setgroups),
    PARTIAL(capget, "capabilities are not recomputed at execve"),
    PARTIAL(capset, "capabilities are not recomputed at execve"),
    PARTIAL(clock_gettime, "a thread's CPU clock reads 0 after it exited; "
			   "user and system time are not told apart"),
    FULL(clock_getres),
    FULL(gettimeofday),
    FULL(time),
    FULL(nanosleep),
    PARTIAL(clock_nanosleep, "a CPU clock is looked at every 4 ms; an "
			     "absolute wall-clock sleep does not follow a "
			     "change of the clock"),
    PARTIAL(getitimer, ITIMER_NOTE),
    PARTIAL(setitimer, ITIMER_NOTE),
    FULL(alarm),
    PARTIAL(timer_create, PTIMER_NOTE),
    PARTIAL(timer_settime, PTIMER_NOTE),
    FULL(timer_gettime),
    FULL(timer_getoverrun),
    FULL(timer_delete),
    PARTIAL(socket, SOCK_NOTE),
    PARTIAL(socketpair, "AF_UNIX only, as Linux; other families "
			"EOPNOTSUPP"),
    PARTIAL(bind, SOCK_NOTE),
    PARTIAL(connect, SOCK_NOTE),
    PARTIAL(sendto, SOCK_NOTE),
    PARTIAL(recvfrom, SOCK_NOTE),
    PARTIAL(sendmsg, SOCK_NOTE),
    PARTIAL(recvmsg, SOCK_NOTE),
    PARTIAL(sendmmsg, SOCK_NOTE),
    PARTIAL(recvmmsg, SOCK_NOTE "; the timeout is looked at between "
				"messages, as Linux's"),
    PARTIAL(shutdown, SOCK_NOTE),
    PARTIAL(getsockopt, SOCKOPT_NOTE),
    PARTIAL(setsockopt, SOCKOPT_NOTE),
    PARTIAL(getsockname, SOCK_NOTE),
    PARTIAL(getpeername, SOCK_NOTE),
    PARTIAL(listen, SOCK_NOTE),
    PARTIAL(accept, SOCK_NOTE),
    PARTIAL(accept4, SOCK_NOTE),
    FULL(eventfd),
    FULL(eventfd2),
    FULL(epoll_create),
    FULL(epoll_create1),
    PARTIAL(epoll_ctl, EPOLL_NOTE),
    PARTIAL(epoll_wait, EPOLL_NOTE),
    PARTIAL(epoll_pwait, EPOLL_NOTE),
    PARTIAL(epoll_pwait2, EPOLL_NOTE),
    PARTIAL(timerfd_create, TIMERFD_NOTE),
    PARTIAL(timerfd_settime, TIMERFD_NOTE),
    PARTIAL(timerfd_gettime, TIMERFD_NOTE),
    FULL(signalfd),
    FULL(signalfd4),
    FULL(pause),
    FULL(restart_syscall),
    PARTIAL(rt_sigaction, SIGNAL_NOTE),
    FULL(rt_sigprocmask),
    FULL(kill),
    FULL(tkill),
    FULL(tgkill),
    FULL(rt_sigqueueinfo),
    FULL(rt_tgsigqueueinfo),
    FULL(rt_sigpending),
    FULL(sigaltstack),
    FULL(rt_sigreturn),
    FULL(rt_sigsuspend),
    FULL(rt_sigtimedwait),
};

static uint64_t logged[(ABI_NR_SYSCALLS + 63) / 64];

long syscall_dispatch(struct task *t, long nr, const uint64_t *a)
{
	const struct abi_syscall *abi;

	if (nr >= 0 && nr < ABI_NR_SYSCALLS && syscall_table[nr].fn)
		return syscall_table[nr].fn(t, a);
	if (nr >= 0 && nr < ABI_NR_SYSCALLS) {
		uint64_t bit = 1ULL << (nr % 64);

		if (!(__atomic_fetch_or(&logged[nr / 64], bit,
					__ATOMIC_RELAXED) &
		      bit)) {
			abi = abi_syscall(nr);
			log_warn("unimplemented syscall %ld (%s)", nr,
				 abi ? abi->name : "unassigned");
		}
	} else {
		log_warn_once("syscall number out of range (%ld)", nr);
	}
	return -ENOSYS;
}
