/*
 * peers.c - baselines that ringcall is compared against.
 *
 *   1. syscall(SYS_getppid)                   cost of one bare syscall
 *   2. io_uring NOP via liburing, batch 1..256 the closest existing peer
 *   3. SPSC ring of 64-byte messages          the transport's upper limit
 *   4. atomic-flag ping-pong                  cross-core cache-line RTT
 *   5. futex and pipe ping-pong               blocking IPC RTT (the pipe
 *                                             also with both on one CPU)
 *   6. Unix-socket ping-pong and datagram     the IPC a Linux program uses:
 *      throughput (64-byte messages, 2 procs) peers of the ipc_* rows
 *
 * Each benchmark does one warm-up run, then REPS timed repetitions; the
 * median and the best repetition are reported.  Two-party benchmarks run
 * on CPU_A (main thread) and CPU_B (peer thread / child process).
 *
 * Usage: peers [--quick] [--only NAME[,NAME...]] [--csv PATH]
 *        (BENCH_QUICK=1 == --quick)
 *
 * --only runs just the named measurements (getppid, iouring_b256, spsc,
 * pingpong, futex, pipe, pipe1, unix, unix_dgram, unix_dgram1), in the
 * order given, each with a short iteration count
 * (a few hundred ms in all), and prints and appends only their rows.
 * bench/run.sh uses it to measure a peer right before the ringcall metric
 * it is compared with, so that both run in the same vCPU placement.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <liburing.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define REPS  3
#define CPU_A 0
#define CPU_B 1

static bool g_quick;
static bool g_only; /* --only: short runs of the named measurements */
static FILE *g_csv;

static void die(const char *what, int err)
{
	fprintf(stderr, "peers: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Iteration count: quick mode runs a tenth of the full count; --only runs
 * `brief`, sized for ~50-100 ms per repetition when the two cpus are close
 * (a few hundred ms for the warm-up and REPS repetitions). */
static uint64_t iters(uint64_t full, uint64_t brief)
{
	if (g_only)
		return brief;
	return g_quick ? full / 10 : full;
}

/* ---- repetition driver and reporting ---------------------------------- */

/* A repetition runs n operations and returns the mean ns per operation. */
typedef double (*rep_fn)(void *ctx, uint64_t n);

struct result {
	double med_ns; /* median over REPS of ns/op */
	double min_ns; /* best repetition */
};

static struct result run_reps(rep_fn fn, void *ctx, uint64_t n)
{
	double v[REPS];
	struct result r;

	fn(ctx, n / 10 + 1); /* warm-up: caches, TLB, page faults, cpufreq */
	for (int i = 0; i < REPS; i++)
		v[i] = fn(ctx, n);
	r.med_ns = bench_median_double(v, REPS, &r.min_ns);
	return r;
}

static void print_row(const char *label, double med, double best, const char *unit)
{
	printf("  %-30s %14.1f %14.1f  %s\n", label, med, best, unit);
}

/* Latency-style result: report ns/op; CSV gets the median. */
static void report_ns(const char *metric, const char *label, struct result r)
{
	print_row(label, r.med_ns, r.min_ns, "ns");
	if (metric)
		bench_csv(g_csv, metric, r.med_ns, "ns");
}

/* Throughput-style result: ops/s = 1e9 / (ns/op); best = fastest rep. */
static void report_rate(const char *metric, const char *label, struct result r, const char *unit)
{
	print_row(label, 1e9 / r.med_ns, 1e9 / r.min_ns, unit);
	if (metric)
		bench_csv(g_csv, metric, 1e9 / r.med_ns, unit);
}

/* Peer threads announce they are running, so that t0 excludes thread
 * start-up.  Release/acquire: nothing to publish, ordering is harmless. */
static void signal_ready(_Atomic int *ready)
{
	atomic_store_explicit(ready, 1, memory_order_release);
}

static void await_ready(_Atomic int *ready)
{
	while (!atomic_load_explicit(ready, memory_order_acquire))
		bench_cpu_relax();
}

static void start_peer(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int rc = bench_thread_start_pinned(t, CPU_B, fn, arg);

	if (rc)
		die("pthread_create", rc);
}

/* ---- 1. getppid -------------------------------------------------------- */

static double rep_getppid(void *ctx, uint64_t n)
{
	uint64_t t0 = bench_now_ns();

	(void)ctx;
	for (uint64_t i = 0; i < n; i++)
		bench_do_not_optimize((uint64_t)syscall(SYS_getppid));
	return (double)(bench_now_ns() - t0) / (double)n;
}

static void bench_getppid(void)
{
	report_ns("getppid_ns", "syscall(SYS_getppid)",
		  run_reps(rep_getppid, NULL, iters(5000000, 300000)));
}

/* ---- 2. io_uring NOP ---------------------------------------------------- */

struct uring_ctx {
	struct io_uring ring;
	unsigned batch;
};

/* Best setup a single-threaded user would pick on a modern kernel:
 * SINGLE_ISSUER|DEFER_TASKRUN (6.1+) avoids task_work IPIs and some
 * locking.  Falls back to default flags on older kernels. */
static int uring_init(struct io_uring *ring, unsigned entries)
{
	int rc = io_uring_queue_init(entries, ring,
				     IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(entries, ring, 0);
	return rc;
}

/* One batch: prep `batch` NOPs, one io_uring_enter to submit and wait for
 * all of them, then reap every CQE with a single CQ-head update. */
static void uring_round(struct uring_ctx *c)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int rc;

	for (unsigned i = 0; i < c->batch; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);

		io_uring_prep_nop(sqe); /* never NULL: depth >= batch */
		io_uring_sqe_set_data64(sqe, i);
	}
	rc = io_uring_submit_and_wait(&c->ring, c->batch);
	if (rc != (int)c->batch)
		die("io_uring_submit_and_wait", rc < 0 ? -rc : EIO);
	io_uring_for_each_cqe(&c->ring, head, cqe)
	{
		if (cqe->res < 0)
			die("io_uring nop cqe", -cqe->res);
		seen++;
	}
	if (seen != c->batch)
		die("io_uring short completion", EIO);
	io_uring_cq_advance(&c->ring, seen);
}

static double rep_uring(void *ctx, uint64_t n)
{
	struct uring_ctx *c = ctx;
	uint64_t rounds = n / c->batch ? n / c->batch : 1;
	uint64_t t0 = bench_now_ns();

	for (uint64_t r = 0; r < rounds; r++)
		uring_round(c);
	return (double)(bench_now_ns() - t0) / (double)(rounds * c->batch);
}

struct uring_case {
	unsigned batch;
	uint64_t ops;	       /* full-mode ops per repetition */
	uint64_t brief_ops;    /* --only ops per repetition */
	const char *ns_metric; /* NULL: not exported */
	const char *ops_metric;
};

static const struct uring_case uring_cases[] = {
	{ 1, 3000000, 200000, "iouring_nop_b1_ns", "iouring_nop_b1_ops" },
	{ 8, 5000000, 500000, NULL, "iouring_nop_b8_ops" },
	{ 32, 8000000, 1048576, "iouring_nop_b32_ns", "iouring_nop_b32_ops" },
	{ 64, 8000000, 1048576, NULL, "iouring_nop_b64_ops" },
	{ 256, 8000000, 1048576, "iouring_nop_b256_ns", "iouring_nop_b256_ops" },
};

static void bench_uring_case(const struct uring_case *uc)
{
	struct uring_ctx c = { .batch = uc->batch };
	char label[64];
	struct result r;
	int rc = uring_init(&c.ring, uc->batch);

	if (rc < 0) {
		printf("  io_uring unavailable: %s\n", strerror(-rc));
		return;
	}
	r = run_reps(rep_uring, &c, iters(uc->ops, uc->brief_ops));
	io_uring_queue_exit(&c.ring);
	snprintf(label, sizeof(label), "io_uring NOP batch %u", uc->batch);
	report_ns(uc->ns_metric, label, r);
	report_rate(uc->ops_metric, label, r, "ops/s");
}

static void bench_uring(void)
{
	for (size_t i = 0; i < sizeof(uring_cases) / sizeof(uring_cases[0]); i++)
		bench_uring_case(&uring_cases[i]);
}

static void bench_uring_b256(void)
{
	for (size_t i = 0; i < sizeof(uring_cases) / sizeof(uring_cases[0]); i++)
		if (uring_cases[i].batch == 256)
			bench_uring_case(&uring_cases[i]);
}

/* ---- 3. SPSC ring of 64-byte messages ---------------------------------- */

#define SPSC_SLOTS 1024u /* 64 KiB of messages: fits in L2 */
#define SPSC_MASK  (SPSC_SLOTS - 1)
#define SPSC_BATCH 64u /* messages per head/tail publication */

struct msg {
	alignas(BENCH_CACHELINE) uint64_t w[8];
};

/* head and tail live on separate cache lines so that the producer's and
 * the consumer's index updates do not false-share. */
struct spsc {
	alignas(BENCH_CACHELINE) _Atomic uint64_t tail; /* producer writes */
	alignas(BENCH_CACHELINE) _Atomic uint64_t head; /* consumer writes */
	alignas(BENCH_CACHELINE) _Atomic int ready;
	uint64_t n;
	uint64_t end_ns; /* read by the producer only after join */
	uint64_t checksum;
	struct msg slot[SPSC_SLOTS];
};

static void msg_fill(struct msg *m, uint64_t seq)
{
	for (int i = 0; i < 8; i++)
		m->w[i] = seq + (uint64_t)i;
}

static void spsc_produce(struct spsc *q, uint64_t n)
{
	uint64_t tail = 0, head = 0;

	while (tail < n) {
		uint64_t k = n - tail < SPSC_BATCH ? n - tail : SPSC_BATCH;

		/* acquire pairs with the consumer's release of head: its reads
		 * of the slots we are about to overwrite have completed. */
		while (tail + k - head > SPSC_SLOTS) {
			head = atomic_load_explicit(&q->head, memory_order_acquire);
			if (tail + k - head > SPSC_SLOTS)
				bench_cpu_relax();
		}
		for (uint64_t i = 0; i < k; i++)
			msg_fill(&q->slot[(tail + i) & SPSC_MASK], tail + i);
		tail += k;
		/* release: the k message writes above become visible before
		 * the consumer can observe the new tail. */
		atomic_store_explicit(&q->tail, tail, memory_order_release);
	}
}

/* Copies each message out (as a real consumer would) and checks it. */
static void *spsc_consumer(void *arg)
{
	struct spsc *q = arg;
	uint64_t head = 0, tail = 0, sum = 0;

	signal_ready(&q->ready);
	while (head < q->n) {
		while (head == tail) {
			/* acquire pairs with the producer's release of tail:
			 * slot contents up to tail are visible to our reads. */
			tail = atomic_load_explicit(&q->tail, memory_order_acquire);
			if (head == tail)
				bench_cpu_relax();
		}
		uint64_t end = tail - head > SPSC_BATCH ? head + SPSC_BATCH : tail;
		for (; head < end; head++) {
			struct msg m = q->slot[head & SPSC_MASK];

			if (m.w[0] != head || m.w[7] != head + 7)
				die("spsc: corrupt message", EIO);
			sum += m.w[7];
		}
		/* release: our slot reads complete before the producer can
		 * see the slots as free and overwrite them. */
		atomic_store_explicit(&q->head, head, memory_order_release);
	}
	q->end_ns = bench_now_ns();
	q->checksum = sum;
	return NULL;
}

static double rep_spsc(void *ctx, uint64_t n)
{
	struct spsc *q = ctx;
	pthread_t t;
	uint64_t t0;

	atomic_store(&q->tail, 0);
	atomic_store(&q->head, 0);
	atomic_store(&q->ready, 0);
	q->n = n;
	start_peer(&t, spsc_consumer, q);
	await_ready(&q->ready);
	t0 = bench_now_ns();
	spsc_produce(q, n);
	pthread_join(t, NULL); /* join orders end_ns/checksum for us */
	if (q->checksum != n * (n - 1) / 2 + 7 * n)
		die("spsc: bad checksum", EIO);
	return (double)(q->end_ns - t0) / (double)n;
}

static void bench_spsc(void)
{
	struct spsc *q = aligned_alloc(BENCH_CACHELINE, sizeof(*q));

	if (!q)
		die("aligned_alloc", ENOMEM);
	memset(q, 0, sizeof(*q));
	report_rate("spsc_msgs_per_s", "SPSC ring 64B msgs cpu0->cpu1",
		    run_reps(rep_spsc, q, iters(100000000, 5000000)), "msgs/s");
	free(q);
}

/* ---- 4. atomic-flag ping-pong, 5a. futex ping-pong ------------------- */

/* One shared sequence word: ping stores odd values, pong even ones. The
 * atomic ping-pong spins on it; the futex one sleeps in FUTEX_WAIT
 * instead, so every round trip is two block/wake-up cycles. The same
 * loop runs both (a branch on futex the CPU predicts every time). */
struct pingpong {
	alignas(BENCH_CACHELINE) _Atomic uint32_t seq;
	alignas(BENCH_CACHELINE) _Atomic int ready;
	uint64_t n;
	bool futex;
};

/* Spin until *seq == want.  acquire pairs with the other side's release
 * store, so any payload written before that store would be visible. */
static void spin_until(_Atomic uint32_t *seq, uint32_t want)
{
	while (atomic_load_explicit(seq, memory_order_acquire) != want)
		bench_cpu_relax();
}

static long futex_op(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Sleep until *w == want.  FUTEX_WAIT returns at once (EAGAIN) if *w no
 * longer holds the value we saw, so a wake cannot be lost. */
static void futex_await(_Atomic uint32_t *w, uint32_t want)
{
	uint32_t v;

	/* acquire pairs with futex_post's release: payload visibility */
	while ((v = atomic_load_explicit(w, memory_order_acquire)) != want)
		futex_op(w, FUTEX_WAIT, v);
}

/* The peer is (almost) always asleep in a ping-pong, so waking
 * unconditionally costs nothing a waiter-tracking scheme would save. */
static void futex_post(_Atomic uint32_t *w, uint32_t val)
{
	/* release: payload written before this store is visible to the
	 * waiter once it observes val */
	atomic_store_explicit(w, val, memory_order_release);
	futex_op(w, FUTEX_WAKE, 1);
}

/* Wait until the word is want: spinning, or asleep (futex). */
static inline void pp_await(struct pingpong *p, uint32_t want)
{
	if (p->futex)
		futex_await(&p->seq, want);
	else
		spin_until(&p->seq, want);
}

/* Store val: release orders our (conceptual) payload before it. */
static inline void pp_post(struct pingpong *p, uint32_t val)
{
	if (p->futex)
		futex_post(&p->seq, val);
	else
		atomic_store_explicit(&p->seq, val, memory_order_release);
}

static void *pong_thread(void *arg)
{
	struct pingpong *p = arg;

	signal_ready(&p->ready);
	for (uint64_t i = 0; i < p->n; i++) {
		pp_await(p, (uint32_t)(2 * i + 1));
		pp_post(p, (uint32_t)(2 * i + 2));
	}
	return NULL;
}

static double rep_pingpong(void *ctx, uint64_t n)
{
	struct pingpong *p = ctx;
	pthread_t t;
	uint64_t t0, t1;

	atomic_store(&p->seq, 0);
	atomic_store(&p->ready, 0);
	p->n = n;
	start_peer(&t, pong_thread, p);
	await_ready(&p->ready);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		pp_post(p, (uint32_t)(2 * i + 1));
		pp_await(p, (uint32_t)(2 * i + 2));
	}
	t1 = bench_now_ns();
	pthread_join(t, NULL);
	return (double)(t1 - t0) / (double)n;
}

static void bench_pingpong(void)
{
	static struct pingpong p = { .futex = false };

	report_ns("pingpong_rtt_ns", "atomic ping-pong RTT",
		  run_reps(rep_pingpong, &p, iters(3000000, 300000)));
}

static void bench_futex(void)
{
	static struct pingpong p = { .futex = true };

	report_ns("futex_rtt_ns", "futex ping-pong RTT",
		  run_reps(rep_pingpong, &p, iters(150000, 6000)));
}

/* ---- 5b. pipe ping-pong (two processes) --------------------------------- */

static void xwrite1(int fd)
{
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		die("pipe write", errno);
}

static void xread1(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("pipe read", errno ? errno : EPIPE);
}

static int g_child_cpu = CPU_B; /* the child's CPU (pipe, Unix datagram) */

static void pipe_child(int rfd, int wfd, uint64_t n)
{
	bench_pin_cpu(g_child_cpu);
	for (uint64_t i = 0; i < n; i++) {
		xread1(rfd);
		xwrite1(wfd);
	}
	_exit(0);
}

static double rep_pipe(void *ctx, uint64_t n)
{
	int req[2], rsp[2], status;
	uint64_t t0, t1;
	pid_t pid;

	(void)ctx;
	if (pipe(req) || pipe(rsp))
		die("pipe", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(req[1]);
		close(rsp[0]);
		pipe_child(req[0], rsp[1], n + 1);
	}
	close(req[0]);
	close(rsp[1]);
	xwrite1(req[1]); /* first round trip: child is up and pinned */
	xread1(rsp[0]);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		xwrite1(req[1]);
		xread1(rsp[0]);
	}
	t1 = bench_now_ns();
	close(req[1]);
	close(rsp[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("pipe child", EIO);
	return (double)(t1 - t0) / (double)n;
}

static void bench_pipe(void)
{
	g_child_cpu = CPU_B;
	report_ns("pipe_rtt_ns", "pipe ping-pong RTT (2 procs)",
		  run_reps(rep_pipe, NULL, iters(150000, 6000)));
}

/* Both processes on CPU_A: each hop a wake-up and a switch on one CPU
 * (the placement of ipc_rtt_doorbell_ns). */
static void bench_pipe_1cpu(void)
{
	g_child_cpu = CPU_A;
	report_ns("pipe_rtt_1cpu_ns", "pipe ping-pong RTT (1 cpu)",
		  run_reps(rep_pipe, NULL, iters(150000, 6000)));
	g_child_cpu = CPU_B;
}

/* ---- 6a. Unix-socket ping-pong (two processes, 64-byte messages) -------- */

#define UNIX_MSG 64

static void xsend(int fd, const void *buf)
{
	if (write(fd, buf, UNIX_MSG) != UNIX_MSG)
		die("socket write", errno);
}

static void xrecv(int fd, void *buf)
{
	if (read(fd, buf, UNIX_MSG) != UNIX_MSG)
		die("socket read", errno ? errno : EPIPE);
}

/* SOCK_SEQPACKET: one read, one message, as a datagram but connected and
 * reliable; the child echoes n + 1 messages. */
static double rep_unix(void *ctx, uint64_t n)
{
	char buf[UNIX_MSG] = { 0 };
	uint64_t t0, t1;
	int sv[2], status;
	pid_t pid;

	(void)ctx;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(sv[0]);
		bench_pin_cpu(CPU_B);
		for (uint64_t i = 0; i < n + 1; i++) {
			xrecv(sv[1], buf);
			xsend(sv[1], buf);
		}
		_exit(0);
	}
	close(sv[1]);
	xsend(sv[0], buf); /* first round trip: child is up and pinned */
	xrecv(sv[0], buf);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		xsend(sv[0], buf);
		xrecv(sv[0], buf);
	}
	t1 = bench_now_ns();
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("unix child", EIO);
	return (double)(t1 - t0) / (double)n;
}

static void bench_unix(void)
{
	report_ns("unix_rtt_ns", "Unix-socket ping-pong RTT (2 procs)",
		  run_reps(rep_unix, NULL, iters(150000, 6000)));
}

/* ---- 6b. Unix datagram throughput (two processes, 64-byte messages) ----- */

/* The parent sends n datagrams as fast as the socket takes them (it
 * blocks when the receive queue is full); the child reads them all, then
 * answers once on the same socket pair: ns per message, first send to
 * that answer. */
static double rep_unix_dgram(void *ctx, uint64_t n)
{
	char buf[UNIX_MSG] = { 0 };
	uint64_t t0, t1;
	int sv[2], status;
	pid_t pid;

	(void)ctx;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(sv[0]);
		bench_pin_cpu(g_child_cpu);
		xsend(sv[1], buf); /* up and pinned */
		for (uint64_t i = 0; i < n; i++)
			xrecv(sv[1], buf);
		xsend(sv[1], buf);
		_exit(0);
	}
	close(sv[1]);
	xrecv(sv[0], buf);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++)
		xsend(sv[0], buf);
	xrecv(sv[0], buf);
	t1 = bench_now_ns();
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("unix dgram child", EIO);
	return (double)(t1 - t0) / (double)n;
}

static void bench_unix_dgram(void)
{
	report_rate("unix_dgram_msgs_per_s", "Unix datagram 64 B (2 procs)",
		    run_reps(rep_unix_dgram, NULL, iters(2000000, 200000)), "msgs/s");
}

/* Both processes on CPU_A: the sender fills the queue, the receiver
 * drains it, in time slices. */
static void bench_unix_dgram_1cpu(void)
{
	g_child_cpu = CPU_A;
	report_rate("unix_dgram_1cpu_msgs_per_s", "Unix datagram 64 B (1 cpu)",
		    run_reps(rep_unix_dgram, NULL, iters(2000000, 200000)), "msgs/s");
	g_child_cpu = CPU_B;
}

/* ---- main --------------------------------------------------------------- */

/* What --only can name: the peers that bench/run.sh pairs with a ringcall
 * metric for a target ratio. */
static const struct named_bench {
	const char *name;
	void (*run)(void);
} named_benches[] = {
	{ "getppid", bench_getppid },
	{ "iouring_b256", bench_uring_b256 },
	{ "spsc", bench_spsc },
	{ "pingpong", bench_pingpong },
	{ "futex", bench_futex },
	{ "pipe", bench_pipe },
	{ "pipe1", bench_pipe_1cpu },
	{ "unix", bench_unix },
	{ "unix_dgram", bench_unix_dgram },
	{ "unix_dgram1", bench_unix_dgram_1cpu },
};

#define N_NAMED	 (sizeof(named_benches) / sizeof(named_benches[0]))
#define MAX_ONLY 16

static const struct named_bench *g_only_list[MAX_ONLY];
static size_t g_only_n;

/* To stdout and exit 0 for --help, else to stderr and exit 2. */
static void usage_to(const char *argv0, int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [--quick] [--only NAME[,NAME...]] [--csv PATH]\n"
		"Time the peers of ringcall (trap syscalls, io_uring, IPC) in this run.\n"
		"  --quick      ~10x fewer iterations (also BENCH_QUICK=1)\n"
		"  --only LIST  run only these, in this order, with short runs:\n"
		"               getppid, iouring_b256, spsc, pingpong, futex, pipe,\n"
		"               pipe1, unix, unix_dgram, unix_dgram1\n"
		"  --csv PATH   append metric,value,unit lines to PATH\n",
		argv0);
	exit(status);
}

static void usage(const char *argv0)
{
	usage_to(argv0, 2);
}

/* Parse "a,b,c" into g_only_list; an unknown or empty name is an error. */
static void parse_only(const char *argv0, const char *list)
{
	const char *p = list;

	g_only = true;
	for (;;) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < N_NAMED; i++)
			if (strlen(named_benches[i].name) == len &&
			    !strncmp(named_benches[i].name, p, len))
				break;
		if (i == N_NAMED || g_only_n == MAX_ONLY) {
			fprintf(stderr, "peers: --only: bad name or too many: %.*s\n", (int)len, p);
			usage(argv0);
		}
		g_only_list[g_only_n++] = &named_benches[i];
		if (!p[len])
			break;
		p += len + 1;
	}
}

static void parse_args(int argc, char **argv)
{
	const char *env = getenv("BENCH_QUICK");

	g_quick = env && *env && strcmp(env, "0") != 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage_to(argv[0], 0);
		} else if (!strcmp(argv[i], "--quick")) {
			g_quick = true;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			parse_only(argv[0], argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			g_csv = fopen(argv[++i], "a");
			if (!g_csv)
				die(argv[i], errno);
		} else {
			usage(argv[0]);
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t t0 = bench_now_ns();
	int rc;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN); /* a dead pipe child must not kill us */
	rc = bench_pin_cpu(CPU_A);
	if (rc)
		fprintf(stderr, "peers: warning: pinning failed: %s\n", strerror(rc));
	if (bench_ncpus() < 2)
		fprintf(stderr, "peers: warning: 1 cpu, pairs share it\n");
	printf("ringcall peers (%s mode, %d reps, cpu%d <-> cpu%d)\n",
	       g_only	 ? "only, short"
	       : g_quick ? "quick"
			 : "full",
	       REPS, CPU_A, CPU_B);
	printf("  %-30s %14s %14s  %s\n", "benchmark", "median", "best", "unit");
	if (g_only) {
		for (size_t i = 0; i < g_only_n; i++)
			g_only_list[i]->run();
	} else {
		bench_getppid();
		bench_uring();
		bench_spsc();
		bench_pingpong();
		bench_futex();
		bench_pipe();
		bench_pipe_1cpu();
		bench_unix();
		bench_unix_dgram();
		bench_unix_dgram_1cpu();
	}
	printf("total %.1f s\n", (double)(bench_now_ns() - t0) / 1e9);
	if (g_csv)
		fclose(g_csv);
	return 0;
}
