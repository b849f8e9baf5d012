/*
 * rt_closechain MODE - a ring closed from inside its own chain, the chain
 * completed outside enter (issue 9, defect 1). Ring B (sq 2, cq 2) holds
 * a parked WAIT(child) -LINK-> CLOSE(B); the kernel test kills the child
 * once the WAIT is parked, and the child's exit completes the WAIT and
 * runs the CLOSE. MODE "full": B's CQ already holds two unreaped CQEs, so
 * the results go to B's backlog; "room": to its CQ. Either way B goes
 * (its handle dead, its region unmapped) once nothing runs on it, and
 * this process goes on.
 */
#include "ulib.h"

#define RB 0x610000000ul

/* Sleep ms on the first ring (a TIMEOUT), not on B. */
static void nap(uint64_t ms)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, ms * 1000000, 0, 0);
	rt_sync(s);
}

int main(int argc, char **argv)
{
	bool full = argc > 1 && strcmp(argv[1], "full") == 0;
	struct rc_ring b;
	int32_t hb = rt_ring_create(&b, RB, 2, 2, 0);
	CHECK(hb > 0, "RING_CREATE %d", hb);
	if (hb <= 0)
		return rt_report("rt_closechain");
	if (full) {
		for (int i = 0; i < 2; i++)
			rc_prep_nop(rc_get_sqe(&b), 0);
		CHECK_EQ(rc_submit_and_wait(&b, 2), 2);
		CHECK_EQ(rc_cq_ready(&b), 2); /* left unreaped: B's CQ is full */
	}
	const char *sl[] = { "sleeper", "10000", NULL };
	long child = spawn(sl); /* the kernel test kills it */
	CHECK(child > 0, "spawn %ld", child);
	struct rc_sqe *s = rc_get_sqe(&b);
	rc_prep_wait(s, (int32_t)child, 0, NULL, 0);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	rc_prep_close(rc_get_sqe(&b), (uint32_t)hb, 0);
	CHECK_EQ(rc_submit(&b), 2); /* WAIT parks, CLOSE waits behind it */

	/* The chain completes from the child's exit; B is gone when enter
     * says its handle names nothing. */
	long r = 0;
	for (int i = 0; i < 500 && r != -RC_EBADF; i++) {
		nap(10);
		r = rt_enter((uint32_t)hb, 0, 0, 0);
	}
	CHECK_EQ(r, -RC_EBADF);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)hb, 0);
	CHECK_EQ(rt_sync(s), -RC_EBADF);
	CHECK_EQ(rt_map(RB, 1, RC_MAP_WRITE), 0); /* B's region is unmapped */
	CHECK_EQ(rt_unmap(RB, 1), 0);
	CHECK_EQ(waitpid((int)child, NULL), -RC_ECHILD); /* the WAIT reaped it */
	return rt_report("rt_closechain");
}
