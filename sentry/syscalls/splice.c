// SPDX-License-Identifier: Apache-2.0
/*
 * sendfile and copy_file_range (fs/read_write.c, fs/splice.c): data moved
 * between two files through the sentry, in 64 KiB pieces, with each
 * file's own read and write ops (kread where the source has it). Writes
 * into a file obey RLIMIT_FSIZE as Linux's: sendfile and splice write
 * again after a short write, so that one cut at the limit raises SIGXFSZ;
 * copy_file_range cuts its length to the limit first.
 *
 * splice, tee and vmsplice (fs/splice.c): one side a pipe, whose ring the
 * data is copied into or out of under the pipe's lock, straight from or to
 * the other file (kread, kwrite) or the application's memory. Pages are
 * never shared by reference, so vmsplice's buffer may be reused at once.
 */
#include "sentry/fs/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

/*
 * Copy up to count bytes from in (at *in_pos, or its own position) to out
 * (at *out_pos, or its own position or a stream). The bytes copied, or
 * -errno when nothing was.
 */
static long copy_between(struct file *in, int64_t *in_pos, struct file *out,
			 int64_t *out_pos, uint64_t count)
{
	uint8_t *buf = malloc(CHUNK);
	int64_t *ip = in_pos ? in_pos : &in->pos;
	long done = 0;

	if (!buf)
		return -ENOMEM;
	if (!in_pos)
		pthread_mutex_lock(&in->pos_lock);
	while ((uint64_t)done < count) {
		size_t want =
		    (size_t)min_t(uint64_t, count - (uint64_t)done, CHUNK);
		ssize_t r = in->ops->kread(in, buf, want, *ip), w = 0;

		if (r <= 0) {
			if (r < 0 && !done)
				done = r;
			break;
		}
		while (w < r) {
			ssize_t n =
			    file_kwrite(out, buf + w, (size_t)(r - w), out_pos);

			if (n <= 0) {
				/* An error after bytes written: those. */
				if (!done && !w && n < 0)
					done = n;
				r = w;
				break;
			}
			w += n;
		}
		*ip += w;
		if (done >= 0)
			done += w;
		if (w < r || w < (ssize_t)want)
			break;
	}
	if (!in_pos)
		pthread_mutex_unlock(&in->pos_lock);
	free(buf);
	return done;
}

static struct file *get_file(struct task *t, int fd, bool write, long *err)
{
	struct file *f = fd_get(t->files, fd);

	*err = 0;
	if (!f || (f->flags & ABI_O_PATH) ||
	    !(write ? file_writable(f) : file_readable(f))) {
		if (f)
			file_put(f);
		*err = -EBADF;
		return NULL;
	}
	return f;
}

SYSCALL(sendfile)
{
	struct file *out, *in;
	int64_t off, *offp = NULL;
	long ret;

	out = get_file(t, (int)a[0], true, &ret);
	if (!out)
		return ret;
	in = get_file(t, (int)a[1], false, &ret);
	if (!in) {
		file_put(out);
		return ret;
	}
	if (!in->ops->kread) {
		ret = -EINVAL; /* a source that cannot be read in place */
		goto out;
	}
	if (out->flags & ABI_O_APPEND) {
		ret = -EINVAL;
		goto out;
	}
	if (a[2]) {
		ret = mm_copy_in(t->mm, &off, a[2], sizeof(off));
		if (ret)
			goto out;
		if (off < 0) {
			ret = -EINVAL;
			goto out;
		}
		offp = &off;
	}
	if (in == out && !offp && !in->stream && in->ops->seekable &&
	    in->ops->seekable(in)) {
		/*
		 * One open file both ways, its own position: both sides start
		 * there and copy the bytes onto themselves (Linux takes the
		 * two positions apart and stores the written one last). The
		 * position's lock is taken once, not once per side.
		 */
		int64_t ipos, opos;

		pthread_mutex_lock(&in->pos_lock);
		ipos = opos = in->pos;
		ret = copy_between(in, &ipos, out, &opos,
				   min_t(uint64_t, a[3], MAX_RW_COUNT));
		if (ret > 0)
			in->pos = opos;
		pthread_mutex_unlock(&in->pos_lock);
	} else {
		ret = copy_between(in, offp, out, NULL,
				   min_t(uint64_t, a[3], MAX_RW_COUNT));
	}
	if (offp && ret >= 0) {
		long err = mm_copy_out(t->mm, a[2], &off, sizeof(off));

		if (err)
			ret = err;
	}
out:
	file_put(in);
	file_put(out);
	return ret;
}

SYSCALL(copy_file_range)
{
	struct file *out, *in;
	int64_t ioff, ooff, *ip = NULL, *op = NULL;
	uint64_t count;
	bool own;
	long ret;

	if (a[5])
		return -EINVAL;
	in = get_file(t, (int)a[0], false, &ret);
	if (!in)
		return ret;
	out = get_file(t, (int)a[2], true, &ret);
	if (!out) {
		file_put(in);
		return ret;
	}
	if (!in->inode || !out->inode || !ABI_S_ISREG(in->inode->mode) ||
	    !ABI_S_ISREG(out->inode->mode)) {
		ret = in->inode && ABI_S_ISDIR(in->inode->mode) ? -EISDIR
								: -EINVAL;
		goto out;
	}
	if (!in->ops->kread || (out->flags & ABI_O_APPEND)) {
		ret = -EINVAL;
		goto out;
	}
	if (a[1]) {
		ret = mm_copy_in(t->mm, &ioff, a[1], sizeof(ioff));
		if (ret)
			goto out;
		ip = &ioff;
	}
	if (a[3]) {
		ret = mm_copy_in(t->mm, &ooff, a[3], sizeof(ooff));
		if (ret)
			goto out;
		op = &ooff;
	}
	if ((ip && *ip < 0) || (op && *op < 0)) {
		ret = -EINVAL;
		goto out;
	}
	own = !op;
	if (own) {
		pthread_mutex_lock(&out->pos_lock);
		ooff = out->pos;
		op = &ooff;
	}
	/* generic_copy_file_checks: the limit, even for nothing to copy. */
	count = min_t(uint64_t, a[4], MAX_RW_COUNT);
	ret = vfs_write_check_limits(t, out, *op, &count);
	if (!ret && in->inode == out->inode) {
		/* ...and no overlapping copy within one file. With one open
		 * file and no offsets both sides are at its position (whose
		 * lock is held here). */
		int64_t ipos = ip ? *ip : in == out ? *op : in->pos;

		if (*op + (int64_t)count > ipos && *op < ipos + (int64_t)count)
			ret = -EINVAL;
	}
	if (!ret && count)
		ret = copy_between(in, ip, out, op, count);
	if (own) {
		out->pos = ooff;
		pthread_mutex_unlock(&out->pos_lock);
	}
	if (ret >= 0 && a[1])
		ret = mm_copy_out(t->mm, a[1], &ioff, sizeof(ioff)) ?: ret;
	if (ret >= 0 && a[3])
		ret = mm_copy_out(t->mm, a[3], &ooff, sizeof(ooff)) ?: ret;
out:
	file_put(in);
	file_put(out);
	return ret;
}

/* The file at fd, O_PATH ones excluded (fdget), with a reference. */
static struct file *splice_fget(struct task *t, int fd)
{
	struct file *f = fd_get(t->files, fd);

	if (f && (f->flags & ABI_O_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* FMODE_PREAD/FMODE_PWRITE: an offset of the caller's may be given. */
static bool splice_positional(struct file *f)
{
	return f->ops->seekable && f->ops->seekable(f);
}

/* The file's own offset is used and moved, as file_kwrite decides. */
static bool splice_has_pos(struct file *f)
{
	return splice_positional(f) && !f->stream;
}

/* rw_verify_area: len fits ssize_t and ends where an offset can count to. */
static bool splice_range_ok(const int64_t *pos, uint64_t len)
{
	int64_t end;

	if (len > INT64_MAX)
		return false;
	return !pos ||
	       (*pos >= 0 && !__builtin_add_overflow(*pos, (int64_t)len, &end));
}

/* The file side of a splice: the file and where in it (NULL: a stream). */
struct splice_file {
	struct file *f;
	int64_t *pos;
};

/* Read in place at a position; anything else has no splice_read. */
static ssize_t fill_from_file(void *arg, void *dst, size_t n)
{
	struct splice_file *sf = arg;
	ssize_t r;

	if (!sf->f->ops->kread || !sf->pos)
		return -EINVAL;
	r = sf->f->ops->kread(sf->f, dst, n, *sf->pos);
	if (r > 0)
		*sf->pos += r;
	return r;
}

/*
 * As iter_file_splice_write: what a short write left is offered again, so
 * that a write cut at the file size limit ends with SIGXFSZ.
 */
static ssize_t drain_to_file(void *arg, const void *src, size_t n)
{
	struct splice_file *sf = arg;
	size_t done = 0;

	while (done < n) {
		ssize_t w = file_kwrite(sf->f, (const uint8_t *)src + done,
					n - done, sf->pos);

		if (w <= 0)
			return done ? (ssize_t)done : w;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

/*
 * The file's own position, for a splice without an offset: taken before
 * the move and stored after it, as Linux's splice does, with no lock held
 * in between, so that a wait for the pipe holds up no read of the file.
 */
static bool splice_pos_get(struct file *f, int64_t *pos)
{
	if (!splice_has_pos(f))
		return false;
	pthread_mutex_lock(&f->pos_lock);
	*pos = f->pos;
	pthread_mutex_unlock(&f->pos_lock);
	return true;
}

static void splice_pos_set(struct file *f, int64_t pos)
{
	pthread_mutex_lock(&f->pos_lock);
	f->pos = pos;
	pthread_mutex_unlock(&f->pos_lock);
}

/* A file into a pipe: off is the caller's offset, or NULL for the file's. */
static long splice_file_to_pipe(struct file *in, int64_t *off,
				struct file *pipe, uint64_t len, bool nonblock)
{
	struct splice_file sf = {.f = in, .pos = off};
	bool own;
	int64_t pos;
	long ret;

	if (off && !splice_positional(in))
		return -EINVAL;
	own = !off && splice_pos_get(in, &pos);
	if (own)
		sf.pos = &pos;
	if (!splice_range_ok(sf.pos, len))
		return -EINVAL;
	ret = pipe_fill(pipe, (size_t)min_t(uint64_t, len, MAX_RW_COUNT),
			nonblock, fill_from_file, &sf);
	if (own && ret > 0)
		splice_pos_set(in, pos);
	return ret;
}

/* A pipe into a file: off is the caller's offset, or NULL for the file's. */
static long splice_pipe_to_file(struct file *pipe, struct file *out,
				int64_t *off, uint64_t len, bool nonblock)
{
	struct splice_file sf = {.f = out, .pos = off};
	bool own;
	int64_t pos;
	long ret;

	if (off && !splice_positional(out))
		return -EINVAL;
	if (out->flags & ABI_O_APPEND)
		return -EINVAL;
	own = !off && splice_pos_get(out, &pos);
	if (own)
		sf.pos = &pos;
	if (!splice_range_ok(sf.pos, len) || !out->ops->kwrite)
		return -EINVAL;
	ret = pipe_drain(pipe, (size_t)min_t(uint64_t, len, MAX_RW_COUNT),
			 nonblock, drain_to_file, &sf);
	if (own && ret > 0)
		splice_pos_set(out, pos);
	return ret;
}

/* The checks in Linux's order (__do_splice, do_splice), then the move. */
static long do_splice(struct task *t, struct file *in, uint64_t uoff_in,
		      struct file *out, uint64_t uoff_out, uint64_t len,
		      uint32_t flags)
{
	bool nonblock = flags & ABI_SPLICE_F_NONBLOCK;
	bool ipipe = pipe_is(in), opipe = pipe_is(out);
	int64_t off_in, off_out;
	long ret;

	if ((ipipe && uoff_in) || (opipe && uoff_out))
		return -ESPIPE;
	if (uoff_out && mm_copy_in(t->mm, &off_out, uoff_out, sizeof(off_out)))
		return -EFAULT;
	if (uoff_in && mm_copy_in(t->mm, &off_in, uoff_in, sizeof(off_in)))
		return -EFAULT;
	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	if (ipipe && opipe) {
		if ((in->flags | out->flags) & ABI_O_NONBLOCK)
			nonblock = true;
		return pipe_splice(in, out, (size_t)len, nonblock, false);
	}
	if (ipipe) {
		ret = splice_pipe_to_file(
		    in, out, uoff_out ? &off_out : NULL, len,
		    nonblock || (in->flags & ABI_O_NONBLOCK));
		if (ret >= 0 && uoff_out &&
		    mm_copy_out(t->mm, uoff_out, &off_out, sizeof(off_out)))
			ret = -EFAULT;
		return ret;
	}
	if (opipe) {
		ret = splice_file_to_pipe(
		    in, uoff_in ? &off_in : NULL, out, len,
		    nonblock || (out->flags & ABI_O_NONBLOCK));
		if (ret >= 0 && uoff_in &&
		    mm_copy_out(t->mm, uoff_in, &off_in, sizeof(off_in)))
			ret = -EFAULT;
		return ret;
	}
	return -EINVAL;
}

/*
 * splice: between a pipe and a file, or two pipes, copied through the
 * sentry. Deviations: a file must be readable (kread) or writable
 * (kwrite) in place, so the donated stdio cannot be a source (EINVAL);
 * the pipe counts bytes, not pages, so how much one call moves may differ.
 */
SYSCALL(splice)
{
	uint64_t len = a[4];
	uint32_t flags = (uint32_t)a[5];
	struct file *in, *out;
	long ret;

	if (!len)
		return 0;
	if (flags & ~(uint32_t)ABI_SPLICE_F_ALL)
		return -EINVAL;
	in = splice_fget(t, (int)a[0]);
	if (!in)
		return -EBADF;
	out = splice_fget(t, (int)a[2]);
	if (!out) {
		file_put(in);
		return -EBADF;
	}
	ret = do_splice(t, in, a[1], out, a[3], len, flags);
	if (ret == -EPIPE)
		signal_sigpipe(t);
	file_put(out);
	file_put(in);
	return ret;
}

/*
 * tee: a copy of up to len bytes of one pipe's data in another, the first
 * left as it was. Deviation: the data is copied, not shared.
 */
SYSCALL(tee)
{
	uint64_t len = a[2];
	uint32_t flags = (uint32_t)a[3];
	struct file *in, *out;
	long ret;

	if (flags & ~(uint32_t)ABI_SPLICE_F_ALL)
		return -EINVAL;
	if (!len)
		return 0;
	in = splice_fget(t, (int)a[0]);
	if (!in)
		return -EBADF;
	out = splice_fget(t, (int)a[1]);
	if (!out) {
		file_put(in);
		return -EBADF;
	}
	if (!file_readable(in) || !file_writable(out))
		ret = -EBADF;
	else if (!pipe_is(in) || !pipe_is(out))
		ret = -EINVAL;
	else
		ret =
		    pipe_splice(in, out, (size_t)len,
				(flags & ABI_SPLICE_F_NONBLOCK) ||
				    ((in->flags | out->flags) & ABI_O_NONBLOCK),
				true);
	if (ret == -EPIPE)
		signal_sigpipe(t);
	file_put(out);
	file_put(in);
	return ret;
}

/* vmsplice's side: the application's buffers, consumed in order. */
struct splice_user {
	struct task *t;
	const struct abi_iovec *iov;
	uint64_t cnt, i;
	uint64_t off; /* into iov[i] */
};

/*
 * Copy n bytes from the buffers into dst, or from src into them, a page at
 * most at a time, so that a bad page stops the copy right there: the bytes
 * copied, or -EFAULT when none were.
 */
static ssize_t user_copy(struct splice_user *u, void *dst, const void *src,
			 size_t n)
{
	size_t done = 0;

	while (done < n && u->i < u->cnt) {
		const struct abi_iovec *v = &u->iov[u->i];
		uint64_t addr = v->iov_base + u->off;
		size_t chunk;
		int err;

		if (u->off == v->iov_len) {
			u->i++;
			u->off = 0;
			continue;
		}
		chunk = (size_t)min_t(uint64_t, v->iov_len - u->off, n - done);
		chunk = (size_t)min_t(uint64_t, chunk,
				      PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
		if (dst)
			err = mm_copy_in(u->t->mm, (uint8_t *)dst + done, addr,
					 chunk);
		else
			err = mm_copy_out(u->t->mm, addr,
					  (const uint8_t *)src + done, chunk);
		if (err)
			return done ? (ssize_t)done : err;
		u->off += chunk;
		done += chunk;
	}
	return (ssize_t)done;
}

static ssize_t fill_from_user(void *arg, void *dst, size_t n)
{
	return user_copy(arg, dst, NULL, n);
}

static ssize_t drain_to_user(void *arg, const void *src, size_t n)
{
	return user_copy(arg, NULL, src, n);
}

/*
 * vmsplice: the application's buffers into a pipe's write end (as much as
 * fits once there is room), or out of a read end. As Linux, only
 * SPLICE_F_NONBLOCK keeps it from waiting, not the pipe's O_NONBLOCK; a
 * FIFO open for both is written; SPLICE_F_GIFT changes nothing. Deviations: the
 * data is copied, never mapped, so later stores to the buffers do not reach the
 * pipe.
 */
SYSCALL(vmsplice)
{
	struct abi_iovec stack_iov[8];
	struct abi_iovec *iov = stack_iov;
	uint64_t cnt = a[2];
	uint32_t flags = (uint32_t)a[3];
	bool nonblock = flags & ABI_SPLICE_F_NONBLOCK;
	struct file *f;
	int64_t total;
	long ret;

	if (flags & ~(uint32_t)ABI_SPLICE_F_ALL)
		return -EINVAL;
	f = splice_fget(t, (int)a[0]);
	if (!f)
		return -EBADF;
	if (!file_writable(f) && !file_readable(f)) {
		ret = -EBADF;
		goto out;
	}
	total = import_iovec_buf(t, a[1], cnt, stack_iov, ARRAY_SIZE(stack_iov),
				 &iov);
	if (total <= 0) {
		ret = total;
	} else if (!pipe_is(f)) {
		ret = -EBADF;
	} else {
		struct splice_user u = {.t = t, .iov = iov, .cnt = cnt};

		if (file_writable(f))
			ret = pipe_fill(f, (size_t)total, nonblock,
					fill_from_user, &u);
		else
			ret = pipe_drain(f, (size_t)total, nonblock,
					 drain_to_user, &u);
		if (ret == -EPIPE)
			signal_sigpipe(t);
	}
	if (iov != stack_iov)
		free(iov);
out:
	file_put(f);
	return ret;
}
