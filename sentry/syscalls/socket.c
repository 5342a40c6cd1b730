// SPDX-License-Identifier: Apache-2.0
/*
 * The socket calls (net/socket.c, net/core/scm.c): arguments copied in and
 * checked in Linux's order (the fd, then the address, then the family's
 * own checks), control messages parsed (SCM_RIGHTS and SCM_CREDENTIALS,
 * with their permission checks) and built, received files installed, and
 * addresses written back as move_addr_to_user does (the full length, the
 * bytes cut to what fits). The families are in sentry/net/.
 */
#include "sentry/net/socket.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/unix.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SOCK_IOV_MAX 1024 /* UIO_MAXIOV */
#define SOMAXCONN    4096 /* net.core.somaxconn's default */

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

struct abi_mmsghdr {
	struct abi_msghdr msg_hdr;
	uint32_t msg_len;
	uint32_t pad;
};

struct abi_cmsghdr {
	uint64_t cmsg_len;
	int32_t cmsg_level;
	int32_t cmsg_type;
};

#define CMSG_ALIGN(len) (((len) + 7) & ~(uint64_t)7)
#define CMSG_HDR	sizeof(struct abi_cmsghdr)

static long install_pair(struct task *t, struct file *a, struct file *b,
			 bool cloexec, uint64_t usv)
{
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
	int sv[2];
	long err;

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

SYSCALL(socket)
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2];
	uint32_t flags = (uint32_t)type & ~(uint32_t)SOCK_TYPE_MASK;
	struct file *f;
	long ret;

	if (flags & ~(uint32_t)(ABI_O_CLOEXEC | ABI_O_NONBLOCK))
		return -EINVAL;
	ret =
	    sock_create(t, family, type & SOCK_TYPE_MASK, protocol, flags, &f);
	if (ret)
		return ret;
	ret = fd_alloc(t->files, f, flags & ABI_O_CLOEXEC, 0,
		       t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(f);
	return ret;
}

SYSCALL(socketpair)
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2];
	uint32_t flags = (uint32_t)type & ~(uint32_t)SOCK_TYPE_MASK;
	int sv[2] = {0, 0};
	struct file *x, *y;
	long err;

	if (flags & ~(uint32_t)(ABI_O_CLOEXEC | ABI_O_NONBLOCK))
		return -EINVAL;
	type &= SOCK_TYPE_MASK;
	/* The fds are written before the sockets exist, as Linux's. */
	if (mm_copy_out(t->mm, a[3], sv, sizeof(sv)))
		return -EFAULT;
	if (family < 0 || family >= SOCK_AF_MAX)
		return -EAFNOSUPPORT;
	if (type >= SOCK_TYPE_MAX)
		return -EINVAL;
	/* Families that have sockets but no pairs of them. */
	if (family == SOCK_AF_INET || family == SOCK_AF_INET6 ||
	    family == SOCK_AF_NETLINK || family == SOCK_AF_PACKET)
		return -EOPNOTSUPP;
	if (family != SOCK_AF_UNIX)
		return -EAFNOSUPPORT;
	err =
	    unix_socketpair(t, type, protocol, flags & ABI_O_NONBLOCK, &x, &y);
	if (err)
		return err;
	return install_pair(t, x, y, flags & ABI_O_CLOEXEC, a[3]);
}

/* The socket at fd (a reference), or NULL with EBADF or ENOTSOCK. */
static struct socket *sockfd_get(struct task *t, int fd, long *err)
{
	struct file *f = fd_get(t->files, fd);

	if (!f || (f->flags & ABI_O_PATH)) {
		if (f)
			file_put(f);
		*err = -EBADF;
		return NULL;
	}
	if (!sock_is(f)) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	return sock_of(f);
}

static void sockfd_put(struct socket *s)
{
	file_put(&s->f);
}

/* move_addr_to_kernel: 0..SOCK_ADDR_MAX bytes, else EINVAL; EFAULT. */
static long addr_in(struct task *t, uint64_t uaddr, int64_t len, uint8_t *buf)
{
	if (len < 0 || len > SOCK_ADDR_MAX)
		return -EINVAL;
	if (len && mm_copy_in(t->mm, buf, uaddr, (size_t)len))
		return -EFAULT;
	return 0;
}

/*
 * move_addr_to_user: the address cut to the room *ulen gives, and its
 * full length written back. Nothing happens without a length pointer.
 */
static long addr_out(struct task *t, const uint8_t *addr, int klen,
		     uint64_t uaddr, uint64_t ulen)
{
	int32_t len;

	if (!ulen)
		return 0;
	if (mm_copy_in(t->mm, &len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (len > klen)
		len = klen;
	if (len && mm_copy_out(t->mm, uaddr, addr, (size_t)len))
		return -EFAULT;
	return mm_copy_out(t->mm, ulen, &klen, sizeof(klen));
}

SYSCALL(bind)
{
	uint8_t addr[SOCK_ADDR_MAX];
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = addr_in(t, a[1], (int32_t)a[2], addr);
	if (!ret)
		ret = s->ops->bind(s, t, addr, (int)(int32_t)a[2]);
	sockfd_put(s);
	return ret;
}

SYSCALL(connect)
{
	uint8_t addr[SOCK_ADDR_MAX];
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = addr_in(t, a[1], (int32_t)a[2], addr);
	if (!ret)
		ret = s->ops->connect(s, t, addr, (int)(int32_t)a[2]);
	sockfd_put(s);
	return ret;
}

SYSCALL(listen)
{
	int backlog = (int)a[1];
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	ret = s->ops->listen(s, t, backlog);
	sockfd_put(s);
	return ret;
}

static long do_accept(struct task *t, int fd, uint64_t uaddr, uint64_t ulen,
		      uint32_t flags)
{
	uint8_t addr[SOCK_ADDR_MAX];
	int addrlen = 0;
	struct socket *s;
	struct file *nf;
	long ret;

	if (flags & ~(uint32_t)(ABI_O_CLOEXEC | ABI_O_NONBLOCK))
		return -EINVAL;
	s = sockfd_get(t, fd, &ret);
	if (!s)
		return ret;
	ret = s->ops->accept(s, t, flags & ABI_O_NONBLOCK, &nf, addr, &addrlen);
	sockfd_put(s);
	if (ret)
		return ret;
	if (uaddr) {
		ret = addr_out(t, addr, addrlen, uaddr, ulen);
		if (ret) {
			file_put(nf); /* the connection is lost, as Linux's */
			return ret;
		}
	}
	ret = fd_alloc(t->files, nf, flags & ABI_O_CLOEXEC, 0,
		       t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(nf);
	return ret;
}

SYSCALL(accept)
{
	return do_accept(t, (int)a[0], a[1], a[2], 0);
}

SYSCALL(accept4)
{
	return do_accept(t, (int)a[0], a[1], a[2], (uint32_t)a[3]);
}

static long do_getname(struct task *t, const uint64_t *a, bool peer)
{
	uint8_t addr[SOCK_ADDR_MAX];
	int len = 0;
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = s->ops->getname(s, addr, &len, peer);
	sockfd_put(s);
	if (ret)
		return ret;
	return addr_out(t, addr, len, a[1], a[2]);
}

SYSCALL(getsockname)
{
	return do_getname(t, a, false);
}

SYSCALL(getpeername)
{
	return do_getname(t, a, true);
}

/* ---- sending ------------------------------------------------------------ */

/* scm_check_creds: the sender's own ids, unless it may claim others. */
static long check_creds(struct task *t, const struct sock_cred *c)
{
	const struct creds *cr = &t->creds;

	if (c->pid != t->tg->tgid && !creds_capable(cr, ABI_CAP_SYS_ADMIN))
		return -EPERM;
	if (c->uid != cr->ruid && c->uid != cr->euid && c->uid != cr->suid &&
	    !creds_capable(cr, ABI_CAP_SETUID))
		return -EPERM;
	if (c->gid != cr->rgid && c->gid != cr->egid && c->gid != cr->sgid &&
	    !creds_capable(cr, ABI_CAP_SETGID))
		return -EPERM;
	return 0;
}

static void drop_fds(struct sock_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		file_put(m->fds[i]);
	free(m->fds);
	m->fds = NULL;
	m->nfds = 0;
}

/*
 * The control messages of a send (__scm_send): SCM_RIGHTS' files and
 * SCM_CREDENTIALS into m, for AF_UNIX (and SCM_CREDENTIALS for netlink);
 * other levels are the family's, which ignores them. 0 or -errno.
 */
static long scm_send(struct task *t, struct socket *s, const uint8_t *ctl,
		     uint64_t len, struct sock_msg *m)
{
	uint64_t off = 0;
	long err = 0;

	while (len - off >= CMSG_HDR) {
		struct abi_cmsghdr h;

		memcpy(&h, ctl + off, sizeof(h));
		if (h.cmsg_len < CMSG_HDR || h.cmsg_len > len - off) {
			err = -EINVAL;
			break;
		}
		if (h.cmsg_level != SOL_SOCKET) {
			/* the family's; nothing of ours takes any yet */
		} else if (h.cmsg_type == SCM_RIGHTS) {
			uint64_t cnt = (h.cmsg_len - CMSG_HDR) / sizeof(int);

			if (s->family != SOCK_AF_UNIX) {
				err = -EINVAL;
				break;
			}
			if (cnt && (uint64_t)m->nfds + cnt > SOCK_MAX_FDS) {
				err = -EINVAL;
				break;
			}
			if (cnt && !m->fds &&
			    !(m->fds = calloc(SOCK_MAX_FDS, sizeof(*m->fds)))) {
				err = -ENOMEM;
				break;
			}
			for (uint64_t i = 0; i < cnt; i++) {
				int fd;
				struct file *f;

				memcpy(&fd, ctl + off + CMSG_HDR + i * 4, 4);
				f = fd_get(t->files, fd);
				if (!f || (f->flags & ABI_O_PATH)) {
					if (f)
						file_put(f);
					err = -EBADF;
					break;
				}
				m->fds[m->nfds++] = f;
			}
			if (err)
				break;
		} else if (h.cmsg_type == SCM_CREDENTIALS) {
			if (h.cmsg_len != CMSG_HDR + sizeof(struct sock_cred)) {
				err = -EINVAL;
				break;
			}
			memcpy(&m->cred, ctl + off + CMSG_HDR, sizeof(m->cred));
			err = check_creds(t, &m->cred);
			if (err)
				break;
			m->has_cred = true;
		} else {
			err = -EINVAL;
			break;
		}
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	if (err)
		drop_fds(m);
	return err;
}

/*
 * One send on s: iov imported, the address (addrlen bytes at uaddr,
 * checked as move_addr_to_kernel does when strict, else cut to
 * SOCK_ADDR_MAX as sendmsg's copy), control at ctl.
 */
static long do_send(struct task *t, struct socket *s,
		    const struct abi_iovec *iov, int cnt, int flags,
		    uint64_t uaddr, int64_t addrlen, bool strict,
		    const uint8_t *ctl, uint64_t ctllen)
{
	struct sock_msg m;
	long ret;

	memset(&m, 0, sizeof(m));
	m.iov = iov;
	m.iovcnt = cnt;
	if (uaddr) {
		if (!strict && addrlen > SOCK_ADDR_MAX)
			addrlen = SOCK_ADDR_MAX;
		ret = addr_in(t, uaddr, addrlen, m.addr);
		if (ret)
			return ret;
		m.addrlen = (int)addrlen;
	}
	if (ctllen) {
		ret = scm_send(t, s, ctl, ctllen, &m);
		if (ret)
			return ret;
	}
	ret = s->ops->sendmsg(s, t, &m, flags);
	drop_fds(&m);
	return ret;
}

SYSCALL(sendto)
{
	struct abi_iovec iov = {a[1],
				a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2]};
	struct socket *s;
	long ret;

	if (!user_access_ok(a[1], a[2]))
		return -EFAULT;
	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = do_send(t, s, &iov, 1, (int)a[3], a[4], (int32_t)a[5], true, NULL,
		      0);
	sockfd_put(s);
	return ret;
}

/* Copy in a msghdr and its iovecs: the iovec array is malloc'ed. */
static long msghdr_in(struct task *t, uint64_t umsg, struct abi_msghdr *m,
		      struct abi_iovec **iov)
{
	int64_t total;

	if (mm_copy_in(t->mm, m, umsg, sizeof(*m)))
		return -EFAULT;
	if (m->msg_namelen < 0)
		return -EINVAL;
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

static long sendmsg_one(struct task *t, struct socket *s, uint64_t umsg,
			int flags)
{
	struct abi_msghdr m;
	struct abi_iovec *iov;
	uint8_t *ctl = NULL;
	long ret;

	ret = msghdr_in(t, umsg, &m, &iov);
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
	ret = do_send(t, s, iov, (int)m.msg_iovlen, flags, m.msg_name,
		      m.msg_name ? m.msg_namelen : 0, false, ctl,
		      m.msg_controllen);
out:
	free(ctl);
	free(iov);
	return ret;
}

SYSCALL(sendmsg)
{
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = sendmsg_one(t, s, a[1], (int)a[2]);
	sockfd_put(s);
	return ret;
}

/* An mmsghdr's msg_len at at: 0 or -EFAULT. */
static long put_msg_len(struct task *t, uint64_t at, long len)
{
	uint32_t v = (uint32_t)len;

	return mm_copy_out(t->mm, at + offsetof(struct abi_mmsghdr, msg_len),
			   &v, sizeof(v));
}

SYSCALL(sendmmsg)
{
	uint64_t vec = a[1];
	unsigned vlen = (unsigned)a[2];
	int flags = (int)a[3];
	struct socket *s;
	unsigned n = 0;
	long ret = 0;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	if (vlen > SOCK_IOV_MAX)
		vlen = SOCK_IOV_MAX;
	for (; n < vlen; n++) {
		uint64_t at = vec + n * sizeof(struct abi_mmsghdr);

		ret = sendmsg_one(t, s, at, flags);
		if (ret < 0)
			break;
		ret = put_msg_len(t, at, ret);
		if (ret) {
			n++; /* sent, though the count could not be stored */
			break;
		}
	}
	sockfd_put(s);
	return n ? (long)n : ret;
}

/* ---- receiving ---------------------------------------------------------- */

/*
 * Install the received files as new fds into the control buffer after
 * what the family put there (scm_detach_fds): those that do not fit are
 * closed and MSG_CTRUNC set. The files' references are consumed.
 */
static void scm_recv(struct task *t, struct sock_msg *m, bool cloexec)
{
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur;
	size_t room = m->ctlcap - m->ctllen;
	int fdmax = 0, i = 0;
	int *nums;

	if (!m->nfds)
		return;
	if (room > CMSG_HDR)
		fdmax = (int)min_t(uint64_t, (room - CMSG_HDR) / sizeof(int),
				   SOCK_MAX_FDS);
	nums = calloc((size_t)m->nfds, sizeof(int));
	for (; nums && i < fdmax && i < m->nfds; i++) {
		int fd = fd_alloc(t->files, m->fds[i], cloexec, 0, limit);

		if (fd < 0)
			break;
		nums[i] = fd;
	}
	if (i > 0) {
		struct abi_cmsghdr h = {CMSG_HDR + (uint64_t)i * sizeof(int),
					SOL_SOCKET, SCM_RIGHTS};

		memcpy(m->ctl + m->ctllen, &h, sizeof(h));
		memcpy(m->ctl + m->ctllen + CMSG_HDR, nums,
		       (size_t)i * sizeof(int));
		m->ctllen += min_t(uint64_t, CMSG_ALIGN(h.cmsg_len), room);
	}
	if (i < m->nfds)
		m->msg_flags |= SOCK_MSG_CTRUNC;
	free(nums);
	/* Installed ones hold their own references. */
	for (int j = 0; j < m->nfds; j++)
		file_put(m->fds[j]);
	m->nfds = 0;
}

/*
 * One receive on s: the data into iov, the control messages into a
 * buffer of ctlcap bytes (copied out to uctl; *ctlused their length).
 */
static long do_recv(struct task *t, struct socket *s,
		    const struct abi_iovec *iov, int cnt, int flags,
		    uint64_t uctl, uint64_t ctlcap, struct sock_msg *m)
{
	struct file *fds[SOCK_MAX_FDS];
	long ret;

	memset(m, 0, sizeof(*m));
	m->iov = iov;
	m->iovcnt = cnt;
	m->fds = fds;
	if (uctl && ctlcap) {
		m->ctlcap = (size_t)min_t(uint64_t, ctlcap, 1 << 16);
		m->ctl = calloc(1, m->ctlcap);
		if (!m->ctl)
			return -ENOMEM;
	}
	ret = s->ops->recvmsg(s, t, m, flags);
	/* recvmsg reports MSG_CMSG_CLOEXEC back, as Linux. */
	m->msg_flags |= flags & SOCK_MSG_CMSG_CLOEXEC;
	if (ret >= 0) {
		if (m->nfds && !m->ctl)
			m->msg_flags |= SOCK_MSG_CTRUNC;
		if (m->ctl)
			scm_recv(t, m, flags & SOCK_MSG_CMSG_CLOEXEC);
	}
	for (int i = 0; i < m->nfds; i++)
		file_put(fds[i]);
	m->fds = NULL;
	m->nfds = 0;
	if (ret >= 0 && m->ctllen &&
	    mm_copy_out(t->mm, uctl, m->ctl, m->ctllen))
		ret = -EFAULT;
	free(m->ctl);
	m->ctl = NULL;
	return ret;
}

SYSCALL(recvfrom)
{
	struct abi_iovec iov = {a[1],
				a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2]};
	struct sock_msg m;
	struct socket *s;
	long ret, err;

	if (!user_access_ok(a[1], a[2]))
		return -EFAULT;
	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = do_recv(t, s, &iov, 1, (int)a[3], 0, 0, &m);
	sockfd_put(s);
	if (ret < 0 || !a[4])
		return ret;
	err = addr_out(t, m.addr, m.addrlen, a[4], a[5]);
	return err ? err : ret;
}

static long recvmsg_one(struct task *t, struct socket *s, uint64_t umsg,
			int flags)
{
	struct abi_msghdr h;
	struct abi_iovec *iov;
	struct sock_msg m;
	uint64_t ctllen;
	long ret;

	ret = msghdr_in(t, umsg, &h, &iov);
	if (ret)
		return ret;
	ret = do_recv(t, s, iov, (int)h.msg_iovlen, flags, h.msg_control,
		      h.msg_controllen, &m);
	free(iov);
	if (ret < 0)
		return ret;
	ctllen = m.ctllen;
	if (h.msg_name) {
		int32_t room = min_t(int32_t, h.msg_namelen, SOCK_ADDR_MAX);
		int32_t klen = m.addrlen;

		if (room > klen)
			room = klen;
		if ((room &&
		     mm_copy_out(t->mm, h.msg_name, m.addr, (size_t)room)) ||
		    mm_copy_out(t->mm,
				umsg + offsetof(struct abi_msghdr, msg_namelen),
				&klen, sizeof(klen)))
			return -EFAULT;
	}
	if (mm_copy_out(t->mm,
			umsg + offsetof(struct abi_msghdr, msg_controllen),
			&ctllen, sizeof(ctllen)) ||
	    mm_copy_out(t->mm, umsg + offsetof(struct abi_msghdr, msg_flags),
			&m.msg_flags, sizeof(m.msg_flags)))
		return -EFAULT;
	return ret;
}

SYSCALL(recvmsg)
{
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = recvmsg_one(t, s, a[1], (int)a[2]);
	sockfd_put(s);
	return ret;
}

SYSCALL(recvmmsg)
{
	uint64_t vec = a[1];
	unsigned vlen = (unsigned)a[2];
	int flags = (int)a[3];
	struct abi_timespec ts;
	struct timespec deadline;
	bool timed = a[4] != 0;
	struct socket *s;
	unsigned n = 0;
	long ret = 0;

	if (timed) {
		ret = copy_in_timeout(t, a[4], &ts);
		if (ret)
			return ret;
		deadline_after(&deadline, &ts);
	}
	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	if (vlen > SOCK_IOV_MAX)
		vlen = SOCK_IOV_MAX;
	for (; n < vlen; n++) {
		uint64_t at = vec + n * sizeof(struct abi_mmsghdr);

		ret = recvmsg_one(t, s, at, flags & ~SOCK_MSG_WAITFORONE);
		if (ret < 0)
			break;
		ret = put_msg_len(t, at, ret);
		if (ret) {
			n++;
			break;
		}
		if (flags & SOCK_MSG_WAITFORONE)
			flags |= SOCK_MSG_DONTWAIT;
		/* The timeout is looked at between messages, as Linux's. */
		if (timed && deadline_left_ns(&deadline) <= 0) {
			n++;
			break;
		}
	}
	sockfd_put(s);
	if (timed) {
		int64_t left = deadline_left_ns(&deadline);

		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		if (mm_copy_out(t->mm, a[4], &ts, sizeof(ts)) && !n)
			return -EFAULT;
	}
	if (n)
		return (long)n;
	return ret;
}

/* ---- the rest ----------------------------------------------------------- */

SYSCALL(shutdown)
{
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	ret = s->ops->shutdown(s, (int)a[1]);
	sockfd_put(s);
	return ret;
}

SYSCALL(getsockopt)
{
	uint8_t val[SOCK_OPT_MAX];
	int level = (int)a[1], name = (int)a[2];
	int32_t ulen;
	int len;
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	if (mm_copy_in(t->mm, &ulen, a[4], sizeof(ulen))) {
		ret = -EFAULT;
		goto out;
	}
	if (ulen < 0) {
		ret = -EINVAL;
		goto out;
	}
	memset(val, 0, sizeof(val));
	len = min_t(int, ulen, SOCK_OPT_MAX);
	ret = s->ops->getsockopt
		  ? s->ops->getsockopt(s, t, level, name, val, &len)
		  : -ENOPROTOOPT;
	if (ret == -ENOPROTOOPT && level == SOL_SOCKET) {
		len = min_t(int, ulen, SOCK_OPT_MAX);
		ret = sock_common_getsockopt(s, name, val, &len);
	}
	if (ret)
		goto out;
	len = min_t(int, len, ulen);
	if (mm_copy_out(t->mm, a[3], val, (size_t)len) ||
	    mm_copy_out(t->mm, a[4], &len, sizeof(len)))
		ret = -EFAULT;
out:
	sockfd_put(s);
	return ret;
}

SYSCALL(setsockopt)
{
	uint8_t val[SOCK_OPT_MAX];
	int level = (int)a[1], name = (int)a[2], optlen = (int)a[4];
	size_t n;
	struct socket *s;
	long ret;

	s = sockfd_get(t, (int)a[0], &ret);
	if (!s)
		return ret;
	if (optlen < 0) {
		ret = -EINVAL;
		goto out;
	}
	/*
	 * Options read what they need of optval; a shorter readable prefix
	 * than optlen claims is all that a small option looks at.
	 */
	memset(val, 0, sizeof(val));
	n = (size_t)min_t(int, optlen, SOCK_OPT_MAX);
	while (n && mm_copy_in(t->mm, val, a[3], n))
		n = n > 16 ? 16 : (n > 4 ? 4 : 0);
	if (!n && optlen) {
		ret = -EFAULT;
		goto out;
	}
	ret = s->ops->setsockopt
		  ? s->ops->setsockopt(s, t, level, name, val, (int)n)
		  : -ENOPROTOOPT;
	if (ret == -ENOPROTOOPT && level == SOL_SOCKET)
		ret = sock_common_setsockopt(s, t, name, val, (int)n);
out:
	sockfd_put(s);
	return ret;
}
