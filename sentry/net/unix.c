// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX socket pairs (net/unix/af_unix.c): two connected ends sharing one
 * lock, each with a receive queue of messages the other sent. A stream
 * reads across messages (stopping after one that carried files); datagrams
 * and sequenced packets are read one message at a time, a short read
 * cutting the message (MSG_TRUNC). Files in flight hold references until
 * received or dropped with their queue.
 *
 * Shutdown follows Linux: a stream's or seqpacket's SHUT_WR is the peer's
 * SHUT_RD and the reverse; closing one end shuts the other down whole.
 * Only a stream raises SIGPIPE with EPIPE (unless MSG_NOSIGNAL).
 *
 * Deviations: each queued message costs its length plus UNIX_MSG_COST
 * against the sender's SO_SNDBUF, where Linux charges the buffers' true
 * size (so how many bytes fit before a send waits differs); SO_SNDBUF and
 * SO_RCVBUF are capped at Linux's default wmem_max/rmem_max (212992), not
 * the host's sysctls; MSG_OOB is EOPNOTSUPP on streams too; no garbage
 * collector frees sockets that are only in flight in each other's queues.
 */
#include "sentry/net/unix.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POLLIN	   0x001
#define POLLOUT	   0x004
#define POLLERR	   0x008
#define POLLHUP	   0x010
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP  0x2000

#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* Linux's defaults: net.core.[rw]mem_default and [rw]mem_max. */
#define UNIX_BUF_DEFAULT 212992
#define UNIX_BUF_MAX	 212992
/* SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF on x86-64. */
#define UNIX_MIN_SNDBUF 4608
#define UNIX_MIN_RCVBUF 2304
/* What a message costs beyond its bytes, for SO_SNDBUF's accounting. */
#define UNIX_MSG_COST 512

#define SO_TYPE	      3
#define SO_ERROR      4
#define SO_SNDBUF     7
#define SO_RCVBUF     8
#define SO_PASSCRED   16
#define SO_PEERCRED   17
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL   38
#define SO_DOMAIN     39

struct unix_msg {
	struct unix_msg *next;
	size_t len, off; /* off: bytes a stream read took already */
	int nfds;
	struct file **fds;
	uint8_t data[];
};

struct unix_end {
	struct unix_msg *head, **tail; /* what the other end sent */
	size_t queued;		       /* unread bytes in the queue */
	size_t wmem;		       /* charge of our messages not yet read */
	int shutdown;
	bool closed;
	bool disconnected; /* a datagram end that found its peer gone */
	int sndbuf, rcvbuf;
};

struct unix_conn {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* data, room, shutdown or close */
	int type;
	int refs;
	struct unix_end end[2];
	int pid;
	uint32_t uid, gid;
	uint64_t ino[2];
	struct abi_timespec time;
};

struct unix_sock {
	struct file f;
	struct unix_conn *c;
	int me;
};

static uint64_t next_sock_ino = 200000;

static const struct file_ops unix_ops;

bool unix_sock_is(struct file *f)
{
	return f->ops == &unix_ops;
}

static struct unix_sock *to_us(struct file *f)
{
	return container_of(f, struct unix_sock, f);
}

int unix_sock_type(struct file *f)
{
	return to_us(f)->c->type;
}

bool unix_connected(struct file *f)
{
	struct unix_sock *us = to_us(f);
	bool ok;

	pthread_mutex_lock(&us->c->lock);
	ok = !us->c->end[us->me].disconnected;
	pthread_mutex_unlock(&us->c->lock);
	return ok;
}

/* A cursor over iovecs. */
struct iter {
	const struct abi_iovec *iov;
	int cnt, i;
	uint64_t off;
};

static uint64_t iter_left(const struct iter *it)
{
	uint64_t n = 0;

	for (int i = it->i; i < it->cnt; i++)
		n += it->iov[i].iov_len - (i == it->i ? it->off : 0);
	return n;
}

/* Move n bytes between buf and the iovecs: 0 or -EFAULT (cursor moved). */
static int iter_copy(struct task *t, struct iter *it, void *buf, size_t n,
		     bool out)
{
	size_t done = 0;

	while (done < n && it->i < it->cnt) {
		const struct abi_iovec *v = &it->iov[it->i];
		size_t chunk = min_t(size_t, v->iov_len - it->off, n - done);
		int err = out ? mm_copy_out(t->mm, v->iov_base + it->off,
					    (char *)buf + done, chunk)
			      : mm_copy_in(t->mm, (char *)buf + done,
					   v->iov_base + it->off, chunk);

		if (err)
			return -EFAULT;
		done += chunk;
		it->off += chunk;
		if (it->off == v->iov_len) {
			it->i++;
			it->off = 0;
		}
	}
	return 0;
}

static void put_files(struct file **fds, int n)
{
	for (int i = 0; i < n; i++)
		file_put(fds[i]);
}

static void msg_free(struct unix_msg *m)
{
	put_files(m->fds, m->nfds);
	free(m->fds);
	free(m);
}

static size_t msg_cost(const struct unix_msg *m)
{
	return m->len + UNIX_MSG_COST;
}

/* Take the first message off end e's queue; its sender is refunded. */
static struct unix_msg *dequeue(struct unix_conn *c, int e)
{
	struct unix_end *r = &c->end[e];
	struct unix_msg *m = r->head;

	r->head = m->next;
	if (!r->head)
		r->tail = &r->head;
	r->queued -= m->len - m->off;
	c->end[!e].wmem -= msg_cost(m);
	pthread_cond_broadcast(&c->cond);
	poll_notify();
	return m;
}

static void enqueue(struct unix_conn *c, int from, struct unix_msg *m)
{
	struct unix_end *r = &c->end[!from];

	*r->tail = m;
	r->tail = &m->next;
	r->queued += m->len;
	c->end[from].wmem += msg_cost(m);
	vfs_now(&c->time);
	pthread_cond_broadcast(&c->cond);
	poll_notify();
}

/* A message of len bytes from the iovecs: NULL with *err set. */
static struct unix_msg *msg_new(struct task *t, struct iter *it, size_t len,
				int *err)
{
	struct unix_msg *m = malloc(sizeof(*m) + len);

	if (!m) {
		*err = -ENOBUFS;
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->len = len;
	*err = iter_copy(t, it, m->data, len, false);
	if (*err) {
		free(m);
		return NULL;
	}
	return m;
}

static void attach_fds(struct unix_msg *m, struct file ***fds, int *nfds)
{
	if (!*nfds)
		return;
	m->fds = *fds;
	m->nfds = *nfds;
	*fds = NULL;
	*nfds = 0;
}

static int send_wait(struct unix_conn *c, struct task *t, bool nonblock)
{
	if (nonblock)
		return -EAGAIN;
	return task_wait(t, &c->lock, &c->cond) ? -ERESTARTSYS : 0;
}

static ssize_t stream_send(struct unix_sock *us, struct task *t,
			   struct iter *it, bool nonblock, struct file ***fds,
			   int *nfds, bool *pipe)
{
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me], *peer = &c->end[!us->me];
	uint64_t total = iter_left(it);
	ssize_t sent = 0;
	int err = 0;

	if (me->shutdown & SEND_SHUTDOWN) {
		*pipe = true;
		return -EPIPE;
	}
	while ((uint64_t)sent < total) {
		struct unix_msg *m;
		size_t chunk;

		while (me->wmem >= (size_t)me->sndbuf && !peer->closed &&
		       !(peer->shutdown & RCV_SHUTDOWN)) {
			err = send_wait(c, t, nonblock);
			if (err)
				goto out;
		}
		if (peer->closed || (peer->shutdown & RCV_SHUTDOWN)) {
			*pipe = !sent;
			err = -EPIPE;
			goto out;
		}
		chunk = min_t(uint64_t, total - (uint64_t)sent,
			      (uint64_t)me->sndbuf / 2 - 64);
		m = msg_new(t, it, chunk, &err);
		if (!m)
			goto out;
		attach_fds(m, fds, nfds); /* the first message carries them */
		enqueue(c, us->me, m);
		sent += (ssize_t)chunk;
	}
out:
	return sent ? sent : err;
}

static ssize_t dgram_send(struct unix_sock *us, struct task *t, struct iter *it,
			  bool nonblock, struct file ***fds, int *nfds,
			  struct unix_msg **purged)
{
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me], *peer = &c->end[!us->me];
	uint64_t len = iter_left(it);
	struct unix_msg *m;
	int err;

	if (len > (uint64_t)me->sndbuf - 32)
		return -EMSGSIZE;
	if (me->disconnected)
		return -ENOTCONN;
	if (me->shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	while (me->wmem >= (size_t)me->sndbuf && !peer->closed) {
		err = send_wait(c, t, nonblock);
		if (err)
			return err;
	}
	if (peer->closed) {
		/* A datagram end forgets its dead peer: refused, then
		 * not connected. */
		if (c->type == UNIX_SOCK_DGRAM) {
			me->disconnected = true;
			/* unix_dgram_disconnected: its messages go. */
			while (me->head) {
				struct unix_msg *q = dequeue(c, us->me);

				q->next = *purged;
				*purged = q;
			}
			return -ECONNREFUSED;
		}
		return -EPIPE;
	}
	if (peer->shutdown & RCV_SHUTDOWN)
		return -EPIPE;
	m = msg_new(t, it, len, &err);
	if (!m)
		return err;
	attach_fds(m, fds, nfds);
	enqueue(c, us->me, m);
	return (ssize_t)len;
}

ssize_t unix_send(struct file *f, struct task *t, const struct abi_iovec *iov,
		  int iovcnt, int flags, struct file **fds, int nfds,
		  bool has_addr)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	bool nonblock =
	    (flags & UNIX_MSG_DONTWAIT) || (f->flags & ABI_O_NONBLOCK);
	struct iter it = {iov, iovcnt, 0, 0};
	struct unix_msg *purged = NULL;
	bool pipe = false;
	ssize_t ret;

	if (flags & UNIX_MSG_OOB)
		ret = -EOPNOTSUPP;
	else if (has_addr && c->type == UNIX_SOCK_STREAM)
		ret = -EISCONN;
	else {
		pthread_mutex_lock(&c->lock);
		if (c->type == UNIX_SOCK_STREAM)
			ret = stream_send(us, t, &it, nonblock, &fds, &nfds,
					  &pipe);
		else
			ret = dgram_send(us, t, &it, nonblock, &fds, &nfds,
					 &purged);
		pthread_mutex_unlock(&c->lock);
	}
	while (purged) {
		struct unix_msg *m = purged;

		purged = m->next;
		msg_free(m);
	}
	if (fds) {
		put_files(fds, nfds);
		free(fds);
	}
	if (pipe && !(flags & UNIX_MSG_NOSIGNAL))
		signal_sigpipe(t);
	return ret;
}

/* Hand m's files to the receiver (peek: new references), or drop them. */
static void take_fds(struct unix_msg *m, bool peek, struct file **fds,
		     int *nfds, struct file **drop, int *ndrop)
{
	for (int i = 0; i < m->nfds; i++) {
		if (peek)
			file_get(m->fds[i]);
		if (fds)
			fds[(*nfds)++] = m->fds[i];
		else
			drop[(*ndrop)++] = m->fds[i];
	}
	if (!peek) {
		free(m->fds);
		m->fds = NULL;
		m->nfds = 0;
	}
}

static int recv_wait(struct unix_conn *c, struct task *t, bool nonblock)
{
	if (nonblock)
		return -EAGAIN;
	return task_wait(t, &c->lock, &c->cond) ? -ERESTARTSYS : 0;
}

static ssize_t stream_recv(struct unix_sock *us, struct task *t,
			   struct iter *it, int flags, bool nonblock,
			   struct file **fds, int *nfds, struct file **drop,
			   int *ndrop, struct unix_msg **freed)
{
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me];
	bool peek = flags & UNIX_MSG_PEEK;
	uint64_t size = iter_left(it);
	uint64_t target =
	    (flags & UNIX_MSG_WAITALL) ? size : min_t(uint64_t, 1, size);
	struct unix_msg *pm = NULL; /* peek: where the next bytes are */
	size_t poff = 0;
	ssize_t copied = 0;
	int err = 0;

	if (!target)
		target = 1;
	do {
		struct unix_msg *m;
		size_t off, chunk;

		if (peek) {
			if (!pm && !copied && me->head) {
				pm = me->head;
				poff = pm->off;
			}
			m = pm;
		} else {
			m = me->head;
		}
		if (!m) {
			if ((uint64_t)copied >= target)
				break;
			if (me->shutdown & RCV_SHUTDOWN)
				break;
			err = recv_wait(c, t, nonblock);
			if (err)
				break;
			continue;
		}
		off = peek ? poff : m->off;
		chunk = min_t(uint64_t, m->len - off, size - (uint64_t)copied);
		if (iter_copy(t, it, m->data + off, chunk, true)) {
			if (!copied)
				err = -EFAULT;
			break;
		}
		copied += (ssize_t)chunk;
		if (!peek) {
			bool had_fds = m->nfds;

			m->off += chunk;
			me->queued -= chunk;
			take_fds(m, false, fds, nfds, drop, ndrop);
			if (m->off < m->len)
				break;
			m = dequeue(c, us->me);
			m->next = *freed;
			*freed = m;
			if (had_fds)
				break;
		} else {
			if (m->nfds) {
				take_fds(m, true, fds, nfds, drop, ndrop);
				break;
			}
			poff += chunk;
			if (poff < m->len)
				break;
			pm = m->next;
			poff = pm ? pm->off : 0;
			if (!pm)
				break; /* nothing more to peek at */
		}
	} while ((uint64_t)copied < size);
	return copied ? copied : err;
}

static ssize_t dgram_recv(struct unix_sock *us, struct task *t, struct iter *it,
			  int flags, bool nonblock, int *msg_flags,
			  struct file **fds, int *nfds, struct file **drop,
			  int *ndrop, struct unix_msg **freed)
{
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me];
	bool peek = flags & UNIX_MSG_PEEK;
	uint64_t size = iter_left(it);
	struct unix_msg *m;
	size_t chunk;
	int err;

	while (!me->head) {
		if (c->type == UNIX_SOCK_SEQPACKET &&
		    (me->shutdown & RCV_SHUTDOWN))
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (me->shutdown & RCV_SHUTDOWN)
			return 0;
		err = recv_wait(c, t, false);
		if (err)
			return err;
	}
	m = peek ? me->head : dequeue(c, us->me);
	chunk = min_t(uint64_t, m->len, size);
	if (chunk < m->len)
		*msg_flags |= UNIX_MSG_TRUNC;
	err = iter_copy(t, it, m->data, chunk, true);
	if (!err)
		take_fds(m, peek, fds, nfds, drop, ndrop);
	if (!peek) {
		m->next = *freed;
		*freed = m;
	}
	if (err)
		return err;
	return (flags & UNIX_MSG_TRUNC) ? (ssize_t)m->len : (ssize_t)chunk;
}

ssize_t unix_recv(struct file *f, struct task *t, const struct abi_iovec *iov,
		  int iovcnt, int flags, int *msg_flags, struct file **fds,
		  int *nfds)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	bool nonblock =
	    (flags & UNIX_MSG_DONTWAIT) || (f->flags & ABI_O_NONBLOCK);
	struct iter it = {iov, iovcnt, 0, 0};
	struct file *drop[UNIX_MAX_FDS * 2];
	struct unix_msg *freed = NULL;
	int ndrop = 0, nf = 0;
	ssize_t ret;

	*msg_flags = 0;
	if (flags & UNIX_MSG_OOB)
		return c->type == UNIX_SOCK_STREAM ? -EINVAL : -EOPNOTSUPP;
	pthread_mutex_lock(&c->lock);
	if (c->type == UNIX_SOCK_STREAM)
		ret = stream_recv(us, t, &it, flags, nonblock, fds, &nf, drop,
				  &ndrop, &freed);
	else
		ret = dgram_recv(us, t, &it, flags, nonblock, msg_flags, fds,
				 &nf, drop, &ndrop, &freed);
	pthread_mutex_unlock(&c->lock);
	/* Files are put outside the lock: one may be this very socket. */
	put_files(drop, ndrop);
	while (freed) {
		struct unix_msg *m = freed;

		freed = m->next;
		msg_free(m);
	}
	if (nfds)
		*nfds = nf;
	return ret;
}

int unix_shutdown(struct file *f, int how)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	int mode, peer_mode;

	if (how < 0 || how > 2)
		return -EINVAL;
	mode = (how + 1) & SHUTDOWN_MASK;
	peer_mode = ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
		    ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
	pthread_mutex_lock(&c->lock);
	c->end[us->me].shutdown |= mode;
	if (c->type != UNIX_SOCK_DGRAM && !c->end[!us->me].closed)
		c->end[!us->me].shutdown |= peer_mode;
	pthread_cond_broadcast(&c->cond);
	poll_notify();
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int unix_getsockopt(struct file *f, int name, void *val, int *len)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	int v;

	pthread_mutex_lock(&c->lock);
	switch (name) {
	case SO_TYPE:
		v = c->type;
		break;
	case SO_DOMAIN:
		v = 1; /* AF_UNIX */
		break;
	case SO_PROTOCOL:
	case SO_ERROR:
	case SO_ACCEPTCONN:
	case SO_PASSCRED:
		v = 0;
		break;
	case SO_SNDBUF:
		v = c->end[us->me].sndbuf;
		break;
	case SO_RCVBUF:
		v = c->end[us->me].rcvbuf;
		break;
	case SO_PEERCRED: {
		int32_t cred[3] = {c->pid, (int32_t)c->uid, (int32_t)c->gid};

		pthread_mutex_unlock(&c->lock);
		memcpy(val, cred, sizeof(cred));
		*len = sizeof(cred);
		return 0;
	}
	default:
		pthread_mutex_unlock(&c->lock);
		return -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&c->lock);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int unix_setsockopt(struct file *f, int name, const void *val, int len)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	uint32_t v;

	if (name != SO_SNDBUF && name != SO_RCVBUF)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	v = min_t(uint32_t, v, UNIX_BUF_MAX);
	pthread_mutex_lock(&c->lock);
	if (name == SO_SNDBUF)
		c->end[us->me].sndbuf = max_t(int, (int)v * 2, UNIX_MIN_SNDBUF);
	else
		c->end[us->me].rcvbuf = max_t(int, (int)v * 2, UNIX_MIN_RCVBUF);
	pthread_cond_broadcast(&c->cond);
	poll_notify();
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static ssize_t unix_read(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	int msg_flags;

	(void)pos;
	return unix_recv(f, t, iov, iovcnt, 0, &msg_flags, NULL, NULL);
}

static ssize_t unix_write(struct file *f, struct task *t,
			  const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	(void)pos;
	return unix_send(f, t, iov, iovcnt, 0, NULL, 0, false);
}

static unsigned unix_poll(struct file *f, unsigned events)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me];
	unsigned mask = 0;

	pthread_mutex_lock(&c->lock);
	if (me->shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (me->shutdown == SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (me->head)
		mask |= POLLIN | POLLRDNORM;
	if (me->wmem * 4 <= (size_t)me->sndbuf)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	pthread_mutex_unlock(&c->lock);
	return mask & (events | POLLERR | POLLHUP);
}

/* FIONREAD: a stream's unread bytes, a datagram's next length. */
static long unix_ioctl(struct file *f, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	int n;

	if (cmd != ABI_FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&c->lock);
	if (c->type == UNIX_SOCK_STREAM)
		n = (int)c->end[us->me].queued;
	else
		n = c->end[us->me].head ? (int)c->end[us->me].head->len : 0;
	pthread_mutex_unlock(&c->lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static int unix_stat(struct file *f, struct abi_stat *st)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;

	memset(st, 0, sizeof(*st));
	st->st_dev = 0x8; /* sockfs */
	st->st_ino = c->ino[us->me];
	st->st_nlink = 1;
	st->st_mode = ABI_S_IFSOCK | 0777;
	st->st_uid = c->uid;
	st->st_gid = c->gid;
	st->st_blksize = 4096;
	pthread_mutex_lock(&c->lock);
	st->st_atim = st->st_mtim = st->st_ctim = c->time;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void unix_release(struct file *f)
{
	struct unix_sock *us = to_us(f);
	struct unix_conn *c = us->c;
	struct unix_end *me = &c->end[us->me];
	struct unix_msg *dropped = NULL;
	bool last;

	pthread_mutex_lock(&c->lock);
	me->closed = true;
	me->shutdown = SHUTDOWN_MASK;
	if (c->type != UNIX_SOCK_DGRAM)
		c->end[!us->me].shutdown = SHUTDOWN_MASK;
	while (me->head) {
		struct unix_msg *m = dequeue(c, us->me);

		m->next = dropped;
		dropped = m;
	}
	pthread_cond_broadcast(&c->cond);
	poll_notify();
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	/* Files in flight go now, outside the lock. */
	while (dropped) {
		struct unix_msg *m = dropped;

		dropped = m->next;
		msg_free(m);
	}
	free(us);
	if (!last)
		return;
	for (int e = 0; e < 2; e++)
		while (c->end[e].head)
			msg_free(dequeue(c, e));
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct file_ops unix_ops = {
    .read = unix_read,
    .write = unix_write,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .stat = unix_stat,
    .release = unix_release,
};

int unix_pair_create(struct task *t, int type, uint32_t flags, struct file **a,
		     struct file **b)
{
	struct unix_conn *c = calloc(1, sizeof(*c));
	struct unix_sock *s[2] = {calloc(1, sizeof(**s)),
				  calloc(1, sizeof(**s))};

	if (!c || !s[0] || !s[1]) {
		free(c);
		free(s[0]);
		free(s[1]);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->type = type;
	c->refs = 2;
	c->pid = t->tg->tgid;
	c->uid = t->creds.euid;
	c->gid = t->creds.egid;
	vfs_now(&c->time);
	for (int e = 0; e < 2; e++) {
		c->end[e].tail = &c->end[e].head;
		c->end[e].sndbuf = UNIX_BUF_DEFAULT;
		c->end[e].rcvbuf = UNIX_BUF_DEFAULT;
		c->ino[e] =
		    __atomic_fetch_add(&next_sock_ino, 1, __ATOMIC_RELAXED);
		file_init(&s[e]->f, &unix_ops, ABI_O_RDWR | flags);
		s[e]->f.stream = true;
		s[e]->c = c;
		s[e]->me = e;
	}
	*a = &s[0]->f;
	*b = &s[1]->f;
	return 0;
}
