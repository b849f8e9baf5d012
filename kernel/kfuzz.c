/*
 * kfuzz.c - the kernel side of the ring fuzzer (user/fuzz.c): start
 * several fuzz processes at once with seeds derived from one, wait for
 * them, and judge what only the kernel sees: no panic (a panic ends the
 * run), every process ended by itself with status 0 (its own checks: every
 * SQE got its CQE, and each channel op succeeded at least once), and every
 * frame, heap block (channels, messages, call tables, provided-buffer
 * groups: small blocks whose pages the heap keeps) and process slot came
 * back.
 *
 * `make fuzz-kernel SEED= COUNT= [FUZZ_FLAGS=]` boots with
 * "test fuzz=SEED:COUNT:FLAGS"; make test runs a short one (ktest.c).
 */
#include "clock.h"
#include "mm.h"
#include "proc.h"

#define KFUZZ_PROCS 3

/* Wait (bounded) until only procs slots are in use: orphans finish. */
static void kfuzz_settle(int procs)
{
	for (int i = 0; i < 500 && proc_count() != procs; i++)
		proc_sleep_ns(10 * 1000000ul);
}

/* Run the fuzzer: KFUZZ_PROCS processes, seeds seed..seed+2, count SQEs
 * between them. true if all is well; else why says what went wrong. */
bool kfuzz_run(uint64_t seed, uint64_t count, const char *flags, char *why, size_t n,
	       uint64_t *sqes_out)
{
	size_t frames0 = pmm_free_count(), blocks0 = kmalloc_small_live();
	int procs0 = proc_count();
	int pids[KFUZZ_PROCS];
	char seeds[KFUZZ_PROCS][24], cnt[24];
	ksnprintf(cnt, sizeof(cnt), "%lu", (unsigned long)(count + KFUZZ_PROCS - 1) / KFUZZ_PROCS);
	bool ok = true;
	*sqes_out = 0;
	why[0] = 0;
	for (int i = 0; i < KFUZZ_PROCS; i++) {
		ksnprintf(seeds[i], sizeof(seeds[i]), "%lu", (unsigned long)(seed + (uint64_t)i));
		const char *argv[] = { "fuzz", seeds[i], cnt, flags[0] ? flags : "-" };
		pids[i] = proc_spawn("fuzz", 4, argv);
		if (pids[i] < 0 && ok) {
			ksnprintf(why, n, "spawn %d: %d", i, pids[i]);
			ok = false;
		}
	}
	for (int i = 0; i < KFUZZ_PROCS; i++) {
		struct proc_stats st;
		if (pids[i] < 0)
			continue;
		if (proc_wait(pids[i], &st) != pids[i]) {
			if (ok)
				ksnprintf(why, n, "wait %d", i);
			ok = false;
			continue;
		}
		*sqes_out += st.sqes;
		if (st.status != 0 && ok) {
			ksnprintf(why, n, "fuzz seed %lu: status %x%s",
				  (unsigned long)(seed + (uint64_t)i), st.status,
				  PROC_WAS_KILLED(st.status) ? " (killed)" : " (failed checks)");
			ok = false;
		}
	}
	kfuzz_settle(procs0);
	if (ok && proc_count() != procs0) {
		ksnprintf(why, n, "process slots %d -> %d", procs0, proc_count());
		ok = false;
	}
	if (ok && pmm_free_count() != frames0) {
		ksnprintf(why, n, "leaked %ld frames", (long)(frames0 - pmm_free_count()));
		ok = false;
	}
	if (ok && kmalloc_small_live() != blocks0) {
		ksnprintf(why, n, "leaked %ld heap blocks", (long)(kmalloc_small_live() - blocks0));
		ok = false;
	}
	return ok;
}

/* `test fuzz=SEED:COUNT[:FLAGS]` on the command line: run only the
 * fuzzer, report like the test suite, leave QEMU. Returns if not asked. */
void kfuzz_cmdline(void)
{
	const char *s = kcmdline;
	while (*s && strncmp(s, "fuzz=", 5) != 0)
		s++;
	if (!*s)
		return;
	s += 5;
	uint64_t seed = 0, count = 0;
	while (*s >= '0' && *s <= '9')
		seed = seed * 10 + (uint64_t)(*s++ - '0');
	if (*s == ':')
		s++;
	while (*s >= '0' && *s <= '9')
		count = count * 10 + (uint64_t)(*s++ - '0');
	char flags[16] = "";
	if (*s == ':') {
		size_t k = 0;
		for (s++; *s && *s != ' ' && k + 1 < sizeof(flags); s++)
			flags[k++] = *s;
		flags[k] = 0;
	}
	char why[160];
	uint64_t sqes, t0 = clock_ns();
	kprintf("kernel-fuzz: seed %lu, %lu SQEs, flags '%s', %d processes\n", (unsigned long)seed,
		(unsigned long)count, flags, KFUZZ_PROCS);
	bool ok = kfuzz_run(seed, count, flags, why, sizeof(why), &sqes);
	uint64_t ms = (clock_ns() - t0) / 1000000;
	kprintf("\n"); /* a fuzzed console write may have left a line open: PASS starts one */
	if (ok)
		kprintf("PASS fuzz seed=%lu sqes=%lu ms=%lu\n", (unsigned long)seed,
			(unsigned long)sqes, (unsigned long)ms);
	else
		kprintf("FAIL fuzz seed=%lu: %s\n", (unsigned long)seed, why);
	kprintf("kernel-fuzz: %lu SQEs taken by the fuzz processes' rings in %lu ms\n",
		(unsigned long)sqes, (unsigned long)ms);
	kprintf("kernel-test: %d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
	qemu_exit(ok ? 0 : 1);
}
