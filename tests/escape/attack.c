// SPDX-License-Identifier: Apache-2.0
/*
 * Escape attempts, run in the sandbox by escape.sh over a small root
 * (--rootfs ROOT --rw): each tries what real exploits try and prints
 * what it got. The program does not know the host's secrets: escape.sh
 * looks for them in this output and checks the host afterwards. A line
 * "ESCAPED: ..." is an attempt that worked where it must not; the program
 * exits 1 if there was one.
 *
 *   attack paths HOSTDIR   reach HOSTDIR/secret (outside the root) by
 *                          .., symlinks, chroot, /proc links; create
 *                          HOSTDIR/pwned
 *   attack race SECONDS    read race/secret while the host swaps race
 *                          for a symlink out of the root
 *   attack proc            /proc's links and files name nothing of the
 *                          host (prints them)
 *   attack calls           calls that reach for the host kernel
 *   attack devices         device nodes made with mknod
 *   attack memory          huge and misplaced mappings
 *   attack fds             SCM_RIGHTS ping-pong until the limits
 *   attack signals HOSTPID signals and ptrace toward host processes
 *   attack sockets @NAME   reach the host's unix sockets: in the root
 *                          (/host.sock, /host.dgram) and the abstract NAME
 *   attack listen DIR @NAME TOUCHED SECONDS  (on the host) listen there;
 *                          write TOUCHED when anything reaches them
 *   attack fuzz SEED       every syscall number 0..1023 with random
 *                          arguments, each in a child of its own
 *   attack swap DIR SECONDS  (on the host) swap DIR/race, a directory,
 *                          with DIR/race.lnk, a symlink, as fast as it can
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int escaped;

static void escape(const char *what)
{
	printf("ESCAPED: %s\n", what);
	escaped = 1;
}

/* Print up to 64 bytes of path, or why it could not be read. */
static void show(const char *label, const char *path)
{
	char buf[65];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("%s: open %s: %s\n", label, path, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		printf("%s: read %s: %s\n", label, path, strerror(errno));
		return;
	}
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	printf("%s: %s: \"%s\"\n", label, path, buf);
}

/* ---- paths -------------------------------------------------------------- */

/* snprintf into a PATH_MAX buffer; a path cut short fails to open. */
static void pathf(char *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void pathf(char *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, PATH_MAX, fmt, ap);
	va_end(ap);
}

static void try_create(const char *label, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	printf("%s: create %s: %s\n", label, path,
	       fd < 0 ? strerror(errno) : "made (inside the root)");
	if (fd >= 0) {
		if (write(fd, "pwned\n", 6) != 6)
			printf("%s: write: %s\n", label, strerror(errno));
		close(fd);
	}
}

static int paths(const char *host)
{
	char p[PATH_MAX], up[PATH_MAX] = "";
	int dfd;

	/* .. above the root stays at the root. */
	for (int i = 0; i < 40; i++)
		strcat(up, "../");
	pathf(p, "/%s%s/secret", up, host);
	show("dotdot", p);
	if (chdir("/tmp") == 0) {
		pathf(p, "%s%s/secret", up, host);
		show("dotdot from /tmp", p);
	}
	/* Symlinks, absolute and relative, out of the root. */
	pathf(p, "%s", host);
	unlink("/abs");
	if (symlink(p, "/abs") == 0)
		show("absolute symlink", "/abs/secret");
	pathf(p, "%s%s", up, host);
	unlink("/tmp/rel");
	if (symlink(p, "/tmp/rel") == 0)
		show("relative symlink", "/tmp/rel/secret");
	pathf(p, "/proc/self/root/%s%s/secret", up, host);
	show("/proc/self/root", p);
	pathf(p, "/proc/self/cwd/%s%s/secret", up, host);
	show("/proc/self/cwd", p);
	/* The classic chroot escape: a directory fd kept from outside. */
	mkdir("/jail", 0755);
	dfd = open("/", O_RDONLY | O_DIRECTORY);
	if (chroot("/jail") == 0) {
		printf("chroot /jail: done\n");
		if (fchdir(dfd) == 0) {
			for (int i = 0; i < 40; i++)
				if (chdir("..") < 0)
					break;
			pathf(p, ".%s/secret", host);
			show("chroot escape", p);
			if (chroot(".") == 0) {
				pathf(p, "%s/secret", host);
				show("chroot escape, chroot .", p);
			}
		}
	} else {
		printf("chroot /jail: %s\n", strerror(errno));
	}
	/* Writes: nothing appears in the host's directory. */
	pathf(p, "/%s%s/pwned", up, host);
	try_create("dotdot", p);
	try_create("absolute symlink", "/abs/pwned");
	try_create("relative symlink", "/tmp/rel/pwned");
	/* A hard link to the host's file cannot even be named. */
	pathf(p, "%s/secret", host);
	printf("link: %s\n",
	       link(p, "/tmp/hard") ? strerror(errno) : "made (inside)");
	show("link", "/tmp/hard");
	return escaped;
}

/* Reads race/secret again and again while the host swaps race. */
static int race(int seconds)
{
	time_t end = time(NULL) + seconds;
	long tries = 0, hits = 0;

	while (time(NULL) < end) {
		char buf[64];
		int fd = open("/race/secret", O_RDONLY);

		tries++;
		if (fd < 0)
			continue;
		memset(buf, 0, sizeof(buf));
		if (read(fd, buf, sizeof(buf) - 1) > 0) {
			hits++;
			if (strncmp(buf, "inside", 6))
				printf("race read: \"%s\"\n", buf);
		}
		close(fd);
	}
	printf("race: %ld opens, %ld reads\n", tries, hits);
	return escaped;
}

/* ---- /proc -------------------------------------------------------------- */

static void list_links(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		printf("%s: %s\n", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char p[PATH_MAX], target[PATH_MAX];
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		n = readlink(p, target, sizeof(target) - 1);
		if (n >= 0) {
			target[n] = 0;
			printf("%s -> %s\n", p, target);
		}
	}
	closedir(d);
}

static void cat(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	printf("== %s\n", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
}

static int proc(void)
{
	list_links("/proc/self/fd");
	list_links("/proc/self");
	list_links("/proc/1");
	list_links("/proc/self/ns");
	cat("/proc/self/mountinfo");
	cat("/proc/self/maps");
	cat("/proc/self/cgroup");
	cat("/proc/self/status");
	/* Every process in view is the sandbox's. */
	list_links("/proc");
	return escaped;
}

/* ---- calls that reach for the host kernel ------------------------------- */

static void expect_fail(const char *what, long r)
{
	if (r >= 0) {
		printf("%s: succeeded (%ld)\n", what, r);
		return;
	}
	printf("%s: %s\n", what, strerror(errno));
}

/* A call that reaches the host's kernel or hardware when it works. */
static void must_fail(const char *what, long r)
{
	expect_fail(what, r);
	if (r >= 0)
		escape(what);
}

static int calls(void)
{
	char handle[128] = {0};
	int mount_id;

	expect_fail("mount proc",
		    syscall(SYS_mount, "proc", "/mnt", "proc", 0, NULL));
	expect_fail("mount bind /",
		    syscall(SYS_mount, "/", "/mnt", NULL, MS_BIND, NULL));
	expect_fail("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	expect_fail("umount /", syscall(SYS_umount2, "/", MNT_DETACH));
	*(unsigned *)handle = 64;
	expect_fail("name_to_handle_at",
		    syscall(SYS_name_to_handle_at, AT_FDCWD, "/", handle,
			    &mount_id, 0));
	must_fail("open_by_handle_at",
		  syscall(SYS_open_by_handle_at, AT_FDCWD, handle, O_RDONLY));
	expect_fail("unshare user|mount", syscall(SYS_unshare, 0x10020000));
	expect_fail("setns", syscall(SYS_setns, 0, 0));
	must_fail("bpf", syscall(SYS_bpf, 0, NULL, 0));
	must_fail("perf_event_open",
		  syscall(SYS_perf_event_open, handle, 0, -1, -1, 0));
	expect_fail("userfaultfd", syscall(SYS_userfaultfd, 0));
	expect_fail("io_uring_setup", syscall(SYS_io_uring_setup, 8, handle));
	expect_fail("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	expect_fail("add_key", syscall(SYS_add_key, "user", "k", "v", 1,
				       -4 /* KEY_SPEC_SESSION_KEYRING */));
	must_fail("init_module", syscall(SYS_init_module, handle, 8, ""));
	must_fail("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	must_fail("reboot",
		  syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL));
	must_fail("iopl", syscall(SYS_iopl, 3));
	must_fail("ioperm", syscall(SYS_ioperm, 0x80, 1, 1));
	must_fail("swapon", syscall(SYS_swapon, "/tmp", 0));
	must_fail("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
	must_fail("ioctl TIOCSTI on stdin", syscall(SYS_ioctl, 0, 0x5412, "x"));
	/* The vsyscall page: not mapped (moat has none). */
	return escaped;
}

/* ---- device nodes -------------------------------------------------------- */

static int devices(void)
{
	static const struct {
		const char *name;
		mode_t type;
		unsigned ma, mi;
	} nodes[] = {
	    {"/tmp/mem", S_IFCHR, 1, 1},    {"/tmp/kmem", S_IFCHR, 1, 2},
	    {"/tmp/port", S_IFCHR, 1, 4},   {"/tmp/sda", S_IFBLK, 8, 0},
	    {"/tmp/vda", S_IFBLK, 254, 0},  {"/tmp/kmsg", S_IFCHR, 1, 11},
	    {"/tmp/tty0", S_IFCHR, 4, 0},   {"/tmp/kvm", S_IFCHR, 10, 232},
	    {"/tmp/fuse", S_IFCHR, 10, 229}};

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		int r = mknod(nodes[i].name, nodes[i].type | 0600,
			      makedev(nodes[i].ma, nodes[i].mi));

		printf("mknod %s: %s\n", nodes[i].name,
		       r ? strerror(errno) : "made");
		if (!r)
			show("open", nodes[i].name);
	}
	return escaped;
}

/* ---- memory -------------------------------------------------------------- */

static int memory(void)
{
	void *p;

	p = mmap(NULL, 1ULL << 46, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("mmap 64 TiB: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
	if (p != MAP_FAILED)
		munmap(p, 1ULL << 46);
	/* Where moat's stub lives, and the top of the address space. */
	for (uint64_t a = 0x7ffbff000000ULL; a < 0x800000000000ULL;
	     a += 0x1000000ULL) {
		p = mmap((void *)a, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != MAP_FAILED) {
			memset(p, 0xcc, 4096);
			printf("mmap fixed %#lx: mapped\n", (unsigned long)a);
		}
		if (munmap((void *)a, 4096) == 0)
			printf("munmap %#lx: done\n", (unsigned long)a);
		if (mprotect((void *)a, 4096, PROT_NONE) == 0)
			printf("mprotect %#lx: done\n", (unsigned long)a);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		void *q = mremap(p, 4096, 1ULL << 46, MREMAP_MAYMOVE);

		printf("mremap to 64 TiB: %s\n",
		       q == MAP_FAILED ? strerror(errno) : "ok");
	}
	/* Reading the vsyscall page: SIGSEGV in a child, as with
	 * vsyscall=none. */
	if (fork() == 0) {
		volatile char c = *(volatile char *)0xffffffffff600000ULL;
		(void)c;
		_exit(0);
	} else {
		int st;

		wait(&st);
		printf("vsyscall page read: %s\n",
		       WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no fault");
	}
	printf("memory: the sandbox lives\n");
	return escaped;
}

/* ---- fds ----------------------------------------------------------------- */

static int fds(void)
{
	int sv[2], sent = 0, err = 0;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 1;
	for (;;) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * 253)];
		} u;
		int fdv[253];
		struct iovec iov = {"x", 1};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = u.buf,
				   .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		for (int i = 0; i < 253; i++)
			fdv[i] = sv[i & 1];
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(fdv));
		memcpy(CMSG_DATA(c), fdv, sizeof(fdv));
		if (sendmsg(sv[0], &m, MSG_DONTWAIT) < 0) {
			err = errno;
			break;
		}
		sent += 253;
	}
	printf("fds: %s after some files in flight\n",
	       sent > 0 ? strerror(err) : "nothing sent");
	close(sv[0]);
	close(sv[1]);
	/* Open until the limit: EMFILE, and the sandbox lives. */
	for (int i = 0;; i++)
		if (dup(0) < 0) {
			printf("dup: %s\n", strerror(errno));
			break;
		}
	return escaped;
}

/* ---- unix sockets toward the host --------------------------------------- */

/* A unix address: a path, or with a leading '@' an abstract name. */
static socklen_t unix_addr(struct sockaddr_un *a, const char *name)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (n >= sizeof(a->sun_path))
		n = sizeof(a->sun_path) - 1;
	memcpy(a->sun_path, name, n);
	if (name[0] == '@')
		a->sun_path[0] = 0;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (name[0] != '@'));
}

static void try_connect(const char *what, int type, const char *name)
{
	struct sockaddr_un a;
	socklen_t len = unix_addr(&a, name);
	int s = socket(AF_UNIX, type, 0);

	if (s < 0) {
		printf("%s: socket: %s\n", what, strerror(errno));
		return;
	}
	if (type == SOCK_DGRAM)
		must_fail(what,
			  sendto(s, "x", 1, 0, (struct sockaddr *)&a, len));
	else
		must_fail(what, connect(s, (struct sockaddr *)&a, len));
	close(s);
}

/*
 * The host listens (attack listen) on a stream and a datagram socket in
 * the root, and on an abstract name: none is reachable from the sandbox
 * (a sandbox without --bind ...:connect has no host socket), and the
 * sandbox's own names stay its own.
 */
static int sockets(const char *abstract)
{
	struct sockaddr_un a;
	socklen_t len;
	int s, c;

	try_connect("connect the host's /host.sock", SOCK_STREAM, "/host.sock");
	try_connect("connect the host's /host.sock as seqpacket",
		    SOCK_SEQPACKET, "/host.sock");
	try_connect("send to the host's /host.dgram", SOCK_DGRAM,
		    "/host.dgram");
	try_connect("connect the host's abstract name", SOCK_STREAM, abstract);
	try_connect("send to the host's abstract name", SOCK_DGRAM, abstract);
	/* Through /proc/self/root and .. games: the same files. */
	try_connect("connect /proc/self/root/host.sock", SOCK_STREAM,
		    "/proc/self/root/host.sock");
	try_connect("connect /../../host.sock", SOCK_STREAM,
		    "/../../host.sock");
	/* A name of the sandbox's own, over the host's: refused, or the
	 * sandbox's own socket, never the host's. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	len = unix_addr(&a, abstract);
	if (s >= 0 && bind(s, (struct sockaddr *)&a, len) == 0 &&
	    listen(s, 1) == 0) {
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		printf("own abstract name: %s\n",
		       connect(c, (struct sockaddr *)&a, len) == 0
			   ? "the sandbox's own"
			   : strerror(errno));
		close(c);
	} else {
		printf("own abstract name: %s\n", strerror(errno));
	}
	if (s >= 0)
		close(s);
	/* Other families: the sandbox's network, or nothing. */
	expect_fail("socket AF_PACKET", socket(AF_PACKET, SOCK_RAW, 0));
	expect_fail("socket AF_NETLINK audit",
		    socket(AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */));
	expect_fail("socket AF_VSOCK",
		    socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	return escaped;
}

/*
 * (On the host) listen on DIR/host.sock, DIR/host.dgram and the abstract
 * name for SECONDS; anything that reaches them is written to the file
 * TOUCHED (which must not exist afterwards).
 */
static int listen_host(const char *dir, const char *abstract,
		       const char *touched, int seconds)
{
	const char *names[3] = {"host.sock", "host.dgram", abstract};
	const int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM};
	char path[PATH_MAX];
	struct pollfd p[3];
	time_t end = time(NULL) + seconds;

	for (int i = 0; i < 3; i++) {
		struct sockaddr_un a;
		socklen_t len;

		if (i < 2)
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		else
			snprintf(path, sizeof(path), "%s", names[i]);
		len = unix_addr(&a, path);
		p[i].fd = socket(AF_UNIX, types[i], 0);
		p[i].events = POLLIN;
		if (p[i].fd < 0 ||
		    bind(p[i].fd, (struct sockaddr *)&a, len) < 0 ||
		    (types[i] == SOCK_STREAM && listen(p[i].fd, 8) < 0)) {
			perror("listen");
			return 1;
		}
		/* Anyone may connect: the sandbox runs as nobody. */
		if (i < 2)
			chmod(path, 0777);
	}
	printf("listening\n");
	while (time(NULL) < end) {
		if (poll(p, 3, 100) <= 0)
			continue;
		for (int i = 0; i < 3; i++)
			if (p[i].revents) {
				int fd =
				    open(touched, O_WRONLY | O_CREAT, 0644);

				if (fd >= 0) {
					dprintf(fd, "reached %s\n", names[i]);
					close(fd);
				}
				if (types[i] == SOCK_STREAM)
					close(accept(p[i].fd, NULL, NULL));
				else
					recv(p[i].fd, path, sizeof(path),
					     MSG_DONTWAIT);
			}
	}
	return 0;
}

/* ---- signals and ptrace toward the host --------------------------------- */

static int signals(int hostpid)
{
	must_fail("kill host pid", kill(hostpid, SIGKILL));
	must_fail("ptrace attach host pid",
		  syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, hostpid, 0, 0));
	expect_fail("ptrace attach 1",
		    syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0));
	must_fail("pidfd_open host pid", syscall(SYS_pidfd_open, hostpid, 0));
	/* kill -1 reaches the sandbox's processes only (not init). */
	printf("kill -1: %s\n", kill(-1, SIGKILL) ? strerror(errno) : "sent");
	return escaped;
}

/* ---- every syscall number with random arguments ------------------------- */

static uint64_t rng;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long random_arg(char *buf)
{
	switch (next_rand() % 8) {
	case 0:
		return 0;
	case 1:
		return -1;
	case 2:
		return (long)(next_rand() % 4096);
	case 3:
		return (long)buf; /* a valid buffer */
	case 4:
		return (long)(buf + 4096 - (next_rand() % 64));
	case 5:
		return (long)0xffffffffff600000ULL;
	case 6:
		return (long)(next_rand() & 0x7fffffffffffULL);
	default:
		return (long)next_rand();
	}
}

static int fuzz(uint64_t seed)
{
	static char buf[8192];
	int killed = 0, exited = 0;

	rng = seed ? seed : 1;
	for (long nr = 0; nr < 1024; nr++) {
		long a[6];
		pid_t pid;
		int st, waited = 0;

		for (int i = 0; i < 6; i++)
			a[i] = random_arg(buf);
		pid = fork();
		if (pid < 0) {
			printf("fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			alarm(1);
			syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			_exit(0);
		}
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (++waited == 300) /* 300 ms */
				kill(pid, SIGKILL);
			usleep(1000);
		}
		if (WIFSIGNALED(st))
			killed++;
		else
			exited++;
	}
	/* Whatever the children made (processes of a random clone, a
	 * setsid'ed one...), reap it. */
	kill(-1, SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("fuzz: 1024 numbers, %d exited, %d killed; the sandbox "
	       "lives\n",
	       exited, killed);
	return escaped;
}

/* The host's side of the race: RENAME_EXCHANGE in a tight loop. */
static int swap(const char *dir, int seconds)
{
	time_t end = time(NULL) + seconds;
	char a[PATH_MAX], b[PATH_MAX];
	long n = 0;

	snprintf(a, sizeof(a), "%s/race", dir);
	snprintf(b, sizeof(b), "%s/race.lnk", dir);
	while (time(NULL) < end) {
		if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b,
			    2 /* RENAME_EXCHANGE */)) {
			perror("renameat2");
			return 1;
		}
		n++;
	}
	/* Leave the directory in place. */
	if (n & 1)
		syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2);
	printf("swap: %ld exchanges\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "paths"))
		return paths(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "race"))
		return race(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "proc"))
		return proc();
	if (argc == 2 && !strcmp(argv[1], "calls"))
		return calls();
	if (argc == 2 && !strcmp(argv[1], "devices"))
		return devices();
	if (argc == 2 && !strcmp(argv[1], "memory"))
		return memory();
	if (argc == 2 && !strcmp(argv[1], "fds"))
		return fds();
	if (argc == 3 && !strcmp(argv[1], "signals"))
		return signals(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "swap"))
		return swap(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "sockets"))
		return sockets(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "listen"))
		return listen_host(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "fuzz"))
		return fuzz(strtoull(argv[2], NULL, 0));
	fprintf(stderr, "usage: attack paths|race|proc|calls|devices|memory|"
			"fds|signals|sockets|listen|fuzz|swap ...\n");
	return 2;
}
