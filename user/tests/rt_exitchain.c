/*
 * rt_exitchain [count] - entries after EXIT do not run when the chain
 * completes outside enter (issue 9, defect 3), then spin in user mode
 * with no trap, so that only the timer tick can complete the chain:
 *   (default) CONSOLE_READ -LINK-> EXIT(7) -LINK-> CONSOLE_WRITE -LINK->
 *     SPAWN(hello); the kernel test queues one byte of console input,
 *     which the tick hands to the parked read;
 *   count: TIMEOUT(count 1) -LINK-> EXIT(7) -LINK-> CONSOLE_WRITE -LINK->
 *     SPAWN(hello), and a 20 ms TIMEOUT whose expiry, fired by the tick,
 *     is the completion the first one counts (the reproducer).
 * All entries are taken before the spin (EXIT ends a chunk: the program
 * enters again). The process must end with status 7, and the kernel test
 * checks that nothing was written and nothing spawned. Status 99: the
 * EXIT never took effect.
 */
#include "ulib.h"

static const char msg[] = "rt_exitchain: ran after EXIT\n";
static char in[4];

int main(int argc, char **argv)
{
	bool count = argc > 1 && strcmp(argv[1], "count") == 0;
	char args[32];
	const char *hello[] = { "hello", "-q", NULL };
	uint32_t n = rt_pack_argv(args, sizeof(args), hello);
	uint64_t t0 = clock_ns(), c0 = rt_rdtsc();
	while (clock_ns() - t0 < 10 * 1000000ul)
		;
	uint64_t per_ms = (rt_rdtsc() - c0) / 10;

	struct rc_sqe *s = rt_sqe();
	if (count)
		rc_prep_timeout(s, 0, 1, 0); /* fires on the next completion */
	else
		rc_prep_console_read(s, in, sizeof(in)); /* parks until the test types */
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_exit(s, 7);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_console_write(s, msg, sizeof(msg) - 1);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	rc_prep_spawn(rt_sqe(), args, n, 0, NULL, 0, 0, NULL);
	if (count)
		rc_prep_timeout(rt_sqe(), 20 * 1000000ul, 0, 0);
	rc_submit(&rt_ring);
	/* EXIT ends the engine's chunk (a stopping op): enter again until
     * every entry is taken, so that the write and the spawn are held in
     * the chain behind EXIT, not left in the SQ. */
	for (int i = 0;
	     i < 8 && __atomic_load_n(&rt_ring.hdr->sq_head, __ATOMIC_ACQUIRE) != rt_ring.sqe_tail;
	     i++)
		rt_enter(rt_ring_handle, 0, 0, 0);
	/* No trap from here on: only the timer tick can complete the chain. */
	for (uint64_t c = rt_rdtsc(); rt_rdtsc() - c < 5000 * per_ms;)
		__builtin_ia32_pause();
	return 99;
}
