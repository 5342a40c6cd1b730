// SPDX-License-Identifier: Apache-2.0
/* /proc/PID/oom_score_adj: read, written within -1000..1000, inherited by
 * a fork; without CAP_SYS_RESOURCE not lowered below the lowest value set
 * with it (0 at first). Opened with O_TRUNC as a shell's redirection does;
 * no chmod. */
#include "proc.h"

#include <fcntl.h>

static long put(const char *s)
{
	long fd = SYS2(SYS_open, "/proc/self/oom_score_adj", O_WRONLY), n;

	if (fd < 0)
		return fd;
	n = SYS3(SYS_write, fd, s, strlen(s));
	SYS1(SYS_close, fd);
	return n;
}

static long get(void)
{
	char buf[32] = {0};
	long fd = SYS2(SYS_open, "/proc/self/oom_score_adj", O_RDONLY);

	if (fd < 0)
		return -10000;
	SYS3(SYS_read, fd, buf, sizeof(buf) - 1);
	SYS1(SYS_close, fd);
	return strtol(buf, NULL, 10);
}

int main(void)
{
	long v0 = get();
	char buf[32];
	pid_t pid;

	CHECK(v0 > -1000 && v0 < 999);
	snprintf(buf, sizeof(buf), "%ld\n", v0 + 1);
	CHECK_EQ(put(buf), (long)strlen(buf));
	CHECK_EQ(get(), v0 + 1);
	CHECK_ERR(put("1001"), EINVAL);
	CHECK_ERR(put("-1001"), EINVAL);
	CHECK_ERR(put("x"), EINVAL);
	CHECK_EQ(get(), v0 + 1);
	{
		/* The shell's `echo N > /proc/...`: O_TRUNC (and O_CREAT) of
		 * a proc file succeed and truncate nothing; chmod is EPERM. */
		long fd = SYS4(SYS_openat, AT_FDCWD, "/proc/self/oom_score_adj",
			       O_WRONLY | O_CREAT | O_TRUNC, 0644);

		CHECK_OK(fd);
		SYS1(SYS_close, fd);
		CHECK_EQ(get(), v0 + 1);
		CHECK_ERR(SYS2(SYS_chmod, "/proc/self/oom_score_adj", 0600),
			  EPERM);
	}
	pid = spawn();
	if (pid == 0) {
		CHECK_EQ(get(), v0 + 1);
		/* Without CAP_SYS_RESOURCE it may rise, not fall. */
		if (geteuid() == 0) {
			CHECK_EQ(prctl(PR_CAPBSET_DROP, 24, 0, 0, 0), 0);
			CHECK_OK(SYS1(SYS_setuid, 1000));
			/* Its /proc files are its own again. */
			CHECK_EQ(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
			CHECK_ERR(put("-1000"), EACCES);
			snprintf(buf, sizeof(buf), "%ld", v0 + 2);
			CHECK_EQ(put(buf), (long)strlen(buf));
			snprintf(buf, sizeof(buf), "%ld", v0 + 1);
			CHECK_EQ(put(buf), (long)strlen(buf));
		}
		child_exit();
	}
	CHECK_CHILD_OK(pid);
	CHECK_EQ(get(), v0 + 1);
	snprintf(buf, sizeof(buf), "%ld", v0);
	CHECK_EQ(put(buf), (long)strlen(buf));
	CHECK_EQ(get(), v0);
	return guest_done();
}
