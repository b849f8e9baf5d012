/*
 * fuzz_engine.c - libFuzzer target: arbitrary bytes as SQEs and ring
 * indices, fed to the engine in-process. Looks for crashes and sanitizer
 * reports (out-of-bounds, overflow, use-after-free) and checks the
 * engine's own accounts after every run.
 *
 *   make fuzz            (60 s; FUZZ_SECONDS=N to change)
 */
#include <stdlib.h>
#include <string.h>
#include "ringcall/hosted.h"
#include "ringcall/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_ring r;
	static bool ready;
	struct rce_ring *e;

	if (!ready) {
		struct rc_params p = { .sq_entries = 16, .cq_entries = 32, .backlog_entries = 64 };

		if (rc_inproc_init(&r, &p))
			abort();
		ready = true;
	}
	e = rc_inproc_engine(&r);
	while (size >= 8) {
		uint32_t tail_delta, head_delta;
		size_t n = size - 8 < 16 * 64 ? size - 8 : 16 * 64;

		memcpy(&tail_delta, data, 4);
		memcpy(&head_delta, data + 4, 4);
		memcpy(r.sqes, data + 8, n);
		r.hdr->sq_tail = e->sq_head + (tail_delta % 64 == 63 ? tail_delta : tail_delta % 24);
		r.hdr->cq_head = e->cq_tail - (head_delta % 8 == 7 ? head_delta : head_delta % 40);
		(void)rce_ring_run(e, UINT32_MAX);
		if (e->inflight + e->backlog_count > e->cap || e->pub_cq_tail != e->cq_tail)
			abort();
		data += 8 + n;
		size -= 8 + n;
	}
	return 0;
}
