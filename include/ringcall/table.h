/*
 * table.h - syscalls.def as data: names, field kinds and bounds, for
 * diagnostics (rc_explain), for tests that walk every field of every
 * syscall, and for tools. The engine does not use it: its checks are
 * compiled per opcode (lib/decode.h).
 */
#ifndef RINGCALL_TABLE_H
#define RINGCALL_TABLE_H

#include <stdbool.h>
#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rc_field_kind {
	RC_FK_INT,
	RC_FK_ENUM,
	RC_FK_FLAGS,
	RC_FK_LEN,
	RC_FK_UIN,
	RC_FK_UOUT,
	RC_FK_RSVD
};
enum rc_target_kind {
	RC_TK_NONE,
	RC_TK_ANY,
	RC_TK_FILE,
	RC_TK_CHANNEL
};
enum rc_impl {
	RC_IMPL_ENGINE,
	RC_IMPL_PLATFORM,
	RC_IMPL_HOSTED,
	RC_IMPL_KERNEL,
	RC_IMPL_OTHER,
	RC_IMPL_IPC
};

struct rc_field_desc {
	const char *name;
	const char *len_field; /* UIN/UOUT: the field holding the length */
	uint8_t kind;	       /* enum rc_field_kind */
	uint8_t size;	       /* bytes */
	uint8_t offset;	       /* within the argument area */
	bool is_signed;
	uint64_t a, b; /* the bounds, as in syscalls.def (two's complement) */
};

struct rc_op_desc {
	const char *name; /* "READ" */
	const char *summary;
	uint8_t opcode;
	uint8_t target; /* enum rc_target_kind */
	uint8_t impl;	/* enum rc_impl: who runs it */
	uint8_t nfields;
	uint8_t args_size; /* sizeof its argument struct: the bytes after it must be zero */
	uint32_t rights;
	const struct rc_field_desc *fields;
};

/* The description of opcode, or NULL if it is not in the table. */
const struct rc_op_desc *rc_op_desc(unsigned opcode);
/* sqe in words, decoded from the table, as a tracer prints it:
 * "READ(handle=3, buf=0x7f0000001000, len=4096, offset=0) [LINK]".
 * Buffers and flags in hex; reserved fields only when not zero; an opcode
 * not in the table as "opcode 99(handle=0)". Writes at most size bytes,
 * NUL-terminated; returns buf. */
char *rc_format_sqe(const struct rc_sqe *sqe, char *buf, size_t size);
/* Is sqe's form one every platform's decode accepts, as far as the table
 * alone can tell: a known opcode, known flags, reserved words and unused
 * argument bytes zero, no handle for an op that takes none, and every
 * scalar field in its range? 0, or -RC_EINVAL as decode answers. Handles,
 * rights and buffers' memory are the platform's to check. For a library
 * that forwards an entry elsewhere (the kernel's file ops: user/lib/rfile.c)
 * and must refuse what the platform it stands in for would refuse. */
int32_t rc_sqe_check_form(const struct rc_sqe *sqe);

/* Every described opcode, in table order: complete constants (fields
 * included), readable from any thread and from freestanding code. */
extern const struct rc_op_desc rc_op_descs[RC_OP_COUNT];

#ifdef __cplusplus
}
#endif

#endif
