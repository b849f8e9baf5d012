/*
 * test_hostile.c - shared memory is hostile: a thread rewriting SQEs while
 * the engine reads them, impossible ring indices, random garbage.
 */
#define _GNU_SOURCE
#include "../lib/engine_internal.h" /* white-box: reads the engine's own fields */
#include "helpers.h"
#include <pthread.h>
#include "ringcall/atomic.h"

/* The rewriter and the engine take turns by handshake, so both make
 * progress however the threads are scheduled (even on one CPU): for each
 * round the test publishes, the rewriter first flips every entry
 * RW_FLIPS times and acknowledges, then either keeps flipping while the
 * engine reads (a race round) or leaves every entry at a known value
 * (a settled round, whose result is then known exactly). */
#define RW_FLIPS      4
#define RW_FREE_FLIPS 2000 /* a race round's flipping, bounded */

struct rewriter {
	struct rc_sqe *sqes;
	unsigned n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t round;	  /* published by the test (atomic: read unlocked too) */
	uint32_t settled; /* this round leaves every entry at valid (1) / invalid (2) */
	uint32_t acked;	  /* last round the rewriter has done its flips for */
	uint32_t stop;
	uint64_t flips; /* handshake flips done (under lock) */
};

/* Every entry's NOP result to valid 1 or invalid -5000, word by word, as
 * a hostile user would. */
static void rewrite_all(struct rewriter *w, bool valid)
{
	for (unsigned i = 0; i < w->n; i++)
		rc_store_relaxed((uint32_t *)&w->sqes[i].args.nop.res,
				 valid ? 1u : (uint32_t)-5000);
}

static void *rewrite(void *arg)
{
	struct rewriter *w = arg;
	uint32_t seen = 0, settled;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (rc_load_relaxed(&w->round) == seen && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		seen = rc_load_relaxed(&w->round);
		settled = w->settled;
		pthread_mutex_unlock(&w->lock);
		for (unsigned k = 0; k < RW_FLIPS; k++)
			rewrite_all(w, k & 1);
		if (settled)
			rewrite_all(w, settled == 1);
		pthread_mutex_lock(&w->lock);
		w->flips += RW_FLIPS;
		w->acked = seen;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		/* A race round: flip while the engine reads, until the next. */
		for (unsigned k = 0;
		     !settled && k < RW_FREE_FLIPS && rc_load_acquire(&w->round) == seen; k++)
			rewrite_all(w, k & 1);
	}
}

/* Start round `round` and wait until the rewriter has flipped for it. */
static void rewriter_round(struct rewriter *w, uint32_t round, uint32_t settled)
{
	pthread_mutex_lock(&w->lock);
	w->settled = settled;
	rc_store_release(&w->round, round);
	pthread_cond_broadcast(&w->cond);
	while (w->acked != round)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* The engine reads each SQE once: whatever it validated is what runs. A
 * reader that checked the field and then read it again would now and
 * then run res = -5000. The engine's copy is atomic loads racing with the
 * rewriter's atomic stores: under TSan, a plain copy would be reported.
 * Every fourth round is settled, alternately valid and invalid, and must
 * give exactly that result; the other rounds race. */
static void sqe_rewritten_during_read_runs_what_was_checked(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;
	struct rewriter w = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	pthread_t th;
	unsigned ok = 0, rejected = 0;
	uint64_t flips_before;

	(void)state;
	ring_open(&r, 64, 64, 0);
	e = rc_inproc_engine(&r);
	for (unsigned i = 0; i < 64; i++) /* written once, before the race starts */
		rc_prep_nop(&r.sqes[i], 1);
	w.sqes = r.sqes;
	w.n = 64;
	assert_int_equal(pthread_create(&th, NULL, rewrite, &w), 0);
	for (uint32_t round = 1; round <= 1000; round++) {
		uint32_t settled = round % 4 ? 0 : 1 + round / 4 % 2;

		pthread_mutex_lock(&w.lock);
		flips_before = w.flips;
		pthread_mutex_unlock(&w.lock);
		rewriter_round(&w, round, settled);
		pthread_mutex_lock(&w.lock);
		assert_true(w.flips >= flips_before + RW_FLIPS); /* it did make progress */
		pthread_mutex_unlock(&w.lock);
		rc_store_release(&r.hdr->sq_tail, round * 64);
		assert_int_equal(rce_ring_run(e, 64), 64);
		for (unsigned i = 0; i < 64; i++) {
			int32_t res = reap_one(&r, NULL);

			assert_true(res == 1 || res == -RC_EINVAL);
			if (settled)
				assert_int_equal(res, settled == 1 ? 1 : -RC_EINVAL);
			res == 1 ? ok++ : rejected++;
		}
	}
	pthread_mutex_lock(&w.lock);
	rc_store_release(&w.stop, 1);
	rc_store_release(&w.round, 0);
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(th, NULL);
	assert_int_equal(ok + rejected, 1000 * 64);
	assert_true(ok >= 125 * 64 && rejected >= 125 * 64); /* the settled rounds */
	ring_close(&r);
}

/* A tail more than a ring ahead of the head (or behind it) is impossible:
 * the engine takes nothing, keeps its head, counts the refusal, and goes on
 * once the user repairs the tail. */
static void impossible_sq_tail_is_refused(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;

	(void)state;
	ring_open(&r, 8, 16, 0);
	e = rc_inproc_engine(&r);
	rc_prep_nop(rc_get_sqe(&r), 1);
	assert_int_equal(run_one(&r, NULL), 1); /* head 1 */
	rc_store_release(&r.hdr->sq_tail, 1000);
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 0);
	assert_int_equal(r.hdr->sq_dropped, 1);
	assert_false(rce_ring_has_work(e));   /* a server would sleep, not spin */
	rc_store_release(&r.hdr->sq_tail, 0); /* behind the head */
	assert_int_equal(rce_ring_run(e, UINT32_MAX), 0);
	assert_int_equal(r.hdr->sq_dropped, 2);
	assert_int_equal(r.hdr->sq_head, 1);
	assert_int_equal(rc_cq_ready(&r), 0); /* nothing ran, nothing ran twice */
	rc_store_release(&r.hdr->sq_tail, 1); /* repaired */
	rc_prep_nop(rc_get_sqe(&r), 5);
	assert_int_equal(run_one(&r, NULL), 5);
	ring_close(&r);
}

/* A CQ head the engine cannot believe: it writes no CQE (that could
 * overwrite unread ones) but keeps them in order in the backlog. */
static void impossible_cq_head_overwrites_nothing(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;

	(void)state;
	ring_open(&r, 8, 8, 8);
	e = rc_inproc_engine(&r);
	for (int i = 0; i < 8; i++) /* fill the CQ: the engine must re-read the head */
		rc_prep_nop(rc_get_sqe(&r), i);
	assert_int_equal(rc_submit(&r), 8);
	rc_store_release(&r.hdr->cq_head, r.cq_head + 12); /* past the tail */
	for (int i = 0; i < 8; i++)
		rc_prep_nop(rc_get_sqe(&r), 10 + i);
	assert_int_equal(rc_submit(&r), 8);
	assert_int_equal(e->backlog_count, 8);
	assert_int_equal(r.hdr->cq_tail, 8);
	assert_true(r.hdr->flags & RC_RING_CQ_OVERFLOW);
	rc_prep_nop(rc_get_sqe(&r), 99);
	assert_int_equal(rc_submit(&r), -RC_EBUSY);   /* backlog full: stays in the SQ */
	rc_store_release(&r.hdr->cq_head, r.cq_head); /* the user repairs it */
	for (int i = 0; i < 17; i++) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
		assert_int_equal(cqe->res, i < 8 ? i : i < 16 ? 10 + i - 8 : 99);
		rc_cqe_seen(&r, cqe);
	}
	ring_close(&r);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random bytes everywhere the user can write; the engine must stay in
 * bounds (ASan watches) and keep its own accounts straight. */
static void random_garbage_never_breaks_the_engine(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	ring_open(&r, 16, 32, 64);
	e = rc_inproc_engine(&r);
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t *words = (uint64_t *)r.sqes;

		for (unsigned i = 0; i < 16 * 8; i++)
			words[i] = xorshift(&seed) &
				   (xorshift(&seed) & 1 ? 0xff00ff00ff00ffffull : ~0ull);
		for (unsigned i = 0; i < 16; i++)
			if (xorshift(&seed) & 1)
				r.sqes[i].opcode %= RC_OP_COUNT + 2;
		r.hdr->sq_tail = (uint32_t)xorshift(&seed) % 40 + e->sq_head;
		r.hdr->cq_head = (uint32_t)xorshift(&seed);
		if (xorshift(&seed) % 4)
			r.hdr->cq_head = e->cq_tail - (uint32_t)(xorshift(&seed) % 40);
		(void)rce_ring_run(e, UINT32_MAX);
		assert_true(e->inflight + e->backlog_count <= e->cap);
		assert_true(e->cq_tail - e->pub_cq_tail == 0);
	}
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqe_rewritten_during_read_runs_what_was_checked),
		cmocka_unit_test(impossible_sq_tail_is_refused),
		cmocka_unit_test(impossible_cq_head_overwrites_nothing),
		cmocka_unit_test(random_garbage_never_breaks_the_engine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
