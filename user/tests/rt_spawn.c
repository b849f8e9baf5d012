/*
 * rt_spawn - SPAWN programs from the boot image and WAIT for them: exit
 * statuses arrive as completions (a parked WAIT is finished by the
 * child's exit), info buffers, bad arguments, a buffer that disappears
 * while the WAIT is parked.
 */
#include "ulib.h"

#define INFO_PAGE 0x30000000ul

static int32_t spawn_raw(const char *args, uint32_t len)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_spawn(s, args, len, 0, NULL, 0, 0, NULL);
	return rt_sync(s);
}

int main(void)
{
	struct rc_wait_info wi;

	/* One child, waited for by pid; its status is the CQE's res. */
	const char *hello[] = { "hello", "from", "a", "ring", NULL };
	long pid = spawn(hello);
	CHECK(pid > 0, "spawn hello %ld", pid);
	CHECK_EQ(waitpid((int)pid, &wi), 0);
	CHECK(wi.pid == pid && wi.status == 0, "info pid %d status %d", wi.pid, wi.status);
	CHECK(wi.stats.traps == 3 && wi.stats.sqes == 3, "hello took %lu traps, %lu SQEs",
	      (unsigned long)wi.stats.traps, (unsigned long)wi.stats.sqes);

	/* Exit codes and kills come through as wait statuses. */
	const char *code[] = { "exitcode", NULL }, *bad[] = { "unmapped", NULL };
	CHECK_EQ(waitpid((int)spawn(code), NULL), 42);
	pid = spawn(bad);
	CHECK_EQ(waitpid(0, &wi), RK_STATUS_KILLED | 14);
	CHECK(wi.pid == pid && wi.stats.faults == 1, "killed child info");

	/* Three children and three WAITs in one batch: one trap, six CQEs. */
	const char *s1[] = { "sleeper", "30", "1", NULL }, *s2[] = { "sleeper", "10", "2", NULL },
		   *s3[] = { "sleeper", "20", "3", NULL };
	const char *const *all[] = { s1, s2, s3 };
	char packed[3][64];
	struct rc_wait_info info[3];
	struct rc_proc_stats t0, t1;
	rt_proc_stats(&t0);
	for (int i = 0; i < 3; i++) {
		uint32_t n = rt_pack_argv(packed[i], sizeof(packed[i]), all[i]);
		struct rc_sqe *s = rt_sqe();
		rc_prep_spawn(s, packed[i], n, 0, NULL, 0, 0, NULL);
		rc_sqe_set_data(s, 100 + i);
	}
	for (int i = 0; i < 3; i++) {
		struct rc_sqe *s = rt_sqe();
		rc_prep_wait(s, 0, 0, &info[i], sizeof(info[i]));
		rc_sqe_set_data(s, 200 + i);
	}
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 6), 6);
	rt_proc_stats(&t1);
	CHECK_EQ(t1.traps - t0.traps, 2);
	int codes = 0;
	for (int i = 0; i < 6; i++) {
		struct rc_cqe c;
		CHECK_EQ(rt_next_cqe(&c), 0);
		if (c.user_data >= 200) {
			struct rc_wait_info *w = &info[c.user_data - 200];
			CHECK(c.res == w->status && w->pid > 0, "wait cqe %d vs info %d", c.res,
			      w->status);
			codes |= 1 << c.res;
		} else {
			CHECK(c.res > 0, "spawn %lu: %d", (unsigned long)c.user_data, c.res);
		}
	}
	CHECK_EQ(codes, 0xe); /* in exit order, whatever the timer made it */

	/* Nothing to wait for; NOHANG with a live child. */
	CHECK_EQ(waitpid(0, NULL), -RC_ECHILD);
	CHECK_EQ(waitpid(99999, NULL), -RC_ECHILD);
	const char *sl[] = { "sleeper", "20", NULL };
	pid = spawn(sl);
	struct rc_sqe *s = rt_sqe();
	rc_prep_wait(s, (int32_t)pid, RC_WAIT_NOHANG, NULL, 0);
	CHECK_EQ(rt_sync(s), -RC_EAGAIN);
	CHECK_EQ(waitpid((int)pid, NULL), 0);

	/* Bad argument blocks. */
	CHECK_EQ(spawn_raw("no-such-program", 16), -RC_ENOENT);
	CHECK_EQ(spawn_raw("hello\0-q", 8), -RC_EINVAL); /* not NUL-terminated */
	CHECK_EQ(spawn_raw("\0hello", 7), -RC_EINVAL);	 /* empty name */
	CHECK_EQ(spawn_raw("hello\0a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p", 38),
		 -RC_EINVAL);
	const char *q[] = { "hello", "-q", NULL };
	CHECK_EQ(waitpid((int)spawn(q), NULL), 0);

	/* The info buffer vanishes while the WAIT is parked: the WAIT fails
     * with -EFAULT when the child exits, and the child stays for another. */
	CHECK_EQ(rt_map(INFO_PAGE, 1, RC_MAP_WRITE), 0);
	pid = spawn(sl);
	s = rt_sqe();
	rc_prep_wait(s, (int32_t)pid, 0, (void *)INFO_PAGE, sizeof(wi));
	rc_sqe_set_data(s, 300);
	s = rt_sqe();
	rc_prep_unmap(s, INFO_PAGE, 1, 0);
	rc_sqe_set_data(s, 301);
	CHECK_EQ(rc_submit_and_wait(&rt_ring, 2), 2);
	struct rc_cqe c0, c1;
	rt_next_cqe(&c0);
	rt_next_cqe(&c1);
	CHECK(c0.user_data == 301 && c0.res == 0, "unmap %d", c0.res);
	CHECK(c1.user_data == 300 && c1.res == -RC_EFAULT, "wait into a vanished page: %d", c1.res);
	CHECK_EQ(waitpid((int)pid, &wi), 0);
	CHECK_EQ(wi.pid, pid);
	/* Decode refuses a read-only info buffer up front. */
	s = rt_sqe();
	rc_prep_wait(s, 0, 0, (void *)(uintptr_t)&main, sizeof(wi));
	CHECK_EQ(rt_sync(s), -RC_EFAULT);
	return rt_report("rt_spawn");
}
