/*
 * traps N [B] - N NOPs through the ring, B per enter (default 1), then
 * exit: the kernel checks it counted exactly ceil(N / B) + 1 traps and
 * N + 1 SQEs.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10;
	long b = argc > 2 ? atol(argv[2]) : 1;
	for (long done = 0; done < n;) {
		long k = n - done < b ? n - done : b;
		for (long i = 0; i < k; i++)
			rc_prep_nop(rt_sqe(), 0);
		if (rc_submit_and_wait(&rt_ring, (uint32_t)k) != k)
			return 1;
		for (long i = 0; i < k; i++) {
			struct rc_cqe c;
			if (rt_next_cqe(&c) || c.res != 0)
				return 2;
		}
		done += k;
	}
	return 0;
}
