/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets of the sentry (socket.c): one struct socket per open socket, a
 * struct file underneath, and per family a set of sock_ops that the socket
 * syscalls (syscalls/socket.c) call once they have copied the
 * application's arguments in and checked what is common to all families.
 * The families: AF_UNIX (unix.c), AF_INET/AF_INET6 on the sandbox's own
 * loopback (inet.c) or on host sockets (hostinet.c), and AF_NETLINK
 * (netlink.c).
 */
#ifndef MOAT_NET_SOCKET_H
#define MOAT_NET_SOCKET_H

#include "sentry/vfs/file.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct task;
struct socket;

#define SOCK_AF_UNSPEC	0
#define SOCK_AF_UNIX	1
#define SOCK_AF_INET	2
#define SOCK_AF_INET6	10
#define SOCK_AF_NETLINK 16
#define SOCK_AF_PACKET	17
#define SOCK_AF_MAX	46

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_RDM       4
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MAX  11
#define SOCK_TYPE_MASK 0xf

/* send and recv flags (MSG_*). */
#define SOCK_MSG_OOB	      0x1
#define SOCK_MSG_PEEK	      0x2
#define SOCK_MSG_DONTROUTE    0x4
#define SOCK_MSG_CTRUNC	      0x8
#define SOCK_MSG_TRUNC	      0x20
#define SOCK_MSG_DONTWAIT     0x40
#define SOCK_MSG_EOR	      0x80
#define SOCK_MSG_WAITALL      0x100
#define SOCK_MSG_ERRQUEUE     0x2000
#define SOCK_MSG_NOSIGNAL     0x4000
#define SOCK_MSG_MORE	      0x8000
#define SOCK_MSG_WAITFORONE   0x10000
#define SOCK_MSG_CMSG_CLOEXEC 0x40000000

/* Levels and options that several families share. */
#define SOL_SOCKET	 1
#define SCM_RIGHTS	 1
#define SCM_CREDENTIALS	 2
#define SO_DEBUG	 1
#define SO_REUSEADDR	 2
#define SO_TYPE		 3
#define SO_ERROR	 4
#define SO_DONTROUTE	 5
#define SO_BROADCAST	 6
#define SO_SNDBUF	 7
#define SO_RCVBUF	 8
#define SO_KEEPALIVE	 9
#define SO_OOBINLINE	 10
#define SO_NO_CHECK	 11
#define SO_PRIORITY	 12
#define SO_LINGER	 13
#define SO_REUSEPORT	 15
#define SO_PASSCRED	 16
#define SO_PEERCRED	 17
#define SO_RCVLOWAT	 18
#define SO_SNDLOWAT	 19
#define SO_RCVTIMEO_OLD	 20
#define SO_SNDTIMEO_OLD	 21
#define SO_BINDTODEVICE	 25
#define SO_ATTACH_FILTER 26
#define SO_DETACH_FILTER 27
#define SO_PEERNAME	 28
#define SO_TIMESTAMP_OLD 29
#define SO_ACCEPTCONN	 30
#define SO_PEERSEC	 31
#define SO_SNDBUFFORCE	 32
#define SO_RCVBUFFORCE	 33
#define SO_PASSSEC	 34
#define SO_MARK		 36
#define SO_PROTOCOL	 38
#define SO_DOMAIN	 39
#define SO_RXQ_OVFL	 40
#define SO_PEEK_OFF	 42
#define SO_BUSY_POLL	 46
#define SO_INCOMING_CPU	 49
#define SO_COOKIE	 57
#define SO_PEERGROUPS	 59
#define SO_ZEROCOPY	 60
#define SO_RCVTIMEO_NEW	 66
#define SO_SNDTIMEO_NEW	 67

/* Linux's defaults: net.core.[rw]mem_default and [rw]mem_max. */
#define SOCK_BUF_DEFAULT 212992
#define SOCK_BUF_MAX	 212992
/* SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF on x86-64. */
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304

/* The longest address any family takes (sockaddr_storage). */
#define SOCK_ADDR_MAX 128
/* Most files one message may carry (Linux's SCM_MAX_FD). */
#define SOCK_MAX_FDS 253

/* The poll bits sockets report. */
#define SOCK_POLLIN	0x001
#define SOCK_POLLPRI	0x002
#define SOCK_POLLOUT	0x004
#define SOCK_POLLERR	0x008
#define SOCK_POLLHUP	0x010
#define SOCK_POLLRDNORM 0x040
#define SOCK_POLLRDBAND 0x080
#define SOCK_POLLWRNORM 0x100
#define SOCK_POLLWRBAND 0x200
#define SOCK_POLLRDHUP	0x2000

/* ucred: what SCM_CREDENTIALS and SO_PEERCRED carry. */
struct sock_cred {
	int32_t pid;
	uint32_t uid, gid;
};

/*
 * One sendmsg or recvmsg, in the sentry's memory but for the data, which
 * stays in the application's iovecs (already imported and checked).
 */
struct sock_msg {
	const struct abi_iovec *iov;
	int iovcnt;
	/*
	 * send: the destination (addrlen 0: none). recv: room for the
	 * source (SOCK_ADDR_MAX); the family sets addrlen (0: none).
	 */
	uint8_t addr[SOCK_ADDR_MAX];
	int addrlen;
	/*
	 * SCM_RIGHTS. send: the files to pass (the family takes the
	 * references, on success and failure alike, and sets fds NULL).
	 * recv: room for SOCK_MAX_FDS (NULL: the caller wants none, drop
	 * them); the family stores references the caller then owns.
	 */
	struct file **fds;
	int nfds;
	/* SCM_CREDENTIALS. send: given by the application (checked). */
	bool has_cred;
	struct sock_cred cred;
	/*
	 * recv: control messages other than SCM_RIGHTS, built with
	 * sock_put_cmsg into ctl (ctlcap bytes, NULL: none wanted).
	 */
	uint8_t *ctl;
	size_t ctlcap, ctllen;
	/* recv: MSG_TRUNC, MSG_CTRUNC, MSG_EOR... for msg_flags. */
	int msg_flags;
};

struct sock_ops {
	/* The address was copied in: addrlen 0..SOCK_ADDR_MAX. */
	int (*bind)(struct socket *s, struct task *t, const uint8_t *addr,
		    int addrlen);
	int (*connect)(struct socket *s, struct task *t, const uint8_t *addr,
		       int addrlen);
	int (*listen)(struct socket *s, struct task *t, int backlog);
	/*
	 * A new connection as a new socket file (status flags flags:
	 * O_NONBLOCK) and its peer's address in addr/addrlen.
	 */
	int (*accept)(struct socket *s, struct task *t, uint32_t flags,
		      struct file **out, uint8_t *addr, int *addrlen);
	/* getsockname (peer false) and getpeername: addr has room. */
	int (*getname)(struct socket *s, uint8_t *addr, int *addrlen,
		       bool peer);
	/* Bytes sent or received, or -errno; m as above. */
	ssize_t (*sendmsg)(struct socket *s, struct task *t, struct sock_msg *m,
			   int flags);
	ssize_t (*recvmsg)(struct socket *s, struct task *t, struct sock_msg *m,
			   int flags);
	int (*shutdown)(struct socket *s, int how);
	/*
	 * Options at any level but SOL_SOCKET's common ones, which
	 * socket.c answers unless these do (they go first; -ENOPROTOOPT
	 * from them lets the common code try). val has SOCK_OPT_MAX bytes;
	 * *len in: the application's length (capped), out: the value's.
	 */
	int (*getsockopt)(struct socket *s, struct task *t, int level, int name,
			  void *val, int *len);
	int (*setsockopt)(struct socket *s, struct task *t, int level, int name,
			  const void *val, int len);
	/* Readiness as file_ops.poll. */
	unsigned (*poll)(struct socket *s, unsigned events);
	/* ioctl other than the common ones; NULL: -ENOTTY. */
	long (*ioctl)(struct socket *s, struct task *t, unsigned int cmd,
		      uint64_t arg);
	/* The last reference to the file went: free the family's state
	 * (sock_free frees the struct socket afterwards). */
	void (*release)(struct socket *s);
};

#define SOCK_OPT_MAX 256

struct socket {
	struct file f;
	const struct sock_ops *ops;
	int family, type, protocol;
	uint64_t ino;
	struct sock_cred owner; /* who made it: fstat's uid and gid */
	/*
	 * The SOL_SOCKET options that socket.c keeps for every family,
	 * under lock (the family may read them under it too).
	 */
	pthread_mutex_t lock;
	int sndbuf, rcvbuf;
	int rcvlowat;
	bool reuseaddr, reuseport, keepalive, broadcast, passcred, oobinline,
	    dontroute, linger_on;
	int linger;
	int priority;
	uint32_t mark;
	int64_t rcvtimeo_ns, sndtimeo_ns; /* 0: none */
	struct abi_timespec time;	  /* fstat's times */
};

/*
 * A new socket (family, type and protocol checked by the family's create)
 * with sock_ops ops and status flags flags (O_NONBLOCK). size: the
 * family's structure, with struct socket first. NULL when out of memory.
 */
struct socket *sock_alloc(struct task *t, size_t size,
			  const struct sock_ops *ops, int family, int type,
			  int protocol, uint32_t flags);

/*
 * Snapshots: what socket.c keeps of s (its owner and the SOL_SOCKET
 * options), encoded; and loaded back into a new socket, each value
 * checked as setsockopt checks it (0, or -EINVAL with d's error).
 */
struct enc;
struct dec;
void sock_snap_save(struct socket *s, struct enc *e);
int sock_snap_load(struct socket *s, struct dec *d);

/* Is f a socket, and which. */
bool sock_is(const struct file *f);
static inline struct socket *sock_of(struct file *f)
{
	return (struct socket *)f;
}

/* socket(2): family dispatch. A new file or -errno (family's checks). */
int sock_create(struct task *t, int family, int type, int protocol,
		uint32_t flags, struct file **out);

/*
 * Add a control message (level, type, len bytes of data) to m->ctl; when
 * it does not fit, MSG_CTRUNC (and as much as fits of it, as Linux's
 * put_cmsg). false when it did not fit whole.
 */
bool sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data,
		   size_t len);

/* The non-blocking test every family makes for a send or receive. */
static inline bool sock_nonblock(const struct socket *s, int flags)
{
	return (flags & SOCK_MSG_DONTWAIT) || (s->f.flags & ABI_O_NONBLOCK);
}

/*
 * Wait on cond (lock held) for at most timeo_ns (0: no limit) counted
 * from *deadline's start (set *started false before the first call):
 * 0 after a wake-up, -ERESTARTSYS for a signal, -EAGAIN when the time
 * ran out (SO_RCVTIMEO/SO_SNDTIMEO).
 */
struct timespec;
int sock_wait(struct task *t, pthread_mutex_t *lock, pthread_cond_t *cond,
	      int64_t timeo_ns, struct timespec *deadline, bool *started);

/* A cursor over the application's iovecs. */
struct sock_iter {
	const struct abi_iovec *iov;
	int cnt, i;
	uint64_t off;
};

static inline void sock_iter_init(struct sock_iter *it,
				  const struct abi_iovec *iov, int cnt)
{
	it->iov = iov;
	it->cnt = cnt;
	it->i = 0;
	it->off = 0;
}

/* Bytes left in the iovecs. */
uint64_t sock_iter_left(const struct sock_iter *it);
/*
 * Move n bytes between buf and the iovecs (out: to the application):
 * 0 or -EFAULT, the cursor moved past what was copied.
 */
int sock_iter_copy(struct task *t, struct sock_iter *it, void *buf, size_t n,
		   bool out);

/*
 * The SOL_SOCKET options struct socket keeps (socket.c), for the socket
 * syscalls and for families that wrap them: 0 or -errno (ENOPROTOOPT for
 * an option it does not know). val and len as sock_ops.getsockopt's.
 */
int sock_common_getsockopt(struct socket *s, int name, void *val, int *len);
int sock_common_setsockopt(struct socket *s, struct task *t, int name,
			   const void *val, int len);

/*
 * An ioctl a family leaves to the common code returns this (Linux's
 * ENOIOCTLCMD): the network-device ioctls (SIOCGIFCONF, SIOCGIFINDEX...)
 * that any socket answers, in sock_dev_ioctl (netdev.c), else ENOTTY.
 */
#define SOCK_ENOIOCTLCMD 515
long sock_dev_ioctl(struct task *t, unsigned int cmd, uint64_t arg);

/* Family creates, each checking type and protocol. */
int unix_create(struct task *t, int type, int protocol, uint32_t flags,
		struct file **out);
int inet_create(struct task *t, int family, int type, int protocol,
		uint32_t flags, struct file **out);
/* --network=host's AF_INET and AF_INET6 (hostinet.c). */
int hostinet_create(struct task *t, int family, int type, int protocol,
		    uint32_t flags, struct file **out);
/*
 * Snapshots (checkpoint --tcp-close): a host socket, which no image can
 * hold, comes back closed, as after a network reset. hostinet_snap_info:
 * what f is (-EINVAL: no host socket), whether it was connected, and its
 * own address (addr: SOCK_ADDR_MAX bytes). hostinet_snap_closed: a socket
 * of that family, type and protocol with no host socket behind it: a
 * connected one reports ECONNRESET once (a read, a write or SO_ERROR),
 * then reads end of file and writes EPIPE; another is closed (ENOTCONN,
 * EPIPE, EINVAL). NULL for values no host socket has, or ENOMEM.
 */
int hostinet_snap_info(struct file *f, int *family, int *type, int *protocol,
		       bool *connected, uint8_t *addr, int *addrlen);
struct file *hostinet_snap_closed(int family, int type, int protocol,
				  bool connected, const uint8_t *addr,
				  int addrlen, uint32_t flags);
int netlink_create(struct task *t, int type, int protocol, uint32_t flags,
		   struct file **out);

/*
 * A host socket fd (non-blocking) behind a socket of another family (a
 * unix socket connected to a host socket file): hostinet.c's data calls.
 * Waits are s's (SO_RCVTIMEO, SO_SNDTIMEO, O_NONBLOCK). hostsock_recvmsg
 * with relay false asks the host for no address and no control messages
 * (files a host peer sends are then closed by the host, MSG_CTRUNC).
 */
ssize_t hostsock_sendmsg(struct socket *s, int fd, struct task *t,
			 struct sock_msg *m, int flags);
ssize_t hostsock_recvmsg(struct socket *s, int fd, struct task *t,
			 struct sock_msg *m, int flags, bool relay);
int hostsock_shutdown(int fd, int how);
unsigned hostsock_poll(int fd, unsigned events);
/* SIOCINQ, SIOCOUTQ, SIOCATMARK; other commands -SOCK_ENOIOCTLCMD. */
long hostsock_ioctl(int fd, struct task *t, unsigned int cmd, uint64_t arg);

#endif
