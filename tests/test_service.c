/*
 * test_service.c - the user library's service helpers (service.h): the
 * provided-buffer pool given back in runs, and channels found by name.
 * In-process rings, one thread.
 */
#include "helpers.h"
#include "ringcall/service.h"
#include <unistd.h>

#define BUF_LEN 64u

/* The PROVIDE_BUFFERS at SQ index i: it gives first..first+n-1 of p. */
static void expect_provide(struct rc_ring *r, uint32_t i, const struct rc_pbuf_pool *p,
			   uint32_t first, uint32_t n)
{
	const struct rc_sqe *sqe = &r->sqes[i & r->sq_mask];

	assert_int_equal(sqe->opcode, RC_OP_PROVIDE_BUFFERS);
	assert_int_equal(sqe->flags, RC_SQE_SKIP_SUCCESS);
	assert_int_equal(sqe->user_data, 77);
	assert_ptr_equal((void *)(uintptr_t)sqe->args.provide_buffers.addr, rc_pbuf(p, first));
	assert_int_equal(sqe->args.provide_buffers.len, n * BUF_LEN);
	assert_int_equal(sqe->args.provide_buffers.buf_len, BUF_LEN);
	assert_int_equal(sqe->args.provide_buffers.group, 3);
	assert_int_equal(sqe->args.provide_buffers.bid, first);
}

/* A new pool goes out whole in one entry; then the buffers marked go
 * back one entry per run of consecutive ids, in the order marked. */
static void give_back_in_runs(void **state)
{
	struct rc_ring r;
	struct rc_pbuf_pool p;
	uint32_t back[8];
	static const uint32_t used[] = { 0, 1, 2, 5, 6, 3, 9 /* not the pool's */ };

	(void)state;
	ring_open(&r, 16, 32, 0);
	rc_pbuf_pool_init(&p, rc_alloc(&r, 8 * BUF_LEN), BUF_LEN, 8, 3, back);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 0, &p, 0, 8);
	assert_int_equal(p.nback, 0);
	for (uint32_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		rc_pbuf_done(&p, used[i]);
	assert_int_equal(p.nback, 3); /* runs: 0-2, 5-6, 3 */
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 3);
	expect_provide(&r, 1, &p, 0, 3);
	expect_provide(&r, 2, &p, 5, 2);
	expect_provide(&r, 3, &p, 3, 1);
	assert_int_equal(p.nback, 0);
	/* The engine takes them: 8 buffers, then 3 + 2 + 1 (no CQEs: SKIP_SUCCESS). */
	assert_int_equal(rc_submit(&r), 4);
	run_engine(&r);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

/* A full SQ: what did not fit stays marked, at the front, for next time. */
static void give_back_with_a_full_sq(void **state)
{
	struct rc_ring r;
	struct rc_pbuf_pool p;
	uint32_t back[8];

	(void)state;
	ring_open(&r, 2, 4, 0);
	rc_pbuf_pool_init(&p, rc_alloc(&r, 8 * BUF_LEN), BUF_LEN, 8, 3, NULL);
	assert_int_equal(p.nback, 0); /* no back: nothing marked, ever */
	rc_pbuf_done(&p, 1);
	assert_int_equal(p.nback, 0);
	p.back = back;
	rc_pbuf_done(&p, 0);
	rc_pbuf_done(&p, 2);
	rc_pbuf_done(&p, 4);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), -RC_EBUSY);
	expect_provide(&r, 0, &p, 0, 1);
	expect_provide(&r, 1, &p, 2, 1);
	assert_int_equal(p.nback, 1);
	assert_int_equal(back[0], 4);
	submit_all(&r);
	run_engine(&r);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 2, &p, 4, 1);
	ring_close(&r);
}

/* Ids marked in order, as the engine hands them out, make one run however
 * many there are (rc_pbuf_done's inline case: no call, no entry per id);
 * a run never passes the pool's last buffer (an id equal to count is not
 * the pool's); after a give-back no run is left to extend, not even by the
 * id that would have extended the last one. */
static void done_in_order_extends_one_run(void **state)
{
	struct rc_ring r;
	struct rc_pbuf_pool p;
	uint32_t back[8];

	(void)state;
	ring_open(&r, 16, 32, 0);
	rc_pbuf_pool_init(&p, rc_alloc(&r, 8 * BUF_LEN), BUF_LEN, 8, 3, back);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	for (uint32_t i = 2; i < 6; i++)
		rc_pbuf_done(&p, i);
	assert_int_equal(p.nback, 1);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 1, &p, 2, 4);
	assert_int_equal(p.nback, 0);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 0);
	rc_pbuf_done(&p, 6); /* where the last run ended: a run of its own */
	rc_pbuf_done(&p, 7);
	rc_pbuf_done(&p, 8); /* just past the pool: not extended into */
	assert_int_equal(p.nback, 1);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 2, &p, 6, 2);
	rc_pbuf_done(&p, 0);
	rc_pbuf_done(&p, 1);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 3, &p, 0, 2);
	assert_int_equal(rc_submit(&r), 4);
	run_engine(&r);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

/* A give-back cut short by a full SQ keeps the last run extendable: an id
 * marked after it joins it, and goes back with it. back holds at most
 * count runs: an id that would start one more is dropped. */
static void run_kept_by_a_full_sq_still_grows(void **state)
{
	struct rc_ring r;
	struct rc_pbuf_pool p;
	struct rc_cqe *cqe;
	uint32_t back[4];
	static const uint32_t used[] = { 0, 2, 1, 3 };


	(void)state;
	ring_open(&r, 2, 4, 0);
	rc_pbuf_pool_init(&p, rc_alloc(&r, 4 * BUF_LEN), BUF_LEN, 4, 3, back);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	submit_all(&r);
	run_engine(&r);
	for (uint32_t i = 0; i < 4; i++)
		rc_pbuf_done(&p, used[i]); /* 0; 2; 1; 3: four runs */
	rc_pbuf_done(&p, 0);		   /* a fifth: no room, dropped */
	assert_int_equal(p.nback, 4);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), -RC_EBUSY);
	expect_provide(&r, 1, &p, 0, 1);
	expect_provide(&r, 2, &p, 2, 1);
	assert_int_equal(p.nback, 2);
	submit_all(&r);
	run_engine(&r);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 2);
	expect_provide(&r, 3, &p, 1, 1);
	expect_provide(&r, 4, &p, 3, 1);
	submit_all(&r);
	run_engine(&r);

	/* 3; 0-1 marked, one SQ slot free: 3 goes, 0-1 stays and grows. */
	rc_pbuf_done(&p, 3);
	rc_pbuf_done(&p, 0);
	rc_pbuf_done(&p, 1);
	assert_int_equal(p.nback, 2);
	cqe = NULL;
	rc_prep_nop(rc_get_sqe(&r), 0); /* SQ index 5 */
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), -RC_EBUSY);
	expect_provide(&r, 6, &p, 3, 1);
	assert_int_equal(p.nback, 1);
	rc_pbuf_done(&p, 2); /* joins the kept run: 0-2 */
	assert_int_equal(p.nback, 1);
	submit_all(&r);
	run_engine(&r);
	assert_int_equal(rc_peek_cqe(&r, &cqe), 0); /* the NOP's */
	assert_int_equal(cqe->res, 0);
	rc_cqe_seen(&r, cqe);
	assert_int_equal(rc_pbuf_give_back(&r, &p, RC_SQE_SKIP_SUCCESS, 77), 1);
	expect_provide(&r, 7, &p, 0, 3);
	submit_all(&r);
	run_engine(&r);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

/* name copied into the ring's shared data (where the engine reads it). */
static char *shared_name(struct rc_ring *r, const char *fmt, unsigned uid)
{
	char name[64];
	int n = snprintf(name, sizeof(name), fmt, uid);
	char *s = rc_alloc(r, (size_t)n);

	memcpy(s, name, (size_t)n);
	return s;
}

/* listen publishes a new channel; connect reaches it: the connection
 * arrives on the handle listen returned as 0 bytes and 1 handle. */
static void listen_and_connect(void **state)
{
	struct rc_ring a, b;
	struct rc_channel_pair *pair;
	struct rc_channel_info *info;
	char *name, *name_b, *buf;
	int32_t arrivals, conn;
	uint32_t len;

	(void)state;
	ring_open(&a, 16, 32, 0);
	ring_open(&b, 16, 32, 0);
	pair = rc_alloc(&a, sizeof(*pair));
	info = rc_alloc(&a, sizeof(*info));
	buf = rc_alloc(&a, 16);
	name = shared_name(&a, "%u/svc-test", (unsigned)getuid());
	len = (uint32_t)strlen("/svc-test") + (uint32_t)snprintf(NULL, 0, "%u", (unsigned)getuid());
	arrivals = rc_channel_listen(&a, name, len, pair);
	assert_true(arrivals > 0);
	assert_int_equal(arrivals, (int32_t)pair->end[1]);
	name_b = shared_name(&b, "%u/svc-test", (unsigned)getuid());
	conn = rc_channel_connect_wait(&b, name_b, len);
	assert_true(conn > 0);
	rc_prep_channel_recv(rc_get_sqe(&a), (uint32_t)arrivals, buf, 16, sizeof(*info), info, 0);
	assert_int_equal(rc_submit_wait_res(&a), 0);
	assert_int_equal(info->nhandles, 1);
	/* The name is taken: a second listen fails and leaves nothing open. */
	assert_int_equal(rc_channel_listen(&a, name, len, pair), -RC_EEXIST);
	assert_int_equal(rc_channel_publish_wait(&a, pair->end[0], name, len), -RC_EBADF);
	assert_int_equal(rc_channel_connect_wait(&b, name_b, 0), -RC_EINVAL);
	ring_close(&b);
	ring_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(give_back_in_runs),
		cmocka_unit_test(give_back_with_a_full_sq),
		cmocka_unit_test(done_in_order_extends_one_run),
		cmocka_unit_test(run_kept_by_a_full_sq_still_grows),
		cmocka_unit_test(listen_and_connect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
