/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An application address space: its VMAs (the application's view), the
 * memory file behind them, and the platform's address space that maps them.
 *
 * Every application pointer reaches the sentry through mm_copy_in,
 * mm_copy_out, mm_copy_string_in or mm_iovecs, which check it against the
 * VMAs and return -EFAULT for anything unmapped or protected: a bad pointer
 * from the application is an error value, never a sentry crash.
 */
#ifndef MOAT_MM_MM_H
#define MOAT_MM_MM_H

#include "sentry/mm/memfile.h"
#include "sentry/mm/vma.h"
#include "sentry/vfs/vfs.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct platform;
struct platform_as;
struct vfs_inode;

/*
 * A file this address space maps shared (a tmpfs file, or a host file
 * through its page cache): the memory-file offset of each of its pages
 * seen so far, shared by every VMA of the file. A page the file lets go
 * of while mapped stays allocated (the file's zombies) until every
 * address space has unmapped it (mm_file_truncated).
 */
struct mm_file {
	struct vfs_inode *inode; /* a reference, counted in map_get */
	uint64_t lo;		 /* the file page of pages[0] */
	uint64_t *pages;	 /* memory-file offset + 1; 0: not seen */
	size_t n;
	struct mm *mm; /* the address space (no reference) */
	/* Under the list lock of mm.c: every address space's files. */
	struct mm_file *next_all, **pprev_all;
	uint64_t trunc; /* file pages from here on are gone; ~0: none */
	/* Where mmap found it (a reference; mnt NULL: not known), for a
	 * snapshot to map it again. */
	struct vfs_path path;
};

/*
 * Anonymous memory (private or shared) is backed page by page: the pmas map
 * each of its addresses to a memory-file page, apart from the VMAs, so a
 * VMA is one line of /proc/PID/maps however its pages are scattered. Every
 * address of an anonymous VMA is in exactly one pma and no other address
 * is. A new mapping gets one contiguous range of the memory file (next to
 * a neighbour's where it can, so that the platform's mappings merge).
 *
 * fork shares private pages: each pma gains a reference to its pages and
 * is marked VMA_COW on both sides, mapped without PROT_WRITE. A write
 * fault on such a pma copies the one page written to a fresh page (placed
 * after the pma before it when that is free, so pages written in order
 * stay one run, one host mapping) or, when the page has no other holder
 * any more, makes the run of such pages around it writable as it is. The
 * sentry's own writes (copy_out, read into a buffer) do the same for the
 * pages they write. Only when an address space has many more pmas than
 * VMAs (scattered writes) does a fault copy the aligned 2 MiB around the
 * page, which bounds the host mappings a stub needs.
 */
struct mm {
	pthread_mutex_t lock;
	int refs;
	struct vma_set vmas;
	struct vma_set pmas; /* anonymous memory's pages, see above */
	struct memfile *mf;
	struct platform *plat;
	struct platform_as *as;
	uint64_t limit;	    /* application addresses are below this */
	uint64_t mmap_base; /* top-down mmap searches start here */
	uint64_t start_brk, brk;
	uint64_t stack_top;
	uint64_t start_stack; /* the initial stack pointer (argc) */
	uint64_t data_limit;  /* RLIMIT_DATA for brk, bytes */
	uint64_t as_limit;    /* RLIMIT_AS for mmap, brk and mremap, bytes */
	uint64_t arg_start, arg_end, env_start, env_end; /* on the stack */
	/* The executable's text and data, as binfmt_elf sets them. */
	uint64_t start_code, end_code, start_data, end_data;
	struct mm_file **files; /* shared file mappings */
	size_t nfiles;
	uint32_t def_flags;  /* VMA_LOCKED(|VMA_LOCKONFAULT): mlockall's */
	uint32_t membarrier; /* membarrier's REGISTER_* commands done */
	/* Changes to the platform's mappings so far (atomic; made with
	 * lock held): a fault tells by it whether anything changed. */
	uint64_t gen;
	/* A file it maps was truncated: mm_sync_truncations has work. */
	int trunc_pending;
	/* What the platform withholds from the application (reserve of
	 * struct platform_mm_ops): none while equal. */
	uint64_t resv_lo, resv_hi;
	/* fork's parent, referenced until mm_attach binds the platform's
	 * address space to it. */
	struct mm *fork_src;
};

int mm_create(struct memfile *mf, struct platform *plat, struct mm **out);
/*
 * fork's copy of mm (its lock taken here): the same mappings, private
 * memory copy-on-write (both sides map it read-only until one writes),
 * shared memory shared. The copy has no platform address space until
 * mm_attach, which the child's own sentry thread calls.
 */
int mm_fork(struct mm *mm, struct mm **out);
/*
 * An empty address space without the platform's (a snapshot's restore
 * fills its VMAs and pmas, whose memory-file references it then holds;
 * mm_attach gives it the platform's). NULL: ENOMEM.
 */
struct mm *mm_alloc_detached(struct memfile *mf, struct platform *plat);
/* Give mm its platform address space and map everything in it. */
int mm_attach(struct mm *mm);
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);

/* The mmap family, with Linux's argument checks. Anonymous memory only. */
long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
	     uint64_t flags, uint64_t pgoff_bytes);
long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot);
long mm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len,
	       uint64_t flags, uint64_t new_addr);
long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
long mm_brk(struct mm *mm, uint64_t addr);
/*
 * msync: the arguments and the range checked as Linux does. A shared
 * mapping of a host file writes its stores back to the host file (its
 * map_sync), with MS_ASYNC too, since nothing else would later; tmpfs's
 * pages are the file's own, with nothing to write back.
 */
long mm_msync(struct mm *mm, uint64_t addr, uint64_t len, int flags);

/*
 * inode (mapped shared, maybe) was truncated to size: every address space
 * that maps its pages from size on unmaps them, so that an access is
 * SIGBUS as on Linux. Called after the file's size changed, with no
 * address space's lock held. Each address space does it itself, in
 * mm_sync_truncations, before its threads next run application code (a
 * thread already running in it may see the old page until it next enters
 * the sentry).
 */
void mm_file_truncated(struct vfs_inode *inode, uint64_t size);
/*
 * Does any address space map inode shared with the right to write it
 * (VMA_MAYWRITE, whatever its protection now)? What F_SEAL_WRITE waits
 * on. Takes each address space's lock: call it with no inode's lock held.
 */
bool mm_inode_mapped_writable(struct vfs_inode *inode);
/*
 * Must the calling thread's task stop what it is doing (a SIGKILL for
 * it, or its process ending)? Long loops over memory (populating a
 * mapping, a core dump) give up then, as Linux's check
 * fatal_signal_pending. The kernel's (signal.c).
 */
bool mm_fatal_pending(void);
/* Unmap what truncations took from mm's files; cheap when nothing did. */
void mm_sync_truncations(struct mm *mm);

/*
 * mmap(MAP_SHARED) of a regular file with map_pages (inode, a reference
 * the caller keeps), at file offset off; the arguments as mm_mmap's. The
 * pages within the file's size are mapped now where the file's lock is
 * free; the rest come on faults (mm_fault). maywrite: the file is open
 * for writing, so mprotect may add PROT_WRITE.
 */
long mm_mmap_file(struct mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		  uint64_t flags, struct vfs_inode *inode, uint64_t off,
		  bool maywrite);

/*
 * The mapping of inode that mm_mmap_file just made came from the file at
 * path (the file's own, mmap's caller knows it): kept for snapshots.
 */
void mm_file_set_path(struct mm *mm, struct vfs_inode *inode,
		      const struct vfs_path *path);
/*
 * A snapshot's restore: v (file NULL) becomes a shared mapping of inode
 * (opened again from path) in the detached mm, appended after its last
 * VMA. 0 or -ENOMEM.
 */
int mm_restore_file_vma(struct mm *mm, struct vma *v, struct vfs_inode *inode,
			const struct vfs_path *path);

/*
 * The application faulted at addr; the access runs again when the answer is
 * not negative:
 * MM_FAULT_FIXED   copy-on-write memory was copied;
 * MM_FAULT_FILE    a shared file page was mapped in (a fault again at the
 *                  same address is one the mapping cannot fix: a write to
 *                  a read-only page);
 * MM_FAULT_NONE    the memory is accessible as it is: the fault may predate
 *                  another thread's change of the mappings; *gen is
 *                  mm->gen, and a fault again at the same address with
 *                  the same gen is a real one;
 * -EIO when addr lies past its file's end (SIGBUS), -EFAULT otherwise
 * (SIGSEGV). Takes the file's lock: never called with one held.
 */
enum {
	MM_FAULT_FIXED,
	MM_FAULT_FILE,
	MM_FAULT_NONE
};
int mm_fault(struct mm *mm, uint64_t addr, uint64_t *gen);

/*
 * The key of a shared futex operation on the word at addr (Linux's
 * get_futex_key): 1 when addr lies in shared memory, anonymous or a shared
 * file mapping, with *moff the memory-file offset of the word, the same
 * in every address space that maps that page, wherever; 0 for private
 * memory (keyed by address space and address); -EFAULT when addr is not
 * mapped readable or lies past its file's end. A file page this address
 * space has not seen yet is faulted in, as mm_fault: never called with a
 * file's lock held.
 */
int mm_futex_key(struct mm *mm, uint64_t addr, uint64_t *moff);

/*
 * Map fresh anonymous memory at exactly [addr, addr+len) for the loader
 * (which has already checked the range). flags are VMA_*.
 */
int mm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot,
		 uint32_t flags);

/*
 * Write to application memory regardless of its protection (the loader
 * filling read-only segments). -EFAULT where unmapped.
 */
int mm_poke(struct mm *mm, uint64_t addr, const void *src, size_t len);
/* Fill application memory from a host fd at offset, regardless of prot. */
int mm_fill_from_fd(struct mm *mm, uint64_t addr, int fd, uint64_t off,
		    size_t len);

struct file;
/* The same from an open file without a host fd (its kread op). */
int mm_fill_from_file(struct mm *mm, uint64_t addr, struct file *f,
		      uint64_t off, size_t len);

/*
 * Bytes of v (a VMA of mm, mm->lock held) that have memory behind them: the
 * pages of the memory file the application (or the sentry) has touched.
 * A shared file mapping counts the file's pages this address space has
 * looked up, when they hold data. This is what /proc reports as resident;
 * at most v's size.
 */
uint64_t mm_vma_resident(struct mm *mm, const struct vma *v);

/*
 * mm_vma_resident, split as /proc's smaps shows it: the resident bytes of
 * v that another address space shares (a page with more than one
 * reference in the memory file), and the proportional set size. Added to
 * *u. A shared file mapping's pages count as its own.
 */
void mm_vma_usage(struct mm *mm, const struct vma *v, struct memfile_usage *u);

/*
 * A VMA's size as Linux counts it (VmSize, RLIMIT_AS): the stack, which
 * exec maps whole, as Linux's initial stack VMA. mm->lock held.
 */
uint64_t mm_vma_size(const struct mm *mm, const struct vma *v);

/* Bytes resident in the whole address space (mm_vma_resident's sum). */
uint64_t mm_rss(struct mm *mm);

/*
 * mlock, munlock and mlock2 (flags VMA_LOCKED, maybe with VMA_LOCKONFAULT;
 * 0 unlocks), with Linux's range rules: a hole is -ENOMEM, after what
 * precedes it has changed. limit: RLIMIT_MEMLOCK in pages, ~0 with
 * CAP_IPC_LOCK. Locked pages are filled in, as Linux populates them.
 */
long mm_mlock(struct mm *mm, uint64_t start, uint64_t len, uint32_t flags,
	      uint64_t limit);
/* mlockall and munlockall (flags 0); flags already checked. */
long mm_mlockall(struct mm *mm, int flags, uint64_t limit);
/*
 * mincore for the VMA holding addr: vec[i] says whether page i from addr
 * has memory behind it, for up to npages pages within that VMA. Returns
 * the pages done, or -ENOMEM when addr is not mapped.
 */
long mm_mincore(struct mm *mm, uint64_t addr, size_t npages, uint8_t *vec);

int mm_copy_in(struct mm *mm, void *dst, uint64_t src, size_t len);
int mm_copy_out(struct mm *mm, uint64_t dst, const void *src, size_t len);
/*
 * Copy a NUL-terminated string of at most max bytes (NUL included) into
 * dst. Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL is found
 * within max bytes.
 */
long mm_copy_string_in(struct mm *mm, char *dst, uint64_t src, size_t max);

/*
 * Translate [addr, addr+len) into host iovecs over the memory file, for I/O
 * straight between a host fd and application memory. access is
 * PROT_READ (the data will be read from the application) or PROT_WRITE.
 * Stops at the first inaccessible byte: returns the number of iovecs and
 * sets *covered to the bytes they cover, or -EFAULT if the very first byte
 * is inaccessible (len > 0).
 */
int mm_iovecs(struct mm *mm, uint64_t addr, size_t len, int access,
	      struct iovec *iov, int max_iov, size_t *covered);

#endif
