/*
 * fuzz - a table-driven fuzzer of the kernel's ring syscalls, in the
 * manner of syzkaller: entries are built from the table's descriptors
 * (rc_op_descs, table_walk.h), each field valid or broken by its kind,
 * buffers pointing at our memory, at nothing, at the kernel, at code, at
 * other rings; with LINK, DRAIN, SKIP_SUCCESS, cancels, timeouts,
 * restrictions, spawns, waits and exits. Between random batches it plays
 * object-lifetime scenarios on purpose: rings closed from their own chains
 * and from other rings, chains completed by the timer and by other
 * processes' exits, polled rings closed under load, EXIT in the middle of
 * chains (in children), several processes at once.
 *
 * Checked here: every entry gets exactly one CQE (none lost, none twice,
 * none unknown) unless SKIP_SUCCESS let it go or the process died; children
 * end with status 0 or FUZZ_EXIT (never killed, never a failure). The
 * kernel side (kernel/kfuzz.c) checks for panics, frames and process slots.
 *
 * A batch is closed by a DRAIN'd NOP marker: it starts only when every
 * earlier entry has posted, so when its CQE arrives every CQE of the batch
 * must have arrived, and none may come later. Ops that would park without
 * bound are shaped to be bounded (TIMEOUT's ns capped, WAIT with NOHANG,
 * CONSOLE_READ only with its CANCEL), and nothing the accounting reads
 * (our rings, our out buffer) is given away (CLOSE, RESTRICT, UOUT).
 *
 * usage: fuzz SEED COUNT [FLAGS]        COUNT SQEs of our own, plus children
 *        fuzz c SEED COUNT FLAGS [p]    a child: no grandchildren, may EXIT;
 *                                       p: started with a channel end
 * Channels (issue 11): CHANNEL_CREATE, SEND, RECV, HANDLE_DUP and CLOSE of
 * endpoints come from the table like every op, aimed at a pool of
 * endpoints we hold (tracked from their CQEs) and shaped never to park
 * (NOWAIT); handles travel only over a carrier channel whose own ends
 * never travel (so the pool's accounting sees every move; the engine
 * refuses endpoint cycles itself, -EBUSY). The scenario ipc_race starts a child
 * fuzzer with one end of a channel (SPAWN's handles) and races our
 * sends, calls, a parked (or multishot) receive and a close against the
 * child's sends, receives, replies, closes and exit; a random SPAWN may
 * pass a pool handle. Transaction ids come from received calls (a
 * receive's info, a multishot's buffer) and random REPLYs answer them;
 * PROVIDE_BUFFERS gives each tracked ring buffers of ours (groups 0-1, a
 * bitmap says which the kernel holds) that multishot receives, each ended
 * by a CANCEL in its batch, fill. The scenario ipc_serve (played first,
 * then at random) is one server turn done right: calls answered through
 * a multishot receive, so every channel op succeeds at least once; the
 * main process fails if one never did (its coverage, checked at the end).
 *
 * FLAGS: letters; 'k' plays the three scenarios of issue 9 defects 1-3
 * (ring closed from its own chain completed by an exit, CLOSE racing
 * enter, EXIT mid-chain fired from the timer), which panicked or misbehaved
 * before the ring lifetime fix; 'v': children print their counts too
 * (the main processes always do). Same SEED, same entries (the interleaving
 * with other processes and the timer is the machine's).
 */
#include "ulib.h"
#include "ringcall/table_walk.h"

#define ARENA	      0x500000000ul /* MAP, UNMAP, RING_CREATE land here */
#define ARENA_PAGES   64
#define SCRATCH	      0x540000000ul /* our tracked scratch ring */
#define VICTIM	      0x548000000ul /* rings made to be closed */
#define VICTIM2	      0x550000000ul
#define KERNEL_VA     0xffffffff80100000ul
#define FUZZ_EXIT     42 /* EXIT's status, exitcode's too */
#define MAXB	      14 /* entries per batch (+ marker) */
#define MARK	      (UINT64_C(1) << 63)
#define MAX_LOOSE     6
#define MAX_FUZZ_KIDS 3 /* spawn a child fuzzer only below this many children */

static uint64_t rng;
static bool child, klife, verbose;
static const char *flags_arg = "";
static uint64_t target, sqes, batches;
static uint64_t next_data = 1;

static char inbuf[4096 + 64];	  /* UIN: dots (a console write prints dots) */
static uint8_t outbuf[4096 + 64]; /* UOUT: the kernel scribbles here */
static char argvbuf[128];	  /* SPAWN's argv */

/* Rings made by fuzzed RING_CREATEs: only closed, written to by the kernel, never read. */
static struct {
	uint32_t h;
	uint64_t addr;
} loose[MAX_LOOSE];
static int nloose, kids;

/* Buffers we provide to one ring's groups: bid i is mem[i]; given: the
 * bids the kernel holds (provided, not yet back in a CQE). */
#define PB_BUFS	    16
#define PB_LEN	    256
#define PB_GROUP    2 /* random well-formed PROVIDEs use groups 0..PB_GROUP-1 */
#define SERVE_GROUP 7 /* ipc_serve's, on the main ring; malformed ones: 2..6 */
struct pbufs {
	uint8_t mem[PB_BUFS][PB_LEN] __attribute__((aligned(64)));
	uint32_t given;
};
static struct pbufs pb_main, pb_scratch, pb_serve;

struct tring { /* a ring whose every CQE we account for */
	struct rc_ring *r;
	uint32_t h;
	bool main;
	struct pbufs *pb;
};
static struct tring mainr, scratch;
static struct rc_ring scratch_ring;
static bool have_scratch;

/* Channels: endpoints we hold (from CQEs), and the carrier: handles are
 * sent only on carrier[0] (and received only on carrier[1] or the end a
 * parent passed us, into a tracked info buffer); the carrier's ends are
 * never sent, passed or closed. */
#define POOL 4
static uint32_t pool[32]; /* more than a handle table holds: none is dropped */
static int npool;
static uint32_t carrier[2], passed; /* passed: RK_SPAWN_HANDLE(0) in a 'p' child, else 0 */
static bool have_carrier;

/* ---- randomness (splitmix64): the whole run follows from SEED ---- */

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}
static bool one_in(uint32_t n)
{
	return below(n) == 0;
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* A failure: noted now, printed by flush_fails once no DRAIN'd marker
 * holds our ring (a write queued behind one runs later, when the buffer
 * it points at holds something else). */
static char faillog[2048];
static unsigned faillen;
#define FAIL(fmt, ...)                                                                           \
	do {                                                                                     \
		if (faillen < sizeof(faillog))                                                   \
			faillen += (unsigned)snprintf(                                           \
				faillog + faillen, sizeof(faillog) - faillen,                    \
				"fuzz %s: " fmt " (batch %lu, sqe %lu)\n",                       \
				child ? "child" : "main", ##__VA_ARGS__, (unsigned long)batches, \
				(unsigned long)sqes);                                            \
		rt_fails++;                                                                      \
	} while (0)

static void flush_fails(void)
{
	if (faillen)
		rt_write(faillog, faillen < sizeof(faillog) ? faillen : sizeof(faillog) - 1);
	faillen = 0;
}

/* ---- building one entry from the table ---- */

/* A buffer address of some kind: ours (valid), unmapped, kernel, code,
 * another ring, the arena (mapped or not), wrapping, at the top. */
static uint64_t pick_ptr(bool out)
{
	switch (below(10)) {
	case 0: return 0x1000;
	case 1: return KERNEL_VA;
	case 2: return (uintptr_t)&pick_ptr;			   /* read-only code */
	case 3: return nloose ? loose[below(nloose)].addr : ARENA; /* ring memory */
	case 4:
		return out ? (uintptr_t)outbuf
			   : (uintptr_t)rt_ring.hdr; /* reading our ring is harmless */
	case 5: return ARENA + (uint64_t)below(ARENA_PAGES) * 4096 + below(2) * below(4096);
	case 6: return UINT64_MAX - below(8);
	case 7: return 0x00007ffffffff000ul + below(4096);
	default: return out ? (uintptr_t)outbuf : (uintptr_t)inbuf;
	}
}

/* Break or randomise field fd of the entry for op d. */
static void mutate_field(const struct rc_op_desc *d, const struct rc_field_desc *fd,
			 struct rc_sqe *s)
{
	struct rc_breakage b[4];
	unsigned nb = rc_field_scalar_breakages(fd, b);
	uint64_t max = rc_field_type_max(fd) |
		       (fd->is_signed ? UINT64_C(1) << (fd->size * 8 - 1) : 0);
	switch (below(4)) {
	case 0:
		if (nb) {
			rc_field_put(s, fd, b[below(nb)].value);
			return;
		}
		/* fall through */
	case 1:
		if (fd->kind == RC_FK_UIN || fd->kind == RC_FK_UOUT) {
			rc_field_put(s, fd, pick_ptr(fd->kind == RC_FK_UOUT));
			if (one_in(2))
				rc_field_put(s, rc_field_len_of(d, fd), rc_field_len_of(d, fd)->b);
			return;
		}
		rc_field_put(s, fd, one_in(2) ? fd->a : fd->b);
		return;
	default: rc_field_put(s, fd, rnd() & max);
	}
}

/* Read field fd back (little-endian, zero-extended). */
static uint64_t field_get(const struct rc_sqe *s, const struct rc_field_desc *fd)
{
	uint64_t v = 0;
	memcpy(&v, s->args.raw + fd->offset, fd->size);
	return v;
}

static const struct rc_field_desc *field_named(const struct rc_op_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return &d->fields[i];
	return NULL;
}

/* SPAWN's argv: a child fuzzer (main only, a few at a time), a quiet
 * program, one that exits FUZZ_EXIT, a missing one, or garbage. */
static uint32_t pick_argv(void)
{
	char seed[24], count[24];
	uint32_t k = below(8);
	if (k == 0 && !child && kids < MAX_FUZZ_KIDS) {
		snprintf(seed, sizeof(seed), "%lu", (unsigned long)rnd());
		snprintf(count, sizeof(count), "%u", 200 + below(800));
		const char *av[] = {
			"fuzz", "c", seed, count, flags_arg[0] ? flags_arg : "-", NULL
		};
		return rt_pack_argv(argvbuf, sizeof(argvbuf), av);
	}
	static const char *const progs[][3] = {
		{ "hello", "-q", NULL },
		{ "exitcode", NULL, NULL },
		{ "nosuchprogram", NULL, NULL },
	};
	if (k < 7)
		return rt_pack_argv(argvbuf, sizeof(argvbuf), progs[k % 3]);
	memset(argvbuf, 'x', 16); /* not NUL-terminated */
	return 16;
}

/* What an entry was, to account for its CQE. */
struct pend {
	uint64_t data;
	uint8_t op, flags;
	bool done;
	int32_t res;	 /* its last CQE's */
	uint64_t addr;	 /* RING_CREATE: where */
	uint32_t handle; /* CLOSE: which */
	/* channels: what the kernel writes (CREATE, RECV) and what moves
	 * away on success (SEND's handle, SPAWN's) */
	struct rc_channel_pair pair;
	struct rc_channel_info info;
	uint32_t moved;
	struct rc_spawn_handle give;
	bool guards_call; /* a LINK_TIMEOUT that alone ends a CALL nobody answers */
	bool ms;	  /* a multishot RECV (group: its buffers) */
	uint8_t group;
	uint32_t nmore;	   /* its CQEs with MORE so far */
	struct pbufs *pbs; /* PROVIDE_BUFFERS: bids first.. first + nbufs - 1 of pbs */
	uint32_t first, nbufs;
};
static void spare_guards(struct rc_sqe *s, const struct rc_op_desc *d);

static void pool_add(uint32_t h)
{
	if (npool < (int)(sizeof(pool) / sizeof(pool[0])))
		pool[npool++] = h;
}

static void pool_del(uint32_t h)
{
	for (int i = 0; i < npool; i++)
		if (pool[i] == h) {
			pool[i] = pool[--npool];
			return;
		}
}

/* An endpoint to aim at: mostly the pool's, sometimes the carrier's. */
static uint32_t pick_end(int carrier_end)
{
	if (have_carrier && (!npool || one_in(4)))
		return carrier[carrier_end];
	return npool ? pool[below(npool)] : 0;
}

/* Calls we received and may answer: the endpoint and the txid. */
#define MAX_TX 8
static struct {
	uint32_t h;
	uint64_t txid;
} txs[MAX_TX];
static int ntx;

static void tx_add(uint32_t h, uint64_t txid)
{
	if (ntx == MAX_TX) /* the oldest goes: its call is likely over */
		memmove(&txs[0], &txs[1], sizeof(txs[0]) * (MAX_TX - 1)), ntx--;
	txs[ntx].h = h;
	txs[ntx++].txid = txid;
}

static void tx_del(int i)
{
	txs[i] = txs[--ntx];
}

/* Bids b..b+n-1 of pb held by the kernel (given) or ours again. */
static void pb_mark(struct pbufs *pb, uint32_t b, uint32_t n, bool given)
{
	uint32_t bits = ((1u << n) - 1) << b;
	pb->given = given ? pb->given | bits : pb->given & ~bits;
}

/* A run of up to want free bids of pb, looking from bid start (its
 * first in *b), or 0. */
static uint32_t pb_free_run(struct pbufs *pb, uint32_t want, uint32_t start, uint32_t *b)
{
	for (uint32_t k = 0, i = start; k < PB_BUFS; k++, i = (i + 1) % PB_BUFS) {
		uint32_t n = 0;
		while (i + n < PB_BUFS && n < want && !(pb->given & (1u << (i + n))))
			n++;
		if (n) {
			*b = i;
			return n;
		}
	}
	return 0;
}

/* Make s a well-formed PROVIDE_BUFFERS of up to want of pb's free bids
 * to group g (p remembers them); false if none is free. */
static bool prep_pbufs(struct rc_sqe *s, struct pend *p, struct pbufs *pb, uint32_t want,
		       uint32_t g)
{
	uint32_t b, n = pb_free_run(pb, want, g == SERVE_GROUP ? 0 : below(PB_BUFS), &b);
	if (!n)
		return false;
	rc_prep_provide_buffers(s, pb->mem[b], n * PB_LEN, PB_LEN, g, b, 0);
	pb_mark(pb, b, n, true);
	p->pbs = pb;
	p->first = b;
	p->nbufs = n;
	return true;
}

/* The buffers multishot receive p (on ring t) fills. */
static struct pbufs *pb_of(struct tring *t, const struct pend *p)
{
	return p->group == SERVE_GROUP && t->main ? &pb_serve : p->group < PB_GROUP ? t->pb : NULL;
}

/* A multishot CQE named buffer bid: take what the kernel put there (the
 * handles into the pool, a call's txid to answer) and the buffer back. */
static void pb_taken(struct tring *t, const struct pend *p, int bid, int32_t res)
{
	struct pbufs *pb = pb_of(t, p);
	if (!pb || bid < 0 || bid >= PB_BUFS || !(pb->given & (1u << bid))) {
		FAIL("multishot CQE (res %d) names buffer %d of group %u, not one we gave", res,
		     bid, p->group);
		return;
	}
	struct rc_channel_info info;
	memcpy(&info, pb->mem[bid], sizeof(info));
	if (info.len != (uint32_t)res || info.nhandles > RC_CHANNEL_HANDLES_MAX)
		FAIL("buffer %d: info len %u nhandles %u, CQE res %d", bid, info.len, info.nhandles,
		     res);
	for (uint32_t i = 0; i < info.nhandles && i < RC_CHANNEL_HANDLES_MAX; i++)
		pool_add(info.handles[i]);
	if (info.txid)
		tx_add(p->handle, info.txid);
	pb_mark(pb, (uint32_t)bid, 1, false);
}

/* Shape PROVIDE_BUFFERS for ring t: mostly well-formed (our buffers, in
 * groups 0..PB_GROUP-1); else as mutated, but in a group no receive of
 * ours parses and never over our own memory. */
static void shape_pbufs(struct tring *t, const struct rc_op_desc *d, struct rc_sqe *s,
			struct pend *p)
{
	const struct rc_field_desc *g = field_named(d, "group");
	if (!one_in(8) && prep_pbufs(s, p, t->pb, 1 + below(4), below(PB_GROUP)))
		return;
	if (field_get(s, g) < PB_GROUP || field_get(s, g) == SERVE_GROUP)
		rc_field_put(s, g, PB_GROUP + below(SERVE_GROUP - PB_GROUP));
}

/* Shape a channel entry (pend p) so that it never parks, only the
 * carrier carries handles, and every handle it makes lands in p. */
static void shape_ipc(struct tring *t, const struct rc_op_desc *d, struct rc_sqe *s, struct pend *p)
{
	const struct rc_field_desc *f = field_named(d, "flags");
	s->flags &= (uint8_t)~RC_SQE_SKIP_SUCCESS; /* its CQE says what it made or moved */
	switch (d->opcode) {
	case RC_OP_CHANNEL_CREATE: {
		/* Ends written where we could not read them would fill our
		 * handle table for good: memory that may be mapped (ours, the
		 * arena) takes them in p; the rest faults (-EFAULT). */
		uint64_t a = field_get(s, field_named(d, "out"));
		if (a == (uintptr_t)outbuf ||
		    (a >= ARENA && a < ARENA + (ARENA_PAGES + 1) * 4096ul))
			rc_field_put(s, field_named(d, "out"), (uintptr_t)&p->pair);
		break;
	}
	case RC_OP_CHANNEL_SEND:
		s->handle = pick_end(0);
		if (field_get(s, f) <= RC_CHANNEL_NOWAIT)
			rc_field_put(s, f, RC_CHANNEL_NOWAIT);
		rc_field_put(s, field_named(d, "handles_len"), 0);
		if (s->handle == carrier[0] && have_carrier && npool && one_in(2)) {
			p->moved = pool[below(npool)];
			rc_field_put(s, field_named(d, "handles"), (uintptr_t)&p->moved);
			rc_field_put(s, field_named(d, "handles_len"), 4);
		} else if (one_in(8)) { /* forged handles (dots): -EBADF, nothing moves */
			rc_field_put(s, field_named(d, "handles"), (uintptr_t)inbuf);
			rc_field_put(s, field_named(d, "handles_len"), 4 * (1 + below(4)));
		}
		break;
	case RC_OP_CHANNEL_RECV:
		s->handle = one_in(2) && passed ? passed : pick_end(1);
		if (t->main && one_in(3)) { /* multishot: random_batch adds its CANCEL */
			p->ms = true;
			p->group = (uint8_t)below(PB_GROUP);
			rc_prep_channel_recv_multishot(s, s->handle, p->group);
			break;
		}
		if (field_get(s, f) <= RC_CHANNEL_RECV_FLAGS)
			rc_field_put(s, f, RC_CHANNEL_NOWAIT);
		if ((have_carrier && s->handle == carrier[1]) || s->handle == passed ||
		    field_get(s, field_named(d, "info")) == (uintptr_t)outbuf) {
			rc_field_put(s, field_named(d, "info"), (uintptr_t)&p->info);
			rc_field_put(s, field_named(d, "info_len"), sizeof(p->info));
		}
		break;
	case RC_OP_HANDLE_DUP: s->handle = pick_end(one_in(2)); break;
	case RC_OP_CHANNEL_CALL: /* bytes only; random_batch cancels it (nobody replies) */
		s->handle = pick_end(0);
		rc_field_put(s, field_named(d, "handles_len"), 0);
		break;
	case RC_OP_CHANNEL_REPLY:
		if (ntx && !one_in(4)) { /* a call we received: answer it */
			int i = (int)below((uint32_t)ntx);
			/* Short ones wait in the call's request; longer than
			 * RCE_REPLY_INLINE (24 bytes, 28 with the result) take a
			 * message of their own, charged: around that bound, and
			 * up to the maximum (-EOVERFLOW past the call's reply_len). */
			uint32_t len = one_in(2)   ? below(16)
				       : one_in(2) ? 20 + below(16)
						   : below(RC_CHANNEL_MSG_MAX + 1);
			rc_prep_channel_reply(s, txs[i].h, txs[i].txid, inbuf, len,
					      one_in(4) ? RC_CHANNEL_REPLY_RES : 0);
			tx_del(i);
		} else {
			s->handle = pick_end(one_in(2));
		}
		break;
	default: break;
	}
	p->handle = s->handle;
}

/* What a channel entry's CQE did to the pool. */
static void account_ipc(const struct pend *p, int32_t res)
{
	switch (p->op) {
	case RC_OP_CHANNEL_CREATE:
		if (res == 0) {
			pool_add(p->pair.end[0]);
			pool_add(p->pair.end[1]);
		}
		break;
	case RC_OP_CHANNEL_SEND:
		if (res >= 0 && p->moved)
			pool_del(p->moved);
		break;
	case RC_OP_CHANNEL_RECV:
		for (uint32_t i = 0; res >= 0 && i < p->info.nhandles && i < 4; i++)
			pool_add(p->info.handles[i]);
		if (res >= 0 && p->info.txid)
			tx_add(p->handle, p->info.txid);
		break;
	case RC_OP_PROVIDE_BUFFERS:
		if (res < 0 && p->pbs) /* not given after all */
			pb_mark(p->pbs, p->first, p->nbufs, false);
		break;
	case RC_OP_HANDLE_DUP:
		if (res > 0)
			pool_add((uint32_t)res);
		break;
	case RC_OP_CLOSE:
		if (res == 0)
			pool_del(p->handle);
		break;
	case RC_OP_SPAWN:
		if (res > 0 && p->give.handle)
			pool_del(p->give.handle);
		break;
	default: break;
	}
}

/* Shape entry s (op d, on ring t) so the run stays accountable. */
static void shape(struct tring *t, const struct rc_op_desc *d, struct rc_sqe *s, struct pend *p)
{
	const struct rc_field_desc *f;
	switch (d->opcode) {
	case RC_OP_EXIT:
		if (!child || !one_in(4)) { /* the main process must live on */
			rc_sqe_init(s, RC_OP_NOP, 0);
			break;
		}
		if (field_get(s, field_named(d, "status")) <= 255)
			rc_field_put(s, field_named(d, "status"), FUZZ_EXIT);
		break;
	case RC_OP_CONSOLE_READ: /* parks for input: only with its cancel */
	case RC_OP_RESTRICT:	 /* would lock our own ring */
		if (t->main || d->opcode == RC_OP_CONSOLE_READ)
			rc_sqe_init(s, RC_OP_GETPID, 0);
		break;
	case RC_OP_TIMEOUT:
		/* Bounded (ns > 0 unless count is 0 too), and mostly due at once:
         * the wait fires due TIMEOUTs itself; a later one costs a tick. */
		f = field_named(d, "ns");
		if (field_get(s, f) <= (UINT64_C(1) << 62) &&
		    (field_get(s, f) > 3000000 ||
		     (field_get(s, f) == 0 && field_get(s, field_named(d, "count")))))
			rc_field_put(s, f, one_in(64) ? 1 + below(3000000) : 1 + below(100));
		break;
	case RC_OP_LINK_TIMEOUT: /* bounded as TIMEOUT: its op ends by it at the latest */
		f = field_named(d, "ns");
		if (field_get(s, f) <= (UINT64_C(1) << 62) && field_get(s, f) > 3000000)
			rc_field_put(s, f, one_in(64) ? 1 + below(3000000) : below(100));
		break;
	case RC_OP_KILL: /* never a pid that may be live: our tree is the run's own */
		f = field_named(d, "pid");
		if (field_get(s, f) >= 1 && field_get(s, f) <= INT32_MAX)
			rc_field_put(s, f, INT32_MAX);
		break;
	case RC_OP_WAIT: /* never parks: a second WAIT could wait forever */
		f = field_named(d, "flags");
		rc_field_put(s, f, field_get(s, f) | RC_WAIT_NOHANG);
		break;
	case RC_OP_CONSOLE_WRITE: {
		/* A dot at most (the serial line is slow), and never bytes that
         * are not dots (the log is text): other readable memory gets len 0. */
		uint64_t a = field_get(s, field_named(d, "buf"));
		bool dots = a >= (uintptr_t)inbuf && a < (uintptr_t)inbuf + sizeof(inbuf) - 1;
		bool faults = a < 0x10000 || a >= 0x0000800000000000ul; /* never mapped */
		f = field_named(d, "len");
		if (field_get(s, f) <= RC_CONSOLE_MAX)
			rc_field_put(s, f, dots || faults ? below(2) : 0);
		break;
	}
	case RC_OP_CLOSE: /* never a ring we account on, never the carrier */
		s->handle = npool && one_in(2)	   ? pool[below(npool)]
			    : nloose && !one_in(4) ? loose[below(nloose)].h
						   : (uint32_t)rnd() & 0x7fff000f;
		if (s->handle == mainr.h || (have_scratch && s->handle == scratch.h) ||
		    (have_carrier && (s->handle == carrier[0] || s->handle == carrier[1])))
			s->handle = 0;
		s->flags &= (uint8_t)~RC_SQE_SKIP_SUCCESS;
		p->handle = s->handle;
		break;
	case RC_OP_CHANNEL_CREATE:
	case RC_OP_CHANNEL_SEND:
	case RC_OP_CHANNEL_RECV:
	case RC_OP_CHANNEL_CALL:
	case RC_OP_CHANNEL_REPLY:
	case RC_OP_HANDLE_DUP: shape_ipc(t, d, s, p); break;
	case RC_OP_PROVIDE_BUFFERS: shape_pbufs(t, d, s, p); break;
	case RC_OP_SPAWN:
		if ((uintptr_t)field_get(s, field_named(d, "argv")) == (uintptr_t)inbuf) {
			rc_field_put(s, field_named(d, "argv"), (uintptr_t)argvbuf);
			uint32_t n = pick_argv();
			rc_field_put(s, field_named(d, "argv_len"), n);
		}
		rc_field_put(s, field_named(d, "handles_len"), 0);
		if (npool && one_in(4)) { /* a pool handle goes with the child */
			p->give = (struct rc_spawn_handle){ pool[below(npool)],
							    one_in(2) ? RC_CHANNEL_RIGHTS : 0 };
			rc_field_put(s, field_named(d, "handles"), (uintptr_t)&p->give);
			rc_field_put(s, field_named(d, "handles_len"), sizeof(p->give));
		}
		s->flags &= (uint8_t)~RC_SQE_SKIP_SUCCESS;
		break;
	default: break;
	}
	/* Mutations may have aimed an out-buffer at memory we rely on: our
     * rings (our CQEs stay ours), our stack (the top of the user half),
     * argv. The kernel writing there would be our bug, not its. */
	const struct rc_op_desc *dd = rc_op_desc(s->opcode);
	uint64_t sp = (uintptr_t)&dd;
	for (unsigned i = 0; dd && i < dd->nfields; i++) {
		if (dd->fields[i].kind != RC_FK_UOUT)
			continue;
		uint64_t a = field_get(s, &dd->fields[i]);
		if ((a >= RK_RING0_ADDR && a < RK_RING0_ADDR + 0x100000) ||
		    (a >= SCRATCH && a < SCRATCH + 0x100000) ||
		    (a >= (uintptr_t)argvbuf && a < (uintptr_t)argvbuf + sizeof(argvbuf)) ||
		    (a >= (sp & ~0xffffful) - 0x100000 && a < 0x0000800000000000ul))
			rc_field_put(s, &dd->fields[i], (uintptr_t)outbuf);
	}
	/* A PROVIDE_BUFFERS region may be far longer than the out buffer:
	 * one not of our buffers goes to the arena (never read). */
	if (s->opcode == RC_OP_PROVIDE_BUFFERS && !p->pbs &&
	    field_get(s, field_named(d, "addr")) == (uintptr_t)outbuf)
		rc_field_put(s, field_named(d, "addr"),
			     ARENA + (uint64_t)below(ARENA_PAGES) * 4096);
	p->op = s->opcode;
	if (s->opcode == RC_OP_RING_CREATE)
		p->addr = field_get(s, field_named(d, "addr"));
}

/* A random entry for ring t. */
static void gen(struct tring *t, struct rc_sqe *s, struct pend *p)
{
	const struct rc_op_desc *d = &rc_op_descs[below(RC_OP_COUNT)];
	if (ntx && one_in(8)) /* calls received wait for their replies: answer some soon */
		d = rc_op_desc(RC_OP_CHANNEL_REPLY);
	rc_sqe_baseline(d, s, 0, inbuf);
	for (unsigned i = 0; i < d->nfields; i++) /* outputs to the out buffer */
		if (d->fields[i].kind == RC_FK_UOUT)
			rc_field_put(s, &d->fields[i], (uintptr_t)outbuf);
	/* Sane values where the baseline's minimum says little. */
	switch (d->opcode) {
	case RC_OP_MAP:
	case RC_OP_UNMAP:
		rc_field_put(s, field_named(d, "addr"),
			     ARENA + (uint64_t)below(ARENA_PAGES) * 4096);
		rc_field_put(s, field_named(d, "pages"), 1 + below(4));
		if (d->opcode == RC_OP_MAP)
			rc_field_put(s, field_named(d, "flags"), below(2));
		break;
	case RC_OP_RING_CREATE:
		rc_field_put(s, field_named(d, "addr"),
			     ARENA + (uint64_t)below(ARENA_PAGES) * 4096);
		rc_field_put(s, field_named(d, "sq_entries"), 1u << below(5));
		rc_field_put(s, field_named(d, "cq_entries"), one_in(2) ? 0 : 32);
		rc_field_put(s, field_named(d, "flags"), one_in(3) ? RC_SETUP_POLL : 0);
		break;
	case RC_OP_NOP:
		rc_field_put(s, field_named(d, "res"),
			     one_in(4) ? (uint32_t) - (int32_t)(1 + below(200)) : below(100));
		break;
	case RC_OP_TIMEOUT:
		rc_field_put(s, field_named(d, "ns"), one_in(64) ? below(2000000) : below(100));
		rc_field_put(s, field_named(d, "count"), below(3));
		rc_field_put(s, field_named(d, "flags"), one_in(6) ? RC_TIMEOUT_ABS : 0);
		break;
	case RC_OP_LINK_TIMEOUT: /* after a linked op (random_batch's flags) or refused */
		rc_field_put(s, field_named(d, "ns"), one_in(8) ? below(2000000) : below(100));
		rc_field_put(s, field_named(d, "flags"), one_in(6) ? RC_TIMEOUT_ABS : 0);
		break;
	case RC_OP_CANCEL:
		rc_field_put(s, field_named(d, "target"), next_data - below(4));
		rc_field_put(s, field_named(d, "flags"), below(2));
		break;
	case RC_OP_READDIR: /* hosted only: the kernel refuses it (-EOPNOTSUPP) after decode */
		rc_field_put(s, field_named(d, "len"), RC_DIRENT_LEN(1) + below(4096 - 24));
		rc_field_put(s, field_named(d, "index"), below(8));
		break;
	case RC_OP_RESTRICT: rc_field_put(s, field_named(d, "allow"), rnd() & RC_OPS_ALL); break;
	case RC_OP_WAIT: rc_field_put(s, field_named(d, "info_len"), below(49)); break;
	default: break;
	}
	for (unsigned k = below(3); k > 0 && d->nfields; k--) /* break 0-2 fields */
		if (one_in(2))
			mutate_field(d, &d->fields[below(d->nfields)], s);
	if (one_in(40))
		s->handle = (uint32_t)rnd(); /* a handle where none goes */
	if (one_in(60))
		s->rsvd0 = (uint16_t)(1 + below(100));
	if (one_in(60))
		s->rsvd1 = 1;
	if (one_in(60))
		s->args.raw[RC_ARGS_BYTES - 1 - below(8)] = 1;
	if (one_in(50))
		s->opcode = (uint8_t)(RC_OP_COUNT + below(256 - RC_OP_COUNT));
	shape(t, d, s, p);
	s->flags = (uint8_t)((one_in(4) ? RC_SQE_LINK : 0) | (one_in(24) ? RC_SQE_DRAIN : 0) |
			     (one_in(8) ? RC_SQE_SKIP_SUCCESS : 0) | (one_in(128) ? 0x40 : 0));
	if (p->op == RC_OP_CLOSE || p->op == RC_OP_SPAWN || p->op == RC_OP_CHANNEL_CREATE ||
	    p->op == RC_OP_CHANNEL_SEND || p->op == RC_OP_CHANNEL_RECV || p->op == RC_OP_HANDLE_DUP)
		s->flags &= (uint8_t)~RC_SQE_SKIP_SUCCESS; /* the pool learns from its CQE */
	if (p->op == RC_OP_CHANNEL_CALL ||
	    p->ms) /* out of chains and drains: its CANCEL must reach it */
		s->flags &= (uint8_t) ~(RC_SQE_LINK | RC_SQE_DRAIN |
					(p->ms ? RC_SQE_SKIP_SUCCESS : 0));
	if (s->opcode == RC_OP_CANCEL)
		spare_guards(s, d);
}

/* ---- submitting a batch and accounting for it ---- */

static struct pend pend[2 * MAXB + 8]; /* a batch, a CANCEL for each CALL and multishot */
static uint32_t ops_ok[RC_OP_COUNT + 1], ops_err[RC_OP_COUNT + 1]; /* by opcode; last: unknown */
static int npend;

/* A CANCEL never names a LINK_TIMEOUT that bounds a CALL: cancelled, it
 * would leave the CALL waiting for a reply nobody sends (the CALL goes on
 * unbounded, docs/abi.md); 0 names nothing instead. */
static void spare_guards(struct rc_sqe *s, const struct rc_op_desc *d)
{
	const struct rc_field_desc *f = field_named(d, "target");
	for (int i = 0; i < npend; i++)
		if (pend[i].guards_call && pend[i].data == field_get(s, f))
			rc_field_put(s, f, 0);
}

/* Account for entry s (described by p) in this batch: a unique user_data. */
static void add(struct rc_sqe *s, struct pend *p)
{
	p->data = next_data++;
	p->flags = s->flags;
	p->done = false;
	s->user_data = p->data;
	npend++;
	sqes++;
}

/* Account for one CQE of the batch on ring t; the marker returns true. */
static bool account(struct tring *t, const struct rc_cqe *c, uint64_t mark)
{
	if (c->user_data == mark)
		return true;
	if (c->user_data == RT_WRITE_DATA) { /* one of our printf's writes failed */
		FAIL("a console write of ours failed: %d", c->res);
		return false;
	}
	for (int i = 0; i < npend; i++) {
		struct pend *p = &pend[i];
		if (p->data != c->user_data)
			continue;
		if (p->done && (c->flags & RC_CQE_F_MORE))
			FAIL("a CQE with MORE for %lu after its last", (unsigned long)p->data);
		if (p->ms && (c->flags & RC_CQE_F_BUFFER))
			pb_taken(t, p, rc_cqe_buffer_id(c->flags), c->res);
		if (c->flags & RC_CQE_F_MORE) { /* the multishot stays armed */
			if (!p->ms || c->res < 0)
				FAIL("MORE on %lu (op %u, res %d)", (unsigned long)p->data, p->op,
				     c->res);
			ops_ok[p->op < RC_OP_COUNT ? p->op : RC_OP_COUNT]++;
			p->nmore++;
			return false;
		}
		if (c->res >= 0)
			ops_ok[p->op < RC_OP_COUNT ? p->op : RC_OP_COUNT]++;
		else
			ops_err[p->op < RC_OP_COUNT ? p->op : RC_OP_COUNT]++;
		if (p->done)
			FAIL("second CQE for %lu (op %u, res %d)", (unsigned long)p->data, p->op,
			     c->res);
		p->done = true;
		p->res = c->res;
		account_ipc(p, c->res);
		if (p->op == RC_OP_RING_CREATE && c->res > 0) {
			if (nloose < MAX_LOOSE)
				loose[nloose++] = (__typeof__(loose[0])){ (uint32_t)c->res,
									  p->addr };
		} else if (p->op == RC_OP_CLOSE && c->res == 0) {
			for (int k = 0; k < nloose; k++)
				if (loose[k].h == p->handle)
					loose[k] = loose[--nloose];
		} else if (p->op == RC_OP_SPAWN && c->res > 0) {
			kids++;
		} else if (p->op == RC_OP_WAIT && c->res >= 0) {
			kids--;
			if (c->res != 0 && c->res != FUZZ_EXIT)
				FAIL("a child ended with status 0x%x", c->res);
		}
		return false;
	}
	FAIL("CQE for unknown user_data 0x%lx (res %d)", (unsigned long)c->user_data, c->res);
	return false;
}

/* Close the batch with a DRAIN'd NOP, submit, and reap until the marker:
 * by then every entry without SKIP_SUCCESS must have its CQE. spin: wait
 * by phase only (the timer or the poller completes the batch), else enter. */
static void finish(struct tring *t, bool spin)
{
	uint64_t mark = MARK | next_data++;
	struct rc_sqe *s = rc_get_sqe(t->r);
	rc_prep_nop(s, 0);
	rc_sqe_set_flags(s, RC_SQE_DRAIN);
	rc_sqe_set_data(s, mark);
	sqes++;
	/* A marker in a chain proves nothing: a failed chain completes it
	 * with -ECANCELED at once, before what its DRAIN would wait for. */
	if (t->r->sqes[(t->r->sqe_tail - 2) & t->r->sq_mask].flags & RC_SQE_LINK)
		FAIL("the marker is linked to the entry before it");
	int ret = rc_submit(t->r);
	if (ret < 0 && ret != -RC_EBUSY)
		FAIL("submit: %d", ret);
	for (bool seen = false; !seen;) {
		struct rc_cqe *c;
		if (spin) {
			c = rt_spin_cqe(t->r, 20000000000ull);
			if (!c) {
				FAIL("no CQE within 20G cycles (batch %lu)",
				     (unsigned long)batches);
				break;
			}
		} else if ((ret = rc_wait_cqe(t->r, &c)) != 0) {
			FAIL("wait: %d (batch %lu)", ret, (unsigned long)batches);
			break;
		}
		struct rc_cqe copy = *c;
		rc_cqe_seen(t->r, c);
		seen = account(t, &copy, mark);
	}
	for (int i = 0; i < npend; i++)
		if (!pend[i].done && !(pend[i].flags & RC_SQE_SKIP_SUCCESS)) {
			FAIL("no CQE for %lu (op %u, flags 0x%x)", (unsigned long)pend[i].data,
			     pend[i].op, pend[i].flags);
		}
	npend = 0;
	batches++;
	flush_fails();
}

static int32_t sync_close(uint32_t h);
static void track(struct rc_sqe *s, uint8_t flags);

/* A random batch on ring t. */
static void random_batch(struct tring *t)
{
	while (npool > POOL) { /* room in the handle table */
		sync_close(pool[npool - 1]);
		npool--;
	}
	int n = 1 + (int)below(t->main ? MAXB : t->r->sq_entries - 2);
	struct rc_sqe *prev = NULL;
	for (int i = 0; i < n; i++) {
		struct rc_sqe *s = rc_get_sqe(t->r);
		struct pend *p = &pend[npend];
		*p = (struct pend){ 0 };
		gen(t, s, p);
		if (s->opcode == RC_OP_EXIT && !(s->flags & RC_SQE_LINK) && one_in(2))
			s->flags |= RC_SQE_LINK; /* EXIT in the middle of a chain */
		if (i == n - 1) /* after the EXIT's LINK, which must not reach it either */
			s->flags &= (uint8_t)~RC_SQE_LINK; /* the marker stays out of chains */
		if (s->opcode == RC_OP_CHANNEL_CALL && !t->main) { /* no room for its CANCEL */
			rc_prep_nop(s, 0);
			p->op = RC_OP_NOP;
		}
		add(s, p);
		if (p->ms) { /* ended in its batch: a CANCEL (-ENOENT if it ended itself) */
			if (prev)
				prev->flags &= (uint8_t)~RC_SQE_LINK;
			uint64_t target = s->user_data;
			rc_prep_cancel(s = rc_get_sqe(t->r), target, 0);
			track(s, 0);
		} else if (s->opcode == RC_OP_CHANNEL_CALL) {
			/* Nobody answers our calls: a CANCEL ends it (-ECANCELED),
			 * or finds it done already (-ENOENT); or a LINK_TIMEOUT
			 * linked to it does (-ECANCELED, -ETIME). Not held in a
			 * chain. */
			if (prev)
				prev->flags &= (uint8_t)~RC_SQE_LINK;
			uint64_t target = s->user_data;
			if (one_in(2)) {
				s->flags |= RC_SQE_LINK;
				pend[npend - 1].flags = s->flags;
				s = rc_get_sqe(t->r);
				rc_prep_link_timeout(s, below(2000000), 0);
			} else {
				s = rc_get_sqe(t->r);
				rc_prep_cancel(s, target, 0);
			}
			track(s, 0);
			pend[npend - 1].guards_call = s->opcode == RC_OP_LINK_TIMEOUT;
		}
		prev = s;
	}
	finish(t, false);
}

/* Account for a prepared entry of a scenario, with these SQE flags. */
static void track(struct rc_sqe *s, uint8_t flags)
{
	struct pend *p = &pend[npend];
	*p = (struct pend){ .op = s->opcode };
	s->flags = flags;
	add(s, p);
}

/* ---- lifetime scenarios ---- */

/* Publish r's prepared entries (seq words, then the tail) without
 * entering: for a ring that may be gone when an enter returns, whose
 * memory we must not touch again (rc_submit reads its flags afterwards). */
static uint32_t publish(struct rc_ring *r)
{
	uint32_t n = r->sqe_tail - r->sqe_head;
	for (uint32_t i = r->sqe_head; i != r->sqe_tail; i++)
		rc_store_release(&r->sqes[i & r->sq_mask].seq, i + 1);
	r->sqe_head = r->sqe_tail;
	rc_store_release(&r->hdr->sq_tail, r->sqe_tail);
	return n;
}

static int32_t sync_close(uint32_t h)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, h, 0);
	sqes++;
	return rt_sync(s);
}

static long spawn_quiet(const char *prog)
{
	const char *av[] = { prog, prog[0] == 'h' ? "-q" : NULL, NULL };
	sqes++;
	long pid = spawn(av);
	if (pid > 0)
		kids++;
	return pid;
}

/* A chain completed by the timer tick while we only watch the CQ: a
 * TIMEOUT at its head ends with -ETIME (the chain is cancelled), or a
 * counting TIMEOUT at its head is completed by a short one's CQE (the
 * chain runs on). */
static void irq_chain(void)
{
	struct rc_sqe *s;
	bool counted = one_in(2);
	rc_prep_timeout(s = rc_get_sqe(mainr.r), counted ? 10000000000ull : 1 + below(2000000), 1,
			0);
	track(s, RC_SQE_LINK);
	rc_prep_nop(s = rc_get_sqe(mainr.r), 0);
	track(s, RC_SQE_LINK);
	rc_prep_getpid(s = rc_get_sqe(mainr.r), 0);
	track(s, 0);
	if (counted) { /* armed after the counting one: its CQE completes it */
		rc_prep_timeout(s = rc_get_sqe(mainr.r), 1000000 + below(2000000), 0, 0);
		track(s, 0);
	}
	finish(&mainr, true);
}

/* A chain completed by another process's exit. */
static void exit_chain(void)
{
	long pid = spawn_quiet(one_in(2) ? "exitcode" : "hello");
	if (pid <= 0)
		return;
	struct rc_sqe *s;
	rc_prep_wait(s = rc_get_sqe(mainr.r), (int32_t)pid, 0, outbuf, sizeof(struct rc_wait_info));
	track(s, RC_SQE_LINK);
	rc_prep_nop(s = rc_get_sqe(mainr.r), 0);
	track(s, RC_SQE_LINK);
	rc_prep_proc_stats(s = rc_get_sqe(mainr.r), outbuf, 40, 0, 0);
	track(s, 0);
	finish(&mainr, false);
}

/* A console read parked (nobody types), then cancelled. */
static void read_cancel(void)
{
	struct rc_sqe *s;
	rc_prep_console_read(s = rc_get_sqe(mainr.r), outbuf, 1 + below(64));
	track(s, 0);
	uint64_t target = s->user_data;
	rc_prep_cancel(s = rc_get_sqe(mainr.r), target, below(2));
	track(s, 0);
	finish(&mainr, false);
}

/* Make a ring at addr (sq, cq, flags) and attach it; handle or -errno. */
static int32_t make_ring(struct rc_ring *r, uint64_t addr, uint32_t sq, uint32_t cq, uint32_t flags)
{
	sqes++;
	return rt_ring_create(r, addr, sq, cq, flags);
}

/* A ring with requests parked on it, closed from another ring. */
static void close_from_other(void)
{
	struct rc_ring b;
	bool poll = one_in(2);
	int32_t hb = make_ring(&b, VICTIM, 8, 0, poll ? RC_SETUP_POLL : 0);
	if (hb <= 0)
		return;
	for (int i = 0; i < 3; i++) {
		struct rc_sqe *s = rc_get_sqe(&b);
		if (i == 0)
			rc_prep_timeout(s, 1000000000ull, 0, 0);
		else if (i == 1)
			rc_prep_console_read(s, outbuf,
					     1 + below(16)); /* parked until the ring goes */
		else
			rc_prep_getpid(s, 0);
		rc_sqe_set_flags(s, i == 0 ? RC_SQE_LINK : 0);
		sqes++;
	}
	rc_submit(&b);
	int32_t r = sync_close((uint32_t)hb);
	if (r != 0)
		FAIL("CLOSE of a ring with parked requests: %d", r);
	if ((r = (int32_t)rt_enter((uint32_t)hb, 0, 0, 0)) != -RC_EBADF)
		FAIL("enter of a closed ring: %d", r);
}

/* A polled ring closed while the poller works on it. */
static void close_polled_under_load(void)
{
	struct rc_ring b;
	int32_t hb = make_ring(&b, VICTIM, 32, 0, RC_SETUP_POLL);
	if (hb <= 0)
		return;
	for (int i = 0; i < 24; i++) {
		struct rc_sqe *s = rc_get_sqe(&b);
		if (i % 3 == 0)
			rc_prep_map(s, ARENA + (uint64_t)below(ARENA_PAGES) * 4096, 1,
				    RC_MAP_WRITE);
		else if (i % 3 == 1)
			rc_prep_timeout(s, below(1000000), 0, 0);
		else
			rc_prep_nop(s, 0);
		rc_sqe_set_flags(s, one_in(2) ? RC_SQE_LINK : 0);
		sqes++;
	}
	rc_submit(&b);
	for (uint32_t k = below(2000); k; k--)
		__builtin_ia32_pause();
	int32_t r = sync_close((uint32_t)hb);
	if (r != 0)
		FAIL("CLOSE of a polled ring under load: %d", r);
}

/* A ring closes itself from its own chain, within its enter. */
static void close_self_in_enter(void)
{
	struct rc_ring b;
	int32_t hb = make_ring(&b, VICTIM, 4, 0, 0);
	if (hb <= 0)
		return;
	struct rc_sqe *s = rc_get_sqe(&b);
	rc_prep_nop(s, 0);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	rc_prep_close(rc_get_sqe(&b), (uint32_t)hb, 0);
	sqes += 2;
	rt_enter((uint32_t)hb, publish(&b), 0, 0); /* the ring is gone when this returns */
	int32_t r = (int32_t)rt_enter((uint32_t)hb, 0, 0, 0);
	if (r != -RC_EBADF)
		FAIL("enter of a self-closed ring: %d", r);
}

/* Defect 1: a full ring closed from its own chain, which a child's exit
 * completes outside any enter. */
static void close_self_from_exit(void)
{
	struct rc_ring b;
	int32_t hb = make_ring(&b, VICTIM, 2, 2, 0);
	if (hb <= 0)
		return;
	if (one_in(2)) { /* two unreaped CQEs: the CQ is full */
		rc_prep_nop(rc_get_sqe(&b), 0);
		rc_prep_nop(rc_get_sqe(&b), 0);
		sqes += 2;
		rc_submit_and_wait(&b, 2);
	}
	long pid = spawn_quiet("exitcode");
	if (pid <= 0) {
		sync_close((uint32_t)hb);
		return;
	}
	struct rc_sqe *s = rc_get_sqe(&b);
	rc_prep_wait(s, (int32_t)pid, 0, NULL, 0);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	rc_prep_close(rc_get_sqe(&b), (uint32_t)hb, 0);
	sqes += 2;
	rt_enter((uint32_t)hb, publish(&b), 0, 0); /* the child's exit may close B at once */
	kids--;					   /* B's WAIT reaps it */
	for (int i = 0; i < 2000; i++) {	   /* sleep on our own ring until B is gone */
		if (rt_enter((uint32_t)hb, 0, 0, 0) == -RC_EBADF)
			return;
		struct rc_sqe *t = rt_sqe();
		rc_prep_timeout(t, 1000000, 0, 0);
		sqes++;
		rt_sync(t);
	}
	FAIL("ring closed from its chain never went");
}

/* Defect 2: CLOSE(B) from a polled ring racing our enter of B. */
static void close_racing_enter(void)
{
	struct rc_ring a, b;
	int32_t ha = make_ring(&a, VICTIM2, 64, 0, RC_SETUP_POLL);
	if (ha <= 0)
		return;
	int32_t hb = make_ring(&b, VICTIM, 2, 0, 0);
	if (hb > 0) {
		struct rc_sqe *s = rc_get_sqe(&b);
		rc_prep_nop(s, 0);
		rc_sqe_set_flags(s, RC_SQE_LINK);
		publish(&b); /* published, not entered */
		int pairs = 1 + (int)below(20);
		for (int i = 0; i < pairs; i++) {
			rc_prep_map(rc_get_sqe(&a), ARENA + 0x20000, 1, RC_MAP_WRITE);
			rc_prep_unmap(rc_get_sqe(&a), ARENA + 0x20000, 1, 0);
		}
		s = rc_get_sqe(&a);
		rc_prep_close(s, (uint32_t)hb, 0);
		rc_sqe_set_data(s, 1);
		sqes += 2 * (uint64_t)pairs + 2;
		rc_submit(&a);
		for (uint32_t k = below(3000); k; k--)
			__builtin_ia32_pause();
		long r = rt_enter((uint32_t)hb, 1, 0, 0);
		if (r != 1 && r != -RC_EBADF && r != 0)
			FAIL("enter racing CLOSE: %ld", r);
		for (int i = 0; i < 2 * pairs + 1; i++) {
			struct rc_cqe *c;
			if (rc_wait_cqe(&a, &c) != 0) {
				FAIL("wait on the polled ring");
				break;
			}
			if (c->user_data == 1 && c->res != 0)
				FAIL("CLOSE racing enter: %d", c->res);
			rc_cqe_seen(&a, c);
		}
	}
	if (sync_close((uint32_t)ha) != 0)
		FAIL("CLOSE of the polled ring");
}

/* In a child: EXIT in a chain, run in enter or (defect 3) by the timer;
 * what follows it must not run. Does not return. */
static void exit_mid_chain(void)
{
	struct rc_sqe *s = rt_sqe();
	bool tick = klife && one_in(2);
	if (tick)
		rc_prep_timeout(s, 10000000000ull, 1, 0); /* completed by the short one's CQE */
	else
		rc_prep_nop(s, 0);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_exit(s, FUZZ_EXIT);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_console_write(s, "EXIT-RAN-ON\n", 12); /* must never appear */
	rc_sqe_set_flags(s, RC_SQE_LINK);
	const char *av[] = { "exitcode", NULL };
	uint32_t n = rt_pack_argv(argvbuf, sizeof(argvbuf), av);
	rc_prep_spawn(rt_sqe(), argvbuf, n, 0, NULL, 0, 0, NULL);
	if (tick) /* armed after the counting one; fired by the tick */
		rc_prep_timeout(rt_sqe(), 1000000 + below(2000000), 0, 0);
	rc_submit(&rt_ring);
	for (uint64_t t = rt_rdtsc(); rt_rdtsc() - t < 40000000000ull;)
		__builtin_ia32_pause(); /* the timer ends us */
	FAIL("still alive after EXIT");
	flush_fails();
	exit(rt_report("fuzz") + 100);
}

/* A channel made at once (one SQE, counted); 0 or -errno. */
static int32_t sync_channel(uint32_t ends[2])
{
	sqes++;
	return rt_channel(ends);
}

/*
 * Channels across processes, racing: a child fuzzer gets one end x1 at
 * SPAWN and fuzzes with it (sends, receives, replies, closes it, exits
 * mid-chain); we send it a fresh channel end y1 and bytes, make calls to
 * it (answered by its random REPLYs, or -EPIPE when its end goes), then
 * park a receive on x0 (completed by a send of the child's, or -EPIPE
 * when its end goes: its CLOSE or its exit, however it dies), or a
 * multishot one (which takes all the child sends, its calls too, until
 * then), and sometimes close x0 under it.
 */
static void ipc_race(void)
{
	uint32_t x[2], y[2];
	if (kids >= MAX_FUZZ_KIDS || sync_channel(x))
		return;
	char seed[24], count[24], fl[16];
	snprintf(seed, sizeof(seed), "%lu", (unsigned long)rnd());
	snprintf(count, sizeof(count), "%u", 200 + below(800));
	snprintf(fl, sizeof(fl), "%s", flags_arg[0] ? flags_arg : "-");
	const char *av[] = { "fuzz", "c", seed, count, fl, "p", NULL };
	struct rc_spawn_handle give = { x[1], RC_CHANNEL_RIGHTS };
	sqes++;
	long pid = spawn_with(av, &give, 1);
	if (pid <= 0) {
		sync_close(x[0]);
		sync_close(x[1]);
		return;
	}
	kids++;
	if (sync_channel(y) == 0) {
		sqes++;
		if (rt_send(x[0], "y", 1, &y[1], 1, RC_CHANNEL_NOWAIT) != 1)
			sync_close(y[1]); /* not moved: still ours */
		pool_add(y[0]);
	}
	struct rc_sqe *s;
	for (uint32_t n = below(4); n; n--) {
		rc_prep_channel_send(s = rc_get_sqe(mainr.r), x[0], inbuf, below(64), 0, NULL,
				     RC_CHANNEL_NOWAIT);
		track(s, 0);
	}
	for (uint32_t n = below(3); n; n--) { /* answered by the child, or -EPIPE */
		rc_prep_channel_call(s = rc_get_sqe(mainr.r), x[0], inbuf, below(64), 0, NULL,
				     outbuf, 64, 0);
		track(s, 0);
	}
	struct pend *p = &pend[npend];
	if (one_in(2)) { /* parks until the child sends or its end goes */
		rc_prep_channel_recv(s = rc_get_sqe(mainr.r), x[0], outbuf, 64, 0, NULL, 0);
		track(s, 0);
	} else { /* takes what the child sends until its end goes (or no buffer is left) */
		uint32_t g = below(PB_GROUP);
		rc_prep_channel_recv_multishot(s = rc_get_sqe(mainr.r), x[0], g);
		track(s, 0);
		p->ms = true;
		p->group = (uint8_t)g;
		p->handle = x[0];
	}
	bool close_under = one_in(3);
	if (close_under) { /* the parked receive then fails with -EBADF */
		rc_prep_close(s = rc_get_sqe(mainr.r), x[0], 0);
		track(s, 0);
	}
	finish(&mainr, false);
	if (!close_under && sync_close(x[0]) != 0)
		FAIL("CLOSE of x0 after the race");
}

/* Reap the main ring's CQEs (no marker) until multishot receive p has
 * had want CQEs with MORE or has ended. */
static void reap_multishot(struct pend *p, uint32_t want)
{
	while (p->nmore < want && !p->done) {
		struct rc_cqe *c;
		int ret = rc_wait_cqe(mainr.r, &c);
		if (ret != 0) {
			FAIL("wait: %d (ipc_serve)", ret);
			return;
		}
		struct rc_cqe copy = *c;
		rc_cqe_seen(mainr.r, c);
		account(&mainr, &copy, 0);
	}
}

/*
 * One server turn done right, on a fresh channel x (x0 the client's end,
 * x1 the server's): CHANNEL_CREATE; then PROVIDE_BUFFERS (group
 * SERVE_GROUP), HANDLE_DUP of x0, a SEND and n CALLs on x0 and a
 * multishot receive on x1, which takes them all (each call's txid in its
 * buffer); then a REPLY to each call received and CLOSE of x1 (the
 * multishot ends, a call nobody answered gets -EPIPE). Every channel op
 * succeeds here unless the kernel is wrong; the CALLs end with their
 * replies' lengths.
 */
static void ipc_serve(void)
{
	static uint8_t replies[4][32];
	struct rc_sqe *s;
	struct pend *p;
	while (npool > POOL) { /* room in the handle table */
		sync_close(pool[npool - 1]);
		npool--;
	}
	p = &pend[npend];
	rc_prep_channel_create(s = rc_get_sqe(mainr.r), &p->pair, sizeof(p->pair), 0);
	track(s, 0);
	finish(&mainr, false);
	uint32_t x0 = pend[0].pair.end[0], x1 = pend[0].pair.end[1];
	if (pend[0].done && (pend[0].res == -RC_EMFILE || pend[0].res == -RC_ENOMEM))
		return; /* our handle table or memory is full (handles we lost track of) */
	if (!pend[0].done || pend[0].res != 0 || !x0 || !x1) {
		FAIL("ipc_serve: CHANNEL_CREATE: %d", pend[0].res);
		return;
	}
	pool_del(x0); /* ours for the scenario */
	pool_del(x1);
	uint32_t n = 1 + below(4);
	struct pend given = { 0 };
	rc_prep_nop(s = rc_get_sqe(mainr.r), 0);
	if (!prep_pbufs(s, &given, &pb_serve, n + 1, SERVE_GROUP) && !pb_serve.given)
		FAIL("ipc_serve: no buffer free");
	track(s, 0);
	pend[npend - 1].pbs = given.pbs; /* what prep_pbufs noted */
	pend[npend - 1].first = given.first;
	pend[npend - 1].nbufs = given.nbufs;
	rc_prep_handle_dup(s = rc_get_sqe(mainr.r), x0, RC_CHANNEL_RIGHTS, 0);
	track(s, 0);
	rc_prep_channel_send(s = rc_get_sqe(mainr.r), x0, inbuf, below(32), 0, NULL,
			     RC_CHANNEL_NOWAIT);
	track(s, 0);
	for (uint32_t i = 0; i < n; i++) {
		rc_prep_channel_call(s = rc_get_sqe(mainr.r), x0, inbuf, below(64), 0, NULL,
				     replies[i], sizeof(replies[i]), 0);
		track(s, 0);
	}
	p = &pend[npend];
	rc_prep_channel_recv_multishot(s = rc_get_sqe(mainr.r), x1, SERVE_GROUP);
	track(s, 0);
	p->ms = true;
	p->group = SERVE_GROUP;
	p->handle = x1;
	int ret = rc_submit(mainr.r);
	if (ret < 0)
		FAIL("ipc_serve: submit %d", ret);
	reap_multishot(p, n + 1);
	for (int i = 0; i < ntx;) {
		if (txs[i].h != x1) {
			i++;
			continue;
		}
		rc_prep_channel_reply(s = rc_get_sqe(mainr.r), x1, txs[i].txid, inbuf, below(32),
				      0);
		track(s, 0);
		tx_del(i);
	}
	rc_prep_close(s = rc_get_sqe(mainr.r), x1, 0);
	track(s, 0);
	pend[npend - 1].handle = x1;
	finish(&mainr, false);
	if (sync_close(x0) != 0)
		FAIL("ipc_serve: CLOSE of x0");
}

/* ---- main ---- */

/* (Re)make the scratch ring, polled or not (a RESTRICT may have spoilt the last). */
static void new_scratch(void)
{
	if (have_scratch && sync_close(scratch.h) != 0)
		FAIL("CLOSE of the scratch ring");
	have_scratch = false;
	pb_scratch.given = 0; /* its groups went with it */
	int32_t h = make_ring(scratch.r, SCRATCH, 16, 32, one_in(2) ? RC_SETUP_POLL : 0);
	if (h > 0) {
		scratch.h = (uint32_t)h;
		have_scratch = true;
	}
}

static void scenario(void)
{
	while (nloose) /* room for the scenario's rings */
		sync_close(loose[--nloose].h);
	uint32_t k = below(child ? 4 : 10);
	switch (k) {
	case 0:
		if (one_in(2))
			irq_chain();
		else
			read_cancel();
		break;
	case 1: exit_chain(); break;
	case 2: close_from_other(); break;
	case 3: close_self_in_enter(); break;
	case 4: close_polled_under_load(); break;
	case 5:
		if (klife)
			close_self_from_exit();
		break;
	case 6:
		if (klife)
			close_racing_enter();
		break;
	case 7: ipc_race(); break;
	case 8: ipc_serve(); break;
	default: new_scratch(); break;
	}
}

int main(int argc, char **argv)
{
	int a = 1;
	if (argc > 1 && strcmp(argv[1], "c") == 0) {
		child = true;
		a = 2;
	}
	if (argc < a + 2) {
		printf("usage: fuzz [c] SEED COUNT [FLAGS]\n");
		return 2;
	}
	rng = parse_u64(argv[a]);
	target = parse_u64(argv[a + 1]);
	if (argc > a + 2) {
		flags_arg = argv[a + 2];
		klife = strstr(flags_arg, "k") != NULL;
		verbose = strstr(flags_arg, "v") != NULL;
	}
	memset(inbuf, '.', sizeof(inbuf));
	if (child && argc > a + 3 && strcmp(argv[a + 3], "p") == 0) {
		passed = RK_SPAWN_HANDLE(0); /* ipc_race's x1 */
		pool_add(passed);
	}
	mainr = (struct tring){ .r = &rt_ring, .h = rt_ring_handle, .main = true, .pb = &pb_main };
	scratch.r = &scratch_ring;
	scratch.pb = &pb_scratch;
	new_scratch();
	have_carrier = sync_channel(carrier) == 0;
	if (!child)
		ipc_serve(); /* the coverage below, whatever the random run does */
	uint64_t report = 100000;
	while (sqes < target && !rt_fails) {
		if (!child && sqes >= report) { /* a sign of life on long runs */
			printf("  fuzz main: %lu SQEs\n", (unsigned long)sqes);
			report += 100000;
		}
		uint32_t k = below(16);
		if (k == 0) {
			scenario();
		} else if (k < 4 && have_scratch) {
			random_batch(&scratch);
		} else if (child && k == 4 && one_in(8)) {
			exit_mid_chain();
		} else {
			random_batch(&mainr);
		}
	}
	/* Reap every child; each must have ended well. */
	for (;;) {
		struct rc_wait_info wi;
		long st = waitpid(0, &wi);
		if (st < 0)
			break;
		if (st != 0 && st != FUZZ_EXIT)
			FAIL("child %d ended with status 0x%lx", wi.pid, (unsigned long)st);
	}
	/* Coverage: each channel op succeeded at least once (ipc_serve makes
	 * sure, unless the kernel refuses what is right). */
	static const uint8_t must[] = { RC_OP_CHANNEL_CREATE, RC_OP_CHANNEL_SEND,
					RC_OP_CHANNEL_CALL,   RC_OP_CHANNEL_RECV,
					RC_OP_CHANNEL_REPLY,  RC_OP_PROVIDE_BUFFERS,
					RC_OP_HANDLE_DUP };
	for (unsigned i = 0; !child && i < sizeof(must); i++)
		if (!ops_ok[must[i]])
			FAIL("coverage: %s never succeeded", rc_op_name(must[i]));
	flush_fails();
	if (!child || rt_fails || verbose) {
		char line[512];
		int n = snprintf(line, sizeof(line),
				 "  fuzz %s: %lu SQEs in %lu batches, %d failures; ok/failed:",
				 child ? "child" : "main", (unsigned long)sqes,
				 (unsigned long)batches, rt_fails);
		for (unsigned i = 0; i <= RC_OP_COUNT; i++) {
			if (n > 400) { /* one console write per line: printf's 512 bytes */
				printf("%s\n", line);
				n = snprintf(line, sizeof(line), "   ");
			}
			n += snprintf(line + n, sizeof(line) - n, " %s %u/%u",
				      i < RC_OP_COUNT ? rc_op_name(i) : "?", ops_ok[i], ops_err[i]);
		}
		printf("%s\n", line);
	}
	return rt_fails ? 100 + (rt_fails > 100 ? 100 : rt_fails) : 0;
}
