// SPDX-License-Identifier: Apache-2.0
/*
 * sendfile and copy_file_range (fs/read_write.c, fs/splice.c): data moved
 * between two files through the sentry, in 64 KiB pieces, with each
 * file's own read and write ops (kread where the source has it).
 */
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
				if (!done && n < 0)
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
	ret = copy_between(in, offp, out, NULL,
			   min_t(uint64_t, a[3], MAX_RW_COUNT));
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
	if (!op) {
		pthread_mutex_lock(&out->pos_lock);
		ooff = out->pos;
		op = &ooff;
		ret = copy_between(in, ip, out, op,
				   min_t(uint64_t, a[4], MAX_RW_COUNT));
		out->pos = ooff;
		pthread_mutex_unlock(&out->pos_lock);
		op = NULL;
	} else {
		ret = copy_between(in, ip, out, op,
				   min_t(uint64_t, a[4], MAX_RW_COUNT));
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
