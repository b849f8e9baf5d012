/*
 * spinlock.h - spinlocks for two (or more) CPUs, xv6 style: acquire
 * disables interrupts on this CPU (push_off) until the matching release.
 * Every lock has a name; the order in which they may nest is written in
 * docs/kernel.md ("Locking and SMP").
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "kernel.h"

struct cpu;

struct spinlock {
	uint32_t locked;  /* 0 free, 1 held (atomic exchange) */
	const char *name; /* for panics */
	struct cpu *cpu;  /* holder, when held */
};

#define SPINLOCK_INIT(n)                           \
	{                                          \
		.locked = 0, .name = (n), .cpu = 0 \
	}

void spin_init(struct spinlock *l, const char *name);
void acquire(struct spinlock *l);     /* spin until held; interrupts off */
bool try_acquire(struct spinlock *l); /* held (true) or not, without spinning */
void release(struct spinlock *l);
bool holding(struct spinlock *l);	      /* held by this CPU? */
void push_off(void);			      /* cli, counted per CPU */
void pop_off(void);			      /* sti when the count returns to 0 and IF was on */
void acquire_irqoff_slow(struct spinlock *l); /* acquire_irqoff's contended way (proc.h) */

#endif
