// SPDX-License-Identifier: Apache-2.0
/* The mmap family and brk (mm/mmap.c, mm/mremap.c, mm/madvise.c). */
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

SYSCALL(mmap)
{
	uint64_t flags = a[3];

	if (!(flags & ABI_MAP_ANONYMOUS)) {
		struct file *f;

		if (a[5] & 0xfff)
			return -EINVAL;
		f = fd_get(t->files, (int)a[4]);
		if (!f)
			return -EBADF;
		file_put(f);
		/* No file can be mapped until the VFS provides them. */
		return -ENODEV;
	}
	return mm_mmap(t->mm, a[0], a[1], a[2], flags, a[5]);
}

SYSCALL(munmap)
{
	return mm_munmap(t->mm, a[0], a[1]);
}

SYSCALL(mprotect)
{
	return mm_mprotect(t->mm, a[0], a[1], a[2]);
}

SYSCALL(mremap)
{
	return mm_mremap(t->mm, a[0], a[1], a[2], a[3], a[4]);
}

SYSCALL(madvise)
{
	return mm_madvise(t->mm, a[0], a[1], (int)a[2]);
}

SYSCALL(brk)
{
	return mm_brk(t->mm, a[0]);
}
