/*
 * atomic.h - named memory-ordering helpers for memory shared between the
 * user and the engine.
 *
 * Every access to a ring index, a sequence word or a flag word goes through
 * one of these, so each ordering decision is visible and has a name. Only
 * 32- and 64-bit atomics are used: every 64-bit target ringcall supports has
 * them natively. The fields themselves are plain integers in the ABI (so the
 * header stays usable from any C dialect); these helpers view them as
 * _Atomic objects of the same size and representation.
 */
#ifndef RINGCALL_ATOMIC_H
#define RINGCALL_ATOMIC_H

#include <stdint.h>

#ifndef __cplusplus
#include <stdatomic.h>
#define RC_AT32(p)     ((_Atomic uint32_t *)(uintptr_t)(p))
#define RC_AT64(p)     ((_Atomic uint64_t *)(uintptr_t)(p))
#define RC_ATOMIC_(op) atomic_##op##_explicit
#define RC_MO_(o)      memory_order_##o
#define RC_FENCE_      atomic_thread_fence
#else
/* C++ before C++23 has no <stdatomic.h>: the same operations through the
 * GCC/Clang builtins that <stdatomic.h> expands to, same orderings. */
#define RC_AT32(p)	    ((uint32_t *)(uintptr_t)(p))
#define RC_AT64(p)	    ((uint64_t *)(uintptr_t)(p))
#define RC_ATOMIC_load	    __atomic_load_n
#define RC_ATOMIC_store	    __atomic_store_n
#define RC_ATOMIC_fetch_add __atomic_fetch_add
#define RC_ATOMIC_fetch_or  __atomic_fetch_or
#define RC_ATOMIC_fetch_and __atomic_fetch_and
#define RC_ATOMIC_(op)	    RC_ATOMIC_##op
#define RC_MO_relaxed	    __ATOMIC_RELAXED
#define RC_MO_acquire	    __ATOMIC_ACQUIRE
#define RC_MO_release	    __ATOMIC_RELEASE
#define RC_MO_seq_cst	    __ATOMIC_SEQ_CST
#define RC_MO_(o)	    RC_MO_##o
#define RC_FENCE_	    __atomic_thread_fence
#endif

/* Load that later loads/stores cannot be reordered before: pairs with a
 * store_release by the other side, so what it wrote before is visible. */
static inline uint32_t rc_load_acquire(const uint32_t *p)
{
	return RC_ATOMIC_(load)(RC_AT32(p), RC_MO_(acquire));
}

/* Store that earlier loads/stores cannot be reordered after: publishes
 * everything written before it to the side that load_acquires it. */
static inline void rc_store_release(uint32_t *p, uint32_t v)
{
	RC_ATOMIC_(store)(RC_AT32(p), v, RC_MO_(release));
}

/* Single-copy-atomic access with no ordering: for shared words whose order
 * is given by a neighbouring acquire/release, and for reading hostile memory
 * exactly once without a data race. */
static inline uint32_t rc_load_relaxed(const uint32_t *p)
{
	return RC_ATOMIC_(load)(RC_AT32(p), RC_MO_(relaxed));
}

/* Relaxed 32-bit store (see rc_load_relaxed). */
static inline void rc_store_relaxed(uint32_t *p, uint32_t v)
{
	RC_ATOMIC_(store)(RC_AT32(p), v, RC_MO_(relaxed));
}

/* Relaxed 64-bit load (see rc_load_relaxed). */
static inline uint64_t rc_load_relaxed64(const uint64_t *p)
{
	return RC_ATOMIC_(load)(RC_AT64(p), RC_MO_(relaxed));
}

/* Relaxed 64-bit store (see rc_load_relaxed). */
static inline void rc_store_relaxed64(uint64_t *p, uint64_t v)
{
	RC_ATOMIC_(store)(RC_AT64(p), v, RC_MO_(relaxed));
}

/* Read 64 bytes (8 aligned words) out of memory another party may be
 * writing at the same time (an SQE) into w: each word read exactly once,
 * single-copy atomic, with no ordering (the acquire that found the entry
 * orders it). A mix of old and new words is possible and is the caller's
 * to validate; it is not a data race in C11, so the race detector stays
 * on for it. Inlined, the words stay in registers. */
static inline void rc_load_relaxed64x8(uint64_t w[8], const void *src)
{
	const uint64_t *s = (const uint64_t *)src;

	w[0] = rc_load_relaxed64(&s[0]);
	w[1] = rc_load_relaxed64(&s[1]);
	w[2] = rc_load_relaxed64(&s[2]);
	w[3] = rc_load_relaxed64(&s[3]);
	w[4] = rc_load_relaxed64(&s[4]);
	w[5] = rc_load_relaxed64(&s[5]);
	w[6] = rc_load_relaxed64(&s[6]);
	w[7] = rc_load_relaxed64(&s[7]);
}

/* Atomic read-modify-write, sequentially consistent (a full barrier too):
 * for doorbell counters and the engine's flag word. Return the old value. */
static inline uint32_t rc_fetch_add(uint32_t *p, uint32_t v)
{
	return RC_ATOMIC_(fetch_add)(RC_AT32(p), v, RC_MO_(seq_cst));
}
static inline uint32_t rc_fetch_or(uint32_t *p, uint32_t v)
{
	return RC_ATOMIC_(fetch_or)(RC_AT32(p), v, RC_MO_(seq_cst));
}
static inline uint32_t rc_fetch_and(uint32_t *p, uint32_t v)
{
	return RC_ATOMIC_(fetch_and)(RC_AT32(p), v, RC_MO_(seq_cst));
}

/* Full barrier: orders earlier stores before later loads, which acquire and
 * release never do. Needed only for the sleep/wake handshakes (store my
 * state, then read the other side's flag), where a lost wakeup would follow. */
static inline void rc_fence_full(void)
{
	RC_FENCE_(RC_MO_(seq_cst));
}

/* Tell the CPU we are spinning (saves power, helps the sibling thread). */
static inline void rc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif
