// SPDX-License-Identifier: Apache-2.0
/*
 * The sentry's boot: the gofer and whatever else needs a host path or a
 * privilege, then the sentry leaves the host (namespaces of its own, no
 * capabilities), memory file and platform (the platform forks its helpers
 * while that is still allowed), then the sentry's own seccomp filter, then
 * init's task thread.
 */
#include "sentry/sentry.h"

#include "abi/syscall_table.h"
#include "gofer/gofer.h"
#include "platform/platform.h"
#include "sentry/fs/tty.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/control.h"
#include "sentry/kernel/filter.h"
#include "sentry/kernel/isolate.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/monitor.h"
#include "sentry/kernel/task.h"
#include "sentry/net/netdev.h"
#include "sentry/state/image.h"
#include "sentry/state/snapshot.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	char buf[160];
	char *name;
	int n;

	(void)sig;
	name = abi_syscall(si->si_syscall)
		   ? (char *)abi_syscall(si->si_syscall)->name
		   : NULL;
	n = snprintf(
	    buf, sizeof(buf),
	    "moat: sentry bug: forbidden host syscall %d (%s) at "
	    "%#llx; stopping the sandbox\n",
	    si->si_syscall, name ? name : "?",
	    (unsigned long long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	(void)!write(STDERR_FILENO, buf, n > 0 ? (size_t)n : 0);
	_exit(125);
}

/*
 * Into the memory budget's cgroup (cgroup.procs open as fd; "0" is the
 * writer), and the platform's helpers first in line for the host's OOM
 * killer, as the application's processes would be in Linux's: the stub
 * factory and the stubs it forks inherit an oom_score_adj of 1000 that
 * the sentry itself gives back once it has started them.
 */
static int join_budget(int fd)
{
	int err = 0, adj;

	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			err = -errno;
		close(fd);
	}
	adj = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	if (!err && adj < 0)
		err = -errno;
	if (!err)
		platform_helpers_oom_first(adj);
	else if (adj >= 0)
		close(adj);
	return err;
}

/*
 * Donate the host's stdio to init as fds 0, 1 and 2, or the OCI runtime's
 * fds (host[i] as fd i).
 */
static int donate_stdio(struct fdtable *fds, const int *host, int n)
{
	static const int stdio[3] = {0, 1, 2};

	if (!host) {
		host = stdio;
		n = 3;
	}
	for (int fd = 0; fd < n; fd++) {
		int flags = host[fd] < 0 ? -1 : fcntl(host[fd], F_GETFL);
		struct file *f;
		int copy;

		if (flags < 0)
			continue; /* closed on the host: closed inside */
		copy = fcntl(host[fd], F_DUPFD_CLOEXEC, 3);
		if (copy < 0)
			return -errno;
		f = hostfd_file_create(copy, (uint32_t)flags);
		if (!f) {
			close(copy);
			return -ENOMEM;
		}
		/* The sandbox's stdio, which a restore gives again. */
		if (fd < 3)
			hostfd_file_set_donor(f, fd);
		if (fd_install_at(fds, f, fd, false, n > 3 ? n : 3) < 0) {
			file_put(f);
			return -ENOMEM;
		}
		file_put(f);
	}
	return 0;
}

/*
 * init's working directory: --cwd, else the host's own if the sandbox
 * has the same path, else "/".
 */
static int set_initial_cwd(struct task *init, const char *want,
			   const char *host)
{
	struct vfs_lookup_ctx ctx = {
	    .ns = &init->k->ns, .root = init->fs->root, .creds = &init->creds};
	struct vfs_path p, old;
	const char *path = want;
	int err;

	if (!path) {
		if (!host[0])
			return 0;
		path = host;
	}
	err = vfs_lookup(&ctx, &init->fs->root, path,
			 LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err)
		return want ? err : 0;
	old = init->fs->cwd;
	init->fs->cwd = p;
	vfs_path_put(&old);
	return 0;
}

/* Where the boot's errors go: stderr, or moat create's pipe. */
static FILE *boot_err;

/* OCI: init's credentials, limits and flags from config.json. */
static int oci_creds(struct kernel *k, struct task *init,
		     const struct sentry_config *cfg)
{
	struct creds *c = &init->creds;

	if (cfg->caps_set) {
		c->cap_bounding = cfg->cap_bounding;
		c->cap_effective = cfg->cap_effective;
		c->cap_permitted = cfg->cap_permitted;
		c->cap_inheritable = cfg->cap_inheritable;
		/* As runc raises them: those also permitted and
		 * inheritable. */
		c->cap_ambient = cfg->cap_ambient & cfg->cap_permitted &
				 cfg->cap_inheritable;
	}
	if (cfg->ngroups) {
		c->groups = calloc((size_t)cfg->ngroups, sizeof(*c->groups));
		if (!c->groups)
			return -ENOMEM;
		memcpy(c->groups, cfg->groups,
		       (size_t)cfg->ngroups * sizeof(*c->groups));
		c->ngroups = cfg->ngroups;
	}
	init->no_new_privs = cfg->no_new_privs;
	/* linux.seccomp: as runc attaches it right before execve. */
	if (cfg->seccomp_prog) {
		int err =
		    app_seccomp_install(init, cfg->seccomp_prog,
					cfg->seccomp_len, cfg->seccomp_flags);

		if (err) {
			fprintf(boot_err,
				"moat: linux.seccomp: the program is "
				"refused: %s\n",
				strerror(-err));
			return err;
		}
	}
	for (int i = 0; i < cfg->nrlimits; i++) {
		const struct sentry_rlimit *r = &cfg->rlimits[i];

		if (r->resource >= 0 && r->resource < ABI_RLIM_NLIMITS) {
			k->default_rlim[r->resource].rlim_cur = r->cur;
			k->default_rlim[r->resource].rlim_max = r->max;
		}
	}
	return 0;
}

/*
 * OCI: init is loaded; tell moat create, which returns, and wait for the
 * control channel's word (moat start, or a kill).
 */
static int oci_wait_start(struct kernel *k, const struct sentry_config *cfg,
			  struct task_start *st, const struct task *init,
			  const char **why)
{
	int err = kernel_init_loaded(st, why);

	if (err)
		return err;
	err = control_serve(k, cfg->ctl_sock, init);
	if (err) {
		*why = "cannot serve the control channel";
		return err;
	}
	{
		static char *config;

		config = snapshot_config_format(cfg);
		if (config)
			control_allow_checkpoint(config);
	}
	log_debug("boot: init loaded, waiting for start");
	fputc('\0', boot_err);
	fclose(boot_err);
	boot_err = stderr;
	control_wait_start();
	return 0;
}

/* The rest of the boot, run by init's thread while the filter goes in. */
struct boot {
	const struct sentry_config *cfg;
	char host_cwd[ABI_PATH_MAX];
	const char *what; /* what failed */
	char msg[ABI_PATH_MAX + 16];
	pthread_t thread;
};

static struct boot boot;

/* The sandbox's mounts, as the configuration makes them: 0, or -errno
 * with b->what saying what failed. */
static int boot_mounts(struct kernel *k, const struct sentry_config *cfg,
		       struct boot *b)
{
	struct vfs_path root;
	int err;

	err = kernel_boot_vfs(k, cfg->rootfs_rw, cfg->binds, cfg->nbinds,
			      cfg->oci ? cfg->mounts : NULL, cfg->nmounts);
	if (err) {
		b->what = "cannot build the filesystem";
		return err;
	}
	if (cfg->oci) {
		const char *path = NULL;

		err = kernel_protect_paths(
		    k, cfg->readonly_paths, cfg->nreadonly_paths,
		    cfg->masked_paths, cfg->nmasked_paths, &path);
		if (err) {
			snprintf(b->msg, sizeof(b->msg), "cannot protect %s",
				 path);
			b->what = b->msg;
			return err;
		}
	}
	vfs_ns_root(&k->ns, &root);
	/* OCI's root.readonly: mount points were made; no more writes. */
	if (cfg->oci && cfg->root_readonly)
		root.mnt->flags |= VFS_MNT_RDONLY;
	vfs_path_put(&root);
	return 0;
}

static int boot_fs(struct task *init, void *arg)
{
	struct boot *b = arg;
	const struct sentry_config *cfg = b->cfg;
	struct kernel *k = init->k;
	struct vfs_path root;
	int err;

	err = boot_mounts(k, cfg, b);
	if (err)
		return err;
	vfs_ns_root(&k->ns, &root);
	init->fs = fs_struct_create(&root, &root);
	vfs_path_put(&root);
	if (!init->fs) {
		b->what = "out of memory";
		return -ENOMEM;
	}
	err = set_initial_cwd(init, cfg->cwd, b->host_cwd);
	if (err) {
		snprintf(b->msg, sizeof(b->msg), "--cwd %s", cfg->cwd);
		b->what = b->msg;
	}
	return err;
}

static void *boot_thread(void *arg)
{
	struct task *init = arg;
	int err = boot_fs(init, &boot);

	kernel_vfs_done(init->k, err);
	return NULL;
}

/* moat run --id: the control channel, for moat checkpoint. */
static int serve_standalone(struct kernel *k, const struct sentry_config *cfg,
			    const struct task *init)
{
	static char *config;

	config = snapshot_config_format(cfg);
	if (!config || control_serve(k, cfg->ctl_sock, init)) {
		fprintf(stderr, "moat: cannot serve the control channel\n");
		return -1;
	}
	control_running();
	control_allow_checkpoint(config);
	return 0;
}

/*
 * moat run --restore: the memory file from the image, the filesystem from
 * the same configuration, then the kernel's state; every task runs once
 * the filter is in.
 */
static int restore_main(struct kernel *k, const struct sentry_config *cfg)
{
	int stdio[3] = {0, 1, 2};
	char why[SNAPSHOT_WHY_LEN];
	struct image_reader r;
	struct task *init;
	int err, status;

	if (cfg->console) {
		fprintf(boot_err, "moat: restore: a sandbox with a terminal "
				  "cannot be restored yet\n");
		return 125;
	}
	/* The container's fds (OCI), or moat run's own, as init's were. */
	for (int i = 0; cfg->init_fds && i < 3; i++)
		stdio[i] = i < cfg->ninit_fds ? cfg->init_fds[i] : -1;
	err = image_open_layout(&r, cfg->restore_fd);
	if (err) {
		fprintf(boot_err, "moat: restore: %s\n",
			r.err[0] ? r.err : strerror(-err));
		return 125;
	}
	err = kernel_init_restore(k, cfg->platform, &r);
	if (err) {
		fprintf(boot_err, "moat: restore: %s\n",
			r.err[0] ? r.err : strerror(-err));
		return 125;
	}
	boot.cfg = cfg;
	err = boot_mounts(k, cfg, &boot);
	kernel_vfs_done(k, err);
	if (err) {
		fprintf(boot_err, "moat: restore: %s: %s\n", boot.what,
			strerror(-err));
		return 125;
	}
	err = snapshot_restore(k, &r, stdio, why, sizeof(why));
	image_close(&r);
	close(cfg->restore_fd);
	if (err) {
		fprintf(boot_err, "moat: restore: %s\n", why);
		return 125;
	}
	err = sentry_install_filter(
	    sentry_filter_variant(cfg->platform, k->host_network));
	if (err) {
		fprintf(boot_err,
			"moat: cannot install the sentry's seccomp filter: "
			"%s\n",
			strerror(-err));
		return 125;
	}
	pthread_mutex_lock(&k->lock);
	init = k->init_tg->leader;
	task_get(init);
	pthread_mutex_unlock(&k->lock);
	if ((cfg->ctl_standalone || cfg->oci) &&
	    serve_standalone(k, cfg, init)) {
		task_put(init);
		return 125;
	}
	task_put(init);
	log_debug("restore: every task made; running");
	if (cfg->oci) { /* moat restore returns: the container runs */
		fputc('\0', boot_err);
		fclose(boot_err);
		boot_err = stderr;
	}
	kernel_thaw(k);
	status = kernel_wait(k);
	if (control_checkpointed()) {
		fprintf(stderr, "moat: the sandbox was checkpointed and "
				"stopped\n");
		return 0;
	}
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}

int sentry_main(const struct sentry_config *cfg)
{
	struct sigaction sa = {.sa_sigaction = sigsys_handler,
			       .sa_flags = SA_SIGINFO};
	static struct kernel k;
	static struct task init;
	const char *why = NULL;
	struct rlimit app_core, app_nofile;
	struct task_start *st;
	int exe_fd, log_fd = -1, err, status;
	pid_t monitored;

	/* moat create hears of the boot's errors through ready_fd. */
	boot_err = stderr;
	if (cfg->oci) {
		boot_err = fdopen(cfg->ready_fd, "w");
		if (!boot_err)
			return 125;
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The sandbox keeps its own RLIMIT_FSIZE: a write of a host file past
	 * the host's limit must be EFBIG for the application, never a signal
	 * that ends the sentry.
	 */
	signal(SIGXFSZ, SIG_IGN);
	sigaction(SIGSYS, &sa, NULL);
	/*
	 * One malloc arena for every thread: glibc shrinks a thread arena's
	 * heap only after reading /proc/sys/vm/overcommit_memory, a file the
	 * seccomp filter rightly refuses to open; the main arena trims with
	 * brk.
	 */
	mallopt(M_ARENA_MAX, 1);
	if (cfg->debug_log) {
		log_fd = open(cfg->debug_log,
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			fprintf(boot_err,
				"moat: cannot open debug log %s: %s\n",
				cfg->debug_log, strerror(errno));
			return 125;
		}
		log_set_fd(log_fd, LOG_DEBUG);
	}
	/*
	 * The gofer first, before the memory file exists, so that it never
	 * holds a mapping of the application's memory.
	 */
	k.gofer_sock = -1;
	if (cfg->rootfs) {
		struct gofer_mount_spec specs[1 + SENTRY_BINDS_MAX] = {
		    {.host_path = cfg->rootfs, .readonly = !cfg->rootfs_rw}};
		int sv[2];

		for (int i = 0; i < cfg->nbinds; i++)
			specs[i + 1] = (struct gofer_mount_spec){
			    .host_path = cfg->binds[i].src,
			    .readonly = cfg->binds[i].ro,
			    .uds =
				cfg->binds[i].connect ? GOFER_UDS_CONNECT : 0};

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
		    0) {
			fprintf(boot_err, "moat: socketpair: %s\n",
				strerror(errno));
			return 125;
		}
		k.gofer_pid =
		    gofer_start(sv[1], specs, 1 + (unsigned)cfg->nbinds);
		close(sv[1]);
		if (k.gofer_pid < 0) {
			fprintf(boot_err, "moat: cannot start the gofer: %s\n",
				strerror(-k.gofer_pid));
			close(sv[0]);
			return 125;
		}
		k.gofer_sock = sv[0];
	}
	k.opts.strace = cfg->strace;
	k.opts.init_unkillable = cfg->init_unkillable;
	k.opts.max_tasks = cfg->max_tasks;
	k.opts.mem_budget = cfg->mem_budget;
	k.opts.strace_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (cfg->hostname)
		snprintf(k.hostname, sizeof(k.hostname), "%s", cfg->hostname);
	for (int i = 0; cfg->oci && i < cfg->nuid_map && i < KERNEL_IDMAP_MAX;
	     i++) {
		k.uid_map[i].inside = cfg->uid_map[i].inside;
		k.uid_map[i].outside = cfg->uid_map[i].outside;
		k.uid_map[i].count = cfg->uid_map[i].count;
		k.nuid_map = i + 1;
	}
	for (int i = 0; cfg->oci && i < cfg->ngid_map && i < KERNEL_IDMAP_MAX;
	     i++) {
		k.gid_map[i].inside = cfg->gid_map[i].inside;
		k.gid_map[i].outside = cfg->gid_map[i].outside;
		k.gid_map[i].count = cfg->gid_map[i].count;
		k.ngid_map = i + 1;
	}
	k.ip_forward = cfg->ip_forward;
	/*
	 * --network=host: the host's interfaces are read now, while a host
	 * netlink socket may still be made; the filter admits none later.
	 */
	k.host_network = cfg->host_network;
	if (k.host_network) {
		err = netdev_read_host();
		if (err) {
			fprintf(boot_err,
				"moat: cannot read the host's network "
				"interfaces: %s\n",
				strerror(-err));
			return 125;
		}
	}
	exe_fd = -1;
	if (!cfg->exe_in_sandbox && !cfg->restore) {
		exe_fd = open(cfg->path, O_RDONLY | O_CLOEXEC);
		if (exe_fd < 0) {
			fprintf(boot_err, "moat: %s: %s\n", cfg->path,
				strerror(errno));
			return errno == ENOENT ? 127 : 126;
		}
		if (access(cfg->path, X_OK) < 0) {
			fprintf(boot_err, "moat: %s: %s\n", cfg->path,
				strerror(errno));
			return 126;
		}
	}
	if (!cfg->cwd && !getcwd(boot.host_cwd, sizeof(boot.host_cwd)))
		boot.host_cwd[0] = '\0';
	/*
	 * The last host path is behind us: the sentry leaves the host before
	 * it starts a thread or a helper (kernel/isolate.h). The application's
	 * limits stay the host's, as moat found them.
	 */
	getrlimit(RLIMIT_CORE, &app_core);
	getrlimit(RLIMIT_NOFILE, &app_nofile);
	/* What the platform needs of the host's files (/dev/kvm), now. */
	err = platform_prepare(cfg->platform);
	if (err) {
		fprintf(boot_err, "moat: cannot start the %s platform: %s\n",
			cfg->platform, strerror(-err));
		return 125;
	}
	/*
	 * First a pid namespace: the sentry goes on as its pid 1, where no
	 * host process can be seen or signalled; this process stays outside
	 * as the host's handle on the sandbox.
	 */
	monitored = isolate_pid_ns(&why);
	if (monitored > 0)
		monitor_run(monitored, cfg->monitor_done, cfg->monitor_arg);
	if (monitored < 0) {
		fprintf(boot_err, "moat: cannot isolate the sentry: %s: %s\n",
			why, strerror(-monitored));
		return 125;
	}
	if (cfg->mem_budget) {
		err = join_budget(cfg->cgroup_procs_fd);
		if (err) {
			fprintf(boot_err,
				"moat: cannot join the memory budget's "
				"cgroup: %s\n",
				strerror(-err));
			return 125;
		}
	}
	err = sentry_isolate(cfg->host_network, &why);
	if (err) {
		fprintf(boot_err, "moat: cannot isolate the sentry: %s: %s\n",
			why, strerror(-err));
		return 125;
	}
	why = NULL;
	if (cfg->restore)
		return restore_main(&k, cfg);
	/* The platform first: its helper processes start in parallel. */
	err = kernel_init(&k, cfg->platform);
	if (err) {
		fprintf(boot_err, "moat: cannot start the %s platform: %s\n",
			cfg->platform, strerror(-err));
		return 125;
	}
	k.default_rlim[RLIMIT_CORE] =
	    (struct abi_rlimit){app_core.rlim_cur, app_core.rlim_max};
	k.default_rlim[RLIMIT_NOFILE] =
	    (struct abi_rlimit){app_nofile.rlim_cur, app_nofile.rlim_max};
	init.k = &k;
	creds_init_root(&init.creds);
	if (cfg->uid || cfg->gid)
		creds_init_user(&init.creds, cfg->uid, cfg->gid);
	err = cfg->oci ? oci_creds(&k, &init, cfg) : 0;
	if (err) {
		if (err == -ENOMEM)
			fprintf(boot_err, "moat: out of memory\n");
		return 125;
	}
	boot.cfg = cfg;
	if (cfg->console && tty_console_start(&k, cfg->console_sock) < 0) {
		fprintf(boot_err, "moat: cannot set up the console\n");
		return 125;
	}
	init.files = fdtable_create();
	if (!init.files ||
	    (!cfg->console &&
	     donate_stdio(init.files, cfg->init_fds, cfg->ninit_fds) < 0)) {
		fprintf(boot_err, "moat: cannot set up stdio\n");
		return 125;
	}
	log_debug("boot: kernel and platform ready");
	/* init loads while the filter goes in; it runs only after. */
	/* The filesystem boots beside the loader; init runs after both. */
	if (pthread_create(&boot.thread, NULL, boot_thread, &init)) {
		fprintf(boot_err, "moat: cannot start the boot thread\n");
		return 125;
	}
	st = kernel_prepare_init(&k, &init, exe_fd, cfg->path, cfg->argv,
				 cfg->envp, NULL, NULL);
	if (!st) {
		fprintf(boot_err, "moat: out of memory\n");
		return 125;
	}
	if (cfg->oci && cfg->umask_set)
		init.tg->umask = cfg->umask;
	if (cfg->oci) /* as runc writes it, with CAP_SYS_RESOURCE */
		init.tg->oom_score_adj = init.tg->oom_score_adj_min =
		    cfg->oom_score_adj;
	err = sentry_install_filter(
	    sentry_filter_variant(cfg->platform, k.host_network));
	if (err) {
		fprintf(boot_err,
			"moat: cannot install the sentry's seccomp "
			"filter: %s\n",
			strerror(-err));
		return 125;
	}
	log_debug("boot: filter installed");
	err = kernel_wait_vfs(&k);
	log_debug("boot: filesystem ready");
	if (err) {
		fprintf(boot_err, "moat: %s%s%s: %s\n", boot.what,
			cfg->rootfs && !cfg->cwd ? " over " : "",
			cfg->rootfs && !cfg->cwd ? cfg->rootfs : "",
			strerror(-err));
		return 125;
	}
	pthread_join(boot.thread, NULL);
	if (cfg->console && tty_console_attach(&init) < 0) {
		fprintf(boot_err, "moat: cannot attach the console\n");
		return 125;
	}
	/* OCI: init is loaded and waits for moat start. */
	err = cfg->oci ? oci_wait_start(&k, cfg, st, &init, &why) : 0;
	if (err) {
		const char *ignored;

		kernel_start_init(st, &ignored);
	} else {
		err = kernel_start_init(st, &why);
	}
	log_debug("boot: init loaded");
	if (exe_fd >= 0)
		close(exe_fd);
	if (err && boot.what) {
		fprintf(boot_err, "moat: %s%s%s: %s\n", boot.what,
			cfg->rootfs && !cfg->cwd ? " over " : "",
			cfg->rootfs && !cfg->cwd ? cfg->rootfs : "",
			strerror(-err));
		return 125;
	}
	if (err) {
		fprintf(boot_err, "moat: cannot run %s: %s%s%s\n", cfg->path,
			why ? why : "", why ? ": " : "", strerror(-err));
		return err == -ENOENT ? 127 : 126;
	}
	log_debug("boot: init running");
	if (cfg->ctl_standalone && serve_standalone(&k, cfg, &init))
		return 125;
	status = kernel_wait(&k);
	if (control_checkpointed()) {
		fprintf(stderr, "moat: the sandbox was checkpointed and "
				"stopped\n");
		return 0;
	}
	log_debug("init exited with status %#x", status);
	tty_console_finish();
	if (status & 0x7f)
		return 128 + (status & 0x7f);
	return (status >> 8) & 0xff;
}
