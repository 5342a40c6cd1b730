// SPDX-License-Identifier: Apache-2.0
/*
 * Snapshot images: how fast the memory file is dumped to an image file and
 * restored from it (sentry/state/memimage.c).
 *
 *   bench_image [MiB [DIR [ROUNDS [LEVEL]]]]
 *                        default: 1024 MiB, /var/tmp, 2, 0 (uncompressed)
 *
 * Two memory files of MiB each: every page non-zero ("full"), and every
 * other page zero ("half-zero": written, so the pages exist, but zero; the
 * worst case for records, one per page). Dump: the memfile-meta and memory
 * sections and the image's table, written to DIR (into the page cache: no
 * fsync, which is timed apart). Restore: image_open, which reads the whole
 * image to check every checksum, then memimage_restore into a fresh memory
 * file. MB/s are of the memory file's MiB. Each round runs both; in a
 * virtual machine whose memory the host backs on first touch the first
 * round pays for that, the later ones reuse pages the guest freed.
 * LEVEL: the memory section compressed with zstd at that level (the
 * pattern is a hash of each word's place: the worst case, incompressible).
 */
#include "sentry/state/image.h"
#include "sentry/state/memimage.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG 4096ULL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pattern of page p; every other page zero if half. */
static void pattern(uint64_t *q, uint64_t p, bool half)
{
	for (size_t i = 0; i < PG / 8; i++)
		q[i] = half && p % 2
			   ? 0
			   : (p * PG + i * 8) * 0x9e3779b97f4a7c15ULL | 1;
}

/*
 * Written through the fd, as the application's writes through the stubs'
 * mappings would be: the sentry's own mapping stays unpopulated.
 */
static void fill(struct memfile *mf, uint64_t off, uint64_t len, bool half)
{
	static uint64_t buf[256 * PG / 8];

	for (uint64_t at = 0; at < len; at += sizeof(buf)) {
		for (size_t p = 0; p < 256; p++)
			pattern(buf + p * PG / 8, (at / PG) + p, half);
		if (pwrite(mf->fd, buf, sizeof(buf), (off_t)(off + at)) !=
		    (ssize_t)sizeof(buf))
			abort();
	}
}

/* Does [off, off+len) of mf read back the pattern? */
static bool check(struct memfile *mf, uint64_t off, uint64_t len, bool half)
{
	static uint64_t buf[PG / 8], want[PG / 8];

	for (uint64_t at = 0; at < len; at += PG) {
		pattern(want, at / PG, half);
		if (pread(mf->fd, buf, PG, (off_t)(off + at)) != (ssize_t)PG ||
		    memcmp(buf, want, PG) != 0)
			return false;
	}
	return true;
}

static int run(const char *name, uint64_t bytes, const char *dir, bool half,
	       int level)
{
	struct memfile mf, back;
	struct memimage_stats st, st2;
	struct image_writer w;
	struct image_reader r;
	char path[4096];
	double t0, t1, t2, t3, t4, mb = (double)bytes / 1e6;
	int64_t off;
	int fd, ret;

	if (memfile_create(&mf, MEMFILE_DEFAULT_SIZE) != 0) {
		fprintf(stderr, "memfile_create failed\n");
		return 1;
	}
	off = memfile_alloc(&mf, bytes);
	if (off < 0) {
		fprintf(stderr, "memfile_alloc failed\n");
		return 1;
	}
	fill(&mf, (uint64_t)off, bytes, half);

	snprintf(path, sizeof(path), "%s/bench-image.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	unlink(path);
	t0 = now();
	image_writer_init(&w, fd);
	ret = memimage_dump(&mf, &w, level, &st);
	if (!ret)
		ret = image_writer_finish(&w);
	t1 = now();
	if (ret) {
		fprintf(stderr, "dump: %s\n", w.err);
		return 1;
	}
	image_writer_release(&w);
	fsync(fd);
	t2 = now();

	ret = image_open(&r, fd);
	t3 = now();
	if (!ret)
		ret = memimage_restore(&r, &back, &st2);
	t4 = now();
	if (ret) {
		fprintf(stderr, "restore: %s\n", r.err);
		return 1;
	}
	if (!check(&back, (uint64_t)off, bytes, half)) {
		fprintf(stderr, "restored memory differs\n");
		return 1;
	}
	printf("%-10s %6.0f MiB  image %7.1f MiB (%" PRIu64 " records)  "
	       "dump %.3f s (%5.0f MB/s)  fsync %.3f s  "
	       "open+check %.3f s  restore %.3f s  open+restore %.3f s "
	       "(%5.0f MB/s)\n",
	       name, (double)bytes / (1 << 20), (double)r.size / (1 << 20),
	       st.records, t1 - t0, mb / (t1 - t0), t2 - t1, t3 - t2, t4 - t3,
	       t4 - t2, mb / (t4 - t2));
	image_close(&r);
	close(fd);
	memfile_destroy(&back);
	memfile_destroy(&mf);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 1024;
	const char *dir = argc > 2 ? argv[2] : "/var/tmp";
	int rounds = argc > 3 ? atoi(argv[3]) : 2;
	int level = argc > 4 ? atoi(argv[4]) : 0;

	if (mib == 0 || rounds < 1 || level < 0 || level > MEMIMAGE_LEVEL_MAX) {
		fprintf(stderr,
			"usage: bench_image [MiB [DIR [ROUNDS [LEVEL]]]]\n");
		return 2;
	}
	for (int i = 0; i < rounds; i++)
		if (run("full", mib << 20, dir, false, level) ||
		    run("half-zero", mib << 20, dir, true, level))
			return 1;
	return 0;
}
