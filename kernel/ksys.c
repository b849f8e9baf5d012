/*
 * ksys.c - the kernel's syscall handlers: the PLATFORM and KERNEL rows of
 * include/ringcall/syscalls.def. The engine has decoded and checked every
 * argument before a handler runs; user memory is reached only through
 * rce_copy_in/rce_copy_out.
 *
 * A handler may run in any context: the caller's enter, or (when a parked
 * request completes and its LINK chain goes on) another process's exit or
 * the timer interrupt. So handlers name their process with rk_proc(c),
 * never myproc(), and never sleep: what must wait parks (rce_call_park)
 * and is finished later with rce_req_complete under the owner's lock.
 */
#include "clock.h"
#include "kring.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ---- console ---- */

static uint64_t console_bytes; /* written by CONSOLE_WRITE (tests) */

uint64_t console_written(void)
{
	return __atomic_load_n(&console_bytes, __ATOMIC_RELAXED);
}

/* A copy of what CONSOLE_WRITE writes while a test has armed it (the
 * kernel suite checks what user programs printed): each write reserves
 * its bytes with one atomic add, so writers on other CPUs never overlap. */
static char *tap_buf;
static uint32_t tap_cap, tap_len;

void console_tap(char *buf, uint32_t cap)
{
	__atomic_store_n(&tap_len, 0, __ATOMIC_RELAXED);
	tap_cap = cap;
	/* Pairs with the acquire in console_tap_copy: the size before the buffer. */
	__atomic_store_n(&tap_buf, buf, __ATOMIC_RELEASE);
}

uint32_t console_tapped(void)
{
	uint32_t n = __atomic_load_n(&tap_len, __ATOMIC_RELAXED);
	return n < tap_cap ? n : tap_cap;
}

static void console_tap_copy(const char *src, uint32_t n)
{
	char *buf = __atomic_load_n(&tap_buf, __ATOMIC_ACQUIRE);
	if (!buf)
		return;
	uint32_t at = __atomic_fetch_add(&tap_len, n, __ATOMIC_RELAXED);
	if (at < tap_cap)
		memcpy(buf + at, src, MIN(n, tap_cap - at));
}

/* Write the caller's bytes to the serial port. A fault part-way returns
 * the count already written (as a short write), or -EFAULT if none was. */
static int32_t k_console_write(struct rce_call *c, const struct rce_args_console_write *a)
{
	char buf[256];
	uint32_t off;
	for (off = 0; off < a->len; off += sizeof(buf)) {
		uint32_t n = MIN((uint32_t)sizeof(buf), a->len - off);
		if (rce_copy_in(c, buf, a->buf, off, n))
			return off ? (int32_t)off : -RC_EFAULT;
		serial_write(buf, n);
		console_tap_copy(buf, n);
		__atomic_fetch_add(&console_bytes, n, __ATOMIC_RELAXED);
	}
	return (int32_t)a->len;
}

#define CON_BUF 256
/* "con": the input buffer and the parked reads. Taken under a reader's rk
 * lock (CONSOLE_READ, cancel); con_feed drops it to take the rk lock. */
static struct spinlock con_lock = SPINLOCK_INIT("con");
static char con_buf[CON_BUF]; /* typed input not yet read */
static uint32_t con_head, con_count;
static struct rce_req_list con_reads; /* parked reads, oldest first */

/* Append q to the parked reads. */
static void con_append(struct rce_req *q)
{
	rce_req_list_append(&con_reads, q);
}

/* Take q off the parked reads (it may already be off). */
static void con_unlink(struct rce_req *q)
{
	rce_req_list_remove(&con_reads, q);
}

/* Park c, counted against its process's PROC_PARKED; NULL at the limit
 * (the handler then answers -EAGAIN). The count drops when the request
 * is completed (rk_complete) or cancelled (its hook). */
static struct rce_req *rk_park(struct rce_call *c, rce_cancel_fn cancel)
{
	struct proc *p = rk_proc(c);
	if (p->rk.parked >= PROC_PARKED)
		return NULL;
	p->rk.parked++;
	return rce_call_park(c, cancel);
}

static void unpark_count(struct rce_req *q)
{
	((struct proc *)rce_req_call(q)->ctx->port)->rk.parked--;
}

/* CANCEL, or the ring going away: forget the read. */
static void con_cancel(struct rce_req *q)
{
	unpark_count(q);
	acquire(&con_lock);
	con_unlink(q);
	release(&con_lock);
}

/* Copy up to len buffered bytes to out; consume them only if the copy
 * worked (a reader whose buffer vanished leaves them for the next). */
static int32_t con_take(struct rce_call *c, rce_uout_t out)
{
	char tmp[CON_BUF];
	uint32_t n = MIN(out.len, con_count);
	for (uint32_t i = 0; i < n; i++)
		tmp[i] = con_buf[(con_head + i) % CON_BUF];
	if (rce_copy_out(c, out, 0, tmp, n))
		return -RC_EFAULT;
	con_head = (con_head + n) % CON_BUF;
	con_count -= n;
	return (int32_t)n;
}

/* Return what has been typed (at least one byte), parking until then.
 * Earlier parked reads are served first. */
static int32_t k_console_read(struct rce_call *c, const struct rce_args_console_read *a)
{
	acquire(&con_lock);
	int32_t res = RCE_PENDING;
	if (con_count && !con_reads.first) {
		res = con_take(c, a->buf);
	} else {
		struct rce_req *q = rk_park(c, con_cancel);
		if (q)
			con_append(q);
		else
			res = -RC_EAGAIN; /* PROC_PARKED */
	}
	release(&con_lock);
	return res;
}

/* Hand buffered input to parked reads, oldest first (no lock held). The
 * reader's rk lock comes first in the order, so con_lock is dropped to
 * take it, and the read is checked to be still first (and still that
 * process's) once both are held. */
static void con_feed(void)
{
	for (;;) {
		acquire(&con_lock);
		struct rce_req *q = con_count ? con_reads.first : NULL;
		struct proc *p = q ? rce_req_call(q)->ctx->port : NULL;
		release(&con_lock);
		if (!q)
			return;
		rk_lock(p);
		acquire(&con_lock);
		bool same = con_reads.first == q && rce_req_call(q)->ctx->port == p && con_count;
		int32_t res = 0;
		if (same) {
			const struct rc_args_console_read *in =
				&rce_req_call(q)->sqe->args.console_read;
			con_unlink(q);
			res = con_take(rce_req_call(q), (rce_uout_t){ in->buf, in->len });
		}
		release(&con_lock);
		if (same)
			rk_complete(q, res);
		rk_unlock(p);
	}
}

static void con_put(char ch)
{
	acquire(&con_lock);
	if (con_count < CON_BUF) /* full: drop, like a UART overrun */
		con_buf[(con_head + con_count++) % CON_BUF] = ch;
	release(&con_lock);
}

/* Timer tick: move received serial bytes into the buffer, serve readers. */
void console_poll(void)
{
	int ch;
	while ((ch = serial_getc()) >= 0)
		con_put((char)ch);
	con_feed();
}

/* As if s had been typed (tests). */
void console_inject(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		con_put(s[i]);
	con_feed();
}

/* As if s had been typed, for the timer tick to hand out (tests). */
void console_queue(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		con_put(s[i]);
}

int console_readers(void)
{
	int n = 0;
	acquire(&con_lock);
	for (struct rce_req *q = con_reads.first; q; q = rce_req_list_next(q))
		n++;
	release(&con_lock);
	return n;
}

void console_flush(void)
{
	acquire(&con_lock);
	con_head = con_count = 0;
	release(&con_lock);
}

/* ---- memory ---- */

/* Unmap pages pages of p's from addr, each mapped, and free their frames.
 * The frames go only after the shootdown: p may be running on another
 * CPU with their translations (a CPU that freed first would hand out a
 * frame p can still write). The caller gives back the charge. */
static void unmap_and_free(struct proc *p, uint64_t addr, uint64_t pages)
{
	uint64_t batch[64];
	uint32_t n = 0;
	for (uint64_t i = 0; i < pages; i++) {
		batch[n++] = vm_unmap_user(p->pml4, addr + i * PAGE_SIZE);
		if (n == ARRAY_SIZE(batch) || i + 1 == pages) {
			uc_forget(p); /* the port hooks' cached translations (usercopy.c) */
			tlb_shootdown();
			while (n)
				pmm_free(batch[--n]);
		}
	}
}

/* Map pages zeroed frames at addr, read-only unless RC_MAP_WRITE. All or
 * nothing: -EEXIST if a page is in use, -ENOMEM past the process's or
 * its spawn tree's frame budget (the pages and the page tables they
 * need are charged) or when frames run out (what it mapped is undone as
 * UNMAP does: p may have touched those pages already, on another CPU). */
static int32_t k_map(struct rce_call *c, const struct rce_args_map *a)
{
	struct proc *p = rk_proc(c);
	uint64_t len = (uint64_t)a->pages * PAGE_SIZE;
	if ((a->addr & (PAGE_SIZE - 1)) || a->addr + len > USER_TOP)
		return -RC_EINVAL;
	for (uint64_t va = a->addr; va < a->addr + len; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(p->pml4, va, false);
		if (pte && (*pte & PTE_P))
			return -RC_EEXIST;
	}
	if (rk_charge(p, a->pages + vm_tables_needed(p->pml4, a->addr, a->pages)))
		return -RC_ENOMEM; /* tables made stay charged until exit */
	int perm = VM_ANON | ((a->flags & RC_MAP_WRITE) ? VM_WRITE : VM_READ);
	for (uint64_t va = a->addr; va < a->addr + len; va += PAGE_SIZE) {
		uint64_t pa = pmm_alloc();
		if (!pa || vm_map_user(p->pml4, va, pa, perm) < 0) {
			if (pa)
				pmm_free(pa); /* never mapped */
			unmap_and_free(p, a->addr, (va - a->addr) / PAGE_SIZE);
			rk_uncharge(p, a->pages);
			return -RC_ENOMEM;
		}
	}
	return 0;
}

/* Unmap and free pages that MAP made; -EINVAL (nothing changed) if any
 * page in the range is unmapped or was not made by MAP (program, stack,
 * a ring region). */
static int32_t k_unmap(struct rce_call *c, const struct rce_args_unmap *a)
{
	struct proc *p = rk_proc(c);
	uint64_t len = (uint64_t)a->pages * PAGE_SIZE;
	if ((a->addr & (PAGE_SIZE - 1)) || a->addr + len > USER_TOP)
		return -RC_EINVAL;
	for (uint64_t va = a->addr; va < a->addr + len; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(p->pml4, va, false);
		if (!pte || (*pte & (PTE_P | PTE_ANON)) != (PTE_P | PTE_ANON))
			return -RC_EINVAL;
	}
	unmap_and_free(p, a->addr, a->pages);
	rk_uncharge(p, a->pages);
	return 0;
}

/* ---- processes ---- */

/* SPAWN's handle list, read and checked before anything happens: each
 * an open channel handle with TRANSFER, rights among its own, none twice.
 * The count, or -errno (nothing moves). */
static int32_t spawn_handles_check(struct rce_call *c, const struct rce_args_spawn *a,
				   struct rc_spawn_handle *hs)
{
	uint32_t n = a->handles_len / RC_SPAWN_HANDLE_SIZE;
	if (a->handles_len % RC_SPAWN_HANDLE_SIZE)
		return -RC_EINVAL;
	if (n && rce_copy_in(c, hs, a->handles, 0, a->handles_len))
		return -RC_EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t held = rce_handle_rights(c->ctx, hs[i].handle);
		if (!(held & RC_RIGHT_TRANSFER))
			return -RC_EBADF; /* only channel endpoints carry TRANSFER */
		if (hs[i].rights & ~held)
			return -RC_EPERM;
		for (uint32_t j = 0; j < i; j++)
			if (hs[j].handle == hs[i].handle)
				return -RC_EINVAL;
	}
	return (int32_t)n;
}

/* Move the checked handles from parent p into child (held, not yet
 * running): entry i becomes the child's RK_SPAWN_HANDLE(i). Cannot fail:
 * the child's table holds only its first ring. Order: p's rk lock, then
 * the child's (as when spawn made its ring), then the engine's ipc lock. */
static void spawn_handles_move(struct proc *p, struct proc *child, const struct rc_spawn_handle *hs,
			       uint32_t n)
{
	rk_lock(child);
	for (uint32_t i = 0; i < n; i++) {
		int32_t h = rce_channel_handle_move(&p->rk.ctx, hs[i].handle, &child->rk.ctx);
		assert(h == (int32_t)RK_SPAWN_HANDLE(i));
		rce_handle_reduce(&child->rk.ctx, (uint32_t)h, hs[i].rights);
	}
	child->tf->r9 = n; /* rk_abi.h: at entry */
	rk_unlock(child);
}

/* SPAWN's image (image_len bytes at image) copied into fresh kernel frames:
 * their address (*pages of them), or NULL with *err set. The bytes are
 * read once; elf_load checks the copy. */
static void *spawn_image_copy(struct rce_call *c, const struct rce_args_spawn *a, size_t *pages,
			      int32_t *err)
{
	*pages = (a->image_len + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t pa = pmm_alloc_contig(*pages);
	if (!pa) {
		*err = -RC_ENOMEM;
		return NULL;
	}
	void *buf = P2V(pa);
	if (rce_copy_in(c, buf, a->image, 0, a->image_len)) {
		pmm_free_contig(pa, *pages);
		*err = -RC_EFAULT;
		return NULL;
	}
	return buf;
}

/* Start a program as the caller's child: argv is "name\0arg\0...\0"; the
 * program is the boot image's of that name, or (image_len > 0) the ELF
 * image at image; the handles listed move to it. -ENOENT for an unknown
 * program, -ENOEXEC for an image that is not one, -EAGAIN at the
 * per-process child limit or when the process table is full,
 * -EBADF/-EPERM/-EINVAL for the handle list. */
static int32_t k_spawn(struct rce_call *c, const struct rce_args_spawn *a)
{
	char buf[RC_SPAWN_ARGS_MAX];
	const char *argv[MAX_ARGS];
	struct rc_spawn_handle hs[RC_SPAWN_HANDLES_MAX];
	int argc = 0;
	int32_t nh = spawn_handles_check(c, a, hs);
	if (nh < 0)
		return nh;
	if (rce_copy_in(c, buf, a->argv, 0, a->argv_len))
		return -RC_EFAULT;
	if (buf[a->argv_len - 1] != 0 || buf[0] == 0)
		return -RC_EINVAL;
	for (uint32_t i = 0; i < a->argv_len; i += (uint32_t)strlen(buf + i) + 1) {
		if (argc == MAX_ARGS)
			return -RC_EINVAL;
		argv[argc++] = buf + i;
	}
	struct proc *p = rk_proc(c);
	if (proc_children(p) >= PROC_CHILDREN)
		return -RC_EAGAIN;
	int pid;
	if (a->image_len) {
		size_t pages = 0;
		int32_t err = -RC_ENOMEM;
		void *image = spawn_image_copy(c, a, &pages, &err);
		if (!image)
			return err;
		pid = proc_spawn_image_held(p, argv[0], image, a->image_len, argc, argv);
		pmm_free_contig(V2P(image), pages);
	} else {
		pid = proc_spawn_as_held(p, argv[0], argc, argv);
		if (pid == -RC_ENOEXEC)
			pid = -RC_ENOENT;
	}
	if (pid < 0)
		return pid;
	struct proc *child = proc_find(pid); /* held: it cannot have exited */
	spawn_handles_move(p, child, hs, (uint32_t)nh);
	proc_start(pid);
	return pid;
}

/* The process ends when this enter returns; later entries do not run. */
static int32_t k_exit(struct rce_call *c, const struct rce_args_exit *a)
{
	proc_request_exit(rk_proc(c), (int)a->status);
	rce_call_stop_batch(c); /* the entries after it stay in the SQ */
	return 0;
}

/* p's counters and its use of each limit (PROC_STATS, WAIT's info). */
void ksys_stats(struct proc *p, struct rc_proc_stats *out)
{
	uint32_t rings = 0, tree_procs, tree_frames, ipc_bytes, ipc_frames;
	for (int i = 0; i < PROC_RINGS; i++)
		rings += p->rk.rings[i].in_use;
	tree_usage(p, &tree_procs, &tree_frames);
	rk_acct_usage(p, &ipc_bytes, &ipc_frames);
	*out = (struct rc_proc_stats){
		.traps = p->stats.syscalls,
		.irqs = p->stats.user_irqs,
		.faults = p->stats.user_faults,
		.sqes = p->stats.sqes,
		.run_ns = (p->stats.end_ns ? p->stats.end_ns : clock_ns()) - p->stats.start_ns,
		.frames = p->rk.frames + ipc_frames,
		.frames_max = PROC_FRAMES,
		.rings = rings,
		.rings_max = PROC_RINGS,
		.handles = p->rk.ctx.open_handles,
		.handles_max = PROC_HANDLES,
		.parked = p->rk.parked,
		.parked_max = PROC_PARKED,
		.children = (uint32_t)proc_children(p),
		.children_max = PROC_CHILDREN,
		.tree_procs = tree_procs,
		.tree_procs_max = TREE_PROCS,
		.tree_frames = tree_frames,
		.tree_frames_max = TREE_FRAMES,
		.ipc_bytes = ipc_bytes,
		.ipc_frames = ipc_frames,
		.pid = p->pid,
	};
	struct proc *parent = p->parent; /* a slot of the table: read once */
	out->ppid = parent ? parent->pid : 0;
	strlcpy(out->name, p->name, sizeof(out->name));
}

static bool wait_match(int32_t want, struct proc *child)
{
	return want == 0 || child->pid == want;
}

/* Report zombie child to a WAIT: its info (if asked) goes out first, and
 * only if that works is the result its status (the caller then reaps). */
static int32_t wait_report(struct rce_call *c, rce_uout_t info, struct proc *child)
{
	if (info.len) {
		struct rc_wait_info wi = { .pid = child->pid, .status = child->stats.status };
		ksys_stats(child, &wi.stats);
		if (rce_copy_out(c, info, 0, &wi, MIN(info.len, (uint32_t)sizeof(wi))))
			return -RC_EFAULT; /* the child stays for another WAIT */
	}
	return child->stats.status;
}

static void wait_unlink(struct proc *p, struct rce_req *q)
{
	rce_req_list_remove(&p->rk.waits, q);
}

static void wait_cancel(struct rce_req *q)
{
	unpark_count(q);
	wait_unlink(rce_req_call(q)->ctx->port, q);
}

/* A zombie child of p matching want, claimed (P_REAPING); *have says
 * whether any child matches. p's rk lock is held: a zombie seen here has
 * already been offered to p's parked WAITs (proc_exit holds the lock). */
static struct proc *claim_zombie(struct proc *p, int32_t want, bool *have)
{
	struct proc *found = NULL;
	*have = false;
	acquire(&ptable_lock);
	for (int i = 0; i < NPROC && !found; i++) {
		struct proc *ch = proc_at(i);
		if (ch->state == P_UNUSED || ch->parent != p || !wait_match(want, ch))
			continue;
		*have = *have || ch->state != P_REAPING;
		if (ch->state == P_ZOMBIE) {
			ch->state = P_REAPING;
			found = ch;
		}
	}
	release(&ptable_lock);
	return found;
}

/* Reap an exited child now, or park until one exits: -ECHILD if none
 * matches, -EAGAIN with NOHANG. */
static int32_t k_wait(struct rce_call *c, const struct rce_args_wait *a)
{
	struct proc *p = rk_proc(c);
	bool have;
	struct proc *ch = claim_zombie(p, a->pid, &have);
	if (ch) {
		int32_t res = wait_report(c, a->info, ch);
		if (res >= 0) {
			proc_free(ch); /* waits for it to be off its CPU */
		} else {
			acquire(&ptable_lock);
			ch->state = P_ZOMBIE; /* stays for another WAIT */
			release(&ptable_lock);
		}
		return res;
	}
	if (!have)
		return -RC_ECHILD;
	if (a->flags & RC_WAIT_NOHANG)
		return -RC_EAGAIN;
	struct rce_req *q = rk_park(c, wait_cancel);
	if (!q)
		return -RC_EAGAIN; /* PROC_PARKED */
	rce_req_list_append(&p->rk.waits, q);
	return RCE_PENDING;
}

/*
 * child (now a zombie, running its last kernel code) exited: the oldest
 * parked WAIT of parent that matches gets it and reaps it (the slot is
 * left as an orphan for the scheduler to free: we are on its stack). A
 * WAIT whose info buffer faults completes with -EFAULT and the next one
 * is tried. The list is re-scanned each time: completing runs LINK
 * chains, which may park or cancel WAITs. The parent's rk lock is held.
 */
void ksys_child_exited(struct proc *parent, struct proc *child)
{
	for (;;) {
		struct rce_req *q = parent->rk.waits.first;
		while (q && !wait_match(rce_req_call(q)->sqe->args.wait.pid, child))
			q = rce_req_list_next(q);
		if (!q)
			break;
		const struct rc_args_wait *in = &rce_req_call(q)->sqe->args.wait;
		wait_unlink(parent, q);
		int32_t res = wait_report(rce_req_call(q), (rce_uout_t){ in->info, in->info_len },
					  child);
		if (res >= 0) {
			acquire(&ptable_lock);
			child->parent = NULL;
			release(&ptable_lock);
		}
		rk_complete(q, res);
		if (res >= 0)
			break;
	}
}

static int32_t k_getpid(struct rce_call *c, const struct rce_args_getpid *a)
{
	struct proc *p = rk_proc(c);
	if (a->flags & RC_GETPID_PARENT)
		return p->parent ? p->parent->pid : 0;
	return p->pid;
}

static int32_t k_clock(struct rce_call *c, const struct rce_args_clock *a)
{
	uint64_t ns = clock_ns();
	return rce_copy_out(c, a->buf, 0, &ns, sizeof(ns)) ? -RC_EFAULT : 0;
}

/* The caller's stats, or those of a process of its spawn tree (ps). Another
 * process is read while it runs: a snapshot, each field as it was at one
 * moment; a slot that changed hands meanwhile is answered -ESRCH. */
static int32_t k_proc_stats(struct rce_call *c, const struct rce_args_proc_stats *a)
{
	struct rc_proc_stats st;
	uint32_t n = MIN(a->len, (uint32_t)sizeof(st));
	struct proc *me = rk_proc(c), *p = me;
	bool next = a->flags & RC_PROC_STATS_NEXT;
	if (a->pid || next) {
		int err;
		p = proc_find_in_tree(me, a->pid, next, &err);
		if (!p)
			return err;
	}
	int pid = p->pid;
	ksys_stats(p, &st);
	if (__atomic_load_n(&p->pid, __ATOMIC_ACQUIRE) != pid || st.pid != pid)
		return -RC_ESRCH; /* it exited and its slot was reused while we read */
	return rce_copy_out(c, a->buf, 0, &st, n) ? -RC_EFAULT : (int32_t)n;
}

/* End a process of the caller's spawn tree (its own is -EINVAL: EXIT). */
static int32_t k_kill(struct rce_call *c, const struct rce_args_kill *a)
{
	return proc_kill_in_tree(rk_proc(c), a->pid);
}

/* ---- rings and handles ---- */

static int32_t k_ring_create(struct rce_call *c, const struct rce_args_ring_create *a)
{
	return kring_create(rk_proc(c), a->addr, a->sq_entries, a->cq_entries, a->flags);
}

/* Close a handle: a channel endpoint (the engine closes it) or a ring. The
 * handle goes now and with it its reference: the ring is destroyed once
 * nothing runs on it any more (at once, or when the enter, poller pass or
 * completion running it returns: a ring may close itself, even from a
 * chain that completes outside enter). */
static int32_t k_close(struct rce_call *c, const struct rce_args_close *a)
{
	(void)a;
	if (rce_close_engine_object(c))
		return 0; /* a channel endpoint: the engine's own */
	rce_handle_remove(c->ctx, c->sqe->handle);
	if (&((struct kring *)c->target)->r == c->ring)
		rce_call_stop_batch(c); /* its own ring: nothing after this runs */
	kring_close(c->target);
	return 0;
}

/* A handle still open when the process ends: closed as CLOSE does. */
static void k_close_object(struct rce_ctx *ctx, uint32_t type, void *obj)
{
	(void)ctx;
	if (type == RCE_HT_RING)
		kring_close(obj);
}

/* Once its process is exiting (EXIT ran, or it was killed) nothing more
 * of its chains acts, however a chain goes on: in enter, from the timer,
 * from another process's exit, in the poller. Every handler is entered
 * through this check; the entry completes with -ECANCELED and so does the
 * rest of its chain. (Engine-only entries, NOP, TIMEOUT and the like,
 * act on nothing but the dying rings.) */
static bool rk_exiting(struct rce_call *c)
{
	if (!__atomic_load_n(&rk_proc(c)->killed, __ATOMIC_ACQUIRE))
		return false;
	rce_call_stop_batch(c); /* killed: take no more (at the chunk's end) */
	return true;
}

#define RK_GUARDED(name)                                                             \
	static int32_t g_##name(struct rce_call *c, const struct rce_args_##name *a) \
	{                                                                            \
		return rk_exiting(c) ? -RC_ECANCELED : k_##name(c, a);               \
	}
RK_GUARDED(console_write)
RK_GUARDED(close)
RK_GUARDED(console_read)
RK_GUARDED(map)
RK_GUARDED(unmap)
RK_GUARDED(spawn)
RK_GUARDED(exit)
RK_GUARDED(wait)
RK_GUARDED(getpid)
RK_GUARDED(clock)
RK_GUARDED(ring_create)
RK_GUARDED(proc_stats)
RK_GUARDED(kill)

const struct rce_handlers kernel_handlers = {
	.console_write = g_console_write,
	.close = g_close,
	.console_read = g_console_read,
	.map = g_map,
	.unmap = g_unmap,
	.spawn = g_spawn,
	.exit = g_exit,
	.wait = g_wait,
	.getpid = g_getpid,
	.clock = g_clock,
	.ring_create = g_ring_create,
	.proc_stats = g_proc_stats,
	.kill = g_kill,
	.close_object = k_close_object,
	.ipc = &kernel_ipc_ops, /* channels (kring.c: the cross-ring hooks) */
};
