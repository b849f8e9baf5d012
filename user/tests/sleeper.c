/* sleeper MS [CODE] - sleep MS milliseconds with one TIMEOUT, exit CODE. */
#include "ulib.h"

int main(int argc, char **argv)
{
	uint64_t ms = argc > 1 ? (uint64_t)atol(argv[1]) : 10;
	struct rc_cqe c;
	rc_prep_timeout(rt_sqe(), ms * 1000000, 0, 0);
	rc_submit_and_wait(&rt_ring, 1);
	if (rt_next_cqe(&c) || c.res != -RC_ETIME)
		return 99;
	return argc > 2 ? (int)atol(argv[2]) : 0;
}
