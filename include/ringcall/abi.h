/*
 * abi.h - the ringcall shared-memory ABI (version 4).
 *
 * One region holds a header, the submission queue (SQ, an array of 64-byte
 * entries) and the completion queue (CQ, an array of 16-byte entries). The
 * user owns the SQ tail and the CQ head; the engine (the kernel side) owns
 * the SQ head and the CQ tail. Indices run freely as u32 and are masked on
 * use, so tail - head is the fill level across the 2^32 wrap.
 *
 * This header is the contract: every size and offset is pinned with
 * static_assert, and docs/abi.md describes the same layout. It is
 * freestanding (no libc) and shared by the engine and the user library.
 */
#ifndef RINGCALL_ABI_H
#define RINGCALL_ABI_H

#include <stddef.h>
#include <stdint.h>

#define RC_ABI_MAGIC   0x52435231u /* "RCR1" as a number; in memory (LE) "1RCR" */
#define RC_ABI_VERSION 4u

/* ---- error numbers: the one vocabulary (docs/abi.md section 8) ----
 * A result < 0 is -RC_E*, on every platform: the engine, the kernel and the
 * hosted server (which maps Linux errnos onto these in one place, anything
 * else becoming -RC_EIO). The numbers are Linux's, so a Linux-hosted
 * platform maps most of them to themselves. rc_err_name names each. */
#define RC_EPERM	1   /* operation not permitted */
#define RC_ENOENT	2   /* no such file or program */
#define RC_ESRCH	3   /* no such process */
#define RC_EINTR	4   /* interrupted: the caller is being killed */
#define RC_EIO		5   /* I/O error, or a platform error with no name here */
#define RC_ENXIO	6   /* no such device or address */
#define RC_E2BIG	7   /* argument list too long */
#define RC_ENOEXEC	8   /* not an executable */
#define RC_EBADF	9   /* bad handle */
#define RC_ECHILD	10  /* no such child */
#define RC_EAGAIN	11  /* try again (a limit reached, NOHANG) */
#define RC_ENOMEM	12  /* out of memory */
#define RC_EACCES	13  /* not allowed (RESTRICT, file permissions) */
#define RC_EFAULT	14  /* bad user buffer */
#define RC_EBUSY	16  /* busy (the backlog is full) */
#define RC_EEXIST	17  /* exists */
#define RC_EXDEV	18  /* path leaves the root */
#define RC_ENODEV	19  /* no such device */
#define RC_ENOTDIR	20  /* a path component is not a directory */
#define RC_EISDIR	21  /* is a directory */
#define RC_EINVAL	22  /* invalid argument */
#define RC_ENFILE	23  /* too many open files in the system */
#define RC_EMFILE	24  /* handle table full */
#define RC_ETXTBSY	26  /* text file busy */
#define RC_EFBIG	27  /* file too large */
#define RC_ENOSPC	28  /* no space left */
#define RC_ESPIPE	29  /* not seekable */
#define RC_EROFS	30  /* read-only file system */
#define RC_EMLINK	31  /* too many links */
#define RC_EPIPE	32  /* broken pipe */
#define RC_EDEADLK	35  /* would wait forever */
#define RC_ENAMETOOLONG 36  /* name too long */
#define RC_ENOSYS	38  /* no such system call */
#define RC_ENOTEMPTY	39  /* directory not empty */
#define RC_ELOOP	40  /* too many symbolic links */
#define RC_ETIME	62  /* TIMEOUT expired */
#define RC_EOVERFLOW	75  /* value too large */
#define RC_EOPNOTSUPP	95  /* not offered by this platform */
#define RC_ENOBUFS	105 /* no buffer space: the provided buffers ran out */
#define RC_ETIMEDOUT	110 /* timed out */
#define RC_EALREADY	114 /* already done */
#define RC_EDQUOT	122 /* quota exceeded */
#define RC_ECANCELED	125 /* cancelled */

/* Every RC_E* name above, once: rc_err_name and the hosted errno map are
 * generated from it. */
/* A list, one X per name: */
/* clang-format off */
#define RC_ERRORS(X) X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) \
	X(ENOEXEC) X(EBADF) X(ECHILD) X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY)    \
	X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE)   \
	X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDEADLK)    \
	X(ENAMETOOLONG) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ETIME) X(EOVERFLOW)             \
	X(EOPNOTSUPP) X(ENOBUFS) X(ETIMEDOUT) X(EALREADY) X(EDQUOT) X(ECANCELED)
/* clang-format on */

/* ---- constants the syscall table refers to ---- */
#define RC_RIGHT_READ	  (1u << 0)
#define RC_RIGHT_WRITE	  (1u << 1)
#define RC_RIGHT_SEND	  (1u << 2) /* CHANNEL_SEND on this endpoint */
#define RC_RIGHT_RECV	  (1u << 3) /* CHANNEL_RECV on this endpoint */
#define RC_RIGHT_TRANSFER (1u << 4) /* the handle may move in a message */
#define RC_RIGHT_DUP	  (1u << 5) /* HANDLE_DUP may copy it */
#define RC_CHANNEL_RIGHTS (RC_RIGHT_SEND | RC_RIGHT_RECV | RC_RIGHT_TRANSFER | RC_RIGHT_DUP)

/* Channels (docs/abi.md "Channels"): a message is up to RC_CHANNEL_MSG_MAX
 * bytes and RC_CHANNEL_HANDLES_MAX handles; each endpoint queues at most
 * RC_CHANNEL_QUEUE_MAX messages before senders park (or get -EAGAIN). */
#define RC_CHANNEL_MSG_MAX     4096u
#define RC_CHANNEL_HANDLES_MAX 4u
#define RC_CHANNEL_QUEUE_MAX   64u
#define RC_CHANNEL_NOWAIT      (1u << 0) /* -EAGAIN instead of parking */
/* REPLY: buf begins with an int32 result, the caller's CQE res (a negative
 * one fails the call); the len - 4 bytes after it are the reply's bytes. */
#define RC_CHANNEL_REPLY_RES (1u << 0)
#define RC_CHANNEL_MULTISHOT \
	(1u << 1) /* RECV: stay armed, one CQE per message, into provided buffers */
#define RC_CHANNEL_GROUP(g)    ((uint32_t)(g) << 8) /* RECV MULTISHOT: its buffer group */
#define RC_CHANNEL_GROUP_OF(f) (((f) >> 8) & 7u)
#define RC_CHANNEL_RECV_FLAGS  (RC_CHANNEL_NOWAIT | RC_CHANNEL_MULTISHOT | RC_CHANNEL_GROUP(7))
#define RC_CHANNEL_CALLS_MAX   256u /* calls awaiting a reply, per endpoint */
#define RC_CHANNEL_PAIR_SIZE   8u   /* struct rc_channel_pair */
#define RC_CHANNEL_INFO_SIZE   32u  /* struct rc_channel_info */
/* Provided buffers (PROVIDE_BUFFERS, for multishot receives): per ring,
 * RC_PBUF_GROUPS groups, each a FIFO of at most RC_PBUF_RUNS runs of
 * buffers (a run: consecutive buffers of one size with consecutive ids). */
#define RC_PBUF_GROUPS	    8u
#define RC_PBUF_RUNS	    128u
#define RC_PBUF_REGION_MAX  (1u << 28)		 /* bytes given by one PROVIDE_BUFFERS */
#define RC_PBUF_LEN_MIN	    RC_CHANNEL_INFO_SIZE /* a buffer holds the info header at least */
#define RC_PBUF_LEN_MAX	    (RC_CHANNEL_INFO_SIZE + RC_CHANNEL_MSG_MAX)
#define RC_CHANNEL_NAME_MAX 64u /* CHANNEL_PUBLISH/CONNECT names (hosted) */

#define RC_ACCESS_RDONLY 0u
#define RC_ACCESS_WRONLY 1u
#define RC_ACCESS_RDWR	 2u
#define RC_ACCESS_COUNT	 3u

#define RC_OPEN_CREATE (1u << 0)
#define RC_OPEN_TRUNC  (1u << 1)
#define RC_OPEN_APPEND (1u << 2)
#define RC_OPEN_EXCL   (1u << 3)
/* The path must name a directory (-ENOTDIR), opened for READDIR: access
 * RDONLY and no other flag (-EINVAL). */
#define RC_OPEN_DIRECTORY (1u << 4)
#define RC_OPEN_FLAGS \
	(RC_OPEN_CREATE | RC_OPEN_TRUNC | RC_OPEN_APPEND | RC_OPEN_EXCL | RC_OPEN_DIRECTORY)

/* ---- READDIR's entries (docs/abi.md "READDIR") ----
 * A READDIR fills its buffer with whole entries, one after another, each
 * a struct rc_dirent, then its name, then zero bytes up to reclen (at least
 * one: the name is NUL-terminated too); reclen is a multiple of 8, so each
 * entry is 8-byte aligned. Entries come sorted by name (bytes compared as
 * unsigned, a prefix first), "." and ".." left out, on every platform. */
#define RC_DT_FILE  1u	 /* a regular file */
#define RC_DT_DIR   2u	 /* a directory */
#define RC_DT_OTHER 3u	 /* anything else (a symlink, a device, ...) */
#define RC_NAME_MAX 255u /* bytes in one name */

struct rc_dirent {
	uint64_t size;	   /* RC_DT_FILE: its bytes; else 0 */
	uint32_t reclen;   /* bytes of this entry: RC_DIRENT_LEN(name_len) */
	uint16_t name_len; /* bytes of the name, the NUL not counted */
	uint8_t type;	   /* RC_DT_* */
	uint8_t rsvd;	   /* zero */
			   /* the name follows: name_len bytes, then 1 to 8 zero bytes */
};
/* The bytes of an entry whose name has n bytes; the most any entry takes. */
#define RC_DIRENT_LEN(n) ((16u + (uint32_t)(n) + 8u) & ~7u)
#define RC_DIRENT_MAX	 RC_DIRENT_LEN(RC_NAME_MAX)

#define RC_TIMEOUT_ABS	  (1u << 0) /* ns is an absolute time on the engine clock */
#define RC_TIMEOUT_MAX_NS (UINT64_C(1) << 62)
#define RC_CANCEL_ALL	  (1u << 0) /* cancel every match, not just the first */

#define RC_PATH_MAX    4096u
#define RC_IO_MAX      (1u << 20)
#define RC_CONSOLE_MAX 4096u

/* ---- the opcode enum and one argument struct per syscall ---- */
#define RC_FIELD_MEMBER(kind, ctype, name, a, b)	       ctype name;
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RC_OP_##NAME = num,
enum rc_opcode {
#include "syscalls.def"
};
#undef RC_SYSCALL

#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) \
	struct rc_args_##name {                                \
		RC_ARGS_##name(RC_FIELD_MEMBER)                \
	};
#include "syscalls.def"
#undef RC_SYSCALL

#define RC_ARGS_BYTES					       40
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) +1
enum {
	RC_OP_COUNT = 0
#include "syscalls.def"
};
#undef RC_SYSCALL

/* Every opcode in the table, as a constant u64 bit mask (the RESTRICT and
 * PROBE masks), assembled from four 16-bit enums so it stays a constant
 * expression. */
#define RC_OPBIT(num, part)				       | ((num) / 16 == (part) ? 1u << ((num) % 16) : 0u)
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RC_OPBIT(num, 0)
enum {
	RC_OPS_MASK0 = 0
#include "syscalls.def"
};
#undef RC_SYSCALL
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RC_OPBIT(num, 1)
enum {
	RC_OPS_MASK1 = 0
#include "syscalls.def"
};
#undef RC_SYSCALL
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RC_OPBIT(num, 2)
enum {
	RC_OPS_MASK2 = 0
#include "syscalls.def"
};
#undef RC_SYSCALL
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) RC_OPBIT(num, 3)
enum {
	RC_OPS_MASK3 = 0
#include "syscalls.def"
};
#undef RC_SYSCALL
#define RC_OPS_ALL                                                                              \
	((uint64_t)RC_OPS_MASK0 | (uint64_t)RC_OPS_MASK1 << 16 | (uint64_t)RC_OPS_MASK2 << 32 | \
	 (uint64_t)RC_OPS_MASK3 << 48)

/* ---- submission entry: 64 bytes ---- */
#define RC_SQE_LINK	    (1u << 0) /* next entry runs only if this one succeeds */
#define RC_SQE_DRAIN	    (1u << 1) /* start only when everything before has completed */
#define RC_SQE_SKIP_SUCCESS (1u << 2) /* post no CQE if this one succeeds */
#define RC_SQE_FLAGS	    (RC_SQE_LINK | RC_SQE_DRAIN | RC_SQE_SKIP_SUCCESS)

union rc_args {
	uint8_t raw[RC_ARGS_BYTES];
	uint64_t words[RC_ARGS_BYTES / 8];
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc) struct rc_args_##name name;
#include "syscalls.def"
#undef RC_SYSCALL
};

struct rc_sqe {
	uint8_t opcode;	    /* RC_OP_* */
	uint8_t flags;	    /* RC_SQE_* */
	uint16_t rsvd0;	    /* must be zero */
	uint32_t handle;    /* target handle; 0 when the op takes none */
	uint64_t user_data; /* copied to the CQE untouched */
	union rc_args args; /* one struct per opcode; unused bytes zero */
	uint32_t rsvd1;	    /* must be zero */
	uint32_t seq;	    /* SQ index + 1, stored last with release: a polling
			       engine sees a new entry by reading the entry */
};

/* ---- completion entry: 16 bytes ---- */
#define RC_CQE_F_PHASE (1u << 31) /* flips each lap of the CQ, as NVMe's phase bit */
#define RC_CQE_F_REJECTED \
	(1u << 30) /* refused with a record, at decode or by the platform's
					policy (the entry did nothing): the low 16 bits are
					its rejection number, naming its record (rc_explain) */
#define RC_CQE_F_SEQ_MASK 0xffffu
#define RC_CQE_F_BUFFER	  (1u << 29) /* a provided buffer was used: its id is in the low 16 bits */
#define RC_CQE_F_MORE	  (1u << 28) /* the request stays armed: more CQEs will come */
#define RC_CQE_F_BID_MASK 0xffffu

/* The buffer id a CQE names, or -1 if it carries none. */
static inline int32_t rc_cqe_buffer_id(uint32_t cqe_flags)
{
	return (cqe_flags & RC_CQE_F_BUFFER) ? (int32_t)(cqe_flags & RC_CQE_F_BID_MASK) : -1;
}

struct rc_cqe {
	uint64_t user_data; /* from the SQE */
	int32_t res;	    /* >= 0 result, or a negative RC_E* value */
	uint32_t flags;	    /* RC_CQE_F_*; PHASE is stored last with release */
};

/* ---- channels ---- */
struct rc_channel_pair { /* CHANNEL_CREATE's answer */
	uint32_t end[2]; /* two handles, each with RC_CHANNEL_RIGHTS */
};

struct rc_channel_info {   /* CHANNEL_RECV's answer, beside the bytes (or before them, in a
			      provided buffer) */
	uint32_t len;	   /* bytes received (also res) */
	uint32_t nhandles; /* handles received, now in the receiver's table */
	uint32_t handles[RC_CHANNEL_HANDLES_MAX];
	uint64_t txid; /* != 0: the message is a CHANNEL_CALL; CHANNEL_REPLY names this */
};

/* ---- the PROBE answer ---- */
struct rc_probe {
	uint32_t abi_version;
	uint32_t op_count;  /* opcodes in the table */
	uint64_t ops;	    /* bit n: opcode n is implemented here */
	uint64_t allowed;   /* bit n: opcode n is allowed on this ring */
	uint32_t sqe_flags; /* RC_SQE_* bits understood */
	uint32_t rsvd;
};
#define RC_PROBE_SIZE 32u

/* ---- diagnostics: why the engine rejected an entry at decode ---- */
#define RC_ERROR_RECORDS 8u /* records kept: the last 8 rejections (divides 65536) */
enum rc_bad_reason {
	RC_BAD_NONE = 0,
	RC_BAD_OPCODE,	    /* not in the table */
	RC_BAD_SQE_FLAGS,   /* unknown RC_SQE_* bit */
	RC_BAD_RESERVED,    /* a reserved field or byte is not zero */
	RC_BAD_RANGE,	    /* integer outside [min, max] (limit = max) */
	RC_BAD_ENUM,	    /* enum value >= count (limit = count) */
	RC_BAD_FLAGS,	    /* unknown flag bits (limit = allowed mask) */
	RC_BAD_FAULT,	    /* buffer not inside the caller's memory */
	RC_BAD_OVERFLOW,    /* pointer + length wraps around */
	RC_BAD_HANDLE,	    /* no such handle, or of the wrong type */
	RC_BAD_RIGHTS,	    /* the handle lacks a right (limit = rights needed) */
	RC_BAD_RESTRICTED,  /* opcode not allowed on this ring */
	RC_BAD_UNSUPPORTED, /* opcode not implemented by this platform */
	RC_BAD_POLICY,	    /* refused by the platform's policy for this caller: rule
			       says which (the entry did nothing) */
	RC_BAD_NOT_LINKED,  /* a LINK_TIMEOUT not after an op with RC_SQE_LINK, or after
			       another LINK_TIMEOUT (field = opcode) */
	RC_BAD_REASONS
};

/* The rule of the platform's policy (a broker's, per client) that refused
 * an entry: struct rc_error's rule, with reason RC_BAD_POLICY. */
enum rc_policy_rule {
	RC_RULE_NONE = 0,
	RC_RULE_ALLOW,	      /* opcode outside its allow-list (limit = the list) */
	RC_RULE_ROOT,	      /* the path leaves its root directory */
	RC_RULE_READ_ONLY,    /* it would modify a file, and the caller is read-only */
	RC_RULE_MAX_HANDLES,  /* open handles at the limit (value = open, limit = max) */
	RC_RULE_MAX_INFLIGHT, /* bytes in flight over the limit (value = with it, limit = max) */
	RC_RULE_COUNT
};

/* Field numbers below 0xf0 index the op's argument fields, in table order. */
#define RC_FIELD_OPCODE 0xf0u
#define RC_FIELD_FLAGS	0xf1u
#define RC_FIELD_HANDLE 0xf2u
#define RC_FIELD_RSVD	0xf3u /* rsvd0, rsvd1 or the argument bytes past the struct */

struct rc_error {
	uint64_t user_data; /* of the rejected entry */
	uint64_t value;	    /* the offending value */
	uint64_t limit;	    /* the bound it broke (see enum rc_bad_reason) */
	uint32_t count;	    /* which rejection (1, 2, ...) this record holds: 0 while
			       it is rewritten, stored last with release */
	uint8_t opcode;
	uint8_t field;	/* argument index, or RC_FIELD_* */
	uint8_t reason; /* enum rc_bad_reason */
	uint8_t rule;	/* RC_BAD_POLICY: enum rc_policy_rule; else 0 */
};

/* ---- the ring header: one cache line per writer and temperature ---- */
#define RC_RING_NEED_WAKEUP (1u << 0) /* the engine sleeps: ring the doorbell */
#define RC_RING_CQ_OVERFLOW (1u << 1) /* completions wait in the backlog */
#define RC_RING_BUSY	    (1u << 2) /* SQEs wait: no room for more in flight, reap first */

#define RC_SETUP_POLL (1u << 0) /* the engine polls this SQ by sequence */

/* Flags of the platform's enter call (a trap in the kernel, a futex
 * doorbell in the hosted runtime). */
#define RC_ENTER_GETEVENTS (1u << 0) /* wait for min_complete CQEs */
#define RC_ENTER_SQ_WAKEUP (1u << 1) /* the engine sleeps: wake it */

struct rc_ring_hdr {
	/* line 0: geometry, written once by the engine at setup. The engine
	 * never reads it back: it keeps its own copy. */
	uint32_t magic;	      /* RC_ABI_MAGIC */
	uint32_t abi_version; /* RC_ABI_VERSION */
	uint32_t sq_entries;  /* power of two */
	uint32_t cq_entries;  /* power of two */
	uint32_t sqes_offset; /* bytes from the header to the SQE array */
	uint32_t cqes_offset; /* bytes from the header to the CQE array */
	uint32_t ring_bytes;  /* header and both arrays */
	uint32_t setup_flags; /* RC_SETUP_* */
	uint32_t rsvd0[8];

	/* line 1: written by the user, on every submit and reap */
	uint32_t sq_tail; /* user: store_release; engine: load_acquire */
	uint32_t cq_head; /* user: store_release; engine: load_acquire */
	uint32_t rsvd1[14];

	/* line 2: written by the engine, on every batch */
	uint32_t sq_head;     /* engine: store_release; user: load_acquire */
	uint32_t cq_tail;     /* engine: store_release; user: load_acquire */
	uint32_t sq_dropped;  /* times an impossible SQ tail was refused */
	uint32_t cq_overflow; /* CQEs that went through the backlog */
	uint32_t sq_retired;  /* SQEs taken whose request has finished (CQE posted
			         or skipped); engine: store_release after cq_tail */
	uint32_t rejected;    /* entries rejected at decode so far (relaxed) */
	uint32_t rsvd2[10];

	/* line 3: written by the engine, rarely */
	uint32_t flags; /* RC_RING_*; engine: atomic or/and; user: relaxed load (after
			         a full fence when deciding whether to ring the doorbell) */
	uint32_t rsvd3[15];

	/* line 4: written by the user, rarely: doorbell words for platforms
	 * whose doorbell is a shared-memory futex (the hosted runtime) */
	uint32_t sq_doorbell; /* user bumps it to wake a sleeping engine */
	uint32_t cq_waiting;  /* user sets it before sleeping on cq_tail */
	uint32_t rsvd4[14];

	/* lines 5-8: written by the engine: the last RC_ERROR_RECORDS
	 * rejections, rejection n in rejections[(n - 1) % RC_ERROR_RECORDS],
	 * for rc_explain() */
	struct rc_error rejections[RC_ERROR_RECORDS];
};

#define RC_CACHELINE	  64u
#define RC_RING_HDR_BYTES 576u

/* The record slot of rejection n (a CQE's RC_CQE_F_SEQ_MASK bits, or hdr
 * ->rejected); the record holds n only if no later one replaced it. */
static inline struct rc_error *rc_rejection(struct rc_ring_hdr *h, uint32_t n)
{
	return &h->rejections[(n - 1) % RC_ERROR_RECORDS];
}

/* Bytes of a ring region: header, SQ array, CQ array, each line-aligned. */
static inline uint32_t rc_ring_bytes(uint32_t sq_entries, uint32_t cq_entries)
{
	return RC_RING_HDR_BYTES + sq_entries * 64u + ((cq_entries * 16u + 63u) & ~63u);
}

/* The phase a CQE written at index i carries: the parity of its lap, with
 * lap 0 carrying 1 so that a zeroed CQ holds no valid entry. cq_entries is
 * a power of two, so the lap's low bit is index & cq_entries; that bit
 * less one has bit 31 set exactly when it is 0 (cq_entries < 2^31): the
 * phase without a branch or a flag. */
static inline uint32_t rc_cq_phase(uint32_t index, uint32_t cq_entries)
{
	return ((index & cq_entries) - 1u) & RC_CQE_F_PHASE;
}

#define RC_MAX_SQ_ENTRIES 32768u
#define RC_MAX_CQ_ENTRIES 65536u

/* ---- the contract, pinned ---- */
/* C11's _Static_assert, or C++'s static_assert: the header is both. */
#ifdef __cplusplus
#define RC_ABI_ASSERT(c) static_assert(c, #c)
#else
#define RC_ABI_ASSERT(c) _Static_assert(c, #c)
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ringcall ABI is little-endian"
#endif
/* rc_cq_phase: a lap bit below bit 31, the phase bit 31. */
RC_ABI_ASSERT(RC_MAX_CQ_ENTRIES < RC_CQE_F_PHASE && RC_CQE_F_PHASE == 1u << 31);
RC_ABI_ASSERT(sizeof(struct rc_sqe) == 64);
RC_ABI_ASSERT(offsetof(struct rc_sqe, opcode) == 0);
RC_ABI_ASSERT(offsetof(struct rc_sqe, flags) == 1);
RC_ABI_ASSERT(offsetof(struct rc_sqe, rsvd0) == 2);
RC_ABI_ASSERT(offsetof(struct rc_sqe, handle) == 4);
RC_ABI_ASSERT(offsetof(struct rc_sqe, user_data) == 8);
RC_ABI_ASSERT(offsetof(struct rc_sqe, args) == 16);
RC_ABI_ASSERT(sizeof(union rc_args) == RC_ARGS_BYTES);
RC_ABI_ASSERT(offsetof(struct rc_sqe, rsvd1) == 56);
RC_ABI_ASSERT(offsetof(struct rc_sqe, seq) == 60);
RC_ABI_ASSERT(sizeof(struct rc_cqe) == 16);
RC_ABI_ASSERT(sizeof(struct rc_dirent) == 16);
RC_ABI_ASSERT(offsetof(struct rc_dirent, size) == 0);
RC_ABI_ASSERT(offsetof(struct rc_dirent, reclen) == 8);
RC_ABI_ASSERT(offsetof(struct rc_dirent, name_len) == 12);
RC_ABI_ASSERT(offsetof(struct rc_dirent, type) == 14);
RC_ABI_ASSERT(offsetof(struct rc_dirent, rsvd) == 15);
RC_ABI_ASSERT(RC_DIRENT_LEN(0) == 24 && RC_DIRENT_LEN(7) == 24 && RC_DIRENT_LEN(8) == 32);
RC_ABI_ASSERT(sizeof(struct rc_channel_pair) == RC_CHANNEL_PAIR_SIZE);
RC_ABI_ASSERT(sizeof(struct rc_channel_info) == RC_CHANNEL_INFO_SIZE);
RC_ABI_ASSERT(offsetof(struct rc_channel_info, handles) == 8);
RC_ABI_ASSERT(offsetof(struct rc_channel_info, txid) == 24);
RC_ABI_ASSERT(offsetof(struct rc_cqe, user_data) == 0);
RC_ABI_ASSERT(offsetof(struct rc_cqe, res) == 8);
RC_ABI_ASSERT(offsetof(struct rc_cqe, flags) == 12);
RC_ABI_ASSERT(sizeof(struct rc_probe) == RC_PROBE_SIZE);
RC_ABI_ASSERT(sizeof(struct rc_error) == 32);
RC_ABI_ASSERT(sizeof(struct rc_ring_hdr) == RC_RING_HDR_BYTES);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, sq_tail) == 64);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, cq_head) == 68);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, sq_head) == 128);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, cq_tail) == 132);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, sq_dropped) == 136);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, cq_overflow) == 140);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, sq_retired) == 144);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, flags) == 192);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, sq_doorbell) == 256);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, cq_waiting) == 260);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, rejected) == 148);
RC_ABI_ASSERT(offsetof(struct rc_ring_hdr, rejections) == 320);
RC_ABI_ASSERT(RC_CQE_F_SEQ_MASK % RC_ERROR_RECORDS == RC_ERROR_RECORDS - 1);
#define RC_FIELD_BYTES(kind, ctype, name, a, b) +sizeof(ctype)
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)                            \
	RC_ABI_ASSERT(sizeof(struct rc_args_##name) <= RC_ARGS_BYTES);                    \
	RC_ABI_ASSERT(sizeof(struct rc_args_##name) == 0 RC_ARGS_##name(RC_FIELD_BYTES)); \
	RC_ABI_ASSERT(num < 64);
#include "syscalls.def"
#undef RC_SYSCALL

#endif
