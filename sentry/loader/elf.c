// SPDX-License-Identifier: Apache-2.0
/*
 * ELF header validation: everything the loader trusts about a file is
 * checked here, with no I/O, so it can be tested and fuzzed on its own.
 */
#include "abi/linux.h"
#include "sentry/kernel/util.h"
#include "sentry/loader/loader.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

size_t loader_headers_len(const void *buf, size_t len)
{
	const Elf64_Ehdr *eh = buf;
	uint64_t end;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return sizeof(*eh);
	end = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (end < eh->e_phoff ||
	    end > sizeof(*eh) + LOADER_MAX_PHDR_BYTES + (uint64_t)eh->e_phoff)
		return sizeof(*eh);
	return end > sizeof(*eh) ? (size_t)end : sizeof(*eh);
}

static uint32_t prot_of(uint32_t pflags)
{
	uint32_t prot = 0;

	if (pflags & PF_R)
		prot |= ABI_PROT_READ;
	if (pflags & PF_W)
		prot |= ABI_PROT_WRITE;
	if (pflags & PF_X)
		prot |= ABI_PROT_EXEC;
	return prot;
}

#define FAIL(err, msg)                                                         \
	do {                                                                   \
		*why = (msg);                                                  \
		return (err);                                                  \
	} while (0)

int loader_parse(const void *buf, size_t len, uint64_t file_size,
		 struct elf_info *out, const char **why)
{
	const Elf64_Ehdr *eh = buf;
	const Elf64_Phdr *ph;
	uint64_t phbytes, prev_end = 0;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*eh) || file_size < sizeof(*eh))
		FAIL(-ENOEXEC, "file too short for an ELF header");
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		FAIL(-ENOEXEC, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		FAIL(-ENOEXEC, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		FAIL(-ENOEXEC, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		FAIL(-ENOEXEC, "unknown ELF version");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		FAIL(-ENOEXEC, "ELF file is not an executable");
	if (eh->e_machine != EM_X86_64)
		FAIL(-ENOEXEC, "ELF file is not for x86-64");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		FAIL(-ENOEXEC, "bad program header entry size");
	if (eh->e_phnum == 0)
		FAIL(-ENOEXEC, "no program headers");
	phbytes = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (phbytes > LOADER_MAX_PHDR_BYTES)
		FAIL(-ENOEXEC, "program header table too large");
	if (eh->e_phoff > file_size || phbytes > file_size - eh->e_phoff)
		FAIL(-EINVAL, "program headers beyond the end of the file");
	if (eh->e_phoff + phbytes > len)
		FAIL(-EINVAL, "program headers not read");
	if (eh->e_phoff % 8)
		FAIL(-ENOEXEC, "misaligned program headers");

	out->pie = eh->e_type == ET_DYN;
	out->entry = eh->e_entry;
	out->phnum = eh->e_phnum;
	out->exec_stack = true; /* no PT_GNU_STACK: executable, as Linux */
	ph = (const Elf64_Phdr *)((const char *)buf + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		struct elf_segment *s;

		switch (p->p_type) {
		case PT_INTERP:
			if (out->has_interp)
				FAIL(-EINVAL, "more than one PT_INTERP");
			if (p->p_filesz < 2 || p->p_filesz > ABI_PATH_MAX ||
			    p->p_offset > file_size ||
			    p->p_filesz > file_size - p->p_offset)
				FAIL(-ENOEXEC, "bad PT_INTERP");
			out->has_interp = true;
			out->interp_offset = p->p_offset;
			out->interp_len = p->p_filesz;
			continue;
		case PT_GNU_STACK:
			out->exec_stack = p->p_flags & PF_X;
			continue;
		case PT_PHDR:
			out->phdr_vaddr = p->p_vaddr;
			continue;
		case PT_LOAD:
			break;
		default:
			continue;
		}
		if (p->p_memsz == 0)
			continue;
		if (out->nseg == LOADER_MAX_SEGMENTS)
			FAIL(-ENOMEM, "too many PT_LOAD segments");
		if (p->p_filesz > p->p_memsz)
			FAIL(-EINVAL, "segment file size exceeds memory size");
		if (p->p_offset > file_size ||
		    p->p_filesz > file_size - p->p_offset)
			FAIL(-EINVAL, "segment beyond the end of the file");
		if (p->p_align > 1 && (p->p_vaddr - p->p_offset) % PAGE_SIZE)
			FAIL(-EINVAL, "segment offset and address not "
				      "congruent modulo the page size");
		if (p->p_vaddr >= ABI_TASK_SIZE ||
		    p->p_memsz > ABI_TASK_SIZE - p->p_vaddr)
			FAIL(-ENOMEM, "segment outside the address space");
		if (out->nseg > 0 && p->p_vaddr < prev_end)
			FAIL(-EINVAL, "PT_LOAD segments overlap or are not in "
				      "ascending order");
		prev_end = p->p_vaddr + p->p_memsz;
		s = &out->seg[out->nseg++];
		s->vaddr = p->p_vaddr;
		s->memsz = p->p_memsz;
		s->offset = p->p_offset;
		s->filesz = p->p_filesz;
		s->prot = prot_of(p->p_flags);
	}
	if (out->nseg == 0)
		FAIL(-ENOEXEC, "no loadable segments");
	out->lo = page_down(out->seg[0].vaddr);
	out->hi = page_up(prev_end);
	if (out->pie && out->hi - out->lo > ABI_TASK_SIZE / 2)
		FAIL(-ENOMEM, "position-independent image too large");
	if (!out->phdr_vaddr) {
		/* The phdrs live in the segment that maps e_phoff. */
		for (int i = 0; i < out->nseg; i++) {
			struct elf_segment *s = &out->seg[i];

			if (eh->e_phoff >= s->offset &&
			    eh->e_phoff + phbytes <= s->offset + s->filesz) {
				out->phdr_vaddr =
				    s->vaddr + (eh->e_phoff - s->offset);
				break;
			}
		}
	}
	if (out->entry >= ABI_TASK_SIZE)
		FAIL(-EINVAL, "entry point outside the address space");
	return 0;
}
