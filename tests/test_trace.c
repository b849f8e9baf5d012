/*
 * test_trace.c - the tracer's two halves: rc_format_sqe decodes every
 * opcode in the table, and the engine shows a tracer every SQE it takes and
 * every CQE it publishes, without changing a result.
 */
#include "helpers.h"
#include "ringcall/table_walk.h"

static void every_opcode_is_decoded(void **state)
{
	static uint8_t buf[8192];
	char text[512], want[64];

	(void)state;
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];
		struct rc_sqe sqe;

		rc_sqe_baseline(d, &sqe, 7, buf);
		rc_format_sqe(&sqe, text, sizeof(text));
		snprintf(want, sizeof(want), "%s(", d->name);
		assert_int_equal(strncmp(text, want, strlen(want)), 0);
		assert_int_equal(text[strlen(text) - 1], ')');
		if (d->target != RC_TK_NONE)
			assert_non_null(strstr(text, "(handle=7"));
		for (unsigned f = 0; f < d->nfields; f++) {
			snprintf(want, sizeof(want), "%s=", d->fields[f].name);
			if (d->fields[f].kind == RC_FK_RSVD)
				assert_null(strstr(text, want)); /* zero: not shown */
			else
				assert_non_null(strstr(text, want));
		}
	}
}

static void values_flags_and_unknown_ops(void **state)
{
	struct rc_sqe sqe;
	char text[200];

	(void)state;
	rc_prep_read(&sqe, 3, (void *)(uintptr_t)0x7f0000001000, 4096, 8192);
	rc_sqe_set_flags(&sqe, RC_SQE_LINK | RC_SQE_DRAIN);
	assert_string_equal(
		rc_format_sqe(&sqe, text, sizeof(text)),
		"READ(handle=3, buf=0x7f0000001000, len=4096, offset=8192) [LINK|DRAIN]");
	rc_prep_nop(&sqe, -RC_EIO);
	assert_string_equal(rc_format_sqe(&sqe, text, sizeof(text)), "NOP(res=-5)");
	rc_prep_open(&sqe, "x", 1, RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_EXCL, 0644);
	sqe.args.open.path = 0x1000;
	assert_string_equal(rc_format_sqe(&sqe, text, sizeof(text)),
			    "OPEN(path=0x1000, path_len=1, access=2, flags=0x9, mode=420)");
	rc_prep_probe(&sqe, (void *)(uintptr_t)0x2000, 32);
	sqe.args.probe.rsvd = 5; /* a reserved field someone set: shown */
	sqe.flags = 0x80;
	assert_string_equal(rc_format_sqe(&sqe, text, sizeof(text)),
			    "PROBE(buf=0x2000, len=32, rsvd=5) [0x80]");
	sqe.opcode = 63;
	sqe.handle = 9;
	assert_string_equal(rc_format_sqe(&sqe, text, sizeof(text)), "opcode 63(handle=9)");
	rc_prep_read(&sqe, 3, NULL, 1, 0);
	assert_string_equal(rc_format_sqe(&sqe, text, 8), "READ(ha"); /* truncated, terminated */
}

struct seen {
	struct rce_tracer ops;
	uint64_t user_data[64];
	uint8_t opcode[64];
	unsigned nsqes, ncqes;
	uint32_t next_cq;
	bool contiguous;
};

static void seen_sqes(const struct rce_tracer *t, struct rce_ring *r, const struct rc_sqe *s,
		      uint32_t n)
{
	struct seen *v = (struct seen *)t;

	(void)r;
	for (uint32_t i = 0; i < n && v->nsqes < 64; i++, v->nsqes++) {
		v->user_data[v->nsqes] = s[i].user_data;
		v->opcode[v->nsqes] = s[i].opcode;
	}
}

static void seen_cqes(const struct rce_tracer *t, struct rce_ring *r, uint32_t from, uint32_t to)
{
	struct seen *v = (struct seen *)t;

	(void)r;
	v->contiguous &= from == v->next_cq; /* every CQE shown once, in order */
	v->next_cq = to;
	v->ncqes += to - from;
}

/* A batch run traced and untraced: same results; the tracer saw each SQE
 * (in order, chained and skipped ones too) and each CQE once. */
static void engine_shows_every_sqe_and_cqe(void **state)
{
	int32_t res[2][6];

	(void)state;
	for (int traced = 0; traced < 2; traced++) {
		struct seen v = { .ops = { seen_sqes, seen_cqes }, .contiguous = true };
		struct rc_ring r;
		struct rc_sqe *sqe;

		ring_open(&r, 8, 16, 0);
		if (traced)
			rce_ring_set_tracer(rc_inproc_engine(&r), &v.ops);
		rc_prep_nop(sqe = rc_get_sqe(&r), 1);
		rc_sqe_set_data(sqe, 10);
		rc_prep_nop(sqe = rc_get_sqe(&r), -RC_EIO);
		rc_sqe_set_data(sqe, 11);
		rc_sqe_set_flags(sqe, RC_SQE_LINK);
		rc_prep_nop(sqe = rc_get_sqe(&r), 3); /* cancelled by its link */
		rc_sqe_set_data(sqe, 12);
		rc_prep_nop(sqe = rc_get_sqe(&r), 4); /* no CQE */
		rc_sqe_set_data(sqe, 13);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
		rc_prep_nop(sqe = rc_get_sqe(&r), -5000); /* refused at decode */
		rc_sqe_set_data(sqe, 14);
		rc_prep_nop(sqe = rc_get_sqe(&r), 5);
		rc_sqe_set_data(sqe, 15);
		rc_sqe_set_flags(sqe, RC_SQE_DRAIN);
		assert_int_equal(rc_submit_and_wait(&r, 5), 6);
		for (int i = 0; i < 5; i++) {
			uint64_t ud;

			res[traced][i] = reap_one(&r, &ud);
		}
		assert_int_equal(cqes_ready(&r), 0);
		if (traced) {
			assert_int_equal(v.nsqes, 6);
			for (unsigned i = 0; i < 6; i++) {
				assert_int_equal(v.user_data[i], 10 + i);
				assert_int_equal(v.opcode[i], RC_OP_NOP);
			}
			assert_int_equal(v.ncqes, 5);
			assert_true(v.contiguous);
			rce_ring_set_tracer(rc_inproc_engine(&r), NULL);
		}
		ring_close(&r);
	}
	assert_memory_equal(res[0], res[1], 5 * sizeof(int32_t));
	assert_int_equal(res[1][1], -RC_EIO);
	assert_int_equal(res[1][2], -RC_ECANCELED);
	assert_int_equal(res[1][3], -RC_EINVAL);
	assert_int_equal(res[1][4], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_opcode_is_decoded),
		cmocka_unit_test(values_flags_and_unknown_ops),
		cmocka_unit_test(engine_shows_every_sqe_and_cqe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
