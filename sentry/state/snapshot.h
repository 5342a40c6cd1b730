/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of a whole sandbox: the kernel's state (processes, threads,
 * address spaces, fd tables, open files, pipes) in an image beside the
 * memory file's pages (memimage.h) and the sandbox's configuration.
 *
 * The kernel section (IMAGE_SEC_KERNEL) is one stream of records in this
 * order, every integer little-endian (codec.h), every object named by its
 * index + 1 in its own list (0: none):
 *
 *   header     magic "KSNP", version, the platform's name, its FPU state
 *              size, next pid, init's pid, host name, domain name,
 *              ip_forward, the sandbox's uptime, init's default limits
 *   pipes      per pipe: its ring's size and buffered bytes
 *   unix       the unix sockets' names (the sockaddr; for a file name
 *              the reference to its socket file), then per endpoint
 *              (those of the files, then the peers, senders and
 *              connections not accepted they reach, closed ones too):
 *              type, state, flags (closed, not accepted, owns its name),
 *              shutdown, pending error, SO_PEERCRED, peer, name,
 *              backlog and queue of connections not accepted, and its
 *              queued messages (sender, its name then, credentials,
 *              bytes read of it, data, and the files in flight: whose
 *              they count as, and their numbers among the files, which
 *              include every file in flight)
 *   files      per open file description: kind, status flags, offset,
 *              F_SETOWN's owner, and the kind's own: the stdio it was
 *              (host), its sandbox path and what it was (path), its
 *              pipe and end (pipe), an eventfd's count and flag, a
 *              timerfd's clock, time left, interval and expirations not
 *              read, a signalfd's mask, an epoll set (empty), a unix
 *              socket's endpoint, owner and options, or (--tcp-close) a
 *              host TCP socket's family, protocol, whether it was
 *              connected, its address and options, to come back closed;
 *              then
 *              per epoll set its interest list: each entry's file, fd
 *              number, events, data and the bits EPOLLET reported
 *   fdtables   per table: its fds, each with FD_CLOEXEC and its file
 *   fs         per root-and-cwd pair: both as sandbox paths
 *   mms        per address space: brk, stack and argument bounds, limits,
 *              its VMAs and its anonymous memory's places in the memory
 *              file (pmas)
 *   processes  per thread group, parents before or after children alike:
 *              ids, parent, process group, session, state, exit status,
 *              limits, signal actions and queue, umask, flags, and its
 *              timers: the thread they signal, the interval timers and
 *              the POSIX ones (id, clock, notification), each with the
 *              time left on its clock and its interval
 *   filters    per seccomp filter, once however many tasks share it and
 *              after the one it runs after: that one, FLAG_LOG, its
 *              program (checked again as seccomp checks it)
 *   tasks      per thread: ids, its objects above, registers, FPU state,
 *              signal mask and queue, alternate stack, the syscall it
 *              restarts, futex and robust-list words, credentials, prctl
 *              and scheduling state, its seccomp mode and newest filter
 *
 * A timer goes on from a restore with the time it had left at the
 * checkpoint, as if no time had passed; one on a CPU clock counts on the
 * restored thread's new clock; a timerfd likewise. What the checkpoint
 * cannot save yet (sockets but unix ones, terminals, an epoll entry
 * whose file no fd holds, ...) makes it fail with a message naming the
 * object; nothing is saved half.
 */
#ifndef MOAT_STATE_SNAPSHOT_H
#define MOAT_STATE_SNAPSHOT_H

#include "sentry/state/image.h"

#include <stdbool.h>
#include <stddef.h>

struct kernel;
struct sentry_config;

#define SNAPSHOT_IMAGE_NAME "sandbox.img" /* in --image-path DIR */
#define SNAPSHOT_WHY_LEN    512

/* snapshot_save's flags. */
#define SNAPSHOT_LEAVE_RUNNING 0x1 /* the sandbox goes on afterwards */
/* Host sockets (--network=host TCP, connections to host socket files)
 * are saved to come back closed, as after a network reset. */
#define SNAPSHOT_TCP_CLOSE 0x2
/* The memory section compressed with zstd at this level (memimage.h);
 * 0: stored as it is. */
#define SNAPSHOT_LEVEL_SHIFT  8
#define SNAPSHOT_LEVEL(flags) ((int)(((flags) >> SNAPSHOT_LEVEL_SHIFT) & 0xff))

/*
 * Checkpoint the running sandbox into fd (a regular file, written from
 * offset 0): every task parks (kernel_quiesce), the kernel's state, the
 * configuration text and the memory file are written. Then the tasks go
 * on with SNAPSHOT_LEAVE_RUNNING or if the checkpoint failed; else they
 * stay frozen, for the caller to end the sandbox. 0, or -errno with why
 * saying what could not be saved.
 */
int snapshot_save(struct kernel *k, int fd, const char *config, unsigned flags,
		  char *why, size_t whylen);

/*
 * The configuration section's text for cfg: "key=value" lines that
 * snapshot_config_parse reads back into a sentry_config (moat restore
 * starts the same gofer, mounts and platform from it).
 */
char *snapshot_config_format(const struct sentry_config *cfg);
/*
 * Fill cfg's platform, root, binds, host name and network from text
 * (strings are pointers into text, which the caller keeps). 0, or -EINVAL
 * with why naming the line.
 */
int snapshot_config_parse(char *text, struct sentry_config *cfg, char *why,
			  size_t whylen);

/*
 * Restore the kernel's state from r into k, whose memory file r's memory
 * sections already made (kernel_init_restore) and whose filesystem is
 * booted from the same configuration. Every task is made, each on its own
 * sentry thread, and held frozen; kernel_thaw lets them run. stdio:
 * the host fds the saved stdio files become (3 of them, -1: closed).
 * 0, or -errno with why; then nothing of it runs.
 */
int snapshot_restore(struct kernel *k, struct image_reader *r,
		     const int stdio[3], char *why, size_t whylen);

#endif
