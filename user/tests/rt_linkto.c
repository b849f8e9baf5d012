/*
 * rt_linkto - LINK_TIMEOUT in the kernel, driven by its timer: a call to
 * another process bounded by one, timing out while that process holds
 * the request (the call -ECANCELED, the LINK_TIMEOUT -ETIME, the
 * server's late reply -ENOENT); a call answered first (the LINK_TIMEOUT
 * -ECANCELED, the chain goes on); a bounded receive on an empty channel;
 * a LINK_TIMEOUT with no linked op before it refused (-EINVAL).
 *
 * usage: rt_linkto [holder]  (the kernel suite runs it with none; the
 *        holder is its child, given the channel's other end at SPAWN)
 */
#include "ulib.h"

#define CH RK_SPAWN_HANDLE(0)

static char buf[64];
static struct rc_channel_info info;

/* Receive into buf as a string: its length or -errno. */
static int recv_str(uint32_t h)
{
	int n = rt_recv(h, buf, sizeof(buf) - 1, &info, 0);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

static int send_str(uint32_t h, const char *s)
{
	return rt_send(h, s, (uint32_t)strlen(s), NULL, 0, 0);
}

static int32_t reply_str(uint32_t h, uint64_t txid, const char *s)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_reply(sqe, h, txid, s, (uint32_t)strlen(s), 0);
	return rt_sync(sqe);
}

/* holder: takes the first call and says so ("took"); once told "late",
 * answers it and reports what its reply got ("reply N"); answers the
 * next call with "ok"; ends at "quit". */
static int role_holder(void)
{
	char out[24];
	if (recv_str(CH) < 0 || info.txid == 0)
		return 1;
	uint64_t held = info.txid;
	if (send_str(CH, "took") != 4)
		return 2;
	if (recv_str(CH) < 0 || strcmp(buf, "late") != 0)
		return 3;
	snprintf(out, sizeof(out), "reply %d", reply_str(CH, held, "too late"));
	if (send_str(CH, out) < 0)
		return 4;
	if (recv_str(CH) < 0 || info.txid == 0 || reply_str(CH, info.txid, "ok") != 2)
		return 5;
	if (recv_str(CH) < 0 || strcmp(buf, "quit") != 0)
		return 6;
	return 0;
}

/* Queue a CALL of text on h with LINK (user_data ud), then a
 * LINK_TIMEOUT of ns (ud + 1), and submit both. */
static void bounded_call(uint32_t h, const char *text, char *reply, uint32_t cap, uint64_t ns,
			 uint64_t ud)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_call(s, h, text, (uint32_t)strlen(text), 0, NULL, reply, cap, 0);
	rc_sqe_set_data(s, ud);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_link_timeout(s, ns, 0);
	rc_sqe_set_data(s, ud + 1);
	rc_submit(&rt_ring);
}

/* The next two CQEs are (ud, res0) and (ud + 1, res1). */
static void expect_pair(uint64_t ud, int32_t res0, int32_t res1)
{
	struct rc_cqe c0, c1;
	CHECK_EQ(rt_next_cqe(&c0), 0);
	CHECK_EQ(rt_next_cqe(&c1), 0);
	CHECK(c0.user_data == ud && c0.res == res0, "ud %lu res %d, want %lu %d",
	      (unsigned long)c0.user_data, c0.res, (unsigned long)ud, res0);
	CHECK(c1.user_data == ud + 1 && c1.res == res1, "ud %lu res %d, want %lu %d",
	      (unsigned long)c1.user_data, c1.res, (unsigned long)ud + 1, res1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "holder") == 0)
		return role_holder();

	static char rep[2][32];
	uint32_t a[2], all = RC_CHANNEL_RIGHTS;
	CHECK_EQ(rt_channel(a), 0);
	const char *hargv[] = { "rt_linkto", "holder", NULL };
	struct rc_spawn_handle sh = { a[1], all };
	long pid = spawn_with(hargv, &sh, 1);
	CHECK(pid > 0, "spawn holder %ld", pid);

	/* Times out while the holder has the request: whichever came first,
	 * the holder's "took" or the timer, the call ends -ECANCELED and its
	 * reply buffer is never written. */
	memset(rep[0], 'x', sizeof(rep[0]));
	bounded_call(a[0], "hold", rep[0], sizeof(rep[0]), 30 * 1000000ul, 10);
	CHECK_EQ(recv_str(a[0]), 4);
	CHECK(strcmp(buf, "took") == 0, "holder said '%s'", buf);
	expect_pair(10, -RC_ECANCELED, -RC_ETIME);
	CHECK_EQ(send_str(a[0], "late"), 4);
	CHECK_EQ(recv_str(a[0]), (int)strlen("reply -2"));
	CHECK(strcmp(buf, "reply -2") == 0, "late reply got '%s', want -ENOENT", buf);
	for (unsigned i = 0; i < sizeof(rep[0]); i++)
		CHECK(rep[0][i] == 'x', "reply buffer written at %u", i);

	/* Answered first: the LINK_TIMEOUT (10 s) ends -ECANCELED at once. */
	uint64_t t0 = clock_ns();
	bounded_call(a[0], "quick", rep[1], sizeof(rep[1]), 10000000000ull, 20);
	expect_pair(20, 2, -RC_ECANCELED);
	CHECK(memcmp(rep[1], "ok", 2) == 0, "reply '%s'", rep[1]);
	CHECK(clock_ns() - t0 < 5000000000ull, "waited for the 10 s bound");

	/* A bounded receive on an empty channel. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, a[0], buf, sizeof(buf), 0, NULL, 0);
	rc_sqe_set_data(s, 30);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_link_timeout(s, 5 * 1000000ul, 0);
	rc_sqe_set_data(s, 31);
	rc_submit(&rt_ring);
	expect_pair(30, -RC_ECANCELED, -RC_ETIME);

	/* Nothing linked before it: refused. */
	s = rt_sqe();
	rc_prep_link_timeout(s, 1000000, 0);
	CHECK_EQ(rt_sync(s), -RC_EINVAL);

	CHECK_EQ(send_str(a[0], "quit"), 4);
	CHECK_EQ(waitpid((int)pid, NULL), 0);
	CHECK_EQ(rt_close(a[0]), 0);
	return rt_report("rt_linkto");
}
