/*
 * ipc_service.h - what the IPC examples (ipc_echo.c, ipc_kv.c) share: a
 * service's main loop and a client that keeps many calls in flight, over
 * ringcall channels. Only the ring API (ringcall.h) is used, except in the
 * platform functions at the top (a ring, its memory, finding each other),
 * one set for the hosted runtime and one for the ringcall kernel
 * (RC_EXAMPLE_KERNEL, set by kernel/kernel.mk's build of these programs):
 * the same program source runs on both (examples/README.md).
 *
 * A message is a struct ipc_msg header and up to IPC_DATA_MAX bytes. A
 * call is one CHANNEL_CALL: the request goes out, the CQE comes when the
 * reply is in the call's reply buffer (the engine matches the two by a
 * transaction id: docs/abi.md 7.5).
 *
 * The service loop: one RECV armed on the endpoint where connections
 * arrive, and one multishot RECV per connection, which stays armed and
 * puts each request in a buffer of a pool the service provided
 * (PROVIDE_BUFFERS; docs/abi.md 7.6). Everything that completed since the
 * last wait is handled; every reply (CHANNEL_REPLY, naming the request's
 * transaction id) and the buffers given back go out in one submit, with
 * the wait for the next requests.
 */
#ifndef RINGCALL_EXAMPLE_IPC_SERVICE_H
#define RINGCALL_EXAMPLE_IPC_SERVICE_H

#ifdef RC_EXAMPLE_KERNEL
#include "ulib.h" /* the ringcall kernel's user runtime: printf, strings, rt_ring */
#include "ringcall/service.h"
#else
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ringcall/hosted.h>
#include <ringcall/service.h>
#include <unistd.h>
#endif

#define IPC_DATA_MAX 240u	  /* payload bytes; a message is at most 256 */
#define IPC_SLOTS    16u	  /* calls in flight per client, at most */
#define IPC_CONNS    8u		  /* connections served at once */
#define IPC_POOL     128u	  /* provided buffers, shared by every connection */
#define IPC_GROUP    0u		  /* their buffer group */
#define IPC_LISTEN   (1ull << 40) /* user_data of the RECV that takes connections */
#define IPC_SENT     (1ull << 41) /* user_data of replies, buffers given back, CLOSEs */

struct ipc_msg {
	uint32_t id;  /* the caller's: the reply carries it back */
	uint16_t op;  /* the service's vocabulary */
	uint16_t len; /* bytes in data */
	uint8_t data[IPC_DATA_MAX];
};

/* A provided buffer: what a multishot receive writes, the info first. */
struct ipc_buf {
	struct rc_channel_info info;
	struct ipc_msg msg;
};

/* ---- the platform ---- */

#ifdef RC_EXAMPLE_KERNEL
/* The ringcall kernel: a ring of our own made by RING_CREATE (the
 * runtime's rt_ring carries printf's writes), memory from a static arena,
 * and no name service: whoever starts the service gives it, at SPAWN, the
 * end of a channel on which connections arrive (each one a message of 0
 * bytes carrying a channel end, as CHANNEL_CONNECT delivers them hosted),
 * and starts each client with the other end of its connection. */
#define IPC_RING_ADDR	0x700000000ul
#define IPC_ARENA	(96u << 10)
#define fprintf(f, ...) printf(__VA_ARGS__)
#define fflush(f)	((void)0)
#define atoi(s)		((int)atol(s))

/* Attach r to a new ring (where, the hosted socket, means nothing here). */
static int ipc_attach(struct rc_ring *r, const char *where)
{
	int32_t h = rt_ring_create(r, IPC_RING_ADDR, 128, 256, 0);

	(void)where;
	return h < 0 ? h : 0;
}

static void ipc_detach(struct rc_ring *r)
{
	(void)r; /* the ring goes with the process */
}

static uint8_t ipc_arena[IPC_ARENA] __attribute__((aligned(64)));
static size_t ipc_used;

/* Zeroed memory from the arena, a stack. */
static void *ipc_mem(struct rc_ring *r, size_t bytes)
{
	void *p;

	(void)r;
	bytes = (bytes + 63) & ~(size_t)63;
	if (bytes > IPC_ARENA - ipc_used)
		return NULL;
	p = &ipc_arena[ipc_used];
	ipc_used += bytes;
	memset(p, 0, bytes);
	return p;
}

/* Give p back, and everything taken after it (the programs here free
 * only ipc_calls' own buffers, the last taken, in that order). */
static void ipc_free(struct rc_ring *r, void *p)
{
	size_t at = (size_t)((uint8_t *)p - ipc_arena);

	(void)r;
	if (at < ipc_used)
		ipc_used = at;
}

/* The endpoint where connections arrive: the service's first handle. */
static int32_t ipc_listen(struct rc_ring *r, const char *svc)
{
	(void)svc;
	return rc_submit(r) < 0 ? -RC_EPIPE : (int32_t)RK_SPAWN_HANDLE(0);
}

static void ipc_announce(const char *svc, int32_t listen)
{
	printf("%s: serving the connections that arrive on handle 0x%x\n", svc, (unsigned)listen);
}

/* The connection this client was started with. */
static int32_t ipc_dial(struct rc_ring *r, const char *svc)
{
	(void)r;
	(void)svc;
	return (int32_t)RK_SPAWN_HANDLE(0);
}
#else
/* Hosted: a ringcall-server, and names it keeps (CHANNEL_PUBLISH). */

/* Attach r to the server at where (a socket path). */
static int ipc_attach(struct rc_ring *r, const char *where)
{
	struct rc_params p = { .sq_entries = 128, .cq_entries = 256 };

	return rc_connect(r, where, &p);
}

static void ipc_detach(struct rc_ring *r)
{
	rc_disconnect(r);
}

/* Memory the engine may read and write for this ring. */
static void *ipc_mem(struct rc_ring *r, size_t bytes)
{
	void *p = rc_alloc(r, bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

static void ipc_free(struct rc_ring *r, void *p)
{
	rc_free(r, p);
}

/* The server's name for service svc of this user: "<uid>/svc". */
static uint32_t ipc_name(struct rc_ring *r, const char *svc, char **out)
{
	char name[RC_CHANNEL_NAME_MAX + 1];
	int n = snprintf(name, sizeof(name), "%u/%s", (unsigned)getuid(), svc);

	*out = ipc_mem(r, (size_t)n);
	if (*out)
		memcpy(*out, name, (size_t)n);
	return (uint32_t)n;
}

/* Publish service svc: the endpoint where connections arrive (one
 * message of 0 bytes and 1 handle each), or a negative RC_E*. */
static int32_t ipc_listen(struct rc_ring *r, const char *svc)
{
	struct rc_channel_pair *pair = ipc_mem(r, sizeof(*pair));
	char *name;
	uint32_t len = ipc_name(r, svc, &name);

	if (!pair || !name)
		return -RC_ENOMEM;
	return rc_channel_listen(r, name, len, pair);
}

/* Connect to service svc: a channel handle, or a negative RC_E*. */
static int32_t ipc_dial(struct rc_ring *r, const char *svc)
{
	char *name;
	uint32_t len = ipc_name(r, svc, &name);

	if (!name)
		return -RC_ENOMEM;
	return rc_channel_connect_wait(r, name, len);
}

static void ipc_announce(const char *svc, int32_t listen)
{
	(void)listen;
	printf("%s: serving %u/%s\n", svc, (unsigned)getuid(), svc);
	fflush(stdout);
}
#endif

/* ---- the service loop ---- */

/* The service's answer to req, written over it. */
typedef void (*ipc_handler)(struct ipc_msg *req);

struct ipc_service {
	struct rc_ring *r;
	ipc_handler handle;
	int32_t listen;
	struct rc_channel_info *info;
	struct ipc_msg *accept_buf;
	struct rc_pbuf_pool pool;  /* IPC_POOL struct ipc_buf, in group IPC_GROUP */
	uint32_t back[IPC_POOL];   /* its buffers to give back this pass */
	uint32_t conns[IPC_CONNS]; /* handles; 0: free */
	uint32_t accepting, accepted, live;
	uint64_t calls, wakeups;
};

static void ipc_arm_accept(struct ipc_service *s)
{
	struct rc_sqe *sqe = rc_get_sqe(s->r);

	rc_prep_channel_recv(sqe, (uint32_t)s->listen, s->accept_buf, sizeof(*s->accept_buf),
			     sizeof(*s->info), s->info, 0);
	rc_sqe_set_data(sqe, IPC_LISTEN);
}

static void ipc_arm_conn(struct ipc_service *s, uint32_t c)
{
	struct rc_sqe *sqe = rc_get_sqe(s->r);

	rc_prep_channel_recv_multishot(sqe, s->conns[c], IPC_GROUP);
	rc_sqe_set_data(sqe, c);
}

/* A connection arrived (its handle in s->info): arm its receive. */
static int ipc_accept(struct ipc_service *s, int32_t res)
{
	uint32_t c;

	if (res != 0 || s->info->nhandles != 1)
		return res < 0 ? res : -RC_EINVAL;
	for (c = 0; c < IPC_CONNS && s->conns[c]; c++)
		;
	if (c == IPC_CONNS)
		return -RC_EMFILE;
	s->conns[c] = s->info->handles[0];
	ipc_arm_conn(s, c);
	s->accepted++;
	s->live++;
	if (s->accepted < s->accepting)
		ipc_arm_accept(s);
	return 0;
}

/* A CQE of connection c's multishot receive: answer the request in it,
 * and re-arm the receive if it ended; when the caller hung up (-EPIPE),
 * close the connection. */
static int ipc_request_in(struct ipc_service *s, uint32_t c, const struct rc_cqe *cqe)
{
	int32_t bid = rc_cqe_buffer_id(cqe->flags);

	if (bid >= 0) {
		struct ipc_buf *b = rc_pbuf(&s->pool, (uint32_t)bid);
		struct ipc_msg *m = &b->msg;
		uint32_t got = b->info.len, hdr = (uint32_t)offsetof(struct ipc_msg, data);
		struct rc_sqe *sqe;

		if (got < hdr)
			memset(m, 0, hdr); /* too short: an empty request */
		if (m->len > (got < hdr ? 0 : got - hdr))
			m->len = (uint16_t)(got < hdr ? 0 : got - hdr); /* what came */
		s->handle(m);
		sqe = rc_get_sqe(s->r);
		rc_prep_channel_reply(sqe, s->conns[c], b->info.txid, m, hdr + m->len, 0);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS); /* a caller gone: -ENOENT, ignored */
		rc_sqe_set_data(sqe, IPC_SENT);
		rc_pbuf_done(&s->pool, (uint32_t)bid);
		s->calls++;
	}
	if (cqe->flags & RC_CQE_F_MORE)
		return 0;
	if (cqe->res == -RC_EPIPE) { /* hung up, everything it sent taken */
		struct rc_sqe *sqe = rc_get_sqe(s->r);

		rc_prep_close(sqe, s->conns[c], 0);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
		rc_sqe_set_data(sqe, IPC_SENT);
		s->conns[c] = 0;
		s->live--;
		return 0;
	}
	if (cqe->res < 0 && cqe->res != -RC_ENOBUFS)
		return cqe->res;
	ipc_arm_conn(s, c); /* ended with a message (full CQ) or a dry pool: again */
	return 0;
}

/* Serve service svc on ring r until conns connections have come and
 * gone; 0, or a negative RC_E*. */
static int ipc_serve(struct rc_ring *r, const char *svc, uint32_t conns, ipc_handler handle,
		     struct ipc_service *s)
{
	*s = (struct ipc_service){ .r = r, .handle = handle, .accepting = conns };
	s->info = ipc_mem(r, sizeof(*s->info));
	s->accept_buf = ipc_mem(r, sizeof(*s->accept_buf));
	rc_pbuf_pool_init(&s->pool, ipc_mem(r, IPC_POOL * sizeof(struct ipc_buf)),
			  sizeof(struct ipc_buf), IPC_POOL, IPC_GROUP, s->back);
	if (!s->info || !s->accept_buf || !s->pool.base)
		return -RC_ENOMEM;
	rc_pbuf_give_back(r, &s->pool, RC_SQE_SKIP_SUCCESS, IPC_SENT); /* the whole pool */
	s->listen = ipc_listen(r, svc); /* submits the PROVIDE_BUFFERS too */
	if (s->listen < 0)
		return s->listen;
	ipc_announce(svc, s->listen);
	ipc_arm_accept(s);
	while (s->accepted < s->accepting || s->live) {
		struct rc_cqe *cqe;
		uint32_t head, seen = 0;
		int err = 0;

		/* Every reply queued by the last pass goes out here, then the
		 * buffers they were read from, with the wait: one enter (with
		 * the SQ full, the rest go next pass). */
		rc_pbuf_give_back(r, &s->pool, RC_SQE_SKIP_SUCCESS, IPC_SENT);
		if (rc_submit_and_wait(r, 1) < 0)
			return -RC_EPIPE;
		s->wakeups++;
		rc_for_each_cqe(r, head, cqe)
		{
			if (cqe->user_data == IPC_LISTEN)
				err = ipc_accept(s, cqe->res);
			else if (cqe->user_data < IPC_CONNS)
				err = ipc_request_in(s, (uint32_t)cqe->user_data, cqe);
			else if (cqe->res < 0 && cqe->res != -RC_ENOENT && cqe->res != -RC_EPIPE)
				err = cqe->res; /* a PROVIDE_BUFFERS or CLOSE failed */
			seen++;
			if (err)
				break;
		}
		rc_cq_advance(r, seen);
		if (err)
			return err;
	}
	return rc_submit(r) < 0 ? -RC_EPIPE : 0; /* the last CLOSEs */
}

/* ---- the client: many calls in flight ---- */

/* Fill call number n's request (its id is set by the loop). */
typedef void (*ipc_request)(uint32_t n, struct ipc_msg *req, void *arg);
/* Check the reply to call number n; false fails the run. */
typedef bool (*ipc_check)(uint32_t n, const struct ipc_msg *reply, void *arg);

/* Make calls number first..first+count-1 on channel h, depth of them in
 * flight at once (at most IPC_SLOTS): a CHANNEL_CALL each, refilled in one
 * submit whenever replies come back. 0, or a negative RC_E* (-RC_EIO: a
 * reply that check refused). */
static int ipc_calls(struct rc_ring *r, uint32_t h, uint32_t first, uint32_t count, uint32_t depth,
		     ipc_request make, ipc_check check, void *arg)
{
	struct ipc_msg *tx = ipc_mem(r, IPC_SLOTS * sizeof(*tx));
	struct ipc_msg *rx = ipc_mem(r, IPC_SLOTS * sizeof(*rx));
	uint32_t call_of[IPC_SLOTS], free_slots[IPC_SLOTS], nfree = 0, issued = 0, done = 0;
	int err = 0;

	if (!tx || !rx)
		return -RC_ENOMEM;
	if (depth > IPC_SLOTS)
		depth = IPC_SLOTS;
	for (uint32_t i = 0; i < depth; i++)
		free_slots[nfree++] = i;
	while (done < count && !err) {
		struct rc_cqe *cqe;
		uint32_t head, seen = 0;

		/* A call for every free slot: one submit for all. */
		while (nfree && issued < count) {
			uint32_t t = free_slots[--nfree];
			struct rc_sqe *sqe = rc_get_sqe(r);

			make(first + issued, &tx[t], arg);
			tx[t].id = call_of[t] = first + issued++;
			rc_prep_channel_call(sqe, h, &tx[t],
					     (uint32_t)offsetof(struct ipc_msg, data) + tx[t].len,
					     0, NULL, &rx[t], sizeof(rx[t]), 0);
			rc_sqe_set_data(sqe, t);
		}
		if (rc_submit_and_wait(r, 1) < 0)
			return -RC_EPIPE;
		rc_for_each_cqe(r, head, cqe)
		{
			uint32_t t = (uint32_t)cqe->user_data;

			seen++;
			if (cqe->res < 0) {
				err = cqe->res;
				break;
			}
			if (t >= depth || rx[t].id != call_of[t] ||
			    !check(call_of[t], &rx[t], arg)) {
				err = -RC_EIO;
				break;
			}
			free_slots[nfree++] = t;
			done++;
		}
		rc_cq_advance(r, seen);
	}
	ipc_free(r, tx);
	ipc_free(r, rx);
	return err;
}

#endif
