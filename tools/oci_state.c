// SPDX-License-Identifier: Apache-2.0
/*
 * The OCI containers' state under --root: one directory per container,
 * ROOT/ID/, mode 0700, holding state.json and the control channel's
 * socket (sentry/kernel/control.h). Every command takes a flock on the
 * directory for as long as it works on it (exclusive to change it,
 * shared to read it), so concurrent commands on one container are
 * serialised. A container is created under a hidden name and renamed
 * into place without replacing anything, so of two creates of one id
 * exactly one wins.
 *
 * Whether the container's sentry still runs is read from the host: its
 * pid, and its start time from /proc/PID/stat (a reused pid has another),
 * and not a zombie; a sentry that died however it died is "stopped".
 */
#include "tools/oci.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > 1000 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+.-", *p))
			return false;
	return true;
}

int oci_root_open(const char *root)
{
	char buf[4096];
	int fd;

	if (strlen(root) >= sizeof(buf) || root[0] != '/')
		return -EINVAL;
	strcpy(buf, root);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, c ? 0755 : 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static json_t *read_state(int dirfd)
{
	int fd = openat(dirfd, "state.json", O_RDONLY | O_CLOEXEC);
	json_t *j;

	if (fd < 0)
		return NULL;
	j = oci_json_read(fd, 0, NULL);
	close(fd);
	return j;
}

int oci_container_open(int rootfd, const char *id, int lock,
		       struct oci_container *c)
{
	json_t *pid, *start;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	if (!oci_id_valid(id))
		return -ENOENT;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (flock(c->dirfd, lock) < 0) {
		int err = -errno;

		oci_container_close(c);
		return err;
	}
	/* No state: a create that failed half-way, or a delete's leftover. */
	c->state = read_state(c->dirfd);
	pid = json_object_get(c->state, "pid");
	start = json_object_get(c->state, "moatStartTime");
	if (!c->state || !json_is_integer(pid) || !json_is_integer(start)) {
		oci_container_close(c);
		return -ENOENT;
	}
	c->pid = (pid_t)json_integer_value(pid);
	c->start_time = (unsigned long long)json_integer_value(start);
	return 0;
}

void oci_container_close(struct oci_container *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
	json_decref(c->state);
	c->state = NULL;
}

/* /proc/PID/stat: the state letter and the start time (field 22). */
static int read_proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u "
			 "%*u %*d %*d %*d %*d %*d %*d %llu",
			 state, start) != 2)
		return -EIO;
	return 0;
}

unsigned long long oci_pid_start_time(pid_t pid)
{
	unsigned long long start;
	char state;

	return read_proc_stat(pid, &state, &start) ? 0 : start;
}

bool oci_pid_alive(pid_t pid, unsigned long long start_time)
{
	unsigned long long start;
	char state;

	if (pid <= 0 || read_proc_stat(pid, &state, &start))
		return false;
	return start == start_time && state != 'Z' && state != 'X';
}

enum oci_status oci_container_status(struct oci_container *c)
{
	struct ctl_reply r;

	if (!oci_pid_alive(c->pid, c->start_time))
		return OCI_STOPPED;
	if (oci_ctl(c->dirfd, CTL_STATE, 0, 0, &r, NULL, 0) < 0)
		return OCI_STOPPED; /* alive, but ending */
	return r.status == CTL_CREATED	? OCI_CREATED
	       : r.status == CTL_PAUSED ? OCI_PAUSED
					: OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	switch (s) {
	case OCI_CREATING:
		return "creating";
	case OCI_CREATED:
		return "created";
	case OCI_RUNNING:
		return "running";
	case OCI_PAUSED:
		return "paused";
	default:
		return "stopped";
	}
}

json_t *oci_container_state_json(struct oci_container *c, enum oci_status s)
{
	json_t *st = c->state, *j = json_object(), *a;
	static const char *const keys[] = {"bundle", "rootfs", "created",
					   "owner"};

	json_object_set_new(j, "ociVersion",
			    json_incref(json_object_get(st, "ociVersion")));
	json_object_set_new(j, "id", json_string(c->id));
	json_object_set_new(j, "pid",
			    json_integer(s == OCI_STOPPED ? 0 : c->pid));
	json_object_set_new(j, "status", json_string(oci_status_name(s)));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(st, keys[i]);

		if (v)
			json_object_set(j, keys[i], v);
	}
	a = json_object_get(st, "annotations");
	if (json_is_object(a) && json_object_size(a))
		json_object_set(j, "annotations", a);
	return j;
}

int oci_write_file(int dirfd, const char *path, const char *s)
{
	char tmp[4200];
	size_t len = strlen(s);
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -EIO;
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		int err = -errno;

		unlinkat(dirfd, tmp, 0);
		return err;
	}
	return 0;
}

int oci_container_save(struct oci_container *c)
{
	char *s = json_dumps(c->state, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int err;

	if (!s)
		return -ENOMEM;
	err = oci_write_file(c->dirfd, "state.json", s);
	free(s);
	return err;
}

int oci_container_remove(int rootfd, struct oci_container *c)
{
	int err = 0;

	unlinkat(c->dirfd, CTL_SOCK_NAME, 0);
	unlinkat(c->dirfd, "state.json", 0);
	if (unlinkat(rootfd, c->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		err = -errno;
	oci_container_close(c);
	return err;
}

int oci_ctl_send(int dirfd, uint16_t op, int32_t signo, uint32_t flags,
		 const void *payload, uint32_t len, const int *fds,
		 uint32_t nfds)
{
	struct ctl_request req = {.magic = CTL_MAGIC,
				  .version = CTL_VERSION,
				  .op = op,
				  .signo = signo,
				  .flags = flags,
				  .len = len,
				  .nfds = 1 + nfds};
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct iovec iov[2] = {{.iov_base = &req, .iov_len = sizeof(req)},
			       {.iov_base = (void *)payload, .iov_len = len}};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(CTL_FDS_MAX * sizeof(int))];
	} cbuf;
	struct msghdr mh = {.msg_name = &addr,
			    .msg_namelen = sizeof(addr),
			    .msg_iov = iov,
			    .msg_iovlen = len ? 2 : 1,
			    .msg_control = cbuf.space,
			    .msg_controllen =
				CMSG_SPACE((1 + nfds) * sizeof(int))};
	struct cmsghdr *cm;
	int sock, sv[2], err = 0;
	ssize_t n;

	if (1 + nfds > CTL_FDS_MAX || len > CTL_PAYLOAD_MAX)
		return -E2BIG;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
		 dirfd, CTL_SOCK_NAME);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		close(sock);
		return err;
	}
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((1 + nfds) * sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	if (nfds)
		memcpy(CMSG_DATA(cm) + sizeof(int), fds, nfds * sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(sock);
	close(sv[1]);
	if (err) {
		close(sv[0]);
		/* Nobody receives: the sentry is gone. */
		return err == -ECONNREFUSED || err == -ENOENT ? -ESRCH : err;
	}
	return sv[0];
}

int oci_ctl_recv(int sock, struct ctl_reply *r, int32_t *pids, uint32_t maxpids,
		 int timeout_ms)
{
	static char
	    buf[sizeof(struct ctl_reply) + CTL_PIDS_MAX * sizeof(int32_t)];
	struct pollfd p = {.fd = sock, .events = POLLIN};
	int err;
	ssize_t n;

	do
		err = poll(&p, 1, timeout_ms);
	while (err < 0 && errno == EINTR);
	if (err == 0)
		return -ETIMEDOUT;
	n = err > 0 ? recv(sock, buf, sizeof(buf), 0) : -1;
	/* The sentry ended before it answered. */
	if (n <= 0)
		return -ESRCH;
	memcpy(r, buf, sizeof(*r) < (size_t)n ? sizeof(*r) : (size_t)n);
	if ((size_t)n < sizeof(*r) || r->magic != CTL_MAGIC ||
	    r->version != CTL_VERSION || r->npids > CTL_PIDS_MAX ||
	    (size_t)n != sizeof(*r) + r->npids * sizeof(int32_t))
		return -EPROTO;
	r->msg[sizeof(r->msg) - 1] = '\0';
	if (pids)
		memcpy(pids, buf + sizeof(*r),
		       (r->npids < maxpids ? r->npids : maxpids) *
			   sizeof(int32_t));
	return 0;
}

int oci_ctl(int dirfd, uint16_t op, int32_t signo, uint32_t flags,
	    struct ctl_reply *r, int32_t *pids, uint32_t maxpids)
{
	int sock = oci_ctl_send(dirfd, op, signo, flags, NULL, 0, NULL, 0);
	int err;

	if (sock < 0)
		return sock;
	err = oci_ctl_recv(sock, r, pids, maxpids, 10000);
	close(sock);
	return err;
}

int oci_ctl_compress_flags(const char *arg, uint32_t *flags)
{
	unsigned long level = CTL_CHECKPOINT_LEVEL_DEFAULT;
	char *end;

	if (arg) {
		if (!isdigit((unsigned char)arg[0]))
			return -EINVAL;
		errno = 0;
		level = strtoul(arg, &end, 10);
		if (errno || *end || level > CTL_CHECKPOINT_LEVEL_MAX)
			return -EINVAL;
	}
	*flags = (*flags & ~(uint32_t)CTL_CHECKPOINT_LEVEL_MASK) |
		 (uint32_t)level << CTL_CHECKPOINT_LEVEL_SHIFT;
	return 0;
}
