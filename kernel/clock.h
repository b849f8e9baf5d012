/* clock.h - LAPIC timer tick and the monotonic nanosecond clock. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include "kernel.h"

#define HZ 100 /* scheduler tick; 10 ms quantum */

void timer_init(void);	    /* calibrate TSC + LAPIC vs PIT, start periodic tick */
uint64_t clock_ns(void);    /* monotonic ns since timer_init (TSC based) */
uint64_t timer_ticks(void); /* ticks since boot */
uint64_t tsc_hz(void);
void *timer_chan(void); /* wakeup channel signalled every tick */

/* Per-tick hook (IF=0, any context, must not sleep); false when the table is full. */
typedef void (*timer_hook_t)(uint64_t now_ns);
bool timer_add_hook(timer_hook_t fn);

void lapic_eoi(void);

#endif
