/*
 * trampoline.S - where the other CPUs start. smp.c copies this code to
 * physical AP_TRAMP (below 1 MiB: a startup IPI names a real-mode page)
 * and sends INIT + STARTUP to one CPU at a time. The CPU goes from real
 * mode straight to long mode on boot.S's early page tables (they map
 * this page one-to-one and the kernel image high), then jumps to ap_entry
 * in the kernel image on the stack smp.c left in ap_boot_stack.
 */
#include "asm.h"

#define AP_TRAMP 0x8000
#define T(x) (AP_TRAMP + ((x) - ap_trampoline))

        .section .rodata
        .code16
        .globl  ap_trampoline, ap_trampoline_end
ap_trampoline:
        cli
        cld
        xorw    %ax, %ax
        movw    %ax, %ds
        lgdtl   T(ap_gdtr)
        movl    %cr4, %eax
        orl     $((1 << 5) | (1 << 7)), %eax    /* PAE | PGE */
        movl    %eax, %cr4
        movl    $early_pml4, %eax
        movl    %eax, %cr3
        movl    $0xC0000080, %ecx               /* EFER */
        rdmsr
        orl     $((1 << 8) | (1 << 11)), %eax   /* LME | NXE */
        wrmsr
        movl    %cr0, %eax
        orl     $0x80010001, %eax               /* PG | WP | PE */
        movl    %eax, %cr0
        ljmpl   $0x08, $T(ap_long)

        .code64
ap_long:
        movw    $0x10, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        xorw    %ax, %ax
        movw    %ax, %fs
        movw    %ax, %gs
        movabsq $ap_boot_stack, %rax
        movq    (%rax), %rsp
        xorl    %ebp, %ebp
        movabsq $ap_entry, %rax
        jmpq    *%rax

        .balign 8
ap_gdt:
        .quad   0
        .quad   0x00209a0000000000      /* 0x08: 64-bit ring-0 code */
        .quad   0x0000920000000000      /* 0x10: ring-0 data */
ap_gdtr:
        .word   ap_gdtr - ap_gdt - 1
        .long   T(ap_gdt)
ap_trampoline_end:
        .section .note.GNU-stack, "", @progbits
