/*
 * fuzz_engine.c - libFuzzer target: arbitrary bytes as SQEs and ring
 * indices, fed to the engine in-process. Looks for crashes and sanitizer
 * reports (out-of-bounds, overflow, use-after-free) and checks the
 * engine's own accounts after every run.
 *
 * Input: one byte choosing the ring's geometry and mode, then steps of
 * 8 bytes (SQ tail and CQ head offsets, a budget) followed by up to a
 * ring's worth of SQE bytes. Each input starts from a fresh engine ring
 * (the state of one input never leaks into the next, so every finding
 * reproduces from its file), and user pointers are small numbers (the
 * region is seen at user address 0) so that buffers land in it often.
 *
 *   make fuzz            (60 s; FUZZ_SECONDS=N to change)
 *   tests/corpus/fuzz_engine/ is the kept corpus; docs/testing.md has the
 *   long run's record.
 */
#define _GNU_SOURCE
#include "../lib/engine_internal.h" /* white-box: reads the engine's own fields */
#include <stdlib.h>
#include <string.h>
#include "ringcall/hosted.h"
#include "ringcall/engine.h"
#include "host.h"
#include "local.h"

#define FZ_MAX_SQ 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ring geometry and mode one config byte selects. */
static struct rce_ring_params fz_params(uint8_t c)
{
	static const uint32_t backlog[4] = { 0, 1, 3, 64 };
	uint32_t sq = 1u << (c & 3) * 4 / 3; /* 1, 2, 4, 16 */
	struct rce_ring_params p = { .sq_entries = sq,
				     .cq_entries = sq << (c >> 2 & 1),
				     .backlog_entries = backlog[c >> 3 & 3],
				     .setup_flags = (c & 0x80) ? RC_SETUP_POLL : 0 };
	return p;
}

/* What must hold after every run, whatever the user wrote. */
static void fz_check(struct rce_ring *e)
{
	if (e->inflight + e->backlog_count > e->cap)
		abort(); /* a completion with nowhere to go */
	if (e->pub_cq_tail != e->cq_tail || e->hdr->cq_tail != e->cq_tail)
		abort(); /* a CQE written and not published */
	if (e->hdr->sq_head != e->sq_head)
		abort(); /* an SQE taken and its slot not given back */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_ring r;
	static struct host_client *c;
	struct rce_ring_params p;
	struct rce_ring *e;

	if (!c) {
		struct rc_params rp = { .sq_entries = FZ_MAX_SQ,
					.cq_entries = 2 * FZ_MAX_SQ,
					.data_bytes = 64u << 10 };

		if (rc_inproc_init(&r, &rp))
			abort();
		c = rc_inproc_client(&r);
		c->mem.user_base = 0; /* user pointers are offsets into the region */
	}
	if (size < 1)
		return 0;
	e = &c->ring;
	rce_ring_destroy(e);
	p = fz_params(data[0]);
	if (rce_ring_init(e, &c->ctx, c->mem.base, c->mem.data_off, &p))
		abort();
	data++, size--;
	while (size >= 8) {
		uint32_t tail_delta, head_delta, budget;
		size_t n = size - 8 < e->sq_entries * 64u ? size - 8 : e->sq_entries * 64u;

		memcpy(&tail_delta, data, 4);
		memcpy(&head_delta, data + 4, 4);
		memcpy(e->sqes, data + 8, n);
		budget = head_delta >> 24;
		budget = budget < 4 ? budget : UINT32_MAX;
		e->hdr->sq_tail = e->sq_head +
				  (tail_delta % 64 == 63 ? tail_delta : tail_delta % 24);
		e->hdr->cq_head = e->cq_tail - (head_delta % 8 == 7 ? head_delta : head_delta % 40);
		(void)rce_ring_run(e, budget);
		fz_check(e);
		data += 8 + n;
		size -= 8 + n;
	}
	return 0;
}
