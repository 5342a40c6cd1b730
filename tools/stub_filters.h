/* SPDX-License-Identifier: Apache-2.0 */
/* The stubs' seccomp filters, readable (stub_filters.c). */
#ifndef MOAT_TOOLS_STUB_FILTERS_H
#define MOAT_TOOLS_STUB_FILTERS_H

#include <stdio.h>

void stub_print_filters(FILE *out);

#endif
