// SPDX-License-Identifier: Apache-2.0
/*
 * epoll (fs/eventpoll.c): an anonymous "[eventpoll]" file holding an
 * interest list of entries keyed by (file description, fd number). An
 * entry holds no reference on its file: the file's release takes it out of
 * every set (eventpoll_release), so an entry whose fd was closed lives on
 * while a dup keeps the description open. Readiness comes from each
 * file's poll op; an epoll file is readable when one of its entries would
 * be reported. Nesting is limited to EP_MAX_NESTS links, without cycles.
 *
 * Deviations: moat's files have no wake-up callbacks, so a wait re-checks
 * its entries every millisecond, and EPOLLET is approximated: an entry is
 * reported when a ready bit appears that was not there at its last report
 * (or when it was seen not ready since), not on every new event as Linux
 * does (a second write into a readable pipe is not a new edge). Ready
 * entries are reported in interest-list order, reported ones moving to
 * the end, rather than in the order they became ready.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"
#include "sentry/vfs/file.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOLLIN	       0x001u
#define EPOLLOUT       0x004u
#define EPOLLERR       0x008u
#define EPOLLHUP       0x010u
#define EPOLLRDNORM    0x040u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET	       (1u << 31)

#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK                                                        \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET |    \
	 EPOLLEXCLUSIVE)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* Longest chain of epoll files inside each other, in links. */
#define EP_MAX_NESTS 4

struct abi_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
static_assert(sizeof(struct abi_epoll_event) == 12, "x86-64 epoll_event");

#define EP_MAX_EVENTS (INT_MAX / sizeof(struct abi_epoll_event))

struct eventpoll;

struct epitem {
	struct eventpoll *ep;
	struct file *file; /* no reference: its release removes the entry */
	int fd;
	uint32_t events; /* what was asked, EPOLLERR and EPOLLHUP added */
	uint64_t data;
	uint32_t seen;		    /* EPOLLET: ready bits already reported */
	struct epitem *prev, *next; /* in ep's interest list */
	struct epitem *fnext;	    /* in file->ep_links */
};

struct eventpoll {
	struct file f;
	struct epitem *head, *tail;
};

/*
 * One lock for every epoll set and every file's ep_links: nesting and
 * loop checks look across sets. Taken before any file's own lock (poll
 * ops); never held where a file reference could be dropped.
 */
static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct file_ops eventpoll_ops;

static bool is_epoll(const struct file *f)
{
	return f->ops == &eventpoll_ops;
}

static struct eventpoll *to_ep(struct file *f)
{
	return container_of(f, struct eventpoll, f);
}

static void list_append(struct eventpoll *ep, struct epitem *epi)
{
	epi->next = NULL;
	epi->prev = ep->tail;
	if (ep->tail)
		ep->tail->next = epi;
	else
		ep->head = epi;
	ep->tail = epi;
}

static void list_unlink(struct eventpoll *ep, struct epitem *epi)
{
	if (epi->prev)
		epi->prev->next = epi->next;
	else
		ep->head = epi->next;
	if (epi->next)
		epi->next->prev = epi->prev;
	else
		ep->tail = epi->prev;
}

/* Out of its set and its file's list, and freed (ep_lock held). */
static void ep_remove(struct epitem *epi)
{
	struct epitem **pp = &epi->file->ep_links;

	list_unlink(epi->ep, epi);
	while (*pp != epi)
		pp = &(*pp)->fnext;
	__atomic_store_n(pp, epi->fnext, __ATOMIC_RELEASE);
	free(epi);
}

void eventpoll_release(struct file *f)
{
	pthread_mutex_lock(&ep_lock);
	while (f->ep_links)
		ep_remove(f->ep_links);
	pthread_mutex_unlock(&ep_lock);
}

static bool ep_has_events(struct eventpoll *ep);

/*
 * What of epi's events is ready to report now (ep_lock held): 0 while
 * disabled by EPOLLONESHOT, and for EPOLLET unless a bit is new since the
 * last report. Bits seen gone are forgotten, so they count as new again.
 */
static uint32_t ep_item_poll(struct epitem *epi)
{
	uint32_t want = epi->events & ~EP_PRIVATE_BITS, ready;

	if (!want)
		return 0;
	if (is_epoll(epi->file))
		ready =
		    ep_has_events(to_ep(epi->file)) ? EPOLLIN | EPOLLRDNORM : 0;
	else
		ready = epi->file->ops->poll(epi->file, want);
	ready &= want;
	if (epi->events & EPOLLET) {
		epi->seen &= ready;
		if (!(ready & ~epi->seen))
			return 0;
	}
	return ready;
}

/* Would a wait on ep report something now? (ep_lock held) */
static bool ep_has_events(struct eventpoll *ep)
{
	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		if (ep_item_poll(epi))
			return true;
	return false;
}

/*
 * Up to max ready entries out to the user's array at uevents (ep_lock
 * held): how many, or -EFAULT if not even the first could be written.
 * Reported entries go to the end of the list, so a short array sees the
 * others next time; EPOLLONESHOT disables, EPOLLET remembers what it saw.
 */
static int ep_send_events(struct task *t, struct eventpoll *ep,
			  uint64_t uevents, int max)
{
	struct epitem *epi = ep->head, *next;
	int res = 0, n = 0;

	for (struct epitem *i = ep->head; i; i = i->next)
		n++;
	for (; n-- > 0 && res < max; epi = next) {
		struct abi_epoll_event ev;

		next = epi->next;
		ev.events = ep_item_poll(epi);
		if (!ev.events)
			continue;
		ev.data = epi->data;
		if (mm_copy_out(t->mm, uevents + (uint64_t)res * sizeof(ev),
				&ev, sizeof(ev))) {
			if (!res)
				res = -EFAULT;
			break;
		}
		res++;
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_PRIVATE_BITS;
		epi->seen = ev.events;
		list_unlink(ep, epi);
		list_append(ep, epi);
	}
	return res;
}

/*
 * Longest chain of links below ep, or more than EP_MAX_NESTS when into is
 * reached (a cycle) or the chain is too long (ep_lock held).
 */
static int ep_depth_below(struct eventpoll *ep, struct eventpoll *into,
			  int depth)
{
	int result = 0;

	for (struct epitem *epi = ep->head; epi; epi = epi->next) {
		struct eventpoll *child;
		int d;

		if (!is_epoll(epi->file))
			continue;
		child = to_ep(epi->file);
		if (child == into || depth >= EP_MAX_NESTS)
			return EP_MAX_NESTS + 1;
		d = ep_depth_below(child, into, depth + 1) + 1;
		if (d > result)
			result = d;
		if (result > EP_MAX_NESTS)
			break;
	}
	return result;
}

/* Longest chain of links above ep: the sets that watch it, and so on. */
static int ep_depth_above(struct eventpoll *ep)
{
	int result = 0;

	for (struct epitem *epi = ep->f.ep_links; epi; epi = epi->fnext) {
		int d = ep_depth_above(epi->ep) + 1;

		if (d > result)
			result = d;
	}
	return result;
}

/* Would putting to inside ep make a cycle or a chain too long? */
static bool ep_loop_check(struct eventpoll *ep, struct eventpoll *to)
{
	int below = ep_depth_below(to, ep, 0);

	return below > EP_MAX_NESTS ||
	       below + 1 + ep_depth_above(ep) > EP_MAX_NESTS;
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		if (epi->file == f && epi->fd == fd)
			return epi;
	return NULL;
}

static int ep_insert(struct eventpoll *ep, const struct abi_epoll_event *ev,
		     struct file *f, int fd)
{
	struct epitem *epi = calloc(1, sizeof(*epi));

	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->file = f;
	epi->fd = fd;
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	list_append(ep, epi);
	epi->fnext = f->ep_links;
	__atomic_store_n(&f->ep_links, epi, __ATOMIC_RELEASE);
	return 0;
}

/* The file at fd, O_PATH ones excluded (fdget), with a reference. */
static struct file *ep_fget(struct task *t, int fd)
{
	struct file *f = fd_get(t->files, fd);

	if (f && (f->flags & ABI_O_PATH)) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* epoll_ctl's checks in Linux's order, then the operation. */
static long do_epoll_ctl(struct task *t, int epfd, int op, int fd,
			 struct abi_epoll_event *ev)
{
	struct file *f, *tf;
	struct eventpoll *ep;
	struct epitem *epi;
	long err;

	f = ep_fget(t, epfd);
	if (!f)
		return -EBADF;
	tf = ep_fget(t, fd);
	err = -EBADF;
	if (!tf)
		goto out_put_f;
	err = -EPERM;
	if (!tf->ops->poll)
		goto out_put_tf;
	/* No suspend to block in a sandbox. */
	ev->events &= ~EPOLLWAKEUP;
	err = -EINVAL;
	if (f == tf || !is_epoll(f))
		goto out_put_tf;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			goto out_put_tf;
		if (op == EPOLL_CTL_ADD &&
		    (is_epoll(tf) || (ev->events & ~EP_EXCLUSIVE_OK)))
			goto out_put_tf;
	}
	ep = to_ep(f);
	pthread_mutex_lock(&ep_lock);
	if (op == EPOLL_CTL_ADD && is_epoll(tf) &&
	    ep_loop_check(ep, to_ep(tf))) {
		err = -ELOOP;
		goto out_unlock;
	}
	epi = ep_find(ep, tf, fd);
	err = -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		err = epi ? -EEXIST : ep_insert(ep, ev, tf, fd);
		break;
	case EPOLL_CTL_DEL:
		err = -ENOENT;
		if (epi) {
			ep_remove(epi);
			err = 0;
		}
		break;
	case EPOLL_CTL_MOD:
		if (!epi)
			err = -ENOENT;
		else if (!(epi->events & EPOLLEXCLUSIVE)) {
			epi->events = ev->events | EPOLLERR | EPOLLHUP;
			epi->data = ev->data;
			epi->seen = 0; /* a ready entry is reported again */
			err = 0;
		}
		break;
	}
	/* A waiter may now have a ready entry, or one it must tick for. */
	if (!err && op != EPOLL_CTL_DEL)
		poll_notify();
out_unlock:
	pthread_mutex_unlock(&ep_lock);
out_put_tf:
	file_put(tf);
out_put_f:
	file_put(f);
	return err;
}

/* Does every file that ep watches (through nested sets too) report its
 * changes? (ep_lock held; nesting is bounded by EP_MAX_NESTS.) */
static bool ep_notifies(struct eventpoll *ep)
{
	for (struct epitem *epi = ep->head; epi; epi = epi->next) {
		if (is_epoll(epi->file)) {
			if (!ep_notifies(to_ep(epi->file)))
				return false;
		} else if (!epi->file->poll_notifies) {
			return false;
		}
	}
	return true;
}

/*
 * Report ready entries, waiting for one until the deadline (CLOCK_MONOTONIC;
 * NULL: none) or a signal t does not block: -EINTR, never restarted, as
 * Linux's ep_poll.
 */
static long ep_poll(struct task *t, struct eventpoll *ep, uint64_t uevents,
		    int max, const struct timespec *deadline)
{
	for (;;) {
		uint64_t seq = poll_begin();
		bool tick;
		long ret;
		int step;

		pthread_mutex_lock(&ep_lock);
		ret = ep_send_events(t, ep, uevents, max);
		tick = !ret && !ep_notifies(ep);
		pthread_mutex_unlock(&ep_lock);
		if (ret)
			return ret;
		step = poll_tick(t, deadline, seq, tick);
		if (step)
			return step < 0 ? step : 0;
	}
}

static long do_epoll_wait(struct task *t, int epfd, uint64_t uevents, int max,
			  const struct timespec *deadline)
{
	struct file *f = ep_fget(t, epfd);
	long ret;

	if (!f)
		return -EBADF;
	if (max <= 0 || (uint64_t)max > EP_MAX_EVENTS)
		ret = -EINVAL;
	else if (!user_access_ok(uevents, (uint64_t)max *
					      sizeof(struct abi_epoll_event)))
		ret = -EFAULT;
	else if (!is_epoll(f))
		ret = -EINVAL;
	else
		ret = ep_poll(t, to_ep(f), uevents, max, deadline);
	file_put(f);
	return ret;
}

/* A millisecond timeout as a deadline: NULL (forever) when negative. */
static const struct timespec *ms_deadline(struct timespec *deadline, int ms)
{
	struct abi_timespec ts = {.tv_sec = ms / 1000,
				  .tv_nsec = (int64_t)(ms % 1000) * 1000000};

	if (ms < 0)
		return NULL;
	deadline_after(deadline, &ts);
	return deadline;
}

/* The wait with sigmask (0: none) in place; kept for a handler on EINTR. */
static long do_epoll_pwait(struct task *t, const uint64_t *a,
			   const struct timespec *deadline)
{
	long ret;
	int err = wait_mask_set(t, a[4], a[5]);

	if (err)
		return err;
	ret = do_epoll_wait(t, (int)a[0], a[1], (int)a[2], deadline);
	wait_mask_done(t, a[4], ret == -EINTR);
	return ret;
}

static unsigned ep_file_poll(struct file *f, unsigned events)
{
	unsigned mask;

	pthread_mutex_lock(&ep_lock);
	mask = ep_has_events(to_ep(f)) ? EPOLLIN | EPOLLRDNORM : 0;
	pthread_mutex_unlock(&ep_lock);
	return mask & events;
}

static void ep_release(struct file *f)
{
	struct eventpoll *ep = to_ep(f);

	pthread_mutex_lock(&ep_lock);
	while (ep->head)
		ep_remove(ep->head);
	pthread_mutex_unlock(&ep_lock);
	free(ep);
}

static const struct file_ops eventpoll_ops = {
    .poll = ep_file_poll,
    .llseek = noop_llseek,
    .stat = anon_file_stat,
    .release = ep_release,
    .anon_name = "[eventpoll]",
};

static struct eventpoll *ep_new(uint32_t flags)
{
	struct eventpoll *ep = calloc(1, sizeof(*ep));

	if (!ep)
		return NULL;
	file_init(&ep->f, &eventpoll_ops, flags);
	ep->f.stream = true;
	return ep;
}

static long do_epoll_create(struct task *t, uint64_t flags)
{
	struct eventpoll *ep;
	long fd;

	if (flags & ~(uint64_t)ABI_O_CLOEXEC)
		return -EINVAL;
	ep = ep_new(ABI_O_RDWR);
	if (!ep)
		return -ENOMEM;
	fd = fd_alloc(t->files, &ep->f, flags & ABI_O_CLOEXEC, 0,
		      t->tg->rlim[ABI_RLIMIT_NOFILE].rlim_cur);
	file_put(&ep->f);
	return fd;
}

SYSCALL(epoll_create)
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return do_epoll_create(t, 0);
}

SYSCALL(epoll_create1)
{
	return do_epoll_create(t, (uint32_t)a[0]);
}

SYSCALL(epoll_ctl)
{
	struct abi_epoll_event ev = {0};
	int op = (int)a[1];

	if (op != EPOLL_CTL_DEL) {
		int err = mm_copy_in(t->mm, &ev, a[3], sizeof(ev));

		if (err)
			return err;
	}
	return do_epoll_ctl(t, (int)a[0], op, (int)a[2], &ev);
}

SYSCALL(epoll_wait)
{
	struct timespec deadline;

	return do_epoll_wait(t, (int)a[0], a[1], (int)a[2],
			     ms_deadline(&deadline, (int)a[3]));
}

SYSCALL(epoll_pwait)
{
	struct timespec deadline;

	return do_epoll_pwait(t, a, ms_deadline(&deadline, (int)a[3]));
}

/* epoll_pwait2: a timespec timeout (NULL: forever). */
SYSCALL(epoll_pwait2)
{
	struct abi_timespec ts;
	struct timespec deadline;
	int err;

	if (!a[3])
		return do_epoll_pwait(t, a, NULL);
	err = copy_in_timeout(t, a[3], &ts);
	if (err)
		return err;
	deadline_after(&deadline, &ts);
	return do_epoll_pwait(t, a, &deadline);
}

bool eventpoll_is(const struct file *f)
{
	return is_epoll(f);
}

int eventpoll_save(struct file *f, struct epoll_item_image **v, size_t *n)
{
	struct eventpoll *ep = to_ep(f);
	size_t count = 0;

	pthread_mutex_lock(&ep_lock);
	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		count++;
	*v = malloc((count ? count : 1) * sizeof(**v));
	if (!*v) {
		pthread_mutex_unlock(&ep_lock);
		return -ENOMEM;
	}
	*n = count;
	count = 0;
	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		(*v)[count++] = (struct epoll_item_image){
		    .file = epi->file,
		    .fd = epi->fd,
		    .events = epi->events,
		    .data = epi->data,
		    .seen = epi->seen,
		};
	pthread_mutex_unlock(&ep_lock);
	return 0;
}

struct file *eventpoll_restore(uint32_t flags)
{
	struct eventpoll *ep = ep_new(flags);

	return ep ? &ep->f : NULL;
}

int eventpoll_restore_item(struct file *f, const struct epoll_item_image *v)
{
	struct abi_epoll_event ev = {.events = v->events, .data = v->data};
	struct eventpoll *ep;
	struct epitem *epi;
	int err;

	if (!is_epoll(f) || f == v->file || !v->file->ops->poll || v->fd < 0 ||
	    (v->events & EPOLLWAKEUP) ||
	    ((v->events & EPOLLEXCLUSIVE) &&
	     (is_epoll(v->file) || (v->events & ~EP_EXCLUSIVE_OK))))
		return -EINVAL;
	ep = to_ep(f);
	pthread_mutex_lock(&ep_lock);
	if (ep_find(ep, v->file, v->fd))
		err = -EINVAL;
	else if (is_epoll(v->file) && ep_loop_check(ep, to_ep(v->file)))
		err = -ELOOP;
	else
		err = ep_insert(ep, &ev, v->file, v->fd);
	if (!err) {
		epi = ep->tail;
		epi->events = v->events;
		epi->seen = v->seen & v->events;
	}
	pthread_mutex_unlock(&ep_lock);
	return err;
}
