// SPDX-License-Identifier: Apache-2.0
/* The mount table and tmpfs trees in a snapshot image (fsimage.h). */
#include "sentry/state/fsimage.h"

#include "sentry/fs/overlay.h"
#include "sentry/fs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/util.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_HEAD	   32 /* kind, reserved, mount id, next ino, inodes */
#define INODE_HEAD 152
#define ENTRY_HEAD 20 /* index, position, name length */
#define TYPE_MAX   64 /* a filesystem type's name */

static_assert(INODE_HEAD == 16 + 32 + 64 + 8 + 24 + 8, "inode record");

/* One tmpfs of the image. */
struct fs_ent {
	uint32_t kind;		    /* FSIMAGE_FS_* */
	uint64_t mnt_id;	    /* the image's mount id; 0: memfd */
	struct vfs_inode *root;	    /* the live tmpfs root */
	struct vfs_inode *ovl_root; /* OVERLAY_UPPER: the overlay's root */
	struct vfs_inode **ino;	    /* index -> inode, a reference each */
	size_t n, cap;
	uint64_t next_ino; /* restore: the image's */
};

struct mnt_ent {
	uint64_t id; /* the image's */
	struct vfs_mount *m;
	char *path; /* absolute */
};

/* Checkpoint: a tmpfs inode's place in the image. */
struct slot {
	const struct vfs_inode *key;
	uint32_t fs;
	uint64_t idx;
};

struct fsimage {
	struct kernel *k;
	struct mnt_ent *mnts;
	size_t nmnts;
	struct fs_ent *fs;
	size_t nfs;
	struct slot *map; /* open addressing, by key */
	size_t mapcap, mapn;
};

static void seterr(char *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void seterr(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, FSIMAGE_ERR_LEN, fmt, ap);
	va_end(ap);
}

/* ---- buffers --------------------------------------------------------- */

void fsimage_buf_release(struct fsimage_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int buf_put(struct fsimage_buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap - b->len < len)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int put32(struct fsimage_buf *b, uint32_t v)
{
	return buf_put(b, &v, 4);
}

static int put64(struct fsimage_buf *b, uint64_t v)
{
	return buf_put(b, &v, 8);
}

/* A cursor over bytes read from an image (hostile). */
struct cur {
	const uint8_t *p;
	size_t len, off;
};

static size_t left(const struct cur *c)
{
	return c->len - c->off;
}

static bool get32(struct cur *c, uint32_t *v)
{
	if (left(c) < 4)
		return false;
	memcpy(v, c->p + c->off, 4);
	c->off += 4;
	return true;
}

static bool get64(struct cur *c, uint64_t *v)
{
	if (left(c) < 8)
		return false;
	memcpy(v, c->p + c->off, 8);
	c->off += 8;
	return true;
}

static bool get_bytes(struct cur *c, uint64_t n, const uint8_t **out)
{
	if (n > left(c))
		return false;
	*out = c->p + c->off;
	c->off += (size_t)n;
	return true;
}

/* ---- names and paths ------------------------------------------------- */

/* A directory entry's name: 1..255 bytes, no '/' or NUL, not . or .. */
static bool name_ok(const uint8_t *s, size_t n)
{
	if (n == 0 || n > ABI_NAME_MAX || memchr(s, '/', n) ||
	    memchr(s, '\0', n))
		return false;
	return !(n == 1 && s[0] == '.') &&
	       !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* A path relative to a mount's root: "" or names joined by single '/'. */
static bool relpath_ok(const uint8_t *s, size_t n)
{
	size_t start = 0;

	if (n == 0)
		return true;
	if (n >= ABI_PATH_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (!name_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* Text without NUL of at most max bytes. */
static bool text_ok(const uint8_t *s, size_t n, size_t max)
{
	return n <= max && !memchr(s, '\0', n);
}

/*
 * d's path from mnt's root into buf ("" for the root, "a/b"): 0, or
 * -ENAMETOOLONG.
 */
static int rel_path(const struct vfs_mount *mnt, const struct vfs_dentry *d,
		    char *buf, size_t len)
{
	size_t pos = len - 1;

	buf[pos] = '\0';
	for (; d && d != mnt->root && d->parent; d = d->parent) {
		size_t n = strlen(d->name);

		if (n + 1 > pos)
			return -ENAMETOOLONG;
		pos -= n;
		memcpy(buf + pos, d->name, n);
		buf[--pos] = '/';
	}
	if (pos < len - 1)
		pos++; /* the leading '/' */
	memmove(buf, buf + pos, len - pos);
	return 0;
}

/* The absolute path of mount i (its parent's are made already). */
static int mount_path(struct fsimage *m, size_t i)
{
	struct vfs_mount *mt = m->mnts[i].m;
	char rel[ABI_PATH_MAX];
	const char *ppath = NULL;
	int err;

	if (!mt->parent) {
		m->mnts[i].path = strdup("/");
		return m->mnts[i].path ? 0 : -ENOMEM;
	}
	for (size_t j = 0; j < i; j++)
		if (m->mnts[j].m == mt->parent)
			ppath = m->mnts[j].path;
	if (!ppath)
		return -EINVAL;
	err = rel_path(mt->parent, mt->mountpoint, rel, sizeof(rel));
	if (err)
		return err;
	if (asprintf(&m->mnts[i].path, "%s%s%s", ppath,
		     rel[0] && strcmp(ppath, "/") ? "/" : "", rel) < 0) {
		m->mnts[i].path = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The table of k's mounts with their paths: 0, -ENOMEM, -ENAMETOOLONG. */
static int list_mounts(struct fsimage *m)
{
	struct vfs_ns *ns = &m->k->ns;
	size_t n = 0, i = 0;
	int err = 0;

	for (struct vfs_mount *mt = ns->mounts; mt; mt = mt->next)
		n++;
	m->mnts = calloc(n ? n : 1, sizeof(*m->mnts));
	if (!m->mnts)
		return -ENOMEM;
	m->nmnts = n;
	for (struct vfs_mount *mt = ns->mounts; mt && !err; mt = mt->next) {
		m->mnts[i].id = mt->id;
		m->mnts[i].m = mt;
		err = mount_path(m, i++);
	}
	return err;
}

static struct mnt_ent *find_mount(struct fsimage *m, uint64_t id)
{
	for (size_t i = 0; i < m->nmnts; i++)
		if (m->mnts[i].id == id)
			return &m->mnts[i];
	return NULL;
}

static struct mnt_ent *find_live_mount(struct fsimage *m,
				       const struct vfs_mount *mt)
{
	for (size_t i = 0; i < m->nmnts; i++)
		if (m->mnts[i].m == mt)
			return &m->mnts[i];
	return NULL;
}

/* ---- the inode map (checkpoint) -------------------------------------- */

static size_t slot_hash(const void *key, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (cap - 1);
}

static struct slot *map_find(struct fsimage *m, const struct vfs_inode *key)
{
	if (!m->mapcap)
		return NULL;
	for (size_t i = slot_hash(key, m->mapcap);;
	     i = (i + 1) & (m->mapcap - 1)) {
		if (m->map[i].key == key)
			return &m->map[i];
		if (!m->map[i].key)
			return NULL;
	}
}

static int map_add(struct fsimage *m, const struct vfs_inode *key, uint32_t fs,
		   uint64_t idx)
{
	size_t i;

	if ((m->mapn + 1) * 2 > m->mapcap) {
		size_t cap = m->mapcap ? m->mapcap * 2 : 1024;
		struct slot *old = m->map, *map = calloc(cap, sizeof(*map));

		if (!map)
			return -ENOMEM;
		m->map = map;
		for (size_t j = 0; j < m->mapcap; j++) {
			if (!old[j].key)
				continue;
			for (i = slot_hash(old[j].key, cap); map[i].key;
			     i = (i + 1) & (cap - 1))
				;
			map[i] = old[j];
		}
		m->mapcap = cap;
		free(old);
	}
	for (i = slot_hash(key, m->mapcap); m->map[i].key;
	     i = (i + 1) & (m->mapcap - 1))
		;
	m->map[i] = (struct slot){key, fs, idx};
	m->mapn++;
	return 0;
}

/* Append inode (taking a reference) to fs's list. */
static int fs_push(struct fs_ent *fs, struct vfs_inode *inode)
{
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 64;
		struct vfs_inode **p = realloc(fs->ino, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		fs->ino = p;
		fs->cap = cap;
	}
	fs->ino[fs->n++] = vfs_inode_get(inode);
	return 0;
}

/* Number inode in fs f (not numbered yet). */
static int number(struct fsimage *m, uint32_t f, struct vfs_inode *inode)
{
	int err = map_add(m, inode, f, m->fs[f].n);

	return err ? err : fs_push(&m->fs[f], inode);
}

/* A tmpfs to save; its root numbered 0 (once per superblock). */
static int add_fs(struct fsimage *m, uint32_t kind, uint64_t mnt_id,
		  struct vfs_inode *root, struct vfs_inode *ovl_root)
{
	struct fs_ent *fs;

	for (size_t i = 0; i < m->nfs; i++)
		if (m->fs[i].root->sb == root->sb)
			return 0;
	fs = realloc(m->fs, (m->nfs + 1) * sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	m->fs = fs;
	fs = &m->fs[m->nfs++];
	*fs = (struct fs_ent){.kind = kind,
			      .mnt_id = mnt_id,
			      .root = vfs_inode_get(root),
			      .ovl_root =
				  ovl_root ? vfs_inode_get(ovl_root) : NULL};
	return number(m, (uint32_t)(m->nfs - 1), root);
}

/* Number every inode reachable from fs f's root, breadth first. */
static int number_tree(struct fsimage *m, uint32_t f)
{
	for (size_t i = 0; i < m->fs[f].n; i++) {
		struct vfs_inode *dir = m->fs[f].ino[i];

		if (!ABI_S_ISDIR(dir->mode))
			continue;
		for (struct tmpfs_dirent *e = to_ti(dir)->dir.head; e;
		     e = e->next) {
			int err;

			if (map_find(m, e->inode))
				continue;
			err = number(m, f, e->inode);
			if (err)
				return err;
		}
	}
	return 0;
}

int fsimage_save_begin(struct kernel *k, struct fsimage **out,
		       char why[FSIMAGE_ERR_LEN])
{
	struct fsimage *m = calloc(1, sizeof(*m));
	int err;

	if (!m) {
		seterr(why, "fsimage: out of memory");
		return -ENOMEM;
	}
	m->k = k;
	pthread_mutex_lock(&k->ns.lock);
	err = list_mounts(m);
	for (size_t i = 0; !err && i < m->nmnts; i++) {
		struct vfs_inode *root = m->mnts[i].m->root->inode;

		if (tmpfs_is(root))
			err = add_fs(m, FSIMAGE_FS_MOUNT, m->mnts[i].id, root,
				     NULL);
		else if (overlay_is(root))
			err = add_fs(m, FSIMAGE_FS_OVERLAY_UPPER, m->mnts[i].id,
				     overlay_upper_root(root), root);
	}
	if (!err && k->memfd_root)
		err = add_fs(m, FSIMAGE_FS_MEMFD, 0, k->memfd_root, NULL);
	for (size_t i = 0; !err && i < m->nfs; i++)
		err = number_tree(m, (uint32_t)i);
	pthread_mutex_unlock(&k->ns.lock);
	if (err) {
		seterr(why, "fsimage: %s", strerror(-err));
		fsimage_free(m);
		return err;
	}
	*out = m;
	return 0;
}

/* ---- references ------------------------------------------------------ */

struct rec_head {
	uint16_t version, kind;
	uint32_t len, flags, fs;
	uint64_t mnt_id, idx, size;
	int64_t mtime_sec, mtime_nsec;
	uint32_t path_len, name_len;
};

static_assert(sizeof(struct rec_head) == FSIMAGE_REC_HEAD, "record head");

static bool is_host_file(const struct vfs_inode *inode)
{
	return !strcmp(inode->sb->type, "9p");
}

/* How mnt is named in messages: "the 9p mount at /". */
static const char *mount_name(struct fsimage *m, const struct vfs_mount *mnt,
			      char *buf, size_t len)
{
	struct mnt_ent *me = find_live_mount(m, mnt);

	snprintf(buf, len, "the %s mount at %s", mnt->sb->type,
		 me ? me->path : "?");
	return buf;
}

int fsimage_ref(struct fsimage *m, const struct vfs_path *p,
		struct vfs_inode *inode, struct fsimage_buf *out,
		char why[FSIMAGE_ERR_LEN])
{
	struct vfs_mount *mnt = p ? p->mnt : NULL;
	struct vfs_dentry *d = mnt ? p->dentry : NULL;
	struct rec_head h = {.version = FSIMAGE_VERSION};
	struct vfs_inode *tmp = NULL, *stat_of = NULL;
	char path[ABI_PATH_MAX], mname[ABI_PATH_MAX + 64];
	const char *name = "";
	size_t at = out->len;
	struct slot *s;
	int err;

	if (!inode)
		inode = d ? d->inode : NULL;
	if (!inode || (mnt && !d)) {
		seterr(why, "fsimage: a file with neither a path nor an inode");
		return -EINVAL;
	}
	if (tmpfs_is(inode)) {
		tmp = inode;
	} else if (overlay_is(inode)) {
		struct vfs_inode *up, *lo;

		overlay_layers(inode, &up, &lo);
		if (up) {
			tmp = up;
			h.flags |= FSIMAGE_REF_F_OVERLAY;
		} else if (lo && ABI_S_ISREG(inode->mode)) {
			stat_of = inode;
		}
	} else if (is_host_file(inode) && ABI_S_ISREG(inode->mode)) {
		stat_of = inode;
	}
	if (mnt && !find_live_mount(m, mnt)) {
		seterr(why, "a file of a %s mount that is not the sandbox's",
		       mnt->sb->type);
		return -EOPNOTSUPP;
	}
	if (tmp) {
		s = map_find(m, tmp);
		if (!s) {
			uint32_t f;

			if (d && !d->removed) {
				rel_path(mnt, d, path, sizeof(path));
				seterr(
				    why,
				    "%s in %s is not reachable from its "
				    "filesystem's root",
				    path,
				    mount_name(m, mnt, mname, sizeof(mname)));
				return -EOPNOTSUPP;
			}
			for (f = 0; f < m->nfs; f++)
				if (m->fs[f].root->sb == tmp->sb)
					break;
			if (f == m->nfs) {
				seterr(why,
				       "a file of a %s that is not "
				       "mounted",
				       tmp->sb->type);
				return -EOPNOTSUPP;
			}
			/* An unlinked file: saved with its tmpfs. */
			err = number(m, f, tmp);
			if (err) {
				seterr(why, "fsimage: out of memory");
				return err;
			}
			s = map_find(m, tmp);
		}
		h.flags |= FSIMAGE_REF_F_TMPFS;
		h.fs = s->fs;
		h.idx = s->idx;
	}
	path[0] = '\0';
	if (!mnt) {
		if (!tmp || (h.flags & FSIMAGE_REF_F_OVERLAY)) {
			seterr(why, "a file of %s with no path",
			       inode->sb->type);
			return -EOPNOTSUPP;
		}
		h.kind = FSIMAGE_REF_INODE;
	} else if (d->removed && d != mnt->root) {
		if (!tmp) {
			rel_path(mnt, d, path, sizeof(path));
			seterr(why,
			       "an unlinked file of %s (/%s) cannot be "
			       "saved",
			       mount_name(m, mnt, mname, sizeof(mname)), path);
			return -EOPNOTSUPP;
		}
		h.kind = FSIMAGE_REF_UNLINKED;
		h.mnt_id = mnt->id;
		name = d->name;
		err = d->parent ? rel_path(mnt, d->parent, path, sizeof(path))
				: 0;
	} else {
		h.kind = FSIMAGE_REF_PATH;
		h.mnt_id = mnt->id;
		err = rel_path(mnt, d, path, sizeof(path));
	}
	if (mnt && err) {
		seterr(why, "a file of %s: its path is too long",
		       mount_name(m, mnt, mname, sizeof(mname)));
		return err;
	}
	if (stat_of) {
		struct vfs_attr a;

		err = vfs_inode_getattr(stat_of, &a);
		if (err) {
			seterr(why, "%s of %s: stat: %s", path,
			       mount_name(m, mnt, mname, sizeof(mname)),
			       strerror(-err));
			return err;
		}
		h.flags |= FSIMAGE_REF_F_STAT;
		h.size = a.size;
		h.mtime_sec = a.mtime.tv_sec;
		h.mtime_nsec = a.mtime.tv_nsec;
	}
	h.path_len = (uint32_t)strlen(path);
	h.name_len = (uint32_t)strlen(name);
	h.len = FSIMAGE_REC_HEAD + h.path_len + h.name_len;
	err = buf_put(out, &h, sizeof(h));
	if (!err)
		err = buf_put(out, path, h.path_len);
	if (!err)
		err = buf_put(out, name, h.name_len);
	if (err) {
		out->len = at;
		seterr(why, "fsimage: out of memory");
	}
	return err;
}

size_t fsimage_rec_len(const void *rec, size_t avail)
{
	struct rec_head h;

	if (avail < sizeof(h))
		return 0;
	memcpy(&h, rec, sizeof(h));
	if (h.version != FSIMAGE_VERSION || h.len > avail ||
	    (uint64_t)h.path_len + h.name_len + FSIMAGE_REC_HEAD != h.len)
		return 0;
	return h.len;
}

/* ---- writing the sections -------------------------------------------- */

static int write_mounts(struct fsimage *m, struct fsimage_buf *b)
{
	int err = put32(b, FSIMAGE_VERSION);

	if (!err)
		err = put32(b, (uint32_t)m->nmnts);
	for (size_t i = 0; !err && i < m->nmnts; i++) {
		struct vfs_mount *mt = m->mnts[i].m;
		const char *type = mt->sb->type, *src = mt->source;

		err = put64(b, mt->id);
		if (!err)
			err = put64(b, mt->parent ? mt->parent->id : 0);
		if (!err)
			err = put32(b, mt->flags);
		if (!err)
			err = put32(b, (uint32_t)strlen(m->mnts[i].path));
		if (!err)
			err = put32(b, (uint32_t)strlen(type));
		if (!err)
			err = put32(b, (uint32_t)strlen(src));
		if (!err)
			err = buf_put(b, m->mnts[i].path,
				      strlen(m->mnts[i].path));
		if (!err)
			err = buf_put(b, type, strlen(type));
		if (!err)
			err = buf_put(b, src, strlen(src));
	}
	return err;
}

static int put_time(struct fsimage_buf *b, const struct abi_timespec *ts)
{
	int err = put64(b, (uint64_t)ts->tv_sec);

	return err ? err : put64(b, (uint64_t)ts->tv_nsec);
}

static int write_xattrs(struct tmpfs_inode *ti, struct fsimage_buf *b,
			uint32_t *count)
{
	ssize_t n = vfs_xattrs_list(&ti->xattrs, &ti->i.lock, NULL, 0);
	char *names;
	int err = 0;

	*count = 0;
	if (n <= 0)
		return (int)n;
	names = malloc((size_t)n);
	if (!names)
		return -ENOMEM;
	n = vfs_xattrs_list(&ti->xattrs, &ti->i.lock, names, (size_t)n);
	for (ssize_t at = 0; !err && n > 0 && at < n;
	     at += (ssize_t)strlen(names + at) + 1) {
		const char *name = names + at;
		ssize_t vlen =
		    vfs_xattrs_get(&ti->xattrs, &ti->i.lock, name, NULL, 0);
		uint8_t *v;

		if (vlen < 0) {
			err = (int)vlen;
			break;
		}
		v = malloc(vlen ? (size_t)vlen : 1);
		if (!v) {
			err = -ENOMEM;
			break;
		}
		if (vlen)
			vlen = vfs_xattrs_get(&ti->xattrs, &ti->i.lock, name, v,
					      (size_t)vlen);
		if (vlen < 0)
			err = (int)vlen;
		if (!err)
			err = put32(b, (uint32_t)strlen(name));
		if (!err)
			err = put32(b, (uint32_t)vlen);
		if (!err)
			err = buf_put(b, name, strlen(name));
		if (!err)
			err = buf_put(b, v, (size_t)vlen);
		free(v);
		(*count)++;
	}
	free(names);
	return n < 0 ? (int)n : err;
}

static int write_inode(struct tmpfs_inode *ti, struct fsimage_buf *b)
{
	struct vfs_inode *i = &ti->i;
	struct fsimage_buf xb = {0};
	uint32_t nx, tlen = 0;
	uint64_t npages = 0, nz = 0, next_pos = 0;
	int err = write_xattrs(ti, &xb, &nx);

	if (err)
		goto out;
	if (ABI_S_ISDIR(i->mode))
		next_pos = ti->dir.next_pos;
	else if (ABI_S_ISLNK(i->mode))
		tlen = (uint32_t)strlen(ti->target);
	pthread_mutex_lock(&i->lock);
	if (ABI_S_ISREG(i->mode)) {
		npages = ti->reg.npages;
		nz = ti->reg.nzombies;
	}
	err = put32(b, i->mode);
	if (!err)
		err = put32(b, i->uid);
	if (!err)
		err = put32(b, i->gid);
	if (!err)
		err = put32(b, i->nlink);
	if (!err)
		err = put64(b, i->ino);
	if (!err)
		err = put64(b, i->size);
	if (!err)
		err = put64(b, i->rdev);
	if (!err)
		err = put64(b, i->blocks);
	if (!err)
		err = put_time(b, &i->atime);
	if (!err)
		err = put_time(b, &i->mtime);
	if (!err)
		err = put_time(b, &i->ctime);
	if (!err)
		err = put_time(b, &i->btime);
	if (!err)
		err = put32(b, ABI_S_ISREG(i->mode) ? ti->reg.seals : 0);
	if (!err)
		err = put32(b, ABI_S_ISDIR(i->mode) && ti->dir.opaque
				   ? FSIMAGE_INO_OPAQUE
				   : 0);
	if (!err)
		err = put64(b, next_pos);
	if (!err)
		err = put64(b, npages);
	if (!err)
		err = put64(b, nz);
	if (!err)
		err = put32(b, tlen);
	if (!err)
		err = put32(b, nx);
	if (!err && tlen)
		err = buf_put(b, ti->target, tlen);
	if (!err && npages)
		err = buf_put(b, ti->reg.pages, npages * 8);
	pthread_mutex_unlock(&i->lock);
	pthread_mutex_lock(&ti->pages_lock);
	if (!err && ABI_S_ISREG(i->mode) && ti->reg.nzombies)
		err = buf_put(b, ti->reg.zombies, ti->reg.nzombies * 8);
	pthread_mutex_unlock(&ti->pages_lock);
	if (!err)
		err = buf_put(b, xb.p, xb.len);
out:
	fsimage_buf_release(&xb);
	return err;
}

static int write_fs(struct fsimage *m, struct fs_ent *fs, struct fsimage_buf *b)
{
	int err = put32(b, fs->kind);

	(void)m;
	if (!err)
		err = put32(b, 0);
	if (!err)
		err = put64(b, fs->mnt_id);
	if (!err)
		err = put64(b, fs->root->sb->next_ino);
	if (!err)
		err = put64(b, fs->n);
	for (size_t i = 0; !err && i < fs->n; i++)
		err = write_inode(to_ti(fs->ino[i]), b);
	for (size_t i = 0; !err && i < fs->n; i++) {
		struct tmpfs_inode *dir = to_ti(fs->ino[i]);

		if (!ABI_S_ISDIR(dir->i.mode))
			continue;
		err = put64(b, dir->dir.nentries);
		for (struct tmpfs_dirent *e = dir->dir.head; !err && e;
		     e = e->next) {
			struct slot *s = map_find(m, e->inode);

			err = put64(b, s->idx);
			if (!err)
				err = put64(b, e->pos);
			if (!err)
				err = put32(b, (uint32_t)strlen(e->name));
			if (!err)
				err = buf_put(b, e->name, strlen(e->name));
		}
	}
	return err;
}

static int write_section(struct image_writer *w, uint32_t type,
			 const struct fsimage_buf *b)
{
	int err = image_section_begin(w, type);

	if (!err)
		err = image_section_write(w, b->p, b->len);
	if (!err)
		err = image_section_end(w);
	return err;
}

int fsimage_save_finish(struct fsimage *m, struct image_writer *w,
			char why[FSIMAGE_ERR_LEN])
{
	struct fsimage_buf b = {0};
	int err;

	pthread_mutex_lock(&m->k->ns.lock);
	err = write_mounts(m, &b);
	pthread_mutex_unlock(&m->k->ns.lock);
	if (err) {
		seterr(why, "fsimage: mounts: %s", strerror(-err));
		goto out;
	}
	err = write_section(w, IMAGE_SEC_MOUNTS, &b);
	if (err) {
		seterr(why, "%s", w->err);
		goto out;
	}
	b.len = 0;
	err = put32(&b, FSIMAGE_VERSION);
	if (!err)
		err = put32(&b, (uint32_t)m->nfs);
	pthread_mutex_lock(&m->k->ns.lock);
	for (size_t i = 0; !err && i < m->nfs; i++)
		err = write_fs(m, &m->fs[i], &b);
	pthread_mutex_unlock(&m->k->ns.lock);
	if (err) {
		seterr(why, "fsimage: tmpfs: %s", strerror(-err));
		goto out;
	}
	err = write_section(w, IMAGE_SEC_TMPFS, &b);
	if (err)
		seterr(why, "%s", w->err);
out:
	fsimage_buf_release(&b);
	return err;
}

/* Let go of a tmpfs inode built for a restore that failed: its pages are
 * the image's (or not the file's at all), not to be freed. */
static void drop_staged(struct vfs_inode *inode)
{
	struct tmpfs_inode *ti = to_ti(inode);

	if (ABI_S_ISREG(inode->mode)) {
		free(ti->reg.pages);
		ti->reg.pages = NULL;
		ti->reg.npages = ti->reg.cap = 0;
		free(ti->reg.zombies);
		ti->reg.zombies = NULL;
		ti->reg.nzombies = 0;
	}
	vfs_inode_put(inode);
}

void fsimage_free(struct fsimage *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfs; i++) {
		struct fs_ent *fs = &m->fs[i];

		for (size_t j = 0; j < fs->n; j++)
			vfs_inode_put(fs->ino[j]);
		free(fs->ino);
		vfs_inode_put(fs->root);
		vfs_inode_put(fs->ovl_root);
	}
	free(m->fs);
	for (size_t i = 0; i < m->nmnts; i++)
		free(m->mnts[i].path);
	free(m->mnts);
	free(m->map);
	free(m);
}

/* ---- restore: the mounts ---------------------------------------------- */

static int parse_mounts(struct fsimage *m, struct cur *c, char *why)
{
	uint32_t version, n;

	if (!get32(c, &version) || !get32(c, &n)) {
		seterr(why, "mounts: truncated header");
		return -EINVAL;
	}
	if (version != FSIMAGE_VERSION) {
		seterr(why, "mounts: version %" PRIu32 ", this is %d", version,
		       FSIMAGE_VERSION);
		return -EINVAL;
	}
	if (n != m->nmnts) {
		seterr(why,
		       "mounts: the image has %" PRIu32
		       " mounts, this sandbox %zu (not started with the "
		       "checkpointed sandbox's configuration?)",
		       n, m->nmnts);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct mnt_ent *me = &m->mnts[i];
		struct vfs_mount *mt = me->m;
		uint64_t id, parent;
		uint32_t flags, plen, tlen, slen;
		const uint8_t *path, *type, *src;
		size_t pidx = 0;

		if (!get64(c, &id) || !get64(c, &parent) || !get32(c, &flags) ||
		    !get32(c, &plen) || !get32(c, &tlen) || !get32(c, &slen) ||
		    !get_bytes(c, plen, &path) || !get_bytes(c, tlen, &type) ||
		    !get_bytes(c, slen, &src)) {
			seterr(why, "mounts: mount %" PRIu32 " truncated", i);
			return -EINVAL;
		}
		if (!text_ok(path, plen, ABI_PATH_MAX - 1) || !plen ||
		    path[0] != '/' || !text_ok(type, tlen, TYPE_MAX) ||
		    !text_ok(src, slen, ABI_PATH_MAX)) {
			seterr(why,
			       "mounts: mount %" PRIu32 ": bad path or type",
			       i);
			return -EINVAL;
		}
		if (id == 0 || (i == 0) != (parent == 0)) {
			seterr(why, "mounts: mount %" PRIu32 ": bad id", i);
			return -EINVAL;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (m->mnts[j].id == id) {
				seterr(why,
				       "mounts: mount id %" PRIu64 " twice",
				       id);
				return -EINVAL;
			}
			if (m->mnts[j].id == parent)
				pidx = j + 1;
		}
		if (i && !pidx) {
			seterr(why,
			       "mounts: mount %" PRIu32 ": parent %" PRIu64
			       " not before it",
			       i, parent);
			return -EINVAL;
		}
		if (strlen(me->path) != plen || memcmp(me->path, path, plen) ||
		    strlen(mt->sb->type) != tlen ||
		    memcmp(mt->sb->type, type, tlen) || flags != mt->flags ||
		    (i && m->mnts[pidx - 1].m != mt->parent)) {
			seterr(why,
			       "mounts: the image's mount %" PRIu32
			       " (%.*s at %.*s) is not this sandbox's (%s "
			       "at %s)",
			       i, (int)tlen, type, (int)plen, path,
			       mt->sb->type, me->path);
			return -EINVAL;
		}
		me->id = id; /* the image's, for references */
	}
	if (left(c)) {
		seterr(why, "mounts: %zu bytes past the last mount", left(c));
		return -EINVAL;
	}
	return 0;
}

/* ---- restore: a tmpfs ------------------------------------------------- */

/* What restore learns of an inode beyond what it holds. */
struct staged {
	uint32_t named;	  /* entries naming it */
	uint32_t subdirs; /* directories: subdirectories */
	uint32_t nlink;	  /* as the image says */
	size_t parent;	  /* directories: the one naming it, + 1; 0: none */
	uint8_t state;	  /* reachability: REACH_* */
};

enum {
	REACH_UNKNOWN,
	REACH_WALKING,
	REACH_YES,
	REACH_NO
};

/* Every page offset restored, to check no page has two owners. */
struct pageset {
	uint64_t *off;
	size_t n, cap;
};

static int pageset_add(struct pageset *ps, uint64_t off)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;
		uint64_t *p = realloc(ps->off, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ps->off = p;
		ps->cap = cap;
	}
	ps->off[ps->n++] = off;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct name_ref {
	const uint8_t *p;
	uint32_t n;
};

static int cmp_name(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static bool mode_ok(uint32_t mode)
{
	switch (mode & ABI_S_IFMT) {
	case ABI_S_IFREG:
	case ABI_S_IFDIR:
	case ABI_S_IFLNK:
	case ABI_S_IFCHR:
	case ABI_S_IFBLK:
	case ABI_S_IFIFO:
	case ABI_S_IFSOCK:
		return !(mode & ~(uint32_t)(ABI_S_IFMT | 07777));
	}
	return false;
}

static bool get_time(struct cur *c, struct abi_timespec *ts)
{
	uint64_t s, ns;

	if (!get64(c, &s) || !get64(c, &ns) || ns >= 1000000000)
		return false;
	ts->tv_sec = (int64_t)s;
	ts->tv_nsec = (int64_t)ns;
	return true;
}

/* A page of a file: inside allocated pages of mf, not another's. */
static int check_page(struct memfile *mf, uint64_t off, struct pageset *ps,
		      char *why, const char *where)
{
	if (off % PAGE_SIZE || off >= mf->size ||
	    !memfile_allocated(mf, off, PAGE_SIZE)) {
		seterr(why,
		       "tmpfs: %s: page at %#" PRIx64
		       " is not an allocated page of the memory file",
		       where, off);
		return -EINVAL;
	}
	return pageset_add(ps, off) ? -ENOMEM : 0;
}

#define BAD(...)                                                               \
	do {                                                                   \
		seterr(why, __VA_ARGS__);                                      \
		return -EINVAL;                                                \
	} while (0)

static int parse_xattrs(struct cur *c, struct tmpfs_inode *ti, uint32_t nx,
			char *why, const char *where)
{
	static const char *const prefixes[] = {"user.", "trusted.",
					       "security."};

	for (uint32_t x = 0; x < nx; x++) {
		uint32_t nlen, vlen;
		const uint8_t *name, *value;
		char buf[ABI_XATTR_NAME_MAX + 1];
		bool known = false;
		int err;

		if (!get32(c, &nlen) || !get32(c, &vlen) ||
		    !get_bytes(c, nlen, &name) || !get_bytes(c, vlen, &value))
			BAD("tmpfs: %s: xattr %" PRIu32 " truncated", where, x);
		if (!nlen || !text_ok(name, nlen, ABI_XATTR_NAME_MAX) ||
		    vlen > ABI_XATTR_SIZE_MAX)
			BAD("tmpfs: %s: xattr %" PRIu32 ": bad name or size",
			    where, x);
		memcpy(buf, name, nlen);
		buf[nlen] = '\0';
		for (size_t p = 0; p < ARRAY_SIZE(prefixes); p++)
			known |= strncmp(buf, prefixes[p],
					 strlen(prefixes[p])) == 0 &&
				 nlen > strlen(prefixes[p]);
		if (!known)
			BAD("tmpfs: %s: xattr %" PRIu32
			    ": no namespace of ours",
			    where, x);
		err = vfs_xattrs_set(&ti->xattrs, &ti->i.lock, buf, value, vlen,
				     ABI_XATTR_CREATE);
		if (err == -ENOMEM) {
			seterr(why, "tmpfs: out of memory");
			return err;
		}
		if (err)
			BAD("tmpfs: %s: xattr %s: %s", where, buf,
			    err == -EEXIST ? "twice" : "too many");
	}
	return 0;
}

/* One inode record into a new inode of ts: *out, a reference. */
static int parse_inode(struct cur *c, struct tmpfs_super *ts,
		       struct memfile *mf, struct pageset *ps,
		       struct staged *st, struct tmpfs_inode **out, char *why,
		       const char *where)
{
	uint32_t mode, uid, gid, nlink, seals, flags, tlen, nx;
	uint64_t ino, size, rdev, blocks, next_pos, npages, nz;
	struct abi_timespec t[4];
	const uint8_t *target = NULL;
	struct tmpfs_inode *ti;
	int err;

	if (!get32(c, &mode) || !get32(c, &uid) || !get32(c, &gid) ||
	    !get32(c, &nlink) || !get64(c, &ino) || !get64(c, &size) ||
	    !get64(c, &rdev) || !get64(c, &blocks))
		BAD("tmpfs: %s: truncated", where);
	for (int i = 0; i < 4; i++)
		if (!get_time(c, &t[i]))
			BAD("tmpfs: %s: truncated, or a bad time", where);
	if (!get32(c, &seals) || !get32(c, &flags) || !get64(c, &next_pos) ||
	    !get64(c, &npages) || !get64(c, &nz) || !get32(c, &tlen) ||
	    !get32(c, &nx))
		BAD("tmpfs: %s: truncated", where);
	if (!mode_ok(mode))
		BAD("tmpfs: %s: bad mode %#" PRIo32, where, mode);
	if (size > INT64_MAX)
		BAD("tmpfs: %s: bad size %" PRIu64, where, size);
	if (!ABI_S_ISREG(mode) && (npages || nz || seals))
		BAD("tmpfs: %s: pages or seals on a file that is not regular",
		    where);
	if (!ABI_S_ISDIR(mode) && (next_pos || flags))
		BAD("tmpfs: %s: directory fields on a file that is not one",
		    where);
	if (ABI_S_ISDIR(mode) &&
	    (next_pos < 2 || (flags & ~FSIMAGE_INO_OPAQUE)))
		BAD("tmpfs: %s: bad directory fields", where);
	if (seals & ~(uint32_t)0x3f)
		BAD("tmpfs: %s: bad seals %#" PRIx32, where, seals);
	if (!ABI_S_ISLNK(mode) && tlen)
		BAD("tmpfs: %s: a target on a file that is no symlink", where);
	if (ABI_S_ISLNK(mode) &&
	    (!tlen || tlen >= ABI_PATH_MAX || size != tlen ||
	     !get_bytes(c, tlen, &target) || !text_ok(target, tlen, tlen)))
		BAD("tmpfs: %s: bad symlink target", where);
	if ((mode & ABI_S_IFMT) != ABI_S_IFCHR &&
	    (mode & ABI_S_IFMT) != ABI_S_IFBLK && rdev)
		BAD("tmpfs: %s: a device number on a file that is no device",
		    where);
	if (npages > left(c) / 8 || nz > left(c) / 8 - npages ||
	    npages > mf->size / PAGE_SIZE)
		BAD("tmpfs: %s: %" PRIu64 " pages: more than the image holds",
		    where, npages);

	ti = tmpfs_new_inode(ts, mode);
	if (!ti) {
		seterr(why, "tmpfs: out of memory");
		return -ENOMEM;
	}
	*out = ti; /* the caller drops it, also on failure */
	ti->i.uid = uid;
	ti->i.gid = gid;
	ti->i.nlink = nlink;
	ti->i.ino = ino;
	ti->i.size = size;
	ti->i.rdev = rdev;
	ti->i.blocks = blocks;
	ti->i.atime = t[0];
	ti->i.mtime = t[1];
	ti->i.ctime = t[2];
	ti->i.btime = t[3];
	st->nlink = nlink;
	if (ABI_S_ISDIR(mode)) {
		ti->dir.next_pos = next_pos;
		ti->dir.opaque = flags & FSIMAGE_INO_OPAQUE;
	} else if (ABI_S_ISLNK(mode)) {
		ti->target = strndup((const char *)target, tlen);
		if (!ti->target) {
			seterr(why, "tmpfs: out of memory");
			return -ENOMEM;
		}
	} else if (ABI_S_ISREG(mode)) {
		ti->reg.seals = seals;
		if (npages) {
			ti->reg.pages = calloc(npages, 8);
			if (!ti->reg.pages) {
				seterr(why, "tmpfs: out of memory");
				return -ENOMEM;
			}
			ti->reg.cap = npages;
		}
		for (uint64_t p = 0; p < npages; p++) {
			uint64_t v = 0;

			get64(c, &v);
			if (v) {
				err = check_page(mf, v - 1, ps, why, where);
				if (err)
					return err;
			}
			ti->reg.pages[p] = v;
			ti->reg.npages = p + 1;
		}
		if (nz) {
			ti->reg.zombies = calloc(nz, 8);
			if (!ti->reg.zombies) {
				seterr(why, "tmpfs: out of memory");
				return -ENOMEM;
			}
		}
		for (uint64_t z = 0; z < nz; z++) {
			uint64_t v = 0;

			get64(c, &v);
			err = check_page(mf, v, ps, why, where);
			if (err)
				return err;
			ti->reg.zombies[z] = v;
			ti->reg.nzombies = z + 1;
		}
	}
	return parse_xattrs(c, ti, nx, why, where);
}

/* The entries of directory d (index di) of fs. */
static int parse_dir(struct cur *c, struct fs_ent *fs, struct staged *st,
		     size_t di, char *why, const char *where)
{
	struct tmpfs_inode *dir = to_ti(fs->ino[di]);
	uint64_t n, last = 1;
	struct name_ref *names;
	int err = 0;

	if (!get64(c, &n))
		BAD("tmpfs: %s: truncated", where);
	if (n > left(c) / ENTRY_HEAD)
		BAD("tmpfs: %s: %" PRIu64 " entries: more than the image holds",
		    where, n);
	names = malloc((n ? n : 1) * sizeof(*names));
	if (!names) {
		seterr(why, "tmpfs: out of memory");
		return -ENOMEM;
	}
	for (uint64_t e = 0; e < n; e++) {
		uint64_t idx, pos;
		uint32_t nlen;
		const uint8_t *name;
		char buf[ABI_NAME_MAX + 1];
		struct vfs_inode *child;

		if (!get64(c, &idx) || !get64(c, &pos) || !get32(c, &nlen) ||
		    !get_bytes(c, nlen, &name)) {
			seterr(why, "tmpfs: %s: entry %" PRIu64 " truncated",
			       where, e);
			err = -EINVAL;
			break;
		}
		if (!name_ok(name, nlen) || idx == 0 || idx >= fs->n ||
		    pos <= last || pos >= dir->dir.next_pos) {
			seterr(why,
			       "tmpfs: %s: entry %" PRIu64
			       ": bad name, inode or position",
			       where, e);
			err = -EINVAL;
			break;
		}
		child = fs->ino[idx];
		if (ABI_S_ISDIR(child->mode)) {
			if (st[idx].named) {
				seterr(why,
				       "tmpfs: %s: entry %" PRIu64
				       ": a directory with two names",
				       where, e);
				err = -EINVAL;
				break;
			}
			st[di].subdirs++;
			st[idx].parent = di + 1;
		}
		if (st[idx].named == UINT32_MAX) {
			seterr(why, "tmpfs: %s: too many links", where);
			err = -EINVAL;
			break;
		}
		st[idx].named++;
		last = pos;
		names[e] = (struct name_ref){name, nlen};
		memcpy(buf, name, nlen);
		buf[nlen] = '\0';
		err = tmpfs_dir_append(dir, buf, child, pos);
		if (err) {
			seterr(why, "tmpfs: out of memory");
			break;
		}
	}
	if (!err && n > 1) {
		qsort(names, n, sizeof(*names), cmp_name);
		for (uint64_t e = 1; e < n; e++)
			if (!cmp_name(&names[e - 1], &names[e])) {
				seterr(why, "tmpfs: %s: the name %.*s twice",
				       where, (int)names[e].n, names[e].p);
				err = -EINVAL;
				break;
			}
	}
	free(names);
	return err;
}

/* Has directory i a chain of names up to the root (no cycle)? */
static bool reachable(struct staged *st, size_t i)
{
	size_t j = i;
	uint8_t res;

	while (st[j].state == REACH_UNKNOWN) {
		st[j].state = REACH_WALKING;
		if (!st[j].parent)
			break;
		j = st[j].parent - 1;
	}
	res = st[j].state == REACH_YES ? REACH_YES : REACH_NO;
	for (j = i; st[j].state == REACH_WALKING; j = st[j].parent - 1) {
		st[j].state = res;
		if (!st[j].parent)
			break;
	}
	return res == REACH_YES;
}

/*
 * Every directory named is reached from the root (so no cycles), a
 * directory that is not is empty, and link counts match the entries.
 */
static int check_links(struct fs_ent *fs, struct staged *st, char *why,
		       uint32_t f)
{
	if (st[0].named)
		BAD("tmpfs %" PRIu32 ": the root has a name", f);
	st[0].state = REACH_YES;
	for (size_t i = 0; i < fs->n; i++) {
		struct vfs_inode *inode = fs->ino[i];
		uint32_t want;

		if (ABI_S_ISDIR(inode->mode)) {
			bool linked = reachable(st, i);

			if (!linked && st[i].named)
				BAD("tmpfs %" PRIu32 ": directory %zu: named, "
				    "but not reachable from the root",
				    f, i);
			if (!linked && to_ti(inode)->dir.nentries)
				BAD("tmpfs %" PRIu32
				    ": directory %zu: entries, "
				    "but not reachable from the root",
				    f, i);
			want = linked ? 2 + st[i].subdirs : 0;
		} else {
			want = st[i].named;
		}
		if (st[i].nlink != want)
			BAD("tmpfs %" PRIu32 ": inode %zu: %" PRIu32
			    " links, but %" PRIu32 " by its entries",
			    f, i, st[i].nlink, want);
	}
	return 0;
}

/* The live tmpfs root fs record f names: in fs->root (a reference). */
static int fs_target(struct fsimage *m, struct fs_ent *fs, uint32_t f,
		     char *why)
{
	struct mnt_ent *me = NULL;

	switch (fs->kind) {
	case FSIMAGE_FS_MOUNT:
	case FSIMAGE_FS_OVERLAY_UPPER:
		me = find_mount(m, fs->mnt_id);
		if (!me)
			BAD("tmpfs %" PRIu32 ": no mount %" PRIu64, f,
			    fs->mnt_id);
		if (fs->kind == FSIMAGE_FS_MOUNT &&
		    tmpfs_is(me->m->root->inode)) {
			fs->root = vfs_inode_get(me->m->root->inode);
		} else if (fs->kind == FSIMAGE_FS_OVERLAY_UPPER &&
			   overlay_is(me->m->root->inode)) {
			fs->ovl_root = vfs_inode_get(me->m->root->inode);
			fs->root =
			    vfs_inode_get(overlay_upper_root(fs->ovl_root));
		} else {
			BAD("tmpfs %" PRIu32 ": mount %" PRIu64
			    " (%s at %s) has no tmpfs of this kind",
			    f, fs->mnt_id, me->m->sb->type, me->path);
		}
		break;
	case FSIMAGE_FS_MEMFD:
		if (fs->mnt_id || !m->k->memfd_root)
			BAD("tmpfs %" PRIu32 ": a bad memfd tmpfs", f);
		fs->root = vfs_inode_get(m->k->memfd_root);
		break;
	default:
		BAD("tmpfs %" PRIu32 ": unknown kind %" PRIu32, f, fs->kind);
	}
	for (uint32_t j = 0; j < f; j++)
		if (m->fs[j].root->sb == fs->root->sb)
			BAD("tmpfs %" PRIu32 ": the same tmpfs as %" PRIu32, f,
			    j);
	return 0;
}

static int parse_fs(struct fsimage *m, struct cur *c, struct pageset *ps,
		    uint32_t f, char *why)
{
	struct fs_ent *fs = &m->fs[f];
	struct tmpfs_super *ts;
	struct staged *st;
	uint64_t n;
	uint32_t reserved;
	char where[64];
	int err;

	if (!get32(c, &fs->kind) || !get32(c, &reserved) ||
	    !get64(c, &fs->mnt_id) || !get64(c, &fs->next_ino) || !get64(c, &n))
		BAD("tmpfs %" PRIu32 ": truncated", f);
	if (reserved || !fs->next_ino)
		BAD("tmpfs %" PRIu32 ": bad header", f);
	err = fs_target(m, fs, f, why);
	if (err)
		return err;
	if (n == 0 || n > left(c) / INODE_HEAD)
		BAD("tmpfs %" PRIu32 ": %" PRIu64
		    " inodes: none, or more than the image holds",
		    f, n);
	fs->ino = calloc(n, sizeof(*fs->ino));
	st = calloc(n, sizeof(*st));
	if (!fs->ino || !st) {
		free(st);
		seterr(why, "tmpfs: out of memory");
		return -ENOMEM;
	}
	fs->cap = n;
	ts = container_of(fs->root->sb, struct tmpfs_super, sb);
	for (uint64_t i = 0; i < n; i++) {
		struct tmpfs_inode *ti = NULL;

		snprintf(where, sizeof(where),
			 "tmpfs %" PRIu32 " inode %" PRIu64, f, i);
		err =
		    parse_inode(c, ts, &m->k->mf, ps, &st[i], &ti, why, where);
		if (ti)
			fs->ino[fs->n++] = &ti->i;
		if (!err && i == 0 &&
		    (!ABI_S_ISDIR(ti->i.mode) ||
		     (fs->kind == FSIMAGE_FS_OVERLAY_UPPER &&
		      ti->dir.opaque))) {
			seterr(why, "tmpfs %" PRIu32 ": a bad root", f);
			err = -EINVAL;
		}
		if (err)
			goto out;
	}
	for (size_t i = 0; i < fs->n; i++) {
		if (!ABI_S_ISDIR(fs->ino[i]->mode))
			continue;
		snprintf(where, sizeof(where), "tmpfs %" PRIu32 " dir %zu", f,
			 i);
		err = parse_dir(c, fs, st, i, why, where);
		if (err)
			goto out;
	}
	err = check_links(fs, st, why, f);
out:
	free(st);
	return err;
}

static int parse_tmpfs(struct fsimage *m, struct cur *c, char *why)
{
	struct pageset ps = {0};
	uint32_t version, n;
	int err = 0;

	if (!get32(c, &version) || !get32(c, &n))
		BAD("tmpfs: truncated header");
	if (version != FSIMAGE_VERSION)
		BAD("tmpfs: version %" PRIu32 ", this is %d", version,
		    FSIMAGE_VERSION);
	if (n > left(c) / FS_HEAD)
		BAD("tmpfs: %" PRIu32 " filesystems: more than the image holds",
		    n);
	m->fs = calloc(n ? n : 1, sizeof(*m->fs));
	if (!m->fs) {
		seterr(why, "tmpfs: out of memory");
		return -ENOMEM;
	}
	for (uint32_t f = 0; f < n && !err; f++) {
		m->nfs = f + 1;
		err = parse_fs(m, c, &ps, f, why);
	}
	if (!err && left(c)) {
		seterr(why, "tmpfs: %zu bytes past the last filesystem",
		       left(c));
		err = -EINVAL;
	}
	for (size_t i = 0; !err && i < m->nmnts; i++) {
		struct vfs_inode *root = m->mnts[i].m->root->inode;
		bool found = false;

		if (overlay_is(root))
			root = overlay_upper_root(root);
		else if (!tmpfs_is(root))
			continue;
		for (size_t f = 0; f < m->nfs; f++)
			found |= m->fs[f].root->sb == root->sb;
		if (!found) {
			seterr(why,
			       "tmpfs: the image has no tree for the %s "
			       "at %s",
			       m->mnts[i].m->sb->type, m->mnts[i].path);
			err = -EINVAL;
		}
	}
	if (!err && ps.n > 1) {
		qsort(ps.off, ps.n, sizeof(*ps.off), cmp_u64);
		for (size_t i = 1; i < ps.n; i++)
			if (ps.off[i] == ps.off[i - 1]) {
				seterr(why,
				       "tmpfs: the page at %#" PRIx64
				       " belongs to two files",
				       ps.off[i]);
				err = -EINVAL;
				break;
			}
	}
	free(ps.off);
	return err;
}

/* ---- restore: putting the trees in place ------------------------------ */

static bool holds_mounts(const struct vfs_dentry *d)
{
	if (d->nmounts)
		return true;
	for (const struct vfs_dentry *c = d->children; c; c = c->sibling)
		if (holds_mounts(c))
			return true;
	return false;
}

/*
 * Point the cached dentries below d at the inodes their names have in the
 * restored tree; those with none are forgotten, unless a mount is on them.
 * Namespace lock held.
 */
static int rebind(struct vfs_dentry *d, const char *mpath, char *why)
{
	struct vfs_dentry *c, *next;

	for (c = d->children; c; c = next) {
		struct vfs_inode *ni = NULL, *old;
		int err;

		next = c->sibling;
		err = ABI_S_ISDIR(d->inode->mode) && d->inode->ops->lookup
			  ? d->inode->ops->lookup(d->inode, c->name, &ni)
			  : -ENOENT;
		if (err && err != -ENOENT) {
			seterr(why, "restoring %s: %s", mpath, strerror(-err));
			return err;
		}
		if (!ni || !c->inode ||
		    (ni->mode & ABI_S_IFMT) != (c->inode->mode & ABI_S_IFMT)) {
			vfs_inode_put(ni);
			if (holds_mounts(c)) {
				seterr(why,
				       "restoring %s: a mount point below it "
				       "(%s) is missing from the image's tree",
				       mpath, c->name);
				return -EINVAL;
			}
			vfs_d_invalidate(c);
			continue;
		}
		old = c->inode;
		c->inode = ni;
		vfs_inode_put(old);
		err = rebind(c, mpath, why);
		if (err)
			return err;
	}
	return 0;
}

/* Swap the staged root's contents and attributes into the live root. */
static void install_root(struct fs_ent *fs)
{
	struct tmpfs_inode *live = to_ti(fs->root), *st = to_ti(fs->ino[0]);
	struct tmpfs_dirent *head = live->dir.head;
	uint64_t next_pos = live->dir.next_pos;
	size_t nentries = live->dir.nentries;
	struct vfs_xattrs xs = live->xattrs;

	pthread_mutex_lock(&live->i.lock);
	live->dir.head = st->dir.head;
	live->dir.next_pos = st->dir.next_pos;
	live->dir.nentries = st->dir.nentries;
	live->dir.opaque = st->dir.opaque;
	live->xattrs = st->xattrs;
	live->i.mode = st->i.mode;
	live->i.uid = st->i.uid;
	live->i.gid = st->i.gid;
	live->i.nlink = st->i.nlink;
	live->i.size = st->i.size;
	live->i.blocks = st->i.blocks;
	live->i.atime = st->i.atime;
	live->i.mtime = st->i.mtime;
	live->i.ctime = st->i.ctime;
	live->i.btime = st->i.btime;
	/* An overlay's upper root has its lower root's number (overlay.c). */
	if (fs->kind != FSIMAGE_FS_OVERLAY_UPPER)
		live->i.ino = st->i.ino;
	pthread_mutex_unlock(&live->i.lock);
	/* The staged root takes the booted tree, and goes with it. */
	st->dir.head = head;
	st->dir.next_pos = next_pos;
	st->dir.nentries = nentries;
	st->xattrs = xs;
	vfs_inode_put(&st->i);
	fs->ino[0] = vfs_inode_get(&live->i);
	fs->root->sb->next_ino = fs->next_ino;
}

static int install(struct fsimage *m, char *why)
{
	struct vfs_ns *ns = &m->k->ns;
	int err = 0;

	for (size_t f = 0; f < m->nfs; f++)
		install_root(&m->fs[f]);
	pthread_mutex_lock(&ns->lock);
	for (size_t f = 0; !err && f < m->nfs; f++) {
		struct fs_ent *fs = &m->fs[f];
		struct mnt_ent *me = find_mount(m, fs->mnt_id);

		if (fs->kind == FSIMAGE_FS_MEMFD || !me)
			continue;
		vfs_dcache_prune(me->m->root);
		err = rebind(me->m->root, me->path, why);
	}
	pthread_mutex_unlock(&ns->lock);
	for (size_t f = 0; !err && f < m->nfs; f++) {
		struct vfs_attr a;

		/* The overlay's root caches its upper root's attributes. */
		if (m->fs[f].ovl_root)
			vfs_inode_getattr(m->fs[f].ovl_root, &a);
	}
	return err;
}

static void *load(struct image_reader *r, uint32_t type, size_t *len, char *why)
{
	int idx = image_find(r, type, 0);
	void *p;

	if (idx < 0) {
		seterr(why, "the image has no %s section",
		       image_section_name(type));
		return NULL;
	}
	p = image_section_load(r, (uint32_t)idx, len);
	if (!p)
		seterr(why, "%s", r->err);
	return p;
}

int fsimage_restore(struct kernel *k, struct image_reader *r,
		    struct fsimage **out, char why[FSIMAGE_ERR_LEN])
{
	struct fsimage *m = calloc(1, sizeof(*m));
	struct cur c = {0};
	void *p;
	int err;

	why[0] = '\0';
	if (!m) {
		seterr(why, "fsimage: out of memory");
		return -ENOMEM;
	}
	m->k = k;
	pthread_mutex_lock(&k->ns.lock);
	err = list_mounts(m);
	pthread_mutex_unlock(&k->ns.lock);
	if (err) {
		seterr(why, "fsimage: the sandbox's mounts: %s",
		       strerror(-err));
		goto fail;
	}
	p = load(r, IMAGE_SEC_MOUNTS, &c.len, why);
	if (!p) {
		err = -EINVAL;
		goto fail;
	}
	c.p = p;
	err = parse_mounts(m, &c, why);
	free(p);
	if (err)
		goto fail;
	c = (struct cur){0};
	p = load(r, IMAGE_SEC_TMPFS, &c.len, why);
	if (!p) {
		err = -EINVAL;
		goto fail;
	}
	c.p = p;
	err = parse_tmpfs(m, &c, why);
	free(p);
	if (err)
		goto fail;
	err = install(m, why);
	if (err) {
		fsimage_free(m);
		return err;
	}
	*out = m;
	return 0;
fail:
	/* Nothing changed yet: the staged inodes go, their pages stay. */
	for (size_t f = 0; f < m->nfs; f++) {
		for (size_t i = 0; i < m->fs[f].n; i++)
			if (m->fs[f].ino[i])
				drop_staged(m->fs[f].ino[i]);
		m->fs[f].n = 0;
	}
	fsimage_free(m);
	return err;
}

/* ---- restore: references ---------------------------------------------- */

/*
 * The dentry of path (relative, checked) in mnt, with a reference, not
 * crossing mounts nor following symlinks. Namespace lock held.
 */
static int walk(struct vfs_mount *mnt, const char *path,
		struct vfs_dentry **out)
{
	struct vfs_dentry *d = vfs_dentry_get(mnt->root);
	const char *s = path;

	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		char name[ABI_NAME_MAX + 1];
		struct vfs_dentry *child;
		int err;

		if (!d->inode || !ABI_S_ISDIR(d->inode->mode)) {
			vfs_dentry_put(d);
			return -ENOTDIR;
		}
		memcpy(name, s, n);
		name[n] = '\0';
		err = vfs_d_lookup(d, name, &child);
		vfs_dentry_put(d);
		if (err)
			return err;
		d = child;
		if (!d->inode) {
			vfs_dentry_put(d);
			return -ENOENT;
		}
		s += n + (slash ? 1 : 0);
	}
	*out = d;
	return 0;
}

/* The tmpfs inode a record names (checked against its mount). */
static struct vfs_inode *rec_inode(struct fsimage *m, const struct rec_head *h)
{
	struct fs_ent *fs;

	if (!(h->flags & FSIMAGE_REF_F_TMPFS) || h->fs >= m->nfs)
		return NULL;
	fs = &m->fs[h->fs];
	if (h->idx >= fs->n)
		return NULL;
	if (h->kind != FSIMAGE_REF_INODE &&
	    (fs->kind == FSIMAGE_FS_MEMFD || fs->mnt_id != h->mnt_id ||
	     !(h->flags & FSIMAGE_REF_F_OVERLAY) !=
		 (fs->kind == FSIMAGE_FS_MOUNT)))
		return NULL;
	return fs->ino[h->idx];
}

int fsimage_resolve(struct fsimage *m, const void *rec, size_t len,
		    struct vfs_path *out, struct vfs_inode **inode,
		    char why[FSIMAGE_ERR_LEN])
{
	struct rec_head h;
	const uint8_t *path, *name;
	char cpath[ABI_PATH_MAX], cname[ABI_NAME_MAX + 1];
	struct mnt_ent *me = NULL;
	struct vfs_inode *ti = NULL, *real;
	struct vfs_dentry *d = NULL;
	int err = 0;

	*out = (struct vfs_path){NULL, NULL};
	*inode = NULL;
	if (fsimage_rec_len(rec, len) != len || len < FSIMAGE_REC_HEAD) {
		seterr(why, "file reference: bad length or version");
		return -EINVAL;
	}
	memcpy(&h, rec, sizeof(h));
	path = (const uint8_t *)rec + FSIMAGE_REC_HEAD;
	name = path + h.path_len;
	if (!relpath_ok(path, h.path_len) ||
	    (h.flags & ~(uint32_t)(FSIMAGE_REF_F_TMPFS | FSIMAGE_REF_F_STAT |
				   FSIMAGE_REF_F_OVERLAY)) ||
	    ((h.flags & FSIMAGE_REF_F_STAT) &&
	     (h.size > INT64_MAX || h.mtime_nsec < 0 ||
	      h.mtime_nsec >= 1000000000)) ||
	    (h.kind == FSIMAGE_REF_UNLINKED ? !name_ok(name, h.name_len)
					    : h.name_len != 0)) {
		seterr(why, "file reference: bad path, name or flags");
		return -EINVAL;
	}
	memcpy(cpath, path, h.path_len);
	cpath[h.path_len] = '\0';
	memcpy(cname, name, h.name_len);
	cname[h.name_len] = '\0';
	if (h.flags & FSIMAGE_REF_F_TMPFS) {
		ti = rec_inode(m, &h);
		if (!ti) {
			seterr(why, "file reference: no such tmpfs inode");
			return -EINVAL;
		}
	}
	if (h.kind != FSIMAGE_REF_INODE) {
		me = find_mount(m, h.mnt_id);
		if (!me) {
			seterr(why, "file reference: no mount %" PRIu64,
			       h.mnt_id);
			return -EINVAL;
		}
	}
	switch (h.kind) {
	case FSIMAGE_REF_INODE:
		if (!ti || (h.flags & ~(uint32_t)FSIMAGE_REF_F_TMPFS) ||
		    h.path_len) {
			seterr(why, "file reference: a bad inode reference");
			return -EINVAL;
		}
		*inode = vfs_inode_get(ti);
		return 0;
	case FSIMAGE_REF_PATH:
		pthread_mutex_lock(&m->k->ns.lock);
		err = walk(me->m, cpath, &d);
		pthread_mutex_unlock(&m->k->ns.lock);
		if (err) {
			seterr(why, "%s%s%s: %s", me->path,
			       strcmp(me->path, "/") && cpath[0] ? "/" : "",
			       cpath, strerror(-err));
			return err == -ENOMEM ? err : -ENOENT;
		}
		real = d->inode;
		if (overlay_is(real) && (h.flags & FSIMAGE_REF_F_OVERLAY)) {
			struct vfs_inode *lo;

			overlay_layers(d->inode, &real, &lo);
		}
		if (ti && real != ti) {
			seterr(why, "%s%s%s: not the file the image names",
			       me->path,
			       strcmp(me->path, "/") && cpath[0] ? "/" : "",
			       cpath);
			vfs_dentry_put(d);
			return -EINVAL;
		}
		break;
	case FSIMAGE_REF_UNLINKED: {
		struct vfs_dentry *parent = NULL;
		struct vfs_inode *use;

		if (!ti) {
			seterr(why, "file reference: an unlinked file that "
				    "is no tmpfs file");
			return -EINVAL;
		}
		pthread_mutex_lock(&m->k->ns.lock);
		if (walk(me->m, cpath, &parent) || !parent->inode ||
		    !ABI_S_ISDIR(parent->inode->mode)) {
			if (parent)
				vfs_dentry_put(parent);
			parent = vfs_dentry_get(me->m->root);
		}
		pthread_mutex_unlock(&m->k->ns.lock);
		use = h.flags & FSIMAGE_REF_F_OVERLAY
			  ? overlay_inode_unlinked(me->m->root->inode, ti)
			  : vfs_inode_get(ti);
		d = use ? vfs_dentry_unlinked(parent, cname, use) : NULL;
		vfs_dentry_put(parent);
		if (!d) {
			vfs_inode_put(use);
			seterr(why, "fsimage: out of memory");
			return -ENOMEM;
		}
		break;
	}
	default:
		seterr(why, "file reference: unknown kind %u", h.kind);
		return -EINVAL;
	}
	if (h.flags & FSIMAGE_REF_F_STAT) {
		struct vfs_attr a;

		err = vfs_inode_getattr(d->inode, &a);
		if (!err &&
		    (a.size != h.size || a.mtime.tv_sec != h.mtime_sec ||
		     a.mtime.tv_nsec != h.mtime_nsec)) {
			seterr(
			    why,
			    "%s%s%s changed since the checkpoint: size %" PRIu64
			    " (was %" PRIu64 "), mtime %" PRId64 ".%09" PRId64
			    " (was %" PRId64 ".%09" PRId64 ")",
			    me->path,
			    strcmp(me->path, "/") && cpath[0] ? "/" : "", cpath,
			    a.size, h.size, (int64_t)a.mtime.tv_sec,
			    (int64_t)a.mtime.tv_nsec, h.mtime_sec,
			    h.mtime_nsec);
			err = -ESTALE;
		} else if (err) {
			seterr(why, "%s/%s: stat: %s", me->path, cpath,
			       strerror(-err));
		}
		if (err) {
			vfs_dentry_put(d);
			return err;
		}
	}
	out->mnt = me->m;
	out->dentry = d;
	vfs_path_get(out);
	vfs_dentry_put(d); /* the path's reference stays */
	*inode = vfs_inode_get(d->inode);
	return 0;
}
