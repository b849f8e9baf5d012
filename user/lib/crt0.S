/*
 * crt0.S - user entry. The kernel passes (rk_abi.h) argc in rdi, argv in
 * rsi, the first ring's address in rdx, its size in rcx and its handle in
 * r8, and how many SPAWN handles it holds in r9: already where the SysV
 * ABI wants rt_start's six arguments.
 */
        .section .text.start, "ax"
        .globl  _start
_start:
        xorl    %ebp, %ebp              /* end of frame-pointer chain */
        andq    $-16, %rsp              /* SysV: 16-byte aligned at the call */
        call    rt_start                /* attaches the ring, runs main, exits */
        ud2
