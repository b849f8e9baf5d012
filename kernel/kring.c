/*
 * kring.c - the ringcall engine in this kernel: the porting hooks
 * (include/ringcall/port.h), each process's rings, the one trap (enter),
 * and the timer hook that fires TIMEOUT deadlines.
 *
 * The engine (lib/engine.c, ops.c, handles.c) is compiled unchanged into
 * the kernel. A ring's region is physically contiguous frames: the engine
 * reaches them through the direct map (valid in every address space, so a
 * completion can be posted from any context), the owner through a user
 * mapping of the same frames.
 */
#include "arch.h"
#include "clock.h"
#include "kring.h"
#include "kwalk.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"
#include "ringcall/atomic.h"

/* ---- the porting hooks ---- */

/* rce_port_user_ptr, _copy_in, _copy_out: usercopy.c. */

/* The TIMEOUT clock: TSC-based, monotonic, shared by all processes. */
uint64_t rce_port_now_ns(void)
{
	return clock_ns();
}

/* New CQEs: wake the owner if it sleeps in enter on this ring. The engine
 * calls this only while the owner sleeps: kring_wait switches the ring's
 * notification on (rce_ring_set_notify) when it sets `waiting` and off
 * when it wakes, and nothing else waits for a ring's CQEs here, so a run
 * with the owner awake (its own enter, or another CPU's meanwhile) makes
 * no call. Every engine call holds the owner's rk lock, and the waiter
 * sets both under it and sleeps without a gap (sleep_lock), so no
 * sleeper on another CPU is missed. Only the owner sleeps on its ring
 * (kring_wait: enter on one of its own handles), so only the owner is
 * looked at. */
void rce_port_notify(struct rce_ring *r)
{
	struct kring *kr = kring_of(r);
	if (kr->waiting)
		wakeup_proc(kr->owner, kr);
}

/* Frames rce_port_alloc handed out on each CPU, counted as whole frames
 * per allocation (as if each had its own): kring_create charges a ring
 * with what the engine took (interrupts are off under the rk lock, so
 * nothing else allocates on that CPU meanwhile). */
static uint32_t port_frames[NCPU];

/*
 * The IPC path's leaf locks (`ipc`, `slab`): held for a few instructions,
 * nothing taken under them but each other (ipc -> slab), the frame
 * allocator and, for channel memory's charges (limits.c rk_acct_grant and
 * rk_acct_trim), `tree` (ipc -> tree: a spinlock that takes nothing
 * else, docs/kernel.md "Locking"), never across a sleep. A full spinlock (push_off's count,
 * the uncontended shootdown test, the holder checks) cost ~60
 * instructions a pair, and a message took several pairs. This one saves
 * and restores IF itself (it is off already inside engine calls, where
 * nearly all takers are), spins answering shootdowns as acquire does (a
 * holder may wait for our flush), and still panics on a CPU spinning on
 * a lock it holds. It does not count in noff: no code that asks "does
 * this CPU hold a lock" (rk_unlock's delivery, sleep) runs under it.
 */
struct leaf_lock {
	uint32_t locked;
	bool irq_on; /* the holder's IF before it took the lock */
	const char *name;
	struct cpu *cpu; /* holder (atomic: read by spinners) */
};
#define LEAF_LOCK_INIT(n)   \
	{                   \
		.name = (n) \
	}

/* leaf_acquire's contended case: spin until the exchange takes it. */
static __attribute__((noinline)) void leaf_spin(struct leaf_lock *l, struct cpu *me)
{
	do {
		if (__atomic_load_n(&l->cpu, __ATOMIC_RELAXED) == me)
			panic("leaf_acquire: %s already held by this CPU", l->name);
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			arch_cpu_relax();
			tlb_service(); /* the holder may be waiting for our flush */
		}
	} while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}

/* leaf_acquire after its exchange failed: spin, then hold it. */
static __attribute__((noinline)) void leaf_acquire_slow(struct leaf_lock *l, bool on)
{
	struct cpu *me = mycpu();
	leaf_spin(l, me);
	__atomic_store_n(&l->cpu, me, __ATOMIC_RELAXED);
	l->irq_on = on;
}

/* The uncontended case makes no call but a tail call (nothing to save
 * across one: ~12 instructions instead of ~20 with the frame). */
static inline void leaf_acquire(struct leaf_lock *l)
{
	bool on = arch_irq_enabled();
	if (on)
		arch_irq_disable();
	if (__builtin_expect(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0)) {
		leaf_acquire_slow(l, on);
		return;
	}
	__atomic_store_n(&l->cpu, mycpu(), __ATOMIC_RELAXED);
	l->irq_on = on;
}

static inline void leaf_release(struct leaf_lock *l)
{
	bool on = l->irq_on;
	__atomic_store_n(&l->cpu, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); /* pairs with leaf_acquire's exchange */
	if (on)
		arch_irq_enable();
}

/*
 * Small engine objects (channels, messages of up to 96 bytes: a message
 * per send) come from 256-byte chunks of frames; a frame goes back to the
 * frame allocator as soon as its last chunk is free, so leak tests can
 * still compare free-frame counts. Larger ones are whole zeroed frames.
 * Without this a one-word message cost a frame: next-fit search and 4 KiB
 * of zeroing (4096 instructions of rep stosb) per send; a chunk frame is
 * not zeroed whole (each chunk is, as far as it was asked for, when handed out).
 */
#define CHUNK	    256u
#define CHUNKS	    (PAGE_SIZE / CHUNK) /* chunk 0 of a frame is its header */
#define CHUNKS_FREE ((uint32_t)((1u << CHUNKS) - 2))
struct slab {
	struct slab *next, *prev; /* frames with a free chunk */
	uint32_t free;		  /* bit i: chunk i is free (bit 0: the header) */
};
static struct slab *slabs; /* frames with a free chunk ("slab": a leaf lock) */
static struct leaf_lock slab_lock = LEAF_LOCK_INIT("slab");

static void slab_unlink(struct slab *sl)
{
	if (sl->prev)
		sl->prev->next = sl->next;
	else
		slabs = sl->next;
	if (sl->next)
		sl->next->prev = sl->prev;
	sl->next = sl->prev = NULL;
}

static void *slab_alloc(size_t bytes)
{
	leaf_acquire(&slab_lock);
	struct slab *sl = slabs;
	if (!sl) {
		leaf_release(&slab_lock);
		uint64_t pa = pmm_alloc_raw(); /* chunks are zeroed one by one */
		if (!pa)
			return NULL;
		leaf_acquire(&slab_lock);
		sl = P2V(pa);
		sl->free = CHUNKS_FREE;
		sl->prev = NULL;
		sl->next = slabs;
		if (slabs)
			slabs->prev = sl;
		slabs = sl;
	}
	uint32_t i = (uint32_t)__builtin_ctz(sl->free);
	sl->free &= ~(1u << i);
	if (!sl->free)
		slab_unlink(sl); /* full */
	leaf_release(&slab_lock);
	void *c = (char *)sl + i * CHUNK;
	size_t words = ALIGN_UP(bytes, 8) / 8; /* what was asked for: the rest is never read */
	void *d = c;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(0ul) : "memory");
	return c;
}

static void slab_free(void *p)
{
	struct slab *sl = (struct slab *)ALIGN_DOWN((uint64_t)p, PAGE_SIZE);
	uint32_t i = (uint32_t)(((uint64_t)p & (PAGE_SIZE - 1)) / CHUNK);
	leaf_acquire(&slab_lock);
	assert(i > 0 && !(sl->free & (1u << i)));
	if (!sl->free) { /* was full: has room again */
		sl->next = slabs;
		sl->prev = NULL;
		if (slabs)
			slabs->prev = sl;
		slabs = sl;
	}
	sl->free |= 1u << i;
	bool empty = sl->free == CHUNKS_FREE;
	if (empty)
		slab_unlink(sl);
	leaf_release(&slab_lock);
	if (empty)
		pmm_free(V2P(sl));
}

void *rce_port_alloc(size_t bytes)
{
	size_t n = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
	void *p;
	if (bytes <= CHUNK) {
		p = slab_alloc(bytes);
	} else {
		uint64_t pa = pmm_alloc_contig(n);
		p = pa ? P2V(pa) : NULL;
	}
	if (p)
		port_frames[mycpu()->id] += (uint32_t)n;
	return p;
}

void rce_port_free(void *p, size_t bytes)
{
	if (bytes <= CHUNK)
		slab_free(p);
	else
		pmm_free_contig(V2P(p), ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

/* ---- serialising engine calls ---- */

static uint32_t ipc_any; /* some ring is marked for IPC delivery (atomic; see below) */

/* Every engine call for p's ctx happens inside rk_lock(p)..rk_unlock(p):
 * the engine wants them serialised, and TIMEOUTs and other completions
 * come from the timer interrupt, other processes' exits and the poller on
 * another CPU. Interrupts stay off while it is held. */
void rk_lock(struct proc *p)
{
	acquire(&p->rk_lock);
}

void rk_unlock(struct proc *p)
{
	release(&p->rk_lock);
	/* Rings this CPU made ready for other processes (rk_ipc_wake) are
	 * delivered once it holds no lock at all: see rk_ipc_deliver. */
	if (__atomic_load_n(&ipc_any, __ATOMIC_SEQ_CST) && mycpu()->noff == 0)
		rk_ipc_deliver();
}

/*
 * rk_lock and rk_unlock for enter, inline (docs/kernel.md "Locking").
 * enter comes from user mode, so this CPU holds no lock (its count is 0:
 * checked), and it runs with interrupts off: `syscall` clears IF (SFMASK,
 * trap.c syscall_init) and nothing on the way from syscall_entry to here
 * sets it (a sleep in the wait comes back with IF off and the lock held,
 * the count 1 and IF's outer state off, as below). They must be off while
 * the lock is held (the timer interrupt takes it: rk_tick), and they are:
 * so push_off's read of IF and its cli are skipped, and the count is set
 * to 1 with IF's outer state recorded as off, as push_off would from 0.
 * A lock that is not free at once takes acquire's own way
 * (acquire_irqoff_slow: a shootdown answered, the holder check, the spin,
 * answering shootdowns). Unlike acquire, a free lock is taken without
 * first answering a shootdown asked of this CPU: that early answer only
 * shortens the asker's wait, which needs none for progress. The asker
 * spins until every CPU flushed, and this one flushes as soon as it spins
 * on any lock (the asker may hold it: acquire, leaf_spin), sleeps (the
 * scheduler runs with IF on) or returns to user mode (the IPI), all
 * within the bounded work of one enter. Nor can a stale translation be
 * used meanwhile: the user pages of p are unmapped only under p's rk lock
 * (docs/kernel.md "Locking"), and whoever unmapped them finished its
 * shootdown before releasing the lock we now hold.
 */
static inline __attribute__((always_inline)) bool rk_lock_enter_try(struct proc *p, struct cpu *c)
{
	struct spinlock *l = &p->rk_lock;

	if (c->noff)
		panic("enter: a lock held from user mode");
	c->noff = 1;
	c->intena = false;
	if (__builtin_expect(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0))
		return false; /* the caller takes acquire's way: acquire_irqoff_slow */
	l->cpu = c;
	return true;
}

static inline __attribute__((always_inline)) void rk_lock_enter(struct proc *p, struct cpu *c)
{
	if (!rk_lock_enter_try(p, c))
		acquire_irqoff_slow(&p->rk_lock); /* held (by us: panic) */
}

/* The release: the holder and the count checked (mycpu() read again: a
 * sleep may have moved us), the lock word released, the count back to 0.
 * IF's outer state is off (recorded by rk_lock_enter, or by the acquire
 * after a sleep), so pop_off's test of it would only ever say "leave IF
 * off": it stays off until sysretq restores the user's RFLAGS. Then the
 * IPC delivery rk_unlock does once no lock is held (the count is 0). */
static inline __attribute__((always_inline)) bool rk_unlock_enter_ipc(struct proc *p)
{
	struct spinlock *l = &p->rk_lock;
	struct cpu *c = mycpu();

	if (l->cpu != c || c->noff != 1)
		panic("enter: rk lock not held, or other locks still held");
	l->cpu = NULL;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	c->noff = 0;
	return __atomic_load_n(&ipc_any, __ATOMIC_SEQ_CST);
}

/* (rk_unlock_enter_ipc: the release; true when IPC delivery is due.) */
static inline __attribute__((always_inline)) void rk_unlock_enter(struct proc *p)
{
	if (rk_unlock_enter_ipc(p))
		rk_ipc_deliver();
}

/* ---- channels: the cross-ring hooks (engine.h struct rce_ipc_ops) ----
 *
 * How a message travels from process A's SQE to process B's CQE (also
 * docs/kernel.md "Channels"):
 *
 * 1. A's CHANNEL_SEND runs in an engine call on A's ring under A's rk
 *    lock (A's enter, the poller's pass over A, or a chain going on
 *    from the timer). The engine takes the "ipc" lock (one for every
 *    channel: rk -> ipc is the order, and nothing is taken under ipc but
 *    the frame allocator), queues the message at B's end and, if B has a
 *    RECV parked there, moves it to B's ring's ready list, sets the
 *    ring's ipc_kick flag (release) and calls rk_ipc_wake.
 * 2. rk_ipc_wake cannot run B's ring: that needs B's rk lock, and taking
 *    a second process's rk lock under A's (and ipc) could deadlock with
 *    B sending to A. It only marks B's ring in ipc_pending (a bit per
 *    ring slot) and sets ipc_any.
 * 3. The CPU that marked it delivers it as soon as it holds no lock: in
 *    rk_unlock, when the last lock goes (noff == 0), rk_ipc_deliver
 *    takes each marked ring's owner's rk lock and runs the ring once
 *    with no SQ budget (kring_poke): the engine runs the ready RECV
 *    again in B's context (copy into B's memory through B's page tables,
 *    B's handle table), posts its CQE and publishes it.
 * 4. B sees the CQE however it waits: spinning on its CQ (the CQE is in
 *    shared memory: nothing else is needed), served by the poller (same:
 *    the poller need not be awake, the delivering CPU ran the ring), or
 *    asleep in enter: the CQE's rce_port_notify wakes it.
 *
 * No lost wakeup: (a) a mark is cleared (exchange) before its ring runs,
 * so a mark made while it runs survives for another delivery, and a run
 * whose budget left ready requests behind marks the ring again; (b)
 * every context that runs engine calls ends in rk_unlock with no lock
 * held (enter, the poller, the timer, exit, reaping), except a sleeper in
 * enter, which delivers its marks before it sleeps (kring_wait), and the
 * timer tick delivers whatever is left; (c) B asleep in enter checked
 * its ring (ipc_kick included) under its rk lock and sleeps without
 * dropping it in between (sleep_lock); delivery needs that lock, so it
 * runs after B sleeps, and B's `waiting` flag, set under the lock, makes
 * the CQE's notify wake it.
 */
static struct leaf_lock ipc_lock = LEAF_LOCK_INIT("ipc");

#define IPC_RINGS (NPROC * PROC_RINGS)
static uint64_t ipc_pending[(IPC_RINGS + 63) / 64]; /* bit: a ring slot to deliver (atomic) */
static uint64_t ipc_deliveries;			    /* rings run by rk_ipc_deliver (stats) */

/* ipc_lock's refusal of a taker with interrupts on (a call that
 * returns: rk_ipc_lock's ways stay tail calls, without a frame). */
static __attribute__((noinline)) void ipc_lock_irq_on(void)
{
	panic("leaf_acquire: ipc taken with interrupts on");
}

/* The ipc lock's every taker holds an rk lock (engine calls, and
 * kproc_rings_exit), so interrupts are off: checked, not saved and
 * restored as leaf_acquire does (~6 instructions less a pair, two
 * pairs a round trip). irq_on stays false: leaf_release leaves them
 * off, and leaf_acquire_slow is never given on. */
static void rk_ipc_lock(void)
{
	struct leaf_lock *l = &ipc_lock;
	if (__builtin_expect(arch_irq_enabled(), 0)) {
		ipc_lock_irq_on();
		return;
	}
	if (__builtin_expect(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0)) {
		leaf_acquire_slow(l, false);
		return;
	}
	__atomic_store_n(&l->cpu, mycpu(), __ATOMIC_RELAXED);
}

static void rk_ipc_unlock(void)
{
	__atomic_store_n(&ipc_lock.cpu, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&ipc_lock.locked, 0, __ATOMIC_RELEASE); /* pairs with the exchange */
}

/* Mark ring slot idx for delivery. The bit is set before ipc_any: a
 * deliverer that clears ipc_any and then scans sees the bit, or sees
 * ipc_any set again afterwards (both seq_cst). */
static void ipc_mark(uint32_t idx)
{
	__atomic_fetch_or(&ipc_pending[idx / 64], UINT64_C(1) << (idx % 64), __ATOMIC_SEQ_CST);
	__atomic_store_n(&ipc_any, 1, __ATOMIC_SEQ_CST);
}

static uint32_t kring_slot(struct kring *kr)
{
	return (uint32_t)(kr->owner - proc_at(0)) * PROC_RINGS +
	       (uint32_t)(kr - kr->owner->rk.rings);
}

/* The engine's wake: ring has ready IPC requests. Called under the ipc
 * lock (and some process's rk lock): only marks it (step 2 above). A
 * ring already marked is left alone: only a deliverer clears a mark, by
 * an exchange after which it runs the ring (taking the ipc lock, so
 * after we release it: it sees what made the ring ready); and whoever
 * set the mark sets ipc_any after it. 64 sends to one server in one
 * enter mark it once. */
static void rk_ipc_wake(struct rce_ring *r)
{
	uint32_t idx = kring_of(r)->slot;
	uint64_t bit = UINT64_C(1) << (idx % 64);
	if (!(__atomic_load_n(&ipc_pending[idx / 64], __ATOMIC_SEQ_CST) & bit))
		ipc_mark(idx);
}

const struct rce_ipc_ops kernel_ipc_ops = {
	.lock = rk_ipc_lock,
	.unlock = rk_ipc_unlock,
	.wake = rk_ipc_wake,
	.grant = rk_acct_grant, /* channel memory, charged (limits.c) */
	.trim = rk_acct_trim,
	.alloc_small = CHUNK, /* rce_port_alloc's footprint */
	.alloc_unit = PAGE_SIZE,
};

/* One engine pass that takes no SQE: ready IPC requests, due timeouts,
 * the backlog; publish. Lock held. True if ready IPC requests are left
 * (the run's budget ended first). */
static bool kring_poke(struct kring *kr)
{
	kring_hold(kr);
	rce_ring_run(&kr->r, 0);
	bool left = rce_ring_ipc_ready(&kr->r);
	kring_put(kr);
	return left;
}

/* Run the ring in slot idx under its owner's lock if it still lives; a
 * slot reused meanwhile by another ring just gets a harmless pass. */
static void ipc_run_slot(uint32_t idx)
{
	struct proc *p = proc_at((int)(idx / PROC_RINGS));
	rk_lock(p);
	struct kring *kr = &p->rk.rings[idx % PROC_RINGS];
	if (p->rk.active && kr->in_use && !kr->closed) {
		if (kring_poke(kr))
			ipc_mark(idx); /* its budget left some: another pass */
		__atomic_fetch_add(&ipc_deliveries, 1, __ATOMIC_RELAXED);
	}
	rk_unlock(p); /* noff > 0 here (rk_ipc_deliver's push_off): no recursion */
}

/* Step 3: run every marked ring. With no lock held; interrupts stay off
 * (push_off), which also keeps the rk_unlocks inside from recursing.
 * Bounded: under sustained IPC other CPUs keep marking, and this CPU must
 * not deliver for them forever with interrupts off. What is left stays
 * marked (ipc_any is tested before it is cleared) for the next rk_unlock
 * or the tick. */
#define IPC_DELIVER_ROUNDS 8
void rk_ipc_deliver(void)
{
	push_off();
	for (int round = 0;
	     round < IPC_DELIVER_ROUNDS && __atomic_exchange_n(&ipc_any, 0, __ATOMIC_SEQ_CST);
	     round++) {
		for (uint32_t w = 0; w < ARRAY_SIZE(ipc_pending); w++) {
			uint64_t bits = __atomic_exchange_n(&ipc_pending[w], 0, __ATOMIC_SEQ_CST);
			while (bits) {
				uint32_t b = (uint32_t)__builtin_ctzll(bits);
				bits &= bits - 1;
				ipc_run_slot(w * 64 + b);
			}
		}
	}
	pop_off();
}

uint64_t rk_ipc_deliveries(void)
{
	return __atomic_load_n(&ipc_deliveries, __ATOMIC_RELAXED);
}

/* ---- rings ---- */

struct kring *kring_of(struct rce_ring *r)
{
	return (struct kring *)((char *)r - __builtin_offsetof(struct kring, r));
}

struct proc *rk_proc(struct rce_call *c)
{
	return c->ctx->port;
}

/* Is every page of [va, va + npages pages) unmapped in pml4? */
static bool range_free(uint64_t pml4, uint64_t va, uint32_t npages)
{
	for (uint32_t i = 0; i < npages; i++) {
		pte_t *pte = vm_walk(pml4, va + (uint64_t)i * PAGE_SIZE, false);
		if (pte && (*pte & PTE_P))
			return false;
	}
	return true;
}

/* Remove the owner's mapping of the first n pages of kr's region; no
 * other CPU may use a stale translation once the frames are freed. */
static void kring_unmap(struct kring *kr, uint32_t n)
{
	for (uint32_t i = 0; i < n && kr->owner->pml4; i++)
		vm_unmap_user(kr->owner->pml4, kr->uaddr + (uint64_t)i * PAGE_SIZE);
	uc_forget(kr->owner); /* the port hooks' cached translations (usercopy.c) */
	if (n)
		tlb_shootdown();
}

/*
 * Make a ring for p at user address uaddr (page-aligned, unmapped) and a
 * handle naming it. The region is laid out by rce_ring_init (which checks
 * the sizes) and mapped into p read-write; p's lock is held (or p is not
 * running yet). With RC_SETUP_POLL the poller takes its SQEs: it starts
 * with NEED_WAKEUP set (the poller may sleep) and the poller is kicked.
 * Returns the handle or -errno.
 */
int32_t kring_create(struct proc *p, uint64_t uaddr, uint32_t sq, uint32_t cq, uint32_t flags)
{
	struct rce_ring_params prm = { .sq_entries = sq,
				       .cq_entries = cq,
				       .setup_flags = flags & RC_SETUP_POLL };
	struct kring *kr = NULL;
	for (int i = 0; i < PROC_RINGS && !kr; i++)
		if (!p->rk.rings[i].in_use)
			kr = &p->rk.rings[i];
	if (!kr)
		return -RC_EMFILE;
	if (sq == 0 || sq > RC_RING_SQ_MAX || cq > RC_RING_CQ_MAX)
		return -RC_EINVAL; /* bounds rc_ring_bytes below */
	uint32_t npages = ALIGN_UP(rc_ring_bytes(sq, cq ? cq : 2 * sq), PAGE_SIZE) / PAGE_SIZE;
	if ((uaddr & (PAGE_SIZE - 1)) || uaddr < USER_MIN || uaddr + npages * PAGE_SIZE > USER_TOP)
		return -RC_EINVAL;
	if (!range_free(p->pml4, uaddr, npages))
		return -RC_EEXIST;
	/* Charged (limits.c): the region and the page tables its mapping
     * needs (those stay until exit) first, then what the engine took for
     * its state, measured (backlog, request pool, TIMEOUT heaps). */
	uint32_t tables = vm_tables_needed(p->pml4, uaddr, npages);
	int32_t err = rk_charge(p, npages + tables);
	if (err)
		return err;
	uint64_t pa = pmm_alloc_contig(npages);
	if (!pa) {
		rk_uncharge(p, npages + tables);
		return -RC_ENOMEM;
	}
	*kr = (struct kring){ .owner = p, .pa = pa, .uaddr = uaddr, .npages = npages };
	kr->slot = kring_slot(kr);
	uint32_t *taken = &port_frames[mycpu()->id], before = *taken;
	err = rce_ring_init(&kr->r, &p->rk.ctx, P2V(pa), npages * PAGE_SIZE, &prm);
	uint32_t engine = *taken - before;
	if (!err && rk_charge(p, engine)) {
		rce_ring_destroy(&kr->r);
		err = -RC_ENOMEM;
	}
	if (err) {
		pmm_free_contig(pa, npages);
		rk_uncharge(p, npages + tables);
		return err;
	}
	kr->charged = npages + engine;
	kr->hdr = rce_ring_hdr(&kr->r);
	kr->cq_entries = rce_ring_cq_entries(&kr->r);
	kr->cq_published = rce_ring_cq_published_word(&kr->r);
	rce_ring_set_notify(&kr->r, false); /* on while the owner sleeps (kring_wait) */
	ktrace_attach(kr);		    /* booted with `trace`: print its traffic */
	for (uint32_t i = 0; i < npages; i++) {
		if (vm_map_user(p->pml4, uaddr + (uint64_t)i * PAGE_SIZE,
				pa + (uint64_t)i * PAGE_SIZE, VM_WRITE | VM_NOFREE) < 0) {
			kring_unmap(kr, i);
			err = -RC_ENOMEM;
			goto fail;
		}
	}
	err = rce_handle_install(&p->rk.ctx, RCE_HT_RING, 0, kr);
	if (err < 0) {
		kring_unmap(kr, npages);
		goto fail;
	}
	kr->handle = err;
	kr->enter_handle = flags & RC_SETUP_POLL ? 0 : (uint32_t)err;
	kr->refs = 1; /* the handle's */
	kr->in_use = true;
	if (flags & RC_SETUP_POLL) {
		kr->polled = true;
		rce_ring_set_need_wakeup(&kr->r, true);
		__atomic_store_n(&p->rk.npoll, p->rk.npoll + 1, __ATOMIC_RELEASE);
		kpoll_kick();
	}
	return err;
fail:
	rce_ring_destroy(&kr->r);
	pmm_free_contig(pa, npages);
	rk_uncharge(p, kr->charged);
	return err;
}

/* Forget kr's requests in flight (parked ones are cancelled through their
 * hooks, no CQEs), unmap the region from the owner and free it. The last
 * reference is gone; the owner's lock is held. */
static __attribute__((noinline)) void kring_destroy(struct kring *kr)
{
	assert(kr->in_use && kr->refs == 0 && kr->closed && !kr->waiting);
	rce_ring_destroy(&kr->r);
	kring_unmap(kr, kr->npages);
	pmm_free_contig(kr->pa, kr->npages);
	rk_uncharge(kr->owner, kr->charged);
	kr->in_use = false;
}

/* Is kr the live ring named by handle? */
static inline bool kring_named(const struct kring *kr, uint32_t handle)
{
	return kr->in_use && !kr->closed && (uint32_t)kr->handle == handle;
}

/* kring_get's search of every slot (the hint missed): the live ring
 * named by handle, remembered as the next hint, or NULL. */
static __attribute__((noinline)) struct kring *kring_find(struct proc *p, uint32_t handle)
{
	for (struct kring *kr = p->rk.rings; kr < p->rk.rings + PROC_RINGS; kr++) {
		if (kring_named(kr, handle)) {
			p->rk.last = kr;
			return kr;
		}
	}
	return NULL;
}

/* The live ring of p named by handle, with a reference taken: lookup and
 * reference in one step under p's lock, so no CLOSE can come between
 * them. NULL if the handle names no ring. The ring found last is tried
 * first (a process mostly enters one ring): a hint only, checked like
 * every slot (live handles are unique, so a slot that passes is the one). */
static inline __attribute__((always_inline)) struct kring *kring_get_inline(struct proc *p,
									    uint32_t handle)
{
	struct kring *kr = p->rk.last;

	if (__builtin_expect(!kr || !kring_named(kr, handle), 0)) {
		kr = kring_find(p, handle);
		if (!kr)
			return NULL;
	}
	kr->refs++;
	return kr;
}

struct kring *kring_get(struct proc *p, uint32_t handle)
{
	return kring_get_inline(p, handle);
}

void kring_hold(struct kring *kr)
{
	assert(kr->in_use && kr->refs > 0);
	kr->refs++;
}

/* Drop a reference; the last one destroys the ring. kr must not be used
 * after this unless the caller holds another reference. */
void kring_put(struct kring *kr)
{
	assert(kr->in_use && kr->refs > 0);
	if (--kr->refs == 0)
		kring_destroy(kr);
}

/* CLOSE or exit removed kr's handle: nothing new starts on it (the
 * poller and the timer skip it, a sleeper in enter wakes and leaves with
 * -EBADF), and the handle's reference goes. What runs on it now finishes
 * first; the last reference destroys it. Lock held. */
void kring_close(struct kring *kr)
{
	assert(!kr->closed);
	kr->closed = true;
	kr->handle = 0;
	kr->enter_handle = 0;
	if (kr->polled) {
		kr->polled = false;
		__atomic_store_n(&kr->owner->rk.npoll, kr->owner->rk.npoll - 1, __ATOMIC_RELEASE);
	}
	if (kr->waiting)
		wakeup(kr);
	kring_put(kr);
}

/* Finish a parked request from outside its ring's own run (another
 * process's exit, the timer, the console): its chain may CLOSE the ring,
 * so the ring is referenced until the engine call returns. Lock held. */
void rk_complete(struct rce_req *q, int32_t res)
{
	struct kring *kr = kring_of(rce_req_call(q)->ring);
	kr->owner->rk.parked--; /* every platform park is counted (ksys.c rk_park) */
	kring_hold(kr);
	rce_req_complete(q, res);
	kring_put(kr);
}

/* Give a new user process its ctx and first ring; *ring_bytes is the
 * region's size (passed at entry). Returns the ring's handle or -errno. */
int kproc_rings_init(struct proc *p, uint64_t *ring_bytes)
{
	p->rk.last = &p->rk.rings[0]; /* the hint is never NULL (rk_enter_trap) */
	int err = rce_ctx_init(&p->rk.ctx, &kernel_handlers, p, PROC_HANDLES);
	if (err)
		return err;
	p->rk.active = true;
	p->rk.acct = rk_acct_new(p);
	if (!p->rk.acct)
		return -RC_ENOMEM; /* the spawn fails: proc_free undoes the rest */
	p->rk.ctx.acct = (struct rce_acct *)p->rk.acct; /* its first member: the engine's view */
	rk_lock(p);
	int32_t h = kring_create(p, RK_RING0_ADDR, RK_RING0_SQ, RK_RING0_CQ, 0);
	rk_unlock(p);
	*ring_bytes = rc_ring_bytes(RK_RING0_SQ, RK_RING0_CQ);
	return h;
}

/* The process is going: close every handle the same way CLOSE does
 * (close_object), then free the ctx. Nothing else runs on its rings (we
 * hold the lock and are not inside an engine call), so each one's last
 * reference goes here. Lock held. */
void kproc_rings_exit(struct proc *p)
{
	if (!p->rk.active)
		return;
	rce_ctx_destroy(&p->rk.ctx);
	rk_ipc_lock();
	rk_acct_orphan(p); /* what it sent and is still queued stays charged */
	rk_ipc_unlock();
	p->rk.ctx.acct = NULL;
	for (int i = 0; i < PROC_RINGS; i++)
		assert(!p->rk.rings[i].in_use);
	assert(!p->rk.waits.first); /* the rings' cancel hooks unlinked them */
	p->rk.active = false;
}


/* kring_submit's engine run, for a caller that already holds a reference
 * to kr (enter holds the one kring_get took). Lock held. */
static int kring_run(struct kring *kr, uint32_t budget)
{
	int n = rce_ring_run(&kr->r, budget);
	if (n > 0)
		kr->owner->stats.sqes += (uint64_t)n;
	return n;
}

/*
 * Take up to budget SQEs published on kr in one engine run (chunks and
 * all). Nothing after an EXIT, a kill or a CLOSE of kr runs: those
 * handlers end the batch (rce_call_stop_batch: the engine stops right
 * after that entry and what follows stays in the SQ). kr is referenced meanwhile: it may close itself, and
 * goes when this returns if nothing else holds it. Returns the number
 * taken, or -EBUSY if none could be (the backlog is full: the user must
 * reap).
 */
int kring_submit(struct kring *kr, uint32_t budget)
{
	kring_hold(kr);
	int n = kring_run(kr, budget);
	kring_put(kr);
	return n;
}

/* CQEs the user has not consumed, by the engine's own tail (the user's
 * head is hostile: a garbage one only makes this process wait wrongly). */
static uint32_t kring_cq_ready(struct kring *kr)
{
	/* Pairs with the user's store_release of cq_head. */
	return *kr->cq_published - rc_load_acquire(&kr->hdr->cq_head);
}

/*
 * Sleep until at least min CQEs are ready on kr. Lock held, dropped while
 * asleep (the caller's reference keeps kr); woken by rce_port_notify (a
 * completion, the timer hook firing a TIMEOUT, the poller), a kill, or a
 * CLOSE of kr (-EBADF). -EDEADLK when nothing in flight could ever post. A polled ring's SQEs are the poller's: it is kicked, not
 * replaced, so that a lost doorbell shows as a hang in the tests.
 */
static __attribute__((noinline)) long kring_wait(struct kring *kr, uint32_t min)
{
	struct proc *p = kr->owner;
	for (;;) {
		if (__atomic_load_n(&ipc_any, __ATOMIC_SEQ_CST)) {
			/* Rings are marked (by our sends or another CPU's):
			 * deliver first (rk_unlock does with no lock held), so
			 * that the tests below, made once, see what it did
			 * (the reply to our call, delivered by ourselves). */
			rk_unlock(p);
			rk_lock(p);
		}
		if (kr->closed)
			return -RC_EBADF; /* closed by another ring, or by its own chain */
		if (kring_cq_ready(kr) >= min)
			return 0;
		if (p->killed)
			return -RC_EINTR; /* syscall_trap exits it */
		uint32_t tail = rce_ring_cq_tail(&kr->r);
		bool work = rce_ring_has_work(&kr->r);
		if (work && kr->polled)
			kpoll_kick();
		else if (work)
			kring_run(kr,
				  UINT32_MAX); /* CQ room for the backlog, or capacity for SQEs */
		uint64_t due = rce_ring_next_deadline(&kr->r); /* UINT64_MAX: none */
		if (due != UINT64_MAX && due <= clock_ns())
			kring_poke(kr);
		if (rce_ring_cq_tail(&kr->r) != tail)
			continue;
		if (rce_ring_inflight(&kr->r) == 0 && !(work && kr->polled))
			return -RC_EDEADLK; /* only the user's own reaping could help */
		if (__atomic_load_n(&ipc_any, __ATOMIC_SEQ_CST))
			continue; /* marked meanwhile (our run, or another CPU): deliver
				   * before sleeping (sleep_lock drops the lock without
				   * rk_unlock), and look again */
		kr->waiting = true;
		rce_ring_set_notify(&kr->r, true); /* only now: rce_port_notify */
		sleep_lock(kr, &p->rk_lock);	   /* notify needs the lock: no lost wakeup */
		kr->waiting = false;
		rce_ring_set_notify(&kr->r, false);
	}
}

/* Drop enter's own reference to kr: kring_put without its check that a
 * reference is there to drop (this one is kring_get's, taken by the same
 * enter). The last one destroys the ring (closed meanwhile: kring_destroy
 * checks that it is). */
static inline __attribute__((always_inline)) void kring_put_enter(struct kring *kr)
{
	if (--kr->refs == 0)
		kring_destroy(kr);
}

/* enter's wait, once the run is over: return when min CQEs are ready
 * (kring_wait's first two tests, inline: mostly the run posted them),
 * else, unless p is being killed (it exits on its way out, whatever the
 * result), sleep for them (kring_wait). ret is the run's. */
static inline __attribute__((always_inline)) long rk_enter_getevents(struct proc *p,
								     struct kring *kr,
								     uint32_t min_complete,
								     long ret)
{
	/* Wait even if the SQ was refused (-EBUSY): the completions that
	 * make room are what the caller waits for; the refused entries are
	 * taken as room appears, in the wait or a later enter. */
	long err = 0;

	if (__builtin_expect(kr->closed || kring_cq_ready(kr) < min_complete, 0)) {
		if (p->killed)
			return ret;
		err = kring_wait(kr, min_complete);
	}
	return err < 0 ? err : ret < 0 ? 0 : ret;
}

/* enter(handle, min_complete, flags) for p, the current process, p's lock
 * held: run the ring, then maybe wait. The ring is looked up and
 * referenced under the lock, and the reference is held until enter
 * returns, asleep or not: a CLOSE from another ring, the poller or its
 * own chain cannot free it under us. The general way (rk_enter_trap takes
 * the common case itself, checked the same way). */
static __attribute__((noinline)) long rk_enter_locked(struct proc *p, uint32_t handle,
						      uint32_t min_complete, uint32_t flags)
{
	struct kring *kr = kring_get_inline(p, handle);
	long ret = 0;

	if (!kr)
		return -RC_EBADF;
	if (flags & ~(RC_ENTER_GETEVENTS | RC_ENTER_SQ_WAKEUP))
		ret = -RC_EINVAL;
	else if ((flags & RC_ENTER_GETEVENTS) && min_complete > kr->cq_entries)
		ret = -RC_EINVAL;
	if (ret)
		goto put;
	if (!kr->polled)
		ret = kring_run(kr, UINT32_MAX); /* kring_get's reference covers it */
	else if (flags & RC_ENTER_SQ_WAKEUP)
		kpoll_kick(); /* the doorbell of a polled ring */
	if (flags & RC_ENTER_GETEVENTS)
		ret = rk_enter_getevents(p, kr, min_complete, ret);
put:
	kring_put_enter(kr);
	return ret;
}

/* enter from the full trap way (syscall_trap: its RIP is refused after). */
static __attribute__((noinline)) long rk_enter_full(uint32_t handle, uint32_t min_complete,
						    uint32_t flags)
{
	struct proc *p = mycpu()->proc;
	long ret;

	rk_lock_enter(p, mycpu());
	ret = rk_enter_locked(p, handle, min_complete, flags);
	rk_unlock_enter(p);
	return ret;
}

/* The trap (rk_abi.h): rax = nr, then rdi, rsi, rdx, r10. enter comes here
 * only when its return RIP is refused (entry.S: rk_enter_trap otherwise). */
long rk_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	if (nr == RK_TRAP_BASELINE_NOP)
		return 0;	      /* the benchmark's bare trap: no ring involved */
	if (nr == RK_TRAP_BENCH_CALL) /* the benchmark's trap IPC peer (kbenchipc.c) */
		return kbench_ipc_call(a0);
	if (nr == RK_TRAP_BENCH_REPLY_WAIT)
		return kbench_ipc_reply_wait(a0, a1);
	if (nr != RK_TRAP_ENTER)
		return -RC_ENOSYS;
	(void)a1; /* to_submit: advisory, every published SQE is taken */
	if (a0 > UINT32_MAX || a2 > UINT32_MAX || a3 > UINT32_MAX)
		return -RC_EINVAL;
	return rk_enter_full((uint32_t)a0, (uint32_t)a2, (uint32_t)a3);
}

/* The end of every light trap of enter: a killed process exits on its
 * way out (whatever the result), else ret goes back to the user. */
static inline __attribute__((always_inline)) long rk_enter_out(struct proc *p, long ret)
{
	if (p->killed)
		proc_exit(p->exit_status);
	return ret;
}

/* enter's refusals before the lock (the arguments' width), then the
 * general way (rk_enter_locked): every case rk_enter_trap does not take
 * itself. */
static __attribute__((noipa)) long rk_enter_slow(uint64_t handle, uint64_t to_submit,
						 uint64_t min_complete, uint64_t flags)
{
	struct proc *p = mycpu()->proc;
	long ret;

	(void)to_submit;
	if ((handle | min_complete | flags) >> 32)
		return rk_enter_out(p, -RC_EINVAL); /* each must fit 32 bits */
	rk_lock_enter(p, mycpu());
	ret = rk_enter_locked(p, (uint32_t)handle, (uint32_t)min_complete, (uint32_t)flags);
	rk_unlock_enter(p);
	return rk_enter_out(p, ret);
}

/* rk_enter_trap's other ways, its lock's count set and the lock word
 * taken (contended: not yet, acquire's own way takes it): the general way
 * (rk_enter_locked), or -EINVAL for handle 2^32 (it passes the trap's
 * test of handle - 1, and matches no ring). */
static __attribute__((noipa)) long rk_enter_other(uint64_t handle, uint64_t to_submit,
						  uint64_t min_complete, uint64_t flags,
						  bool contended)
{
	struct proc *p = mycpu()->proc;
	long ret;

	(void)to_submit;
	if (contended)
		acquire_irqoff_slow(&p->rk_lock); /* held (by us: panic) */
	ret = handle >> 32 ? -RC_EINVAL
			   : rk_enter_locked(p, (uint32_t)handle, (uint32_t)min_complete,
					     (uint32_t)flags);
	rk_unlock_enter(p);
	return rk_enter_out(p, ret);
}

/* rk_enter_light's ways out after its run, each finishing the trap:
 * the SQEs counted, GETEVENTS's wait (wait: min_complete, flags above
 * it) as rk_enter_getevents, the reference dropped (the last one
 * destroys the ring), the lock released, a kill honoured; or the same
 * once the last reference is gone (the ring destroyed); or, with only the
 * IPC delivery rk_unlock does left, that. */
static __attribute__((noinline)) long rk_enter_light_rest(struct kring *kr, uint64_t wait, long ret)
{
	struct proc *p = kr->owner;

	if (ret > 0)
		p->stats.sqes += (uint64_t)ret;
	if ((wait >> 32) & RC_ENTER_GETEVENTS)
		ret = rk_enter_getevents(p, kr, (uint32_t)wait, ret);
	kring_put_enter(kr);
	rk_unlock_enter(p);
	return rk_enter_out(p, ret);
}

static __attribute__((noinline)) long rk_enter_light_last(struct kring *kr, long ret)
{
	struct proc *p = kr->owner;

	kring_destroy(kr);
	rk_unlock_enter(p);
	return rk_enter_out(p, ret);
}

static __attribute__((noinline)) long rk_enter_light_deliver(struct proc *p, long ret)
{
	rk_ipc_deliver();
	return rk_enter_out(p, ret);
}

/*
 * enter's common case, once rk_enter_trap checked it (p's lock held, kr
 * the doorbell ring named): run the ring and, with GETEVENTS, return
 * when min CQEs are ready; drop the lock; honour a kill. As
 * rk_enter_locked: the ring is referenced over the run (it may CLOSE
 * itself). Its own frame, and only kr and wait (min_complete and flags
 * in one word) live over the engine call: after it, the common
 * way makes no call (the process is kr's owner) and every other way is a
 * tail call (rk_enter_light_rest, _last, _deliver): two registers saved.
 * Its arguments are where rk_enter_trap's are, kr in to_submit's place
 * (advisory, every published SQE is taken): a jump with one move.
 */
static __attribute__((noipa)) long rk_enter_light(uint64_t handle, struct kring *kr,
						  uint64_t min_complete, uint64_t flags)
{
	uint64_t wait = min_complete | flags << 32; /* both checked: 32 bits each */
	struct proc *p;
	long ret;

	(void)handle;
	kr->refs++;				/* as kring_get */
	ret = rce_ring_run(&kr->r, UINT32_MAX); /* kring_run */
	if (__builtin_expect(ret < 0, 0))
		return rk_enter_light_rest(kr, wait, ret); /* -EBUSY: nothing taken */
	/* rk_enter_getevents's test (ret is not negative): the CQEs are
	 * mostly there. */
	if (((wait >> 32) & RC_ENTER_GETEVENTS) &&
	    __builtin_expect(kr->closed || kring_cq_ready(kr) < (uint32_t)wait, 0))
		return rk_enter_light_rest(kr, wait, ret);
	p = kr->owner;
	p->stats.sqes += (uint64_t)ret;
	if (__builtin_expect(--kr->refs == 0, 0))
		return rk_enter_light_last(kr, ret); /* kring_put_enter's last */
	if (__builtin_expect(rk_unlock_enter_ipc(p), 0))
		return rk_enter_light_deliver(p, ret);
	return rk_enter_out(p, ret);
}

/*
 * `enter` the light way (entry.S enter_entry: no trapframe; the user's
 * registers that C may clobber are saved there). What syscall_trap and
 * rk_syscall do for it: count the trap, check the arguments, run enter,
 * honour a kill. The common case's tests here, each one of
 * rk_enter_locked's (which gets every other case): the arguments fit 32
 * bits and the handle is not 0 (one test: handle - 1 and the others,
 * shifted); under the lock (rk_lock_enter_try), the ring the hint names
 * (p->rk.last, never NULL for a process that runs: kproc_rings_init) has
 * that handle as its enter_handle, which makes it live and a doorbell
 * ring (struct kring: a slot's enter_handle is non-zero exactly while it
 * is a doorbell ring in use and not closed, and live handles are
 * unique); known flags; min_complete within the CQ (needed with
 * GETEVENTS only, tested always: a larger one goes the general way,
 * which tells the two apart). Every way on is a tail call
 * (rk_enter_light, rk_enter_other, rk_enter_slow): no frame here.
 */
_Static_assert(RK_TRAP_ENTER == 0, "entry.S tests rax for zero");
long rk_enter_trap(uint64_t handle, uint64_t to_submit, uint64_t min_complete, uint64_t flags)
{
	struct cpu *c = mycpu();
	struct proc *p = c->proc; /* myproc, inline: IF is off */
	struct kring *kr;

	(void)to_submit; /* advisory, every published SQE is taken */
	p->stats.syscalls++;
	if (__builtin_expect(((handle - 1) | min_complete | flags) >> 32, 0))
		return rk_enter_slow(handle, 0, min_complete, flags); /* 0, or too wide */
	if (!rk_lock_enter_try(p, c))
		return rk_enter_other(handle, 0, min_complete, flags, true);
	kr = p->rk.last;
	if (__builtin_expect(
		    kr->enter_handle != handle ||
			    (flags & ~(uint64_t)(RC_ENTER_GETEVENTS | RC_ENTER_SQ_WAKEUP)) ||
			    min_complete > kr->cq_entries,
		    0))
		return rk_enter_other(handle, 0, min_complete, flags, false);
	return rk_enter_light(handle, kr, min_complete, flags);
}

/* rk_tick's visit: fire what is due on kr. */
static bool tick_ring(struct kring *kr, void *arg)
{
	if (rce_ring_next_deadline(&kr->r) <= *(uint64_t *)arg)
		kring_poke(kr);
	return false;
}

/* Per tick (IRQ on CPU 0, IF=0, any context): fire the TIMEOUTs whose
 * deadline passed, on every ring, then feed console input to parked
 * reads. One engine run per due ring fires at most RCE_TIMEOUT_BUDGET
 * (the chains they release run too); the rest stay due and the next tick
 * (or the owner waiting in enter) fires them. So a tick's work is at most
 * NPROC x PROC_RINGS runs of that bound, whatever was parked, and a ring
 * whose deadline passed is served on the next tick. */
static void rk_tick(uint64_t now)
{
	kring_for_each(false, tick_ring, &now);
	console_poll();
	if (__atomic_load_n(&ipc_any, __ATOMIC_SEQ_CST))
		rk_ipc_deliver(); /* anything a context holding a lock left marked */
}

/* Boot: hook the timer, start the poller. */
void rk_init(void)
{
	if (!timer_add_hook(rk_tick))
		panic("ringcall: no timer hook slot");
	kpoll_init();
}
