/*
 * trace.c - an SQE in words, decoded from the table (table.h): what a
 * tracer prints. Freestanding: formats with lib/fmt.c.
 */
#include "ringcall/fmt.h"
#include "ringcall/table.h"

/* A field's value as its C type holds it: sign-extended when signed. */
static void tb_field(struct rc_sb *b, const struct rc_field_desc *f, const struct rc_sqe *sqe)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < f->size; i++) /* the ABI is little-endian */
		v |= (uint64_t)sqe->args.raw[f->offset + i] << (8 * i);
	if (f->kind == RC_FK_UIN || f->kind == RC_FK_UOUT || f->kind == RC_FK_FLAGS) {
		rc_sb_printf(b, "0x%llx", (unsigned long long)v);
	} else if (f->is_signed && (v >> (f->size * 8 - 1) & 1)) {
		uint64_t mag = f->size == 8 ? (uint64_t)0 - v : ((uint64_t)1 << (f->size * 8)) - v;

		rc_sb_printf(b, "-%llu", (unsigned long long)mag);
	} else {
		rc_sb_printf(b, "%llu", (unsigned long long)v);
	}
}

static const char *rc_sqe_flag_names[] = { "LINK", "DRAIN", "SKIP_SUCCESS" };

char *rc_format_sqe(const struct rc_sqe *sqe, char *buf, size_t size)
{
	struct rc_sb b = { buf, size, 0 };
	const struct rc_op_desc *d = rc_op_desc(sqe->opcode);
	const char *sep = "";

	if (!d) {
		rc_sb_printf(&b, "opcode %u(handle=%u)", (unsigned)sqe->opcode,
			     (unsigned)sqe->handle);
		return buf;
	}
	rc_sb_printf(&b, "%s(", d->name);
	if (d->target != RC_TK_NONE || sqe->handle) {
		rc_sb_printf(&b, "handle=%u", (unsigned)sqe->handle);
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
		rc_sb_printf(&b, "%s%s=", sep, f->name);
		tb_field(&b, f, sqe);
		sep = ", ";
	}
	rc_sb_printf(&b, ")");
	if (sqe->flags) {
		sep = " [";
		for (unsigned bit = 0; bit < 8; bit++) {
			if (!(sqe->flags >> bit & 1))
				continue;
			if (bit < sizeof(rc_sqe_flag_names) / sizeof(rc_sqe_flag_names[0]))
				rc_sb_printf(&b, "%s%s", sep, rc_sqe_flag_names[bit]);
			else
				rc_sb_printf(&b, "%s0x%x", sep, 1u << bit);
			sep = "|";
		}
		rc_sb_printf(&b, "]");
	}
	return buf;
}
