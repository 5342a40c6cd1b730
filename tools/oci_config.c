// SPDX-License-Identifier: Apache-2.0
/*
 * config.json: the OCI runtime spec's configuration, read into the
 * sentry's configuration. Each field is honoured, or rejected with an
 * error that names it; fields moat does not know are ignored, as the spec
 * asks. What is accepted without effect is so because the sandbox already
 * gives it (a namespace: every sandbox has all of its own) or because ignoring
 * it cannot widen what the application reaches (mount propagation).
 */
#include "tools/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

static const char *const rlimit_names[] = {
    "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",	"RLIMIT_STACK",
    "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",	"RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",	"RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

int oci_cap_number(const char *name)
{
	for (int i = 0; i < NCAPS; i++)
		if (!strcmp(name, cap_names[i]))
			return i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? cap_names[cap] : NULL;
}

int oci_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#define FAIL(...) oci_fail(err, errlen, __VA_ARGS__)

/* An optional boolean field: 0 (absent: *out untouched) or -1. */
static int get_bool(json_t *o, const char *key, const char *where, bool *out,
		    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return FAIL("%s%s: must be true or false", where, key);
	*out = json_is_true(v);
	return 0;
}

/* An integer in [min, max]: 0 (absent: 1) or -1. */
static int get_int(json_t *o, const char *key, const char *where, long long min,
		   long long max, long long *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return FAIL("%s%s: must be an integer from %lld to %lld", where,
			    key, min, max);
	*out = json_integer_value(v);
	return 0;
}

/* A NULL-terminated copy of an array of strings; NULL after FAIL. */
static char **get_strings(json_t *a, const char *where, char *err,
			  size_t errlen)
{
	size_t n = json_array_size(a);
	char **v;

	if (!json_is_array(a)) {
		FAIL("%s: must be an array of strings", where);
		return NULL;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		FAIL("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(a, i);

		if (!json_is_string(s)) {
			FAIL("%s[%zu]: must be a string", where, i);
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
		v[i] = strdup(json_string_value(s));
	}
	return v;
}

int oci_parse_caps(json_t *caps, struct sentry_config *cfg, char *err,
		   size_t errlen)
{
	static const char *const sets[] = {"bounding", "effective", "permitted",
					   "inheritable", "ambient"};
	uint64_t *dst[] = {&cfg->cap_bounding, &cfg->cap_effective,
			   &cfg->cap_permitted, &cfg->cap_inheritable,
			   &cfg->cap_ambient};

	if (!json_is_object(caps))
		return FAIL("process.capabilities: must be an object");
	cfg->caps_set = true;
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		json_t *a = json_object_get(caps, sets[s]), *v;
		size_t i;

		if (!a)
			continue;
		if (!json_is_array(a))
			return FAIL("process.capabilities.%s: must be an "
				    "array of capability names",
				    sets[s]);
		json_array_foreach(a, i, v)
		{
			int cap = json_is_string(v)
				      ? oci_cap_number(json_string_value(v))
				      : -1;

			if (cap < 0)
				return FAIL("process.capabilities.%s[%zu]: "
					    "unknown capability %s",
					    sets[s], i,
					    json_is_string(v)
						? json_string_value(v)
						: "(not a string)");
			*dst[s] |= 1ULL << cap;
		}
	}
	return 0;
}

int oci_parse_rlimits(json_t *a, struct sentry_config *cfg, char *err,
		      size_t errlen)
{
	size_t i;
	json_t *r;

	if (!json_is_array(a))
		return FAIL("process.rlimits: must be an array");
	json_array_foreach(a, i, r)
	{
		json_t *type = json_object_get(r, "type");
		json_t *hard = json_object_get(r, "hard");
		json_t *soft = json_object_get(r, "soft");
		int res = -1;

		for (int k = 0;
		     json_is_string(type) &&
		     k < (int)(sizeof(rlimit_names) / sizeof(rlimit_names[0]));
		     k++)
			if (!strcmp(json_string_value(type), rlimit_names[k]))
				res = k;
		if (res < 0)
			return FAIL("process.rlimits[%zu].type: unknown "
				    "resource limit",
				    i);
		if (!json_is_integer(hard) || !json_is_integer(soft))
			return FAIL("process.rlimits[%zu]: hard and soft must "
				    "be integers",
				    i);
		if ((uint64_t)json_integer_value(soft) >
		    (uint64_t)json_integer_value(hard))
			return FAIL("process.rlimits[%zu]: soft is above "
				    "hard",
				    i);
		if (cfg->nrlimits == SENTRY_RLIMITS_MAX)
			return FAIL("process.rlimits: too many");
		cfg->rlimits[cfg->nrlimits++] = (struct sentry_rlimit){
		    .resource = res,
		    .cur = (uint64_t)json_integer_value(soft),
		    .max = (uint64_t)json_integer_value(hard)};
	}
	return 0;
}

static int parse_user(json_t *u, struct oci_config *oc, char *err,
		      size_t errlen)
{
	struct sentry_config *cfg = &oc->cfg;
	json_t *groups, *v;
	long long x;
	size_t i;

	if (!json_is_object(u))
		return FAIL("process.user: must be an object");
	if (get_int(u, "uid", "process.user.", 0, 0xfffffffeLL, &x, err,
		    errlen) < 0)
		return -1;
	cfg->uid = json_object_get(u, "uid") ? (uint32_t)x : 0;
	if (get_int(u, "gid", "process.user.", 0, 0xfffffffeLL, &x, err,
		    errlen) < 0)
		return -1;
	cfg->gid = json_object_get(u, "gid") ? (uint32_t)x : 0;
	switch (
	    get_int(u, "umask", "process.user.", 0, 0777, &x, err, errlen)) {
	case -1:
		return -1;
	case 0:
		cfg->umask_set = true;
		cfg->umask = (uint32_t)x;
		break;
	}
	groups = json_object_get(u, "additionalGids");
	if (groups && !json_is_array(groups))
		return FAIL("process.user.additionalGids: must be an array");
	json_array_foreach(groups, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 0xfffffffeLL)
			return FAIL("process.user.additionalGids[%zu]: must "
				    "be a gid",
				    i);
		if (i == sizeof(oc->groups) / sizeof(oc->groups[0]))
			return FAIL("process.user.additionalGids: more than "
				    "%zu",
				    i);
		oc->groups[i] = (uint32_t)json_integer_value(v);
		cfg->ngroups = (int)i + 1;
	}
	cfg->groups = oc->groups;
	return 0;
}

/* The value of NAME in envp, or NULL. */
static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/*
 * process.args[0] as execvp would find it on the container's $PATH, in
 * the sandbox's terms: malloc'd, or NULL.
 */
static char *find_in_rootfs(const char *prog, const char *rootfs, char **envp)
{
	const char *path = env_get(envp, "PATH"), *p;
	char buf[PATH_MAX], host[PATH_MAX * 2];

	if (strchr(prog, '/'))
		return strdup(prog);
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	for (p = path;; p = strchr(p, ':') + 1) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct stat st;

		if (len && snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p,
				    prog) < (int)sizeof(buf)) {
			snprintf(host, sizeof(host), "%s%s", rootfs, buf);
			if (stat(host, &st) == 0 && S_ISREG(st.st_mode))
				return strdup(buf);
		}
		if (!end)
			break;
	}
	return NULL;
}

static int parse_process(json_t *p, struct oci_config *oc, char *err,
			 size_t errlen)
{
	static const char *const unsupported[] = {"ioPriority", "scheduler",
						  "execCPUAffinity"};
	struct sentry_config *cfg = &oc->cfg;
	json_t *cwd, *v;
	long long x;

	if (!json_is_object(p))
		return FAIL("process: missing, or not an object");
	v = json_object_get(p, "args");
	if (!v || !json_array_size(v))
		return FAIL("process.args: must be a non-empty array of "
			    "strings");
	oc->argv = get_strings(v, "process.args", err, errlen);
	if (!oc->argv)
		return -1;
	v = json_object_get(p, "env");
	oc->envp = v ? get_strings(v, "process.env", err, errlen)
		     : calloc(1, sizeof(char *));
	if (!oc->envp)
		return -1;
	cwd = json_object_get(p, "cwd");
	if (!json_is_string(cwd) || json_string_value(cwd)[0] != '/')
		return FAIL("process.cwd: must be an absolute path");
	cfg->cwd = json_string_value(cwd);
	if (get_bool(p, "terminal", "process.", &oc->terminal, err, errlen) ||
	    get_bool(p, "noNewPrivileges", "process.", &cfg->no_new_privs, err,
		     errlen))
		return -1;
	v = json_object_get(p, "user");
	if (v && parse_user(v, oc, err, errlen))
		return -1;
	v = json_object_get(p, "capabilities");
	if (v && oci_parse_caps(v, cfg, err, errlen))
		return -1;
	v = json_object_get(p, "rlimits");
	if (v && oci_parse_rlimits(v, cfg, err, errlen))
		return -1;
	switch (get_int(p, "oomScoreAdj", "process.", -1000, 1000, &x, err,
			errlen)) {
	case -1:
		return -1;
	case 0:
		oc->oom_score_adj_set = true;
		oc->oom_score_adj = (int)x;
		cfg->oom_score_adj = (int)x;
		break;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]);
	     i++)
		if (json_object_get(p, unsupported[i]))
			return FAIL("process.%s: not supported by moat",
				    unsupported[i]);
	cfg->argv = oc->argv;
	cfg->envp = oc->envp;
	cfg->path = find_in_rootfs(oc->argv[0], oc->rootfs, oc->envp);
	if (!cfg->path)
		return FAIL("exec: \"%s\": executable file not found in $PATH",
			    oc->argv[0]);
	cfg->exe_in_sandbox = true;
	return 0;
}

/* Mount options moat honours, or accepts as the sandbox already is. */
static int bind_option(const char *o, struct sentry_bind *b)
{
	static const char *const accepted[] = {
	    "bind",	   "rbind",    "rw",	     "private", "rprivate",
	    "slave",	   "rslave",   "shared",     "rshared", "unbindable",
	    "runbindable", "relatime", "norelatime", "noatime", "strictatime",
	    "nodiratime",  "dev",      "suid",	     "exec",	"nosuid",
	    "nodev",
	};

	if (!strcmp(o, "ro")) {
		b->ro = true;
		return 0;
	}
	if (!strcmp(o, "noexec")) {
		b->noexec = true;
		return 0;
	}
	/* A filesystem's data (mode=, size=): Linux ignores it in a bind. */
	if (strchr(o, '='))
		return 0;
	/* nosuid, nodev: the sandbox has neither set-id execution across a
	 * bind nor host devices. */
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (!strcmp(o, accepted[i]))
			return 0;
	return -1;
}

static bool has_option(json_t *opts, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    opts, i, v) if (json_is_string(v) &&
			    !strcmp(json_string_value(v), name)) return true;
	return false;
}

/*
 * A filesystem's own options: the mount flags, a tmpfs' mode; the rest
 * (size=, gid=, ptmxmode=, atime and propagation flags) is accepted as
 * the sandbox's filesystems already are, or without effect inside it.
 */
static int fs_options(json_t *opts, size_t i, struct sentry_mount *sm,
		      char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint32_t set, clear;
	} flags[] = {
	    {"ro", SENTRY_MNT_RDONLY, 0},     {"rw", 0, SENTRY_MNT_RDONLY},
	    {"nosuid", SENTRY_MNT_NOSUID, 0}, {"suid", 0, SENTRY_MNT_NOSUID},
	    {"nodev", SENTRY_MNT_NODEV, 0},   {"dev", 0, SENTRY_MNT_NODEV},
	    {"noexec", SENTRY_MNT_NOEXEC, 0}, {"exec", 0, SENTRY_MNT_NOEXEC},
	};
	size_t k;
	json_t *v;

	json_array_foreach(opts, k, v)
	{
		const char *o = json_string_value(v);
		char *end;

		if (!o)
			return FAIL("mounts[%zu].options[%zu]: must be a "
				    "string",
				    i, k);
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (!strcmp(o, flags[f].name))
				sm->flags = (sm->flags | flags[f].set) &
					    ~flags[f].clear;
		if (strncmp(o, "mode=", 5) || strcmp(sm->type, "tmpfs"))
			continue;
		errno = 0;
		sm->mode = (uint32_t)strtoul(o + 5, &end, 8);
		if (errno || end == o + 5 || *end || sm->mode > 07777)
			return FAIL("mounts[%zu].options[%zu]: %s is not an "
				    "octal mode",
				    i, k, o);
	}
	return 0;
}

static int parse_mount(json_t *m, size_t i, struct oci_config *oc, char *err,
		       size_t errlen)
{
	/* Filesystems the sentry makes itself, anywhere. */
	static const char *const own[] = {"proc", "sysfs", "tmpfs", "devpts",
					  "mqueue"};
	/* Filesystems moat has none of, accepted at their usual places and
	 * left out (README: Known gaps). */
	static const struct {
		const char *type, *dst;
	} absent[] = {
	    {"cgroup", "/sys/fs/cgroup"},
	    {"cgroup2", "/sys/fs/cgroup"},
	};
	struct sentry_config *cfg = &oc->cfg;
	json_t *dst = json_object_get(m, "destination");
	json_t *type = json_object_get(m, "type");
	json_t *src = json_object_get(m, "source");
	json_t *opts = json_object_get(m, "options"), *v;
	struct sentry_mount *sm;
	const char *t, *d;
	struct sentry_bind *b;
	char *host;
	size_t k;

	if (!json_is_object(m))
		return FAIL("mounts[%zu]: must be an object", i);
	if (!json_is_string(dst) || json_string_value(dst)[0] != '/')
		return FAIL("mounts[%zu].destination: must be an absolute "
			    "path",
			    i);
	if (type && !json_is_string(type))
		return FAIL("mounts[%zu].type: must be a string", i);
	if (src && !json_is_string(src))
		return FAIL("mounts[%zu].source: must be a string", i);
	if (opts && !json_is_array(opts))
		return FAIL("mounts[%zu].options: must be an array of "
			    "strings",
			    i);
	d = json_string_value(dst);
	t = type ? json_string_value(type) : "";
	if (cfg->nmounts == SENTRY_MOUNTS_MAX)
		return FAIL("mounts[%zu]: more than %d mounts", i,
			    SENTRY_MOUNTS_MAX);
	sm = &cfg->mounts[cfg->nmounts];
	*sm = (struct sentry_mount){.dst = d, .bind = -1};
	if (strcmp(t, "bind") && strcmp(t, "none") && t[0]) {
		for (k = 0; k < sizeof(absent) / sizeof(absent[0]); k++)
			if (!strcmp(t, absent[k].type) &&
			    !strcmp(d, absent[k].dst))
				return 0;
		for (k = 0; k < sizeof(own) / sizeof(own[0]); k++)
			if (!strcmp(t, own[k]))
				break;
		if (k == sizeof(own) / sizeof(own[0]))
			return FAIL("mounts[%zu]: a %s mount at %s is not "
				    "supported by moat",
				    i, t, d);
		sm->type = own[k];
		sm->source = src ? json_string_value(src) : t;
		sm->mode = strcmp(d, "/dev") ? 01777 : 0755;
		if (fs_options(opts, i, sm, err, errlen))
			return -1;
		cfg->nmounts++;
		return 0;
	}
	if (!has_option(opts, "bind") && !has_option(opts, "rbind"))
		return FAIL("mounts[%zu].type: missing (a bind mount needs "
			    "the bind or rbind option)",
			    i);
	if (!src)
		return FAIL("mounts[%zu].source: must be a path", i);
	if (cfg->nbinds == SENTRY_BINDS_MAX)
		return FAIL("mounts[%zu]: more than %d bind mounts", i,
			    SENTRY_BINDS_MAX);
	b = &cfg->binds[cfg->nbinds];
	*b = (struct sentry_bind){0};
	json_array_foreach(opts, k, v)
	{
		if (!json_is_string(v) ||
		    bind_option(json_string_value(v), b) < 0)
			return FAIL("mounts[%zu].options[%zu]: %s is not "
				    "supported by moat",
				    i, k,
				    json_is_string(v) ? json_string_value(v)
						      : "(not a string)");
	}
	/* A relative source is the bundle's (we run in the bundle). */
	host = realpath(json_string_value(src), NULL);
	if (!host)
		return FAIL("mounts[%zu].source: %s: %s", i,
			    json_string_value(src), strerror(errno));
	oc->paths[cfg->nbinds] = host;
	b->src = host;
	b->dst = d;
	sm->type = "bind";
	sm->source = host;
	sm->bind = cfg->nbinds++;
	cfg->nmounts++;
	return 0;
}

/*
 * linux.resources: memory (limit, swap) and pids (limit), for the host
 * cgroups of the whole sandbox (oci_cgroup.c); device rules are moot (the
 * sandbox has no host device); anything else is refused by name.
 */
bool oci_cpu_set(const struct oci_cpu *c)
{
	return c->shares != OCI_CG_KEEP || c->quota != OCI_CG_KEEP ||
	       c->period != OCI_CG_KEEP || c->rt_runtime != OCI_CG_KEEP ||
	       c->rt_period != OCI_CG_KEEP || c->cpus || c->mems;
}

/* A cpu or memory node list as cpuset takes it ("0-3,5"), or "". */
static bool cpu_list_ok(const char *s, size_t len)
{
	if (strlen(s) != len || len > 256)
		return false;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != ',' && *s != '-')
			return false;
	return true;
}

int oci_parse_cpu(json_t *v, const char *where, struct oci_cpu *c, char *err,
		  size_t errlen)
{
	static const struct {
		const char *key;
		long long min, max;
	} nums[] = {
	    /* 0 is "not set" for each, as runc reads them. */
	    {"shares", 0, 262144},
	    {"quota", -1, INT64_MAX},
	    {"period", 0, 1000000},
	    {"realtimeRuntime", -1, INT64_MAX},
	    {"realtimePeriod", 0, INT64_MAX},
	};
	long long *dst[] = {&c->shares, &c->quota, &c->period, &c->rt_runtime,
			    &c->rt_period};
	const char *key;
	char prefix[64];
	json_t *x;

	if (!json_is_object(v))
		return FAIL("%s: must be an object", where);
	json_object_foreach(v, key, x)
	{
		bool known = false;
		long long n;

		if (json_is_null(x))
			continue;
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			if (strcmp(key, nums[i].key))
				continue;
			known = true;
			snprintf(prefix, sizeof(prefix), "%s.", where);
			if (get_int(v, key, prefix, nums[i].min, nums[i].max,
				    &n, err, errlen))
				return -1;
			if (n)
				*dst[i] = n;
		}
		if (!strcmp(key, "cpus") || !strcmp(key, "mems")) {
			const char *s = json_string_value(x);

			known = true;
			if (!s || !cpu_list_ok(s, json_string_length(x)))
				return FAIL("%s.%s: must be a list such as "
					    "\"0-3,5\"",
					    where, key);
			if (*s)
				*(key[0] == 'c' ? &c->cpus : &c->mems) = s;
		}
		if (!strcmp(key, "idle") && json_is_integer(x) &&
		    !json_integer_value(x))
			known = true;
		if (!known)
			return FAIL("%s.%s: not supported by moat yet", where,
				    key);
	}
	if (c->period != OCI_CG_KEEP && c->period < 1000)
		return FAIL("%s.period: must be from 1000 to 1000000", where);
	if (c->quota != OCI_CG_KEEP && c->quota >= 0 && c->quota < 1000)
		return FAIL("%s.quota: must be -1 or at least 1000", where);
	if (c->shares != OCI_CG_KEEP && c->shares < 2)
		return FAIL("%s.shares: must be from 2 to 262144", where);
	return 0;
}

static int parse_resources(json_t *res, struct oci_config *oc, char *err,
			   size_t errlen)
{
	const char *key, *k2;
	json_t *v, *v2;
	long long x;

	if (!json_is_object(res))
		return FAIL("linux.resources: must be an object");
	json_object_foreach(res, key, v)
	{
		if (!strcmp(key, "devices") || json_is_null(v) ||
		    (json_is_object(v) && !json_object_size(v)) ||
		    (json_is_array(v) && !json_array_size(v)))
			continue;
		if (!strcmp(key, "cpu")) {
			if (oci_parse_cpu(v, "linux.resources.cpu", &oc->cpu,
					  err, errlen))
				return -1;
			continue;
		}
		if (strcmp(key, "memory") && strcmp(key, "pids"))
			return FAIL("linux.resources.%s: resource limits "
				    "are not supported by moat yet",
				    key);
		if (!json_is_object(v))
			return FAIL("linux.resources.%s: must be an object",
				    key);
		json_object_foreach(v, k2, v2)
		{
			bool mem = !strcmp(key, "memory");

			if (json_is_null(v2))
				continue;
			if (mem && !strcmp(k2, "disableOOMKiller")) {
				if (get_bool(v, k2, "linux.resources.memory.",
					     &oc->disable_oom, err, errlen))
					return -1;
				continue;
			}
			if (mem && !strcmp(k2, "swappiness")) {
				if (get_int(v, k2, "linux.resources.memory.", 0,
					    100, &x, err, errlen))
					return -1;
				oc->swappiness = (int)x;
				continue;
			}
			if (mem && !strcmp(k2, "reservation")) {
				if (get_int(v, k2, "linux.resources.memory.",
					    -1, INT64_MAX, &x, err, errlen))
					return -1;
				oc->mem_reservation = x;
				continue;
			}
			if (mem ? strcmp(k2, "limit") && strcmp(k2, "swap")
				: strcmp(k2, "limit"))
				return FAIL("linux.resources.%s.%s: not "
					    "supported by moat yet",
					    key, k2);
			if (get_int(v, k2,
				    mem ? "linux.resources.memory."
					: "linux.resources.pids.",
				    -1, INT64_MAX, &x, err, errlen))
				return -1;
			if (!mem)
				oc->pids_limit = x;
			else if (!strcmp(k2, "limit"))
				oc->mem_limit = x;
			else
				oc->mem_swap = x;
		}
	}
	if (oc->mem_swap > 0 &&
	    (oc->mem_limit < 0 || oc->mem_swap < oc->mem_limit))
		return FAIL("linux.resources.memory.swap: must be at least "
			    "the limit");
	return 0;
}

static int parse_linux(json_t *l, struct oci_config *oc, char *err,
		       size_t errlen)
{
	static const char *const ns_types[] = {
	    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};
	static const char *const unsupported[] = {
	    "intelRdt", "personality", "timeOffsets", "memoryPolicy"};
	static const char *const own_devices[] = {
	    "/dev/null",    "/dev/zero", "/dev/full", "/dev/random",
	    "/dev/urandom", "/dev/tty",	 "/dev/ptmx"};
	json_t *a, *v, *res;
	bool userns = false;
	size_t i;

	if (!json_is_object(l))
		return FAIL("linux: must be an object");
	a = json_object_get(l, "namespaces");
	if (a && !json_is_array(a))
		return FAIL("linux.namespaces: must be an array");
	json_array_foreach(a, i, v)
	{
		json_t *t = json_object_get(v, "type");
		bool known = false;

		for (size_t k = 0; json_is_string(t) &&
				   k < sizeof(ns_types) / sizeof(ns_types[0]);
		     k++)
			known |= !strcmp(json_string_value(t), ns_types[k]);
		if (!known)
			return FAIL("linux.namespaces[%zu].type: unknown "
				    "namespace type",
				    i);
		userns |= !strcmp(json_string_value(t), "user");
		/*
		 * The sandbox has each of its own. A network namespace's
		 * path is the host network the sentry joins (what
		 * --network=host's sockets reach; engines make it, with
		 * the container's interfaces); other host namespaces are
		 * no place for the sandbox.
		 */
		if (json_object_get(v, "path") &&
		    strcmp(json_string_value(t), "network"))
			return FAIL("linux.namespaces[%zu].path: joining an "
				    "existing %s namespace is not supported by "
				    "moat yet",
				    i, json_string_value(t));
		if (json_object_get(v, "path")) {
			json_t *p = json_object_get(v, "path");

			if (!json_is_string(p) ||
			    json_string_value(p)[0] != '/')
				return FAIL("linux.namespaces[%zu].path: must "
					    "be an absolute path",
					    i);
			oc->netns_path = json_string_value(p);
		}
	}
	/*
	 * Sysctls: the sandbox's kernel is the sentry, none of them reach
	 * the host. ping_group_range (which podman sets) only widens who may
	 * make ICMP sockets, which the sandbox does not have: accepted
	 * without effect. net.ipv4.ip_forward is the sandbox's (kept and
	 * shown in /proc/sys; one network stack has nothing to forward).
	 * The rest are refused by name.
	 */
	{
		const char *key;

		v = json_object_get(l, "sysctl");
		if (v && !json_is_object(v))
			return FAIL("linux.sysctl: must be an object");
		json_object_foreach(v, key, a)
		{
			if (!strcmp(key, "net.ipv4.ip_forward")) {
				const char *s = json_string_value(a);
				char *end;
				long x;

				errno = 0;
				x = s ? strtol(s, &end, 10) : 0;
				if (!s || end == s || *end || errno ||
				    x < INT32_MIN || x > INT32_MAX)
					return FAIL("linux.sysctl.%s: not a "
						    "number",
						    key);
				oc->cfg.ip_forward = (int)x;
				continue;
			}
			if (strcmp(key, "net.ipv4.ping_group_range"))
				return FAIL("linux.sysctl.%s: not supported by "
					    "moat yet",
					    key);
		}
		a = NULL;
	}
	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		v = json_object_get(l, unsupported[i]);
		if (v && !(json_is_array(v) && !json_array_size(v)) &&
		    !(json_is_object(v) && !json_object_size(v)))
			return FAIL("linux.%s: not supported by moat yet",
				    unsupported[i]);
	}
	/*
	 * The user namespace's mappings: shown in /proc/PID/uid_map and
	 * gid_map. The sandbox's ids are the sentry's own, never the
	 * host's: the mapping gives the application no host identity.
	 */
	for (int pass = 0; pass < 2; pass++) {
		const char *key = pass ? "gidMappings" : "uidMappings";
		struct sentry_idmap *m;

		a = json_object_get(l, key);
		if (!a || json_is_null(a))
			continue;
		if (!json_is_array(a))
			return FAIL("linux.%s: must be an array", key);
		if (!userns && json_array_size(a))
			return FAIL("linux.%s: mappings given, but "
				    "linux.namespaces has no user namespace",
				    key);
		if (json_array_size(a) > OCI_IDMAP_MAX)
			return FAIL("linux.%s: more than %d mappings", key,
				    OCI_IDMAP_MAX);
		m = calloc(json_array_size(a) + 1, sizeof(*m));
		if (!m)
			return FAIL("linux.%s: out of memory", key);
		if (pass)
			oc->cfg.gid_map = m;
		else
			oc->cfg.uid_map = m;
		json_array_foreach(a, i, v)
		{
			static const char *const f[] = {"containerID", "hostID",
							"size"};
			long long x[3];
			char where[64];

			if (!json_is_object(v))
				return FAIL("linux.%s[%zu]: must be an object",
					    key, i);
			snprintf(where, sizeof(where), "linux.%s[%zu].", key,
				 i);
			for (int k = 0; k < 3; k++) {
				int r =
				    get_int(v, f[k], where, k == 2,
					    0xffffffffLL, &x[k], err, errlen);

				if (r < 0)
					return -1;
				if (r > 0)
					return FAIL("%s%s: missing", where,
						    f[k]);
			}
			if (x[0] + x[2] - 1 > 0xffffffffLL ||
			    x[1] + x[2] - 1 > 0xffffffffLL)
				return FAIL("linux.%s[%zu]: the range goes "
					    "past 4294967295",
					    key, i);
			for (size_t k = 0; k < i; k++)
				if ((x[0] <
					 m[k].inside + (long long)m[k].count &&
				     m[k].inside < x[0] + x[2]) ||
				    (x[1] <
					 m[k].outside + (long long)m[k].count &&
				     m[k].outside < x[1] + x[2]))
					return FAIL("linux.%s[%zu]: overlaps "
						    "mapping %zu",
						    key, i, k);
			m[i] = (struct sentry_idmap){
			    (uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2]};
		}
		if (pass)
			oc->cfg.ngid_map = (int)json_array_size(a);
		else
			oc->cfg.nuid_map = (int)json_array_size(a);
	}
	res = json_object_get(l, "resources");
	if (res && parse_resources(res, oc, err, errlen))
		return -1;
	v = json_object_get(l, "seccomp");
	if (v && oci_seccomp_load(v, &oc->cfg, err, errlen))
		return -1;
	v = json_object_get(l, "cgroupsPath");
	if (v) {
		const char *p = json_string_value(v);
		size_t n = p ? strlen(p) : 0;

		if (!p || n != json_string_length(v) || strstr(p, "/../") ||
		    !strncmp(p, "../", 3) || !strcmp(p, "..") ||
		    (n >= 3 && !strcmp(p + n - 3, "/..")))
			return FAIL("linux.cgroupsPath: must be a cgroup "
				    "path without \"..\"");
		oc->cgroups_path = p;
	}
	/* Made by the sentry in its own tree, as runc makes them. */
	for (int pass = 0; pass < 2; pass++) {
		const char *key = pass ? "maskedPaths" : "readonlyPaths";
		const char **list;

		a = json_object_get(l, key);
		if (!a)
			continue;
		if (!json_is_array(a))
			return FAIL("linux.%s: must be an array", key);
		if (json_array_size(a) > OCI_PATHS_MAX)
			return FAIL("linux.%s: more than %d paths", key,
				    OCI_PATHS_MAX);
		list = calloc(json_array_size(a) + 1, sizeof(*list));
		if (!list)
			return FAIL("linux.%s: out of memory", key);
		if (pass)
			oc->cfg.masked_paths = list;
		else
			oc->cfg.readonly_paths = list;
		json_array_foreach(a, i, v)
		{
			const char *p = json_string_value(v);

			if (!p || strlen(p) != json_string_length(v) ||
			    p[0] != '/' || strlen(p) >= PATH_MAX)
				return FAIL("linux.%s[%zu]: must be an "
					    "absolute path",
					    key, i);
			list[i] = p;
		}
		if (pass)
			oc->cfg.nmasked_paths = (int)json_array_size(a);
		else
			oc->cfg.nreadonly_paths = (int)json_array_size(a);
	}
	a = json_object_get(l, "devices");
	if (a && !json_is_array(a))
		return FAIL("linux.devices: must be an array");
	json_array_foreach(a, i, v)
	{
		json_t *p = json_object_get(v, "path");
		bool own = false;

		for (size_t k = 0;
		     json_is_string(p) &&
		     k < sizeof(own_devices) / sizeof(own_devices[0]);
		     k++)
			own |= !strcmp(json_string_value(p), own_devices[k]);
		if (!own)
			return FAIL("linux.devices[%zu]: %s: host devices are "
				    "not supported by moat",
				    i,
				    json_is_string(p) ? json_string_value(p)
						      : "(no path)");
	}
	return 0;
}

static int parse_annotations(json_t *a, struct oci_config *oc, char *err,
			     size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(a))
		return FAIL("annotations: must be an object");
	json_object_foreach(a, key, v)
	{
		const char *s;

		if (!json_is_string(v))
			return FAIL("annotations.%s: must be a string", key);
		s = json_string_value(v);
		if (!strcmp(key, OCI_ANNOT_PLATFORM) && strcmp(s, "ptrace"))
			return FAIL("annotations.%s: unknown platform '%s'; "
				    "available: ptrace",
				    key, s);
		if (!strcmp(key, OCI_ANNOT_NETWORK)) {
			if (!strcmp(s, "host"))
				oc->cfg.host_network = true;
			else if (strcmp(s, "none"))
				return FAIL("annotations.%s: unknown network "
					    "mode '%s'; available: none, host",
					    key, s);
		}
	}
	oc->annotations = a;
	return 0;
}

static int parse(struct oci_config *oc, char *err, size_t errlen)
{
	json_t *j = oc->json, *v, *root;
	struct stat st;
	size_t i;

	if (!json_is_object(j))
		return FAIL("config.json: not a JSON object");
	v = json_object_get(j, "ociVersion");
	if (!json_is_string(v))
		return FAIL("ociVersion: missing, or not a string");
	oc->oci_version = json_string_value(v);
	if (strncmp(oc->oci_version, "1.", 2))
		return FAIL("ociVersion: %s is not a version 1 spec",
			    oc->oci_version);
	root = json_object_get(j, "root");
	v = json_object_get(root, "path");
	if (!json_is_string(v) || !json_string_value(v)[0])
		return FAIL("root.path: missing, or not a path");
	oc->rootfs = realpath(json_string_value(v), NULL);
	if (!oc->rootfs)
		return FAIL("root.path: %s: %s", json_string_value(v),
			    strerror(errno));
	if (stat(oc->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return FAIL("root.path: %s is not a directory", oc->rootfs);
	if (get_bool(root, "readonly", "root.", &oc->cfg.root_readonly, err,
		     errlen))
		return -1;
	oc->cfg.rootfs = oc->rootfs;
	/* A writable root is the directory itself, as runc's. */
	oc->cfg.rootfs_rw = !oc->cfg.root_readonly;
	if (parse_process(json_object_get(j, "process"), oc, err, errlen))
		return -1;
	v = json_object_get(j, "hostname");
	if (v && (!json_is_string(v) || strlen(json_string_value(v)) > 64))
		return FAIL("hostname: must be a string of at most 64 bytes");
	if (v && json_string_value(v)[0])
		oc->cfg.hostname = json_string_value(v);
	v = json_object_get(j, "domainname");
	if (v && !(json_is_string(v) && !json_string_value(v)[0]))
		return FAIL("domainname: not supported by moat yet");
	v = json_object_get(j, "mounts");
	if (v && !json_is_array(v))
		return FAIL("mounts: must be an array");
	for (i = 0; i < json_array_size(v); i++)
		if (parse_mount(json_array_get(v, i), i, oc, err, errlen))
			return -1;
	v = json_object_get(j, "linux");
	if (v && parse_linux(v, oc, err, errlen))
		return -1;
	v = json_object_get(j, "hooks");
	if (v && oci_hooks_check(v, err, errlen))
		return -1;
	v = json_object_get(j, "annotations");
	if (v && parse_annotations(v, oc, err, errlen))
		return -1;
	return 0;
}

json_t *oci_json_read(int fd, size_t flags, json_error_t *je)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	json_t *j = NULL;
	int err = buf ? 0 : ENOMEM;
	ssize_t n;

	/* Whole, then parsed: json_loadfd reads a byte per syscall. */
	while (!err && (n = read(fd, buf + len, cap - len)) != 0) {
		if (n < 0) {
			err = errno == EINTR ? 0 : errno;
			continue;
		}
		len += (size_t)n;
		if (len == cap) {
			char *more =
			    cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!more)
				err = ENOMEM;
			else
				buf = more, cap *= 2;
		}
	}
	if (!err)
		j = json_loadb(buf, len, flags, je);
	else if (je)
		snprintf(je->text, sizeof(je->text), "cannot read: %s",
			 strerror(err));
	free(buf);
	return j;
}

int oci_config_load(const char *bundle, struct oci_config *oc, char *err,
		    size_t errlen)
{
	json_error_t je;
	int fd;

	memset(oc, 0, sizeof(*oc));
	oc->cfg.platform = "ptrace";
	oc->mem_limit = oc->mem_swap = oc->pids_limit = -1;
	oc->mem_reservation = OCI_CG_KEEP;
	oc->swappiness = -1;
	oc->cpu =
	    (struct oci_cpu){OCI_CG_KEEP, OCI_CG_KEEP, OCI_CG_KEEP, OCI_CG_KEEP,
			     OCI_CG_KEEP, NULL,	       NULL};
	oc->bundle = realpath(bundle, NULL);
	if (!oc->bundle || chdir(oc->bundle) < 0)
		return FAIL("chdir %s: %s", bundle, strerror(errno));
	fd = open("config.json", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return FAIL("open %s/config.json: %s", oc->bundle,
			    strerror(errno));
	memset(&je, 0, sizeof(je));
	oc->json = oci_json_read(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	if (!oc->json)
		return FAIL("config.json:%d:%d: %s", je.line, je.column,
			    je.text);
	return parse(oc, err, errlen);
}

void oci_config_free(struct oci_config *oc)
{
	for (char **p = oc->argv; p && *p; p++)
		free(*p);
	for (char **p = oc->envp; p && *p; p++)
		free(*p);
	free(oc->argv);
	free(oc->envp);
	for (int i = 0; i < SENTRY_BINDS_MAX; i++)
		free(oc->paths[i]);
	free((char *)oc->cfg.path);
	free((void *)oc->cfg.seccomp_prog);
	free((void *)oc->cfg.readonly_paths);
	free((void *)oc->cfg.masked_paths);
	free((void *)oc->cfg.uid_map);
	free((void *)oc->cfg.gid_map);
	free(oc->bundle);
	free(oc->rootfs);
	json_decref(oc->json);
}

json_t *oci_config_default(void)
{
	json_error_t je;
	/* runc's default, less what moat rejects, with a plain shell. */
	static const char spec[] =
	    "{\"ociVersion\": \"" OCI_VERSION "\","
	    " \"process\": {\"terminal\": false,"
	    "  \"user\": {\"uid\": 0, \"gid\": 0},"
	    "  \"args\": [\"sh\"],"
	    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin\", \"TERM=xterm\"],"
	    "  \"cwd\": \"/\","
	    "  \"capabilities\": {"
	    "   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\","
	    " \"CAP_NET_BIND_SERVICE\"],"
	    "   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\","
	    " \"CAP_NET_BIND_SERVICE\"],"
	    "   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\","
	    " \"CAP_NET_BIND_SERVICE\"]},"
	    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024,"
	    " \"soft\": 1024}],"
	    "  \"noNewPrivileges\": true},"
	    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	    " \"hostname\": \"moat\","
	    " \"mounts\": ["
	    "  {\"destination\": \"/proc\", \"type\": \"proc\","
	    " \"source\": \"proc\"},"
	    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\","
	    " \"source\": \"tmpfs\", \"options\": [\"nosuid\","
	    " \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\","
	    " \"source\": \"devpts\", \"options\": [\"nosuid\", \"noexec\","
	    " \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},"
	    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\","
	    " \"source\": \"shm\", \"options\": [\"nosuid\", \"noexec\","
	    " \"nodev\", \"mode=1777\", \"size=65536k\"]},"
	    "  {\"destination\": \"/sys\", \"type\": \"sysfs\","
	    " \"source\": \"sysfs\", \"options\": [\"nosuid\", \"noexec\","
	    " \"nodev\", \"ro\"]}],"
	    " \"linux\": {"
	    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"},"
	    " {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}],"
	    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/kcore\","
	    " \"/proc/keys\", \"/proc/timer_list\", \"/sys/firmware\"],"
	    "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\","
	    " \"/proc/sys\", \"/proc/sysrq-trigger\"]}}";

	return json_loads(spec, 0, &je);
}
