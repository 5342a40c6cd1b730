// SPDX-License-Identifier: Apache-2.0
/* uname, sysinfo and getrandom (kernel/sys.c, drivers/char/random.c). */
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysinfo.h>

/* The kernel the sandbox presents itself as. */
#define MOAT_UTS_RELEASE "6.1.0"
#define MOAT_UTS_VERSION "#1 SMP PREEMPT_DYNAMIC moat"

SYSCALL(uname)
{
	struct abi_utsname u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	memcpy(u.nodename, t->k->hostname, sizeof(u.nodename) - 1);
	strcpy(u.release, MOAT_UTS_RELEASE);
	strcpy(u.version, MOAT_UTS_VERSION);
	strcpy(u.machine, "x86_64");
	memcpy(u.domainname, t->k->domainname, sizeof(u.domainname) - 1);
	return mm_copy_out(t->mm, a[0], &u, sizeof(u));
}

SYSCALL(sysinfo)
{
	struct abi_sysinfo si;
	struct sysinfo host;
	struct timespec up;

	memset(&si, 0, sizeof(si));
	kernel_uptime(t->k, &up);
	si.uptime = up.tv_sec + (up.tv_nsec ? 1 : 0);
	/* Memory is the host's: the sandbox has no limit of its own yet. */
	if (sysinfo(&host) == 0) {
		si.totalram = host.totalram;
		si.freeram = host.freeram;
		si.sharedram = host.sharedram;
		si.bufferram = host.bufferram;
		si.totalswap = host.totalswap;
		si.freeswap = host.freeswap;
		si.mem_unit = host.mem_unit;
	}
	pthread_mutex_lock(&t->k->lock);
	si.procs = (uint16_t)t->k->live_tasks;
	pthread_mutex_unlock(&t->k->lock);
	return mm_copy_out(t->mm, a[0], &si, sizeof(si));
}

/* Fill host memory with the host's random bytes; 0 or -errno. */
static int fill_random(uint8_t *p, size_t len)
{
	while (len) {
		ssize_t r = getrandom(p, len, GRND_NONBLOCK | GRND_INSECURE);

		if (r < 0 && errno == EINVAL)
			r = getrandom(p, len, 0); /* hosts before 5.6 */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/*
 * getrandom: the host's generator, written straight into the application's
 * memory. As the kernel's, a buffer that runs into a fault is filled up to
 * the fault and its length returned; EFAULT only when nothing was written.
 */
SYSCALL(getrandom)
{
	uint64_t buf = a[0], len = a[1];
	unsigned int flags = (unsigned int)a[2];
	struct iovec iov[16];
	uint64_t done = 0;

	if (flags & ~(unsigned int)(ABI_GRND_NONBLOCK | ABI_GRND_RANDOM |
				    ABI_GRND_INSECURE))
		return -EINVAL;
	if ((flags & ABI_GRND_INSECURE) && (flags & ABI_GRND_RANDOM))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (!user_access_ok(buf, len))
		return -EFAULT;
	if (len == 0)
		return 0;
	while (done < len) {
		size_t covered;
		int n, err;

		n = mm_iovecs(t->mm, buf + done, len - done, ABI_PROT_WRITE,
			      iov, (int)ARRAY_SIZE(iov), &covered);
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			err = fill_random(iov[i].iov_base, iov[i].iov_len);
			if (err)
				return done ? (long)done : err;
			done += iov[i].iov_len;
		}
	}
	return done ? (long)done : -EFAULT;
}
