// SPDX-License-Identifier: Apache-2.0
/* getdents64 and getdents: directory entries, as Linux's fs/readdir.c. */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dirent_buf {
	struct vfs_dir_sink sink;
	uint8_t *buf;
	size_t cap, len;
	bool old; /* struct linux_dirent (getdents), type after the name */
	bool overflow;
};

static int emit(struct vfs_dir_sink *sink, const char *name, size_t len,
		uint64_t ino, unsigned type, int64_t next)
{
	struct dirent_buf *b = container_of(sink, struct dirent_buf, sink);
	size_t reclen;

	if (b->old)
		reclen = (offsetof(struct abi_dirent64, d_name) + len + 2 + 7) &
			 ~(size_t)7;
	else
		reclen = (offsetof(struct abi_dirent64, d_name) + len + 1 + 7) &
			 ~(size_t)7;
	if (reclen > b->cap - b->len) {
		b->overflow = true;
		return 1;
	}
	memset(b->buf + b->len, 0, reclen);
	if (b->old) {
		/* d_ino, d_off, d_reclen, d_name..., 0, d_type */
		uint64_t d_ino = ino;
		int64_t d_off = next;
		uint16_t r = (uint16_t)reclen;

		memcpy(b->buf + b->len, &d_ino, 8);
		memcpy(b->buf + b->len + 8, &d_off, 8);
		memcpy(b->buf + b->len + 16, &r, 2);
		memcpy(b->buf + b->len + 18, name, len);
		b->buf[b->len + reclen - 1] = (uint8_t)type;
	} else {
		struct abi_dirent64 d = {.d_ino = ino,
					 .d_off = next,
					 .d_reclen = (uint16_t)reclen,
					 .d_type = (uint8_t)type};

		memcpy(b->buf + b->len, &d,
		       offsetof(struct abi_dirent64, d_name));
		memcpy(b->buf + b->len + offsetof(struct abi_dirent64, d_name),
		       name, len);
	}
	b->len += reclen;
	return 0;
}

static long do_getdents(struct task *t, int fd, uint64_t ubuf, uint64_t count,
			bool old)
{
	struct dirent_buf b = {.sink = {.emit = emit}, .old = old};
	struct file *f;
	long err;

	f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	if (!f->ops->readdir || (f->flags & ABI_O_PATH)) {
		file_put(f);
		return f->flags & ABI_O_PATH ? -EBADF : -ENOTDIR;
	}
	if (f->inode && f->inode->nlink == 0) {
		file_put(f);
		return -ENOENT; /* a removed directory */
	}
	if ((int)count < 0)
		count = INT32_MAX;
	b.cap = (size_t)min_t(uint64_t, count, 64 * 1024);
	b.buf = malloc(b.cap ? b.cap : 1);
	if (!b.buf) {
		file_put(f);
		return -ENOMEM;
	}
	pthread_mutex_lock(&f->pos_lock);
	err = f->ops->readdir(f, &b.sink);
	pthread_mutex_unlock(&f->pos_lock);
	file_put(f);
	if (!err && b.len == 0 && b.overflow)
		err = -EINVAL; /* not even one entry fits */
	if (!err && b.len)
		err = mm_copy_out(t->mm, ubuf, b.buf, b.len);
	free(b.buf);
	return err ? err : (long)b.len;
}

SYSCALL(getdents64)
{
	return do_getdents(t, (int)a[0], a[1], (uint32_t)a[2], false);
}

SYSCALL(getdents)
{
	return do_getdents(t, (int)a[0], a[1], (uint32_t)a[2], true);
}
