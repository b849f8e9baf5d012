/*
 * rfile.c - rc_prep_open/read/write/readdir/close in the ringcall kernel,
 * where files live in the file server (user/fs/): just before the enter
 * trap (rt.c's backend), each OPEN, and each READ, WRITE, READDIR or CLOSE
 * of a file handle, waiting in the SQ is rewritten in place into a CHANNEL_CALL to
 * the server (op | FS_OP_RAW), keeping its user_data and flags. The
 * server answers with CHANNEL_REPLY's RC_CHANNEL_REPLY_RES, so the kernel
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
 * request still lies there uncopied; the others take room in a
 * FIFO arena, given back once the kernel took the entry (sq_head past it;
 * a doorbell ring's SQ is read only in our own enter, which ran it) or,
 * for an entry that may wait in a LINK chain or behind DRAIN, once
 * everything taken has finished (sq_retired == sq_head).
 */
#include "ulib.h"
#include "fsc.h"

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

struct ring_state {
	const struct rc_ring *r;
	uint32_t scanned;  /* SQ index: everything before it is translated */
	uint8_t link_open; /* the entry before scanned had LINK */
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

/* Give back the oldest uses whose entries the kernel has run. */
static void reclaim(void)
{
	while (uses_n) {
		struct use *u = &uses[uses_head];
		struct rc_ring_hdr *h = u->rs->r->hdr;
		uint32_t head = rc_load_acquire(&h->sq_head); /* pairs with the engine's release */
		if ((int32_t)(head - u->sq_index) <= 0)
			return; /* not taken yet */
		if (u->deferred && rc_load_acquire(&h->sq_retired) != head)
			return; /* it may still wait in its chain */
		if (!u->inbuf)
			arena_used -= u->size;
		else if (--inbufs == 0)
			inbuf_lo = inbuf_hi = 0;
		uses_head = (uses_head + 1) % USES;
		uses_n--;
	}
}

/* n bytes of the arena for the request of entry i of rs, or NULL. */
static uint8_t *arena_get(const struct ring_state *rs, uint32_t i, uint32_t n, int deferred)
{
	uint32_t size = (n + 63u) & ~63u, pad = 0;
	if (uses_n == USES || arena_used + size > ARENA)
		reclaim();
	if (arena_head + size > ARENA)
		pad = ARENA - arena_head; /* contiguous: skip the tail end */
	if (uses_n == USES || arena_used + pad + size > ARENA)
		return NULL;
	uint8_t *p = arena + (arena_head + pad) % ARENA;
	arena_head = (arena_head + pad + size) % ARENA;
	arena_used += pad + size;
	uses[(uses_head + uses_n++) % USES] = (struct use){
		.rs = rs, .sq_index = i, .size = pad + size, .deferred = (uint8_t)deferred
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

/* Let the kernel take the entries of rs before index i (so that the arena
 * room of those it runs comes back): the tail at i for one enter. */
static void take_before(const struct ring_state *rs, uint32_t i)
{
	struct rc_ring *r = (struct rc_ring *)rs->r;
	/* Orders the translated entries before the tail that counts them. */
	rc_store_release(&r->hdr->sq_tail, i);
	rt_enter((uint32_t)(uintptr_t)r->backend_data, i - rc_load_acquire(&r->hdr->sq_head), 0,
		 RC_ENTER_SQ_WAKEUP);
	rc_store_release(&r->hdr->sq_tail, r->sqe_head); /* as rc_submit published it */
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

/* The request of entry i (header h, then len bytes from data) in the
 * arena: NULL if it is full. */
static uint8_t *put_request(const struct ring_state *rs, uint32_t i, int deferred, struct fs_req *h,
			    const void *data, uint32_t len)
{
	uint8_t *p = arena_get(rs, i, (uint32_t)sizeof(*h) + len, deferred);
	if (!p) {
		take_before(rs, i);
		p = arena_get(rs, i, (uint32_t)sizeof(*h) + len, deferred);
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

static int32_t open_form(const struct rc_sqe *s)
{
	const struct rc_args_open *a = &s->args.open;
	if (s->handle || a->path_len == 0 || a->path_len > RC_PATH_MAX ||
	    a->access >= RC_ACCESS_COUNT || (a->flags & ~RC_OPEN_FLAGS) || a->mode > 0777)
		return -RC_EINVAL; /* as the decode refuses them */
	if (a->path_len > FS_PATH_MAX)
		return -RC_ENAMETOOLONG; /* the server's limit */
	return 0;
}

/* Rewrite entry i of rs (at sqe) if it is a file op. */
static void translate(const struct ring_state *rs, uint32_t i, struct rc_sqe *sqe, int deferred)
{
	struct fs_req h = { 0 };
	uint8_t *req = NULL;
	uint32_t n;
	int32_t err = 0;
	switch (sqe->opcode) {
	case RC_OP_OPEN: {
		const struct rc_args_open *a = &sqe->args.open;
		err = open_form(sqe);
		if (err)
			break;
		h = (struct fs_req){ .op = FS_OP_OPEN, .flags = a->flags, .access = a->access };
		req = put_request(rs, i, deferred, &h, (const void *)(uintptr_t)a->path,
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
		if (a->rsvd || a->len > RC_IO_MAX || a->offset > INT64_MAX ||
		    (dir && a->len < RC_DIRENT_LEN(1))) {
			err = -RC_EINVAL; /* as the decode refuses them */
			break;
		}
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
		req = put_request(rs, i, deferred, &h, NULL, 0);
		if (req)
			to_call(sqe, req, sizeof(h), buf, n);
		break;
	}
	case RC_OP_WRITE: {
		const struct rc_args_write *a = &sqe->args.write;
		if (a->rsvd || a->len > RC_IO_MAX || a->offset > INT64_MAX) {
			err = -RC_EINVAL;
			break;
		}
		n = a->len < FS_IO_MAX ? a->len : FS_IO_MAX; /* a short write beyond */
		h = (struct fs_req){ .op = FS_OP_WRITE,
				     .handle = sqe->handle,
				     .offset = a->offset };
		req = put_request(rs, i, deferred, &h, (const void *)(uintptr_t)a->buf, n);
		if (req)
			to_call(sqe, req, (uint32_t)sizeof(h) + n, NULL, 0);
		break;
	}
	case RC_OP_CLOSE:
		if (sqe->args.close.flags) {
			err = -RC_EINVAL;
			break;
		}
		h = (struct fs_req){ .op = FS_OP_CLOSE, .handle = sqe->handle };
		req = put_request(rs, i, deferred, &h, NULL, 0);
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

/* Is entry sqe one rfile_translate rewrites? */
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
		if (rings[k].r == r)
			return &rings[k];
	for (uint32_t k = 0; k < RINGS; k++)
		if (!rings[k].r) {
			/* Pairs with the engine's release: what it took is not ours to look at. */
			rings[k] = (struct ring_state){
				.r = r, .scanned = rc_load_acquire(&r->hdr->sq_head)
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

void rfile_translate(struct rc_ring *r)
{
	if (!have_server())
		return; /* no files: every op goes to the kernel (OPEN: -EOPNOTSUPP) */
	if (r->setup_flags & RC_SETUP_POLL)
		return; /* its SQ is the poller's as soon as the tail moves */
	struct ring_state *rs = state_of(r);
	if (!rs)
		return;
	/* Pairs with the engine's release: entries before its head are taken
	 * (some passed untranslated while we had no server). */
	uint32_t head = rc_load_acquire(&r->hdr->sq_head);
	if ((int32_t)(head - rs->scanned) > 0) {
		rs->scanned = head;
		rs->link_open = 0; /* a chain open there is the kernel's to judge */
	}
	for (uint32_t i = rs->scanned; i != r->sqe_head; i++) {
		struct rc_sqe *sqe = &r->sqes[i & r->sq_mask];
		int deferred = rs->link_open || (sqe->flags & RC_SQE_DRAIN);
		rs->link_open = (sqe->flags & RC_SQE_LINK) != 0;
		if (is_file_op(sqe))
			translate(rs, i, sqe, deferred);
	}
	rs->scanned = r->sqe_head;
}
