// SPDX-License-Identifier: Apache-2.0
/*
 * memfd_create (mm/memfd.c): an anonymous tmpfs file, with F_ADD_SEALS
 * and F_GET_SEALS (fd.c) when sealing is allowed.
 *
 * Deviation for now: MFD_HUGETLB is EINVAL (no huge pages here).
 */
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

#define MFD_CLOEXEC	  0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#define MFD_HUGETLB	  0x0004U
#define MFD_NOEXEC_SEAL	  0x0008U
#define MFD_EXEC	  0x0010U
#define MFD_NAME_MAX	  249

SYSCALL(memfd_create)
{
	char name[MFD_NAME_MAX + 2];
	unsigned flags = (unsigned)a[1];
	struct file *f;
	long n, fd;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
		      MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC))
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -EINVAL;
	n = mm_copy_string_in(t->mm, name, a[0], sizeof(name));
	if (n == -ENAMETOOLONG || n > MFD_NAME_MAX)
		return -EINVAL;
	if (n < 0)
		return n;
	f = tmpfs_memfd(t->k->memfd_root,
			flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL),
			t->creds.fsuid, t->creds.fsgid);
	if (IS_ERR(f))
		return PTR_ERR(f);
	/* MFD_NOEXEC_SEAL: not executable, and sealed so (F_SEAL_EXEC). */
	if (flags & MFD_NOEXEC_SEAL) {
		f->inode->mode &= ~0111U;
		tmpfs_add_seals(f, TMPFS_SEAL_EXEC);
	}
	fd = fd_alloc(t->files, f, flags & MFD_CLOEXEC, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(f);
	return fd;
}
