// SPDX-License-Identifier: Apache-2.0
/*
 * Files over host fds the sentry holds itself: the donated stdio.
 *
 * Data moves straight between the host fd and the application's memory in
 * the memory file (readv/writev over mm_iovecs), with no bounce buffer.
 * Status flags stay the sentry's: O_NONBLOCK set by the application is
 * emulated with poll, never set on the host fd, whose open file description
 * the user's terminal shares.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define HOST_IOV_MAX 1024

struct hostfd_file {
	struct file f;
	int fd;
	int donor; /* the sandbox's stdio it was donated as (0-2), or -1 */
};

static inline int host_fd(struct file *f)
{
	return container_of(f, struct hostfd_file, f)->fd;
}

/*
 * Host memory that faults on every access, at least MAX_RW_COUNT long.
 * An application buffer the application may not access reaches the host
 * as this, so that the host kernel does what Linux does with a bad
 * pointer for this very file: fail with EFAULT (a pipe), stop short after
 * the bytes before it (a regular file), or never touch it (/dev/null).
 */
#define FAULT_REGION_SIZE (1UL << 31)

static void *fault_region;
static pthread_once_t fault_region_once = PTHREAD_ONCE_INIT;

static void fault_region_init(void)
{
	void *p = mmap(NULL, FAULT_REGION_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	fault_region = p == MAP_FAILED ? NULL : p;
}

/*
 * Build host iovecs for the application's iovecs (lengths already capped at
 * MAX_RW_COUNT in total). The inaccessible rest of a buffer becomes one
 * iovec over the fault region. Returns the number of host iovecs (0 if
 * every length is 0), or -EFAULT if the first non-empty buffer is
 * inaccessible and there is no fault region.
 */
static int build_iov(struct task *t, const struct abi_iovec *iov, int iovcnt,
		     int access, struct iovec *hiov)
{
	int n = 0;

	pthread_once(&fault_region_once, fault_region_init);
	for (int i = 0; i < iovcnt && n < HOST_IOV_MAX; i++) {
		size_t covered = 0;
		int r;

		if (iov[i].iov_len == 0)
			continue;
		r = mm_iovecs(t->mm, iov[i].iov_base, iov[i].iov_len, access,
			      hiov + n, HOST_IOV_MAX - n, &covered);
		if (r > 0)
			n += r;
		if (covered == iov[i].iov_len)
			continue;
		/* Out of host iovecs: the transfer stops short here. */
		if (n == HOST_IOV_MAX)
			break;
		if (!fault_region)
			return n ? n : -EFAULT;
		hiov[n++] =
		    (struct iovec){fault_region, iov[i].iov_len - covered};
	}
	return n;
}

static unsigned hostfd_poll(struct file *f, unsigned events)
{
	struct pollfd p = {.fd = host_fd(f), .events = (short)events};

	if (poll(&p, 1, 0) < 0)
		return POLLERR;
	return (unsigned)(unsigned short)p.revents;
}

/*
 * Before a stream's read or write: with O_NONBLOCK, EAGAIN unless the host
 * fd is ready; else wait until it is, in host poll(2) a slice at a time,
 * looking for signals in between (-ERESTARTSYS), so that a call blocked
 * on the host's stdin or a full pipe is interrupted as Linux's is (and
 * a checkpoint can park the task). Deviation: a signal is seen within
 * HOSTFD_SLICE_MS of its arrival.
 */
#define HOSTFD_SLICE_MS 20

static int wait_ready(struct file *f, struct task *t, short events)
{
	struct pollfd p = {.fd = host_fd(f), .events = events};
	int r;

	if (!(f->flags & ABI_O_NONBLOCK)) {
		for (;;) {
			if (t && task_interrupted(t))
				return -ERESTARTSYS;
			r = poll(&p, 1, t ? HOSTFD_SLICE_MS : -1);
			if (r > 0)
				return 0; /* ready, or an error to read */
			if (r < 0 && errno != EINTR)
				return -errno;
		}
	}
	r = poll(&p, 1, 0);
	if (r < 0)
		return -errno;
	return r == 0 ? -EAGAIN : 0;
}

static ssize_t hostfd_read(struct file *f, struct task *t,
			   const struct abi_iovec *iov, int iovcnt,
			   int64_t *pos)
{
	struct iovec hiov[HOST_IOV_MAX];
	ssize_t r;
	int n;

	n = build_iov(t, iov, iovcnt, ABI_PROT_WRITE, hiov);
	if (n <= 0)
		return n;
	if (!pos) {
		int err = wait_ready(f, t, POLLIN);

		if (err)
			return err;
	}
	do {
		r = pos ? preadv(host_fd(f), hiov, n, *pos)
			: readv(host_fd(f), hiov, n);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (pos)
		*pos += r;
	return r;
}

static ssize_t hostfd_kwrite(struct file *f, const void *buf, size_t len,
			     int64_t *pos)
{
	ssize_t r;

	do
		r = pos ? pwrite(host_fd(f), buf, len, *pos)
			: write(host_fd(f), buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (pos)
		*pos += r;
	return r;
}

static ssize_t hostfd_write(struct file *f, struct task *t,
			    const struct abi_iovec *iov, int iovcnt,
			    int64_t *pos)
{
	struct iovec hiov[HOST_IOV_MAX];
	ssize_t r;
	int n;

	n = build_iov(t, iov, iovcnt, ABI_PROT_READ, hiov);
	if (n <= 0)
		return n;
	if (!pos) {
		int err = wait_ready(f, t, POLLOUT);

		if (err)
			return err;
	}
	do {
		r = pos ? pwritev(host_fd(f), hiov, n, *pos)
			: writev(host_fd(f), hiov, n);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (pos)
		*pos += r;
	return r;
}

static long hostfd_ioctl(struct file *f, struct task *t, unsigned int cmd,
			 uint64_t arg)
{
	union {
		struct abi_termios tio;
		struct abi_winsize ws;
		int i;
		char raw[64];
	} u;
	size_t len;

	switch (cmd) {
	case ABI_TCGETS:
		len = sizeof(u.tio);
		break;
	case ABI_TIOCGWINSZ:
		len = sizeof(u.ws);
		break;
	case ABI_FIONREAD:
		len = sizeof(u.i);
		break;
	default:
		return -ENOTTY;
	}
	memset(&u, 0, sizeof(u));
	if (ioctl(host_fd(f), cmd, &u) < 0)
		return -errno;
	return mm_copy_out(t->mm, arg, &u, len);
}

static int hostfd_stat(struct file *f, struct abi_stat *st)
{
	struct stat hs;

	if (fstat(host_fd(f), &hs) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_dev = hs.st_dev;
	st->st_ino = hs.st_ino;
	st->st_nlink = hs.st_nlink;
	st->st_mode = hs.st_mode;
	st->st_uid = hs.st_uid;
	st->st_gid = hs.st_gid;
	st->st_rdev = hs.st_rdev;
	st->st_size = hs.st_size;
	st->st_blksize = hs.st_blksize;
	st->st_blocks = hs.st_blocks;
	st->st_atim =
	    (struct abi_timespec){hs.st_atim.tv_sec, hs.st_atim.tv_nsec};
	st->st_mtim =
	    (struct abi_timespec){hs.st_mtim.tv_sec, hs.st_mtim.tv_nsec};
	st->st_ctim =
	    (struct abi_timespec){hs.st_ctim.tv_sec, hs.st_ctim.tv_nsec};
	return 0;
}

/* O_DIRECT: where the host file takes it (files and pipes, not devices). */
static int hostfd_setfl(struct file *f, uint32_t flags)
{
	struct stat hs;

	if (!(flags & ABI_O_DIRECT) || (f->flags & ABI_O_DIRECT))
		return 0;
	if (fstat(host_fd(f), &hs) < 0)
		return -errno;
	return S_ISREG(hs.st_mode) || S_ISFIFO(hs.st_mode) ? 0 : -EINVAL;
}

static bool hostfd_seekable(struct file *f)
{
	return lseek(host_fd(f), 0, SEEK_CUR) >= 0;
}

static void hostfd_release(struct file *f)
{
	struct hostfd_file *hf = container_of(f, struct hostfd_file, f);

	close(hf->fd);
	free(hf);
}

static const struct file_ops hostfd_ops = {
    .kwrite = hostfd_kwrite,
    .poll = hostfd_poll,
    .read = hostfd_read,
    .write = hostfd_write,
    .ioctl = hostfd_ioctl,
    .stat = hostfd_stat,
    .setfl = hostfd_setfl,
    .seekable = hostfd_seekable,
    .release = hostfd_release,
};

struct file *hostfd_file_create(int hostfd, uint32_t flags)
{
	struct hostfd_file *hf = calloc(1, sizeof(*hf));

	if (!hf)
		return NULL;
	file_init(&hf->f, &hostfd_ops, flags);
	hf->f.stream = true; /* the host fd keeps its own offset */
	hf->fd = hostfd;
	hf->donor = -1;
	return &hf->f;
}

int hostfd_file_donor(struct file *f)
{
	if (f->ops != &hostfd_ops)
		return -2;
	return container_of(f, struct hostfd_file, f)->donor;
}

void hostfd_file_set_donor(struct file *f, int donor)
{
	if (f->ops == &hostfd_ops)
		container_of(f, struct hostfd_file, f)->donor = donor;
}
