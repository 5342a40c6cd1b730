// SPDX-License-Identifier: Apache-2.0
/*
 * Credentials: the set*id family with Linux's permission rules and the
 * capability changes of commoncap's cap_emulate_setxuid (kernel/sys.c,
 * kernel/groups.c, security/commoncap.c). The sandbox's user starts as
 * root with every capability, in a user namespace of its own.
 */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_ID ((uint32_t)-1)

/* Capabilities that follow the fsuid (CAP_FS_MASK). */
#define CAP_FS_MASK                                                            \
	((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | \
	 (1ULL << 9) | (1ULL << 27) | (1ULL << 32))

#define SECBIT_KEEP_CAPS       0x10
#define SECBIT_NO_SETUID_FIXUP 0x04

SYSCALL(getuid)
{
	return t->creds.ruid;
}

SYSCALL(geteuid)
{
	return t->creds.euid;
}

SYSCALL(getgid)
{
	return t->creds.rgid;
}

SYSCALL(getegid)
{
	return t->creds.egid;
}

/* Capability changes after a uid change, as cap_emulate_setxuid. */
static void fixup_caps(struct creds *c, const struct creds *old)
{
	if (c->securebits & SECBIT_NO_SETUID_FIXUP)
		return;
	if ((old->ruid == 0 || old->euid == 0 || old->suid == 0) &&
	    (c->ruid != 0 && c->euid != 0 && c->suid != 0) &&
	    !(c->securebits & SECBIT_KEEP_CAPS)) {
		c->cap_permitted = 0;
		c->cap_effective = 0;
		c->cap_ambient = 0;
	}
	if (old->euid == 0 && c->euid != 0)
		c->cap_effective = 0;
	if (old->euid != 0 && c->euid == 0)
		c->cap_effective = c->cap_permitted;
	if (old->fsuid == 0 && c->fsuid != 0)
		c->cap_effective &= ~CAP_FS_MASK;
	if (old->fsuid != 0 && c->fsuid == 0)
		c->cap_effective |= c->cap_permitted & CAP_FS_MASK;
}

static bool is_one_of(uint32_t id, uint32_t a, uint32_t b, uint32_t c)
{
	return id == a || id == b || id == c;
}

SYSCALL(setuid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t uid = (uint32_t)a[0];

	if (uid == NO_ID)
		return -EINVAL;
	if (creds_capable(c, ABI_CAP_SETUID)) {
		c->ruid = c->suid = uid;
	} else if (uid != c->ruid && uid != c->suid) {
		return -EPERM;
	}
	c->euid = c->fsuid = uid;
	fixup_caps(c, &old);
	return 0;
}

SYSCALL(setreuid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t ruid = (uint32_t)a[0], euid = (uint32_t)a[1];
	bool priv = creds_capable(c, ABI_CAP_SETUID);

	if (ruid != NO_ID && !priv && ruid != old.ruid && ruid != old.euid)
		return -EPERM;
	if (euid != NO_ID && !priv &&
	    !is_one_of(euid, old.ruid, old.euid, old.suid))
		return -EPERM;
	if (ruid != NO_ID)
		c->ruid = ruid;
	if (euid != NO_ID)
		c->euid = euid;
	if (ruid != NO_ID || (euid != NO_ID && euid != old.ruid))
		c->suid = c->euid;
	c->fsuid = c->euid;
	fixup_caps(c, &old);
	return 0;
}

SYSCALL(setresuid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1], s = (uint32_t)a[2];

	/* A no-op changes nothing, not even the fsuid (as Linux 6.x). */
	if ((r == NO_ID || r == old.ruid) &&
	    (e == NO_ID || (e == old.euid && e == old.fsuid)) &&
	    (s == NO_ID || s == old.suid))
		return 0;
	if (!creds_capable(c, ABI_CAP_SETUID)) {
		if (r != NO_ID && !is_one_of(r, old.ruid, old.euid, old.suid))
			return -EPERM;
		if (e != NO_ID && !is_one_of(e, old.ruid, old.euid, old.suid))
			return -EPERM;
		if (s != NO_ID && !is_one_of(s, old.ruid, old.euid, old.suid))
			return -EPERM;
	}
	if (r != NO_ID)
		c->ruid = r;
	if (e != NO_ID)
		c->euid = e;
	if (s != NO_ID)
		c->suid = s;
	c->fsuid = c->euid;
	fixup_caps(c, &old);
	return 0;
}

SYSCALL(setfsuid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t uid = (uint32_t)a[0];

	if (uid == NO_ID)
		return old.fsuid;
	if (is_one_of(uid, c->ruid, c->euid, c->suid) || uid == c->fsuid ||
	    creds_capable(c, ABI_CAP_SETUID)) {
		c->fsuid = uid;
		fixup_caps(c, &old);
	}
	return old.fsuid;
}

SYSCALL(getresuid)
{
	uint32_t ids[3] = {t->creds.ruid, t->creds.euid, t->creds.suid};
	int err;

	for (int i = 0; i < 3; i++) {
		err = mm_copy_out(t->mm, a[i], &ids[i], sizeof(ids[i]));
		if (err)
			return err;
	}
	return 0;
}

SYSCALL(setgid)
{
	struct creds *c = &t->creds;
	uint32_t gid = (uint32_t)a[0];

	if (gid == NO_ID)
		return -EINVAL;
	if (creds_capable(c, ABI_CAP_SETGID))
		c->rgid = c->sgid = gid;
	else if (gid != c->rgid && gid != c->sgid)
		return -EPERM;
	c->egid = c->fsgid = gid;
	return 0;
}

SYSCALL(setregid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t rgid = (uint32_t)a[0], egid = (uint32_t)a[1];
	bool priv = creds_capable(c, ABI_CAP_SETGID);

	if (rgid != NO_ID && !priv && rgid != old.rgid && rgid != old.egid)
		return -EPERM;
	if (egid != NO_ID && !priv &&
	    !is_one_of(egid, old.rgid, old.egid, old.sgid))
		return -EPERM;
	if (rgid != NO_ID)
		c->rgid = rgid;
	if (egid != NO_ID)
		c->egid = egid;
	if (rgid != NO_ID || (egid != NO_ID && egid != old.rgid))
		c->sgid = c->egid;
	c->fsgid = c->egid;
	return 0;
}

SYSCALL(setresgid)
{
	struct creds *c = &t->creds, old = t->creds;
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1], s = (uint32_t)a[2];

	/* A no-op changes nothing, not even the fsgid (as Linux 6.x). */
	if ((r == NO_ID || r == old.rgid) &&
	    (e == NO_ID || (e == old.egid && e == old.fsgid)) &&
	    (s == NO_ID || s == old.sgid))
		return 0;
	if (!creds_capable(c, ABI_CAP_SETGID)) {
		if (r != NO_ID && !is_one_of(r, old.rgid, old.egid, old.sgid))
			return -EPERM;
		if (e != NO_ID && !is_one_of(e, old.rgid, old.egid, old.sgid))
			return -EPERM;
		if (s != NO_ID && !is_one_of(s, old.rgid, old.egid, old.sgid))
			return -EPERM;
	}
	if (r != NO_ID)
		c->rgid = r;
	if (e != NO_ID)
		c->egid = e;
	if (s != NO_ID)
		c->sgid = s;
	c->fsgid = c->egid;
	return 0;
}

SYSCALL(setfsgid)
{
	struct creds *c = &t->creds;
	uint32_t old = c->fsgid, gid = (uint32_t)a[0];

	if (gid == NO_ID)
		return old;
	if (is_one_of(gid, c->rgid, c->egid, c->sgid) || gid == c->fsgid ||
	    creds_capable(c, ABI_CAP_SETGID))
		c->fsgid = gid;
	return old;
}

SYSCALL(getresgid)
{
	uint32_t ids[3] = {t->creds.rgid, t->creds.egid, t->creds.sgid};
	int err;

	for (int i = 0; i < 3; i++) {
		err = mm_copy_out(t->mm, a[i], &ids[i], sizeof(ids[i]));
		if (err)
			return err;
	}
	return 0;
}

SYSCALL(getgroups)
{
	int size = (int)a[0];
	int n = t->creds.ngroups;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return n;
	if (size < n)
		return -EINVAL;
	return mm_copy_out(t->mm, a[1], t->creds.groups,
			   (size_t)n * sizeof(uint32_t))
		   ?: n;
}

static int cmp_gid(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

SYSCALL(setgroups)
{
	int size = (int)a[0];
	uint32_t *groups = NULL, *old;
	int err;

	if (!creds_capable(&t->creds, ABI_CAP_SETGID))
		return -EPERM;
	if (size < 0 || size > ABI_NGROUPS_MAX)
		return -EINVAL;
	if (size > 0) {
		groups = malloc((size_t)size * sizeof(*groups));
		if (!groups)
			return -ENOMEM;
		err = mm_copy_in(t->mm, groups, a[1],
				 (size_t)size * sizeof(*groups));
		if (err) {
			free(groups);
			return err;
		}
		/* The kernel keeps them sorted (groups_sort). */
		qsort(groups, (size_t)size, sizeof(*groups), cmp_gid);
	}
	/* Under the group's lock: /proc/PID/status reads them from others. */
	pthread_mutex_lock(&t->tg->lock);
	old = t->creds.groups;
	t->creds.groups = groups;
	t->creds.ngroups = size;
	pthread_mutex_unlock(&t->tg->lock);
	free(old);
	return 0;
}

/* Capability header versions (linux/capability.h). */
#define CAP_VERSION_1 0x19980330
#define CAP_VERSION_2 0x20071026
#define CAP_VERSION_3 0x20080522

struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/*
 * The number of data structs the header's version takes (1 or 2), or
 * -EINVAL after writing the preferred version back (cap_validate_magic).
 */
static int cap_validate_magic(struct task *t, uint64_t uhdr, int *n)
{
	uint32_t version, v3 = CAP_VERSION_3;
	int err;

	err = mm_copy_in(t->mm, &version, uhdr, sizeof(version));
	if (err)
		return err;
	switch (version) {
	case CAP_VERSION_1:
		*n = 1;
		return 0;
	case CAP_VERSION_2:
	case CAP_VERSION_3:
		*n = 2;
		return 0;
	}
	return mm_copy_out(t->mm, uhdr, &v3, sizeof(v3)) ?: -EINVAL;
}

/*
 * capget: the sets of the task hdr.pid names (0: the caller), any task of
 * the sandbox, a zombie's too; ESRCH if none.
 */
SYSCALL(capget)
{
	struct cap_header hdr;
	struct cap_data d[2];
	uint64_t e, p, i;
	struct task *o;
	int n, err;

	err = cap_validate_magic(t, a[0], &n);
	/* A NULL data pointer just asks for the preferred version. */
	if (!a[1] || err)
		return !a[1] && err == -EINVAL ? 0 : err;
	err = mm_copy_in(t->mm, &hdr, a[0], sizeof(hdr));
	if (err)
		return err;
	if (hdr.pid < 0)
		return -EINVAL;
	o = task_find_get(t, hdr.pid);
	if (!o)
		return -ESRCH;
	/* Another task's sets are its own to change: read under its lock. */
	pthread_mutex_lock(&o->tg->lock);
	e = o->creds.cap_effective;
	p = o->creds.cap_permitted;
	i = o->creds.cap_inheritable;
	pthread_mutex_unlock(&o->tg->lock);
	task_find_put(o);
	for (int k = 0; k < 2; k++) {
		d[k].effective = (uint32_t)(e >> (32 * k));
		d[k].permitted = (uint32_t)(p >> (32 * k));
		d[k].inheritable = (uint32_t)(i >> (32 * k));
	}
	return mm_copy_out(t->mm, a[1], d, (size_t)n * sizeof(d[0]));
}

/*
 * capset: the caller's own sets, with commoncap's cap_capset rules. Any
 * other pid is EPERM, as since Linux 2.6.24 (no CAP_SETPCAP over others).
 */
SYSCALL(capset)
{
	struct cap_header hdr;
	struct cap_data d[2] = {{0}};
	struct creds *c = &t->creds;
	uint64_t e, p, i;
	int n, err;

	err = cap_validate_magic(t, a[0], &n);
	if (err)
		return err;
	err = mm_copy_in(t->mm, &hdr, a[0], sizeof(hdr));
	if (err)
		return err;
	if (hdr.pid != 0 && hdr.pid != t->tid)
		return -EPERM;
	err = mm_copy_in(t->mm, d, a[1], (size_t)n * sizeof(d[0]));
	if (err)
		return err;
	e = (d[0].effective | (uint64_t)d[1].effective << 32) &
	    ABI_CAP_FULL_SET;
	p = (d[0].permitted | (uint64_t)d[1].permitted << 32) &
	    ABI_CAP_FULL_SET;
	i = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) &
	    ABI_CAP_FULL_SET;
	/* Without CAP_SETPCAP, new inheritable bits must be permitted. */
	if (!creds_capable(c, ABI_CAP_SETPCAP) &&
	    (i & ~(c->cap_inheritable | c->cap_permitted)))
		return -EPERM;
	if (i & ~(c->cap_inheritable | c->cap_bounding))
		return -EPERM;
	if (p & ~c->cap_permitted)
		return -EPERM;
	if (e & ~p)
		return -EPERM;
	/* Under the group's lock: capget reads them from other tasks. */
	pthread_mutex_lock(&t->tg->lock);
	c->cap_effective = e;
	c->cap_permitted = p;
	c->cap_inheritable = i;
	/* An ambient capability stays only while permitted and inheritable. */
	c->cap_ambient &= p & i;
	pthread_mutex_unlock(&t->tg->lock);
	return 0;
}
