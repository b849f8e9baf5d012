/*
 * rt_inflight [fault] - leave the kernel as much as possible in flight,
 * then exit (or, with "fault", die of a page fault): parked TIMEOUTs on
 * two rings, a parked CONSOLE_READ, a parked WAIT for a child that is
 * still running, a LINK chain held behind a parked entry, a DRAIN entry
 * held with more queued behind it, CQEs in the backlog, MAP'd memory.
 * The kernel test then checks that every frame came back.
 */
#include "ulib.h"

#define R2 0x800000000ul

int main(int argc, char **argv)
{
	bool fault = argc > 1 && strcmp(argv[1], "fault") == 0;
	static char line[16];
	struct rc_sqe *s;

	CHECK_EQ(rt_map(0x40000000ul, 16, RC_MAP_WRITE), 0);
	*(volatile int *)0x40000000ul = 1;

	/* A second ring: a parked TIMEOUT and an overflowing CQ. */
	s = rt_sqe();
	rc_prep_ring_create(s, R2, 4, 4, 0);
	int32_t h = rt_sync(s);
	struct rc_ring r;
	CHECK_EQ(rc_ring_attach(&r, (void *)R2, rc_ring_bytes(4, 4), &rt_backend,
				(void *)(uintptr_t)h),
		 0);
	rc_prep_timeout(rc_get_sqe(&r), 60000000000ull, 0, 0);
	CHECK_EQ(rc_submit(&r), 1);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++)
			rc_prep_nop(rc_get_sqe(&r), i);
		CHECK_EQ(rc_submit(&r), 3); /* never reaped: 2 in the backlog */
	}
	CHECK(r.hdr->flags & RC_RING_CQ_OVERFLOW, "ring 2 did not overflow");

	/* Ring 0: a child to wait for, a console read, a long timeout with a
     * chain behind it, a DRAIN held with entries queued after it. */
	const char *sl[] = { "sleeper", "40", NULL };
	char args[32];
	uint32_t n = rt_pack_argv(args, sizeof(args), sl);
	s = rt_sqe();
	rc_prep_spawn(s, args, n, 0, NULL, 0, 0, NULL);
	rc_sqe_set_data(s, 1);
	s = rt_sqe();
	rc_prep_wait(s, 0, 0, NULL, 0);
	rc_sqe_set_data(s, 2);
	s = rt_sqe();
	rc_prep_console_read(s, line, sizeof(line));
	rc_sqe_set_data(s, 3);
	s = rt_sqe();
	rc_prep_timeout(s, 60000000000ull, 0, 0);
	rc_sqe_set_data(s, 4);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, 5);
	rc_sqe_set_data(s, 5);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_getpid(s, 0);
	rc_sqe_set_data(s, 6);
	s = rt_sqe();
	rc_prep_nop(s, 7);
	rc_sqe_set_data(s, 7);
	rc_sqe_set_flags(s, RC_SQE_DRAIN);
	s = rt_sqe();
	rc_prep_nop(s, 8);
	rc_sqe_set_data(s, 8);
	s = rt_sqe();
	rc_prep_nop(s, 9);
	rc_sqe_set_data(s, 9);
	CHECK_EQ(rc_submit(&rt_ring), 9); /* published; the engine stops at the held DRAIN */
	struct rc_cqe c;
	CHECK_EQ(rt_next_cqe(&c), 0);
	CHECK(c.user_data == 1 && c.res > 0, "spawn %d", c.res);
	CHECK(rt_peek_cqe(&c) == -RC_EAGAIN, "unexpected CQE %lu", (unsigned long)c.user_data);
	rt_report(fault ? "rt_inflight fault" : "rt_inflight");
	if (fault)
		*(volatile int *)0 = 1;
	rt_exit_on(&r, rt_fails); /* ring 0's SQ waits behind the DRAIN */
}
