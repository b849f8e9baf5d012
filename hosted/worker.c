/*
 * worker.c - a server thread that runs the engine for a set of clients.
 *
 * It loops over its clients' rings while there is work. When nothing has
 * happened for idle_ns it goes to sleep: it sets NEED_WAKEUP on polled
 * rings (doorbell rings always have it), re-checks every ring, and waits on
 * all the doorbell words at once with futex_waitv, until a doorbell, a
 * TIMEOUT deadline or its control word (new client, dead client, stop).
 *
 * Fairness: a pass visits every client once, in turn, and one engine run
 * does bounded work (at most HOST_BUDGET SQEs and RCE_TIMEOUT_BUDGET
 * TIMEOUT firings, plus the held chains those release). A request
 * published on one ring is therefore taken within two passes, however
 * much work the other clients have queued: at most 2 x (clients - 1) x
 * (HOST_BUDGET + RCE_TIMEOUT_BUDGET) other requests run first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "host.h"
#include "ringcall/atomic.h"

__thread struct host_worker *host_worker_self;

#define HOST_BUDGET	 256u /* SQEs per ring per pass: fairness between rings */
#define HOST_MAX_WAITERS 128u /* futex_waitv's limit, control word included */

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

/* Take c off w's woken list: freeing a client wakes its peers, and one of
 * those may be freed next. */
static void host_worker_unwoken(struct host_worker *w, struct host_client *c)
{
	for (uint32_t i = 0; c->woken && i < w->nwoken; i++)
		if (w->woken[i] == c) {
			w->woken[i] = w->woken[--w->nwoken];
			c->woken = false;
		}
}

/* Move handed-over clients in; free the ones whose owner died. */
static void host_worker_adopt(struct host_worker *w)
{
	struct host_client **pp = &w->clients;

	pthread_mutex_lock(&w->lock);
	while (w->inbox) {
		struct host_client *c = w->inbox;

		w->inbox = c->next;
		c->next = w->clients;
		w->clients = c;
	}
	pthread_mutex_unlock(&w->lock);
	while (*pp) {
		struct host_client *c = *pp;

		if (!__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		host_worker_unwoken(w, c);
		host_client_free(c);
		pthread_mutex_lock(&w->lock);
		w->nr_clients--;
		pthread_mutex_unlock(&w->lock);
	}
}

void host_worker_woken(struct host_client *c)
{
	struct host_worker *w = host_worker_self;

	/* Listed already: one run delivers everything made ready before it
	 * (a REPLY per call makes the caller's ring ready 64 times). Full:
	 * the rest wait for the next pass (the pass is busy, so that follows
	 * at once, and rce_ring_has_work keeps the worker awake). */
	if (c->woken || w->nwoken == sizeof(w->woken) / sizeof(w->woken[0]))
		return;
	c->woken = true;
	w->woken[w->nwoken++] = c;
}

/* Deliver what the last run made ready on this worker's other rings: a
 * run with budget 0 completes their ready IPC requests and wakes their
 * waiters, and takes nothing from their SQs (so no ring gets more than
 * its turn). A receiver before the sender in the list would otherwise
 * wait for the next pass. */
static void host_worker_deliver(struct host_worker *w)
{
	while (w->nwoken) {
		struct host_client *c = w->woken[--w->nwoken];

		c->woken = false; /* what the run makes ready lists it again */
		w->deliveries++;
		rce_ring_run(&c->ring, 0);
	}
}

/* One pass over every ring, one bounded run each; true if any took or
 * completed something (due TIMEOUTs left over by a budget complete
 * something on the next pass, or show in rce_ring_has_work before a
 * sleep). idle_ns: how long to keep polling (the longest any polled ring
 * asks). */
static bool host_worker_pass(struct host_worker *w, uint64_t *idle_ns)
{
	bool busy = false;

	*idle_ns = 0;
	host_ipc_keep(w->keep_ipc);
	for (struct host_client *c = w->clients; c; c = c->next) {
		uint32_t before = rce_ring_cq_tail(&c->ring) + rce_ring_backlog_count(&c->ring);
		int n = rce_ring_run(&c->ring, HOST_BUDGET);

		host_worker_deliver(w);
		if (n > 0 ||
		    rce_ring_cq_tail(&c->ring) + rce_ring_backlog_count(&c->ring) != before)
			busy = true;
		if ((rce_ring_setup_flags(&c->ring) & RC_SETUP_POLL) && c->idle_ns > *idle_ns)
			*idle_ns = c->idle_ns;
	}
	host_ipc_keep(false); /* before the pre-sleep checks and any sleep */
	w->passes++;
	return busy;
}

bool host_worker_step(struct host_worker *w)
{
	struct host_worker *was = host_worker_self;
	uint64_t idle_ns;
	bool busy;

	host_worker_self = w; /* this thread is w's for the pass */
	host_worker_adopt(w);
	busy = host_worker_pass(w, &idle_ns);
	host_worker_self = was;
	return busy;
}

static void host_set_need_wakeup(struct host_worker *w, bool on)
{
	for (struct host_client *c = w->clients; c; c = c->next)
		if (rce_ring_setup_flags(&c->ring) & RC_SETUP_POLL)
			rce_ring_set_need_wakeup(&c->ring, on);
}

/* Sleep until a doorbell, the control word or the next deadline. */
static void host_worker_sleep(struct host_worker *w, uint32_t control_seen)
{
	struct futex_waitv wv[HOST_MAX_WAITERS];
	uint64_t deadline = UINT64_MAX;
	struct timespec ts;
	unsigned n = 0;

	/* Snapshots first, checks after: a doorbell rung after its snapshot
	 * makes futex_waitv return at once; one rung before it is followed
	 * (acquire) by the work it announces, which the checks below see. */
	wv[n++] = (struct futex_waitv){ .val = rc_load_acquire(&w->control),
					.uaddr = (uintptr_t)&w->control,
					.flags = FUTEX_32 | FUTEX_PRIVATE_FLAG };
	for (struct host_client *c = w->clients; c && n < HOST_MAX_WAITERS; c = c->next)
		wv[n++] = (struct futex_waitv){
			.val = rc_load_acquire(&rce_ring_hdr(&c->ring)->sq_doorbell),
			.uaddr = (uintptr_t)&rce_ring_hdr(&c->ring)->sq_doorbell,
			.flags = FUTEX_32
		};
	if (wv[0].val != control_seen)
		return; /* kicked since the last adopt: look first */
	host_set_need_wakeup(w, true);
	/* Orders the NEED_WAKEUP stores before the SQ checks below. Pairs
	 * with the client's fence between publishing an SQE and reading the
	 * flag: either we see its SQE or it sees our flag and rings. */
	rc_fence_full();
	for (struct host_client *c = w->clients; c; c = c->next) {
		if (rce_ring_has_work(&c->ring) || __atomic_load_n(&c->dead, __ATOMIC_ACQUIRE))
			goto awake;
		if (rce_ring_next_deadline(&c->ring) < deadline)
			deadline = rce_ring_next_deadline(&c->ring);
	}
	if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
		goto awake;
	ts = (struct timespec){ .tv_sec = (time_t)(deadline / 1000000000u),
				.tv_nsec = (long)(deadline % 1000000000u) };
	w->sleeps++;
	syscall(SYS_futex_waitv, wv, n, 0, deadline == UINT64_MAX ? NULL : &ts, CLOCK_MONOTONIC);
awake:
	host_set_need_wakeup(w, false);
}

/* Keep polling while idle for less than idle_ns? The clock is read only
 * every 64 idle passes: a vDSO read per pass would delay noticing work. */
static bool host_keep_polling(uint64_t *idle_since, uint32_t *idle_passes, uint64_t idle_ns)
{
	uint64_t now;

	if (!idle_ns)
		return false;
	if ((*idle_passes)++ % 64)
		return true;
	now = host_now_ns();
	if (*idle_since == 0)
		*idle_since = now;
	return now - *idle_since < idle_ns;
}

static void *host_worker_main(void *arg)
{
	struct host_worker *w = arg;
	uint64_t idle_since = 0;
	uint32_t idle_passes = 0, control_seen = 0;

	host_worker_self = w;
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint32_t control = rc_load_acquire(&w->control);
		uint64_t idle_ns;

		if (control != control_seen) {
			control_seen = control;
			host_worker_adopt(w);
		}
		if (host_worker_pass(w, &idle_ns)) {
			idle_since = 0;
			idle_passes = 0;
			continue;
		}
		if (host_keep_polling(&idle_since, &idle_passes, idle_ns)) {
			/* A pause costs ~20 ns of reaction time on every pass: take
			 * one only now and then, to stay fair to an SMT sibling. */
			if (idle_passes % 16 == 0)
				rc_cpu_relax();
			continue;
		}
		host_worker_sleep(w, control_seen);
		idle_since = 0;
		idle_passes = 0;
	}
	host_worker_adopt(w); /* clients handed over but not yet adopted too */
	while (w->clients) {
		struct host_client *c = w->clients;

		w->clients = c->next;
		host_client_free(c);
	}
	return NULL;
}

static int host_worker_start_keep(struct host_worker *w, bool keep_ipc)
{
	*w = (struct host_worker){ .keep_ipc = keep_ipc };
	pthread_mutex_init(&w->lock, NULL);
	return pthread_create(&w->thread, NULL, host_worker_main, w) ? -RC_ENOMEM : 0;
}

int host_worker_start(struct host_worker *w)
{
	return host_worker_start_keep(w, false);
}

int host_worker_start_sole(struct host_worker *w)
{
	return host_worker_start_keep(w, true);
}

/* Wake the worker to look at its inbox, its dead clients or stop. */
void host_worker_kick(struct host_worker *w)
{
	rc_fetch_add(&w->control, 1);
	syscall(SYS_futex, &w->control, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void host_worker_add(struct host_worker *w, struct host_client *c)
{
	pthread_mutex_lock(&w->lock);
	c->worker = w;
	c->next = w->inbox;
	w->inbox = c;
	w->nr_clients++;
	pthread_mutex_unlock(&w->lock);
	host_worker_kick(w);
}

void host_worker_stop(struct host_worker *w)
{
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	host_worker_kick(w);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
}
