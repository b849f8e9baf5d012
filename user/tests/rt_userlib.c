/*
 * rt_userlib - the user library as a new user meets it, on the kernel's
 * rings: waits that cannot hang (-EDEADLK, rc_wait_cqe_timeout through
 * the library's own TIMEOUT entry), rc_submit after a refusal, buffers of
 * length 0.
 */
#include "ulib.h"

#define R2 0x610000000ul

/* Reap r's CQ by peeking only; check the results count up from *next. */
static unsigned reap_by_peek(struct rc_ring *r, int *next)
{
	struct rc_cqe *cqe;
	unsigned n = 0;
	while (rc_peek_cqe(r, &cqe) == 0) {
		CHECK_EQ(cqe->res, *next);
		(*next)++;
		n++;
		rc_cqe_seen(r, cqe);
	}
	return n;
}

int main(void)
{
	struct rc_cqe *cqe;
	struct rc_sqe *s;

	/* Nothing in flight: -EDEADLK, not a hang. */
	CHECK_EQ(rc_wait_cqe(&rt_ring, &cqe), -RC_EDEADLK);

	/* rc_wait_cqe_timeout with nothing to wait for: -ETIME after it. */
	uint64_t t0 = clock_ns();
	CHECK_EQ(rc_wait_cqe_timeout(&rt_ring, &cqe, 30000000), -RC_ETIME);
	uint64_t dt = clock_ns() - t0;
	CHECK(dt >= 30000000 && dt < 2000000000, "waited %lu ns", (unsigned long)dt);

	/* A CQE that comes first is returned; the library's TIMEOUT then
     * completes silently (count 1, SKIP_SUCCESS): no CQE left behind. */
	s = rt_sqe();
	rc_prep_timeout(s, 10000000, 0, 0);
	rc_sqe_set_data(s, 9);
	CHECK_EQ(rc_submit(&rt_ring), 1);
	CHECK_EQ(rc_wait_cqe_timeout(&rt_ring, &cqe, 100000000), 0);
	CHECK(cqe->user_data == 9 && cqe->res == -RC_ETIME, "got %lu %d",
	      (unsigned long)cqe->user_data, cqe->res);
	rc_cqe_seen(&rt_ring, cqe);
	s = rt_sqe();
	rc_prep_timeout(s, 150000000, 0, 0);
	CHECK_EQ(rt_sync(s), -RC_ETIME); /* past the library's deadline */
	CHECK_EQ(rc_load_acquire(&rt_ring.hdr->cq_tail) - rt_ring.cq_head, 0);

	/* A ready CQE is returned at once. */
	s = rt_sqe();
	rc_prep_nop(s, 4);
	CHECK_EQ(rc_submit(&rt_ring), 1);
	CHECK_EQ(rc_wait_cqe_timeout(&rt_ring, &cqe, 0), 0);
	CHECK_EQ(cqe->res, 4);
	rc_cqe_seen(&rt_ring, cqe);

	/* Refused (-EBUSY) with CQ and backlog full: after the user reaps,
     * rc_submit with nothing new gets the waiting entries taken. */
	struct rc_ring r;
	int32_t h = rt_ring_create(&r, R2, 8, 8, 0);
	CHECK(h > 0, "ring_create %d", h);
	for (int batch = 0; h > 0 && batch < 3; batch++) {
		for (int i = 0; i < 8; i++)
			rc_prep_nop(rc_get_sqe(&r), batch * 8 + i);
		CHECK_EQ(rc_submit(&r), batch < 2 ? 8 : -RC_EBUSY);
	}
	int next = 0;
	CHECK_EQ(reap_by_peek(&r, &next), 8);
	for (int k = 0; h > 0 && k < 10 && next < 24; k++) {
		int ret = rc_submit(&r);
		CHECK(ret == 0 || ret == -RC_EBUSY, "submit %d", ret);
		reap_by_peek(&r, &next);
	}
	CHECK_EQ(next, 24);

	/* A buffer of length 0 is not checked and never touched: NULL or
     * garbage with length 0 is a 0-byte transfer. */
	static const uint64_t bad[] = { 0, 0xdead0000ul, 0xffff800000000000ul, 0x10 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = rt_sqe();
		rc_prep_console_write(s, (const void *)bad[i], 0);
		CHECK_EQ(rt_sync(s), 0);
		s = rt_sqe();
		rc_prep_wait(s, 0, RC_WAIT_NOHANG, (void *)bad[i], 0);
		CHECK_EQ(rt_sync(s), -RC_ECHILD);
	}
	s = rt_sqe();
	rc_prep_console_write(s, (const void *)0xdead0000ul, 1);
	CHECK_EQ(rt_sync(s), -RC_EFAULT);
	return rt_report("rt_userlib");
}
