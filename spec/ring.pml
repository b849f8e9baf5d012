/*
 * ring.pml - the ringcall ring protocol as a Promela model (spin).
 *
 * One user thread (lib/uring.c, ringcall.h) and one engine thread (the
 * kernel poller kernel/kpoll.c, the hosted worker hosted/worker.c, both
 * around lib/engine.c's rce_ring_run) share one ring: the SQ with its
 * per-entry seq words, the CQ with its phase bits, the four indices, the
 * flag word (NEED_WAKEUP, CQ_OVERFLOW, BUSY) and the doorbell counter.
 * docs/abi.md §5-6 is the protocol; scripts/spin-check.sh runs this model
 * and its mutants.
 *
 * Weak memory: each thread's stores to shared words go through its own
 * FIFO store buffer, drained by a separate process at any moment; loads
 * read memory. This is TSO (x86): store->store and load->load order hold
 * (what release/acquire give), but a later load may pass an earlier store,
 * and only a full fence (waiting for the buffer to drain) prevents that.
 * The engine's flag updates (seq_cst fetch_or/fetch_and) go through the
 * buffer too: C11 does not order them before a later relaxed/acquire load
 * of another word (ARMv8 does not), only the explicit fence does. The
 * doorbell (fetch_add + wake, or a trap) is a full barrier.
 *
 * Requests are NOPs (they complete when taken), so requests in flight are
 * 0 between steps and BUSY means "the backlog is full". Indices count from
 * 0 and do not wrap (a few operations); the 2^32 wrap is abi.md §1's
 * arithmetic argument, not checked here.
 *
 * Properties (assertions, plus spin's invalid-end-state check):
 *  - SQ: the engine takes entries 1, 2, ..., N in order: none twice, none
 *    skipped, none before it is published, never a stale copy.
 *  - CQ: no slot is written while it holds a CQE the user has not read;
 *    the user reads CQEs 1..N in order, each once (none lost).
 *  - Backlog: never holds more than its capacity.
 *  - No lost wakeup and progress: every execution ends with the user
 *    having read all N completions; an end with the user blocked (for
 *    instance the engine asleep while an SQE is published, or a backlog
 *    nobody flushes) is an invalid end state. Every execution is finite
 *    (the engine only sleeps when idle; wakeups are bounded by the user's
 *    doorbells), so this is progress, not just safety.
 *
 * Parameters (-D): S sq_entries, C cq_entries, CAP backlog capacity, N
 * operations, POLL (1: consume by seq, the poller; 0: doorbell mode,
 * consume by sq_tail, NEED_WAKEUP always set), BATCH most entries per
 * submit. Mutants (-DM_...) each remove one piece of the protocol; spin
 * must find a violation in each (scripts/spin-check.sh).
 */
#ifndef S
#define S 2
#endif
#ifndef C
#define C 2
#endif
#ifndef CAP
#define CAP 1
#endif
#ifndef N
#define N 4
#endif
#ifndef POLL
#define POLL 1
#endif
#ifndef BATCH
#define BATCH 2
#endif
#define SB 4                    /* store buffer depth */

/* Shared words: addresses into mem[]. */
#define SQD(i)   (i)            /* SQE i's payload (its user_data) */
#define SEQ(i)   (S + (i))      /* SQE i's seq */
#define CQD(i)   (2*S + (i))    /* CQE i's user_data */
#define CQP(i)   (2*S + C + (i)) /* CQE i's phase bit */
#define SQ_TAIL  (2*S + 2*C)
#define SQ_HEAD  (SQ_TAIL + 1)
#define CQ_TAIL  (SQ_TAIL + 2)
#define CQ_HEAD  (SQ_TAIL + 3)
#define F_WAKE   (SQ_TAIL + 4)  /* RC_RING_NEED_WAKEUP */
#define F_OVF    (SQ_TAIL + 5)  /* RC_RING_CQ_OVERFLOW */
#define F_BUSY   (SQ_TAIL + 6)  /* RC_RING_BUSY */
#define NMEM     (SQ_TAIL + 7)

#define PHASE(i) (((i) / C) % 2 == 0 -> 1 : 0)   /* rc_cq_phase */

byte mem[NMEM];
byte kicks;                     /* the doorbell counter (kp.kicks, sq_doorbell) */
chan sb_user = [SB] of { byte, byte };
chan sb_eng  = [SB] of { byte, byte };

bool unread[C];                 /* ghost: CQ slot holds a CQE not yet read */
byte taken;                     /* ghost: SQEs the engine has taken */
byte reaped;                    /* ghost: CQEs the user has read */
bool user_done;

/* The memory system: a buffered store reaches memory at any moment, in order. */
proctype drain(chan sb)
{
	byte a, v;
end:	do
	:: atomic { sb?a,v -> mem[a] = v }
	od
}

#define FENCE_USER  empty(sb_user)
#define FENCE_ENG   empty(sb_eng)

/* ---------------- the user: lib/uring.c ---------------- */

/* rc_get_sqe's check: slot sqe_tail + k is free (by the head last read). */
#ifdef M_USER_NO_SPACE_CHECK
#define ROOM_FOR(k) true
#else
#define ROOM_FOR(k) (sqe_tail + (k) - sq_head_seen < S)
#endif

proctype user()
{
	byte sqe_tail = 0;          /* next SQE index to fill (private) */
	byte sq_head_seen = 0;      /* engine's sq_head as last read */
	byte cq_head = 0;           /* private copy of cq_head */
	byte nb, i;
	bool busy_seen = false, ring_it;

	do
	/* rc_get_sqe + prep + rc_submit: publish 1..BATCH entries. */
	/* rc_get_sqe: full by the cached head? Re-read it (acquire). */
	:: sqe_tail < N && !busy_seen && sqe_tail - sq_head_seen >= S ->
		sq_head_seen = mem[SQ_HEAD]
	:: sqe_tail < N && !busy_seen && ROOM_FOR(0) ->
		nb = 1;
		do
		:: nb < BATCH && sqe_tail + nb < N && ROOM_FOR(nb) -> nb++
		:: break
		od;
#ifdef M_USER_CHECK_FIRST
		/* mutant: the NEED_WAKEUP check moved before the publication */
		ring_it = mem[F_WAKE];
#endif
		atomic {                        /* buffered stores only: invisible until drained */
		i = 0;
		do
		:: i < nb ->
#ifdef M_SEQ_BEFORE_DATA
			sb_user!SEQ((sqe_tail + i) % S),sqe_tail + i + 1;
			sb_user!SQD((sqe_tail + i) % S),sqe_tail + i + 1;
#else
			/* prep: the entry's words, then seq with release */
			sb_user!SQD((sqe_tail + i) % S),sqe_tail + i + 1;
			sb_user!SEQ((sqe_tail + i) % S),sqe_tail + i + 1;
#endif
			i++
		:: else -> break
		od;
		sqe_tail = sqe_tail + nb;
		sb_user!SQ_TAIL,sqe_tail        /* store_release of sq_tail */
		};
#ifdef M_USER_CHECK_FIRST
		if
		:: ring_it -> atomic { FENCE_USER -> kicks++ }
		:: else -> skip
		fi;
#else
#ifndef M_NO_USER_FENCE
		FENCE_USER;                     /* rc_engine_sleeps: rc_fence_full */
#endif
		if
		:: mem[F_WAKE] -> atomic { FENCE_USER -> kicks++ } /* doorbell */
		:: else -> skip
		fi;
#endif
		/* rc_submit returns -EBUSY: the caller must reap first. */
		busy_seen = mem[F_BUSY]

	/* rc_peek_cqe + rc_cqe_seen: read a ready CQE. */
	:: cq_head < sqe_tail && mem[CQP(cq_head % C)] == PHASE(cq_head) ->
		atomic {
			assert(mem[CQD(cq_head % C)] == cq_head + 1);  /* in order, none lost */
			assert(unread[cq_head % C]);
			unread[cq_head % C] = false;
			reaped++;
			cq_head++;
			sb_user!CQ_HEAD,cq_head;        /* store_release of cq_head */
			busy_seen = false
		}

	/* rc_wait_cqe: nothing ready; ring if the backlog needs a flush,
	 * then sleep on the CQ until the next CQE's phase flips. */
	:: cq_head < sqe_tail && mem[CQP(cq_head % C)] != PHASE(cq_head) ->
#ifndef M_NO_WAIT_FENCE
		FENCE_USER;                     /* our cq_head before the flag load */
#endif
#ifndef M_NO_OVERFLOW_KICK
		if
		:: mem[F_OVF] -> atomic { FENCE_USER -> kicks++ }
		:: else -> skip
		fi;
#endif
		mem[CQP(cq_head % C)] == PHASE(cq_head)  /* asleep until then */

	:: cq_head == N -> break
	od;
	assert(reaped == N && taken == N);
	user_done = true
}

/* ---------------- the engine: lib/engine.c ---------------- */

proctype engine()
{
	byte sq_head = 0, cq_tail = 0, cq_head_seen = 0, pub_cq_tail = 0;
	byte bl[CAP + 1];           /* the backlog (one spare slot: a mutant may overfill) */
	byte bl_head = 0, bl_count = 0;
	bool f_ovf = false, f_busy = false, f_wake = false;
	byte kicks0, d;
	bool progress, room, work, pending;

#define SET_FLAG(priv, addr, on) \
	if \
	:: priv != on -> priv = on; sb_eng!addr,on \
	:: else -> skip \
	fi

	/* rce_cq_has_room: cached head first, re-read (acquire) when full. */
#ifdef M_NO_ROOM_CHECK
#define HAS_ROOM room = true
#else
#define HAS_ROOM \
	if \
	:: cq_tail - cq_head_seen < C -> room = true \
	:: else -> cq_head_seen = mem[CQ_HEAD]; room = (cq_tail - cq_head_seen < C) \
	fi
#endif

	/* rce_write_cqe: user_data, then the phase with release. */
#ifdef M_NO_PHASE_FLIP
#define WRITE_CQE(v) \
	assert(!unread[cq_tail % C]); unread[cq_tail % C] = true; \
	sb_eng!CQD(cq_tail % C),v; sb_eng!CQP(cq_tail % C),1; cq_tail++
#else
#define WRITE_CQE(v) \
	assert(!unread[cq_tail % C]); unread[cq_tail % C] = true; \
	sb_eng!CQD(cq_tail % C),v; sb_eng!CQP(cq_tail % C),PHASE(cq_tail); cq_tail++
#endif

	/* rce_sq_pending: published and not taken? */
#if POLL
#ifdef M_SEQ_NOT_CHECKED
#define SQ_PENDING pending = (sq_head < N)
#else
#define SQ_PENDING pending = (mem[SEQ(sq_head % S)] == sq_head + 1)
#endif
#else
#define SQ_PENDING pending = (mem[SQ_TAIL] != sq_head)
#endif

#ifdef M_NO_CAP_CHECK
#define CAP_OK true
#else
#define CAP_OK (bl_count < CAP)
#endif

	/* Each atomic step below reads at most one shared word: the rest is
	 * private state and buffered stores, invisible to the user until
	 * drained, so grouping them loses no interleaving. */
#if !POLL
	f_wake = true;              /* doorbell mode: set at setup, never cleared */
#endif
	do
	:: /* rce_ring_run: flush the backlog into free CQ slots, oldest first */
		progress = false;
		do
		:: atomic { bl_count > 0 ->
			HAS_ROOM;
			if
			:: room -> WRITE_CQE(bl[bl_head]); bl_head = (bl_head + 1) % (CAP + 1);
				bl_count--; progress = true
			:: else -> break
			fi }
		:: else -> break
		od;
		/* take SQEs while a backlog slot is free for their CQE */
		do
		:: atomic { CAP_OK ->
			if
			:: bl_count == 0 -> SET_FLAG(f_ovf, F_OVF, false)
			:: else -> skip
			fi;
			SQ_PENDING;
			if
			:: pending -> skip
			:: else -> break
			fi };
			/* copy it, publish sq_head, then run it (a NOP) */
			atomic {
				d = mem[SQD(sq_head % S)];
				assert(d == sq_head + 1);       /* published, not stale, in order */
				taken++;
				sq_head++;
				sb_eng!SQ_HEAD,sq_head;
				progress = true
			};
			/* rce_post: to the CQ, unless it is full or older CQEs wait */
			atomic {
				HAS_ROOM;
				if
#ifdef M_BACKLOG_BYPASS
				:: room -> WRITE_CQE(d)
#else
				:: bl_count == 0 && room -> WRITE_CQE(d)
#endif
				:: else ->
					assert(bl_count < CAP);    /* a slot was reserved */
					bl[(bl_head + bl_count) % (CAP + 1)] = d; bl_count++;
					SET_FLAG(f_ovf, F_OVF, true)
				fi
			}
		:: else -> break
		od;
		/* BUSY: published SQEs wait for room; then rce_publish */
		atomic {
			if
			:: bl_count == 0 -> SET_FLAG(f_ovf, F_OVF, false)
			:: else -> skip
			fi;
			SQ_PENDING;
			SET_FLAG(f_busy, F_BUSY, bl_count >= CAP && pending);
			if                      /* store_release of cq_tail */
			:: cq_tail != pub_cq_tail -> pub_cq_tail = cq_tail; sb_eng!CQ_TAIL,cq_tail
			:: else -> skip
			fi
		};
		if
		:: progress -> skip
		:: else ->
			/* Idle: the sleep protocol (kpoll_sleep, host_worker_sleep). */
			atomic {
#ifndef M_SNAPSHOT_LATE
				kicks0 = kicks;         /* snapshot before arming */
#endif
				SET_FLAG(f_wake, F_WAKE, true)
			};
#ifndef M_NO_ENGINE_FENCE
			FENCE_ENG;              /* rc_fence_full: the flag before the re-check */
#endif
			/* rce_ring_has_work */
			work = false;
#ifndef M_NO_RECHECK
			atomic {
				if
				:: bl_count > 0 -> HAS_ROOM; work = room
				:: else -> skip
				fi
			};
			atomic {
				if
				:: !work && bl_count < CAP -> SQ_PENDING; work = pending
				:: else -> skip
				fi
			};
#endif
#ifdef M_SNAPSHOT_LATE
			kicks0 = kicks;
#endif
			if
			:: work -> skip
			:: else ->
				/* sleep until a doorbell after the snapshot (atomic with
				 * the final check: ptable_lock / futex_waitv) */
end_sleep:			kicks != kicks0
			fi;
#if POLL
			SET_FLAG(f_wake, F_WAKE, false)  /* awake: no doorbell needed */
#else
			skip
#endif
		fi
	od
}

init
{
	atomic {
#if !POLL
		mem[F_WAKE] = 1;        /* rce_ring_init: no poller, every submit rings */
#endif
		run drain(sb_user);
		run drain(sb_eng);
		run engine();
		run user()
	}
}
