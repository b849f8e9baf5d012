/*
 * test_timeout.c - TIMEOUT by time and by count, CANCEL by user_data.
 */
#include "helpers.h"
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void timeout_expires_after_its_time(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t t0 = now_ns(), ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, 20000000, 0, 0); /* 20 ms */
	rc_sqe_set_data(sqe, 9);
	assert_int_equal(rc_submit_and_wait(&r, 1), 1);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 9);
	assert_true(now_ns() - t0 >= 20000000);
	ring_close(&r);
}

static void timeout_absolute(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t deadline = now_ns() + 5000000;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, deadline, 0, RC_TIMEOUT_ABS);
	assert_int_equal(run_one(&r, sqe), -RC_ETIME);
	assert_true(now_ns() >= deadline);
	ring_close(&r);
}

static void timeout_completes_after_n_completions(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, 10000000000ull, 3, 0); /* 10 s or 3 completions */
	rc_sqe_set_data(sqe, 100);
	for (int i = 0; i < 3; i++) {
		sqe = rc_get_sqe(&r);
		rc_prep_nop(sqe, i);
		rc_sqe_set_data(sqe, (uint64_t)i);
	}
	assert_int_equal(rc_submit_and_wait(&r, 4), 4);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(reap_one(&r, &ud), i);
		assert_int_equal(ud, (uint64_t)i);
	}
	assert_int_equal(reap_one(&r, &ud), 0); /* by count, not by time */
	assert_int_equal(ud, 100);
	ring_close(&r);
}

static void cancel_by_user_data(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;
	uint64_t t0 = now_ns();

	(void)state;
	ring_open(&r, 8, 16, 0);
	for (int i = 0; i < 3; i++) {
		sqe = rc_get_sqe(&r);
		rc_prep_timeout(sqe, 5000000000ull, 0, 0);
		rc_sqe_set_data(sqe, i == 2 ? 77 : 55);
	}
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 55, 0); /* the first match only */
	rc_sqe_set_data(sqe, 1);
	assert_int_equal(rc_submit_and_wait(&r, 2), 4);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 55);
	assert_int_equal(reap_one(&r, &ud), 1);
	assert_int_equal(ud, 1);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 77, RC_CANCEL_ALL);
	rc_sqe_set_data(sqe, 2);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 55, RC_CANCEL_ALL);
	rc_sqe_set_data(sqe, 3);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 12345, 0);
	rc_sqe_set_data(sqe, 4);
	assert_int_equal(rc_submit_and_wait(&r, 5), 3);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 77);
	assert_int_equal(reap_one(&r, &ud), 1);
	assert_int_equal(ud, 2);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 55);
	assert_int_equal(reap_one(&r, &ud), 1);
	assert_int_equal(ud, 3);
	assert_int_equal(reap_one(&r, &ud), -RC_ENOENT);
	assert_int_equal(ud, 4);
	assert_true(now_ns() - t0 < 4000000000ull); /* nothing waited its 5 s */
	ring_close(&r);
}

/* Waiting for a completion that nothing in flight can produce is an
 * error, not a hang. */
static void waiting_for_nothing_is_an_error(void **state)
{
	struct rc_ring r;
	struct rc_cqe *cqe;

	(void)state;
	ring_open(&r, 8, 16, 0);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeout_expires_after_its_time),
		cmocka_unit_test(timeout_absolute),
		cmocka_unit_test(timeout_completes_after_n_completions),
		cmocka_unit_test(cancel_by_user_data),
		cmocka_unit_test(waiting_for_nothing_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
