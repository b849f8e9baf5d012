/*
 * ktrace.c - booted with `trace` on the command line, the kernel prints
 * every ring's requests and results on the serial console, decoded from
 * the table as ringcall-server --trace does:
 *
 *   trace: pid 3 ring 65537: CONSOLE_WRITE(buf=0x10000, len=12)
 *   trace: pid 3 ring 65537: user_data=0x0 = 12
 *
 * (a line per SQE when the engine takes it, a line per CQE when it is
 * published: requests park and complete out of order here). Without
 * `trace` no ring gets a tracer, and the engine's cost is one branch per
 * pass. The hooks run under the owner's lock, wherever the engine runs
 * (enter, the poller, the timer): kprintf takes the console lock only.
 */
#include "kernel.h"
#include "kring.h"
#include "proc.h"
#include "ringcall/ringcall.h"
#include "ringcall/table.h"

static void kt_sqes(const struct rce_tracer *t, struct rce_ring *r, const struct rc_sqe *sqes,
		    uint32_t n)
{
	struct kring *kr = kring_of(r);
	char text[200];
	(void)t;
	for (uint32_t i = 0; i < n; i++)
		kprintf("trace: pid %d ring %d: %s\n", kr->owner->pid, kr->handle,
			rc_format_sqe(&sqes[i], text, sizeof(text)));
}

static void kt_cqes(const struct rce_tracer *t, struct rce_ring *r, uint32_t from, uint32_t to)
{
	struct kring *kr = kring_of(r);
	(void)t;
	for (uint32_t i = from; i != to; i++) {
		const struct rc_cqe *cqe = rce_ring_cqe(r, i);
		uint64_t ud = rc_load_relaxed64(&cqe->user_data);
		int32_t res = (int32_t)rc_load_relaxed((const uint32_t *)&cqe->res);
		const char *err = rc_err_name(res);
		if (err)
			kprintf("trace: pid %d ring %d: user_data=0x%lx = -%s\n", kr->owner->pid,
				kr->handle, (unsigned long)ud, err);
		else
			kprintf("trace: pid %d ring %d: user_data=0x%lx = %d\n", kr->owner->pid,
				kr->handle, (unsigned long)ud, res);
	}
}

static const struct rce_tracer kt_ops = { .sqes = kt_sqes, .cqes = kt_cqes };

/* A new ring: traced if the kernel was booted with `trace`. */
void ktrace_attach(struct kring *kr)
{
	if (cmdline_has("trace"))
		rce_ring_set_tracer(&kr->r, &kt_ops);
}
