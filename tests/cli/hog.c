// SPDX-License-Identifier: Apache-2.0
/*
 * A memory hog for the memory budget's test: hog touch|read MIB maps MIB
 * MiB and fills it, by writing each page itself (touch) or by read(2)s of
 * /dev/zero into it (read: the kernel writes the pages), then says so.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len, chunk = 1 << 20;
	char *p;
	int fd;

	if (argc != 3 || (strcmp(argv[1], "touch") && strcmp(argv[1], "read")))
		return 2;
	len = strtoul(argv[2], NULL, 10) << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	fd = open("/dev/zero", O_RDONLY);
	for (size_t off = 0; off < len; off += chunk) {
		if (argv[1][0] == 't') {
			for (size_t i = 0; i < chunk; i += 4096)
				p[off + i] = 1;
		} else if (read(fd, p + off, chunk) != (ssize_t)chunk) {
			perror("read");
			return 1;
		}
	}
	printf("filled %s MiB\n", argv[2]);
	return 0;
}
