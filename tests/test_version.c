/*
 * test_version.c - the library version: what the header says is what the
 * library reports, and it is not the ABI version's business.
 */
#include "helpers.h"

static void version_string_matches_the_header(void **state)
{
	char want[32];

	(void)state;
	snprintf(want, sizeof(want), "%d.%d.%d", RC_VERSION_MAJOR, RC_VERSION_MINOR,
		 RC_VERSION_PATCH);
	assert_string_equal(rc_version(), want);
	assert_string_equal(RC_VERSION_STRING, want);
}

static void version_number_orders_releases(void **state)
{
	(void)state;
	assert_int_equal(rc_version_number(), RC_VERSION_NUMBER);
	assert_int_equal(RC_VERSION_NUMBER >> 16, RC_VERSION_MAJOR);
	assert_int_equal(RC_VERSION_NUMBER >> 8 & 0xff, RC_VERSION_MINOR);
	assert_int_equal(RC_VERSION_NUMBER & 0xff, RC_VERSION_PATCH);
	assert_int_equal(RC_ABI_VERSION, 4); /* apart: ABIs 2 to 4 came with no library release */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_string_matches_the_header),
		cmocka_unit_test(version_number_orders_releases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
