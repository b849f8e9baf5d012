/*
 * trace.c - ringcall-server --trace: strace for rings.
 *
 * The engine shows a traced ring's tracer every SQE it takes (its private
 * copy, before decode) and every range of CQEs it publishes. The tracer
 * keeps each request until its CQE, then prints one line:
 *
 *   pid 4242 ring 1: READ(handle=65537, buf=0x7f.., len=4096, offset=0) = 4096  [12 us]
 *
 * A rejected entry carries rc_explain's sentence; LINK, DRAIN and
 * SKIP_SUCCESS show as [flags] (a SKIP_SUCCESS entry is printed when taken,
 * since it has no CQE if it succeeds). It runs in the ring's worker thread,
 * under the engine's serialisation; it only reads, so results are the same
 * traced or not. Only rings of the traced pids get a tracer: the others
 * pay nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "ringcall/table.h"

#define TRACE_PENDING 256u /* requests remembered per ring until their CQE */

struct trace_pending {
	struct rc_sqe sqe;
	uint64_t t0;
	char path[96]; /* audit: an OPEN's path as it read when taken, quoted */
};

struct host_trace {
	struct rce_tracer ops; /* first: the engine hands it back */
	const struct host_trace_cfg *cfg;
	struct host_mem *mem; /* the client's memory (an OPEN's path, audited) */
	char who[128];	      /* "pid P ring R", or with uid and name (audit) */
	uint32_t head, count; /* FIFO of pending requests */
	struct trace_pending pending[TRACE_PENDING];
};

static bool op_traced(const struct host_trace *t, uint8_t opcode)
{
	return opcode >= 64 || (t->cfg->ops >> opcode & 1);
}

/* Audit: an OPEN names its file by the path in the client's memory, not
 * by an address: keep it, as it reads now (the handler reads it next),
 * quoted, non-printable bytes as '?'. */
static void trace_path(const struct host_trace *t, struct trace_pending *p)
{
	const struct rc_args_open *a = &p->sqe.args.open;
	const uint8_t *src;
	uint32_t n, k = 0;

	p->path[0] = 0;
	if (!t->cfg->identity || p->sqe.opcode != RC_OP_OPEN)
		return;
	n = a->path_len < sizeof(p->path) - 8 ? a->path_len : sizeof(p->path) - 8;
	src = host_user_ptr(t->mem, a->path, n);
	if (!src)
		return;
	p->path[k++] = ' ';
	p->path[k++] = '"';
	for (uint32_t j = 0; j < n; j++)
		p->path[k++] = src[j] >= 0x20 && src[j] < 0x7f && src[j] != '"' ? (char)src[j]
										: '?';
	if (n < a->path_len)
		p->path[k++] = '.', p->path[k++] = '.', p->path[k++] = '.';
	p->path[k++] = '"';
	p->path[k] = 0;
}

static void trace_sqes(const struct rce_tracer *ops, struct rce_ring *r, const struct rc_sqe *sqes,
		       uint32_t n)
{
	struct host_trace *t = (struct host_trace *)ops;
	uint64_t now = host_now_ns();
	char text[512];

	(void)r;
	for (uint32_t i = 0; i < n; i++) {
		struct trace_pending *p;

		if (sqes[i].flags & RC_SQE_SKIP_SUCCESS && op_traced(t, sqes[i].opcode))
			fprintf(t->cfg->out, "%s: %s (no CQE if it succeeds)\n", t->who,
				rc_format_sqe(&sqes[i], text, sizeof(text)));
		if (t->count == TRACE_PENDING) { /* forget the oldest: it will print bare */
			t->head = (t->head + 1) % TRACE_PENDING;
			t->count--;
		}
		p = &t->pending[(t->head + t->count++) % TRACE_PENDING];
		p->sqe = sqes[i];
		p->t0 = now;
		trace_path(t, p);
	}
}

/* Take the oldest pending request a CQE (user_data, res) can belong to: a
 * SKIP_SUCCESS one only if res failed. SKIP_SUCCESS requests older than
 * the match have succeeded (the engine completes in order within a chain
 * and a batch), so they go. Return false if none matches. */
static bool take_pending(struct host_trace *t, uint64_t user_data, int32_t res,
			 struct trace_pending *out)
{
	for (uint32_t k = 0; k < t->count; k++) {
		struct trace_pending *p = &t->pending[(t->head + k) % TRACE_PENDING];

		if (p->sqe.user_data != user_data ||
		    (p->sqe.flags & RC_SQE_SKIP_SUCCESS && res >= 0))
			continue;
		*out = *p;
		/* Close the gap: move the older ones up by one. */
		for (uint32_t j = k; j > 0; j--)
			t->pending[(t->head + j) % TRACE_PENDING] =
				t->pending[(t->head + j - 1) % TRACE_PENDING];
		t->head = (t->head + 1) % TRACE_PENDING;
		t->count--;
		while (t->count && k-- > 0 &&
		       (t->pending[t->head].sqe.flags & RC_SQE_SKIP_SUCCESS)) {
			t->head = (t->head + 1) % TRACE_PENDING;
			t->count--;
		}
		return true;
	}
	return false;
}

static void trace_cqes(const struct rce_tracer *ops, struct rce_ring *r, uint32_t from, uint32_t to)
{
	struct host_trace *t = (struct host_trace *)ops;
	uint64_t now = host_now_ns();
	struct rc_ring view = { .hdr = rce_ring_hdr(r) }; /* all rc_explain reads */
	char text[512], why[256];

	uint32_t cq_entries = rce_ring_cq_entries(r);

	if (to - from > cq_entries) { /* lapped within one run: the rest is gone */
		fprintf(t->cfg->out, "%s: (%u completions not traced)\n", t->who,
			to - from - cq_entries);
		from = to - cq_entries;
	}
	for (uint32_t i = from; i != to; i++) {
		const struct rc_cqe *shared = rce_ring_cqe(r, i);
		struct rc_cqe cqe = {
			.user_data = rc_load_relaxed64(&shared->user_data),
			.res = (int32_t)rc_load_relaxed((const uint32_t *)&shared->res),
			.flags = rc_load_relaxed(&shared->flags)
		}; /* REJECTED, its number */
		struct trace_pending p;
		bool known = take_pending(t, cqe.user_data, cqe.res, &p);
		const char *err = rc_err_name(cqe.res);
		char result[320];

		if (known && !op_traced(t, p.sqe.opcode))
			continue;
		if (!known && t->cfg->ops != UINT64_MAX)
			continue; /* cannot tell its opcode: filtered */
		if (cqe.res >= 0)
			snprintf(result, sizeof(result), "%d", cqe.res);
		else if (rc_explain(&view, &cqe, why, sizeof(why)) && strchr(why, ':'))
			snprintf(result, sizeof(result), "-%s: %s", err ? err : "E?", why);
		else
			snprintf(result, sizeof(result), "-%s", err ? err : "E?");
		if (known)
			fprintf(t->cfg->out, "%s: %s%s = %s  [%llu us]\n", t->who,
				rc_format_sqe(&p.sqe, text, sizeof(text)), p.path, result,
				(unsigned long long)((now - p.t0) / 1000));
		else
			fprintf(t->cfg->out, "%s: user_data=0x%llx = %s\n", t->who,
				(unsigned long long)cqe.user_data, result);
	}
}

int host_trace_attach(struct host_client *c, const struct host_trace_cfg *cfg, uint32_t pid,
		      const char *name)
{
	struct host_trace *t;

	if (cfg->pid && cfg->pid != pid)
		return 0; /* not traced: no tracer, no cost */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -RC_ENOMEM;
	t->ops = (struct rce_tracer){ .sqes = trace_sqes, .cqes = trace_cqes };
	t->cfg = cfg;
	t->mem = &c->mem;
	if (cfg->identity)
		snprintf(t->who, sizeof(t->who), "pid %u uid %u name %s ring %u", pid, c->uid,
			 name ? name : "?", c->id);
	else
		snprintf(t->who, sizeof(t->who), "pid %u ring %u", pid, c->id);
	c->trace = t;
	rce_ring_set_tracer(&c->ring, &t->ops);
	return 0;
}

void host_trace_note(struct host_trace *t, const char *text)
{
	if (t)
		fprintf(t->cfg->out, "%s: %s\n", t->who, text);
}

void host_trace_free(struct host_trace *t)
{
	if (t && t->cfg->identity)
		fprintf(t->cfg->out, "%s: gone (its handles closed, its requests dropped)\n",
			t->who);
	free(t);
}

int host_trace_parse_ops(const char *list, uint64_t *mask)
{
	*mask = 0;
	while (*list) {
		size_t len = strcspn(list, ",");
		unsigned op;

		for (op = 0; op < 64; op++) {
			const char *name = rc_op_name(op);

			if (name && strlen(name) == len && !strncasecmp(name, list, len))
				break;
		}
		if (op == 64)
			return -1;
		*mask |= UINT64_C(1) << op;
		list += len + (list[len] == ',');
	}
	return *mask ? 0 : -1;
}
