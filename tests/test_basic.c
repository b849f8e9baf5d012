/*
 * test_basic.c - a ring in one process: NOP, PROBE, the table against the
 * handlers, ring arithmetic across the 2^32 wrap.
 */
#define _GNU_SOURCE
#include "../lib/engine_internal.h" /* white-box: reads the engine's own fields */
#include "helpers.h"

static void nop_completes_with_its_value(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	uint64_t ud;

	(void)state;
	ring_open(&r, 8, 16, 0);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, 7);
	rc_sqe_set_data(sqe, 0xabcdef);
	sqe = rc_get_sqe(&r);
	rc_prep_nop(sqe, -RC_EIO);
	rc_sqe_set_data(sqe, 2);
	assert_int_equal(rc_submit_and_wait(&r, 2), 2);
	assert_int_equal(reap_one(&r, &ud), 7);
	assert_int_equal(ud, 0xabcdef);
	assert_int_equal(reap_one(&r, &ud), -RC_EIO);
	assert_int_equal(ud, 2);
	assert_int_equal(cqes_ready(&r), 0);
	ring_close(&r);
}

static void get_sqe_returns_null_when_full(void **state)
{
	struct rc_ring r;

	(void)state;
	ring_open(&r, 4, 8, 0);
	for (int i = 0; i < 4; i++)
		assert_non_null(rc_get_sqe(&r));
	assert_null(rc_get_sqe(&r));
	ring_close(&r);
}

/* Start every index 3 CQ laps before 2^32 and run 8 laps of traffic
 * through it, checking order, phase and fill levels at each step. */
static void indices_wrap_around_2_pow_32(void **state)
{
	struct rc_ring r;
	struct rce_ring *e;
	const uint32_t start = (uint32_t)0 - 3 * 16;
	uint64_t next = 0, want = 0;

	(void)state;
	ring_open(&r, 8, 16, 0);
	e = rc_inproc_engine(&r);
	e->sq_head = e->pub_sq_head = e->cq_tail = e->pub_cq_tail = e->cq_head_seen = start;
	r.hdr->sq_head = r.hdr->sq_tail = r.hdr->cq_head = r.hdr->cq_tail = start;
	for (uint32_t s = 0; s < 16; s++) /* as if the lap before had been written */
		r.cqes[s].flags = rc_cq_phase(start - 16 + s, 16);
	assert_int_equal(rc_ring_attach(&r, r.hdr, rc_ring_bytes(8, 16), r.backend, r.backend_data),
			 0);
	assert_int_equal(r.sqe_tail, start);
	for (int round = 0; round < 16; round++) {
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&r);

			assert_non_null(sqe);
			rc_prep_nop(sqe, (int32_t)(next & 0xffff));
			rc_sqe_set_data(sqe, next++);
		}
		assert_int_equal(rc_submit_and_wait(&r, 8), 8);
		assert_int_equal(rc_cq_ready(&r), 8);
		for (int i = 0; i < 8; i++) {
			uint64_t ud;

			assert_int_equal(reap_one(&r, &ud), (int32_t)(want & 0xffff));
			assert_int_equal(ud, want++);
		}
		assert_null(rc_cqe_at(&r, r.cq_head));
	}
	assert_true(r.cq_head - start == 128 && r.cq_head < start); /* it did wrap */
	ring_close(&r);
}

static void probe_reports_what_the_platform_has(void **state)
{
	struct rc_ring r;
	struct rc_probe *p;
	struct rc_sqe *sqe;
	int32_t res;

	(void)state;
	ring_open(&r, 8, 16, 0);
	p = rc_alloc(&r, sizeof(*p));
	assert_non_null(p);
	sqe = rc_get_sqe(&r);
	rc_prep_probe(sqe, p, sizeof(*p));
	res = run_one(&r, sqe);
	assert_int_equal(res, __builtin_popcountll(p->ops));
	assert_int_equal(p->abi_version, RC_ABI_VERSION);
	assert_int_equal(p->op_count, RC_OP_COUNT);
	assert_int_equal(p->ops & ~RC_OPS_ALL, 0);
	assert_int_equal(p->allowed, RC_OPS_ALL);
	assert_int_equal(p->sqe_flags, RC_SQE_FLAGS);
	ring_close(&r);
}

/* The table and the hosted handlers agree: the hosted server has a handler
 * for exactly the ops the table gives to PLATFORM or HOSTED, none for
 * KERNEL ones, and PROBE reports exactly those plus the ENGINE ones. (No
 * handler can exist for an op missing from the table: struct rce_handlers
 * has no member for it.) */
static void table_and_handlers_agree(void **state)
{
	uint64_t expected = 0;
	struct rc_ring r;
	struct rc_probe *p;

	(void)state;
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];

		assert_non_null(d);
		assert_string_equal(rc_op_name(d->opcode), d->name);
		assert_true(d->nfields >= 1);
#define RC_SYSCALL(name, NAME, num, target, rights, who, doc) \
	if (d->opcode == num)                                 \
		assert_int_equal(HOSTED_HAS_##who(name),      \
				 d->impl != RC_IMPL_KERNEL && d->impl != RC_IMPL_OTHER);
#define HOSTED_HAS_ENGINE(name)	  1
#define HOSTED_HAS_PLATFORM(name) (host_handlers.name != NULL)
#define HOSTED_HAS_HOSTED(name)	  (host_handlers.name != NULL)
#define HOSTED_HAS_KERNEL(name)	  (host_handlers.name != NULL)
#define HOSTED_HAS_OTHER(name)	  (host_handlers.name != NULL)
#define HOSTED_HAS_IPC(name)	  (host_handlers.ipc != NULL)
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
		if (d->impl != RC_IMPL_KERNEL && d->impl != RC_IMPL_OTHER)
			expected |= UINT64_C(1) << d->opcode;
	}
	assert_non_null(host_handlers.close_object);
	ring_open(&r, 8, 16, 0);
	p = rc_alloc(&r, sizeof(*p));
	rc_prep_probe(rc_get_sqe(&r), p, sizeof(*p));
	assert_true(run_one(&r, NULL) > 0);
	assert_int_equal(p->ops, expected);
	ring_close(&r);
}

/* Field descriptors match the structs: ordered, in bounds, no holes. The
 * walk reads rc_op_descs as any tool would, with no call first: the
 * descriptors are complete constants (fields included). */
static void table_fields_are_consistent(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];
		unsigned end = 0;

		assert_non_null(d->fields);
		assert_ptr_equal(rc_op_desc(d->opcode), d);
		for (unsigned f = 0; f < d->nfields; f++) {
			const struct rc_field_desc *fd = &d->fields[f];

			assert_int_equal(fd->offset, end);
			assert_true(fd->offset % fd->size == 0);
			end = fd->offset + fd->size;
			if (fd->kind == RC_FK_UIN || fd->kind == RC_FK_UOUT) {
				unsigned found = 0;

				for (unsigned g = 0; g < d->nfields; g++)
					found += d->fields[g].kind == RC_FK_LEN &&
						 !strcmp(d->fields[g].name, fd->len_field);
				assert_int_equal(found, 1);
			}
		}
		assert_true(end <= RC_ARGS_BYTES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nop_completes_with_its_value),
		cmocka_unit_test(get_sqe_returns_null_when_full),
		cmocka_unit_test(indices_wrap_around_2_pow_32),
		cmocka_unit_test(probe_reports_what_the_platform_has),
		cmocka_unit_test(table_and_handlers_agree),
		cmocka_unit_test(table_fields_are_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
