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
	uint32_t procs;	 /* slots held (live, zombie); 0: this tree is free */
	uint32_t frames; /* frames charged to its processes */
};

static struct rk_tree trees[NPROC]; /* a tree has a process: never more trees than slots */
static struct spinlock tree_lock = SPINLOCK_INIT("tree");

/* Put child in parent's tree, or start a tree if parent is not a user
 * process. 0, or -EAGAIN if that tree holds TREE_PROCS slots already. */
int tree_join(struct proc *child, struct proc *parent)
{
	acquire(&tree_lock);
	struct rk_tree *t = parent ? parent->tree : NULL;
	if (!t) {
		for (t = trees; t->procs; t++)
			; /* child's slot is taken, so one tree is free */
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
	if (n > PROC_FRAMES - p->rk.frames)
		return -RC_ENOMEM;
	acquire(&tree_lock);
	struct rk_tree *t = p->tree;
	int err = t && n > TREE_FRAMES - t->frames ? -RC_ENOMEM : 0;
	if (!err && t)
		t->frames += n;
	release(&tree_lock);
	if (!err)
		p->rk.frames += n;
	return err;
}

/* Give back n frames charged to p. */
void rk_uncharge(struct proc *p, uint32_t n)
{
	assert(n <= p->rk.frames);
	p->rk.frames -= n;
	if (!p->tree)
		return;
	acquire(&tree_lock);
	assert(n <= p->tree->frames);
	p->tree->frames -= n;
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
