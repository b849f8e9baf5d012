/*
 * test_uring_diff.c - where ringcall's LINK, DRAIN and SKIP_SUCCESS differ
 * from io_uring's, and where they were made to match: each statement of
 * docs/abi.md §3.1 ("Differences from io_uring"), checked.
 */
#include "helpers.h"
#include <fcntl.h>
#include <unistd.h>
#include "host.h"

static void queue_timeout(struct rc_ring *r, uint64_t ns, uint8_t flags, uint64_t ud)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	assert_non_null(sqe);
	rc_prep_timeout(sqe, ns, 0, 0);
	rc_sqe_set_flags(sqe, flags);
	rc_sqe_set_data(sqe, ud);
}

/* 1. A chain is a property of the SQ, not of a submit call: an entry with
 * LINK links to the next entry even if that one is submitted later
 * (io_uring ends a chain at the end of each submit). */
static void chain_continues_across_submits(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_LINK, 1);
	expect(&r, 1, (uint64_t[]){ 1 }, (int32_t[]){ 1 });
	queue_nop(&r, -RC_EIO, RC_SQE_LINK, 2); /* the same chain, a later submit */
	expect(&r, 1, (uint64_t[]){ 2 }, (int32_t[]){ -RC_EIO });
	queue_nop(&r, 3, 0, 3); /* and again: cancelled */
	expect(&r, 1, (uint64_t[]){ 3 }, (int32_t[]){ -RC_ECANCELED });
	queue_nop(&r, 4, 0, 4); /* the chain ended at 3 */
	expect(&r, 1, (uint64_t[]){ 4 }, (int32_t[]){ 4 });
	ring_close(&r);
}

/* 2. Members run as they are read: an invalid SQE in the middle of a chain
 * gets its -EINVAL after the members before it have run and posted their
 * results; the members after it are cancelled (io_uring validates the
 * whole chain first and cancels it all, earlier members included). */
static void invalid_member_after_earlier_members_ran(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_LINK, 1);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 0);
	sqe->rsvd1 = 1; /* invalid */
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	rc_sqe_set_data(sqe, 2);
	queue_nop(&r, 3, 0, 3);
	expect(&r, 3, (uint64_t[]){ 1, 2, 3 }, (int32_t[]){ 1, -RC_EINVAL, -RC_ECANCELED });
	ring_close(&r);
}

/* 3. Success is res >= 0 for every op: a short READ (fewer bytes than
 * asked, here at end of file) does not break its chain (io_uring fails the
 * link on a short read or write). */
static void short_read_does_not_break_a_chain(void **state)
{
	struct host_worker w;
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring r;
	struct rc_sqe *sqe;
	char path[256];
	char *buf, *name;
	int root, fd;
	int32_t h;

	(void)state;
	snprintf(path, sizeof(path), "%s/short", temp_dir());
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	root = open(temp_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	assert_int_equal(host_worker_start(&w), 0);
	assert_int_equal(host_local_connect(&r, &w, &p, root), 0);
	name = rc_alloc(&r, 8);
	buf = rc_alloc(&r, 16);
	memcpy(name, "short", 5);
	sqe = rc_get_sqe(&r);
	rc_prep_open(sqe, name, 5, RC_ACCESS_RDONLY, 0, 0);
	h = run_one(&r, sqe);
	assert_true(h > 0);
	sqe = rc_get_sqe(&r);
	rc_prep_read(sqe, (uint32_t)h, buf, 16, 0); /* 16 asked, 3 there */
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	rc_sqe_set_data(sqe, 1);
	queue_nop(&r, 7, 0, 2);
	assert_int_equal(rc_submit_and_wait(&r, 2), 2);
	expect(&r, 2, (uint64_t[]){ 1, 2 }, (int32_t[]){ 3, 7 });
	assert_memory_equal(buf, "abc", 3);
	rc_disconnect(&r);
	host_worker_stop(&w);
	close(root);
}

/* 4. DRAIN and SKIP_SUCCESS combine (io_uring refuses DRAIN on a ring that
 * has used SKIP_SUCCESS): DRAIN counts requests in flight, not CQEs, so a
 * skipped CQE cannot make it release early. */
static void drain_with_skip_success_is_allowed(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, RC_SQE_SKIP_SUCCESS, 1);
	queue_timeout(&r, 2000000, RC_SQE_SKIP_SUCCESS, 2);	       /* fails: -ETIME posts */
	queue_nop(&r, -RC_EIO, RC_SQE_DRAIN | RC_SQE_SKIP_SUCCESS, 3); /* after 2 */
	queue_nop(&r, 4, RC_SQE_DRAIN | RC_SQE_SKIP_SUCCESS, 4);       /* succeeds: no CQE */
	queue_nop(&r, 5, 0, 5);
	expect(&r, 3, (uint64_t[]){ 2, 3, 5 }, (int32_t[]){ -RC_ETIME, -RC_EIO, 5 });
	ring_close(&r);
}

/* 5. Matches io_uring: nothing after a DRAIN entry starts before the DRAIN
 * entry completes (not merely starts). */
static void drain_holds_later_entries_until_it_completes(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_nop(&r, 1, 0, 1);
	queue_timeout(&r, 2000000, RC_SQE_DRAIN, 2); /* parks for 2 ms */
	queue_nop(&r, 3, 0, 3);
	queue_nop(&r, 4, 0, 4);
	expect(&r, 4, (uint64_t[]){ 1, 2, 3, 4 }, (int32_t[]){ 1, -RC_ETIME, 3, 4 });
	/* Completed by CANCEL from outside the SQ? Only by its own end: a
	 * CANCEL queued behind it waits too, and finds nothing. */
	queue_timeout(&r, 2000000, RC_SQE_DRAIN, 5);
	rc_prep_cancel(rc_get_sqe(&r), 5, 0);
	rc_sqe_set_data(&r.sqes[(r.sqe_tail - 1) & r.sq_mask], 6);
	expect(&r, 2, (uint64_t[]){ 5, 6 }, (int32_t[]){ -RC_ETIME, -RC_ENOENT });
	ring_close(&r);
}

/* 6. A refused LINK_TIMEOUT (here: a reserved field set) does not fail
 * the op it follows, which has started already and goes on unbounded; the
 * LINK_TIMEOUT gets its error and the entries after it -ECANCELED
 * (io_uring prepares the whole link first, so a bad timeout fails the
 * head too, before it runs). */
static void refused_link_timeout_leaves_its_op_running(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 10000000000ull, RC_SQE_LINK, 1); /* parks */
	sqe = rc_get_sqe(&r);
	rc_prep_link_timeout(sqe, 1000000, 0);
	sqe->args.link_timeout.rsvd = 1; /* invalid */
	rc_sqe_set_flags(sqe, RC_SQE_LINK);
	rc_sqe_set_data(sqe, 2);
	queue_nop(&r, 3, 0, 3);
	submit_all(&r);
	assert_int_equal(cqes_ready(&r), 2);
	assert_int_equal(reap_one(&r, &ud), -RC_EINVAL);
	assert_int_equal(ud, 2);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 3);
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(&r)), 1); /* 1 still waits */
	sqe = rc_get_sqe(&r);
	rc_prep_cancel(sqe, 1, 0);
	rc_sqe_set_data(sqe, 4);
	submit_all(&r);
	assert_int_equal(reap_one(&r, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 1);
	assert_int_equal(reap_one(&r, &ud), 1);
	assert_int_equal(ud, 4);
	ring_close(&r);
}

/* 7. DRAIN on a chain member holds that member only (io_uring drains the
 * whole link: its head waits for everything before it): the head A runs
 * while the TIMEOUT before the chain is pending; B, DRAIN'd, waits for it.
 * io_uring's order would be 1, 2, 3. */
static void drain_on_a_member_holds_that_member(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 16, 32, 0);
	queue_timeout(&r, 2000000, 0, 1);  /* pending 2 ms: -ETIME */
	queue_nop(&r, 2, RC_SQE_LINK, 2);  /* the chain's head: runs now */
	queue_nop(&r, 3, RC_SQE_DRAIN, 3); /* its member: after 1 */
	expect(&r, 3, (uint64_t[]){ 2, 1, 3 }, (int32_t[]){ 2, -RC_ETIME, 3 });
	ring_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_continues_across_submits),
		cmocka_unit_test(invalid_member_after_earlier_members_ran),
		cmocka_unit_test(short_read_does_not_break_a_chain),
		cmocka_unit_test(drain_with_skip_success_is_allowed),
		cmocka_unit_test(drain_holds_later_entries_until_it_completes),
		cmocka_unit_test(refused_link_timeout_leaves_its_op_running),
		cmocka_unit_test(drain_on_a_member_holds_that_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
