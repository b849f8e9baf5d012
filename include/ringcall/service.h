/*
 * service.h - what a program serving or calling over channels needs beyond
 * the prep helpers: a pool of provided buffers that is given back in runs,
 * and a channel found by name (publish / connect), each a few lines every
 * such program would otherwise write again. Freestanding, like ringcall.h;
 * lib/service.c, in the user library of every platform (docs/abi.md 7.6,
 * 7.7 say what the ops do).
 */
#ifndef RINGCALL_SERVICE_H
#define RINGCALL_SERVICE_H

#include <stddef.h>
#include "ringcall.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- a pool of provided buffers ---- */

/* count buffers of size bytes each, laid out from base, with ids
 * 0..count-1 in buffer group group (at most RC_PBUF_IDS: a CQE names a
 * buffer in 16 bits). back (count entries, the caller's memory) holds the
 * runs of consecutive ids read since the last give-back, one entry per
 * run: its first id | (its length - 1) << 16 (rc_pbuf_run_*). The pool
 * (base) must be memory the engine may write: on a hosted ring, rc_alloc. */
struct rc_pbuf_pool {
	void *base;
	uint32_t size, count;
	uint32_t group;
	uint32_t *back, nback; /* nback runs in back */
	uint32_t next;	       /* the id that extends the last run; RC_PBUF_NO_RUN: none */
	uint32_t *last;	       /* that run's entry, &back[nback - 1], unless next is NO_RUN */
};

#define RC_PBUF_IDS    65536u	   /* buffer ids a CQE can name (RC_CQE_F_BID_MASK + 1) */
#define RC_PBUF_NO_RUN 0xffffffffu /* rc_pbuf_pool.next when no run can be extended */

/* A run's entry in back: first id, length (1..RC_PBUF_IDS). */
static inline uint32_t rc_pbuf_run_make(uint32_t first, uint32_t n)
{
	return first | (n - 1) << 16;
}
static inline uint32_t rc_pbuf_run_first(uint32_t run)
{
	return run & 0xffffu;
}
static inline uint32_t rc_pbuf_run_len(uint32_t run)
{
	return (run >> 16) + 1;
}

/* Pool p over count buffers of size bytes from base, in group, back
 * (count entries) to mark them in: every buffer marked, so the first
 * rc_pbuf_give_back provides them all in one PROVIDE_BUFFERS. back NULL:
 * nothing is marked, the caller provides (rc_prep_pbuf_provide). A count
 * above RC_PBUF_IDS is taken as RC_PBUF_IDS. */
void rc_pbuf_pool_init(struct rc_pbuf_pool *p, void *base, uint32_t size, uint32_t count,
		       uint32_t group, uint32_t *back);

/* Buffer bid of pool p. */
static inline void *rc_pbuf(const struct rc_pbuf_pool *p, uint32_t bid)
{
	return (char *)p->base + (size_t)bid * p->size;
}

/* Fill sqe: PROVIDE_BUFFERS giving buffers first..first+n-1 of p to its
 * group (one run of consecutive ids). */
void rc_prep_pbuf_provide(struct rc_sqe *sqe, const struct rc_pbuf_pool *p, uint32_t first,
			  uint32_t n);

/* rc_pbuf_done's other case: bid starts a new run (out of line). */
void rc_pbuf_done_new_run(struct rc_pbuf_pool *p, uint32_t bid);

/* Buffer bid has been read: rc_pbuf_give_back returns it. Ids outside the
 * pool (a CQE's flags are the engine's word, not checked elsewhere) are
 * ignored, and so is every id when the pool has no back, or when back
 * holds count runs already. Inline: the engine hands a group's buffers out
 * in order, so an id usually extends the last run (a compare and two adds,
 * no call); a run never passes the pool's last buffer. */
static inline void rc_pbuf_done(struct rc_pbuf_pool *p, uint32_t bid)
{
	if (bid == p->next && bid < p->count) {
		*p->last += 1u << 16; /* the run's length + 1 */
		p->next = bid + 1;
	} else {
		rc_pbuf_done_new_run(p, bid);
	}
}

/* Queue one PROVIDE_BUFFERS per run of consecutive ids among the buffers
 * marked done, in the order they were marked, each with sqe_flags and
 * user_data (RC_SQE_SKIP_SUCCESS: a CQE only on failure). Queued after
 * what is already queued, so replies that read the buffers go first (SQ
 * order). Returns the number of SQEs queued, or -RC_EBUSY when the SQ
 * filled first: the runs not queued stay marked for the next call. */
int rc_pbuf_give_back(struct rc_ring *r, struct rc_pbuf_pool *p, uint8_t sqe_flags,
		      uint64_t user_data);

/* ---- channels found by name ---- */

/* Submit what is queued, wait for the next CQE and consume it: its res,
 * or the wait's negative RC_E*. For setup steps with nothing else in
 * flight (any CQE that comes first is taken for it). */
int32_t rc_submit_wait_res(struct rc_ring *r);

/* CHANNEL_PUBLISH endpoint h under name (len bytes, no NUL), waited for:
 * 0 or a negative RC_E*. */
int32_t rc_channel_publish_wait(struct rc_ring *r, uint32_t h, const char *name, uint32_t len);

/* CHANNEL_CONNECT to name, waited for: the new channel's handle, or a
 * negative RC_E*. */
int32_t rc_channel_connect_wait(struct rc_ring *r, const char *name, uint32_t len);

/* Make a channel and publish one end under name: the other end's handle,
 * where each connection arrives as a message of 0 bytes and 1 handle; or a
 * negative RC_E*. pair is CHANNEL_CREATE's answer. name and pair must be
 * memory the engine may read and write: on a hosted ring, rc_alloc. */
int32_t rc_channel_listen(struct rc_ring *r, const char *name, uint32_t len,
			  struct rc_channel_pair *pair);

#ifdef __cplusplus
}
#endif

#endif
