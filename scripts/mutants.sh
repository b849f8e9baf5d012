#!/usr/bin/env bash
# scripts/mutants.sh - `make mutants`: plant known bugs, one at a time, in a
# copy of the tree (build/mutants/), and require the test suite to go red
# for each. Prints "K of N mutants killed"; exits non-zero if any mutant
# survives, does not apply (the code it targets changed: update the
# mutant) or does not build.
#
#   scripts/mutants.sh              every mutant
#   scripts/mutants.sh NAME...      only these (see --list)
#   scripts/mutants.sh --list
#
# A mutant is a literal replacement (OLD text -> NEW text) in one file; OLD
# must occur exactly once. Each mutant names the suites that should kill
# it; those run first, then every host and ASan suite (TSan suites only
# where named: for bugs that only a race detector can see; kernel/NAME,
# the kernel test NAME under QEMU, only where named: for the kernel and
# its user programs). The first red suite (failure, crash or 120 s
# timeout) kills the mutant.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${MUTANTS_DIR:-$root/build/mutants}
tree=$work/tree
orig=$work/orig

names=() files=() suites=() olds=() news=()

# m NAME FILE "SUITES" <<'EOF'  OLD lines, a line "=====", NEW lines  EOF
m() {
	local spec
	spec=$(cat)
	names+=("$1") files+=("$2") suites+=("$3")
	olds+=("$(printf '%s\n' "$spec" | sed '/^=====$/,$d')")
	news+=("$(printf '%s\n' "$spec" | sed '1,/^=====$/d')")
}

# ---- the mutants that once escaped the suite (issue 8, item 15) ----------

m restrict-bypass-with-flags lib/decode.h "host/test_planted host/test_validate" <<'EOF'
			 !((r->allowed >> (op & 63)) & 1)))
=====
			 (!s->flags && !((r->allowed >> (op & 63)) & 1))))
EOF

m ring-memory-as-user-buffer hosted/port.c "host/test_planted" <<'EOF'
	uint64_t lo = m->user_base + m->data_off;
=====
	uint64_t lo = m->user_base;
EOF

m recursive-chain-cancel lib/engine.c "host/test_planted asan/test_planted" <<'EOF'
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
=====
static void rce_cancel_list(struct rce_ring *r, struct rce_req *q)
{
	struct rce_req *next;

	if (!q)
		return;
	next = q->link;
	rce_post(r, q->sqe.user_data, -RC_ECANCELED, q->sqe.flags);
	if (!next && (q->sqe.flags & RC_SQE_LINK))
		rce_chain_reaches_sq(r, -RC_ECANCELED);
	rce_req_free(r, q);
	rce_cancel_list(r, next);
	__asm__ volatile("" ::: "memory"); /* no tail call: a real recursion */
}
EOF

m trusts-shared-sq-head lib/engine.c "host/test_planted" <<'EOF'
	uint32_t head = r->sq_head, mask = r->sq_mask, gend, ctail = r->cq_tail, room = 0;
=====
	uint32_t head = rc_load_relaxed(&r->hdr->sq_head), mask = r->sq_mask, gend,
		 ctail = r->cq_tail, room = 0;
EOF

m quick-run-trusts-shared-sq-head lib/engine.c "host/test_planted" <<'EOF'
	uint32_t head = r->sq_head, ctail = r->cq_tail, max = tail - head, lim, h, end;
=====
	uint32_t head = rc_load_relaxed(&r->hdr->sq_head), ctail = r->cq_tail, max = tail - head,
		 lim, h, end;
EOF

m one-entry-run-trusts-shared-sq-head lib/engine.c "host/test_planted" <<'EOF'
	src = (const struct rce_words *)&r->sqes[r->sq_head & r->sq_mask];
=====
	src = (const struct rce_words *)&r->sqes[rc_load_relaxed(&r->hdr->sq_head) & r->sq_mask];
EOF

m one-entry-run-ignores-cq-room lib/engine.c "host/test_overflow" <<'EOF'
	if (tail - r->sq_head == 1 && RCE_LIKELY(r->inflight < r->cap && rce_cq_has_room(r)))
=====
	if (tail - r->sq_head == 1 && RCE_LIKELY(r->inflight < r->cap))
EOF

m quiet-misses-backlog lib/engine.c "host/test_overflow" <<'EOF'
	rce_set_flag(r, RC_RING_CQ_OVERFLOW, true);
	rce_loud_update(r);
=====
	rce_set_flag(r, RC_RING_CQ_OVERFLOW, true);
EOF

m quiet-misses-held-drain lib/engine.c "host/test_flags" <<'EOF'
		r->drain_held = q; /* SQ reading stops until everything before is done */
		rce_loud_update(r);
=====
		r->drain_held = q; /* SQ reading stops until everything before is done */
EOF

m quiet-misses-polled-ring lib/engine.c "host/test_batch_stop" <<'EOF'
	rce_loud_update(r); /* a polled ring is never quiet */
=====
EOF

m quiet-misses-timeouts lib/ops.c "host/test_timeout" <<'EOF'
	rce_loud_update(r); /* nr_timeouts changed (rce_arm, rce_unlink) */
=====
EOF

m quiet-misses-tracer lib/engine.c "host/test_trace" <<'EOF'
	r->tracer = t;
	rce_loud_update(r);
=====
	r->tracer = t;
EOF

m handshake-leaks-socket hosted/server.c "host/test_server" <<'EOF'
	close(h->sock);
	*h = (struct handshake){ .sock = -1 };
	s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = -1 };
=====
	*h = (struct handshake){ .sock = -1 };
	s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = -1 };
EOF

m timeout-zero-parks-forever lib/ops.c "host/test_timeout" <<'EOF'
	if (a->ns == 0 && a->count == 0)
		return -RC_ETIME;
=====
EOF

m skipped-cqes-count-for-timeout lib/engine_internal.h "host/test_timeout" <<'EOF'
	if ((sqe_flags & RC_SQE_SKIP_SUCCESS) && res >= 0)
		return;
	if (RCE_LIKELY(!r->backlog_count && rce_cq_has_room(r)))
=====
	if ((sqe_flags & RC_SQE_SKIP_SUCCESS) && res >= 0) {
		if (RCE_UNLIKELY(r->nr_timeouts) && ++r->posted >= r->next_count_target &&
		    !r->firing_counts)
			rce_fire_counts(r);
		return;
	}
	if (RCE_LIKELY(!r->backlog_count && rce_cq_has_room(r)))
EOF

m decode-from-shared-sqe lib/engine.c "host/test_planted" <<'EOF'
		stop = traced ? rce_take_copied_traced(r, &c, s) : rce_take_copied(r, &c, s);
=====
		stop = traced ? rce_take_copied_traced(r, &c, s)
			      : rce_take_copied(r, &c, &r->sqes[(head - 1) & r->sq_mask]);
EOF

# ---- more of the kind the engine exists to prevent -----------------------

m tail-possible-off-by-one lib/engine.c "host/test_planted host/test_hostile" <<'EOF'
	return tail - r->sq_head <= r->sq_entries;
=====
	return tail - r->sq_head <= r->sq_entries + 1;
EOF

m args-tail-not-checked lib/decode.h "host/test_validate" <<'EOF'
	if (!rce_tail_is_zero(&s->args, sizeof(*in)))
=====
	if (0 && !rce_tail_is_zero(&s->args, sizeof(*in)))
EOF

m rsvd1-not-checked lib/decode.h "host/test_validate" <<'EOF'
	if (RCE_UNLIKELY((word0 & RCE_WORD0_BAD) | (uint32_t)word7 ||
=====
	if (RCE_UNLIKELY((word0 & RCE_WORD0_BAD) | (0 & (uint32_t)word7) ||
EOF

m phase-bit-of-lap-zero lib/engine_internal.h "host/test_basic" <<'EOF'
	return rc_cq_phase(tail, r->cq_entries);
=====
	return rc_cq_phase(tail & r->cq_mask, r->cq_entries);
EOF

m cqe-phase-store-relaxed lib/engine_internal.h "tsan/test_wakeup tsan/test_hostile" <<'EOF'
	rc_store_release(&cqe->flags, flags);
=====
	rc_store_relaxed(&cqe->flags, flags);
EOF

# The room for a request in flight, checked before each entry the long way
# takes (a multishot's MORE CQEs use the room the chunk's limit counted),
# and a MORE CQE kept out of the slots requests in flight own. (Not here:
# rce_chunk_limit's count of the backlog, its saturation and
# rce_post_backlog's refusal to overwrite: defences no single planted bug
# can reach while the check before each entry holds.)
m take-room-checked-once-per-chunk lib/engine.c "host/test_call kernel/ipc_multishot_burst_never_overruns_the_backlog" <<'EOF'
			if (RCE_UNLIKELY(r->backlog_count + r->inflight >= r->cap)) {
=====
			if (0) {
EOF

m take-room-ignores-backlog lib/engine.c "host/test_call" <<'EOF'
			if (RCE_UNLIKELY(r->backlog_count + r->inflight >= r->cap)) {
=====
			if (RCE_UNLIKELY(r->inflight >= r->cap)) {
EOF

m more-takes-an-owned-slot lib/engine_internal.h "host/test_call" <<'EOF'
	else if (r->backlog_count + r->inflight < r->cap)
		rce_post_backlog(r, user_data, res, cqe_flags);
=====
	else if (r->backlog_count + r->inflight <= r->cap)
		rce_post_backlog(r, user_data, res, cqe_flags);
EOF

m cq-room-off-by-one lib/engine_internal.h "host/test_overflow" <<'EOF'
	if (r->cq_tail - r->cq_head_seen < r->cq_entries)
		return true;
=====
	if (r->cq_tail - r->cq_head_seen <= r->cq_entries)
		return true;
EOF

m cq-reserve-off-by-one lib/engine.c "host/test_overflow" <<'EOF'
	return used < r->cq_entries ? r->cq_entries - used : 0;
=====
	return used <= r->cq_entries ? r->cq_entries - used + 1 : 0;
EOF

m skip-success-hides-failures lib/engine_internal.h "host/test_flags" <<'EOF'
	if ((sqe_flags & RC_SQE_SKIP_SUCCESS) && res >= 0)
		return;
=====
	if (sqe_flags & RC_SQE_SKIP_SUCCESS)
		return;
EOF

m link-failure-continues lib/engine.c "host/test_planted host/test_flags" <<'EOF'
		rce_req_free(r, q);
		if (res < 0) {
			rce_cancel_list(r, next);
			return;
		}
=====
		rce_req_free(r, q);
		if (res < -RC_EINVAL) {
			rce_cancel_list(r, next);
			return;
		}
EOF

m drain-waits-for-one-less lib/engine.c "host/test_flags" <<'EOF'
	if (r->inflight > 1) {
		r->drain_held = q;
=====
	if (r->inflight > 2) {
		r->drain_held = q;
EOF

m drain-held-member-ignores-failed-chain lib/engine.c "host/test_flags" <<'EOF'
	if (q->in_chain && r->chain_failed) {
=====
	if (false && q->in_chain && r->chain_failed) {
EOF

m drain-releases-on-start lib/engine.c "host/test_uring_diff" <<'EOF'
	r->drain_running = r->inflight > 0; /* it was the only request in flight */
=====
	r->drain_running = false;
EOF

m drain-ends-the-take lib/engine.c "host/test_flags" <<'EOF'
	return r->stop_batch || r->drain_held || r->drain_running;
=====
	return r->stop_batch || r->drain_held || r->drain_running || (s->flags & RC_SQE_DRAIN);
EOF

m inline-ignores-restrict lib/engine.c "host/test_validate host/test_planted" <<'EOF'
	return (r->allowed >> RCE_INLINE_OPCODE) & 1;
=====
	return (r->allowed >> RCE_INLINE_OPCODE) | 1;
EOF

m inline-args-tail-not-checked lib/decode.h "host/test_validate" <<'EOF'
#define RCE_WBAD(x, m, T, i) ((x)[(i)-2] & (m[i] | rce_span_bits(i, 16 + sizeof(T), 56)))
=====
#define RCE_WBAD(x, m, T, i) ((x)[(i)-2] & (m[i] | 0 * rce_span_bits(i, 16 + sizeof(T), 56)))
EOF

m inline-rsvd1-not-checked lib/decode.h "host/test_validate" <<'EOF'
	return !((w->w[0] ^ RCE_INLINE_WORD0) | (uint32_t)w->w[7] /* rsvd1 */ |
=====
	return !((w->w[0] ^ RCE_INLINE_WORD0) | 0 * (uint32_t)w->w[7] /* rsvd1 */ |
EOF

m inline-range-not-checked lib/decode.h "host/test_validate" <<'EOF'
		 rce_words_bad_nop(&w->w[2])) &&
	       rce_words_in_range_nop(&w->w[2]);
=====
		 rce_words_bad_nop(&w->w[2])) &&
	       1;
EOF

m budget-ignored lib/engine.c "host/test_planted" <<'EOF'
	if (room > budget)
		room = budget;
=====
	(void)budget;
EOF

m worker-stop-skips-inbox hosted/worker.c "host/test_planted" <<'EOF'
	host_worker_adopt(w); /* clients handed over but not yet adopted too */
=====
EOF

m stale-handle-accepted lib/handles.c "host/test_channel host/test_validate host/test_server" <<'EOF'
	if (h->type == RCE_HT_NONE || (h->gen & 0x7fff) != handle >> 16)
=====
	if (h->type == RCE_HT_NONE)
EOF

m target-stale-handle-accepted lib/decode.h "host/test_validate" <<'EOF'
			 (uint32_t)(h->gen & 0x7fff) != handle >> 16 ||
=====
EOF

m target-type-not-checked lib/decode.h "host/test_channel" <<'EOF'
	if (RCE_UNLIKELY((type == RCE_TARGET_ANY ? h->type == RCE_HT_NONE : h->type != type) ||
=====
	if (RCE_UNLIKELY((type == RCE_TARGET_ANY && h->type == RCE_HT_NONE) ||
EOF

m target-rights-not-checked lib/decode.h "host/test_validate" <<'EOF'
			 (h->rights & rights) != rights))
=====
			 ((void)rights, 0)))
EOF

# decode's buffer checks (every op's UIN/UOUT field; in channel.c too):
# a pointer + length that wraps, and one outside the caller's memory.
m decode-buffer-wrap-not-checked lib/decode.h "host/test_validate" <<'EOF'
		if (in->name + in->lenf < in->name)                                              \
=====
		if (0 && in->name + in->lenf < in->name)                                         \
EOF

m decode-buffer-fault-not-checked lib/decode.h "host/test_validate" <<'EOF'
		if (RCE_UNLIKELY(!k.name))                                                       \
=====
		if (0 && RCE_UNLIKELY(!k.name))                                                  \
EOF

# decode's pointer to a buffer (rce_port_user_ptr) and the small copies
# through it (channel.c): RCE_PORT_CHECKED taken for a pointer (a range
# over two pages in the kernel), a copy past the small bound, a REPLY_RES
# reply's pointer left on its result, the kernel's pointer for a range
# that leaves its page.
m uptr-checked-taken-for-a-pointer lib/channel.c "kernel/ipc_call_reply_across_processes" <<'EOF'
	return (uintptr_t)k > (uintptr_t)RCE_PORT_CHECKED && n <= RCE_COPY_SMALL;
=====
	return k != NULL && n <= RCE_COPY_SMALL;
EOF

m uptr-copy-past-the-small-bound lib/channel.c "host/test_channel host/test_call" <<'EOF'
	return (uintptr_t)k > (uintptr_t)RCE_PORT_CHECKED && n <= RCE_COPY_SMALL;
=====
	return (uintptr_t)k > (uintptr_t)RCE_PORT_CHECKED && (n || 1);
EOF

m uptr-reply-res-pointer-not-moved lib/channel.c "host/test_call" <<'EOF'
			kbuf += sizeof(res);
=====
			kbuf += 0;
EOF

# the multishot receive's pass: the buffer it keeps from one message to
# the next, and the fit test that bounds its copy into it.
m multishot-keeps-a-used-up-run lib/channel.c "host/test_call" <<'EOF'
			*next = rce_pbuf_pop(g, b);
=====
			(void)rce_pbuf_pop(g, b);
EOF

m multishot-buffer-fit-not-checked lib/channel.c "host/test_call" <<'EOF'
	} else if (RC_CHANNEL_INFO_SIZE + m->len > b->len) {
=====
	} else if (0 && RC_CHANNEL_INFO_SIZE + m->len > b->len) {
EOF

m uptr-kernel-pointer-over-two-pages kernel/usercopy.c "kernel/port_copy" <<'EOF'
	if (one_page(addr, len, &page) && (hit = uc_hit(p, page, write)))
		return hit->kva + (addr - page);
=====
	if ((one_page(addr, len, &page) || 1) && (hit = uc_hit(p, page, write)))
		return hit->kva + (addr - page);
EOF

m ucache-empty-slot-matches kernel/usercopy.c "kernel/port_copy" <<'EOF'
	return (s->tag | !write) == (page | UC_VALID | UC_WRITE) ? s : NULL;
=====
	return (s->tag | UC_VALID | !write) == (page | UC_VALID | UC_WRITE) ? s : NULL;
EOF

m kick-ignores-pin kernel/arch/x86_64/smp.c "kernel/kick_one_idle_cpu" <<'EOF'
	if (cpu_only >= 0 && cpu_only < n) {
=====
	if (0) {
EOF

m kick-leaves-idle-set kernel/arch/x86_64/smp.c "kernel/kick_one_idle_cpu" <<'EOF'
			cs[i].idle = false;
			cs[i].kicked = true;
=====
			cs[i].kicked = true;
EOF

m kick-pinned-to-kicked-wakes-none kernel/arch/x86_64/smp.c "kernel/kick_one_idle_cpu" <<'EOF'
		if (c == me || !c->kicked)
=====
		if (1)
EOF

m sched-slot-bound-not-raised kernel/proc.c "kernel/many_procs" <<'EOF'
		procs_used = (int)(p - procs) + 1;
=====
		procs_used = (int)(p - procs) + (p - procs < 8);
EOF

m ucopy-hit-tail-from-start kernel/usercopy.c "kernel/port_copy" <<'EOF'
		__builtin_memcpy(&b, (const uint8_t *)src + n - 8, 8);
=====
		__builtin_memcpy(&b, src, 8);
EOF

m ucopy-hit-two-moves-too-wide kernel/usercopy.c "kernel/port_copy" <<'EOF'
	if (n - 8 <= 8) {
=====
	if (n - 8 <= 16) {
EOF

# kring_wait without its delivery at the top: a wait that finds a ring
# marked never delivers it (it spins on `if (ipc_any) continue`, holding
# the rk lock with interrupts off, until another CPU's rk_unlock or CPU
# 0's tick does). On CPU 0 with CPU 1 idle that is never: the caller of
# a server with a parked receive hangs. ipc_wait_delivers_before_sleeping
# sets that up (ipc_call_reply_across_processes only met it by chance).
m wait-sleeps-before-delivering kernel/kring.c "kernel/ipc_wait_delivers_before_sleeping" <<'EOF'
			rk_unlock(p);
			rk_lock(p);
		}
		if (kr->closed)
=====
		}
		if (kr->closed)
EOF

m ucache-unmap-keeps-translations kernel/ksys.c "kernel/map_unmap" <<'EOF'
			uc_forget(p); /* the port hooks' cached translations (usercopy.c) */
=====
EOF

m map-undo-frees-before-shootdown kernel/ksys.c "kernel/map_undo_frees_after_shootdown" <<'EOF'
			tlb_shootdown();
=====
EOF

m cpu-keeps-left-process-tables kernel/proc.c "kernel/exit_frees_tables_loaded_nowhere" <<'EOF'
	if (c->aspace != kroot)
		aspace_load(c, kroot);
=====
	(void)kroot;
EOF

m ucache-ring-teardown-keeps-translations kernel/kring.c "kernel/port_copy" <<'EOF'
	uc_forget(kr->owner); /* the port hooks' cached translations (usercopy.c) */
=====
EOF

m restrict-can-widen lib/ops.c "host/test_validate" <<'EOF'
	if (r->restricted)
		return -RC_EBUSY;
=====
EOF

m readdir-unsorted hosted/files.c "host/test_readdir" <<'EOF'
			qsort_r(ns.at, ns.n, sizeof(*ns.at), host_name_cmp, ns.bytes);
=====
			(void)host_name_cmp;
EOF

m readdir-ramfs-unsorted user/fs/ramfs.c "host/test_fs" <<'EOF'
	while (*link != FS_NONE && name_before(&fs->nodes[*link], &last))
=====
	while (*link != FS_NONE && name_before(&fs->nodes[*link], &last) && 0)
EOF

m readdir-too-small-is-the-end user/fs/ramfs.c "host/test_fs" <<'EOF'
	if (count == 0 && e != FS_NONE)
		return -RC_EINVAL; /* count cannot hold the entry at offset */
=====
EOF

# ---- checks added for issues 10 and 11: the form check, the CQ count, the
# order of a message whose receive failed ----------------------------------

m form-check-ignores-flags lib/names.c "host/test_validate" <<'EOF'
	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd0 || sqe->rsvd1 ||
=====
	if (!d || sqe->rsvd0 || sqe->rsvd1 ||
EOF

m form-check-ignores-rsvd0 lib/names.c "host/test_validate" <<'EOF'
	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd0 || sqe->rsvd1 ||
=====
	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd1 ||
EOF

m form-check-ignores-rsvd1 lib/names.c "host/test_validate" <<'EOF'
	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd0 || sqe->rsvd1 ||
=====
	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd0 ||
EOF

m form-check-ignores-rsvd-fields lib/names.c "host/test_validate" <<'EOF'
	case RC_FK_RSVD: return v == 0;
=====
	case RC_FK_RSVD: return true;
EOF

m cq-count-unsigned-difference include/ringcall/ringcall.h "host/test_userlib" <<'EOF'
	return d > 0 ? (uint32_t)d : 0;
=====
	return (uint32_t)d;
EOF

m cq-count-off-by-one include/ringcall/ringcall.h "host/test_userlib" <<'EOF'
	return d > 0 ? (uint32_t)d : 0;
=====
	return d > 1 ? (uint32_t)d : 0;
EOF

m failed-receive-message-goes-last lib/channel.c "host/test_call" <<'EOF'
		while (m != h && m->held_for)
			m = m->next;
		return m;
=====
		return h;
EOF

# A CALL's kept short reply not emptied when it parks: a call that ends
# without a reply copies out the last one its request carried.
m call-keeps-a-stale-short-reply lib/channel.c "host/test_call" <<'EOF'
		q->ipc_reply_len = 0;
=====
		(void)0;
EOF

# A server turn that answers no call (a stale generation in each txid):
# only the fuzzer's coverage check sees it (kernel, fuzz_short).
m fuzz-serve-answers-no-call user/fuzz.c "kernel/fuzz_short" <<'EOF'
		rc_prep_channel_reply(s = rc_get_sqe(mainr.r), x1, txs[i].txid, inbuf, below(32),
=====
		rc_prep_channel_reply(s = rc_get_sqe(mainr.r), x1, txs[i].txid ^ (1ull << 40), inbuf, below(32),
EOF

# Multishot CQEs counted as the request's last: the fuzzer sees a second
# CQE for one SQE (kernel, fuzz_short).
m fuzz-multishot-more-ends-it user/fuzz.c "kernel/fuzz_short" <<'EOF'
		if (c->flags & RC_CQE_F_MORE) { /* the multishot stays armed */
=====
		if (c->flags & RC_CQE_F_MORE && !p->ms) { /* the multishot stays armed */
EOF

# ---- the user library's provided-buffer runs (userside) -----------------

# rc_pbuf_done's inline case without its bound: a run grows past the
# pool's last buffer when the engine names the id just after it.
m pbuf-run-past-the-pool include/ringcall/service.h "host/test_service" <<'EOF'
	if (bid == p->next && bid < p->count) {
=====
	if (bid == p->next) {
EOF

# A give-back that queued every run leaves next pointing past the last
# one: the id that would have extended it writes before back[0].
m pbuf-run-extended-after-give-back lib/service.c "asan/test_service host/test_service" <<'EOF'
		p->nback = 0;
		p->next = RC_PBUF_NO_RUN;
=====
		p->nback = 0;
EOF

# A give-back cut short by a full SQ forgets that the kept last run can
# still grow: the next id in order starts a run of its own.
m pbuf-kept-run-not-extended lib/service.c "host/test_service" <<'EOF'
	p->last = &p->back[p->nback - 1];
	return -RC_EBUSY;
=====
	p->last = &p->back[p->nback - 1];
	p->next = RC_PBUF_NO_RUN;
	return -RC_EBUSY;
EOF

# A give-back cut short leaves last at the entry the kept run had before
# it moved to the front: the next id in order grows a stale entry.
m pbuf-last-not-moved lib/service.c "host/test_service" <<'EOF'
	p->last = &p->back[p->nback - 1];
	return -RC_EBUSY;
=====
	return -RC_EBUSY;
EOF

# rc_get_sqe's refresh trusts the engine's head: one ahead of our tail
# makes room that is not there (SQEs the engine has not read reused).
m sq-refresh-trusts-the-head include/ringcall/ringcall.h "host/test_userlib" <<'EOF'
	if (free > r->sq_entries)
		free = 0;
=====
EOF

# The doorbell ring's common submit taken with nothing new: the engine
# is rung (a trap) for nothing.
m bell-submit-rings-for-nothing lib/uring.c "host/test_userlib" <<'EOF'
	if (__builtin_expect(!n || b->prepare || wait_nr > r->cq_entries, 0))
=====
	if (__builtin_expect(b->prepare || wait_nr > r->cq_entries, 0))
EOF

# ... with a wait the CQ cannot hold: no -EINVAL, the caller may wait
# for ever.
m bell-submit-waits-past-the-cq lib/uring.c "host/test_userlib" <<'EOF'
	if (__builtin_expect(!n || b->prepare || wait_nr > r->cq_entries, 0))
=====
	if (__builtin_expect(!n || b->prepare, 0))
EOF

# ... on a ring with a prepare hook: entries published unprepared (the
# kernel's file ops would reach the kernel, not the file server).
m bell-submit-skips-the-prepare-hook lib/uring.c "host/test_userlib" <<'EOF'
	if (__builtin_expect(!n || b->prepare || wait_nr > r->cq_entries, 0))
=====
	if (__builtin_expect(!n || wait_nr > r->cq_entries, 0))
EOF

# rce_finish's quick path (engine_internal.h) taken by a request it must
# not take: one with a chain held behind it (the chain never runs), the
# last read of a chain open at the SQ (the rest of it is held behind a
# freed request), a LINK_TIMEOUT (its op is not cancelled when it fires).
m finish-quick-path-ignores-link lib/engine_internal.h "host/test_flags" <<'EOF'
	if (RCE_UNLIKELY(q->link || r->chain_tail == q || q->sqe.opcode == RC_OP_LINK_TIMEOUT)) {
=====
	if (RCE_UNLIKELY(r->chain_tail == q || q->sqe.opcode == RC_OP_LINK_TIMEOUT)) {
EOF

m finish-quick-path-ignores-chain-tail lib/engine_internal.h "host/test_flags" <<'EOF'
	if (RCE_UNLIKELY(q->link || r->chain_tail == q || q->sqe.opcode == RC_OP_LINK_TIMEOUT)) {
=====
	if (RCE_UNLIKELY(q->link || q->sqe.opcode == RC_OP_LINK_TIMEOUT)) {
EOF

m finish-quick-path-ignores-link-timeout lib/engine_internal.h "host/test_timeout" <<'EOF'
	if (RCE_UNLIKELY(q->link || r->chain_tail == q || q->sqe.opcode == RC_OP_LINK_TIMEOUT)) {
=====
	if (RCE_UNLIKELY(q->link || r->chain_tail == q)) {
EOF

# A request from the pool keeps its last use's flags (ipc_done, parked...).
m req-alloc-keeps-stale-flags lib/engine_internal.h "host/test_channel" <<'EOF'
	q->state_word = 0; /* in_chain, parked, ipc_done, ipc_woken */
=====
	(void)0;
EOF

# A parked request keeps the SQE of its last use (the take loop reads each
# entry into the pool's first request; one read elsewhere must be copied).
m parked-request-keeps-stale-sqe lib/engine_internal.h "host/test_timeout" <<'EOF'
	if (s != &q->sqe)
		q->sqe = *s;
=====
	(void)s;
EOF

# CANCEL's list of found requests left unterminated (rce_pending_del no
# longer clears a request's links: the last one found keeps its old next).
m cancel-found-list-unterminated lib/ops.c "host/test_timeout" <<'EOF'
	*tail = NULL; /* off the pending list, q->next is this list's link */
=====
	(void)0;
EOF

# A made-done request's quick finish (channel.c) ignores the chain ending
# with it, or the chain held behind it.
m done-finish-ignores-chain-tail lib/engine_internal.h "host/test_call" <<'EOF'
	if (RCE_UNLIKELY(q->link || r->chain_tail == q ||
=====
	if (RCE_UNLIKELY(q->link || (made_done ? 0 : r->chain_tail == q) ||
EOF

m done-finish-ignores-link lib/engine_internal.h "host/test_call" <<'EOF'
	if (RCE_UNLIKELY(q->link || r->chain_tail == q ||
=====
	if (RCE_UNLIKELY((made_done ? 0 : q->link) || r->chain_tail == q ||
EOF

# ---- the machinery ------------------------------------------------------

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${names[@]}"
	exit 0
fi
want=("$@")
selected() {
	[ ${#want[@]} -eq 0 ] && return 0
	local w
	for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}

echo "mutants: copying the tree to $work"
rm -rf "$work"
mkdir -p "$orig"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -cf - 2>/dev/null | tar -xf - -C "$orig" || { echo "copy failed"; exit 1; }
cp -a "$orig" "$tree"

echo "mutants: building the unmutated copy"
if ! make -C "$tree" -s -j2 host asan tsan >"$work/build.log" 2>&1; then
	echo "mutants: the unmutated tree does not build:"; tail -20 "$work/build.log"; exit 1
fi

# Apply mutant i to the copy: OLD must occur exactly once.
apply() {
	OLD=${olds[$1]} NEW=${news[$1]} perl -0777 -e '
		my $f = shift;
		open(my $in, "<", $f) or die "cannot read $f\n";
		local $/; my $t = <$in>; close($in);
		my $n = () = $t =~ /\Q$ENV{OLD}\E/g;
		die "the text to replace occurs $n times\n" if $n != 1;
		$t =~ s/\Q$ENV{OLD}\E/$ENV{NEW}/;
		open(my $out, ">", $f) or die "cannot write $f\n";
		print $out $t; close($out);
	' "$tree/${files[$1]}"
}

# Which tests of the red suite failed (TAP, or the kernel's FAIL lines),
# else how it died.
why_red() {
	local t
	t=$(grep -E '^not ok [0-9]+ - ' "$work/run.log" | sed 's/^not ok [0-9]* - //' | grep -vx tests |
		head -3 | paste -sd, -)
	[ -n "$t" ] || t=$(grep -aE '^(FAIL|PANIC) ' "$work/run.log" | head -1 | cut -c1-100)
	if [ -n "$t" ]; then echo "$t"
	elif grep -q 'Sanitizer' "$work/run.log"; then echo "sanitizer report"
	else echo "crashed or timed out"
	fi
}

# The suites for mutant i, named ones first: echo the first red one.
first_red() {
	local list=() b seen=" "
	for b in ${suites[$1]}; do
		case $b in kernel/*) list+=("$b") ;; *) list+=("${b%%/*}/tests/${b#*/}") ;; esac
	done
	for b in "$tree"/build/host/tests/test_* "$tree"/build/asan/tests/test_*; do
		list+=("${b#"$tree"/build/}")
	done
	for b in "${list[@]}"; do
		case "$seen" in *" $b "*) continue ;; esac
		seen="$seen$b "
		if [ "${b%%/*}" = kernel ]; then
			if ! (cd "$tree" && K_TEST_TIMEOUT=120 K_TEST_LOG="$work/kernel.log" \
				kernel/run-tests.sh build/kernel/kernel.img only "${b#kernel/}") \
				>"$work/run.log" 2>&1; then
				echo "$b ($(why_red))"
				return 0
			fi
			continue
		fi
		if [ ! -x "$tree/build/$b" ]; then
			echo "mutants.sh: no suite build/$b" >&2
			exit 2
		fi
		if ! (cd "$tree" && CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "build/$b" >"$work/run.log" 2>&1) \
			2>/dev/null; then
			echo "$b ($(why_red))"
			return 0
		fi
	done
	return 1
}

killed=0 total=0 bad=()
for i in "${!names[@]}"; do
	selected "${names[$i]}" || continue
	total=$((total + 1))
	f=${files[$i]}
	variants="host asan"
	case " ${suites[$i]} " in *" tsan/"*) variants="host asan tsan" ;; esac
	case " ${suites[$i]} " in *" kernel/"*) variants="$variants kernel" ;; esac
	printf '%-32s ' "${names[$i]}"
	if ! apply "$i" 2>"$work/apply.log"; then
		echo "DID NOT APPLY to $f ($(cat "$work/apply.log")): update the mutant"
		bad+=("${names[$i]}")
	elif ! make -C "$tree" -s -j2 $variants >"$work/build.log" 2>&1; then
		echo "DID NOT BUILD (see below): fix the mutant"
		tail -5 "$work/build.log" | sed 's/^/    /'
		bad+=("${names[$i]}")
	elif red=$(first_red "$i"); then
		echo "killed by $red"
		killed=$((killed + 1))
	elif [ $? -eq 2 ]; then
		echo "a suite it names does not exist: fix the mutant"
		bad+=("${names[$i]}")
	else
		echo "SURVIVED: no suite failed"
		bad+=("${names[$i]}")
	fi
	cp "$orig/$f" "$tree/$f" # unplant (a fresh mtime: the next build redoes it)
done

echo "$killed of $total mutants killed"
if [ ${#bad[@]} -gt 0 ]; then
	echo "not killed: ${bad[*]}"
	exit 1
fi
