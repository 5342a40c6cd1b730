#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Rewrite one field of a snapshot image's kernel section, checksums and
all (sentry/state/image.h, snapshot.c), so that a restore sees a
well-formed image that says something else:

    imgpatch.py IMAGE host-mono NS   the host's CLOCK_MONOTONIC at checkpoint
"""
import struct
import sys

KERNEL = 5


def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff


def main():
    path, field, value = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if field != 'host-mono':
        sys.exit('imgpatch: unknown field ' + field)
    img = bytearray(open(path, 'rb').read())
    nsec, table = struct.unpack_from('<IQ', img, 20)
    for i in range(nsec):
        e = table + 32 * i
        typ, _, off, length = struct.unpack_from('<IIQQ', img, e)
        if typ != KERNEL:
            continue
        at = off + 8  # magic, version
        at += 4 + struct.unpack_from('<I', img, at)[0]  # platform
        at += 4 + 8 * 4 + 4 + 4  # fpu size, limit, vdso x3, pids
        for _ in range(2):  # hostname, domainname
            at += 4 + struct.unpack_from('<I', img, at)[0]
        at += 4 + 8  # ip_forward, uptime
        struct.pack_into('<q', img, at, value)
        struct.pack_into('<I', img, e + 24, crc32c(img[off:off + length]))
        struct.pack_into('<I', img, 40, crc32c(img[table:table + 32 * nsec]))
        struct.pack_into('<I', img, 60, crc32c(img[0:60]))
        open(path, 'wb').write(img)
        return
    sys.exit('imgpatch: no kernel section')


main()
