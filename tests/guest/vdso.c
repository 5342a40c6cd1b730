// SPDX-License-Identifier: Apache-2.0
/*
 * The vDSO: AT_SYSINFO_EHDR names an ELF shared object that /proc/self/maps
 * shows as [vdso]; its clock_gettime agrees with the syscall's and runs
 * without entering the kernel (a thousand calls take less time than two
 * hundred getppid syscalls, natively and in the sandbox).
 */
#include "guest.h"

#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <time.h>

typedef int (*clock_fn)(clockid_t, struct timespec *);

/* The address of a dynamic symbol of the vDSO at base, or NULL. */
static void *vdso_sym(uintptr_t base, const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const uint32_t *hash = NULL;
	const char *str = NULL;
	uintptr_t load = 0;

	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		if (ph[i].p_type == PT_LOAD)
			load = ph[i].p_vaddr;
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t at = base + dyn->d_un.d_ptr - load;

		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)at;
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)at;
		else if (dyn->d_tag == DT_HASH)
			hash = (const uint32_t *)at;
	}
	if (!sym || !str || !hash)
		return NULL;
	for (uint32_t i = 0; i < hash[1]; i++)
		if (!strcmp(str + sym[i].st_name, name) && sym[i].st_value)
			return (void *)(base + sym[i].st_value - load);
	return NULL;
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int main(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	char line[256], want[32];
	struct timespec a, v, b, t0, t1, t2;
	int in_maps = 0;
	clock_fn cg;
	FILE *f;

	CHECK(base != 0);
	if (!base)
		return guest_done();
	CHECK_EQ(base & 4095, 0);
	CHECK(!memcmp((const void *)base, ELFMAG, SELFMAG));
	CHECK_EQ(((const Elf64_Ehdr *)base)->e_type, ET_DYN);

	/* /proc/self/maps: a [vdso] line that starts there. */
	snprintf(want, sizeof(want), "%08lx-", (unsigned long)base);
	f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") &&
		    !strncmp(line, want, strlen(want)))
			in_maps = 1;
	if (f)
		fclose(f);
	CHECK(in_maps);

	cg = (clock_fn)vdso_sym(base, "__vdso_clock_gettime");
	CHECK(cg != NULL);
	if (!cg)
		return guest_done();
	/* Its time agrees with the syscall's, for the common clocks. */
	static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME,
					   CLOCK_BOOTTIME};
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		CHECK_EQ(SYS2(SYS_clock_gettime, clocks[i], &a), 0);
		CHECK_EQ(cg(clocks[i], &v), 0);
		CHECK_EQ(SYS2(SYS_clock_gettime, clocks[i], &b), 0);
		CHECK(ns(&a) <= ns(&v) && ns(&v) <= ns(&b));
	}
	/* A bad clock: EINVAL, whoever answers it. */
	CHECK_EQ(cg(1000, &v), -EINVAL);

	/* No kernel entry: 1000 calls cost less than 200 syscalls. */
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &t0), 0);
	for (int i = 0; i < 1000; i++)
		cg(CLOCK_MONOTONIC, &v);
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &t1), 0);
	for (int i = 0; i < 200; i++)
		SYS0(SYS_getppid);
	CHECK_EQ(SYS2(SYS_clock_gettime, CLOCK_MONOTONIC, &t2), 0);
	if (ns(&t1) - ns(&t0) >= ns(&t2) - ns(&t1))
		guest_fail(__FILE__, __LINE__,
			   "1000 vDSO calls took %lld ns, 200 syscalls %lld ns",
			   (long long)(ns(&t1) - ns(&t0)),
			   (long long)(ns(&t2) - ns(&t1)));
	return guest_done();
}
