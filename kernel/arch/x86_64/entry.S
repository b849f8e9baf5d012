/*
 * entry.S - every kernel<->user and kernel<->kernel transition written in
 * assembly: interrupt/exception stubs, the `syscall` entry + sysret/iret
 * return, context switch, first-run trampolines, and the fault-tolerant
 * user-copy primitive.  Everything else is C.
 */
#include "asm.h"

.macro PUSH_REGS
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
.endm

.macro POP_REGS
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
.endm

/*
 * 256 stubs, 16 bytes apart (trap.c computes vector_stubs + 16*n).
 * Each makes the frame uniform: (fake) error code, then vector number.
 */
        .altmacro
.macro VEC n
        .balign 16
        .if !((\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30))
        pushq   $0
        .endif
        pushq   $\n
        jmp     alltraps
.endm

        .text
        .balign 16
        .globl  vector_stubs
vector_stubs:
        .set    vecno, 0
        .rept   256
        VEC     %vecno
        .set    vecno, vecno + 1
        .endr

/* Common trap path: swapgs only when we came from user mode (CS.RPL = 3). */
alltraps:
        testb   $3, 24(%rsp)
        jz      1f
        swapgs
1:      PUSH_REGS
        movq    %rsp, %rdi
        cld
        call    trap
        .globl  trapret
trapret:
        POP_REGS
        addq    $16, %rsp               /* vector + error code */
        testb   $3, 8(%rsp)
        jz      2f
        swapgs
2:      iretq

/*
 * `syscall` entry: RCX = user RIP, R11 = user RFLAGS, RSP still the user's.
 * SFMASK already cleared IF/TF/DF/AC.  `enter` (RAX = RK_TRAP_ENTER = 0)
 * takes the light way below; anything else builds a full trapframe on
 * this process's kernel stack (same place an interrupt would) and calls C.
 */
        .globl  syscall_entry
syscall_entry:
        swapgs
        movq    %rsp, %gs:CPU_USER_RSP
        movq    %gs:CPU_KSTACK_TOP, %rsp
        testq   %rax, %rax              /* RK_TRAP_ENTER (rk_abi.h) */
        jz      enter_entry
syscall_full:
        pushq   $SEG_UDATA
        pushq   %gs:CPU_USER_RSP
        pushq   %r11
        pushq   $SEG_UCODE
        pushq   %rcx
        pushq   $0
        pushq   $T_SYSCALL
        PUSH_REGS
        movq    %rsp, %rdi
        call    syscall_trap
        /*
         * sysretq with a non-canonical RCX faults in ring 0 on Intel with
         * the user RSP loaded; only return that way to a lower-half RIP.
         * Anything else takes the iretq path, which faults in user mode.
         */
        movq    TF_RIP(%rsp), %rcx
        shrq    $47, %rcx
        jnz     trapret
        POP_REGS
        movq    16(%rsp), %rcx          /* rip */
        movq    32(%rsp), %r11          /* rflags */
        movq    40(%rsp), %rsp          /* user rsp; IF=0 so nothing can hit this stack */
        swapgs
        sysretq

/*
 * `enter`, the light way: no trapframe. Saved here: the user's RSP, RIP
 * (RCX) and RFLAGS (R11) for sysretq. The callee-saved registers are the
 * C ABI's (rk_enter_trap saves what it uses); the caller-saved ones
 * enter clobbers (rk_abi.h: RDI, RSI, RDX, R8, R9, R10, as a call
 * would) leave zeroed, so no kernel value leaks through them. Nothing
 * reads this process's trapframe while it is in enter: it is not a
 * fault (kill_for_fault), not a fresh process (SPAWN writes its child's),
 * and a sleep in enter comes back here through the same calls. A RIP
 * that sysretq could not return to (non-canonical: `syscall` in the last
 * two bytes of the user half) takes the full way, whose return refuses
 * it (syscall_trap): RCX is at most 2^47 (`syscall` runs below it), so
 * bit 47 alone says so. IF stays off throughout, as on the full way (a
 * sleep comes back with it off).
 */
enter_entry:
        pushq   %gs:CPU_USER_RSP
        pushq   %rcx
        pushq   %r11
        btq     $47, %rcx               /* RCX <= 2^47: bit 47 set only at 2^47 */
        jc      2f
        movq    %r10, %rcx              /* the C ABI's fourth argument */
        pushq   $0                      /* 3 pushes from a 16-aligned top: the C ABI wants */
        call    rk_enter_trap           /* rsp 16-aligned at the call */
        popq    %rdi                    /* the 0 (above C's frame: none of its own) */
        popq    %r11
        popq    %rcx
        xorl    %esi, %esi              /* enter clobbers these (rk_abi.h): */
        xorl    %edx, %edx              /* no kernel value leaves in them (RDI: 0 above) */
        xorl    %r8d, %r8d
        xorl    %r9d, %r9d
        xorl    %r10d, %r10d
        popq    %rsp                    /* the user's; IF=0 so nothing can hit this stack */
        swapgs
        sysretq
2:      popq    %r11
        addq    $16, %rsp               /* back to the stack's top */
        jmp     syscall_full

/* void swtch(struct context **save, struct context *next): callee-saved only. */
        .globl  swtch
swtch:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret

/* First run of a user process: RSP points at its trapframe. */
        .globl  user_trampoline
user_trampoline:
        call    proc_first_run
        jmp     trapret

/* First run of a kernel thread: R12 = fn, R13 = arg; exit with fn's result. */
        .globl  kthread_trampoline
kthread_trampoline:
        call    proc_first_run
        movq    %r13, %rdi
        call    *%r12
        movl    %eax, %edi
        call    proc_exit

/*
 * long copy_user_raw(void *dst, const void *src, size_t n) -> 0 or -EFAULT.
 * A fault on the rep movsb (e.g. page unmapped after the range check)
 * is redirected by ex_fixup() to label 2.
 */
        .globl  copy_user_raw
copy_user_raw:
        movq    %rdx, %rcx
        cmpb    $0, smap_on(%rip)       /* stac/clac are #UD without SMAP */
        je      1f
        stac                            /* SMAP: user pages reachable until clac */
1:      rep movsb
        xorl    %eax, %eax
        jmp     3f
2:      movq    $-14, %rax
3:      cmpb    $0, smap_on(%rip)
        je      4f
        clac
4:      ret
        .section __ex_table, "a"
        .quad   1b, 2b
        .previous

/*
 * long probe_user_read(const void *p) -> the byte at p, or -EFAULT: a
 * plain kernel load (no stac), so with SMAP on a user address faults.
 * Tests use it to show that only copy_user_raw can reach user memory.
 */
        .globl  probe_user_read
probe_user_read:
1:      movzbl  (%rdi), %eax
        ret
2:      movq    $-14, %rax
        ret
        .section __ex_table, "a"
        .quad   1b, 2b
        .previous
