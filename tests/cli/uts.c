// SPDX-License-Identifier: Apache-2.0
/*
 * For the CLI test, in the sandbox only (natively it would rename the
 * host): print the host name, set it and the domain name to argv[1] and
 * argv[2], print them back through uname and /proc, and check the errors
 * of sethostname that change nothing. Prints "OLD NEW DOMAIN PROC", exits
 * 1 when a check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct utsname u;
	char old[65], proc[80] = "";
	char big[66];
	int fd, bad = 0;

	if (argc != 3)
		return 2;
	uname(&u);
	snprintf(old, sizeof(old), "%s", u.nodename);
	memset(big, 'x', sizeof(big));
	if (syscall(SYS_sethostname, big, 65) != -1 || errno != EINVAL)
		bad++;
	if (syscall(SYS_sethostname, big, -1) != -1 || errno != EINVAL)
		bad++;
	if (syscall(SYS_sethostname, (char *)8, 4) != -1 || errno != EFAULT)
		bad++;
	if (sethostname(argv[1], strlen(argv[1])) ||
	    setdomainname(argv[2], strlen(argv[2])))
		bad++;
	uname(&u);
	fd = open("/proc/sys/kernel/hostname", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, proc, sizeof(proc) - 1);

		proc[n > 0 ? n - 1 : 0] = '\0'; /* without the newline */
		close(fd);
	}
	printf("%s %s %s %s\n", old, u.nodename, u.domainname, proc);
	return bad ? 1 : 0;
}
