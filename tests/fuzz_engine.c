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
 * Files: a small read-only root (fz_root_make) and paths into it at the
 * region's end, so OPEN, READ and READDIR run their handlers, not only
 * their decode (corpus readdir-*: OPEN with RC_OPEN_DIRECTORY, READDIR).
 *
 *   make fuzz            (60 s; FUZZ_SECONDS=N to change)
 *   tests/corpus/fuzz_engine/ is the kept corpus; docs/testing.md has the
 *   long run's record.
 */
#define _GNU_SOURCE
#include "../lib/engine_internal.h" /* white-box: reads the engine's own fields */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ringcall/hosted.h"
#include "ringcall/engine.h"
#include "host.h"
#include "local.h"

#define FZ_MAX_SQ 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A root for OPEN, READ and READDIR to reach (read-only for the client: the
 * fuzzer changes nothing there): "sub" with two files and a directory,
 * in /tmp, removed at exit. */
static char fz_root[64];

static void fz_root_remove(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_root);
	(void)!system(cmd);
}

static void fz_root_make(struct rc_ring *r)
{
	static const char *const files[] = { "sub/b", "sub/a-longer-name" };

	snprintf(fz_root, sizeof(fz_root), "/tmp/fuzz_engine-root-XXXXXX");
	if (!mkdtemp(fz_root))
		abort();
	atexit(fz_root_remove);
	int dfd = open(fz_root, O_PATH | O_DIRECTORY);
	if (dfd < 0 || mkdirat(dfd, "sub", 0700) || mkdirat(dfd, "sub/dir", 0700))
		abort();
	for (unsigned i = 0; i < 2; i++) {
		int fd = openat(dfd, files[i], O_CREAT | O_WRONLY, 0600);
		if (fd < 0 || write(fd, "ringcall", 8) != 8)
			abort();
		close(fd);
	}
	close(dfd);
	if (rc_inproc_set_root(r, fz_root))
		abort();
}

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
		fz_root_make(&r);
		c->policy.read_only = true;
	}
	if (size < 1)
		return 0;
	e = &c->ring;
	rce_ring_destroy(e);
	/* Paths for OPEN at the region's last 64 bytes (an input writes only
	 * SQEs): "sub" at size - 64, "sub/b" at - 56, "sub/dir" at - 48,
	 * "." at - 40, ".." at - 32. Rewritten each input: ops write there. */
	memcpy(c->mem.base + c->mem.size - 64,
	       "sub\0\0\0\0\0sub/b\0\0\0sub/dir\0.\0\0\0\0\0\0\0..\0\0\0\0\0\0", 40);
	/* A fresh handle table too: files and channels an input opened are
	 * closed, and the next input's handles are numbered as if first. */
	uint32_t max_handles = c->ctx.max_handles;
	struct rce_acct *acct = c->ctx.acct; /* the client's, kept: all of it given back */
	rce_ctx_destroy(&c->ctx);
	if (rce_ctx_init(&c->ctx, &host_handlers, &c->mem, max_handles))
		abort();
	c->ctx.acct = acct;
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
