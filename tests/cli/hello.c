// SPDX-License-Identifier: Apache-2.0
/*
 * Built three ways (static glibc, static-PIE glibc, static musl) for the CLI
 * test: prints its arguments and $MOAT_HELLO, touches heap memory, and
 * exits with the status given as its first argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *env = getenv("MOAT_HELLO");
	size_t len = 4 << 20;
	char *p = malloc(len);
	unsigned sum = 0;

	if (!p)
		return 100;
	memset(p, 7, len);
	for (size_t i = 0; i < len; i += 4096)
		sum += (unsigned char)p[i];
	free(p);
	printf("hello");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf(" env=%s sum=%u\n", env ? env : "(unset)", sum);
	return argc > 1 ? atoi(argv[1]) : 0;
}
