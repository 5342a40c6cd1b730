// SPDX-License-Identifier: Apache-2.0
/*
 * config.json's hooks, run on the host as runc runs them: each hook's
 * path with its args and env (nothing inherited), the container's state
 * JSON on its stdin, its stdout and stderr kept for the error, killed at
 * its timeout; the hooks of one kind in order, the first failure ending
 * the run. startContainer hooks run inside the sandbox instead (oci.c),
 * where runc runs them: in the container, before its process.
 */
#include "tools/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)
#define SAY(...)  snprintf(err, errlen, __VA_ARGS__)

static const char *const kinds[] = {"prestart",	       "createRuntime",
				    "createContainer", "startContainer",
				    "poststart",       "poststop"};

static int check_strings(json_t *a, const char *kind, size_t i,
			 const char *what, char *err, size_t errlen)
{
	size_t k;
	json_t *v;

	if (a && !json_is_array(a))
		return FAIL("hooks.%s[%zu].%s: must be an array of strings",
			    kind, i, what);
	json_array_foreach(a, k, v)
	{
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return FAIL("hooks.%s[%zu].%s[%zu]: must be a string "
				    "without NUL",
				    kind, i, what, k);
	}
	return 0;
}

int oci_hooks_check(json_t *hooks, char *err, size_t errlen)
{
	const char *kind;
	json_t *list;

	if (!json_is_object(hooks))
		return FAIL("hooks: must be an object");
	json_object_foreach(hooks, kind, list)
	{
		size_t i, n = sizeof(kinds) / sizeof(kinds[0]), k;
		json_t *h, *v;

		for (k = 0; k < n && strcmp(kind, kinds[k]); k++)
			;
		if (k == n)
			return FAIL("hooks.%s: not a kind of hook", kind);
		if (!json_is_array(list))
			return FAIL("hooks.%s: must be an array", kind);
		json_array_foreach(list, i, h)
		{
			if (!json_is_object(h))
				return FAIL("hooks.%s[%zu]: must be an object",
					    kind, i);
			v = json_object_get(h, "path");
			if (!json_is_string(v) ||
			    json_string_value(v)[0] != '/' ||
			    strlen(json_string_value(v)) !=
				json_string_length(v))
				return FAIL("hooks.%s[%zu].path: must be an "
					    "absolute path",
					    kind, i);
			if (check_strings(json_object_get(h, "args"), kind, i,
					  "args", err, errlen) ||
			    check_strings(json_object_get(h, "env"), kind, i,
					  "env", err, errlen))
				return -1;
			v = json_object_get(h, "timeout");
			if (v && (!json_is_integer(v) ||
				  json_integer_value(v) <= 0 ||
				  json_integer_value(v) > 86400))
				return FAIL("hooks.%s[%zu].timeout: must be a "
					    "positive number of seconds",
					    kind, i);
		}
	}
	return 0;
}

/* A NULL-terminated copy of a JSON array of strings (pointers into it). */
static char **strings(json_t *a, const char *first)
{
	size_t i, n = json_array_size(a);
	char **v = calloc(n + 2, sizeof(char *));
	json_t *s;

	if (!v)
		return NULL;
	if (!n && first)
		v[0] = (char *)first;
	json_array_foreach(a, i, s) v[i] = (char *)json_string_value(s);
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Keep what a hook writes, up to a point, for the error. */
static void take(int fd, char *buf, size_t *len, size_t max, bool *open_)
{
	char junk[512];
	ssize_t n;

	if (*len < max - 1)
		n = read(fd, buf + *len, max - 1 - *len);
	else
		n = read(fd, junk, sizeof(junk));
	if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
		*open_ = false;
		return;
	}
	if (n > 0 && *len < max - 1)
		*len += (size_t)n;
	buf[*len] = '\0';
}

/* Run one hook: 0, or -1 with err saying why. */
static int run_one(json_t *h, size_t idx, const char *state, char *err,
		   size_t errlen)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	json_t *t = json_object_get(h, "timeout");
	long long deadline = t ? now_ms() + json_integer_value(t) * 1000 : 0;
	char **argv = strings(json_object_get(h, "args"), path);
	char **envp = strings(json_object_get(h, "env"), NULL);
	char out[1024] = "", errs[1024] = "";
	size_t outlen = 0, errlen_ = 0;
	int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
	bool oopen = true, eopen = true, timed_out = false;
	int status = 0, pidfd = -1, ret = -1;
	pid_t pid;

	if (!argv || !envp || pipe2(in, O_CLOEXEC) || pipe2(o, O_CLOEXEC) ||
	    pipe2(e, O_CLOEXEC)) {
		SAY("error running hook #%zu: %s", idx, strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv, envp);
		dprintf(2, "exec %s: %s", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	in[0] = o[1] = e[1] = -1;
	if (pid < 0) {
		SAY("error running hook #%zu: fork: %s", idx, strerror(errno));
		goto out;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* The state: a hook that does not read it gets EPIPE, not us. */
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		size_t len = strlen(state);

		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (write(in[1], state, len) < 0 && errno != EPIPE)
			(void)0;
		signal(SIGPIPE, old);
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		struct pollfd p[3] = {
		    {.fd = oopen ? o[0] : -1, .events = POLLIN},
		    {.fd = eopen ? e[0] : -1, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN}};
		int left = -1, r;

		if (deadline) {
			long long ms = deadline - now_ms();

			left = ms > 0 ? (int)ms : 0;
		}
		r = poll(p, 3, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && deadline) {
			kill(pid, SIGKILL);
			timed_out = true;
			break;
		}
		if (p[0].revents)
			take(o[0], out, &outlen, sizeof(out), &oopen);
		if (p[1].revents)
			take(e[0], errs, &errlen_, sizeof(errs), &eopen);
		if ((pidfd < 0 || p[2].revents) && !oopen && !eopen)
			break;
		if (pidfd >= 0 && p[2].revents && (oopen || eopen)) {
			/* Ended; what it wrote is in the pipes (or a child
			 * of its holds them: not waited for). */
			while (oopen && poll(&p[0], 1, 0) > 0)
				take(o[0], out, &outlen, sizeof(out), &oopen);
			while (eopen && poll(&p[1], 1, 0) > 0)
				take(e[0], errs, &errlen_, sizeof(errs),
				     &eopen);
			break;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		SAY("error running hook #%zu: timeout after %lld seconds", idx,
		    json_integer_value(t));
	else if (WIFSIGNALED(status))
		SAY("error running hook #%zu: signal: %s, stdout: %s, "
		    "stderr: %s",
		    idx, strsignal(WTERMSIG(status)), out, errs);
	else if (WEXITSTATUS(status))
		SAY("error running hook #%zu: exit status %d, stdout: %s, "
		    "stderr: %s",
		    idx, WEXITSTATUS(status), out, errs);
	else
		ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
		if (e[i] >= 0)
			close(e[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	free(argv);
	free(envp);
	return ret;
}

int oci_hooks_run(json_t *hooks, const char *kind, json_t *state, char *err,
		  size_t errlen)
{
	json_t *list = json_object_get(hooks, kind), *h;
	char *s;
	size_t i;
	int ret = 0;

	if (!json_array_size(list))
		return 0;
	s = json_dumps(state, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		return FAIL("error running hooks: out of memory");
	json_array_foreach(list, i, h)
	{
		ret = run_one(h, i, s, err, errlen);
		if (ret)
			break;
	}
	free(s);
	return ret;
}
