// SPDX-License-Identifier: Apache-2.0
/*
 * AF_UNIX sockets (net/unix/af_unix.c): stream, datagram and sequenced
 * packet; pairs, names in the filesystem (a socket inode made by bind, found
 * again by its device and inode number) and in the abstract namespace
 * (a leading NUL; autobind picks "\0XXXXX"); listen, connect and accept;
 * files in flight (SCM_RIGHTS) and credentials (SCM_CREDENTIALS).
 *
 * Every endpoint's state is under one lock, unix_lock; each endpoint has
 * its own condition, broadcast when its queue, its room or its connection
 * changes. An endpoint (struct unix_ep) outlives its file while messages,
 * peers or a listener's queue refer to it.
 *
 * A stream reads across messages (stopping after one that carried files,
 * or, with SO_PASSCRED, before one from other credentials); datagrams and
 * sequenced packets are read one message at a time, a short read cutting
 * the message (MSG_TRUNC). A stream connection is made at connect: the
 * server's end waits on the listener's queue (at most backlog + 1 of them)
 * until accept gives it a file; closing an end with unread data, or a
 * listener with connections not yet accepted, resets the other end
 * (ECONNRESET once, then end of file).
 *
 * Files in flight count against their sender's user (RLIMIT_NOFILE,
 * ETOOMANYREFS) until received or dropped. Sockets that only their own
 * kind's queues still hold (a socket sent into its own queue, closed) are
 * collected when a unix socket closes (unix_gc_locked).
 *
 * Deviations: each queued message costs its length plus UNIX_MSG_COST
 * against the sender's SO_SNDBUF, where Linux charges the buffers' true
 * size (so how many bytes fit before a send waits differs); MSG_OOB is
 * EOPNOTSUPP on streams too; SO_PEEK_OFF is not supported. A socket
 * connected to a host socket file (host_connect) passes no files to the
 * host, gets no credentials or names from it, and cannot bind or connect
 * again.
 *
 * Snapshots (unix_snap_*) save sockets with their names (a file name as
 * the filesystem's reference to the socket file, found again on
 * restore), queues with the files in flight, peers (closed ones too),
 * listeners' connections not yet accepted and options; a host
 * connection is refused by name (but with --tcp-close). A restored
 * socket gets a new
 * inode number. A bound name keeps the path of its socket file, as
 * Linux's unix_sock does.
 */
#include "sentry/net/unix.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"
#include "sentry/state/codec.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* What a message costs beyond its bytes, for SO_SNDBUF's accounting. */
#define UNIX_MSG_COST 512
/* net.unix.max_dgram_qlen's default: a datagram queue's backlog. */
#define UNIX_DGRAM_QLEN 10
/* offsetof(struct sockaddr_un, sun_path) and sizeof(struct sockaddr_un) */
#define SUN_PATH_OFF 2
#define SUN_LEN_MAX  110

#define SIOCOUTQ 0x5411
#define SIOCINQ	 0x541B

enum {
	UNIX_CLOSE,
	UNIX_LISTEN,
	UNIX_CONNECTED
};

struct unix_addr {
	int refs;
	int len; /* of sa: the sockaddr_un as getsockname gives it */
	uint8_t sa[SUN_LEN_MAX + 1];
	bool abstract;
	uint64_t dev, ino;	/* a filesystem name: the socket inode */
	struct vfs_path path;	/* and its path (a reference; mnt NULL: none) */
	struct unix_ep *owner;	/* bound to it; NULL once unbound */
	uint32_t snap_id;	/* a checkpoint's number for it (unix_lock) */
	struct unix_addr *next; /* the table of names */
};

struct unix_ep;

struct unix_msg {
	struct unix_msg *next;
	size_t len, off; /* off: bytes a stream read took already */
	size_t cost;
	struct unix_ep *from;  /* charged for it (a reference) */
	struct unix_addr *src; /* the sender's name (a reference) or NULL */
	struct sock_cred cred;
	int nfds;
	struct file **fds;
	uint32_t uid; /* whose files in flight they count as */
	bool counted; /* in inflight_users */
	uint8_t data[];
};

struct unix_sock;

struct unix_ep {
	int refs;
	int type;
	int state;
	bool dead;   /* its file was closed */
	bool embryo; /* a connection on a listener's queue */
	pthread_cond_t cond;
	struct unix_sock *sock; /* the file; NULL for an embryo or when dead */
	struct unix_ep *peer;	/* a reference */
	struct unix_addr *addr; /* a reference; NULL: unnamed */
	struct unix_msg *head, **tail; /* what others sent us */
	size_t queued;		       /* unread bytes in the queue */
	int qlen;		       /* messages in it */
	size_t wmem;		       /* charge of our messages not yet read */
	size_t wbytes;		       /* their unread bytes (SIOCOUTQ) */
	int shutdown;
	int err; /* sk_err: reported once */
	/* SO_PEERCRED: the peer's credentials when the connection was made. */
	bool has_peercred;
	struct sock_cred peercred;
	/* listening: connections not yet accepted, oldest first. */
	struct unix_ep *acc_head, **acc_tail, *acc_next;
	int nacc, backlog;
	uint32_t snap_id; /* a checkpoint's number for it (unix_lock) */
	bool snap_reset;  /* a host connection it saves as reset */
};

struct unix_sock {
	struct socket s;
	struct unix_ep *ep;
	/*
	 * Connected to a socket file of the host (unix_host_ops): the host
	 * socket, and the name connect was given (getpeername's); else -1.
	 */
	int host_fd;
	struct unix_addr *host_peer;
	/* Every unix socket file, for the collector (under unix_lock). */
	struct unix_sock *all_next, **all_pprev;
	long inflight; /* times this file is in some queue */
	long gc_ext;   /* collector: references from outside candidates */
	bool gc_cand, gc_alive, gc_scanned;
};

static struct unix_sock *unix_all;
static long unix_socks_inflight; /* sum of every inflight */

static pthread_mutex_t unix_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Files in flight per user (Linux's user->unix_inflight), under unix_lock:
 * a sender with more than RLIMIT_NOFILE of them in flight, and neither
 * CAP_SYS_RESOURCE nor CAP_SYS_ADMIN, may not send more (ETOOMANYREFS).
 */
struct inflight_user {
	uint32_t uid;
	long n;
	struct inflight_user *next;
};
static struct inflight_user *inflight_users;

static struct inflight_user *inflight_of(uint32_t uid, bool create)
{
	struct inflight_user *u;

	for (u = inflight_users; u; u = u->next)
		if (u->uid == uid)
			return u;
	if (!create || !(u = calloc(1, sizeof(*u))))
		return NULL;
	u->uid = uid;
	u->next = inflight_users;
	inflight_users = u;
	return u;
}
static struct unix_addr *unix_names; /* bound names, under unix_lock */
static unsigned unix_autobind_next;

static const struct sock_ops unix_ops, unix_host_ops;

static struct unix_sock *unix_sock_of(struct file *f)
{
	const struct sock_ops *ops;

	if (!sock_is(f))
		return NULL;
	ops = __atomic_load_n(&sock_of(f)->ops, __ATOMIC_ACQUIRE);
	if (ops != &unix_ops && ops != &unix_host_ops)
		return NULL;
	return container_of(sock_of(f), struct unix_sock, s);
}

static struct unix_ep *ep_of(struct socket *s)
{
	return container_of(s, struct unix_sock, s)->ep;
}

static void ep_wake(struct unix_ep *ep)
{
	pthread_cond_broadcast(&ep->cond);
	poll_notify();
}

static int ep_sndbuf(const struct unix_ep *ep)
{
	if (!ep->sock)
		return SOCK_BUF_DEFAULT;
	return __atomic_load_n(&ep->sock->s.sndbuf, __ATOMIC_RELAXED);
}

static bool ep_passcred(const struct unix_ep *ep)
{
	return ep->sock &&
	       __atomic_load_n(&ep->sock->s.passcred, __ATOMIC_RELAXED);
}

static int64_t ep_timeo(const struct unix_ep *ep, bool rcv)
{
	if (!ep->sock)
		return 0;
	return rcv ? __atomic_load_n(&ep->sock->s.rcvtimeo_ns, __ATOMIC_RELAXED)
		   : __atomic_load_n(&ep->sock->s.sndtimeo_ns,
				     __ATOMIC_RELAXED);
}

static struct unix_ep *ep_new(int type)
{
	struct unix_ep *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return NULL;
	ep->refs = 1;
	ep->type = type;
	pthread_cond_init(&ep->cond, NULL);
	ep->tail = &ep->head;
	ep->acc_tail = &ep->acc_head;
	return ep;
}

static void ep_get(struct unix_ep *ep)
{
	ep->refs++;
}

static void addr_put(struct unix_addr *a)
{
	if (a && --a->refs == 0) {
		if (a->path.mnt)
			vfs_path_put(&a->path);
		free(a);
	}
}

/* ---- messages ----------------------------------------------------------- */

/* Freed outside unix_lock: a file in flight may be a socket of ours. */
struct unix_garbage {
	struct unix_msg *msgs;
};

static void ep_put_locked(struct unix_ep *ep, struct unix_garbage *g);

static struct unix_sock *unix_sock_of(struct file *f);

/* Unix socket files among m's: their inflight counts move by d. */
static void count_socks(struct unix_msg *m, int d)
{
	for (int i = 0; i < m->nfds; i++) {
		struct unix_sock *us = unix_sock_of(m->fds[i]);

		if (us) {
			us->inflight += d;
			unix_socks_inflight += d;
		}
	}
}

/* m's files leave flight: received, or dropped with m. */
static void uncount(struct unix_msg *m)
{
	struct inflight_user *u;

	if (!m->counted)
		return;
	m->counted = false;
	count_socks(m, -1);
	u = inflight_of(m->uid, false);
	if (u)
		u->n -= m->nfds;
}

static void msg_discard(struct unix_msg *m, struct unix_garbage *g)
{
	uncount(m);
	m->next = g->msgs;
	g->msgs = m;
}

static void garbage_free(struct unix_garbage *g)
{
	while (g->msgs) {
		struct unix_msg *m = g->msgs;

		g->msgs = m->next;
		for (int i = 0; i < m->nfds; i++)
			file_put(m->fds[i]);
		free(m->fds);
		free(m);
	}
}

/*
 * Take the first message off ep's queue: its sender is refunded and woken.
 * The message's references to its sender and name go here (lock held).
 */
static struct unix_msg *dequeue(struct unix_ep *ep, struct unix_garbage *g)
{
	struct unix_msg *m = ep->head;

	ep->head = m->next;
	if (!ep->head)
		ep->tail = &ep->head;
	ep->queued -= m->len - m->off;
	ep->qlen--;
	m->from->wmem -= m->cost;
	m->from->wbytes -= m->len - m->off;
	ep_wake(m->from);
	ep_wake(ep);
	ep_put_locked(m->from, g);
	m->from = NULL;
	addr_put(m->src);
	m->src = NULL;
	return m;
}

static void purge(struct unix_ep *ep, struct unix_garbage *g)
{
	while (ep->head)
		msg_discard(dequeue(ep, g), g);
}

static void enqueue(struct unix_ep *from, struct unix_ep *to,
		    struct unix_msg *m)
{
	m->from = from;
	ep_get(from);
	m->src = from->addr;
	if (m->src)
		m->src->refs++;
	m->cost = m->len + UNIX_MSG_COST;
	from->wmem += m->cost;
	from->wbytes += m->len;
	*to->tail = m;
	to->tail = &m->next;
	to->queued += m->len;
	to->qlen++;
	if (to->sock) {
		pthread_mutex_lock(&to->sock->s.lock);
		vfs_now(&to->sock->s.time);
		pthread_mutex_unlock(&to->sock->s.lock);
	}
	ep_wake(to);
}

/* A message of len bytes from the iterator: NULL with *err set. */
static struct unix_msg *msg_new(struct task *t, struct sock_iter *it,
				size_t len, const struct sock_cred *cred,
				int *err)
{
	struct unix_msg *m = malloc(sizeof(*m) + len);

	if (!m) {
		*err = -ENOBUFS;
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->len = len;
	m->cred = *cred;
	*err = sock_iter_copy(t, it, m->data, len, false);
	if (*err) {
		free(m);
		return NULL;
	}
	return m;
}

static void attach_fds(struct unix_msg *m, struct sock_msg *sm, struct task *t)
{
	struct inflight_user *u;

	if (!sm->nfds)
		return;
	m->fds = sm->fds;
	m->nfds = sm->nfds;
	m->uid = t->creds.ruid;
	count_socks(m, 1);
	u = inflight_of(m->uid, true);
	if (u) {
		u->n += m->nfds;
		m->counted = true;
	}
	sm->fds = NULL;
	sm->nfds = 0;
}

/* ---- endpoints' lifetime ------------------------------------------------ */

static void unbind_locked(struct unix_ep *ep)
{
	struct unix_addr **pp;

	if (!ep->addr || ep->addr->owner != ep)
		return;
	for (pp = &unix_names; *pp; pp = &(*pp)->next)
		if (*pp == ep->addr) {
			*pp = ep->addr->next;
			break;
		}
	ep->addr->owner = NULL;
	ep->addr->refs--; /* the table's */
}

/* Close ep (its file went, or it is an embryo nobody will accept). */
static void ep_close_locked(struct unix_ep *ep, bool embryo,
			    struct unix_garbage *g)
{
	struct unix_ep *peer = ep->peer;
	bool unread = ep->head != NULL;

	ep->dead = true;
	ep->sock = NULL;
	ep->shutdown = SHUTDOWN_MASK;
	unbind_locked(ep);
	purge(ep, g);
	/* Connections the listener never accepted go with it. */
	while (ep->acc_head) {
		struct unix_ep *e = ep->acc_head;

		ep->acc_head = e->acc_next;
		ep->nacc--;
		ep_close_locked(e, true, g);
		ep_put_locked(e, g);
	}
	ep->acc_tail = &ep->acc_head;
	if (peer) {
		if (ep->type != SOCK_DGRAM) {
			peer->shutdown = SHUTDOWN_MASK;
			if (unread || embryo)
				peer->err = ECONNRESET;
		}
		ep_wake(peer);
		ep->peer = NULL;
		ep_put_locked(peer, g);
	}
	ep_wake(ep);
}

static void ep_put_locked(struct unix_ep *ep, struct unix_garbage *g)
{
	if (--ep->refs)
		return;
	purge(ep, g);
	addr_put(ep->addr);
	pthread_cond_destroy(&ep->cond);
	free(ep);
}

/* ---- names -------------------------------------------------------------- */

/*
 * A sockaddr_un's checks (unix_validate_addr): family AF_UNIX and a length
 * past sun_family, at most sizeof(struct sockaddr_un).
 */
static int validate_addr(const uint8_t *sa, int len)
{
	uint16_t family;

	if (len <= SUN_PATH_OFF || len > SUN_LEN_MAX)
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	return family == SOCK_AF_UNIX ? 0 : -EINVAL;
}

/* The path of a filesystem name, cut at its first NUL. */
static void addr_path(const uint8_t *sa, int len, char *path)
{
	size_t n = (size_t)(len - SUN_PATH_OFF);

	memcpy(path, sa + SUN_PATH_OFF, n);
	path[n] = '\0';
}

/*
 * The socket inode at path: its device and number, or -errno; with host,
 * also the inode itself when its filesystem can connect to host sockets
 * (a reference), else NULL.
 */
static int path_inode(struct task *t, const char *path, bool follow,
		      bool need_write, uint64_t *dev, uint64_t *ino,
		      struct vfs_inode **host, struct vfs_path *keep)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	struct vfs_inode *inode;
	int err;

	err = task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start);
	if (err)
		return err;
	err = vfs_lookup(&ctx, &start, path, follow ? LOOKUP_FOLLOW : 0, &p);
	task_path_end(&ctx, &start);
	if (err)
		return err;
	inode = p.dentry->inode;
	if (need_write)
		err = vfs_permission(inode, ABI_W_OK, &t->creds);
	if (!err && (inode->mode & ABI_S_IFMT) != ABI_S_IFSOCK)
		err = -ECONNREFUSED;
	*dev = inode->sb->dev;
	*ino = inode->ino;
	if (host)
		*host =
		    !err && inode->ops->connect ? vfs_inode_get(inode) : NULL;
	if (keep && !err)
		*keep = p; /* the caller's reference now */
	else
		vfs_path_put(&p);
	return err;
}

static struct unix_addr *find_name_locked(const uint8_t *sa, int len,
					  uint64_t dev, uint64_t ino)
{
	bool abstract = sa[SUN_PATH_OFF] == 0;

	for (struct unix_addr *a = unix_names; a; a = a->next) {
		if (a->abstract != abstract)
			continue;
		if (abstract ? (a->len == len && !memcmp(a->sa, sa, len))
			     : (a->dev == dev && a->ino == ino))
			return a;
	}
	return NULL;
}

/*
 * The endpoint bound to the name sa (checked by validate_addr) for a
 * socket of type: a reference, with unix_lock held on success. Errors as
 * Linux's unix_find_other: the path walk's, EACCES, ECONNREFUSED (not a
 * socket, nobody bound), EPROTOTYPE. With host: a socket file that no
 * sandbox socket bound, of a filesystem that can connect to the host's,
 * is 1 and *host its inode (a reference; unix_lock not held).
 */
static int find_other(struct task *t, const uint8_t *sa, int len, int type,
		      struct unix_ep **out, struct vfs_inode **host)
{
	struct vfs_inode *inode = NULL;
	uint64_t dev = 0, ino = 0;
	struct unix_addr *a;

	if (sa[SUN_PATH_OFF]) {
		char path[SUN_LEN_MAX];
		int err;

		addr_path(sa, len, path);
		err = path_inode(t, path, true, true, &dev, &ino,
				 host ? &inode : NULL, NULL);
		if (err)
			return err;
	}
	pthread_mutex_lock(&unix_lock);
	a = find_name_locked(sa, len, dev, ino);
	if (!a || !a->owner || a->owner->dead) {
		pthread_mutex_unlock(&unix_lock);
		if (inode && (!a || !a->owner)) {
			*host = inode;
			return 1;
		}
		if (inode)
			vfs_inode_put(inode);
		return -ECONNREFUSED;
	}
	if (inode)
		vfs_inode_put(inode);
	if (a->owner->type != type) {
		pthread_mutex_unlock(&unix_lock);
		return -EPROTOTYPE;
	}
	*out = a->owner;
	ep_get(*out);
	return 0;
}

static struct unix_addr *addr_new(const uint8_t *sa, int len)
{
	struct unix_addr *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->refs = 1;
	a->len = len;
	memcpy(a->sa, sa, (size_t)len);
	a->abstract = sa[SUN_PATH_OFF] == 0;
	return a;
}

/* Give ep the name a (bound in the table): both references taken. */
static void bind_locked(struct unix_ep *ep, struct unix_addr *a)
{
	a->owner = ep;
	a->next = unix_names;
	unix_names = a;
	a->refs++; /* the table's; ep keeps the creator's */
	ep->addr = a;
}

/* An abstract name "\0XXXXX" of five hex digits nobody has (unix_autobind). */
static int autobind_locked(struct unix_ep *ep)
{
	uint8_t sa[SUN_PATH_OFF + 6] = {SOCK_AF_UNIX, 0, 0};

	if (ep->addr)
		return 0;
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		char hex[6];
		struct unix_addr *a;

		snprintf(hex, sizeof(hex), "%05x",
			 unix_autobind_next++ & 0xfffff);
		memcpy(sa + SUN_PATH_OFF + 1, hex, 5);
		if (find_name_locked(sa, sizeof(sa), 0, 0))
			continue;
		a = addr_new(sa, sizeof(sa));
		if (!a)
			return -ENOMEM;
		bind_locked(ep, a);
		return 0;
	}
	return -ENOSPC;
}

static int unix_bind(struct socket *s, struct task *t, const uint8_t *sa,
		     int len)
{
	struct unix_ep *ep = ep_of(s);
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, where;
	char path[SUN_LEN_MAX];
	struct unix_addr *a;
	uint64_t dev, ino;
	uint16_t family = 0;
	int err;

	if (len >= 2)
		memcpy(&family, sa, sizeof(family));
	if (len == SUN_PATH_OFF && family == SOCK_AF_UNIX) {
		pthread_mutex_lock(&unix_lock);
		err = autobind_locked(ep);
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	err = validate_addr(sa, len);
	if (err)
		return err;
	if (!sa[SUN_PATH_OFF]) {
		pthread_mutex_lock(&unix_lock);
		if (ep->addr)
			err = -EINVAL;
		else if (find_name_locked(sa, len, 0, 0))
			err = -EADDRINUSE;
		else if (!(a = addr_new(sa, len)))
			err = -ENOMEM;
		else
			bind_locked(ep, a);
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	/* A filesystem name: the node first, as Linux's unix_bind_bsd. */
	addr_path(sa, len, path);
	err = task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start);
	if (err)
		return err;
	err = vfs_mknod(&ctx, &start, path,
			ABI_S_IFSOCK | (0777 & ~t->tg->umask), 0);
	if (err) {
		task_path_end(&ctx, &start);
		return err == -EEXIST ? -EADDRINUSE : err;
	}
	err = path_inode(t, path, false, false, &dev, &ino, NULL, &where);
	if (!err) {
		/* getsockname gives the path and one NUL. */
		a = addr_new(sa, SUN_PATH_OFF + (int)strlen(path) + 1);
		if (!a) {
			vfs_path_put(&where);
			err = -ENOMEM;
		}
	}
	if (!err) {
		a->sa[a->len - 1] = 0;
		a->dev = dev;
		a->ino = ino;
		a->path = where; /* as Linux's unix_sock keeps its path */
		pthread_mutex_lock(&unix_lock);
		if (ep->addr) {
			err = -EINVAL;
			addr_put(a);
		} else {
			bind_locked(ep, a);
		}
		pthread_mutex_unlock(&unix_lock);
	}
	if (err)
		vfs_unlink(&ctx, &start, path, false);
	task_path_end(&ctx, &start);
	return err;
}

/* ---- connections -------------------------------------------------------- */

static void cred_of(struct task *t, struct sock_cred *c)
{
	c->pid = t->tg->tgid;
	c->uid = t->creds.euid;
	c->gid = t->creds.egid;
}

/* SO_PASSCRED on an unnamed socket names it at connect and send. */
static bool want_creds(const struct unix_ep *ep)
{
	return ep_passcred(ep) && !ep->addr;
}

/* ---- host sockets ------------------------------------------------------- */

static void dgram_disconnect_locked(struct unix_ep *ep, struct unix_garbage *g);
static ssize_t unix_sendmsg(struct socket *s, struct task *t,
			    struct sock_msg *sm, int flags);

/*
 * connect to a socket file of the host that no sandbox socket bound, on a
 * mount that allows it (moat run --bind SRC:DST:connect): the filesystem
 * (the gofer) makes a host socket connected to it, and from then on ep's
 * socket is a front for that host socket (unix_host_ops): its data, shutdown
 * and readiness are the host socket's. Takes the inode's reference. A
 * blocking connect to a listener whose backlog is full tries again every
 * 10 ms, as host_wait's slices.
 */
static int host_connect(struct unix_ep *ep, struct task *t,
			struct vfs_inode *inode, const uint8_t *sa, int len,
			bool nonblock)
{
	const struct timespec slice = {0, 10 * 1000 * 1000};
	struct unix_garbage g = {NULL};
	struct unix_sock *us;
	struct unix_addr *a;
	int fd = -1, err;

	pthread_mutex_lock(&unix_lock);
	err = ep->state == UNIX_LISTEN ? -EINVAL : 0;
	if (ep->state == UNIX_CONNECTED && ep->type != SOCK_DGRAM)
		err = -EISCONN;
	pthread_mutex_unlock(&unix_lock);
	while (!err) {
		err = inode->ops->connect(inode, ep->type, &fd);
		if (err != -EAGAIN || nonblock)
			break;
		if (task_interrupted(t)) {
			err = -ERESTARTSYS;
			break;
		}
		nanosleep(&slice, NULL);
		err = 0;
	}
	vfs_inode_put(inode);
	if (err)
		return err;
	a = addr_new(sa, len);
	if (!a) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_lock(&unix_lock);
	us = ep->sock;
	/* Another thread got there first. */
	if (!us || ep->state == UNIX_LISTEN ||
	    (ep->state == UNIX_CONNECTED && ep->type != SOCK_DGRAM)) {
		err = ep->state == UNIX_LISTEN ? -EINVAL : -EISCONN;
		pthread_mutex_unlock(&unix_lock);
		addr_put(a);
		close(fd);
		return err;
	}
	if (ep->type == SOCK_DGRAM)
		dgram_disconnect_locked(ep, &g);
	us->host_fd = fd;
	us->host_peer = a;
	ep->state = UNIX_CONNECTED;
	/* The host decides its readiness: pollers look again each tick. */
	us->s.f.poll_notifies = false;
	__atomic_store_n(&us->s.ops, &unix_host_ops, __ATOMIC_RELEASE);
	ep_wake(ep);
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return 0;
}

static int host_fd_of(struct socket *s)
{
	return container_of(s, struct unix_sock, s)->host_fd;
}

/* Binding or connecting again: not for a front of a host socket. */
static int host_bind(struct socket *s, struct task *t, const uint8_t *sa,
		     int len)
{
	(void)s, (void)t, (void)sa, (void)len;
	return -EINVAL;
}

static int host_reconnect(struct socket *s, struct task *t, const uint8_t *sa,
			  int len)
{
	(void)s, (void)t, (void)sa, (void)len;
	return -EISCONN;
}

/* Linux's answers for a connected socket. */
static int host_listen(struct socket *s, struct task *t, int backlog)
{
	(void)s, (void)t, (void)backlog;
	return -EINVAL;
}

static int host_accept(struct socket *s, struct task *t, uint32_t flags,
		       struct file **out, uint8_t *addr, int *addrlen)
{
	(void)s, (void)t, (void)flags, (void)out, (void)addr, (void)addrlen;
	return -EINVAL;
}

static int host_getname(struct socket *s, uint8_t *sa, int *len, bool peer)
{
	const struct unix_addr *a =
	    container_of(s, struct unix_sock, s)->host_peer;

	if (peer) {
		*len = a->len;
		memcpy(sa, a->sa, (size_t)a->len);
	} else {
		*len = SUN_PATH_OFF;
		sa[0] = SOCK_AF_UNIX;
		sa[1] = 0;
	}
	return 0;
}

/*
 * Files cannot pass to a host process (EOPNOTSUPP); credentials are the
 * host's own (the host kernel attaches the sentry's). A datagram to
 * another name goes the sandbox's way.
 */
static ssize_t host_sendmsg(struct socket *s, struct task *t,
			    struct sock_msg *m, int flags)
{
	if (m->addrlen && s->type == SOCK_DGRAM)
		return unix_sendmsg(s, t, m, flags);
	if (m->fds) {
		for (int i = 0; i < m->nfds; i++)
			file_put(m->fds[i]);
		free(m->fds);
		m->fds = NULL;
		m->nfds = 0;
		return -EOPNOTSUPP;
	}
	if (flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addrlen && s->type == SOCK_STREAM)
		return -EISCONN;
	m->addrlen = 0;
	return hostsock_sendmsg(s, host_fd_of(s), t, m, flags);
}

static ssize_t host_recvmsg(struct socket *s, struct task *t,
			    struct sock_msg *m, int flags)
{
	if (flags & SOCK_MSG_OOB)
		return -EOPNOTSUPP;
	return hostsock_recvmsg(s, host_fd_of(s), t, m, flags, false);
}

static int host_shutdown(struct socket *s, int how)
{
	return hostsock_shutdown(host_fd_of(s), how);
}

static unsigned host_poll(struct socket *s, unsigned events)
{
	return hostsock_poll(host_fd_of(s), events);
}

static long host_ioctl(struct socket *s, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return -SOCK_ENOIOCTLCMD;
	return hostsock_ioctl(host_fd_of(s), t, cmd, arg);
}

static int stream_connect(struct unix_ep *ep, struct task *t, const uint8_t *sa,
			  int len, bool nonblock)
{
	struct unix_ep *other = NULL, *embryo;
	struct unix_garbage g = {NULL};
	struct vfs_inode *host;
	struct timespec deadline;
	bool started = false;
	int err;

	err = validate_addr(sa, len);
	if (err)
		return err;
	embryo = ep_new(ep->type);
	if (!embryo)
		return -ENOMEM;
	err = find_other(t, sa, len, ep->type, &other, &host);
	if (err == 1) {
		pthread_mutex_lock(&unix_lock);
		ep_put_locked(embryo, &g);
		pthread_mutex_unlock(&unix_lock);
		garbage_free(&g);
		return host_connect(ep, t, host, sa, len, nonblock);
	}
	if (err) {
		pthread_mutex_lock(&unix_lock);
		goto out;
	}
	for (;;) {
		if (other->dead || other->state != UNIX_LISTEN ||
		    (other->shutdown & RCV_SHUTDOWN)) {
			err = -ECONNREFUSED;
			goto out;
		}
		if (other->nacc <= other->backlog) {
			if (ep->state == UNIX_CONNECTED)
				err = -EISCONN;
			else if (ep->state == UNIX_LISTEN)
				err = -EINVAL;
			if (err)
				goto out;
			break;
		}
		if (nonblock) {
			err = -EAGAIN;
			goto out;
		}
		err = sock_wait(t, &unix_lock, &other->cond,
				ep_timeo(ep, false), &deadline, &started);
		if (err)
			goto out;
	}
	if (want_creds(ep)) {
		err = autobind_locked(ep);
		if (err)
			goto out;
	}
	/* The server's end: the listener's name, our credentials. */
	embryo->embryo = true;
	embryo->state = UNIX_CONNECTED;
	embryo->peer = ep;
	ep_get(ep);
	embryo->addr = other->addr;
	if (embryo->addr)
		embryo->addr->refs++;
	embryo->has_peercred = true;
	cred_of(t, &embryo->peercred);
	ep->state = UNIX_CONNECTED;
	ep->peer = embryo;
	ep_get(embryo);
	ep->has_peercred = other->has_peercred;
	ep->peercred = other->peercred;
	/* The listener's queue takes our reference to the embryo. */
	*other->acc_tail = embryo;
	other->acc_tail = &embryo->acc_next;
	other->nacc++;
	embryo = NULL;
	ep_wake(other);
	ep_wake(ep);
out:
	if (other)
		ep_put_locked(other, &g);
	if (embryo)
		ep_put_locked(embryo, &g);
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return err;
}

/*
 * A datagram socket leaves its peer (unix_dgram_disconnected): what it had
 * not read goes, and a peer connected back to it that is still open learns
 * of the loss (ECONNRESET).
 */
static void dgram_disconnect_locked(struct unix_ep *ep, struct unix_garbage *g)
{
	struct unix_ep *old = ep->peer;

	if (!old)
		return;
	ep->peer = NULL;
	if (ep->head) {
		purge(ep, g);
		if (!old->dead && old->peer == ep) {
			old->err = ECONNRESET;
			ep_wake(old);
		}
	}
	ep_wake(ep);
	ep_put_locked(old, g);
}

static int dgram_connect(struct unix_ep *ep, struct task *t, const uint8_t *sa,
			 int len)
{
	struct unix_garbage g = {NULL};
	struct unix_ep *other = NULL;
	struct vfs_inode *host;
	uint16_t family;
	int err;

	if (len < 2)
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	if (family == SOCK_AF_UNSPEC) {
		pthread_mutex_lock(&unix_lock);
		dgram_disconnect_locked(ep, &g);
		ep->state = UNIX_CLOSE;
		pthread_mutex_unlock(&unix_lock);
		garbage_free(&g);
		return 0;
	}
	err = validate_addr(sa, len);
	if (err)
		return err;
	err = find_other(t, sa, len, ep->type, &other, &host);
	if (err == 1)
		return host_connect(ep, t, host, sa, len, false);
	if (err)
		return err;
	if (want_creds(ep)) {
		err = autobind_locked(ep);
		if (err)
			goto out;
	}
	if (ep->peer != other) {
		dgram_disconnect_locked(ep, &g);
		ep->peer = other;
		ep_get(other);
	}
	ep->state = UNIX_CONNECTED;
	ep_wake(ep);
out:
	ep_put_locked(other, &g);
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return err;
}

static int unix_connect(struct socket *s, struct task *t, const uint8_t *sa,
			int len)
{
	struct unix_ep *ep = ep_of(s);

	if (s->type == SOCK_DGRAM)
		return dgram_connect(ep, t, sa, len);
	return stream_connect(ep, t, sa, len, sock_nonblock(s, 0));
}

static int unix_listen(struct socket *s, struct task *t, int backlog)
{
	struct unix_ep *ep = ep_of(s);
	int err = 0;

	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	if (!ep->addr)
		err = -EINVAL;
	else if (ep->state != UNIX_CLOSE && ep->state != UNIX_LISTEN)
		err = -EINVAL;
	else {
		ep->backlog = backlog;
		ep->state = UNIX_LISTEN;
		ep->shutdown = 0;
		ep->has_peercred = true;
		cred_of(t, &ep->peercred);
		ep_wake(ep);
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

static struct file *sock_file_for(struct task *t, struct unix_ep *ep,
				  uint32_t flags);

static int unix_accept(struct socket *s, struct task *t, uint32_t flags,
		       struct file **out, uint8_t *sa, int *len)
{
	struct unix_ep *ep = ep_of(s), *e;
	struct unix_garbage g = {NULL};
	struct timespec deadline;
	bool started = false;
	struct file *f;
	int err = 0;

	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	for (;;) {
		if (ep->state != UNIX_LISTEN) {
			err = -EINVAL;
			goto unlock;
		}
		if (ep->acc_head)
			break;
		if (sock_nonblock(s, 0)) {
			err = -EAGAIN;
			goto unlock;
		}
		err = sock_wait(t, &unix_lock, &ep->cond, ep_timeo(ep, true),
				&deadline, &started);
		if (err)
			goto unlock;
	}
	e = ep->acc_head;
	ep->acc_head = e->acc_next;
	if (!ep->acc_head)
		ep->acc_tail = &ep->acc_head;
	e->acc_next = NULL;
	ep->nacc--;
	e->embryo = false;
	ep_wake(ep); /* room for a connect */
	f = sock_file_for(t, e, flags);
	if (!f) {
		ep_close_locked(e, true, &g);
		ep_put_locked(e, &g);
		err = -ENOMEM;
		goto unlock;
	}
	/* The file took the queue's reference. */
	if (e->peer && e->peer->addr) {
		*len = e->peer->addr->len;
		memcpy(sa, e->peer->addr->sa, (size_t)*len);
	} else {
		*len = SUN_PATH_OFF;
		sa[0] = SOCK_AF_UNIX;
		sa[1] = 0;
	}
	*out = f;
unlock:
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return err;
}

static int unix_getname(struct socket *s, uint8_t *sa, int *len, bool peer)
{
	struct unix_ep *ep = ep_of(s);
	struct unix_addr *a;

	pthread_mutex_lock(&unix_lock);
	if (peer) {
		if (!ep->peer ||
		    (s->type != SOCK_DGRAM && ep->state != UNIX_CONNECTED)) {
			pthread_mutex_unlock(&unix_lock);
			return -ENOTCONN;
		}
		a = ep->peer->addr;
	} else {
		a = ep->addr;
	}
	if (a) {
		*len = a->len;
		memcpy(sa, a->sa, (size_t)a->len);
	} else {
		*len = SUN_PATH_OFF;
		sa[0] = SOCK_AF_UNIX;
		sa[1] = 0;
	}
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

static ssize_t stream_send(struct unix_ep *ep, struct task *t,
			   struct sock_iter *it, struct sock_msg *sm,
			   bool nonblock, const struct sock_cred *cred,
			   bool *pipe)
{
	struct unix_ep *peer = ep->peer;
	uint64_t total = sock_iter_left(it);
	struct timespec deadline;
	bool started = false;
	ssize_t sent = 0;
	int err = 0;

	if (!peer || ep->state != UNIX_CONNECTED)
		return -ENOTCONN;
	if (ep->shutdown & SEND_SHUTDOWN) {
		*pipe = true;
		return -EPIPE;
	}
	while ((uint64_t)sent < total) {
		struct unix_msg *m;
		size_t chunk;
		int sndbuf;

		for (;;) {
			if (ep->err) {
				err = -ep->err;
				ep->err = 0;
				goto out;
			}
			if (ep->shutdown & SEND_SHUTDOWN) {
				*pipe = !sent;
				err = -EPIPE;
				goto out;
			}
			sndbuf = ep_sndbuf(ep);
			if (ep->wmem < (size_t)sndbuf || peer->dead ||
			    (peer->shutdown & RCV_SHUTDOWN))
				break;
			err = nonblock ? -EAGAIN
				       : sock_wait(t, &unix_lock, &ep->cond,
						   ep_timeo(ep, false),
						   &deadline, &started);
			if (err)
				goto out;
		}
		if (peer->dead || (peer->shutdown & RCV_SHUTDOWN)) {
			*pipe = !sent;
			err = -EPIPE;
			goto out;
		}
		chunk = min_t(uint64_t, total - (uint64_t)sent,
			      (uint64_t)sndbuf / 2 - 64);
		m = msg_new(t, it, chunk, cred, &err);
		if (!m)
			goto out;
		attach_fds(m, sm, t); /* the first message carries them */
		enqueue(ep, peer, m);
		sent += (ssize_t)chunk;
	}
out:
	return sent ? sent : err;
}

/*
 * A datagram or sequenced packet to other (NULL: the peer), lock held.
 * *named: other came from a name, so a dead one is looked up again.
 */
static ssize_t dgram_send(struct unix_ep *ep, struct task *t,
			  struct sock_iter *it, struct sock_msg *sm,
			  struct unix_ep *other, bool nonblock,
			  const struct sock_cred *cred, struct unix_garbage *g)
{
	uint64_t len = sock_iter_left(it);
	struct timespec deadline;
	bool started = false;
	struct unix_msg *m;
	int err;

	for (;;) {
		struct unix_ep *to = other ? other : ep->peer;

		if (!to)
			return ep->type == SOCK_SEQPACKET ? -EPIPE : -ENOTCONN;
		if (len > (uint64_t)ep_sndbuf(ep) - 32)
			return -EMSGSIZE;
		if (ep->err) {
			err = -ep->err;
			ep->err = 0;
			return err;
		}
		if (ep->shutdown & SEND_SHUTDOWN)
			return -EPIPE;
		if (to->peer && to->peer != ep && ep->type == SOCK_DGRAM)
			return -EPERM;
		if (to->dead) {
			if (ep->type == SOCK_SEQPACKET)
				return -EPIPE;
			if (ep->peer == to) {
				/* A datagram socket forgets its dead peer:
				 * refused, then not connected. */
				dgram_disconnect_locked(ep, g);
				ep->state = UNIX_CLOSE;
			}
			return -ECONNREFUSED;
		}
		if (to->shutdown & RCV_SHUTDOWN)
			return -EPIPE;
		if (ep->wmem < (size_t)ep_sndbuf(ep) &&
		    (to->peer == ep || to->qlen <= UNIX_DGRAM_QLEN)) {
			m = msg_new(t, it, len, cred, &err);
			if (!m)
				return err;
			attach_fds(m, sm, t);
			enqueue(ep, to, m);
			return (ssize_t)len;
		}
		if (nonblock)
			return -EAGAIN;
		/* Room in our buffer, or in the receiver's queue. */
		err = sock_wait(t, &unix_lock,
				ep->wmem < (size_t)ep_sndbuf(ep) ? &to->cond
								 : &ep->cond,
				ep_timeo(ep, false), &deadline, &started);
		if (err)
			return err;
	}
}

static ssize_t unix_sendmsg(struct socket *s, struct task *t,
			    struct sock_msg *sm, int flags)
{
	struct unix_ep *ep = ep_of(s), *other = NULL;
	struct unix_garbage g = {NULL};
	bool nonblock = sock_nonblock(s, flags);
	struct sock_iter it;
	struct sock_cred cred;
	bool pipe = false;
	ssize_t ret;

	sock_iter_init(&it, sm->iov, sm->iovcnt);
	if (sm->has_cred)
		cred = sm->cred;
	else
		cred_of(t, &cred);
	if (flags & SOCK_MSG_OOB) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (sm->nfds) {
		struct inflight_user *u;
		bool over;

		pthread_mutex_lock(&unix_lock);
		u = inflight_of(t->creds.ruid, false);
		over = u &&
		       (uint64_t)u->n > t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
		pthread_mutex_unlock(&unix_lock);
		if (over && !creds_capable(&t->creds, ABI_CAP_SYS_RESOURCE) &&
		    !creds_capable(&t->creds, ABI_CAP_SYS_ADMIN)) {
			ret = -ETOOMANYREFS;
			goto out;
		}
	}
	if (s->type == SOCK_STREAM) {
		pthread_mutex_lock(&unix_lock);
		if (sm->addrlen)
			ret = ep->state == UNIX_CONNECTED ? -EISCONN
							  : -EOPNOTSUPP;
		else
			ret =
			    stream_send(ep, t, &it, sm, nonblock, &cred, &pipe);
		pthread_mutex_unlock(&unix_lock);
		goto out;
	}
	if (s->type == SOCK_SEQPACKET) {
		pthread_mutex_lock(&unix_lock);
		if (ep->state != UNIX_CONNECTED)
			ret = -ENOTCONN;
		else
			ret = dgram_send(ep, t, &it, sm, NULL, nonblock, &cred,
					 &g);
		pthread_mutex_unlock(&unix_lock);
		goto out;
	}
	if (sm->addrlen) {
		ret = validate_addr(sm->addr, sm->addrlen);
		if (ret)
			goto out;
		ret =
		    find_other(t, sm->addr, sm->addrlen, s->type, &other, NULL);
		if (ret)
			goto out;
	} else {
		pthread_mutex_lock(&unix_lock);
	}
	ret = 0;
	if (want_creds(ep))
		ret = autobind_locked(ep);
	if (!ret)
		ret = dgram_send(ep, t, &it, sm, other, nonblock, &cred, &g);
	if (other)
		ep_put_locked(other, &g);
	pthread_mutex_unlock(&unix_lock);
out:
	garbage_free(&g);
	if (sm->fds) {
		for (int i = 0; i < sm->nfds; i++)
			file_put(sm->fds[i]);
		free(sm->fds);
		sm->fds = NULL;
		sm->nfds = 0;
	}
	if (pipe && !(flags & SOCK_MSG_NOSIGNAL))
		signal_sigpipe(t);
	return ret;
}

/* ---- receiving ---------------------------------------------------------- */

/* Hand m's files to the receiver (peek: new references), or drop them. */
static void take_fds(struct unix_msg *m, bool peek, struct sock_msg *sm,
		     struct unix_garbage *g)
{
	if (!m->nfds)
		return;
	if (!peek)
		uncount(m);
	if (peek) {
		if (!sm->fds)
			return;
		for (int i = 0; i < m->nfds && sm->nfds < SOCK_MAX_FDS; i++) {
			file_get(m->fds[i]);
			sm->fds[sm->nfds++] = m->fds[i];
		}
		return;
	}
	if (sm->fds) {
		for (int i = 0; i < m->nfds; i++) {
			if (sm->nfds < SOCK_MAX_FDS)
				sm->fds[sm->nfds++] = m->fds[i];
			else
				file_put(m->fds[i]); /* cannot happen */
		}
		free(m->fds);
	} else {
		/* Dropped with the message's memory, outside the lock. */
		struct unix_msg *hold = calloc(1, sizeof(*hold));

		if (hold) {
			hold->fds = m->fds;
			hold->nfds = m->nfds;
			msg_discard(hold, g);
		}
	}
	m->fds = NULL;
	m->nfds = 0;
}

static void put_src(struct sock_msg *sm, const struct unix_msg *m)
{
	if (m->src) {
		sm->addrlen = m->src->len;
		memcpy(sm->addr, m->src->sa, (size_t)m->src->len);
	} else {
		sm->addrlen = 0;
	}
}

static bool same_cred(const struct sock_cred *a, const struct sock_cred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

static ssize_t stream_recv(struct unix_ep *ep, struct task *t,
			   struct sock_iter *it, struct sock_msg *sm, int flags,
			   bool nonblock, bool passcred, struct unix_garbage *g)
{
	bool peek = flags & SOCK_MSG_PEEK;
	uint64_t size = sock_iter_left(it);
	uint64_t target;
	struct unix_msg *pm = NULL; /* peek: where the next bytes are */
	struct sock_cred cred = {0, 0, 0};
	struct timespec deadline;
	bool started = false;
	size_t poff = 0;
	ssize_t copied = 0;
	int err = 0;

	target =
	    (flags & SOCK_MSG_WAITALL)
		? size
		: min_t(uint64_t,
			(uint64_t)(ep->sock ? ep->sock->s.rcvlowat : 1), size);
	if (!target)
		target = 1;
	do {
		struct unix_msg *m;
		size_t off, chunk;

		if (peek) {
			if (!pm && !copied && ep->head) {
				pm = ep->head;
				poff = pm->off;
			}
			m = pm;
		} else {
			m = ep->head;
		}
		if (!m) {
			if ((uint64_t)copied >= target)
				break;
			if (ep->err) {
				if (!copied)
					err = -ep->err;
				ep->err = 0;
				break;
			}
			if (ep->shutdown & RCV_SHUTDOWN)
				break;
			if (nonblock) {
				err = -EAGAIN;
				break;
			}
			err =
			    sock_wait(t, &unix_lock, &ep->cond,
				      ep_timeo(ep, true), &deadline, &started);
			if (err)
				break;
			continue;
		}
		if (copied && passcred && !same_cred(&cred, &m->cred))
			break;
		if (!copied) {
			cred = m->cred;
			put_src(sm, m);
		}
		off = peek ? poff : m->off;
		chunk = min_t(uint64_t, m->len - off, size - (uint64_t)copied);
		if (sock_iter_copy(t, it, m->data + off, chunk, true)) {
			if (!copied)
				err = -EFAULT;
			break;
		}
		copied += (ssize_t)chunk;
		if (!peek) {
			bool had_fds = m->nfds;

			m->off += chunk;
			ep->queued -= chunk;
			m->from->wbytes -= chunk;
			take_fds(m, false, sm, g);
			if (m->off < m->len)
				break;
			msg_discard(dequeue(ep, g), g);
			if (had_fds)
				break;
		} else {
			if (m->nfds) {
				take_fds(m, true, sm, g);
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
	if (copied && passcred)
		sock_put_cmsg(sm, SOL_SOCKET, SCM_CREDENTIALS, &cred,
			      sizeof(cred));
	return copied ? copied : err;
}

static ssize_t dgram_recv(struct unix_ep *ep, struct task *t,
			  struct sock_iter *it, struct sock_msg *sm, int flags,
			  bool nonblock, bool passcred, struct unix_garbage *g)
{
	bool peek = flags & SOCK_MSG_PEEK;
	uint64_t size = sock_iter_left(it);
	struct timespec deadline;
	bool started = false;
	struct unix_msg *m;
	size_t chunk;
	int err;

	while (!ep->head) {
		if (ep->err) {
			err = -ep->err;
			ep->err = 0;
			return err;
		}
		if (ep->type == SOCK_SEQPACKET && (ep->shutdown & RCV_SHUTDOWN))
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (ep->shutdown & RCV_SHUTDOWN)
			return 0;
		err = sock_wait(t, &unix_lock, &ep->cond, ep_timeo(ep, true),
				&deadline, &started);
		if (err)
			return err;
	}
	m = ep->head;
	put_src(sm, m);
	if (passcred)
		sock_put_cmsg(sm, SOL_SOCKET, SCM_CREDENTIALS, &m->cred,
			      sizeof(m->cred));
	chunk = min_t(uint64_t, m->len, size);
	if (chunk < m->len)
		sm->msg_flags |= SOCK_MSG_TRUNC;
	err = sock_iter_copy(t, it, m->data, chunk, true);
	if (!err)
		take_fds(m, peek, sm, g);
	if (!peek) {
		size_t full = m->len;

		msg_discard(dequeue(ep, g), g);
		if (!err && (flags & SOCK_MSG_TRUNC))
			return (ssize_t)full;
	} else if (!err && (flags & SOCK_MSG_TRUNC)) {
		return (ssize_t)m->len;
	}
	return err ? err : (ssize_t)chunk;
}

static ssize_t unix_recvmsg(struct socket *s, struct task *t,
			    struct sock_msg *sm, int flags)
{
	struct unix_ep *ep = ep_of(s);
	struct unix_garbage g = {NULL};
	bool nonblock = sock_nonblock(s, flags);
	bool passcred = __atomic_load_n(&s->passcred, __ATOMIC_RELAXED);
	struct sock_iter it;
	ssize_t ret;

	sock_iter_init(&it, sm->iov, sm->iovcnt);
	sm->addrlen = 0;
	if (flags & SOCK_MSG_OOB)
		return s->type == SOCK_STREAM ? -EINVAL : -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	if (s->type == SOCK_STREAM)
		ret = ep->state != UNIX_CONNECTED
			  ? -EINVAL
			  : stream_recv(ep, t, &it, sm, flags, nonblock,
					passcred, &g);
	else if (s->type == SOCK_SEQPACKET && ep->state != UNIX_CONNECTED)
		ret = -ENOTCONN;
	else
		ret = dgram_recv(ep, t, &it, sm, flags, nonblock, passcred, &g);
	pthread_mutex_unlock(&unix_lock);
	/* Files are put outside the lock: one may be this very socket. */
	garbage_free(&g);
	return ret;
}

/* ---- the rest ----------------------------------------------------------- */

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_ep *ep = ep_of(s);
	int mode, peer_mode;

	if (how < 0 || how > 2)
		return -EINVAL;
	mode = (how + 1) & SHUTDOWN_MASK;
	peer_mode = ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
		    ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
	pthread_mutex_lock(&unix_lock);
	ep->shutdown |= mode;
	ep_wake(ep);
	if (ep->peer && s->type != SOCK_DGRAM && !ep->peer->dead) {
		ep->peer->shutdown |= peer_mode;
		ep_wake(ep->peer);
	}
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

static int unix_getsockopt(struct socket *s, struct task *t, int level,
			   int name, void *val, int *len)
{
	struct unix_ep *ep = ep_of(s);
	int v;

	(void)t;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	switch (name) {
	case SO_ERROR:
		v = ep->err;
		ep->err = 0;
		break;
	case SO_ACCEPTCONN:
		v = ep->state == UNIX_LISTEN;
		break;
	case SO_PEERCRED:
		if (!ep->has_peercred) {
			pthread_mutex_unlock(&unix_lock);
			return -ENOPROTOOPT; /* the common answer */
		}
		memcpy(val, &ep->peercred, sizeof(ep->peercred));
		*len = sizeof(ep->peercred);
		pthread_mutex_unlock(&unix_lock);
		return 0;
	default:
		pthread_mutex_unlock(&unix_lock);
		return -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&unix_lock);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int unix_setsockopt(struct socket *s, struct task *t, int level,
			   int name, const void *val, int len)
{
	struct unix_ep *ep = ep_of(s);
	int err;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	err = sock_common_setsockopt(s, t, name, val, len);
	if (!err) {
		/* A bigger buffer can let a waiting sender go on. */
		pthread_mutex_lock(&unix_lock);
		ep_wake(ep);
		pthread_mutex_unlock(&unix_lock);
	}
	return err;
}

static unsigned unix_poll(struct socket *s, unsigned events)
{
	struct unix_ep *ep = ep_of(s);
	unsigned mask = 0;
	bool writable;

	(void)events;
	pthread_mutex_lock(&unix_lock);
	if (ep->err)
		mask |= SOCK_POLLERR;
	if (ep->shutdown == SHUTDOWN_MASK)
		mask |= SOCK_POLLHUP;
	if (ep->shutdown & RCV_SHUTDOWN)
		mask |= SOCK_POLLRDHUP | SOCK_POLLIN | SOCK_POLLRDNORM;
	if (ep->head || ep->acc_head)
		mask |= SOCK_POLLIN | SOCK_POLLRDNORM;
	/* Connection-based sockets not connected yet: a hang-up. */
	if (s->type != SOCK_DGRAM && ep->state == UNIX_CLOSE)
		mask |= SOCK_POLLHUP;
	writable =
	    ep->state != UNIX_LISTEN && ep->wmem * 4 <= (size_t)ep_sndbuf(ep);
	if (writable && s->type != SOCK_STREAM && ep->peer &&
	    ep->peer->peer != ep && ep->peer->qlen > UNIX_DGRAM_QLEN)
		writable = false;
	if (writable)
		mask |= SOCK_POLLOUT | SOCK_POLLWRNORM | SOCK_POLLWRBAND;
	pthread_mutex_unlock(&unix_lock);
	return mask;
}

/* SIOCINQ: a stream's unread bytes, a datagram's next length; SIOCOUTQ. */
static long unix_ioctl(struct socket *s, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct unix_ep *ep = ep_of(s);
	int n;

	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return -SOCK_ENOIOCTLCMD;
	pthread_mutex_lock(&unix_lock);
	if (cmd == SIOCOUTQ) {
		n = (int)ep->wbytes;
	} else if (ep->state == UNIX_LISTEN) {
		pthread_mutex_unlock(&unix_lock);
		return -EINVAL;
	} else if (s->type == SOCK_STREAM) {
		n = (int)ep->queued;
	} else {
		n = ep->head ? (int)ep->head->len : 0;
	}
	pthread_mutex_unlock(&unix_lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

/* ---- the collector of sockets only in flight ---------------------------- */

/* Calls fn on every unix socket file in the queues of us's endpoint and of
 * the connections waiting on it (a listener). */
static void for_each_queued_sock(struct unix_sock *us,
				 void (*fn)(struct unix_sock *, void *),
				 void *arg)
{
	for (struct unix_ep *e = us->ep; e;
	     e = e == us->ep ? us->ep->acc_head : e->acc_next)
		for (struct unix_msg *m = e->head; m; m = m->next)
			for (int i = 0; i < m->nfds; i++) {
				struct unix_sock *q = unix_sock_of(m->fds[i]);

				if (q)
					fn(q, arg);
			}
}

static void dec_ext(struct unix_sock *q, void *arg)
{
	(void)arg;
	if (q->gc_cand)
		q->gc_ext--;
}

/* A candidate found in a live socket's queue lives too. */
static void mark_alive(struct unix_sock *q, void *arg)
{
	if (!q->gc_cand || q->gc_alive)
		return;
	q->gc_alive = true;
	*(bool *)arg = true;
}

/*
 * unix_gc: sockets whose every reference is a message in flight, in
 * queues only such sockets can read, can never be read again; their
 * queues are dropped, which lets them go. Candidates are files with as
 * many references as times in flight (no fd, no mapping, no other
 * holder); those in flight in a queue outside the candidates, and what
 * their queues hold, stay.
 */
static void unix_gc_locked(struct unix_garbage *g)
{
	struct unix_sock *us;

	if (!unix_socks_inflight)
		return;
	for (us = unix_all; us; us = us->all_next) {
		long refs = __atomic_load_n(&us->s.f.refs, __ATOMIC_ACQUIRE);

		us->gc_cand = us->inflight && refs == us->inflight;
		us->gc_ext = us->inflight;
		us->gc_scanned = false;
	}
	for (us = unix_all; us; us = us->all_next)
		if (us->gc_cand)
			for_each_queued_sock(us, dec_ext, NULL);
	for (us = unix_all; us; us = us->all_next)
		us->gc_alive = us->gc_cand && us->gc_ext > 0;
	/* Passes without recursion: a hostile chain cannot blow the stack. */
	for (bool changed = true; changed;) {
		changed = false;
		for (us = unix_all; us; us = us->all_next)
			if (us->gc_cand && us->gc_alive && !us->gc_scanned) {
				us->gc_scanned = true;
				for_each_queued_sock(us, mark_alive, &changed);
			}
	}
	for (us = unix_all; us; us = us->all_next) {
		if (!us->gc_cand || us->gc_alive)
			continue;
		purge(us->ep, g);
		for (struct unix_ep *e = us->ep->acc_head; e; e = e->acc_next)
			purge(e, g);
	}
}

static void unix_release(struct socket *s)
{
	struct unix_sock *us = container_of(s, struct unix_sock, s);
	struct unix_ep *ep = ep_of(s);
	struct unix_garbage g = {NULL};

	pthread_mutex_lock(&unix_lock);
	*us->all_pprev = us->all_next;
	if (us->all_next)
		us->all_next->all_pprev = us->all_pprev;
	ep_close_locked(ep, false, &g);
	ep_put_locked(ep, &g);
	unix_gc_locked(&g);
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
}

static void host_release(struct socket *s)
{
	struct unix_sock *us = container_of(s, struct unix_sock, s);

	close(us->host_fd);
	addr_put(us->host_peer);
	unix_release(s);
}

static const struct sock_ops unix_ops = {
    .bind = unix_bind,
    .connect = unix_connect,
    .listen = unix_listen,
    .accept = unix_accept,
    .getname = unix_getname,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .shutdown = unix_shutdown,
    .getsockopt = unix_getsockopt,
    .setsockopt = unix_setsockopt,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .release = unix_release,
};

static const struct sock_ops unix_host_ops = {
    .bind = host_bind,
    .connect = host_reconnect,
    .listen = host_listen,
    .accept = host_accept,
    .getname = host_getname,
    .sendmsg = host_sendmsg,
    .recvmsg = host_recvmsg,
    .shutdown = host_shutdown,
    .getsockopt = unix_getsockopt,
    .setsockopt = unix_setsockopt,
    .poll = host_poll,
    .ioctl = host_ioctl,
    .release = host_release,
};

/* A file for ep (which it takes a reference of), lock held. */
static struct file *sock_file_for(struct task *t, struct unix_ep *ep,
				  uint32_t flags)
{
	struct unix_sock *us = (struct unix_sock *)sock_alloc(
	    t, sizeof(*us), &unix_ops, SOCK_AF_UNIX, ep->type, 0, flags);

	if (!us)
		return NULL;
	us->ep = ep;
	us->host_fd = -1;
	ep->sock = us;
	us->all_next = unix_all;
	if (unix_all)
		unix_all->all_pprev = &us->all_next;
	us->all_pprev = &unix_all;
	unix_all = us;
	return &us->s.f;
}

static int check_type(int type, int protocol, int *out)
{
	if (protocol && protocol != SOCK_AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_RAW:
		*out = SOCK_DGRAM;
		return 0;
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_SEQPACKET:
		*out = type;
		return 0;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

int unix_create(struct task *t, int type, int protocol, uint32_t flags,
		struct file **out)
{
	struct unix_ep *ep;
	struct file *f;
	int err = check_type(type, protocol, &type);

	if (err)
		return err;
	ep = ep_new(type);
	if (!ep)
		return -ENOMEM;
	pthread_mutex_lock(&unix_lock);
	f = sock_file_for(t, ep, flags);
	if (!f) {
		struct unix_garbage g = {NULL};

		ep_put_locked(ep, &g);
		pthread_mutex_unlock(&unix_lock);
		return -ENOMEM;
	}
	pthread_mutex_unlock(&unix_lock);
	*out = f;
	return 0;
}

int unix_socketpair(struct task *t, int type, int protocol, uint32_t flags,
		    struct file **a, struct file **b)
{
	struct unix_ep *e[2];
	int err;

	err = unix_create(t, type, protocol, flags, a);
	if (err)
		return err;
	err = unix_create(t, type, protocol, flags, b);
	if (err) {
		file_put(*a);
		return err;
	}
	e[0] = ep_of(sock_of(*a));
	e[1] = ep_of(sock_of(*b));
	pthread_mutex_lock(&unix_lock);
	for (int i = 0; i < 2; i++) {
		e[i]->peer = e[!i];
		ep_get(e[!i]);
		e[i]->state = UNIX_CONNECTED;
		e[i]->has_peercred = true;
		cred_of(t, &e[i]->peercred);
	}
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/* ---- snapshots ------------------------------------------------------------
 */

#define UNIX_SNAP_MAX_EPS  (1U << 20)
#define UNIX_SNAP_MAX_MSGS (1U << 20)

struct snap_eps {
	struct unix_ep **v;
	uint32_t n, cap;
	struct unix_addr **a;
	uint32_t na, acap;
};

/* ep's number, given the next one if it has none: 0 when out of memory. */
static uint32_t snap_number(struct snap_eps *s, struct unix_ep *ep)
{
	if (ep->snap_id)
		return ep->snap_id;
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 16;
		struct unix_ep **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return 0;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ep;
	ep->snap_id = s->n;
	return ep->snap_id;
}

/* The same for a name (NULL: 0, none); false when out of memory. */
static bool snap_number_addr(struct snap_eps *s, struct unix_addr *a)
{
	if (!a || a->snap_id)
		return true;
	if (s->na == s->acap) {
		uint32_t cap = s->acap ? s->acap * 2 : 16;
		struct unix_addr **v = realloc(s->a, cap * sizeof(*v));

		if (!v)
			return false;
		s->a = v;
		s->acap = cap;
	}
	s->a[s->na++] = a;
	a->snap_id = s->na;
	return true;
}

/* What of ep cannot be saved yet, or NULL. */
static const char *snap_refused(const struct unix_ep *ep)
{
	if (ep->snap_reset)
		return NULL;
	if (ep->sock && ep->sock->host_fd >= 0)
		return "a unix socket connected to a host socket file (use "
		       "--tcp-close)";
	if (ep->addr && !ep->addr->abstract && !ep->addr->path.mnt)
		return "a unix socket with a name of no file";
	return NULL;
}

static void snap_encode(struct enc *e, const struct unix_ep *ep,
			const struct unix_snap_refs *refs)
{
	uint32_t nmsgs = 0;

	enc_u32(e, (uint32_t)ep->type);
	enc_u32(e, (uint32_t)ep->state);
	enc_u32(e, ep->dead | ep->embryo << 1 |
		       (ep->addr && ep->addr->owner == ep) << 2);
	enc_u32(e, (uint32_t)ep->shutdown);
	enc_u32(e, (uint32_t)ep->err);
	enc_u32(e, ep->has_peercred);
	enc_u32(e, (uint32_t)ep->peercred.pid);
	enc_u32(e, ep->peercred.uid);
	enc_u32(e, ep->peercred.gid);
	enc_u32(e, ep->peer ? ep->peer->snap_id : 0);
	enc_u32(e, ep->addr ? ep->addr->snap_id : 0);
	enc_u32(e, (uint32_t)ep->backlog);
	enc_u32(e, (uint32_t)ep->nacc);
	for (const struct unix_ep *a = ep->acc_head; a; a = a->acc_next)
		enc_u32(e, a->snap_id);
	for (const struct unix_msg *m = ep->head; m; m = m->next)
		nmsgs++;
	enc_u32(e, nmsgs);
	for (const struct unix_msg *m = ep->head; m; m = m->next) {
		enc_u32(e, m->from->snap_id);
		enc_u32(e, m->src ? m->src->snap_id : 0);
		enc_u32(e, (uint32_t)m->cred.pid);
		enc_u32(e, m->cred.uid);
		enc_u32(e, m->cred.gid);
		enc_u64(e, m->off);
		enc_blob(e, m->data, m->len);
		/* Files in flight: whose they count as, and which. */
		enc_u32(e, (uint32_t)m->nfds);
		enc_u32(e, m->uid);
		for (int i = 0; i < m->nfds; i++)
			enc_u32(e, refs->file_id(refs->arg, m->fds[i]));
	}
}

/*
 * A host connection saved as one reset by its peer: connected to a
 * closed endpoint (phantom), with ECONNRESET to report and both
 * directions shut, as a unix stream whose peer closed with data unread.
 */
static void snap_encode_reset(struct enc *e, const struct unix_ep *ep,
			      uint32_t phantom)
{
	const uint32_t v[] = {(uint32_t)ep->type,
			      UNIX_CONNECTED,
			      0,
			      SHUTDOWN_MASK,
			      ECONNRESET,
			      0,
			      0,
			      0,
			      0,
			      phantom,
			      0,
			      0,
			      0,
			      0};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		enc_u32(e, v[i]);
}

static void snap_encode_phantom(struct enc *e, int type)
{
	const uint32_t v[] = {(uint32_t)type,
			      UNIX_CONNECTED,
			      1,
			      SHUTDOWN_MASK,
			      0,
			      0,
			      0,
			      0,
			      0,
			      0,
			      0,
			      0,
			      0,
			      0};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		enc_u32(e, v[i]);
}

int unix_snap_save(struct file *const *files, size_t n, uint32_t *ids,
		   bool close_host, const struct unix_snap_refs *refs,
		   struct enc *e, char *why, size_t whylen)
{
	struct snap_eps s = {0};
	const char *no = NULL;
	uint32_t nreset = 0;
	int err = 0;

	pthread_mutex_lock(&unix_lock);
	for (size_t i = 0; i < n && !err; i++) {
		struct unix_sock *us = unix_sock_of(files[i]);

		ids[i] = 0;
		if (!us)
			continue;
		if (!us->ep) {
			no = "a unix socket connected to a host socket file";
			err = -EOPNOTSUPP;
		} else if (!(ids[i] = snap_number(&s, us->ep))) {
			err = -ENOMEM;
		} else if (us->host_fd >= 0 && close_host &&
			   !us->ep->snap_reset) {
			us->ep->snap_reset = true;
			nreset++;
		}
	}
	/* Those they reach: peers, senders and connections not accepted,
	 * met as the list grows; and their names. */
	for (uint32_t j = 0; j < s.n && !err; j++) {
		struct unix_ep *ep = s.v[j];

		no = snap_refused(ep);
		if (no) {
			err = -EOPNOTSUPP;
			break;
		}
		if (ep->snap_reset)
			continue; /* its peer is the host's */
		if ((ep->peer && !snap_number(&s, ep->peer)) ||
		    !snap_number_addr(&s, ep->addr))
			err = -ENOMEM;
		for (struct unix_ep *a = ep->acc_head; a && !err;
		     a = a->acc_next)
			if (!snap_number(&s, a))
				err = -ENOMEM;
		for (struct unix_msg *m = ep->head; m && !err; m = m->next)
			if (!snap_number(&s, m->from) ||
			    !snap_number_addr(&s, m->src))
				err = -ENOMEM;
	}
	/* An open one that no fd holds (it would come back closed). */
	for (uint32_t j = 0; j < s.n && !err; j++) {
		bool held = !s.v[j]->sock;

		for (size_t i = 0; i < n && !held; i++)
			held = ids[i] == j + 1;
		if (!held) {
			no = "a unix socket that no fd holds";
			err = -EOPNOTSUPP;
		}
	}
	if (!err) {
		uint32_t phantom = s.n;

		/* The names first: a file name as the filesystem's
		 * reference to the socket file. */
		enc_u32(e, s.na);
		for (uint32_t j = 0; j < s.na && !err; j++) {
			struct unix_addr *a = s.a[j];

			enc_blob(e, a->sa, (size_t)a->len);
			enc_u32(e, !a->abstract);
			if (!a->abstract)
				err = refs->save(refs->arg, &a->path, e);
		}
		enc_u32(e, s.n + nreset);
		for (uint32_t j = 0; j < s.n && !err; j++)
			if (s.v[j]->snap_reset)
				snap_encode_reset(e, s.v[j], ++phantom);
			else
				snap_encode(e, s.v[j], refs);
		for (uint32_t j = 0; j < s.n && !err; j++)
			if (s.v[j]->snap_reset)
				snap_encode_phantom(e, s.v[j]->type);
	}
	for (uint32_t j = 0; j < s.n; j++) {
		s.v[j]->snap_id = 0;
		s.v[j]->snap_reset = false;
	}
	for (uint32_t j = 0; j < s.na; j++)
		s.a[j]->snap_id = 0;
	pthread_mutex_unlock(&unix_lock);
	free(s.v);
	free(s.a);
	if (no)
		snprintf(why, whylen, "%s cannot be checkpointed yet", no);
	return err;
}

int unix_snap_inflight(struct file *const *files, size_t n, struct file ***out,
		       size_t *nout)
{
	struct snap_eps s = {0};
	struct file **v = NULL;
	size_t nv = 0, cap = 0;
	int err = 0;

	pthread_mutex_lock(&unix_lock);
	for (size_t i = 0; i < n && !err; i++) {
		struct unix_sock *us = unix_sock_of(files[i]);

		if (us && us->ep && !snap_number(&s, us->ep))
			err = -ENOMEM;
	}
	for (uint32_t j = 0; j < s.n && !err; j++) {
		struct unix_ep *ep = s.v[j];

		if ((ep->peer && !snap_number(&s, ep->peer)))
			err = -ENOMEM;
		for (struct unix_ep *a = ep->acc_head; a && !err;
		     a = a->acc_next)
			if (!snap_number(&s, a))
				err = -ENOMEM;
		for (struct unix_msg *m = ep->head; m && !err; m = m->next) {
			if (!snap_number(&s, m->from))
				err = -ENOMEM;
			for (int i = 0; i < m->nfds && !err; i++) {
				if (nv == cap) {
					size_t c = cap ? cap * 2 : 16;
					struct file **w =
					    realloc(v, c * sizeof(*w));

					if (!w) {
						err = -ENOMEM;
						break;
					}
					v = w;
					cap = c;
				}
				v[nv++] = m->fds[i];
			}
		}
	}
	for (uint32_t j = 0; j < s.n; j++)
		s.v[j]->snap_id = 0;
	pthread_mutex_unlock(&unix_lock);
	free(s.v);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*nout = nv;
	return 0;
}

/* A message's files in flight, as ids until the files are made. */
struct snap_inflight {
	struct unix_msg *m;
	uint32_t uid;
	uint32_t n; /* 1..SOCK_MAX_FDS */
	uint32_t ids[];
};

struct unix_snap {
	struct snap_inflight **inflight;
	size_t ninflight, inflight_cap;
	struct unix_ep **eps; /* [1..n], a reference each */
	bool *has_file;
	uint32_t n;
	struct unix_addr **addrs; /* [1..na], a reference each */
	uint32_t na;
};

/*
 * Drop the context's references (unix_lock): those of the endpoints
 * without a file, which their peers, senders and listeners keep (or not);
 * when the restore failed, what was made of them too.
 */
static void snap_discard(struct unix_snap *u, bool failed,
			 struct unix_garbage *g)
{
	for (uint32_t i = 1; i <= u->n && failed; i++) {
		struct unix_ep *ep = u->eps[i];

		if (!ep || u->has_file[i])
			continue;
		unbind_locked(ep);
		purge(ep, g);
		while (ep->acc_head) {
			struct unix_ep *a = ep->acc_head;

			ep->acc_head = a->acc_next;
			ep_put_locked(a, g);
		}
		ep->acc_tail = &ep->acc_head;
		ep->nacc = 0;
		if (ep->peer) {
			ep_put_locked(ep->peer, g);
			ep->peer = NULL;
		}
	}
	for (uint32_t i = 1; i <= u->n; i++)
		if (u->eps[i] && !u->has_file[i])
			ep_put_locked(u->eps[i], g);
	for (uint32_t i = 1; i <= u->na; i++)
		addr_put(u->addrs[i]);
	for (size_t i = 0; i < u->ninflight; i++)
		free(u->inflight[i]);
	free(u->inflight);
	free(u->eps);
	free(u->has_file);
	free(u->addrs);
	free(u);
}

/* The names, checked as bind checks them: 0, or d's error / -ENOMEM. */
static int snap_load_addrs(struct unix_snap *u, struct dec *d,
			   const struct unix_snap_refs *refs)
{
	u->na = dec_u32_range(d, 0, UNIX_SNAP_MAX_EPS, "too many names");
	if (d->err)
		return d->err;
	u->addrs = calloc(u->na + 1, sizeof(*u->addrs));
	if (!u->addrs)
		return -ENOMEM;
	for (uint32_t i = 1; i <= u->na && !d->err; i++) {
		size_t len;
		const uint8_t *sa = dec_blob(d, SUN_LEN_MAX, &len);
		uint32_t file = dec_u32_range(d, 0, 1, "a name's flag");
		struct unix_addr *a;
		struct vfs_inode *inode;

		if (d->err)
			break;
		if (len <= SUN_PATH_OFF || validate_addr(sa, (int)len) ||
		    file != (sa[SUN_PATH_OFF] != 0)) {
			dec_fail(d, "a unix socket's name is wrong");
			break;
		}
		a = addr_new(sa, (int)len);
		if (!a)
			return -ENOMEM;
		u->addrs[i] = a;
		if (!file)
			continue;
		if (refs->load(refs->arg, d, &a->path, &inode)) {
			dec_fail(d, "a unix socket's file name is not there");
			break;
		}
		if (!a->path.mnt ||
		    (inode->mode & ABI_S_IFMT) != ABI_S_IFSOCK) {
			vfs_inode_put(inode);
			dec_fail(d, "a unix socket's name is no socket file");
			break;
		}
		a->dev = inode->sb->dev;
		a->ino = inode->ino;
		vfs_inode_put(inode);
	}
	return d->err;
}

/* A message's files in flight, kept as ids for unix_snap_attach. */
static int snap_decode_inflight(struct unix_snap *u, struct unix_msg *m,
				struct dec *d)
{
	uint32_t n = dec_u32_range(d, 0, SOCK_MAX_FDS, "too many files");
	uint32_t uid = dec_u32(d);
	struct snap_inflight *f;

	if (d->err || !n)
		return d->err;
	if (u->ninflight == u->inflight_cap) {
		size_t cap = u->inflight_cap ? u->inflight_cap * 2 : 16;
		struct snap_inflight **v =
		    realloc(u->inflight, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->inflight = v;
		u->inflight_cap = cap;
	}
	f = malloc(sizeof(*f) + n * sizeof(f->ids[0]));
	if (!f)
		return -ENOMEM;
	f->m = m;
	f->uid = uid;
	f->n = n;
	for (uint32_t i = 0; i < n; i++)
		f->ids[i] = dec_u32_range(d, 1, UINT32_MAX, "a file in flight");
	u->inflight[u->ninflight++] = f;
	return d->err;
}

/* One endpoint's record into ep (unix_lock held): 0, or d's error. */
static int snap_decode(struct unix_snap *u, struct unix_ep *ep, struct dec *d,
		       bool *nomem)
{
	uint32_t peer, addr, flags, nacc, nmsgs;

	ep->type = (int)dec_u32_range(d, SOCK_STREAM, SOCK_SEQPACKET,
				      "a unix socket's type");
	ep->state = (int)dec_u32_range(d, UNIX_CLOSE, UNIX_CONNECTED,
				       "a unix socket's state");
	flags = dec_u32_range(d, 0, 7, "a unix socket's flags");
	ep->dead = flags & 1;
	ep->embryo = flags & 2;
	ep->shutdown =
	    (int)dec_u32_range(d, 0, SHUTDOWN_MASK, "a unix socket's shutdown");
	ep->err = (int)dec_u32_range(d, 0, 4095, "a unix socket's error");
	ep->has_peercred = dec_u32_range(d, 0, 1, "a unix socket's flag");
	ep->peercred.pid =
	    (int32_t)dec_u32_range(d, 0, ABI_PID_MAX, "a unix socket's pid");
	ep->peercred.uid = dec_u32(d);
	ep->peercred.gid = dec_u32(d);
	peer = dec_u32_range(d, 0, u->n, "a unix socket's peer");
	addr = dec_u32_range(d, 0, u->na, "a unix socket's name");
	ep->backlog = (int)dec_u32_range(d, 0, 65535, "a backlog");
	nacc = dec_u32_range(d, 0, (uint32_t)ep->backlog + 1,
			     "too many connections not accepted");
	if (d->err)
		return d->err;
	if (ep->type == SOCK_RAW || ep->type == SOCK_RDM ||
	    (peer && u->eps[peer] == ep) || ((flags & 4) && !addr)) {
		dec_fail(d, "a unix socket's type, peer or name is wrong");
		return d->err;
	}
	if (peer) {
		ep->peer = u->eps[peer];
		ep_get(ep->peer);
	}
	if (addr) {
		ep->addr = u->addrs[addr];
		ep->addr->refs++;
		if (flags & 4) {
			/* Its name in the table, once. */
			if (ep->addr->owner ||
			    find_name_locked(ep->addr->sa, ep->addr->len,
					     ep->addr->dev, ep->addr->ino)) {
				dec_fail(d, "a unix socket name bound twice");
				return d->err;
			}
			ep->addr->owner = ep;
			ep->addr->next = unix_names;
			unix_names = ep->addr;
			ep->addr->refs++;
		}
	}
	for (uint32_t i = 0; i < nacc && !d->err; i++) {
		uint32_t id = dec_u32_range(d, 1, u->n, "a connection");
		struct unix_ep *a = d->err ? NULL : u->eps[id];

		/* snap_id marks those queued already (cleared after). */
		if (a && (a == ep || a->snap_id))
			dec_fail(d, "a connection queued twice");
		if (d->err)
			break;
		a->snap_id = 1;
		ep_get(a);
		*ep->acc_tail = a;
		ep->acc_tail = &a->acc_next;
		ep->nacc++;
	}
	nmsgs = dec_u32_range(d, 0, UNIX_SNAP_MAX_MSGS, "too many messages");
	for (uint32_t i = 0; i < nmsgs && !d->err; i++) {
		uint32_t from = dec_u32_range(d, 1, u->n, "a message's sender");
		uint32_t src = dec_u32_range(d, 0, u->na, "a message's name");
		struct sock_cred cred;
		const void *data;
		struct unix_msg *m;
		uint64_t off;
		size_t len;

		cred.pid = (int32_t)dec_u32_range(d, 0, ABI_PID_MAX,
						  "a message's pid");
		cred.uid = dec_u32(d);
		cred.gid = dec_u32(d);
		off = dec_u64(d);
		data = dec_blob(d, INT32_MAX, &len);
		if (d->err)
			break;
		/* A stream's message partly read; others whole. */
		if (ep->type == SOCK_STREAM ? !len || off >= len : off != 0) {
			dec_fail(d, "a queued message's length is wrong");
			break;
		}
		m = malloc(sizeof(*m) + len);
		if (!m) {
			*nomem = true;
			return -ENOMEM;
		}
		memset(m, 0, sizeof(*m));
		m->len = len;
		m->cred = cred;
		memcpy(m->data, data, len);
		enqueue(u->eps[from], ep, m);
		/* The name it came from then, which may not be its now. */
		addr_put(m->src);
		m->src = src ? u->addrs[src] : NULL;
		if (m->src)
			m->src->refs++;
		m->off = off;
		ep->queued -= off;
		u->eps[from]->wbytes -= off;
		if (snap_decode_inflight(u, m, d) == -ENOMEM) {
			*nomem = true;
			return -ENOMEM;
		}
	}
	return d->err;
}

/* The endpoints as Linux would have them: peers, senders, states. */
static bool snap_consistent(const struct unix_snap *u)
{
	uint32_t queued = 0, embryos = 0;

	for (uint32_t i = 1; i <= u->n; i++) {
		const struct unix_ep *ep = u->eps[i], *peer = ep->peer;

		if (ep->dead && (peer || ep->head || ep->acc_head ||
				 (ep->addr && ep->addr->owner == ep)))
			return false;
		if (peer &&
		    (peer->type != ep->type || ep->state != UNIX_CONNECTED))
			return false;
		if (ep->type != SOCK_DGRAM && !ep->dead &&
		    (ep->state == UNIX_CONNECTED) != (peer != NULL))
			return false;
		/* A connection's peer is connected back, or closed. */
		if (ep->type != SOCK_DGRAM && peer && !peer->dead &&
		    peer->peer != ep)
			return false;
		/* A listener: a named stream or seqpacket, its queue of
		 * connections not accepted yet (of its type). */
		if (ep->acc_head && ep->state != UNIX_LISTEN)
			return false;
		if (ep->state == UNIX_LISTEN &&
		    (ep->type == SOCK_DGRAM || ep->embryo || !ep->addr))
			return false;
		for (const struct unix_ep *a = ep->acc_head; a;
		     a = a->acc_next) {
			if (!a->embryo || a->dead || a->type != ep->type)
				return false;
			queued++;
		}
		embryos += ep->embryo;
		if (ep->embryo && (ep->dead || ep->state != UNIX_CONNECTED))
			return false;
		for (const struct unix_msg *m = ep->head; m; m = m->next)
			if (m->from->type != ep->type ||
			    (ep->type != SOCK_DGRAM && m->from != peer))
				return false;
	}
	/* Each connection not accepted is on exactly one queue. */
	return queued == embryos;
}

struct unix_snap *unix_snap_load(struct dec *d,
				 const struct unix_snap_refs *refs, bool *nomem)
{
	struct unix_garbage g = {NULL};
	struct unix_snap *u = calloc(1, sizeof(*u));
	uint32_t n = 0;

	*nomem = false;
	if (!u) {
		*nomem = true;
		return NULL;
	}
	/* The names resolve outside unix_lock: the filesystem's locks. */
	if (snap_load_addrs(u, d, refs) == -ENOMEM)
		*nomem = true;
	if (!*nomem && !d->err)
		n = dec_u32_range(d, 0, UNIX_SNAP_MAX_EPS,
				  "too many unix sockets");
	u->eps = calloc(n + 1, sizeof(*u->eps));
	u->has_file = calloc(n + 1, sizeof(*u->has_file));
	u->n = n;
	pthread_mutex_lock(&unix_lock);
	if (!u->eps || !u->has_file || !u->addrs)
		*nomem = true;
	for (uint32_t i = 1; i <= n && !*nomem && !d->err; i++)
		if (!(u->eps[i] = ep_new(SOCK_STREAM)))
			*nomem = true;
	for (uint32_t i = 1; i <= n && !*nomem && !d->err; i++)
		snap_decode(u, u->eps[i], d, nomem);
	for (uint32_t i = 1; i <= n && u->eps && u->eps[i]; i++)
		u->eps[i]->snap_id = 0;
	if (!*nomem && !d->err && !snap_consistent(u))
		dec_fail(d, "unix sockets whose connections do not match");
	if (*nomem || d->err) {
		if (u->eps && u->has_file) {
			snap_discard(u, true, &g);
		} else {
			for (uint32_t i = 1; u->addrs && i <= u->na; i++)
				addr_put(u->addrs[i]);
			free(u->addrs);
			free(u->eps);
			free(u->has_file);
			free(u);
		}
		u = NULL;
	}
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return u;
}

struct file *unix_snap_file(struct unix_snap *u, uint32_t id, uint32_t flags,
			    struct dec *d)
{
	struct file *f;

	if (!id || id > u->n || u->eps[id]->dead || u->eps[id]->embryo ||
	    u->has_file[id]) {
		dec_fail(d, "a unix socket's file is wrong or twice");
		return NULL;
	}
	pthread_mutex_lock(&unix_lock);
	f = sock_file_for(NULL, u->eps[id], flags);
	if (f)
		u->has_file[id] = true; /* the file has its reference now */
	pthread_mutex_unlock(&unix_lock);
	if (!f)
		return NULL;
	f->flags = flags;
	if (sock_snap_load(sock_of(f), d)) {
		file_put(f);
		return NULL;
	}
	return f;
}

int unix_snap_attach(struct unix_snap *u, struct file *const *files,
		     uint32_t nfiles, struct dec *d)
{
	int err = 0;

	pthread_mutex_lock(&unix_lock);
	for (size_t i = 0; i < u->ninflight && !err; i++) {
		struct snap_inflight *f = u->inflight[i];
		struct unix_msg *m = f->m;
		struct inflight_user *usr;

		for (uint32_t j = 0; j < f->n; j++)
			if (f->ids[j] > nfiles || !files[f->ids[j]]) {
				dec_fail(d, "a file in flight is no file");
				err = -EINVAL;
			}
		if (err)
			break;
		m->fds = calloc(f->n, sizeof(*m->fds));
		if (!m->fds) {
			err = -ENOMEM;
			break;
		}
		for (uint32_t j = 0; j < f->n; j++) {
			m->fds[j] = files[f->ids[j]];
			file_get(m->fds[j]);
		}
		/* Counted as attach_fds counts them. */
		m->nfds = (int)f->n;
		m->uid = f->uid;
		count_socks(m, 1);
		usr = inflight_of(m->uid, true);
		if (usr) {
			usr->n += m->nfds;
			m->counted = true;
		}
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int unix_snap_done(struct unix_snap *u, struct dec *d)
{
	struct unix_garbage g = {NULL};

	for (uint32_t i = 1; i <= u->n && !d->err; i++)
		if (!u->eps[i]->dead && !u->eps[i]->embryo && !u->has_file[i])
			dec_fail(d, "an open unix socket without its file");
	pthread_mutex_lock(&unix_lock);
	snap_discard(u, d->err != 0, &g);
	pthread_mutex_unlock(&unix_lock);
	garbage_free(&g);
	return d->err;
}
