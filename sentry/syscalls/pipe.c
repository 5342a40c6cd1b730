// SPDX-License-Identifier: Apache-2.0
/* pipe and pipe2 (fs/pipe.c). */
#include "sentry/fs/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

static long do_pipe2(struct task *t, uint64_t ufds, uint64_t flags)
{
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
	struct file *rd, *wr;
	int fds[2];
	long err;

	if (flags & ~(uint64_t)(ABI_O_CLOEXEC | ABI_O_NONBLOCK | ABI_O_DIRECT))
		return -EINVAL;
	if (flags & ABI_O_DIRECT)
		return -EINVAL; /* packet mode: not yet */
	err = pipe_create((uint32_t)flags & ABI_O_NONBLOCK, &rd, &wr);
	if (err)
		return err;
	fds[0] = fd_alloc(t->files, rd, flags & ABI_O_CLOEXEC, 0, limit);
	fds[1] = fds[0] < 0
		     ? fds[0]
		     : fd_alloc(t->files, wr, flags & ABI_O_CLOEXEC, 0, limit);
	file_put(rd);
	file_put(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(t->files, fds[0]);
		return fds[1];
	}
	err = mm_copy_out(t->mm, ufds, fds, sizeof(fds));
	if (err) {
		fd_close(t->files, fds[0]);
		fd_close(t->files, fds[1]);
	}
	return err;
}

SYSCALL(pipe)
{
	return do_pipe2(t, a[0], 0);
}

SYSCALL(pipe2)
{
	return do_pipe2(t, a[0], a[1]);
}
