/*
 * bench_util.h - shared helpers for ringcall benchmarks (header-only).
 *
 * Timing uses clock_gettime(CLOCK_MONOTONIC) through the vDSO rather than
 * rdtsc: it costs ~20 ns, needs no TSC calibration, and is comparable
 * across cores, so one thread may take t0 and another t1.  Benchmarks
 * therefore time whole loops of many operations, never single ones.
 *
 * Requires _GNU_SOURCE (for CPU_SET / pthread_attr_setaffinity_np); it is
 * defined here if the includer has not done so before any system header.
 */
#ifndef RINGCALL_BENCH_UTIL_H
#define RINGCALL_BENCH_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_CACHELINE 64

/* Monotonic wall-clock time in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Spin-wait hint: tells the core we are busy-waiting (saves power, and
 * avoids a memory-order machine clear when the awaited line changes). */
static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Keep the compiler from optimising away a computed value. */
static inline void bench_do_not_optimize(uint64_t v)
{
	__asm__ __volatile__("" : : "r"(v) : "memory");
}

/* Number of online CPUs (at least 1). */
static inline int bench_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* Map a requested cpu onto the online ones, so a benchmark asking for
 * cpu1 still runs (unpinned-equivalent) on a 1-cpu machine. */
static inline int bench_cpu_index(int cpu)
{
	return cpu % bench_ncpus();
}

/* Pin the calling thread to one cpu.  Returns 0 or an errno value. */
static inline int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(bench_cpu_index(cpu), &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Start a thread that is pinned to `cpu` from its first instruction
 * (avoids it running a few microseconds on the wrong cpu). */
static inline int bench_thread_start_pinned(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(bench_cpu_index(cpu), &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

/* ---- statistics ------------------------------------------------------ */

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place and returns the p-th percentile (0 <= p <= 100),
 * nearest-rank method.  n must be > 0. */
static inline uint64_t bench_percentile_u64(uint64_t *v, size_t n, double p)
{
	size_t rank;

	qsort(v, n, sizeof(*v), bench_cmp_u64);
	rank = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

struct bench_stats {
	uint64_t min, p50, p99, max;
};

/* Sorts v in place and returns min/p50/p99/max.  n must be > 0. */
static inline struct bench_stats bench_stats_u64(uint64_t *v, size_t n)
{
	struct bench_stats s;

	s.p50 = bench_percentile_u64(v, n, 50.0);
	s.p99 = bench_percentile_u64(v, n, 99.0); /* already sorted: cheap */
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

/* Median and minimum of per-repetition results (sorts v in place). */
static inline double bench_median_double(double *v, size_t n, double *min)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	if (min)
		*min = v[0];
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* ---- output ---------------------------------------------------------- */

/* One "metric,value,unit" CSV line; no-op when f is NULL. */
static inline void bench_csv(FILE *f, const char *metric, double value, const char *unit)
{
	if (!f)
		return;
	fprintf(f, "%s,%.3f,%s\n", metric, value, unit);
	fflush(f); /* keep partial results if a later benchmark crashes */
}

#endif /* RINGCALL_BENCH_UTIL_H */
