/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ELF loader: validates an x86-64 executable's headers, maps its
 * segments into a fresh address space and builds the initial stack (argv,
 * envp, auxiliary vector) as Linux's binfmt_elf does.
 */
#ifndef MOAT_LOADER_H
#define MOAT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;

#define LOADER_MAX_SEGMENTS 64
/* Linux refuses program header tables above 64 KiB. */
#define LOADER_MAX_PHDR_BYTES 65536

struct elf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t prot; /* PROT_* */
};

struct elf_info {
	bool pie;	     /* ET_DYN: loaded at a chosen bias */
	uint64_t entry;	     /* unbiased */
	uint64_t phdr_vaddr; /* unbiased address of the phdrs in memory */
	uint16_t phnum;
	uint64_t lo, hi; /* page-rounded span of the PT_LOADs, unbiased */
	int nseg;
	struct elf_segment seg[LOADER_MAX_SEGMENTS];
	bool has_interp;
	uint64_t interp_offset, interp_len;
	bool exec_stack;
};

/*
 * Validate the headers in buf (the first len bytes of a file of file_size
 * bytes; len must cover the ELF header and, if the file is an ELF at all,
 * the program headers: see loader_headers_len). On error returns -ENOEXEC
 * (not an ELF we run), -EINVAL or -ENOMEM (a malformed one), and sets *why.
 */
int loader_parse(const void *buf, size_t len, uint64_t file_size,
		 struct elf_info *out, const char **why);

/* How many leading bytes of the file loader_parse needs (0: not ELF). */
size_t loader_headers_len(const void *ehdr, size_t len);

/*
 * Load the executable open at host fd (or, fd -1, the sandbox's file at
 * path, opened through the VFS; path as the application names it)
 * into t's fresh mm and set t's registers to start it. argv and envp are
 * NULL-terminated host arrays. Returns 0 or -errno with *why set.
 */
int loader_exec(struct task *t, int fd, const char *path, char *const argv[],
		char *const envp[], const char **why);

struct vfs_path;
/*
 * execveat's loading: the sandbox's file at path from dirfd (flags
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW), which must be executable, into t's
 * fresh mm. filename is what the new image is told (AT_EXECFN, a script's
 * path: "/dev/fd/N/path" from a dirfd); path_gone: a script cannot run
 * (its fd closes on exec). name gets its path from t's root, and
 * *exe_path (a reference) the file, for /proc/PID/exe.
 */
int loader_execveat(struct task *t, int dirfd, const char *path, int flags,
		    const char *filename, bool path_gone, char *const argv[],
		    char *const envp[], char *name, size_t name_len,
		    struct vfs_path *exe_path, const char **why);

#endif
