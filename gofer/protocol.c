// SPDX-License-Identifier: Apache-2.0
/* The gofer protocol's encoder and checked decoder (protocol.h). */
#include "gofer/protocol.h"

#include <errno.h>
#include <string.h>

static const char *const op_names[GOFER_OP_COUNT] = {
    [GOFER_VERSION_OP] = "version",  [GOFER_ATTACH] = "attach",
    [GOFER_WALK] = "walk",	     [GOFER_OPEN] = "open",
    [GOFER_CREATE] = "create",	     [GOFER_MKDIR] = "mkdir",
    [GOFER_MKNOD] = "mknod",	     [GOFER_SYMLINK] = "symlink",
    [GOFER_LINK] = "link",	     [GOFER_UNLINK] = "unlink",
    [GOFER_RENAME] = "rename",	     [GOFER_READLINK] = "readlink",
    [GOFER_GETDENTS] = "getdents",   [GOFER_STAT] = "stat",
    [GOFER_SETATTR] = "setattr",     [GOFER_STATFS] = "statfs",
    [GOFER_FSYNC] = "fsync",	     [GOFER_CLUNK] = "clunk",
    [GOFER_CONNECT] = "connect",     [GOFER_BIND] = "bind",
    [GOFER_LOOKUP] = "lookup",	     [GOFER_GETXATTR] = "getxattr",
    [GOFER_LISTXATTR] = "listxattr", [GOFER_SETXATTR] = "setxattr",
};

const char *gofer_op_name(uint16_t op)
{
	if (op < GOFER_OP_COUNT && op_names[op])
		return op_names[op];
	return "unknown";
}

void gofer_begin(struct gofer_msg *m, void *buf, size_t cap, uint16_t op,
		 uint32_t tag, int32_t error)
{
	struct gofer_hdr h = {.op = op, .tag = tag, .error = error};

	m->buf = buf;
	m->cap = cap < GOFER_MSG_MAX ? cap : GOFER_MSG_MAX;
	m->len = 0;
	m->overflow = false;
	gofer_put(m, &h, sizeof(h));
}

void gofer_put(struct gofer_msg *m, const void *p, size_t len)
{
	if (m->overflow || len > m->cap - m->len) {
		m->overflow = true;
		return;
	}
	if (len)
		memcpy(m->buf + m->len, p, len);
	m->len += len;
}

void gofer_put_str(struct gofer_msg *m, const char *s, size_t len)
{
	uint16_t l = (uint16_t)len;

	if (len > UINT16_MAX) {
		m->overflow = true;
		return;
	}
	gofer_put(m, &l, sizeof(l));
	gofer_put(m, s, len);
}

long gofer_end(struct gofer_msg *m)
{
	uint32_t size = (uint32_t)m->len;

	if (m->overflow)
		return -EMSGSIZE;
	memcpy(m->buf + offsetof(struct gofer_hdr, size), &size, sizeof(size));
	return (long)m->len;
}

int gofer_parse(const void *buf, size_t len, struct gofer_hdr *h,
		struct gofer_reader *r)
{
	if (len < sizeof(*h) || len > GOFER_MSG_MAX)
		return -EPROTO;
	memcpy(h, buf, sizeof(*h));
	if (h->size != len || h->op == 0 || h->op >= GOFER_OP_COUNT ||
	    h->flags != 0 || h->error < 0 || h->error > 4095)
		return -EPROTO;
	r->p = (const uint8_t *)buf + sizeof(*h);
	r->left = len - sizeof(*h);
	return 0;
}

int gofer_get(struct gofer_reader *r, void *dst, size_t len)
{
	if (len > r->left)
		return -EINVAL;
	memcpy(dst, r->p, len);
	r->p += len;
	r->left -= len;
	return 0;
}

int gofer_get_str(struct gofer_reader *r, const char **s, size_t *len,
		  size_t max)
{
	uint16_t l;
	int err = gofer_get(r, &l, sizeof(l));

	if (err)
		return err;
	if (l > r->left)
		return -EINVAL;
	if (l > max)
		return -ENAMETOOLONG;
	*s = (const char *)r->p;
	*len = l;
	r->p += l;
	r->left -= l;
	return 0;
}

int gofer_get_name(struct gofer_reader *r, const char **s, size_t *len)
{
	int err = gofer_get_str(r, s, len, GOFER_NAME_MAX);

	if (err)
		return err;
	if (*len == 0 || (*len == 1 && (*s)[0] == '.') ||
	    (*len == 2 && (*s)[0] == '.' && (*s)[1] == '.') ||
	    memchr(*s, '/', *len) || memchr(*s, '\0', *len))
		return -EINVAL;
	return 0;
}

int gofer_done(const struct gofer_reader *r)
{
	return r->left ? -EINVAL : 0;
}
