/*
 * ringcall_bench.c - ringcall measured on the hosted runtime.
 *
 * The server side is a host_worker thread (the same worker loop
 * ringcall-server runs) pinned to cpu1; the client is pinned to cpu0 and
 * talks to it through the same shared-memory ring and futex doorbell a
 * separate client process would use. Rows go to stdout and, with --csv,
 * to a metric,value,unit file.
 *
 *   ringcall_bench [--quick] [--only NAME[,NAME...]] [--csv PATH] [--root DIR]
 *   ringcall_bench --callgrind nop|read4k N   (run under callgrind: see bench/run.sh)
 *
 * --only runs just the named measurements, in the order given, each short
 * (a few hundred ms), and prints and appends only their rows:
 *   poll_b256     ringcall_poll_nop_b256_ops (streamed)
 *   poll_b64      ringcall_poll_nop_b64_ops (streamed)
 *   poll_rtt      ringcall_poll_rtt_p50_ns, _p99_ns
 *   doorbell_rtt  ringcall_doorbell_rtt_p50_ns, _p99_ns
 *   sandbox       sandbox_*: a ringcall-server client confined by rc_sandbox
 *                 against one that is not (NOP b64 polled, 4 KiB READ round
 *                 trip), and a denied openat against a failing one; and one
 *                 confined under a policy (allow-list, ro, limits) with every
 *                 request audited (its lines to /dev/null)
 *   ipc_rtt_poll, ipc_rtt_doorbell, ipc_msgs
 *                 ipc_*: calls between two client processes of a
 *                 ringcall-server (bench/ipc_bench.c)
 * bench/run.sh uses it to run a ringcall metric right after the peer it is
 * compared with, so that both run in the same vCPU placement.
 */
#include "bench_util.h"
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "ringcall/hosted.h"
#include "local.h"
#include "ipc_bench.h"

#define SQ_ENTRIES 512u /* room for two batches of 256 in flight */
#define CQ_ENTRIES 1024u

static bool quick;
static bool only; /* --only: short runs, no rtt_*.dat */
static FILE *csv;
static const char *root_dir = "/tmp";

static void row(const char *metric, double value, const char *unit)
{
	printf("  %-34s %14.1f %s\n", metric, value, unit);
	bench_csv(csv, metric, value, unit);
}

struct server {
	struct host_worker w;
	int root_fd;
};

static void server_start(struct server *s)
{
	cpu_set_t set;

	s->root_fd = open(root_dir, O_PATH | O_DIRECTORY);
	if (host_worker_start(&s->w)) {
		fprintf(stderr, "cannot start the worker\n");
		exit(1);
	}
	CPU_ZERO(&set);
	CPU_SET(bench_cpu_index(1), &set);
	pthread_setaffinity_np(s->w.thread, sizeof(set), &set);
}

static void server_stop(struct server *s)
{
	host_worker_stop(&s->w);
	close(s->root_fd);
}

static void ring_connect(struct server *s, struct rc_ring *r, enum rc_mode mode)
{
	struct rc_params p = { .sq_entries = SQ_ENTRIES,
			       .cq_entries = CQ_ENTRIES,
			       .mode = mode,
			       .idle_us = 200000,
			       .data_bytes = 4 << 20 };

	if (host_local_connect(r, &s->w, &p, s->root_fd)) {
		fprintf(stderr, "cannot connect a ring\n");
		exit(1);
	}
}

/* Submit batch NOPs, wait for them all, reap: one round. */
static void nop_round(struct rc_ring *r, uint32_t batch)
{
	struct rc_cqe *cqe;
	uint32_t head, n = 0;

	for (uint32_t i = 0; i < batch; i++)
		rc_prep_nop(rc_get_sqe(r), 0);
	if (rc_submit_and_wait(r, batch) < 0 || rc_wait_cqe_nr(r, &cqe, batch) < 0) {
		fprintf(stderr, "ring error\n");
		exit(1);
	}
	rc_for_each_cqe(r, head, cqe) if (++n == batch) break;
	rc_cq_advance(r, batch);
}

/* Stream total NOPs in batches: submit a batch whenever fewer than two
 * are in flight, else wait for the oldest batch and reap it. The client
 * fills batch k+1 while the server runs batch k: how a polled ring is
 * meant to be used. */
static void nop_stream(struct rc_ring *r, uint32_t batch, uint64_t total)
{
	uint64_t submitted = 0, reaped = 0;
	struct rc_cqe *cqe;

	while (reaped < total) {
		if (submitted < total && submitted - reaped < 2 * (uint64_t)batch) {
			for (uint32_t i = 0; i < batch; i++)
				rc_prep_nop(rc_get_sqe(r), 0);
			if (rc_submit(r) < 0)
				exit(1);
			submitted += batch;
			continue;
		}
		if (rc_wait_cqe_nr(r, &cqe, batch) < 0) {
			fprintf(stderr, "ring error\n");
			exit(1);
		}
		rc_cq_advance(r, batch);
		reaped += batch;
	}
}

/* NOP ops/s at a batch size: median of 3 runs of total ops, streamed, or
 * with sync (submit a batch, wait for all of it) as io_uring's peer runs. */
static double nop_rate(struct server *s, enum rc_mode mode, uint32_t batch, uint64_t total,
		       bool sync)
{
	double runs[3];
	struct rc_ring r;

	ring_connect(s, &r, mode);
	for (uint64_t i = 0; i < total / 10; i += batch) /* warm up */
		nop_round(&r, batch);
	for (int k = 0; k < 3; k++) {
		uint64_t t0 = bench_now_ns();

		if (sync)
			for (uint64_t i = 0; i < total; i += batch)
				nop_round(&r, batch);
		else
			nop_stream(&r, batch, total);
		runs[k] = (double)total / ((double)(bench_now_ns() - t0) / 1e9);
	}
	rc_disconnect(&r);
	return bench_median_double(runs, 3, NULL);
}

/* Batch-1 round trips, one timed each: p50 and p99 in ns. */
/* The per-sample timer: the TSC where there is one, scaled to ns against
 * CLOCK_MONOTONIC. A vDSO clock read costs ~20 ns here, which a per-sample
 * timing would charge to every round trip (the ping-pong peer times whole
 * loops and pays it once). */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t sample_ticks(void)
{
	return __rdtsc();
}
#else
static inline uint64_t sample_ticks(void)
{
	return bench_now_ns();
}
#endif

static double ticks_per_ns(void)
{
	static double ratio;

	if (!ratio) {
		uint64_t t0 = bench_now_ns(), c0 = sample_ticks();

		usleep(50000);
		ratio = (double)(sample_ticks() - c0) / (double)(bench_now_ns() - t0);
	}
	return ratio;
}

static struct bench_stats rtt(struct server *s, enum rc_mode mode, size_t samples)
{
	double scale = ticks_per_ns();
	uint64_t *v = calloc(samples, sizeof(*v));
	struct bench_stats st;
	struct rc_ring r;

	ring_connect(s, &r, mode);
	for (size_t i = 0; i < samples / 10; i++)
		nop_round(&r, 1);
	for (size_t i = 0; i < samples; i++) {
		uint64_t t0 = sample_ticks();

		nop_round(&r, 1);
		v[i] = (uint64_t)((double)(sample_ticks() - t0) / scale);
	}
	rc_disconnect(&r);
	st = bench_stats_u64(v, samples);
	if (csv && !only) { /* the distribution, for the latency plot */
		const char *dir = getenv("BENCH_OUT");
		char path[512];
		FILE *d;

		snprintf(path, sizeof(path), "%s/rtt_%s.dat", dir ? dir : "build/bench/results",
			 mode == RC_MODE_POLL ? "poll" : "doorbell");
		d = fopen(path, "w");

		for (size_t i = 0; d && i < samples; i += samples / 1000)
			fprintf(d, "%.4f %llu\n", (double)i / (double)samples * 100,
				(unsigned long long)v[i]);
		if (d)
			fclose(d);
	}
	free(v);
	return st;
}

struct client_arg {
	struct server *s;
	uint64_t total;
	pthread_barrier_t *start; /* all rings connected before any clock starts */
	uint64_t t0, t1;
};

static void *client_main(void *p)
{
	struct client_arg *a = p;
	struct rc_ring r;

	ring_connect(a->s, &r, RC_MODE_POLL);
	pthread_barrier_wait(a->start);
	a->t0 = bench_now_ns();
	for (uint64_t i = 0; i < a->total; i += 64)
		nop_round(&r, 64);
	a->t1 = bench_now_ns();
	rc_disconnect(&r);
	return NULL;
}

/* n client rings (threads on cpu0), one worker: total NOP ops/s over the
 * span from the first client's start to the last client's end. (Summing
 * each client's own rate over-counts when the clients, which share cpu0,
 * run one after another rather than together.) */
static double multi_client_rate(struct server *s, int n, uint64_t total)
{
	pthread_t th[4];
	struct client_arg a[4];
	pthread_barrier_t start;
	uint64_t t0 = UINT64_MAX, t1 = 0, done = 0;

	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		a[i] = (struct client_arg){ s, total / (uint64_t)n, &start, 0, 0 };
		bench_thread_start_pinned(&th[i], 0, client_main, &a[i]);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		t0 = a[i].t0 < t0 ? a[i].t0 : t0;
		t1 = a[i].t1 > t1 ? a[i].t1 : t1;
		done += (a[i].total + 63) / 64 * 64; /* whole batches of 64 */
	}
	pthread_barrier_destroy(&start);
	return (double)done / ((double)(t1 - t0) / 1e9);
}

/* 4 KiB READs of a cached file through the server (batch 1 and 32), and
 * the client's own pread: ns per read. */
static void read4k(struct server *s, uint64_t total)
{
	char path[600];
	static char page[4096];
	struct rc_ring r;
	struct rc_cqe *cqe;
	uint8_t *buf;
	char *name;
	int32_t h;
	int fd;
	uint64_t t0;

	snprintf(path, sizeof(path), "%s/ringcall-bench.dat", root_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 256; i++)
		(void)!write(fd, page, sizeof(page));
	ring_connect(s, &r, RC_MODE_POLL);
	name = rc_alloc(&r, 32);
	strcpy(name, "ringcall-bench.dat");
	rc_prep_open(rc_get_sqe(&r), name, (uint32_t)strlen(name), RC_ACCESS_RDONLY, 0, 0);
	rc_submit_and_wait(&r, 1);
	rc_wait_cqe(&r, &cqe);
	h = cqe->res;
	rc_cqe_seen(&r, cqe);
	buf = rc_alloc(&r, 32 * 4096);
	for (int batch = 1; batch <= 32; batch += 31) {
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < total; i += (uint64_t)batch) {
			for (int k = 0; k < batch; k++)
				rc_prep_read(rc_get_sqe(&r), (uint32_t)h, buf + k * 4096, 4096,
					     ((i + (uint64_t)k) % 256) * 4096);
			rc_submit_and_wait(&r, (uint32_t)batch);
			rc_wait_cqe_nr(&r, &cqe, (uint32_t)batch);
			rc_cq_advance(&r, (uint32_t)batch);
		}
		row(batch == 1 ? "read4k_ring_b1_ns" : "read4k_ring_b32_ns",
		    (double)(bench_now_ns() - t0) / (double)total, "ns");
	}
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < total; i++)
		(void)!pread(fd, buf, 4096, (off_t)((i % 256) * 4096));
	row("read4k_pread_ns", (double)(bench_now_ns() - t0) / (double)total, "ns");
	rc_disconnect(&r);
	close(fd);
	unlink(path);
}

/* CPU the worker burns over 2 s once idle (its poll timeout is 1 ms). */
static void idle_cpu(struct server *s)
{
	struct rc_params p = { .sq_entries = 8, .mode = RC_MODE_POLL, .idle_us = 1000 };
	struct rc_ring r;
	clockid_t cid;
	struct timespec a, b;
	uint64_t t0;

	host_local_connect(&r, &s->w, &p, -1);
	nop_round(&r, 1);
	usleep(100000); /* past the idle timeout */
	pthread_getcpuclockid(s->w.thread, &cid);
	clock_gettime(cid, &a);
	t0 = bench_now_ns();
	usleep(quick ? 1000000 : 2000000);
	clock_gettime(cid, &b);
	row("idle_cpu_percent",
	    100.0 * (double)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec)) /
		    (double)(bench_now_ns() - t0),
	    "%");
	rc_disconnect(&r);
}

/* Reap whatever CQEs r has ready; return how many. */
static uint32_t reap_ready(struct rc_ring *r)
{
	struct rc_cqe *cqe;
	uint32_t head, n = 0;

	rc_for_each_cqe(r, head, cqe) n++;
	rc_cq_advance(r, n);
	return n;
}

/* A bystander's NOP round trip while another client of the same worker
 * has 32 768 TIMEOUTs fall due at one instant (behind 2 048 far ones),
 * against the same bystander's NOP on a quiet worker in the same run.
 * Before the timeout heaps and the per-run budget, the first NOP waited
 * for every firing (seconds: each rescanned the far ones). */
static void timeout_storm(struct server *s)
{
	enum {
		DUE = 32768,
		FAR = 2048,
		QUIET = 200
	};
	struct rc_params pa = { .sq_entries = 4096,
				.cq_entries = 8192,
				.backlog_entries = 65536,
				.mode = RC_MODE_DOORBELL,
				.data_bytes = 4096 };
	struct rc_ring a, b;
	uint64_t quiet[QUIET], t0, first, worst = 0, deadline, storm_end;
	uint32_t fired = 0, nops = 0;

	if (host_local_connect(&a, &s->w, &pa, -1)) {
		fprintf(stderr, "cannot connect a ring\n");
		exit(1);
	}
	ring_connect(s, &b, RC_MODE_DOORBELL);
	for (int i = 0; i < QUIET; i++) {
		t0 = bench_now_ns();
		nop_round(&b, 1);
		quiet[i] = bench_now_ns() - t0;
	}
	qsort(quiet, QUIET, sizeof(quiet[0]), bench_cmp_u64);
	deadline = bench_now_ns() + 500000000;
	for (uint32_t i = 0; i < DUE + FAR; i++) {
		struct rc_sqe *sqe;

		while (!(sqe = rc_get_sqe(&a))) {
			rc_submit(&a);
			sched_yield();
		}
		rc_prep_timeout(sqe, i < DUE ? deadline : deadline + 3600000000000ull, 0,
				RC_TIMEOUT_ABS);
	}
	rc_submit(&a);
	while (bench_now_ns() < deadline)
		usleep(1000);
	t0 = bench_now_ns();
	nop_round(&b, 1);
	first = bench_now_ns() - t0;
	while (fired < DUE) {
		uint64_t t = bench_now_ns(), d;

		nop_round(&b, 1);
		d = bench_now_ns() - t;
		worst = d > worst ? d : worst;
		nops++;
		fired += reap_ready(&a);
	}
	storm_end = bench_now_ns();
	row("tstorm_quiet_nop_p50_ns", (double)quiet[QUIET / 2], "ns");
	row("tstorm_bystander_first_nop_ns", (double)first, "ns");
	row("tstorm_bystander_max_nop_ns", (double)worst, "ns");
	row("tstorm_bystander_nops", (double)nops, "NOPs");
	row("tstorm_32k_drain_ms", (double)(storm_end - deadline) / 1e6, "ms");
	rc_disconnect(&a); /* the far ones are forgotten with the ring */
	rc_disconnect(&b);
}

/* For callgrind: n operations in-process (no threads), so the engine's
 * instructions per operation can be counted exactly. */
static int callgrind_mode(const char *what, uint64_t n)
{
	struct rc_params p = { .sq_entries = 64, .data_bytes = 1 << 20 };
	struct rc_ring r;
	bool read = !strcmp(what, "read4k");
	uint8_t *buf;
	int fd = -1;

	if (!strncmp(what, "ipc_call_b", 10)) /* ipc_call_b1, ipc_call_b64 */
		return ipc_callgrind((uint32_t)atoi(what + 10), n);
	if (!strncmp(what, "ipc_worker_b", 12)) /* ipc_worker_b64 */
		return ipc_worker_callgrind((uint32_t)atoi(what + 12), n);
	rc_inproc_init(&r, &p);
	buf = rc_alloc(&r, 4096);
	if (read) {
		char path[600], *name = rc_alloc(&r, 32);
		struct rc_cqe *cqe;

		snprintf(path, sizeof(path), "%s/ringcall-cg.dat", root_dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		(void)!write(fd, buf, 4096);
		rc_inproc_client(&r)->root_fd = open(root_dir, O_PATH | O_DIRECTORY);
		strcpy(name, "ringcall-cg.dat");
		rc_prep_open(rc_get_sqe(&r), name, (uint32_t)strlen(name), RC_ACCESS_RDONLY, 0, 0);
		rc_submit_and_wait(&r, 1);
		rc_wait_cqe(&r, &cqe);
		fd = cqe->res;
		rc_cqe_seen(&r, cqe);
		if (fd == -RC_ENOSYS) {
			/* valgrind before 3.20 has no openat2: install the file
			 * as host_open does (fd + 1, so that fd 0 is not NULL) */
			int hfd = open(path, O_RDONLY);

			fd = rce_handle_install(&rc_inproc_client(&r)->ctx, RCE_HT_FILE,
						RC_RIGHT_READ, (void *)(intptr_t)(hfd + 1));
		}
		unlink(path);
		if (fd < 0) {
			fprintf(stderr, "callgrind read4k: OPEN failed: %s\n", rc_err_name(fd));
			return 1;
		}
	}
	for (uint64_t i = 0; i < n; i += 64) {
		for (int k = 0; k < 64; k++) {
			if (read)
				rc_prep_read(rc_get_sqe(&r), (uint32_t)fd, buf, 4096, 0);
			else
				rc_prep_nop(rc_get_sqe(&r), 0);
		}
		rc_submit_and_wait(&r, 64);
		/* Count only what was meant: a rejected entry takes another path
		 * (every READ was once rejected here, unnoticed, its OPEN having
		 * failed under valgrind). */
		for (int k = 0; k < 64; k++) {
			struct rc_cqe *cqe;

			rc_wait_cqe(&r, &cqe);
			if (cqe->res != (read ? 4096 : 0)) {
				fprintf(stderr, "callgrind %s: res %d\n", what, cqe->res);
				return 1;
			}
			rc_cqe_seen(&r, cqe);
		}
	}
	rc_inproc_exit(&r);
	return 0;
}

/* --only: short runs of single measurements. The NOP totals are those of
 * a full run (4 Mi ops, ~40-130 ms per run, median of 3); the RTTs take
 * 200k poll samples (as a full run) and 10k doorbell samples (~150 ms). */
#define ONLY_NOP_TOTAL (1u << 22) /* a multiple of 256 */

static void only_poll_b256(struct server *s)
{
	row("ringcall_poll_nop_b256_ops", nop_rate(s, RC_MODE_POLL, 256, ONLY_NOP_TOTAL, false),
	    "ops/s");
}

static void only_poll_b64(struct server *s)
{
	row("ringcall_poll_nop_b64_ops", nop_rate(s, RC_MODE_POLL, 64, ONLY_NOP_TOTAL, false),
	    "ops/s");
}

static void only_rtt(struct server *s, enum rc_mode mode, size_t samples)
{
	struct bench_stats st = rtt(s, mode, samples);
	const char *m = mode == RC_MODE_POLL ? "poll" : "doorbell";
	char name[64];

	snprintf(name, sizeof(name), "ringcall_%s_rtt_p50_ns", m);
	row(name, (double)st.p50, "ns");
	snprintf(name, sizeof(name), "ringcall_%s_rtt_p99_ns", m);
	row(name, (double)st.p99, "ns");
}

static void only_poll_rtt(struct server *s)
{
	only_rtt(s, RC_MODE_POLL, 200000);
}

static void only_doorbell_rtt(struct server *s)
{
	only_rtt(s, RC_MODE_DOORBELL, 10000);
}

/* ---- the cost of rc_sandbox: a client process of a real ringcall-server,
 * confined and not, in the same run ---- */

struct sandbox_result {
	double nop_ops, read4k_ns, openat_ns;
};

/* The sandbox rows' clients: unconfined, confined, and confined under a
 * policy the server checks on every request and logs (audited). */
enum {
	SB_UNCONFINED,
	SB_CONFINED,
	SB_POLICY_LOGGED,
	SB_KINDS
};

/* In a forked client: the three numbers, for its kind. */
static void sandbox_client(const char *sock, int kind, struct sandbox_result *out)
{
	bool confine = kind != SB_UNCONFINED;
	struct rc_params p = { .sq_entries = SQ_ENTRIES,
			       .cq_entries = CQ_ENTRIES,
			       .mode = RC_MODE_POLL,
			       .idle_us = 200000,
			       .data_bytes = 4 << 20 };
	uint64_t nops = quick ? 250000 : 2000000, reads = quick ? 20000 : 100000, t0;
	double runs[3];
	struct rc_ring r;
	struct rc_cqe *cqe;
	uint8_t *buf;
	char *name;
	int32_t h;

	if (kind == SB_POLICY_LOGGED) { /* asked in the hello, as ringcall-run would */
		setenv("RINGCALL_ALLOW", "NOP,OPEN,READ,CLOSE", 1);
		setenv("RINGCALL_RO", "1", 1);
		setenv("RINGCALL_MAX_HANDLES", "16", 1);
		setenv("RINGCALL_MAX_INFLIGHT", "65536", 1);
		setenv("RINGCALL_LOG", "1", 1);
	}
	if (rc_connect(&r, sock, &p) || (confine && rc_sandbox(&r, 0) < 0))
		_exit(1);
	for (uint64_t i = 0; i < nops / 10; i += 64) /* warm up */
		nop_round(&r, 64);
	for (int k = 0; k < 3; k++) {
		t0 = bench_now_ns();
		nop_stream(&r, 64, nops);
		runs[k] = (double)nops / ((double)(bench_now_ns() - t0) / 1e9);
	}
	out->nop_ops = bench_median_double(runs, 3, NULL);
	name = rc_alloc(&r, 32);
	strcpy(name, "ringcall-bench-sb.dat");
	rc_prep_open(rc_get_sqe(&r), name, (uint32_t)strlen(name), RC_ACCESS_RDONLY, 0, 0);
	rc_submit_and_wait(&r, 1);
	rc_wait_cqe(&r, &cqe);
	h = cqe->res;
	rc_cqe_seen(&r, cqe);
	if (h < 0)
		_exit(2);
	buf = rc_alloc(&r, 4096);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < reads; i++) {
		rc_prep_read(rc_get_sqe(&r), (uint32_t)h, buf, 4096, (i % 64) * 4096);
		rc_submit_and_wait(&r, 1);
		rc_wait_cqe(&r, &cqe);
		rc_cqe_seen(&r, cqe);
	}
	out->read4k_ns = (double)(bench_now_ns() - t0) / (double)reads;
	/* Confined: openat refused by the filter (EPERM). Not: openat of a
	 * name that does not exist (ENOENT), the cheapest failing peer. */
	t0 = bench_now_ns();
	for (int i = 0; i < 100000; i++)
		(void)!openat(AT_FDCWD, confine ? "/etc/passwd" : "/nonexistent-ringcall",
			      O_RDONLY);
	out->openat_ns = (double)(bench_now_ns() - t0) / 100000.0;
	_exit(0);
}

/* Start ringcall-server (beside this program's build: ../host/) on
 * root_dir, pinned to cpu; its pid, or -1. */
static pid_t server_process(const char *sock, int cpu)
{
	char self[512], server[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	if (n <= 0)
		return -1;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(server, sizeof(server), "%s/../host/ringcall-server", self);
	pid = fork();
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(bench_cpu_index(cpu), &set);
		sched_setaffinity(0, sizeof(set), &set);
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives the bench */
		execl(server, server, "--root", root_dir, "--socket", sock, "--quiet", "--log-file",
		      "/dev/null", (char *)NULL); /* the audited client's lines */
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct rc_ring r;

		if (rc_connect(&r, sock, &(struct rc_params){ 0 }) == 0) {
			rc_disconnect(&r);
			return pid;
		}
		usleep(10000);
	}
	kill(pid, SIGTERM);
	return -1;
}

/* On cpu1, as the in-process worker. */
static pid_t sandbox_server(const char *sock)
{
	return server_process(sock, 1);
}

static void sandbox_cost(struct server *unused)
{
	struct sandbox_result *res = mmap(NULL, SB_KINDS * sizeof(*res), PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char sock[64], path[600];
	static char page[4096];
	pid_t server;
	int fd;

	(void)unused;
	snprintf(sock, sizeof(sock), "/tmp/ringcall-bench-%d.sock", (int)getpid());
	snprintf(path, sizeof(path), "%s/ringcall-bench-sb.dat", root_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 64; i++)
		(void)!write(fd, page, sizeof(page));
	close(fd);
	if (res == MAP_FAILED || (server = sandbox_server(sock)) < 0) {
		fprintf(stderr, "sandbox rows: cannot start ringcall-server\n");
		unlink(path);
		return;
	}
	/* Alternate: unconfined, confined, policy-logged, three times; the
	 * median each. */
	double v[SB_KINDS][3][3];
	for (int round = 0; round < 3; round++)
		for (int c = 0; c < SB_KINDS; c++) {
			int status;
			pid_t pid = fork();

			if (pid == 0)
				sandbox_client(sock, c, &res[c]);
			waitpid(pid, &status, 0);
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "sandbox rows: client failed (%d)\n", status);
				goto out;
			}
			v[c][0][round] = res[c].nop_ops;
			v[c][1][round] = res[c].read4k_ns;
			v[c][2][round] = res[c].openat_ns;
		}
	row("sandbox_unconfined_poll_nop_b64_ops", bench_median_double(v[0][0], 3, NULL), "ops/s");
	row("sandbox_confined_poll_nop_b64_ops", bench_median_double(v[1][0], 3, NULL), "ops/s");
	row("sandbox_unconfined_read4k_b1_ns", bench_median_double(v[0][1], 3, NULL), "ns");
	row("sandbox_confined_read4k_b1_ns", bench_median_double(v[1][1], 3, NULL), "ns");
	row("sandbox_unconfined_openat_enoent_ns", bench_median_double(v[0][2], 3, NULL), "ns");
	row("sandbox_confined_openat_denied_ns", bench_median_double(v[1][2], 3, NULL), "ns");
	row("sandbox_policy_logged_poll_nop_b64_ops", bench_median_double(v[2][0], 3, NULL),
	    "ops/s");
	row("sandbox_policy_logged_read4k_b1_ns", bench_median_double(v[2][1], 3, NULL), "ns");
out:
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	unlink(path);
	munmap(res, SB_KINDS * sizeof(*res));
}

/* ---- IPC between two client processes of a ringcall-server (ipc_bench.c) ---- */

static void ipc_rows(bool rtt_poll, bool rtt_doorbell, bool stream)
{
	struct ipc_bench_cfg cfg = { .quick = quick,
				     .brief = only,
				     .rtt_poll = rtt_poll,
				     .rtt_doorbell = rtt_doorbell,
				     .stream = stream,
				     .row = row,
				     .start_server = server_process };

	ipc_bench(&cfg);
}

static void only_ipc_rtt_poll(struct server *unused)
{
	(void)unused;
	ipc_rows(true, false, false);
}

static void only_ipc_rtt_doorbell(struct server *unused)
{
	(void)unused;
	ipc_rows(false, true, false);
}

static void only_ipc_msgs(struct server *unused)
{
	(void)unused;
	ipc_rows(false, false, true);
}

static const struct named_bench {
	const char *name;
	void (*run)(struct server *s);
} named_benches[] = {
	{ "poll_b256", only_poll_b256 },       { "poll_b64", only_poll_b64 },
	{ "poll_rtt", only_poll_rtt },	       { "doorbell_rtt", only_doorbell_rtt },
	{ "tstorm", timeout_storm },	       { "sandbox", sandbox_cost },
	{ "ipc_rtt_poll", only_ipc_rtt_poll }, { "ipc_rtt_doorbell", only_ipc_rtt_doorbell },
	{ "ipc_msgs", only_ipc_msgs },
};

#define N_NAMED	 (sizeof(named_benches) / sizeof(named_benches[0]))
#define MAX_ONLY 16

/* Parse "a,b,c" into list; returns the count, or -1 on an unknown name. */
static int parse_only(const char *arg, const struct named_bench **list)
{
	int n = 0;

	for (;;) {
		size_t len = strcspn(arg, ",");
		size_t i;

		for (i = 0; i < N_NAMED; i++)
			if (strlen(named_benches[i].name) == len &&
			    !strncmp(named_benches[i].name, arg, len))
				break;
		if (i == N_NAMED || n == MAX_ONLY) {
			fprintf(stderr,
				"ringcall_bench: --only: bad name or too many: %.*s\n"
				"  names: poll_b256, poll_b64, poll_rtt, doorbell_rtt, tstorm, "
				"sandbox, ipc_rtt_poll, ipc_rtt_doorbell, ipc_msgs\n",
				(int)len, arg);
			return -1;
		}
		list[n++] = &named_benches[i];
		if (!arg[len])
			return n;
		arg += len + 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "csv", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "callgrind", required_argument, NULL, 'g' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct named_bench *only_list[MAX_ONLY];
	int only_n = 0;
	static const uint32_t batches[] = { 1, 8, 32, 64, 256 };
	const char *cg = NULL;
	struct server s;
	char name[64];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'q')
			quick = true;
		else if (c == 'c')
			csv = fopen(optarg, "a");
		else if (c == 'r')
			root_dir = optarg;
		else if (c == 'g')
			cg = optarg;
		else if (c == 'o') {
			only = true;
			only_n = parse_only(optarg, only_list);
			if (only_n < 0)
				return 2;
		} else if (c == 'h') {
			printf("usage: %s [--quick] [--only NAME[,NAME...]] [--csv PATH] [--root "
			       "DIR]\n"
			       "       %s --callgrind MODE [N]\n"
			       "Time ringcall round trips and batches against an in-process "
			       "server.\n"
			       "  names: poll_b256, poll_b64, poll_rtt, doorbell_rtt, tstorm, "
			       "sandbox,\n"
			       "         ipc_rtt_poll, ipc_rtt_doorbell, ipc_msgs\n",
			       argv[0], argv[0]);
			return 0;
		} else
			return 2;
	}
	if (cg)
		return callgrind_mode(cg, optind < argc ? strtoull(argv[optind], NULL, 0) : 6400);
	if (getenv("BENCH_QUICK"))
		quick = true;
	bench_pin_cpu(0);
	server_start(&s);
	printf("ringcall (worker on cpu1, client on cpu0)\n");
	if (only) {
		for (int i = 0; i < only_n; i++)
			only_list[i]->run(&s);
		server_stop(&s);
		if (csv)
			fclose(csv);
		return 0;
	}
	for (int m = 0; m < 2; m++) {
		enum rc_mode mode = m ? RC_MODE_DOORBELL : RC_MODE_POLL;

		for (unsigned i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
			uint64_t total = (mode == RC_MODE_POLL ? 4000000 : 400000) /
					 (quick ? 8 : 1);

			if (batches[i] == 1 && mode == RC_MODE_DOORBELL)
				total /= 8;
			snprintf(name, sizeof(name), "ringcall_%s_nop_b%u_ops",
				 m ? "doorbell" : "poll", batches[i]);
			row(name, nop_rate(&s, mode, batches[i], total, false), "ops/s");
			snprintf(name, sizeof(name), "ringcall_%s_nop_b%u_sync_ops",
				 m ? "doorbell" : "poll", batches[i]);
			row(name, nop_rate(&s, mode, batches[i], total, true), "ops/s");
		}
	}
	for (int m = 0; m < 2; m++) {
		struct bench_stats st = rtt(&s, m ? RC_MODE_DOORBELL : RC_MODE_POLL,
					    (m ? 20000 : 200000) / (quick ? 4 : 1));

		snprintf(name, sizeof(name), "ringcall_%s_rtt_p50_ns", m ? "doorbell" : "poll");
		row(name, (double)st.p50, "ns");
		snprintf(name, sizeof(name), "ringcall_%s_rtt_p99_ns", m ? "doorbell" : "poll");
		row(name, (double)st.p99, "ns");
	}
	for (int n = 1; n <= 4; n *= 2) {
		snprintf(name, sizeof(name), "ringcall_poll_b64_clients%d_ops", n);
		row(name, multi_client_rate(&s, n, quick ? 500000 : 2000000), "ops/s");
	}
	read4k(&s, quick ? 50000 : 200000);
	timeout_storm(&s);
	idle_cpu(&s);
	sandbox_cost(&s);
	ipc_rows(true, true, true);
	server_stop(&s);
	if (csv)
		fclose(csv);
	return 0;
}
