/* SPDX-License-Identifier: Apache-2.0 */
/* What every Check unit-test binary shares. */
#ifndef MOAT_TESTS_UNIT_H
#define MOAT_TESTS_UNIT_H

#include <check.h>

/* main(): run the suite; exit 0 only when every test passed. */
#define UNIT_MAIN(make_suite)                                                  \
	int main(void)                                                         \
	{                                                                      \
		SRunner *sr = srunner_create(make_suite());                    \
		int failed;                                                    \
                                                                               \
		srunner_run_all(sr, CK_NORMAL);                                \
		failed = srunner_ntests_failed(sr);                            \
		srunner_free(sr);                                              \
		return failed == 0 ? 0 : 1;                                    \
	}

#endif
