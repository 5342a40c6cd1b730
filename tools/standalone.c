// SPDX-License-Identifier: Apache-2.0
/*
 * Standalone sandboxes with a name (moat run --id NAME): their control
 * channel's socket lives in a directory of their own under the state
 * directory, so that moat checkpoint can reach them; and the image a
 * restore starts from.
 */
#include "tools/standalone.h"

#include "sentry/kernel/control.h"
#include "sentry/sentry.h"
#include "sentry/state/image.h"
#include "sentry/state/snapshot.h"
#include "tools/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The state directory: $MOAT_RUN_DIR, /run/moat-run for root, else one
 * of the user's own under /tmp. */
static const char *state_dir(void)
{
	static char buf[64];
	const char *env = getenv("MOAT_RUN_DIR");

	if (env && env[0] == '/')
		return env;
	if (geteuid() == 0)
		return "/run/moat-run";
	snprintf(buf, sizeof(buf), "/tmp/moat-run-%u", (unsigned)geteuid());
	return buf;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > 64 || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_' ||
		      id[i] == '-' || id[i] == '.'))
			return false;
	return true;
}

/* The sandbox's directory, open: fd, or -1 (errno). */
static int open_dir(const char *id, bool create)
{
	char path[PATH_MAX];
	const char *dir = state_dir();

	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int standalone_bind(const char *id)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct ctl_reply r;
	int dirfd, s;

	if (!id_ok(id)) {
		fprintf(stderr,
			"moat run: --id %s: a name is 1 to 64 letters, digits, "
			"'_', '-' or '.' (not first)\n",
			id);
		return -1;
	}
	dirfd = open_dir(id, true);
	if (dirfd < 0) {
		fprintf(stderr, "moat run: --id %s: cannot make %s/%s: %s\n",
			id, state_dir(), id, strerror(errno));
		return -1;
	}
	/* A socket left by a sandbox that ended is taken over; a live
	 * sandbox's is not. */
	if (oci_ctl(dirfd, CTL_STATE, 0, 0, &r, NULL, 0) != -ESRCH) {
		fprintf(stderr,
			"moat run: --id %s: a sandbox of that name is running "
			"(choose another name)\n",
			id);
		close(dirfd);
		return -1;
	}
	unlinkat(dirfd, CTL_SOCK_NAME, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s",
		 dirfd, CTL_SOCK_NAME);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr,
			"moat run: --id %s: cannot make its control "
			"socket: %s\n",
			id, strerror(errno));
		if (s >= 0)
			close(s);
		s = -1;
	}
	close(dirfd);
	return s;
}

int standalone_load_config(const char *dir, struct sentry_config *cfg)
{
	char path[PATH_MAX], why[SNAPSHOT_WHY_LEN];
	struct image_reader r;
	size_t len;
	char *text;
	int fd, idx, err;

	snprintf(path, sizeof(path), "%s/%s", dir, SNAPSHOT_IMAGE_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "moat: restore: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	err = image_open_layout(&r, fd);
	if (err) {
		fprintf(stderr, "moat: restore: %s: %s\n", path,
			r.err[0] ? r.err : strerror(-err));
		close(fd);
		return -1;
	}
	idx = image_find(&r, IMAGE_SEC_CONFIG, 0);
	text = idx < 0 ? NULL : image_section_load(&r, (uint32_t)idx, &len);
	if (!text || strlen(text) != len) {
		fprintf(stderr, "moat: restore: %s: %s\n", path,
			idx < 0 ? "the image holds no configuration"
				: "its configuration is not text");
		image_close(&r);
		close(fd);
		return -1;
	}
	image_close(&r);
	/* text stays: cfg points into it. */
	if (snapshot_config_parse(text, cfg, why, sizeof(why))) {
		fprintf(stderr, "moat: restore: %s: %s\n", path, why);
		close(fd);
		return -1;
	}
	cfg->restore = true;
	cfg->restore_fd = fd;
	return 0;
}

static void checkpoint_usage(FILE *out)
{
	fprintf(out,
		"Usage: moat checkpoint [--leave-running] [--tcp-close] "
		"[--compress[=LEVEL]]\n"
		"                       --image-path DIR ID\n"
		"\n"
		"Save the sandbox that 'moat run --id ID' started into "
		"DIR/%s\n"
		"(made if missing); the sandbox stops unless --leave-running.\n"
		"With --compress, its memory is compressed with zstd at LEVEL "
		"(1 to %d,\n"
		"%d if not given; 0: not compressed); a restore needs no "
		"flag.\n"
		"With --tcp-close, host TCP sockets (--network=host) and "
		"connections to\n"
		"host socket files come back closed, as after a network "
		"reset;\n"
		"without it they make the checkpoint fail.\n"
		"'moat restore --image-path DIR ID' (or 'moat run --restore "
		"DIR')\n"
		"brings it back.\n",
		SNAPSHOT_IMAGE_NAME, CTL_CHECKPOINT_LEVEL_MAX,
		CTL_CHECKPOINT_LEVEL_DEFAULT);
}

bool standalone_exists(const char *id)
{
	int dirfd = id_ok(id) ? open_dir(id, false) : -1;

	if (dirfd < 0)
		return false;
	close(dirfd);
	return true;
}

/* The ID among argv's operands (after the options). */
static const char *last_operand(int argc, char **argv)
{
	return argc > 0 ? argv[argc - 1] : NULL;
}

bool standalone_wants(int argc, char **argv)
{
	const char *id = last_operand(argc, argv);
	bool bundle = false;

	for (int i = 1; i < argc; i++)
		bundle |=
		    !strncmp(argv[i], "--bundle", 8) || !strcmp(argv[i], "-b");
	char oci[PATH_MAX];

	if (!strcmp(argv[0], "restore"))
		return !bundle;
	if (!id || id[0] == '-')
		return true; /* its usage message */
	/* An OCI container of that name (default root) is the engines'. */
	snprintf(oci, sizeof(oci), "/run/moat/%s", id);
	return standalone_exists(id) || access(oci, F_OK) != 0;
}

int standalone_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"leave-running", no_argument, NULL, 'l'},
	    {"tcp-close", no_argument, NULL, 't'},
	    {"compress", optional_argument, NULL, 'z'},
	    {"image-path", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *id;
	char path[PATH_MAX];
	uint32_t flags = 0;
	struct ctl_reply r;
	int c, dirfd, img, sock, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			flags |= CTL_CHECKPOINT_LEAVE;
			break;
		case 't':
			flags |= CTL_CHECKPOINT_TCP_CLOSE;
			break;
		case 'z':
			if (oci_ctl_compress_flags(optarg, &flags)) {
				fprintf(stderr,
					"moat checkpoint: --compress=%s: not a "
					"level from 0 to %d\n",
					optarg, CTL_CHECKPOINT_LEVEL_MAX);
				return 2;
			}
			break;
		case 'i':
			dir = optarg;
			break;
		case 'h':
			checkpoint_usage(stdout);
			return 0;
		default:
			checkpoint_usage(stderr);
			return 2;
		}
	}
	if (!dir || optind != argc - 1) {
		fprintf(stderr, "moat checkpoint: %s\n",
			!dir ? "--image-path DIR is required"
			     : "give exactly one sandbox ID");
		checkpoint_usage(stderr);
		return 2;
	}
	id = argv[optind];
	dirfd = id_ok(id) ? open_dir(id, false) : -1;
	if (dirfd < 0) {
		fprintf(stderr,
			"moat checkpoint: no sandbox named %s (start one with "
			"'moat run --id %s -- PROGRAM')\n",
			id, id);
		return 1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "moat checkpoint: %s: %s\n", dir,
			strerror(errno));
		close(dirfd);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, SNAPSHOT_IMAGE_NAME);
	img = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (img < 0) {
		fprintf(stderr, "moat checkpoint: %s: %s\n", path,
			strerror(errno));
		close(dirfd);
		return 1;
	}
	sock = oci_ctl_send(dirfd, CTL_CHECKPOINT, 0, flags, NULL, 0, &img, 1);
	close(dirfd);
	err = sock < 0 ? sock : oci_ctl_recv(sock, &r, NULL, 0, -1);
	if (sock >= 0)
		close(sock);
	close(img);
	if (err || r.err) {
		fprintf(stderr, "moat checkpoint: %s: %s\n", id,
			err == -ESRCH ? "the sandbox is not running"
			: err	      ? strerror(-err)
			: r.msg[0]    ? r.msg
				      : strerror(-r.err));
		unlink(path);
		return 1;
	}
	return 0;
}
