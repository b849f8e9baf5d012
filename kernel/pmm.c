/*
 * pmm.c - physical frame allocator: one bit per 4 KiB frame.
 * A bitmap (rather than a free list) makes contiguous allocations for
 * kernel stacks possible and catches double frees.  Capped at MAX_PHYS.
 */
#include "mm.h"
#include "proc.h"
#include "smp.h"
#include "spinlock.h"

#define MAX_PHYS (4ul << 30) /* 4 GiB supported for now */
#define NFRAMES	 (MAX_PHYS / PAGE_SIZE)

static uint64_t bitmap[NFRAMES / 64]; /* 1 = used/reserved */
static size_t nfree, ntotal, nframes; /* nframes: bitmap extent in use */
static size_t hint;		      /* next-fit start position */
static uint64_t max_phys;
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm"); /* bitmap, counts, hint: a leaf */

extern char __kernel_end[];

static uint64_t alloc_locked(size_t n);
static bool probe_fails(void);
static void probe_free(uint64_t pa, size_t n);
static bool used(size_t f)
{
	return bitmap[f / 64] & (1ul << (f % 64));
}
static void set_used(size_t f)
{
	bitmap[f / 64] |= 1ul << (f % 64);
}
static void set_free(size_t f)
{
	bitmap[f / 64] &= ~(1ul << (f % 64));
}

/* Mark usable RAM free, except low 1 MiB and the kernel image. */
void pmm_init(const struct mem_region *r, int n)
{
	memset(bitmap, 0xff, sizeof(bitmap));
	uint64_t kend = ALIGN_UP(KIMG_V2P(__kernel_end), PAGE_SIZE);
	for (int i = 0; i < n; i++) {
		uint64_t lo = ALIGN_UP(r[i].base, PAGE_SIZE);
		uint64_t hi = ALIGN_DOWN(r[i].base + r[i].len, PAGE_SIZE);
		if (hi > MAX_PHYS)
			hi = MAX_PHYS;
		if (lo < kend)
			lo = kend; /* low memory + kernel: reserved */
		for (uint64_t pa = lo; pa < hi; pa += PAGE_SIZE) {
			if (used(pa / PAGE_SIZE)) { /* tolerate overlapping map entries */
				set_free(pa / PAGE_SIZE);
				nfree++;
			}
		}
		if (hi > max_phys)
			max_phys = hi;
	}
	ntotal = nfree;
	nframes = max_phys / PAGE_SIZE;
	hint = kend / PAGE_SIZE;
}

/* Allocate n contiguous frames (next-fit), zeroed; 0 if none. */
uint64_t pmm_alloc_contig(size_t n)
{
	if (probe_fails())
		return 0;
	acquire(&pmm_lock);
	uint64_t pa = alloc_locked(n);
	release(&pmm_lock);
	if (pa)
		memset(P2V(pa), 0, n * PAGE_SIZE); /* outside the lock: the frames are ours */
	return pa;
}

/* Next-fit search for n free frames; marks them used. */
static uint64_t alloc_locked(size_t n)
{
	if (n == 0 || n > nfree)
		return 0;
	for (size_t pass = 0; pass < 2; pass++) {
		size_t start = pass == 0 ? hint : 0, end = pass == 0 ? nframes : hint + n;
		if (end > nframes)
			end = nframes;
		for (size_t f = start; f + n <= end; f++) {
			size_t k = 0;
			while (k < n && !used(f + k))
				k++;
			if (k == n) {
				for (k = 0; k < n; k++)
					set_used(f + k);
				nfree -= n;
				hint = f + n;
				return f * PAGE_SIZE;
			}
			f += k; /* skip past the used frame we hit */
		}
	}
	return 0;
}

/* One frame, not zeroed (its user initialises what it uses), or 0. */
uint64_t pmm_alloc_raw(void)
{
	if (probe_fails())
		return 0;
	acquire(&pmm_lock);
	uint64_t pa = alloc_locked(1);
	release(&pmm_lock);
	return pa;
}

/* One zeroed frame, or 0 when memory is exhausted. */
uint64_t pmm_alloc(void)
{
	return pmm_alloc_contig(1);
}

/* Return n frames starting at pa; freeing a free frame is a kernel bug. */
void pmm_free_contig(uint64_t pa, size_t n)
{
	assert((pa & (PAGE_SIZE - 1)) == 0);
	probe_free(pa, n);
	acquire(&pmm_lock);
	for (size_t i = 0; i < n; i++) {
		size_t f = pa / PAGE_SIZE + i;
		if (f >= nframes || !used(f))
			panic("pmm_free: bad or double free of frame %lx", f * PAGE_SIZE);
		set_free(f);
		nfree++;
	}
	release(&pmm_lock);
}

void pmm_free(uint64_t pa)
{
	pmm_free_contig(pa, 1);
}

/* Number of free frames right now: leak tests compare before/after. */
size_t pmm_free_count(void)
{
	return nfree;
}
size_t pmm_total_count(void)
{
	return ntotal;
}
uint64_t pmm_max_phys(void)
{
	return max_phys;
}

/* ---- fault injection, for the kernel tests (ktest.c) ---- */

static struct pmm_probe *probes[NCPU]; /* each CPU's own, or NULL */
/* Probes armed on any CPU: the one check when none is. Relaxed: a hint
 * only; a CPU sees its own store to its slot, and no other's matters. */
static uint32_t nprobes;

/* Arm pr on this CPU (NULL disarms it); interrupts stay off meanwhile, so
 * that the probe sees only the calls the test makes. Each CPU reads and
 * writes its own probe only. */
void pmm_probe(struct pmm_probe *pr)
{
	struct pmm_probe **mine = &probes[mycpu()->id];
	if (pr && !*mine)
		__atomic_add_fetch(&nprobes, 1, __ATOMIC_RELAXED);
	if (!pr && *mine)
		__atomic_sub_fetch(&nprobes, 1, __ATOMIC_RELAXED);
	*mine = pr;
}

static struct pmm_probe *my_probe(void)
{
	if (__builtin_expect(!__atomic_load_n(&nprobes, __ATOMIC_RELAXED), 1))
		return NULL;
	return probes[mycpu()->id];
}

/* Is this allocation the one the probe refuses? */
static bool probe_fails(void)
{
	struct pmm_probe *pr = my_probe();
	if (!pr || pr->failed)
		return false;
	if (pr->allocs_ok) {
		pr->allocs_ok--;
		return false;
	}
	pr->failed = true;
	if (pr->on_fail)
		pr->on_fail(pr);
	return true;
}

/* n frames from pa are about to be freed: tell the probe. */
static void probe_free(uint64_t pa, size_t n)
{
	struct pmm_probe *pr = my_probe();
	if (pr && pr->on_free)
		pr->on_free(pr, pa, n);
}
