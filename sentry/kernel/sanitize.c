// SPDX-License-Identifier: Apache-2.0
/*
 * The sanitizers' report files (kernel/sanitize.h); compiled only into
 * -DMOAT_SANITIZE=ON builds, where CMake's moat_flags adds it to every
 * program.
 *
 * clang links one runtime that serves ASan and UBSan. gcc links two
 * shared libraries, libasan and libubsan, each with a report file of its
 * own; libubsan sets its log_path through an exported function that
 * libasan also exports, so the dynamic linker hands the call to libasan
 * and libubsan's reports would go to stderr whatever UBSAN_OPTIONS says.
 * Here libubsan's own functions are looked up in it and given its
 * log_path (with ".ubsan" added, so that the two runtimes never write
 * one file).
 */
#include "sentry/kernel/sanitize.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sanitizer/common_interface_defs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct runtime {
	void (*set_path)(const char *path);
	const char *(*get_path)(void);
	void (*notify)(__sanitizer_sandbox_arguments *args);
};

/* gcc's libubsan, where it is a runtime apart; else all NULL. */
static struct runtime ubsan;

static int find_ubsan(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *base = strrchr(info->dlpi_name, '/');
	void *h;

	(void)size;
	(void)arg;
	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, "libubsan.so", 11) != 0)
		return 0;
	h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return 1;
	/* dlsym with a handle: that library's own definitions first. */
	ubsan.set_path =
	    (void (*)(const char *))dlsym(h, "__sanitizer_set_report_path");
	ubsan.get_path =
	    (const char *(*)(void))dlsym(h, "__sanitizer_get_report_path");
	ubsan.notify = (void (*)(__sanitizer_sandbox_arguments *))dlsym(
	    h, "__sanitizer_sandbox_on_notify");
	dlclose(h); /* the library stays: the program needs it */
	if (!ubsan.set_path || !ubsan.get_path || !ubsan.notify ||
	    ubsan.set_path == __sanitizer_set_report_path)
		memset(&ubsan, 0, sizeof(ubsan));
	return 1;
}

/*
 * The last log_path=VALUE of a sanitizer options string (separated by
 * ':', ',' or blanks, as the runtimes read them), copied to buf; false if
 * there is none or it does not fit.
 */
static bool option_log_path(const char *opts, char *buf, size_t size)
{
	bool found = false;

	while (opts && *opts) {
		size_t n = strcspn(opts, ":, \t\n");

		if (n > 9 && strncmp(opts, "log_path=", 9) == 0) {
			found = n - 9 < size;
			if (found)
				snprintf(buf, size, "%.*s", (int)(n - 9),
					 opts + 9);
		}
		opts += n;
		opts += strspn(opts, ":, \t\n");
	}
	return found;
}

__attribute__((constructor)) static void sanitize_init(void)
{
	char path[4096];

	dl_iterate_phdr(find_ubsan, NULL);
	if (!ubsan.set_path ||
	    !option_log_path(getenv("UBSAN_OPTIONS"), path, sizeof(path) - 6))
		return;
	strcat(path, ".ubsan");
	ubsan.set_path(path);
}

/*
 * In a pid namespace of its own (the sentry, its pid 1), a process's
 * report file would be log_path.1, as every other sandbox's: its pid as
 * the host sees it goes into the name, log_path.ns-HOSTPID.1.
 */
static void name_by_host_pid(void)
{
	char self[24], path[4096];
	ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
	size_t len;

	if (n <= 0)
		return;
	self[n] = '\0';
	if (atoi(self) == getpid())
		return;
	if (!option_log_path(getenv("ASAN_OPTIONS"), path, sizeof(path) - 40))
		return;
	len = strlen(path);
	snprintf(path + len, sizeof(path) - len, ".ns-%s", self);
	__sanitizer_set_report_path(path);
	if (ubsan.set_path) {
		snprintf(path + len, sizeof(path) - len, ".ubsan.ns-%s", self);
		ubsan.set_path(path);
	}
}

void sanitize_prepare_isolation(void)
{
	__sanitizer_sandbox_arguments args = {0};
	int hold[3];

	name_by_host_pid();
	/*
	 * A closed fd 0, 1 or 2 stays closed: the report files must not
	 * take its number (the sentry gives init its stdio as it finds it).
	 */
	for (int fd = 0; fd < 3; fd++)
		hold[fd] = fcntl(fd, F_GETFD) < 0
			       ? open("/dev/null", O_RDONLY | O_CLOEXEC)
			       : -1;
	/* The runtime caches /proc/self/maps for the reports to come. */
	__sanitizer_sandbox_on_notify(&args);
	/* Opens log_path.PID (close-on-exec), where a log_path is set. */
	(void)__sanitizer_get_report_path();
	if (ubsan.notify) {
		ubsan.notify(&args);
		(void)ubsan.get_path();
	}
	for (int fd = 0; fd < 3; fd++)
		if (hold[fd] >= 0)
			close(hold[fd]);
}
