/*
 * kipcbench - what an IPC round trip between two processes costs in this
 * kernel (make bench-kernel), in instructions: QEMU -icount, so the guest
 * TSC counts instructions executed on every CPU (both processes, the
 * kernel, the poller) and every figure is exact and the same each run.
 *
 * Peers, each a client here and a server child (started with its channel
 * end by SPAWN), 4096 round trips of one 8-byte word after a warm-up:
 *   trap     the PEER: a synchronous trap IPC built for this benchmark
 *            only (kernel/kbenchipc.c, seL4 fastpath shape: call, and
 *            reply-and-wait, one trap each, switching straight to the
 *            other process);
 *   ring_b1  ring IPC through `enter`, one round trip at a time: the
 *            client's CHANNEL_CALL in one enter; the server, a multishot
 *            CHANNEL_RECV into provided buffers, sends its CHANNEL_REPLY
 *            (no CQE on success) and gives the buffer back in the enter
 *            that waits for the next request;
 *   ring_b64 the same with 64 round trips in flight;
 *   ring_poll both rings polled (RC_SETUP_POLL), one at a time, both
 *            sides spinning on their CQs: traps per round trip should be 0.
 * Prints one "kernel_<metric>,<value>,<unit>" row per figure.
 */
#include "ulib.h"
#include <ringcall/service.h>

#define N	   4096u /* measured round trips */
#define WARM	   256u
#define B_MAX	   64u
#define RADDR	   0x600000000ul
#define CH	   RK_SPAWN_HANDLE(0)
#define W_QUIT	   UINT64_C(0xffffffffffffffff) /* server: exit */
#define W_STATS	   UINT64_C(0xfffffffffffffffe) /* server: reply with its trap count */
#define TAG_RECV   UINT64_C(0x100)
#define TAG_SEND   UINT64_C(0x200)
#define REPLY_ONLY 1 /* reply_wait's flag: answer, do not wait (the last one) */

static struct rc_ring r;
static uint64_t rbuf[B_MAX], sbuf[B_MAX];
static const char *unit_i = "instructions/round trip (QEMU icount: both processes+kernel)";

static uint64_t traps_now(void)
{
	struct rc_proc_stats st;
	rt_proc_stats(&st);
	return st.traps;
}

/* Print num/den with 3 decimals as a row (no floating point here). */
static void row(const char *name, uint64_t num, uint64_t den, const char *unit)
{
	uint64_t milli = den ? num * 1000 / den : 0;
	printf("kernel_%s,%lu.%03lu,%s\n", name, (unsigned long)(milli / 1000),
	       (unsigned long)(milli % 1000), unit);
}

/* ---- the trap peer ---- */

static long trap2(long nr, uint64_t w, uint64_t flags)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(w), "S"(flags)
			 : "rcx", "r11", "memory");
	return ret;
}

static int trap_server(void)
{
	uint64_t w = (uint64_t)trap2(RK_TRAP_BENCH_REPLY_WAIT, 0, 0);
	while (w != W_QUIT)
		w = (uint64_t)trap2(RK_TRAP_BENCH_REPLY_WAIT, w + 1, 0);
	trap2(RK_TRAP_BENCH_REPLY_WAIT, 0, REPLY_ONLY);
	return 0;
}

/* ---- ring IPC: CHANNEL_CALL, and the server's RECV + CHANNEL_REPLY ---- */

static void prep_call(uint32_t h, uint32_t slot, uint64_t w)
{
	sbuf[slot] = w;
	struct rc_sqe *s = rc_get_sqe(&r);
	rc_prep_channel_call(s, h, &sbuf[slot], 8, 0, NULL, &rbuf[slot], 8, 0);
	rc_sqe_set_data(s, TAG_RECV | slot);
}

static int make_ring(uint32_t flags)
{
	if (rt_ring_create(&r, RADDR, 256, 512, flags) < 0)
		return -1;
	if (flags & RC_SETUP_POLL)
		r.spin_limit = UINT32_MAX; /* wait by watching the CQ */
	return 0;
}

/* The server: one multishot receive into a pool of provided buffers (the
 * shape of every service in this tree: docs/abi.md 7.6); each request
 * answered (word + 1) by a CHANNEL_REPLY that posts no CQE on success, its
 * buffer given back after the replies that read it, all in the submission
 * that waits for the next request: one enter per request at b = 1. */
#define POOL  (2 * B_MAX)
#define PBUF  64u /* the info, then the 8-byte word */
#define NOCQE UINT64_MAX
_Static_assert(PBUF >= RC_CHANNEL_INFO_SIZE + 8, "a provided buffer holds info and word");
static uint8_t pool_mem[POOL * PBUF] __attribute__((aligned(64)));
static uint32_t pool_back[POOL];

static void arm_recv(uint32_t h)
{
	struct rc_sqe *s = rc_get_sqe(&r);
	rc_prep_channel_recv_multishot(s, h, 0);
	rc_sqe_set_data(s, TAG_RECV);
}

static int ring_server(uint32_t flags)
{
	struct rc_pbuf_pool pool;
	if (make_ring(flags))
		return 1;
	rc_pbuf_pool_init(&pool, pool_mem, PBUF, POOL, 0, pool_back);
	rc_pbuf_give_back(&r, &pool, RC_SQE_SKIP_SUCCESS, NOCQE);
	arm_recv(CH);
	for (;;) {
		struct rc_cqe *c;
		uint32_t head, seen = 0;

		rc_submit_and_wait(&r, 1);
		rc_for_each_cqe(&r, head, c)
		{
			uint64_t d = c->user_data;
			int32_t res = c->res;
			uint32_t cflags = c->flags;
			int32_t bid = rc_cqe_buffer_id(cflags);

			seen++;
			if (d == NOCQE || (res < 0 && res != -RC_ENOBUFS)) {
				printf("kipcbench server: %s: %d\n", d == NOCQE ? "reply" : "recv",
				       res);
				return 1;
			}
			if (bid >= 0) {
				uint8_t *m = rc_pbuf(&pool, (uint32_t)bid);
				const struct rc_channel_info *info = (const void *)m;
				uint64_t w;
				memcpy(&w, m + RC_CHANNEL_INFO_SIZE, 8);
				if (w == W_QUIT)
					return 0;
				uint64_t *out = (uint64_t *)(void *)(m + RC_CHANNEL_INFO_SIZE);
				*out = w == W_STATS ? traps_now() : w + 1;
				struct rc_sqe *s = rc_get_sqe(&r);
				rc_prep_channel_reply(s, CH, info->txid, out, 8, 0);
				rc_sqe_set_flags(s, RC_SQE_SKIP_SUCCESS);
				rc_sqe_set_data(s, NOCQE);
				rc_pbuf_done(&pool, (uint32_t)bid);
			}
			if (!(cflags & RC_CQE_F_MORE))
				arm_recv(CH); /* ended (a dry pool or a full CQ): again */
		}
		rc_cq_advance(&r, seen);
		rc_pbuf_give_back(&r, &pool, RC_SQE_SKIP_SUCCESS, NOCQE);
	}
}

/* The client: total calls, b in flight; false on an error. */
static bool ring_client(uint32_t h, uint32_t total, uint32_t b)
{
	uint32_t issued = 0, done = 0;
	for (; issued < b && issued < total; issued++)
		prep_call(h, issued, issued);
	while (done < total) {
		struct rc_cqe *c;
		uint32_t head, seen = 0;

		rc_submit_and_wait(&r, 1);
		rc_for_each_cqe(&r, head, c)
		{
			int32_t res = c->res;
			uint32_t slot = (uint32_t)(c->user_data & 0xff);

			seen++;
			if (res != 8 || rbuf[slot] != sbuf[slot] + 1) {
				printf("kipcbench client: call: %d\n", res);
				return false;
			}
			done++;
			if (issued < total)
				prep_call(h, slot, issued++);
		}
		rc_cq_advance(&r, seen);
	}
	return true;
}

/* One synchronous call with word w; the reply. */
static uint64_t ring_rpc(uint32_t h, uint64_t w)
{
	prep_call(h, 0, w);
	rc_submit_and_wait(&r, 1);
	rc_cq_advance(&r, 1);
	return rbuf[0];
}

/* A ring peer: the server child, warm-up, N measured; rows. */
static int ring_peer(const char *icount_name, const char *traps_name, uint32_t flags, uint32_t b)
{
	uint32_t ends[2];
	char bs[8];
	if (rt_channel(ends))
		return 1;
	snprintf(bs, sizeof(bs), "%u", b);
	const char *av[] = { "kipcbench", flags ? "poll" : "enter", bs, NULL };
	struct rc_spawn_handle give = { ends[1], RC_CHANNEL_RIGHTS };
	long pid = spawn_with(av, &give, 1);
	if (pid < 0 || make_ring(flags) || !ring_client(ends[0], WARM, b))
		return 1;
	uint64_t st0 = ring_rpc(ends[0], W_STATS), t0 = traps_now(), c0 = rt_rdtsc();
	if (!ring_client(ends[0], N, b))
		return 1;
	uint64_t insns = rt_rdtsc() - c0, traps = traps_now() - t0 - 1;
	uint64_t st1 = ring_rpc(ends[0], W_STATS);
	traps += st1 - st0 - 1; /* the server's, less its second PROC_STATS */
	row(icount_name, insns, N, unit_i);
	row(traps_name, traps, N, "traps/round trip (both processes)");
	sbuf[0] = W_QUIT; /* a plain message: the server ends without answering */
	struct rc_sqe *q = rc_get_sqe(&r);
	rc_prep_channel_send(q, ends[0], &sbuf[0], 8, 0, NULL, 0);
	rc_submit_and_wait(&r, 1);
	rc_cq_advance(&r, 1);
	if (waitpid((int)pid, NULL) != 0)
		return 1;
	rt_close(ends[0]);
	/* the ring goes with the next peer's: close it */
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)(uintptr_t)r.backend_data, 0);
	rt_sync(s);
	return 0;
}

static int trap_peer(void)
{
	const char *av[] = { "kipcbench", "trap", NULL };
	long pid = spawn(av);
	if (pid < 0)
		return 1;
	while (trap2(RK_TRAP_BENCH_CALL, 0, 0) == -RC_EAGAIN) { /* the server is not waiting yet */
		struct rc_sqe *s = rt_sqe();
		rc_prep_timeout(s, 1000000, 0, 0);
		rt_sync(s);
	}
	for (uint32_t i = 0; i < WARM; i++)
		trap2(RK_TRAP_BENCH_CALL, i, 0);
	uint64_t t0 = traps_now(), c0 = rt_rdtsc(), bad = 0;
	for (uint32_t i = 0; i < N; i++)
		bad += (uint64_t)trap2(RK_TRAP_BENCH_CALL, i, 0) != i + 1;
	uint64_t insns = rt_rdtsc() - c0, traps = traps_now() - t0 - 1;
	trap2(RK_TRAP_BENCH_CALL, W_QUIT, 0);
	if (bad || waitpid((int)pid, NULL) != 0) {
		printf("kipcbench: trap peer: %lu wrong replies\n", (unsigned long)bad);
		return 1;
	}
	row("icount_ipc_trap", insns, N, unit_i);
	row("traps_per_ipc_trap", 2 * traps, N, "traps/round trip (both processes)");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "trap") == 0)
		return trap_server();
	if (argc > 2)
		return ring_server(strcmp(argv[1], "poll") == 0 ? RC_SETUP_POLL : 0);
	/* Let the poller (awake since boot) fall asleep: its spinning would
	 * count in the trap and enter figures. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, 200000000, 0, 0);
	rt_sync(s);
	if (trap_peer() || ring_peer("icount_ipc_ring_b1", "traps_per_ipc_ring_b1", 0, 1) ||
	    ring_peer("icount_ipc_ring_b64", "traps_per_ipc_ring_b64", 0, B_MAX) ||
	    ring_peer("icount_ipc_ring_poll", "traps_per_ipc_poll", RC_SETUP_POLL, 1)) {
		printf("kipcbench: failed\n");
		return 1;
	}
	return 0;
}
