/*
 * engine.c - the ring engine: take SQEs, run them, post CQEs.
 *
 * Shared memory is hostile. Each SQE is read exactly once into the engine's
 * own memory and everything after that looks only at the copy. Indices the
 * user writes are never used to address memory without a mask, and never
 * trusted to be consistent. One SQE taken yields exactly one CQE (unless it
 * asked for SKIP_SUCCESS and succeeded): when the CQ is full, CQEs wait in
 * order in a bounded backlog, and every request in flight owns a backlog
 * slot, so a completion always has somewhere to go.
 */
#include "decode.h"

/* ---- requests ---- */

/* Take a request from the pool (never empty for a request in flight: the
 * pool has one per backlog slot) and give it a copy of s. */
struct rce_req *rce_req_alloc(struct rce_ring *r, const struct rc_sqe *s)
{
	struct rce_req *q = r->free_reqs;

	r->free_reqs = q->next;
	q->sqe = *s;
	q->call = (struct rce_call){ .ring = r, .ctx = r->ctx, .sqe = &q->sqe, .req = q };
	q->link = q->next = q->prev = NULL;
	q->deadline = q->count_target = UINT64_MAX;
	q->cancel = NULL;
	q->pl_next = q->pl_prev = NULL;
	q->in_chain = q->parked = false;
	q->ipc_next = q->ipc_prev = NULL;
	q->ipc_list = q->ipc_chan = q->ipc_msg = NULL;
	q->ipc_done = q->ipc_woken = false;
	q->ipc_txid = 0;
	return q;
}

void rce_req_free(struct rce_ring *r, struct rce_req *q)
{
	q->next = r->free_reqs;
	r->free_reqs = q;
}

void rce_pending_add(struct rce_ring *r, struct rce_req *q)
{
	q->prev = NULL;
	q->next = r->pending;
	if (r->pending)
		r->pending->prev = q;
	r->pending = q;
	q->parked = true;
}

void rce_pending_del(struct rce_ring *r, struct rce_req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		r->pending = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
	q->parked = false;
}

/* ---- the completion side ---- */

static void rce_set_flag(struct rce_ring *r, uint32_t bit, bool on)
{
	if (((r->ring_flags & bit) != 0) == on)
		return;
	r->ring_flags ^= bit;
	if (on)
		rc_fetch_or(&r->hdr->flags, bit);
	else
		rc_fetch_and(&r->hdr->flags, ~bit);
}

/* Is there a free CQ slot? Re-reads the user's head only when the cached
 * one says full. A head that claims more than the CQ holds (garbage) means
 * no room: the CQEs wait in the backlog until the user repairs it. */
static inline bool rce_cq_has_room(struct rce_ring *r)
{
	if (r->cq_tail - r->cq_head_seen < r->cq_entries)
		return true;
	/* Pairs with the user's store_release of cq_head after reading the
	 * CQEs: those slots are free to overwrite only once it is seen. */
	r->cq_head_seen = rc_load_acquire(&r->hdr->cq_head);
	return r->cq_tail - r->cq_head_seen < r->cq_entries;
}

/* Publish the SQ head if it moved. Orders our reads of the taken SQEs
 * before the user may overwrite their slots. */
static inline void rce_publish_sq_head(struct rce_ring *r)
{
	if (r->sq_head != r->pub_sq_head) {
		r->pub_sq_head = r->sq_head;
		rc_store_release(&r->hdr->sq_head, r->sq_head);
	}
}

/* Write a CQE. (The SQ head covering its SQE is already published: a
 * user who sees a CQE may refill the SQ right away.) */
static inline void rce_write_cqe(struct rce_ring *r, uint64_t user_data, int32_t res,
				 uint32_t flags)
{
	struct rc_cqe *cqe = &r->cqes[r->cq_tail & r->cq_mask];

	rc_store_relaxed64(&cqe->user_data, user_data);
	rc_store_relaxed((uint32_t *)&cqe->res, (uint32_t)res);
	/* Orders user_data and res before the phase that tells a polling
	 * user this entry is new. */
	rc_store_release(&cqe->flags, rc_cq_phase(r->cq_tail, r->cq_entries) | flags);
	r->cq_tail++;
}

/* Move backlogged CQEs, oldest first, into free CQ slots. */
static void rce_flush_backlog(struct rce_ring *r)
{
	while (r->backlog_count && rce_cq_has_room(r)) {
		struct rc_cqe *b = &r->backlog[r->backlog_head];

		rce_write_cqe(r, b->user_data, b->res, b->flags);
		r->backlog_head = (r->backlog_head + 1) % r->cap;
		r->backlog_count--;
	}
	if (!r->backlog_count)
		rce_set_flag(r, RC_RING_CQ_OVERFLOW, false);
}

/* The CQ is full or older CQEs wait: this one goes to the back of the
 * backlog (its slot was reserved when the request was taken). */
static RCE_COLD void rce_post_backlog(struct rce_ring *r, uint64_t user_data, int32_t res,
				      uint32_t flags)
{
	uint32_t slot = (r->backlog_head + r->backlog_count) % r->cap;

	r->backlog[slot] = (struct rc_cqe){ .user_data = user_data, .res = res, .flags = flags };
	r->backlog_count++;
	rc_store_relaxed(&r->hdr->cq_overflow, ++r->overflowed);
	rce_set_flag(r, RC_RING_CQ_OVERFLOW, true);
}

/* Complete one request in flight: its CQE goes to the CQ, or to the
 * backlog if the CQ is full or older CQEs already wait there. */
static inline void rce_post_inline(struct rce_ring *r, uint64_t user_data, int32_t res,
				   uint8_t sqe_flags)
{
	uint32_t cqe_flags = 0;

	r->inflight--;
	r->retired++;
	if (RCE_UNLIKELY(r->reject_tag)) { /* this is the entry decode just rejected */
		cqe_flags = r->reject_tag;
		r->reject_tag = 0;
	}
	if ((sqe_flags & RC_SQE_SKIP_SUCCESS) && res >= 0)
		return;
	if (RCE_LIKELY(!r->backlog_count && rce_cq_has_room(r)))
		rce_write_cqe(r, user_data, res, cqe_flags);
	else
		rce_post_backlog(r, user_data, res, cqe_flags);
	/* Completions are counted only while a TIMEOUT might wait for them:
	 * its target is relative to the count when it was armed. */
	if (RCE_UNLIKELY(r->nr_timeouts) && ++r->posted >= r->next_count_target &&
	    !r->firing_counts)
		rce_fire_counts(r);
}

void rce_post(struct rce_ring *r, uint64_t user_data, int32_t res, uint8_t sqe_flags)
{
	rce_post_inline(r, user_data, res, sqe_flags);
}

/* A CQE for a request that stays in flight (a multishot receive's MORE):
 * to the CQ, or to the backlog if it has a slot beyond those the
 * requests in flight own. false: no room, nothing posted. A count
 * TIMEOUT it reaches fires on the next run, not from inside a handler. */
bool rce_post_more(struct rce_ring *r, uint64_t user_data, int32_t res, uint32_t cqe_flags)
{
	if (!r->backlog_count && rce_cq_has_room(r))
		rce_write_cqe(r, user_data, res, cqe_flags);
	else if (r->backlog_count + r->inflight < r->cap)
		rce_post_backlog(r, user_data, res, cqe_flags);
	else
		return false;
	if (RCE_UNLIKELY(r->nr_timeouts))
		r->posted++;
	return true;
}

/* ---- LINK and DRAIN ---- */

/* The request whose CQE was just posted had LINK and nothing of its chain
 * has been read yet: the chain goes on in the SQ, failed or not. */
static void rce_chain_reaches_sq(struct rce_ring *r, int32_t res)
{
	r->chain_tail = NULL;
	if (res < 0)
		r->chain_failed = true;
}

/* Complete a held list with -ECANCELED (its predecessor failed). */
static void rce_cancel_list(struct rce_ring *r, struct rce_req *q)
{
	while (q) {
		struct rce_req *next = q->link;

		rce_post(r, q->sqe.user_data, -RC_ECANCELED, q->sqe.flags);
		if (!next && (q->sqe.flags & RC_SQE_LINK))
			rce_chain_reaches_sq(r, -RC_ECANCELED);
		rce_req_free(r, q);
		q = next;
	}
}

/* Run q and the held chain behind it until one parks or fails. */
static void rce_run_chain(struct rce_ring *r, struct rce_req *q)
{
	while (q) {
		struct rce_req *next = q->link;
		int32_t res;

		q->link = NULL;
		res = rce_decode_and_invoke(r, &q->call);
		if (res == RCE_PENDING) {
			q->link = next;
			if (!next && (q->sqe.flags & RC_SQE_LINK))
				r->chain_tail = q;
			return;
		}
		rce_post(r, q->sqe.user_data, res, q->sqe.flags);
		if (!next && (q->sqe.flags & RC_SQE_LINK))
			rce_chain_reaches_sq(r, res);
		rce_req_free(r, q);
		if (res < 0) {
			rce_cancel_list(r, next);
			return;
		}
		q = next;
	}
}

/* A parked request is done: post it, then go on with (or cancel) its chain. */
void rce_finish(struct rce_ring *r, struct rce_req *q, int32_t res)
{
	struct rce_req *next = q->link;
	uint8_t flags = q->sqe.flags;

	rce_post(r, q->sqe.user_data, res, flags);
	if (r->chain_tail == q)
		rce_chain_reaches_sq(r, res);
	rce_req_free(r, q);
	if (!next)
		return;
	if (res < 0)
		rce_cancel_list(r, next);
	else
		rce_run_chain(r, next);
}

/* Place a request that DRAIN no longer holds back: behind its chain's
 * parked member, or run now. */
static void rce_place(struct rce_ring *r, struct rce_req *q)
{
	if (q->in_chain && r->chain_tail) {
		r->chain_tail->link = q;
		r->chain_tail = (q->sqe.flags & RC_SQE_LINK) ? q : NULL;
		return;
	}
	rce_run_chain(r, q);
}

/* Start a DRAIN entry (everything before it is done). As in io_uring,
 * nothing after it starts before it completes: if it parks, SQ reading
 * stays stopped until the ring has nothing in flight again. */
static void rce_place_drained(struct rce_ring *r, struct rce_req *q)
{
	rce_place(r, q);
	r->drain_running = r->inflight > 0; /* it was the only request in flight */
}

/* An SQE with flags, or inside a chain. */
static RCE_COLD void rce_take_slow(struct rce_ring *r, const struct rc_sqe *s)
{
	bool in_chain = r->chain_open;
	struct rce_req *q;

	r->chain_open = (s->flags & RC_SQE_LINK) != 0;
	if (in_chain && r->chain_failed) {
		rce_post(r, s->user_data, -RC_ECANCELED, s->flags);
		if (!r->chain_open)
			r->chain_failed = false;
		return;
	}
	r->chain_failed = false;
	q = rce_req_alloc(r, s);
	q->in_chain = in_chain;
	if (!(s->flags & RC_SQE_DRAIN)) {
		rce_place(r, q);
		return;
	}
	if (r->inflight > 1)
		r->drain_held = q; /* SQ reading stops until everything before is done */
	else
		rce_place_drained(r, q);
}

/* Start a held DRAIN entry once it is the only request in flight; let SQ
 * reading go on once a started one has completed. */
static void rce_settle(struct rce_ring *r)
{
	if (r->drain_held && r->inflight == 1) {
		struct rce_req *q = r->drain_held;

		r->drain_held = NULL;
		rce_place_drained(r, q);
	}
	if (r->drain_running && r->inflight == 0)
		r->drain_running = false;
}

/* ---- the submission side ---- */

/* Copy an SQE out of shared memory: eight relaxed 64-bit loads, each
 * word read exactly once, nothing read from shared memory after it. A
 * user rewriting the entry meanwhile may leave a mix of old and new
 * words, all of which decode then checks; with atomic loads that is no
 * data race, so the race detector watches this copy too. */
static inline uint64_t rce_read_sqe(struct rc_sqe *dst, const struct rc_sqe *src)
{
	_Static_assert(sizeof(*dst) == 64, "an SQE is 8 words");
	return rc_copy_in_relaxed64x8(dst, src); /* word 0: opcode, flags, rsvd0, handle */
}

/* Run one SQE (already copied). The common case, no flags outside a chain,
 * runs straight from the stack copy with no request allocated; c is the
 * chunk's call, its ring and ctx already set. */
static inline void rce_take_one(struct rce_ring *r, struct rce_call *c, const struct rc_sqe *s)
{
	int32_t res;

	r->inflight++;
	if (RCE_UNLIKELY(s->flags || r->chain_open)) {
		rce_take_slow(r, s);
		return;
	}
	c->sqe = s;
	c->target = NULL;
	c->req = NULL;
	res = rce_decode_and_invoke(r, c);
	if (res != RCE_PENDING)
		rce_post_inline(r, s->user_data, res, 0);
}

#define RCE_CHUNK 16 /* SQEs copied out per pass: 1 KiB of stack */

/* Room for one more request in flight, with a backlog slot for its CQE? */
static inline bool rce_can_take(const struct rce_ring *r)
{
	return r->backlog_count + r->inflight < r->cap && !r->drain_held && !r->drain_running;
}

/* How many SQEs the next chunk may hold: within budget, within the room
 * left for requests in flight, none while a DRAIN entry is held. */
static inline uint32_t rce_chunk_limit(const struct rce_ring *r, uint32_t budget)
{
	uint32_t room = 0;

	if (!r->drain_held && !r->drain_running)
		room = r->cap - r->backlog_count - r->inflight;

	if (room > budget)
		room = budget;
	return room < RCE_CHUNK ? room : RCE_CHUNK;
}

/* Is the user's tail possible: no more than a ring's worth ahead of our
 * head? (A tail behind the head wraps to a huge distance: impossible too.) */
static inline bool rce_tail_possible(const struct rce_ring *r, uint32_t tail)
{
	return tail - r->sq_head <= r->sq_entries;
}

/* Must nothing after s be read before s has run? A DRAIN entry waits for
 * everything before it; an op that may end the batch (the platform's
 * stopping_ops) must be last in its chunk, so that the head published for
 * the chunk never covers an entry the stop leaves in the SQ. */
static inline bool rce_ends_chunk(uint64_t word0, uint64_t enders)
{
	return RCE_UNLIKELY((word0 & (RC_SQE_DRAIN << 8)) |
			    (enders & (UINT64_C(1) << (word0 & 63))));
}

/* The first word of a private SQE copy (opcode, flags, rsvd0, handle). */
static inline uint64_t rce_sqe_word0(const struct rc_sqe *s)
{
	uint64_t word0;

	__builtin_memcpy(&word0, s, 8);
	return word0;
}

/* Copy up to max published SQEs out of the SQ into buf, each read exactly
 * once, advancing the head. Published means, polling, that the entry's seq
 * says so (no index is read), else that it lies before tail. A DRAIN
 * entry ends the chunk: nothing after it may be read before it runs. The
 * head lives in a register meanwhile (the copies' stores could alias r). */
static inline __attribute__((always_inline)) uint32_t rce_copy_chunk(struct rce_ring *r,
								     struct rc_sqe *buf,
								     uint32_t max, uint32_t tail)
{
	const struct rc_sqe *sqes = r->sqes;
	uint64_t enders = r->ctx->ops->stopping_ops;
	uint32_t head = r->sq_head, mask = r->sq_mask, n = 0;

	if (r->setup_flags & RC_SETUP_POLL) {
		/* Pairs with the user's store_release of seq after writing the
		 * entry: the words read after it are the ones it wrote. */
		while (n < max && rc_load_acquire(&sqes[head & mask].seq) == head + 1) {
			uint64_t word0 = rce_read_sqe(&buf[n++], &sqes[head & mask]);

			head++;
			if (rce_ends_chunk(word0, enders))
				break;
		}
	} else {
		if (max > tail - head) /* tail is possible: tail - head <= sq_entries */
			max = tail - head;
		while (n < max) {
			uint64_t word0 = rce_read_sqe(&buf[n++], &sqes[head & mask]);

			head++;
			if (rce_ends_chunk(word0, enders))
				break;
		}
	}
	r->sq_head = head;
	return n;
}

/* Take up to budget SQEs, a chunk at a time: copy the chunk out (its line
 * loads overlap), publish the head once (the slots are free again before
 * any of their CQEs appear), then run each copy. */
static inline __attribute__((always_inline)) uint32_t rce_take_loop(struct rce_ring *r,
								    uint32_t budget, uint32_t tail,
								    const bool traced)
{
	struct rc_sqe buf[RCE_CHUNK];
	struct rce_call c = { .ring = r, .ctx = r->ctx };
	uint32_t n = 0, max, got;

	while ((max = rce_chunk_limit(r, budget - n)) > 0) {
		got = rce_copy_chunk(r, buf, max, tail);
		if (!got)
			break;
		rce_publish_sq_head(r);
		if (traced) /* a constant: folded away in the untraced copy */
			r->tracer->sqes(r->tracer, r, buf, got);
		for (uint32_t i = 0; i < got; i++)
			rce_take_one(r, &c, &buf[i]);
		n += got;
		/* A handler ended the batch: its entry ended the chunk (see
		 * rce_ends_chunk), so what follows is still in the SQ. */
		if (RCE_UNLIKELY(r->stop_batch))
			break;
		/* A short chunk: the SQ ran dry, or its last entry ended it (a
		 * DRAIN, now held or run; a stopping op that did not stop). Only
		 * a dry SQ ends the take: what follows an ender is taken now (a
		 * held DRAIN makes the next chunk limit 0). */
		if (got < max &&
		    !rce_ends_chunk(rce_sqe_word0(&buf[got - 1]), r->ctx->ops->stopping_ops))
			break;
	}
	return n;
}

static uint32_t rce_take(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	return rce_take_loop(r, budget, tail, false);
}

/* The same with a tracer shown each chunk before it runs: a copy of its
 * own, so that tracing off costs one branch per run (rce_take_any). */
static RCE_COLD uint32_t rce_take_traced(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	return rce_take_loop(r, budget, tail, true);
}

static inline uint32_t rce_take_any(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	if (RCE_UNLIKELY(r->tracer))
		return rce_take_traced(r, budget, tail);
	return rce_take(r, budget, tail);
}

/* Take SQEs up to the user's tail. An impossible tail is not followed:
 * nothing is taken, the head does not move (no entry runs twice, none is
 * guessed at), and each refusal counts in sq_dropped until the user
 * repairs its tail. */
static uint32_t rce_take_by_tail(struct rce_ring *r, uint32_t budget)
{
	/* Pairs with the user's store_release of sq_tail after writing the
	 * entries. */
	uint32_t tail = rc_load_acquire(&r->hdr->sq_tail);

	if (RCE_UNLIKELY(!rce_tail_possible(r, tail))) {
		rc_store_relaxed(&r->hdr->sq_dropped, ++r->dropped);
		return 0;
	}
	return rce_take_any(r, budget, tail);
}

/* Tell the user what moved: SQ slots it may reuse, CQEs it may read. */
static void rce_publish(struct rce_ring *r)
{
	bool notify = false;

	rce_publish_sq_head(r);
	if (r->cq_tail != r->pub_cq_tail) {
		if (RCE_UNLIKELY(r->tracer))
			r->tracer->cqes(r->tracer, r, r->pub_cq_tail, r->cq_tail);
		r->pub_cq_tail = r->cq_tail;
		/* Orders the CQE writes before the tail that counts them. */
		rc_store_release(&r->hdr->cq_tail, r->cq_tail);
		notify = true;
	}
	if (r->retired != r->pub_retired) {
		r->pub_retired = r->retired;
		/* Orders cq_tail and the flags (CQ_OVERFLOW) before the count:
		 * a waiter that sees every SQE retired also sees every CQE
		 * they produced (rc_wait's -EDEADLK). */
		rc_store_release(&r->hdr->sq_retired, r->retired);
		if (!r->inflight)
			notify = true; /* the last one may have posted nothing */
	}
	/* One notification, after both stores: a woken waiter sees the new
	 * tail and the new count together (one wake instead of two when the
	 * last request in flight posts its CQE). */
	if (notify)
		rce_port_notify(r);
}

void rce_ring_set_tracer(struct rce_ring *r, const struct rce_tracer *t)
{
	r->tracer = t;
}

static bool rce_sq_pending(struct rce_ring *r);

/* Fire TIMEOUTs due by count (left over by an earlier call's budget),
 * then by time, within this call's budget. */
static void rce_fire_due(struct rce_ring *r)
{
	uint64_t now;

	if (r->next_count_target <= r->posted)
		rce_fire_counts(r);
	if (r->next_deadline != UINT64_MAX && (now = rce_port_now_ns()) >= r->next_deadline)
		rce_fire_timeouts(r, now);
}

int rce_ring_run(struct rce_ring *r, uint32_t budget)
{
	uint32_t n;
	bool busy;

	r->stop_batch = false; /* a stop ends the run it was asked in, no other */
	r->fire_left = RCE_TIMEOUT_BUDGET;
	if (RCE_UNLIKELY(r->nr_timeouts))
		rce_fire_due(r);
	if (RCE_UNLIKELY(rc_load_acquire(&r->ipc_kick)))
		rce_ipc_run_ready(r, r->cap); /* another ring's send or close reached us */
	rce_settle(r);
	if (RCE_UNLIKELY(r->backlog_count))
		rce_flush_backlog(r);
	if (budget == 0) { /* timers and backlog only: the SQ is not looked at */
		rce_settle(r);
		rce_publish(r);
		return 0;
	}
	if (r->setup_flags & RC_SETUP_POLL)
		n = rce_take_any(r, budget, 0);
	else
		n = rce_take_by_tail(r, budget);
	if (RCE_UNLIKELY(rc_load_acquire(&r->ipc_kick)))
		rce_ipc_run_ready(r, r->cap); /* made ready by this run's own SQEs */
	rce_settle(r);
	busy = n < budget && !r->stop_batch && r->backlog_count + r->inflight >= r->cap &&
	       rce_sq_pending(r);
	if (RCE_UNLIKELY(busy != !!(r->ring_flags & RC_RING_BUSY)))
		rce_set_flag(r, RC_RING_BUSY, busy); /* the user's "refused" signal */
	rce_publish(r);
	return busy ? -RC_EBUSY : (int)n;
}

/* Are SQEs published that the engine has not taken? */
static bool rce_sq_pending(struct rce_ring *r)
{
	uint32_t tail;

	if (r->setup_flags & RC_SETUP_POLL)
		return rc_load_acquire(&r->sqes[r->sq_head & r->sq_mask].seq) == r->sq_head + 1;
	tail = rc_load_acquire(&r->hdr->sq_tail);
	return tail != r->sq_head && rce_tail_possible(r, tail);
}

bool rce_ring_has_work(struct rce_ring *r)
{
	/* Pairs with the store_release in channel.c's rce_make_ready. */
	if (rc_load_acquire(&r->ipc_kick))
		return true; /* parked IPC requests another ring made ready */
	if (r->backlog_count && rce_cq_has_room(r))
		return true;
	if (RCE_UNLIKELY(r->nr_timeouts) && rce_ring_next_deadline(r) <= rce_port_now_ns())
		return true; /* due TIMEOUTs a budget left behind */
	/* With no room, the SQ waits for completions or a drain, not for us. */
	return rce_can_take(r) && rce_sq_pending(r);
}

uint64_t rce_ring_next_deadline(const struct rce_ring *r)
{
	if (!r->nr_timeouts)
		return UINT64_MAX;
	return r->next_count_target <= r->posted ? 0 : r->next_deadline;
}

void rce_ring_set_need_wakeup(struct rce_ring *r, bool on)
{
	rce_set_flag(r, RC_RING_NEED_WAKEUP, on);
}

/* ---- what platforms may read: accessors (the fields are opaque) ---- */

_Static_assert(sizeof(struct rce_ring) == RCE_RING_SIZE, "RCE_RING_SIZE in engine.h is stale");
_Static_assert(_Alignof(struct rce_ring) == RCE_RING_ALIGN, "RCE_RING_ALIGN in engine.h is stale");
_Static_assert(sizeof(struct rce_req) == RCE_REQ_SIZE, "RCE_REQ_SIZE in engine.h is stale");

uint32_t rce_ring_inflight(const struct rce_ring *r)
{
	return r->inflight;
}

uint32_t rce_ring_cq_tail(const struct rce_ring *r)
{
	return r->cq_tail;
}

uint32_t rce_ring_cq_published(const struct rce_ring *r)
{
	return r->pub_cq_tail;
}

uint32_t rce_ring_backlog_count(const struct rce_ring *r)
{
	return r->backlog_count;
}

uint32_t rce_ring_sq_entries(const struct rce_ring *r)
{
	return r->sq_entries;
}

uint32_t rce_ring_cq_entries(const struct rce_ring *r)
{
	return r->cq_entries;
}

uint32_t rce_ring_setup_flags(const struct rce_ring *r)
{
	return r->setup_flags;
}

struct rc_ring_hdr *rce_ring_hdr(const struct rce_ring *r)
{
	return r->hdr;
}

const struct rc_cqe *rce_ring_cqe(const struct rce_ring *r, uint32_t i)
{
	return &r->cqes[i & r->cq_mask];
}

struct rce_call *rce_req_call(struct rce_req *q)
{
	return &q->call;
}

void rce_req_list_append(struct rce_req_list *l, struct rce_req *q)
{
	q->pl_next = NULL;
	q->pl_prev = l->last;
	if (l->last)
		l->last->pl_next = q;
	else
		l->first = q;
	l->last = q;
}

void rce_req_list_remove(struct rce_req_list *l, struct rce_req *q)
{
	if (!q->pl_prev && l->first != q)
		return; /* not on l */
	if (q->pl_prev)
		q->pl_prev->pl_next = q->pl_next;
	else
		l->first = q->pl_next;
	if (q->pl_next)
		q->pl_next->pl_prev = q->pl_prev;
	else
		l->last = q->pl_prev;
	q->pl_next = q->pl_prev = NULL;
}

struct rce_req *rce_req_list_next(const struct rce_req *q)
{
	return q->pl_next;
}

/* ---- parked requests, ending a batch ---- */

void rce_call_stop_batch(struct rce_call *c)
{
	c->ring->stop_batch = true;
}

/* Decode and run c again (a parked IPC request another ring made ready). */
int32_t rce_dispatch(struct rce_ring *r, struct rce_call *c)
{
	return rce_decode_and_invoke(r, c);
}

struct rce_req *rce_call_park(struct rce_call *c, rce_cancel_fn cancel)
{
	struct rce_ring *r = c->ring;
	struct rce_req *q = c->req;

	if (!q) {
		q = rce_req_alloc(r, c->sqe);
		c->req = q;
	}
	q->cancel = cancel;
	rce_pending_add(r, q);
	return q;
}

void rce_req_complete(struct rce_req *q, int32_t res)
{
	struct rce_ring *r = q->call.ring;

	r->fire_left = RCE_TIMEOUT_BUDGET; /* for the count TIMEOUTs this may reach */
	rce_pending_del(r, q);
	rce_finish(r, q, res);
	rce_settle(r);
	rce_publish(r);
}

/* A copy of 0 bytes succeeds without asking the platform: a buffer of
 * length 0 is not checked at decode (abi.md 7.1), so its address may be
 * anything (NULL, as POSIX and io_uring allow), and is never touched. */
int rce_copy_in(struct rce_call *c, void *dst, rce_uin_t src, uint32_t off, uint32_t n)
{
	if (off > src.len || n > src.len - off)
		return -RC_EFAULT;
	if (n == 0)
		return 0;
	return rce_port_copy_in(c->ctx, dst, src.addr + off, n);
}

int rce_copy_out(struct rce_call *c, rce_uout_t dst, uint32_t off, const void *src, uint32_t n)
{
	if (off > dst.len || n > dst.len - off)
		return -RC_EFAULT;
	if (n == 0)
		return 0;
	return rce_port_copy_out(c->ctx, dst.addr + off, src, n);
}

/* ---- setup and teardown ---- */

static bool rce_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int rce_ring_params_check(const struct rce_ring_params *p, const char **why)
{
	uint32_t cq = p->cq_entries ? p->cq_entries : 2 * p->sq_entries;
	uint32_t cap = p->backlog_entries ? p->backlog_entries : cq;
	const char *bad = NULL;

	if (!rce_pow2(p->sq_entries) || p->sq_entries > RC_MAX_SQ_ENTRIES)
		bad = "sq_entries must be a power of two, 1..32768";
	else if (!rce_pow2(cq) || cq < p->sq_entries || cq > RC_MAX_CQ_ENTRIES)
		bad = "cq_entries must be a power of two, sq_entries..65536";
	else if (cap > 4 * RC_MAX_CQ_ENTRIES)
		bad = "backlog_entries must be at most 262144";
	else if (p->setup_flags & ~RC_SETUP_POLL)
		bad = "setup_flags has unknown bits";
	if (why)
		*why = bad;
	return bad ? -RC_EINVAL : 0;
}

static int rce_check_params(const struct rce_ring_params *p, uint32_t *cq, uint32_t *cap)
{
	*cq = p->cq_entries ? p->cq_entries : 2 * p->sq_entries;
	*cap = p->backlog_entries ? p->backlog_entries : *cq;
	return rce_ring_params_check(p, NULL);
}

static void rce_init_shared(struct rce_ring *r, void *shared)
{
	struct rc_ring_hdr *h = shared;

	__builtin_memset(shared, 0, rc_ring_bytes(r->sq_entries, r->cq_entries));
	h->magic = RC_ABI_MAGIC;
	h->abi_version = RC_ABI_VERSION;
	h->sq_entries = r->sq_entries;
	h->cq_entries = r->cq_entries;
	h->sqes_offset = RC_RING_HDR_BYTES;
	h->cqes_offset = RC_RING_HDR_BYTES + r->sq_entries * 64u;
	h->ring_bytes = rc_ring_bytes(r->sq_entries, r->cq_entries);
	h->setup_flags = r->setup_flags;
	r->hdr = h;
	r->sqes = (struct rc_sqe *)((char *)shared + h->sqes_offset);
	r->cqes = (struct rc_cqe *)((char *)shared + h->cqes_offset);
}

int rce_ring_init(struct rce_ring *r, struct rce_ctx *ctx, void *shared, size_t shared_bytes,
		  const struct rce_ring_params *p)
{
	uint32_t cq, cap;
	int err = rce_check_params(p, &cq, &cap);

	if (err)
		return err;
	if (shared_bytes < rc_ring_bytes(p->sq_entries, cq) || (uintptr_t)shared % RC_CACHELINE)
		return -RC_EINVAL;
	*r = (struct rce_ring){
		.ctx = ctx,
		.sq_entries = p->sq_entries,
		.sq_mask = p->sq_entries - 1,
		.cq_entries = cq,
		.cq_mask = cq - 1,
		.setup_flags = p->setup_flags,
		.cap = cap,
		.allowed = RC_OPS_ALL,
		.next_deadline = UINT64_MAX,
		.next_count_target = UINT64_MAX,
	};
	r->backlog = rce_port_alloc(cap * sizeof(*r->backlog));
	r->reqs = rce_port_alloc(cap * sizeof(*r->reqs));
	r->heap[0] = rce_port_alloc(2 * cap * sizeof(*r->heap[0])); /* both TIMEOUT heaps */
	r->heap[1] = r->heap[0] ? r->heap[0] + cap : NULL;
	if (!r->backlog || !r->reqs || !r->heap[0]) {
		rce_ring_destroy(r);
		return -RC_ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		rce_req_free(r, &r->reqs[i]);
	rce_init_shared(r, shared);
	if (!(p->setup_flags & RC_SETUP_POLL))
		rce_ring_set_need_wakeup(r, true); /* no poller: every submit rings */
	return 0;
}

/* Forget a held chain without posting anything. */
static void rce_drop_list(struct rce_ring *r, struct rce_req *q)
{
	while (q) {
		struct rce_req *next = q->link;

		rce_req_free(r, q);
		q = next;
	}
}

void rce_ring_destroy(struct rce_ring *r)
{
	while (r->pending) {
		struct rce_req *q = r->pending;

		rce_pending_del(r, q);
		if (q->cancel)
			q->cancel(q);
		rce_drop_list(r, q->link);
	}
	if (r->backlog)
		rce_port_free(r->backlog, r->cap * sizeof(*r->backlog));
	if (r->reqs)
		rce_port_free(r->reqs, r->cap * sizeof(*r->reqs));
	if (r->heap[0])
		rce_port_free(r->heap[0], 2 * r->cap * sizeof(*r->heap[0]));
	r->backlog = NULL;
	r->reqs = NULL;
	r->heap[0] = r->heap[1] = NULL;
	r->heap_len[0] = r->heap_len[1] = 0;
	r->nr_timeouts = 0;
	r->free_reqs = NULL;
	rce_pbufs_free(r);
}
