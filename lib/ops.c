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

#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	if (RCE_OFFERED_##impl(c->ctx->ops, name)) {           \
		p.ops |= UINT64_C(1) << num;                   \
		n++;                                           \
	}
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
	if (rce_copy_out(c, a->buf, 0, &p, sizeof(p)))
		return -RC_EFAULT;
	return n;
}

/* Once set, the allow-list holds for the life of the ring; it only
 * narrows the platform's (rce_ring_restrict). */
int32_t rce_op_restrict_ops(struct rce_call *c, const struct rce_args_restrict_ops *a)
{
	struct rce_ring *r = c->ring;

	if (r->restricted)
		return -RC_EBUSY;
	r->allowed = a->allow & r->policy_allowed;
	r->restricted = true;
	rce_loud_update(r);
	return 0;
}

/* ---- TIMEOUT ----
 *
 * Parked TIMEOUTs sit in two binary min-heaps of cap slots each (a request
 * in flight is in each at most once, so they never grow): by time, keyed
 * (deadline, armed), and by count, keyed (count_target, armed). `armed`
 * counts TIMEOUTs as they park, so equal keys fire in the order the
 * TIMEOUTs were armed: submission order. Each request knows its slot, so
 * arming, firing and removing one (CANCEL) cost O(log n).
 */

enum {
	RCE_BY_TIME,
	RCE_BY_COUNT
};
#define RCE_NO_SLOT UINT32_MAX /* heap_at of a TIMEOUT without that limit */

static uint64_t rce_key(const struct rce_req *q, int h)
{
	return h == RCE_BY_TIME ? q->deadline : q->count_target;
}

/* Does a fire before b in heap h? */
static bool rce_before(const struct rce_req *a, const struct rce_req *b, int h)
{
	uint64_t ka = rce_key(a, h), kb = rce_key(b, h);

	return ka < kb || (ka == kb && a->armed < b->armed);
}

static void rce_heap_put(struct rce_ring *r, int h, uint32_t i, struct rce_req *q)
{
	r->heap[h][i] = q;
	q->heap_at[h] = i;
}

/* Move q (to be placed at slot i) up to where its parent fires first. */
static void rce_sift_up(struct rce_ring *r, int h, uint32_t i, struct rce_req *q)
{
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!rce_before(q, r->heap[h][parent], h))
			break;
		rce_heap_put(r, h, i, r->heap[h][parent]);
		i = parent;
	}
	rce_heap_put(r, h, i, q);
}

/* Move q (to be placed at slot i) down to where it fires before its children. */
static void rce_sift_down(struct rce_ring *r, int h, uint32_t i, struct rce_req *q)
{
	uint32_t n = r->heap_len[h];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && rce_before(r->heap[h][child + 1], r->heap[h][child], h))
			child++;
		if (!rce_before(r->heap[h][child], q, h))
			break;
		rce_heap_put(r, h, i, r->heap[h][child]);
		i = child;
	}
	rce_heap_put(r, h, i, q);
}

static void rce_heap_push(struct rce_ring *r, int h, struct rce_req *q)
{
	rce_sift_up(r, h, r->heap_len[h]++, q);
}

/* Take q out of heap h, wherever it is: the last entry fills its slot. */
static void rce_heap_del(struct rce_ring *r, int h, struct rce_req *q)
{
	uint32_t i = q->heap_at[h];
	struct rce_req *last = r->heap[h][--r->heap_len[h]];

	if (last == q)
		return;
	if (i > 0 && rce_before(last, r->heap[h][(i - 1) / 2], h))
		rce_sift_up(r, h, i, last);
	else
		rce_sift_down(r, h, i, last);
}

static struct rce_req *rce_heap_top(const struct rce_ring *r, int h)
{
	return r->heap_len[h] ? r->heap[h][0] : NULL;
}

/* Cache the earliest deadline and count target (rce_post tests the count
 * on every completion). */
static void rce_timeouts_changed(struct rce_ring *r)
{
	struct rce_req *t = rce_heap_top(r, RCE_BY_TIME), *c = rce_heap_top(r, RCE_BY_COUNT);

	r->next_deadline = t ? t->deadline : UINT64_MAX;
	r->next_count_target = c ? c->count_target : UINT64_MAX;
	rce_loud_update(r); /* nr_timeouts changed (rce_arm, rce_unlink) */
}

static uint64_t rce_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Park q: it waits in the heap for each limit it has (ns 0: none; count
 * 0: none; at least one is given). */
static void rce_arm(struct rce_ring *r, struct rce_req *q, uint64_t ns, uint32_t count,
		    uint32_t flags)
{
	q->armed = r->armed++;
	q->heap_at[RCE_BY_TIME] = q->heap_at[RCE_BY_COUNT] = RCE_NO_SLOT;
	if (ns) {
		q->deadline = (flags & RC_TIMEOUT_ABS) ? ns : rce_add_sat(rce_port_now_ns(), ns);
		rce_heap_push(r, RCE_BY_TIME, q);
	}
	if (count) {
		q->count_target = r->posted + count;
		rce_heap_push(r, RCE_BY_COUNT, q);
	}
	r->nr_timeouts++;
	rce_timeouts_changed(r);
}

/* Both limits 0 would never fire, so that completes at once instead. */
int32_t rce_op_timeout(struct rce_call *c, const struct rce_args_timeout *a)
{
	if (a->ns == 0 && a->count == 0)
		return -RC_ETIME;
	rce_arm(c->ring, rce_call_park(c, NULL), a->ns, a->count, a->flags);
	return RCE_PENDING;
}

/* ---- LINK_TIMEOUT ----
 *
 * Run by the chain code (engine.c) once the op before it has started and
 * parked, with c->target = that op's request (the entry's target is NONE,
 * so decode leaves the field to the engine). It parks on the time heap as
 * a TIMEOUT does, its call.target naming the op it bounds until one of the
 * two ends (engine.c: rce_lt_end, rce_lt_disarm). Run with no target, its
 * op completed before it was read or started: -ECANCELED, which does not
 * fail the chain. Not after a linked op at all, or after another
 * LINK_TIMEOUT (which bounds nothing of its own): refused. */
int32_t rce_op_link_timeout(struct rce_call *c, const struct rce_args_link_timeout *a)
{
	struct rce_req *p = c->target;

	if (!p && c->req && c->req->in_chain)
		return -RC_ECANCELED;
	if (!p || p->sqe.opcode == RC_OP_LINK_TIMEOUT) {
		c->target = NULL;
		return rce_call_reject(c, RC_FIELD_OPCODE, RC_BAD_NOT_LINKED, RC_OP_LINK_TIMEOUT, 0,
				       -RC_EINVAL);
	}
	/* ns 0 is due now: it fires on the ring's next run. */
	rce_arm(c->ring, rce_call_park(c, NULL), a->ns ? a->ns : 1, 0, a->ns ? a->flags : 0);
	return RCE_PENDING;
}

static bool rce_is_timeout(const struct rce_req *q)
{
	return q->sqe.opcode == RC_OP_TIMEOUT || q->sqe.opcode == RC_OP_LINK_TIMEOUT;
}

/* Take a parked request off the pending list, and a TIMEOUT out of its
 * heaps. */
void rce_unlink(struct rce_ring *r, struct rce_req *q)
{
	rce_pending_del(r, q);
	if (!rce_is_timeout(q))
		return;
	if (q->heap_at[RCE_BY_TIME] != RCE_NO_SLOT)
		rce_heap_del(r, RCE_BY_TIME, q);
	if (q->heap_at[RCE_BY_COUNT] != RCE_NO_SLOT)
		rce_heap_del(r, RCE_BY_COUNT, q);
	r->nr_timeouts--;
	rce_timeouts_changed(r);
}

/* Complete a parked request with res. Completing may run its chain, which
 * may park new TIMEOUTs or complete others: callers re-read the heaps. */
static void rce_unpark(struct rce_ring *r, struct rce_req *q, int32_t res)
{
	rce_unlink(r, q);
	rce_finish(r, q, res);
}

/* Fire, earliest first, the TIMEOUTs whose deadline is <= now (-ETIME),
 * while the call's budget lasts. */
void rce_fire_timeouts(struct rce_ring *r, uint64_t now)
{
	struct rce_req *q;

	while (r->fire_left && (q = rce_heap_top(r, RCE_BY_TIME)) && q->deadline <= now) {
		r->fire_left--;
		rce_unpark(r, q, -RC_ETIME);
	}
}

/* Fire, lowest target first, the TIMEOUTs whose count is reached (0),
 * while the call's budget lasts. Each firing posts a CQE that may reach
 * further targets: the loop (not a nested call) picks them up. */
void rce_fire_counts(struct rce_ring *r)
{
	struct rce_req *q;

	if (r->firing_counts)
		return;
	r->firing_counts = true;
	while (r->fire_left && (q = rce_heap_top(r, RCE_BY_COUNT)) &&
	       q->count_target <= r->posted) {
		r->fire_left--;
		rce_unpark(r, q, 0);
	}
	r->firing_counts = false;
}

/* ---- CANCEL ----
 *
 * Found by user_data: one walk of the pending list, O(parked requests) per
 * CANCEL (nothing is indexed by user_data: documented in docs/abi.md). The
 * matches are unlinked first and completed after the walk, since
 * completing one may run a chain that parks or completes others.
 */

int32_t rce_op_cancel(struct rce_call *c, const struct rce_args_cancel *a)
{
	struct rce_ring *r = c->ring;
	struct rce_req *q, *next, *found = NULL, **tail = &found;
	int32_t n = 0;

	for (q = r->pending; q; q = next) {
		next = q->next;
		if (q->sqe.user_data != a->target)
			continue;
		if (rce_lt_of(q) && rce_lt_of(q)->sqe.user_data == a->target)
			continue; /* its op is cancelled too, and that ends it */
		if (q->cancel)
			q->cancel(q);
		rce_unlink(r, q);
		*tail = q;
		tail = &q->next;
		if (!(a->flags & RC_CANCEL_ALL))
			break;
	}
	*tail = NULL; /* off the pending list, q->next is this list's link */
	for (q = found; q; q = next) {
		next = q->next;
		q->next = NULL;
		rce_finish(r, q, -RC_ECANCELED);
		n++;
	}
	if ((!n || (a->flags & RC_CANCEL_ALL)) && r->drain_held &&
	    r->drain_held->sqe.user_data == a->target) {
		q = r->drain_held;
		r->drain_held = NULL;
		rce_loud_update(r);
		/* Nothing after it has been read: if it links, the rest of its
		 * chain is still in the SQ and must fail as it arrives. */
		if (q->sqe.flags & RC_SQE_LINK)
			r->chain_failed = true;
		rce_finish(r, q, -RC_ECANCELED);
		n++;
	}
	return n ? n : -RC_ENOENT;
}
