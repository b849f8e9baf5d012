/*
 * port.c - the porting hooks for Linux. A caller's memory is one shared
 * region; its pointers are translated into the server's mapping after a
 * bounds check, so a pointer anywhere else is -EFAULT.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "host.h"
#include "ringcall/atomic.h"

void *host_user_ptr(struct host_mem *m, uint64_t addr, uint64_t len)
{
	uint64_t lo = m->user_base + m->data_off;
	uint64_t hi = m->user_base + m->size;

	/* Nothing to touch: any address will do (a length of 0 is not
	 * checked, abi.md 7.1); hand back one that is valid anyway. */
	if (len == 0)
		return m->base + m->data_off;
	/* Both tests are needed: addr + len may wrap. */
	if (addr < lo || addr > hi || len > hi - addr)
		return NULL;
	return m->base + (addr - m->user_base);
}

/* The range in the server's mapping of the region (len > 0 here: never
 * the placeholder of an empty one), good as long as the client is: the
 * region is sealed against shrinking and unmapped only when the client
 * is freed, by the thread that runs its engine calls. */
void *rce_port_user_ptr(struct rce_ctx *ctx, uint64_t addr, uint64_t len, int write)
{
	(void)write; /* the whole data area is readable and writable */
	return host_user_ptr(ctx->port, addr, len);
}

/* The region is sealed against shrinking, so a mapped byte stays mapped:
 * a checked memcpy cannot fault. */
int rce_port_copy_in(struct rce_ctx *ctx, void *dst, uint64_t src, uint64_t len)
{
	void *p = host_user_ptr(ctx->port, src, len);

	if (!p)
		return -RC_EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int rce_port_copy_out(struct rce_ctx *ctx, uint64_t dst, const void *src, uint64_t len)
{
	void *p = host_user_ptr(ctx->port, dst, len);

	if (!p)
		return -RC_EFAULT;
	memcpy(p, src, len);
	return 0;
}

uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t rce_port_now_ns(void)
{
	return host_now_ns();
}

int host_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / 1000000000u),
			       .tv_nsec = (long)(timeout_ns % 1000000000u) };

	return (int)syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout_ns ? &ts : NULL, NULL,
			    0);
}

void host_futex_wake(uint32_t *word, int nr)
{
	syscall(SYS_futex, word, FUTEX_WAKE, nr, NULL, NULL, 0);
}

uint64_t host_cq_wakes;

void rce_port_notify(struct rce_ring *r)
{
	/* Orders the cq_tail store (just made) before the cq_waiting load.
	 * Pairs with the user's full fence between setting cq_waiting and
	 * re-reading cq_tail: either it sees our tail or we see its flag. */
	struct rc_ring_hdr *h = rce_ring_hdr(r);

	rc_fence_full();
	if (rc_load_relaxed(&h->cq_waiting)) {
		__atomic_fetch_add(&host_cq_wakes, 1, __ATOMIC_RELAXED);
		host_futex_wake(&h->cq_tail, INT_MAX);
	}
}

void *rce_port_alloc(size_t bytes)
{
	return calloc(1, bytes);
}

void rce_port_free(void *p, size_t bytes)
{
	(void)bytes;
	free(p);
}
