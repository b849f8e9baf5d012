/*
 * spinlock.c - spinlocks and the per-CPU interrupt-disable count.
 *
 * A CPU spinning on a lock also answers TLB shootdowns (smp.c): the CPU
 * asking may hold the lock we wait for, and it waits for our answer.
 */
#include "arch.h"
#include "proc.h"
#include "smp.h"
#include "spinlock.h"

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->name = name;
	l->cpu = NULL;
}

/* Interrupts off, remembering whether they were on at the outermost level. */
void push_off(void)
{
	bool on = arch_irq_enabled();
	arch_irq_disable();
	struct cpu *c = mycpu();
	if (c->noff++ == 0)
		c->intena = on;
}

void pop_off(void)
{
	pop_off_on(mycpu());
}

bool holding(struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) && l->cpu == mycpu();
}

/* acquire after push_off: answer a shootdown, check, spin. */
static inline __attribute__((always_inline)) void acquire_counted(struct spinlock *l)
{
	/* Answer a shootdown even when uncontended; the flag's test inline. */
	if (__atomic_load_n(&mycpu()->tlb_flush, __ATOMIC_RELAXED))
		tlb_service();
	if (holding(l))
		panic("acquire: %s already held by this CPU", l->name);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			arch_cpu_relax();
			tlb_service(); /* the holder may be waiting for our flush */
		}
	}
	l->cpu = mycpu();
}

void acquire(struct spinlock *l)
{
	push_off();
	acquire_counted(l);
}

/* acquire_irqoff's way when the lock is not free at once, or a shootdown
 * is asked for: the rest of acquire, interrupts off and counted. */
void acquire_irqoff_slow(struct spinlock *l)
{
	acquire_counted(l);
}

bool try_acquire(struct spinlock *l)
{
	push_off();
	if (holding(l))
		panic("try_acquire: %s already held by this CPU", l->name);
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		pop_off();
		return false;
	}
	l->cpu = mycpu();
	return true;
}

void release(struct spinlock *l)
{
	if (!holding(l))
		panic("release: %s not held", l->name);
	l->cpu = NULL;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	pop_off();
}
