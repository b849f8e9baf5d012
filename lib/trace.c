/*
 * trace.c - an SQE in words, decoded from the table (table.h): what a
 * tracer prints. Freestanding: formats with its own small helpers.
 */
#include "ringcall/table.h"
#include "strbuf.h"

/* A field's value as its C type holds it: sign-extended when signed. */
static void tb_field(struct rc_sb *b, const struct rc_field_desc *f, const struct rc_sqe *sqe)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < f->size; i++) /* the ABI is little-endian */
		v |= (uint64_t)sqe->args.raw[f->offset + i] << (8 * i);
	if (f->kind == RC_FK_UIN || f->kind == RC_FK_UOUT || f->kind == RC_FK_FLAGS) {
		sb_u64(b, v, 16);
	} else if (f->is_signed && (v >> (f->size * 8 - 1) & 1)) {
		uint64_t mag = f->size == 8 ? (uint64_t)0 - v : ((uint64_t)1 << (f->size * 8)) - v;

		sb_str(b, "-");
		sb_u64(b, mag, 10);
	} else {
		sb_u64(b, v, 10);
	}
}

static const char *rc_sqe_flag_names[] = { "LINK", "DRAIN", "SKIP_SUCCESS" };

char *rc_format_sqe(const struct rc_sqe *sqe, char *buf, size_t size)
{
	struct rc_sb b = { buf, size, 0 };
	const struct rc_op_desc *d = rc_op_desc(sqe->opcode);
	const char *sep = "";

	sb_str(&b, "");
	if (!d) {
		sb_str(&b, "opcode ");
		sb_u64(&b, sqe->opcode, 10);
		sb_str(&b, "(handle=");
		sb_u64(&b, sqe->handle, 10);
		sb_str(&b, ")");
		return buf;
	}
	sb_str(&b, d->name);
	sb_str(&b, "(");
	if (d->target != RC_TK_NONE || sqe->handle) {
		sb_str(&b, "handle=");
		sb_u64(&b, sqe->handle, 10);
		sep = ", ";
	}
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct rc_field_desc *f = &d->fields[i];

		if (f->kind == RC_FK_RSVD) { /* shown only when someone set it */
			uint64_t v = 0;

			for (unsigned k = 0; k < f->size; k++)
				v |= sqe->args.raw[f->offset + k];
			if (!v)
				continue;
		}
		sb_str(&b, sep);
		sb_str(&b, f->name);
		sb_str(&b, "=");
		tb_field(&b, f, sqe);
		sep = ", ";
	}
	sb_str(&b, ")");
	if (sqe->flags) {
		sep = " [";
		for (unsigned bit = 0; bit < 8; bit++) {
			if (!(sqe->flags >> bit & 1))
				continue;
			sb_str(&b, sep);
			if (bit < sizeof(rc_sqe_flag_names) / sizeof(rc_sqe_flag_names[0]))
				sb_str(&b, rc_sqe_flag_names[bit]);
			else
				sb_u64(&b, 1u << bit, 16);
			sep = "|";
		}
		sb_str(&b, "]");
	}
	return buf;
}
