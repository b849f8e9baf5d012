/*
 * rt_batch - the point of rings: N syscalls cost ceil(N / batch) traps.
 * Counted by the kernel (PROC_STATS), not by the library.
 */
#include "ulib.h"

/* Run n syscalls (GETPID, CLOCK, NOP in turn) b per enter; the kernel's
 * count of traps and SQEs they took. */
static void run(int n, int b, uint64_t *traps, uint64_t *sqes)
{
	struct rc_proc_stats s0, s1;
	uint64_t t[64];
	rt_proc_stats(&s0);
	for (int done = 0; done < n;) {
		int k = n - done < b ? n - done : b;
		for (int i = 0; i < k; i++) {
			struct rc_sqe *s = rc_get_sqe(&rt_ring);
			switch ((done + i) % 3) {
			case 0: rc_prep_getpid(s, 0); break;
			case 1: rc_prep_clock(s, &t[i], 8); break;
			default: rc_prep_nop(s, 7); break;
			}
			rc_sqe_set_data(s, (uint64_t)(done + i));
		}
		CHECK_EQ(rc_submit_and_wait(&rt_ring, (uint32_t)k), k);
		for (int i = 0; i < k; i++) {
			struct rc_cqe c;
			CHECK_EQ(rt_next_cqe(&c), 0);
			CHECK(c.user_data == (uint64_t)(done + i) && c.res >= 0, "cqe %lu res %d",
			      (unsigned long)c.user_data, c.res);
		}
		done += k;
	}
	rt_proc_stats(&s1);
	/* Both snapshots count their own trap; the first one's SQE is counted
     * after it ran: subtract one of each. */
	*traps = s1.traps - s0.traps - 1;
	*sqes = s1.sqes - s0.sqes - 1;
}

int main(void)
{
	static const int batches[] = { 1, 4, 16, 60 };
	for (unsigned i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		uint64_t traps, sqes;
		int b = batches[i];
		run(60, b, &traps, &sqes);
		CHECK(sqes == 60, "batch %d: %lu SQEs", b, (unsigned long)sqes);
		CHECK(traps == (uint64_t)((60 + b - 1) / b), "batch %d: %lu traps", b,
		      (unsigned long)traps);
	}
	return rt_report("rt_batch");
}
