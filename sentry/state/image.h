/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot images: one file holding a sandbox's saved state as typed
 * sections, each with a checksum, behind a header with its own. The reader
 * treats an image as hostile input (it may come from another machine): it
 * checks every field and every byte before it hands out any section, and
 * says what is wrong and where, in words.
 *
 * Layout (format 1.1; every integer little-endian, every offset from the
 * start of the file):
 *
 *   0   header, 64 bytes
 *         0  magic "MOATIMG\0"        8 bytes
 *         8  major, minor              u16 each: the format version
 *        12  flags                     u32: none defined yet, must be 0
 *        16  header size               u32: 64
 *        20  section count             u32: at most IMAGE_MAX_SECTIONS
 *        24  table offset              u64: where the section table starts
 *        32  image size                u64: the whole file, end record incl.
 *        40  table checksum            u32: CRC32C of the table's bytes
 *        44  reserved                  16 bytes of zero
 *        60  header checksum           u32: CRC32C of bytes 0..59
 *   64  the sections' data, in table order: each starts 8-byte aligned
 *       right after the previous one (the first at 64), padded with zero
 *       bytes to the next multiple of 8
 *   T   the section table: one 32-byte entry per section
 *         0  type                      u32 (IMAGE_SEC_*)
 *         4  flags                     u32: IMAGE_SECF_* (1.1), or 0
 *         8  offset                    u64
 *        16  length                    u64: the data's bytes, padding excl.
 *        24  checksum                  u32: CRC32C of the data
 *        28  reserved                  u32: 0
 *   E   the end record, 16 bytes: "MOATEND\0", then the image size (u64)
 *
 * The layout is canonical: T follows the last section (padded), E follows
 * the table, and the file ends with E; nothing else lies in between. So
 * every byte is covered by a checksum, is padding or a reserved field
 * that must be zero, or is compared with the one value it may hold: any
 * corruption of a single bit is rejected.
 *
 * A reader of major version N reads any N.x image and rejects a newer
 * major with a message naming it. A minor version adds section types an
 * older reader may ignore, or section flags it rejects by name: 1.1 adds
 * IMAGE_SECF_ZSTD. The writer marks an image 1.1 only when a section has
 * a flag, so an image without one is a 1.0 image, byte for byte, that
 * every 1.x reader takes. Section types are unique in an image unless
 * marked as repeatable below.
 *
 * The writer streams: it writes the sections' data in order as it comes
 * (a section may be written in many pieces, its checksum computed on the
 * fly), then the table and the end record, and writes the header last at
 * offset 0. A crash part way leaves a file whose header is zero, which no
 * reader accepts. The fd must be a regular file (positional writes).
 */
#ifndef MOAT_STATE_IMAGE_H
#define MOAT_STATE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAGIC	   "MOATIMG"
#define IMAGE_END_MAGIC	   "MOATEND"
#define IMAGE_MAJOR	   1
#define IMAGE_MINOR	   1 /* the newest minor version this reads */
#define IMAGE_HEADER_SIZE  64
#define IMAGE_ENTRY_SIZE   32
#define IMAGE_END_SIZE	   16
#define IMAGE_ALIGN	   8
#define IMAGE_MAX_SECTIONS 4096
#define IMAGE_ERR_LEN	   256

/* Section types. */
enum image_section_type {
	IMAGE_SEC_NOTE = 1,	    /* free text about the image; repeatable */
	IMAGE_SEC_MEMFILE_META = 2, /* the memory file's allocator state */
	IMAGE_SEC_MEMORY = 3,	    /* the memory file's used pages */
	IMAGE_SEC_CONFIG = 4,	    /* the sandbox's configuration, text */
	IMAGE_SEC_KERNEL = 5,	    /* the kernel's state (snapshot.h) */
	IMAGE_SEC_MOUNTS = 16,	    /* the mount table (fsimage.h) */
	IMAGE_SEC_TMPFS = 17,	    /* every tmpfs's tree (fsimage.h) */
};

/*
 * Section flags (format 1.1). IMAGE_SECF_ZSTD: the section's data is
 * compressed in chunks with zstd; allowed on the memory section only,
 * whose reader decompresses it (memimage.h says how). The checksum is
 * the stored bytes', compressed ones.
 */
#define IMAGE_SECF_ZSTD 0x1

/* CRC32C (Castagnoli) of len bytes, continuing from crc (0 to start). */
uint32_t image_crc32c(uint32_t crc, const void *buf, size_t len);
/* Set by the tests: use the table even where the CPU has the instruction. */
extern bool image_crc_no_hw;

/* A section type's name for messages ("memory"), "unknown" if none. */
const char *image_section_name(uint32_t type);

/* One section, as written or as read and checked. */
struct image_section {
	uint32_t type;
	uint32_t flags;
	uint64_t offset, length;
	uint32_t crc;
};

struct image_writer {
	int fd;
	uint64_t pos; /* where the next byte goes */
	bool open;    /* sec[nsec - 1] is being written */
	bool failed;  /* a write failed: the image cannot be finished */
	struct image_section *sec;
	uint32_t nsec, capsec;
	char err[IMAGE_ERR_LEN];
};

/* Start an image on fd (a regular file, written from offset 0). */
void image_writer_init(struct image_writer *w, int fd);
/* Begin a section of type; 0 or -errno (w->err says why). */
int image_section_begin(struct image_writer *w, uint32_t type);
/* The same, with IMAGE_SECF_* flags (the image becomes a 1.1 one). */
int image_section_begin_flags(struct image_writer *w, uint32_t type,
			      uint32_t flags);
/* Append len bytes to the open section. */
int image_section_write(struct image_writer *w, const void *buf, size_t len);
/* The same, from several buffers (struct iovec) in one system call. */
struct iovec;
int image_section_writev(struct image_writer *w, const struct iovec *iov,
			 int iovcnt);
/* Close the open section (padding it). */
int image_section_end(struct image_writer *w);
/* Write the table, the end record and the header; the image is complete. */
int image_writer_finish(struct image_writer *w);
/* Free the writer's memory (the fd stays the caller's). */
void image_writer_release(struct image_writer *w);

struct image_reader {
	int fd;
	uint16_t major, minor;
	uint64_t size;
	struct image_section *sec;
	uint32_t nsec;
	char err[IMAGE_ERR_LEN];
};

/*
 * Open the image on fd (read from offset 0 with pread) and check all of it,
 * every section's checksum included: 0, or -EINVAL for a bad image (r->err
 * says what and where), -EIO/-ENOMEM/... for the host's errors. After a
 * failure r holds nothing to release.
 */
int image_open(struct image_reader *r, int fd);
/*
 * The same, checking everything but the sections' data: header, table,
 * layout, end record. For a reader that takes each section it uses
 * through image_section_load or a stream to its image_stream_done,
 * which check the data's checksum as it is read (a restore reads a big
 * image once instead of twice).
 */
int image_open_layout(struct image_reader *r, int fd);
void image_close(struct image_reader *r);
/* The index of the first section of type at or after index from, or -1. */
int image_find(const struct image_reader *r, uint32_t type, uint32_t from);

/*
 * Reading one section's bytes in order, through a buffer. The checksum is
 * computed again as they are read, so a file changed since image_open is
 * caught: image_stream_done fails unless all was read and it matched. The
 * bytes are handed out before that: whoever uses them must be able to
 * throw them away (a restore into a fresh memory file).
 */
struct image_stream {
	struct image_reader *r;
	uint32_t idx;
	uint64_t pos;  /* bytes of the section handed out */
	uint64_t fill; /* bytes of the section read into buf (and summed) */
	uint32_t crc;
	uint8_t *buf; /* the bytes [fill - len, fill) */
	size_t len;
};

/* 0, or -ENOMEM (r->err). */
int image_stream_init(struct image_stream *s, struct image_reader *r,
		      uint32_t idx);
void image_stream_release(struct image_stream *s);
/* The bytes not read yet. */
static inline uint64_t image_stream_left(const struct image_stream *s)
{
	return s->r->sec[s->idx].length - s->pos;
}
/*
 * The next bytes, from 1 to max of them (*n), valid until the next call;
 * NULL on a read error or with nothing left (r->err).
 */
const void *image_stream_next(struct image_stream *s, size_t max, size_t *n);
/* Read exactly len bytes: 0, or -EINVAL past the section's end. */
int image_stream_read(struct image_stream *s, void *buf, size_t len);
/* 0 if all was read and matched its checksum, else -EINVAL (r->err). */
int image_stream_done(struct image_stream *s);

/*
 * A whole section into memory, checked again: a malloc'd buffer (*len
 * bytes, NUL-terminated past them for text), or NULL with r->err set.
 */
void *image_section_load(struct image_reader *r, uint32_t idx, size_t *len);

#endif
