// SPDX-License-Identifier: Apache-2.0
/*
 * --strace: each syscall with decoded arguments and its result, one line
 * per call, written after the call returns (so output buffers are shown
 * with what the kernel put in them), like strace.
 */
#include "abi/linux.h"
#include "abi/syscall_table.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STRACE_STRLEN 32

struct line {
	char buf[2048];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void put(struct line *l,
						      const char *fmt, ...)
{
	va_list ap;
	int r;

	if (l->n >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		l->n = min_t(size_t, l->n + (size_t)r, sizeof(l->buf) - 1);
}

static void put_bytes(struct line *l, const uint8_t *p, size_t n, bool more)
{
	put(l, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (c) {
		case '\n':
			put(l, "\\n");
			break;
		case '\t':
			put(l, "\\t");
			break;
		case '\r':
			put(l, "\\r");
			break;
		case '"':
			put(l, "\\\"");
			break;
		case '\\':
			put(l, "\\\\");
			break;
		default:
			if (c >= 0x20 && c < 0x7f)
				put(l, "%c", c);
			else
				put(l, "\\%o", c);
		}
	}
	put(l, more ? "\"..." : "\"");
}

static void put_buf(struct line *l, struct task *t, uint64_t addr, uint64_t len)
{
	uint8_t tmp[STRACE_STRLEN];
	size_t n = min_t(size_t, len, sizeof(tmp));

	if (mm_copy_in(t->mm, tmp, addr, n) < 0) {
		put(l, "%#" PRIx64, addr);
		return;
	}
	put_bytes(l, tmp, n, len > n);
}

static void put_path(struct line *l, struct task *t, uint64_t addr)
{
	char tmp[256];
	long n = mm_copy_string_in(t->mm, tmp, addr, sizeof(tmp));

	if (n == -ENAMETOOLONG) {
		put_bytes(l, (uint8_t *)tmp, sizeof(tmp), true);
		return;
	}
	if (n < 0) {
		put(l, "%#" PRIx64, addr);
		return;
	}
	put_bytes(l, (uint8_t *)tmp, (size_t)n, false);
}

static void put_iov(struct line *l, struct task *t, uint64_t addr, uint64_t cnt,
		    long ret, bool out)
{
	uint64_t left = out ? (ret > 0 ? (uint64_t)ret : 0) : UINT64_MAX;

	put(l, "[");
	for (uint64_t i = 0; i < cnt && i < 4; i++) {
		struct abi_iovec iov;

		if (mm_copy_in(t->mm, &iov, addr + i * sizeof(iov),
			       sizeof(iov)) < 0) {
			put(l, "%#" PRIx64, addr);
			break;
		}
		put(l, "%s{iov_base=", i ? ", " : "");
		put_buf(l, t, iov.iov_base, min_t(uint64_t, iov.iov_len, left));
		put(l, ", iov_len=%" PRIu64 "}", iov.iov_len);
		left -= min_t(uint64_t, iov.iov_len, left);
	}
	put(l, cnt > 4 ? ", ...]" : "]");
}

struct flag_name {
	uint64_t bit;
	const char *name;
};

static void put_flags(struct line *l, uint64_t v, const struct flag_name *f,
		      size_t nf, const char *zero)
{
	bool first = true;

	for (size_t i = 0; i < nf; i++) {
		if (f[i].bit && (v & f[i].bit) == f[i].bit) {
			put(l, "%s%s", first ? "" : "|", f[i].name);
			v &= ~f[i].bit;
			first = false;
		}
	}
	if (v || first) {
		if (first && !v)
			put(l, "%s", zero);
		else
			put(l, "%s%#" PRIx64, first ? "" : "|", v);
	}
}

#define F(x)                                                                   \
	{                                                                      \
		ABI_##x, #x                                                    \
	}
static const struct flag_name prot_names[] = {F(PROT_READ), F(PROT_WRITE),
					      F(PROT_EXEC)};
static const struct flag_name map_names[] = {
    F(MAP_SHARED),    F(MAP_PRIVATE),	F(MAP_FIXED),
    F(MAP_ANONYMOUS), F(MAP_32BIT),	F(MAP_GROWSDOWN),
    F(MAP_DENYWRITE), F(MAP_NORESERVE), F(MAP_POPULATE),
    F(MAP_STACK),     F(MAP_HUGETLB),	F(MAP_FIXED_NOREPLACE)};
static const struct flag_name open_names[] = {
    F(O_WRONLY),  F(O_RDWR),   F(O_CREAT),    F(O_EXCL),      F(O_NOCTTY),
    F(O_TRUNC),	  F(O_APPEND), F(O_NONBLOCK), F(O_DIRECTORY), F(O_NOFOLLOW),
    F(O_CLOEXEC), F(O_PATH),   F(O_LARGEFILE)};
static const struct flag_name at_names[] = {
    F(AT_SYMLINK_NOFOLLOW), F(AT_EMPTY_PATH), F(AT_NO_AUTOMOUNT)};
#undef F

static const char *const signal_names[] = {
    [1] = "SIGHUP", "SIGINT",	 "SIGQUIT", "SIGILL",	 "SIGTRAP", "SIGABRT",
    "SIGBUS",	    "SIGFPE",	 "SIGKILL", "SIGUSR1",	 "SIGSEGV", "SIGUSR2",
    "SIGPIPE",	    "SIGALRM",	 "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
    "SIGSTOP",	    "SIGTSTP",	 "SIGTTIN", "SIGTTOU",	 "SIGURG",  "SIGXCPU",
    "SIGXFSZ",	    "SIGVTALRM", "SIGPROF", "SIGWINCH",	 "SIGIO",   "SIGPWR",
    "SIGSYS",
};

static const char *const clock_names[] = {
    "CLOCK_REALTIME",
    "CLOCK_MONOTONIC",
    "CLOCK_PROCESS_CPUTIME_ID",
    "CLOCK_THREAD_CPUTIME_ID",
    "CLOCK_MONOTONIC_RAW",
    "CLOCK_REALTIME_COARSE",
    "CLOCK_MONOTONIC_COARSE",
    "CLOCK_BOOTTIME",
    "CLOCK_REALTIME_ALARM",
    "CLOCK_BOOTTIME_ALARM",
    NULL,
    "CLOCK_TAI",
};

static void put_arg(struct line *l, struct task *t, int kind, const uint64_t *a,
		    int i, long ret)
{
	uint64_t v = a[i];
	uint64_t next = i < 5 ? a[i + 1] : 0;

	switch (kind) {
	case ARG_INT:
	case ARG_FD:
		put(l, "%d", (int)v);
		break;
	case ARG_ATFD:
		if ((int)v == ABI_AT_FDCWD)
			put(l, "AT_FDCWD");
		else
			put(l, "%d", (int)v);
		break;
	case ARG_LONG:
		put(l, "%" PRId64, (int64_t)v);
		break;
	case ARG_ULONG:
		put(l, "%" PRIu64, v);
		break;
	case ARG_MODE:
		put(l, "%#" PRIo64, v);
		break;
	case ARG_PTR:
	case ARG_STRUCT_IN:
	case ARG_STRUCT_OUT:
	case ARG_STRV:
		if (v)
			put(l, "%#" PRIx64, v);
		else
			put(l, "NULL");
		break;
	case ARG_PATH:
		put_path(l, t, v);
		break;
	case ARG_BUF_IN:
		put_buf(l, t, v, next);
		break;
	case ARG_BUF_OUT:
		if (ret < 0)
			put(l, "%#" PRIx64, v);
		else
			put_buf(l, t, v, (uint64_t)ret);
		break;
	case ARG_IOV_IN:
		put_iov(l, t, v, next, ret, false);
		break;
	case ARG_IOV_OUT:
		put_iov(l, t, v, next, ret, true);
		break;
	case ARG_OPEN_FLAGS:
		if ((v & ABI_O_ACCMODE) == ABI_O_RDONLY) {
			put(l, "O_RDONLY");
			if (v)
				put(l, "|");
		}
		if (v)
			put_flags(l, v, open_names, ARRAY_SIZE(open_names),
				  "0");
		break;
	case ARG_PROT:
		put_flags(l, v, prot_names, ARRAY_SIZE(prot_names),
			  "PROT_NONE");
		break;
	case ARG_MMAP_FLAGS:
		put_flags(l, v, map_names, ARRAY_SIZE(map_names), "0");
		break;
	case ARG_AT_FLAGS:
		put_flags(l, v, at_names, ARRAY_SIZE(at_names), "0");
		break;
	case ARG_SIGNAL:
		if (v < ARRAY_SIZE(signal_names) && signal_names[v])
			put(l, "%s", signal_names[v]);
		else
			put(l, "%d", (int)v);
		break;
	case ARG_CLOCKID:
		if (v < ARRAY_SIZE(clock_names) && clock_names[v])
			put(l, "%s", clock_names[v]);
		else
			put(l, "%d", (int)v);
		break;
	case ARG_HEX:
	default:
		put(l, "%#" PRIx64, v);
		break;
	}
}

void strace_syscall(struct task *t, long nr, const uint64_t *a, long ret)
{
	const struct abi_syscall *s = abi_syscall(nr);
	struct line l = {.n = 0};
	int fd = t->k->opts.strace_fd;

	put(&l, "[%5d] ", t->tid);
	if (!s) {
		put(&l,
		    "syscall_%ld(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64
		    ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ")",
		    nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	} else {
		put(&l, "%s(", s->name);
		for (int i = 0; i < s->nargs; i++) {
			if (i)
				put(&l, ", ");
			put_arg(&l, t, s->args[i], a, i, ret);
		}
		put(&l, ")");
	}
	if (s && s->ret == RET_NORETURN && !IS_ERR_VALUE((unsigned long)ret))
		put(&l, " = ?");
	else if (ret < 0 && ret >= -MAX_ERRNO)
		put(&l, " = -1 %s (%s)", strerrorname_np((int)-ret) ?: "E?",
		    strerror((int)-ret));
	else if (s && s->ret == RET_HEX)
		put(&l, " = %#lx", (unsigned long)ret);
	else
		put(&l, " = %ld", ret);
	put(&l, "\n");
	(void)!write(fd, l.buf, l.n);
}
