/*
 * test_flags.c - LINK, DRAIN and SKIP_SUCCESS, synchronous and with
 * requests that complete later (TIMEOUT).
 */
#include "helpers.h"

static void queue_timeout(struct rc_ring *r, uint64_t ns, uint32_t count, uint8_t flags,
			  uint64_t ud)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	rc_prep_timeout(sqe, ns, count, 0);
	rc_sqe_set_flags(sqe, flags);
	rc_sqe_set_data(sqe, ud);
}

static void link_runs_the_chain_when_all_succeed(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_LINK, 1);
	queue_nop(&r, 2, RC_SQE_LINK, 2);
	queue_nop(&r, 3, 0, 3);
	queue_nop(&r, 4, 0, 4);
	expect(&r, 4, (uint64_t[]){ 1, 2, 3, 4 }, (int32_t[]){ 1, 2, 3, 4 });
	ring_close(&r);
}

static void link_failure_cancels_the_rest_of_the_chain(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_LINK, 1);
	queue_nop(&r, -RC_EIO, RC_SQE_LINK, 2);
	queue_nop(&r, 3, RC_SQE_LINK, 3);
	queue_nop(&r, 4, 0, 4); /* last member of the failed chain */
	queue_nop(&r, 5, 0, 5); /* a new chain: runs */
	expect(&r, 5, (uint64_t[]){ 1, 2, 3, 4, 5 },
	       (int32_t[]){ 1, -RC_EIO, -RC_ECANCELED, -RC_ECANCELED, 5 });
	ring_close(&r);
}

static void invalid_entry_breaks_its_chain(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;

	(void)state;
	ring_open(&r, 16, 32, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 0);
	sqe->rsvd1 = 1;
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	rc_sqe_set_data(sqe, 1);
	queue_nop(&r, 2, 0, 2);
	expect(&r, 2, (uint64_t[]){ 1, 2 }, (int32_t[]){ -RC_EINVAL, -RC_ECANCELED });
	ring_close(&r);
}

/* A chain member that DRAIN holds while the member before it is pending:
 * that member fails, so the held one is cancelled, not run; the entry after
 * the chain runs. (Fails if a held member is started without asking
 * whether its chain failed meanwhile: it ran and returned 2.) */
static void drain_held_member_of_a_failed_chain_is_cancelled(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 1000000, 0, RC_SQE_LINK, 1);	 /* 1 ms: -ETIME, a failure */
	queue_nop(&r, 2, RC_SQE_DRAIN | RC_SQE_LINK, 2); /* held; LINK: the chain goes on */
	queue_nop(&r, 3, 0, 3);				 /* read after it: cancelled too */
	queue_nop(&r, 4, 0, 4);				 /* not in the chain: runs */
	expect(&r, 4, (uint64_t[]){ 1, 2, 3, 4 },
	       (int32_t[]){ -RC_ETIME, -RC_ECANCELED, -RC_ECANCELED, 4 });
	queue_timeout(&r, 1000000, 0, RC_SQE_LINK, 5); /* again, the held one ends it */
	queue_nop(&r, 6, RC_SQE_DRAIN, 6);
	queue_nop(&r, 7, 0, 7);
	expect(&r, 3, (uint64_t[]){ 5, 6, 7 }, (int32_t[]){ -RC_ETIME, -RC_ECANCELED, 7 });
	ring_close(&r);
}

/* A chain whose head completes later: members wait, then run in order. */
static void link_waits_for_a_pending_member(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 0, 1, RC_SQE_LINK, 1); /* completes (0) after 1 other CQE */
	queue_nop(&r, 2, RC_SQE_LINK, 2);
	queue_nop(&r, 3, 0, 3);
	queue_nop(&r, 4, 0, 4); /* not in the chain: runs first */
	expect(&r, 4, (uint64_t[]){ 4, 1, 2, 3 }, (int32_t[]){ 4, 0, 2, 3 });
	ring_close(&r);
}

/* A chain whose pending head fails: the held members are cancelled, and
 * so are members read from the SQ after that. */
static void link_failure_after_pending_member(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 1000000, 0, RC_SQE_LINK, 1); /* 1 ms: -ETIME, a failure */
	queue_nop(&r, 2, RC_SQE_LINK, 2);
	assert_int_equal(rc_submit(&r), 2);
	assert_int_equal(rc_submit_and_wait(&r, 2), 0);
	queue_nop(&r, 3, 0, 3); /* read after the failure, still in the chain */
	queue_nop(&r, 4, 0, 4);
	expect(&r, 4, (uint64_t[]){ 1, 2, 3, 4 },
	       (int32_t[]){ -RC_ETIME, -RC_ECANCELED, -RC_ECANCELED, 4 });
	ring_close(&r);
}

/* A LINK entry that parks as the last one read of its chain and completes
 * (here fails) before the rest of its chain is read: the rest, read
 * later, is cancelled, and what follows the chain runs. (Fails if the
 * completion does not end the chain at the SQ: rce_finish's quick path
 * without its chain_tail test leaves the entries after it held behind a
 * freed request, with no CQE.) */
static void link_chain_end_completes_before_the_rest_is_read(void **state)
{
	struct rc_ring r;
	uint64_t ud;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 1000000, 0, RC_SQE_LINK, 1); /* 1 ms: -ETIME, a failure */
	assert_int_equal(rc_submit_and_wait(&r, 1), 1);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 1);
	queue_nop(&r, 2, 0, 2); /* read after the failure, still in the chain */
	queue_nop(&r, 3, 0, 3);
	assert_int_equal(rc_submit(&r), 2);
	assert_int_equal(cqes_ready(&r), 2); /* both answered at once, none held */
	expect(&r, 2, (uint64_t[]){ 2, 3 }, (int32_t[]){ -RC_ECANCELED, 3 });
	ring_close(&r);
}

static void drain_waits_for_everything_before(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 2000000, 0, 0, 1); /* in flight for 2 ms */
	queue_nop(&r, 2, RC_SQE_DRAIN, 2);
	queue_nop(&r, 3, 0, 3); /* after the drain: waits too */
	expect(&r, 3, (uint64_t[]){ 1, 2, 3 }, (int32_t[]){ -RC_ETIME, 2, 3 });
	ring_close(&r);
}

static void drain_with_nothing_in_flight_runs_at_once(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, 0, 1);
	queue_nop(&r, 2, RC_SQE_DRAIN, 2);
	expect(&r, 2, (uint64_t[]){ 1, 2 }, (int32_t[]){ 1, 2 });
	ring_close(&r);
}

/* A DRAIN entry in the middle of a batch ends the engine's chunk; the
 * entries behind it are still taken by the same submit, and one call
 * waits for all of them (it once gave -EDEADLK: nothing was parked, and
 * the run stopped at the drain). */
static void drain_mid_batch_does_not_stop_the_submit(void **state)
{
	struct rc_ring r;
	struct rc_cqe *cqe;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, 0, 1);
	queue_nop(&r, 2, RC_SQE_DRAIN, 2);
	queue_nop(&r, 3, 0, 3);
	queue_nop(&r, 4, RC_SQE_DRAIN, 4);
	queue_nop(&r, 5, 0, 5);
	assert_int_equal(rc_submit_and_wait(&r, 5), 5);
	assert_int_equal(cqes_ready(&r), 5);
	for (uint64_t ud = 1; ud <= 5; ud++) {
		assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
		assert_int_equal(cqe->user_data, ud);
		assert_int_equal(cqe->res, (int32_t)ud);
		rc_cqe_seen(&r, cqe);
	}
	ring_close(&r);
}

/* A held DRAIN (a RECV parked before it, not a TIMEOUT) stops SQ reading
 * for later submits too: a NOP alone in the next one is not taken (the
 * engine's quiet runs, which take a lone entry at once, must not run on a
 * ring with a DRAIN held: rce_loud_update). A NOP goes first in the
 * DRAIN's submit, so that its chunk did not begin with an entry missed
 * inline (that alone sends the next run the long way). The RECV's
 * message, sent by another caller, releases the DRAIN, then the NOP. */
static void held_drain_stops_a_later_lone_entry(void **state)
{
	struct rc_ring r, s;
	uint32_t h0, h1;
	int32_t to;

	(void)state;
	ring_open(&r, 16, 32, 0);
	ring_open(&s, 16, 32, 0);
	make_channel(&r, &h0, &h1);
	to = rce_channel_handle_move(ctx_of(&r), h0, ctx_of(&s));
	assert_true(to > 0);
	char *buf = rc_alloc(&r, 64);
	rc_prep_channel_recv(rc_get_sqe(&r), h1, buf, 64, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&r), 1);
	assert_int_equal(rc_submit(&r), 1); /* parked: the channel is empty */
	queue_nop(&r, 4, 0, 4);
	queue_nop(&r, 2, RC_SQE_DRAIN, 2);
	assert_int_equal(rc_submit(&r), 2); /* the NOP answered, the DRAIN held */
	uint32_t head = rc_load_acquire(&r.hdr->sq_head);
	expect(&r, 1, (uint64_t[]){ 4 }, (int32_t[]){ 4 });
	queue_nop(&r, 3, 0, 3);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(cqes_ready(&r), 0);
	assert_int_equal(rc_load_acquire(&r.hdr->sq_head), head); /* the NOP waits in the SQ */
	char *m = rc_alloc(&s, 8);
	memcpy(m, "go", 2);
	rc_prep_channel_send(rc_get_sqe(&s), (uint32_t)to, m, 2, 0, NULL, 0);
	assert_int_equal(run_one(&s, NULL), 2);
	run_engine(&r);
	expect(&r, 3, (uint64_t[]){ 1, 2, 3 }, (int32_t[]){ 2, 2, 3 });
	ring_close(&r);
	ring_close(&s);
}

static void skip_success_posts_only_failures(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_SKIP_SUCCESS, 1);
	queue_nop(&r, -RC_EIO, RC_SQE_SKIP_SUCCESS, 2);
	queue_nop(&r, 3, 0, 3);
	queue_nop(&r, 4, RC_SQE_SKIP_SUCCESS | RC_SQE_LINK, 4);
	queue_nop(&r, 5, 0, 5);
	expect(&r, 3, (uint64_t[]){ 2, 3, 5 }, (int32_t[]){ -RC_EIO, 3, 5 });
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_runs_the_chain_when_all_succeed),
		cmocka_unit_test(link_failure_cancels_the_rest_of_the_chain),
		cmocka_unit_test(invalid_entry_breaks_its_chain),
		cmocka_unit_test(link_waits_for_a_pending_member),
		cmocka_unit_test(link_failure_after_pending_member),
		cmocka_unit_test(link_chain_end_completes_before_the_rest_is_read),
		cmocka_unit_test(drain_waits_for_everything_before),
		cmocka_unit_test(drain_with_nothing_in_flight_runs_at_once),
		cmocka_unit_test(drain_held_member_of_a_failed_chain_is_cancelled),
		cmocka_unit_test(drain_mid_batch_does_not_stop_the_submit),
		cmocka_unit_test(held_drain_stops_a_later_lone_entry),
		cmocka_unit_test(skip_success_posts_only_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
