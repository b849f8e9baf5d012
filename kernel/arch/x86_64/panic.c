/* panic.c - fatal error reporting and QEMU exit via isa-debug-exit. */
#include "kernel.h"
#include "trap.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_BASE 0x10 /* QEMU exit code = ((BASE + status) << 1) | 1 */

/* Leave QEMU with a status the host runner decodes; hangs on real HW. */
void qemu_exit(int status)
{
	cli();
	outl(DEBUG_EXIT_PORT, DEBUG_EXIT_BASE + (uint32_t)status);
	for (;;)
		hlt();
}

/* Print every register of a trap frame. */
void dump_trapframe(const struct trapframe *tf)
{
	if (tf->vector == (uint64_t)-1) { /* panic() snapshot: callee-saved regs only */
		kprintf("  at rip %016lx rsp %016lx rbp %016lx rflags %lx\n", tf->rip, tf->rsp,
			tf->rbp, tf->rflags);
		kprintf("  rbx %016lx r12 %016lx r13 %016lx\n  r14 %016lx r15 %016lx\n", tf->rbx,
			tf->r12, tf->r13, tf->r14, tf->r15);
		return;
	}
	kprintf("  vector %lu (%s) err %lx  cs %lx ss %lx rflags %lx\n", tf->vector,
		trap_name(tf->vector), tf->error, tf->cs, tf->ss, tf->rflags);
	kprintf("  rip %016lx rsp %016lx rbp %016lx\n", tf->rip, tf->rsp, tf->rbp);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx);
	kprintf("  rsi %016lx rdi %016lx r8  %016lx r9  %016lx\n", tf->rsi, tf->rdi, tf->r8,
		tf->r9);
	kprintf("  r10 %016lx r11 %016lx r12 %016lx r13 %016lx\n", tf->r10, tf->r11, tf->r12,
		tf->r13);
	kprintf("  r14 %016lx r15 %016lx\n", tf->r14, tf->r15);
}

/* Print control registers and a frame-pointer backtrace from rbp. */
static void dump_cpu(uint64_t rbp)
{
	kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
	kprintf("  backtrace:");
	for (int i = 0; i < 16 && rbp >= DIRECT_BASE && (rbp & 7) == 0; i++) {
		uint64_t *frame = (uint64_t *)rbp;
		kprintf(" %lx", frame[1]);
		rbp = frame[0];
	}
	kprintf("\n");
}

static NORETURN void vpanic(struct trapframe *tf, const char *fmt, va_list ap)
{
	cli();
	if (__atomic_exchange_n(&panicking, true, __ATOMIC_SEQ_CST))
		for (;;)
			hlt(); /* another CPU is panicking: let it speak */
	kprintf("\nPANIC: ");
	kvprintf(fmt, ap);
	kprintf("\n");
	if (tf)
		dump_trapframe(tf);
	dump_cpu(tf ? tf->rbp : (uint64_t)__builtin_frame_address(0));
	qemu_exit(2);
}

/* Kernel bug: print message, registers, backtrace; exit QEMU with failure. */
void panic(const char *fmt, ...)
{
	/* Snapshot the registers as of the panic() call (callee-saved ones are the caller's). */
	struct trapframe tf = { 0 };
	__asm__ volatile("movq %%rbx, %0; movq %%rbp, %1; movq %%r12, %2; movq %%r13, %3;"
			 "movq %%r14, %4; movq %%r15, %5; movq %%rsp, %6"
			 : "=m"(tf.rbx), "=m"(tf.rbp), "=m"(tf.r12), "=m"(tf.r13), "=m"(tf.r14),
			   "=m"(tf.r15), "=m"(tf.rsp));
	__asm__ volatile("movw %%cs, %w0; movw %%ss, %w1" : "=r"(tf.cs), "=r"(tf.ss));
	tf.rip = (uint64_t)__builtin_return_address(0);
	tf.rflags = read_rflags();
	tf.vector = (uint64_t)-1;
	va_list ap;
	va_start(ap, fmt);
	vpanic(&tf, fmt, ap);
}

/* Like panic() but with the registers of a trap frame. */
void panic_tf(struct trapframe *tf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic(tf, fmt, ap);
}
