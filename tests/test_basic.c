/*
 * test_basic.c - a ring in one process: NOP, PROBE, the table, ring
 * arithmetic across the 2^32 wrap.
 */
#include "helpers.h"

static void nop_completes_with_its_value(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 7);
	rc_sqe_set_data(sqe, 0xabcdef);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, -RC_EIO);
	rc_sqe_set_data(sqe, 2);
	assert_int_equal(rc_submit_and_wait(&r, 2), 2);
	assert_int_equal(reap_one(&r, &ud), 7);
	assert_int_equal(ud, 0xabcdef);
	assert_int_equal(reap_one(&r, &ud), -RC_EIO);
	assert_int_equal(ud, 2);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nop_completes_with_its_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
