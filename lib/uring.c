/*
 * uring.c - the out-of-line half of the user library: attach, submit,
 * wait. The hot paths (get_sqe, prep, peek, seen) are inline in ringcall.h.
 */
#include "ringcall/ringcall.h"

#define RC_DEFAULT_SPINS 20000u

static bool rc_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int rc_ring_attach(struct rc_ring *r, void *shared, size_t bytes, const struct rc_backend *b,
		   void *backend_data)
{
	struct rc_ring_hdr *h = shared;

	if (bytes < RC_RING_HDR_BYTES || h->magic != RC_ABI_MAGIC ||
	    h->abi_version != RC_ABI_VERSION)
		return -RC_EINVAL;
	if (!rc_pow2(h->sq_entries) || !rc_pow2(h->cq_entries) ||
	    h->sq_entries > RC_MAX_SQ_ENTRIES || h->cq_entries > RC_MAX_CQ_ENTRIES ||
	    h->cq_entries < h->sq_entries || h->sqes_offset != RC_RING_HDR_BYTES ||
	    h->cqes_offset != RC_RING_HDR_BYTES + h->sq_entries * 64u ||
	    h->ring_bytes != rc_ring_bytes(h->sq_entries, h->cq_entries) || h->ring_bytes > bytes)
		return -RC_EINVAL;
	*r = (struct rc_ring){
		.hdr = h,
		.sqes = (struct rc_sqe *)((char *)shared + RC_RING_HDR_BYTES),
		.cqes = (struct rc_cqe *)((char *)shared + RC_RING_HDR_BYTES + h->sq_entries * 64u),
		.sq_entries = h->sq_entries, .sq_mask = h->sq_entries - 1,
		.cq_entries = h->cq_entries, .cq_mask = h->cq_entries - 1,
		.setup_flags = h->setup_flags,
		.spin_limit = (h->setup_flags & RC_SETUP_POLL) ? RC_DEFAULT_SPINS : 0,
		.backend = b, .backend_data = backend_data,
	};
	/* Pairs with nothing yet: the engine has not run; read its view. */
	r->sqe_head = r->sqe_tail = r->sq_head_seen = rc_load_acquire(&h->sq_head);
	r->cq_head = rc_load_acquire(&h->cq_tail);
	return 0;
}

/* Publish SQEs [sqe_head, sqe_tail): each entry's seq (for a polling
 * engine), then the tail (for an engine that reads it). */
static uint32_t rc_flush_sq(struct rc_ring *r)
{
	uint32_t n = r->sqe_tail - r->sqe_head;

	for (uint32_t i = r->sqe_head; i != r->sqe_tail; i++)
		/* Orders the entry's other words before the seq that
		 * releases it to a polling engine. */
		rc_store_release(&r->sqes[i & r->sq_mask].seq, i + 1);
	r->sqe_head = r->sqe_tail;
	/* Orders the entries before the tail that counts them. */
	rc_store_release(&r->hdr->sq_tail, r->sqe_tail);
	r->stats.submitted += n;
	return n;
}

/* Does the engine sleep, so that new work needs a doorbell? */
static bool rc_engine_sleeps(struct rc_ring *r)
{
	/* Orders our seq/tail stores before the flag load. Pairs with the
	 * engine's full fence between setting NEED_WAKEUP and re-checking
	 * the SQ: one of us sees the other's store, so no wakeup is lost. */
	rc_fence_full();
	return rc_load_relaxed(&r->hdr->flags) & RC_RING_NEED_WAKEUP;
}

static int rc_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete,
		    uint32_t flags)
{
	r->stats.enters++;
	if (flags & RC_ENTER_SQ_WAKEUP)
		r->stats.doorbells++;
	return r->backend->enter(r, to_submit, min_complete, flags);
}

/* Are at least nr CQEs ready? Looks at the nr-th entry's phase: the
 * engine writes CQEs in order, and that line is one we read next anyway
 * (polling cq_tail would pull the engine's busiest line across). */
static inline bool rc_cqes_ready(struct rc_ring *r, uint32_t nr)
{
	return rc_cqe_at(r, r->cq_head + nr - 1) != NULL;
}

int rc_submit_and_wait(struct rc_ring *r, uint32_t wait_nr)
{
	uint32_t n = rc_flush_sq(r);
	uint32_t flags = 0;
	int ret;

	if (n && rc_engine_sleeps(r))
		flags |= RC_ENTER_SQ_WAKEUP;
	if (wait_nr) {
		if (wait_nr > r->cq_entries)
			return -RC_EINVAL;
		/* A polling engine may answer before we would sleep. */
		for (uint32_t spin = 0; spin < r->spin_limit && !(flags & RC_ENTER_SQ_WAKEUP); spin++) {
			if (rc_cqes_ready(r, wait_nr))
				return (int)n;
			rc_cpu_relax();
		}
		if (!rc_cqes_ready(r, wait_nr))
			flags |= RC_ENTER_GETEVENTS;
	}
	if (flags)
		ret = rc_enter(r, n, wait_nr, flags);
	else
		ret = 0;
	if (ret < 0)
		return ret;
	/* The engine refuses more work until CQEs are reaped: say so. The
	 * entries stay queued and are taken once there is room. */
	if (!wait_nr && (rc_load_relaxed(&r->hdr->flags) & RC_RING_BUSY))
		return -RC_EBUSY;
	return (int)n;
}

int rc_submit(struct rc_ring *r)
{
	return rc_submit_and_wait(r, 0);
}

int rc_wait_cqe_nr(struct rc_ring *r, struct rc_cqe **cqe, uint32_t nr)
{
	uint32_t spin = 0;

	if (nr == 0 || nr > r->cq_entries)
		return -RC_EINVAL;
	for (;;) {
		int ret;

		if (rc_cqes_ready(r, nr))
			return rc_peek_cqe(r, cqe);
		/* CQ_OVERFLOW is a hint here (no fence needed): a stale read
		 * costs at most one more spin before the enter below. */
		if (spin++ < r->spin_limit &&
		    !(rc_load_relaxed(&r->hdr->flags) & RC_RING_CQ_OVERFLOW)) {
			rc_cpu_relax();
			continue;
		}
		/* An overflowed engine flushes its backlog only when it
		 * runs: ring it so the CQEs we wait for can come. */
		ret = rc_enter(r, 0, nr, RC_ENTER_GETEVENTS |
			       ((rc_load_relaxed(&r->hdr->flags) & RC_RING_CQ_OVERFLOW) ?
				RC_ENTER_SQ_WAKEUP : 0));
		if (ret < 0)
			return ret;
	}
}
