/*
 * rt_poll - system calls without traps: a ring served by the kernel
 * poller (RING_CREATE with RC_SETUP_POLL). A burst of syscalls, a TIMEOUT
 * and a child's WAIT all complete while this process spins on its CQ;
 * PROC_STATS (itself read through the polled ring) shows no trap.
 */
#include "ulib.h"

#define PADDR 0x500000000ul
#define SPIN  (UINT64_C(20) * 1000 * 1000 * 1000) /* cycles: a failure bound only */

static struct rc_ring pr;

/* Submit what is prepared on pr and spin (no trap) for one CQE: its res,
 * its user_data in *ud. -RC_ETIME if none came. */
static int32_t poll_one(uint64_t *ud)
{
	rc_submit(&pr);
	struct rc_cqe *c = rt_spin_cqe(&pr, SPIN);
	if (!c)
		return -RC_ETIME - 1000;
	int32_t res = c->res;
	if (ud)
		*ud = c->user_data;
	rc_cqe_seen(&pr, c);
	return res;
}

/* PROC_STATS through the polled ring: no trap of its own. */
static void poll_stats(struct rc_proc_stats *st)
{
	rc_prep_proc_stats(rc_get_sqe(&pr), st, sizeof(*st), 0, 0);
	CHECK_EQ(poll_one(NULL), sizeof(*st));
}

/* 200 syscalls in batches of 8, all through the poller. */
static void burst(void)
{
	uint64_t t[8];
	for (int done = 0; done < 200; done += 8) {
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *s = rc_get_sqe(&pr);
			if (i % 3 == 0)
				rc_prep_nop(s, 0);
			else if (i % 3 == 1)
				rc_prep_getpid(s, 0);
			else
				rc_prep_clock(s, &t[i], 8);
			rc_sqe_set_data(s, (uint64_t)(done + i));
		}
		rc_submit(&pr);
		for (int i = 0; i < 8; i++) {
			struct rc_cqe *c = rt_spin_cqe(&pr, SPIN);
			CHECK(c != NULL, "burst: CQE %d never came", done + i);
			if (!c)
				return;
			CHECK(c->res >= 0, "burst: res %d", c->res);
			rc_cqe_seen(&pr, c);
		}
	}
}

int main(void)
{
	int32_t h = rt_ring_create(&pr, PADDR, 64, 128, RC_SETUP_POLL);
	CHECK(h > 0, "RING_CREATE(POLL) %d", h);
	if (h <= 0)
		return rt_report("rt_poll");
	CHECK(pr.setup_flags & RC_SETUP_POLL, "not a polled ring");
	rc_prep_nop(rc_get_sqe(&pr), 0); /* wake the poller: may ring once */
	CHECK_EQ(poll_one(NULL), 0);

	struct rc_proc_stats s0, s1;
	poll_stats(&s0);
	burst();
	poll_stats(&s1);
	CHECK(s1.traps == s0.traps, "burst: %lu traps", (unsigned long)(s1.traps - s0.traps));
	CHECK(s1.sqes - s0.sqes == 201, "burst: %lu SQEs", (unsigned long)(s1.sqes - s0.sqes));

	/* A TIMEOUT completes while we spin: the timer hook posts it. The
     * second read goes through the first ring (one trap: counted before
     * it runs), so a sleeping poller cannot add a doorbell. */
	poll_stats(&s0);
	rc_prep_timeout(rc_get_sqe(&pr), 30 * 1000000ul, 0, 0);
	uint64_t t0 = rt_rdtsc();
	CHECK_EQ(poll_one(NULL), -RC_ETIME);
	uint64_t spun = rt_rdtsc() - t0;
	rt_proc_stats(&s1);
	CHECK(s1.traps - s0.traps == 1, "timeout: %lu traps besides the stats read",
	      (unsigned long)(s1.traps - s0.traps - 1));
	CHECK(spun > 1000000, "timeout came after only %lu cycles", (unsigned long)spun);

	/* A child spawned and awaited through the polled ring: the WAIT is
     * completed by the child's exit on whichever CPU it ran. */
	static const char *const argv[] = { "worker", "7", "5", NULL };
	char packed[32];
	uint32_t n = rt_pack_argv(packed, sizeof(packed), argv);
	struct rc_wait_info wi;
	poll_stats(&s0);
	struct rc_sqe *s = rc_get_sqe(&pr);
	rc_prep_spawn(s, packed, n, 0, NULL, 0, 0, NULL);
	rc_sqe_set_data(s, 1);
	s = rc_get_sqe(&pr);
	rc_prep_wait(s, 0, 0, &wi, sizeof(wi));
	rc_sqe_set_data(s, 2);
	uint64_t ud = 0;
	int32_t r1 = poll_one(&ud);
	CHECK(ud == 1 && r1 > 0, "spawn: ud %lu res %d", (unsigned long)ud, r1);
	int32_t r2 = poll_one(&ud);
	CHECK(ud == 2 && r2 == 7 && wi.pid == r1, "wait: ud %lu res %d pid %d", (unsigned long)ud,
	      r2, wi.pid);
	rt_proc_stats(&s1);
	CHECK(s1.traps - s0.traps == 1, "spawn+wait: %lu traps besides the stats read",
	      (unsigned long)(s1.traps - s0.traps - 1));

	/* The doorbell path still works when the poller sleeps: enter with
     * GETEVENTS on a polled ring kicks it and waits. */
	s = rc_get_sqe(&pr);
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 77);
	CHECK_EQ(rc_submit_and_wait(&pr, 1), 1);
	struct rc_cqe *c;
	CHECK_EQ(rc_wait_cqe(&pr, &c), 0);
	CHECK_EQ(c->user_data, 77);
	rc_cqe_seen(&pr, c);
	/* Nothing in flight and nothing published: -EDEADLK, not a hang. */
	CHECK_EQ(rt_enter((uint32_t)h, 0, 1, RC_ENTER_GETEVENTS), -RC_EDEADLK);

	s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	CHECK_EQ(rt_sync(s), 0);
	return rt_report("rt_poll");
}
