/*
 * kpoll.c - the kernel polling thread: system calls without traps.
 *
 * A ring made with RC_SETUP_POLL (RING_CREATE's flags) is served by this
 * thread, bound to CPU 1 when there is one. It spins over every polled
 * ring taking SQEs by sequence word while the process keeps running; its
 * completions reach the CQ through the direct map, so the process sees
 * them by the CQE phase, without entering.
 *
 * After KPOLL_IDLE_NS without an SQE it goes to sleep with the protocol
 * of abi.md §5.2 (the hosted worker's host_worker_sleep): snapshot the
 * kick counter, set NEED_WAKEUP on every polled ring, full fence,
 * re-check every ring, and sleep only if nothing is there and nobody
 * kicked since the snapshot. The user side publishes, fences, and reads
 * NEED_WAKEUP: one of the two sees the other's store. The doorbell
 * (enter with RC_ENTER_SQ_WAKEUP) bumps the counter, then wakes the
 * thread; the final check runs under ptable_lock, which wakeup needs,
 * so a kick between the check and the sleep is not lost either.
 */
#include "arch.h"
#include "clock.h"
#include "kring.h"
#include "kwalk.h"
#include "proc.h"
#include "smp.h"
#include "ringcall/atomic.h"

#define KPOLL_IDLE_NS  (50 * 1000000ul) /* default: no SQE for this long, sleep */
#define KPOLL_YIELD_NS (1 * 1000000ul)	/* let others have the CPU this often */
#define KPOLL_BUDGET   256u		/* SQEs per ring per pass: fairness */

static struct {
	uint32_t kicks;	 /* doorbells (atomic) */
	uint32_t asleep; /* in sleep_lock: only a kick wakes it (atomic; tests) */
	uint64_t passes, sqes, sleeps, wakes;
	uint64_t idle_ns; /* 0: KPOLL_IDLE_NS */
} kp;

/* Tests: a short idle timeout to hammer the sleep/wake edge (0: default). */
void kpoll_set_idle_ns(uint64_t ns)
{
	__atomic_store_n(&kp.idle_ns, ns, __ATOMIC_RELAXED);
}

static uint64_t idle_ns(void)
{
	uint64_t ns = __atomic_load_n(&kp.idle_ns, __ATOMIC_RELAXED);
	return ns ? ns : KPOLL_IDLE_NS;
}

/* The doorbell: bump the counter (seen by a poller about to sleep), then
 * wake it (one already asleep). Any context; takes ptable_lock. asleep
 * goes under that lock, with the wakeup: a poller kicked but not yet run
 * is not "asleep" (tests read asleep as "only the next kick wakes it"). */
void kpoll_kick(void)
{
	__atomic_fetch_add(&kp.kicks, 1, __ATOMIC_SEQ_CST);
	acquire(&ptable_lock);
	__atomic_store_n(&kp.asleep, 0, __ATOMIC_RELAXED);
	wakeup_locked(&kp);
	release(&ptable_lock);
}

void kpoll_stats(struct kpoll_stats *out)
{
	*out = (struct kpoll_stats){ .passes = kp.passes,
				     .sqes = kp.sqes,
				     .sleeps = __atomic_load_n(&kp.sleeps, __ATOMIC_RELAXED),
				     .wakes = __atomic_load_n(&kp.wakes, __ATOMIC_RELAXED),
				     .kicks = __atomic_load_n(&kp.kicks, __ATOMIC_RELAXED),
				     .asleep = __atomic_load_n(&kp.asleep, __ATOMIC_ACQUIRE) };
}

/* kpoll_pass's visit: take what kr has published (awake, so NEED_WAKEUP
 * goes); *arg counts the SQEs taken. */
static bool pass_ring(struct kring *kr, void *arg)
{
	rce_ring_set_need_wakeup(&kr->r, false); /* a no-op unless it was set */
	int n = kring_submit(kr, KPOLL_BUDGET);	 /* references kr meanwhile */
	*(uint64_t *)arg += n > 0 ? (uint64_t)n : 0;
	return false;
}

/* One pass over every polled ring. Returns the SQEs taken. */
static uint64_t kpoll_pass(void)
{
	uint64_t total = 0;
	kring_for_each(true, pass_ring, &total);
	kp.passes++;
	kp.sqes += total;
	return total;
}

/* kpoll_arm's visit: set NEED_WAKEUP, then look again; work stops the
 * walk. The fence pairs with the user's between publishing an SQE and
 * reading the flag. */
static bool arm_ring(struct kring *kr, void *arg UNUSED)
{
	rce_ring_set_need_wakeup(&kr->r, true);
	rc_fence_full();
	return rce_ring_has_work(&kr->r);
}

/* Set NEED_WAKEUP on every polled ring, then look again: true if any has
 * work (then do not sleep; the rings after it are not armed). */
static bool kpoll_arm(void)
{
	return kring_for_each(true, arm_ring, NULL);
}

/* Idle: sleep until kicked, unless work or a kick arrived meanwhile. */
static void kpoll_sleep(void)
{
	uint32_t kicks0 = __atomic_load_n(&kp.kicks, __ATOMIC_SEQ_CST);
	if (kpoll_arm())
		return;
	acquire(&ptable_lock);
	if (__atomic_load_n(&kp.kicks, __ATOMIC_SEQ_CST) == kicks0) {
		__atomic_store_n(&kp.sleeps, kp.sleeps + 1, __ATOMIC_RELAXED);
		/* Set under ptable_lock, which a kick's wakeup takes: whoever
		 * reads 1 knows the next kick is what ends this sleep. */
		__atomic_store_n(&kp.asleep, 1, __ATOMIC_RELEASE);
		sleep_lock(&kp, &ptable_lock);
		__atomic_store_n(&kp.asleep, 0, __ATOMIC_RELAXED); /* a kick cleared it already */
		__atomic_store_n(&kp.wakes, kp.wakes + 1, __ATOMIC_RELAXED);
	}
	release(&ptable_lock);
}

/* The thread: spin over the rings; sleep when idle; never hold a lock
 * with interrupts open (the timer hook takes the rk locks on CPU 0). */
static int kpoll_main(void *arg UNUSED)
{
	uint64_t last_work = clock_ns(), last_yield = last_work;
	for (;;) {
		uint64_t n = kpoll_pass(), now = clock_ns();
		if (n)
			last_work = now;
		else if (now - last_work >= idle_ns()) {
			kpoll_sleep();
			last_work = now = clock_ns();
		}
		arch_irq_enable(); /* IRQs and IPIs get in here */
		arch_cpu_relax();
		arch_irq_disable();
		if (now - last_yield >= KPOLL_YIELD_NS) {
			yield();
			last_yield = clock_ns();
		}
	}
	return 0;
}

/* Boot: start the poller, on CPU 1 when there is one. */
void kpoll_init(void)
{
	if (kthread_create_on("kpoll", kpoll_main, NULL, ncpu > 1 ? 1 : -1) < 0)
		panic("kpoll: cannot start the polling thread");
}
