/*
 * rt_ipc - channels between processes in this kernel: handles passed at
 * SPAWN, messages and handles moving between two processes in order,
 * rights kept or reduced, forged and already-moved handles refused with
 * nothing moved, peer death with messages and handles in flight (-EPIPE;
 * the kernel test checks every frame came back), a full channel parking
 * its sender, a process dying with a receive parked, a multishot receive
 * filling a small ring's backlog with entries behind it, calls and replies
 * across processes (a server dying, a caller dying), and a receive
 * completed for a process that spins on its CQ without a trap, or whose
 * ring is served by a poller that went to sleep, and a call whose wait
 * must deliver the server's ring itself (callwake).
 *
 * usage: rt_ipc MODE  (basic, death, full, fault, backlog, call, spin, poll,
 *        callwake), run by the kernel suite; the child roles below are
 *        started by a MODE with handles (SPAWN), the first at
 *        RK_SPAWN_HANDLE(0).
 */
#include "ulib.h"

#define CH	   RK_SPAWN_HANDLE(0) /* a child's first handle from SPAWN */
#define CH2	   RK_SPAWN_HANDLE(1)
#define PRING_ADDR 0x500000000ul

static char buf[256];
static struct rc_channel_info info;

/* Start "rt_ipc role" with handles hs (each with rights rs). */
static long child(const char *role, const uint32_t *hs, const uint32_t *rs, uint32_t n)
{
	const char *argv[] = { "rt_ipc", role, NULL };
	struct rc_spawn_handle sh[RC_SPAWN_HANDLES_MAX];
	for (uint32_t i = 0; i < n; i++)
		sh[i] = (struct rc_spawn_handle){ hs[i], rs[i] };
	return spawn_with(argv, sh, n);
}

static int send_str(uint32_t h, const char *s)
{
	return rt_send(h, s, (uint32_t)strlen(s), NULL, 0, 0);
}

/* Receive into buf as a string: its length or -errno. */
static int recv_str(uint32_t h, uint32_t flags)
{
	int n = rt_recv(h, buf, sizeof(buf) - 1, &info, flags);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Queue an asynchronous entry's user_data and submit: no wait. */
static void submit_async(struct rc_sqe *s, uint64_t data)
{
	rc_sqe_set_data(s, data);
	rc_submit(&rt_ring);
}

/* ---- child roles ---- */

/* echo: first reports HANDLE_DUP on CH (it was given no DUP right), then
 * echoes each message; a message carrying handles is answered with what
 * a send and a NOWAIT receive on each gave (then each is closed). */
static int role_echo(void)
{
	char out[96];
	struct rc_sqe *dup = rt_sqe();
	rc_prep_handle_dup(dup, CH, RC_RIGHT_SEND, 0);
	snprintf(out, sizeof(out), "dup %d", rt_sync(dup));
	send_str(CH, out);
	for (;;) {
		int n = recv_str(CH, 0);
		if (n < 0 || strcmp(buf, "quit") == 0)
			return n < 0 ? 1 : 0;
		if (!info.nhandles) {
			rt_send(CH, buf, (uint32_t)n, NULL, 0, 0);
			continue;
		}
		uint32_t h = info.handles[0];
		int s = rt_send(h, "via", 3, NULL, 0, RC_CHANNEL_NOWAIT);
		int r = rt_recv(h, out, sizeof(out), NULL, RC_CHANNEL_NOWAIT);
		int c = rt_close(h);
		snprintf(out, sizeof(out), "h%u s%d r%d c%d", info.nhandles, s, r, c);
		send_str(CH, out);
	}
}

/* dier: sends three messages on CH (the second carries e1 of a new
 * channel whose e0 it keeps), waits for "die" on CH2, parks a receive on
 * e0 and exits with 3. A message carrying a handle stays unread at CH. */
static int role_dier(void)
{
	uint32_t e[2];
	if (rt_channel(e))
		return 1;
	send_str(CH, "one");
	rt_send(CH, "two", 3, &e[1], 1, 0);
	send_str(CH, "three");
	recv_str(CH2, 0);
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, e[0], buf, sizeof(buf), 0, NULL, 0);
	submit_async(s, 9);
	exit(3);
}

/* slow: reads nothing until "go" on CH2, then every message on CH in
 * order: 4-byte sequence numbers 0..64. Exit status: the ones out of place. */
static int role_slow(void)
{
	int bad = 0;
	recv_str(CH2, 0);
	for (uint32_t i = 0; i <= RC_CHANNEL_QUEUE_MAX; i++) {
		uint32_t seq = ~0u;
		if (rt_recv(CH, &seq, sizeof(seq), NULL, 0) != 4 || seq != i)
			bad++;
	}
	return bad;
}

/* parkfault: parks a receive on CH, then dies of a page fault. */
static int role_parkfault(void)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, CH, buf, sizeof(buf), 0, NULL, 0);
	submit_async(s, 9);
	*(volatile int *)0x1000 = 1;
	return 1;
}

/* Spin on r's CQ (no trap) until the CQE with user_data want; its res,
 * or -ETIMEDOUT after a bound far past any delivery (a lost wakeup). */
static int spin_for(struct rc_ring *r, uint64_t want)
{
	for (;;) {
		struct rc_cqe *cqe = rt_spin_cqe(r, UINT64_C(20000000000));
		if (!cqe)
			return -RC_ETIMEDOUT;
		uint64_t data = cqe->user_data;
		int32_t res = cqe->res;
		rc_cqe_seen(r, cqe);
		if (data == want)
			return res;
	}
}

/* spinner: parks a receive on CH and says "armed" on CH2 in one trap,
 * then spins on its CQ: the receive completes with no trap of its own
 * (the sender's CPU delivered it). */
static int role_spinner(void)
{
	struct rc_proc_stats s0, s1;
	rt_proc_stats(&s0);
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, CH, buf, sizeof(buf) - 1, 0, NULL, 0);
	rc_sqe_set_data(s, 7);
	s = rt_sqe();
	rc_prep_channel_send(s, CH2, "armed", 5, 0, NULL, 0);
	rc_sqe_set_data(s, 8);
	rc_submit(&rt_ring);
	int n = spin_for(&rt_ring, 7);
	rt_proc_stats(&s1);
	CHECK_EQ(n, 4);
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "got '%s'", buf);
	CHECK_EQ(s1.traps - s0.traps, 2); /* the submit and this PROC_STATS */
	return rt_report("rt_ipc spinner");
}

/* poller: the same on a polled ring (RC_SETUP_POLL), whose poller the
 * kernel test lets fall asleep before the parent sends. */
static int role_poller(void)
{
	static struct rc_ring pr;
	CHECK(rt_ring_create(&pr, PRING_ADDR, 8, 16, RC_SETUP_POLL) > 0, "polled ring");
	struct rc_sqe *s = rc_get_sqe(&pr);
	rc_prep_channel_recv(s, CH, buf, sizeof(buf) - 1, 0, NULL, 0);
	rc_sqe_set_data(s, 7);
	rc_submit(&pr);
	CHECK_EQ(send_str(CH2, "armed"), 5);
	CHECK_EQ(spin_for(&pr, 7), 4);
	CHECK(memcmp(buf, "ping", 4) == 0, "got '%s'", buf);
	return rt_report("rt_ipc poller");
}

/* server: answers each call on CH with "r:" and its bytes; "die" exits
 * with 5 without answering, "quit" returns. A plain message is an error. */
static int role_server(void)
{
	/* out ends 4 bytes into the next page: a reply of more crosses it */
	static char pages[2 * 4096] __attribute__((aligned(4096)));
	char *out = pages + 4096 - 4;
	for (;;) {
		int n = recv_str(CH, 0);
		if (n < 0 || info.txid == 0)
			return 1;
		if (strcmp(buf, "quit") == 0)
			return 0;
		if (strcmp(buf, "die") == 0)
			exit(5);
		int k = snprintf(out, 96, "r:%s", buf);
		struct rc_sqe *s = rt_sqe();
		rc_prep_channel_reply(s, CH, info.txid, out, (uint32_t)k, 0);
		if (rt_sync(s) != k)
			return 2;
	}
}

/* caller: makes a call on CH and exits without waiting for it. */
static int role_caller(void)
{
	static char reply[16];
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_call(s, CH, "late", 4, 0, NULL, reply, sizeof(reply), 0);
	submit_async(s, 9);
	return 0;
}

/* ---- the modes (the parent side) ---- */

static const uint32_t all = RC_CHANNEL_RIGHTS;

static void mode_basic(void)
{
	uint32_t a[2], c[2], e[2], f[2];
	CHECK_EQ(rt_channel(a), 0);

	/* SPAWN refuses a bad handle list and moves nothing. */
	uint32_t forged = 0x70007, rring = rt_ring_handle, two[2] = { a[1], a[1] };
	uint32_t rs2[2] = { all, all }, more = all | RC_RIGHT_READ;
	CHECK_EQ(child("echo", &forged, &all, 1), -RC_EBADF);
	CHECK_EQ(child("echo", &rring, &all, 1), -RC_EBADF); /* a ring: no TRANSFER */
	CHECK_EQ(child("echo", &a[1], &more, 1), -RC_EPERM);
	CHECK_EQ(child("echo", two, rs2, 2), -RC_EINVAL);

	/* The child gets a[1] without DUP; the parent no longer has it. */
	uint32_t rights = RC_RIGHT_SEND | RC_RIGHT_RECV | RC_RIGHT_TRANSFER;
	long pid = child("echo", &a[1], &rights, 1);
	CHECK(pid > 0, "spawn echo %ld", pid);
	CHECK_EQ(rt_close(a[1]), -RC_EBADF);
	CHECK_EQ(recv_str(a[0], 0), (int)strlen(buf));
	CHECK(strcmp(buf, "dup -9") == 0, "child's DUP without the right: '%s'", buf);

	/* Messages arrive in order, bytes intact. */
	char m[16];
	for (int i = 0; i < 20; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		CHECK_EQ(send_str(a[0], m), (int)strlen(m));
	}
	for (int i = 0; i < 20; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		recv_str(a[0], 0);
		CHECK(strcmp(buf, m) == 0 && info.nhandles == 0, "echo %d: '%s'", i, buf);
	}

	/* A handle moves with the message: gone here, usable there. */
	CHECK_EQ(rt_channel(c), 0);
	CHECK_EQ(rt_send(a[0], "take", 4, &c[1], 1, 0), 4);
	CHECK_EQ(rt_close(c[1]), -RC_EBADF);			     /* moved */
	CHECK_EQ(rt_send(a[0], "again", 5, &c[1], 1, 0), -RC_EBADF); /* already moved */
	recv_str(a[0], 0);
	CHECK(strcmp(buf, "h1 s3 r-11 c0") == 0, "child on the moved handle: '%s'", buf);
	CHECK_EQ(recv_str(c[0], 0), 3);				/* its "via" */
	CHECK_EQ(recv_str(c[0], RC_CHANNEL_NOWAIT), -RC_EPIPE); /* it closed c[1] */

	/* Rights reduced: a SEND-only duplicate cannot receive over there. */
	CHECK_EQ(rt_channel(e), 0);
	struct rc_sqe *s = rt_sqe();
	rc_prep_handle_dup(s, e[1], RC_RIGHT_SEND | RC_RIGHT_TRANSFER, 0);
	int32_t d = rt_sync(s);
	CHECK(d > 0, "dup %d", d);
	CHECK_EQ(rt_send(a[0], "take", 4, (uint32_t *)&d, 1, 0), 4);
	recv_str(a[0], 0);
	CHECK(strcmp(buf, "h1 s3 r-9 c0") == 0, "child on the SEND-only dup: '%s'", buf);
	CHECK_EQ(recv_str(e[0], 0), 3);
	CHECK_EQ(rt_close(e[1]), 0); /* the original stayed here */
	CHECK_EQ(rt_close(e[0]), 0);

	/* A forged handle beside a good one: -EBADF, and nothing moved. */
	CHECK_EQ(rt_channel(f), 0);
	uint32_t pair[2] = { f[1], 0x70007 };
	CHECK_EQ(rt_send(a[0], "x", 1, pair, 2, 0), -RC_EBADF);
	CHECK_EQ(rt_close(f[1]), 0);
	CHECK_EQ(rt_close(f[0]), 0);

	CHECK_EQ(send_str(a[0], "quit"), 4);
	CHECK_EQ(waitpid((int)pid, NULL), 0);
	CHECK_EQ(send_str(a[0], "late"), -RC_EPIPE); /* the child's end went with it */
	CHECK_EQ(rt_close(a[0]), 0);
	CHECK_EQ(rt_close(c[0]), 0);
}

static void mode_death(void)
{
	uint32_t a[2], k[2], g[2];
	struct rc_cqe cqe;
	CHECK_EQ(rt_channel(a), 0);
	CHECK_EQ(rt_channel(k), 0);
	CHECK_EQ(rt_channel(g), 0);
	uint32_t hs[2] = { a[1], k[1] }, rs[2] = { all, all };
	long pid = child("dier", hs, rs, 2);
	CHECK(pid > 0, "spawn dier %ld", pid);
	CHECK_EQ(recv_str(a[0], 0), 3);
	CHECK_EQ(recv_str(a[0], 0), 3);
	CHECK(strcmp(buf, "two") == 0 && info.nhandles == 1, "two: '%s' %u", buf, info.nhandles);
	uint32_t e1 = info.handles[0];
	CHECK_EQ(recv_str(a[0], 0), 5);
	/* Two receives parked here, on the ends whose peers die with it. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, e1, buf, sizeof(buf), 0, NULL, 0);
	rc_sqe_set_data(s, 21);
	s = rt_sqe();
	rc_prep_channel_recv(s, g[0], buf, sizeof(buf), 0, NULL, 0);
	submit_async(s, 22);
	/* g[1] goes to the child in a message it never reads. */
	CHECK_EQ(rt_send(a[0], "gift", 4, &g[1], 1, 0), 4);
	CHECK_EQ(send_str(k[0], "die"), 3);
	CHECK_EQ(waitpid((int)pid, NULL), 3);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(rt_next_cqe(&cqe), 0);
		CHECK(cqe.res == -RC_EPIPE, "parked receive %lu: %d", (unsigned long)cqe.user_data,
		      cqe.res);
		seen |= cqe.user_data == 21 ? 1 : cqe.user_data == 22 ? 2 : 4;
	}
	CHECK_EQ(seen, 3);
	CHECK_EQ(send_str(a[0], "late"), -RC_EPIPE);
	CHECK_EQ(recv_str(a[0], RC_CHANNEL_NOWAIT), -RC_EPIPE);
	CHECK_EQ(send_str(k[0], "late"), -RC_EPIPE);
	CHECK_EQ(rt_close(e1), 0);
	CHECK_EQ(rt_close(g[0]), 0);
	CHECK_EQ(rt_close(a[0]), 0);
	CHECK_EQ(rt_close(k[0]), 0);
}

static void mode_full(void)
{
	uint32_t a[2], k[2];
	struct rc_cqe cqe;
	CHECK_EQ(rt_channel(a), 0);
	CHECK_EQ(rt_channel(k), 0);
	uint32_t hs[2] = { a[1], k[1] }, rs[2] = { all, all };
	long pid = child("slow", hs, rs, 2);
	CHECK(pid > 0, "spawn slow %ld", pid);
	uint32_t seq;
	for (seq = 0; seq < RC_CHANNEL_QUEUE_MAX; seq++)
		CHECK_EQ(rt_send(a[0], &seq, 4, NULL, 0, RC_CHANNEL_NOWAIT), 4);
	CHECK_EQ(rt_send(a[0], &seq, 4, NULL, 0, RC_CHANNEL_NOWAIT), -RC_EAGAIN);
	/* Full: this send parks (the child reads nothing before "go"). */
	static uint32_t last = RC_CHANNEL_QUEUE_MAX;
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_send(s, a[0], &last, 4, 0, NULL, 0);
	submit_async(s, 31);
	CHECK_EQ(rt_peek_cqe(&cqe), -RC_EAGAIN);
	CHECK_EQ(send_str(k[0], "go"), 2);
	CHECK_EQ(rt_next_cqe(&cqe), 0);
	CHECK(cqe.user_data == 31 && cqe.res == 4, "parked send: %lu %d",
	      (unsigned long)cqe.user_data, cqe.res);
	CHECK_EQ(waitpid((int)pid, NULL), 0);
	CHECK_EQ(rt_close(a[0]), 0);
	CHECK_EQ(rt_close(k[0]), 0);
}

static void mode_parkfault(void)
{
	uint32_t a[2];
	CHECK_EQ(rt_channel(a), 0);
	long pid = child("parkfault", &a[1], &all, 1);
	CHECK(pid > 0, "spawn parkfault %ld", pid);
	CHECK_EQ(waitpid((int)pid, NULL), RK_STATUS_KILLED | 14);
	CHECK_EQ(send_str(a[0], "late"), -RC_EPIPE);
	CHECK_EQ(rt_close(a[0]), 0);
}

/* A byte typed by the kernel test (t_ipc_poll): a handshake with it. */
static void wait_go(void)
{
	static char go;
	struct rc_sqe *s = rt_sqe();
	rc_prep_console_read(s, &go, 1);
	CHECK_EQ(rt_sync(s), 1);
}

/* spin, poll: the child parks a receive and says "armed"; the parent
 * sends. For poll the send is bracketed by two reads the kernel test
 * answers: it types the first once it has seen the poller asleep, and
 * looks at the poller again when the second is parked. */
static void mode_wake(const char *role, bool bracket)
{
	uint32_t a[2], k[2];
	CHECK_EQ(rt_channel(a), 0);
	CHECK_EQ(rt_channel(k), 0);
	uint32_t hs[2] = { a[1], k[1] }, rs[2] = { all, all };
	long pid = child(role, hs, rs, 2);
	CHECK(pid > 0, "spawn %s %ld", role, pid);
	CHECK_EQ(recv_str(k[0], 0), 5);
	if (bracket)
		wait_go();
	CHECK_EQ(send_str(a[0], "ping"), 4);
	if (bracket)
		wait_go();
	CHECK_EQ(waitpid((int)pid, NULL), 0);
	CHECK_EQ(rt_close(a[0]), 0);
	CHECK_EQ(rt_close(k[0]), 0);
}

/* backlog: a multishot receive whose first pass fills a small ring's CQ
 * and backlog (4 CQEs each, the last message on its own CQE) and two NOPs
 * submitted with it: the NOPs wait in the SQ (-EBUSY) until the backlog
 * has slots for their CQEs, and TIMEOUTs filling the SQ after them are not
 * taken beyond the ring's pool of 4. (The take overran the backlog: two
 * messages' CQEs overwritten, the NOPs' CQEs twice, then a request read
 * into the empty pool: a NULL dereference, #PF in the kernel.) Every CQE
 * once, the messages in order, the rest still queued. */
static void mode_backlog(void)
{
	uint32_t a[2], ms = 0, more = 0, nops = 0, head;
	struct rc_ring r;
	struct rc_cqe *cqe;
	struct rc_sqe *s;
	int busy, busy2, k = 0;
	CHECK_EQ(rt_channel(a), 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(send_str(a[0], "z"), 1);
	int32_t h = rt_ring_create(&r, 0x510000000ul, 4, 4, 0);
	CHECK(h > 0, "ring_create %d", h);
	uint8_t *pool = rt_alloc(20 * 64);
	rc_prep_provide_buffers(rc_get_sqe(&r), pool, 20 * 64, 64, 0, 0, 0);
	CHECK_EQ(rc_submit(&r), 1);
	CHECK_EQ(rc_peek_cqe(&r, &cqe), 0);
	CHECK_EQ(cqe->res, 20);
	rc_cq_advance(&r, 1);
	rc_prep_channel_recv_multishot(s = rc_get_sqe(&r), a[1], 0);
	rc_sqe_set_data(s, 1);
	rc_prep_nop(s = rc_get_sqe(&r), 0);
	rc_sqe_set_data(s, 77);
	rc_prep_nop(s = rc_get_sqe(&r), 0);
	rc_sqe_set_data(s, 78);
	busy = rc_submit(&r);
	for (int round = 0; round < 2; round++) {
		while ((s = rc_get_sqe(&r)) != NULL) {
			rc_prep_timeout(s, 1000000000000ull, 0, 0);
			rc_sqe_set_data(s, 9);
			k++;
		}
		busy2 = rc_submit(&r);
	}
	for (int round = 0; round < 6; round++) {
		uint32_t seen = 0;
		rc_for_each_cqe(&r, head, cqe)
		{
			if (cqe->user_data == 77 || cqe->user_data == 78) {
				nops++;
			} else if (cqe->user_data == 1 && cqe->res == 1) {
				CHECK_EQ(rc_cqe_buffer_id(cqe->flags), (int)ms);
				more += (cqe->flags & RC_CQE_F_MORE) != 0;
				ms++;
			} else {
				CHECK(0, "CQE %lu %d", (unsigned long)cqe->user_data, cqe->res);
			}
			seen++;
		}
		rc_cq_advance(&r, seen);
		rc_submit(&r);
	}
	CHECK_EQ(nops, 2);
	CHECK_EQ(ms, 8);
	CHECK_EQ(more, 7);
	CHECK_EQ(busy, -RC_EBUSY);
	CHECK_EQ(k, 2);
	CHECK_EQ(busy2, -RC_EBUSY);
	for (int i = 8; i < 20; i++)
		CHECK_EQ(recv_str(a[1], RC_CHANNEL_NOWAIT), 1);
	CHECK_EQ(recv_str(a[1], RC_CHANNEL_NOWAIT), -RC_EAGAIN);
}

/* CHANNEL_CALL to another process and its CHANNEL_REPLY: one call, eight
 * in flight in one enter (each reply matched to its call), a call whose
 * server dies (-EPIPE); replies to a caller that died: -EPIPE when its
 * end went with it, -ENOENT when the end lives on (a duplicate here). */
static void mode_call(void)
{
	uint32_t a[2], c[2];
	static char rep[8][32], q[8][8]; /* each call's buffers live until its CQE */
	char want[24];
	CHECK_EQ(rt_channel(a), 0);
	long pid = child("server", &a[1], &all, 1);
	CHECK(pid > 0, "spawn server %ld", pid);
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_call(s, a[0], "q1", 2, 0, NULL, rep[0], sizeof(rep[0]), 0);
	CHECK_EQ(rt_sync(s), 4);
	CHECK(memcmp(rep[0], "r:q1", 4) == 0, "reply '%s'", rep[0]);
	/* Requests and replies of every size the engine copies through
	 * decode's pointer (up to 16 bytes) and beyond, within a page, and
	 * across a page boundary (no pointer: the port copies page by page),
	 * the server's replies across one too: each byte arrives. */
	static char pages[3 * 4096] __attribute__((aligned(4096)));
	static const char text[] = "abcdefghijklmnopqrstuvwxyz";
	for (uint32_t n = 1; n <= 24; n++) {
		for (int across = 0; across < 2; across++) {
			char *req = across ? pages + 4096 - n / 2 : pages + 100;
			char *rp = across ? pages + 2 * 4096 - 3 : pages + 8192 + 200;
			memcpy(req, text, n);
			memset(rp, 0, 32);
			s = rt_sqe();
			rc_prep_channel_call(s, a[0], req, n, 0, NULL, rp, 32, 0);
			CHECK_EQ(rt_sync(s), (int)n + 2);
			CHECK(memcmp(rp, "r:", 2) == 0 && memcmp(rp + 2, text, n) == 0 &&
				      rp[n + 2] == 0,
			      "%u bytes%s: reply '%s'", n, across ? " across pages" : "", rp);
		}
	}
	for (int i = 0; i < 8; i++) {
		snprintf(q[i], sizeof(q[i]), "c%d", i);
		s = rt_sqe();
		rc_prep_channel_call(s, a[0], q[i], (uint32_t)strlen(q[i]), 0, NULL, rep[i],
				     sizeof(rep[i]) - 1, 0);
		rc_sqe_set_data(s, 40 + (uint64_t)i);
	}
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 8), 8);
	for (int i = 0; i < 8; i++) {
		struct rc_cqe cqe;
		CHECK_EQ(rt_next_cqe(&cqe), 0);
		int k = (int)(cqe.user_data - 40);
		CHECK(k >= 0 && k < 8 && cqe.res == 4, "call %d: %d", k, cqe.res);
		snprintf(want, sizeof(want), "r:c%d", k);
		CHECK(k >= 0 && k < 8 && memcmp(rep[k], want, 4) == 0, "call %d got '%s'", k,
		      k >= 0 && k < 8 ? rep[k] : "?");
	}
	s = rt_sqe();
	rc_prep_channel_call(s, a[0], "die", 3, 0, NULL, rep[0], sizeof(rep[0]), 0);
	CHECK_EQ(rt_sync(s), -RC_EPIPE); /* the server died holding it */
	CHECK_EQ(waitpid((int)pid, NULL), 5);
	CHECK_EQ(rt_close(a[0]), 0);

	/* The caller dies before the reply: its end went with it (-EPIPE), or
	 * a duplicate keeps the end open (-ENOENT: no call waits). */
	for (int dup = 0; dup < 2; dup++) {
		CHECK_EQ(rt_channel(c), 0);
		uint32_t give = c[0];
		if (dup) {
			s = rt_sqe();
			rc_prep_handle_dup(s, c[0], all, 0);
			give = (uint32_t)rt_sync(s);
		}
		pid = child("caller", &give, &all, 1);
		CHECK(pid > 0, "spawn caller %ld", pid);
		CHECK_EQ(waitpid((int)pid, NULL), 0);
		CHECK_EQ(recv_str(c[1], 0), 4);
		CHECK(info.txid != 0, "the request has no txid");
		s = rt_sqe();
		rc_prep_channel_reply(s, c[1], info.txid, "x", 1, 0);
		CHECK_EQ(rt_sync(s), dup ? -RC_ENOENT : -RC_EPIPE);
		CHECK_EQ(rt_close(c[1]), 0);
		if (dup)
			CHECK_EQ(rt_close(c[0]), 0);
	}
}

/* callwake: one CALL and the wait for its reply in one enter, to a
 * server asleep with its receive parked (the kernel test,
 * t_ipc_wait_delivers, types the first byte once it is, with both
 * processes on CPU 0 only): the send marks the server's ring, and only
 * this enter's wait can deliver it. The second read tells the kernel
 * test the reply came. */
static void mode_callwake(void)
{
	uint32_t a[2];
	static char rep[32];
	CHECK_EQ(rt_channel(a), 0);
	long pid = child("server", &a[1], &all, 1);
	CHECK(pid > 0, "spawn server %ld", pid);
	wait_go();
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_call(s, a[0], "q1", 2, 0, NULL, rep, sizeof(rep) - 1, 0);
	rc_sqe_set_data(s, 50);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 1), 1); /* one trap: the send, then the wait */
	struct rc_cqe cqe;
	CHECK_EQ(rt_next_cqe(&cqe), 0);
	CHECK_EQ(cqe.user_data, 50);
	CHECK_EQ(cqe.res, 4);
	CHECK(memcmp(rep, "r:q1", 4) == 0, "reply '%s'", rep);
	wait_go();
	s = rt_sqe();
	rc_prep_channel_call(s, a[0], "die", 3, 0, NULL, rep, sizeof(rep), 0);
	CHECK_EQ(rt_sync(s), -RC_EPIPE); /* the server died holding it */
	CHECK_EQ(waitpid((int)pid, NULL), 5);
	CHECK_EQ(rt_close(a[0]), 0);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "basic";
	if (strcmp(m, "echo") == 0)
		return role_echo();
	if (strcmp(m, "dier") == 0)
		return role_dier();
	if (strcmp(m, "slow") == 0)
		return role_slow();
	if (strcmp(m, "parkfault") == 0)
		return role_parkfault();
	if (strcmp(m, "spinner") == 0)
		return role_spinner();
	if (strcmp(m, "poller") == 0)
		return role_poller();
	if (strcmp(m, "server") == 0)
		return role_server();
	if (strcmp(m, "caller") == 0)
		return role_caller();
	if (strcmp(m, "basic") == 0)
		mode_basic();
	else if (strcmp(m, "death") == 0)
		mode_death();
	else if (strcmp(m, "full") == 0)
		mode_full();
	else if (strcmp(m, "fault") == 0)
		mode_parkfault();
	else if (strcmp(m, "backlog") == 0)
		mode_backlog();
	else if (strcmp(m, "call") == 0)
		mode_call();
	else if (strcmp(m, "spin") == 0)
		mode_wake("spinner", false);
	else if (strcmp(m, "poll") == 0)
		mode_wake("poller", true);
	else if (strcmp(m, "callwake") == 0)
		mode_callwake();
	else
		CHECK(0, "unknown mode %s", m);
	return rt_report(m);
}
