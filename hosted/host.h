/*
 * host.h - the hosted runtime's internals, shared by the server, the
 * in-process mode and the tests.
 */
#ifndef RINGCALL_HOST_H
#define RINGCALL_HOST_H

#include <pthread.h>
#include <stdio.h>
#include "ringcall/engine.h"
#include "ringcall/hosted.h"

/* A caller's memory as the server sees it: the shared region is mapped at
 * base here and at user_base in the caller; only [data_off, size) may hold
 * buffers. ctx->port points here. */
struct host_mem {
	uint8_t *base;
	uint64_t user_base;
	uint64_t size;
	uint64_t data_off;
};

/* What the broker's policy lets one client do (ringcall-server --policy,
 * docs/sandbox.md "Policy in the broker"), checked by the handlers in
 * files.c; the allow-list is the ring's (rce_ring_restrict). Zeroed: no
 * limits (the in-process mode). */
struct host_policy {
	uint64_t allow;	       /* opcodes it may submit (bit n: opcode n) */
	uint32_t max_handles;  /* OPEN refused once it holds this many; 0: no limit */
	uint32_t max_inflight; /* READ/WRITE bytes in flight at once; 0: no limit */
	bool read_only;	       /* OPEN for writing, CREATE, TRUNC, APPEND, WRITE refused */
	bool log;	       /* every operation audited (trace.c) */
};

/* One client: its memory, its engine state, the server's resources. */
struct host_client {
	struct host_mem mem; /* first: ctx.port points to it */
	struct rce_ctx ctx;
	struct rce_ring ring;
	int root_fd;	 /* files are confined beneath it */
	int own_root_fd; /* a root opened for this client alone (closed with it), or -1 */
	struct host_policy policy;
	uint64_t inflight_bytes; /* READ/WRITE bytes being moved now (max_inflight) */
	int console_fd;		 /* CONSOLE_WRITE goes here */
	uint32_t id;
	uint32_t uid;	  /* the client's Unix uid: its prefix for CHANNEL_PUBLISH */
	uint32_t dead;	  /* set by the server's main thread; read by the worker */
	uint64_t idle_ns; /* POLL: how long its worker polls before sleeping */
	size_t region_bytes;
	struct host_client *next; /* on its worker */
	struct host_worker *worker;
	struct host_trace *trace; /* --trace: this ring's tracer, or NULL */
	bool woken;		  /* in its worker's woken list (worker thread only) */
	/* in-process rings (rc_inproc_init): held by the thread running an
	 * engine call on the ring (its enter, or another ring's send acting
	 * for it: host_ipc_act) */
	bool inproc;
	uint32_t engine_busy;
};

/* A thread that runs the engine for a set of clients. */
struct host_worker {
	pthread_t thread;
	pthread_mutex_t lock;	   /* guards inbox and nr_clients */
	struct host_client *inbox; /* handed over, not yet adopted */
	struct host_client *clients;
	uint32_t control; /* private futex word: bumped on inbox/dead/stop */
	uint32_t stop;
	uint32_t nr_clients;
	uint64_t sleeps; /* times it slept (tests check the edge is crossed) */
	uint64_t passes; /* passes over its clients (the worker's own count) */
	bool keep_ipc;	 /* its server's only worker: it keeps the IPC lock for a pass */
	/* Its clients whose parked IPC requests this thread just made ready
	 * (host_worker_woken): delivered right after the ring that sent. */
	struct host_client *woken[16];
	uint32_t nwoken;
	uint64_t deliveries; /* runs that delivered them (tests count them) */
};

extern const struct rce_handlers host_handlers;

/* registry.c: the names of channels (CHANNEL_PUBLISH, CHANNEL_CONNECT) */
int32_t host_channel_publish(struct rce_call *c, const struct rce_args_channel_publish *a);
int32_t host_channel_connect(struct rce_call *c, const struct rce_args_channel_connect *a);

/* The one place Linux errnos become results: -RC_E<name> for each name of
 * the vocabulary (abi.h RC_ERRORS), -RC_EIO for any other. e > 0. */
int32_t host_err(int e);

/* futex helpers (shared, not private: the words live in memfd pages) */
int host_futex_wait(uint32_t *word, uint32_t expected, uint64_t timeout_ns);
void host_futex_wake(uint32_t *word, int nr);
uint64_t host_now_ns(void);
/* FUTEX_WAKEs of CQ waiters made so far, every ring (tests count them). */
extern uint64_t host_cq_wakes;

/* The IPC lock (files.c). on: this thread's unlocks keep the lock held,
 * its locks find it held (a server's only worker, for one pass); off:
 * released if kept, and unlocks release again. host_ipc_acquires counts
 * the times this thread really took it (tests). */
void host_ipc_keep(bool on);
extern __thread uint64_t host_ipc_acquires;
/* Is the IPC lock held by anyone now (tests)? */
bool host_ipc_held(void);

/* A translated pointer into the caller's data area, or NULL. */
void *host_user_ptr(struct host_mem *m, uint64_t addr, uint64_t len);

/* The one check of a client's parameters every backend makes (the
 * engine's for the ring, the hosted runtime's for the rest): 0 or
 * -RC_EINVAL with *why naming the wrong parameter. */
int host_params_check(const struct rc_params *p, const char **why);
/* Clients: make one over a fresh shared region (memfd when memfd_fd is
 * not NULL), destroy one. */
struct host_client *host_client_new(const struct rc_params *p, int root_fd, int console_fd,
				    int *memfd_fd, int *err);
void host_client_free(struct host_client *c);
/* Channel memory a client causes is charged to it, at most HOST_IPC_BYTES
 * (client_state.c; the engine's grant and trim hooks, under the IPC lock). */
#define HOST_IPC_BYTES (16u << 20)
bool host_acct_grant(struct rce_acct *a, uint32_t need);
void host_acct_trim(struct rce_acct *a);

/* --trace (trace.c): what to trace, where to. */
struct host_trace;
struct host_trace_cfg {
	FILE *out;     /* NULL: tracing off */
	uint32_t pid;  /* only this client process; 0: all */
	uint64_t ops;  /* opcodes traced (bit n: opcode n) */
	bool identity; /* audit: each line names uid and launch name too */
};
/* Trace c's ring if cfg selects pid; before the ring runs. name: the
 * client's launch name (cfg->identity). 0 or -RC_ENOMEM. */
int host_trace_attach(struct host_client *c, const struct host_trace_cfg *cfg, uint32_t pid,
		      const char *name);
/* A line about the client itself (connected, its policy), prefixed as its
 * trace lines are; nothing if t is NULL. */
void host_trace_note(struct host_trace *t, const char *text);
void host_trace_free(struct host_trace *t);
/* "READ,WRITE" (case-insensitive) as an opcode mask; -1 for an unknown name. */
int host_trace_parse_ops(const char *list, uint64_t *mask);

/* Workers */
/* The worker whose pass this thread is running, or NULL: a wake of a ring
 * served by it needs no kick (it looks at every ring before it sleeps). */
extern __thread struct host_worker *host_worker_self;
/* c (a client of host_worker_self) has IPC work this thread just made:
 * the pass delivers it right after the current ring's run. */
void host_worker_woken(struct host_client *c);
int host_worker_start(struct host_worker *w);
/* The same for a server's only worker (keep_ipc): no other thread takes
 * the IPC lock but for rare setup and teardown, which wait a pass at most. */
int host_worker_start_sole(struct host_worker *w);
void host_worker_add(struct host_worker *w, struct host_client *c);
void host_worker_kick(struct host_worker *w);
void host_worker_stop(struct host_worker *w);
/* Adopt, then one pass over every client, on the caller's thread: for a
 * worker whose thread was never started (tests count passes). */
bool host_worker_step(struct host_worker *w);

/* The futex backend clients use (hosted/client.c); liveness is the
 * server's socket, or -1 for an in-process worker. */
struct host_conn {
	int sock;
	void *region;
	size_t region_bytes;
	uint8_t *data;
	size_t data_bytes, data_used;
	struct host_extent *free_list; /* rc_alloc: free extents, by address */
	struct host_extent *used_list; /* rc_alloc: blocks handed out */
	struct host_client *local;     /* in-process worker mode: owned here */
	int own_root_fd;	       /* in-process: root opened by rc_inproc_set_root, or -1 */
};
extern const struct rc_backend host_futex_backend;
void host_conn_init_ring_data(struct host_conn *conn, struct rc_ring *r, size_t data_off);
void host_conn_free_data(struct host_conn *conn);

#endif
