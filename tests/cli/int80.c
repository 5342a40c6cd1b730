// SPDX-License-Identifier: Apache-2.0
/*
 * int $0x80 from 64-bit code: Linux runs the 32-bit call (20 is getpid
 * there, writev in the 64-bit table); moat has no 32-bit calls and must
 * answer ENOSYS, not run writev. Prints the result.
 */
#include <stdio.h>

int main(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(20L) : "memory");
	printf("%ld\n", ret);
	return 0;
}
