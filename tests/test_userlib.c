/*
 * test_userlib.c - the user library as a new user meets it, in process:
 * error names, submit after a refusal, waits that cannot hang, zero-length
 * buffers, explanations of each rejection, the buffer allocator, files
 * beneath an in-process root.
 */
#include "helpers.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A forged res of INT32_MIN has no name (and negating it was undefined:
 * the UBSan build stops on it). */
static void err_name_of_any_res_is_defined(void **state)
{
	(void)state;
	assert_null(rc_err_name(INT32_MIN));
	assert_null(rc_err_name(INT32_MIN + 1));
	assert_null(rc_err_name(-4096));
	assert_null(rc_err_name(0));
	assert_null(rc_err_name(INT32_MAX));
	assert_string_equal(rc_err_name(-RC_EINVAL), "EINVAL");
	assert_string_equal(rc_err_name(-RC_ECANCELED), "ECANCELED");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fill CQ (8) and backlog (8) and leave 8 refused in the SQ. */
static void fill_until_busy(struct rc_ring *r)
{
	for (int batch = 0; batch < 3; batch++) {
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *sqe = rc_get_sqe(r);

			rc_prep_nop(sqe, batch * 8 + i);
			rc_sqe_set_data(sqe, (uint64_t)(batch * 8 + i));
		}
		assert_int_equal(rc_submit(r), batch < 2 ? 8 : -RC_EBUSY);
	}
}

/* Reap the CQ by peeking only (no wait, which would ring the engine). */
static uint32_t reap_by_peek(struct rc_ring *r, uint64_t *next)
{
	struct rc_cqe *cqe;
	uint32_t n = 0;

	while (rc_peek_cqe(r, &cqe) == 0) {
		assert_int_equal(cqe->user_data, *next);
		assert_int_equal(cqe->res, (int32_t)*next);
		(*next)++;
		n++;
		rc_cqe_seen(r, cqe);
	}
	return n;
}

/* After a refusal and a full reap, rc_submit with nothing new lets the
 * waiting entries in (it used to return -EBUSY forever, never entering). */
static void submit_after_reaping_takes_the_waiting_entries(void **state)
{
	struct rc_ring r;
	uint64_t next = 0;
	int ret = -RC_EBUSY;

	(void)state;
	ring_open(&r, 8, 8, 8);
	fill_until_busy(&r);
	assert_int_equal(reap_by_peek(&r, &next), 8);
	for (int i = 0; i < 200 && next < 24; i++) {
		ret = rc_submit(&r);
		assert_true(ret == 0 || ret == -RC_EBUSY);
		reap_by_peek(&r, &next);
	}
	assert_int_equal(next, 24);
	assert_int_equal(ret, 0);
	assert_false(r.hdr->flags & (RC_RING_BUSY | RC_RING_CQ_OVERFLOW));
	ring_close(&r);
}

/* rc_wait_cqe_timeout: a ready CQE at once, -EDEADLK with nothing in
 * flight, -ETIME when what is in flight takes longer. */
static void wait_cqe_timeout_in_process(void **state)
{
	struct rc_ring r;
	struct rc_cqe *cqe;
	uint64_t t0, dt;

	(void)state;
	ring_open(&r, 8, 16, 0);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EDEADLK);
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 1000000), -RC_EDEADLK);
	rc_prep_nop(rc_get_sqe(&r), 5);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 0), 0);
	assert_int_equal(cqe->res, 5);
	rc_cqe_seen(&r, cqe);
	rc_prep_timeout(rc_get_sqe(&r), 10000000000ull, 0, 0);
	assert_int_equal(rc_submit(&r), 1);
	t0 = now_ns();
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 30000000), -RC_ETIME);
	dt = now_ns() - t0;
	assert_true(dt >= 30000000 && dt < 5000000000ull);
	assert_int_equal(rc_wait_cqe_timeout(&r, &cqe, 0), -RC_ETIME);
	ring_close(&r);
}

/* Open name beneath the ring's root; the handle. */
static uint32_t open_in_root(struct rc_ring *r, const char *name, uint32_t access, uint32_t flags)
{
	char *path = rc_alloc(r, strlen(name));
	int32_t h;

	assert_non_null(path);
	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(r), path, (uint32_t)strlen(name), access, flags, 0600);
	h = run_one(r, NULL);
	assert_true(h > 0);
	return (uint32_t)h;
}

/* A buffer of length 0 is not checked (abi.md 7.1) and never touched:
 * NULL or garbage with length 0 is a 0-byte transfer, as in POSIX and
 * io_uring (CONSOLE_WRITE, READ and WRITE used to give -EFAULT). */
static void zero_length_buffers_are_not_touched(void **state)
{
	static const uint64_t bad[] = { 0, 0xdead0000ull, UINT64_MAX, 0x10 };
	struct rc_ring r;
	int root = open(temp_dir(), O_PATH | O_DIRECTORY);
	uint32_t h;

	(void)state;
	ring_open(&r, 8, 16, 0);
	rc_inproc_client(&r)->root_fd = root;
	h = open_in_root(&r, "zero", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p = (void *)(uintptr_t)bad[i];

		rc_prep_console_write(rc_get_sqe(&r), p, 0);
		assert_int_equal(run_one(&r, NULL), 0);
		rc_prep_read(rc_get_sqe(&r), h, p, 0, 0);
		assert_int_equal(run_one(&r, NULL), 0);
		rc_prep_write(rc_get_sqe(&r), h, p, 0, 0);
		assert_int_equal(run_one(&r, NULL), 0);
	}
	/* A length that is not 0 still is checked. */
	rc_prep_write(rc_get_sqe(&r), h, NULL, 1, 0);
	assert_int_equal(run_one(&r, NULL), -RC_EFAULT);
	ring_close(&r);
	close(root);
}

/* An in-process ring opens files beneath the root it is given, with the
 * server's confinement (it used to have no root at all: OPEN gave -EBADF,
 * so it was no drop-in for rc_connect). */
static void inproc_ring_opens_files_beneath_its_root(void **state)
{
	struct rc_ring r;
	char dir[128], file[160], *buf;
	uint32_t h;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/inproc-root", temp_dir());
	mkdir(dir, 0700);
	snprintf(file, sizeof(file), "%s/sub", dir);
	mkdir(file, 0700);
	ring_open(&r, 8, 16, 0);
	buf = rc_alloc(&r, 64);
	memcpy(buf, "a", 1);
	rc_prep_open(rc_get_sqe(&r), buf, 1, RC_ACCESS_RDONLY, 0, 0);
	assert_int_equal(run_one(&r, NULL), -RC_EBADF); /* no root yet: documented */
	assert_int_equal(rc_inproc_set_root(&r, "/nonexistent/dir"), -RC_ENOENT);
	assert_int_equal(rc_inproc_set_root(&r, dir), 0);
	h = open_in_root(&r, "hello.txt", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	memcpy(buf, "in process", 10);
	rc_prep_write(rc_get_sqe(&r), h, buf, 10, 0);
	assert_int_equal(run_one(&r, NULL), 10);
	snprintf(file, sizeof(file), "%s/hello.txt", dir);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(file, sizeof(file), f));
	fclose(f);
	assert_string_equal(file, "in process");
	for (int i = 0; i < 3; i++) {
		static const char *const escapes[] = { "/etc/passwd", "../x", "sub/../../x" };
		size_t n = strlen(escapes[i]);

		memcpy(buf, escapes[i], n);
		rc_prep_open(rc_get_sqe(&r), buf, (uint32_t)n, RC_ACCESS_RDONLY, 0, 0);
		assert_int_equal(run_one(&r, NULL), -RC_EXDEV);
	}
	ring_close(&r);
}

/* rc_alloc has a free: a client that allocates per request does not run
 * out (it used to after data_bytes of allocations); exhaustion is NULL
 * with ENOMEM; freed neighbours merge back into one extent. */
static void alloc_and_free_reuse_the_data_area(void **state)
{
	struct rc_params p = { .sq_entries = 8, .data_bytes = 64 * 1024 };
	struct rc_ring r;
	char *blk[16], *big, local;

	(void)state;
	assert_int_equal(rc_inproc_init(&r, &p), 0);
	assert_int_equal(rc_alloc_free_bytes(&r), 64 * 1024);
	for (int i = 0; i < 10000; i++) { /* per request: far beyond 64 KiB in total */
		char *b = rc_alloc(&r, 4000);

		assert_non_null(b);
		assert_int_equal((uintptr_t)b % 64, 0);
		memset(b, i, 4000);
		rc_prep_console_write(rc_get_sqe(&r), b, 0);
		assert_int_equal(run_one(&r, NULL), 0);
		assert_int_equal(rc_free(&r, b), 0);
	}
	for (int i = 0; i < 16; i++)
		assert_non_null(blk[i] = rc_alloc(&r, 4096));
	errno = 0;
	assert_null(rc_alloc(&r, 1));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(rc_alloc_free_bytes(&r), 0);
	for (int i = 0; i < 16; i += 2)
		assert_int_equal(rc_free(&r, blk[i]), 0);
	assert_null(rc_alloc(&r, 8192)); /* 32 KiB free, but in 4 KiB pieces */
	for (int i = 1; i < 16; i += 2)
		assert_int_equal(rc_free(&r, blk[i]), 0);
	big = rc_alloc(&r, 64 * 1024); /* merged back into one */
	assert_non_null(big);
	assert_int_equal(rc_free(&r, big), 0);
	assert_int_equal(rc_free(&r, big), -RC_EINVAL);	   /* twice */
	assert_int_equal(rc_free(&r, &local), -RC_EINVAL); /* not from rc_alloc */
	assert_int_equal(rc_free(&r, NULL), 0);
	assert_true(rc_alloc(&r, 0) != rc_alloc(&r, 0));
	errno = 0;
	assert_null(rc_alloc(&r, 64 * 1024 + 1));
	assert_int_equal(errno, ENOMEM);
	rc_inproc_exit(&r);
}

/* Submit what is prepared, wait for n CQEs, copy them out in order. */
static void run_copy_n(struct rc_ring *r, struct rc_cqe *out, unsigned n)
{
	struct rc_cqe *cqe;

	assert_int_equal(rc_submit_and_wait(r, n), (int)n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(rc_wait_cqe(r, &cqe), 0);
		out[i] = *cqe;
		rc_cqe_seen(r, cqe);
	}
}

/* Each rejected CQE is explained from its own record (CQE flag REJECTED
 * with its rejection number): a handler's failure never borrows an older
 * rejection's text with the same user_data, every rejection of a batch is
 * explained, and one whose record was replaced says so. */
static void explain_tells_each_rejection_apart(void **state)
{
	struct rc_ring r;
	struct rc_cqe c[10];
	char why[200], dir[128], *path;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/explain-root", temp_dir());
	mkdir(dir, 0700);
	ring_open(&r, 16, 32, 0);
	assert_int_equal(rc_inproc_set_root(&r, dir), 0);
	path = rc_alloc(&r, 64);
	memcpy(path, "nonexist.bin", 12);
	/* A rejection, then a handler failure with the same user_data. */
	rc_prep_console_write(rc_get_sqe(&r), (void *)0x1000, 5);
	rc_sqe_set_data(&r.sqes[(r.sqe_tail - 1) & r.sq_mask], 7);
	rc_prep_open(rc_get_sqe(&r), path, 12, RC_ACCESS_RDONLY, 0, 0);
	rc_sqe_set_data(&r.sqes[(r.sqe_tail - 1) & r.sq_mask], 7);
	run_copy_n(&r, c, 2);
	assert_int_equal(c[0].res, -RC_EFAULT);
	assert_int_equal(c[1].res, -RC_ENOENT);
	assert_false(c[1].flags & RC_CQE_F_REJECTED);
	assert_string_equal(rc_explain(&r, &c[1], why, sizeof(why)), "failed (-ENOENT)");
	assert_string_equal(rc_explain(&r, &c[0], why, sizeof(why)),
			    "CONSOLE_WRITE: buf = 0x1000 (length 5) is not inside the caller's "
			    "memory (-EFAULT)");
	/* Three rejections in one batch, each with its own words. */
	rc_prep_nop(rc_get_sqe(&r), -5000);
	rc_prep_read(rc_get_sqe(&r), 0x12345, path, 8, 0);
	rc_prep_open(rc_get_sqe(&r), path, 12, 5, 0, 0);
	run_copy_n(&r, c, 3);
	assert_string_equal(rc_explain(&r, &c[0], why, sizeof(why)),
			    "NOP: res = -5000 is outside [-4095, 2147483647] (-EINVAL)");
	assert_string_equal(
		rc_explain(&r, &c[1], why, sizeof(why)),
		"READ: handle = 0x12345 names no open handle of the right type (-EBADF)");
	assert_string_equal(rc_explain(&r, &c[2], why, sizeof(why)),
			    "OPEN: access = 5 is not below 3 (-EINVAL)");
	/* One more than the window: the first one's record is gone. */
	for (int i = 0; i <= (int)RC_ERROR_RECORDS; i++)
		rc_prep_nop(rc_get_sqe(&r), -5000 - i);
	run_copy_n(&r, c, RC_ERROR_RECORDS + 1);
	assert_string_equal(rc_explain(&r, &c[0], why, sizeof(why)),
			    "no record: rejected at decode, but its record was replaced by later "
			    "rejections (the last 8 are kept) (-EINVAL)");
	for (unsigned i = 1; i <= RC_ERROR_RECORDS; i++) {
		char want[100];

		snprintf(want, sizeof(want),
			 "NOP: res = -%u is outside [-4095, 2147483647] (-EINVAL)", 5000 + i);
		assert_string_equal(rc_explain(&r, &c[i], why, sizeof(why)), want);
	}
	/* A forged CQE: no record, no borrowed text, no crash. */
	c[0] = (struct rc_cqe){ .user_data = 1,
				.res = INT32_MIN,
				.flags = RC_CQE_F_REJECTED | 0xffff };
	assert_string_equal(rc_explain(&r, &c[0], why, sizeof(why)),
			    "no record: rejected at decode, but its record was replaced by later "
			    "rejections (the last 8 are kept) (-E?)");
	ring_close(&r);
}

/* The backend's prepare hook: what it saw of the ring when each submit
 * called it. */
static struct {
	uint32_t calls, from, to, tail_seen, seq_set;
} prep;

static void prep_hook(struct rc_ring *r, uint32_t from, uint32_t to)
{
	prep.calls++;
	prep.from = from;
	prep.to = to;
	prep.tail_seen = rc_load_relaxed(&r->hdr->sq_tail);
	for (uint32_t i = from; i != to; i++) {
		struct rc_sqe *sqe = &r->sqes[i & r->sq_mask];

		prep.seq_set += rc_load_relaxed(&sqe->seq) == i + 1;
		sqe->user_data += 1000; /* a rewrite: what the engine must see */
	}
}

/* Attach r to a ring of 8 SQEs and 16 CQEs made by hand in mem (64 KiB,
 * zeroed), whose engine is the test itself. */
static void fake_ring(struct rc_ring *r, uint8_t *mem, const struct rc_backend *b,
		      uint32_t setup_flags)
{
	struct rc_ring_hdr *h = (struct rc_ring_hdr *)mem;

	memset(mem, 0, 65536);
	*h = (struct rc_ring_hdr){ .magic = RC_ABI_MAGIC,
				   .abi_version = RC_ABI_VERSION,
				   .sq_entries = 8,
				   .cq_entries = 16,
				   .sqes_offset = RC_RING_HDR_BYTES,
				   .cqes_offset = RC_RING_HDR_BYTES + 8 * 64,
				   .ring_bytes = (uint32_t)rc_ring_bytes(8, 16),
				   .setup_flags = setup_flags,
				   .flags = RC_RING_NEED_WAKEUP };
	assert_int_equal(rc_ring_attach(r, mem, 65536, b, NULL), 0);
}

static int prep_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags)
{
	(void)r, (void)to_submit, (void)min_complete, (void)flags;
	return 0;
}

/* rc_submit hands the hook exactly the entries it publishes, once each,
 * before any of them is released (the tail unmoved; on a polled ring no
 * seq set), and publishes what the hook made of them; a submit with
 * nothing new does not call it. Both kinds of ring. */
static void prepare_hook_runs_before_publication(void **state)
{
	static const struct rc_backend b = { .enter = prep_enter, .prepare = prep_hook };
	static uint8_t mem[65536] __attribute__((aligned(64)));

	(void)state;
	for (int poll = 0; poll < 2; poll++) {
		struct rc_ring_hdr *h = (struct rc_ring_hdr *)mem;
		struct rc_ring r;

		fake_ring(&r, mem, &b, poll ? RC_SETUP_POLL : 0);
		memset(&prep, 0, sizeof(prep));
		for (uint32_t batch = 0, i = 0; batch < 2; batch++) {
			for (uint32_t k = 0; k < 3 + batch; k++, i++) {
				struct rc_sqe *sqe = rc_get_sqe(&r);

				rc_prep_nop(sqe, 0);
				rc_sqe_set_data(sqe, i);
			}
			assert_int_equal(rc_submit(&r), (int)(3 + batch));
			assert_int_equal(prep.calls, batch + 1);
			assert_int_equal(prep.from, batch ? 3 : 0);
			assert_int_equal(prep.to, i);
			assert_int_equal(prep.tail_seen, prep.from); /* nothing published yet */
			assert_int_equal(prep.seq_set, 0);
			assert_int_equal(h->sq_tail, i);
			for (uint32_t k = prep.from; k != i; k++) {
				assert_int_equal(r.sqes[k].user_data, 1000 + k);
				assert_int_equal(r.sqes[k].seq, poll ? k + 1 : 0);
			}
		}
		assert_int_equal(rc_submit(&r), 0);
		assert_int_equal(prep.calls, 2);
	}
}

/* The test plays the engine: a CQE posted (its phase bit) but the tail
 * that counts it not yet published, as within a run or when another
 * thread posted for the ring (channel.c's direct delivery). A reader by
 * phase takes it; the ready count is then 0, not 2^32 - 1. */
static void cq_ready_is_zero_when_the_reader_is_ahead_of_the_tail(void **state)
{
	static const struct rc_backend b = { .enter = prep_enter };
	static uint8_t mem[65536] __attribute__((aligned(64)));
	struct rc_ring_hdr *h = (struct rc_ring_hdr *)mem;
	struct rc_cqe *cqes = (struct rc_cqe *)(mem + RC_RING_HDR_BYTES + 8 * 64);
	struct rc_cqe *cqe;
	struct rc_ring r;

	(void)state;
	fake_ring(&r, mem, &b, 0);
	for (uint32_t i = 0; i < 3; i++)
		cqes[i] = (struct rc_cqe){ .user_data = i, .flags = rc_cq_phase(i, 16) };
	assert_int_equal(rc_cq_ready(&r), 0);	    /* nothing published */
	assert_int_equal(rc_peek_cqe(&r, &cqe), 0); /* but readable by phase */
	rc_cqe_seen(&r, cqe);
	assert_int_equal(rc_cq_ready(&r), 0); /* the head is one past the tail */
	h->cq_tail = 1;
	assert_int_equal(rc_cq_ready(&r), 0);
	h->cq_tail = 3;
	assert_int_equal(rc_cq_ready(&r), 2);
}

/* rc_get_sqe hands out a slot only when the engine's head, as last read,
 * says it is free: the SQ fills, the room the engine makes is taken, and a
 * head that is impossible (ahead of our tail, or more than a ring behind
 * it: the engine's word) makes none, then or on the next call. Indices
 * wrap past 2^32. */
static void get_sqe_takes_room_only_from_a_possible_head(void **state)
{
	static const struct rc_backend b = { .enter = prep_enter };
	static uint8_t mem[65536] __attribute__((aligned(64)));
	struct rc_ring_hdr *h = (struct rc_ring_hdr *)mem;
	struct rc_ring r;
	uint32_t got = 0;

	(void)state;
	fake_ring(&r, mem, &b, 0);
	h->sq_head = h->sq_tail = 0xfffffffcu; /* 4 entries before the wrap */
	assert_int_equal(rc_ring_attach(&r, mem, 65536, &b, NULL), 0);
	while (rc_get_sqe(&r))
		got++;
	assert_int_equal(got, 8);
	assert_int_equal(rc_sq_space_left(&r), 0);
	h->sq_head = 0xfffffffcu + 3; /* the engine took 3 */
	for (got = 0; rc_get_sqe(&r); got++)
		;
	assert_int_equal(got, 3);
	assert_int_equal(r.sqe_tail, 7u);
	h->sq_head = r.sqe_tail + 1; /* ahead of what was handed out */
	assert_null(rc_get_sqe(&r));
	assert_null(rc_get_sqe(&r));
	assert_int_equal(rc_sq_space_left(&r), 0);
	h->sq_head = r.sqe_tail - 9; /* more than a ring behind */
	assert_null(rc_get_sqe(&r));
	assert_int_equal(rc_sq_space_left(&r), 0);
	h->sq_head = r.sqe_tail - 2;
	assert_int_equal(rc_sq_space_left(&r), 6);
	for (got = 0; rc_get_sqe(&r); got++)
		;
	assert_int_equal(got, 6);
}

/* What a doorbell ring's backend was asked: each enter's arguments. */
static struct {
	uint32_t calls, to_submit, min_complete, flags, tail_seen;
} bell;

static int bell_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags)
{
	bell.calls++;
	bell.to_submit = to_submit;
	bell.min_complete = min_complete;
	bell.flags = flags;
	bell.tail_seen = rc_load_relaxed(&r->hdr->sq_tail);
	return 0;
}

/* A doorbell ring's submit (its common case has a path of its own): new
 * entries are published, then rung, the wait riding along, and counted;
 * nothing new rings nothing (unless the engine holds entries or CQEs
 * back); a wait the CQ cannot hold is refused after the entries went out;
 * with the engine refusing more (BUSY) a submit that does not wait says
 * so. */
static void doorbell_submit_rings_once_for_new_entries(void **state)
{
	static const struct rc_backend b = { .enter = bell_enter };
	static uint8_t mem[65536] __attribute__((aligned(64)));
	struct rc_ring_hdr *h = (struct rc_ring_hdr *)mem;
	struct rc_ring r;

	(void)state;
	fake_ring(&r, mem, &b, 0);
	memset(&bell, 0, sizeof(bell));
	assert_int_equal(rc_submit(&r), 0);
	assert_int_equal(rc_submit_and_wait(&r, 0), 0);
	assert_int_equal(bell.calls, 0); /* nothing new, nothing held back */
	rc_prep_nop(rc_get_sqe(&r), 0);
	rc_prep_nop(rc_get_sqe(&r), 0);
	assert_int_equal(rc_submit_and_wait(&r, 1), 2);
	assert_int_equal(bell.calls, 1);
	assert_int_equal(bell.to_submit, 2);
	assert_int_equal(bell.min_complete, 1);
	assert_int_equal(bell.flags, RC_ENTER_SQ_WAKEUP | RC_ENTER_GETEVENTS);
	assert_int_equal(bell.tail_seen, 2); /* published before the ring */
	assert_int_equal(r.stats.submitted, 2);
	assert_int_equal(r.stats.enters, 1);
	assert_int_equal(r.stats.doorbells, 1);
	rc_prep_nop(rc_get_sqe(&r), 0);
	assert_int_equal(rc_submit(&r), 1);
	assert_int_equal(bell.calls, 2);
	assert_int_equal(bell.flags, RC_ENTER_SQ_WAKEUP);
	assert_int_equal(bell.min_complete, 0);
	rc_prep_nop(rc_get_sqe(&r), 0);
	assert_int_equal(rc_submit_and_wait(&r, 17), -RC_EINVAL); /* the CQ holds 16 */
	assert_int_equal(h->sq_tail, 4);
	assert_int_equal(bell.calls, 2);
	h->flags |= RC_RING_BUSY;
	assert_int_equal(rc_submit(&r), -RC_EBUSY); /* held back: rung anyway */
	assert_int_equal(bell.calls, 3);
	assert_int_equal(bell.to_submit, 0);
	rc_prep_nop(rc_get_sqe(&r), 0);
	assert_int_equal(rc_submit(&r), -RC_EBUSY);
	assert_int_equal(bell.calls, 4);
	assert_int_equal(bell.to_submit, 1);
	assert_int_equal(r.stats.submitted, 5);
	assert_int_equal(r.stats.enters, 4);
	assert_int_equal(r.stats.doorbells, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err_name_of_any_res_is_defined),
		cmocka_unit_test(submit_after_reaping_takes_the_waiting_entries),
		cmocka_unit_test(wait_cqe_timeout_in_process),
		cmocka_unit_test(zero_length_buffers_are_not_touched),
		cmocka_unit_test(inproc_ring_opens_files_beneath_its_root),
		cmocka_unit_test(alloc_and_free_reuse_the_data_area),
		cmocka_unit_test(explain_tells_each_rejection_apart),
		cmocka_unit_test(prepare_hook_runs_before_publication),
		cmocka_unit_test(cq_ready_is_zero_when_the_reader_is_ahead_of_the_tail),
		cmocka_unit_test(get_sqe_takes_room_only_from_a_possible_head),
		cmocka_unit_test(doorbell_submit_rings_once_for_new_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
