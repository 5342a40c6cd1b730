// SPDX-License-Identifier: Apache-2.0
/*
 * Starting and asking the stub factory, for every platform that runs
 * application code in stub processes.
 */
#include "platform/factory.h"
#include "platform/platform.h"
#include "platform/stub/stub.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The stub program, built separately and embedded by the build. */
extern const char stub_image[];
extern const char stub_image_end[];

/*
 * The helper program as a sealed memfd, so that moat stays one file and
 * nothing on the host's filesystem is executed.
 */
static int stub_image_fd(void)
{
	size_t len = stub_image_end - stub_image;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)stub_image;
	const Elf64_Phdr *ph;
	int fd, err;

	/* The build links it at STUB_BASE (stub.ld): check, once. */
	if (len < sizeof(*eh) + sizeof(*ph) || eh->e_phoff != sizeof(*eh))
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(stub_image + eh->e_phoff);
	BUG_ON(ph->p_type != PT_LOAD || ph->p_vaddr != STUB_BASE ||
	       ph->p_memsz > STUB_CODE_SIZE);
	fd = memfd_create("moat-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, stub_image + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) <
	    0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Move fd to exactly want (clearing close-on-exec); 0 or -1. */
static int place_fd(int fd, int want)
{
	if (fd == want)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, want) == want ? 0 : -1;
}

/*
 * The vfork child: arrange the factory's fds (memory file, socket, control
 * file if any, the image close-on-exec), a new session away from the
 * terminal, default signal dispositions and an empty mask, then execute
 * the image. Async-signal-safe calls only: this runs on the parent's
 * memory.
 */
static void factory_exec(int memfd, int sock, int ctlfd, int img,
			 const char *mode)
{
	char *const argv[] = {"moat-stub-factory", (char *)mode, NULL};
	static char *const envp[] = {NULL};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* First out of the way of 3..6, then into place. */
	memfd = fcntl(memfd, F_DUPFD, 10);
	sock = fcntl(sock, F_DUPFD, 10);
	if (ctlfd >= 0)
		ctlfd = fcntl(ctlfd, F_DUPFD, 10);
	img = fcntl(img, F_DUPFD_CLOEXEC, 10);
	if (memfd < 0 || sock < 0 || img < 0 ||
	    place_fd(memfd, STUB_MEMFD_FD) || place_fd(sock, STUB_SOCK_FD) ||
	    dup3(img, STUB_IMAGE_FD, O_CLOEXEC) != STUB_IMAGE_FD)
		_exit(127);
	if (ctlfd >= 0 && place_fd(ctlfd, STUB_CTL_FD))
		_exit(127);
	if (ctlfd < 0)
		close(STUB_CTL_FD);
	syscall(SYS_close_range, 0, 2, 0);
	syscall(SYS_close_range, STUB_IMAGE_FD + 1, ~0U, 0);
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, STUB_IMAGE_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

/* Start the factory; its pid or -errno. Nothing is live across vfork. */
static __attribute__((noinline)) pid_t
factory_fork(int memfd, int sock, int ctlfd, int img, const char *mode)
{
	pid_t pid = vfork();

	if (pid == 0)
		factory_exec(memfd, sock, ctlfd, img, mode);
	return pid < 0 ? -errno : pid;
}

/*
 * The factory's first message: the vDSO its stubs keep, checked to lie
 * above the stubs' image and below the top of the address space.
 */
static int factory_hello(struct stub_factory *f)
{
	uint64_t v[3];
	ssize_t n;

	do
		n = read(f->sock, v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(v)) {
		stub_factory_stop(f);
		return n < 0 ? -errno : -EIO;
	}
	f->vdso = f->vdso_lo = f->vdso_hi = 0;
	if (v[2] && v[0] >= STUB_BASE + STUB_CODE_SIZE && v[0] <= v[2] &&
	    v[2] < v[1] && v[1] <= 0x7ffffffff000ULL && !(v[0] & 4095) &&
	    !(v[1] & 4095)) {
		f->vdso_lo = v[0];
		f->vdso_hi = v[1];
		f->vdso = v[2];
	}
	return 0;
}

static int oom_adj_fd = -1;

void platform_helpers_oom_first(int fd)
{
	if (oom_adj_fd >= 0)
		close(oom_adj_fd);
	oom_adj_fd = fd;
}

/* Set our oom_score_adj to val (text), the old value into old: 0 or -1. */
static int swap_oom_adj(const char *val, char *old, size_t len)
{
	ssize_t n = pread(oom_adj_fd, old, len - 1, 0);

	if (n <= 0)
		return -1;
	old[n] = '\0';
	return pwrite(oom_adj_fd, val, strlen(val), 0) < 0 ? -1 : 0;
}

int stub_factory_start(struct stub_factory *f, int memfd, int ctlfd,
		       const char *mode)
{
	sigset_t all, old;
	int sv[2], img, err = 0;
	char adj[16];
	bool adj_swapped = false;
	pid_t pid;

	img = stub_image_fd();
	if (img < 0)
		return img;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		close(img);
		return err;
	}
	/* No handler of ours may run in the child, on our memory. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* The factory and its stubs inherit 1000; we take ours back. */
	if (oom_adj_fd >= 0)
		adj_swapped = swap_oom_adj("1000", adj, sizeof(adj)) == 0;
	pid = factory_fork(memfd, sv[1], ctlfd, img, mode);
	if (pid < 0)
		err = pid;
	if (adj_swapped && pwrite(oom_adj_fd, adj, strlen(adj), 0) < 0)
		log_warn("cannot restore the sentry's oom_score_adj: %s",
			 strerror(errno));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	close(img);
	if (err) {
		close(sv[0]);
		return err;
	}
	f->sock = sv[0];
	f->pid = pid;
	pthread_mutex_init(&f->lock, NULL);
	return factory_hello(f);
}

pid_t stub_factory_get(struct stub_factory *f)
{
	int32_t reply = -EIO;
	char req = 'S';

	pthread_mutex_lock(&f->lock);
	if (write(f->sock, &req, 1) != 1 ||
	    read(f->sock, &reply, sizeof(reply)) != sizeof(reply))
		reply = -EIO;
	pthread_mutex_unlock(&f->lock);
	return reply;
}

void stub_factory_stop(struct stub_factory *f)
{
	close(f->sock);
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	pthread_mutex_destroy(&f->lock);
}

unsigned platform_xstate_size(void)
{
	unsigned eax, ebx, ecx, edx;

	if (!__get_cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx) || ebx < 576)
		return 576; /* FXSAVE and the XSAVE header: x87 and SSE */
	return ebx;
}
