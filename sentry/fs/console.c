// SPDX-License-Identifier: Apache-2.0
/*
 * Consoles: a pseudo-terminal pair whose slave is a process's stdio and
 * controlling terminal (init's with `moat run -t` or OCI's
 * process.terminal, an exec'd process's with `moat exec -t`), and whose
 * master the sentry pumps to and from moat's relay process, which holds
 * the host's terminal in raw mode (tools/console.c). Two sentry threads
 * per console do the pumping with plain read and write on a SOCK_SEQPACKET
 * socket (and shutdown at the end): no host syscall beyond those.
 *
 * From the relay: 'd' and typed bytes, or 'w' and a struct abi_winsize.
 * To it: output bytes. The relay's end closing is a hang-up.
 */
#include "sentry/fs/tty.h"

#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONSOLE_MSG_MAX 4096

struct console {
	struct tty *tty;
	int sock;
	int refs; /* atomic: the owner's and the input thread's */
	pthread_t in_thread, out_thread;
	bool finishing; /* atomic: its process is over */
	uint8_t in[1 + CONSOLE_MSG_MAX], out[CONSOLE_MSG_MAX];
};

/* init's: moat run -t's, or OCI's process.terminal. */
static struct console *con;

static void console_put(struct console *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
		return;
	close(c->sock);
	tty_put(c->tty);
	free(c);
}

static void *console_input(void *arg)
{
	struct console *c = arg;

	for (;;) {
		ssize_t n = read(c->sock, c->in, sizeof(c->in));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c->in[0] == 'd')
			tty_input(c->tty, c->in + 1, (size_t)n - 1);
		else if (c->in[0] == 'w' &&
			 (size_t)n == 1 + sizeof(struct abi_winsize))
			tty_set_winsize(c->tty, c->in + 1);
	}
	/* The terminal went away: a hang-up, unless the process is over. */
	if (!__atomic_load_n(&c->finishing, __ATOMIC_ACQUIRE)) {
		log_debug("console: the relay is gone; hanging up");
		tty_master_close(c->tty);
	}
	console_put(c);
	return NULL;
}

static int console_stop(void *arg)
{
	struct console *c = arg;

	return __atomic_load_n(&c->finishing, __ATOMIC_ACQUIRE);
}

static void *console_output(void *arg)
{
	struct console *c = arg;

	for (;;) {
		size_t n =
		    tty_output(c->tty, c->out, sizeof(c->out), console_stop, c);
		ssize_t w;

		if (!n)
			break;
		do
			w = write(c->sock, c->out, n);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			break; /* the relay is gone: its input side hangs up */
	}
	return NULL;
}

struct console *tty_console_open(struct kernel *k, int sock)
{
	struct console *c = calloc(1, sizeof(*c));
	struct tty *tty;

	if (!c)
		return ERR_PTR(-ENOMEM);
	tty = tty_create(k, false);
	if (IS_ERR(tty)) {
		free(c);
		return ERR_PTR(PTR_ERR(tty));
	}
	tty_get(tty); /* the input thread's master, and this one */
	c->tty = tty;
	c->sock = sock;
	c->refs = 2;
	if (pthread_create(&c->out_thread, NULL, console_output, c)) {
		tty_put(tty);
		tty_put(tty);
		free(c);
		return ERR_PTR(-EAGAIN);
	}
	if (pthread_create(&c->in_thread, NULL, console_input, c)) {
		c->refs = 1;
		tty_console_close(c);
		return ERR_PTR(-EAGAIN);
	}
	pthread_detach(c->in_thread);
	return c;
}

int tty_console_attach_task(struct console *c, struct task *t)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	struct file *f;
	char path[32];
	int err = 0;

	f = tty_open_slave(c->tty, ABI_O_RDWR);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	/* Its node, so that ttyname finds /dev/pts/N. */
	snprintf(path, sizeof(path), "/dev/pts/%u", tty_index(c->tty));
	if (!task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx, &start)) {
		if (!vfs_lookup(&ctx, &start, path, LOOKUP_FOLLOW, &p)) {
			f->path = p;
			f->inode = vfs_inode_get(p.dentry->inode);
		}
		task_path_end(&ctx, &start);
	}
	for (int fd = 0; fd < 3 && !err; fd++)
		if (fd_install_at(t->files, f, fd, false, 3) < 0)
			err = -ENOMEM;
	file_put(f);
	return err;
}

void tty_console_set_ctty(struct console *c, struct task *t)
{
	tty_set_ctty(t, c->tty);
}

void tty_console_close(struct console *c)
{
	/* What the process wrote last reaches the terminal, then EOF. */
	__atomic_store_n(&c->finishing, true, __ATOMIC_RELEASE);
	tty_kick(c->tty);
	pthread_join(c->out_thread, NULL);
	/* The relay sees the end; the input thread lets go. */
	shutdown(c->sock, SHUT_RDWR);
	tty_master_close(c->tty);
	console_put(c);
}

int tty_console_start(struct kernel *k, int sock)
{
	struct console *c = tty_console_open(k, sock);

	if (IS_ERR(c))
		return (int)PTR_ERR(c);
	con = c;
	return 0;
}

int tty_console_attach(struct task *init)
{
	int err = tty_console_attach_task(con, init);

	if (!err)
		tty_console_set_ctty(con, init);
	return err;
}

void tty_console_finish(void)
{
	if (!con)
		return;
	/* What the sandbox wrote last reaches the terminal, then EOF. */
	__atomic_store_n(&con->finishing, true, __ATOMIC_RELEASE);
	tty_kick(con->tty);
	pthread_join(con->out_thread, NULL);
	con = NULL;
}
