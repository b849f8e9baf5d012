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

struct host_hello {
	uint32_t magic, abi_version;
	uint32_t sq_entries, cq_entries, backlog_entries;
	uint32_t data_bytes, mode, idle_us;
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
