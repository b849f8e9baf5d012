/*
 * rk_abi.h - what the ringcall kernel adds to the ring ABI, shared by the
 * kernel and user programs: the one trap, the registers at process entry,
 * and the structs that KERNEL syscalls write. Freestanding.
 *
 * The syscalls themselves (opcodes, argument structs, bounds) are in
 * include/ringcall/syscalls.def like every other platform's.
 */
#ifndef RK_ABI_H
#define RK_ABI_H

#include <stdint.h>
#include "ringcall/abi.h"

/*
 * The only trap: `syscall` with rax = RK_TRAP_ENTER,
 *   rdi = ring handle, rsi = to_submit (advisory: every published SQE is
 *   taken), rdx = min_complete, r10 = RC_ENTER_* flags.
 * Returns in rax the SQEs taken, or -errno: -EBADF (no such ring),
 * -EINVAL (flags, min_complete > cq_entries), -EBUSY (SQEs wait because
 * the backlog is full: reap), -EDEADLK (waiting for more CQEs than
 * requests in flight can ever produce). Any other rax but
 * RK_TRAP_BASELINE_NOP and the benchmark's RK_TRAP_BENCH_*: -ENOSYS.
 * Registers: `syscall` itself clobbers rcx (rip) and r11 (rflags); enter
 * also clobbers rdi, rsi, rdx, r8, r9, r10 (the C ABI's argument and
 * scratch registers, as a function call would: it saves no trap frame)
 * and returns them zeroed; every other register is kept. The other traps
 * keep all but rax, rcx, r11.
 */
#define RK_TRAP_ENTER 0

/*
 * Not a system call: a trap that returns 0 at once, kept only as the
 * baseline of the kernel benchmark (a bare trap per call, against ring
 * calls). Counted in PROC_STATS's traps like enter.
 */
#define RK_TRAP_BASELINE_NOP 1

/*
 * Not system calls either: the benchmark's synchronous trap IPC, the peer
 * ring IPC is measured against (kernel/kbenchipc.c; only in a kernel
 * booted with `bench`, else -ENOSYS). One word each way in rdi / rax:
 * CALL hands it to the server blocked in REPLY_WAIT and returns the
 * reply; REPLY_WAIT answers the blocked caller and returns the next call.
 */
#define RK_TRAP_BENCH_CALL	 2
#define RK_TRAP_BENCH_REPLY_WAIT 3

/*
 * Registers at process entry (the first ring is made at spawn):
 *   rdi = argc, rsi = argv, rdx = ring address, rcx = ring bytes
 *   (rc_ring_bytes of its sq/cq entries, which its header also holds),
 *   r8 = the ring's handle, r9 = the handles SPAWN passed (below).
 */
#define RK_RING0_ADDR UINT64_C(0x7ff000000000)
/* SPAWN's handles: entry i of its list is the child's handle
 * RK_SPAWN_HANDLE(i) (its table holds the first ring, then these, in
 * order), with the rights the entry named; r9 = how many at entry. */
#define RK_SPAWN_HANDLE(i) (UINT32_C(0x10002) + (uint32_t)(i))
#define RK_RING0_SQ	   64u
#define RK_RING0_CQ	   128u

/* Wait status (WAIT's res): exit code, or KILLED | the fatal trap vector. */
#define RK_STATUS_KILLED       0x100
#define RK_STATUS_KILL_REQUEST 0xff /* "vector" when killed on request */

/* PROC_STATS: privilege transitions and work of one process, then its
 * use of each limit and the limit (docs/kernel.md, "Limits"). Fields are
 * only ever added at the end: a shorter len gets the older prefix. */
struct rc_proc_stats {
	uint64_t traps;	 /* `syscall` instructions: enter calls */
	uint64_t irqs;	 /* hardware interrupts taken while in user mode */
	uint64_t faults; /* exceptions taken in user mode */
	uint64_t sqes;	 /* SQEs the engine took from the process's rings */
	uint64_t run_ns; /* since spawn (until exit, for a child) */
	uint32_t frames,
		frames_max; /* frames charged: MAP'd pages, rings, their page tables, ipc_frames */
	uint32_t rings, rings_max;	       /* rings, the first one included */
	uint32_t handles, handles_max;	       /* open handles */
	uint32_t parked, parked_max;	       /* WAITs and CONSOLE_READs parked */
	uint32_t children, children_max;       /* children not yet reaped */
	uint32_t tree_procs, tree_procs_max;   /* process slots held by its spawn tree */
	uint32_t tree_frames, tree_frames_max; /* frames charged to its spawn tree */
	uint32_t ipc_bytes,
		ipc_frames; /* channel memory charged to it: bytes, frames (in frames) */
	uint32_t rsvd[2];   /* zero: reserved for later counters */
	int32_t pid, ppid;  /* the process and its parent (0: none, or a kernel thread) */
	char name[16];	    /* its program's name, NUL-terminated (cut to 15 bytes) */
};

/* An entry of SPAWN's handles list: the handle moves to the child with
 * rights, which must be among those it carries. */
struct rc_spawn_handle {
	uint32_t handle;
	uint32_t rights;
};

/* WAIT's info buffer. */
struct rc_wait_info {
	int32_t pid;
	int32_t status; /* as res */
	struct rc_proc_stats stats;
};

_Static_assert(sizeof(struct rc_proc_stats) == RC_PROC_STATS_SIZE, "RC_PROC_STATS_SIZE");
_Static_assert(__builtin_offsetof(struct rc_proc_stats, run_ns) == 32,
	       "old fields keep their offsets");
_Static_assert(__builtin_offsetof(struct rc_proc_stats, frames) == 40, "rc_proc_stats.frames");
_Static_assert(__builtin_offsetof(struct rc_proc_stats, tree_frames_max) == 92,
	       "rc_proc_stats.tree_frames_max");
_Static_assert(__builtin_offsetof(struct rc_proc_stats, pid) == 112, "rc_proc_stats.pid");
_Static_assert(__builtin_offsetof(struct rc_wait_info, stats) == 8, "rc_wait_info.stats");
_Static_assert(sizeof(struct rc_wait_info) == RC_WAIT_INFO_SIZE, "RC_WAIT_INFO_SIZE");
_Static_assert(sizeof(struct rc_spawn_handle) == RC_SPAWN_HANDLE_SIZE, "RC_SPAWN_HANDLE_SIZE");

#endif
