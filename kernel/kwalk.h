/*
 * kwalk.h - the one walk over every process's rings (the timer tick, the
 * poller's pass and its arming before sleep). Inline, so that each caller
 * gets its own copy with its visit function inlined: the poller runs it
 * on every pass.
 */
#ifndef KERNEL_KWALK_H
#define KERNEL_KWALK_H

#include "kring.h"
#include "proc.h"

/*
 * Visit every live ring of every process: each process's rings under its
 * lock, one process at a time (never two rk locks at once). A process is
 * peeked at without its lock first (skipped when it has no rings, or, with
 * polled_only, no polled ones) and checked again under it: the slot may
 * be exiting on the other CPU. Live: in use and not closed; with
 * polled_only, polled (a closed ring is never polled). Stops when fn
 * returns true, after unlocking; returns whether it did. The poller and
 * the tick walk the table this way (NPROC x PROC_RINGS rings at most).
 * The user library relies on the lock (user/lib/rfile.c): an enter, which
 * takes it, returns only after the poller's run over that process's
 * rings is over, so every entry it took before the enter began has run.
 */
static inline __attribute__((always_inline)) bool kring_for_each(
	bool polled_only, bool (*fn)(struct kring *kr, void *arg), void *arg)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *p = proc_at(i);
		bool stop = false;
		if (polled_only ? !__atomic_load_n(&p->rk.npoll, __ATOMIC_ACQUIRE)
				: !__atomic_load_n(&p->rk.active, __ATOMIC_RELAXED))
			continue;
		rk_lock(p);
		for (int k = 0; k < PROC_RINGS && p->rk.active && !stop; k++) {
			struct kring *kr = &p->rk.rings[k];
			if (kr->in_use && !kr->closed && (kr->polled || !polled_only))
				stop = fn(kr, arg);
		}
		rk_unlock(p);
		if (stop)
			return true;
	}
	return false;
}

#endif
