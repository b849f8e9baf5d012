/*
 * test_timeout.c - TIMEOUT by time and by count, CANCEL by user_data.
 */
#define _GNU_SOURCE
#include "../lib/engine_internal.h" /* white-box: reads the engine's own fields */
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

/* The take loop reads each entry straight into the pool's first request,
 * and a request that parks keeps that copy (rce_req_alloc copies only an
 * entry read elsewhere): a TIMEOUT right after a NOP, which the inline
 * loop read into its own copy, must still complete with its own
 * user_data, not that of the request's previous use. */
static void parked_request_keeps_its_own_sqe(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, 1000000, 0, 0);
	rc_sqe_set_data(sqe, 5); /* the pool's first request held this entry */
	assert_int_equal(rc_submit_and_wait(&r, 1), 1);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 5);
	for (int i = 0; i < 2; i++) {
		sqe = rc_get_sqe(&r);
		rc_prep_nop(sqe, 11 + i);
		rc_sqe_set_data(sqe, 1 + (uint64_t)i);
		sqe = rc_get_sqe(&r);
		rc_prep_timeout(sqe, 1000000, 0, 0);
		rc_sqe_set_data(sqe, 7 + (uint64_t)i);
	}
	assert_int_equal(rc_submit_and_wait(&r, 4), 4);
	assert_int_equal(reap_one(&r, &ud), 11);
	assert_int_equal(ud, 1);
	assert_int_equal(reap_one(&r, &ud), 12);
	assert_int_equal(ud, 2);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 7);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 8);
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

/* ---- order, bounds and corner cases (issue 8 items 3, 4 and 15) ---- */

/* Run the engine once without taking SQEs (as a timer would). */
static void run_timers(struct rc_ring *r)
{
	assert_true(rce_ring_run(rc_inproc_engine(r), 0) >= 0);
}

/* Sleep until the engine clock reads at least t. */
static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000u),
			       .tv_nsec = (long)(t % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

/* Queue an absolute TIMEOUT, submitting first if the SQ is full. */
static void queue_timeout(struct rc_ring *r, uint64_t deadline, uint32_t count, uint64_t ud)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	if (!sqe) {
		submit_all(r);
		sqe = rc_get_sqe(r);
	}
	rc_prep_timeout(sqe, deadline, count, deadline ? RC_TIMEOUT_ABS : 0);
	rc_sqe_set_data(sqe, ud);
}

/* Twenty TIMEOUTs with one deadline complete in submission order. */
static void same_deadline_completes_in_submission_order(void **state)
{
	struct rc_ring r;
	uint64_t ud, deadline = now_ns() + 5000000;

	(void)state;
	ring_open(&r, 32, 64, 0);
	for (uint64_t i = 0; i < 20; i++)
		queue_timeout(&r, deadline, 0, i);
	assert_int_equal(rc_submit_and_wait(&r, 20), 20);
	for (uint64_t i = 0; i < 20; i++) {
		assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
		assert_int_equal(ud, i);
	}
	ring_close(&r);
}

/* Deadlines armed in random order (many equal, some cancelled in the
 * middle of the heap) come back sorted by deadline, equal ones in
 * submission order. One submission: nothing can fire before the CANCELs
 * are taken (a run fires only before it takes). */
static void random_deadlines_come_back_sorted(void **state)
{
	enum {
		N = 500,
		STEP = 13
	};
	static uint64_t when[N];
	static bool cancelled[N];
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud, base = now_ns() + 20000000, last_when = 0, last_ud = 0;
	uint32_t seed = 12345, left = N;

	(void)state;
	ring_open(&r, 1024, 2048, 0);
	for (uint64_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		when[i] = base + (seed >> 16) % 40 * 250000; /* 40 distinct instants */
		queue_timeout(&r, when[i], 0, i);
	}
	for (uint64_t i = 7; i < N; i += STEP) {
		sqe = rc_get_sqe(&r);
		rc_prep_cancel(sqe, i, 0);
		rc_sqe_set_data(sqe, 1000000 + i);
		cancelled[i] = true;
	}
	submit_all(&r);
	for (uint64_t i = 7; i < N; i += STEP) {
		assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
		assert_int_equal(ud, i);
		assert_int_equal(reap_one(&r, &ud), 1);
		assert_int_equal(ud, 1000000 + i);
		left--;
	}
	sleep_until(base + 40 * 250000);
	while (left) {
		run_timers(&r);
		while (cqes_ready(&r)) {
			assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
			assert_true(ud < N && !cancelled[ud]);
			assert_true(when[ud] > last_when ||
				    (when[ud] == last_when && ud > last_ud));
			last_when = when[ud];
			last_ud = ud;
			left--;
		}
	}
	ring_close(&r);
}

/* Count TIMEOUTs fire in target order, equal targets in submission order;
 * each one's own CQE counts toward the others. */
static void count_timeouts_fire_in_target_order(void **state)
{
	static const uint32_t count[] = { 3, 1, 5, 1, 2, 4 };
	static const uint64_t order[] = { 99, 1, 3, 4, 0, 5, 2 };
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 16, 32, 0);
	for (uint64_t i = 0; i < 6; i++)
		queue_timeout(&r, 0, count[i], i);
	submit_all(&r);
	assert_int_equal(cqes_ready(&r), 0);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 0);
	rc_sqe_set_data(sqe, 99);
	submit_all(&r);
	for (int i = 0; i < 7; i++) {
		while (!cqes_ready(&r))
			run_timers(&r);
		assert_int_equal(reap_one(&r, &ud), 0);
		assert_int_equal(ud, order[i]);
	}
	ring_close(&r);
}

/* 40 000 TIMEOUTs due at one instant (behind 2 048 far ones): each engine
 * run fires at most RCE_TIMEOUT_BUDGET of them, says that more are due,
 * and they come back in submission order. */
static void due_cascade_is_bounded_per_run(void **state)
{
	enum {
		DUE = 40000,
		FAR = 2048
	};
	struct rc_ring r;
	struct rce_ring *e;
	uint64_t ud, deadline = now_ns() + 300000000, next = 0;
	uint32_t runs = 0;

	(void)state;
	ring_open(&r, 4096, 8192, 65536);
	e = rc_inproc_engine(&r);
	for (uint64_t i = 0; i < DUE; i++)
		queue_timeout(&r, deadline, 0, i);
	for (uint64_t i = 0; i < FAR; i++)
		queue_timeout(&r, deadline + 3600000000000ull, 0, DUE + i);
	submit_all(&r);
	sleep_until(deadline);
	while (next < DUE) {
		uint32_t before = rce_ring_cq_tail(e) + e->backlog_count, fired;

		assert_true(rce_ring_next_deadline(e) <= now_ns());
		assert_true(rce_ring_has_work(e));
		run_timers(&r);
		runs++;
		fired = rce_ring_cq_tail(e) + e->backlog_count - before;
		assert_true(fired >= 1 && fired <= RCE_TIMEOUT_BUDGET);
		while (cqes_ready(&r)) {
			assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
			assert_int_equal(ud, next);
			next++;
		}
	}
	assert_true(runs >= DUE / RCE_TIMEOUT_BUDGET / 2); /* a few may fire while submitting */
	assert_int_equal(rce_ring_inflight(e), FAR);
	assert_false(rce_ring_next_deadline(e) <= now_ns());
	ring_close(&r); /* the far ones are forgotten with the ring */
}

/* Count TIMEOUTs that one completion makes due are bounded per run too:
 * one NOP reaches 1 000 targets; the rest wait, reported as due now. */
static void count_cascade_is_bounded_per_run(void **state)
{
	enum {
		N = 1000
	};
	struct rc_ring r;
	struct rce_ring *e;
	struct rc_sqe *sqe;
	uint64_t ud, next = 0;

	(void)state;
	ring_open(&r, 1024, 2048, 2048);
	e = rc_inproc_engine(&r);
	for (uint64_t i = 0; i < N; i++)
		queue_timeout(&r, 0, 1, i);
	submit_all(&r);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 0);
	rc_sqe_set_data(sqe, N);
	submit_all(&r); /* that run takes the NOP: its CQE reaches every target */
	assert_int_equal(reap_one(&r, &ud), 0);
	assert_int_equal(ud, N);
	while (next < N) {
		uint32_t got = cqes_ready(&r);

		assert_true(got <= RCE_TIMEOUT_BUDGET);
		assert_true(got == RCE_TIMEOUT_BUDGET || next + got == N);
		for (; got; got--, next++) {
			assert_int_equal(reap_one(&r, &ud), 0);
			assert_int_equal(ud, next);
		}
		if (next < N) {
			assert_int_equal(rce_ring_next_deadline(e), 0); /* due now */
			assert_true(rce_ring_has_work(e));
			run_timers(&r);
		}
	}
	assert_int_equal(rce_ring_next_deadline(e), UINT64_MAX);
	ring_close(&r);
}

/* A firing TIMEOUT's chain cancels a TIMEOUT due in the same firing and
 * arms a new one: each completes exactly once, nothing is restarted. */
static void firing_chain_cancels_and_arms(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 0, 1, 1); /* fires first: its chain runs */
	rc_sqe_set_flags(r.sqes + ((r.sqe_tail - 1) & (r.sq_entries - 1)), RC_SQE_LINK);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 2, 0);
	rc_sqe_set_data(sqe, 3);
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	queue_timeout(&r, 1, 0, 4); /* armed by the chain, due already */
	queue_timeout(&r, 0, 1, 2); /* due with 1, cancelled before its turn */
	submit_all(&r);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 0);
	rc_sqe_set_data(sqe, 5);
	submit_all(&r);
	run_timers(&r);
	assert_int_equal(cqes_ready(&r), 5);
	assert_int_equal(reap_one(&r, &ud), 0);
	assert_int_equal(ud, 5);
	assert_int_equal(reap_one(&r, &ud), 0);
	assert_int_equal(ud, 1);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 2);
	assert_int_equal(reap_one(&r, &ud), 1);
	assert_int_equal(ud, 3);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 4);
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(&r)), 0);
	ring_close(&r);
}

/* count 0 and ns 0: -ETIME at once, in the run that takes it; it never
 * parks. */
static void zero_timeout_completes_at_once(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_timeout(sqe, 0, 0, 0);
	rc_sqe_set_data(sqe, 42);
	submit_all(&r); /* no wait: the CQE must be there already */
	assert_int_equal(cqes_ready(&r), 1);
	assert_int_equal(reap_one(&r, &ud), -RC_ETIME);
	assert_int_equal(ud, 42);
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(&r)), 0);
	assert_int_equal(rce_ring_next_deadline(rc_inproc_engine(&r)), UINT64_MAX);
	ring_close(&r);
}

/* CQEs that SKIP_SUCCESS suppresses are not posted, so they do not count
 * toward a count TIMEOUT (docs/abi.md, SKIP_SUCCESS). */
static void skipped_cqes_do_not_count(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	queue_timeout(&r, 0, 2, 100);
	for (int i = 0; i < 3; i++) {
		sqe = rc_get_sqe(&r);
		rc_prep_nop(sqe, 0);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	}
	submit_all(&r);
	run_timers(&r);
	assert_int_equal(cqes_ready(&r), 0);
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(&r)), 1);
	for (int i = 0; i < 2; i++) {
		sqe = rc_get_sqe(&r);
		rc_prep_nop(sqe, 7);
		rc_sqe_set_data(sqe, (uint64_t)i);
	}
	submit_all(&r);
	assert_int_equal(reap_one(&r, &ud), 7);
	assert_int_equal(reap_one(&r, &ud), 7);
	assert_int_equal(reap_one(&r, &ud), 0);
	assert_int_equal(ud, 100);
	ring_close(&r);
}

/* ---- LINK_TIMEOUT ---- */

/* Queue an entry of opcode-specific prep: a TIMEOUT (deadline absolute,
 * or 0 for none; count) with LINK, then a LINK_TIMEOUT due at lt_at
 * (absolute: 1 is past already, so it fires on the next run). */
static void queue_bounded_timeout(struct rc_ring *r, uint64_t deadline, uint32_t count, uint64_t ud,
				  uint64_t lt_at, uint8_t lt_flags, uint64_t lt_ud)
{
	struct rc_sqe *sqe;

	queue_timeout(r, deadline, count, ud);
	rc_sqe_set_flags(r->sqes + ((r->sqe_tail - 1) & (r->sq_entries - 1)), RC_SQE_LINK);
	sqe = rc_get_sqe(r);
	rc_prep_link_timeout(sqe, lt_at, RC_TIMEOUT_ABS);
	rc_sqe_set_flags(sqe, lt_flags);
	rc_sqe_set_data(sqe, lt_ud);
}

/* The next CQE is (want_ud, want_res); a macro, so a failure names the
 * test's line. */
#define expect_cqe(r, want_ud, want_res)            \
	do {                                        \
		uint64_t ud_;                       \
		int32_t res_ = reap_one((r), &ud_); \
                                                    \
		assert_int_equal(ud_, (want_ud));   \
		assert_int_equal(res_, (want_res)); \
	} while (0)

/* Nothing left armed or in flight. */
static void assert_idle(struct rc_ring *r)
{
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(r)), 0);
	assert_int_equal(rce_ring_next_deadline(rc_inproc_engine(r)), UINT64_MAX);
	assert_int_equal(cqes_ready(r), 0);
}

/* The timer fires before the TIMEOUT it bounds (10 s, or a count never
 * reached): that is cancelled (-ECANCELED, its CQE first), the
 * LINK_TIMEOUT completes with -ETIME, and the chain behind it fails. */
static void link_timeout_fires_first(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_bounded_timeout(&r, now_ns() + 10000000000ull, 0, 1, 1, RC_SQE_LINK, 2);
	queue_nop(&r, 0, 0, 3);
	submit_all(&r);
	assert_int_equal(cqes_ready(&r), 0); /* armed, due on the next run */
	run_timers(&r);
	expect_cqe(&r, 1, -RC_ECANCELED);
	expect_cqe(&r, 2, -RC_ETIME);
	expect_cqe(&r, 3, -RC_ECANCELED);
	assert_idle(&r);
	/* relative, by a real clock: bounds a count TIMEOUT nothing reaches */
	queue_timeout(&r, 0, 1000, 4);
	rc_sqe_set_flags(r.sqes + ((r.sqe_tail - 1) & (r.sq_entries - 1)), RC_SQE_LINK);
	rc_prep_link_timeout(rc_get_sqe(&r), 2000000, 0); /* 2 ms */
	rc_sqe_set_data(last_sqe(&r), 5);
	uint64_t t0 = now_ns();
	assert_int_equal(rc_submit_and_wait(&r, 2), 2);
	assert_true(now_ns() - t0 >= 2000000);
	expect_cqe(&r, 4, -RC_ECANCELED);
	expect_cqe(&r, 5, -RC_ETIME);
	assert_idle(&r);
	ring_close(&r);
}

/* The op completes first (a count TIMEOUT reached by a NOP): the
 * LINK_TIMEOUT completes with -ECANCELED after it and the chain goes
 * on. An op that completes before its LINK_TIMEOUT is read (a NOP) does
 * the same, and so does one that fails (the chain fails, as without
 * it). */
static void link_timeout_op_completes_first(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_bounded_timeout(&r, 0, 1, 1, now_ns() + 10000000000ull, RC_SQE_LINK, 2);
	queue_nop(&r, 0, 0, 3); /* behind the LINK_TIMEOUT */
	submit_all(&r);
	assert_int_equal(cqes_ready(&r), 0);
	queue_nop(&r, 7, 0, 4); /* its CQE reaches the count */
	submit_all(&r);
	expect_cqe(&r, 4, 7);
	expect_cqe(&r, 1, 0);
	expect_cqe(&r, 2, -RC_ECANCELED);
	expect_cqe(&r, 3, 0);
	assert_idle(&r);
	/* completed inline, before the LINK_TIMEOUT was read */
	queue_nop(&r, 5, RC_SQE_LINK, 5);
	rc_prep_link_timeout(rc_get_sqe(&r), 1, RC_TIMEOUT_ABS);
	rc_sqe_set_data(last_sqe(&r), 6);
	rc_sqe_set_flags(last_sqe(&r), RC_SQE_LINK);
	queue_nop(&r, 0, 0, 7);
	submit_all(&r);
	run_timers(&r);
	expect_cqe(&r, 5, 5);
	expect_cqe(&r, 6, -RC_ECANCELED);
	expect_cqe(&r, 7, 0);
	/* the op fails inline: the chain fails at it */
	queue_nop(&r, -RC_EIO, RC_SQE_LINK, 8);
	rc_prep_link_timeout(rc_get_sqe(&r), 1, RC_TIMEOUT_ABS);
	rc_sqe_set_data(last_sqe(&r), 9);
	submit_all(&r);
	expect_cqe(&r, 8, -RC_EIO);
	expect_cqe(&r, 9, -RC_ECANCELED);
	assert_idle(&r);
	ring_close(&r);
}

/* A LINK_TIMEOUT must follow an op with LINK: alone, after an entry
 * without LINK, or after another LINK_TIMEOUT it is refused with
 * -EINVAL, and rc_explain says why. The refused one after a
 * LINK_TIMEOUT leaves the first one bounding its op. */
static void link_timeout_needs_a_linked_op(void **state)
{
	struct rc_ring r;
	struct rc_cqe *cqe;
	char why[160];

	(void)state;
	ring_open(&r, 16, 32, 0);
	rc_prep_link_timeout(rc_get_sqe(&r), 1000000, 0);
	rc_sqe_set_data(last_sqe(&r), 1);
	submit_all(&r);
	assert_int_equal(rc_peek_cqe(&r, &cqe), 0);
	assert_int_equal(cqe->res, -RC_EINVAL);
	assert_non_null(strstr(rc_explain(&r, cqe, why, sizeof(why)), "RC_SQE_LINK"));
	rc_cqe_seen(&r, cqe);
	queue_nop(&r, 0, 0, 2);
	rc_prep_link_timeout(rc_get_sqe(&r), 1000000, 0);
	rc_sqe_set_data(last_sqe(&r), 3);
	rc_sqe_set_flags(last_sqe(&r), RC_SQE_LINK); /* fails the chain it starts */
	queue_nop(&r, 0, 0, 4);
	submit_all(&r);
	expect_cqe(&r, 2, 0);
	expect_cqe(&r, 3, -RC_EINVAL);
	expect_cqe(&r, 4, -RC_ECANCELED);
	queue_bounded_timeout(&r, now_ns() + 10000000000ull, 0, 5, 1, RC_SQE_LINK, 6);
	rc_prep_link_timeout(rc_get_sqe(&r), 1, RC_TIMEOUT_ABS);
	rc_sqe_set_data(last_sqe(&r), 7);
	submit_all(&r);
	expect_cqe(&r, 7, -RC_EINVAL);
	assert_int_equal(cqes_ready(&r), 0);
	run_timers(&r);
	expect_cqe(&r, 5, -RC_ECANCELED);
	expect_cqe(&r, 6, -RC_ETIME);
	assert_idle(&r);
	ring_close(&r);
}

/* In a chain: a LINK_TIMEOUT held behind a parked op starts with its own
 * op, not when read (a past deadline fires only once the op runs);
 * CANCEL of the LINK_TIMEOUT leaves its op unbounded with the chain
 * behind it; CANCEL of the op ends both; a ring closed with one armed
 * frees everything (LeakSanitizer watches). */
static void link_timeout_in_a_chain(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 0, 1, 1); /* parked until one more CQE */
	rc_sqe_set_flags(r.sqes + ((r.sqe_tail - 1) & (r.sq_entries - 1)), RC_SQE_LINK);
	queue_bounded_timeout(&r, now_ns() + 10000000000ull, 0, 2, 1, 0, 3);
	submit_all(&r);
	run_timers(&r);
	assert_int_equal(cqes_ready(&r), 0); /* held: not armed yet */
	queue_nop(&r, 0, 0, 4);
	submit_all(&r);
	expect_cqe(&r, 4, 0);
	expect_cqe(&r, 1, 0); /* 2 starts, its LINK_TIMEOUT arms */
	assert_int_equal(cqes_ready(&r), 0);
	run_timers(&r);
	expect_cqe(&r, 2, -RC_ECANCELED);
	expect_cqe(&r, 3, -RC_ETIME);
	assert_idle(&r);

	/* CANCEL the LINK_TIMEOUT: its op goes on, the chain behind it too */
	queue_bounded_timeout(&r, 0, 2, 5, now_ns() + 10000000000ull, RC_SQE_LINK, 6);
	queue_nop(&r, 0, 0, 7);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 6, 0);
	rc_sqe_set_data(sqe, 8);
	submit_all(&r);
	expect_cqe(&r, 6, -RC_ECANCELED);
	expect_cqe(&r, 8, 1);
	/* the two CQEs reached the count: the op and its chain finish */
	expect_cqe(&r, 5, 0);
	expect_cqe(&r, 7, 0);
	assert_idle(&r);

	/* CANCEL the op (CANCEL_ALL, both sharing its user_data): both end */
	queue_bounded_timeout(&r, now_ns() + 10000000000ull, 0, 9, now_ns() + 10000000000ull,
			      RC_SQE_LINK, 9);
	queue_nop(&r, 0, 0, 10);
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 9, RC_CANCEL_ALL);
	rc_sqe_set_data(sqe, 11);
	submit_all(&r);
	expect_cqe(&r, 9, -RC_ECANCELED);
	expect_cqe(&r, 9, -RC_ECANCELED);
	expect_cqe(&r, 10, -RC_ECANCELED);
	expect_cqe(&r, 11, 1);
	assert_idle(&r);

	/* closed with an armed LINK_TIMEOUT and a chain behind it */
	queue_bounded_timeout(&r, now_ns() + 10000000000ull, 0, 12, now_ns() + 10000000000ull,
			      RC_SQE_LINK, 13);
	queue_nop(&r, 0, 0, 14);
	submit_all(&r);
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeout_expires_after_its_time),
		cmocka_unit_test(timeout_absolute),
		cmocka_unit_test(timeout_completes_after_n_completions),
		cmocka_unit_test(cancel_by_user_data),
		cmocka_unit_test(parked_request_keeps_its_own_sqe),
		cmocka_unit_test(waiting_for_nothing_is_an_error),
		cmocka_unit_test(same_deadline_completes_in_submission_order),
		cmocka_unit_test(random_deadlines_come_back_sorted),
		cmocka_unit_test(count_timeouts_fire_in_target_order),
		cmocka_unit_test(due_cascade_is_bounded_per_run),
		cmocka_unit_test(count_cascade_is_bounded_per_run),
		cmocka_unit_test(firing_chain_cancels_and_arms),
		cmocka_unit_test(zero_timeout_completes_at_once),
		cmocka_unit_test(skipped_cqes_do_not_count),
		cmocka_unit_test(link_timeout_fires_first),
		cmocka_unit_test(link_timeout_op_completes_first),
		cmocka_unit_test(link_timeout_needs_a_linked_op),
		cmocka_unit_test(link_timeout_in_a_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
