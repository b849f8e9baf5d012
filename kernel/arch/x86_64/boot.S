/*
 * boot.S - Multiboot v1 entry: 32-bit protected mode -> 64-bit long mode.
 *
 * QEMU's multiboot loader enters _start in 32-bit protected mode with
 * paging off, EAX = multiboot magic, EBX = physical address of the info
 * block.  We build just enough page tables to reach the higher half
 * (identity 0-1G, direct map 0xffff800000000000+0-1G, kernel image at
 * 0xffffffff80000000+0-1G, all via one shared 2 MiB-page directory),
 * enable PAE + LME + NXE + paging, and jump to kmain() in the higher half.
 * kmain() then replaces these tables with the final fine-grained ones.
 */
#include "asm.h"

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00000003          /* page-align modules, want memory map */

        .section .boot.header, "a"
        .balign 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .section .boot.text, "ax"
        .code32
        .globl _start
_start:
        cli
        mov     %eax, %edi              /* keep magic + info for kmain(edi, esi) */
        mov     %ebx, %esi
        mov     $boot_stack32_top, %esp

        /* Need long mode (bit 29) and NX (bit 20) in CPUID 0x80000001:EDX. */
        mov     $0x80000001, %eax
        cpuid
        mov     %edx, %ebx
        and     $((1 << 29) | (1 << 20)), %ebx
        cmp     $((1 << 29) | (1 << 20)), %ebx
        jne     no_long_mode

        mov     $early_pml4, %eax
        mov     %eax, %cr3
        mov     %cr4, %eax
        or      $((1 << 5) | (1 << 7)), %eax    /* PAE | PGE */
        mov     %eax, %cr4
        mov     $0xC0000080, %ecx               /* EFER */
        rdmsr
        or      $((1 << 8) | (1 << 11)), %eax   /* LME | NXE */
        wrmsr
        mov     %cr0, %eax
        or      $0x80010001, %eax               /* PG | WP | PE */
        mov     %eax, %cr0

        lgdt    early_gdtr
        ljmp    $0x08, $long_entry

no_long_mode:                           /* say "NOLM" on COM1 and stop */
        mov     $0x3f8, %dx
        mov     $'N', %al
        outb    %al, %dx
        mov     $'O', %al
        outb    %al, %dx
        mov     $'L', %al
        outb    %al, %dx
        mov     $'M', %al
        outb    %al, %dx
1:      hlt
        jmp     1b

        .code64
long_entry:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        xor     %ax, %ax
        mov     %ax, %fs
        mov     %ax, %gs
        movabs  $boot_stack_top, %rsp
        movabs  $high_entry, %rax
        jmp     *%rax

        .section .boot.data, "aw"
        .balign 8
early_gdt:
        .quad   0
        .quad   0x00209a0000000000      /* 0x08: 64-bit ring-0 code */
        .quad   0x0000920000000000      /* 0x10: ring-0 data */
early_gdt_end:
early_gdtr:
        .word   early_gdt_end - early_gdt - 1
        .long   early_gdt

        .balign 4096
        .globl  early_pml4
early_pml4:
        .quad   early_pdpt + 3                  /* [0]   identity */
        .fill   255, 8, 0
        .quad   early_pdpt + 3                  /* [256] direct map */
        .fill   254, 8, 0
        .quad   early_pdpt_hi + 3               /* [511] kernel image */
early_pdpt:
        .quad   early_pd + 3
        .fill   511, 8, 0
early_pdpt_hi:
        .fill   510, 8, 0
        .quad   early_pd + 3                    /* 0xffffffff80000000 */
        .quad   0
early_pd:
        .set    i, 0
        .rept   512
        .quad   (i << 21) | 0x83                /* present, writable, 2 MiB */
        .set    i, i + 1
        .endr
        .fill   64, 8, 0
boot_stack32_top:

        /* Higher-half part: runs on the high boot stack, never returns. */
        .text
        .code64
high_entry:
        xor     %ebp, %ebp
        call    kmain
1:      cli
        hlt
        jmp     1b

        .bss
        .balign 16
        .globl  boot_stack, boot_stack_top
boot_stack:
        .space  KSTACK_SIZE
boot_stack_top:
