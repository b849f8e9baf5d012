/*
 * service.c - the provided-buffer pool and the channel-by-name helpers of
 * service.h. Freestanding: part of the user library on every platform.
 */
#include "ringcall/service.h"

void rc_prep_pbuf_provide(struct rc_sqe *sqe, const struct rc_pbuf_pool *p, uint32_t first,
			  uint32_t n)
{
	rc_prep_provide_buffers(sqe, rc_pbuf(p, first), n * p->size, p->size, p->group, first, 0);
}

void rc_pbuf_pool_init(struct rc_pbuf_pool *p, void *base, uint32_t size, uint32_t count,
		       uint32_t group, uint32_t *back)
{
	if (count > RC_PBUF_IDS)
		count = RC_PBUF_IDS;
	*p = (struct rc_pbuf_pool){ .base = base,
				    .size = size,
				    .count = count,
				    .group = group,
				    .back = back,
				    .next = RC_PBUF_NO_RUN };
	if (back && count) { /* the whole pool, one run (it cannot grow: next = count) */
		back[0] = rc_pbuf_run_make(0, count);
		p->nback = 1;
		p->next = count;
		p->last = back;
	}
}

void rc_pbuf_done_new_run(struct rc_pbuf_pool *p, uint32_t bid)
{
	if (!p->back || bid >= p->count || p->nback >= p->count)
		return;
	p->last = &p->back[p->nback++];
	*p->last = rc_pbuf_run_make(bid, 1);
	p->next = bid + 1;
}

int rc_pbuf_give_back(struct rc_ring *r, struct rc_pbuf_pool *p, uint8_t sqe_flags,
		      uint64_t user_data)
{
	uint32_t i;

	for (i = 0; i < p->nback; i++) {
		struct rc_sqe *sqe = rc_get_sqe(r);
		uint32_t run = p->back[i];

		if (!sqe)
			break;
		rc_prep_pbuf_provide(sqe, p, rc_pbuf_run_first(run), rc_pbuf_run_len(run));
		rc_sqe_set_flags(sqe, sqe_flags);
		rc_sqe_set_data(sqe, user_data);
	}
	if (i == p->nback) { /* all queued: the usual case */
		p->nback = 0;
		p->next = RC_PBUF_NO_RUN;
		return (int)i;
	}
	/* Keep what was not queued, at the front (the last run, which next
	 * extends, stays the last). */
	for (uint32_t j = i; j < p->nback; j++)
		p->back[j - i] = p->back[j];
	p->nback -= i;
	p->last = &p->back[p->nback - 1];
	return -RC_EBUSY;
}

int32_t rc_submit_wait_res(struct rc_ring *r)
{
	struct rc_cqe *cqe;
	int32_t res;
	int err;

	if ((err = rc_submit_and_wait(r, 1)) < 0 || (err = rc_wait_cqe(r, &cqe)) < 0)
		return err;
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	return res;
}

int32_t rc_channel_publish_wait(struct rc_ring *r, uint32_t h, const char *name, uint32_t len)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	if (!sqe)
		return -RC_EBUSY;
	rc_prep_channel_publish(sqe, h, name, len, 0);
	return rc_submit_wait_res(r);
}

int32_t rc_channel_connect_wait(struct rc_ring *r, const char *name, uint32_t len)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	if (!sqe)
		return -RC_EBUSY;
	rc_prep_channel_connect(sqe, name, len, 0);
	return rc_submit_wait_res(r);
}

/* Close handle h, waited for (a failed listen's channel). */
static void rc_channel_close_wait(struct rc_ring *r, uint32_t h)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	if (sqe) {
		rc_prep_close(sqe, h, 0);
		rc_submit_wait_res(r);
	}
}

int32_t rc_channel_listen(struct rc_ring *r, const char *name, uint32_t len,
			  struct rc_channel_pair *pair)
{
	struct rc_sqe *sqe = rc_get_sqe(r);
	int32_t res;

	if (!sqe)
		return -RC_EBUSY;
	rc_prep_channel_create(sqe, pair, sizeof(*pair), 0);
	if ((res = rc_submit_wait_res(r)) < 0)
		return res;
	if ((res = rc_channel_publish_wait(r, pair->end[0], name, len)) < 0) {
		rc_channel_close_wait(r, pair->end[0]);
		rc_channel_close_wait(r, pair->end[1]);
		return res;
	}
	return (int32_t)pair->end[1];
}
