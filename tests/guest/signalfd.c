// SPDX-License-Identifier: Apache-2.0
/*
 * signalfd (signalfd(2)): the errors of signalfd and signalfd4; reading
 * the pending signals of the mask (several at once, real-time ones queued,
 * standard ones once, the thread's before the process's) with their
 * fields for each kind of sender (kill, tgkill, sigqueue, the kernel's
 * timer, and a siginfo of each layout through rt_sigqueueinfo); updating
 * an existing signalfd's mask; poll; nonblocking reads; a blocked read
 * woken by SIGALRM from setitimer, or ended by a signal outside its mask.
 */
#include "guest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>

#define BAD_ADDR 8
#define SSI	 sizeof(struct signalfd_siginfo)

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static uint64_t bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* A new signalfd for the signals of mask (a kernel sigset_t). */
static int sfd_new(uint64_t mask, int flags)
{
	return (int)SYS4(SYS_signalfd4, -1, &mask, 8, flags);
}

static void block(uint64_t mask)
{
	CHECK_OK(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, &mask, NULL, 8));
}

static void unblock(uint64_t mask)
{
	CHECK_OK(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &mask, NULL, 8));
}

static uint64_t pending(void)
{
	uint64_t set = 0;

	SYS2(SYS_rt_sigpending, &set, 8);
	return set;
}

/* rt_sigqueueinfo to ourselves with code and the rest from si. */
static long queue_info(int sig, siginfo_t *si, int code)
{
	si->si_signo = sig;
	si->si_code = code;
	return SYS3(SYS_rt_sigqueueinfo, getpid(), sig, si);
}

static void test_errors(void)
{
	uint64_t mask = bit(SIGUSR1);
	struct signalfd_siginfo s;
	char name[64], link[64];
	int efd = eventfd(0, 0), fd;
	struct stat st;

	/* The size first, then the mask, then the flags, then the fd. */
	CHECK_ERR(SYS3(SYS_signalfd, -1, &mask, 4), EINVAL);
	CHECK_ERR(SYS3(SYS_signalfd, -1, &mask, 16), EINVAL);
	CHECK_ERR(SYS3(SYS_signalfd, -1, &mask, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_signalfd, -1, NULL, 4), EINVAL);
	CHECK_ERR(SYS3(SYS_signalfd, -1, NULL, 8), EFAULT);
	CHECK_ERR(SYS3(SYS_signalfd, -1, BAD_ADDR, 8), EFAULT);
	CHECK_ERR(SYS4(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, -1, NULL, 8, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_signalfd4, -1, NULL, 8, 1), EFAULT);
	CHECK_ERR(SYS4(SYS_signalfd4, -1, &mask, 8, 1), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, -1, &mask, 8, O_RDWR), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, 1000000, &mask, 8, 1), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, 1000000, &mask, 8, 0), EBADF);
	CHECK_ERR(SYS4(SYS_signalfd4, -2, &mask, 8, 0), EBADF);
	CHECK_ERR(SYS3(SYS_signalfd, 1000000, &mask, 8), EBADF);
	CHECK_ERR(SYS3(SYS_signalfd, efd, &mask, 8), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, efd, &mask, 8, 0), EINVAL);

	/* The flags, and the face of the file. */
	fd = sfd_new(mask, SFD_CLOEXEC | SFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK),
		 O_RDWR | O_NONBLOCK);
	CHECK_OK(SYS2(SYS_fstat, fd, &st));
	CHECK_EQ(st.st_mode, 0600);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	memset(link, 0, sizeof(link));
	CHECK_EQ(readlink(name, link, sizeof(link) - 1), 21);
	CHECK(!strcmp(link, "anon_inode:[signalfd]"));
	/* Updating keeps the flags; the new flags are still checked. */
	CHECK_EQ(SYS4(SYS_signalfd4, fd, &mask, 8, 0), fd);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_ERR(SYS4(SYS_signalfd4, fd, &mask, 8, 1), EINVAL);
	CHECK_ERR(SYS4(SYS_signalfd4, fd, NULL, 8, 0), EFAULT);

	/* read: room for one record at least; write, pread: no. */
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI - 1), EINVAL);
	CHECK_ERR(SYS3(SYS_read, fd, &s, 0), EINVAL);
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI), EAGAIN);
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI * 3 - 1), EAGAIN);
	CHECK_ERR(SYS3(SYS_write, fd, &s, SSI), EINVAL);
	CHECK_ERR(SYS4(SYS_pread64, fd, &s, SSI, 0), ESPIPE);
	CHECK_EQ(SYS3(SYS_lseek, fd, 5, SEEK_SET), 0);
	close(fd);

	/* signalfd has no flags. */
	fd = (int)SYS3(SYS_signalfd, -1, &mask, 8);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	close(fd);
	/* SIGKILL and SIGSTOP are taken out of the mask without a word. */
	fd = sfd_new(bit(SIGKILL) | bit(SIGSTOP) | mask, 0);
	CHECK(fd >= 0);
	close(fd);
	close(efd);
}

static void test_reads(void)
{
	uint64_t mask =
	    bit(SIGUSR1) | bit(SIGUSR2) | bit(SIGRTMIN) | bit(SIGRTMIN + 1);
	int fd = sfd_new(mask, SFD_NONBLOCK);
	struct signalfd_siginfo s[4];
	int pid = getpid(), tid = (int)SYS0(SYS_gettid);
	union sigval val;

	block(mask);

	/* kill: SI_USER with the sender's pid and uid, nothing else. */
	memset(s, 0xff, sizeof(s));
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_EQ(SYS3(SYS_read, fd, s, sizeof(s)), SSI);
	CHECK_EQ(s[0].ssi_signo, SIGUSR1);
	CHECK_EQ(s[0].ssi_errno, 0);
	CHECK_EQ(s[0].ssi_code, SI_USER);
	CHECK_EQ(s[0].ssi_pid, pid);
	CHECK_EQ(s[0].ssi_uid, getuid());
	CHECK_EQ(s[0].ssi_fd, 0);
	CHECK_EQ(s[0].ssi_tid, 0);
	CHECK_EQ(s[0].ssi_int, 0);
	CHECK_EQ(s[0].ssi_ptr, 0);
	CHECK_EQ(s[0].ssi_status, 0);
	CHECK_EQ(s[0].ssi_addr, 0);
	CHECK_EQ(s[1].ssi_signo, 0xffffffffU); /* only one written */
	CHECK_ERR(SYS3(SYS_read, fd, s, sizeof(s)), EAGAIN);
	CHECK_EQ(pending() & mask, 0);

	/* A standard signal is pending once. */
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_EQ(SYS3(SYS_read, fd, s, sizeof(s)), SSI);
	CHECK_EQ(s[0].ssi_signo, SIGUSR1);

	/* Real-time ones queue, each with its value, the lower first. */
	val.sival_ptr = (void *)0x123456789abcULL;
	CHECK_OK(sigqueue(pid, SIGRTMIN + 1, val));
	val.sival_int = 1;
	CHECK_OK(sigqueue(pid, SIGRTMIN, val));
	val.sival_int = 2;
	CHECK_OK(sigqueue(pid, SIGRTMIN, val));
	memset(s, 0, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, s, sizeof(s)), 3 * SSI);
	CHECK_EQ(s[0].ssi_signo, SIGRTMIN);
	CHECK_EQ(s[0].ssi_code, SI_QUEUE);
	CHECK_EQ(s[0].ssi_pid, pid);
	CHECK_EQ(s[0].ssi_uid, getuid());
	CHECK_EQ(s[0].ssi_int, 1);
	CHECK_EQ(s[1].ssi_signo, SIGRTMIN);
	CHECK_EQ(s[1].ssi_int, 2);
	CHECK_EQ(s[2].ssi_signo, SIGRTMIN + 1);
	CHECK_EQ(s[2].ssi_ptr, 0x123456789abcULL);
	CHECK_EQ(s[2].ssi_int, 0x56789abc);

	/* Only as many as fit: the rest stay pending. */
	val.sival_int = 3;
	CHECK_OK(sigqueue(pid, SIGRTMIN, val));
	val.sival_int = 4;
	CHECK_OK(sigqueue(pid, SIGRTMIN, val));
	CHECK_EQ(SYS3(SYS_read, fd, s, 2 * SSI - 1), SSI);
	CHECK_EQ(s[0].ssi_int, 3);
	CHECK_EQ(pending() & mask, bit(SIGRTMIN));
	CHECK_EQ(SYS3(SYS_read, fd, s, SSI), SSI);
	CHECK_EQ(s[0].ssi_int, 4);

	/* tgkill: SI_TKILL; the thread's signals come before the process's,
	 * even with a higher number. */
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_OK(SYS3(SYS_tgkill, pid, tid, SIGUSR2));
	memset(s, 0, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, s, sizeof(s)), 2 * SSI);
	CHECK_EQ(s[0].ssi_signo, SIGUSR2);
	CHECK_EQ(s[0].ssi_code, SI_TKILL);
	CHECK_EQ(s[0].ssi_pid, pid);
	CHECK_EQ(s[0].ssi_uid, getuid());
	CHECK_EQ(s[1].ssi_signo, SIGUSR1);
	CHECK_EQ(s[1].ssi_code, SI_USER);

	/* Records split across iovecs anywhere. */
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR2));
	{
		char buf[2 * SSI + 10];
		struct iovec iov[3] = {{buf, 100},
				       {buf + 100, 50},
				       {buf + 150, sizeof(buf) - 150}};

		CHECK_EQ(readv(fd, iov, 3), 2 * SSI);
		memcpy(s, buf, 2 * SSI);
		CHECK_EQ(s[0].ssi_signo, SIGUSR1);
		CHECK_EQ(s[1].ssi_signo, SIGUSR2);
		CHECK_EQ(s[1].ssi_pid, pid);
	}

	/* A bad buffer: EFAULT, and the signal taken is lost. */
	CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
	CHECK_ERR(SYS3(SYS_read, fd, BAD_ADDR, SSI), EFAULT);
	CHECK_EQ(pending() & mask, 0);
	/* One record fits before the fault: it is returned. */
	{
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		CHECK(p != MAP_FAILED);
		munmap(p + 4096, 4096);
		CHECK_OK(SYS2(SYS_kill, pid, SIGUSR1));
		CHECK_OK(SYS2(SYS_kill, pid, SIGUSR2));
		CHECK_EQ(SYS3(SYS_read, fd, p + 4096 - SSI, 2 * SSI), SSI);
		memcpy(s, p + 4096 - SSI, SSI);
		CHECK_EQ(s[0].ssi_signo, SIGUSR1);
		CHECK_EQ(pending() & mask, 0);
		munmap(p, 4096);
	}
	close(fd);
	unblock(mask);
}

/* A siginfo of each layout, as rt_sigqueueinfo queues it. */
static void test_layouts(void)
{
	uint64_t mask = bit(SIGCHLD) | bit(SIGIO) | bit(SIGSEGV) | bit(SIGBUS) |
			bit(SIGSYS) | bit(SIGRTMIN) | bit(SIGUSR1);
	int fd = sfd_new(mask, SFD_NONBLOCK);
	struct signalfd_siginfo s;
	siginfo_t si;

	block(mask);

	/* SIGCHLD, CLD_EXITED: pid, uid, status, utime, stime. */
	memset(&si, 0, sizeof(si));
	si.si_pid = 77;
	si.si_uid = 88;
	si.si_status = 3;
	si.si_utime = 11;
	si.si_stime = 12;
	si.si_errno = 5;
	CHECK_OK(queue_info(SIGCHLD, &si, CLD_EXITED));
	memset(&s, 0xff, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_signo, SIGCHLD);
	CHECK_EQ(s.ssi_errno, 5);
	CHECK_EQ(s.ssi_code, CLD_EXITED);
	CHECK_EQ(s.ssi_pid, 77);
	CHECK_EQ(s.ssi_uid, 88);
	CHECK_EQ(s.ssi_status, 3);
	CHECK_EQ(s.ssi_utime, 11);
	CHECK_EQ(s.ssi_stime, 12);
	CHECK_EQ(s.ssi_int, 0);
	CHECK_EQ(s.ssi_addr, 0);

	/* SIGIO, POLL_IN: band and fd. */
	memset(&si, 0, sizeof(si));
	si.si_band = 0x100000041L;
	si.si_fd = 9;
	CHECK_OK(queue_info(SIGIO, &si, POLL_IN));
	memset(&s, 0xff, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_code, POLL_IN);
	CHECK_EQ(s.ssi_band, 0x41);
	CHECK_EQ(s.ssi_fd, 9);
	CHECK_EQ(s.ssi_pid, 0);
	CHECK_EQ(s.ssi_uid, 0);

	/* A code of the kernel's on a signal without codes: SIL_POLL too. */
	memset(&si, 0, sizeof(si));
	si.si_band = 5;
	si.si_fd = 6;
	CHECK_OK(queue_info(SIGUSR1, &si, 3));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_code, 3);
	CHECK_EQ(s.ssi_band, 5);
	CHECK_EQ(s.ssi_fd, 6);

	/* SIGSEGV, SEGV_MAPERR: the address alone. */
	memset(&si, 0, sizeof(si));
	si.si_addr = (void *)0xdead000;
	CHECK_OK(queue_info(SIGSEGV, &si, SEGV_MAPERR));
	memset(&s, 0xff, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_signo, SIGSEGV);
	CHECK_EQ(s.ssi_code, SEGV_MAPERR);
	CHECK_EQ(s.ssi_addr, 0xdead000);
	CHECK_EQ(s.ssi_addr_lsb, 0);
	CHECK_EQ(s.ssi_pid, 0);
	CHECK_EQ(s.ssi_trapno, 0);

	/* SIGBUS, BUS_MCEERR_AR: the address and its lsb. */
	memset(&si, 0, sizeof(si));
	si.si_addr = (void *)0xbeef000;
	si.si_addr_lsb = 12;
	CHECK_OK(queue_info(SIGBUS, &si, BUS_MCEERR_AR));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_addr, 0xbeef000);
	CHECK_EQ(s.ssi_addr_lsb, 12);

	/* SIGSYS, SYS_SECCOMP: call address, syscall, arch. */
	memset(&si, 0, sizeof(si));
	si.si_call_addr = (void *)0x401000;
	si.si_syscall = 39;
	si.si_arch = 0xc000003e;
	CHECK_OK(queue_info(SIGSYS, &si, 1));
	memset(&s, 0xff, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_code, 1);
	CHECK_EQ(s.ssi_call_addr, 0x401000);
	CHECK_EQ(s.ssi_syscall, 39);
	CHECK_EQ(s.ssi_arch, 0xc000003e);
	CHECK_EQ(s.ssi_pid, 0);
	CHECK_EQ(s.ssi_addr, 0);

	/* SI_TIMER: timer id, overrun, value. */
	memset(&si, 0, sizeof(si));
	si.si_timerid = 4;
	si.si_overrun = 2;
	si.si_value.sival_int = 99;
	CHECK_OK(queue_info(SIGRTMIN, &si, SI_TIMER));
	memset(&s, 0xff, sizeof(s));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_code, SI_TIMER);
	CHECK_EQ(s.ssi_tid, 4);
	CHECK_EQ(s.ssi_overrun, 2);
	CHECK_EQ(s.ssi_int, 99);
	CHECK_EQ(s.ssi_pid, 0);

	/* Another negative code: SIL_RT, pid, uid and value. */
	memset(&si, 0, sizeof(si));
	si.si_pid = 5;
	si.si_uid = 6;
	si.si_value.sival_int = 7;
	CHECK_OK(queue_info(SIGRTMIN, &si, SI_MESGQ));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_code, SI_MESGQ);
	CHECK_EQ(s.ssi_pid, 5);
	CHECK_EQ(s.ssi_uid, 6);
	CHECK_EQ(s.ssi_int, 7);
	CHECK_EQ(s.ssi_ptr, 7);

	close(fd);
	unblock(mask);
}

static void test_mask_update(void)
{
	struct signalfd_siginfo s;
	uint64_t m2 = bit(SIGUSR2), m1 = bit(SIGUSR1);
	int fd = sfd_new(m2, SFD_NONBLOCK);
	struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};

	block(m1 | m2);
	/* A pending signal outside the mask: not read, not ready. */
	CHECK_OK(SYS2(SYS_kill, getpid(), SIGUSR1));
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI), EAGAIN);
	CHECK_EQ(pending() & m1, m1);
	/* With the mask updated it is. */
	CHECK_EQ(SYS4(SYS_signalfd4, fd, &m1, 8, 0), fd);
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	/* poll does not take it. */
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_signo, SIGUSR1);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	/* signalfd (no 4) updates the same way. */
	CHECK_OK(SYS3(SYS_tgkill, getpid(), SYS0(SYS_gettid), SIGUSR2));
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI), EAGAIN);
	CHECK_EQ(SYS3(SYS_signalfd, fd, &m2, 8), fd);
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_signo, SIGUSR2);
	CHECK_EQ(s.ssi_code, SI_TKILL);
	close(fd);
	unblock(m1 | m2);
}

static void test_blocking(void)
{
	struct itimerval it = {.it_value = {0, 50000}};
	uint64_t alrm = bit(SIGALRM);
	struct signalfd_siginfo s;
	struct sigaction sa = {0};
	int fd = sfd_new(alrm, 0);

	/* SIGALRM blocked and in the mask: the read waits for it. */
	block(alrm);
	memset(&s, 0xff, sizeof(s));
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
	CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
	CHECK_EQ(s.ssi_signo, SIGALRM);
	CHECK_EQ(s.ssi_code, SI_KERNEL);
	CHECK_EQ(s.ssi_pid, 0);
	CHECK_EQ(s.ssi_uid, 0);
	CHECK_EQ(pending() & alrm, 0);
	/* A poll waits for it too. */
	{
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
		CHECK_EQ(poll(&pfd, 1, 5000), 1);
		CHECK_EQ(pfd.revents, POLLIN);
		CHECK_EQ(SYS3(SYS_read, fd, &s, SSI), SSI);
		CHECK_EQ(s.ssi_signo, SIGALRM);
	}
	close(fd);

	/* A signal outside the mask, handled: EINTR without SA_RESTART. */
	fd = sfd_new(bit(SIGUSR1), 0);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	unblock(alrm);
	alarms = 0;
	CHECK_OK(SYS3(SYS_setitimer, ITIMER_REAL, &it, NULL));
	CHECK_ERR(SYS3(SYS_read, fd, &s, SSI), EINTR);
	CHECK_EQ(alarms, 1);
	close(fd);
}

int main(void)
{
	test_errors();
	test_reads();
	test_layouts();
	test_mask_update();
	test_blocking();
	return guest_done();
}
