/*
 * test_errors.c - one error vocabulary: every result a platform returns
 * is an RC_E* value that rc_err_name names; the hosted server maps Linux
 * errnos onto it in one place (host_err).
 */
#include "helpers.h"
#include "host.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each name of the vocabulary names its own value, and only it. */
static void every_rc_error_has_its_name(void **state)
{
	(void)state;
#define CHECK_NAME(name) assert_string_equal(rc_err_name(-RC_##name), #name);
	RC_ERRORS(CHECK_NAME)
#undef CHECK_NAME
	assert_string_equal(rc_err_name(-RC_EINTR), "EINTR");
	assert_null(rc_err_name(0));
	assert_null(rc_err_name(-4096));
}

/* Whatever Linux error a hosted handler meets, its result has a name: a
 * name of the vocabulary maps to itself, anything else to -RC_EIO. */
static void every_linux_errno_maps_to_a_named_result(void **state)
{
	(void)state;
	for (int e = 1; e < 4096; e++) {
		int32_t res = host_err(e);

		assert_true(res < 0);
		assert_non_null(rc_err_name(res));
		if (rc_err_name(-e))
			assert_int_equal(res, -e);
		else
			assert_int_equal(res, -RC_EIO);
	}
}

static int32_t open_path(struct rc_ring *r, const char *name, uint32_t access, uint32_t flags)
{
	struct rc_sqe *sqe = rc_get_sqe(r);
	char *path = rc_alloc(r, strlen(name));

	memcpy(path, name, strlen(name));
	rc_prep_open(sqe, path, (uint32_t)strlen(name), access, flags, 0600);
	return run_one(r, sqe);
}

/* The hosted handlers' errors from Linux, end to end: each is the
 * expected RC_E* value, and rc_err_name names it (before host_err,
 * -EISDIR and -ENOTDIR came back raw and had no name). */
static void hosted_handler_errors_are_named(void **state)
{
	static const struct {
		const char *path;
		uint32_t access, flags;
		int32_t want;
	} cases[] = {
		{ "dir", RC_ACCESS_RDWR, 0, -RC_EISDIR },
		{ "file/x", RC_ACCESS_RDONLY, 0, -RC_ENOTDIR },
		{ "missing", RC_ACCESS_RDONLY, 0, -RC_ENOENT },
		{ "file", RC_ACCESS_RDONLY, RC_OPEN_CREATE | RC_OPEN_EXCL, -RC_EEXIST },
		{ "../escape", RC_ACCESS_RDONLY, 0, -RC_EXDEV },
	};
	struct rc_ring r;
	char dir[600];
	int root, fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/errors", temp_dir());
	assert_int_equal(mkdir(dir, 0700), 0);
	root = open(dir, O_PATH | O_DIRECTORY);
	assert_true(root >= 0);
	assert_int_equal(mkdirat(root, "dir", 0700), 0);
	fd = openat(root, "file", O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	ring_open(&r, 8, 16, 0);
	rc_inproc_client(&r)->root_fd = root;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t res = open_path(&r, cases[i].path, cases[i].access, cases[i].flags);

		assert_int_equal(res, cases[i].want);
		assert_non_null(rc_err_name(res));
	}
	ring_close(&r);
	close(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_rc_error_has_its_name),
		cmocka_unit_test(every_linux_errno_maps_to_a_named_result),
		cmocka_unit_test(hosted_handler_errors_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
