// SPDX-License-Identifier: Apache-2.0
/*
 * AF_INET and AF_INET6 sockets. Not there yet: socket(2) answers
 * EAFNOSUPPORT, as a kernel built without IPv4 and IPv6.
 */
#include "sentry/net/socket.h"

#include "sentry/kernel/task.h"

#include <errno.h>

int inet_create(struct task *t, int family, int type, int protocol,
		uint32_t flags, struct file **out)
{
	if (t->k->host_network)
		return hostinet_create(t, family, type, protocol, flags, out);
	(void)family;
	(void)type;
	(void)protocol;
	(void)flags;
	(void)out;
	return -EAFNOSUPPORT;
}
