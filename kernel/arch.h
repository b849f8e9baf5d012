/*
 * arch.h - what the portable kernel asks of the processor it runs on.
 *
 * The portable kernel (kernel/, not kernel/arch/) includes this, never an architecture's own headers. Each
 * architecture (kernel/arch/ARCH/, on the include path) provides:
 *   arch_impl.h  the static inline functions listed below;
 *   asm.h        KERNEL_BASE, DIRECT_BASE, MMIO_BASE, KSTACK_SIZE, ARCH_ELF_MACHINE;
 *   trap.h       struct trapframe, struct context (swtch), the trap entry points;
 *   mmu.h        pte_t, the PTE_* bits vm_walk's callers test, USER_MIN/USER_TOP;
 * and the functions declared below, in its own .c/.S files.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "kernel.h"

struct cpu;
struct trapframe;

/*
 * Inline, from arch_impl.h:
 *   void arch_irq_disable(void)     interrupts off on this CPU
 *   void arch_irq_enable(void)      interrupts on
 *   bool arch_irq_enabled(void)     are they on?
 *   void arch_cpu_relax(void)       spin-wait hint
 *   void arch_halt(void)            wait for an interrupt, interrupts as they are
 *   void arch_idle(void)            interrupts on, wait for one, off again; a wakeup
 *                                   arriving between "on" and "wait" is not lost
 *   uint64_t arch_cycles(void)      the cycle counter (instructions under QEMU icount)
 *   uint64_t arch_aspace(void)      root of the loaded page tables (physical)
 *   void arch_aspace_load(uint64_t root)  load page tables (flushes this CPU's TLB);
 *                                   through aspace_load (proc.h), which notes the root
 *   struct cpu *arch_this_cpu(void) this CPU's struct cpu, as set by arch_cpu_init
 */
#include "arch_impl.h"

/* Boot CPU, first thing: arch_this_cpu() works from here on (locks need it). */
void arch_cpu_early(struct cpu *c);
/* Per-CPU registers: this CPU's struct, FPU for user code, kernel protections. */
void arch_cpu_init(struct cpu *c);
/* The kernel stack user->kernel traps on this CPU land on. */
void arch_kstack_set(int cpu, uint64_t top);
/* Save / restore a user process's FPU state (struct proc's fpu area). */
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
/* A new process's user registers: enters at entry with stack sp and args[0..4]. */
void arch_user_frame(struct trapframe *tf, uint64_t entry, uint64_t sp, const uint64_t args[5]);
/* A context just below top that swtch() resumes at start (entry.S), with a0, a1 for it. */
struct context *arch_context_new(uint64_t top, const char *start, uint64_t a0, uint64_t a1);
/* NULL when the MMU enforces what the kernel relies on (W^X, write-protect), else what is off. */
const char *arch_mmu_check(void);

#endif
