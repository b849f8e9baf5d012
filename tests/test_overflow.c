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

/* One entry at a time (the engine's one-entry run) into a CQ that is
 * full, with no backlog yet: the CQE waits in the backlog (CQ_OVERFLOW),
 * nothing unreaped is overwritten, all come out in order. */
static void one_entry_on_a_full_cq_goes_to_the_backlog(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 8, 8, 8);
	for (int i = 0; i < 9; i++) {
		queue_nop(&r, i, 0, (uint64_t)i);
		assert_int_equal(rc_submit(&r), 1);
		assert_int_equal(!!(r.hdr->flags & RC_RING_CQ_OVERFLOW), i == 8);
	}
	assert_int_equal(r.hdr->cq_overflow, 1);
	for (uint64_t want = 0; want < 9; want++) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(&r, &cqe), 0); /* flushes as we reap */
		assert_int_equal(cqe->user_data, want);
		assert_int_equal(cqe->res, (int32_t)want);
		rc_cqe_seen(&r, cqe);
	}
	assert_false(r.hdr->flags & RC_RING_CQ_OVERFLOW);
	ring_close(&r);
}

/* Every backlog slot owned by a request in flight (two RECVs parked on an
 * empty channel, the backlog 2): one more entry alone is refused, as a
 * batch would be (the engine's one-entry run tests the same room), and
 * stays in the SQ, unread. */
static void one_entry_with_every_slot_in_flight_is_refused(void **state)
{
	struct rc_ring r;
	uint32_t h0, h1;

	(void)state;
	ring_open(&r, 8, 16, 2);
	make_channel(&r, &h0, &h1);
	char *buf = rc_alloc(&r, 128);
	for (int i = 0; i < 2; i++)
		rc_prep_channel_recv(rc_get_sqe(&r), h1, buf + 64 * i, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(&r), 2);
	uint32_t head = rc_load_acquire(&r.hdr->sq_head);
	queue_nop(&r, 7, 0, 7);
	assert_int_equal(rc_submit(&r), -RC_EBUSY);
	assert_int_equal(cqes_ready(&r), 0);
	assert_true(r.hdr->flags & RC_RING_BUSY);
	assert_int_equal(rc_load_acquire(&r.hdr->sq_head), head);
	(void)h0;
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_times_the_cq_without_reaping),
		cmocka_unit_test(full_backlog_refuses_and_keeps_sqes),
		cmocka_unit_test(one_entry_on_a_full_cq_goes_to_the_backlog),
		cmocka_unit_test(one_entry_with_every_slot_in_flight_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
