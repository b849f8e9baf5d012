/* asm.h - constants shared by C and assembly (no C syntax below the guard). */
#ifndef KERNEL_ASM_H
#define KERNEL_ASM_H

#define KERNEL_BASE	 0xffffffff80000000 /* kernel image virtual base */
#define DIRECT_BASE	 0xffff800000000000 /* all RAM mapped here (NX) */
#define MMIO_BASE	 0xffffc00000000000 /* device mappings (uncached) */
#define KSTACK_SIZE	 16384		    /* per-process kernel stack */
#define ARCH_ELF_MACHINE 62		    /* EM_X86_64: the user programs elf.c loads */

/* GDT selectors; order fixed by STAR: kdata = kcode+8, ucode = udata+8. */
#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UDATA 0x1b /* 0x18 | RPL3 */
#define SEG_UCODE 0x23 /* 0x20 | RPL3 */
#define SEG_TSS	  0x28

/* Offsets into struct cpu (checked by _Static_assert in proc.c). */
#define CPU_SELF       0
#define CPU_KSTACK_TOP 8
#define CPU_USER_RSP   16

/* Trapframe layout offsets used by the syscall return path. */
#define TF_VECTOR 120
#define TF_RIP	  136
#define TF_CS	  144
#define TF_RFLAGS 152
#define TF_RSP	  160
#define TF_SIZE	  176

#define T_SYSCALL 0x100 /* pseudo-vector for `syscall` */

#endif
