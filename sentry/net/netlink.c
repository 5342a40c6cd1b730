// SPDX-License-Identifier: Apache-2.0
/*
 * AF_NETLINK sockets and the network-device ioctls. Not there yet:
 * socket(2) answers EAFNOSUPPORT and the ioctls ENOTTY.
 */
#include "sentry/net/socket.h"

#include <errno.h>

int netlink_create(struct task *t, int type, int protocol, uint32_t flags,
		   struct file **out)
{
	(void)t;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}

long sock_dev_ioctl(struct task *t, unsigned int cmd, uint64_t arg)
{
	(void)t;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}
