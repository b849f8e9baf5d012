/*
 * rt_regs - what the trap does to the user's registers (rk_abi.h): every
 * trap clobbers rax (the result), rcx and r11 (`syscall` itself); enter
 * also clobbers its argument and scratch registers rdi, rsi, rdx, r8,
 * r9, r10, and returns them zeroed, so no kernel value leaks through
 * them; every other register comes back as it went in. Checked on
 * enter's light way (entry.S enter_entry) in its common case and its
 * general case (a bad handle, bad flags, a wait), and on the full way
 * (the bare trap), which keeps all but rax, rcx, r11.
 */
#include "ulib.h"

/* The twelve registers regs_trap loads and reads back, in this order. */
enum {
	R_RBX,
	R_RBP,
	R_RDI,
	R_RSI,
	R_RDX,
	R_R8,
	R_R9,
	R_R10,
	R_R12,
	R_R13,
	R_R14,
	R_R15,
	NREGS
};
static const char *const reg_names[NREGS] = { "rbx", "rbp", "rdi", "rsi", "rdx", "r8",
					      "r9",  "r10", "r12", "r13", "r14", "r15" };

/* long regs_trap(uint64_t nr, const uint64_t in[NREGS], uint64_t out[NREGS]):
 * load every register of in[], `syscall` with rax = nr, store them all
 * into out[]; returns rax. The caller's callee-saved registers are kept. */
long regs_trap(uint64_t nr, const uint64_t *in, uint64_t *out);
__asm__(".text\n"
	".globl regs_trap\n"
	"regs_trap:\n"
	"	pushq %rbx\n"
	"	pushq %rbp\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	pushq %rdx\n" /* out */
	"	movq %rdi, %rax\n"
	"	movq %rsi, %r11\n"
	"	movq 0(%r11), %rbx\n"
	"	movq 8(%r11), %rbp\n"
	"	movq 16(%r11), %rdi\n"
	"	movq 24(%r11), %rsi\n"
	"	movq 32(%r11), %rdx\n"
	"	movq 40(%r11), %r8\n"
	"	movq 48(%r11), %r9\n"
	"	movq 56(%r11), %r10\n"
	"	movq 64(%r11), %r12\n"
	"	movq 72(%r11), %r13\n"
	"	movq 80(%r11), %r14\n"
	"	movq 88(%r11), %r15\n"
	"	syscall\n"
	"	movq (%rsp), %r11\n"
	"	movq %rbx, 0(%r11)\n"
	"	movq %rbp, 8(%r11)\n"
	"	movq %rdi, 16(%r11)\n"
	"	movq %rsi, 24(%r11)\n"
	"	movq %rdx, 32(%r11)\n"
	"	movq %r8, 40(%r11)\n"
	"	movq %r9, 48(%r11)\n"
	"	movq %r10, 56(%r11)\n"
	"	movq %r12, 64(%r11)\n"
	"	movq %r13, 72(%r11)\n"
	"	movq %r14, 80(%r11)\n"
	"	movq %r15, 88(%r11)\n"
	"	popq %rdx\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbp\n"
	"	popq %rbx\n"
	"	ret\n");

/* The registers enter returns zeroed. */
static bool enter_clobbers(int i)
{
	return i == R_RDI || i == R_RSI || i == R_RDX || i == R_R8 || i == R_R9 || i == R_R10;
}

/* One trap with enter's arguments (handle, to_submit, min_complete,
 * flags) in rdi, rsi, rdx, r10 and a pattern in every other register:
 * check the result, and that each of the twelve came back unchanged, or
 * zero if the trap is enter and clobbers it. */
static void trap_keeps(const char *what, uint64_t nr, uint64_t handle, uint64_t to_submit,
		       uint64_t min_complete, uint64_t flags, long want)
{
	uint64_t in[NREGS], out[NREGS];

	for (int i = 0; i < NREGS; i++)
		in[i] = UINT64_C(0x5a5a000000000000) | (uint64_t)(i + 1) << 32 | (uint64_t)nr;
	in[R_RDI] = handle;
	in[R_RSI] = to_submit;
	in[R_RDX] = min_complete;
	in[R_R10] = flags;
	long ret = regs_trap(nr, in, out);
	CHECK(ret == want, "%s: returned %ld, want %ld", what, ret, want);
	for (int i = 0; i < NREGS; i++) {
		uint64_t expect = nr == RK_TRAP_ENTER && enter_clobbers(i) ? 0 : in[i];

		CHECK(out[i] == expect, "%s: %s %lx, want %lx (was %lx)", what, reg_names[i],
		      (unsigned long)out[i], (unsigned long)expect, (unsigned long)in[i]);
	}
}

int main(void)
{
	uint32_t h = rt_ring_handle;

	/* The light way's common case: nothing to take, no wait. */
	trap_keeps("enter, nothing published", RK_TRAP_ENTER, h, UINT64_C(0x1234567890), 0, 0, 0);

	/* A NOP published (not through the library: its submit enters),
	 * taken and waited for in the same trap. */
	rc_prep_nop(rt_sqe(), 77);
	rt_ring.sqe_head = rt_ring.sqe_tail;
	__atomic_store_n(&rt_ring.hdr->sq_tail, rt_ring.sqe_tail, __ATOMIC_RELEASE);
	trap_keeps("enter, one NOP and its wait", RK_TRAP_ENTER, h, 1, 1,
		   RC_ENTER_GETEVENTS | RC_ENTER_SQ_WAKEUP, 1);
	struct rc_cqe c;
	CHECK_EQ(rt_next_cqe(&c), 0);
	CHECK_EQ(c.res, 77);

	/* The general way's refusals, and a wait that cannot end. */
	trap_keeps("enter, no such ring", RK_TRAP_ENTER, h + 1, 0, 0, 0, -RC_EBADF);
	trap_keeps("enter, unknown flag", RK_TRAP_ENTER, h, 0, 0, 0x80, -RC_EINVAL);
	trap_keeps("enter, min_complete past the CQ", RK_TRAP_ENTER, h, 0, 100000,
		   RC_ENTER_GETEVENTS, -RC_EINVAL);
	trap_keeps("enter, a handle wider than 32 bits", RK_TRAP_ENTER, h | UINT64_C(1) << 32, 0, 0,
		   0, -RC_EINVAL);
	trap_keeps("enter, waiting with nothing in flight", RK_TRAP_ENTER, h, 0, 1,
		   RC_ENTER_GETEVENTS, -RC_EDEADLK);

	/* The full way: the bare trap. */
	trap_keeps("bare trap", RK_TRAP_BASELINE_NOP, 0, 0, 0, 0, 0);
	return rt_report("rt_regs");
}
