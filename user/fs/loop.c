/*
 * loop.c - the file server's main loop, portable: it speaks only the
 * ringcall user library (include/ringcall/ringcall.h), so the ringcall
 * kernel's server (server.c) and the hosted tests run the same code.
 *
 * Each client is a channel endpoint with a receive armed on it. A pass
 * takes every completion ready, serves each request (fs_serve), queues its
 * reply and re-arms the receive, then submits all of it at once: the
 * replies of a pass cost one trap together. A reply buffer stays taken
 * until its send completes; when none is free, a received request waits
 * in its client's buffer (the receive is not re-armed: the client's
 * further requests wait in the channel, never dropped).
 */
#include "ringcall/ringcall.h"
#include "fs.h"

enum {
	UD_RECV = 1,
	UD_SEND,
	UD_CTL,
	UD_CLOSE
};

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
	rc_prep_channel_recv(sqe, c->handle, c->buf, FS_MSG_MAX, sizeof(*c->info), c->info, 0);
	rc_sqe_set_data(sqe, ud(UD_RECV, i));
	c->armed = 1;
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

int fs_server_init(struct fs_server *s, struct fs *fs, struct rc_ring *ring, uint32_t ctl,
		   void *mem)
{
	__builtin_memset(s, 0, sizeof(*s));
	s->fs = fs;
	s->ring = ring;
	s->ctl = ctl;
	uint8_t *m = mem;
	for (uint32_t i = 0; i <= FS_CONNS_MAX; i++) {
		uint8_t *buf = m;
		struct rc_channel_info *info = (struct rc_channel_info *)(m + FS_MSG_MAX);
		m += FS_MSG_MAX + sizeof(struct rc_channel_info);
		if (i == FS_CONNS_MAX) {
			s->ctl_buf = buf;
			s->ctl_info = info;
		} else {
			s->conns[i].buf = buf;
			s->conns[i].info = info;
		}
	}
	s->slots = m;
	for (uint32_t i = 0; i < FS_REPLY_SLOTS; i++)
		s->slot_free[s->nslot_free++] = FS_REPLY_SLOTS - 1 - i;
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

/* Client i is gone (or misbehaved): close its files and its endpoint. */
static void conn_drop(struct fs_server *s, uint32_t i)
{
	struct fs_conn *c = &s->conns[i];
	fs_client_reset(s->fs, &c->client);
	close_handle(s, c->handle);
	c->handle = 0;
	c->armed = c->waiting = 0;
	s->stats.clients_gone++;
}

/* Queue reply rep (n bytes, in a reply slot) to client i. */
static void send_reply(struct fs_server *s, uint32_t i, uint32_t slot, uint32_t n)
{
	struct rc_sqe *sqe = sqe_get(s);
	rc_prep_channel_send(sqe, s->conns[i].handle, s->slots + (size_t)slot * FS_MSG_MAX, n, 0,
			     NULL, 0);
	rc_sqe_set_data(sqe, ud(UD_SEND, slot));
	s->stats.replies++;
}

/* A CONNECT: the message brought one endpoint for a new client, with at
 * most the sender's rights. 0, or the error to answer. */
static int do_connect(struct fs_server *s, struct fs_conn *c, uint32_t len)
{
	struct fs_req h;
	if (len != sizeof(h) || c->info->nhandles != 1)
		return -RC_EINVAL;
	__builtin_memcpy(&h, c->buf, sizeof(h));
	if (h.op != FS_OP_CONNECT || h.handle || h.offset || h.count || h.access || h.len)
		return -RC_EINVAL;
	if (h.flags & ~c->client.rights)
		return -RC_EACCES;
	int r = fs_server_add(s, c->info->handles[0], h.flags);
	return r < 0 ? r : 0;
}

/* Serve the request waiting in client i's buffer, if a reply slot is free. */
static void serve_one(struct fs_server *s, uint32_t i)
{
	struct fs_conn *c = &s->conns[i];
	if (s->nslot_free == 0) {
		c->waiting = 1;
		return;
	}
	uint32_t slot = s->slot_free[--s->nslot_free];
	uint8_t *rep = s->slots + (size_t)slot * FS_MSG_MAX;
	uint32_t n;
	s->stats.requests++;
	if (c->info->nhandles) {
		int r = do_connect(s, c, c->msg_len);
		if (r <
		    0) /* the handles came to a request that takes none: give them back to no one */
			for (uint32_t k = 0; k < c->info->nhandles && k < RC_CHANNEL_HANDLES_MAX;
			     k++)
				close_handle(s, c->info->handles[k]);
		struct fs_rep out = { .res = r };
		if (c->msg_len >= sizeof(struct fs_req))
			__builtin_memcpy(&out.tag, c->buf + __builtin_offsetof(struct fs_req, tag),
					 8);
		__builtin_memcpy(rep, &out, sizeof(out));
		n = sizeof(out);
	} else {
		n = fs_serve(s->fs, &c->client, c->buf, c->msg_len, rep);
	}
	c->waiting = 0;
	send_reply(s, i, slot, n);
	arm_recv(s, i);
}

/* One completion. */
static void handle_cqe(struct fs_server *s, const struct rc_cqe *cqe)
{
	uint32_t kind = (uint32_t)(cqe->user_data >> 32), i = (uint32_t)cqe->user_data;
	switch (kind) {
	case UD_RECV: {
		if (i >= FS_CONNS_MAX || !s->conns[i].handle)
			return;
		struct fs_conn *c = &s->conns[i];
		c->armed = 0;
		if (cqe->res < 0) { /* -EPIPE: the client is gone; any other: it misbehaved */
			conn_drop(s, i);
			return;
		}
		c->msg_len = (uint32_t)cqe->res;
		serve_one(s, i);
		return;
	}
	case UD_SEND:
		if (i < FS_REPLY_SLOTS)
			s->slot_free[s->nslot_free++] = i;
		for (uint32_t k = 0; k < FS_CONNS_MAX && s->nslot_free; k++)
			if (s->conns[k].handle && s->conns[k].waiting)
				serve_one(s, k);
		return;
	case UD_CTL:
		if (cqe->res < 0) {
			s->ctl = 0; /* whoever held the other end is gone: serve who we have */
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
	if (done)
		s->stats.passes++;
	int r = rc_submit(s->ring);
	return r < 0 ? r : done;
}
