/*
 * rt_pskill [OTHER] - PROC_STATS of another process and KILL, inside the
 * caller's spawn tree and across it: OTHER is the pid of a process of
 * another tree (the kernel test starts it), which we may neither read nor
 * end. Then the programs: ps lists our tree, kill ends a child of ours.
 */
#include "ulib.h"

static int32_t stats_of(int32_t pid, uint32_t flags, struct rc_proc_stats *st)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_proc_stats(s, st, sizeof(*st), pid, flags);
	return rt_sync(s);
}

static int32_t kill_pid(int32_t pid)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_kill(s, pid, 0);
	return rt_sync(s);
}

/* Spawn argv, wait for it: its wait status. */
static long run(const char *const argv[])
{
	long pid = spawn(argv);
	return pid < 0 ? pid : waitpid((int)pid, NULL);
}

int main(int argc, char **argv)
{
	struct rc_proc_stats st;
	int32_t me = (int32_t)getpid(), parent = (int32_t)getppid();
	int32_t other = argc > 1 ? (int32_t)atol(argv[1]) : 0;

	/* Our own, by pid 0 and by our pid: the same process, named. */
	CHECK_EQ(stats_of(0, 0, &st), sizeof(st));
	CHECK(st.pid == me && st.ppid == parent && strcmp(st.name, "rt_pskill") == 0,
	      "self: pid %d ppid %d name '%s'", st.pid, st.ppid, st.name);
	CHECK(st.traps >= 1 && st.sqes >= 1, "self: %lu traps %lu sqes", (unsigned long)st.traps,
	      (unsigned long)st.sqes);
	CHECK_EQ(stats_of(me, 0, &st), sizeof(st));
	CHECK_EQ(st.pid, me);

	/* A child of ours (same tree): readable, and the walk finds exactly us two. */
	const char *sl[] = { "sleeper", "60000", NULL };
	long child = spawn(sl);
	CHECK(child > 0, "spawn sleeper: %ld", child);
	CHECK_EQ(stats_of((int32_t)child, 0, &st), sizeof(st));
	CHECK(st.pid == child && st.ppid == me && strcmp(st.name, "sleeper") == 0,
	      "child: pid %d ppid %d name '%s'", st.pid, st.ppid, st.name);
	int32_t seen[4], n = 0, res;
	for (int32_t pid = 0; n < 4 && (res = stats_of(pid, RC_PROC_STATS_NEXT, &st)) > 0;
	     pid = st.pid + 1)
		seen[n++] = st.pid;
	CHECK_EQ(res, -RC_ESRCH);
	CHECK(n == 2 && seen[0] == me && seen[1] == child, "walk saw %d processes", n);

	/* Neither the kernel thread that started us nor another tree's process. */
	CHECK_EQ(stats_of(parent, 0, &st), -RC_EPERM);
	CHECK_EQ(kill_pid(parent), -RC_EPERM);
	if (other) {
		CHECK_EQ(stats_of(other, 0, &st), -RC_EPERM);
		CHECK_EQ(kill_pid(other), -RC_EPERM);
	}
	CHECK_EQ(stats_of(INT32_MAX, 0, &st), -RC_ESRCH);
	CHECK_EQ(kill_pid(INT32_MAX), -RC_ESRCH);
	CHECK_EQ(kill_pid(me), -RC_EINVAL);

	/* KILL of the sleeping child: it ends at once, killed by request. */
	CHECK_EQ(kill_pid((int32_t)child), 0);
	CHECK_EQ(waitpid((int)child, NULL), RK_STATUS_KILLED | RK_STATUS_KILL_REQUEST);
	CHECK_EQ(kill_pid((int32_t)child), -RC_ESRCH);
	CHECK_EQ(stats_of((int32_t)child, 0, &st), -RC_ESRCH);

	/* The programs: ps lists the tree (and exits 0 at the walk's end);
	 * kill PID ends a sibling of its own; kill of nothing fails. */
	const char *ps[] = { "ps", NULL };
	CHECK_EQ(run(ps), 0);
	child = spawn(sl);
	char pidstr[16];
	snprintf(pidstr, sizeof(pidstr), "%ld", child);
	const char *k[] = { "kill", pidstr, NULL };
	CHECK_EQ(run(k), 0);
	CHECK_EQ(waitpid((int)child, NULL), RK_STATUS_KILLED | RK_STATUS_KILL_REQUEST);
	CHECK_EQ(run(k), 1); /* gone now: -ESRCH */
	const char *kbad[] = { "kill", "x", "999999", NULL };
	CHECK_EQ(run(kbad), 2);
	return rt_report("rt_pskill");
}
