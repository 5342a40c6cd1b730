// SPDX-License-Identifier: Apache-2.0
/*
 * Core dumps (fs/coredump.c, fs/binfmt_elf.c's elf_core_dump): a process
 * that a core-dumping signal kills (SIGQUIT, SIGILL, SIGABRT, SIGSEGV...)
 * writes an ELF core file "core" in its working directory, as Linux does
 * with kernel.core_pattern "core" (the sandbox's), when RLIMIT_CORE allows
 * at least a page and the process is dumpable; its wait status then has
 * 0x80 (WCOREDUMP).
 *
 * The file, as Linux makes it: an old "core" is unlinked first, the new
 * one created exclusively with mode 0600 (less the umask), and kept only
 * if it is a regular file with one link owned by the dumper's fsuid. Its
 * contents: the ELF header, a PT_NOTE (the dumping thread's NT_PRSTATUS
 * and NT_FPREGSET, NT_PRPSINFO, NT_SIGINFO) and a PT_LOAD per mapping,
 * with the data of the readable ones (executables are loaded as anonymous
 * copies, so everything readable is dumped, where Linux's default
 * coredump_filter leaves file-backed private pages out); pages never
 * touched are holes in the file, as Linux's dump_skip leaves them. A dump that
 * would pass RLIMIT_CORE stops there and does not count as dumped.
 *
 * Deviations: only the dumping thread's registers are in the file (Linux
 * waits for every thread and dumps each one's); other threads are stopped
 * for the dump only in that they are told to exit first.
 */
#include "platform/platform.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"
#include "sentry/mm/mm.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/vfs.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CORE_PAGE  4096ULL
#define CORE_CHUNK 256 /* pages looked at with one mincore */

/* struct elf_prstatus and struct elf_prpsinfo on x86-64. */
struct core_prstatus {
	int32_t si_signo, si_code, si_errno;
	int16_t cursig;
	uint16_t pad0;
	uint64_t sigpend, sighold;
	int32_t pid, ppid, pgrp, sid;
	struct abi_timeval utime, stime, cutime, cstime;
	struct abi_user_regs regs;
	int32_t fpvalid;
	int32_t pad1;
};

struct core_prpsinfo {
	char state, sname, zomb, nice;
	uint32_t pad0;
	uint64_t flag;
	uint32_t uid, gid;
	int32_t pid, ppid, pgrp, sid;
	char fname[16];
	char psargs[80];
};

_Static_assert(sizeof(struct core_prstatus) == 336, "elf_prstatus");
_Static_assert(sizeof(struct core_prpsinfo) == 136, "elf_prpsinfo");

struct core_seg {
	uint64_t start, end;
	uint32_t prot;
};

struct core_out {
	struct file *f;
	int64_t pos;
	uint64_t written; /* where the last write ended */
	uint64_t limit;
	int err;
};

static void emit(struct core_out *o, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (!o->err && len) {
		ssize_t n;

		if ((uint64_t)o->pos + len > o->limit) {
			o->err = -EFBIG;
			return;
		}
		n = file_kwrite(o->f, p, len, &o->pos);
		if (n <= 0) {
			o->err = n < 0 ? (int)n : -EIO;
			return;
		}
		p += n;
		len -= (size_t)n;
		o->written = (uint64_t)o->pos;
	}
}

static void emit_zeros(struct core_out *o, uint64_t len)
{
	static const uint8_t zeros[512];

	while (!o->err && len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);

		emit(o, zeros, n);
		len -= n;
	}
}

/* One note: header, "CORE", the descriptor, each padded to 4 bytes. */
static void emit_note(struct core_out *o, uint32_t type, const void *desc,
		      uint32_t len)
{
	Elf64_Nhdr h = {.n_namesz = 5, .n_descsz = len, .n_type = type};

	emit(o, &h, sizeof(h));
	emit(o, "CORE\0\0\0", 8);
	emit(o, desc, len);
	emit_zeros(o, (4 - len % 4) % 4);
}

static uint32_t note_size(uint32_t len)
{
	return (uint32_t)sizeof(Elf64_Nhdr) + 8 + ((len + 3) & ~3U);
}

static void timeval_of(const struct timespec *ts, struct abi_timeval *tv)
{
	tv->tv_sec = ts->tv_sec;
	tv->tv_usec = ts->tv_nsec / 1000;
}

static void fill_status(struct task *t, int sig, const struct abi_siginfo *info,
			struct core_prstatus *st, struct core_prpsinfo *ps)
{
	struct thread_group *tg = t->tg;
	struct timespec cpu = {0, 0};

	memset(st, 0, sizeof(*st));
	memset(ps, 0, sizeof(*ps));
	st->si_signo = sig;
	st->si_code = info ? info->si_code : 0;
	st->cursig = (int16_t)sig;
	st->sigpend = signal_pending(t);
	st->sighold = t->sigmask;
	pthread_mutex_lock(&t->k->lock);
	st->pid = t->tid;
	st->ppid = tg->parent ? tg->parent->tgid : 0;
	st->pgrp = tg->pgid;
	st->sid = tg->sid;
	task_cpu_time_locked(t, &cpu);
	pthread_mutex_unlock(&t->k->lock);
	timeval_of(&cpu, &st->utime);
	st->regs = t->regs;
	st->fpvalid = 1;

	ps->state = 'R';
	ps->sname = 'R';
	ps->uid = t->creds.ruid;
	ps->gid = t->creds.rgid;
	ps->pid = tg->tgid;
	ps->ppid = st->ppid;
	ps->pgrp = st->pgrp;
	ps->sid = st->sid;
	memcpy(ps->fname, t->comm, sizeof(ps->fname));
	memcpy(ps->psargs, t->comm, sizeof(t->comm));
}

/* The mappings as they are now: a malloc'd array, or NULL. */
static struct core_seg *snapshot(struct mm *mm, size_t *n)
{
	struct core_seg *segs;

	pthread_mutex_lock(&mm->lock);
	*n = mm->vmas.n;
	segs = calloc(*n ? *n : 1, sizeof(*segs));
	for (size_t i = 0; segs && i < *n; i++)
		segs[i] = (struct core_seg){
		    mm->vmas.v[i].start, mm->vmas.v[i].end, mm->vmas.v[i].prot};
	pthread_mutex_unlock(&mm->lock);
	return segs;
}

static uint32_t pflags(uint32_t prot)
{
	return ((prot & ABI_PROT_READ) ? PF_R : 0) |
	       ((prot & ABI_PROT_WRITE) ? PF_W : 0) |
	       ((prot & ABI_PROT_EXEC) ? PF_X : 0);
}

/* "core" in t's working directory, made as do_coredump makes it. */
static struct file *open_core(struct task *t)
{
	struct vfs_lookup_ctx ctx;
	struct vfs_path start;
	struct vfs_attr a;
	struct file *f;
	int err;

	err = task_path_begin(t, ABI_AT_FDCWD, "core", false, &ctx, &start);
	if (err)
		return ERR_PTR(err);
	vfs_unlink(&ctx, &start, "core", false);
	f = vfs_open(&ctx, &start, "core",
		     ABI_O_CREAT | ABI_O_EXCL | ABI_O_WRONLY | ABI_O_NOFOLLOW |
			 ABI_O_LARGEFILE,
		     0600 & ~t->tg->umask, 0);
	task_path_end(&ctx, &start);
	if (IS_ERR(f))
		return f;
	err = vfs_inode_getattr(f->inode, &a);
	if (!err &&
	    (!ABI_S_ISREG(a.mode) || a.nlink != 1 || a.uid != t->creds.fsuid))
		err = -EPERM;
	if (err) {
		file_put(f);
		return ERR_PTR(err);
	}
	return f;
}

bool task_coredump(struct task *t, int sig, const struct abi_siginfo *info)
{
	struct platform *plat = t->k->plat;
	uint64_t limit = t->tg->rlim[ABI_RLIMIT_CORE].rlim_cur;
	struct core_out o = {.limit = limit};
	struct core_prstatus st;
	struct core_prpsinfo ps;
	struct abi_siginfo si;
	struct core_seg *segs;
	uint8_t *fpu, *buf, present[CORE_CHUNK];
	uint64_t off, notes;
	Elf64_Ehdr eh;
	size_t n;

	if (limit < CORE_PAGE || t->tg->not_dumpable || !t->mm)
		return false;
	segs = snapshot(t->mm, &n);
	fpu = calloc(1, plat->fpu_size > 512 ? plat->fpu_size : 512);
	buf = malloc(CORE_PAGE);
	if (!segs || !fpu || !buf || plat->ops->get_fpu(t->ctx, t->mm->as, fpu))
		goto out;
	o.f = open_core(t);
	if (IS_ERR(o.f)) {
		o.f = NULL;
		goto out;
	}
	fill_status(t, sig, info, &st, &ps);
	memset(&si, 0, sizeof(si));
	if (info)
		si = *info;
	si.si_signo = sig;

	notes = note_size(sizeof(st)) + note_size(512) + note_size(sizeof(ps)) +
		note_size(sizeof(si));
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)(n + 1);
	emit(&o, &eh, sizeof(eh));

	off = sizeof(eh) + (n + 1) * sizeof(Elf64_Phdr);
	{
		Elf64_Phdr ph = {
		    .p_type = PT_NOTE, .p_offset = off, .p_filesz = notes};

		emit(&o, &ph, sizeof(ph));
	}
	off = (off + notes + CORE_PAGE - 1) & ~(CORE_PAGE - 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = segs[i].end - segs[i].start;
		Elf64_Phdr ph = {.p_type = PT_LOAD,
				 .p_flags = pflags(segs[i].prot),
				 .p_offset = off,
				 .p_vaddr = segs[i].start,
				 .p_memsz = len,
				 .p_filesz =
				     (segs[i].prot & ABI_PROT_READ) ? len : 0,
				 .p_align = CORE_PAGE};

		emit(&o, &ph, sizeof(ph));
		off += ph.p_filesz;
	}
	emit_note(&o, NT_PRSTATUS, &st, sizeof(st));
	emit_note(&o, NT_FPREGSET, fpu, 512); /* the legacy FXSAVE area */
	emit_note(&o, NT_PRPSINFO, &ps, sizeof(ps));
	emit_note(&o, NT_SIGINFO, &si, sizeof(si));
	emit_zeros(&o,
		   ((uint64_t)o.pos + CORE_PAGE - 1) / CORE_PAGE * CORE_PAGE -
		       (uint64_t)o.pos);
	for (size_t i = 0; i < n && !o.err; i++) {
		if (!(segs[i].prot & ABI_PROT_READ))
			continue;
		for (uint64_t a = segs[i].start; a < segs[i].end && !o.err;) {
			uint64_t left = (segs[i].end - a) / CORE_PAGE;
			size_t chunk =
			    left < CORE_CHUNK ? (size_t)left : CORE_CHUNK;
			long got;

			/* dump_interrupted: SIGKILL ends the dump, undone. */
			if (signal_pending(t) & ABI_SIG_BIT(ABI_SIGKILL)) {
				o.err = -EINTR;
				break;
			}
			/*
			 * Pages never touched are holes in the file (Linux's
			 * dump_skip), and so are pages gone since the
			 * snapshot; the rest a page at a time.
			 */
			got = mm_mincore(t->mm, a, chunk, present);
			if (got <= 0) {
				got = (long)chunk;
				memset(present, 0, chunk);
			}
			for (long j = 0; j < got && !o.err;
			     j++, a += CORE_PAGE) {
				if (!present[j] ||
				    mm_copy_in(t->mm, buf, a, CORE_PAGE)) {
					if ((uint64_t)o.pos + CORE_PAGE >
					    o.limit)
						o.err = -EFBIG;
					o.pos += CORE_PAGE;
					continue;
				}
				emit(&o, buf, CORE_PAGE);
			}
		}
	}
	/* A hole at the end: the file still reaches it. */
	if (!o.err && (uint64_t)o.pos > o.written) {
		o.pos--;
		emit(&o, "", 1);
	}
out:
	if (o.f)
		file_put(o.f);
	free(buf);
	free(fpu);
	free(segs);
	return o.f && !o.err;
}
