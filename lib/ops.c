/*
 * ops.c - the syscalls every platform gets from the engine itself:
 * PROBE, RESTRICT, TIMEOUT and CANCEL (NOP is inline in decode).
 */
#include "engine_internal.h"

int32_t rce_op_probe(struct rce_call *c, const struct rce_args_probe *a)
{
	struct rce_ring *r = c->ring;
	struct rc_probe p = {
		.abi_version = RC_ABI_VERSION,
		.op_count = RC_OP_COUNT,
		.allowed = r->allowed,
		.sqe_flags = RC_SQE_FLAGS,
	};
	int32_t n = 0;

#define RCE_OFFERED_ENGINE(name)   true
#define RCE_OFFERED_PLATFORM(name) (c->ctx->ops->name != NULL)
#define RCE_OFFERED_HOSTED         RCE_OFFERED_PLATFORM
#define RCE_OFFERED_KERNEL         RCE_OFFERED_PLATFORM
#define RCE_OFFERED_OTHER          RCE_OFFERED_PLATFORM
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	if (RCE_OFFERED_##impl(name)) {                         \
		p.ops |= UINT64_C(1) << num;                    \
		n++;                                            \
	}
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
	if (rce_copy_out(c, a->buf, 0, &p, sizeof(p)))
		return -RC_EFAULT;
	return n;
}

/* Once set, the allow-list holds for the life of the ring. */
int32_t rce_op_restrict_ops(struct rce_call *c, const struct rce_args_restrict_ops *a)
{
	struct rce_ring *r = c->ring;

	if (r->restricted)
		return -RC_EBUSY;
	r->allowed = a->allow;
	r->restricted = true;
	return 0;
}

/* ---- TIMEOUT ---- */

static uint64_t rce_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int32_t rce_op_timeout(struct rce_call *c, const struct rce_args_timeout *a)
{
	struct rce_ring *r = c->ring;
	struct rce_req *q;

	if (a->ns == 0 && a->count == 0)
		return -RC_ETIME;
	q = rce_call_park(c, NULL);
	if (a->ns)
		q->deadline = (a->flags & RC_TIMEOUT_ABS) ? a->ns
							  : rce_add_sat(rce_port_now_ns(), a->ns);
	if (a->count)
		q->count_target = r->posted + a->count;
	if (q->deadline < r->next_deadline)
		r->next_deadline = q->deadline;
	if (q->count_target < r->next_count_target)
		r->next_count_target = q->count_target;
	r->nr_timeouts++;
	return RCE_PENDING;
}

static bool rce_is_timeout(const struct rce_req *q)
{
	return q->sqe.opcode == RC_OP_TIMEOUT;
}

/* Complete a parked request with res, taking it off the pending list. */
static void rce_unpark(struct rce_ring *r, struct rce_req *q, int32_t res)
{
	rce_pending_del(r, q);
	if (rce_is_timeout(q))
		r->nr_timeouts--;
	rce_finish(r, q, res);
}

/* Fire every timeout that is due by time (-ETIME) or, with by_count, by
 * completions (0); recompute the earliest deadline and count. Restarts
 * the scan after each completion: completing may run a chain that parks
 * new requests or completes others. */
static void rce_scan_timeouts(struct rce_ring *r, uint64_t now, bool by_count)
{
	struct rce_req *q;

restart:
	r->next_deadline = r->next_count_target = UINT64_MAX;
	for (q = r->pending; q; q = q->next) {
		if (!rce_is_timeout(q))
			continue;
		if (q->deadline <= now) {
			rce_unpark(r, q, -RC_ETIME);
			goto restart;
		}
		if (by_count && q->count_target <= r->posted) {
			rce_unpark(r, q, 0);
			goto restart;
		}
		if (q->deadline < r->next_deadline)
			r->next_deadline = q->deadline;
		if (q->count_target < r->next_count_target)
			r->next_count_target = q->count_target;
	}
}

void rce_fire_timeouts(struct rce_ring *r, uint64_t now)
{
	rce_scan_timeouts(r, now, false);
}

void rce_fire_counts(struct rce_ring *r)
{
	r->firing_counts = true;
	rce_scan_timeouts(r, 0, true);
	r->firing_counts = false;
}

/* ---- CANCEL ---- */

int32_t rce_op_cancel(struct rce_call *c, const struct rce_args_cancel *a)
{
	struct rce_ring *r = c->ring;
	int32_t n = 0;
	struct rce_req *q;

restart:
	for (q = r->pending; q; q = q->next) {
		if (q->sqe.user_data != a->target)
			continue;
		if (q->cancel)
			q->cancel(q);
		rce_unpark(r, q, -RC_ECANCELED);
		n++;
		if (a->flags & RC_CANCEL_ALL)
			goto restart;
		return n;
	}
	if ((!n || (a->flags & RC_CANCEL_ALL)) && r->drain_held &&
	    r->drain_held->sqe.user_data == a->target) {
		q = r->drain_held;
		r->drain_held = NULL;
		/* Nothing after it has been read: if it links, the rest of its
		 * chain is still in the SQ and must fail as it arrives. */
		if (q->sqe.flags & RC_SQE_LINK)
			r->chain_failed = true;
		rce_finish(r, q, -RC_ECANCELED);
		n++;
	}
	return n ? n : -RC_ENOENT;
}
