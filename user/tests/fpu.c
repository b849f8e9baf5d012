/*
 * fpu SEED - SSE/x87 state must survive context switches: keep a value in
 * xmm7 and on the x87 stack across enter traps that sleep (a 1 ms TIMEOUT:
 * another process runs meanwhile) and across preemption, while another
 * instance does the same with a different seed.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? (uint64_t)atol(argv[1]) : 1;
	double d = (double)seed * 1.5;
	for (int round = 0; round < 20; round++) {
		uint64_t in = seed * 0x9e3779b97f4a7c15ull + (uint64_t)round, out;
		rc_prep_timeout(rt_sqe(), 1000000, 0, 0);
		rc_submit(&rt_ring); /* parked: the enter below sleeps on it */
		register long r10 __asm__("r10") = RC_ENTER_GETEVENTS;
		long rdi = rt_ring_handle, rsi = 0, rdx = 1, rax = RK_TRAP_ENTER;
		/* enter clobbers rdi, rsi, rdx, r8-r10 too (rk_abi.h) */
		__asm__ volatile("movq %6, %%xmm7\n\t"
				 "syscall\n\t"
				 "movq %%xmm7, %0"
				 : "=r"(out), "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10)
				 : "r"(in)
				 : "rcx", "r11", "r8", "r9", "xmm7", "memory");
		if (out != in) {
			printf("fpu %lu: xmm7 corrupted in round %d\n", (unsigned long)seed, round);
			return 1;
		}
		struct rc_cqe c;
		if (rt_next_cqe(&c) || c.res != -RC_ETIME)
			return 3;
		double e = d * 2.0 + 1.0;
		if ((uint64_t)e != (uint64_t)(seed * 3 + 1))
			return 2;
		for (volatile int spin = 0; spin < 20000; spin++)
			;
	}
	return 0;
}
