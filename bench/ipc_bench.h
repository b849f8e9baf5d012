/*
 * ipc_bench.h - the ipc_* rows of ringcall_bench (bench/ipc_bench.c).
 */
#ifndef RINGCALL_IPC_BENCH_H
#define RINGCALL_IPC_BENCH_H

#include <stdbool.h>
#include <sys/types.h>

struct ipc_bench_cfg {
	bool quick, brief;		     /* shorter runs; brief: --only's */
	bool rtt_poll, rtt_doorbell, stream; /* which rows */
	void (*row)(const char *metric, double value, const char *unit);
	/* Start a ringcall-server listening at sock, pinned to cpu (0 or
	 * 1): its pid, or -1. */
	pid_t (*start_server)(const char *sock, int cpu);
};

/* Run a ringcall-server and two client processes of it (a caller and an
 * echo service), and report the rows cfg asks for. */
void ipc_bench(const struct ipc_bench_cfg *cfg);

/* n calls at batch (1..64) between two in-process rings on this thread,
 * for callgrind's count of the engine's instructions per call; 0 or the
 * step that failed. */
int ipc_callgrind(uint32_t batch, uint64_t n);

/* The same through a worker of this process whose passes this thread
 * makes (host_worker_step), for callgrind's count of the worker thread's
 * instructions per call; 0 or the step that failed. */
int ipc_worker_callgrind(uint32_t batch, uint64_t n);

#endif
