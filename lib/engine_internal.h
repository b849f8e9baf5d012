/*
 * engine_internal.h - what the engine's files share and nobody else sees.
 */
#ifndef RINGCALL_ENGINE_INTERNAL_H
#define RINGCALL_ENGINE_INTERNAL_H

/* The full definitions below replace engine.h's opaque storage. */
#define RCE_ENGINE_INTERNAL 1
#include "ringcall/engine.h"
#include "ringcall/atomic.h"

/* A list of parked IPC requests (channel.c), under the IPC lock. */
struct rce_ipc_list {
	struct rce_req *head, *tail;
};

/* An SQE as the eight words it was read as (engine.c's rce_read_sqe). */
struct rce_words {
	uint64_t w[8];
};

/* A reply of up to this many bytes travels in its call's request (no
 * message): the room a TIMEOUT's fields leave, which a CALL never uses. */
#define RCE_REPLY_INLINE 24u

/* A request from the ring's pool. What rce_req_alloc sets each time: the
 * SQE copy, call.target, link, the flags (in_chain .. ipc_woken, one
 * word), ipc_list, ipc_chan, ipc_msg, ipc_txid. The rest is set once or
 * only where it is used: call's ring, ctx, sqe and req at ring init
 * (they never change); next and prev by rce_pending_add (read only while
 * parked; next is also the free list's link); the TIMEOUT fields by
 * rce_arm (read only from its heaps); cancel by rce_call_park (every
 * park goes through it); pl_next and pl_prev NULL off a platform list
 * (zeroed at init, cleared by rce_req_list_remove); ipc_next and
 * ipc_prev by the list a request joins (read only while ipc_list is
 * set). */
struct rce_req {
	struct rc_sqe sqe; /* private copy of the entry */
	struct rce_call call;
	struct rce_req *link; /* next held member of its LINK chain */
	struct rce_req *next; /* pending list / free list */
	struct rce_req *prev;
	union {
		struct {
			uint64_t deadline;     /* TIMEOUT: engine clock, UINT64_MAX if none */
			uint64_t count_target; /* TIMEOUT: posted count, UINT64_MAX if none */
			uint64_t armed;	       /* TIMEOUT: arming order, breaks ties */
			uint32_t heap_at[2];   /* TIMEOUT: its slot in each heap (ops.c) */
		};
		/* CHANNEL_CALL (never a TIMEOUT; channel.c, under the IPC
		 * lock): a short reply's bytes, kept here from the REPLY until
		 * the caller's ring delivers them; len 0 from the call's park
		 * until then */
		struct {
			uint8_t ipc_reply[RCE_REPLY_INLINE];
			uint32_t ipc_reply_len;
		};
	};
	rce_cancel_fn cancel;	 /* platform: forget this request */
	struct rce_req *pl_next; /* the platform's list (rce_req_list) */
	struct rce_req *pl_prev;
	union {
		struct {
			bool in_chain; /* read while its predecessor had LINK */
			bool parked;
			/* channels (lib/channel.c), all under the IPC lock: */
			bool ipc_done;	/* made ready with its result: complete, do not run again */
			bool ipc_woken; /* made ready to run again: parks first in line (a RECV:
					   until it takes the message handed to it, in ipc_msg) */
		};
		uint32_t state_word; /* all four, cleared in one store */
	};
	int32_t ipc_res;		     /* the result, when ipc_done */
	struct rce_req *ipc_next, *ipc_prev; /* the wait or ready list it is on */
	struct rce_ipc_list *ipc_list;
	void *ipc_chan;	   /* the channel a parked IPC op holds a reference on */
	void *ipc_msg;	   /* SEND/CALL: its message, queued beyond the bound; a
			      CALL made done: the reply; a RECV woken: the
			      message handed to it (channel.c, rce_wake_receiver) */
	uint64_t ipc_txid; /* CALL: its transaction, while it awaits the reply */
};
/* rce_req_alloc clears the flags with one store to state_word: a flag
 * added outside that word would outlive the request's last use. */
_Static_assert(__builtin_offsetof(struct rce_req, ipc_woken) + sizeof(bool) ==
		       __builtin_offsetof(struct rce_req, state_word) + sizeof(uint32_t),
	       "the request's flags must fill state_word exactly");

struct rce_ring {
	/* shared with the user: hostile */
	struct rc_ring_hdr *hdr;
	struct rc_sqe *sqes;
	struct rc_cqe *cqes;
	/* the engine's own copies of everything it relies on */
	struct rce_ctx *ctx;
	uint32_t sq_entries, sq_mask, cq_entries, cq_mask;
	uint32_t setup_flags;
	uint32_t sq_head;      /* next SQE to read */
	uint32_t cq_tail;      /* next CQE to write */
	uint32_t cq_head_seen; /* last CQ head read from the user */
	uint32_t pub_sq_head, pub_cq_tail;
	uint32_t retired, pub_retired; /* requests finished (hdr->sq_retired) */
	uint32_t ring_flags;	       /* RC_RING_* bits this engine has set */
	uint32_t dropped, overflowed, rejected;
	/* flow control: each request in flight owns one backlog slot */
	uint32_t cap, inflight;
	uint32_t backlog_head, backlog_count;
	struct rc_cqe *backlog;
	struct rce_req *reqs, *free_reqs;
	/* parked requests (timeouts and platform waits) */
	struct rce_req *pending;
	/* parked TIMEOUTs: min-heaps by (deadline, armed) and (count_target,
	 * armed), cap slots each, allocated with the ring (ops.c) */
	struct rce_req **heap[2];
	uint32_t heap_len[2];
	uint32_t nr_timeouts, fire_left;
	uint64_t next_deadline, next_count_target, posted, armed;
	bool firing_counts;
	uint32_t reject_tag; /* CQE flags for the entry just rejected, or 0 */
	/* restrictions: allowed = the platform's policy & the ring's RESTRICT */
	uint64_t allowed, policy_allowed;
	bool restricted;
	/* LINK and DRAIN state at the SQ read position */
	bool chain_failed;
	uint32_t one_budget; /* rce_ring_run's budget, kept for rce_one_missed */
	struct rce_req *chain_tail;
	struct rce_req *drain_held;
	/* Why the ring is not quiet (engine.c rce_ring_quiet): any byte
	 * non-zero, read together as one word (quiet_word). */
	union {
		struct {
			bool loud;	    /* rce_loud_update: the rarer reasons, summed up */
			bool chain_open;    /* a LINK chain is open at the SQ */
			bool drain_running; /* a DRAIN entry started, not yet completed */
			bool inline_missed; /* the last chunk began with an entry not taken inline */
		};
		uint32_t quiet_word;
	};
	bool stop_batch;		 /* a handler asked to take nothing more in this run */
	bool notify_off;		 /* rce_ring_set_notify: publish without rce_port_notify */
	const struct rce_tracer *tracer; /* NULL: off (one branch per pass and per publish) */
	/* channels: parked IPC requests another ring made ready (under the
	 * IPC lock), and the flag that says the list is not empty */
	struct rce_ipc_list ipc_ready;
	uint32_t ipc_kick;
	struct rce_pbuf_group *pbufs; /* provided buffers, RC_PBUF_GROUPS (channel.c), or NULL */
};


/* Is the op of an impl column offered by handlers ops? Engine ops always;
 * platform ops when the platform has a handler (decode.h, PROBE in ops.c). */
#define RCE_OFFERED_ENGINE(ops, name)	true
#define RCE_OFFERED_PLATFORM(ops, name) ((ops)->name != NULL)
#define RCE_OFFERED_HOSTED		RCE_OFFERED_PLATFORM
#define RCE_OFFERED_KERNEL		RCE_OFFERED_PLATFORM
#define RCE_OFFERED_OTHER		RCE_OFFERED_PLATFORM
#define RCE_OFFERED_IPC(ops, name)	((ops)->ipc != NULL) /* the cross-ring hooks */

/* Where decode's check found each buffer of an op (rce_port_user_ptr's
 * answer, NULL for an empty one), for the IPC ops' copies (channel.c):
 * one member per UIN/UOUT field, generated from syscalls.def. */
#define RCE_UPTR_UIN(name)  void *name;
#define RCE_UPTR_UOUT(name) void *name;
#define RCE_UPTR_INT(name)
#define RCE_UPTR_LEN(name)
#define RCE_UPTR_ENUM(name)
#define RCE_UPTR_FLAGS(name)
#define RCE_UPTR_RSVD(name)
#define RCE_UPTR(kind, ctype, name, a, b) RCE_UPTR_##kind(name)
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	struct rce_uptrs_##name {                              \
		RC_ARGS_##name(RCE_UPTR) char none_;           \
	};
#include "ringcall/syscalls.def"
#undef RC_SYSCALL

#define RCE_LIKELY(x)	__builtin_expect(!!(x), 1)
#define RCE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RCE_COLD	__attribute__((cold, noinline))

/* engine.c */
void rce_loud_update(struct rce_ring *r);
void rce_post_backlog(struct rce_ring *r, uint64_t user_data, int32_t res, uint32_t flags);
void rce_finish_chained(struct rce_ring *r, struct rce_req *q, int32_t res);

/* handles.c */
void *rce_handle_lookup(struct rce_ctx *ctx, uint32_t handle, uint32_t type, uint32_t rights,
			uint8_t *reason);

/* channel.c (its ops' handlers are its own: decode.h generates their
 * decode there, rce_run_ipc_<op>) */
void rce_ipc_run_ready(struct rce_ring *r, uint32_t budget);
void rce_channel_ctx_close(struct rce_ctx *ctx, void *obj);
void rce_channel_ring_free(struct rce_ring *r);

/* ops.c: the syscalls the engine itself implements */
int32_t rce_op_probe(struct rce_call *c, const struct rce_args_probe *a);
int32_t rce_op_restrict_ops(struct rce_call *c, const struct rce_args_restrict_ops *a);
int32_t rce_op_timeout(struct rce_call *c, const struct rce_args_timeout *a);
int32_t rce_op_cancel(struct rce_call *c, const struct rce_args_cancel *a);
int32_t rce_op_link_timeout(struct rce_call *c, const struct rce_args_link_timeout *a);
void rce_unlink(struct rce_ring *r, struct rce_req *q);
void rce_fire_timeouts(struct rce_ring *r, uint64_t now);
void rce_fire_counts(struct rce_ring *r);

/* ---- the completion side and the request pool, inline in every engine
 * file that completes requests (engine.c, channel.c, ops.c) ---- */

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

/* The phase bit of the CQE at index tail: it flips each lap of the CQ. */
static inline uint32_t rce_cq_phase(const struct rce_ring *r, uint32_t tail)
{
	return rc_cq_phase(tail, r->cq_entries);
}

/* Store a CQE into its slot; flags carries the phase. */
static inline void rce_put_cqe(struct rc_cqe *cqe, uint64_t user_data, int32_t res, uint32_t flags)
{
	rc_store_relaxed64(&cqe->user_data, user_data);
	rc_store_relaxed((uint32_t *)&cqe->res, (uint32_t)res);
	/* Orders user_data and res before the phase that tells a polling
	 * user this entry is new. */
	rc_store_release(&cqe->flags, flags);
}

/* Write a CQE at the tail. (The SQ head covering its SQE is already
 * published: a user who sees a CQE may refill the SQ right away.) */
static inline void rce_write_cqe(struct rce_ring *r, uint64_t user_data, int32_t res,
				 uint32_t flags)
{
	rce_put_cqe(&r->cqes[r->cq_tail & r->cq_mask], user_data, res,
		    rce_cq_phase(r, r->cq_tail) | flags);
	r->cq_tail++;
}

/* Complete one request in flight with CQE flags cqe_flags: its CQE goes
 * to the CQ, or to the backlog if the CQ is full or older CQEs already
 * wait there. */
static inline void rce_post_as(struct rce_ring *r, uint64_t user_data, int32_t res,
			       uint8_t sqe_flags, uint32_t cqe_flags)
{
	r->inflight--;
	r->retired++;
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

/* Complete one request in flight (rce_post_as), its CQE tagged if decode
 * just rejected its entry. */
static inline void rce_post(struct rce_ring *r, uint64_t user_data, int32_t res, uint8_t sqe_flags)
{
	uint32_t cqe_flags = 0;

	if (RCE_UNLIKELY(r->reject_tag)) { /* this is the entry decode just rejected */
		cqe_flags = r->reject_tag;
		r->reject_tag = 0;
	}
	rce_post_as(r, user_data, res, sqe_flags, cqe_flags);
}

/* A CQE for a request that stays in flight (a multishot receive's MORE):
 * to the CQ, or to the backlog if it has a slot beyond those the
 * requests in flight own. false: no room, nothing posted. A count
 * TIMEOUT it reaches fires on the next run, not from inside a handler. */
static inline bool rce_post_more(struct rce_ring *r, uint64_t user_data, int32_t res,
				 uint32_t cqe_flags)
{
	if (RCE_LIKELY(!r->backlog_count && rce_cq_has_room(r)))
		rce_write_cqe(r, user_data, res, cqe_flags);
	else if (r->backlog_count + r->inflight < r->cap)
		rce_post_backlog(r, user_data, res, cqe_flags);
	else
		return false;
	if (RCE_UNLIKELY(r->nr_timeouts))
		r->posted++;
	return true;
}

/* Take a request from the pool (never empty for a request in flight: the
 * pool has one per backlog slot) and give it a copy of s, unless s is its
 * copy already (the take loop reads each entry into the pool's first
 * request). Only what a request's use may have changed is set again
 * (struct rce_req says what is set where). */
static inline struct rce_req *rce_req_alloc(struct rce_ring *r, const struct rc_sqe *s)
{
	struct rce_req *q = r->free_reqs;

	r->free_reqs = q->next;
	if (s != &q->sqe)
		q->sqe = *s;
	q->call.target = NULL;
	q->link = NULL;
	q->state_word = 0; /* in_chain, parked, ipc_done, ipc_woken */
	q->ipc_list = q->ipc_chan = q->ipc_msg = NULL;
	q->ipc_txid = 0;
	return q;
}

static inline void rce_req_free(struct rce_ring *r, struct rce_req *q)
{
	q->next = r->free_reqs;
	r->free_reqs = q;
}

static inline void rce_pending_add(struct rce_ring *r, struct rce_req *q)
{
	q->prev = NULL;
	q->next = r->pending;
	if (r->pending)
		r->pending->prev = q;
	r->pending = q;
	q->parked = true;
}

static inline void rce_pending_del(struct rce_ring *r, struct rce_req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		r->pending = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->parked = false; /* next and prev: read only while parked */
}

/* A parked request is done: post it, then go on with (or cancel) its
 * chain. Inline, the common case: no chain held behind it (link), none
 * open at the SQ ending with it (chain_tail), not a LINK_TIMEOUT (which
 * ends its op): post and free, as rce_finish_chained would. made_done (a
 * constant): q is an IPC request another ring made done (channel.c), so
 * it is no LINK_TIMEOUT and no reject tag waits for its CQE (nothing
 * decoded its entry on this ring since it parked): neither is tested. */
static inline __attribute__((always_inline)) void rce_finish_as(struct rce_ring *r,
								struct rce_req *q, int32_t res,
								const bool made_done)
{
	if (RCE_UNLIKELY(q->link || r->chain_tail == q ||
			 (!made_done && q->sqe.opcode == RC_OP_LINK_TIMEOUT))) {
		rce_finish_chained(r, q, res);
		return;
	}
	if (made_done)
		rce_post_as(r, q->sqe.user_data, res, q->sqe.flags, 0);
	else
		rce_post(r, q->sqe.user_data, res, q->sqe.flags);
	rce_req_free(r, q);
}

static inline __attribute__((always_inline)) void rce_finish(struct rce_ring *r, struct rce_req *q,
							     int32_t res)
{
	rce_finish_as(r, q, res, false);
}

static inline int32_t rce_op_nop(struct rce_call *c, const struct rce_args_nop *a)
{
	(void)c;
	return a->res;
}

/* decode.h */
int32_t rce_dispatch(struct rce_ring *r, struct rce_call *c);
int32_t rce_call_reject(struct rce_call *c, unsigned field, unsigned reason, uint64_t value,
			uint64_t limit, int32_t err);

/* The request an armed LINK_TIMEOUT bounds (kept in its call.target: its
 * own target is NONE), or NULL: not armed, or not a LINK_TIMEOUT. */
static inline struct rce_req *rce_lt_of(const struct rce_req *q)
{
	return q->sqe.opcode == RC_OP_LINK_TIMEOUT ? (struct rce_req *)q->call.target : NULL;
}

#endif
