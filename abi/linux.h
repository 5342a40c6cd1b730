/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's view of the Linux x86-64 ABI: structures and constants as the
 * kernel lays them out for applications. Where glibc's user-space types
 * differ from the kernel's (struct sigaction, struct stat's padding,
 * sigset_t's size) these are the kernel's. Errno values are Linux's, which
 * on Linux hosts equal <errno.h>'s, so those come from there.
 */
#ifndef MOAT_ABI_LINUX_H
#define MOAT_ABI_LINUX_H

#include <errno.h>
#include <stdint.h>

/* ---- limits ---------------------------------------------------------- */
#define ABI_TASK_SIZE 0x7ffffffff000UL /* 47-bit user address space */
#define ABI_IOV_MAX   1024
#define ABI_NSIG      64
#define ABI_PATH_MAX  4096
#define ABI_NR_OPEN   1048576 /* fs.nr_open default */

/* Syscall numbers the sentry itself needs. */
#define ABI_NR_rt_sigreturn    15
#define ABI_NR_restart_syscall 219
#define ABI_NR_gettimeofday    96
#define ABI_NR_time	       201
#define ABI_NR_getcpu	       309

/* personality(2): the flags with an effect, and the domain. */
#define ABI_UNAME26	      0x0020000
#define ABI_READ_IMPLIES_EXEC 0x0400000
#define ABI_PER_MASK	      0xff
#define ABI_PER_LINUX32	      0x0008

/* The vsyscall page: gettimeofday, time and getcpu at 1 KiB steps. */
#define ABI_VSYSCALL_ADDR 0xffffffffff600000UL
#define ABI_RLIM_NLIMITS  16
#define ABI_RLIM_INFINITY (~0UL)

/* Kernel-internal restart codes; never seen by applications. */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516

/* ---- registers: struct user_regs_struct, as ptrace lays it out ----- */
struct abi_user_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10;
	uint64_t r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax;
	uint64_t rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

/* ---- time ----------------------------------------------------------- */
struct abi_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct abi_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

#define ABI_ITIMER_REAL	   0
#define ABI_ITIMER_VIRTUAL 1
#define ABI_ITIMER_PROF	   2

struct abi_itimerspec {
	struct abi_timespec it_interval;
	struct abi_timespec it_value;
};

/* struct sigevent, as timer_create takes it. */
struct abi_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid; /* SIGEV_THREAD_ID's */
	int32_t pad[11];
};
_Static_assert(sizeof(struct abi_sigevent) == 64, "sigevent is 64 bytes");

#define ABI_SIGEV_SIGNAL    0
#define ABI_SIGEV_NONE	    1
#define ABI_SIGEV_THREAD    2
#define ABI_SIGEV_THREAD_ID 4
/* getrusage's struct rusage */
#define ABI_RUSAGE_SELF	    0
#define ABI_RUSAGE_CHILDREN (-1)
#define ABI_RUSAGE_THREAD   1

struct abi_rusage {
	struct abi_timeval ru_utime;
	struct abi_timeval ru_stime;
	int64_t ru_maxrss; /* KiB */
	int64_t ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap;
	int64_t ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals;
	int64_t ru_nvcsw, ru_nivcsw;
};

/* times' struct tms, in clock ticks (USER_HZ) */
#define ABI_USER_HZ 100

struct abi_tms {
	int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

struct abi_itimerval {
	struct abi_timeval it_interval;
	struct abi_timeval it_value;
};

#define ABI_CLOCK_REALTIME	     0
#define ABI_CLOCK_MONOTONIC	     1
#define ABI_CLOCK_PROCESS_CPUTIME_ID 2
#define ABI_CLOCK_THREAD_CPUTIME_ID  3
#define ABI_CLOCK_MONOTONIC_RAW	     4
#define ABI_CLOCK_REALTIME_COARSE    5
#define ABI_CLOCK_MONOTONIC_COARSE   6
#define ABI_CLOCK_BOOTTIME	     7
#define ABI_CLOCK_REALTIME_ALARM     8
#define ABI_CLOCK_BOOTTIME_ALARM     9
#define ABI_CLOCK_TAI		     11
#define ABI_TIMER_ABSTIME	     1

/* ---- iovec ----------------------------------------------------------- */
struct abi_iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};

/* ---- splice, tee, vmsplice (hints but for NONBLOCK) ------------------ */
#define ABI_SPLICE_F_MOVE     0x01
#define ABI_SPLICE_F_NONBLOCK 0x02
#define ABI_SPLICE_F_MORE     0x04
#define ABI_SPLICE_F_GIFT     0x08
#define ABI_SPLICE_F_ALL      0x0f

/* ---- stat ------------------------------------------------------------ */
struct abi_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t __pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	struct abi_timespec st_atim;
	struct abi_timespec st_mtim;
	struct abi_timespec st_ctim;
	int64_t __unused[3];
};
_Static_assert(sizeof(struct abi_stat) == 144, "struct stat is 144 bytes");

#define ABI_AT_FDCWD		-100
#define ABI_AT_SYMLINK_NOFOLLOW 0x100
#define ABI_AT_REMOVEDIR	0x200
#define ABI_AT_EACCESS		0x200
#define ABI_AT_SYMLINK_FOLLOW	0x400
#define ABI_AT_NO_AUTOMOUNT	0x800
#define ABI_AT_EMPTY_PATH	0x1000
#define ABI_AT_STATX_SYNC_TYPE	0x6000

/* File types and permission bits (st_mode) */
#define ABI_S_IFMT     0170000
#define ABI_S_IFSOCK   0140000
#define ABI_S_IFLNK    0120000
#define ABI_S_IFREG    0100000
#define ABI_S_IFBLK    0060000
#define ABI_S_IFDIR    0040000
#define ABI_S_IFCHR    0020000
#define ABI_S_IFIFO    0010000
#define ABI_S_ISUID    04000
#define ABI_S_ISGID    02000
#define ABI_S_ISVTX    01000
#define ABI_S_ISREG(m) (((m)&ABI_S_IFMT) == ABI_S_IFREG)
#define ABI_S_ISDIR(m) (((m)&ABI_S_IFMT) == ABI_S_IFDIR)
#define ABI_S_ISLNK(m) (((m)&ABI_S_IFMT) == ABI_S_IFLNK)

/* access(2) modes */
#define ABI_F_OK 0
#define ABI_X_OK 1
#define ABI_W_OK 2
#define ABI_R_OK 4

/* getdents64 */
struct abi_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
#define ABI_DT_UNKNOWN 0
#define ABI_DT_FIFO    1
#define ABI_DT_CHR     2
#define ABI_DT_DIR     4
#define ABI_DT_BLK     6
#define ABI_DT_REG     8
#define ABI_DT_LNK     10
#define ABI_DT_SOCK    12

/* renameat2 */
#define ABI_RENAME_NOREPLACE 1
#define ABI_RENAME_EXCHANGE  2
#define ABI_RENAME_WHITEOUT  4

/* utimensat */
#define ABI_UTIME_NOW  ((1L << 30) - 1)
#define ABI_UTIME_OMIT ((1L << 30) - 2)

/* lseek */
#define ABI_SEEK_SET  0
#define ABI_SEEK_CUR  1
#define ABI_SEEK_END  2
#define ABI_SEEK_DATA 3
#define ABI_SEEK_HOLE 4

/* statx */
struct abi_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct abi_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t __spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct abi_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t __spare3[12];
};
_Static_assert(sizeof(struct abi_statx) == 256, "struct statx is 256 bytes");

#define ABI_STATX_TYPE	      0x0001
#define ABI_STATX_MODE	      0x0002
#define ABI_STATX_NLINK	      0x0004
#define ABI_STATX_UID	      0x0008
#define ABI_STATX_GID	      0x0010
#define ABI_STATX_ATIME	      0x0020
#define ABI_STATX_MTIME	      0x0040
#define ABI_STATX_CTIME	      0x0080
#define ABI_STATX_INO	      0x0100
#define ABI_STATX_SIZE	      0x0200
#define ABI_STATX_BLOCKS      0x0400
#define ABI_STATX_BASIC_STATS 0x07ff
#define ABI_STATX_BTIME	      0x0800
#define ABI_STATX_MNT_ID      0x1000
#define ABI_STATX__RESERVED   0x80000000U

/* openat2 */
struct abi_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define ABI_RESOLVE_NO_XDEV	  0x01
#define ABI_RESOLVE_NO_MAGICLINKS 0x02
#define ABI_RESOLVE_NO_SYMLINKS	  0x04
#define ABI_RESOLVE_BENEATH	  0x08
#define ABI_RESOLVE_IN_ROOT	  0x10
#define ABI_RESOLVE_CACHED	  0x20

/* statfs */
struct abi_statfs {
	int64_t f_type;
	int64_t f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};
_Static_assert(sizeof(struct abi_statfs) == 120, "struct statfs is 120 bytes");

#define ABI_NAME_MAX	255
#define ABI_SYMLOOP_MAX 40

/* ---- open flags and fds ---------------------------------------------- */
#define ABI_O_ACCMODE	00000003
#define ABI_O_RDONLY	00000000
#define ABI_O_WRONLY	00000001
#define ABI_O_RDWR	00000002
#define ABI_O_CREAT	00000100
#define ABI_O_EXCL	00000200
#define ABI_O_NOCTTY	00000400
#define ABI_O_TRUNC	00001000
#define ABI_O_APPEND	00002000
#define ABI_O_NONBLOCK	00004000
#define ABI_O_DSYNC	00010000
#define ABI_O_ASYNC	00020000
#define ABI_O_DIRECT	00040000
#define ABI_O_LARGEFILE 00100000
#define ABI_O_DIRECTORY 00200000
#define ABI_O_NOFOLLOW	00400000
#define ABI_O_NOATIME	01000000
#define ABI_O_CLOEXEC	02000000
#define ABI_O_PATH	010000000
#define ABI_O_SYNC	04010000
#define ABI_O_TMPFILE	020200000

#define ABI_F_DUPFD	    0
#define ABI_F_GETFD	    1
#define ABI_F_SETFD	    2
#define ABI_F_GETFL	    3
#define ABI_F_SETFL	    4
#define ABI_F_GETLK	    5
#define ABI_F_SETLK	    6
#define ABI_F_SETLKW	    7
#define ABI_F_OFD_GETLK	    36
#define ABI_F_OFD_SETLK	    37
#define ABI_F_OFD_SETLKW    38
#define ABI_F_SETPIPE_SZ    1031
#define ABI_F_GETPIPE_SZ    1032
#define ABI_F_ADD_SEALS	    1033
#define ABI_F_GET_SEALS	    1034
#define ABI_F_DUPFD_CLOEXEC 1030
#define ABI_FD_CLOEXEC	    1
#define ABI_F_SETOWN	    8
#define ABI_F_GETOWN	    9
#define ABI_F_SETSIG	    10
#define ABI_F_GETSIG	    11
#define ABI_F_SETOWN_EX	    15
#define ABI_F_GETOWN_EX	    16
#define ABI_F_SETLEASE	    1024
#define ABI_F_GETLEASE	    1025
#define ABI_F_NOTIFY	    1026
#define ABI_F_DUPFD_QUERY   1027
#define ABI_F_GET_RW_HINT   1035
#define ABI_F_SET_RW_HINT   1036

/* struct f_owner_ex's type */
#define ABI_F_OWNER_TID	 0
#define ABI_F_OWNER_PID	 1
#define ABI_F_OWNER_PGRP 2

struct abi_f_owner_ex {
	int32_t type;
	int32_t pid;
};

/* F_NOTIFY's flag that keeps the request after the first event */
#define ABI_DN_MULTISHOT 0x80000000U

/* F_SET_RW_HINT: RWH_WRITE_LIFE_NOT_SET (0) .. RWH_WRITE_LIFE_EXTREME */
#define ABI_RWH_WRITE_LIFE_EXTREME 5

/* struct flock's l_type */
#define ABI_F_RDLCK 0
#define ABI_F_WRLCK 1
#define ABI_F_UNLCK 2

/* ---- ioctl ---------------------------------------------------------- */
#define ABI_TCGETS     0x5401
#define ABI_TIOCGWINSZ 0x5413
#define ABI_FIONREAD   0x541B
#define ABI_FIONBIO    0x5421
#define ABI_FIONCLEX   0x5450
#define ABI_FIOCLEX    0x5451
#define ABI_FIOASYNC   0x5452

/* Terminals (tty.c) */
#define ABI_TCSETS	0x5402
#define ABI_TCSETSW	0x5403
#define ABI_TCSETSF	0x5404
#define ABI_TCSBRK	0x5409
#define ABI_TCXONC	0x540A
#define ABI_TCFLSH	0x540B
#define ABI_TIOCEXCL	0x540C
#define ABI_TIOCNXCL	0x540D
#define ABI_TIOCSCTTY	0x540E
#define ABI_TIOCGPGRP	0x540F
#define ABI_TIOCSPGRP	0x5410
#define ABI_TIOCOUTQ	0x5411
#define ABI_TIOCSTI	0x5412
#define ABI_TIOCSWINSZ	0x5414
#define ABI_TIOCNOTTY	0x5422
#define ABI_TIOCGETD	0x5424
#define ABI_TCSBRKP	0x5425
#define ABI_TIOCGSID	0x5429
#define ABI_TCGETS2	0x802C542AU
#define ABI_TCSETS2	0x402C542BU
#define ABI_TCSETSW2	0x402C542CU
#define ABI_TCSETSF2	0x402C542DU
#define ABI_TIOCGPTN	0x80045430U
#define ABI_TIOCSPTLCK	0x40045431U
#define ABI_TIOCGDEV	0x80045432U
#define ABI_TIOCGPTLCK	0x80045439U
#define ABI_TIOCGEXCL	0x80045440U
#define ABI_TIOCGPTPEER 0x5441

struct abi_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct abi_termios) == 36, "kernel termios");

struct abi_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* termios2 (TCGETS2): termios with the speeds. */
struct abi_termios2 {
	struct abi_termios t;
	uint32_t c_ispeed, c_ospeed;
};
_Static_assert(sizeof(struct abi_termios2) == 44, "kernel termios2");

/* c_iflag */
#define ABI_ISTRIP  0000040
#define ABI_INLCR   0000100
#define ABI_IGNCR   0000200
#define ABI_ICRNL   0000400
#define ABI_IUCLC   0001000
#define ABI_IXON    0002000
#define ABI_IXANY   0004000
#define ABI_IMAXBEL 0020000
#define ABI_IUTF8   0040000
/* c_oflag */
#define ABI_OPOST  0000001
#define ABI_OLCUC  0000002
#define ABI_ONLCR  0000004
#define ABI_OCRNL  0000010
#define ABI_ONOCR  0000020
#define ABI_ONLRET 0000040
#define ABI_TABDLY 0014000
#define ABI_XTABS  0014000
/* c_cflag */
#define ABI_B38400 0000017
#define ABI_CS8	   0000060
#define ABI_CREAD  0000200
#define ABI_HUPCL  0002000
/* c_lflag */
#define ABI_ISIG    0000001
#define ABI_ICANON  0000002
#define ABI_ECHO    0000010
#define ABI_ECHOE   0000020
#define ABI_ECHOK   0000040
#define ABI_ECHONL  0000100
#define ABI_NOFLSH  0000200
#define ABI_TOSTOP  0000400
#define ABI_ECHOCTL 0001000
#define ABI_ECHOPRT 0002000
#define ABI_ECHOKE  0004000
#define ABI_IEXTEN  0100000
/* c_cc */
#define ABI_VINTR    0
#define ABI_VQUIT    1
#define ABI_VERASE   2
#define ABI_VKILL    3
#define ABI_VEOF     4
#define ABI_VTIME    5
#define ABI_VMIN     6
#define ABI_VSTART   8
#define ABI_VSTOP    9
#define ABI_VSUSP    10
#define ABI_VEOL     11
#define ABI_VREPRINT 12
#define ABI_VWERASE  14
#define ABI_VLNEXT   15
#define ABI_VEOL2    16
/* TCFLSH's and TCXONC's arguments */
#define ABI_TCIFLUSH  0
#define ABI_TCOFLUSH  1
#define ABI_TCIOFLUSH 2
#define ABI_TCOOFF    0
#define ABI_TCOON     1
#define ABI_TCIOFF    2
#define ABI_TCION     3

/* ---- mmap ------------------------------------------------------------ */
#define ABI_PROT_NONE	   0x0
#define ABI_PROT_READ	   0x1
#define ABI_PROT_WRITE	   0x2
#define ABI_PROT_EXEC	   0x4
#define ABI_PROT_GROWSDOWN 0x01000000
#define ABI_PROT_GROWSUP   0x02000000

#define ABI_MAP_SHARED		0x01
#define ABI_MAP_PRIVATE		0x02
#define ABI_MAP_SHARED_VALIDATE 0x03
#define ABI_MAP_TYPE		0x0f
#define ABI_MAP_FIXED		0x10
#define ABI_MAP_ANONYMOUS	0x20
#define ABI_MAP_32BIT		0x40
#define ABI_MAP_GROWSDOWN	0x0100
#define ABI_MAP_DENYWRITE	0x0800
#define ABI_MAP_EXECUTABLE	0x1000
#define ABI_MAP_LOCKED		0x2000
#define ABI_MAP_NORESERVE	0x4000
#define ABI_MAP_POPULATE	0x8000
#define ABI_MAP_NONBLOCK	0x10000
#define ABI_MAP_STACK		0x20000
#define ABI_MAP_HUGETLB		0x40000
#define ABI_MAP_SYNC		0x80000
#define ABI_MAP_FIXED_NOREPLACE 0x100000
#define ABI_MAP_UNINITIALIZED	0x4000000

#define ABI_MREMAP_MAYMOVE   1
#define ABI_MREMAP_FIXED     2
#define ABI_MREMAP_DONTUNMAP 4

#define ABI_MS_ASYNC		 1
#define ABI_MS_INVALIDATE	 2
#define ABI_MS_SYNC		 4
#define ABI_MADV_NORMAL		 0
#define ABI_MADV_RANDOM		 1
#define ABI_MADV_SEQUENTIAL	 2
#define ABI_MADV_WILLNEED	 3
#define ABI_MADV_DONTNEED	 4
#define ABI_MADV_FREE		 8
#define ABI_MADV_REMOVE		 9
#define ABI_MADV_DONTFORK	 10
#define ABI_MADV_DOFORK		 11
#define ABI_MADV_MERGEABLE	 12
#define ABI_MADV_UNMERGEABLE	 13
#define ABI_MADV_HUGEPAGE	 14
#define ABI_MADV_NOHUGEPAGE	 15
#define ABI_MADV_DONTDUMP	 16
#define ABI_MADV_DODUMP		 17
#define ABI_MADV_WIPEONFORK	 18
#define ABI_MADV_KEEPONFORK	 19
#define ABI_MADV_COLD		 20
#define ABI_MADV_PAGEOUT	 21
#define ABI_MADV_POPULATE_READ	 22
#define ABI_MADV_POPULATE_WRITE	 23
#define ABI_MADV_DONTNEED_LOCKED 24
#define ABI_MADV_COLLAPSE	 25

/* ---- arch_prctl ------------------------------------------------------ */
#define ABI_ARCH_SET_GS	   0x1001
#define ABI_ARCH_SET_FS	   0x1002
#define ABI_ARCH_GET_FS	   0x1003
#define ABI_ARCH_GET_GS	   0x1004
#define ABI_ARCH_GET_CPUID 0x1011
#define ABI_ARCH_SET_CPUID 0x1012

/* ---- signals ---------------------------------------------------------- */
#define ABI_SIGHUP    1
#define ABI_SIGINT    2
#define ABI_SIGQUIT   3
#define ABI_SIGILL    4
#define ABI_SIGTRAP   5
#define ABI_SIGABRT   6
#define ABI_SIGBUS    7
#define ABI_SIGFPE    8
#define ABI_SIGKILL   9
#define ABI_SIGUSR1   10
#define ABI_SIGSEGV   11
#define ABI_SIGUSR2   12
#define ABI_SIGPIPE   13
#define ABI_SIGALRM   14
#define ABI_SIGTERM   15
#define ABI_SIGSTKFLT 16
#define ABI_SIGCHLD   17
#define ABI_SIGCONT   18
#define ABI_SIGSTOP   19
#define ABI_SIGTSTP   20
#define ABI_SIGTTIN   21
#define ABI_SIGTTOU   22
#define ABI_SIGURG    23
#define ABI_SIGXCPU   24
#define ABI_SIGXFSZ   25
#define ABI_SIGVTALRM 26
#define ABI_SIGPROF   27
#define ABI_SIGWINCH  28
#define ABI_SIGIO     29
#define ABI_SIGPWR    30
#define ABI_SIGSYS    31
#define ABI_SIGRTMIN  32
#define ABI_SIG_DFL   0
#define ABI_SIG_IGN   1

typedef uint64_t abi_sigset_t;

#define ABI_SIG_BIT(sig) (1ULL << ((sig)-1))

struct abi_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	abi_sigset_t mask;
};

#define ABI_SA_NOCLDSTOP 0x00000001
#define ABI_SA_NOCLDWAIT 0x00000002
#define ABI_SA_SIGINFO	 0x00000004
#define ABI_SA_RESTORER	 0x04000000
#define ABI_SA_ONSTACK	 0x08000000
#define ABI_SA_RESTART	 0x10000000
#define ABI_SA_NODEFER	 0x40000000
#define ABI_SA_RESETHAND 0x80000000

#define ABI_SIG_BLOCK	0
#define ABI_SIG_UNBLOCK 1
#define ABI_SIG_SETMASK 2

/* siginfo_t: 128 bytes; the union's members this sentry fills. */
struct abi_siginfo {
	int32_t si_signo;
	int32_t si_errno;
	int32_t si_code;
	int32_t pad0;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value; /* sigqueue's */
		} kill;
		struct {
			uint64_t
			    addr; /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
		} fault;
		struct {
			int32_t pid; /* SIGCHLD: the child */
			uint32_t uid;
			int32_t status; /* exit code, or the signal */
			int32_t pad;
			int64_t utime, stime; /* clock ticks */
		} child;
		struct {
			int32_t tid; /* the POSIX timer's id */
			int32_t overrun;
			uint64_t value; /* sigev_value */
		} timer;
		struct {
			uint64_t call_addr; /* SIGSYS: after the syscall insn */
			int32_t syscall;
			uint32_t arch; /* AUDIT_ARCH_* */
		} sys;
		uint8_t pad[112];
	};
};
_Static_assert(sizeof(struct abi_siginfo) == 128, "siginfo is 128 bytes");

#define ABI_SI_USER	  0
#define ABI_SI_KERNEL	  0x80
#define ABI_SI_QUEUE	  (-1)
#define ABI_SI_TIMER	  (-2)
#define ABI_SI_TKILL	  (-6)
#define ABI_CLD_EXITED	  1
#define ABI_CLD_KILLED	  2
#define ABI_CLD_DUMPED	  3
#define ABI_CLD_TRAPPED	  4
#define ABI_CLD_STOPPED	  5
#define ABI_CLD_CONTINUED 6
#define ABI_SEGV_MAPERR	  1
#define ABI_SEGV_ACCERR	  2
#define ABI_BUS_ADRALN	  1
#define ABI_BUS_ADRERR	  2
#define ABI_ILL_ILLOPN	  2
#define ABI_FPE_INTDIV	  1
#define ABI_FPE_FLTDIV	  3
#define ABI_FPE_FLTOVF	  4
#define ABI_FPE_FLTUND	  5
#define ABI_FPE_FLTRES	  6
#define ABI_FPE_FLTINV	  7
#define ABI_TRAP_BRKPT	  1
#define ABI_TRAP_TRACE	  2
#define ABI_SYS_SECCOMP	  1

/* stack_t, for sigaltstack and the signal frame. */
struct abi_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

#define ABI_SS_ONSTACK	  1
#define ABI_SS_DISABLE	  2
#define ABI_SS_AUTODISARM (1U << 31)
#define ABI_MINSIGSTKSZ	  2048

/* struct sigcontext of x86-64: the registers in a signal frame. */
struct abi_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* the XSAVE area, 64-byte aligned */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct abi_sigcontext) == 256, "sigcontext layout");

struct abi_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct abi_stack uc_stack;
	struct abi_sigcontext uc_mcontext;
	abi_sigset_t uc_sigmask;
};

#define ABI_UC_FP_XSTATE	 0x1
#define ABI_UC_SIGCONTEXT_SS	 0x2
#define ABI_UC_STRICT_RESTORE_SS 0x4

/* The frame a handler starts on: its return address, then the rest. */
struct abi_rt_sigframe {
	uint64_t pretcode; /* sa_restorer: rt_sigreturn */
	struct abi_ucontext uc;
	struct abi_siginfo info;
};

/* The software bytes at the end of an FXSAVE area (sw_reserved). */
struct abi_fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size; /* xstate_size + FP_XSTATE_MAGIC2's 4 */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

#define ABI_FP_XSTATE_MAGIC1 0x46505853U
#define ABI_FP_XSTATE_MAGIC2 0x46505845U
#define ABI_FXSAVE_SIZE	     512
#define ABI_FX_SW_OFFSET     464

/* ---- uname, sysinfo, rlimits ---------------------------------------- */
struct abi_utsname {
	char sysname[65];
	char nodename[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};

struct abi_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram;
	uint64_t freeram;
	uint64_t sharedram;
	uint64_t bufferram;
	uint64_t totalswap;
	uint64_t freeswap;
	uint16_t procs;
	uint16_t pad;
	uint32_t pad2;
	uint64_t totalhigh;
	uint64_t freehigh;
	uint32_t mem_unit;
	char _f[4];
};
_Static_assert(sizeof(struct abi_sysinfo) == 112, "kernel sysinfo");

struct abi_rlimit {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

/* mlockall, mlock2 */
#define ABI_MCL_CURRENT	  1
#define ABI_MCL_FUTURE	  2
#define ABI_MCL_ONFAULT	  4
#define ABI_MLOCK_ONFAULT 1

#define ABI_RLIMIT_CPU	      0
#define ABI_RLIMIT_FSIZE      1
#define ABI_RLIMIT_DATA	      2
#define ABI_RLIMIT_STACK      3
#define ABI_RLIMIT_CORE	      4
#define ABI_RLIMIT_RSS	      5
#define ABI_RLIMIT_NPROC      6
#define ABI_RLIMIT_NOFILE     7
#define ABI_RLIMIT_MEMLOCK    8
#define ABI_RLIMIT_AS	      9
#define ABI_RLIMIT_LOCKS      10
#define ABI_RLIMIT_SIGPENDING 11
#define ABI_RLIMIT_MSGQUEUE   12
#define ABI_RLIMIT_NICE	      13
#define ABI_RLIMIT_RTPRIO     14
#define ABI_RLIMIT_RTTIME     15

/* ---- getrandom ------------------------------------------------------ */
#define ABI_GRND_NONBLOCK 0x0001
#define ABI_GRND_RANDOM	  0x0002
#define ABI_GRND_INSECURE 0x0004

/* ---- robust futex list head (set_robust_list checks its size) ------- */
#define ABI_ROBUST_LIST_HEAD_SIZE 24

/* ---- auxiliary vector --------------------------------------------- */
#define ABI_AT_NULL	    0
#define ABI_AT_PHDR	    3
#define ABI_AT_PHENT	    4
#define ABI_AT_PHNUM	    5
#define ABI_AT_PAGESZ	    6
#define ABI_AT_BASE	    7
#define ABI_AT_FLAGS	    8
#define ABI_AT_ENTRY	    9
#define ABI_AT_UID	    11
#define ABI_AT_EUID	    12
#define ABI_AT_GID	    13
#define ABI_AT_EGID	    14
#define ABI_AT_PLATFORM	    15
#define ABI_AT_HWCAP	    16
#define ABI_AT_CLKTCK	    17
#define ABI_AT_SECURE	    23
#define ABI_AT_RANDOM	    25
#define ABI_AT_HWCAP2	    26
#define ABI_AT_EXECFN	    31
#define ABI_AT_SYSINFO_EHDR 33
#define ABI_AT_SYSINFO_EHDR 33
#define ABI_AT_MINSIGSTKSZ  51

/* ---- extended attributes ------------------------------------------ */
#define ABI_XATTR_CREATE   0x1
#define ABI_XATTR_REPLACE  0x2
#define ABI_XATTR_NAME_MAX 255
#define ABI_XATTR_SIZE_MAX 65536
#define ABI_XATTR_LIST_MAX 65536

/* ---- seccomp -------------------------------------------------------- */
#define ABI_SECCOMP_MODE_DISABLED	      0
#define ABI_SECCOMP_MODE_STRICT		      1
#define ABI_SECCOMP_MODE_FILTER		      2
#define ABI_SECCOMP_SET_MODE_STRICT	      0
#define ABI_SECCOMP_SET_MODE_FILTER	      1
#define ABI_SECCOMP_GET_ACTION_AVAIL	      2
#define ABI_SECCOMP_GET_NOTIF_SIZES	      3
#define ABI_SECCOMP_FILTER_FLAG_TSYNC	      (1U << 0)
#define ABI_SECCOMP_FILTER_FLAG_LOG	      (1U << 1)
#define ABI_SECCOMP_FILTER_FLAG_SPEC_ALLOW    (1U << 2)
#define ABI_SECCOMP_FILTER_FLAG_NEW_LISTENER  (1U << 3)
#define ABI_SECCOMP_FILTER_FLAG_TSYNC_ESRCH   (1U << 4)
#define ABI_SECCOMP_FILTER_FLAG_WAIT_KILLABLE (1U << 5)
#define ABI_SECCOMP_RET_KILL_PROCESS	      0x80000000U
#define ABI_SECCOMP_RET_KILL_THREAD	      0x00000000U
#define ABI_SECCOMP_RET_TRAP		      0x00030000U
#define ABI_SECCOMP_RET_ERRNO		      0x00050000U
#define ABI_SECCOMP_RET_USER_NOTIF	      0x7fc00000U
#define ABI_SECCOMP_RET_TRACE		      0x7ff00000U
#define ABI_SECCOMP_RET_LOG		      0x7ffc0000U
#define ABI_SECCOMP_RET_ALLOW		      0x7fff0000U
#define ABI_SECCOMP_RET_ACTION_FULL	      0xffff0000U
#define ABI_SECCOMP_RET_DATA		      0x0000ffffU
#define ABI_AUDIT_ARCH_X86_64		      0xc000003eU
#define ABI_AUDIT_ARCH_I386		      0x40000003U

/* struct sock_fprog as seccomp(2) reads it. */
struct abi_sock_fprog {
	uint16_t len;
	uint16_t pad[3];
	uint64_t filter; /* struct sock_filter[len] */
};

/* ---- prctl ---------------------------------------------------------- */
#define ABI_PR_SET_PDEATHSIG	    1
#define ABI_PR_GET_PDEATHSIG	    2
#define ABI_PR_GET_DUMPABLE	    3
#define ABI_PR_SET_DUMPABLE	    4
#define ABI_PR_GET_KEEPCAPS	    7
#define ABI_PR_SET_KEEPCAPS	    8
#define ABI_PR_GET_TIMING	    13
#define ABI_PR_SET_TIMING	    14
#define ABI_PR_SET_NAME		    15
#define ABI_PR_GET_NAME		    16
#define ABI_PR_GET_SECCOMP	    21
#define ABI_PR_SET_SECCOMP	    22
#define ABI_PR_CAPBSET_READ	    23
#define ABI_PR_CAPBSET_DROP	    24
#define ABI_PR_GET_SECUREBITS	    27
#define ABI_PR_SET_SECUREBITS	    28
#define ABI_PR_GET_TIMERSLACK	    30
#define ABI_PR_SET_TIMERSLACK	    29
#define ABI_PR_MCE_KILL		    33
#define ABI_PR_MCE_KILL_GET	    34
#define ABI_PR_SET_MM		    35
#define ABI_PR_SET_CHILD_SUBREAPER  36
#define ABI_PR_GET_CHILD_SUBREAPER  37
#define ABI_PR_SET_NO_NEW_PRIVS	    38
#define ABI_PR_GET_NO_NEW_PRIVS	    39
#define ABI_PR_GET_TID_ADDRESS	    40
#define ABI_PR_TIMING_STATISTICAL   0
#define ABI_PR_MCE_KILL_CLEAR	    0
#define ABI_PR_MCE_KILL_SET	    1
#define ABI_PR_MCE_KILL_LATE	    0
#define ABI_PR_MCE_KILL_EARLY	    1
#define ABI_PR_MCE_KILL_DEFAULT	    2
#define ABI_PR_SET_MM_AUXV	    12
#define ABI_PR_SET_MM_MAP	    14
#define ABI_PR_SET_MM_MAP_SIZE	    15
#define ABI_PRCTL_MM_MAP_SIZE	    104 /* sizeof(struct prctl_mm_map) */
#define ABI_SECURE_KEEP_CAPS	    4	/* securebits bit numbers */
#define ABI_SECURE_KEEP_CAPS_LOCKED 5
#define ABI_TASK_COMM_LEN	    16

/* PR_CAP_AMBIENT and its operations; the securebit that forbids raising. */
#define ABI_PR_CAP_AMBIENT		47
#define ABI_PR_CAP_AMBIENT_IS_SET	1
#define ABI_PR_CAP_AMBIENT_RAISE	2
#define ABI_PR_CAP_AMBIENT_LOWER	3
#define ABI_PR_CAP_AMBIENT_CLEAR_ALL	4
#define ABI_SECURE_NO_CAP_AMBIENT_RAISE 6

/* ---- capabilities (the sandbox's credentials) --------------------- */
#define ABI_CAP_CHOWN		0
#define ABI_CAP_DAC_OVERRIDE	1
#define ABI_CAP_DAC_READ_SEARCH 2
#define ABI_CAP_FOWNER		3
#define ABI_CAP_FSETID		4
#define ABI_CAP_MKNOD		27
#define ABI_CAP_SYS_CHROOT	18
#define ABI_CAP_SETGID		6
#define ABI_CAP_SETUID		7
#define ABI_CAP_SYS_ADMIN	21
#define ABI_CAP_SYS_RESOURCE	24
#define ABI_CAP_SETPCAP		8
#define ABI_CAP_KILL		5
#define ABI_CAP_SYS_PTRACE	19
#define ABI_CAP_LEASE		28
#define ABI_CAP_NET_ADMIN	12
#define ABI_CAP_LAST_CAP	40
#define ABI_CAP_FULL_SET	((1ULL << (ABI_CAP_LAST_CAP + 1)) - 1)
#define ABI_NGROUPS_MAX		65536

/* ---- processes: clone, wait ---------------------------------------- */
#define ABI_CSIGNAL		 0x000000ff
#define ABI_CLONE_VM		 0x00000100
#define ABI_CLONE_FS		 0x00000200
#define ABI_CLONE_FILES		 0x00000400
#define ABI_CLONE_SIGHAND	 0x00000800
#define ABI_CLONE_PIDFD		 0x00001000
#define ABI_CLONE_PTRACE	 0x00002000
#define ABI_CLONE_VFORK		 0x00004000
#define ABI_CLONE_PARENT	 0x00008000
#define ABI_CLONE_THREAD	 0x00010000
#define ABI_CLONE_NEWNS		 0x00020000
#define ABI_CLONE_SYSVSEM	 0x00040000
#define ABI_CLONE_SETTLS	 0x00080000
#define ABI_CLONE_PARENT_SETTID	 0x00100000
#define ABI_CLONE_CHILD_CLEARTID 0x00200000
#define ABI_CLONE_DETACHED	 0x00400000
#define ABI_CLONE_UNTRACED	 0x00800000
#define ABI_CLONE_CHILD_SETTID	 0x01000000
#define ABI_CLONE_NEWCGROUP	 0x02000000
#define ABI_CLONE_NEWUTS	 0x04000000
#define ABI_CLONE_NEWIPC	 0x08000000
#define ABI_CLONE_NEWUSER	 0x10000000
#define ABI_CLONE_NEWPID	 0x20000000
#define ABI_CLONE_NEWNET	 0x40000000
#define ABI_CLONE_IO		 0x80000000ULL
#define ABI_CLONE_CLEAR_SIGHAND	 0x100000000ULL
#define ABI_CLONE_INTO_CGROUP	 0x200000000ULL
#define ABI_CLONE_NEWTIME	 0x00000080

/* struct clone_args (clone3): the first version's size, and the latest. */
struct abi_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define ABI_CLONE_ARGS_SIZE_VER0 64
#define ABI_CLONE_ARGS_SIZE_VER2 88

#define ABI_WNOHANG	0x00000001
#define ABI_WUNTRACED	0x00000002
#define ABI_WSTOPPED	ABI_WUNTRACED
#define ABI_WEXITED	0x00000004
#define ABI_WCONTINUED	0x00000008
#define ABI_WNOWAIT	0x01000000
#define ABI___WNOTHREAD 0x20000000
#define ABI___WALL	0x40000000
#define ABI___WCLONE	0x80000000U

#define ABI_P_ALL   0
#define ABI_P_PID   1
#define ABI_P_PGID  2
#define ABI_P_PIDFD 3

#define ABI_PID_MAX 4194304 /* pid_max's ceiling on 64-bit */

#endif
