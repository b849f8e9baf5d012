/*
 * ipc_bench.c - IPC between two client processes of one ringcall-server:
 * a caller and an echo service, 64-byte messages over a channel found by
 * name (CHANNEL_PUBLISH / CHANNEL_CONNECT), as a real pair of programs
 * would talk. Part of ringcall_bench (ipc_* rows).
 *
 * A call is one CHANNEL_CALL (the request out, the CQE when the reply is
 * in). The service's loop is one multishot CHANNEL_RECV into buffers it
 * provided (PROVIDE_BUFFERS); each wake-up answers every request that
 * arrived (CHANNEL_REPLY by transaction id, SKIP_SUCCESS) and gives their
 * buffers back, all in one submit.
 *
 * The configurations (2 vCPUs: three pollers cannot all spin; the
 * ringcall-server runs one worker):
 *   poll      (ipc_rtt_poll_*, ipc_msgs_per_s) the worker has cpu1 to
 *             itself and polls (RC_MODE_POLL rings: a submit is a store, no
 *             syscall); caller and service share cpu0 and poll their CQs
 *             yielding the CPU between looks (sched_yield), so whichever
 *             has work runs; after IPC_YIELD_LOOKS empty looks they sleep
 *             in enter. Cost: both CPUs busy while the pair talks (the
 *             worker until its idle_us, the clients until their looks run
 *             out), a yield where the other process would have spun.
 *   doorbell  (ipc_rtt_doorbell_*) everything sleeps: RC_MODE_DOORBELL
 *             rings, every submit rings the worker's futex, every wait
 *             sleeps on the CQ, the worker sleeps when idle. Worker and
 *             clients on one CPU (cpu0): each hop is a futex wake and a
 *             context switch on that CPU. Cost: no CPU at all when idle.
 *   doorbell across CPUs (ipc_rtt_doorbell_xcpu_*) the same with the
 *             worker on cpu1: each hop wakes a thread on the other vCPU,
 *             which in a VM means waking an idle vCPU (what pipe_rtt_ns,
 *             pinned across the two CPUs, pays too).
 */
#define _GNU_SOURCE
#include "bench_util.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "ringcall/engine.h"
#include "ringcall/hosted.h"
#include "ringcall/service.h"
#include "ipc_bench.h"
#include "local.h"

#define IPC_MSG	    64u
#define IPC_DEPTH   64u /* calls in flight (stream) */
#define IPC_SAMPLES (1u << 20)

#define IPC_YIELD_LOOKS 4096u /* yielding looks at the CQ before sleeping */

enum ipc_kind {
	IPC_RTT_POLL,
	IPC_RTT_DOORBELL,
	IPC_RTT_DOORBELL_XCPU,
	IPC_STREAM
};

static bool ipc_polled(enum ipc_kind k)
{
	return k == IPC_RTT_POLL || k == IPC_STREAM;
}

/* What the caller process hands back (shared mapping). */
struct ipc_shared {
	uint64_t t0, t1, calls;
	uint32_t nsamples;
	int32_t err;
	uint64_t samples[IPC_SAMPLES];
};

static int ipc_fail(const char *what, int32_t res)
{
	fprintf(stderr, "ipc bench: %s: %d\n", what, res);
	return 1;
}

static void ipc_params(struct rc_params *p, enum ipc_kind k)
{
	*p = (struct rc_params){ .sq_entries = 256,
				 .cq_entries = 512,
				 .mode = ipc_polled(k) ? RC_MODE_POLL : RC_MODE_DOORBELL,
				 .idle_us = 200000,
				 .data_bytes = 1 << 20 };
}

static bool g_yield; /* this process polls its CQ yielding (poll configurations) */

/* Submit what is queued and wait for a CQE: look at the CQ, yielding the
 * CPU between looks, then sleep in enter; or (doorbell) sleep at once.
 * The rings' own spin (spin_limit) is off: a pause loop would hold the
 * CPU the other process needs. */
static int ipc_submit_wait(struct rc_ring *r)
{
	if (g_yield) {
		if (rc_submit(r) < 0)
			return -1;
		for (uint32_t i = 0; i < IPC_YIELD_LOOKS; i++) {
			if (rc_cqe_at(r, r->cq_head))
				return 0;
			sched_yield();
		}
	}
	return rc_submit_and_wait(r, 1) < 0 ? -1 : 0;
}

/* This process's CPU and way of waiting, for kind k. */
static void ipc_client_setup(struct rc_ring *r, enum ipc_kind k)
{
	bench_pin_cpu(0);
	g_yield = ipc_polled(k);
	r->spin_limit = 0;
}

/* Submit what is queued, wait for one CQE: its res. */
static int32_t ipc_one(struct rc_ring *r)
{
	struct rc_cqe *cqe;
	int32_t res;

	if (ipc_submit_wait(r) < 0 || rc_wait_cqe(r, &cqe))
		return INT32_MIN;
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	return res;
}

/* name copied where the engine reads it (the shared data area). */
static char *ipc_name(struct rc_ring *r, const char *name)
{
	char *n = rc_alloc(r, strlen(name));

	return n ? memcpy(n, name, strlen(name)) : n;
}

/* ---- the echo service (a child process) ---- */

/* A provided buffer: info, then the bytes (96), rounded up to whole cache
 * lines (128, rc_alloc hands out 64-byte aligned memory). At 96 every other
 * buffer shared a line with its neighbour: the worker writing the next
 * request pulled the line the service was reading the last one from
 * (+6 % messages/s, docs/performance.md "Measured"). Costs 4 KiB more. */
#define IPC_BUF	 128u
#define IPC_POOL 128u /* provided buffers (64 calls in flight) */
_Static_assert(IPC_BUF >= RC_CHANNEL_INFO_SIZE + IPC_MSG && IPC_BUF % 64 == 0,
	       "a provided buffer holds the info and the message, in whole lines");
#define IPC_NOCQE UINT64_MAX /* user_data of SKIP_SUCCESS entries: a CQE is a failure */

/* The service side: its connection, its buffers (group 0), those to give back. */
struct ipc_echo {
	struct rc_ring *r;
	uint32_t conn;
	struct rc_pbuf_pool pool;
	uint32_t back[IPC_POOL];
};

/* A pool of IPC_POOL buffers at mem, every one to be provided. */
static void ipc_pool_init(struct ipc_echo *e, void *mem)
{
	rc_pbuf_pool_init(&e->pool, mem, IPC_BUF, IPC_POOL, 0, e->back);
}

/* The buffers of this wake-up's requests, after the replies that read
 * them (SQ order), a run of consecutive ids per PROVIDE_BUFFERS. */
static void ipc_give_back(struct ipc_echo *e)
{
	rc_pbuf_give_back(e->r, &e->pool, RC_SQE_SKIP_SUCCESS, IPC_NOCQE);
}

static void ipc_arm(struct ipc_echo *e)
{
	struct rc_sqe *sqe = rc_get_sqe(e->r);

	rc_prep_channel_recv_multishot(sqe, e->conn, 0);
	rc_sqe_set_data(sqe, 0);
}

/* One CQE of the service's ring: a request answered (its reply queued),
 * the receive re-armed if it ended. 1 when the caller hung up, 0, or the
 * failure. */
static int ipc_echo_cqe(struct ipc_echo *e, const struct rc_cqe *cqe)
{
	int32_t bid = rc_cqe_buffer_id(cqe->flags);

	if (cqe->user_data == IPC_NOCQE)
		return cqe->res; /* a reply or PROVIDE_BUFFERS failed */
	if (bid >= 0) {
		uint8_t *b = rc_pbuf(&e->pool, (uint32_t)bid);
		const struct rc_channel_info *info = (const void *)b;
		struct rc_sqe *sqe = rc_get_sqe(e->r);

		rc_prep_channel_reply(sqe, e->conn, info->txid, b + RC_CHANNEL_INFO_SIZE,
				      (uint32_t)cqe->res, 0);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
		rc_sqe_set_data(sqe, IPC_NOCQE);
		rc_pbuf_done(&e->pool, (uint32_t)bid);
	}
	if (cqe->flags & RC_CQE_F_MORE)
		return 0;
	if (cqe->res == -RC_EPIPE)
		return 1;
	if (cqe->res < 0 && cqe->res != -RC_ENOBUFS)
		return cqe->res;
	ipc_arm(e); /* ended with a message (full CQ) or a dry pool: again */
	return 0;
}

/* Publish name, say so on ready_fd, take one connection, echo until the
 * caller hangs up (-EPIPE): exit status 0, or which step failed. */
static int ipc_service(const char *sock, enum ipc_kind k, const char *name, int ready_fd)
{
	struct rc_params p;
	struct rc_ring r;
	struct rc_channel_pair *pair;
	struct rc_channel_info *info;
	struct ipc_echo e = { .r = &r };
	uint8_t *buf;
	int32_t res, arrivals;

	ipc_params(&p, k);
	if (rc_connect(&r, sock, &p))
		return 2;
	ipc_client_setup(&r, k);
	pair = rc_alloc(&r, sizeof(*pair));
	info = rc_alloc(&r, sizeof(*info));
	buf = rc_alloc(&r, IPC_MSG);
	ipc_pool_init(&e, rc_alloc(&r, IPC_POOL * IPC_BUF));
	ipc_give_back(&e); /* the whole pool, submitted with the CHANNEL_CREATE */
	arrivals = rc_channel_listen(&r, ipc_name(&r, name), (uint32_t)strlen(name), pair);
	if (arrivals < 0)
		return ipc_fail("publish", arrivals);
	if (write(ready_fd, "!", 1) != 1)
		return 3;
	rc_prep_channel_recv(rc_get_sqe(&r), (uint32_t)arrivals, buf, IPC_MSG, sizeof(*info), info,
			     0);
	if ((res = ipc_one(&r)) != 0 || info->nhandles != 1)
		return ipc_fail("accept", res);
	e.conn = info->handles[0];
	ipc_arm(&e);
	for (;;) {
		struct rc_cqe *cqe;
		uint32_t head, n = 0;
		int err = 0;

		ipc_give_back(&e);
		if (ipc_submit_wait(&r) < 0)
			return 4;
		rc_for_each_cqe(&r, head, cqe)
		{
			n++;
			if ((err = ipc_echo_cqe(&e, cqe)) != 0)
				break;
		}
		rc_cq_advance(&r, n);
		if (err)
			return err == 1 ? 0 : ipc_fail("echo", err);
	}
}

/* ---- the caller (a child process) ---- */

/* Queue call i: one CHANNEL_CALL, the request from tx, the reply to rx. */
static void ipc_prep_call(struct rc_ring *r, uint32_t h, uint8_t *tx, uint8_t *rx, uint32_t i)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	rc_prep_channel_call(sqe, h, tx, IPC_MSG, 0, NULL, rx, IPC_MSG, 0);
	rc_sqe_set_data(sqe, i);
}

/* n calls one at a time, each timed. */
static int ipc_rtt_calls(struct rc_ring *r, uint32_t h, uint8_t *tx, uint8_t *rx, uint64_t n,
			 struct ipc_shared *out)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		int32_t res;

		memcpy(tx, &i, sizeof(i));
		ipc_prep_call(r, h, tx, rx, 0);
		res = ipc_one(r);
		if (res != IPC_MSG || memcmp(rx, &i, sizeof(i)))
			return ipc_fail("call", res);
		if (out && i < IPC_SAMPLES)
			out->samples[out->nsamples++] = bench_now_ns() - t0;
	}
	return 0;
}

/* n calls, IPC_DEPTH in flight: whenever replies are ready, reap them all
 * and issue as many new calls in one submit. */
static int ipc_stream_calls(struct rc_ring *r, uint32_t h, uint8_t *tx, uint8_t *rx, uint64_t n)
{
	uint64_t issued = 0, done = 0;

	for (uint32_t i = 0; i < IPC_DEPTH && issued < n; i++, issued++)
		ipc_prep_call(r, h, tx + i * IPC_MSG, rx + i * IPC_MSG, i);
	while (done < n) {
		struct rc_cqe *cqe;
		uint32_t head, k = 0;

		if (ipc_submit_wait(r) < 0)
			return 5;
		rc_for_each_cqe(r, head, cqe)
		{
			uint32_t i = (uint32_t)cqe->user_data;

			k++;
			if (cqe->res != IPC_MSG || i >= IPC_DEPTH)
				return ipc_fail("stream call", cqe->res);
			if (issued < n) {
				ipc_prep_call(r, h, tx + i * IPC_MSG, rx + i * IPC_MSG, i);
				issued++;
			}
		}
		rc_cq_advance(r, k);
		done += k;
	}
	return 0;
}

static int ipc_caller(const char *sock, enum ipc_kind k, const char *name, uint64_t n,
		      struct ipc_shared *out)
{
	struct rc_params p;
	struct rc_ring r;
	uint8_t *tx, *rx;
	int32_t h;
	int err;

	ipc_params(&p, k);
	if (rc_connect(&r, sock, &p))
		return 2;
	ipc_client_setup(&r, k);
	h = rc_channel_connect_wait(&r, ipc_name(&r, name), (uint32_t)strlen(name));
	if (h < 0)
		return ipc_fail("connect", h);
	tx = rc_alloc(&r, IPC_DEPTH * IPC_MSG);
	rx = rc_alloc(&r, IPC_DEPTH * IPC_MSG);
	memset(tx, 0xab, IPC_DEPTH * IPC_MSG);
	if (k == IPC_STREAM) {
		if ((err = ipc_stream_calls(&r, (uint32_t)h, tx, rx, n / 10 + IPC_DEPTH)))
			return err; /* warm-up */
		out->t0 = bench_now_ns();
		err = ipc_stream_calls(&r, (uint32_t)h, tx, rx, n);
	} else {
		if ((err = ipc_rtt_calls(&r, (uint32_t)h, tx, rx, n / 10 + 1, NULL)))
			return err; /* warm-up */
		out->t0 = bench_now_ns();
		err = ipc_rtt_calls(&r, (uint32_t)h, tx, rx, n, out);
	}
	out->t1 = bench_now_ns();
	out->calls = n;
	rc_disconnect(&r); /* the service's RECVs get -EPIPE: it exits */
	return err;
}

/* ---- the parent: a server, a service, a caller ---- */

static int ipc_wait(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ipc bench: the %s failed (status %d)\n", who, status);
		return -1;
	}
	return 0;
}

/* One run of kind k with n calls against the server at sock; 0, or -1
 * with the reason printed. */
static int ipc_run(const char *sock, enum ipc_kind k, uint64_t n, struct ipc_shared *out)
{
	static unsigned seq;
	char name[64], c;
	int fds[2];
	pid_t svc, caller;

	snprintf(name, sizeof(name), "%u/bench-echo-%d-%u", (unsigned)getuid(), (int)getpid(),
		 seq++);
	memset(out, 0, offsetof(struct ipc_shared, samples));
	if (pipe(fds))
		return -1;
	svc = fork();
	if (svc == 0) {
		close(fds[0]);
		_exit(ipc_service(sock, k, name, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1) { /* published: a handshake, not a sleep */
		close(fds[0]);
		ipc_wait(svc, "service");
		return -1;
	}
	close(fds[0]);
	caller = fork();
	if (caller == 0)
		_exit(ipc_caller(sock, k, name, n, out));
	if (ipc_wait(caller, "caller")) {
		kill(svc, SIGKILL);
		waitpid(svc, NULL, 0);
		return -1;
	}
	return ipc_wait(svc, "service");
}

/* p50 and p99 of the caller's samples as rows name_ns, name_p99_ns. */
static void ipc_rtt_rows(const struct ipc_bench_cfg *cfg, const char *name, struct ipc_shared *out)
{
	struct bench_stats st = bench_stats_u64(out->samples, out->nsamples);
	char m[64];

	snprintf(m, sizeof(m), "%s_ns", name);
	cfg->row(m, (double)st.p50, "ns");
	snprintf(m, sizeof(m), "%s_p99_ns", name);
	cfg->row(m, (double)st.p99, "ns");
}

/* A ringcall-server on cpu, one run of kind k with n calls, the server
 * stopped: 0, or -1 with the reason printed. */
static int ipc_measure(const struct ipc_bench_cfg *cfg, int cpu, enum ipc_kind k, uint64_t n,
		       struct ipc_shared *out)
{
	char sock[64];
	pid_t server;
	int err;

	snprintf(sock, sizeof(sock), "/tmp/ringcall-bench-ipc-%d.sock", (int)getpid());
	server = cfg->start_server(sock, cpu);
	if (server < 0) {
		fprintf(stderr, "ipc rows: cannot start ringcall-server\n");
		return -1;
	}
	err = ipc_run(sock, k, n, out);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	unlink(sock);
	return err;
}

void ipc_bench(const struct ipc_bench_cfg *cfg)
{
	struct ipc_shared *out = mmap(NULL, sizeof(*out), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t poll_calls = cfg->brief ? 50000 : cfg->quick ? 50000 : 200000;
	uint64_t bell_calls = cfg->brief ? 10000 : cfg->quick ? 10000 : 40000;
	uint64_t xcpu_calls = cfg->quick ? 2000 : 5000;
	uint64_t stream_calls = cfg->brief ? 200000 : cfg->quick ? 250000 : 1000000;

	if (out == MAP_FAILED)
		return;
	if (cfg->rtt_poll && ipc_measure(cfg, 1, IPC_RTT_POLL, poll_calls, out) == 0)
		ipc_rtt_rows(cfg, "ipc_rtt_poll", out);
	if (cfg->rtt_doorbell && ipc_measure(cfg, 0, IPC_RTT_DOORBELL, bell_calls, out) == 0)
		ipc_rtt_rows(cfg, "ipc_rtt_doorbell", out);
	if (cfg->rtt_doorbell && !cfg->brief &&
	    ipc_measure(cfg, 1, IPC_RTT_DOORBELL_XCPU, xcpu_calls, out) == 0)
		ipc_rtt_rows(cfg, "ipc_rtt_doorbell_xcpu", out);
	if (cfg->stream && ipc_measure(cfg, 1, IPC_STREAM, stream_calls, out) == 0) {
		double calls = (double)out->calls / ((double)(out->t1 - out->t0) / 1e9);

		cfg->row("ipc_calls_per_s", calls, "calls/s");
		cfg->row("ipc_msgs_per_s", 2 * calls, "msgs/s");
	}
	munmap(out, sizeof(*out));
}

/* ---- instructions per call (run under callgrind: bench/run.sh) ----
 * Two in-process rings (their enter runs the engine on this thread), a
 * channel between them, the same SQEs as the processes above: the caller
 * makes batch CALLs in one submit, the service's multishot receive takes
 * them and one submit answers them all and gives the buffers back. Everything runs in rce_ring_run on this
 * one thread, so callgrind counts the engine's whole share of a call:
 * both sides' SQEs and CQEs, request and reply. */
int ipc_callgrind(uint32_t batch, uint64_t n)
{
	struct rc_params p = { .sq_entries = 256, .cq_entries = 512, .data_bytes = 1 << 20 };
	struct rc_ring a, b;
	struct ipc_echo e = { .r = &b };
	uint32_t ends[2];
	uint8_t *tx, *rx;
	struct rc_cqe *cqe;
	int32_t hb;

	if (batch == 0 || batch > IPC_DEPTH || rc_inproc_init(&a, &p) || rc_inproc_init(&b, &p))
		return 2;
	if (rce_channel_create_in(&rc_inproc_client(&a)->ctx, ends))
		return 3;
	hb = rce_channel_handle_move(&rc_inproc_client(&a)->ctx, ends[1],
				     &rc_inproc_client(&b)->ctx);
	tx = rc_alloc(&a, IPC_DEPTH * IPC_MSG);
	rx = rc_alloc(&a, IPC_DEPTH * IPC_MSG);
	ipc_pool_init(&e, rc_alloc(&b, IPC_POOL * IPC_BUF));
	if (hb < 0 || !tx || !rx || !e.pool.base)
		return 4;
	memset(tx, 0xab, IPC_DEPTH * IPC_MSG);
	e.conn = (uint32_t)hb;
	ipc_give_back(&e);
	ipc_arm(&e);
	rc_submit(&b);
	for (uint64_t done = 0; done < n; done += batch) {
		uint32_t head, k = 0;

		for (uint32_t i = 0; i < batch; i++)
			ipc_prep_call(&a, ends[0], tx + i * IPC_MSG, rx + i * IPC_MSG, i);
		rc_submit(&a);
		if (rc_wait_cqe_nr(&b, &cqe, batch) < 0)
			return 5;
		rc_for_each_cqe(&b, head, cqe)
		{
			if (ipc_echo_cqe(&e, cqe) || cqe->res != IPC_MSG)
				return 6;
			if (++k == batch)
				break;
		}
		rc_cq_advance(&b, k);
		ipc_give_back(&e);
		rc_submit(&b);
		if (rc_wait_cqe_nr(&a, &cqe, batch) < 0)
			return 7;
		k = 0;
		rc_for_each_cqe(&a, head, cqe)
		{
			if (cqe->res != IPC_MSG)
				return 8;
			k++;
		}
		rc_cq_advance(&a, k);
	}
	rc_inproc_exit(&b);
	rc_inproc_exit(&a);
	return 0;
}

/* ---- the worker's instructions per call (callgrind, bench/run.sh) ----
 * The same calls between two clients of one worker of this process, the
 * worker's passes made on this thread (host_worker_step), as a server's
 * only worker makes them: counted with --toggle-collect=host_worker_step,
 * that is everything the worker thread does for a call (its pass, the
 * engine, delivery, the IPC lock, wake and copy hooks, notification), and
 * nothing the clients do. */
static struct host_client *ipc_local(struct rc_ring *r)
{
	return ((struct host_conn *)r->backend_data)->local;
}

int ipc_worker_callgrind(uint32_t batch, uint64_t n)
{
	struct rc_params p;
	struct host_worker w = { .keep_ipc = true };
	struct rc_ring a, b;
	struct ipc_echo e = { .r = &b };
	uint32_t ends[2];
	uint8_t *tx, *rx;
	struct rc_cqe *cqe;
	int32_t hb;

	ipc_params(&p, IPC_STREAM); /* polled rings, as the bench's */
	pthread_mutex_init(&w.lock, NULL);
	if (batch == 0 || batch > IPC_DEPTH || host_local_connect(&a, &w, &p, -1) ||
	    host_local_connect(&b, &w, &p, -1))
		return 2;
	host_worker_step(&w);
	if (rce_channel_create_in(&ipc_local(&a)->ctx, ends))
		return 3;
	hb = rce_channel_handle_move(&ipc_local(&a)->ctx, ends[1], &ipc_local(&b)->ctx);
	tx = rc_alloc(&a, IPC_DEPTH * IPC_MSG);
	rx = rc_alloc(&a, IPC_DEPTH * IPC_MSG);
	ipc_pool_init(&e, rc_alloc(&b, IPC_POOL * IPC_BUF));
	if (hb < 0 || !tx || !rx || !e.pool.base)
		return 4;
	memset(tx, 0xab, IPC_DEPTH * IPC_MSG);
	e.conn = (uint32_t)hb;
	ipc_give_back(&e);
	ipc_arm(&e);
	rc_submit(&b);
	host_worker_step(&w);
	for (uint64_t done = 0; done < n; done += batch) {
		uint32_t head, k = 0;

		for (uint32_t i = 0; i < batch; i++)
			ipc_prep_call(&a, ends[0], tx + i * IPC_MSG, rx + i * IPC_MSG, i);
		rc_submit(&a);
		host_worker_step(&w); /* the calls, delivered to the service */
		rc_for_each_cqe(&b, head, cqe)
		{
			if (ipc_echo_cqe(&e, cqe) || cqe->res != IPC_MSG)
				return 6;
			k++;
		}
		rc_cq_advance(&b, k);
		if (k != batch)
			return 5;
		ipc_give_back(&e);
		rc_submit(&b);
		host_worker_step(&w); /* the replies, delivered to the caller */
		k = 0;
		rc_for_each_cqe(&a, head, cqe)
		{
			if (cqe->res != IPC_MSG)
				return 8;
			k++;
		}
		rc_cq_advance(&a, k);
		if (k != batch)
			return 7;
	}
	return 0;
}
