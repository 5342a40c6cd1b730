// SPDX-License-Identifier: Apache-2.0
/*
 * The control channel's server (control.h): one sentry thread receives
 * requests on the datagram socket moat bound for it and answers each on
 * the reply socket that came with it. Requests come from whoever can
 * reach the socket file (moat keeps its directory 0700), and are checked
 * as hostile all the same.
 */
#include "sentry/kernel/control.h"

#include "sentry/fs/tty.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/state/memimage.h"
#include "sentry/state/snapshot.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <fcntl.h> /* O_ flags only: no fcntl in the filter */
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
	/* What init lends CTL_EXEC's processes. */
	struct creds creds;
	bool no_new_privs;
	struct app_seccomp_filter *seccomp; /* linux.seccomp's, a reference */
	uint32_t umask;
	const char *config; /* CTL_CHECKPOINT's; NULL: not served */
	bool checkpointed;  /* a checkpoint ended the sandbox */
	bool answered;	    /* ... and its client has the answer (lock) */
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
	r->status = !init_may_run() ? CTL_CREATED
		    : __atomic_load_n(&ctl.k->frozen, __ATOMIC_SEQ_CST)
			? CTL_PAUSED
			: CTL_RUNNING;
	r->npids = npids;
	if (msg)
		snprintf(r->msg, sizeof(r->msg), "%s", msg);
	if (npids)
		memcpy(buf + sizeof(*r), pids, npids * sizeof(int32_t));
	/* Never wait on a client that does not read its answer. */
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control: cannot answer: %s", strerror(errno));
}

static void do_stats(const struct ctl_request *req, int fd)
{
	union {
		struct ctl_stats st;
		int32_t words[CTL_STATS_WORDS];
	} u = {{0}};
	struct timespec cpu;
	struct stat mst;

	kernel_usage(ctl.k, &cpu, &u.st.threads, &u.st.procs);
	u.st.cpu_ns = (uint64_t)cpu.tv_sec * 1000000000ULL + cpu.tv_nsec;
	/* The memory file is sparse: what it holds is what is in use. */
	if (fstat(ctl.k->mf.fd, &mst) == 0)
		u.st.memory = (uint64_t)mst.st_blocks * 512;
	reply(fd, req, 0, NULL, u.words, CTL_STATS_WORDS);
}

static void do_kill(const struct ctl_request *req, const void *payload, int fd)
{
	static int32_t pids[CTL_PIDS_MAX];
	int sig = req->signo;
	int32_t pid = 0;

	if (sig < 1 || sig > ABI_NSIG ||
	    (req->flags & ~(CTL_KILL_ALL | CTL_KILL_PID)) ||
	    req->flags == (CTL_KILL_ALL | CTL_KILL_PID)) {
		reply(fd, req, -EINVAL, "invalid signal or flags", NULL, 0);
		return;
	}
	if (req->len != (req->flags & CTL_KILL_PID ? sizeof(pid) : 0)) {
		reply(fd, req, -EINVAL, "unexpected payload", NULL, 0);
		return;
	}
	if (req->flags & CTL_KILL_PID) {
		memcpy(&pid, payload, sizeof(pid));
		if (pid < 1) {
			reply(fd, req, -EINVAL, "invalid pid", NULL, 0);
			return;
		}
		signal_pid(ctl.k, pid, sig);
		reply(fd, req, 0, NULL, NULL, 0);
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

/* ---- exec --------------------------------------------------------------- */

/* One CTL_EXEC: its request checked and copied, for its own thread. */
struct exec_job {
	struct ctl_request req;
	int reply;    /* the client's socket: the pid, then the status */
	int stdio[3]; /* host fds, for fds 0-2 */
	int extra[CTL_EXEC_FDS_MAX]; /* and for fds 3... */
	struct ctl_exec e;
	uint32_t groups[CTL_EXEC_GROUPS_MAX];
	uint32_t extra_flags[CTL_EXEC_FDS_MAX];
	struct ctl_rlimit rlimits[CTL_EXEC_RLIMITS_MAX];
	struct console *con; /* its terminal, or NULL */
	char **argv, **envp; /* into strings */
	char *cwd;
	char *exe; /* "": argv[0], on PATH */
	char *strings;
	char path[ABI_PATH_MAX];
};

static void exec_job_free(struct exec_job *j)
{
	if (j->reply >= 0)
		close(j->reply);
	for (int i = 0; i < 3; i++)
		if (j->stdio[i] >= 0)
			close(j->stdio[i]);
	for (int i = 0; i < CTL_EXEC_FDS_MAX; i++)
		if (j->extra[i] >= 0)
			close(j->extra[i]);
	free(j->argv);
	free(j->strings);
	free(j);
}

/*
 * Check CTL_EXEC's payload and copy it into j: NULL, or what is wrong.
 * Every count is checked against the bytes that came before it is used.
 */
static const char *exec_parse(struct exec_job *j, const uint8_t *p, size_t len)
{
	size_t off = sizeof(j->e), nstr, left;
	char *s;

	if (len < sizeof(j->e))
		return "exec: short payload";
	memcpy(&j->e, p, sizeof(j->e));
	if ((j->e.flags & ~(uint32_t)(CTL_EXEC_CAPS | CTL_EXEC_NO_NEW_PRIVS)) ||
	    j->e.reserved)
		return "exec: unknown flags";
	for (int i = 0; i < 5; i++)
		if ((j->e.caps[i] & ~ABI_CAP_FULL_SET) ||
		    (j->e.caps[i] && !(j->e.flags & CTL_EXEC_CAPS)))
			return "exec: unknown capabilities";
	for (int i = 0; i < 3; i++)
		if (j->e.fd_flags[i] &
		    ~(uint32_t)(O_ACCMODE | O_APPEND | O_NONBLOCK))
			return "exec: unknown fd flags";
	if (j->e.ngroups > CTL_EXEC_GROUPS_MAX)
		return "exec: too many groups";
	if (j->e.nfds > CTL_EXEC_FDS_MAX)
		return "exec: too many fds";
	if (j->e.nrlimits > CTL_EXEC_RLIMITS_MAX)
		return "exec: too many rlimits";
	if (j->e.argc < 1)
		return "exec: no arguments";
	if (len - off < j->e.ngroups * sizeof(uint32_t) +
			    j->e.nfds * sizeof(uint32_t) +
			    j->e.nrlimits * sizeof(struct ctl_rlimit))
		return "exec: truncated groups, fds or rlimits";
	memcpy(j->groups, p + off, j->e.ngroups * sizeof(uint32_t));
	off += j->e.ngroups * sizeof(uint32_t);
	memcpy(j->extra_flags, p + off, j->e.nfds * sizeof(uint32_t));
	off += j->e.nfds * sizeof(uint32_t);
	for (uint32_t i = 0; i < j->e.nfds; i++)
		if (j->extra_flags[i] &
		    ~(uint32_t)(O_ACCMODE | O_APPEND | O_NONBLOCK))
			return "exec: unknown fd flags";
	memcpy(j->rlimits, p + off, j->e.nrlimits * sizeof(struct ctl_rlimit));
	off += j->e.nrlimits * sizeof(struct ctl_rlimit);
	for (uint32_t i = 0; i < j->e.nrlimits; i++)
		if (j->rlimits[i].resource >= ABI_RLIM_NLIMITS ||
		    j->rlimits[i].reserved ||
		    j->rlimits[i].cur > j->rlimits[i].max)
			return "exec: a bad rlimit";
	left = len - off;
	/* Each string is one byte at least: counts beyond that lie. */
	nstr = (size_t)j->e.argc + j->e.envc + 2;
	if (j->e.argc > left || j->e.envc > left || nstr > left)
		return "exec: more strings than bytes";
	j->strings = malloc(left);
	j->argv = calloc(nstr + 1, sizeof(char *)); /* argv NULL envp NULL */
	if (!j->strings || !j->argv)
		return "exec: out of memory";
	memcpy(j->strings, p + off, left);
	s = j->strings;
	for (size_t i = 0, slot = 0; i < nstr; i++) {
		char *nul = memchr(s, '\0', left);
		size_t n;

		if (!nul)
			return "exec: a string without its NUL";
		n = (size_t)(nul - s) + 1;
		if (i == j->e.argc)
			slot++; /* argv's NULL */
		if (i == nstr - 2)
			j->cwd = s;
		else if (i == nstr - 1)
			j->exe = s;
		else
			j->argv[slot++] = s;
		s += n;
		left -= n;
	}
	if (left)
		return "exec: bytes after the strings";
	j->envp = j->argv + j->e.argc + 1;
	if (!j->argv[0][0])
		return "exec: an empty argv[0]";
	if (j->cwd[0] != '/')
		return "exec: the working directory must be absolute";
	if (j->exe[0] && j->exe[0] != '/')
		return "exec: the executable's path must be absolute";
	return NULL;
}

/* Host fd *hostfd (then f's: -1) as the new process's fd. */
static int exec_install(struct fdtable *fds, int *hostfd, uint32_t flags,
			int fd)
{
	struct file *f = hostfd_file_create(*hostfd, flags);
	int err;

	if (!f)
		return -ENOMEM;
	*hostfd = -1;
	err = fd_install_at(fds, f, fd, false, CTL_EXEC_FDS_MAX + 3);
	file_put(f);
	return err < 0 ? err : 0;
}

/*
 * The new process's fds: the host fds as its 0-2 (none with a terminal:
 * the console's), and the preserved ones as its 3... (--preserve-fds).
 */
static struct fdtable *exec_fds(struct exec_job *j, bool tty)
{
	struct fdtable *fds = fdtable_create();

	for (int i = 0; fds && !tty && i < 3; i++)
		if (exec_install(fds, &j->stdio[i], j->e.fd_flags[i], i))
			goto fail;
	for (uint32_t i = 0; fds && i < j->e.nfds; i++)
		if (exec_install(fds, &j->extra[i], j->extra_flags[i],
				 3 + (int)i))
			goto fail;
	return fds;
fail:
	fdtable_put(fds);
	return NULL;
}

/*
 * The executable: name itself when it has a '/', else the first regular
 * file on the env's PATH (or the default one) that creds may execute, as
 * runc finds it. 0, or -errno (-ENOENT: not found).
 */
static int exec_find(struct vfs_lookup_ctx *ctx, const struct vfs_path *cwd,
		     const char *name, char *const envp[], char *out,
		     size_t outlen)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			   "/usr/bin:/sbin:/bin";
	int err = -ENOENT;

	if (strchr(name, '/')) {
		if (strlen(name) >= outlen)
			return -ENAMETOOLONG;
		strcpy(out, name);
		return 0;
	}
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	while (path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		struct vfs_path p;
		struct vfs_attr a;

		if ((size_t)snprintf(out, outlen, "%.*s%s%s", (int)n, path,
				     n ? "/" : "", name) < outlen &&
		    vfs_lookup(ctx, cwd, out, LOOKUP_FOLLOW, &p) == 0) {
			bool ok = vfs_getattr(&p, &a) == 0 &&
				  ABI_S_ISREG(a.mode) &&
				  vfs_permission(p.dentry->inode, ABI_X_OK,
						 ctx->creds) == 0;

			vfs_path_put(&p);
			if (ok)
				return 0;
			err = -EACCES;
		}
		path = end ? end + 1 : NULL;
	}
	return err;
}

/* Answer j's client with one value (the pid, or the status). */
static void exec_reply(struct exec_job *j, int err, const char *msg,
		       int32_t value)
{
	reply(j->reply, &j->req, err, msg, err ? NULL : &value, err ? 0 : 1);
}

/*
 * Before it runs: the rlimits the request lists, and its terminal (the
 * exec'd process's group, a session leader, takes it).
 */
static int exec_prepare(struct task *t, void *arg)
{
	struct exec_job *j = arg;

	pthread_mutex_lock(&t->tg->lock);
	for (uint32_t i = 0; i < j->e.nrlimits; i++) {
		t->tg->rlim[j->rlimits[i].resource].rlim_cur =
		    j->rlimits[i].cur;
		t->tg->rlim[j->rlimits[i].resource].rlim_max =
		    j->rlimits[i].max;
	}
	pthread_mutex_unlock(&t->tg->lock);
	if (j->con)
		tty_console_set_ctty(j->con, t);
	return 0;
}

static void *exec_thread(void *arg)
{
	struct exec_job *j = arg;
	struct kernel *k = ctl.k;
	struct thread_group *tg;
	struct vfs_lookup_ctx ctx = {.ns = &k->ns};
	struct vfs_path root, cwd;
	struct task *t = calloc(1, sizeof(*t));
	char msg[sizeof(((struct ctl_reply *)0)->msg)];
	bool tty = j->req.flags & CTL_EXEC_TTY;
	struct console *con = NULL;
	const char *why;
	int err, status;

	if (!t) {
		exec_reply(j, -ENOMEM, "exec: out of memory", 0);
		goto out;
	}
	t->creds = ctl.creds;
	t->creds.groups = NULL;
	t->creds.ngroups = 0;
	t->creds.ruid = t->creds.euid = t->creds.suid = t->creds.fsuid =
	    j->e.uid;
	t->creds.rgid = t->creds.egid = t->creds.sgid = t->creds.fsgid =
	    j->e.gid;
	if (j->e.ngroups) {
		t->creds.groups = malloc(j->e.ngroups * sizeof(uint32_t));
		if (t->creds.groups) {
			memcpy(t->creds.groups, j->groups,
			       j->e.ngroups * sizeof(uint32_t));
			t->creds.ngroups = (int)j->e.ngroups;
		}
	}
	if (j->e.flags & CTL_EXEC_CAPS) {
		t->creds.cap_bounding = j->e.caps[0];
		t->creds.cap_effective = j->e.caps[1];
		t->creds.cap_permitted = j->e.caps[2];
		t->creds.cap_inheritable = j->e.caps[3];
		/* As runc raises them (and Linux keeps them). */
		t->creds.cap_ambient =
		    j->e.caps[4] & j->e.caps[2] & j->e.caps[3];
	}
	/* no_new_privs cannot be less than init's. */
	t->no_new_privs =
	    ctl.no_new_privs || (j->e.flags & CTL_EXEC_NO_NEW_PRIVS);
	app_seccomp_set(t, ctl.seccomp);
	t->k = k;
	t->files = exec_fds(j, tty);
	vfs_ns_root(&k->ns, &root);
	ctx.root = root;
	ctx.creds = &t->creds;
	err = vfs_lookup(&ctx, &root, j->cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			 &cwd);
	if (err) {
		snprintf(msg, sizeof(msg), "exec: chdir to cwd (\"%s\"): %s",
			 j->cwd, strerror(-err));
		goto fail;
	}
	t->fs = fs_struct_create(&root, &cwd);
	vfs_path_put(&cwd);
	err = exec_find(&ctx, &root, j->exe[0] ? j->exe : j->argv[0], j->envp,
			j->path, sizeof(j->path));
	if (err) {
		snprintf(msg, sizeof(msg),
			 err == -ENOENT ? "exec: \"%s\": executable file not "
					  "found in $PATH"
					: "exec: \"%s\": %s",
			 j->exe[0] ? j->exe : j->argv[0], strerror(-err));
		goto fail;
	}
	if ((j->e.ngroups && !t->creds.groups) || !t->files || !t->fs) {
		err = -ENOMEM;
		snprintf(msg, sizeof(msg), "exec: out of memory");
		goto fail;
	}
	if (tty) {
		con = tty_console_open(k, j->stdio[0]);
		if (IS_ERR(con)) {
			err = (int)PTR_ERR(con);
			con = NULL;
			snprintf(msg, sizeof(msg), "exec: no terminal: %s",
				 strerror(-err));
			goto fail;
		}
		j->stdio[0] = -1; /* the console's */
		err = tty_console_attach_task(con, t);
		if (err) {
			snprintf(msg, sizeof(msg), "exec: no terminal: %s",
				 strerror(-err));
			goto fail;
		}
	}
	vfs_path_put(&root);
	j->con = con;
	err = kernel_spawn(k, t, j->path, j->argv, j->envp, ctl.umask,
			   exec_prepare, j, &tg, &why);
	if (err) {
		snprintf(msg, sizeof(msg), "exec: %s: %s%s%s", j->argv[0],
			 why ? why : "", why ? ": " : "", strerror(-err));
		if (err == -ESRCH)
			snprintf(msg, sizeof(msg), "container not running");
		exec_reply(j, err, msg, 0);
		goto out;
	}
	exec_reply(j, 0, NULL, tg->tgid);
	status = kernel_spawn_wait(k, tg);
	/* Its output reaches the terminal before its status does. */
	if (con)
		tty_console_close(con);
	con = NULL;
	exec_reply(j, 0, NULL, status);
	goto out;
fail:
	vfs_path_put(&root);
	fdtable_put(t->files);
	fs_struct_put(t->fs);
	creds_destroy(&t->creds);
	free(t);
	exec_reply(j, err, msg, 0);
out:
	if (con)
		tty_console_close(con);
	exec_job_free(j);
	return NULL;
}

/* CTL_EXEC: checked here, run by a thread of its own (loading takes a
 * while, and the thread waits for the process's end). */
static void do_exec(const struct ctl_request *req, const void *payload,
		    int *fds, int nfds)
{
	struct exec_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	const char *bad;
	int err, nstdio;

	if (!j) {
		reply(fds[0], req, -ENOMEM, "exec: out of memory", NULL, 0);
		return;
	}
	j->req = *req;
	j->reply = -1;
	for (int i = 0; i < 3; i++)
		j->stdio[i] = -1;
	for (int i = 0; i < CTL_EXEC_FDS_MAX; i++)
		j->extra[i] = -1;
	if (req->signo || (req->flags & ~CTL_EXEC_TTY)) {
		reply(fds[0], req, -EINVAL, "exec: unexpected arguments or fds",
		      NULL, 0);
		exec_job_free(j);
		return;
	}
	bad = exec_parse(j, payload, req->len);
	if (bad) {
		reply(fds[0], req, -EINVAL, bad, NULL, 0);
		exec_job_free(j);
		return;
	}
	nstdio = req->flags & CTL_EXEC_TTY ? 1 : 3;
	if ((uint32_t)(nfds - 1 - nstdio) != j->e.nfds) {
		reply(fds[0], req, -EINVAL, "exec: fds and nfds differ", NULL,
		      0);
		exec_job_free(j);
		return;
	}
	/* The job takes the fds (-1 left: the channel closes the rest). */
	j->reply = fds[0];
	fds[0] = -1;
	for (int i = 0; i < nstdio; i++) {
		j->stdio[i] = fds[1 + i];
		fds[1 + i] = -1;
	}
	for (uint32_t i = 0; i < j->e.nfds; i++) {
		j->extra[i] = fds[1 + nstdio + (int)i];
		fds[1 + nstdio + (int)i] = -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	{
		pthread_t th;

		err = pthread_create(&th, &attr, exec_thread, j);
	}
	pthread_attr_destroy(&attr);
	if (err) {
		reply(fds[0], req, -EAGAIN, "exec: cannot start a thread", NULL,
		      0);
		exec_job_free(j);
	}
}

void control_running(void)
{
	let_init_run();
}

void control_allow_checkpoint(const char *config)
{
	ctl.config = config;
}

/* Whether a checkpoint ended the sandbox. The tasks die before the client
 * hears that its image is whole, so the caller, about to exit, waits for
 * that answer: an exit first would leave the client with a closed socket. */
bool control_checkpointed(void)
{
	if (!__atomic_load_n(&ctl.checkpointed, __ATOMIC_SEQ_CST))
		return false;
	pthread_mutex_lock(&ctl.lock);
	while (!ctl.answered)
		pthread_cond_wait(&ctl.cond, &ctl.lock);
	pthread_mutex_unlock(&ctl.lock);
	return true;
}

/* CTL_CHECKPOINT: into the file fds[1]; the sandbox ends after, unless
 * the client asked it to keep running. */
static void do_checkpoint(const struct ctl_request *req, int *fds)
{
	static int32_t pids[CTL_PIDS_MAX];
	char why[SNAPSHOT_WHY_LEN];
	struct stat st;
	unsigned level = (req->flags & CTL_CHECKPOINT_LEVEL_MASK) >>
			 CTL_CHECKPOINT_LEVEL_SHIFT;
	int err;

	if (req->signo ||
	    (req->flags & ~(CTL_CHECKPOINT_LEAVE | CTL_CHECKPOINT_TCP_CLOSE |
			    CTL_CHECKPOINT_LEVEL_MASK))) {
		reply(fds[0], req, -EINVAL, "unexpected arguments", NULL, 0);
		return;
	}
	static_assert(CTL_CHECKPOINT_LEVEL_MAX <= MEMIMAGE_LEVEL_MAX,
		      "every level the channel takes, memimage does");
	if (level > CTL_CHECKPOINT_LEVEL_MAX) {
		snprintf(why, sizeof(why),
			 "compression level %u is not 1 to %d", level,
			 CTL_CHECKPOINT_LEVEL_MAX);
		reply(fds[0], req, -EINVAL, why, NULL, 0);
		return;
	}
	if (!ctl.config) {
		reply(fds[0], req, -EOPNOTSUPP,
		      "this sandbox cannot be checkpointed", NULL, 0);
		return;
	}
	if (fstat(fds[1], &st) < 0 || !S_ISREG(st.st_mode)) {
		reply(fds[0], req, -EINVAL, "the image is not a regular file",
		      NULL, 0);
		return;
	}
	if (!init_may_run() ||
	    __atomic_load_n(&ctl.k->frozen, __ATOMIC_SEQ_CST)) {
		reply(fds[0], req, -EBUSY,
		      "the sandbox is not running (created or paused)", NULL,
		      0);
		return;
	}
	err = snapshot_save(
	    ctl.k, fds[1], ctl.config,
	    (req->flags & CTL_CHECKPOINT_LEAVE ? SNAPSHOT_LEAVE_RUNNING : 0) |
		(req->flags & CTL_CHECKPOINT_TCP_CLOSE ? SNAPSHOT_TCP_CLOSE
						       : 0) |
		level << SNAPSHOT_LEVEL_SHIFT,
	    why, sizeof(why));
	if (err) {
		reply(fds[0], req, err, why, NULL, 0);
		return;
	}
	if (!(req->flags & CTL_CHECKPOINT_LEAVE)) {
		uint32_t n = collect_pids(ctl.k, pids, CTL_PIDS_MAX);

		__atomic_store_n(&ctl.checkpointed, true, __ATOMIC_SEQ_CST);
		for (uint32_t i = 0; i < n; i++)
			signal_pid(ctl.k, pids[i], ABI_SIGKILL);
	}
	reply(fds[0], req, 0, NULL, NULL, 0);
	pthread_mutex_lock(&ctl.lock);
	ctl.answered = true;
	pthread_cond_broadcast(&ctl.cond);
	pthread_mutex_unlock(&ctl.lock);
}

static void handle(const struct ctl_request *req, size_t len, int *fds,
		   int nfds)
{
	static int32_t pids[CTL_PIDS_MAX];
	const void *payload = req + 1;
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
	/* Only exec has stdio, checkpoint an image; only exec and a kill
	 * of a pid a payload. */
	if ((req->op != CTL_EXEC && req->op != CTL_CHECKPOINT && nfds != 1) ||
	    (req->op == CTL_CHECKPOINT && nfds != 2) ||
	    (req->op == CTL_EXEC &&
	     (nfds < (req->flags == CTL_EXEC_TTY ? 2 : 4) ||
	      nfds >
		  (req->flags == CTL_EXEC_TTY ? 2 : 4) + CTL_EXEC_FDS_MAX)) ||
	    (req->len && req->op != CTL_EXEC && req->op != CTL_KILL)) {
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
		do_kill(req, payload, fd);
		return;
	case CTL_STATS:
		if (req->signo || req->flags) {
			reply(fd, req, -EINVAL, "unexpected arguments", NULL,
			      0);
			return;
		}
		do_stats(req, fd);
		return;
	case CTL_PAUSE:
	case CTL_RESUME:
		if (req->signo || req->flags) {
			reply(fd, req, -EINVAL, "unexpected arguments", NULL,
			      0);
			return;
		}
		if (!init_may_run() ||
		    __atomic_load_n(&ctl.k->frozen, __ATOMIC_SEQ_CST) !=
			(req->op == CTL_RESUME)) {
			reply(fd, req, -EINVAL,
			      req->op == CTL_PAUSE ? "container not running"
						   : "container not paused",
			      NULL, 0);
			return;
		}
		if (req->op == CTL_PAUSE)
			kernel_freeze(ctl.k);
		else
			kernel_thaw(ctl.k);
		reply(fd, req, 0, NULL, NULL, 0);
		return;
	case CTL_EXEC:
		do_exec(req, payload, fds, nfds);
		return;
	case CTL_CHECKPOINT:
		do_checkpoint(req, fds);
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
			if (fds[i] >= 0)
				close(fds[i]);
	}
}

int control_serve(struct kernel *k, int sock, const struct task *init)
{
	pthread_attr_t attr;
	int err;

	ctl.k = k;
	ctl.sock = sock;
	ctl.creds = init->creds;
	ctl.creds.groups = NULL; /* each exec brings its own */
	ctl.creds.ngroups = 0;
	ctl.no_new_privs = init->no_new_privs;
	ctl.seccomp = app_seccomp_get(init);
	ctl.umask = init->tg->umask;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	err = pthread_create(&ctl.thread, &attr, control_thread, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	pthread_detach(ctl.thread);
	return 0;
}
