/*
 * smp.c - the other CPUs: start them (INIT, STARTUP, one at a time),
 * give each its per-CPU state, GDT/TSS and scheduler stack; IPIs to wake
 * an idle CPU and to shoot down TLBs.
 *
 * QEMU numbers LAPIC IDs 0..N-1; CPU k is started by ID k and counted
 * when it checks in. The first ID that does not answer ends the search.
 */
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"
#include "x86.h"

#define ICR_INIT    0x00000500u
#define ICR_STARTUP 0x00000600u
#define ICR_ASSERT  0x00004000u
#define ICR_LEVEL   0x00008000u
#define ICR_FIXED   0x00000000u

int ncpu = 1;
uint64_t ap_boot_stack;		/* trampoline.S: rsp for the CPU starting */
static volatile int ap_started; /* the CPU starting has checked in */
static int ap_starting;		/* its index in cpus[] */

extern char ap_trampoline[], ap_trampoline_end[];

/* Busy-wait ns on the TSC clock. */
static void delay_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (clock_ns() < end)
		pause();
}

/* T_IPI: a wake-up from hlt needs nothing more; a shootdown needs the flush. */
static void ipi_irq(struct trapframe *tf UNUSED)
{
	lapic_eoi();
	mycpu()->kicks++;
	tlb_service();
}

/* C entry of another CPU (trampoline.S), on its own stack, early tables. */
void ap_entry(void)
{
	struct cpu *c = &cpus[ap_starting];
	aspace_load(c, vm_kernel_pml4());
	cpu_init(c);
	gdt_init(c->id);
	idt_load();
	syscall_init();
	lapic_init_ap();
	c->apic_id = lapic_id();
	__atomic_store_n(&ap_started, 1, __ATOMIC_RELEASE);
	scheduler();
}

/* INIT, then STARTUP twice (the MP spec's dance); true once it checked in. */
static bool start_cpu(int id)
{
	uint64_t stack = pmm_alloc_contig(KSTACK_SIZE / PAGE_SIZE);
	if (!stack)
		return false;
	cpus[id].id = id;
	ap_starting = id;
	ap_boot_stack = (uint64_t)P2V(stack) + KSTACK_SIZE;
	__atomic_store_n(&ap_started, 0, __ATOMIC_RELEASE);
	lapic_icr((uint32_t)id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	delay_ns(10 * 1000000ul);
	for (int i = 0; i < 2 && !ap_started; i++) {
		lapic_icr((uint32_t)id, ICR_STARTUP | (AP_TRAMP >> 12));
		delay_ns(200 * 1000ul);
	}
	for (int i = 0; i < 2000 && !__atomic_load_n(&ap_started, __ATOMIC_ACQUIRE); i++)
		delay_ns(100 * 1000ul); /* TCG: a new CPU may take a while */
	if (ap_started)
		return true;
	pmm_free_contig(stack, KSTACK_SIZE / PAGE_SIZE);
	return false;
}

/* Boot CPU, after timer_init: start every other CPU QEMU gave us. */
void smp_init(void)
{
	cpus[0].apic_id = lapic_id();
	memcpy(P2V(AP_TRAMP), ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
	irq_register(T_IPI, ipi_irq);
	while (ncpu < NCPU && !cmdline_has("nosmp") && start_cpu(ncpu))
		ncpu++;
	kprintf("smp: %d CPU%s\n", ncpu, ncpu > 1 ? "s" : "");
}

/* Interrupt CPU number cpu with T_IPI. */
void ipi_send(int cpu)
{
	push_off();
	lapic_icr(cpus[cpu].apic_id, ICR_FIXED | ICR_ASSERT | T_IPI);
	pop_off();
}

/* Which of cs[0..n) to wake for a process that became runnable
 * (cpu_only: the CPU it must run on, or any if out of range): an idle
 * CPU other than me that may run it, marked kicked (idle cleared) so
 * that the next process made runnable before it woke picks another; -1
 * if none. A pinned process whose CPU is kicked already (for another
 * process, which it may run first) wakes another idle CPU, to take
 * whichever one it leaves. ptable_lock held (idle is stable: a CPU
 * about to hlt sets it under the lock, so an IPI sent after is pending
 * when it hlts; kicked is cleared under it when the CPU scans). */
int kick_pick(struct cpu *cs, int n, const struct cpu *me, int cpu_only)
{
	if (cpu_only >= 0 && cpu_only < n) {
		struct cpu *c = &cs[cpu_only];
		if (c != me && c->idle) {
			c->idle = false;
			c->kicked = true;
			return cpu_only;
		}
		if (c == me || !c->kicked)
			return -1; /* it runs something: it sees the process when it scans */
	}
	for (int i = 0; i < n; i++) {
		if (&cs[i] != me && cs[i].idle) {
			cs[i].idle = false;
			cs[i].kicked = true;
			return i;
		}
	}
	return -1;
}

/* Wake one idle CPU that may run a process just made runnable (ptable_lock
 * held). One is enough: the CPU woken scans for work; waking every idle
 * CPU made each wakeup cost each of them a pass of the scheduler, only
 * one of which finds the process. */
void ipi_kick_one(int cpu_only)
{
	int i = kick_pick(cpus, ncpu, mycpu(), cpu_only);
	if (i >= 0)
		ipi_send(i);
}

/* Flush this CPU's TLB if a shootdown asked for it. */
void tlb_service(void)
{
	struct cpu *c = mycpu();
	if (__atomic_load_n(&c->tlb_flush, __ATOMIC_ACQUIRE)) {
		write_cr3(read_cr3());
		__atomic_store_n(&c->tlb_flush, 0, __ATOMIC_RELEASE);
	}
}

static uint64_t shootdowns[NCPU]; /* completed, by the CPU that asked: each its own */

/* tlb_shootdown's work: every CPU but me flushes. */
static void tlb_flush_others(struct cpu *me)
{
	for (int i = 0; i < ncpu; i++) {
		if (&cpus[i] == me)
			continue;
		__atomic_store_n(&cpus[i].tlb_flush, 1, __ATOMIC_RELEASE);
		ipi_send(i);
	}
	for (int i = 0; i < ncpu; i++) {
		while (&cpus[i] != me && __atomic_load_n(&cpus[i].tlb_flush, __ATOMIC_ACQUIRE)) {
			pause();
			tlb_service(); /* two CPUs shooting at once */
		}
	}
}

/*
 * Page table entries were removed: every other CPU flushes its TLB
 * before a freed frame can be reused. A CPU may answer from the IPI
 * (user mode, hlt) or from a spin loop (acquire, wait_off_cpu): the
 * kernel runs with interrupts off, and the CPU asked may be spinning on a
 * lock we hold. All non-global entries go; global ones are the kernel's.
 */
void tlb_shootdown(void)
{
	struct cpu *me = mycpu();
	if (ncpu > 1)
		tlb_flush_others(me);
	shootdowns[me->id]++;
}

/* Shootdowns this CPU has completed (the kernel tests check that frames
 * are freed after one). */
uint64_t tlb_shootdowns(void)
{
	return shootdowns[mycpu()->id];
}
