/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for guest tests: static programs that check one area of the
 * syscall ABI and exit 0 when every check passed. Each runs twice, natively
 * and under moat, and must pass both ways, so a check states what Linux
 * does, never what moat happens to do.
 *
 * Checks call the raw syscall (guest_syscall) where errno values matter, so
 * that libc wrappers cannot hide or translate the kernel's answer.
 */
#ifndef MOAT_TESTS_GUEST_H
#define MOAT_TESTS_GUEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int guest_failures;
static int guest_checks;

static void guest_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void guest_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	guest_failures++;
	fprintf(stderr, "%s:%d: FAIL: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The raw syscall: returns the kernel's value, -errno on failure. */
static inline long guest_syscall(long nr, long a1, long a2, long a3, long a4,
				 long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define SYS0(nr)       guest_syscall(nr, 0, 0, 0, 0, 0, 0)
#define SYS1(nr, a)    guest_syscall(nr, (long)(a), 0, 0, 0, 0, 0)
#define SYS2(nr, a, b) guest_syscall(nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(nr, a, b, c)                                                      \
	guest_syscall(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(nr, a, b, c, d)                                                   \
	guest_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS5(nr, a, b, c, d, e)                                                \
	guest_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d),          \
		      (long)(e), 0)
#define SYS6(nr, a, b, c, d, e, f)                                             \
	guest_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d),          \
		      (long)(e), (long)(f))

/* CHECK(cond): record a failure with the condition's text. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		guest_checks++;                                                \
		if (!(cond))                                                   \
			guest_fail(__FILE__, __LINE__, "%s", #cond);           \
	} while (0)

/* CHECK_EQ(a, b): both are evaluated once, compared as long. */
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long _a = (long)(a), _b = (long)(b);                           \
		guest_checks++;                                                \
		if (_a != _b)                                                  \
			guest_fail(__FILE__, __LINE__,                         \
				   "%s == %s: got %ld (%#lx), want %ld", #a,   \
				   #b, _a, (unsigned long)_a, _b);             \
	} while (0)

/* CHECK_ERR(raw syscall expression, errno): the call fails with -err. */
#define CHECK_ERR(expr, err)                                                   \
	do {                                                                   \
		long _r = (long)(expr);                                        \
		guest_checks++;                                                \
		if (_r != -(long)(err))                                        \
			guest_fail(__FILE__, __LINE__,                         \
				   "%s: got %ld (%s), want -%s", #expr, _r,    \
				   _r<0 && _r> - 4096 ? strerror((int)-_r)     \
						      : "success",             \
				   #err);                                      \
	} while (0)

/* CHECK_OK(raw syscall expression): the call succeeds (>= 0). */
#define CHECK_OK(expr)                                                         \
	do {                                                                   \
		long _r = (long)(expr);                                        \
		guest_checks++;                                                \
		if (_r < 0 && _r > -4096)                                      \
			guest_fail(__FILE__, __LINE__, "%s: got -%s", #expr,   \
				   strerror((int)-_r));                        \
	} while (0)

/* Finish: print a summary on failure, exit 0 only when all checks passed. */
static inline int guest_done(void)
{
	if (guest_failures) {
		fprintf(stderr, "%d of %d checks failed\n", guest_failures,
			guest_checks);
		return 1;
	}
	if (guest_checks == 0) {
		fprintf(stderr, "no checks ran\n");
		return 1;
	}
	return 0;
}

#endif
