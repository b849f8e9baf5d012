/*
 * test_call.c - calls and replies, multishot receives into provided
 * buffers, and the channel rules they lean on (order with parked senders,
 * no cycles of endpoints).
 *
 * In-process rings (each its own caller) for the rules, deterministic on
 * one thread; then callers on worker threads (run under TSan too) calling
 * each other with many calls in flight.
 */
#include "helpers.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Give handle h of caller a to caller b; return it in b. */
static uint32_t give(struct rc_ring *a, uint32_t h, struct rc_ring *b)
{
	int32_t nh = rce_channel_handle_move(ctx_of(a), h, ctx_of(b));

	assert_true(nh > 0);
	return (uint32_t)nh;
}

/* The hosted handlers without the IPC copy hook: a reply travels in
 * engine memory (two copies), as on a platform that cannot copy between
 * callers (the ringcall kernel). Set two_copies to have pair_open use it. */
static struct rce_ipc_ops ipc_two_copies;
static struct rce_handlers handlers_two_copies;
static bool two_copies;

/* A client ring a and a server ring b joined by a channel: a calls on
 * *ha, b serves on *hb. */
static void pair_open(struct rc_ring *a, struct rc_ring *b, uint32_t *ha, uint32_t *hb)
{
	ring_open(a, 64, 128, 0);
	ring_open(b, 64, 128, 0);
	if (two_copies) {
		ipc_two_copies = *host_handlers.ipc;
		ipc_two_copies.copy = NULL;
		handlers_two_copies = host_handlers;
		handlers_two_copies.ipc = &ipc_two_copies;
		ctx_of(a)->ops = ctx_of(b)->ops = &handlers_two_copies;
	}
	make_channel(a, ha, hb);
	*hb = give(a, *hb, b);
}

/* Queue (not submit) a call of text, reply into a fresh buffer of cap
 * bytes, which it returns. */
static char *queue_call(struct rc_ring *r, uint32_t h, const char *text, uint32_t cap, uint64_t ud)
{
	uint32_t len = (uint32_t)strlen(text);
	char *req = rc_alloc(r, len + 1), *reply = rc_alloc(r, cap + 1);

	memcpy(req, text, len + 1);
	memset(reply, 0, cap + 1);
	rc_prep_channel_call(rc_get_sqe(r), h, req, len, 0, NULL, reply, cap, 0);
	rc_sqe_set_data(last_sqe(r), ud);
	return reply;
}

/* Receive one request without waiting: its bytes (NUL-terminated) in
 * text, its info in *info; res. */
static int32_t take_request(struct rc_ring *r, uint32_t h, char *text, struct rc_channel_info *info)
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
		*info = *in;
	}
	rc_free(r, buf);
	rc_free(r, in);
	return res;
}

static int32_t reply(struct rc_ring *r, uint32_t h, uint64_t txid, const char *text)
{
	uint32_t len = (uint32_t)strlen(text);
	char *buf = rc_alloc(r, len + 1);
	int32_t res;

	memcpy(buf, text, len + 1);
	rc_prep_channel_reply(rc_get_sqe(r), h, txid, buf, len, 0);
	res = run_one(r, NULL);
	rc_free(r, buf);
	return res;
}

static int32_t send_text(struct rc_ring *r, uint32_t h, const char *text, const uint32_t *hs,
			 uint32_t nh, uint32_t flags)
{
	uint32_t len = (uint32_t)strlen(text);
	char *buf = rc_alloc(r, len + 1);
	uint32_t *hbuf = rc_alloc(r, 16);
	int32_t res;

	memcpy(buf, text, len + 1);
	if (nh)
		memcpy(hbuf, hs, nh * 4);
	rc_prep_channel_send(rc_get_sqe(r), h, buf, len, nh * 4, hbuf, flags);
	res = run_one(r, NULL);
	rc_free(r, buf);
	rc_free(r, hbuf);
	return res;
}

/* Submit a call-free SEND that may park; its buffer is kept. */
static void queue_send(struct rc_ring *r, uint32_t h, const char *text, uint64_t ud)
{
	uint32_t len = (uint32_t)strlen(text);
	char *buf = rc_alloc(r, len + 1);

	memcpy(buf, text, len + 1);
	rc_prep_channel_send(rc_get_sqe(r), h, buf, len, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(r), ud);
}

#define UD_CANCEL 0xcace1

/* CANCEL the request with user_data target: the cancelled one's CQE
 * comes first (its res in *target_res), then CANCEL's own (returned). */
static int32_t cancel(struct rc_ring *r, uint64_t target, int32_t *target_res)
{
	uint64_t ud;
	int32_t res;

	rc_prep_cancel(rc_get_sqe(r), target, 0);
	rc_sqe_set_data(last_sqe(r), UD_CANCEL);
	submit_all(r);
	res = reap_one(r, &ud);
	if (ud == UD_CANCEL)
		return res; /* nothing was cancelled */
	assert_int_equal(ud, target);
	*target_res = res;
	res = reap_one(r, &ud);
	assert_int_equal(ud, UD_CANCEL);
	return res;
}

/* ---- call and reply ---- */

#define CALLS 48

/* 48 calls in flight at once; the server takes all the requests (each
 * with its own txid), answers them in reverse order, and one it answers
 * twice: every call completes once, with the reply to its own request
 * in its own buffer. A reply to an unknown txid, or a second one, gets
 * -ENOENT; one larger than the caller's buffer -EOVERFLOW (and the call
 * still waits). */
static void calls_matched_by_txid_out_of_order(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char *replies[CALLS], text[RC_CHANNEL_MSG_MAX + 1], want[64];
	uint64_t txids[CALLS];
	struct rc_channel_info info;
	bool done[CALLS] = { false };

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	for (int i = 0; i < CALLS; i++) {
		snprintf(want, sizeof(want), "q%d", i);
		replies[i] = queue_call(&a, ha, want, 16, 1000 + i);
	}
	assert_int_equal(rc_submit(&a), CALLS);
	assert_int_equal(cqes_ready(&a), 0); /* all wait for replies */
	for (int i = 0; i < CALLS; i++) {
		snprintf(want, sizeof(want), "q%d", i);
		assert_int_equal(take_request(&b, hb, text, &info), (int)strlen(want));
		assert_string_equal(text, want);
		assert_true(info.txid != 0);
		for (int j = 0; j < i; j++)
			assert_true(txids[j] != info.txid);
		txids[i] = info.txid;
	}
	assert_int_equal(reply(&b, hb, txids[3], "far too long for 16 bytes"), -RC_EOVERFLOW);
	assert_int_equal(reply(&b, hb, txids[0] ^ (UINT64_C(1) << 40), "forged"), -RC_ENOENT);
	assert_int_equal(reply(&b, hb, 0x7fffffff, "forged"), -RC_ENOENT);
	for (int i = CALLS - 1; i >= 0; i--) {
		snprintf(want, sizeof(want), "r%d", i);
		assert_int_equal(reply(&b, hb, txids[i], want), (int)strlen(want));
	}
	assert_int_equal(reply(&b, hb, txids[7], "again"), -RC_ENOENT);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), CALLS);
	for (int n = 0; n < CALLS; n++) {
		uint64_t ud;
		int32_t res = reap_one(&a, &ud);
		int i = (int)(ud - 1000);

		assert_true(i >= 0 && i < CALLS && !done[i]);
		done[i] = true;
		snprintf(want, sizeof(want), "r%d", i);
		assert_int_equal(res, (int)strlen(want));
		assert_string_equal(replies[i], want);
	}
	ring_close(&a);
	ring_close(&b);
}

/* A call cancelled while the server holds its request completes with
 * -ECANCELED at once; the server's reply then gets -ENOENT and writes
 * nothing into the caller's (freed) reply buffer (ASan watches). A call
 * in a LINK chain goes on to the next entry only once answered. */
static void call_cancelled_while_server_holds_it(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], *rbuf;
	struct rc_channel_info info;
	uint64_t ud;
	int32_t res;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	rbuf = queue_call(&a, ha, "hold me", 32, 5);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 7);
	assert_int_equal(cancel(&a, 5, &res), 1);
	assert_int_equal(res, -RC_ECANCELED);
	rc_free(&a, rbuf); /* the caller reuses its memory at once */
	memset(rc_alloc(&a, 32), 0x5a, 32);
	assert_int_equal(reply(&b, hb, info.txid, "late"), -RC_ENOENT);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 0);
	/* a call, then a NOP linked to it: the NOP waits for the reply */
	rbuf = queue_call(&a, ha, "chained", 32, 6);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	queue_nop(&a, 0, 0, 7);
	assert_int_equal(rc_submit(&a), 2);
	assert_int_equal(cqes_ready(&a), 0);
	assert_int_equal(take_request(&b, hb, text, &info), 7);
	assert_int_equal(reply(&b, hb, info.txid, "ok"), 2);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 2);
	assert_int_equal(ud, 6);
	assert_string_equal(rbuf, "ok");
	assert_int_equal(reap_one(&a, &ud), 0);
	assert_int_equal(ud, 7);
	ring_close(&a);
	ring_close(&b);
}

/* A call bounded by a LINK_TIMEOUT whose time passes while the server
 * holds the request: the call completes with -ECANCELED, the
 * LINK_TIMEOUT with -ETIME; the server's reply then gets -ENOENT and
 * writes nothing into the caller's (freed, reused) reply buffer (ASan
 * watches). A receive bounded so ends the same way, its message not
 * lost. */
static void call_timed_out_while_server_holds_it(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], *rbuf, *reuse;
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	rbuf = queue_call(&a, ha, "hold me", 32, 5);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	rc_prep_link_timeout(rc_get_sqe(&a), 1000000, 0); /* 1 ms */
	rc_sqe_set_data(last_sqe(&a), 6);
	assert_int_equal(rc_submit(&a), 2);
	assert_int_equal(take_request(&b, hb, text, &info), 7);
	assert_int_equal(rc_submit_and_wait(&a, 2), 0); /* a's engine fires its timer */
	assert_int_equal(reap_one(&a, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 5);
	assert_int_equal(reap_one(&a, &ud), -RC_ETIME);
	assert_int_equal(ud, 6);
	rc_free(&a, rbuf); /* the caller reuses its memory at once */
	reuse = rc_alloc(&a, 32);
	memset(reuse, 0x5a, 32);
	assert_int_equal(reply(&b, hb, info.txid, "late"), -RC_ENOENT);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal((unsigned char)reuse[i], 0x5a);
	/* a bounded receive on an empty channel: -ECANCELED, -ETIME; a
	 * message sent afterwards waits for the next receive */
	char *buf = rc_alloc(&b, 64);
	rc_prep_channel_recv(rc_get_sqe(&b), hb, buf, 64, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(&b), 8);
	rc_sqe_set_flags(last_sqe(&b), RC_SQE_LINK);
	rc_prep_link_timeout(rc_get_sqe(&b), 1000000, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit_and_wait(&b, 2), 2);
	assert_int_equal(reap_one(&b, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 8);
	assert_int_equal(reap_one(&b, &ud), -RC_ETIME);
	assert_int_equal(ud, 9);
	assert_int_equal(send_text(&a, ha, "after", NULL, 0, 0), 5);
	assert_int_equal(take_request(&b, hb, text, &info), 5);
	assert_string_equal(text, "after");
	ring_close(&a);
	ring_close(&b);
}

/* A call answered before its LINK_TIMEOUT's time: the call completes
 * with the reply, the LINK_TIMEOUT with -ECANCELED, and the chain behind
 * it goes on; nothing stays armed. */
static void call_answered_before_its_link_timeout(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], *rbuf;
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	rbuf = queue_call(&a, ha, "quick", 32, 5);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	rc_prep_link_timeout(rc_get_sqe(&a), 10000000000ull, 0); /* 10 s */
	rc_sqe_set_data(last_sqe(&a), 6);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	queue_nop(&a, 3, 0, 7);
	assert_int_equal(rc_submit(&a), 3);
	assert_int_equal(take_request(&b, hb, text, &info), 5);
	assert_int_equal(reply(&b, hb, info.txid, "ok"), 2);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 2);
	assert_int_equal(ud, 5);
	assert_string_equal(rbuf, "ok");
	assert_int_equal(reap_one(&a, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 6);
	assert_int_equal(reap_one(&a, &ud), 3);
	assert_int_equal(ud, 7);
	assert_int_equal(rce_ring_inflight(rc_inproc_engine(&a)), 0);
	assert_int_equal(rce_ring_next_deadline(rc_inproc_engine(&a)), UINT64_MAX);
	ring_close(&a);
	ring_close(&b);
}

/* Reply len bytes from buf with RC_CHANNEL_REPLY_RES: the first 4 are res. */
static int32_t reply_res(struct rc_ring *r, uint32_t h, uint64_t txid, int32_t res,
			 const char *text)
{
	uint32_t len = (uint32_t)strlen(text);
	char *buf = rc_alloc(r, len + 4);
	int32_t got;

	memcpy(buf, &res, 4);
	memcpy(buf + 4, text, len);
	rc_prep_channel_reply(rc_get_sqe(r), h, txid, buf, len + 4, RC_CHANNEL_REPLY_RES);
	got = run_one(r, NULL);
	rc_free(r, buf);
	return got;
}

/* RC_CHANNEL_REPLY_RES: the caller's res is the server's result, not the
 * byte count: a handle-like number with no bytes, a count with bytes, an
 * error that fails the call and cancels its LINK chain. The result is
 * checked (len >= 4, >= -4095) and a bad one leaves the call waiting. */
static void reply_carries_a_result(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], *r1, *r2;
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	r1 = queue_call(&a, ha, "open", 32, 1);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 4);
	char *two = rc_alloc(&b, 2);
	rc_prep_channel_reply(rc_get_sqe(&b), hb, info.txid, two, 2, RC_CHANNEL_REPLY_RES);
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL); /* no room for a result */
	rc_free(&b, two);
	assert_int_equal(reply_res(&b, hb, info.txid, -4096, ""), -RC_EINVAL);
	assert_int_equal(reply_res(&b, hb, info.txid, 7, ""), 4);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 7);
	assert_int_equal(ud, 1);
	/* a count with its bytes, then an error that breaks the chain */
	r1 = queue_call(&a, ha, "read", 32, 2);
	r2 = queue_call(&a, ha, "bad", 32, 3);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	queue_nop(&a, 0, 0, 4);
	assert_int_equal(rc_submit(&a), 3);
	assert_int_equal(take_request(&b, hb, text, &info), 4);
	assert_int_equal(reply_res(&b, hb, info.txid, 5, "hello"), 9);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	assert_int_equal(reply_res(&b, hb, info.txid, -RC_ENOENT, ""), 4);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 5);
	assert_int_equal(ud, 2);
	assert_memory_equal(r1, "hello", 5);
	assert_int_equal(reap_one(&a, &ud), -RC_ENOENT);
	assert_int_equal(ud, 3);
	assert_int_equal(reap_one(&a, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 4);
	(void)r2;
	ring_close(&a);
	ring_close(&b);
}

/* A call with LINK, the last entry of its chain read so far, answered
 * with an error through its ring's ready list (a made-done request's
 * quick finish, rce_finish_done): the chain fails, so the next entry read,
 * still in the chain, is cancelled, and the one after it runs. */
static void failed_call_ending_its_chain_cancels_the_rest(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "bad", 32, 3);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	assert_int_equal(reply_res(&b, hb, info.txid, -RC_ENOENT, ""), 4);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), -RC_ENOENT);
	assert_int_equal(ud, 3);
	queue_nop(&a, 0, 0, 4); /* read after the failure, still in the chain */
	queue_nop(&a, 5, 0, 5);
	assert_int_equal(rc_submit(&a), 2);
	assert_int_equal(cqes_ready(&a), 2);
	assert_int_equal(reap_one(&a, &ud), -RC_ECANCELED);
	assert_int_equal(ud, 4);
	assert_int_equal(reap_one(&a, &ud), 5);
	assert_int_equal(ud, 5);
	ring_close(&a);
	ring_close(&b);
}

/* An empty reply answers the call (res 0) and is no error for the
 * replier: the direct-copy path once answered it, then went the long way
 * and told the replier -ENOENT. */
static void empty_reply_answers_the_call(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "empty", 32, 10);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 5);
	assert_int_equal(reply(&b, hb, info.txid, ""), 0);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 0);
	assert_int_equal(ud, 10);
	ring_close(&a);
	ring_close(&b);
}

/* Replies of every size reach the caller exactly: up to 24 bytes one
 * travels in the call's request (lib/channel.c RCE_REPLY_INLINE), a
 * longer one through the copy hook or a message; with and without a
 * result in front. Nothing past the reply is written. */
static void short_and_long_replies(void **state)
{
	static const uint32_t lens[] = { 1, 8, 23, 24, 25, 200, RC_CHANNEL_MSG_MAX - 4 };
	struct rc_ring a, b;
	uint32_t ha, hb;
	char *text = malloc(RC_CHANNEL_MSG_MAX + 1), *want = malloc(RC_CHANNEL_MSG_MAX + 1);
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	for (uint32_t i = 0; i < 2 * sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t len = lens[i / 2];
		bool with_res = i % 2;
		char *r = queue_call(&a, ha, "size", RC_CHANNEL_MSG_MAX, 40 + i);

		for (uint32_t k = 0; k < len; k++)
			want[k] = (char)('a' + (k + i) % 26);
		want[len] = 0;
		assert_int_equal(rc_submit(&a), 1);
		assert_int_equal(take_request(&b, hb, text, &info), 4);
		if (with_res)
			assert_int_equal(reply_res(&b, hb, info.txid, 77, want), (int)len + 4);
		else
			assert_int_equal(reply(&b, hb, info.txid, want), (int)len);
		run_engine(&a);
		assert_int_equal(reap_one(&a, &ud), with_res ? 77 : (int)len);
		assert_int_equal(ud, 40 + i);
		assert_memory_equal(r, want, len);
		for (uint32_t k = len; k <= RC_CHANNEL_MSG_MAX; k++)
			assert_int_equal(r[k], 0);
		rc_free(&a, r);
	}
	free(text);
	free(want);
	ring_close(&a);
	ring_close(&b);
}

/* A call that ends without a reply (its server gone) leaves its reply
 * buffer as it was, though the request it reuses carried a short reply
 * before (a CALL's kept reply is emptied when it parks). */
static void call_failed_after_a_short_reply_writes_nothing(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], *r;
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "one", 32, 1);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	assert_int_equal(reply(&b, hb, info.txid, "stale reply"), 11);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 11);
	r = queue_call(&a, ha, "two", 32, 2);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	ring_close(&b);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), -RC_EPIPE);
	assert_int_equal(ud, 2);
	for (int k = 0; k <= 32; k++)
		assert_int_equal(r[k], 0);
	ring_close(&a);
}

/* Calls answered while their ring was busy complete in one batch
 * (rce_ipc_run_ready takes them off the ready list under one lock); the
 * first one's chain holds a CANCEL of the second, which is in that batch
 * already: the second ends -ECANCELED, once, and is not completed again
 * by the batch (one CQE per SQE; ASan watches the freed request). */
static void cancel_of_a_call_in_the_same_batch(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info[2];
	uint64_t ud;
	int32_t res;
	bool seen[5] = { false };

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "one", 32, 1);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK); /* LINK: answered the long way */
	rc_prep_cancel(rc_get_sqe(&a), 3, 0);
	rc_sqe_set_data(last_sqe(&a), 2);
	queue_call(&a, ha, "two", 32, 3);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	queue_nop(&a, 0, 0, 4);
	assert_int_equal(rc_submit(&a), 4);
	assert_int_equal(cqes_ready(&a), 0);
	assert_int_equal(take_request(&b, hb, text, &info[0]), 3);
	assert_int_equal(take_request(&b, hb, text, &info[1]), 3);
	assert_int_equal(reply(&b, hb, info[0].txid, "r1"), 2);
	assert_int_equal(reply(&b, hb, info[1].txid, "r2"), 2);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 4);
	for (int i = 0; i < 4; i++) {
		res = reap_one(&a, &ud);
		assert_true(ud >= 1 && ud <= 4 && !seen[ud]);
		seen[ud] = true;
		assert_int_equal(res, ud == 1 ? 2 : ud == 2 ? 1 : -RC_ECANCELED);
	}
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 0);
	ring_close(&a);
	ring_close(&b);
}

/* The hosted handlers with a wake hook that counts. */
static struct rce_ipc_ops ipc_counting;
static struct rce_handlers handlers_counting;
static unsigned wakes;

static void counting_wake(struct rce_ring *r)
{
	wakes++;
	host_handlers.ipc->wake(r);
}

/* Eight replies to one ring, in one batch of the server's, wake it once:
 * a ring kicked already (its ready list or its CQEs not yet run) is not
 * woken again (rce_kick); once its run has taken them, the next reply
 * wakes it again. Each way of answering: made ready (LINK), completed
 * straight away, or a SEND taken in after the bound. */
static void replies_in_a_burst_wake_the_caller_once(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info[8];
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	ipc_counting = *ctx_of(&a)->ops->ipc;
	ipc_counting.wake = counting_wake;
	handlers_counting = *ctx_of(&a)->ops;
	handlers_counting.ipc = &ipc_counting;
	ctx_of(&a)->ops = ctx_of(&b)->ops = &handlers_counting;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 8; i++) {
			queue_call(&a, ha, "burst", 32, 1 + i);
			if (round == 0) { /* LINK: each answer goes to the ready list */
				rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
				queue_nop(&a, 0, 0, 100 + i);
			}
		}
		assert_int_equal(rc_submit(&a), round == 0 ? 16 : 8);
		for (int i = 0; i < 8; i++)
			assert_int_equal(take_request(&b, hb, text, &info[i]), 5);
		wakes = 0;
		for (int i = 0; i < 8; i++)
			rc_prep_channel_reply(rc_get_sqe(&b), hb, info[i].txid, NULL, 0, 0);
		assert_int_equal(rc_submit(&b), 8);
		assert_int_equal(wakes, 1);
		run_engine(&a);
		assert_int_equal(cqes_ready(&a), round == 0 ? 16 : 8);
		for (int i = 0; i < (round == 0 ? 16 : 8); i++)
			assert_int_equal(reap_one(&a, &ud), 0);
		run_engine(&b);
		while (cqes_ready(&b))
			assert_int_equal(reap_one(&b, &ud), 0);
	}
	ring_close(&a);
	ring_close(&b);
}

/* A CANCEL that meets its call's reply attached (the REPLY ran, the call
 * not yet completed): the call ends -ECANCELED, not with the reply, while
 * the REPLY itself succeeded (its bytes may already be in the caller's
 * buffer: hosted, a REPLY copies straight into it). Forced on one ring calling itself: a
 * REPLY and a CANCEL in one submit run in SQ order, before the call the
 * REPLY made ready is completed (rce_ring_run takes ready calls after the
 * SQ). The stress below reaches this only by luck; here it always is. */
static void cancel_meets_an_attached_reply(void **state)
{
	struct rc_ring a;
	uint32_t h0, h1;
	char text[RC_CHANNEL_MSG_MAX + 1], *rep;
	struct rc_channel_info info;
	uint64_t ud;
	int32_t res;

	(void)state;
	ring_open(&a, 16, 32, 0);
	make_channel(&a, &h0, &h1);
	queue_call(&a, h0, "ping", 32, 5);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&a, h1, text, &info), 4);
	rep = rc_alloc(&a, 4);
	memcpy(rep, "pong", 4);
	rc_prep_channel_reply(rc_get_sqe(&a), h1, info.txid, rep, 4, 0);
	rc_sqe_set_data(last_sqe(&a), 6);
	rc_prep_cancel(rc_get_sqe(&a), 5, 0);
	rc_sqe_set_data(last_sqe(&a), 7);
	submit_all(&a);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 3);
	for (int i = 0; i < 3; i++) {
		res = reap_one(&a, &ud);
		if (ud == 5)
			assert_int_equal(res, -RC_ECANCELED);
		else if (ud == 6)
			assert_int_equal(res, 4); /* attached, then dropped */
		else
			assert_int_equal(res, 1);
	}
	ring_close(&a);
}

/* The caller dies (its ring and table destroyed) while the server holds
 * its request: if nobody else holds the caller's end, the reply gets
 * -EPIPE; if another caller holds a duplicate of that end (the channel
 * lives on), -ENOENT. A reply already attached when the caller died is
 * freed with it (LeakSanitizer watches). */
static void reply_after_the_caller_died(void **state)
{
	struct rc_ring a, b, c;
	uint32_t ha, hb, hc;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info, info2;
	int32_t d;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "one", 32, 1);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	ring_close(&a);
	assert_int_equal(reply(&b, hb, info.txid, "nobody"), -RC_EPIPE);
	ring_close(&b);

	pair_open(&a, &b, &ha, &hb);
	ring_open(&c, 8, 16, 0);
	rc_prep_handle_dup(rc_get_sqe(&a), ha, RC_CHANNEL_RIGHTS, 0);
	d = run_one(&a, NULL);
	assert_true(d > 0);
	hc = give(&a, (uint32_t)d, &c);
	queue_call(&a, ha, "one", 32, 1);
	queue_call(&a, ha, "two", 32, 2);
	assert_int_equal(rc_submit(&a), 2);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	assert_int_equal(take_request(&b, hb, text, &info2), 3);
	assert_int_equal(reply(&b, hb, info2.txid, "attached"), 8); /* a never runs again */
	ring_close(&a);
	assert_int_equal(reply(&b, hb, info.txid, "gone"), -RC_ENOENT);
	/* c, holding the same end, still calls */
	{
		char *rb = queue_call(&c, hc, "three", 32, 3);
		uint64_t ud;

		assert_int_equal(rc_submit(&c), 1);
		assert_int_equal(take_request(&b, hb, text, &info), 5);
		assert_int_equal(reply(&b, hb, info.txid, "yes"), 3);
		run_engine(&c);
		assert_int_equal(reap_one(&c, &ud), 3);
		assert_string_equal(rb, "yes");
	}
	ring_close(&c);
	ring_close(&b);
}

/* The server's end closes with calls waiting (one received, one still
 * queued): both complete with -EPIPE; a call on a closed peer gets
 * -EPIPE at once. */
static void server_gone_fails_waiting_calls(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	queue_call(&a, ha, "one", 32, 1);
	queue_call(&a, ha, "two", 32, 2);
	assert_int_equal(rc_submit(&a), 2);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	ring_close(&b);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 2);
	assert_int_equal(reap_one(&a, &ud), -RC_EPIPE);
	assert_int_equal(reap_one(&a, &ud), -RC_EPIPE);
	queue_call(&a, ha, "three", 32, 3);
	assert_int_equal(run_one(&a, NULL), -RC_EPIPE);
	ring_close(&a);
}

/* A call to a full queue parks with its request beyond the bound; a
 * cancel takes the request back (never delivered), and the handle it
 * carried is closed (its peer sees -EPIPE). */
static void call_beyond_the_bound_is_taken_back(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, x0, x1, *hs;
	char text[RC_CHANNEL_MSG_MAX + 1], *req, *rb;
	struct rc_channel_info info;
	int32_t res;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	make_channel(&a, &x0, &x1);
	for (unsigned i = 0; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(send_text(&a, ha, "x", NULL, 0, RC_CHANNEL_NOWAIT), 1);
	req = rc_alloc(&a, 8);
	rb = rc_alloc(&a, 8);
	hs = rc_alloc(&a, 4);
	memcpy(req, "call", 4);
	hs[0] = x0;
	rc_prep_channel_call(rc_get_sqe(&a), ha, req, 4, 4, hs, rb, 8, RC_CHANNEL_NOWAIT);
	assert_int_equal(run_one(&a, NULL), -RC_EAGAIN);
	rc_prep_channel_call(rc_get_sqe(&a), ha, req, 4, 4, hs, rb, 8, 0);
	rc_sqe_set_data(last_sqe(&a), 9);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(cancel(&a, 9, &res), 1);
	assert_int_equal(res, -RC_ECANCELED);
	for (unsigned i = 0; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(take_request(&b, hb, text, &info), 1);
	assert_int_equal(take_request(&b, hb, text, &info), -RC_EAGAIN);
	/* x0 went with the request and was closed with it */
	rc_prep_channel_recv(rc_get_sqe(&a), x1, text, 0, 0, NULL, RC_CHANNEL_NOWAIT);
	assert_int_equal(run_one(&a, NULL), -RC_EPIPE);
	ring_close(&a);
	ring_close(&b);
}

/* ---- order and cycles ---- */

/* A send parked on a full queue keeps its place: a receive makes room,
 * and a later send from another caller (which finds room before the
 * parked one's ring has run) is queued behind it, not in front. */
static void parked_sender_is_not_overtaken(void **state)
{
	struct rc_ring a, b, c;
	uint32_t ha, hb, hc;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	int32_t d;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	ring_open(&c, 8, 16, 0);
	rc_prep_handle_dup(rc_get_sqe(&a), ha, RC_CHANNEL_RIGHTS, 0);
	d = run_one(&a, NULL);
	assert_true(d > 0);
	hc = give(&a, (uint32_t)d, &c);
	for (unsigned i = 0; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(send_text(&a, ha, "x", NULL, 0, RC_CHANNEL_NOWAIT), 1);
	queue_send(&a, ha, "first", 1);
	assert_int_equal(rc_submit(&a), 1);
	assert_int_equal(cqes_ready(&a), 0); /* parked */
	assert_int_equal(take_request(&b, hb, text, &info), 1);
	/* c sends before a's engine runs again */
	queue_send(&c, hc, "second", 2);
	assert_int_equal(rc_submit(&c), 1);
	run_engine(&a);
	for (unsigned i = 1; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(take_request(&b, hb, text, &info), 1);
	assert_int_equal(take_request(&b, hb, text, &info), 5);
	assert_string_equal(text, "first");
	assert_int_equal(take_request(&b, hb, text, &info), 6);
	assert_string_equal(text, "second");
	run_engine(&a);
	run_engine(&c);
	assert_int_equal(reap_one(&a, &ud), 5);
	assert_int_equal(reap_one(&c, &ud), 6);
	ring_close(&c);
	ring_close(&a);
	ring_close(&b);
}

/* Several sends parked from one caller and a NOWAIT send: the parked ones
 * go in in order, each completing as a receive brings its message within
 * the bound; the NOWAIT one is refused while any is parked. */
static void parked_senders_complete_in_order(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1], want[16];
	struct rc_channel_info info;
	uint64_t ud;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	for (unsigned i = 0; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(send_text(&a, ha, "x", NULL, 0, RC_CHANNEL_NOWAIT), 1);
	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "p%d", i);
		queue_send(&a, ha, want, (uint64_t)i);
	}
	assert_int_equal(rc_submit(&a), 5);
	assert_int_equal(take_request(&b, hb, text, &info), 1);
	run_engine(&a);
	assert_int_equal(cqes_ready(&a), 1);
	assert_int_equal(reap_one(&a, &ud), 2); /* p0 came within the bound */
	assert_int_equal(ud, 0);
	assert_int_equal(send_text(&a, ha, "nowait", NULL, 0, RC_CHANNEL_NOWAIT), -RC_EAGAIN);
	for (unsigned i = 1; i < RC_CHANNEL_QUEUE_MAX; i++)
		assert_int_equal(take_request(&b, hb, text, &info), 1);
	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "p%d", i);
		assert_int_equal(take_request(&b, hb, text, &info), 2);
		assert_string_equal(text, want);
	}
	run_engine(&a);
	for (int i = 1; i < 5; i++) {
		assert_int_equal(reap_one(&a, &ud), 2);
		assert_int_equal(ud, (uint64_t)i);
	}
	ring_close(&a);
	ring_close(&b);
}

/* Endpoints inside messages cannot form a cycle (which would never be
 * freed): a1 travels to b1's queue; then sending b1 (whose queue holds a
 * message carrying a handle) is refused with -EBUSY and nothing moves.
 * Once that message is received, b1 may travel. */
static void endpoint_cycle_is_refused(void **state)
{
	struct rc_ring a;
	uint32_t a0, a1, b0, b1;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;

	(void)state;
	ring_open(&a, 16, 32, 0);
	make_channel(&a, &a0, &a1);
	make_channel(&a, &b0, &b1);
	assert_int_equal(send_text(&a, b0, "a1", (uint32_t[]){ a1 }, 1, 0), 2);
	assert_int_equal(send_text(&a, a0, "b1", (uint32_t[]){ b1 }, 1, 0), -RC_EBUSY);
	/* b1 is still ours: it receives a1 back */
	assert_int_equal(take_request(&a, b1, text, &info), 2);
	assert_int_equal(info.nhandles, 1);
	a1 = info.handles[0];
	assert_int_equal(send_text(&a, a0, "b1", (uint32_t[]){ b1 }, 1, 0), 2);
	ring_close(&a);
}

/* ---- multishot receive ---- */

#define BUF_LEN 64u

/* A multishot receive over provided buffers: each message is a CQE with
 * MORE and the buffer id (oldest buffer first), the info then the bytes
 * in the buffer; when the group runs dry the receive ends (-ENOBUFS, no
 * MORE) and the next message stays queued: a plain receive gets it.
 * Re-armed with new buffers, it takes the rest, stays armed for a message
 * sent later by another caller, and ends with -ECANCELED on CANCEL. */
static void multishot_until_the_pool_runs_dry(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, x0, x1;
	char text[RC_CHANNEL_MSG_MAX + 1], want[16];
	struct rc_channel_info info;
	uint8_t *pool, *pool2;
	struct rc_cqe *cqe;
	uint32_t head, n = 0;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	make_channel(&a, &x0, &x1);
	for (int i = 0; i < 12; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		if (i == 2)
			assert_int_equal(send_text(&a, ha, want, (uint32_t[]){ x1 }, 1, 0), 2);
		else
			assert_int_equal(send_text(&a, ha, want, NULL, 0, 0), (int)strlen(want));
	}
	pool = rc_alloc(&b, 8 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 8 * BUF_LEN, BUF_LEN, 1, 10, 0);
	assert_int_equal(run_one(&b, NULL), 8);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 1);
	rc_sqe_set_data(last_sqe(&b), 77);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(cqes_ready(&b), 9);
	rc_for_each_cqe(&b, head, cqe)
	{
		assert_int_equal(cqe->user_data, 77);
		if (n < 8) {
			const struct rc_channel_info *hdr = (void *)(pool + n * BUF_LEN);

			snprintf(want, sizeof(want), "m%u", n);
			assert_true(cqe->flags & RC_CQE_F_MORE);
			assert_int_equal(rc_cqe_buffer_id(cqe->flags), 10 + n);
			assert_int_equal(cqe->res, (int)strlen(want));
			assert_int_equal(hdr->len, (uint32_t)cqe->res);
			assert_memory_equal(pool + n * BUF_LEN + RC_CHANNEL_INFO_SIZE, want,
					    strlen(want));
			assert_int_equal(hdr->nhandles, n == 2 ? 1 : 0);
			assert_int_equal(hdr->txid, 0);
		} else {
			assert_int_equal(cqe->res, -RC_ENOBUFS);
			assert_false(cqe->flags & RC_CQE_F_MORE);
			assert_int_equal(rc_cqe_buffer_id(cqe->flags), -1);
		}
		n++;
	}
	rc_cq_advance(&b, n);
	/* the handle that came in m2 works: its peer x0 hears from it */
	{
		const struct rc_channel_info *hdr = (void *)(pool + 2 * BUF_LEN);

		assert_int_equal(send_text(&b, hdr->handles[0], "via", NULL, 0, 0), 3);
		assert_int_equal(take_request(&a, x0, text, &info), 3);
	}
	/* m8 stayed queued */
	assert_int_equal(take_request(&b, hb, text, &info), 2);
	assert_string_equal(text, "m8");
	/* new buffers, ids 100.., in two PROVIDEs that make one run */
	pool2 = rc_alloc(&b, 8 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool2, 4 * BUF_LEN, BUF_LEN, 1, 100, 0);
	assert_int_equal(run_one(&b, NULL), 4);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool2 + 4 * BUF_LEN, 4 * BUF_LEN, BUF_LEN, 1, 104,
				0);
	assert_int_equal(run_one(&b, NULL), 4);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 1);
	rc_sqe_set_data(last_sqe(&b), 78);
	assert_int_equal(rc_submit(&b), 1);
	n = 0;
	rc_for_each_cqe(&b, head, cqe)
	{
		snprintf(want, sizeof(want), "m%u", 9 + n);
		assert_true(cqe->flags & RC_CQE_F_MORE);
		assert_int_equal(rc_cqe_buffer_id(cqe->flags), 100 + n);
		assert_memory_equal(pool2 + n * BUF_LEN + RC_CHANNEL_INFO_SIZE, want, strlen(want));
		n++;
	}
	assert_int_equal(n, 3);
	rc_cq_advance(&b, n);
	/* still armed: a message sent now arrives as another CQE */
	assert_int_equal(send_text(&a, ha, "late", NULL, 0, 0), 4);
	run_engine(&b);
	assert_int_equal(cqes_ready(&b), 1);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	assert_int_equal(cqe->res, 4);
	assert_true(cqe->flags & RC_CQE_F_MORE);
	assert_int_equal(rc_cqe_buffer_id(cqe->flags), 103);
	rc_cqe_seen(&b, cqe);
	rc_prep_cancel(rc_get_sqe(&b), 78, 0);
	submit_all(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	assert_int_equal(cqe->user_data, 78);
	assert_int_equal(cqe->res, -RC_ECANCELED);
	assert_false(cqe->flags & RC_CQE_F_MORE);
	rc_cqe_seen(&b, cqe);
	assert_int_equal(reap_one(&b, NULL), 1);
	ring_close(&a);
	ring_close(&b);
}

/* Ring b of the two tests below: 4 SQ and CQ slots, a backlog of 4; 20
 * one-byte messages queued at hb and 20 provided buffers; a multishot
 * receive (user_data 1) and two NOPs (77, 78) submitted together. */
static void multishot_and_nops(struct rc_ring *a, struct rc_ring *b, uint32_t *hb)
{
	uint32_t ha;
	uint8_t *pool;

	ring_open(a, 8, 16, 0);
	ring_open(b, 4, 4, 4);
	make_channel(a, &ha, hb);
	*hb = give(a, *hb, b);
	for (int i = 0; i < 20; i++)
		assert_int_equal(send_text(a, ha, "z", NULL, 0, 0), 1);
	pool = rc_alloc(b, 20 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(b), pool, 20 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(b, NULL), 20);
	rc_prep_channel_recv_multishot(rc_get_sqe(b), *hb, 0);
	rc_sqe_set_data(last_sqe(b), 1);
	rc_prep_nop(rc_get_sqe(b), 0);
	rc_sqe_set_data(last_sqe(b), 77);
	rc_prep_nop(rc_get_sqe(b), 0);
	rc_sqe_set_data(last_sqe(b), 78);
}

/* A multishot receive's first pass fills the CQ and the backlog (4 CQEs
 * each, the last message on its own CQE); the NOPs after it in the same
 * submission wait in the SQ (-EBUSY) until the backlog has a slot for
 * each of their CQEs. (The take went on with the room counted at the
 * chunk's start: the NOPs' CQEs overwrote the two oldest backlogged ones,
 * two messages lost, and the NOPs' CQEs came twice.) Every CQE once, the
 * messages in order, the rest of them still queued. */
static void multishot_burst_never_overruns_the_backlog(void **state)
{
	struct rc_ring a, b;
	uint32_t hb, head, ms = 0, more = 0, nops[2] = { 0, 0 };
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	struct rc_cqe *cqe;
	int busy;

	(void)state;
	multishot_and_nops(&a, &b, &hb);
	busy = rc_submit(&b); /* checked last: the CQEs tell what went wrong */
	for (int round = 0; round < 6; round++) {
		uint32_t seen = 0;

		rc_for_each_cqe(&b, head, cqe)
		{
			if (cqe->user_data == 77 || cqe->user_data == 78) {
				assert_int_equal(cqe->res, 0);
				nops[cqe->user_data - 77]++;
			} else {
				assert_int_equal(cqe->user_data, 1);
				assert_int_equal(cqe->res, 1);
				assert_int_equal(rc_cqe_buffer_id(cqe->flags), (int)ms);
				more += (cqe->flags & RC_CQE_F_MORE) != 0;
				ms++;
			}
			seen++;
		}
		rc_cq_advance(&b, seen);
		run_engine(&b);
	}
	assert_int_equal(nops[0], 1);
	assert_int_equal(nops[1], 1);
	assert_int_equal(ms, 8);
	assert_int_equal(more, 7);
	for (int i = 8; i < 20; i++)
		assert_int_equal(take_request(&b, hb, text, &info), 1);
	assert_int_equal(busy, -RC_EBUSY);
	ring_close(&a);
	ring_close(&b);
}

/* The same, then every free SQ slot filled with TIMEOUTs that park, twice,
 * nothing reaped: the engine takes no request its pool has none for
 * (the overrun backlog made the chunk's room wrap: TIMEOUTs were taken
 * until a fifth found the pool of 4 empty, a NULL dereference, the
 * server's crash). Run in a child: a crash fails the test, not the suite.
 * Then the NOPs complete, once each, and no TIMEOUT. */
static void backlog_full_takes_no_request_beyond_the_pool(void **state)
{
	int st = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rc_ring a, b;
		uint32_t hb, head, nops = 0;
		struct rc_cqe *cqe;
		struct rc_sqe *s;
		int busy;

		signal(SIGSEGV, SIG_DFL); /* not cmocka's handler: the parent sees it */
		multishot_and_nops(&a, &b, &hb);
		busy = rc_submit(&b);
		for (int round = 0; round < 2; round++) {
			while ((s = rc_get_sqe(&b)) != NULL) {
				rc_prep_timeout(s, 1000000000000ull, 0, 0);
				rc_sqe_set_data(s, 9);
			}
			int k = rc_submit(&b);

			if (k < 0 && k != -RC_EBUSY)
				_exit(11);
		}
		for (int round = 0; round < 6; round++) {
			uint32_t seen = 0;

			rc_for_each_cqe(&b, head, cqe)
			{
				if (cqe->user_data == 9)
					_exit(12); /* a TIMEOUT of 1000 s completed */
				nops += cqe->user_data == 77 || cqe->user_data == 78;
				seen++;
			}
			rc_cq_advance(&b, seen);
			rc_submit(&b);
		}
		if (busy != -RC_EBUSY)
			_exit(10);
		_exit(nops == 2 ? 0 : 13);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_false(WIFSIGNALED(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A multishot receive whose CQEs would find no room (a small CQ and
 * backlog) ends with its last message on its own CQE (BUFFER, no MORE);
 * the rest stay queued. Its peer closing ends an armed one with -EPIPE.
 * Bad combinations are refused. */
static void multishot_ends_when_completions_have_no_room(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint8_t *pool;
	struct rc_cqe *cqe;
	uint32_t head, n = 0, more = 0;

	(void)state;
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 4, 4, 4); /* 4 CQ slots, 4 requests or backlogged CQEs */
	make_channel(&a, &ha, &hb);
	hb = give(&a, hb, &b);
	for (int i = 0; i < 20; i++)
		assert_int_equal(send_text(&a, ha, "z", NULL, 0, 0), 1);
	pool = rc_alloc(&b, 20 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 20 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 20);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	assert_int_equal(rc_submit(&b), 1);
	/* 4 in the CQ, 3 in the backlog (the request owns the 4th slot),
	 * then the last message on the request's own CQE */
	for (int round = 0; round < 3; round++) {
		uint32_t seen = 0;

		rc_for_each_cqe(&b, head, cqe)
		{
			assert_int_equal(cqe->res, 1);
			assert_int_equal(rc_cqe_buffer_id(cqe->flags), (int)n);
			more += (cqe->flags & RC_CQE_F_MORE) != 0;
			n++;
			seen++;
		}
		rc_cq_advance(&b, seen);
		run_engine(&b); /* the backlog comes to the CQ */
	}
	assert_int_equal(n, 8);
	assert_int_equal(more, 7);
	for (int i = 8; i < 20; i++)
		assert_int_equal(take_request(&b, hb, text, &info), 1);
	/* armed, then the peer closes */
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 5);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(cqes_ready(&b), 0);
	rc_prep_close(rc_get_sqe(&a), ha, 0);
	assert_int_equal(run_one(&a, NULL), 0);
	run_engine(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	assert_int_equal(cqe->res, -RC_EPIPE);
	assert_false(cqe->flags & RC_CQE_F_MORE);
	rc_cqe_seen(&b, cqe);
	/* refused: a buffer with MULTISHOT, SKIP_SUCCESS with it, a group
	 * without it */
	rc_prep_channel_recv(rc_get_sqe(&b), hb, pool, 8, 0, NULL, RC_CHANNEL_MULTISHOT);
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_flags(last_sqe(&b), RC_SQE_SKIP_SUCCESS);
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL);
	rc_prep_channel_recv(rc_get_sqe(&b), hb, NULL, 0, 0, NULL, RC_CHANNEL_GROUP(1));
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL);
	ring_close(&a);
	ring_close(&b);
}

/* CQEs the engine of r has posted, published or not (its private tail). */
static uint32_t cq_posted(struct rc_ring *r)
{
	return rce_ring_cq_tail(rc_inproc_engine(r));
}

/* Check the multishot CQE cqe: message text in buffer bid of pool. */
static void check_pbuf_cqe(const struct rc_cqe *cqe, const uint8_t *pool, uint32_t bid,
			   const char *text, bool call)
{
	const struct rc_channel_info *hdr = (const void *)(pool + bid * BUF_LEN);

	assert_int_equal(cqe->user_data, 9);
	assert_int_equal(cqe->res, (int)strlen(text));
	assert_true(cqe->flags & RC_CQE_F_MORE);
	assert_int_equal(rc_cqe_buffer_id(cqe->flags), (int)bid);
	assert_int_equal(hdr->len, strlen(text));
	assert_int_equal(hdr->nhandles, 0);
	assert_true(call ? hdr->txid != 0 : hdr->txid == 0);
	assert_memory_equal(pool + bid * BUF_LEN + RC_CHANNEL_INFO_SIZE, text, strlen(text));
}

/* One pass of a multishot receive over queued messages crosses from one
 * run of provided buffers to the next (runs that do not merge: their ids
 * do not follow on): each message lands in its own buffer, ids 10, 11,
 * then 50, 51; with both runs used up the receive ends (-ENOBUFS) and the
 * fifth message stays queued. (The receive keeps its next buffer from
 * one message to the next: a run used up must hand over to the next.) */
static void multishot_pass_crosses_buffer_runs(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, head, n = 0, bids[] = { 10, 11, 50, 51 };
	const char *want[] = { "m0", "m1", "m2", "m3", "m4" };
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint8_t *pool[2], *at;
	struct rc_cqe *cqe;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(send_text(&a, ha, want[i], NULL, 0, 0), 2);
	for (uint32_t r = 0; r < 2; r++) {
		pool[r] = rc_alloc(&b, 4 * BUF_LEN);
		memset(pool[r], 0, 4 * BUF_LEN);
		rc_prep_provide_buffers(rc_get_sqe(&b), pool[r], 2 * BUF_LEN, BUF_LEN, 0,
					bids[2 * r], 0);
		assert_int_equal(run_one(&b, NULL), 2);
	}
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 1);
	run_engine(&b);
	rc_for_each_cqe(&b, head, cqe)
	{
		if (n == 4) {
			assert_int_equal(cqe->res, -RC_ENOBUFS);
			assert_false(cqe->flags & RC_CQE_F_MORE);
			n++;
			continue;
		}
		assert_true(n < 4);
		at = pool[n / 2] + (n % 2) * BUF_LEN;
		assert_int_equal(cqe->res, 2);
		assert_true(cqe->flags & RC_CQE_F_MORE);
		assert_int_equal(rc_cqe_buffer_id(cqe->flags), bids[n]);
		assert_int_equal(((const struct rc_channel_info *)(const void *)at)->len, 2);
		assert_memory_equal(at + RC_CHANNEL_INFO_SIZE, want[n], 2);
		n++;
	}
	assert_int_equal(n, 5);
	rc_cq_advance(&b, n);
	for (uint32_t r = 0; r < 2; r++) /* nothing past each run's two buffers */
		assert_int_equal(
			((const struct rc_channel_info *)(const void *)(pool[r] + 2 * BUF_LEN))
				->len,
			0);
	assert_int_equal(take_request(&b, hb, text, &info), 2);
	assert_string_equal(text, "m4");
	ring_close(&a);
	ring_close(&b);
}

/* A message to a multishot receive parked on a ring nobody is running
 * (in-process rings, one thread: the sender's run may act for it) goes
 * straight into the receive's next buffer: its CQE is posted by the
 * sender's run, before the receiver's ring runs at all (readable at
 * once by its phase bit; the CQ tail is published by that run). The next message while that ring has yet to run queues and
 * arrives in the receiver's run, after the first: order kept. A CALL
 * delivered so carries its txid, and its reply gets back. */
static void send_delivered_straight_into_a_parked_multishot(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, head, n = 0;
	const char *want[] = { "one", "two", "three" };
	char *answer;
	uint8_t *pool;
	struct rc_cqe *cqe;
	uint64_t txid = 0;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	pool = rc_alloc(&b, 8 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 8 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 8);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(cq_posted(&b), 1); /* PROVIDE_BUFFERS' */
	/* one: straight in, before b runs */
	assert_int_equal(send_text(&a, ha, want[0], NULL, 0, 0), 3);
	assert_int_equal(cq_posted(&b), 2);
	/* readable already (its phase bit); b's run publishes the tail */
	assert_int_equal(cqes_ready(&b), 1);
	/* two, three: b has yet to run, so they queue for its run */
	assert_int_equal(send_text(&a, ha, want[1], NULL, 0, 0), 3);
	assert_int_equal(send_text(&a, ha, want[2], NULL, 0, 0), 5);
	assert_int_equal(cq_posted(&b), 2);
	run_engine(&b);
	rc_for_each_cqe(&b, head, cqe)
	{
		check_pbuf_cqe(cqe, pool, n, want[n], false);
		n++;
	}
	assert_int_equal(n, 3);
	rc_cq_advance(&b, n);
	/* b ran: a CALL goes straight in, its txid with it */
	assert_int_equal(cq_posted(&b), 4);
	answer = queue_call(&a, ha, "ask", 16, 5);
	submit_all(&a);
	assert_int_equal(cq_posted(&b), 5);
	run_engine(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	check_pbuf_cqe(cqe, pool, 3, "ask", true);
	txid = ((const struct rc_channel_info *)(void *)(pool + 3 * BUF_LEN))->txid;
	rc_cqe_seen(&b, cqe);
	assert_int_equal(reply(&b, hb, txid, "answer"), 6);
	run_engine(&a);
	assert_int_equal(reap_one(&a, NULL), 6);
	assert_string_equal(answer, "answer");
	ring_close(&a);
	ring_close(&b);
}

/* The same while another thread is inside an engine call on the
 * receiver's ring (its engine word held, as its enter holds it): the
 * sender may not act for it, so the message goes the long way (queued,
 * the receive made ready) and arrives in the receiver's own run. A ring
 * whose next buffer is too small, or that has none, gets nothing
 * straight either: the receive ends as it would (-EOVERFLOW, -ENOBUFS)
 * and the message stays queued. */
static void send_queues_when_the_receiver_cannot_be_acted_for(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	char text[RC_CHANNEL_MSG_MAX + 1];
	struct rc_channel_info info;
	uint8_t *pool;
	struct rc_cqe *cqe;
	uint32_t *busy;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	busy = &rc_inproc_client(&b)->engine_busy;
	pool = rc_alloc(&b, 2 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 1);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 1);
	__atomic_store_n(busy, 1, __ATOMIC_RELEASE);
	assert_int_equal(send_text(&a, ha, "held", NULL, 0, 0), 4);
	assert_int_equal(cq_posted(&b), 1); /* not delivered: queued */
	__atomic_store_n(busy, 0, __ATOMIC_RELEASE);
	run_engine(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	check_pbuf_cqe(cqe, pool, 0, "held", false);
	rc_cqe_seen(&b, cqe);
	/* no buffer left: the receive ends, the message stays queued */
	assert_int_equal(send_text(&a, ha, "dry", NULL, 0, 0), 3);
	assert_int_equal(cq_posted(&b), 2);
	run_engine(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	assert_int_equal(cqe->res, -RC_ENOBUFS);
	assert_false(cqe->flags & RC_CQE_F_MORE);
	rc_cqe_seen(&b, cqe);
	assert_int_equal(take_request(&b, hb, text, &info), 3);
	assert_string_equal(text, "dry");
	/* a buffer too small for the message: -EOVERFLOW, queued */
	rc_prep_provide_buffers(rc_get_sqe(&b), pool + BUF_LEN, 40, 40, 0, 1, 0);
	assert_int_equal(run_one(&b, NULL), 1);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(send_text(&a, ha, "a message too long", NULL, 0, 0), 18);
	run_engine(&b);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0);
	assert_int_equal(cqe->res, -RC_EOVERFLOW);
	rc_cqe_seen(&b, cqe);
	assert_int_equal(take_request(&b, hb, text, &info), 18);
	ring_close(&a);
	ring_close(&b);
}

/* Post a plain RECV of h on r into a buffer of len bytes (too small for
 * the messages below: it fails with -EOVERFLOW when it runs). */
static void queue_small_recv(struct rc_ring *r, uint32_t h, uint32_t len, uint64_t ud)
{
	rc_prep_channel_recv(rc_get_sqe(r), h, rc_alloc(r, len), len, 0, NULL, 0);
	rc_sqe_set_data(last_sqe(r), ud);
}

/* The next CQE of r: user_data ud and, with text, the multishot message
 * text in its buffer of pool; without, res want. */
static void expect_cqe(struct rc_ring *r, uint64_t ud, const uint8_t *pool, const char *text,
		       int32_t want)
{
	struct rc_cqe *cqe;

	assert_int_equal(rc_peek_cqe(r, &cqe), 0);
	assert_int_equal(cqe->user_data, ud);
	if (text) {
		int bid = rc_cqe_buffer_id(cqe->flags);

		assert_true(bid >= 0 && (cqe->flags & RC_CQE_F_MORE));
		assert_int_equal(cqe->res, (int)strlen(text));
		assert_memory_equal(pool + (uint32_t)bid * BUF_LEN + RC_CHANNEL_INFO_SIZE, text,
				    strlen(text));
	} else {
		assert_int_equal(cqe->res, want);
	}
	rc_cqe_seen(r, cqe);
}

/* A receive handed a message that then fails to take it (its buffer is
 * too small: -EOVERFLOW) leaves it at the head, and the receive handed
 * the next message takes this one first if it runs after the failure: a
 * multishot receive on another ring run after the failed one, and the
 * same two on one ring, deliver "first" before "second". A multishot on
 * another ring that ran before the failure has taken the later message
 * already: the earlier one follows it (docs/abi.md 7.4, the one case
 * where a later message arrives first). */
static void failed_receive_leaves_its_message_first(void **state)
{
	struct rc_ring s, a, b;
	uint32_t hs, ha, hb;
	int32_t res;
	uint8_t *pool;

	(void)state;
	ring_open(&s, 8, 16, 0);
	ring_open(&a, 8, 16, 0);
	ring_open(&b, 8, 16, 0);
	make_channel(&s, &hs, &ha);
	ha = give(&s, ha, &a);
	rc_prep_handle_dup(rc_get_sqe(&a), ha, RC_CHANNEL_RIGHTS, 0);
	hb = give(&a, (uint32_t)run_one(&a, NULL), &b);
	pool = rc_alloc(&b, 16 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 16 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 16);
	/* a's receive parked first, b's multishot second; a runs first */
	queue_small_recv(&a, ha, 2, 1);
	submit_all(&a);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	submit_all(&b);
	assert_int_equal(send_text(&s, hs, "first", NULL, 0, 0), 5);
	assert_int_equal(send_text(&s, hs, "second", NULL, 0, 0), 6);
	run_engine(&a);
	expect_cqe(&a, 1, NULL, NULL, -RC_EOVERFLOW);
	run_engine(&b);
	expect_cqe(&b, 9, pool, "first", 0);
	expect_cqe(&b, 9, pool, "second", 0);
	assert_int_equal(cancel(&b, 9, &res), 1);
	assert_int_equal(res, -RC_ECANCELED);
	/* both on ring b, parked in that order: one run, CQEs in queue order */
	queue_small_recv(&b, hb, 2, 2);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 10);
	submit_all(&b);
	assert_int_equal(send_text(&s, hs, "third", NULL, 0, 0), 5);
	assert_int_equal(send_text(&s, hs, "fourth", NULL, 0, 0), 6);
	run_engine(&b);
	expect_cqe(&b, 2, NULL, NULL, -RC_EOVERFLOW);
	expect_cqe(&b, 10, pool, "third", 0);
	expect_cqe(&b, 10, pool, "fourth", 0);
	assert_int_equal(cancel(&b, 10, &res), 1);
	assert_int_equal(res, -RC_ECANCELED);
	/* the limit: b's multishot runs before a's receive fails */
	queue_small_recv(&a, ha, 2, 3);
	submit_all(&a);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 11);
	submit_all(&b);
	assert_int_equal(send_text(&s, hs, "fifth", NULL, 0, 0), 5);
	assert_int_equal(send_text(&s, hs, "sixth", NULL, 0, 0), 5);
	run_engine(&b);
	expect_cqe(&b, 11, pool, "sixth", 0);
	assert_int_equal(cqes_ready(&b), 0);
	run_engine(&a);
	expect_cqe(&a, 3, NULL, NULL, -RC_EOVERFLOW);
	run_engine(&b);
	expect_cqe(&b, 11, pool, "fifth", 0);
	assert_int_equal(cancel(&b, 11, &res), 1);
	assert_int_equal(res, -RC_ECANCELED);
	ring_close(&s);
	ring_close(&a);
	ring_close(&b);
}

/* A reply to a call on a ring the replier may act for (in-process rings,
 * one thread) completes the call there and then: the caller's CQE is
 * posted by the replier's run, before the caller's ring runs. Not for a
 * call with LINK (its chain must run in its own ring's run), nor while
 * another thread holds the caller's engine, nor on a ring with a TIMEOUT
 * armed: those go the long way and complete in the caller's run. */
static void reply_completes_the_call_straight_away(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb, *busy;
	char text[RC_CHANNEL_MSG_MAX + 1], *r1, *r2, *r3, *r4;
	struct rc_channel_info i1, i2, i3, i4;
	uint64_t ud;
	uint32_t base;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	base = cq_posted(&a); /* CHANNEL_CREATE's */
	busy = &rc_inproc_client(&a)->engine_busy;
	r1 = queue_call(&a, ha, "q1", 16, 1);
	r2 = queue_call(&a, ha, "q2", 16, 2);
	rc_sqe_set_flags(last_sqe(&a), RC_SQE_LINK);
	rc_prep_nop(rc_get_sqe(&a), 7);
	rc_sqe_set_data(last_sqe(&a), 3);
	r3 = queue_call(&a, ha, "q3", 16, 4);
	submit_all(&a);
	assert_int_equal(take_request(&b, hb, text, &i1), 2);
	assert_int_equal(take_request(&b, hb, text, &i2), 2);
	assert_int_equal(take_request(&b, hb, text, &i3), 2);
	/* straight: a's CQE is posted before a runs */
	assert_int_equal(cq_posted(&a), base + 0);
	assert_int_equal(reply(&b, hb, i1.txid, "a1"), 2);
	assert_int_equal(cq_posted(&a), base + 1);
	assert_int_equal(reap_one(&a, &ud), 2); /* readable at once (its phase bit) */
	assert_int_equal(ud, 1);
	assert_string_equal(r1, "a1");
	/* with LINK: the long way (the NOP behind it runs in a's run) */
	assert_int_equal(reply(&b, hb, i2.txid, "a2"), 2);
	assert_int_equal(cq_posted(&a), base + 1);
	run_engine(&a);
	assert_int_equal(cq_posted(&a), base + 3);
	assert_int_equal(reap_one(&a, &ud), 2);
	assert_int_equal(ud, 2);
	assert_int_equal(reap_one(&a, &ud), 7);
	assert_int_equal(ud, 3);
	assert_string_equal(r2, "a2");
	/* a's engine held by another thread: the long way */
	__atomic_store_n(busy, 1, __ATOMIC_RELEASE);
	assert_int_equal(reply(&b, hb, i3.txid, "a3"), 2);
	assert_int_equal(cq_posted(&a), base + 3);
	__atomic_store_n(busy, 0, __ATOMIC_RELEASE);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 2);
	assert_int_equal(ud, 4);
	assert_string_equal(r3, "a3");
	/* a TIMEOUT armed on a: the long way */
	rc_prep_timeout(rc_get_sqe(&a), 3600000000000ull, 0, 0); /* an hour */
	rc_sqe_set_data(last_sqe(&a), 8);
	r4 = queue_call(&a, ha, "q4", 16, 5);
	submit_all(&a);
	assert_int_equal(take_request(&b, hb, text, &i4), 2);
	assert_int_equal(reply(&b, hb, i4.txid, "a4"), 2);
	assert_int_equal(cq_posted(&a), base + 4);
	run_engine(&a);
	assert_int_equal(reap_one(&a, &ud), 2);
	assert_int_equal(ud, 5);
	assert_string_equal(r4, "a4");
	assert_int_equal(cancel(&a, 8, &(int32_t){ 0 }), 1);
	ring_close(&a);
	ring_close(&b);
}

/* An in-process receiver with a TIMEOUT armed waits with a timeout
 * (inproc_run reads rce_ring_next_deadline) while another thread's sends
 * deliver straight into its multishot receive (rce_post_more counts a
 * TIMEOUT's completions under the engine word): the deadline must be read
 * under the word too (TSan found the read after it). */
struct deadline_rx {
	struct rc_ring *b;
	int stop;
	uint32_t got;
};

static void *deadline_rx_main(void *arg)
{
	struct deadline_rx *x = arg;
	struct rc_cqe *cqe;

	while (!__atomic_load_n(&x->stop, __ATOMIC_RELAXED)) {
		int err = rc_wait_cqe_timeout(x->b, &cqe, 20000);

		if (err == 0) {
			__atomic_fetch_add(&x->got, 1, __ATOMIC_RELAXED);
			rc_cqe_seen(x->b, cqe);
		}
	}
	return NULL;
}

static void next_deadline_read_under_the_engine_word(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	uint8_t *pool;
	pthread_t t;
	struct deadline_rx x = { .b = &b };

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	pool = rc_alloc(&b, 256 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 256 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 256);
	rc_prep_timeout(rc_get_sqe(&b), 3600000000000ull, 0, 0); /* an hour: nr_timeouts 1 */
	rc_sqe_set_data(last_sqe(&b), 8);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 2);
	assert_int_equal(pthread_create(&t, NULL, deadline_rx_main, &x), 0);
	for (uint32_t i = 0; i < 200; i++) {
		assert_int_equal(send_text(&a, ha, "ping", NULL, 0, 0), 4);
		while (__atomic_load_n(&x.got, __ATOMIC_RELAXED) <= i)
			usleep(50);
	}
	__atomic_store_n(&x.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ring_close(&a);
	ring_close(&b);
}

/* A CQE delivered straight in is readable (phase) before the CQ tail is
 * published; once the user reaps it, rc_cq_ready is 0 (it read 2^32-1). */
static void cq_ready_after_a_direct_cqe_is_reaped(void **state)
{
	struct rc_ring a, b;
	uint32_t ha, hb;
	uint8_t *pool;
	struct rc_cqe *cqe;

	(void)state;
	pair_open(&a, &b, &ha, &hb);
	pool = rc_alloc(&b, 8 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 8 * BUF_LEN, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), 8);
	rc_prep_channel_recv_multishot(rc_get_sqe(&b), hb, 0);
	rc_sqe_set_data(last_sqe(&b), 9);
	assert_int_equal(rc_submit(&b), 1);
	assert_int_equal(send_text(&a, ha, "one", NULL, 0, 0), 3);
	assert_int_equal(rc_peek_cqe(&b, &cqe), 0); /* readable by its phase bit */
	rc_cqe_seen(&b, cqe);
	assert_int_equal(rc_cq_ready(&b), 0);
	ring_close(&a);
	ring_close(&b);
}

/* PROVIDE_BUFFERS' own rules: a length that is not a whole number of
 * buffers, ids past 65535, and more than RC_PBUF_RUNS runs. */
static void provide_buffers_rules(void **state)
{
	struct rc_ring b;
	uint8_t *pool;

	(void)state;
	ring_open(&b, 8, 16, 0);
	pool = rc_alloc(&b, (RC_PBUF_RUNS + 2) * 2 * BUF_LEN);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, BUF_LEN + 1, BUF_LEN, 0, 0, 0);
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL);
	rc_prep_provide_buffers(rc_get_sqe(&b), pool, 2 * BUF_LEN, BUF_LEN, 0, 65535, 0);
	assert_int_equal(run_one(&b, NULL), -RC_EINVAL);
	/* every other buffer: no run extends the last */
	for (unsigned i = 0; i < RC_PBUF_RUNS; i++) {
		rc_prep_provide_buffers(rc_get_sqe(&b), pool + 2 * i * BUF_LEN, BUF_LEN, BUF_LEN, 2,
					2 * i, 0);
		assert_int_equal(run_one(&b, NULL), 1);
	}
	rc_prep_provide_buffers(rc_get_sqe(&b), pool + 2 * RC_PBUF_RUNS * BUF_LEN, BUF_LEN, BUF_LEN,
				2, 2 * RC_PBUF_RUNS, 0);
	assert_int_equal(run_one(&b, NULL), -RC_ENOSPC);
	ring_close(&b);
}

/* ---- across worker threads: callers calling each other ---- */

#define STRESS_CALLERS 4
#define STRESS_CALLS   2000
#define STRESS_DEPTH   16 /* calls kept in flight by each caller */
#define STRESS_BUFS    24 /* provided buffers for the multishot receive */

/* With cancel_every, two calls of each caller have their CANCEL forced
 * into one interleaving by a handshake with the caller serving them (the
 * next one), so each interleaving is reached in every run, whatever the
 * scheduling (docs/testing.md: no luck):
 *   FORCE_HELD  the server takes the request and holds it; the caller
 *               cancels (a hit), then the server replies: -ENOENT.
 *   FORCE_MISS  the server replies (res 4: attached); the caller cancels
 *               after that: CANCEL finds nothing (-ENOENT), the call ends
 *               with its reply.
 * The flags ride in the request's value; the handshake words are in the
 * calling caller's struct, written with release, read with acquire. */
#define FORCE_HELD (UINT32_C(1) << 31)
#define FORCE_MISS (UINT32_C(1) << 30)

enum force_state {
	FORCE_IDLE,   /* not reached yet */
	FORCE_SERVER, /* the server did its half (held the request / saw its reply land) */
	FORCE_CALLER, /* the caller's CANCEL completed */
	FORCE_OVER    /* both halves done */
};

struct caller {
	struct rc_ring r;
	struct caller *prev; /* the one this caller serves */
	uint32_t out, in;    /* call the next caller, serve the previous */
	uint32_t made, answered, served, replied, bad;
	uint32_t cancel_every; /* 0: none; n: CANCEL every n-th call right after it */
	uint32_t cancels_made, cancels_done, cancel_hits, cancel_misses, cancelled, replies_late;
	uint32_t to_cancel[STRESS_DEPTH], ncancel; /* CANCELs for the next pass */
	uint32_t val[STRESS_DEPTH];
	uint32_t *sbuf, *rbuf; /* in the ring's memory, as the engine needs */
	uint8_t *pool;
	uint32_t *reply_val;
	/* the forced interleavings: as caller (state, slot) and as server */
	uint32_t held_state, miss_state; /* enum force_state, shared with the server */
	uint32_t held_slot, miss_slot, miss_answered;
	uint32_t hold_bid, holding;
	uint64_t hold_txid;
};

#define UD_CALL	       (UINT64_C(1) << 32)
#define UD_RECV	       (UINT64_C(2) << 32)
#define UD_REPLY       (UINT64_C(3) << 32)
#define UD_PROVIDE     (UINT64_C(4) << 32)
#define UD_CANCEL2     (UINT64_C(5) << 32)
#define UD_CANCEL_HELD (UINT64_C(6) << 32)
#define UD_CANCEL_MISS (UINT64_C(7) << 32)

static void caller_arm(struct caller *k)
{
	rc_prep_channel_recv_multishot(rc_get_sqe(&k->r), k->in, 0);
	rc_sqe_set_data(last_sqe(&k->r), UD_RECV);
}

/* Answer the request in buffer bid (txid) with value v + 1, give the
 * buffer back. */
static void caller_reply(struct caller *k, uint32_t bid, uint64_t txid, uint32_t v)
{
	struct rc_sqe *sqe;

	k->reply_val[bid] = v + 1;
	sqe = rc_get_sqe(&k->r);
	rc_prep_channel_reply(sqe, k->in, txid, &k->reply_val[bid], 4, 0);
	/* runs before the PROVIDE: the buffer is free after (the bid names
	 * the value in reply_val until then) */
	rc_sqe_set_data(sqe, UD_REPLY | bid);
	sqe = rc_get_sqe(&k->r);
	rc_prep_provide_buffers(sqe, k->pool + bid * BUF_LEN, BUF_LEN, BUF_LEN, 0, bid, 0);
	rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	rc_sqe_set_data(sqe, UD_PROVIDE);
}

/* A request arrived in buffer bid: answer it, or hold it (FORCE_HELD)
 * until its caller's CANCEL has completed. */
static void caller_serve(struct caller *k, uint32_t bid)
{
	const struct rc_channel_info *hdr = (void *)(k->pool + bid * BUF_LEN);
	uint32_t v;

	memcpy(&v, k->pool + bid * BUF_LEN + RC_CHANNEL_INFO_SIZE, 4);
	if (hdr->len != 4 || !hdr->txid)
		k->bad++;
	k->served++;
	if (v & FORCE_HELD) {
		k->hold_bid = bid;
		k->hold_txid = hdr->txid;
		k->holding = 1;
		/* Pairs with the caller's acquire in caller_force: it cancels now. */
		rc_store_release(&k->prev->held_state, FORCE_SERVER);
		return;
	}
	caller_reply(k, bid, hdr->txid, v);
}

/* The server's halves of the handshakes: reply to the held request once
 * its caller's CANCEL completed (pairs with the release there). */
static void server_force(struct caller *k)
{
	if (k->holding && rc_load_acquire(&k->prev->held_state) == FORCE_CALLER) {
		k->holding = 0;
		caller_reply(k, k->hold_bid, k->hold_txid, 0);
		rc_store_release(&k->prev->held_state, FORCE_OVER);
	}
}

/* The caller's halves: CANCEL a forced call once its server did its part
 * (pairs with the server's release). */
static void caller_force(struct caller *k)
{
	struct rc_sqe *sqe;

	if (rc_load_acquire(&k->held_state) == FORCE_SERVER && k->held_slot != UINT32_MAX) {
		sqe = rc_get_sqe(&k->r);
		rc_prep_cancel(sqe, UD_CALL | k->held_slot, 0);
		rc_sqe_set_data(sqe, UD_CANCEL_HELD);
		k->held_slot = UINT32_MAX; /* sent */
	}
	if (rc_load_acquire(&k->miss_state) == FORCE_SERVER && k->miss_slot < UINT32_MAX - 1) {
		sqe = rc_get_sqe(&k->r);
		rc_prep_cancel(sqe, UD_CALL | k->miss_slot, 0);
		rc_sqe_set_data(sqe, UD_CANCEL_MISS | k->miss_slot);
		k->miss_slot = UINT32_MAX - 1; /* sent */
	}
}

static void caller_call(struct caller *k, uint32_t slot)
{
	struct rc_sqe *sqe = rc_get_sqe(&k->r);

	k->val[slot] = k->made * 7;
	if (k->cancel_every && k->made == 0) {
		k->val[slot] |= FORCE_HELD;
		k->held_slot = slot;
	} else if (k->cancel_every && k->made == 1) {
		k->val[slot] |= FORCE_MISS;
		k->miss_slot = slot;
	}
	k->sbuf[slot] = k->val[slot];
	rc_prep_channel_call(sqe, k->out, &k->sbuf[slot], 4, 0, NULL, &k->rbuf[slot], 4, 0);
	rc_sqe_set_data(sqe, UD_CALL | slot);
	k->made++;
	if (k->cancel_every && k->made % k->cancel_every == 0)
		k->to_cancel[k->ncancel++] = slot;
}

/* Cancel the calls picked last pass: by now the reply may be on its way,
 * attached, delivered (then CANCEL finds nothing), or not yet made. These
 * go before new calls, so a slot freed meanwhile is not reused yet. */
static void caller_cancel(struct caller *k)
{
	while (k->ncancel) {
		struct rc_sqe *sqe = rc_get_sqe(&k->r);

		rc_prep_cancel(sqe, UD_CALL | k->to_cancel[--k->ncancel], 0);
		rc_sqe_set_data(sqe, UD_CANCEL2);
		k->cancels_made++;
	}
}

/* A caller that failed closes both its channel ends: its neighbours'
 * calls and receives end with -EPIPE, so they fail too instead of waiting
 * for it for ever. */
static void *caller_quit(struct caller *k, uintptr_t why)
{
	struct rc_sqe *sqe;

	while ((sqe = rc_get_sqe(&k->r)) == NULL)
		rc_submit(&k->r);
	rc_prep_close(sqe, k->out, 0);
	while ((sqe = rc_get_sqe(&k->r)) == NULL)
		rc_submit(&k->r);
	rc_prep_close(sqe, k->in, 0);
	rc_submit(&k->r);
	return (void *)why;
}

/* Keep STRESS_DEPTH calls in flight to the next caller while serving the
 * previous one from a multishot receive, until every call is answered
 * and STRESS_CALLS requests are served: one CQE per SQE (MORE aside),
 * each reply matching its own call. */
static void *caller_main(void *arg)
{
	struct caller *k = arg;
	uint32_t free_slots[STRESS_DEPTH], nfree = STRESS_DEPTH;

	for (uint32_t i = 0; i < STRESS_DEPTH; i++)
		free_slots[i] = i;
	caller_arm(k);
	while (k->answered < STRESS_CALLS || k->served < STRESS_CALLS ||
	       k->replied < STRESS_CALLS || k->cancels_done < k->cancels_made || k->ncancel ||
	       (k->cancel_every && (rc_load_acquire(&k->held_state) < FORCE_CALLER ||
				    rc_load_acquire(&k->miss_state) != FORCE_OVER))) {
		struct rc_cqe *cqe;
		uint32_t head, n = 0;

		server_force(k);
		caller_force(k);
		caller_cancel(k);
		while (nfree && k->made < STRESS_CALLS && rc_sq_space_left(&k->r) > 8)
			caller_call(k, free_slots[--nfree]);
		if (rc_submit_and_wait(&k->r, 1) < 0)
			return caller_quit(k, 1);
		rc_for_each_cqe(&k->r, head, cqe)
		{
			uint64_t kind = cqe->user_data & ~UINT64_C(0xffffffff);
			uint32_t slot = (uint32_t)cqe->user_data;

			if (kind == UD_CALL) {
				if (cqe->res == -RC_ECANCELED && k->cancel_every) {
					k->cancelled++;
				} else if (cqe->res != 4 || k->rbuf[slot] != k->val[slot] + 1) {
					fprintf(stderr, "call res %d\n", cqe->res);
					k->bad++;
				}
				k->answered++;
				if (k->val[slot] & FORCE_MISS)
					k->miss_answered = 1; /* its slot waits for the CANCEL */
				else
					free_slots[nfree++] = slot;
			} else if (kind == UD_RECV) {
				if (cqe->res == 4 && rc_cqe_buffer_id(cqe->flags) >= 0)
					caller_serve(k, (uint32_t)rc_cqe_buffer_id(cqe->flags));
				else if (cqe->res != -RC_ENOBUFS) {
					fprintf(stderr, "recv res %d flags %x\n", cqe->res,
						cqe->flags);
					k->bad++;
				}
				if (!(cqe->flags & RC_CQE_F_MORE))
					caller_arm(k); /* ended (pool dry, no room): again */
			} else if (kind == UD_CANCEL2) {
				if (cqe->res == 1)
					k->cancel_hits++;
				else if (cqe->res == -RC_ENOENT)
					k->cancel_misses++;
				else
					k->bad++;
				k->cancels_done++;
			} else if (kind == UD_CANCEL_HELD) {
				/* the server holds the request: a hit, always */
				k->cancel_hits++;
				if (cqe->res != 1)
					k->bad++;
				/* Pairs with the server's acquire in server_force. */
				rc_store_release(&k->held_state, FORCE_CALLER);
			} else if (kind == UD_CANCEL_MISS) {
				/* the reply was attached before: nothing to cancel */
				if (cqe->res != -RC_ENOENT || !k->miss_answered)
					k->bad++;
				k->cancel_misses++;
				free_slots[nfree++] = slot;
				rc_store_release(&k->miss_state, FORCE_OVER);
			} else if (kind == UD_REPLY) {
				if (cqe->res == 4 && (k->reply_val[slot] - 1) & FORCE_MISS)
					/* landed: its caller may cancel now (pairs with
					 * the acquire in caller_force) */
					rc_store_release(&k->prev->miss_state, FORCE_SERVER);
				if (cqe->res == 4) {
					k->replied++;
				} else if (cqe->res == -RC_ENOENT && k->cancel_every) {
					k->replied++; /* its call was cancelled */
					k->replies_late++;
				} else {
					fprintf(stderr, "reply res %d\n", cqe->res);
					k->bad++;
				}
			} else {
				fprintf(stderr, "other %llx res %d\n",
					(unsigned long long)cqe->user_data, cqe->res);
				k->bad++; /* PROVIDE posts only on failure */
			}
			n++;
		}
		rc_cq_advance(&k->r, n);
		if (k->bad) {
			fprintf(stderr, "caller %p: bad %u after made %u answered %u served %u\n",
				(void *)k, k->bad, k->made, k->answered, k->served);
			return caller_quit(k, 2);
		}
	}
	return NULL;
}

/* Four callers on two workers in a ring, each calling the next with 16
 * calls in flight and serving the previous through a multishot receive
 * into 24 provided buffers, 2000 calls each; with cancel_every, a CANCEL
 * follows every n-th call. */
static void run_callers(uint32_t cancel_every)
{
	struct host_worker w[2];
	struct rc_params p = { .sq_entries = 128, .cq_entries = 256 };
	struct caller *k = calloc(STRESS_CALLERS, sizeof(*k));
	pthread_t t[STRESS_CALLERS];
	void *ret[STRESS_CALLERS];

	assert_non_null(k);
	for (int i = 0; i < STRESS_CALLERS; i++) {
		k[i].cancel_every = cancel_every;
		k[i].prev = &k[(i + STRESS_CALLERS - 1) % STRESS_CALLERS];
		k[i].held_slot = k[i].miss_slot = UINT32_MAX;
	}
	assert_int_equal(host_worker_start(&w[0]), 0);
	assert_int_equal(host_worker_start(&w[1]), 0);
	/* Callers 0 and 1 on one worker, 2 and 3 on the other: 0 calls 1 and
	 * 2 calls 3 on one thread (the sender's run delivers into the
	 * receiver's ring), 1 calls 2 and 3 calls 0 across threads. */
	for (int i = 0; i < STRESS_CALLERS; i++)
		assert_int_equal(host_local_connect(&k[i].r, &w[i / 2 % 2], &p, -1), 0);
	for (int i = 0; i < STRESS_CALLERS; i++) {
		struct caller *next = &k[(i + 1) % STRESS_CALLERS];
		uint32_t h0, h1;
		int32_t nh;

		make_channel(&k[i].r, &h0, &h1);
		k[i].out = h0;
		nh = rce_channel_handle_move(local_ctx(&k[i].r), h1, local_ctx(&next->r));
		assert_true(nh > 0);
		next->in = (uint32_t)nh;
	}
	for (int i = 0; i < STRESS_CALLERS; i++) {
		k[i].pool = rc_alloc(&k[i].r, STRESS_BUFS * BUF_LEN);
		k[i].reply_val = rc_alloc(&k[i].r, STRESS_BUFS * 4);
		k[i].sbuf = rc_alloc(&k[i].r, STRESS_DEPTH * 4);
		k[i].rbuf = rc_alloc(&k[i].r, STRESS_DEPTH * 4);
		rc_prep_provide_buffers(rc_get_sqe(&k[i].r), k[i].pool, STRESS_BUFS * BUF_LEN,
					BUF_LEN, 0, 0, 0);
		assert_int_equal(run_one(&k[i].r, NULL), STRESS_BUFS);
	}
	for (int i = 0; i < STRESS_CALLERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, caller_main, &k[i]), 0);
	for (int i = 0; i < STRESS_CALLERS; i++)
		pthread_join(t[i], &ret[i]); /* all of them, failed or not */
	for (int i = 0; i < STRESS_CALLERS; i++)
		assert_null(ret[i]);
	for (int i = 0; i < STRESS_CALLERS; i++) {
		assert_int_equal(k[i].bad, 0);
		assert_int_equal(k[i].answered, STRESS_CALLS);
		assert_int_equal(k[i].served, STRESS_CALLS);
		assert_int_equal(k[i].replied, STRESS_CALLS);
		/* a call ends cancelled exactly when its CANCEL found it */
		assert_int_equal(k[i].cancelled, k[i].cancel_hits);
		assert_int_equal(k[i].cancels_done, k[i].cancels_made);
		if (cancel_every) {
			/* Each hit met the request held by the server (its reply
			 * then got -ENOENT: "late") or its reply attached and not
			 * yet delivered (dropped); a miss came after the reply. */
			uint32_t late = k[(i + 1) % STRESS_CALLERS].replies_late;
			uint32_t missed = k[i].cancel_misses;

			assert_true(late <= k[i].cancel_hits);
			fprintf(stderr,
				"caller %d: %u cancels: %u held by the server, %u met an attached "
				"reply, %u came after it\n",
				i, k[i].cancels_made + 2, late, k[i].cancel_hits - late, missed);
			/* the forced ones, at least */
			assert_true(late >= 1);
			assert_true(missed >= 1);
			assert_int_equal(k[i].cancel_hits + k[i].cancel_misses,
					 k[i].cancels_made + 2);
			assert_int_equal(k[i].held_state, FORCE_OVER);
			assert_int_equal(k[i].miss_state, FORCE_OVER);
		}
	}
	for (int i = 0; i < STRESS_CALLERS; i++)
		rc_disconnect(&k[i].r);
	host_worker_stop(&w[0]);
	host_worker_stop(&w[1]);
	free(k);
}

/* Every call is answered with its own reply, every request served once,
 * one CQE per SQE. */
static void stress_callers_calling_each_other(void **state)
{
	(void)state;
	run_callers(0);
}

/* The same with every 3rd call cancelled on the pass after it is made,
 * racing the server's reply on another thread: each call ends once, either with
 * its reply or -ECANCELED (exactly when its CANCEL found it); a reply to
 * a cancelled call gets -ENOENT or lands and is dropped; nothing touches
 * freed memory (ASan) and nothing races (TSan). */
static void stress_calls_cancelled_while_answered(void **state)
{
	(void)state;
	run_callers(3);
}

/* The reply tests again, each reply in a message (no copy hook). */
static void replies_in_two_copies(void **state)
{
	two_copies = true;
	calls_matched_by_txid_out_of_order(state);
	call_cancelled_while_server_holds_it(state);
	reply_after_the_caller_died(state);
	server_gone_fails_waiting_calls(state);
	short_and_long_replies(state);
	call_failed_after_a_short_reply_writes_nothing(state);
	cancel_of_a_call_in_the_same_batch(state);
	two_copies = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(calls_matched_by_txid_out_of_order),
		cmocka_unit_test(call_cancelled_while_server_holds_it),
		cmocka_unit_test(reply_carries_a_result),
		cmocka_unit_test(failed_call_ending_its_chain_cancels_the_rest),
		cmocka_unit_test(empty_reply_answers_the_call),
		cmocka_unit_test(short_and_long_replies),
		cmocka_unit_test(call_failed_after_a_short_reply_writes_nothing),
		cmocka_unit_test(cancel_of_a_call_in_the_same_batch),
		cmocka_unit_test(replies_in_a_burst_wake_the_caller_once),
		cmocka_unit_test(call_timed_out_while_server_holds_it),
		cmocka_unit_test(call_answered_before_its_link_timeout),
		cmocka_unit_test(cancel_meets_an_attached_reply),
		cmocka_unit_test(reply_after_the_caller_died),
		cmocka_unit_test(server_gone_fails_waiting_calls),
		cmocka_unit_test(call_beyond_the_bound_is_taken_back),
		cmocka_unit_test(parked_sender_is_not_overtaken),
		cmocka_unit_test(parked_senders_complete_in_order),
		cmocka_unit_test(endpoint_cycle_is_refused),
		cmocka_unit_test(multishot_until_the_pool_runs_dry),
		cmocka_unit_test(multishot_ends_when_completions_have_no_room),
		cmocka_unit_test(multishot_pass_crosses_buffer_runs),
		cmocka_unit_test(multishot_burst_never_overruns_the_backlog),
		cmocka_unit_test(backlog_full_takes_no_request_beyond_the_pool),
		cmocka_unit_test(send_delivered_straight_into_a_parked_multishot),
		cmocka_unit_test(send_queues_when_the_receiver_cannot_be_acted_for),
		cmocka_unit_test(failed_receive_leaves_its_message_first),
		cmocka_unit_test(reply_completes_the_call_straight_away),
		cmocka_unit_test(next_deadline_read_under_the_engine_word),
		cmocka_unit_test(cq_ready_after_a_direct_cqe_is_reaped),
		cmocka_unit_test(provide_buffers_rules),
		cmocka_unit_test(stress_callers_calling_each_other),
		cmocka_unit_test(stress_calls_cancelled_while_answered),
		cmocka_unit_test(replies_in_two_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
