/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sentry's log, and BUG_ON for its own invariants. BUG_ON stops the
 * sandbox with a backtrace: nothing the application does may reach one.
 * Warnings that the application can trigger go through log_warn_once.
 */
#ifndef MOAT_LOG_H
#define MOAT_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Send the log to fd (owned by the caller; -1 silences it). */
void log_set_fd(int fd, enum log_level level);
bool log_enabled(enum log_level level);
void log_printf(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_enabled(LOG_DEBUG))                                    \
			log_printf(LOG_DEBUG, __VA_ARGS__);                    \
	} while (0)

/* Log once per call site. */
#define log_warn_once(...)                                                     \
	do {                                                                   \
		static bool _warned;                                           \
		if (!__atomic_exchange_n(&_warned, true, __ATOMIC_RELAXED))    \
			log_warn(__VA_ARGS__);                                 \
	} while (0)

/* Print a backtrace of the calling thread to stderr and the log. */
void log_backtrace(void);

__attribute__((noreturn, format(printf, 3, 4))) void
bug(const char *file, int line, const char *fmt, ...);

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (__builtin_expect(!!(cond), 0))                             \
			bug(__FILE__, __LINE__, "BUG_ON(%s)", #cond);          \
	} while (0)

#define BUG(...) bug(__FILE__, __LINE__, __VA_ARGS__)

#endif
