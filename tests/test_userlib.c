/*
 * test_userlib.c - the user library as a new user meets it, in process:
 * error names, submit after a refusal, waits that cannot hang, zero-length
 * buffers, explanations of each rejection, the buffer allocator, files
 * beneath an in-process root.
 */
#include "helpers.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A forged res of INT32_MIN has no name (and negating it was undefined:
 * the UBSan build stops on it). */
static void err_name_of_any_res_is_defined(void **state)
{
	(void)state;
	assert_null(rc_err_name(INT32_MIN));
	assert_null(rc_err_name(INT32_MIN + 1));
	assert_null(rc_err_name(-4096));
	assert_null(rc_err_name(0));
	assert_null(rc_err_name(INT32_MAX));
	assert_string_equal(rc_err_name(-RC_EINVAL), "EINVAL");
	assert_string_equal(rc_err_name(-RC_ECANCELED), "ECANCELED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_name_of_any_res_is_defined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
