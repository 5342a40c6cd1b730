// SPDX-License-Identifier: Apache-2.0
/*
 * moat run -t: this process keeps the host's terminal and relays it; a
 * child becomes the sentry, whose console pair's master it feeds
 * (sentry/fs/console.c). Keeping the terminal out of the sentry means the
 * sentry's seccomp filter needs nothing new (it reads and writes one
 * socket), and the terminal's settings are put back even when the sentry
 * dies of a signal.
 *
 * To the sentry: 'd' and typed bytes, 'w' and a struct winsize (at the
 * start and on SIGWINCH). From it: output bytes. EOF on the terminal shuts
 * the socket's sending side, which hangs the sandbox's terminal up.
 */
#include "tools/console.h"

#include "sentry/sentry.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MSG_MAX 4096

static volatile sig_atomic_t winch, fatal;

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void on_fatal(int sig)
{
	fatal = sig;
}

static int send_msg(int sock, char type, const void *data, size_t len)
{
	char buf[1 + MSG_MAX];
	ssize_t w;

	buf[0] = type;
	memcpy(buf + 1, data, len);
	do
		w = send(sock, buf, len + 1, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -1 : 0;
}

static void send_winsize(int sock, int term)
{
	struct winsize ws;

	if (ioctl(term, TIOCGWINSZ, &ws) == 0)
		send_msg(sock, 'w', &ws, sizeof(ws));
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			poll(&p, 1, -1);
			continue;
		}
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Relay between the sentry's console socket and the terminal (read from
 * in, written to out) until the sentry closes its end; signals for us go
 * to pid (0: none).
 */
static void relay(int sock, int in, int out, pid_t pid)
{
	bool in_open = true;
	char buf[MSG_MAX];

	send_winsize(sock, in);
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
				      {.fd = in, .events = POLLIN}};
		ssize_t n;

		if (winch) {
			winch = 0;
			send_winsize(sock, in);
		}
		if (fatal && pid) {
			kill(pid, fatal);
			fatal = 0;
		}
		if (poll(p, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			n = read(sock, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || write_all(out, buf, (size_t)n))
				break;
		}
		if (in_open && p[1].revents) {
			n = read(in, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* The terminal is gone: a hang-up inside. */
				in_open = false;
				shutdown(sock, SHUT_WR);
				continue;
			}
			if (send_msg(sock, 'd', buf, (size_t)n) < 0)
				break;
		}
	}
}

int console_run(struct sentry_config *cfg)
{
	static const int fatals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};
	struct sigaction sa = {.sa_handler = on_winch}; /* no SA_RESTART */
	struct termios saved, raw;
	int sv[2], status = 0;
	pid_t pid;

	if (tcgetattr(STDIN_FILENO, &saved) < 0) {
		fprintf(stderr, "moat run: -t needs a terminal on stdin\n");
		return 125;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("moat run: socketpair");
		return 125;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("moat run: fork");
		return 125;
	}
	if (pid == 0) {
		close(sv[0]);
		cfg->console = true;
		cfg->console_sock = sv[1];
		fflush(NULL);
		_exit(sentry_main(cfg));
	}
	close(sv[1]);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_fatal;
	for (size_t i = 0; i < sizeof(fatals) / sizeof(fatals[0]); i++)
		sigaction(fatals[i], &sa, NULL);
	raw = saved;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
	relay(sv[0], STDIN_FILENO, STDOUT_FILENO, pid);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int console_oci_pty(const char *socket_path, const struct winsize *ws,
		    char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char name[] = "/dev/ptmx";
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf.space,
			    .msg_controllen = sizeof(cbuf.space)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct termios t;
	int master, slave = -1, sock = -1;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC)) <
		0) {
		snprintf(err, errlen, "cannot allocate a pty: %s",
			 strerror(errno));
		goto fail;
	}
	/* The sandbox's own terminal does the line discipline: raw here. */
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(slave, TCSANOW, &t);
	}
	if (ws && (ws->ws_row || ws->ws_col))
		ioctl(master, TIOCSWINSZ, ws);
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--console-socket %s: path too long",
			 socket_path);
		goto fail;
	}
	strcpy(addr.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 ||
	    connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		snprintf(err, errlen, "--console-socket %s: %s", socket_path,
			 strerror(errno));
		goto fail;
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		snprintf(err, errlen, "--console-socket %s: %s", socket_path,
			 strerror(errno));
		goto fail;
	}
	close(sock);
	close(master);
	return slave;
fail:
	if (sock >= 0)
		close(sock);
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	return -1;
}

pid_t console_oci_relay(int sock, int slave)
{
	struct sigaction sa = {.sa_handler = on_winch}; /* no SA_RESTART */
	sigset_t set;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Only the socket and the terminal: the rest is the sentry's. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != sock && fd != slave)
			close(fd);
	/* The terminal's session: SIGWINCH when the engine resizes it. */
	setsid();
	ioctl(slave, TIOCSCTTY, 0);
	sigaction(SIGWINCH, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_UNBLOCK, &set, NULL); /* moat exec blocks it */
	relay(sock, slave, slave, 0);
	_exit(0);
}
