/*
 * kring.h - the ringcall engine inside this kernel: one rce_ctx per
 * process, one rce_ring per ring, the port (kring.c) and the handlers of
 * the kernel's syscalls (ksys.c).
 *
 * Locking: the engine does none and wants every call for one ctx (and its
 * rings) serialised. Every engine call in this kernel happens between
 * rk_lock(p) and rk_unlock(p) of the owning process: a spinlock per
 * process (p->rk_lock, "rk"), interrupts off while held, which also
 * guards p's page tables and its WAIT list. docs/kernel.md has the order.
 *
 * Lifetimes (docs/kernel.md, "Object lifetimes"): a ring is reference
 * counted under its owner's lock. Its handle holds one reference; so does
 * every engine call on it (enter, the poller's pass, the timer's poke, a
 * completion from another context) for as long as it runs or sleeps. A
 * handle is looked up and referenced in one step under the lock
 * (kring_get). CLOSE and exit remove the handle and drop its reference;
 * the ring is destroyed by whoever drops the last one (kring_put), never
 * inside an engine call on it.
 */
#ifndef KERNEL_KRING_H
#define KERNEL_KRING_H

#include "kernel.h"
#include "ringcall/engine.h"
#include "rk_abi.h"

/* Limits (limits.c, docs/kernel.md "Limits"); each refusal is a clean
 * error: frames -ENOMEM, rings and handles -EMFILE, the rest -EAGAIN. */
#define PROC_RINGS    4	   /* rings per process (the first one included) */
#define PROC_HANDLES  16   /* handle table slots per process (rings, channel endpoints) */
#define PROC_CHILDREN 16   /* live + unreaped children per process (SPAWN) */
#define PROC_FRAMES   4096 /* frames charged per process (16 MiB): MAP, rings, their page tables */
#define PROC_PARKED   64   /* WAITs and CONSOLE_READs parked at once per process */
#define TREE_PROCS    32   /* process slots per spawn tree (zombies count): half the table */
#define TREE_FRAMES   8192 /* frames charged per spawn tree (32 MiB) */

struct proc;

struct kring {
	struct rce_ring r; /* engine state; r.hdr is the region via the direct map */
	struct proc *owner;
	struct rc_ring_hdr *hdr;      /* the region's header, via the direct map (rce_ring_hdr) */
	uint32_t cq_entries;	      /* rce_ring_cq_entries, for enter's check */
	const uint32_t *cq_published; /* rce_ring_cq_published_word, for enter's CQ test */
	uint32_t enter_handle; /* handle while live, if a doorbell ring, else 0 (rk_enter_trap) */
	uint64_t pa;	       /* physically contiguous frames of the region */
	uint64_t uaddr;	       /* where the owner sees the region */
	uint32_t npages;
	uint32_t charged; /* frames charged for it, given back when it goes */
	int32_t handle;
	uint32_t refs; /* the handle + engine calls in progress (owner's lock) */
	bool in_use;   /* the slot holds a ring (until the last reference goes) */
	bool closed;   /* its handle is gone: nothing new starts on it */
	bool waiting;  /* the owner sleeps in enter for its CQEs */
	bool polled;   /* RC_SETUP_POLL: the kernel poller takes its SQEs */
	uint32_t slot; /* its index among all rings (kring.c: IPC delivery marks) */
};

/* What struct proc holds for the engine. */
/* A cached translation of a user page (usercopy.c: the porting hooks'). */
#define UC_SLOTS 32  /* per process, direct-mapped on the page number */
#define UC_WRITE 1ul /* in uc_slot.tag: the page is writable */
#define UC_VALID 2ul /* in uc_slot.tag: the slot holds a page (empty: tag 0) */
struct uc_slot {
	uint64_t tag; /* user page address | UC_VALID | UC_WRITE; 0: empty */
	uint8_t *kva; /* the frame through the direct map */
};
struct proc;
/* Empty p's cached translations: every removal of one of p's user
 * mappings calls it, under p's rk lock, before the lock goes. */
void uc_forget(struct proc *p);

struct rk_acct;
struct kproc_rings {
	struct rce_ctx ctx;
	struct uc_slot ucache[UC_SLOTS]; /* under the rk lock, like ctx (usercopy.c) */
	struct kring rings[PROC_RINGS];
	struct kring *last;	   /* the ring kring_get found last (a hint, checked), or NULL */
	struct rce_req_list waits; /* parked WAITs, oldest first */
	uint32_t frames;	   /* charged (limits.c): MAP'd pages, rings, page tables */
	struct rk_acct *acct;	   /* channel memory it causes (limits.c; NULL once it exited) */
	uint32_t parked;	   /* WAITs and CONSOLE_READs parked (PROC_PARKED) */
	bool active;		   /* ctx initialised (user processes) */
	uint32_t npoll;		   /* polled rings (the poller skips a process with none) */
};

extern const struct rce_handlers
	kernel_handlers; /* kbenchipc.c: the benchmark's trap IPC peer (booted with `bench` only) */
long kbench_ipc_call(uint64_t w);
long kbench_ipc_reply_wait(uint64_t w, uint64_t flags); /* flags 1: reply only, do not wait */

/* ksys.c */

/* kring.c */
void rk_init(void);		/* timer hook for TIMEOUTs and console input */
void rk_lock(struct proc *p);	/* serialise engine calls for p's ctx */
void rk_unlock(struct proc *p); /* ... and deliver marked IPC once no lock is held */
extern const struct rce_ipc_ops kernel_ipc_ops; /* channels' cross-ring hooks */
void rk_ipc_deliver(void);			/* run rings marked by rk_ipc_wake (no lock held) */
uint64_t rk_ipc_deliveries(void);		/* rings run for IPC so far (tests, demo) */
int kproc_rings_init(struct proc *p, uint64_t *ring_bytes); /* ctx + first ring: handle or -errno */
void kproc_rings_exit(struct proc *p); /* destroy every ring and the ctx (lock held) */
int32_t kring_create(struct proc *p, uint64_t uaddr, uint32_t sq, uint32_t cq,
		     uint32_t flags);		     /* handle / -errno; flags: RC_SETUP_POLL */
int kring_submit(struct kring *kr, uint32_t budget); /* take up to budget SQEs (lock held) */
struct kring *kring_get(struct proc *p,
			uint32_t handle); /* look up + reference, or NULL (lock held) */
void kring_hold(struct kring *kr);	  /* one more reference (lock held) */
void kring_put(struct kring *kr);	  /* drop one; the last destroys it (lock held) */
void kring_close(struct kring *kr);	  /* its handle was removed: drop the handle's reference */
void rk_complete(struct rce_req *q, int32_t res); /* rce_req_complete, ring referenced meanwhile */
struct kring *kring_of(struct rce_ring *r);	  /* the kring around an engine ring */
void ktrace_attach(struct kring *kr);		  /* ktrace.c: trace it if booted with `trace` */
struct proc *rk_proc(struct rce_call *c);	  /* the process a call belongs to */
long rk_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3); /* the trap */
/* enter the light way (entry.S): args as rk_syscall's a0..a3 */
long rk_enter_trap(uint64_t handle, uint64_t to_submit, uint64_t min_complete, uint64_t flags);
int rk_copy_out(struct proc *p, uint64_t uaddr, const void *src, uint64_t len); /* 0 / -EFAULT */
int rk_copy_in(struct proc *p, void *dst, uint64_t uaddr, uint64_t len);

/* limits.c: per-process and per-tree budgets */
int tree_join(struct proc *child, struct proc *parent); /* 0 / -EAGAIN (tree full) */
void tree_leave(struct proc *p);			/* its slot is freed */
int rk_charge(struct proc *p, uint32_t frames); /* 0 / -ENOMEM past p's or its tree's budget */
void rk_uncharge(struct proc *p, uint32_t frames);
void tree_usage(struct proc *p, uint32_t *procs, uint32_t *frames);
#define RK_ACCT_SLACK PAGE_SIZE		     /* frames an account keeps unused: at most one */
struct rk_acct *rk_acct_new(struct proc *p); /* p's account, or NULL */
bool rk_acct_grant(struct rce_acct *e, uint32_t need); /* the engine's grant hook (ipc lock) */
void rk_acct_trim(struct rce_acct *e);		       /* its trim hook (ipc lock) */
void rk_acct_orphan(struct proc *p); /* p exits: its account outlives it (ipc lock) */
void rk_acct_usage(struct proc *p, uint32_t *bytes, uint32_t *frames);

/* kpoll.c: the kernel polling thread */
void kpoll_init(void); /* start it (on CPU 1 when there is one) */
void kpoll_kick(void); /* the doorbell: wake it if it sleeps */
struct kpoll_stats {
	uint64_t passes, sqes, sleeps, kicks;
	uint64_t wakes;	 /* sleeps that a kick ended */
	uint32_t asleep; /* asleep now: the next kick wakes it */
};
void kpoll_stats(struct kpoll_stats *out); /* tests and the demo */
void kpoll_set_idle_ns(uint64_t ns);	   /* tests: idle timeout before sleeping (0: default) */

/* ksys.c */
void ksys_child_exited(struct proc *parent, struct proc *child); /* parent's rk lock held */
void ksys_stats(struct proc *p, struct rc_proc_stats *out);
void console_poll(void);		      /* pull serial input, feed parked reads */
void console_inject(const char *s, size_t n); /* tests: as if typed */
void console_queue(const char *s, size_t n);  /* tests: typed, fed by the next tick */
int console_readers(void);		      /* parked CONSOLE_READs (tests) */
void console_flush(void);		      /* drop buffered input (tests) */
uint64_t console_written(void);		      /* bytes CONSOLE_WRITE wrote (tests) */
/* Tests: copy what CONSOLE_WRITE writes into buf (cap bytes; NULL: stop),
 * and how much has been copied since. */
void console_tap(char *buf, uint32_t cap);
uint32_t console_tapped(void);

#endif
