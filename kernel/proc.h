/* proc.h - processes, the per-CPU structure, scheduling primitives. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "kernel.h"
#include "arch.h"
#include "kring.h"
#include "spinlock.h"
#include "trap.h"

#define NPROC	  64
#define PROC_NAME 32
#define MAX_ARGS  16
#define ARG_BYTES 2048 /* argv strings + pointers must fit */

/* P_REAPING: a zombie claimed by whoever frees it (off the table's books). */
enum proc_state {
	P_UNUSED,
	P_EMBRYO,
	P_RUNNABLE,
	P_RUNNING,
	P_SLEEPING,
	P_ZOMBIE,
	P_REAPING
};

/* Wait status: low byte = exit code, or KILLED bit | vector of the fatal trap. */
#define PROC_KILLED	    RK_STATUS_KILLED
#define PROC_KILL_REQUEST   RK_STATUS_KILL_REQUEST /* "vector" for proc_kill() */
#define PROC_WAS_KILLED(s)  (((s)&PROC_KILLED) != 0)
#define PROC_KILL_VECTOR(s) ((s)&0xff)
#define PROC_EXIT_CODE(s)   ((s)&0xff)

/* Per-process counters of privilege transitions and times (ns). */
struct proc_stats {
	uint64_t syscalls;    /* `syscall` instructions (enter traps) */
	uint64_t sqes;	      /* SQEs taken from its rings */
	uint64_t user_irqs;   /* hardware interrupts taken in user mode */
	uint64_t user_faults; /* exceptions taken in user mode */
	uint64_t start_ns, end_ns;
	uint64_t fault_addr, fault_err; /* of the fatal trap, if killed by one */
	int status;			/* wait status (valid once zombie) */
};

struct rk_tree;

struct proc {
	uint8_t fpu[512] __attribute__((aligned(16))); /* fxsave area (user procs) */
	int pid;
	enum proc_state state;
	char name[PROC_NAME];
	uint64_t pml4;	      /* 0 for kernel threads */
	uint8_t *kstack;      /* KSTACK_SIZE bytes (direct-mapped frames) */
	struct context *ctx;  /* saved by swtch() while not running */
	struct trapframe *tf; /* user registers at the top of kstack */
	struct proc *parent;  /* NULL: orphan, reaped by the scheduler */
	void *chan;	      /* sleeping on this */
	bool killed;	      /* exit with exit_status at next return to user */
	int exit_status;
	struct proc_stats stats;
	struct kproc_rings rk; /* ringcall: handles and rings (user processes) */
	struct rk_tree *tree;  /* spawn tree it is charged to (user processes; limits.c) */
	bool on_cpu;	       /* its stack is in use on some CPU (ptable_lock) */
	int cpu_only;	       /* -1, or the only CPU that may run it */
	/* Last: proc_alloc clears everything above, never the lock, which the
     * timer hook and the poller may take on a slot being recycled. */
	struct spinlock rk_lock; /* "rk": serialises engine calls for this ctx */
};

/* Per-CPU data, reached through GS in the kernel; first fields used by asm. */
struct cpu {
	struct cpu *self;	   /* CPU_SELF */
	uint64_t kstack_top;	   /* CPU_KSTACK_TOP: for syscall entry */
	uint64_t user_rsp;	   /* CPU_USER_RSP: scratch in syscall entry */
	struct proc *proc;	   /* running process or NULL (scheduler) */
	struct context *sched_ctx; /* scheduler's context */
	int id;			   /* index in cpus[] */
	uint32_t apic_id;
	int noff;	    /* push_off depth */
	bool intena;	    /* IF before the outermost push_off */
	bool idle;	    /* in hlt with nothing to run (ptable_lock) */
	bool kicked;	    /* woken by kick_pick, not yet scanned (ptable_lock) */
	uint32_t tlb_flush; /* a shootdown asks this CPU to flush (atomic) */
	uint64_t kicks;	    /* IPIs received */
	uint64_t aspace;    /* root of the page tables loaded here (aspace_load; atomic) */
};

extern struct cpu cpus[];	    /* smp.c: NCPU of them */
extern struct spinlock ptable_lock; /* proc table, scheduling, sleep/wakeup */

/* This CPU's struct (valid in kernel mode after cpu_early_init/cpu_init).
 * Inline: every lock takes it several times. */
static inline struct cpu *mycpu(void)
{
	return arch_this_cpu();
}

/* pop_off on CPU c, inline for enter's lock (kring.c); spinlock.c's
 * pop_off is this on mycpu(). */
static inline __attribute__((always_inline)) void pop_off_on(struct cpu *c)
{
	if (arch_irq_enabled())
		panic("pop_off: interrupts on");
	if (c->noff < 1)
		panic("pop_off: unbalanced");
	if (--c->noff == 0 && c->intena)
		arch_irq_enable();
}
struct proc *myproc(void); /* NULL in the scheduler / early boot */

/* Load the page tables rooted at root on c, this CPU, and note them in
 * c->aspace, which other CPUs read (aspace_cpu): every load of a new root
 * goes through here. */
static inline void aspace_load(struct cpu *c, uint64_t root)
{
	arch_aspace_load(root);
	__atomic_store_n(&c->aspace, root, __ATOMIC_RELAXED);
}
int aspace_cpu(uint64_t root); /* a CPU with root's tables loaded, or -1 */

void cpu_early_init(void);     /* GS base of CPU 0 (before any lock is taken) */
void cpu_init(struct cpu *c);  /* this CPU: GS base, FPU/SSE enable, SMEP/SMAP */
NORETURN void scheduler(void); /* round-robin forever */

/* Live user process of me's spawn tree with pid (next: the smallest pid >= pid),
 * else NULL and *err -ESRCH or -EPERM (another tree's, or a kernel thread).
 * A snapshot: it may exit meanwhile. */
struct proc *proc_find_in_tree(struct proc *me, int pid, bool next, int *err);
/* KILL: end a process of me's tree; 0, -ESRCH, -EPERM, -EINVAL (me itself). */
int proc_kill_in_tree(struct proc *me, int pid);

/* Process lifecycle (kernel API; ring syscalls will call these). */
int proc_spawn(const char *prog, int argc, const char *const argv[]); /* pid or -errno */
int proc_spawn_elf(const char *name, const void *elf, size_t len, int argc,
		   const char *const argv[]); /* pid or -errno */
int proc_spawn_as(struct proc *parent, const char *prog, int argc,
		  const char *const argv[]);					/* pid or -errno */
int kthread_create(const char *name, int (*fn)(void *), void *arg);		/* pid or -errno */
int kthread_create_on(const char *name, int (*fn)(void *), void *arg, int cpu); /* bound */
int proc_spawn_held(const char *prog, int argc, const char *const argv[]); /* not runnable yet */
int proc_spawn_as_held(struct proc *parent, const char *prog, int argc,
		       const char *const argv[]); /* parent's child, not runnable yet */
int proc_spawn_image_held(struct proc *parent, const char *name, const void *elf, size_t len,
			  int argc,
			  const char *const argv[]); /* SPAWN from memory, not runnable yet */
void proc_start(int pid);			     /* make a held spawn runnable */
NORETURN void proc_exit(int status);		     /* current process; status = wait status */
int proc_wait(int pid, struct proc_stats *out);	     /* pid (-1 any child) -> pid or -errno */
int proc_kill(int pid);				     /* mark killed; 0 or -ESRCH */
void proc_request_exit(struct proc *p, int status);  /* p exits with status at its next chance */
void proc_free(struct proc *p);			     /* release a reaped zombie's slot */
int proc_children(struct proc *p);		     /* live and zombie children */
struct proc *proc_at(int i);			     /* slot i of the table (0 <= i < NPROC) */
struct proc *proc_find(int pid);		     /* NULL if no such live process */
int proc_count(void);				     /* non-UNUSED slots */

void yield(void); /* give up the CPU, stay runnable */
/* Benchmark peer only (kbenchipc.c): hand the CPU to `to` (asleep in the
 * peer) without the scheduler; ptable_lock held, own state set. */
void proc_switch_to(struct proc *to);
void proc_switched_in(void); /* after a switch back: the previous process is off its CPU */
void sleep_on(void *chan);   /* block until wakeup(chan); IF must be 0 */
void sleep_lock(void *chan,
		struct spinlock *lk); /* atomically release lk and sleep; lk held again on return */
void wakeup(void *chan);	      /* make all sleepers on chan runnable */
void wakeup_locked(void *chan);	      /* same, ptable_lock held */
void wakeup_proc(struct proc *p, void *chan); /* wakeup(chan): p is its only possible sleeper */
void proc_sleep_ns(uint64_t ns);	      /* block at least ns (timer granularity) */

/* Embedded user programs (generated user_blobs.S). */
struct user_prog {
	const char *name;
	const uint8_t *data;
	uint64_t size;
};
extern const struct user_prog user_progs[]; /* terminated by name == NULL */
const struct user_prog *user_prog_find(const char *name);

/* elf.c */
#define ELF_PAGES_MAX 4096 /* pages an ELF image's segments may span (16 MiB) */
int elf_load(uint64_t pml4, const void *image, size_t len, uint64_t *entry,
	     size_t *pages); /* 0 / -errno */

/* usercopy.c - current process only; 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t uaddr, size_t len);
int copy_to_user(uint64_t uaddr, const void *src, size_t len);
long strncpy_from_user(char *dst, uint64_t uaddr, size_t max); /* length or -EFAULT/-EINVAL */
bool user_range_ok(uint64_t uaddr, size_t len, bool write);    /* check only */
long copy_user_raw(void *dst, const void *src, size_t n);      /* entry.S, no checks */


/* trap.c */
void syscall_init(void);		 /* STAR/LSTAR/SFMASK */
void syscall_trap(struct trapframe *tf); /* called by entry.S */

#endif
