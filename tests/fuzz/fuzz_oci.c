// SPDX-License-Identifier: Apache-2.0
/*
 * The OCI runtime's config.json parser (tools/oci_config.c, through
 * libjansson), by its public entry point alone: the input is config.json
 * in a bundle whose rootfs has a /bin/sh. A rejected config must say why;
 * an accepted one must be one the sentry can be started with.
 */
#include "tests/fuzz/fuzz.h"
#include "tools/oci.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_oci: %s\n", #cond);              \
			abort();                                               \
		}                                                              \
	} while (0)

static char bundle[64], config[96];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];
	int fd;

	(void)argc;
	(void)argv;
	snprintf(bundle, sizeof(bundle), "/tmp/moat-fuzz-oci-XXXXXX");
	CHECK(mkdtemp(bundle));
	snprintf(config, sizeof(config), "%s/config.json", bundle);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/rootfs/bin/sh", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	CHECK(fd >= 0);
	close(fd);
	return 0;
}

__attribute__((destructor)) static void cleanup(void)
{
	char path[128];

	if (!bundle[0])
		return;
	snprintf(path, sizeof(path), "%s/rootfs/bin/sh", bundle);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	rmdir(path);
	unlink(config);
	rmdir(bundle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_config oc;
	char err[512];
	int fd = open(config, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret;

	CHECK(fd >= 0);
	CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);
	err[0] = '\0';
	ret = oci_config_load(bundle, &oc, err, sizeof(err));
	if (ret) {
		CHECK(ret == -1);
		CHECK(err[0] && memchr(err, '\0', sizeof(err)));
	} else {
		CHECK(oc.argv && oc.argv[0]);
		CHECK(oc.cfg.path && oc.cfg.rootfs);
		CHECK(oc.cfg.nbinds >= 0 && oc.cfg.nbinds <= SENTRY_BINDS_MAX);
		CHECK(oc.cfg.nrlimits >= 0 &&
		      oc.cfg.nrlimits <= SENTRY_RLIMITS_MAX);
		CHECK(oc.cfg.ngroups >= 0 && oc.cfg.ngroups <= 64);
		for (int i = 0; i < oc.cfg.nbinds; i++)
			CHECK(oc.cfg.binds[i].src && oc.cfg.binds[i].dst &&
			      oc.cfg.binds[i].dst[0] == '/');
		CHECK(oc.cfg.nmasked_paths >= 0 &&
		      oc.cfg.nmasked_paths <= OCI_PATHS_MAX);
		CHECK(oc.cfg.nreadonly_paths >= 0 &&
		      oc.cfg.nreadonly_paths <= OCI_PATHS_MAX);
		for (int i = 0; i < oc.cfg.nmasked_paths; i++)
			CHECK(oc.cfg.masked_paths[i][0] == '/');
		for (int i = 0; i < oc.cfg.nreadonly_paths; i++)
			CHECK(oc.cfg.readonly_paths[i][0] == '/');
		CHECK(oc.cfg.nuid_map >= 0 && oc.cfg.nuid_map <= OCI_IDMAP_MAX);
		CHECK(oc.cfg.ngid_map >= 0 && oc.cfg.ngid_map <= OCI_IDMAP_MAX);
		for (int i = 0; i < oc.cfg.nuid_map; i++)
			CHECK(oc.cfg.uid_map[i].count > 0);
		for (int i = 0; i < oc.cfg.ngid_map; i++)
			CHECK(oc.cfg.gid_map[i].count > 0);
	}
	oci_config_free(&oc);
	return 0;
}
