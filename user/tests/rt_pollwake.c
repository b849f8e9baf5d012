/*
 * rt_pollwake - hammer the poller's sleep/wake edge. The kernel test sets
 * a short idle timeout; each round waits a different time (none, around
 * the timeout) before submitting one NOP, so submissions land while the
 * poller spins and while it is deciding to sleep; every tenth round
 * submits while it sleeps for certain: it parks a CONSOLE_READ, and the
 * kernel test types a byte once it has seen that read parked and the
 * poller asleep (a handshake: on a loaded host no wait for time is sure
 * to outlast the poller's idle timeout). The library rings the doorbell
 * only when it sees NEED_WAKEUP; the CQE is then awaited by its phase
 * alone, never by entering (an enter would kick the poller and hide a
 * lost wakeup). A lost wakeup is a CQE that never comes: 60 s is a hang
 * guard, not a time anything is expected to take. The first of those
 * rounds publishes its NOP without ringing and enters without SQ_WAKEUP:
 * that must leave the NOP to the asleep poller (no CQE), then it rings.
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

/* Publish what is prepared on the polled ring r without ringing: each
 * entry's seq, then the tail (the library's flush, abi.md §6.2). */
static void publish_quietly(struct rc_ring *r)
{
	for (uint32_t i = r->sqe_head; i != r->sqe_tail; i++)
		rc_store_release(&r->sqes[i & r->sq_mask].seq, i + 1);
	r->sqe_head = r->sqe_tail;
	rc_store_release(&r->hdr->sq_tail, r->sqe_tail);
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
		/* gaps: 0, then 0.6x .. 1.3x the idle timeout; then asleep */
		int k = i % 10;
		uint64_t gap = k == 0 ? 0 : idle * (uint64_t)(k + 5) / 10;
		if (k == 9) {
			static char go;
			struct rc_sqe *s = rt_sqe();
			rc_prep_console_read(s, &go, 1);
			CHECK_EQ(rt_sync(s), 1); /* the kernel test saw the poller asleep */
		} else {
			spin_us(gap, cpu);
		}
		uint64_t db0 = r.stats.doorbells;
		struct rc_sqe *s = rc_get_sqe(&r);
		rc_prep_nop(s, 0);
		rc_sqe_set_data(s, (uint64_t)i);
		if (i == 9) {
			/* Once, with the poller asleep for certain: an enter
			 * without SQ_WAKEUP leaves a polled ring's SQEs to the
			 * poller (it neither runs the ring nor kicks), so the
			 * published NOP stays unanswered until the doorbell.
			 * (rk_enter_trap's light way takes doorbell rings only.) */
			publish_quietly(&r);
			CHECK_EQ(rt_enter((uint32_t)h, 0, 0, 0), 0);
			CHECK(rc_cq_ready(&r) == 0,
			      "an enter without SQ_WAKEUP ran the polled ring");
			CHECK_EQ(rt_enter((uint32_t)h, 0, 0, RC_ENTER_SQ_WAKEUP), 0);
			r.stats.doorbells++; /* rung by hand */
		} else {
			rc_submit(&r);
		}
		quiet += r.stats.doorbells == db0;
		CHECK(k != 9 || r.stats.doorbells > db0, "round %d: the poller slept, no doorbell",
		      i);
		struct rc_cqe *c = rt_spin_cqe(&r, 60000000ull * cpu); /* a hang guard */
		if (!c) {
			lost++;
			CHECK(false, "round %d: no CQE within 60 s (gap %lu us): lost wakeup", i,
			      k == 9 ? 0ul : (unsigned long)gap);
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
