// SPDX-License-Identifier: Apache-2.0
/*
 * epoll: epoll_create/epoll_create1 and their EINVALs, the anonymous
 * "[eventpoll]" file; epoll_ctl's errors in Linux's order (EBADF, EPERM
 * for files without poll, EINVAL, EEXIST, ENOENT, EFAULT, ELOOP for
 * cycles and nesting deeper than 4); level-triggered re-reporting,
 * EPOLLONESHOT, the first edge of EPOLLET, DEL and MOD, the user's data
 * verbatim, maxevents and the rest next call, nested epoll readiness, an
 * entry that goes with its file description (and one that stays while a
 * dup keeps it), waits ended by a signal with EINTR (even with
 * SA_RESTART), epoll_pwait's mask and epoll_pwait2's timeout.
 */
#include "guest.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

#define BAD_PTR ((void *)-4096L)

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void handle(int flags)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = flags};

	sigaction(SIGALRM, &sa, NULL);
}

static void arm(long ms)
{
	struct itimerval v = {.it_value = {ms / 1000, (ms % 1000) * 1000}};

	setitimer(ITIMER_REAL, &v, NULL);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};

	return SYS4(SYS_epoll_ctl, ep, op, fd, &ev);
}

static long wait0(int ep, struct epoll_event *evs, int max)
{
	return SYS4(SYS_epoll_wait, ep, evs, max, 0);
}

static void create(void)
{
	char path[64], link[64];
	struct stat st;
	long ep, n;

	CHECK_ERR(SYS1(SYS_epoll_create, 0), EINVAL);
	CHECK_ERR(SYS1(SYS_epoll_create, -1), EINVAL);
	CHECK_ERR(SYS1(SYS_epoll_create1, 1), EINVAL);
	CHECK_ERR(SYS1(SYS_epoll_create1, EPOLL_CLOEXEC | O_NONBLOCK), EINVAL);
	ep = SYS1(SYS_epoll_create, 1);
	CHECK_OK(ep);
	CHECK_EQ(fcntl((int)ep, F_GETFD), 0);
	CHECK_EQ(fcntl((int)ep, F_GETFL) & O_ACCMODE, O_RDWR);
	close((int)ep);
	ep = SYS1(SYS_epoll_create1, EPOLL_CLOEXEC);
	CHECK_OK(ep);
	CHECK_EQ(fcntl((int)ep, F_GETFD), FD_CLOEXEC);
	CHECK_OK(fstat((int)ep, &st));
	CHECK_EQ(st.st_mode, 0600);
	snprintf(path, sizeof(path), "/proc/self/fd/%ld", ep);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(link, "anon_inode:[eventpoll]"));
	/* lseek does nothing and succeeds (noop_llseek). */
	CHECK_EQ(SYS3(SYS_lseek, ep, 5, SEEK_SET), 0);
	/* Nothing watched: a poll of it is not ready. */
	{
		struct pollfd pfd = {.fd = (int)ep, .events = POLLIN};

		CHECK_EQ(poll(&pfd, 1, 0), 0);
	}
	close((int)ep);
}

static void ctl_errors(void)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = epoll_create1(0), ep2 = epoll_create1(0), p[2], d, mfd, dir;

	CHECK_OK(pipe(p));
	mfd = (int)SYS2(SYS_memfd_create, "epoll", 0);
	CHECK_OK(mfd);
	dir = open("/", O_RDONLY | O_DIRECTORY);
	CHECK_OK(dir);
	/* EBADF: the epoll fd first, then the target. */
	CHECK_ERR(SYS4(SYS_epoll_ctl, -1, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR(SYS4(SYS_epoll_ctl, 999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	CHECK_ERR(SYS4(SYS_epoll_ctl, p[0], EPOLL_CTL_ADD, 999, &ev), EBADF);
	/* EPERM: regular files and directories have no poll. */
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, mfd, &ev), EPERM);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, dir, &ev), EPERM);
	/* ... before EINVAL for an epfd that is not an epoll. */
	CHECK_ERR(SYS4(SYS_epoll_ctl, p[0], EPOLL_CTL_ADD, mfd, &ev), EPERM);
	CHECK_ERR(SYS4(SYS_epoll_ctl, p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	/* Itself, under any fd. */
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	d = dup(ep);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, d, &ev), EINVAL);
	close(d);
	/* A bad op: EINVAL; the event is read for any op but DEL. */
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, 99, p[0], &ev), EINVAL);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, 99, p[0], BAD_PTR), EFAULT);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], BAD_PTR),
		  EFAULT);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], NULL), EFAULT);
	CHECK_ERR(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], BAD_PTR),
		  ENOENT);
	/* ENOENT and EEXIST. */
	CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), ENOENT);
	CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0), ENOENT);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0));
	CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLOUT, 0), EEXIST);
	/* The same description under another fd is another entry. */
	d = dup(p[0]);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 0));
	CHECK_OK(ctl(ep, EPOLL_CTL_DEL, d, 0, 0));
	close(d);
	CHECK_OK(SYS4(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL));
	/* EPOLLEXCLUSIVE: ADD only, with in/out/err/hup/et/wakeup only, not
	 * for an epoll target; its entry cannot be modified. */
	CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0),
		  EINVAL);
	CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0],
		      EPOLLIN | EPOLLRDHUP | EPOLLEXCLUSIVE, 0),
		  EINVAL);
	CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, p[0],
		      EPOLLIN | EPOLLONESHOT | EPOLLEXCLUSIVE, 0),
		  EINVAL);
	CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0),
		  EINVAL);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0],
		     EPOLLIN | EPOLLET | EPOLLEXCLUSIVE, 0));
	CHECK_ERR(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), EINVAL);
	CHECK_OK(ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0));
	close(mfd);
	close(dir);
	close(p[0]);
	close(p[1]);
	close(ep);
	close(ep2);
}

/* Loops and depth: a chain of epolls may be 4 links long, no longer. */
static void nesting(void)
{
	int e[6], x = epoll_create1(0);

	for (int i = 0; i < 6; i++)
		e[i] = epoll_create1(0);
	CHECK_OK(ctl(e[0], EPOLL_CTL_ADD, e[1], EPOLLIN, 0));
	CHECK_ERR(ctl(e[1], EPOLL_CTL_ADD, e[0], EPOLLIN, 0), ELOOP);
	for (int i = 1; i < 4; i++)
		CHECK_OK(ctl(e[i], EPOLL_CTL_ADD, e[i + 1], EPOLLIN, 0));
	/* e0 > e1 > e2 > e3 > e4: a cycle through the middle, a fifth
	 * link below or above. */
	CHECK_ERR(ctl(e[3], EPOLL_CTL_ADD, e[1], EPOLLIN, 0), ELOOP);
	CHECK_ERR(ctl(e[4], EPOLL_CTL_ADD, e[0], EPOLLIN, 0), ELOOP);
	CHECK_ERR(ctl(e[4], EPOLL_CTL_ADD, e[5], EPOLLIN, 0), ELOOP);
	CHECK_ERR(ctl(x, EPOLL_CTL_ADD, e[0], EPOLLIN, 0), ELOOP);
	/* Beside the chain is fine. */
	CHECK_OK(ctl(x, EPOLL_CTL_ADD, e[4], EPOLLIN, 0));
	/* A shorter chain again once a link goes. */
	CHECK_OK(ctl(e[0], EPOLL_CTL_DEL, e[1], 0, 0));
	CHECK_OK(ctl(e[4], EPOLL_CTL_ADD, e[5], EPOLLIN, 0));
	for (int i = 0; i < 6; i++)
		close(e[i]);
	close(x);
}

static void wait_errors(void)
{
	static struct epoll_event big[4];
	struct epoll_event ev;
	int ep = epoll_create1(0), p[2];
	long max = INT_MAX / (long)sizeof(struct epoll_event);
	void *gone;

	CHECK_EQ(sizeof(struct epoll_event), 12);
	CHECK_OK(pipe(p));
	CHECK_ERR(SYS4(SYS_epoll_wait, 999, &ev, 1, 0), EBADF);
	CHECK_ERR(SYS4(SYS_epoll_wait, p[0], &ev, 1, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, &ev, 0, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, &ev, -1, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, big, max + 1, 0), EINVAL);
	CHECK_EQ(SYS4(SYS_epoll_wait, ep, big, max, 0), 0);
	/* maxevents before the buffer, the buffer before the epfd's type. */
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, BAD_PTR, 0, 0), EINVAL);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, BAD_PTR, 1, 0), EFAULT);
	CHECK_ERR(SYS4(SYS_epoll_wait, p[0], BAD_PTR, 1, 0), EFAULT);
	/* An unmapped buffer fails only when there is something to write. */
	gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 7));
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, gone, 1, 0), EFAULT);
	CHECK_EQ(SYS4(SYS_epoll_wait, ep, &ev, 1, 0), 1);
	CHECK_EQ(ev.data.u64, 7);
	/* pwait: the mask's size is checked first. */
	CHECK_ERR(SYS6(SYS_epoll_pwait, ep, &ev, 1, 0, &(sigset_t){0}, 7),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_epoll_pwait, 999, &ev, 1, 0, BAD_PTR, 8), EFAULT);
	/* pwait2: the timeout, then the mask. */
	CHECK_ERR(SYS6(SYS_epoll_pwait2, ep, &ev, 1, BAD_PTR, NULL, 8), EFAULT);
	CHECK_ERR(SYS6(SYS_epoll_pwait2, ep, &ev, 1,
		       &((struct timespec){0, 1000000000}), NULL, 8),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_epoll_pwait2, ep, &ev, 1,
		       &((struct timespec){-1, 0}), NULL, 8),
		  EINVAL);
	CHECK_ERR(SYS6(SYS_epoll_pwait2, ep, &ev, 1, NULL, &(sigset_t){0}, 4),
		  EINVAL);
	CHECK_EQ(SYS6(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 0), 1);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void level(void)
{
	struct epoll_event ev[4];
	int ep = epoll_create1(0), p[2];
	char c;

	CHECK_OK(pipe(p));
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1122334455667788ULL));
	CHECK_EQ(wait0(ep, ev, 4), 0);
	CHECK_EQ(write(p[1], "ab", 2), 2);
	/* Reported, and again while it stays readable. */
	for (int i = 0; i < 3; i++) {
		memset(ev, 0, sizeof(ev));
		CHECK_EQ(wait0(ep, ev, 4), 1);
		CHECK_EQ(ev[0].events, EPOLLIN);
		CHECK_EQ(ev[0].data.u64, 0x1122334455667788ULL);
	}
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(wait0(ep, ev, 4), 1);
	CHECK_EQ(read(p[0], &c, 1), 1);
	CHECK_EQ(wait0(ep, ev, 4), 0);
	/* MOD: new events, new data. */
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLIN, 1));
	CHECK_EQ(wait0(ep, ev, 4), 0);
	CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 2));
	CHECK_EQ(wait0(ep, ev, 4), 1);
	CHECK_EQ(ev[0].events, EPOLLOUT);
	CHECK_EQ(ev[0].data.u64, 2);
	/* DEL: gone. */
	CHECK_OK(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0));
	CHECK_EQ(wait0(ep, ev, 4), 0);
	/* HUP and ERR come unasked. */
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLIN, 3));
	close(p[1]);
	CHECK_EQ(wait0(ep, ev, 4), 1);
	CHECK_EQ(ev[0].events, EPOLLHUP);
	CHECK_EQ(ev[0].data.u64, 0x1122334455667788ULL);
	close(p[0]);
	CHECK_OK(pipe(p));
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLIN, 4));
	close(p[0]);
	CHECK_EQ(wait0(ep, ev, 4), 1);
	CHECK_EQ(ev[0].events, EPOLLERR);
	CHECK_EQ(ev[0].data.u64, 4);
	close(p[1]);
	close(ep);
}

static void oneshot_and_edge(void)
{
	struct epoll_event ev[2];
	int ep = epoll_create1(0), efd = eventfd(0, 0), p[2];
	uint64_t one = 1;
	char buf[8];

	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLONESHOT, 5));
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_EQ(write(efd, &one, 8), 8);
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].data.u64, 5);
	/* Disabled, still readable; MOD arms it again. */
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_ERR(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 0), EEXIST);
	CHECK_OK(ctl(ep, EPOLL_CTL_MOD, efd, EPOLLIN | EPOLLONESHOT, 6));
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].data.u64, 6);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_OK(ctl(ep, EPOLL_CTL_DEL, efd, 0, 0));

	/* Edge-triggered: once when it becomes ready, not while it stays. */
	CHECK_OK(pipe(p));
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 8));
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].events, EPOLLIN);
	CHECK_EQ(ev[0].data.u64, 8);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	/* Drained and written again: a new edge. */
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	CHECK_EQ(write(p[1], "y", 1), 1);
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	/* MOD reports a ready entry again. */
	CHECK_OK(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 9));
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].data.u64, 9);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	close(p[0]);
	close(p[1]);

	/* An eventfd for IN and OUT: OUT first, IN when it comes. */
	CHECK_EQ(read(efd, &one, 8), 8);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLOUT | EPOLLET, 10));
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].events, EPOLLOUT);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	one = 1;
	CHECK_EQ(write(efd, &one, 8), 8);
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].events, EPOLLIN | EPOLLOUT);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	close(efd);
	close(ep);
}

static void many_and_nested(void)
{
	struct epoll_event ev[4];
	int ep = epoll_create1(0), outer = epoll_create1(0), e[3];
	uint64_t one = 1, seen = 0;
	struct pollfd pfd = {.fd = ep, .events = POLLIN};

	for (int i = 0; i < 3; i++) {
		e[i] = eventfd(0, 0);
		CHECK_OK(ctl(ep, EPOLL_CTL_ADD, e[i], EPOLLIN, 100 + i));
	}
	CHECK_OK(ctl(outer, EPOLL_CTL_ADD, ep, EPOLLIN, 42));
	CHECK_EQ(wait0(outer, ev, 4), 0);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(write(e[i], &one, 8), 8);
	/* The nested epoll is readable. */
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(pfd.revents, POLLIN);
	CHECK_EQ(wait0(outer, ev, 4), 1);
	CHECK_EQ(ev[0].events, EPOLLIN);
	CHECK_EQ(ev[0].data.u64, 42);
	/* Two of three, then the third first. */
	CHECK_EQ(wait0(ep, ev, 2), 2);
	for (int i = 0; i < 2; i++) {
		CHECK(ev[i].data.u64 >= 100 && ev[i].data.u64 < 103);
		seen |= 1ULL << (ev[i].data.u64 - 100);
	}
	CHECK_EQ(__builtin_popcountll(seen), 2);
	CHECK_EQ(wait0(ep, ev, 1), 1);
	CHECK(ev[0].data.u64 >= 100 && ev[0].data.u64 < 103);
	seen |= 1ULL << (ev[0].data.u64 - 100);
	CHECK_EQ(seen, 7);
	CHECK_EQ(wait0(ep, ev, 4), 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(read(e[i], &one, 8), 8);
	CHECK_EQ(wait0(ep, ev, 4), 0);
	CHECK_EQ(wait0(outer, ev, 4), 0);
	/* Closing the nested epoll's only fd takes it out of outer. */
	close(ep);
	CHECK_EQ(write(e[0], &one, 8), 8);
	CHECK_EQ(wait0(outer, ev, 4), 0);
	for (int i = 0; i < 3; i++)
		close(e[i]);
	close(outer);
}

/* An entry lives as long as its file description, not its fd. */
static void lifetime(void)
{
	struct epoll_event ev[2];
	int ep = epoll_create1(0), p[2], d;

	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 11));
	CHECK_EQ(wait0(ep, ev, 2), 1);
	close(p[0]);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	close(p[1]);

	CHECK_OK(pipe(p));
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 12));
	d = dup(p[0]);
	close(p[0]);
	/* The closed fd's entry still reports, and cannot be named. */
	CHECK_EQ(wait0(ep, ev, 2), 1);
	CHECK_EQ(ev[0].data.u64, 12);
	CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0), EBADF);
	CHECK_ERR(ctl(ep, EPOLL_CTL_DEL, d, 0, 0), ENOENT);
	close(d);
	CHECK_EQ(wait0(ep, ev, 2), 0);
	close(p[1]);
	close(ep);
}

static void waits(void)
{
	struct epoll_event ev[2];
	int ep = epoll_create1(0), p[2];
	sigset_t block, empty, cur;
	long t0, r;

	CHECK_OK(pipe(p));
	CHECK_OK(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1));
	/* A timeout. */
	t0 = now_ms();
	CHECK_EQ(SYS4(SYS_epoll_wait, ep, ev, 2, 100), 0);
	CHECK(now_ms() - t0 >= 90);
	t0 = now_ms();
	CHECK_EQ(SYS6(SYS_epoll_pwait2, ep, ev, 2,
		      &((struct timespec){0, 100000000}), NULL, 8),
		 0);
	CHECK(now_ms() - t0 >= 90);
	/* A signal ends a wait with EINTR, SA_RESTART or not. */
	handle(0);
	alarms = 0;
	arm(50);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, ev, 2, -1), EINTR);
	CHECK_EQ(alarms, 1);
	handle(SA_RESTART);
	arm(50);
	CHECK_ERR(SYS4(SYS_epoll_wait, ep, ev, 2, 5000), EINTR);
	CHECK_EQ(alarms, 2);
	arm(50);
	CHECK_ERR(SYS6(SYS_epoll_pwait2, ep, ev, 2, NULL, NULL, 8), EINTR);
	CHECK_EQ(alarms, 3);
	/* pwait's mask: SIGALRM blocked outside, let through during. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	arm(50);
	CHECK_ERR(SYS6(SYS_epoll_pwait, ep, ev, 2, -1, &empty, 8), EINTR);
	CHECK_EQ(alarms, 4);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGALRM));
	/* ... and the other way round: blocked during, the wait times out. */
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	arm(30);
	r = SYS6(SYS_epoll_pwait2, ep, ev, 2,
		 &((struct timespec){0, 150000000}), &block, 8);
	CHECK_EQ(r, 0);
	CHECK_EQ(alarms, 5); /* delivered once the mask went back */
	arm(30);
	CHECK_EQ(SYS6(SYS_epoll_pwait, ep, ev, 2, 150, &block, 8), 0);
	CHECK_EQ(alarms, 6);
	/* Ready before the signal: the event, not EINTR. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(SYS6(SYS_epoll_pwait, ep, ev, 2, -1, &empty, 8), 1);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	create();
	ctl_errors();
	nesting();
	wait_errors();
	level();
	oneshot_and_edge();
	many_and_nested();
	lifetime();
	waits();
	return guest_done();
}
