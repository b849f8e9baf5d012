/*
 * rt_tstorm - a storm of TIMEOUTs cannot delay a bystander's (issue 9,
 * item 4). HOGS processes each park, on each of 3 rings, DUE TIMEOUTs
 * that fall due at one instant behind FAR far ones, and sleep; the timer
 * tick fires them. This process (the bystander) sleeps on a TIMEOUT due at
 * that same instant, then on a 1 ms one, and measures how late each
 * completes on the engine clock. Every hog checks that all its due
 * TIMEOUTs completed, -ETIME, in submission order.
 *
 * usage: rt_tstorm [strict|loose]  (default strict)
 *        rt_tstorm hog DEADLINE_NS strict|loose   (the hogs)
 * strict: run under QEMU -icount (the guest clock counts instructions, so
 * the figures are exact and the same each run): the bystander is at most
 * LATE_MAX late. loose: ordinary TCG, where host load moves the clock:
 * the order and completeness checks only.
 */
#include "ulib.h"

#define HOGS	  4
#define RINGS	  3
#define DUE	  2048
#define FAR	  2047
#define RING_ADDR 0x700000000ul
#define SETUP_NS  1000000000ull /* hogs park everything before the storm */
#define LATE_MAX  25000000ull	/* 2.5 ticks: the tick period and the bounded tick work */

/* Park DUE TIMEOUTs at `due`, then FAR an hour later, on r. */
static void park(struct rc_ring *r, uint64_t due)
{
	for (uint32_t i = 0; i < DUE + FAR; i++) {
		struct rc_sqe *s = rc_get_sqe(r);
		if (!s) {
			CHECK(rc_submit(r) > 0, "submit");
			s = rc_get_sqe(r);
		}
		rc_prep_timeout(s, i < DUE ? due : due + 3600000000000ull, 0, RC_TIMEOUT_ABS);
		rc_sqe_set_data(s, i);
	}
	CHECK(rc_submit(r) > 0, "submit");
}

/* Every due TIMEOUT on r completed, -ETIME, in submission order. */
static void check_fired(struct rc_ring *r, int k)
{
	struct rc_cqe *c;
	uint32_t next = 0, bad = 0;
	while (rc_peek_cqe(r, &c) == 0) {
		if (c->user_data != next || c->res != -RC_ETIME)
			bad++;
		next++;
		rc_cqe_seen(r, c);
	}
	CHECK(next == DUE && bad == 0, "ring %d: %u CQEs, %u out of order", k, next, bad);
}

static int hog(uint64_t due, bool strict)
{
	struct rc_ring r[RINGS];
	for (int k = 0; k < RINGS; k++) {
		int32_t h = rt_ring_create(&r[k], RING_ADDR + (uint64_t)k * 0x1000000, 1024, 4096,
					   0);
		CHECK(h > 0, "RING_CREATE %d", h);
		if (h <= 0)
			return rt_report("rt_tstorm hog");
	}
	for (int k = 0; k < RINGS; k++)
		park(&r[k], due);
	uint64_t ready = clock_ns();
	if (strict)
		CHECK(ready < due, "parked only %lu ns after the storm",
		      (unsigned long)(ready - due));
	/* Sleep on the first ring while the tick fires the others (32 ticks
     * at RCE_TIMEOUT_BUDGET a tick), then wait for any stragglers. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, due + 500000000ull, 0, RC_TIMEOUT_ABS);
	CHECK_EQ(rt_sync(s), -RC_ETIME);
	for (int k = 0; k < RINGS; k++) {
		struct rc_cqe *c;
		CHECK_EQ(rc_wait_cqe_nr(&r[k], &c, DUE), 0);
		check_fired(&r[k], k);
	}
	return rt_report("rt_tstorm hog"); /* the far ones go with the process */
}

/* Sleep on one TIMEOUT; return how late (ns) it completed after `want`. */
static uint64_t late(struct rc_sqe *s, uint64_t want)
{
	CHECK_EQ(rt_sync(s), -RC_ETIME);
	uint64_t now = clock_ns();
	return now > want ? now - want : 0;
}

int main(int argc, char **argv)
{
	if (argc > 3 && strcmp(argv[1], "hog") == 0)
		return hog((uint64_t)atol(argv[2]), strcmp(argv[3], "strict") == 0);
	bool strict = !(argc > 1 && strcmp(argv[1], "loose") == 0);
	const char *mode = strict ? "strict" : "loose";
	uint64_t due = clock_ns() + SETUP_NS;
	char arg[24];
	snprintf(arg, sizeof(arg), "%lu", (unsigned long)due);
	const char *hog_argv[] = { "rt_tstorm", "hog", arg, mode, NULL };
	for (int i = 0; i < HOGS; i++)
		CHECK(spawn(hog_argv) > 0, "spawn hog %d", i);

	/* Due at the instant of the storm, then 1 ms into it. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, due, 0, RC_TIMEOUT_ABS);
	uint64_t late_same = late(s, due);
	uint64_t armed = clock_ns(); /* before rt_sqe: clock_ns submits what is prepared */
	s = rt_sqe();
	rc_prep_timeout(s, 1000000, 0, 0);
	uint64_t late_1ms = late(s, armed + 1000000);
	printf("  rt_tstorm (%s): %d x %d rings x %d due behind %d far; bystander late by "
	       "%lu us (same instant), %lu us (1 ms timeout)\n",
	       mode, HOGS, RINGS, DUE, FAR, (unsigned long)(late_same / 1000),
	       (unsigned long)(late_1ms / 1000));
	if (strict) {
		CHECK(late_same <= LATE_MAX, "%lu ns late at the storm", (unsigned long)late_same);
		CHECK(late_1ms <= LATE_MAX, "%lu ns late in the storm", (unsigned long)late_1ms);
	}
	for (int i = 0; i < HOGS; i++)
		CHECK_EQ(waitpid(0, NULL), 0);
	return rt_report("rt_tstorm");
}
