/*
 * demo - what rings buy: the same syscalls in fewer traps, children
 * spawned and awaited through completions, rings made by a ring syscall,
 * zero traps with the kernel poller, messages and a handle moving between
 * two processes (channels), and the IPC examples (echo, key-value).
 * Trap counts are the kernel's (PROC_STATS, and WAIT's info for children).
 */
#include "ulib.h"

/* 60 syscalls (GETPID, CLOCK, NOP in turn), b per enter; traps they took. */
static uint64_t batch(int b)
{
	struct rc_proc_stats s0, s1;
	uint64_t t[64];
	rt_proc_stats(&s0);
	for (int done = 0; done < 60;) {
		int k = 60 - done < b ? 60 - done : b;
		for (int i = 0; i < k; i++) {
			struct rc_sqe *s = rc_get_sqe(&rt_ring);
			if ((done + i) % 3 == 0)
				rc_prep_getpid(s, 0);
			else if ((done + i) % 3 == 1)
				rc_prep_clock(s, &t[i], 8);
			else
				rc_prep_nop(s, 0);
		}
		rc_submit_and_wait(&rt_ring, (uint32_t)k);
		for (int i = 0; i < k; i++) {
			struct rc_cqe c;
			rt_next_cqe(&c);
		}
		done += k;
	}
	rt_proc_stats(&s1);
	return s1.traps - s0.traps - 1; /* less the second PROC_STATS's own trap */
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Part 4: a ring served by the kernel poller on the other CPU. */
static int polled_burst(void)
{
	printf("\n== 4. zero traps: a ring served by the kernel polling thread ==\n");
	struct rc_ring p;
	int32_t h = rt_ring_create(&p, 0x640000000ul, 64, 128, RC_SETUP_POLL);
	if (h < 0) {
		printf("  RING_CREATE(POLL) failed: %d\n", h);
		return 1;
	}
	p.spin_limit = UINT32_MAX;	/* wait by watching the CQ: the poller answers */
	rc_prep_nop(rc_get_sqe(&p), 0); /* wake the poller (this may ring its doorbell once) */
	rc_submit_and_wait(&p, 1);
	rc_cq_advance(&p, 1);
	struct rc_proc_stats s0, s1;
	uint64_t t[32];
	rc_prep_proc_stats(rc_get_sqe(&p), &s0, sizeof(s0), 0, 0);
	rc_submit_and_wait(&p, 1);
	rc_cq_advance(&p, 1);
	for (int done = 0; done < 960; done += 32) {
		for (int i = 0; i < 32; i++) {
			struct rc_sqe *s = rc_get_sqe(&p);
			if (i % 3 == 0)
				rc_prep_getpid(s, 0);
			else if (i % 3 == 1)
				rc_prep_clock(s, &t[i], 8);
			else
				rc_prep_nop(s, 0);
		}
		rc_submit_and_wait(&p, 32);
		rc_cq_advance(&p, 32);
	}
	rc_prep_proc_stats(rc_get_sqe(&p), &s1, sizeof(s1), 0, 0);
	rc_submit_and_wait(&p, 1);
	rc_cq_advance(&p, 1);
	printf("  960 syscalls (GETPID, CLOCK, NOP), 32 at a time, between two PROC_STATS: %lu %s "
	       "(doorbells rung since the ring was made: %lu)\n",
	       (unsigned long)(s1.traps - s0.traps), plural(s1.traps - s0.traps, "trap", "traps"),
	       (unsigned long)p.stats.doorbells);
	printf("  the process only wrote SQEs and watched CQE phases; %lu timer interrupts came "
	       "meanwhile\n",
	       (unsigned long)(s1.irqs - s0.irqs));
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	rt_sync(s);
	return 0;
}

/* Part 5's child: two receives in one enter (a message, then a channel
 * end), then in one more: a reply, a note on the channel it was given,
 * and a CLOSE of that end. Prints nothing (a print is a trap). */
static int peer(void)
{
	static char m[2][64];
	static struct rc_channel_info info[2];
	uint32_t h = RK_SPAWN_HANDLE(0);
	for (int i = 0; i < 2; i++) {
		struct rc_sqe *s = rc_get_sqe(&rt_ring);
		rc_prep_channel_recv(s, h, m[i], sizeof(m[i]) - 1, sizeof(info[i]), &info[i], 0);
	}
	if (rc_submit_and_wait(&rt_ring, 2) < 0)
		return 1;
	rc_cq_advance(&rt_ring, 2);
	/* Either receive may have taken either message: the one with the
	 * handle is the second. */
	int t = info[0].nhandles ? 1 : 0, k = 1 - t;
	if (info[k].nhandles != 1)
		return 2;
	uint32_t got = info[k].handles[0];
	static char reply[64];
	int n = snprintf(reply, sizeof(reply), "got \"%s\" and a handle (0x%x here)", m[t], got);
	rc_prep_channel_send(rc_get_sqe(&rt_ring), h, reply, (uint32_t)n, 0, NULL, 0);
	rc_prep_channel_send(rc_get_sqe(&rt_ring), got, "thanks, on your channel", 23, 0, NULL, 0);
	rc_prep_close(rc_get_sqe(&rt_ring), got, 0);
	if (rc_submit_and_wait(&rt_ring, 3) < 0)
		return 3;
	rc_cq_advance(&rt_ring, 3);
	return 0;
}

/* Part 5: messages and a channel end between two processes. */
static int channels(void)
{
	printf("\n== 5. messages and a handle between two processes (channels) ==\n");
	uint32_t a[2], b[2];
	if (rt_channel(a) || rt_channel(b)) {
		printf("  CHANNEL_CREATE failed\n");
		return 1;
	}
	const char *av[] = { "demo", "peer", NULL };
	struct rc_spawn_handle give = { a[1], RC_CHANNEL_RIGHTS };
	long pid = spawn_with(av, &give, 1);
	printf("  CHANNEL_CREATE x2; SPAWN(demo peer) moved one end to pid %ld (its handle 0x%x)\n",
	       pid, RK_SPAWN_HANDLE(0));
	static char reply[80], note[64];
	struct rc_proc_stats s0, s1;
	rt_proc_stats(&s0);
	rc_prep_channel_send(rc_get_sqe(&rt_ring), a[0], "hello", 5, 0, NULL, 0);
	rc_prep_channel_send(rc_get_sqe(&rt_ring), a[0], "", 0, 4, &b[1], 0);
	rc_prep_channel_recv(rc_get_sqe(&rt_ring), a[0], reply, sizeof(reply) - 1, 0, NULL, 0);
	rc_prep_channel_recv(rc_get_sqe(&rt_ring), b[0], note, sizeof(note) - 1, 0, NULL, 0);
	int ret = rc_submit_and_wait(&rt_ring, 4);
	rt_proc_stats(&s1);
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		struct rc_cqe c;
		rt_next_cqe(&c);
		bad += c.res < 0;
	}
	struct rc_wait_info wi;
	long st = waitpid((int)pid, &wi);
	printf("  parent, one enter: SEND \"hello\", SEND moving the other channel's end, RECV on "
	       "each channel: %lu %s, %d failed\n",
	       (unsigned long)(s1.traps - s0.traps - 1),
	       plural(s1.traps - s0.traps - 1, "trap", "traps"), ret < 0 ? 4 : bad);
	printf("  reply on the first channel: \"%s\"\n", reply);
	printf("  on the channel whose end moved: \"%s\"\n", note);
	printf("  child exited %ld: %lu syscalls (2 RECVs, 2 SENDs, CLOSE, EXIT) in %lu traps\n",
	       st, (unsigned long)wi.stats.sqes, (unsigned long)wi.stats.traps);
	rt_close(a[0]);
	rt_close(b[0]);
	return st == 0 && !bad && ret >= 0 ? 0 : 1;
}

/* Part 6: the IPC examples (examples/ipc_echo.c, ipc_kv.c), the same
 * source as their hosted build, started by user/ipcdemo. */
static int examples(void)
{
	printf("\n== 6. the IPC examples: an echo and a key-value service, each a multishot "
	       "receive\n      and batched replies, their clients with 16 calls in flight "
	       "(examples/, the hosted source) ==\n");
	const char *av[] = { "ipcdemo", "2000", "200", NULL };
	long pid = spawn(av);
	long st = pid > 0 ? waitpid((int)pid, NULL) : pid;
	printf("  ipcdemo exited %ld\n", st);
	return st == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1, 6, 20, 60 };
	if (argc > 1 && strcmp(argv[1], "peer") == 0)
		return peer();
	printf("\n== 1. batching: 60 syscalls (GETPID, CLOCK, NOP, ...) per run ==\n");
	for (unsigned i = 0; i < 4; i++) {
		uint64_t traps = batch(sizes[i]);
		printf("  %2d per enter: 60 syscalls in %2lu %s\n", sizes[i], (unsigned long)traps,
		       plural(traps, "trap", "traps"));
	}

	printf("\n== 2. children, spawned and awaited through completions ==\n");
	printf("  one enter: 4 SPAWNs and 4 WAITs; the parent sleeps in it until every exit status "
	       "has arrived\n");
	static const char *const progs[4][4] = {
		{ "worker", "1", "30", NULL },
		{ "worker", "2", "10", NULL },
		{ "worker", "3", "20", NULL },
		{ "unmapped", NULL },
	};
	char packed[4][32];
	struct rc_wait_info info[4];
	struct rc_proc_stats s0, s1;
	rt_proc_stats(&s0);
	for (int i = 0; i < 4; i++) {
		uint32_t n = rt_pack_argv(packed[i], sizeof(packed[i]), progs[i]);
		struct rc_sqe *s = rt_sqe();
		rc_prep_spawn(s, packed[i], n, 0, NULL, 0, 0, NULL);
		rc_sqe_set_data(s, 100 + i);
	}
	for (int i = 0; i < 4; i++) {
		struct rc_sqe *s = rt_sqe();
		rc_prep_wait(s, 0, 0, &info[i], sizeof(info[i]));
		rc_sqe_set_data(s, 200 + i);
	}
	rc_submit_and_wait(&rt_ring, 8);
	rt_proc_stats(&s1);
	for (int i = 0; i < 8; i++) {
		struct rc_cqe c;
		rt_next_cqe(&c);
		if (c.user_data < 200)
			continue;
		struct rc_wait_info *w = &info[c.user_data - 200];
		if (c.res & RK_STATUS_KILLED)
			printf("  WAIT: pid %d was killed by trap %d (a page fault): only it "
			       "died\n",
			       w->pid, c.res & 0xff);
		else
			printf("  WAIT: pid %d exited %d after %lu syscalls in %lu traps\n", w->pid,
			       c.res, (unsigned long)w->stats.sqes, (unsigned long)w->stats.traps);
	}
	printf("  parent: 8 syscalls in %lu %s\n", (unsigned long)(s1.traps - s0.traps - 1),
	       plural(s1.traps - s0.traps - 1, "trap", "traps"));

	printf("\n== 3. a ring made by a ring syscall ==\n");
	const uint64_t addr = 0x600000000ul;
	struct rc_sqe *s = rt_sqe();
	rc_prep_ring_create(s, addr, 16, 0, 0);
	int32_t h = rt_sync(s);
	struct rc_ring r;
	if (h < 0 || rc_ring_attach(&r, (void *)addr, rc_ring_bytes(16, 32), &rt_backend,
				    (void *)(uintptr_t)h)) {
		printf("  RING_CREATE failed: %d\n", h);
		return 1;
	}
	rt_proc_stats(&s0);
	for (int i = 0; i < 16; i++)
		rc_prep_nop(rc_get_sqe(&r), i);
	rc_submit_and_wait(&r, 16);
	rt_proc_stats(&s1);
	rc_cq_advance(&r, 16);
	printf("  RING_CREATE -> handle 0x%x at 0x%lx; 16 NOPs on it in %lu %s\n", h,
	       (unsigned long)addr, (unsigned long)(s1.traps - s0.traps - 1),
	       plural(s1.traps - s0.traps - 1, "trap", "traps"));
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)h, 0);
	rt_sync(s);

	int err = polled_burst();
	err |= channels();
	return examples() | err;
}
