// SPDX-License-Identifier: Apache-2.0
/*
 * Pseudo-terminals (drivers/tty/pty.c, n_tty.c, tty_io.c, tty_jobctrl.c).
 *
 * A pair is one struct tty: what the master writes goes through the line
 * discipline into the slave's read buffer (canonical line editing, echo,
 * the signal characters), and what the slave writes goes through output
 * processing (OPOST) into a queue the master reads. Both sides' termios
 * is the slave's, as Linux's ioctls on a master reach its slave.
 *
 * Sessions: a session leader without a controlling terminal that opens a
 * slave without O_NOCTTY (or asks with TIOCSCTTY) makes it its session's;
 * the terminal's session and foreground group are under the task list
 * lock, as are the groups' tty pointers. A background group's read gets
 * SIGTTIN, its writes (TOSTOP) and settings SIGTTOU, or EIO when its group
 * is orphaned (or, for reads, SIGTTIN is ignored or blocked).
 *
 * The master's last close hangs the slave up: its reads return 0, writes
 * and most ioctls EIO; its session loses the terminal and the session
 * leader gets SIGHUP and SIGCONT. The slave's last close makes the
 * master's reads EIO once drained, and its poll POLLHUP.
 *
 * Locking: tty->lock guards the pair's data and termios; the task list
 * lock is never taken under it, and signals are sent after it is
 * dropped (a task woken may be waiting on it).
 *
 * Deviations: no packet mode (TIOCPKT), no TIOCVHANGUP, TIOCSETD or
 * modem ioctls; a NUL character never matches a disabled (0) c_cc entry;
 * ECHOPRT is not drawn; only bytes below 0x20 and 0x7f are echoed as ^X.
 */
#include "sentry/fs/tty.h"

#include "sentry/fs/devices.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TTY_BUF	 4096  /* N_TTY_BUF_SIZE: the slave's read buffer */
#define RAW_MAX	 65536 /* typed ahead of the line discipline */
#define OUT_MAX	 65536 /* written by the slave, unread by the master */
#define READ_MAX 8192  /* bytes one slave read returns at most */
#define MARK_EOL 1     /* the byte ends a line */
#define MARK_EOF 2     /* an EOF: ends a line, and is not read */

#define POLLIN_	   0x001
#define POLLOUT_   0x004
#define POLLERR_   0x008
#define POLLHUP_   0x010
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

struct ring {
	uint8_t *buf;
	size_t cap, head, len;
};

struct tty {
	int refs; /* atomic: files, controlling groups, the registry */
	struct kernel *k;
	unsigned index;
	uint64_t serial; /* tells apart pairs that had the same number */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: any change at all */
	/* Under lock. */
	uint32_t uid, gid, mode; /* of /dev/pts/N */
	struct abi_termios tio;
	uint32_t ispeed, ospeed;
	struct abi_winsize ws;
	bool locked;	     /* TIOCSPTLCK: the slave cannot be opened */
	bool excl;	     /* TIOCEXCL */
	bool stopped;	     /* output stopped (^S, TCOOFF) */
	bool lnext;	     /* the next character is taken literally */
	bool hung_up;	     /* the master is gone */
	bool slave_gone;     /* the slave was open and is closed again */
	int masters, slaves; /* open files of each side */
	unsigned column, canon_column;
	struct ring raw, out, rd;
	uint8_t *mark;	   /* per byte of rd: MARK_* */
	size_t canon_len;  /* rd's bytes in complete lines (ICANON) */
	size_t echo_start; /* out's length before this input's echoes */
	/* Under the task list lock; read without it where a snapshot does. */
	int sid, pgrp;
};

struct tty_file {
	struct file f;
	struct tty *tty;
	bool master;
};

static const struct file_ops tty_master_ops, tty_slave_ops;

/* ---- the registry of pairs by number ------------------------------------ */

static pthread_mutex_t ptys_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tty *ptys[TTY_PTY_MAX];
static uint64_t pty_serial;

void tty_get(struct tty *tty)
{
	__atomic_add_fetch(&tty->refs, 1, __ATOMIC_RELAXED);
}

void tty_put(struct tty *tty)
{
	if (!tty || __atomic_sub_fetch(&tty->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_destroy(&tty->lock);
	pthread_cond_destroy(&tty->cond);
	free(tty->raw.buf);
	free(tty->out.buf);
	free(tty->rd.buf);
	free(tty->mark);
	free(tty);
}

unsigned tty_index(struct tty *tty)
{
	return tty->index;
}

/* The live pair numbered index, with a reference; NULL: none. */
static struct tty *pty_lookup(unsigned index)
{
	struct tty *tty = NULL;

	if (index >= TTY_PTY_MAX)
		return NULL;
	pthread_mutex_lock(&ptys_lock);
	tty = ptys[index];
	if (tty)
		tty_get(tty);
	pthread_mutex_unlock(&ptys_lock);
	return tty;
}

bool tty_pts_info(unsigned index, uint64_t *serial, uint32_t *uid,
		  uint32_t *gid, uint32_t *mode)
{
	struct tty *tty = pty_lookup(index);

	if (!tty)
		return false;
	pthread_mutex_lock(&tty->lock);
	*serial = tty->serial;
	*uid = tty->uid;
	*gid = tty->gid;
	*mode = tty->mode;
	pthread_mutex_unlock(&tty->lock);
	tty_put(tty);
	return true;
}

bool tty_pts_next(unsigned *index)
{
	bool found = false;

	pthread_mutex_lock(&ptys_lock);
	for (unsigned i = *index; i < TTY_PTY_MAX && !found; i++)
		if (ptys[i]) {
			*index = i;
			found = true;
		}
	pthread_mutex_unlock(&ptys_lock);
	return found;
}

/* Linux's tty_std_termios, as a pty slave starts. */
static void termios_init(struct abi_termios *tio)
{
	static const uint8_t cc[] = {
	    [ABI_VINTR] = 3,	      [ABI_VQUIT] = 28,	  [ABI_VERASE] = 127,
	    [ABI_VKILL] = 21,	      [ABI_VEOF] = 4,	  [ABI_VTIME] = 0,
	    [ABI_VMIN] = 1,	      [ABI_VSTART] = 17,  [ABI_VSTOP] = 19,
	    [ABI_VSUSP] = 26,	      [ABI_VEOL] = 0,	  [ABI_VREPRINT] = 18,
	    [13 /* VDISCARD */] = 15, [ABI_VWERASE] = 23, [ABI_VLNEXT] = 22,
	    [ABI_VEOL2] = 0,
	};

	memset(tio, 0, sizeof(*tio));
	tio->c_iflag = ABI_ICRNL | ABI_IXON;
	tio->c_oflag = ABI_OPOST | ABI_ONLCR;
	tio->c_cflag = ABI_B38400 | ABI_CS8 | ABI_CREAD;
	tio->c_lflag = ABI_ISIG | ABI_ICANON | ABI_ECHO | ABI_ECHOE |
		       ABI_ECHOK | ABI_ECHOCTL | ABI_ECHOKE | ABI_IEXTEN;
	memcpy(tio->c_cc, cc, sizeof(cc));
}

static bool ring_alloc(struct ring *r, size_t cap)
{
	r->buf = malloc(cap);
	r->cap = cap;
	return r->buf != NULL;
}

struct tty *tty_create(struct kernel *k, bool locked)
{
	struct tty *tty = calloc(1, sizeof(*tty));
	pthread_condattr_t ca;
	int index = -1;

	if (!tty)
		return ERR_PTR(-ENOMEM);
	if (!ring_alloc(&tty->raw, RAW_MAX) ||
	    !ring_alloc(&tty->out, OUT_MAX) || !ring_alloc(&tty->rd, TTY_BUF) ||
	    !(tty->mark = calloc(1, TTY_BUF))) {
		tty->refs = 1;
		tty_put(tty);
		return ERR_PTR(-ENOMEM);
	}
	tty->refs = 1;
	tty->k = k;
	pthread_mutex_init(&tty->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tty->cond, &ca);
	pthread_condattr_destroy(&ca);
	termios_init(&tty->tio);
	tty->ispeed = tty->ospeed = 38400;
	tty->locked = locked;
	tty->masters = 1; /* the caller's */
	tty->mode = 0620;
	tty->gid = 5; /* devpts's gid=5, as containers mount it */
	if (current_task)
		tty->uid = current_task->creds.fsuid;
	pthread_mutex_lock(&ptys_lock);
	for (int i = 0; i < TTY_PTY_MAX; i++)
		if (!ptys[i]) {
			index = i;
			break;
		}
	if (index >= 0) {
		ptys[index] = tty;
		tty_get(tty); /* the registry's */
		tty->index = (unsigned)index;
		tty->serial = ++pty_serial;
	}
	pthread_mutex_unlock(&ptys_lock);
	if (index < 0) {
		tty_put(tty);
		return ERR_PTR(-ENOSPC);
	}
	return tty;
}

/* ---- helpers ------------------------------------------------------------- */

static inline size_t ring_room(const struct ring *r)
{
	return r->cap - r->len;
}

static inline void ring_put(struct ring *r, uint8_t c)
{
	r->buf[(r->head + r->len++) % r->cap] = c;
}

static void ring_write(struct ring *r, const uint8_t *p, size_t n)
{
	while (n) {
		size_t tail = (r->head + r->len) % r->cap;
		size_t chunk = min_t(size_t, n, r->cap - tail);

		memcpy(r->buf + tail, p, chunk);
		r->len += chunk;
		p += chunk;
		n -= chunk;
	}
}

static inline uint8_t ring_get(struct ring *r)
{
	uint8_t c = r->buf[r->head];

	r->head = (r->head + 1) % r->cap;
	r->len--;
	return c;
}

static inline size_t ring_idx(const struct ring *r, size_t i)
{
	return (r->head + i) % r->cap;
}

#define L_(f) (tty->tio.c_lflag & ABI_##f)
#define I_(f) (tty->tio.c_iflag & ABI_##f)
#define O_(f) (tty->tio.c_oflag & ABI_##f)

/* c is the (enabled) control character idx. */
static inline bool is_cc(const struct tty *tty, int idx, uint8_t c)
{
	return tty->tio.c_cc[idx] && tty->tio.c_cc[idx] == c;
}

static inline bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static inline bool canon(const struct tty *tty)
{
	return L_(ICANON);
}

/* Bytes a slave read may take now. */
static size_t read_avail(const struct tty *tty)
{
	return canon(tty) ? tty->canon_len : tty->rd.len;
}

static void tty_changed(struct tty *tty)
{
	pthread_cond_broadcast(&tty->cond);
	poll_notify();
}

static void send_sigs(struct tty *tty, uint32_t sigs)
{
	int pgrp = __atomic_load_n(&tty->pgrp, __ATOMIC_ACQUIRE);

	for (int sig = 1; sigs && sig < 32; sig++)
		if (sigs & (1U << sig)) {
			sigs &= ~(1U << sig);
			signal_pgrp(tty->k, pgrp, sig);
		}
}

/*
 * Wait on the pair's condition (lock held): 0 after a wake-up,
 * -ERESTARTSYS for a signal, -ETIMEDOUT at deadline.
 */
static int tty_wait(struct task *t, struct tty *tty,
		    const struct timespec *deadline)
{
	int err = 0;

	if (t) {
		task_block_begin(t, &tty->lock, &tty->cond);
		if (task_interrupted(t)) {
			task_block_end(t);
			return -ERESTARTSYS;
		}
	}
	if (deadline) {
		if (pthread_cond_timedwait(&tty->cond, &tty->lock, deadline) ==
		    ETIMEDOUT)
			err = -ETIMEDOUT;
	} else {
		pthread_cond_wait(&tty->cond, &tty->lock);
	}
	if (t)
		task_block_end(t);
	return err;
}

static void deadline_in(struct timespec *ts, unsigned deciseconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += deciseconds / 10;
	ts->tv_nsec += (long)(deciseconds % 10) * 100000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- output processing and echo ------------------------------------------ */

/* One byte out through OPOST (do_output_char): false if no room. */
static bool output_char(struct tty *tty, uint8_t c)
{
	struct ring *o = &tty->out;

	if (!O_(OPOST)) {
		if (!ring_room(o))
			return false;
		ring_put(o, c);
		return true;
	}
	switch (c) {
	case '\n':
		if (O_(ONLRET))
			tty->column = 0;
		if (O_(ONLCR)) {
			if (ring_room(o) < 2)
				return false;
			tty->canon_column = tty->column = 0;
			ring_put(o, '\r');
			ring_put(o, '\n');
			return true;
		}
		tty->canon_column = tty->column;
		break;
	case '\r':
		if (O_(ONOCR) && tty->column == 0)
			return true;
		if (O_(OCRNL)) {
			c = '\n';
			if (O_(ONLRET))
				tty->canon_column = tty->column = 0;
			break;
		}
		tty->canon_column = tty->column = 0;
		break;
	case '\t': {
		unsigned spaces = 8 - (tty->column & 7);

		if ((tty->tio.c_oflag & ABI_TABDLY) == ABI_XTABS) {
			if (ring_room(o) < spaces)
				return false;
			tty->column += spaces;
			while (spaces--)
				ring_put(o, ' ');
			return true;
		}
		tty->column += spaces;
		break;
	}
	case '\b':
		if (tty->column > 0)
			tty->column--;
		break;
	default:
		if (!is_ctl(c) && c < 0x80) {
			if (O_(OLCUC))
				c = (uint8_t)toupper(c);
			tty->column++;
		} else if (c >= 0x80 && !(I_(IUTF8) && (c & 0xc0) == 0x80)) {
			tty->column++;
		}
		break;
	}
	if (!ring_room(o))
		return false;
	ring_put(o, c);
	return true;
}

/* Echo c as typed: a control character as ^X with ECHOCTL. */
static void echo_char(struct tty *tty, uint8_t c)
{
	if (L_(ECHOCTL) && is_ctl(c) && c != '\t') {
		if (ring_room(&tty->out) >= 2) {
			ring_put(&tty->out, '^');
			ring_put(&tty->out, c ^ 0100);
			tty->column += 2;
		}
		return;
	}
	output_char(tty, c);
}

static void echo_str(struct tty *tty, const char *s)
{
	while (*s)
		output_char(tty, (uint8_t)*s++);
}

/* ---- the line discipline (n_tty) ------------------------------------------
 */

static void store(struct tty *tty, uint8_t c, uint8_t mark)
{
	struct ring *r = &tty->rd;

	if (r->len >= r->cap || (!mark && r->len >= r->cap - 1))
		return; /* full: dropped, as Linux drops what overflows */
	tty->mark[ring_idx(r, r->len)] = mark;
	ring_put(r, c);
	if (mark)
		tty->canon_len = r->len;
}

static void flush_input(struct tty *tty)
{
	tty->rd.head = tty->rd.len = 0;
	tty->canon_len = 0;
	tty->lnext = false;
}

enum erase_kind {
	ERASE,
	WERASE,
	KILL
};

/* The column where the tab at line offset n of the edited line began. */
static unsigned tab_start(struct tty *tty, size_t n)
{
	unsigned col = tty->canon_column;

	for (size_t i = tty->canon_len; i < n; i++) {
		uint8_t c = tty->rd.buf[ring_idx(&tty->rd, i)];

		if (c == '\t')
			col = (col | 7) + 1;
		else if (is_ctl(c))
			col += L_(ECHOCTL) ? 2 : 0;
		else if (!(I_(IUTF8) && (c & 0xc0) == 0x80))
			col++;
	}
	return col;
}

/* VERASE, VWERASE, VKILL on the line being edited (eraser). */
static void erase(struct tty *tty, uint8_t kc, enum erase_kind kind)
{
	struct ring *r = &tty->rd;
	bool seen_alnum = false;

	if (r->len == tty->canon_len)
		return;
	if (kind == KILL) {
		if (!L_(ECHO)) {
			r->len = tty->canon_len;
			return;
		}
		if (!L_(ECHOK) || !L_(ECHOKE) || !L_(ECHOE)) {
			r->len = tty->canon_len;
			echo_char(tty, kc);
			if (L_(ECHOK))
				output_char(tty, '\n');
			return;
		}
	}
	while (r->len > tty->canon_len) {
		size_t last = r->len - 1;
		uint8_t c = r->buf[ring_idx(r, last)];

		if (kind == WERASE) {
			if (isalnum(c) || c == '_')
				seen_alnum = true;
			else if (seen_alnum)
				break;
		}
		/* A UTF-8 character goes whole. */
		if (I_(IUTF8))
			while ((c & 0xc0) == 0x80 && last > tty->canon_len &&
			       (r->buf[ring_idx(r, last - 1)] & 0xc0) != 0)
				c = r->buf[ring_idx(r, --last)];
		r->len = last;
		if (L_(ECHO)) {
			if (kind == ERASE && !L_(ECHOE)) {
				echo_char(tty, kc);
			} else if (c == '\t') {
				unsigned from = tab_start(tty, last);
				unsigned n = ((from | 7) + 1) - from;

				while (n--)
					output_char(tty, '\b');
			} else {
				if (is_ctl(c) && L_(ECHOCTL))
					echo_str(tty, "\b \b");
				if (!is_ctl(c) || L_(ECHOCTL))
					echo_str(tty, "\b \b");
			}
		}
		if (kind == ERASE)
			break;
	}
}

/* One character from the master (n_tty_receive_char_special and co). */
static void receive_char(struct tty *tty, uint8_t c, uint32_t *sigs)
{
	bool from_cr = false;

	if (tty->lnext) {
		tty->lnext = false;
		if (I_(ISTRIP))
			c &= 0x7f;
		goto ordinary;
	}
	if (I_(ISTRIP))
		c &= 0x7f;
	if (I_(IUCLC) && L_(IEXTEN))
		c = (uint8_t)tolower(c);
	if (I_(IXON)) {
		if (is_cc(tty, ABI_VSTOP, c)) {
			tty->stopped = true;
			return;
		}
		if (is_cc(tty, ABI_VSTART, c)) {
			tty->stopped = false;
			return;
		}
	}
	if (L_(ISIG)) {
		int sig = is_cc(tty, ABI_VINTR, c)   ? ABI_SIGINT
			  : is_cc(tty, ABI_VQUIT, c) ? ABI_SIGQUIT
			  : is_cc(tty, ABI_VSUSP, c) ? ABI_SIGTSTP
						     : 0;

		if (sig) {
			*sigs |= 1U << sig;
			if (!L_(NOFLSH)) {
				/* The input, and echoes not yet out. */
				flush_input(tty);
				if (tty->out.len > tty->echo_start)
					tty->out.len = tty->echo_start;
			}
			if (I_(IXON))
				tty->stopped = false;
			if (L_(ECHO))
				echo_char(tty, c);
			return;
		}
	}
	if (tty->stopped && I_(IXON) && I_(IXANY))
		tty->stopped = false;
	if (c == '\r') {
		if (I_(IGNCR))
			return;
		if (I_(ICRNL)) {
			c = '\n';
			from_cr = true;
		}
	} else if (c == '\n' && I_(INLCR)) {
		c = '\r';
	}
	if (canon(tty)) {
		if (is_cc(tty, ABI_VERASE, c)) {
			erase(tty, c, ERASE);
			return;
		}
		if (is_cc(tty, ABI_VKILL, c)) {
			erase(tty, c, KILL);
			return;
		}
		if (L_(IEXTEN) && is_cc(tty, ABI_VWERASE, c)) {
			erase(tty, c, WERASE);
			return;
		}
		if (L_(IEXTEN) && is_cc(tty, ABI_VLNEXT, c)) {
			tty->lnext = true;
			if (L_(ECHO) && L_(ECHOCTL)) {
				output_char(tty, '^');
				output_char(tty, '\b');
			}
			return;
		}
		if (L_(IEXTEN) && L_(ECHO) && is_cc(tty, ABI_VREPRINT, c)) {
			echo_char(tty, c);
			output_char(tty, '\n');
			for (size_t i = tty->canon_len; i < tty->rd.len; i++)
				echo_char(tty,
					  tty->rd.buf[ring_idx(&tty->rd, i)]);
			return;
		}
		if (c == '\n') {
			if (L_(ECHO) || L_(ECHONL))
				output_char(tty, '\n');
			store(tty, c, MARK_EOL);
			return;
		}
		if (is_cc(tty, ABI_VEOF, c)) {
			store(tty, 0, MARK_EOF);
			return;
		}
		if (is_cc(tty, ABI_VEOL, c) ||
		    (L_(IEXTEN) && is_cc(tty, ABI_VEOL2, c))) {
			if (L_(ECHO)) {
				if (tty->rd.len == tty->canon_len)
					tty->canon_column = tty->column;
				echo_char(tty, c);
			}
			store(tty, c, MARK_EOL);
			return;
		}
	}
	if (L_(ECHO)) {
		if (c == '\n' && from_cr) {
			output_char(tty, '\n');
		} else {
			if (tty->rd.len == tty->canon_len)
				tty->canon_column = tty->column;
			echo_char(tty, c);
		}
	}
ordinary_store:
	store(tty, c, 0);
	return;
ordinary:
	if (L_(ECHO)) {
		if (tty->rd.len == tty->canon_len)
			tty->canon_column = tty->column;
		echo_char(tty, c);
	}
	goto ordinary_store;
}

/*
 * Feed what the master wrote through the line discipline while the read
 * buffer has room: the signals to send (a mask) once the lock is dropped.
 * A canonical line that fills the buffer still takes its end.
 */
static uint32_t ldisc_receive(struct tty *tty)
{
	uint32_t sigs = 0;

	tty->echo_start = tty->out.len;
	while (tty->raw.len) {
		if (tty->rd.len >= TTY_BUF - 1 &&
		    !(canon(tty) && tty->canon_len == 0))
			break;
		receive_char(tty, ring_get(&tty->raw), &sigs);
	}
	return sigs;
}

/* New settings (n_tty_set_termios): a mode switch moves the line edge. */
static void set_termios(struct tty *tty, const struct abi_termios *tio)
{
	bool was_canon = canon(tty);

	tty->tio = *tio;
	if (was_canon != !!canon(tty)) {
		if (canon(tty) && tty->rd.len) {
			/* What is there becomes one line. */
			size_t last = ring_idx(&tty->rd, tty->rd.len - 1);

			tty->mark[last] =
			    tty->mark[last] ? tty->mark[last] : MARK_EOL;
			tty->canon_len = tty->rd.len;
		} else {
			tty->canon_len = canon(tty) ? 0 : tty->rd.len;
		}
		tty->lnext = false;
	}
	if (!I_(IXON))
		tty->stopped = false;
}

/* ---- job control (tty_jobctrl.c) ------------------------------------------
 */

static bool sig_ignored(struct task *t, int sig)
{
	struct thread_group *tg = t->tg;
	bool ign;

	pthread_mutex_lock(&tg->lock);
	ign = tg->sigactions[sig - 1].handler == ABI_SIG_IGN ||
	      (t->sigmask & ABI_SIG_BIT(sig));
	pthread_mutex_unlock(&tg->lock);
	return ign;
}

/*
 * __tty_check_change: may t, whose terminal tty may be, read (SIGTTIN) or
 * change or write (SIGTTOU) it? 0; -EIO; -ERESTARTSYS with sig sent to
 * t's group (a background group stops until it is foreground again).
 */
static int tty_check_change(struct task *t, struct tty *tty, int sig)
{
	struct kernel *k = tty->k;
	int pgid, ret = 0;
	bool send = false;

	if (!t)
		return 0;
	pthread_mutex_lock(&k->lock);
	pgid = t->tg->pgid;
	if (t->tg->tty == tty && tty->pgrp && pgid != tty->pgrp) {
		if (sig_ignored(t, sig))
			ret = sig == ABI_SIGTTIN ? -EIO : 0;
		else if (pgrp_orphaned_locked(k, pgid, NULL))
			ret = -EIO;
		else {
			ret = -ERESTARTSYS;
			send = true;
		}
	}
	pthread_mutex_unlock(&k->lock);
	if (send)
		signal_pgrp(k, pgid, sig);
	return ret;
}

/* __proc_set_tty: tg's controlling terminal is tty. k->lock held. */
static void set_ctty_locked(struct thread_group *tg, struct tty *tty)
{
	tty_get(tty);
	tty_put(tg->tty);
	tg->tty = tty;
	__atomic_store_n(&tty->sid, tg->sid, __ATOMIC_RELEASE);
	__atomic_store_n(&tty->pgrp, tg->pgid, __ATOMIC_RELEASE);
}

void tty_stat_locked(const struct thread_group *tg, int *tty_nr, int *tpgid)
{
	const struct tty *tty = tg->tty;
	unsigned major, minor;

	*tty_nr = 0;
	*tpgid = -1;
	if (!tty)
		return;
	major = TTY_MAJOR_PTS + tty->index / 256;
	minor = tty->index % 256;
	/* new_encode_dev */
	*tty_nr =
	    (int)((minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12));
	*tpgid = tty->pgrp;
}

void tty_clear_ctty_locked(struct thread_group *tg)
{
	tty_put(tg->tty);
	tg->tty = NULL;
}

void tty_set_ctty(struct task *t, struct tty *tty)
{
	pthread_mutex_lock(&t->k->lock);
	set_ctty_locked(t->tg, tty);
	pthread_mutex_unlock(&t->k->lock);
}

/* Every process of sid loses tty (session_clear_tty). k->lock held. */
static void session_clear_tty_locked(struct kernel *k, int sid, struct tty *tty)
{
	for (struct thread_group *tg = k->tgs; tg; tg = tg->next)
		if (tg->sid == sid && tg->tty == tty)
			tty_clear_ctty_locked(tg);
}

/*
 * The session leader lets go of its terminal (disassociate_ctty): its
 * foreground group gets SIGHUP (and SIGCONT unless on_exit), and the
 * terminal belongs to no session any more.
 */
static void disassociate_ctty(struct task *t, bool on_exit)
{
	struct kernel *k = t->k;
	struct tty *tty;
	int pgrp = 0;

	pthread_mutex_lock(&k->lock);
	tty = t->tg->tty;
	if (tty) {
		tty_get(tty);
		pgrp = tty->pgrp;
		__atomic_store_n(&tty->sid, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&tty->pgrp, 0, __ATOMIC_RELEASE);
		session_clear_tty_locked(k, t->tg->sid, tty);
	}
	pthread_mutex_unlock(&k->lock);
	if (!tty)
		return;
	signal_pgrp(k, pgrp, ABI_SIGHUP);
	if (!on_exit)
		signal_pgrp(k, pgrp, ABI_SIGCONT);
	tty_put(tty);
}

void tty_exit_group(struct task *t)
{
	struct thread_group *tg = t->tg;

	if (tg->sid == tg->tgid)
		disassociate_ctty(t, true);
	pthread_mutex_lock(&t->k->lock);
	tty_clear_ctty_locked(tg);
	pthread_mutex_unlock(&t->k->lock);
}

/* The master's last close (pty_close, tty_vhangup of the slave). */
static void hangup(struct tty *tty)
{
	struct kernel *k = tty->k;
	int sid;

	pthread_mutex_lock(&ptys_lock);
	if (ptys[tty->index] == tty) {
		ptys[tty->index] = NULL;
		tty_put(tty); /* the registry's; the caller holds one */
	}
	pthread_mutex_unlock(&ptys_lock);
	pthread_mutex_lock(&tty->lock);
	tty->hung_up = true;
	flush_input(tty);
	tty->raw.len = 0;
	tty_changed(tty);
	pthread_mutex_unlock(&tty->lock);
	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	sid = tty->sid;
	if (sid)
		session_clear_tty_locked(k, sid, tty);
	__atomic_store_n(&tty->sid, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&tty->pgrp, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&k->lock);
	/* The session leader hears of it (tty_signal_session_leader). */
	signal_pid(k, sid, ABI_SIGHUP);
	signal_pid(k, sid, ABI_SIGCONT);
}

/* ---- files -----------------------------------------------------------------
 */

static struct tty_file *tf_of(struct file *f)
{
	return container_of(f, struct tty_file, f);
}

static struct file *tty_file_new(struct tty *tty, bool master, uint32_t flags)
{
	struct tty_file *tf = calloc(1, sizeof(*tf));

	if (!tf)
		return ERR_PTR(-ENOMEM);
	file_init(&tf->f, master ? &tty_master_ops : &tty_slave_ops,
		  flags & ~(uint32_t)ABI_O_NOCTTY);
	tf->f.stream = true;
	/* Every change goes through tty_changed, which wakes pollers. */
	tf->f.poll_notifies = true;
	tf->tty = tty;
	tty_get(tty);
	tf->master = master;
	return &tf->f;
}

/*
 * Open tty's slave (pty_open, tty_open_proc_set_tty): EIO while locked or
 * without a master; a session leader without a terminal that opens it for
 * reading without O_NOCTTY takes it as its session's.
 */
static struct file *slave_open(struct task *t, struct tty *tty, uint32_t flags)
{
	struct file *f;
	int err = 0;

	pthread_mutex_lock(&tty->lock);
	if (tty->locked || tty->hung_up || !tty->masters)
		err = -EIO;
	else if (tty->excl &&
		 (!t || !creds_capable(&t->creds, ABI_CAP_SYS_ADMIN)))
		err = -EBUSY;
	if (!err) {
		tty->slaves++;
		tty->slave_gone = false;
	}
	pthread_mutex_unlock(&tty->lock);
	if (err)
		return ERR_PTR(err);
	f = tty_file_new(tty, false, flags);
	if (IS_ERR(f)) {
		pthread_mutex_lock(&tty->lock);
		if (!--tty->slaves)
			tty->slave_gone = true;
		pthread_mutex_unlock(&tty->lock);
		return f;
	}
	if (t && !(flags & ABI_O_NOCTTY) && file_readable(f)) {
		struct kernel *k = t->k;
		struct thread_group *tg = t->tg;

		pthread_mutex_lock(&k->lock);
		if (tg->sid == tg->tgid && !tg->tty && !tty->sid)
			set_ctty_locked(tg, tty);
		pthread_mutex_unlock(&k->lock);
	}
	return f;
}

struct file *tty_open_slave(struct tty *tty, uint32_t flags)
{
	return slave_open(NULL, tty, flags | ABI_O_NOCTTY);
}

static struct file *ptmx_open(uint32_t flags)
{
	struct task *t = current_task;
	struct tty *tty = tty_create(t ? t->k : NULL, true); /* unlockpt */
	struct file *f;

	if (IS_ERR(tty))
		return ERR_PTR(PTR_ERR(tty));
	f = tty_file_new(tty, true, flags);
	if (IS_ERR(f)) {
		tty->masters = 0;
		hangup(tty);
	}
	tty_put(tty);
	return f;
}

struct file *tty_device_open(unsigned major, unsigned minor, uint32_t flags)
{
	struct task *t = current_task;
	struct tty *tty;
	struct file *f;

	if (major == TTY_MAJOR_TTYAUX && minor == TTY_MINOR_PTMX)
		return ptmx_open(flags);
	if (major == TTY_MAJOR_TTYAUX && minor == TTY_MINOR_TTY) {
		/* /dev/tty: the controlling terminal, never taken anew. */
		if (!t)
			return ERR_PTR(-ENXIO);
		pthread_mutex_lock(&t->k->lock);
		tty = t->tg->tty;
		if (tty)
			tty_get(tty);
		pthread_mutex_unlock(&t->k->lock);
		if (!tty)
			return ERR_PTR(-ENXIO);
		flags |= ABI_O_NOCTTY;
	} else if (major >= TTY_MAJOR_PTS && major < TTY_MAJOR_PTS + 8) {
		tty = pty_lookup((major - TTY_MAJOR_PTS) * 256 + minor);
		if (!tty)
			return ERR_PTR(-ENXIO);
	} else {
		return ERR_PTR(-ENXIO);
	}
	f = slave_open(t, tty, flags);
	tty_put(tty);
	return f;
}

/* ---- reading and writing
 * ----------------------------------------------------- */

/* Copy n bytes of buf to the iovecs from byte off on: 0 or -EFAULT. */
static int iov_out(struct task *t, const struct abi_iovec *iov, int iovcnt,
		   uint64_t off, const uint8_t *buf, size_t n)
{
	for (int i = 0; i < iovcnt && n; i++) {
		uint64_t len = iov[i].iov_len, chunk;

		if (off >= len) {
			off -= len;
			continue;
		}
		chunk = min_t(uint64_t, len - off, n);
		if (mm_copy_out(t->mm, iov[i].iov_base + off, buf, chunk))
			return -EFAULT;
		buf += chunk;
		n -= chunk;
		off = 0;
	}
	return 0;
}

/* Copy up to n bytes from the iovecs at byte off into buf: bytes or -EFAULT. */
static ssize_t iov_in(struct task *t, const struct abi_iovec *iov, int iovcnt,
		      uint64_t off, uint8_t *buf, size_t n)
{
	size_t done = 0;

	for (int i = 0; i < iovcnt && done < n; i++) {
		uint64_t len = iov[i].iov_len, chunk;

		if (off >= len) {
			off -= len;
			continue;
		}
		chunk = min_t(uint64_t, len - off, n - done);
		if (mm_copy_in(t->mm, buf + done, iov[i].iov_base + off, chunk))
			return done ? (ssize_t)done : -EFAULT;
		done += chunk;
		off = 0;
	}
	return (ssize_t)done;
}

/* Take up to n bytes of one line (canonical) from rd into buf. */
static size_t take_line(struct tty *tty, uint8_t *buf, size_t n)
{
	struct ring *r = &tty->rd;
	size_t done = 0;

	while (tty->canon_len) {
		uint8_t mark = tty->mark[r->head];

		if (mark == MARK_EOF) {
			/* Taken with the line it ends, never read. */
			ring_get(r);
			tty->canon_len--;
			break;
		}
		if (done == n)
			break;
		buf[done++] = ring_get(r);
		tty->canon_len--;
		if (mark)
			break;
	}
	return done;
}

static size_t take_raw(struct tty *tty, uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n && tty->rd.len)
		buf[done++] = ring_get(&tty->rd);
	if (!canon(tty))
		tty->canon_len = 0;
	return done;
}

/* n_tty_read on the slave: canonical lines, or VMIN/VTIME's rules. */
static ssize_t slave_read(struct file *f, struct task *t,
			  const struct abi_iovec *iov, int iovcnt, int64_t *pos)
{
	struct tty *tty = tf_of(f)->tty;
	size_t total =
	    (size_t)min_t(uint64_t, iov_total(iov, iovcnt), READ_MAX);
	uint8_t buf[READ_MAX];
	struct timespec deadline;
	bool timed = false, no_wait = false;
	unsigned minimum = 0, inter = 0;
	size_t done = 0;
	uint32_t sigs;
	ssize_t ret = 0;

	(void)pos;
	if (!total)
		return 0;
	ret = tty_check_change(t, tty, ABI_SIGTTIN);
	if (ret)
		return ret;
	pthread_mutex_lock(&tty->lock);
	sigs = ldisc_receive(tty);
	if (!canon(tty)) {
		unsigned vmin = tty->tio.c_cc[ABI_VMIN];
		unsigned vtime = tty->tio.c_cc[ABI_VTIME];

		if (vmin) {
			minimum = vmin;
			inter = vtime;
		} else {
			minimum = 1;
			if (vtime) {
				deadline_in(&deadline, vtime);
				timed = true;
			} else {
				no_wait = true;
			}
		}
	}
	for (;;) {
		size_t n;

		if (tty->hung_up)
			break;
		if (!read_avail(tty)) {
			int w;

			if (no_wait)
				break;
			if (f->flags & ABI_O_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			w = tty_wait(t, tty, timed ? &deadline : NULL);
			if (w == -ETIMEDOUT)
				break;
			if (w) {
				ret = w;
				break;
			}
			sigs |= ldisc_receive(tty);
			continue;
		}
		if (canon(tty)) {
			done += take_line(tty, buf + done, total - done);
			sigs |= ldisc_receive(tty);
			break;
		}
		n = take_raw(tty, buf + done,
			     min_t(size_t, tty->rd.len, total - done));
		done += n;
		sigs |= ldisc_receive(tty);
		if (done >= minimum || done == total)
			break;
		if (inter) {
			deadline_in(&deadline, inter);
			timed = true;
		}
	}
	tty_changed(tty);
	pthread_mutex_unlock(&tty->lock);
	send_sigs(tty, sigs);
	if (done) {
		int err = iov_out(t, iov, iovcnt, 0, buf, done);

		return err ? err : (ssize_t)done;
	}
	return ret;
}

/* n_tty_write on the slave: through OPOST into the master's queue. */
static ssize_t slave_write(struct file *f, struct task *t,
			   const struct abi_iovec *iov, int iovcnt,
			   int64_t *pos)
{
	struct tty *tty = tf_of(f)->tty;
	uint64_t total = iov_total(iov, iovcnt), done = 0;
	ssize_t ret = 0;
	bool tostop;

	(void)pos;
	pthread_mutex_lock(&tty->lock);
	tostop = L_(TOSTOP) && !tty->hung_up;
	pthread_mutex_unlock(&tty->lock);
	if (tostop) {
		ret = tty_check_change(t, tty, ABI_SIGTTOU);
		if (ret)
			return ret;
	}
	while (done < total) {
		uint8_t buf[4096];
		ssize_t n =
		    iov_in(t, iov, iovcnt, done, buf,
			   (size_t)min_t(uint64_t, sizeof(buf), total - done));
		ssize_t i = 0;

		if (n < 0) {
			ret = n;
			break;
		}
		pthread_mutex_lock(&tty->lock);
		while (i < n) {
			size_t need = (tty->tio.c_oflag & ABI_OPOST) ? 8 : 1;

			if (tty->hung_up) {
				ret = -EIO;
				break;
			}
			if (tty->stopped || ring_room(&tty->out) < need) {
				if (f->flags & ABI_O_NONBLOCK) {
					ret = -EAGAIN;
					break;
				}
				ret = tty_wait(t, tty, NULL);
				if (ret)
					break;
				continue;
			}
			if (!(tty->tio.c_oflag & ABI_OPOST)) {
				/* Raw output: as much as fits, at once. */
				size_t m = min_t(size_t, (size_t)(n - i),
						 ring_room(&tty->out));

				ring_write(&tty->out, buf + i, m);
				i += (ssize_t)m;
				continue;
			}
			output_char(tty, buf[i++]);
		}
		if (i)
			tty_changed(tty);
		pthread_mutex_unlock(&tty->lock);
		done += (uint64_t)i;
		if (ret)
			break;
	}
	return done ? (ssize_t)done : ret;
}

static ssize_t master_read(struct file *f, struct task *t,
			   const struct abi_iovec *iov, int iovcnt,
			   int64_t *pos)
{
	struct tty *tty = tf_of(f)->tty;
	uint64_t total = iov_total(iov, iovcnt), done = 0;
	ssize_t ret = 0;

	(void)pos;
	if (!total)
		return 0;
	pthread_mutex_lock(&tty->lock);
	while (!tty->out.len) {
		if (tty->slave_gone) {
			ret = -EIO;
			goto out;
		}
		if (f->flags & ABI_O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		ret = tty_wait(t, tty, NULL);
		if (ret)
			goto out;
	}
	while (done < total && tty->out.len) {
		struct ring *o = &tty->out;
		size_t n = min_t(size_t, o->len, o->cap - o->head);

		n = (size_t)min_t(uint64_t, n, total - done);
		if (iov_out(t, iov, iovcnt, done, o->buf + o->head, n)) {
			if (!done)
				ret = -EFAULT;
			break;
		}
		o->head = (o->head + n) % o->cap;
		o->len -= n;
		done += n;
	}
	tty_changed(tty);
out:
	pthread_mutex_unlock(&tty->lock);
	return done ? (ssize_t)done : ret;
}

/* Put len bytes of input in (lock held); false when none fit. */
static size_t input_some(struct tty *tty, const uint8_t *buf, size_t len)
{
	size_t n = min_t(size_t, len, ring_room(&tty->raw));

	for (size_t i = 0; i < n; i++)
		ring_put(&tty->raw, buf[i]);
	return n;
}

static ssize_t master_write(struct file *f, struct task *t,
			    const struct abi_iovec *iov, int iovcnt,
			    int64_t *pos)
{
	struct tty *tty = tf_of(f)->tty;
	uint64_t total = iov_total(iov, iovcnt), done = 0;
	uint32_t sigs = 0;
	ssize_t ret = 0;

	(void)pos;
	while (done < total) {
		uint8_t buf[4096];
		ssize_t n =
		    iov_in(t, iov, iovcnt, done, buf,
			   (size_t)min_t(uint64_t, sizeof(buf), total - done));
		size_t put = 0;

		if (n < 0) {
			ret = n;
			break;
		}
		pthread_mutex_lock(&tty->lock);
		while (put < (size_t)n) {
			size_t m;

			if (!tty->slaves) {
				ret = -EIO;
				break;
			}
			m = input_some(tty, buf + put, (size_t)n - put);
			put += m;
			sigs |= ldisc_receive(tty);
			if (m) {
				tty_changed(tty);
				continue;
			}
			if (f->flags & ABI_O_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			ret = tty_wait(t, tty, NULL);
			if (ret)
				break;
		}
		pthread_mutex_unlock(&tty->lock);
		done += put;
		if (ret)
			break;
	}
	send_sigs(tty, sigs);
	return done ? (ssize_t)done : ret;
}

/* ---- the kernel's master (the console) ------------------------------------
 */

void tty_input(struct tty *tty, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sigs = 0;

	pthread_mutex_lock(&tty->lock);
	while (len && !tty->hung_up) {
		size_t m = input_some(tty, p, len);

		p += m;
		len -= m;
		sigs |= ldisc_receive(tty);
		if (m)
			tty_changed(tty);
		else
			tty_wait(NULL, tty, NULL);
	}
	pthread_mutex_unlock(&tty->lock);
	send_sigs(tty, sigs);
}

size_t tty_output(struct tty *tty, void *buf, size_t len,
		  int (*stop)(void *arg), void *arg)
{
	uint8_t *p = buf;
	size_t done = 0;

	pthread_mutex_lock(&tty->lock);
	while (!tty->out.len && !stop(arg))
		tty_wait(NULL, tty, NULL);
	while (done < len && tty->out.len)
		p[done++] = ring_get(&tty->out);
	if (done)
		tty_changed(tty);
	pthread_mutex_unlock(&tty->lock);
	return done;
}

size_t tty_output_pending(struct tty *tty)
{
	size_t n;

	pthread_mutex_lock(&tty->lock);
	n = tty->out.len;
	pthread_mutex_unlock(&tty->lock);
	return n;
}

void tty_kick(struct tty *tty)
{
	pthread_mutex_lock(&tty->lock);
	tty_changed(tty);
	pthread_mutex_unlock(&tty->lock);
}

/* tty_do_resize: a change of size tells the foreground group. */
static void resize(struct tty *tty, const struct abi_winsize *ws)
{
	bool changed;

	pthread_mutex_lock(&tty->lock);
	changed = memcmp(&tty->ws, ws, sizeof(*ws)) != 0;
	tty->ws = *ws;
	pthread_mutex_unlock(&tty->lock);
	if (changed && tty->k)
		signal_pgrp(tty->k,
			    __atomic_load_n(&tty->pgrp, __ATOMIC_ACQUIRE),
			    ABI_SIGWINCH);
}

void tty_set_winsize(struct tty *tty, const void *ws)
{
	struct abi_winsize w;

	memcpy(&w, ws, sizeof(w)); /* from a message: unaligned */
	resize(tty, &w);
}

void tty_master_close(struct tty *tty)
{
	bool last;

	pthread_mutex_lock(&tty->lock);
	last = --tty->masters == 0;
	pthread_mutex_unlock(&tty->lock);
	if (last)
		hangup(tty);
	tty_put(tty);
}

/* ---- ioctl ------------------------------------------------------------------
 */

/* TIOCSPGRP (tiocspgrp) on the caller's terminal. */
static long set_pgrp(struct task *t, struct tty *tty, uint64_t arg)
{
	struct kernel *k = t->k;
	long ret;
	int pgrp;

	ret = tty_check_change(t, tty, ABI_SIGTTOU);
	if (ret == -EIO)
		return -ENOTTY;
	if (ret)
		return ret;
	if (mm_copy_in(t->mm, &pgrp, arg, sizeof(pgrp)))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	pthread_mutex_lock(&k->lock);
	if (t->tg->tty != tty || tty->sid != t->tg->sid) {
		ret = -ENOTTY;
	} else {
		struct thread_group *g = NULL;

		ret = -ESRCH;
		for (struct thread_group *tg = k->tgs; tg; tg = tg->next) {
			if (tg->state != TG_ALIVE)
				continue;
			if (tg->pgid == pgrp) {
				g = tg;
				break;
			}
			if (tg->tgid == pgrp)
				g = tg;
		}
		if (g)
			ret = g->sid == t->tg->sid ? 0 : -EPERM;
		if (!ret)
			__atomic_store_n(&tty->pgrp, pgrp, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}

/* TIOCSCTTY (tiocsctty). */
static long set_ctty(struct task *t, struct tty_file *tf, uint64_t arg)
{
	struct kernel *k = t->k;
	struct thread_group *tg = t->tg;
	struct tty *tty = tf->tty;
	long ret = 0;

	pthread_mutex_lock(&k->lock);
	if (tg->sid == tg->tgid && tty->sid == tg->sid)
		goto out; /* already */
	if (tg->sid != tg->tgid || tg->tty) {
		ret = -EPERM;
		goto out;
	}
	if (tty->sid) {
		if (arg != 1 || !creds_capable(&t->creds, ABI_CAP_SYS_ADMIN)) {
			ret = -EPERM;
			goto out;
		}
		session_clear_tty_locked(k, tty->sid, tty);
	}
	if (!file_readable(&tf->f) &&
	    !creds_capable(&t->creds, ABI_CAP_SYS_ADMIN)) {
		ret = -EPERM;
		goto out;
	}
	set_ctty_locked(tg, tty);
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

static long get_termios(struct task *t, struct tty *tty, uint64_t arg, bool two)
{
	struct abi_termios2 t2;

	pthread_mutex_lock(&tty->lock);
	t2.t = tty->tio;
	t2.c_ispeed = tty->ispeed;
	t2.c_ospeed = tty->ospeed;
	pthread_mutex_unlock(&tty->lock);
	return mm_copy_out(t->mm, arg, &t2,
			   two ? sizeof(t2) : sizeof(struct abi_termios));
}

/* TCSETS(W|F)(2) (set_termios): background callers get SIGTTOU. */
static long put_termios(struct task *t, struct tty_file *tf, uint64_t arg,
			bool two, bool flush)
{
	struct tty *tty = tf->tty;
	struct abi_termios2 t2;
	uint32_t sigs;
	long ret;

	ret = tty_check_change(t, tty, ABI_SIGTTOU);
	if (ret)
		return ret;
	if (mm_copy_in(t->mm, &t2, arg,
		       two ? sizeof(t2) : sizeof(struct abi_termios)))
		return -EFAULT;
	pthread_mutex_lock(&tty->lock);
	if (flush) {
		flush_input(tty);
		tty->raw.len = 0;
	}
	set_termios(tty, &t2.t);
	if (two) {
		tty->ispeed = t2.c_ispeed;
		tty->ospeed = t2.c_ospeed;
	}
	sigs = ldisc_receive(tty);
	tty_changed(tty);
	pthread_mutex_unlock(&tty->lock);
	send_sigs(tty, sigs);
	return 0;
}

/* FIONREAD: a canonical slave counts complete lines, not their EOFs. */
static int inq(struct tty *tty, bool master)
{
	size_t n;

	if (master)
		return (int)tty->out.len;
	if (!canon(tty))
		return (int)tty->rd.len;
	n = tty->canon_len;
	for (size_t i = 0; i < tty->canon_len; i++)
		if (tty->mark[ring_idx(&tty->rd, i)] == MARK_EOF)
			n--;
	return (int)n;
}

static long tty_ioctl(struct file *f, struct task *t, unsigned int cmd,
		      uint64_t arg)
{
	struct tty_file *tf = tf_of(f);
	struct tty *tty = tf->tty;
	struct kernel *k = t->k;
	bool master = tf->master;
	long ret;
	int v;

	if (!master) {
		bool hung;

		pthread_mutex_lock(&tty->lock);
		hung = tty->hung_up;
		pthread_mutex_unlock(&tty->lock);
		if (hung)
			return cmd == ABI_TIOCSPGRP ? -ENOTTY : -EIO;
	}
	switch (cmd) {
	case ABI_TCGETS:
	case ABI_TCGETS2:
		return get_termios(t, tty, arg, cmd == ABI_TCGETS2);
	case ABI_TCSETS:
	case ABI_TCSETSW:
	case ABI_TCSETSF:
		return put_termios(t, tf, arg, false, cmd == ABI_TCSETSF);
	case ABI_TCSETS2:
	case ABI_TCSETSW2:
	case ABI_TCSETSF2:
		return put_termios(t, tf, arg, true, cmd == ABI_TCSETSF2);
	case ABI_TIOCGWINSZ: {
		struct abi_winsize ws;

		pthread_mutex_lock(&tty->lock);
		ws = tty->ws;
		pthread_mutex_unlock(&tty->lock);
		return mm_copy_out(t->mm, arg, &ws, sizeof(ws));
	}
	case ABI_TIOCSWINSZ: {
		struct abi_winsize ws;

		if (mm_copy_in(t->mm, &ws, arg, sizeof(ws)))
			return -EFAULT;
		resize(tty, &ws);
		return 0;
	}
	case ABI_FIONREAD:
		pthread_mutex_lock(&tty->lock);
		v = inq(tty, master);
		pthread_mutex_unlock(&tty->lock);
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCOUTQ:
		/* A pty's output is with its master at once (no queue). */
		v = 0;
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TCFLSH:
		if (!master) {
			ret = tty_check_change(t, tty, ABI_SIGTTOU);
			if (ret)
				return ret;
		}
		if (arg > ABI_TCIOFLUSH)
			return -EINVAL;
		pthread_mutex_lock(&tty->lock);
		if (arg != ABI_TCOFLUSH) {
			if (master) {
				tty->out.len = 0;
			} else {
				flush_input(tty);
				tty->raw.len = 0;
			}
		}
		tty_changed(tty);
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case ABI_TCXONC:
		if (!master) {
			ret = tty_check_change(t, tty, ABI_SIGTTOU);
			if (ret)
				return ret;
		}
		if (arg > ABI_TCION)
			return -EINVAL;
		pthread_mutex_lock(&tty->lock);
		if (arg == ABI_TCOOFF)
			tty->stopped = true;
		else if (arg == ABI_TCOON)
			tty->stopped = false;
		tty_changed(tty);
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case ABI_TCSBRK:
	case ABI_TCSBRKP:
		return master ? 0 : tty_check_change(t, tty, ABI_SIGTTOU);
	case ABI_TIOCSTI: {
		uint8_t c;
		uint32_t sigs;
		bool ok;

		pthread_mutex_lock(&k->lock);
		ok = creds_capable(&t->creds, ABI_CAP_SYS_ADMIN) ||
		     (t->tg->tty == tty && !master && file_readable(f));
		pthread_mutex_unlock(&k->lock);
		if (!ok)
			return -EPERM;
		if (mm_copy_in(t->mm, &c, arg, 1))
			return -EFAULT;
		pthread_mutex_lock(&tty->lock);
		if (ring_room(&tty->raw))
			ring_put(&tty->raw, c);
		sigs = ldisc_receive(tty);
		tty_changed(tty);
		pthread_mutex_unlock(&tty->lock);
		send_sigs(tty, sigs);
		return 0;
	}
	case ABI_TIOCEXCL:
	case ABI_TIOCNXCL:
		pthread_mutex_lock(&tty->lock);
		tty->excl = cmd == ABI_TIOCEXCL;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case ABI_TIOCGEXCL:
		pthread_mutex_lock(&tty->lock);
		v = tty->excl;
		pthread_mutex_unlock(&tty->lock);
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCGETD:
		v = 0; /* N_TTY */
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCGDEV: {
		uint32_t dev = (uint32_t)device_makedev(
		    TTY_MAJOR_PTS + tty->index / 256, tty->index % 256);

		return mm_copy_out(t->mm, arg, &dev, sizeof(dev));
	}
	case ABI_TIOCSCTTY:
		return set_ctty(t, tf, arg);
	case ABI_TIOCNOTTY: {
		bool leader;

		if (master)
			return -ENOTTY;
		pthread_mutex_lock(&k->lock);
		ret = t->tg->tty == tty ? 0 : -ENOTTY;
		leader = t->tg->sid == t->tg->tgid;
		pthread_mutex_unlock(&k->lock);
		if (ret)
			return ret;
		if (leader)
			disassociate_ctty(t, false);
		pthread_mutex_lock(&k->lock);
		if (t->tg->tty == tty)
			tty_clear_ctty_locked(t->tg);
		pthread_mutex_unlock(&k->lock);
		return 0;
	}
	case ABI_TIOCGPGRP:
	case ABI_TIOCGSID:
		pthread_mutex_lock(&k->lock);
		if (!master && t->tg->tty != tty)
			ret = -ENOTTY;
		else if (cmd == ABI_TIOCGSID)
			ret = tty->sid ? tty->sid : -ENOTTY;
		else
			ret = tty->pgrp;
		pthread_mutex_unlock(&k->lock);
		if (ret < 0)
			return ret;
		v = (int)ret;
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCSPGRP:
		return set_pgrp(t, tty, arg);
	case ABI_TIOCGPTN:
		if (!master)
			return -ENOTTY;
		v = (int)tty->index;
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCSPTLCK:
		if (!master)
			return -ENOTTY;
		if (mm_copy_in(t->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		pthread_mutex_lock(&tty->lock);
		tty->locked = v != 0;
		pthread_mutex_unlock(&tty->lock);
		return 0;
	case ABI_TIOCGPTLCK:
		if (!master)
			return -ENOTTY;
		pthread_mutex_lock(&tty->lock);
		v = tty->locked;
		pthread_mutex_unlock(&tty->lock);
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case ABI_TIOCGPTPEER: {
		struct file *peer;
		char path[32];

		if (!master)
			return -EIO;
		if (arg & ~(uint64_t)(ABI_O_ACCMODE | ABI_O_NOCTTY |
				      ABI_O_NONBLOCK | ABI_O_CLOEXEC))
			return -EINVAL;
		snprintf(path, sizeof(path), "/dev/pts/%u", tty->index);
		peer = slave_open(t, tty, (uint32_t)arg & ~ABI_O_CLOEXEC);
		if (IS_ERR(peer))
			return PTR_ERR(peer);
		{
			/* Where it is: the slave's node, for ttyname. */
			struct vfs_lookup_ctx ctx;
			struct vfs_path start, p;

			if (!task_path_begin(t, ABI_AT_FDCWD, path, false, &ctx,
					     &start)) {
				if (!vfs_lookup(&ctx, &start, path,
						LOOKUP_FOLLOW, &p)) {
					peer->path = p;
					peer->inode =
					    vfs_inode_get(p.dentry->inode);
				}
				task_path_end(&ctx, &start);
			}
		}
		ret = fd_alloc(t->files, peer, arg & ABI_O_CLOEXEC, 0,
			       t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
		file_put(peer);
		return ret;
	}
	default:
		return -ENOTTY;
	}
}

/* ---- poll, stat, release --------------------------------------------------
 */

static unsigned tty_poll(struct file *f, unsigned events)
{
	struct tty_file *tf = tf_of(f);
	struct tty *tty = tf->tty;
	unsigned mask = 0;

	pthread_mutex_lock(&tty->lock);
	if (tf->master) {
		if (tty->out.len)
			mask |= POLLIN_ | POLLRDNORM;
		if (tty->slave_gone)
			mask |= POLLHUP_;
		if (ring_room(&tty->raw))
			mask |= POLLOUT_ | POLLWRNORM;
	} else if (tty->hung_up) {
		mask = POLLIN_ | POLLOUT_ | POLLERR_ | POLLHUP_ | POLLRDNORM |
		       POLLWRNORM;
	} else {
		size_t want = 1;

		if (!canon(tty) && !tty->tio.c_cc[ABI_VTIME] &&
		    tty->tio.c_cc[ABI_VMIN])
			want = tty->tio.c_cc[ABI_VMIN];
		if (read_avail(tty) >= want)
			mask |= POLLIN_ | POLLRDNORM;
		if (!tty->stopped && ring_room(&tty->out) >= 8)
			mask |= POLLOUT_ | POLLWRNORM;
	}
	pthread_mutex_unlock(&tty->lock);
	return mask & (events | POLLERR_ | POLLHUP_);
}

static int tty_stat(struct file *f, struct abi_stat *st)
{
	struct tty_file *tf = tf_of(f);

	if (f->inode)
		return vfs_file_stat(f, st);
	memset(st, 0, sizeof(*st));
	st->st_mode = ABI_S_IFCHR | (tf->master ? 0666 : 0620);
	st->st_rdev = tf->master
			  ? device_makedev(TTY_MAJOR_TTYAUX, TTY_MINOR_PTMX)
			  : device_makedev(TTY_MAJOR_PTS + tf->tty->index / 256,
					   tf->tty->index % 256);
	st->st_nlink = 1;
	st->st_blksize = 1024;
	return 0;
}

static void tty_release(struct file *f)
{
	struct tty_file *tf = tf_of(f);
	struct tty *tty = tf->tty;

	if (tf->master) {
		tty_master_close(tty); /* drops the file's reference */
	} else {
		pthread_mutex_lock(&tty->lock);
		if (!--tty->slaves)
			tty->slave_gone = true;
		tty_changed(tty);
		pthread_mutex_unlock(&tty->lock);
		tty_put(tty);
	}
	free(tf);
}

static const struct file_ops tty_master_ops = {
    .read = master_read,
    .write = master_write,
    .ioctl = tty_ioctl,
    .poll = tty_poll,
    .stat = tty_stat,
    .release = tty_release,
};

static const struct file_ops tty_slave_ops = {
    .read = slave_read,
    .write = slave_write,
    .ioctl = tty_ioctl,
    .poll = tty_poll,
    .stat = tty_stat,
    .release = tty_release,
};
