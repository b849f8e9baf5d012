/*
 * proc.c - process table, spawn/exit/wait, sleep/wakeup, round-robin
 * scheduler (xv6 style: processes switch to a per-CPU scheduler context).
 *
 * Kernel code always runs with IF=0 (interrupt gates and SFMASK clear
 * it), so the only preemption point is the timer interrupt arriving in
 * user mode. With two CPUs, ptable_lock guards every process's state,
 * chan, parent, on_cpu and the pid counter; it is held across swtch (the
 * scheduler takes it, the process releases it after switching in, and
 * takes it again before switching out), so a process is never picked by
 * one CPU while another is still saving its context.
 */
#include "arch.h"
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"

_Static_assert(__builtin_offsetof(struct cpu, self) == CPU_SELF, "CPU_SELF");
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "CPU_KSTACK_TOP");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "CPU_USER_RSP");

static struct proc procs[NPROC];
/* Slots [0, procs_used) have been claimed at some time; none above ever
 * was (ptable_lock; it only grows). The scheduler's scans stop there:
 * with a few processes, each pass looked at 64 slots twice (~700
 * instructions), and a pass runs at every sleep and every wakeup. */
static int procs_used;
struct cpu cpus[NCPU];
struct spinlock ptable_lock = SPINLOCK_INIT("ptable");
static int next_pid = 1;

void swtch(struct context **save, struct context *next);
static void make_runnable(struct proc *p);
extern char user_trampoline[], kthread_trampoline[]; /* entry.S */

struct proc *myproc(void)
{
	return mycpu()->proc;
}

/* CPU 0's struct, first thing in kmain: locks (even kprintf's) use mycpu(). */
void cpu_early_init(void)
{
	arch_cpu_early(&cpus[0]);
	for (int i = 0; i < NPROC; i++)
		spin_init(&procs[i].rk_lock, "rk");
}

/* Per-CPU setup (arch_cpu_init: this CPU's struct, FPU for user code, protections). */
void cpu_init(struct cpu *c)
{
	arch_cpu_init(c);
}

/* Claim a free slot with a kernel stack, as P_EMBRYO; NULL if none. */
static struct proc *proc_alloc(const char *name)
{
	acquire(&ptable_lock);
	struct proc *p = procs;
	while (p < procs + NPROC && p->state != P_UNUSED)
		p++;
	if (p == procs + NPROC) {
		release(&ptable_lock);
		return NULL;
	}
	memset(p, 0, __builtin_offsetof(struct proc, rk_lock)); /* never the lock */
	if (p - procs >= procs_used)
		procs_used = (int)(p - procs) + 1;
	p->state = P_EMBRYO;
	p->pid = next_pid++;
	p->cpu_only = -1;
	release(&ptable_lock);
	uint64_t pa = pmm_alloc_contig(KSTACK_SIZE / PAGE_SIZE);
	if (!pa) {
		acquire(&ptable_lock);
		p->state = P_UNUSED;
		release(&ptable_lock);
		return NULL;
	}
	p->kstack = P2V(pa);
	strlcpy(p->name, name, sizeof(p->name));
	*(uint16_t *)&p->fpu[0] = 0x037f;  /* FCW: x87 defaults */
	*(uint32_t *)&p->fpu[24] = 0x1f80; /* MXCSR: all exceptions masked */
	p->stats.start_ns = clock_ns();
	return p;
}

/* Wait until p's stack is no longer in use on any CPU (a zombie that is
 * switching out for the last time). Other CPUs' shootdowns are answered. */
static void wait_off_cpu(struct proc *p)
{
	while (__atomic_load_n(&p->on_cpu, __ATOMIC_ACQUIRE)) {
		arch_cpu_relax();
		tlb_service();
	}
}

/* Release the slot and kernel stack of a process nobody else can reach:
 * an embryo, or a zombie its reaper claimed (P_REAPING). */
void proc_free(struct proc *p)
{
	assert(p != myproc());
	wait_off_cpu(p);
	if (p->rk.active) { /* a spawn that failed after its rings were made */
		rk_lock(p);
		kproc_rings_exit(p);
		rk_unlock(p);
	}
	if (p->pml4)
		vm_destroy(p->pml4);
	uc_forget(p);
	rk_uncharge(p, p->rk.frames); /* a half-made spawn's; an exited one has none left */
	tree_leave(p);
	pmm_free_contig(V2P(p->kstack), KSTACK_SIZE / PAGE_SIZE);
	p->kstack = NULL;
	p->pml4 = 0;
	acquire(&ptable_lock);
	p->state = P_UNUSED;
	release(&ptable_lock);
}

static uint64_t kstack_top(struct proc *p)
{
	return (uint64_t)p->kstack + KSTACK_SIZE;
}

/* Write bytes into another address space through the direct map. */
static int copy_to_space(uint64_t pml4, uint64_t va, const void *src, size_t len)
{
	const uint8_t *s = src;
	while (len) {
		uint64_t pa = vm_translate(pml4, va);
		if (pa == (uint64_t)-1)
			return -RC_EFAULT;
		size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		memcpy(P2V(pa), s, n);
		va += n, s += n, len -= n;
	}
	return 0;
}

/* Map the user stack and lay out argv on it; returns initial rsp or 0. */
static uint64_t setup_stack(uint64_t pml4, int argc, const char *const argv[], uint64_t *uargv)
{
	uint64_t lo = USTACK_TOP - USTACK_PAGES * PAGE_SIZE;
	if (vm_alloc_user(pml4, lo, USTACK_PAGES * PAGE_SIZE, VM_WRITE) < 0)
		return 0;
	uint64_t sp = USTACK_TOP, ptrs[MAX_ARGS + 1];
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		if (copy_to_space(pml4, sp, argv[i], n) < 0)
			return 0;
		ptrs[i] = sp;
	}
	ptrs[argc] = 0;
	sp = ALIGN_DOWN(sp, 16) - 8 * (argc + 1);
	sp = ALIGN_DOWN(sp, 16);
	if (copy_to_space(pml4, sp, ptrs, 8 * (argc + 1)) < 0)
		return 0;
	*uargv = sp;
	return sp;
}

/* Validate argv: count and total size bounded so it fits one stack area. */
static bool args_ok(int argc, const char *const argv[])
{
	if (argc < 0 || argc > MAX_ARGS || (argc > 0 && !argv))
		return false;
	size_t total = 8 * (argc + 1);
	for (int i = 0; i < argc; i++) {
		if (!argv[i])
			return false;
		total += strnlen(argv[i], ARG_BYTES) + 1;
	}
	return total <= ARG_BYTES;
}

/* Create a runnable user process from an ELF image, child of parent; pid
 * or -errno. hold: left P_EMBRYO until proc_start. charge: the image's
 * pages count against the child's and its tree's frame budgets (an image
 * from memory; the boot image's programs are the kernel's own). */
static int spawn_elf_as(struct proc *parent, const char *name, const void *elf, size_t len,
			int argc, const char *const argv[], bool hold, bool charge)
{
	if (!args_ok(argc, argv))
		return -RC_EINVAL;
	struct proc *p = proc_alloc(name);
	if (!p)
		return -RC_EAGAIN;
	int err = tree_join(p, parent); /* -EAGAIN: its spawn tree is full */
	if (err < 0)
		goto fail;
	err = -RC_ENOMEM;
	uint64_t entry, uargv;
	if (!(p->pml4 = vm_create()))
		goto fail;
	size_t pages;
	if ((err = elf_load(p->pml4, elf, len, &entry, &pages)) < 0)
		goto fail;
	if (charge && (err = rk_charge(p, (uint32_t)pages)) < 0)
		goto fail;
	uint64_t sp = setup_stack(p->pml4, argc, argv, &uargv);
	err = -RC_ENOMEM;
	if (!sp)
		goto fail;
	uint64_t ring_bytes;
	int ring = kproc_rings_init(p, &ring_bytes); /* its first ring, made here */
	if (ring < 0) {
		err = ring;
		goto fail;
	}

	p->tf = (struct trapframe *)(kstack_top(p) - sizeof(struct trapframe));
	/* rk_abi.h: argc, argv, the first ring's address, size and number, at entry */
	const uint64_t args[5] = { (uint64_t)argc, uargv, RK_RING0_ADDR, ring_bytes,
				   (uint64_t)ring };
	arch_user_frame(p->tf, entry, sp, args);
	p->ctx = arch_context_new((uint64_t)p->tf, user_trampoline, 0, 0);
	acquire(&ptable_lock);
	p->parent = parent;
	if (!hold)
		make_runnable(p);
	release(&ptable_lock);
	return p->pid;
fail:
	proc_free(p);
	return err;
}

static int spawn_elf(struct proc *parent, const char *name, const void *elf, size_t len, int argc,
		     const char *const argv[], bool hold)
{
	return spawn_elf_as(parent, name, elf, len, argc, argv, hold, false);
}

/* Create a runnable user process from an ELF image, child of the caller. */
int proc_spawn_elf(const char *name, const void *elf, size_t len, int argc,
		   const char *const argv[])
{
	return spawn_elf(myproc(), name, elf, len, argc, argv, false);
}

/* Spawn an embedded program by name as parent's child (argv[0] conventionally = name). */
int proc_spawn_as(struct proc *parent, const char *prog, int argc, const char *const argv[])
{
	const struct user_prog *up = user_prog_find(prog);
	if (!up)
		return -RC_ENOEXEC;
	return spawn_elf(parent, prog, up->data, up->size, argc, argv, false);
}

/* The same, left P_EMBRYO until proc_start (SPAWN gives it handles first). */
int proc_spawn_as_held(struct proc *parent, const char *prog, int argc, const char *const argv[])
{
	const struct user_prog *up = user_prog_find(prog);
	if (!up)
		return -RC_ENOEXEC;
	return spawn_elf(parent, prog, up->data, up->size, argc, argv, true);
}

/* Spawn the ELF image elf (len bytes, a kernel copy: elf_load checks it
 * all) as parent's child, held like proc_spawn_as_held: pid or -errno. */
int proc_spawn_image_held(struct proc *parent, const char *name, const void *elf, size_t len,
			  int argc, const char *const argv[])
{
	return spawn_elf_as(parent, name, elf, len, argc, argv, true, true);
}

/* Spawn as the caller's child but leave it P_EMBRYO until proc_start:
 * tests that edit a process before it runs (another CPU would run it). */
int proc_spawn_held(const char *prog, int argc, const char *const argv[])
{
	const struct user_prog *up = user_prog_find(prog);
	if (!up)
		return -RC_ENOEXEC;
	return spawn_elf(myproc(), prog, up->data, up->size, argc, argv, true);
}

void proc_start(int pid)
{
	acquire(&ptable_lock);
	for (struct proc *p = procs; p < procs + NPROC; p++)
		if (p->pid == pid && p->state == P_EMBRYO)
			make_runnable(p);
	release(&ptable_lock);
}

/* Spawn an embedded program as the caller's child. */
int proc_spawn(const char *prog, int argc, const char *const argv[])
{
	return proc_spawn_as(myproc(), prog, argc, argv);
}

/* Look up an embedded user program. */
const struct user_prog *user_prog_find(const char *name)
{
	for (const struct user_prog *up = user_progs; up->name; up++)
		if (strcmp(up->name, name) == 0)
			return up;
	return NULL;
}

/* Create a kernel thread running fn(arg) on CPU cpu (-1: any); its
 * return value is its exit code. */
int kthread_create_on(const char *name, int (*fn)(void *), void *arg, int cpu)
{
	struct proc *p = proc_alloc(name);
	if (!p)
		return -RC_EAGAIN;
	p->ctx = arch_context_new(kstack_top(p), kthread_trampoline, (uint64_t)fn, (uint64_t)arg);
	p->cpu_only = cpu;
	acquire(&ptable_lock);
	p->parent = myproc();
	make_runnable(p);
	release(&ptable_lock);
	return p->pid;
}

int kthread_create(const char *name, int (*fn)(void *), void *arg)
{
	return kthread_create_on(name, fn, arg, -1);
}

/* First run of a process (from the trampolines): the scheduler switched
 * here holding ptable_lock. */
void proc_first_run(void)
{
	release(&ptable_lock);
}

/* Switch from the current process to the scheduler. ptable_lock held and
 * nothing else; the process's state already says why it stops. */
static void sched(void)
{
	struct proc *p = myproc();
	struct cpu *c = mycpu();
	assert(holding(&ptable_lock) && c->noff == 1);
	assert(!arch_irq_enabled());
	assert(p->state != P_RUNNING);
	if (p->pml4)
		arch_fpu_save(p->fpu);
	bool intena = c->intena;
	swtch(&p->ctx, c->sched_ctx);
	mycpu()->intena = intena; /* maybe another CPU now */
}

/*
 * Terminate the current process: its rings (requests in flight are
 * dropped) and address space go now, the slot stays for the parent's
 * wait. A parent with rings learns it through a parked WAIT, which may
 * reap the child at once (it is then an orphan the scheduler frees).
 * The parent's engine lock is held from the moment the child is a zombie
 * until its WAITs have been told: a WAIT that sees the zombie knows that
 * nothing else will report it.
 */
void proc_exit(int status)
{
	struct proc *p = myproc();
	assert(p);
	if (p->rk.active) {
		rk_lock(p);
		kproc_rings_exit(p);
		rk_unlock(p);
	}
	if (p->pml4) {
		vm_destroy(p->pml4); /* switches this CPU to the kernel's tables first */
		uc_forget(p);	     /* no engine call runs for p any more: belt and braces */
		p->pml4 = 0;
	}
	rk_uncharge(p, p->rk.frames); /* page tables and MAP'd pages: the tree may use them again */
	acquire(&ptable_lock);
	struct proc *parent = p->parent;
	release(&ptable_lock);
	if (parent)
		rk_lock(parent); /* rk before ptable_lock */
	acquire(&ptable_lock);
	for (struct proc *c = procs; c < procs + NPROC; c++)
		if (c->state != P_UNUSED && c->parent == p)
			c->parent = NULL; /* orphans: scheduler reaps them */
	p->stats.status = status;
	p->stats.end_ns = clock_ns();
	p->state = P_ZOMBIE;
	bool still = parent && p->parent == parent; /* not orphaned meanwhile */
	release(&ptable_lock);
	if (parent) {
		if (still && parent->rk.active)
			ksys_child_exited(parent, p);
		rk_unlock(parent);
		wakeup(parent); /* a kernel thread in proc_wait */
	}
	acquire(&ptable_lock);
	sched();
	panic("zombie %d ran", p->pid);
}

/* Reap a zombie child (pid or -1 for any); copies its stats out. */
int proc_wait(int pid, struct proc_stats *out)
{
	struct proc *me = myproc();
	acquire(&ptable_lock);
	for (;;) {
		bool have = false;
		for (struct proc *c = procs; c < procs + NPROC; c++) {
			if (c->state == P_UNUSED || c->state == P_REAPING || c->parent != me ||
			    (pid > 0 && c->pid != pid))
				continue;
			have = true;
			if (c->state == P_ZOMBIE) {
				int cpid = c->pid;
				c->state = P_REAPING;
				release(&ptable_lock);
				if (out)
					*out = c->stats;
				proc_free(c);
				return cpid;
			}
		}
		if (!have || me->killed) {
			release(&ptable_lock);
			return !have ? -RC_ECHILD : -RC_EINTR;
		}
		sleep_lock(me, &ptable_lock);
	}
}

/* Make p runnable and wake an idle CPU to run it (one: ipi_kick_one);
 * ptable_lock held. */
static void make_runnable(struct proc *p)
{
	p->state = P_RUNNABLE;
	ipi_kick_one(p->cpu_only);
}

/* Make p exit with status when it next runs (the first request wins). */
static void request_exit_locked(struct proc *p, int status)
{
	if (!p->killed) {
		p->killed = true;
		p->exit_status = status;
	}
	if (p->state == P_SLEEPING)
		make_runnable(p); /* sleep loops re-check their condition */
}

void proc_request_exit(struct proc *p, int status)
{
	acquire(&ptable_lock);
	request_exit_locked(p, status);
	release(&ptable_lock);
}

/* The live (spawned, not yet exited) user process of me's spawn tree with
 * pid, or with next the one with the smallest pid >= pid; else NULL and
 * *err is -ESRCH, or -EPERM if pid is live in another tree (or a kernel
 * thread). ptable_lock held. */
static struct proc *tree_find_locked(struct proc *me, int pid, bool next, int *err)
{
	struct proc *found = NULL;
	bool elsewhere = false;
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		if (p->state == P_UNUSED || p->state == P_EMBRYO || p->state == P_ZOMBIE ||
		    p->state == P_REAPING || p->pid < pid || (!next && p->pid != pid))
			continue;
		if (!p->tree || p->tree != me->tree)
			elsewhere = true;
		else if (!found || p->pid < found->pid)
			found = p;
	}
	*err = found ? 0 : elsewhere && !next ? -RC_EPERM : -RC_ESRCH;
	return found;
}

struct proc *proc_find_in_tree(struct proc *me, int pid, bool next, int *err)
{
	acquire(&ptable_lock);
	struct proc *p = tree_find_locked(me, pid, next, err);
	release(&ptable_lock);
	return p;
}

int proc_kill_in_tree(struct proc *me, int pid)
{
	int err;
	acquire(&ptable_lock); /* found and marked at once: the slot cannot change hands */
	struct proc *p = tree_find_locked(me, pid, false, &err);
	if (p == me)
		err = -RC_EINVAL;
	else if (p)
		request_exit_locked(p, PROC_KILLED | PROC_KILL_REQUEST);
	release(&ptable_lock);
	return err;
}

/* Ask a process to die; it exits at its next return to user mode. */
int proc_kill(int pid)
{
	struct proc *p = proc_find(pid);
	if (!p)
		return -RC_ESRCH;
	proc_request_exit(p, PROC_KILLED | PROC_KILL_REQUEST);
	return 0;
}

/* Children of p not yet reaped (SPAWN's limit counts zombies too). */
int proc_children(struct proc *p)
{
	int n = 0;
	acquire(&ptable_lock);
	for (struct proc *c = procs; c < procs + NPROC; c++)
		n += c->state != P_UNUSED && c->parent == p;
	release(&ptable_lock);
	return n;
}

struct proc *proc_at(int i)
{
	return &procs[i];
}

/* Live (non-zombie) process with this pid, or NULL. */
struct proc *proc_find(int pid)
{
	struct proc *found = NULL;
	acquire(&ptable_lock);
	for (struct proc *p = procs; p < procs + NPROC && !found; p++)
		if (p->state != P_UNUSED && p->state != P_ZOMBIE && p->state != P_REAPING &&
		    p->pid == pid)
			found = p;
	release(&ptable_lock);
	return found;
}

/* Occupied slots (including zombies): leak tests expect this to return to baseline. */
int proc_count(void)
{
	int n = 0;
	acquire(&ptable_lock);
	for (struct proc *p = procs; p < procs + NPROC; p++)
		n += p->state != P_UNUSED;
	release(&ptable_lock);
	return n;
}

void yield(void)
{
	acquire(&ptable_lock);
	myproc()->state = P_RUNNABLE;
	sched();
	release(&ptable_lock);
}

/* Atomically release lk and sleep on chan (a wakeup after the release
 * cannot be missed: it needs ptable_lock, held until we are asleep). */
void sleep_lock(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();
	if (lk != &ptable_lock) {
		acquire(&ptable_lock);
		if (lk)
			release(lk);
	}
	p->chan = chan;
	p->state = P_SLEEPING;
	sched();
	p->chan = NULL;
	if (lk != &ptable_lock) {
		release(&ptable_lock);
		if (lk)
			acquire(lk);
	}
}

/* Sleep until wakeup(chan); callers re-check their condition in a loop. */
void sleep_on(void *chan)
{
	sleep_lock(chan, NULL);
}

void wakeup_locked(void *chan)
{
	for (struct proc *p = procs; p < procs + NPROC; p++)
		if (p->state == P_SLEEPING && p->chan == chan)
			make_runnable(p);
}

void wakeup(void *chan)
{
	acquire(&ptable_lock);
	wakeup_locked(chan);
	release(&ptable_lock);
}

/* wakeup(chan) when p is the only process that can sleep on chan (a
 * ring's owner in enter): no scan of the table (NPROC slots, ~340
 * instructions, for every CQE posted to a sleeping ring's owner). */
void wakeup_proc(struct proc *p, void *chan)
{
	acquire(&ptable_lock);
	if (p->state == P_SLEEPING && p->chan == chan)
		make_runnable(p);
	release(&ptable_lock);
}

/* Sleep for at least ns, woken by timer ticks. */
void proc_sleep_ns(uint64_t ns)
{
	uint64_t deadline = clock_ns() + ns;
	while (clock_ns() < deadline && !myproc()->killed)
		sleep_on(timer_chan());
}

/* A CPU whose loaded page tables are root's, or -1. A CPU loads a
 * process's only while it runs it (run, proc_switch_to) and is back on
 * the kernel's before ptable_lock lets another CPU run that process: so
 * under ptable_lock, or from the process's own exit, the answer for a
 * process that is not running is stable. */
int aspace_cpu(uint64_t root)
{
	for (int i = 0; i < ncpu; i++)
		if (__atomic_load_n(&cpus[i].aspace, __ATOMIC_RELAXED) == root)
			return i;
	return -1;
}

/* Run p until it switches back to the scheduler; ptable_lock held; the
 * kernel's page tables loaded (kroot), as always in the scheduler. A
 * process's are loaded afresh each time: p may have run elsewhere, and
 * pages may have been unmapped there, since this CPU last loaded them. */
static void run(struct cpu *c, struct proc *p, uint64_t kroot)
{
	c->proc = p;
	c->kstack_top = kstack_top(p);
	arch_kstack_set(c->id, c->kstack_top);
	if (p->pml4) {
		aspace_load(c, p->pml4);
		arch_fpu_restore(p->fpu);
	}
	p->state = P_RUNNING;
	p->on_cpu = true;
	swtch(&c->sched_ctx, p->ctx);
	/* Off the page tables of whoever switched back here (p, or a process
	 * p handed the CPU to with proc_switch_to) before ptable_lock lets
	 * another CPU run it: it may exit there and free them, and this CPU
	 * would walk freed frames on a TLB miss (docs/kernel.md). */
	if (c->aspace != kroot)
		aspace_load(c, kroot);
	/* Off its stack now. */
	__atomic_store_n(&c->proc->on_cpu, false, __ATOMIC_RELEASE);
	c->proc = NULL;
}

/*
 * BENCHMARK PEER ONLY (kbenchipc.c, the trap IPC of make bench-kernel):
 * hand this CPU straight to `to` (P_SLEEPING in proc_switch_to or in the
 * peer's own sched), without the scheduler, as seL4's IPC fastpath does.
 * The caller holds ptable_lock (and nothing else) and has set its own
 * state; it resumes here, possibly on another CPU, when something
 * switches back to it. The process switched away from is marked off its
 * CPU by the one switched to (proc_switched_in).
 */
static struct proc *switched_from[NCPU];

void proc_switched_in(void)
{
	struct cpu *c = mycpu();
	struct proc *prev = switched_from[c->id];
	if (prev) {
		switched_from[c->id] = NULL;
		__atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
	}
}

void proc_switch_to(struct proc *to)
{
	struct proc *p = myproc();
	struct cpu *c = mycpu();
	assert(holding(&ptable_lock) && c->noff == 1 && p->state != P_RUNNING);
	__asm__ volatile("fxsave64 %0" : "=m"(p->fpu));
	c->proc = to;
	c->kstack_top = kstack_top(to);
	tss_set_rsp0(c->id, c->kstack_top);
	aspace_load(c, to->pml4); /* off p's: the CPU p runs on next loads them */
	__asm__ volatile("fxrstor64 %0" ::"m"(to->fpu));
	to->state = P_RUNNING;
	to->on_cpu = true;
	switched_from[c->id] = p;
	bool intena = c->intena;
	swtch(&p->ctx, to->ctx);
	mycpu()->intena = intena; /* maybe another CPU now */
	proc_switched_in();
}

/* A zombie nobody will wait for, claimed for freeing; NULL if none.
 * ptable_lock held. */
static struct proc *claim_orphan(void)
{
	for (struct proc *p = procs; p < procs + procs_used; p++) {
		if (p->state == P_ZOMBIE && !p->parent && !p->on_cpu) {
			p->state = P_REAPING;
			return p;
		}
	}
	return NULL;
}

/* May CPU c run p now? */
static bool can_run(struct cpu *c, struct proc *p)
{
	return p->state == P_RUNNABLE &&
	       (p->cpu_only < 0 || p->cpu_only == c->id || p->cpu_only >= ncpu);
}

/* Per-CPU loop: pick the next runnable process after the last one run
 * (among the slots ever used: procs_used). */
void scheduler(void)
{
	struct cpu *c = mycpu();
	const uint64_t kroot = vm_kernel_pml4(); /* loaded here, always (run) */
	int last = -1;
	for (;;) {
		struct proc *next = NULL, *orphan;
		tlb_service();
		acquire(&ptable_lock);
		c->kicked = false; /* scanning now: whatever kicked it is seen */
		/* Orphans first, all of them: whoever runs next sees their slots free. */
		while ((orphan = claim_orphan())) {
			release(&ptable_lock);
			proc_free(orphan); /* nobody will wait */
			acquire(&ptable_lock);
		}
		for (int i = 0, j = last, n = procs_used; i < n; i++) {
			if (++j >= n)
				j = 0; /* on from the slot after the last one run, around */
			if (can_run(c, &procs[j])) {
				next = &procs[j];
				last = j;
				break;
			}
		}
		if (next) {
			run(c, next, kroot);
			release(&ptable_lock);
		} else {
			c->idle = true; /* make_runnable kicks us out of hlt */
			release(&ptable_lock);
			arch_idle(); /* a kick between its "on" and its wait is not lost */
			c->idle = false;
		}
	}
}
