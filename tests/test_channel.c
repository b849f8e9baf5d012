/*
 * test_channel.c - channels: messages and handles between callers.
 *
 * In-process rings (each its own caller: its own handle table) for the
 * rules, deterministic on one thread: ordering, handles moving and losing
 * rights, forged and already-moved handles, a full channel, a peer
 * closing with messages and handles in flight, a caller destroyed with
 * requests parked. Then rings served by worker threads (the server's
 * shape, run under TSan too): a ping-pong across two workers where the
 * receiver's worker sleeps, and a stress of several clients with many
 * messages in flight, one CQE per SQE.
 */
#include "helpers.h"
#include <pthread.h>
#include <unistd.h>

/* Give handle h of caller a to caller b (the bootstrap a name service or
 * SPAWN does); return it in b. */
static uint32_t give(struct rc_ring *a, uint32_t h, struct rc_ring *b)
{
	int32_t nh = rce_channel_handle_move(ctx_of(a), h, ctx_of(b));

	assert_true(nh > 0);
	return (uint32_t)nh;
}

static int32_t send_msg(struct rc_ring *r, uint32_t h, const char *text, const uint32_t *hs,
			uint32_t nh, uint32_t flags)
{
	uint32_t len = (uint32_t)strlen(text);
	char *buf = rc_alloc(r, len + 1);
	uint32_t *hbuf = rc_alloc(r, 16);

	memcpy(buf, text, len);
	if (nh)
		memcpy(hbuf, hs, nh * 4);
	rc_prep_channel_send(rc_get_sqe(r), h, buf, len, nh * 4, hbuf, flags);
	return run_one(r, NULL);
}

/* Receive without waiting; text (NUL-terminated) and info out. */
static int32_t recv_msg(struct rc_ring *r, uint32_t h, char *text, struct rc_channel_info *info)
{
	char *buf = rc_alloc(r, RC_CHANNEL_MSG_MAX);
	struct rc_channel_info *in = rc_alloc(r, sizeof(*in));
	int32_t res;

	rc_prep_channel_recv(rc_get_sqe(r), h, buf, RC_CHANNEL_MSG_MAX, sizeof(*in), in,
			     RC_CHANNEL_NOWAIT);
	res = run_one(r, NULL);
	if (res >= 0) {
		memcpy(text, buf, (size_t)res);
		text[res] = 0;
		if (info)
			*info = *in;
		assert_int_equal(in->len, (uint32_t)res);
	}
	return res;
}

static int32_t close_handle(struct rc_ring *r, uint32_t h)
{
	rc_prep_close(rc_get_sqe(r), h, 0);
	return run_one(r, NULL);
}

static int32_t dup_handle(struct rc_ring *r, uint32_t h, uint32_t rights)
{
	rc_prep_handle_dup(rc_get_sqe(r), h, rights, 0);
	return run_one(r, NULL);
}

/* Messages arrive in the order they were sent, across two callers; the
 * byte count is res and info.len; an empty queue answers -EAGAIN. */
static void messages_keep_order(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, n = 0;
	char text[RC_CHANNEL_MSG_MAX + 1];

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	for (int i = 0; i < 10; i++) {
		char m[16];

		snprintf(m, sizeof(m), "msg %d", i);
		assert_int_equal(send_msg(&a, ha, m, NULL, 0, 0), (int)strlen(m));
	}
	for (int i = 0; i < 10; i++) {
		char m[16];

		snprintf(m, sizeof(m), "msg %d", i);
		assert_int_equal(recv_msg(&b, hb, text, NULL), (int)strlen(m));
		assert_string_equal(text, m);
		n++;
	}
	assert_int_equal(n, 10);
	assert_int_equal(recv_msg(&b, hb, text, NULL), -RC_EAGAIN);
	/* and the other way */
	assert_int_equal(send_msg(&b, hb, "back", NULL, 0, 0), 4);
	assert_int_equal(recv_msg(&a, ha, text, NULL), 4);
	assert_string_equal(text, "back");
	ring_close(&a);
	ring_close(&b);
}

/* A handle sent moves: the sender's is gone (CLOSE -EBADF), the receiver
 * gets one with the rights the sender held (a reduced duplicate: SEND
 * and TRANSFER only, so RECV on it is refused), which works. */
static void handles_move_with_their_rights(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, x0, x1, info_h;
	struct rc_channel_info info;
	char text[RC_CHANNEL_MSG_MAX + 1];
	int32_t d;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	make_channel(&a, &x0, &x1);
	d = dup_handle(&a, x0, RC_RIGHT_SEND | RC_RIGHT_TRANSFER);
	assert_true(d > 0);
	assert_int_equal(dup_handle(&a, (uint32_t)d, RC_RIGHT_SEND | RC_RIGHT_RECV), -RC_EBADF);
	assert_int_equal(send_msg(&a, ha, "take", (uint32_t[]){ (uint32_t)d }, 1, 0), 4);
	/* gone from a */
	assert_int_equal(close_handle(&a, (uint32_t)d), -RC_EBADF);
	assert_int_equal(send_msg(&a, ha, "again", (uint32_t[]){ (uint32_t)d }, 1, 0), -RC_EBADF);
	/* in b, with SEND|TRANSFER only */
	assert_int_equal(recv_msg(&b, hb, text, &info), 4);
	assert_int_equal(info.nhandles, 1);
	info_h = info.handles[0];
	assert_int_equal(send_msg(&b, info_h, "via moved", NULL, 0, 0), 9);
	assert_int_equal(recv_msg(&a, x1, text, NULL), 9);
	assert_string_equal(text, "via moved");
	assert_int_equal(recv_msg(&b, info_h, text, NULL), -RC_EBADF);	    /* no RECV right */
	assert_int_equal(dup_handle(&b, info_h, RC_RIGHT_SEND), -RC_EBADF); /* no DUP right */
	/* the original still receives on its own end */
	assert_int_equal(send_msg(&a, x1, "to x0", NULL, 0, 0), 5);
	assert_int_equal(recv_msg(&a, x0, text, NULL), 5);
	assert_int_equal(close_handle(&b, info_h), 0);
	assert_int_equal(close_handle(&b, info_h), -RC_EBADF);
	ring_close(&a);
	ring_close(&b);
}

/* A forged handle among good ones: -EBADF, nothing moves, nothing is
 * queued; a handle twice, or an end of the channel itself: -EINVAL. */
static void forged_handle_moves_nothing(void **state)
{
	struct rc_ring a;
	uint32_t ha, hb, x0, x1;
	char text[RC_CHANNEL_MSG_MAX + 1];

	(void)state;
	ring_open(&a, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	make_channel(&a, &x0, &x1);
	assert_int_equal(send_msg(&a, ha, "m", (uint32_t[]){ x0, 0x7777 }, 2, 0), -RC_EBADF);
	assert_int_equal(send_msg(&a, ha, "m", (uint32_t[]){ x0, x0 }, 2, 0), -RC_EINVAL);
	assert_int_equal(send_msg(&a, ha, "m", (uint32_t[]){ hb }, 1, 0), -RC_EINVAL);
	assert_int_equal(send_msg(&a, ha, "m", (uint32_t[]){ ha }, 1, 0), -RC_EINVAL);
	/* A closed handle in a message, its slot since reused: it names
	 * nothing (the generation differs), -EBADF, the new end stays. */
	{
		uint32_t y0, y1, z0, z1;

		make_channel(&a, &y0, &y1);
		assert_int_equal(close_handle(&a, y0), 0);
		make_channel(&a, &z0, &z1);
		assert_int_equal(z0 & 0xffff, y0 & 0xffff); /* the slot is reused */
		assert_int_equal(send_msg(&a, ha, "m", (uint32_t[]){ y0 }, 1, 0), -RC_EBADF);
		assert_int_equal(send_msg(&a, z0, "z", NULL, 0, 0), 1);
		assert_int_equal(recv_msg(&a, z1, text, NULL), 1);
	}
	assert_int_equal(recv_msg(&a, hb, text, NULL), -RC_EAGAIN);
	/* x0 is still a's: it works */
	assert_int_equal(send_msg(&a, x0, "still", NULL, 0, 0), 5);
	assert_int_equal(recv_msg(&a, x1, text, NULL), 5);
	/* handles_len not a multiple of 4 */
	{
		uint32_t *hs = rc_alloc(&a, 16);

		hs[0] = x0;
		rc_prep_channel_send(rc_get_sqe(&a), ha, NULL, 0, 3, hs, 0);
		assert_int_equal(run_one(&a, NULL), -RC_EINVAL);
	}
	/* A handle of another type as the target, even one carrying every
	 * right and naming this very endpoint (no platform makes one: the
	 * rights of each type are apart, so only decode's type check
	 * refuses it): -EBADF, nothing sent. */
	{
		void *end = ctx_of(&a)->handles[(ha & 0xffff) - 1].obj;
		int32_t other = rce_handle_install(ctx_of(&a), RCE_HT_FILE, ~0u, end);

		assert_true(end && other > 0);
		assert_int_equal(send_msg(&a, (uint32_t)other, "m", NULL, 0, 0), -RC_EBADF);
		assert_ptr_equal(rce_handle_remove(ctx_of(&a), (uint32_t)other), end);
		assert_int_equal(recv_msg(&a, hb, text, NULL), -RC_EAGAIN);
	}
	ring_close(&a);
}

/* A receive buffer too small leaves the message queued (-EOVERFLOW); so
 * does an info too small for its handles. */
static void small_buffer_leaves_message_queued(void **state)
{
	struct rc_ring a;
	uint32_t ha, hb, x0, x1;
	char *buf;
	struct rc_channel_info *info;
	char text[RC_CHANNEL_MSG_MAX + 1];

	(void)state;
	ring_open(&a, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	make_channel(&a, &x0, &x1);
	assert_int_equal(send_msg(&a, ha, "0123456789", (uint32_t[]){ x0 }, 1, 0), 10);
	buf = rc_alloc(&a, 16);
	info = rc_alloc(&a, sizeof(*info));
	rc_prep_channel_recv(rc_get_sqe(&a), hb, buf, 4, sizeof(*info), info, RC_CHANNEL_NOWAIT);
	assert_int_equal(run_one(&a, NULL), -RC_EOVERFLOW);
	rc_prep_channel_recv(rc_get_sqe(&a), hb, buf, 16, 8, info, RC_CHANNEL_NOWAIT);
	assert_int_equal(run_one(&a, NULL), -RC_EOVERFLOW);
	assert_int_equal(recv_msg(&a, hb, text, NULL), 10);
	assert_string_equal(text, "0123456789");
	ring_close(&a);
}

/* The queue holds RC_CHANNEL_QUEUE_MAX messages: then NOWAIT gets
 * -EAGAIN, a plain send parks, and a receive lets it in (nothing
 * dropped, order kept). */
static void full_channel_parks_sender(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	char *late;
	uint64_t ud;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	for (unsigned i = 0; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(send_msg(&a, ha, "x", NULL, 0, RC_CHANNEL_NOWAIT), 1);
	assert_int_equal(send_msg(&a, ha, "x", NULL, 0, RC_CHANNEL_NOWAIT), -RC_EAGAIN);
	late = rc_alloc(&a, 8);
	memcpy(late, "late", 4);
	rc_prep_channel_send(rc_get_sqe(&a), ha, late, 4, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&a), 42);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(cqes_ready(&a), 0); /* parked */
	assert_int_equal(recv_msg(&b, hb, text, NULL), 1);
	run_engine(&a); /* a's engine runs: the send goes in */
	assert_int_equal(cqes_ready(&a), 1);
	assert_int_equal(reap_one(&a, &ud), 4);
	assert_int_equal(ud, 42);
	for (unsigned i = 1; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(recv_msg(&b, hb, text, NULL), 1);
	assert_int_equal(recv_msg(&b, hb, text, NULL), 4);
	assert_string_equal(text, "late");
	ring_close(&a);
	ring_close(&b);
}

/* The peer closes while b has a receive parked and messages carrying
 * handles are queued at the closing end: b's receive gets -EPIPE, so do
 * its next send and receive; the queued messages and their handles are
 * released (LeakSanitizer in the ASan build checks nothing stays). */
static void peer_close_fails_the_other_end(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, x0, x1;
	char text[RC_CHANNEL_MSG_MAX + 1];
	char *buf;
	uint64_t ud;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	make_channel(&b, &x0, &x1);
	/* b -> a: messages with handles queued at a's end */
	assert_int_equal(send_msg(&b, hb, "h0", (uint32_t[]){ x0 }, 1, 0), 2);
	assert_int_equal(send_msg(&b, hb, "h1", (uint32_t[]){ x1 }, 1, 0), 2);
	buf = rc_alloc(&b, 64);
	rc_prep_channel_recv(rc_get_sqe(&b), hb, buf, 64, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&b), 7);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(cqes_ready(&b), 0);
	assert_int_equal(close_handle(&a, ha), 0);
	run_engine(&b);
	assert_int_equal(reap_one(&b, &ud), -RC_EPIPE);
	assert_int_equal(ud, 7);
	assert_int_equal(recv_msg(&b, hb, text, NULL), -RC_EPIPE);
	assert_int_equal(send_msg(&b, hb, "no", NULL, 0, 0), -RC_EPIPE);
	assert_int_equal(close_handle(&b, hb), 0);
	ring_close(&a);
	ring_close(&b);
}

/* A caller destroyed (it died) with a receive parked and handles open:
 * the peer's parked receive gets -EPIPE, nothing leaks, and CANCEL of a
 * parked receive completes it with -ECANCELED. */
static void caller_death_and_cancel(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char *buf;
	uint64_t ud;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	/* a parks a receive, then cancels it */
	buf = rc_alloc(&a, 64);
	rc_prep_channel_recv(rc_get_sqe(&a), ha, buf, 64, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&a), 1);
	assert_int_equal(rc_submit(&a), 1);
	rc_prep_cancel(rc_get_sqe(&a), 1, 0);
	rc_sqe_set_data(last_sqe(&a), 2);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(cqes_ready(&a), 2);
	assert_int_equal(reap_one(&a, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 1);
	assert_int_equal(reap_one(&a, &ud), 1);
	/* both park receives; a dies */
	rc_prep_channel_recv(rc_get_sqe(&a), ha, buf, 64, 0, NULL, 0);
	assert_int_equal(rc_submit(&a), 1);
	buf = rc_alloc(&b, 64);
	rc_prep_channel_recv(rc_get_sqe(&b), hb, buf, 64, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&b), 3);
	assert_int_equal(rc_submit(&b), 1);
	ring_close(&a);
	run_engine(&b);
	assert_int_equal(reap_one(&b, &ud), -RC_EPIPE);
	assert_int_equal(ud, 3);
	ring_close(&b);
}

/* The table's bounds: a message over RC_CHANNEL_MSG_MAX, more than
 * RC_CHANNEL_HANDLES_MAX handles, a file-less ring's non-channel handle. */
static void bounds_are_checked(void **state)
{
	struct rc_ring a;
	uint32_t ha, hb;
	char *buf;
	uint32_t *hs;

	(void)state;
	ring_open(&a, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	buf = rc_alloc(&a, RC_CHANNEL_MSG_MAX + 1);
	hs = rc_alloc(&a, 32);
	rc_prep_channel_send(rc_get_sqe(&a), ha, buf, RC_CHANNEL_MSG_MAX + 1, 0, NULL, 0);
	assert_int_equal(run_one(&a, NULL), -RC_EINVAL);
	rc_prep_channel_send(rc_get_sqe(&a), ha, buf, 1, 20, hs, 0);
	assert_int_equal(run_one(&a, NULL), -RC_EINVAL);
	rc_prep_channel_send(rc_get_sqe(&a), 0x1234, buf, 1, 0, NULL, 0);
	assert_int_equal(run_one(&a, NULL), -RC_EBADF);
	rc_prep_channel_send(rc_get_sqe(&a), ha, buf, RC_CHANNEL_MSG_MAX, 0, NULL, 0);
	assert_int_equal(run_one(&a, NULL), (int)RC_CHANNEL_MSG_MAX);
	ring_close(&a);
}

/* ---- across worker threads ---- */

struct pinger {
	struct rc_ring r;
	uint32_t h;
	int rounds;
	bool first;
};

static int pinger_send(struct pinger *p, char *out, int i)
{
	struct rc_cqe *cqe;
	int res;

	snprintf(out, 64, "%d", i);
	rc_prep_channel_send(rc_get_sqe(&p->r), p->h, out, (uint32_t)strlen(out) + 1, 0, NULL, 0);
	if (rc_submit_and_wait(&p->r, 1) < 0 || rc_wait_cqe(&p->r, &cqe))
		return -1;
	res = cqe->res;
	rc_cqe_seen(&p->r, cqe);
	return res > 0 ? 0 : -1;
}

static int pinger_recv(struct pinger *p, char *buf, int i)
{
	struct rc_cqe *cqe;
	int res;

	rc_prep_channel_recv(rc_get_sqe(&p->r), p->h, buf, 64, 0, NULL, 0);
	if (rc_submit_and_wait(&p->r, 1) < 0 || rc_wait_cqe(&p->r, &cqe))
		return -1;
	res = cqe->res;
	rc_cqe_seen(&p->r, cqe);
	return res > 0 && atoi(buf) == i ? 0 : -1;
}

/* The first sends i and waits for i back; the other answers: each wait
 * sleeps in enter, and the other side's worker may be asleep. */
static void *pinger_main(void *arg)
{
	struct pinger *p = arg;
	char *buf = rc_alloc(&p->r, 64);
	char *out = rc_alloc(&p->r, 64);

	for (int i = 0; i < p->rounds; i++) {
		if (p->first ? pinger_send(p, out, i) || pinger_recv(p, buf, i)
			     : pinger_recv(p, buf, i) || pinger_send(p, out, i))
			return (void *)(intptr_t)(i + 1);
	}
	return NULL;
}

/* Two callers on two worker threads ping-pong: every receive parks and
 * is completed by the other worker's send (its worker asleep by then, as
 * the counts of sleeps show): no lost wakeup, order kept. */
static void ping_pong_across_workers(void **state)
{
	struct host_worker w[2];
	struct rc_params p = { .sq_entries = 8 };
	struct pinger a = { .rounds = 2000, .first = true }, b = { .rounds = 2000 };
	struct rce_ctx *ca, *cb;
	pthread_t ta, tb;
	void *ra, *rb;
	uint32_t h0, h1;

	(void)state;
	assert_int_equal(host_worker_start(&w[0]), 0);
	assert_int_equal(host_worker_start(&w[1]), 0);
	assert_int_equal(host_local_connect(&a.r, &w[0], &p, -1), 0);
	assert_int_equal(host_local_connect(&b.r, &w[1], &p, -1), 0);
	make_channel(&a.r, &h0, &h1);
	/* hand h1 to b: both callers are idle (no SQE in flight), so their
	 * workers do not touch their tables meanwhile */
	ca = local_ctx(&a.r);
	cb = local_ctx(&b.r);
	a.h = h0;
	b.h = (uint32_t)rce_channel_handle_move(ca, h1, cb);
	assert_true((int32_t)b.h > 0);
	assert_int_equal(pthread_create(&ta, NULL, pinger_main, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, pinger_main, &b), 0);
	pthread_join(ta, &ra);
	pthread_join(tb, &rb);
	assert_null(ra);
	assert_null(rb);
	rc_disconnect(&a.r);
	rc_disconnect(&b.r);
	host_worker_stop(&w[0]);
	host_worker_stop(&w[1]);
}

/* ---- a stress: several callers calling each other ---- */

#define STRESS_CLIENTS 4
#define STRESS_MSGS    3000
#define STRESS_DEPTH   24 /* sends and receives each kept in flight */

struct stresser {
	struct rc_ring r;
	uint32_t out, in; /* send to the next caller, receive from the previous */
	uint32_t sent, received, send_cqes, recv_cqes, bad;
	uint8_t seen[STRESS_MSGS];
};

/* Slots of a buffer array not in use by an SQE in flight. */
struct slots {
	uint32_t free[STRESS_DEPTH], n;
};

static void slots_init(struct slots *s)
{
	for (s->n = 0; s->n < STRESS_DEPTH; s->n++)
		s->free[s->n] = s->n;
}

/* Keep STRESS_DEPTH sends and receives in flight until every message is
 * through; count one CQE per SQE and check that each message arrives
 * exactly once, in the order sent (sends parked on a full queue keep
 * their place: the receives' CQEs, in the order they were taken, see
 * 0, 1, 2, ...). */
static void *stresser_main(void *arg)
{
	struct stresser *st = arg;
	uint32_t *sbuf = rc_alloc(&st->r, STRESS_DEPTH * 4);
	uint32_t *rbuf = rc_alloc(&st->r, STRESS_DEPTH * 4);
	uint32_t recv_posted = 0;
	struct slots ss, rs;

	slots_init(&ss);
	slots_init(&rs);

	while (st->send_cqes < STRESS_MSGS || st->recv_cqes < STRESS_MSGS) {
		struct rc_cqe *cqe;
		uint32_t head, n = 0;

		while (ss.n && st->sent < STRESS_MSGS) {
			uint32_t slot = ss.free[--ss.n];
			struct rc_sqe *sqe = rc_get_sqe(&st->r);

			sbuf[slot] = st->sent;
			rc_prep_channel_send(sqe, st->out, &sbuf[slot], 4, 0, NULL, 0);
			rc_sqe_set_data(sqe, (uint64_t)slot << 1);
			st->sent++;
		}
		while (rs.n && recv_posted < STRESS_MSGS) {
			uint32_t slot = rs.free[--rs.n];
			struct rc_sqe *sqe = rc_get_sqe(&st->r);

			rc_prep_channel_recv(sqe, st->in, &rbuf[slot], 4, 0, NULL, 0);
			rc_sqe_set_data(sqe, (uint64_t)slot << 1 | 1);
			recv_posted++;
		}
		if (rc_submit_and_wait(&st->r, 1) < 0)
			return (void *)1;
		rc_for_each_cqe(&st->r, head, cqe)
		{
			uint32_t slot = (uint32_t)(cqe->user_data >> 1);

			if (cqe->user_data & 1) {
				uint32_t v = rbuf[slot];

				if (cqe->res != 4 || v >= STRESS_MSGS || st->seen[v]++ ||
				    v != st->recv_cqes)
					st->bad++;
				st->recv_cqes++;
				rs.free[rs.n++] = slot;
			} else {
				if (cqe->res != 4)
					st->bad++;
				st->send_cqes++;
				ss.free[ss.n++] = slot;
			}
			n++;
		}
		rc_cq_advance(&st->r, n);
	}
	return NULL;
}

/* Four callers on two workers in a ring of channels, each sending 3000
 * messages to the next with 24 sends and 24 receives in flight (queues
 * fill, senders park, receivers park): every SQE gets one CQE, every
 * message arrives once, in order. */
static void stress_callers_in_a_ring(void **state)
{
	struct host_worker w[2];
	struct rc_params p = { .sq_entries = 64, .cq_entries = 128 };
	struct stresser st[STRESS_CLIENTS];
	pthread_t t[STRESS_CLIENTS];

	(void)state;
	memset(st, 0, sizeof(st));
	assert_int_equal(host_worker_start(&w[0]), 0);
	assert_int_equal(host_worker_start(&w[1]), 0);
	for (int i = 0; i < STRESS_CLIENTS; i++)
		assert_int_equal(host_local_connect(&st[i].r, &w[i % 2], &p, -1), 0);
	for (int i = 0; i < STRESS_CLIENTS; i++) {
		struct stresser *next = &st[(i + 1) % STRESS_CLIENTS];
		uint32_t h0, h1;
		int32_t nh;

		make_channel(&st[i].r, &h0, &h1);
		st[i].out = h0;
		nh = rce_channel_handle_move(local_ctx(&st[i].r), h1, local_ctx(&next->r));
		assert_true(nh > 0);
		next->in = (uint32_t)nh;
	}
	for (int i = 0; i < STRESS_CLIENTS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, stresser_main, &st[i]), 0);
	for (int i = 0; i < STRESS_CLIENTS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		assert_null(ret);
		assert_int_equal(st[i].bad, 0);
		assert_int_equal(st[i].send_cqes, STRESS_MSGS);
		assert_int_equal(st[i].recv_cqes, STRESS_MSGS);
	}
	for (int i = 0; i < STRESS_CLIENTS; i++)
		rc_disconnect(&st[i].r);
	host_worker_stop(&w[0]);
	host_worker_stop(&w[1]);
}

/* Queue (not submit) a RECV on h into a fresh buffer, which it returns. */
static char *queue_recv(struct rc_ring *r, uint32_t h, uint64_t ud)
{
	char *buf = rc_alloc(r, 32);

	memset(buf, 0, 32);
	rc_prep_channel_recv(rc_get_sqe(r), h, buf, 31, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(r), ud);
	return buf;
}

/* Receives parked on one endpoint take the messages in the order they
 * were posted, whichever ring runs first: R1 (ring b), R2 (ring c, a
 * duplicate of b's end), R3 (ring b) parked; three messages sent one at
 * a time, ring c run before ring b; then a fresh receive on c while R1 is
 * woken and not yet run must not overtake it; a woken receive cancelled
 * before it ran passes its message to the next parked one. */
static void parked_receives_complete_in_order(void **state)
{
	struct rc_ring a, b, c;
	uint32_t ha, hb, hc;
	char *r1, *r2, *r3, *r4;
	uint64_t ud;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	ring_open(&c, 8, 16, 0);
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	hc = give(&b, (uint32_t)dup_handle(&b, hb, RC_CHANNEL_RIGHTS), &c);
	r1 = queue_recv(&b, hb, 1);
	submit_all(&b);
	r2 = queue_recv(&c, hc, 2);
	submit_all(&c);
	r3 = queue_recv(&b, hb, 3);
	submit_all(&b);
	assert_int_equal(cqes_ready(&b) + cqes_ready(&c), 0);
	assert_int_equal(send_msg(&a, ha, "m0", NULL, 0, 0), 2);
	assert_int_equal(send_msg(&a, ha, "m1", NULL, 0, 0), 2);
	run_engine(&c); /* R2's ring first */
	run_engine(&b);
	assert_int_equal(send_msg(&a, ha, "m2", NULL, 0, 0), 2);
	run_engine(&c);
	run_engine(&b);
	assert_int_equal(reap_one(&b, &ud), 2);
	assert_int_equal(ud, 1);
	assert_string_equal(r1, "m0");
	assert_int_equal(reap_one(&c, &ud), 2);
	assert_int_equal(ud, 2);
	assert_string_equal(r2, "m1");
	assert_int_equal(reap_one(&b, &ud), 2);
	assert_int_equal(ud, 3);
	assert_string_equal(r3, "m2");
	/* R1 woken by m3, not yet run; R4 posted on c afterwards waits */
	r1 = queue_recv(&b, hb, 5);
	submit_all(&b);
	assert_int_equal(send_msg(&a, ha, "m3", NULL, 0, 0), 2);
	r4 = queue_recv(&c, hc, 6);
	submit_all(&c);
	assert_int_equal(cqes_ready(&c), 0);
	assert_int_equal(send_msg(&a, ha, "m4", NULL, 0, 0), 2);
	run_engine(&c);
	run_engine(&b);
	assert_int_equal(reap_one(&b, &ud), 2);
	assert_int_equal(ud, 5);
	assert_string_equal(r1, "m3");
	assert_int_equal(reap_one(&c, &ud), 2);
	assert_int_equal(ud, 6);
	assert_string_equal(r4, "m4");
	/* a woken receive cancelled before it ran: its message goes to the
	 * next parked one */
	queue_recv(&b, hb, 7);
	rc_sqe_set_flags(last_sqe(&b), RC_SQE_LINK);
	rc_prep_link_timeout(rc_get_sqe(&b), 1, RC_TIMEOUT_ABS); /* fires on b's next run */
	rc_sqe_set_data(last_sqe(&b), 9);
	submit_all(&b);
	r4 = queue_recv(&c, hc, 8);
	submit_all(&c);
	assert_int_equal(send_msg(&a, ha, "m5", NULL, 0, 0), 2); /* handed to 7 */
	run_engine(&b); /* timers first: 7 is cancelled before it runs */
	assert_int_equal(reap_one(&b, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 7);
	assert_int_equal(reap_one(&b, &ud), -RC_ETIME);
	assert_int_equal(ud, 9);
	run_engine(&c);
	assert_int_equal(reap_one(&c, &ud), 2);
	assert_int_equal(ud, 8);
	assert_string_equal(r4, "m5");
	ring_close(&a);
	ring_close(&b);
	ring_close(&c);
}

/* A receive woken with a message, rerun after its handle was closed (a
 * duplicate keeps the end open) and the handle's slot reused by another
 * channel's end with the 15-bit generation wrapped (set by hand here), so
 * that the same handle names the other end: it lets go of the message
 * handed to it, which the next receive of its own end takes first, and
 * receives at the end its handle names now (parks: that queue is empty).
 * Without the check it walked the other end's empty queue for the
 * message (a NULL dereference). */
static void rerun_receive_whose_handle_names_another_end(void **state)
{
	struct rc_ring a, b;
	uint32_t s1, h1, h1d, s2, x2;
	char *r1, *r2, text[RC_CHANNEL_MSG_MAX + 1];
	uint64_t ud;
	int32_t nx;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&b, &s1, &h1);
	h1 = give(&b, h1, &a); /* a's first slot */
	h1d = (uint32_t)dup_handle(&a, h1, RC_CHANNEL_RIGHTS);
	make_channel(&b, &s2, &x2);
	r1 = queue_recv(&a, h1, 1);
	submit_all(&a);
	r2 = queue_recv(&a, h1d, 2);
	submit_all(&a);
	assert_int_equal(cqes_ready(&a), 0);
	assert_int_equal(send_msg(&b, s1, "m", NULL, 0, 0), 1); /* handed to 1, a not run */
	assert_int_equal(send_msg(&b, s1, "n", NULL, 0, 0), 1); /* handed to 2 */
	assert_int_equal(rce_channel_close_handle(ctx_of(&a), h1), 0);
	nx = rce_channel_handle_move(ctx_of(&b), x2, ctx_of(&a));
	assert_int_equal((uint32_t)nx & 0xffff, h1 & 0xffff); /* h1's slot */
	assert_int_not_equal((uint32_t)nx, h1);
	ctx_of(&a)->handles[(h1 & 0xffff) - 1].gen = (uint16_t)((h1 >> 16) + 0x8000);
	run_engine(&a);
	run_engine(&a);
	/* 2 took m, the earlier message 1 let go of; 1 waits on x2's end */
	assert_int_equal(reap_one(&a, &ud), 1);
	assert_int_equal(ud, 2);
	assert_string_equal(r2, "m");
	assert_int_equal(cqes_ready(&a), 0);
	assert_int_equal(send_msg(&b, s2, "other", NULL, 0, 0), 5);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 5);
	assert_int_equal(ud, 1);
	assert_string_equal(r1, "other");
	/* n is still queued, first */
	assert_int_equal(recv_msg(&a, h1d, text, NULL), 1);
	assert_string_equal(text, "n");
	assert_int_equal(recv_msg(&a, h1d, text, NULL), -RC_EAGAIN);
	ring_close(&a);
	ring_close(&b);
}

/* Channel memory is charged to the caller that caused it (hosted:
 * HOST_IPC_BYTES per client): a flood of channels filled with big
 * messages stops with -ENOMEM, nothing lost, while another caller keeps
 * working; every byte goes back as the messages are received. */
static void flood_stops_at_the_callers_limit(void **state)
{
	enum {
		NCH = 128
	};
	static uint32_t h[NCH][2];
	struct rc_ring a, b;
	uint32_t ha, hb, nch = 0, sent = 0, got = 0;
	char *big, text[RC_CHANNEL_MSG_MAX + 1];
	int32_t err = 0;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	big = rc_alloc(&a, RC_CHANNEL_MSG_MAX);
	memset(big, 'x', RC_CHANNEL_MSG_MAX);
	uint32_t base = ctx_of(&a)->acct->used;
	while (!err && nch < NCH) {
		make_channel(&a, &h[nch][0], &h[nch][1]);
		for (uint32_t i = 0; i < RC_CHANNEL_QUEUE_MAX && !err; i++) {
			rc_prep_channel_send(rc_get_sqe(&a), h[nch][0], big, RC_CHANNEL_MSG_MAX, 0,
					     NULL, RC_CHANNEL_NOWAIT);
			err = run_one(&a, NULL);
			if (err == (int32_t)RC_CHANNEL_MSG_MAX)
				err = 0, sent++;
		}
		nch++;
	}
	assert_int_equal(err, -RC_ENOMEM);
	assert_true(ctx_of(&a)->acct->used <= HOST_IPC_BYTES);
	assert_true(ctx_of(&a)->acct->used > HOST_IPC_BYTES - 2 * RC_CHANNEL_MSG_MAX - 512);
	/* another caller is not affected */
	make_channel(&b, &ha, &hb);
	assert_int_equal(send_msg(&b, ha, "fine", NULL, 0, 0), 4);
	assert_int_equal(recv_msg(&b, hb, text, NULL), 4);
	/* nothing lost, and the charge goes with the messages */
	for (uint32_t c = 0; c < nch; c++) {
		char *buf = rc_alloc(&a, RC_CHANNEL_MSG_MAX);

		for (;;) {
			rc_prep_channel_recv(rc_get_sqe(&a), h[c][1], buf, RC_CHANNEL_MSG_MAX, 0,
					     NULL, RC_CHANNEL_NOWAIT);
			if (run_one(&a, NULL) != (int32_t)RC_CHANNEL_MSG_MAX)
				break;
			got++;
		}
		rc_free(&a, buf);
		assert_int_equal(close_handle(&a, h[c][0]), 0);
		assert_int_equal(close_handle(&a, h[c][1]), 0);
	}
	assert_int_equal(got, sent);
	assert_int_equal(ctx_of(&a)->acct->used, base);
	rc_free(&a, big);
	ring_close(&a);
	ring_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_keep_order),
		cmocka_unit_test(handles_move_with_their_rights),
		cmocka_unit_test(forged_handle_moves_nothing),
		cmocka_unit_test(small_buffer_leaves_message_queued),
		cmocka_unit_test(full_channel_parks_sender),
		cmocka_unit_test(peer_close_fails_the_other_end),
		cmocka_unit_test(caller_death_and_cancel),
		cmocka_unit_test(bounds_are_checked),
		cmocka_unit_test(parked_receives_complete_in_order),
		cmocka_unit_test(rerun_receive_whose_handle_names_another_end),
		cmocka_unit_test(flood_stops_at_the_callers_limit),
		cmocka_unit_test(ping_pong_across_workers),
		cmocka_unit_test(stress_callers_in_a_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
