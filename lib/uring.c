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
		.sq_entries = h->sq_entries,
		.sq_mask = h->sq_entries - 1,
		.cq_entries = h->cq_entries,
		.cq_mask = h->cq_entries - 1,
		.setup_flags = h->setup_flags,
		.spin_limit = (h->setup_flags & RC_SETUP_POLL) ? RC_DEFAULT_SPINS : 0,
		.backend = b,
		.backend_data = backend_data,
	};
	/* Pairs with nothing yet: the engine has not run; read its view. */
	r->sqe_head = r->sqe_tail = rc_load_acquire(&h->sq_head);
	r->sq_limit = r->sqe_tail + r->sq_entries;
	r->cq_head = rc_load_acquire(&h->cq_tail);
	return 0;
}

/* Hand SQEs [sqe_head, sqe_tail) to the backend's prepare hook, if there
 * are any. Out of line: a ring without the hook pays only for its test. */
static __attribute__((noinline)) void rc_prepare_sq(struct rc_ring *r)
{
	if (r->sqe_tail != r->sqe_head)
		r->backend->prepare(r, r->sqe_head, r->sqe_tail);
}

/* Publish SQEs [sqe_head, sqe_tail): the backend's prepare hook first,
 * if any (it may rewrite them: nothing is published yet), then on a poll
 * ring (poll: the caller knows its kind) each entry's seq (what its engine reads), then, on any ring, the
 * tail (what a doorbell engine reads; it never looks at seq, abi.md §6.2). */
static inline __attribute__((always_inline)) uint32_t rc_flush_sq(struct rc_ring *r, bool poll)
{
	uint32_t n;

	if (__builtin_expect(r->backend->prepare != NULL, 0))
		rc_prepare_sq(r);
	n = r->sqe_tail - r->sqe_head;
	if (poll)
		for (uint32_t i = r->sqe_head; i != r->sqe_tail; i++)
			/* Orders the entry's other words before the seq
			 * that releases it to the polling engine. */
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
	/* A doorbell engine sets NEED_WAKEUP at setup and never clears it
	 * (abi.md §5): every submit rings, no fence needed to know that. */
	if (!(r->setup_flags & RC_SETUP_POLL))
		return true;
	/* Orders our seq/tail stores before the flag load. Pairs with the
	 * engine's full fence between setting NEED_WAKEUP and re-checking
	 * the SQ: one of us sees the other's store, so no wakeup is lost. */
	rc_fence_full();
	return rc_load_relaxed(&r->hdr->flags) & RC_RING_NEED_WAKEUP;
}

static inline __attribute__((always_inline)) int rc_enter(struct rc_ring *r, uint32_t to_submit,
							  uint32_t min_complete, uint32_t flags)
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

/* Does the engine hold back what only its next run releases: SQEs it
 * refused (BUSY), CQEs in its backlog (CQ_OVERFLOW)? A hint (relaxed): the
 * doorbell decision after it is fenced (rc_engine_sleeps). */
static bool rc_engine_holds_back(struct rc_ring *r)
{
	return rc_load_relaxed(&r->hdr->flags) & (RC_RING_BUSY | RC_RING_CQ_OVERFLOW);
}

/* What a submit of n entries returns after its enter's ret: the error,
 * -RC_EBUSY if it did not wait and the engine refuses more work until CQEs
 * are reaped (the entries stay queued and are taken once there is room),
 * else n. */
static inline __attribute__((always_inline)) int rc_submit_result(struct rc_ring *r, int ret,
								  uint32_t n, uint32_t wait_nr)
{
	if (ret < 0)
		return ret;
	if (!wait_nr && (rc_load_relaxed(&r->hdr->flags) & RC_RING_BUSY))
		return -RC_EBUSY;
	return (int)n;
}

/*
 * rc_submit_and_wait on a doorbell ring (no POLL), the steps of the
 * polling ring's (rc_submit_and_wait_polled, below) with what such a ring
 * makes known: the flush (rc_flush_sq) stores the tail alone (no seq),
 * after the backend's prepare hook if any, and the engine sleeps
 * (rc_engine_sleeps), so anything new, or anything it holds back, rings
 * it, and a wait then rides along (GETEVENTS: the engine runs first, then
 * looks at the CQ itself). Nothing to ring: enter only to wait for CQEs
 * that are not there yet (the spin of a polling ring is 0 turns here).
 */
static inline __attribute__((always_inline)) int rc_submit_and_wait_doorbell(struct rc_ring *r,
									     uint32_t wait_nr)
{
	uint32_t n, flags;
	int ret;

	n = rc_flush_sq(r, false);
	if (wait_nr > r->cq_entries)
		return -RC_EINVAL;
	if (__builtin_expect(n != 0, 1) || rc_engine_holds_back(r)) {
		/* rc_enter, its doorbell counted */
		r->stats.enters++;
		r->stats.doorbells++;
		flags = RC_ENTER_SQ_WAKEUP | (wait_nr ? RC_ENTER_GETEVENTS : 0);
		ret = r->backend->enter(r, n, wait_nr, flags);
	} else if (wait_nr && !rc_cqes_ready(r, wait_nr)) {
		ret = rc_enter(r, n, wait_nr, RC_ENTER_GETEVENTS);
	} else {
		ret = 0;
	}
	return rc_submit_result(r, ret, n, wait_nr);
}

/* rc_submit_and_wait on a polling ring (the general steps). */
static __attribute__((noinline)) int rc_submit_and_wait_polled(struct rc_ring *r, uint32_t wait_nr)
{
	uint32_t n = rc_flush_sq(r, true);
	uint32_t flags = 0;
	int ret;

	/* With nothing new, still ring an engine that holds entries back:
	 * the room the user reaped is noticed only when it runs (liburing's
	 * submit enters to flush its overflow list for the same reason). */
	if ((n || rc_engine_holds_back(r)) && rc_engine_sleeps(r))
		flags |= RC_ENTER_SQ_WAKEUP;
	if (wait_nr) {
		if (wait_nr > r->cq_entries)
			return -RC_EINVAL;
		if (flags & RC_ENTER_SQ_WAKEUP) {
			/* We enter anyway: the engine runs first, then looks
			 * at the CQ itself, and returns at once if the CQEs
			 * are there (no need to look before). */
			flags |= RC_ENTER_GETEVENTS;
		} else {
			/* A polling engine may answer before we would sleep. */
			for (uint32_t spin = 0; spin < r->spin_limit; spin++) {
				if (rc_cqes_ready(r, wait_nr))
					return (int)n;
				rc_cpu_relax();
			}
			if (!rc_cqes_ready(r, wait_nr))
				flags |= RC_ENTER_GETEVENTS;
		}
	}
	if (flags)
		ret = rc_enter(r, n, wait_nr, flags);
	else
		ret = 0;
	return rc_submit_result(r, ret, n, wait_nr);
}

/* Add v to one of r's counters in one instruction: GCC's vectorizer would
 * merge neighbouring counters into an SSE add of more instructions than
 * it saves; the empty asm claims the counter (it must be in memory, up to
 * date, before it), so no merge crosses it. It orders nothing else: not
 * a barrier. */
static inline void rc_stat_add(uint64_t *c, uint64_t v)
{
	__asm__("" : "+m"(*c));
	*c += v;
}

/* A doorbell ring's other cases (out of line: its frame and spills stay
 * off the common path). */
static __attribute__((noinline)) int rc_submit_and_wait_bell_other(struct rc_ring *r,
								   uint32_t wait_nr)
{
	return rc_submit_and_wait_doorbell(r, wait_nr);
}

/* On a doorbell ring the common case first: new entries, no prepare hook,
 * a wait the CQ can hold. Exactly rc_submit_and_wait_doorbell's steps for
 * it (the tail published, the engine rung, the wait riding along), with
 * nothing else tested or saved. */
int rc_submit_and_wait(struct rc_ring *r, uint32_t wait_nr)
{
	const struct rc_backend *b = r->backend;
	uint32_t tail = r->sqe_tail, n = tail - r->sqe_head;
	int ret;

	if (r->setup_flags & RC_SETUP_POLL)
		return rc_submit_and_wait_polled(r, wait_nr);
	if (__builtin_expect(!n || b->prepare || wait_nr > r->cq_entries, 0))
		return rc_submit_and_wait_bell_other(r, wait_nr);
	r->sqe_head = tail;
	/* Orders the entries before the tail that counts them. Pairs with
	 * the engine's load_acquire of sq_tail (rce_take_by_tail). */
	rc_store_release(&r->hdr->sq_tail, tail);
	rc_stat_add(&r->stats.submitted, n);
	rc_stat_add(&r->stats.enters, 1);
	rc_stat_add(&r->stats.doorbells, 1);
	ret = b->enter(r, n, wait_nr, RC_ENTER_SQ_WAKEUP | (wait_nr ? RC_ENTER_GETEVENTS : 0));
	return rc_submit_result(r, ret, n, wait_nr);
}

int rc_submit(struct rc_ring *r)
{
	return rc_submit_and_wait(r, 0);
}

/* Consume CQEs of the library's own TIMEOUT entries at the head. */
void rc_skip_timeout_cqes(struct rc_ring *r)
{
	struct rc_cqe *cqe;

	while ((cqe = rc_cqe_at(r, r->cq_head)) != NULL && cqe->user_data == RC_UDATA_TIMEOUT)
		rc_cq_advance(r, 1);
}

int rc_wait_cqe_nr(struct rc_ring *r, struct rc_cqe **cqe, uint32_t nr)
{
	uint32_t spin = 0;

	if (nr == 0 || nr > r->cq_entries)
		return -RC_EINVAL;
	for (;;) {
		int ret;

		if (r->skip_timeouts)
			rc_skip_timeout_cqes(r);
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
		 * runs: ring it so the CQEs we wait for can come. The fence
		 * orders our cq_head stores before this CQ_OVERFLOW load.
		 * Pairs with the engine's fence between setting NEED_WAKEUP
		 * and re-checking for CQ room before it sleeps: either it sees
		 * the room we made or we see the flag and ring (spec/ring.pml,
		 * mutant no-wait-fence). */
		rc_fence_full();
		ret = rc_enter(r, 0, nr,
			       RC_ENTER_GETEVENTS |
				       ((rc_load_relaxed(&r->hdr->flags) & RC_RING_CQ_OVERFLOW)
						? RC_ENTER_SQ_WAKEUP
						: 0));
		if (ret < 0)
			return ret;
	}
}

/* rc_wait_cqe_timeout where the platform has no timed wait: arm a TIMEOUT
 * of our own that completes silently (count 1, SKIP_SUCCESS) as soon as
 * any other CQE is posted, or posts -ETIME at the deadline. The CQ was
 * empty when it was armed, so its CQE, if any, comes first; one left
 * behind by a CQE that raced with the arming is skipped later. */
static int rc_wait_cqe_timeout_by_sqe(struct rc_ring *r, struct rc_cqe **cqe, uint64_t ns)
{
	struct rc_sqe *sqe = rc_get_sqe(r);
	int ret;

	if (!sqe)
		return -RC_EBUSY; /* the SQ is full: submit and reap first */
	rc_prep_timeout(sqe, ns > RC_TIMEOUT_MAX_NS ? RC_TIMEOUT_MAX_NS : ns, 1, 0);
	rc_sqe_set_data(sqe, RC_UDATA_TIMEOUT);
	rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	r->skip_timeouts = true;
	ret = rc_submit_and_wait(r, 0);
	if (ret < 0 && ret != -RC_EBUSY)
		return ret;
	r->skip_timeouts = false; /* see our own TIMEOUT's CQE */
	ret = rc_wait_cqe_nr(r, cqe, 1);
	r->skip_timeouts = true;
	if (ret == 0 && (*cqe)->user_data == RC_UDATA_TIMEOUT) {
		ret = (*cqe)->res < 0 ? (*cqe)->res : -RC_ETIME;
		rc_cq_advance(r, 1);
	}
	return ret;
}

int rc_wait_cqe_timeout(struct rc_ring *r, struct rc_cqe **cqe, uint64_t timeout_ns)
{
	int ret;

	if (r->skip_timeouts)
		rc_skip_timeout_cqes(r);
	if (rc_cqes_ready(r, 1))
		return rc_peek_cqe(r, cqe);
	if (!r->backend->wait_timeout)
		return rc_wait_cqe_timeout_by_sqe(r, cqe, timeout_ns);
	r->stats.enters++;
	ret = r->backend->wait_timeout(r, 1, timeout_ns);
	if (ret < 0)
		return ret;
	return rc_peek_cqe(r, cqe);
}
