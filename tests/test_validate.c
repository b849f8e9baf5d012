/*
 * test_validate.c - decode rejects every kind of bad field before any
 * handler runs, with the right error, and says which field was wrong.
 *
 * Walks the table itself: for every syscall and every argument field it
 * builds a valid entry, breaks that one field in each way its kind can be
 * broken, and checks the result, the last_error record, and that nothing
 * changed. A new syscall is covered without touching this file.
 */
#include "helpers.h"
#include "ringcall/table_walk.h"
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct fixture {
	struct rc_ring r;
	uint8_t *buf;	    /* valid buffer in the data area */
	uint32_t file;	    /* an open read-write file handle */
	uint32_t rdonly;    /* an open read-only file handle */
	struct rc_cqe last; /* the CQE of the last expect_rejected, for rc_explain */
	uint32_t chan;	    /* a channel endpoint with every right */
};

/* Submit what is prepared, wait for one CQE, copy it to *out, reap it. */
static int32_t run_copy(struct rc_ring *r, struct rc_cqe *out)
{
	struct rc_cqe *cqe;

	assert_int_equal(rc_submit_and_wait(r, 1), 1);
	assert_int_equal(rc_wait_cqe(r, &cqe), 0);
	*out = *cqe;
	rc_cqe_seen(r, cqe);
	return out->res;
}

static uint32_t open_file(struct fixture *f, const char *name, uint32_t access, uint32_t flags)
{
	struct rc_sqe *sqe = rc_get_sqe(&f->r);
	char *path = rc_alloc(&f->r, strlen(name));
	int32_t h;

	memcpy(path, name, strlen(name));
	rc_prep_open(sqe, path, (uint32_t)strlen(name), access, flags, 0600);
	h = run_one(&f->r, sqe);
	assert_true(h > 0);
	return (uint32_t)h;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int root = open(temp_dir(), O_PATH | O_DIRECTORY);

	ring_open(&f->r, 8, 16, 0);
	rc_inproc_client(&f->r)->root_fd = root;
	f->buf = rc_alloc(&f->r, 8192);
	f->file = open_file(f, "v", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	f->rdonly = open_file(f, "v", RC_ACCESS_RDONLY, 0);
	{
		struct rc_channel_pair *p = rc_alloc(&f->r, sizeof(*p));
		struct rc_sqe *sqe = rc_get_sqe(&f->r);

		rc_prep_channel_create(sqe, p, sizeof(*p), 0);
		assert_int_equal(run_one(&f->r, sqe), 0);
		f->chan = p->end[0];
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(rc_inproc_client(&f->r)->root_fd);
	ring_close(&f->r);
	free(f);
	return 0;
}

/* The platform's bad buffers: outside the shared region (a low address, a
 * pointer into this process's private memory), and a pointer + length
 * that wraps. */
static unsigned breakages(const struct rc_field_desc *fd, struct rc_breakage *out)
{
	static int private_word;
	unsigned n = rc_field_scalar_breakages(fd, out);

	if (fd->kind == RC_FK_UIN || fd->kind == RC_FK_UOUT) {
		out[n++] = (struct rc_breakage){ 0x1000, -RC_EFAULT, RC_BAD_FAULT, false };
		out[n++] = (struct rc_breakage){ (uintptr_t)&private_word, -RC_EFAULT, RC_BAD_FAULT,
						 false };
		out[n++] = (struct rc_breakage){ UINT64_MAX - 8, -RC_EFAULT, RC_BAD_OVERFLOW,
						 true };
	}
	return n;
}

static void expect_rejected(struct fixture *f, struct rc_sqe *sqe, int32_t err, unsigned field,
			    unsigned reason)
{
	uint32_t before = f->r.hdr->rejected;
	uint64_t ud = sqe->user_data;
	struct rc_error *e = rc_rejection(f->r.hdr, before + 1);

	(void)sqe;
	assert_int_equal(run_copy(&f->r, &f->last), err);
	assert_true(f->last.flags & RC_CQE_F_REJECTED);
	assert_int_equal(f->last.flags & RC_CQE_F_SEQ_MASK, (before + 1) & RC_CQE_F_SEQ_MASK);
	assert_int_equal(f->r.hdr->rejected, before + 1);
	assert_int_equal(e->count, before + 1);
	assert_int_equal(e->user_data, ud);
	assert_int_equal(e->field, field);
	assert_int_equal(e->reason, reason);
}

struct walk {
	struct fixture *f;
	unsigned checked, kinds_seen;
};

/* One broken entry (table_walk.h), refused with the breakage's error. */
static void break_one(void *ctx, const struct rc_op_desc *d, unsigned field,
		      const struct rc_breakage *b)
{
	struct walk *w = ctx;
	struct rc_sqe *sqe = rc_get_sqe(&w->f->r);

	rc_sqe_broken(d, &d->fields[field], b, sqe,
		      d->target == RC_TK_CHANNEL ? w->f->chan : w->f->file, w->f->buf);
	rc_sqe_set_data(sqe, 1000 + w->checked);
	expect_rejected(w->f, sqe, b->err, field, b->reason);
	w->kinds_seen |= 1u << d->fields[field].kind;
	w->checked++;
}

/* One bad-input case (at least) for every field of every syscall. */
static void every_field_of_every_syscall_is_checked(void **state)
{
	struct fixture *f = *state;
	struct walk w = { f, 0, 0 };

	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];

		if (d->impl == RC_IMPL_KERNEL || d->impl == RC_IMPL_OTHER) {
			/* Not offered here: refused before any field is read (the
			 * kernel suite walks these fields: user/tests/rt_validate.c). */
			struct rc_sqe *sqe = rc_get_sqe(&f->r);

			rc_sqe_baseline(d, sqe, f->file, f->buf);
			rc_sqe_set_data(sqe, 900 + i);
			expect_rejected(f, sqe, -RC_EOPNOTSUPP, RC_FIELD_OPCODE,
					RC_BAD_UNSUPPORTED);
			continue;
		}
		rc_op_walk_breakages(d, breakages, break_one, &w);
	}
	/* Every field kind of the table was broken at least once. */
	assert_int_equal(w.kinds_seen, (1u << RC_FK_INT) | (1u << RC_FK_ENUM) |
					       (1u << RC_FK_FLAGS) | (1u << RC_FK_LEN) |
					       (1u << RC_FK_UIN) | (1u << RC_FK_UOUT) |
					       (1u << RC_FK_RSVD));
	assert_true(w.checked >= 30);
	/* Nothing changed: the file handles still work. */
	{
		struct rc_sqe *sqe = rc_get_sqe(&f->r);

		rc_prep_write(sqe, f->file, "abc", 0, 0);
		/* 0 bytes: "abc" (outside the region) is never touched, and a
		 * handle that stopped working would give -EBADF. */
		assert_int_equal(run_one(&f->r, sqe), 0);
	}
}

/* rc_sqe_check_form (what a forwarding library checks) answers a broken
 * scalar as decode does and leaves memory to the platform. */
static void form_one(void *ctx, const struct rc_op_desc *d, unsigned field,
		     const struct rc_breakage *b)
{
	static uint8_t buf[RC_IO_MAX]; /* never touched: no memory is checked */
	unsigned *checked = ctx;
	struct rc_sqe sqe;

	rc_sqe_broken(d, &d->fields[field], b, &sqe, 7, buf);
	assert_int_equal(rc_sqe_check_form(&sqe), b->err == -RC_EINVAL ? -RC_EINVAL : 0);
	(*checked)++;
}

static void form_check_agrees_with_decode(void **state)
{
	static uint8_t buf[RC_IO_MAX];
	unsigned checked = 0;
	struct rc_sqe sqe;

	(void)state;
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];

		rc_sqe_baseline(d, &sqe, 7, buf);
		assert_int_equal(rc_sqe_check_form(&sqe), 0);
		rc_op_walk_breakages(d, breakages, form_one, &checked);
		/* the header and the bytes no field covers */
		rc_sqe_baseline(d, &sqe, 7, buf);
		sqe.rsvd0 = 1;
		assert_int_equal(rc_sqe_check_form(&sqe), -RC_EINVAL);
		rc_sqe_baseline(d, &sqe, 7, buf);
		sqe.rsvd1 = 0x100;
		assert_int_equal(rc_sqe_check_form(&sqe), -RC_EINVAL);
		rc_sqe_baseline(d, &sqe, 7, buf);
		sqe.flags = 0x80;
		assert_int_equal(rc_sqe_check_form(&sqe), -RC_EINVAL);
		rc_sqe_baseline(d, &sqe, 7, buf);
		sqe.args.raw[RC_ARGS_BYTES - 1] = d->args_size < RC_ARGS_BYTES ? 1 : 0;
		assert_int_equal(rc_sqe_check_form(&sqe),
				 d->args_size < RC_ARGS_BYTES ? -RC_EINVAL : 0);
		if (d->target == RC_TK_NONE) {
			rc_sqe_baseline(d, &sqe, 7, buf);
			sqe.handle = 5;
			assert_int_equal(rc_sqe_check_form(&sqe), -RC_EINVAL);
		}
	}
	rc_sqe_init(&sqe, 63, 0);
	assert_int_equal(rc_sqe_check_form(&sqe), -RC_EINVAL); /* not an opcode */
	assert_true(checked >= 60);
}

static void header_fields_are_checked(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;

	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->opcode = 63;
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_OPCODE, RC_BAD_OPCODE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->opcode = 200;
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_OPCODE, RC_BAD_OPCODE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->flags = 0x80;
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_FLAGS, RC_BAD_SQE_FLAGS);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->rsvd0 = 1;
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->rsvd1 = 0x100;
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->args.raw[39] = 1; /* past NOP's struct */
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 0);
	sqe->handle = 5; /* NOP takes no handle */
	expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_HANDLE, RC_BAD_RESERVED);
}

static void handles_are_checked(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;
	uint32_t h;

	sqe = rc_get_sqe(&f->r);
	rc_prep_read(sqe, 0x7777, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_write(sqe, f->rdonly, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_RIGHTS);
	/* Each check of decode's inline lookup (decode.h rce_target_find)
	 * on its own: an open FILE handle of the wrong type for the op, its
	 * slot's index 0 (low half 0), its generation's top bit set (the
	 * slot keeps 15), the index one past the table (the hosted server
	 * gives a client 1024 slots: hosted/client_state.c). */
	sqe = rc_get_sqe(&f->r);
	rc_prep_channel_send(sqe, f->file, f->buf, 16, 0, NULL, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_read(sqe, f->file & ~0xffffu, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_read(sqe, f->file | 0x80000000u, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_read(sqe, (f->file & ~0xffffu) | 1025u, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
	/* A closed handle stays dead even when its slot is reused. */
	h = open_file(f, "w", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	sqe = rc_get_sqe(&f->r);
	rc_prep_close(sqe, h, 0);
	assert_int_equal(run_one(&f->r, sqe), 0);
	assert_int_not_equal(open_file(f, "w", RC_ACCESS_RDWR, 0), h);
	sqe = rc_get_sqe(&f->r);
	rc_prep_read(sqe, h, f->buf, 16, 0);
	expect_rejected(f, sqe, -RC_EBADF, RC_FIELD_HANDLE, RC_BAD_HANDLE);
}

static void restrictions_hold_once_set(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;
	char why[160];

	sqe = rc_get_sqe(&f->r);
	rc_prep_restrict_ops(sqe, (1u << RC_OP_NOP) | (1u << RC_OP_READ) | (1u << RC_OP_RESTRICT));
	assert_int_equal(run_one(&f->r, sqe), 0);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 3);
	assert_int_equal(run_one(&f->r, sqe), 3);
	sqe = rc_get_sqe(&f->r);
	rc_prep_write(sqe, f->file, f->buf, 1, 0);
	rc_sqe_set_data(sqe, 99);
	expect_rejected(f, sqe, -RC_EACCES, RC_FIELD_OPCODE, RC_BAD_RESTRICTED);
	assert_string_equal(rc_explain(&f->r, &f->last, why, sizeof(why)),
			    "WRITE: opcode = 8 is not allowed on this ring (-EACCES)");
	/* Once and for good: a second RESTRICT cannot widen it. */
	sqe = rc_get_sqe(&f->r);
	rc_prep_restrict_ops(sqe, RC_OPS_ALL);
	assert_int_equal(run_one(&f->r, sqe), -RC_EBUSY);
	sqe = rc_get_sqe(&f->r);
	rc_prep_write(sqe, f->file, f->buf, 1, 0);
	assert_int_equal(run_one(&f->r, sqe), -RC_EACCES);
}

/* A NOP is refused on a ring restricted without it, on the take loop's
 * inline path as on the long one: the first NOP after the RESTRICT goes
 * the long way (the chunk before began with another op), the ones after it
 * would be taken inline. */
static void restricted_nop_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;

	sqe = rc_get_sqe(&f->r);
	rc_prep_restrict_ops(sqe, (1u << RC_OP_READ) | (1u << RC_OP_RESTRICT));
	assert_int_equal(run_one(&f->r, sqe), 0);
	for (int i = 0; i < 3; i++) {
		sqe = rc_get_sqe(&f->r);
		rc_prep_nop(sqe, 3);
		rc_sqe_set_data(sqe, 40 + (uint64_t)i);
		expect_rejected(f, sqe, -RC_EACCES, RC_FIELD_OPCODE, RC_BAD_RESTRICTED);
	}
}

/* A NOP whose argument tail, rsvd1 or res is wrong is refused when the
 * take loop would take it inline too (two good NOPs before each bad one:
 * after an entry the inline path did not take, the next chunk starts on
 * the long way until it meets a NOP again). */
static void inline_nop_is_checked_whole(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;

	for (unsigned i = 0; i < RC_ARGS_BYTES - 4 + 2; i++) {
		for (int k = 0; k < 2; k++) {
			sqe = rc_get_sqe(&f->r);
			rc_prep_nop(sqe, 5);
			assert_int_equal(run_one(&f->r, sqe), 5);
		}
		sqe = rc_get_sqe(&f->r);
		rc_prep_nop(sqe, 5);
		rc_sqe_set_data(sqe, 70 + (uint64_t)i);
		if (i < RC_ARGS_BYTES - 4) { /* each byte past res */
			sqe->args.raw[4 + i] = 1;
			expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED);
		} else if (i == RC_ARGS_BYTES - 4) {
			sqe->rsvd1 = 1;
			expect_rejected(f, sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED);
		} else {
			sqe->args.nop.res = -4096; /* below -4095 */
			expect_rejected(f, sqe, -RC_EINVAL, 0, RC_BAD_RANGE);
		}
	}
}

/* The header (flags, rsvd0, opcode, rsvd1) of entries the take loop reads
 * the long way behind another one in the same submit (rce_take_general_body's
 * loop, not the entry the inline loop handed it): each refused, with the
 * field named, and the good one after them answered. */
static void header_checked_behind_another_entry(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe;
	static const struct {
		int32_t res;
		unsigned field;
	} want[] = { { -RC_EINVAL, RC_FIELD_RSVD },
		     { -RC_EINVAL, RC_FIELD_RSVD },
		     { -RC_EINVAL, RC_FIELD_OPCODE },
		     { -RC_EINVAL, RC_FIELD_FLAGS },
		     { 6, 0 } };
	uint32_t before = f->r.hdr->rejected;
	uint64_t ud;

	sqe = rc_get_sqe(&f->r); /* not inline (a flag): the long way from here */
	rc_prep_nop(sqe, 1);
	rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	rc_sqe_set_data(sqe, 1);
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 2);
	rc_sqe_set_data(sqe, 2);
	sqe->rsvd1 = 0x100;
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 3);
	rc_sqe_set_data(sqe, 3);
	sqe->rsvd0 = 1;
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 4);
	rc_sqe_set_data(sqe, 4);
	sqe->opcode = 63;
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 5);
	rc_sqe_set_data(sqe, 5);
	sqe->flags = 0x80;
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, 6);
	rc_sqe_set_data(sqe, 6);
	assert_int_equal(rc_submit(&f->r), 6);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(reap_one(&f->r, &ud), want[i].res);
		assert_int_equal(ud, i + 2);
		if (want[i].res < 0)
			assert_int_equal(rc_rejection(f->r.hdr, before + 1 + i)->field,
					 want[i].field);
	}
	assert_int_equal(f->r.hdr->rejected, before + 4);
	assert_int_equal(cqes_ready(&f->r), 0);
}

static void explain_names_the_field(void **state)
{
	struct fixture *f = *state;
	struct rc_sqe *sqe = rc_get_sqe(&f->r);
	struct rc_cqe cqe;
	char why[160];

	rc_prep_read(sqe, f->file, f->buf, RC_IO_MAX + 1, 0);
	rc_sqe_set_data(sqe, 4242);
	assert_int_equal(run_copy(&f->r, &cqe), -RC_EINVAL);
	assert_string_equal(rc_explain(&f->r, &cqe, why, sizeof(why)),
			    "READ: len = 1048577 is outside [0, 1048576] (-EINVAL)");
	sqe = rc_get_sqe(&f->r);
	rc_prep_nop(sqe, -5000);
	rc_sqe_set_data(sqe, 4243);
	assert_int_equal(run_copy(&f->r, &cqe), -RC_EINVAL);
	assert_string_equal(rc_explain(&f->r, &cqe, why, sizeof(why)),
			    "NOP: res = -5000 is outside [-4095, 2147483647] (-EINVAL)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_field_of_every_syscall_is_checked, setup,
						teardown),
		cmocka_unit_test(form_check_agrees_with_decode),
		cmocka_unit_test_setup_teardown(header_fields_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(handles_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(restrictions_hold_once_set, setup, teardown),
		cmocka_unit_test_setup_teardown(restricted_nop_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(inline_nop_is_checked_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(header_checked_behind_another_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(explain_names_the_field, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
