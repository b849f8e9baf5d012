/*
 * inproc.c - the engine in the caller's own process.
 *
 * rc_inproc_init: enter runs the engine on the caller's thread; waiting
 * for a TIMEOUT sleeps until its deadline. No threads, fully
 * deterministic: the unit tests' mode.
 *
 * host_local_connect: a ring served by a host_worker thread of this
 * process, through the same futex doorbell as a real client; what the
 * concurrency tests (and TSan) exercise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>
#include "host.h"
#include "local.h"

/* Hold c's engine for an engine call: another thread's send may be acting
 * for the ring (host_ipc_act, a try-lock held briefly under the IPC lock:
 * yielding lets it finish). Acquire pairs with that thread's release. */
static void inproc_hold(struct host_client *c)
{
	while (__atomic_exchange_n(&c->engine_busy, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void inproc_release(struct host_client *c)
{
	/* Release: pairs with the acquire in inproc_hold/host_ipc_act. */
	__atomic_store_n(&c->engine_busy, 0, __ATOMIC_RELEASE);
}

/* Run the engine; with GETEVENTS, until min_complete CQEs are ready,
 * sleeping until the next TIMEOUT deadline in between, or until
 * give_up (host_now_ns; UINT64_MAX: never) with -RC_ETIME. */
static int inproc_run(struct rc_ring *r, uint32_t min_complete, uint32_t flags, uint64_t give_up)
{
	struct host_conn *conn = r->backend_data;
	struct rce_ring *e = &conn->local->ring;
	int ret;

	for (;;) {
		uint64_t deadline;
		struct timespec ts;

		inproc_hold(conn->local);
		ret = rce_ring_run(e, UINT32_MAX);
		/* Under the word: a sender acting for this ring (channel.c's
		 * direct paths) posts into it, TIMEOUT counts included. */
		deadline = rce_ring_next_deadline(e);
		inproc_release(conn->local);
		if (!(flags & RC_ENTER_GETEVENTS) || rc_cq_ready(r) >= min_complete)
			return ret < 0 ? ret : 0;
		if (ret == -RC_EBUSY)
			return ret; /* the caller must reap before more can run */
		if (deadline == UINT64_MAX)
			return -RC_EDEADLK; /* nothing in flight could ever complete */
		if (host_now_ns() >= give_up)
			return -RC_ETIME;
		if (deadline > give_up)
			deadline = give_up;
		ts = (struct timespec){ .tv_sec = (time_t)(deadline / 1000000000u),
					.tv_nsec = (long)(deadline % 1000000000u) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static int inproc_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete,
			uint32_t flags)
{
	(void)to_submit;
	return inproc_run(r, min_complete, flags, UINT64_MAX);
}

static int inproc_wait_timeout(struct rc_ring *r, uint32_t min_complete, uint64_t timeout_ns)
{
	uint64_t now = host_now_ns();

	return inproc_run(r, min_complete, RC_ENTER_GETEVENTS,
			  timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns);
}

static const struct rc_backend inproc_backend = { .enter = inproc_enter,
						  .wait_timeout = inproc_wait_timeout };

/* A client, its region mapped once for both sides, and a connection
 * (sock -1) to it. */
static int host_local_pair(struct rc_ring *r, const struct rc_params *p, int root_fd,
			   const struct rc_backend *backend, struct host_client **out)
{
	struct host_conn *conn = calloc(1, sizeof(*conn));
	struct host_client *c;
	int err;

	if (!conn)
		return -RC_ENOMEM;
	c = host_client_new(p, root_fd, 2, NULL, &err);
	if (!c) {
		free(conn);
		return err;
	}
	*conn = (struct host_conn){ .sock = -1,
				    .region = c->mem.base,
				    .region_bytes = c->region_bytes,
				    .local = c,
				    .own_root_fd = -1 };
	err = rc_ring_attach(r, c->mem.base, c->mem.size, backend, conn);
	if (err) {
		host_client_free(c);
		free(conn);
		return err;
	}
	host_conn_init_ring_data(conn, r, c->mem.data_off);
	*out = c;
	return 0;
}

int rc_inproc_init(struct rc_ring *r, const struct rc_params *p)
{
	struct host_client *c;

	int err = host_local_pair(r, p, -1, &inproc_backend, &c);

	if (!err)
		c->inproc = true;
	return err;
}

int rc_inproc_set_root(struct rc_ring *r, const char *dir)
{
	struct host_conn *conn = r->backend_data;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return host_err(errno);
	if (conn->own_root_fd >= 0)
		close(conn->own_root_fd);
	conn->own_root_fd = fd;
	conn->local->root_fd = fd; /* OPEN resolves beneath it (hosted/files.c) */
	return 0;
}

void rc_inproc_exit(struct rc_ring *r)
{
	struct host_conn *conn = r->backend_data;

	if (conn->own_root_fd >= 0)
		close(conn->own_root_fd);
	host_conn_free_data(conn);
	inproc_hold(conn->local); /* for good: nobody acts for it any more */
	host_client_free(conn->local);
	free(conn);
	r->backend_data = NULL;
}

struct rce_ring *rc_inproc_engine(struct rc_ring *r)
{
	return &((struct host_conn *)r->backend_data)->local->ring;
}

struct host_client *rc_inproc_client(struct rc_ring *r)
{
	return ((struct host_conn *)r->backend_data)->local;
}

int host_local_connect(struct rc_ring *r, struct host_worker *w, const struct rc_params *p,
		       int root_fd)
{
	struct host_client *c;
	int err = host_local_pair(r, p, root_fd, &host_futex_backend, &c);

	if (!err)
		host_worker_add(w, c);
	return err;
}
