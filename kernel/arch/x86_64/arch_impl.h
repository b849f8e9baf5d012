/* arch_impl.h - x86_64's inline half of kernel/arch.h. */
#ifndef KERNEL_ARCH_IMPL_H
#define KERNEL_ARCH_IMPL_H

#include "x86.h"

static inline void arch_irq_disable(void)
{
	cli();
}
static inline void arch_irq_enable(void)
{
	sti();
}
static inline bool arch_irq_enabled(void)
{
	return (read_rflags() & RFLAGS_IF) != 0;
}
static inline void arch_cpu_relax(void)
{
	pause();
}
static inline void arch_halt(void)
{
	hlt();
}
static inline void arch_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory"); /* sti's shadow covers hlt */
}
static inline uint64_t arch_cycles(void)
{
	return rdtsc();
}
static inline uint64_t arch_aspace(void)
{
	return read_cr3();
}
static inline void arch_aspace_load(uint64_t root)
{
	write_cr3(root);
}
/* Valid in kernel mode once arch_cpu_early/arch_cpu_init set GS. */
static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

#endif
