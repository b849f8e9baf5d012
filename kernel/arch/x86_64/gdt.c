/* gdt.c - segments for long mode: kernel/user code+data and the TSS, one
 * GDT and TSS per CPU (a TSS descriptor is marked busy by ltr, so CPUs
 * cannot share one; each also needs its own rsp0 and #DF stack). */
#include "smp.h"
#include "trap.h"
#include "x86.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* Order fixed by syscall/sysret (see asm.h): null, kcode, kdata, udata, ucode, tss. */
static const uint64_t gdt_template[7] = {
	0,
	0x00209a0000000000, /* 0x08 kernel code: L, P, DPL0, exec/read */
	0x0000920000000000, /* 0x10 kernel data */
	0x0000f20000000000, /* 0x18 user data, DPL3 */
	0x0020fa0000000000, /* 0x20 user code: L, DPL3 */
	0,
	0 /* 0x28 TSS (16-byte descriptor) */
};

static uint64_t gdts[NCPU][7] __attribute__((aligned(16)));
static struct tss tsss[NCPU];
static uint8_t df_stacks[NCPU][4096]
	__attribute__((aligned(16))); /* IST1: #DF after stack overflow */

/* Load CPU id's GDT, reload segment registers and the task register. */
void gdt_init(int id)
{
	uint64_t *gdt = gdts[id];
	struct tss *tss = &tsss[id];
	uint64_t gs_base = rdmsr(MSR_GS_BASE); /* loading %gs below clears it */
	memcpy(gdt, gdt_template, sizeof(gdt_template));
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	tss->iomap_base = sizeof(*tss); /* no I/O bitmap: user port I/O faults */
	tss->ist[0] = (uint64_t)df_stacks[id] + sizeof(df_stacks[id]);
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdts[id]) - 1, (uint64_t)gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t" /* far return reloads CS */
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "ltr %w3\n\t" ::"m"(gdtr),
			 "i"(SEG_KCODE), "r"(SEG_KDATA), "r"(SEG_TSS)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, gs_base);
}

/* Kernel stack CPU id switches to on an interrupt from user mode. */
void tss_set_rsp0(int id, uint64_t rsp0)
{
	tsss[id].rsp0 = rsp0;
}
