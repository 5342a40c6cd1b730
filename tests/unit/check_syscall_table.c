// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the syscall tables: the ABI table (abi/syscall_table.c)
 * against the host kernel headers' numbering, and the sentry's dispatch
 * table (sentry/syscalls/table.c) against the ABI table.
 */
#include "abi/syscall_table.h"
#include "sentry/syscalls/syscalls.h"

#include "unit.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_UNISTD "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

/* Every "#define __NR_name nr" of the host's header agrees with ours. */
START_TEST(test_matches_host_headers)
{
	char line[256], name[128];
	int checked = 0;
	long nr;
	FILE *f;

	f = fopen(HOST_UNISTD, "r");
	ck_assert_msg(f != NULL, "cannot open %s", HOST_UNISTD);
	while (fgets(line, sizeof(line), f)) {
		const struct abi_syscall *s;

		if (sscanf(line, "#define __NR_%127s %ld", name, &nr) != 2)
			continue;
		ck_assert_int_lt(nr, ABI_NR_SYSCALLS);
		s = abi_syscall(nr);
		ck_assert_msg(s != NULL, "%s (%ld) missing", name, nr);
		ck_assert_msg(strcmp(s->name, name) == 0,
			      "%ld is %s in the host header, %s in ours", nr,
			      name, s->name);
		checked++;
	}
	fclose(f);
	/* Linux 6.1's header has 361 numbers; a parse failure shows here. */
	ck_assert_int_gt(checked, 350);
}
END_TEST

START_TEST(test_entries_well_formed)
{
	for (long nr = 0; nr < ABI_NR_SYSCALLS; nr++) {
		const struct abi_syscall *s = &abi_syscalls[nr];

		if (!s->name)
			continue;
		ck_assert_msg(s->nargs <= 6, "%s: %u args", s->name, s->nargs);
		ck_assert_uint_lt(s->ret, RET_NORETURN + 1);
		for (int i = 0; i < 6; i++) {
			if (i < s->nargs)
				ck_assert_msg(s->args[i] != ARG_NONE &&
						  s->args[i] < ARG_KIND_COUNT,
					      "%s: arg %d has no kind", s->name,
					      i);
			else
				ck_assert_msg(s->args[i] == ARG_NONE,
					      "%s: arg %d past nargs", s->name,
					      i);
		}
		/* A length follows each buffer argument. */
		for (int i = 0; i < s->nargs; i++) {
			switch (s->args[i]) {
			case ARG_BUF_IN:
			case ARG_BUF_OUT:
			case ARG_IOV_IN:
			case ARG_IOV_OUT:
				ck_assert_msg(i + 1 < s->nargs,
					      "%s: buffer arg %d has no length",
					      s->name, i);
				break;
			default:
				break;
			}
		}
		/* Names are unique. */
		for (long other = nr + 1; other < ABI_NR_SYSCALLS; other++)
			if (abi_syscalls[other].name)
				ck_assert_msg(strcmp(abi_syscalls[other].name,
						     s->name) != 0,
					      "%s twice", s->name);
	}
}
END_TEST

START_TEST(test_lookup_bounds)
{
	ck_assert_ptr_null(abi_syscall(-1));
	ck_assert_ptr_null(abi_syscall(ABI_NR_SYSCALLS));
	ck_assert_ptr_null(abi_syscall(1L << 40));
	/* 335..423 are unassigned on x86-64. */
	ck_assert_ptr_null(abi_syscall(335));
	ck_assert_ptr_null(abi_syscall(423));
	ck_assert_str_eq(abi_syscall(0)->name, "read");
	ck_assert_str_eq(abi_syscall(59)->name, "execve");
	ck_assert_uint_eq(abi_syscall(59)->args[0], ARG_PATH);
	ck_assert_uint_eq(abi_syscall(231)->ret, RET_NORETURN);
	ck_assert_str_eq(abi_syscall(334)->name, "rseq");
	ck_assert_str_eq(abi_syscall(424)->name, "pidfd_send_signal");
	ck_assert_str_eq(abi_syscall(462)->name, "mseal");
	ck_assert_uint_eq(abi_syscall(9)->nargs, 6);
	ck_assert_uint_eq(abi_syscall(9)->ret, RET_HEX);
}
END_TEST

/* Each handler sits on an assigned number; partial ones say how. */
START_TEST(test_dispatch_table)
{
	int handlers = 0;

	for (long nr = 0; nr < ABI_NR_SYSCALLS; nr++) {
		const struct syscall_entry *e = &syscall_table[nr];

		if (!e->fn) {
			ck_assert_uint_eq(e->support, SYSCALL_UNSUPPORTED);
			continue;
		}
		handlers++;
		ck_assert_msg(abi_syscalls[nr].name != NULL,
			      "handler on unassigned %ld", nr);
		ck_assert_msg(
		    e->support == SYSCALL_FULL || e->support == SYSCALL_PARTIAL,
		    "%s: handler without support level", abi_syscalls[nr].name);
		if (e->support == SYSCALL_PARTIAL)
			ck_assert_msg(e->note && *e->note,
				      "%s: partial without a note",
				      abi_syscalls[nr].name);
	}
	ck_assert_int_gt(handlers, 0);
	/* The calls every static program makes must be there. */
	ck_assert_ptr_nonnull(syscall_table[0].fn);   /* read */
	ck_assert_ptr_nonnull(syscall_table[1].fn);   /* write */
	ck_assert_ptr_nonnull(syscall_table[9].fn);   /* mmap */
	ck_assert_ptr_nonnull(syscall_table[12].fn);  /* brk */
	ck_assert_ptr_nonnull(syscall_table[158].fn); /* arch_prctl */
	ck_assert_ptr_nonnull(syscall_table[231].fn); /* exit_group */
}
END_TEST

/* Unimplemented, unassigned and out-of-range numbers are ENOSYS. */
START_TEST(test_dispatch_enosys)
{
	uint64_t args[6] = {0};

	ck_assert_ptr_null(syscall_table[335].fn);
	ck_assert_int_eq(syscall_dispatch(NULL, 335, args), -ENOSYS);
	ck_assert_int_eq(syscall_dispatch(NULL, -1, args), -ENOSYS);
	ck_assert_int_eq(syscall_dispatch(NULL, ABI_NR_SYSCALLS, args),
			 -ENOSYS);
	ck_assert_int_eq(syscall_dispatch(NULL, 1L << 40, args), -ENOSYS);
	/* kexec_load (246) is assigned and will never be implemented. */
	ck_assert_ptr_null(syscall_table[246].fn);
	ck_assert_int_eq(syscall_dispatch(NULL, 246, args), -ENOSYS);
}
END_TEST

static Suite *syscall_table_suite(void)
{
	Suite *s = suite_create("syscall_table");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_matches_host_headers);
	tcase_add_test(tc, test_entries_well_formed);
	tcase_add_test(tc, test_lookup_bounds);
	tcase_add_test(tc, test_dispatch_table);
	tcase_add_test(tc, test_dispatch_enosys);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(syscall_table_suite)
