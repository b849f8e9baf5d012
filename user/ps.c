/*
 * ps - the processes of this spawn tree (the caller's: under init, the
 * whole user space), one line each: pid, parent, name, the traps it took,
 * the syscalls (SQEs) the kernel took from its rings and syscalls per
 * trap. Walks PROC_STATS with RC_PROC_STATS_NEXT from pid 0: each answer
 * names the tree's next live process, a snapshot taken while it runs.
 */
#include "ulib.h"

/* The stats of the tree's first live process at pid or above: 0 or -errno. */
static int32_t next_proc(int32_t pid, struct rc_proc_stats *st)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_proc_stats(sqe, st, sizeof(*st), pid, RC_PROC_STATS_NEXT);
	int32_t res = rt_sync(sqe);
	return res < 0 ? res : 0;
}

int main(void)
{
	struct rc_proc_stats st;
	int32_t res;
	printf("  PID  PPID NAME             TRAPS   SYSCALLS  PER TRAP\n");
	for (int32_t pid = 0; (res = next_proc(pid, &st)) == 0; pid = st.pid + 1) {
		unsigned long per10 = st.traps ? st.sqes * 10 / st.traps : 0;
		printf("%5d %5d %-15s %7lu %10lu %7lu.%lu\n", st.pid, st.ppid, st.name,
		       (unsigned long)st.traps, (unsigned long)st.sqes, per10 / 10, per10 % 10);
	}
	if (res != -RC_ESRCH) { /* the walk ends at the last process; anything else is wrong */
		printf("ps: PROC_STATS: %s\n", rc_err_name(res));
		return 1;
	}
	return 0;
}
