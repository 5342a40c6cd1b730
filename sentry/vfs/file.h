/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open file descriptions and per-process fd tables.
 *
 * A struct file is shared by every fd that dup() or fork() made from the
 * same open(): its offset and status flags are shared, FD_CLOEXEC is not.
 */
#ifndef MOAT_VFS_FILE_H
#define MOAT_VFS_FILE_H

#include "abi/linux.h"
#include "sentry/vfs/vfs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct task;
struct file;
struct epitem;

struct file_ops {
	/*
	 * Read into / write from the application's iovecs (already checked:
	 * iovcnt in range, lengths capped). pos is the offset to use and
	 * advance, or NULL for a stream. Return bytes transferred or -errno;
	 * -EFAULT only when nothing was transferred.
	 */
	ssize_t (*read)(struct file *f, struct task *t,
			const struct abi_iovec *iov, int iovcnt, int64_t *pos);
	ssize_t (*write)(struct file *f, struct task *t,
			 const struct abi_iovec *iov, int iovcnt, int64_t *pos);
	/* ioctl; NULL means -ENOTTY. */
	long (*ioctl)(struct file *f, struct task *t, unsigned int cmd,
		      uint64_t arg);
	/* fstat; required. */
	int (*stat)(struct file *f, struct abi_stat *st);
	/* Status flags changed (O_NONBLOCK, O_APPEND...); NULL: just record. */
	int (*setfl)(struct file *f, uint32_t flags);
	/* Positional I/O allowed (pread and friends)? NULL: -ESPIPE. */
	bool (*seekable)(struct file *f);
	/*
	 * lseek: the new position (already range-checked by the caller for
	 * SEEK_SET/CUR/END) or -errno. NULL: the generic lseek for seekable
	 * files (SEEK_END from the inode's size), -ESPIPE for streams.
	 */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* Directory entries from f->pos on into sink; NULL: -ENOTDIR. */
	int (*readdir)(struct file *f, struct vfs_dir_sink *sink);
	/*
	 * Read len bytes at off into the sentry's own memory (the loader):
	 * bytes read or -errno. NULL: the file cannot be read this way.
	 */
	ssize_t (*kread)(struct file *f, void *buf, size_t len, int64_t off);
	/*
	 * Write len bytes of the sentry's memory at *pos (NULL: a stream),
	 * advancing it: bytes written or -errno. NULL: not possible.
	 */
	ssize_t (*kwrite)(struct file *f, const void *buf, size_t len,
			  int64_t *pos);
	/*
	 * fallocate (modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE), arguments
	 * already checked; NULL: EOPNOTSUPP.
	 */
	int (*fallocate)(struct file *f, int mode, int64_t off, int64_t len);
	/*
	 * MAP_SHARED: the tmpfs inode whose pages hold the file's data (a
	 * reference). NULL: the file cannot be mapped shared and writable.
	 */
	struct vfs_inode *(*mmap_inode)(struct file *f);
	/* A host fd with the file's data, for in-kernel copies; -1: none. */
	int (*host_fd)(struct file *f);
	/*
	 * Readiness now, as poll's revents for events (POLLIN, POLLOUT...;
	 * POLLHUP and POLLERR are always reported). NULL: always ready for
	 * reading and writing, as a regular file.
	 */
	unsigned (*poll)(struct file *f, unsigned events);
	/* fsync/fdatasync; NULL: nothing to write back. */
	int (*fsync)(struct file *f, bool datasync);
	/* Last reference dropped: free f (the VFS fields go afterwards). */
	void (*release)(struct file *f);
	/* Anonymous files: the name after "anon_inode:" ("[eventfd]"). */
	const char *anon_name;
	/*
	 * Writes grow the file's data and obey RLIMIT_FSIZE: the regular
	 * files of disk and memory filesystems (whose writes Linux checks
	 * with generic_write_checks), not procfs's, devices or pipes.
	 * Deviation: a donated host fd is not limited, even on a regular
	 * file (its offset is the host's).
	 */
	bool size_limited;
};

/* The bytes the iovecs (already checked) ask for. */
static inline uint64_t iov_total(const struct abi_iovec *iov, int iovcnt)
{
	uint64_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	return total;
}

/* Anonymous files (eventfd, timerfd, signalfd) share one inode. */
#define ANON_INODE_DEV 0xe
#define ANON_INODE_INO 1

/* An anonymous file's fstat: that inode, owned by root, 0600, no type. */
int anon_file_stat(struct file *f, struct abi_stat *st);
/* noop_llseek: the position stays where it is, and that is the answer. */
int64_t noop_llseek(struct file *f, int64_t off, int whence);

struct file {
	int refs;
	const struct file_ops *ops;
	uint32_t flags; /* O_ACCMODE and status flags */
	bool stream;	/* no offset of ours (pipes, host fds) */
	pthread_mutex_t pos_lock;
	int64_t pos;
	struct vfs_path path;	 /* where it was opened; mnt NULL: nowhere */
	struct vfs_inode *inode; /* with a reference; NULL: none */
	/* Counted in inode's open counts (file_count_open). */
	bool counted;
	/*
	 * fcntl's state of the description (fs/fcntl.c), under pos_lock:
	 * F_SETOWN's owner (pid 0: none; type an ABI_F_OWNER_*), F_SETSIG's
	 * signal, F_SETLEASE's lease (ABI_F_UNLCK: none), F_NOTIFY's mask,
	 * and the write-life hint of a file without an inode.
	 */
	int owner_pid;
	int owner_type;
	int owner_sig;
	int lease;
	uint32_t dn_mask;
	uint8_t write_hint;
	/*
	 * Every change of its readiness calls poll_notify(), so a poll may
	 * sleep on it without re-checking (pipes, sockets, eventfd). Files
	 * without it are looked at again every POLL_TICK_NS.
	 */
	bool poll_notifies;
	/* The epoll entries watching this file, under eventpoll.c's lock. */
	struct epitem *ep_links;
};

void file_init(struct file *f, const struct file_ops *ops, uint32_t flags);
/*
 * Write from the sentry's memory at *pos, or at the file's own position
 * (pos NULL; a stream has none): the sink of sendfile, copy_file_range
 * and splice. The calling task's RLIMIT_FSIZE applies.
 */
ssize_t file_kwrite(struct file *f, const void *buf, size_t len, int64_t *pos);
void file_get(struct file *f);
void file_put(struct file *f);
/*
 * f's last reference is going: out of every epoll set that watches it
 * (eventpoll.c; Linux's eventpoll_release).
 */
void eventpoll_release(struct file *f);
/*
 * An application's open of f->inode: counted among its readers or
 * writers (Linux's i_readcount and i_writecount, which leases look at)
 * until f's last reference goes.
 */
void file_count_open(struct file *f);

static inline bool file_readable(const struct file *f)
{
	return (f->flags & ABI_O_ACCMODE) != ABI_O_WRONLY;
}

static inline bool file_writable(const struct file *f)
{
	return (f->flags & ABI_O_ACCMODE) != ABI_O_RDONLY;
}

/* The key of f's byte-range locks: its inode, or f itself without one. */
static inline const void *file_lock_key(const struct file *f)
{
	return f->inode ? (const void *)f->inode : (const void *)f;
}

struct fd_entry {
	struct file *file;
	bool cloexec;
};

struct fdtable {
	pthread_mutex_t lock;
	int refs;
	int cap;
	struct fd_entry *fds;
};

struct fdtable *fdtable_create(void);
void fdtable_put(struct fdtable *t);
/* fork's copy: the same files at the same fds; NULL when out of memory. */
struct fdtable *fdtable_dup(struct fdtable *t);
/* exec: close every close-on-exec fd. */
void fdtable_close_on_exec(struct fdtable *t);
/* The table's size, as Linux's max_fds: what select looks at, at most. */
int fdtable_size(struct fdtable *t);

/*
 * Install f (taking a reference) at the lowest free fd >= min_fd that is
 * below limit (RLIMIT_NOFILE). Returns the fd, -EMFILE or -EINVAL.
 */
int fd_alloc(struct fdtable *t, struct file *f, bool cloexec, int min_fd,
	     uint64_t limit);
/* Install f at exactly fd, closing what was there. Returns fd or -errno. */
int fd_install_at(struct fdtable *t, struct file *f, int fd, bool cloexec,
		  uint64_t limit);
/* The file at fd with a reference taken, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
/* Close fd: 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd);
/* FD_CLOEXEC: get (0/1 or -EBADF) and set (0 or -EBADF). */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);

/* A file over a host fd the sentry holds (donated stdio). Takes hostfd. */
struct file *hostfd_file_create(int hostfd, uint32_t flags);
/*
 * Snapshots: which of the sandbox's stdio a host fd's file was donated as
 * (0-2), -1 for another host fd, -2 for a file that is not a host fd's.
 */
int hostfd_file_donor(struct file *f);
void hostfd_file_set_donor(struct file *f, int donor);

#endif
