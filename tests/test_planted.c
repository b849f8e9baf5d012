/*
 * test_planted.c - one behavioural test for each bug that `make mutants`
 * plants and the suite once missed (scripts/mutants.sh names them): a
 * restriction skipped for SQEs with flags, ring memory taken for a user
 * buffer, a recursive chain cancel, an engine that believes the user's SQ
 * head, and decode or invoke reading the shared SQE instead of the
 * engine's private copy.
 */
#include "helpers.h"
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include "host.h"
#include "ringcall/atomic.h"

static void queue(struct rc_ring *r, struct rc_sqe *sqe, uint8_t flags, uint64_t ud)
{
	(void)r;
	rc_sqe_set_flags(sqe, flags);
	rc_sqe_set_data(sqe, ud);
}

/* CANCEL of nothing: -ENOENT if it runs, -EACCES if refused. */
static void queue_cancel(struct rc_ring *r, uint8_t flags, uint64_t ud)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	assert_non_null(sqe);
	rc_prep_cancel(sqe, 0xdead, 0);
	queue(r, sqe, flags, ud);
}

/* (a) An allow-list holds whatever flags an SQE carries and wherever it
 * sits in a chain: the check is not on the fast path only. */
static void restriction_holds_for_sqes_with_flags(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	rc_prep_restrict_ops(rc_get_sqe(&r), (1u << RC_OP_NOP) | (1u << RC_OP_RESTRICT));
	assert_int_equal(run_one(&r, NULL), 0);
	queue_cancel(&r, 0, 1); /* the fast path, for reference */
	expect(&r, 1, (uint64_t[]){ 1 }, (int32_t[]){ -RC_EACCES });
	queue_cancel(&r, RC_SQE_LINK, 2);
	queue_nop(&r, 5, 0, 3);
	expect(&r, 2, (uint64_t[]){ 2, 3 }, (int32_t[]){ -RC_EACCES, -RC_ECANCELED });
	queue_cancel(&r, RC_SQE_DRAIN, 4);
	expect(&r, 1, (uint64_t[]){ 4 }, (int32_t[]){ -RC_EACCES });
	queue_cancel(&r, RC_SQE_SKIP_SUCCESS, 5);
	expect(&r, 1, (uint64_t[]){ 5 }, (int32_t[]){ -RC_EACCES });
	queue_nop(&r, 6, RC_SQE_LINK, 6);
	queue_cancel(&r, 0, 7); /* no flags of its own, but inside a chain */
	expect(&r, 2, (uint64_t[]){ 6, 7 }, (int32_t[]){ 6, -RC_EACCES });
	ring_close(&r);
}

/* (b) The ring itself (header, SQ, CQ) lives in the shared region but is
 * no user buffer: a READ or PROBE into it would overwrite the ring's own
 * indices, a write from it would leak them. Only the data area is. */
static void ring_memory_is_not_a_user_buffer(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint8_t *ring_parts[4];
	uint8_t *data;
	struct rc_ring_hdr before;

	(void)state;
	ring_open(&r, 16, 32, 0);
	ring_parts[0] = (uint8_t *)r.hdr;
	ring_parts[1] = (uint8_t *)&r.hdr->sq_tail;
	ring_parts[2] = (uint8_t *)r.sqes;
	ring_parts[3] = (uint8_t *)&r.cqes[r.cq_entries] - RC_PROBE_SIZE; /* the CQ's end */
	for (int i = 0; i < 4; i++) {
		before = *r.hdr;
		sqe = rc_get_sqe(&r);
		rc_prep_probe(sqe, ring_parts[i], RC_PROBE_SIZE);
		assert_int_equal(run_one(&r, sqe), -RC_EFAULT);
		assert_int_equal(r.hdr->magic, before.magic);
		assert_int_equal(r.hdr->sq_entries, before.sq_entries);
		sqe = rc_get_sqe(&r);
		rc_prep_console_write(sqe, ring_parts[i], 16);
		assert_int_equal(run_one(&r, sqe), -RC_EFAULT);
	}
	data = rc_alloc(&r, RC_PROBE_SIZE); /* the data area: accepted */
	assert_non_null(data);
	sqe = rc_get_sqe(&r);
	rc_prep_probe(sqe, data, RC_PROBE_SIZE);
	assert_true(run_one(&r, sqe) > 0);
	ring_close(&r);
}

/* (c) Cancelling a held chain of 100 000 members is a loop, not a
 * recursion: it runs on a 64 KiB thread stack. */
#define LONG_CHAIN 100000u

static void *long_chain_cancel(void *arg)
{
	struct rc_ring r;
	struct rc_params p = { .sq_entries = 4096, .cq_entries = 8192, .backlog_entries = 131072 };
	struct rc_sqe *sqe;
	uint32_t cancelled = 0, seen = 0;
	int *ok = arg;

	if (rc_inproc_init(&r, &p))
		return NULL;
	sqe = rc_get_sqe(&r); /* the chain's head parks: everything behind it is held */
	rc_prep_timeout(sqe, 60000000000ull, 0, 0);
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	rc_sqe_set_data(sqe, 1);
	for (uint32_t i = 0; i < LONG_CHAIN; i++) {
		sqe = rc_get_sqe(&r);
		if (!sqe) {
			if (rc_submit(&r) < 0)
				return NULL;
			sqe = rc_get_sqe(&r);
		}
		rc_prep_nop(sqe, 0);
		rc_sqe_set_flags(sqe, i + 1 < LONG_CHAIN ? RC_SQE_LINK : 0);
		rc_sqe_set_data(sqe, 2);
	}
	if (rc_submit(&r) < 0 || rce_ring_inflight(rc_inproc_engine(&r)) != LONG_CHAIN + 1)
		return NULL;
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 1, 0);
	rc_sqe_set_data(sqe, 3);
	if (rc_submit(&r) != 1)
		return NULL;
	while (seen < LONG_CHAIN + 2) {
		struct rc_cqe *cqe;

		if (rc_wait_cqe(&r, &cqe))
			return NULL;
		if (cqe->res == -RC_ECANCELED)
			cancelled++;
		else if (cqe->user_data != 3 || cqe->res != 1)
			return NULL;
		rc_cqe_seen(&r, cqe);
		seen++;
	}
	*ok = cancelled == LONG_CHAIN + 1 && cqes_ready(&r) == 0;
	rc_inproc_exit(&r);
	return NULL;
}

static void long_chain_cancel_on_a_small_stack(void **state)
{
	pthread_attr_t attr;
	pthread_t th;
	int ok = 0;

	(void)state;
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 64u << 10), 0);
	assert_int_equal(pthread_create(&th, &attr, long_chain_cancel, &ok), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	assert_true(ok);
}

/* A chain held behind a parked member runs when that member succeeds;
 * a failure further along (any negative res) still cancels the rest. */
static void failure_inside_a_released_chain_cancels_the_rest(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;

	(void)state;
	ring_open(&r, 16, 32, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, 0, 1, 0); /* parks until 1 other completion */
	queue(&r, sqe, RC_SQE_LINK, 1);
	queue_nop(&r, 2, RC_SQE_LINK, 2);
	queue_nop(&r, -RC_EIO, RC_SQE_LINK, 3);
	queue_nop(&r, 4, RC_SQE_LINK, 4);
	queue_nop(&r, 5, 0, 5);
	queue_nop(&r, 6, 0, 6); /* outside the chain: completes, releases it */
	expect(&r, 6, (uint64_t[]){ 6, 1, 2, 3, 4, 5 },
	       (int32_t[]){ 6, 0, 2, -RC_EIO, -RC_ECANCELED, -RC_ECANCELED });
	ring_close(&r);
}

/* A worker stopped before it looked at its inbox still frees the clients
 * handed to it (a client connected and gone just before the stop leaked
 * its region and engine state: seen as a LeakSanitizer report when the
 * worker happened to see the stop first). Made certain here: the worker
 * is asleep, told to stop, then handed a client. */
static void stopped_worker_frees_clients_it_never_adopted(void **state)
{
	struct host_worker w;
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring r;

	(void)state;
	assert_int_equal(host_worker_start(&w), 0);
	while (__atomic_load_n(&w.sleeps, __ATOMIC_RELAXED) == 0) /* no clients: it sleeps */
		sched_yield();
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(host_local_connect(&r, &w, &p, -1), 0); /* wakes it: it stops */
	host_worker_stop(&w);
	assert_int_equal(msync(r.hdr, 4096, MS_ASYNC), -1); /* the region is gone */
	free(r.backend_data); /* what rc_disconnect would free (its client is gone) */
}

/* (d) The SQ head the user sees is the engine's output, never its input:
 * rewound or pushed ahead, the engine neither runs an SQE twice nor skips
 * one, and republishes its own head. Once on a quiet ring (the engine's
 * quick run), once with a far TIMEOUT parked first (its full run). */
static void rewritten_sq_head_run(bool parked)
{
	uint32_t off = parked;
	struct rc_ring r;

	ring_open(&r, 8, 16, 0);
	if (parked) {
		struct rc_sqe *sqe = rc_get_sqe(&r);

		rc_prep_timeout(sqe, 3600000000000ull, 0, 0);
		rc_sqe_set_data(sqe, 99);
	}
	for (int i = 1; i <= 4; i++)
		queue_nop(&r, i, 0, (uint64_t)i);
	expect(&r, 4, (uint64_t[]){ 1, 2, 3, 4 }, (int32_t[]){ 1, 2, 3, 4 });
	rc_store_release(&r.hdr->sq_head, 0); /* rewound: 1..4 would run again */
	queue_nop(&r, 5, 0, 5);
	expect(&r, 1, (uint64_t[]){ 5 }, (int32_t[]){ 5 });
	assert_int_equal(rc_load_acquire(&r.hdr->sq_head), 5 + off);
	rc_store_release(&r.hdr->sq_head, 7 + off); /* ahead: 6 would be skipped */
	queue_nop(&r, 6, 0, 6);
	queue_nop(&r, 7, 0, 7);
	expect(&r, 2, (uint64_t[]){ 6, 7 }, (int32_t[]){ 6, 7 });
	assert_int_equal(rc_load_acquire(&r.hdr->sq_head), 7 + off);
	ring_close(&r);
}

static void rewritten_sq_head_is_not_believed(void **state)
{
	(void)state;
	rewritten_sq_head_run(false);
	rewritten_sq_head_run(true);
}

/* A tail exactly one ring ahead of the head is possible (a full SQ); one
 * more is not: nothing is taken (no slot is read twice), the refusal is
 * counted, and the repaired tail works. */
static void sq_tail_one_past_full_is_refused(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;

	(void)state;
	ring_open(&r, 8, 16, 0);
	e = rc_inproc_engine(&r);
	for (int i = 0; i < 8; i++)
		rc_prep_nop(&r.sqes[i], i);
	rc_store_release(&r.hdr->sq_tail, 9);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 0);
	assert_int_equal(r.hdr->sq_dropped, 1);
	assert_int_equal(r.hdr->sq_head, 0);
	assert_int_equal(cqes_ready(&r), 0);
	rc_store_release(&r.hdr->sq_tail, 8);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(reap_one(&r, NULL), i);
	ring_close(&r);
}

/* One run takes at most its budget of SQEs (the bound on one ring's work
 * per pass that keeps a server fair); the rest wait for the next run. */
static void run_takes_at_most_its_budget(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;

	(void)state;
	ring_open(&r, 32, 64, 0);
	e = rc_inproc_engine(&r);
	for (int i = 0; i < 20; i++)
		rc_prep_nop(&r.sqes[i], i);
	rc_store_release(&r.hdr->sq_tail, 20);
	assert_int_equal(rce_ring_run(e, 3), 3);
	assert_int_equal(r.hdr->sq_head, 3);
	assert_int_equal(cqes_ready(&r), 3);
	assert_int_equal(rce_ring_run(e, 17), 17);
	assert_int_equal(r.hdr->sq_head, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(reap_one(&r, NULL), i);
	ring_close(&r);
}

/* (h) What is checked is what runs, deterministically: a handler rewrites
 * the shared slot of its own SQE (legal: the engine has read it and
 * published its head past it before running it) into other valid values,
 * then looks at its call's SQE. The engine must decode, invoke and post
 * from its own copy, so the handler sees the user_data that was
 * submitted, and the CQEs carry the user_data and results that were
 * checked. */
static struct {
	struct rc_ring *r;
	uint32_t calls;
	uint32_t len[4];
	uint64_t ud[4];
} seen;

static int32_t rewriting_console_write(struct rce_call *c, const struct rce_args_console_write *a)
{
	struct rc_ring *r = seen.r;
	uint32_t me = seen.calls++;
	struct rc_sqe *mine = &r->sqes[me]; /* entries 0 and 1 of the batch */

	assert_int_equal(rc_load_acquire(&r->hdr->sq_head) % 8, me + 1); /* past mine */
	rc_store_relaxed(&mine->args.console_write.len, 9);
	rc_store_relaxed64(&mine->user_data, 99);
	seen.len[me] = a->buf.len;
	seen.ud[me] = c->sqe->user_data;
	return (int32_t)a->buf.len;
}

static void handler_sees_what_was_checked(void **state)
{
	struct rc_ring r;
	struct rce_handlers ops = host_handlers;
	struct host_client *c;
	struct rc_sqe *sqe;
	char *buf;

	(void)state;
	ring_open(&r, 8, 16, 0);
	c = rc_inproc_client(&r);
	ops.console_write = rewriting_console_write;
	c->ctx.ops = &ops;
	seen.r = &r;
	seen.calls = 0;
	buf = rc_alloc(&r, 16);
	assert_non_null(buf);
	for (int flags = 0; flags < 2; flags++) {    /* the fast path, then with flags */
		uint8_t f = flags ? RC_SQE_LINK : 0; /* (DRAIN would end the batch) */

		seen.calls = 0;
		assert_int_equal(r.sqe_tail % 8, 0); /* the batch starts at slot 0 */
		sqe = rc_get_sqe(&r);
		rc_prep_console_write(sqe, buf, 3);
		queue(&r, sqe, 0, 1);
		sqe = rc_get_sqe(&r);
		rc_prep_console_write(sqe, buf, 5);
		queue(&r, sqe, f, 2);
		queue_nop(&r, 7, 0, 3);
		for (int i = 0; i < 5; i++) /* fill the ring: the next batch is at slot 0 */
			queue_nop(&r, 0, 0, 4);
		expect(&r, 8, (uint64_t[]){ 1, 2, 3, 4, 4, 4, 4, 4 },
		       (int32_t[]){ 3, 5, 7, 0, 0, 0, 0, 0 });
		assert_int_equal(seen.calls, 2);
		assert_int_equal(seen.len[0], 3);
		assert_int_equal(seen.ud[0], 1);
		assert_int_equal(seen.len[1], 5);
		assert_int_equal(seen.ud[1], 2);
	}
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restriction_holds_for_sqes_with_flags),
		cmocka_unit_test(ring_memory_is_not_a_user_buffer),
		cmocka_unit_test(long_chain_cancel_on_a_small_stack),
		cmocka_unit_test(rewritten_sq_head_is_not_believed),
		cmocka_unit_test(failure_inside_a_released_chain_cancels_the_rest),
		cmocka_unit_test(stopped_worker_frees_clients_it_never_adopted),
		cmocka_unit_test(handler_sees_what_was_checked),
		cmocka_unit_test(sq_tail_one_past_full_is_refused),
		cmocka_unit_test(run_takes_at_most_its_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
