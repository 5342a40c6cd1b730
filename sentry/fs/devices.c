// SPDX-License-Identifier: Apache-2.0
/*
 * Character devices the sentry implements itself, by device number, for
 * device nodes of any filesystem of ours (devfs's /dev/null, or one made
 * with mknod): null, zero, full, random, urandom, and the terminals
 * (tty.c). Everything else is ENXIO, as for a device with no driver.
 */
#include "sentry/fs/devices.h"

#include "sentry/fs/tty.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum {
	DEV_NULL = 3,
	DEV_ZERO = 5,
	DEV_FULL = 7,
	DEV_RANDOM = 8,
	DEV_URANDOM = 9
};

struct dev_file {
	struct file f;
	unsigned minor;
};

static unsigned minor_of(struct file *f)
{
	return container_of(f, struct dev_file, f)->minor;
}

static const uint8_t zeros[4096];

/* Fill the application's buffers from gen (zeros or random bytes). */
static ssize_t fill_iov(struct task *t, const struct abi_iovec *iov, int iovcnt,
			bool random)
{
	uint8_t buf[4096];
	ssize_t done = 0;

	for (int i = 0; i < iovcnt; i++) {
		uint64_t addr = iov[i].iov_base, left = iov[i].iov_len;

		while (left > 0) {
			size_t n = (size_t)min_t(
			    uint64_t, left, sizeof(buf) - addr % sizeof(buf));
			const void *src = zeros;
			int err;

			if (random) {
				if (getrandom(buf, n, 0) != (ssize_t)n)
					return done ? done : -EIO;
				src = buf;
			}
			err = mm_copy_out(t->mm, addr, src, n);
			if (err)
				return done ? done : err;
			done += (ssize_t)n;
			addr += n;
			left -= n;
		}
	}
	return done;
}

static ssize_t dev_read(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	(void)pos;
	switch (minor_of(f)) {
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
	case DEV_FULL:
		return fill_iov(t, iov, iovcnt, false);
	default:
		return fill_iov(t, iov, iovcnt, true);
	}
}

static ssize_t dev_write(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	(void)t;
	(void)pos;
	if (minor_of(f) == DEV_FULL)
		return -ENOSPC;
	/* null, zero and the random devices take and drop everything. */
	return (ssize_t)iov_total(iov, iovcnt);
}

/* splice and sendfile: reads and writes in the sentry's memory. */
static ssize_t dev_kread(struct file *f, void *buf, size_t len, int64_t off)
{
	(void)off;
	switch (minor_of(f)) {
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
	case DEV_FULL:
		memset(buf, 0, len);
		return (ssize_t)len;
	default: {
		ssize_t n = getrandom(buf, len, 0);

		return n < 0 ? -EIO : n;
	}
	}
}

/* The position stays where it is, as write's; /dev/full has no splice. */
static ssize_t dev_kwrite(struct file *f, const void *buf, size_t len,
			  int64_t *pos)
{
	(void)buf;
	(void)pos;
	return minor_of(f) == DEV_FULL ? -EINVAL : (ssize_t)len;
}

static int dev_stat(struct file *f, struct abi_stat *st)
{
	return vfs_file_stat(f, st);
}

static bool dev_seekable(struct file *f)
{
	(void)f;
	return true;
}

/* Seeking a memory device succeeds and stays at 0, as Linux's. */
static int64_t dev_llseek(struct file *f, int64_t off, int whence)
{
	(void)f;
	(void)off;
	(void)whence;
	return 0;
}

static void dev_release(struct file *f)
{
	free(container_of(f, struct dev_file, f));
}

static const struct file_ops mem_dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .kread = dev_kread,
    .kwrite = dev_kwrite,
    .stat = dev_stat,
    .seekable = dev_seekable,
    .llseek = dev_llseek,
    .release = dev_release,
};

struct file *device_open(uint64_t rdev, uint32_t flags)
{
	unsigned major =
	    (unsigned)(((rdev >> 32) & 0xfffff000) | ((rdev >> 8) & 0xfff));
	unsigned minor =
	    (unsigned)(((rdev >> 12) & 0xffffff00) | (rdev & 0xff));
	struct dev_file *df;

	if (major == TTY_MAJOR_TTYAUX ||
	    (major >= TTY_MAJOR_PTS && major < TTY_MAJOR_PTS + 8))
		return tty_device_open(major, minor, flags);
	flags &= ~(uint32_t)ABI_O_NOCTTY;
	if (major != 1 ||
	    (minor != DEV_NULL && minor != DEV_ZERO && minor != DEV_FULL &&
	     minor != DEV_RANDOM && minor != DEV_URANDOM))
		return ERR_PTR(-ENXIO);
	df = calloc(1, sizeof(*df));
	if (!df)
		return ERR_PTR(-ENOMEM);
	file_init(&df->f, &mem_dev_ops, flags);
	df->minor = minor;
	return &df->f;
}
