/*
 * helpers.h - what the tests share: cmocka, ring setup, small submit/reap
 * helpers.
 */
#ifndef RINGCALL_TEST_HELPERS_H
#define RINGCALL_TEST_HELPERS_H

#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>
#include "ringcall/ringcall.h"
#include "ringcall/hosted.h"
#include "ringcall/engine.h"
#include "ringcall/table.h"
#include "local.h"

/* An in-process ring (the engine runs inside rc_submit/rc_wait). */
void ring_open(struct rc_ring *r, uint32_t sq, uint32_t cq, uint32_t backlog);
void ring_close(struct rc_ring *r);

/* Submit what is queued, assert it all went in. */
void submit_all(struct rc_ring *r);

/* Pop the next CQE (which must be ready): fills *ud and returns res. */
int32_t reap_one(struct rc_ring *r, uint64_t *ud);

/* Submit one SQE as prepared by the caller, wait, return its res. */
int32_t run_one(struct rc_ring *r, struct rc_sqe *sqe);

/* Number of CQEs ready right now (by phase). */
uint32_t cqes_ready(struct rc_ring *r);
/* Queue a NOP completing with res, with SQE flags and user_data ud. */
void queue_nop(struct rc_ring *r, int32_t res, uint8_t flags, uint64_t ud);
/* Submit, then reap n CQEs and check their user_data and res in order,
 * and that no other CQE is there. */
void expect(struct rc_ring *r, unsigned n, const uint64_t *ud, const int32_t *res);

/* A fresh temporary directory (for file tests), removed at exit. */
const char *temp_dir(void);

/* A process's descriptors that are not sockets; *sockets: those that are. */
int count_fds_sockets_apart(pid_t pid, int *sockets);

/* Channels on in-process rings: the SQE rc_get_sqe handed out last; r's
 * engine run with nothing new submitted (what a worker does when another
 * ring wakes it); r's engine context; a new channel's two handles. */
struct rc_sqe *last_sqe(struct rc_ring *r);
void run_engine(struct rc_ring *r);
struct rce_ctx *ctx_of(struct rc_ring *r);
void make_channel(struct rc_ring *r, uint32_t *h0, uint32_t *h1);

/* A ringcall-server child: does it accept on path; stop and reap it and
 * remove its socket. The engine context of a local connection's ring. */
bool socket_listens(const char *path);
void stop_server_process(pid_t *pid, const char *sock);
struct rce_ctx *local_ctx(struct rc_ring *r);

#endif
