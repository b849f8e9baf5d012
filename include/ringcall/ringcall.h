/*
 * ringcall.h - the user library: make system calls through a ring.
 *
 * Shaped like liburing. Get an SQE, fill it with a prep helper, submit,
 * then wait for or peek at CQEs and mark them seen:
 *
 *	struct rc_sqe *sqe = rc_get_sqe(&ring);
 *	rc_prep_read(sqe, fd, buf, sizeof buf, 0);
 *	rc_sqe_set_data(sqe, 42);
 *	rc_submit_and_wait(&ring, 1);
 *	rc_wait_cqe(&ring, &cqe);      cqe->user_data == 42, cqe->res = bytes
 *	rc_cqe_seen(&ring, cqe);
 *
 * The same API runs in every platform; only the backend behind
 * rc_ring.backend (how a doorbell is rung and how a thread waits) differs:
 * hosted/client.c on Linux, user/ in the ringcall kernel. Freestanding.
 * A ring is used by one thread at a time.
 */
#ifndef RINGCALL_H
#define RINGCALL_H

#include <stdbool.h>
#include "abi.h"
#include "atomic.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rc_ring;


struct rc_backend {
	/* Wake the engine if asked, then with GETEVENTS wait until at least
	 * min_complete CQEs are ready. Return >= 0 or a negative RC_E*
	 * (-RC_EDEADLK: nothing in flight could ever make them ready). */
	int (*enter)(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags);
	/* Optional: as enter with GETEVENTS alone, but give up after
	 * timeout_ns with -RC_ETIME. NULL: rc_wait_cqe_timeout arms a
	 * TIMEOUT entry instead (user_data RC_UDATA_TIMEOUT). */
	int (*wait_timeout)(struct rc_ring *r, uint32_t min_complete, uint64_t timeout_ns);
	/* Optional: called by every submit on the entries [from, to) it is
	 * about to publish (indices, not masked), once per entry, before any
	 * of them is released (seq, sq_tail). It may rewrite those entries
	 * (all but seq) and nothing else; a backend whose rewrite needs the
	 * engine to take earlier entries first may publish a prefix [from,
	 * k) itself, as rc_submit would, and ring (docs/porting.md). NULL:
	 * entries go out as prepared, at no cost. */
	void (*prepare)(struct rc_ring *r, uint32_t from, uint32_t to);
};

/* user_data of the TIMEOUT entries rc_wait_cqe_timeout arms on a backend
 * without a timed wait; the library's peek and waits skip their CQEs.
 * Do not use it for your own entries. */
#define RC_UDATA_TIMEOUT UINT64_C(0xffffffffffffffff)

struct rc_stats {
	uint64_t submitted; /* SQEs published */
	uint64_t enters;    /* backend calls */
	uint64_t doorbells; /* engine wake-ups rung (each one a syscall or trap) */
	uint64_t sleeps;    /* times the caller slept waiting for CQEs */
};

struct rc_ring {
	struct rc_ring_hdr *hdr;
	struct rc_sqe *sqes;
	struct rc_cqe *cqes;
	uint32_t sq_entries, sq_mask;
	uint32_t cq_entries, cq_mask;
	uint32_t setup_flags;
	uint32_t sqe_head;   /* first SQE handed out but not yet submitted */
	uint32_t sqe_tail;   /* next SQE to hand out */
	uint32_t sq_limit;   /* engine's SQ head as last read + sq_entries: the
				  first index not free by that reading */
	uint32_t cq_head;    /* next CQE to look at */
	uint32_t spin_limit; /* polls of the CQ before sleeping (POLL rings) */
	bool skip_timeouts;  /* an RC_UDATA_TIMEOUT CQE may come: skip it */
	const struct rc_backend *backend;
	void *backend_data;
	struct rc_stats stats;
};

/* Attach to a ring region the engine laid out (checks magic, version and
 * geometry). Return 0 or -RC_EINVAL. */
int rc_ring_attach(struct rc_ring *r, void *shared, size_t bytes, const struct rc_backend *b,
		   void *backend_data);

/* ---- submission ---- */

/* Re-read the engine's SQ head: the SQEs free now, sq_limit moved past
 * them. A head that is not within a ring's worth behind our tail (the
 * engine's word: never trusted to make room that is not there) frees
 * none. */
static inline uint32_t rc_sq_refresh(struct rc_ring *r)
{
	/* Pairs with the engine's store_release of sq_head after it copied
	 * the SQEs out: their slots are ours again. */
	uint32_t free = rc_load_acquire(&r->hdr->sq_head) + r->sq_entries - r->sqe_tail;

	if (free > r->sq_entries)
		free = 0;
	r->sq_limit = r->sqe_tail + free;
	return free;
}

/* A free SQE, or NULL when the SQ is full (submit, then reap). Its content
 * is whatever was there: a prep helper sets every byte but seq. */
static inline struct rc_sqe *rc_get_sqe(struct rc_ring *r)
{
	if (r->sqe_tail == r->sq_limit && !rc_sq_refresh(r))
		return NULL;
	return &r->sqes[r->sqe_tail++ & r->sq_mask];
}

/* Number of SQEs rc_get_sqe() can still hand out without a refresh. */
static inline uint32_t rc_sq_space_left(struct rc_ring *r)
{
	return rc_sq_refresh(r);
}

/* Set the value the entry's CQE carries back in user_data. */
static inline void rc_sqe_set_data(struct rc_sqe *sqe, uint64_t user_data)
{
	sqe->user_data = user_data;
}

/* Set the entry's RC_SQE_* flags (LINK, DRAIN, SKIP_SUCCESS). */
static inline void rc_sqe_set_flags(struct rc_sqe *sqe, uint8_t flags)
{
	sqe->flags = flags;
}

/* Zero everything the engine checks, but not seq: that word says whether
 * the engine may read the entry. */
static inline void rc_sqe_init(struct rc_sqe *sqe, uint8_t opcode, uint32_t handle)
{
	sqe->opcode = opcode;
	sqe->flags = 0;
	sqe->rsvd0 = 0;
	sqe->handle = handle;
	sqe->user_data = 0;
	for (unsigned i = 0; i < RC_ARGS_BYTES / 8; i++)
		sqe->args.words[i] = 0;
	sqe->rsvd1 = 0;
}

/* One prep helper per syscall, generated from syscalls.def: the target
 * handle (when the op takes one), then each argument field in table order.
 * Buffers are pointers; reserved fields are not parameters. */
#define RC_PREP_HANDLE_NONE
#define RC_PREP_HANDLE_ANY		 , uint32_t handle
#define RC_PREP_HANDLE_FILE		 , uint32_t handle
#define RC_PREP_HANDLE_CHANNEL		 , uint32_t handle
#define RC_PREP_HANDLE_VALUE_NONE	 0
#define RC_PREP_HANDLE_VALUE_ANY	 handle
#define RC_PREP_HANDLE_VALUE_FILE	 handle
#define RC_PREP_HANDLE_VALUE_CHANNEL	 handle
#define RC_PREP_PARAM_INT(ctype, name)	 , ctype name
#define RC_PREP_PARAM_ENUM(ctype, name)	 , ctype name
#define RC_PREP_PARAM_FLAGS(ctype, name) , ctype name
#define RC_PREP_PARAM_LEN(ctype, name)	 , ctype name
#define RC_PREP_PARAM_UIN(ctype, name)	 , const void *name
#define RC_PREP_PARAM_UOUT(ctype, name)	 , void *name
#define RC_PREP_PARAM_RSVD(ctype, name)
#define RC_PREP_PARAM(kind, ctype, name, a, b) RC_PREP_PARAM_##kind(ctype, name)
#define RC_PREP_SET_INT(ctype, name)	       rc_args_->name = name;
#define RC_PREP_SET_ENUM		       RC_PREP_SET_INT
#define RC_PREP_SET_FLAGS		       RC_PREP_SET_INT
#define RC_PREP_SET_LEN			       RC_PREP_SET_INT
#define RC_PREP_SET_UIN(ctype, name)	       rc_args_->name = (ctype)(uintptr_t)name;
#define RC_PREP_SET_UOUT		       RC_PREP_SET_UIN
#define RC_PREP_SET_RSVD(ctype, name)
#define RC_PREP_SET(kind, ctype, name, a, b) RC_PREP_SET_##kind(ctype, name)
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)                            \
	static inline void rc_prep_##name(                                                \
		struct rc_sqe *sqe RC_PREP_HANDLE_##target RC_ARGS_##name(RC_PREP_PARAM)) \
	{                                                                                 \
		struct rc_args_##name *rc_args_ = &sqe->args.name;                        \
                                                                                          \
		rc_sqe_init(sqe, RC_OP_##NAME, RC_PREP_HANDLE_VALUE_##target);            \
		RC_ARGS_##name(RC_PREP_SET)                                               \
	}
#include "syscalls.def"
#undef RC_SYSCALL

/* A multishot CHANNEL_RECV on endpoint handle, into buffers of provided
 * group `group` (PROVIDE_BUFFERS): one CQE per message, RC_CQE_F_MORE
 * while it stays armed (docs/abi.md "Multishot receive"). */
static inline void rc_prep_channel_recv_multishot(struct rc_sqe *sqe, uint32_t handle,
						  uint32_t group)
{
	rc_prep_channel_recv(sqe, handle, (void *)0, 0, 0, (void *)0,
			     RC_CHANNEL_MULTISHOT | RC_CHANNEL_GROUP(group));
}

/* Publish the SQEs handed out since the last submit, wake the engine if it
 * sleeps (also with nothing new, when it holds entries back (RC_RING_BUSY)
 * or CQEs in its backlog (RC_RING_CQ_OVERFLOW): reaped room is noticed
 * only when the engine runs). Return the number submitted, or a negative
 * RC_E*: -RC_EBUSY when the engine, as last seen, takes no more until CQEs
 * are reaped. The entries stay queued: reap, then call rc_submit again
 * (with nothing new) and they are taken. */
int rc_submit(struct rc_ring *r);
/* Submit, then wait until at least wait_nr CQEs are ready. */
int rc_submit_and_wait(struct rc_ring *r, uint32_t wait_nr);

/* ---- completion ---- */

/* The CQE at index i if the engine has written it (its phase matches this
 * lap), else NULL. */
static inline struct rc_cqe *rc_cqe_at(struct rc_ring *r, uint32_t i)
{
	struct rc_cqe *cqe = &r->cqes[i & r->cq_mask];

	/* Pairs with the engine's store_release of flags after user_data and
	 * res: when the phase is new, so are they. */
	uint32_t flags = rc_load_acquire(&cqe->flags);

	/* A slot is never at address 0: NULL below means "not ready" only,
	 * and a caller's test of it is the phase test (no second branch). */
	if (!cqe)
		__builtin_unreachable();

	return (flags & RC_CQE_F_PHASE) == rc_cq_phase(i, r->cq_entries) ? cqe : NULL;
}

/* Consume the CQEs of the library's own TIMEOUT entries (user_data
 * RC_UDATA_TIMEOUT) at the head of the CQ; rc_peek_cqe and the waits call
 * it once rc_wait_cqe_timeout has armed one. */
void rc_skip_timeout_cqes(struct rc_ring *r);

/* Return 0 and the next CQE if one is ready, else -RC_EAGAIN. */
static inline int rc_peek_cqe(struct rc_ring *r, struct rc_cqe **cqe)
{
	if (__builtin_expect(r->skip_timeouts, 0))
		rc_skip_timeout_cqes(r);
	*cqe = rc_cqe_at(r, r->cq_head);
	return *cqe ? 0 : -RC_EAGAIN;
}

/* CQEs the published tail counts past the user's head: 0 when the user
 * has read ahead of it (a CQE is readable by its phase bit before the
 * tail that counts it is published, abi.md §4: the head may pass the
 * tail for a while, and the unsigned difference would be ~4 billion). */
static inline uint32_t rc_cq_count(uint32_t tail, uint32_t head)
{
	int32_t d = (int32_t)(tail - head);

	return d > 0 ? (uint32_t)d : 0;
}

/* CQEs ready to read (by the engine's published tail). */
static inline uint32_t rc_cq_ready(struct rc_ring *r)
{
	/* Pairs with the engine's store_release of cq_tail. */
	return rc_cq_count(rc_load_acquire(&r->hdr->cq_tail), r->cq_head);
}

/* Hand n CQEs back to the engine. */
static inline void rc_cq_advance(struct rc_ring *r, uint32_t n)
{
	r->cq_head += n;
	/* Orders our reads of those CQEs before the engine may reuse the
	 * slots. */
	rc_store_release(&r->hdr->cq_head, r->cq_head);
}

/* Hand the CQE returned by rc_peek_cqe or rc_wait_cqe back to the engine. */
static inline void rc_cqe_seen(struct rc_ring *r, struct rc_cqe *cqe)
{
	(void)cqe;
	rc_cq_advance(r, 1);
}

/* Visit each ready CQE without consuming it; follow with rc_cq_advance. */
#define rc_for_each_cqe(r, head, cqe) \
	for ((head) = (r)->cq_head; ((cqe) = rc_cqe_at((r), (head))) != NULL; (head)++)

/* Wait until at least nr CQEs are ready, then return the first: 0, or
 * -RC_EDEADLK at once when nothing in flight could ever make nr ready (on
 * every platform), or another negative RC_E* from the platform. */
int rc_wait_cqe_nr(struct rc_ring *r, struct rc_cqe **cqe, uint32_t nr);
static inline int rc_wait_cqe(struct rc_ring *r, struct rc_cqe **cqe)
{
	return rc_wait_cqe_nr(r, cqe, 1);
}
/* As rc_wait_cqe, but give up after timeout_ns: -RC_ETIME (as liburing's
 * io_uring_wait_cqe_timeout). Where the platform has no timed wait (the
 * ringcall kernel) it submits what is prepared together with a TIMEOUT
 * entry of its own, needs a free SQE for it (-RC_EBUSY if none), and an
 * idle ring gives -RC_ETIME rather than -RC_EDEADLK. */
int rc_wait_cqe_timeout(struct rc_ring *r, struct rc_cqe **cqe, uint64_t timeout_ns);

/* ---- diagnostics and the table ---- */

/* Name of an opcode ("READ"), or NULL. */
const char *rc_op_name(unsigned opcode);
/* Symbolic name of an error result ("EINVAL"), or NULL for res >= 0 and
 * for any value outside -4095..-1 (INT32_MIN included). */
const char *rc_err_name(int32_t res);
/* Say in words why the engine rejected the entry behind cqe (a CQE with
 * RC_CQE_F_REJECTED, or a copy of one): its op, field, value and bound,
 * from its own record while it is among the last RC_ERROR_RECORDS
 * rejections, else "no record: ..."; a call that ran and failed is
 * "failed (-E...)"; a success "ok, res = N". Writes a NUL-terminated
 * string of at most size bytes into buf; returns buf. */
char *rc_explain(struct rc_ring *r, const struct rc_cqe *cqe, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
