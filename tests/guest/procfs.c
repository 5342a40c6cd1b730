// SPDX-License-Identifier: Apache-2.0
/*
 * /proc of the calling process: the 52 fields of stat, the keys of status
 * in Linux's order with signal masks that follow sigprocmask, sigaction
 * and pending signals, maps against smaps and smaps_rollup (one block per
 * mapping, Size and Rss as the mapping's pages), statm against status,
 * the task directory with its one thread, /proc/thread-self, and the
 * column layout of maps and limits. Values that differ between machines
 * (addresses, sizes of the C library's mappings) are checked for their
 * shape only.
 */
#include "guest.h"

#include <cpuid.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096UL

static char text[1 << 20];  /* a file's contents */
static char text2[1 << 20]; /* a second file, to compare with the first */
static char roll[8192];	    /* smaps_rollup */
static int data_var = 42;   /* lives in the executable's data */

/* Read all of path into buf (NUL-terminated): its length, or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
	long fd = SYS3(SYS_open, path, O_RDONLY, 0), n = 0, len = 0;

	if (fd < 0)
		return fd;
	while ((size_t)len < size - 1 &&
	       (n = SYS3(SYS_read, fd, buf + len, size - 1 - len)) > 0)
		len += n;
	SYS1(SYS_close, fd);
	buf[len] = '\0';
	return n < 0 ? n : len;
}

/* The line after p's, or the end of the text. */
static char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return (char *)(nl ? nl + 1 : p + strlen(p));
}

/* The value after "key:" at a line start in text, or NULL. */
static const char *field(const char *s, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = s; *p; p = next_line(p))
		if (!strncmp(p, key, n) && p[n] == ':')
			return p + n + 1;
	return NULL;
}

static unsigned long long field_num(const char *s, const char *key, int base)
{
	const char *v = field(s, key);

	return v ? strtoull(v, NULL, base) : ~0ULL;
}

/*
 * Do the keys appear at line starts of s in this order (others may come
 * between them)? Returns the index of the first one missing or out of
 * order, or -1.
 */
static int keys_in_order(const char *s, const char *const *keys)
{
	const char *p = s;

	for (int i = 0; keys[i]; i++) {
		size_t n = strlen(keys[i]);

		while (*p && !(!strncmp(p, keys[i], n) && p[n] == ':'))
			p = next_line(p);
		if (!*p)
			return i;
	}
	return -1;
}

/* Split /proc/PID/stat: fields[0..] point into s; returns how many. */
static int stat_fields(char *s, char **fields, int max, char *comm, size_t len)
{
	char *open = strchr(s, '('), *close = strrchr(s, ')');
	int n = 0;

	if (!open || !close || close < open)
		return -1;
	snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
	fields[n++] = s;
	fields[n++] = open;
	for (char *p = close + 1; *p && n < max;) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return n;
}

static unsigned long long stat_num(char **f, int i)
{
	return strtoull(f[i - 1], NULL, 10); /* fields count from 1 */
}

static void read_comm(char *comm, size_t len)
{
	char buf[64];
	long n = slurp("/proc/self/comm", buf, sizeof(buf));

	CHECK(n > 1 && buf[n - 1] == '\n');
	if (n > 0)
		buf[n - 1] = '\0';
	snprintf(comm, len, "%s", n > 0 ? buf : "");
}

/* The [stack] mapping's range from maps. */
static void stack_range(unsigned long *lo, unsigned long *hi)
{
	*lo = *hi = 0;
	CHECK(slurp("/proc/self/maps", text2, sizeof(text2)) > 0);
	for (char *p = text2; *p; p = next_line(p)) {
		char *nl = next_line(p) - 1;

		if (nl - p > 7 && !strncmp(nl - 7, "[stack]", 7))
			sscanf(p, "%lx-%lx", lo, hi);
	}
	CHECK(*lo && *hi > *lo);
}

static void check_stat(void)
{
	char *f[64], comm[32], want[32];
	unsigned long lo, hi;
	long n, cmdlen;
	int nf;

	read_comm(want, sizeof(want));
	cmdlen = slurp("/proc/self/cmdline", text2, sizeof(text2));
	CHECK(cmdlen > 0);
	n = slurp("/proc/self/stat", text, sizeof(text));
	CHECK(n > 0 && text[n - 1] == '\n');
	nf = stat_fields(text, f, 64, comm, sizeof(comm));
	CHECK_EQ(nf, 52);
	if (nf != 52)
		return;
	CHECK_EQ(stat_num(f, 1), getpid());
	CHECK(!strcmp(comm, want));
	CHECK(f[2][0] == 'R' && f[2][1] == ' ');
	CHECK_EQ(stat_num(f, 4), getppid());
	CHECK_EQ(stat_num(f, 20), 1);			 /* num_threads */
	CHECK_EQ(stat_num(f, 38), SIGCHLD);		 /* exit_signal */
	CHECK(stat_num(f, 23) > 0);			 /* vsize */
	CHECK(stat_num(f, 24) > 0);			 /* rss */
	CHECK(stat_num(f, 26) <= (uintptr_t)check_stat); /* startcode */
	CHECK(stat_num(f, 27) > (uintptr_t)check_stat);	 /* endcode */
	CHECK(stat_num(f, 45) <= (uintptr_t)&data_var);	 /* start_data */
	CHECK(stat_num(f, 46) > (uintptr_t)&data_var);	 /* end_data */
	/* arg_start..arg_end is what cmdline shows; env after it. */
	CHECK_EQ(stat_num(f, 49) - stat_num(f, 48), cmdlen);
	CHECK(stat_num(f, 50) >= stat_num(f, 49));
	CHECK(stat_num(f, 51) > stat_num(f, 50));
	/* startstack: the initial stack pointer, below the arguments. */
	stack_range(&lo, &hi);
	CHECK(stat_num(f, 28) >= lo && stat_num(f, 28) < hi);
	CHECK(stat_num(f, 28) < stat_num(f, 48));
	CHECK(stat_num(f, 47) > 0); /* start_brk */
}

static const char *const status_keys[] = {
    "Name",
    "Umask",
    "State",
    "Tgid",
    "Ngid",
    "Pid",
    "PPid",
    "TracerPid",
    "Uid",
    "Gid",
    "FDSize",
    "Groups",
    "NStgid",
    "NSpid",
    "NSpgid",
    "NSsid",
    "VmPeak",
    "VmSize",
    "VmLck",
    "VmPin",
    "VmHWM",
    "VmRSS",
    "RssAnon",
    "RssFile",
    "RssShmem",
    "VmData",
    "VmStk",
    "VmExe",
    "VmLib",
    "VmPTE",
    "VmSwap",
    "HugetlbPages",
    "CoreDumping",
    "THP_enabled",
    "Threads",
    "SigQ",
    "SigPnd",
    "ShdPnd",
    "SigBlk",
    "SigIgn",
    "SigCgt",
    "CapInh",
    "CapPrm",
    "CapEff",
    "CapBnd",
    "CapAmb",
    "NoNewPrivs",
    "Seccomp",
    "Seccomp_filters",
    "Speculation_Store_Bypass",
    "SpeculationIndirectBranch",
    "Cpus_allowed",
    "Cpus_allowed_list",
    "Mems_allowed",
    "Mems_allowed_list",
    "voluntary_ctxt_switches",
    "nonvoluntary_ctxt_switches",
    NULL,
};

#define BIT(sig) (1ULL << ((sig)-1))

static unsigned long long status_mask(const char *key)
{
	CHECK(slurp("/proc/self/status", text, sizeof(text)) > 0);
	return field_num(text, key, 16);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void check_status(void)
{
	char comm[32], line[64];
	const char *v;
	uint64_t set, old;
	long tid = SYS0(SYS_gettid);
	int missing;

	read_comm(comm, sizeof(comm));
	SYS1(SYS_umask, 027);
	CHECK(slurp("/proc/self/status", text, sizeof(text)) > 0);
	missing = keys_in_order(text, status_keys);
	CHECK_EQ(missing, -1);
	if (missing >= 0)
		fprintf(stderr, "status: %s missing or out of order\n",
			status_keys[missing]);
	snprintf(line, sizeof(line), "Name:\t%s\n", comm);
	CHECK(!strncmp(text, line, strlen(line)));
	v = field(text, "Umask");
	CHECK(v && !strncmp(v, "\t0027\n", 6));
	CHECK_EQ(field_num(text, "Tgid", 10), getpid());
	CHECK_EQ(field_num(text, "Pid", 10), tid);
	CHECK_EQ(field_num(text, "PPid", 10), getppid());
	CHECK_EQ(field_num(text, "Uid", 10), getuid());
	CHECK_EQ(field_num(text, "Gid", 10), getgid());
	CHECK_EQ(field_num(text, "Threads", 10), 1);
	CHECK(field_num(text, "FDSize", 10) >= 64);
	/* Groups ends with a space, even when there are none. */
	v = field(text, "Groups");
	CHECK(v && strchr(v, '\n') && strchr(v, '\n')[-1] == ' ');
	CHECK(field_num(text, "VmRSS", 10) <= field_num(text, "VmSize", 10));
	CHECK(field_num(text, "VmRSS", 10) > 0);
	CHECK(field_num(text, "VmPeak", 10) >= field_num(text, "VmSize", 10));
	CHECK_EQ(field_num(text, "VmRSS", 10),
		 field_num(text, "RssAnon", 10) +
		     field_num(text, "RssFile", 10) +
		     field_num(text, "RssShmem", 10));
	v = field(text, "SigBlk");
	CHECK(v && strlen(v) > 17 && v[0] == '\t' && v[17] == '\n');
	SYS1(SYS_umask, 022);

	/* SigBlk: the mask, exactly (the raw call: no libc filtering). */
	set = BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGRTMIN + 2);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &set, &old, 8), 0);
	CHECK_EQ(status_mask("SigBlk"), set);

	/* SigCgt: a handler; SigIgn: SIG_IGN; neither once default. */
	signal(SIGHUP, on_signal);
	signal(SIGTERM, SIG_IGN);
	CHECK(status_mask("SigCgt") & BIT(SIGHUP));
	CHECK(!(status_mask("SigIgn") & BIT(SIGHUP)));
	CHECK(status_mask("SigIgn") & BIT(SIGTERM));
	CHECK(!(status_mask("SigCgt") & BIT(SIGTERM)));
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	CHECK(!(status_mask("SigCgt") & BIT(SIGHUP)));
	CHECK(!(status_mask("SigIgn") & BIT(SIGTERM)));

	/* raise is tgkill: the thread's own pending set; kill: shared. */
	CHECK_EQ(SYS3(SYS_tgkill, getpid(), tid, SIGUSR1), 0);
	CHECK_EQ(SYS2(SYS_kill, getpid(), SIGUSR2), 0);
	CHECK_EQ(status_mask("SigPnd"), BIT(SIGUSR1));
	CHECK_EQ(status_mask("ShdPnd"), BIT(SIGUSR2));
	CHECK(field_num(text, "SigQ", 10) >= 2);
	v = field(text, "SigQ");
	CHECK(v && strchr(v, '/'));
	/* stat's obsolete signal field: the thread's pending set. */
	{
		char *f[64], c[32];

		CHECK(slurp("/proc/self/stat", text, sizeof(text)) > 0);
		CHECK_EQ(stat_fields(text, f, 64, c, sizeof(c)), 52);
		CHECK_EQ(stat_num(f, 31), BIT(SIGUSR1));
		CHECK_EQ(stat_num(f, 32), set & 0x7fffffff);
	}
	{
		siginfo_t si;
		struct timespec zero = {0, 0};
		uint64_t both = BIT(SIGUSR1) | BIT(SIGUSR2);

		CHECK_EQ(SYS4(SYS_rt_sigtimedwait, &both, &si, &zero, 8),
			 SIGUSR1);
		CHECK_EQ(SYS4(SYS_rt_sigtimedwait, &both, &si, &zero, 8),
			 SIGUSR2);
	}
	CHECK_EQ(status_mask("SigPnd"), 0);
	CHECK_EQ(status_mask("ShdPnd"), 0);
	CHECK_EQ(SYS4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8), 0);
	CHECK_EQ(status_mask("SigBlk"), old);
}

static void check_statm(void)
{
	unsigned long long size, res, shared, txt, lib, data, dt;

	/* Read status last: statm's numbers must not be newer. */
	CHECK(slurp("/proc/self/statm", text2, sizeof(text2)) > 0);
	CHECK_EQ(sscanf(text2, "%llu %llu %llu %llu %llu %llu %llu", &size,
			&res, &shared, &txt, &lib, &data, &dt),
		 7);
	CHECK(slurp("/proc/self/status", text, sizeof(text)) > 0);
	CHECK_EQ(size * 4, field_num(text, "VmSize", 10));
	CHECK(res <= size);
	CHECK_EQ(txt * 4, field_num(text, "VmExe", 10));
	CHECK_EQ(data * 4,
		 field_num(text, "VmData", 10) + field_num(text, "VmStk", 10));
	CHECK_EQ(lib, 0);
	CHECK_EQ(dt, 0);
}

static const char *const smaps_keys[] = {
    "Size",
    "KernelPageSize",
    "MMUPageSize",
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Referenced",
    "Anonymous",
    "LazyFree",
    "AnonHugePages",
    "ShmemPmdMapped",
    "FilePmdMapped",
    "Shared_Hugetlb",
    "Private_Hugetlb",
    "Swap",
    "SwapPss",
    "Locked",
    "THPeligible",
    "VmFlags",
    NULL,
};

static const char *const rollup_keys[] = {
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Pss_Anon",
    "Pss_File",
    "Pss_Shmem",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Referenced",
    "Anonymous",
    "LazyFree",
    "AnonHugePages",
    "ShmemPmdMapped",
    "FilePmdMapped",
    "Shared_Hugetlb",
    "Private_Hugetlb",
    "Swap",
    "SwapPss",
    "Locked",
    NULL,
};

/* Is flag ("rd") in the VmFlags line of block? */
static bool vm_flag(const char *block, const char *flag)
{
	const char *p = strstr(block, "\nVmFlags:");
	size_t n = strlen(flag);

	for (p = p ? p + 9 : ""; *p && *p != '\n'; p++)
		if (p[-1] == ' ' && !strncmp(p, flag, n) && p[n] == ' ')
			return true;
	return false;
}

/* Is this line a maps header ("start-end perms ...")? */
static bool is_header(const char *p, unsigned long *lo, unsigned long *hi)
{
	char perms[8];

	return sscanf(p, "%lx-%lx %7s", lo, hi, perms) == 3 &&
	       strlen(perms) == 4;
}

/* The smaps block of the mapping [lo, hi) in text, or NULL. */
static char *smaps_block(char *s, unsigned long lo, unsigned long hi)
{
	unsigned long a, b;

	for (char *p = s; *p; p = next_line(p))
		if (is_header(p, &a, &b) && a == lo && b == hi)
			return p;
	return NULL;
}

/* A line of a block ("Rss: ... kB"), in kB; the block ends at VmFlags. */
static unsigned long long block_kb(const char *block, const char *key)
{
	const char *end = strstr(block, "\nVmFlags:");
	const char *v = field(block, key);

	return v && end && v < end ? strtoull(v, NULL, 10) : ~0ULL;
}

static void check_maps_layout(void)
{
	int named = 0;

	/* A name starts at column 73, after the padded header. */
	CHECK(slurp("/proc/self/maps", text, sizeof(text)) > 0);
	for (char *p = text; *p; p = next_line(p)) {
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int end = 0;

		CHECK_EQ(sscanf(p, "%lx-%lx %7s %lx %x:%x %lu%n", &lo, &hi,
				perms, &off, &maj, &min, &ino, &end),
			 7);
		CHECK(end > 0 && p[end] == ' ');
		if (end <= 0 || p[end + 1] == '\n')
			continue; /* anonymous: the line ends "0 " */
		named++;
		while (p[end] == ' ')
			end++;
		CHECK_EQ(end, 73);
	}
	CHECK(named >= 1); /* [stack] at least */
}

static void check_smaps(void)
{
	char *m = text2, *s = text, *blk;
	unsigned long lo, hi;
	unsigned long long rss_sum = 0, pss_sum = 0;
	int blocks = 0, headers = 0;

	CHECK(slurp("/proc/self/smaps_rollup", roll, sizeof(roll)) > 0);
	CHECK(slurp("/proc/self/maps", text2, sizeof(text2)) > 0);
	{
		CHECK(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
		CHECK_EQ(keys_in_order(next_line(roll), rollup_keys), -1);
		CHECK(strstr(roll, "[rollup]\n") &&
		      strstr(roll, "[rollup]\n") < next_line(roll));
		for (m = text2; *m; m = next_line(m)) {
			CHECK(is_header(m, &lo, &hi));
			blk = smaps_block(s, lo, hi);
			CHECK(blk != NULL);
			if (!blk)
				continue;
			blocks++;
			/* The block's header is the maps line itself. */
			CHECK(!strncmp(blk, m, next_line(m) - m));
			CHECK_EQ(keys_in_order(next_line(blk), smaps_keys), -1);
			CHECK_EQ(block_kb(blk, "Size"), (hi - lo) / 1024);
			CHECK_EQ(block_kb(blk, "KernelPageSize"), 4);
			CHECK(block_kb(blk, "Rss") <= block_kb(blk, "Size"));
			CHECK(block_kb(blk, "Pss") <= block_kb(blk, "Rss"));
			CHECK_EQ(block_kb(blk, "Shared_Clean") +
				     block_kb(blk, "Shared_Dirty") +
				     block_kb(blk, "Private_Clean") +
				     block_kb(blk, "Private_Dirty"),
				 block_kb(blk, "Rss"));
			rss_sum += block_kb(blk, "Rss");
			pss_sum += block_kb(blk, "Pss");
		}
		for (char *p = s; *p; p = next_line(p))
			headers += is_header(p, &lo, &hi);
		CHECK_EQ(headers, blocks);
		/* The rollup sums the blocks (its own reads in between). */
		CHECK(field_num(roll, "Rss", 10) <= rss_sum + 64 &&
		      field_num(roll, "Rss", 10) + 64 >= rss_sum);
		CHECK(field_num(roll, "Pss", 10) <= pss_sum + 64);
		CHECK_EQ(field_num(roll, "Pss_Anon", 10) +
			     field_num(roll, "Pss_File", 10) +
			     field_num(roll, "Pss_Shmem", 10),
			 field_num(roll, "Pss", 10));
	}
}

/* Rss of a mapping follows the pages written and dropped. */
static void check_smaps_rss(void)
{
	char *base, *p, *shared, *blk;
	unsigned long lo, hi;

	/* PROT_NONE guards on both sides keep the mapping apart. */
	base =
	    mmap(NULL, 18 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED);
	if (base == MAP_FAILED)
		return;
	p = base + PG;
	lo = (unsigned long)p;
	hi = lo + 16 * PG;
	CHECK_EQ(mprotect(p, 16 * PG, PROT_READ | PROT_WRITE), 0);
	madvise(p, 16 * PG, MADV_NOHUGEPAGE);
	CHECK(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
	blk = smaps_block(text, lo, hi);
	CHECK(blk != NULL);
	if (blk) {
		CHECK_EQ(block_kb(blk, "Size"), 64);
		CHECK_EQ(block_kb(blk, "Rss"), 0);
	}
	p[0] = p[3 * PG] = p[5 * PG + 100] = p[16 * PG - 1] = 1;
	CHECK(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
	blk = smaps_block(text, lo, hi);
	CHECK(blk != NULL);
	if (blk) {
		CHECK_EQ(block_kb(blk, "Rss"), 16);
		CHECK_EQ(block_kb(blk, "Anonymous"), 16);
		CHECK_EQ(block_kb(blk, "Private_Dirty"), 16);
		CHECK(strstr(blk, "VmFlags: rd wr "));
		CHECK(vm_flag(blk, "mr") && vm_flag(blk, "me"));
		CHECK(!vm_flag(blk, "ex") && !vm_flag(blk, "sh"));
		/* The header: rw-p, offset 0, no device, no inode. */
		CHECK(
		    !strncmp(strchr(blk, ' '), " rw-p 00000000 00:00 0 ", 23));
	}
	CHECK_EQ(madvise(p + 3 * PG, 3 * PG, MADV_DONTNEED), 0);
	CHECK(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
	blk = smaps_block(text, lo, hi);
	CHECK(blk && block_kb(blk, "Rss") == 8);
	munmap(base, 18 * PG);

	/* Shared anonymous memory is shmem: resident, not Anonymous. */
	shared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	if (shared == MAP_FAILED)
		return;
	shared[PG] = 1;
	CHECK(slurp("/proc/self/smaps", text, sizeof(text)) > 0);
	blk = smaps_block(text, (unsigned long)shared,
			  (unsigned long)shared + 4 * PG);
	CHECK(blk != NULL);
	if (blk) {
		CHECK(strstr(blk, " rw-s "));
		CHECK_EQ(block_kb(blk, "Rss"), 4);
		CHECK_EQ(block_kb(blk, "Anonymous"), 0);
		CHECK(vm_flag(blk, "sh") && vm_flag(blk, "ms"));
	}
	munmap(shared, 4 * PG);
}

static void check_tasks(void)
{
	char path[128], want[64], comm[32], self_comm[32], *f[64];
	long tid = SYS0(SYS_gettid), fd, n;
	struct stat st;
	int entries = 0, found = 0;

	/* task/ holds exactly the one thread, named by its tid. */
	fd = SYS3(SYS_open, "/proc/self/task", O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0);
	while (fd >= 0 &&
	       (n = SYS3(SYS_getdents64, fd, text, sizeof(text))) > 0) {
		for (long off = 0; off < n;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(text + off);

			if (strcmp(d->name, ".") && strcmp(d->name, "..")) {
				entries++;
				found += strtol(d->name, NULL, 10) == tid;
				CHECK_EQ(d->type, DT_DIR);
			}
			off += d->reclen;
		}
	}
	SYS1(SYS_close, fd);
	CHECK_EQ(entries, 1);
	CHECK_EQ(found, 1);

	/* The thread's stat: pid is the tid, comm is the process's. */
	read_comm(self_comm, sizeof(self_comm));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_EQ(stat_fields(text, f, 64, comm, sizeof(comm)), 52);
	CHECK_EQ(stat_num(f, 1), tid);
	CHECK(!strcmp(comm, self_comm));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", tid);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	snprintf(want, sizeof(want), "%s\n", self_comm);
	CHECK(!strcmp(text, want));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	CHECK_EQ(field_num(text, "Pid", 10), tid);
	CHECK_EQ(field_num(text, "Tgid", 10), getpid());
	snprintf(path, sizeof(path), "/proc/self/task/%ld/cmdline", tid);
	n = slurp(path, text, sizeof(text));
	CHECK(n > 0);
	CHECK_EQ(slurp("/proc/self/cmdline", text2, sizeof(text2)), n);
	CHECK(n > 0 && !memcmp(text, text2, n));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/maps", tid);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/smaps", tid);
	CHECK(slurp(path, text, sizeof(text)) > 0);
	/* No task/ beneath a thread; no other thread. */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/task", tid);
	CHECK_ERR(SYS2(SYS_stat, path, &st), ENOENT);
	snprintf(path, sizeof(path), "/proc/self/task/%ld", tid + 100000);
	CHECK_ERR(SYS2(SYS_stat, path, &st), ENOENT);

	/* thread-self names the thread's directory. */
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), tid);
	n = SYS3(SYS_readlink, "/proc/thread-self", path, sizeof(path));
	CHECK_EQ(n, (long)strlen(want));
	CHECK(n > 0 && !strncmp(path, want, n));
	CHECK_EQ(SYS2(SYS_lstat, "/proc/thread-self", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_EQ(SYS2(SYS_stat, "/proc/thread-self", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK(slurp("/proc/thread-self/comm", text, sizeof(text)) > 0);
	snprintf(want, sizeof(want), "%s\n", self_comm);
	CHECK(!strcmp(text, want));
}

/* limits: a 26+21+21 column table; the units column only where set. */
static void check_limits(void)
{
	int lines = 0;

	CHECK(slurp("/proc/self/limits", text, sizeof(text)) > 0);
	CHECK(!strncmp(text, "Limit                     Soft Limit", 36));
	for (char *p = next_line(text); *p; p = next_line(p)) {
		long len = next_line(p) - 1 - p;

		lines++;
		if (!strncmp(p, "Max nice priority", 17) ||
		    !strncmp(p, "Max realtime priority", 21))
			CHECK_EQ(len, 68);
		else
			CHECK_EQ(len, 78);
	}
	CHECK_EQ(lines, 16);
}

/*
 * /proc/cpuinfo: one block per online CPU, numbered from 0, with the
 * vendor CPUID gives and the flags every x86-64 CPU has.
 */
static void check_cpuinfo(void)
{
	unsigned a, b, c, d;
	char vendor[13];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), blocks = 0;

	CHECK(slurp("/proc/cpuinfo", text, sizeof(text)) > 0);
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	for (const char *p = text; *p; p = next_line(p)) {
		char want[32];

		if (strncmp(p, "processor\t: ", 12))
			continue;
		snprintf(want, sizeof(want), "processor\t: %ld\n", blocks);
		CHECK(!strncmp(p, want, strlen(want)));
		blocks++;
	}
	CHECK_EQ(blocks, ncpu);
	{
		const char *v = field(text, "vendor_id\t");
		const char *f = field(text, "flags\t\t");

		CHECK(v && !strncmp(v, " ", 1) && !strncmp(v + 1, vendor, 12));
		CHECK(f && strstr(f, " fpu ") == f);
		CHECK(f && strstr(f, " sse2 ") && strstr(f, " lm ") &&
		      strstr(f, " nx "));
		CHECK(field(text, "model name\t") != NULL);
		CHECK(field(text, "cpu family\t") != NULL);
		CHECK(field(text, "address sizes\t") != NULL);
	}
}

int main(void)
{
	check_cpuinfo();
	check_stat();
	check_status();
	check_statm();
	check_maps_layout();
	check_smaps();
	check_smaps_rss();
	check_tasks();
	check_limits();
	return guest_done();
}
