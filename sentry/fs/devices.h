/* SPDX-License-Identifier: Apache-2.0 */
/* Character devices implemented in the sentry (devices.c). */
#ifndef MOAT_FS_DEVICES_H
#define MOAT_FS_DEVICES_H

#include <stdint.h>

struct file;

/* dev_t as glibc's makedev encodes it. */
static inline uint64_t device_makedev(unsigned major, unsigned minor)
{
	return ((uint64_t)(major & 0xfffff000) << 32) |
	       ((uint64_t)(major & 0xfff) << 8) |
	       ((uint64_t)(minor & 0xffffff00) << 12) | (minor & 0xff);
}

/* Open the device rdev: a new file, or ERR_PTR(-ENXIO) for no driver. */
struct file *device_open(uint64_t rdev, uint32_t flags);

#endif
