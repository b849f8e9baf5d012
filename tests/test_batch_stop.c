/*
 * test_batch_stop.c - a handler can end the batch (rce_call_stop_batch):
 * the engine stops after its entry, inside the chunk, and the entries
 * after it stay in the SQ untaken (the SQ head does not cover them) until
 * a later run takes them. The kernel's EXIT works this way; here a test
 * platform's EXIT handler does the same over the hosted engine.
 */
#include "helpers.h"
#include "host.h"
#include "ringcall/atomic.h"

static unsigned exits;

static int32_t stopping_exit(struct rce_call *c, const struct rce_args_exit *a)
{
	exits++;
	rce_call_stop_batch(c);
	return (int32_t)a->status;
}

/* Like the hosted handlers, plus an EXIT that ends the batch. */
static struct rce_handlers stop_ops;

static struct rce_ring *open_stopping(struct rc_ring *r, enum rc_mode mode)
{
	struct rc_params p = { .sq_entries = 64, .cq_entries = 128, .mode = mode };
	struct rce_ring *e;

	assert_int_equal(rc_inproc_init(r, &p), 0);
	e = rc_inproc_engine(r);
	stop_ops = host_handlers;
	stop_ops.exit = stopping_exit;
	rc_inproc_client(r)->ctx.ops = &stop_ops;
	exits = 0;
	return e;
}

/* Publish what is prepared without running the engine: each entry's seq,
 * then the tail (as rc_submit does before it rings). */
static void publish(struct rc_ring *r)
{
	for (uint32_t i = r->sqe_head; i != r->sqe_tail; i++)
		rc_store_release(&r->sqes[i & r->sq_mask].seq, i + 1);
	r->sqe_head = r->sqe_tail;
	rc_store_release(&r->hdr->sq_tail, r->sqe_tail);
}

/* n NOPs with results base, base + 1, ..., and an EXIT at index at. */
static void prep_batch(struct rc_ring *r, unsigned n, unsigned at, int32_t base)
{
	for (unsigned i = 0; i < n; i++) {
		struct rc_sqe *s = rc_get_sqe(r);

		if (i == at)
			rc_prep_exit(s, 77);
		else
			rc_prep_nop(s, base + (int32_t)i);
		rc_sqe_set_data(s, i);
	}
	publish(r);
}

/* The engine took exactly the entries [0, taken): their CQEs in order, the
 * head published right after them, the rest still waiting. */
static void expect_taken(struct rc_ring *r, struct rce_ring *e, unsigned taken, unsigned first,
			 unsigned at, int32_t base)
{
	for (unsigned i = first; i < taken; i++) {
		uint64_t ud;
		int32_t res = reap_one(r, &ud);

		assert_int_equal(ud, i);
		assert_int_equal(res, i == at ? 77 : base + (int32_t)i);
	}
	assert_int_equal(cqes_ready(r), 0);
	assert_int_equal(rc_load_acquire(&r->hdr->sq_head), taken);
	(void)e;
}

static void stop_leaves_the_rest_untaken(enum rc_mode mode, unsigned n, unsigned at)
{
	struct rc_ring r;
	struct rce_ring *e = open_stopping(&r, mode);

	assert_int_equal(!!(r.hdr->setup_flags & RC_SETUP_POLL), mode == RC_MODE_POLL);
	prep_batch(&r, n, at, 100);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), at + 1);
	assert_int_equal(exits, 1);
	expect_taken(&r, e, at + 1, 0, at, 100);
	assert_true(rce_ring_has_work(e)); /* the rest is there, published */
	/* A later run takes the rest, all of it. */
	assert_int_equal(rce_ring_run(e, UINT32_MAX), n - at - 1);
	expect_taken(&r, e, n, at + 1, at, 100);
	assert_false(rce_ring_has_work(e));
	ring_close(&r);
}

/* A polling engine finds entries by their seq words alone, never by the
 * tail (a doorbell engine's word): one published by seq with the tail
 * left behind is taken; one counted by the tail with no seq is not. So a
 * polled ring never takes the quiet runs, which read the tail
 * (rce_loud_update: a polled ring is never quiet). */
static void polled_ring_reads_seq_not_tail(void **state)
{
	struct rc_ring r;
	struct rce_ring *e = open_stopping(&r, RC_MODE_POLL);
	uint32_t tail = rc_load_acquire(&r.hdr->sq_tail);

	(void)state;
	rc_prep_nop(rc_get_sqe(&r), 5);
	rc_sqe_set_data(last_sqe(&r), 0);
	rc_store_release(&r.sqes[r.sqe_head & r.sq_mask].seq, r.sqe_head + 1);
	r.sqe_head = r.sqe_tail; /* the tail stays where it was */
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 1);
	expect_taken(&r, e, 1, 0, 99, 5);
	/* The next slot counted by the tail, its seq not written. */
	rc_prep_nop(rc_get_sqe(&r), 6);
	r.sqe_head = r.sqe_tail;
	rc_store_release(&r.hdr->sq_tail, tail + 2);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 0);
	assert_int_equal(cqes_ready(&r), 0);
	assert_int_equal(rc_load_acquire(&r.hdr->sq_head), 1);
	ring_close(&r);
}

/* EXIT inside the first chunk (of 16), in the middle. */
static void exit_mid_chunk_doorbell(void **state)
{
	(void)state;
	stop_leaves_the_rest_untaken(RC_MODE_DOORBELL, 12, 5);
}

/* EXIT in a later chunk: the chunks before it ran whole. */
static void exit_in_second_chunk_doorbell(void **state)
{
	(void)state;
	stop_leaves_the_rest_untaken(RC_MODE_DOORBELL, 40, 20);
}

/* A polling engine, which finds entries by their seq words. */
static void exit_mid_chunk_poll(void **state)
{
	(void)state;
	stop_leaves_the_rest_untaken(RC_MODE_POLL, 30, 3);
}

/* EXIT first: nothing after it, not even in the same chunk, is taken. */
static void exit_first(void **state)
{
	(void)state;
	stop_leaves_the_rest_untaken(RC_MODE_DOORBELL, 8, 0);
}

/* EXIT last: the run ends normally. */
static void exit_last(void **state)
{
	struct rc_ring r;
	struct rce_ring *e = open_stopping(&r, RC_MODE_DOORBELL);

	(void)state;
	prep_batch(&r, 8, 7, 1);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 8);
	expect_taken(&r, e, 8, 0, 7, 1);
	assert_false(rce_ring_has_work(e));
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_mid_chunk_doorbell),
		cmocka_unit_test(exit_in_second_chunk_doorbell),
		cmocka_unit_test(exit_mid_chunk_poll),
		cmocka_unit_test(exit_first),
		cmocka_unit_test(exit_last),
		cmocka_unit_test(polled_ring_reads_seq_not_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
