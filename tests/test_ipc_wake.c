/*
 * test_ipc_wake.c - the hosted wake path of a message between two clients
 * of one worker costs no more than it must: the worker that delivers it
 * does not kick itself (no FUTEX_WAKE, no extra pass), completes the
 * receiver's parked RECV before it could sleep, and wakes the receiver
 * once. The worker's passes are driven from this thread
 * (host_worker_step): nothing depends on scheduling.
 */
#include "helpers.h"

/* A worker whose thread never runs: the test makes its passes. */
static void worker_init(struct host_worker *w)
{
	*w = (struct host_worker){ 0 };
	pthread_mutex_init(&w->lock, NULL);
}

static void worker_destroy(struct host_worker *w, struct rc_ring *rings, int n)
{
	host_worker_step(w);
	while (w->clients) {
		struct host_client *c = w->clients;

		w->clients = c->next;
		host_client_free(c);
	}
	for (int i = 0; i < n; i++) {
		host_conn_free_data(rings[i].backend_data); /* rc_alloc's bookkeeping */
		free(rings[i].backend_data);
	}
	pthread_mutex_destroy(&w->lock);
}

static struct host_client *client_of(struct rc_ring *r)
{
	return ((struct host_conn *)r->backend_data)->local;
}

/* Rings a and b on worker w, a channel between them: *ha on a's side,
 * *hb on b's. */
static void two_clients(struct host_worker *w, struct rc_ring *a, struct rc_ring *b, uint32_t *ha,
			uint32_t *hb)
{
	struct rc_params p = { .sq_entries = 8, .data_bytes = 4096 };
	uint32_t ends[2];
	int32_t h;

	assert_int_equal(host_local_connect(a, w, &p, -1), 0);
	assert_int_equal(host_local_connect(b, w, &p, -1), 0);
	host_worker_step(w);
	assert_int_equal(rce_channel_create_in(&client_of(a)->ctx, ends), 0);
	h = rce_channel_handle_move(&client_of(a)->ctx, ends[1], &client_of(b)->ctx);
	assert_true(h >= 0);
	*ha = ends[0];
	*hb = (uint32_t)h;
}

/* b parks a RECV; a sends. The pass that runs a's SEND makes b's RECV
 * ready without touching the worker's control word (no kick of itself),
 * and b's CQE is posted by the next pass at the latest; until then b's
 * ring says it has work, so the worker cannot go to sleep over it. */
static void delivery_on_one_worker_does_not_kick_it(void **state)
{
	struct host_worker w;
	struct rc_ring rings[2], *a = &rings[0], *b = &rings[1];
	uint32_t ha, hb, control;
	uint8_t *tx, *rx;
	uint64_t ud;

	(void)state;
	worker_init(&w);
	two_clients(&w, a, b, &ha, &hb);
	tx = rc_alloc(a, 64);
	rx = rc_alloc(b, 64);
	memcpy(tx, "ping", 4);
	rc_prep_channel_recv(rc_get_sqe(b), hb, rx, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(b), 1);
	host_worker_step(&w);
	assert_int_equal(rce_ring_inflight(&client_of(b)->ring), 1); /* parked */
	control = __atomic_load_n(&w.control, __ATOMIC_ACQUIRE);
	rc_prep_channel_send(rc_get_sqe(a), ha, tx, 4, 0, NULL, 0);
	assert_int_equal(rc_submit(a), 1);
	host_worker_step(&w);
	assert_int_equal(__atomic_load_n(&w.control, __ATOMIC_ACQUIRE), control);
	if (!cqes_ready(b)) { /* b came before a in this pass */
		assert_true(rce_ring_has_work(&client_of(b)->ring));
		host_worker_step(&w);
	}
	assert_int_equal(cqes_ready(b), 1);
	assert_int_equal(reap_one(b, &ud), 4);
	assert_memory_equal(rx, "ping", 4);
	assert_int_equal(reap_one(a, &ud), 4);
	assert_int_equal(__atomic_load_n(&w.control, __ATOMIC_ACQUIRE), control);
	worker_destroy(&w, rings, 2);
}

/* The receiver's ring comes before the sender's in the worker's list: its
 * parked RECV still completes, and its waiter is woken, in the pass that
 * ran the send (right after the sender's run), not one pass later. */
static void receiver_before_sender_gets_it_in_the_same_pass(void **state)
{
	struct host_worker w;
	struct rc_ring rings[2], *a = &rings[0], *b = &rings[1];
	uint32_t ha, hb;
	uint8_t *tx, *rx;
	uint64_t ud, passes;

	(void)state;
	worker_init(&w);
	two_clients(&w, a, b, &ha, &hb);
	assert_ptr_equal(w.clients, client_of(a)); /* a is visited first */
	tx = rc_alloc(b, 64);
	rx = rc_alloc(a, 64);
	memcpy(tx, "pong", 4);
	rc_prep_channel_recv(rc_get_sqe(a), ha, rx, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(a), 1);
	host_worker_step(&w);
	assert_int_equal(rce_ring_inflight(&client_of(a)->ring), 1); /* parked */
	rc_prep_channel_send(rc_get_sqe(b), hb, tx, 4, 0, NULL, 0);
	assert_int_equal(rc_submit(b), 1);
	passes = w.passes;
	host_worker_step(&w);
	assert_int_equal(w.passes - passes, 1);
	assert_int_equal(cqes_ready(a), 1);
	assert_int_equal(reap_one(a, &ud), 4);
	assert_memory_equal(rx, "pong", 4);
	assert_int_equal(reap_one(b, &ud), 4);
	worker_destroy(&w, rings, 2);
}

/* A waiter on b's CQ (cq_waiting set, as host_wait sets it) whose last
 * request in flight completes is woken once, not once for the new tail
 * and again for the retired count. */
static void last_completion_wakes_once(void **state)
{
	struct host_worker w;
	struct rc_ring rings[2], *a = &rings[0], *b = &rings[1];
	uint32_t ha, hb;
	uint8_t *tx, *rx;
	uint64_t ud, wakes;

	(void)state;
	worker_init(&w);
	two_clients(&w, a, b, &ha, &hb);
	tx = rc_alloc(a, 64);
	rx = rc_alloc(b, 64);
	rc_prep_channel_recv(rc_get_sqe(b), hb, rx, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(b), 1);
	host_worker_step(&w);
	rc_store_relaxed(&b->hdr->cq_waiting, 1);
	wakes = __atomic_load_n(&host_cq_wakes, __ATOMIC_RELAXED);
	rc_prep_channel_send(rc_get_sqe(a), ha, tx, 8, 0, NULL, 0);
	assert_int_equal(rc_submit(a), 1);
	host_worker_step(&w);
	host_worker_step(&w);
	assert_int_equal(cqes_ready(b), 1);
	assert_int_equal(__atomic_load_n(&host_cq_wakes, __ATOMIC_RELAXED) - wakes, 1);
	rc_store_relaxed(&b->hdr->cq_waiting, 0);
	assert_int_equal(reap_one(b, &ud), 8);
	assert_int_equal(reap_one(a, &ud), 8);
	worker_destroy(&w, rings, 2);
}

/* What one pass that moves n messages from a to b (n RECVs parked) cost
 * the worker. */
struct pass_cost {
	uint64_t acquires;   /* of the IPC lock */
	uint64_t deliveries; /* budget-0 runs of woken rings */
};

static struct pass_cost pass_moving_messages(bool keep, uint32_t n)
{
	struct host_worker w;
	struct rc_ring rings[2], *a = &rings[0], *b = &rings[1];
	struct pass_cost cost;
	uint32_t ha, hb;
	uint8_t *tx, *rx;
	uint64_t ud, before;

	worker_init(&w);
	w.keep_ipc = keep;
	two_clients(&w, a, b, &ha, &hb);
	assert_ptr_equal(w.clients, client_of(a)); /* the sender runs first */
	tx = rc_alloc(a, 64);
	rx = rc_alloc(b, 64 * n);
	for (uint32_t i = 0; i < n; i++)
		rc_prep_channel_recv(rc_get_sqe(b), hb, rx + 64 * i, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(b), (int)n);
	host_worker_step(&w);
	for (uint32_t i = 0; i < n; i++)
		rc_prep_channel_send(rc_get_sqe(a), ha, tx, 8, 0, NULL, 0);
	assert_int_equal(rc_submit(a), (int)n);
	before = host_ipc_acquires;
	cost.deliveries = w.deliveries;
	host_worker_step(&w);
	cost.acquires = host_ipc_acquires - before;
	cost.deliveries = w.deliveries - cost.deliveries;
	assert_false(host_ipc_held()); /* released when the pass ended */
	assert_int_equal(cqes_ready(b), n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(reap_one(b, &ud), 8);
		assert_int_equal(reap_one(a, &ud), 8);
	}
	worker_destroy(&w, rings, 2);
	return cost;
}

/* A server's only worker keeps the IPC lock for its pass: the pass that
 * moves four messages takes it once (a worker that does not keep it takes
 * it for every send and delivery), and leaves it free. */
static void sole_worker_takes_the_ipc_lock_once_per_pass(void **state)
{
	(void)state;
	assert_int_equal(pass_moving_messages(true, 4).acquires, 1);
	assert_true(pass_moving_messages(false, 4).acquires >= 4);
}

/* Four sends make b's ring ready four times in a's run: one run of b
 * delivers all four, not four (one per wake). */
static void a_ring_made_ready_many_times_is_delivered_once(void **state)
{
	(void)state;
	assert_int_equal(pass_moving_messages(false, 4).deliveries, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delivery_on_one_worker_does_not_kick_it),
		cmocka_unit_test(receiver_before_sender_gets_it_in_the_same_pass),
		cmocka_unit_test(last_completion_wakes_once),
		cmocka_unit_test(sole_worker_takes_the_ipc_lock_once_per_pass),
		cmocka_unit_test(a_ring_made_ready_many_times_is_delivered_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
