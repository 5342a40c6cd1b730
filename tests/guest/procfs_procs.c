// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/PID of another process: a forked child that blocks reading a pipe
 * is seen by its parent in /proc's listing and through its stat (pid,
 * comm, state, ppid, process group, session), status, cmdline, environ,
 * comm after PR_SET_NAME, cwd and exe links, fd/ with its pipe, task/ with
 * its one thread; stopped it is T; killed and not yet reaped it is a
 * zombie (Z, its exit code, no memory, no fds); reaped it is gone. A
 * process of another user may read its stat but not its environment,
 * maps, fds or links. Cached lookups follow fds that come and go. Only
 * the processes the test made are looked at: the host has many more.
 */
#include "guest.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char text[1 << 18];
static char text2[1 << 18];

/* Read all of path into buf (NUL-terminated): its length, or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	long fd = SYS3(SYS_open, path, O_RDONLY, 0), n = 0, len = 0;

	if (fd < 0)
		return fd;
	while ((size_t)len < size - 1 &&
	       (n = SYS3(SYS_read, fd, buf + len, size - 1 - len)) > 0)
		len += n;
	SYS1(SYS_close, fd);
	buf[len] = '\0';
	return n < 0 ? n : len;
}

static long slurp_pid(int pid, const char *file, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return slurp(path, buf, size);
}

/* The fields of a stat line. */
struct pstat {
	int pid;
	char comm[32];
	char state;
	int ppid, pgrp, session;
	long num_threads;
	unsigned long long starttime, startcode, endcode;
	long exit_signal, exit_code;
};

/* Parse /proc/PID/stat; false if it cannot be read or parsed. */
static bool read_stat(int pid, struct pstat *st)
{
	char *open_paren, *close_paren, *p;
	int field;

	memset(st, 0, sizeof(*st));
	if (slurp_pid(pid, "stat", text, sizeof(text)) <= 0)
		return false;
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    close_paren - open_paren - 1 >= (long)sizeof(st->comm))
		return false;
	st->pid = atoi(text);
	memcpy(st->comm, open_paren + 1, close_paren - open_paren - 1);
	p = close_paren + 2;
	st->state = *p;
	/* Fields 4 on, one at a time. */
	for (field = 4, p = strchr(p, ' '); p && *p; field++) {
		unsigned long long v = strtoull(p + 1, &p, 10);

		switch (field) {
		case 4:
			st->ppid = (int)v;
			break;
		case 5:
			st->pgrp = (int)v;
			break;
		case 6:
			st->session = (int)v;
			break;
		case 20:
			st->num_threads = (long)v;
			break;
		case 22:
			st->starttime = v;
			break;
		case 26:
			st->startcode = v;
			break;
		case 27:
			st->endcode = v;
			break;
		case 38:
			st->exit_signal = (long)v;
			break;
		case 52:
			st->exit_code = (long)v;
			break;
		}
		if (*p == '\n')
			break;
	}
	return field == 52;
}

/* The value after "key:\t" in a status text, or NULL. */
static const char *status_field(const char *s, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = s; *p;) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, key, n) && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " \t");
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* Does directory path hold an entry named name? -errno if unreadable. */
static int dir_has(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

/* The entries of path other than "." and ".."; -errno if unreadable. */
static int dir_count(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* /proc's numeric entries come in ascending order; ours are among them. */
static void check_listing(int pid, int child, bool want_child)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long last = 0;
	bool sorted = true, self = false, kid = false;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end || e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		CHECK_EQ(e->d_type, DT_DIR);
		if (v <= last)
			sorted = false;
		last = v;
		self |= v == pid;
		kid |= v == child;
	}
	closedir(d);
	CHECK(sorted);
	CHECK(self);
	CHECK_EQ(kid, want_child);
}

/* readlink of /proc/PID/name into buf: its length or -errno. */
static long link_of(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	long n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	n = SYS3(SYS_readlink, path, buf, size - 1);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* What an unprivileged process may see of root's child. */
static int check_other_user(int child)
{
	char path[64], buf[256];
	struct pstat st;

	guest_failures = guest_checks = 0;
	if (SYS0(SYS_geteuid) != 0 ||
	    SYS3(SYS_setresgid, 65534, 65534, 65534) ||
	    SYS3(SYS_setresuid, 65534, 65534, 65534))
		return 0; /* not root: nothing to compare */
	/* stat and status are for anyone; addresses are not. */
	CHECK(read_stat(child, &st));
	CHECK_EQ(st.pid, child);
	CHECK_EQ(st.startcode, 1);
	CHECK_EQ(st.endcode, 1);
	CHECK(slurp_pid(child, "status", text2, sizeof(text2)) > 0);
	CHECK(slurp_pid(child, "cmdline", text2, sizeof(text2)) > 0);
	CHECK_ERR(slurp_pid(child, "environ", text2, sizeof(text2)), EACCES);
	CHECK_ERR(slurp_pid(child, "maps", text2, sizeof(text2)), EACCES);
	CHECK_ERR(link_of(child, "cwd", buf, sizeof(buf)), EACCES);
	CHECK_ERR(link_of(child, "exe", buf, sizeof(buf)), EACCES);
	snprintf(path, sizeof(path), "/proc/%d/fd", child);
	CHECK_ERR(SYS3(SYS_open, path, O_RDONLY | O_DIRECTORY, 0), EACCES);
	return guest_failures ? 1 : 0;
}

/* /proc/self/fd/N follows fds as they are opened and closed. */
static void check_fd_cache(void)
{
	struct stat st;

	CHECK_ERR(SYS2(SYS_stat, "/proc/self/fd/57", &st), ENOENT);
	CHECK_EQ(SYS2(SYS_dup2, 0, 57), 57);
	CHECK_OK(SYS2(SYS_stat, "/proc/self/fd/57", &st));
	CHECK_OK(SYS2(SYS_lstat, "/proc/self/fd/57", &st));
	CHECK_EQ(SYS1(SYS_close, 57), 0);
	CHECK_ERR(SYS2(SYS_lstat, "/proc/self/fd/57", &st), ENOENT);
}

int main(void)
{
	int pid = (int)SYS0(SYS_getpid), ready[2], cmd[2], child, helper, dfd;
	char name[16], buf[256], buf2[256], path[64];
	struct pstat st, self;
	siginfo_t si;
	int status;
	long n;

	check_fd_cache();
	CHECK_EQ(pipe(ready), 0);
	CHECK_EQ(pipe(cmd), 0);
	child = fork();
	if (child == 0) {
		char c;

		close(ready[0]);
		close(cmd[1]);
		prctl(PR_SET_NAME, "procs-child");
		/* Ready: the parent may look; then block until killed. */
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		while (read(cmd[0], &c, 1) != 0)
			;
		_exit(3);
	}
	CHECK(child > 0);
	if (child <= 0)
		return guest_done();
	close(ready[1]);
	CHECK_EQ(read(ready[0], buf, 1), 1);
	/* Blocked in read once it is sleeping; give it a moment to get there.
	 */
	for (int i = 0; i < 200 && read_stat(child, &st) && st.state != 'S';
	     i++)
		usleep(10000);

	/* stat: pid (comm) state ppid pgrp session ... */
	CHECK(read_stat(pid, &self));
	CHECK(read_stat(child, &st));
	CHECK_EQ(st.pid, child);
	CHECK(!strcmp(st.comm, "procs-child"));
	CHECK_EQ(st.state, 'S');
	CHECK_EQ(st.ppid, pid);
	CHECK_EQ(st.pgrp, getpgrp());
	CHECK_EQ(st.session, getsid(0));
	CHECK_EQ(st.num_threads, 1);
	CHECK_EQ(st.exit_signal, SIGCHLD);
	CHECK_EQ(st.exit_code, 0);
	CHECK(st.starttime >= self.starttime);
	CHECK(st.startcode > 1 && st.endcode > st.startcode);
	/* The caller itself is running. */
	CHECK_EQ(self.state, 'R');

	/* status */
	CHECK(slurp_pid(child, "status", text2, sizeof(text2)) > 0);
	CHECK(status_field(text2, "Name") &&
	      !strncmp(status_field(text2, "Name"), "procs-child\n", 12));
	CHECK(status_field(text2, "State") &&
	      !strncmp(status_field(text2, "State"), "S (sleeping)", 12));
	CHECK(status_field(text2, "PPid") &&
	      atoi(status_field(text2, "PPid")) == pid);
	CHECK(status_field(text2, "Tgid") &&
	      atoi(status_field(text2, "Tgid")) == child);
	CHECK(status_field(text2, "Pid") &&
	      atoi(status_field(text2, "Pid")) == child);
	CHECK(status_field(text2, "NSsid") &&
	      atoi(status_field(text2, "NSsid")) == getsid(0));
	CHECK(status_field(text2, "Threads") &&
	      atoi(status_field(text2, "Threads")) == 1);
	CHECK(status_field(text2, "VmRSS") != NULL);

	/* comm; cmdline and environ are the parent's (the same image). */
	CHECK(slurp_pid(child, "comm", text2, sizeof(text2)) > 0);
	CHECK(!strcmp(text2, "procs-child\n"));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", child, child);
	CHECK(slurp(path, text2, sizeof(text2)) > 0);
	CHECK(!strcmp(text2, "procs-child\n"));
	n = slurp("/proc/self/cmdline", text, sizeof(text));
	CHECK(n > 0);
	memcpy(text2 + sizeof(text2) / 2, text, (size_t)n);
	CHECK_EQ(slurp_pid(child, "cmdline", text2, sizeof(text2) / 2), n);
	CHECK(!memcmp(text2, text2 + sizeof(text2) / 2, (size_t)n));
	n = slurp("/proc/self/environ", text, sizeof(text));
	CHECK(n >= 0);
	memcpy(text2 + sizeof(text2) / 2, text, (size_t)n);
	CHECK_EQ(slurp_pid(child, "environ", text2, sizeof(text2) / 2), n);
	CHECK(!memcmp(text2, text2 + sizeof(text2) / 2, (size_t)n));
	CHECK(slurp_pid(child, "maps", text2, sizeof(text2)) > 0);
	CHECK(strstr(text2, "[stack]") != NULL);
	CHECK(slurp_pid(child, "statm", text2, sizeof(text2)) > 0);
	CHECK(atol(text2) > 0);

	/* The links: the same cwd and executable as the parent's. */
	CHECK(link_of(child, "cwd", buf, sizeof(buf)) > 0);
	CHECK(link_of(pid, "cwd", buf2, sizeof(buf2)) > 0);
	CHECK(!strcmp(buf, buf2));
	CHECK(link_of(child, "exe", buf, sizeof(buf)) > 0);
	CHECK(link_of(pid, "exe", buf2, sizeof(buf2)) > 0);
	CHECK(!strcmp(buf, buf2));
	/* Followed, it opens the executable (if the sandbox has it: moat
	 * may run one from outside its filesystem). */
	if (SYS2(SYS_access, buf2, F_OK) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", child);
		n = slurp(path, text2, 5);
		CHECK_EQ(n, 4);
		CHECK(!memcmp(text2, "\177ELF", 4));
	}

	/* fd/: the pipe it reads, the same pipe as the parent's end. */
	snprintf(path, sizeof(path), "/proc/%d/fd", child);
	snprintf(name, sizeof(name), "%d", cmd[0]);
	CHECK_EQ(dir_has(path, name), 1);
	snprintf(name, sizeof(name), "%d", cmd[1]);
	CHECK_EQ(dir_has(path, name), 0); /* closed in the child */
	snprintf(name, sizeof(name), "fd/%d", cmd[0]);
	CHECK(link_of(child, name, buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "pipe:[", 6));
	snprintf(name, sizeof(name), "fd/%d", cmd[1]);
	CHECK(link_of(pid, name, buf2, sizeof(buf2)) > 0);
	CHECK(!strcmp(buf, buf2));
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", child, cmd[0]);
	CHECK(slurp(path, text2, sizeof(text2)) > 0);
	CHECK(!strncmp(text2, "pos:", 4));

	/* task/: one thread, the child itself. */
	snprintf(path, sizeof(path), "/proc/%d/task", child);
	snprintf(name, sizeof(name), "%d", child);
	CHECK_EQ(dir_count(path), 1);
	CHECK_EQ(dir_has(path, name), 1);

	/* /proc lists both processes. */
	check_listing(pid, child, true);

	/* Another user's view. */
	helper = fork();
	if (helper == 0)
		_exit(check_other_user(child));
	CHECK(helper > 0);
	CHECK_EQ(waitpid(helper, &status, 0), helper);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Stopped: T. */
	CHECK_EQ(kill(child, SIGSTOP), 0);
	CHECK_EQ(waitpid(child, &status, WUNTRACED), child);
	CHECK(WIFSTOPPED(status));
	CHECK(read_stat(child, &st));
	CHECK_EQ(st.state, 'T');
	CHECK_EQ(kill(child, SIGCONT), 0);

	/* Killed, not reaped: a zombie, without memory or fds. */
	CHECK_EQ(kill(child, SIGKILL), 0);
	CHECK_EQ(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
	CHECK(read_stat(child, &st));
	CHECK_EQ(st.state, 'Z');
	CHECK(!strcmp(st.comm, "procs-child"));
	CHECK_EQ(st.ppid, pid);
	CHECK_EQ(st.num_threads, 1);
	CHECK_EQ(st.startcode, 0);
	CHECK_EQ(st.exit_code, SIGKILL);
	CHECK(slurp_pid(child, "status", text2, sizeof(text2)) > 0);
	CHECK(status_field(text2, "State") &&
	      !strncmp(status_field(text2, "State"), "Z (zombie)", 10));
	CHECK(status_field(text2, "VmRSS") == NULL);
	CHECK_EQ(slurp_pid(child, "cmdline", text2, sizeof(text2)), 0);
	CHECK_EQ(slurp_pid(child, "maps", text2, sizeof(text2)), 0);
	/* fd/ is root's now: empty for root, closed to others. */
	snprintf(path, sizeof(path), "/proc/%d/fd", child);
	CHECK_EQ(dir_count(path), SYS0(SYS_geteuid) == 0 ? 0 : -EACCES);
	snprintf(path, sizeof(path), "/proc/%d/task", child);
	CHECK_EQ(dir_count(path), 1);
	CHECK_ERR(link_of(child, "cwd", buf, sizeof(buf)), ENOENT);
	CHECK_ERR(link_of(child, "exe", buf, sizeof(buf)), ENOENT);
	check_listing(pid, child, true);

	/* Reaped: gone, also through a directory held open. */
	snprintf(path, sizeof(path), "/proc/%d", child);
	dfd = (int)SYS3(SYS_open, path, O_RDONLY | O_DIRECTORY, 0);
	CHECK(dfd >= 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_ERR(slurp_pid(child, "stat", text2, sizeof(text2)), ENOENT);
	snprintf(path, sizeof(path), "/proc/%d", child);
	CHECK_ERR(SYS3(SYS_open, path, O_RDONLY | O_DIRECTORY, 0), ENOENT);
	CHECK_ERR(SYS4(SYS_openat, dfd, "limits", O_RDONLY, 0), ESRCH);
	CHECK_ERR(SYS3(SYS_getdents64, dfd, text2, sizeof(text2)), ENOENT);
	SYS1(SYS_close, dfd);
	check_listing(pid, child, false);
	return guest_done();
}
