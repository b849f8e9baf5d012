/*
 * rt_stress - many requests in flight for a while: TOTAL submissions
 * (TIMEOUTs of 0-3 ms, NOPs, GETPIDs) with up to INFLIGHT outstanding,
 * on a polled ring ("poll") or an entered one ("enter"). Every
 * submission must get exactly one completion: each user_data is marked
 * once, none twice, none unknown, and the CQ is empty at the end.
 *
 * usage: rt_stress poll|enter TOTAL INFLIGHT
 */
#include "ulib.h"

#define ADDR	 0x580000000ul
#define MAXTOTAL 65536

static uint8_t seen[MAXTOTAL];

/* Prepare request i (its kind depends on i). */
static void prep(struct rc_sqe *s, uint32_t i)
{
	switch (i % 4) {
	case 0:
	case 1: rc_prep_timeout(s, (uint64_t)(i % 7) * 500000, 0, 0); break;
	case 2: rc_prep_nop(s, 0); break;
	default: rc_prep_getpid(s, 0); break;
	}
	rc_sqe_set_data(s, i);
}

/* Account for one CQE; false if it is wrong. */
static bool account(const struct rc_cqe *c, uint32_t total)
{
	uint64_t i = c->user_data;
	if (i >= total || seen[i])
		return false;
	seen[i] = 1;
	int32_t want_ok = (i % 4) < 2 ? -RC_ETIME : 0;
	return (i % 4) == 3 ? c->res > 0 : c->res == want_ok;
}

int main(int argc, char **argv)
{
	bool poll = argc > 1 && strcmp(argv[1], "poll") == 0;
	uint32_t total = argc > 2 ? (uint32_t)atol(argv[2]) : 4000;
	uint32_t depth = argc > 3 ? (uint32_t)atol(argv[3]) : 200;
	if (total > MAXTOTAL)
		total = MAXTOTAL;
	struct rc_ring r;
	int32_t h = rt_ring_create(&r, ADDR, 256, 512, poll ? RC_SETUP_POLL : 0);
	CHECK(h > 0, "RING_CREATE %d", h);
	if (h <= 0)
		return rt_report("rt_stress");
	uint32_t sub = 0, done = 0, bad = 0, peak = 0;
	while (done < total && !bad) {
		while (sub < total && sub - done < depth) {
			struct rc_sqe *s = rc_get_sqe(&r);
			if (!s)
				break;
			prep(s, sub++);
		}
		if (sub - done > peak)
			peak = sub - done;
		int ret = rc_submit(&r);
		CHECK(ret >= 0, "submit %d", ret);
		struct rc_cqe *c;
		if (rc_peek_cqe(&r, &c) != 0 && rc_wait_cqe(&r, &c) != 0) {
			CHECK(false, "wait failed with %u of %u done", done, total);
			break;
		}
		while (rc_peek_cqe(&r, &c) == 0) {
			if (!account(c, total)) {
				bad++;
				CHECK(false, "CQE ud %lu res %d: unknown, duplicate or wrong",
				      (unsigned long)c->user_data, c->res);
			}
			rc_cqe_seen(&r, c);
			done++;
		}
	}
	CHECK_EQ(done, total);
	uint32_t missing = 0;
	for (uint32_t i = 0; i < total; i++)
		missing += !seen[i];
	CHECK_EQ(missing, 0);
	struct rc_cqe *c;
	CHECK(rc_peek_cqe(&r, &c) != 0, "an extra CQE");
	CHECK(peak >= depth / 2, "only %u in flight at most", peak);
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	CHECK_EQ(rt_sync(s), 0);
	printf("  rt_stress %s: %u requests, up to %u in flight\n", poll ? "poll" : "enter", total,
	       peak);
	return rt_report("rt_stress");
}
