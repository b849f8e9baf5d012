/*
 * names.c - the table as data (table.h) and the words for errors.
 * Freestanding: formats with its own small helpers.
 */
#include "ringcall/ringcall.h"
#include "ringcall/table.h"
#include "ringcall/fmt.h"

/* _Generic's associations read best one per line: */
/* clang-format off */
#define RC_IS_SIGNED(ctype) _Generic((ctype)0, int8_t: true, int16_t: true, int32_t: true, \
	int64_t: true, default: false)
/* clang-format on */
#define RC_DESC_LEN_UIN(a)   #a
#define RC_DESC_LEN_UOUT(a)  #a
#define RC_DESC_LEN_INT(a)   0
#define RC_DESC_LEN_ENUM(a)  0
#define RC_DESC_LEN_FLAGS(a) 0
#define RC_DESC_LEN_LEN(a)   0
#define RC_DESC_LEN_RSVD(a)  0
#define RC_DESC_A_UIN(a)     0
#define RC_DESC_A_UOUT(a)    0
#define RC_DESC_A_INT(a)     (uint64_t)(a)
#define RC_DESC_A_ENUM	     RC_DESC_A_INT
#define RC_DESC_A_FLAGS	     RC_DESC_A_INT
#define RC_DESC_A_LEN	     RC_DESC_A_INT
#define RC_DESC_A_RSVD	     RC_DESC_A_INT
/*
 * The table as constants. Each op's field list becomes a file-scope array
 * whose offsets come from offsetof on the op's own argument struct. The
 * field macro of syscalls.def does not see the op's name, so the fields
 * are first turned into a list of tuples, then each tuple is expanded
 * with the name passed along (up to RC_FD_MAX fields an op).
 */
#define RC_FD_EXPAND(...)	     __VA_ARGS__
#define RC_FD_TUPLE(K, CT, FN, A, B) (K, CT, FN, A, B),
#define RC_FD_ONE_(op, K, CT, FN, A, B)                \
	{ .name = #FN,                                 \
	  .len_field = RC_DESC_LEN_##K(A),             \
	  .kind = RC_FK_##K,                           \
	  .size = sizeof(CT),                          \
	  .offset = offsetof(struct rc_args_##op, FN), \
	  .is_signed = RC_IS_SIGNED(CT),               \
	  .a = RC_DESC_A_##K(A),                       \
	  .b = (uint64_t)(B) },
#define RC_FD_ONE_X(op, ...) RC_FD_ONE_(op, __VA_ARGS__)
#define RC_FD_ONE(op, t)     RC_FD_ONE_X(op, RC_FD_EXPAND t)
/* n tuples and the empty argument after the last comma */
#define RC_FD_1(op, e)
#define RC_FD_2(op, t, ...)						RC_FD_ONE(op, t) RC_FD_1(op, __VA_ARGS__)
#define RC_FD_3(op, t, ...)						RC_FD_ONE(op, t) RC_FD_2(op, __VA_ARGS__)
#define RC_FD_4(op, t, ...)						RC_FD_ONE(op, t) RC_FD_3(op, __VA_ARGS__)
#define RC_FD_5(op, t, ...)						RC_FD_ONE(op, t) RC_FD_4(op, __VA_ARGS__)
#define RC_FD_6(op, t, ...)						RC_FD_ONE(op, t) RC_FD_5(op, __VA_ARGS__)
#define RC_FD_7(op, t, ...)						RC_FD_ONE(op, t) RC_FD_6(op, __VA_ARGS__)
#define RC_FD_8(op, t, ...)						RC_FD_ONE(op, t) RC_FD_7(op, __VA_ARGS__)
#define RC_FD_9(op, t, ...)						RC_FD_ONE(op, t) RC_FD_8(op, __VA_ARGS__)
#define RC_FD_10(op, t, ...)						RC_FD_ONE(op, t) RC_FD_9(op, __VA_ARGS__)
#define RC_FD_11(op, t, ...)						RC_FD_ONE(op, t) RC_FD_10(op, __VA_ARGS__)
#define RC_FD_MAX							10
#define RC_FD_NTH(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, N, ...) N
#define RC_FD_COUNT(...)						RC_FD_NTH(__VA_ARGS__, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define RC_FD_CAT_(a, b)						a##b
#define RC_FD_CAT(a, b)							RC_FD_CAT_(a, b)
#define RC_FD_EACH_(op, ...)						RC_FD_CAT(RC_FD_, RC_FD_COUNT(__VA_ARGS__))(op, __VA_ARGS__)
#define RC_FD_EACH(op, list)						RC_FD_EACH_(op, list)
#define RC_COUNT_FIELD(kind, ctype, fname, a, b)			+1

#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)               \
	_Static_assert(0 RC_ARGS_##name(RC_COUNT_FIELD) <= RC_FD_MAX,        \
		       "names.c: raise RC_FD_MAX for " #name);               \
	static const struct rc_field_desc rc_fields_##name[] = { RC_FD_EACH( \
		name, RC_ARGS_##name(RC_FD_TUPLE)) };
#include "ringcall/syscalls.def"
#undef RC_SYSCALL

#define RC_SYSCALL(op, OP, num, tgt, rts, who, doc)  \
	{ .name = #OP,                               \
	  .summary = doc,                            \
	  .opcode = num,                             \
	  .target = RC_TK_##tgt,                     \
	  .impl = RC_IMPL_##who,                     \
	  .rights = rts,                             \
	  .nfields = 0 RC_ARGS_##op(RC_COUNT_FIELD), \
	  .args_size = sizeof(struct rc_args_##op),  \
	  .fields = rc_fields_##op },
const struct rc_op_desc rc_op_descs[RC_OP_COUNT] = {
#include "ringcall/syscalls.def"
};
#undef RC_SYSCALL

const struct rc_op_desc *rc_op_desc(unsigned opcode)
{
	for (unsigned i = 0; i < RC_OP_COUNT; i++)
		if (rc_op_descs[i].opcode == opcode)
			return &rc_op_descs[i];
	return NULL;
}

/* Field fd's value in sqe, sign-extended if its type is signed. */
static uint64_t rc_field_get(const struct rc_sqe *sqe, const struct rc_field_desc *fd)
{
	uint64_t v = 0;

	__builtin_memcpy(&v, sqe->args.raw + fd->offset, fd->size); /* little-endian ABI */
	if (fd->is_signed && fd->size < 8 && (v >> (fd->size * 8 - 1) & 1))
		v |= ~UINT64_C(0) << (fd->size * 8);
	return v;
}

/* Is field fd's value v one decode accepts (scalars; buffers always)? */
static bool rc_field_ok(const struct rc_field_desc *fd, uint64_t v)
{
	switch (fd->kind) {
	case RC_FK_INT:
	case RC_FK_LEN:
		if (fd->is_signed)
			return (int64_t)v >= (int64_t)fd->a && (int64_t)v <= (int64_t)fd->b;
		return v >= fd->a && v <= fd->b;
	case RC_FK_ENUM: return v < fd->a;
	case RC_FK_FLAGS: return !(v & ~fd->a);
	case RC_FK_RSVD: return v == 0;
	default: return true; /* UIN, UOUT: the platform checks the memory */
	}
}

int32_t rc_sqe_check_form(const struct rc_sqe *sqe)
{
	const struct rc_op_desc *d = rc_op_desc(sqe->opcode);

	if (!d || (sqe->flags & ~RC_SQE_FLAGS) || sqe->rsvd0 || sqe->rsvd1 ||
	    (d->target == RC_TK_NONE && sqe->handle))
		return -RC_EINVAL;
	for (unsigned i = d->args_size; i < sizeof(sqe->args); i++)
		if (sqe->args.raw[i])
			return -RC_EINVAL;
	for (unsigned i = 0; i < d->nfields; i++)
		if (!rc_field_ok(&d->fields[i], rc_field_get(sqe, &d->fields[i])))
			return -RC_EINVAL;
	return 0;
}

const char *rc_op_name(unsigned opcode)
{
	const struct rc_op_desc *d = rc_op_desc(opcode);

	return d ? d->name : NULL;
}

const char *rc_err_name(int32_t res)
{
	/* Errors are -4095..-1 (Linux's range); anything else (a forged
	 * INT32_MIN included, whose negation overflows) has no name. */
	if (res >= 0 || res < -4095)
		return NULL;
	switch (-res) {
#define RC_ERR_CASE(name) \
	case RC_##name: return #name;
		RC_ERRORS(RC_ERR_CASE)
#undef RC_ERR_CASE
	}
	return NULL;
}

/* A field's value in decimal, as its C type holds it (size 4 or 8). */
static void sb_value(struct rc_sb *sb, uint64_t v, bool is_signed, unsigned size)
{
	if (is_signed)
		rc_sb_printf(sb, "%lld", size == 4 ? (long long)(int32_t)v : (long long)(int64_t)v);
	else
		rc_sb_printf(sb, "%llu", (unsigned long long)v);
}

static const char *rc_header_field_name(unsigned field)
{
	switch (field) {
	case RC_FIELD_OPCODE: return "opcode";
	case RC_FIELD_FLAGS: return "flags";
	case RC_FIELD_HANDLE: return "handle";
	case RC_FIELD_RSVD: return "reserved bytes";
	}
	return "?";
}

static void rc_explain_field(struct rc_sb *sb, const struct rc_op_desc *d, const struct rc_error *e)
{
	const struct rc_field_desc *f = d && e->field < d->nfields ? &d->fields[e->field] : NULL;
	bool sgn = f && f->is_signed;
	unsigned size = f ? f->size : 8;
	unsigned long long limit = e->limit;

	rc_sb_printf(sb, "%s = ", f ? f->name : rc_header_field_name(e->field));
	if (e->reason == RC_BAD_FAULT || e->reason == RC_BAD_OVERFLOW ||
	    e->field == RC_FIELD_HANDLE)
		rc_sb_printf(sb, "0x%llx",
			     (unsigned long long)e->value); /* an address or a handle */
	else
		sb_value(sb, e->value, sgn, size);
	switch (e->reason) {
	case RC_BAD_RANGE:
		rc_sb_printf(sb, " is outside [");
		sb_value(sb, f ? f->a : 0, sgn, size);
		rc_sb_printf(sb, ", ");
		sb_value(sb, e->limit, sgn, size);
		rc_sb_printf(sb, "]");
		break;
	case RC_BAD_ENUM: rc_sb_printf(sb, " is not below %llu", limit); break;
	case RC_BAD_FLAGS:
	case RC_BAD_SQE_FLAGS: rc_sb_printf(sb, " has bits outside the mask 0x%llx", limit); break;
	case RC_BAD_RESERVED: rc_sb_printf(sb, " is reserved and must be zero"); break;
	case RC_BAD_FAULT:
		rc_sb_printf(sb, " (length %llu) is not inside the caller's memory", limit);
		break;
	case RC_BAD_OVERFLOW: rc_sb_printf(sb, " + length %llu wraps around", limit); break;
	case RC_BAD_HANDLE: rc_sb_printf(sb, " names no open handle of the right type"); break;
	case RC_BAD_RIGHTS: rc_sb_printf(sb, " lacks rights 0x%llx", limit); break;
	case RC_BAD_OPCODE: rc_sb_printf(sb, " is not a known opcode"); break;
	case RC_BAD_RESTRICTED: rc_sb_printf(sb, " is not allowed on this ring"); break;
	case RC_BAD_UNSUPPORTED: rc_sb_printf(sb, " is not implemented by this platform"); break;
	case RC_BAD_NOT_LINKED:
		rc_sb_printf(sb, ": the entry before is not an op with RC_SQE_LINK to bound");
		break;
	}
}

/* The opcodes of mask by name, comma-separated ("none" if empty). */
static void sb_op_list(struct rc_sb *sb, uint64_t mask)
{
	const char *sep = "";

	if (!mask)
		rc_sb_printf(sb, "none");
	for (unsigned op = 0; op < 64; op++) {
		if (!(mask >> op & 1))
			continue;
		if (rc_op_name(op))
			rc_sb_printf(sb, "%s%s", sep, rc_op_name(op));
		else
			rc_sb_printf(sb, "%s%u", sep, op);
		sep = ",";
	}
}

/* A refusal by the platform's policy (RC_BAD_POLICY): what the entry
 * asked, and the rule of this caller's policy that refused it. */
static void rc_explain_policy(struct rc_sb *sb, const struct rc_op_desc *d,
			      const struct rc_error *e)
{
	const struct rc_field_desc *f = d && e->field < d->nfields ? &d->fields[e->field] : NULL;
	unsigned long long value = e->value, limit = e->limit;

	switch (e->rule) {
	case RC_RULE_ALLOW:
		rc_sb_printf(sb,
			     "opcode = %llu is outside this client's allow-list "
			     "(policy rule allow=",
			     value);
		sb_op_list(sb, e->limit);
		rc_sb_printf(sb, ")");
		return;
	case RC_RULE_ROOT:
		rc_sb_printf(sb, "%s leaves this client's root directory (policy rule root)",
			     f ? f->name : "path");
		return;
	case RC_RULE_READ_ONLY:
		if (f)
			rc_sb_printf(sb, f->kind == RC_FK_FLAGS ? "%s = 0x%llx" : "%s = %llu",
				     f->name, value);
		rc_sb_printf(sb, "%sthis client is read-only (policy rule ro)",
			     f ? " asks to modify a file, and " : "");
		return;
	case RC_RULE_MAX_HANDLES:
		rc_sb_printf(sb,
			     "this client has %llu handles open, its limit "
			     "(policy rule max-handles=%llu)",
			     value, limit);
		return;
	case RC_RULE_MAX_INFLIGHT:
		rc_sb_printf(sb,
			     "%s would put %llu bytes in flight, over this client's limit "
			     "(policy rule max-inflight=%llu)",
			     f ? f->name : "length", value, limit);
		return;
	}
	rc_sb_printf(sb, "refused by this client's policy (rule %u)", (unsigned)e->rule);
}

/* Copy the record of rejection seq (the CQE's low 16 bits) into *out if
 * it still holds that rejection of user_data: seqlock-style, the count is
 * read before and after the fields. */
static bool rc_rejection_record(struct rc_ring *r, uint32_t seq, uint64_t user_data,
				struct rc_error *out)
{
	struct rc_error *e = rc_rejection(r->hdr, seq);
	/* Pairs with the engine's store_release of count after the record. */
	uint32_t c1 = rc_load_acquire(&e->count), c2;

	out->user_data = rc_load_relaxed64(&e->user_data);
	out->value = rc_load_relaxed64(&e->value);
	out->limit = rc_load_relaxed64(&e->limit);
	__builtin_memcpy(&out->opcode,
			 &(uint32_t){ rc_load_relaxed((uint32_t *)(void *)&e->opcode) }, 4);
	/* Orders the field loads before the second count load. Pairs with
	 * the engine's fence between zeroing count and rewriting the record. */
	rc_fence_full();
	c2 = rc_load_relaxed(&e->count);
	return c1 && c1 == c2 && (c1 & RC_CQE_F_SEQ_MASK) == seq && out->user_data == user_data;
}

char *rc_explain(struct rc_ring *r, const struct rc_cqe *cqe, char *buf, size_t size)
{
	struct rc_sb sb = { buf, size, 0 };
	struct rc_error e;
	const char *err = rc_err_name(cqe->res);

	if (cqe->res >= 0) {
		rc_sb_printf(&sb, "ok, res = %d", (int)cqe->res);
		return buf;
	}
	if (!(cqe->flags & RC_CQE_F_REJECTED)) {
		rc_sb_printf(&sb, "failed (-"); /* the call ran and failed: no record to tell */
	} else if (rc_rejection_record(r, cqe->flags & RC_CQE_F_SEQ_MASK, cqe->user_data, &e)) {
		const char *op = rc_op_name(e.opcode);

		rc_sb_printf(&sb, "%s: ", op ? op : "opcode");
		if (e.reason == RC_BAD_POLICY)
			rc_explain_policy(&sb, rc_op_desc(e.opcode), &e);
		else
			rc_explain_field(&sb, rc_op_desc(e.opcode), &e);
		rc_sb_printf(&sb, " (-");
	} else {
		rc_sb_printf(&sb,
			     "no record: rejected at decode, but its record was replaced by "
			     "later rejections (the last %u are kept) (-",
			     (unsigned)RC_ERROR_RECORDS);
	}
	rc_sb_printf(&sb, "%s)", err ? err : "E?");
	return buf;
}
