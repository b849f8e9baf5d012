/*
 * rt_ring - making rings is a ring syscall: RING_CREATE at a chosen
 * address, use the new ring, limits and bad arguments, CLOSE.
 */
#include "ulib.h"

#define R1 0x600000000ul

static int32_t ring_create(uint64_t addr, uint32_t sq, uint32_t cq)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_ring_create(s, addr, sq, cq, 0);
	return rt_sync(s);
}

static int32_t close_handle(uint32_t h)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, h, 0);
	return rt_sync(s);
}

int main(void)
{
	int32_t h = ring_create(R1, 8, 0);
	CHECK(h > 0 && (uint32_t)h != rt_ring_handle, "ring_create %d", h);
	struct rc_ring r;
	CHECK_EQ(rc_ring_attach(&r, (void *)R1, rc_ring_bytes(8, 16), &rt_backend,
				(void *)(uintptr_t)h),
		 0);
	CHECK_EQ(r.sq_entries, 8);
	CHECK_EQ(r.cq_entries, 16);

	/* Work on it: a batch of 8 in one trap. */
	struct rc_proc_stats s0, s1;
	rt_proc_stats(&s0);
	for (int i = 0; i < 8; i++) {
		struct rc_sqe *s = rc_get_sqe(&r);
		rc_prep_nop(s, i);
		rc_sqe_set_data(s, (uint64_t)i);
	}
	CHECK(rc_get_sqe(&r) == NULL, "SQ of 8 not full");
	CHECK_EQ(rc_submit_and_wait(&r, 8), 8);
	rt_proc_stats(&s1);
	CHECK_EQ(s1.traps - s0.traps, 2);
	struct rc_cqe *cqe;
	unsigned head, n = 0;
	rc_for_each_cqe(&r, head, cqe)
	{
		CHECK(cqe->res == (int32_t)n && cqe->user_data == n, "cqe %u", n);
		n++;
	}
	rc_cq_advance(&r, n);
	CHECK_EQ(n, 8);

	/* Where it cannot go. */
	CHECK_EQ(ring_create(R1, 8, 0), -RC_EEXIST);		    /* taken by the first */
	CHECK_EQ(ring_create(R1 - 0x1000, 64, 0), -RC_EEXIST);	    /* 2 pages: overlaps it */
	CHECK_EQ(ring_create(0x400000, 8, 0), -RC_EEXIST);	    /* our program */
	CHECK_EQ(ring_create(R1 + 0x100000 + 8, 8, 0), -RC_EINVAL); /* not page-aligned */
	CHECK_EQ(ring_create(0x7ffffffff000ul, 64, 0),
		 -RC_EINVAL);					/* 2 pages: into the kernel half */
	CHECK_EQ(ring_create(R1 + 0x100000, 3, 0), -RC_EINVAL); /* not a power of two */
	CHECK_EQ(ring_create(R1 + 0x100000, 8, 4), -RC_EINVAL); /* CQ smaller than SQ */
	CHECK_EQ(ring_create(0x1000, 8, 0), -RC_EINVAL);	/* below the table's bound */

	/* A process has at most 4 rings (the first one included). */
	int32_t h2 = ring_create(R1 + 0x100000, 1, 1);
	int32_t h3 = ring_create(R1 + 0x200000, 1024, 4096); /* the largest */
	CHECK(h2 > 0 && h3 > 0, "h2 %d h3 %d", h2, h3);
	CHECK_EQ(ring_create(R1 + 0x300000, 8, 0), -RC_EMFILE);

	/* A ring's region is not anonymous memory: UNMAP refuses it. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_unmap(s, R1, 1, 0);
	CHECK_EQ(rt_sync(s), -RC_EINVAL);

	/* A ring may close itself: its handle goes at once, the ring when the
     * enter running it returns (so its wait says -EBADF); then its
     * handle and memory are gone. */
	rc_prep_close(rc_get_sqe(&r), (uint32_t)h, 0);
	CHECK_EQ(rc_submit_and_wait(&r, 1), -RC_EBADF);
	CHECK_EQ(close_handle((uint32_t)h), -RC_EBADF);
	CHECK_EQ(rt_enter((uint32_t)h, 0, 0, 0), -RC_EBADF);
	CHECK_EQ(rt_map(R1, 2, RC_MAP_WRITE), 0); /* the range is free again */
	CHECK_EQ(rt_unmap(R1, 2), 0);
	CHECK_EQ(close_handle((uint32_t)h2), 0);
	CHECK_EQ(close_handle((uint32_t)h3), 0);
	CHECK_EQ(close_handle(0), -RC_EBADF);
	CHECK_EQ(close_handle(0x12345), -RC_EBADF);
	/* Slots are reused; the stale handle stays dead. */
	int32_t h4 = ring_create(R1, 8, 0);
	CHECK(h4 > 0 && h4 != h, "reused handle %d (old %d)", h4, h);
	CHECK_EQ(close_handle((uint32_t)h4), 0);

	/* A ring closed while its owner sleeps in enter on it (by a CLOSE
     * that a child's exit runs, or that ran first): the enter returns
     * -EBADF and the ring goes, its parked TIMEOUT with it. */
	struct rc_ring r5;
	int32_t h5 = rt_ring_create(&r5, R1, 8, 0, 0);
	CHECK(h5 > 0, "ring_create %d", h5);
	rc_prep_timeout(rc_get_sqe(&r5), 10000000000ul, 0, 0);
	CHECK_EQ(rc_submit(&r5), 1); /* parked: enter on r5 sleeps */
	const char *sl[] = { "sleeper", "20", NULL };
	long child = spawn(sl);
	CHECK(child > 0, "spawn %ld", child);
	s = rt_sqe();
	rc_prep_wait(s, (int32_t)child, 0, NULL, 0);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	rc_sqe_set_data(s, 5);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)h5, 0);
	rc_sqe_set_data(s, 6);
	rc_submit(&rt_ring);
	CHECK_EQ(rt_enter((uint32_t)h5, 0, 1, RC_ENTER_GETEVENTS), -RC_EBADF);
	struct rc_cqe c5;
	CHECK(rt_next_cqe(&c5) == 0 && c5.user_data == 5 && c5.res == 0, "WAIT: %d", c5.res);
	CHECK(rt_next_cqe(&c5) == 0 && c5.user_data == 6 && c5.res == 0, "CLOSE: %d", c5.res);
	CHECK_EQ(rt_map(R1, 1, RC_MAP_WRITE), 0); /* its region is gone */
	CHECK_EQ(rt_unmap(R1, 1), 0);
	return rt_report("rt_ring");
}
