/*
 * rt_closerace - CLOSE of a ring racing its owner's enter (issue 9,
 * defect 2). Each round a polled ring A runs a long batch of MAP/UNMAP
 * pairs ending in CLOSE(B), and once the poller has started on it (A's
 * SQ head moved: it holds this process's lock for the whole batch) the
 * program enters B, which holds one published LINK'd NOP. The enter
 * either runs before the CLOSE (it takes the NOP) or finds B closed
 * (-EBADF); it never works on a destroyed ring.
 */
#include "ulib.h"

#define RA	0x620000000ul
#define RB	0x630000000ul
#define SCRATCH 0x640000000ul
#define ROUNDS	8
#define PAIRS	100

int main(void)
{
	struct rc_ring a;
	int32_t ha = rt_ring_create(&a, RA, 256, 512, RC_SETUP_POLL);
	CHECK(ha > 0, "RING_CREATE(POLL) %d", ha);
	if (ha <= 0)
		return rt_report("rt_closerace");
	int before = 0, after = 0;
	for (int round = 0; round < ROUNDS; round++) {
		struct rc_ring b;
		int32_t hb = rt_ring_create(&b, RB, 2, 0, 0);
		CHECK(hb > 0, "round %d: RING_CREATE %d", round, hb);
		if (hb <= 0)
			break;
		struct rc_sqe *s = rc_get_sqe(&b);
		rc_prep_nop(s, 0);
		rc_sqe_set_flags(s, RC_SQE_LINK);
		/* Published, not entered: pairs with the engine's acquire of sq_tail. */
		__atomic_store_n(&b.hdr->sq_tail, b.sqe_tail, __ATOMIC_RELEASE);

		uint32_t head0 = __atomic_load_n(&a.hdr->sq_head, __ATOMIC_ACQUIRE);
		for (int i = 0; i < PAIRS; i++) {
			rc_prep_map(rc_get_sqe(&a), SCRATCH, 1, RC_MAP_WRITE);
			rc_prep_unmap(rc_get_sqe(&a), SCRATCH, 1, 0);
		}
		s = rc_get_sqe(&a);
		rc_prep_close(s, (uint32_t)hb, 0);
		rc_sqe_set_data(s, 1);
		rc_submit(&a);
		for (uint64_t t = rt_rdtsc();
		     __atomic_load_n(&a.hdr->sq_head, __ATOMIC_ACQUIRE) == head0 &&
		     rt_rdtsc() - t < 20000000000ull;)
			__builtin_ia32_pause();
		long r = rt_enter((uint32_t)hb, 1, 0, 0);
		CHECK(r == 1 || r == -RC_EBADF, "round %d: enter B %ld", round, r);
		before += r == 1;
		after += r == -RC_EBADF;

		int bad = 0, closed = 0;
		for (int i = 0; i < 2 * PAIRS + 1; i++) {
			struct rc_cqe *c;
			if (rc_wait_cqe(&a, &c) != 0) {
				bad++;
				break;
			}
			if (c->user_data == 1)
				closed += c->res == 0;
			else
				bad += c->res != 0;
			rc_cqe_seen(&a, c);
		}
		CHECK(bad == 0 && closed == 1, "round %d: %d bad CQEs, close %d", round, bad,
		      closed);
		CHECK_EQ(rt_enter((uint32_t)hb, 0, 0, 0), -RC_EBADF);
	}
	printf("  rt_closerace: enter before CLOSE %d, after %d\n", before, after);
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)ha, 0);
	CHECK_EQ(rt_sync(s), 0);
	return rt_report("rt_closerace");
}
