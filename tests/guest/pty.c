// SPDX-License-Identifier: Apache-2.0
/*
 * Pseudo-terminals: /dev/ptmx and its slaves (unlockpt, TIOCGPTN,
 * TIOCGPTPEER), the line discipline (canonical editing, echo, ONLCR, input
 * mapping, VMIN/VTIME), window sizes and SIGWINCH, controlling terminals
 * and job control (ISIG, TIOCSPGRP, SIGTTOU/SIGTTIN, /dev/tty), hang-ups.
 *
 * Linux runs its line discipline asynchronously (a work queue): what the
 * master writes is waited for with poll, never assumed there at once.
 */
#include "proc.h"

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>

static long ioc(int fd, unsigned long cmd, void *arg)
{
	return SYS3(SYS_ioctl, fd, cmd, arg);
}

/* Read until n bytes came or ms passed with nothing new: the count. */
static ssize_t readn(int fd, char *buf, size_t n, int ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, ms) <= 0 || !(p.revents & POLLIN))
			break;
		r = read(fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Whatever is there within a short while. */
static ssize_t drain(int fd, char *buf, size_t n)
{
	return readn(fd, buf, n, 100);
}

/* Expect exactly want from fd (the master's echo, a slave's read). */
#define EXPECT_READ(fd, want)                                                  \
	do {                                                                   \
		char _b[256];                                                  \
		size_t _n = sizeof(want) - 1;                                  \
		ssize_t _r = readn(fd, _b, _n, 2000);                          \
		guest_checks++;                                                \
		if (_r != (ssize_t)_n || memcmp(_b, want, _n))                 \
			guest_fail(__FILE__, __LINE__,                         \
				   "read %zd bytes '%.*s', want '%s'", _r,     \
				   (int)(_r > 0 ? _r : 0), _b, want);          \
	} while (0)

static void put(int fd, const char *s)
{
	CHECK_EQ(write(fd, s, strlen(s)), (long)strlen(s));
}

/* A new pair: the master, and (open) the unlocked slave's fd. */
static int open_pair(int *slave, int sflags)
{
	char name[64];
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);

	CHECK(m >= 0);
	if (m < 0)
		exit(1);
	CHECK_EQ(grantpt(m), 0);
	CHECK_EQ(unlockpt(m), 0);
	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	*slave = open(name, O_RDWR | sflags);
	CHECK(*slave >= 0);
	return m;
}

static void set_lflag(int fd, tcflag_t on, tcflag_t off)
{
	struct termios t;

	CHECK_EQ(tcgetattr(fd, &t), 0);
	t.c_lflag = (t.c_lflag | on) & ~off;
	CHECK_EQ(tcsetattr(fd, TCSANOW, &t), 0);
}

static void test_ptmx(void)
{
	char name[64], want[64];
	struct stat st;
	int m, s, n = -1, lck = -1;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	CHECK_EQ(ioc(m, TIOCGPTN, &n), 0);
	CHECK(n >= 0);
	snprintf(want, sizeof(want), "/dev/pts/%d", n);
	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	CHECK(!strcmp(name, want));
	/* Locked until unlockpt. */
	CHECK_EQ(ioc(m, TIOCGPTLCK, &lck), 0);
	CHECK_EQ(lck, 1);
	CHECK_ERR(SYS3(SYS_open, want, O_RDWR | O_NOCTTY, 0), EIO);
	CHECK_EQ(grantpt(m), 0);
	CHECK_EQ(unlockpt(m), 0);
	CHECK_EQ(ioc(m, TIOCGPTLCK, &lck), 0);
	CHECK_EQ(lck, 0);
	s = open(want, O_RDWR | O_NOCTTY);
	CHECK(s >= 0);
	CHECK_EQ(fstat(s, &st), 0);
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 136);
	CHECK_EQ(minor(st.st_rdev), n);
	CHECK(isatty(s));
	CHECK(isatty(m));
	CHECK_EQ(ttyname_r(s, name, sizeof(name)), 0);
	CHECK(!strcmp(name, want));
	/* The master's ioctls, not the slave's. */
	CHECK_ERR(ioc(s, TIOCGPTN, &n), ENOTTY);
	CHECK_ERR(SYS3(SYS_ioctl, s, TIOCGPTPEER, O_RDWR), EIO);
	/* TIOCGPTPEER opens the slave from the master. */
	{
		long p = SYS3(SYS_ioctl, m, TIOCGPTPEER, O_RDWR | O_NOCTTY);

		CHECK(p >= 0);
		if (p >= 0) {
			CHECK_EQ(fstat((int)p, &st), 0);
			CHECK_EQ(minor(st.st_rdev), n);
			CHECK_EQ(ttyname_r((int)p, name, sizeof(name)), 0);
			CHECK(!strcmp(name, want));
			close((int)p);
		}
	}
	/* Not a tty at all. */
	CHECK_ERR(SYS3(SYS_ioctl, 0, TIOCGPTN, &n), ENOTTY);
	/* In /dev/pts while it lives. */
	CHECK_EQ(stat(want, &st), 0);
	close(s);
	close(m);
}

static void test_defaults(void)
{
	struct termios t;
	int s, m = open_pair(&s, O_NOCTTY);

	CHECK_EQ(tcgetattr(s, &t), 0);
	CHECK_EQ(t.c_iflag, ICRNL | IXON);
	CHECK_EQ(t.c_oflag, OPOST | ONLCR);
	CHECK_EQ(t.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
				ECHOKE | IEXTEN);
	CHECK_EQ(t.c_cc[VINTR], 3);
	CHECK_EQ(t.c_cc[VERASE], 0177);
	CHECK_EQ(t.c_cc[VKILL], 025);
	CHECK_EQ(t.c_cc[VEOF], 4);
	CHECK_EQ(t.c_cc[VMIN], 1);
	CHECK_EQ(t.c_cc[VTIME], 0);
	/* The master's TCGETS reads the slave's settings. */
	t.c_lflag &= ~ECHO;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	memset(&t, 0, sizeof(t));
	CHECK_EQ(tcgetattr(m, &t), 0);
	CHECK_EQ(t.c_lflag & ECHO, 0);
	close(s);
	close(m);
}

static void test_canon(void)
{
	char buf[64];
	int s, m = open_pair(&s, O_NOCTTY), n = -1;

	/* Erase, with ECHOE's visual erase. */
	put(m, "ab\177c\n");
	EXPECT_READ(s, "ac\n");
	EXPECT_READ(m, "ab\b \bc\r\n");
	/* A line is readable only when complete. */
	put(m, "xy");
	EXPECT_READ(m, "xy");
	CHECK_EQ(ioc(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	put(m, "\n");
	EXPECT_READ(m, "\r\n");
	CHECK_EQ(ioc(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 3);
	/* One line per read, a short read leaves the rest. */
	put(m, "l2\n");
	EXPECT_READ(m, "l2\r\n");
	CHECK_EQ(read(s, buf, 2), 2);
	CHECK_EQ(read(s, buf, sizeof(buf)), 1);
	CHECK_EQ(buf[0], '\n');
	CHECK_EQ(read(s, buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "l2\n", 3));
	/* Kill with ECHOKE erases the whole line on the screen. */
	put(m, "abc\025d\n");
	EXPECT_READ(s, "d\n");
	EXPECT_READ(m, "abc\b \b\b \b\b \bd\r\n");
	/* Word erase. */
	put(m, "foo bar\027baz\n");
	EXPECT_READ(s, "foo baz\n");
	drain(m, buf, sizeof(buf));
	/* EOF: the line so far, then an empty read. */
	put(m, "xy\004");
	EXPECT_READ(s, "xy");
	EXPECT_READ(m, "xy");
	put(m, "\004");
	{
		struct pollfd p = {.fd = s, .events = POLLIN};

		CHECK_EQ(poll(&p, 1, 2000), 1);
		CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	}
	/* ECHOCTL: control characters echo as ^X. */
	put(m, "\001\n");
	EXPECT_READ(s, "\001\n");
	EXPECT_READ(m, "^A\r\n");
	/* Input mapping: ICRNL, then IGNCR. */
	put(m, "q\r");
	EXPECT_READ(s, "q\n");
	drain(m, buf, sizeof(buf));
	{
		struct termios t;

		CHECK_EQ(tcgetattr(s, &t), 0);
		t.c_iflag |= IGNCR;
		CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
		put(m, "w\rv\n");
		EXPECT_READ(s, "wv\n");
		t.c_iflag &= ~IGNCR;
		t.c_lflag &= ~ECHO;
		t.c_lflag |= ECHONL;
		CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	}
	drain(m, buf, sizeof(buf));
	/* ECHONL without ECHO: only the newline. */
	put(m, "hid\n");
	EXPECT_READ(s, "hid\n");
	EXPECT_READ(m, "\r\n");
	close(s);
	close(m);
}

static void test_output(void)
{
	struct termios t;
	int s, m = open_pair(&s, O_NOCTTY), n = -1;

	put(s, "a\nb");
	EXPECT_READ(m, "a\r\nb");
	CHECK_EQ(ioc(s, TIOCOUTQ, &n), 0);
	CHECK_EQ(tcgetattr(s, &t), 0);
	t.c_oflag &= ~OPOST;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	put(s, "c\nd");
	EXPECT_READ(m, "c\nd");
	/* The master's FIONREAD counts what the slave wrote. */
	put(s, "xyz");
	{
		struct pollfd p = {.fd = m, .events = POLLIN};

		CHECK_EQ(poll(&p, 1, 2000), 1);
		CHECK_EQ(p.revents, POLLIN);
	}
	CHECK_EQ(ioc(m, FIONREAD, &n), 0);
	CHECK_EQ(n, 3);
	EXPECT_READ(m, "xyz");
	close(s);
	close(m);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_raw(void)
{
	struct termios t;
	char buf[16];
	double t0;
	int s, m = open_pair(&s, O_NOCTTY);
	pid_t pid;

	CHECK_EQ(tcgetattr(s, &t), 0);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	/* VMIN 0, VTIME 0: what is there, at once. */
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	/* VMIN 0, VTIME 2: a byte or 0.2 s. */
	t.c_cc[VTIME] = 2;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	t0 = now_ms();
	CHECK_EQ(read(s, buf, sizeof(buf)), 0);
	CHECK(now_ms() - t0 >= 150);
	CHECK(now_ms() - t0 < 2000);
	/* Raw: no processing, no signals. */
	put(m, "\003\r\177");
	EXPECT_READ(s, "\003\r\177");
	/* VMIN 3, VTIME 0: the read waits for 3 bytes. */
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	put(m, "12");
	usleep(50000);
	{
		struct pollfd p = {.fd = s, .events = POLLIN};

		CHECK_EQ(poll(&p, 1, 0), 0); /* not VMIN bytes yet */
	}
	pid = spawn();
	if (pid == 0) {
		usleep(100000);
		put(m, "3");
		child_exit();
	}
	CHECK_EQ(read(s, buf, sizeof(buf)), 3);
	CHECK(!memcmp(buf, "123", 3));
	CHECK_CHILD_OK(pid);
	/* O_NONBLOCK: what is there, or EAGAIN. */
	fcntl(s, F_SETFL, O_NONBLOCK);
	CHECK_ERR(SYS3(SYS_read, s, buf, sizeof(buf)), EAGAIN);
	put(m, "z");
	{
		long r = -EAGAIN;

		/* Linux's line discipline runs later: wait for it. */
		for (int i = 0; i < 200 && r == -EAGAIN; i++) {
			r = SYS3(SYS_read, s, buf, sizeof(buf));
			if (r == -EAGAIN)
				usleep(10000);
		}
		CHECK_EQ(r, 1);
	}
	fcntl(s, F_SETFL, 0);
	/* Echo in raw mode: ECHOCTL shows a newline as ^J. */
	t.c_lflag |= ECHO | ECHOCTL;
	t.c_cc[VMIN] = 1;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	put(m, "k\n");
	EXPECT_READ(s, "k\n");
	EXPECT_READ(m, "k^J");
	/* Switching to canonical makes what is there a line. */
	put(m, "pq");
	EXPECT_READ(m, "pq");
	t.c_lflag |= ICANON;
	CHECK_EQ(tcsetattr(s, TCSANOW, &t), 0);
	EXPECT_READ(s, "pq");
	/* TCFLSH drops unread input. */
	put(m, "gone\n");
	EXPECT_READ(m, "gone\n");
	CHECK_EQ(tcflush(s, TCIFLUSH), 0);
	CHECK_ERR(SYS3(SYS_ioctl, s, TCFLSH, 7), EINVAL);
	{
		int n = -1;

		CHECK_EQ(ioc(s, FIONREAD, &n), 0);
		CHECK_EQ(n, 0);
		/* TCSETSF (TCSAFLUSH) drops it too, TCSETSW keeps it. */
		put(m, "keep\n");
		EXPECT_READ(m, "keep\n");
		CHECK_EQ(tcsetattr(s, TCSADRAIN, &t), 0);
		CHECK_EQ(ioc(s, FIONREAD, &n), 0);
		CHECK_EQ(n, 5);
		CHECK_EQ(tcsetattr(s, TCSAFLUSH, &t), 0);
		CHECK_EQ(ioc(s, FIONREAD, &n), 0);
		CHECK_EQ(n, 0);
	}
	close(s);
	close(m);
}

static int wait_sig(int sig, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, NULL, &ts);
}

static void block(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* /proc/self/stat's tty_nr and tpgid. */
static void stat_tty(int *tty_nr, int *tpgid)
{
	char buf[1024], *p;
	int fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	*tty_nr = *tpgid = -2;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %d %d", tty_nr, tpgid);
}

/* A new session whose terminal is the slave name. */
static void become_leader_of(int s, const char *name)
{
	int fd;

	CHECK_EQ(setsid(), getpid());
	fd = open(name, O_RDWR); /* no O_NOCTTY: it becomes ours */
	CHECK(fd >= 0);
	(void)s;
	if (fd >= 0)
		close(fd);
}

static void test_session(void)
{
	char name[64];
	int s, m = open_pair(&s, O_NOCTTY), v = -1, rp[2], wp[2];
	pid_t pid;
	char c;

	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	/* Not our terminal: the job-control ioctls say so. */
	CHECK_ERR(ioc(s, TIOCGPGRP, &v), ENOTTY);
	CHECK_ERR(ioc(s, TIOCGSID, &v), ENOTTY);
	v = getpgrp();
	CHECK_ERR(ioc(s, TIOCSPGRP, &v), ENOTTY);
	CHECK_ERR(ioc(s, TIOCNOTTY, NULL), ENOTTY);
	/* The master's: no session yet. */
	CHECK_ERR(ioc(m, TIOCGSID, &v), ENOTTY);
	CHECK_EQ(ioc(m, TIOCGPGRP, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(pipe(rp), 0);
	CHECK_EQ(pipe(wp), 0);
	pid = spawn();
	if (pid == 0) {
		struct winsize ws;
		int fd, pg;

		block(SIGWINCH);
		block(SIGINT);
		block(SIGQUIT);
		block(SIGTSTP);
		CHECK_EQ(setsid(), getpid());
		/* No terminal: /dev/tty is ENXIO. */
		CHECK_ERR(SYS3(SYS_open, "/dev/tty", O_RDWR, 0), ENXIO);
		{
			int nr, tpgid;

			stat_tty(&nr, &tpgid);
			CHECK_EQ(nr, 0);
			CHECK_EQ(tpgid, -1);
		}
		/* O_NOCTTY opens do not take it. */
		fd = open(name, O_RDWR | O_NOCTTY);
		CHECK_ERR(ioc(fd, TIOCGSID, &pg), ENOTTY);
		close(fd);
		fd = open(name, O_RDWR); /* no O_NOCTTY: it becomes ours */
		CHECK_EQ(ioc(fd, TIOCGSID, &pg), 0);
		CHECK_EQ(pg, getpid());
		CHECK_EQ(ioc(fd, TIOCGPGRP, &pg), 0);
		CHECK_EQ(pg, getpid());
		CHECK_EQ(tcgetpgrp(fd), getpid());
		{
			struct stat st;
			int nr, tpgid;

			CHECK_EQ(fstat(fd, &st), 0);
			stat_tty(&nr, &tpgid);
			CHECK_EQ(nr, (int)st.st_rdev);
			CHECK_EQ(tpgid, getpid());
		}
		/* TIOCSCTTY on our own terminal: nothing to do. */
		CHECK_EQ(ioc(fd, TIOCSCTTY, 0), 0);
		/* /dev/tty is it now. */
		{
			int t = open("/dev/tty", O_RDWR);
			struct stat st;

			CHECK(t >= 0);
			CHECK_EQ(fstat(t, &st), 0);
			CHECK_EQ(st.st_rdev, makedev(5, 0));
			close(t);
		}
		/* TIOCSPGRP: another session's group is EPERM, no such
		 * group ESRCH, a negative one EINVAL. */
		pg = getppid();
		CHECK_ERR(ioc(fd, TIOCSPGRP, &pg), EPERM);
		pg = 0x3ffffff0;
		CHECK_ERR(ioc(fd, TIOCSPGRP, &pg), ESRCH);
		pg = -1;
		CHECK_ERR(ioc(fd, TIOCSPGRP, &pg), EINVAL);
		pg = getpid();
		CHECK_EQ(ioc(fd, TIOCSPGRP, &pg), 0);
		CHECK_EQ(write(rp[1], "r", 1), 1);
		/* A new size: SIGWINCH. */
		CHECK_EQ(wait_sig(SIGWINCH, 5000), SIGWINCH);
		CHECK_EQ(ioc(fd, TIOCGWINSZ, &ws), 0);
		CHECK_EQ(ws.ws_row, 33);
		CHECK_EQ(ws.ws_col, 77);
		CHECK_EQ(write(rp[1], "w", 1), 1);
		/* ^C, ^\ and ^Z signal the foreground group. */
		CHECK_EQ(wait_sig(SIGINT, 5000), SIGINT);
		CHECK_EQ(wait_sig(SIGQUIT, 5000), SIGQUIT);
		CHECK_EQ(wait_sig(SIGTSTP, 5000), SIGTSTP);
		/* ^C flushed the line typed before it. */
		{
			int n = -1;

			CHECK_EQ(ioc(fd, FIONREAD, &n), 0);
			CHECK_EQ(n, 0);
		}
		CHECK_EQ(write(rp[1], "i", 1), 1);
		/* NOFLSH keeps it. */
		CHECK_EQ(read(wp[0], &c, 1), 1);
		CHECK_EQ(wait_sig(SIGINT, 5000), SIGINT);
		{
			char b[16];

			CHECK_EQ(read(fd, b, sizeof(b)), 3);
			CHECK(!memcmp(b, "ab\n", 3));
		}
		close(fd);
		child_exit();
	}
	CHECK_EQ(read(rp[0], &c, 1), 1);
	CHECK_EQ(ioc(m, TIOCGSID, &v), 0);
	CHECK_EQ(v, pid);
	CHECK_EQ(ioc(m, TIOCGPGRP, &v), 0);
	CHECK_EQ(v, pid);
	/* Another session's terminal cannot be ours. */
	CHECK_ERR(ioc(s, TIOCGPGRP, &v), ENOTTY);
	{
		struct winsize ws = {.ws_row = 33, .ws_col = 77};

		CHECK_EQ(ioc(m, TIOCSWINSZ, &ws), 0);
	}
	CHECK_EQ(read(rp[0], &c, 1), 1);
	put(m, "xy");
	EXPECT_READ(m, "xy");
	put(m, "\003");
	EXPECT_READ(m, "^C");
	usleep(100000);
	put(m, "\034");
	EXPECT_READ(m, "^\\");
	usleep(100000);
	put(m, "\032");
	EXPECT_READ(m, "^Z");
	CHECK_EQ(read(rp[0], &c, 1), 1);
	set_lflag(s, NOFLSH, 0);
	put(m, "ab\n\003");
	EXPECT_READ(m, "ab\r\n^C");
	CHECK_EQ(write(wp[1], "n", 1), 1);
	CHECK_CHILD_OK(pid);
	close(rp[0]);
	close(rp[1]);
	close(wp[0]);
	close(wp[1]);
	close(s);
	close(m);
}

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

static void catch_sig(int sig)
{
	struct sigaction sa = {.sa_handler = on_sig}; /* no SA_RESTART */

	sigaction(sig, &sa, NULL);
}

/* A background group of the terminal's session: SIGTTOU and SIGTTIN. */
static void test_background(void)
{
	char name[64];
	int s, m = open_pair(&s, O_NOCTTY), rp[2], op[2];
	pid_t pid;
	char c;

	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	CHECK_EQ(pipe(rp), 0);
	CHECK_EQ(pipe(op), 0);
	pid = spawn();
	if (pid == 0) {
		int fd;
		pid_t g;

		become_leader_of(s, name);
		fd = open(name, O_RDWR | O_NOCTTY);
		set_lflag(fd, TOSTOP, 0);
		g = spawn();
		if (g == 0) {
			char b[4];

			CHECK_EQ(setpgid(0, 0), 0);
			/* A background write with TOSTOP: SIGTTOU. */
			catch_sig(SIGTTOU);
			got_sig = 0;
			CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EINTR);
			CHECK_EQ(got_sig, SIGTTOU);
			/* Settings too, TOSTOP or not. */
			got_sig = 0;
			CHECK_ERR(ioc(fd, TCFLSH, (void *)TCIFLUSH), EINTR);
			CHECK_EQ(got_sig, SIGTTOU);
			/* Ignored (or blocked), the write goes ahead. */
			signal(SIGTTOU, SIG_IGN);
			CHECK_EQ(write(fd, "x", 1), 1);
			/* A background read: SIGTTIN, or EIO ignored. */
			catch_sig(SIGTTIN);
			got_sig = 0;
			CHECK_ERR(SYS3(SYS_read, fd, b, 1), EINTR);
			CHECK_EQ(got_sig, SIGTTIN);
			signal(SIGTTIN, SIG_IGN);
			CHECK_ERR(SYS3(SYS_read, fd, b, 1), EIO);
			/* tcsetpgrp from the background, SIGTTOU ignored. */
			CHECK_EQ(tcsetpgrp(fd, getpgrp()), 0);
			CHECK_EQ(tcgetpgrp(fd), getpgrp());
			/* Foreground now: reads as usual. */
			signal(SIGTTIN, SIG_DFL);
			CHECK_EQ(write(rp[1], "f", 1), 1);
			CHECK_EQ(read(fd, b, sizeof(b)), 2);
			child_exit();
		}
		CHECK_CHILD_OK(g);
		/* An orphaned background group: EIO, no signal. */
		g = spawn();
		if (g == 0) {
			pid_t me = getpid(), o = spawn();

			if (o == 0) {
				char b[4];
				int i;

				CHECK_EQ(setpgid(0, 0), 0);
				for (i = 0; i < 500 && getppid() == me; i++)
					usleep(10000);
				/* The group is orphaned now: EIO. */
				signal(SIGTTOU, SIG_DFL);
				CHECK_ERR(SYS3(SYS_read, fd, b, 1), EIO);
				CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EIO);
				/* It ignores the terminal's stop signals. */
				CHECK_EQ(kill(getpid(), SIGTSTP), 0);
				CHECK_EQ(
				    write(op[1], guest_failures ? "F" : "d", 1),
				    1);
				child_exit();
			}
			_exit(0);
		}
		CHECK_CHILD_OK(g);
		{
			char d;

			/* The orphan reports through its pipe. */
			CHECK_EQ(read(op[0], &d, 1), 1);
			CHECK_EQ(d, 'd');
		}
		child_exit();
	}
	CHECK_EQ(read(rp[0], &c, 1), 1);
	CHECK_EQ(c, 'f');
	put(m, "y\n");
	CHECK_CHILD_OK(pid);
	close(op[0]);
	close(op[1]);
	close(rp[0]);
	close(rp[1]);
	close(s);
	close(m);
}

/* The master's close hangs the slave up; its session leader hears. */
static void test_hangup(void)
{
	char name[64], b[8];
	int s, m = open_pair(&s, O_NOCTTY), rp[2], wp[2];
	pid_t pid;
	char c;

	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	CHECK_EQ(pipe(rp), 0);
	CHECK_EQ(pipe(wp), 0);
	pid = spawn();
	if (pid == 0) {
		int fd;

		close(m);
		block(SIGHUP);
		become_leader_of(s, name);
		fd = open(name, O_RDWR | O_NOCTTY);
		CHECK_EQ(write(rp[1], "r", 1), 1);
		CHECK_EQ(wait_sig(SIGHUP, 5000), SIGHUP);
		CHECK_EQ(read(fd, b, sizeof(b)), 0);
		CHECK_ERR(SYS3(SYS_write, fd, "x", 1), EIO);
		CHECK_ERR(ioc(fd, TIOCGWINSZ, b), EIO);
		CHECK_ERR(SYS3(SYS_open, "/dev/tty", O_RDWR, 0), ENXIO);
		close(fd);
		child_exit();
	}
	CHECK_EQ(read(rp[0], &c, 1), 1);
	close(s);
	put(m, "ab");
	close(m);
	CHECK_CHILD_OK(pid);

	/* The slave's last close: the master reads EIO, polls POLLHUP. */
	m = open_pair(&s, O_NOCTTY);
	put(s, "z");
	close(s);
	{
		struct pollfd p = {.fd = m, .events = POLLIN};

		CHECK_EQ(poll(&p, 1, 2000), 1);
		CHECK(p.revents & POLLHUP);
	}
	EXPECT_READ(m, "z");
	CHECK_ERR(SYS3(SYS_read, m, b, sizeof(b)), EIO);
	close(m);

	/* A session leader's exit: its foreground group gets SIGHUP and
	 * the session's processes lose the terminal. */
	m = open_pair(&s, O_NOCTTY);
	CHECK_EQ(ptsname_r(m, name, sizeof(name)), 0);
	pid = spawn();
	if (pid == 0) {
		pid_t g;

		close(m);
		become_leader_of(s, name);
		g = spawn();
		if (g == 0) {
			block(SIGHUP);
			CHECK_EQ(write(rp[1], "g", 1), 1);
			CHECK_EQ(wait_sig(SIGHUP, 5000), SIGHUP);
			CHECK_ERR(SYS3(SYS_open, "/dev/tty", O_RDWR, 0), ENXIO);
			CHECK_EQ(write(wp[1], guest_failures ? "F" : "k", 1),
				 1);
			child_exit();
		}
		CHECK_EQ(read(rp[0], &c, 1), 1);
		_exit(0); /* without waiting: g is left to hear it */
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(read(wp[0], &c, 1), 1);
	CHECK_EQ(c, 'k');
	close(s);
	close(m);
	close(rp[0]);
	close(rp[1]);
	close(wp[0]);
	close(wp[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_ptmx();
	test_defaults();
	test_canon();
	test_output();
	test_raw();
	test_session();
	test_background();
	test_hangup();
	return guest_done();
}
