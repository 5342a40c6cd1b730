// SPDX-License-Identifier: Apache-2.0
/*
 * Memory locking and residency (mm/mlock.c, mm/mincore.c). The sandbox's
 * memory is never swapped out, so locking is bookkeeping: the VMAs are
 * marked (VmLck, smaps' "lo") and their pages filled in, as Linux
 * populates them; RLIMIT_MEMLOCK and CAP_IPC_LOCK are checked as Linux
 * does. Deviation: mmap after mlockall(MCL_FUTURE) does not check
 * RLIMIT_MEMLOCK.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>

#define CAP_IPC_LOCK 14

static uint64_t memlock_rlimit(struct task *t)
{
	uint64_t v;

	pthread_mutex_lock(&t->tg->lock);
	v = t->tg->rlim[ABI_RLIMIT_MEMLOCK].rlim_cur;
	pthread_mutex_unlock(&t->tg->lock);
	return v;
}

/* The limit in pages, or ~0 with CAP_IPC_LOCK. */
static uint64_t lock_limit(struct task *t)
{
	if (creds_capable(&t->creds, CAP_IPC_LOCK))
		return ~0ULL;
	return memlock_rlimit(t) / PAGE_SIZE;
}

/* can_do_mlock */
static bool can_do_mlock(struct task *t)
{
	return memlock_rlimit(t) != 0 || creds_capable(&t->creds, CAP_IPC_LOCK);
}

static long do_mlock(struct task *t, uint64_t start, uint64_t len,
		     uint32_t flags)
{
	if (!can_do_mlock(t))
		return -EPERM;
	return mm_mlock(t->mm, start, len, flags, lock_limit(t));
}

SYSCALL(mlock)
{
	return do_mlock(t, a[0], a[1], VMA_LOCKED);
}

SYSCALL(mlock2)
{
	uint32_t flags = VMA_LOCKED;

	if (a[2] & ~(uint64_t)ABI_MLOCK_ONFAULT)
		return -EINVAL;
	if (a[2] & ABI_MLOCK_ONFAULT)
		flags |= VMA_LOCKONFAULT;
	return do_mlock(t, a[0], a[1], flags);
}

SYSCALL(munlock)
{
	return mm_mlock(t->mm, a[0], a[1], 0, ~0ULL);
}

SYSCALL(mlockall)
{
	int flags = (int)a[0];

	if (!flags ||
	    (flags & ~(ABI_MCL_CURRENT | ABI_MCL_FUTURE | ABI_MCL_ONFAULT)) ||
	    flags == ABI_MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(t))
		return -EPERM;
	return mm_mlockall(t->mm, flags, lock_limit(t));
}

SYSCALL(munlockall)
{
	return mm_mlockall(t->mm, 0, ~0ULL);
}

/*
 * mincore: a byte per page, 1 where memory is behind it (written, or
 * filled in by mlock); see mm_vma_resident.
 */
SYSCALL(mincore)
{
	uint64_t start = a[0], len = a[1], vec = a[2], pages;
	uint8_t buf[PAGE_SIZE];

	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!user_access_ok(start, len))
		return -ENOMEM;
	pages = len / PAGE_SIZE + ((len & (PAGE_SIZE - 1)) != 0);
	if (!user_access_ok(vec, pages))
		return -EFAULT;
	while (pages) {
		long n = mm_mincore(t->mm, start,
				    min_t(uint64_t, pages, sizeof(buf)), buf);
		int err;

		if (n < 0)
			return n;
		err = mm_copy_out(t->mm, vec, buf, (size_t)n);
		if (err)
			return err;
		pages -= (uint64_t)n;
		vec += (uint64_t)n;
		start += (uint64_t)n * PAGE_SIZE;
	}
	return 0;
}
