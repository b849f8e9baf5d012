/*
 * main.c - kmain: parse multiboot info, bring up subsystems in dependency
 * order, start the first kernel thread (demo or tests) and the scheduler.
 */
#include "arch.h"
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002
#define MB_INFO_CMDLINE	    (1u << 2)
#define MB_INFO_MMAP	    (1u << 6)
#define MAX_REGIONS	    32

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

char kcmdline[256];
static struct mem_region regions[MAX_REGIONS];
static int nregions;

int ktest_main(void *arg); /* ktest.c */
int demo_main(void *arg);  /* demo.c */
int bench_main(void *arg); /* demo.c */

/*
 * Copy what we need out of the multiboot info before the frame allocator
 * exists: QEMU puts the info block right after the kernel image, in
 * memory we are about to hand out.  Early tables map phys 0-1G at P2V.
 */
static void parse_multiboot(uint32_t magic, uint32_t info_pa)
{
	if (magic != MB_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot loader (magic %x)", magic);
	const struct mb_info *mb = P2V(info_pa);
	if (mb->flags & MB_INFO_CMDLINE)
		strlcpy(kcmdline, P2V(mb->cmdline), sizeof(kcmdline));
	if (!(mb->flags & MB_INFO_MMAP))
		panic("multiboot: no memory map");
	for (uint32_t off = 0; off < mb->mmap_length;) {
		const struct mb_mmap *e = P2V((uint64_t)mb->mmap_addr + off);
		if (e->type == 1 && nregions < MAX_REGIONS)
			regions[nregions++] = (struct mem_region){ e->base, e->len };
		off += e->size + 4;
	}
}

/* True if word is one of the space-separated tokens of the command line. */
bool cmdline_has(const char *word)
{
	size_t n = strlen(word);
	for (const char *s = kcmdline; *s;) {
		while (*s == ' ')
			s++;
		const char *t = s;
		while (*t && *t != ' ')
			t++;
		if ((size_t)(t - s) == n && strncmp(s, word, n) == 0)
			return true;
		s = t;
	}
	return false;
}

/* C entry from boot.S (higher half, early page tables, IF=0). */
void kmain(uint32_t magic, uint32_t info_pa)
{
	cpu_early_init(); /* GS: locks, even kprintf's, use mycpu() */
	serial_init();
	kprintf("\nringcall kernel booting\n");
	parse_multiboot(magic, info_pa);
	kprintf("cmdline: '%s'\n", kcmdline);

	gdt_init(0); /* before anything reloads segments */
	idt_init();
	cpu_init(&cpus[0]);
	pmm_init(regions, nregions);
	vm_init();
	kprintf("memory: %lu MiB usable, %lu frames free\n", pmm_total_count() * PAGE_SIZE >> 20,
		pmm_free_count());
	timer_init();
	syscall_init();
	smp_init(); /* the other CPUs, into their schedulers */
	rk_init();  /* ringcall: TIMEOUT deadlines and console input on the tick */

	bool test = cmdline_has("test"), bench = cmdline_has("bench");
	if (kthread_create(test	   ? "ktest"
			   : bench ? "bench"
				   : "demo",
			   test	   ? ktest_main
			   : bench ? bench_main
				   : demo_main,
			   NULL) < 0)
		panic("cannot create first thread");
	scheduler();
}
