/*
 * kill PID|NAME... - end each process (KILL: it must be of our spawn tree;
 * its wait status becomes killed by request). A NAME ends every process
 * of the tree with that name (PROC_STATS' walk), e.g. `kill fs`; none is
 * -ESRCH. Exit status: how many arguments failed.
 */
#include "ulib.h"

static int32_t kill_pid(int32_t pid)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_kill(sqe, pid, 0);
	return rt_sync(sqe);
}

/* End the tree's processes named name (never ourselves): 0, or -errno.
 * All are found first, then ended: one that starts after the first kill
 * (a server its parent restarts) is not one we were asked to end. */
static int32_t kill_name(const char *name)
{
	struct rc_proc_stats st;
	int32_t found[32], n = 0, res = -RC_ESRCH, me = (int32_t)getpid();
	for (int32_t pid = 0; n < 32; pid = st.pid + 1) {
		struct rc_sqe *sqe = rt_sqe();
		rc_prep_proc_stats(sqe, &st, sizeof(st), pid, RC_PROC_STATS_NEXT);
		if (rt_sync(sqe) < 0)
			break;
		if (st.pid != me && strncmp(st.name, name, sizeof(st.name)) == 0)
			found[n++] = st.pid;
	}
	for (int32_t i = 0; i < n; i++) {
		int32_t r = kill_pid(found[i]);
		if (r == 0)
			printf("kill: %s is pid %d: ended\n", name, found[i]);
		res = res == 0 ? 0 : r;
	}
	return res;
}

int main(int argc, char **argv)
{
	int failed = 0;
	if (argc < 2) {
		printf("usage: kill PID|NAME...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int32_t res = -RC_EINVAL;
		if (argv[i][0] < '0' || argv[i][0] > '9') {
			res = kill_name(argv[i]);
		} else {
			long pid = atol(argv[i]);
			if (pid > 0 && pid <= INT32_MAX)
				res = kill_pid((int32_t)pid);
		}
		if (res < 0) {
			printf("kill: %s: %s\n", argv[i], rc_err_name(res));
			failed++;
		}
	}
	return failed;
}
