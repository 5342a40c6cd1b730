// SPDX-License-Identifier: Apache-2.0
/*
 * config.json's linux.seccomp: an OCI seccomp profile compiled with
 * libseccomp into the classic BPF program that the sentry attaches to the
 * container's init before it runs, as runc does right before execve (with
 * its own CAP_SYS_ADMIN, so without noNewPrivileges too). The program is
 * the application's: the sentry checks and enforces it itself
 * (sentry/kernel/app_seccomp.c); it never reaches the host kernel.
 *
 * As runc: a syscall name libseccomp does not know is skipped; a rule
 * whose action is the default action is left out; an entry whose args
 * name one index twice becomes one rule per argument (any of them
 * matches), else one rule with every condition. An unknown action,
 * operator, architecture or flag is an error naming the field; user
 * notification (SCMP_ACT_NOTIFY, listenerPath) is not supported.
 */
#include "tools/oci.h"

#include "abi/linux.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARG_MAX_INDEX 6
#define MAX_INSNS     4096 /* BPF_MAXINSNS: what the sentry accepts */

static const struct {
	const char *name;
	uint32_t action; /* without the data */
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	uint32_t flag;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", ABI_SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", ABI_SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

static const char *const archs[] = {
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define FAIL(...) oci_fail(err, errlen, __VA_ARGS__)

/*
 * The action named at o.key, with its errno (o.errno_key, EPERM when
 * absent) for SCMP_ACT_ERRNO and SCMP_ACT_TRACE: 0 or -1.
 */
static int get_action(json_t *o, const char *key, const char *errno_key,
		      const char *where, uint32_t *out, char *err,
		      size_t errlen)
{
	json_t *v = json_object_get(o, key), *e;
	const char *name = json_string_value(v);
	long long data = EPERM;

	if (!name)
		return FAIL("%s%s: must be a string", where, key);
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return FAIL("%s%s: SCMP_ACT_NOTIFY is not supported by moat "
			    "(no user notification)",
			    where, key);
	for (size_t i = 0; i < N(actions); i++) {
		if (strcmp(name, actions[i].name))
			continue;
		*out = actions[i].action;
		if (*out != SCMP_ACT_ERRNO(0) && *out != SCMP_ACT_TRACE(0))
			return 0;
		e = json_object_get(o, errno_key);
		if (e && (!json_is_integer(e) || json_integer_value(e) < 0 ||
			  json_integer_value(e) > 0xffff))
			return FAIL("%s%s: must be a number 0..65535", where,
				    errno_key);
		if (e)
			data = json_integer_value(e);
		*out |= (uint32_t)data;
		return 0;
	}
	return FAIL("%s%s: unknown action \"%s\"", where, key, name);
}

/* One of args: a condition, or -1. */
static int get_arg(json_t *a, const char *where, size_t i,
		   struct scmp_arg_cmp *c, char *err, size_t errlen)
{
	json_t *index = json_object_get(a, "index");
	json_t *value = json_object_get(a, "value");
	json_t *two = json_object_get(a, "valueTwo");
	const char *op = json_string_value(json_object_get(a, "op"));
	size_t k;

	if (!json_is_object(a))
		return FAIL("%s.args[%zu]: must be an object", where, i);
	if (!json_is_integer(index) || json_integer_value(index) < 0 ||
	    json_integer_value(index) >= ARG_MAX_INDEX)
		return FAIL("%s.args[%zu].index: must be 0..5", where, i);
	if ((value && !json_is_integer(value)) ||
	    (two && !json_is_integer(two)))
		return FAIL("%s.args[%zu]: value and valueTwo must be numbers",
			    where, i);
	for (k = 0; op && k < N(operators); k++)
		if (!strcmp(op, operators[k].name))
			break;
	if (!op || k == N(operators))
		return FAIL("%s.args[%zu].op: unknown operator \"%s\"", where,
			    i, op ? op : "");
	c->arg = (unsigned)json_integer_value(index);
	c->op = operators[k].op;
	c->datum_a = (scmp_datum_t)json_integer_value(value);
	c->datum_b = (scmp_datum_t)json_integer_value(two);
	return 0;
}

/* One of syscalls: its rules for every name libseccomp knows. */
static int add_syscall(scmp_filter_ctx ctx, json_t *s, size_t i, uint32_t def,
		       char *err, size_t errlen)
{
	struct scmp_arg_cmp cmp[ARG_MAX_INDEX * 4];
	int count[ARG_MAX_INDEX] = {0};
	json_t *names, *args, *v;
	char where[64], prefix[72];
	uint32_t action;
	bool repeated = false;
	size_t n = 0, k;

	snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", i);
	if (!json_is_object(s))
		return FAIL("%s: must be an object", where);
	snprintf(prefix, sizeof(prefix), "%s.", where);
	if (get_action(s, "action", "errnoRet", prefix, &action, err, errlen))
		return -1;
	args = json_object_get(s, "args");
	if (args && !json_is_array(args))
		return FAIL("%s.args: must be an array", where);
	if (json_array_size(args) > N(cmp))
		return FAIL("%s.args: too many conditions", where);
	json_array_foreach(args, k, v)
	{
		if (get_arg(v, where, k, &cmp[n], err, errlen))
			return -1;
		repeated |= ++count[cmp[n].arg] > 1;
		n++;
	}
	names = json_object_get(s, "names");
	if (!json_is_array(names))
		return FAIL("%s.names: must be an array", where);
	if (action == def)
		return 0; /* the default action anyway */
	json_array_foreach(names, k, v)
	{
		const char *name = json_string_value(v);
		int nr, rc = 0;

		if (!name)
			return FAIL("%s.names[%zu]: must be a string", where,
				    k);
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to libseccomp: skipped, as runc */
		if (!repeated)
			rc = seccomp_rule_add_array(ctx, action, nr,
						    (unsigned)n, cmp);
		for (size_t c = 0; repeated && !rc && c < n; c++)
			rc =
			    seccomp_rule_add_array(ctx, action, nr, 1, &cmp[c]);
		if (rc)
			return FAIL("%s: %s: cannot add the rule: %s", where,
				    name, strerror(-rc));
	}
	return 0;
}

/* "SCMP_ARCH_X86_64" for libseccomp's "x86_64": 0, or -1. */
static int add_arch(scmp_filter_ctx ctx, json_t *v, size_t i, char *err,
		    size_t errlen)
{
	const char *name = json_string_value(v);
	char lower[32];
	uint32_t arch;
	int rc;
	size_t k;

	if (!name || strncmp(name, "SCMP_ARCH_", 10) ||
	    strlen(name + 10) >= sizeof(lower))
		return FAIL("linux.seccomp.architectures[%zu]: unknown "
			    "architecture \"%s\"",
			    i, name ? name : "");
	for (k = 0; name[10 + k]; k++)
		lower[k] = (char)tolower((unsigned char)name[10 + k]);
	lower[k] = '\0';
	arch = seccomp_arch_resolve_name(lower);
	if (!arch)
		return FAIL("linux.seccomp.architectures[%zu]: unknown "
			    "architecture \"%s\"",
			    i, name);
	rc = seccomp_arch_add(ctx, arch);
	if (rc && rc != -EEXIST)
		return FAIL("linux.seccomp.architectures[%zu]: %s: %s", i, name,
			    strerror(-rc));
	return 0;
}

/* The filter's BPF, through a memfd: 0, or -1. */
static int export(scmp_filter_ctx ctx, struct sentry_config *cfg, char *err,
		  size_t errlen)
{
	int fd = memfd_create("moat-seccomp", MFD_CLOEXEC), rc;
	struct stat st;
	void *prog;

	if (fd < 0)
		return FAIL("linux.seccomp: memfd_create: %s", strerror(errno));
	rc = seccomp_export_bpf(ctx, fd);
	if (rc || fstat(fd, &st) < 0 || st.st_size % 8 || st.st_size == 0) {
		close(fd);
		return FAIL("linux.seccomp: libseccomp cannot export the "
			    "program: %s",
			    strerror(rc ? -rc : EINVAL));
	}
	if (st.st_size / 8 > MAX_INSNS) {
		close(fd);
		return FAIL("linux.seccomp: the profile compiles to %lld "
			    "instructions, more than %d",
			    (long long)st.st_size / 8, MAX_INSNS);
	}
	prog = malloc((size_t)st.st_size);
	if (!prog || pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
		free(prog);
		close(fd);
		return FAIL("linux.seccomp: cannot read the program back");
	}
	close(fd);
	cfg->seccomp_prog = prog;
	cfg->seccomp_len = (uint32_t)(st.st_size / 8);
	return 0;
}

static int get_flags(json_t *a, uint32_t *out, char *err, size_t errlen)
{
	json_t *v;
	size_t i, k;

	if (a && !json_is_array(a))
		return FAIL("linux.seccomp.flags: must be an array");
	json_array_foreach(a, i, v)
	{
		const char *name = json_string_value(v);

		for (k = 0; name && k < N(flags); k++)
			if (!strcmp(name, flags[k].name))
				break;
		if (!name || k == N(flags))
			return FAIL("linux.seccomp.flags[%zu]: \"%s\" is not "
				    "supported by moat",
				    i, name ? name : "");
		*out |= flags[k].flag;
	}
	return 0;
}

int oci_seccomp_load(json_t *p, struct sentry_config *cfg, char *err,
		     size_t errlen)
{
	scmp_filter_ctx ctx;
	json_t *calls, *a, *v;
	uint32_t def;
	size_t i;
	int ret = -1;

	if (!json_is_object(p))
		return FAIL("linux.seccomp: must be an object");
	v = json_object_get(p, "listenerPath");
	if (v && (!json_is_string(v) || json_string_length(v)))
		return FAIL("linux.seccomp.listenerPath: not supported by "
			    "moat (no user notification)");
	calls = json_object_get(p, "syscalls");
	if (calls && !json_is_array(calls))
		return FAIL("linux.seccomp.syscalls: must be an array");
	/* No default action and no syscalls: no filter, as runc. */
	if (!json_object_get(p, "defaultAction") && !json_array_size(calls))
		return 0;
	if (get_action(p, "defaultAction", "defaultErrnoRet", "linux.seccomp.",
		       &def, err, errlen) ||
	    get_flags(json_object_get(p, "flags"), &cfg->seccomp_flags, err,
		      errlen))
		return -1;
	ctx = seccomp_init(def);
	if (!ctx)
		return FAIL("linux.seccomp: libseccomp cannot make a filter");
	/* A binary tree of syscall numbers: the sentry interprets the
	 * program on every call, so a late entry must not cost a scan. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	a = json_object_get(p, "architectures");
	if (a && !json_is_array(a)) {
		FAIL("linux.seccomp.architectures: must be an array");
		goto out;
	}
	json_array_foreach(a, i, v)
	{
		if (add_arch(ctx, v, i, err, errlen))
			goto out;
	}
	json_array_foreach(calls, i, v)
	{
		if (add_syscall(ctx, v, i, def, err, errlen))
			goto out;
	}
	ret = export(ctx, cfg, err, errlen);
out:
	seccomp_release(ctx);
	return ret;
}

json_t *oci_seccomp_features(void)
{
	json_t *j = json_pack("{s:b, s:[], s:[], s:[], s:[], s:[]}", "enabled",
			      1, "actions", "operators", "archs", "knownFlags",
			      "supportedFlags");
	json_t *act, *ops, *arch, *known, *supported;

	if (!j)
		return NULL;
	act = json_object_get(j, "actions");
	ops = json_object_get(j, "operators");
	arch = json_object_get(j, "archs");
	known = json_object_get(j, "knownFlags");
	supported = json_object_get(j, "supportedFlags");
	for (size_t i = 0; i < N(actions); i++)
		json_array_append_new(act, json_string(actions[i].name));
	for (size_t i = 0; i < N(operators); i++)
		json_array_append_new(ops, json_string(operators[i].name));
	for (size_t i = 0; i < N(archs); i++)
		json_array_append_new(arch, json_string(archs[i]));
	for (size_t i = 0; i < N(flags); i++) {
		json_array_append_new(known, json_string(flags[i].name));
		json_array_append_new(supported, json_string(flags[i].name));
	}
	return j;
}
