/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminals (tty.c, devpts.c, console.c): pseudo-terminal pairs with
 * Linux's line discipline, /dev/ptmx, /dev/tty, /dev/pts, controlling
 * terminals of sessions, and the console of `moat run -t`.
 */
#ifndef MOAT_FS_TTY_H
#define MOAT_FS_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct file;
struct kernel;
struct task;
struct thread_group;
struct tty;
struct vfs_inode;

/* Device numbers: /dev/tty and /dev/ptmx (major 5), the slaves' major. */
#define TTY_MAJOR_TTYAUX 5
#define TTY_MINOR_TTY	 0
#define TTY_MINOR_PTMX	 2
#define TTY_MAJOR_PTS	 136
#define TTY_PTY_MAX	 4096 /* /proc/sys/kernel/pty/max */

void tty_get(struct tty *tty);
void tty_put(struct tty *tty);

/*
 * Open a terminal device for the calling task (devices.c): /dev/tty (its
 * controlling terminal; ENXIO without one), /dev/ptmx (a new pair's
 * master) or a slave by number (ENXIO: none; EIO: locked or its master
 * gone). flags may hold O_NOCTTY; without it a session leader with no
 * controlling terminal gets the slave it opens.
 */
struct file *tty_device_open(unsigned major, unsigned minor, uint32_t flags);

/* A live slave by number (devpts): its owner and mode; false if none. */
bool tty_pts_info(unsigned index, uint64_t *serial, uint32_t *uid,
		  uint32_t *gid, uint32_t *mode);
/* The numbers of the live slaves, ascending, from *index on: false: none. */
bool tty_pts_next(unsigned *index);

/* devpts: the filesystem of the slaves and ptmx, mounted at /dev/pts. */
struct vfs_inode *devpts_create(struct kernel *k);

/* ---- sessions (task.c, fork.c, process.c) ---- */

/* /proc/PID/stat's tty_nr and tpgid of tg (0 and -1: none). k->lock. */
void tty_stat_locked(const struct thread_group *tg, int *tty_nr, int *tpgid);
/* tg loses its controlling terminal (setsid; proc_clear_tty). k->lock. */
void tty_clear_ctty_locked(struct thread_group *tg);
/*
 * The last thread of t's group has exited: a session leader's terminal
 * is taken from its session and its foreground group gets SIGHUP
 * (disassociate_ctty); the group's reference goes. k->lock not held.
 */
void tty_exit_group(struct task *t);

/* ---- consoles (console.c) ---- */

/*
 * A pair whose master the sentry pumps to and from the host's relay over
 * sock (a SOCK_SEQPACKET socket, taken: from the relay, 'd' and input
 * bytes or 'w' and a struct abi_winsize; to it, output bytes); an ERR_PTR.
 */
struct console;
struct console *tty_console_open(struct kernel *k, int sock);
/* t's stdio (t->files, looked up from t->fs): the console's slave. */
int tty_console_attach_task(struct console *c, struct task *t);
/* t's group (a session leader) takes it as its controlling terminal. */
void tty_console_set_ctty(struct console *c, struct task *t);
/* Its process is over: the output left goes to the relay, then EOF and
 * a hang-up; c is gone. */
void tty_console_close(struct console *c);

/* init's console (moat run -t, OCI's process.terminal), by the boot. */
int tty_console_start(struct kernel *k, int sock);
/* init's stdio: the console's slave, its controlling terminal. */
int tty_console_attach(struct task *init);
/* The sandbox is over: the output left goes to the relay, then EOF. */
void tty_console_finish(void);

/*
 * The kernel's side of a master (console.c): no task, no job control.
 * tty_create: a new pair whose master the caller holds (tty_master_close
 * lets go), its slave locked or not; an ERR_PTR.
 */
struct tty *tty_create(struct kernel *k, bool locked);
/* Input as typed at the terminal; blocks while the slave is behind. */
void tty_input(struct tty *tty, const void *buf, size_t len);
/* Output for the terminal: bytes, or 0 when stop() says so. */
size_t tty_output(struct tty *tty, void *buf, size_t len,
		  int (*stop)(void *arg), void *arg);
/* Is output pending for the master? */
size_t tty_output_pending(struct tty *tty);
/* Wake tty_output's waits (its stop condition may have changed). */
void tty_kick(struct tty *tty);
/* A new window size (TIOCSWINSZ from the host): SIGWINCH if changed. */
void tty_set_winsize(struct tty *tty, const void *ws);
/* Close the kernel's master: the slave hangs up. */
void tty_master_close(struct tty *tty);
/* A slave file of tty, for init's stdio (O_NOCTTY implied). */
struct file *tty_open_slave(struct tty *tty, uint32_t flags);
/* t's group takes tty as its controlling terminal, its group foreground. */
void tty_set_ctty(struct task *t, struct tty *tty);
unsigned tty_index(struct tty *tty);

#endif
