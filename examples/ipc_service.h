/*
 * ipc_service.h - what the IPC examples (ipc_echo.c, ipc_kv.c) share: a
 * service's main loop and a client that keeps many calls in flight, over
 * ringcall channels. Only the ring API (ringcall.h) is used, except in the
 * three platform functions at the top (a ring, its memory, finding each
 * other by name), so the same source can build for the ringcall kernel
 * (examples/README.md says what that build needs).
 *
 * A message is a struct ipc_msg header and up to IPC_DATA_MAX bytes. A
 * call sends a request (CHANNEL_SEND, SKIP_SUCCESS: no CQE unless it
 * fails) and receives its reply (CHANNEL_RECV); the reply carries the
 * request's id back, which is what matches the two (the RECV that takes a
 * reply is any of the caller's, not necessarily the one posted with it).
 *
 * The service loop: one RECV armed on the endpoint where connections
 * arrive, IPC_SLOTS RECVs armed on each connection; everything that
 * completed since the last wait is handled, and every reply (a SEND
 * linked to the RECV that re-arms its slot: the slot's buffer is reused
 * only after the reply left it) goes out in one submit, with the wait.
 */
#ifndef RINGCALL_EXAMPLE_IPC_SERVICE_H
#define RINGCALL_EXAMPLE_IPC_SERVICE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <ringcall/hosted.h>
#include <unistd.h>

#define IPC_DATA_MAX 240u	  /* payload bytes; a message is at most 256 */
#define IPC_SLOTS    16u	  /* RECVs armed per connection */
#define IPC_CONNS    8u		  /* connections served at once */
#define IPC_LISTEN   (1ull << 40) /* user_data of the RECV that takes connections */
#define IPC_SENT     (1ull << 41) /* user_data bit of a reply's SEND */

struct ipc_msg {
	uint32_t id;  /* the caller's: the reply carries it back */
	uint16_t op;  /* the service's vocabulary */
	uint16_t len; /* bytes in data */
	uint8_t data[IPC_DATA_MAX];
};

/* ---- the platform: hosted (a ringcall-server) ---- */

/* Attach r to the server at where (a socket path). */
static int ipc_attach(struct rc_ring *r, const char *where)
{
	struct rc_params p = { .sq_entries = 128, .cq_entries = 256 };

	return rc_connect(r, where, &p);
}

/* Memory the engine may read and write for this ring. */
static void *ipc_mem(struct rc_ring *r, size_t bytes)
{
	void *p = rc_alloc(r, bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

/* Submit what is queued and wait for one CQE: its res. */
static int32_t ipc_sync(struct rc_ring *r)
{
	struct rc_cqe *cqe;
	int32_t res;

	if (rc_submit_and_wait(r, 1) < 0 || rc_wait_cqe(r, &cqe) < 0)
		return -RC_EPIPE;
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	return res;
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
	int32_t res;

	if (!pair || !name)
		return -RC_ENOMEM;
	rc_prep_channel_create(rc_get_sqe(r), pair, sizeof(*pair), 0);
	if ((res = ipc_sync(r)) < 0)
		return res;
	rc_prep_channel_publish(rc_get_sqe(r), pair->end[0], name, len, 0);
	res = ipc_sync(r);
	return res < 0 ? res : (int32_t)pair->end[1];
}

/* Connect to service svc: a channel handle, or a negative RC_E*. */
static int32_t ipc_dial(struct rc_ring *r, const char *svc)
{
	char *name;
	uint32_t len = ipc_name(r, svc, &name);

	if (!name)
		return -RC_ENOMEM;
	rc_prep_channel_connect(rc_get_sqe(r), name, len, 0);
	return ipc_sync(r);
}

/* ---- the service loop ---- */

/* The service's answer to req, written over it (the reply's id is set by
 * the loop). */
typedef void (*ipc_handler)(struct ipc_msg *req);

struct ipc_conn {
	uint32_t handle;
	uint32_t armed; /* RECVs in flight */
	struct ipc_msg *slots;
};

struct ipc_service {
	struct rc_ring *r;
	ipc_handler handle;
	int32_t listen;
	struct rc_channel_info *info;
	struct ipc_msg *accept_buf;
	struct ipc_conn conns[IPC_CONNS];
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

static void ipc_arm_slot(struct ipc_service *s, uint32_t c, uint32_t slot)
{
	struct rc_sqe *sqe = rc_get_sqe(s->r);

	rc_prep_channel_recv(sqe, s->conns[c].handle, &s->conns[c].slots[slot],
			     sizeof(struct ipc_msg), 0, NULL, 0);
	rc_sqe_set_data(sqe, (uint64_t)c << 16 | slot);
}

/* A connection arrived (its handle in s->info): arm its slots. */
static int ipc_accept(struct ipc_service *s, int32_t res)
{
	struct ipc_conn *c = NULL;
	uint32_t i;

	if (res != 0 || s->info->nhandles != 1)
		return res < 0 ? res : -RC_EINVAL;
	for (i = 0; i < IPC_CONNS && !c; i++)
		if (!s->conns[i].handle)
			c = &s->conns[i];
	if (!c)
		return -RC_EMFILE;
	i = (uint32_t)(c - s->conns);
	c->handle = s->info->handles[0];
	for (uint32_t k = 0; k < IPC_SLOTS; k++)
		ipc_arm_slot(s, i, k);
	c->armed = IPC_SLOTS;
	s->accepted++;
	s->live++;
	if (s->accepted < s->accepting)
		ipc_arm_accept(s);
	return 0;
}

/* A slot's RECV (or its reply's SEND) ended: answer and re-arm, or, when
 * the caller hung up, retire the slot; the last one closes the handle. */
static void ipc_slot_done(struct ipc_service *s, uint64_t ud, int32_t res)
{
	uint32_t ci = (uint32_t)(ud >> 16 & 0xffff), slot = (uint32_t)(ud & 0xffff);
	struct ipc_conn *c = &s->conns[ci];
	struct ipc_msg *m = &c->slots[slot];
	struct rc_sqe *sqe;
	uint32_t id;

	if (ud & IPC_SENT)
		return; /* a reply failed: its linked RECV ends too (-ECANCELED) */
	if (res < 0) {	/* -EPIPE: the caller hung up (or -ECANCELED, see above) */
		if (--c->armed == 0) {
			sqe = rc_get_sqe(s->r);
			rc_prep_close(sqe, c->handle, 0);
			rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
			c->handle = 0;
			s->live--;
		}
		return;
	}
	if (res < (int32_t)offsetof(struct ipc_msg, data))
		memset(m, 0, offsetof(struct ipc_msg, data)); /* too short: an empty request */
	if (m->len > (uint32_t)res - offsetof(struct ipc_msg, data))
		m->len = (uint16_t)((uint32_t)res - offsetof(struct ipc_msg, data)); /* what came */
	id = m->id;
	s->handle(m);
	m->id = id;
	sqe = rc_get_sqe(s->r);
	rc_prep_channel_send(sqe, c->handle, m, (uint32_t)offsetof(struct ipc_msg, data) + m->len,
			     0, NULL, 0);
	rc_sqe_set_flags(sqe, RC_SQE_LINK | RC_SQE_SKIP_SUCCESS);
	rc_sqe_set_data(sqe, ud | IPC_SENT);
	ipc_arm_slot(s, ci, slot);
	s->calls++;
}

/* Serve service svc on ring r until conns connections have come and
 * gone; 0, or a negative RC_E*. */
static int ipc_serve(struct rc_ring *r, const char *svc, uint32_t conns, ipc_handler handle,
		     struct ipc_service *s)
{
	*s = (struct ipc_service){ .r = r, .handle = handle, .accepting = conns };
	s->info = ipc_mem(r, sizeof(*s->info));
	s->accept_buf = ipc_mem(r, sizeof(*s->accept_buf));
	for (uint32_t i = 0; i < IPC_CONNS; i++)
		if (!(s->conns[i].slots = ipc_mem(r, IPC_SLOTS * sizeof(struct ipc_msg))))
			return -RC_ENOMEM;
	if (!s->info || !s->accept_buf)
		return -RC_ENOMEM;
	s->listen = ipc_listen(r, svc);
	if (s->listen < 0)
		return s->listen;
	printf("%s: serving %u/%s\n", svc, (unsigned)getuid(), svc);
	fflush(stdout);
	ipc_arm_accept(s);
	while (s->accepted < s->accepting || s->live) {
		struct rc_cqe *cqe;
		uint32_t head, seen = 0;
		int err = 0;

		/* Every reply queued by the last pass goes out here, with the
		 * wait for the next requests: one enter. */
		if (rc_submit_and_wait(r, 1) < 0)
			return -RC_EPIPE;
		s->wakeups++;
		rc_for_each_cqe(r, head, cqe)
		{
			if (cqe->user_data == IPC_LISTEN)
				err = ipc_accept(s, cqe->res);
			else
				ipc_slot_done(s, cqe->user_data, cqe->res);
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
 * flight at once (at most IPC_SLOTS); 0, or a negative RC_E* (-RC_EIO: a
 * reply that check refused, or that answers no call in flight). A call
 * holds a request buffer until its reply comes; each RECV posted holds a
 * reply buffer until it completes, with any call's reply. */
static int ipc_calls(struct rc_ring *r, uint32_t h, uint32_t first, uint32_t count, uint32_t depth,
		     ipc_request make, ipc_check check, void *arg)
{
	struct ipc_msg *tx = ipc_mem(r, IPC_SLOTS * sizeof(*tx));
	struct ipc_msg *rx = ipc_mem(r, IPC_SLOTS * sizeof(*rx));
	uint32_t call_of[IPC_SLOTS], free_tx[IPC_SLOTS], free_rx[IPC_SLOTS];
	uint32_t ntx = 0, nrx = 0, issued = 0, done = 0;
	int err = 0;

	if (!tx || !rx)
		return -RC_ENOMEM;
	if (depth > IPC_SLOTS)
		depth = IPC_SLOTS;
	for (uint32_t i = 0; i < depth; i++) {
		free_tx[ntx++] = i;
		free_rx[nrx++] = i;
		call_of[i] = UINT32_MAX;
	}
	while (done < count && !err) {
		struct rc_cqe *cqe;
		uint32_t head, seen = 0;

		/* A call for every free request buffer: one submit for all. */
		while (ntx && issued < count) {
			uint32_t t = free_tx[--ntx], b = free_rx[--nrx];
			struct rc_sqe *sqe;

			make(first + issued, &tx[t], arg);
			tx[t].id = call_of[t] = first + issued++;
			sqe = rc_get_sqe(r);
			rc_prep_channel_send(sqe, h, &tx[t],
					     (uint32_t)offsetof(struct ipc_msg, data) + tx[t].len,
					     0, NULL, 0);
			rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
			rc_sqe_set_data(sqe, UINT64_MAX);
			sqe = rc_get_sqe(r);
			rc_prep_channel_recv(sqe, h, &rx[b], sizeof(rx[b]), 0, NULL, 0);
			rc_sqe_set_data(sqe, b);
		}
		if (rc_submit_and_wait(r, 1) < 0)
			return -RC_EPIPE;
		rc_for_each_cqe(r, head, cqe)
		{
			uint32_t b = (uint32_t)cqe->user_data, t;

			seen++;
			if (cqe->res < 0) {
				err = cqe->res;
				break;
			}
			/* The reply names its call: free its request buffer. */
			for (t = 0; t < depth && call_of[t] != rx[b].id; t++)
				;
			if (t == depth || !check(rx[b].id, &rx[b], arg)) {
				err = -RC_EIO;
				break;
			}
			call_of[t] = UINT32_MAX;
			free_tx[ntx++] = t;
			free_rx[nrx++] = b;
			done++;
		}
		rc_cq_advance(r, seen);
	}
	rc_free(r, tx);
	rc_free(r, rx);
	return err;
}

#endif
