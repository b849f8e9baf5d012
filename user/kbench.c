/*
 * kbench - what a syscall costs in this kernel (make bench-kernel), in
 * instructions: QEMU runs it with -icount shift=0,sleep=off, so the guest
 * TSC advances by one per instruction executed (on either CPU) and every
 * TSC delta below is an exact instruction count, user and kernel together.
 *
 * Peers, in order: the bare trap (RK_TRAP_BASELINE_NOP: syscall, return 0,
 * sysret; a benchmark-only peer, not a system call), NOP through a ring in
 * enter mode at batch 1..256 (one enter per batch), then NOP through a
 * polled ring (the kernel poller on CPU 1; both CPUs' instructions count).
 * The polled ring is made only after the enter runs, so the poller is
 * asleep (never woken) while the trap and enter figures are taken.
 * Traps come from the kernel's count (PROC_STATS).
 * Prints one "kernel_<metric>,<value>,<unit>" row per figure.
 */
#include "ulib.h"

#define CALLS 4096u /* NOPs per configuration */
#define EADDR 0x600000000ul
#define PADDR 0x640000000ul

static struct rc_ring er, pr;
static const char *unit_i = "instructions/call (QEMU icount: user+kernel)";

/* Traps so far (PROC_STATS on the first ring: itself one trap, counted
 * before it runs, so the caller subtracts one per read). */
static uint64_t traps_now(void)
{
	struct rc_proc_stats st;
	rt_proc_stats(&st);
	return st.traps;
}

/* Print num/den with 3 decimals as a row (no floating point here). */
static void row(const char *name, uint64_t num, uint64_t den, const char *unit)
{
	uint64_t milli = den ? num * 1000 / den : 0;
	printf("kernel_%s,%lu.%03lu,%s\n", name, (unsigned long)(milli / 1000),
	       (unsigned long)(milli % 1000), unit);
}

/* CALLS NOPs on r, b per submission; *traps and *insns for the run. */
static void run_nops(struct rc_ring *r, uint32_t b, uint64_t *traps, uint64_t *insns)
{
	uint64_t t0 = traps_now(), c0 = rt_rdtsc();
	for (uint32_t done = 0; done < CALLS; done += b) {
		for (uint32_t i = 0; i < b; i++)
			rc_prep_nop(rc_get_sqe(r), 0);
		rc_submit_and_wait(r, b);
		rc_cq_advance(r, b);
	}
	*insns = rt_rdtsc() - c0;
	*traps = traps_now() - t0 - 1;
}

/* The bare trap, CALLS times. */
static void run_baseline(uint64_t *traps, uint64_t *insns)
{
	uint64_t t0 = traps_now(), c0 = rt_rdtsc();
	for (uint32_t i = 0; i < CALLS; i++) {
		long ret;
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"((long)RK_TRAP_BASELINE_NOP)
				 : "rcx", "r11", "memory");
	}
	*insns = rt_rdtsc() - c0;
	*traps = traps_now() - t0 - 1;
}

/* Batches 1, 2, 4 .. 256 on r; rows named <mode>_nop_b<N>. */
static void run_batches(struct rc_ring *r, const char *mode, const char *traps_name)
{
	char name[64];
	uint64_t traps, insns, all_traps = 0;
	for (uint32_t b = 1; b <= 256; b *= 2) {
		run_nops(r, b, &traps, &insns);
		snprintf(name, sizeof(name), "icount_%s_nop_b%u", mode, b);
		row(name, insns, CALLS, unit_i);
		snprintf(name, sizeof(name), "%s_b%u", traps_name, b);
		row(name, traps, CALLS, "traps/call");
		all_traps += traps;
	}
	if (r == &pr)
		row("traps_per_call_poll", all_traps, 9 * CALLS, "traps/call");
}

int main(void)
{
	uint64_t traps, insns;
	if (rt_ring_create(&er, EADDR, 256, 512, 0) < 0) {
		printf("kbench: RING_CREATE failed\n");
		return 1;
	}
	run_baseline(&traps, &insns); /* warm-up: the same path, not counted */
	run_baseline(&traps, &insns);
	row("icount_trap_nop", insns, CALLS, unit_i);
	row("traps_per_call_trap", traps, CALLS, "traps/call");
	run_nops(&er, 1, &traps, &insns); /* warm-up */
	run_batches(&er, "enter", "traps_per_call");

	if (rt_ring_create(&pr, PADDR, 256, 512, RC_SETUP_POLL) < 0) {
		printf("kbench: RING_CREATE (poll) failed\n");
		return 1;
	}
	pr.spin_limit = UINT32_MAX;	  /* wait on the CQ by spinning: the poller answers */
	run_nops(&pr, 1, &traps, &insns); /* warm-up: wake the poller */
	run_batches(&pr, "poll", "traps_per_call_poll");
	return 0;
}
