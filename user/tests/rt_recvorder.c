/*
 * rt_recvorder - receives parked on one endpoint take the messages in the
 * order they were posted, whichever ring runs first: R1 on a ring of our
 * own (RING_CREATE), R2 on rt_ring, R3 on the first ring again, all on
 * one endpoint; a child sends three messages in one enter (so both rings
 * are made ready before either runs); R1 gets the first, R2 the second,
 * R3 the third. Then a receive posted while R1 is woken and not yet run
 * (its ring not entered) does not take R1's message.
 *
 * rt_recvorder fail: a receive handed a message that then fails to take
 * it leaves it first in line. R1 (a buffer too small) on ring A, then a
 * multishot receive on ring B; ring A sends "first" and "second" in one
 * enter, so R1 fails (-EOVERFLOW) before B can run: "first" arrives
 * before "second". Again with both receives on B and the sends on ring C,
 * the first one's buffer unmapped while it is parked (-EFAULT): one run,
 * CQEs in queue order (docs/abi.md 7.4).
 *
 * usage: rt_recvorder [sender|fail]  (the kernel suite runs it with none
 * and with fail)
 */
#include "ulib.h"

#define CH	  RK_SPAWN_HANDLE(0)
#define RING_ADDR 0x510000000ul

/* sender: waits for "go", then sends the words after it in one enter. */
static int role_sender(void)
{
	static char go[8];
	static const char *const words[] = { "m0", "m1", "m2" };
	if (rt_recv(CH, go, sizeof(go), NULL, 0) != 2)
		return 1;
	for (int i = 0; i < 3; i++)
		rc_prep_channel_send(rt_sqe(), CH, words[i], 2, 0, NULL, 0);
	if (rc_submit_and_wait(&rt_ring, 3) < 0)
		return 2;
	for (int i = 0; i < 3; i++) {
		struct rc_cqe c;
		if (rt_next_cqe(&c) || c.res != 2)
			return 3;
	}
	return rt_recv(CH, go, sizeof(go), NULL, 0) == 4 ? 0 : 4; /* "done" */
}

/* Queue a RECV of h on r into buf (user_data ud). */
static void queue_recv(struct rc_ring *r, uint32_t h, char *buf, uint64_t ud)
{
	struct rc_sqe *s = rc_get_sqe(r);
	rc_prep_channel_recv(s, h, buf, 7, 0, NULL, 0);
	rc_sqe_set_data(s, ud);
}

/* The next CQE of r (waiting for it; rt_ring's through the runtime,
 * which keeps those that came during an rt_sync): its user_data is ud,
 * its res 2. */
static void expect(struct rc_ring *r, uint64_t ud)
{
	struct rc_cqe c, *p;
	if (r == &rt_ring) {
		CHECK_EQ(rt_next_cqe(&c), 0);
	} else {
		CHECK_EQ(rc_wait_cqe(r, &p), 0);
		c = *p;
		rc_cqe_seen(r, p);
	}
	CHECK(c.user_data == ud && c.res == 2, "ud %lu res %d, want %lu 2",
	      (unsigned long)c.user_data, c.res, (unsigned long)ud);
}

#define PB_LEN	  64u
#define GONE_PAGE 0x560000000ul /* mapped, a receive's buffer, unmapped */

/* The next CQE of r: user_data ud, and res want or (text) the multishot
 * message text in its buffer of pool. */
static void expect_on(struct rc_ring *r, uint64_t ud, int32_t want, const uint8_t *pool,
		      const char *text)
{
	struct rc_cqe *p, c;
	CHECK_EQ(rc_wait_cqe(r, &p), 0);
	c = *p;
	rc_cqe_seen(r, p);
	CHECK(c.user_data == ud, "ud %lu, want %lu", (unsigned long)c.user_data, (unsigned long)ud);
	if (!text) {
		CHECK(c.res == want, "ud %lu: res %d, want %d", (unsigned long)ud, c.res, want);
		return;
	}
	int bid = rc_cqe_buffer_id(c.flags);
	CHECK(bid >= 0 && bid < 16 && c.res == (int32_t)strlen(text), "ud %lu: res %d bid %d",
	      (unsigned long)ud, c.res, bid);
	if (bid >= 0 && bid < 16 && c.res == (int32_t)strlen(text)) {
		const char *got = (const char *)pool + bid * PB_LEN + RC_CHANNEL_INFO_SIZE;
		CHECK(memcmp(got, text, strlen(text)) == 0, "got '%.*s', want '%s'", c.res, got,
		      text);
	}
}

/* Send the two words on h through ring c, in one enter. */
static void send_two(struct rc_ring *c, uint32_t h, const char *w0, const char *w1)
{
	rc_prep_channel_send(rc_get_sqe(c), h, w0, (uint32_t)strlen(w0), 0, NULL, 0);
	rc_prep_channel_send(rc_get_sqe(c), h, w1, (uint32_t)strlen(w1), 0, NULL, 0);
	CHECK_EQ(rc_submit_and_wait(c, 2), 2);
	for (int i = 0; i < 2; i++) {
		struct rc_cqe *p;
		CHECK_EQ(rc_wait_cqe(c, &p), 0);
		CHECK(p->res > 0, "send: %d", p->res);
		rc_cqe_seen(c, p);
	}
}

static int role_fail(void)
{
	static uint8_t pool[16 * PB_LEN];
	static char small[2];
	struct rc_ring ra, rb, rc;
	uint32_t d[2];
	CHECK(rt_ring_create(&ra, RING_ADDR, 8, 16, 0) > 0, "RING_CREATE A");
	CHECK(rt_ring_create(&rb, RING_ADDR + 0x10000000ul, 8, 16, 0) > 0, "RING_CREATE B");
	CHECK(rt_ring_create(&rc, RING_ADDR + 0x20000000ul, 8, 16, 0) > 0, "RING_CREATE C");
	CHECK_EQ(rt_channel(d), 0);
	rc_prep_provide_buffers(rc_get_sqe(&rb), pool, sizeof(pool), PB_LEN, 0, 0, 0);
	CHECK_EQ(rc_submit_and_wait(&rb, 1), 1);
	expect_on(&rb, 0, 16, NULL, NULL);

	/* R1 on A, parked first; the multishot on B second; A runs first.
	 * Without scheduling luck: A sends both messages itself, in one
	 * enter. The first is handed to R1, the second to the multishot,
	 * and R1 runs (made ready by that run's own SQEs) and fails in the
	 * same engine call, under our process's rk lock. B runs only under
	 * that lock too (its delivery, on whichever CPU, or our own enter on
	 * it), so after R1 failed. With the sends on a third ring, A's and
	 * B's deliveries raced: the sending CPU delivers the marked rings in
	 * slot order (A first), but a timer tick's delivery on the other CPU
	 * could take A's mark and lose our lock to the sender delivering B,
	 * and B took "second" first (the exception of docs/abi.md 7.4).
	 * Mutant failed-receive-message-goes-last still fails here. */
	struct rc_sqe *s = rc_get_sqe(&ra);
	rc_prep_channel_recv(s, d[1], small, sizeof(small), 0, NULL, 0);
	rc_sqe_set_data(s, 1);
	CHECK_EQ(rc_submit(&ra), 1);
	rc_prep_channel_recv_multishot(s = rc_get_sqe(&rb), d[1], 0);
	rc_sqe_set_data(s, 9);
	CHECK_EQ(rc_submit(&rb), 1);
	rc_prep_channel_send(s = rc_get_sqe(&ra), d[0], "first", 5, 0, NULL, 0);
	rc_sqe_set_data(s, 5);
	rc_prep_channel_send(s = rc_get_sqe(&ra), d[0], "second", 6, 0, NULL, 0);
	rc_sqe_set_data(s, 6);
	CHECK_EQ(rc_submit_and_wait(&ra, 3), 2);
	expect_on(&ra, 5, 5, NULL, NULL);
	expect_on(&ra, 6, 6, NULL, NULL);
	expect_on(&ra, 1, -RC_EOVERFLOW, NULL, NULL);
	expect_on(&rb, 9, 0, pool, "first");
	expect_on(&rb, 9, 0, pool, "second");
	rc_prep_cancel(s = rc_get_sqe(&rb), 9, 0);
	rc_sqe_set_data(s, 8);
	CHECK_EQ(rc_submit(&rb), 1);
	expect_on(&rb, 9, -RC_ECANCELED, NULL, NULL);
	expect_on(&rb, 8, 1, NULL, NULL);

	/* both on B, the first one's buffer unmapped while it is parked (its
	 * rerun fails to decode: -EFAULT): one run */
	CHECK_EQ(rt_map(GONE_PAGE, 1, RC_MAP_WRITE), 0);
	rc_prep_channel_recv(s = rc_get_sqe(&rb), d[1], (void *)GONE_PAGE, 64, 0, NULL, 0);
	rc_sqe_set_data(s, 2);
	rc_prep_channel_recv_multishot(s = rc_get_sqe(&rb), d[1], 0);
	rc_sqe_set_data(s, 10);
	CHECK_EQ(rc_submit(&rb), 2);
	CHECK_EQ(rt_unmap(GONE_PAGE, 1), 0);
	send_two(&rc, d[0], "third", "fourth");
	expect_on(&rb, 2, -RC_EFAULT, NULL, NULL);
	expect_on(&rb, 10, 0, pool, "third");
	expect_on(&rb, 10, 0, pool, "fourth");
	rt_close(d[0]); /* ends the multishot: -EPIPE */
	expect_on(&rb, 10, -RC_EPIPE, NULL, NULL);
	rt_close(d[1]);
	return rt_report("rt_recvorder fail");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "sender") == 0)
		return role_sender();
	if (argc > 1 && strcmp(argv[1], "fail") == 0)
		return role_fail();

	static char b[4][8];
	struct rc_ring mine;
	uint32_t a[2], d[2];
	CHECK(rt_ring_create(&mine, RING_ADDR, 8, 16, 0) > 0, "RING_CREATE");
	CHECK_EQ(rt_channel(a), 0);
	CHECK_EQ(rt_channel(d), 0);
	struct rc_spawn_handle sh = { a[1], RC_CHANNEL_RIGHTS };
	const char *sargv[] = { "rt_recvorder", "sender", NULL };
	long pid = spawn_with(sargv, &sh, 1);
	CHECK(pid > 0, "spawn sender %ld", pid);

	queue_recv(&mine, a[0], b[0], 1);
	CHECK_EQ(rc_submit(&mine), 1);
	queue_recv(&rt_ring, a[0], b[1], 2);
	CHECK_EQ(rc_submit(&rt_ring), 1);
	queue_recv(&mine, a[0], b[2], 3);
	CHECK_EQ(rc_submit(&mine), 1);
	CHECK_EQ(rt_send(a[0], "go", 2, NULL, 0, 0), 2);
	expect(&rt_ring, 2); /* R2's ring first */
	CHECK(strcmp(b[1], "m1") == 0, "R2 got '%s', want m1", b[1]);
	expect(&mine, 1);
	CHECK(strcmp(b[0], "m0") == 0, "R1 got '%s', want m0", b[0]);
	expect(&mine, 3);
	CHECK(strcmp(b[2], "m2") == 0, "R3 got '%s', want m2", b[2]);
	CHECK_EQ(rt_send(a[0], "done", 4, NULL, 0, 0), 4);
	CHECK_EQ(waitpid((int)pid, NULL), 0);

	/* R1 on our ring, woken by a message it is handed; a receive posted
	 * on rt_ring before our ring runs again waits for the next one. */
	memset(b, 0, sizeof(b));
	queue_recv(&mine, d[1], b[0], 4);
	CHECK_EQ(rc_submit(&mine), 1);
	CHECK_EQ(rt_send(d[0], "m3", 2, NULL, 0, 0), 2);
	queue_recv(&rt_ring, d[1], b[1], 5);
	CHECK_EQ(rc_submit(&rt_ring), 1);
	CHECK_EQ(rt_send(d[0], "m4", 2, NULL, 0, 0), 2);
	expect(&rt_ring, 5);
	CHECK(strcmp(b[1], "m4") == 0, "the later receive got '%s', want m4", b[1]);
	expect(&mine, 4);
	CHECK(strcmp(b[0], "m3") == 0, "R1 got '%s', want m3", b[0]);

	rt_close(a[0]);
	rt_close(d[0]);
	rt_close(d[1]);
	return rt_report("rt_recvorder");
}
