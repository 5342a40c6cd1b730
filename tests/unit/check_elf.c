// SPDX-License-Identifier: Apache-2.0
/* Unit tests of ELF header validation (sentry/loader/elf.c). */
#include "abi/linux.h"
#include "sentry/loader/loader.h"

#include "unit.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PH	  80
#define IMG_BYTES (sizeof(Elf64_Ehdr) + MAX_PH * sizeof(Elf64_Phdr))
#define FILE_SIZE 0x10000ULL

/* An ELF header and its program headers, laid out as in a file. */
struct image {
	union {
		uint8_t bytes[IMG_BYTES];
		struct {
			Elf64_Ehdr eh;
			Elf64_Phdr ph[MAX_PH];
		};
	};
};

static Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t offset,
		       uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr p = {
	    .p_type = type,
	    .p_flags = flags,
	    .p_offset = offset,
	    .p_vaddr = vaddr,
	    .p_paddr = vaddr,
	    .p_filesz = filesz,
	    .p_memsz = memsz,
	    .p_align = type == PT_LOAD ? 0x1000 : 8,
	};

	return p;
}

/* An ELF header of the given type with n program headers after it. */
static void build(struct image *im, uint16_t type, const Elf64_Phdr *ph, int n,
		  uint64_t entry)
{
	Elf64_Ehdr *eh = &im->eh;

	memset(im, 0, sizeof(*im));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = type;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = 0;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)n;
	if (n > 0)
		memcpy(im->ph, ph, (size_t)n * sizeof(*ph));
}

/* Bytes of im that hold the headers. */
static size_t img_len(const struct image *im)
{
	return sizeof(Elf64_Ehdr) + im->eh.e_phnum * sizeof(Elf64_Phdr);
}

/* A static executable: text (R-X) then data (RW-) with bss. */
static void build_exec(struct image *im)
{
	Elf64_Phdr ph[4] = {
	    phdr(PT_LOAD, PF_R | PF_X, 0x0, 0x400000, 0x1000, 0x1000),
	    phdr(PT_LOAD, PF_R | PF_W, 0x1800, 0x401800, 0x800, 0x2000),
	    phdr(PT_NOTE, PF_R, 0x200, 0x400200, 0x20, 0x20),
	    phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0),
	};

	build(im, ET_EXEC, ph, 4, 0x400100);
}

/* A position-independent executable with an interpreter. */
static void build_dyn(struct image *im)
{
	Elf64_Phdr ph[5] = {
	    phdr(PT_PHDR, PF_R, 0x40, 0x40, 5 * sizeof(Elf64_Phdr),
		 5 * sizeof(Elf64_Phdr)),
	    phdr(PT_INTERP, PF_R, 0x200, 0x200, 28, 28),
	    phdr(PT_LOAD, PF_R | PF_X, 0x0, 0x0, 0x3000, 0x3000),
	    phdr(PT_LOAD, PF_R | PF_W, 0x3000, 0x4000, 0x500, 0x900),
	    phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0),
	};

	build(im, ET_DYN, ph, 5, 0x1040);
}

static int parse(const struct image *im, uint64_t file_size,
		 struct elf_info *info, const char **why)
{
	*why = NULL;
	return loader_parse(im->bytes, img_len(im), file_size, info, why);
}

/* Parse and expect err, with a reason. */
static void expect_err(const struct image *im, uint64_t file_size, int err)
{
	struct elf_info info;
	const char *why;
	int ret = parse(im, file_size, &info, &why);

	ck_assert_int_eq(ret, err);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_gt(strlen(why), 0);
}

START_TEST(test_elf_valid_exec)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert(!info.pie);
	ck_assert_uint_eq(info.entry, 0x400100);
	ck_assert_uint_eq(info.phnum, 4);
	ck_assert_int_eq(info.nseg, 2);
	ck_assert_uint_eq(info.lo, 0x400000);
	ck_assert_uint_eq(info.hi, 0x404000);
	ck_assert_uint_eq(info.seg[0].vaddr, 0x400000);
	ck_assert_uint_eq(info.seg[0].memsz, 0x1000);
	ck_assert_uint_eq(info.seg[0].offset, 0);
	ck_assert_uint_eq(info.seg[0].filesz, 0x1000);
	ck_assert_uint_eq(info.seg[0].prot, ABI_PROT_READ | ABI_PROT_EXEC);
	ck_assert_uint_eq(info.seg[1].vaddr, 0x401800);
	ck_assert_uint_eq(info.seg[1].memsz, 0x2000);
	ck_assert_uint_eq(info.seg[1].offset, 0x1800);
	ck_assert_uint_eq(info.seg[1].filesz, 0x800);
	ck_assert_uint_eq(info.seg[1].prot, ABI_PROT_READ | ABI_PROT_WRITE);
	/* No PT_PHDR: derived from the segment holding e_phoff. */
	ck_assert_uint_eq(info.phdr_vaddr, 0x400040);
	ck_assert(!info.has_interp);
	ck_assert(!info.exec_stack);
}
END_TEST

START_TEST(test_elf_phdr_vaddr_from_second_segment)
{
	struct image im;
	struct elf_info info;
	const char *why;
	Elf64_Phdr ph[2] = {
	    phdr(PT_LOAD, PF_R, 0x1000, 0x401000, 0x1000, 0x1000),
	    phdr(PT_LOAD, PF_R | PF_X, 0x2000, 0x402000, 0x1000, 0x1000),
	};

	/* The phdrs at 0x2040 lie in the second segment. */
	build(&im, ET_EXEC, ph, 2, 0x402000);
	im.eh.e_phoff = 0x40;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.phdr_vaddr, 0);

	/* Move the table: build in a bigger buffer. */
	{
		static uint8_t big[0x3000] __attribute__((aligned(8)));

		memset(big, 0, sizeof(big));
		memcpy(big, &im.eh, sizeof(im.eh));
		((Elf64_Ehdr *)big)->e_phoff = 0x2040;
		memcpy(big + 0x2040, ph, sizeof(ph));
		ck_assert_int_eq(
		    loader_parse(big, sizeof(big), FILE_SIZE, &info, &why), 0);
		ck_assert_uint_eq(info.phdr_vaddr, 0x402040);
		ck_assert_uint_eq(loader_headers_len(big, sizeof(big)),
				  0x2040 + sizeof(ph));
	}
}
END_TEST

START_TEST(test_elf_valid_dyn)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_dyn(&im);
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert(info.pie);
	ck_assert_uint_eq(info.entry, 0x1040);
	ck_assert_uint_eq(info.phnum, 5);
	ck_assert_int_eq(info.nseg, 2);
	ck_assert_uint_eq(info.lo, 0);
	ck_assert_uint_eq(info.hi, 0x5000);
	ck_assert_uint_eq(info.phdr_vaddr, 0x40);
	ck_assert(info.has_interp);
	ck_assert_uint_eq(info.interp_offset, 0x200);
	ck_assert_uint_eq(info.interp_len, 28);
	ck_assert(!info.exec_stack);
}
END_TEST

START_TEST(test_elf_pt_phdr_wins)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	/* PT_PHDR says where the table is, even if not where e_phoff is. */
	im.ph[2] = phdr(PT_PHDR, PF_R, 0x40, 0x400abc, 0xe0, 0xe0);
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.phdr_vaddr, 0x400abc);
}
END_TEST

START_TEST(test_elf_bad_magic)
{
	struct image im;

	for (int i = 0; i < SELFMAG; i++) {
		build_exec(&im);
		im.eh.e_ident[i] ^= 0x20;
		expect_err(&im, FILE_SIZE, -ENOEXEC);
		ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)), 0);
	}
	/* A shell script. */
	memset(&im, 0, sizeof(im));
	memcpy(im.bytes, "#!/bin/sh\necho hi\n", 18);
	expect_err(&im, 18, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_32bit_class)
{
	struct image im;

	build_exec(&im);
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_ident[EI_CLASS] = ELFCLASSNONE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_big_endian)
{
	struct image im;

	build_exec(&im);
	im.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_ident[EI_DATA] = ELFDATANONE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_bad_version)
{
	struct image im;

	build_exec(&im);
	im.eh.e_ident[EI_VERSION] = EV_NONE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_wrong_machine)
{
	struct image im;

	build_exec(&im);
	im.eh.e_machine = EM_386;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_machine = EM_AARCH64;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_machine = EM_NONE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_wrong_type)
{
	struct image im;

	build_exec(&im);
	im.eh.e_type = ET_REL;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_type = ET_CORE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_type = ET_NONE;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_bad_phentsize)
{
	struct image im;

	build_exec(&im);
	im.eh.e_phentsize = sizeof(Elf32_Phdr);
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.eh.e_phentsize = sizeof(Elf64_Phdr) + 8;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  sizeof(Elf64_Ehdr));
	im.eh.e_phentsize = 0;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_no_phdrs)
{
	struct image im;

	build_exec(&im);
	im.eh.e_phnum = 0;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  sizeof(Elf64_Ehdr));
}
END_TEST

START_TEST(test_elf_phdr_table_too_large)
{
	struct image im;
	struct elf_info info;
	const char *why = NULL;

	build_exec(&im);
	im.eh.e_phnum = LOADER_MAX_PHDR_BYTES / sizeof(Elf64_Phdr) + 1;
	ck_assert_int_eq(
	    loader_parse(im.bytes, sizeof(im), UINT64_MAX, &info, &why),
	    -ENOEXEC);
	ck_assert_ptr_nonnull(why);
	im.eh.e_phnum = 0xffff;
	ck_assert_int_eq(
	    loader_parse(im.bytes, sizeof(im), UINT64_MAX, &info, &why),
	    -ENOEXEC);
}
END_TEST

START_TEST(test_elf_phdrs_beyond_file)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	/* The file ends inside the last program header. */
	expect_err(&im, img_len(&im) - 1, -EINVAL);
	/* The table starts past the end of the file. */
	im.eh.e_phoff = FILE_SIZE + 8;
	expect_err(&im, FILE_SIZE, -EINVAL);
	im.eh.e_phoff = UINT64_MAX - 7;
	expect_err(&im, FILE_SIZE, -EINVAL);
	im.eh.e_phoff = UINT64_MAX - 7;
	expect_err(&im, UINT64_MAX, -EINVAL);
	/* Exactly at the end: fine as far as the file goes. */
	build_exec(&im);
	im.ph[0].p_filesz = im.ph[0].p_memsz = 0x100;
	im.ph[1].p_vaddr = 0x401100;
	im.ph[1].p_offset = 0x100;
	im.ph[1].p_filesz = 0;
	ck_assert_int_eq(parse(&im, img_len(&im), &info, &why), 0);
}
END_TEST

START_TEST(test_elf_buffer_too_short)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	/* Not even an ELF header. */
	why = NULL;
	ck_assert_int_eq(loader_parse(im.bytes, sizeof(Elf64_Ehdr) - 1,
				      FILE_SIZE, &info, &why),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(why);
	why = NULL;
	ck_assert_int_eq(loader_parse(im.bytes, 0, FILE_SIZE, &info, &why),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(why);
	/* A file shorter than an ELF header. */
	expect_err(&im, sizeof(Elf64_Ehdr) - 1, -ENOEXEC);
	/* The header, but not all the program headers. */
	why = NULL;
	ck_assert_int_eq(
	    loader_parse(im.bytes, img_len(&im) - 1, FILE_SIZE, &info, &why),
	    -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(Elf64_Ehdr)),
			  img_len(&im));
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(Elf64_Ehdr) - 1),
			  0);
}
END_TEST

START_TEST(test_elf_misaligned_phoff)
{
	struct image im;
	Elf64_Phdr ph[4];

	build_exec(&im);
	memcpy(ph, im.ph, sizeof(ph));
	memmove(im.bytes + 0x44, ph, sizeof(ph));
	im.eh.e_phoff = 0x44;
	ck_assert_int_eq(loader_parse(im.bytes, sizeof(im), FILE_SIZE,
				      &(struct elf_info){0},
				      &(const char *){NULL}),
			 -ENOEXEC);
}
END_TEST

START_TEST(test_elf_filesz_exceeds_memsz)
{
	struct image im;

	build_exec(&im);
	im.ph[1].p_filesz = im.ph[1].p_memsz + 1;
	expect_err(&im, FILE_SIZE, -EINVAL);
}
END_TEST

START_TEST(test_elf_segment_beyond_file)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	/* Data ends at 0x2000: exactly the file is fine, a byte less not. */
	ck_assert_int_eq(parse(&im, 0x2000, &info, &why), 0);
	expect_err(&im, 0x1fff, -EINVAL);
	/* Offset past the end. */
	build_exec(&im);
	im.ph[1].p_offset = FILE_SIZE + 0x1800;
	im.ph[1].p_vaddr = 0x401800;
	expect_err(&im, FILE_SIZE, -EINVAL);
	/* offset + filesz wraps. */
	build_exec(&im);
	im.ph[1].p_offset = UINT64_MAX & ~0xfffULL;
	im.ph[1].p_vaddr = 0x402000;
	im.ph[1].p_filesz = 0x2000;
	expect_err(&im, FILE_SIZE, -EINVAL);
	expect_err(&im, UINT64_MAX, -EINVAL);
}
END_TEST

START_TEST(test_elf_incongruent_segment)
{
	struct image im;

	build_exec(&im);
	im.ph[1].p_offset = 0x1000; /* vaddr 0x401800 */
	expect_err(&im, FILE_SIZE, -EINVAL);
	build_exec(&im);
	im.ph[0].p_vaddr = 0x400008;
	expect_err(&im, FILE_SIZE, -EINVAL);
}
END_TEST

START_TEST(test_elf_segment_outside_address_space)
{
	struct image im;
	struct elf_info info;
	const char *why;

	/* Ends exactly at the top: fine. */
	build_exec(&im);
	im.ph[1].p_vaddr = ABI_TASK_SIZE - 0x2000 + 0x800;
	im.ph[1].p_offset = 0x1800;
	im.ph[1].p_memsz = 0x1800;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.hi, ABI_TASK_SIZE);
	/* One byte more. */
	im.ph[1].p_memsz = 0x1801;
	expect_err(&im, FILE_SIZE, -ENOMEM);
	/* Starting at the top. */
	build_exec(&im);
	im.ph[1].p_vaddr = ABI_TASK_SIZE + 0x800;
	expect_err(&im, FILE_SIZE, -ENOMEM);
	/* Kernel half. */
	build_exec(&im);
	im.ph[1].p_vaddr = 0xffffffff80001800ULL;
	expect_err(&im, FILE_SIZE, -ENOMEM);
	/* vaddr + memsz overflows 64 bits. */
	build_exec(&im);
	im.ph[1].p_memsz = UINT64_MAX - 0x401000;
	expect_err(&im, FILE_SIZE, -ENOMEM);
	build_exec(&im);
	im.ph[1].p_memsz = UINT64_MAX;
	expect_err(&im, FILE_SIZE, -ENOMEM);
}
END_TEST

START_TEST(test_elf_overlapping_loads)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	im.ph[1].p_vaddr = 0x400800; /* inside the text segment */
	expect_err(&im, FILE_SIZE, -EINVAL);
	build_exec(&im);
	im.ph[1].p_vaddr = 0x401000; /* right after the text: fine */
	im.ph[1].p_offset = 0x1000;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	/* Descending order. */
	build_exec(&im);
	im.ph[1].p_vaddr = 0x301800;
	expect_err(&im, FILE_SIZE, -EINVAL);
	/* Sharing a page but not overlapping is fine. */
	build_exec(&im);
	im.ph[0].p_filesz = im.ph[0].p_memsz = 0x800;
	im.ph[1].p_vaddr = 0x400800;
	im.ph[1].p_offset = 0x800;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.lo, 0x400000);
	ck_assert_uint_eq(info.hi, 0x403000);
}
END_TEST

static void build_many_loads(struct image *im, int n)
{
	Elf64_Phdr ph[MAX_PH];

	for (int i = 0; i < n; i++)
		ph[i] = phdr(PT_LOAD, PF_R, (uint64_t)i * 0x1000,
			     0x400000 + (uint64_t)i * 0x1000, 0x1000, 0x1000);
	build(im, ET_EXEC, ph, n, 0x400000);
}

START_TEST(test_elf_too_many_loads)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_many_loads(&im, LOADER_MAX_SEGMENTS);
	ck_assert_int_eq(parse(&im, 0x100000, &info, &why), 0);
	ck_assert_int_eq(info.nseg, LOADER_MAX_SEGMENTS);
	ck_assert_uint_eq(info.hi, 0x400000 + LOADER_MAX_SEGMENTS * 0x1000);
	build_many_loads(&im, LOADER_MAX_SEGMENTS + 1);
	expect_err(&im, 0x100000, -ENOMEM);
	/* Empty PT_LOADs do not count. */
	build_many_loads(&im, LOADER_MAX_SEGMENTS + 1);
	im.ph[10].p_memsz = im.ph[10].p_filesz = 0;
	ck_assert_int_eq(parse(&im, 0x100000, &info, &why), 0);
	ck_assert_int_eq(info.nseg, LOADER_MAX_SEGMENTS);
}
END_TEST

START_TEST(test_elf_no_loads)
{
	struct image im;
	Elf64_Phdr ph[2] = {
	    phdr(PT_NOTE, PF_R, 0x200, 0x400200, 0x20, 0x20),
	    phdr(PT_LOAD, PF_R, 0x0, 0x400000, 0x0, 0x0),
	};

	build(&im, ET_EXEC, ph, 2, 0x400000);
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_interp)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_dyn(&im);
	im.ph[1].p_filesz = 1;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.ph[1].p_filesz = 0;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.ph[1].p_filesz = ABI_PATH_MAX + 1;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.ph[1].p_filesz = ABI_PATH_MAX;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.interp_len, ABI_PATH_MAX);
	im.ph[1].p_filesz = 2;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	/* Beyond the end of the file. */
	im.ph[1].p_offset = FILE_SIZE - 1;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.ph[1].p_offset = FILE_SIZE + 1;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
	im.ph[1].p_offset = UINT64_MAX;
	expect_err(&im, FILE_SIZE, -ENOEXEC);
}
END_TEST

START_TEST(test_elf_two_interps)
{
	struct image im;

	build_dyn(&im);
	im.ph[4] = im.ph[1];
	expect_err(&im, FILE_SIZE, -EINVAL);
}
END_TEST

START_TEST(test_elf_gnu_stack)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert(!info.exec_stack);
	im.ph[3].p_flags = PF_R | PF_W | PF_X;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert(info.exec_stack);
	/* Without PT_GNU_STACK the stack is executable, as in Linux. */
	im.ph[3].p_type = PT_NULL;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert(info.exec_stack);
}
END_TEST

START_TEST(test_elf_entry_outside)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_exec(&im);
	im.eh.e_entry = ABI_TASK_SIZE;
	expect_err(&im, FILE_SIZE, -EINVAL);
	im.eh.e_entry = 0x7ffffffff000ULL;
	expect_err(&im, FILE_SIZE, -EINVAL);
	im.eh.e_entry = UINT64_MAX;
	expect_err(&im, FILE_SIZE, -EINVAL);
	im.eh.e_entry = ABI_TASK_SIZE - 1;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	ck_assert_uint_eq(info.entry, 0x7fffffffefffULL);
}
END_TEST

START_TEST(test_elf_pie_too_large)
{
	struct image im;
	struct elf_info info;
	const char *why;

	build_dyn(&im);
	/* The span is page-rounded: the most that fits ends here. */
	im.ph[3].p_memsz = (ABI_TASK_SIZE / 2 & ~0xfffULL) - 0x4000;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
	im.ph[3].p_memsz += 0x1000;
	expect_err(&im, FILE_SIZE, -ENOMEM);
	/* The same span is fine in a non-PIE executable. */
	im.eh.e_type = ET_EXEC;
	ck_assert_int_eq(parse(&im, FILE_SIZE, &info, &why), 0);
}
END_TEST

START_TEST(test_elf_headers_len)
{
	struct image im;

	build_exec(&im);
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  sizeof(Elf64_Ehdr) + 4 * sizeof(Elf64_Phdr));
	/* Only the ELF header is needed to compute it. */
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(Elf64_Ehdr)),
			  sizeof(Elf64_Ehdr) + 4 * sizeof(Elf64_Phdr));
	/* A table inside the header still needs the whole header. */
	im.eh.e_phoff = 0;
	im.eh.e_phnum = 1;
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  sizeof(Elf64_Ehdr));
	/* Absurd offsets: only the header, and parse rejects the rest. */
	build_exec(&im);
	im.eh.e_phoff = UINT64_MAX - 16;
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  sizeof(Elf64_Ehdr));
	im.eh.e_phoff = 1ULL << 40;
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)),
			  (size_t)((1ULL << 40) + 4 * sizeof(Elf64_Phdr)));
	/* Not ELF. */
	memset(&im, 0, sizeof(im));
	ck_assert_uint_eq(loader_headers_len(im.bytes, sizeof(im)), 0);
}
END_TEST

/* Deterministic xorshift64*. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static const uint64_t interesting[] = {
    0,
    1,
    7,
    8,
    0x40,
    0x1000,
    0xfff,
    0x7ffffffff000ULL,
    0x7fffffffefffULL,
    0x7ffffffff001ULL,
    0x3ffffffff800ULL,
    0x8000000000000000ULL,
    UINT64_MAX,
    UINT64_MAX - 0xfff,
    FILE_SIZE,
    FILE_SIZE - 1,
    PT_LOAD,
    PT_INTERP,
    PT_GNU_STACK,
    PT_PHDR,
};

/* One random change to im: a byte, a field-sized word or a phdr copy. */
static void mutate(struct image *im, size_t len)
{
	size_t pos = rnd() % len;

	switch (rnd() % 5) {
	case 0:
		im->bytes[pos] = (uint8_t)rnd();
		break;
	case 1:
		im->bytes[pos] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 2: {
		uint64_t v = interesting[rnd() % (sizeof(interesting) /
						  sizeof(interesting[0]))];
		size_t at = pos & ~(size_t)7;

		if (at + 8 <= len)
			memcpy(im->bytes + at, &v, 8);
		else
			memcpy(im->bytes + at, &v, len - at);
		break;
	}
	case 3: {
		uint32_t v = (uint32_t)rnd() % 8;
		size_t at = pos & ~(size_t)3;

		if (at + 4 <= len)
			memcpy(im->bytes + at, &v, 4);
		break;
	}
	default: {
		int n = im->eh.e_phnum < MAX_PH ? im->eh.e_phnum : MAX_PH;

		if (n > 1 && im->eh.e_phoff == sizeof(Elf64_Ehdr))
			im->ph[rnd() % (uint64_t)n] =
			    im->ph[rnd() % (uint64_t)n];
		break;
	}
	}
}

static void check_success(const struct elf_info *info, uint64_t file_size)
{
	ck_assert_int_ge(info->nseg, 1);
	ck_assert_int_le(info->nseg, LOADER_MAX_SEGMENTS);
	ck_assert_uint_lt(info->entry, ABI_TASK_SIZE);
	ck_assert_uint_le(info->lo, info->hi);
	ck_assert_uint_le(info->hi, ABI_TASK_SIZE);
	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];

		ck_assert_uint_gt(s->memsz, 0);
		ck_assert_uint_le(s->filesz, s->memsz);
		ck_assert_uint_le(s->offset, file_size);
		ck_assert_uint_le(s->filesz, file_size - s->offset);
		ck_assert_uint_lt(s->vaddr, ABI_TASK_SIZE);
		ck_assert_uint_le(s->memsz, ABI_TASK_SIZE - s->vaddr);
		ck_assert_uint_ge(s->vaddr, info->lo);
		ck_assert_uint_le(s->vaddr + s->memsz, info->hi);
		ck_assert_uint_eq(s->prot & ~7u, 0);
		if (i > 0)
			ck_assert_uint_ge(s->vaddr, info->seg[i - 1].vaddr +
							info->seg[i - 1].memsz);
	}
	if (info->has_interp) {
		ck_assert_uint_ge(info->interp_len, 2);
		ck_assert_uint_le(info->interp_len, ABI_PATH_MAX);
		ck_assert_uint_le(info->interp_offset + info->interp_len,
				  file_size);
	}
}

START_TEST(test_elf_fuzz_mutations)
{
	struct image valid[2], im;
	int ok = 0, counts[3] = {0, 0, 0};

	build_exec(&valid[0]);
	build_dyn(&valid[1]);
	rng_state = 0x853c49e6748fea9bULL;
	for (int iter = 0; iter < 20000; iter++) {
		const struct image *base = &valid[iter & 1];
		size_t len = img_len(base);
		uint64_t file_size = FILE_SIZE;
		int nmut = 1 + (int)(rnd() % 6);
		struct elf_info info;
		const char *why = NULL;
		int ret;

		im = *base;
		for (int m = 0; m < nmut; m++)
			mutate(&im, len);
		switch (rnd() % 8) {
		case 0:
			file_size = rnd() % (2 * FILE_SIZE);
			break;
		case 1:
			file_size = UINT64_MAX;
			break;
		case 2:
			len = rnd() % (len + 1);
			break;
		default:
			break;
		}
		ret = loader_parse(im.bytes, len, file_size, &info, &why);
		if (ret == 0) {
			ok++;
			check_success(&info, file_size);
			continue;
		}
		ck_assert_msg(ret == -ENOEXEC || ret == -EINVAL ||
				  ret == -ENOMEM,
			      "iteration %d: unexpected %d", iter, ret);
		ck_assert_msg(why != NULL, "iteration %d: no reason", iter);
		counts[ret == -ENOEXEC ? 0 : ret == -EINVAL ? 1 : 2]++;
		/* loader_headers_len never asks for less than a header. */
		{
			size_t need = loader_headers_len(im.bytes, len);

			ck_assert(need == 0 || need >= sizeof(Elf64_Ehdr));
		}
	}
	/* The mutations reach every outcome. */
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(counts[0], 0);
	ck_assert_int_gt(counts[1], 0);
	ck_assert_int_gt(counts[2], 0);
}
END_TEST

START_TEST(test_elf_truncations)
{
	struct image im;
	size_t full;

	build_dyn(&im);
	full = img_len(&im);
	for (size_t l = 0; l <= sizeof(im.bytes); l++) {
		struct elf_info info;
		const char *why = NULL;
		int ret;

		/* Only l bytes read of a full-sized file. */
		ret = loader_parse(im.bytes, l, FILE_SIZE, &info, &why);
		if (l < sizeof(Elf64_Ehdr))
			ck_assert_int_eq(ret, -ENOEXEC);
		else if (l < full)
			ck_assert_int_eq(ret, -EINVAL);
		else
			ck_assert_int_eq(ret, 0);
		ck_assert(ret == 0 || why != NULL);

		/* A file of only l bytes. */
		why = NULL;
		ret = loader_parse(im.bytes, l, l, &info, &why);
		if (l < sizeof(Elf64_Ehdr))
			ck_assert_int_eq(ret, -ENOEXEC);
		else if (l < full)
			ck_assert_int_eq(ret, -EINVAL); /* phdrs cut */
		else if (l < 0x200 + 28)
			ck_assert_int_eq(ret, -ENOEXEC); /* interp cut */
		else
			ck_assert_int_eq(ret, -EINVAL); /* text cut */
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(test_elf_busybox)
{
	static uint8_t buf[65536] __attribute__((aligned(8)));
	struct elf_info info;
	const char *why = NULL;
	struct stat st;
	ssize_t n;
	int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* not installed: nothing to check */
	ck_assert_int_eq(fstat(fd, &st), 0);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	ck_assert_int_gt(n, (ssize_t)sizeof(Elf64_Ehdr));
	ck_assert_uint_le(loader_headers_len(buf, (size_t)n), (size_t)n);
	ck_assert_int_eq(
	    loader_parse(buf, (size_t)n, (uint64_t)st.st_size, &info, &why), 0);
	ck_assert_int_ge(info.nseg, 2);
	ck_assert(!info.has_interp);
	ck_assert_uint_ge(info.entry, info.lo);
	ck_assert_uint_lt(info.entry, info.hi);
	ck_assert_uint_ne(info.phdr_vaddr, 0);
	check_success(&info, (uint64_t)st.st_size);
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_elf_valid_exec);
	tcase_add_test(tc, test_elf_phdr_vaddr_from_second_segment);
	tcase_add_test(tc, test_elf_valid_dyn);
	tcase_add_test(tc, test_elf_pt_phdr_wins);
	tcase_add_test(tc, test_elf_bad_magic);
	tcase_add_test(tc, test_elf_32bit_class);
	tcase_add_test(tc, test_elf_big_endian);
	tcase_add_test(tc, test_elf_bad_version);
	tcase_add_test(tc, test_elf_wrong_machine);
	tcase_add_test(tc, test_elf_wrong_type);
	tcase_add_test(tc, test_elf_bad_phentsize);
	tcase_add_test(tc, test_elf_no_phdrs);
	tcase_add_test(tc, test_elf_phdr_table_too_large);
	tcase_add_test(tc, test_elf_phdrs_beyond_file);
	tcase_add_test(tc, test_elf_buffer_too_short);
	tcase_add_test(tc, test_elf_misaligned_phoff);
	tcase_add_test(tc, test_elf_filesz_exceeds_memsz);
	tcase_add_test(tc, test_elf_segment_beyond_file);
	tcase_add_test(tc, test_elf_incongruent_segment);
	tcase_add_test(tc, test_elf_segment_outside_address_space);
	tcase_add_test(tc, test_elf_overlapping_loads);
	tcase_add_test(tc, test_elf_too_many_loads);
	tcase_add_test(tc, test_elf_no_loads);
	tcase_add_test(tc, test_elf_interp);
	tcase_add_test(tc, test_elf_two_interps);
	tcase_add_test(tc, test_elf_gnu_stack);
	tcase_add_test(tc, test_elf_entry_outside);
	tcase_add_test(tc, test_elf_pie_too_large);
	tcase_add_test(tc, test_elf_headers_len);
	tcase_add_test(tc, test_elf_busybox);
	suite_add_tcase(s, tc);

	tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_elf_fuzz_mutations);
	tcase_add_test(tc, test_elf_truncations);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(elf_suite)
