// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd and eventfd2 (fs/eventfd.c): a 64-bit counter as a file. A read
 * takes the whole count (EFD_SEMAPHORE: one) and waits while it is zero; a
 * write adds to it and waits while the sum would pass 2^64 - 2. Reads and
 * writes move exactly 8 bytes; waits end with a signal (-ERESTARTSYS).
 * lseek does nothing and succeeds; pread and pwrite are ESPIPE.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define EFD_SEMAPHORE 1
#define EFD_FLAGS     (EFD_SEMAPHORE | ABI_O_CLOEXEC | ABI_O_NONBLOCK)
#define EVENTFD_MAX   0xfffffffffffffffeULL

#define POLLIN	   0x001
#define POLLOUT	   0x004
#define POLLERR	   0x008
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

struct eventfd {
	struct file f;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t count;
	bool semaphore;
};

static struct eventfd *to_efd(struct file *f)
{
	return container_of(f, struct eventfd, f);
}

/* Exactly 8 bytes to or from the iovecs (at least 8 long, checked). */
static int iov_copy(struct task *t, const struct abi_iovec *iov, int iovcnt,
		    void *buf, bool out)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < 8; i++) {
		size_t n = iov[i].iov_len < 8 - done ? (size_t)iov[i].iov_len
						     : 8 - done;
		int err = out ? mm_copy_out(t->mm, iov[i].iov_base,
					    (char *)buf + done, n)
			      : mm_copy_in(t->mm, (char *)buf + done,
					   iov[i].iov_base, n);

		if (err)
			return err;
		done += n;
	}
	return 0;
}

/* Wait on the counter, lock held: 0, -EAGAIN or -ERESTARTSYS. */
static int efd_wait(struct eventfd *e, struct task *t)
{
	if (e->f.flags & ABI_O_NONBLOCK)
		return -EAGAIN;
	return task_wait(t, &e->lock, &e->cond);
}

static ssize_t efd_read(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct eventfd *e = to_efd(f);
	uint64_t v;
	int err = 0;

	(void)pos;
	if (iov_total(iov, iovcnt) < 8)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	while (!e->count && !err)
		err = efd_wait(e, t);
	if (!err) {
		/* Taken before the copy, as Linux's: a bad buffer loses it. */
		v = e->semaphore ? 1 : e->count;
		e->count -= v;
		pthread_cond_broadcast(&e->cond);
		poll_notify();
	}
	pthread_mutex_unlock(&e->lock);
	if (!err)
		err = iov_copy(t, iov, iovcnt, &v, true);
	return err ? err : 8;
}

static ssize_t efd_write(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct eventfd *e = to_efd(f);
	uint64_t v;
	int err;

	(void)pos;
	if (iov_total(iov, iovcnt) < 8)
		return -EINVAL;
	err = iov_copy(t, iov, iovcnt, &v, false);
	if (err)
		return err;
	if (v == UINT64_MAX)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	while (EVENTFD_MAX - e->count < v && !err)
		err = efd_wait(e, t);
	if (!err) {
		e->count += v;
		if (v) {
			pthread_cond_broadcast(&e->cond);
			poll_notify();
		}
	}
	pthread_mutex_unlock(&e->lock);
	return err ? err : 8;
}

static unsigned efd_poll(struct file *f, unsigned events)
{
	struct eventfd *e = to_efd(f);
	unsigned mask = 0;

	pthread_mutex_lock(&e->lock);
	if (e->count)
		mask |= POLLIN | POLLRDNORM;
	if (e->count == UINT64_MAX)
		mask |= POLLERR;
	if (e->count < EVENTFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	pthread_mutex_unlock(&e->lock);
	return mask & (events | POLLERR);
}

static void efd_release(struct file *f)
{
	struct eventfd *e = to_efd(f);

	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static const struct file_ops eventfd_ops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .llseek = noop_llseek,
    .stat = anon_file_stat,
    .release = efd_release,
    .anon_name = "[eventfd]",
};

static long do_eventfd(struct task *t, uint64_t initval, uint64_t flags)
{
	struct eventfd *e;
	long fd;

	if (flags & ~(uint64_t)EFD_FLAGS)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	file_init(&e->f, &eventfd_ops,
		  ABI_O_RDWR | (uint32_t)(flags & ABI_O_NONBLOCK));
	e->f.poll_notifies = true;
	e->f.stream = true;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->count = (uint32_t)initval; /* an unsigned int */
	e->semaphore = flags & EFD_SEMAPHORE;
	fd = fd_alloc(t->files, &e->f, flags & ABI_O_CLOEXEC, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(&e->f);
	return fd;
}

SYSCALL(eventfd)
{
	return do_eventfd(t, a[0], 0);
}

SYSCALL(eventfd2)
{
	return do_eventfd(t, a[0], (uint32_t)a[1]);
}

int eventfd_save(struct file *f, uint64_t *count, bool *semaphore)
{
	struct eventfd *e;

	if (f->ops != &eventfd_ops)
		return -EINVAL;
	e = to_efd(f);
	pthread_mutex_lock(&e->lock);
	*count = e->count;
	*semaphore = e->semaphore;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

struct file *eventfd_restore(uint32_t flags, uint64_t count, bool semaphore)
{
	struct eventfd *e;

	/* What a write can make it: up to 2^64 - 2. */
	if (count > EVENTFD_MAX)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	file_init(&e->f, &eventfd_ops, flags);
	e->f.poll_notifies = true;
	e->f.stream = true;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->count = count;
	e->semaphore = semaphore;
	return &e->f;
}
