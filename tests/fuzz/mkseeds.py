#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/ that are made, not found:
well-formed inputs in each harness's input format (see each fuzz_*.c).
Run from anywhere: python3 tests/fuzz/mkseeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def out(harness, name, data):
    d = os.path.join(HERE, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- the gofer protocol ----------------------------------------------------
(VERSION, ATTACH, WALK, OPEN, CREATE, MKDIR, MKNOD, SYMLINK, LINK, UNLINK,
 RENAME, READLINK, GETDENTS, STAT, SETATTR, STATFS, FSYNC, CLUNK, CONNECT,
 BIND, LOOKUP, GETXATTR, LISTXATTR, SETXATTR) = range(1, 25)


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack('<H', len(b)) + b


def msg(op, body, tag=7):
    return struct.pack('<IHHIi', 16 + len(body), op, 0, tag, 0) + body


def req(op, body, how=0):
    m = msg(op, body)
    return struct.pack('<HB', len(m), how) + m


def walk(fid, *names):
    return req(WALK, struct.pack('<IHH', fid, len(names), 0) +
               b''.join(s(n) for n in names))


server = {
    'walk-open': walk(0, 'dir', 'file') + req(OPEN, struct.pack('<II', 3, 2)),
    'walk-symlink': walk(0, 'dir', 'up') + req(READLINK, struct.pack('<II', 3, 0)),
    'getdents': req(GETDENTS, struct.pack('<IIQ', 0, 4096, 0)) +
                req(GETDENTS, struct.pack('<IIQ', 0, 64, 2)),
    'create': req(CREATE, struct.pack('<6I', 0, 0o102, 0o644, 0, 0, 0) + s('new')) +
              req(STAT, struct.pack('<II', 2, 0)) +
              req(SETATTR, struct.pack('<6IQqqII', 2, 0x3f, 0o600, 1, 1, 0, 10, 1, 2, 3, 0x3fffffff)),
    'mkdir-rename': req(MKDIR, struct.pack('<IIQII', 0, 0o755, 0, 0, 0) + s('m')) +
                    req(RENAME, struct.pack('<4I', 0, 2, 0, 0) + s('top') + s('moved')) +
                    req(RENAME, struct.pack('<4I', 0, 0, 2, 0) + s('dir') + s('abs')),
    'mknod-link-unlink': req(MKNOD, struct.pack('<IIQII', 0, 0o10644, 0, 0, 0) + s('f')) +
                         walk(0, 'top') +
                         req(LINK, struct.pack('<II', 0, 3) + s('l2')) +
                         req(UNLINK, struct.pack('<II', 0, 0) + s('l2')) +
                         req(UNLINK, struct.pack('<II', 0, 0x200) + s('dir')),
    'symlink': req(SYMLINK, struct.pack('<4I', 0, 0, 0, 0) + s('sl') + s('../../etc/passwd')),
    'statfs-fsync-clunk': req(STATFS, struct.pack('<II', 0, 0)) +
                          req(FSYNC, struct.pack('<II', 0, 0)) +
                          req(CLUNK, struct.pack('<II', 2, 0) + struct.pack('<II', 1, 0)),
    'lookup': req(LOOKUP, struct.pack('<IHH', 0, 5, 0) + s('dir') + s('top') +
                  s('abs') + s('fifo') + s('missing')),
    'xattr': walk(0, 'top') +
             req(SETXATTR, struct.pack('<II', 2, 1) + s('user.a') + s('value')) +
             req(GETXATTR, struct.pack('<II', 2, 64) + s('user.a')) +
             req(LISTXATTR, struct.pack('<II', 2, 64)) +
             req(SETXATTR, struct.pack('<II', 2, 0x100) + s('user.a') + s('')),
    'bind-connect': req(BIND, struct.pack('<6I', 0, 1, 0o755, 0, 0, 0) + s('sock')) +
                    req(CONNECT, struct.pack('<II', 2, 1)),
    'ro': walk(1, 'ro') + req(OPEN, struct.pack('<II', 2, 2)) +
          req(CREATE, struct.pack('<6I', 1, 0o102, 0o644, 0, 0, 0) + s('x')),
    'bad-header': struct.pack('<HB', 16, 1) + struct.pack('<IHHIi', 99, 3, 0, 1, 0) +
                  struct.pack('<HB', 16, 2) + msg(STAT, b'') +
                  req(99, b'') + req(VERSION, struct.pack('<II', 1, 100)),
}
for k, v in server.items():
    out('gofer_server', k, v)

# The client: [u8 call][u8 how][u16 len][reply][u8 n1][u8 n2][u8 fid][u32 arg]
CALLS = [ATTACH, WALK, OPEN, CREATE, MKDIR, MKNOD, SYMLINK, LINK, UNLINK,
         RENAME, READLINK, GETDENTS, STAT, SETATTR, STATFS, FSYNC, CONNECT,
         BIND, LOOKUP, GETXATTR, LISTXATTR, SETXATTR, CLUNK]


def stat(mode=0o100644, size=6, xlen=0):
    return struct.pack('<QQIIIIQQQII4q4I', 1234, 1, mode, 1, 0, 0, 0, size,
                       8, 4096, xlen, 1, 2, 3, 4, 0, 0, 0, 0)


def node(fid, mode=0o100644):
    return struct.pack('<II', fid, 0) + stat(mode)


def call(c, reply, args=b'\x01\x02\x00\x01\x00\x00\x00', how=0, extra=b''):
    r = msg(c, reply, 0)
    return struct.pack('<BBH', CALLS.index(c), how, len(r)) + r + args + extra


def dirent(ino, nxt, typ, name):
    return struct.pack('<QQB7x', ino, nxt, typ) + s(name)


client = {
    'attach-walk': call(ATTACH, node(0, 0o40755)) +
                   call(WALK, struct.pack('<HHi', 1, 0, 0) + node(1), b'\x01\x02\x00\x01\x00\x00\x00'),
    'walk-short': call(WALK, struct.pack('<HHi', 1, 0, 2) + node(1), b'\x01\x02\x00\x03\x00\x00\x00'),
    'open-fd': call(OPEN, b'', how=8),
    'create-fd': call(CREATE, node(5), how=8),
    'mkdir': call(MKDIR, node(6, 0o40755)),
    'readlink': call(READLINK, s('target/of/link'), b'\x01\x01\x01\x40\x00\x00\x00'),
    'getdents': call(GETDENTS, struct.pack('<II', 2, 1) + dirent(1, 1, 4, 'a') +
                     dirent(2, 2, 8, 'bb'), b'\x00\x00\x00\x00\x10\x00\x00', extra=struct.pack('<Q', 0)),
    'stat-statfs': call(STAT, stat()) + call(STATFS, struct.pack('<10Q2I', *range(10), 1, 2)),
    'setattr': call(SETATTR, stat()),
    'lookup': call(LOOKUP, struct.pack('<HHI', 2, 0, 0) +
                   struct.pack('<iI', 0, 1) + node(7, 0o120777) + s('tgt') +
                   struct.pack('<iI', 2, 0) + bytes(8 + 112), b'\x01\x02\x00\x01\x00\x00\x00'),
    'xattr': call(GETXATTR, struct.pack('<II', 3, 0) + b'abc', b'\x00\x00\x00\x40\x00\x00\x00') +
             call(LISTXATTR, struct.pack('<II', 4, 0) + b'a.b\0', b'\x00\x00\x00\x40\x00\x00\x00') +
             call(SETXATTR, struct.pack('<II', 4, 0)),
    'bind-connect': call(BIND, node(9, 0o140755), how=16) + call(CONNECT, b'', how=16),
    'unlink-rename-clunk': call(UNLINK, b'') + call(RENAME, b'') + call(CLUNK, b'') +
                           call(FSYNC, b'') + call(LINK, node(3)) + call(SYMLINK, node(4, 0o120777)) +
                           call(MKNOD, node(5, 0o10644)),
    'error': call(STAT, b'', how=0) + call(OPEN, b'', how=24),
}
for k, v in client.items():
    out('gofer_client', k, b'\x00\x00' + v)

# ---- the VFS: [op][flags][who][len][p1][len][p2] -----------------------------


def vop(op, p1, p2='', flags=1, who=0):
    p1, p2 = p1.encode(), p2.encode()
    return bytes([op, flags, who, len(p1)]) + p1 + bytes([len(p2)]) + p2


vfs = {
    'walks': vop(0, '/a/rel/x') + vop(0, 'a/up', flags=0x21) + vop(0, '/l0') +
             vop(0, '/loop1') + vop(0, '../../..', who=2) + vop(0, 'sub/dot/dot/..', who=4) +
             vop(0, '/mnt/d/out/..', flags=0x81) + vop(0, 'x', flags=0x41, who=8),
    'beneath': vop(0, '../b', flags=0x21, who=2) + vop(0, '/b', flags=0x41, who=2) +
               vop(0, 'abs/x', flags=0x21, who=2) + vop(0, 'd/out', flags=0x81, who=6),
    'chroot': vop(0, '../../../c', who=0x82) + vop(0, '/c', who=0x82) + vop(0, 'up', who=0x82),
    'ops': vop(3, '/a/new') + vop(2, '/a/new/f') + vop(4, '/a/s', '../c') +
           vop(5, '/c', '/a/hard') + vop(8, '/a/hard', '/mnt/x') + vop(8, '/a/hard', '/b/moved') +
           vop(6, '/b/moved') + vop(7, '/a/new') + vop(9, '/a/s', flags=40) + vop(10, '/a/s'),
    'user': vop(0, '/private/x', who=1) + vop(6, '/b/x', who=1) + vop(3, '/ro/d', who=1) +
            vop(8, '/b/x', '/b/y', who=1) + vop(2, '/ro/f'),
    'trailing': vop(0, '/c/') + vop(0, '/a//sub///') + vop(1, '/a/sub/') + vop(3, 'z/', who=2) +
                vop(8, '/a/sub', '/a/sub/deeper'),
}
for k, v in vfs.items():
    out('vfs', k, v)

# ---- syscalls: [u16 nr][6 x (kind, payload)] --------------------------------


def I(v): return bytes([0, v & 0xff])
def U32(v): return bytes([1]) + struct.pack('<I', v & 0xffffffff)
def U64(v): return bytes([2]) + struct.pack('<Q', v & 0xffffffffffffffff)
def B(off): return bytes([3]) + struct.pack('<H', off)
def R(back=0): return bytes([4, back])
def S(t): t = t.encode() if isinstance(t, str) else t; return bytes([5, len(t)]) + t
def D(t): return bytes([6, len(t)]) + t
def C(i): return bytes([7, i])


def sc(nr, *args):
    args = list(args) + [I(0)] * (6 - len(args))
    return struct.pack('<H', nr) + b''.join(args)


def fault(addr, access=2):
    return b'\xff' + struct.pack('<QB', addr, access)


AT = C(0)
NR = dict(read=0, write=1, open=2, close=3, stat=4, fstat=5, poll=7,
          lseek=8, mmap=9, mprotect=10, munmap=11, brk=12, rt_sigaction=13,
          rt_sigprocmask=14, ioctl=16, pread64=17, readv=19, writev=20,
          pipe=22, select=23, mremap=25, madvise=28, dup=32, dup2=33,
          nanosleep=35, getpid=39, sendfile=40, socket=41, connect=42,
          accept=43, sendto=44, recvfrom=45, sendmsg=46, recvmsg=47,
          shutdown=48, bind=49, listen=50, getsockname=51, socketpair=53,
          setsockopt=54, getsockopt=55, clone=56, fork=57, execve=59,
          exit=60, wait4=61, kill=62, uname=63, fcntl=72, flock=73,
          ftruncate=77, getdents64=217, getcwd=79, chdir=80, rename=82,
          mkdir=83, rmdir=84, link=86, unlink=87, symlink=88, readlink=89,
          chmod=90, umask=95, getrlimit=97, sigaltstack=131, mknod=133,
          prctl=157, setrlimit=160, gettid=186, futex=202, epoll_create1=291,
          epoll_ctl=233, epoll_wait=232, openat=257, mkdirat=258,
          eventfd2=290, timerfd_create=283, timerfd_settime=286,
          signalfd4=289, pipe2=293, memfd_create=319, inotify_init1=294,
          copy_file_range=326, statx=332, openat2=437, close_range=436,
          rt_sigreturn=15, tgkill=234, setitimer=38, alarm=37, pause=34,
          splice=275, tee=276, mount=165, chroot=161, setuid=105,
          sethostname=170, fallocate=285, msync=26, mincore=27, mlock=149,
          getrandom=318, pidfd_open=434, waitid=247, vfork=58, unshare=272,
          setns=308, io_uring_setup=425, bpf=321, userfaultfd=323,
          perf_event_open=298, keyctl=250, personality=135, ptrace=101)

O_RDWR_CREAT = 0o102
seeds = {
    'files': sc(NR['open'], S('f'), U32(O_RDWR_CREAT), U32(0o644)) +
             sc(NR['write'], R(), D(b'hello world'), I(11)) +
             sc(NR['lseek'], R(1), I(0), I(0)) +
             sc(NR['read'], R(2), B(0), I(100)) +
             sc(NR['fstat'], R(3), B(256)) +
             sc(NR['ftruncate'], R(4), U32(3)) +
             sc(NR['fallocate'], R(5), I(3), I(0), U32(8192)) +
             sc(NR['getdents64'], AT, B(0), U32(4096)) +
             sc(NR['close'], R(7)),
    'dirs': sc(NR['mkdir'], S('d'), U32(0o755)) + sc(NR['chdir'], S('d')) +
            sc(NR['symlink'], S('../d'), S('s')) + sc(NR['readlink'], S('s'), B(0), I(64)) +
            sc(NR['link'], S('/init'), S('h')) + sc(NR['rename'], S('h'), S('/tmp/h2')) +
            sc(NR['getcwd'], B(0), U32(256)) + sc(NR['unlink'], S('s')) +
            sc(NR['chdir'], S('..')) + sc(NR['rmdir'], S('d')) +
            sc(NR['openat2'], AT, S('/proc/self/status'), B(0), I(24)) +
            sc(NR['mknod'], S('fifo'), U32(0o10644), I(0)) +
            sc(NR['statx'], AT, S('/proc/self/maps'), I(0), U32(0xfff), B(512)),
    'pipes': sc(NR['pipe2'], B(0), I(0)) + sc(NR['write'], U64(3), D(b'xyz'), I(3)) +
             sc(NR['read'], U64(2)  if False else I(3), B(64), I(3)) +
             sc(NR['splice'], I(3), I(0), I(4), I(0), U32(100), I(1)) +
             sc(NR['poll'], D(struct.pack('<ihh', 3, 1, 0)), I(1), I(0)) +
             sc(NR['fcntl'], I(3), I(4), U32(0o4000)) +
             sc(NR['read'], I(3), B(64), I(3)) + sc(NR['close_range'], I(3), U32(100), I(0)),
    'sockets': sc(NR['socketpair'], I(1), I(1), I(0), B(0)) +
               sc(NR['sendmsg'], I(3), D(struct.pack('<QIIQQQQi', 0, 0, 0, 0x10008000, 1, 0, 0, 0)), I(0)) +
               sc(NR['socket'], I(2), I(1), I(0)) + sc(NR['bind'], R(), D(struct.pack('<HH4s8x', 2, 0x901f, bytes([127, 0, 0, 1]))), I(16)) +
               sc(NR['listen'], R(1), I(5)) + sc(NR['socket'], I(2), I(1), I(0)) +
               sc(NR['connect'], R(), D(struct.pack('<HH4s8x', 2, 0x901f, bytes([127, 0, 0, 1]))), I(16)) +
               sc(NR['accept'], R(5), I(0), I(0)) +
               sc(NR['socket'], I(1), I(2), I(0)) +
               sc(NR['bind'], R(), D(b'\x01\x00/tmp/u\x00'), I(10)) +
               sc(NR['sendto'], R(1), D(b'dgram'), I(5), I(0), D(b'\x01\x00/tmp/u\x00'), I(10)) +
               sc(NR['recvfrom'], R(2), B(0), I(64), I(0x40), I(0), I(0)) +
               sc(NR['socket'], I(16), I(3), I(0)) +
               sc(NR['getsockopt'], I(3), I(1), I(17), B(0), D(struct.pack('<I', 12))),
    'memory': sc(NR['mmap'], I(0), U32(0x10000), I(3), I(0x22), I(-1), I(0)) +
              sc(NR['mprotect'], R(), U32(0x1000), I(1)) + fault(0x10000000 + 0x100) +
              sc(NR['mremap'], R(1), U32(0x10000), U32(0x20000), I(1)) +
              sc(NR['madvise'], R(), U32(0x4000), I(4)) + sc(NR['munmap'], R(1), U32(0x8000)) +
              sc(NR['brk'], I(0)) + sc(NR['brk'], U64(0x800000)) +
              sc(NR['mincore'], C(4), U32(0x1000), B(0)) +
              sc(NR['memfd_create'], S('m'), I(0)) + sc(NR['ftruncate'], R(), U32(0x4000)) +
              sc(NR['mmap'], I(0), U32(0x4000), I(3), I(1), R(1), I(0)) +
              sc(NR['fork']) + fault(0x10000000, 2) + fault(0x30000000, 1),
    'signals': sc(NR['rt_sigaction'], I(10), D(struct.pack('<QQQQ', 0x401000, 0x04000000, 0x401000, 0)), I(0), I(8)) +
               sc(NR['kill'], I(0), I(10)) + sc(NR['rt_sigreturn']) +
               sc(NR['rt_sigprocmask'], I(0), D(struct.pack('<Q', 1 << 11)), B(0), I(8)) +
               sc(NR['tgkill'], I(1), I(1), I(12)) +
               sc(NR['signalfd4'], I(-1), D(struct.pack('<Q', 1 << 11)), I(8), I(0)) +
               sc(NR['read'], R(), B(0), U32(128)) +
               sc(NR['sigaltstack'], D(struct.pack('<QiiQ', 0x10000000, 0, 0, 0x4000)), I(0)) +
               sc(NR['setitimer'], I(0), D(struct.pack('<4q', 0, 1000, 0, 1000)), I(0)) +
               sc(NR['pause']),
    'process': sc(NR['clone'], U32(0x50f00), B(0x4000), I(0), I(0), I(0)) +
               sc(NR['vfork']) + sc(NR['fork']) + sc(NR['wait4'], I(-1), B(0), I(0), I(0)) +
               sc(NR['waitid'], I(0), I(0), B(0), U32(4)) + sc(NR['uname'], B(0)) +
               sc(NR['sethostname'], D(b'box'), I(3)) + sc(NR['prctl'], I(15), S('name')) +
               sc(NR['setrlimit'], I(7), D(struct.pack('<QQ', 16, 16))) +
               sc(NR['getrlimit'], I(7), B(0)) + sc(NR['umask'], I(0o77)) +
               sc(NR['pidfd_open'], I(0), I(0)) + sc(NR['setuid'], U32(1000)) +
               sc(NR['kill'], I(-1), I(0)),
    'events': sc(NR['epoll_create1'], I(0)) + sc(NR['eventfd2'], I(1), I(0)) +
              sc(NR['epoll_ctl'], R(1), I(1), R(), D(struct.pack('<IQ', 1, 7))) +
              sc(NR['epoll_wait'], R(2), B(0), I(8), I(0)) +
              sc(NR['timerfd_create'], I(1), I(0)) +
              sc(NR['timerfd_settime'], R(), I(0), D(struct.pack('<4q', 0, 0, 0, 1000)), I(0)) +
              sc(NR['futex'], B(0), I(1), I(1)) + sc(NR['futex'], B(0), I(0), I(5), D(struct.pack('<qq', 0, 100))) +
              sc(NR['inotify_init1'], I(0)) + sc(NR['nanosleep'], D(struct.pack('<qq', 0, 1000)), I(0)),
    'exec': sc(NR['open'], S('x'), U32(O_RDWR_CREAT), U32(0o755)) +
            sc(NR['write'], R(), D(open(os.path.join(HERE, 'corpus', 'elf', 'static'), 'rb').read()[:200]), U32(200)) +
            sc(NR['ftruncate'], R(1), U32(0x1200)) + sc(NR['close'], R(2)) +
            sc(NR['execve'], S('/tmp/x'), I(0), I(0)) +
            sc(NR['open'], S('sh'), U32(O_RDWR_CREAT), U32(0o755)) +
            sc(NR['write'], R(), D(b'#!/tmp/x -a\n'), I(12)) + sc(NR['close'], R(1)) +
            sc(NR['execve'], S('/tmp/sh'), D(struct.pack('<QQ', 0x10008000, 0)), I(0)),
    'hostile': sc(NR['mount'], S('none'), S('/mnt'), S('tmpfs'), I(0), I(0)) +
               sc(NR['chroot'], S('/tmp')) + sc(NR['unshare'], U32(0x20000000)) +
               sc(NR['ptrace'], I(16), I(1)) + sc(NR['io_uring_setup'], I(4), B(0)) +
               sc(NR['bpf'], I(0), B(0), I(64)) + sc(NR['userfaultfd'], I(0)) +
               sc(NR['perf_event_open'], B(0), I(0), I(-1), I(-1), I(0)) +
               sc(NR['keyctl'], I(0)) + sc(NR['personality'], U32(0xffffffff)) +
               sc(NR['read'], I(0), C(5), U32(100)) + sc(NR['write'], I(1), C(8), U32(100)) +
               sc(500) + sc(NR['open'], C(2), I(0)),
    # memfd seals against mappings, reopens through /proc and personality.
    'seals': sc(NR['memfd_create'], S('s'), I(2)) + sc(NR['ftruncate'], R(), U32(0x2000)) +
             sc(NR['mmap'], I(0), U32(0x1000), I(3), I(1), R(1), I(0)) +
             sc(NR['fcntl'], R(2), U32(1033), I(8)) +
             sc(NR['munmap'], R(1), U32(0x1000)) +
             sc(NR['fcntl'], R(4), U32(1033), I(0x1e)) +
             sc(NR['open'], S('/proc/self/fd/3'), I(2)) +
             sc(NR['write'], R(), D(b'x'), I(1)) +
             sc(NR['mmap'], I(0), U32(0x1000), I(1), I(1), R(7), I(0)) +
             sc(NR['mprotect'], R(), U32(0x1000), I(3)) +
             sc(NR['fcntl'], I(3), U32(1034)) +
             sc(NR['personality'], U32(0x400000)) +
             sc(NR['mmap'], I(0), U32(0x1000), I(1), I(0x22), I(-1), I(0)) +
             sc(NR['uname'], B(0)) + sc(NR['personality'], U32(0x20008)) +
             sc(NR['uname'], B(0)) + sc(NR['open'], S('/dev/shm/x'), U32(O_RDWR_CREAT), U32(0o600)) +
             sc(NR['fcntl'], R(), U32(1034)),
}
for k, v in seeds.items():
    out('syscalls', k, v)

# ---- snapshot images: [mode] then an image file (even) or sections (odd) ----
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


NOTE, MEMFILE_META, MEMORY = 1, 2, 3


def image(sections, major=1, minor=0):
    """An image file as sentry/state/image.h lays it out; a section is
    (type, data) or (type, data, flags)."""
    body, table, pos = b'', b'', 64
    for typ, data, *flags in sections:
        table += struct.pack('<IIQQII', typ, flags[0] if flags else 0, pos,
                             len(data), crc32c(data), 0)
        pad = b'\0' * (-len(data) % 8)
        body += data + pad
        pos += len(data) + len(pad)
    size = pos + len(table) + 16
    head = b'MOATIMG\0' + struct.pack('<HHIIIQQI', major, minor, 0, 64,
                                      len(sections), pos, size, crc32c(table))
    head += b'\0' * 16
    head += struct.pack('<I', crc32c(head))
    return head + body + table + b'MOATEND\0' + struct.pack('<Q', size)


def meta(size, free=(), shared=()):
    return (struct.pack('<4Q', size, 4096, len(free), len(shared)) +
            b''.join(struct.pack('<2Q', *e) for e in free) +
            b''.join(struct.pack('<3Q', *e) for e in shared))


def pages(*recs):
    return b''.join(struct.pack('<2Q', off, n) + bytes([off >> 12 & 0xff | 1]) * (4096 * n)
                    for off, n in recs)


def sec(typ, data):
    return bytes([typ]) + struct.pack('<H', len(data)) + data


MiB = 1 << 20
mem_meta = meta(16 * MiB, [(MiB, 15 * MiB)], [(8192, 4096, 2)])
images = {
    'notes': b'\0' + image([(NOTE, b'first'), (NOTE, b'a second note')]),
    'empty': b'\0' + image([]),
    'memory': b'\0' + image([(MEMFILE_META, mem_meta),
                             (MEMORY, pages((0, 1), (8192, 1)))]),
    'newer': b'\0' + image([(NOTE, b'x')], major=2),
    'sections-memory': b'\1' + sec(MEMFILE_META, mem_meta) +
                       sec(MEMORY, struct.pack('<2Q', 4096, 1) + b'\x07' * 4096),
    'sections-bad-records': b'\1' + sec(MEMFILE_META, mem_meta) +
                            sec(MEMORY, struct.pack('<2Q', 8192, 1) + b'\x05' * 4096 +
                                struct.pack('<2Q', 0, 1)),
    'sections-notes': b'\1' + sec(NOTE, b'n1') + sec(NOTE, b'n2') + sec(4, b'?'),
}


# The filesystem (sentry/state/fsimage.h) of the harness's sandbox: a
# tmpfs root with /tmp and a file "f" (page 0 of the memory file, an
# xattr), the tmpfs at /tmp, and the memfd tmpfs with one sealed memfd.
MOUNTS, TMPFS = 16, 17
DIR, REG = 0o40000, 0o100000


def mount(mid, parent, path, typ, src):
    return (struct.pack('<QQIIII', mid, parent, 0, len(path), len(typ),
                        len(src)) + path + typ + src)


def inode(mode, nlink, ino, size=0, next_pos=0, pages=(), seals=0,
          xattrs=()):
    rec = struct.pack('<4I4Q', mode, 0, 0, nlink, ino, size, 0, 0)
    rec += struct.pack('<8q', *([1700000000, 5] * 4))
    rec += struct.pack('<IIQQQII', seals, 0, next_pos, len(pages), 0, 0,
                       len(xattrs))
    rec += b''.join(struct.pack('<Q', p) for p in pages)
    rec += b''.join(struct.pack('<II', len(n), len(v)) + n + v
                    for n, v in xattrs)
    return rec


def entries(*ents):
    return struct.pack('<Q', len(ents)) + b''.join(
        struct.pack('<QQI', idx, pos, len(name)) + name
        for idx, pos, name in ents)


def tmpfs(kind, mid, next_ino, inodes, dirs):
    return (struct.pack('<IIQQQ', kind, 0, mid, next_ino, len(inodes)) +
            b''.join(inodes) + b''.join(dirs))


fs_mounts = struct.pack('<II', 1, 2) + mount(21, 0, b'/', b'tmpfs', b'rootfs') + \
    mount(22, 21, b'/tmp', b'tmpfs', b'tmpfs')
fs_tmpfs = struct.pack('<II', 1, 3) + \
    tmpfs(1, 21, 10, [inode(DIR | 0o755, 3, 1, 4096, 4),
                      inode(DIR | 0o755, 2, 2, 4096, 2),
                      inode(REG | 0o644, 1, 3, 5, pages=[1],
                            xattrs=[(b'user.a', b'b')])],
          [entries((1, 2, b'tmp'), (2, 3, b'f')), entries()]) + \
    tmpfs(1, 22, 2, [inode(DIR | 0o1777, 2, 1, 4096, 2)], [entries()]) + \
    tmpfs(3, 0, 3, [inode(DIR | 0o1777, 2, 1, 4096, 2),
                    inode(REG | 0o777, 0, 2, 0, seals=1)], [entries()])
images['fs'] = b'\0' + image([(MEMFILE_META, mem_meta),
                              (MEMORY, pages((0, 1), (8192, 1))),
                              (MOUNTS, fs_mounts), (TMPFS, fs_tmpfs)])
images['sections-fs'] = b'\1' + sec(MEMFILE_META, mem_meta) + \
    sec(MEMORY, struct.pack('<2Q', 0, 1) + b'\x07' * 4096) + \
    sec(6, fs_mounts) + sec(7, fs_tmpfs)


# Compressed memory (sentry/state/memimage.h): chunks of [raw length,
# compressed length] and one zstd frame, made here of raw blocks (the
# format's simplest; RFC 8878): single segment, a 4-byte content size,
# no checksum. Type bytes 0x13 and 0x0b: memory, compressed by the
# harness or as it is (fuzz_image.c).
SECF_ZSTD = 1


def zframe(raw):
    f = struct.pack('<IBI', 0xFD2FB528, 0xA0, len(raw))
    for i in range(0, max(len(raw), 1), 128 << 10):
        blk = raw[i:i + (128 << 10)]
        last = i + (128 << 10) >= len(raw)
        f += struct.pack('<I', len(blk) << 3 | last)[:3] + blk
    return f


def zchunk(raw, declared=None):
    f = zframe(raw)
    return struct.pack('<II', len(raw) if declared is None else declared,
                       len(f)) + f


def zsec(typ, *raws):
    return sec(typ, b''.join(struct.pack('<H', len(r)) + r for r in raws))


zmem = zchunk(pages((0, 1))) + zchunk(pages((8192, 1)))
images['zstd-memory'] = b'\0' + image([(MEMFILE_META, mem_meta),
                                       (MEMORY, zmem, SECF_ZSTD)], minor=1)
images['zstd-fs'] = b'\0' + image([(MEMFILE_META, mem_meta),
                                   (MEMORY, zmem, SECF_ZSTD),
                                   (MOUNTS, fs_mounts), (TMPFS, fs_tmpfs)],
                                  minor=1)
images['zstd-bad-size'] = b'\0' + image(
    [(MEMFILE_META, mem_meta),
     (MEMORY, zchunk(pages((0, 1)), 4096), SECF_ZSTD)], minor=1)
images['zstd-in-1.0'] = b'\0' + image([(MEMFILE_META, mem_meta),
                                       (MEMORY, zmem, SECF_ZSTD)])
images['sections-zstd-memory'] = b'\1' + sec(MEMFILE_META, mem_meta) + \
    zsec(0x13, pages((0, 1)), pages((4096, 2), (16384, 1)))
images['sections-zstd-raw'] = b'\1' + sec(MEMFILE_META, mem_meta) + \
    sec(0x0b, zchunk(pages((4096, 1))))
images['sections-zstd-fs'] = b'\1' + sec(MEMFILE_META, mem_meta) + \
    zsec(0x13, pages((0, 1))) + sec(6, fs_mounts) + sec(7, fs_tmpfs)

for k, v in images.items():
    out('image', k, v)
