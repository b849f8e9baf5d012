/*
 * vm.c - 4-level page tables.
 *
 * Kernel half (PML4 slots 256..511) is built once in vm_init() and its
 * PML4 entries are copied into every process PML4, so all lower-level
 * kernel tables are shared.  Invariant: no new kernel PML4 slot may be
 * created after vm_init() (slots used: 256 direct map, 384 MMIO, 511 image).
 * Every mapping is W^X: writable pages get NX.
 */
#include "mm.h"
#include "proc.h"
#include "x86.h"

#define PML4_IDX(va) (((va) >> 39) & 511)
#define PDPT_IDX(va) (((va) >> 30) & 511)
#define PD_IDX(va)   (((va) >> 21) & 511)
#define PT_IDX(va)   (((va) >> 12) & 511)
#define HUGE_2M	     (2ul << 20)

static uint64_t kernel_pml4;
static uint64_t mmio_next = MMIO_BASE;

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];


static pte_t *table(pte_t e)
{
	return P2V(e & PTE_ADDR_MASK);
}
static bool is_user_va(uint64_t va)
{
	return va < USER_TOP;
}

/* Return the entry for va at the given level's table, allocating below if asked. */
static pte_t *next_level(pte_t *tbl, int idx, bool create, bool user)
{
	pte_t *e = &tbl[idx];
	if (!(*e & PTE_P)) {
		if (!create)
			return NULL;
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		/* Intermediate levels are permissive; the leaf decides access. */
		*e = pa | PTE_P | PTE_W | (user ? PTE_U : 0);
	}
	if (*e & PTE_PS)
		return NULL; /* huge page: no 4K leaf here */
	return table(*e);
}

/* Leaf (4 KiB) PTE for va, creating tables if asked; NULL if impossible. */
pte_t *vm_walk(uint64_t pml4, uint64_t va, bool create)
{
	bool user = is_user_va(va);
	pte_t *t = P2V(pml4);
	if (!(t = next_level(t, PML4_IDX(va), create, user)))
		return NULL;
	if (!(t = next_level(t, PDPT_IDX(va), create, user)))
		return NULL;
	if (!(t = next_level(t, PD_IDX(va), create, user)))
		return NULL;
	return &t[PT_IDX(va)];
}

/* Translate va to a physical address (huge pages included); -1 if unmapped. */
uint64_t vm_translate(uint64_t pml4, uint64_t va)
{
	pte_t e = ((pte_t *)P2V(pml4))[PML4_IDX(va)];
	if (!(e & PTE_P))
		return (uint64_t)-1;
	e = table(e)[PDPT_IDX(va)];
	if (!(e & PTE_P))
		return (uint64_t)-1;
	if (e & PTE_PS)
		return (e & PTE_ADDR_MASK & ~((1ul << 30) - 1)) + (va & ((1ul << 30) - 1));
	e = table(e)[PD_IDX(va)];
	if (!(e & PTE_P))
		return (uint64_t)-1;
	if (e & PTE_PS)
		return (e & PTE_ADDR_MASK & ~(HUGE_2M - 1)) + (va & (HUGE_2M - 1));
	e = table(e)[PT_IDX(va)];
	if (!(e & PTE_P))
		return (uint64_t)-1;
	return (e & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
}

/* Map one kernel 4K page during vm_init (panics: boot can't continue without it). */
static void kmap4k(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *pte = vm_walk(kernel_pml4, va, true);
	if (!pte)
		panic("vm_init: out of memory mapping %lx", va);
	*pte = pa | flags | PTE_P | PTE_G;
}

/* Map the kernel image [start,end) with the given flags. */
static void kmap_image(char *start, char *end, uint64_t flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		kmap4k(va, KIMG_V2P(va), flags);
}

/* Ensure the PML4 slot for va exists so it is shared by every process. */
static void kslot(uint64_t va)
{
	pte_t *pml4 = P2V(kernel_pml4);
	if (!(pml4[PML4_IDX(va)] & PTE_P)) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			panic("vm_init: out of memory");
		pml4[PML4_IDX(va)] = pa | PTE_P | PTE_W;
	}
}

/* Build the final kernel address space and switch to it. */
void vm_init(void)
{
	kernel_pml4 = pmm_alloc();
	if (!kernel_pml4)
		panic("vm_init: no memory for PML4");
	kslot(DIRECT_BASE);
	kslot(MMIO_BASE);
	kslot(KERNEL_BASE);

	/* Direct map of all RAM with 2 MiB pages: data only, never executable. */
	uint64_t top = ALIGN_UP(pmm_max_phys(), HUGE_2M);
	for (uint64_t pa = 0; pa < top; pa += HUGE_2M) {
		uint64_t va = DIRECT_BASE + pa;
		pte_t *pdpt = table(((pte_t *)P2V(kernel_pml4))[PML4_IDX(va)]);
		pte_t *pd = next_level(pdpt, PDPT_IDX(va), true, false);
		if (!pd)
			panic("vm_init: out of memory for direct map");
		pd[PD_IDX(va)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	}

	kmap_image(__text_start, __text_end, 0);	      /* R+X */
	kmap_image(__rodata_start, __rodata_end, PTE_NX);     /* R */
	kmap_image(__data_start, __data_end, PTE_W | PTE_NX); /* RW */
	aspace_load(mycpu(), kernel_pml4);
}

uint64_t vm_kernel_pml4(void)
{
	return kernel_pml4;
}

/* Fresh PML4: empty user half, kernel half copied (shared tables). */
uint64_t vm_create(void)
{
	uint64_t pa = pmm_alloc();
	if (!pa)
		return 0;
	pte_t *n = P2V(pa), *k = P2V(kernel_pml4);
	for (int i = 256; i < 512; i++)
		n[i] = k[i];
	return pa;
}

/* Free a page-table level and, at the leaf level, the owned frames. */
static void free_level(pte_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		pte_t e = t[i];
		if (!(e & PTE_P))
			continue;
		if (level == 1) {
			if (!(e & PTE_NOFREE))
				pmm_free(e & PTE_ADDR_MASK);
		} else {
			free_level(table(e), level - 1);
			pmm_free(e & PTE_ADDR_MASK);
		}
		t[i] = 0;
	}
}

/* Destroy an address space: every user frame and user table, then the
 * PML4. If this CPU has them loaded it goes to the kernel's first; no
 * other CPU may have them loaded (it would walk freed frames on a TLB miss, and set
 * accessed bits in them): a CPU leaves a process's tables as it stops
 * running it (proc.c run, proc_switch_to). */
void vm_destroy(uint64_t pml4)
{
	assert(pml4 != kernel_pml4);
	struct cpu *c = mycpu();
	if (c->aspace == pml4)
		aspace_load(c, kernel_pml4); /* never free the tables we run on */
	int cpu = aspace_cpu(pml4);
	if (cpu >= 0)
		panic("vm_destroy: page tables %lx still loaded on CPU %d", pml4, cpu);
	pte_t *t = P2V(pml4);
	for (int i = 0; i < 256; i++) {
		if (t[i] & PTE_P) {
			free_level(table(t[i]), 3);
			pmm_free(t[i] & PTE_ADDR_MASK);
		}
	}
	pmm_free(pml4);
}

/* Map user page va -> pa with perm (VM_WRITE xor VM_EXEC); -EINVAL if bad or mapped. */
int vm_map_user(uint64_t pml4, uint64_t va, uint64_t pa, int perm)
{
	if ((va | pa) & (PAGE_SIZE - 1) || va < USER_MIN || va >= USER_TOP)
		return -RC_EINVAL;
	if ((perm & VM_WRITE) && (perm & VM_EXEC))
		return -RC_EINVAL; /* W^X */
	pte_t *pte = vm_walk(pml4, va, true);
	if (!pte)
		return -RC_ENOMEM;
	if (*pte & PTE_P)
		return -RC_EINVAL;
	*pte = pa | PTE_P | PTE_U | ((perm & VM_WRITE) ? PTE_W : 0) |
	       ((perm & VM_EXEC) ? 0 : PTE_NX) | ((perm & VM_NOFREE) ? PTE_NOFREE : 0) |
	       ((perm & VM_ANON) ? PTE_ANON : 0);
	return 0;
}

/* Is the table at depth (1: PDPT, 2: PD, 3: PT) covering va present? */
static bool table_present(uint64_t pml4, uint64_t va, int depth)
{
	const int idx[3] = { PML4_IDX(va), PDPT_IDX(va), PD_IDX(va) };
	pte_t *t = P2V(pml4);
	for (int i = 0; i < depth; i++) {
		if (!(t[idx[i]] & PTE_P))
			return false;
		t = table(t[idx[i]]);
	}
	return true;
}

/* Page-table frames that mapping npages pages from va would allocate (a
 * PDPT per 512 GiB, a PD per 1 GiB, a PT per 2 MiB not yet present), so
 * that they can be charged to the process first. */
uint32_t vm_tables_needed(uint64_t pml4, uint64_t va, uint64_t npages)
{
	uint64_t end = va + npages * PAGE_SIZE;
	uint32_t n = 0;
	for (int depth = 1; depth <= 3; depth++) {
		uint64_t span = 1ul << (48 - 9 * depth);
		for (uint64_t a = ALIGN_DOWN(va, span); a < end; a += span)
			n += !table_present(pml4, a, depth);
	}
	return n;
}

/* Remove the mapping of va; returns its frame (caller frees) or 0. */
uint64_t vm_unmap_user(uint64_t pml4, uint64_t va)
{
	if (va < USER_MIN || va >= USER_TOP)
		return 0;
	pte_t *pte = vm_walk(pml4, va, false);
	if (!pte || !(*pte & PTE_P))
		return 0;
	uint64_t pa = *pte & PTE_ADDR_MASK;
	*pte = 0;
	if (read_cr3() == pml4)
		invlpg(va); /* this CPU's TLB; the caller shoots down the others' before
			     * freeing the frame (ksys.c unmap_and_free, kring.c kring_unmap) */
	return pa;
}

/* Map zeroed frames over [va, va+len); on failure the caller destroys the space. */
int vm_alloc_user(uint64_t pml4, uint64_t va, size_t len, int perm)
{
	for (uint64_t a = ALIGN_DOWN(va, PAGE_SIZE); a < va + len; a += PAGE_SIZE) {
		uint64_t pa = pmm_alloc();
		if (!pa)
			return -RC_ENOMEM;
		int r = vm_map_user(pml4, a, pa, perm);
		if (r < 0) {
			pmm_free(pa);
			return r;
		}
	}
	return 0;
}

/*
 * Is [va, va+len) entirely user memory accessible to the user, and
 * writable if write?  Rejects overflow and anything reaching the kernel half.
 */
bool vm_check_user(uint64_t pml4, uint64_t va, size_t len, bool write)
{
	if (len == 0)
		return va <= USER_TOP;
	if (va + len < va || va + len > USER_TOP)
		return false;
	for (uint64_t a = ALIGN_DOWN(va, PAGE_SIZE); a < va + len; a += PAGE_SIZE) {
		pte_t *pte = vm_walk(pml4, a, false);
		if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
			return false;
		if (write && !(*pte & PTE_W))
			return false;
	}
	return true;
}

/* Load pml4's tables on this CPU unless they are loaded (avoids a
 * needless TLB flush). */
void vm_switch(uint64_t pml4)
{
	struct cpu *c = mycpu();
	if (c->aspace != pml4)
		aspace_load(c, pml4);
}

/* Uncached, non-executable kernel mapping of device registers. */
void *vm_map_mmio(uint64_t pa, size_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1), va = mmio_next;
	pa -= off;
	len = ALIGN_UP(len + off, PAGE_SIZE);
	for (size_t i = 0; i < len; i += PAGE_SIZE) {
		pte_t *pte = vm_walk(kernel_pml4, va + i, true);
		if (!pte)
			panic("vm_map_mmio: out of memory");
		*pte = (pa + i) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G;
		invlpg(va + i);
	}
	mmio_next += len + PAGE_SIZE; /* unmapped guard page between devices */
	return (void *)(va + off);
}

/* Count mapped user leaf pages (tests use it to check loader accounting). */
size_t vm_user_pages(uint64_t pml4)
{
	size_t n = 0;
	pte_t *l4 = P2V(pml4);
	for (int i = 0; i < 256; i++) {
		if (!(l4[i] & PTE_P))
			continue;
		pte_t *l3 = table(l4[i]);
		for (int j = 0; j < 512; j++) {
			if (!(l3[j] & PTE_P))
				continue;
			pte_t *l2 = table(l3[j]);
			for (int k = 0; k < 512; k++) {
				if (!(l2[k] & PTE_P))
					continue;
				pte_t *l1 = table(l2[k]);
				for (int m = 0; m < 512; m++)
					n += (l1[m] & PTE_P) != 0;
			}
		}
	}
	return n;
}
