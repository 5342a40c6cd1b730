// SPDX-License-Identifier: Apache-2.0
/*
 * The snapshot image reader (sentry/state/image.c), the memory file's
 * restore (sentry/state/memimage.c) and the filesystem's
 * (sentry/state/fsimage.c, into a small booted tree: a tmpfs root with a
 * tmpfs at /tmp, and memfd_create's tmpfs) on hostile images. The first byte
 * picks how the rest is used:
 *   even: the rest is the image file, as it is;
 *   odd:  the rest describes sections, [u8 type][u16 len][len bytes] each,
 *         which the harness writes into an image with valid checksums, so
 *         that the sections' contents are reached past the checksums;
 *         the type byte's low 3 bits are the type, 6 and 7 standing for
 *         the mounts and tmpfs sections (16 and 17); bit 3 flags the
 *         section compressed (IMAGE_SECF_ZSTD, its bytes as they are);
 *         bit 4 flags it too and has the harness compress the bytes,
 *         [u16 len][len bytes] each, into chunks with right headers and
 *         frames (memimage.h), so that the records inside are reached.
 * Whatever image_open accepts must be consistent (sections inside the
 * file, aligned, in order, checksums matching); a restore either gives a
 * whole memory file or an error with nothing left behind, and the
 * filesystem's restore succeeds or says why, without a crash or a leak.
 */
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/state/fsimage.h"
#include "sentry/state/image.h"
#include "sentry/state/memimage.h"
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_image: %s\n", #cond);            \
			abort();                                               \
		}                                                              \
	} while (0)

static int image_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	image_fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	CHECK(image_fd >= 0);
	return 0;
}

static void write_raw(const uint8_t *data, size_t size)
{
	CHECK(ftruncate(image_fd, 0) == 0);
	if (size)
		CHECK(pwrite(image_fd, data, size, 0) == (ssize_t)size);
}

/* len bytes at p, [u16 n][n bytes] each, as well-made compressed chunks. */
static void write_zchunks(struct image_writer *w, const uint8_t *p, size_t len)
{
	static uint8_t out[ZSTD_COMPRESSBOUND(65535)];
	struct fuzz_in in = {p, len};

	while (in.left) {
		size_t want = fuzz_u16(&in), n, c;
		const uint8_t *raw = fuzz_bytes(&in, want, &n);
		uint32_t head[2];

		c = ZSTD_compress(out, sizeof(out), raw, n, 1);
		CHECK(!ZSTD_isError(c));
		head[0] = (uint32_t)n;
		head[1] = (uint32_t)c;
		CHECK(image_section_write(w, head, sizeof(head)) == 0);
		CHECK(image_section_write(w, out, c) == 0);
	}
}

static void write_sections(struct fuzz_in *in)
{
	struct image_writer w;

	CHECK(ftruncate(image_fd, 0) == 0);
	image_writer_init(&w, image_fd);
	while (in->left) {
		uint8_t tb = fuzz_u8(in);
		uint32_t type = tb & 7;
		size_t want = fuzz_u16(in), len;
		const uint8_t *p = fuzz_bytes(in, want, &len);

		if (type >= 6)
			type += IMAGE_SEC_MOUNTS - 6;
		if (image_section_begin_flags(&w, type,
					      tb & 0x18 ? IMAGE_SECF_ZSTD : 0))
			break;
		if (tb & 0x10)
			write_zchunks(&w, p, len);
		else
			CHECK(image_section_write(&w, p, len) == 0);
		CHECK(image_section_end(&w) == 0);
	}
	CHECK(image_writer_finish(&w) == 0);
	image_writer_release(&w);
}

/* The restored memory file's sandbox: a tmpfs root, /tmp, memfds. */
static void restore_fs(struct image_reader *r, struct kernel *k)
{
	struct vfs_inode *root = tmpfs_create(&k->mf, 0755, 0, 0), *tmp;
	struct creds c;
	struct vfs_lookup_ctx ctx;
	struct vfs_path rootp, at;
	struct fsimage *m;
	char why[FSIMAGE_ERR_LEN];

	CHECK(root);
	CHECK(vfs_ns_init(&k->ns, root->sb, root, "rootfs", 0) == 0);
	vfs_inode_put(root);
	k->memfd_root = tmpfs_create(&k->mf, 01777, 0, 0);
	CHECK(k->memfd_root);
	creds_init_root(&c);
	vfs_ns_root(&k->ns, &rootp);
	ctx = (struct vfs_lookup_ctx){.ns = &k->ns, .root = rootp, .creds = &c};
	CHECK(vfs_mkdir(&ctx, &rootp, "/tmp", 0755) == 0);
	CHECK(vfs_lookup(&ctx, &rootp, "/tmp", 0, &at) == 0);
	tmp = tmpfs_create(&k->mf, 01777, 0, 0);
	CHECK(tmp);
	CHECK(vfs_mount(&k->ns, &at, tmp->sb, tmp, "tmpfs", 0) == 0);
	vfs_inode_put(tmp);
	vfs_path_put(&at);
	why[0] = '\0';
	if (fsimage_restore(k, r, &m, why) == 0) {
		/* The restored tree can be walked. */
		if (vfs_lookup(&ctx, &rootp, "/tmp/..", 0, &at) == 0)
			vfs_path_put(&at);
		fsimage_free(m);
	} else {
		CHECK(why[0] != '\0');
	}
	vfs_path_put(&rootp);
	vfs_ns_destroy(&k->ns);
	vfs_inode_put(k->memfd_root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct image_reader r;
	static struct kernel k;
	uint64_t end = IMAGE_HEADER_SIZE;

	if (image_fd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	if (fuzz_u8(&in) & 1)
		write_sections(&in);
	else
		write_raw(in.p, in.left);

	if (image_open(&r, image_fd)) {
		CHECK(r.err[0] != 0);
		CHECK(r.sec == NULL && r.nsec == 0);
		return 0;
	}
	for (uint32_t i = 0; i < r.nsec; i++) {
		const struct image_section *s = &r.sec[i];
		size_t len;
		void *p;

		CHECK(s->offset == end);
		CHECK(s->length <= r.size - s->offset);
		end = (s->offset + s->length + IMAGE_ALIGN - 1) &
		      ~(uint64_t)(IMAGE_ALIGN - 1);
		p = image_section_load(&r, i, &len);
		CHECK(p != NULL && len == s->length);
		CHECK(image_crc32c(0, p, len) == s->crc);
		free(p);
	}
	CHECK(end + (uint64_t)r.nsec * IMAGE_ENTRY_SIZE + IMAGE_END_SIZE ==
	      r.size);
	memset(&k, 0, sizeof(k));
	if (memimage_restore(&r, &k.mf, NULL) == 0) {
		CHECK(k.mf.base != NULL && k.mf.size > 0);
		restore_fs(&r, &k);
		memfile_destroy(&k.mf);
	} else {
		CHECK(k.mf.base == NULL);
		CHECK(r.err[0] != 0);
	}
	image_close(&r);
	return 0;
}
