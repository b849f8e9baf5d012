/*
 * test_readdir.c - READDIR on the hosted platform (hosted/files.c): a
 * directory opened with RC_OPEN_DIRECTORY beneath the root lists its
 * entries sorted by name (strcmp order, "." and ".." left out) as packed
 * struct rc_dirent records, pages by entry index, refuses a buffer that
 * cannot hold the next entry (-EINVAL), a handle that is not a
 * directory's (-ENOTDIR), a handle without RC_RIGHT_READ (-EBADF), paths
 * leaving the root (-EXDEV), and the caller's policy (handles, bytes in
 * flight, allow-list) applies to it as to OPEN and READ.
 */
#include "helpers.h"
#include "host.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The root's entries in the order READDIR must give them. */
static const struct {
	const char *name;
	uint8_t type;
	uint64_t size;
} want[] = {
	{ "Zed", RC_DT_FILE, 1 }, /* 'Z' < 'a': bytes, not case-folded */
	{ "a", RC_DT_FILE, 0 },	  /* a prefix first */
	{ "a.b", RC_DT_FILE, 2 }, /* '.' < 'b' */
	{ "ab", RC_DT_DIR, 0 },	  /* a directory: size 0 */
	{ "b.txt", RC_DT_FILE, 5 },
	{ "empty", RC_DT_DIR, 0 },
	{ "link", RC_DT_OTHER, 0 },	    /* a symlink is not followed */
	{ "long-name.txt", RC_DT_FILE, 3 }, /* 32 bytes: 16 + 13 + 1, aligned */
	{ "out", RC_DT_OTHER, 0 },	    /* a symlink out of the root */
	{ "sub", RC_DT_DIR, 0 },
};
#define NWANT (sizeof(want) / sizeof(want[0]))

static struct rc_ring r;
static int root;

static void put(const char *name, uint64_t size)
{
	int fd = openat(root, name, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	char zeros[8] = { 0 };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, zeros, size), (ssize_t)size);
	close(fd);
}

/* A root with want[]'s entries (made in reverse order), sub/inner, empty/. */
static int setup(void **state)
{
	static int n;
	char dir[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/readdir%d", temp_dir(), n++);
	assert_int_equal(mkdir(dir, 0700), 0);
	root = open(dir, O_PATH | O_DIRECTORY);
	assert_true(root >= 0);
	assert_int_equal(mkdirat(root, "sub", 0700), 0);
	put("long-name.txt", 3);
	assert_int_equal(symlinkat("a", root, "link"), 0);
	put("b.txt", 5);
	assert_int_equal(mkdirat(root, "ab", 0700), 0);
	put("a.b", 2);
	put("a", 0);
	put("Zed", 1);
	put("sub/inner", 4);
	assert_int_equal(mkdirat(root, "empty", 0700), 0);
	assert_int_equal(symlinkat("/tmp", root, "out"), 0);
	ring_open(&r, 8, 16, 0);
	rc_inproc_client(&r)->root_fd = root;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ring_close(&r);
	close(root);
	return 0;
}

static int32_t open_dir(const char *name, uint32_t access, uint32_t flags)
{
	char *path = rc_alloc(&r, strlen(name));

	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(&r), path, (uint32_t)strlen(name), access, flags, 0600);
	return run_one(&r, NULL);
}

static int32_t readdir_at(int32_t h, void *buf, uint32_t len, uint64_t index)
{
	rc_prep_readdir(rc_get_sqe(&r), (uint32_t)h, buf, len, 0, index);
	return run_one(&r, NULL);
}

/* Check the n entries packed in buf against want[first..]: names, types,
 * sizes, reclen, the NUL and the zero padding. */
static void check_entries(const uint8_t *buf, int32_t n, unsigned first)
{
	const uint8_t *p = buf;

	for (int32_t i = 0; i < n; i++) {
		struct rc_dirent d;
		const char *name = want[first + (unsigned)i].name;

		memcpy(&d, p, sizeof(d));
		assert_int_equal(d.name_len, strlen(name));
		assert_memory_equal(p + sizeof(d), name, d.name_len);
		assert_int_equal(d.reclen, RC_DIRENT_LEN(d.name_len));
		assert_int_equal(d.reclen % 8, 0);
		for (uint32_t k = sizeof(d) + d.name_len; k < d.reclen; k++)
			assert_int_equal(p[k], 0); /* the NUL and the padding */
		assert_int_equal(d.type, want[first + (unsigned)i].type);
		assert_int_equal(d.size, want[first + (unsigned)i].size);
		assert_int_equal(d.rsvd, 0);
		p += d.reclen;
	}
}

/* The whole root in one call, sorted; a subdirectory; an empty one. */
static void entries_come_sorted_with_types_and_sizes(void **state)
{
	uint8_t *buf = rc_alloc(&r, 4096);
	int32_t h;

	(void)state;
	memset(buf, 0xa5, 4096);
	h = open_dir(".", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	assert_int_equal(readdir_at(h, buf, 4096, 0), NWANT);
	check_entries(buf, NWANT, 0);
	assert_int_equal(readdir_at(h, buf, 4096, NWANT), 0); /* the end */
	assert_int_equal(readdir_at(h, buf, 4096, 1000), 0);
	rc_prep_close(rc_get_sqe(&r), (uint32_t)h, 0);
	assert_int_equal(run_one(&r, NULL), 0);

	h = open_dir("sub", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	assert_int_equal(readdir_at(h, buf, 4096, 0), 1);
	assert_memory_equal(buf + 16, "inner", 6);
	h = open_dir("empty/", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	assert_int_equal(readdir_at(h, buf, 4096, 0), 0);
}

/* Pages of at most 48 bytes, each from the index after the last entry
 * the one before gave, list every entry once, in order. */
static void pages_by_index(void **state)
{
	uint8_t *buf = rc_alloc(&r, 64);
	int32_t h, n;
	uint64_t index = 0;
	unsigned calls = 0;

	(void)state;
	h = open_dir(".", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	/* 48 bytes: two short entries (24 each), or one of 32 */
	while ((n = readdir_at(h, buf, 48, index)) > 0) {
		assert_true(n <= 2);
		check_entries(buf, n, (unsigned)index);
		index += (uint64_t)n;
		calls++;
	}
	assert_int_equal(n, 0);
	assert_int_equal(index, NWANT);
	assert_int_equal(
		calls, 6); /* 2 2 2 1 1 2: link and long-name.txt, 56 bytes, do not fit together */
	/* From the middle: entry 7 alone fills 32 of 40 bytes */
	assert_int_equal(readdir_at(h, buf, 40, 7), 1);
	check_entries(buf, 1, 7);
}

/* A buffer that cannot hold the entry at index: -EINVAL, nothing written
 * past it; below the smallest entry the decode refuses it. */
static void too_small_a_buffer_is_einval(void **state)
{
	uint8_t *buf = rc_alloc(&r, 64);
	int32_t h;

	(void)state;
	h = open_dir(".", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	memset(buf, 0x5a, 64);
	assert_int_equal(readdir_at(h, buf, 24, 7), -RC_EINVAL); /* long-name.txt: 32 */
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(readdir_at(h, buf, 24, 6), 1); /* link fits */
	assert_int_equal(readdir_at(h, buf, 31, 7), -RC_EINVAL);
	assert_int_equal(readdir_at(h, buf, 32, 7), 1);
	assert_int_equal(readdir_at(h, buf, RC_DIRENT_LEN(1) - 1, 0), -RC_EINVAL);
	assert_int_equal(readdir_at(h, buf, 32, (uint64_t)INT64_MAX + 1), -RC_EINVAL);
}

/* OPEN's RC_OPEN_DIRECTORY takes only directories, only for reading;
 * READDIR takes only a directory's handle, with RC_RIGHT_READ. */
static void only_directories_are_listed(void **state)
{
	uint8_t *buf = rc_alloc(&r, 256);
	int32_t h;

	(void)state;
	assert_int_equal(open_dir("b.txt", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_ENOTDIR);
	assert_int_equal(open_dir("nosuch", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_ENOENT);
	assert_int_equal(open_dir("link", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_ENOTDIR);
	assert_int_equal(open_dir("sub", RC_ACCESS_RDWR, RC_OPEN_DIRECTORY), -RC_EINVAL);
	assert_int_equal(open_dir("sub", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY | RC_OPEN_CREATE),
			 -RC_EINVAL);
	h = open_dir("b.txt", RC_ACCESS_RDONLY, 0); /* a file's handle */
	assert_true(h > 0);
	assert_int_equal(readdir_at(h, buf, 256, 0), -RC_ENOTDIR);
	h = open_dir("b.txt", RC_ACCESS_WRONLY, 0); /* no RC_RIGHT_READ */
	assert_true(h > 0);
	assert_int_equal(readdir_at(h, buf, 256, 0), -RC_EBADF);
	assert_int_equal(readdir_at(0, buf, 256, 0), -RC_EBADF);
	h = open_dir("sub", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	rc_prep_read(rc_get_sqe(&r), (uint32_t)h, buf, 256, 0); /* not READ */
	assert_int_equal(run_one(&r, NULL), -RC_EISDIR);
	assert_int_equal(readdir_at(h, buf, 256, 0), 1);
}

/* Confined beneath the root exactly like OPEN: "..", an absolute path and
 * a symlink out are refused; a ".." that stays inside is not. */
static void paths_outside_the_root_are_refused(void **state)
{
	(void)state;
	assert_int_equal(open_dir("..", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_EXDEV);
	assert_int_equal(open_dir("sub/../..", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_EXDEV);
	assert_int_equal(open_dir("/tmp", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_EXDEV);
	assert_int_equal(open_dir("out", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_EXDEV);
	assert_true(open_dir("sub/..", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY) > 0);
}

/* The caller's policy holds for listings: a read-only caller may list;
 * a directory handle counts against max-handles; READDIR's buffer counts
 * against max-inflight as a READ's does; the allow-list covers it. */
static void the_policy_applies(void **state)
{
	struct host_policy *p = &rc_inproc_client(&r)->policy;
	uint8_t *buf = rc_alloc(&r, 4096);
	int32_t h;

	(void)state;
	p->read_only = true;
	h = open_dir("sub", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	assert_true(h > 0);
	p->max_handles = 1;
	assert_int_equal(open_dir("sub", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_EMFILE);
	p->max_inflight = 1024;
	assert_int_equal(readdir_at(h, buf, 4096, 0), -RC_EDQUOT);
	assert_int_equal(rc_inproc_client(&r)->inflight_bytes, 0); /* nothing counted */
	assert_int_equal(readdir_at(h, buf, 1024, 0), 1);
	assert_int_equal(rc_inproc_client(&r)->inflight_bytes, 0); /* given back */
	rce_ring_restrict(&rc_inproc_client(&r)->ring, RC_OPS_ALL & ~(1ull << RC_OP_READDIR));
	assert_int_equal(readdir_at(h, buf, 1024, 0), -RC_EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(entries_come_sorted_with_types_and_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pages_by_index, setup, teardown),
		cmocka_unit_test_setup_teardown(too_small_a_buffer_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(only_directories_are_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(paths_outside_the_root_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(the_policy_applies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
