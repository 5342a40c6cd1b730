// SPDX-License-Identifier: Apache-2.0
/*
 * read, write and their vector and positional forms (fs/read_write.c). A
 * write to a regular file obeys RLIMIT_FSIZE (generic_write_checks).
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>

int64_t import_iovec(struct task *t, uint64_t uiov, uint64_t cnt,
		     struct abi_iovec *iov)
{
	uint64_t total = 0;
	int err;

	err = mm_copy_in(t->mm, iov, uiov, cnt * sizeof(*iov));
	if (err)
		return err;
	for (uint64_t i = 0; i < cnt; i++)
		if ((int64_t)iov[i].iov_len < 0)
			return -EINVAL;
	for (uint64_t i = 0; i < cnt; i++) {
		if (!user_access_ok(iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		if (iov[i].iov_len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		total += iov[i].iov_len;
	}
	return (int64_t)total;
}

/*
 * rw_verify_area: a transfer at a position must end where an offset can
 * still count to.
 */
static bool rw_range_ok(const int64_t *pos, uint64_t count)
{
	int64_t end;

	return !pos || (count <= INT64_MAX &&
			!__builtin_add_overflow(*pos, (int64_t)count, &end));
}

/* Position: the file's own offset, or NULL where the file has none. */
static bool file_has_pos(struct file *f)
{
	return f->ops->seekable && !f->stream;
}

static bool rw_mode_ok(struct file *f, bool write)
{
	return write ? file_writable(f) : file_readable(f);
}

/*
 * RLIMIT_FSIZE on a write of iov at *pos (NULL: a stream, not limited):
 * iov cut to end at the limit, or -EFBIG (and SIGXFSZ) at or past it. A
 * write of nothing is not checked (generic_write_checks_count).
 */
static int rw_write_checks(struct task *t, struct file *f,
			   struct abi_iovec *iov, int *cnt, const int64_t *pos)
{
	uint64_t total = 0, count;
	int err;

	if (!pos || !f->ops->size_limited)
		return 0;
	for (int i = 0; i < *cnt; i++)
		total += iov[i].iov_len;
	count = total;
	err = total ? vfs_write_check_limits(t, f, *pos, &count) : 0;
	if (err || count == total)
		return err;
	for (int i = 0; i < *cnt; i++) {
		if (iov[i].iov_len >= count) {
			iov[i].iov_len = count;
			*cnt = i + 1;
			break;
		}
		count -= iov[i].iov_len;
	}
	return 0;
}

/*
 * The transfer itself, once every argument has been checked; count is the
 * length asked for, for the range check against the position used. A
 * write may shorten iov to the file size limit.
 */
static ssize_t rw_file_ops(struct task *t, struct file *f,
			   struct abi_iovec *iov, int cnt, uint64_t count,
			   bool write, int64_t *pos)
{
	bool own = !pos && file_has_pos(f);
	ssize_t ret;

	if (!(write ? f->ops->write : f->ops->read))
		return f->inode && ABI_S_ISDIR(f->inode->mode) ? -EISDIR
							       : -EINVAL;
	if (own) {
		pthread_mutex_lock(&f->pos_lock);
		pos = &f->pos;
	}
	ret = rw_range_ok(pos, count) ? 0 : -EINVAL;
	if (!ret && write)
		ret = rw_write_checks(t, f, iov, &cnt, pos);
	if (!ret)
		ret = write ? f->ops->write(f, t, iov, cnt, pos)
			    : f->ops->read(f, t, iov, cnt, pos);
	if (own)
		pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

/*
 * A write to a pipe nobody reads: EPIPE, and SIGPIPE (a socket raises its
 * own, for streams only).
 */
static ssize_t do_rw(struct task *t, struct file *f, struct abi_iovec *iov,
		     int cnt, uint64_t count, bool write, int64_t *pos)
{
	ssize_t ret = rw_file_ops(t, f, iov, cnt, count, write, pos);

	if (write && ret == -EPIPE && !sock_is(f))
		signal_sigpipe(t);
	return ret;
}

/*
 * The checks in Linux's order: a negative offset (EINVAL), the fd (EBADF),
 * positional I/O on an unseekable file (ESPIPE), then the access mode.
 */
static struct file *rw_file(struct task *t, int fd, int64_t *pos, long *err)
{
	struct file *f;

	*err = 0;
	if (pos && *pos < 0) {
		*err = -EINVAL;
		return NULL;
	}
	f = fd_get(t->files, fd);
	if (!f || (f->flags & ABI_O_PATH)) {
		if (f)
			file_put(f);
		*err = -EBADF;
		return NULL;
	}
	if (pos && (!f->ops->seekable || !f->ops->seekable(f))) {
		file_put(f);
		*err = -ESPIPE;
		return NULL;
	}
	return f;
}

static long rw_single(struct task *t, const uint64_t *a, bool write,
		      int64_t *pos)
{
	struct abi_iovec iov = {a[1], a[2]};
	struct file *f;
	long ret;

	f = rw_file(t, (int)a[0], pos, &ret);
	if (!f)
		return ret;
	if (!rw_mode_ok(f, write))
		ret = -EBADF;
	else if (!user_access_ok(iov.iov_base, iov.iov_len))
		ret = -EFAULT;
	else {
		uint64_t count = iov.iov_len;

		if (iov.iov_len > MAX_RW_COUNT)
			iov.iov_len = MAX_RW_COUNT;
		ret = do_rw(t, f, &iov, 1, count, write, pos);
	}
	file_put(f);
	return ret;
}

int64_t import_iovec_buf(struct task *t, uint64_t uiov, uint64_t cnt,
			 struct abi_iovec *stack, size_t nstack,
			 struct abi_iovec **iov)
{
	*iov = stack;
	if (cnt > ABI_IOV_MAX)
		return -EINVAL;
	if (cnt > nstack) {
		*iov = malloc(cnt * sizeof(**iov));
		if (!*iov) {
			*iov = stack;
			return -ENOMEM;
		}
	}
	return import_iovec(t, uiov, cnt, *iov);
}

/* The access mode is checked before the count and the array. */
static long rw_vector(struct task *t, int fd, uint64_t uiov, uint64_t cnt,
		      bool write, int64_t *pos)
{
	struct abi_iovec stack_iov[8];
	struct abi_iovec *iov = stack_iov;
	struct file *f;
	int64_t total;
	long ret;

	f = rw_file(t, fd, pos, &ret);
	if (!f)
		return ret;
	if (!rw_mode_ok(f, write)) {
		ret = -EBADF;
		goto out;
	}
	/* Nothing to transfer: the file is not asked (vfs_readv). */
	total = import_iovec_buf(t, uiov, cnt, stack_iov, ARRAY_SIZE(stack_iov),
				 &iov);
	if (total <= 0)
		ret = total;
	else
		ret = do_rw(t, f, iov, (int)cnt, (uint64_t)total, write, pos);
	if (iov != stack_iov)
		free(iov);
out:
	file_put(f);
	return ret;
}

SYSCALL(read)
{
	return rw_single(t, a, false, NULL);
}

SYSCALL(write)
{
	return rw_single(t, a, true, NULL);
}

SYSCALL(pread64)
{
	int64_t pos = (int64_t)a[3];

	return rw_single(t, a, false, &pos);
}

SYSCALL(pwrite64)
{
	int64_t pos = (int64_t)a[3];

	return rw_single(t, a, true, &pos);
}

SYSCALL(readv)
{
	return rw_vector(t, (int)a[0], a[1], a[2], false, NULL);
}

SYSCALL(writev)
{
	return rw_vector(t, (int)a[0], a[1], a[2], true, NULL);
}

SYSCALL(preadv)
{
	int64_t pos = (int64_t)a[3];

	return rw_vector(t, (int)a[0], a[1], a[2], false, &pos);
}

SYSCALL(pwritev)
{
	int64_t pos = (int64_t)a[3];

	return rw_vector(t, (int)a[0], a[1], a[2], true, &pos);
}

/*
 * preadv2 and pwritev2: offset -1 means the file's own position. Of the
 * RWF_* flags, HIPRI, DSYNC and SYNC change nothing observable here;
 * NOWAIT is EOPNOTSUPP (as for files without it), APPEND and NOAPPEND as
 * Linux.
 */
#define ABI_RWF_HIPRI	 0x01
#define ABI_RWF_DSYNC	 0x02
#define ABI_RWF_SYNC	 0x04
#define ABI_RWF_NOWAIT	 0x08
#define ABI_RWF_APPEND	 0x10
#define ABI_RWF_NOAPPEND 0x20

static long rw_vector2(struct task *t, const uint64_t *a, bool write)
{
	/* pos_l and pos_h: the offset split in two longs. */
	int64_t pos = (int64_t)a[3];
	uint64_t flags = a[5];

	if (flags &
	    ~(uint64_t)(ABI_RWF_HIPRI | ABI_RWF_DSYNC | ABI_RWF_SYNC |
			ABI_RWF_NOWAIT | ABI_RWF_APPEND | ABI_RWF_NOAPPEND))
		return -EOPNOTSUPP;
	if ((flags & ABI_RWF_APPEND) && (flags & ABI_RWF_NOAPPEND))
		return -EINVAL;
	if (flags & ABI_RWF_NOWAIT)
		return -EOPNOTSUPP;
	if (pos == -1)
		return rw_vector(t, (int)a[0], a[1], a[2], write, NULL);
	return rw_vector(t, (int)a[0], a[1], a[2], write, &pos);
}

SYSCALL(preadv2)
{
	return rw_vector2(t, a, false);
}

SYSCALL(pwritev2)
{
	return rw_vector2(t, a, true);
}

/*
 * lseek: SEEK_SET, SEEK_CUR, SEEK_END, and SEEK_DATA/SEEK_HOLE treating a
 * file as data without holes (Linux's generic behaviour). Directories take
 * SEEK_SET and SEEK_CUR only.
 */
SYSCALL(lseek)
{
	struct file *f = fd_get(t->files, (int)a[0]);
	unsigned whence = (unsigned)a[2];
	int64_t off = (int64_t)a[1], base = 0, pos;
	long ret = 0;

	if (!f)
		return -EBADF;
	if (f->flags & ABI_O_PATH) {
		ret = -EBADF;
		goto out;
	}
	if (whence > ABI_SEEK_HOLE) {
		ret = -EINVAL;
		goto out;
	}
	if (!f->ops->seekable || !f->ops->seekable(f) || f->stream) {
		ret = f->ops->llseek ? f->ops->llseek(f, off, (int)whence)
				     : -ESPIPE;
		goto out;
	}
	if (f->ops->llseek) {
		ret = f->ops->llseek(f, off, (int)whence);
		goto out;
	}
	pthread_mutex_lock(&f->pos_lock);
	if (f->inode && ABI_S_ISDIR(f->inode->mode) && whence != ABI_SEEK_SET &&
	    whence != ABI_SEEK_CUR) {
		ret = -EINVAL;
	} else if (whence == ABI_SEEK_CUR) {
		base = f->pos;
	} else if (whence != ABI_SEEK_SET) {
		struct vfs_attr at;

		ret = f->inode ? vfs_inode_getattr(f->inode, &at) : -ESPIPE;
		if (!ret) {
			int64_t size = (int64_t)at.size;

			if (whence == ABI_SEEK_END)
				base = size;
			else if (off < 0 || off >= size)
				ret = -ENXIO;
			else if (whence == ABI_SEEK_HOLE) {
				base = 0;
				off = size;
			}
		}
	}
	if (!ret) {
		if (__builtin_add_overflow(base, off, &pos) || pos < 0)
			ret = -EINVAL;
		else
			ret = f->pos = pos;
	}
	pthread_mutex_unlock(&f->pos_lock);
out:
	file_put(f);
	return ret;
}
