/* mmu.h - x86_64's page-table format (4-level, 4 KiB leaves) and its user half. */
#ifndef KERNEL_MMU_H
#define KERNEL_MMU_H

#include <stdint.h>

/* User half: [USER_MIN, USER_TOP). Page 0..USER_MIN stays unmapped to catch NULL. */
#define USER_MIN   0x10000ul
#define USER_TOP   0x0000800000000000ul
#define USTACK_TOP 0x00007ffffff00000ul /* below the top, keeps RCX canonical margin */

typedef uint64_t pte_t;

/* Page-table entry bits. */
#define PTE_P	      (1ul << 0)
#define PTE_W	      (1ul << 1)
#define PTE_U	      (1ul << 2)
#define PTE_PWT	      (1ul << 3)
#define PTE_PCD	      (1ul << 4)
#define PTE_PS	      (1ul << 7)
#define PTE_G	      (1ul << 8)
#define PTE_NX	      (1ul << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ul
#define PTE_NOFREE    (1ul << 9)  /* software bit for VM_NOFREE (mm.h) */
#define PTE_ANON      (1ul << 10) /* software bit for VM_ANON (mm.h) */

#endif
