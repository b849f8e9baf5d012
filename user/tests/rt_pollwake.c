/*
 * rt_pollwake - hammer the poller's sleep/wake edge. The kernel test sets
 * a short idle timeout; each round waits a different time (none, around
 * the timeout, well past it) before submitting one NOP, so submissions
 * land while the poller spins, while it is deciding to sleep, and while
 * it sleeps. The library rings the doorbell only when it sees
 * NEED_WAKEUP; the CQE is then awaited by its phase alone, never by
 * entering (an enter would kick the poller and hide a lost wakeup).
 * A lost wakeup is a CQE that never comes.
 *
 * usage: rt_pollwake ROUNDS IDLE_US
 */
#include "ulib.h"

#define PADDR 0x540000000ul

/* Cycles per microsecond, from the kernel clock over ~20 ms. */
static uint64_t cycles_per_us(void)
{
	uint64_t c0 = rt_rdtsc(), n0 = clock_ns(), n1;
	while ((n1 = clock_ns()) - n0 < 20 * 1000000ul)
		;
	return (rt_rdtsc() - c0) * 1000 / (n1 - n0);
}

static void spin_us(uint64_t us, uint64_t cpu)
{
	uint64_t t0 = rt_rdtsc();
	while (rt_rdtsc() - t0 < us * cpu)
		__builtin_ia32_pause();
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)atol(argv[1]) : 200;
	uint64_t idle = argc > 2 ? (uint64_t)atol(argv[2]) : 2000;
	uint64_t cpu = cycles_per_us();
	struct rc_ring r;
	int32_t h = rt_ring_create(&r, PADDR, 8, 16, RC_SETUP_POLL);
	CHECK(h > 0, "RING_CREATE(POLL) %d", h);
	if (h <= 0)
		return rt_report("rt_pollwake");
	int lost = 0, quiet = 0;
	for (int i = 0; i < rounds && !lost; i++) {
		/* gaps: 0, then 0.6x .. 1.4x the idle timeout, then 3x */
		int k = i % 10;
		uint64_t gap = k == 0 ? 0 : k == 9 ? 3 * idle : idle * (uint64_t)(k + 5) / 10;
		spin_us(gap, cpu);
		uint64_t db0 = r.stats.doorbells;
		struct rc_sqe *s = rc_get_sqe(&r);
		rc_prep_nop(s, 0);
		rc_sqe_set_data(s, (uint64_t)i);
		rc_submit(&r);
		quiet += r.stats.doorbells == db0;
		struct rc_cqe *c = rt_spin_cqe(&r, 2000000ull * cpu); /* 2 s */
		if (!c) {
			lost++;
			CHECK(false, "round %d: no CQE within 2 s (gap %lu us): lost wakeup", i,
			      (unsigned long)gap);
			break;
		}
		CHECK(c->user_data == (uint64_t)i && c->res == 0, "round %d: ud %lu res %d", i,
		      (unsigned long)c->user_data, c->res);
		rc_cqe_seen(&r, c);
	}
	printf("  rt_pollwake: %d rounds, %lu doorbells, %d without one\n", rounds,
	       (unsigned long)r.stats.doorbells, quiet);
	CHECK(r.stats.doorbells > 0, "never rang: the poller never slept");
	CHECK(quiet > 0, "always rang: the poller was never awake");
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	CHECK_EQ(rt_sync(s), 0);
	return rt_report("rt_pollwake");
}
