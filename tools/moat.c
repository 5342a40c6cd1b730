// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command line. `moat run -- PROGRAM ARGS...` starts a sandbox:
 * this process becomes its sentry and exits with the application's status.
 */
#include "abi/syscall_table.h"
#include "gofer/gofer.h"
#include "platform/platform.h"
#include "sentry/kernel/filter.h"
#include "sentry/sentry.h"
#include "sentry/syscalls/syscalls.h"
#include "tools/console.h"
#include "tools/oci.h"
#include "tools/standalone.h"
#include "tools/stub_filters.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MOAT_VERSION "0.1.0"

extern char **environ;

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: moat [--help] [--version] COMMAND [ARGS...]\n"
	    "\n"
	    "moat runs Linux programs in a sandbox: a user-space kernel (the\n"
	    "sentry) implements every system call they make.\n"
	    "\n"
	    "Commands:\n"
	    "  run [OPTIONS] -- PROGRAM [ARGS...]\n"
	    "                 run PROGRAM in a new sandbox\n"
	    "  [GLOBAL] create|start|run|state|kill|delete|list|ps|spec|"
	    "features\n"
	    "                 the OCI runtime, with runc's command line (see\n"
	    "                 README: 'moat as an OCI runtime'); 'run' is\n"
	    "                 runc's when it has no '--' and no option of\n"
	    "                 the sandbox's own\n"
	    "  checkpoint [--leave-running] [--tcp-close] --image-path DIR "
	    "NAME\n"
	    "                 save the sandbox 'moat run --id NAME' started "
	    "into\n"
	    "                 DIR; it stops unless --leave-running\n"
	    "  restore --image-path DIR [NAME]\n"
	    "                 bring it back (as 'moat run --restore DIR')\n"
	    "  syscalls [--markdown]\n"
	    "                 list every x86-64 syscall and how far moat\n"
	    "                 implements it\n"
	    "  help           show this help ('moat run --help' for run)\n"
	    "\n"
	    "Global options:\n"
	    "  -h, --help     show this help\n"
	    "  --version      print moat's version\n"
	    "  --root DIR     the OCI containers' state (default /run/moat)\n"
	    "  --log FILE, --log-format text|json, --debug, "
	    "--systemd-cgroup\n"
	    "                 runc's, for the OCI commands\n");
}

static void run_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: moat run [OPTIONS] -- PROGRAM [ARGS...]\n"
	    "\n"
	    "Run PROGRAM in a new sandbox and exit with its exit status\n"
	    "(128+N if signal N killed it; 126 if it could not be run, 127\n"
	    "if it was not found; 125 if the sandbox itself failed).\n"
	    "PROGRAM without a '/' is looked up in $PATH. The sandbox gets\n"
	    "this process's environment and stdio.\n"
	    "\n"
	    "Options:\n"
	    "  --platform=NAME     how application code runs: ptrace, "
	    "systrap,\n"
	    "                      kvm (needs /dev/kvm) (default: ptrace)\n"
	    "  --no-rewrite        systrap: never rewrite the application's\n"
	    "                      syscall sites into calls of a trampoline\n"
	    "  --strace            print each syscall the application makes,\n"
	    "                      with decoded arguments and result, to "
	    "stderr\n"
	    "  --debug-log=FILE    append the sentry's debug log to FILE\n"
	    "  --stats             print the sentry's peak memory and run "
	    "time\n"
	    "                      to stderr at exit\n"
	    "  --print-seccomp[=sentry|gofer|stub]\n"
	    "                      print the sentry's host-syscall allow-list\n"
	    "                      (for the --network given before it), or "
	    "the\n"
	    "                      gofer's, or the stubs' filters, and exit\n"
	    "  --network=MODE      the sandbox's network: none (default: "
	    "only a\n"
	    "                      loopback inside the sandbox) or host (IPv4\n"
	    "                      and IPv6 sockets are the host's, made by "
	    "the\n"
	    "                      sentry; the host's interfaces, read-only)\n"
	    "  --cwd=DIR           start in DIR inside the sandbox (default:\n"
	    "                      this directory if the sandbox has it,\n"
	    "                      else /)\n"
	    "  --env=NAME=VALUE    set a variable in the program's "
	    "environment\n"
	    "                      (repeatable; NAME alone removes it)\n"
	    "  --user=UID[:GID]    run as UID and GID (default 0:0, the\n"
	    "                      sandbox's root); not 0: no capabilities\n"
	    "  --rootfs=DIR        serve host directory DIR as / (default: "
	    "the\n"
	    "                      host's /), read-only under an in-memory\n"
	    "                      layer that keeps the sandbox's writes\n"
	    "  --rw                with --rootfs: writes reach DIR itself\n"
	    "  --bind=SRC:DST[:OPTS]\n"
	    "                      mount host path SRC at DST in the sandbox\n"
	    "                      (repeatable); OPTS, separated by commas:\n"
	    "                      ro (read-only; default rw), connect (the\n"
	    "                      sandbox may connect to host unix sockets\n"
	    "                      under SRC)\n"
	    "  --hostname=NAME     the sandbox's host name (default: moat;\n"
	    "                      1 to 64 bytes)\n"
	    "  --pids=N            at most N tasks (threads) alive in the "
	    "sandbox:\n"
	    "                      fork and clone fail with EAGAIN past it\n"
	    "  --memory=SIZE       the whole sandbox's memory budget (bytes, "
	    "or\n"
	    "                      with k, m, g or t: 512m, 2g), in a host\n"
	    "                      cgroup (root only); the host's OOM killer\n"
	    "                      ends the program past it\n"
	    "  -t, --tty           give the program a terminal of the "
	    "sandbox's\n"
	    "                      own, relayed to this one (stdin must be "
	    "a\n"
	    "                      terminal; it is in raw mode until the "
	    "end)\n"
	    "  --id=NAME           name the sandbox, so that 'moat checkpoint "
	    "NAME'\n"
	    "                      can save it\n"
	    "  --restore=DIR       bring back the sandbox saved in DIR "
	    "(moat\n"
	    "                      checkpoint --image-path DIR) instead of "
	    "running\n"
	    "                      a PROGRAM; it keeps this process's stdio\n"
	    "  -h, --help          show this help\n");
}

/* --memory's host cgroup, for the monitor to report on and remove. */
struct budget {
	const char *text; /* as given */
	json_t *dirs;
	pid_t owner; /* the process that made it */
};

static void budget_remove(struct budget *b)
{
	size_t i;
	json_t *d;

	oci_cgroup_remove(b->dirs);
	/* /moat-run too, unless another sandbox's budget is in it. */
	json_array_foreach(b->dirs, i, d)
	{
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", json_string_value(d));
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			rmdir(parent);
		}
	}
	json_decref(b->dirs);
	b->dirs = NULL;
}

/*
 * In the monitor, once the sandbox has ended: what the host's OOM killer
 * did, said plainly (moat's own exit status is the sandbox's as ever),
 * then the cgroup goes.
 */
static void budget_done(int status, void *arg)
{
	struct budget *b = arg;
	long long kills = oci_cgroup_oom_kills(b->dirs);

	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && kills)
		fprintf(stderr,
			"moat: the sandbox ran out of its memory budget "
			"(--memory=%s): the host's OOM killer ended it\n",
			b->text);
	else if (kills)
		fprintf(stderr,
			"moat: the sandbox ran out of its memory budget "
			"(--memory=%s): the host's OOM killer ended %lld of "
			"its processes with SIGKILL\n",
			b->text, kills);
	budget_remove(b);
}

/* The cgroup at /moat-run/PID, or a message and -1 (the flag fails). */
static int budget_setup(struct sentry_config *cfg, struct budget *b)
{
	char rel[64], err[512];

	b->owner = getpid();
	snprintf(rel, sizeof(rel), "/moat-run/%d", (int)b->owner);
	if (oci_cgroup_budget(rel, (long long)cfg->mem_budget, &b->dirs,
			      &cfg->cgroup_procs_fd, err, sizeof(err)) < 0) {
		fprintf(stderr, "moat run: --memory: %s\n", err);
		return -1;
	}
	cfg->monitor_done = budget_done;
	cfg->monitor_arg = b;
	return 0;
}

/* --env: replace, add (NAME=VALUE) or remove (NAME) in cfg->envp. */
static int env_set(struct sentry_config *cfg, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t nlen = eq ? (size_t)(eq - entry) : strlen(entry), n = 0, out = 0;
	char **env;

	while (cfg->envp[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *e = cfg->envp[i];

		if (strncmp(e, entry, nlen) == 0 && e[nlen] == '=')
			continue;
		env[out++] = (char *)e;
	}
	if (eq)
		env[out++] = (char *)entry;
	env[out] = NULL;
	cfg->envp = env;
	return 0;
}

static int parse_uint32(const char *s, char **end, uint32_t *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || v >= 0xffffffffUL)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_user(const char *s, struct sentry_config *cfg)
{
	char *end;

	if (parse_uint32(s, &end, &cfg->uid) < 0)
		return -1;
	cfg->gid = cfg->uid;
	if (*end == ':' && parse_uint32(end + 1, &end, &cfg->gid) < 0)
		return -1;
	return *end ? -1 : 0;
}

/*
 * A host path for --rootfs or --bind: made absolute, and checked to exist
 * (a directory if dir), so that mistakes are reported here, clearly.
 */
static int host_path(const char *arg, bool dir, const char **out)
{
	char *abs = realpath(arg, NULL);
	struct stat st;

	if (!abs || stat(abs, &st) < 0) {
		fprintf(stderr, "moat run: %s: %s\n", arg, strerror(errno));
		free(abs);
		return -1;
	}
	if (dir && !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "moat run: --rootfs %s: not a directory\n",
			arg);
		free(abs);
		return -1;
	}
	*out = abs;
	return 0;
}

/*
 * --bind SRC:DST[:OPTS], OPTS a comma-separated list of ro, rw and
 * connect (the sandbox may connect to host unix sockets under SRC).
 */
static int parse_bind(const char *arg, struct sentry_config *cfg)
{
	char *copy = strdup(arg), *dst, *opts, *opt, *save = NULL;
	bool ro = false, connect = false;
	struct sentry_bind *b;

	if (!copy)
		return -1;
	dst = strchr(copy, ':');
	if (!dst || dst == copy || dst[1] != '/') {
		fprintf(stderr,
			"moat run: --bind needs SRC:DST[:OPTS] with an "
			"absolute DST, got '%s'\n",
			arg);
		free(copy);
		return -1;
	}
	*dst++ = '\0';
	opts = strchr(dst, ':');
	if (opts)
		*opts++ = '\0';
	for (opt = opts ? strtok_r(opts, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (!strcmp(opt, "ro") || !strcmp(opt, "rw")) {
			ro = !strcmp(opt, "ro");
		} else if (!strcmp(opt, "connect")) {
			connect = true;
		} else {
			fprintf(stderr,
				"moat run: --bind %s: unknown option '%s' "
				"(ro, rw or connect, separated by commas)\n",
				arg, opt);
			free(copy);
			return -1;
		}
	}
	if (cfg->nbinds == SENTRY_BINDS_MAX) {
		fprintf(stderr, "moat run: at most %d --bind\n",
			SENTRY_BINDS_MAX);
		free(copy);
		return -1;
	}
	b = &cfg->binds[cfg->nbinds];
	if (host_path(copy, false, &b->src) < 0) {
		free(copy);
		return -1;
	}
	b->dst = dst;
	b->ro = ro;
	b->connect = connect;
	cfg->nbinds++;
	return 0;
}

/*
 * Find prog on $PATH as execvp would, inside root (a host directory; "/"
 * for the host's own): the path in the sandbox, malloc'd, or NULL.
 */
static char *find_program(const char *prog, const char *root)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX], host[PATH_MAX];
	const char *p;

	if (strchr(prog, '/'))
		return strdup(prog);
	if (!strcmp(root, "/"))
		root = "";
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = strchr(p, ':') + 1) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct stat st;

		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)len, p,
			     len ? "/" : "", prog) < (int)sizeof(buf) &&
		    snprintf(host, sizeof(host), "%s%s", root, buf) <
			(int)sizeof(host) &&
		    stat(host, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(host, X_OK) == 0)
			return strdup(buf);
		if (!end)
			break;
	}
	return NULL;
}

/* --id: the sandbox's control channel, for moat checkpoint. */
static int serve_id(struct sentry_config *cfg, const char *id)
{
	cfg->ctl_sock = standalone_bind(id);
	cfg->ctl_standalone = cfg->ctl_sock >= 0;
	return cfg->ctl_sock < 0 ? -1 : 0;
}

/*
 * The sandbox's stdio as moat found it: a closed fd 0, 1 or 2 is closed
 * inside too, and /dev/null holds its number on the host meanwhile, so
 * that no file of moat's own (the gofer's socket, say) takes it and is
 * handed to the application as its stdin, stdout or stderr.
 */
static int hold_stdio(int stdio[3])
{
	for (int fd = 0; fd < 3; fd++) {
		stdio[fd] = fd;
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: the ones below are open. */
		if (open("/dev/null", O_RDWR) != fd)
			return -1;
		stdio[fd] = -1;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	enum {
		OPT_PLATFORM = 256,
		OPT_STRACE,
		OPT_DEBUG_LOG,
		OPT_STATS,
		OPT_PRINT_SECCOMP,
		OPT_CWD,
		OPT_ENV,
		OPT_USER,
		OPT_ROOTFS,
		OPT_RW,
		OPT_BIND,
		OPT_HOSTNAME,
		OPT_NETWORK,
		OPT_PIDS,
		OPT_MEMORY,
		OPT_NO_REWRITE,
		OPT_ID,
		OPT_RESTORE,
	};
	static const struct option opts[] = {
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"strace", no_argument, NULL, OPT_STRACE},
	    {"debug-log", required_argument, NULL, OPT_DEBUG_LOG},
	    {"stats", no_argument, NULL, OPT_STATS},
	    {"print-seccomp", optional_argument, NULL, OPT_PRINT_SECCOMP},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"env", required_argument, NULL, OPT_ENV},
	    {"user", required_argument, NULL, OPT_USER},
	    {"rootfs", required_argument, NULL, OPT_ROOTFS},
	    {"rw", no_argument, NULL, OPT_RW},
	    {"bind", required_argument, NULL, OPT_BIND},
	    {"hostname", required_argument, NULL, OPT_HOSTNAME},
	    {"network", required_argument, NULL, OPT_NETWORK},
	    {"pids", required_argument, NULL, OPT_PIDS},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"no-rewrite", no_argument, NULL, OPT_NO_REWRITE},
	    {"id", required_argument, NULL, OPT_ID},
	    {"restore", required_argument, NULL, OPT_RESTORE},
	    {"tty", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sentry_config cfg = {
	    .platform = "ptrace", .envp = environ, .rootfs = "/"};
	struct timespec t0, t1;
	struct rusage ru;
	bool stats = false, rootfs_given = false, print_seccomp = false;
	bool print_gofer = false, print_stub = false;
	bool tty = false;
	const char *id = NULL, *restore = NULL;
	static int stdio[3];
	int c, code;
	char *path;
	static struct budget budget;

	if (hold_stdio(stdio) < 0) {
		fprintf(stderr, "moat: cannot hold a closed stdio fd: %s\n",
			strerror(errno));
		return 125;
	}
	cfg.init_fds = stdio;
	cfg.ninit_fds = 3;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ht", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			cfg.platform = optarg;
			break;
		case OPT_STRACE:
			cfg.strace = true;
			break;
		case OPT_ID:
			id = optarg;
			break;
		case OPT_RESTORE:
			restore = optarg;
			break;
		case OPT_NO_REWRITE:
			platform_options.no_rewrite = true;
			break;
		case OPT_DEBUG_LOG:
			cfg.debug_log = optarg;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_PRINT_SECCOMP:
			print_seccomp = true;
			if (optarg && !strcmp(optarg, "gofer")) {
				print_gofer = true;
			} else if (optarg && !strcmp(optarg, "stub")) {
				print_stub = true;
			} else if (optarg && strcmp(optarg, "sentry")) {
				fprintf(stderr,
					"moat run: --print-seccomp=%s: not "
					"sentry, gofer or stub\n",
					optarg);
				return 125;
			}
			break;
		case OPT_NETWORK:
			if (!strcmp(optarg, "none")) {
				cfg.host_network = false;
			} else if (!strcmp(optarg, "host")) {
				cfg.host_network = true;
			} else {
				fprintf(stderr,
					"moat run: unknown network mode '%s'; "
					"available: none, host\n",
					optarg);
				return 125;
			}
			break;
		case OPT_CWD:
			if (optarg[0] != '/') {
				fprintf(stderr,
					"moat run: --cwd needs an absolute "
					"path, got '%s'\n",
					optarg);
				return 125;
			}
			cfg.cwd = optarg;
			break;
		case OPT_ENV:
			if (!optarg[0] || optarg[0] == '=') {
				fprintf(stderr,
					"moat run: --env needs NAME=VALUE or "
					"NAME, got '%s'\n",
					optarg);
				return 125;
			}
			if (env_set(&cfg, optarg) < 0) {
				fprintf(stderr, "moat run: out of memory\n");
				return 125;
			}
			break;
		case OPT_ROOTFS:
			if (host_path(optarg, true, &cfg.rootfs) < 0)
				return 125;
			rootfs_given = true;
			break;
		case OPT_RW:
			cfg.rootfs_rw = true;
			break;
		case OPT_BIND:
			if (parse_bind(optarg, &cfg) < 0)
				return 125;
			break;
		case OPT_PIDS: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (end == optarg || *end || n < 1 || n > 1 << 22) {
				fprintf(stderr,
					"moat run: --pids needs a number of "
					"tasks from 1 to 4194304, got '%s'\n",
					optarg);
				return 125;
			}
			cfg.max_tasks = (int)n;
			break;
		}
		case OPT_MEMORY: {
			long long n;

			/* Below a few pages the sentry itself cannot start. */
			if (oci_parse_bytes(optarg, &n) || n < (4LL << 20)) {
				fprintf(stderr,
					"moat run: --memory needs a size of "
					"at least 4m (bytes, or with k, m, g "
					"or t), got '%s'\n",
					optarg);
				return 125;
			}
			cfg.mem_budget = (uint64_t)n;
			budget.text = optarg;
			break;
		}
		case OPT_HOSTNAME:
			/* As sethostname: 1 to 64 bytes, anything but NUL. */
			if (!optarg[0] || strlen(optarg) > 64) {
				fprintf(stderr,
					"moat run: --hostname needs 1 to 64 "
					"bytes, got '%s'\n",
					optarg);
				return 125;
			}
			cfg.hostname = optarg;
			break;
		case OPT_USER:
			if (parse_user(optarg, &cfg) < 0) {
				fprintf(stderr,
					"moat run: --user needs UID or "
					"UID:GID (numbers below 4294967295), "
					"got '%s'\n",
					optarg);
				return 125;
			}
			break;
		case 't':
			tty = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "moat run: see 'moat run --help'\n");
			return 125;
		}
	}
	if (print_seccomp) {
		if (print_stub)
			stub_print_filters(stdout);
		else if (print_gofer)
			gofer_print_filter_text(stdout);
		else
			sentry_print_filter_text(
			    stdout, sentry_filter_variant(cfg.platform,
							  cfg.host_network));
		return 0;
	}
	if (cfg.rootfs_rw && !rootfs_given) {
		fprintf(stderr, "moat run: --rw needs --rootfs DIR (the host's "
				"own / is never writable)\n");
		return 125;
	}
	if (restore) {
		if (optind < argc || tty) {
			fprintf(stderr,
				"moat run: --restore DIR brings back the saved "
				"program: give no PROGRAM%s\n",
				tty ? " and no -t" : "");
			return 125;
		}
		/* The platform, root, binds and network are the image's. */
		cfg.nbinds = 0;
		if (standalone_load_config(restore, &cfg) < 0)
			return 125;
		if (id && serve_id(&cfg, id) < 0)
			return 125;
		code = sentry_main(&cfg);
		fflush(NULL);
		_exit(code);
	}
	if (optind >= argc) {
		fprintf(stderr, "moat run: no program given; usage: moat run "
				"[OPTIONS] -- PROGRAM [ARGS...]\n");
		return 125;
	}
	if (id && tty) {
		fprintf(stderr, "moat run: --id cannot be checkpointed with -t "
				"(a terminal); drop one\n");
		return 125;
	}
	if (id && serve_id(&cfg, id) < 0)
		return 125;
	if (tty && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "moat run: -t needs a terminal on stdin\n");
		return 125;
	}
	if (!platform_lookup(cfg.platform)) {
		fprintf(stderr,
			"moat run: unknown platform '%s'; available: ptrace, "
			"systrap, kvm\n",
			cfg.platform);
		return 125;
	}
	if (strcmp(cfg.platform, "kvm") == 0) {
		int err = kvm_platform_open();

		if (err) {
			fprintf(stderr,
				"moat run: --platform=kvm needs /dev/kvm, "
				"readable and writable: %s\n",
				strerror(-err));
			return 125;
		}
	}
	path = find_program(argv[optind], cfg.rootfs);
	if (!path) {
		fprintf(stderr, "moat: %s: command not found in $PATH\n",
			argv[optind]);
		return 127;
	}
	cfg.path = path;
	/* Another root: the program is its file, loaded through the VFS. */
	cfg.exe_in_sandbox = strcmp(cfg.rootfs, "/") != 0;
	cfg.argv = &argv[optind];

	/*
	 * No fork here: the sentry forks only once it has left the host's
	 * files (kernel/isolate.h), and this process stays its monitor.
	 */
	cfg.cgroup_procs_fd = -1;
	if (cfg.mem_budget && budget_setup(&cfg, &budget) < 0)
		return 125;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	code = tty ? console_run(&cfg) : sentry_main(&cfg);
	/* Still moat's first process: no sandbox ever used the cgroup. */
	if (budget.dirs && getpid() == budget.owner)
		budget_remove(&budget);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stats && getrusage(RUSAGE_SELF, &ru) == 0)
		fprintf(stderr, "moat: sentry peak RSS %ld KiB, wall %.3f ms\n",
			ru.ru_maxrss,
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	fflush(NULL);
	/* Exit without running atexit handlers in a half-torn-down kernel. */
	_exit(code);
}

static const char *support_name(int s)
{
	switch (s) {
	case SYSCALL_FULL:
		return "full";
	case SYSCALL_PARTIAL:
		return "partial";
	default:
		return "ENOSYS";
	}
}

static int cmd_syscalls(int argc, char **argv)
{
	bool md = argc > 1 && strcmp(argv[1], "--markdown") == 0;
	int counts[3] = {0, 0, 0};

	if (argc > 1 && !md) {
		fprintf(stderr,
			"moat syscalls: unknown option '%s'; usage: "
			"moat syscalls [--markdown]\n",
			argv[1]);
		return 2;
	}
	for (long nr = 0; nr < ABI_NR_SYSCALLS; nr++) {
		const struct abi_syscall *s = abi_syscall(nr);

		if (s)
			counts[syscall_table[nr].fn ? syscall_table[nr].support
						    : 0]++;
	}
	if (md)
		printf("%d of %d x86-64 syscalls are implemented (%d fully, "
		       "%d partially); the rest return ENOSYS.\n\n"
		       "| nr | syscall | support | note |\n"
		       "|---:|---|---|---|\n",
		       counts[1] + counts[2], counts[0] + counts[1] + counts[2],
		       counts[1], counts[2]);
	for (long nr = 0; nr < ABI_NR_SYSCALLS; nr++) {
		const struct abi_syscall *s = abi_syscall(nr);
		const struct syscall_entry *e = &syscall_table[nr];
		int sup = e->fn ? e->support : SYSCALL_UNSUPPORTED;

		if (!s)
			continue;
		if (md) {
			if (sup != SYSCALL_UNSUPPORTED)
				printf("| %ld | %s | %s | %s |\n", nr, s->name,
				       support_name(sup),
				       e->note ? e->note : "");
		} else {
			printf("%3ld %-24s %-8s %s\n", nr, s->name,
			       support_name(sup), e->note ? e->note : "");
		}
	}
	if (md) {
		bool first = true;

		printf("\nReturning ENOSYS: ");
		for (long nr = 0; nr < ABI_NR_SYSCALLS; nr++) {
			const struct abi_syscall *s = abi_syscall(nr);

			if (s && !syscall_table[nr].fn) {
				printf("%s%s", first ? "" : ", ", s->name);
				first = false;
			}
		}
		printf(".\n");
	}
	return 0;
}

/* moat restore --image-path DIR [ID]: moat run [--id ID] --restore DIR. */
static int cmd_restore(int argc, char **argv)
{
	const char *dir = NULL, *id = NULL;
	char *run[6];
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--image-path") && i + 1 < argc)
			dir = argv[++i];
		else if (!strncmp(argv[i], "--image-path=", 13))
			dir = argv[i] + 13;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else {
			fprintf(stderr,
				"moat restore: unexpected '%s'; usage: moat "
				"restore --image-path DIR [ID]\n",
				argv[i]);
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "moat restore: --image-path DIR is required; "
				"usage: moat restore --image-path DIR [ID]\n");
		return 2;
	}
	run[n++] = "run";
	if (id) {
		run[n++] = "--id";
		run[n++] = (char *)id;
	}
	run[n++] = "--restore";
	run[n++] = (char *)dir;
	run[n] = NULL;
	return cmd_run(n, run);
}

int main(int argc, char **argv)
{
	struct oci_globals g = {0};
	char **args = argv;
	int nargs = argc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("moat %s\n", MOAT_VERSION);
		return 0;
	}
	/* runc's global flags come before its command. */
	if (oci_parse_globals(&nargs, &args, &g) < 0)
		return 2;
	if (nargs < 1) {
		usage(stderr);
		return 2;
	}
	if (args == argv + 1 && strcmp(argv[1], "run") == 0 &&
	    !oci_run_is_oci(argc - 1, argv + 1))
		return cmd_run(argc - 1, argv + 1);
	/* checkpoint and restore of a sandbox moat run named. */
	if (args == argv + 1 &&
	    (!strcmp(argv[1], "checkpoint") || !strcmp(argv[1], "restore")) &&
	    standalone_wants(argc - 1, argv + 1)) {
		if (!strcmp(argv[1], "checkpoint"))
			return standalone_checkpoint(argc - 1, argv + 1);
		return cmd_restore(argc - 1, argv + 1);
	}
	if (oci_is_command(args[0]))
		return oci_main(nargs, args, &g);
	if (strcmp(argv[1], "syscalls") == 0)
		return cmd_syscalls(argc - 1, argv + 1);
	fprintf(stderr,
		"moat: unknown command '%s'; run 'moat --help' for the "
		"list of commands\n",
		argv[1]);
	return 2;
}
