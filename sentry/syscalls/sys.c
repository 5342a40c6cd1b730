// SPDX-License-Identifier: Apache-2.0
/*
 * uname, sysinfo, getrusage, times, getrandom, personality and membarrier
 * (kernel/sys.c, drivers/char/random.c, kernel/exec_domain.c,
 * kernel/sched/membarrier.c).
 */
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/syscalls/syscalls.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

/* The kernel the sandbox presents itself as. */
#define MOAT_UTS_RELEASE "6.1.0"
#define MOAT_UTS_VERSION "#1 SMP PREEMPT_DYNAMIC moat"

/*
 * The release uname shows: under UNAME26 (override_release), 2.6.x with x
 * 60 more than the real minor version, for programs that parse 2.6
 * only; what follows the version number stays.
 */
static void uts_release(const struct task *t, char *buf, size_t len)
{
	const char *rest = MOAT_UTS_RELEASE, *minor;
	int dots = 0;

	if (!(t->personality & ABI_UNAME26)) {
		snprintf(buf, len, "%s", MOAT_UTS_RELEASE);
		return;
	}
	for (; *rest; rest++) {
		if (*rest == '.' && ++dots >= 3)
			break;
		if (!isdigit((unsigned char)*rest) && *rest != '.')
			break;
	}
	minor = strchr(MOAT_UTS_RELEASE, '.');
	snprintf(buf, len, "2.6.%ld%s", (minor ? atol(minor + 1) : 0) + 60,
		 rest);
}

SYSCALL(uname)
{
	struct abi_utsname u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	pthread_mutex_lock(&t->k->lock);
	memcpy(u.nodename, t->k->hostname, sizeof(u.nodename) - 1);
	memcpy(u.domainname, t->k->domainname, sizeof(u.domainname) - 1);
	pthread_mutex_unlock(&t->k->lock);
	uts_release(t, u.release, sizeof(u.release));
	strcpy(u.version, MOAT_UTS_VERSION);
	/* override_architecture: linux32's machine. */
	strcpy(u.machine, (t->personality & ABI_PER_MASK) == ABI_PER_LINUX32
			      ? "i686"
			      : "x86_64");
	return mm_copy_out(t->mm, a[0], &u, sizeof(u));
}

/*
 * sethostname and setdomainname (kernel/sys.c): CAP_SYS_ADMIN, then the
 * length (at most 64, as __NEW_UTS_LEN), then the bytes; the name is the
 * sandbox's own (its UTS namespace), shown by uname and /proc.
 */
static long set_uts(struct task *t, char *field, uint64_t uname, int64_t len)
{
	char buf[65];
	int err;

	if (!creds_capable(&t->creds, ABI_CAP_SYS_ADMIN))
		return -EPERM;
	if (len < 0 || len > 64)
		return -EINVAL;
	err = mm_copy_in(t->mm, buf, uname, (size_t)len);
	if (err)
		return err;
	pthread_mutex_lock(&t->k->lock);
	memcpy(field, buf, (size_t)len);
	memset(field + len, 0, 65 - (size_t)len);
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

SYSCALL(sethostname)
{
	return set_uts(t, t->k->hostname, a[0], (int)a[1]);
}

SYSCALL(setdomainname)
{
	return set_uts(t, t->k->domainname, a[0], (int)a[1]);
}

SYSCALL(sysinfo)
{
	struct abi_sysinfo si;
	struct sysinfo host;
	struct timespec up;

	memset(&si, 0, sizeof(si));
	kernel_uptime(t->k, &up);
	si.uptime = up.tv_sec + (up.tv_nsec ? 1 : 0);
	/* Memory is the host's, or the budget (--memory) without swap. */
	if (t->k->opts.mem_budget) {
		uint64_t total, free;

		kernel_memory(t->k, &total, &free);
		si.totalram = total;
		si.freeram = free;
		si.mem_unit = 1;
	} else if (sysinfo(&host) == 0) {
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

/*
 * CPU time t's thread (thread) or its process has used, as the platform
 * tells it (a thread it cannot tell of counts 0).
 */
static void task_cpu_time(struct task *t, bool thread, struct timespec *ts)
{
	if (!thread) {
		tg_cpu_time(t->k, t->tg, ts);
		return;
	}
	pthread_mutex_lock(&t->tg->lock);
	if (task_cpu_time_locked(t, ts))
		*ts = (struct timespec){0};
	pthread_mutex_unlock(&t->tg->lock);
}

/*
 * getrusage (kernel/sys.c): RUSAGE_SELF for the process (its threads, the
 * exited ones' too), RUSAGE_THREAD for the caller's thread (with the
 * process's peak RSS). Deviations: all CPU time is user time (the
 * platform tells only the total); ru_maxrss is the peak of the resident
 * sizes getrusage has seen, the current one included, not a true
 * high-water mark; fault, I/O, signal and context-switch counters are 0.
 * RUSAGE_CHILDREN sums the CPU time (and takes the peak RSS) of the
 * children reaped by wait and of the children they reaped.
 */
SYSCALL(getrusage)
{
	int who = (int)a[0];
	struct abi_rusage ru;
	struct timespec cpu;
	uint64_t rss;

	if (who != ABI_RUSAGE_SELF && who != ABI_RUSAGE_THREAD &&
	    who != ABI_RUSAGE_CHILDREN)
		return -EINVAL;
	memset(&ru, 0, sizeof(ru));
	if (who != ABI_RUSAGE_CHILDREN) {
		task_cpu_time(t, who == ABI_RUSAGE_THREAD, &cpu);
		ru.ru_utime.tv_sec = cpu.tv_sec;
		ru.ru_utime.tv_usec = cpu.tv_nsec / 1000;
		rss = mm_rss(t->mm);
		pthread_mutex_lock(&t->tg->lock);
		if (rss > t->tg->maxrss)
			t->tg->maxrss = rss;
		rss = t->tg->maxrss;
		pthread_mutex_unlock(&t->tg->lock);
		ru.ru_maxrss = (int64_t)(rss >> 10);
	} else {
		pthread_mutex_lock(&t->tg->lock);
		cpu = t->tg->cchild_cpu;
		rss = t->tg->cmaxrss;
		pthread_mutex_unlock(&t->tg->lock);
		ru.ru_utime.tv_sec = cpu.tv_sec;
		ru.ru_utime.tv_usec = cpu.tv_nsec / 1000;
		ru.ru_maxrss = (int64_t)(rss >> 10);
	}
	return mm_copy_out(t->mm, a[1], &ru, sizeof(ru));
}

/*
 * times (kernel/sys.c): CPU times in clock ticks, all of it user time
 * (see getrusage), the reaped children's too. Returns the ticks since the
 * sandbox booted, where Linux counts from a point shortly before the
 * host booted.
 */
SYSCALL(times)
{
	struct abi_tms tms = {0};
	struct timespec ts;
	int err;

	if (a[0]) {
		task_cpu_time(t, false, &ts);
		tms.tms_utime = ts.tv_sec * ABI_USER_HZ +
				ts.tv_nsec / (1000000000 / ABI_USER_HZ);
		pthread_mutex_lock(&t->tg->lock);
		ts = t->tg->cchild_cpu;
		pthread_mutex_unlock(&t->tg->lock);
		tms.tms_cutime = ts.tv_sec * ABI_USER_HZ +
				 ts.tv_nsec / (1000000000 / ABI_USER_HZ);
		err = mm_copy_out(t->mm, a[0], &tms, sizeof(tms));
		if (err)
			return err;
	}
	kernel_uptime(t->k, &ts);
	return ts.tv_sec * ABI_USER_HZ +
	       ts.tv_nsec / (1000000000 / ABI_USER_HZ);
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

/*
 * personality: any value is kept, as Linux keeps it; 0xffffffff only
 * asks. What it changes: READ_IMPLIES_EXEC (mmap.c; exec clears it, as
 * x86-64's does), UNAME26 and linux32's machine (uname). The other flags
 * have no effect (ADDR_NO_RANDOMIZE: the sandbox's layout is not
 * randomized anyway).
 */
SYSCALL(personality)
{
	uint32_t old = t->personality;

	if ((uint32_t)a[0] != 0xffffffff)
		t->personality = (uint32_t)a[0];
	return old;
}

#define MB_QUERY				0
#define MB_GLOBAL				(1 << 0)
#define MB_GLOBAL_EXPEDITED			(1 << 1)
#define MB_REGISTER_GLOBAL_EXPEDITED		(1 << 2)
#define MB_PRIVATE_EXPEDITED			(1 << 3)
#define MB_REGISTER_PRIVATE_EXPEDITED		(1 << 4)
#define MB_PRIVATE_EXPEDITED_SYNC_CORE		(1 << 5)
#define MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)
#define MB_PRIVATE_EXPEDITED_RSEQ		(1 << 7)
#define MB_REGISTER_PRIVATE_EXPEDITED_RSEQ	(1 << 8)
#define MB_GET_REGISTRATIONS			(1 << 9)
#define MB_FLAG_CPU				1

/* The commands that are barriers, and their registrations. */
#define MB_BARRIERS                                                            \
	(MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED |      \
	 MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED |                \
	 MB_PRIVATE_EXPEDITED_SYNC_CORE |                                      \
	 MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | MB_PRIVATE_EXPEDITED_RSEQ | \
	 MB_REGISTER_PRIVATE_EXPEDITED_RSEQ)

/* Does the host have MEMBARRIER_CMD_GLOBAL? 0 unknown, 1 yes, -1 no. */
static int host_mb_global;

static bool host_has_mb_global(void)
{
	int v = __atomic_load_n(&host_mb_global, __ATOMIC_RELAXED);

	if (!v) {
		long mask = syscall(SYS_membarrier, MB_QUERY, 0, 0);

		v = mask > 0 && (mask & MB_GLOBAL) ? 1 : -1;
		__atomic_store_n(&host_mb_global, v, __ATOMIC_RELAXED);
	}
	return v > 0;
}

/*
 * A barrier on every application thread the command covers that may be
 * running: all of the sandbox's (global), or those in t's address space.
 * The sentry serializes none of the application's code: while t is
 * stopped in the sentry (itself a full barrier for t's thread), the other
 * threads run on other host CPUs, in the stub processes, and may hold
 * stores in their buffers. Unless t's thread is the only one covered, the
 * host's MEMBARRIER_CMD_GLOBAL orders every running thread of the host,
 * the stubs' included, before this returns (as gVisor's platforms do).
 */
static long mb_barrier(struct task *t, bool global)
{
	bool alone;

	if (global) {
		pthread_mutex_lock(&t->k->lock);
		alone = t->k->live_tasks == 1;
		pthread_mutex_unlock(&t->k->lock);
	} else {
		/* Each task in it holds a reference (others: never fewer). */
		alone = __atomic_load_n(&t->mm->refs, __ATOMIC_ACQUIRE) == 1;
	}
	if (alone)
		return 0;
	if (syscall(SYS_membarrier, MB_GLOBAL, 0, 0) < 0) {
		log_warn_once("membarrier: the host's barrier failed: %s",
			      strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/*
 * membarrier: every command of x86-64 with CONFIG_RSEQ, with the
 * registrations the private ones need (-EPERM before), and the barriers
 * made by the host's (mb_barrier). Without MEMBARRIER_CMD_GLOBAL on the
 * host (nohz_full), no barrier command is offered: they are -EINVAL and
 * the query leaves them out, as Linux for the commands it lacks. The
 * rseq commands abort no critical section: rseq is not implemented.
 */
SYSCALL(membarrier)
{
	int cmd = (int)a[0];
	unsigned int flags = (unsigned int)a[1];
	struct mm *mm = t->mm;
	uint32_t reg;

	if (cmd == MB_PRIVATE_EXPEDITED_RSEQ) {
		if (flags && flags != MB_FLAG_CPU)
			return -EINVAL;
	} else if (flags) {
		return -EINVAL;
	}
	if (cmd > 0 && (cmd & MB_BARRIERS) && !host_has_mb_global())
		return -EINVAL;
	reg = __atomic_load_n(&mm->membarrier, __ATOMIC_ACQUIRE);
	switch (cmd) {
	case MB_QUERY:
		if (!host_has_mb_global())
			return MB_GET_REGISTRATIONS;
		return MB_GET_REGISTRATIONS * 2 - 1;
	case MB_GLOBAL:
	case MB_GLOBAL_EXPEDITED:
		return mb_barrier(t, true);
	case MB_PRIVATE_EXPEDITED:
	case MB_PRIVATE_EXPEDITED_SYNC_CORE:
	case MB_PRIVATE_EXPEDITED_RSEQ:
		/* Each needs its registration (the next bit). */
		if (!(reg & (uint32_t)(cmd << 1)))
			return -EPERM;
		return mb_barrier(t, false);
	case MB_REGISTER_GLOBAL_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
	case MB_REGISTER_PRIVATE_EXPEDITED_RSEQ:
		__atomic_fetch_or(&mm->membarrier, (uint32_t)cmd,
				  __ATOMIC_ACQ_REL);
		return 0;
	case MB_GET_REGISTRATIONS:
		return reg;
	}
	return -EINVAL;
}
