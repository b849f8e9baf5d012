/*
 * rt_timeout - TIMEOUT is driven by the kernel's timer: a process waiting
 * for one sleeps in a single enter (no polling traps) until the tick hook
 * fires it; counts, CANCEL, LINK behind a timeout, -EDEADLK.
 */
#include "ulib.h"

int main(void)
{
	struct rc_proc_stats s0, s1;
	struct rc_cqe c[4];
	struct rc_sqe *s;

	/* Relative: not before 20 ms, and the whole wait is one trap. */
	uint64_t t0 = clock_ns();
	rt_proc_stats(&s0);
	s = rt_sqe();
	rc_prep_timeout(s, 20000000, 0, 0);
	rc_sqe_set_data(s, 1);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 1), 1);
	rt_proc_stats(&s1);
	uint64_t dt = clock_ns() - t0;
	CHECK_EQ(rt_next_cqe(&c[0]), 0);
	CHECK(c[0].user_data == 1 && c[0].res == -RC_ETIME, "res %d", c[0].res);
	CHECK(dt >= 20000000 && dt < 500000000, "slept %lu ns", (unsigned long)dt);
	CHECK_EQ(s1.traps - s0.traps, 2); /* submit-and-wait, and the stats call */

	/* Absolute deadline on the engine clock. */
	uint64_t now = clock_ns(); /* before rt_sqe: clock_ns submits what is prepared */
	s = rt_sqe();
	rc_prep_timeout(s, now + 10000000, 0, RC_TIMEOUT_ABS);
	CHECK_EQ(rt_sync(s), -RC_ETIME);

	/* By count: completes with 0 once 2 other CQEs are posted. */
	s = rt_sqe();
	rc_prep_timeout(s, 0, 2, 0);
	rc_sqe_set_data(s, 2);
	s = rt_sqe();
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 3);
	s = rt_sqe();
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 4);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 3), 3);
	for (int i = 0; i < 3; i++)
		rt_next_cqe(&c[i]);
	CHECK(c[2].user_data == 2 && c[2].res == 0, "count timeout %lu %d",
	      (unsigned long)c[2].user_data, c[2].res);

	/* CANCEL a long one; CANCEL of nothing. */
	s = rt_sqe();
	rc_prep_timeout(s, 10000000000ull, 0, 0);
	rc_sqe_set_data(s, 5);
	s = rt_sqe();
	rc_prep_cancel(s, 5, 0);
	rc_sqe_set_data(s, 6);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	rt_next_cqe(&c[0]);
	rt_next_cqe(&c[1]);
	CHECK(c[0].user_data == 5 && c[0].res == -RC_ECANCELED, "cancelled %d", c[0].res);
	CHECK(c[1].user_data == 6 && c[1].res == 1, "cancel res %d", c[1].res);
	s = rt_sqe();
	rc_prep_cancel(s, 12345, 0);
	CHECK_EQ(rt_sync(s), -RC_ENOENT);

	/* A chain behind a timeout runs from the timer interrupt. */
	uint64_t when = 0;
	s = rt_sqe();
	rc_prep_timeout(s, 5000000, 0, 0);
	rc_sqe_set_data(s, 7);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 8);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	rt_next_cqe(&c[0]);
	rt_next_cqe(&c[1]);
	/* -ETIME fails the link (the engine's rule): the NOP is cancelled. */
	CHECK(c[0].user_data == 7 && c[0].res == -RC_ETIME, "chain head %d", c[0].res);
	CHECK(c[1].user_data == 8 && c[1].res == -RC_ECANCELED, "chain tail %d", c[1].res);
	/* A count-timeout chain that succeeds, with a CLOCK behind it. */
	s = rt_sqe();
	rc_prep_timeout(s, 0, 1, 0);
	rc_sqe_set_data(s, 9);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_clock(s, &when, 8);
	rc_sqe_set_data(s, 10);
	s = rt_sqe();
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 11);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 3), 3);
	for (int i = 0; i < 3; i++)
		rt_next_cqe(&c[i]);
	CHECK(when != 0, "CLOCK behind the timeout did not run");

	/* A ring at capacity (4 parked TIMEOUTs on a 4-entry CQ): more SQEs
     * are refused (-EBUSY, they stay queued), and waiting still works:
     * the timeouts fire, the queued NOPs are taken as room appears. */
	const uint64_t addr = 0x900000000ul;
	s = rt_sqe();
	rc_prep_ring_create(s, addr, 4, 4, 0);
	int32_t h = rt_sync(s);
	struct rc_ring r;
	CHECK_EQ(rc_ring_attach(&r, (void *)addr, rc_ring_bytes(4, 4), &rt_backend,
				(void *)(uintptr_t)h),
		 0);
	for (int i = 0; i < 4; i++)
		rc_prep_timeout(rc_get_sqe(&r), 10000000, 0, 0);
	CHECK_EQ(rc_submit(&r), 4);
	rc_prep_nop(rc_get_sqe(&r), 1);
	rc_prep_nop(rc_get_sqe(&r), 2);
	CHECK_EQ(rc_submit(&r), -RC_EBUSY);
	CHECK(r.hdr->flags & RC_RING_BUSY, "BUSY flag not set");
	int got = 0, nops = 0;
	while (got < 6) {
		struct rc_cqe *cq;
		if (rc_wait_cqe(&r, &cq) != 0)
			break;
		nops += cq->res > 0;
		rc_cqe_seen(&r, cq);
		got++;
	}
	CHECK(got == 6 && nops == 2, "got %d CQEs, %d NOPs", got, nops);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	CHECK_EQ(rt_sync(s), 0);

	/* Nothing in flight can ever complete: the wait fails, it does not hang. */
	CHECK_EQ(rt_enter(rt_ring_handle, 0, 1, RC_ENTER_GETEVENTS), -RC_EDEADLK);
	return rt_report("rt_timeout");
}
