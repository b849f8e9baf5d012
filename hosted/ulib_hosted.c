/*
 * ulib_hosted.c - what the file programs (user/cat.c, wc.c, cp.c) ask of
 * the user runtime, for Linux: rt_ring, a ring of an in-process ringcall
 * engine rooted at $RINGCALL_ROOT (default: the current directory), on
 * which their rc_prep_open/read/write/close entries run as on
 * ringcall-server; rt_sqe, rt_sync and rt_next_cqe over it as in the
 * kernel's user library (user/lib/rt.c); rt_alloc from the ring's shared
 * area; console writes to stdout. The same program sources run on both
 * platforms (scripts/check-shell.sh compares them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ringcall/ringcall.h"
#include "ringcall/hosted.h"
#include "ulib.h"

struct rc_ring rt_ring;
uint32_t rt_ring_handle;
uint32_t fsc_channel; /* unused here: the ring itself reaches the files */

const char *rt_path(const char *path, char *buf)
{
	(void)buf;
	return path;
}

__attribute__((constructor)) static void ring_setup(void)
{
	struct rc_params p = { .sq_entries = 16, .data_bytes = 256 * 1024 };
	const char *root = getenv("RINGCALL_ROOT");
	if (rc_inproc_init(&rt_ring, &p) < 0 ||
	    rc_inproc_set_root(&rt_ring, root ? root : ".") < 0) {
		fprintf(stderr, "ulib_hosted: no ring\n");
		exit(2);
	}
}

void *rt_alloc(uint32_t n)
{
	return rc_alloc(&rt_ring, n);
}

struct rc_sqe *rt_sqe(void)
{
	struct rc_sqe *sqe = rc_get_sqe(&rt_ring);
	if (!sqe) {
		rc_submit(&rt_ring);
		sqe = rc_get_sqe(&rt_ring);
	}
	if (!sqe)
		abort();
	return sqe;
}

/* CQEs that arrived while rt_sync waited for its own. */
#define STASH 64
static struct rc_cqe stash[STASH];
static unsigned stash_head, stash_n;

int32_t rt_sync(struct rc_sqe *sqe)
{
	sqe->user_data = RT_SYNC_DATA;
	int ret = rc_submit(&rt_ring);
	if (ret < 0 && ret != -RC_EBUSY)
		return ret;
	for (;;) {
		struct rc_cqe *cqe;
		ret = rc_wait_cqe(&rt_ring, &cqe);
		if (ret < 0)
			return ret;
		struct rc_cqe c = *cqe;
		rc_cqe_seen(&rt_ring, cqe);
		if (c.user_data == RT_SYNC_DATA)
			return c.res;
		if (stash_n == STASH)
			abort();
		stash[(stash_head + stash_n++) % STASH] = c;
	}
}

int rt_peek_cqe(struct rc_cqe *out)
{
	struct rc_cqe *cqe;
	if (stash_n) {
		*out = stash[stash_head];
		stash_head = (stash_head + 1) % STASH;
		stash_n--;
		return 0;
	}
	if (rc_peek_cqe(&rt_ring, &cqe) < 0)
		return -RC_EAGAIN;
	*out = *cqe;
	rc_cqe_seen(&rt_ring, cqe);
	return 0;
}

int rt_next_cqe(struct rc_cqe *out)
{
	for (;;) {
		struct rc_cqe *cqe;
		if (rt_peek_cqe(out) == 0)
			return 0;
		int ret = rc_wait_cqe(&rt_ring, &cqe);
		if (ret < 0)
			return ret;
	}
}

void rt_write(const void *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}
