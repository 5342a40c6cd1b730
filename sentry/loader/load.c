// SPDX-License-Identifier: Apache-2.0
/*
 * Loading an executable into a fresh address space and building its stack,
 * laid out as Linux's create_elf_tables does: from the top, an 8-byte end
 * marker, the executable's name, the environment and argument strings, the
 * platform string, 16 random bytes, then (16-byte aligned) argc, argv,
 * envp and the auxiliary vector.
 *
 * A PT_INTERP executable gets its interpreter (ld.so) loaded beside it,
 * opened through the sandbox's VFS, and starts there with AT_BASE set.
 *
 * AT_SYSINFO_EHDR names the platform's vDSO where it has one (the host's,
 * kept by the ptrace and systrap stubs). Deviation: init's executable is
 * read from a host fd moat opened.
 */
#include "abi/linux.h"
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ELF_ET_DYN_BASE (page_down(ABI_TASK_SIZE / 3 * 2))
#define MAX_ARG_STRLEN	(32 * PAGE_SIZE)
#define STACK_GUARD_GAP (256 * PAGE_SIZE)
#define MMAP_GAP_MIN	(128UL << 20)

static uint64_t rnd64(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 0;
	return r;
}

/* Choose the address-space layout: stack at the top, mmap below it. */
static void layout(struct mm *mm, uint64_t stack_size)
{
	/* Linux randomizes the stack top within 16 GiB, mmap in 1 TiB. */
	uint64_t stack_rnd = (rnd64() & ((1UL << 22) - 1)) << PAGE_SHIFT;
	uint64_t mmap_rnd = (rnd64() & ((1UL << 28) - 1)) << PAGE_SHIFT;
	uint64_t gap = stack_size + STACK_GUARD_GAP;

	if (gap < MMAP_GAP_MIN)
		gap = MMAP_GAP_MIN;
	mm->stack_top = page_down(mm->limit - PAGE_SIZE - stack_rnd);
	mm->mmap_base = page_down(mm->stack_top - gap - mmap_rnd);
}

/* An executable to load: a host fd, or a file of the sandbox's VFS. */
struct lfile {
	int fd;		/* host fd with the data, or -1 */
	struct file *f; /* or NULL */
	uint64_t size;
};

static int lf_read(const struct lfile *lf, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (lf->fd >= 0)
			n = pread(lf->fd, (char *)buf + done, len - done,
				  (off_t)(off + done));
		else if (lf->f->ops->kread)
			n = lf->f->ops->kread(lf->f, (char *)buf + done,
					      len - done,
					      (int64_t)(off + done));
		else
			return -EACCES;
		if (n < 0 && (lf->fd < 0 ? n == -EINTR : errno == EINTR))
			continue;
		if (n < 0)
			return lf->fd >= 0 ? -errno : (int)n;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Copy len bytes of the file at off into the application's memory. */
static int lf_fill(struct mm *mm, uint64_t addr, const struct lfile *lf,
		   uint64_t off, size_t len)
{
	uint8_t *buf autofree = NULL;
	size_t chunk = 64 * 1024;

	if (lf->fd >= 0)
		return mm_fill_from_fd(mm, addr, lf->fd, off, len);
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	for (size_t done = 0; done < len; done += chunk) {
		size_t n = len - done < chunk ? len - done : chunk;
		int err = lf_read(lf, buf, n, off + done);

		if (!err)
			err = mm_poke(mm, addr + done, buf, n);
		if (err)
			return err;
	}
	return 0;
}

static int map_segments(struct mm *mm, const struct lfile *lf,
			const struct elf_info *info, uint64_t bias)
{
	uint64_t mapped_end = 0; /* end of pages mapped so far */
	static const uint8_t zeros[PAGE_SIZE];
	int err;

	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];
		uint64_t start = page_down(s->vaddr + bias);
		uint64_t end = page_up(s->vaddr + bias + s->memsz);
		uint64_t file_end = s->vaddr + bias + s->filesz;
		uint64_t zero_end;

		/* A page shared with the previous segment stays mapped. */
		if (start < mapped_end) {
			long vi = vma_find(&mm->vmas, start);
			uint32_t prot = s->prot;

			if (vi >= 0)
				prot |= mm->vmas.v[vi].prot;
			err = mm_mprotect(mm, start, PAGE_SIZE, prot);
			if (err)
				return err;
			start = mapped_end;
		}
		if (end > start) {
			err = mm_map_fixed(mm, start, end - start, s->prot, 0);
			if (err)
				return err;
		}
		mapped_end = end;
		if (s->filesz) {
			err = lf_fill(mm, s->vaddr + bias, lf, s->offset,
				      s->filesz);
			if (err)
				return err == -EFAULT ? -ENOMEM : err;
		}
		/* Zero the rest of the last file page (it may be shared). */
		zero_end = min_t(uint64_t, page_up(file_end),
				 s->vaddr + bias + s->memsz);
		if (s->filesz && zero_end > file_end) {
			err = mm_poke(mm, file_end, zeros, zero_end - file_end);
			if (err)
				return err;
		}
	}
	return 0;
}

struct stack_builder {
	struct mm *mm;
	uint64_t sp;
	uint64_t floor; /* lowest address we may write */
};

static int push_bytes(struct stack_builder *b, const void *p, size_t len,
		      uint64_t *addr)
{
	if (b->sp - b->floor < len)
		return -E2BIG;
	b->sp -= len;
	if (addr)
		*addr = b->sp;
	return mm_poke(b->mm, b->sp, p, len);
}

static int count_strings(char *const v[], size_t *n, size_t *bytes)
{
	*n = 0;
	for (; v && v[*n]; (*n)++) {
		size_t len = strlen(v[*n]) + 1;

		if (len > MAX_ARG_STRLEN)
			return -E2BIG;
		*bytes += len;
	}
	return 0;
}

static int build_stack(struct task *t, const struct elf_info *info,
		       uint64_t bias, uint64_t interp_base, const char *path,
		       char *const argv[], char *const envp[],
		       uint64_t stack_size, uint64_t *rsp)
{
	struct mm *mm = t->mm;
	struct stack_builder b = {mm, mm->stack_top,
				  mm->stack_top - stack_size};
	size_t argc, envc, bytes = 0, items, i;
	uint64_t execfn, platform, random_addr, zero = 0;
	uint64_t *ptrs autofree = NULL;
	uint64_t auxv[2 * 24];
	uint8_t rnd[16];
	int err, na = 0;

	if (count_strings(argv, &argc, &bytes) ||
	    count_strings(envp, &envc, &bytes))
		return -E2BIG;
	/* Linux: strings may take a quarter of the stack limit. */
	if (bytes > stack_size / 4)
		return -E2BIG;
	ptrs = calloc(argc + envc + 2, sizeof(*ptrs));
	if (!ptrs)
		return -ENOMEM;

	err = push_bytes(&b, &zero, sizeof(zero), NULL);
	if (!err)
		err = push_bytes(&b, path, strlen(path) + 1, &execfn);
	for (i = envc; !err && i-- > 0;)
		err = push_bytes(&b, envp[i], strlen(envp[i]) + 1,
				 &ptrs[argc + 1 + i]);
	for (i = argc; !err && i-- > 0;)
		err = push_bytes(&b, argv[i], strlen(argv[i]) + 1, &ptrs[i]);
	if (err)
		return err;
	/* For /proc/PID/cmdline and environ: the strings, as laid out. */
	mm->env_end = execfn;
	mm->env_start = envc ? ptrs[argc + 1] : execfn;
	mm->arg_end = mm->env_start;
	mm->arg_start = argc ? ptrs[0] : mm->arg_end;
	/* A random offset below the strings, as arch_align_stack does. */
	b.sp = (b.sp - (rnd64() % 8192)) & ~15UL;
	err = push_bytes(&b, "x86_64", 7, &platform);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	if (!err)
		err = push_bytes(&b, rnd, sizeof(rnd), &random_addr);
	if (err)
		return err;

#define AUX(type, val)                                                         \
	do {                                                                   \
		auxv[na++] = (type);                                           \
		auxv[na++] = (val);                                            \
	} while (0)
	/* The platform's vDSO, first as Linux's ARCH_DLINFO puts it. */
	if (t->k->plat->vdso)
		AUX(ABI_AT_SYSINFO_EHDR, t->k->plat->vdso);
	AUX(ABI_AT_HWCAP, getauxval(AT_HWCAP));
	AUX(ABI_AT_PAGESZ, PAGE_SIZE);
	AUX(ABI_AT_CLKTCK, 100);
	AUX(ABI_AT_PHDR, info->phdr_vaddr + bias);
	AUX(ABI_AT_PHENT, 56);
	AUX(ABI_AT_PHNUM, info->phnum);
	AUX(ABI_AT_BASE, interp_base);
	AUX(ABI_AT_FLAGS, 0);
	AUX(ABI_AT_ENTRY, info->entry + bias);
	AUX(ABI_AT_UID, t->creds.ruid);
	AUX(ABI_AT_EUID, t->creds.euid);
	AUX(ABI_AT_GID, t->creds.rgid);
	AUX(ABI_AT_EGID, t->creds.egid);
	AUX(ABI_AT_SECURE, 0);
	AUX(ABI_AT_RANDOM, random_addr);
	AUX(ABI_AT_HWCAP2, getauxval(AT_HWCAP2));
	AUX(ABI_AT_EXECFN, execfn);
	AUX(ABI_AT_PLATFORM, platform);
	AUX(ABI_AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ));
	AUX(ABI_AT_NULL, 0);
#undef AUX

	items = 1 + (argc + 1) + (envc + 1);
	if (b.sp - b.floor < (items + (size_t)na) * 8 + 16)
		return -E2BIG;
	b.sp = (b.sp - (items + (size_t)na) * 8) & ~15UL;
	{
		uint64_t at = b.sp;
		uint64_t v = argc;

		err = mm_poke(mm, at, &v, 8);
		at += 8;
		ptrs[argc] = 0;
		ptrs[argc + 1 + envc] = 0;
		if (!err)
			err = mm_poke(mm, at, ptrs, (argc + envc + 2) * 8);
		at += (argc + envc + 2) * 8;
		if (!err)
			err = mm_poke(mm, at, auxv, (size_t)na * 8);
	}
	*rsp = b.sp;
	return err;
}

/* Read and check the headers of lf into info. */
static int read_headers(const struct lfile *lf, struct elf_info *info,
			const char **why)
{
	uint8_t *hdr autofree = NULL;
	size_t need;
	int err;

	hdr = malloc(64 + LOADER_MAX_PHDR_BYTES + 64);
	if (!hdr)
		return -ENOMEM;
	if (lf->size < 64) {
		*why = "file too short for an ELF header";
		return -ENOEXEC;
	}
	err = lf_read(lf, hdr, 64, 0);
	if (err)
		return err;
	need = loader_headers_len(hdr, 64);
	if (need == 0) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	if (need > 64 && need <= lf->size &&
	    need <= 64 + LOADER_MAX_PHDR_BYTES + 64) {
		err = lf_read(lf, hdr, need, 0);
		if (err)
			return err;
	} else {
		need = 64;
	}
	return loader_parse(hdr, need, lf->size, info, why);
}

/* Open path through the task's view of the filesystem, as open_exec. */
static int open_exec_at(struct task *t, int dirfd, const char *path,
			int at_flags, struct lfile *out, bool need_x,
			const char **why)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	struct vfs_attr a;
	struct file *f;
	int err;

	/* The filesystem may still be booting beside the loader. */
	err = kernel_wait_vfs(t->k);
	if (err)
		return err;
	if (!t->fs) {
		*why = "no filesystem";
		return -ENOENT;
	}
	err = task_path_begin(t, dirfd, path, at_flags & ABI_AT_EMPTY_PATH,
			      &ctx, &start);
	if (err)
		return err;
	f = vfs_open(
	    &ctx, &start, path,
	    ABI_O_RDONLY |
		(at_flags & ABI_AT_SYMLINK_NOFOLLOW ? ABI_O_NOFOLLOW : 0),
	    0, at_flags & ABI_AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	task_path_end(&ctx, &start);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	err = vfs_inode_getattr(f->inode, &a);
	if (!err && !ABI_S_ISREG(a.mode))
		err = -EACCES;
	if (!err && need_x)
		err = vfs_permission(f->inode, ABI_X_OK, &t->creds);
	if (!err && need_x && f->path.mnt &&
	    (f->path.mnt->flags & VFS_MNT_NOEXEC))
		err = -EACCES;
	if (err) {
		file_put(f);
		return err;
	}
	out->f = f;
	out->fd = f->ops->host_fd ? f->ops->host_fd(f) : -1;
	out->size = a.size;
	return 0;
}

static int open_exec(struct task *t, const char *path, struct lfile *out,
		     bool need_x, const char **why)
{
	return open_exec_at(t, ABI_AT_FDCWD, path, 0, out, need_x, why);
}

/*
 * Open the interpreter named by the executable's PT_INTERP through the
 * task's view of the filesystem.
 */
static int open_interp(struct task *t, const struct lfile *exe,
		       const struct elf_info *info, struct lfile *out,
		       const char **why)
{
	char path[ABI_PATH_MAX];
	int err;

	if (info->interp_len < 2 || info->interp_len > sizeof(path)) {
		*why = "bad PT_INTERP";
		return -ENOEXEC;
	}
	err = lf_read(exe, path, info->interp_len, info->interp_offset);
	if (err)
		return err;
	if (path[info->interp_len - 1] != '\0' ||
	    strlen(path) != info->interp_len - 1) {
		*why = "bad PT_INTERP";
		return -ENOEXEC;
	}
	err = open_exec(t, path, out, false, why);
	if (err)
		*why = "cannot open the interpreter (PT_INTERP)";
	return err;
}

/* Load the interpreter below mmap_base; its bias, or -errno. */
static int64_t load_interp(struct mm *mm, const struct lfile *lf,
			   struct elf_info *ii, const char **why)
{
	uint64_t span, bias;
	int err;

	err = read_headers(lf, ii, why);
	if (err)
		return err;
	if (ii->has_interp) {
		*why = "the interpreter has an interpreter";
		return -ELIBBAD;
	}
	span = ii->hi - ii->lo;
	if (!ii->pie) {
		bias = 0;
	} else {
		if (span > mm->mmap_base - 0x10000) {
			*why = "interpreter does not fit the address space";
			return -ENOMEM;
		}
		bias = page_down(mm->mmap_base - span) - ii->lo;
	}
	err = map_segments(mm, lf, ii, bias);
	if (err) {
		*why = "cannot map the interpreter's segments";
		return err;
	}
	/* Later mappings go below it. */
	if (ii->pie)
		mm->mmap_base = page_down(ii->lo + bias);
	return (int64_t)bias;
}

#define BINPRM_BUF_SIZE 256
#define MAX_RECURSION	4

static int exec_file(struct task *t, const struct lfile *exe, const char *path,
		     char *const argv[], char *const envp[], const char **why,
		     int depth);

/* Where exec_file records the ELF file it loads (loader_execveat's). */
static __thread struct vfs_path *loaded_exe;

/*
 * A "#!" script, as binfmt_script: run the interpreter named on the first
 * line (with its one optional argument) on the script's path.
 */
static int exec_script(struct task *t, const struct lfile *exe,
		       const char *path, char *const argv[], char *const envp[],
		       const char **why, int depth)
{
	char line[BINPRM_BUF_SIZE + 1], *p, *interp, *arg = NULL, *end;
	size_t n = exe->size < BINPRM_BUF_SIZE ? exe->size : BINPRM_BUF_SIZE;
	char **nargv autofree = NULL;
	struct lfile lf = {.fd = -1};
	size_t argc = 0, i = 0;
	int err;

	err = lf_read(exe, line, n, 0);
	if (err)
		return err;
	line[n] = '\0';
	end = memchr(line, '\n', n);
	if (end) {
		*end = '\0';
	} else if (n == BINPRM_BUF_SIZE) {
		/* Without a newline the line must not end in the name. */
		*why = "the #! line is too long";
		return -ENOEXEC;
	}
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p) {
		*why = "no interpreter on the #! line";
		return -ENOEXEC;
	}
	interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			char *q = p + strlen(p);

			while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
				*--q = '\0';
			arg = p;
		}
	}
	while (argv && argv[argc])
		argc++;
	nargv = calloc(argc + 4, sizeof(*nargv));
	if (!nargv)
		return -ENOMEM;
	nargv[i++] = interp;
	if (arg)
		nargv[i++] = arg;
	nargv[i++] = (char *)path;
	for (size_t k = 1; k < argc; k++)
		nargv[i++] = argv[k];
	err = open_exec(t, interp, &lf, true, why);
	if (err) {
		*why = "cannot run the #! interpreter";
		return err;
	}
	err = exec_file(t, &lf, path, nargv, envp, why, depth + 1);
	file_put(lf.f);
	return err;
}

int loader_execveat(struct task *t, int dirfd, const char *path, int flags,
		    const char *filename, bool path_gone, char *const argv[],
		    char *const envp[], char *name, size_t name_len,
		    struct vfs_path *exe_path, const char **why)
{
	struct lfile exe = {.fd = -1};
	struct vfs_path root;
	char magic[2];
	int err;

	*why = NULL;
	err = open_exec_at(t, dirfd, path, flags, &exe, true, why);
	if (err)
		return err;
	/*
	 * A script opened by a close-on-exec fd: its interpreter could not
	 * open /dev/fd/N after the exec (BINPRM_FLAGS_PATH_INACCESSIBLE).
	 */
	if (path_gone && exe.size >= 2 && lf_read(&exe, magic, 2, 0) == 0 &&
	    magic[0] == '#' && magic[1] == '!') {
		*why = "a script by a close-on-exec fd";
		file_put(exe.f);
		return -ENOENT;
	}
	*exe_path = (struct vfs_path){0};
	loaded_exe = exe_path;
	err = exec_file(t, &exe, filename, argv, envp, why, 0);
	loaded_exe = NULL;
	if (err && exe_path->mnt)
		vfs_path_put(exe_path);
	if (!err && exe_path->mnt) {
		pthread_mutex_lock(&t->fs->lock);
		root = t->fs->root;
		vfs_path_get(&root);
		pthread_mutex_unlock(&t->fs->lock);
		if (vfs_path_name(&t->k->ns, &root, exe_path, name, name_len) <
		    0)
			snprintf(name, name_len, "%s", path);
		vfs_path_put(&root);
	}
	file_put(exe.f);
	return err;
}

int loader_exec(struct task *t, int fd, const char *path, char *const argv[],
		char *const envp[], const char **why)
{
	struct lfile exe = {.fd = fd};
	struct stat st;
	int err;

	*why = NULL;
	if (fd < 0) {
		/* The executable is the sandbox's own file. */
		err = open_exec(t, path, &exe, true, why);
		if (err)
			return err;
		err = exec_file(t, &exe, path, argv, envp, why, 0);
		file_put(exe.f);
		return err;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EACCES;
	}
	exe.size = (uint64_t)st.st_size;
	return exec_file(t, &exe, path, argv, envp, why, 0);
}

/*
 * The executable's text and data for /proc, as binfmt_elf reckons them:
 * code from the lowest start to the highest file end of the executable
 * segments, data from the highest segment start to the highest file end.
 */
static void set_code_data(struct mm *mm, const struct elf_info *info,
			  uint64_t bias)
{
	uint64_t start_code = UINT64_MAX, end_code = 0, start_data = 0;
	uint64_t end_data = 0;

	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];
		uint64_t end = s->vaddr + s->filesz;

		if ((s->prot & ABI_PROT_EXEC) && s->vaddr < start_code)
			start_code = s->vaddr;
		if ((s->prot & ABI_PROT_EXEC) && end > end_code)
			end_code = end;
		start_data = max_t(uint64_t, start_data, s->vaddr);
		end_data = max_t(uint64_t, end_data, end);
	}
	if (start_code > end_code)
		start_code = end_code = info->lo; /* no executable segment */
	mm->start_code = start_code + bias;
	mm->end_code = end_code + bias;
	mm->start_data = start_data + bias;
	mm->end_data = end_data + bias;
}

static int exec_file(struct task *t, const struct lfile *exe, const char *path,
		     char *const argv[], char *const envp[], const char **why,
		     int depth)
{
	struct mm *mm = t->mm;
	struct elf_info info, *ii autofree = NULL;
	struct lfile interp = {.fd = -1};
	uint64_t bias = 0, stack_size, rsp, interp_base = 0, entry;
	char magic[2];
	int err;

	if (depth > MAX_RECURSION) {
		*why = "too many levels of #! interpreters";
		return -ELOOP;
	}
	if (exe->size >= 2 && lf_read(exe, magic, 2, 0) == 0 &&
	    magic[0] == '#' && magic[1] == '!')
		return exec_script(t, exe, path, argv, envp, why, depth);
	err = read_headers(exe, &info, why);
	if (err)
		return err;
	/* The ELF file itself (a script's interpreter) is /proc/PID/exe. */
	if (loaded_exe && exe->f && !loaded_exe->mnt) {
		*loaded_exe = exe->f->path;
		vfs_path_get(loaded_exe);
	}

	stack_size = t->tg->rlim[ABI_RLIMIT_STACK].rlim_cur;
	if (stack_size > (1UL << 30) || stack_size < 128 * 1024)
		stack_size = stack_size < 128 * 1024 ? 128 * 1024 : 1UL << 30;
	stack_size = page_up(stack_size);
	layout(mm, stack_size);
	if (info.pie)
		bias = ELF_ET_DYN_BASE +
		       ((rnd64() & ((1UL << 28) - 1)) << PAGE_SHIFT) - info.lo;
	if (info.hi + bias > mm->mmap_base - stack_size ||
	    info.lo + bias < 0x10000) {
		*why = "executable does not fit the address space";
		return -ENOMEM;
	}
	err = map_segments(mm, exe, &info, bias);
	if (err) {
		*why = "cannot map the executable's segments";
		return err;
	}
	set_code_data(mm, &info, bias);
	entry = info.entry + bias;
	if (info.has_interp) {
		int64_t ib;

		ii = malloc(sizeof(*ii));
		if (!ii)
			return -ENOMEM;
		err = open_interp(t, exe, &info, &interp, why);
		if (err)
			return err;
		ib = load_interp(mm, &interp, ii, why);
		file_put(interp.f);
		if (ib < 0)
			return (int)ib;
		interp_base = (uint64_t)ib + ii->lo;
		entry = ii->entry + (uint64_t)ib;
	}
	/* brk starts after the image, at a random offset within 32 MiB. */
	mm->start_brk = page_up(info.hi + bias) +
			((rnd64() & ((1UL << 13) - 1)) << PAGE_SHIFT);
	mm->brk = mm->start_brk;
	mm->data_limit = t->tg->rlim[ABI_RLIMIT_DATA].rlim_cur;
	mm->as_limit = t->tg->rlim[ABI_RLIMIT_AS].rlim_cur;

	err = mm_map_fixed(mm, mm->stack_top - stack_size, stack_size,
			   ABI_PROT_READ | ABI_PROT_WRITE |
			       (info.exec_stack ? ABI_PROT_EXEC : 0),
			   VMA_GROWSDOWN | VMA_STACK);
	if (err) {
		*why = "cannot map the stack";
		return err;
	}
	err = build_stack(t, &info, bias, interp_base, path, argv, envp,
			  stack_size, &rsp);
	if (err) {
		*why = err == -E2BIG ? "argument list too long"
				     : "cannot build the initial stack";
		return err;
	}
	memset(&t->regs, 0, sizeof(t->regs));
	t->regs.rip = entry;
	t->regs.rsp = rsp;
	mm->start_stack = rsp;
	t->regs.eflags = 0x202;
	return 0;
}
