/*
 * kbench - what a syscall costs in this kernel (make bench-kernel): NOP
 * at batch 1 to 256 through an entered ring and through a polled one,
 * against a bare trap per call (RK_TRAP_BASELINE_NOP, benchmark only).
 * Traps come from the kernel's count (PROC_STATS); cycles are the TSC
 * over the whole run, as seen by this process. QEMU TCG: emulator figures.
 * Prints one "kernel_<metric>,<value>,<unit>" row per figure.
 */
#include "ulib.h"

#define CALLS  4096u            /* NOPs per configuration */
#define EADDR  0x600000000ul
#define PADDR  0x640000000ul

static struct rc_ring er, pr;

/* Traps so far (PROC_STATS on the first ring: itself one trap, counted
 * before it runs, so the caller subtracts one per read). */
static uint64_t traps_now(void)
{
    struct rc_proc_stats st;
    rt_proc_stats(&st);
    return st.traps;
}

/* Print value with 3 decimals as a row (no floating point here). */
static void row(const char *name, uint64_t num, uint64_t den, const char *unit)
{
    uint64_t milli = den ? num * 1000 / den : 0;
    printf("kernel_%s,%lu.%03lu,%s\n", name, (unsigned long)(milli / 1000),
           (unsigned long)(milli % 1000), unit);
}

/* CALLS NOPs on r, b per submission; *traps and *cycles for the run. */
static void run_nops(struct rc_ring *r, uint32_t b, uint64_t *traps, uint64_t *cycles)
{
    uint64_t t0 = traps_now(), c0 = rt_rdtsc();
    for (uint32_t done = 0; done < CALLS; done += b) {
        for (uint32_t i = 0; i < b; i++)
            rc_prep_nop(rc_get_sqe(r), 0);
        rc_submit_and_wait(r, b);
        rc_cq_advance(r, b);
    }
    *cycles = rt_rdtsc() - c0;
    *traps = traps_now() - t0 - 1;
}

/* The bare trap, CALLS times. */
static void run_baseline(uint64_t *traps, uint64_t *cycles)
{
    uint64_t t0 = traps_now(), c0 = rt_rdtsc();
    for (uint32_t i = 0; i < CALLS; i++) {
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "a"((long)RK_TRAP_BASELINE_NOP)
                         : "rcx", "r11", "memory");
    }
    *cycles = rt_rdtsc() - c0;
    *traps = traps_now() - t0 - 1;
}

int main(void)
{
    static const char *unit_c = "tsc_cycles/call (QEMU TCG emulated)";
    char name[64];
    uint64_t traps, cycles, poll_traps = 0, poll_calls = 0;
    if (rt_ring_create(&er, EADDR, 256, 512, 0) < 0 ||
        rt_ring_create(&pr, PADDR, 256, 512, RC_SETUP_POLL) < 0) {
        printf("kbench: RING_CREATE failed\n");
        return 1;
    }
    pr.spin_limit = UINT32_MAX;         /* wait on the CQ by spinning: the poller answers */

    run_baseline(&traps, &cycles);
    row("trap_nop_cycles", cycles, CALLS, unit_c);
    row("traps_per_call_trap", traps, CALLS, "traps/call");
    run_nops(&pr, 1, &traps, &cycles);  /* warm-up: wake the poller */
    for (uint32_t b = 1; b <= 256; b *= 2) {
        run_nops(&er, b, &traps, &cycles);
        snprintf(name, sizeof(name), "enter_nop_b%u_cycles", b);
        row(name, cycles, CALLS, unit_c);
        snprintf(name, sizeof(name), "traps_per_call_b%u", b);
        row(name, traps, CALLS, "traps/call");
        run_nops(&pr, b, &traps, &cycles);
        snprintf(name, sizeof(name), "poll_nop_b%u_cycles", b);
        row(name, cycles, CALLS, unit_c);
        snprintf(name, sizeof(name), "traps_per_call_poll_b%u", b);
        row(name, traps, CALLS, "traps/call");
        poll_traps += traps;
        poll_calls += CALLS;
    }
    row("traps_per_call_poll", poll_traps, poll_calls, "traps/call");
    return 0;
}
