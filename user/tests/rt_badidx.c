/*
 * rt_badidx - garbage in the shared ring header and bad enter arguments:
 * impossible SQ tails are refused (sq_dropped), a garbage CQ head parks
 * CQEs in the backlog, scribbled geometry is ignored; the ring recovers
 * once the indices are sane again, and nothing else is disturbed.
 */
#include "ulib.h"

#define RB 0x700000000ul

static struct rc_ring r;
static uint32_t h;

/* enter on ring r, with the raw trap. */
static long kick(uint32_t min, uint32_t flags)
{
	return rt_enter(h, 0, min, flags | RC_ENTER_SQ_WAKEUP);
}

int main(void)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_ring_create(s, RB, 8, 16, 0);
	h = (uint32_t)rt_sync(s);
	CHECK_EQ(rc_ring_attach(&r, (void *)RB, rc_ring_bytes(8, 16), &rt_backend,
				(void *)(uintptr_t)h),
		 0);
	struct rc_ring_hdr *hdr = r.hdr;
	struct rc_cqe *cqe;

	/* SQ tail far ahead, then behind the head: refused, counted, no CQE. */
	rc_prep_nop(rc_get_sqe(&r), 1);
	hdr->sq_tail = r.sqe_tail + 1000;
	CHECK_EQ(kick(0, 0), 0);
	hdr->sq_tail = r.sqe_tail - 2;
	CHECK_EQ(kick(0, 0), 0);
	CHECK_EQ(hdr->sq_dropped, 2);
	CHECK_EQ(rc_cq_ready(&r), 0);
	/* Repaired: the entry runs, once. */
	CHECK_EQ(rc_submit_and_wait(&r, 1), 1);
	CHECK_EQ(rc_wait_cqe(&r, &cqe), 0);
	CHECK_EQ(cqe->res, 1);
	rc_cqe_seen(&r, cqe);
	CHECK_EQ(rc_cq_ready(&r), 0);

	/* A full CQ, then a garbage CQ head (ahead of the tail): the engine
     * reads the head only when its copy says full, sees no room, and
     * CQEs wait in the backlog. */
	uint32_t good_head = r.cq_head;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 8; i++)
			rc_prep_nop(rc_get_sqe(&r), i);
		CHECK_EQ(rc_submit(&r), 8);
	}
	CHECK_EQ(rc_cq_ready(&r), 16);
	hdr->cq_head = good_head + 100;
	for (int i = 0; i < 3; i++)
		rc_prep_nop(rc_get_sqe(&r), 10 + i);
	CHECK_EQ(rc_submit(&r), 3);
	CHECK(hdr->flags & RC_RING_CQ_OVERFLOW, "no overflow flag");
	CHECK_EQ(hdr->cq_overflow, 3);
	/* Repaired (the 16 read): the next enter flushes them, in order. */
	rc_cq_advance(&r, 16);
	CHECK_EQ(kick(3, RC_ENTER_GETEVENTS), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(rc_wait_cqe(&r, &cqe), 0);
		CHECK_EQ(cqe->res, 10 + i);
		rc_cqe_seen(&r, cqe);
	}
	CHECK(!(hdr->flags & RC_RING_CQ_OVERFLOW), "overflow flag stuck");
	good_head = r.cq_head;

	/* A head that claims everything is ready: the wait returns at once
     * (the lie hurts only us); an honest one with nothing in flight: -EDEADLK. */
	hdr->cq_head = good_head - 1000;
	CHECK_EQ(kick(8, RC_ENTER_GETEVENTS), 0);
	hdr->cq_head = r.cq_head;
	CHECK_EQ(kick(1, RC_ENTER_GETEVENTS), -RC_EDEADLK);

	/* Geometry and engine-owned words scribbled: the engine keeps its own. */
	hdr->sq_entries = 0xffffffff;
	hdr->cq_entries = 3;
	hdr->sqes_offset = 0x7fffffff;
	hdr->cqes_offset = 0;
	hdr->ring_bytes = 1;
	hdr->cq_tail = 0xdeadbeef;
	hdr->flags = 0;
	uint32_t sq_head = hdr->sq_head;
	for (int i = 0; i < 8; i++)
		rc_prep_nop(rc_get_sqe(&r), 20 + i);
	hdr->sq_head = 0x12345678; /* the engine's word: it keeps its own copy */
	/* flags lost NEED_WAKEUP: a doorbell ring's library rings anyway
	 * (the flag is set for good at setup, abi.md §5), and the engine,
	 * which never re-reads flags, takes them. */
	CHECK_EQ(rc_submit(&r), 8);
	CHECK_EQ(kick(0, 0), 0);
	hdr->flags = RC_RING_NEED_WAKEUP;
	CHECK(hdr->sq_head == sq_head + 8, "sq_head %x, want %x", hdr->sq_head, sq_head + 8);
	/* cq_tail is the engine's: rewritten when it posts. */
	CHECK(hdr->cq_tail == r.cq_head + 8, "cq_tail %x", hdr->cq_tail);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(rc_wait_cqe(&r, &cqe), 0);
		CHECK_EQ(cqe->res, 20 + i);
		rc_cqe_seen(&r, cqe);
	}

	/* Bad enter arguments. */
	CHECK_EQ(rt_enter(0, 0, 0, 0), -RC_EBADF);
	CHECK_EQ(rt_enter(0xffff, 0, 0, 0), -RC_EBADF);
	CHECK_EQ(rt_enter(h, 0, 0, 0x80), -RC_EINVAL);
	CHECK_EQ(rt_enter(h, 0, 17, RC_ENTER_GETEVENTS), -RC_EINVAL); /* more than the CQ holds */
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(7L) : "rcx", "r11", "memory");
	CHECK_EQ(ret, -RC_ENOSYS);
	long rdi = (1L << 32) | h, rsi = 0, rdx = 0;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall" /* enter clobbers rdi, rsi, rdx, r8-r10 too */
			 : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10)
			 : "a"(0L)
			 : "rcx", "r11", "r8", "r9", "memory");
	CHECK_EQ(ret, -RC_EINVAL);

	/* The same tricks on the ring the runtime uses, then repaired. */
	uint32_t tail = rt_ring.hdr->sq_tail;
	rt_ring.hdr->sq_tail = tail + 65;
	CHECK_EQ(rt_enter(rt_ring_handle, 0, 0, RC_ENTER_SQ_WAKEUP), 0);
	rt_ring.hdr->sq_tail = tail;
	CHECK(getpid() > 0, "ring 0 did not recover");
	return rt_report("rt_badidx");
}
