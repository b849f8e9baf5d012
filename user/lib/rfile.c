/*
 * rfile.c - rc_prep_open/read/write/readdir/close in the ringcall kernel,
 * where files live in the file server (user/fs/): each submit hands the
 * entries it is about to publish to rt_files_backend's prepare hook
 * (rfile_prepare), which rewrites each OPEN, and each READ, WRITE, READDIR
 * or CLOSE of a file handle, in place into a CHANNEL_CALL to the server
 * (op | FS_OP_RAW), keeping its user_data and flags, before the engine
 * can see it: on a doorbell ring and on a polled one alike. The server
 * answers with CHANNEL_REPLY's RC_CHANNEL_REPLY_RES, so the kernel
 * completes the call with the op's own result: one CQE per SQE, LINK
 * chains broken by a failing file op, SKIP_SUCCESS and DRAIN as for any
 * op. docs/kernel.md "Files from programs".
 *
 * File handles are the server's (1..FS_OPEN_MAX); a kernel handle is
 * never below 0x10000 (its generation is at least 1), so the handle alone
 * says where an op goes. A request the server would refuse for its form
 * (the hosted decode's checks) becomes a NOP with that error.
 *
 * Request bytes must live until the kernel copies them (when it runs the
 * CALL): a READ of 40 bytes or more writes its request into the caller's
 * own buffer (which the reply then overwrites) unless another READ's
 * request still lies there uncopied; the others take room in a FIFO
 * arena. A request is known copied once the kernel took its entry
 * (sq_head past it) on a doorbell ring, whose SQ is read only in our own
 * enter, which ran it; else once everything taken has finished (sq_retired
 * == sq_head): for an entry that may wait in a LINK chain or behind DRAIN,
 * and for every entry of a polled ring, whose poller runs an entry just
 * after it moves sq_head past it, on another CPU.
 */
#include "ulib.h"
#include "fsc.h"
#include "ringcall/table.h"

_Static_assert(offsetof(struct rc_args_readdir, len) == offsetof(struct rc_args_read, len) &&
		       offsetof(struct rc_args_readdir, flags) ==
			       offsetof(struct rc_args_read, rsvd) &&
		       offsetof(struct rc_args_readdir, index) ==
			       offsetof(struct rc_args_read, offset),
	       "READDIR's fields lie where READ's do");

#define ARENA	   65536u
#define USES	   256u	   /* requests in the arena at once */
#define RINGS	   4u	   /* rings translated (rt_ring and three more) */
#define FILE_H_MAX 0xffffu /* above: a kernel handle */

/* A ring we translate for, known by its shared header (a test may attach
 * another ring to the same struct rc_ring). */
struct ring_state {
	struct rc_ring_hdr *hdr;
	uint32_t barrier;  /* polled: sq_head before our last enter; entries before it have run */
	uint8_t polled;	   /* its poller runs entries on its own, on another CPU */
	uint8_t link_open; /* the last entry prepared had LINK */
};

struct use {
	const struct ring_state *rs;
	uintptr_t inbuf;   /* a READ's request in its own buffer: the buffer; 0: in the arena */
	uint32_t sq_index; /* the entry's */
	uint32_t size;	   /* arena bytes, padding included; the buffer's length if inbuf */
	uint8_t deferred;  /* may run after its enter (LINK successor, DRAIN) */
};

static uint8_t arena[ARENA] __attribute__((aligned(64)));
static uint32_t arena_head, arena_used; /* FIFO: next byte handed out; bytes in use */
static struct use uses[USES];
static uint32_t uses_head, uses_n;
static struct ring_state rings[RINGS];
/* The READ requests in their own buffers among the uses, and bounds of
 * their buffers (a new one outside them needs no search). */
static uint32_t inbufs;
static uintptr_t inbuf_lo, inbuf_hi;

/* Has the kernel copied the request of use u (see the top)? */
static int copied(const struct use *u)
{
	const struct ring_state *rs = u->rs;
	if (rs->polled && !u->deferred && (int32_t)(rs->barrier - u->sq_index) > 0)
		return 1; /* taken before an enter of ours began: run (wait_polled) */
	/* sq_retired first, sq_head after: retired never passes the head, so
	 * equal values say that every entry taken when retired was read had
	 * finished (read the other way round, an entry taken in between could
	 * hide behind one that finished). Both pair with the engine's
	 * store_release. */
	int all = u->deferred || rs->polled;
	uint32_t retired = all ? rc_load_acquire(&rs->hdr->sq_retired) : 0;
	uint32_t head = rc_load_acquire(&rs->hdr->sq_head);
	if ((int32_t)(head - u->sq_index) <= 0)
		return 0; /* not taken yet */
	return !all || retired == head;
}

/* Give back the oldest uses whose requests the kernel has copied. */
static void reclaim(void)
{
	while (uses_n) {
		struct use *u = &uses[uses_head];
		if (!copied(u))
			return;
		if (!u->inbuf)
			arena_used -= u->size;
		else if (--inbufs == 0)
			inbuf_lo = inbuf_hi = 0;
		uses_head = (uses_head + 1) % USES;
		uses_n--;
	}
}

/* The room n bytes take in the arena (padding to the arena's end
 * included), or 0 if there is none now. */
static uint32_t arena_room(uint32_t n)
{
	uint32_t size = (n + 63u) & ~63u, pad = 0;
	if (arena_head + size > ARENA)
		pad = ARENA - arena_head; /* contiguous: skip the tail end */
	if (uses_n == USES || arena_used + pad + size > ARENA)
		return 0;
	return pad + size;
}

/* n bytes of the arena for the request of entry i of rs, or NULL. */
static uint8_t *arena_get(const struct ring_state *rs, uint32_t i, uint32_t n, int deferred)
{
	uint32_t size = (n + 63u) & ~63u;
	if (uses_n == USES || arena_used + size > ARENA)
		reclaim();
	uint32_t room = arena_room(n);
	if (!room)
		return NULL;
	uint8_t *p = arena + (arena_head + room - size) % ARENA;
	arena_head = (arena_head + room) % ARENA;
	arena_used += room;
	uses[(uses_head + uses_n++) % USES] = (struct use){
		.rs = rs, .sq_index = i, .size = room, .deferred = (uint8_t)deferred
	};
	return p;
}

/* May the request of READ entry i of rs go into its own buffer buf (len
 * bytes)? Not while the request of another READ lies uncopied in the
 * same bytes: writing it there would send that READ with this one's
 * handle and offset. If so, it is recorded as a use until the kernel has
 * copied it; if not (or no use is free), it goes to the arena. */
static int inbuf_claim(const struct ring_state *rs, uint32_t i, uintptr_t buf, uint32_t len,
		       int deferred)
{
	reclaim();
	if (uses_n == USES)
		return 0;
	for (uint32_t k = 0; inbufs && buf < inbuf_hi && inbuf_lo < buf + len && k < uses_n; k++) {
		const struct use *u = &uses[(uses_head + k) % USES];
		if (u->inbuf && u->inbuf < buf + len && buf < u->inbuf + u->size)
			return 0;
	}
	uses[(uses_head + uses_n++) % USES] = (struct use){
		.rs = rs, .inbuf = buf, .sq_index = i, .size = len, .deferred = (uint8_t)deferred
	};
	inbuf_lo = inbufs && inbuf_lo < buf ? inbuf_lo : buf;
	inbuf_hi = inbufs && inbuf_hi > buf + len ? inbuf_hi : buf + len;
	inbufs++;
	return 1;
}

/* Publish r's entries before index i, all prepared, as rc_submit would:
 * on a polled ring each one's seq, then the tail. */
static void publish_before(struct rc_ring *r, uint32_t i)
{
	struct rc_ring_hdr *h = r->hdr;
	if (r->setup_flags & RC_SETUP_POLL)
		for (uint32_t k = rc_load_relaxed(&h->sq_tail); k != i; k++)
			/* Orders the entry's words before the seq that releases
			 * it to the poller. */
			rc_store_release(&r->sqes[k & r->sq_mask].seq, k + 1);
	/* Orders the entries before the tail that counts them. */
	rc_store_release(&h->sq_tail, i);
}

#define POLL_SPIN (UINT64_C(1) << 30) /* cycles: a bound for a poller that does not come */

/* The first entry of r in [k, i) with DRAIN (published, ours to read), or i. */
static uint32_t first_drain(const struct rc_ring *r, uint32_t k, uint32_t i)
{
	while (k != i && !(r->sqes[k & r->sq_mask].flags & RC_SQE_DRAIN))
		k++;
	return k;
}

/* A polled ring's entries before i are published: let its poller take
 * them and run them, then give back the room of those it ran. It is woken
 * if it sleeps, then waited for (spinning: taking an entry posts nothing
 * an enter could sleep on) up to a DRAIN among them, which is held until
 * everything before it has finished, and not at all while the ring is
 * BUSY (it takes nothing until the caller reaps). Then one enter: the
 * poller runs a process's rings under the process's lock, which enter
 * takes (kernel/kwalk.h), so once it returns, every entry taken before it
 * began has run, and its request is copied. */
static void wait_polled(struct rc_ring *r, struct ring_state *rs, uint32_t i)
{
	struct rc_ring_hdr *h = r->hdr;
	uint32_t handle = (uint32_t)(uintptr_t)r->backend_data;
	/* Orders the seq and tail stores before the flag load; pairs with the
	 * poller's fence after it sets NEED_WAKEUP (rc_submit's doorbell). */
	rc_fence_full();
	if (rc_load_relaxed(&h->flags) & RC_RING_NEED_WAKEUP)
		rt_enter(handle, 0, 0, RC_ENTER_SQ_WAKEUP);
	/* Pairs with the engine's store_release of sq_head. */
	uint32_t head = rc_load_acquire(&h->sq_head);
	uint32_t until = first_drain(r, head, i);
	for (uint64_t t0 = rt_rdtsc(); (int32_t)(until - head) > 0;
	     head = rc_load_acquire(&h->sq_head)) {
		if ((rc_load_relaxed(&h->flags) & RC_RING_BUSY) || rt_rdtsc() - t0 > POLL_SPIN)
			break;
		__builtin_ia32_pause();
	}
	rt_enter(handle, 0, 0, RC_ENTER_SQ_WAKEUP); /* the barrier (and a doorbell, if needed) */
	if ((int32_t)(head - rs->barrier) > 0)
		rs->barrier = head;
	reclaim();
}

/* Let the kernel take the entries of r before index i (so that the arena
 * room of those it runs comes back): they are published; a doorbell ring
 * is entered once, a polled one waited on. */
static void take_before(struct rc_ring *r, struct ring_state *rs, uint32_t i)
{
	publish_before(r, i);
	if (rs->polled) {
		wait_polled(r, rs, i);
		return;
	}
	rt_enter((uint32_t)(uintptr_t)r->backend_data, i - rc_load_acquire(&r->hdr->sq_head), 0,
		 RC_ENTER_SQ_WAKEUP);
	reclaim();
}

/* Make sqe complete at once with res (its user_data and flags kept). */
static void fail(struct rc_sqe *sqe, int32_t res)
{
	uint64_t ud = sqe->user_data;
	uint8_t flags = sqe->flags;
	rc_prep_nop(sqe, res);
	sqe->user_data = ud;
	sqe->flags = flags;
}

/* Make sqe the CALL of the request at req (len bytes), the reply's data to
 * reply (reply_len bytes at most). */
static void to_call(struct rc_sqe *sqe, const void *req, uint32_t len, void *reply,
		    uint32_t reply_len)
{
	uint64_t ud = sqe->user_data;
	uint8_t flags = sqe->flags;
	rc_prep_channel_call(sqe, fsc_channel, req, len, 0, NULL, reply, reply_len, 0);
	sqe->user_data = ud;
	sqe->flags = flags;
}

/* The request of entry i of r (header h, then len bytes from data) in the
 * arena: NULL if it is full. */
static uint8_t *put_request(struct rc_ring *r, struct ring_state *rs, uint32_t i, int deferred,
			    struct fs_req *h, const void *data, uint32_t len)
{
	uint32_t n = (uint32_t)sizeof(*h) + len;
	uint8_t *p = arena_get(rs, i, n, deferred);
	if (!p) {
		take_before(r, rs, i);
		p = arena_get(rs, i, n, deferred);
	}
	if (!p)
		return NULL;
	h->op |= FS_OP_RAW;
	h->len = len;
	memcpy(p, h, sizeof(*h));
	if (len)
		memcpy(p + sizeof(*h), data, len);
	return p;
}
/* 0 if the server can take an OPEN of sqe's form (the table's checks
 * passed): its own limit on a path's length. */
static int32_t open_form(const struct rc_sqe *s)
{
	if (s->args.open.path_len > FS_PATH_MAX)
		return -RC_ENAMETOOLONG; /* the server's limit */
	return 0;
}

/* Rewrite entry i of r (at sqe, state rs) if it is a file op. */
static void translate(struct rc_ring *r, struct ring_state *rs, uint32_t i, struct rc_sqe *sqe,
		      int deferred)
{
	struct fs_req h = { 0 };
	uint8_t *req = NULL;
	uint32_t n;
	/* Refuse first what the decode of any platform would (the table's
	 * checks: header, reserved words, unused bytes, every scalar's range). */
	int32_t err = rc_sqe_check_form(sqe);
	if (err) {
		fail(sqe, err);
		return;
	}
	switch (sqe->opcode) {
	case RC_OP_OPEN: {
		const struct rc_args_open *a = &sqe->args.open;
		err = open_form(sqe);
		if (err)
			break;
		h = (struct fs_req){ .op = FS_OP_OPEN, .flags = a->flags, .access = a->access };
		req = put_request(r, rs, i, deferred, &h, (const void *)(uintptr_t)a->path,
				  a->path_len);
		if (req)
			to_call(sqe, req, (uint32_t)sizeof(h) + a->path_len, NULL, 0);
		break;
	}
	case RC_OP_READ:
	case RC_OP_READDIR: {
		/* READDIR's fields lie where READ's do (buf, len, flags, index) */
		const struct rc_args_read *a = &sqe->args.read;
		int dir = sqe->opcode == RC_OP_READDIR;
		n = a->len < FS_IO_MAX ? a->len : FS_IO_MAX; /* a short read beyond */
		h = (struct fs_req){ .op = (dir ? FS_OP_READDIR : FS_OP_READ) | FS_OP_RAW,
				     .handle = sqe->handle,
				     .offset = a->offset,
				     .count = n };
		void *buf = (void *)(uintptr_t)a->buf;
		if (n >= sizeof(h) && inbuf_claim(rs, i, (uintptr_t)buf, n, deferred)) {
			/* the request in the caller's buffer, until the reply */
			memcpy(buf, &h, sizeof(h));
			to_call(sqe, buf, sizeof(h), buf, n);
			return;
		}
		h.op &= ~FS_OP_RAW; /* put_request adds it */
		req = put_request(r, rs, i, deferred, &h, NULL, 0);
		if (req)
			to_call(sqe, req, sizeof(h), buf, n);
		break;
	}
	case RC_OP_WRITE: {
		const struct rc_args_write *a = &sqe->args.write;
		n = a->len < FS_IO_MAX ? a->len : FS_IO_MAX; /* a short write beyond */
		h = (struct fs_req){ .op = FS_OP_WRITE,
				     .handle = sqe->handle,
				     .offset = a->offset };
		req = put_request(r, rs, i, deferred, &h, (const void *)(uintptr_t)a->buf, n);
		if (req)
			to_call(sqe, req, (uint32_t)sizeof(h) + n, NULL, 0);
		break;
	}
	case RC_OP_CLOSE:
		h = (struct fs_req){ .op = FS_OP_CLOSE, .handle = sqe->handle };
		req = put_request(r, rs, i, deferred, &h, NULL, 0);
		if (req)
			to_call(sqe, req, sizeof(h), NULL, 0);
		break;
	default: return;
	}
	if (!err && !req)
		err = -RC_ENOBUFS; /* the arena is full of requests the kernel cannot take yet */
	if (err)
		fail(sqe, err);
}

/* Is entry sqe one rfile_prepare rewrites? */
static int is_file_op(const struct rc_sqe *sqe)
{
	switch (sqe->opcode) {
	case RC_OP_OPEN: return 1;
	case RC_OP_READ:
	case RC_OP_READDIR:
	case RC_OP_WRITE:
	case RC_OP_CLOSE: return sqe->handle >= 1 && sqe->handle <= FILE_H_MAX;
	default: return 0;
	}
}

static struct ring_state *state_of(struct rc_ring *r)
{
	for (uint32_t k = 0; k < RINGS; k++)
		if (rings[k].hdr == r->hdr)
			return &rings[k];
	for (uint32_t k = 0; k < RINGS; k++)
		if (!rings[k].hdr) {
			/* Entries before its head are not ours (pairs with the
			 * engine's release). */
			rings[k] = (struct ring_state){
				.hdr = r->hdr,
				.barrier = rc_load_acquire(&r->hdr->sq_head),
				.polled = (r->setup_flags & RC_SETUP_POLL) != 0
			};
			return &rings[k];
		}
	return NULL; /* more rings than RINGS: their file ops go to the kernel (-EOPNOTSUPP) */
}

/* Does this process use files (RT_USES_FILES) and hold a channel to the
 * file server? fsc_channel is SPAWN's first handle by convention, so only
 * if SPAWN gave one (or the program set it). */
static int have_server(void)
{
	if (!&rt_uses_files || !rt_uses_files)
		return 0;
	return fsc_channel && (fsc_channel != RK_SPAWN_HANDLE(0) || rt_spawn_handles >= 1);
}

void rfile_prepare(struct rc_ring *r, uint32_t from, uint32_t to)
{
	if (!have_server())
		return; /* no files: every op goes to the kernel (OPEN: -EOPNOTSUPP) */
	struct ring_state *rs = state_of(r);
	if (!rs)
		return;
	for (uint32_t i = from; i != to; i++) {
		struct rc_sqe *sqe = &r->sqes[i & r->sq_mask];
		int deferred = rs->link_open || (sqe->flags & RC_SQE_DRAIN);
		rs->link_open = (sqe->flags & RC_SQE_LINK) != 0;
		if (is_file_op(sqe))
			translate(r, rs, i, sqe, deferred);
	}
}
