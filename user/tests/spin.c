/*
 * spin TAG MS [v] - burn CPU for MS milliseconds without ever yielding, so
 * only timer preemption lets others run.  MS = 0 spins forever.  With "v",
 * print a progress line every ~20 ms to make interleaving visible.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	const char *tag = argc > 1 ? argv[1] : "?";
	uint64_t ms = argc > 2 ? (uint64_t)atol(argv[2]) : 0;
	int verbose = argc > 3;
	uint64_t start = clock_ns(), next = start;
	for (volatile uint64_t i = 0;; i++) {
		if ((i & 0xffff) != 0)
			continue;
		uint64_t now = clock_ns();
		if (ms && now - start >= ms * 1000000)
			break;
		if (verbose && now >= next) {
			printf("spin %s: %lu ms\n", tag, (unsigned long)((now - start) / 1000000));
			next = now + 20000000;
		}
	}
	if (verbose)
		printf("spin %s: done\n", tag);
	return 0;
}
