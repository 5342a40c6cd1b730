// SPDX-License-Identifier: Apache-2.0
/* The mmap family and brk (mm/mmap.c, mm/mremap.c, mm/madvise.c). */
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>

/*
 * A file mapping. MAP_SHARED of a file whose pages are the memory file's
 * (tmpfs, memfds, the overlay's copies) maps those very pages, and of a
 * host file (goferfs, the overlay's lower files) the pages of its page
 * cache, shared by every process that maps it and written back to the
 * host file on msync, fsync, munmap and close (goferfs.c): writes through
 * it are the file's, and the file's show through it; a page the file is
 * truncated below goes (SIGBUS). MAP_PRIVATE is a private copy: fresh
 * anonymous memory filled with the file's bytes.
 *
 * Deviations: in private copies, pages wholly past the end of the file
 * read as zero instead of SIGBUS, and the file's later changes never show;
 * a truncation reaches another thread's view of the mapping when that
 * thread next enters the sentry.
 */
/* MAP_SHARED of a file with memory-file pages; takes f's reference. */
static long mmap_shared(struct task *t, struct file *f, const uint64_t *a)
{
	uint64_t prot = a[2];
	struct vfs_inode *inode;
	bool maywrite = file_writable(f);
	long ret;

	if ((prot & ABI_PROT_EXEC) && f->path.mnt &&
	    (f->path.mnt->flags & VFS_MNT_NOEXEC)) {
		file_put(f);
		return -EPERM;
	}
	inode = f->ops->mmap_inode(f);
	if (IS_ERR(inode)) {
		file_put(f);
		return PTR_ERR(inode);
	}
	/* A file sealed against writing cannot be mapped for it, nor
	 * mapped so as to be made writable later. */
	ret = tmpfs_map_begin(f, prot & ABI_PROT_WRITE, &maywrite);
	if (ret) {
		vfs_inode_put(inode);
		file_put(f);
		return ret;
	}
	ret =
	    mm_mmap_file(t->mm, a[0], a[1], prot, a[3], inode, a[5], maywrite);
	tmpfs_map_done(f, maywrite);
	if (ret >= 0 || ret < -4095)
		mm_file_set_path(t->mm, inode, &f->path);
	vfs_inode_put(inode);
	file_put(f);
	return ret;
}

/*
 * READ_IMPLIES_EXEC: readable memory is executable too, but not from a
 * file of a noexec mount (do_mmap).
 */
static uint64_t rie_prot(const struct task *t, uint64_t prot,
			 const struct file *f)
{
	if ((prot & ABI_PROT_READ) &&
	    (t->personality & ABI_READ_IMPLIES_EXEC) &&
	    !(f && f->path.mnt && (f->path.mnt->flags & VFS_MNT_NOEXEC)))
		prot |= ABI_PROT_EXEC;
	return prot;
}

static long mmap_file(struct task *t, const uint64_t *in)
{
	uint64_t a[6] = {in[0], in[1], in[2], in[3], in[4], in[5]};
	uint64_t len = a[1], prot, flags = a[3], off = a[5];
	uint64_t type = flags & ABI_MAP_TYPE;
	struct vfs_attr at;
	struct file *f;
	long addr;
	int err = 0;

	if (off & 0xfff)
		return -EINVAL;
	f = fd_get(t->files, (int)a[4]);
	if (!f)
		return -EBADF;
	prot = a[2] = rie_prot(t, a[2], f);
	if (f->flags & ABI_O_PATH) {
		err = -EBADF;
		goto out;
	}
	if (!f->inode || !ABI_S_ISREG(f->inode->mode) ||
	    (!f->ops->kread && !f->ops->host_fd)) {
		err = -ENODEV;
		goto out;
	}
	if (!file_readable(f)) {
		err = -EACCES;
		goto out;
	}
	if (type == ABI_MAP_SHARED || type == ABI_MAP_SHARED_VALIDATE) {
		if ((prot & ABI_PROT_WRITE) && !file_writable(f)) {
			err = -EACCES;
			goto out;
		}
		if (f->ops->mmap_inode)
			return mmap_shared(t, f, a);
		if (prot & ABI_PROT_WRITE) {
			err = -ENODEV;
			goto out;
		}
	} else if (type != ABI_MAP_PRIVATE) {
		err = -EINVAL;
		goto out;
	}
	if ((prot & ABI_PROT_EXEC) && f->path.mnt &&
	    (f->path.mnt->flags & VFS_MNT_NOEXEC)) {
		err = -EPERM;
		goto out;
	}
	err = vfs_inode_getattr(f->inode, &at);
	if (err)
		goto out;
	flags = (flags & ~(uint64_t)ABI_MAP_TYPE) | ABI_MAP_PRIVATE |
		ABI_MAP_ANONYMOUS;
	addr = mm_mmap(t->mm, a[0], len, prot, flags, 0);
	if (addr < 0 || (uint64_t)addr >= (uint64_t)-4095) {
		err = (int)addr;
		goto out;
	}
	if (off < at.size) {
		uint64_t n = at.size - off < len ? at.size - off : len;
		int hfd = f->ops->host_fd ? f->ops->host_fd(f) : -1;

		if (hfd >= 0)
			err = mm_fill_from_fd(t->mm, (uint64_t)addr, hfd, off,
					      (size_t)n);
		else
			err = mm_fill_from_file(t->mm, (uint64_t)addr, f, off,
						(size_t)n);
		if (err) {
			mm_munmap(t->mm, (uint64_t)addr, len);
			goto out;
		}
	}
	file_put(f);
	return addr;
out:
	file_put(f);
	return err;
}

SYSCALL(mmap)
{
	if (!(a[3] & ABI_MAP_ANONYMOUS))
		return mmap_file(t, a);
	return mm_mmap(t->mm, a[0], a[1], rie_prot(t, a[2], NULL), a[3], a[5]);
}

SYSCALL(munmap)
{
	return mm_munmap(t->mm, a[0], a[1]);
}

SYSCALL(mprotect)
{
	return mm_mprotect(t->mm, a[0], a[1], rie_prot(t, a[2], NULL));
}

SYSCALL(mremap)
{
	return mm_mremap(t->mm, a[0], a[1], a[2], a[3], a[4]);
}

SYSCALL(madvise)
{
	return mm_madvise(t->mm, a[0], a[1], (int)a[2]);
}

SYSCALL(msync)
{
	return mm_msync(t->mm, a[0], a[1], (int)a[2]);
}

SYSCALL(brk)
{
	return mm_brk(t->mm, a[0]);
}
