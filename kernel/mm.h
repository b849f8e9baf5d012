/* mm.h - physical frames, page tables, kernel heap. */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include "kernel.h"
#include "mmu.h" /* the architecture's page-table format, user half */

#define PAGE_SIZE  4096ul
#define PAGE_SHIFT 12

#define P2V(pa)	     ((void *)((uint64_t)(pa) + DIRECT_BASE))
#define V2P(va)	     ((uint64_t)(va)-DIRECT_BASE) /* direct-map addresses only */
#define KIMG_V2P(va) ((uint64_t)(va)-KERNEL_BASE) /* kernel image addresses only */

#define USTACK_PAGES 16 /* below USTACK_TOP (mmu.h) */


/* Mapping permissions for vm_map_user (W and X are mutually exclusive). */
#define VM_READ	  0
#define VM_WRITE  1
#define VM_EXEC	  2
#define VM_NOFREE 4 /* frame not owned: vm_destroy leaves it alone */
#define VM_ANON	  8 /* mapped by the MAP syscall: UNMAP may remove it */
/* PTE_NOFREE, PTE_ANON: mmu.h's software bits for VM_NOFREE, VM_ANON */

/* Multiboot memory map entry, copied by main.c before the allocator runs. */
struct mem_region {
	uint64_t base, len;
};

/* pmm.c */
void pmm_init(const struct mem_region *usable, int n); /* build the frame bitmap */
uint64_t pmm_alloc(void);			       /* one zeroed frame (phys addr) or 0 */
uint64_t pmm_alloc_raw(void);			       /* one frame, not zeroed, or 0 */
uint64_t pmm_alloc_contig(size_t n);		       /* n contiguous zeroed frames or 0 */
void pmm_free(uint64_t pa);			       /* free one frame (panics on double free) */
void pmm_free_contig(uint64_t pa, size_t n);
size_t pmm_free_count(void);  /* frames currently free (leak tests) */
size_t pmm_total_count(void); /* frames managed */
uint64_t pmm_max_phys(void);  /* end of highest usable RAM */

/* pmm.c, for the kernel tests only: on the CPU that arms it, make one
 * allocation fail and watch the frees (ktest.c: map_undo_frees_after_shootdown). */
struct pmm_probe {
	uint32_t allocs_ok; /* allocations that succeed before one fails (once) */
	bool failed;	    /* that one has failed */
	/* Called as that one fails, and before each free (either may be NULL). */
	void (*on_fail)(struct pmm_probe *pr);
	void (*on_free)(struct pmm_probe *pr, uint64_t pa, size_t n);
};
void pmm_probe(struct pmm_probe *pr); /* arm on this CPU, interrupts off; NULL disarms */

/* vm.c */
void vm_init(void);		/* build + load the final kernel page tables */
uint64_t vm_kernel_pml4(void);	/* phys addr of the kernel-only PML4 */
uint64_t vm_create(void);	/* new address space sharing the kernel half; 0 on OOM */
void vm_destroy(uint64_t pml4); /* free all user pages + user page tables */
int vm_map_user(uint64_t pml4, uint64_t va, uint64_t pa, int perm); /* 0 / -errno */
uint64_t vm_unmap_user(uint64_t pml4, uint64_t va); /* returns frame (not freed) or 0 */
int vm_alloc_user(uint64_t pml4, uint64_t va, size_t len, int perm);	/* map zeroed frames */
pte_t *vm_walk(uint64_t pml4, uint64_t va, bool create);		/* leaf PTE or NULL */
uint64_t vm_translate(uint64_t pml4, uint64_t va);			/* phys or (uint64_t)-1 */
bool vm_check_user(uint64_t pml4, uint64_t va, size_t len, bool write); /* range usable by user? */
/* Translations of a process's pages cached by usercopy.c are emptied by
 * whoever removes its mappings (uc_forget, kring.h), not here: the
 * removal and the copies are serialised by the process's rk lock. */
void vm_switch(uint64_t pml4);		    /* load CR3 if different */
void *vm_map_mmio(uint64_t pa, size_t len); /* uncached kernel mapping of device memory */
size_t vm_user_pages(uint64_t pml4);	    /* number of mapped user leaf pages */
uint32_t vm_tables_needed(uint64_t pml4, uint64_t va,
			  uint64_t npages); /* page-table frames a mapping would add */

/* kalloc.c */
void *kmalloc(size_t n);	 /* 16-byte aligned, NULL on OOM */
void *kzalloc(size_t n);	 /* kmalloc + zero */
void kfree(void *p);		 /* NULL ok */
size_t kmalloc_small_live(void); /* small-class blocks in use */

#endif
