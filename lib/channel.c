/*
 * channel.c - channels: messages and handles between callers; calls and
 * replies; multishot receives into provided buffers.
 *
 * A channel is two endpoints; a handle names one endpoint. A message sent
 * on an endpoint queues at the other one (its peer) until a receive there
 * takes it. Handles in a message leave the sender's table at send and
 * enter the receiver's at receive; meanwhile the message holds them.
 *
 * Order and back-pressure: a send always builds its message and appends it
 * to the peer's queue at once, in the order sends run; the first
 * RC_CHANNEL_QUEUE_MAX messages are "within the bound". A send whose
 * message lands beyond the bound parks; when a receive takes the head, the
 * first message beyond the bound (e->beyond) comes within it and its
 * sender is completed. So messages keep the order of their sends, and
 * nothing but the receiver's own queue is ever searched: O(1) per message.
 *
 * Calls: a CHANNEL_CALL is a send whose message carries a transaction id,
 * the index (and generation) of a slot in the calling endpoint's call
 * table, which points at the parked call. CHANNEL_REPLY on the other end
 * finds the slot in O(1), attaches the reply (one of up to
 * RCE_REPLY_INLINE bytes goes into the call's own request: no message,
 * nothing charged) and makes the call ready. A
 * call that stops waiting (CANCEL, its ring destroyed, a channel end
 * closed) frees its slot under the lock, so a later reply finds nothing
 * (-ENOENT) and never touches the request.
 *
 * Lifetimes (the rule of docs/kernel.md "Object lifetimes"): a channel
 * counts its references (every handle naming either end, in a table or in
 * a queued message, and every parked request on it); it is freed when the
 * last one goes, never while a request still points at it. An endpoint
 * closes when no handle names it any more: its queued messages (and the
 * handles inside them) are released, the calls on both ends fail, and
 * every request parked on either end is made ready, to fail with -EPIPE
 * (peer) or -EBADF (own handle gone). Releasing a message can close
 * further endpoints: a work list, not recursion, so a chain of endpoints
 * inside messages costs no stack. Cycles (an endpoint inside a message
 * queued, at the end of a chain, at itself) would never close: an
 * endpoint that has handle-carrying messages queued cannot be sent
 * (-EBUSY), which keeps the graph of endpoints inside queues acyclic (the
 * last edge of any cycle would send such an endpoint).
 *
 * Charging (docs/porting.md "Charging channel memory"): every object a
 * channel op allocates is charged, under the lock, to the account of the
 * caller whose SQE caused it, and uncharged when freed, by whoever frees
 * it: a message to its sender (a reply to its replier), a channel and the
 * freed slots its pool keeps to its creator, a call table to the caller
 * that grew it, provided buffers to their ring's caller. A charge the
 * platform refuses fails the op with -ENOMEM before anything moves.
 *
 * Cross-ring delivery: channel state is shared by rings of different
 * callers, served by different threads. All of it is guarded by the
 * platform's IPC lock (rce_handlers.ipc). A request parked on ring B is
 * never completed by ring A's thread: A moves it to B's ready list (with
 * its result, or to run again) and asks the platform to wake B; B's own
 * rce_ring_run takes it from there (rce_ipc_run_ready), so only B's
 * thread ever touches B's engine state, copies into B's memory or writes
 * B's table. The one exception is a thread the platform says may act for
 * B (the optional hook act: B's own worker, or B's engine taken by a
 * try-lock): a send then delivers straight into a multishot receive
 * parked on B and posts its CQE (rce_deliver_direct), a reply completes
 * a call waiting on B (rce_complete_direct).
 */
#include "engine_internal.h"

struct rce_chan;
struct rce_chan_end;

struct rce_msg {
	struct rce_msg *next, *prev;
	struct rce_chan_end *at;  /* the end it is queued at */
	struct rce_req *sender;	  /* beyond the bound: its SEND or CALL, parked */
	struct rce_req *held_for; /* the parked RECV it was handed to, woken, not yet run */
	uint64_t txid;		  /* a CALL's request: its transaction; else 0 */
	struct rce_acct *acct;	  /* charged with it: its sender's */
	uint32_t len, nhandles;
	struct rce_moved {
		struct rce_chan_end *end;
		uint32_t rights;
	} h[RC_CHANNEL_HANDLES_MAX];
	/* filled when delivered, right before the bytes: a provided buffer
	 * gets both (info, then bytes) in one copy */
	struct rc_channel_info info;
	uint8_t data[];
};
_Static_assert(__builtin_offsetof(struct rce_msg, data) ==
		       __builtin_offsetof(struct rce_msg, info) + RC_CHANNEL_INFO_SIZE,
	       "a message's info lies right before its bytes");

#define rce_wlist rce_ipc_list

/* For the small steps of a message's path: no call frame of their own. */
#define RCE_INLINE inline __attribute__((always_inline))

/* Copies of up to this many bytes through a buffer's pointer from decode
 * are inline; longer ones go to the port, which copies them best. */
#define RCE_COPY_SMALL 16u

/* n bytes, 1 to RCE_COPY_SMALL, from src to dst (apart): two moves that
 * may overlap, as the ports' own copies of a few bytes. */
static RCE_INLINE void rce_copy_small(void *dst, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	uint8_t *d = dst;

	if (n >= 8) {
		uint64_t x, y;

		__builtin_memcpy(&x, s, 8);
		__builtin_memcpy(&y, s + n - 8, 8);
		__builtin_memcpy(d, &x, 8);
		__builtin_memcpy(d + n - 8, &y, 8);
	} else if (n >= 4) {
		uint32_t x, y;

		__builtin_memcpy(&x, s, 4);
		__builtin_memcpy(&y, s + n - 4, 4);
		__builtin_memcpy(d, &x, 4);
		__builtin_memcpy(d + n - 4, &y, 4);
	} else {
		uint8_t x = s[0], y = s[n / 2], z = s[n - 1];

		d[0] = x;
		d[n / 2] = y;
		d[n - 1] = z;
	}
}

/* Is k (decode's rce_port_user_ptr answer for a buffer, or NULL) a
 * pointer the engine may copy through, for n bytes of it? Only while the
 * op whose decode asked runs (port.h). */
static RCE_INLINE bool rce_direct(const void *k, uint32_t n)
{
	return (uintptr_t)k > (uintptr_t)RCE_PORT_CHECKED && n <= RCE_COPY_SMALL;
}

/* rce_copy_in(c, dst, src, 0, n) and rce_copy_out(c, dst, 0, src, n),
 * the same checks, inline: the copies of a message's path. k: where
 * decode's check found the buffer (an op's own buffer, its pointer from
 * the decode of the op that runs: a small copy through it, with no second
 * check), or NULL (the port copies, checking again: a buffer of another
 * op, a provided buffer). */
static RCE_INLINE int rce_cin_k(struct rce_call *c, void *dst, rce_uin_t src, const void *k,
				uint32_t n)
{
	if (n > src.len)
		return -RC_EFAULT;
	if (!n)
		return 0;
	if (rce_direct(k, n)) {
		rce_copy_small(dst, k, n);
		return 0;
	}
	return rce_port_copy_in(c->ctx, dst, src.addr, n);
}

static RCE_INLINE int rce_cout_k(struct rce_call *c, rce_uout_t dst, void *k, const void *src,
				 uint32_t n)
{
	if (n > dst.len)
		return -RC_EFAULT;
	if (!n)
		return 0;
	if (rce_direct(k, n)) {
		rce_copy_small(k, src, n);
		return 0;
	}
	return rce_port_copy_out(c->ctx, dst.addr, src, n);
}

static RCE_INLINE int rce_cout(struct rce_call *c, rce_uout_t dst, const void *src, uint32_t n)
{
	return rce_cout_k(c, dst, NULL, src, n);
}

/* A call awaiting its reply. txid = gen << 32 | (index + 1). */
struct rce_call_slot {
	struct rce_req *q;  /* NULL: free */
	uint32_t gen;	    /* bumps when freed: a stale txid stops matching */
	uint32_t next_free; /* index + 1 of the next free slot, 0: none */
};

struct rce_chan_end {
	struct rce_chan *chan;
	struct rce_chan_end *peer;   /* the other end of chan */
	struct rce_msg *head, *tail; /* queued here, oldest first */
	struct rce_msg *beyond;	     /* first one past RC_CHANNEL_QUEUE_MAX, or NULL */
	uint32_t queued;	     /* all of them, within the bound or beyond */
	uint32_t carrying;	     /* of those, messages that carry handles */
	uint32_t handles;	     /* handles naming this end, anywhere */
	bool closed;
	struct rce_wlist recv_waiters; /* RECVs parked on this end */
	/* calls made on this end, awaiting replies from the peer's side */
	struct rce_call_slot *calls;
	struct rce_acct *calls_acct; /* charged with calls: the caller that grew it */
	uint32_t calls_cap, calls_free;
	struct rce_chan_end *dead_next;
};

struct rce_chan {
	struct rce_chan_end end[2];
	uint32_t refs;
	uint32_t pooled;       /* free message slots on pool */
	struct rce_msg *pool;  /* for reuse by this channel's messages */
	struct rce_acct *acct; /* charged with it and its pool: its creator's */
	const struct rce_ipc_ops *ipc;
	uint32_t slot_bytes; /* a message slot's footprint (rce_footprint) */
};

/* One group of provided buffers: a FIFO of runs (consecutive buffers of
 * one size with consecutive ids), RC_PBUF_RUNS slots. */
struct rce_pbuf_run {
	uint64_t addr;
	uint32_t len, bid, count, rsvd;
};
struct rce_pbuf_group {
	struct rce_pbuf_run *runs;
	uint32_t head, n;
};

/* Messages a multishot receive delivers per pass before it lets the rest
 * of its ring run (it goes to the back of the ready list). */
#define RCE_MULTISHOT_BUDGET 32u

static const struct rce_ipc_ops *rce_ipc(struct rce_ctx *ctx)
{
	return ctx->ops->ipc;
}

/* ---- charging (lock held; docs/porting.md "Charging channel memory") ---- */

/* What an rce_port_alloc of bytes takes, as the platform counts it. */
static uint32_t rce_footprint(const struct rce_ipc_ops *ipc, size_t bytes)
{
	if (bytes <= ipc->alloc_small)
		return ipc->alloc_small;
	return (uint32_t)(ipc->alloc_unit ? (bytes + ipc->alloc_unit - 1) / ipc->alloc_unit *
						    ipc->alloc_unit
					  : bytes);
}

/* Charge n bytes to a (NULL: charged nowhere): false, nothing charged,
 * if the platform will not grant them. */
static bool rce_charge(const struct rce_ipc_ops *ipc, struct rce_acct *a, uint32_t n)
{
	if (!a)
		return true;
	if (RCE_UNLIKELY(n > a->granted - a->used) && !ipc->grant(a, a->used + n))
		return false;
	a->used += n;
	return true;
}

static void rce_uncharge(const struct rce_ipc_ops *ipc, struct rce_acct *a, uint32_t n)
{
	if (!a)
		return;
	a->used -= n;
	if (RCE_UNLIKELY(a->granted - a->used > a->slack))
		ipc->trim(a);
}

static struct rce_chan_end *rce_peer(struct rce_chan_end *e)
{
	return e->peer;
}

static void rce_calls_free(struct rce_chan_end *e)
{
	const struct rce_ipc_ops *ipc = e->chan->ipc;
	size_t bytes = e->calls_cap * sizeof(*e->calls);

	if (!e->calls)
		return;
	rce_uncharge(ipc, e->calls_acct, rce_footprint(ipc, bytes));
	rce_port_free(e->calls, bytes);
}

/* ---- message memory (under the IPC lock) ---- */

/* Messages of up to RCE_MSG_INLINE bytes take one fixed-size slot (a
 * kernel's small-object chunk), and each channel keeps up to
 * RCE_MSG_POOLED freed slots for its next messages: in the steady state
 * a message allocates nothing (a calloc and a free were ~30 % of a call).
 * A pool holds at most what its channel once had in flight, and goes
 * with the channel. Bigger messages are allocated to size, copied in
 * before the lock. */
#define RCE_MSG_SLOT   256u
#define RCE_MSG_INLINE ((uint32_t)(RCE_MSG_SLOT - sizeof(struct rce_msg)))
#define RCE_MSG_POOLED RC_CHANNEL_QUEUE_MAX

static size_t rce_msg_bytes(uint32_t len)
{
	return len <= RCE_MSG_INLINE ? RCE_MSG_SLOT : sizeof(struct rce_msg) + len;
}

/* A slot for a message of up to RCE_MSG_INLINE bytes on ch, charged to
 * acct (a pooled one stops being charged to ch's creator), or NULL:
 * *err -ENOMEM, acct past its limit or no memory. */
static inline __attribute__((always_inline)) struct rce_msg *rce_msg_get(struct rce_chan *ch,
									 struct rce_acct *acct,
									 int32_t *err)
{
	const struct rce_ipc_ops *ipc = ch->ipc;
	uint32_t slot = ch->slot_bytes;
	struct rce_msg *m = ch->pool;

	*err = -RC_ENOMEM;
	if (acct != ch->acct || !m) { /* a pooled slot of the creator's own stays charged */
		if (!rce_charge(ipc, acct, slot))
			return NULL;
		if (m)
			rce_uncharge(ipc, ch->acct, slot);
	}
	if (!m) {
		m = rce_port_alloc(RCE_MSG_SLOT);
		if (!m) {
			rce_uncharge(ipc, acct, slot);
			return NULL;
		}
	} else {
		ch->pool = m->next;
		ch->pooled--;
	}
	m->acct = acct;
	return m;
}

/* Free m, a message of ch (m->len says its size), uncharging its sender:
 * back to the pool (charged to ch's creator) if there is room. */
static inline __attribute__((always_inline)) void rce_msg_put(struct rce_chan *ch,
							      struct rce_msg *m)
{
	const struct rce_ipc_ops *ipc = ch->ipc;
	uint32_t bytes;

	if (RCE_LIKELY(m->len <= RCE_MSG_INLINE && ch->pooled < RCE_MSG_POOLED)) {
		bytes = ch->slot_bytes;
		/* the common case first: a slot of the creator's own stays charged */
		if (m->acct != ch->acct) {
			if (!rce_charge(ipc, ch->acct, bytes))
				goto free;
			rce_uncharge(ipc, m->acct, bytes);
		}
		m->next = ch->pool;
		ch->pool = m;
		ch->pooled++;
		return;
	}
	bytes = m->len <= RCE_MSG_INLINE ? ch->slot_bytes
					 : rce_footprint(ipc, rce_msg_bytes(m->len));
free:
	rce_uncharge(ipc, m->acct, bytes);
	rce_port_free(m, rce_msg_bytes(m->len));
}

/* Free ch (no reference left, or never installed) and its pool. */
static void rce_chan_free(struct rce_chan *ch)
{
	const struct rce_ipc_ops *ipc = ch->ipc;

	rce_calls_free(&ch->end[0]);
	rce_calls_free(&ch->end[1]);
	while (ch->pool) {
		struct rce_msg *m = ch->pool;

		ch->pool = m->next;
		rce_uncharge(ipc, ch->acct, rce_footprint(ipc, RCE_MSG_SLOT));
		rce_port_free(m, RCE_MSG_SLOT);
	}
	rce_uncharge(ipc, ch->acct, rce_footprint(ipc, sizeof(*ch)));
	rce_port_free(ch, sizeof(*ch));
}

static void rce_chan_put(struct rce_chan *ch)
{
	if (--ch->refs)
		return;
	rce_chan_free(ch);
}

/* A new channel for the caller ctx, charged to it (lock held), or NULL. */
static struct rce_chan *rce_chan_new(struct rce_ctx *ctx)
{
	const struct rce_ipc_ops *ipc = ctx->ops->ipc;
	struct rce_chan *ch;

	if (!rce_charge(ipc, ctx->acct, rce_footprint(ipc, sizeof(*ch))))
		return NULL;
	ch = rce_port_alloc(sizeof(*ch));
	if (!ch) {
		rce_uncharge(ipc, ctx->acct, rce_footprint(ipc, sizeof(*ch)));
		return NULL;
	}
	ch->end[0].chan = ch->end[1].chan = ch;
	ch->end[0].peer = &ch->end[1];
	ch->end[1].peer = &ch->end[0];
	ch->acct = ctx->acct;
	ch->ipc = ipc;
	ch->slot_bytes = rce_footprint(ipc, RCE_MSG_SLOT);
	return ch;
}

/* ---- wait and ready lists (under the IPC lock) ---- */

static void rce_wl_add(struct rce_wlist *l, struct rce_req *q)
{
	q->ipc_next = NULL;
	q->ipc_prev = l->tail;
	if (l->tail)
		l->tail->ipc_next = q;
	else
		l->head = q;
	l->tail = q;
	q->ipc_list = l;
}

static void rce_wl_add_front(struct rce_wlist *l, struct rce_req *q)
{
	q->ipc_prev = NULL;
	q->ipc_next = l->head;
	if (l->head)
		l->head->ipc_prev = q;
	else
		l->tail = q;
	l->head = q;
	q->ipc_list = l;
}

static void rce_wl_del(struct rce_req *q)
{
	struct rce_wlist *l = q->ipc_list;

	if (q->ipc_prev)
		q->ipc_prev->ipc_next = q->ipc_next;
	else
		l->head = q->ipc_next;
	if (q->ipc_next)
		q->ipc_next->ipc_prev = q->ipc_prev;
	else
		l->tail = q->ipc_prev;
	q->ipc_list = NULL; /* on no list: ipc_next and ipc_prev unused */
}

/* Have ring r run soon: it has ready requests, or CQEs another thread
 * posted for it (rce_deliver_direct) that its run publishes. A ring
 * kicked already is woken already: the flag is set (under the lock) only
 * together with a wake, and cleared only by the ring's own run, under
 * the lock, when it empties its ready list; until then it does not sleep
 * (rce_ring_has_work) and its run goes on while the flag is set. So 64
 * replies to one ring wake it once. */
static RCE_INLINE void rce_kick(struct rce_ring *r)
{
	if (rc_load_relaxed(&r->ipc_kick))
		return;
	/* Pairs with the acquire in rce_ring_has_work/rce_ipc_run_ready: a
	 * ring that sees the flag sees the list (and takes the lock anyway). */
	rc_store_release(&r->ipc_kick, 1);
	rce_ipc(r->ctx)->wake(r);
}

/* Move a parked request (on a wait list or none) to its ring's ready list
 * and have that ring run. */
static RCE_INLINE void rce_make_ready(struct rce_req *q)
{
	struct rce_ring *r = q->call.ring;

	if (q->ipc_list)
		rce_wl_del(q);
	rce_wl_add(&r->ipc_ready, q);
	rce_kick(r);
}

/* The parked request q is finished with res: its ring posts it. */
static RCE_INLINE void rce_make_done(struct rce_req *q, int32_t res)
{
	q->ipc_done = true;
	q->ipc_res = res;
	rce_make_ready(q);
}

static void rce_wake_all(struct rce_wlist *l)
{
	while (l->head)
		rce_make_ready(l->head);
}

/* The oldest message queued at e, within the bound, that no woken
 * receive holds (lock held). */
static struct rce_msg *rce_unheld(struct rce_chan_end *e)
{
	struct rce_msg *m = e->head;

	while (m && m != e->beyond && m->held_for)
		m = m->next;
	return m == e->beyond ? NULL : m;
}

/* Hand that message to the first parked receive (there is one) and wake
 * it, so that parked receives take messages in the order they were
 * posted, whichever ring runs first. With none left to hand and the peer
 * closed, wake them all: each ends with -EPIPE once nothing is queued
 * (lock held). */
static void rce_wake_first(struct rce_chan_end *e)
{
	struct rce_req *q = e->recv_waiters.head;
	struct rce_msg *m;

	if ((m = rce_unheld(e))) {
		m->held_for = q;
		q->ipc_msg = m;
		rce_make_ready(q);
	} else if (rce_peer(e)->closed) {
		rce_wake_all(&e->recv_waiters);
	}
}

/* rce_wake_first if a receive is parked at e: the test inline (a
 * receive running its batch has none parked). */
static RCE_INLINE void rce_wake_receiver(struct rce_chan_end *e)
{
	if (e->recv_waiters.head)
		rce_wake_first(e);
}

/* The receive q lets go of the message handed to it (cancelled, or its
 * rerun failed before taking it): the next parked receive gets it. */
static void rce_unhold(struct rce_req *q)
{
	struct rce_msg *m = q->ipc_msg;

	q->ipc_msg = NULL;
	m->held_for = NULL;
	rce_wake_receiver(m->at);
}

/* The message the receive c takes (lock held): the one handed to it when
 * it was woken; else the head, unless a woken receive holds it (then c
 * waits its turn: taking a later one would complete c, on its ring, before
 * the earlier receive that holds the head); NULL if none. */
static RCE_INLINE struct rce_msg *rce_next_msg(struct rce_call *c, struct rce_chan_end *e)
{
	struct rce_req *q = c->req;
	struct rce_msg *m = e->head, *h = q ? q->ipc_msg : NULL;

	if (h && RCE_UNLIKELY(h->at != e)) {
		/* Its handle names another end now (closed, a duplicate kept
		 * the end open, the slot reused with the generation wrapped):
		 * h goes to the next receive of its own end, and c receives at
		 * e as a fresh receive, in line behind the others. */
		rce_unhold(q);
		q->ipc_woken = false;
		h = NULL;
	}
	if (h) {
		q->ipc_msg = NULL;
		q->ipc_woken = false; /* took it: rce_ipc_run_ready need not give it back */
		h->held_for = NULL;
		/* An earlier message its receive let go of (it failed or was
		 * cancelled after being handed it) goes first; h is free then,
		 * for the next receive (rce_took_head wakes it). */
		while (m != h && m->held_for)
			m = m->next;
		return m;
	}
	return m && m != e->beyond && !m->held_for ? m : NULL;
}

/* Unlink q from whichever list it is on; an emptied ready list clears
 * its ring's flag. */
static void rce_unlist(struct rce_req *q)
{
	struct rce_ring *r = q->call.ring;

	if (!q->ipc_list)
		return;
	rce_wl_del(q);
	if (!r->ipc_ready.head)
		rc_store_relaxed(&r->ipc_kick, 0);
}

/* ---- queues ---- */

static void rce_queue_append(struct rce_chan_end *e, struct rce_msg *m)
{
	m->at = e;
	m->held_for = NULL;
	m->next = NULL;
	m->prev = e->tail;
	if (e->tail)
		e->tail->next = m;
	else
		e->head = m;
	e->tail = m;
	e->queued++;
	e->carrying += m->nhandles != 0;
}

static RCE_INLINE void rce_queue_unlink(struct rce_chan_end *e, struct rce_msg *m)
{
	struct rce_msg *next = m->next, *prev = m->prev;

	if (e->beyond == m)
		e->beyond = next;
	if (prev)
		prev->next = next;
	else
		e->head = next;
	if (next)
		next->prev = prev;
	else
		e->tail = prev;
	e->queued--;
	e->carrying -= m->nhandles != 0;
}

static bool rce_is_call(const struct rce_req *q)
{
	return q->sqe.opcode == RC_OP_CHANNEL_CALL;
}

/* The head of e's queue was taken: the first message beyond the bound
 * comes within it, and its SEND completes (a CALL goes on waiting for its
 * reply). */
static void rce_admit_beyond(struct rce_chan_end *e)
{
	struct rce_msg *m = e->beyond;
	struct rce_req *q;

	e->beyond = m->next;
	q = m->sender;
	m->sender = NULL;
	if (!q)
		return; /* its call was answered or failed already */
	q->ipc_msg = NULL;
	if (!rce_is_call(q))
		rce_make_done(q, (int32_t)m->len);
}

/* rce_admit_beyond if a message is beyond the bound: the test inline. */
static RCE_INLINE void rce_admit_next(struct rce_chan_end *e)
{
	if (e->beyond)
		rce_admit_beyond(e);
}

/* ---- endpoints closing ---- */

/* One reference to x from a handle (in a table or a message) goes; x
 * joins the work list when it was the last. */
static void rce_end_unref(struct rce_chan_end *x, struct rce_chan_end **work)
{
	if (--x->handles == 0) {
		x->dead_next = *work;
		*work = x;
	} else {
		rce_chan_put(x->chan);
	}
}

/* Free a message taken off its queue: its handles go (onto the work list
 * if they close an end); a SEND still parked on it fails with -EPIPE (a
 * CALL parked on it fails with its call slot). */
static void rce_msg_release(struct rce_msg *m, struct rce_chan_end **work)
{
	struct rce_req *q = m->sender;

	for (uint32_t i = 0; i < m->nhandles; i++)
		rce_end_unref(m->h[i].end, work);
	if (m->held_for)
		m->held_for->ipc_msg = NULL; /* its receive finds the queue as it is */
	if (q) {
		q->ipc_msg = NULL;
		if (!rce_is_call(q))
			rce_make_done(q, -RC_EPIPE);
	}
	rce_msg_put(m->at->chan, m);
}

/* Take back a message still beyond the bound (its sender stops waiting). */
static void rce_withdraw(struct rce_msg *m, struct rce_chan_end **work)
{
	m->sender->ipc_msg = NULL;
	m->sender = NULL;
	rce_queue_unlink(m->at, m);
	rce_msg_release(m, work);
}

static void rce_slot_put(struct rce_chan_end *e, uint64_t txid)
{
	uint32_t i = (uint32_t)txid - 1;
	struct rce_call_slot *s = &e->calls[i];

	s->q = NULL;
	if (++s->gen == 0)
		s->gen = 1;
	s->next_free = e->calls_free;
	e->calls_free = i + 1;
}

/* The call q (made on e) stops waiting: its slot frees, a request still
 * beyond the bound is taken back. */
static void rce_call_forget(struct rce_chan_end *e, struct rce_req *q, struct rce_chan_end **work)
{
	rce_slot_put(e, q->ipc_txid);
	q->ipc_txid = 0;
	if (q->ipc_msg)
		rce_withdraw(q->ipc_msg, work);
}

/* Every call made on e fails with -EPIPE (an end of its channel closed). */
static void rce_fail_calls(struct rce_chan_end *e, struct rce_chan_end **work)
{
	for (uint32_t i = 0; i < e->calls_cap; i++) {
		struct rce_req *q = e->calls[i].q;

		if (q) {
			rce_call_forget(e, q, work);
			rce_make_done(q, -RC_EPIPE);
		}
	}
}

/* Close every end on the work list, and those their queues release. */
static void rce_close_ends(struct rce_chan_end *work)
{
	while (work) {
		struct rce_chan_end *d = work, *p = rce_peer(d);
		struct rce_chan *ch = d->chan;

		work = d->dead_next;
		d->closed = true;
		while (d->head) {
			struct rce_msg *m = d->head;

			rce_queue_unlink(d, m);
			rce_msg_release(m, &work);
		}
		rce_fail_calls(d, &work);
		rce_fail_calls(p, &work);
		rce_wake_all(&d->recv_waiters);
		rce_wake_all(&p->recv_waiters);
		rce_chan_put(ch); /* the last handle's reference */
	}
}

/* One handle naming e goes away; e closes when it was the last. */
static void rce_end_drop(struct rce_chan_end *e)
{
	struct rce_chan_end *work = NULL;

	rce_end_unref(e, &work);
	rce_close_ends(work);
}

/* ---- handles ---- */

static int32_t rce_end_install(struct rce_ctx *ctx, struct rce_chan_end *e, uint32_t rights)
{
	int32_t h = rce_handle_install(ctx, RCE_HT_CHANNEL, rights, e);

	if (h >= 0) {
		e->handles++;
		e->chan->refs++;
	}
	return h;
}

bool rce_close_engine_object(struct rce_call *c)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(c->ctx, c->sqe->handle, RCE_HT_CHANNEL, 0, &why);

	if (!e)
		return false;
	rce_ipc(c->ctx)->lock();
	rce_handle_remove(c->ctx, c->sqe->handle);
	rce_end_drop(e);
	rce_ipc(c->ctx)->unlock();
	return true;
}

void rce_channel_ctx_close(struct rce_ctx *ctx, void *obj)
{
	rce_ipc(ctx)->lock();
	rce_end_drop(obj);
	rce_ipc(ctx)->unlock();
}

int32_t rce_channel_handle_move(struct rce_ctx *from, uint32_t handle, struct rce_ctx *to)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(from, handle, RCE_HT_CHANNEL, 0, &why);
	int32_t h;

	if (!e)
		return -RC_EBADF;
	rce_ipc(from)->lock();
	h = rce_handle_install(to, RCE_HT_CHANNEL, rce_handle_rights(from, handle), e);
	if (h >= 0)
		rce_handle_remove(from, handle); /* its reference moves with it */
	rce_ipc(from)->unlock();
	return h;
}

/* ---- parking ---- */

/* The ring of q stops waiting for it (CANCEL, its ring destroyed): on its
 * own thread. Whatever points at q lets go of it under the lock, so no
 * reply or admission can reach it afterwards: a CALL's slot frees (a
 * later reply gets -ENOENT), a message still beyond the bound is taken
 * back (never delivered; the handles it carried are closed: they had
 * left the sender's table), a reply already attached is dropped. */
static void rce_ipc_cancel(struct rce_req *q)
{
	struct rce_ctx *ctx = q->call.ctx;
	struct rce_chan_end *work = NULL;

	rce_ipc(ctx)->lock();
	rce_unlist(q);
	if (q->ipc_done && q->ipc_msg)
		rce_msg_put(q->ipc_chan, q->ipc_msg); /* a reply it will never see */
	else if (q->ipc_txid)
		rce_call_forget(q->call.target, q, &work);
	else if (q->ipc_msg && q->sqe.opcode == RC_OP_CHANNEL_RECV)
		rce_unhold(q);
	else if (q->ipc_msg)
		rce_withdraw(q->ipc_msg, &work);
	q->ipc_msg = NULL;
	rce_close_ends(work);
	if (q->ipc_chan)
		rce_chan_put(q->ipc_chan);
	q->ipc_chan = NULL;
	rce_ipc(ctx)->unlock();
}

/* Keep c parked on channel end e, on no list (lock held): a reference on
 * the channel for as long. */
static struct rce_req *rce_ipc_hold(struct rce_call *c, struct rce_chan_end *e)
{
	struct rce_req *q = rce_call_park(c, rce_ipc_cancel);

	q->call.target = e;
	q->ipc_chan = e->chan;
	e->chan->refs++;
	return q;
}

/* Park c on wait list l of end e (lock held). A request that was made
 * ready and found nothing keeps its place: first in line. */
static int32_t rce_ipc_park(struct rce_call *c, struct rce_wlist *l, struct rce_chan_end *e)
{
	struct rce_req *q = rce_ipc_hold(c, e);

	if (q->ipc_woken)
		rce_wl_add_front(l, q);
	else
		rce_wl_add(l, q);
	return RCE_PENDING;
}

/* A CALL made ready with its reply in m: copy the reply to the caller
 * (lock held: m goes back to its channel's pool). */
static inline __attribute__((always_inline)) int32_t rce_deliver_reply(struct rce_req *q,
								       struct rce_msg *m)
{
	const struct rc_args_channel_call *a = &q->sqe.args.channel_call;
	rce_uout_t to = { .addr = a->reply, .len = a->reply_len };
	int32_t res = q->ipc_res; /* the reply's length, or its RC_CHANNEL_REPLY_RES result */

	if (rce_cout(&q->call, to, m->data, m->len))
		res = -RC_EFAULT;
	rce_msg_put(q->ipc_chan, m);
	return res;
}

/* The result of q, made done with no message: a CALL's short reply, kept
 * in q (rce_op_channel_reply), copied to the caller first. On q's own
 * ring's thread; no lock needed: nothing else reaches a done request. */
static inline __attribute__((always_inline)) int32_t rce_done_result(struct rce_req *q)
{
	const struct rc_args_channel_call *a = &q->sqe.args.channel_call;
	rce_uout_t to = { .addr = a->reply, .len = a->reply_len };

	if (rce_is_call(q) && q->ipc_reply_len &&
	    rce_cout(&q->call, to, q->ipc_reply, q->ipc_reply_len))
		return -RC_EFAULT;
	return q->ipc_res;
}

/* Run q, the head of taken (this thread's own list of requests taken
 * off r's ready list): one made done completes with its result (a call's reply
 * copied in); any other runs its op again from its SQE copy (full
 * decode: its handle may be gone), completing or parking again. */
static inline __attribute__((always_inline)) void rce_ipc_run_one(struct rce_ring *r,
								  struct rce_wlist *taken,
								  struct rce_req *q)
{
	struct rce_req *next = q->ipc_next;
	int32_t res;

	/* off the head of taken (rce_wl_del's case of the head; a request
	 * on no list has its ipc_next and ipc_prev unused) */
	taken->head = next;
	if (next)
		next->ipc_prev = NULL;
	else
		taken->tail = NULL;
	q->ipc_list = NULL;
	rce_pending_del(r, q);
	if (q->ipc_done) {
		if (RCE_UNLIKELY(
			    q->ipc_msg)) { /* a reply in a message: its pool is under the lock */
			const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

			ipc->lock();
			res = rce_deliver_reply(q, q->ipc_msg);
			rce_chan_put(q->ipc_chan);
			ipc->unlock();
			q->ipc_msg = NULL;
			q->ipc_chan = NULL;
		} else {
			res = rce_done_result(q);
		}
		rce_finish_as(r, q, res, true);
		return;
	}
	q->call.target = NULL;
	q->ipc_woken = true;
	res = rce_dispatch(r, &q->call);
	if (res == RCE_PENDING) {
		q->ipc_woken = false;
		return;
	}
	if (RCE_UNLIKELY(q->ipc_woken && q->sqe.opcode == RC_OP_CHANNEL_RECV)) {
		const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

		ipc->lock(); /* failed before taking a message handed to it */
		if (q->ipc_msg)
			rce_unhold(q);
		ipc->unlock();
	}
	q->ipc_woken = false;
	rce_finish(r, q, res);
}

/* Take up to budget requests off r's ready list (lock held, the list
 * not empty) and run them, the lock released first; the budget left.
 * Taken ones wait on a list of this thread's own (taken): nothing but
 * this thread reaches a request on the ready list (rce_make_ready's
 * callers find only parked ones), and a CANCEL run meanwhile (a chain
 * completed here) takes its target off that list as off the ready list
 * (rce_unlist). */
static __attribute__((noinline)) uint32_t rce_ipc_run_batch(struct rce_ring *r, uint32_t budget)
{
	struct rce_wlist taken = { NULL, NULL };
	struct rce_req *q, *last = NULL;

	/* the first budget of them, cut off the list as they are */
	q = taken.head = r->ipc_ready.head;
	for (; q && budget; budget--, q = q->ipc_next) {
		q->ipc_list = &taken;
		last = q;
		if (!q->ipc_done || !q->ipc_msg) { /* it needs its channel no more */
			rce_chan_put(q->ipc_chan);
			q->ipc_chan = NULL;
		}
	}
	taken.tail = last;
	last->ipc_next = NULL;
	r->ipc_ready.head = q;
	if (q) {
		q->ipc_prev = NULL;
	} else {
		r->ipc_ready.tail = NULL;
		rc_store_relaxed(&r->ipc_kick, 0);
	}
	rce_ipc(r->ctx)->unlock();
	while ((q = taken.head))
		rce_ipc_run_one(r, &taken, q);
	return budget;
}

/* Run the parked IPC requests other rings made ready, at most budget,
 * in one lock hold per batch taken off the ready list. */
void rce_ipc_run_ready(struct rce_ring *r, uint32_t budget)
{
	const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

	while (budget && rc_load_acquire(&r->ipc_kick)) {
		ipc->lock();
		if (!r->ipc_ready.head) { /* kicked to publish CQEs posted for it */
			rc_store_relaxed(&r->ipc_kick, 0);
			ipc->unlock();
			return;
		}
		budget = rce_ipc_run_batch(r, budget);
	}
}

/* ---- the ops ---- */

static inline int32_t rce_op_channel_create(struct rce_call *c,
					    const struct rce_args_channel_create *a,
					    const struct rce_uptrs_channel_create *k)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan *ch;
	struct rc_channel_pair pair;
	int32_t h0, h1;

	(void)k; /* a cold op: the port's copy */
	ipc->lock();
	ch = rce_chan_new(c->ctx);
	if (!ch) {
		ipc->unlock();
		return -RC_ENOMEM;
	}
	h0 = rce_end_install(c->ctx, &ch->end[0], RC_CHANNEL_RIGHTS);
	h1 = h0 < 0 ? h0 : rce_end_install(c->ctx, &ch->end[1], RC_CHANNEL_RIGHTS);
	pair = (struct rc_channel_pair){ .end = { (uint32_t)h0, (uint32_t)h1 } };
	if (h1 >= 0 && rce_copy_out(c, a->out, 0, &pair, sizeof(pair)) == 0) {
		ipc->unlock();
		return 0;
	}
	/* undo: the handles go, and with them the channel */
	if (h1 >= 0) {
		rce_handle_remove(c->ctx, (uint32_t)h1);
		rce_end_drop(&ch->end[1]);
	}
	if (h0 >= 0) {
		rce_handle_remove(c->ctx, (uint32_t)h0);
		rce_end_drop(&ch->end[0]);
	} else {
		rce_chan_free(ch);
	}
	ipc->unlock();
	return h0 < 0 ? h0 : h1 < 0 ? h1 : -RC_EFAULT;
}

/* The handles a message carries: each open, a CHANNEL with TRANSFER, not
 * an end of the channel it travels on, none twice, and none naming an end
 * with handle-carrying messages queued (a cycle could form). Looked up
 * only: nothing moves unless every one is good. */
static int32_t rce_check_moves(struct rce_ctx *ctx, struct rce_chan *ch, const uint32_t *hs,
			       uint32_t n, struct rce_moved *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t why;
		struct rce_chan_end *x = rce_handle_lookup(ctx, hs[i], RCE_HT_CHANNEL,
							   RC_RIGHT_TRANSFER, &why);

		if (!x)
			return -RC_EBADF;
		if (x->chan == ch)
			return -RC_EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (hs[j] == hs[i])
				return -RC_EINVAL;
		if (x->carrying)
			return -RC_EBUSY;
		out[i].end = x;
		out[i].rights = 0;
	}
	return 0;
}

/* Everything checked: the handles leave the caller's table (their
 * references go with them into the message). */
static void rce_take_moves(struct rce_ctx *ctx, struct rce_msg *m, const uint32_t *hs)
{
	for (uint32_t i = 0; i < m->nhandles; i++) {
		m->h[i].rights = rce_handle_rights(ctx, hs[i]);
		rce_handle_remove(ctx, hs[i]);
	}
}

/* Give e a free call slot (its q set once the call parks): the txid in
 * *txid, or -EAGAIN (RC_CHANNEL_CALLS_MAX in use) / -ENOMEM. The table
 * doubles as needed, so its size follows the most calls ever waiting. */
static int32_t rce_slot_get(struct rce_chan_end *e, struct rce_acct *acct, uint64_t *txid)
{
	struct rce_call_slot *s;
	uint32_t i;

	if (!e->calls_free) {
		const struct rce_ipc_ops *ipc = e->chan->ipc;
		uint32_t cap = e->calls_cap ? 2 * e->calls_cap : 16;
		uint32_t bytes = rce_footprint(ipc, cap * sizeof(*e->calls));
		struct rce_call_slot *t;

		if (e->calls_cap >= RC_CHANNEL_CALLS_MAX)
			return -RC_EAGAIN;
		if (!rce_charge(ipc, acct, bytes))
			return -RC_ENOMEM; /* the caller that grows it pays for it */
		t = rce_port_alloc(cap * sizeof(*t));
		if (!t) {
			rce_uncharge(ipc, acct, bytes);
			return -RC_ENOMEM;
		}
		for (i = 0; i < e->calls_cap; i++)
			t[i] = e->calls[i];
		for (i = cap; i-- > e->calls_cap;) {
			t[i] = (struct rce_call_slot){ .gen = 1, .next_free = e->calls_free };
			e->calls_free = i + 1;
		}
		rce_calls_free(e);
		e->calls = t;
		e->calls_acct = acct;
		e->calls_cap = cap;
	}
	i = e->calls_free - 1;
	s = &e->calls[i];
	e->calls_free = s->next_free;
	*txid = (uint64_t)s->gen << 32 | (i + 1);
	return 0;
}

/* The waiting call on e named by txid, or NULL. */
static RCE_INLINE struct rce_req *rce_slot_find(struct rce_chan_end *e, uint64_t txid)
{
	uint32_t i = (uint32_t)txid - 1;

	if ((uint32_t)txid == 0 || i >= e->calls_cap || e->calls[i].gen != (uint32_t)(txid >> 32))
		return NULL;
	return e->calls[i].q;
}

static bool rce_deliver_direct(struct rce_chan_end *e, struct rce_msg *m);

/* What CHANNEL_SEND and CHANNEL_CALL share. */
struct rce_send_args {
	rce_uin_t buf, handles;
	const void *kbuf, *khandles; /* decode's pointers (rce_cin_k) */
	uint32_t len, handles_len, flags;
	bool call;
};

/* A message of len bytes copied from buf on ch, or NULL with *err set.
 * One of up to RCE_MSG_INLINE bytes comes from ch's pool and is copied
 * with the lock held (*locked set; a copy of a few bytes, as a receive
 * copies out under it); a bigger one is allocated and copied before the
 * lock (it takes time), and the lock is taken after. */
static RCE_INLINE struct rce_msg *rce_msg_make(struct rce_call *c, struct rce_chan *ch,
					       rce_uin_t buf, const void *kbuf, uint32_t len,
					       int32_t *err)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_msg *m;

	if (len <= RCE_MSG_INLINE) {
		ipc->lock();
		m = rce_msg_get(ch, c->ctx->acct, err);
	} else {
		m = rce_port_alloc(rce_msg_bytes(len));
		*err = -RC_ENOMEM;
	}
	if (m) {
		m->len = len;
		*err = rce_cin_k(c, m->data, buf, kbuf, len) ? -RC_EFAULT : 0;
	}
	if (len > RCE_MSG_INLINE) {
		ipc->lock();
		/* charged once the lock is held (the account is under it) */
		if (m && !rce_charge(ipc, c->ctx->acct, rce_footprint(ipc, rce_msg_bytes(len)))) {
			rce_port_free(m, rce_msg_bytes(len));
			m = NULL;
			*err = -RC_ENOMEM;
		}
		if (m)
			m->acct = c->ctx->acct;
	}
	if (m && *err) {
		rce_msg_put(ch, m);
		m = NULL;
	}
	if (!m)
		rce_ipc(c->ctx)->unlock();
	return m;
}

/* Queue a message at e's peer, in order. Within the bound a SEND is done
 * (res len); beyond it the request parks until a receive brings its
 * message within. A CALL parks until its reply, holding a call slot. */
static RCE_INLINE int32_t rce_send_msg(struct rce_call *c, struct rce_chan_end *e,
				       const struct rce_send_args *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *peer = rce_peer(e);
	uint32_t hs[RC_CHANNEL_HANDLES_MAX], n = a->handles_len / 4;
	struct rce_req *q = NULL;
	uint64_t txid = 0;
	struct rce_msg *m;
	int32_t err;

	if (a->handles_len % 4)
		return -RC_EINVAL;
	if (n && rce_cin_k(c, hs, a->handles, a->khandles, a->handles_len))
		return -RC_EFAULT;
	m = rce_msg_make(c, e->chan, a->buf, a->kbuf, a->len, &err); /* locks */
	if (!m)
		return err;
	m->nhandles = n;
	if (peer->closed)
		err = -RC_EPIPE;
	else if (peer->queued >= RC_CHANNEL_QUEUE_MAX && (a->flags & RC_CHANNEL_NOWAIT))
		err = -RC_EAGAIN;
	else
		err = n ? rce_check_moves(c->ctx, e->chan, hs, n, m->h) : 0;
	if (!err && a->call)
		err = rce_slot_get(e, c->ctx->acct, &txid);
	if (err) {
		rce_msg_put(e->chan, m);
		ipc->unlock();
		return err;
	}
	rce_take_moves(c->ctx, m, hs);
	m->txid = txid;
	m->sender = NULL;
	if (ipc->act && rce_deliver_direct(peer, m)) {
		rce_msg_put(e->chan, m);
	} else {
		rce_queue_append(peer, m);
		if (peer->queued > RC_CHANNEL_QUEUE_MAX) {
			q = rce_ipc_hold(c, e);
			m->sender = q;
			q->ipc_msg = m;
			if (!peer->beyond)
				peer->beyond = m;
		} else {
			rce_wake_receiver(peer);
		}
	}
	if (a->call) {
		if (!q)
			q = rce_ipc_hold(c, e);
		q->ipc_txid = txid;
		q->ipc_reply_len = 0;
		e->calls[(uint32_t)txid - 1].q = q;
	}
	ipc->unlock();
	return q ? RCE_PENDING : (int32_t)a->len;
}

static inline __attribute__((always_inline)) int32_t rce_op_channel_send(
	struct rce_call *c, const struct rce_args_channel_send *a,
	const struct rce_uptrs_channel_send *k)
{
	struct rce_send_args s = { .buf = a->buf,
				   .handles = a->handles,
				   .kbuf = k->buf,
				   .khandles = k->handles,
				   .len = a->len,
				   .handles_len = a->handles_len,
				   .flags = a->flags };

	return rce_send_msg(c, c->target, &s);
}

static inline __attribute__((always_inline)) int32_t rce_op_channel_call(
	struct rce_call *c, const struct rce_args_channel_call *a,
	const struct rce_uptrs_channel_call *k)
{
	struct rce_send_args s = { .buf = a->buf,
				   .handles = a->handles,
				   .kbuf = k->buf,
				   .khandles = k->handles,
				   .len = a->len,
				   .handles_len = a->handles_len,
				   .flags = a->flags,
				   .call = true };

	return rce_send_msg(c, c->target, &s);
}

/* The call waiting on e under txid, if a reply of len bytes may answer
 * it: else NULL and the error in *err. Lock held. */
static RCE_INLINE struct rce_req *rce_reply_target(struct rce_chan_end *e, uint64_t txid,
						   uint32_t len, int32_t *err)
{
	struct rce_req *q = rce_slot_find(e, txid);

	*err = 0;
	if (e->closed)
		*err = -RC_EPIPE;
	else if (!q)
		*err = -RC_ENOENT;
	else if (len > q->sqe.args.channel_call.reply_len)
		*err = -RC_EOVERFLOW;
	return *err ? NULL : q;
}

/* Complete the call q, answered with res (its reply in the message
 * reply, or already in its buffer: NULL), on its ring straight away, if
 * this thread may act for that ring (the IPC hook act): the reply copied
 * in, its CQE posted, the request freed, as its own run would; the ring
 * kicked, so that its next run publishes the CQE (and lets a held DRAIN
 * go). No ready list, no lock round trip in its run. Not for a call with
 * a chain behind it or LINK (that would run more of the ring's ops here,
 * under the lock), nor on a ring with TIMEOUTs armed (a completion may
 * fire a count TIMEOUT, and its chain): false, nothing done. Lock held. */
static bool rce_complete_direct(struct rce_req *q, struct rce_msg *reply, int32_t res)
{
	struct rce_ring *r = q->call.ring;
	const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

	if (q->link || (q->sqe.flags & RC_SQE_LINK) || !ipc->act(r))
		return false;
	if (r->nr_timeouts) {
		ipc->act_end(r);
		return false;
	}
	q->ipc_res = res;
	res = reply ? rce_deliver_reply(q, reply) /* m back to the pool */
		    : rce_done_result(q);
	/* the replier's handle holds the channel too: this is not its last */
	rce_chan_put(q->ipc_chan);
	q->ipc_chan = NULL;
	q->ipc_msg = NULL;
	rce_pending_del(r, q);
	rce_finish(r, q, res);
	rce_kick(r); /* its run publishes the CQE (a kicked ring's is due already) */
	ipc->act_end(r);
	return true;
}

/* Answer the call q (made on e) with result res (the reply's length
 * unless RC_CHANNEL_REPLY_RES), its bytes already in its reply buffer or
 * in q itself (reply NULL; q->ipc_reply_len says which), or in the
 * message reply. Lock held. */
static inline __attribute__((always_inline)) void rce_answer(const struct rce_ipc_ops *ipc,
							     struct rce_chan_end *e,
							     struct rce_req *q,
							     struct rce_msg *reply, int32_t res)
{
	/* A guessed txid may answer a request still beyond the bound: it
	 * stays queued, with nobody waiting on it. */
	if (q->ipc_msg)
		((struct rce_msg *)q->ipc_msg)->sender = NULL;
	rce_slot_put(e, q->ipc_txid);
	q->ipc_txid = 0;
	q->ipc_msg = reply;
	if (ipc->act && rce_complete_direct(q, reply, res))
		return;
	rce_make_done(q, res);
}

static inline __attribute__((always_inline)) int32_t rce_op_channel_reply(
	struct rce_call *c, const struct rce_args_channel_reply *a,
	const struct rce_uptrs_channel_reply *k)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *e = rce_peer(c->target); /* where the call was made */
	struct rce_req *q;
	struct rce_msg *m;
	rce_uin_t buf = a->buf; /* the reply's bytes */
	const uint8_t *kbuf = k->buf;
	int32_t err, res = (int32_t)a->len;

	if (a->flags & RC_CHANNEL_REPLY_RES) { /* the result first, read once */
		if (a->len < sizeof(res))
			return -RC_EINVAL;
		if (rce_cin_k(c, &res, a->buf, kbuf, sizeof(res)))
			return -RC_EFAULT;
		if (res < -4095)
			return -RC_EINVAL;
		buf.addr += sizeof(res);
		buf.len -= (uint32_t)sizeof(res);
		if (rce_direct(kbuf, sizeof(res))) /* a pointer: it moves with the address */
			kbuf += sizeof(res);
	}
	if (buf.len <= RCE_REPLY_INLINE) {
		/* A short reply waits in its call's request (no message, no
		 * charge): copied in while the lock keeps the call waiting,
		 * delivered by the caller's ring (rce_done_result). */
		ipc->lock();
		q = rce_reply_target(e, a->txid, buf.len, &err);
		if (q && rce_cin_k(c, q->ipc_reply, buf, kbuf, buf.len)) {
			err = -RC_EFAULT;
		} else if (q) {
			q->ipc_reply_len = buf.len;
			rce_answer(ipc, e, q, NULL, res);
		}
		ipc->unlock();
		return err ? err : (int32_t)a->len;
	}
	if (ipc->copy) {
		/* One copy, replier's memory to caller's, while the lock keeps
		 * the call waiting (its slot holds it, its memory stays). */
		ipc->lock();
		q = rce_reply_target(e, a->txid, buf.len, &err);
		bool answered = q && (buf.len == 0 ||
				      ipc->copy(q->call.ctx, q->sqe.args.channel_call.reply, c->ctx,
						buf.addr, buf.len) == 0);
		if (answered)
			rce_answer(ipc, e, q, NULL, res);
		ipc->unlock();
		if (answered)
			return (int32_t)a->len; /* 0 for an empty reply: not an error */
		if (err)
			return err;
		/* a side not there: the long way says whose fault it is */
	}
	m = rce_msg_make(c, e->chan, buf, kbuf, buf.len, &err); /* locks */
	if (!m)
		return err;
	m->nhandles = 0;
	q = rce_reply_target(e, a->txid, buf.len, &err);
	if (q)
		rce_answer(ipc, e, q, m, res);
	else
		rce_msg_put(e->chan, m);
	ipc->unlock();
	return err ? err : (int32_t)a->len;
}

/* Install m's handles in the caller's table, filling info; on failure
 * none stay installed. */
static int32_t rce_install_moves(struct rce_ctx *ctx, struct rce_msg *m,
				 struct rc_channel_info *info)
{
	for (uint32_t i = 0; i < m->nhandles; i++) {
		int32_t h = rce_handle_install(ctx, RCE_HT_CHANNEL, m->h[i].rights, m->h[i].end);

		if (h < 0) {
			while (i--)
				rce_handle_remove(ctx, info->handles[i]);
			return h;
		}
		info->handles[i] = (uint32_t)h;
	}
	return 0;
}

static void rce_uninstall(struct rce_ctx *ctx, const struct rc_channel_info *info)
{
	for (uint32_t i = 0; i < info->nhandles; i++)
		rce_handle_remove(ctx, info->handles[i]);
}

/* Fill m's info for the caller, m's handles installed in its table (on
 * failure none stay). */
static int32_t rce_install_info(struct rce_ctx *ctx, struct rce_msg *m)
{
	m->info = (struct rc_channel_info){ .len = m->len,
					    .nhandles = m->nhandles,
					    .txid = m->txid };
	return m->nhandles ? rce_install_moves(ctx, m, &m->info) : 0;
}

/* The message m of e (its head, or one handed to the receive) was
 * delivered (lock held): it leaves the queue, one beyond the bound comes
 * within, a receive that waited behind it gets the next. */
static RCE_INLINE void rce_took_head(struct rce_chan_end *e, struct rce_msg *m)
{
	rce_queue_unlink(e, m);
	rce_admit_next(e);
	rce_msg_put(e->chan, m);
	rce_wake_receiver(e);
}

/* A message stays at the head (the receiver could not take it): let the
 * next parked receiver try. */
static void rce_pass_on(struct rce_chan_end *e)
{
	rce_wake_receiver(e);
}

/* Deliver m to the caller: handles into its table, bytes to buf at off
 * and the info to info (truncated to its length). Lock held. */
static int32_t rce_deliver(struct rce_call *c, struct rce_msg *m, rce_uout_t buf, void *kbuf,
			   rce_uout_t info, void *kinfo)
{
	int32_t err = rce_install_info(c->ctx, m);

	if (err)
		return err;
	if (rce_cout_k(c, buf, kbuf, m->data, m->len) ||
	    rce_cout_k(c, info, kinfo, &m->info, info.len)) {
		rce_uninstall(c->ctx, &m->info);
		return -RC_EFAULT;
	}
	return 0;
}

/* Deliver m into the provided buffer b: its info, then its bytes, in one
 * copy (they lie so in m). Lock held. */
static int32_t rce_deliver_pbuf(struct rce_call *c, struct rce_msg *m, const struct rce_pbuf_run *b)
{
	int32_t err = rce_install_info(c->ctx, m);

	if (err)
		return err;
	/* within b (the caller checked that m fits), never empty */
	if (rce_port_copy_out(c->ctx, b->addr, &m->info, RC_CHANNEL_INFO_SIZE + m->len)) {
		rce_uninstall(c->ctx, &m->info);
		return -RC_EFAULT;
	}
	return 0;
}

/* The info a message needs: its handles, and a call's txid (without it
 * the request could never be answered). */
static uint32_t rce_info_needed(const struct rce_msg *m)
{
	if (m->txid)
		return RC_CHANNEL_INFO_SIZE;
	return m->nhandles ? 8 + 4 * m->nhandles : 0;
}

/* ---- provided buffers (per ring: only its own thread touches them) ---- */

/* Allocate bytes for r's provided buffers, charged to r's caller, or NULL. */
static void *rce_pbuf_alloc(struct rce_ring *r, size_t bytes)
{
	const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);
	struct rce_acct *a = r->ctx->acct;
	void *p = NULL;

	ipc->lock(); /* the account is under it */
	if (rce_charge(ipc, a, rce_footprint(ipc, bytes)) && !(p = rce_port_alloc(bytes)))
		rce_uncharge(ipc, a, rce_footprint(ipc, bytes));
	ipc->unlock();
	return p;
}

static void rce_pbuf_free(struct rce_ring *r, void *p, size_t bytes)
{
	const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

	rce_port_free(p, bytes);
	ipc->lock();
	rce_uncharge(ipc, r->ctx->acct, rce_footprint(ipc, bytes));
	ipc->unlock();
}

/* The ring's channel memory: its provided buffers (rce_ring_destroy). */
void rce_channel_ring_free(struct rce_ring *r)
{
	if (!r->pbufs)
		return;
	for (uint32_t g = 0; g < RC_PBUF_GROUPS; g++)
		if (r->pbufs[g].runs)
			rce_pbuf_free(r, r->pbufs[g].runs,
				      RC_PBUF_RUNS * sizeof(struct rce_pbuf_run));
	rce_pbuf_free(r, r->pbufs, RC_PBUF_GROUPS * sizeof(*r->pbufs));
	r->pbufs = NULL;
}

static inline int32_t rce_op_provide_buffers(struct rce_call *c,
					     const struct rce_args_provide_buffers *a,
					     const struct rce_uptrs_provide_buffers *k)
{
	struct rce_ring *r = c->ring;
	uint32_t n = a->len / a->buf_len;
	struct rce_pbuf_group *g;
	struct rce_pbuf_run *t;

	(void)k; /* the buffers are written later, by other ops: no pointer kept */
	if (a->len % a->buf_len || a->bid + n > 65536u)
		return -RC_EINVAL;
	if (!r->pbufs && !(r->pbufs = rce_pbuf_alloc(r, RC_PBUF_GROUPS * sizeof(*r->pbufs))))
		return -RC_ENOMEM;
	g = &r->pbufs[a->group];
	if (!g->runs && !(g->runs = rce_pbuf_alloc(r, RC_PBUF_RUNS * sizeof(*g->runs))))
		return -RC_ENOMEM;
	t = g->n ? &g->runs[(g->head + g->n - 1) % RC_PBUF_RUNS] : NULL;
	if (t && t->len == a->buf_len && t->addr + (uint64_t)t->count * t->len == a->addr.addr &&
	    t->bid + t->count == a->bid) {
		t->count += n; /* extends the last run: returned in the order taken */
		return (int32_t)n;
	}
	if (g->n == RC_PBUF_RUNS)
		return -RC_ENOSPC;
	g->runs[(g->head + g->n++) % RC_PBUF_RUNS] = (struct rce_pbuf_run){
		.addr = a->addr.addr, .len = a->buf_len, .bid = a->bid, .count = n
	};
	return (int32_t)n;
}

/* Group group of r's provided buffers, or NULL if r has none. */
static RCE_INLINE struct rce_pbuf_group *rce_pbuf_group(struct rce_ring *r, uint32_t group)
{
	return r->pbufs ? &r->pbufs[group] : NULL;
}

/* The group's oldest buffer, or NULL if it has none (or g is NULL). */
static RCE_INLINE struct rce_pbuf_run *rce_pbuf_peek(struct rce_pbuf_group *g)
{
	return g && g->n ? &g->runs[g->head] : NULL;
}

/* Take the buffer t, the group's oldest (rce_pbuf_peek's answer): the
 * group's oldest after it (the same run while the run lasts), or NULL. */
static RCE_INLINE struct rce_pbuf_run *rce_pbuf_pop(struct rce_pbuf_group *g,
						    struct rce_pbuf_run *t)
{
	t->addr += t->len;
	t->bid++;
	if (--t->count)
		return t;
	g->head = (g->head + 1) % RC_PBUF_RUNS;
	g->n--;
	return rce_pbuf_peek(g);
}

/* Deliver m, sent to e, straight into the receive parked first at e,
 * if that is a multishot one on a ring this thread may act for (the IPC
 * hook act): into its next provided buffer (the info, then the bytes, one
 * copy), with its CQE (MORE) posted on its ring as its own run would post
 * it, and the ring kicked: its next run publishes the CQE. No queue, no
 * ready list, no second run of the receive. Only when nothing is queued
 * at e (messages keep their order), m carries no handles (they enter the
 * receiver's table in its own run), the buffer fits m and the CQE has
 * room; else false and nothing changed: m queues as before, and the
 * receive, run again, ends as it would (-ENOBUFS, -EOVERFLOW, its last
 * CQE). Lock held.
 *
 * Not when the ring is kicked already: it runs soon anyway, and the
 * messages queued meanwhile go out in one batch there (its receive's
 * loop). So the first message of a burst travels at once, the rest in
 * bulk: per message, stores into another CPU's lines (the CQ, the
 * buffer) would each stall the next locked operation; delivering a whole
 * stream this way ran the hosted stream ~10 % slower. */
static bool rce_deliver_direct(struct rce_chan_end *e, struct rce_msg *m)
{
	struct rce_req *q = e->recv_waiters.head;
	const struct rce_ipc_ops *ipc;
	struct rce_pbuf_group *g;
	struct rce_pbuf_run *b;
	struct rce_ring *r;
	uint32_t flags;
	bool done = false;

	if (!q || e->head || m->nhandles)
		return false;
	ipc = rce_ipc(q->call.ctx);
	flags = q->sqe.args.channel_recv.flags;
	r = q->call.ring;
	if (q->sqe.opcode != RC_OP_CHANNEL_RECV || !(flags & RC_CHANNEL_MULTISHOT) ||
	    rc_load_relaxed(&r->ipc_kick) /* written under the lock */)
		return false;
	if (!ipc->act(r))
		return false; /* its own thread may be in it: the ready list */
	g = rce_pbuf_group(r, RC_CHANNEL_GROUP_OF(flags));
	b = rce_pbuf_peek(g);
	if (b && RC_CHANNEL_INFO_SIZE + m->len <= b->len) {
		rce_uout_t to = { .addr = b->addr, .len = b->len };

		m->info = (struct rc_channel_info){ .len = m->len, .txid = m->txid };
		flags = RC_CQE_F_BUFFER | b->bid;
		/* A buffer not yet named by a CQE is the engine's to write:
		 * one written but not posted (no CQE room) is written again. */
		done = rce_cout(&q->call, to, &m->info, RC_CHANNEL_INFO_SIZE + m->len) == 0 &&
		       rce_post_more(r, q->sqe.user_data, (int32_t)m->len, flags | RC_CQE_F_MORE);
	}
	if (done) {
		rce_pbuf_pop(g, b);
		rce_kick(r);
	}
	ipc->act_end(r);
	return done;
}

/* ---- receiving ---- */

static int32_t rce_recv_once(struct rce_call *c, const struct rce_args_channel_recv *a,
			     const struct rce_uptrs_channel_recv *k)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *e = c->target, *peer = rce_peer(e);
	struct rce_msg *m;
	int32_t err;

	ipc->lock();
	m = rce_next_msg(c, e);
	if (!m) {
		if (peer->closed && !e->head)
			err = -RC_EPIPE;
		else if (a->flags & RC_CHANNEL_NOWAIT)
			err = -RC_EAGAIN;
		else
			err = rce_ipc_park(c, &e->recv_waiters, e);
	} else if (m->len > a->buf.len || a->info.len < rce_info_needed(m)) {
		err = -RC_EOVERFLOW;
	} else {
		err = rce_deliver(c, m, a->buf, k->buf, a->info, k->info);
		if (!err) {
			err = (int32_t)m->len;
			rce_took_head(e, m);
		}
	}
	if (err < 0 && err != RCE_PENDING)
		rce_pass_on(e);
	ipc->unlock();
	return err;
}

/* One message into the group's next buffer: the info, then the bytes.
 * Its CQE: res the byte count, the buffer's id in the flags. Return 1 if
 * a CQE with MORE was posted (go on), 0 if the request is to complete
 * now with *res (RCE_PENDING: parked again). Lock held. */
static RCE_INLINE int rce_recv_one_buffer(struct rce_call *c, struct rce_chan_end *e,
					  struct rce_pbuf_group *g, struct rce_pbuf_run **next,
					  int32_t *res)
{
	struct rce_pbuf_run *b = *next;
	struct rce_ring *r = c->ring;
	struct rce_msg *m;
	uint32_t flags = 0;
	int32_t err;

	m = rce_next_msg(c, e);
	if (!m) {
		err = rce_peer(e)->closed && !e->head ? -RC_EPIPE
						      : rce_ipc_park(c, &e->recv_waiters, e);
	} else if (!b) {
		err = -RC_ENOBUFS;
	} else if (RC_CHANNEL_INFO_SIZE + m->len > b->len) {
		err = -RC_EOVERFLOW;
	} else {
		err = rce_deliver_pbuf(c, m, b);
		if (!err) {
			err = (int32_t)m->len;
			flags = RC_CQE_F_BUFFER | b->bid;
			*next = rce_pbuf_pop(g, b);
			rce_took_head(e, m);
		}
	}
	if (err < 0 && err != RCE_PENDING)
		rce_pass_on(e);
	*res = err;
	if (!flags)
		return 0;
	if (rce_post_more(r, c->sqe->user_data, err, flags | RC_CQE_F_MORE))
		return 1;
	/* No room for another CQE: this message is the last one, on the
	 * request's own CQE (which the engine posts next, with these flags). */
	r->reject_tag = flags;
	return 0;
}

/* Multishot: deliver what is queued, a CQE with MORE each, and stay
 * parked. Ends (a CQE without MORE) when the group runs dry (-ENOBUFS:
 * the message stays queued), the peer closes (-EPIPE), a message does not
 * fit a buffer (-EOVERFLOW), or no CQE has room (the last message). */
static int32_t rce_recv_multishot(struct rce_call *c, const struct rce_args_channel_recv *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *e = c->target;
	/* only this ring's thread adds groups or buffers: fixed for the batch */
	struct rce_pbuf_group *g = rce_pbuf_group(c->ring, RC_CHANNEL_GROUP_OF(a->flags));
	struct rce_pbuf_run *b = rce_pbuf_peek(g); /* the next buffer, kept by the loop */
	int32_t res;

	if (a->buf.len || a->info.len || (c->sqe->flags & RC_SQE_SKIP_SUCCESS))
		return -RC_EINVAL;
	/* One lock for the whole batch: what it delivers goes to this ring's
	 * own memory and CQ (the lock is held while copying out already). */
	ipc->lock();
	for (uint32_t n = 0; n < RCE_MULTISHOT_BUDGET; n++) {
		if (!rce_recv_one_buffer(c, e, g, &b, &res)) {
			ipc->unlock();
			return res;
		}
	}
	/* Its share of this pass is spent: the rest of the ring runs first. */
	rce_make_ready(rce_ipc_hold(c, e));
	ipc->unlock();
	return RCE_PENDING;
}

static inline int32_t rce_op_channel_recv(struct rce_call *c, const struct rce_args_channel_recv *a,
					  const struct rce_uptrs_channel_recv *k)
{
	if (a->flags & RC_CHANNEL_MULTISHOT)
		return rce_recv_multishot(c, a);
	if (RC_CHANNEL_GROUP_OF(a->flags))
		return -RC_EINVAL;
	return rce_recv_once(c, a, k);
}

static inline int32_t rce_op_handle_dup(struct rce_call *c, const struct rce_args_handle_dup *a,
					const struct rce_uptrs_handle_dup *k)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	uint32_t held = rce_handle_rights(c->ctx, c->sqe->handle);
	int32_t h;

	(void)k;
	if (a->rights & ~held)
		return -RC_EPERM;
	ipc->lock();
	h = rce_end_install(c->ctx, c->target, a->rights);
	ipc->unlock();
	return h;
}

/* ---- for platforms: channels made and used outside any op ---- */

int32_t rce_channel_create_in(struct rce_ctx *ctx, uint32_t out[2])
{
	const struct rce_ipc_ops *ipc = rce_ipc(ctx);
	struct rce_chan *ch;
	int32_t h0, h1;

	ipc->lock();
	ch = rce_chan_new(ctx);
	if (!ch) {
		ipc->unlock();
		return -RC_ENOMEM;
	}
	h0 = rce_end_install(ctx, &ch->end[0], RC_CHANNEL_RIGHTS);
	h1 = h0 < 0 ? h0 : rce_end_install(ctx, &ch->end[1], RC_CHANNEL_RIGHTS);
	if (h1 < 0) {
		if (h0 >= 0) {
			rce_handle_remove(ctx, (uint32_t)h0);
			rce_end_drop(&ch->end[0]);
		} else {
			rce_chan_free(ch);
		}
	}
	ipc->unlock();
	if (h1 < 0)
		return h1;
	out[0] = (uint32_t)h0;
	out[1] = (uint32_t)h1;
	return 0;
}

int32_t rce_channel_send_handle(struct rce_ctx *ctx, uint32_t via, uint32_t handle)
{
	const struct rce_ipc_ops *ipc = rce_ipc(ctx);
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(ctx, via, RCE_HT_CHANNEL, RC_RIGHT_SEND, &why);
	struct rce_chan_end *peer;
	struct rce_msg *m = NULL;
	int32_t err = 0;

	if (!e)
		return -RC_EBADF;
	peer = rce_peer(e);
	ipc->lock();
	if (peer->closed)
		err = -RC_EPIPE;
	else if (peer->queued >= RC_CHANNEL_QUEUE_MAX)
		err = -RC_EAGAIN;
	else if (!(m = rce_msg_get(e->chan, ctx->acct, &err)))
		;
	else if (m->len = 0, (err = rce_check_moves(ctx, e->chan, &handle, 1, m->h)) != 0)
		rce_msg_put(e->chan, m);
	if (!err) {
		m->nhandles = 1;
		m->txid = 0;
		m->sender = NULL;
		rce_take_moves(ctx, m, &handle);
		rce_queue_append(peer, m);
		rce_wake_receiver(peer);
	}
	ipc->unlock();
	return err;
}

int32_t rce_channel_close_handle(struct rce_ctx *ctx, uint32_t handle)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(ctx, handle, RCE_HT_CHANNEL, 0, &why);

	if (!e)
		return -RC_EBADF;
	rce_ipc(ctx)->lock();
	rce_handle_remove(ctx, handle);
	rce_end_drop(e);
	rce_ipc(ctx)->unlock();
	return 0;
}

/* ---- decode (decode.h): the IPC ops' functions, each with its handler
 * above inline: one frame, the decoded arguments in registers ---- */

#define RCE_DECODE_IPC_HERE 1
#include "decode.h"
