/*
 * lapic.c - local APIC timer (periodic scheduler tick) and TSC clock.
 * Both are calibrated against PIT channel 0 by polling its counter, which
 * needs neither the PIT IRQ nor port 0x61 (absent on -M microvm).
 */
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"
#include "x86.h"

#define LAPIC_ID       0x020
#define LAPIC_EOI      0x0b0
#define LAPIC_SVR      0x0f0
#define LAPIC_LVT_TMR  0x320
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_CUR  0x390
#define LAPIC_TMR_DIV  0x3e0
#define LAPIC_ICR_LO   0x300
#define LAPIC_ICR_HI   0x310
#define ICR_PENDING    (1u << 12)
#define LVT_MASKED     (1u << 16)
#define LVT_PERIODIC   (1u << 17)

#define PIT_HZ		1193182u
#define CALIB_PIT_TICKS (PIT_HZ / 50) /* 20 ms */
#define MAX_HOOKS	8

static volatile uint32_t *lapic;
static uint64_t tsc_freq, tsc_base, ns_mult; /* ns = (tsc - base) * mult >> 32 */
static volatile uint64_t ticks;
static uint32_t tick_count; /* LAPIC timer count per tick, every CPU */
static timer_hook_t hooks[MAX_HOOKS];

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}
static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4];
}

/* Acknowledge the current LAPIC interrupt. */
void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Latch and read PIT channel 0's 16-bit down-counter. */
static uint16_t pit_read(void)
{
	outb(0x43, 0x00);
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	return (uint16_t)(lo | (hi << 8));
}

/* Busy-wait n PIT ticks (n < 2^31), counting down through wraparounds. */
static void pit_wait(uint32_t n)
{
	outb(0x43, 0x34); /* ch0, lo/hi, mode 2 (rate generator) */
	outb(0x40, 0x00); /* reload 0 = 65536 */
	outb(0x40, 0x00);
	uint16_t last = pit_read();
	uint32_t elapsed = 0;
	uint64_t spins = 0;
	while (elapsed < n) {
		uint16_t now = pit_read();
		elapsed += (uint16_t)(last - now);
		last = now;
		if (++spins > 200000000ul)
			panic("timer: PIT channel 0 is not counting");
	}
}

/* This CPU's LAPIC ID. */
uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* Send an interrupt command to dest_apic and wait until it is delivered. */
void lapic_icr(uint32_t dest_apic, uint32_t low)
{
	lapic_write(LAPIC_ICR_HI, dest_apic << 24);
	lapic_write(LAPIC_ICR_LO, low);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		pause();
}

/* Another CPU: software-enable its LAPIC and start the same periodic tick
 * (its ticks only preempt: counting and hooks stay on CPU 0). */
void lapic_init_ap(void)
{
	lapic_write(LAPIC_SVR, 0x100 | T_SPURIOUS);
	lapic_write(LAPIC_TMR_DIV, 0x3);
	lapic_write(LAPIC_LVT_TMR, LVT_PERIODIC | T_TIMER);
	lapic_write(LAPIC_TMR_INIT, tick_count);
}

/* Timer interrupt: count, run hooks, wake sleepers (CPU 0 only: one
 * clock); trap() does preemption on every CPU. */
static void timer_irq(struct trapframe *tf UNUSED)
{
	lapic_eoi();
	if (mycpu()->id != 0)
		return;
	ticks++;
	uint64_t now = clock_ns();
	for (int i = 0; i < MAX_HOOKS && hooks[i]; i++)
		hooks[i](now);
	wakeup((void *)&ticks);
}

/* Calibrate, then start the periodic LAPIC tick on T_TIMER. */
void timer_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* global enable */
	lapic = vm_map_mmio(base & 0xfffff000ul, PAGE_SIZE);
	lapic_write(LAPIC_SVR, 0x100 | T_SPURIOUS); /* software enable */

	lapic_write(LAPIC_TMR_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TMR, LVT_MASKED);
	lapic_write(LAPIC_TMR_INIT, 0xffffffffu);
	uint64_t t0 = rdtsc();
	pit_wait(CALIB_PIT_TICKS);
	uint64_t t1 = rdtsc();
	uint32_t lapic_elapsed = 0xffffffffu - lapic_read(LAPIC_TMR_CUR);
	lapic_write(LAPIC_TMR_INIT, 0);

	tsc_freq = (t1 - t0) * (PIT_HZ / CALIB_PIT_TICKS);
	uint64_t lapic_hz = (uint64_t)lapic_elapsed * (PIT_HZ / CALIB_PIT_TICKS);
	if (tsc_freq == 0 || lapic_hz < HZ)
		panic("timer: calibration failed (tsc %lu Hz, lapic %lu Hz)", tsc_freq, lapic_hz);
	ns_mult = (1000000000ul << 32) / tsc_freq;
	tsc_base = rdtsc();

	irq_register(T_TIMER, timer_irq);
	lapic_write(LAPIC_LVT_TMR, LVT_PERIODIC | T_TIMER);
	tick_count = (uint32_t)(lapic_hz / HZ);
	lapic_write(LAPIC_TMR_INIT, tick_count);
	kprintf("timer: tsc %lu MHz, lapic timer %lu MHz, %d Hz tick\n", tsc_freq / 1000000,
		lapic_hz / 1000000, HZ);
}

/* Monotonic nanoseconds since timer_init; 128-bit multiply avoids overflow. */
uint64_t clock_ns(void)
{
	if (!ns_mult)
		return 0;
	uint64_t d = rdtsc() - tsc_base;
	return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}

uint64_t timer_ticks(void)
{
	return ticks;
}
uint64_t tsc_hz(void)
{
	return tsc_freq;
}
void *timer_chan(void)
{
	return (void *)&ticks;
}

/* Register fn to run on every tick. */
bool timer_add_hook(timer_hook_t fn)
{
	for (int i = 0; i < MAX_HOOKS; i++) {
		if (!hooks[i]) {
			hooks[i] = fn;
			return true;
		}
	}
	return false;
}
