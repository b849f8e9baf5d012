/*
 * test_userlib_server.c - the user library against ringcall-server in its
 * own process: what a client sees that the in-process mode hides (the
 * engine runs on another thread, the client learns only through the ring).
 */
#include "helpers.h"
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char server_bin[512];
static char sock_path[100];
static char root_path[128];
static pid_t server_pid;

static int start_server(void **state)
{
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "%s/ul.sock", temp_dir());
	snprintf(root_path, sizeof(root_path), "%s/ulroot", temp_dir());
	mkdir(root_path, 0700);
	unlink(sock_path);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* dies with a test stopped by alarm */
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock_path, "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	/* Ready when it accepts (the path exists from bind, before listen). */
	for (int i = 0; i < 1000 && !socket_listens(sock_path); i++)
		usleep(10000);
	assert_true(socket_listens(sock_path));
	alarm(60); /* a hang is a failure, not a stuck suite */
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	alarm(0);
	stop_server_process(&server_pid, sock_path);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reap the CQ by peeking only (no wait, which would ring the engine). */
static uint32_t reap_by_peek(struct rc_ring *r, uint64_t *next)
{
	struct rc_cqe *cqe;
	uint32_t n = 0;

	while (rc_peek_cqe(r, &cqe) == 0) {
		assert_int_equal(cqe->res, (int32_t)*next);
		(*next)++;
		n++;
		rc_cqe_seen(r, cqe);
	}
	return n;
}

/* A client refused with -EBUSY reaps the whole CQ: rc_submit with nothing
 * new must get the waiting entries taken (it used to return -EBUSY
 * forever: it neither entered nor rang the sleeping worker). */
static void submit_after_reaping_takes_the_waiting_entries(void **state)
{
	struct rc_params p = { .sq_entries = 8, .cq_entries = 8, .backlog_entries = 8 };
	struct rc_ring r;
	uint64_t next = 0;
	int ret = 0;

	(void)state;
	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
	for (int batch = 0; batch < 3; batch++) {
		for (int i = 0; i < 8; i++)
			rc_prep_nop(rc_get_sqe(&r), batch * 8 + i);
		ret = rc_submit(&r);
		for (int k = 0;
		     batch < 2 && k < 2000 && rc_load_acquire(&r.hdr->sq_head) != 8u * (batch + 1);
		     k++)
			usleep(1000);
	}
	for (int k = 0; k < 2000 && !(rc_load_acquire(&r.hdr->flags) & RC_RING_BUSY); k++)
		usleep(1000);
	assert_true(r.hdr->flags & RC_RING_BUSY);
	assert_int_equal(reap_by_peek(&r, &next), 8);
	for (int k = 0; k < 3000 && next < 24; k++) {
		ret = rc_submit(&r);
		assert_true(ret == 0 || ret == -RC_EBUSY);
		if (!reap_by_peek(&r, &next))
			usleep(1000);
	}
	assert_int_equal(next, 24);
	rc_disconnect(&r);
}

/* Waiting with nothing that could complete is -EDEADLK at once on a
 * server ring too (it used to sleep forever): an idle ring, after the last
 * CQE was reaped, after a SKIP_SUCCESS entry (which posts nothing), and
 * when waiting for more than is in flight. Something in flight is waited
 * for. */
static void wait_with_nothing_in_flight_is_edeadlk(enum rc_mode mode)
{
	struct rc_params p = { .sq_entries = 8, .mode = mode, .idle_us = 2000 };
	struct rc_ring r;
	struct rc_cqe *cqe;
	struct rc_sqe *sqe;

	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	rc_prep_nop(rc_get_sqe(&r), 1);
	assert_int_equal(rc_submit_and_wait(&r, 1), 1);
	assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
	rc_cqe_seen(&r, cqe);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 2);
	rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	rc_prep_nop(rc_get_sqe(&r), 3);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(rc_wait_cqe_nr(&r, &cqe, 2), -RC_EDEADLK);
	assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
	assert_int_equal(cqe->res, 3);
	rc_cqe_seen(&r, cqe);
	rc_prep_timeout(rc_get_sqe(&r), 20000000, 0, 0);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
	assert_int_equal(cqe->res, -RC_ETIME);
	rc_cqe_seen(&r, cqe);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	rc_disconnect(&r);
}

static void wait_idle_doorbell_ring_is_edeadlk(void **state)
{
	(void)state;
	wait_with_nothing_in_flight_is_edeadlk(RC_MODE_DOORBELL);
}

static void wait_idle_poll_ring_is_edeadlk(void **state)
{
	(void)state;
	wait_with_nothing_in_flight_is_edeadlk(RC_MODE_POLL);
}

/* rc_wait_cqe_timeout on a server ring: -EDEADLK when idle, -ETIME after
 * the timeout when what is in flight takes longer, the CQE when one comes. */
static void wait_cqe_timeout_on_a_server_ring(void **state)
{
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring r;
	struct rc_cqe *cqe;
	uint64_t t0, dt;

	(void)state;
	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 1000000), -RC_EDEADLK);
	rc_prep_timeout(rc_get_sqe(&r), 10000000000ull, 0, 0);
	rc_sqe_set_data(&r.sqes[(r.sqe_tail - 1) & r.sq_mask], 77);
	assert_int_equal(rc_submit(&r), 1);
	t0 = now_ns();
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 50000000), -RC_ETIME);
	dt = now_ns() - t0;
	assert_true(dt >= 50000000 && dt < 5000000000ull);
	rc_prep_nop(rc_get_sqe(&r), 9);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 5000000000ull), 0);
	assert_int_equal(cqe->res, 9);
	rc_cqe_seen(&r, cqe);
	rc_disconnect(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(submit_after_reaping_takes_the_waiting_entries,
						start_server, stop_server),
		cmocka_unit_test_setup_teardown(wait_idle_doorbell_ring_is_edeadlk, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(wait_idle_poll_ring_is_edeadlk, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(wait_cqe_timeout_on_a_server_ring, start_server,
						stop_server),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
