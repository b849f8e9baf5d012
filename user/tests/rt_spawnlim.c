/*
 * rt_spawnlim [bomb] - spawn until the kernel says no: a process may have
 * 16 children (zombies count until reaped), and a spawn tree 32 process
 * slots. Each limit is a clean -EAGAIN; reaping makes room again.
 */
#include "ulib.h"

#define PER_PROC 16

/* Spawn "hello -q" until refused; return how many, all unreaped. */
static int spawn_all(long *err)
{
	const char *q[] = { "hello", "-q", NULL };
	int n = 0;
	for (;;) {
		long pid = spawn(q);
		if (pid < 0) {
			*err = pid;
			return n;
		}
		n++;
	}
}

/* Reap n children with n WAITs in one batch. */
static int reap(int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		rc_prep_wait(rt_sqe(), 0, 0, NULL, 0);
	rc_submit_and_wait(&rt_ring, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		struct rc_cqe c;
		ok += rt_next_cqe(&c) == 0 && c.res == 0;
	}
	return ok;
}

int main(int argc, char **argv)
{
	long err = 0;
	if (argc > 1 && strcmp(argv[1], "bomb") == 0) {
		int n = spawn_all(&err); /* hits whichever limit comes first */
		return err == -RC_EAGAIN && reap(n) == n ? 0 : 1;
	}
	int n = spawn_all(&err);
	CHECK_EQ(n, PER_PROC);
	CHECK_EQ(err, -RC_EAGAIN);
	CHECK_EQ(reap(n), n);
	CHECK_EQ(waitpid(0, NULL), -RC_ECHILD);

	/* Many bombs at once: the spawn tree (32 slots) runs out before their own limits. */
	const char *bomb[] = { "rt_spawnlim", "bomb", NULL };
	int bombs = 0;
	for (int i = 0; i < 8; i++) {
		long pid = spawn(bomb);
		CHECK(pid > 0 || pid == -RC_EAGAIN, "bomb %d: %ld", i, pid);
		bombs += pid > 0;
	}
	CHECK(bombs > 0, "no bomb started");
	int clean = 0;
	for (int i = 0; i < bombs; i++)
		clean += waitpid(0, NULL) == 0;
	CHECK_EQ(clean, bombs);
	/* The table has room again. */
	n = spawn_all(&err);
	CHECK_EQ(n, PER_PROC);
	CHECK_EQ(reap(n), n);
	return rt_report("rt_spawnlim");
}
