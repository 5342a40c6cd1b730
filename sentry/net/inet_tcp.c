// SPDX-License-Identifier: Apache-2.0
/*
 * TCP on the sandbox's loopback (net/ipv4/tcp.c, inet_connection_sock.c):
 * a connection is two endpoints, each holding the bytes its peer sent
 * (a list of segments) and the peer's urgent byte. connect finds the
 * listener by the port tables (inet.c) and makes the server's endpoint at
 * once, onto the listener's accept queue (at most backlog + 1 of them,
 * as Linux's); a connect beyond that waits in the listener's queue of
 * connects until accept makes room (Linux's client would retransmit its
 * SYN, about a second later). A FIN is a flag on the peer; a reset sets
 * the peer's error (ECONNREFUSED, ECONNRESET or EPIPE by its state, as
 * tcp_reset) and closes it. Closing with unread data, SO_LINGER with a
 * zero timeout, connect(AF_UNSPEC) and a listener's close with
 * connections not accepted send resets; a write to a peer that closed
 * draws one back.
 *
 * How much a direction holds before a send waits: half the receiver's
 * SO_RCVBUF plus half the sender's SO_SNDBUF where the application set
 * them, else 128 KiB each (Linux starts its receive buffer there and
 * grows both to 4 and 6 MiB; a small queue keeps the bytes in the cache
 * between the writer's copy and the reader's, which is what makes
 * loopback throughput).
 *
 * Deviations: there are no packets, so Nagle, TCP_CORK and MSG_MORE hold
 * nothing back, TCP_DEFER_ACCEPT does not delay accept, keepalives and
 * TCP_USER_TIMEOUT never fire (a peer never goes silent), and TIME_WAIT
 * does not hold a port after close; TCP_INFO has the state, the MSS and
 * byte counts, with zero timings; a second urgent byte before the first
 * was read replaces it; only "cubic" and "reno" are congestion controls.
 */
#include "sentry/net/inet.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SEG_MIN 4096
#define SEG_MAX (256 << 10)

#define TCP_NODELAY	     1
#define TCP_MAXSEG	     2
#define TCP_CORK	     3
#define TCP_KEEPIDLE	     4
#define TCP_KEEPINTVL	     5
#define TCP_KEEPCNT	     6
#define TCP_SYNCNT	     7
#define TCP_LINGER2	     8
#define TCP_DEFER_ACCEPT     9
#define TCP_WINDOW_CLAMP     10
#define TCP_INFO	     11
#define TCP_QUICKACK	     12
#define TCP_CONGESTION	     13
#define TCP_USER_TIMEOUT     18
#define TCP_FASTOPEN	     23
#define TCP_NOTSENT_LOWAT    25
#define TCP_FASTOPEN_CONNECT 30

#define TCP_MSS_DEFAULT 536
#define TCP_MIN_MSS	88
#define MAX_TCP_WINDOW	32767
/* What Linux's loopback settles on: half of 64 KiB less the headers. */
#define LO_MSS4 32741
#define LO_MSS6 32732

struct inet_seg {
	struct inet_seg *next;
	size_t len, off, cap;
	uint8_t data[];
};

void tcp_init_opts(struct inet_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->quickack = true;
	o->keepidle = 7200;
	o->keepintvl = 75;
	o->keepcnt = 9;
	o->syncnt = 6;
	strcpy(o->cong, "cubic");
	o->ttl = -1;
	o->mtu_discover = 1; /* IP_PMTUDISC_WANT */
	o->mc_ttl = 1;
	o->mc_loop = true;
	o->mc_all = true;
	o->hops = -1;
	o->mc_hops = 1;
	o->mc_loop6 = true;
	o->mtu_discover6 = 1;
	o->autoflowlabel = true;
	o->sndbuf_val = SOCK_BUF_DEFAULT;
	o->rcvbuf_val = SOCK_BUF_DEFAULT;
}

/* ---- the byte queue ----------------------------------------------------- */

static struct inet_seg *seg_new(struct inet_ep *ep, size_t want)
{
	size_t cap = clamp_t(size_t, want, SEG_MIN, SEG_MAX);
	struct inet_seg *sg = malloc(sizeof(*sg) + cap);

	if (!sg)
		return NULL;
	sg->next = NULL;
	sg->len = sg->off = 0;
	sg->cap = cap;
	if (ep->rq_tail)
		ep->rq_tail->next = sg;
	else
		ep->rq_head = sg;
	ep->rq_tail = sg;
	return sg;
}

/* Append n bytes to ep's queue, from the iovecs or (it NULL) from buf. */
static int rq_append(struct task *t, struct inet_ep *ep, struct sock_iter *it,
		     const void *buf, size_t n)
{
	while (n) {
		struct inet_seg *sg = ep->rq_tail;
		size_t chunk;

		if (!sg || sg->len == sg->cap) {
			sg = seg_new(ep, n);
			if (!sg)
				return -ENOBUFS;
		}
		chunk = min_t(size_t, n, sg->cap - sg->len);
		if (it) {
			if (sock_iter_copy(t, it, sg->data + sg->len, chunk,
					   false))
				return -EFAULT;
		} else {
			memcpy(sg->data + sg->len, buf, chunk);
			buf = (const uint8_t *)buf + chunk;
		}
		sg->len += chunk;
		ep->rq_bytes += chunk;
		n -= chunk;
	}
	return 0;
}

static void seg_pop(struct inet_ep *ep)
{
	struct inet_seg *sg = ep->rq_head;

	ep->rq_head = sg->next;
	if (!ep->rq_head)
		ep->rq_tail = NULL;
	free(sg);
}

void tcp_purge_locked(struct inet_ep *ep)
{
	if (ep->reading) {
		ep->purge_pending = true;
		return;
	}
	while (ep->rq_head)
		seg_pop(ep);
	ep->rq_bytes = 0;
	ep->urg_valid = false;
	ep->urg_mark = false;
}

/* ---- state changes ------------------------------------------------------ */

static void drop_peer(struct inet_ep *ep)
{
	if (ep->peer) {
		struct inet_ep *p = ep->peer;

		ep->peer = NULL;
		inet_ep_put_locked(p);
	}
}

/* ep receives a reset (tcp_reset). */
static void tcp_reset_locked(struct inet_ep *ep)
{
	int err;

	switch (ep->state) {
	case TCPS_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCPS_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCPS_CLOSE:
		return;
	default:
		err = ECONNRESET;
		break;
	}
	ep->err = err;
	ep->state = TCPS_CLOSE;
	ep->shutdown = SHUTDOWN_MASK;
	drop_peer(ep);
	inet_wake(ep);
}

/* ep sends its FIN (once). */
static void send_fin(struct inet_ep *ep)
{
	struct inet_ep *p = ep->peer;

	if (ep->fin_sent)
		return;
	ep->fin_sent = true;
	if (ep->state == TCPS_ESTABLISHED) {
		ep->state = TCPS_FIN_WAIT2;
	} else if (ep->state == TCPS_CLOSE_WAIT) {
		/* LAST_ACK, acknowledged at once. */
		ep->state = TCPS_CLOSE;
		ep->shutdown = SHUTDOWN_MASK;
	}
	if (p && !p->dead) {
		p->shutdown |= RCV_SHUTDOWN;
		p->done = true;
		if (p->state == TCPS_ESTABLISHED) {
			p->state = TCPS_CLOSE_WAIT;
		} else if (p->state == TCPS_FIN_WAIT2) {
			/* TIME_WAIT, which the application sees as closed. */
			p->state = TCPS_CLOSE;
			p->shutdown = SHUTDOWN_MASK;
		}
		inet_wake(p);
	}
	inet_wake(ep);
}

static void leave_listener(struct inet_ep *c)
{
	struct inet_ep *l = c->listener, **pp;

	if (!l)
		return;
	for (pp = &l->syn_head; *pp; pp = &(*pp)->syn_next)
		if (*pp == c) {
			*pp = c->syn_next;
			if (!*pp)
				l->syn_tail = pp;
			break;
		}
	c->syn_next = NULL;
	c->listener = NULL;
	inet_ep_put_locked(l);
}

/* The connection of c to listener l is made: the server's end queued. */
static void establish(struct inet_ep *c, struct inet_ep *l)
{
	struct inet_ep *e = inet_ep_new(l->family, SOCK_STREAM, l->uid);

	if (!e) {
		tcp_reset_locked(c);
		return;
	}
	e->o = l->o;
	e->v6only = l->v6only;
	e->reuseaddr = l->reuseaddr;
	e->reuseport = l->reuseport;
	e->laddr = c->raddr;
	e->lport = l->lport;
	e->raddr = c->laddr;
	e->rport = c->lport;
	e->state = TCPS_ESTABLISHED;
	e->sstate = SS_CONNECTED;
	e->addr_locked = true;
	e->port_locked = true;
	inet_hash_child_locked(e);
	e->peer = c;
	inet_ep_get(c);
	c->peer = e;
	inet_ep_get(e);
	c->state = TCPS_ESTABLISHED;
	/* The accept queue takes our reference. */
	*l->acc_tail = e;
	l->acc_tail = &e->acc_next;
	l->nacc++;
	inet_wake(c);
	inet_wake(l);
}

/* Connects waiting for room in l's accept queue go on. */
static void fill_backlog(struct inet_ep *l)
{
	while (l->syn_head && l->nacc <= l->backlog) {
		struct inet_ep *c = l->syn_head;

		inet_ep_get(c);
		leave_listener(c);
		establish(c, l);
		inet_ep_put_locked(c);
	}
}

/* The SYN of c: a connection, a wait for room, or a refusal. */
static void syn(struct inet_ep *c)
{
	struct inet_ep *l = inet_lookup_locked(SOCK_STREAM, &c->raddr, c->rport,
					       &c->laddr, c->lport);

	if (!l) {
		tcp_reset_locked(c);
		return;
	}
	if (l->nacc <= l->backlog && !l->syn_head) {
		establish(c, l);
		return;
	}
	c->listener = l;
	inet_ep_get(l);
	c->syn_next = NULL;
	*l->syn_tail = c;
	l->syn_tail = &c->syn_next;
}

static void stop_listen(struct inet_ep *l)
{
	l->state = TCPS_CLOSE;
	while (l->acc_head) {
		struct inet_ep *e = l->acc_head;

		l->acc_head = e->acc_next;
		e->acc_next = NULL;
		l->nacc--;
		e->dead = true;
		tcp_close_locked(e, true);
		inet_unhash_locked(e);
		inet_ep_put_locked(e);
	}
	l->acc_tail = &l->acc_head;
	while (l->syn_head) {
		struct inet_ep *c = l->syn_head;

		inet_ep_get(c);
		leave_listener(c);
		tcp_reset_locked(c);
		inet_ep_put_locked(c);
	}
	inet_wake(l);
}

void tcp_close_locked(struct inet_ep *ep, bool abort)
{
	switch (ep->state) {
	case TCPS_LISTEN:
		stop_listen(ep);
		break;
	case TCPS_SYN_SENT:
		leave_listener(ep);
		ep->state = TCPS_CLOSE;
		break;
	case TCPS_CLOSE:
		break;
	default: {
		struct inet_ep *p = ep->peer;

		/* Unread data, or an abort: the peer is reset. */
		if (p && !p->dead && (abort || ep->rq_bytes || ep->urg_valid)) {
			inet_ep_get(p);
			tcp_reset_locked(p);
			inet_ep_put_locked(p);
		} else if (p) {
			send_fin(ep);
		}
		ep->state = TCPS_CLOSE;
		break;
	}
	}
	drop_peer(ep);
	tcp_purge_locked(ep);
	inet_wake(ep);
}

/* Back to a fresh socket after a failed or dropped connection. */
static void disconnect(struct inet_ep *ep)
{
	ep->shutdown = 0;
	ep->done = false;
	ep->fin_sent = false;
	ep->rport = 0;
	ep->raddr = ep->family == SOCK_AF_INET ? inet_any4 : inet_any6;
	if (!ep->addr_locked)
		ep->laddr = ep->raddr;
	if (!ep->port_locked)
		inet_unhash_locked(ep);
	ep->sstate = SS_UNCONNECTED;
}

/* ---- connect, listen, accept -------------------------------------------- */

int tcp_connect(struct socket *s, struct task *t, const uint8_t *sa, int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	bool nonblock = sock_nonblock(s, 0);
	struct timespec deadline;
	bool started = false;
	struct inet_addr dst;
	uint16_t port, family;
	int err;

	if (len < 2)
		return -EINVAL;
	memcpy(&family, sa, 2);
	pthread_mutex_lock(&inet_lock);
	if (family == SOCK_AF_UNSPEC) {
		/* tcp_disconnect: a reset for a connection. */
		if (ep->state != TCPS_CLOSE) {
			tcp_close_locked(ep, true);
			ep->state = TCPS_CLOSE;
		}
		ep->err = 0;
		disconnect(ep);
		pthread_mutex_unlock(&inet_lock);
		return 0;
	}
	switch (ep->sstate) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	default:
		if (ep->state != TCPS_CLOSE) {
			err = -EISCONN;
			goto out;
		}
		err = inet_parse_dest(ep, sa, len, false, &dst, &port);
		if (err)
			goto out;
		if (!ep->hashed && inet_autobind_locked(ep)) {
			err = -EADDRNOTAVAIL;
			goto out;
		}
		inet_source_for(ep, &dst, &ep->laddr);
		ep->raddr = dst;
		ep->rport = port;
		ep->err = 0;
		ep->shutdown = 0;
		ep->done = false;
		ep->fin_sent = false;
		ep->rcv_seq = 0;
		ep->bytes_sent = ep->bytes_received = 0;
		ep->state = TCPS_SYN_SENT;
		ep->sstate = SS_CONNECTING;
		syn(ep);
		err = -EINPROGRESS;
		/* Linux's handshake is never done by the time a
		 * non-blocking connect returns. */
		if (nonblock)
			goto out;
		break;
	}
	while (ep->state == TCPS_SYN_SENT) {
		int werr;

		if (nonblock)
			goto out;
		werr = sock_wait(t, &inet_lock, &ep->cond,
				 inet_timeo(ep, false), &deadline, &started);
		if (werr == -EAGAIN)
			goto out;
		if (werr) {
			err = werr;
			goto out;
		}
	}
	if (ep->state == TCPS_CLOSE) {
		err = ep->err ? -ep->err : -ECONNABORTED;
		ep->err = 0;
		disconnect(ep);
		goto out;
	}
	ep->sstate = SS_CONNECTED;
	err = 0;
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

int tcp_listen(struct socket *s, struct task *t, int backlog)
{
	struct inet_ep *ep = inet_ep_of(s);
	int err = 0;

	(void)t;
	pthread_mutex_lock(&inet_lock);
	if (ep->sstate != SS_UNCONNECTED ||
	    (ep->state != TCPS_CLOSE && ep->state != TCPS_LISTEN)) {
		err = -EINVAL;
		goto out;
	}
	if (ep->state == TCPS_CLOSE) {
		ep->reuseaddr =
		    __atomic_load_n(&s->reuseaddr, __ATOMIC_RELAXED);
		ep->reuseport =
		    __atomic_load_n(&s->reuseport, __ATOMIC_RELAXED);
		if (!ep->hashed) {
			if (inet_autobind_locked(ep)) {
				err = -EADDRINUSE;
				goto out;
			}
		} else if ((err = inet_listen_check_locked(ep))) {
			goto out;
		}
		ep->state = TCPS_LISTEN;
		ep->shutdown = 0;
		ep->err = 0;
	}
	ep->backlog = backlog;
	fill_backlog(ep);
	inet_wake(ep);
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

int tcp_accept(struct socket *s, struct task *t, uint32_t flags,
	       struct file **out, uint8_t *sa, int *len)
{
	struct inet_ep *ep = inet_ep_of(s), *e;
	struct timespec deadline;
	bool started = false;
	struct file *f;
	int err = 0;

	pthread_mutex_lock(&inet_lock);
	for (;;) {
		if (ep->state != TCPS_LISTEN) {
			err = -EINVAL;
			goto out;
		}
		if (ep->acc_head)
			break;
		if (sock_nonblock(s, 0)) {
			err = -EAGAIN;
			goto out;
		}
		err = sock_wait(t, &inet_lock, &ep->cond, inet_timeo(ep, true),
				&deadline, &started);
		if (err)
			goto out;
	}
	e = ep->acc_head;
	ep->acc_head = e->acc_next;
	if (!ep->acc_head)
		ep->acc_tail = &ep->acc_head;
	e->acc_next = NULL;
	ep->nacc--;
	fill_backlog(ep);
	f = inet_file_for(t, e, s, flags);
	if (!f) {
		e->dead = true;
		tcp_close_locked(e, true);
		inet_unhash_locked(e);
		err = -ENOMEM;
	} else {
		*len = inet_sockaddr(s->family, &e->raddr, e->rport, sa);
		*out = f;
	}
	inet_ep_put_locked(e); /* the queue's */
	inet_wake(ep);
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

/* ---- sending ------------------------------------------------------------ */

static size_t capacity(const struct inet_ep *ep, const struct inet_ep *peer)
{
	return inet_rcvspace(peer) + inet_sndspace(ep);
}

/* Is there room for w to write to r, with used bytes queued: what
 * POLLOUT reports (sk_stream_is_writeable's third). */
static bool room_ok(const struct inet_ep *w, const struct inet_ep *r,
		    size_t used)
{
	size_t cap = capacity(w, r);

	return used < cap && cap - used >= used / 2;
}

static bool oobinline(const struct inet_ep *ep)
{
	return ep->sock &&
	       __atomic_load_n(&ep->sock->s.oobinline, __ATOMIC_RELAXED);
}

/* The last byte of a MSG_OOB send: p's urgent byte. */
static int send_urgent(struct task *t, struct inet_ep *p, struct sock_iter *it)
{
	uint8_t b;
	int err;

	if (sock_iter_copy(t, it, &b, 1, false))
		return -EFAULT;
	p->urg_seq = p->rcv_seq + p->rq_bytes;
	if (oobinline(p)) {
		err = rq_append(t, p, NULL, &b, 1);
		if (err)
			return err;
	} else {
		p->urg_byte = b;
	}
	p->urg_valid = true;
	p->urg_mark = true;
	return 0;
}

ssize_t tcp_sendmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags)
{
	struct inet_ep *ep = inet_ep_of(s);
	bool nonblock = sock_nonblock(s, flags);
	struct timespec deadline;
	bool started = false, pipe = false;
	struct sock_iter it;
	uint64_t total;
	ssize_t sent = 0;
	int err = 0;

	sock_iter_init(&it, m->iov, m->iovcnt);
	total = sock_iter_left(&it);
	pthread_mutex_lock(&inet_lock);
	/* Wait for the connection (sk_stream_wait_connect). */
	while (ep->state != TCPS_ESTABLISHED && ep->state != TCPS_CLOSE_WAIT) {
		if (ep->state != TCPS_SYN_SENT) {
			err = -EPIPE;
			goto error;
		}
		if (nonblock) {
			err = -EAGAIN;
			goto out;
		}
		err = sock_wait(t, &inet_lock, &ep->cond, inet_timeo(ep, false),
				&deadline, &started);
		if (err)
			goto out;
	}
	for (;;) {
		struct inet_ep *p = ep->peer;
		size_t cap, n;
		bool urgent;

		if (ep->err || (ep->shutdown & SEND_SHUTDOWN)) {
			err = -EPIPE;
			goto error;
		}
		if ((uint64_t)sent == total)
			break;
		if (!p || p->dead) {
			/* The other end is gone: what we send draws a
			 * reset, which the next call reports. */
			sent = (ssize_t)total;
			ep->bytes_sent += total;
			tcp_reset_locked(ep);
			break;
		}
		cap = capacity(ep, p);
		if (p->rq_bytes >= cap) {
			if (nonblock) {
				if (!sent)
					err = -EAGAIN;
				break;
			}
			err = sock_wait(t, &inet_lock, &ep->cond,
					inet_timeo(ep, false), &deadline,
					&started);
			if (err)
				break;
			continue;
		}
		if (!(flags & SOCK_MSG_OOB) &&
		    total - (uint64_t)sent >= SEG_MIN) {
			/* A big write: its segment is filled outside the
			 * lock, so the reader copies out meanwhile. */
			struct inet_seg *sg;

			n = (size_t)min_t(
			    uint64_t, total - (uint64_t)sent,
			    min_t(size_t, SEG_MAX,
				  max_t(size_t, cap - p->rq_bytes, SEG_MIN)));
			pthread_mutex_unlock(&inet_lock);
			sg = malloc(sizeof(*sg) + n);
			if (sg && sock_iter_copy(t, &it, sg->data, n, false)) {
				free(sg);
				sg = NULL;
				err = -EFAULT;
			} else if (!sg) {
				err = -ENOBUFS;
			}
			pthread_mutex_lock(&inet_lock);
			if (!sg)
				break;
			p = ep->peer;
			if (ep->err || (ep->shutdown & SEND_SHUTDOWN) || !p ||
			    p->dead) {
				free(sg); /* the checks above end the loop */
				continue;
			}
			sg->next = NULL;
			sg->len = sg->cap = n;
			sg->off = 0;
			if (p->rq_tail)
				p->rq_tail->next = sg;
			else
				p->rq_head = sg;
			p->rq_tail = sg;
			p->rq_bytes += n;
			sent += (ssize_t)n;
			ep->bytes_sent += n;
			inet_wake(p);
			continue;
		}
		n = (size_t)min_t(uint64_t, cap - p->rq_bytes,
				  total - (uint64_t)sent);
		urgent = (flags & SOCK_MSG_OOB) && (uint64_t)sent + n == total;
		if (urgent)
			n--;
		if (n) {
			err = rq_append(t, p, &it, NULL, n);
			if (err)
				break;
			sent += (ssize_t)n;
		}
		if (urgent) {
			err = send_urgent(t, p, &it);
			if (err)
				break;
			sent++;
		}
		ep->bytes_sent += n + urgent;
		inet_wake(p);
	}
	goto out;
error:
	if (!sent) {
		/* sk_stream_error: the pending error, else EPIPE. */
		if (ep->err) {
			err = -ep->err;
			ep->err = 0;
		}
		pipe = err == -EPIPE;
	}
out:
	pthread_mutex_unlock(&inet_lock);
	if (pipe && !(flags & SOCK_MSG_NOSIGNAL))
		signal_sigpipe(t);
	return sent ? sent : err;
}

/* ---- receiving ---------------------------------------------------------- */

static ssize_t recv_urgent(struct inet_ep *ep, struct task *t,
			   struct sock_iter *it, struct sock_msg *m, int flags)
{
	if (oobinline(ep) || !ep->urg_valid) {
		if (!oobinline(ep) && ep->state == TCPS_CLOSE && !ep->done &&
		    !ep->rport)
			return -ENOTCONN;
		return -EINVAL;
	}
	if (!sock_iter_left(it)) {
		m->msg_flags |= SOCK_MSG_TRUNC;
		return 0;
	}
	if (!(flags & SOCK_MSG_TRUNC) &&
	    sock_iter_copy(t, it, &ep->urg_byte, 1, true))
		return -EFAULT;
	if (!(flags & SOCK_MSG_PEEK))
		ep->urg_valid = false;
	m->msg_flags |= SOCK_MSG_OOB;
	return 1;
}

static void reader_enter(struct inet_ep *ep)
{
	while (ep->reading)
		pthread_cond_wait(&ep->cond, &inet_lock);
	ep->reading = true;
}

static void reader_leave(struct inet_ep *ep)
{
	ep->reading = false;
	if (ep->purge_pending) {
		ep->purge_pending = false;
		tcp_purge_locked(ep);
	}
	pthread_cond_broadcast(&ep->cond);
}

static int rcvlowat(const struct inet_ep *ep)
{
	return ep->sock
		   ? __atomic_load_n(&ep->sock->s.rcvlowat, __ATOMIC_RELAXED)
		   : 1;
}

ssize_t tcp_recvmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags)
{
	struct inet_ep *ep = inet_ep_of(s);
	bool nonblock = sock_nonblock(s, flags);
	bool peek = flags & SOCK_MSG_PEEK, trunc = flags & SOCK_MSG_TRUNC;
	struct timespec deadline;
	bool started = false;
	struct sock_iter it;
	uint64_t size, target, pseq = 0;
	struct inet_seg *pseg = NULL;
	size_t poff = 0;
	ssize_t copied = 0;
	bool wake = false;
	int err = 0;

	sock_iter_init(&it, m->iov, m->iovcnt);
	size = sock_iter_left(&it);
	pthread_mutex_lock(&inet_lock);
	if (ep->state == TCPS_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	if (flags & SOCK_MSG_OOB) {
		copied = recv_urgent(ep, t, &it, m, flags);
		goto out;
	}
	if (!size)
		goto out;
	target = (flags & SOCK_MSG_WAITALL)
		     ? size
		     : min_t(uint64_t, (uint64_t)rcvlowat(ep), size);
	if (!target)
		target = 1;
	if (peek) {
		pseg = ep->rq_head;
		poff = pseg ? pseg->off : 0;
		pseq = ep->rcv_seq;
	} else {
		reader_enter(ep);
	}
	for (;;) {
		while ((uint64_t)copied < size) {
			struct inet_seg *sg = peek ? pseg : ep->rq_head;
			uint64_t cur = peek ? pseq : ep->rcv_seq;
			size_t off, n;

			if (!sg)
				break;
			/* A read stops at the urgent mark. */
			if (ep->urg_mark && cur == ep->urg_seq && copied)
				goto done;
			off = peek ? poff : sg->off;
			n = (size_t)min_t(uint64_t, sg->len - off,
					  size - (uint64_t)copied);
			if (ep->urg_mark && cur < ep->urg_seq)
				n = (size_t)min_t(uint64_t, n,
						  ep->urg_seq - cur);
			if (!trunc) {
				/* Big copies leave the lock to the writer. */
				bool unlock = !peek && n >= SEG_MIN;
				int fault;

				if (unlock)
					pthread_mutex_unlock(&inet_lock);
				fault = sock_iter_copy(t, &it, sg->data + off,
						       n, true);
				if (unlock)
					pthread_mutex_lock(&inet_lock);
				if (fault) {
					if (!copied)
						err = -EFAULT;
					goto done;
				}
			}
			copied += (ssize_t)n;
			if (peek) {
				poff += n;
				pseq += n;
				if (poff == sg->len) {
					pseg = sg->next;
					poff = pseg ? pseg->off : 0;
				}
				continue;
			}
			/* The sender waits, or polls, for this room. */
			if (ep->peer && !room_ok(ep->peer, ep, ep->rq_bytes))
				wake = true;
			sg->off += n;
			ep->rcv_seq += n;
			ep->rq_bytes -= n;
			ep->bytes_received += n;
			if (sg->off == sg->len)
				seg_pop(ep);
			if (ep->urg_mark && ep->rcv_seq > ep->urg_seq) {
				ep->urg_mark = false;
				if (oobinline(ep))
					ep->urg_valid = false;
			}
		}
		if ((uint64_t)copied >= target)
			break;
		if (copied) {
			if (ep->err || ep->state == TCPS_CLOSE ||
			    (ep->shutdown & RCV_SHUTDOWN) || peek)
				break;
		} else {
			if (ep->done)
				break;
			if (ep->err) {
				err = -ep->err;
				ep->err = 0;
				break;
			}
			if (ep->shutdown & RCV_SHUTDOWN)
				break;
			if (ep->state == TCPS_CLOSE) {
				err = -ENOTCONN;
				break;
			}
		}
		if (nonblock) {
			if (!copied)
				err = -EAGAIN;
			break;
		}
		if (!peek)
			reader_leave(ep);
		err = sock_wait(t, &inet_lock, &ep->cond, inet_timeo(ep, true),
				&deadline, &started);
		if (!peek)
			reader_enter(ep);
		if (err)
			break;
		if (peek) {
			pseg = ep->rq_head;
			poff = pseg ? pseg->off : 0;
			pseq = ep->rcv_seq;
		}
	}
done:
	if (!peek)
		reader_leave(ep);
	if (wake && ep->peer)
		inet_wake(ep->peer);
out:
	pthread_mutex_unlock(&inet_lock);
	return copied ? copied : err;
}

/* ---- the rest ----------------------------------------------------------- */

int tcp_shutdown(struct socket *s, int how)
{
	struct inet_ep *ep = inet_ep_of(s);
	int mode = how + 1, err = 0;

	pthread_mutex_lock(&inet_lock);
	if (ep->sstate == SS_CONNECTING && ep->state != TCPS_SYN_SENT &&
	    ep->state != TCPS_CLOSE)
		ep->sstate = SS_CONNECTED;
	switch (ep->state) {
	case TCPS_CLOSE:
		err = -ENOTCONN;
		ep->shutdown |= mode;
		break;
	case TCPS_LISTEN:
		if (mode & RCV_SHUTDOWN) {
			stop_listen(ep);
			disconnect(ep);
		}
		break;
	case TCPS_SYN_SENT:
		leave_listener(ep);
		ep->state = TCPS_CLOSE;
		disconnect(ep);
		break;
	default:
		ep->shutdown |= mode;
		if (mode & SEND_SHUTDOWN)
			send_fin(ep);
		break;
	}
	inet_wake(ep);
	pthread_mutex_unlock(&inet_lock);
	return err;
}

static bool writable(const struct inet_ep *ep)
{
	const struct inet_ep *p = ep->peer;

	return !p || p->dead || room_ok(ep, p, p->rq_bytes);
}

unsigned tcp_poll(struct socket *s, unsigned events)
{
	struct inet_ep *ep = inet_ep_of(s);
	unsigned mask = 0;

	(void)events;
	pthread_mutex_lock(&inet_lock);
	if (ep->state == TCPS_LISTEN) {
		if (ep->acc_head)
			mask |= SOCK_POLLIN | SOCK_POLLRDNORM;
		pthread_mutex_unlock(&inet_lock);
		return mask;
	}
	if (ep->shutdown == SHUTDOWN_MASK || ep->state == TCPS_CLOSE)
		mask |= SOCK_POLLHUP;
	if (ep->shutdown & RCV_SHUTDOWN)
		mask |= SOCK_POLLIN | SOCK_POLLRDNORM | SOCK_POLLRDHUP;
	if (ep->state != TCPS_SYN_SENT) {
		if (ep->rq_bytes &&
		    ep->rq_bytes >= (size_t)max_t(int, rcvlowat(ep), 1))
			mask |= SOCK_POLLIN | SOCK_POLLRDNORM;
		if (!(ep->shutdown & SEND_SHUTDOWN)) {
			if (writable(ep))
				mask |= SOCK_POLLOUT | SOCK_POLLWRNORM;
		} else {
			mask |= SOCK_POLLOUT | SOCK_POLLWRNORM;
		}
		if (ep->urg_valid)
			mask |= SOCK_POLLPRI;
	}
	if (ep->err)
		mask |= SOCK_POLLERR;
	pthread_mutex_unlock(&inet_lock);
	return mask;
}

long tcp_ioctl(struct socket *s, struct task *t, unsigned int cmd, uint64_t arg)
{
	struct inet_ep *ep = inet_ep_of(s);
	int n;

	switch (cmd) {
	case SIOCINQ_:
	case SIOCOUTQ_:
	case SIOCOUTQNSD:
	case SIOCATMARK_:
		break;
	default:
		return -SOCK_ENOIOCTLCMD;
	}
	pthread_mutex_lock(&inet_lock);
	if (cmd != SIOCATMARK_ && ep->state == TCPS_LISTEN) {
		pthread_mutex_unlock(&inet_lock);
		return -EINVAL;
	}
	if (cmd == SIOCINQ_) {
		n = (int)ep->rq_bytes;
	} else if (cmd == SIOCATMARK_) {
		n = ep->urg_mark && ep->rcv_seq == ep->urg_seq;
	} else {
		/* What the peer's window has not taken yet. */
		struct inet_ep *p = ep->peer;
		size_t rs = p ? inet_rcvspace(p) : 0;

		n = p && !p->dead && p->rq_bytes > rs ? (int)(p->rq_bytes - rs)
						      : 0;
	}
	pthread_mutex_unlock(&inet_lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* ---- SOL_TCP ------------------------------------------------------------ */

/* TCP_DEFER_ACCEPT's seconds as SYN-ACK retransmissions and back. */
static int secs_to_retrans(int secs)
{
	int timeout = 1, period = 1, res = 0;

	if (secs <= 0)
		return 0;
	res = 1;
	while (secs > period && res < 255) {
		res++;
		timeout <<= 1;
		if (timeout > 120)
			timeout = 120;
		period += timeout;
	}
	return res;
}

static int retrans_to_secs(int retrans)
{
	int timeout = 1, period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return period;
}

/* struct tcp_info as Linux 6.1 has it (232 bytes); the fields we fill. */
struct tcp_info_abi {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale,
	    flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd,
	    advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in,
	    data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};
_Static_assert(sizeof(struct tcp_info_abi) == 232, "tcp_info");

static int mss_of(const struct inet_ep *ep)
{
	bool connected = ep->state != TCPS_CLOSE && ep->state != TCPS_LISTEN &&
			 ep->state != TCPS_SYN_SENT;

	if (!connected)
		return ep->o.maxseg ? ep->o.maxseg : TCP_MSS_DEFAULT;
	if (ep->o.maxseg)
		return ep->o.maxseg - 12;
	return inet_addr_v4(&ep->raddr) ? LO_MSS4 : LO_MSS6;
}

static void fill_info(const struct inet_ep *ep, struct tcp_info_abi *ti)
{
	bool connected = ep->state != TCPS_CLOSE && ep->state != TCPS_LISTEN &&
			 ep->state != TCPS_SYN_SENT;

	memset(ti, 0, sizeof(*ti));
	ti->state = (uint8_t)ep->state;
	ti->rto = connected ? 201000 : 1000000;
	ti->ato = connected ? 40000 : 0;
	ti->snd_mss = (uint32_t)mss_of(ep);
	ti->rcv_mss = connected ? ti->snd_mss : TCP_MSS_DEFAULT;
	ti->pmtu = connected ? 65535 : 0;
	ti->snd_ssthresh = 0x7fffffff;
	ti->snd_cwnd = 10;
	ti->advmss = ti->snd_mss;
	ti->reordering = 3;
	ti->rcv_space = connected ? 65483 : 0;
	ti->bytes_acked = ep->bytes_sent;
	ti->bytes_sent = ep->bytes_sent;
	ti->bytes_received = ep->bytes_received;
	if (connected && ep->peer) {
		size_t rs = inet_rcvspace(ep->peer);

		ti->notsent_bytes = ep->peer->rq_bytes > rs
					? (uint32_t)(ep->peer->rq_bytes - rs)
					: 0;
		ti->snd_wnd = (uint32_t)rs;
	}
}

int tcp_getsockopt(struct socket *s, int name, void *val, int *len)
{
	struct inet_ep *ep = inet_ep_of(s);
	struct inet_opts *o = &ep->o;
	int v, err = 0;

	pthread_mutex_lock(&inet_lock);
	switch (name) {
	case TCP_NODELAY:
		v = o->nodelay;
		break;
	case TCP_MAXSEG:
		v = mss_of(ep);
		break;
	case TCP_CORK:
		v = o->cork;
		break;
	case TCP_KEEPIDLE:
		v = o->keepidle;
		break;
	case TCP_KEEPINTVL:
		v = o->keepintvl;
		break;
	case TCP_KEEPCNT:
		v = o->keepcnt;
		break;
	case TCP_SYNCNT:
		v = o->syncnt;
		break;
	case TCP_LINGER2:
		v = o->linger2 ? o->linger2 : 60;
		break;
	case TCP_DEFER_ACCEPT:
		v = retrans_to_secs(o->defer_accept);
		break;
	case TCP_WINDOW_CLAMP:
		v = o->window_clamp;
		break;
	case TCP_QUICKACK:
		v = o->quickack;
		break;
	case TCP_USER_TIMEOUT:
		v = o->user_timeout;
		break;
	case TCP_FASTOPEN:
		v = o->fastopen;
		break;
	case TCP_NOTSENT_LOWAT:
		v = o->notsent_lowat;
		break;
	case TCP_FASTOPEN_CONNECT:
		v = o->fastopen_connect;
		break;
	case TCP_CONGESTION:
		*len = min_t(int, *len, 16);
		memset(val, 0, 16);
		memcpy(val, o->cong, strlen(o->cong));
		goto out;
	case TCP_INFO: {
		struct tcp_info_abi ti;

		fill_info(ep, &ti);
		*len = min_t(int, *len, (int)sizeof(ti));
		memcpy(val, &ti, sizeof(ti));
		goto out;
	}
	default:
		err = -ENOPROTOOPT;
		goto out;
	}
	memcpy(val, &v, sizeof(v));
	*len = (int)sizeof(v);
out:
	pthread_mutex_unlock(&inet_lock);
	return err;
}

int tcp_setsockopt(struct socket *s, struct task *t, int name, const void *val,
		   int len)
{
	struct inet_ep *ep = inet_ep_of(s);
	struct inet_opts *o = &ep->o;
	int v, err = 0;

	(void)t;
	if (name == TCP_CONGESTION) {
		char cc[17] = {0};

		if (len < 1)
			return -EINVAL;
		memcpy(cc, val, (size_t)min_t(int, len, 16));
		if (strcmp(cc, "cubic") && strcmp(cc, "reno"))
			return -ENOENT;
		pthread_mutex_lock(&inet_lock);
		strcpy(o->cong, cc);
		pthread_mutex_unlock(&inet_lock);
		return 0;
	}
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	pthread_mutex_lock(&inet_lock);
	switch (name) {
	case TCP_NODELAY:
		o->nodelay = v != 0;
		break;
	case TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS || v > MAX_TCP_WINDOW))
			err = -EINVAL;
		else
			o->maxseg = v;
		break;
	case TCP_CORK:
		o->cork = v != 0;
		break;
	case TCP_KEEPIDLE:
		if (v < 1 || v > 32767)
			err = -EINVAL;
		else
			o->keepidle = v;
		break;
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			err = -EINVAL;
		else
			o->keepintvl = v;
		break;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			err = -EINVAL;
		else
			o->keepcnt = v;
		break;
	case TCP_SYNCNT:
		if (v < 1 || v > 127)
			err = -EINVAL;
		else
			o->syncnt = v;
		break;
	case TCP_LINGER2:
		o->linger2 = v < 0 ? -1 : min_t(int, v, 120);
		break;
	case TCP_DEFER_ACCEPT:
		o->defer_accept = secs_to_retrans(v);
		break;
	case TCP_WINDOW_CLAMP:
		if (!v) {
			if (ep->state != TCPS_CLOSE)
				err = -EINVAL;
			else
				o->window_clamp = 0;
		} else {
			o->window_clamp = max_t(int, v, SOCK_MIN_RCVBUF / 2);
		}
		break;
	case TCP_QUICKACK:
		o->quickack = v != 0;
		break;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			err = -EINVAL;
		else
			o->user_timeout = v;
		break;
	case TCP_FASTOPEN:
		if (v >= 0 &&
		    (ep->state == TCPS_CLOSE || ep->state == TCPS_LISTEN))
			o->fastopen = v;
		else
			err = -EINVAL;
		break;
	case TCP_NOTSENT_LOWAT:
		o->notsent_lowat = v;
		inet_wake(ep);
		break;
	case TCP_FASTOPEN_CONNECT:
		if (v > 1 || v < 0)
			err = -EINVAL;
		else if (ep->state == TCPS_CLOSE)
			o->fastopen_connect = v;
		else
			err = -EINVAL;
		break;
	default:
		err = -ENOPROTOOPT;
		break;
	}
	pthread_mutex_unlock(&inet_lock);
	return err;
}
