/* trap.h - trap frame layout, IDT/GDT setup and exception fixups. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "kernel.h"

/* Saved user/kernel state; layout must match entry.S and asm.h TF_*. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(__builtin_offsetof(struct trapframe, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(__builtin_offsetof(struct trapframe, rip) == TF_RIP, "TF_RIP");
_Static_assert(__builtin_offsetof(struct trapframe, rflags) == TF_RFLAGS, "TF_RFLAGS");
_Static_assert(__builtin_offsetof(struct trapframe, rsp) == TF_RSP, "TF_RSP");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");

#define T_DE	   0
#define T_DB	   1
#define T_NMI	   2
#define T_BP	   3
#define T_UD	   6
#define T_NM	   7
#define T_DF	   8
#define T_TS	   10
#define T_NP	   11
#define T_SS	   12
#define T_GP	   13
#define T_PF	   14
#define T_MF	   16
#define T_AC	   17
#define T_XM	   19
#define T_IRQ0	   32 /* legacy PIC remapped here (then masked) */
#define T_TIMER	   48 /* LAPIC timer */
#define T_SPURIOUS 255

static inline bool tf_from_user(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

/* Callee-saved registers saved by swtch(); rip is swtch's return address. */
struct context {
	uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

/* gdt.c */
void gdt_init(int cpu);			   /* load this CPU's GDT + TSS */
void tss_set_rsp0(int cpu, uint64_t rsp0); /* kernel stack used on user->kernel traps */

/* trap.c */
void idt_init(void);			/* install exception/IRQ gates, load them */
void idt_load(void);			/* load the IDT on another CPU */
void trap(struct trapframe *tf);	/* C entry from entry.S alltraps */
const char *trap_name(uint64_t vector); /* "#PF" etc. */
typedef void (*irq_handler_t)(struct trapframe *tf);
void irq_register(int vector, irq_handler_t fn); /* handler runs with IF=0 */

/* Exception fixup: a fault at `insn` in kernel mode resumes at `fixup`. */
struct ex_entry {
	uint64_t insn, fixup;
};
bool ex_fixup(struct trapframe *tf); /* apply a fixup if one matches tf->rip */

/* entry.S */
extern char trapret[];
void syscall_entry(void);

#endif
