// SPDX-License-Identifier: Apache-2.0
/*
 * Memory for the compressed snapshots' test: snapmem MIB fills MIB MiB
 * with text (each page a line naming the page, repeated: compressible, and
 * no page zero), says "ready", then prints a count every 20 ms, each line
 * saying whether every page still holds its text ("N ok", or "N bad at
 * page P"), so that a restore shows its memory came back whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PG 4096

static void page_text(char *buf, size_t p)
{
	char line[64];
	size_t n =
	    (size_t)snprintf(line, sizeof(line), "page %zu of snapmem\n", p);

	for (size_t at = 0; at < PG; at += n)
		memcpy(buf + at, line, at + n <= PG ? n : PG - at);
}

int main(int argc, char **argv)
{
	static char want[PG];
	size_t pages;
	char *mem;

	if (argc != 2 || !(pages = (strtoul(argv[1], NULL, 10) << 20) / PG))
		return 2;
	mem = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t p = 0; p < pages; p++)
		page_text(mem + p * PG, p);
	printf("ready\n");
	fflush(stdout);
	for (unsigned long i = 1;; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		size_t bad = pages;

		for (size_t p = 0; p < pages && bad == pages; p++) {
			page_text(want, p);
			if (memcmp(mem + p * PG, want, PG))
				bad = p;
		}
		if (bad == pages)
			printf("%lu ok\n", i);
		else
			printf("%lu bad at page %zu\n", i, bad);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
}
