// SPDX-License-Identifier: Apache-2.0
/*
 * Socket calls (net/socket.c) over the sentry's AF_UNIX pairs: socketpair,
 * sendto, recvfrom, sendmsg and recvmsg (SCM_RIGHTS), shutdown,
 * getsockopt, setsockopt, getsockname, getpeername, and listen and accept
 * with the errors Linux gives a connected pair.
 *
 * Deviations: only socketpair makes sockets (socket, bind and connect
 * stay ENOSYS); other families are EOPNOTSUPP (inet, inet6, netlink,
 * packet) or EAFNOSUPPORT without their own argument checks; a datagram
 * sent to an address is ECONNREFUSED (no named sockets); SCM_CREDENTIALS
 * is accepted unchecked and never delivered; of the socket options, those
 * getsockopt reports and SO_SNDBUF/SO_RCVBUF to set, others ENOPROTOOPT.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/unix.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AF_UNIX	   1
#define AF_INET	   2
#define AF_INET6   10
#define AF_NETLINK 16
#define AF_PACKET  17
#define AF_MAX	   46

#define SOCK_RAW       3
#define SOCK_MAX       11
#define SOCK_TYPE_MASK 0xf

#define SOL_SOCKET	1
#define SCM_RIGHTS	1
#define SCM_CREDENTIALS 2
#define SOCKADDR_MAX	128
#define SOCK_IOV_MAX	1024

struct abi_msghdr {
	uint64_t msg_name;
	int32_t msg_namelen;
	int32_t pad0;
	uint64_t msg_iov;
	uint64_t msg_iovlen;
	uint64_t msg_control;
	uint64_t msg_controllen;
	int32_t msg_flags;
	int32_t pad1;
};

struct abi_cmsghdr {
	uint64_t cmsg_len;
	int32_t cmsg_level;
	int32_t cmsg_type;
};

#define CMSG_ALIGN(len) (((len) + 7) & ~(uint64_t)7)
#define CMSG_HDR	sizeof(struct abi_cmsghdr)

static long do_socketpair(struct task *t, int family, int type, int protocol,
			  uint64_t usv)
{
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
	int flags = type & ~SOCK_TYPE_MASK;
	bool cloexec = flags & ABI_O_CLOEXEC;
	int sv[2] = {0, 0};
	struct file *a, *b;
	long err;

	if (flags & ~(ABI_O_CLOEXEC | ABI_O_NONBLOCK))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;
	/* The fds are written before the sockets exist, as Linux's. */
	if (mm_copy_out(t->mm, usv, sv, sizeof(sv)))
		return -EFAULT;
	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if (type >= SOCK_MAX)
		return -EINVAL;
	if (family == AF_INET || family == AF_INET6 || family == AF_NETLINK ||
	    family == AF_PACKET)
		return -EOPNOTSUPP;
	if (family != AF_UNIX)
		return -EAFNOSUPPORT;
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = UNIX_SOCK_DGRAM;
	if (type != UNIX_SOCK_STREAM && type != UNIX_SOCK_DGRAM &&
	    type != UNIX_SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	err =
	    unix_pair_create(t, type, (uint32_t)flags & ABI_O_NONBLOCK, &a, &b);
	if (err)
		return err;
	sv[0] = fd_alloc(t->files, a, cloexec, 0, limit);
	sv[1] = sv[0] < 0 ? sv[0] : fd_alloc(t->files, b, cloexec, 0, limit);
	file_put(a);
	file_put(b);
	if (sv[1] < 0) {
		if (sv[0] >= 0)
			fd_close(t->files, sv[0]);
		return sv[1];
	}
	err = mm_copy_out(t->mm, usv, sv, sizeof(sv));
	if (err) {
		fd_close(t->files, sv[0]);
		fd_close(t->files, sv[1]);
	}
	return err;
}

SYSCALL(socketpair)
{
	return do_socketpair(t, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

/* The socket at fd (a reference), or NULL with EBADF or ENOTSOCK. */
static struct file *sockfd_get(struct task *t, int fd, long *err)
{
	struct file *f = fd_get(t->files, fd);

	if (!f || (f->flags & ABI_O_PATH)) {
		if (f)
			file_put(f);
		*err = -EBADF;
		return NULL;
	}
	if (!unix_sock_is(f)) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	return f;
}

/*
 * A destination address (move_addr_to_kernel, then unix's own checks):
 * 0 none, 1 one for the socket to refuse or ignore, or -errno.
 */
static long check_addr(struct task *t, struct file *f, uint64_t addr,
		       int64_t len)
{
	uint16_t family;

	if (!addr || !len)
		return 0;
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	if (mm_copy_in(t->mm, &family, addr, min_t(int64_t, len, 2)))
		return -EFAULT;
	if (unix_sock_type(f) != UNIX_SOCK_DGRAM)
		return 1;
	if (len < 2 || family != AF_UNIX)
		return -EINVAL;
	/* No socket has a name in the sentry: nothing answers. */
	return -ECONNREFUSED;
}

/* Turn the control messages into files to pass: 0 or -errno. */
static long scm_send(struct task *t, const uint8_t *ctl, uint64_t len,
		     struct file ***out, int *nout)
{
	struct file **fds = NULL;
	int n = 0;
	uint64_t off = 0;

	while (len - off >= CMSG_HDR) {
		struct abi_cmsghdr h;
		uint64_t cnt;

		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < CMSG_HDR || h.cmsg_len > len - off)
			goto inval;
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
			cnt = (h.cmsg_len - CMSG_HDR) / sizeof(int);
			if (cnt && (uint64_t)n + cnt > UNIX_MAX_FDS)
				goto inval;
			if (cnt && !fds &&
			    !(fds = calloc(UNIX_MAX_FDS, sizeof(*fds)))) {
				*out = NULL;
				return -ENOMEM;
			}
			for (uint64_t i = 0; i < cnt; i++) {
				int fd;
				struct file *f;

				memcpy(&fd, ctl + off + CMSG_HDR + i * 4, 4);
				f = fd_get(t->files, fd);
				if (!f || (f->flags & ABI_O_PATH)) {
					if (f)
						file_put(f);
					for (int j = 0; j < n; j++)
						file_put(fds[j]);
					free(fds);
					return -EBADF;
				}
				fds[n++] = f;
			}
		} else if (h.cmsg_level == SOL_SOCKET &&
			   h.cmsg_type != SCM_CREDENTIALS) {
			goto inval;
		}
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	*out = fds;
	*nout = n;
	return 0;
inval:
	for (int j = 0; j < n; j++)
		file_put(fds[j]);
	free(fds);
	return -EINVAL;
}

static long do_send(struct task *t, int fd, const struct abi_iovec *iov,
		    int cnt, int flags, uint64_t addr, int64_t addrlen,
		    const uint8_t *ctl, uint64_t ctllen)
{
	struct file **fds = NULL;
	int nfds = 0;
	struct file *f;
	long ret, has;

	f = sockfd_get(t, fd, &ret);
	if (!f)
		return ret;
	has = check_addr(t, f, addr, addrlen);
	if (has < 0) {
		ret = has;
		goto out;
	}
	if (ctllen) {
		ret = scm_send(t, ctl, ctllen, &fds, &nfds);
		if (ret)
			goto out;
	}
	ret = unix_send(f, t, iov, cnt, flags, fds, nfds, has);
out:
	file_put(f);
	return ret;
}

SYSCALL(sendto)
{
	struct abi_iovec iov = {a[1],
				a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2]};

	if (!user_access_ok(a[1], a[2]))
		return -EFAULT;
	return do_send(t, (int)a[0], &iov, 1, (int)a[3], a[4], (int32_t)a[5],
		       NULL, 0);
}

/* What recvmsg writes back into msghdr: length, flags, control used. */
struct recv_out {
	int msg_flags;
	uint64_t ctl_used;
};

/*
 * Install the received files as new fds into a control buffer of ctllen
 * bytes at uctl (scm_detach_fds): those that do not fit are closed and
 * MSG_CTRUNC set.
 */
static void scm_recv(struct task *t, struct file **fds, int nfds, uint64_t uctl,
		     uint64_t ctllen, bool cloexec, struct recv_out *o)
{
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
	int fdmax = 0, i = 0;
	int *nums;

	if (!nfds)
		return;
	if (ctllen > CMSG_HDR)
		fdmax = (int)min_t(uint64_t, (ctllen - CMSG_HDR) / sizeof(int),
				   UNIX_MAX_FDS);
	nums = calloc((size_t)nfds, sizeof(int));
	for (; nums && i < fdmax && i < nfds; i++) {
		int fd = fd_alloc(t->files, fds[i], cloexec, 0, limit);

		if (fd < 0)
			break;
		nums[i] = fd;
	}
	if (i > 0) {
		struct abi_cmsghdr h = {CMSG_HDR + (uint64_t)i * sizeof(int),
					SOL_SOCKET, SCM_RIGHTS};
		uint64_t space = CMSG_ALIGN(h.cmsg_len);

		if (mm_copy_out(t->mm, uctl, &h, sizeof(h)) ||
		    mm_copy_out(t->mm, uctl + CMSG_HDR, nums,
				(size_t)i * sizeof(int))) {
			/* Linux leaves them installed; so do we. */
			o->msg_flags |= UNIX_MSG_CTRUNC;
		}
		o->ctl_used = min_t(uint64_t, space, ctllen);
	}
	if (i < nfds)
		o->msg_flags |= UNIX_MSG_CTRUNC;
	free(nums);
	for (int j = 0; j < nfds; j++)
		file_put(fds[j]); /* installed ones hold their own */
}

static long do_recv(struct task *t, int fd, const struct abi_iovec *iov,
		    int cnt, int flags, uint64_t uctl, uint64_t ctllen,
		    struct recv_out *o)
{
	struct file *fds[UNIX_MAX_FDS];
	int nfds = 0;
	struct file *f;
	long ret;

	f = sockfd_get(t, fd, &ret);
	if (!f)
		return ret;
	ret = unix_recv(f, t, iov, cnt, flags, &o->msg_flags, fds, &nfds);
	file_put(f);
	/* recvmsg reports MSG_CMSG_CLOEXEC back, as Linux. */
	o->msg_flags |= flags & UNIX_MSG_CMSG_CLOEXEC;
	if (ret >= 0)
		scm_recv(t, fds, nfds, uctl, uctl ? ctllen : 0,
			 flags & UNIX_MSG_CMSG_CLOEXEC, o);
	else
		for (int i = 0; i < nfds; i++)
			file_put(fds[i]);
	return ret;
}

/* An unnamed peer: addrlen 0 written back (move_addr_to_user). */
static long put_no_addr(struct task *t, uint64_t uaddr, uint64_t ulen)
{
	int32_t len, zero = 0;

	if (!uaddr || !ulen)
		return 0;
	if (mm_copy_in(t->mm, &len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	return mm_copy_out(t->mm, ulen, &zero, sizeof(zero));
}

SYSCALL(recvfrom)
{
	struct abi_iovec iov = {a[1],
				a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2]};
	struct recv_out o = {0, 0};
	long ret, err;

	if (!user_access_ok(a[1], a[2]))
		return -EFAULT;
	ret = do_recv(t, (int)a[0], &iov, 1, (int)a[3], 0, 0, &o);
	if (ret < 0)
		return ret;
	err = put_no_addr(t, a[4], a[5]);
	return err ? err : ret;
}

/* Copy in a msghdr and its iovecs: the iovec array is malloc'ed. */
static long msghdr_in(struct task *t, uint64_t umsg, struct abi_msghdr *m,
		      struct abi_iovec **iov)
{
	int64_t total;

	if (mm_copy_in(t->mm, m, umsg, sizeof(*m)))
		return -EFAULT;
	if (m->msg_iovlen > SOCK_IOV_MAX)
		return -EMSGSIZE;
	*iov = malloc((m->msg_iovlen ? m->msg_iovlen : 1) * sizeof(**iov));
	if (!*iov)
		return -ENOMEM;
	total = import_iovec(t, m->msg_iov, m->msg_iovlen, *iov);
	if (total < 0) {
		free(*iov);
		return total;
	}
	return 0;
}

SYSCALL(sendmsg)
{
	struct abi_msghdr m;
	struct abi_iovec *iov;
	uint8_t *ctl = NULL;
	long ret;

	ret = msghdr_in(t, a[1], &m, &iov);
	if (ret)
		return ret;
	if (m.msg_controllen > INT32_MAX) {
		ret = -ENOBUFS;
		goto out;
	}
	if (m.msg_controllen) {
		ctl = malloc(m.msg_controllen);
		if (!ctl) {
			ret = -ENOMEM;
			goto out;
		}
		if (mm_copy_in(t->mm, ctl, m.msg_control, m.msg_controllen)) {
			ret = -EFAULT;
			goto out;
		}
	}
	ret =
	    do_send(t, (int)a[0], iov, (int)m.msg_iovlen, (int)a[2], m.msg_name,
		    m.msg_name ? m.msg_namelen : 0, ctl, m.msg_controllen);
out:
	free(ctl);
	free(iov);
	return ret;
}

SYSCALL(recvmsg)
{
	struct abi_msghdr m;
	struct abi_iovec *iov;
	struct recv_out o = {0, 0};
	int32_t zero = 0;
	long ret;

	ret = msghdr_in(t, a[1], &m, &iov);
	if (ret)
		return ret;
	ret = do_recv(t, (int)a[0], iov, (int)m.msg_iovlen, (int)a[2],
		      m.msg_control, m.msg_controllen, &o);
	free(iov);
	if (ret < 0)
		return ret;
	if ((m.msg_name &&
	     mm_copy_out(t->mm, a[1] + offsetof(struct abi_msghdr, msg_namelen),
			 &zero, sizeof(zero))) ||
	    mm_copy_out(t->mm,
			a[1] + offsetof(struct abi_msghdr, msg_controllen),
			&o.ctl_used, sizeof(o.ctl_used)) ||
	    mm_copy_out(t->mm, a[1] + offsetof(struct abi_msghdr, msg_flags),
			&o.msg_flags, sizeof(o.msg_flags)))
		return -EFAULT;
	return ret;
}

SYSCALL(shutdown)
{
	struct file *f;
	long ret;

	f = sockfd_get(t, (int)a[0], &ret);
	if (!f)
		return ret;
	ret = unix_shutdown(f, (int)a[1]);
	file_put(f);
	return ret;
}

SYSCALL(getsockopt)
{
	uint8_t val[16];
	int32_t ulen;
	int len;
	struct file *f;
	long ret;

	f = sockfd_get(t, (int)a[0], &ret);
	if (!f)
		return ret;
	if ((int)a[1] != SOL_SOCKET) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (mm_copy_in(t->mm, &ulen, a[4], sizeof(ulen))) {
		ret = -EFAULT;
		goto out;
	}
	if (ulen < 0) {
		ret = -EINVAL;
		goto out;
	}
	ret = unix_getsockopt(f, (int)a[2], val, &len);
	if (ret)
		goto out;
	len = min_t(int, len, ulen);
	if (mm_copy_out(t->mm, a[3], val, (size_t)len) ||
	    mm_copy_out(t->mm, a[4], &len, sizeof(len)))
		ret = -EFAULT;
out:
	file_put(f);
	return ret;
}

SYSCALL(setsockopt)
{
	uint8_t val[4];
	struct file *f;
	long ret;

	f = sockfd_get(t, (int)a[0], &ret);
	if (!f)
		return ret;
	if ((int)a[1] != SOL_SOCKET)
		ret = -EOPNOTSUPP;
	else if ((int)a[4] < 0)
		ret = -EINVAL;
	else if ((int)a[4] >= 4 && mm_copy_in(t->mm, val, a[3], sizeof(val)))
		ret = -EFAULT;
	else
		ret = unix_setsockopt(f, (int)a[2], val, (int)a[4]);
	file_put(f);
	return ret;
}

/* getsockname and getpeername: an unnamed socket, sun_family alone. */
static long do_getname(struct task *t, const uint64_t *a, bool peer)
{
	uint16_t family = AF_UNIX;
	int32_t len, klen = 2;
	struct file *f;
	long ret;

	f = sockfd_get(t, (int)a[0], &ret);
	if (!f)
		return ret;
	if (peer && !unix_connected(f))
		ret = -ENOTCONN;
	else if (mm_copy_in(t->mm, &len, a[2], sizeof(len)))
		ret = -EFAULT;
	else if (len < 0)
		ret = -EINVAL;
	else if ((len && mm_copy_out(t->mm, a[1], &family,
				     (size_t)min_t(int32_t, len, klen))) ||
		 mm_copy_out(t->mm, a[2], &klen, sizeof(klen)))
		ret = -EFAULT;
	file_put(f);
	return ret;
}

SYSCALL(getsockname)
{
	return do_getname(t, a, false);
}

SYSCALL(getpeername)
{
	return do_getname(t, a, true);
}

/* A connected pair cannot listen or accept: EINVAL, EOPNOTSUPP (dgram). */
static long not_listening(struct task *t, int fd)
{
	struct file *f;
	long ret;

	f = sockfd_get(t, fd, &ret);
	if (!f)
		return ret;
	ret = unix_sock_type(f) == UNIX_SOCK_DGRAM ? -EOPNOTSUPP : -EINVAL;
	file_put(f);
	return ret;
}

SYSCALL(listen)
{
	return not_listening(t, (int)a[0]);
}

SYSCALL(accept)
{
	return not_listening(t, (int)a[0]);
}

SYSCALL(accept4)
{
	if (a[3] & ~(uint64_t)(ABI_O_CLOEXEC | ABI_O_NONBLOCK))
		return -EINVAL;
	return not_listening(t, (int)a[0]);
}
