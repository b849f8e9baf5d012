/*
 * archive.c - load the boot archive (fs.h "the boot archive") into the
 * RAM file system. The archive comes from the build, but it is read like
 * any other input: every length is checked against the bytes left.
 */
#include "fs.h"

/* Parent directories of path (everything before its last '/'). */
static int make_parents(struct fs *fs, const char *path, uint32_t len)
{
	uint32_t end = len;
	while (end > 0 && path[end - 1] != '/')
		end--;
	return end ? fs_mkdir_p(fs, path, end) : 0;
}

/* One entry's node: a directory (made with its parents) or a new file. */
static int load_entry(struct fs *fs, const struct fs_ar_entry *e, const char *name,
		      const uint8_t *data)
{
	if (e->type == FS_DIR)
		return e->size ? -RC_EINVAL : fs_mkdir_p(fs, name, e->name_len);
	int r = make_parents(fs, name, e->name_len);
	if (r < 0)
		return r;
	int n = fs_create(fs, name, e->name_len, FS_FILE);
	if (n < 0)
		return n;
	for (uint32_t off = 0; off < e->size;) {
		uint32_t chunk = e->size - off < FS_BLOCK ? e->size - off : FS_BLOCK;
		int32_t w = fs_write_node(fs, n, off, data + off, chunk);
		if (w < 0)
			return w;
		off += chunk;
	}
	return n;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int fs_ar_load(struct fs *fs, const void *ar, size_t len)
{
	const uint8_t *p = ar;
	size_t pos = 8;
	if (len < pos || __builtin_memcmp(p, FS_AR_MAGIC, 8) != 0)
		return -RC_EINVAL;
	for (int count = 0;; count++) {
		struct fs_ar_entry e;
		if (len - pos < sizeof(e))
			return -RC_EINVAL; /* no end entry */
		__builtin_memcpy(&e, p + pos, sizeof(e));
		pos += sizeof(e);
		if (e.type == 0)
			return e.name_len || e.size || e.rsvd ? -RC_EINVAL : count;
		if ((e.type != FS_FILE && e.type != FS_DIR) || e.rsvd || e.name_len == 0)
			return -RC_EINVAL;
		if (e.name_len > FS_PATH_MAX)
			return -RC_ENAMETOOLONG;
		if (len - pos < pad8(e.name_len))
			return -RC_EINVAL;
		const char *name = (const char *)p + pos;
		pos += pad8(e.name_len);
		if (len - pos < pad8(e.size) || e.size > FS_FILE_MAX)
			return e.size > FS_FILE_MAX ? -RC_EFBIG : -RC_EINVAL;
		int r = load_entry(fs, &e, name, p + pos);
		if (r < 0)
			return r;
		pos += pad8(e.size);
	}
}
