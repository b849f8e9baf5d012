/*
 * decode.h - validation and dispatch, generated from syscalls.def.
 *
 * Decode only checks; invoke may change state (seL4's rule). For each
 * opcode the preprocessor writes one function that checks the SQE header,
 * the target handle and every argument field with the bounds from the
 * table, all as compile-time constants, then calls the handler with the
 * decoded, typed arguments. Nothing is interpreted field by field at run
 * time. A rejection records which field was wrong and why in the ring's
 * last_error, for rc_explain().
 *
 * Included by engine.c, so the compiler can inline it into the loop, and
 * by channel.c with RCE_DECODE_IPC_HERE defined: the IPC ops' functions
 * are generated there, each with its handler inlined (one frame, the
 * decoded arguments in registers rather than a struct passed by
 * address); engine.c's table names them (rce_run_ipc_<op>).
 */
#include "engine_internal.h"

/* Record why an SQE was refused (rule: RC_BAD_POLICY's, else 0); return
 * err. Cold: the fast path never comes here. */
static RCE_COLD int32_t rce_reject_rule(struct rce_ring *r, const struct rc_sqe *s, unsigned field,
					unsigned reason, unsigned rule, uint64_t value,
					uint64_t limit, int32_t err)
{
	uint32_t n = ++r->rejected;
	struct rc_error *e = rc_rejection(r->hdr, n);

	/* A reader seeing a record it already matched change under it
	 * (count 0 or another n) says "no record" instead of mixing two. */
	rc_store_relaxed(&e->count, 0);
	rc_fence_full(); /* the 0 before the new fields; pairs with rc_explain's fence */
	rc_store_relaxed64(&e->user_data, s->user_data);
	rc_store_relaxed64(&e->value, value);
	rc_store_relaxed64(&e->limit, limit);
	rc_store_relaxed((uint32_t *)(void *)&e->opcode,
			 (uint32_t)s->opcode | field << 8 | reason << 16 | rule << 24);
	/* Orders the record above before the count that announces it. */
	rc_store_release(&e->count, n);
	rc_store_relaxed(&r->hdr->rejected, n);
	r->reject_tag = RC_CQE_F_REJECTED | (n & RC_CQE_F_SEQ_MASK); /* for its CQE */
	return err;
}

/* Record why decode rejected an SQE; return err. */
static RCE_COLD int32_t rce_reject(struct rce_ring *r, const struct rc_sqe *s, unsigned field,
				   unsigned reason, uint64_t value, uint64_t limit, int32_t err)
{
	return rce_reject_rule(r, s, field, reason, RC_RULE_NONE, value, limit, err);
}

/* The argument bytes past an op's struct must be zero (room to grow). The
 * ABI is little-endian, so the low bytes of a word come first. */
static inline bool rce_tail_is_zero(const union rc_args *a, size_t used)
{
	uint64_t bits = 0;
	size_t w = used / 8;

	if (used % 8)
		bits = a->words[w++] & (~UINT64_C(0) << (used % 8 * 8));
	for (; w < RC_ARGS_BYTES / 8; w++)
		bits |= a->words[w];
	return bits == 0;
}

static inline bool rce_in_range_s(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static inline bool rce_in_range_u(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v >= lo && v <= hi;
}

/* _Generic's associations read best one per line: */
/* clang-format off */
#define RCE_IN_RANGE(v, lo, hi) _Generic((v),                                    \
	int32_t: rce_in_range_s((int64_t)(v), (int64_t)(lo), (int64_t)(hi)),     \
	int64_t: rce_in_range_s((int64_t)(v), (int64_t)(lo), (int64_t)(hi)),     \
	default: rce_in_range_u((uint64_t)(v), (uint64_t)(lo), (uint64_t)(hi)))
/* clang-format on */

/* Scalar checks (every field but buffers), in table order. */
#define RCE_CHECK_INT(ctype, name, lo, hi)                                               \
	if (!RCE_IN_RANGE(in->name, lo, hi))                                             \
		return rce_reject(r, s, rce_fi_##name, RC_BAD_RANGE, (uint64_t)in->name, \
				  (uint64_t)(hi), -RC_EINVAL);
#define RCE_CHECK_LEN RCE_CHECK_INT
#define RCE_CHECK_ENUM(ctype, name, count, unused)                                               \
	if (in->name >= (count))                                                                 \
		return rce_reject(r, s, rce_fi_##name, RC_BAD_ENUM, (uint64_t)in->name, (count), \
				  -RC_EINVAL);
#define RCE_CHECK_FLAGS(ctype, name, mask, unused)                                               \
	if (in->name & ~(ctype)(mask))                                                           \
		return rce_reject(r, s, rce_fi_##name, RC_BAD_FLAGS, (uint64_t)in->name, (mask), \
				  -RC_EINVAL);
#define RCE_CHECK_RSVD(ctype, name, unused1, unused2)                                          \
	if (in->name)                                                                          \
		return rce_reject(r, s, rce_fi_##name, RC_BAD_RESERVED, (uint64_t)in->name, 0, \
				  -RC_EINVAL);
#define RCE_CHECK_UIN(ctype, name, lenf, unused)
#define RCE_CHECK_UOUT(ctype, name, lenf, unused)
#define RCE_CHECK_SCALAR(kind, ctype, name, a, b) RCE_CHECK_##kind(ctype, name, a, b)

/* Buffer checks, after the lengths are known to be in range: no wrap, and
 * inside the caller's memory (asked of the platform, which changes
 * nothing; its answer, where the buffer can be reached, goes to k for the
 * IPC ops' copies). The address and length are read from the entry's
 * private copy again for the rejection after the platform's check:
 * nothing has to be kept across the call. */
#define RCE_BUF(ctype, name, lenf, write, type)                                                  \
	k.name = NULL;                                                                           \
	if (in->lenf) {                                                                          \
		if (in->name + in->lenf < in->name)                                              \
			return rce_reject(r, s, rce_fi_##name, RC_BAD_OVERFLOW, in->name,        \
					  in->lenf, -RC_EFAULT);                                 \
		k.name = rce_port_user_ptr(r->ctx, in->name, in->lenf, write);                   \
		if (RCE_UNLIKELY(!k.name))                                                       \
			return rce_reject(r, s, rce_fi_##name, RC_BAD_FAULT, in->name, in->lenf, \
					  -RC_EFAULT);                                           \
	}
#define RCE_BUFCHK_UIN(ctype, name, lenf, unused)  RCE_BUF(ctype, name, lenf, 0, rce_uin_t)
#define RCE_BUFCHK_UOUT(ctype, name, lenf, unused) RCE_BUF(ctype, name, lenf, 1, rce_uout_t)
#define RCE_BUFCHK_INT(ctype, name, a, b)
#define RCE_BUFCHK_LEN(ctype, name, a, b)
#define RCE_BUFCHK_ENUM(ctype, name, a, b)
#define RCE_BUFCHK_FLAGS(ctype, name, a, b)
#define RCE_BUFCHK_RSVD(ctype, name, a, b)
#define RCE_CHECK_BUFFER(kind, ctype, name, a, b) RCE_BUFCHK_##kind(ctype, name, a, b)

/* The decoded arguments, every check passed: read from the private copy
 * after the last platform call (none is live across one). */
#define RCE_ASSIGN_INT(ctype, name, u1, u2) a.name = in->name;
#define RCE_ASSIGN_LEN			    RCE_ASSIGN_INT
#define RCE_ASSIGN_ENUM			    RCE_ASSIGN_INT
#define RCE_ASSIGN_FLAGS		    RCE_ASSIGN_INT
#define RCE_ASSIGN_RSVD(ctype, name, u1, u2)
#define RCE_ASSIGN_UIN(ctype, name, lenf, u2) \
	a.name = (rce_uin_t){ .addr = in->name, .len = in->lenf };
#define RCE_ASSIGN_UOUT(ctype, name, lenf, u2) \
	a.name = (rce_uout_t){ .addr = in->name, .len = in->lenf };
#define RCE_ASSIGN(kind, ctype, name, a, b) RCE_ASSIGN_##kind(ctype, name, a, b)

#define RCE_FIELD_INDEX(kind, ctype, name, a, b) rce_fi_##name,

/* The target's object, inline (rce_handle_lookup's checks, for the type
 * and rights decode asks, which are constants): slot index in the table
 * (a low half of 0 wraps to an index past any table), slot of that type
 * (ANY: open), generation matching, every right asked for held; NULL if
 * any fails. Exactly what the out-of-line lookup accepts (test_validate's
 * handles_are_checked refuses each case); a miss asks it why. */
static inline __attribute__((always_inline)) void *rce_target_find(const struct rce_ctx *ctx,
								   uint32_t handle, uint32_t type,
								   uint32_t rights)
{
	uint32_t i = (handle & 0xffff) - 1;
	const struct rce_handle_slot *h;

	if (RCE_UNLIKELY(i >= ctx->max_handles))
		return NULL;
	h = &ctx->handles[i];
	if (RCE_UNLIKELY((type == RCE_TARGET_ANY ? h->type == RCE_HT_NONE : h->type != type) ||
			 (uint32_t)(h->gen & 0x7fff) != handle >> 16 ||
			 (h->rights & rights) != rights))
		return NULL;
	return h->obj;
}

/* Why the target handle was refused: rce_handle_lookup says. Cold. */
static RCE_COLD int32_t rce_reject_target(struct rce_ring *r, const struct rc_sqe *s, uint32_t type,
					  uint32_t rights)
{
	uint8_t reason = RC_BAD_HANDLE;

	(void)rce_handle_lookup(r->ctx, s->handle, type, rights, &reason);
	return rce_reject(r, s, RC_FIELD_HANDLE, reason, s->handle, rights, -RC_EBADF);
}

/* The target handle: none (must be 0), or an open handle of the right type
 * carrying the rights the op needs. */
static inline int32_t rce_check_target(struct rce_ring *r, struct rce_call *c, unsigned type,
				       uint32_t rights)
{
	const struct rc_sqe *s = c->sqe;

	if (type == RCE_TARGET_NONE) {
		if (s->handle)
			return rce_reject(r, s, RC_FIELD_HANDLE, RC_BAD_RESERVED, s->handle, 0,
					  -RC_EINVAL);
		return 0;
	}
	c->target = rce_target_find(r->ctx, s->handle, type, rights);
	if (RCE_UNLIKELY(!c->target))
		return rce_reject_target(r, s, type, rights);
	return 0;
}

#define RCE_INVOKE_ENGINE(name)	  rce_op_##name(c, &a)
#define RCE_INVOKE_PLATFORM(name) r->ctx->ops->name(c, &a)
#define RCE_INVOKE_HOSTED	  RCE_INVOKE_PLATFORM
#define RCE_INVOKE_KERNEL	  RCE_INVOKE_PLATFORM
#define RCE_INVOKE_OTHER	  RCE_INVOKE_PLATFORM
#define RCE_INVOKE_IPC(name)	  rce_op_##name(c, &a, &k) /* channel.c: static, inline */

/* ---- the arguments checked as words ----
 *
 * For each opcode, from the same table: which bits of the argument words
 * (2 to 6 of the entry) must be zero (RSVD fields, FLAGS bits outside the
 * mask, the bytes past the op's struct), then the INT, LEN and ENUM bounds
 * on the fields taken out of the words: a few word operations instead of
 * a test per field (the inline path: rce_inline_check). Arguments that
 * pass are exactly those the field by field checks below (rce_run_<op>)
 * accept; when they fail, those find and record which field is wrong and
 * why. The header, the handle and the buffers are checked apart. */

/* Bits of word w that lie in bytes [lo, hi) of the entry. */
static inline __attribute__((always_inline)) uint64_t rce_span_bits(unsigned w, unsigned lo,
								    unsigned hi)
{
	unsigned a = lo > 8 * w ? lo : 8 * w, b = hi < 8 * w + 8 ? hi : 8 * w + 8;

	if (a >= b)
		return 0;
	return (b - a == 8 ? ~UINT64_C(0) : (UINT64_C(1) << 8 * (b - a)) - 1) << 8 * (a - 8 * w);
}

/* Bits of a field's own value that must be zero, for the kinds checked
 * by mask (the others are checked by range below, buffers not at all). */
#define RCE_ZBITS_RSVD(ctype, a, b)  (~(ctype)0)
#define RCE_ZBITS_FLAGS(ctype, a, b) ((ctype) ~(ctype)(a))
#define RCE_ZBITS_INT(ctype, a, b)   0
#define RCE_ZBITS_LEN(ctype, a, b)   0
#define RCE_ZBITS_ENUM(ctype, a, b)  0
#define RCE_ZBITS_UIN(ctype, a, b)   0
#define RCE_ZBITS_UOUT(ctype, a, b)  0

/* Where a field lies in the words: its word, and its shift in it (fields
 * are naturally aligned, abi.h: none straddles two words). */
#define RCE_FWORD(T, name)	    ((16 + offsetof(T, name)) / 8)
#define RCE_FSHIFT(T, name)	    ((16 + offsetof(T, name)) % 8 * 8)
#define RCE_FVAL(T, ctype, name, x) ((ctype)((x)[RCE_FWORD(T, name) - 2] >> RCE_FSHIFT(T, name)))

#define RCE_ZMASK(kind, ctype, name, a, b) \
	m[RCE_FWORD(T, name)] |= (uint64_t)RCE_ZBITS_##kind(ctype, a, b) << RCE_FSHIFT(T, name);

/* Word i's bits that must be zero but are not: the fields' mask m[i], and
 * the argument bytes past the op's struct (room to grow). */
#define RCE_WBAD(x, m, T, i) ((x)[(i)-2] & (m[i] | rce_span_bits(i, 16 + sizeof(T), 56)))

#define RCE_WRANGE_INT(ctype, name, lo, hi)                     \
	if (!RCE_IN_RANGE(RCE_FVAL(T, ctype, name, x), lo, hi)) \
		return false;
#define RCE_WRANGE_LEN RCE_WRANGE_INT
#define RCE_WRANGE_ENUM(ctype, name, count, unused) \
	if (RCE_FVAL(T, ctype, name, x) >= (count)) \
		return false;
#define RCE_WRANGE_FLAGS(ctype, name, a, b)
#define RCE_WRANGE_RSVD(ctype, name, a, b)
#define RCE_WRANGE_UIN(ctype, name, a, b)
#define RCE_WRANGE_UOUT(ctype, name, a, b)
#define RCE_WRANGE(kind, ctype, name, a, b) RCE_WRANGE_##kind(ctype, name, a, b)

/* rce_words_bad_<op>: the bits of the argument words x (the entry's words
 * 2 to 6) that must be zero and are not; rce_words_in_range_<op>: the
 * bounds. */
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)                                   \
	static inline __attribute__((always_inline))                                             \
	uint64_t rce_words_bad_##name(const uint64_t *x)                                         \
	{                                                                                        \
		typedef struct rc_args_##name T;                                                 \
		uint64_t m[8] = { 0 };                                                           \
                                                                                                 \
		RC_ARGS_##name(RCE_ZMASK) return RCE_WBAD(x, m, T, 2) | RCE_WBAD(x, m, T, 3) |   \
			RCE_WBAD(x, m, T, 4) | RCE_WBAD(x, m, T, 5) | RCE_WBAD(x, m, T, 6);      \
	}                                                                                        \
	static inline                                                                            \
		__attribute__((always_inline)) bool rce_words_in_range_##name(const uint64_t *x) \
	{                                                                                        \
		typedef struct rc_args_##name T;                                                 \
                                                                                                 \
		(void)(T *)0;                                                                    \
		(void)x;                                                                         \
		RC_ARGS_##name(RCE_WRANGE) return true;                                          \
	}                                                                                        \
	enum {                                                                                   \
		rce_target_of_##name = RCE_TARGET_##target                                       \
	};
#include "ringcall/syscalls.def"
#undef RC_SYSCALL

/* One decode-then-invoke function per opcode, each small enough to need
 * almost no register saving. (Checking the arguments as words here, as
 * the inline path does, saved nothing measurable for READ: the handle
 * lookup, the buffer check and the handler's call cost the rest.) The IPC
 * ops' are generated in channel.c (rce_run_ipc_<op>, their handlers
 * inline), the others' here (rce_run_<op>, static). */
#define RCE_RUN_ENGINE(name)	rce_run_##name
#define RCE_RUN_PLATFORM(name)	rce_run_##name
#define RCE_RUN_HOSTED(name)	rce_run_##name
#define RCE_RUN_KERNEL(name)	rce_run_##name
#define RCE_RUN_OTHER(name)	rce_run_##name
#define RCE_RUN_IPC(name)	rce_run_ipc_##name
#define RCE_RUN_STATIC_ENGINE	static
#define RCE_RUN_STATIC_PLATFORM static
#define RCE_RUN_STATIC_HOSTED	static
#define RCE_RUN_STATIC_KERNEL	static
#define RCE_RUN_STATIC_OTHER	static
#define RCE_RUN_STATIC_IPC	/* extern: engine.c's table names it */
#define RCE_RUN_DECL_ENGINE(name)
#define RCE_RUN_DECL_PLATFORM(name)
#define RCE_RUN_DECL_HOSTED(name)
#define RCE_RUN_DECL_KERNEL(name)
#define RCE_RUN_DECL_OTHER(name)
#define RCE_RUN_DECL_IPC(name) int32_t rce_run_ipc_##name(struct rce_ring *r, struct rce_call *c);
#ifdef RCE_DECODE_IPC_HERE /* channel.c: the IPC ops' only */
#define RCE_RUN_HERE_IPC(...) __VA_ARGS__
#define RCE_RUN_HERE_ELSE(...)
#else /* engine.c: all the others */
#define RCE_RUN_HERE_IPC(...)
#define RCE_RUN_HERE_ELSE(...) __VA_ARGS__
#endif
#define RCE_RUN_HERE_ENGINE   RCE_RUN_HERE_ELSE
#define RCE_RUN_HERE_PLATFORM RCE_RUN_HERE_ELSE
#define RCE_RUN_HERE_HOSTED   RCE_RUN_HERE_ELSE
#define RCE_RUN_HERE_KERNEL   RCE_RUN_HERE_ELSE
#define RCE_RUN_HERE_OTHER    RCE_RUN_HERE_ELSE

/* The IPC ops' functions (channel.c), for engine.c's table. */
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RCE_RUN_DECL_##impl(name)
#include "ringcall/syscalls.def"
#undef RC_SYSCALL

#define RCE_RUN_FN(name, NAME, num, target, rights, impl)                                          \
	RCE_RUN_STATIC_##impl int32_t RCE_RUN_##impl(name)(struct rce_ring * r,                    \
							   struct rce_call * c)                    \
	{                                                                                          \
		const struct rc_sqe *s = c->sqe;                                                   \
		const struct rc_args_##name *in = &s->args.name;                                   \
		struct rce_args_##name a;                                                          \
		struct rce_uptrs_##name k; /* the buffers' pointers: the IPC ops use them */       \
		int32_t err;                                                                       \
		enum {                                                                             \
			RC_ARGS_##name(RCE_FIELD_INDEX) rce_fi_end_                                \
		};                                                                                 \
                                                                                                   \
		if (!RCE_OFFERED_##impl(r->ctx->ops, name))                                        \
			return rce_reject(r, s, RC_FIELD_OPCODE, RC_BAD_UNSUPPORTED, num, 0,       \
					  -RC_EOPNOTSUPP);                                         \
		if (!rce_tail_is_zero(&s->args, sizeof(*in)))                                      \
			return rce_reject(r, s, RC_FIELD_RSVD, RC_BAD_RESERVED, 0, 0, -RC_EINVAL); \
		err = rce_check_target(r, c, RCE_TARGET_##target, rights);                         \
		if (err)                                                                           \
			return err;                                                                \
		RC_ARGS_##name(RCE_CHECK_SCALAR) RC_ARGS_##name(RCE_CHECK_BUFFER)                  \
			RC_ARGS_##name(RCE_ASSIGN)(void) err;                                      \
		(void)k;                                                                           \
		return RCE_INVOKE_##impl(name);                                                    \
	}
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	RCE_RUN_HERE_##impl(RCE_RUN_FN(name, NAME, num, target, rights, impl))
#include "ringcall/syscalls.def"
#undef RC_SYSCALL

#ifndef RCE_DECODE_IPC_HERE /* the rest is engine.c's */

/* Which header check failed (cold: the fast path tests them all at once). */
static RCE_COLD int32_t rce_reject_header(struct rce_ring *r, const struct rc_sqe *s)
{
	unsigned op = s->opcode;

	if (s->flags & ~RC_SQE_FLAGS)
		return rce_reject(r, s, RC_FIELD_FLAGS, RC_BAD_SQE_FLAGS, s->flags, RC_SQE_FLAGS,
				  -RC_EINVAL);
	if (s->rsvd0 | s->rsvd1)
		return rce_reject(r, s, RC_FIELD_RSVD, RC_BAD_RESERVED,
				  s->rsvd0 ? s->rsvd0 : s->rsvd1, 0, -RC_EINVAL);
	if (op >= 64 || !((RC_OPS_ALL >> op) & 1))
		return rce_reject(r, s, RC_FIELD_OPCODE, RC_BAD_OPCODE, op, 0, -RC_EINVAL);
	if (!((r->policy_allowed >> op) & 1)) /* the platform's rule, not the ring's RESTRICT */
		return rce_reject_rule(r, s, RC_FIELD_OPCODE, RC_BAD_POLICY, RC_RULE_ALLOW, op,
				       r->policy_allowed, -RC_EACCES);
	return rce_reject(r, s, RC_FIELD_OPCODE, RC_BAD_RESTRICTED, op, r->allowed, -RC_EACCES);
}

/* Bits of an SQE's first word (little-endian: opcode, flags, rsvd0,
 * handle) that must be zero: opcode >= 64, unknown flags, rsvd0. */
#define RCE_WORD0_BAD \
	(UINT64_C(0xc0) | ((uint64_t)(0xffu & ~RC_SQE_FLAGS) << 8) | (UINT64_C(0xffff) << 16))

/* Check what every SQE shares, then hand it to its opcode's function. The
 * header is tested as two words at once; the allowed mask is a subset of
 * the table's, so one bit test rejects unknown and restricted opcodes. */
static inline int32_t rce_decode_and_invoke(struct rce_ring *r, struct rce_call *c)
{
	const struct rc_sqe *s = c->sqe;
	uint64_t word0, word7;
	unsigned op = s->opcode;

	static int32_t (*const run[64])(struct rce_ring *, struct rce_call *) = {
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) [num] = RCE_RUN_##impl(name),
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
	};

	__builtin_memcpy(&word0, s, 8);
	__builtin_memcpy(&word7, (const char *)s + 56, 8);
	if (RCE_UNLIKELY((word0 & RCE_WORD0_BAD) | (uint32_t)word7 ||
			 !((r->allowed >> (op & 63)) & 1)))
		return rce_reject_header(r, s);
	return run[op](r, c); /* non-NULL: allowed is a subset of the table */
}

/* The inline op: checked and run by the take loop itself, its CQE posted
 * there, with no call and no request. Its handler must be a pure function
 * of its arguments (never parks, posts nothing else, touches no state),
 * and it takes no handle, so that its whole word 0 is one constant:
 * the opcode, no flags, rsvd0 and handle zero. */
#define RCE_INLINE_OPCODE RC_OP_NOP
#define RCE_INLINE_WORD0  ((uint64_t)RC_OP_NOP)
_Static_assert(rce_target_of_nop == RCE_TARGET_NONE && RC_OP_NOP < 64,
	       "the inline op's word 0 is its opcode alone");

/* Does the entry hold the inline op, valid? Word 0 whole, rsvd1 (word 7's
 * low half; seq, the high half, is not checked), then its arguments. */
static inline __attribute__((always_inline)) bool rce_inline_check(const struct rce_words *w)
{
	return !((w->w[0] ^ RCE_INLINE_WORD0) | (uint32_t)w->w[7] /* rsvd1 */ |
		 rce_words_bad_nop(&w->w[2])) &&
	       rce_words_in_range_nop(&w->w[2]);
}

/* Its result (the words passed rce_inline_check). */
static inline __attribute__((always_inline)) int32_t rce_inline_run(const struct rce_words *w)
{
	typedef struct rc_args_nop T;
	struct rce_args_nop a = { .res = RCE_FVAL(T, int32_t, res, &w->w[2]) };

	return rce_op_nop(NULL, &a);
}

#endif /* !RCE_DECODE_IPC_HERE */
