/*
 * port.h - what a platform provides so the engine can run in it.
 *
 * The engine is freestanding C11: it calls nothing outside itself except the
 * functions below (and memcpy/memset, which any C compiler may emit and any
 * kernel already has). The hosted runtime implements them in hosted/port.c,
 * the ringcall kernel in kernel/port.c; docs/porting.md explains each one.
 */
#ifndef RINGCALL_PORT_H
#define RINGCALL_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rce_ctx;
struct rce_ring;

/* Is [addr, addr + len) inside the caller's memory, and writable if write?
 * The engine has already rejected a range that wraps around and len 0.
 * NULL if not (the entry fails with -RC_EFAULT). If it is: either
 * RCE_PORT_CHECKED (reach it through rce_port_copy_in/_out only), or a
 * pointer to the range's first byte that the engine may read through (and
 * write, if write), len bytes, without a fault, until the op whose decode
 * asked returns (docs/porting.md says when a port may give one). Must not
 * change any state the engine or the caller can see (decode calls it). */
#define RCE_PORT_CHECKED ((void *)1)
void *rce_port_user_ptr(struct rce_ctx *ctx, uint64_t addr, uint64_t len, int write);

/* Copy len bytes from the caller's memory at src into the kernel's dst.
 * Return 0, or -RC_EFAULT if any byte is not readable, even when the
 * mapping changed after rce_port_user_ptr (fault-safe). */
int rce_port_copy_in(struct rce_ctx *ctx, void *dst, uint64_t src, uint64_t len);

/* Copy len bytes from the kernel's src to the caller's memory at dst.
 * Return 0 or -RC_EFAULT, fault-safe as rce_port_copy_in. */
int rce_port_copy_out(struct rce_ctx *ctx, uint64_t dst, const void *src, uint64_t len);

/* A monotonic clock in nanoseconds (TIMEOUT deadlines). */
uint64_t rce_port_now_ns(void);

/* New completions were published on ring: wake its user if it sleeps
 * waiting for them. Called after the CQ tail store, often: keep the case
 * where nobody sleeps cheap. */
void rce_port_notify(struct rce_ring *ring);

/* Kernel memory for the engine's private state (request pool, backlog,
 * handle table); returned zeroed. Free gets the size that was allocated. */
void *rce_port_alloc(size_t bytes);
void rce_port_free(void *p, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
