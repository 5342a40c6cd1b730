// SPDX-License-Identifier: Apache-2.0
/* Dies of SIGSEGV: the CLI test checks that moat exits with 128+11. */
int main(void)
{
	volatile int *p = (volatile int *)16;

	return *p;
}
