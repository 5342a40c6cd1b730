// SPDX-License-Identifier: Apache-2.0
/*
 * The control channel's server (control.h): one sentry thread receives
 * requests on the datagram socket moat bound for it and answers each on
 * the reply socket that came with it. Requests come from whoever can
 * reach the socket file (moat keeps its directory 0700), and are checked
 * as hostile all the same.
 */
#include "sentry/kernel/control.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
	struct kernel *k;
	int sock;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go; /* init may run */
} ctl = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void let_init_run(void)
{
	pthread_mutex_lock(&ctl.lock);
	ctl.go = true;
	pthread_cond_broadcast(&ctl.cond);
	pthread_mutex_unlock(&ctl.lock);
}

static bool init_may_run(void)
{
	bool go;

	pthread_mutex_lock(&ctl.lock);
	go = ctl.go;
	pthread_mutex_unlock(&ctl.lock);
	return go;
}

void control_wait_start(void)
{
	pthread_mutex_lock(&ctl.lock);
	while (!ctl.go)
		pthread_cond_wait(&ctl.cond, &ctl.lock);
	pthread_mutex_unlock(&ctl.lock);
}

/* Does sig's default action end a process (not ignore, stop or continue)? */
static bool sig_default_fatal(int sig)
{
	switch (sig) {
	case ABI_SIGCHLD:
	case ABI_SIGCONT:
	case ABI_SIGURG:
	case ABI_SIGWINCH:
	case ABI_SIGSTOP:
	case ABI_SIGTSTP:
	case ABI_SIGTTIN:
	case ABI_SIGTTOU:
		return false;
	default:
		return true;
	}
}

/* The live processes' pids, at most max; their count. */
static uint32_t collect_pids(struct kernel *k, int32_t *pids, uint32_t max)
{
	uint32_t n = 0;

	pthread_mutex_lock(&k->lock);
	for (struct thread_group *tg = k->tgs; tg && n < max; tg = tg->next)
		if (tg->state == TG_ALIVE)
			pids[n++] = tg->tgid;
	pthread_mutex_unlock(&k->lock);
	return n;
}

static void reply(int fd, const struct ctl_request *req, int err,
		  const char *msg, const int32_t *pids, uint32_t npids)
{
	static char
	    buf[sizeof(struct ctl_reply) + CTL_PIDS_MAX * sizeof(int32_t)];
	struct ctl_reply *r = (struct ctl_reply *)buf;
	struct iovec iov = {.iov_base = buf,
			    .iov_len = sizeof(*r) + npids * sizeof(int32_t)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	memset(r, 0, sizeof(*r));
	r->magic = CTL_MAGIC;
	r->version = CTL_VERSION;
	r->op = req ? req->op : 0;
	r->err = err;
	r->status = init_may_run() ? CTL_RUNNING : CTL_CREATED;
	r->npids = npids;
	if (msg)
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	if (npids)
		memcpy(buf + sizeof(*r), pids, npids * sizeof(int32_t));
	/* Never wait on a client that does not read its answer. */
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control: cannot answer: %s", strerror(errno));
}

static void do_kill(const struct ctl_request *req, int fd)
{
	static int32_t pids[CTL_PIDS_MAX];
	int sig = req->signo;

	if (sig < 1 || sig > ABI_NSIG || (req->flags & ~CTL_KILL_ALL)) {
		reply(fd, req, -EINVAL, "invalid signal or flags", NULL, 0);
		return;
	}
	if (req->flags & CTL_KILL_ALL) {
		uint32_t n = collect_pids(ctl.k, pids, CTL_PIDS_MAX);

		for (uint32_t i = 0; i < n; i++)
			signal_pid(ctl.k, pids[i], sig);
	} else {
		signal_pid(ctl.k, 1, sig);
	}
	/*
	 * Before start, init has run no code: a signal that would end it
	 * lets it go, to die at its first check for signals, as a process
	 * that took the signal before its first instruction.
	 */
	if (!init_may_run() && sig_default_fatal(sig))
		let_init_run();
	reply(fd, req, 0, NULL, NULL, 0);
}

static void handle(const struct ctl_request *req, size_t len, int *fds,
		   int nfds)
{
	static int32_t pids[CTL_PIDS_MAX];
	struct stat st;
	int fd;

	if (nfds < 1)
		return; /* nowhere to answer */
	fd = fds[0];
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	if (len < sizeof(*req) || req->magic != CTL_MAGIC ||
	    req->version != CTL_VERSION || req->len != len - sizeof(*req) ||
	    req->nfds != (uint32_t)nfds) {
		reply(fd, NULL, -EINVAL, "malformed request", NULL, 0);
		return;
	}
	if (nfds != 1 || req->len != 0) {
		reply(fd, req, -EINVAL, "unexpected payload or fds", NULL, 0);
		return;
	}
	switch (req->op) {
	case CTL_STATE:
		if (req->signo || req->flags) {
			reply(fd, req, -EINVAL, "unexpected arguments", NULL,
			      0);
			return;
		}
		reply(fd, req, 0, NULL, pids,
		      collect_pids(ctl.k, pids, CTL_PIDS_MAX));
		return;
	case CTL_START:
		if (req->signo || req->flags) {
			reply(fd, req, -EINVAL, "unexpected arguments", NULL,
			      0);
			return;
		}
		if (init_may_run()) {
			reply(fd, req, -EBUSY,
			      "cannot start an already running container", NULL,
			      0);
			return;
		}
		let_init_run();
		reply(fd, req, 0, NULL, NULL, 0);
		return;
	case CTL_KILL:
		do_kill(req, fd);
		return;
	default:
		reply(fd, req, -EOPNOTSUPP, "unknown request", NULL, 0);
	}
}

static void *control_thread(void *arg)
{
	static uint64_t buf[(sizeof(struct ctl_request) + CTL_PAYLOAD_MAX) /
			    sizeof(uint64_t)];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(CTL_FDS_MAX * sizeof(int))];
	} cbuf;

	(void)arg;
	for (;;) {
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf.space,
				    .msg_controllen = sizeof(cbuf.space)};
		int fds[CTL_FDS_MAX];
		int nfds = 0;
		ssize_t n;

		n = recvmsg(ctl.sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_warn("control: the channel failed: %s",
				 strerror(errno));
			return NULL;
		}
		/* Every fd that came is taken, to be closed below. */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
		     c = CMSG_NXTHDR(&mh, c)) {
			size_t k;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS ||
			    c->cmsg_len < CMSG_LEN(0))
				continue;
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(int));
				if (nfds < CTL_FDS_MAX)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
		if (!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
			handle((const struct ctl_request *)buf, (size_t)n, fds,
			       nfds);
		else if (nfds)
			reply(fds[0], NULL, -EINVAL, "request too long", NULL,
			      0);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	}
}

int control_serve(struct kernel *k, int sock)
{
	pthread_attr_t attr;
	int err;

	ctl.k = k;
	ctl.sock = sock;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	err = pthread_create(&ctl.thread, &attr, control_thread, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	pthread_detach(ctl.thread);
	return 0;
}
