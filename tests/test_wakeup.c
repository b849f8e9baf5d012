/*
 * test_wakeup.c - the sleep/wake edges, hammered with threads in one
 * process (so TSan sees both sides): a worker that polls and sleeps after
 * 1 us idle, clients that submit one request at a time, and clients that
 * sleep waiting for completions. A lost wakeup hangs; the alarm fails it.
 */
#include "helpers.h"
#include <pthread.h>
#include <unistd.h>

struct client_arg {
	struct host_worker *w;
	enum rc_mode mode;
	int rounds;
	int failures;
};

static void *client_main(void *p)
{
	struct client_arg *a = p;
	struct rc_params params = { .sq_entries = 8, .mode = a->mode, .idle_us = 1 };
	struct rc_ring r;

	if (host_local_connect(&r, a->w, &params, -1)) {
		a->failures++;
		return NULL;
	}
	for (int i = 0; i < a->rounds; i++) {
		struct rc_cqe *cqe;
		struct rc_sqe *sqe;

		rc_prep_nop(rc_get_sqe(&r), i & 0x7fff); /* user_data 0: completes at once */
		sqe = rc_get_sqe(&r);
		rc_prep_timeout(sqe, 1000, 0, 0); /* user_data 1: completes later */
		rc_sqe_set_data(sqe, 1);
		if (rc_submit_and_wait(&r, 2) != 2) {
			a->failures++;
			break;
		}
		for (int k = 0; k < 2; k++) {
			if (rc_wait_cqe(&r, &cqe) || (cqe->user_data == 0 ? cqe->res != (i & 0x7fff)
									  : cqe->res != -RC_ETIME))
				a->failures++;
			rc_cqe_seen(&r, cqe);
		}
	}
	rc_disconnect(&r);
	return NULL;
}

static void hammer(enum rc_mode mode, int clients, int rounds)
{
	struct host_worker w;
	pthread_t th[4];
	struct client_arg args[4];

	assert_int_equal(host_worker_start(&w), 0);
	for (int i = 0; i < clients; i++) {
		args[i] = (struct client_arg){ &w, mode, rounds, 0 };
		pthread_create(&th[i], NULL, client_main, &args[i]);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].failures, 0);
	}
	assert_true(w.sleeps > 0); /* the edge really was crossed */
	host_worker_stop(&w);
}

static void poll_mode_sleep_wake_edge(void **state)
{
	(void)state;
	hammer(RC_MODE_POLL, 1, 3000);
}

static void doorbell_mode_sleep_wake_edge(void **state)
{
	(void)state;
	hammer(RC_MODE_DOORBELL, 1, 3000);
}

static void several_clients_one_worker(void **state)
{
	(void)state;
	hammer(RC_MODE_POLL, 3, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(poll_mode_sleep_wake_edge),
		cmocka_unit_test(doorbell_mode_sleep_wake_edge),
		cmocka_unit_test(several_clients_one_worker),
	};

	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
