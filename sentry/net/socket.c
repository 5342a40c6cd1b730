// SPDX-License-Identifier: Apache-2.0
/*
 * What every socket shares (net/socket.c, net/core/sock.c): the file that
 * read, write, poll, ioctl and fstat see, the family dispatch of socket(2),
 * the SOL_SOCKET options that mean the same in every family, control
 * message building, and the wait that honours SO_RCVTIMEO/SO_SNDTIMEO.
 *
 * Deviations: SO_DEBUG, SO_MARK and SO_PRIORITY are kept and reported but
 * change nothing (there is no routing or queueing discipline to obey
 * them); SO_ATTACH_FILTER is ENOPROTOOPT (no socket filters).
 */
#include "sentry/net/socket.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/netdev.h"
#include "sentry/state/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SOCKFS_DEV    0x8
#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_USEC 1000LL

#define ABI_CAP_NET_RAW 13

static uint64_t next_sock_ino = 200000;

static const struct file_ops sock_file_ops;

bool sock_is(const struct file *f)
{
	return f->ops == &sock_file_ops;
}

uint64_t sock_iter_left(const struct sock_iter *it)
{
	uint64_t n = 0;

	for (int i = it->i; i < it->cnt; i++)
		n += it->iov[i].iov_len - (i == it->i ? it->off : 0);
	return n;
}

int sock_iter_copy(struct task *t, struct sock_iter *it, void *buf, size_t n,
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

bool sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data,
		   size_t len)
{
	struct {
		uint64_t len;
		int32_t level, type;
	} h = {16 + len, level, type};
	size_t space = (h.len + 7) & ~(size_t)7;
	size_t room;

	if (!m->ctl)
		return false;
	room = m->ctlcap - m->ctllen;
	if (room < sizeof(h)) {
		m->msg_flags |= SOCK_MSG_CTRUNC;
		return false;
	}
	if (room < h.len) {
		m->msg_flags |= SOCK_MSG_CTRUNC;
		h.len = room;
	}
	memcpy(m->ctl + m->ctllen, &h, sizeof(h));
	memcpy(m->ctl + m->ctllen + sizeof(h), data, h.len - sizeof(h));
	m->ctllen += min_t(size_t, space, room);
	return h.len == 16 + len;
}

int sock_wait(struct task *t, pthread_mutex_t *lock, pthread_cond_t *cond,
	      int64_t timeo_ns, struct timespec *deadline, bool *started)
{
	struct timespec now;
	int err = 0;

	if (timeo_ns < 0)
		return -EAGAIN;
	if (!timeo_ns)
		return task_wait(t, lock, cond);
	/* With a timeout, a signal is EINTR (sock_intr_errno). */
	if (!*started) {
		clock_gettime(CLOCK_REALTIME, deadline);
		deadline->tv_sec += timeo_ns / NSEC_PER_SEC;
		deadline->tv_nsec += timeo_ns % NSEC_PER_SEC;
		if (deadline->tv_nsec >= NSEC_PER_SEC) {
			deadline->tv_sec++;
			deadline->tv_nsec -= NSEC_PER_SEC;
		}
		*started = true;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec &&
					      now.tv_nsec >= deadline->tv_nsec))
		return -EAGAIN;
	task_block_begin(t, lock, cond);
	if (task_interrupted(t))
		err = -EINTR;
	else
		pthread_cond_timedwait(cond, lock, deadline);
	task_block_end(t);
	return err;
}

struct socket *sock_alloc(struct task *t, size_t size,
			  const struct sock_ops *ops, int family, int type,
			  int protocol, uint32_t flags)
{
	struct socket *s = calloc(1, size);

	if (!s)
		return NULL;
	file_init(&s->f, &sock_file_ops, ABI_O_RDWR | (flags & ABI_O_NONBLOCK));
	s->f.stream = true;
	/* A family whose readiness the host decides clears it. */
	s->f.poll_notifies = true;
	s->ops = ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->ino = __atomic_fetch_add(&next_sock_ino, 1, __ATOMIC_RELAXED);
	if (t) {
		s->owner.pid = t->tg->tgid;
		s->owner.uid = t->creds.euid;
		s->owner.gid = t->creds.egid;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->sndbuf = SOCK_BUF_DEFAULT;
	s->rcvbuf = SOCK_BUF_DEFAULT;
	s->rcvlowat = 1;
	vfs_now(&s->time);
	return s;
}

int sock_create(struct task *t, int family, int type, int protocol,
		uint32_t flags, struct file **out)
{
	if (family < 0 || family >= SOCK_AF_MAX)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= SOCK_TYPE_MAX)
		return -EINVAL;
	switch (family) {
	case SOCK_AF_UNIX:
		return unix_create(t, type, protocol, flags, out);
	case SOCK_AF_INET:
	case SOCK_AF_INET6:
		return inet_create(t, family, type, protocol, flags, out);
	case SOCK_AF_NETLINK:
		return netlink_create(t, type, protocol, flags, out);
	default:
		return -EAFNOSUPPORT;
	}
}

/* ---- the file ---------------------------------------------------------- */

static ssize_t sock_read(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct socket *s = sock_of(f);
	struct sock_msg m;

	(void)pos;
	memset(&m, 0, sizeof(m));
	m.iov = iov;
	m.iovcnt = iovcnt;
	return s->ops->recvmsg(s, t, &m, 0);
}

static ssize_t sock_write(struct file *f, struct task *t,
			  const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct socket *s = sock_of(f);
	struct sock_msg m;

	(void)pos;
	memset(&m, 0, sizeof(m));
	m.iov = iov;
	m.iovcnt = iovcnt;
	return s->ops->sendmsg(s, t, &m, 0);
}

static unsigned sock_poll(struct file *f, unsigned events)
{
	struct socket *s = sock_of(f);

	return s->ops->poll(s, events) & (events | SOCK_POLLERR | SOCK_POLLHUP);
}

static long sock_ioctl(struct file *f, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct socket *s = sock_of(f);
	long ret =
	    s->ops->ioctl ? s->ops->ioctl(s, t, cmd, arg) : -SOCK_ENOIOCTLCMD;

	/* AF_INET sockets answer the IPv4 address ioctls too (inet_ioctl). */
	if (ret == -SOCK_ENOIOCTLCMD)
		ret = s->family == SOCK_AF_INET ? netdev_inet_ioctl(t, cmd, arg)
						: sock_dev_ioctl(t, cmd, arg);
	return ret;
}

static int sock_stat(struct file *f, struct abi_stat *st)
{
	struct socket *s = sock_of(f);

	memset(st, 0, sizeof(*st));
	st->st_dev = SOCKFS_DEV;
	st->st_ino = s->ino;
	st->st_nlink = 1;
	st->st_mode = ABI_S_IFSOCK | 0777;
	st->st_uid = s->owner.uid;
	st->st_gid = s->owner.gid;
	st->st_blksize = 4096;
	pthread_mutex_lock(&s->lock);
	st->st_atim = st->st_mtim = st->st_ctim = s->time;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void sock_release(struct file *f)
{
	struct socket *s = sock_of(f);

	if (s->ops->release)
		s->ops->release(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct file_ops sock_file_ops = {
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .ioctl = sock_ioctl,
    .stat = sock_stat,
    .release = sock_release,
};

/* ---- SOL_SOCKET options every family shares ----------------------------- */

struct old_timeval {
	int64_t tv_sec, tv_usec;
};

struct abi_linger {
	int32_t l_onoff, l_linger;
};

static void timeo_get(int64_t ns, struct old_timeval *tv)
{
	if (ns <= 0) {
		tv->tv_sec = 0;
		tv->tv_usec = 0;
		return;
	}
	tv->tv_sec = ns / NSEC_PER_SEC;
	tv->tv_usec = ns % NSEC_PER_SEC / NSEC_PER_USEC;
}

/* Where a boolean SOL_SOCKET option is kept, or NULL for other names. */
static bool *sock_flag(struct socket *s, int name)
{
	switch (name) {
	case SO_REUSEADDR:
		return &s->reuseaddr;
	case SO_REUSEPORT:
		return &s->reuseport;
	case SO_KEEPALIVE:
		return &s->keepalive;
	case SO_BROADCAST:
		return &s->broadcast;
	case SO_PASSCRED:
		return &s->passcred;
	case SO_OOBINLINE:
		return &s->oobinline;
	case SO_DONTROUTE:
		return &s->dontroute;
	default:
		return NULL;
	}
}

/* SO_SNDBUF and SO_RCVBUF's rule: the value, capped, doubled; at least min. */
static int buf_size(uint32_t v, uint32_t cap, int min)
{
	v = min_t(uint32_t, v, cap);
	return max_t(int, (int)v * 2, min);
}

int sock_common_getsockopt(struct socket *s, int name, void *val, int *len)
{
	bool *flag = sock_flag(s, name);
	int v = 0;

	pthread_mutex_lock(&s->lock);
	if (flag) {
		v = *flag;
		goto out;
	}
	switch (name) {
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = s->family;
		break;
	case SO_PROTOCOL:
		v = s->protocol;
		break;
	case SO_SNDBUF:
		v = s->sndbuf;
		break;
	case SO_RCVBUF:
		v = s->rcvbuf;
		break;
	case SO_PRIORITY:
		v = s->priority;
		break;
	case SO_MARK:
		v = (int)s->mark;
		break;
	case SO_RCVLOWAT:
		v = s->rcvlowat;
		break;
	case SO_SNDLOWAT:
		v = 1;
		break;
	case SO_ERROR:
	case SO_ACCEPTCONN:
	case SO_DEBUG:
		v = 0;
		break;
	case SO_LINGER: {
		struct abi_linger l = {s->linger_on, s->linger};

		pthread_mutex_unlock(&s->lock);
		memcpy(val, &l, sizeof(l));
		*len = sizeof(l);
		return 0;
	}
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD: {
		struct old_timeval tv;

		timeo_get(name == SO_RCVTIMEO_OLD ? s->rcvtimeo_ns
						  : s->sndtimeo_ns,
			  &tv);
		pthread_mutex_unlock(&s->lock);
		memcpy(val, &tv, sizeof(tv));
		*len = sizeof(tv);
		return 0;
	}
	case SO_COOKIE: {
		uint64_t cookie = s->ino;

		pthread_mutex_unlock(&s->lock);
		memcpy(val, &cookie, sizeof(cookie));
		*len = sizeof(cookie);
		return 0;
	}
	case SO_PEERCRED: {
		/* A socket with no peer: no process, overflow ids. */
		struct sock_cred c = {0, 65534, 65534};

		pthread_mutex_unlock(&s->lock);
		memcpy(val, &c, sizeof(c));
		*len = sizeof(c);
		return 0;
	}
	default:
		pthread_mutex_unlock(&s->lock);
		return -ENOPROTOOPT;
	}
out:
	pthread_mutex_unlock(&s->lock);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int timeo_set(struct socket *s, int64_t *field, const void *val, int len)
{
	struct old_timeval tv;

	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	pthread_mutex_lock(&s->lock);
	if (tv.tv_sec < 0)
		*field = -1; /* a timeout already over */
	else if (tv.tv_sec == 0 && tv.tv_usec == 0)
		*field = 0;
	else if (tv.tv_sec > INT32_MAX)
		*field = 0; /* as good as none */
	else
		*field = tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * NSEC_PER_USEC;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int sock_common_setsockopt(struct socket *s, struct task *t, int name,
			   const void *val, int len)
{
	bool *flag = sock_flag(s, name);
	uint32_t u;
	int v;

	switch (name) {
	case SO_RCVTIMEO_OLD:
		return timeo_set(s, &s->rcvtimeo_ns, val, len);
	case SO_SNDTIMEO_OLD:
		return timeo_set(s, &s->sndtimeo_ns, val, len);
	case SO_LINGER: {
		struct abi_linger l;

		if (len < (int)sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		pthread_mutex_lock(&s->lock);
		s->linger_on = l.l_onoff != 0;
		if (l.l_onoff)
			s->linger = l.l_linger < 0 ? INT32_MAX : l.l_linger;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	default:
		break;
	}
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	u = (uint32_t)v;
	pthread_mutex_lock(&s->lock);
	if (flag) {
		*flag = v != 0;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	switch (name) {
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE:
		if (!creds_capable(&t->creds, ABI_CAP_NET_ADMIN)) {
			pthread_mutex_unlock(&s->lock);
			return -EPERM;
		}
		if (name == SO_SNDBUFFORCE)
			s->sndbuf = buf_size(u, INT32_MAX / 2, SOCK_MIN_SNDBUF);
		else
			s->rcvbuf = buf_size(u, INT32_MAX / 2, SOCK_MIN_RCVBUF);
		break;
	case SO_SNDBUF:
		s->sndbuf = buf_size(u, SOCK_BUF_MAX, SOCK_MIN_SNDBUF);
		break;
	case SO_RCVBUF:
		s->rcvbuf = buf_size(u, SOCK_BUF_MAX, SOCK_MIN_RCVBUF);
		break;
	case SO_RCVLOWAT:
		s->rcvlowat = v < 0 ? INT32_MAX : (v ? v : 1);
		break;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) &&
		    !creds_capable(&t->creds, ABI_CAP_NET_ADMIN)) {
			pthread_mutex_unlock(&s->lock);
			return -EPERM;
		}
		s->priority = v;
		break;
	case SO_MARK:
		if (!creds_capable(&t->creds, ABI_CAP_NET_ADMIN) &&
		    !creds_capable(&t->creds, ABI_CAP_NET_RAW)) {
			pthread_mutex_unlock(&s->lock);
			return -EPERM;
		}
		s->mark = u;
		break;
	case SO_DEBUG:
		if (v && !creds_capable(&t->creds, ABI_CAP_NET_ADMIN)) {
			pthread_mutex_unlock(&s->lock);
			return -EACCES;
		}
		break;
	default:
		pthread_mutex_unlock(&s->lock);
		return -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&s->lock);
	/* Room in a buffer can make a socket writable. */
	poll_notify();
	return 0;
}

/* The SOL_SOCKET flags, as bits of a snapshot's record. */
static bool *snap_flag(struct socket *s, int i)
{
	bool *f[] = {&s->reuseaddr, &s->reuseport, &s->keepalive,
		     &s->broadcast, &s->passcred,  &s->oobinline,
		     &s->dontroute, &s->linger_on};

	return f[i];
}
#define SOCK_SNAP_FLAGS 8

void sock_snap_save(struct socket *s, struct enc *e)
{
	uint32_t bits = 0;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < SOCK_SNAP_FLAGS; i++)
		bits |= (uint32_t)*snap_flag(s, i) << i;
	enc_u32(e, (uint32_t)s->owner.pid);
	enc_u32(e, s->owner.uid);
	enc_u32(e, s->owner.gid);
	enc_u32(e, (uint32_t)s->sndbuf);
	enc_u32(e, (uint32_t)s->rcvbuf);
	enc_u32(e, (uint32_t)s->rcvlowat);
	enc_u32(e, bits);
	enc_u32(e, (uint32_t)s->linger);
	enc_u32(e, (uint32_t)s->priority);
	enc_u32(e, s->mark);
	enc_i64(e, s->rcvtimeo_ns);
	enc_i64(e, s->sndtimeo_ns);
	pthread_mutex_unlock(&s->lock);
}

int sock_snap_load(struct socket *s, struct dec *d)
{
	uint32_t bits;

	s->owner.pid = (int32_t)dec_u32_range(d, 0, ABI_PID_MAX, "a pid");
	s->owner.uid = dec_u32(d);
	s->owner.gid = dec_u32(d);
	/* SO_SNDBUFFORCE and SO_RCVBUFFORCE's range. */
	s->sndbuf = (int)dec_u32_range(d, SOCK_MIN_SNDBUF, INT32_MAX - 1,
				       "a socket's SO_SNDBUF");
	s->rcvbuf = (int)dec_u32_range(d, SOCK_MIN_RCVBUF, INT32_MAX - 1,
				       "a socket's SO_RCVBUF");
	s->rcvlowat =
	    (int)dec_u32_range(d, 1, INT32_MAX, "a socket's SO_RCVLOWAT");
	bits = dec_u32_range(d, 0, (1U << SOCK_SNAP_FLAGS) - 1,
			     "a socket's flags");
	for (int i = 0; i < SOCK_SNAP_FLAGS; i++)
		*snap_flag(s, i) = bits >> i & 1;
	s->linger = (int)dec_u32_range(d, 0, INT32_MAX, "a socket's linger");
	s->priority = (int)dec_u32(d);
	s->mark = dec_u32(d);
	s->rcvtimeo_ns = dec_i64(d);
	s->sndtimeo_ns = dec_i64(d);
	/* timeo_set's: -1 (over), 0 (none), or up to INT32_MAX seconds. */
	if (!d->err && (s->rcvtimeo_ns < -1 || s->sndtimeo_ns < -1 ||
			s->rcvtimeo_ns > (INT32_MAX + 1LL) * NSEC_PER_SEC ||
			s->sndtimeo_ns > (INT32_MAX + 1LL) * NSEC_PER_SEC))
		dec_fail(d, "a socket's timeout");
	return d->err;
}
