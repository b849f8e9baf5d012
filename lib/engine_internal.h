/*
 * engine_internal.h - what the engine's files share and nobody else sees.
 */
#ifndef RINGCALL_ENGINE_INTERNAL_H
#define RINGCALL_ENGINE_INTERNAL_H

#include "ringcall/engine.h"
#include "ringcall/atomic.h"

#define RCE_LIKELY(x)   __builtin_expect(!!(x), 1)
#define RCE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RCE_COLD        __attribute__((cold, noinline))

/* engine.c */
void rce_post(struct rce_ring *r, uint64_t user_data, int32_t res, uint8_t sqe_flags);
void rce_finish(struct rce_ring *r, struct rce_req *q, int32_t res);
struct rce_req *rce_req_alloc(struct rce_ring *r, const struct rc_sqe *s);
void rce_req_free(struct rce_ring *r, struct rce_req *q);
void rce_pending_add(struct rce_ring *r, struct rce_req *q);
void rce_pending_del(struct rce_ring *r, struct rce_req *q);

/* handles.c */
void *rce_handle_lookup(struct rce_ctx *ctx, uint32_t handle, uint32_t type, uint32_t rights,
			uint8_t *reason);

/* ops.c: the syscalls the engine itself implements */
int32_t rce_op_probe(struct rce_call *c, const struct rce_args_probe *a);
int32_t rce_op_restrict_ops(struct rce_call *c, const struct rce_args_restrict_ops *a);
int32_t rce_op_timeout(struct rce_call *c, const struct rce_args_timeout *a);
int32_t rce_op_cancel(struct rce_call *c, const struct rce_args_cancel *a);
void rce_fire_timeouts(struct rce_ring *r, uint64_t now);
void rce_fire_counts(struct rce_ring *r);

static inline int32_t rce_op_nop(struct rce_call *c, const struct rce_args_nop *a)
{
	(void)c;
	return a->res;
}

/* decode.h */
int32_t rce_dispatch(struct rce_ring *r, struct rce_call *c);

#endif
