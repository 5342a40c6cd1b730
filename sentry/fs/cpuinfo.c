// SPDX-License-Identifier: Apache-2.0
/*
 * /proc/cpuinfo from the CPUID instruction (arch/x86/kernel/cpu/proc.c).
 * The application runs on this very CPU, so what it finds with CPUID
 * itself and what it reads here agree. Flags are named as Linux's
 * cpufeatures names the CPUID bits it shows; the synthetic flags Linux
 * adds from its own probing (constant_tsc, rep_good, nopl...) and the
 * bugs line are left out, as are the host's frequency and cache sizes'
 * sources beyond CPUID.
 */
#include "sentry/fs/procfs.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One CPUID register's bits, named (NULL: not shown). */
struct cpuid_word {
	uint32_t leaf, subleaf;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *names[32];
};

static const struct cpuid_word words[] = {
    {1, 0, 3, {"fpu", "vme",  "de",   "pse",   "tsc", "msr",	 "pae",
	       "mce", "cx8",  "apic", NULL,    "sep", "mtrr",	 "pge",
	       "mca", "cmov", "pat",  "pse36", "pn",  "clflush", NULL,
	       "dts", "acpi", "mmx",  "fxsr",  "sse", "sse2",	 "ss",
	       "ht",  "tm",   "ia64", "pbe"}},
    {0x80000001,
     0,
     3,
     {[11] = "syscall",
      [19] = "mp",
      [20] = "nx",
      [22] = "mmxext",
      [25] = "fxsr_opt",
      [26] = "pdpe1gb",
      [27] = "rdtscp",
      [29] = "lm",
      [30] = "3dnowext",
      [31] = "3dnow"}},
    {1, 0, 2, {"pni",	 "pclmulqdq", "dtes64", "monitor", "ds_cpl",
	       "vmx",	 "smx",	      "est",	"tm2",	   "ssse3",
	       "cid",	 "sdbg",      "fma",	"cx16",	   "xtpr",
	       "pdcm",	 NULL,	      "pcid",	"dca",	   "sse4_1",
	       "sse4_2", "x2apic",    "movbe",	"popcnt",  "tsc_deadline_timer",
	       "aes",	 "xsave",     NULL,	"avx",	   "f16c",
	       "rdrand", "hypervisor"}},
    {0x80000001,
     0,
     2,
     {[0] = "lahf_lm",	    [1] = "cmp_legacy",	 [2] = "svm",
      [3] = "extapic",	    [4] = "cr8_legacy",	 [5] = "abm",
      [6] = "sse4a",	    [7] = "misalignsse", [8] = "3dnowprefetch",
      [9] = "osvw",	    [10] = "ibs",	 [11] = "xop",
      [12] = "skinit",	    [13] = "wdt",	 [15] = "lwp",
      [16] = "fma4",	    [17] = "tce",	 [19] = "nodeid_msr",
      [21] = "tbm",	    [22] = "topoext",	 [23] = "perfctr_core",
      [24] = "perfctr_nb",  [26] = "bpext",	 [27] = "ptsc",
      [28] = "perfctr_llc", [29] = "mwaitx"}},
    {7, 0, 1, {"fsgsbase", "tsc_adjust", "sgx",	     "bmi1",	   "hle",
	       "avx2",	   NULL,	 "smep",     "bmi2",	   "erms",
	       "invpcid",  "rtm",	 "cqm",	     NULL,	   "mpx",
	       "rdt_a",	   "avx512f",	 "avx512dq", "rdseed",	   "adx",
	       "smap",	   "avx512ifma", NULL,	     "clflushopt", "clwb",
	       "intel_pt", "avx512pf",	 "avx512er", "avx512cd",   "sha_ni",
	       "avx512bw", "avx512vl"}},
    {0xd, 1, 0, {"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
    {7,
     0,
     2,
     {[1] = "avx512vbmi",
      [2] = "umip",
      [3] = "pku",
      [4] = "ospke",
      [5] = "waitpkg",
      [6] = "avx512_vbmi2",
      [8] = "gfni",
      [9] = "vaes",
      [10] = "vpclmulqdq",
      [11] = "avx512_vnni",
      [12] = "avx512_bitalg",
      [13] = "tme",
      [14] = "avx512_vpopcntdq",
      [16] = "la57",
      [22] = "rdpid",
      [24] = "bus_lock_detect",
      [25] = "cldemote",
      [27] = "movdiri",
      [28] = "movdir64b",
      [29] = "enqcmd",
      [30] = "sgx_lc"}},
    {7,
     0,
     3,
     {[2] = "avx512_4vnniw",
      [3] = "avx512_4fmaps",
      [4] = "fsrm",
      [8] = "avx512_vp2intersect",
      [10] = "md_clear",
      [14] = "serialize",
      [16] = "tsxldtrk",
      [18] = "pconfig",
      [19] = "arch_lbr",
      [20] = "ibt",
      [22] = "amx_bf16",
      [23] = "avx512_fp16",
      [24] = "amx_tile",
      [25] = "amx_int8",
      [28] = "flush_l1d",
      [29] = "arch_capabilities",
      [30] = "core_capabilities",
      [31] = "ssbd"}},
};

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

/* What CPUID says, once: it does not change while the sandbox runs. */
static struct {
	char vendor[13], name[49], flags[2048];
	uint32_t max, family, model, stepping;
	int bits, vbits;
} id;
static pthread_once_t id_once = PTHREAD_ONCE_INIT;

static void identify(void)
{
	uint32_t r[4], xmax, fms;
	size_t at = 0;
	const char *nm;

	cpuid(0, 0, r);
	id.max = r[0];
	memcpy(id.vendor, &r[1], 4);
	memcpy(id.vendor + 4, &r[3], 4);
	memcpy(id.vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	fms = r[0];
	id.stepping = fms & 0xf;
	id.family = (fms >> 8) & 0xf;
	id.model = (fms >> 4) & 0xf;
	if (id.family == 0xf)
		id.family += (fms >> 20) & 0xff;
	if (id.family == 0x6 || id.family >= 0xf)
		id.model += ((fms >> 16) & 0xf) << 4;
	cpuid(0x80000000, 0, r);
	xmax = r[0];
	if (xmax >= 0x80000004) {
		char name[49];

		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(name + 16 * i, r, 16);
		}
		name[48] = '\0';
		/* Blanks around it are no part of the name. */
		for (nm = name; *nm == ' '; nm++)
			;
		memcpy(id.name, nm, strlen(nm) + 1);
		for (size_t n = strlen(id.name); n && id.name[n - 1] == ' ';)
			id.name[--n] = '\0';
	}
	if (xmax >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		id.bits = r[0] & 0xff;
		id.vbits = (r[0] >> 8) & 0xff;
	}
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		const struct cpuid_word *cw = &words[w];

		if (cw->leaf < 0x80000000 ? cw->leaf > id.max : cw->leaf > xmax)
			continue;
		cpuid(cw->leaf, cw->subleaf, r);
		for (int bit = 0; bit < 32; bit++) {
			const char *n = cw->names[bit];
			size_t len;

			if (!n || !(r[cw->reg] >> bit & 1))
				continue;
			len = strlen(n);
			if (at + len + 2 >= sizeof(id.flags))
				break;
			if (at)
				id.flags[at++] = ' ';
			memcpy(id.flags + at, n, len + 1);
			at += len;
		}
	}
}

int cpuinfo_format(char *buf, size_t cap, long cpu, long ncpus)
{
	pthread_once(&id_once, identify);
	return snprintf(buf, cap,
			"processor\t: %ld\nvendor_id\t: %s\n"
			"cpu family\t: %u\nmodel\t\t: %u\n"
			"model name\t: %s\nstepping\t: %u\n"
			"physical id\t: 0\nsiblings\t: %ld\n"
			"core id\t\t: %ld\ncpu cores\t: %ld\n"
			"apicid\t\t: %ld\nfpu\t\t: yes\n"
			"fpu_exception\t: yes\ncpuid level\t: %u\n"
			"wp\t\t: yes\nflags\t\t: %s\n"
			"clflush size\t: 64\ncache_alignment\t: 64\n"
			"address sizes\t: %d bits physical, %d bits virtual\n"
			"power management:\n\n",
			cpu, id.vendor, id.family, id.model, id.name,
			id.stepping, ncpus, cpu, ncpus, cpu, id.max, id.flags,
			id.bits, id.vbits);
}
