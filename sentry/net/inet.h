/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's own loopback (--network=none): AF_INET and AF_INET6
 * sockets that reach only each other, inside the sentry. Private to
 * inet.c (addresses, ports, options, the socket calls), inet_tcp.c (a
 * connection as two endpoints with byte queues) and inet_udp.c
 * (datagram queues).
 *
 * No packets exist: a TCP connection is two endpoints, each with the
 * queue of bytes its peer sent; a datagram goes straight onto its
 * receiver's queue. Every endpoint is under one lock, inet_lock; each
 * has its own condition, broadcast (with poll_notify) when its queue,
 * its room or its state changes.
 */
#ifndef MOAT_NET_INET_H
#define MOAT_NET_INET_H

#include "sentry/kernel/util.h"
#include "sentry/net/socket.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IPPROTO_IP_	0
#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_IPV6_	41
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_RAW_	255
#define SOL_IP		0
#define SOL_TCP		6
#define SOL_UDP		17
#define SOL_IPV6	41

/* TCP states, as TCP_INFO numbers them. */
enum {
	TCPS_ESTABLISHED = 1,
	TCPS_SYN_SENT,
	TCPS_SYN_RECV,
	TCPS_FIN_WAIT1,
	TCPS_FIN_WAIT2,
	TCPS_TIME_WAIT,
	TCPS_CLOSE,
	TCPS_CLOSE_WAIT,
	TCPS_LAST_ACK,
	TCPS_LISTEN,
	TCPS_CLOSING,
};

/* The socket's side of a connect (struct socket's SS_*). */
enum {
	SS_UNCONNECTED = 1,
	SS_CONNECTING,
	SS_CONNECTED,
};

#define RCV_SHUTDOWN  1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* An address as IPv6 bytes: IPv4 ones mapped (::ffff:a.b.c.d). */
struct inet_addr {
	uint8_t b[16];
};

/* Options that an accepted socket inherits from its listener. */
struct inet_opts {
	/* SOL_TCP */
	bool nodelay, cork, quickack, fastopen_connect;
	int maxseg; /* 0: none set */
	int keepidle, keepintvl, keepcnt;
	int syncnt, linger2, defer_accept, window_clamp, user_timeout;
	int fastopen, notsent_lowat;
	char cong[16];
	/* SOL_IP */
	int ttl; /* -1: the default */
	int tos, mtu_discover, mc_ttl, mc_if;
	bool mc_loop, pktinfo, recvttl, recvtos, recverr, freebind, transparent,
	    bind_no_port, mc_all, recvorigdstaddr;
	/* SOL_IPV6 */
	int hops, mc_hops, tclass, mtu_discover6, mc_if6;
	bool mc_loop6, recvpktinfo6, recvtclass, recvhoplimit, recverr6,
	    v6_freebind, autoflowlabel, dontfrag;
	/* SOL_UDP */
	bool udp_cork;
	/* SOL_SOCKET */
	bool sndbuf_locked, rcvbuf_locked;
	int sndbuf_val, rcvbuf_val; /* SO_SNDBUF, SO_RCVBUF */
	int bound_dev;		    /* SO_BINDTODEVICE: 0 or 1 (lo) */
};

struct inet_seg; /* a run of stream bytes */
struct inet_dgram;

struct inet_sock;

struct inet_ep {
	int refs;
	int family; /* the socket's: SOCK_AF_INET or SOCK_AF_INET6 */
	int type;   /* SOCK_STREAM or SOCK_DGRAM */
	pthread_cond_t cond;
	struct inet_sock
	    *sock;    /* the file; NULL for an embryo or once closed */
	bool dead;    /* its file was closed */
	uint32_t uid; /* who made it (SO_REUSEPORT's check) */

	/* The local name. */
	struct inet_addr laddr;	   /* bound or source address */
	uint16_t lport;		   /* host order; 0: none */
	bool hashed;		   /* in the port table */
	bool addr_locked;	   /* bound to a specific address */
	bool port_locked;	   /* bound to a port the application chose */
	struct inet_ep *bnext;	   /* the port table's chain */
	bool reuseaddr, reuseport; /* as they were when hashed or since */
	bool v6only;

	/* The peer's name (TCP connected, UDP connected). */
	struct inet_addr raddr;
	uint16_t rport;

	int state;  /* TCPS_*; UDP: CLOSE or ESTABLISHED (connected) */
	int sstate; /* SS_* */
	int shutdown;
	int err;			     /* sk_err: reported once */
	bool done;			     /* a FIN came: reads end */
	bool fin_sent;			     /* we sent ours */
	uint64_t bytes_sent, bytes_received; /* TCP_INFO */

	/* TCP: the peer endpoint (a reference) and what it sent us. */
	struct inet_ep *peer;
	struct inet_seg *rq_head, *rq_tail;
	size_t rq_bytes;
	/* A reader copies out of the head without the lock: the only one
	 * that may take segments off, and a purge waits for it. */
	bool reading, purge_pending;
	/* Urgent data (MSG_OOB): the byte and where it is in the stream. */
	uint64_t rcv_seq; /* bytes taken from the queue so far */
	uint64_t urg_seq; /* the stream position of the mark */
	bool urg_valid;	  /* an urgent byte waits (out of line) */
	bool urg_mark;	  /* the mark is set (SIOCATMARK, reads stop) */
	uint8_t urg_byte;
	/* TCP listening: connections not accepted yet, oldest first, and
	 * connects that wait for room in that queue. */
	struct inet_ep *acc_head, **acc_tail, *acc_next;
	int nacc, backlog;
	struct inet_ep *syn_head, **syn_tail, *syn_next;
	struct inet_ep *listener; /* a waiting connect's (a reference) */

	/* UDP: datagrams received. */
	struct inet_dgram *dq_head, **dq_tail;
	size_t dq_mem;

	struct inet_opts o;
};

struct inet_sock {
	struct socket s;
	struct inet_ep *ep;
};

extern pthread_mutex_t inet_lock;

static inline struct inet_ep *inet_ep_of(struct socket *s)
{
	return container_of(s, struct inet_sock, s)->ep;
}

/* Wake whoever waits on ep and every poll (lock held). */
void inet_wake(struct inet_ep *ep);
void inet_ep_get(struct inet_ep *ep);
void inet_ep_put_locked(struct inet_ep *ep);
struct inet_ep *inet_ep_new(int family, int type, uint32_t uid);

/* Addresses. */
bool inet_addr_v4(const struct inet_addr *a);
bool inet_addr_any(const struct inet_addr *a);
bool inet_addr_eq(const struct inet_addr *a, const struct inet_addr *b);
void inet_addr_set_v4(struct inet_addr *a, uint32_t be);
extern const struct inet_addr inet_any6, inet_loop6, inet_any4, inet_loop4;
/* sockaddr_in / sockaddr_in6 for a socket of family, into sa: its length. */
int inet_sockaddr(int family, const struct inet_addr *a, uint16_t port,
		  uint8_t *sa);
/*
 * A destination for connect or send on ep: addr/addrlen parsed as the
 * family's connect does; *dst its address (the any address turned into
 * loopback), *port the port. -errno: EINVAL, EAFNOSUPPORT, ENETUNREACH.
 */
int inet_parse_dest(struct inet_ep *ep, const uint8_t *addr, int addrlen,
		    bool dgram, struct inet_addr *dst, uint16_t *port);
/*
 * A sendto's destination on a datagram socket (udp_sendmsg,
 * udpv6_sendmsg): 0, 1 when the address says none (AF_UNSPEC on
 * AF_INET6), or -errno.
 */
int inet_parse_sendto(struct inet_ep *ep, const uint8_t *sa, int len,
		      struct inet_addr *dst, uint16_t *port);
/* The source address for a destination (loopback's own). */
void inet_source_for(struct inet_ep *ep, const struct inet_addr *dst,
		     struct inet_addr *src);

/* Ports. */
int inet_autobind_locked(struct inet_ep *ep);
void inet_unhash_locked(struct inet_ep *ep);
/* Could ep (bound to its port) listen: EADDRINUSE when another listens. */
int inet_listen_check_locked(struct inet_ep *ep);
/* Hash an accepted endpoint at its listener's port. */
void inet_hash_child_locked(struct inet_ep *ep);
/*
 * The endpoint of type that takes a packet to dst:dport from src:sport
 * (TCP: a listener), best match first as Linux scores them: NULL if none.
 */
struct inet_ep *inet_lookup_locked(int type, const struct inet_addr *dst,
				   uint16_t dport, const struct inet_addr *src,
				   uint16_t sport);

/* Buffer sizes: what an endpoint's queue may hold. */
size_t inet_rcvspace(const struct inet_ep *ep);
size_t inet_sndspace(const struct inet_ep *ep);
int64_t inet_timeo(const struct inet_ep *ep, bool rcv);

/* TCP (inet_tcp.c). */
int tcp_connect(struct socket *s, struct task *t, const uint8_t *addr,
		int addrlen);
int tcp_listen(struct socket *s, struct task *t, int backlog);
int tcp_accept(struct socket *s, struct task *t, uint32_t flags,
	       struct file **out, uint8_t *addr, int *addrlen);
ssize_t tcp_sendmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags);
ssize_t tcp_recvmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags);
int tcp_shutdown(struct socket *s, int how);
unsigned tcp_poll(struct socket *s, unsigned events);
long tcp_ioctl(struct socket *s, struct task *t, unsigned int cmd,
	       uint64_t arg);
void tcp_close_locked(struct inet_ep *ep, bool abort);
void tcp_purge_locked(struct inet_ep *ep);
int tcp_getsockopt(struct socket *s, int name, void *val, int *len);
int tcp_setsockopt(struct socket *s, struct task *t, int name, const void *val,
		   int len);
void tcp_init_opts(struct inet_opts *o);

/* UDP (inet_udp.c). */
int udp_connect(struct socket *s, struct task *t, const uint8_t *addr,
		int addrlen);
ssize_t udp_sendmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags);
ssize_t udp_recvmsg(struct socket *s, struct task *t, struct sock_msg *m,
		    int flags);
unsigned udp_poll(struct socket *s, unsigned events);
long udp_ioctl(struct socket *s, struct task *t, unsigned int cmd,
	       uint64_t arg);
void udp_purge_locked(struct inet_ep *ep);
int udp_getsockopt(struct socket *s, int name, void *val, int *len);
int udp_setsockopt(struct socket *s, int name, const void *val, int len);

/* A new socket file for ep (taking a reference), copying the common
 * options of from (NULL: the defaults). */
struct file *inet_file_for(struct task *t, struct inet_ep *ep,
			   struct socket *from, uint32_t flags);

#define SIOCINQ_    0x541B
#define SIOCOUTQ_   0x5411
#define SIOCATMARK_ 0x8905
#define SIOCOUTQNSD 0x894B

#endif
