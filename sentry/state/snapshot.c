// SPDX-License-Identifier: Apache-2.0
/*
 * Snapshots of the kernel's state (snapshot.h): the checkpoint writes what
 * the parked tasks are made of, the restore makes it again, checking every
 * value it reads as hostile.
 */
#include "sentry/state/snapshot.h"

#include "platform/platform.h"
#include "sentry/fs/pipe.h"
#include "sentry/kernel/app_seccomp.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"
#include "sentry/net/unix.h"
#include "sentry/sentry.h"
#include "sentry/state/codec.h"
#include "sentry/state/fsimage.h"
#include "sentry/state/memimage.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KSNP_MAGIC   0x504e534bU /* "KSNP" */
#define KSNP_VERSION 3 /* 3: the host's CLOCK_MONOTONIC; 2 still read */

/* The kinds of open files a snapshot holds. */
enum {
	SNAP_FILE_HOST = 1, /* the sandbox's stdio, a host fd */
	SNAP_FILE_PATH = 2, /* opened by its path: opened again so */
	SNAP_FILE_PIPE = 3, /* an end of an anonymous pipe */
	SNAP_FILE_EVENTFD = 4,
	SNAP_FILE_TIMERFD = 5,
	SNAP_FILE_SIGNALFD = 6,
	SNAP_FILE_EPOLL = 7,  /* its interest list comes after every file */
	SNAP_FILE_UNIX = 8,   /* a unix socket: its endpoint, its options */
	SNAP_FILE_CLOSED = 9, /* a host socket, to come back closed */
};

/* The status flags an anonymous file may have: O_RDWR and F_SETFL's. */
#define SNAP_ANON_FLAGS                                                        \
	(ABI_O_RDWR | ABI_O_APPEND | ABI_O_NONBLOCK | ABI_O_DIRECT |           \
	 ABI_O_NOATIME)

/* restart_fn, by number: 0 is none. */
static long (*const restart_fns[])(struct task *) = {
    NULL, futex_wait_restart, poll_restart, sleep_restart, cpu_sleep_restart,
};
#define NRESTART_FNS (sizeof(restart_fns) / sizeof(restart_fns[0]))

/* Limits on what an image may ask a restore to make. */
#define SNAP_MAX_OBJECTS (1U << 20)
#define SNAP_MAX_VMAS	 (1U << 20)
#define SNAP_MAX_FDS	 (1U << 20)
#define SNAP_MAX_SIGQ	 (1U << 16)
#define SNAP_MAX_GROUPS	 65536
#define SNAP_MAX_TIMERS	 32768 /* POSIX timers of a process */

static void say(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why[0])
		return; /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* ---- pointer -> index maps ----------------------------------------------- */

struct ptrmap {
	const void **keys;
	uint32_t *vals;
	size_t cap, n;
	const void **order; /* the keys in the order they came */
};

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

/* p's number (1...), 0 if absent. */
static uint32_t ptrmap_get(const struct ptrmap *m, const void *p)
{
	if (!m->cap || !p)
		return 0;
	for (size_t i = ptr_hash(p, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return 0;
		if (m->keys[i] == p)
			return m->vals[i];
	}
}

/* p's number, given the next one if it had none (*added): 0 on ENOMEM. */
static uint32_t ptrmap_add(struct ptrmap *m, const void *p, bool *added)
{
	uint32_t v = ptrmap_get(m, p);

	*added = false;
	if (v)
		return v;
	if ((m->n + 1) * 2 > m->cap) {
		struct ptrmap g = {.cap = m->cap ? m->cap * 2 : 64};
		const void **order = realloc(m->order, g.cap * sizeof(*order));

		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!order || !g.keys || !g.vals) {
			if (order)
				m->order = order;
			free(g.keys);
			free(g.vals);
			return 0;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = ptr_hash(m->keys[i], g.cap);

				while (g.keys[j])
					j = (j + 1) & (g.cap - 1);
				g.keys[j] = m->keys[i];
				g.vals[j] = m->vals[i];
			}
		free(m->keys);
		free(m->vals);
		m->keys = g.keys;
		m->vals = g.vals;
		m->cap = g.cap;
		m->order = order;
	}
	{
		size_t i = ptr_hash(p, m->cap);

		while (m->keys[i])
			i = (i + 1) & (m->cap - 1);
		m->keys[i] = p;
		m->vals[i] = (uint32_t)++m->n;
		m->order[m->n - 1] = p;
	}
	*added = true;
	return (uint32_t)m->n;
}

static void ptrmap_free(struct ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->order);
	*m = (struct ptrmap){0};
}

/* ---- configuration ------------------------------------------------------- */

char *snapshot_config_format(const struct sentry_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "platform=%s\n", cfg->platform ? cfg->platform : "ptrace");
	if (cfg->rootfs)
		fprintf(f, "rootfs=%s\n", cfg->rootfs);
	fprintf(f, "rootfs_rw=%d\n", cfg->rootfs_rw);
	for (int i = 0; i < cfg->nbinds; i++)
		fprintf(f, "bind=%s\t%s\t%d\t%d\t%d\n", cfg->binds[i].src,
			cfg->binds[i].dst, cfg->binds[i].ro,
			cfg->binds[i].connect, cfg->binds[i].noexec);
	fprintf(f, "network=%s\n", cfg->host_network ? "host" : "none");
	fprintf(f, "pids=%d\n", cfg->max_tasks);
	fprintf(f, "no_rewrite=%d\n", platform_options.no_rewrite);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static bool parse_flag(const char *v, bool *out)
{
	if (strcmp(v, "0") && strcmp(v, "1"))
		return false;
	*out = v[0] == '1';
	return true;
}

int snapshot_config_parse(char *text, struct sentry_config *cfg, char *why,
			  size_t whylen)
{
	int lineno = 0;

	why[0] = '\0';
	for (char *line = text, *next; line && *line; line = next) {
		char *eq, *v;
		bool ok = true;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq) {
			say(why, whylen, "configuration line %d: no '='",
			    lineno);
			return -EINVAL;
		}
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(line, "platform")) {
			cfg->platform = v;
		} else if (!strcmp(line, "rootfs")) {
			ok = v[0] == '/';
			cfg->rootfs = v;
		} else if (!strcmp(line, "rootfs_rw")) {
			ok = parse_flag(v, &cfg->rootfs_rw);
		} else if (!strcmp(line, "bind")) {
			struct sentry_bind *b = &cfg->binds[cfg->nbinds];
			char *f[5];
			int n = 0;

			ok = cfg->nbinds < SENTRY_BINDS_MAX;
			for (char *s = v; ok && n < 5; n++) {
				f[n] = s;
				s = strchr(s, '\t');
				if (s)
					*s++ = '\0';
				else if (n < 4)
					ok = false;
			}
			ok = ok && f[0][0] == '/' && f[1][0] == '/' &&
			     parse_flag(f[2], &b->ro) &&
			     parse_flag(f[3], &b->connect) &&
			     parse_flag(f[4], &b->noexec);
			if (ok) {
				b->src = f[0];
				b->dst = f[1];
				cfg->nbinds++;
			}
		} else if (!strcmp(line, "network")) {
			ok = !strcmp(v, "host") || !strcmp(v, "none");
			cfg->host_network = !strcmp(v, "host");
		} else if (!strcmp(line, "pids")) {
			char *end;
			long n = strtol(v, &end, 10);

			ok = !*end && n >= 0 && n <= ABI_PID_MAX;
			cfg->max_tasks = (int)n;
		} else if (!strcmp(line, "no_rewrite")) {
			ok = parse_flag(v, &platform_options.no_rewrite);
		} /* other keys: a newer moat's, which this one ignores */
		if (!ok) {
			say(why, whylen, "configuration line %d: bad %s",
			    lineno, line);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- checkpoint -----------------------------------------------------------
 */

struct saver {
	struct kernel *k;
	struct enc e;
	struct ptrmap pipes, files, fdtables, fss, mms, tgs, filters;
	struct fsimage *fsm; /* the filesystem's side: references to files */
	bool tcp_close;	     /* host sockets are saved closed */
	char *why;
	size_t whylen;
};

/* Character devices that are the same whenever they are opened again. */
static bool plain_device(uint64_t rdev)
{
	unsigned major = (unsigned)(rdev >> 8) & 0xfff;
	unsigned minor = (unsigned)(rdev & 0xff);

	return major == 1 && (minor == 3 || minor == 5 || minor == 7 ||
			      minor == 8 || minor == 9);
}

/*
 * A reference to a file's object (p: where it was opened, NULL or mnt
 * NULL: nowhere; inode NULL: p's), as the filesystem's image names it.
 */
static int save_file_ref(struct saver *s, const struct vfs_path *p,
			 struct vfs_inode *inode, const char *what)
{
	struct fsimage_buf b = {0};
	char why[FSIMAGE_ERR_LEN];
	int err = fsimage_ref(s->fsm, p, inode, &b, why);

	if (err)
		say(s->why, s->whylen, "%s: %s", what, why);
	else
		enc_blob(&s->e, b.p, b.len);
	fsimage_buf_release(&b);
	return err;
}

/* An eventfd, timerfd, signalfd or epoll file: true if f is one. */
static bool save_anon_file(struct saver *s, struct file *f)
{
	struct enc *e = &s->e;
	struct timerfd_image tv;
	uint64_t count, mask;
	bool sem;

	if (!eventfd_save(f, &count, &sem)) {
		enc_u32(e, SNAP_FILE_EVENTFD);
		enc_u32(e, f->flags);
		enc_i64(e, 0);
		enc_u64(e, count);
		enc_u32(e, sem);
	} else if (!timerfd_save(f, &tv)) {
		enc_u32(e, SNAP_FILE_TIMERFD);
		enc_u32(e, f->flags);
		enc_i64(e, 0);
		enc_u32(e, (uint32_t)tv.clockid);
		enc_u32(e, tv.armed);
		enc_i64(e, tv.left);
		enc_i64(e, tv.interval);
		enc_u64(e, tv.ticks);
	} else if (!signalfd_save(f, &mask)) {
		enc_u32(e, SNAP_FILE_SIGNALFD);
		enc_u32(e, f->flags);
		enc_i64(e, 0);
		enc_u64(e, mask);
	} else if (eventpoll_is(f)) {
		enc_u32(e, SNAP_FILE_EPOLL);
		enc_u32(e, f->flags);
		enc_i64(e, 0);
	} else {
		return false;
	}
	return true;
}

/*
 * The interest lists of the epoll files, once every file has its
 * number: per set with entries, its number and its entries (the watched
 * file's number, fd, events, data, and the bits EPOLLET reported).
 */
static int save_epolls(struct saver *s)
{
	uint32_t nsets = 0;

	for (size_t i = 0; i < s->files.n; i++)
		nsets += eventpoll_is(s->files.order[i]);
	enc_u32(&s->e, nsets);
	for (size_t i = 0; i < s->files.n; i++) {
		struct file *f = (struct file *)s->files.order[i];
		struct epoll_item_image *v;
		size_t n;

		if (!eventpoll_is(f))
			continue;
		if (eventpoll_save(f, &v, &n))
			return -ENOMEM;
		enc_u32(&s->e, (uint32_t)(i + 1));
		enc_u32(&s->e, (uint32_t)n);
		for (size_t j = 0; j < n; j++) {
			uint32_t id = ptrmap_get(&s->files, v[j].file);

			if (!id) {
				say(s->why, s->whylen,
				    "open file %zu: an epoll set watches a "
				    "file "
				    "that no fd holds, which cannot be "
				    "checkpointed yet",
				    i + 1);
				free(v);
				return -EOPNOTSUPP;
			}
			enc_u32(&s->e, id);
			enc_u32(&s->e, (uint32_t)v[j].fd);
			enc_u32(&s->e, v[j].events);
			enc_u64(&s->e, v[j].data);
			enc_u32(&s->e, v[j].seen);
		}
		free(v);
	}
	return 0;
}

/* An IPv4 or IPv6 socket address as text ("1.2.3.4:80", "[0:...:1]:80"). */
static void sock_addr_str(const uint8_t *a, int len, char *buf, size_t n)
{
	uint16_t family = 0;
	unsigned port = 0;

	if (len >= 4) {
		memcpy(&family, a, 2);
		port = (unsigned)(a[2] << 8 | a[3]);
	}
	if (family == SOCK_AF_INET && len >= 8) {
		snprintf(buf, n, "%u.%u.%u.%u:%u", a[4], a[5], a[6], a[7],
			 port);
	} else if (family == SOCK_AF_INET6 && len >= 24) {
		int at = snprintf(buf, n, "[");

		for (int i = 0; i < 8 && at > 0 && (size_t)at < n; i++)
			at += snprintf(
			    buf + at, n - (size_t)at, "%s%x", i ? ":" : "",
			    (unsigned)(a[8 + 2 * i] << 8 | a[9 + 2 * i]));
		if (at > 0 && (size_t)at < n)
			snprintf(buf + at, n - (size_t)at, "]:%u", port);
	} else {
		snprintf(buf, n, "an unknown address");
	}
}

/*
 * A host socket of --network=host: saved closed with --tcp-close (a TCP
 * one), else refused by name. true if f is one (*err: the outcome).
 */
static bool save_host_socket(struct saver *s, struct file *f, const char *what,
			     int *err)
{
	uint8_t addr[SOCK_ADDR_MAX];
	int family, type, protocol, addrlen = 0;
	char name[80];
	bool connected;

	if (hostinet_snap_info(f, &family, &type, &protocol, &connected, addr,
			       &addrlen))
		return false;
	*err = -EOPNOTSUPP;
	sock_addr_str(addr, addrlen, name, sizeof(name));
	/* Short: the control channel's answer holds 107 bytes. */
	if (type != SOCK_STREAM)
		say(s->why, s->whylen,
		    "%s: host UDP socket %s cannot be checkpointed", what,
		    name);
	else if (!s->tcp_close)
		say(s->why, s->whylen,
		    "%s: host TCP socket %s%s: use --tcp-close to restore it "
		    "closed",
		    what, name, connected ? " (connected)" : "");
	else
		*err = 0;
	if (*err)
		return true;
	enc_u32(&s->e, SNAP_FILE_CLOSED);
	enc_u32(&s->e, f->flags);
	enc_i64(&s->e, 0);
	enc_u32(&s->e, (uint32_t)family);
	enc_u32(&s->e, (uint32_t)protocol);
	enc_u32(&s->e, connected);
	enc_blob(&s->e, addr, (size_t)addrlen);
	sock_snap_save(sock_of(f), &s->e);
	*err = s->e.err;
	return true;
}

static int save_file(struct saver *s, struct file *f, const char *what)
{
	int donor = hostfd_file_donor(f);
	const void *key;
	bool write_end;
	uint8_t *data;
	size_t len, cap;
	int err;

	if (donor >= 0) {
		enc_u32(&s->e, SNAP_FILE_HOST);
		enc_u32(&s->e, f->flags);
		enc_i64(&s->e, 0);
		enc_u32(&s->e, (uint32_t)donor);
		return 0;
	}
	if (donor == -1) {
		say(s->why, s->whylen,
		    "%s: a host file the sandbox was given cannot be "
		    "checkpointed",
		    what);
		return -EOPNOTSUPP;
	}
	if (pipe_save(f, &key, &write_end, &data, &len, &cap) == 0) {
		bool added;
		uint32_t id = ptrmap_add(&s->pipes, key, &added);

		if (!id) {
			free(data);
			return -ENOMEM;
		}
		/* The pipe's record goes with its first end. */
		enc_u32(&s->e, SNAP_FILE_PIPE);
		enc_u32(&s->e, f->flags);
		enc_i64(&s->e, 0);
		enc_u32(&s->e, id);
		enc_u32(&s->e, write_end);
		enc_u32(&s->e, added);
		if (added) {
			enc_u64(&s->e, cap);
			enc_blob(&s->e, data, len);
		}
		free(data);
		return 0;
	}
	if (save_anon_file(s, f))
		return s->e.err;
	if (save_host_socket(s, f, what, &err))
		return err;
	if (f->ops->anon_name || !f->inode || pipe_is(f)) {
		say(s->why, s->whylen, "%s: %s cannot be checkpointed yet",
		    what,
		    f->ops->anon_name ? f->ops->anon_name
		    : pipe_is(f)      ? "a FIFO"
				      : "a socket or special file");
		return -EOPNOTSUPP;
	}
	if (((f->inode->mode & ABI_S_IFMT) == ABI_S_IFCHR) &&
	    !plain_device(f->inode->rdev)) {
		say(s->why, s->whylen,
		    "%s: a terminal or device (%u:%u) cannot be checkpointed "
		    "yet",
		    what, (unsigned)(f->inode->rdev >> 8) & 0xfff,
		    (unsigned)(f->inode->rdev & 0xff));
		return -EOPNOTSUPP;
	}
	enc_u32(&s->e, SNAP_FILE_PATH);
	enc_u32(&s->e, f->flags);
	pthread_mutex_lock(&f->pos_lock);
	enc_i64(&s->e, f->pos);
	pthread_mutex_unlock(&f->pos_lock);
	enc_u32(&s->e, f->inode->mode);
	return save_file_ref(s, &f->path, f->inode, what);
}

/* Number every object the tasks hold, in the order they are met. */
static int collect(struct saver *s)
{
	struct kernel *k = s->k;
	bool added;

	for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
		if (!ptrmap_add(&s->tgs, tg, &added))
			return -ENOMEM;
		for (struct task *t = tg->threads; t; t = t->next_thread) {
			struct fdtable *ft = t->files;

			if (!ptrmap_add(&s->mms, t->mm, &added) ||
			    !ptrmap_add(&s->fss, t->fs, &added) ||
			    !ptrmap_add(&s->fdtables, ft, &added))
				return -ENOMEM;
			if (!added)
				continue;
			pthread_mutex_lock(&ft->lock);
			for (int fd = 0; fd < ft->cap; fd++)
				if (ft->fds[fd].file &&
				    !ptrmap_add(&s->files, ft->fds[fd].file,
						&added)) {
					pthread_mutex_unlock(&ft->lock);
					return -ENOMEM;
				}
			pthread_mutex_unlock(&ft->lock);
		}
	}
	return 0;
}

/* A unix socket's file name, as the filesystem's reference to it. */
static int save_unix_name(void *arg, const struct vfs_path *p, struct enc *e)
{
	struct saver *s = arg;

	(void)e; /* s->e */
	return save_file_ref(s, p, NULL, "a unix socket's name");
}

static uint32_t save_file_id(void *arg, struct file *f)
{
	return ptrmap_get(&((struct saver *)arg)->files, f);
}

/* Files in flight in unix sockets' queues are saved too, until no new. */
static int collect_inflight(struct saver *s)
{
	bool more = true;

	while (more) {
		struct file **v;
		size_t n;
		bool added;
		int err = unix_snap_inflight(
		    (struct file *const *)s->files.order, s->files.n, &v, &n);

		if (err)
			return err;
		more = false;
		for (size_t i = 0; i < n && !err; i++) {
			if (!ptrmap_add(&s->files, v[i], &added))
				err = -ENOMEM;
			more |= added;
		}
		free(v);
		if (err)
			return err;
	}
	return 0;
}

static int save_files(struct saver *s)
{
	const struct unix_snap_refs refs = {
	    .arg = s, .save = save_unix_name, .file_id = save_file_id};
	uint32_t *unix_ids = calloc(s->files.n + 1, sizeof(*unix_ids));
	int err;

	/* The unix sockets' endpoints and queues first: files name them. */
	if (!unix_ids)
		return -ENOMEM;
	err = collect_inflight(s);
	if (!err) {
		uint32_t *more =
		    realloc(unix_ids, (s->files.n + 1) * sizeof(*unix_ids));

		if (more)
			unix_ids = more;
		else
			err = -ENOMEM;
	}
	if (err) {
		free(unix_ids);
		return err;
	}
	err = unix_snap_save((struct file *const *)s->files.order, s->files.n,
			     unix_ids, s->tcp_close, &refs, &s->e, s->why,
			     s->whylen);
	enc_u32(&s->e, (uint32_t)s->files.n);
	for (size_t i = 0; i < s->files.n && !err; i++) {
		struct file *f = (struct file *)s->files.order[i];
		char what[64];

		if (unix_ids[i]) {
			enc_u32(&s->e, SNAP_FILE_UNIX);
			enc_u32(&s->e, f->flags);
			enc_i64(&s->e, 0);
			enc_u32(&s->e, unix_ids[i]);
			sock_snap_save(sock_of(f), &s->e);
			continue;
		}
		snprintf(what, sizeof(what), "open file %zu", i + 1);
		err = save_file(s, f, what);
	}
	free(unix_ids);
	if (!err)
		err = save_epolls(s);
	if (err)
		return err;
	enc_u32(&s->e, (uint32_t)s->fdtables.n);
	for (size_t i = 0; i < s->fdtables.n; i++) {
		struct fdtable *ft = (struct fdtable *)s->fdtables.order[i];
		uint32_t n = 0;

		pthread_mutex_lock(&ft->lock);
		for (int fd = 0; fd < ft->cap; fd++)
			n += ft->fds[fd].file != NULL;
		enc_u32(&s->e, n);
		for (int fd = 0; fd < ft->cap; fd++) {
			if (!ft->fds[fd].file)
				continue;
			enc_u32(&s->e, (uint32_t)fd);
			enc_u32(&s->e, ft->fds[fd].cloexec);
			enc_u32(&s->e, ptrmap_get(&s->files, ft->fds[fd].file));
		}
		pthread_mutex_unlock(&ft->lock);
	}
	enc_u32(&s->e, (uint32_t)s->fss.n);
	for (size_t i = 0; i < s->fss.n; i++) {
		struct fs_struct *fs = (struct fs_struct *)s->fss.order[i];

		pthread_mutex_lock(&fs->lock);
		err = save_file_ref(s, &fs->root, NULL, "a root directory");
		if (!err)
			err = save_file_ref(s, &fs->cwd, NULL,
					    "a working directory");
		pthread_mutex_unlock(&fs->lock);
		if (err)
			return err;
	}
	return 0;
}

static int save_vmas(struct saver *s, const struct vma_set *vs, bool pmas)
{
	struct enc *e = &s->e;

	enc_u32(e, (uint32_t)vs->n);
	for (size_t i = 0; i < vs->n; i++) {
		const struct vma *v = &vs->v[i];

		enc_u64(e, v->start);
		enc_u64(e, v->end);
		enc_u32(e, v->prot);
		enc_u32(e, v->flags);
		enc_u64(e, v->off);
		if (pmas)
			continue;
		enc_u32(e, v->file != NULL);
		if (!v->file)
			continue;
		/* Opened again by its path, or the tmpfs inode itself. */
		if (save_file_ref(s, &v->file->path,
				  v->file->path.mnt ? NULL : v->file->inode,
				  "a shared mapping"))
			return -EOPNOTSUPP;
	}
	return 0;
}

static int save_mms(struct saver *s)
{
	enc_u32(&s->e, (uint32_t)s->mms.n);
	for (size_t i = 0; i < s->mms.n; i++) {
		struct mm *mm = (struct mm *)s->mms.order[i];
		const uint64_t f[] = {
		    mm->limit,	    mm->mmap_base, mm->start_brk,
		    mm->brk,	    mm->stack_top, mm->start_stack,
		    mm->data_limit, mm->as_limit,  mm->arg_start,
		    mm->arg_end,    mm->env_start, mm->env_end,
		    mm->start_code, mm->end_code,  mm->start_data,
		    mm->end_data,   mm->def_flags, mm->membarrier,
		    mm->resv_lo,    mm->resv_hi,
		};

		int err;

		pthread_mutex_lock(&mm->lock);
		enc_u32(&s->e, (uint32_t)(sizeof(f) / sizeof(f[0])));
		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			enc_u64(&s->e, f[j]);
		err = save_vmas(s, &mm->vmas, false);
		if (!err)
			err = save_vmas(s, &mm->pmas, true);
		pthread_mutex_unlock(&mm->lock);
		if (err)
			return err;
	}
	return 0;
}

static int save_sigq(struct enc *e, struct sigqueue *q)
{
	struct abi_siginfo *v;
	size_t n;

	if (sigqueue_export(q, &v, &n))
		return -ENOMEM;
	enc_u32(e, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		enc_blob(e, &v[i], sizeof(v[i]));
	free(v);
	return 0;
}

static void enc_timer(struct enc *e, const struct timer_image *v)
{
	enc_u32(e, v->armed);
	enc_i64(e, v->left);
	enc_i64(e, v->interval);
}

/*
 * A process's timers (tg->lock held): the thread they count on and
 * signal (0: none), the interval timers, then the POSIX ones.
 */
static int save_timers_locked(struct enc *e, struct thread_group *tg)
{
	struct timer_image it[3], *pt;
	struct task *t;
	int npt;

	if (itimer_export_locked(tg, &t, it, &pt, &npt))
		return -ENOMEM;
	enc_u32(e, t ? (uint32_t)t->tid : 0);
	for (int w = 0; w < 3; w++)
		enc_timer(e, &it[w]);
	enc_u32(e, (uint32_t)npt);
	for (int i = 0; i < npt; i++) {
		enc_u32(e, (uint32_t)pt[i].id);
		enc_u32(e, (uint32_t)pt[i].clock);
		enc_u32(e, (uint32_t)pt[i].notify);
		enc_u32(e, (uint32_t)pt[i].signo);
		enc_u64(e, pt[i].value);
		enc_timer(e, &pt[i]);
		enc_u32(e, (uint32_t)pt[i].overrun);
		enc_u32(e, (uint32_t)pt[i].overrun_last);
	}
	free(pt);
	return 0;
}

static int save_tgs(struct saver *s)
{
	enc_u32(&s->e, (uint32_t)s->tgs.n);
	for (size_t i = 0; i < s->tgs.n; i++) {
		struct thread_group *tg =
		    (struct thread_group *)s->tgs.order[i];
		int err;

		pthread_mutex_lock(&tg->lock);
		if (tg->tty ||
		    (tg->state == TG_ALIVE && tg->leader &&
		     tg->leader->exiting) ||
		    tg->exec_task) {
			pthread_mutex_unlock(&tg->lock);
			say(s->why, s->whylen,
			    "process %d %s: this cannot be checkpointed yet",
			    tg->tgid,
			    tg->tty	    ? "has a controlling terminal"
			    : tg->exec_task ? "is in execve"
					    : "lives on without its main "
					      "thread");
			return -EOPNOTSUPP;
		}
		enc_u32(&s->e, (uint32_t)tg->tgid);
		enc_u32(&s->e,
			tg->parent ? ptrmap_get(&s->tgs, tg->parent) : 0);
		enc_u32(&s->e, (uint32_t)tg->parent_tid);
		enc_u32(&s->e, (uint32_t)tg->pgid);
		enc_u32(&s->e, (uint32_t)tg->sid);
		enc_u32(&s->e, (uint32_t)tg->exit_signal);
		enc_u32(&s->e, tg->state);
		enc_u32(&s->e, (uint32_t)tg->exit_status);
		enc_u32(&s->e, tg->did_exec | tg->child_subreaper << 1 |
				   tg->not_dumpable << 2 | tg->unkillable << 3);
		enc_u32(&s->e, tg->umask);
		enc_u32(&s->e, (uint32_t)tg->oom_score_adj);
		enc_u32(&s->e, (uint32_t)tg->oom_score_adj_min);
		enc_blob(&s->e, tg->rlim, sizeof(tg->rlim));
		enc_blob(&s->e, tg->sigactions, sizeof(tg->sigactions));
		err = save_sigq(&s->e, &tg->shared_pending);
		enc_str(&s->e, tg->exe);
		enc_i64(&s->e, tg->cpu.tv_sec);
		enc_i64(&s->e, tg->cpu.tv_nsec);
		enc_i64(&s->e, tg->cchild_cpu.tv_sec);
		enc_i64(&s->e, tg->cchild_cpu.tv_nsec);
		enc_u64(&s->e, tg->maxrss);
		enc_u64(&s->e, tg->cmaxrss);
		/* Its timers, with the signals they queued (same lock). */
		if (!err)
			err = save_timers_locked(&s->e, tg);
		pthread_mutex_unlock(&tg->lock);
		if (err)
			return err;
	}
	return 0;
}

static int save_task(struct saver *s, struct task *t)
{
	struct kernel *k = s->k;
	struct creds *c = &t->creds;
	uint32_t fn = 0;
	int err;

	if (t->vfork_done) {
		say(s->why, s->whylen,
		    "task %d is a vfork child that has not run execve: this "
		    "cannot be checkpointed yet",
		    t->tid);
		return -EOPNOTSUPP;
	}
	if (t->restart_fn) {
		for (fn = 1; fn < NRESTART_FNS; fn++)
			if (restart_fns[fn] == t->restart_fn)
				break;
		if (fn == NRESTART_FNS) {
			say(s->why, s->whylen,
			    "task %d restarts a call the checkpoint does not "
			    "know",
			    t->tid);
			return -EOPNOTSUPP;
		}
	}
	enc_u32(&s->e, (uint32_t)t->tid);
	enc_u32(&s->e, ptrmap_get(&s->tgs, t->tg));
	enc_u32(&s->e, ptrmap_get(&s->mms, t->mm));
	enc_u32(&s->e, ptrmap_get(&s->fdtables, t->files));
	enc_u32(&s->e, ptrmap_get(&s->fss, t->fs));
	enc_blob(&s->e, &t->regs, sizeof(t->regs));
	enc_blob(&s->e, t->fpu_image, k->plat->fpu_size);
	enc_u64(&s->e, t->sigmask);
	pthread_mutex_lock(&t->tg->lock);
	err = save_sigq(&s->e, &t->pending);
	pthread_mutex_unlock(&t->tg->lock);
	if (err)
		return err;
	enc_blob(&s->e, &t->altstack, sizeof(t->altstack));
	enc_u32(&s->e, fn);
	enc_i64(&s->e, t->restart_deadline.tv_sec);
	enc_i64(&s->e, t->restart_deadline.tv_nsec);
	for (int i = 0; i < 3; i++)
		enc_u64(&s->e, t->restart_args[i]);
	enc_u64(&s->e, t->clear_child_tid);
	enc_u64(&s->e, t->robust_list);
	enc_u64(&s->e, t->robust_len);
	enc_blob(&s->e, t->comm, sizeof(t->comm));
	enc_u32(&s->e, c->ruid);
	enc_u32(&s->e, c->euid);
	enc_u32(&s->e, c->suid);
	enc_u32(&s->e, c->fsuid);
	enc_u32(&s->e, c->rgid);
	enc_u32(&s->e, c->egid);
	enc_u32(&s->e, c->sgid);
	enc_u32(&s->e, c->fsgid);
	enc_u64(&s->e, c->cap_effective);
	enc_u64(&s->e, c->cap_permitted);
	enc_u64(&s->e, c->cap_inheritable);
	enc_u64(&s->e, c->cap_bounding);
	enc_u64(&s->e, c->cap_ambient);
	enc_u32(&s->e, c->securebits);
	enc_blob(&s->e, c->groups, (size_t)c->ngroups * sizeof(uint32_t));
	enc_u32(&s->e, (uint32_t)t->pdeath_signal);
	enc_u32(&s->e, t->no_new_privs);
	enc_u32(&s->e, t->mce_kill);
	enc_u64(&s->e, t->timer_slack_ns);
	enc_u32(&s->e, t->personality);
	pthread_mutex_lock(&t->tg->lock);
	enc_blob(&s->e, &t->sched, sizeof(t->sched));
	pthread_mutex_unlock(&t->tg->lock);
	/* Its seccomp mode and newest filter (save_filters numbered it). */
	{
		struct app_seccomp_filter *f = app_seccomp_get(t);
		int nf;

		enc_u32(&s->e, (uint32_t)app_seccomp_mode(t, &nf));
		enc_u32(&s->e, ptrmap_get(&s->filters, f));
		app_seccomp_put(f);
	}
	return 0;
}

/*
 * The tasks' seccomp filters, each once however many tasks share it,
 * every filter after the one it runs after: its predecessor's number,
 * SECCOMP_FILTER_FLAG_LOG, its program.
 */
static int save_filters(struct saver *s)
{
	struct kernel *k = s->k;
	bool added;

	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		for (struct task *t = tg->threads; t; t = t->next_thread) {
			struct app_seccomp_filter *head = app_seccomp_get(t);
			struct app_seccomp_filter *f = head;
			size_t n = 0;

			/* Up to the first one numbered, then down again. */
			while (f && !ptrmap_get(&s->filters, f)) {
				n++;
				f = f->prev;
			}
			while (n) {
				f = head;
				for (size_t i = 1; i < n; i++)
					f = f->prev;
				if (!ptrmap_add(&s->filters, f, &added)) {
					app_seccomp_put(head);
					return -ENOMEM;
				}
				n--;
			}
			app_seccomp_put(head);
		}
	enc_u32(&s->e, (uint32_t)s->filters.n);
	for (size_t i = 0; i < s->filters.n; i++) {
		const struct app_seccomp_filter *f = s->filters.order[i];

		enc_u32(&s->e, ptrmap_get(&s->filters, f->prev));
		enc_u32(&s->e, f->log);
		enc_blob(&s->e, f->insns, f->len * sizeof(f->insns[0]));
	}
	return 0;
}

static int save_kernel(struct saver *s)
{
	struct kernel *k = s->k;
	struct timespec now;
	size_t ntasks = 0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	enc_u32(&s->e, KSNP_MAGIC);
	enc_u32(&s->e, KSNP_VERSION);
	enc_str(&s->e, k->plat->ops->name);
	enc_u32(&s->e, k->plat->fpu_size);
	enc_u64(&s->e, k->plat->addr_limit);
	enc_u64(&s->e, k->plat->vdso);
	enc_u64(&s->e, k->plat->vdso_lo);
	enc_u64(&s->e, k->plat->vdso_hi);
	enc_u32(&s->e, (uint32_t)k->next_tid);
	enc_u32(&s->e, k->init_tg ? (uint32_t)k->init_tg->tgid : 0);
	enc_str(&s->e, k->hostname);
	enc_str(&s->e, k->domainname);
	enc_u32(&s->e, (uint32_t)k->ip_forward);
	enc_i64(&s->e, (now.tv_sec - k->boot_mono.tv_sec) * 1000000000LL +
			   (now.tv_nsec - k->boot_mono.tv_nsec));
	enc_i64(&s->e, now.tv_sec * 1000000000LL + now.tv_nsec);
	enc_blob(&s->e, k->default_rlim, sizeof(k->default_rlim));

	err = collect(s);
	if (!err)
		err = save_files(s);
	if (!err)
		err = save_mms(s);
	if (!err)
		err = save_tgs(s);
	if (err)
		return err;
	err = save_filters(s);
	if (err)
		return err;
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		for (struct task *t = tg->threads; t; t = t->next_thread)
			ntasks++;
	enc_u32(&s->e, (uint32_t)ntasks);
	for (struct thread_group *tg = k->tgs; tg && !err; tg = tg->next)
		for (struct task *t = tg->threads; t && !err;
		     t = t->next_thread)
			err = save_task(s, t);
	return err ? err : s->e.err;
}

int snapshot_save(struct kernel *k, int fd, const char *config, unsigned flags,
		  char *why, size_t whylen)
{
	struct saver s = {.k = k,
			  .why = why,
			  .whylen = whylen,
			  .tcp_close = flags & SNAPSHOT_TCP_CLOSE};
	bool leave_running = flags & SNAPSHOT_LEAVE_RUNNING;
	struct image_writer w;
	struct memimage_stats st;
	int err;

	why[0] = '\0';
	/* Rewritten sites call the stubs' trampolines, which a restore
	 * does not make again yet. */
	if (!strcmp(k->plat->ops->name, "systrap") &&
	    !platform_options.no_rewrite) {
		say(why, whylen,
		    "a systrap sandbox is checkpointed only with --no-rewrite "
		    "(its rewritten syscall sites are not saved yet)");
		return -EOPNOTSUPP;
	}
	err = kernel_quiesce(k, 5000, why, whylen);
	if (err)
		return err;
	log_debug("checkpoint: every task parked");
	{
		char fwhy[FSIMAGE_ERR_LEN];

		err = fsimage_save_begin(k, &s.fsm, fwhy);
		if (err)
			say(why, whylen, "%s", fwhy);
	}
	if (!err) {
		pthread_mutex_lock(&k->lock);
		err = save_kernel(&s);
		pthread_mutex_unlock(&k->lock);
	}
	image_writer_init(&w, fd);
	if (!err)
		err = image_section_begin(&w, IMAGE_SEC_CONFIG);
	if (!err)
		err = image_section_write(&w, config, strlen(config));
	if (!err)
		err = image_section_end(&w);
	if (!err)
		err = image_section_begin(&w, IMAGE_SEC_KERNEL);
	if (!err)
		err = image_section_write(&w, s.e.b, s.e.len);
	if (!err)
		err = image_section_end(&w);
	if (!err) {
		char fwhy[FSIMAGE_ERR_LEN];

		err = fsimage_save_finish(s.fsm, &w, fwhy);
		if (err)
			say(why, whylen, "%s", fwhy);
	}
	log_debug("checkpoint: kernel and filesystem written");
	if (!err)
		err = memimage_dump(&k->mf, &w, SNAPSHOT_LEVEL(flags), &st);
	if (!err)
		err = image_writer_finish(&w);
	if (err && !why[0])
		say(why, whylen, "%s",
		    w.err[0] ? w.err : "out of memory for the image");
	if (!err)
		log_debug("checkpoint: %zu bytes of kernel state, %llu pages "
			  "of memory",
			  s.e.len, (unsigned long long)st.data_pages);
	image_writer_release(&w);
	if (s.fsm)
		fsimage_free(s.fsm);
	enc_free(&s.e);
	ptrmap_free(&s.pipes);
	ptrmap_free(&s.files);
	ptrmap_free(&s.fdtables);
	ptrmap_free(&s.fss);
	ptrmap_free(&s.mms);
	ptrmap_free(&s.tgs);
	ptrmap_free(&s.filters);
	if (err || leave_running)
		kernel_unquiesce(k);
	else /* frozen for good: the caller ends every process */
		__atomic_store_n(&k->quiesce, false, __ATOMIC_SEQ_CST);
	return err;
}

/* ---- restore ---------------------------------------------------------------
 */

/* A process's timers as read, for its thread once that is made. */
struct tg_timers {
	uint32_t tid; /* 0: none */
	struct timer_image it[3];
	struct timer_image *pt;
	uint32_t npt;
};

struct restorer {
	struct kernel *k;
	struct dec d;
	struct fsimage *fsm;
	const int *stdio;
	void **pipes;
	uint32_t npipes;
	struct file **files;
	uint32_t nfiles;
	struct fdtable **fdtables;
	uint32_t nfdtables;
	struct fs_struct **fss;
	uint32_t nfss;
	struct mm **mms;
	uint32_t nmms;
	struct thread_group **tgs;
	uint32_t ntgs;
	struct task **tasks;
	uint32_t ntasks;
	struct tg_timers *timers; /* per process, until its tasks are made */
	struct app_seccomp_filter **filters;
	uint32_t nfilters;
	int init_pid;
	char *why;
	size_t whylen;
};

/* An object number: 1..n, or 0 when zero_ok; else the error what. */
static uint32_t dec_ref(struct dec *d, uint32_t n, bool zero_ok,
			const char *what)
{
	return dec_u32_range(d, zero_ok ? 0 : 1, n, what);
}

static int bad(struct restorer *r, const char *what)
{
	dec_fail(&r->d, what);
	return -EINVAL;
}

/* The object a reference names: a path (maybe none) and its inode. */
static int restore_ref(struct restorer *r, struct vfs_path *p,
		       struct vfs_inode **inode)
{
	char why[FSIMAGE_ERR_LEN];
	size_t len;
	const void *rec = dec_blob(&r->d, 1U << 16, &len);
	int err;

	if (!rec)
		return r->d.err ? r->d.err : bad(r, "a file reference");
	err = fsimage_resolve(r->fsm, rec, len, p, inode, why);
	if (err)
		say(r->why, r->whylen, "%s", why);
	return err;
}

/* A file opened again: what resolve found, with open's flags. */
static struct file *restore_path_file(struct restorer *r, uint32_t flags,
				      int64_t pos)
{
	uint32_t mode = dec_u32(&r->d);
	struct vfs_path p;
	struct vfs_inode *inode;
	struct file *f;

	if (r->d.err || restore_ref(r, &p, &inode))
		return NULL;
	if ((inode->mode & ABI_S_IFMT) != (mode & ABI_S_IFMT) || pos < 0 ||
	    (flags & ABI_O_TMPFILE) == ABI_O_TMPFILE) {
		vfs_inode_put(inode);
		if (p.mnt)
			vfs_path_put(&p);
		bad(r, "an open file's type or offset is wrong");
		return NULL;
	}
	/* What open made, opened again: nothing created or truncated. */
	f = vfs_open_inode(&p, inode,
			   flags & ~(uint32_t)(ABI_O_CREAT | ABI_O_EXCL |
					       ABI_O_TRUNC | ABI_O_NOCTTY));
	vfs_inode_put(inode);
	if (IS_ERR(f)) {
		say(r->why, r->whylen, "a file cannot be opened again: %s",
		    strerror((int)-PTR_ERR(f)));
		if (p.mnt)
			vfs_path_put(&p);
		return NULL;
	}
	f->pos = pos;
	return f;
}

/* An eventfd, timerfd, signalfd or (empty) epoll file; NULL: see d. */
static struct file *restore_anon_file(struct restorer *r, uint32_t kind,
				      uint32_t flags, int64_t pos)
{
	struct dec *d = &r->d;
	struct timerfd_image tv;
	struct file *f = NULL;
	uint64_t v;
	bool sem;

	if ((flags & ~(uint32_t)SNAP_ANON_FLAGS) ||
	    (flags & ABI_O_ACCMODE) != ABI_O_RDWR || pos) {
		bad(r, "an anonymous file's flags or offset are wrong");
		return NULL;
	}
	switch (kind) {
	case SNAP_FILE_EVENTFD:
		v = dec_u64(d);
		sem = dec_u32_range(d, 0, 1, "an eventfd's flag");
		if (!d->err && !(f = eventfd_restore(flags, v, sem)))
			bad(r, "an eventfd's count is wrong");
		break;
	case SNAP_FILE_TIMERFD:
		tv.clockid = (int)dec_u32(d);
		tv.armed = dec_u32_range(d, 0, 1, "a timerfd's flag");
		tv.left = dec_i64(d);
		tv.interval = dec_i64(d);
		tv.ticks = dec_u64(d);
		if (!d->err && !(f = timerfd_restore(flags, &tv)))
			bad(r, "a timerfd's clock or time is wrong");
		break;
	case SNAP_FILE_SIGNALFD:
		v = dec_u64(d);
		if (!d->err && !(f = signalfd_restore(flags, v)))
			bad(r, "a signalfd's mask is wrong");
		break;
	case SNAP_FILE_EPOLL:
		f = eventpoll_restore(flags);
		if (!f)
			bad(r, "out of memory");
		break;
	}
	return f;
}

/* The epoll sets' interest lists, once every file is made. */
static int restore_epolls(struct restorer *r)
{
	struct dec *d = &r->d;
	uint32_t nsets = dec_u32_range(d, 0, r->nfiles, "too many epoll sets");

	for (uint32_t i = 0; i < nsets && !d->err; i++) {
		uint32_t ep = dec_ref(d, r->nfiles, false, "an epoll set");
		uint32_t n =
		    dec_u32_range(d, 0, SNAP_MAX_FDS, "too many epoll entries");

		if (!d->err && !eventpoll_is(r->files[ep]))
			return bad(r, "an interest list of no epoll set");
		for (uint32_t j = 0; j < n && !d->err; j++) {
			struct epoll_item_image v;
			uint32_t id = dec_ref(d, r->nfiles, false,
					      "an epoll entry's file");
			int err;

			v.fd = (int)dec_u32_range(d, 0, SNAP_MAX_FDS - 1,
						  "an epoll entry's fd");
			v.events = dec_u32(d);
			v.data = dec_u64(d);
			v.seen = dec_u32(d);
			if (d->err)
				break;
			v.file = r->files[id];
			err = eventpoll_restore_item(r->files[ep], &v);
			if (err == -ENOMEM)
				return err;
			if (err)
				return bad(r,
					   "an epoll entry epoll_ctl refuses");
		}
	}
	return d->err;
}

static int restore_files_of(struct restorer *r, struct unix_snap *u);

static int restore_unix_name(void *arg, struct dec *d, struct vfs_path *p,
			     struct vfs_inode **inode)
{
	(void)d; /* the restorer's */
	return restore_ref(arg, p, inode);
}

/* The unix sockets' endpoints, the files, then the epoll sets' lists. */
static int restore_files(struct restorer *r)
{
	const struct unix_snap_refs refs = {.arg = r,
					    .load = restore_unix_name};
	struct dec *d = &r->d;
	bool nomem;
	struct unix_snap *u = unix_snap_load(d, &refs, &nomem);
	int err;

	if (!u)
		return nomem ? -ENOMEM : d->err;
	err = restore_files_of(r, u);
	if (!err)
		err = unix_snap_attach(u, r->files, r->nfiles, d);
	if (unix_snap_done(u, d) && !err)
		err = d->err;
	return err ? err : restore_epolls(r);
}

static int restore_files_of(struct restorer *r, struct unix_snap *u)
{
	struct dec *d = &r->d;

	r->nfiles = dec_u32_range(d, 0, SNAP_MAX_OBJECTS, "too many files");
	r->files = calloc(r->nfiles + 1, sizeof(*r->files));
	r->pipes = calloc(r->nfiles + 1, sizeof(*r->pipes));
	if (!r->files || !r->pipes)
		return -ENOMEM;
	for (uint32_t i = 1; i <= r->nfiles && !d->err; i++) {
		uint32_t kind = dec_u32(d);
		uint32_t flags = dec_u32(d);
		int64_t pos = dec_i64(d);
		struct file *f = NULL;

		switch (d->err ? 0 : kind) {
		case SNAP_FILE_HOST: {
			uint32_t n = dec_u32_range(d, 0, 2, "bad stdio number");
			int fd = d->err ? -1 : r->stdio[n];
			int copy;

			if (d->err)
				break;
			if (fd < 0) {
				say(r->why, r->whylen,
				    "the sandbox's stdio %u is needed but "
				    "closed",
				    n);
				return -EBADF;
			}
			copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			if (copy < 0)
				return -errno;
			flags = (uint32_t)fcntl(copy, F_GETFL);
			f = hostfd_file_create(copy, flags);
			if (!f) {
				close(copy);
				return -ENOMEM;
			}
			hostfd_file_set_donor(f, (int)n);
			break;
		}
		case SNAP_FILE_PIPE: {
			uint32_t id = dec_ref(d, i, false, "bad pipe number");
			uint32_t write_end = dec_u32_range(d, 0, 1, "bad end");
			uint32_t first = dec_u32_range(d, 0, 1, "bad flag");
			uint64_t cap = 0;
			const void *data = NULL;
			size_t len = 0;

			if (first) {
				cap = dec_u64(d);
				data = dec_blob(d, 1U << 31, &len);
			}
			if (d->err)
				break;
			if (first != !r->pipes[id])
				return bad(r, "a pipe's data missing or twice");
			f = pipe_restore(&r->pipes[id], write_end, flags, data,
					 len, cap);
			if (!f)
				return bad(r, "a pipe's size or data is wrong");
			break;
		}
		case SNAP_FILE_PATH:
			f = restore_path_file(r, flags, pos);
			if (!f)
				return d->err ? -EINVAL : -ENOENT;
			break;
		case SNAP_FILE_EVENTFD:
		case SNAP_FILE_TIMERFD:
		case SNAP_FILE_SIGNALFD:
		case SNAP_FILE_EPOLL:
			f = restore_anon_file(r, kind, flags, pos);
			if (!f)
				return d->err ? d->err : -ENOMEM;
			break;
		case SNAP_FILE_CLOSED: {
			uint32_t family = dec_u32(d);
			uint32_t protocol = dec_u32(d);
			bool connected = dec_u32_range(d, 0, 1, "a flag");
			size_t alen;
			const void *addr = dec_blob(d, SOCK_ADDR_MAX, &alen);

			if (d->err)
				break;
			if ((flags & ~(uint32_t)SNAP_ANON_FLAGS) ||
			    (flags & ABI_O_ACCMODE) != ABI_O_RDWR || pos)
				return bad(r, "a socket's flags are wrong");
			f = hostinet_snap_closed((int)family, SOCK_STREAM,
						 (int)protocol, connected, addr,
						 (int)alen, flags);
			if (!f)
				return bad(r, "a closed host socket is wrong");
			if (sock_snap_load(sock_of(f), d)) {
				file_put(f);
				return d->err;
			}
			break;
		}
		case SNAP_FILE_UNIX:
			if ((flags & ~(uint32_t)SNAP_ANON_FLAGS) ||
			    (flags & ABI_O_ACCMODE) != ABI_O_RDWR || pos)
				return bad(r, "a socket's flags are wrong");
			f = unix_snap_file(u, dec_u32(d), flags, d);
			if (!f)
				return d->err ? d->err : -ENOMEM;
			break;
		default:
			return bad(r, "an open file of unknown kind");
		}
		r->files[i] = f;
	}
	for (uint32_t i = 1; i <= r->nfiles; i++)
		if (r->pipes[i]) {
			pipe_restore_done(r->pipes[i]);
			r->pipes[i] = NULL;
		}
	return d->err;
}

static int restore_tables(struct restorer *r)
{
	struct dec *d = &r->d;

	r->nfdtables =
	    dec_u32_range(d, 0, SNAP_MAX_OBJECTS, "too many fd tables");
	r->fdtables = calloc(r->nfdtables + 1, sizeof(*r->fdtables));
	if (!r->fdtables)
		return -ENOMEM;
	for (uint32_t i = 1; i <= r->nfdtables && !d->err; i++) {
		uint32_t n = dec_u32_range(d, 0, SNAP_MAX_FDS, "too many fds");
		struct fdtable *ft = fdtable_create();

		if (!ft)
			return -ENOMEM;
		r->fdtables[i] = ft;
		for (uint32_t j = 0; j < n && !d->err; j++) {
			uint32_t fd = dec_u32_range(d, 0, SNAP_MAX_FDS - 1,
						    "an fd out of range");
			uint32_t cloexec = dec_u32_range(d, 0, 1, "bad flag");
			uint32_t f =
			    dec_ref(d, r->nfiles, false, "an fd names no file");

			if (d->err)
				break;
			if (fd_get_cloexec(ft, (int)fd) >= 0)
				return bad(r, "an fd twice in one table");
			if (fd_install_at(ft, r->files[f], (int)fd, cloexec,
					  SNAP_MAX_FDS) < 0)
				return -ENOMEM;
		}
	}
	r->nfss = dec_u32_range(d, 0, SNAP_MAX_OBJECTS, "too many fs");
	r->fss = calloc(r->nfss + 1, sizeof(*r->fss));
	if (!r->fss)
		return -ENOMEM;
	for (uint32_t i = 1; i <= r->nfss && !d->err; i++) {
		struct vfs_path p[2];
		struct vfs_inode *inode;
		int err = 0;

		for (int j = 0; j < 2 && !err; j++) {
			err = restore_ref(r, &p[j], &inode);
			if (err)
				break;
			vfs_inode_put(inode);
			if (!p[j].mnt ||
			    !ABI_S_ISDIR(p[j].dentry->inode->mode)) {
				if (p[j].mnt)
					vfs_path_put(&p[j]);
				err = bad(r, "a root or working directory is "
					     "no directory");
			}
			if (err && j)
				vfs_path_put(&p[0]);
		}
		if (err)
			return err;
		r->fss[i] = fs_struct_create(&p[0], &p[1]);
		vfs_path_put(&p[0]);
		vfs_path_put(&p[1]);
		if (!r->fss[i])
			return -ENOMEM;
	}
	return d->err;
}

/* VMAs or pmas: sorted, apart, page-aligned, below limit. */
static int restore_vmas(struct restorer *r, struct mm *mm, bool pmas)
{
	struct vma_set *vs = pmas ? &mm->pmas : &mm->vmas;
	uint64_t limit = mm->limit;
	struct dec *d = &r->d;
	uint32_t n = dec_u32_range(d, 0, SNAP_MAX_VMAS, "too many VMAs");
	uint64_t prev_end = 0;

	if (!d->err && vma_set_reserve(vs, n))
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !d->err; i++) {
		struct vma v = {.start = dec_u64(d),
				.end = dec_u64(d),
				.prot = dec_u32(d),
				.flags = dec_u32(d),
				.off = dec_u64(d)};

		if (d->err)
			break;
		if ((v.start | v.end) & 4095 || v.start >= v.end ||
		    v.end > limit || v.start < prev_end || v.prot & ~7U ||
		    v.flags & ~0x7ffU)
			return bad(r, "a VMA out of order or out of range");
		if (pmas &&
		    (v.flags & ~(uint32_t)VMA_COW || v.prot ||
		     !memfile_allocated(&r->k->mf, v.off, v.end - v.start)))
			return bad(r, "anonymous memory outside the memory "
				      "file's allocated pages");
		if (!pmas && v.flags & VMA_COW)
			return bad(r, "a VMA with a pma's flag");
		prev_end = v.end;
		if (!pmas && dec_u32_range(d, 0, 1, "a VMA's file flag")) {
			struct vfs_path p;
			struct vfs_inode *inode, *mi;
			struct file *f = NULL;
			int err = restore_ref(r, &p, &inode);

			if (err)
				return err;
			/* Its pages: the tmpfs inode, or the file's. */
			mi = inode;
			if (p.mnt) {
				f = vfs_open_inode(&p, inode,
						   v.flags & VMA_MAYWRITE
						       ? ABI_O_RDWR
						       : ABI_O_RDONLY);
				vfs_inode_put(inode);
				if (IS_ERR(f)) {
					vfs_path_put(&p);
					return bad(r, "a mapped file cannot be "
						      "opened again");
				}
				mi = f->ops->mmap_inode ? f->ops->mmap_inode(f)
							: ERR_PTR(-ENODEV);
			}
			if (IS_ERR(mi) || !mi->ops->map_pages) {
				if (!IS_ERR(mi))
					vfs_inode_put(mi);
				if (f)
					file_put(f);
				return bad(r, "a shared mapping of a file "
					      "that cannot be mapped");
			}
			err =
			    mm_restore_file_vma(mm, &v, mi, f ? &f->path : &p);
			vfs_inode_put(mi);
			if (f)
				file_put(f);
			if (err)
				return err;
			continue;
		}
		/* In order and apart, each is appended as it is. */
		vs->v[vs->n++] = v;
	}
	return d->err;
}

/*
 * Every anonymous VMA's address is in exactly one pma, and no other
 * address is (a pma may span VMAs that touch).
 */
static bool pmas_cover(const struct mm *mm)
{
	size_t i = 0, j = 0;

	while (i < mm->vmas.n) {
		uint64_t start, end, at;

		if (mm->vmas.v[i].file) {
			i++; /* its pages are the file's */
			continue;
		}
		/* The run of anonymous VMAs that touch. */
		start = mm->vmas.v[i].start;
		end = mm->vmas.v[i].end;
		for (i++; i < mm->vmas.n && !mm->vmas.v[i].file &&
			  mm->vmas.v[i].start == end;
		     i++)
			end = mm->vmas.v[i].end;
		for (at = start; at < end; at = mm->pmas.v[j++].end)
			if (j >= mm->pmas.n || mm->pmas.v[j].start != at ||
			    mm->pmas.v[j].end > end)
				return false;
	}
	return j == mm->pmas.n;
}

static int restore_mms(struct restorer *r)
{
	struct dec *d = &r->d;
	struct platform *plat = r->k->plat;

	r->nmms = dec_u32_range(d, 0, SNAP_MAX_OBJECTS, "too many mms");
	r->mms = calloc(r->nmms + 1, sizeof(*r->mms));
	if (!r->mms)
		return -ENOMEM;
	for (uint32_t i = 1; i <= r->nmms && !d->err; i++) {
		struct mm *mm = mm_alloc_detached(&r->k->mf, plat);
		uint64_t f[20];
		int err;

		if (!mm)
			return -ENOMEM;
		r->mms[i] = mm;
		if (dec_u32(d) != 20)
			return bad(r, "an address space of another version");
		for (int j = 0; j < 20; j++)
			f[j] = dec_u64(d);
		if (!d->err && f[0] != plat->addr_limit)
			return bad(r, "an address space of another size");
		mm->mmap_base = f[1];
		mm->start_brk = f[2];
		mm->brk = f[3];
		mm->stack_top = f[4];
		mm->start_stack = f[5];
		mm->data_limit = f[6];
		mm->as_limit = f[7];
		mm->arg_start = f[8];
		mm->arg_end = f[9];
		mm->env_start = f[10];
		mm->env_end = f[11];
		mm->start_code = f[12];
		mm->end_code = f[13];
		mm->start_data = f[14];
		mm->end_data = f[15];
		mm->def_flags = (uint32_t)f[16];
		mm->membarrier = (uint32_t)f[17];
		mm->resv_lo = f[18];
		mm->resv_hi = f[19];
		if (!d->err &&
		    (mm->mmap_base > mm->limit || mm->start_brk > mm->brk ||
		     mm->brk > mm->limit || mm->stack_top > mm->limit ||
		     mm->resv_lo > mm->resv_hi ||
		     mm->def_flags & ~(uint32_t)(VMA_LOCKED | VMA_LOCKONFAULT)))
			return bad(r, "an address space's bounds are wrong");
		err = restore_vmas(r, mm, false);
		if (!err)
			err = restore_vmas(r, mm, true);
		if (err)
			return err;
		if (!pmas_cover(mm))
			return bad(r, "anonymous memory that does not match "
				      "its VMAs");
	}
	return d->err;
}

static int restore_sigq(struct restorer *r, struct sigqueue *q)
{
	struct dec *d = &r->d;
	uint32_t n = dec_u32_range(d, 0, SNAP_MAX_SIGQ, "too many signals");

	for (uint32_t i = 0; i < n && !d->err; i++) {
		struct abi_siginfo info;

		dec_blob_exact(d, &info, sizeof(info));
		if (!d->err && sigqueue_import(q, &info, 1))
			return bad(r, "a queued signal out of range");
	}
	return d->err;
}

static void dec_timer(struct dec *d, struct timer_image *v)
{
	v->armed = dec_u32_range(d, 0, 1, "a timer's flag");
	v->left = dec_i64(d);
	v->interval = dec_i64(d);
}

/* A process's timers, checked when they are made (apply_timers). */
static int restore_timers(struct restorer *r, struct tg_timers *tt)
{
	struct dec *d = &r->d;

	tt->tid = dec_u32_range(d, 0, ABI_PID_MAX - 1, "a timer's thread");
	for (int w = 0; w < 3; w++)
		dec_timer(d, &tt->it[w]);
	tt->npt = dec_u32_range(d, 0, SNAP_MAX_TIMERS, "too many timers");
	if (d->err)
		return d->err;
	tt->pt = calloc(tt->npt ? tt->npt : 1, sizeof(*tt->pt));
	if (!tt->pt)
		return -ENOMEM;
	for (uint32_t i = 0; i < tt->npt && !d->err; i++) {
		struct timer_image *v = &tt->pt[i];

		v->id = (int)dec_u32_range(d, 0, SNAP_MAX_TIMERS - 1,
					   "a timer's id");
		v->clock = (int)dec_u32(d);
		v->notify = (int)dec_u32(d);
		v->signo = (int)dec_u32(d);
		v->value = dec_u64(d);
		dec_timer(d, v);
		v->overrun =
		    (int)dec_u32_range(d, 0, INT32_MAX, "a timer's overrun");
		v->overrun_last =
		    (int)dec_u32_range(d, 0, INT32_MAX, "a timer's overrun");
	}
	return d->err;
}

/* Every process's timers, on the thread named, once the tasks are made. */
static int apply_timers(struct restorer *r)
{
	for (uint32_t i = 1; i <= r->ntgs; i++) {
		struct tg_timers *tt = &r->timers[i];
		struct thread_group *tg = r->tgs[i];
		struct task *t = NULL;
		int err;

		if (!tt->tid) {
			bool armed = tt->npt != 0;

			for (int w = 0; w < 3; w++)
				armed |= tt->it[w].armed;
			if (armed)
				return bad(r, "timers without a thread");
			continue;
		}
		for (struct task *o = tg->threads; o; o = o->next_thread)
			if (o->tid == (int)tt->tid)
				t = o;
		if (!t)
			return bad(r, "a timer's thread is not of its process");
		err = itimer_import(t, tt->it, tt->pt, (int)tt->npt);
		if (err == -EINVAL)
			return bad(r,
				   "a timer's clock, signal or time is wrong");
		if (err)
			return err;
	}
	return 0;
}

static bool sigactions_ok(const struct abi_sigaction *a)
{
	for (int i = 0; i < ABI_NSIG; i++) {
		int sig = i + 1;

		if ((sig == ABI_SIGKILL || sig == ABI_SIGSTOP) &&
		    a[i].handler != ABI_SIG_DFL)
			return false;
	}
	return true;
}

static int restore_tgs(struct restorer *r)
{
	struct dec *d = &r->d;
	uint32_t *parents;

	r->ntgs = dec_u32_range(d, 1, SNAP_MAX_OBJECTS, "no process");
	r->tgs = calloc(r->ntgs + 1, sizeof(*r->tgs));
	r->timers = calloc(r->ntgs + 1, sizeof(*r->timers));
	parents = calloc(r->ntgs + 1, sizeof(*parents));
	if (!r->tgs || !r->timers || !parents) {
		free(parents);
		return -ENOMEM;
	}
	for (uint32_t i = 1; i <= r->ntgs && !d->err; i++) {
		struct thread_group *tg = tg_alloc();
		uint32_t flags;

		if (!tg) {
			free(parents);
			return -ENOMEM;
		}
		r->tgs[i] = tg;
		tg->tgid = (int)dec_u32_range(d, 1, ABI_PID_MAX - 1, "pid");
		parents[i] = dec_ref(d, r->ntgs, true, "a parent");
		tg->parent_tid =
		    (int)dec_u32_range(d, 0, ABI_PID_MAX - 1, "parent");
		tg->pgid = (int)dec_u32_range(d, 0, ABI_PID_MAX - 1, "pgid");
		tg->sid = (int)dec_u32_range(d, 0, ABI_PID_MAX - 1, "sid");
		tg->exit_signal = (int)dec_u32_range(d, 0, ABI_NSIG, "signal");
		tg->state = (enum tg_state)dec_u32_range(d, TG_ALIVE, TG_ZOMBIE,
							 "state");
		tg->exit_notified = tg->state == TG_ZOMBIE;
		tg->exit_status = (int)dec_u32_range(d, 0, 0xffff, "status");
		flags = dec_u32_range(d, 0, 15, "flags");
		tg->did_exec = flags & 1;
		tg->child_subreaper = flags & 2;
		tg->not_dumpable = flags & 4;
		tg->unkillable = flags & 8;
		tg->umask = dec_u32_range(d, 0, 0777, "umask");
		tg->oom_score_adj = (int32_t)dec_u32(d);
		tg->oom_score_adj_min = (int32_t)dec_u32(d);
		if (!d->err &&
		    (tg->oom_score_adj < -1000 || tg->oom_score_adj > 1000 ||
		     tg->oom_score_adj_min < -1000 ||
		     tg->oom_score_adj_min > 1000)) {
			free(parents);
			return bad(r, "oom_score_adj out of range");
		}
		dec_blob_exact(d, tg->rlim, sizeof(tg->rlim));
		dec_blob_exact(d, tg->sigactions, sizeof(tg->sigactions));
		if (!d->err && !sigactions_ok(tg->sigactions)) {
			free(parents);
			return bad(r, "a handler for SIGKILL or SIGSTOP");
		}
		restore_sigq(r, &tg->shared_pending);
		tg->exe = dec_str(d, ABI_PATH_MAX - 1);
		tg->cpu.tv_sec = dec_i64(d);
		tg->cpu.tv_nsec = dec_i64(d);
		tg->cchild_cpu.tv_sec = dec_i64(d);
		tg->cchild_cpu.tv_nsec = dec_i64(d);
		tg->maxrss = dec_u64(d);
		tg->cmaxrss = dec_u64(d);
		if (!d->err &&
		    (tg->cpu.tv_sec < 0 || tg->cpu.tv_nsec < 0 ||
		     tg->cpu.tv_nsec >= 1000000000 ||
		     tg->cchild_cpu.tv_sec < 0 || tg->cchild_cpu.tv_nsec < 0 ||
		     tg->cchild_cpu.tv_nsec >= 1000000000)) {
			free(parents);
			return bad(r, "a CPU time out of range");
		}
		if (!d->err && restore_timers(r, &r->timers[i])) {
			free(parents);
			return d->err ? d->err : -ENOMEM;
		}
	}
	/* Pids unique; parents alive or absent. */
	for (uint32_t i = 1; i <= r->ntgs && !d->err; i++)
		for (uint32_t j = i + 1; j <= r->ntgs; j++)
			if (r->tgs[i]->tgid == r->tgs[j]->tgid) {
				free(parents);
				return bad(r, "two processes with one pid");
			}
	pthread_mutex_lock(&r->k->lock);
	/* tg_link_locked puts each first: the list's order, made again. */
	for (uint32_t i = r->ntgs; i >= 1 && !d->err; i--)
		tg_link_locked(r->k, r->tgs[i],
			       parents[i] ? r->tgs[parents[i]] : NULL);
	pthread_mutex_unlock(&r->k->lock);
	free(parents);
	return d->err;
}

static int restore_task(struct restorer *r, struct task *t)
{
	struct dec *d = &r->d;
	struct kernel *k = r->k;
	struct creds *c = &t->creds;
	uint32_t tg, mm, ft, fs, fn;
	const void *groups;
	size_t ngroups;

	t->k = k;
	t->refs = 1; /* its thread's */
	t->on_heap = true;
	t->tid = (int)dec_u32_range(d, 1, ABI_PID_MAX - 1, "a task's id");
	tg = dec_ref(d, r->ntgs, false, "a task's process");
	mm = dec_ref(d, r->nmms, false, "a task's address space");
	ft = dec_ref(d, r->nfdtables, false, "a task's fd table");
	fs = dec_ref(d, r->nfss, false, "a task's directories");
	dec_blob_exact(d, &t->regs, sizeof(t->regs));
	t->fpu_image = malloc(k->plat->fpu_size);
	if (!t->fpu_image)
		return -ENOMEM;
	dec_blob_exact(d, t->fpu_image, k->plat->fpu_size);
	t->sigmask =
	    dec_u64(d) & ~(ABI_SIG_BIT(ABI_SIGKILL) | ABI_SIG_BIT(ABI_SIGSTOP));
	if (d->err)
		return d->err;
	/* What arch_prctl and clone accept, no more. */
	if (t->regs.fs_base >= ABI_TASK_SIZE ||
	    t->regs.gs_base >= ABI_TASK_SIZE)
		return bad(r, "a task's fs or gs base is outside user space");
	t->tg = r->tgs[tg];
	if (t->tg->state != TG_ALIVE)
		return bad(r, "a task of a process that has exited");
	restore_sigq(r, &t->pending);
	dec_blob_exact(d, &t->altstack, sizeof(t->altstack));
	fn = dec_u32_range(d, 0, NRESTART_FNS - 1, "a restart of no call");
	t->restart_fn = restart_fns[fn];
	t->restart_deadline.tv_sec = dec_i64(d);
	t->restart_deadline.tv_nsec = dec_i64(d);
	for (int i = 0; i < 3; i++)
		t->restart_args[i] = dec_u64(d);
	t->clear_child_tid = dec_u64(d);
	t->robust_list = dec_u64(d);
	t->robust_len = dec_u64(d);
	dec_blob_exact(d, t->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	c->ruid = dec_u32(d);
	c->euid = dec_u32(d);
	c->suid = dec_u32(d);
	c->fsuid = dec_u32(d);
	c->rgid = dec_u32(d);
	c->egid = dec_u32(d);
	c->sgid = dec_u32(d);
	c->fsgid = dec_u32(d);
	c->cap_effective = dec_u64(d);
	c->cap_permitted = dec_u64(d);
	c->cap_inheritable = dec_u64(d);
	c->cap_bounding = dec_u64(d);
	c->cap_ambient = dec_u64(d);
	c->securebits = dec_u32(d);
	groups = dec_blob(d, SNAP_MAX_GROUPS * sizeof(uint32_t), &ngroups);
	if (d->err)
		return d->err;
	if (ngroups % sizeof(uint32_t) ||
	    (c->cap_effective & ~c->cap_permitted) ||
	    (c->cap_ambient & ~(c->cap_permitted & c->cap_inheritable)) ||
	    t->restart_deadline.tv_nsec < 0 ||
	    t->restart_deadline.tv_nsec >= 1000000000)
		return bad(r, "a task's credentials or restart are wrong");
	if (ngroups) {
		c->groups = malloc(ngroups);
		if (!c->groups)
			return -ENOMEM;
		memcpy(c->groups, groups, ngroups);
		c->ngroups = (int)(ngroups / sizeof(uint32_t));
	}
	t->pdeath_signal = (int)dec_u32_range(d, 0, ABI_NSIG, "a signal");
	t->no_new_privs = dec_u32_range(d, 0, 1, "a flag");
	t->mce_kill = (uint8_t)dec_u32_range(d, 0, 4, "PR_MCE_KILL");
	t->timer_slack_ns = dec_u64(d);
	t->personality = dec_u32(d);
	dec_blob_exact(d, &t->sched, sizeof(t->sched));
	if (!d->err && (t->sched.nice < -20 || t->sched.nice > 19 ||
			t->sched.rt_priority > 99))
		return bad(r, "a task's scheduling attributes are wrong");
	{
		uint32_t mode =
		    dec_u32_range(d, ABI_SECCOMP_MODE_DISABLED,
				  ABI_SECCOMP_MODE_FILTER, "a seccomp mode");
		uint32_t f = dec_ref(d, r->nfilters, true, "a seccomp filter");

		if (!d->err && app_seccomp_restore_task(
				   t, (int)mode, f ? r->filters[f] : NULL))
			return bad(r, "a seccomp mode without its filter");
	}
	if (d->err)
		return d->err;
	t->altstack.pad = 0;
	t->mm = r->mms[mm];
	mm_get(t->mm);
	t->files = r->fdtables[ft];
	__atomic_add_fetch(&t->files->refs, 1, __ATOMIC_RELAXED);
	t->fs = r->fss[fs];
	__atomic_add_fetch(&t->fs->refs, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The first task of an address space, on its own thread and in it: the
 * platform's threads for the others that share it, then their threads.
 */
static int start_siblings(struct task *t)
{
	const struct platform_ops *ops = t->k->plat->ops;
	int err = 0;

	pthread_mutex_lock(&t->k->lock);
	for (struct thread_group *tg = t->k->tgs; tg; tg = tg->next)
		for (struct task *o = tg->threads; o && !err;
		     o = o->next_thread)
			if (o != t && o->mm == t->mm && o->as_shared)
				err =
				    ops->as_new_thread(t->mm->as, &o->as_token);
	for (struct thread_group *tg = t->k->tgs; tg && !err; tg = tg->next)
		for (struct task *o = tg->threads; o; o = o->next_thread)
			if (o != t && o->mm == t->mm && o->as_shared) {
				task_get(o); /* its thread's */
				if (task_start_thread(o))
					task_put(o);
			}
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

/* The seccomp filters, each on the one before it, checked as attached. */
static int restore_filters(struct restorer *r)
{
	struct dec *d = &r->d;

	r->nfilters =
	    dec_u32_range(d, 0, SNAP_MAX_OBJECTS, "too many seccomp filters");
	r->filters = calloc(r->nfilters + 1, sizeof(*r->filters));
	if (!r->filters)
		return -ENOMEM;
	for (uint32_t i = 1; i <= r->nfilters && !d->err; i++) {
		uint32_t prev = dec_ref(d, i - 1, true, "a seccomp filter");
		bool log = dec_u32_range(d, 0, 1, "a seccomp flag");
		size_t len;
		const void *p = dec_blob(
		    d, SECCOMP_BPF_MAXINSNS * sizeof(struct seccomp_insn),
		    &len);
		struct seccomp_insn *insns;
		int err;

		if (d->err)
			break;
		if (!len || len % sizeof(*insns))
			return bad(r, "a seccomp program's length is wrong");
		/* Copied out: the section's bytes need not be aligned. */
		insns = malloc(len);
		if (!insns)
			return -ENOMEM;
		memcpy(insns, p, len);
		r->filters[i] = app_seccomp_restore(
		    insns, (uint32_t)(len / sizeof(*insns)), log,
		    prev ? r->filters[prev] : NULL, &err);
		free(insns);
		if (!r->filters[i] && err == -ENOMEM)
			return err;
		if (!r->filters[i])
			return bad(r,
				   err == -E2BIG
				       ? "seccomp filters longer than allowed"
				       : "a seccomp program seccomp refuses");
	}
	return d->err;
}

static int restore_tasks(struct restorer *r)
{
	struct dec *d = &r->d;
	struct kernel *k = r->k;
	bool *first;

	r->ntasks = dec_u32_range(d, 1, SNAP_MAX_OBJECTS, "no task");
	r->tasks = calloc(r->ntasks + 1, sizeof(*r->tasks));
	first = calloc(r->nmms + 1, sizeof(*first));
	if (!r->tasks || !first) {
		free(first);
		return -ENOMEM;
	}
	for (uint32_t i = 1; i <= r->ntasks && !d->err; i++) {
		struct task *t = calloc(1, sizeof(*t));
		int err;

		if (!t) {
			free(first);
			return -ENOMEM;
		}
		r->tasks[i] = t;
		err = restore_task(r, t);
		if (err) {
			free(first);
			return err;
		}
	}
	/* Ids unique; each process's leader is the task with its pid. */
	for (uint32_t i = 1; i <= r->ntasks; i++)
		for (uint32_t j = i + 1; j <= r->ntasks; j++)
			if (r->tasks[i]->tid == r->tasks[j]->tid ||
			    (r->tasks[i]->tid == r->tasks[j]->tg->tgid &&
			     r->tasks[i]->tg != r->tasks[j]->tg) ||
			    (r->tasks[j]->tid == r->tasks[i]->tg->tgid &&
			     r->tasks[j]->tg != r->tasks[i]->tg)) {
				free(first);
				return bad(r, "two tasks with one id");
			}
	pthread_mutex_lock(&k->lock);
	for (uint32_t i = r->ntasks; i >= 1; i--) {
		struct task *t = r->tasks[i];
		struct thread_group *tg = t->tg;
		uint32_t m = 0;

		for (uint32_t j = 1; j <= r->nmms; j++)
			if (r->mms[j] == t->mm)
				m = j;
		/* The first task met of each address space attaches it. */
		t->as_shared = first[m];
		first[m] = true;
		t->next_thread = tg->threads;
		tg->threads = t;
		tg->live_threads++;
		tg_get(tg); /* its thread's reference pins its group */
		if (t->tid == tg->tgid)
			task_make_leader(tg, t);
		k->live_tasks++;
	}
	free(first);
	for (uint32_t i = 1; i <= r->ntgs; i++) {
		struct thread_group *tg = r->tgs[i];

		if ((tg->state == TG_ALIVE) != (tg->leader != NULL)) {
			pthread_mutex_unlock(&k->lock);
			return bad(r, "a live process without its main thread, "
				      "or a zombie with threads");
		}
	}
	pthread_mutex_unlock(&k->lock);
	return d->err;
}

static int restore_header(struct restorer *r)
{
	struct dec *d = &r->d;
	struct kernel *k = r->k;
	struct platform *p = k->plat;
	char *plat, *host, *domain;
	uint32_t fpu_size;
	uint64_t limit, vdso, vdso_lo, vdso_hi;
	int64_t uptime, host_mono = 0;
	uint32_t version;
	int err = 0;

	if (dec_u32(d) != KSNP_MAGIC)
		return bad(r, "the kernel section is not one this moat reads");
	version = dec_u32(d);
	if (version != 2 && version != KSNP_VERSION)
		return bad(r, "the kernel section is not one this moat reads");
	plat = dec_str(d, 32);
	fpu_size = dec_u32(d);
	limit = dec_u64(d);
	vdso = dec_u64(d);
	vdso_lo = dec_u64(d);
	vdso_hi = dec_u64(d);
	k->next_tid = (int)dec_u32_range(d, 1, ABI_PID_MAX - 1, "next pid");
	r->init_pid = (int)dec_u32_range(d, 1, ABI_PID_MAX - 1, "init's pid");
	host = dec_str(d, sizeof(k->hostname) - 1);
	domain = dec_str(d, sizeof(k->domainname) - 1);
	k->ip_forward = (int)dec_u32_range(d, 0, 1, "ip_forward");
	uptime = dec_i64(d);
	if (version >= 3)
		host_mono = dec_i64(d);
	dec_blob_exact(d, k->default_rlim, sizeof(k->default_rlim));
	if (!d->err && (strcmp(plat, p->ops->name) || fpu_size != p->fpu_size ||
			limit != p->addr_limit)) {
		say(r->why, r->whylen,
		    "the image was made on the %s platform (FPU state of %u "
		    "bytes); this sandbox runs %s (%u bytes)",
		    plat, fpu_size, p->ops->name, p->fpu_size);
		err = -EINVAL;
	} else if (!d->err && (vdso != p->vdso || vdso_lo != p->vdso_lo ||
			       vdso_hi != p->vdso_hi)) {
		say(r->why, r->whylen,
		    "the host's vDSO differs from the checkpoint's (another "
		    "kernel): the application's clock calls would break");
		err = -EINVAL;
	}
	if (!d->err && !err) {
		struct timespec now;

		/*
		 * The application reads the host's CLOCK_MONOTONIC (the
		 * vDSO): on a host booted since, it would go back, and its
		 * deadlines with it. A forward jump is a long suspend.
		 */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec * 1000000000LL + now.tv_nsec < host_mono) {
			say(r->why, r->whylen,
			    "this host's CLOCK_MONOTONIC (%lld s since its "
			    "boot) is behind the checkpoint's (%lld s): the "
			    "application's clock would go back; restore on a "
			    "host that has been up longer, or on the one that "
			    "made the image",
			    (long long)now.tv_sec,
			    (long long)(host_mono / 1000000000));
			err = -EINVAL;
		}
	}
	if (!d->err && !err) {
		struct timespec now;

		snprintf(k->hostname, sizeof(k->hostname), "%s", host);
		snprintf(k->domainname, sizeof(k->domainname), "%s", domain);
		/* The sandbox's uptime goes on from where it was. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (uptime < 0)
			uptime = 0;
		k->boot_mono.tv_sec = now.tv_sec - uptime / 1000000000;
		k->boot_mono.tv_nsec = now.tv_nsec - uptime % 1000000000;
		if (k->boot_mono.tv_nsec < 0) {
			k->boot_mono.tv_nsec += 1000000000;
			k->boot_mono.tv_sec--;
		}
	}
	free(plat);
	free(host);
	free(domain);
	return d->err ? d->err : err;
}

int snapshot_restore(struct kernel *k, struct image_reader *ir,
		     const int stdio[3], char *why, size_t whylen)
{
	struct restorer r = {
	    .k = k, .stdio = stdio, .why = why, .whylen = whylen};
	int idx = image_find(ir, IMAGE_SEC_KERNEL, 0);
	size_t len;
	void *sec;
	int err;

	why[0] = '\0';
	if (idx < 0) {
		say(why, whylen, "the image holds no kernel state");
		return -EINVAL;
	}
	sec = image_section_load(ir, (uint32_t)idx, &len);
	if (!sec) {
		say(why, whylen, "%s", ir->err);
		return -EINVAL;
	}
	r.d = (struct dec){.p = sec, .len = len};
	k->frozen = true; /* until every task is made (kernel_thaw) */
	err = restore_header(&r);
	if (!err) {
		char fwhy[FSIMAGE_ERR_LEN];

		err = fsimage_restore(k, ir, &r.fsm, fwhy);
		if (err)
			say(why, whylen, "%s", fwhy);
	}
	if (!err)
		err = restore_files(&r);
	if (!err)
		err = restore_tables(&r);
	if (!err)
		err = restore_mms(&r);
	if (!err)
		err = restore_tgs(&r);
	if (!err)
		err = restore_filters(&r);
	if (!err)
		err = restore_tasks(&r);
	if (!err)
		err = apply_timers(&r);
	if (!err && !dec_done(&r.d))
		err = bad(&r, "bytes left over after the last task");
	if (err && r.d.err)
		say(why, whylen, "the image's kernel state is wrong: %s",
		    r.d.what);
	else if (err)
		say(why, whylen, "cannot restore: %s", strerror(-err));
	if (!err) {
		pthread_mutex_lock(&k->lock);
		k->init_tg = tg_lookup_locked(k, r.init_pid);
		pthread_mutex_unlock(&k->lock);
		if (!k->init_tg || k->init_tg->state != TG_ALIVE) {
			say(why, whylen,
			    "the image's kernel state is wrong: "
			    "its init is not alive");
			err = -EINVAL;
		}
		/* Each address space's first task starts the others. */
		for (uint32_t i = 1; i <= r.ntasks && !err; i++) {
			struct task *t = r.tasks[i];

			if (t->as_shared)
				continue;
			t->on_start = start_siblings;
			err = task_start_thread(t);
		}
		/* The timers run from now, on the tasks' new clocks. */
		for (uint32_t i = 1; i <= r.ntgs && !err; i++)
			if (r.tgs[i]->state == TG_ALIVE &&
			    itimer_resume(r.tgs[i])) {
				say(why, whylen,
				    "cannot restore: no thread for the "
				    "timers of process %d",
				    r.tgs[i]->tgid);
				err = -EAGAIN;
			}
	}
	/* The tables' own references are dropped: the tasks hold theirs. */
	for (uint32_t i = 1; i <= r.nfiles; i++)
		if (r.files[i])
			file_put(r.files[i]);
	for (uint32_t i = 1; i <= r.nfdtables; i++)
		if (r.fdtables[i])
			fdtable_put(r.fdtables[i]);
	for (uint32_t i = 1; i <= r.nfss; i++)
		fs_struct_put(r.fss[i]);
	for (uint32_t i = 1; i <= r.nmms; i++)
		mm_put(r.mms[i]);
	free(r.files);
	free(r.pipes);
	free(r.fdtables);
	free(r.fss);
	free(r.mms);
	for (uint32_t i = 1; r.filters && i <= r.nfilters; i++)
		app_seccomp_put(r.filters[i]);
	free(r.filters);
	for (uint32_t i = 1; r.timers && i <= r.ntgs; i++)
		free(r.timers[i].pt);
	free(r.timers);
	free(r.tgs);
	free(r.tasks);
	if (r.fsm)
		fsimage_free(r.fsm);
	free(sec);
	return err;
}
