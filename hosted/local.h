/*
 * local.h - rings whose engine runs in this process (tests, benchmarks).
 */
#ifndef RINGCALL_LOCAL_H
#define RINGCALL_LOCAL_H

#include "host.h"

/* Attach r to a new ring served by worker w of this process, through the
 * futex doorbell a real client uses. Buffers come from rc_alloc. */
int host_local_connect(struct rc_ring *r, struct host_worker *w, const struct rc_params *p,
		       int root_fd);
/* The server-side state behind an rc_inproc_init ring. */
struct host_client *rc_inproc_client(struct rc_ring *r);

#endif
