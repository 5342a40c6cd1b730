// SPDX-License-Identifier: Apache-2.0
/*
 * The sentry's host-side parent (kernel/monitor.h). It takes its signals
 * synchronously (sigwaitinfo, all blocked), so nothing runs in a handler.
 */
#include "sentry/kernel/monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* End this process as status says (a signal without a core file). */
static __attribute__((noreturn)) void mirror(int status)
{
	struct rlimit none = {0, 0};
	sigset_t one;
	int sig;

	if (!WIFSIGNALED(status))
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	kill(getpid(), sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	_exit(128 + sig);
}

/* Reap children; true once sentry is among them, its status in *status. */
static bool reap(pid_t sentry, int *status)
{
	bool gone = false;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0 ||
	       (pid < 0 && errno == EINTR))
		if (pid == sentry) {
			*status = st;
			gone = true;
		}
	return gone;
}

void monitor_run(pid_t sentry, monitor_done_fn done, void *arg)
{
	int status = 0, killed_by = 0;
	sigset_t all;

	prctl(PR_SET_NAME, "moat-monitor");
	/* The sandbox's fds (gofer, control channel, moat create's pipe,
	 * stdio) are the sentry's alone: EOFs must come when it ends. */
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	syscall(SYS_close_range, 3, ~0U, 0);
	sigfillset(&all);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		switch (sig) {
		case SIGCHLD:
			if (reap(sentry, &status))
				goto gone;
			break;
		case SIGTSTP:
		case SIGTTIN:
		case SIGTTOU:
			kill(sentry, SIGSTOP);
			kill(getpid(), SIGSTOP);
			break;
		case SIGCONT:
			kill(sentry, SIGCONT);
			break;
		case SIGWINCH:
		case SIGURG:
		case SIGPIPE: /* the sentry ignores these two */
		case SIGXFSZ:
			break;
		default:
			/* It would have ended the sentry: end the sandbox. */
			killed_by = sig;
			kill(sentry, SIGKILL);
			while (waitpid(sentry, &status, 0) < 0 &&
			       errno == EINTR)
				;
			goto gone;
		}
	}
gone:
	if (done)
		done(status, arg);
	/* A wait status of "killed by N" is N itself. */
	mirror(killed_by ? killed_by : status);
}
