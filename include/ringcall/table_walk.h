/*
 * table_walk.h - build valid and invalid SQEs from the table's field
 * descriptors (table.h): what the validation tests of every platform, and
 * any fuzzer or generator, need to cover each field of each syscall
 * without naming them. Freestanding, header-only.
 */
#ifndef RINGCALL_TABLE_WALK_H
#define RINGCALL_TABLE_WALK_H

#include "ringcall.h"
#include "table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Store v into field fd of sqe's argument area (the ABI is little-endian). */
static inline void rc_field_put(struct rc_sqe *sqe, const struct rc_field_desc *fd, uint64_t v)
{
	__builtin_memcpy(sqe->args.raw + fd->offset, &v, fd->size);
}

/* The largest value fd's C type holds. */
static inline uint64_t rc_field_type_max(const struct rc_field_desc *fd)
{
	uint64_t umax = fd->size == 8 ? UINT64_MAX : (UINT64_C(1) << (fd->size * 8)) - 1;

	return fd->is_signed ? umax >> 1 : umax;
}

/* The LEN field that gives buffer field buf its size, or NULL. */
static inline const struct rc_field_desc *rc_field_len_of(const struct rc_op_desc *d,
							  const struct rc_field_desc *buf)
{
	for (unsigned i = 0; i < d->nfields; i++) {
		const char *a = d->fields[i].name, *b = buf->len_field;

		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return &d->fields[i];
	}
	return NULL;
}

/* A valid entry for op d: every field at a value its kind accepts, buffers
 * at buf (which must be valid memory of the caller for the largest LEN),
 * the target handle (used only if the op takes one). */
static inline void rc_sqe_baseline(const struct rc_op_desc *d, struct rc_sqe *sqe, uint32_t handle,
				   const void *buf)
{
	rc_sqe_init(sqe, d->opcode, d->target == RC_TK_NONE ? 0 : handle);
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct rc_field_desc *fd = &d->fields[i];

		switch (fd->kind) {
		case RC_FK_INT:
		case RC_FK_LEN:
			rc_field_put(sqe, fd, fd->a > 0 || !fd->is_signed ? fd->a : 0);
			if (fd->kind == RC_FK_LEN && fd->a == 0 && fd->b > 0)
				rc_field_put(sqe, fd, 1);
			break;
		case RC_FK_UIN:
		case RC_FK_UOUT: rc_field_put(sqe, fd, (uintptr_t)buf); break;
		default: rc_field_put(sqe, fd, 0);
		}
	}
}

/* One way to break a field, and how decode must answer it. */
struct rc_breakage {
	uint64_t value;
	int32_t err;
	uint8_t reason; /* enum rc_bad_reason */
	bool set_len;	/* buffers: also set its LEN field to the maximum */
};

/* A breakage (no compound literal: the header is C++ too). */
static inline struct rc_breakage rc_breakage_of(uint64_t value, uint8_t reason)
{
	struct rc_breakage b;

	b.value = value;
	b.err = -RC_EINVAL;
	b.reason = reason;
	b.set_len = false;
	return b;
}

/* The ways to break a scalar field (every kind but UIN/UOUT, whose bad
 * addresses depend on the platform's memory); returns how many (<= 3). */
static inline unsigned rc_field_scalar_breakages(const struct rc_field_desc *fd,
						 struct rc_breakage *out)
{
	unsigned n = 0;

	switch (fd->kind) {
	case RC_FK_INT:
	case RC_FK_LEN:
		if (fd->b < rc_field_type_max(fd))
			out[n++] = rc_breakage_of(fd->b + 1, RC_BAD_RANGE);
		if (fd->a > 0 && !fd->is_signed)
			out[n++] = rc_breakage_of(fd->a - 1, RC_BAD_RANGE);
		if (fd->is_signed && (int64_t)fd->a > -(int64_t)rc_field_type_max(fd) - 1)
			out[n++] = rc_breakage_of(fd->a - 1, RC_BAD_RANGE);
		break;
	case RC_FK_ENUM: out[n++] = rc_breakage_of(fd->a, RC_BAD_ENUM); break;
	case RC_FK_FLAGS:
		for (unsigned bit = 0; bit < fd->size * 8u; bit++)
			if (!(fd->a >> bit & 1)) {
				out[n++] = rc_breakage_of(UINT64_C(1) << bit, RC_BAD_FLAGS);
				break;
			}
		break;
	case RC_FK_RSVD: out[n++] = rc_breakage_of(1, RC_BAD_RESERVED); break;
	default: break;
	}
	return n;
}

#define RC_BREAKAGES_MAX 8 /* a platform's breakages of one field, at most */

/* Breakage b of field fd of op d as an entry: the baseline with fd set to
 * b->value (and fd's LEN field at its maximum when b->set_len). */
static inline void rc_sqe_broken(const struct rc_op_desc *d, const struct rc_field_desc *fd,
				 const struct rc_breakage *b, struct rc_sqe *sqe, uint32_t handle,
				 const void *buf)
{
	rc_sqe_baseline(d, sqe, handle, buf);
	rc_field_put(sqe, fd, b->value);
	if (b->set_len) {
		const struct rc_field_desc *len = rc_field_len_of(d, fd);

		rc_field_put(sqe, len, len->b);
	}
}

/* Every breakage of every field of op d: breakages() lists the platform's
 * ways to break a field (rc_field_scalar_breakages plus its bad buffers, at
 * most RC_BREAKAGES_MAX), visit() submits one (rc_sqe_broken builds it).
 * Returns how many were visited. */
static inline unsigned rc_op_walk_breakages(const struct rc_op_desc *d,
					    unsigned (*breakages)(const struct rc_field_desc *fd,
								  struct rc_breakage *out),
					    void (*visit)(void *ctx, const struct rc_op_desc *d,
							  unsigned field,
							  const struct rc_breakage *b),
					    void *ctx)
{
	unsigned visited = 0;

	for (unsigned fi = 0; fi < d->nfields; fi++) {
		struct rc_breakage b[RC_BREAKAGES_MAX];
		unsigned nb = breakages(&d->fields[fi], b);

		for (unsigned k = 0; k < nb; k++, visited++)
			visit(ctx, d, fi, &b[k]);
	}
	return visited;
}

#ifdef __cplusplus
}
#endif

#endif
