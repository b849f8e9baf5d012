/*
 * test_fairness.c - one client cannot starve another on a hosted worker.
 *
 * The worker's own pass (host_worker_step: adopt, then one run per client)
 * is driven from this thread, so the test counts passes instead of timing
 * them: nothing here depends on how threads are scheduled.
 */
#include "helpers.h"
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A worker whose thread never runs: the test makes its passes. */
static void worker_init(struct host_worker *w)
{
	*w = (struct host_worker){ 0 };
	pthread_mutex_init(&w->lock, NULL);
}

static void worker_connect(struct host_worker *w, struct rc_ring *r, uint32_t sq, uint32_t cq,
			   uint32_t backlog)
{
	struct rc_params p = {
		.sq_entries = sq, .cq_entries = cq, .backlog_entries = backlog, .data_bytes = 4096
	};

	assert_int_equal(host_local_connect(r, w, &p, -1), 0);
}

static void worker_destroy(struct host_worker *w, struct rc_ring *rings, int n)
{
	host_worker_step(w); /* adopt anything still in the inbox */
	while (w->clients) {
		struct host_client *c = w->clients;

		w->clients = c->next;
		host_client_free(c);
	}
	for (int i = 0; i < n; i++)
		free(rings[i].backend_data);
	pthread_mutex_destroy(&w->lock);
}

/* CQEs the engine has posted on ring c so far (CQ and backlog). */
static uint32_t posted(struct host_client *c)
{
	return rce_ring_cq_tail(&c->ring) + rce_ring_backlog_count(&c->ring);
}

static struct host_client *client_of(struct rc_ring *r)
{
	return ((struct host_conn *)r->backend_data)->local;
}

/*
 * Client A parks 30 000 TIMEOUTs that are all due (an absolute deadline
 * long past) behind 2 048 far ones (the shape that made the old engine
 * rescan its list per firing); B sends a NOP on every pass. Every pass
 * completes B's NOP and fires at most RCE_TIMEOUT_BUDGET of A's, in
 * submission order, until all have fired. No clock is involved: the
 * setup takes A's whole SQ in one engine run, before any pass.
 */
static void timeouts_of_one_client_do_not_starve_another(void **state)
{
	enum {
		DUE = 30000,
		FAR = 2048
	};
	struct host_worker w;
	struct rc_ring rings[2], *a = &rings[0], *b = &rings[1];
	struct host_client *ca, *cb;
	uint64_t far = now_ns() + 3600000000000ull, next = 0, ud;
	uint32_t passes = 0;

	(void)state;
	worker_init(&w);
	worker_connect(&w, a, 32768, 32768, 0);
	worker_connect(&w, b, 8, 16, 0);
	host_worker_step(&w);
	ca = client_of(a);
	cb = client_of(b);
	for (uint64_t i = 0; i < DUE + FAR; i++) {
		struct rc_sqe *sqe = rc_get_sqe(a);

		rc_prep_timeout(sqe, i < DUE ? 1 : far, 0, RC_TIMEOUT_ABS);
		rc_sqe_set_data(sqe, i);
	}
	assert_int_equal(rc_submit(a), DUE + FAR);
	/* Park them all at once, as a burst of submissions would. */
	assert_int_equal(rce_ring_run(&ca->ring, UINT32_MAX), DUE + FAR);
	assert_int_equal(rce_ring_inflight(&ca->ring), DUE + FAR);
	assert_int_equal(posted(ca), 0);
	while (next < DUE) {
		uint32_t a0 = posted(ca), b0 = posted(cb);
		struct rc_sqe *sqe = rc_get_sqe(b);

		rc_prep_nop(sqe, 5);
		rc_sqe_set_data(sqe, passes);
		assert_int_equal(rc_submit(b), 1);
		host_worker_step(&w);
		passes++;
		/* B's NOP was served in the very pass after it was published... */
		assert_int_equal(posted(cb) - b0, 1);
		assert_int_equal(reap_one(b, &ud), 5);
		assert_int_equal(ud, passes - 1);
		/* ...while A fired no more than its budget (and made progress). */
		assert_true(posted(ca) - a0 <= RCE_TIMEOUT_BUDGET);
		assert_true(posted(ca) - a0 >= 1);
		while (cqes_ready(a)) {
			assert_int_equal(reap_one(a, &ud), -RC_ETIME);
			assert_int_equal(ud, next);
			next++;
		}
	}
	assert_int_equal(passes, (DUE + RCE_TIMEOUT_BUDGET - 1) / RCE_TIMEOUT_BUDGET);
	assert_int_equal(rce_ring_inflight(&ca->ring), FAR);
	worker_destroy(&w, rings, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timeouts_of_one_client_do_not_starve_another),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
