// SPDX-License-Identifier: Apache-2.0
/*
 * --network=host: AF_INET and AF_INET6 sockets over host sockets. Not
 * there yet: EAFNOSUPPORT.
 */
#include "sentry/net/socket.h"

#include <errno.h>

int hostinet_create(struct task *t, int family, int type, int protocol,
		    uint32_t flags, struct file **out)
{
	(void)t;
	(void)family;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}
