/*
 * rt_kmem - the kernel memory channels take is charged to the process
 * whose SQE caused it (docs/kernel.md "Limits"): a flood of many channels
 * filled to their bound stops at the process's frame limit with -ENOMEM
 * (nothing lost, one CQE each) while another process keeps working; a
 * message's charge leaves its sender when the receiver takes it, when the
 * receiving end closes, and an exited sender's charge stays on its tree
 * until its queued messages go.
 *
 * usage: rt_kmem MODE  (flood, move), run by the kernel suite; the roles
 *        below are started by a MODE with handles (SPAWN).
 */
#include "ulib.h"

#define CH  RK_SPAWN_HANDLE(0)
#define CH2 RK_SPAWN_HANDLE(1)

#define BIG	   4000u /* a message of two frames (with its header) */
#define SLOT_BYTES 256u	 /* a message of up to 96 bytes: one chunk */
#define BIG_BYTES  8192u

static char big[BIG];
static char buf[BIG];
static struct rc_channel_info info;

static uint32_t ipc_bytes(void)
{
	struct rc_proc_stats st;
	rt_proc_stats(&st);
	return st.ipc_bytes;
}

static long child(const char *role, const uint32_t *hs, uint32_t n)
{
	const char *argv[] = { "rt_kmem", role, NULL };
	struct rc_spawn_handle sh[RC_SPAWN_HANDLES_MAX];
	for (uint32_t i = 0; i < n; i++)
		sh[i] = (struct rc_spawn_handle){ hs[i], RC_CHANNEL_RIGHTS };
	return spawn_with(argv, sh, n);
}

/* ---- flood ---- */

/* bystander: started while its parent is at its limit; channels work for
 * it (its own charge), and it tells the parent so over CH. */
static int role_bystander(void)
{
	uint32_t e[2];
	CHECK_EQ(rt_channel(e), 0);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 64; i++)
			CHECK_EQ(rt_send(e[0], big, i % 2 ? BIG : 8, NULL, 0, 0), i % 2 ? BIG : 8);
		for (int i = 0; i < 64; i++)
			CHECK_EQ(rt_recv(e[1], buf, sizeof(buf), NULL, 0), i % 2 ? BIG : 8);
	}
	CHECK_EQ(rt_close(e[0]), 0);
	CHECK_EQ(rt_close(e[1]), 0);
	CHECK_EQ(rt_send(CH, "ok", 2, NULL, 0, 0), 2);
	return rt_report("rt_kmem bystander");
}

/* Channels (their sending ends closed, their receiving ends queued on a
 * sink channel), each filled to its bound with two-frame messages, until
 * the process's frame limit says -ENOMEM; then small messages until even
 * those are refused. Every message sent is still there afterwards. */
static void mode_flood(void)
{
	uint32_t s[2], t[2], a[2];
	uint32_t chans = 0, sent = 0, small = 0;
	bool held = false; /* a[1] is still here (the sink refused it) */
	uint32_t size = BIG;
	int err = 0;
	CHECK_EQ(rt_channel(s), 0);
	CHECK_EQ(rt_channel(t), 0);
	for (;;) {
		err = rt_channel(a);
		if (err)
			break;
		/* Two-frame messages until refused, then small ones (a chunk
		 * each) fill what is left of the last frames. */
		uint32_t n = 0;
		for (; n < RC_CHANNEL_QUEUE_MAX; n++) {
			uint32_t len = size;
			err = rt_send(a[0], big, len, NULL, 0, RC_CHANNEL_NOWAIT);
			if (err == -RC_ENOMEM && size == BIG)
				err = rt_send(a[0], big, len = size = 8, NULL, 0,
					      RC_CHANNEL_NOWAIT);
			if (err != (int)len)
				break;
			small += len == 8;
			err = 0;
		}
		sent += n;
		CHECK_EQ(rt_close(a[0]), 0);
		/* The receiving end into the sink: a message of one chunk, which
		 * may be refused too (then it stays here). */
		int r = rt_send(s[0], "q", 1, &a[1], 1, RC_CHANNEL_NOWAIT);
		if (r != 1) {
			held = true;
			err = err ? err : r;
			break;
		}
		chans++;
		if (err)
			break;
	}
	struct rc_proc_stats st;
	rt_proc_stats(&st);
	printf("  flood: %u channels, %u messages (%u small): %d; frames %u of %u (%u for "
	       "channels, %u bytes)\n",
	       chans, sent, small, err, st.frames, st.frames_max, st.ipc_frames, st.ipc_bytes);
	CHECK_EQ(err, -RC_ENOMEM);
	CHECK(chans > 8 && chans < 40, "%u channels", chans); /* about 4096 / 128 */
	CHECK(st.frames <= st.frames_max && st.frames + 2 >= st.frames_max, "frames %u of %u",
	      st.frames, st.frames_max);
	CHECK(st.ipc_frames * 4096u >= st.ipc_bytes, "%u frames for %u bytes", st.ipc_frames,
	      st.ipc_bytes);
	/* At the limit every op that would allocate says so, one CQE each. */
	struct rc_cqe cqe;
	uint32_t x[2];
	CHECK_EQ(rt_channel(x), -RC_ENOMEM);
	CHECK_EQ(rt_send(t[0], big, 8, NULL, 0, 0), -RC_ENOMEM);
	if (rt_fails)
		return; /* the CALL would wait for a reply nobody sends */
	char rep[8];
	struct rc_sqe *q = rt_sqe();
	rc_prep_channel_call(q, t[0], "c", 1, 0, NULL, rep, sizeof(rep), 0);
	CHECK_EQ(rt_sync(q), -RC_ENOMEM);
	CHECK_EQ(rt_peek_cqe(&cqe), -RC_EAGAIN); /* nothing else completed */
	CHECK_EQ(rt_recv(t[1], buf, sizeof(buf), NULL, RC_CHANNEL_NOWAIT), -RC_EAGAIN);

	/* Another process (its tree's other half) works meanwhile. */
	long pid = child("bystander", &t[1], 1);
	CHECK(pid > 0, "spawn bystander %ld", pid);
	CHECK_EQ(rt_recv(t[0], buf, sizeof(buf), NULL, 0), 2);
	CHECK_EQ(waitpid((int)pid, NULL), 0);

	/* Nothing was lost: every message is in its channel, in order. */
	uint32_t got = 0;
	for (uint32_t c = 0; c < chans; c++) {
		CHECK_EQ(rt_recv(s[1], buf, sizeof(buf), &info, 0), 1);
		CHECK_EQ(info.nhandles, 1);
		uint32_t h = info.handles[0];
		int n;
		while ((n = rt_recv(h, buf, sizeof(buf), NULL, 0)) > 0)
			got++;
		CHECK_EQ(n, -RC_EPIPE); /* drained: its sender's end is closed */
		CHECK_EQ(rt_close(h), 0);
	}
	if (held) { /* the last one, which the sink refused */
		for (int n; (n = rt_recv(a[1], buf, sizeof(buf), NULL, RC_CHANNEL_NOWAIT)) > 0;)
			got++;
		CHECK_EQ(rt_close(a[1]), 0);
	}
	CHECK_EQ(got, sent);
	/* All of it given back but the sink's and talk channel's own (and
	 * the sink's pool of freed slots). */
	rt_proc_stats(&st);
	CHECK(st.ipc_frames <= 8, "%u frames still charged for channels", st.ipc_frames);
	CHECK_EQ(rt_channel(x), 0);
	CHECK_EQ(rt_close(x[0]), 0);
	CHECK_EQ(rt_close(x[1]), 0);
	CHECK_EQ(rt_close(s[0]), 0);
	CHECK_EQ(rt_close(s[1]), 0);
	CHECK_EQ(rt_close(t[0]), 0);
}

/* ---- move ---- */

/* sender: its messages' charge is its own until the parent takes them
 * (CH), or closes the end they are queued at; then it exits with
 * messages and a handle queued at the parent. CH2: the handshakes. */
static int role_sender(void)
{
	uint32_t base = ipc_bytes();
	for (int i = 0; i < 10; i++)
		CHECK_EQ(rt_send(CH, big, 8, NULL, 0, 0), 8);
	CHECK_EQ(rt_send(CH, big, BIG, NULL, 0, 0), (int)BIG);
	CHECK_EQ(ipc_bytes(), base + 10 * SLOT_BYTES + BIG_BYTES);
	CHECK_EQ(rt_send(CH2, "sent", 4, NULL, 0, 0), 4);
	CHECK_EQ(rt_recv(CH2, buf, sizeof(buf), NULL, 0), 4); /* "took": all received */
	CHECK_EQ(ipc_bytes(), base);

	/* Queued at an end the parent then closes: given back too. */
	uint32_t e[2];
	CHECK_EQ(rt_channel(e), 0);
	uint32_t with = ipc_bytes();
	CHECK_EQ(rt_send(CH2, "end", 3, &e[1], 1, 0), 3);
	CHECK_EQ(rt_recv(CH2, buf, sizeof(buf), NULL, 0), 3); /* "got" */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(rt_send(e[0], big, i ? 8 : BIG, NULL, 0, 0), i ? 8 : (int)BIG);
	CHECK_EQ(ipc_bytes(), with + 4 * SLOT_BYTES + BIG_BYTES);
	CHECK_EQ(rt_send(CH2, "close", 5, NULL, 0, 0), 5);
	CHECK_EQ(rt_recv(CH2, buf, sizeof(buf), NULL, 0), 6); /* "closed" */
	/* freed; the small ones' slots stay in its channel's pool: its own */
	CHECK_EQ(ipc_bytes(), with + 4 * SLOT_BYTES);
	CHECK_EQ(rt_close(e[0]), 0);
	CHECK_EQ(ipc_bytes(), base);

	/* Exit with messages (one carrying a channel end) queued there. */
	CHECK_EQ(rt_channel(e), 0);
	CHECK_EQ(rt_send(e[0], "inside", 6, NULL, 0, 0), 6);
	CHECK_EQ(rt_send(CH, "h", 1, &e[1], 1, 0), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(rt_send(CH, big, BIG, NULL, 0, 0), (int)BIG);
	return rt_report("rt_kmem sender");
}

static void mode_move(void)
{
	uint32_t c[2], k[2];
	struct rc_proc_stats st;
	CHECK_EQ(rt_channel(c), 0);
	CHECK_EQ(rt_channel(k), 0);
	uint32_t hs[2] = { c[1], k[1] };
	long pid = child("sender", hs, 2);
	CHECK(pid > 0, "spawn sender %ld", pid);
	uint32_t base = ipc_bytes();
	CHECK_EQ(rt_recv(k[0], buf, sizeof(buf), NULL, 0), 4); /* "sent" */
	/* its slot is in k's pool now: k's creator's (ours); what waits on
	 * c is the sender's */
	base += SLOT_BYTES;
	CHECK_EQ(ipc_bytes(), base);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(rt_recv(c[0], buf, sizeof(buf), NULL, 0), 8);
	CHECK_EQ(rt_recv(c[0], buf, sizeof(buf), NULL, 0), (int)BIG);
	/* The slots stay in the channel's pool: its creator's (this process). */
	uint32_t pooled = ipc_bytes();
	CHECK_EQ(pooled, base + 10 * SLOT_BYTES);
	CHECK_EQ(rt_send(k[0], "took", 4, NULL, 0, 0), 4);

	CHECK_EQ(rt_recv(k[0], buf, sizeof(buf), &info, 0), 3); /* "end", a channel's end */
	CHECK_EQ(info.nhandles, 1);
	uint32_t e1 = info.handles[0];
	CHECK_EQ(rt_send(k[0], "got", 3, NULL, 0, 0), 3);
	CHECK_EQ(rt_recv(k[0], buf, sizeof(buf), NULL, 0), 5); /* "close" */
	CHECK_EQ(rt_close(e1), 0); /* frees what the sender queued there */
	CHECK_EQ(rt_send(k[0], "closed", 6, NULL, 0, 0), 6);

	/* The sender exits with messages queued here: the charge stays on
	 * its account, in the tree, until they go. */
	struct rc_wait_info wi;
	CHECK_EQ(waitpid((int)pid, &wi), 0);
	rt_proc_stats(&st);
	CHECK(st.tree_frames >= st.frames + 6, "tree %u, own %u: the dead sender's not kept",
	      st.tree_frames, st.frames);
	CHECK_EQ(rt_recv(c[0], buf, sizeof(buf), &info, 0), 1);
	CHECK_EQ(info.nhandles, 1);
	uint32_t h = info.handles[0];
	CHECK_EQ(rt_recv(h, buf, sizeof(buf), NULL, 0), 6); /* "inside" */
	CHECK_EQ(rt_close(h), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(rt_recv(c[0], buf, sizeof(buf), NULL, 0), (int)BIG);
	rt_proc_stats(&st);
	CHECK_EQ(st.tree_frames, st.frames); /* all of the dead one's given back */
	CHECK_EQ(rt_close(c[0]), 0);
	CHECK_EQ(rt_close(k[0]), 0);
	CHECK_EQ(ipc_bytes(), 0);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "flood";
	memset(big, 'x', sizeof(big));
	if (strcmp(m, "bystander") == 0)
		return role_bystander();
	if (strcmp(m, "sender") == 0)
		return role_sender();
	if (strcmp(m, "flood") == 0)
		mode_flood();
	else if (strcmp(m, "move") == 0)
		mode_move();
	else
		CHECK(0, "unknown mode %s", m);
	return rt_report(m);
}
