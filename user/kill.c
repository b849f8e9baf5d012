/*
 * kill PID... - end each process (KILL: it must be of our spawn tree; its
 * wait status becomes killed by request). Exit status: how many failed.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
	int failed = 0;
	if (argc < 2) {
		printf("usage: kill PID...\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		long pid = atol(argv[i]);
		int32_t res = -RC_EINVAL;
		if (pid > 0 && pid <= INT32_MAX) {
			struct rc_sqe *sqe = rt_sqe();
			rc_prep_kill(sqe, (int32_t)pid, 0);
			res = rt_sync(sqe);
		}
		if (res < 0) {
			printf("kill: %s: %s\n", argv[i], rc_err_name(res));
			failed++;
		}
	}
	return failed;
}
