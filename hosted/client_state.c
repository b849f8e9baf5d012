/*
 * client_state.c - one client's server-side state: a shared region, an
 * engine context and a ring.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "host.h"

#define HOST_MAX_HANDLES 1024u
#define HOST_MAX_DATA	 (256u << 20)
#define HOST_MAX_IDLE_US 10000000u

static uint32_t host_next_id = 1;

static void host_defaults(struct rc_params *q, const struct rc_params *p)
{
	*q = *p;
	if (!q->sq_entries)
		q->sq_entries = 64;
	if (!q->data_bytes)
		q->data_bytes = 1u << 20;
	if (!q->idle_us)
		q->idle_us = 1000;
}

static struct rce_ring_params host_ring_params(const struct rc_params *p)
{
	return (struct rce_ring_params){ p->sq_entries, p->cq_entries, p->backlog_entries,
					 p->mode == RC_MODE_POLL ? RC_SETUP_POLL : 0 };
}

int host_params_check(const struct rc_params *params, const char **why)
{
	struct rc_params p;
	struct rce_ring_params rp;

	host_defaults(&p, params);
	*why = NULL;
	if (p.mode != RC_MODE_DOORBELL && p.mode != RC_MODE_POLL)
		*why = "mode must be RC_MODE_DOORBELL or RC_MODE_POLL";
	else if (p.idle_us > HOST_MAX_IDLE_US)
		*why = "idle_us must be at most 10000000 (10 s)";
	else if (p.data_bytes > HOST_MAX_DATA)
		*why = "data_bytes must be at most 256 MiB";
	if (*why)
		return -RC_EINVAL;
	rp = host_ring_params(&p);
	return rce_ring_params_check(&rp, why);
}

/*
 * Channel memory (docs/porting.md "Charging channel memory"): each client
 * has an account of the bytes its channel ops made the server allocate,
 * refused past HOST_IPC_BYTES, so one client cannot grow the server
 * without bound by filling channels. A live account is never trimmed
 * (granted only records the most it ever used, within the limit); once
 * its client is gone it is freed when the last message it sent is.
 */
struct host_acct {
	struct rce_acct e; /* first: the engine's view */
	bool gone;	   /* its client was freed (under the IPC lock) */
};

bool host_acct_grant(struct rce_acct *e, uint32_t need)
{
	if (((struct host_acct *)e)->gone || need > HOST_IPC_BYTES)
		return false;
	e->granted = need;
	return true;
}

void host_acct_trim(struct rce_acct *e)
{
	e->granted = e->used;
	if (((struct host_acct *)e)->gone && e->used == 0)
		free(e);
}

/* A new client's account, or NULL. */
static struct rce_acct *host_acct_new(void)
{
	struct host_acct *a = calloc(1, sizeof(*a));

	if (a)
		a->e.slack = UINT32_MAX; /* live: never trimmed */
	return a ? &a->e : NULL;
}

/* The client is gone (its handles closed): its account lives on while
 * messages it sent are queued elsewhere. */
static void host_acct_release(struct rce_ctx *ctx)
{
	const struct rce_ipc_ops *ipc = host_handlers.ipc;
	struct host_acct *a = (struct host_acct *)ctx->acct;

	if (!a)
		return;
	ipc->lock();
	a->gone = true;
	a->e.slack = 0;
	host_acct_trim(&a->e); /* frees it if nothing is charged */
	ipc->unlock();
	ctx->acct = NULL;
}

/* Map a zeroed region of bytes; with memfd_fd, as a sealed memfd whose fd
 * is returned for passing to the client (sealed so the client cannot
 * shrink it under the server's feet). */
static void *host_map_region(size_t bytes, int *memfd_fd)
{
	void *p;
	int fd;

	if (!memfd_fd) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	fd = memfd_create("ringcall", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)bytes) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	*memfd_fd = fd;
	return p;
}

struct host_client *host_client_new(const struct rc_params *params, int root_fd, int console_fd,
				    int *memfd_fd, int *err)
{
	struct rc_params p;
	struct rce_ring_params rp;
	struct host_client *c;
	size_t ring_bytes;
	const char *why;

	*err = host_params_check(params, &why);
	if (*err)
		return NULL;
	host_defaults(&p, params);
	rp = host_ring_params(&p);
	ring_bytes = rc_ring_bytes(p.sq_entries, p.cq_entries ? p.cq_entries : 2 * p.sq_entries);
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -RC_ENOMEM;
		return NULL;
	}
	c->id = __atomic_fetch_add(&host_next_id, 1, __ATOMIC_RELAXED);
	c->root_fd = root_fd;
	c->own_root_fd = -1;
	c->uid = (uint32_t)getuid(); /* the server's own; the server sets a remote client's */
	c->idle_ns = (uint64_t)p.idle_us * 1000u;
	c->console_fd = console_fd;
	c->region_bytes = (ring_bytes + 4095) / 4096 * 4096 + p.data_bytes;
	c->mem.base = host_map_region(c->region_bytes, memfd_fd);
	c->mem.size = c->region_bytes;
	c->mem.data_off = (ring_bytes + 4095) / 4096 * 4096;
	c->mem.user_base = (uint64_t)(uintptr_t)c->mem.base; /* until the client says */
	*err = c->mem.base ? rce_ctx_init(&c->ctx, &host_handlers, &c->mem, HOST_MAX_HANDLES)
			   : -RC_ENOMEM;
	if (!*err && !(c->ctx.acct = host_acct_new()))
		*err = -RC_ENOMEM;
	if (!*err)
		*err = rce_ring_init(&c->ring, &c->ctx, c->mem.base, ring_bytes, &rp);
	if (*err) {
		if (memfd_fd && c->mem.base) {
			close(*memfd_fd);
			*memfd_fd = -1; /* the caller must not send or close it */
		}
		host_client_free(c);
		return NULL;
	}
	return c;
}

/* Reclaim everything: requests in flight, open files, the region. */
void host_client_free(struct host_client *c)
{
	rce_ring_destroy(&c->ring); /* a no-op on a ring never set up (zeroed) */
	rce_ctx_destroy(&c->ctx);
	host_acct_release(&c->ctx);
	if (c->mem.base)
		munmap(c->mem.base, c->region_bytes);
	host_trace_free(c->trace);
	if (c->own_root_fd >= 0)
		close(c->own_root_fd);
	free(c);
}
