// SPDX-License-Identifier: Apache-2.0
/* The sentry's log and its bug handler. */
#define UNW_LOCAL_ONLY
#include "sentry/kernel/log.h"

#include <libunwind.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static enum log_level log_max = LOG_WARN;

void log_set_fd(int fd, enum log_level level)
{
	log_fd = fd;
	log_max = level;
}

bool log_enabled(enum log_level level)
{
	return log_fd >= 0 && level <= log_max;
}

static const char *const level_names[] = {
    [LOG_ERROR] = "E",
    [LOG_WARN] = "W",
    [LOG_INFO] = "I",
    [LOG_DEBUG] = "D",
};

static void log_vprintf(int fd, enum log_level level, const char *fmt,
			va_list ap) __attribute__((format(printf, 3, 0)));

static void log_vprintf(int fd, enum log_level level, const char *fmt,
			va_list ap)
{
	char buf[1024];
	struct timespec ts;
	int n, m;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(buf, sizeof(buf), "%s%ld.%06ld %ld] ", level_names[level],
		     (long)ts.tv_sec, ts.tv_nsec / 1000,
		     (long)syscall(SYS_gettid));
	if (n < 0)
		return;
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(fd, buf, n);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vprintf(log_fd, level, fmt, ap);
	va_end(ap);
}

static void backtrace_to(int fd)
{
	unw_cursor_t cursor;
	unw_context_t uc;
	char name[256], line[512];
	int depth = 0;

	if (unw_getcontext(&uc) < 0 || unw_init_local(&cursor, &uc) < 0) {
		dprintf(fd, "  (no backtrace: libunwind failed)\n");
		return;
	}
	while (unw_step(&cursor) > 0 && depth < 64) {
		unw_word_t ip = 0, off = 0;
		int n;

		unw_get_reg(&cursor, UNW_REG_IP, &ip);
		if (unw_get_proc_name(&cursor, name, sizeof(name), &off) < 0)
			snprintf(name, sizeof(name), "??");
		n = snprintf(line, sizeof(line), "  #%-2d 0x%016lx %s+0x%lx\n",
			     depth, (unsigned long)ip, name,
			     (unsigned long)off);
		if (n > 0)
			(void)!write(fd, line, n);
		depth++;
	}
}

void log_backtrace(void)
{
	backtrace_to(STDERR_FILENO);
	if (log_fd >= 0 && log_fd != STDERR_FILENO)
		backtrace_to(log_fd);
}

void bug(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "moat: sentry bug at %s:%d: %s\n", file, line,
		msg);
	if (log_fd >= 0 && log_fd != STDERR_FILENO)
		dprintf(log_fd, "moat: sentry bug at %s:%d: %s\n", file, line,
			msg);
	log_backtrace();
	/* Fail closed: the whole sandbox stops (stubs die with us). */
	_exit(125);
}
