// SPDX-License-Identifier: Apache-2.0
/*
 * RLIMIT_FSIZE and RLIMIT_CPU enforced (getrlimit(2), write(2) EFBIG,
 * truncate(2), fallocate(2), sendfile(2), splice(2), copy_file_range(2)):
 * a write that would cross the file size limit is cut to end at it; one
 * at or past it fails with EFBIG and raises SIGXFSZ (SI_USER, from the
 * process itself); truncate and fallocate past it likewise; pipes and
 * devices are not limited. A process whose CPU time reaches the soft
 * limit gets SIGXCPU (SI_KERNEL) and the soft limit moves a second on; at
 * the hard limit, SIGKILL; a child inherits the limit.
 */
#include "scratch.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#define LIMIT 100
#define INF   (~0UL)

struct rl {
	unsigned long cur, max;
};

static volatile int xfsz, xfsz_code, xfsz_pid, xfsz_uid;

static void on_xfsz(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	xfsz++;
	xfsz_code = si->si_code;
	xfsz_pid = si->si_pid;
	xfsz_uid = (int)si->si_uid;
}

static void set_fsize(unsigned long cur)
{
	struct rl l;

	CHECK_EQ(SYS2(SYS_getrlimit, RLIMIT_FSIZE, &l), 0);
	l.cur = cur;
	CHECK_EQ(SYS2(SYS_setrlimit, RLIMIT_FSIZE, &l), 0);
}

static long file_size(long fd)
{
	struct stat st;

	return SYS2(SYS_fstat, fd, &st) ? -1 : (long)st.st_size;
}

/* ret, and how many SIGXFSZ came meanwhile (each from this process). */
#define CHECK_XFSZ(expr, want, nsig)                                           \
	do {                                                                   \
		xfsz = 0;                                                      \
		CHECK_EQ((expr), (want));                                      \
		CHECK_EQ(xfsz, (nsig));                                        \
	} while (0)

static void check_write(long fd, const char *buf)
{
	struct iovec iov[3] = {
	    {(void *)buf, 40}, {(void *)buf, 40}, {(void *)buf, 40}};

	/* Up to the limit, then cut at it, then refused. */
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 0), 0, 0);
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 60), 60, 0);
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 60), 40, 0);
	CHECK_EQ(file_size(fd), LIMIT);
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 60), -EFBIG, 1);
	CHECK_EQ(xfsz_code, SI_USER);
	CHECK_EQ(xfsz_pid, SYS0(SYS_getpid));
	CHECK_EQ(xfsz_uid, SYS0(SYS_getuid));
	/* Nothing to write: no check. */
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 0), 0, 0);
	CHECK_EQ(file_size(fd), LIMIT);

	/* Positional writes, at their own offsets. */
	CHECK_XFSZ(SYS4(SYS_pwrite64, fd, buf, 10, 200), -EFBIG, 1);
	CHECK_XFSZ(SYS4(SYS_pwrite64, fd, buf, 0, 200), 0, 0);
	CHECK_XFSZ(SYS4(SYS_pwrite64, fd, buf, 10, LIMIT - 5), 5, 0);
	CHECK_EQ(file_size(fd), LIMIT);

	/* Vectors are cut inside an element. */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 0), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_XFSZ(SYS3(SYS_writev, fd, iov, 3), LIMIT, 0);
	CHECK_XFSZ(SYS4(SYS_pwritev, fd, iov, 3, LIMIT - 10), 10, 0);
	CHECK_XFSZ(SYS6(SYS_pwritev2, fd, iov, 3, -1, 0, 0), -EFBIG, 1);
	CHECK_XFSZ(SYS3(SYS_writev, fd, iov, 3), -EFBIG, 1);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_CUR), LIMIT);
}

static void check_append(const char *buf)
{
	long fd = SYS3(SYS_open, "f", O_WRONLY | O_APPEND, 0);

	/* The file's end is where an O_APPEND write goes, offsets aside. */
	CHECK_OK(fd);
	CHECK_EQ(SYS2(SYS_truncate, "f", LIMIT - 10), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 0, SEEK_SET), 0);
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 30), 10, 0);
	CHECK_XFSZ(SYS3(SYS_write, fd, buf, 1), -EFBIG, 1);
	CHECK_EQ(file_size(fd), LIMIT);
	SYS1(SYS_close, fd);
}

static void check_size(long fd)
{
	/* Growing past the limit: EFBIG; to it, or shrinking, is fine. */
	CHECK_XFSZ(SYS2(SYS_ftruncate, fd, LIMIT + 1), -EFBIG, 1);
	CHECK_XFSZ(SYS2(SYS_truncate, "f", 300), -EFBIG, 1);
	CHECK_XFSZ(SYS2(SYS_ftruncate, fd, LIMIT), 0, 0);
	CHECK_XFSZ(SYS2(SYS_ftruncate, fd, 50), 0, 0);
	CHECK_EQ(file_size(fd), 50);

	/* A file already past the limit may shrink, but not grow. */
	set_fsize(INF);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 250), 0);
	set_fsize(LIMIT);
	CHECK_XFSZ(SYS2(SYS_ftruncate, fd, 200), 0, 0);
	CHECK_XFSZ(SYS2(SYS_ftruncate, fd, 220), -EFBIG, 1);
	CHECK_EQ(file_size(fd), 200);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 50), 0);

	/* fallocate: only a size that grows is limited. */
	CHECK_XFSZ(SYS4(SYS_fallocate, fd, 0, 90, 20), -EFBIG, 1);
	CHECK_XFSZ(SYS4(SYS_fallocate, fd, 0, 150, 50), -EFBIG, 1);
	CHECK_XFSZ(SYS4(SYS_fallocate, fd, FALLOC_FL_KEEP_SIZE, 90, 20), 0, 0);
	CHECK_XFSZ(SYS4(SYS_fallocate, fd, 0, 50, 50), 0, 0);
	CHECK_EQ(file_size(fd), LIMIT);
}

static void check_copies(long fd, const char *buf)
{
	long src = SYS3(SYS_open, "src", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int64_t off, ooff;
	int p[2];

	CHECK_OK(src);
	set_fsize(INF);
	CHECK_EQ(SYS3(SYS_write, src, buf, 300), 300);
	set_fsize(LIMIT);

	/*
	 * sendfile writes again what a short write left, as splice does:
	 * cut at the limit, then SIGXFSZ, and the bytes written.
	 */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 0), 0);
	CHECK_EQ(SYS3(SYS_lseek, fd, 50, SEEK_SET), 50);
	off = 0;
	CHECK_XFSZ(SYS4(SYS_sendfile, fd, src, &off, 200), 50, 1);
	CHECK_EQ(off, 50);
	CHECK_XFSZ(SYS4(SYS_sendfile, fd, src, &off, 200), -EFBIG, 1);
	CHECK_EQ(off, 50);
	CHECK_EQ(file_size(fd), LIMIT);

	/* copy_file_range cuts its length first: no signal when it fits. */
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 0), 0);
	off = 0;
	ooff = 50;
	CHECK_XFSZ(SYS6(SYS_copy_file_range, src, &off, fd, &ooff, 200, 0), 50,
		   0);
	CHECK_EQ(ooff, LIMIT);
	off = 0;
	CHECK_XFSZ(SYS6(SYS_copy_file_range, src, &off, fd, &ooff, 200, 0),
		   -EFBIG, 1);
	/* Even with nothing to copy. */
	CHECK_XFSZ(SYS6(SYS_copy_file_range, src, &off, fd, &ooff, 0, 0),
		   -EFBIG, 1);
	CHECK_EQ(file_size(fd), LIMIT);

	/* splice from a pipe: as sendfile. */
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_XFSZ(SYS3(SYS_write, p[1], buf, 200), 200, 0);
	CHECK_EQ(SYS2(SYS_ftruncate, fd, 0), 0);
	ooff = 50;
	CHECK_XFSZ(SYS6(SYS_splice, p[0], NULL, fd, &ooff, 200, 0), 50, 1);
	CHECK_EQ(ooff, LIMIT);
	CHECK_XFSZ(SYS6(SYS_splice, p[0], NULL, fd, &ooff, 200, 0), -EFBIG, 1);
	ooff = 20;
	CHECK_XFSZ(SYS6(SYS_splice, p[0], NULL, fd, &ooff, 30, 0), 30, 0);
	CHECK_EQ(ooff, 50);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, src);
}

static void check_unlimited(const char *buf)
{
	long null = SYS3(SYS_open, "/dev/null", O_WRONLY, 0);
	int p[2];

	/* Pipes and devices have no size to limit. */
	CHECK_EQ(SYS1(SYS_pipe, p), 0);
	CHECK_XFSZ(SYS3(SYS_write, p[1], buf, 300), 300, 0);
	CHECK_OK(null);
	CHECK_XFSZ(SYS3(SYS_write, null, buf, 300), 300, 0);
	CHECK_XFSZ(SYS4(SYS_pwrite64, null, buf, 300, 1000), 300, 0);
	SYS1(SYS_close, p[0]);
	SYS1(SYS_close, p[1]);
	SYS1(SYS_close, null);
}

/* Ignored, blocked, and the default action (the process ends). */
static void check_dispositions(long fd, const char *buf)
{
	struct timespec zero = {0, 0};
	siginfo_t si;
	sigset_t set;
	long pid;
	int status;

	signal(SIGXFSZ, SIG_IGN);
	CHECK_XFSZ(SYS4(SYS_pwrite64, fd, buf, 1, LIMIT), -EFBIG, 0);

	signal(SIGXFSZ, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGXFSZ);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK_ERR(SYS4(SYS_pwrite64, fd, buf, 1, LIMIT), EFBIG);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(SYS4(SYS_rt_sigtimedwait, &set, &si, &zero, 8), SIGXFSZ);
	CHECK_EQ(si.si_code, SI_USER);
	CHECK_EQ(si.si_pid, SYS0(SYS_getpid));
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	pid = fork();
	if (pid == 0) {
		struct rl nocore = {0, 0};

		SYS2(SYS_setrlimit, RLIMIT_CORE, &nocore);
		SYS4(SYS_pwrite64, fd, buf, 1, LIMIT);
		_exit(0);
	}
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
}

static void test_fsize(void)
{
	struct sigaction sa = {0};
	char buf[300];
	long fd;

	memset(buf, 'x', sizeof(buf));
	sa.sa_sigaction = on_xfsz;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXFSZ, &sa, NULL);
	scratch_enter("rlimit");
	fd = SYS3(SYS_open, "f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_OK(fd);
	set_fsize(LIMIT);
	check_write(fd, buf);
	check_append(buf);
	check_size(fd);
	check_copies(fd, buf);
	check_unlimited(buf);
	sigaction(SIGXFSZ, &sa, NULL);
	check_dispositions(fd, buf);
	set_fsize(INF);
	SYS1(SYS_close, fd);
	scratch_leave();
}

/* ---- RLIMIT_CPU ---- */

static int report_fd = -1;

/* What the SIGXCPU handler saw, for the parent to check. */
struct xcpu_report {
	int code;
	unsigned long cur, max;
	int64_t cpu_ms;
};

static int64_t cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_xcpu(int sig, siginfo_t *si, void *uc)
{
	struct xcpu_report r = {.code = si->si_code, .cpu_ms = cpu_ms()};
	struct rl l;

	(void)sig;
	(void)uc;
	SYS2(SYS_getrlimit, RLIMIT_CPU, &l);
	r.cur = l.cur;
	r.max = l.max;
	(void)!write(report_fd, &r, sizeof(r));
}

/*
 * Spin until killed; SIGPROF ends it after 5 s of CPU time if the limit
 * does not (a bound in CPU time, not wall time: the machine may be busy).
 */
static void __attribute__((noreturn)) spin(void)
{
	struct itimerval bound = {.it_value = {5, 0}};

	setitimer(ITIMER_PROF, &bound, NULL);
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* In a child: soft and hard limits set, then CPU burnt until the end. */
static void cpu_child(unsigned long soft, unsigned long hard, bool inherit)
{
	struct sigaction sa = {0};
	struct rl l = {soft, hard};

	sa.sa_sigaction = on_xcpu;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGXCPU, &sa, NULL);
	if (SYS2(SYS_setrlimit, RLIMIT_CPU, &l))
		_exit(1);
	if (inherit) {
		/* The limit, not the CPU time used, passes to a child. */
		long pid = fork();
		int status;

		if (pid == 0)
			spin();
		if (SYS4(SYS_wait4, pid, &status, 0, NULL) != pid ||
		    !WIFSIGNALED(status))
			_exit(2);
		_exit(WTERMSIG(status));
	}
	spin();
}

/* Run cpu_child; its wait status, and the SIGXCPU reports read. */
static int run_cpu_child(unsigned long soft, unsigned long hard, bool inherit,
			 struct xcpu_report *r, int max, int *n)
{
	int p[2], status = -1;
	long pid, got;

	CHECK_EQ(SYS2(SYS_pipe2, p, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		report_fd = p[1];
		cpu_child(soft, hard, inherit);
	}
	SYS1(SYS_close, p[1]);
	CHECK_EQ(SYS4(SYS_wait4, pid, &status, 0, NULL), pid);
	got = SYS3(SYS_read, p[0], r, (long)sizeof(*r) * max);
	*n = got > 0 ? (int)(got / (long)sizeof(*r)) : 0;
	SYS1(SYS_close, p[0]);
	return status;
}

static void test_cpu(void)
{
	struct xcpu_report r[4];
	int status, n;

	/* SIGXCPU at 1 s of CPU, the soft limit moved to 2; SIGKILL at 2. */
	status = run_cpu_child(1, 2, false, r, 4, &n);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_EQ(n, 1);
	if (n >= 1) {
		CHECK_EQ(r[0].code, SI_KERNEL);
		CHECK_EQ(r[0].cur, 2);
		CHECK_EQ(r[0].max, 2);
		/*
		 * Linux counts CPU time by ticks there, which on a busy
		 * machine runs ahead of the precise clock read here.
		 */
		CHECK(r[0].cpu_ms >= 500 && r[0].cpu_ms < 1900);
	}

	/*
	 * Soft and hard limits equal: SIGKILL, no SIGXCPU. A forked child
	 * inherits the limit (and counts its own CPU time).
	 */
	status = run_cpu_child(1, 1, true, r, 4, &n);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == SIGKILL);
	CHECK_EQ(n, 0);
}

int main(void)
{
	test_fsize();
	test_cpu();
	return guest_done();
}
