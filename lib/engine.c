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

/* How many CQ slots are free (0: none, or a garbage head)? Re-reads the
 * user's head (as above) when the cached one shows fewer than want. */
static inline uint32_t rce_cq_room(struct rce_ring *r, uint32_t want)
{
	uint32_t used = r->cq_tail - r->cq_head_seen;

	if (used >= r->cq_entries || r->cq_entries - used < want) {
		r->cq_head_seen = rc_load_acquire(&r->hdr->cq_head); /* as above */
		used = r->cq_tail - r->cq_head_seen;
	}
	return used < r->cq_entries ? r->cq_entries - used : 0;
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

/* Account for n CQEs the take loop posted inline (each one request taken
 * and retired, never in flight). */
static inline void rce_inline_posted(struct rce_ring *r, uint32_t n)
{
	r->cq_tail += n;
	r->retired += n;
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
	rce_loud_update(r);
}

/* The CQ is full or older CQEs wait: this one goes to the back of the
 * backlog, into the slot its request owns (rce_post_as) or one no request
 * in flight owns (rce_post_more): the engine keeps backlog_count +
 * inflight <= cap on every path, so the backlog never overflows. Were that
 * broken, the CQE is dropped (counted nowhere: a bug) rather than written
 * over the oldest one waiting. */
RCE_COLD void rce_post_backlog(struct rce_ring *r, uint64_t user_data, int32_t res, uint32_t flags)
{
	uint32_t slot = (r->backlog_head + r->backlog_count) % r->cap;

	if (RCE_UNLIKELY(r->backlog_count >= r->cap))
		return;
	r->backlog[slot] = (struct rc_cqe){ .user_data = user_data, .res = res, .flags = flags };
	r->backlog_count++;
	rc_store_relaxed(&r->hdr->cq_overflow, ++r->overflowed);
	rce_set_flag(r, RC_RING_CQ_OVERFLOW, true);
	rce_loud_update(r);
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

/* ---- LINK_TIMEOUT: a timer bound to the parked op before it ----
 *
 * While armed, the LINK_TIMEOUT lt is parked (pending list, time heap),
 * held as p->link behind the op p it bounds, and names p in its
 * call.target (rce_lt_of). Whichever of the two ends first ends the
 * other: p completing disarms lt (-ECANCELED); lt firing cancels p
 * (-ECANCELED, as CANCEL would) and fails the rest of the chain. */

/* Arm lt (already p->link, or the chain tail) for p, which has started
 * and parked. Refused: lt completes with its error and what is chained
 * behind it is cancelled; p, running already, goes on unbounded. */
static void rce_lt_start(struct rce_ring *r, struct rce_req *p, struct rce_req *lt)
{
	int32_t res;

	lt->call.target = p;
	res = rce_decode_and_invoke(r, &lt->call);
	if (res == RCE_PENDING)
		return;
	lt->call.target = NULL;
	p->link = NULL;
	rce_finish(r, lt, res);
}

/* p ended with res while lt (p->link) was armed: lt completes with
 * -ECANCELED, and its chain goes on as p's result says. Returns what was
 * held behind lt. */
static struct rce_req *rce_lt_disarm(struct rce_ring *r, struct rce_req *lt, int32_t res)
{
	struct rce_req *rest = lt->link;

	rce_unlink(r, lt);
	lt->call.target = NULL;
	rce_post(r, lt->sqe.user_data, -RC_ECANCELED, lt->sqe.flags);
	if (r->chain_tail == lt)
		rce_chain_reaches_sq(r, res);
	rce_req_free(r, lt);
	return rest;
}

/* Armed lt (off its heap and the pending list) ends first with res:
 * fired (-ETIME), its op is cancelled and the chain fails; CANCELed, its
 * op goes on unbounded with the rest of the chain behind it. */
static RCE_COLD void rce_lt_end(struct rce_ring *r, struct rce_req *lt, int32_t res)
{
	struct rce_req *p = rce_lt_of(lt);

	lt->call.target = NULL;
	if (res == -RC_ETIME) {
		p->link = NULL;
		if (p->cancel)
			p->cancel(p); /* whatever points at p lets go of it */
		rce_unlink(r, p);
		rce_finish(r, p, -RC_ECANCELED);
	} else {
		p->link = lt->link;
		lt->link = NULL;
		if (r->chain_tail == lt)
			r->chain_tail = p;
	}
	rce_finish(r, lt, res);
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
			if (next && next->sqe.opcode == RC_OP_LINK_TIMEOUT)
				rce_lt_start(r, q, next);
			return;
		}
		rce_post(r, q->sqe.user_data, res, q->sqe.flags);
		if (RCE_UNLIKELY(res == -RC_ECANCELED && q->sqe.opcode == RC_OP_LINK_TIMEOUT))
			res = 0; /* its op completed before it started: the chain goes on */
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

/* A parked request is done: post it, then go on with (or cancel) its chain
 * (rce_finish's way for a request with a chain, or a LINK_TIMEOUT). */
void rce_finish_chained(struct rce_ring *r, struct rce_req *q, int32_t res)
{
	struct rce_req *next = q->link;
	uint8_t flags = q->sqe.flags;

	if (RCE_UNLIKELY(rce_lt_of(q))) {
		rce_lt_end(r, q, res);
		return;
	}
	rce_post(r, q->sqe.user_data, res, flags);
	if (r->chain_tail == q)
		rce_chain_reaches_sq(r, res);
	if (next && RCE_UNLIKELY(rce_lt_of(next) == q))
		next = rce_lt_disarm(r, next, res);
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
		struct rce_req *p = r->chain_tail;

		p->link = q;
		r->chain_tail = (q->sqe.flags & RC_SQE_LINK) ? q : NULL;
		/* A LINK_TIMEOUT starts with its op: now if that has started
		 * (or is one itself, to be refused), else when it starts. */
		if (q->sqe.opcode == RC_OP_LINK_TIMEOUT &&
		    (p->parked || p->sqe.opcode == RC_OP_LINK_TIMEOUT))
			rce_lt_start(r, p, q);
		return;
	}
	rce_run_chain(r, q);
}

/* Start a DRAIN entry (everything before it is done). As in io_uring,
 * nothing after it starts before it completes: if it parks, SQ reading
 * stays stopped until the ring has nothing in flight again. */
static void rce_place_drained(struct rce_ring *r, struct rce_req *q)
{
	if (q->in_chain && r->chain_failed) {
		/* Its chain failed while DRAIN held it (the member before it
		 * completed with an error; rce_chain_reaches_sq): cancelled,
		 * as a member read after the failure is in rce_take_slow. */
		bool chain_goes_on = q->sqe.flags & RC_SQE_LINK;

		rce_cancel_list(r, q); /* with LINK: the rest read later fails too */
		r->chain_failed = chain_goes_on;
		return;
	}
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
	if (r->inflight > 1) {
		r->drain_held = q; /* SQ reading stops until everything before is done */
		rce_loud_update(r);
	} else {
		rce_place_drained(r, q);
	}
}

/* Start a held DRAIN entry once it is the only request in flight; let SQ
 * reading go on once a started one has completed. */
static void rce_settle(struct rce_ring *r)
{
	if (r->drain_held && r->inflight == 1) {
		struct rce_req *q = r->drain_held;

		r->drain_held = NULL;
		rce_loud_update(r);
		rce_place_drained(r, q);
	}
	if (r->drain_running && r->inflight == 0)
		r->drain_running = false;
}

/* ---- the submission side ---- */

/* Read an SQE out of shared memory: eight relaxed 64-bit loads, each word
 * read exactly once, nothing read from shared memory after them. A user
 * rewriting the entry meanwhile may leave a mix of old and new words, all
 * of which decode then checks; with atomic loads that is no data race, so
 * the race detector watches this read too. The words stay in registers on
 * the inline path; anything else gets them stored in a private copy. */
static inline __attribute__((always_inline)) void rce_read_sqe(struct rce_words *w,
							       const struct rc_sqe *src)
{
	_Static_assert(sizeof(*src) == sizeof(*w), "an SQE is 8 words");
	rc_load_relaxed64x8(w->w, src);
}

/* rce_read_sqe straight into private memory (each word stored as it is
 * read: no second copy of the words on the stack); returns word 0. */
static inline __attribute__((always_inline)) uint64_t rce_read_sqe_to(struct rc_sqe *dst,
								      const struct rc_sqe *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t w0 = rc_load_relaxed64(&s[0]);

	__builtin_memcpy(dst, &w0, sizeof(w0));
#pragma GCC unroll 8
	for (unsigned i = 1; i < 8; i++) {
		uint64_t v = rc_load_relaxed64(&s[i]);

		__builtin_memcpy((char *)dst + i * sizeof(v), &v, sizeof(v));
	}
	return w0;
}

/* An SQE with flags, or inside a chain (rce_take_copied's slow path).
 * True when the take must stop after it: a DRAIN entry is held (it waits
 * for everything before it) or started and parked (nothing after it
 * starts before it completes), or a handler ended the batch. A DRAIN
 * that ran to completion does not stop it. */
static RCE_COLD bool rce_take_flagged(struct rce_ring *r, const struct rc_sqe *s)
{
	rce_take_slow(r, s);
	return r->stop_batch || r->drain_held || r->drain_running;
}

/* Take an SQE that is not an inline op (or failed the inline checks),
 * copied into private memory, its SQ head already published: decode and
 * run it in full. The common case, no flags but SKIP_SUCCESS outside a
 * chain, runs straight from the copy with no request allocated (a
 * server's replies carry SKIP_SUCCESS); c is the caller's call, its ring
 * and ctx set. True when the take must stop after it. */
static inline __attribute__((always_inline)) bool rce_take_copied(struct rce_ring *r,
								  struct rce_call *c,
								  const struct rc_sqe *s)
{
	int32_t res;

	r->inflight++;
	if (RCE_UNLIKELY((s->flags & ~RC_SQE_SKIP_SUCCESS) || r->chain_open))
		return rce_take_flagged(r, s);
	c->sqe = s;
	c->target = NULL;
	c->req = NULL;
	res = rce_decode_and_invoke(r, c);
	if (res != RCE_PENDING)
		rce_post(r, s->user_data, res, s->flags);
	return r->stop_batch; /* a handler ended the batch */
}

/* The same, shown to the tracer first (the traced take loop's copy). */
static RCE_COLD bool rce_take_copied_traced(struct rce_ring *r, struct rce_call *c,
					    const struct rc_sqe *s)
{
	r->tracer->sqes(r->tracer, r, s, 1);
	return rce_take_copied(r, c, s);
}

/* Room for one more request in flight, with a backlog slot for its CQE? */
static inline bool rce_can_take(const struct rce_ring *r)
{
	return r->backlog_count + r->inflight < r->cap && !r->drain_held && !r->drain_running;
}

/* How many SQEs the next chunk may take: within budget and within the
 * room left for requests in flight (each owns a backlog slot), none while
 * a DRAIN entry is held or running. An upper bound only: a handler run in
 * the chunk may use up the room (a multishot's MORE CQEs), so the long
 * way checks it again before each entry (rce_take_general_body). */
static inline uint32_t rce_chunk_limit(const struct rce_ring *r, uint32_t budget)
{
	uint32_t room = 0, used = r->backlog_count + r->inflight;

	/* used never passes cap; were it to, no room, not a wrapped one */
	if (!r->drain_held && !r->drain_running && used < r->cap)
		room = r->cap - used;

	if (room > budget)
		room = budget;
	return room;
}

/* Is the user's tail possible: no more than a ring's worth ahead of our
 * head? (A tail behind the head wraps to a huge distance: impossible too.) */
static inline bool rce_tail_possible(const struct rce_ring *r, uint32_t tail)
{
	return tail - r->sq_head <= r->sq_entries;
}

/* Is the inline op allowed on this ring (its RESTRICT and the platform's
 * policy)? */
static inline bool rce_inline_allowed(const struct rce_ring *r)
{
	return (r->allowed >> RCE_INLINE_OPCODE) & 1;
}

/* May the entries of the next chunk complete inline, the take loop
 * posting their CQEs itself? Only when nothing else can post meanwhile
 * or needs to see each completion: no LINK chain open at the SQ, no
 * backlog (CQEs stay in order), no TIMEOUT counting completions, and the
 * inline op allowed on this ring. */
static inline bool rce_inline_ok(const struct rce_ring *r)
{
	return !(r->chain_open | r->backlog_count | r->nr_timeouts) && rce_inline_allowed(r);
}

/* Is the SQE at head published? Polling, its seq says so (no index is
 * read); else the chunk's limit already keeps it before the user's tail. */
static inline __attribute__((always_inline)) bool rce_sqe_ready(const struct rc_sqe *src,
								uint32_t head, const bool poll)
{
	/* Pairs with the user's store_release of seq after writing the entry:
	 * the words read after it are the ones it wrote. */
	return !poll || rc_load_acquire(&src->seq) == head + 1;
}

/* Take the SQEs from head up to end the long way: each copied into
 * private memory, the SQ head published past it, then decoded and run in
 * full (rce_take_copied). first, if not NULL, is the entry before head,
 * which the inline loop read, copied and published. Returns the entries
 * taken; clears *more when the SQ is dry or the take must stop. */
/* SQEs ahead of the one being taken whose line is prefetched: hosted, at 64
 * calls in flight, the worker's time went to reading each SQE line the
 * client had just written, one miss at a time (docs/performance.md "Where
 * the time of a message goes"); 4 ahead cut its cycles per call by 22 %. */
#define RCE_SQE_AHEAD 4u

static inline __attribute__((always_inline)) uint32_t rce_take_general_body(
	struct rce_ring *r, uint32_t head, uint32_t end, const struct rc_sqe *first, bool *more,
	const bool poll, const bool traced)
{
	uint32_t head0 = head - (first != NULL);
	const struct rc_sqe *src = &r->sqes[head & r->sq_mask], *s = first;
	uint32_t *pub = &r->hdr->sq_head;
	struct rce_call c = { .ring = r, .ctx = r->ctx };

	for (;;) {
		bool stop;

		if (!s) {
			struct rc_sqe *copy;
			uint64_t w0;

			if (head == end)
				break;
			/* Room for one more request in flight, with a backlog
			 * slot for its CQE and a request in the pool: the
			 * chunk's limit counted the room at its start, and a
			 * handler run since may have used it (a multishot
			 * receive's MORE CQEs go to slots no request owns).
			 * The take ends, the entry stays in the SQ (BUSY). */
			if (RCE_UNLIKELY(r->backlog_count + r->inflight >= r->cap)) {
				*more = false;
				break;
			}
			if (!rce_sqe_ready(src, head, poll)) {
				*more = false; /* dry */
				break;
			}
			/* The private copy goes straight into the request the
			 * entry gets if its handler parks (rce_req_alloc finds
			 * it there: no second copy). The pool is never empty
			 * here: the check above keeps inflight < cap, and
			 * every request taken from the pool is in flight. */
			copy = &r->free_reqs->sqe;
			/* The entry RCE_SQE_AHEAD on: its line comes from the
			 * user's CPU while this one is decoded and run, instead
			 * of one miss after another (a hint: it never faults,
			 * so past the SQ's end it costs a wasted line at most,
			 * and an entry not yet written is only read early). */
			__builtin_prefetch(src + RCE_SQE_AHEAD);
			w0 = rce_read_sqe_to(copy, src++);
			/* An inline op again (opcode, no flags): let the next
			 * chunk try the inline path. */
			if (RCE_UNLIKELY((uint16_t)w0 == (uint16_t)RCE_INLINE_WORD0))
				r->inline_missed = false;
			/* Orders the reads of the entry before the user may reuse
			 * its slot, and comes before its CQE. */
			rc_store_release(pub, ++head);
			r->sq_head = head; /* for a handler's rce_publish */
			s = copy;
		}
		stop = traced ? rce_take_copied_traced(r, &c, s) : rce_take_copied(r, &c, s);
		s = NULL;
		if (stop) {
			*more = false;
			break;
		}
	}
	r->pub_sq_head = head;
	return head - head0;
}

/* Its copies: out of line (its register use stays out of the inline
 * loop's), one for each mode, and a cold one for a tracer. */
#define RCE_TAKE_GENERAL(name, attr, poll, traced)                                     \
	static attr uint32_t name(struct rce_ring *r, uint32_t head, uint32_t end,     \
				  const struct rc_sqe *first, bool *more)              \
	{                                                                              \
		return rce_take_general_body(r, head, end, first, more, poll, traced); \
	}
RCE_TAKE_GENERAL(rce_take_general_polled, __attribute__((noinline)), true, false)
RCE_TAKE_GENERAL(rce_take_general_by_tail, __attribute__((noinline)), false, false)
RCE_TAKE_GENERAL(rce_take_general_polled_traced, RCE_COLD, true, true)
RCE_TAKE_GENERAL(rce_take_general_by_tail_traced, RCE_COLD, false, true)
#undef RCE_TAKE_GENERAL

static inline __attribute__((always_inline)) uint32_t rce_take_general(struct rce_ring *r,
								       uint32_t head, uint32_t end,
								       const struct rc_sqe *first,
								       bool *more, const bool poll,
								       const bool traced)
{
	if (traced)
		return poll ? rce_take_general_polled_traced(r, head, end, first, more)
			    : rce_take_general_by_tail_traced(r, head, end, first, more);
	return poll ? rce_take_general_polled(r, head, end, first, more)
		    : rce_take_general_by_tail(r, head, end, first, more);
}

/* Take the SQEs from head up to end, each read once, the SQ head
 * published as soon as an entry is read and checked, before its CQE (its
 * slot is the user's again before the user can see it answered). Inline
 * ops (the NOP: rce_inline_*) are checked in registers and posted right
 * here into the CQ slots from the tail on, which the caller reserved (end
 * is within them and within the CQ's end: phase is that of all of them).
 * The first entry that is anything else, or fails those checks, and the
 * rest up to gend after it, go the long way (rce_take_general): a handler
 * may post, park or change what the reservation assumed. Returns the
 * entries taken; clears *more when the SQ is dry or the take must stop. */
static inline __attribute__((always_inline)) uint32_t rce_take_inline_body(
	struct rce_ring *r, uint32_t head, uint32_t end, uint32_t gend, bool *more, const bool poll,
	const uint32_t phase)
{
	const struct rc_sqe *src = &r->sqes[head & r->sq_mask];
	struct rc_cqe *cqe = &r->cqes[r->cq_tail & r->cq_mask];
	uint32_t *pub = &r->hdr->sq_head, n;
	struct rce_words w;
	struct rc_sqe copy;

	/* r->sq_head and r->cq_tail stay where they were until the end (each
	 * entry taken here posted one CQE): no register holds either. */
	while (head != end) {
		if (!rce_sqe_ready(src, head, poll)) {
			*more = false; /* dry */
			break;
		}
		rce_read_sqe(&w, src);
		src++;
		head++;
		if (RCE_UNLIKELY(!rce_inline_check(&w))) {
			/* This one and the rest go the long way; if it was
			 * the first, so does the next chunk (until the long
			 * way meets an inline op again). */
			__builtin_memcpy(&copy, &w, sizeof(copy));
			rc_store_release(pub, head); /* as below */
			n = head - 1 - r->sq_head;
			r->inline_missed = n == 0;
			rce_inline_posted(r, n);
			r->sq_head = r->pub_sq_head = head;
			return n + rce_take_general(r, head, gend, &copy, more, poll, false);
		}
		/* Orders the reads of the entry before the user may reuse its
		 * slot, and comes before its CQE. */
		rc_store_release(pub, head);
		rce_put_cqe(cqe++, w.w[1], rce_inline_run(&w), phase);
	}
	n = head - r->sq_head;
	rce_inline_posted(r, n);
	r->sq_head = r->pub_sq_head = head;
	return n;
}

/* Its copies, out of line so that the loop has the registers to itself:
 * polled or not, CQ phase bit set or not. */
#define RCE_TAKE_INLINE(name, poll, phase)                                                      \
	static __attribute__((noinline)) uint32_t name(struct rce_ring *r, uint32_t head,       \
						       uint32_t end, uint32_t gend, bool *more) \
	{                                                                                       \
		return rce_take_inline_body(r, head, end, gend, more, poll, phase);             \
	}
RCE_TAKE_INLINE(rce_take_inline_polled_p0, true, 0)
RCE_TAKE_INLINE(rce_take_inline_polled_p1, true, RC_CQE_F_PHASE)
RCE_TAKE_INLINE(rce_take_inline_by_tail_p0, false, 0)
RCE_TAKE_INLINE(rce_take_inline_by_tail_p1, false, RC_CQE_F_PHASE)
#undef RCE_TAKE_INLINE

/* Take up to max SQEs: inline ops from registers while CQ slots can be
 * reserved for them (rce_take_inline_body), all else the long way
 * (rce_take_general). Returns the entries taken; *more says whether the
 * next chunk may find any (false: the SQ is dry, or the take must stop). */
static inline __attribute__((always_inline)) uint32_t rce_take_chunk(struct rce_ring *r,
								     uint32_t max, uint32_t tail,
								     bool *more, const bool poll,
								     const bool traced)
{
	uint32_t head = r->sq_head, mask = r->sq_mask, gend, ctail = r->cq_tail, room = 0;

	if (!poll && max > tail - head) /* tail is possible: tail - head <= sq_entries */
		max = tail - head;
	if (max > r->sq_entries - (head & mask))
		max = r->sq_entries - (head & mask); /* the loops run to the SQ's end at most */
	gend = head + max;
	*more = poll || gend != tail; /* by tail: up to it, and the SQ is dry */
	if (!max)
		return 0;
	if (!traced && !r->inline_missed && rce_inline_ok(r))
		room = rce_cq_room(r, max); /* 0: every CQE goes to the backlog */
	if (!room)
		return rce_take_general(r, head, gend, NULL, more, poll, traced);
	if (max > room)
		max = room;
	if (max > r->cq_entries - (ctail & r->cq_mask))
		max = r->cq_entries - (ctail & r->cq_mask); /* the CQ's end: one phase */
	if (rce_cq_phase(r, ctail))
		return poll ? rce_take_inline_polled_p1(r, head, head + max, gend, more)
			    : rce_take_inline_by_tail_p1(r, head, head + max, gend, more);
	return poll ? rce_take_inline_polled_p0(r, head, head + max, gend, more)
		    : rce_take_inline_by_tail_p0(r, head, head + max, gend, more);
}

/* Take up to budget SQEs, a chunk at a time (see rce_take_chunk). A chunk
 * ends at the SQ's or the CQ's end, or when its reservations run out;
 * the take ends when the SQ is dry, the budget is spent, or an entry
 * stops it. */
static inline __attribute__((always_inline)) uint32_t rce_take_loop(struct rce_ring *r,
								    uint32_t budget, uint32_t tail,
								    const bool poll,
								    const bool traced)
{
	uint32_t n = 0, max;
	bool more = true;

	while (more && (max = rce_chunk_limit(r, budget - n)) > 0)
		n += rce_take_chunk(r, max, tail, &more, poll, traced);
	return n;
}

static uint32_t rce_take_polled(struct rce_ring *r, uint32_t budget)
{
	return rce_take_loop(r, budget, 0, true, false);
}

static uint32_t rce_take(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	return rce_take_loop(r, budget, tail, false, false);
}

/* The same with a tracer shown each SQE before it runs: a copy of its
 * own, so that tracing off costs one branch per run (rce_take_any). */
static RCE_COLD uint32_t rce_take_traced(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	if (r->setup_flags & RC_SETUP_POLL)
		return rce_take_loop(r, budget, 0, true, true);
	return rce_take_loop(r, budget, tail, false, true);
}

static inline uint32_t rce_take_any(struct rce_ring *r, uint32_t budget, uint32_t tail)
{
	if (RCE_UNLIKELY(r->tracer))
		return rce_take_traced(r, budget, tail);
	if (r->setup_flags & RC_SETUP_POLL)
		return rce_take_polled(r, budget);
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
	if (notify && !r->notify_off)
		rce_port_notify(r);
}

void rce_ring_set_tracer(struct rce_ring *r, const struct rce_tracer *t)
{
	r->tracer = t;
	rce_loud_update(r);
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

/* The full run's take and what follows it: up to budget SQEs, n of
 * them already taken in this run (by the quick path, rce_quick_missed),
 * none more if one of those ended the batch; then IPC made ready by
 * them, DRAIN, the BUSY flag and the publication. */
static inline __attribute__((always_inline)) int rce_ring_run_take(struct rce_ring *r,
								   uint32_t budget, uint32_t n)
{
	bool busy;

	if (n < budget && !r->stop_batch) {
		if (r->setup_flags & RC_SETUP_POLL)
			n += rce_take_any(r, budget - n, 0);
		else
			n += rce_take_by_tail(r, budget - n);
	}
	if (RCE_UNLIKELY(rc_load_acquire(&r->ipc_kick)))
		rce_ipc_run_ready(r, r->cap); /* made ready by this run's own SQEs */
	rce_settle(r);
	busy = n < budget && !r->stop_batch && r->backlog_count + r->inflight >= r->cap &&
	       rce_sq_pending(r);
	if (RCE_UNLIKELY(busy != !!(r->ring_flags & RC_RING_BUSY))) {
		rce_set_flag(r, RC_RING_BUSY, busy); /* the user's "refused" signal */
		rce_loud_update(r);
	}
	rce_publish(r);
	return busy ? -RC_EBUSY : (int)n;
}

/* The run the long way: everything rce_ring_run's quick path (below)
 * does not cover. */
static __attribute__((noinline)) int rce_ring_run_full(struct rce_ring *r, uint32_t budget)
{
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
	return rce_ring_run_take(r, budget, 0);
}

/* Is the ring quiet: a doorbell ring with nothing a run must do besides
 * taking SQEs? No TIMEOUT armed, no parked IPC request made ready, no CQE
 * in the backlog, no DRAIN held or running, no LINK chain open at the SQ,
 * no tracer, the BUSY flag clear, and the inline op allowed and not just
 * missed (rce_take_chunk's inline_missed). Two tests: quiet_word, whose
 * bytes are chain_open, drain_running, inline_missed and loud (the rest,
 * summed up by rce_loud_update whenever one of them changes), and
 * ipc_kick, which other rings set. */
static inline __attribute__((always_inline)) bool rce_ring_quiet(const struct rce_ring *r)
{
	return !(r->quiet_word | rc_load_acquire(&r->ipc_kick));
}

/* r->loud, again, after a change to what it sums up: a polled ring, a
 * tracer, a DRAIN held, the BUSY flag, a TIMEOUT armed, a CQE in the
 * backlog, the inline op not allowed. Every writer of those fields calls
 * it (rare events: none of them happens on a quiet ring's run). */
void rce_loud_update(struct rce_ring *r)
{
	r->loud = (r->setup_flags & RC_SETUP_POLL) || r->tracer || r->drain_held ||
		  (r->ring_flags & RC_RING_BUSY) || r->nr_timeouts || r->backlog_count ||
		  !rce_inline_allowed(r);
}

/* rce_ring_run_quick's way out for an entry that is not an inline op,
 * at index head - 1, read into copy: taken the long way from its copy
 * (read once); if it was the first of the chunk, the next chunk takes the
 * long way at once (as rce_take_inline_body). The rest of the run is the
 * full run's from its take on: its earlier steps had nothing to do, the
 * ring being quiet. n: the entries before it, posted inline. */
static RCE_COLD int rce_quick_missed(struct rce_ring *r, const struct rc_sqe *copy, uint32_t head,
				     uint32_t n, uint32_t budget)
{
	bool more = true;

	r->stop_batch = false; /* a stop ends the run it was asked in, no other */
	r->fire_left = RCE_TIMEOUT_BUDGET;
	r->inline_missed = n == 0;
	rce_inline_posted(r, n);
	r->sq_head = r->pub_sq_head = head;
	n += rce_take_general(r, head, head, copy, &more, false, false);
	return rce_ring_run_take(r, budget, n);
}

/* The quick run's publication, after n inline CQEs up to the SQ head h:
 * the SQ head went out entry by entry (before each CQE); then the CQ
 * tail, then the retired count (the order and pairings of rce_publish:
 * the CQE stores before the tail that counts them; the tail before the
 * count, for rc_wait's -EDEADLK); the caller then notifies, unless that
 * is off (rce_ring_set_notify). The private copies first, from locals:
 * hdr is the ring's header, ctail0 the CQ tail before the n CQEs. */
static inline __attribute__((always_inline)) void rce_quick_publish(struct rce_ring *r,
								    struct rc_ring_hdr *hdr,
								    uint32_t h, uint32_t ctail0,
								    uint32_t n)
{
	uint32_t ctail = ctail0 + n, retired = r->retired + n; /* rce_inline_posted */

	r->cq_tail = r->pub_cq_tail = ctail;
	r->retired = retired;
	r->sq_head = r->pub_sq_head = h;
	rc_store_release(&hdr->cq_tail, ctail);
	r->pub_retired = retired; /* (apart from retired: two stores, not a merged one) */
	rc_store_release(&hdr->sq_retired, retired);
}

/* The notification after a publication, and the run's result n: a call
 * the one-entry run jumps to (it keeps no frame of its own). */
static __attribute__((noinline)) int rce_notified(struct rce_ring *r, int n)
{
	rce_port_notify(r);
	return n;
}

/* rce_ring_run_one's way out: the entry at the SQ head is not the inline
 * op, or fails its checks. The words the probe read are dropped, nothing
 * of them acted on; the entry is read again, into a private copy (the one
 * read it is taken from), its head published, and taken the long way
 * from that copy (rce_quick_missed), within the run's budget (kept in
 * r->one_budget). A user who rewrote the entry in between changed it
 * before it was taken, no differently from a rewrite before the run:
 * what is checked is still what runs. */
static RCE_COLD int rce_one_missed(struct rce_ring *r)
{
	struct rce_words w;
	struct rc_sqe copy;

	rce_read_sqe(&w, &r->sqes[r->sq_head & r->sq_mask]);
	__builtin_memcpy(&copy, &w, sizeof(copy));
	/* As in rce_ring_run_one: published before the entry is taken. */
	rc_store_release(&r->hdr->sq_head, r->sq_head + 1);
	return rce_quick_missed(r, &copy, r->sq_head + 1, 0, r->one_budget);
}

/*
 * The quick run's one entry at the SQ head, the user's tail one past it
 * (a synchronous call), the chunk's bounds already checked by
 * rce_ring_run: room for one request in flight within budget, one free
 * CQ slot. The others hold for one entry by themselves: a tail one ahead
 * is possible, and one slot never passes the SQ's or the CQ's end. Read
 * once, checked in registers and answered in its CQ slot as in the
 * chunk's loop (rce_ring_run_quick). That read is a probe: an entry that
 * is not the inline op drops it and goes the long way from a copy of its
 * own (rce_one_missed). So the words need not outlive the check, nor the
 * budget the read (it waits in r), and the run fits the registers a call
 * may clobber: inline in rce_ring_run, which keeps no frame (the
 * notification, if on, is a jump too). Unlike the chunk's end it does not
 * look at ipc_kick again: the ring was not ready when the run began
 * (rce_ring_quiet), an inline op makes nothing ready, so a ring made
 * ready since was made so by another context's send, whose wake hook
 * (rce_ipc_ops.wake) has the platform run it (the kernel: rk_ipc_wake
 * marks it, rk_ipc_deliver runs it once that CPU holds no lock); the
 * chunk's look only runs it sooner.
 */
static inline __attribute__((always_inline)) int rce_ring_run_one(struct rce_ring *r,
								  uint32_t budget)
{
	const struct rce_words *src;
	struct rc_ring_hdr *hdr;
	uint32_t head, ctail;
	struct rce_words w;

	r->one_budget = budget;
	src = (const struct rce_words *)&r->sqes[r->sq_head & r->sq_mask];
	/* Every word read once, user_data (word 1, never checked) after the
	 * check: one register fewer over it. */
	w.w[0] = rc_load_relaxed64(&src->w[0]);
	w.w[2] = rc_load_relaxed64(&src->w[2]);
	w.w[3] = rc_load_relaxed64(&src->w[3]);
	w.w[4] = rc_load_relaxed64(&src->w[4]);
	w.w[5] = rc_load_relaxed64(&src->w[5]);
	w.w[6] = rc_load_relaxed64(&src->w[6]);
	w.w[7] = rc_load_relaxed64(&src->w[7]);
	if (RCE_UNLIKELY(!rce_inline_check(&w)))
		return rce_one_missed(r);
	w.w[1] = rc_load_relaxed64(&src->w[1]);
	/* The rest read from r again after the words (a compiler barrier:
	 * no register holds r's fields over them). */
	__asm__ volatile("" ::: "memory");
	hdr = r->hdr;
	head = r->sq_head;
	ctail = r->cq_tail;
	/* Orders the reads of the entry before the user may reuse its slot,
	 * and comes before its CQE. */
	rc_store_release(&hdr->sq_head, head + 1);
	rce_put_cqe(&r->cqes[ctail & r->cq_mask], w.w[1], rce_inline_run(&w),
		    rce_cq_phase(r, ctail));
	rce_quick_publish(r, hdr, head + 1, ctail, 1);
	if (RCE_UNLIKELY(!r->notify_off))
		return rce_notified(r, 1);
	return 1;
}

/*
 * rce_ring_run's quick path, for a quiet ring (rce_ring_quiet): one chunk
 * of inline ops from the SQ head towards the user's tail (read by
 * rce_ring_run), within budget, the room left for requests in flight,
 * the CQ's free slots and the ends of both rings; each entry read once,
 * checked in registers and answered in its CQ slot (the loop and checks
 * of rce_take_inline_body). With a quiet ring and inline ops only, none
 * of the full run's other steps has work: no timer to fire, no backlog
 * to flush, nothing to settle, no handler that could park, post, stop
 * the batch or make IPC ready, and the BUSY flag stays clear (no request
 * went in flight). So the common run is the checks, the loop and one
 * publication. An entry that is not an inline op goes the long way
 * (rce_quick_missed); no room, or an impossible tail, to the full run;
 * SQEs beyond the chunk (it ended at a ring's end) to the next run.
 */
static __attribute__((noinline)) int rce_ring_run_quick(struct rce_ring *r, uint32_t budget,
							uint32_t tail)
{
	uint32_t head = r->sq_head, ctail = r->cq_tail, max = tail - head, lim, h, end;
	struct rc_ring_hdr *hdr = r->hdr;
	const struct rc_sqe *src = &r->sqes[head & r->sq_mask];
	struct rc_cqe *cqe = &r->cqes[ctail & r->cq_mask];
	const uint32_t phase = rce_cq_phase(r, ctail);
	int k;

	if (RCE_UNLIKELY(!rce_tail_possible(r, tail))) /* refused, counted */
		return rce_ring_run_full(r, budget);
	lim = rce_chunk_limit(r, budget); /* and the room for requests in flight */
	if (max > lim)
		max = lim;
	lim = r->sq_entries - (head & r->sq_mask); /* the SQ's end */
	if (max > lim)
		max = lim;
	lim = r->cq_entries - (ctail & r->cq_mask); /* the CQ's end: one phase */
	if (max > lim)
		max = lim;
	if (max && (lim = rce_cq_room(r, max)) < max)
		max = lim; /* 0: full, or a garbage head */
	if (RCE_UNLIKELY(!max))
		return tail == head ? 0 : rce_ring_run_full(r, budget); /* backlog or BUSY */
	for (h = head, end = head + max; h != end;) {
		struct rce_words w;

		rce_read_sqe(&w, src);
		src++;
		h++;
		/* Orders the reads of the entry before the user may reuse its
		 * slot, and comes before its CQE. */
		rc_store_release(&hdr->sq_head, h);
		if (RCE_UNLIKELY(!rce_inline_check(&w))) {
			struct rc_sqe copy; /* the words stay in registers here */

			__builtin_memcpy(&copy, &w, sizeof(copy));
			return rce_quick_missed(r, &copy, h, h - 1 - head, budget);
		}
		rce_put_cqe(cqe++, w.w[1], rce_inline_run(&w), phase);
	}
	rce_quick_publish(r, hdr, h, ctail, max);
	if (!r->notify_off)
		rce_port_notify(r);
	/* SQEs beyond the chunk (it met a ring's end), or a ring made ready
	 * meanwhile (pairs with the store_release in channel.c's
	 * rce_make_ready): the next run, within what is left of the budget. */
	if (RCE_LIKELY(h == tail || max == budget) && RCE_LIKELY(!rc_load_acquire(&r->ipc_kick)))
		return (int)max;
	k = rce_ring_run(r, budget - max);
	return k < 0 ? k : (int)max + k;
}

/* Kept whole: GCC would split the quiet test off to inline it in
 * rce_ring_run_quick's call (one jump more on every run). */
#if defined(__GNUC__) && !defined(__clang__)
#define RCE_WHOLE __attribute__((noipa))
#else
#define RCE_WHOLE
#endif

/* (The quick path runs no handler, so it leaves stop_batch alone: the
 * full run and rce_quick_missed clear it before theirs run.) A quiet ring
 * with exactly one entry published (the user's tail one past our head)
 * and room for it takes rce_ring_run_one: the chunk's limits for one
 * entry (budget is not 0) are room for one more request in flight
 * (rce_chunk_limit(r, budget) > 0, which on a quiet ring, with no
 * backlog and no DRAIN held or running, is inflight < cap) and one free
 * CQ slot (rce_cq_has_room: rce_cq_room(r, 1) > 0). */
RCE_WHOLE int rce_ring_run(struct rce_ring *r, uint32_t budget)
{
	uint32_t tail;

	/* (A polled ring is never quiet: its SQ is read by seq.) */
	if (RCE_UNLIKELY(!budget) || !rce_ring_quiet(r))
		return rce_ring_run_full(r, budget);
	/* Pairs with the user's store_release of sq_tail after writing the
	 * entries. */
	tail = rc_load_acquire(&r->hdr->sq_tail);
	if (tail - r->sq_head == 1 && RCE_LIKELY(r->inflight < r->cap && rce_cq_has_room(r)))
		return rce_ring_run_one(r, budget);
	return rce_ring_run_quick(r, budget, tail);
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

void rce_ring_restrict(struct rce_ring *r, uint64_t allow)
{
	r->policy_allowed &= allow;
	r->allowed &= allow;
	rce_loud_update(r);
}

void rce_ring_set_need_wakeup(struct rce_ring *r, bool on)
{
	rce_set_flag(r, RC_RING_NEED_WAKEUP, on);
}

void rce_ring_set_notify(struct rce_ring *r, bool on)
{
	r->notify_off = !on;
}

/* ---- what platforms may read: accessors (the fields are opaque) ---- */

_Static_assert(sizeof(struct rce_ring) == RCE_RING_SIZE, "RCE_RING_SIZE in engine.h is stale");
_Static_assert(_Alignof(struct rce_ring) == RCE_RING_ALIGN, "RCE_RING_ALIGN in engine.h is stale");
_Static_assert(sizeof(struct rce_req) == RCE_REQ_SIZE, "RCE_REQ_SIZE in engine.h is stale");

bool rce_ring_ipc_ready(const struct rce_ring *r)
{
	/* Pairs with the store_release in channel.c's rce_make_ready. */
	return rc_load_acquire(&r->ipc_kick) != 0;
}

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

const uint32_t *rce_ring_cq_published_word(const struct rce_ring *r)
{
	return &r->pub_cq_tail;
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

int32_t rce_call_reject(struct rce_call *c, unsigned field, unsigned reason, uint64_t value,
			uint64_t limit, int32_t err)
{
	return rce_reject(c->ring, c->sqe, field, reason, value, limit, err);
}

int32_t rce_call_refuse(struct rce_call *c, unsigned field, unsigned rule, uint64_t value,
			uint64_t limit, int32_t err)
{
	return rce_reject_rule(c->ring, c->sqe, field, RC_BAD_POLICY, rule, value, limit, err);
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

/* A request of the pool, set up once: its call's fields that never change
 * (ring, context, its SQE copy, itself), the rest zero; into the pool. */
static void rce_req_init(struct rce_ring *r, struct rce_req *q)
{
	__builtin_memset(q, 0, sizeof(*q));
	q->call = (struct rce_call){ .ring = r, .ctx = r->ctx, .sqe = &q->sqe, .req = q };
	rce_req_free(r, q);
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
		.policy_allowed = RC_OPS_ALL,
		.next_deadline = UINT64_MAX,
		.next_count_target = UINT64_MAX,
	};
	rce_loud_update(r); /* a polled ring is never quiet */
	r->backlog = rce_port_alloc(cap * sizeof(*r->backlog));
	r->reqs = rce_port_alloc(cap * sizeof(*r->reqs));
	r->heap[0] = rce_port_alloc(2 * cap * sizeof(*r->heap[0])); /* both TIMEOUT heaps */
	r->heap[1] = r->heap[0] ? r->heap[0] + cap : NULL;
	if (!r->backlog || !r->reqs || !r->heap[0]) {
		rce_ring_destroy(r);
		return -RC_ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		rce_req_init(r, &r->reqs[i]);
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
		struct rce_req *q = r->pending, *next = q->link;

		rce_pending_del(r, q);
		if (rce_lt_of(q)) { /* its op holds the chain */
			rce_lt_of(q)->link = next;
			q->call.target = NULL;
			continue;
		}
		if (q->cancel)
			q->cancel(q);
		if (next && rce_lt_of(next) == q) { /* armed for q: parked, not q's to free */
			rce_pending_del(r, next);
			next->call.target = NULL;
			next = next->link;
		}
		rce_drop_list(r, next);
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
	rce_channel_ring_free(r);
}
