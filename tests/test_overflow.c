/*
 * test_overflow.c - no completion is lost: a full CQ spills into an
 * ordered backlog; a full backlog refuses new work, leaving it in the SQ.
 */
#include "helpers.h"

/* Submit 10x the CQ size without reaping: every SQE yields exactly one
 * CQE, in submission order. */
static void ten_times_the_cq_without_reaping(void **state)
{
	struct rc_ring r;
	const uint32_t cq = 16, total = 10 * cq;
	uint64_t next = 0;

	(void)state;
	ring_open(&r, 16, cq, 10 * cq);
	for (uint32_t sent = 0; sent < total; sent += 16) {
		for (int i = 0; i < 16; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&r);

			assert_non_null(sqe);
			rc_prep_nop(sqe, (int32_t)(sent + i));
			rc_sqe_set_data(sqe, sent + i);
		}
		assert_int_equal(rc_submit(&r), 16);
		assert_int_equal(rc_submit_and_wait(&r, 1), 0);
	}
	assert_true(r.hdr->flags & RC_RING_CQ_OVERFLOW);
	assert_int_equal(r.hdr->cq_overflow, total - cq);
	while (next < total) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(&r, &cqe), 0); /* flushes as we reap */
		assert_int_equal(cqe->user_data, next);
		assert_int_equal(cqe->res, (int32_t)next);
		rc_cqe_seen(&r, cqe);
		next++;
	}
	assert_int_equal(rc_submit_and_wait(&r, 0), 0);
	assert_false(r.hdr->flags & RC_RING_CQ_OVERFLOW);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

/* With the backlog full, new SQEs stay in the SQ and the engine says
 * -EBUSY; reaping lets them through, still in order. */
static void full_backlog_refuses_and_keeps_sqes(void **state)
{
	struct rc_ring r;
	uint64_t want = 0;

	(void)state;
	ring_open(&r, 8, 8, 8);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&r);

			assert_non_null(sqe);
			rc_prep_nop(sqe, 0);
			rc_sqe_set_data(sqe, (uint64_t)(round * 8 + i));
		}
		assert_int_equal(rc_submit(&r), round < 2 ? 8 : -RC_EBUSY);
	}
	/* 8 in the CQ, 8 in the backlog, 8 still in the SQ. */
	assert_int_equal(rc_cq_ready(&r), 8);
	assert_int_equal(r.hdr->sq_head, 16);
	assert_null(rc_get_sqe(&r));
	while (want < 24) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
		assert_int_equal(cqe->user_data, want++);
		rc_cqe_seen(&r, cqe);
	}
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_times_the_cq_without_reaping),
		cmocka_unit_test(full_backlog_refuses_and_keeps_sqes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
