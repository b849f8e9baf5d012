/*
 * channel.c - channels: messages and handles between callers.
 *
 * A channel is two endpoints; a handle names one endpoint. A message sent
 * on an endpoint queues at the other one (its peer) until a receive there
 * takes it. Handles in a message leave the sender's table at send and
 * enter the receiver's at receive; meanwhile the message holds them.
 *
 * Lifetimes (the rule of docs/kernel.md "Object lifetimes"): a channel
 * counts its references (every handle naming either end, in a table or in
 * a queued message, and every parked request on it); it is freed when the
 * last one goes, never while a request still points at it. An endpoint
 * closes when no handle names it any more: its queued messages (and the
 * handles inside them) are released, and every request parked on either
 * end is made ready, to fail with -EPIPE (peer) or -EBADF (own handle
 * gone). Releasing a message can close further endpoints: a work list, not
 * recursion, so a chain of endpoints inside messages costs no stack.
 *
 * Cross-ring delivery: channel state is shared by rings of different
 * callers, served by different threads. All of it is guarded by the
 * platform's IPC lock (rce_handlers.ipc). A request parked on ring B is
 * never completed by ring A's thread: A moves it to B's ready list and
 * asks the platform to wake B; B's own rce_ring_run takes it from there
 * and runs the op again (rce_ipc_run_ready), so only B's thread ever
 * touches B's engine state, copies into B's memory or writes B's table.
 */
#include "engine_internal.h"

struct rce_chan;

struct rce_msg {
	struct rce_msg *next;
	uint32_t len, nhandles;
	struct rce_moved {
		struct rce_chan_end *end;
		uint32_t rights;
	} h[RC_CHANNEL_HANDLES_MAX];
	uint8_t data[];
};

#define rce_wlist rce_ipc_list

struct rce_chan_end {
	struct rce_chan *chan;
	struct rce_msg *head, *tail; /* queued here, oldest first */
	uint32_t queued;
	uint32_t handles; /* handles naming this end, anywhere */
	bool closed;
	struct rce_wlist recv_waiters; /* RECVs parked on this end */
	struct rce_wlist send_waiters; /* SENDs on this end parked for room at the peer */
	struct rce_chan_end *dead_next;
};

struct rce_chan {
	struct rce_chan_end end[2];
	uint32_t refs;
};

static const struct rce_ipc_ops *rce_ipc(struct rce_ctx *ctx)
{
	return ctx->ops->ipc;
}

static struct rce_chan_end *rce_peer(struct rce_chan_end *e)
{
	return &e->chan->end[e == &e->chan->end[0]];
}

static void rce_chan_put(struct rce_chan *ch)
{
	if (--ch->refs == 0)
		rce_port_free(ch, sizeof(*ch));
}

/* ---- wait and ready lists (under the IPC lock) ---- */

static void rce_wl_add(struct rce_wlist *l, struct rce_req *q)
{
	q->ipc_next = NULL;
	q->ipc_prev = l->tail;
	if (l->tail)
		l->tail->ipc_next = q;
	else
		l->head = q;
	l->tail = q;
	q->ipc_list = l;
}

static void rce_wl_del(struct rce_req *q)
{
	struct rce_wlist *l = q->ipc_list;

	if (q->ipc_prev)
		q->ipc_prev->ipc_next = q->ipc_next;
	else
		l->head = q->ipc_next;
	if (q->ipc_next)
		q->ipc_next->ipc_prev = q->ipc_prev;
	else
		l->tail = q->ipc_prev;
	q->ipc_next = q->ipc_prev = NULL;
	q->ipc_list = NULL;
}

/* Move a parked request to its ring's ready list and have that ring run. */
static void rce_make_ready(struct rce_req *q)
{
	struct rce_ring *r = q->call.ring;

	rce_wl_del(q);
	rce_wl_add(&r->ipc_ready, q);
	/* Pairs with the acquire in rce_ring_has_work/rce_ipc_run_ready: a
	 * ring that sees the flag sees the list (and takes the lock anyway). */
	rc_store_release(&r->ipc_kick, 1);
	rce_ipc(r->ctx)->wake(r);
}

static void rce_wake_first(struct rce_wlist *l)
{
	if (l->head)
		rce_make_ready(l->head);
}

static void rce_wake_all(struct rce_wlist *l)
{
	while (l->head)
		rce_make_ready(l->head);
}

/* Unlink q from whichever list it is on; an emptied ready list clears
 * its ring's flag. */
static void rce_unlist(struct rce_req *q)
{
	struct rce_ring *r = q->call.ring;

	if (!q->ipc_list)
		return;
	rce_wl_del(q);
	if (!r->ipc_ready.head)
		rc_store_relaxed(&r->ipc_kick, 0);
}

/* ---- endpoints closing ---- */

static void rce_msg_free(struct rce_msg *m)
{
	rce_port_free(m, sizeof(*m) + m->len);
}

/* One handle naming e goes away; e closes when it was the last. Closing
 * releases e's queue, whose handles may close further ends: all on the
 * work list, one at a time. */
static void rce_end_drop(struct rce_chan_end *e)
{
	struct rce_chan_end *work = NULL;

	if (--e->handles == 0) {
		e->dead_next = work;
		work = e;
	} else {
		rce_chan_put(e->chan);
		return;
	}
	while (work) {
		struct rce_chan_end *d = work;
		struct rce_chan *ch = d->chan;

		work = d->dead_next;
		d->closed = true;
		while (d->head) {
			struct rce_msg *m = d->head;

			d->head = m->next;
			for (uint32_t i = 0; i < m->nhandles; i++) {
				struct rce_chan_end *x = m->h[i].end;

				if (--x->handles == 0) {
					x->dead_next = work;
					work = x;
				} else {
					rce_chan_put(x->chan);
				}
			}
			rce_msg_free(m);
		}
		d->tail = NULL;
		d->queued = 0;
		rce_wake_all(&d->recv_waiters);
		rce_wake_all(&d->send_waiters);
		rce_wake_all(&rce_peer(d)->recv_waiters);
		rce_wake_all(&rce_peer(d)->send_waiters);
		rce_chan_put(ch); /* the last handle's reference */
	}
}

/* ---- handles ---- */

static int32_t rce_end_install(struct rce_ctx *ctx, struct rce_chan_end *e, uint32_t rights)
{
	int32_t h = rce_handle_install(ctx, RCE_HT_CHANNEL, rights, e);

	if (h >= 0) {
		e->handles++;
		e->chan->refs++;
	}
	return h;
}

bool rce_close_engine_object(struct rce_call *c)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(c->ctx, c->sqe->handle, RCE_HT_CHANNEL, 0, &why);

	if (!e)
		return false;
	rce_ipc(c->ctx)->lock();
	rce_handle_remove(c->ctx, c->sqe->handle);
	rce_end_drop(e);
	rce_ipc(c->ctx)->unlock();
	return true;
}

void rce_channel_ctx_close(struct rce_ctx *ctx, void *obj)
{
	rce_ipc(ctx)->lock();
	rce_end_drop(obj);
	rce_ipc(ctx)->unlock();
}

int32_t rce_channel_handle_move(struct rce_ctx *from, uint32_t handle, struct rce_ctx *to)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(from, handle, RCE_HT_CHANNEL, 0, &why);
	int32_t h;

	if (!e)
		return -RC_EBADF;
	rce_ipc(from)->lock();
	h = rce_handle_install(to, RCE_HT_CHANNEL, rce_handle_rights(from, handle), e);
	if (h >= 0)
		rce_handle_remove(from, handle); /* its reference moves with it */
	rce_ipc(from)->unlock();
	return h;
}

/* ---- parking ---- */

static void rce_ipc_cancel(struct rce_req *q)
{
	struct rce_ctx *ctx = q->call.ctx;

	rce_ipc(ctx)->lock();
	rce_unlist(q);
	if (q->ipc_chan)
		rce_chan_put(q->ipc_chan);
	q->ipc_chan = NULL;
	rce_ipc(ctx)->unlock();
}

/* Park c on list l of channel ch (lock held). */
static int32_t rce_ipc_park(struct rce_call *c, struct rce_wlist *l, struct rce_chan *ch)
{
	struct rce_req *q = rce_call_park(c, rce_ipc_cancel);

	rce_wl_add(l, q);
	q->ipc_chan = ch;
	ch->refs++;
	return RCE_PENDING;
}

/* Run the parked IPC requests other rings made ready, at most budget:
 * each runs its op again from its SQE copy (full decode: its handle may
 * be gone), completing or parking again. */
void rce_ipc_run_ready(struct rce_ring *r, uint32_t budget)
{
	const struct rce_ipc_ops *ipc = rce_ipc(r->ctx);

	while (budget-- && rc_load_acquire(&r->ipc_kick)) {
		struct rce_req *q;
		int32_t res;

		ipc->lock();
		q = r->ipc_ready.head;
		if (q) {
			rce_unlist(q);
			rce_chan_put(q->ipc_chan);
			q->ipc_chan = NULL;
		} else {
			rc_store_relaxed(&r->ipc_kick, 0);
		}
		ipc->unlock();
		if (!q)
			return;
		rce_pending_del(r, q);
		q->call.target = NULL;
		res = rce_dispatch(r, &q->call);
		if (res != RCE_PENDING)
			rce_finish(r, q, res);
	}
}

/* ---- the ops ---- */

int32_t rce_op_channel_create(struct rce_call *c, const struct rce_args_channel_create *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan *ch = rce_port_alloc(sizeof(*ch));
	struct rc_channel_pair pair;
	int32_t h0, h1;

	if (!ch)
		return -RC_ENOMEM;
	ch->end[0].chan = ch->end[1].chan = ch;
	ipc->lock();
	h0 = rce_end_install(c->ctx, &ch->end[0], RC_CHANNEL_RIGHTS);
	h1 = h0 < 0 ? h0 : rce_end_install(c->ctx, &ch->end[1], RC_CHANNEL_RIGHTS);
	pair = (struct rc_channel_pair){ .end = { (uint32_t)h0, (uint32_t)h1 } };
	if (h1 >= 0 && rce_copy_out(c, a->out, 0, &pair, sizeof(pair)) == 0) {
		ipc->unlock();
		return 0;
	}
	/* undo: the handles go, and with them the channel */
	if (h1 >= 0) {
		rce_handle_remove(c->ctx, (uint32_t)h1);
		rce_end_drop(&ch->end[1]);
	}
	if (h0 >= 0) {
		rce_handle_remove(c->ctx, (uint32_t)h0);
		rce_end_drop(&ch->end[0]);
	} else {
		rce_port_free(ch, sizeof(*ch));
	}
	ipc->unlock();
	return h0 < 0 ? h0 : h1 < 0 ? h1 : -RC_EFAULT;
}

/* The handles a message carries: each open, a CHANNEL with TRANSFER, not
 * an end of the channel it travels on, none twice. Looked up only: nothing
 * moves unless every one is good. */
static int32_t rce_check_moves(struct rce_ctx *ctx, struct rce_chan *ch, const uint32_t *hs,
			       uint32_t n, struct rce_moved *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t why;
		struct rce_chan_end *x = rce_handle_lookup(ctx, hs[i], RCE_HT_CHANNEL,
							   RC_RIGHT_TRANSFER, &why);

		if (!x)
			return -RC_EBADF;
		if (x->chan == ch)
			return -RC_EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (hs[j] == hs[i])
				return -RC_EINVAL;
		out[i].end = x;
		out[i].rights = 0;
	}
	return 0;
}

/* Queue m at e and wake e's first parked receiver (lock held). */
static void rce_enqueue(struct rce_chan_end *e, struct rce_msg *m)
{
	if (e->tail)
		e->tail->next = m;
	else
		e->head = m;
	e->tail = m;
	e->queued++;
	rce_wake_first(&e->recv_waiters);
}

int32_t rce_op_channel_send(struct rce_call *c, const struct rce_args_channel_send *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *e = c->target, *peer = rce_peer(e);
	uint32_t hs[RC_CHANNEL_HANDLES_MAX], n = a->handles_len / 4;
	struct rce_msg *m;
	int32_t err;

	if (a->handles_len % 4)
		return -RC_EINVAL;
	if (n && rce_copy_in(c, hs, a->handles, 0, a->handles_len))
		return -RC_EFAULT;
	ipc->lock();
	if (peer->closed) {
		err = -RC_EPIPE;
		goto out;
	}
	if (peer->queued >= RC_CHANNEL_QUEUE_MAX) {
		err = (a->flags & RC_CHANNEL_NOWAIT) ? -RC_EAGAIN
						     : rce_ipc_park(c, &e->send_waiters, e->chan);
		goto out;
	}
	m = rce_port_alloc(sizeof(*m) + a->len);
	if (!m) {
		err = -RC_ENOMEM;
		goto out;
	}
	m->len = a->len;
	m->nhandles = n;
	err = rce_check_moves(c->ctx, e->chan, hs, n, m->h);
	if (!err && a->len && rce_copy_in(c, m->data, a->buf, 0, a->len))
		err = -RC_EFAULT;
	if (err) {
		rce_msg_free(m);
		goto out;
	}
	/* Everything checked: the handles move (their references go with
	 * them into the message), the message queues. */
	for (uint32_t i = 0; i < n; i++) {
		m->h[i].rights = rce_handle_rights(c->ctx, hs[i]);
		rce_handle_remove(c->ctx, hs[i]);
	}
	rce_enqueue(peer, m);
	err = (int32_t)a->len;
out:
	ipc->unlock();
	return err;
}

/* Install m's handles in the caller's table, filling info; on failure
 * none stay installed. */
static int32_t rce_install_moves(struct rce_ctx *ctx, struct rce_msg *m,
				 struct rc_channel_info *info)
{
	for (uint32_t i = 0; i < m->nhandles; i++) {
		int32_t h = rce_handle_install(ctx, RCE_HT_CHANNEL, m->h[i].rights, m->h[i].end);

		if (h < 0) {
			while (i--)
				rce_handle_remove(ctx, info->handles[i]);
			return h;
		}
		info->handles[i] = (uint32_t)h;
	}
	return 0;
}

int32_t rce_op_channel_recv(struct rce_call *c, const struct rce_args_channel_recv *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	struct rce_chan_end *e = c->target, *peer = rce_peer(e);
	struct rc_channel_info info = { 0 };
	struct rce_msg *m;
	int32_t err;

	ipc->lock();
	m = e->head;
	if (!m) {
		if (peer->closed)
			err = -RC_EPIPE;
		else if (a->flags & RC_CHANNEL_NOWAIT)
			err = -RC_EAGAIN;
		else
			err = rce_ipc_park(c, &e->recv_waiters, e->chan);
		goto out;
	}
	if (m->len > a->buf.len || (m->nhandles && a->info.len < 8 + 4 * m->nhandles)) {
		err = -RC_EOVERFLOW;
		goto out;
	}
	info.len = m->len;
	info.nhandles = m->nhandles;
	err = rce_install_moves(c->ctx, m, &info);
	if (err)
		goto out;
	if ((m->len && rce_copy_out(c, a->buf, 0, m->data, m->len)) ||
	    (a->info.len && rce_copy_out(c, a->info, 0, &info, a->info.len))) {
		for (uint32_t i = 0; i < m->nhandles; i++)
			rce_handle_remove(c->ctx, info.handles[i]);
		err = -RC_EFAULT;
		goto out;
	}
	/* Taken: the message's references on its handles' ends now belong
	 * to the caller's table. */
	e->head = m->next;
	if (!e->head)
		e->tail = NULL;
	e->queued--;
	err = (int32_t)m->len;
	rce_msg_free(m);
	rce_wake_first(&peer->send_waiters); /* room at e for one more */
	if (e->head)
		rce_wake_first(&e->recv_waiters); /* another receiver may take the next */
out:
	ipc->unlock();
	return err;
}

int32_t rce_op_handle_dup(struct rce_call *c, const struct rce_args_handle_dup *a)
{
	const struct rce_ipc_ops *ipc = rce_ipc(c->ctx);
	uint32_t held = rce_handle_rights(c->ctx, c->sqe->handle);
	int32_t h;

	if (a->rights & ~held)
		return -RC_EPERM;
	ipc->lock();
	h = rce_end_install(c->ctx, c->target, a->rights);
	ipc->unlock();
	return h;
}

/* ---- for platforms: channels made and used outside any op ---- */

int32_t rce_channel_create_in(struct rce_ctx *ctx, uint32_t out[2])
{
	const struct rce_ipc_ops *ipc = rce_ipc(ctx);
	struct rce_chan *ch = rce_port_alloc(sizeof(*ch));
	int32_t h0, h1;

	if (!ch)
		return -RC_ENOMEM;
	ch->end[0].chan = ch->end[1].chan = ch;
	ipc->lock();
	h0 = rce_end_install(ctx, &ch->end[0], RC_CHANNEL_RIGHTS);
	h1 = h0 < 0 ? h0 : rce_end_install(ctx, &ch->end[1], RC_CHANNEL_RIGHTS);
	if (h1 < 0) {
		if (h0 >= 0) {
			rce_handle_remove(ctx, (uint32_t)h0);
			rce_end_drop(&ch->end[0]);
		} else {
			rce_port_free(ch, sizeof(*ch));
		}
	}
	ipc->unlock();
	if (h1 < 0)
		return h1;
	out[0] = (uint32_t)h0;
	out[1] = (uint32_t)h1;
	return 0;
}

int32_t rce_channel_send_handle(struct rce_ctx *ctx, uint32_t via, uint32_t handle)
{
	const struct rce_ipc_ops *ipc = rce_ipc(ctx);
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(ctx, via, RCE_HT_CHANNEL, RC_RIGHT_SEND, &why);
	struct rce_chan_end *peer;
	struct rce_msg *m = NULL;
	int32_t err = 0;

	if (!e)
		return -RC_EBADF;
	peer = rce_peer(e);
	ipc->lock();
	if (peer->closed)
		err = -RC_EPIPE;
	else if (peer->queued >= RC_CHANNEL_QUEUE_MAX)
		err = -RC_EAGAIN;
	else if (!(m = rce_port_alloc(sizeof(*m))))
		err = -RC_ENOMEM;
	else if ((err = rce_check_moves(ctx, e->chan, &handle, 1, m->h)) != 0)
		rce_msg_free(m);
	if (!err) {
		m->nhandles = 1;
		m->h[0].rights = rce_handle_rights(ctx, handle);
		rce_handle_remove(ctx, handle);
		rce_enqueue(peer, m);
	}
	ipc->unlock();
	return err;
}

int32_t rce_channel_close_handle(struct rce_ctx *ctx, uint32_t handle)
{
	uint8_t why;
	struct rce_chan_end *e = rce_handle_lookup(ctx, handle, RCE_HT_CHANNEL, 0, &why);

	if (!e)
		return -RC_EBADF;
	rce_ipc(ctx)->lock();
	rce_handle_remove(ctx, handle);
	rce_end_drop(e);
	rce_ipc(ctx)->unlock();
	return 0;
}
