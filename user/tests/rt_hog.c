/*
 * rt_hog MODE - per-process and per-tree limits (issue 9, defect 5).
 *
 * "hog": take everything the kernel will give, then sleep: spawn copies
 * of itself until refused (each does the same, so the spawn tree grows
 * until its slots run out), wait for the tree to be whole, then MAP until
 * refused (big chunks, then single pages 2 MiB apart so that page tables
 * are needed too), make rings until refused, park CONSOLE_READs until
 * refused. Every refusal must be the documented clean error. The kernel
 * test kills the tree.
 *
 * "bystander": started while the hog tree holds all it can; it must
 * still spawn and reap a child, map and touch memory, make a ring and
 * complete requests on it and on its first ring, and PROC_STATS must
 * show its use and the limits.
 */
#include "ulib.h"

#define MAPBASE 0x100000000ul
#define RINGS	0x700000000ul

static struct rc_ring rings[4];

/* MAP chunks of pages at stride until refused; returns the error. */
static int32_t map_all(uint64_t *va, uint32_t pages, uint64_t stride)
{
	int32_t err;
	while ((err = rt_map(*va, pages, RC_MAP_WRITE)) == 0)
		*va += stride;
	return err;
}

/* Park CONSOLE_READs, 8 per batch, until one is refused; returns how
 * many were parked. */
static int park_all(void)
{
	static char buf[8];
	int parked = 0;
	for (int round = 0; round < 32; round++) {
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *s = rt_sqe();
			rc_prep_console_read(s, buf, sizeof(buf));
			rc_sqe_set_data(s, 0x4ead);
		}
		rc_submit(&rt_ring);
		int refused = 0;
		struct rc_cqe c;
		while (rt_peek_cqe(&c) == 0) {
			CHECK(c.user_data == 0x4ead && c.res == -RC_EAGAIN, "read: ud %lx res %d",
			      (unsigned long)c.user_data, c.res);
			refused++;
		}
		parked += 8 - refused;
		if (refused)
			return parked;
	}
	return parked;
}

static int hog(void)
{
	const char *me[] = { "rt_hog", "hog", NULL };
	long err;
	while ((err = spawn(me)) > 0)
		;
	/* Its 16 children, or the tree's slots: nothing has taken memory yet. */
	CHECK_EQ(err, -RC_EAGAIN);
	/* Take memory only once the tree is whole (PROC_STATS says so), so
     * that it fills by slots first whatever order the hogs run in: every
     * hog spawns until refused, so the tree always reaches its limit. */
	struct rc_proc_stats st;
	for (int i = 0; i < 4000; i++) {
		rt_proc_stats(&st);
		if (st.tree_procs == st.tree_procs_max)
			break;
		struct rc_sqe *s = rt_sqe();
		rc_prep_timeout(s, 5000000, 0, 0);
		rt_sync(s);
	}
	CHECK(st.tree_procs == st.tree_procs_max, "tree: %u of %u slots", st.tree_procs,
	      st.tree_procs_max);
	uint64_t va = MAPBASE;
	CHECK_EQ(map_all(&va, 256, 256 * 4096ul), -RC_ENOMEM);
	CHECK_EQ(map_all(&va, 1, 2ul << 20), -RC_ENOMEM); /* a page table each */
	int32_t h = 0;
	for (int i = 0; i < 4 && h >= 0; i++)
		h = rt_ring_create(&rings[i], RINGS + i * 0x1000000ul, 64, 0, 0);
	CHECK(h == -RC_EMFILE || h == -RC_ENOMEM, "ring_create refused with %d", h);
	int parked = park_all();
	rt_proc_stats(&st);
	CHECK(st.parked == (uint32_t)parked && st.frames <= st.frames_max &&
		      st.tree_procs <= st.tree_procs_max && st.tree_frames <= st.tree_frames_max,
	      "stats: parked %u (%d) frames %u/%u tree %u/%u procs, %u/%u frames", st.parked,
	      parked, st.frames, st.frames_max, st.tree_procs, st.tree_procs_max, st.tree_frames,
	      st.tree_frames_max);
	if (rt_fails)
		return rt_report("rt_hog");
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, 60000000000ul, 0, 0); /* until the test kills us */
	rt_sync(s);
	return 99;
}

static int bystander(void)
{
	const char *h[] = { "hello", "-q", NULL };
	long pid = spawn(h);
	CHECK(pid > 0, "spawn %ld", pid);
	CHECK_EQ(waitpid((int)pid, NULL), 0);
	CHECK_EQ(rt_map(MAPBASE, 256, RC_MAP_WRITE), 0);
	volatile uint8_t *m = (volatile uint8_t *)MAPBASE;
	m[0] = 1;
	m[256 * 4096 - 1] = 2;
	struct rc_proc_stats st;
	CHECK_EQ(rt_proc_stats(&st), RC_PROC_STATS_SIZE);
	CHECK(st.frames >= 256 + 2 && st.frames < 300, "frames %u", st.frames);
	CHECK_EQ(st.frames_max, 4096);
	CHECK_EQ(st.rings, 1);
	CHECK_EQ(st.rings_max, 4);
	CHECK_EQ(st.handles, 1);
	CHECK_EQ(st.handles_max, 16);
	CHECK_EQ(st.parked, 0);
	CHECK_EQ(st.parked_max, 64);
	CHECK_EQ(st.children, 0);
	CHECK_EQ(st.children_max, 16);
	CHECK_EQ(st.tree_procs, 1); /* its own tree: the child was reaped */
	CHECK_EQ(st.tree_procs_max, 32);
	CHECK_EQ(st.tree_frames, st.frames);
	CHECK_EQ(st.tree_frames_max, 8192);
	CHECK_EQ(st.ipc_bytes, 0); /* no channel: nothing charged for one */
	CHECK_EQ(st.ipc_frames, 0);
	CHECK(st.rsvd[0] == 0 && st.rsvd[1] == 0, "rsvd");
	CHECK_EQ(rt_unmap(MAPBASE, 256), 0);
	rt_proc_stats(&st);
	CHECK(st.frames < 40, "frames %u after UNMAP", st.frames);

	int32_t hr = rt_ring_create(&rings[0], RINGS, 8, 0, 0);
	CHECK(hr > 0, "ring_create %d", hr);
	if (hr > 0) {
		int done = 0;
		for (int round = 0; round < 10; round++) {
			for (int i = 0; i < 8; i++)
				rc_prep_nop(rc_get_sqe(&rings[0]), i);
			CHECK_EQ(rc_submit_and_wait(&rings[0], 8), 8);
			struct rc_cqe *c;
			unsigned head, n = 0;
			rc_for_each_cqe(&rings[0], head, c)
			{
				done += c->res == (int32_t)(n % 8);
				n++;
			}
			rc_cq_advance(&rings[0], n);
		}
		CHECK_EQ(done, 80);
		struct rc_sqe *s = rt_sqe();
		rc_prep_close(s, (uint32_t)hr, 0);
		CHECK_EQ(rt_sync(s), 0);
	}
	struct rc_sqe *s = rt_sqe();
	rc_prep_timeout(s, 1000000, 0, 0);
	CHECK_EQ(rt_sync(s), -RC_ETIME);
	return rt_report("rt_hog bystander");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "bystander") == 0)
		return bystander();
	return hog();
}
