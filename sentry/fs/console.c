// SPDX-License-Identifier: Apache-2.0
/*
 * The console of `moat run -t`: a pseudo-terminal pair whose slave is
 * init's stdio and controlling terminal, and whose master the sentry pumps
 * to and from moat's relay process, which holds the host's terminal in raw
 * mode (tools/console.c). Two sentry threads do the pumping with plain
 * read and write on a SOCK_SEQPACKET socket: no host syscall beyond those.
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
#include <unistd.h>

#define CONSOLE_MSG_MAX 4096

static struct {
	struct tty *tty;
	int sock;
	pthread_t in_thread, out_thread;
	bool running;
	bool finishing; /* atomic: the sandbox is over */
} con;

static void *console_input(void *arg)
{
	static uint8_t buf[1 + CONSOLE_MSG_MAX];

	(void)arg;
	for (;;) {
		ssize_t n = read(con.sock, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf[0] == 'd')
			tty_input(con.tty, buf + 1, (size_t)n - 1);
		else if (buf[0] == 'w' &&
			 (size_t)n == 1 + sizeof(struct abi_winsize))
			tty_set_winsize(con.tty, buf + 1);
	}
	/* The terminal went away: a hang-up, unless the sandbox is over. */
	if (!__atomic_load_n(&con.finishing, __ATOMIC_ACQUIRE)) {
		log_debug("console: the relay is gone; hanging up");
		tty_master_close(con.tty);
	}
	return NULL;
}

static int console_stop(struct tty *tty)
{
	(void)tty;
	return __atomic_load_n(&con.finishing, __ATOMIC_ACQUIRE);
}

static void *console_output(void *arg)
{
	static uint8_t buf[CONSOLE_MSG_MAX];

	(void)arg;
	for (;;) {
		size_t n = tty_output(con.tty, buf, sizeof(buf), console_stop);
		ssize_t w;

		if (!n)
			break;
		do
			w = write(con.sock, buf, n);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			break; /* the relay is gone: its input side hangs up */
	}
	return NULL;
}

int tty_console_start(struct kernel *k, int sock)
{
	struct tty *tty = tty_create(k, false);

	if (IS_ERR(tty))
		return (int)PTR_ERR(tty);
	tty_get(tty); /* the input thread's master, and this one */
	con.tty = tty;
	con.sock = sock;
	if (pthread_create(&con.out_thread, NULL, console_output, NULL))
		return -EAGAIN;
	if (pthread_create(&con.in_thread, NULL, console_input, NULL))
		return -EAGAIN;
	pthread_detach(con.in_thread);
	con.running = true;
	return 0;
}

int tty_console_attach(struct task *init)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start, p;
	struct file *f;
	char path[32];
	int err = 0;

	f = tty_open_slave(con.tty, ABI_O_RDWR);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	/* Its node, so that ttyname finds /dev/pts/N. */
	snprintf(path, sizeof(path), "/dev/pts/%u", tty_index(con.tty));
	if (!task_path_begin(init, ABI_AT_FDCWD, path, false, &ctx, &start)) {
		if (!vfs_lookup(&ctx, &start, path, LOOKUP_FOLLOW, &p)) {
			f->path = p;
			f->inode = vfs_inode_get(p.dentry->inode);
		}
		task_path_end(&ctx, &start);
	}
	for (int fd = 0; fd < 3 && !err; fd++)
		if (fd_install_at(init->files, f, fd, false, 3) < 0)
			err = -ENOMEM;
	file_put(f);
	if (!err)
		tty_set_ctty(init, con.tty);
	return err;
}

void tty_console_finish(void)
{
	if (!con.running)
		return;
	/* What the sandbox wrote last reaches the terminal, then EOF. */
	__atomic_store_n(&con.finishing, true, __ATOMIC_RELEASE);
	tty_kick(con.tty);
	pthread_join(con.out_thread, NULL);
	con.running = false;
}
