/*
 * trap.c - IDT, exception policy, IRQ dispatch, syscall entry setup.
 *
 * Policy: an exception in user mode kills only that process; in kernel
 * mode it is a bug and panics, unless the faulting instruction has an
 * __ex_table entry (user-copy routines), which turns it into -EFAULT.
 */
#include "kring.h"
#include "proc.h"
#include "x86.h"

#define USER_TOP_CANON 0x0000800000000000ul /* first non-canonical address */

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_gate idt[256];
static irq_handler_t irq_handlers[256];
extern char vector_stubs[];
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE",  "#CP",
};

/* Short mnemonic for a vector, for kill/panic messages. */
const char *trap_name(uint64_t v)
{
	if (v == (uint64_t)-1)
		return "panic";
	if (v < 32)
		return exc_names[v] ? exc_names[v] : "#RES";
	if (v == T_SYSCALL)
		return "syscall";
	return "irq";
}

/* Interrupt gate (IF cleared on entry), DPL0 so user `int n` raises #GP. */
static void set_gate(int v, uint64_t handler, int ist)
{
	idt[v] = (struct idt_gate){
		.off_lo = handler & 0xffff,
		.sel = SEG_KCODE,
		.ist = (uint8_t)ist,
		.type = 0x8e,
		.off_mid = (handler >> 16) & 0xffff,
		.off_hi = handler >> 32,
	};
}

/* Mask and remap the legacy 8259 PICs so stray IRQs can't alias exceptions. */
static void pic_disable(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, T_IRQ0);
	outb(0xa1, T_IRQ0 + 8);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* Install all 256 gates and load the IDT. */
void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, (uint64_t)vector_stubs + 16 * v, v == T_DF ? 1 : 0);
	idt_load();
	pic_disable();
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* Route a vector to fn (replaces any previous handler). */
void irq_register(int vector, irq_handler_t fn)
{
	irq_handlers[vector] = fn;
}

/* If the faulting kernel RIP has a fixup entry, resume there. */
bool ex_fixup(struct trapframe *tf)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			return true;
		}
	}
	return false;
}

/* Kill the current process for a user-mode exception, naming the cause. */
static NORETURN void kill_for_fault(struct trapframe *tf)
{
	struct proc *p = myproc();
	p->stats.fault_addr = tf->vector == T_PF ? read_cr2() : 0;
	p->stats.fault_err = tf->error;
	kprintf("proc %d (%s): killed by %s (vector %lu) err=%lx addr=%lx rip=%lx\n", p->pid,
		p->name, trap_name(tf->vector), tf->vector, tf->error,
		tf->vector == T_PF ? read_cr2() : 0, tf->rip);
	proc_exit(PROC_KILLED | (int)tf->vector);
}

/* C side of every interrupt and exception (IF=0 throughout). */
void trap(struct trapframe *tf)
{
	bool user = tf_from_user(tf);
	struct proc *p = myproc();
	if (user) {
		if (tf->vector < 32)
			p->stats.user_faults++;
		else
			p->stats.user_irqs++;
	}

	if (tf->vector < 32) {
		if (user)
			kill_for_fault(tf);
		if ((tf->vector == T_PF || tf->vector == T_GP) && ex_fixup(tf))
			return;
		panic_tf(tf, "kernel %s (vector %lu) at rip %lx, cr2 %lx, proc %d",
			 trap_name(tf->vector), tf->vector, tf->rip, read_cr2(), p ? p->pid : -1);
	}

	if (irq_handlers[tf->vector])
		irq_handlers[tf->vector](tf);
	else if (tf->vector != T_SPURIOUS)
		kprintf("trap: unexpected vector %lu\n", tf->vector);

	if (user) {
		if (tf->vector == T_TIMER)
			yield(); /* preemption: round-robin on every tick */
		if (p->killed)	 /* after the yield too: others may have asked meanwhile */
			proc_exit(p->exit_status);
	}
}

/* Program the `syscall` MSRs; selectors follow the GDT layout in asm.h. */
void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* STAR[47:32]: kernel CS (SS = +8); STAR[63:48]+16/+8: user CS/SS for sysret. */
	wrmsr(MSR_STAR, ((uint64_t)(SEG_UDATA - 8 - 3) << 48) | ((uint64_t)SEG_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
}

/* C side of `syscall` the full way (every trap but `enter`, which
 * entry.S sends to rk_enter_trap, unless its return RIP is refused below):
 * count it, run it, then honour exits. */
void syscall_trap(struct trapframe *tf)
{
	struct proc *p = mycpu()->proc; /* myproc, inline */
	p->stats.syscalls++;
	tf->rax = (uint64_t)rk_syscall(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10);
	if (p->killed)
		proc_exit(p->exit_status);
	/*
     * `syscall` at the very top of the user half leaves RCX non-canonical;
     * sysret would fault in ring 0 and iret too (before the privilege
     * change), so treat it as the user #GP it would have been.
     */
	if (tf->rip >= USER_TOP_CANON) {
		tf->vector = T_GP;
		tf->error = 0;
		kill_for_fault(tf);
	}
}
