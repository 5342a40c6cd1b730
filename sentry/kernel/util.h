/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every part of moat: errors as values, cleanup. */
#ifndef MOAT_UTIL_H
#define MOAT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define MAX_ERRNO 4095

static inline void *ERR_PTR(long err)
{
	return (void *)err;
}

static inline long PTR_ERR(const void *p)
{
	return (long)p;
}

static inline int IS_ERR(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)-MAX_ERRNO;
}

static inline int IS_ERR_VALUE(unsigned long v)
{
	return v >= (unsigned long)-MAX_ERRNO;
}

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define autofree  __attribute__((cleanup(freep)))
#define autoclose __attribute__((cleanup(closep)))

/* Hand ownership on out of an autofree/autoclose variable. */
#define take_ptr(p)                                                            \
	({                                                                     \
		__typeof__(p) _p = (p);                                        \
		(p) = NULL;                                                    \
		_p;                                                            \
	})
#define take_fd(fd)                                                            \
	({                                                                     \
		int _fd = (fd);                                                \
		(fd) = -1;                                                     \
		_fd;                                                           \
	})

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12
#define PAGE_MASK  (~(PAGE_SIZE - 1))

static inline uint64_t page_down(uint64_t x)
{
	return x & PAGE_MASK;
}

/* Round up; the caller checks for overflow with page_up_overflows(). */
static inline uint64_t page_up(uint64_t x)
{
	return (x + PAGE_SIZE - 1) & PAGE_MASK;
}

static inline int page_up_overflows(uint64_t x)
{
	return x > UINT64_MAX - (PAGE_SIZE - 1);
}

static inline int page_aligned(uint64_t x)
{
	return (x & (PAGE_SIZE - 1)) == 0;
}

#define min_t(type, a, b)	 ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b)	 ((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define clamp_t(type, v, lo, hi) min_t(type, max_t(type, v, lo), hi)

#endif
