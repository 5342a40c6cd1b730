// SPDX-License-Identifier: Apache-2.0
/*
 * Pipes: a 64 KiB ring in the sentry between a read end and a write end.
 * Reads block until data or the last writer goes; writes of at most
 * PIPE_BUF bytes are atomic, larger ones may be split; writing with no
 * reader left is EPIPE. O_NONBLOCK turns waits into EAGAIN.
 *
 * SIGPIPE for EPIPE is the caller's (read_write.c, splice.c). A wait
 * ends with a signal (-ERESTARTSYS, or what was done so far).
 */
#include "sentry/fs/pipe.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_SIZE (64 * 1024)
#define PIPE_BUF  4096

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* data, space, or an end closed */
	uint8_t *buf;
	size_t cap;	  /* the ring's size: 64 KiB unless F_SETPIPE_SZ */
	size_t head, len; /* ring: data at [head, head+len) mod cap */
	int readers, writers;
	/* Opens of a FIFO's read and write side, ever: fifo_open's waits. */
	uint64_t r_opens, w_opens;
	int refs;
	uint64_t ino;
	struct abi_timespec time;
};

struct pipe_file {
	struct file f;
	struct pipe *p;
	bool write_end;
	uint64_t w_seen; /* a FIFO's w_opens when opened, for POLLHUP */
};

static uint64_t next_pipe_ino = 100000;

static struct pipe *pipe_of(struct file *f)
{
	return container_of(f, struct pipe_file, f)->p;
}

/* Copy out of the ring to the application, up to n bytes; bytes or -errno. */
static ssize_t ring_out(struct pipe *p, struct task *t, uint64_t addr, size_t n)
{
	size_t done = 0;

	while (done < n && p->len > 0) {
		size_t chunk = p->len;

		if (chunk > p->cap - p->head)
			chunk = p->cap - p->head;
		if (chunk > n - done)
			chunk = n - done;
		if (mm_copy_out(t->mm, addr + done, p->buf + p->head, chunk))
			return done ? (ssize_t)done : -EFAULT;
		p->head = (p->head + chunk) % p->cap;
		p->len -= chunk;
		done += chunk;
	}
	return (ssize_t)done;
}

static ssize_t ring_in(struct pipe *p, struct task *t, uint64_t addr, size_t n)
{
	size_t done = 0;

	while (done < n && p->len < p->cap) {
		size_t tail = (p->head + p->len) % p->cap;
		size_t chunk = p->cap - p->len;

		if (chunk > p->cap - tail)
			chunk = p->cap - tail;
		if (chunk > n - done)
			chunk = n - done;
		if (mm_copy_in(t->mm, p->buf + tail, addr + done, chunk))
			return done ? (ssize_t)done : -EFAULT;
		p->len += chunk;
		done += chunk;
	}
	return (ssize_t)done;
}

static ssize_t pipe_read(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct pipe *p = pipe_of(f);
	ssize_t done = 0;
	uint64_t want = 0;

	(void)pos;
	/* Nothing asked for: nothing to wait for, as pipe_read. */
	for (int i = 0; i < iovcnt; i++)
		want |= iov[i].iov_len;
	if (!want)
		return 0;
	pthread_mutex_lock(&p->lock);
	while (p->len == 0) {
		if (p->writers == 0)
			goto out; /* end of file */
		if (f->flags & ABI_O_NONBLOCK) {
			done = -EAGAIN;
			goto out;
		}
		done = task_wait(t, &p->lock, &p->cond);
		if (done)
			goto out;
	}
	for (int i = 0; i < iovcnt && p->len > 0; i++) {
		ssize_t n = ring_out(p, t, iov[i].iov_base, iov[i].iov_len);

		if (n < 0) {
			if (!done)
				done = n;
			break;
		}
		done += n;
		if ((uint64_t)n < iov[i].iov_len)
			break;
	}
	if (done > 0) {
		vfs_now(&p->time);
		pthread_cond_broadcast(&p->cond);
		poll_notify();
	}
out:
	pthread_mutex_unlock(&p->lock);
	return done;
}

static ssize_t pipe_write(struct file *f, struct task *t,
			  const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct pipe *p = pipe_of(f);
	uint64_t total = 0;
	ssize_t done = 0;

	(void)pos;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < iovcnt;) {
		uint64_t off = 0;

		while (off < iov[i].iov_len) {
			size_t want = (size_t)(iov[i].iov_len - off);
			ssize_t n;

			if (p->readers == 0) {
				done = done ? done : -EPIPE;
				goto out;
			}
			/* Small writes go in whole or not at all. */
			if (p->len == p->cap ||
			    (total <= PIPE_BUF &&
			     p->cap - p->len < total - (uint64_t)done)) {
				if (f->flags & ABI_O_NONBLOCK) {
					done = done ? done : -EAGAIN;
					goto out;
				}
				if (task_wait(t, &p->lock, &p->cond)) {
					done = done ? done : -ERESTARTSYS;
					goto out;
				}
				continue;
			}
			n = ring_in(p, t, iov[i].iov_base + off, want);
			if (n < 0) {
				done = done ? done : n;
				goto out;
			}
			pthread_cond_broadcast(&p->cond);
			poll_notify();
			off += (uint64_t)n;
			done += n;
		}
		i++;
	}
out:
	if (done > 0)
		vfs_now(&p->time);
	pthread_mutex_unlock(&p->lock);
	return done;
}

static long pipe_ioctl(struct file *f, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct pipe *p = pipe_of(f);
	int n;

	if (cmd != ABI_FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&p->lock);
	n = (int)p->len;
	pthread_mutex_unlock(&p->lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static unsigned pipe_poll(struct file *f, unsigned events)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, f);
	struct pipe *p = pf->p;
	unsigned mask = 0;

	pthread_mutex_lock(&p->lock);
	if (pf->write_end) {
		if (p->readers == 0)
			mask |= 0x008; /* POLLERR */
		else if (p->cap - p->len >= PIPE_BUF)
			mask |= 0x004 | 0x100; /* POLLOUT | POLLWRNORM */
	} else {
		if (p->len)
			mask |= 0x001 | 0x040; /* POLLIN | POLLRDNORM */
		if (p->writers == 0)
			mask |= 0x010; /* POLLHUP */
	}
	pthread_mutex_unlock(&p->lock);
	return mask & (events | 0x008 | 0x010);
}

static int pipe_stat(struct file *f, struct abi_stat *st)
{
	struct pipe *p = pipe_of(f);

	memset(st, 0, sizeof(*st));
	st->st_dev = 0xd; /* pipefs */
	st->st_ino = p->ino;
	st->st_nlink = 1;
	st->st_mode = ABI_S_IFIFO | 0600;
	st->st_uid = current_task ? current_task->creds.euid : 0;
	st->st_gid = current_task ? current_task->creds.egid : 0;
	st->st_blksize = 4096;
	pthread_mutex_lock(&p->lock);
	st->st_atim = st->st_mtim = st->st_ctim = p->time;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void pipe_put(struct pipe *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(p->buf);
	free(p);
}

static void pipe_release(struct file *f)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, f);
	struct pipe *p = pf->p;

	pthread_mutex_lock(&p->lock);
	if (pf->write_end)
		p->writers--;
	else
		p->readers--;
	pthread_cond_broadcast(&p->cond);
	poll_notify();
	pthread_mutex_unlock(&p->lock);
	free(pf);
	pipe_put(p);
}

static const struct file_ops pipe_read_ops = {
    .read = pipe_read,
    .poll = pipe_poll,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release,
};

static const struct file_ops pipe_write_ops = {
    .write = pipe_write,
    .poll = pipe_poll,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release,
};

/* An empty pipe with no ends and no references, or NULL. */
static struct pipe *pipe_alloc(void)
{
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p || !(p->buf = malloc(PIPE_SIZE))) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->cap = PIPE_SIZE;
	p->ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
	vfs_now(&p->time);
	return p;
}

int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_alloc();
	struct pipe_file *r = calloc(1, sizeof(*r)), *w = calloc(1, sizeof(*w));

	if (!p || !r || !w) {
		if (p)
			free(p->buf);
		free(p);
		free(r);
		free(w);
		return -ENFILE;
	}
	p->readers = p->writers = 1;
	p->refs = 2;
	file_init(&r->f, &pipe_read_ops, ABI_O_RDONLY | flags);
	file_init(&w->f, &pipe_write_ops, ABI_O_WRONLY | flags);
	r->f.poll_notifies = true;
	w->f.poll_notifies = true;
	r->f.stream = w->f.stream = true;
	r->p = w->p = p;
	w->write_end = true;
	*rd = &r->f;
	*wr = &w->f;
	return 0;
}

/* Linux's /proc/sys/fs/pipe-max-size default, for the unprivileged. */
#define PIPE_MAX_SIZE (1024 * 1024)

static const struct file_ops fifo_ops;

bool pipe_is(struct file *f)
{
	return f->ops == &pipe_read_ops || f->ops == &pipe_write_ops ||
	       f->ops == &fifo_ops;
}

long pipe_get_size(struct file *f)
{
	return pipe_is(f) ? (long)pipe_of(f)->cap : -EBADF;
}

long pipe_set_size(struct file *f, uint64_t size, bool privileged)
{
	struct pipe *p;
	size_t cap = 4096;
	uint8_t *buf;

	if (!pipe_is(f))
		return -EBADF;
	if (size > (1U << 31))
		return -EINVAL;
	while (cap < size)
		cap *= 2;
	if (cap > PIPE_MAX_SIZE && !privileged)
		return -EPERM;
	p = pipe_of(f);
	pthread_mutex_lock(&p->lock);
	if (cap < p->len) {
		pthread_mutex_unlock(&p->lock);
		return -EBUSY;
	}
	buf = malloc(cap);
	if (!buf) {
		pthread_mutex_unlock(&p->lock);
		return -ENOMEM;
	}
	/* The data moves to the start of the new ring. */
	for (size_t i = 0; i < p->len; i++)
		buf[i] = p->buf[(p->head + i) % p->cap];
	free(p->buf);
	p->buf = buf;
	p->cap = cap;
	p->head = 0;
	pthread_cond_broadcast(&p->cond);
	poll_notify();
	pthread_mutex_unlock(&p->lock);
	return (long)cap;
}

/*
 * splice, tee and vmsplice, with Linux's waits (fs/splice.c): for room
 * with the reader checked first (wait_for_space), for room alone when full
 * (opipe_prep), for data (ipipe_prep).
 */
static int wait_for_space(struct pipe *p, bool nonblock)
{
	for (;;) {
		if (p->readers == 0)
			return -EPIPE;
		if (p->len < p->cap)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (task_wait(current_task, &p->lock, &p->cond))
			return -ERESTARTSYS;
	}
}

static int wait_while_full(struct pipe *p, bool nonblock)
{
	while (p->len == p->cap) {
		if (p->readers == 0)
			return -EPIPE;
		if (nonblock)
			return -EAGAIN;
		if (task_wait(current_task, &p->lock, &p->cond))
			return -ERESTARTSYS;
	}
	return 0;
}

/* 1: data there; 0: empty with no writer left; -EAGAIN. */
static int wait_for_data(struct pipe *p, bool nonblock)
{
	while (p->len == 0) {
		if (p->writers == 0)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (task_wait(current_task, &p->lock, &p->cond))
			return -ERESTARTSYS;
	}
	return 1;
}

/* Data moved in or out of p: stamp its time, wake its waiters. */
static void pipe_moved(struct pipe *p)
{
	vfs_now(&p->time);
	pthread_cond_broadcast(&p->cond);
	poll_notify();
}

ssize_t pipe_fill(struct file *f, size_t len, bool nonblock, pipe_fill_fn fill,
		  void *arg)
{
	struct pipe *p = pipe_of(f);
	ssize_t done = 0;
	int err;

	pthread_mutex_lock(&p->lock);
	err = wait_for_space(p, nonblock);
	if (err) {
		pthread_mutex_unlock(&p->lock);
		return err;
	}
	while ((size_t)done < len && p->len < p->cap) {
		size_t tail = (p->head + p->len) % p->cap;
		size_t chunk = min_t(size_t, p->cap - p->len, p->cap - tail);
		ssize_t n;

		chunk = min_t(size_t, chunk, len - (size_t)done);
		n = fill(arg, p->buf + tail, chunk);
		if (n <= 0) {
			if (n < 0 && !done)
				done = n;
			break;
		}
		p->len += (size_t)n;
		done += n;
		if ((size_t)n < chunk)
			break;
	}
	if (done > 0)
		pipe_moved(p);
	pthread_mutex_unlock(&p->lock);
	return done;
}

ssize_t pipe_drain(struct file *f, size_t len, bool nonblock,
		   pipe_drain_fn drain, void *arg)
{
	struct pipe *p = pipe_of(f);
	ssize_t done = 0;
	int ready;

	pthread_mutex_lock(&p->lock);
	ready = wait_for_data(p, nonblock);
	if (ready <= 0) {
		pthread_mutex_unlock(&p->lock);
		return ready;
	}
	while ((size_t)done < len && p->len > 0) {
		size_t chunk = min_t(size_t, p->len, p->cap - p->head);
		ssize_t n;

		chunk = min_t(size_t, chunk, len - (size_t)done);
		n = drain(arg, p->buf + p->head, chunk);
		if (n <= 0) {
			if (n < 0 && !done)
				done = n;
			break;
		}
		p->head = (p->head + (size_t)n) % p->cap;
		p->len -= (size_t)n;
		done += n;
		if ((size_t)n < chunk)
			break;
	}
	if (done > 0)
		pipe_moved(p);
	pthread_mutex_unlock(&p->lock);
	return done;
}

/* Copy up to n bytes from in's ring (left there) to out's: bytes copied. */
static size_t ring_copy(struct pipe *in, struct pipe *out, size_t n)
{
	size_t done = 0;

	while (done < n && done < in->len && out->len < out->cap) {
		size_t from = (in->head + done) % in->cap;
		size_t to = (out->head + out->len) % out->cap;
		size_t chunk = min_t(size_t, n - done, in->len - done);

		chunk = min_t(size_t, chunk, in->cap - from);
		chunk = min_t(size_t, chunk, out->cap - out->len);
		chunk = min_t(size_t, chunk, out->cap - to);
		memcpy(out->buf + to, in->buf + from, chunk);
		out->len += chunk;
		done += chunk;
	}
	return done;
}

/* Two pipes' locks in address order: opposite moves cannot deadlock. */
static void lock_two(struct pipe *a, struct pipe *b)
{
	if ((uintptr_t)a > (uintptr_t)b) {
		struct pipe *c = a;

		a = b;
		b = c;
	}
	pthread_mutex_lock(&a->lock);
	pthread_mutex_lock(&b->lock);
}

ssize_t pipe_splice(struct file *in, struct file *out, size_t len,
		    bool nonblock, bool tee)
{
	struct pipe *ip = pipe_of(in), *op = pipe_of(out);
	bool retry;
	ssize_t ret;

	if (ip == op)
		return -EINVAL;
	for (;;) {
		/* Each pipe waits alone: data in, then room out. */
		pthread_mutex_lock(&ip->lock);
		ret = wait_for_data(ip, nonblock);
		pthread_mutex_unlock(&ip->lock);
		if (ret < 0)
			return ret;
		pthread_mutex_lock(&op->lock);
		ret = wait_while_full(op, nonblock);
		pthread_mutex_unlock(&op->lock);
		if (ret < 0)
			return ret;

		lock_two(ip, op);
		retry = false;
		if (op->readers == 0) {
			ret = -EPIPE;
		} else if (ip->len == 0 && ip->writers == 0) {
			ret = 0;
		} else if (ip->len == 0 || op->len == op->cap) {
			/* Another task got there first: wait again. */
			ret = -EAGAIN;
			retry = !nonblock;
		} else {
			size_t n = ring_copy(ip, op, len);

			pipe_moved(op);
			if (!tee) {
				ip->head = (ip->head + n) % ip->cap;
				ip->len -= n;
				pipe_moved(ip);
			}
			ret = (ssize_t)n;
		}
		pthread_mutex_unlock(&ip->lock);
		pthread_mutex_unlock(&op->lock);
		if (!retry)
			return ret;
	}
}

/*
 * FIFOs: the pipe an inode of any filesystem holds while some file has it
 * open. Opening one side waits for the other unless O_NONBLOCK; O_RDWR
 * never waits; a non-blocking writer with no reader is ENXIO. When the
 * last reader and writer close, the pipe goes with any data left in it.
 * fstat describes the inode, not the pipe. Lock order: inode, then pipe.
 */
static unsigned fifo_poll(struct file *f, unsigned events)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, f);
	struct pipe *p = pf->p;
	unsigned mask = 0;

	pthread_mutex_lock(&p->lock);
	if (file_readable(f)) {
		if (p->len)
			mask |= 0x001 | 0x040; /* POLLIN | POLLRDNORM */
		/* A reader that has seen no writer yet is not hung up. */
		if (p->writers == 0 && pf->w_seen != p->w_opens)
			mask |= 0x010; /* POLLHUP */
	}
	if (file_writable(f)) {
		if (p->cap - p->len >= PIPE_BUF)
			mask |= 0x004 | 0x100; /* POLLOUT | POLLWRNORM */
		if (p->readers == 0)
			mask |= 0x008; /* POLLERR */
	}
	pthread_mutex_unlock(&p->lock);
	return mask & (events | 0x008 | 0x010);
}

static void fifo_release(struct file *f)
{
	struct pipe_file *pf = container_of(f, struct pipe_file, f);
	struct vfs_inode *inode = f->inode;
	struct pipe *p = pf->p;

	pthread_mutex_lock(&inode->lock);
	pthread_mutex_lock(&p->lock);
	if (file_readable(f))
		p->readers--;
	if (file_writable(f))
		p->writers--;
	if (!p->readers && !p->writers && inode->fifo == p)
		inode->fifo = NULL;
	pthread_cond_broadcast(&p->cond);
	poll_notify();
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&inode->lock);
	free(pf);
	pipe_put(p);
}

static const struct file_ops fifo_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = fifo_poll,
    .ioctl = pipe_ioctl,
    .stat = vfs_file_stat,
    .release = fifo_release,
};

struct file *fifo_open(struct vfs_inode *inode, uint32_t flags)
{
	uint32_t acc = flags & ABI_O_ACCMODE;
	bool rd = acc != ABI_O_WRONLY, wr = acc != ABI_O_RDONLY;
	bool nonblock = flags & ABI_O_NONBLOCK;
	struct pipe_file *pf;
	struct pipe *p;
	uint64_t seen;
	int err = 0;

	if (acc == ABI_O_ACCMODE)
		return ERR_PTR(-EINVAL);
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return ERR_PTR(-ENOMEM);
	pthread_mutex_lock(&inode->lock);
	p = inode->fifo;
	if (!p && !(p = inode->fifo = pipe_alloc())) {
		pthread_mutex_unlock(&inode->lock);
		free(pf);
		return ERR_PTR(-ENOMEM);
	}
	pthread_mutex_lock(&p->lock);
	if (wr && !rd && nonblock && p->readers == 0) {
		bool unused = !__atomic_load_n(&p->refs, __ATOMIC_ACQUIRE);

		if (unused)
			inode->fifo = NULL;
		pthread_mutex_unlock(&p->lock);
		pthread_mutex_unlock(&inode->lock);
		if (unused) {
			free(p->buf);
			free(p);
		}
		free(pf);
		return ERR_PTR(-ENXIO);
	}
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&inode->lock);
	if (rd) {
		p->readers++;
		p->r_opens++;
	}
	if (wr) {
		p->writers++;
		p->w_opens++;
	}
	pthread_cond_broadcast(&p->cond);
	poll_notify();
	file_init(&pf->f, &fifo_ops, flags);
	pf->f.poll_notifies = true;
	pf->f.stream = true;
	pf->p = p;
	pf->w_seen = p->w_opens;
	/* One side alone waits for the other to open, however briefly; a
	 * signal ends the wait and the open (-ERESTARTSYS). */
	if (rd && !wr && !nonblock && !p->writers) {
		for (seen = p->w_opens; p->w_opens == seen && !err;)
			err = task_wait(current_task, &p->lock, &p->cond);
	} else if (wr && !rd && !p->readers) {
		for (seen = p->r_opens; p->r_opens == seen && !err;)
			err = task_wait(current_task, &p->lock, &p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	if (!err)
		return &pf->f;
	/* Never opened after all: undo, as fifo_release would. */
	pthread_mutex_lock(&inode->lock);
	pthread_mutex_lock(&p->lock);
	if (rd)
		p->readers--;
	if (wr)
		p->writers--;
	if (!p->readers && !p->writers && inode->fifo == p)
		inode->fifo = NULL;
	pthread_cond_broadcast(&p->cond);
	poll_notify();
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&inode->lock);
	free(pf);
	pipe_put(p);
	return ERR_PTR(err);
}

int pipe_save(struct file *f, const void **key, bool *write_end, uint8_t **data,
	      size_t *len, size_t *cap)
{
	struct pipe_file *pf;
	struct pipe *p;

	if (f->ops != &pipe_read_ops && f->ops != &pipe_write_ops)
		return -EINVAL;
	pf = container_of(f, struct pipe_file, f);
	p = pf->p;
	*key = p;
	*write_end = pf->write_end;
	pthread_mutex_lock(&p->lock);
	*data = malloc(p->len ? p->len : 1);
	if (!*data) {
		pthread_mutex_unlock(&p->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->len; i++)
		(*data)[i] = p->buf[(p->head + i) % p->cap];
	*len = p->len;
	*cap = p->cap;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

struct file *pipe_restore(void **pipe, bool write_end, uint32_t flags,
			  const uint8_t *data, size_t len, size_t cap)
{
	struct pipe *p = *pipe;
	struct pipe_file *pf;

	if (!p) {
		uint8_t *buf;

		/* A ring F_SETPIPE_SZ could have made: a power of two. */
		if (cap < 4096 || cap > (1U << 31) || (cap & (cap - 1)) ||
		    len > cap)
			return NULL;
		p = pipe_alloc();
		buf = p ? malloc(cap) : NULL;
		if (!buf) {
			if (p)
				free(p->buf);
			free(p);
			return NULL;
		}
		free(p->buf);
		p->buf = buf;
		p->cap = cap;
		memcpy(p->buf, data, len);
		p->len = len;
		p->refs = 1; /* the caller's, until pipe_restore_done */
		*pipe = p;
	}
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	file_init(&pf->f, write_end ? &pipe_write_ops : &pipe_read_ops,
		  (write_end ? ABI_O_WRONLY : ABI_O_RDONLY) |
		      (flags & ~(uint32_t)ABI_O_ACCMODE));
	pf->f.poll_notifies = true;
	pf->f.stream = true;
	pf->p = p;
	pf->write_end = write_end;
	pthread_mutex_lock(&p->lock);
	if (write_end)
		p->writers++;
	else
		p->readers++;
	pthread_mutex_unlock(&p->lock);
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
	return &pf->f;
}

void pipe_restore_done(void *pipe)
{
	if (pipe)
		pipe_put(pipe);
}
