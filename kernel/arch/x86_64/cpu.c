/* cpu.c - x86_64's per-CPU registers, FPU state and user frames (kernel/arch.h). */
#include "arch.h"
#include "proc.h"

bool smap_on; /* entry.S: copy_user_raw brackets with stac/clac */

/* GS base -> c: arch_this_cpu() reads c->self through it. */
void arch_cpu_early(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
}

/* GS base for the kernel, FPU/SSE for user code, SMEP and SMAP. */
void arch_cpu_init(struct cpu *c)
{
	arch_cpu_early(c);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* user GS base after swapgs */

	/* The kernel is built -mno-sse; user code may use x87/SSE (saved per process). */
	write_cr0((read_cr0() & ~(1ul << 2 | 1ul << 3)) | (1ul << 1)); /* -EM -TS +MP */
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	uint32_t a, b, cx, d;
	cpuid(7, 0, &a, &b, &cx, &d);
	if (b & (1u << 7))
		cr4 |= CR4_SMEP; /* kernel never executes user pages */
	if (b & (1u << 20)) {
		cr4 |= CR4_SMAP; /* ... nor touches them outside copy_user_raw */
		smap_on = true;
	}
	write_cr4(cr4);
	__asm__ volatile("fninit");
	if (c->id == 0)
		kprintf("cpu: SMEP %s, SMAP %s\n", (cr4 & CR4_SMEP) ? "on" : "off",
			smap_on ? "on" : "off");
}

/* The TSS's rsp0: where the CPU switches stacks on a trap from user mode. */
void arch_kstack_set(int cpu, uint64_t top)
{
	tss_set_rsp0(cpu, top);
}

void arch_fpu_save(void *area)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])area));
}

void arch_fpu_restore(const void *area)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[512])area));
}

/* User mode, interrupts on; arguments in the SysV registers (rk_abi.h names them). */
void arch_user_frame(struct trapframe *tf, uint64_t entry, uint64_t sp, const uint64_t args[5])
{
	memset(tf, 0, sizeof(*tf));
	tf->cs = SEG_UCODE;
	tf->ss = SEG_UDATA;
	tf->rflags = RFLAGS_IF | 0x2;
	tf->rip = entry;
	tf->rsp = sp;
	tf->rdi = args[0];
	tf->rsi = args[1];
	tf->rdx = args[2];
	tf->rcx = args[3];
	tf->r8 = args[4];
}

/* kthread_trampoline (entry.S) finds its function in r12, its argument in r13. */
struct context *arch_context_new(uint64_t top, const char *start, uint64_t a0, uint64_t a1)
{
	struct context *ctx = (struct context *)top - 1;
	memset(ctx, 0, sizeof(*ctx));
	ctx->rip = (uint64_t)start;
	ctx->r12 = a0;
	ctx->r13 = a1;
	return ctx;
}

/* CR0.WP: the kernel honours read-only pages; EFER.NXE: PTE_NX means something. */
const char *arch_mmu_check(void)
{
	if (!(read_cr0() & (1ul << 16)))
		return "CR0.WP off";
	if (!(rdmsr(MSR_EFER) & EFER_NXE))
		return "EFER.NXE off";
	return NULL;
}
