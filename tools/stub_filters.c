// SPDX-License-Identifier: Apache-2.0
/*
 * `moat run --print-seccomp=stub`: the stubs' filters (platform/stub/
 * filters.h), each summed up (the syscalls it allows outright, those it
 * allows with arguments checked, what it does with the rest) and listed
 * instruction by instruction, with syscall names from libseccomp.
 */
#include "tools/stub_filters.h"

#include "platform/stub/filters.h"

#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *who;
	const struct sock_filter *insns;
	size_t len;
} filters[] = {
#define F(a, who)                                                              \
	{                                                                      \
#a, who, a, sizeof(a) / sizeof(a[0])                           \
	}
    F(factory_filter, "the ptrace platform's stub factory, under each stub"),
    F(stub_filter, "a ptrace stub (the application's code runs under it)"),
    F(factory_filter_systrap,
      "the systrap platform's stub factory, under each stub"),
    F(systrap_filter, "a systrap stub's syscall thread, under each "
		      "application thread"),
    F(app_filter, "a systrap application thread: only calls from the stub's "
		  "own code (ip in its image) are let through"),
#undef F
};

static const char *field(uint32_t off)
{
	static char buf[32];

	if (off == offsetof(struct seccomp_data, nr))
		return "nr";
	if (off == offsetof(struct seccomp_data, arch))
		return "arch";
	if (off == offsetof(struct seccomp_data, instruction_pointer))
		return "ip";
	if (off == offsetof(struct seccomp_data, instruction_pointer) + 4)
		return "ip (high half)";
	if (off >= offsetof(struct seccomp_data, args) &&
	    off < sizeof(struct seccomp_data)) {
		uint32_t a = off - offsetof(struct seccomp_data, args);

		snprintf(buf, sizeof(buf), "args[%u]%s", a / 8,
			 a % 8 ? " (high half)" : "");
		return buf;
	}
	snprintf(buf, sizeof(buf), "[%u]", off);
	return buf;
}

static void action(FILE *out, uint32_t k)
{
	switch (k & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		fputs("ALLOW", out);
		break;
	case SECCOMP_RET_TRAP:
		fputs("TRAP", out);
		break;
	case SECCOMP_RET_KILL_PROCESS:
		fputs("KILL_PROCESS", out);
		break;
	case SECCOMP_RET_KILL_THREAD:
		fputs("KILL_THREAD", out);
		break;
	case SECCOMP_RET_ERRNO:
		fprintf(out, "ERRNO(%u)", k & SECCOMP_RET_DATA);
		break;
	default:
		fprintf(out, "%#x", k);
	}
}

static void syscall_name(FILE *out, uint32_t nr)
{
	char *name =
	    seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, (int)nr);

	fputs(name ? name : "?", out);
	free(name);
}

#define A_UNSET	  UINT32_MAX	   /* no path reaches it (yet) */
#define A_UNKNOWN (UINT32_MAX - 1) /* paths disagree */

/*
 * What A holds before each instruction: the offset of the field loaded on
 * every path that reaches it (classic BPF jumps only forward).
 */
static void fields_in_a(const struct sock_filter *f, size_t len, uint32_t *a)
{
	for (size_t i = 0; i < len; i++)
		a[i] = A_UNSET;
	if (len)
		a[0] = A_UNKNOWN;
	for (size_t i = 0; i < len; i++) {
		uint32_t out =
		    f[i].code == (BPF_LD | BPF_W | BPF_ABS) ? f[i].k : a[i];
		size_t next[2] = {i + 1, i + 1};
		int n = 1;

		if (BPF_CLASS(f[i].code) == BPF_RET)
			continue;
		if (BPF_CLASS(f[i].code) == BPF_JMP) {
			next[0] = i + 1 + f[i].jt;
			next[1] = i + 1 + f[i].jf;
			n = 2;
		}
		for (int k = 0; k < n; k++) {
			if (next[k] >= len)
				continue;
			if (a[next[k]] == A_UNSET)
				a[next[k]] = out;
			else if (a[next[k]] != out)
				a[next[k]] = A_UNKNOWN;
		}
	}
}

static void print_one(FILE *out, const struct sock_filter *f, size_t len)
{
	const uint32_t nr = offsetof(struct seccomp_data, nr);
	size_t plain = 0, checked = 0;
	uint32_t *a = calloc(len ? len : 1, sizeof(*a));

	if (!a) {
		fputs("  (out of memory)\n", out);
		return;
	}
	fields_in_a(f, len, a);
	/* The summary: each syscall number compared with nr in A, and
	 * where it leads: a return of ALLOW, or its arguments' checks. */
	for (int pass = 0; pass < 2; pass++) {
		fputs(pass ? "\n  with arguments checked:" : "  allows:", out);
		for (size_t i = 0; i < len; i++) {
			size_t at = i + 1 + f[i].jt;
			bool ret;

			if (a[i] != nr ||
			    f[i].code != (BPF_JMP | BPF_JEQ | BPF_K) ||
			    at >= len)
				continue;
			ret = f[at].code == (BPF_RET | BPF_K);
			if (pass
				? ret
				: !ret || (f[at].k & SECCOMP_RET_ACTION_FULL) !=
					      SECCOMP_RET_ALLOW)
				continue;
			fputc(' ', out);
			syscall_name(out, f[i].k);
			*(pass ? &checked : &plain) += 1;
		}
	}
	fprintf(out,
		"\n  %zu syscalls allowed, %zu more with their arguments "
		"checked; %zu instructions:\n",
		plain, checked, len);
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *in = &f[i];

		fprintf(out, "  %4zu: ", i);
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			fprintf(out, "ld  %s\n", field(in->k));
			break;
		case BPF_RET | BPF_K:
			fputs("ret ", out);
			action(out, in->k);
			fputc('\n', out);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K: {
			const char *op = BPF_OP(in->code) == BPF_JEQ   ? "jeq"
					 : BPF_OP(in->code) == BPF_JGE ? "jge"
					 : BPF_OP(in->code) == BPF_JGT ? "jgt"
								       : "jset";

			fprintf(out, "%s ", op);
			if (a[i] == nr && BPF_OP(in->code) == BPF_JEQ)
				syscall_name(out, in->k);
			else if (a[i] == offsetof(struct seccomp_data, arch) &&
				 in->k == AUDIT_ARCH_X86_64)
				fputs("x86_64", out);
			else
				fprintf(out, "%#x", in->k);
			fprintf(out, " ? %zu : %zu\n", i + 1 + in->jt,
				i + 1 + in->jf);
			break;
		}
		default:
			fprintf(out, "code %#x jt %u jf %u k %#x\n", in->code,
				in->jt, in->jf, in->k);
		}
	}
	free(a);
}

void stub_print_filters(FILE *out)
{
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		fprintf(out, "%s%s: %s\n", i ? "\n" : "", filters[i].name,
			filters[i].who);
		print_one(out, filters[i].insns, filters[i].len);
	}
}
