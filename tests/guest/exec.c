// SPDX-License-Identifier: Apache-2.0
/*
 * execve(2) and execveat(2). A forked child executes this same program
 * (/proc/self/exe) with arguments naming a check for the new image to
 * make; the image exits 0 when its checks passed.
 *
 * Covered: the pid, parent, cwd and name kept or set; argv and envp passed
 * exactly, NULL ones included; AT_EXECFN; close-on-exec; dispositions
 * reset (handled) or kept (ignored), the mask and pending signals kept, the
 * alternate stack dropped; "#!" scripts and the argv binfmt_script builds;
 * execveat with a descriptor and AT_EMPTY_PATH; execve from a second
 * thread; and the errors: ENOENT, ENOTDIR, EACCES, ENOEXEC, E2BIG, EFAULT,
 * ELOOP, EBADF, EINVAL.
 */
#include "proc.h"
#include "scratch.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/stat.h>

extern char **environ;

#define SELF "/proc/self/exe"

static char self[PATH_MAX];
static int have_self;

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		guest_checks++;                                                \
		if (!_a || !_b || strcmp(_a, _b))                              \
			guest_fail(__FILE__, __LINE__,                         \
				   "%s == %s: got \"%s\", want \"%s\"", #a,    \
				   #b, _a ? _a : "(null)",                     \
				   _b ? _b : "(null)");                        \
	} while (0)

static const char *comm(void)
{
	static char name[17];

	memset(name, 0, sizeof(name));
	SYS5(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	return name;
}

static const char *execfn(void)
{
	return (const char *)getauxval(AT_EXECFN);
}

/* Forks; the child runs exec(), which should not return. The child's
 * exit status is returned. */
static int run(void (*exec)(void *), void *arg)
{
	pid_t pid = spawn();

	if (pid == 0) {
		exec(arg);
		fprintf(stderr, "exec failed: %s\n", strerror(errno));
		_exit(127);
	}
	CHECK(pid > 0);
	return reap(pid);
}

/* Runs SELF with argv and envp in a child. */
struct args {
	char *const *argv;
	char *const *envp;
};

static void do_execve(void *arg)
{
	struct args *a = arg;

	execve(SELF, a->argv, a->envp);
}

static int run_self(char *const *argv, char *const *envp)
{
	struct args a = {argv, envp};

	return run(do_execve, &a);
}

/* ---- pid, parent, cwd, name ---- */

static int image_pid(char **argv)
{
	char cwd[64];

	CHECK_EQ(SYS0(SYS_getpid), atol(argv[2]));
	CHECK_EQ(SYS0(SYS_gettid), atol(argv[2]));
	CHECK_EQ(SYS0(SYS_getppid), atol(argv[3]));
	CHECK_EQ(SYS2(SYS_getcwd, cwd, sizeof(cwd)), 5);
	CHECK_STR(cwd, "/tmp");
	/* The name is the last part of the path executed. */
	CHECK_STR(comm(), "exe");
	CHECK_STR(execfn(), SELF);
	return guest_done();
}

static void exec_pid(void *arg)
{
	char pid[16], ppid[16];
	char *argv[] = {"exec", "pid", pid, ppid, NULL};

	(void)arg;
	snprintf(pid, sizeof(pid), "%ld", SYS0(SYS_getpid));
	snprintf(ppid, sizeof(ppid), "%ld", SYS0(SYS_getppid));
	SYS1(SYS_chdir, "/tmp");
	SYS5(SYS_prctl, PR_SET_NAME, "before-exec", 0, 0, 0);
	execve(SELF, argv, environ);
}

static void test_pid(void)
{
	CHECK_EQ(run(exec_pid, NULL), EXITED(0));
}

/* ---- argv and envp ---- */

static char long_arg[5001];
static char *args_argv[] = {"zero",	 "args",   "",	   "two words",
			    "tab\there", long_arg, "last", NULL};
static char *args_envp[] = {"A=1", "B=", "NOEQUALS", "X=y=z", "", "Z=26", NULL};

static int image_args(int argc, char **argv, char **envp)
{
	int n;

	CHECK_EQ(argc, 7);
	for (n = 0; n < argc && args_argv[n]; n++)
		CHECK_STR(argv[n], args_argv[n]);
	CHECK(argv[argc] == NULL);
	for (n = 0; envp[n] && args_envp[n]; n++)
		CHECK_STR(envp[n], args_envp[n]);
	CHECK(envp[n] == NULL);
	CHECK(args_envp[n] == NULL);
	CHECK(environ == envp);
	CHECK_STR(getenv("X"), "y=z");
	CHECK_STR(execfn(), SELF);
	return guest_done();
}

static void test_args(void)
{
	CHECK_EQ(run_self(args_argv, args_envp), EXITED(0));
}

/* argv NULL or empty: since Linux 5.18 the image gets argc 1 and an empty
 * argv[0]. envp NULL: an empty environment. */
static int image_nullargv(int argc, char **argv)
{
	CHECK_EQ(argc, 1);
	CHECK_STR(argv[0], "");
	CHECK(argv[1] == NULL);
	CHECK_STR(environ[0], "MOAT_EXEC=nullargv");
	CHECK(environ[1] == NULL);
	return guest_done();
}

static int image_nullenv(int argc, char **envp)
{
	CHECK_EQ(argc, 2);
	CHECK(envp[0] == NULL);
	CHECK(environ[0] == NULL);
	return guest_done();
}

static void test_null_lists(void)
{
	char *env[] = {"MOAT_EXEC=nullargv", NULL};
	char *empty[] = {NULL};
	char *nullenv[] = {"exec", "nullenv", NULL};

	CHECK_EQ(run_self(NULL, env), EXITED(0));
	CHECK_EQ(run_self(empty, env), EXITED(0));
	CHECK_EQ(run_self(nullenv, NULL), EXITED(0));
}

/* ---- close-on-exec ---- */

static int image_fds(char **argv)
{
	int c1 = atoi(argv[2]), c2 = atoi(argv[3]), c3 = atoi(argv[4]);
	int k1 = atoi(argv[5]), k2 = atoi(argv[6]);

	CHECK_ERR(SYS2(SYS_fcntl, c1, F_GETFD), EBADF);
	CHECK_ERR(SYS2(SYS_fcntl, c2, F_GETFD), EBADF);
	CHECK_ERR(SYS2(SYS_fcntl, c3, F_GETFD), EBADF);
	CHECK_EQ(SYS2(SYS_fcntl, k1, F_GETFD), 0);
	CHECK_EQ(SYS2(SYS_fcntl, k2, F_GETFD), 0);
	/* Kept descriptors work, offsets and all. */
	CHECK_EQ(SYS3(SYS_lseek, k2, 0, SEEK_CUR), 4);
	CHECK_EQ(SYS3(SYS_write, k1, "kept", 4), 4);
	return guest_done();
}

static void exec_fds(void *arg)
{
	int *up = arg, c1, c2, c3, k2;
	char s[5][16];
	char *argv[] = {"exec", "fds", s[0], s[1], s[2], s[3], s[4], NULL};
	char b[4];

	SYS1(SYS_close, up[0]);
	c1 = (int)SYS3(SYS_open, SELF, O_RDONLY | O_CLOEXEC, 0);
	c2 = (int)SYS3(SYS_open, SELF, O_RDONLY, 0);
	SYS3(SYS_fcntl, c2, F_SETFD, FD_CLOEXEC);
	c3 = (int)SYS3(SYS_dup3, up[1], 100, O_CLOEXEC);
	/* F_DUPFD makes a descriptor without the flag, sharing c1's file. */
	k2 = (int)SYS3(SYS_fcntl, c1, F_DUPFD, 0);
	SYS3(SYS_read, c1, b, 4);
	snprintf(s[0], 16, "%d", c1);
	snprintf(s[1], 16, "%d", c2);
	snprintf(s[2], 16, "%d", c3);
	snprintf(s[3], 16, "%d", up[1]);
	snprintf(s[4], 16, "%d", k2);
	if (c1 < 0 || c2 < 0 || c3 != 100 || k2 < 0)
		_exit(126);
	execve(SELF, argv, environ);
}

static void test_fds(void)
{
	int up[2];
	char buf[8];

	make_pipe(up);
	pid_t pid = spawn();
	if (pid == 0) {
		exec_fds(up);
		_exit(127);
	}
	SYS1(SYS_close, up[1]);
	CHECK_EQ(SYS3(SYS_read, up[0], buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "kept", 4) == 0);
	CHECK_EQ(SYS3(SYS_read, up[0], buf, sizeof(buf)), 0);
	CHECK_EQ(reap(pid), EXITED(0));
	SYS1(SYS_close, up[0]);
}

/* ---- signals ---- */

static volatile int hup_hits;

static void on_sig(int sig)
{
	if (sig == SIGHUP)
		hup_hits++;
}

static int image_signals(char **argv)
{
	unsigned long want_mask = strtoul(argv[2], NULL, 16), mask = 0;
	unsigned long pending = 0;
	struct ksigaction k;
	struct sigaction sa = {0};
	stack_t ss;

	/* The handled signal is back to SIG_DFL, all else cleared. */
	memset(&k, 0xa5, sizeof(k));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR1, 0, &k, 8), 0);
	CHECK_EQ(k.handler, (unsigned long)SIG_DFL);
	CHECK_EQ(k.flags, 0);
	CHECK_EQ(k.restorer, 0);
	CHECK_EQ(k.mask, 0);
	/* The ignored one stays ignored; its flags and mask are cleared. */
	memset(&k, 0xa5, sizeof(k));
	CHECK_EQ(SYS4(SYS_rt_sigaction, SIGUSR2, 0, &k, 8), 0);
	CHECK_EQ(k.handler, (unsigned long)SIG_IGN);
	CHECK_EQ(k.flags, 0);
	CHECK_EQ(k.restorer, 0);
	CHECK_EQ(k.mask, 0);
	/* The mask is kept exactly; so is the pending SIGHUP. */
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_BLOCK, 0, &mask, 8), 0);
	CHECK_EQ(mask, want_mask);
	CHECK_EQ(SYS2(SYS_rt_sigpending, &pending, 8), 0);
	CHECK_EQ(pending, SIGBIT(SIGHUP));
	/* No alternate stack. */
	memset(&ss, 0xa5, sizeof(ss));
	CHECK_EQ(SYS2(SYS_sigaltstack, 0, &ss), 0);
	CHECK_EQ(ss.ss_flags, SS_DISABLE);
	/* Unblocked under a handler, the pending SIGHUP arrives once. */
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGHUP, &sa, NULL), 0);
	CHECK_EQ(hup_hits, 0);
	mask = SIGBIT(SIGHUP);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_UNBLOCK, &mask, 0, 8), 0);
	CHECK_EQ(hup_hits, 1);
	return guest_done();
}

static void exec_signals(void *arg)
{
	static char altstack[65536];
	struct sigaction sa = {0};
	unsigned long mask = SIGBIT(SIGHUP) | SIGBIT(SIGINT) | SIGBIT(SIGRTMIN);
	char hex[32];
	char *argv[] = {"exec", "signals", hex, NULL};
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};

	(void)arg;
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = SA_RESTART;
	sigaddset(&sa.sa_mask, SIGINT);
	sigaction(SIGUSR2, &sa, NULL);
	SYS2(SYS_sigaltstack, &ss, 0);
	SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &mask, 0, 8);
	SYS2(SYS_kill, SYS0(SYS_getpid), SIGHUP);
	snprintf(hex, sizeof(hex), "%lx", mask);
	execve(SELF, argv, environ);
}

static void test_signals(void)
{
	CHECK_EQ(run(exec_signals, NULL), EXITED(0));
}

/* ---- scripts ---- */

static char script[128], noarg[128];

static int image_script(int argc, char **argv)
{
	/* interpreter, its argument, the script's path, then argv[1...]. */
	CHECK_EQ(argc, 5);
	if (argc != 5)
		return guest_done();
	CHECK_STR(argv[0], self);
	CHECK_STR(argv[1], "script  mode");
	CHECK_STR(argv[2], getenv("SCRIPT"));
	CHECK_STR(argv[3], "a1");
	CHECK_STR(argv[4], "a 2");
	/* The path executed is the script's. */
	CHECK_STR(execfn(), getenv("SCRIPT"));
	/* (Through a descriptor the name depends on the kernel: "N" in
	 * older ones, the file's own name since late 2024: not checked.) */
	if (getenv("COMM"))
		CHECK_STR(comm(), getenv("COMM"));
	return guest_done();
}

static int image_noarg(int argc, char **argv)
{
	CHECK_EQ(argc, 3);
	if (argc != 3)
		return guest_done();
	CHECK_STR(argv[0], self);
	CHECK_STR(argv[1], noarg);
	CHECK_STR(argv[2], "b1");
	return guest_done();
}

static void exec_script(void *arg)
{
	char *argv[] = {"name0", "a1", "a 2", NULL};
	char env[160];
	char *envp[] = {env, "COMM=script", NULL};

	(void)arg;
	snprintf(env, sizeof(env), "SCRIPT=%s", script);
	execve(script, argv, envp);
}

static void exec_noarg(void *arg)
{
	char *argv[] = {"name0", "b1", NULL};

	(void)arg;
	execve(noarg, argv, environ);
}

/* execveat of the script through a descriptor: the script's path is
 * /dev/fd/N. With the descriptor close-on-exec the interpreter could not
 * open that: ENOENT. */
static void exec_script_fd(void *arg)
{
	char *argv[] = {"name0", "a1", "a 2", NULL};
	char env[64];
	char *envp[] = {env, NULL};
	long fd;

	(void)arg;
	fd = SYS3(SYS_open, script, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		_exit(126);
	if (SYS5(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH) != -ENOENT)
		_exit(125);
	SYS3(SYS_fcntl, fd, F_SETFD, 0);
	snprintf(env, sizeof(env), "SCRIPT=/dev/fd/%ld", fd);
	SYS5(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}

static void write_script(const char *path, const char *text, int mode)
{
	long fd = SYS3(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK_OK(fd);
	CHECK_EQ(SYS3(SYS_write, fd, text, strlen(text)), strlen(text));
	CHECK_EQ(SYS1(SYS_close, fd), 0);
	CHECK_EQ(SYS2(SYS_chmod, path, mode), 0);
}

static void test_scripts(void)
{
	char text[PATH_MAX + 64];

	snprintf(script, sizeof(script), "%s/script", scratch);
	snprintf(text, sizeof(text), "#! %s  script  mode \t\nexit 3\n", self);
	write_script(script, text, 0755);
	CHECK_EQ(run(exec_script, NULL), EXITED(0));
	CHECK_EQ(run(exec_script_fd, NULL), EXITED(0));

	snprintf(noarg, sizeof(noarg), "%s/noarg-script", scratch);
	snprintf(text, sizeof(text), "#!%s\n", self);
	write_script(noarg, text, 0755);
	CHECK_EQ(run(exec_noarg, NULL), EXITED(0));
}

/* ---- execveat ---- */

static int image_execveat(char **argv)
{
	char want[64];

	if (!strcmp(argv[2], "empty")) {
		snprintf(want, sizeof(want), "/dev/fd/%s", argv[3]);
		/* Not close-on-exec: still open. */
		CHECK_EQ(SYS2(SYS_fcntl, atoi(argv[3]), F_GETFD), 0);
	} else if (!strcmp(argv[2], "cloexec")) {
		snprintf(want, sizeof(want), "/dev/fd/%s", argv[3]);
		CHECK_ERR(SYS2(SYS_fcntl, atoi(argv[3]), F_GETFD), EBADF);
	} else {
		snprintf(want, sizeof(want), "/dev/fd/%s/%s", argv[3], argv[4]);
		/* The last part of the name. (With AT_EMPTY_PATH it is "N"
		 * in older kernels, the file's own name since late 2024:
		 * not checked.) */
		CHECK_STR(comm(), argv[4]);
	}
	CHECK_STR(execfn(), want);
	return guest_done();
}

static void exec_at(void *arg)
{
	const char *how = arg;
	char fds[16], base[64];
	char *argv[] = {"exec", "execveat", (char *)how, fds, base, NULL};
	const char *slash = strrchr(self, '/');
	long fd;

	if (!strcmp(how, "relative")) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - self), self);
		snprintf(base, sizeof(base), "%s", slash + 1);
		fd = SYS3(SYS_open, dir, O_PATH | O_DIRECTORY, 0);
		snprintf(fds, sizeof(fds), "%ld", fd);
		SYS5(SYS_execveat, fd, base, argv, environ, 0);
		return;
	}
	fd = SYS3(SYS_open, self,
		  !strcmp(how, "cloexec") ? O_RDONLY | O_CLOEXEC : O_PATH, 0);
	snprintf(fds, sizeof(fds), "%ld", fd);
	base[0] = 0;
	SYS5(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

static void test_execveat(void)
{
	CHECK_EQ(run(exec_at, "empty"), EXITED(0));
	CHECK_EQ(run(exec_at, "cloexec"), EXITED(0));
	CHECK_EQ(run(exec_at, "relative"), EXITED(0));
}

/* ---- execve from a second thread ---- */

static int image_thread(char **argv)
{
	/* The thread took over the process: its pid, tid and parent. */
	CHECK_EQ(SYS0(SYS_getpid), atol(argv[2]));
	CHECK_EQ(SYS0(SYS_gettid), atol(argv[2]));
	CHECK_EQ(SYS0(SYS_getppid), atol(argv[3]));
	return guest_done();
}

static char thread_pid[16], thread_ppid[16];

static void *thread_main(void *arg)
{
	char *argv[] = {"exec", "thread", thread_pid, thread_ppid, NULL};

	(void)arg;
	if (SYS0(SYS_gettid) == SYS0(SYS_getpid))
		_exit(124);
	execve(SELF, argv, environ);
	_exit(123);
}

static void exec_thread(void *arg)
{
	pthread_t t;

	(void)arg;
	snprintf(thread_pid, sizeof(thread_pid), "%ld", SYS0(SYS_getpid));
	snprintf(thread_ppid, sizeof(thread_ppid), "%ld", SYS0(SYS_getppid));
	if (pthread_create(&t, NULL, thread_main, NULL))
		_exit(122);
	/* The exec ends this thread. */
	for (;;)
		SYS0(SYS_pause);
}

static void test_thread(void)
{
	CHECK_EQ(run(exec_thread, NULL), EXITED(0));
}

/* ---- errors ---- */

static void test_errors(void)
{
	static char big[200000];
	char *argv[] = {"exec", "never", NULL};
	char *bad_argv[] = {"exec", (char *)1, NULL};
	char *big_argv[] = {"exec", big, NULL};
	char path[160];
	pid_t pid;

	pid = spawn();
	if (pid != 0) {
		CHECK_CHILD_OK(pid);
		return;
	}
	/* In a child, so that an exec that wrongly worked ends nothing. */
	CHECK_ERR(SYS3(SYS_execve, "/nonexistent/moat", argv, environ), ENOENT);
	CHECK_ERR(SYS3(SYS_execve, "", argv, environ), ENOENT);
	CHECK_ERR(SYS3(SYS_execve, SELF "/x", argv, environ), ENOTDIR);
	CHECK_ERR(SYS3(SYS_execve, "/tmp", argv, environ), EACCES);
	CHECK_ERR(SYS3(SYS_execve, scratch, argv, environ), EACCES);

	/* Not executable (even for root: no x bit at all). */
	snprintf(path, sizeof(path), "%s/plain", scratch);
	write_script(path, "#!/bin/sh\n", 0644);
	CHECK_ERR(SYS3(SYS_execve, path, argv, environ), EACCES);
	/* Executable, but no format knows it. */
	snprintf(path, sizeof(path), "%s/empty", scratch);
	write_script(path, "", 0755);
	CHECK_ERR(SYS3(SYS_execve, path, argv, environ), ENOEXEC);
	snprintf(path, sizeof(path), "%s/text", scratch);
	write_script(path, "echo hello\n", 0755);
	CHECK_ERR(SYS3(SYS_execve, path, argv, environ), ENOEXEC);
	/* A script whose interpreter is missing, or a directory. */
	snprintf(path, sizeof(path), "%s/nointerp", scratch);
	write_script(path, "#!/nonexistent/interp arg\n", 0755);
	CHECK_ERR(SYS3(SYS_execve, path, argv, environ), ENOENT);
	snprintf(path, sizeof(path), "%s/dirinterp", scratch);
	write_script(path, "#!/tmp\n", 0755);
	CHECK_ERR(SYS3(SYS_execve, path, argv, environ), EACCES);

	/* Bad pointers. */
	CHECK_ERR(SYS3(SYS_execve, 0, argv, environ), EFAULT);
	CHECK_ERR(SYS3(SYS_execve, 1, argv, environ), EFAULT);
	CHECK_ERR(SYS3(SYS_execve, SELF, 1, environ), EFAULT);
	CHECK_ERR(SYS3(SYS_execve, SELF, bad_argv, environ), EFAULT);
	CHECK_ERR(SYS3(SYS_execve, SELF, argv, 1), EFAULT);
	CHECK_ERR(SYS3(SYS_execve, SELF, argv, bad_argv), EFAULT);
	/* One string longer than MAX_ARG_STRLEN (32 pages). */
	memset(big, 'b', sizeof(big) - 1);
	CHECK_ERR(SYS3(SYS_execve, SELF, big_argv, environ), E2BIG);

	/* execveat's own checks. */
	CHECK_ERR(SYS5(SYS_execveat, AT_FDCWD, SELF, argv, environ, 1), EINVAL);
	/* /proc/self/exe is a symbolic link. */
	CHECK_ERR(SYS5(SYS_execveat, AT_FDCWD, SELF, argv, environ,
		       AT_SYMLINK_NOFOLLOW),
		  ELOOP);
	CHECK_ERR(SYS5(SYS_execveat, 1000000, "exec", argv, environ, 0), EBADF);
	CHECK_ERR(SYS5(SYS_execveat, 1000000, "", argv, environ, AT_EMPTY_PATH),
		  EBADF);
	{
		long fd = SYS3(SYS_open, SELF, O_RDONLY, 0);

		/* An empty path needs AT_EMPTY_PATH. */
		CHECK_ERR(SYS5(SYS_execveat, fd, "", argv, environ, 0), ENOENT);
		/* A relative path against a file that is not a directory. */
		CHECK_ERR(SYS5(SYS_execveat, fd, "x", argv, environ, 0),
			  ENOTDIR);
		SYS1(SYS_close, fd);
	}
	child_exit();
}

int main(int argc, char **argv, char **envp)
{
	have_self = SYS3(SYS_readlink, SELF, self, sizeof(self) - 1) > 0;
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	if (argc == 1 && getenv("MOAT_EXEC") &&
	    !strcmp(getenv("MOAT_EXEC"), "nullargv"))
		return image_nullargv(argc, argv);
	if (argc >= 2) {
		const char *sub = argv[1];
		size_t len = strlen(sub);

		if (!strcmp(sub, "pid") && argc == 4)
			return image_pid(argv);
		if (!strcmp(sub, "args"))
			return image_args(argc, argv, envp);
		if (!strcmp(sub, "nullenv"))
			return image_nullenv(argc, envp);
		if (!strcmp(sub, "fds") && argc == 7)
			return image_fds(argv);
		if (!strcmp(sub, "signals") && argc == 3)
			return image_signals(argv);
		if (!strcmp(sub, "script  mode"))
			return image_script(argc, argv);
		if (len >= 13 && !strcmp(sub + len - 13, "/noarg-script")) {
			snprintf(noarg, sizeof(noarg), "%s", sub);
			return image_noarg(argc, argv);
		}
		if (!strcmp(sub, "execveat") && argc == 5)
			return image_execveat(argv);
		if (!strcmp(sub, "thread") && argc == 4)
			return image_thread(argv);
		fprintf(stderr, "unexpected arguments\n");
		return 2;
	}

	scratch_enter("exec");
	test_pid();
	test_args();
	test_null_lists();
	test_fds();
	test_signals();
	/* These need this program's own path. */
	CHECK(have_self);
	if (have_self) {
		test_scripts();
		test_execveat();
	}
	test_thread();
	test_errors();
	scratch_leave();
	return guest_done();
}
