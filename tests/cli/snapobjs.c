// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel objects that a checkpoint saves and a restore makes again, each
 * set up before the checkpoint and looked at after the restore
 * (snapshot_objs.sh): the program prints "ready" once it is set up, then
 * goes on for a while (the checkpoint comes then), then checks its objects
 * and prints what it found, one "ok ..." or "FAIL ..." line each.
 *
 * Usage: cli-snapobjs timers|fds|epoll|unix|seccomp
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int fails;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fails += !ok;
}

/* Sleep ms milliseconds, across signals (and a checkpoint). */
static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double ts_s(const struct timespec *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static volatile sig_atomic_t ticks, usr1;

static void on_alrm(int sig)
{
	(void)sig;
	ticks++;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/*
 * An interval timer ticking every 50 ms, printed as it counts; a POSIX
 * timer due 1.5 s after the start; a POSIX timer on the wall clock and
 * ITIMER_VIRTUAL far ahead, whose time left goes on from where it was.
 */
static int timers(void)
{
	struct itimerval iv = {{0, 50000}, {0, 50000}};
	struct itimerval virt = {{0, 0}, {100, 0}}, v;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL,
			      .sigev_signo = SIGUSR1};
	struct sigevent ev2 = {.sigev_notify = SIGEV_NONE};
	struct itimerspec once = {{0, 0}, {1, 500000000}};
	struct itimerspec far = {{5, 0}, {100, 0}}, left;
	timer_t t1, t2;
	int last = 0;

	signal(SIGALRM, on_alrm);
	signal(SIGUSR1, on_usr1);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t1) ||
	    timer_create(CLOCK_REALTIME, &ev2, &t2) ||
	    timer_settime(t1, 0, &once, NULL) ||
	    timer_settime(t2, 0, &far, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	    setitimer(ITIMER_REAL, &iv, NULL)) {
		perror("timers");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (ticks < 60) {
		pause();
		if (ticks != last) {
			last = ticks;
			printf("tick %d\n", last);
			fflush(stdout);
		}
	}
	check(usr1 == 1, "the POSIX timer fired once");
	if (timer_gettime(t2, &left) == 0)
		check(ts_s(&left.it_value) > 90 &&
			  ts_s(&left.it_value) <= 100 &&
			  left.it_interval.tv_sec == 5,
		      "the wall-clock timer goes on with its time left");
	else
		check(0, "timer_gettime");
	if (getitimer(ITIMER_VIRTUAL, &v) == 0)
		check(v.it_value.tv_sec >= 98 && v.it_value.tv_sec <= 100,
		      "ITIMER_VIRTUAL keeps its CPU time left");
	else
		check(0, "getitimer");
	return fails != 0;
}

/*
 * An eventfd with a count, a timerfd ticking, a signalfd with a signal
 * pending: each as it was, flags too.
 */
static int fds(void)
{
	struct itimerspec its = {{0, 20000000}, {0, 20000000}}, cur;
	int efd = eventfd(5, EFD_NONBLOCK | EFD_SEMAPHORE);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	int idle = timerfd_create(CLOCK_REALTIME, 0);
	struct itimerspec far = {{0, 0}, {100, 0}};
	struct signalfd_siginfo si;
	sigset_t set;
	uint64_t n = 0;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (efd < 0 || tfd < 0 || idle < 0 || sfd < 0 ||
	    timerfd_settime(tfd, 0, &its, NULL) ||
	    timerfd_settime(idle, 0, &far, NULL) || raise(SIGUSR2)) {
		perror("fds");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	nap(3000);
	check(read(efd, &n, 8) == 8 && n == 1, "the eventfd counts down");
	check(read(efd, &n, 8) == 8 && n == 1 &&
		  (fcntl(efd, F_GETFL) & O_NONBLOCK),
	      "as a nonblocking semaphore");
	check(read(tfd, &n, 8) == 8 && n >= 1, "the timerfd ticks");
	check(timerfd_gettime(tfd, &cur) == 0 &&
		  cur.it_interval.tv_nsec == 20000000 &&
		  cur.it_value.tv_nsec <= 20000000,
	      "with its interval");
	check(timerfd_gettime(idle, &cur) == 0 && ts_s(&cur.it_value) > 90 &&
		  ts_s(&cur.it_value) <= 100,
	      "a far timerfd keeps its time left");
	check(read(sfd, &si, sizeof(si)) == sizeof(si) &&
		  si.ssi_signo == SIGUSR2,
	      "the signalfd reads the pending signal");
	check((fcntl(sfd, F_GETFD) & FD_CLOEXEC) &&
		  (fcntl(sfd, F_GETFL) & O_NONBLOCK) == 0,
	      "with its flags");
	return fails != 0;
}

/*
 * An epoll set watching a pipe and an eventfd, by their fds and data:
 * after the restore a write into the pipe is reported with its data.
 */
static int epoll(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[4];
	int p[2], ep = epoll_create1(EPOLL_CLOEXEC);
	int efd = eventfd(0, 0);
	int n;

	if (ep < 0 || efd < 0 || pipe(p) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)) {
		perror("epoll");
		return 1;
	}
	ev.data.u64 = 7;
	ev.events = EPOLLIN | EPOLLET;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev)) {
		perror("epoll_ctl");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	nap(3000);
	check(epoll_wait(ep, out, 4, 0) == 0, "nothing is ready yet");
	if (write(p[1], "x", 1) != 1)
		return 1;
	n = epoll_wait(ep, out, 4, 1000);
	check(n == 1 && out[0].data.u64 == 42 && out[0].events == EPOLLIN,
	      "the pipe is reported with its data");
	ev.events = EPOLLIN;
	check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST,
	      "the pipe is still in the set");
	if (write(efd, &(uint64_t){1}, 8) != 8)
		return 1;
	n = epoll_wait(ep, out, 4, 1000);
	check(n == 2, "the eventfd is reported too");
	check(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 42,
	      "edge-triggered: once");
	return fails != 0;
}

/*
 * Unix socket pairs between two processes and within one: a stream with
 * data partly read, datagrams and their boundaries, a sequenced packet
 * whose peer closed, options and SO_PEERCRED.
 */
static int unix_socks(void)
{
	int st[2], dg[2], sp[2], rcvbuf = 8192, v;
	socklen_t len = sizeof(v);
	struct ucred cred;
	char buf[64];
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) ||
	    setsockopt(st[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) {
		perror("socketpair");
		return 1;
	}
	child = fork();
	if (child == 0) {
		/* The child's end: it writes, then answers what it reads. */
		close(st[0]);
		if (write(st[1], "hello world", 11) != 11)
			_exit(1);
		memset(buf, 0, sizeof(buf));
		if (read(st[1], buf, sizeof(buf)) != 4 ||
		    memcmp(buf, "ping", 4))
			_exit(2);
		_exit(write(st[1], "pong", 4) == 4 ? 0 : 3);
	}
	close(st[1]);
	if (read(st[0], buf, 6) != 6 || send(dg[0], "one", 3, 0) != 3 ||
	    send(dg[0], "two", 3, 0) != 3 || write(sp[0], "bye", 3) != 3 ||
	    close(sp[0])) {
		perror("unix");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	nap(3000);
	memset(buf, 0, sizeof(buf));
	check(read(st[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5),
	      "a stream reads on where it was");
	check(write(st[0], "ping", 4) == 4 && read(st[0], buf, 4) == 4 &&
		  !memcmp(buf, "pong", 4),
	      "and talks with the other process");
	check(waitpid(child, &v, 0) == child && WIFEXITED(v) &&
		  WEXITSTATUS(v) == 0,
	      "which read and wrote its end");
	check(read(st[0], buf, 1) == 0, "whose exit closed it");
	check(recv(dg[1], buf, sizeof(buf), 0) == 3 && !memcmp(buf, "one", 3) &&
		  recv(dg[1], buf, sizeof(buf), 0) == 3 &&
		  !memcmp(buf, "two", 3),
	      "datagrams keep their order and boundaries");
	check(recv(dg[1], buf, sizeof(buf), 0) == -1 && errno == EAGAIN,
	      "and no more");
	check(send(dg[1], "back", 4, 0) == 4 &&
		  recv(dg[0], buf, sizeof(buf), 0) == 4,
	      "the datagram pair goes both ways");
	check(read(sp[1], buf, sizeof(buf)) == 3 && !memcmp(buf, "bye", 3) &&
		  read(sp[1], buf, sizeof(buf)) == 0,
	      "a packet from a closed peer, then the end");
	len = sizeof(v);
	check(getsockopt(st[0], SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 &&
		  v == 2 * rcvbuf,
	      "SO_RCVBUF stays");
	len = sizeof(cred);
	check(getsockopt(dg[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
		  cred.pid == getpid(),
	      "SO_PEERCRED stays");
	return fails != 0;
}

/* A filter that fails nr with errno err, and lets the rest run. */
static int deny(long nr, int err)
{
	struct sock_filter prog[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = {sizeof(prog) / sizeof(prog[0]), prog};

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

/* The Seccomp and Seccomp_filters lines of /proc/self/status. */
static void seccomp_status(int *mode, int *nfilters)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*mode = *nfilters = -1;
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", mode);
		sscanf(line, "Seccomp_filters: %d", nfilters);
	}
	if (f)
		fclose(f);
}

/*
 * Two stacked filters shared by a process and its child, and a child in
 * strict mode: each still holds after the restore.
 */
static int seccomp_filters(void)
{
	int p[2], st, mode, n;
	pid_t child, strict;

	if (pipe(p) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("seccomp");
		return 1;
	}
	strict = fork();
	if (strict == 0) {
		char c;

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL))
			_exit(1);
		/* Read is allowed; getppid is not: the end. */
		if (read(p[0], &c, 1) != 1)
			syscall(SYS_exit, 2);
		syscall(SYS_getppid);
		syscall(SYS_exit, 3);
	}
	if (deny(SYS_getppid, EPERM) || deny(SYS_uname, ENOTSUP)) {
		perror("seccomp filter");
		return 1;
	}
	child = fork();
	if (child == 0) {
		nap(3000);
		_exit(syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1);
	}
	printf("ready\n");
	fflush(stdout);
	nap(3000);
	errno = 0;
	check(syscall(SYS_getppid) == -1 && errno == EPERM,
	      "the first filter holds");
	check(syscall(SYS_uname, NULL) == -1 && errno == ENOTSUP,
	      "and the second");
	check(getpid() > 0, "and lets the rest run");
	seccomp_status(&mode, &n);
	check(mode == 2 && n == 2, "/proc/self/status: Seccomp 2, 2 filters");
	check(waitpid(child, &st, 0) == child && WIFEXITED(st) &&
		  WEXITSTATUS(st) == 0,
	      "the child runs under them too");
	check(write(p[1], "x", 1) == 1 && waitpid(strict, &st, 0) == strict &&
		  WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "strict mode holds: read, then SIGKILL");
	return fails != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "timers"))
		return timers();
	if (argc == 2 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc == 2 && !strcmp(argv[1], "epoll"))
		return epoll();
	if (argc == 2 && !strcmp(argv[1], "unix"))
		return unix_socks();
	if (argc == 2 && !strcmp(argv[1], "seccomp"))
		return seccomp_filters();
	fprintf(stderr, "usage: cli-snapobjs timers|fds|epoll|unix|seccomp\n");
	return 2;
}
