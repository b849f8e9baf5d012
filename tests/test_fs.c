/*
 * test_fs.c - the file server's core, hosted (user/fs/: the same code the
 * ringcall kernel's file server runs): the RAM file system and its limits,
 * the request protocol and its validation (garbage gets an error, never a
 * crash), client isolation, and the boot archive loader.
 */
#include "helpers.h"
#include "../user/fs/fs.h"

#define ARENA_BLOCKS 64u

struct env {
	struct fs fs;
	uint8_t arena[ARENA_BLOCKS * FS_BLOCK];
	struct fs_client a, b;
	uint8_t rep[FS_MSG_MAX];
	uint8_t msg[FS_MSG_MAX + 64];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	fs_init(&e->fs, e->arena, sizeof(e->arena));
	fs_client_init(&e->a, FS_CLIENT_READ | FS_CLIENT_WRITE);
	fs_client_init(&e->b, FS_CLIENT_READ | FS_CLIENT_WRITE);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* The file system agrees with itself: every node reachable once from the
 * root or held open, every block owned once or free. */
static void check_consistent(struct fs *fs)
{
	static uint8_t owned[FS_BLOCKS_MAX + 1];
	memset(owned, 0, sizeof(owned));
	uint32_t used = 0, nodes = 0;
	for (uint32_t i = 0; i < FS_NODES_MAX; i++) {
		const struct fs_node *nd = &fs->nodes[i];
		if (!nd->type)
			continue;
		nodes++;
		assert_true(nd->linked || nd->opens);
		for (uint32_t b = 0; b < FS_FILE_BLOCKS; b++) {
			uint16_t blk = nd->blocks[b];
			if (!blk)
				continue;
			assert_int_equal(nd->type, FS_FILE);
			assert_true(blk <= fs->nblocks);
			assert_int_equal(owned[blk]++, 0);
			assert_true((uint64_t)b * FS_BLOCK < nd->size);
			used++;
		}
		if (nd->type == FS_DIR) {
			uint32_t children = 0;
			for (uint16_t c = nd->child; c != FS_NONE; c = fs->nodes[c].next) {
				assert_int_equal(fs->nodes[c].parent, i);
				assert_true(fs->nodes[c].linked);
				assert_true(++children <= FS_NODES_MAX);
			}
			assert_int_equal(children, nd->size);
		}
	}
	for (uint32_t i = 0; i < fs->nfree; i++) {
		uint16_t blk = fs->free_blocks[i];
		assert_true(blk >= 1 && blk <= fs->nblocks);
		assert_int_equal(owned[blk]++, 0);
	}
	assert_int_equal(used + fs->nfree, fs->nblocks);
	assert_int_equal(nodes, fs->nodes_used);
}

/* Send one request from client c; the reply's res (its data stays in e->rep). */
static int32_t req(struct env *e, struct fs_client *c, struct fs_req h, const void *payload,
		   uint32_t len)
{
	h.len = len;
	memcpy(e->msg, &h, sizeof(h));
	if (len)
		memcpy(e->msg + sizeof(h), payload, len);
	uint32_t n = fs_serve(&e->fs, c, e->msg, (uint32_t)sizeof(h) + len, e->rep);
	struct fs_rep rep;
	memcpy(&rep, e->rep, sizeof(rep));
	assert_true(n >= sizeof(rep) && n <= FS_MSG_MAX);
	assert_int_equal(n, sizeof(rep) + rep.len);
	assert_int_equal(rep.tag, h.tag);
	if (rep.res < 0)
		assert_int_equal(rep.len, 0);
	return rep.res;
}

static int32_t p_open(struct env *e, struct fs_client *c, const char *path, uint32_t access,
		      uint32_t flags)
{
	return req(e, c, (struct fs_req){ .op = FS_OP_OPEN, .access = access, .flags = flags },
		   path, (uint32_t)strlen(path));
}

static int32_t p_path(struct env *e, struct fs_client *c, uint32_t op, const char *path)
{
	return req(e, c, (struct fs_req){ .op = op }, path, (uint32_t)strlen(path));
}

static int32_t p_write(struct env *e, struct fs_client *c, int32_t h, uint64_t off, const void *d,
		       uint32_t n)
{
	return req(e, c, (struct fs_req){ .op = FS_OP_WRITE, .handle = (uint32_t)h, .offset = off },
		   d, n);
}

static int32_t p_read(struct env *e, struct fs_client *c, int32_t h, uint64_t off, uint32_t n)
{
	return req(e, c,
		   (struct fs_req){
			   .op = FS_OP_READ, .handle = (uint32_t)h, .offset = off, .count = n },
		   NULL, 0);
}

static int32_t p_handle(struct env *e, struct fs_client *c, uint32_t op, int32_t h, uint64_t off)
{
	return req(e, c, (struct fs_req){ .op = op, .handle = (uint32_t)h, .offset = off }, NULL,
		   0);
}

static const char *rep_data(struct env *e)
{
	return (const char *)e->rep + sizeof(struct fs_rep);
}

/* Files: create, write, read back, append, truncate, sparse holes. */
static void files_read_write_truncate(void **state)
{
	struct env *e = *state;
	int32_t h = p_open(e, &e->a, "/hello.txt", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	assert_in_range(h, 1, FS_OPEN_MAX);
	assert_int_equal(p_write(e, &e->a, h, 0, "hello, world", 12), 12);
	assert_int_equal(p_read(e, &e->a, h, 7, 100), 5);
	assert_memory_equal(rep_data(e), "world", 5);
	assert_int_equal(p_read(e, &e->a, h, 12, 100), 0); /* at the end */
	assert_int_equal(p_read(e, &e->a, h, 1u << 30, 10), 0);
	/* A write past the end leaves a hole that reads as zeros, across blocks. */
	assert_int_equal(p_write(e, &e->a, h, 3 * FS_BLOCK + 5, "x", 1), 1);
	assert_int_equal(p_read(e, &e->a, h, 12, 2000), 2000);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(rep_data(e)[i], 0);
	assert_int_equal(e->fs.nfree, ARENA_BLOCKS - 2); /* blocks 0 and 3 only */
	/* Shrinking frees blocks; growing again reads zeros past the old cut. */
	assert_int_equal(p_handle(e, &e->a, FS_OP_TRUNCATE, h, 7), 0);
	assert_int_equal(e->fs.nfree, ARENA_BLOCKS - 1);
	assert_int_equal(p_handle(e, &e->a, FS_OP_TRUNCATE, h, 12), 0);
	assert_int_equal(p_read(e, &e->a, h, 0, 100), 12);
	assert_memory_equal(rep_data(e), "hello, \0\0\0\0\0", 12);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, h, 0), 0);
	/* APPEND writes at the end whatever the offset; TRUNC empties. */
	h = p_open(e, &e->a, "hello.txt", RC_ACCESS_WRONLY, RC_OPEN_APPEND);
	assert_int_equal(p_write(e, &e->a, h, 0, "!", 1), 1);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, h, 0), 0);
	h = p_open(e, &e->a, "./hello.txt", RC_ACCESS_RDONLY, 0);
	assert_int_equal(p_read(e, &e->a, h, 12, 10), 1);
	assert_int_equal(rep_data(e)[0], '!');
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, h, 0), 0);
	h = p_open(e, &e->a, "hello.txt", RC_ACCESS_RDWR, RC_OPEN_TRUNC);
	assert_int_equal(p_read(e, &e->a, h, 0, 10), 0);
	assert_int_equal(e->fs.nfree, ARENA_BLOCKS);
	check_consistent(&e->fs);
}

/* Directories: mkdir, nesting, READDIR and STAT, and each wrong use. */
static void directories_and_their_errors(void **state)
{
	struct env *e = *state;
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs"), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs/sub"), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs"), -RC_EEXIST);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "/"), -RC_EEXIST);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "no/such"), -RC_ENOENT);
	int32_t h = p_open(e, &e->a, "docs/a.md", RC_ACCESS_WRONLY, RC_OPEN_CREATE);
	assert_int_equal(p_write(e, &e->a, h, 0, "abc", 3), 3);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs/a.md/x"), -RC_ENOTDIR);
	assert_int_equal(p_open(e, &e->a, "docs/a.md/x", RC_ACCESS_RDONLY, 0), -RC_ENOTDIR);
	assert_int_equal(p_open(e, &e->a, "docs", RC_ACCESS_RDONLY, 0), -RC_EISDIR);
	assert_int_equal(p_open(e, &e->a, "docs/none", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	assert_int_equal(p_open(e, &e->a, "docs/../a", RC_ACCESS_RDONLY, 0), -RC_EXDEV);
	assert_int_equal(
		p_open(e, &e->a, "docs/a.md", RC_ACCESS_RDONLY, RC_OPEN_CREATE | RC_OPEN_EXCL),
		-RC_EEXIST);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_OPEN }, "a\0b", 3), -RC_EINVAL);
	/* STAT: a file's size, a directory's entry count. */
	assert_int_equal(p_path(e, &e->a, FS_OP_STAT, "docs/a.md"), 0);
	struct fs_stat st;
	memcpy(&st, rep_data(e), sizeof(st));
	assert_int_equal(st.size, 3);
	assert_int_equal(st.type, FS_FILE);
	assert_int_equal(p_path(e, &e->a, FS_OP_STAT, "//docs/"), 0);
	memcpy(&st, rep_data(e), sizeof(st));
	assert_int_equal(st.type, FS_DIR);
	assert_int_equal(st.size, 2);
	/* READDIR of a directory opened with RC_OPEN_DIRECTORY: sorted by name
	 * whatever the order of creation ("sub" was made first), then from
	 * the second entry on; sizes of files only. */
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs/b"), 0); /* made last, not last */
	int32_t d = p_open(e, &e->a, "docs", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_in_range(d, 1, FS_OPEN_MAX);
	struct fs_req l = { .op = FS_OP_READDIR, .handle = (uint32_t)d, .count = FS_IO_MAX };
	assert_int_equal(req(e, &e->a, l, NULL, 0), 3);
	static const char *const names[] = { "a.md", "b", "sub" };
	const char *p = rep_data(e);
	for (int i = 0; i < 3; i++) {
		struct rc_dirent de;
		memcpy(&de, p, sizeof(de));
		assert_int_equal(de.name_len, strlen(names[i]));
		assert_memory_equal(p + sizeof(de), names[i], de.name_len + 1); /* NUL too */
		assert_int_equal(de.reclen, RC_DIRENT_LEN(de.name_len));
		assert_int_equal(de.type, i == 0 ? RC_DT_FILE : RC_DT_DIR);
		assert_int_equal(de.size, i == 0 ? 3 : 0);
		p += de.reclen;
	}
	struct fs_rep rep;
	memcpy(&rep, e->rep, sizeof(rep));
	assert_int_equal(rep.len, 24 + 24 + 24); /* whole entries, nothing after */
	l.offset = 1;
	assert_int_equal(req(e, &e->a, l, NULL, 0), 2);
	assert_memory_equal(rep_data(e) + 16, "b", 2);
	l.offset = 3;
	assert_int_equal(req(e, &e->a, l, NULL, 0), 0);
	l.offset = 0;
	l.count = RC_DIRENT_LEN(1) - 1; /* below the smallest entry */
	assert_int_equal(req(e, &e->a, l, NULL, 0), -RC_EINVAL);
	l.offset = 1;
	l.count = 24; /* "b" needs 24: fits; two entries do not */
	assert_int_equal(req(e, &e->a, l, NULL, 0), 1);
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, "docs/a-longer-name"), 0);
	l.offset = 0;
	l.count = 24; /* "a-longer-name" ('-' < '.': now entry 0) needs 32 */
	assert_int_equal(req(e, &e->a, l, NULL, 0), -RC_EINVAL);
	l.count = FS_IO_MAX;
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs/a-longer-name"), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs/b"), 0);
	/* Not a directory's handle; not for READ; only for reading. */
	l.handle = (uint32_t)h; /* docs/a.md, open for writing */
	assert_int_equal(req(e, &e->a, l, NULL, 0), -RC_EBADF);
	int32_t f = p_open(e, &e->a, "docs/a.md", RC_ACCESS_RDONLY, 0);
	l.handle = (uint32_t)f;
	assert_int_equal(req(e, &e->a, l, NULL, 0), -RC_ENOTDIR);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, f, 0), 0);
	assert_int_equal(p_read(e, &e->a, d, 0, 10), -RC_EISDIR);
	assert_int_equal(p_write(e, &e->a, d, 0, "x", 1), -RC_EBADF);
	assert_int_equal(p_open(e, &e->a, "docs/a.md", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY),
			 -RC_ENOTDIR);
	assert_int_equal(p_open(e, &e->a, "docs", RC_ACCESS_RDWR, RC_OPEN_DIRECTORY), -RC_EINVAL);
	assert_int_equal(
		p_open(e, &e->a, "docs", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY | RC_OPEN_CREATE),
		-RC_EINVAL);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, d, 0), 0);
	/* REMOVE: not a non-empty directory, not the root. */
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs"), -RC_ENOTEMPTY);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "/"), -RC_EBUSY);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs/sub"), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs/sub"), -RC_ENOENT);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, h, 0), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs/a.md"), 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "docs"), 0);
	assert_int_equal(e->fs.nodes_used, 1);
	check_consistent(&e->fs);
}

/* Every documented limit answers its error and changes nothing. */
static void limits_are_enforced_with_clear_errors(void **state)
{
	struct env *e = *state;
	char name[FS_PATH_MAX + 2];
	memset(name, 'n', sizeof(name));
	name[FS_NAME_MAX + 1] = '\0';
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, name), -RC_ENAMETOOLONG);
	name[FS_NAME_MAX] = '\0';
	assert_int_equal(p_path(e, &e->a, FS_OP_MKDIR, name), 0); /* exactly the limit */
	memset(name, 'n', sizeof(name));
	for (uint32_t i = 0; i < sizeof(name); i += 2)
		name[i] = '/';
	name[FS_PATH_MAX + 1] = '\0';
	assert_int_equal(p_path(e, &e->a, FS_OP_STAT, name), -RC_ENAMETOOLONG);
	/* Data: a write needing more blocks than are free fails whole. */
	int32_t h = p_open(e, &e->a, "big", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	static uint8_t chunk[FS_IO_MAX];
	memset(chunk, 0xab, sizeof(chunk));
	for (uint32_t b = 0; b < ARENA_BLOCKS - 1; b++)
		assert_int_equal(p_write(e, &e->a, h, (uint64_t)b * FS_BLOCK, chunk, 16), 16);
	assert_int_equal(e->fs.nfree, 1);
	/* Spans blocks 63 and 64: two new blocks, one free. */
	assert_int_equal(p_write(e, &e->a, h, 64 * FS_BLOCK - 8, chunk, 16), -RC_ENOSPC);
	assert_int_equal(e->fs.nfree, 1);
	assert_int_equal(p_handle(e, &e->a, FS_OP_TRUNCATE, h, FS_FILE_MAX + 1), -RC_EFBIG);
	assert_int_equal(p_write(e, &e->a, h, FS_FILE_MAX - 8, chunk, 16), -RC_EFBIG);
	assert_int_equal(p_handle(e, &e->a, FS_OP_TRUNCATE, h, 0), 0);
	assert_int_equal(e->fs.nfree, ARENA_BLOCKS);
	/* Open files per client. */
	int32_t hs[FS_OPEN_MAX];
	hs[0] = h;
	for (uint32_t i = 1; i < FS_OPEN_MAX; i++)
		assert_int_equal(hs[i] = p_open(e, &e->a, "big", RC_ACCESS_RDONLY, 0), (int)i + 1);
	assert_int_equal(p_open(e, &e->a, "big", RC_ACCESS_RDONLY, 0), -RC_EMFILE);
	assert_in_range(p_open(e, &e->b, "big", RC_ACCESS_RDONLY, 0), 1, FS_OPEN_MAX);
	fs_client_reset(&e->fs, &e->a);
	fs_client_reset(&e->fs, &e->b);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "big", 3)].opens, 0);
	/* Nodes. */
	uint32_t made = 0;
	for (;; made++) {
		char n[16];
		snprintf(n, sizeof(n), "f%u", made);
		int32_t r = p_path(e, &e->a, FS_OP_MKDIR, n);
		if (r < 0) {
			assert_int_equal(r, -RC_ENOSPC);
			break;
		}
	}
	assert_int_equal(made, FS_NODES_MAX - 3); /* root, the long name, big */
	check_consistent(&e->fs);
}

/* A removed file stays readable through its open handles until the last close. */
static void removed_open_file_lives_until_closed(void **state)
{
	struct env *e = *state;
	int32_t h = p_open(e, &e->a, "tmp", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	assert_int_equal(p_write(e, &e->a, h, 0, "data", 4), 4);
	int32_t hb = p_open(e, &e->b, "tmp", RC_ACCESS_RDONLY, 0);
	assert_int_equal(p_path(e, &e->a, FS_OP_REMOVE, "tmp"), 0);
	assert_int_equal(p_open(e, &e->a, "tmp", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	assert_int_equal(p_read(e, &e->b, hb, 0, 10), 4);
	assert_int_equal(p_handle(e, &e->a, FS_OP_CLOSE, h, 0), 0);
	assert_int_equal(e->fs.nodes_used, 2);
	check_consistent(&e->fs);
	fs_client_reset(&e->fs, &e->b); /* client b is gone */
	assert_int_equal(e->fs.nodes_used, 1);
	assert_int_equal(e->fs.nfree, ARENA_BLOCKS);
	check_consistent(&e->fs);
}

/* Decode: short, inconsistent, unknown, and wrongly filled requests each
 * get their error; handles and rights are the client's own. */
static void requests_are_validated(void **state)
{
	struct env *e = *state;
	struct fs_rep rep;
	for (uint32_t n = 0; n < sizeof(struct fs_req); n++) {
		memset(e->msg, 0xff, sizeof(e->msg));
		assert_int_equal(fs_serve(&e->fs, &e->a, e->msg, n, e->rep), sizeof(rep));
		memcpy(&rep, e->rep, sizeof(rep));
		assert_int_equal(rep.res, -RC_EINVAL);
		assert_int_equal(rep.tag, 0);
	}
	struct fs_req h = { .op = FS_OP_STAT, .len = 5, .tag = 77 };
	memcpy(e->msg, &h, sizeof(h));
	memcpy(e->msg + sizeof(h), "/", 1);
	assert_int_equal(fs_serve(&e->fs, &e->a, e->msg, sizeof(h) + 1, e->rep), sizeof(rep));
	memcpy(&rep, e->rep, sizeof(rep));
	assert_int_equal(rep.res, -RC_EINVAL); /* len disagrees with the message */
	assert_int_equal(rep.tag, 77);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = 0 }, NULL, 0), -RC_ENOSYS);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_COUNT }, NULL, 0), -RC_ENOSYS);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = 0xffffffffu }, NULL, 0), -RC_ENOSYS);
	/* Fields the op does not use must be zero. */
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_STAT, .handle = 1 }, "/", 1),
			 -RC_EINVAL);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_MKDIR, .count = 1 }, "d", 1),
			 -RC_EINVAL);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_CLOSE, .handle = 1 }, "x", 1),
			 -RC_EINVAL);
	assert_int_equal(req(e, &e->a, (struct fs_req){ .op = FS_OP_STAT }, NULL, 0), -RC_EINVAL);
	assert_int_equal(p_open(e, &e->a, "f", RC_ACCESS_COUNT, RC_OPEN_CREATE), -RC_EINVAL);
	assert_int_equal(p_open(e, &e->a, "f", RC_ACCESS_RDWR, 1u << 9), -RC_EINVAL);
	assert_int_equal(p_open(e, &e->a, "f", RC_ACCESS_RDONLY, RC_OPEN_TRUNC), -RC_EINVAL);
	/* Handles: out of range, not open, another client's. */
	int32_t h_a = p_open(e, &e->a, "f", RC_ACCESS_WRONLY, RC_OPEN_CREATE);
	assert_int_equal(h_a, 1);
	assert_int_equal(p_read(e, &e->b, h_a, 0, 1), -RC_EBADF);
	assert_int_equal(p_handle(e, &e->b, FS_OP_CLOSE, h_a, 0), -RC_EBADF);
	assert_int_equal(p_read(e, &e->a, 0, 0, 1), -RC_EBADF);
	assert_int_equal(p_read(e, &e->a, FS_OPEN_MAX + 1, 0, 1), -RC_EBADF);
	assert_int_equal(p_read(e, &e->a, -1, 0, 1), -RC_EBADF);
	/* Rights of a handle, then of a client. */
	assert_int_equal(p_read(e, &e->a, h_a, 0, 1), -RC_EBADF); /* write-only */
	assert_int_equal(p_read(e, &e->a, h_a, 0, FS_IO_MAX + 1), -RC_EINVAL);
	assert_int_equal(p_read(e, &e->a, h_a, (uint64_t)INT64_MAX + 1, 1), -RC_EINVAL);
	int32_t h_r = p_open(e, &e->a, "f", RC_ACCESS_RDONLY, 0);
	assert_int_equal(p_write(e, &e->a, h_r, 0, "x", 1), -RC_EBADF);
	assert_int_equal(p_handle(e, &e->a, FS_OP_TRUNCATE, h_r, 0), -RC_EBADF);
	struct fs_client ro;
	fs_client_init(&ro, FS_CLIENT_READ);
	assert_int_equal(p_open(e, &ro, "f", RC_ACCESS_RDWR, 0), -RC_EACCES);
	assert_int_equal(p_open(e, &ro, "g", RC_ACCESS_RDONLY, RC_OPEN_CREATE), -RC_EACCES);
	assert_int_equal(p_path(e, &ro, FS_OP_MKDIR, "d"), -RC_EACCES);
	assert_int_equal(p_path(e, &ro, FS_OP_REMOVE, "f"), -RC_EACCES);
	assert_in_range(p_open(e, &ro, "f", RC_ACCESS_RDONLY, 0), 1, FS_OPEN_MAX);
	struct fs_client none;
	fs_client_init(&none, 0);
	assert_int_equal(p_path(e, &none, FS_OP_STAT, "f"), -RC_EACCES);
	fs_client_reset(&e->fs, &ro);
	fs_client_reset(&e->fs, &e->a);
	check_consistent(&e->fs);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Garbage from three clients: random bytes, and valid requests with
 * random fields and bit flips. Every reply is well formed, the file
 * system stays consistent, and the clients' handles stay their own. */
static void garbage_requests_get_errors_not_crashes(void **state)
{
	struct env *e = *state;
	static const char *paths[] = { "a", "d", "d/b", "d/e", "/d//c", "x/y", "..", "a/", "" };
	struct fs_client *clients[3] = { &e->a, &e->b, NULL };
	struct fs_client ro;
	fs_client_init(&ro, FS_CLIENT_READ);
	clients[2] = &ro;
	uint32_t errors = 0, ok = 0;
	for (int i = 0; i < 200000; i++) {
		struct fs_client *c = clients[rnd() % 3];
		uint32_t len;
		if (rnd() % 4 == 0) {
			len = (uint32_t)(rnd() % (FS_MSG_MAX + 1));
			for (uint32_t j = 0; j < len; j++)
				e->msg[j] = (uint8_t)rnd();
		} else {
			const char *p = paths[rnd() % (sizeof(paths) / sizeof(paths[0]))];
			uint32_t plen = (uint32_t)strlen(p);
			struct fs_req h = {
				.op = (uint32_t)(rnd() % (FS_OP_COUNT + 1)),
				.handle = (uint32_t)(rnd() % (FS_OPEN_MAX + 2)),
				.offset = rnd() % 4 ? rnd() % (3 * FS_BLOCK) : rnd(),
				.count = (uint32_t)(rnd() % (FS_IO_MAX + 2)),
				.flags = (uint32_t)(rnd() % 32),
				.access = (uint32_t)(rnd() % 4),
				.tag = rnd(),
			};
			/* Zero the fields the op would refuse, most of the time. */
			if (rnd() % 8) {
				if (h.op == FS_OP_OPEN || h.op == FS_OP_REMOVE ||
				    h.op == FS_OP_MKDIR || h.op == FS_OP_STAT)
					h.handle = 0;
				if (h.op != FS_OP_OPEN)
					h.flags = h.access = 0;
				if (h.op != FS_OP_READ && h.op != FS_OP_READDIR)
					h.count = 0;
				if (h.op != FS_OP_READ && h.op != FS_OP_WRITE &&
				    h.op != FS_OP_TRUNCATE && h.op != FS_OP_READDIR)
					h.offset = 0;
			}
			uint32_t dlen = h.op == FS_OP_WRITE ? (uint32_t)(rnd() % 300) : plen;
			if (h.op == FS_OP_READ || h.op == FS_OP_CLOSE || h.op == FS_OP_TRUNCATE ||
			    h.op == FS_OP_READDIR)
				dlen = 0;
			h.len = dlen;
			memcpy(e->msg, &h, sizeof(h));
			if (h.op == FS_OP_WRITE)
				memset(e->msg + sizeof(h), 'w', dlen);
			else
				memcpy(e->msg + sizeof(h), p, dlen);
			len = (uint32_t)sizeof(h) + dlen;
			if (rnd() % 16 == 0)
				e->msg[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		}
		uint32_t n = fs_serve(&e->fs, c, e->msg, len, e->rep);
		struct fs_rep rep;
		memcpy(&rep, e->rep, sizeof(rep));
		assert_true(n >= sizeof(rep) && n <= FS_MSG_MAX);
		assert_int_equal(n, sizeof(rep) + rep.len);
		assert_true(rep.res >= -4095);
		assert_true(rep.res < 0 ? (errors++, rep.len == 0) : (ok++, 1));
		if (i % 1000 == 0)
			check_consistent(&e->fs);
	}
	assert_true(ok > 1000 && errors > 1000); /* both paths exercised */
	for (int i = 0; i < 3; i++)
		fs_client_reset(&e->fs, clients[i]);
	check_consistent(&e->fs);
	for (uint32_t i = 0; i < FS_NODES_MAX; i++)
		assert_int_equal(e->fs.nodes[i].opens, 0);
}

/* ---- the boot archive ---- */

struct ar {
	uint8_t buf[64 * 1024];
	size_t len;
};

static void ar_put(struct ar *a, const void *p, size_t n)
{
	if (n)
		memcpy(a->buf + a->len, p, n);
	memset(a->buf + a->len + n, 0, (8 - n % 8) % 8);
	a->len += (n + 7) & ~(size_t)7;
}

static void ar_add(struct ar *a, uint32_t type, const char *name, const void *data, uint32_t size)
{
	struct fs_ar_entry ent = { .type = type, .name_len = (uint32_t)strlen(name), .size = size };
	memcpy(a->buf + a->len, &ent, sizeof(ent));
	a->len += sizeof(ent);
	ar_put(a, name, strlen(name));
	ar_put(a, data, size);
}

static void ar_sample(struct ar *a)
{
	static char big[3 * FS_BLOCK + 17];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	a->len = 0;
	memcpy(a->buf, FS_AR_MAGIC, 8);
	a->len = 8;
	ar_add(a, FS_FILE, "README.md", "# ringcall\n", 11);
	ar_add(a, FS_FILE, "docs/kernel.md", big, sizeof(big));
	ar_add(a, FS_FILE, "bin/hello", "\177ELF", 4);
	ar_add(a, FS_DIR, "tmp/", NULL, 0);
	ar_add(a, FS_FILE, "empty", NULL, 0);
	ar_add(a, 0, "", NULL, 0);
}

static void archive_loads_files_and_directories(void **state)
{
	struct env *e = *state;
	static struct ar a;
	ar_sample(&a);
	assert_int_equal(fs_ar_load(&e->fs, a.buf, a.len), 5);
	int n = fs_lookup(&e->fs, "docs/kernel.md", 14);
	assert_true(n > 0);
	char got[3 * FS_BLOCK + 17];
	assert_int_equal(fs_read_node(&e->fs, n, 0, got, sizeof(got)), sizeof(got));
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], (char)('a' + i % 26));
	assert_int_equal(fs_read_node(&e->fs, fs_lookup(&e->fs, "README.md", 9), 0, got, 100), 11);
	assert_memory_equal(got, "# ringcall\n", 11);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "tmp", 3)].type, FS_DIR);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "bin", 3)].type, FS_DIR);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "empty", 5)].size, 0);
	/* Loaded files are ordinary files to clients. */
	int32_t h = p_open(e, &e->a, "/bin/hello", RC_ACCESS_RDONLY, 0);
	assert_int_equal(p_read(e, &e->a, h, 1, 10), 3);
	assert_memory_equal(rep_data(e), "ELF", 3);
	check_consistent(&e->fs);
}

/* Every prefix of an archive, and each malformed header, is refused
 * without reading past its end (ASan watches). */
static void malformed_archives_are_refused(void **state)
{
	struct env *e = *state;
	static struct ar a;
	ar_sample(&a);
	for (size_t n = 0; n < a.len; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
		memcpy(copy, a.buf, n);
		fs_init(&e->fs, e->arena, sizeof(e->arena));
		assert_int_equal(fs_ar_load(&e->fs, copy, n), -RC_EINVAL);
		check_consistent(&e->fs);
		free(copy);
	}
	struct {
		size_t at; /* byte offset of the first entry's field to spoil */
		uint32_t value;
		int32_t want;
	} spoil[] = {
		{ 8 + 0, 3, -RC_EINVAL },		      /* type */
		{ 8 + 4, 0, -RC_EINVAL },		      /* name_len 0 */
		{ 8 + 4, FS_PATH_MAX + 1, -RC_ENAMETOOLONG }, /* name_len */
		{ 8 + 8, 1u << 30, -RC_EFBIG },		      /* size */
		{ 8 + 8, 60000, -RC_EINVAL },		      /* size past the end */
		{ 8 + 12, 1, -RC_EINVAL },		      /* rsvd */
	};
	for (size_t i = 0; i < sizeof(spoil) / sizeof(spoil[0]); i++) {
		ar_sample(&a);
		memcpy(a.buf + spoil[i].at, &spoil[i].value, 4);
		fs_init(&e->fs, e->arena, sizeof(e->arena));
		assert_int_equal(fs_ar_load(&e->fs, a.buf, a.len), spoil[i].want);
	}
	ar_sample(&a);
	a.buf[0] = 'R';
	assert_int_equal(fs_ar_load(&e->fs, a.buf, a.len), -RC_EINVAL);
	/* A name the file system refuses, and an archive bigger than the arena. */
	ar_sample(&a);
	a.len = 8;
	ar_add(&a, FS_FILE, "a/../b", "x", 1);
	ar_add(&a, 0, "", NULL, 0);
	fs_init(&e->fs, e->arena, sizeof(e->arena));
	assert_int_equal(fs_ar_load(&e->fs, a.buf, a.len), -RC_EXDEV);
	ar_sample(&a);
	fs_init(&e->fs, e->arena, 2 * FS_BLOCK);
	assert_int_equal(fs_ar_load(&e->fs, a.buf, a.len), -RC_ENOSPC);
	check_consistent(&e->fs);
}


/* ---- the server loop over channels (loop.c), on in-process rings ---- */

struct srv_env {
	struct fs fs;
	uint8_t arena[ARENA_BLOCKS * FS_BLOCK];
	struct rc_ring s, a, b;
	struct fs_server srv;
};

static void run_server_engine(struct rc_ring *r)
{
	assert_true(rce_ring_run(&rc_inproc_client(r)->ring, 64) >= 0);
}

/* A channel made by the server; one end stays, the other goes to client c. */
static uint32_t connect_client(struct srv_env *e, struct rc_ring *c, uint32_t *server_end)
{
	struct rc_channel_pair *p = rc_alloc(&e->s, sizeof(*p));
	rc_prep_channel_create(rc_get_sqe(&e->s), p, sizeof(*p), 0);
	rc_sqe_set_data(&e->s.sqes[(e->s.sqe_tail - 1) & e->s.sq_mask], 0x77);
	assert_int_equal(rc_submit(&e->s), 1);
	struct rc_cqe *cqe;
	assert_int_equal(rc_peek_cqe(&e->s, &cqe), 0);
	assert_int_equal(cqe->res, 0);
	rc_cqe_seen(&e->s, cqe);
	*server_end = p->end[0];
	int32_t h = rce_channel_handle_move(&rc_inproc_client(&e->s)->ctx, p->end[1],
					    &rc_inproc_client(c)->ctx);
	assert_true(h > 0);
	return (uint32_t)h;
}

static int srv_setup(void **state)
{
	struct srv_env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	fs_init(&e->fs, e->arena, sizeof(e->arena));
	ring_open(&e->s, 128, 256, 0);
	ring_open(&e->a, 128, 256, 0);
	ring_open(&e->b, 128, 256, 0);
	void *mem = rc_alloc(&e->s, fs_server_mem_size());
	assert_non_null(mem);
	assert_int_equal(fs_server_init(&e->srv, &e->fs, &e->s, 0, mem), 0);
	assert_int_equal(fs_server_poll(&e->srv, 0), 0); /* submits the pool */
	assert_int_equal(fs_server_poll(&e->srv, 0), 1); /* its PROVIDE_BUFFERS completion */
	*state = e;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv_env *e = *state;
	ring_close(&e->a);
	ring_close(&e->b);
	ring_close(&e->s);
	free(e);
	return 0;
}

/* A client's batch of requests in flight: each a SEND and a RECV. */
struct batch {
	uint32_t n;
	uint8_t *reqs, *reps; /* n messages each, in the client's shared area */
	int32_t sent[64], got[64];
	uint32_t done;
};

static void batch_add(struct batch *bt, struct fs_req h, const void *payload)
{
	uint32_t i = bt->n++;
	uint8_t *m = bt->reqs + (size_t)i * FS_MSG_MAX;
	h.tag = 1000 + i;
	memcpy(m, &h, sizeof(h));
	if (h.len && payload)
		memcpy(m + sizeof(h), payload, h.len);
	bt->sent[i] = bt->got[i] = 1; /* not yet */
}

/* Queue the whole batch on client c's channel ch: all sends, then all receives. */
static void batch_submit(struct rc_ring *c, uint32_t ch, struct batch *bt)
{
	for (uint32_t i = 0; i < bt->n; i++) {
		struct fs_req h;
		memcpy(&h, bt->reqs + (size_t)i * FS_MSG_MAX, sizeof(h));
		rc_prep_channel_send(rc_get_sqe(c), ch, bt->reqs + (size_t)i * FS_MSG_MAX,
				     (uint32_t)sizeof(h) + h.len, 0, NULL, 0);
		rc_sqe_set_data(&c->sqes[(c->sqe_tail - 1) & c->sq_mask], i);
	}
	for (uint32_t i = 0; i < bt->n; i++) {
		rc_prep_channel_recv(rc_get_sqe(c), ch, bt->reps + (size_t)i * FS_MSG_MAX,
				     FS_MSG_MAX, 0, NULL, 0);
		rc_sqe_set_data(&c->sqes[(c->sqe_tail - 1) & c->sq_mask], 0x100 + i);
	}
	assert_int_equal(rc_submit(c), (int)(2 * bt->n));
}

/* Take client c's completions into bt. */
static void batch_reap(struct rc_ring *c, struct batch *bt)
{
	struct rc_cqe *cqe;
	while (rc_peek_cqe(c, &cqe) == 0) {
		uint64_t u = cqe->user_data;
		if (u >= 0x100) {
			bt->got[u - 0x100] = cqe->res;
			bt->done++;
		} else {
			bt->sent[u] = cqe->res;
		}
		rc_cqe_seen(c, cqe);
	}
}

/* Run every engine and the server until no one has anything left to do. */
static void pump(struct srv_env *e, struct batch *ba, struct batch *bb)
{
	for (int round = 0; round < 200; round++) {
		run_server_engine(&e->s);
		int n = fs_server_poll(&e->srv, 0);
		assert_true(n >= 0);
		run_server_engine(&e->a);
		run_server_engine(&e->b);
		if (ba)
			batch_reap(&e->a, ba);
		if (bb)
			batch_reap(&e->b, bb);
	}
}

/* The reply to request i of bt: its header (and data at rep_data). */
static struct fs_rep batch_rep(struct batch *bt, uint32_t i)
{
	struct fs_rep rep;
	memcpy(&rep, bt->reps + (size_t)i * FS_MSG_MAX, sizeof(rep));
	assert_int_equal(bt->got[i], (int32_t)sizeof(rep) + (int32_t)rep.len);
	assert_int_equal(rep.tag, 1000 + i); /* replies come in order */
	return rep;
}

static void batch_init(struct rc_ring *c, struct batch *bt)
{
	memset(bt, 0, sizeof(*bt));
	bt->reqs = rc_alloc(c, 40 * FS_MSG_MAX);
	bt->reps = rc_alloc(c, 40 * FS_MSG_MAX);
	assert_non_null(bt->reqs);
	assert_non_null(bt->reps);
}

static void batch_free(struct rc_ring *c, struct batch *bt)
{
	rc_free(c, bt->reqs);
	rc_free(c, bt->reps);
}

/* Two clients at once, each a pipeline of requests in one submit: every
 * request answered, in order, in few server passes; 40 requests exceed
 * the pool of 32 buffers and still all come back. */
static void server_serves_two_clients_pipelined(void **state)
{
	struct srv_env *e = *state;
	uint32_t sa, sb;
	uint32_t ca = connect_client(e, &e->a, &sa), cb = connect_client(e, &e->b, &sb);
	assert_int_equal(fs_server_add(&e->srv, sa, FS_CLIENT_READ | FS_CLIENT_WRITE), 0);
	assert_int_equal(fs_server_add(&e->srv, sb, FS_CLIENT_READ), 1);
	static struct batch ba, bb;
	batch_init(&e->a, &ba);
	batch_init(&e->b, &bb);
	/* a: create a file, write 38 lines, close. b (read-only): mkdir refused, stat /. */
	batch_add(&ba,
		  (struct fs_req){ .op = FS_OP_OPEN,
				   .access = RC_ACCESS_RDWR,
				   .flags = RC_OPEN_CREATE,
				   .len = 5 },
		  "/log1");
	for (uint32_t i = 0; i < 38; i++) {
		char line[16];
		snprintf(line, sizeof(line), "line %02u\n", i);
		batch_add(&ba,
			  (struct fs_req){
				  .op = FS_OP_WRITE, .handle = 1, .offset = i * 8, .len = 8 },
			  line);
	}
	batch_add(&ba, (struct fs_req){ .op = FS_OP_CLOSE, .handle = 1 }, NULL);
	batch_add(&bb, (struct fs_req){ .op = FS_OP_MKDIR, .len = 1 }, "d");
	batch_add(&bb, (struct fs_req){ .op = FS_OP_STAT, .len = 1 }, "/");
	batch_submit(&e->a, ca, &ba);
	batch_submit(&e->b, cb, &bb);
	pump(e, &ba, &bb);
	assert_int_equal(ba.done, 40);
	assert_int_equal(bb.done, 2);
	assert_int_equal(batch_rep(&ba, 0).res, 1);
	for (uint32_t i = 1; i < 39; i++)
		assert_int_equal(batch_rep(&ba, i).res, 8);
	assert_int_equal(batch_rep(&ba, 39).res, 0);
	assert_int_equal(batch_rep(&bb, 0).res, -RC_EACCES);
	assert_int_equal(batch_rep(&bb, 1).res, 0);
	int n = fs_lookup(&e->fs, "log1", 4);
	char buf[8 * 38];
	assert_int_equal(fs_read_node(&e->fs, n, 0, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf + 8 * 37, "line 37\n", 8);
	assert_int_equal(e->srv.stats.requests, 42);
	/* A multishot receive per client: a pass serves every request that
	 * arrived, of both clients (their replies in one submit); 40 requests
	 * ran the 32-buffer pool dry once (-ENOBUFS, armed again). */
	assert_true(e->srv.stats.passes <= 8);
	assert_int_equal(e->srv.pool_free, FS_REPLY_SLOTS);
	batch_free(&e->a, &ba);
	batch_free(&e->b, &bb);
	check_consistent(&e->fs);
}

/* A client that goes away with files open and a request in flight: the
 * server drops it (its files closed) and keeps serving the other. Garbage
 * from a client gets error replies. */
static void server_survives_garbage_and_client_death(void **state)
{
	struct srv_env *e = *state;
	uint32_t sa, sb;
	uint32_t ca = connect_client(e, &e->a, &sa), cb = connect_client(e, &e->b, &sb);
	assert_int_equal(fs_server_add(&e->srv, sa, FS_CLIENT_READ | FS_CLIENT_WRITE), 0);
	assert_int_equal(fs_server_add(&e->srv, sb, FS_CLIENT_READ | FS_CLIENT_WRITE), 1);
	static struct batch ba, bb;
	batch_init(&e->a, &ba);
	batch_init(&e->b, &bb);
	batch_add(&bb,
		  (struct fs_req){ .op = FS_OP_OPEN,
				   .access = RC_ACCESS_RDWR,
				   .flags = RC_OPEN_CREATE,
				   .len = 1 },
		  "f");
	batch_submit(&e->b, cb, &bb);
	pump(e, &ba, &bb);
	assert_int_equal(batch_rep(&bb, 0).res, 1);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "f", 1)].opens, 1);
	/* a: 30 messages of random bytes, each answered with an error. */
	for (uint32_t i = 0; i < 30; i++) {
		uint8_t *m = ba.reqs + (size_t)i * FS_MSG_MAX;
		for (uint32_t k = 0; k < 64; k++)
			m[k] = (uint8_t)rnd();
		rc_prep_channel_send(rc_get_sqe(&e->a), ca, m, (uint32_t)(rnd() % 64), 0, NULL, 0);
		rc_sqe_set_data(&e->a.sqes[(e->a.sqe_tail - 1) & e->a.sq_mask], i);
		rc_prep_channel_recv(rc_get_sqe(&e->a), ca, ba.reps + (size_t)i * FS_MSG_MAX,
				     FS_MSG_MAX, 0, NULL, 0);
		rc_sqe_set_data(&e->a.sqes[(e->a.sqe_tail - 1) & e->a.sq_mask], 0x100 + i);
	}
	ba.n = 30;
	assert_int_equal(rc_submit(&e->a), 60);
	pump(e, &ba, &bb);
	assert_int_equal(ba.done, 30);
	for (uint32_t i = 0; i < 30; i++) {
		struct fs_rep rep;
		memcpy(&rep, ba.reps + (size_t)i * FS_MSG_MAX, sizeof(rep));
		assert_true(rep.res < 0);
	}
	/* b goes away with its file open and a request queued: its endpoint closes. */
	bb.n = 0;
	bb.done = 0;
	batch_add(&bb, (struct fs_req){ .op = FS_OP_STAT, .len = 1 }, "f");
	uint8_t *m = bb.reqs;
	rc_prep_channel_send(rc_get_sqe(&e->b), cb, m, sizeof(struct fs_req) + 1, 0, NULL, 0);
	rc_prep_close(rc_get_sqe(&e->b), cb, 0);
	assert_int_equal(rc_submit(&e->b), 2);
	pump(e, &ba, NULL);
	assert_int_equal(e->srv.stats.clients_gone, 1);
	assert_int_equal(e->srv.conns[1].handle, 0);
	assert_int_equal(e->fs.nodes[fs_lookup(&e->fs, "f", 1)].opens, 0);
	/* a is still served. */
	ba.n = 0;
	ba.done = 0;
	batch_add(&ba, (struct fs_req){ .op = FS_OP_STAT, .len = 1 }, "f");
	batch_submit(&e->a, ca, &ba);
	pump(e, &ba, NULL);
	assert_int_equal(ba.done, 1);
	assert_int_equal(batch_rep(&ba, 0).res, 0);
	assert_int_equal(e->srv.pool_free, FS_REPLY_SLOTS);
	batch_free(&e->a, &ba);
	batch_free(&e->b, &bb);
	check_consistent(&e->fs);
}

/* CONNECT: a client hands the server a new endpoint and gets a second,
 * independent client with at most its own rights. */
static void server_connect_makes_a_client(void **state)
{
	struct srv_env *e = *state;
	uint32_t sa;
	uint32_t ca = connect_client(e, &e->a, &sa);
	assert_int_equal(fs_server_add(&e->srv, sa, FS_CLIENT_READ), 0);
	struct rc_channel_pair *p = rc_alloc(&e->a, sizeof(*p));
	rc_prep_channel_create(rc_get_sqe(&e->a), p, sizeof(*p), 0);
	assert_int_equal(run_one(&e->a, NULL), 0);
	static struct batch ba;
	batch_init(&e->a, &ba);
	uint32_t *hs = rc_alloc(&e->a, 16);
	/* Asking for the write right it lacks: -EACCES; the endpoint is closed. */
	for (uint32_t round = 0; round < 2; round++) {
		ba.n = ba.done = 0;
		batch_add(&ba,
			  (struct fs_req){ .op = FS_OP_CONNECT,
					   .flags = round ? FS_CLIENT_READ
							  : FS_CLIENT_READ | FS_CLIENT_WRITE },
			  NULL);
		if (round == 1) { /* a fresh pair: the first one's end went to the server */
			rc_prep_channel_create(rc_get_sqe(&e->a), p, sizeof(*p), 0);
			assert_int_equal(run_one(&e->a, NULL), 0);
		}
		hs[0] = p->end[1];
		rc_prep_channel_send(rc_get_sqe(&e->a), ca, ba.reqs, sizeof(struct fs_req), 4, hs,
				     0);
		rc_sqe_set_data(&e->a.sqes[(e->a.sqe_tail - 1) & e->a.sq_mask], 0);
		rc_prep_channel_recv(rc_get_sqe(&e->a), ca, ba.reps, FS_MSG_MAX, 0, NULL, 0);
		rc_sqe_set_data(&e->a.sqes[(e->a.sqe_tail - 1) & e->a.sq_mask], 0x100);
		assert_int_equal(rc_submit(&e->a), 2);
		pump(e, &ba, NULL);
		assert_int_equal(ba.done, 1);
		assert_int_equal(batch_rep(&ba, 0).res, round ? 0 : -RC_EACCES);
	}
	assert_int_equal(e->srv.stats.clients, 2);
	/* The new client works on its own channel. */
	ba.n = ba.done = 0;
	batch_add(&ba, (struct fs_req){ .op = FS_OP_STAT, .len = 1 }, "/");
	batch_submit(&e->a, p->end[0], &ba);
	pump(e, &ba, NULL);
	assert_int_equal(ba.done, 1);
	assert_int_equal(batch_rep(&ba, 0).res, 0);
	batch_free(&e->a, &ba);
}

/* Requests made by CHANNEL_CALL are answered by CHANNEL_REPLY: each call
 * completes with its own reply, several in flight at once. */
static void server_answers_calls(void **state)
{
	struct srv_env *e = *state;
	uint32_t sa;
	uint32_t ca = connect_client(e, &e->a, &sa);
	assert_int_equal(fs_server_add(&e->srv, sa, FS_CLIENT_READ | FS_CLIENT_WRITE), 0);
	static struct batch ba;
	batch_init(&e->a, &ba);
	batch_add(&ba, (struct fs_req){ .op = FS_OP_MKDIR, .len = 2 }, "/d");
	batch_add(&ba, (struct fs_req){ .op = FS_OP_STAT, .len = 2 }, "/d");
	batch_add(&ba, (struct fs_req){ .op = FS_OP_MKDIR, .len = 2 }, "/d");
	batch_add(&ba, (struct fs_req){ .op = 99 }, NULL);
	for (uint32_t i = 0; i < ba.n; i++) {
		struct fs_req h;
		memcpy(&h, ba.reqs + (size_t)i * FS_MSG_MAX, sizeof(h));
		rc_prep_channel_call(rc_get_sqe(&e->a), ca, ba.reqs + (size_t)i * FS_MSG_MAX,
				     (uint32_t)sizeof(h) + h.len, 0, NULL,
				     ba.reps + (size_t)i * FS_MSG_MAX, FS_MSG_MAX, 0);
		rc_sqe_set_data(&e->a.sqes[(e->a.sqe_tail - 1) & e->a.sq_mask], 0x100 + i);
	}
	assert_int_equal(rc_submit(&e->a), 4);
	pump(e, &ba, NULL);
	assert_int_equal(ba.done, 4);
	assert_int_equal(batch_rep(&ba, 0).res, 0);
	assert_int_equal(batch_rep(&ba, 1).res, 0);
	assert_int_equal(batch_rep(&ba, 2).res, -RC_EEXIST);
	assert_int_equal(batch_rep(&ba, 3).res, -RC_ENOSYS);
	assert_int_equal(e->srv.pool_free, FS_REPLY_SLOTS);
	batch_free(&e->a, &ba);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(files_read_write_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(directories_and_their_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(limits_are_enforced_with_clear_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(removed_open_file_lives_until_closed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(requests_are_validated, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_requests_get_errors_not_crashes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(archive_loads_files_and_directories, setup,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_archives_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(server_serves_two_clients_pipelined, srv_setup,
						srv_teardown),
		cmocka_unit_test_setup_teardown(server_survives_garbage_and_client_death, srv_setup,
						srv_teardown),
		cmocka_unit_test_setup_teardown(server_connect_makes_a_client, srv_setup,
						srv_teardown),
		cmocka_unit_test_setup_teardown(server_answers_calls, srv_setup, srv_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
