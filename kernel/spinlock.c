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

/* acquire's way when the exchange found the lock taken: by this CPU
 * (panic: l->cpu is ours only while we hold it, and a holder on another
 * CPU that has not yet set it left NULL there), else spin answering
 * shootdowns until it is free and the exchange takes it. */
static __attribute__((noinline)) void acquire_spin(struct spinlock *l, struct cpu *me)
{
	if (__atomic_load_n(&l->cpu, __ATOMIC_RELAXED) == me)
		panic("acquire: %s already held by this CPU", l->name);
	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			arch_cpu_relax();
			tlb_service(); /* the holder may be waiting for our flush */
		}
	} while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
	l->cpu = me;
}

/* acquire's way when a shootdown is asked of this CPU: answer it, then
 * take the lock as acquire does. */
static __attribute__((noinline)) void acquire_flush(struct spinlock *l, struct cpu *me)
{
	tlb_service();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		acquire_spin(l, me);
	else
		l->cpu = me;
}

/* push_off and acquire_counted in one: mycpu() read once, the holder
 * check folded into the exchange (a lock this CPU holds is taken, so the
 * exchange fails and acquire_spin panics), every other way a tail call:
 * ~20 instructions for a free lock instead of ~34. */
void acquire(struct spinlock *l)
{
	bool on = arch_irq_enabled();
	arch_irq_disable();
	struct cpu *c = mycpu();
	if (c->noff++ == 0)
		c->intena = on;
	if (__builtin_expect(__atomic_load_n(&c->tlb_flush, __ATOMIC_RELAXED), 0)) {
		acquire_flush(l, c); /* answer a shootdown even when uncontended */
		return;
	}
	if (__builtin_expect(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0)) {
		acquire_spin(l, c);
		return;
	}
	l->cpu = c;
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

/* release's refusal (a call that returns, so that release's own ways
 * are tail calls and it needs no frame). */
static __attribute__((noinline)) void release_not_held(struct spinlock *l)
{
	panic("release: %s not held", l->name);
}

/* pop_off_on's refusals, the same way. */
static __attribute__((noinline)) void pop_off_bad(struct cpu *c)
{
	pop_off_on(c); /* panics: interrupts on, or the count at 0 */
}

/* The holder check, the release, and pop_off with this CPU read once. */
void release(struct spinlock *l)
{
	struct cpu *c = mycpu();
	if (__builtin_expect(!__atomic_load_n(&l->locked, __ATOMIC_RELAXED) || l->cpu != c, 0)) {
		release_not_held(l);
		return;
	}
	l->cpu = NULL;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	if (__builtin_expect(arch_irq_enabled() || c->noff < 1, 0)) {
		pop_off_bad(c);
		return;
	}
	if (--c->noff == 0 && c->intena)
		arch_irq_enable();
}
