/*
 * port_minimal.c - the smallest complete port of the engine, as a kernel
 * that can only hand out single 4 KiB pages would write it (docs/porting.md
 * walks through it). One process, no threads: "user memory" is an arena,
 * the "kernel" allocates whole pages, the user library's backend calls
 * rce_ring_run directly, a fake clock stands in for the timer.
 *
 * Built and run by scripts/check-porting.sh with the engine (lib/engine.c,
 * ops.c, handles.c) and the user library (lib/uring.c, names.c, version.c)
 * and nothing else: no hosted runtime.
 */
#include <stdio.h>
#include <string.h>
#include "ringcall/engine.h"
#include "ringcall/ringcall.h"
#include "ringcall/table.h"

#define PAGE 4096u

#define CHECK(c)                                                                    \
	do {                                                                        \
		if (!(c)) {                                                         \
			printf("port_minimal: FAILED line %d: %s\n", __LINE__, #c); \
			return 1;                                                   \
		}                                                                   \
	} while (0)

/* ---- the kernel's page allocator: single pages only ---- */
static _Alignas(PAGE) uint8_t pool[16][PAGE];
static bool pool_used[16];
static size_t allocs[16], nallocs, live_pages;

void *rce_port_alloc(size_t bytes)
{
	allocs[nallocs++ % 16] = bytes; /* the log the guide's table comes from */
	if (bytes > PAGE)
		return NULL; /* no contiguous multi-page allocations here */
	for (unsigned i = 0; i < 16; i++)
		if (!pool_used[i]) {
			pool_used[i] = true;
			live_pages++;
			memset(pool[i], 0, PAGE);
			return pool[i];
		}
	return NULL;
}

void rce_port_free(void *p, size_t bytes)
{
	(void)bytes;
	for (unsigned i = 0; i < 16; i++)
		if (p == pool[i]) {
			pool_used[i] = false;
			live_pages--;
		}
}

/* ---- the caller's memory: one arena; addresses are its offsets + BASE ---- */
#define BASE UINT64_C(0x400000)
static uint8_t user_mem[2 * PAGE];

static bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr >= BASE && addr - BASE <= sizeof(user_mem) &&
	       len <= sizeof(user_mem) - (addr - BASE);
}

/* The smallest answer: a check, no pointer (every copy through the hooks
 * below). */
void *rce_port_user_ptr(struct rce_ctx *ctx, uint64_t addr, uint64_t len, int write)
{
	(void)ctx;
	(void)write;
	return user_range_ok(addr, len) ? RCE_PORT_CHECKED : NULL;
}

int rce_port_copy_in(struct rce_ctx *ctx, void *dst, uint64_t src, uint64_t len)
{
	(void)ctx;
	if (!user_range_ok(src, len))
		return -RC_EFAULT; /* re-checked at copy time: the check can be stale */
	memcpy(dst, user_mem + (src - BASE), len);
	return 0;
}

int rce_port_copy_out(struct rce_ctx *ctx, uint64_t dst, const void *src, uint64_t len)
{
	(void)ctx;
	if (!user_range_ok(dst, len))
		return -RC_EFAULT;
	memcpy(user_mem + (dst - BASE), src, len);
	return 0;
}

static uint64_t clock_ns;
uint64_t rce_port_now_ns(void)
{
	return clock_ns;
}

static unsigned notifies;
void rce_port_notify(struct rce_ring *ring)
{
	(void)ring;
	notifies++; /* a real kernel wakes the ring's sleeper here */
}

/* ---- the kernel's handlers: CONSOLE_WRITE only (it offers no other
 * platform row, so the rest answer -EOPNOTSUPP) ---- */
static char console[256];
static size_t console_len;

static int32_t k_console_write(struct rce_call *c, const struct rce_args_console_write *a)
{
	uint32_t n = a->buf.len < sizeof(console) - console_len
			     ? a->buf.len
			     : (uint32_t)(sizeof(console) - console_len);

	if (rce_copy_in(c, console + console_len, a->buf, 0, n))
		return -RC_EFAULT;
	console_len += n;
	return (int32_t)n;
}

static void k_close_object(struct rce_ctx *ctx, uint32_t type, void *obj)
{
	(void)ctx, (void)type, (void)obj;
}

/* MAP: one of the KERNEL rows; this port offers it and no other. */
static int32_t k_map(struct rce_call *c, const struct rce_args_map *a)
{
	(void)c;
	return a->addr == 0x7fff0000 ? 0 : -RC_EINVAL;
}

static const struct rce_handlers k_handlers = {
	.console_write = k_console_write,
	.map = k_map,
	.close_object = k_close_object,
};

/* ---- the user side: the enter "trap" runs the engine at once ---- */
static struct rce_ring eng;

static int k_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags)
{
	int ret;

	(void)r, (void)to_submit;
	ret = rce_ring_run(&eng, UINT32_MAX); /* syscall context: any budget */
	if (ret < 0 && ret != -RC_EBUSY)
		return ret;
	/* A real kernel would sleep here until min_complete CQEs are ready
	 * (woken by rce_port_notify), or return -EDEADLK if nothing in
	 * flight could complete; this one never parks anything. */
	if ((flags & RC_ENTER_GETEVENTS) && rc_cq_ready(r) < min_complete &&
	    !rce_ring_inflight(&eng))
		return -RC_EDEADLK;
	return ret == -RC_EBUSY ? ret : 0;
}

static const struct rc_backend k_backend = { .enter = k_enter };

int main(void)
{
	struct rce_ring_params params = { .sq_entries = 16, .cq_entries = 32 };
	struct rce_ctx ctx;
	struct rc_ring ur;
	struct rc_cqe *cqe;
	void *region;
	size_t ctx_bytes;
	char *text = (char *)user_mem + 1024;

	/* Per caller: the handle table, max_handles * 16 bytes. 256 fit a page. */
	CHECK(rce_ctx_init(&ctx, &k_handlers, NULL, 256) == 0);
	ctx_bytes = allocs[0];
	CHECK(ctx_bytes == 256 * sizeof(struct rce_handle_slot) && ctx_bytes <= PAGE);

	/* The ring region: rc_ring_bytes(16, 32) = 2112 bytes, one page,
	 * contiguous in the kernel's view (the engine addresses it as one
	 * array) and mapped to the user. */
	region = rce_port_alloc(PAGE);
	CHECK(rc_ring_bytes(16, 32) == 2112);

	/* The default backlog is cq_entries = 32 requests: the request pool
	 * would need 32 * RCE_REQ_SIZE bytes, more than a page. */
	nallocs = 0;
	CHECK(rce_ring_init(&eng, &ctx, region, PAGE, &params) == -RC_ENOMEM);
	CHECK(allocs[0] == 32 * sizeof(struct rc_cqe)); /* backlog */
	CHECK(allocs[1] == 32 * RCE_REQ_SIZE);		/* request pool */
	CHECK(allocs[1] > PAGE);
	CHECK(live_pages == 2); /* the failed init gave its page back */

	/* So size the backlog to what one page of requests holds. */
	params.backlog_entries = PAGE / RCE_REQ_SIZE;
	nallocs = 0;
	CHECK(rce_ring_init(&eng, &ctx, region, PAGE, &params) == 0);
	CHECK(nallocs == 3 && allocs[0] <= PAGE && allocs[1] <= PAGE && allocs[2] <= PAGE);
	CHECK(allocs[2] ==
	      2 * params.backlog_entries * sizeof(struct rce_req *)); /* TIMEOUT heaps */
	printf("port_minimal: handle table %zu B, ring region %u B, backlog %zu B, "
	       "request pool %zu B (%u requests of %zu B)\n",
	       ctx_bytes, rc_ring_bytes(16, 32), allocs[0], allocs[1], params.backlog_entries,
	       (size_t)RCE_REQ_SIZE);

	/* The user's view: attach, submit, reap through the library. */
	CHECK(rc_ring_attach(&ur, region, rc_ring_bytes(16, 32), &k_backend, NULL) == 0);
	strcpy(text, "hello from a one-page port\n");
	rc_prep_console_write(rc_get_sqe(&ur), (const void *)(uintptr_t)(BASE + 1024),
			      (uint32_t)strlen(text));
	rc_prep_read(rc_get_sqe(&ur), 1, (void *)(uintptr_t)BASE, 16, 0); /* not offered */
	CHECK(rc_submit_and_wait(&ur, 2) == 2);
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == (int32_t)strlen(text));
	rc_cqe_seen(&ur, cqe);
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == -RC_EOPNOTSUPP);
	rc_cqe_seen(&ur, cqe);
	CHECK(console_len == strlen(text) && !memcmp(console, text, console_len));

	/* This port's user half ends at RC_UADDR_MAX = 0x7fffffff000 (it is
	 * compiled with -DRC_UADDR_MAX=...): the table, decode and the
	 * reference all take the platform's value. */
	CHECK(rc_op_desc(RC_OP_MAP)->fields[0].b == UINT64_C(0x7fffffff000));
	rc_prep_map(rc_get_sqe(&ur), 0x7fff0000, 1, 0);
	rc_prep_map(rc_get_sqe(&ur), UINT64_C(0x7ffffffff000), 1, 0); /* x86_64's max, not ours */
	rc_prep_wait(rc_get_sqe(&ur), 0, 0, NULL, 0); /* a KERNEL row it does not offer */
	CHECK(rc_submit_and_wait(&ur, 3) == 3);
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == 0);
	rc_cqe_seen(&ur, cqe);
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == -RC_EINVAL);
	rc_cqe_seen(&ur, cqe);
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == -RC_EOPNOTSUPP);
	rc_cqe_seen(&ur, cqe);
	CHECK(!strcmp(rc_err_name(-RC_EINTR), "EINTR"));

	/* A TIMEOUT fires only when something runs the engine after its
	 * deadline: the kernel's timer tick calls rce_ring_run(r, 0). */
	rc_prep_timeout(rc_get_sqe(&ur), 1000, 0, 0);
	CHECK(rc_submit(&ur) == 1);
	CHECK(rc_cq_ready(&ur) == 0 && rce_ring_next_deadline(&eng) == 1000);
	clock_ns = 2000;
	CHECK(rce_ring_run(&eng, 0) == 0); /* the "timer interrupt" */
	CHECK(rc_wait_cqe(&ur, &cqe) == 0 && cqe->res == -RC_ETIME);
	rc_cqe_seen(&ur, cqe);
	CHECK(notifies > 0);

	/* Teardown: rings, then the ctx, then (in a kernel) the memory. */
	rce_ring_destroy(&eng);
	rce_ctx_destroy(&ctx);
	rce_port_free(region, PAGE);
	CHECK(live_pages == 0);
	printf("port_minimal: console write, -EOPNOTSUPP for an op not offered, a timeout "
	       "fired from the timer, every page given back\n");
	return 0;
}
