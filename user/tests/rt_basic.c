/*
 * rt_basic - the engine's own ops and flags through the kernel's rings:
 * NOP, PROBE (against the table), GETPID, CLOCK, PROC_STATS, LINK,
 * DRAIN, SKIP_SUCCESS, RESTRICT (on a second ring), rc_explain.
 */
#include "ulib.h"
#include "ringcall/table.h"

/* Submit sub prepared entries, collect n CQEs in completion order. */
static void run_n(int sub, int n, struct rc_cqe *out)
{
	CHECK_EQ(rc_submit_and_wait(&rt_ring, (uint32_t)n), sub);
	for (int i = 0; i < n; i++)
		CHECK_EQ(rt_next_cqe(&out[i]), 0);
}

int main(void)
{
	struct rc_cqe c[8];
	struct rc_sqe *s;

	/* NOP: its value comes back, negative ones too. */
	s = rt_sqe();
	rc_prep_nop(s, 1234);
	CHECK_EQ(rt_sync(s), 1234);
	s = rt_sqe();
	rc_prep_nop(s, -RC_EIO);
	CHECK_EQ(rt_sync(s), -RC_EIO);

	/* PROBE: every op but the hosted-only ones (channels included). */
	struct rc_probe pr;
	uint64_t want = 0;
	int nwant = 0;
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		if (rc_op_descs[i].impl != RC_IMPL_HOSTED && rc_op_descs[i].impl != RC_IMPL_OTHER) {
			want |= UINT64_C(1) << rc_op_descs[i].opcode;
			nwant++;
		}
	}
	s = rt_sqe();
	rc_prep_probe(s, &pr, sizeof(pr));
	CHECK_EQ(rt_sync(s), nwant);
	CHECK(pr.ops == want, "ops %lx, want %lx", (unsigned long)pr.ops, (unsigned long)want);
	CHECK(pr.op_count == RC_OP_COUNT && pr.allowed == RC_OPS_ALL, "probe header");

	/* GETPID / parent / CLOCK / PROC_STATS. */
	long pid = getpid();
	CHECK(pid > 1, "pid %ld", pid);
	CHECK(getppid() > 0 && getppid() != pid, "ppid %ld", getppid());
	uint64_t t0 = clock_ns(), t1 = clock_ns();
	CHECK(t0 > 0 && t1 >= t0, "clock %lu %lu", (unsigned long)t0, (unsigned long)t1);
	struct rc_proc_stats a, b;
	CHECK_EQ(rt_proc_stats(&a), (long)sizeof(a));
	CHECK_EQ(rt_proc_stats(&b), (long)sizeof(b));
	CHECK_EQ(b.traps - a.traps, 1); /* one sync call, one trap */
	CHECK_EQ(b.sqes - a.sqes, 1);
	CHECK(b.faults == 0 && b.run_ns > 0, "faults %lu", (unsigned long)b.faults);
	s = rt_sqe();
	rc_prep_proc_stats(s, &a, 8, 0, 0); /* truncated to len */
	CHECK_EQ(rt_sync(s), 8);

	/* LINK: a failure cancels the rest of the chain, success runs it. */
	s = rt_sqe();
	rc_prep_nop(s, 1);
	rc_sqe_set_data(s, 1);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, -RC_EPERM);
	rc_sqe_set_data(s, 2);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, 3);
	rc_sqe_set_data(s, 3);
	s = rt_sqe();
	rc_prep_nop(s, 4);
	rc_sqe_set_data(s, 4);
	run_n(4, 4, c);
	CHECK(c[0].user_data == 1 && c[0].res == 1, "link 1");
	CHECK(c[1].user_data == 2 && c[1].res == -RC_EPERM, "link 2");
	CHECK(c[2].user_data == 3 && c[2].res == -RC_ECANCELED, "link 3: %d", c[2].res);
	CHECK(c[3].user_data == 4 && c[3].res == 4, "after the chain");

	/* DRAIN waits for a parked TIMEOUT; SKIP_SUCCESS posts nothing. */
	s = rt_sqe();
	rc_prep_timeout(s, 5000000, 0, 0);
	rc_sqe_set_data(s, 10);
	s = rt_sqe();
	rc_prep_nop(s, 11);
	rc_sqe_set_data(s, 11);
	rc_sqe_set_flags(s, RC_SQE_DRAIN);
	s = rt_sqe();
	rc_prep_nop(s, 12);
	rc_sqe_set_data(s, 12);
	rc_sqe_set_flags(s, RC_SQE_SKIP_SUCCESS);
	s = rt_sqe();
	rc_prep_nop(s, 13);
	rc_sqe_set_data(s, 13);
	run_n(4, 3, c);
	CHECK(c[0].user_data == 10 && c[0].res == -RC_ETIME, "timeout first: %lu",
	      (unsigned long)c[0].user_data);
	CHECK(c[1].user_data == 11 && c[2].user_data == 13, "drain order %lu %lu",
	      (unsigned long)c[1].user_data, (unsigned long)c[2].user_data);
	CHECK(rt_peek_cqe(&c[4]) == -RC_EAGAIN, "SKIP_SUCCESS posted a CQE");

	/* rc_explain names the field and the bound. */
	char why[160];
	s = rt_sqe();
	rc_prep_exit(s, 0);
	s->args.exit.status = 300; /* past the table's bound: never exits */
	CHECK_EQ(rt_sync(s), -RC_EINVAL);
	c[0] = rt_sync_cqe; /* the CQE itself: it names its record */
	rc_explain(&rt_ring, &c[0], why, sizeof(why));
	CHECK(strcmp(why, "EXIT: status = 300 is outside [0, 255] (-EINVAL)") == 0, "%s", why);

	/* RESTRICT, on a second ring (this one serves printf). */
	const uint64_t addr = 0x500000000ul;
	s = rt_sqe();
	rc_prep_ring_create(s, addr, 4, 8, 0);
	int32_t h = rt_sync(s);
	CHECK(h > 0, "ring_create %d", h);
	struct rc_ring r2;
	CHECK_EQ(rc_ring_attach(&r2, (void *)addr, rc_ring_bytes(4, 8), &rt_backend,
				(void *)(uintptr_t)h),
		 0);
	rc_prep_restrict_ops(rc_get_sqe(&r2), UINT64_C(1) << RC_OP_NOP);
	rc_prep_nop(rc_get_sqe(&r2), 5);
	rc_prep_getpid(rc_get_sqe(&r2), 0);
	CHECK_EQ(rc_submit_and_wait(&r2, 3), 3);
	struct rc_cqe *cq;
	int res[3];
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(rc_wait_cqe(&r2, &cq), 0);
		res[i] = cq->res;
		rc_cqe_seen(&r2, cq);
	}
	CHECK(res[0] == 0 && res[1] == 5 && res[2] == -RC_EACCES, "restrict %d %d %d", res[0],
	      res[1], res[2]);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	CHECK_EQ(rt_sync(s), 0);
	return rt_report("rt_basic");
}
