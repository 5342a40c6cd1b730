// SPDX-License-Identifier: Apache-2.0
/* capget and capset: versions, pids, the rules of capset, /proc's view. */
#include "guest.h"

#include <stdint.h>
#include <sys/prctl.h>

#define V1     0x19980330
#define V2     0x20071026
#define V3     0x20080522
#define NO_PID 0x3fffffff

#define CAP_SETPCAP    8
#define CAP_SYS_PTRACE 19
#define CAP_SYS_BOOT   22
#define CAP_MKNOD      27

struct hdr {
	uint32_t version;
	int pid;
};

struct data {
	uint32_t e, p, i;
};

static long get(int version, int pid, struct data *d)
{
	struct hdr h = {(uint32_t)version, pid};

	return SYS2(SYS_capget, &h, d);
}

static long set(uint64_t e, uint64_t p, uint64_t i)
{
	struct hdr h = {V3, 0};
	struct data d[2] = {
	    {(uint32_t)e, (uint32_t)p, (uint32_t)i},
	    {(uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32)}};

	return SYS2(SYS_capset, &h, d);
}

static void caps(uint64_t *e, uint64_t *p, uint64_t *i)
{
	struct data d[2];

	CHECK_EQ(get(V3, 0, d), 0);
	*e = d[0].e | (uint64_t)d[1].e << 32;
	*p = d[0].p | (uint64_t)d[1].p << 32;
	*i = d[0].i | (uint64_t)d[1].i << 32;
}

/* /proc/self/status's line for name, as a number. */
static uint64_t status_caps(const char *name)
{
	char buf[8192], *s;
	FILE *f = fopen("/proc/self/status", "r");
	size_t n;

	if (!f)
		return ~0ULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	s = strstr(buf, name);
	return s ? strtoull(s + strlen(name) + 2, NULL, 16) : ~0ULL;
}

int main(void)
{
	struct data d[2], d1[2];
	struct hdr h;
	uint64_t e, p, i, e0, p0, i0, bit;

	caps(&e0, &p0, &i0);
	CHECK_EQ(e0 & ~p0, 0);
	CHECK_EQ(status_caps("CapEff:"), e0);
	CHECK_EQ(status_caps("CapPrm:"), p0);

	/* Every version; v1 writes one struct, v2 and v3 two. */
	memset(d1, 0xa5, sizeof(d1));
	CHECK_EQ(get(V1, 0, d1), 0);
	CHECK_EQ(d1[0].e, (uint32_t)e0);
	CHECK_EQ(d1[1].e, 0xa5a5a5a5);
	CHECK_EQ(get(V2, 0, d), 0);
	CHECK_EQ(d[1].p, (uint32_t)(p0 >> 32));
	/* The caller by pid; others do not exist; negative is EINVAL. */
	CHECK_EQ(get(V3, (int)SYS0(SYS_getpid), d), 0);
	CHECK_ERR(get(V3, NO_PID, d), ESRCH);
	CHECK_ERR(get(V3, -1, d), EINVAL);
	/* An unknown version: EINVAL, and the kernel's own is written. */
	h = (struct hdr){0x1234, 0};
	CHECK_ERR(SYS2(SYS_capget, &h, d), EINVAL);
	CHECK_EQ(h.version, V3);
	h = (struct hdr){0x1234, 0};
	CHECK_EQ(SYS2(SYS_capget, &h, NULL), 0);
	CHECK_EQ(h.version, V3);
	h = (struct hdr){0x1234, 0};
	CHECK_ERR(SYS2(SYS_capset, &h, d), EINVAL);
	CHECK_EQ(h.version, V3);
	CHECK_ERR(SYS2(SYS_capget, 1, d), EFAULT);
	CHECK_ERR(get(V3, 0, (void *)1), EFAULT);
	/* capset names only the caller. */
	h = (struct hdr){V3, NO_PID};
	CHECK_ERR(SYS2(SYS_capset, &h, d), EPERM);
	h = (struct hdr){V3, 0};
	CHECK_ERR(SYS2(SYS_capset, &h, (void *)1), EFAULT);

	/* The rest needs the capabilities the checks drop. */
	bit = 1ULL << CAP_MKNOD;
	if (!(e0 & bit) || !(p0 & (1ULL << CAP_SETPCAP)) ||
	    !(p0 & (1ULL << CAP_SYS_BOOT)) || !(e0 & (1ULL << CAP_SETPCAP)))
		return guest_done();
	/* Effective within permitted, dropped and raised again. */
	CHECK_EQ(set(e0 & ~bit, p0, i0), 0);
	caps(&e, &p, &i);
	CHECK_EQ(e, e0 & ~bit);
	CHECK_EQ(status_caps("CapEff:"), e0 & ~bit);
	CHECK_EQ(set(e0, p0, i0), 0);
	/* Permitted can only shrink; effective stays within it. */
	CHECK_EQ(set(e0 & ~bit, p0 & ~bit, i0), 0);
	CHECK_EQ(status_caps("CapPrm:"), p0 & ~bit);
	CHECK_ERR(set(e0 & ~bit, p0, i0), EPERM);
	CHECK_ERR(set(e0, p0 & ~bit, i0), EPERM);
	p = p0 & ~bit;
	e = e0 & ~bit;
	/* Inheritable: within the bounding set... */
	CHECK_EQ(prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0), 0);
	CHECK_ERR(set(e, p, i0 | 1ULL << CAP_SYS_BOOT), EPERM);
	CHECK_EQ(set(e, p, i0 | 1ULL << CAP_SYS_PTRACE), 0);
	CHECK_EQ(status_caps("CapInh:"), i0 | 1ULL << CAP_SYS_PTRACE);
	/* ...and without CAP_SETPCAP, within the old permitted set too. */
	e &= ~(1ULL << CAP_SETPCAP);
	CHECK_EQ(set(e, p, i0), 0);
	CHECK_ERR(set(e, p, i0 | bit), EPERM);
	CHECK_EQ(set(e, p, i0 | 1ULL << CAP_SYS_PTRACE), 0);
	caps(&e, &p, &i);
	CHECK_EQ(i, i0 | 1ULL << CAP_SYS_PTRACE);
	/* Version 1 sets the low 32 bits and clears the rest. */
	h = (struct hdr){V1, 0};
	d[0] = (struct data){(uint32_t)e, (uint32_t)p, 0};
	CHECK_EQ(SYS2(SYS_capset, &h, d), 0);
	caps(&e, &p, &i);
	CHECK_EQ(p, (uint32_t)(p0 & ~bit));
	CHECK_EQ(i, 0);
	CHECK_EQ(status_caps("CapPrm:"), p);
	return guest_done();
}
