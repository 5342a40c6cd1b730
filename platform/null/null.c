// SPDX-License-Identifier: Apache-2.0
/* The null platform (null.h). */
#include "platform/null/null.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the other platforms' stub code starts: the same address limit. */
#define NULL_ADDR_LIMIT 0x7ffbff000000ULL
/* The legacy XSAVE area and its header: the smallest XSAVE state. */
#define NULL_FPU_SIZE 576
#define PAGE_MASK     0xfffULL

struct platform_as {
	struct platform *p;
	uint64_t next_token;
};

struct platform_ctx {
	int interrupted; /* atomic */
};

static null_platform_hook hook;

void null_platform_set_hook(null_platform_hook h)
{
	__atomic_store_n(&hook, h, __ATOMIC_RELEASE);
}

/* The sentry broke the interface's contract: stop, loudly. */
static void contract(const char *what, uint64_t addr, uint64_t len)
{
	fprintf(stderr, "null platform: %s (%#llx, %#llx)\n", what,
		(unsigned long long)addr, (unsigned long long)len);
	abort();
}

static int null_create(int memfd, struct platform **out)
{
	struct platform *p = calloc(1, sizeof(*p));

	(void)memfd;
	if (!p)
		return -ENOMEM;
	p->ops = &null_platform_ops;
	p->addr_limit = NULL_ADDR_LIMIT;
	p->fpu_size = NULL_FPU_SIZE;
	*out = p;
	return 0;
}

static void null_destroy(struct platform *p)
{
	free(p);
}

static int null_as_create(struct platform *p, struct platform_as **out)
{
	struct platform_as *as = calloc(1, sizeof(*as));

	if (!as)
		return -ENOMEM;
	as->p = p;
	*out = as;
	return 0;
}

static void null_as_destroy(struct platform_as *as)
{
	free(as);
}

static int null_as_new_thread(struct platform_as *as, uint64_t *token)
{
	*token = __atomic_add_fetch(&as->next_token, 1, __ATOMIC_RELAXED);
	return 0;
}

static int null_as_enter(struct platform_as *as, uint64_t token)
{
	(void)as;
	(void)token;
	return 0;
}

static void null_as_leave(struct platform_as *as)
{
	(void)as;
}

static int null_as_abandon(struct platform_as *as, uint64_t token)
{
	(void)as;
	(void)token;
	return 0;
}

static void check_range(struct platform_as *as, uint64_t addr, uint64_t len)
{
	if ((addr | len) & PAGE_MASK)
		contract("unaligned range", addr, len);
	if (addr > as->p->addr_limit || len > as->p->addr_limit - addr)
		contract("range beyond the address limit", addr, len);
}

static int null_as_map(struct platform_as *as, uint64_t addr, uint64_t len,
		       int prot, uint64_t off)
{
	(void)prot;
	check_range(as, addr, len);
	if (off & PAGE_MASK)
		contract("unaligned memory-file offset", off, len);
	return 0;
}

static int null_as_unmap(struct platform_as *as, uint64_t addr, uint64_t len)
{
	check_range(as, addr, len);
	return 0;
}

static int null_as_protect(struct platform_as *as, uint64_t addr, uint64_t len,
			   int prot)
{
	(void)prot;
	check_range(as, addr, len);
	return 0;
}

static int null_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));

	(void)p;
	if (!ctx)
		return -ENOMEM;
	*out = ctx;
	return 0;
}

static void null_ctx_destroy(struct platform_ctx *ctx)
{
	free(ctx);
}

static int null_switch_to(struct platform_ctx *ctx, struct platform_as *as,
			  struct abi_user_regs *regs, struct platform_event *ev)
{
	null_platform_hook h = __atomic_load_n(&hook, __ATOMIC_ACQUIRE);

	(void)as;
	memset(ev, 0, sizeof(*ev));
	if (__atomic_exchange_n(&ctx->interrupted, 0, __ATOMIC_ACQ_REL)) {
		ev->why = PLATFORM_INTERRUPTED;
		return 0;
	}
	if (!h) {
		ev->why = PLATFORM_DEAD;
		return 0;
	}
	return h(regs, ev);
}

static void null_interrupt(struct platform_ctx *ctx)
{
	__atomic_store_n(&ctx->interrupted, 1, __ATOMIC_RELEASE);
}

static int null_cpu_time(struct platform_ctx *ctx, struct platform_as *as,
			 struct timespec *ts)
{
	(void)ctx;
	(void)as;
	*ts = (struct timespec){0};
	return 0;
}

/* A freshly initialised FPU, as FXSAVE lays it out. */
static int null_get_fpu(struct platform_ctx *ctx, struct platform_as *as,
			void *buf)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	(void)ctx;
	(void)as;
	memset(buf, 0, NULL_FPU_SIZE);
	memcpy(buf, &fcw, sizeof(fcw));
	memcpy((char *)buf + 24, &mxcsr, sizeof(mxcsr));
	return 0;
}

static int null_set_fpu(struct platform_ctx *ctx, struct platform_as *as,
			const void *buf)
{
	(void)ctx;
	(void)as;
	(void)buf;
	return 0;
}

const struct platform_ops null_platform_ops = {
    .name = "null",
    .create = null_create,
    .destroy = null_destroy,
    .as_create = null_as_create,
    .as_destroy = null_as_destroy,
    .as_new_thread = null_as_new_thread,
    .as_enter = null_as_enter,
    .as_leave = null_as_leave,
    .as_abandon = null_as_abandon,
    .as_map = null_as_map,
    .as_unmap = null_as_unmap,
    .as_protect = null_as_protect,
    .ctx_create = null_ctx_create,
    .ctx_destroy = null_ctx_destroy,
    .switch_to = null_switch_to,
    .interrupt = null_interrupt,
    .cpu_time = null_cpu_time,
    .get_fpu = null_get_fpu,
    .set_fpu = null_set_fpu,
};
