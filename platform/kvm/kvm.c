// SPDX-License-Identifier: Apache-2.0
/*
 * The kvm platform: application code runs in ring 3 of a KVM virtual
 * machine, and every syscall, exception and interrupt leaves the guest for
 * the sentry.
 *
 * One VM per sandbox. Its guest-physical memory is two slots: the memory
 * file at guest-physical 0 (a page at file offset off is at guest-physical
 * off; cut to half the CPU's physical address width), and above it a
 * memfd of the platform's own that the application never maps: the ring-0
 * area (code, IDT, per-vCPU GDT, TSS and stack), mapped supervisor-only at
 * KBASE in every address space, and the pool of page-table pages
 * (pagetable.h).
 *
 * Each address space has its own PML4 (lower half: the application's
 * mappings; entry 511: the shared ring-0 area). Each context has a vCPU
 * (pooled: KVM cannot destroy one). Entering the application sets every
 * register through the shared kvm_run (KVM_CAP_SYNC_REGS): straight into
 * ring 3, or, when the vCPU's TLB may hold stale entries (another address
 * space ran on it, a mapping narrowed, a fault), through a ring-0
 * trampoline that reloads %cr3 and leaves with iretq. The application's
 * syscall reaches LSTAR, whose first instruction is an out: an I/O exit
 * with every register as syscall left it. Each exception vector's stub is
 * an out to a port of its own, on the TSS's ring-0 stack, the hardware's
 * frame there. The vCPU is never resumed in ring 0: the next entry sets
 * its state afresh. Ring-0 code is one instruction per path (the
 * trampoline excepted), so a vCPU interrupted in ring 0 is read by where
 * it stands.
 *
 * A mapping that narrows while another vCPU runs the same address space
 * is shot down: the address space's generation moves on, each such vCPU
 * is kicked (immediate_exit and a signal to its thread) and waited for;
 * it reloads %cr3 before it runs the application again.
 */
#include "platform/kvm/pagetable.h"
#include "platform/platform.h"
#include "sentry/kernel/log.h"
#include "sentry/kernel/util.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The ring-0 area: PML4 entry 511, supervisor only. */
#define KBASE	   0xffffff8000000000ULL
#define KPML4_SLOT 511
/* Layout of the private slot (offsets). */
#define PRIV_KPDPT 0x0000ULL
#define PRIV_KPD   0x1000ULL
#define PRIV_KPT   0x2000ULL /* KAREA_PTS tables */
#define KAREA_PTS  8	     /* the ring-0 area: 8 * 2 MiB */
#define KAREA_SIZE (KAREA_PTS * 512ULL * 4096)
#define PRIV_CODE  0x10000ULL
#define PRIV_IDT   0x11000ULL
#define PRIV_CPUS  0x20000ULL /* per vCPU: a GDT/TSS page, a stack page */
#define CPU_AREA   0x2000ULL
#define CPU_TSS	   0x100ULL
#define MAX_VCPUS  ((KAREA_SIZE - PRIV_CPUS) / CPU_AREA)
#define PRIV_POOL  KAREA_SIZE /* page tables from here */
#define PRIV_SIZE  (4ULL << 30)

/* Selectors, as Linux's GDT has them. */
#define KERNEL_CS   0x10
#define KERNEL_DS   0x18
#define USER_DS	    0x2b
#define USER_CS	    0x33
#define TSS_SEL	    0x40
#define GDT_ENTRIES 10

/* Ports of the ring-0 code's exits. */
#define PORT_SYSCALL 0x20
#define PORT_CSTAR   0x21
#define PORT_EXC     0x40 /* + vector */

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_CSTAR  0xc0000083
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   0x1ULL
#define EFER_LME   0x100ULL
#define EFER_LMA   0x400ULL
#define EFER_NXE   0x800ULL

/* The flags an application may hold (Linux's FIX_EFLAGS), IF always. */
#define USER_FLAGS 0x254dd5ULL
#define RFLAGS_IF  0x200ULL

/* The signal that kicks a vCPU's thread out of KVM_RUN. */
#define SIG_KICK (SIGRTMAX - 3)

/*
 * Ring-0 code, copied to PRIV_CODE. Offsets are fixed: 0 the syscall entry
 * (LSTAR), 0x10 the compat entry (CSTAR, never reached: there is no 32-bit
 * user segment), 0x20 the trampoline, 0x100 + 16 * v the stub of vector v.
 */
__asm__(".pushsection .rodata\n"
	".balign 64\n"
	".globl kvm_ring0\n"
	"kvm_ring0:\n"
	"	out %al, $0x20\n"
	"	hlt\n"
	"	.balign 16\n"
	"	out %al, $0x21\n"
	"	hlt\n"
	"	.balign 16\n"
	/* %rsp: the user's %rax, then an iretq frame. */
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	pop %rax\n"
	".globl kvm_ring0_iret\n"
	"kvm_ring0_iret:\n"
	"	iretq\n"
	"	.balign 256\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
	"23,24,25,26,27,28,29,30,31\n"
	"	.balign 16\n"
	"	out %al, $(0x40 + \\v)\n"
	"	hlt\n"
	".endr\n"
	".globl kvm_ring0_end\n"
	"kvm_ring0_end:\n"
	".popsection\n");

extern const uint8_t kvm_ring0[], kvm_ring0_iret[], kvm_ring0_end[];

#define R0_SYSCALL (KBASE + PRIV_CODE)
#define R0_CSTAR   (KBASE + PRIV_CODE + 0x10)
#define R0_TRAMP   (KBASE + PRIV_CODE + 0x20)
#define R0_STUBS   (KBASE + PRIV_CODE + 0x100)

struct kvm_vcpu {
	int fd;
	unsigned id;
	struct kvm_run *run;
	uint64_t cpu_off;	/* its GDT/TSS page in the private slot */
	struct kvm_sregs sregs; /* the ring-3 template */
	/* The address space it is in KVM_RUN for (0: none), atomic. */
	uint64_t in_guest;
	uint64_t exits; /* KVM_RUN returns, atomic */
	pid_t tid;	/* the thread that runs it */
	uint64_t last_as, last_gen;
	bool need_flush;
	struct kvm_vcpu *next_free;
};

struct kvm_platform {
	struct platform base;
	int vm_fd;
	int priv_fd;
	uint8_t *mem; /* the memory file, this platform's own mapping */
	uint64_t mem_size;
	uint8_t *priv;
	uint64_t priv_gpa;
	long run_size;
	struct kvm_pt_pool pool;
	struct kvm_cpuid2 *cpuid;
	bool xsave;
	uint64_t xcr0;
	pthread_mutex_t lock; /* the vCPUs */
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	unsigned nvcpus;
	struct kvm_vcpu *free_vcpus;
	/* Last: the kernel's header may end it with a flexible array. */
	struct kvm_xsave init_fpu;
};

struct kvm_token {
	uint64_t id;
	bool has_fpu;
	struct kvm_token *next;
	struct kvm_xsave fpu; /* last, as init_fpu */
};

struct kvm_as {
	struct kvm_platform *p;
	uint64_t id;
	uint64_t pml4;
	uint64_t gen; /* atomic: moves on when a present entry changes */
	pthread_mutex_t lock;
	struct kvm_token *tokens;
	uint64_t next_token;
};

struct kvm_ctx {
	struct kvm_platform *p;
	struct kvm_vcpu *v;
	pid_t tid;
	bool interrupt_pending; /* atomic */
	int64_t run_start;	/* atomic: mono ns when KVM_RUN began, or 0 */
	int64_t run_total;	/* atomic: ns spent in KVM_RUN */
};

static int kvm_dev_fd = -1;
static uint64_t as_serial; /* atomic */
static __thread struct kvm_ctx *my_ctx;

static inline struct kvm_platform *to_kp(struct platform *p)
{
	return container_of(p, struct kvm_platform, base);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int kvm_platform_open(void)
{
	int fd;

	if (kvm_dev_fd >= 0)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return -ENOSYS;
	}
	kvm_dev_fd = fd;
	return 0;
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* ---- the ring-0 area ---------------------------------------------------- */

static uint64_t gdt_entry(bool code, unsigned dpl)
{
	uint64_t access = 0x80 | (uint64_t)dpl << 5 | 0x10 | (code ? 0xb : 0x3);
	uint64_t flags = 0x8 | (code ? 0x2 : 0x4);

	return 0xffffULL | access << 40 | 0xfULL << 48 | flags << 52;
}

static void build_ring0(struct kvm_platform *kp)
{
	uint64_t *kpdpt = (uint64_t *)(kp->priv + PRIV_KPDPT);
	uint64_t *kpd = (uint64_t *)(kp->priv + PRIV_KPD);
	uint64_t g = kp->priv_gpa;

	/* KBASE maps the private slot's first KAREA_SIZE bytes. */
	kpdpt[0] = (g + PRIV_KPD) | KVM_PTE_P | KVM_PTE_W;
	for (unsigned i = 0; i < KAREA_PTS; i++) {
		uint64_t *pt = (uint64_t *)(kp->priv + PRIV_KPT + 4096ULL * i);

		kpd[i] = (g + PRIV_KPT + 4096ULL * i) | KVM_PTE_P | KVM_PTE_W;
		for (unsigned j = 0; j < 512; j++) {
			uint64_t off = (512ULL * i + j) * 4096;
			uint64_t e = (g + off) | KVM_PTE_P | KVM_PTE_A;

			if (off != PRIV_CODE)
				e |= KVM_PTE_W | KVM_PTE_D | KVM_PTE_NX;
			pt[j] = e;
		}
	}
	memcpy(kp->priv + PRIV_CODE, kvm_ring0, kvm_ring0_end - kvm_ring0);
	/* 32 interrupt gates; #BP and #OF reachable from ring 3 (int3). */
	for (unsigned v = 0; v < 32; v++) {
		uint64_t off = R0_STUBS + 16 * v;
		uint64_t *gate = (uint64_t *)(kp->priv + PRIV_IDT + 16 * v);
		unsigned dpl = (v == 3 || v == 4) ? 3 : 0;

		gate[0] = (off & 0xffff) | (uint64_t)KERNEL_CS << 16 |
			  (uint64_t)(0x8e | dpl << 5) << 40 |
			  ((off >> 16) & 0xffff) << 48;
		gate[1] = off >> 32;
	}
}

/* ---- the platform ------------------------------------------------------- */

/* The CPU's guest-physical address width, from KVM's CPUID. */
static unsigned phys_bits(const struct kvm_cpuid2 *c)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000008)
			return c->entries[i].eax & 0xff;
	return 36;
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c,
						 uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/*
 * The application sees what a process of the host sees (the other
 * platforms run it natively, and /proc/cpuinfo reads the sentry's own
 * CPUID): KVM's table, its feature words masked with the host's. KVM may
 * offer what it emulates (x2APIC, the TSC deadline timer...) or what the
 * host kernel keeps from its processes; the sandbox advertises neither.
 */
static void cpuid_filter(struct kvm_cpuid2 *c)
{
	static const struct {
		uint32_t fn, idx;
		uint8_t regs; /* bit n: register n (eax, ebx, ecx, edx) */
	} words[] = {
	    {1, 0, 0xc},	  /* ecx, edx */
	    {7, 0, 0xe},	  /* ebx, ecx, edx */
	    {0xd, 0, 0x9},	  /* eax, edx: the XCR0 bits */
	    {0xd, 1, 0x1},	  /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
	    {0x80000001, 0, 0xc}, /* ecx, edx */
	};
	unsigned max_basic = __get_cpuid_max(0, NULL);
	unsigned max_ext = __get_cpuid_max(0x80000000, NULL);

	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		uint32_t *regs[4] = {&e->eax, &e->ebx, &e->ecx, &e->edx};
		unsigned h[4] = {0};

		for (size_t w = 0; w < ARRAY_SIZE(words); w++) {
			if (words[w].fn != e->function ||
			    words[w].idx != e->index)
				continue;
			if (e->function <=
			    (e->function >= 0x80000000 ? max_ext : max_basic))
				__cpuid_count(e->function, e->index, h[0], h[1],
					      h[2], h[3]);
			for (int r = 0; r < 4; r++)
				if (words[w].regs & (1U << r))
					*regs[r] &= h[r];
		}
	}
}

/* XCR0 and the XSAVE area's size for the state the application may use. */
static void fpu_setup(struct kvm_platform *kp)
{
	const struct kvm_cpuid_entry2 *l1 = cpuid_find(kp->cpuid, 1, 0);
	const struct kvm_cpuid_entry2 *d = cpuid_find(kp->cpuid, 0xd, 0);
	uint32_t size = 576;

	kp->xsave = l1 && (l1->ecx & (1U << 26)) && d;
	kp->xcr0 = 3;
	if (kp->xsave) {
		/* x87, SSE, AVX and AVX-512's three: what Linux gives. */
		kp->xcr0 = ((uint64_t)d->edx << 32 | d->eax) & 0xe7;
		kp->xcr0 |= 3;
		for (unsigned i = 2; i < 8; i++) {
			const struct kvm_cpuid_entry2 *e =
			    cpuid_find(kp->cpuid, 0xd, i);

			if (!(kp->xcr0 & (1ULL << i)))
				continue;
			if (!e || e->eax + e->ebx > sizeof(kp->init_fpu)) {
				kp->xcr0 &= ~(1ULL << i);
				continue;
			}
			if (e->eax + e->ebx > size)
				size = e->eax + e->ebx;
		}
	}
	kp->base.fpu_size = size;
}

static int kvm_create(int memfd, struct platform **out)
{
	struct kvm_platform *kp;
	struct sigaction sa = {.sa_handler = kick_handler};
	struct kvm_userspace_memory_region slot;
	struct stat st;
	unsigned pbits;
	int err, n = 256;

	err = kvm_platform_open();
	if (err)
		return err;
	if (ioctl(kvm_dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0 ||
	    ioctl(kvm_dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <=
		0) {
		log_error("kvm: KVM lacks KVM_CAP_SYNC_REGS or "
			  "KVM_CAP_IMMEDIATE_EXIT");
		return -ENOSYS;
	}
	if (fstat(memfd, &st) < 0)
		return -errno;
	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return -ENOMEM;
	kp->vm_fd = kp->priv_fd = -1;
	pthread_mutex_init(&kp->lock, NULL);
	kp->cpuid = calloc(1, sizeof(*kp->cpuid) +
				  (size_t)n * sizeof(kp->cpuid->entries[0]));
	err = -ENOMEM;
	if (!kp->cpuid)
		goto fail;
	kp->cpuid->nent = (uint32_t)n;
	if (ioctl(kvm_dev_fd, KVM_GET_SUPPORTED_CPUID, kp->cpuid) < 0) {
		err = -errno;
		goto fail;
	}
	cpuid_filter(kp->cpuid);
	kp->run_size = ioctl(kvm_dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kp->run_size < (long)sizeof(struct kvm_run)) {
		err = -EIO;
		goto fail;
	}
	fpu_setup(kp);

	/* The memory file fits under half the physical address width. */
	pbits = phys_bits(kp->cpuid);
	if (pbits < 36 || pbits > 52) {
		err = -EIO;
		goto fail;
	}
	kp->mem_size = (uint64_t)st.st_size & ~0xfffULL;
	if (kp->mem_size > 1ULL << (pbits - 1))
		kp->mem_size = 1ULL << (pbits - 1);
	kp->priv_gpa = (kp->mem_size + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	if (kp->priv_gpa + PRIV_SIZE > 1ULL << pbits) {
		err = -ENOMEM;
		goto fail;
	}
	kp->mem = mmap(NULL, kp->mem_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, memfd, 0);
	if (kp->mem == MAP_FAILED) {
		kp->mem = NULL;
		err = -errno;
		goto fail;
	}
	kp->priv_fd = memfd_create("moat-kvm", MFD_CLOEXEC);
	if (kp->priv_fd < 0 || ftruncate(kp->priv_fd, PRIV_SIZE) < 0) {
		err = -errno;
		goto fail;
	}
	kp->priv = mmap(NULL, PRIV_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_NORESERVE, kp->priv_fd, 0);
	if (kp->priv == MAP_FAILED) {
		kp->priv = NULL;
		err = -errno;
		goto fail;
	}
	kp->vm_fd = ioctl(kvm_dev_fd, KVM_CREATE_VM, 0);
	if (kp->vm_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* KVM's fds are close-on-exec already (anon_inode_getfd). */
	slot = (struct kvm_userspace_memory_region){
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = kp->mem_size,
	    .userspace_addr = (uintptr_t)kp->mem,
	};
	if (ioctl(kp->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		err = -errno;
		goto fail;
	}
	slot = (struct kvm_userspace_memory_region){
	    .slot = 1,
	    .guest_phys_addr = kp->priv_gpa,
	    .memory_size = PRIV_SIZE,
	    .userspace_addr = (uintptr_t)kp->priv,
	};
	if (ioctl(kp->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		err = -errno;
		goto fail;
	}
	build_ring0(kp);
	kvm_pt_pool_init(&kp->pool, kp->priv + PRIV_POOL,
			 kp->priv_gpa + PRIV_POOL, PRIV_SIZE - PRIV_POOL);
	if (sigaction(SIG_KICK, &sa, NULL) < 0) {
		err = -errno;
		goto fail;
	}
	kp->base.ops = &kvm_platform_ops;
	kp->base.addr_limit = ABI_TASK_SIZE;
	*out = &kp->base;
	return 0;
fail:
	if (kp->vm_fd >= 0)
		close(kp->vm_fd);
	if (kp->priv)
		munmap(kp->priv, PRIV_SIZE);
	if (kp->priv_fd >= 0)
		close(kp->priv_fd);
	if (kp->mem)
		munmap(kp->mem, kp->mem_size);
	free(kp->cpuid);
	free(kp);
	return err;
}

static void kvm_destroy(struct platform *p)
{
	struct kvm_platform *kp = to_kp(p);

	for (unsigned i = 0; i < kp->nvcpus; i++) {
		if (!kp->vcpus[i])
			continue;
		munmap(kp->vcpus[i]->run, (size_t)kp->run_size);
		close(kp->vcpus[i]->fd);
		free(kp->vcpus[i]);
	}
	close(kp->vm_fd);
	munmap(kp->priv, PRIV_SIZE);
	close(kp->priv_fd);
	munmap(kp->mem, kp->mem_size);
	free(kp->cpuid);
	free(kp);
}

/* ---- vCPUs -------------------------------------------------------------- */

static int set_msrs(int fd)
{
	const struct kvm_msr_entry entries[] = {
	    {.index = MSR_STAR,
	     .data = (uint64_t)(USER_DS - 8 - 3) << 48 | (uint64_t)KERNEL_CS
							     << 32},
	    {.index = MSR_LSTAR, .data = R0_SYSCALL},
	    {.index = MSR_CSTAR, .data = R0_CSTAR},
	    /* TF, DF, IF, AC, NT as Linux's SYSCALL_MASK. */
	    {.index = MSR_SFMASK, .data = 0x47700},
	};
	/* struct kvm_msrs with its entries after it (a flexible array). */
	union {
		struct kvm_msrs h;
		uint8_t b[sizeof(struct kvm_msrs) + sizeof(entries)];
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = ARRAY_SIZE(entries);
	memcpy(m.b + sizeof(struct kvm_msrs), entries, sizeof(entries));
	return ioctl(fd, KVM_SET_MSRS, &m) == (int)ARRAY_SIZE(entries) ? 0
								       : -EIO;
}

static struct kvm_segment user_segment(uint16_t sel, bool code)
{
	return (struct kvm_segment){
	    .limit = 0xffffffff,
	    .selector = sel,
	    .type = code ? 0xb : 0x3,
	    .present = 1,
	    .dpl = 3,
	    .db = code ? 0 : 1,
	    .s = 1,
	    .l = code ? 1 : 0,
	    .g = 1,
	};
}

/* The GDT and TSS of v, and its ring-3 register template. */
static int vcpu_setup(struct kvm_platform *kp, struct kvm_vcpu *v)
{
	uint64_t *gdt = (uint64_t *)(kp->priv + v->cpu_off);
	uint64_t tss = KBASE + v->cpu_off + CPU_TSS;
	uint8_t *tssp = kp->priv + v->cpu_off + CPU_TSS;
	const uint16_t iomap_base = 104; /* past the limit: no I/O bitmap */
	struct kvm_sregs *s = &v->sregs;
	uint64_t rsp0;

	memset(gdt, 0, 4096);
	gdt[KERNEL_CS / 8] = gdt_entry(true, 0);
	gdt[KERNEL_DS / 8] = gdt_entry(false, 0);
	gdt[USER_DS / 8] = gdt_entry(false, 3);
	gdt[USER_CS / 8] = gdt_entry(true, 3);
	/* 64-bit TSS, busy; no I/O bitmap (its base past the limit). */
	gdt[TSS_SEL / 8] = 0x67 | (tss & 0xffffff) << 16 | 0x8bULL << 40 |
			   ((tss >> 24) & 0xff) << 56;
	gdt[TSS_SEL / 8 + 1] = tss >> 32;
	/*
	 * rsp0: the top of the vCPU's stack page. The TSS is packed: rsp0
	 * sits at byte 4, not 8-byte aligned, so it is copied in as bytes.
	 */
	rsp0 = KBASE + v->cpu_off + CPU_AREA;
	memcpy(tssp + 4, &rsp0, sizeof(rsp0));
	memcpy(tssp + 102, &iomap_base, sizeof(iomap_base));

	if (ioctl(v->fd, KVM_GET_SREGS, s) < 0)
		return -errno;
	s->cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s->cr4 = 0x620;	     /* OSXMMEXCPT OSFXSR PAE */
	if (kp->xsave)
		s->cr4 |= 0x40000; /* OSXSAVE */
	s->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	s->cs = user_segment(USER_CS, true);
	s->ss = user_segment(USER_DS, false);
	s->ds = s->es = s->fs = s->gs = user_segment(0, false);
	s->ds.unusable = s->es.unusable = 1;
	s->tr = (struct kvm_segment){
	    .base = tss,
	    .limit = 0x67,
	    .selector = TSS_SEL,
	    .type = 0xb,
	    .present = 1,
	};
	s->ldt = (struct kvm_segment){.type = 0x2, .unusable = 1};
	s->gdt.base = KBASE + v->cpu_off;
	s->gdt.limit = GDT_ENTRIES * 8 - 1;
	s->idt.base = KBASE + PRIV_IDT;
	s->idt.limit = 32 * 16 - 1;
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
	return 0;
}

static int vcpu_new(struct kvm_platform *kp, struct kvm_vcpu **out)
{
	struct kvm_vcpu *v;
	int err;

	if (kp->nvcpus >= MAX_VCPUS)
		return -EAGAIN;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->id = kp->nvcpus;
	v->cpu_off = PRIV_CPUS + CPU_AREA * v->id;
	v->fd = ioctl(kp->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->id);
	if (v->fd < 0) {
		err = errno == EINVAL ? -EAGAIN : -errno;
		free(v);
		return err;
	}
	v->run = mmap(NULL, (size_t)kp->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	err = v->run == MAP_FAILED ? -errno : 0;
	if (!err && ioctl(v->fd, KVM_SET_CPUID2, kp->cpuid) < 0)
		err = -errno;
	if (!err)
		err = set_msrs(v->fd);
	if (!err && kp->xsave) {
		struct kvm_xcrs xcrs = {
		    .nr_xcrs = 1,
		    .xcrs = {{.xcr = 0, .value = kp->xcr0}},
		};

		if (ioctl(v->fd, KVM_SET_XCRS, &xcrs) < 0)
			err = -errno;
	}
	if (!err)
		err = vcpu_setup(kp, v);
	/* The first vCPU's FPU state is every new context's. */
	if (!err && v->id == 0 &&
	    ioctl(v->fd, KVM_GET_XSAVE, &kp->init_fpu) < 0)
		err = -errno;
	if (err) {
		if (v->run != MAP_FAILED)
			munmap(v->run, (size_t)kp->run_size);
		close(v->fd); /* its id is not reused: KVM keeps the vCPU */
		free(v);
		kp->nvcpus++;
		return err;
	}
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	v->need_flush = true;
	kp->vcpus[kp->nvcpus++] = v;
	*out = v;
	return 0;
}

static int kvm_ctx_create(struct platform *p, struct platform_ctx **out)
{
	struct kvm_platform *kp = to_kp(p);
	struct kvm_ctx *ctx = calloc(1, sizeof(*ctx));
	struct kvm_vcpu *v;
	sigset_t kick;
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	pthread_mutex_lock(&kp->lock);
	v = kp->free_vcpus;
	if (v)
		kp->free_vcpus = v->next_free;
	else
		err = vcpu_new(kp, &v);
	pthread_mutex_unlock(&kp->lock);
	if (!err && ioctl(v->fd, KVM_SET_XSAVE, &kp->init_fpu) < 0)
		err = -errno;
	if (err) {
		free(ctx);
		return err;
	}
	ctx->p = kp;
	ctx->v = v;
	ctx->tid = (pid_t)syscall(SYS_gettid);
	v->tid = ctx->tid;
	v->need_flush = true;
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	my_ctx = ctx;
	*out = (struct platform_ctx *)ctx;
	return 0;
}

static void kvm_ctx_destroy(struct platform_ctx *pctx)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;
	struct kvm_platform *kp = ctx->p;

	if (my_ctx == ctx)
		my_ctx = NULL;
	pthread_mutex_lock(&kp->lock);
	ctx->v->next_free = kp->free_vcpus;
	kp->free_vcpus = ctx->v;
	pthread_mutex_unlock(&kp->lock);
	free(ctx);
}

/* ---- address spaces ----------------------------------------------------- */

static int kvm_as_create(struct platform *p, struct platform_as **out)
{
	struct kvm_platform *kp = to_kp(p);
	struct kvm_as *as = calloc(1, sizeof(*as));

	if (!as)
		return -ENOMEM;
	as->p = kp;
	as->pml4 = kvm_pt_alloc(&kp->pool);
	if (!as->pml4) {
		free(as);
		return -ENOMEM;
	}
	kvm_pt_table(&kp->pool, as->pml4)[KPML4_SLOT] =
	    (kp->priv_gpa + PRIV_KPDPT) | KVM_PTE_P | KVM_PTE_W;
	as->id = __atomic_add_fetch(&as_serial, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&as->lock, NULL);
	*out = (struct platform_as *)as;
	return 0;
}

static void kvm_as_destroy(struct platform_as *pas)
{
	struct kvm_as *as = (struct kvm_as *)pas;

	while (as->tokens) {
		struct kvm_token *t = as->tokens;

		as->tokens = t->next;
		free(t);
	}
	kvm_pt_destroy(&as->p->pool, as->pml4);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

static int kvm_as_new_thread(struct platform_as *pas, uint64_t *token)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	struct kvm_token *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	/* A new thread starts with its creator's FPU state, as clone. */
	if (my_ctx && ioctl(my_ctx->v->fd, KVM_GET_XSAVE, &t->fpu) == 0)
		t->has_fpu = true;
	pthread_mutex_lock(&as->lock);
	t->id = ++as->next_token;
	t->next = as->tokens;
	as->tokens = t;
	pthread_mutex_unlock(&as->lock);
	*token = t->id;
	return 0;
}

static struct kvm_token *take_token(struct kvm_as *as, uint64_t id)
{
	struct kvm_token *t = NULL;

	pthread_mutex_lock(&as->lock);
	for (struct kvm_token **pp = &as->tokens; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			t = *pp;
			*pp = t->next;
			break;
		}
	}
	pthread_mutex_unlock(&as->lock);
	return t;
}

static int kvm_as_enter(struct platform_as *pas, uint64_t token)
{
	struct kvm_token *t = take_token((struct kvm_as *)pas, token);
	int err = 0;

	if (!t)
		return -ESRCH;
	if (t->has_fpu && my_ctx &&
	    ioctl(my_ctx->v->fd, KVM_SET_XSAVE, &t->fpu) < 0)
		err = -errno;
	free(t);
	return err;
}

static void kvm_as_leave(struct platform_as *pas)
{
	(void)pas;
}

static int kvm_as_abandon(struct platform_as *pas, uint64_t token)
{
	struct kvm_token *t = take_token((struct kvm_as *)pas, token);

	if (!t)
		return -ESRCH;
	free(t);
	return 0;
}

/*
 * A present entry of as changed: no vCPU may run it with the old one in
 * its TLB. Those in KVM_RUN for as now are kicked and waited for; each
 * reloads %cr3 before it runs as again (the generation moved on).
 */
static void shootdown(struct kvm_as *as)
{
	struct kvm_platform *kp = as->p;
	struct kvm_vcpu *wait[64];
	uint64_t seen[64];
	unsigned n = 0, i;

	__atomic_add_fetch(&as->gen, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&kp->lock);
	for (i = 0; i < kp->nvcpus; i++) {
		struct kvm_vcpu *v = kp->vcpus[i];

		if (!v || (my_ctx && v == my_ctx->v) ||
		    __atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST) != as->id)
			continue;
		seen[n] = __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST);
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_tgkill, getpid(), v->tid, SIG_KICK);
		if (n < ARRAY_SIZE(wait))
			wait[n++] = v;
		else
			while (__atomic_load_n(&v->in_guest,
					       __ATOMIC_SEQ_CST) == as->id &&
			       __atomic_load_n(&v->exits, __ATOMIC_SEQ_CST) ==
				   seen[n - 1])
				sched_yield();
	}
	pthread_mutex_unlock(&kp->lock);
	for (i = 0; i < n; i++)
		while (__atomic_load_n(&wait[i]->in_guest, __ATOMIC_SEQ_CST) ==
			   as->id &&
		       __atomic_load_n(&wait[i]->exits, __ATOMIC_SEQ_CST) ==
			   seen[i])
			sched_yield();
}

static int kvm_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
		      int prot, uint64_t off)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	bool changed = false;
	int err;

	if (addr + len > ABI_TASK_SIZE || addr + len < addr ||
	    off + len > as->p->mem_size || off + len < off)
		return -ENOMEM;
	pthread_mutex_lock(&as->lock);
	err =
	    kvm_pt_map(&as->p->pool, as->pml4, addr, len, prot, off, &changed);
	pthread_mutex_unlock(&as->lock);
	if (changed)
		shootdown(as);
	return err;
}

static int kvm_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	bool changed = false;

	pthread_mutex_lock(&as->lock);
	kvm_pt_unmap(&as->p->pool, as->pml4, addr, len, &changed);
	pthread_mutex_unlock(&as->lock);
	if (changed)
		shootdown(as);
	return 0;
}

static int kvm_as_protect(struct platform_as *pas, uint64_t addr, uint64_t len,
			  int prot)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	bool changed = false;

	pthread_mutex_lock(&as->lock);
	kvm_pt_protect(&as->p->pool, as->pml4, addr, len, prot, &changed);
	pthread_mutex_unlock(&as->lock);
	if (changed)
		shootdown(as);
	return 0;
}

/* ---- running ------------------------------------------------------------ */

static bool canonical(uint64_t a)
{
	return a < (1ULL << 47) || a >= 0xffff800000000000ULL;
}

static void regs_to_kvm(const struct abi_user_regs *r, struct kvm_regs *k)
{
	k->rax = r->rax;
	k->rbx = r->rbx;
	k->rcx = r->rcx;
	k->rdx = r->rdx;
	k->rsi = r->rsi;
	k->rdi = r->rdi;
	k->rsp = r->rsp;
	k->rbp = r->rbp;
	k->r8 = r->r8;
	k->r9 = r->r9;
	k->r10 = r->r10;
	k->r11 = r->r11;
	k->r12 = r->r12;
	k->r13 = r->r13;
	k->r14 = r->r14;
	k->r15 = r->r15;
	k->rip = r->rip;
	k->rflags = (r->eflags & USER_FLAGS) | RFLAGS_IF | 0x2;
}

static void regs_from_kvm(const struct kvm_regs *k, struct abi_user_regs *r)
{
	r->rax = k->rax;
	r->rbx = k->rbx;
	r->rcx = k->rcx;
	r->rdx = k->rdx;
	r->rsi = k->rsi;
	r->rdi = k->rdi;
	r->rsp = k->rsp;
	r->rbp = k->rbp;
	r->r8 = k->r8;
	r->r9 = k->r9;
	r->r10 = k->r10;
	r->r11 = k->r11;
	r->r12 = k->r12;
	r->r13 = k->r13;
	r->r14 = k->r14;
	r->r15 = k->r15;
	r->rip = k->rip;
	r->eflags = k->rflags;
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->ds = r->es = r->fs = r->gs = 0;
}

/*
 * Load the application's state into v's kvm_run for the next KVM_RUN:
 * straight into ring 3, or through the trampoline when flush.
 */
static void load_state(struct kvm_platform *kp, struct kvm_vcpu *v,
		       struct kvm_as *as, const struct abi_user_regs *r,
		       bool flush)
{
	struct kvm_run *run = v->run;
	struct kvm_regs *k = &run->s.regs.regs;
	struct kvm_sregs *s = &run->s.regs.sregs;

	*s = v->sregs;
	s->cr3 = as->pml4;
	s->fs.base = r->fs_base;
	s->gs.base = r->gs_base;
	regs_to_kvm(r, k);
	if (flush) {
		/* The stack page's top: rax, rip, cs, rflags, rsp, ss. */
		uint64_t *f =
		    (uint64_t *)(kp->priv + v->cpu_off + CPU_AREA - 6 * 8);

		f[0] = r->rax;
		f[1] = k->rip;
		f[2] = USER_CS;
		f[3] = k->rflags;
		f[4] = k->rsp;
		f[5] = USER_DS;
		k->rip = R0_TRAMP;
		k->rsp = KBASE + v->cpu_off + CPU_AREA - 6 * 8;
		k->rflags = 0x2;
		s->cs = (struct kvm_segment){
		    .limit = 0xffffffff,
		    .selector = KERNEL_CS,
		    .type = 0xb,
		    .present = 1,
		    .s = 1,
		    .l = 1,
		    .g = 1,
		};
		s->ss = (struct kvm_segment){
		    .limit = 0xffffffff,
		    .selector = KERNEL_DS,
		    .type = 0x3,
		    .present = 1,
		    .db = 1,
		    .s = 1,
		    .g = 1,
		};
	}
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
}

static int access_of(uint64_t err)
{
	if (err & 0x10)
		return PLATFORM_ACCESS_EXEC;
	return err & 0x2 ? PLATFORM_ACCESS_WRITE : PLATFORM_ACCESS_READ;
}

/* SIGFPE's code from the x87 or SSE exception state, as Linux finds it. */
static int fpe_code(struct kvm_vcpu *v, unsigned vector)
{
	struct kvm_xsave xs;
	uint16_t cwd, swd;
	uint32_t mxcsr, err;

	if (ioctl(v->fd, KVM_GET_XSAVE, &xs) < 0)
		return ABI_FPE_FLTINV;
	if (vector == 16) {
		memcpy(&cwd, (uint8_t *)xs.region + 0, 2);
		memcpy(&swd, (uint8_t *)xs.region + 2, 2);
		err = swd & ~cwd;
	} else {
		memcpy(&mxcsr, (uint8_t *)xs.region + 24, 4);
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x001)
		return ABI_FPE_FLTINV;
	if (err & 0x004)
		return ABI_FPE_FLTDIV;
	if (err & 0x008)
		return ABI_FPE_FLTOVF;
	if (err & 0x012)
		return ABI_FPE_FLTUND;
	if (err & 0x020)
		return ABI_FPE_FLTRES;
	return 0;
}

/* The application's exception vector as the event Linux would make. */
static void exception_event(struct kvm_as *as, struct kvm_vcpu *v,
			    unsigned vector, uint64_t error, uint64_t cr2,
			    struct abi_user_regs *r, struct platform_event *ev)
{
	ev->why = PLATFORM_SIGNAL;
	ev->addr = r->rip;
	switch (vector) {
	case 0: /* #DE */
		ev->signo = ABI_SIGFPE;
		ev->code = ABI_FPE_INTDIV;
		break;
	case 1: /* #DB */
		ev->signo = ABI_SIGTRAP;
		ev->code = ABI_TRAP_TRACE;
		break;
	case 3: /* #BP, #OF: from int3 and into */
	case 4:
		ev->signo = ABI_SIGTRAP;
		ev->code = ABI_SI_KERNEL;
		ev->addr = 0;
		break;
	case 6: /* #UD */
		ev->signo = ABI_SIGILL;
		ev->code = ABI_ILL_ILLOPN;
		break;
	case 14: { /* #PF */
		uint64_t pte = kvm_pt_lookup(&as->p->pool, as->pml4, cr2);

		ev->why = PLATFORM_FAULT;
		ev->signo = ABI_SIGSEGV;
		/* Above the user half (the ring-0 area) is no mapping of
		 * the application's, as in Linux. */
		ev->code = cr2 < ABI_TASK_SIZE &&
				   ((error & 1) || (pte & KVM_PTE_MAPPED))
			       ? ABI_SEGV_ACCERR
			       : ABI_SEGV_MAPERR;
		ev->addr = cr2;
		ev->access = access_of(error);
		break;
	}
	case 16: /* #MF */
	case 19: /* #XM */
		ev->signo = ABI_SIGFPE;
		ev->code = fpe_code(v, vector);
		break;
	case 17: /* #AC */
		ev->signo = ABI_SIGBUS;
		ev->code = ABI_BUS_ADRALN;
		ev->addr = 0;
		break;
	case 11: /* #NP, #SS */
	case 12:
		ev->signo = ABI_SIGBUS;
		ev->code = ABI_SI_KERNEL;
		ev->addr = 0;
		break;
	default: /* #GP and the rest */
		ev->why = PLATFORM_FAULT;
		ev->signo = ABI_SIGSEGV;
		ev->code = ABI_SI_KERNEL;
		ev->addr = 0;
		break;
	}
}

/* Vectors whose frame has an error code. */
static bool has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

enum stop_kind {
	STOP_USER,
	STOP_NOT_ENTERED,
	STOP_EVENT,
	STOP_BROKEN
};

/*
 * Where the vCPU stopped, from its state in kvm_run: in ring 3 (the
 * application's registers into *r), in the trampoline (not entered: *r as
 * it was), or at a ring-0 exit (the event into *ev, the registers into *r).
 */
static enum stop_kind read_stop(struct kvm_platform *kp, struct kvm_vcpu *v,
				struct kvm_as *as, struct abi_user_regs *r,
				struct platform_event *ev)
{
	struct kvm_regs *k = &v->run->s.regs.regs;
	struct kvm_sregs *s = &v->run->s.regs.sregs;
	uint64_t stack_top = KBASE + v->cpu_off + CPU_AREA;
	uint64_t *frame;
	unsigned vector;
	uint64_t error = 0;

	if ((s->cs.selector & 3) == 3) {
		regs_from_kvm(k, r);
		r->fs_base = s->fs.base;
		r->gs_base = s->gs.base;
		return STOP_USER;
	}
	if (k->rip >= R0_TRAMP &&
	    k->rip <=
		KBASE + PRIV_CODE + (uint64_t)(kvm_ring0_iret - kvm_ring0))
		return STOP_NOT_ENTERED;
	if (k->rip == R0_SYSCALL) {
		regs_from_kvm(k, r);
		r->fs_base = s->fs.base;
		r->gs_base = s->gs.base;
		r->rip = k->rcx;
		r->eflags = k->r11;
		r->orig_rax = k->rax;
		r->rax = (uint64_t)-ENOSYS;
		ev->why = PLATFORM_SYSCALL;
		return STOP_EVENT;
	}
	if (k->rip < R0_STUBS || k->rip >= R0_STUBS + 32 * 16 ||
	    (k->rip - R0_STUBS) % 16)
		return STOP_BROKEN;
	vector = (unsigned)((k->rip - R0_STUBS) / 16);
	/* The hardware's frame on the ring-0 stack: [error,] rip, cs, ... */
	if (k->rsp < stack_top - 4096 ||
	    k->rsp > stack_top - (has_error_code(vector) ? 48 : 40))
		return STOP_BROKEN;
	frame =
	    (uint64_t *)(kp->priv + v->cpu_off + (k->rsp - KBASE - v->cpu_off));
	if (has_error_code(vector))
		error = *frame++;
	if ((frame[1] & 3) != 3) {
		/* The trampoline's iretq failed: its frame was bad. */
		return STOP_BROKEN;
	}
	regs_from_kvm(k, r);
	r->fs_base = s->fs.base;
	r->gs_base = s->gs.base;
	r->rip = frame[0];
	r->eflags = frame[2];
	r->rsp = frame[3];
	exception_event(as, v, vector, error, s->cr2, r, ev);
	return STOP_EVENT;
}

static int kvm_switch_to(struct platform_ctx *pctx, struct platform_as *pas,
			 struct abi_user_regs *regs, struct platform_event *ev)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;
	struct kvm_as *as = (struct kvm_as *)pas;
	struct kvm_platform *kp = ctx->p;
	struct kvm_vcpu *v = ctx->v;
	struct abi_user_regs cur = *regs;

	memset(ev, 0, sizeof(*ev));
	if (!canonical(cur.rip) || cur.rip >= ABI_TASK_SIZE ||
	    !canonical(cur.fs_base) || !canonical(cur.gs_base)) {
		/* As iretq to such an address would: #GP. */
		ev->why = PLATFORM_FAULT;
		ev->signo = ABI_SIGSEGV;
		ev->code = ABI_SI_KERNEL;
		return 0;
	}
	for (;;) {
		uint64_t gen;
		bool flush;
		int ret, saved_errno;
		enum stop_kind kind;
		int64_t t0;

		v->run->immediate_exit = 0;
		__atomic_store_n(&v->in_guest, as->id, __ATOMIC_SEQ_CST);
		if (__atomic_exchange_n(&ctx->interrupt_pending, false,
					__ATOMIC_SEQ_CST)) {
			__atomic_store_n(&v->in_guest, 0, __ATOMIC_SEQ_CST);
			*regs = cur;
			ev->why = PLATFORM_INTERRUPTED;
			return 0;
		}
		gen = __atomic_load_n(&as->gen, __ATOMIC_SEQ_CST);
		flush =
		    v->need_flush || v->last_as != as->id || v->last_gen != gen;
		v->last_as = as->id;
		v->last_gen = gen;
		v->need_flush = false;
		load_state(kp, v, as, &cur, flush);
		t0 = mono_ns();
		__atomic_store_n(&ctx->run_start, t0, __ATOMIC_RELEASE);
		ret = ioctl(v->fd, KVM_RUN, 0);
		saved_errno = errno;
		__atomic_store_n(&v->in_guest, 0, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&v->exits, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&ctx->run_total, mono_ns() - t0,
				   __ATOMIC_RELAXED);
		__atomic_store_n(&ctx->run_start, 0, __ATOMIC_RELEASE);
		if (ret < 0 && saved_errno != EINTR && saved_errno != EAGAIN) {
			log_error("kvm: KVM_RUN: %s", strerror(saved_errno));
			v->need_flush = true;
			return -saved_errno;
		}
		if (ret < 0) {
			/* Kicked: where did it stop? */
			v->need_flush = true;
			if (v->run->kvm_dirty_regs)
				continue; /* never entered */
			kind = read_stop(kp, v, as, &cur, ev);
		} else if (v->run->exit_reason == KVM_EXIT_IO &&
			   v->run->io.direction == KVM_EXIT_IO_OUT &&
			   (v->run->io.port == PORT_SYSCALL ||
			    (v->run->io.port >= PORT_EXC &&
			     v->run->io.port < PORT_EXC + 32))) {
			kind = read_stop(kp, v, as, &cur, ev);
			if (kind == STOP_EVENT && ev->why != PLATFORM_SYSCALL)
				v->need_flush = true;
		} else if (v->run->exit_reason == KVM_EXIT_IO &&
			   v->run->io.port == PORT_CSTAR) {
			/* No 32-bit user code exists to get here. */
			kind = STOP_BROKEN;
		} else {
			log_error("kvm: unexpected exit %u at %#llx",
				  v->run->exit_reason,
				  (unsigned long long)v->run->s.regs.regs.rip);
			v->need_flush = true;
			return -EIO;
		}
		switch (kind) {
		case STOP_EVENT:
			*regs = cur;
			return 0;
		case STOP_USER:
		case STOP_NOT_ENTERED:
			continue;
		case STOP_BROKEN:
			v->need_flush = true;
			*regs = cur;
			ev->why = PLATFORM_FAULT;
			ev->signo = ABI_SIGSEGV;
			ev->code = ABI_SI_KERNEL;
			return 0;
		}
	}
}

static void kvm_interrupt(struct platform_ctx *pctx)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;

	__atomic_store_n(&ctx->interrupt_pending, true, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ctx->v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_tgkill, getpid(), ctx->tid, SIG_KICK);
}

static int kvm_cpu_time(struct platform_ctx *pctx, struct platform_as *pas,
			struct timespec *ts)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;
	int64_t total = __atomic_load_n(&ctx->run_total, __ATOMIC_ACQUIRE);
	int64_t start = __atomic_load_n(&ctx->run_start, __ATOMIC_ACQUIRE);

	(void)pas;
	if (start)
		total += mono_ns() - start;
	ts->tv_sec = total / 1000000000;
	ts->tv_nsec = total % 1000000000;
	return 0;
}

static int kvm_get_fpu(struct platform_ctx *pctx, struct platform_as *pas,
		       void *buf)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;
	struct kvm_xsave xs;

	(void)pas;
	if (ioctl(ctx->v->fd, KVM_GET_XSAVE, &xs) < 0)
		return -errno;
	memcpy(buf, xs.region, ctx->p->base.fpu_size);
	return 0;
}

static int kvm_set_fpu(struct platform_ctx *pctx, struct platform_as *pas,
		       const void *buf)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pctx;
	struct kvm_xsave xs;
	uint64_t bv;

	(void)pas;
	memset(&xs, 0, sizeof(xs));
	memcpy(xs.region, buf, ctx->p->base.fpu_size);
	/* The software bytes are the frame's, not the CPU's. */
	memset((uint8_t *)xs.region + 464, 0, 48);
	memcpy(&bv, (uint8_t *)xs.region + 512, 8);
	if (bv & ~ctx->p->xcr0)
		return -EINVAL;
	if (ioctl(ctx->v->fd, KVM_SET_XSAVE, &xs) < 0)
		return -errno;
	return 0;
}

const struct platform_ops kvm_platform_ops = {
    .name = "kvm",
    .create = kvm_create,
    .destroy = kvm_destroy,
    .as_create = kvm_as_create,
    .as_destroy = kvm_as_destroy,
    .as_new_thread = kvm_as_new_thread,
    .as_enter = kvm_as_enter,
    .as_leave = kvm_as_leave,
    .as_abandon = kvm_as_abandon,
    .as_map = kvm_as_map,
    .as_unmap = kvm_as_unmap,
    .as_protect = kvm_as_protect,
    .ctx_create = kvm_ctx_create,
    .ctx_destroy = kvm_ctx_destroy,
    .switch_to = kvm_switch_to,
    .interrupt = kvm_interrupt,
    .cpu_time = kvm_cpu_time,
    .get_fpu = kvm_get_fpu,
    .set_fpu = kvm_set_fpu,
};
