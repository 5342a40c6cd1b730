// SPDX-License-Identifier: Apache-2.0
/*
 * linux.resources with host cgroups: the whole sandbox (sentry, gofer,
 * stubs, the terminal's relay) goes into one cgroup per container with
 * the memory and pids limits, as runsc puts its sandbox in the
 * container's cgroup; made for every container where the host lets moat,
 * so that update can set limits later. cgroup v2 where /sys/fs/cgroup is one
 * (memory.max, memory.swap.max, pids.max), else v1's memory and pids
 * hierarchies (memory.limit_in_bytes, memory.memsw.limit_in_bytes, pids.max).
 * The limits count host resources: the pids limit counts the sentry's threads
 * and the stubs, not the sandbox's processes.
 */
#include "tools/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup"

static int write_at(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* mkdir -p of dir, below CG_ROOT: 0 or -errno. */
static int make_dirs(char *dir)
{
	for (char *p = dir + strlen(CG_ROOT) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/*
 * The container's cgroup below a hierarchy: linux.cgroupsPath (systemd's
 * "slice:prefix:name" as runc reads it), else /moat/ID. -1 when hostile.
 */
static int rel_path(const struct oci_config *oc, const char *id, char *buf,
		    size_t len)
{
	const char *p = oc->cgroups_path;
	const char *c1 = p ? strchr(p, ':') : NULL;
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!p || !*p)
		snprintf(buf, len, "/moat/%s", id);
	else if (c2)
		snprintf(buf, len, "/%.*s/%.*s-%s.scope", (int)(c1 - p), p,
			 (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	else
		snprintf(buf, len, "%s%s", p[0] == '/' ? "" : "/", p);
	return strstr(buf, "/../") || !strcmp(buf + strlen(buf) - 3, "/..") ||
		       strstr(buf, "//")
		   ? -1
		   : 0;
}

/* cgroup v2: the controllers in want handed down from the root to dir. */
static void hand_down(const char *dir, const char *want)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	write_at(CG_ROOT, "cgroup.subtree_control", want);
	for (char *p = tmp + strlen(CG_ROOT) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		write_at(tmp, "cgroup.subtree_control", want);
		*p = '/';
	}
}

static void num(char *buf, size_t len, long long v, const char *unlimited)
{
	if (v < 0)
		snprintf(buf, len, "%s", unlimited);
	else
		snprintf(buf, len, "%lld", v);
}

static long long read_at(const char *dir, const char *file);

/* The first line of dir/file into buf ("" if none): 0 or -errno. */
static int read_line(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * A v1 cpuset directory made below CG_ROOT/cpuset, each new level given
 * its parent's cpus and mems (a cpuset without them takes no task): 0 or
 * -errno.
 */
static int make_cpuset_dirs(char *dir)
{
	char *p = dir + strlen(CG_ROOT "/cpuset");

	for (;;) {
		char *next = strchr(p + 1, '/');
		char val[512], parent[PATH_MAX];
		int e;

		if (next)
			*next = '\0';
		snprintf(parent, sizeof(parent), "%.*s", (int)(p - dir), dir);
		e = mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
		for (int i = 0; !e && i < 2; i++) {
			const char *f = i ? "cpuset.mems" : "cpuset.cpus";

			e = read_line(dir, f, val, sizeof(val));
			if (!e && !val[0]) {
				e = read_line(parent, f, val, sizeof(val));
				if (!e)
					e = write_at(dir, f, val);
			}
		}
		if (next)
			*next = '/';
		if (e || !next)
			return e;
		p = next;
	}
}

/* cpu.shares as cgroup v2's cpu.weight (runc's conversion). */
static long long shares_to_weight(long long shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

/*
 * c's limits into the cgroup directory dir of kind v2, v1's cpu or v1's
 * cpuset hierarchy (those that belong there): 0, or -errno with *what
 * the field.
 */
static int cpu_write(const char *dir, int kind, const struct oci_cpu *c,
		     const char **what)
{
	char val[64];
	int e = 0;

	if (kind == 0 || kind == 1) { /* v2, v1's cpu */
		bool v2 = kind == 0;

		if (c->rt_period != OCI_CG_KEEP ||
		    c->rt_runtime != OCI_CG_KEEP) {
			*what = "linux.resources.cpu.realtimeRuntime";
			if (v2)
				return -EOPNOTSUPP;
			if (c->rt_period != OCI_CG_KEEP) {
				*what = "linux.resources.cpu.realtimePeriod";
				num(val, sizeof(val), c->rt_period, "");
				e = write_at(dir, "cpu.rt_period_us", val);
			}
			if (!e && c->rt_runtime != OCI_CG_KEEP) {
				*what = "linux.resources.cpu.realtimeRuntime";
				snprintf(val, sizeof(val), "%lld",
					 c->rt_runtime);
				e = write_at(dir, "cpu.rt_runtime_us", val);
			}
		}
		if (!e && c->shares != OCI_CG_KEEP) {
			*what = "linux.resources.cpu.shares";
			num(val, sizeof(val),
			    v2 ? shares_to_weight(c->shares) : c->shares, "");
			e = write_at(dir, v2 ? "cpu.weight" : "cpu.shares",
				     val);
			/* The host may clamp it: as runc, that is an error. */
			if (!e && !v2 &&
			    read_at(dir, "cpu.shares") != c->shares)
				e = -ERANGE;
		}
		if (!e && v2 &&
		    (c->quota != OCI_CG_KEEP || c->period != OCI_CG_KEEP)) {
			char cur[64] = "", q[32], *sp;

			*what = "linux.resources.cpu.quota";
			read_line(dir, "cpu.max", cur, sizeof(cur));
			sp = strchr(cur, ' ');
			if (c->quota != OCI_CG_KEEP)
				num(q, sizeof(q), c->quota, "max");
			else
				snprintf(q, sizeof(q), "%.*s",
					 sp ? (int)(sp - cur) : 0, cur);
			if (c->period != OCI_CG_KEEP)
				snprintf(val, sizeof(val), "%s %lld",
					 q[0] ? q : "max", c->period);
			else
				snprintf(val, sizeof(val), "%s%s%s",
					 q[0] ? q : "max", sp ? " " : "",
					 sp ? sp + 1 : "");
			e = write_at(dir, "cpu.max", val);
		} else if (!e && (c->quota != OCI_CG_KEEP ||
				  c->period != OCI_CG_KEEP)) {
			char p[32], q[32];

			num(p, sizeof(p), c->period, "");
			num(q, sizeof(q), c->quota, "-1");
			/* period then quota; where the kernel refuses that
			 * order (a quota below the new period's), the
			 * other. */
			*what = "linux.resources.cpu.period";
			if (c->period != OCI_CG_KEEP)
				e = write_at(dir, "cpu.cfs_period_us", p);
			if (c->quota != OCI_CG_KEEP) {
				int e2 = write_at(dir, "cpu.cfs_quota_us", q);

				if (e == -EINVAL && !e2)
					e = write_at(dir, "cpu.cfs_period_us",
						     p);
				else if (!e)
					e = e2;
				if (e2)
					*what = "linux.resources.cpu.quota";
			}
		}
	}
	if (!e && (kind == 0 || kind == 2)) { /* v2, v1's cpuset */
		if (c->cpus) {
			*what = "linux.resources.cpu.cpus";
			e = write_at(dir, "cpuset.cpus", c->cpus);
		}
		if (!e && c->mems) {
			*what = "linux.resources.cpu.mems";
			e = write_at(dir, "cpuset.mems", c->mems);
		}
	}
	return e;
}

int oci_cgroup_setup(const struct oci_config *oc, const char *id, json_t **dirs,
		     char *err, size_t errlen)
{
	bool v2 = access(CG_ROOT "/cgroup.controllers", F_OK) == 0;
	bool mem = oc->mem_limit > 0 || oc->mem_reservation != OCI_CG_KEEP ||
		   oc->swappiness >= 0 || oc->disable_oom;
	bool pids = oc->pids_limit > 0;
	bool cpu = oci_cpu_set(&oc->cpu);
	char rel[PATH_MAX / 2], dir[PATH_MAX], val[32];
	const char *what = "linux.resources";
	int e = 0;

	*dirs = json_array();
	if (rel_path(oc, id, rel, sizeof(rel))) {
		snprintf(err, errlen,
			 "linux.cgroupsPath: %s: not a cgroup path",
			 oc->cgroups_path);
		return -1;
	}
	if (v2) {
		snprintf(dir, sizeof(dir), CG_ROOT "%s", rel);
		e = make_dirs(dir);
		/* All, so that update can set limits that create did not
		 * (cpu and cpuset apart: a host may lack them). */
		hand_down(dir, "+memory +pids");
		hand_down(dir, "+cpu");
		hand_down(dir, "+cpuset");
		if (!e && oc->mem_limit > 0) {
			what = "linux.resources.memory";
			num(val, sizeof(val), oc->mem_limit, "max");
			e = write_at(dir, "memory.max", val);
			if (!e && oc->mem_swap > 0) {
				num(val, sizeof(val),
				    oc->mem_swap - oc->mem_limit, "max");
				e = write_at(dir, "memory.swap.max", val);
			}
		}
		if (!e && oc->mem_reservation != OCI_CG_KEEP) {
			what = "linux.resources.memory.reservation";
			num(val, sizeof(val), oc->mem_reservation, "max");
			e = write_at(dir, "memory.low", val);
		}
		/* v2 has neither: refused by name, as runc refuses them. */
		if (!e && oc->swappiness >= 0) {
			what = "linux.resources.memory.swappiness";
			e = -EOPNOTSUPP;
		}
		if (!e && oc->disable_oom) {
			what = "linux.resources.memory.disableOOMKiller";
			e = -EOPNOTSUPP;
		}
		if (!e && pids) {
			what = "linux.resources.pids";
			num(val, sizeof(val), oc->pids_limit, "max");
			e = write_at(dir, "pids.max", val);
		}
		if (!e && cpu)
			e = cpu_write(dir, 0, &oc->cpu, &what);
		if (!e)
			json_array_append_new(*dirs, json_string(dir));
	} else {
		what = "linux.resources.memory";
		snprintf(dir, sizeof(dir), CG_ROOT "/memory%s", rel);
		e = make_dirs(dir);
		if (!e)
			json_array_append_new(*dirs, json_string(dir));
		num(val, sizeof(val), oc->mem_limit, "-1");
		if (!e && oc->mem_limit > 0)
			e = write_at(dir, "memory.limit_in_bytes", val);
		num(val, sizeof(val), oc->mem_swap, "-1");
		if (!e && oc->mem_swap > 0)
			e = write_at(dir, "memory.memsw.limit_in_bytes", val);
		if (!e && oc->mem_reservation != OCI_CG_KEEP) {
			what = "linux.resources.memory.reservation";
			num(val, sizeof(val), oc->mem_reservation, "-1");
			e = write_at(dir, "memory.soft_limit_in_bytes", val);
		}
		if (!e && oc->swappiness >= 0) {
			what = "linux.resources.memory.swappiness";
			snprintf(val, sizeof(val), "%d", oc->swappiness);
			e = write_at(dir, "memory.swappiness", val);
		}
		if (!e && oc->disable_oom) {
			what = "linux.resources.memory.disableOOMKiller";
			e = write_at(dir, "memory.oom_control", "1");
		}
		if (!e) {
			what = "linux.resources.pids";
			snprintf(dir, sizeof(dir), CG_ROOT "/pids%s", rel);
			e = make_dirs(dir);
			if (!e)
				json_array_append_new(*dirs, json_string(dir));
			num(val, sizeof(val), oc->pids_limit, "max");
			if (!e && pids)
				e = write_at(dir, "pids.max", val);
		}
		/* cpu and cpuset where the host has them (for update), or
		 * where the config asks. */
		for (int k = 1; !e && k <= 2; k++) {
			const char *h = k == 1 ? "cpu" : "cpuset";
			int e2;

			snprintf(dir, sizeof(dir), CG_ROOT "/%s", h);
			if (!cpu && access(dir, W_OK) != 0)
				continue;
			what = "linux.resources.cpu";
			snprintf(dir, sizeof(dir), CG_ROOT "/%s%s", h, rel);
			e2 = k == 1 ? make_dirs(dir) : make_cpuset_dirs(dir);
			if (!e2)
				json_array_append_new(*dirs, json_string(dir));
			if (!e2 && cpu)
				e2 = cpu_write(dir, k, &oc->cpu, &what);
			if (e2 && cpu)
				e = e2;
		}
	}
	/* Without limits, a host whose cgroups moat cannot use is no error:
	 * the sandbox then has none (and update says so). */
	if (e && !mem && !pids && !cpu) {
		oci_cgroup_remove(*dirs);
		json_array_clear(*dirs);
		return 0;
	}
	if (e) {
		snprintf(err, errlen,
			 "%s: cannot use the host's cgroups (%s): %s", what,
			 dir, strerror(-e));
		oci_cgroup_remove(*dirs);
		json_decref(*dirs);
		*dirs = NULL;
		return -1;
	}
	return 0;
}

int oci_cgroup_join(json_t *dirs, pid_t pid)
{
	char val[16];
	size_t i;
	json_t *d;

	snprintf(val, sizeof(val), "%d", (int)pid);
	json_array_foreach(dirs, i, d)
	{
		int e = write_at(json_string_value(d), "cgroup.procs", val);

		if (e)
			return e;
	}
	return 0;
}

void oci_cgroup_remove(json_t *dirs)
{
	size_t i;
	json_t *d;

	/* The sandbox's last processes may take a moment to be gone. */
	json_array_foreach(dirs, i, d)
	{
		for (int tries = 0; tries < 100; tries++) {
			struct timespec ts = {0, 10 * 1000 * 1000};

			if (rmdir(json_string_value(d)) == 0 || errno != EBUSY)
				break;
			nanosleep(&ts, NULL);
		}
	}
}

/* Which of moat's cgroup directories dir is. */
enum cg_kind {
	CG_V2,
	CG_V1_MEMORY,
	CG_V1_PIDS,
	CG_V1_CPU,
	CG_V1_CPUSET,
	CG_OTHER
};

static enum cg_kind kind_of(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (access(path, F_OK) == 0)
		return CG_V2;
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", dir);
	if (access(path, F_OK) == 0)
		return CG_V1_MEMORY;
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	if (access(path, F_OK) == 0)
		return CG_V1_PIDS;
	snprintf(path, sizeof(path), "%s/cpu.shares", dir);
	if (access(path, F_OK) == 0)
		return CG_V1_CPU;
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	return access(path, F_OK) == 0 ? CG_V1_CPUSET : CG_OTHER;
}

static long long read_at(const char *dir, const char *file)
{
	char path[PATH_MAX], buf[32] = "";
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && buf[0] >= '0' && buf[0] <= '9')
		v = strtoll(buf, NULL, 10);
	/* v1's "unlimited" is the largest page-aligned value. */
	return v >= (1LL << 62) ? -1 : v;
}

void oci_cgroup_limits(json_t *dirs, long long *mem, long long *pids)
{
	size_t i;
	json_t *d;

	*mem = *pids = -1;
	json_array_foreach(dirs, i, d)
	{
		const char *dir = json_string_value(d);

		switch (kind_of(dir)) {
		case CG_V2:
			*mem = read_at(dir, "memory.max");
			*pids = read_at(dir, "pids.max");
			break;
		case CG_V1_MEMORY:
			*mem = read_at(dir, "memory.limit_in_bytes");
			break;
		case CG_V1_PIDS:
			*pids = read_at(dir, "pids.max");
			break;
		default:
			break;
		}
	}
}

int oci_cgroup_update(json_t *dirs, long long mem, long long swap,
		      long long pids, char *err, size_t errlen)
{
	bool did_mem = mem == OCI_CG_KEEP && swap == OCI_CG_KEEP;
	bool did_pids = pids == OCI_CG_KEEP;
	char val[32], sw[32];
	const char *what = "";
	size_t i;
	json_t *d;
	int e = 0;

	json_array_foreach(dirs, i, d)
	{
		const char *dir = json_string_value(d);
		enum cg_kind k = kind_of(dir);

		if (!e && (k == CG_V2 || k == CG_V1_MEMORY) && !did_mem) {
			bool v2 = k == CG_V2;
			long long cur = read_at(
			    dir, v2 ? "memory.max" : "memory.limit_in_bytes");
			long long m = mem == OCI_CG_KEEP ? cur : mem;

			what = "memory";
			num(val, sizeof(val), m, v2 ? "max" : "-1");
			/* v2's swap.max is swap alone; v1's memsw the sum. */
			if (swap != OCI_CG_KEEP)
				num(sw, sizeof(sw),
				    v2 && swap > 0 && m > 0 ? swap - m : swap,
				    v2 ? "max" : "-1");
			if (mem != OCI_CG_KEEP)
				e = write_at(dir,
					     v2 ? "memory.max"
						: "memory.limit_in_bytes",
					     val);
			/* v1 wants memsw >= limit at every step: raising both,
			 * memsw goes first. */
			if (swap != OCI_CG_KEEP &&
			    (!e || (!v2 && e == -EINVAL))) {
				int e2 =
				    write_at(dir,
					     v2 ? "memory.swap.max"
						: "memory.memsw.limit_in_bytes",
					     sw);

				if (e && !e2 && mem != OCI_CG_KEEP)
					e2 = write_at(
					    dir, "memory.limit_in_bytes", val);
				e = e2;
			}
			did_mem = true;
		}
		if (!e && (k == CG_V2 || k == CG_V1_PIDS) && !did_pids) {
			what = "pids";
			num(val, sizeof(val), pids, "max");
			e = write_at(dir, "pids.max", val);
			did_pids = true;
		}
	}
	if (e) {
		snprintf(err, errlen, "cannot set the %s limit: %s", what,
			 strerror(-e));
		return -1;
	}
	if (!did_mem || !did_pids) {
		snprintf(err, errlen,
			 "cannot set the %s limit: the container has no host "
			 "cgroup for it (moat could not make one at create)",
			 did_mem ? "pids" : "memory");
		return -1;
	}
	return 0;
}

int oci_cgroup_budget(const char *rel, long long bytes, json_t **dirs,
		      int *procs_fd, char *err, size_t errlen)
{
	bool v2 = access(CG_ROOT "/cgroup.controllers", F_OK) == 0;
	char dir[PATH_MAX], path[PATH_MAX + 16], val[32];
	int e;

	*dirs = json_array();
	*procs_fd = -1;
	snprintf(dir, sizeof(dir), CG_ROOT "%s%s", v2 ? "" : "/memory", rel);
	if (v2)
		hand_down(dir, "+memory");
	e = make_dirs(dir);
	if (!e) {
		json_array_append_new(*dirs, json_string(dir));
		num(val, sizeof(val), bytes, "max");
		e = write_at(dir, v2 ? "memory.max" : "memory.limit_in_bytes",
			     val);
	}
	/* Nothing beyond it in swap, where the host counts swap. */
	if (!e)
		write_at(dir,
			 v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
			 v2 ? "0" : val);
	if (!e) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		*procs_fd = open(path, O_WRONLY | O_CLOEXEC);
		if (*procs_fd < 0)
			e = -errno;
	}
	if (e) {
		snprintf(err, errlen, "cannot use the host's cgroups (%s): %s",
			 dir, strerror(-e));
		oci_cgroup_remove(*dirs);
		json_decref(*dirs);
		*dirs = NULL;
		return -1;
	}
	return 0;
}

long long oci_cgroup_oom_kills(json_t *dirs)
{
	long long n = 0;
	size_t i;
	json_t *d;

	json_array_foreach(dirs, i, d)
	{
		const char *dir = json_string_value(d);
		char path[PATH_MAX], buf[1024], *p;
		ssize_t len;
		int fd;

		/* v2's memory.events, v1's memory.oom_control: "oom_kill N" */
		snprintf(path, sizeof(path), "%s/%s", dir,
			 kind_of(dir) == CG_V2 ? "memory.events"
					       : "memory.oom_control");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (p = buf; p;) {
			if (!strncmp(p, "oom_kill ", 9))
				n += strtoll(p + 9, NULL, 10);
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
		}
	}
	return n;
}

int oci_cgroup_update_cpu(json_t *dirs, const struct oci_cpu *c, char *err,
			  size_t errlen)
{
	bool cpu = c->shares != OCI_CG_KEEP || c->quota != OCI_CG_KEEP ||
		   c->period != OCI_CG_KEEP || c->rt_runtime != OCI_CG_KEEP ||
		   c->rt_period != OCI_CG_KEEP;
	bool cpuset = c->cpus || c->mems;
	const char *what = "cpu";
	size_t i;
	json_t *d;
	int e = 0;

	json_array_foreach(dirs, i, d)
	{
		const char *dir = json_string_value(d);
		enum cg_kind k = kind_of(dir);

		if (k == CG_V2 && (cpu || cpuset)) {
			e = cpu_write(dir, 0, c, &what);
			cpu = cpuset = false;
		} else if (k == CG_V1_CPU && cpu) {
			e = cpu_write(dir, 1, c, &what);
			cpu = false;
		} else if (k == CG_V1_CPUSET && cpuset) {
			e = cpu_write(dir, 2, c, &what);
			cpuset = false;
		}
		if (e) {
			snprintf(err, errlen, "cannot set %s: %s",
				 what + strlen("linux.resources."),
				 e == -ERANGE ? "out of the host's range"
					      : strerror(-e));
			return -1;
		}
	}
	if (cpu || cpuset) {
		snprintf(err, errlen,
			 "cannot set the %s limits: the container has no host "
			 "cgroup for them (moat could not make one at create)",
			 cpu ? "cpu" : "cpuset");
		return -1;
	}
	return 0;
}

int oci_cgroup_update_reservation(json_t *dirs, long long reservation,
				  char *err, size_t errlen)
{
	char val[32];
	size_t i;
	json_t *d;

	json_array_foreach(dirs, i, d)
	{
		const char *dir = json_string_value(d);
		enum cg_kind k = kind_of(dir);
		int e;

		if (k != CG_V2 && k != CG_V1_MEMORY)
			continue;
		num(val, sizeof(val), reservation, k == CG_V2 ? "max" : "-1");
		e = write_at(dir,
			     k == CG_V2 ? "memory.low"
					: "memory.soft_limit_in_bytes",
			     val);
		if (e) {
			snprintf(err, errlen,
				 "cannot set the memory reservation: %s",
				 strerror(-e));
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen,
		 "cannot set the memory reservation: the container has no "
		 "host cgroup for it (moat could not make one at create)");
	return -1;
}
