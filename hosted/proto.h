/*
 * proto.h - the setup conversation on the server's Unix socket. After it,
 * everything goes through the ring; the socket stays open only so that
 * each side notices when the other dies.
 *
 *   client -> server  struct host_hello
 *   server -> client  struct host_welcome, plus the region's memfd (SCM_RIGHTS)
 *   client -> server  struct host_mapped  (where the client mapped it)
 *   server -> client  struct host_ready   (the ring is being served)
 *
 * Any failure ends the conversation: the server answers a bad hello with a
 * welcome whose status is the error (and logs why), then hangs up. Neither
 * side waits forever: the server drops a conversation not finished within
 * --handshake-ms (2 s), at most 32 in progress (server.c); the client gives
 * each step 5 s (-ETIMEDOUT, client.c).
 */
#ifndef RINGCALL_PROTO_H
#define RINGCALL_PROTO_H

#include <stdint.h>

#define HOST_PROTO_MAGIC 0x52434831u /* "RCH1" as a number */

/* A hello may also ask the server to narrow the policy it chose for this
 * client (ringcall-run --root, --ro, --allow, ...: RINGCALL_* in the
 * client's environment, read by rc_connect). The server only ever narrows
 * with it: an allow-list intersects, limits take the smaller, ro and log
 * can be turned on, not off, and the root is a directory beneath the
 * policy's root. Zero everywhere: the policy as it is. */
#define HOST_ASK_READ_ONLY (1u << 0)
#define HOST_ASK_LOG	   (1u << 1)
#define HOST_ROOT_MAX	   256u

struct host_hello {
	uint32_t magic, abi_version;
	uint32_t sq_entries, cq_entries, backlog_entries;
	uint32_t data_bytes, mode, idle_us;
	uint64_t ask_allow;	      /* opcodes (bit n: opcode n); 0: the policy's */
	uint32_t ask_flags;	      /* HOST_ASK_* */
	uint32_t ask_max_handles;     /* 0: the policy's */
	uint32_t ask_max_inflight;    /* bytes; 0: the policy's */
	uint32_t rsvd;		      /* zero */
	char ask_root[HOST_ROOT_MAX]; /* NUL-terminated, relative; "": the policy's root */
};

struct host_welcome {
	int32_t status; /* 0 or a negative RC_E* */
	uint32_t client_id;
	uint64_t region_bytes; /* map this much of the memfd */
	uint64_t data_off;     /* buffers live in [data_off, region_bytes) */
	uint32_t ring_bytes;
	uint32_t rsvd;
};

struct host_mapped {
	uint64_t base;
};

struct host_ready {
	int32_t status;
	uint32_t rsvd;
};

#endif
