/* smp.h - CPUs: bring-up of the others, inter-processor interrupts, TLB shootdown. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "kernel.h"

#define NCPU	 4	/* CPUs supported (QEMU -smp N, N <= NCPU) */
#define T_IPI	 0xf0	/* vector of every IPI: kick out of hlt, flush TLB */
#define AP_TRAMP 0x8000 /* physical page the other CPUs start at (real mode) */

extern int ncpu; /* CPUs running (1 until smp_init) */

void smp_init(void);		 /* start the other CPUs (BSP, after timer_init) */
void ipi_send(int cpu);		 /* interrupt CPU number cpu (its T_IPI) */
void ipi_kick_one(int cpu_only); /* wake one other idle CPU (that may run a pinned process) */
struct cpu;
int kick_pick(struct cpu *cs, int n, const struct cpu *me, int cpu_only); /* its choice */
void tlb_shootdown(void);      /* every other CPU flushes its TLB before this returns */
void tlb_service(void);	       /* answer a pending shootdown request (any context) */
uint64_t tlb_shootdowns(void); /* shootdowns this CPU completed (tests) */

/* lapic.c */
uint32_t lapic_id(void);
void lapic_icr(uint32_t dest_apic, uint32_t low); /* send, wait for delivery */
void lapic_init_ap(void); /* this CPU's LAPIC: enable, the same periodic tick */

#endif
