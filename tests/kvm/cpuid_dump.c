// SPDX-License-Identifier: Apache-2.0
/*
 * The CPU features a process sees, as CPUID's feature words:
 *
 *   cpuid-dump                 print them, one "leaf.subleaf reg value" a line
 *   cpuid-dump subset A B      exit 0 if every feature bit set in dump A
 *                              is set in dump B too (else print the extras)
 *
 * The kvm platform's vCPUs must offer the application no feature that a
 * process of the host does not see (kvm.guest runs it both ways in the
 * QEMU guest and compares).
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct word {
	uint32_t leaf, sub;
	int reg; /* 0 eax .. 3 edx */
	const char *name;
} words[] = {
    {1, 0, 2, "1.ecx"},
    {1, 0, 3, "1.edx"},
    {7, 0, 1, "7.0.ebx"},
    {7, 0, 2, "7.0.ecx"},
    {7, 0, 3, "7.0.edx"},
    {0xd, 0, 0, "d.0.eax"},
    {0xd, 1, 0, "d.1.eax"},
    {0x80000001, 0, 2, "80000001.ecx"},
    {0x80000001, 0, 3, "80000001.edx"},
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static int dump(void)
{
	unsigned max_basic = __get_cpuid_max(0, NULL);
	unsigned max_ext = __get_cpuid_max(0x80000000, NULL);

	for (unsigned i = 0; i < NWORDS; i++) {
		unsigned r[4] = {0};
		unsigned max =
		    words[i].leaf >= 0x80000000 ? max_ext : max_basic;

		if (words[i].leaf <= max)
			__cpuid_count(words[i].leaf, words[i].sub, r[0], r[1],
				      r[2], r[3]);
		printf("%s %08x\n", words[i].name, r[words[i].reg]);
	}
	return 0;
}

static int load(const char *path, uint32_t v[NWORDS])
{
	FILE *f = fopen(path, "r");
	char name[32];
	unsigned x;

	if (!f) {
		perror(path);
		return -1;
	}
	memset(v, 0, NWORDS * sizeof(v[0]));
	while (fscanf(f, "%31s %x", name, &x) == 2)
		for (unsigned i = 0; i < NWORDS; i++)
			if (!strcmp(name, words[i].name))
				v[i] = x;
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t a[NWORDS], b[NWORDS];
	int extra = 0;

	if (argc == 1)
		return dump();
	if (argc != 4 || strcmp(argv[1], "subset") || load(argv[2], a) ||
	    load(argv[3], b)) {
		fprintf(stderr, "usage: cpuid-dump [subset A B]\n");
		return 2;
	}
	for (unsigned i = 0; i < NWORDS; i++)
		if (a[i] & ~b[i]) {
			printf("%s: %08x has %08x more than %08x\n",
			       words[i].name, a[i], a[i] & ~b[i], b[i]);
			extra = 1;
		}
	if (!extra)
		printf("no feature beyond the host's\n");
	return extra;
}
