/*
 * ramfs.c - the file server's file system: nodes in a fixed table linked
 * into a tree (each directory lists its children), file data in FS_BLOCK
 * blocks from one arena, given back when a file shrinks or goes. Every
 * limit is checked before anything changes, so a failed call changes
 * nothing.
 */
#include "fs.h"

#define ROOT 0

/* One path component: [name, name + len). */
struct comp {
	const char *name;
	uint32_t len;
};

void fs_init(struct fs *fs, void *arena, size_t arena_size)
{
	__builtin_memset(fs->nodes, 0, sizeof(fs->nodes));
	fs->arena = arena;
	size_t n = arena_size / FS_BLOCK;
	fs->nblocks = n > FS_BLOCKS_MAX ? FS_BLOCKS_MAX : (uint32_t)n;
	fs->nfree = fs->nblocks;
	for (uint32_t i = 0; i < fs->nblocks; i++)
		fs->free_blocks[i] = (uint16_t)(fs->nblocks - i); /* block 1 on top */
	struct fs_node *root = &fs->nodes[ROOT];
	root->type = FS_DIR;
	root->parent = ROOT;
	root->child = root->next = FS_NONE;
	root->linked = 1;
	fs->nodes_used = 1;
}

static uint8_t *block_data(struct fs *fs, uint16_t b)
{
	return fs->arena + (size_t)(b - 1) * FS_BLOCK;
}

/* The next component of path from *pos: 1 and *c, or 0 at the end, or
 * -errno for a component no node can have. */
static int next_comp(const char *path, uint32_t len, uint32_t *pos, struct comp *c)
{
	for (;;) {
		while (*pos < len && path[*pos] == '/')
			(*pos)++;
		if (*pos == len)
			return 0;
		uint32_t start = *pos;
		while (*pos < len && path[*pos] != '/') {
			if (path[*pos] == '\0')
				return -RC_EINVAL;
			(*pos)++;
		}
		c->name = path + start;
		c->len = *pos - start;
		if (c->len == 1 && c->name[0] == '.')
			continue;
		if (c->len == 2 && c->name[0] == '.' && c->name[1] == '.')
			return -RC_EXDEV;
		if (c->len > FS_NAME_MAX)
			return -RC_ENAMETOOLONG;
		return 1;
	}
}

/* dir's child named c, or FS_NONE. */
static uint16_t find_child(struct fs *fs, uint16_t dir, const struct comp *c)
{
	for (uint16_t n = fs->nodes[dir].child; n != FS_NONE; n = fs->nodes[n].next)
		if (fs->nodes[n].name_len == c->len &&
		    __builtin_memcmp(fs->nodes[n].name, c->name, c->len) == 0)
			return n;
	return FS_NONE;
}

/* Walk path: the node of its parent in *parent and its last component in
 * *last (len 0 for the root); the node itself, or FS_NONE if only the
 * parent exists. -errno if the parent does not. */
static int walk(struct fs *fs, const char *path, uint32_t len, uint16_t *parent, struct comp *last)
{
	if (len > FS_PATH_MAX)
		return -RC_ENAMETOOLONG;
	uint32_t pos = 0;
	uint16_t dir = ROOT, node = ROOT;
	struct comp c = { 0, 0 };
	int r;
	*parent = ROOT;
	*last = c;
	while ((r = next_comp(path, len, &pos, &c)) > 0) {
		if (node == FS_NONE)
			return -RC_ENOENT; /* a component below one that does not exist */
		if (fs->nodes[node].type != FS_DIR)
			return -RC_ENOTDIR;
		dir = node;
		node = find_child(fs, dir, &c);
		*parent = dir;
		*last = c;
	}
	return r < 0 ? r : node;
}

int fs_lookup(struct fs *fs, const char *path, uint32_t len)
{
	uint16_t parent;
	struct comp last;
	int n = walk(fs, path, len, &parent, &last);
	return n == FS_NONE ? -RC_ENOENT : n;
}

/* Does node n's name sort before c's? Bytes as unsigned, a prefix first:
 * strcmp's order, the hosted READDIR's. */
static int name_before(const struct fs_node *n, const struct comp *c)
{
	uint32_t k = n->name_len < c->len ? n->name_len : c->len;
	int d = __builtin_memcmp(n->name, c->name, k);
	return d < 0 || (d == 0 && n->name_len < c->len);
}

/* Take a free node: its index, or FS_NONE. */
static uint16_t node_alloc(struct fs *fs)
{
	if (fs->nodes_used >= FS_NODES_MAX)
		return FS_NONE;
	for (uint16_t i = 1; i < FS_NODES_MAX; i++)
		if (fs->nodes[i].type == 0) {
			fs->nodes_used++;
			return i;
		}
	return FS_NONE;
}

int fs_create(struct fs *fs, const char *path, uint32_t len, uint32_t type)
{
	uint16_t parent;
	struct comp last;
	int n = walk(fs, path, len, &parent, &last);
	if (n < 0)
		return n;
	if (n != FS_NONE)
		return -RC_EEXIST; /* the root included */
	uint16_t i = node_alloc(fs);
	if (i == FS_NONE)
		return -RC_ENOSPC;
	struct fs_node *nd = &fs->nodes[i];
	__builtin_memset(nd, 0, sizeof(*nd));
	nd->type = (uint8_t)type;
	nd->name_len = (uint8_t)last.len;
	__builtin_memcpy(nd->name, last.name, last.len);
	nd->parent = parent;
	nd->child = FS_NONE;
	nd->linked = 1;
	uint16_t *link = &fs->nodes[parent].child; /* kept sorted by name: READDIR's order */
	while (*link != FS_NONE && name_before(&fs->nodes[*link], &last))
		link = &fs->nodes[*link].next;
	nd->next = *link;
	*link = i;
	fs->nodes[parent].size++;
	return i;
}

int fs_mkdir_p(struct fs *fs, const char *path, uint32_t len)
{
	if (len > FS_PATH_MAX)
		return -RC_ENAMETOOLONG;
	uint32_t pos = 0;
	struct comp c;
	int r, node = ROOT;
	while ((r = next_comp(path, len, &pos, &c)) > 0) {
		if (fs->nodes[node].type != FS_DIR)
			return -RC_ENOTDIR;
		uint16_t child = find_child(fs, (uint16_t)node, &c);
		if (child == FS_NONE) {
			r = fs_create(fs, path, pos, FS_DIR);
			if (r < 0)
				return r;
			child = (uint16_t)r;
		}
		node = child;
	}
	if (r < 0)
		return r;
	return fs->nodes[node].type == FS_DIR ? node : -RC_ENOTDIR;
}

/* Give back every block of node at or past block index from. */
static void free_blocks_from(struct fs *fs, struct fs_node *nd, uint32_t from)
{
	for (uint32_t i = from; i < FS_FILE_BLOCKS; i++)
		if (nd->blocks[i]) {
			fs->free_blocks[fs->nfree++] = nd->blocks[i];
			nd->blocks[i] = 0;
		}
}

/* node is unlinked and no longer open: free it and its data. */
static void node_free(struct fs *fs, uint16_t node)
{
	struct fs_node *nd = &fs->nodes[node];
	if (nd->type == FS_FILE)
		free_blocks_from(fs, nd, 0);
	nd->type = 0;
	fs->nodes_used--;
}

int fs_remove(struct fs *fs, const char *path, uint32_t len)
{
	int n = fs_lookup(fs, path, len);
	if (n < 0)
		return n;
	if (n == ROOT)
		return -RC_EBUSY;
	struct fs_node *nd = &fs->nodes[n];
	if (nd->type == FS_DIR && nd->child != FS_NONE)
		return -RC_ENOTEMPTY;
	struct fs_node *dir = &fs->nodes[nd->parent];
	uint16_t *link = &dir->child;
	while (*link != n)
		link = &fs->nodes[*link].next;
	*link = nd->next;
	dir->size--;
	nd->linked = 0;
	if (nd->opens == 0)
		node_free(fs, (uint16_t)n);
	return 0;
}

int32_t fs_read_node(struct fs *fs, int node, uint64_t off, void *buf, uint32_t n)
{
	struct fs_node *nd = &fs->nodes[node];
	if (off >= nd->size)
		return 0;
	if (n > nd->size - off)
		n = (uint32_t)(nd->size - off);
	uint8_t *out = buf;
	for (uint32_t done = 0; done < n;) {
		uint32_t bi = (uint32_t)((off + done) / FS_BLOCK),
			 bo = (uint32_t)((off + done) % FS_BLOCK);
		uint32_t chunk = FS_BLOCK - bo < n - done ? FS_BLOCK - bo : n - done;
		if (nd->blocks[bi])
			__builtin_memcpy(out + done, block_data(fs, nd->blocks[bi]) + bo, chunk);
		else
			__builtin_memset(out + done, 0, chunk);
		done += chunk;
	}
	return (int32_t)n;
}

int32_t fs_write_node(struct fs *fs, int node, uint64_t off, const void *buf, uint32_t n)
{
	struct fs_node *nd = &fs->nodes[node];
	if (off > FS_FILE_MAX || n > FS_FILE_MAX - off)
		return -RC_EFBIG;
	if (n == 0)
		return 0;
	uint32_t first = (uint32_t)(off / FS_BLOCK), last = (uint32_t)((off + n - 1) / FS_BLOCK);
	uint32_t need = 0;
	for (uint32_t i = first; i <= last; i++)
		need += nd->blocks[i] == 0;
	if (need > fs->nfree)
		return -RC_ENOSPC;
	for (uint32_t i = first; i <= last; i++)
		if (!nd->blocks[i]) {
			nd->blocks[i] = fs->free_blocks[--fs->nfree];
			__builtin_memset(block_data(fs, nd->blocks[i]), 0, FS_BLOCK);
		}
	const uint8_t *in = buf;
	for (uint32_t done = 0; done < n;) {
		uint32_t bi = (uint32_t)((off + done) / FS_BLOCK),
			 bo = (uint32_t)((off + done) % FS_BLOCK);
		uint32_t chunk = FS_BLOCK - bo < n - done ? FS_BLOCK - bo : n - done;
		__builtin_memcpy(block_data(fs, nd->blocks[bi]) + bo, in + done, chunk);
		done += chunk;
	}
	if (off + n > nd->size)
		nd->size = (uint32_t)(off + n);
	return (int32_t)n;
}

int fs_truncate_node(struct fs *fs, int node, uint64_t size)
{
	struct fs_node *nd = &fs->nodes[node];
	if (size > FS_FILE_MAX)
		return -RC_EFBIG;
	if (size < nd->size) {
		uint32_t keep = (uint32_t)((size + FS_BLOCK - 1) / FS_BLOCK);
		free_blocks_from(fs, nd, keep);
		/* The kept last block's tail must read as zeros if the file grows again. */
		if (size % FS_BLOCK && nd->blocks[keep - 1])
			__builtin_memset(block_data(fs, nd->blocks[keep - 1]) + size % FS_BLOCK, 0,
					 FS_BLOCK - size % FS_BLOCK);
	}
	nd->size = (uint32_t)size;
	return 0;
}

/* ---- clients ---- */

void fs_client_init(struct fs_client *c, uint32_t rights)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->rights = rights;
}

/* Drop one open of node, freeing it if it was the last and it is unlinked. */
static void node_close(struct fs *fs, uint16_t node)
{
	struct fs_node *nd = &fs->nodes[node];
	nd->opens--;
	if (nd->opens == 0 && !nd->linked)
		node_free(fs, node);
}

void fs_client_reset(struct fs *fs, struct fs_client *c)
{
	for (uint32_t i = 0; i < FS_OPEN_MAX; i++)
		if (c->open[i].used) {
			node_close(fs, c->open[i].node);
			c->open[i].used = 0;
		}
}

/* ---- the protocol: decode, then invoke ---- */

/* Which fields each op reads; any other must be zero. */
#define USE_HANDLE  (1u << 0)
#define USE_OFFSET  (1u << 1)
#define USE_COUNT   (1u << 2)
#define USE_FLAGS   (1u << 3)
#define USE_ACCESS  (1u << 4)
#define USE_PATH    (1u << 5) /* the bytes after the header are a path */
#define USE_DATA    (1u << 6) /* ... are data */
#define NEEDS_WRITE (1u << 7) /* the client needs FS_CLIENT_WRITE */

static const uint8_t op_uses[FS_OP_COUNT] = {
	[FS_OP_OPEN] = USE_FLAGS | USE_ACCESS | USE_PATH,
	[FS_OP_READ] = USE_HANDLE | USE_OFFSET | USE_COUNT,
	[FS_OP_WRITE] = USE_HANDLE | USE_OFFSET | USE_DATA | NEEDS_WRITE,
	[FS_OP_CLOSE] = USE_HANDLE,
	[FS_OP_TRUNCATE] = USE_HANDLE | USE_OFFSET | NEEDS_WRITE,
	[FS_OP_REMOVE] = USE_PATH | NEEDS_WRITE,
	[FS_OP_MKDIR] = USE_PATH | NEEDS_WRITE,
	[FS_OP_READDIR] = USE_HANDLE | USE_OFFSET | USE_COUNT,
	[FS_OP_STAT] = USE_PATH,
	[FS_OP_CONNECT] = USE_FLAGS, /* and a handle: only the server loop takes it */
};

/* A decoded request: the header copied once, its payload located. */
struct req {
	struct fs_req h;
	const char *payload;
	struct fs_open *file; /* USE_HANDLE: the client's open file */
};

/* Check everything about a request that does not depend on the file
 * system's contents: 0, or the error to answer. */
static int decode(struct fs_client *c, const void *msg, uint32_t msg_len, struct req *r)
{
	if (msg_len < sizeof(r->h))
		return -RC_EINVAL;
	__builtin_memcpy(&r->h, msg, sizeof(r->h)); /* read once */
	r->payload = (const char *)msg + sizeof(r->h);
	const struct fs_req *h = &r->h;
	if (h->len != msg_len - sizeof(r->h))
		return -RC_EINVAL;
	if (h->op == 0 || h->op >= FS_OP_COUNT)
		return -RC_ENOSYS;
	uint32_t uses = op_uses[h->op];
	if ((!(uses & USE_HANDLE) && h->handle) || (!(uses & USE_OFFSET) && h->offset) ||
	    (!(uses & USE_COUNT) && h->count) || (!(uses & USE_FLAGS) && h->flags) ||
	    (!(uses & USE_ACCESS) && h->access) || (!(uses & (USE_PATH | USE_DATA)) && h->len))
		return -RC_EINVAL;
	if (!(c->rights & FS_CLIENT_READ))
		return -RC_EACCES;
	if ((uses & NEEDS_WRITE) && !(c->rights & FS_CLIENT_WRITE))
		return -RC_EACCES;
	if (uses & USE_PATH) {
		if (h->len == 0)
			return -RC_EINVAL;
		if (h->len > FS_PATH_MAX)
			return -RC_ENAMETOOLONG;
	}
	if (uses & USE_HANDLE) {
		if (h->handle == 0 || h->handle > FS_OPEN_MAX || !c->open[h->handle - 1].used)
			return -RC_EBADF;
		r->file = &c->open[h->handle - 1];
	}
	if (uses & USE_OFFSET && h->offset > INT64_MAX)
		return -RC_EINVAL;
	if (h->op == FS_OP_READ && h->count > FS_IO_MAX)
		return -RC_EINVAL;
	if (h->op == FS_OP_READDIR && (h->count < RC_DIRENT_LEN(1) || h->count > FS_IO_MAX))
		return -RC_EINVAL;
	if (h->op == FS_OP_OPEN) {
		if (h->flags & ~RC_OPEN_FLAGS)
			return -RC_EINVAL;
		if (h->access >= RC_ACCESS_COUNT)
			return -RC_EINVAL;
		if ((h->flags & RC_OPEN_DIRECTORY) &&
		    (h->flags != RC_OPEN_DIRECTORY || h->access != RC_ACCESS_RDONLY))
			return -RC_EINVAL; /* a directory is opened to be listed, nothing else */
		if ((h->flags & RC_OPEN_TRUNC) && h->access == RC_ACCESS_RDONLY)
			return -RC_EINVAL;
		if ((h->flags & (RC_OPEN_CREATE | RC_OPEN_TRUNC | RC_OPEN_APPEND) ||
		     h->access != RC_ACCESS_RDONLY) &&
		    !(c->rights & FS_CLIENT_WRITE))
			return -RC_EACCES;
	}
	if (((h->op == FS_OP_READ || h->op == FS_OP_READDIR) &&
	     r->file->access == RC_ACCESS_WRONLY) ||
	    ((h->op == FS_OP_WRITE || h->op == FS_OP_TRUNCATE) &&
	     r->file->access == RC_ACCESS_RDONLY))
		return -RC_EBADF; /* the handle lacks the right */
	return 0;
}

static int do_open(struct fs *fs, struct fs_client *c, const struct req *r)
{
	const struct fs_req *h = &r->h;
	uint32_t slot = 0;
	while (slot < FS_OPEN_MAX && c->open[slot].used)
		slot++;
	if (slot == FS_OPEN_MAX)
		return -RC_EMFILE;
	int n = fs_lookup(fs, r->payload, h->len);
	if (n >= 0 && (h->flags & RC_OPEN_CREATE) && (h->flags & RC_OPEN_EXCL))
		return -RC_EEXIST;
	if (n == -RC_ENOENT && (h->flags & RC_OPEN_CREATE))
		n = fs_create(fs, r->payload, h->len, FS_FILE);
	if (n < 0)
		return n;
	if (fs->nodes[n].type == FS_DIR && !(h->flags & RC_OPEN_DIRECTORY))
		return -RC_EISDIR;
	if (fs->nodes[n].type != FS_DIR && (h->flags & RC_OPEN_DIRECTORY))
		return -RC_ENOTDIR;
	if (h->flags & RC_OPEN_TRUNC)
		fs_truncate_node(fs, n, 0);
	fs->nodes[n].opens++;
	c->open[slot] = (struct fs_open){ .node = (uint16_t)n,
					  .used = 1,
					  .access = (uint8_t)h->access,
					  .flags = h->flags & RC_OPEN_APPEND };
	return (int)slot + 1;
}

/* READDIR: entries of the open directory from index offset, sorted by
 * name (fs_create keeps them so), packed into out as struct rc_dirents. */
static int do_readdir(struct fs *fs, const struct req *r, uint8_t *out, uint32_t *out_len)
{
	const struct fs_node *dir = &fs->nodes[r->file->node];
	if (dir->type != FS_DIR)
		return -RC_ENOTDIR;
	uint64_t skip = r->h.offset;
	uint16_t e = dir->linked ? dir->child : FS_NONE;
	for (; e != FS_NONE && skip; e = fs->nodes[e].next)
		skip--;
	int count = 0;
	uint32_t used = 0;
	for (; e != FS_NONE; e = fs->nodes[e].next) {
		const struct fs_node *nd = &fs->nodes[e];
		struct rc_dirent d = { .size = nd->type == FS_FILE ? nd->size : 0,
				       .reclen = RC_DIRENT_LEN(nd->name_len),
				       .name_len = nd->name_len,
				       .type = nd->type };
		if (used + d.reclen > r->h.count)
			break;
		__builtin_memset(out + used, 0, d.reclen);
		__builtin_memcpy(out + used, &d, sizeof(d));
		__builtin_memcpy(out + used + sizeof(d), nd->name, nd->name_len);
		used += d.reclen;
		count++;
	}
	if (count == 0 && e != FS_NONE)
		return -RC_EINVAL; /* count cannot hold the entry at offset */
	*out_len = used;
	return count;
}

static int do_stat(struct fs *fs, const struct req *r, uint8_t *out, uint32_t *out_len)
{
	int n = fs_lookup(fs, r->payload, r->h.len);
	if (n < 0)
		return n;
	struct fs_stat st = { .size = fs->nodes[n].size,
			      .type = fs->nodes[n].type,
			      .node = (uint32_t)n };
	__builtin_memcpy(out, &st, sizeof(st));
	*out_len = sizeof(st);
	return 0;
}

/* Run a decoded request; data for the reply goes to out. */
static int invoke(struct fs *fs, struct fs_client *c, const struct req *r, uint8_t *out,
		  uint32_t *out_len)
{
	const struct fs_req *h = &r->h;
	struct fs_open *f = r->file;
	switch (h->op) {
	case FS_OP_OPEN: return do_open(fs, c, r);
	case FS_OP_READ: {
		if (fs->nodes[f->node].type == FS_DIR)
			return -RC_EISDIR; /* opened with RC_OPEN_DIRECTORY */
		int32_t n = fs_read_node(fs, f->node, h->offset, out, h->count);
		*out_len = (uint32_t)n;
		return n;
	}
	case FS_OP_WRITE: {
		uint64_t off = f->flags & RC_OPEN_APPEND ? fs->nodes[f->node].size : h->offset;
		return fs_write_node(fs, f->node, off, r->payload, h->len);
	}
	case FS_OP_CLOSE:
		node_close(fs, f->node);
		f->used = 0;
		return 0;
	case FS_OP_TRUNCATE: return fs_truncate_node(fs, f->node, h->offset);
	case FS_OP_REMOVE: return fs_remove(fs, r->payload, h->len);
	case FS_OP_MKDIR: {
		int n = fs_create(fs, r->payload, h->len, FS_DIR);
		return n < 0 ? n : 0;
	}
	case FS_OP_READDIR: return do_readdir(fs, r, out, out_len);
	case FS_OP_STAT: return do_stat(fs, r, out, out_len);
	}
	return -RC_ENOSYS; /* not reached: decode checked op */
}

uint32_t fs_serve(struct fs *fs, struct fs_client *c, const void *msg, uint32_t msg_len, void *rep)
{
	struct req r = { 0 };
	struct fs_rep out = { 0 };
	uint8_t *data = (uint8_t *)rep + sizeof(out);
	int res = decode(c, msg, msg_len, &r);
	if (res == 0)
		res = invoke(fs, c, &r, data, &out.len);
	if (res < 0)
		out.len = 0;
	out.res = res;
	out.tag = r.h.tag; /* zero if the header was too short to hold one */
	__builtin_memcpy(rep, &out, sizeof(out));
	return (uint32_t)sizeof(out) + out.len;
}
