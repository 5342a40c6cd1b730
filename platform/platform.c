// SPDX-License-Identifier: Apache-2.0
#include "platform/platform.h"

#include <string.h>

struct platform_options platform_options;

static const struct platform_ops *const platforms[] = {
    &ptrace_platform_ops,
    &systrap_platform_ops,
    &kvm_platform_ops,
};

int platform_prepare(const char *name)
{
	if (strcmp(name, kvm_platform_ops.name) == 0)
		return kvm_platform_open();
	return 0;
}

const struct platform_ops *platform_lookup(const char *name)
{
	for (unsigned i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (strcmp(platforms[i]->name, name) == 0)
			return platforms[i];
	return NULL;
}
