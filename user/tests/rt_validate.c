/*
 * rt_validate - decode refuses every kind of bad field of every syscall
 * this kernel offers, before any handler runs, with the right error, and
 * says which field (the kernel twin of tests/test_validate.c). Ops the
 * kernel does not offer are refused as unsupported; unknown opcodes as such.
 */
#include "ulib.h"
#include "ringcall/table_walk.h"

static uint8_t buf[8192]; /* a valid buffer for every UIN/UOUT */
static int checked;

/* Submit sqe, expect it refused with err, naming field for reason. */
static void expect_rejected(struct rc_sqe *sqe, int32_t err, unsigned field, unsigned reason,
			    const char *what)
{
	uint32_t before = rt_ring.hdr->rejected;
	struct rc_error *e = rc_rejection(rt_ring.hdr, before + 1);
	int32_t res = rt_sync(sqe);
	CHECK(res == err && e->count == before + 1 && e->field == field && e->reason == reason,
	      "%s: res %d (want %d), field %u (want %u), reason %u (want %u)", what, res, err,
	      e->field, field, e->reason, reason);
	checked++;
}

/* The kernel's bad buffers: unmapped, the kernel half, the last bytes
 * of the user half (the length runs past it), a wrap-around, and code
 * pages for the buffers the kernel writes. */
static unsigned breakages(const struct rc_field_desc *fd, struct rc_breakage *out)
{
	unsigned n = rc_field_scalar_breakages(fd, out);
	if (fd->kind == RC_FK_UIN || fd->kind == RC_FK_UOUT) {
		out[n++] = (struct rc_breakage){ 0x1000, -RC_EFAULT, RC_BAD_FAULT, false };
		out[n++] = (struct rc_breakage){ 0xffffffff80100000ul, -RC_EFAULT, RC_BAD_FAULT,
						 false };
		out[n++] = (struct rc_breakage){ 0x00007ffffffffffcul, -RC_EFAULT, RC_BAD_FAULT,
						 true };
		out[n++] = (struct rc_breakage){ UINT64_MAX - 2, -RC_EFAULT, RC_BAD_OVERFLOW,
						 true };
		if (fd->kind == RC_FK_UOUT) /* the kernel writes: code is read-only */
			out[n++] = (struct rc_breakage){ (uintptr_t)&breakages, -RC_EFAULT,
							 RC_BAD_FAULT, false };
	}
	return n;
}

static uint32_t chan[2]; /* a channel: the channel ops' target */

/* One broken entry (table_walk.h), refused with the breakage's error. */
static void break_one(void *kinds, const struct rc_op_desc *d, unsigned field,
		      const struct rc_breakage *b)
{
	const struct rc_field_desc *fd = &d->fields[field];
	struct rc_sqe *sqe = rt_sqe();
	char what[64];
	rc_sqe_broken(d, fd, b, sqe, d->target == RC_TK_CHANNEL ? chan[0] : rt_ring_handle, buf);
	snprintf(what, sizeof(what), "%s.%s = 0x%lx", d->name, fd->name, (unsigned long)b->value);
	expect_rejected(sqe, b->err, field, b->reason, what);
	*(unsigned *)kinds |= 1u << fd->kind;
}

int main(void)
{
	unsigned kinds = 0;
	CHECK_EQ(rt_channel(chan), 0);
	for (unsigned i = 0; i < RC_OP_COUNT; i++) {
		const struct rc_op_desc *d = &rc_op_descs[i];
		if (d->impl == RC_IMPL_HOSTED || d->impl == RC_IMPL_OTHER) {
			struct rc_sqe *sqe = rt_sqe();
			rc_sqe_baseline(d, sqe, rt_ring_handle, buf);
			expect_rejected(sqe, -RC_EOPNOTSUPP, RC_FIELD_OPCODE, RC_BAD_UNSUPPORTED,
					d->name);
			continue;
		}
		rc_op_walk_breakages(d, breakages, break_one, &kinds);
	}
	/* Every field kind the offered ops use was broken (ENUM is only in
     * the hosted OPEN). */
	CHECK(kinds == ((1u << RC_FK_INT) | (1u << RC_FK_FLAGS) | (1u << RC_FK_LEN) |
			(1u << RC_FK_UIN) | (1u << RC_FK_UOUT) | (1u << RC_FK_RSVD)),
	      "kinds %x", kinds);

	/* The SQE header: unknown opcodes, flags, reserved words, a handle where none goes. */
	static const struct {
		const char *what;
		uint8_t op, flags;
		uint16_t rsvd0;
		uint32_t rsvd1, handle;
		unsigned field, reason;
		int32_t err;
	} hdr[] = {
		{ "opcode 50", 50, 0, 0, 0, 0, RC_FIELD_OPCODE, RC_BAD_OPCODE, -RC_EINVAL },
		{ "opcode 63", 63, 0, 0, 0, 0, RC_FIELD_OPCODE, RC_BAD_OPCODE, -RC_EINVAL },
		{ "opcode 200", 200, 0, 0, 0, 0, RC_FIELD_OPCODE, RC_BAD_OPCODE, -RC_EINVAL },
		{ "sqe flags", RC_OP_NOP, 0x80, 0, 0, 0, RC_FIELD_FLAGS, RC_BAD_SQE_FLAGS,
		  -RC_EINVAL },
		{ "rsvd0", RC_OP_NOP, 0, 1, 0, 0, RC_FIELD_RSVD, RC_BAD_RESERVED, -RC_EINVAL },
		{ "rsvd1", RC_OP_NOP, 0, 0, 0x100, 0, RC_FIELD_RSVD, RC_BAD_RESERVED, -RC_EINVAL },
		{ "handle", RC_OP_GETPID, 0, 0, 0, 5, RC_FIELD_HANDLE, RC_BAD_RESERVED,
		  -RC_EINVAL },
		{ "no such handle", RC_OP_CLOSE, 0, 0, 0, 0x70007, RC_FIELD_HANDLE, RC_BAD_HANDLE,
		  -RC_EBADF },
	};
	for (unsigned i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		struct rc_sqe *sqe = rt_sqe();
		rc_sqe_init(sqe, hdr[i].op, hdr[i].handle);
		sqe->flags = hdr[i].flags;
		sqe->rsvd0 = hdr[i].rsvd0;
		sqe->rsvd1 = hdr[i].rsvd1;
		expect_rejected(sqe, hdr[i].err, hdr[i].field, hdr[i].reason, hdr[i].what);
	}
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_getpid(sqe, 0);
	sqe->args.raw[39] = 1; /* past GETPID's struct */
	expect_rejected(sqe, -RC_EINVAL, RC_FIELD_RSVD, RC_BAD_RESERVED, "args tail");
	CHECK(checked > 80, "only %d cases", checked);
	printf("  rt_validate: %d bad entries refused at decode\n", checked);
	return rt_report("rt_validate");
}
