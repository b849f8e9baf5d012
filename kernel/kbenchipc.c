/*
 * kbenchipc.c - BENCHMARK PEER ONLY, NOT A SYSTEM CALL: a synchronous trap
 * IPC in the shape of seL4's fastpath, against which make bench-kernel
 * measures ring IPC (user/kipcbench.c, docs/performance.md). It exists in
 * a kernel booted with `bench` only; elsewhere its traps answer -ENOSYS.
 *
 * One endpoint, one word each way, one trap per step:
 *   call(w)        (RK_TRAP_BENCH_CALL): hand w to the server blocked in
 *                  reply_wait and switch straight to it; return its reply.
 *   reply_wait(w)  (RK_TRAP_BENCH_REPLY_WAIT): hand w to the blocked
 *                  caller as its reply and block for the next call,
 *                  switching straight back to the caller; return the call.
 *                  With flags (rsi) 1: reply only (the server's last).
 * The switch goes from one process to the other on the same CPU without
 * the scheduler (proc_switch_to), as the fastpath does; no capability
 * lookup, no message registers beyond one word, no badge: the cheapest
 * honest trap IPC this kernel can do, so the ring figures are compared
 * with a peer that does as little as possible.
 */
#include "kring.h"
#include "proc.h"

static struct {
	struct proc *server; /* asleep in reply_wait, or NULL */
	struct proc *caller; /* asleep in call, waiting for its reply, or NULL */
	uint64_t msg, reply;
} ep; /* ptable_lock */

static bool bench_on(void)
{
	static int on = -1;
	if (on < 0)
		on = cmdline_has("bench");
	return on;
}

/* Is p asleep in this endpoint (not woken by a kill meanwhile)? */
static bool asleep_here(struct proc *p)
{
	return p && p->state == P_SLEEPING && p->chan == &ep;
}

long kbench_ipc_call(uint64_t w)
{
	struct proc *me = myproc();
	if (!bench_on())
		return -RC_ENOSYS;
	acquire(&ptable_lock);
	struct proc *srv = ep.server;
	if (!asleep_here(srv) || ep.caller) {
		release(&ptable_lock);
		return -RC_EAGAIN; /* no server waiting: the benchmark starts it first */
	}
	ep.server = NULL;
	ep.caller = me;
	ep.msg = w;
	srv->chan = NULL;
	me->chan = &ep;
	me->state = P_SLEEPING;
	proc_switch_to(srv); /* back here when the server replies */
	me->chan = NULL;
	if (ep.caller == me)
		ep.caller = NULL; /* woken by a kill, not by a reply */
	long r = (long)ep.reply;
	release(&ptable_lock);
	return r;
}

long kbench_ipc_reply_wait(uint64_t w, uint64_t flags)
{
	struct proc *me = myproc();
	if (!bench_on())
		return -RC_ENOSYS;
	acquire(&ptable_lock);
	struct proc *cl = ep.caller;
	if (flags & 1) { /* the last reply: answer through the scheduler, do not wait */
		if (asleep_here(cl)) {
			ep.caller = NULL;
			ep.reply = w;
			wakeup_locked(&ep);
		}
		release(&ptable_lock);
		return 0;
	}
	ep.server = me;
	me->chan = &ep;
	me->state = P_SLEEPING;
	if (asleep_here(cl)) {
		ep.caller = NULL;
		ep.reply = w;
		cl->chan = NULL;
		proc_switch_to(cl); /* back here with the next call */
	} else {
		sleep_lock(&ep, &ptable_lock); /* the first wait: nobody to reply to */
		proc_switched_in();
	}
	me->chan = NULL;
	if (ep.server == me)
		ep.server = NULL; /* woken by a kill */
	long r = (long)ep.msg;
	release(&ptable_lock);
	return r;
}
