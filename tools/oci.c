// SPDX-License-Identifier: Apache-2.0
/*
 * moat as an OCI runtime: runc's command line, so that container engines
 * can call moat where they call runc.
 *
 * `moat create` forks the container's sentry and returns once the sentry
 * has booted and loaded init, which then waits; the sentry is detached
 * (a session of its own, its own stdio /dev/null or the log) and outlives
 * the command, its host pid being the container's pid. Later commands
 * reach it over the control channel in the state directory
 * (sentry/kernel/control.h): start, kill, state. SIGKILL, and delete,
 * are the host's: they kill the sentry process itself, which takes the
 * gofer and the stubs with it. The sentry exits with init's status (128+N
 * for a signal), which is what an engine waiting for the pid sees.
 *
 * Errors are reported as runc reports them: the message on stderr, or a
 * log record (text or json, --log-format) where --log points, exit 1.
 */
#include "tools/oci.h"

#include "tools/console.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct oci_globals *G;
static FILE *log_file;

/* One log record, as runc's logrus writes it. */
static void log_record(FILE *out, const char *level, const char *msg)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (G->log_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", level, "msg",
				      msg, "time", when);
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(out, "%s\n", s ? s : "");
		free(s);
		json_decref(j);
		return;
	}
	fprintf(out, "time=\"%s\" level=%s msg=\"", when, level);
	for (const char *p = msg; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputs("\"\n", out);
}

static void __attribute__((format(printf, 2, 3)))
oci_log(const char *level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!strcmp(level, "debug") && !G->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_file) {
		log_record(log_file, level, msg);
		fflush(log_file);
		if (!strcmp(level, "error"))
			fprintf(stderr, "%s\n", msg);
	} else {
		log_record(stderr, level, msg);
	}
}

#define oci_error(...) oci_log("error", __VA_ARGS__)

static int kill_sentry(struct oci_container *c);
static int container_hooks(struct oci_container *c, const char *kind,
			   enum oci_status s, char *err, size_t errlen);
static int run_hooks_in_sandbox(struct oci_container *c, json_t *hooks,
				json_t *state, char *err, size_t errlen);

/* ---- global flags and dispatch ---------------------------------------- */

int oci_parse_globals(int *argc, char ***argv, struct oci_globals *g)
{
	enum {
		OPT_ROOT = 256,
		OPT_LOG,
		OPT_LOG_FORMAT,
		OPT_DEBUG,
		OPT_IGNORED
	};
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    /* Accepted: moat uses no cgroup manager, and needs no
	     * criu or rootless switch yet. */
	    {"systemd-cgroup", no_argument, NULL, OPT_IGNORED},
	    {"rootless", required_argument, NULL, OPT_IGNORED},
	    {"criu", required_argument, NULL, OPT_IGNORED},
	    {NULL, 0, NULL, 0},
	};
	int c;

	g->root = OCI_DEFAULT_ROOT;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(*argc, *argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g->root = optarg;
			break;
		case OPT_LOG:
			g->log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr,
					"moat: --log-format: unknown format "
					"'%s' (text or json)\n",
					optarg);
				return -1;
			}
			g->log_json = !strcmp(optarg, "json");
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_IGNORED:
			break;
		default:
			return -1;
		}
	}
	*argc -= optind;
	*argv += optind;
	return 0;
}

/* The container named by the only argument left: its id, or NULL. */
static const char *one_id(int argc, char **argv, const char *cmd)
{
	if (optind != argc - 1) {
		oci_error("%s: %s", cmd,
			  optind >= argc ? "container id cannot be empty"
					 : "too many arguments");
		return NULL;
	}
	return argv[optind];
}

static int root_fd(void)
{
	int fd = oci_root_open(G->root);

	if (fd < 0)
		oci_error("cannot open the state directory %s: %s", G->root,
			  strerror(-fd));
	return fd;
}

/* Open container id, or say it does not exist: 0 or 1 (the exit code). */
static int open_container(int rootfd, const char *id, int lock,
			  struct oci_container *c)
{
	int err = oci_container_open(rootfd, id, lock, c);

	if (err == -ENOENT) {
		oci_error("container does not exist");
		return 1;
	}
	if (err) {
		oci_error("%s: %s", id, strerror(-err));
		return 1;
	}
	return 0;
}

/* ---- create ------------------------------------------------------------ */

struct create_opts {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool detach;
	const char *image_path; /* restore: the snapshot's directory */
};

static void time_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

/* The sentry's side of the fork: never returns. */
static void __attribute__((noreturn))
sentry_child(struct oci_config *oc, const struct create_opts *o, int ctl,
	     int ready, int tty, json_t *cgdirs, const sigset_t *mask)
{
	int fds[3 + 64], n = 3 + o->preserve_fds, null, e;
	struct sentry_config *cfg = &oc->cfg;

	cfg->init_unkillable = true;
	sigprocmask(SIG_SETMASK, mask, NULL);
	setsid();
	/* Into the container's network namespace, for its host sockets. */
	if (oc->netns_path) {
		int fd = open(oc->netns_path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			dprintf(ready, "moat: linux.namespaces: %s: %s\n",
				oc->netns_path, strerror(errno));
			_exit(125);
		}
		close(fd);
	}
	/* Into the container's cgroups first: all it makes follows. */
	e = oci_cgroup_join(cgdirs, getpid());
	if (e) {
		dprintf(ready,
			"moat: linux.resources: cannot join the host's "
			"cgroup: %s\n",
			strerror(-e));
		_exit(125);
	}
	/* process.terminal: the pty's slave is the console, relayed. */
	if (tty >= 0) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
			0 ||
		    console_oci_relay(sv[0], tty) < 0) {
			dprintf(ready, "moat: cannot relay the terminal: %s\n",
				strerror(errno));
			_exit(125);
		}
		close(sv[0]);
		close(tty);
		cfg->console = true;
		cfg->console_sock = sv[1];
	}
	if (oc->oom_score_adj_set) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", oc->oom_score_adj);
		if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
			dprintf(ready, "moat: process.oomScoreAdj: %s\n",
				strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	/* The application's fds, kept apart from the sentry's own stdio. */
	for (int i = 0; i < n; i++)
		fds[i] = fcntl(i, F_DUPFD_CLOEXEC, n);
	for (int i = 3; i < n; i++)
		close(i);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		_exit(125);
	dup2(null, 0);
	dup2(null, 1);
	if (G->log && !G->log_json) {
		int fd = open(G->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			      0644);

		dup2(fd >= 0 ? fd : null, 2);
		if (fd >= 0)
			close(fd);
	} else {
		dup2(null, 2);
	}
	close(null);
	if (o->image_path) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/sandbox.img", o->image_path);
		cfg->restore_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (cfg->restore_fd < 0) {
			dprintf(ready, "moat: restore: %s: %s\n", path,
				strerror(errno));
			_exit(125);
		}
		cfg->restore = true;
	}
	cfg->oci = true;
	cfg->init_fds = fds;
	cfg->ninit_fds = n;
	cfg->ctl_sock = ctl;
	cfg->ready_fd = ready;
	{
		int code = sentry_main(cfg);

		fflush(NULL);
		_exit(code);
	}
}

/* Bind the control channel's socket in the state directory: fd or -1. */
static int bind_ctl(int dirfd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
		 dirfd, CTL_SOCK_NAME);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		oci_error("cannot make the control socket: %s",
			  strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* Read what the booting sentry says until it closes: 0 ready, else -1. */
static int wait_ready(int fd)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	buf[len] = '\0';
	if (len == 1 && buf[0] == '\0')
		return 0;
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	oci_error("container init failed: %s",
		  len ? (strncmp(buf, "moat: ", 6) ? buf : buf + 6)
		      : "the sentry ended during its boot");
	return -1;
}

/*
 * Create container id: its sentry booted and waiting. On success 0, with
 * the container open and locked in *c and the sentry's pid in *child.
 */
static int do_create(int rootfd, const char *id, const struct create_opts *o,
		     struct oci_container *c, pid_t *child,
		     const sigset_t *mask)
{
	char err[OCI_ERR_MAX], tmp[64], created[64];
	struct oci_config oc;
	int dirfd, ctl, ready[2], status, tty = -1;
	json_t *cgdirs = NULL;
	json_t *st;
	pid_t pid;

	if (!oci_id_valid(id)) {
		oci_error("invalid container id format: %s", id);
		return 1;
	}
	if (o->preserve_fds < 0 || o->preserve_fds > 64) {
		oci_error("--preserve-fds: must be from 0 to 64");
		return 1;
	}
	if (oci_config_load(o->bundle, &oc, err, sizeof(err))) {
		oci_error("%s", err);
		oci_config_free(&oc);
		return 1;
	}
	if (oc.terminal && !o->console_socket) {
		oci_error("cannot allocate tty if moat will detach without "
			  "setting console socket");
		oci_config_free(&oc);
		return 1;
	}
	if (!oc.terminal && o->console_socket) {
		oci_error("cannot use console socket if moat will not detach "
			  "or allocate tty");
		oci_config_free(&oc);
		return 1;
	}
	/* Made under a hidden name, renamed into place if id is free. */
	snprintf(tmp, sizeof(tmp), ".new-%d", (int)getpid());
	if (mkdirat(rootfd, tmp, 0700) < 0 ||
	    (dirfd = openat(rootfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		0) {
		oci_error("cannot make the state directory: %s",
			  strerror(errno));
		oci_config_free(&oc);
		return 1;
	}
	flock(dirfd, LOCK_EX);
	if (syscall(SYS_renameat2, rootfd, tmp, rootfd, id, RENAME_NOREPLACE) <
	    0) {
		int e = errno;

		unlinkat(rootfd, tmp, AT_REMOVEDIR);
		close(dirfd);
		oci_config_free(&oc);
		if (e == EEXIST || e == ENOTEMPTY)
			oci_error("container with given ID already exists");
		else
			oci_error("cannot make the state directory: %s",
				  strerror(e));
		return 1;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->dirfd = dirfd;
	ctl = bind_ctl(dirfd);
	if (ctl < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		if (ctl >= 0)
			close(ctl);
		goto fail_dir;
	}
	if (oci_cgroup_setup(&oc, id, &cgdirs, err, sizeof(err))) {
		oci_error("%s", err);
		goto fail_fds;
	}
	if (oc.terminal) {
		json_t *size = json_object_get(
		    json_object_get(oc.json, "process"), "consoleSize");
		struct winsize ws = {
		    .ws_row = (unsigned short)json_integer_value(
			json_object_get(size, "height")),
		    .ws_col = (unsigned short)json_integer_value(
			json_object_get(size, "width"))};

		tty = console_oci_pty(o->console_socket, &ws, err, sizeof(err));
		if (tty < 0) {
			oci_error("%s", err);
			oci_cgroup_remove(cgdirs);
			goto fail_fds;
		}
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(dirfd); /* the lock is the parent's */
		close(rootfd);
		if (log_file)
			fclose(log_file);
		sentry_child(&oc, o, ctl, ready[1], tty, cgdirs, mask);
	}
	if (tty >= 0)
		close(tty);
	close(ready[1]);
	close(ctl);
	if (pid < 0 || wait_ready(ready[0]) < 0) {
		if (pid < 0)
			oci_error("fork: %s", strerror(errno));
		else
			waitpid(pid, &status, 0);
		close(ready[0]);
		goto fail_cgroup;
	}
	close(ready[0]);
	time_rfc3339(created, sizeof(created));
	st = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:I}", "ociVersion",
		       oc.oci_version, "id", id, "pid", (int)pid, "bundle",
		       oc.bundle, "rootfs", oc.rootfs, "created", created,
		       "owner", "", "moatStartTime",
		       (json_int_t)oci_pid_start_time(pid));
	if (st && oc.annotations)
		json_object_set(st, "annotations", oc.annotations);
	if (st && json_array_size(cgdirs))
		json_object_set(st, "moatCgroups", cgdirs);
	if (st && json_object_get(oc.json, "hooks"))
		json_object_set(st, "moatHooks",
				json_object_get(oc.json, "hooks"));
	c->state = st;
	c->pid = pid;
	c->start_time = oci_pid_start_time(pid);
	/* The runtime's hooks, then the container's: the sandbox is made,
	 * its process not run. prestart (deprecated) with createRuntime. */
	if (st &&
	    (container_hooks(c, "prestart", OCI_CREATING, err, sizeof(err)) ||
	     container_hooks(c, "createRuntime", OCI_CREATING, err,
			     sizeof(err)) ||
	     container_hooks(c, "createContainer", OCI_CREATING, err,
			     sizeof(err)))) {
		oci_error("%s", err);
		goto fail_sentry;
	}
	if (!st || oci_container_save(c) < 0) {
		oci_error("cannot write the container's state");
		goto fail_sentry;
	}
	if (o->pid_file) {
		char buf[16];
		int e;

		snprintf(buf, sizeof(buf), "%d", (int)pid);
		e = oci_write_file(AT_FDCWD, o->pid_file, buf);
		if (e) {
			oci_error("--pid-file %s: %s", o->pid_file,
				  strerror(-e));
			goto fail_sentry;
		}
	}
	oci_log("debug", "container %s created, sentry pid %d", id, (int)pid);
	oci_config_free(&oc);
	json_decref(cgdirs); /* the state holds its own reference */
	*child = pid;
	return 0;

fail_fds:
	close(ctl);
	close(ready[0]);
	close(ready[1]);
	json_decref(cgdirs);
	goto fail_dir;
fail_sentry:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
fail_cgroup:
	oci_cgroup_remove(cgdirs);
	json_decref(cgdirs);
fail_dir:
	oci_container_remove(rootfd, c);
	oci_config_free(&oc);
	return 1;
}

static int parse_create_opts(int argc, char **argv, struct create_opts *o,
			     int run)
{
	enum {
		OPT_PID_FILE = 256,
		OPT_CONSOLE,
		OPT_PRESERVE,
		OPT_IGNORED,
		OPT_IMAGE,
		OPT_RESTORE_IGNORED,
		OPT_RESTORE_REFUSED,
	};
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"detach", no_argument, NULL, 'd'},
	    /* Nothing to pivot or keyring to make: the sandbox has its own
	     * root and no keyrings. */
	    {"no-pivot", no_argument, NULL, OPT_IGNORED},
	    {"no-new-keyring", no_argument, NULL, OPT_IGNORED},
	    {"no-subreaper", no_argument, NULL, OPT_IGNORED},
	    /* restore's (runc's CRIU options): the image, and what a
	     * snapshot of the sentry has no use for. */
	    {"image-path", required_argument, NULL, OPT_IMAGE},
	    {"work-path", required_argument, NULL, OPT_RESTORE_IGNORED},
	    {"manage-cgroups-mode", required_argument, NULL,
	     OPT_RESTORE_IGNORED},
	    {"tcp-established", no_argument, NULL, OPT_RESTORE_IGNORED},
	    {"ext-unix-sk", no_argument, NULL, OPT_RESTORE_IGNORED},
	    {"shell-job", no_argument, NULL, OPT_RESTORE_IGNORED},
	    {"file-locks", no_argument, NULL, OPT_RESTORE_IGNORED},
	    {"auto-dedup", no_argument, NULL, OPT_RESTORE_IGNORED},
	    {"lazy-pages", no_argument, NULL, OPT_RESTORE_REFUSED},
	    {"empty-ns", required_argument, NULL, OPT_RESTORE_REFUSED},
	    {NULL, 0, NULL, 0},
	};
	bool restore = run == 2;
	int c;

	*o = (struct create_opts){.bundle = "."};
	optind = 1;
	while ((c = getopt_long(argc, argv, run ? "b:d" : "b:", opts, NULL)) !=
	       -1) {
		if (!restore && (c == OPT_IMAGE || c == OPT_RESTORE_IGNORED ||
				 c == OPT_RESTORE_REFUSED)) {
			oci_error("--image-path and the checkpoint options are "
				  "restore's");
			return -1;
		}
		switch (c) {
		case OPT_IMAGE:
			o->image_path = optarg;
			break;
		case OPT_RESTORE_IGNORED:
			break;
		case OPT_RESTORE_REFUSED:
			oci_error(
			    "restore: --lazy-pages and --empty-ns are not "
			    "supported by moat");
			return -1;
		case 'b':
			o->bundle = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE:
			o->preserve_fds = atoi(optarg);
			break;
		case OPT_IGNORED:
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct create_opts o;
	struct oci_container c;
	sigset_t mask;
	const char *id;
	int rootfd, code;
	pid_t pid;

	if (parse_create_opts(argc, argv, &o, 0) < 0 ||
	    !(id = one_id(argc, argv, "create")))
		return 1;
	/* A pid file relative to the caller's directory, not the bundle. */
	if (o.pid_file && o.pid_file[0] != '/') {
		char *abs = realpath(".", NULL);
		char *p = NULL;

		if (abs && asprintf(&p, "%s/%s", abs, o.pid_file) > 0)
			o.pid_file = p;
		free(abs);
	}
	rootfd = root_fd();
	if (rootfd < 0)
		return 1;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	code = do_create(rootfd, id, &o, &c, &pid, &mask);
	if (!code)
		oci_container_close(&c);
	return code;
}

/* ---- start, state, kill, delete, ps, list ----------------------------- */

/* Say what a control request's failure means: the exit code, 1. */
static int ctl_failed(int err, const struct ctl_reply *r)
{
	if (err == -ESRCH)
		oci_error("container not running");
	else if (err)
		oci_error("cannot reach the container's sentry: %s",
			  strerror(-err));
	else
		oci_error("%s", r->msg[0] ? r->msg : strerror(-r->err));
	return 1;
}

/* Run the container's hooks of kind (see oci_hooks.c) with its state as
 * status s: 0, or -1 with err. */
static int container_hooks(struct oci_container *c, const char *kind,
			   enum oci_status s, char *err, size_t errlen)
{
	json_t *hooks = json_object_get(c->state, "moatHooks"), *st;
	int ret;

	if (!json_array_size(json_object_get(hooks, kind)))
		return 0;
	st = oci_container_state_json(c, s);
	if (!strcmp(kind, "startContainer"))
		ret = run_hooks_in_sandbox(c, json_object_get(hooks, kind), st,
					   err, errlen);
	else
		ret = oci_hooks_run(hooks, kind, st, err, errlen);
	json_decref(st);
	return ret;
}

/* The container is gone: poststop hooks, whose failures are warnings. */
static void poststop(struct oci_container *c)
{
	char e[OCI_ERR_MAX];

	if (container_hooks(c, "poststop", OCI_STOPPED, e, sizeof(e)))
		oci_log("warning", "%s", e);
}

static int start_container(struct oci_container *c)
{
	char e[OCI_ERR_MAX];
	struct ctl_reply r;
	int err;

	switch (oci_container_status(c)) {
	case OCI_STOPPED:
		oci_error("cannot start a container that has stopped");
		return 1;
	case OCI_RUNNING:
	case OCI_PAUSED:
		oci_error("cannot start an already running container");
		return 1;
	default:
		break;
	}
	/* In the container, before its process, as runc's init runs them;
	 * a failure ends the container. */
	if (container_hooks(c, "startContainer", OCI_CREATED, e, sizeof(e))) {
		oci_error("%s", e);
		kill_sentry(c);
		return 1;
	}
	err = oci_ctl(c->dirfd, CTL_START, 0, 0, &r, NULL, 0);
	if (err || r.err)
		return ctl_failed(err, &r);
	if (container_hooks(c, "poststart", OCI_RUNNING, e, sizeof(e))) {
		oci_error("%s", e);
		kill_sentry(c);
		return 1;
	}
	return 0;
}

static int cmd_start(int argc, char **argv)
{
	struct oci_container c;
	const char *id;
	int rootfd, code;

	optind = 1;
	if (getopt(argc, argv, "") != -1 || !(id = one_id(argc, argv, "start")))
		return 1;
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_EX, &c))
		return 1;
	code = start_container(&c);
	oci_container_close(&c);
	return code;
}

static void print_json(json_t *j, size_t flags)
{
	char *s = json_dumps(j, flags | JSON_PRESERVE_ORDER);

	if (s)
		fputs(s, stdout);
	free(s);
}

static int cmd_state(int argc, char **argv)
{
	struct oci_container c;
	const char *id;
	json_t *j;
	int rootfd;

	optind = 1;
	if (getopt(argc, argv, "") != -1 || !(id = one_id(argc, argv, "state")))
		return 1;
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_SH, &c))
		return 1;
	j = oci_container_state_json(&c, oci_container_status(&c));
	print_json(j, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	oci_container_close(&c);
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT},
    {"ILL", SIGILL},   {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"IOT", SIGIOT},   {"BUS", SIGBUS},	      {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},	      {"SYS", SIGSYS},
};

/* runc's signal names: 9, KILL, SIGKILL; RTMIN+N too. Or -1. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n >= 1 && n <= 64 ? (int)n : -1;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcmp(s, signals[i].name))
			return signals[i].sig;
	if (!strncmp(s, "RTMIN+", 6)) {
		n = strtol(s + 6, &end, 10);
		if (s[6] && !*end && n >= 0 && SIGRTMIN + n <= 64)
			return SIGRTMIN + (int)n;
	}
	return -1;
}

/* Kill the sentry itself (SIGKILL): everything of the sandbox goes. */
static int kill_sentry(struct oci_container *c)
{
	int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);

	if (pidfd < 0)
		return -errno;
	/* Still the process we started (not a reused pid)? */
	if (!oci_pid_alive(c->pid, c->start_time)) {
		close(pidfd);
		return -ESRCH;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0) {
		int err = -errno;

		close(pidfd);
		return err;
	}
	/* Until it is gone: the pidfd reads ready then. */
	for (int i = 0; i < 1000 && oci_pid_alive(c->pid, c->start_time); i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	close(pidfd);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	struct oci_container c;
	struct ctl_reply r;
	bool all = false;
	int rootfd, sig = SIGTERM, c_, code = 0, err;
	const char *id;

	optind = 1;
	while ((c_ = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (c_ != 'a')
			return 1;
		all = true;
	}
	if (optind >= argc || argc - optind > 2) {
		oci_error("kill: usage: kill [--all] ID [SIGNAL]");
		return 1;
	}
	id = argv[optind];
	if (argc - optind == 2) {
		sig = parse_signal(argv[optind + 1]);
		if (sig < 0) {
			oci_error("unknown signal \"%s\"", argv[optind + 1]);
			return 1;
		}
	}
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_EX, &c))
		return 1;
	if (oci_container_status(&c) == OCI_STOPPED) {
		if (!all) {
			oci_error("container not running");
			code = 1;
		}
	} else if (sig == SIGKILL) {
		err = kill_sentry(&c);
		if (err && err != -ESRCH) {
			oci_error("cannot kill the container: %s",
				  strerror(-err));
			code = 1;
		}
	} else {
		err = oci_ctl(c.dirfd, CTL_KILL, sig, all ? CTL_KILL_ALL : 0,
			      &r, NULL, 0);
		if (err || r.err)
			code = ctl_failed(err, &r);
	}
	oci_container_close(&c);
	return code;
}

static int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct oci_container c;
	enum oci_status s;
	bool force = false;
	const char *id;
	int rootfd, ch, err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (ch != 'f')
			return 1;
		force = true;
	}
	if (!(id = one_id(argc, argv, "delete")) || (rootfd = root_fd()) < 0)
		return 1;
	err = oci_container_open(rootfd, id, LOCK_EX, &c);
	if (err == -ENOENT && force) {
		/* Nothing, or a create's leftover without state: gone. */
		if (oci_id_valid(id))
			unlinkat(rootfd, id, AT_REMOVEDIR);
		return 0;
	}
	if (err)
		return open_container(rootfd, id, LOCK_EX, &c);
	s = oci_container_status(&c);
	if ((s == OCI_RUNNING || s == OCI_PAUSED) && !force) {
		oci_error("cannot delete container %s that is not stopped: %s",
			  id, oci_status_name(s));
		oci_container_close(&c);
		return 1;
	}
	/* A created container never ran: delete ends it, as runc's. */
	if (s != OCI_STOPPED) {
		err = kill_sentry(&c);
		if (err && err != -ESRCH) {
			oci_error("cannot kill the container: %s",
				  strerror(-err));
			oci_container_close(&c);
			return 1;
		}
	}
	poststop(&c);
	oci_cgroup_remove(json_object_get(c.state, "moatCgroups"));
	err = oci_container_remove(rootfd, &c);
	if (err) {
		oci_error("cannot remove the container's state: %s",
			  strerror(-err));
		return 1;
	}
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	static int32_t pids[CTL_PIDS_MAX];
	struct oci_container c;
	struct ctl_reply r;
	bool json = false;
	const char *id;
	int rootfd, ch, err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return 1;
		if (strcmp(optarg, "json") && strcmp(optarg, "table")) {
			oci_error("invalid format option");
			return 1;
		}
		json = !strcmp(optarg, "json");
	}
	if (!(id = one_id(argc, argv, "ps")) || (rootfd = root_fd()) < 0 ||
	    open_container(rootfd, id, LOCK_SH, &c))
		return 1;
	err = oci_ctl(c.dirfd, CTL_STATE, 0, 0, &r, pids, CTL_PIDS_MAX);
	oci_container_close(&c);
	if (err || r.err)
		return ctl_failed(err, &r);
	/* The sandbox's own pids: its processes have no host pids. */
	if (json) {
		putchar('[');
		for (uint32_t i = 0; i < r.npids; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		puts("]");
	} else {
		puts("PID");
		for (uint32_t i = 0; i < r.npids; i++)
			printf("%d\n", pids[i]);
	}
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false, quiet = false;
	json_t *all = json_array(), *v;
	int rootfd, ch;
	size_t i;
	DIR *d;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		if (ch == 'q') {
			quiet = true;
		} else if (ch == 'f' && (!strcmp(optarg, "json") ||
					 !strcmp(optarg, "table"))) {
			json = !strcmp(optarg, "json");
		} else {
			if (ch == 'f')
				oci_error("invalid format option");
			return 1;
		}
	}
	if ((rootfd = root_fd()) < 0)
		return 1;
	d = fdopendir(dup(rootfd));
	for (struct dirent *e; d && (e = readdir(d));) {
		struct oci_container c;

		if (e->d_name[0] == '.' ||
		    oci_container_open(rootfd, e->d_name, LOCK_SH, &c))
			continue;
		json_array_append_new(all, oci_container_state_json(
					       &c, oci_container_status(&c)));
		oci_container_close(&c);
	}
	if (d)
		closedir(d);
	if (json) {
		print_json(all, JSON_COMPACT);
		putchar('\n');
	} else if (quiet) {
		json_array_foreach(all, i, v)
		    puts(json_string_value(json_object_get(v, "id")));
	} else {
		printf("%-12s%-12s%-12s%-40s%-32s%s\n", "ID", "PID", "STATUS",
		       "BUNDLE", "CREATED", "OWNER");
		json_array_foreach(all, i, v)
		{
			printf("%-12s%-12lld%-12s%-40s%-32s%s\n",
			       json_string_value(json_object_get(v, "id")),
			       json_integer_value(json_object_get(v, "pid")),
			       json_string_value(json_object_get(v, "status")),
			       json_string_value(json_object_get(v, "bundle")),
			       json_string_value(json_object_get(v, "created")),
			       "root");
		}
	}
	json_decref(all);
	return 0;
}

/* ---- run: create, start, wait, delete -------------------------------- */

/*
 * run: create and start; restore: create from a snapshot (--image-path),
 * which runs from the start. In the foreground unless -d.
 */
static int run_or_restore(int argc, char **argv, bool restore)
{
	static const int forward[] = {SIGHUP,  SIGINT,	SIGQUIT, SIGTERM,
				      SIGUSR1, SIGUSR2, SIGWINCH};
	struct create_opts o;
	struct oci_container c;
	sigset_t old, set;
	const char *id;
	int rootfd, code, status = 0;
	pid_t pid;

	if (parse_create_opts(argc, argv, &o, restore ? 2 : 1) < 0 ||
	    !(id = one_id(argc, argv, restore ? "restore" : "run")))
		return 1;
	if (restore) {
		/* runc's default; the sentry starts in the bundle. */
		static char abs[PATH_MAX];

		if (!realpath(o.image_path ? o.image_path : "checkpoint",
			      abs)) {
			oci_error("restore: --image-path %s: %s",
				  o.image_path ? o.image_path : "checkpoint",
				  strerror(errno));
			return 1;
		}
		o.image_path = abs;
	}
	if ((rootfd = root_fd()) < 0)
		return 1;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forward) / sizeof(forward[0]); i++)
		sigaddset(&set, forward[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	code = do_create(rootfd, id, &o, &c, &pid, &old);
	if (code)
		return code;
	code = restore ? 0 : start_container(&c);
	if (code || o.detach) {
		if (code) {
			kill_sentry(&c);
			poststop(&c);
			oci_cgroup_remove(
			    json_object_get(c.state, "moatCgroups"));
			oci_container_remove(rootfd, &c);
		} else {
			oci_container_close(&c);
		}
		return code;
	}
	/* In the foreground: signals go to init, its status is ours. */
	flock(c.dirfd, LOCK_UN);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		struct ctl_reply r;

		if (sig == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			continue;
		}
		if (sig > 0)
			oci_ctl(c.dirfd, CTL_KILL, sig, 0, &r, NULL, 0);
	}
	flock(c.dirfd, LOCK_EX);
	poststop(&c);
	oci_cgroup_remove(json_object_get(c.state, "moatCgroups"));
	oci_container_remove(rootfd, &c);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_run(int argc, char **argv)
{
	return run_or_restore(argc, argv, false);
}

static int cmd_restore(int argc, char **argv)
{
	return run_or_restore(argc, argv, true);
}

/* checkpoint [--image-path DIR] [--leave-running] [--compress[=LEVEL]] ...
 * ID: a snapshot of the running container (sentry/state/snapshot.h) into
 * DIR/sandbox.img, its memory compressed with zstd with --compress. */
static int cmd_checkpoint(int argc, char **argv)
{
	enum {
		OPT_IMAGE = 256,
		OPT_LEAVE,
		OPT_COMPRESS,
		OPT_IGNORED,
		OPT_REFUSED
	};
	static const struct option opts[] = {
	    {"image-path", required_argument, NULL, OPT_IMAGE},
	    {"leave-running", no_argument, NULL, OPT_LEAVE},
	    {"compress", optional_argument, NULL, OPT_COMPRESS},
	    {"work-path", required_argument, NULL, OPT_IGNORED},
	    {"manage-cgroups-mode", required_argument, NULL, OPT_IGNORED},
	    {"tcp-established", no_argument, NULL, OPT_IGNORED},
	    {"ext-unix-sk", no_argument, NULL, OPT_IGNORED},
	    {"shell-job", no_argument, NULL, OPT_IGNORED},
	    {"file-locks", no_argument, NULL, OPT_IGNORED},
	    {"auto-dedup", no_argument, NULL, OPT_IGNORED},
	    {"pre-dump", no_argument, NULL, OPT_REFUSED},
	    {"page-server", required_argument, NULL, OPT_REFUSED},
	    {"lazy-pages", no_argument, NULL, OPT_REFUSED},
	    {"parent-path", required_argument, NULL, OPT_REFUSED},
	    {"status-fd", required_argument, NULL, OPT_REFUSED},
	    {"empty-ns", required_argument, NULL, OPT_REFUSED},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = "checkpoint", *id;
	char path[PATH_MAX];
	struct oci_container c;
	struct ctl_reply r;
	uint32_t flags = 0;
	int rootfd, img, sock, err, opt, code = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_IMAGE:
			dir = optarg;
			break;
		case OPT_LEAVE:
			flags |= CTL_CHECKPOINT_LEAVE;
			break;
		case OPT_COMPRESS:
			if (oci_ctl_compress_flags(optarg, &flags)) {
				oci_error("checkpoint: --compress=%s: not a "
					  "level from 0 to %d",
					  optarg, CTL_CHECKPOINT_LEVEL_MAX);
				return 1;
			}
			break;
		case OPT_IGNORED:
			break;
		case OPT_REFUSED:
			oci_error("checkpoint: pre-dumps, page servers, lazy "
				  "pages, parent images, status fds and empty "
				  "namespaces are not supported by moat");
			return 1;
		default:
			return 1;
		}
	}
	if (!(id = one_id(argc, argv, "checkpoint")))
		return 1;
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_EX, &c))
		return 1;
	if (oci_container_status(&c) != OCI_RUNNING) {
		oci_error("container not running");
		oci_container_close(&c);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/sandbox.img", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (img = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
		0) {
		oci_error("checkpoint: %s: %s", path, strerror(errno));
		oci_container_close(&c);
		return 1;
	}
	sock =
	    oci_ctl_send(c.dirfd, CTL_CHECKPOINT, 0, flags, NULL, 0, &img, 1);
	err = sock < 0 ? sock : oci_ctl_recv(sock, &r, NULL, 0, -1);
	if (sock >= 0)
		close(sock);
	close(img);
	if (err || r.err) {
		code = ctl_failed(err, &r);
		unlink(path);
	}
	oci_container_close(&c);
	return code;
}

/* ---- exec: a new process in the running container --------------------- */

/* Bit i: fd 3+i was open when moat started (--preserve-fds). */
static uint64_t fds_open_at_start;

/* What the new process is to be: config.json's process, then the flags. */
struct exec_spec {
	json_t *args, *env; /* arrays of strings (references) */
	char *cwd;
	const char *path; /* the executable; "": args[0] on PATH */
	uint32_t uid, gid;
	uint32_t groups[CTL_EXEC_GROUPS_MAX];
	uint32_t ngroups;
	bool terminal;
	struct winsize ws; /* consoleSize */
	/* capabilities, noNewPrivileges and rlimits (caps_set: the
	 * process has capabilities, else init's) */
	struct sentry_config creds;
	bool caps_inheritable;		 /* capabilities.inheritable is there */
	int extra_fds[CTL_EXEC_FDS_MAX]; /* --preserve-fds: its 3... */
	int nextra_fds;
};

/* A JSON array of strings without NULs named what: 0, or -1 said. */
static int exec_strings(json_t *a, const char *what, bool need_one)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || (need_one && !json_array_size(a))) {
		oci_error("exec failed: %s: must be a%s array of strings", what,
			  need_one ? " non-empty" : "n");
		return -1;
	}
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			oci_error("exec failed: %s[%zu]: must be a string "
				  "without NUL",
				  what, i);
			return -1;
		}
	}
	return 0;
}

/* Take a process object's fields into x: 0, or -1 said. */
static int exec_from_process(json_t *p, struct exec_spec *x, const char *src)
{
	json_t *v, *u;
	char what[64];

	if (!json_is_object(p)) {
		oci_error("exec failed: %s: not a process object", src);
		return -1;
	}
	if ((v = json_object_get(p, "args"))) {
		snprintf(what, sizeof(what), "%s args", src);
		if (exec_strings(v, what, true))
			return -1;
		json_decref(x->args);
		x->args = json_incref(v);
	}
	if ((v = json_object_get(p, "env"))) {
		snprintf(what, sizeof(what), "%s env", src);
		if (exec_strings(v, what, false))
			return -1;
		json_decref(x->env);
		x->env = json_incref(v);
	}
	if ((v = json_object_get(p, "cwd"))) {
		if (!json_is_string(v) || json_string_value(v)[0] != '/') {
			oci_error("exec failed: %s cwd: must be an absolute "
				  "path",
				  src);
			return -1;
		}
		free(x->cwd);
		x->cwd = strdup(json_string_value(v));
	}
	if ((v = json_object_get(p, "capabilities")) ||
	    (v = json_object_get(p, "rlimits"))) {
		struct sentry_config sc = {0};
		char e[OCI_ERR_MAX];

		v = json_object_get(p, "capabilities");
		if (v && oci_parse_caps(v, &sc, e, sizeof(e))) {
			oci_error("exec failed: %s %s", src, e);
			return -1;
		}
		if (v) {
			x->creds.caps_set = true;
			x->creds.cap_bounding = sc.cap_bounding;
			x->creds.cap_effective = sc.cap_effective;
			x->creds.cap_permitted = sc.cap_permitted;
			x->creds.cap_inheritable = sc.cap_inheritable;
			x->creds.cap_ambient = sc.cap_ambient;
			x->caps_inheritable =
			    json_object_get(v, "inheritable") != NULL;
		}
		v = json_object_get(p, "rlimits");
		if (v && oci_parse_rlimits(v, &sc, e, sizeof(e))) {
			oci_error("exec failed: %s %s", src, e);
			return -1;
		}
		if (v) {
			memcpy(x->creds.rlimits, sc.rlimits,
			       sizeof(sc.rlimits));
			x->creds.nrlimits = sc.nrlimits;
		}
	}
	if ((v = json_object_get(p, "noNewPrivileges"))) {
		if (!json_is_boolean(v)) {
			oci_error("exec failed: %s noNewPrivileges: must be "
				  "true or false",
				  src);
			return -1;
		}
		x->creds.no_new_privs = json_is_true(v);
	}
	x->terminal = json_is_true(json_object_get(p, "terminal"));
	if ((v = json_object_get(p, "consoleSize"))) {
		x->ws.ws_row = (unsigned short)json_integer_value(
		    json_object_get(v, "height"));
		x->ws.ws_col = (unsigned short)json_integer_value(
		    json_object_get(v, "width"));
	}
	u = json_object_get(p, "user");
	if (u) {
		json_t *g = json_object_get(u, "additionalGids");
		size_t i;

		x->uid =
		    (uint32_t)json_integer_value(json_object_get(u, "uid"));
		x->gid =
		    (uint32_t)json_integer_value(json_object_get(u, "gid"));
		x->ngroups = 0;
		if (json_array_size(g) > CTL_EXEC_GROUPS_MAX) {
			oci_error("exec failed: %s user.additionalGids: more "
				  "than %d",
				  src, CTL_EXEC_GROUPS_MAX);
			return -1;
		}
		json_array_foreach(g, i, v) x->groups[x->ngroups++] =
		    (uint32_t)json_integer_value(v);
	}
	return 0;
}

/* A uid or gid: 0, or -1. */
static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v > 0xfffffffeULL)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* The request's payload for x (struct ctl_exec, groups, strings). */
static char *exec_payload(const struct exec_spec *x, const int fds[3],
			  size_t *lenp)
{
	struct ctl_exec e = {.uid = x->uid,
			     .gid = x->gid,
			     .ngroups = x->ngroups,
			     .argc = (uint32_t)json_array_size(x->args),
			     .envc = (uint32_t)json_array_size(x->env),
			     .nfds = (uint32_t)x->nextra_fds,
			     .nrlimits = (uint32_t)x->creds.nrlimits};
	uint32_t fd_flags[CTL_EXEC_FDS_MAX];
	struct ctl_rlimit rl[CTL_EXEC_RLIMITS_MAX];

	for (int i = 0; i < 3 + x->nextra_fds; i++) {
		int fl = fcntl(i < 3 ? fds[i] : x->extra_fds[i - 3], F_GETFL);
		uint32_t f =
		    fl < 0 ? O_RDWR
			   : (uint32_t)fl & (O_ACCMODE | O_APPEND | O_NONBLOCK);

		if (i < 3)
			e.fd_flags[i] = f;
		else
			fd_flags[i - 3] = f;
	}
	if (x->creds.caps_set) {
		e.flags |= CTL_EXEC_CAPS;
		e.caps[0] = x->creds.cap_bounding;
		e.caps[1] = x->creds.cap_effective;
		e.caps[2] = x->creds.cap_permitted;
		e.caps[3] = x->creds.cap_inheritable;
		e.caps[4] = x->creds.cap_ambient;
	}
	if (x->creds.no_new_privs)
		e.flags |= CTL_EXEC_NO_NEW_PRIVS;
	for (int i = 0; i < x->creds.nrlimits; i++)
		rl[i] = (struct ctl_rlimit){
		    .resource = (uint32_t)x->creds.rlimits[i].resource,
		    .cur = x->creds.rlimits[i].cur,
		    .max = x->creds.rlimits[i].max};
	size_t len = sizeof(e) + x->ngroups * sizeof(uint32_t) +
		     e.nfds * sizeof(uint32_t) +
		     e.nrlimits * sizeof(struct ctl_rlimit) + strlen(x->cwd) +
		     1 + strlen(x->path) + 1,
	       off, i;
	json_t *v;
	char *buf;

	json_array_foreach(x->args, i, v) len += json_string_length(v) + 1;
	json_array_foreach(x->env, i, v) len += json_string_length(v) + 1;
	if (len > CTL_PAYLOAD_MAX)
		return NULL;
	buf = malloc(len);
	if (!buf)
		return NULL;
	memcpy(buf, &e, sizeof(e));
	off = sizeof(e);
	memcpy(buf + off, x->groups, x->ngroups * sizeof(uint32_t));
	off += x->ngroups * sizeof(uint32_t);
	memcpy(buf + off, fd_flags, e.nfds * sizeof(uint32_t));
	off += e.nfds * sizeof(uint32_t);
	memcpy(buf + off, rl, e.nrlimits * sizeof(struct ctl_rlimit));
	off += e.nrlimits * sizeof(struct ctl_rlimit);
	json_array_foreach(x->args, i, v)
	{
		memcpy(buf + off, json_string_value(v),
		       json_string_length(v) + 1);
		off += json_string_length(v) + 1;
	}
	json_array_foreach(x->env, i, v)
	{
		memcpy(buf + off, json_string_value(v),
		       json_string_length(v) + 1);
		off += json_string_length(v) + 1;
	}
	memcpy(buf + off, x->cwd, strlen(x->cwd) + 1);
	off += strlen(x->cwd) + 1;
	memcpy(buf + off, x->path, strlen(x->path) + 1);
	*lenp = len;
	return buf;
}

static const int exec_forward[] = {SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM,
				   SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

/*
 * Wait for the exec'd process's status on sock, passing on the signals
 * this process gets (blocked, in set) to it: the exit code, as a shell
 * has it (128+N for a signal).
 */
static int exec_wait(int dirfd, int sock, int32_t pid, const sigset_t *set)
{
	int sfd = signalfd(-1, set, SFD_CLOEXEC);

	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		struct signalfd_siginfo si;
		struct ctl_reply r;
		int32_t status;

		if (poll(p, sfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 255;
		}
		if (sfd >= 0 && (p[1].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int k = oci_ctl_send(dirfd, CTL_KILL, (int)si.ssi_signo,
					     CTL_KILL_PID, &pid, sizeof(pid),
					     NULL, 0);

			if (k >= 0) {
				oci_ctl_recv(k, &r, NULL, 0, 10000);
				close(k);
			}
		}
		if (!p[0].revents)
			continue;
		if (oci_ctl_recv(sock, &r, &status, 1, 0) || r.err ||
		    r.npids != 1) {
			/* The sandbox ended, and the process with it. */
			oci_log("debug", "exec: no status from the sentry");
			return 128 + SIGKILL;
		}
		if (status & 0x7f)
			return 128 + (status & 0x7f);
		return (status >> 8) & 0xff;
	}
}

/* Kill the exec'd process pid; its status is to come on sock. */
static void exec_kill(int dirfd, int32_t pid)
{
	int k = oci_ctl_send(dirfd, CTL_KILL, SIGKILL, CTL_KILL_PID, &pid,
			     sizeof(pid), NULL, 0);
	struct ctl_reply r;

	if (k >= 0) {
		oci_ctl_recv(k, &r, NULL, 0, 10000);
		close(k);
	}
}

/* One startContainer hook, in the sandbox: 0, or -1 with err. */
static int hook_in_sandbox(struct oci_container *c, json_t *h, size_t idx,
			   const char *state, char *err, size_t errlen)
{
	struct exec_spec x = {.path =
				  json_string_value(json_object_get(h, "path")),
			      .cwd = strdup("/")};
	json_t *t = json_object_get(h, "timeout");
	int in[2] = {-1, -1}, null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int sock = -1, ret = -1, e;
	struct ctl_reply r;
	int32_t pid, status;
	char *payload;
	size_t len;

	x.args = json_incref(json_object_get(h, "args"));
	if (!json_array_size(x.args)) {
		json_decref(x.args);
		x.args = json_pack("[s]", x.path);
	}
	x.env = json_incref(json_object_get(h, "env"));
	if (!x.env)
		x.env = json_array();
	if (null < 0 || pipe2(in, O_CLOEXEC) < 0 || !x.cwd) {
		snprintf(err, errlen, "error running hook #%zu: %s", idx,
			 strerror(errno));
		goto out;
	}
	payload = exec_payload(&x, (const int[]){in[0], null, 2}, &len);
	if (!payload) {
		snprintf(err, errlen, "error running hook #%zu: too long", idx);
		goto out;
	}
	sock = oci_ctl_send(c->dirfd, CTL_EXEC, 0, 0, payload, (uint32_t)len,
			    (const int[]){in[0], null, 2}, 3);
	free(payload);
	close(in[0]);
	in[0] = -1;
	/* The state; a hook that does not read it is no matter. */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (write(in[1], state, strlen(state)) < 0)
		(void)0;
	close(in[1]);
	in[1] = -1;
	e = sock < 0 ? sock : oci_ctl_recv(sock, &r, &pid, 1, 60000);
	if (e || r.err || r.npids != 1) {
		snprintf(err, errlen, "error running hook #%zu: %s", idx,
			 e ? strerror(-e) : r.msg);
		goto out;
	}
	e = oci_ctl_recv(sock, &r, &status, 1,
			 t ? (int)json_integer_value(t) * 1000 : -1);
	if (e == -ETIMEDOUT) {
		exec_kill(c->dirfd, pid);
		oci_ctl_recv(sock, &r, &status, 1, 10000);
		snprintf(err, errlen,
			 "error running hook #%zu: timeout after %lld seconds",
			 idx, json_integer_value(t));
	} else if (e || r.err || r.npids != 1) {
		snprintf(err, errlen, "error running hook #%zu: %s", idx,
			 e ? strerror(-e) : r.msg);
	} else if (status & 0x7f) {
		snprintf(err, errlen, "error running hook #%zu: signal: %s",
			 idx, strsignal(status & 0x7f));
	} else if (status) {
		snprintf(err, errlen, "error running hook #%zu: exit status %d",
			 idx, (status >> 8) & 0xff);
	} else {
		ret = 0;
	}
out:
	if (sock >= 0)
		close(sock);
	for (int i = 0; i < 2; i++)
		if (in[i] >= 0)
			close(in[i]);
	if (null >= 0)
		close(null);
	free(x.cwd);
	json_decref(x.args);
	json_decref(x.env);
	return ret;
}

static int run_hooks_in_sandbox(struct oci_container *c, json_t *hooks,
				json_t *state, char *err, size_t errlen)
{
	char *s = json_dumps(state, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t i;
	json_t *h;
	int ret = 0;

	if (!s) {
		snprintf(err, errlen, "error running hooks: out of memory");
		return -1;
	}
	json_array_foreach(hooks, i, h)
	{
		ret = hook_in_sandbox(c, h, i, s, err, errlen);
		if (ret)
			break;
	}
	free(s);
	return ret;
}

static int cmd_exec(int argc, char **argv)
{
	enum {
		OPT_PID_FILE = 256,
		OPT_CONSOLE,
		OPT_PRESERVE,
		OPT_CAP,
		OPT_IGNORE_PAUSED,
		OPT_NO_NEW_PRIVS,
		OPT_IGNORED_ARG,
	};
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"cwd", required_argument, NULL, 'w'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"tty", no_argument, NULL, 't'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"cap", required_argument, NULL, OPT_CAP},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	    {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
	    {"apparmor", required_argument, NULL, OPT_IGNORED_ARG},
	    {"process-label", required_argument, NULL, OPT_IGNORED_ARG},
	    {"cgroup", required_argument, NULL, OPT_IGNORED_ARG},
	    {NULL, 0, NULL, 0},
	};
	struct exec_spec x = {.path = ""};
	struct oci_container c;
	struct ctl_reply r;
	const char *process = NULL, *pid_file = NULL, *console = NULL;
	const char *cwd = NULL, *user = NULL, *id;
	json_t *extra_env = json_array(), *cfg = NULL;
	bool detach = false, tty = false, ignore_paused = false;
	bool no_new_privs = false;
	uint64_t add_caps = 0;
	int ch, rootfd, sock = -1, code = 255, err, preserve_fds = 0;
	int32_t pid;
	int stdio[3], tty_slave = -1, relay_sock = -1;
	sigset_t set, old;
	char *payload = NULL, path[4096];
	size_t len = 0;
	uint32_t extra_groups[CTL_EXEC_GROUPS_MAX];
	int nextra_groups = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+p:w:e:u:g:td", opts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'p':
			process = optarg;
			break;
		case 'w':
			cwd = optarg;
			break;
		case 'e':
			json_array_append_new(extra_env, json_string(optarg));
			break;
		case 'u':
			user = optarg;
			break;
		case 'g':
			if (nextra_groups == CTL_EXEC_GROUPS_MAX ||
			    parse_id(optarg, &extra_groups[nextra_groups++])) {
				oci_error("exec: --additional-gids %s: not a "
					  "gid",
					  optarg);
				goto out;
			}
			break;
		case 't':
			tty = true;
			break;
		case 'd':
			detach = true;
			break;
		case OPT_PID_FILE:
			pid_file = optarg;
			break;
		case OPT_CONSOLE:
			console = optarg;
			break;
		case OPT_PRESERVE: {
			char *end;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || n < 0 ||
			    n > CTL_EXEC_FDS_MAX) {
				oci_error("exec: --preserve-fds %s: must be "
					  "from 0 to %d",
					  optarg, CTL_EXEC_FDS_MAX);
				goto out;
			}
			preserve_fds = (int)n;
			break;
		}
		case OPT_CAP: {
			int cap = oci_cap_number(optarg);

			if (cap < 0) {
				oci_error("exec: --cap %s: unknown capability",
					  optarg);
				goto out;
			}
			add_caps |= 1ULL << cap;
			break;
		}
		case OPT_IGNORE_PAUSED:
			ignore_paused = true;
			break;
		case OPT_NO_NEW_PRIVS:
			no_new_privs = true;
			break;
		case OPT_IGNORED_ARG:
			break;
		default:
			goto out;
		}
	}
	if (optind >= argc) {
		oci_error("exec: container id cannot be empty");
		goto out;
	}
	id = argv[optind++];
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_SH, &c))
		goto out;
	switch (oci_container_status(&c)) {
	case OCI_STOPPED:
		oci_error("exec failed: cannot exec in a stopped container");
		goto out_close;
	case OCI_PAUSED:
		if (ignore_paused)
			break;
		oci_error("exec failed: cannot exec in a paused container "
			  "(use --ignore-paused to override)");
		goto out_close;
	default:
		break;
	}
	/* config.json's process first, as runc takes it. */
	snprintf(path, sizeof(path), "%s/config.json",
		 json_string_value(json_object_get(c.state, "bundle")));
	cfg = json_load_file(path, 0, NULL);
	if (!cfg || exec_from_process(json_object_get(cfg, "process"), &x,
				      "config.json process")) {
		if (!cfg)
			oci_error("exec failed: cannot read %s", path);
		goto out_close;
	}
	if (process) {
		json_error_t je;
		json_t *p = json_load_file(process, 0, &je);

		if (!p) {
			oci_error("exec failed: %s:%d:%d: %s", process, je.line,
				  je.column, je.text);
			goto out_close;
		}
		err = exec_from_process(p, &x, "--process");
		if (!err && !json_object_get(p, "args")) {
			oci_error("exec failed: --process args: missing");
			err = -1;
		}
		json_decref(p);
		if (err)
			goto out_close;
	} else {
		json_t *args = json_array();

		if (optind >= argc) {
			json_decref(args);
			oci_error("exec: exec args cannot be empty");
			goto out_close;
		}
		for (int i = optind; i < argc; i++)
			json_array_append_new(args, json_string(argv[i]));
		json_decref(x.args);
		x.args = args;
		x.terminal = tty;
	}
	if (!x.env)
		x.env = json_array();
	json_array_extend(x.env, extra_env);
	if (cwd) {
		if (cwd[0] != '/') {
			oci_error("exec failed: --cwd %s: must be an absolute "
				  "path",
				  cwd);
			goto out_close;
		}
		free(x.cwd);
		x.cwd = strdup(cwd);
	}
	if (!x.cwd)
		x.cwd = strdup("/");
	if (user) {
		char *colon = strchr(user, ':');

		if (colon)
			*colon = '\0';
		if (parse_id(user, &x.uid) ||
		    (colon && parse_id(colon + 1, &x.gid))) {
			oci_error("exec failed: --user: want UID[:GID]");
			goto out_close;
		}
		if (!colon)
			x.gid = 0;
	}
	for (int i = 0; i < nextra_groups; i++) {
		if (x.ngroups == CTL_EXEC_GROUPS_MAX) {
			oci_error("exec failed: more than %d groups",
				  CTL_EXEC_GROUPS_MAX);
			goto out_close;
		}
		x.groups[x.ngroups++] = extra_groups[i];
	}
	/* --cap: added to the sets as runc adds it (ambient only where
	 * the process has inheritable ones, as it does not add those);
	 * with --process, the file's capabilities alone, as runc has them. */
	if (add_caps && !process) {
		x.creds.caps_set = true;
		x.creds.cap_bounding |= add_caps;
		x.creds.cap_effective |= add_caps;
		x.creds.cap_permitted |= add_caps;
		if (x.caps_inheritable)
			x.creds.cap_ambient |= add_caps;
	}
	if (no_new_privs)
		x.creds.no_new_privs = true;
	/* --preserve-fds: this process's 3... are the new one's. */
	for (int i = 0; i < preserve_fds; i++) {
		if (!(fds_open_at_start & (1ULL << i))) {
			oci_error("exec failed: --preserve-fds %d: fd %d is "
				  "not open",
				  preserve_fds, 3 + i);
			goto out_close;
		}
		x.extra_fds[x.nextra_fds++] = 3 + i;
	}
	if (x.terminal && !console) {
		oci_error(
		    "exec failed: cannot allocate tty if moat will detach "
		    "without setting console socket");
		goto out_close;
	}
	if (!x.terminal && console) {
		oci_error("exec failed: cannot use console socket if moat will "
			  "not detach or allocate tty");
		goto out_close;
	}
	/* A terminal: a pty for the engine, its slave relayed to the
	 * sandbox's terminal for the process through a socket. */
	if (x.terminal) {
		char e[OCI_ERR_MAX];
		int sv[2];

		tty_slave = console_oci_pty(console, &x.ws, e, sizeof(e));
		if (tty_slave < 0) {
			oci_error("exec failed: %s", e);
			goto out_close;
		}
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
		    0) {
			oci_error("exec failed: socketpair: %s",
				  strerror(errno));
			goto out_close;
		}
		relay_sock = sv[0];
		stdio[0] = sv[1];
	}
	payload = x.cwd ? exec_payload(&x, (const int[]){0, 1, 2}, &len) : NULL;
	if (!payload) {
		oci_error("exec failed: the arguments and environment are too "
			  "long (%d bytes at most)",
			  CTL_PAYLOAD_MAX);
		goto out_close;
	}
	/* Signals are for the process from here on: held until waited. */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(exec_forward) / sizeof(exec_forward[0]);
	     i++)
		sigaddset(&set, exec_forward[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* A closed stdio fd is /dev/null for the process. */
	for (int i = 0; i < 3 && !x.terminal; i++)
		stdio[i] = fcntl(i, F_GETFD) < 0
			       ? open("/dev/null", O_RDWR | O_CLOEXEC)
			       : i;
	{
		int nstd = x.terminal ? 1 : 3, fds[3 + CTL_EXEC_FDS_MAX];

		memcpy(fds, stdio, (size_t)nstd * sizeof(int));
		memcpy(fds + nstd, x.extra_fds,
		       (size_t)x.nextra_fds * sizeof(int));
		sock = oci_ctl_send(c.dirfd, CTL_EXEC, 0,
				    x.terminal ? CTL_EXEC_TTY : 0, payload,
				    (uint32_t)len, fds,
				    (uint32_t)(nstd + x.nextra_fds));
	}
	/* The lock is not held while the process runs. */
	flock(c.dirfd, LOCK_UN);
	if (x.terminal)
		close(stdio[0]); /* the sentry's now */
	err = sock < 0 ? sock : oci_ctl_recv(sock, &r, &pid, 1, 60000);
	if (err == -ESRCH)
		oci_error("exec failed: container not running");
	else if (err)
		oci_error("exec failed: cannot reach the container's sentry: "
			  "%s",
			  strerror(-err));
	else if (r.err)
		oci_error("exec failed: unable to start container process: %s",
			  r.msg[0] ? r.msg : strerror(-r.err));
	else if (r.npids != 1)
		oci_error("exec failed: a malformed answer");
	if (err || r.err || r.npids != 1)
		goto out_close;
	oci_log("debug", "exec: pid %d in container %s", (int)pid, id);
	if (detach) {
		/* A host process stands for it, as the container's
		 * pid is the sentry's: it ends with the process's
		 * status, for an engine that reaps it. */
		pid_t waiter;

		fflush(NULL);
		waiter = fork();
		if (waiter == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			if (relay_sock >= 0) {
				if (console_oci_relay(relay_sock, tty_slave) <
				    0)
					_exit(255);
				close(relay_sock);
				close(tty_slave);
			}
			_exit(exec_wait(c.dirfd, sock, pid, &set));
		}
		if (waiter < 0) {
			oci_error("exec failed: fork: %s", strerror(errno));
			goto out_close;
		}
		code = 0;
		if (pid_file) {
			char buf[16];

			snprintf(buf, sizeof(buf), "%d", (int)waiter);
			err = oci_write_file(AT_FDCWD, pid_file, buf);
			if (err) {
				oci_error("--pid-file %s: %s", pid_file,
					  strerror(-err));
				code = 255;
			}
		}
		goto out_close;
	}
	if (pid_file) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		err = oci_write_file(AT_FDCWD, pid_file, buf);
		if (err) {
			oci_error("--pid-file %s: %s", pid_file,
				  strerror(-err));
			goto out_close;
		}
	}
	if (relay_sock >= 0 && console_oci_relay(relay_sock, tty_slave) < 0) {
		oci_error("exec failed: cannot relay the terminal: %s",
			  strerror(errno));
		goto out_close;
	}
	code = exec_wait(c.dirfd, sock, pid, &set);
out_close:
	if (relay_sock >= 0)
		close(relay_sock);
	if (tty_slave >= 0)
		close(tty_slave);
	if (sock >= 0)
		close(sock);
	oci_container_close(&c);
out:
	free(payload);
	free(x.cwd);
	json_decref(x.args);
	json_decref(x.env);
	json_decref(extra_env);
	json_decref(cfg);
	return code;
}

/* ---- spec, features, and what is not there yet ------------------------ */

static int cmd_spec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"rootless", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char *bundle = ".";
	char path[4096], *s;
	json_t *j;
	int ch, fd;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		if (ch == 'b')
			bundle = optarg;
		else if (ch != 'r')
			return 1;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	j = oci_config_default();
	s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		return 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		oci_error(errno == EEXIST ? "File %s exists. Remove it first"
					  : "cannot write %s",
			  path);
		free(s);
		return 1;
	}
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		oci_error("cannot write %s: %s", path, strerror(errno));
		close(fd);
		free(s);
		return 1;
	}
	close(fd);
	free(s);
	return 0;
}

static int cmd_features(int argc, char **argv)
{
	json_t *j, *caps = json_array();
	const char *name;

	(void)argc;
	(void)argv;
	for (int i = 0; (name = oci_cap_name(i)); i++)
		json_array_append_new(caps, json_string(name));
	j = json_pack(
	    "{s:s, s:s, s:[s,s,s,s,s,s],"
	    " s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s],"
	    " s:{s:[s,s,s,s,s,s,s,s], s:o, s:{s:b, s:b, s:b, s:b},"
	    " s:o, s:{s:b}, s:{s:b}},"
	    " s:{s:s, s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", OCI_VERSION, "hooks",
	    "prestart", "createRuntime", "createContainer", "startContainer",
	    "poststart", "poststop", "mountOptions", "bind", "rbind", "ro",
	    "rw", "noexec", "nosuid", "nodev", "dev", "suid", "exec", "private",
	    "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
	    "runbindable", "relatime", "norelatime", "noatime", "strictatime",
	    "linux", "namespaces", "pid", "network", "mount", "ipc", "uts",
	    "user", "cgroup", "time", "capabilities", caps, "cgroup", "v1", 1,
	    "v2", 1, "systemd", 0, "systemdUser", 0, "seccomp",
	    oci_seccomp_features(), "apparmor", "enabled", 0, "selinux",
	    "enabled", 0, "annotations", OCI_ANNOT_PLATFORM, "ptrace",
	    OCI_ANNOT_NETWORK, "none,host");
	if (!j)
		return 1;
	print_json(j, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	return 0;
}

/* pause and resume: every task frozen inside the sentry, as runsc's. */
static int pause_resume(int argc, char **argv, bool pause)
{
	struct oci_container c;
	struct ctl_reply r;
	enum oci_status s;
	const char *id;
	int rootfd, err, code = 0;

	optind = 1;
	if (getopt(argc, argv, "") != -1 || !(id = one_id(argc, argv, argv[0])))
		return 1;
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_EX, &c))
		return 1;
	s = oci_container_status(&c);
	if (s != (pause ? OCI_RUNNING : OCI_PAUSED)) {
		oci_error("container not %s", pause ? "running" : "paused");
		code = 1;
	} else {
		err = oci_ctl(c.dirfd, pause ? CTL_PAUSE : CTL_RESUME, 0, 0, &r,
			      NULL, 0);
		if (err || r.err)
			code = ctl_failed(err, &r);
	}
	oci_container_close(&c);
	return code;
}

static int cmd_pause(int argc, char **argv)
{
	return pause_resume(argc, argv, true);
}

static int cmd_resume(int argc, char **argv)
{
	return pause_resume(argc, argv, false);
}

/* ---- events, update ---------------------------------------------------- */

/*
 * runc's stats event for container c: usage from its sentry (the
 * sandbox's own accounting), limits from its host cgroups. NULL, after
 * saying why, when the sentry cannot answer.
 */
static json_t *stats_event(struct oci_container *c)
{
	union {
		struct ctl_stats st;
		int32_t words[CTL_STATS_WORDS];
	} u;
	long long mem_limit, pids_limit;
	struct ctl_reply r;
	int err;

	err = oci_ctl(c->dirfd, CTL_STATS, 0, 0, &r, u.words, CTL_STATS_WORDS);
	if (err || r.err || r.npids != CTL_STATS_WORDS) {
		if (!err && !r.err)
			r.err = -EPROTO;
		ctl_failed(err, &r);
		return NULL;
	}
	oci_cgroup_limits(json_object_get(c->state, "moatCgroups"), &mem_limit,
			  &pids_limit);
	/* All CPU time is user time: the platforms tell only the total. */
	return json_pack("{s:s, s:s, s:{s:{s:{s:I, s:I, s:I, s:[]}, s:{}}, "
			 "s:{s:{s:I, s:I, s:I, s:I}}, s:{s:I, s:I}}}",
			 "type", "stats", "id", c->id, "data", "cpu", "usage",
			 "total", (json_int_t)u.st.cpu_ns, "user",
			 (json_int_t)u.st.cpu_ns, "kernel", (json_int_t)0,
			 "percpu", "throttling", "memory", "usage", "usage",
			 (json_int_t)u.st.memory, "limit",
			 (json_int_t)(mem_limit < 0 ? INT64_MAX : mem_limit),
			 "max", (json_int_t)0, "failcnt", (json_int_t)0, "pids",
			 "current", (json_int_t)u.st.threads, "limit",
			 (json_int_t)(pids_limit < 0 ? 0 : pids_limit));
}

/* A duration of runc's flags ("5s", "100ms", "1m30s"): ms, or -1. */
static long long parse_duration(const char *s)
{
	long long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		long long unit;

		if (end == s || v < 0)
			return -1;
		if (!strncmp(end, "ms", 2))
			unit = 1, end += 2;
		else if (*end == 's')
			unit = 1000, end++;
		else if (*end == 'm')
			unit = 60000, end++;
		else if (*end == 'h')
			unit = 3600000, end++;
		else
			return -1;
		total += (long long)(v * (double)unit);
		s = end;
	}
	return total;
}

static int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stats", no_argument, NULL, 's'},
	    {"interval", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	long long interval = 5000;
	bool once = false;
	struct oci_container c;
	const char *id;
	int rootfd, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's') {
			once = true;
		} else if (ch == 'i') {
			interval = parse_duration(optarg);
			if (interval <= 0) {
				oci_error("invalid value \"%s\" for flag "
					  "--interval: a duration such as 5s "
					  "or 500ms",
					  optarg);
				return 1;
			}
		} else {
			return 1;
		}
	}
	if (!(id = one_id(argc, argv, "events")) || (rootfd = root_fd()) < 0)
		return 1;
	for (;;) {
		struct timespec ts = {interval / 1000,
				      (interval % 1000) * 1000000L};
		enum oci_status s;
		json_t *ev;

		if (open_container(rootfd, id, LOCK_SH, &c))
			return 1;
		s = oci_container_status(&c);
		if (s == OCI_STOPPED) {
			oci_container_close(&c);
			if (!once)
				return 0; /* the stream ends with it */
			oci_error("container with id %s is not running", id);
			return 1;
		}
		ev = stats_event(&c);
		oci_container_close(&c);
		if (!ev)
			return 1;
		json_dumpf(ev, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		json_decref(ev);
		if (once)
			return 0;
		nanosleep(&ts, NULL);
	}
}

/*
 * A size of runc's update flags: bytes with an optional b, k, m, g, t or p
 * (powers of 1024, any case, "kb" too), or -1 for no limit. 0 on success.
 */
int oci_parse_bytes(const char *s, long long *out)
{
	static const char units[] = "bkmgtp";
	char *end;
	long long v;
	const char *u;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < -1)
		return -1;
	if (v == -1 && !*end) {
		*out = -1;
		return 0;
	}
	if (*end) {
		u = strchr(units, tolower((unsigned char)*end));
		if (!u || (end[1] && (tolower((unsigned char)end[1]) != 'b' ||
				      end[2] || u == units)))
			return -1;
		for (long i = 0; i < u - units; i++) {
			if (v > INT64_MAX / 1024)
				return -1;
			v *= 1024;
		}
	}
	*out = v;
	return 0;
}

/* A --pids-limit: a count, or -1 or 0 for no limit (runc's). 0 on success. */
static int parse_count(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (end == s || *end || errno || *out < -1)
		return -1;
	if (*out == 0)
		*out = -1;
	return 0;
}

static int cmd_update(int argc, char **argv)
{
	enum {
		O_MEM = 256,
		O_SWAP,
		O_PIDS,
		O_RES,
		O_CPU_PERIOD,
		O_CPU_QUOTA,
		O_CPU_RT_PERIOD,
		O_CPU_RT_RUNTIME,
		O_CPU_SHARE,
		O_CPUSET_CPUS,
		O_CPUSET_MEMS,
		O_MEM_RES,
		O_OTHER
	};
	static const struct option opts[] = {
	    {"memory", required_argument, NULL, O_MEM},
	    {"memory-swap", required_argument, NULL, O_SWAP},
	    {"pids-limit", required_argument, NULL, O_PIDS},
	    {"resources", required_argument, NULL, O_RES},
	    {"blkio-weight", required_argument, NULL, O_OTHER},
	    {"cpu-period", required_argument, NULL, O_CPU_PERIOD},
	    {"cpu-quota", required_argument, NULL, O_CPU_QUOTA},
	    {"cpu-rt-period", required_argument, NULL, O_CPU_RT_PERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, O_CPU_RT_RUNTIME},
	    {"cpu-share", required_argument, NULL, O_CPU_SHARE},
	    {"cpu-shares", required_argument, NULL, O_CPU_SHARE},
	    {"cpu-idle", required_argument, NULL, O_OTHER},
	    {"cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS},
	    {"cpuset-mems", required_argument, NULL, O_CPUSET_MEMS},
	    {"kernel-memory", required_argument, NULL, O_OTHER},
	    {"kernel-memory-tcp", required_argument, NULL, O_OTHER},
	    {"memory-reservation", required_argument, NULL, O_MEM_RES},
	    {"l3-cache-schema", required_argument, NULL, O_OTHER},
	    {"mem-bw-schema", required_argument, NULL, O_OTHER},
	    {NULL, 0, NULL, 0},
	};
	long long mem = OCI_CG_KEEP, swap = OCI_CG_KEEP, pids = OCI_CG_KEEP;
	long long reservation = OCI_CG_KEEP;
	struct oci_cpu cpu = {OCI_CG_KEEP, OCI_CG_KEEP, OCI_CG_KEEP,
			      OCI_CG_KEEP, OCI_CG_KEEP, NULL,
			      NULL};
	json_t *flags = json_object(), *res = NULL;
	const char *resources = NULL, *id;
	char err[OCI_ERR_MAX];
	struct oci_container c;
	int rootfd, ch, idx, code = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:", opts, &idx)) != -1) {
		long long *to = ch == O_MEM	  ? &mem
				: ch == O_SWAP	  ? &swap
				: ch == O_MEM_RES ? &reservation
						  : &pids;

		switch (ch) {
		case O_MEM:
		case O_SWAP:
		case O_PIDS:
		case O_MEM_RES:
			if (ch == O_PIDS ? parse_count(optarg, to)
					 : oci_parse_bytes(optarg, to)) {
				oci_error("invalid value \"%s\" for flag --%s",
					  optarg, opts[idx].name);
				goto fail;
			}
			break;
		case 'r':
		case O_RES:
			resources = optarg;
			break;
		case O_CPU_PERIOD:
		case O_CPU_QUOTA:
		case O_CPU_RT_PERIOD:
		case O_CPU_RT_RUNTIME:
		case O_CPU_SHARE: {
			static const char *const keys[] = {
			    "period", "quota", "realtimePeriod",
			    "realtimeRuntime", "shares"};
			char *end;
			long long n;

			errno = 0;
			n = strtoll(optarg, &end, 10);
			if (!*optarg || *end || errno) {
				oci_error("invalid value \"%s\" for flag --%s",
					  optarg, opts[idx].name);
				goto fail;
			}
			json_object_set_new(flags, keys[ch - O_CPU_PERIOD],
					    json_integer(n));
			break;
		}
		case O_CPUSET_CPUS:
		case O_CPUSET_MEMS:
			json_object_set_new(
			    flags, ch == O_CPUSET_CPUS ? "cpus" : "mems",
			    json_string(optarg));
			break;
		case O_OTHER:
			oci_error("--%s: only the memory, pids and cpu limits "
				  "can be updated in moat",
				  opts[idx].name);
			goto fail;
		default:
			goto fail;
		}
	}
	if (!(id = one_id(argc, argv, "update")))
		goto fail;
	if (resources) {
		json_error_t je;
		const char *key;
		json_t *v, *l;

		res = !strcmp(resources, "-")
			  ? json_loadf(stdin, 0, &je)
			  : json_load_file(resources, 0, &je);
		if (!json_is_object(res)) {
			oci_error("%s: not a resources object: %s", resources,
				  res ? "wrong type" : je.text);
			goto fail;
		}
		json_object_foreach(res, key, v)
		{
			bool is_mem = !strcmp(key, "memory");

			if (json_is_null(v) ||
			    (json_is_object(v) && !json_object_size(v)) ||
			    (json_is_array(v) && !json_array_size(v)))
				continue;
			if (!strcmp(key, "cpu")) {
				char where[OCI_ERR_MAX / 2];

				snprintf(where, sizeof(where), "%s: cpu",
					 resources);
				if (oci_parse_cpu(v, where, &cpu, err,
						  sizeof(err))) {
					oci_error("%s", err);
					code = 1;
					break;
				}
				continue;
			}
			if ((!is_mem && strcmp(key, "pids")) ||
			    !json_is_object(v)) {
				oci_error("%s: %s: only the memory, pids and "
					  "cpu limits can be updated in moat",
					  resources, key);
				code = 1;
				break;
			}
			if ((l = json_object_get(v, "limit")) &&
			    json_is_integer(l))
				*(is_mem ? &mem : &pids) =
				    json_integer_value(l);
			if (!is_mem && pids == 0)
				pids = -1; /* the spec's "no limit" too */
			if (is_mem && (l = json_object_get(v, "swap")) &&
			    json_is_integer(l))
				swap = json_integer_value(l);
			if (is_mem && (l = json_object_get(v, "reservation")) &&
			    json_is_integer(l))
				reservation = json_integer_value(l);
		}
		if (code)
			goto fail;
	}
	/* The flags after the file, as runc takes them. */
	if (json_object_size(flags) &&
	    oci_parse_cpu(flags, "update: cpu", &cpu, err, sizeof(err))) {
		oci_error("%s", err);
		goto fail;
	}
	if (mem != OCI_CG_KEEP && swap != OCI_CG_KEEP && swap > 0 &&
	    (mem < 0 || swap < mem)) {
		oci_error("memory+swap limit should be larger than memory "
			  "limit");
		goto fail;
	}
	if ((rootfd = root_fd()) < 0 || open_container(rootfd, id, LOCK_EX, &c))
		goto fail;
	code = 0;
	if (oci_container_status(&c) == OCI_STOPPED) {
		oci_error("container not running");
		code = 1;
	} else if ((mem != OCI_CG_KEEP || swap != OCI_CG_KEEP ||
		    pids != OCI_CG_KEEP ||
		    (!oci_cpu_set(&cpu) && reservation == OCI_CG_KEEP)) &&
		   oci_cgroup_update(json_object_get(c.state, "moatCgroups"),
				     mem, swap, pids, err, sizeof(err))) {
		oci_error("%s", err);
		code = 1;
	} else if (reservation != OCI_CG_KEEP &&
		   oci_cgroup_update_reservation(
		       json_object_get(c.state, "moatCgroups"), reservation,
		       err, sizeof(err))) {
		oci_error("%s", err);
		code = 1;
	} else if (oci_cpu_set(&cpu) &&
		   oci_cgroup_update_cpu(
		       json_object_get(c.state, "moatCgroups"), &cpu, err,
		       sizeof(err))) {
		oci_error("%s", err);
		code = 1;
	}
	oci_container_close(&c);
	json_decref(flags);
	json_decref(res);
	return code;
fail:
	json_decref(flags);
	json_decref(res);
	return 1;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"create", cmd_create},   {"start", cmd_start},
    {"state", cmd_state},     {"kill", cmd_kill},
    {"delete", cmd_delete},   {"run", cmd_run},
    {"ps", cmd_ps},	      {"list", cmd_list},
    {"spec", cmd_spec},	      {"features", cmd_features},
    {"exec", cmd_exec},	      {"pause", cmd_pause},
    {"resume", cmd_resume},   {"events", cmd_events},
    {"update", cmd_update},   {"checkpoint", cmd_checkpoint},
    {"restore", cmd_restore},
};

bool oci_run_is_oci(int argc, char **argv)
{
	static const char *const with_arg[] = {"-b", "--bundle", "--pid-file",
					       "--console-socket",
					       "--preserve-fds"};
	static const char *const flags[] = {"-d",
					    "--detach",
					    "--no-pivot",
					    "--no-new-keyring",
					    "--no-subreaper",
					    "--keep"};

	if (argc < 2)
		return false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool known = false;

		if (a[0] != '-')
			continue;
		for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]);
		     k++) {
			size_t n = strlen(with_arg[k]);

			if (!strncmp(a, with_arg[k], n) &&
			    (!a[n] || a[n] == '=')) {
				known = true;
				if (!a[n])
					i++; /* its value */
			}
		}
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			known |= !strcmp(a, flags[k]);
		if (!known)
			return false; /* "--", or the sandbox's own option */
	}
	return true;
}

bool oci_is_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return true;
	return false;
}

int oci_main(int argc, char **argv, const struct oci_globals *g)
{
	G = g;
	/* Before moat opens any: which of 3... the caller left open. */
	for (int i = 0; i < CTL_EXEC_FDS_MAX; i++)
		if (fcntl(3 + i, F_GETFD) >= 0)
			fds_open_at_start |= 1ULL << i;
	if (g->log) {
		log_file = fopen(g->log, "ae");
		if (!log_file) {
			fprintf(stderr, "moat: --log %s: %s\n", g->log,
				strerror(errno));
			return 1;
		}
	}
	if (g->root[0] != '/') {
		oci_error("--root: must be an absolute path, got '%s'",
			  g->root);
		return 1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name)) {
			int code = commands[i].fn(argc, argv);

			fflush(NULL);
			return code;
		}
	oci_error("unknown command %s", argv[0]);
	return 1;
}
