/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sentry's syscall table and its handlers. Handlers take the task and
 * the six raw argument registers and return a value or -errno; restartable
 * interruptions return the kernel's ERESTART* codes.
 */
#ifndef MOAT_SYSCALLS_H
#define MOAT_SYSCALLS_H

#include "abi/syscall_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;

typedef long (*syscall_fn)(struct task *t, const uint64_t *a);

enum syscall_support {
	SYSCALL_UNSUPPORTED = 0, /* returns -ENOSYS */
	SYSCALL_FULL,		 /* as Linux */
	SYSCALL_PARTIAL,	 /* works, with the deviations in note */
};

struct syscall_entry {
	syscall_fn fn;
	uint8_t support;
	const char *note;
};

extern const struct syscall_entry syscall_table[ABI_NR_SYSCALLS];

/* Run syscall nr for t with args a; logs unimplemented calls once. */
long syscall_dispatch(struct task *t, long nr, const uint64_t *a);

/* --strace: print one call with its arguments and result. */
void strace_syscall(struct task *t, long nr, const uint64_t *a, long ret);

/* Check that [addr, addr+len) lies in the user address range. */
static inline int user_access_ok(uint64_t addr, uint64_t len)
{
	return len <= 0x7ffffffff000UL && addr <= 0x7ffffffff000UL - len;
}

/* Largest single read or write, as Linux's MAX_RW_COUNT. */
#define MAX_RW_COUNT 0x7ffff000UL

#define SYSCALL(name)                                                          \
	long sys_##name(struct task *t __attribute__((unused)),                \
			const uint64_t *a __attribute__((unused)))

/* read_write.c */
SYSCALL(read);
SYSCALL(write);
SYSCALL(readv);
SYSCALL(writev);
SYSCALL(pread64);
SYSCALL(pwrite64);
SYSCALL(preadv);
SYSCALL(pwritev);
/* fd.c */
SYSCALL(close);
SYSCALL(dup);
SYSCALL(dup2);
SYSCALL(dup3);
SYSCALL(fcntl);
SYSCALL(ioctl);
SYSCALL(fstat);
SYSCALL(lseek);
SYSCALL(fsync);
SYSCALL(fdatasync);
SYSCALL(sync);
SYSCALL(syncfs);
/* open.c */
SYSCALL(open);
SYSCALL(openat);
SYSCALL(openat2);
SYSCALL(creat);
SYSCALL(chdir);
SYSCALL(fchdir);
SYSCALL(chroot);
SYSCALL(getcwd);
SYSCALL(access);
SYSCALL(faccessat);
SYSCALL(faccessat2);
SYSCALL(chmod);
SYSCALL(fchmod);
SYSCALL(fchmodat);
SYSCALL(fchmodat2);
SYSCALL(chown);
SYSCALL(lchown);
SYSCALL(fchown);
SYSCALL(fchownat);
SYSCALL(truncate);
SYSCALL(ftruncate);
/* stat.c */
SYSCALL(stat);
SYSCALL(lstat);
SYSCALL(newfstatat);
SYSCALL(statx);
SYSCALL(readlink);
SYSCALL(readlinkat);
SYSCALL(statfs);
SYSCALL(fstatfs);
/* namei.c */
SYSCALL(mknod);
SYSCALL(mknodat);
SYSCALL(mkdir);
SYSCALL(mkdirat);
SYSCALL(rmdir);
SYSCALL(unlink);
SYSCALL(unlinkat);
SYSCALL(symlink);
SYSCALL(symlinkat);
SYSCALL(link);
SYSCALL(linkat);
SYSCALL(rename);
SYSCALL(renameat);
SYSCALL(renameat2);
/* readdir.c */
SYSCALL(getdents);
SYSCALL(getdents64);
/* xattr.c */
SYSCALL(getxattr);
SYSCALL(lgetxattr);
SYSCALL(fgetxattr);
SYSCALL(setxattr);
SYSCALL(lsetxattr);
SYSCALL(fsetxattr);
SYSCALL(listxattr);
SYSCALL(llistxattr);
SYSCALL(flistxattr);
SYSCALL(removexattr);
SYSCALL(lremovexattr);
SYSCALL(fremovexattr);
/* select.c */
SYSCALL(poll);
SYSCALL(ppoll);
SYSCALL(select);
SYSCALL(pselect6);
/*
 * ppoll's, pselect6's and epoll_pwait's mask for the wait (umask 0: none):
 * 0, or -errno. Done: the old mask back now, unless keep (interrupted: a
 * handler's frame puts it back, or signal delivery when none runs).
 */
int wait_mask_set(struct task *t, uint64_t umask, uint64_t size);
void wait_mask_done(struct task *t, uint64_t umask, bool keep);
/*
 * Snapshots of anonymous files (eventfd.c, timerfd.c, signalfd.c,
 * eventpoll.c): what one holds, and the file made again from it with
 * status flags flags. A _save is -EINVAL for a file of another kind; a
 * _restore checks the values as the calls that set them do, and is NULL
 * for one they would refuse (or when out of memory).
 */
struct file;
int eventfd_save(struct file *f, uint64_t *count, bool *semaphore);
struct file *eventfd_restore(uint32_t flags, uint64_t count, bool semaphore);

struct timerfd_image {
	int clockid;	  /* the application's clock id */
	bool armed;	  /* else left is 0 */
	int64_t left;	  /* ns to the next expiry, >= 0 */
	int64_t interval; /* ns, >= 0 */
	uint64_t ticks;	  /* expirations not yet read */
};
int timerfd_save(struct file *f, struct timerfd_image *v);
struct file *timerfd_restore(uint32_t flags, const struct timerfd_image *v);

int signalfd_save(struct file *f, uint64_t *mask);
struct file *signalfd_restore(uint32_t flags, uint64_t mask);

/* One entry of an epoll set's interest list. */
struct epoll_item_image {
	struct file *file; /* watched, by the fd number fd */
	int fd;
	uint32_t events; /* as epoll_ctl keeps them */
	uint64_t data;
	uint32_t seen; /* EPOLLET: the ready bits already reported */
};
bool eventpoll_is(const struct file *f);
/* The set's entries in order (malloc'd, *n of them): 0 or -ENOMEM. */
int eventpoll_save(struct file *f, struct epoll_item_image **v, size_t *n);
struct file *eventpoll_restore(uint32_t flags);
/*
 * Append an entry to the set ep, as epoll_ctl's EPOLL_CTL_ADD would:
 * 0, -EINVAL (ep no set, the file itself or one without poll, events
 * epoll_ctl refuses, an entry twice), -ELOOP (a cycle or nesting too
 * deep) or -ENOMEM.
 */
int eventpoll_restore_item(struct file *ep, const struct epoll_item_image *v);
/* eventpoll.c */
SYSCALL(epoll_create);
SYSCALL(epoll_create1);
SYSCALL(epoll_ctl);
SYSCALL(epoll_wait);
SYSCALL(epoll_pwait);
SYSCALL(epoll_pwait2);
/* more read_write.c, fd.c, splice.c */
SYSCALL(preadv2);
SYSCALL(pwritev2);
SYSCALL(close_range);
SYSCALL(flock);
SYSCALL(memfd_create);
SYSCALL(fallocate);
SYSCALL(sendfile);
SYSCALL(copy_file_range);
SYSCALL(splice);
SYSCALL(tee);
SYSCALL(vmsplice);
/* futex.c */
SYSCALL(futex);
SYSCALL(futex_waitv);
/* pipe.c */
SYSCALL(pipe);
SYSCALL(pipe2);
/* utimes.c */
SYSCALL(utimensat);
SYSCALL(futimesat);
SYSCALL(utimes);
SYSCALL(utime);
/* mmap.c */
SYSCALL(mmap);
SYSCALL(munmap);
SYSCALL(mprotect);
SYSCALL(mremap);
SYSCALL(madvise);
SYSCALL(msync);
SYSCALL(brk);
/* process.c */
SYSCALL(exit);
SYSCALL(exit_group);
SYSCALL(arch_prctl);
SYSCALL(set_tid_address);
SYSCALL(set_robust_list);
SYSCALL(get_robust_list);
SYSCALL(getpid);
SYSCALL(getppid);
SYSCALL(setpgid);
SYSCALL(getpgid);
SYSCALL(getpgrp);
SYSCALL(getsid);
SYSCALL(setsid);
/* clone.c */
SYSCALL(fork);
SYSCALL(vfork);
SYSCALL(clone);
SYSCALL(clone3);
SYSCALL(wait4);
SYSCALL(waitid);
/* pidfd.c */
SYSCALL(pidfd_open);
SYSCALL(pidfd_send_signal);
SYSCALL(pidfd_getfd);
/* exec.c */
SYSCALL(execve);
SYSCALL(execveat);
SYSCALL(gettid);
SYSCALL(umask);
SYSCALL(prlimit64);
SYSCALL(getrlimit);
SYSCALL(setrlimit);
/* sched.c */
SYSCALL(getpriority);
SYSCALL(setpriority);
SYSCALL(sched_setparam);
SYSCALL(sched_getparam);
SYSCALL(sched_setscheduler);
SYSCALL(sched_getscheduler);
SYSCALL(sched_get_priority_max);
SYSCALL(sched_get_priority_min);
SYSCALL(sched_rr_get_interval);
SYSCALL(sched_setaffinity);
SYSCALL(sched_getaffinity);
SYSCALL(sched_setattr);
SYSCALL(sched_getattr);
SYSCALL(sched_yield);
SYSCALL(getcpu);
/* mlock.c */
SYSCALL(mlock);
SYSCALL(mlock2);
SYSCALL(munlock);
SYSCALL(mlockall);
SYSCALL(munlockall);
SYSCALL(mincore);
/* sys.c */
SYSCALL(uname);
SYSCALL(sethostname);
SYSCALL(setdomainname);
SYSCALL(sysinfo);
SYSCALL(getrandom);
SYSCALL(getrusage);
SYSCALL(times);
SYSCALL(personality);
SYSCALL(membarrier);
/* cred.c */
SYSCALL(getuid);
SYSCALL(geteuid);
SYSCALL(getgid);
SYSCALL(getegid);
SYSCALL(setuid);
SYSCALL(setgid);
SYSCALL(setreuid);
SYSCALL(setregid);
SYSCALL(setresuid);
SYSCALL(setresgid);
SYSCALL(getresuid);
SYSCALL(getresgid);
SYSCALL(setfsuid);
SYSCALL(setfsgid);
SYSCALL(getgroups);
SYSCALL(setgroups);
SYSCALL(capget);
SYSCALL(capset);
/* time.c */
SYSCALL(clock_gettime);
SYSCALL(clock_getres);
SYSCALL(gettimeofday);
SYSCALL(time);
SYSCALL(nanosleep);
SYSCALL(clock_nanosleep);
SYSCALL(getitimer);
SYSCALL(setitimer);
SYSCALL(alarm);
/* signal.c */
SYSCALL(rt_sigaction);
SYSCALL(rt_sigprocmask);
SYSCALL(kill);
SYSCALL(tkill);
SYSCALL(tgkill);
SYSCALL(rt_sigqueueinfo);
SYSCALL(rt_tgsigqueueinfo);
SYSCALL(rt_sigpending);
SYSCALL(sigaltstack);
SYSCALL(rt_sigreturn);
SYSCALL(rt_sigsuspend);
SYSCALL(rt_sigtimedwait);
SYSCALL(pause);
SYSCALL(restart_syscall);

/* timer.c */
SYSCALL(timer_create);
SYSCALL(timer_settime);
SYSCALL(timer_gettime);
SYSCALL(timer_getoverrun);
SYSCALL(timer_delete);
/* prctl.c */
SYSCALL(prctl);
SYSCALL(seccomp);

/* socket.c */
SYSCALL(socket);
SYSCALL(socketpair);
SYSCALL(bind);
SYSCALL(connect);
SYSCALL(sendmmsg);
SYSCALL(recvmmsg);
SYSCALL(sendto);
SYSCALL(recvfrom);
SYSCALL(sendmsg);
SYSCALL(recvmsg);
SYSCALL(shutdown);
SYSCALL(getsockopt);
SYSCALL(setsockopt);
SYSCALL(getsockname);
SYSCALL(getpeername);
SYSCALL(listen);
SYSCALL(accept);
SYSCALL(accept4);
/* eventfd.c */
SYSCALL(eventfd);
SYSCALL(eventfd2);
/* timerfd.c */
SYSCALL(timerfd_create);
SYSCALL(timerfd_settime);
SYSCALL(timerfd_gettime);
/* signalfd.c */
SYSCALL(signalfd);
SYSCALL(signalfd4);

/* Shared argument helpers. */
struct abi_timespec;
struct timespec;
/* Copy in a timeout at addr: -EFAULT, or -EINVAL unless 0 <= ns < 1e9 and
 * the seconds are not negative. */
int copy_in_timeout(struct task *t, uint64_t addr, struct abi_timespec *ts);
/* CLOCK_MONOTONIC now plus ts, saturating far in the future. */
void deadline_after(struct timespec *deadline, const struct abi_timespec *ts);
/* Nanoseconds from now (CLOCK_MONOTONIC) to deadline; negative: passed. */
int64_t deadline_left_ns(const struct timespec *deadline);
/*
 * One step of a wait that re-checks readiness (poll, epoll): seq is what
 * poll_begin() gave before the readiness was last looked at. 1 when the
 * deadline (NULL: none) has passed, -EINTR when a signal t does not block
 * is pending, else 0 after a poll_notify() since seq, or, with tick (a
 * file watched lacks poll_notifies: host fds, timerfd), after
 * POLL_TICK_NS at most.
 */
#define POLL_TICK_NS 1000000
int poll_tick(struct task *t, const struct timespec *deadline, uint64_t seq,
	      bool tick);
/* Copy in a sigset_t argument and its size: -EINVAL unless size is 8. */
int copy_in_sigset(struct task *t, uint64_t addr, uint64_t size, uint64_t *set);
/*
 * Copy in and check an application iovec array of cnt (at most IOV_MAX)
 * entries, as Linux's import_iovec does: EFAULT for an unreadable array,
 * then EINVAL for a negative length anywhere in it, then EFAULT for a
 * buffer outside the user range (even an empty one); the total is capped
 * at MAX_RW_COUNT by shortening the last buffers. The total or -errno.
 */
struct abi_iovec;
int64_t import_iovec(struct task *t, uint64_t uiov, uint64_t cnt,
		     struct abi_iovec *iov);
/*
 * The same into stack (nstack entries) or, for more, a malloc'd array:
 * EINVAL past IOV_MAX first. *iov is the array used, to free when it is
 * not stack (also after an error).
 */
int64_t import_iovec_buf(struct task *t, uint64_t uiov, uint64_t cnt,
			 struct abi_iovec *stack, size_t nstack,
			 struct abi_iovec **iov);

/*
 * What restart_syscall continues with after -ERESTART_RESTARTBLOCK (a
 * task's restart_fn), named here so that a snapshot can say which.
 */
long futex_wait_restart(struct task *t);
long poll_restart(struct task *t);
long sleep_restart(struct task *t);
long cpu_sleep_restart(struct task *t);

#endif
