/*
 * loop.c - the file server's main loop, portable: it speaks only the
 * ringcall user library (include/ringcall/ringcall.h), so the ringcall
 * kernel's server (server.c) and the hosted tests run the same code.
 *
 * Each client is a channel endpoint with one multishot receive armed on
 * it, filling buffers of one pool (a provided-buffer group): every request
 * that arrives is a CQE of its own. A client sends requests by
 * CHANNEL_CALL (answered by CHANNEL_REPLY) or by CHANNEL_SEND (answered by
 * a CHANNEL_SEND, in order). A pass takes every completion ready, serves
 * each request (fs_serve) and queues its reply, then submits all of it at
 * once: the replies of a pass cost one trap together. Buffer b of the pool
 * and reply slot b go together: the buffer is given back (PROVIDE_BUFFERS)
 * once the reply written in slot b has gone. When the pool runs dry a
 * receive ends with -ENOBUFS (the message stays queued in the channel) and
 * is armed again once buffers are back: nothing is dropped.
 */
#include "ringcall/ringcall.h"
#include "fs.h"

enum {
	UD_RECV = 1,
	UD_SEND,
	UD_CTL,
	UD_CLOSE,
	UD_PROVIDE
};

#define GROUP	 0u
#define BUF_SIZE RC_PBUF_LEN_MAX /* a struct rc_channel_info, then up to FS_MSG_MAX bytes */

static uint64_t ud(uint32_t kind, uint32_t index)
{
	return (uint64_t)kind << 32 | index;
}

size_t fs_server_mem_size(void)
{
	return FS_SERVER_MEM_SIZE;
}

/* A free SQE, submitting what is queued if the SQ is full. */
static struct rc_sqe *sqe_get(struct fs_server *s)
{
	struct rc_sqe *sqe = rc_get_sqe(s->ring);
	while (!sqe) {
		rc_submit(s->ring);
		sqe = rc_get_sqe(s->ring);
	}
	return sqe;
}

static void arm_recv(struct fs_server *s, uint32_t i)
{
	struct fs_conn *c = &s->conns[i];
	struct rc_sqe *sqe = sqe_get(s);
	rc_prep_channel_recv_multishot(sqe, c->handle, GROUP);
	rc_sqe_set_data(sqe, ud(UD_RECV, i));
	c->armed = 1;
	c->rearm = 0;
}

static void close_handle(struct fs_server *s, uint32_t h)
{
	struct rc_sqe *sqe = sqe_get(s);
	rc_prep_close(sqe, h, 0);
	rc_sqe_set_data(sqe, ud(UD_CLOSE, 0));
}

static void arm_ctl(struct fs_server *s)
{
	struct rc_sqe *sqe = sqe_get(s);
	rc_prep_channel_recv(sqe, s->ctl, s->ctl_buf, FS_MSG_MAX, sizeof(*s->ctl_info), s->ctl_info,
			     0);
	rc_sqe_set_data(sqe, ud(UD_CTL, 0));
}

/* Give n buffers from id first back to the pool. */
static void provide(struct fs_server *s, uint32_t first, uint32_t n)
{
	struct rc_sqe *sqe = sqe_get(s);
	rc_prep_pbuf_provide(sqe, &s->pool, first, n);
	rc_sqe_set_data(sqe, ud(UD_PROVIDE, first));
	s->pool_free += n;
}

int fs_server_init(struct fs_server *s, struct fs *fs, struct rc_ring *ring, uint32_t ctl,
		   void *mem)
{
	__builtin_memset(s, 0, sizeof(*s));
	s->fs = fs;
	s->ring = ring;
	s->ctl = ctl;
	uint8_t *m = mem;
	s->ctl_buf = m;
	s->ctl_info = (struct rc_channel_info *)(m + FS_MSG_MAX);
	m += FS_MSG_MAX + sizeof(struct rc_channel_info);
	/* Each buffer goes back alone, once its reply has gone: no give-back list. */
	rc_pbuf_pool_init(&s->pool, m, BUF_SIZE, FS_REPLY_SLOTS, GROUP, NULL);
	s->slots = m + (size_t)FS_REPLY_SLOTS * BUF_SIZE;
	provide(s, 0, FS_REPLY_SLOTS);
	if (ctl)
		arm_ctl(s);
	return 0;
}

int fs_server_add(struct fs_server *s, uint32_t handle, uint32_t rights)
{
	for (uint32_t i = 0; i < FS_CONNS_MAX; i++) {
		struct fs_conn *c = &s->conns[i];
		if (c->handle)
			continue;
		c->handle = handle;
		fs_client_init(&c->client, rights);
		s->stats.clients++;
		arm_recv(s, i);
		return (int)i;
	}
	return -RC_EMFILE;
}

/* Client i is gone (or misbehaved): close its files and its endpoint
 * (which ends its receive, if armed). */
static void conn_drop(struct fs_server *s, uint32_t i)
{
	struct fs_conn *c = &s->conns[i];
	fs_client_reset(s->fs, &c->client);
	close_handle(s, c->handle);
	c->handle = 0;
	c->rearm = 0;
	s->stats.clients_gone++;
}

/* A CONNECT: the message brought one endpoint for a new client, with at
 * most the sender's rights. 0, or the error to answer. */
static int do_connect(struct fs_server *s, struct fs_conn *c, const struct rc_channel_info *info,
		      const uint8_t *msg, uint32_t len)
{
	struct fs_req h;
	if (len != sizeof(h) || info->nhandles != 1)
		return -RC_EINVAL;
	__builtin_memcpy(&h, msg, sizeof(h));
	if (h.op != FS_OP_CONNECT || h.handle || h.offset || h.count || h.access || h.len)
		return -RC_EINVAL;
	if (h.flags & ~c->client.rights)
		return -RC_EACCES;
	int r = fs_server_add(s, info->handles[0], h.flags);
	return r < 0 ? r : 0;
}

/* A call whose op has FS_OP_RAW (a file op the user library translated)? */
static int is_raw(const uint8_t *msg, uint32_t len, const struct rc_channel_info *info)
{
	uint32_t op = 0;
	if (len >= sizeof(op))
		__builtin_memcpy(&op, msg, sizeof(op));
	return (op & FS_OP_RAW) && info->txid;
}

/* Serve a raw request in msg (the server's own copy): as fs_serve, then
 * the reply's last 4 header bytes take the result, the data follows
 * (CHANNEL_REPLY with RC_CHANNEL_REPLY_RES). Its length from there. */
static uint32_t serve_raw(struct fs_server *s, struct fs_conn *c, uint8_t *msg, uint32_t len,
			  uint8_t *rep)
{
	uint32_t op;
	__builtin_memcpy(&op, msg, sizeof(op));
	op &= ~FS_OP_RAW;
	__builtin_memcpy(msg, &op, sizeof(op));
	fs_serve(s->fs, &c->client, msg, len, rep);
	struct fs_rep out;
	__builtin_memcpy(&out, rep, sizeof(out));
	__builtin_memcpy(rep + sizeof(out) - 4, &out.res, 4);
	return 4 + out.len;
}

/* Serve the request of client i in pool buffer b; its reply goes out from slot b. */
static void serve(struct fs_server *s, uint32_t i, uint32_t b, uint32_t len)
{
	struct fs_conn *c = &s->conns[i];
	const uint8_t *buf = rc_pbuf(&s->pool, b);
	struct rc_channel_info info;
	__builtin_memcpy(&info, buf, sizeof(info));
	const uint8_t *msg = buf + sizeof(info);
	uint8_t *rep = s->slots + (size_t)b * FS_MSG_MAX, *out_buf = rep;
	uint32_t n, flags = 0;
	s->stats.requests++;
	if (info.nhandles) {
		int r = do_connect(s, c, &info, msg, len);
		if (r < 0) /* the handles came to a request that takes none: close them */
			for (uint32_t k = 0; k < info.nhandles && k < RC_CHANNEL_HANDLES_MAX; k++)
				close_handle(s, info.handles[k]);
		struct fs_rep out = { .res = r };
		if (len >= sizeof(struct fs_req))
			__builtin_memcpy(&out.tag, msg + __builtin_offsetof(struct fs_req, tag), 8);
		__builtin_memcpy(rep, &out, sizeof(out));
		n = sizeof(out);
	} else if (is_raw(msg, len, &info)) {
		n = serve_raw(s, c, (uint8_t *)buf + sizeof(info), len, rep);
		out_buf = rep + sizeof(struct fs_rep) - 4; /* the result, then the data */
		flags = RC_CHANNEL_REPLY_RES;
	} else {
		n = fs_serve(s->fs, &c->client, msg, len, rep);
	}
	struct rc_sqe *sqe = sqe_get(s);
	if (info.txid)
		rc_prep_channel_reply(sqe, c->handle, info.txid, out_buf, n, flags);
	else
		rc_prep_channel_send(sqe, c->handle, rep, n, 0, NULL, 0);
	rc_sqe_set_data(sqe, ud(UD_SEND, b));
	s->stats.replies++;
}

/* A completion of client i's multishot receive. */
static void recv_done(struct fs_server *s, uint32_t i, const struct rc_cqe *cqe)
{
	struct fs_conn *c = &s->conns[i];
	int32_t b = rc_cqe_buffer_id(cqe->flags);
	if (b >= 0) {
		s->pool_free--;
		if (!c->handle || cqe->res < 0 || (uint32_t)b >= FS_REPLY_SLOTS)
			provide(s, (uint32_t)b, 1); /* nobody to answer */
		else
			serve(s, i, (uint32_t)b, (uint32_t)cqe->res);
	}
	if (cqe->flags & RC_CQE_F_MORE)
		return;
	c->armed = 0;
	if (!c->handle)
		return;
	if (cqe->res == -RC_ENOBUFS || cqe->res >= 0)
		c->rearm = 1; /* once buffers are back (the message waits in the channel) */
	else
		conn_drop(s, i); /* -EPIPE: the client is gone; anything else: it misbehaved */
}

/* One completion. */
static void handle_cqe(struct fs_server *s, const struct rc_cqe *cqe)
{
	uint32_t kind = (uint32_t)(cqe->user_data >> 32), i = (uint32_t)cqe->user_data;
	switch (kind) {
	case UD_RECV:
		if (i < FS_CONNS_MAX)
			recv_done(s, i, cqe);
		return;
	case UD_SEND: /* the reply in slot i has gone (or its caller has): buffer i is free */
		if (i < FS_REPLY_SLOTS)
			provide(s, i, 1);
		return;
	case UD_CTL:
		if (cqe->res < 0) { /* whoever held the other end is gone: serve who we have */
			close_handle(s, s->ctl);
			s->ctl = 0;
			return;
		}
		/* A new client: 4 bytes of rights, one endpoint. */
		if (cqe->res == 4 && s->ctl_info->nhandles == 1) {
			uint32_t rights;
			__builtin_memcpy(&rights, s->ctl_buf, 4);
			if (fs_server_add(s, s->ctl_info->handles[0],
					  rights & (FS_CLIENT_READ | FS_CLIENT_WRITE)) < 0)
				close_handle(s, s->ctl_info->handles[0]);
		} else {
			for (uint32_t k = 0;
			     k < s->ctl_info->nhandles && k < RC_CHANNEL_HANDLES_MAX; k++)
				close_handle(s, s->ctl_info->handles[k]);
		}
		arm_ctl(s);
		return;
	}
}

int fs_server_done(const struct fs_server *s)
{
	if (s->ctl)
		return 0;
	for (uint32_t i = 0; i < FS_CONNS_MAX; i++)
		if (s->conns[i].handle)
			return 0;
	return s->pool_free == FS_REPLY_SLOTS;
}

int fs_server_poll(struct fs_server *s, int wait)
{
	struct rc_cqe *cqe;
	int done = 0;
	if (wait && rc_cq_ready(s->ring) == 0) {
		int r = rc_submit_and_wait(s->ring, 1);
		if (r < 0 && r != -RC_EINTR)
			return r;
	}
	while (rc_peek_cqe(s->ring, &cqe) == 0) {
		struct rc_cqe copy = *cqe;
		rc_cqe_seen(s->ring, cqe);
		handle_cqe(s, &copy);
		done++;
	}
	/* Receives that ran out of buffers, armed again now that some are back. */
	for (uint32_t i = 0; i < FS_CONNS_MAX && s->pool_free; i++)
		if (s->conns[i].handle && s->conns[i].rearm)
			arm_recv(s, i);
	if (done)
		s->stats.passes++;
	int r = rc_submit(s->ring);
	return r < 0 ? r : done;
}
