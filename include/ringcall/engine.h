/*
 * engine.h - the kernel side of ringcall, for a platform that hosts it.
 *
 * A platform makes one rce_ctx per caller (a process, a client) and one or
 * more rce_ring per ctx, and calls rce_ring_run() whenever a ring may have
 * work: on its doorbell, from a polling thread, after a timer. The engine
 * reads each SQE once, validates it against the table in syscalls.def,
 * runs it (itself, or through the platform's handler) and posts its CQE.
 *
 * Locking: the engine does none. All calls for one ctx and its rings must
 * be serialised by the platform (one thread, or a lock per ctx).
 */
#ifndef RINGCALL_ENGINE_H
#define RINGCALL_ENGINE_H

#include <stdbool.h>
#include "abi.h"
#include "port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- typed user pointers: reachable only through rce_copy_in/out ---- */
typedef struct {
	uint64_t addr;
	uint32_t len;
} rce_uin_t; /* kernel reads */
typedef struct {
	uint64_t addr;
	uint32_t len;
} rce_uout_t; /* kernel writes */

/* ---- the decoded (kernel) view of each argument struct ---- */
#define RCE_KFIELD_INT(ctype, name)   ctype name;
#define RCE_KFIELD_ENUM(ctype, name)  ctype name;
#define RCE_KFIELD_FLAGS(ctype, name) ctype name;
#define RCE_KFIELD_LEN(ctype, name)   ctype name;
#define RCE_KFIELD_UIN(ctype, name)   rce_uin_t name;
#define RCE_KFIELD_UOUT(ctype, name)  rce_uout_t name;
#define RCE_KFIELD_RSVD(ctype, name)
#define RCE_KFIELD(kind, ctype, name, a, b) RCE_KFIELD_##kind(ctype, name)
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	struct rce_args_##name {                               \
		RC_ARGS_##name(RCE_KFIELD)                     \
	};
#include "syscalls.def"
#undef RC_SYSCALL

/* ---- handles: per-ctx table of kernel objects ---- */
enum rce_handle_type {
	RCE_HT_NONE = 0,
	RCE_HT_FILE,
	RCE_HT_RING,
	RCE_HT_PROC,
	RCE_HT_CHANNEL, /* a channel endpoint: the engine's own object (lib/channel.c) */
	RCE_HT_COUNT
};
/* The target column of syscalls.def, as values. */
#define RCE_TARGET_NONE	   0u
#define RCE_TARGET_FILE	   RCE_HT_FILE
#define RCE_TARGET_CHANNEL RCE_HT_CHANNEL
#define RCE_TARGET_ANY	   0xffffu

struct rce_handle_slot {
	void *obj;
	uint32_t rights;
	uint16_t type;
	uint16_t gen; /* bumps on close, so a stale handle does not match */
};

struct rce_ctx;
struct rce_call;
struct rce_req;

/* TIMEOUTs fired per engine call (rce_ring_run, rce_req_complete), by
 * time and by count together: no ring's timeouts can hold its platform
 * for longer than this many completions (plus the held chains they
 * release). The rest stay due, and rce_ring_next_deadline says so. */
#define RCE_TIMEOUT_BUDGET 64u

/* The platform's handlers, one per PLATFORM syscall (NULL: not offered). */
#define RCE_HANDLER_ENGINE(name)
#define RCE_HANDLER_PLATFORM(name) \
	int32_t (*name)(struct rce_call * c, const struct rce_args_##name *a);
#define RCE_HANDLER_HOSTED RCE_HANDLER_PLATFORM
#define RCE_HANDLER_KERNEL RCE_HANDLER_PLATFORM
#define RCE_HANDLER_OTHER  RCE_HANDLER_PLATFORM
#define RCE_HANDLER_IPC(name)

/* The cross-ring hooks channels need (docs/porting.md "Channels"): a
 * platform that gives them offers the IPC ops. A send on one ring can
 * complete a request parked on a ring of another caller, served by
 * another thread or CPU: the engine touches that ring only through its
 * ready list, under lock, and has its own engine run deliver it. */
/* What one caller's channel memory is charged to (docs/porting.md
 * "Charging channel memory"): the engine counts the bytes its objects
 * take (their rce_port_alloc footprint) under the IPC lock; the platform
 * grants them against its limit, in its own units, and outlives the
 * caller until used is back to 0. */
struct rce_acct {
	uint32_t used;	  /* bytes charged now (engine, IPC lock) */
	uint32_t granted; /* bytes the platform allows now: used <= granted */
	uint32_t slack;	  /* trim is called once granted - used exceeds it */
	uint32_t rsvd;
};

struct rce_ipc_ops {
	/* Serialise all channel state between every ring of every caller (one
	 * lock for all is enough); never held by the engine across a call
	 * back into the platform except wake. */
	void (*lock)(void);
	void (*unlock)(void);
	/* ring has IPC work (rce_ring_has_work says so from now on): make its
	 * platform call rce_ring_run on it soon, waking the thread that
	 * serves it if that sleeps. Called with the lock held; must not
	 * block and must not call into the engine. */
	void (*wake)(struct rce_ring *ring);
	/* Optional (NULL: a reply travels in engine memory, two copies).
	 * Copy len bytes from caller from's memory at src straight to caller
	 * to's at dst (a CHANNEL_REPLY into the waiting call's reply buffer;
	 * both were checked at decode): 0, or -RC_EFAULT if either side is
	 * not there (nothing is reported: the engine then takes the two-copy
	 * way, which finds out whose fault it is). Called with the lock held:
	 * must not block or sleep. */
	int (*copy)(struct rce_ctx *to, uint64_t dst, struct rce_ctx *from, uint64_t src,
		    uint64_t len);
	/* Optional (NULL, with every ctx->acct NULL: nothing is charged).
	 * grant: a needs need > a->granted bytes: raise a->granted to at
	 * least need and return true, or false (past its limit: the op fails
	 * with -RC_ENOMEM, nothing changed). trim: a->used fell more than
	 * a->slack below a->granted: give back what is not used (and free an
	 * account whose caller is gone once used is 0). Both with the lock
	 * held, from any caller's ring (the one freeing a message): must not
	 * block or call into the engine. */
	bool (*grant)(struct rce_acct *a, uint32_t need);
	void (*trim)(struct rce_acct *a);
	/* rce_port_alloc's footprint, what a charge counts: up to alloc_small
	 * bytes take alloc_small, more take whole alloc_unit pages (0: as asked). */
	uint32_t alloc_small, alloc_unit;
	/* Optional (NULL: never; a send then always goes through the ready
	 * list). May the calling thread act for ring now, as ring's own
	 * engine calls would (post its CQEs, take its provided buffers, copy
	 * into its caller's memory)? true: no engine call runs on ring, or on
	 * its ctx, on any other thread until act_end(ring), and ring is not
	 * being destroyed; the caller may be inside an engine call on another
	 * ring, or on ring itself. Called with the lock held: must not block
	 * (a try-lock, or "this thread serves ring"). The engine then delivers
	 * a message straight into a multishot receive parked on ring (no
	 * queue, no second run), or completes a call waiting on ring with its
	 * reply, and calls wake(ring) so that ring's next run publishes the
	 * CQE. */
	bool (*act)(struct rce_ring *ring);
	void (*act_end)(struct rce_ring *ring);
};
struct rce_handlers {
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RCE_HANDLER_##impl(name)
#include "syscalls.def"
#undef RC_SYSCALL
	/* Release the object behind a handle that is still open when its ctx
	 * is destroyed (a crashed or exiting caller). */
	void (*close_object)(struct rce_ctx *ctx, uint32_t type, void *obj);
	/* NULL: channels are not offered (impl IPC answers -EOPNOTSUPP). */
	const struct rce_ipc_ops *ipc;
};

struct rce_ctx {
	const struct rce_handlers *ops;
	void *port; /* the platform's view of this caller */
	struct rce_handle_slot *handles;
	uint32_t max_handles;
	uint32_t open_handles;
	struct rce_acct *
		acct; /* channel memory it causes is charged here (NULL: nowhere); set after rce_ctx_init */
};

/* ---- one call in progress, as a handler sees it ---- */
struct rce_call {
	struct rce_ring *ring;
	struct rce_ctx *ctx;
	void *target;		  /* object behind sqe->handle, type and rights checked */
	const struct rc_sqe *sqe; /* the engine's private copy */
	struct rce_req *req;	  /* set once parked */
};

/* A handler that cannot finish now parks the call and returns RCE_PENDING;
 * the platform finishes it later with rce_req_complete(). */
#define RCE_PENDING INT32_MIN
typedef void (*rce_cancel_fn)(struct rce_req *req);

/* A request kept past its handler (parked): opaque; the platform reaches
 * its call with rce_req_call and keeps it on its own lists with the
 * rce_req_list helpers below. The engine allocates them, RCE_REQ_SIZE
 * bytes each (a platform sizing its allocations needs the number). */
struct rce_req;
#define RCE_REQ_SIZE 240u

/* ---- tracing: what a ring is asked and answers (ringcall-server --trace) ---- */
struct rce_tracer {
	/* n SQEs were taken, in the engine's private copies, before decode. */
	void (*sqes)(const struct rce_tracer *t, struct rce_ring *r, const struct rc_sqe *sqes,
		     uint32_t n);
	/* CQEs at CQ indices [from, to) were published (mask them with
	 * cq_entries - 1; the CQ is shared memory: the user may scribble). */
	void (*cqes)(const struct rce_tracer *t, struct rce_ring *r, uint32_t from, uint32_t to);
};

/* ---- a ring ---- */
struct rce_ring_params {
	uint32_t sq_entries;	  /* power of two, 1..RC_MAX_SQ_ENTRIES */
	uint32_t cq_entries;	  /* power of two, >= sq_entries; 0: 2 * sq_entries */
	uint32_t backlog_entries; /* requests in flight plus overflowed CQEs; 0: cq_entries */
	uint32_t setup_flags;	  /* RC_SETUP_* */
};

/* A ring's engine state: opaque. A platform embeds one (or allocates
 * RCE_RING_SIZE bytes aligned to RCE_RING_ALIGN) and passes its address;
 * it reads nothing inside, only through the functions below. The fields
 * are in lib/engine_internal.h, which only lib/ includes; lib/engine.c
 * checks that they fit these constants exactly. */
#define RCE_RING_SIZE  304u
#define RCE_RING_ALIGN 8u
#ifndef RCE_ENGINE_INTERNAL
struct rce_ring {
	union {
		unsigned char bytes[RCE_RING_SIZE];
		uint64_t align; /* RCE_RING_ALIGN */
	} rce_private_;
};
#endif

/* ---- contexts and handles ---- */
int rce_ctx_init(struct rce_ctx *ctx, const struct rce_handlers *ops, void *port,
		 uint32_t max_handles);
void rce_ctx_destroy(struct rce_ctx *ctx);
/* Return a new handle naming obj, or -RC_EMFILE. */
int32_t rce_handle_install(struct rce_ctx *ctx, uint16_t type, uint32_t rights, void *obj);
/* Remove handle; return its object or NULL if it names nothing. */
void *rce_handle_remove(struct rce_ctx *ctx, uint32_t handle);
/* The rights handle carries (0 if it names nothing). */
uint32_t rce_handle_rights(struct rce_ctx *ctx, uint32_t handle);
/* Keep only rights, which must be among those handle carries: 0, or
 * -RC_EBADF (no such handle) / -RC_EPERM (nothing changes). */
int32_t rce_handle_reduce(struct rce_ctx *ctx, uint32_t handle, uint32_t rights);
/* CLOSE of an object the engine owns (a channel endpoint): if the call's
 * target handle names one, close it and return true; else false (the
 * platform's CLOSE handler closes its own objects). */
bool rce_close_engine_object(struct rce_call *c);
/* Move channel handle from one caller's table to another's, rights kept
 * (a platform's bootstrap: a name service, SPAWN passing handles). The
 * platform must hold both callers still (no engine call on either
 * meanwhile). Return the handle in to, -RC_EBADF if handle names no
 * channel endpoint in from, or -RC_EMFILE (nothing moved). */
int32_t rce_channel_handle_move(struct rce_ctx *from, uint32_t handle, struct rce_ctx *to);
/* Make a channel whose two handles go to ctx's table (a platform's name
 * service); 0 and out filled, or -RC_ENOMEM / -RC_EMFILE. The platform
 * holds ctx still. */
int32_t rce_channel_create_in(struct rce_ctx *ctx, uint32_t out[2]);
/* Send, from ctx over endpoint via, a message of 0 bytes carrying handle
 * (which moves): 0, -RC_EPIPE (peer closed), -RC_EAGAIN (queue full: never
 * parks), -RC_EBADF/-RC_EINVAL as CHANNEL_SEND. ctx held still. */
int32_t rce_channel_send_handle(struct rce_ctx *ctx, uint32_t via, uint32_t handle);
/* Close a channel handle of ctx, as CLOSE does: 0 or -RC_EBADF. */
int32_t rce_channel_close_handle(struct rce_ctx *ctx, uint32_t handle);

/* ---- rings ---- */
/* Lay out a ring in shared (zeroed here) and set up the engine's state.
 * Return 0, -RC_EINVAL (bad sizes) or -RC_ENOMEM. */
int rce_ring_init(struct rce_ring *r, struct rce_ctx *ctx, void *shared, size_t shared_bytes,
		  const struct rce_ring_params *p);
/* The sizes and flags check rce_ring_init makes, for callers that check
 * before allocating: 0 or -RC_EINVAL, with *why (if not NULL) naming the
 * wrong parameter. */
int rce_ring_params_check(const struct rce_ring_params *p, const char **why);
/* Forget every request in flight (no CQEs), free the engine's state. */
void rce_ring_destroy(struct rce_ring *r);
/* Fire due timeouts (at most RCE_TIMEOUT_BUDGET), flush the backlog, take
 * new SQEs (at most budget; 0: do not look at the SQ, as from a timer),
 * publish. Return the SQEs taken, or -RC_EBUSY if entries wait in the SQ
 * because the backlog is full (the user must reap). */
int rce_ring_run(struct rce_ring *r, uint32_t budget);
/* Is there anything for rce_ring_run to do right now (SQEs it can take,
 * backlog it can flush, TIMEOUTs due that a budget left behind)? */
bool rce_ring_has_work(struct rce_ring *r);
/* Has another ring made parked IPC requests of this one ready (a run
 * delivers them)? Only this part of rce_ring_has_work: a platform that
 * delivers for other rings (rce_ipc_ops.wake) asks it after a run whose
 * budget left some behind. */
bool rce_ring_ipc_ready(const struct rce_ring *r);
/* Requests taken and not yet completed (parked, held, in chains). */
uint32_t rce_ring_inflight(const struct rce_ring *r);
/* CQEs written to the CQ so far (the engine's own count, not the user's
 * copy): a platform waiting for completions sees it move. */
uint32_t rce_ring_cq_tail(const struct rce_ring *r);
/* CQEs published to the user so far (the cq_tail it last stored): what a
 * platform compares with the user's cq_head to count unread CQEs. */
uint32_t rce_ring_cq_published(const struct rce_ring *r);
/* The same count as a word to read (under the platform's serialisation of
 * engine calls), valid for the ring's life: a wait test with no call. */
const uint32_t *rce_ring_cq_published_word(const struct rce_ring *r);
/* CQEs waiting in the backlog for CQ room. */
uint32_t rce_ring_backlog_count(const struct rce_ring *r);
/* The ring's geometry and setup flags, as rce_ring_init accepted them
 * (the engine's own copies: the shared header's are the user's to spoil). */
uint32_t rce_ring_sq_entries(const struct rce_ring *r);
uint32_t rce_ring_cq_entries(const struct rce_ring *r);
uint32_t rce_ring_setup_flags(const struct rce_ring *r);
/* The shared header (hostile memory: for the platform's futex words,
 * sq_doorbell and cq_waiting, and for reading what the user wrote). */
struct rc_ring_hdr *rce_ring_hdr(const struct rce_ring *r);
/* The CQE slot that CQ index i lands in (shared memory: hostile). */
const struct rc_cqe *rce_ring_cqe(const struct rce_ring *r, uint32_t i);
/* When rce_ring_run next has TIMEOUTs to fire, on the engine clock: the
 * earliest deadline, 0 if some are due already (count TIMEOUTs the budget
 * left behind), UINT64_MAX if none is parked. */
uint64_t rce_ring_next_deadline(const struct rce_ring *r);
/* Install (or with NULL remove) a tracer; under the ctx's serialisation. */
void rce_ring_set_tracer(struct rce_ring *r, const struct rce_tracer *t);
/* The platform's allow-list for r (a broker's policy for its caller),
 * before r first runs: opcodes outside allow are refused at decode with
 * -RC_EACCES and a record naming the rule (RC_BAD_POLICY, RC_RULE_ALLOW);
 * the ring's own RESTRICT can only narrow it. Calls only narrow. */
void rce_ring_restrict(struct rce_ring *r, uint64_t allow);
/* Set or clear RC_RING_NEED_WAKEUP (the platform's engine goes to sleep). */
void rce_ring_set_need_wakeup(struct rce_ring *r, bool on);
/* Whether a publication calls rce_port_notify (on from rce_ring_init):
 * a platform that knows when nobody can be waiting for r's CQEs (the
 * kernel: unless its owner sleeps in enter) switches it off meanwhile,
 * under the ctx's serialisation, and saves the calls. */
void rce_ring_set_notify(struct rce_ring *r, bool on);

/* ---- for handlers ---- */
/* Copy n bytes at off within a user buffer; 0 or -RC_EFAULT. n == 0
 * succeeds without touching the address (length 0 is never checked). */
int rce_copy_in(struct rce_call *c, void *dst, rce_uin_t src, uint32_t off, uint32_t n);
int rce_copy_out(struct rce_call *c, rce_uout_t dst, uint32_t off, const void *src, uint32_t n);
/* Take no more SQEs in this run: the entries after this one stay in the
 * SQ, untaken (not even read), for a later run (the kernel's EXIT). */
void rce_call_stop_batch(struct rce_call *c);
/* A handler refusing its call by the platform's policy, before doing
 * anything: record why (reason RC_BAD_POLICY, rule an enum rc_policy_rule,
 * field the argument index or RC_FIELD_*, the offending value and the
 * rule's limit) for rc_explain, tag the call's CQE with it, and return
 * err, which the handler returns. Only from the handler, as it returns. */
int32_t rce_call_refuse(struct rce_call *c, unsigned field, unsigned rule, uint64_t value,
			uint64_t limit, int32_t err);
/* Keep this call alive past the handler's return (then return RCE_PENDING). */
struct rce_req *rce_call_park(struct rce_call *c, rce_cancel_fn cancel);
/* Finish a parked request: post its CQE, continue or cancel its chain,
 * publish. */
void rce_req_complete(struct rce_req *q, int32_t res);
/* The call a parked request carries (its ring, ctx, target and its
 * private copy of the SQE). */
struct rce_call *rce_req_call(struct rce_req *q);

/* ---- a platform's lists of parked requests (waits, reads) ----
 * Each request has one platform link, free while it is parked: a request
 * is on at most one platform list. Oldest first; O(1) append and remove. */
struct rce_req_list {
	struct rce_req *first, *last;
};
/* Append q (parked, on no platform list) at the end of l. */
void rce_req_list_append(struct rce_req_list *l, struct rce_req *q);
/* Remove q from l; nothing if q is not on l. */
void rce_req_list_remove(struct rce_req_list *l, struct rce_req *q);
/* The request after q on its platform list, or NULL. */
struct rce_req *rce_req_list_next(const struct rce_req *q);

#ifdef __cplusplus
}
#endif

#endif
