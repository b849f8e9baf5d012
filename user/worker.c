/*
 * worker N MS - a demo child: in one enter it asks for its pid, the time
 * and a MS-millisecond TIMEOUT (and sleeps until it fires), then reports
 * and exits with N.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? (int)atol(argv[1]) : 0;
	uint64_t ms = argc > 2 ? (uint64_t)atol(argv[2]) : 10, t0 = 0;
	struct rc_sqe *s;
	struct rc_cqe c;
	long pid = 0;

	s = rt_sqe();
	rc_prep_getpid(s, 0);
	rc_sqe_set_data(s, 1);
	s = rt_sqe();
	rc_prep_clock(s, &t0, 8);
	rc_sqe_set_data(s, 2);
	s = rt_sqe();
	rc_prep_timeout(s, ms * 1000000, 0, 0);
	rc_sqe_set_data(s, 3);
	rc_submit_and_wait(&rt_ring, 3); /* one trap: the process sleeps in it */
	for (int i = 0; i < 3; i++)
		if (rt_next_cqe(&c) == 0 && c.user_data == 1)
			pid = c.res;
	uint64_t slept = clock_ns() - t0;
	printf("  worker %d (pid %ld): 3 syscalls in 1 trap, slept %lu ms in it\n", n, pid,
	       (unsigned long)(slept / 1000000));
	return n;
}
