/*
 * limits.c - what one process, and one spawn tree, may hold, so that no
 * user program (or tree of them) can starve the others of memory or of
 * process slots. The limits are in kring.h and docs/kernel.md ("Limits").
 *
 * Frames: a process is charged for the memory it asks for: MAP'd pages,
 * each ring's region and engine state, and the page-table frames either
 * needs. Its fixed cost (kernel stack, program image, user stack, their
 * page tables, the handle table) is bounded per process and so by the
 * process limits. The charge counts against the process (PROC_FRAMES)
 * and against its spawn tree (TREE_FRAMES).
 *
 * Channel memory (lib/channel.c "Charging"): what a process's channel ops
 * make the kernel allocate (channels and their slot pools, queued
 * messages, replies, call tables, provided-buffer groups) is counted in
 * bytes by the engine on the process's account (struct rk_acct), which
 * this file grants in whole frames against the same two budgets. A
 * message may outlive its sender (queued at an end another process
 * holds): the account then outlives the process, its frames stay charged
 * to the tree (which is not reused until they are back), and the account
 * is freed when the last byte on it is. Accounts are under the ipc lock
 * (kring.c); their frames, like every count here, under "tree".
 *
 * Spawn trees: a process started by the kernel (a kernel thread: the
 * test suite, the demo) is the root of a new tree; every process a user
 * process spawns joins its parent's tree and stays in it (orphans
 * included) until its slot is freed. A tree holds at most TREE_PROCS
 * slots (zombies count), so one tree never takes the whole process table,
 * and user programs cannot start new trees.
 *
 * "tree" is a leaf lock: nothing is taken while it is held.
 */
#include "kring.h"
#include "mm.h"
#include "proc.h"

struct rk_tree {
	uint32_t procs;	 /* slots held (live, zombie) */
	uint32_t frames; /* frames charged to its processes (and their accounts) */
};			 /* procs == frames == 0: this tree is free */

/* A tree has a process, or a dead one's messages still queued somewhere
 * (their frames): twice the slots, and tree_join says -EAGAIN if even
 * that runs out rather than overcommit. */
#define NTREES (2 * NPROC)
static struct rk_tree trees[NTREES];
static struct spinlock tree_lock = SPINLOCK_INIT("tree");

struct rk_acct {
	struct rce_acct e;    /* first: the engine's byte counts (ipc lock) */
	struct proc *p;	      /* its process; NULL once it exited */
	struct rk_tree *tree; /* charged with frames too (NULL: none) */
	uint32_t frames;      /* granted: e.granted / PAGE_SIZE (tree lock) */
};

/* Frames p holds against PROC_FRAMES (tree lock held). */
static uint32_t proc_frames_locked(struct proc *p)
{
	return p->rk.frames + (p->rk.acct ? p->rk.acct->frames : 0);
}

/* Put child in parent's tree, or start a tree if parent is not a user
 * process. 0, or -EAGAIN if that tree holds TREE_PROCS slots already (or
 * no tree is free). */
int tree_join(struct proc *child, struct proc *parent)
{
	acquire(&tree_lock);
	struct rk_tree *t = parent ? parent->tree : NULL;
	if (!t) {
		for (t = trees; t < trees + NTREES && (t->procs || t->frames); t++)
			;
		if (t == trees + NTREES) {
			release(&tree_lock);
			return -RC_EAGAIN;
		}
	}
	int err = t->procs >= TREE_PROCS ? -RC_EAGAIN : 0;
	if (!err) {
		t->procs++;
		child->tree = t;
	}
	release(&tree_lock);
	return err;
}

/* p's slot is being freed (its frames were returned). */
void tree_leave(struct proc *p)
{
	if (!p->tree)
		return;
	acquire(&tree_lock);
	assert(p->tree->procs > 0);
	p->tree->procs--;
	/* Cleared under the lock: tree_find_locked and tree_usage read
	 * p->tree from other CPUs. */
	p->tree = NULL;
	release(&tree_lock);
}

/* Charge n frames to p and its tree: 0, or -ENOMEM past either budget
 * (nothing charged). p's rk lock is held, or p is not running yet. */
int rk_charge(struct proc *p, uint32_t n)
{
	acquire(&tree_lock); /* the account's frames change under it, from any CPU */
	struct rk_tree *t = p->tree;
	int err = n > PROC_FRAMES - proc_frames_locked(p) || (t && n > TREE_FRAMES - t->frames)
			  ? -RC_ENOMEM
			  : 0;
	if (!err) {
		p->rk.frames += n;
		if (t)
			t->frames += n;
	}
	release(&tree_lock);
	return err;
}

/* Give back n frames charged to p. */
void rk_uncharge(struct proc *p, uint32_t n)
{
	acquire(&tree_lock);
	assert(n <= p->rk.frames);
	p->rk.frames -= n;
	if (p->tree) {
		assert(n <= p->tree->frames);
		p->tree->frames -= n;
	}
	release(&tree_lock);
}

/* ---- accounts: channel memory (the engine's grant and trim hooks) ---- */

/* A new account for p (p not running yet), or NULL. A live account keeps
 * up to a frame it does not use (slack), so that a count going to and fro
 * across a frame boundary does not take the tree lock each time. */
struct rk_acct *rk_acct_new(struct proc *p)
{
	struct rk_acct *a = rce_port_alloc(sizeof(*a));
	if (a)
		*a = (struct rk_acct){ .e.slack = RK_ACCT_SLACK, .p = p, .tree = p->tree };
	return a;
}

/* Raise e's grant to need bytes, in frames: false past its process's or
 * tree's budget, or once its process is gone. ipc lock held. */
bool rk_acct_grant(struct rce_acct *e, uint32_t need)
{
	struct rk_acct *a = (struct rk_acct *)e;
	uint32_t want = (uint32_t)(ALIGN_UP((uint64_t)need, PAGE_SIZE) / PAGE_SIZE);
	if (!a->p || want <= a->frames)
		return false; /* an exited process sends nothing: only its pool asks */
	uint32_t n = want - a->frames;
	acquire(&tree_lock);
	struct rk_tree *t = a->tree;
	bool ok = n <= PROC_FRAMES - proc_frames_locked(a->p) &&
		  !(t && n > TREE_FRAMES - t->frames);
	if (ok) {
		a->frames = want;
		if (t)
			t->frames += n;
	}
	release(&tree_lock);
	if (ok)
		e->granted = want * PAGE_SIZE;
	return ok;
}

/* e's use fell: give back the frames it no longer needs; free it once its
 * process is gone and nothing is charged. ipc lock held. */
void rk_acct_trim(struct rce_acct *e)
{
	struct rk_acct *a = (struct rk_acct *)e;
	uint32_t keep = (uint32_t)(ALIGN_UP((uint64_t)e->used, PAGE_SIZE) / PAGE_SIZE);
	acquire(&tree_lock);
	assert(keep <= a->frames);
	if (a->tree) {
		assert(a->frames - keep <= a->tree->frames);
		a->tree->frames -= a->frames - keep;
	}
	a->frames = keep;
	release(&tree_lock);
	e->granted = keep * PAGE_SIZE;
	if (!a->p && e->used == 0)
		rce_port_free(a, sizeof(*a));
}

/* p is exiting (its handles are closed): its account lets go of it, and
 * lives on only while messages it sent are queued. ipc lock held. */
void rk_acct_orphan(struct proc *p)
{
	struct rk_acct *a = p->rk.acct;
	if (!a)
		return;
	acquire(&tree_lock);
	p->rk.acct = NULL; /* proc_frames_locked: p no longer holds them */
	a->p = NULL;
	release(&tree_lock);
	a->e.slack = 0;
	rk_acct_trim(&a->e);
}

/* p's account, for PROC_STATS: bytes charged and frames granted. */
void rk_acct_usage(struct proc *p, uint32_t *bytes, uint32_t *frames)
{
	acquire(&tree_lock);
	struct rk_acct *a = p->rk.acct;
	*bytes = a ? __atomic_load_n(&a->e.used, __ATOMIC_RELAXED) : 0;
	*frames = a ? a->frames : 0;
	release(&tree_lock);
}

/* The tree's use, for PROC_STATS and tests (zeros without a tree). */
void tree_usage(struct proc *p, uint32_t *procs, uint32_t *frames)
{
	acquire(&tree_lock);
	/* PROC_STATS may ask about another process: its tree_leave
	 * clears p->tree under tree_lock, so t is that process's tree or NULL. */
	struct rk_tree *t = p->tree;
	*procs = t ? t->procs : 0;
	*frames = t ? t->frames : 0;
	release(&tree_lock);
}
