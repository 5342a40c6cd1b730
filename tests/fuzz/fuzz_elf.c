// SPDX-License-Identifier: Apache-2.0
/*
 * The ELF loader's header checks (sentry/loader/elf.c) on any file: the
 * input is the file. Whatever loader_parse accepts must be consistent
 * (segments inside the file and the address space, sorted, the entry
 * inside a segment), since the loader maps it without checking again. The
 * loading itself (segments, interpreter, stack) is fuzz_syscalls's: it
 * execs files as the application writes them.
 */
#include "sentry/loader/loader.h"
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_elf: %s\n", #cond);              \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info info;
	const char *why = NULL;
	size_t need = loader_headers_len(data, size);
	int ret;

	/* A file of the input's length, and one that claims to be longer. */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t file_size = pass ? (uint64_t)size * 3 + 4096 : size;

		ret = loader_parse(data, size, file_size, &info, &why);
		if (ret) {
			CHECK(why != NULL);
			continue;
		}
		CHECK(need > 0 && need <= size);
		CHECK(info.nseg > 0 && info.nseg <= LOADER_MAX_SEGMENTS);
		CHECK(info.lo <= info.hi);
		for (int i = 0; i < info.nseg; i++) {
			const struct elf_segment *s = &info.seg[i];

			CHECK(s->filesz <= s->memsz);
			CHECK(s->offset + s->filesz >= s->offset);
			CHECK(s->offset + s->filesz <= file_size);
			CHECK(s->vaddr + s->memsz >= s->vaddr);
			CHECK(s->vaddr >= info.lo);
			CHECK(s->vaddr + s->memsz <= info.hi);
			if (i)
				CHECK(s->vaddr >= info.seg[i - 1].vaddr);
		}
		if (info.has_interp)
			CHECK(info.interp_offset + info.interp_len <=
			      file_size);
	}
	return 0;
}
