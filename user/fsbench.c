/*
 * fsbench - what a file read costs through the file server (make
 * bench-kernel, `init fsbench` in a boot of its own): a 4 KiB READ is two
 * CHANNEL_CALLs to the server (4056 + 40 bytes: a message holds the
 * reply's header too), submitted together. Under QEMU -icount the TSC
 * counts instructions, of the client, the kernel and the server alike.
 *
 *   kernel_icount_fs_read4k_b1    instructions per 4 KiB read, one read a trap
 *   kernel_icount_fs_read4k_b32   the same, 32 reads (64 calls) a trap
 *   kernel_traps_per_fs_read_b32  the client's traps per read at batch 32
 */
#include "ulib.h"
#include "fsc.h"

#define READS	 256u
#define MAXBATCH 32u

static uint8_t req[2][sizeof(struct fs_req)] __attribute__((aligned(8)));
static uint8_t rep[2 * MAXBATCH][FS_MSG_MAX] __attribute__((aligned(64)));

static uint64_t traps_now(void)
{
	struct rc_proc_stats st;
	rt_proc_stats(&st);
	return st.traps;
}

static void row(const char *name, uint64_t num, uint64_t den, const char *unit)
{
	uint64_t milli = den ? num * 1000 / den : 0;
	printf("kernel_%s,%lu.%03lu,%s\n", name, (unsigned long)(milli / 1000),
	       (unsigned long)(milli % 1000), unit);
}

/* READS reads of 4 KiB of fd, b at a time (2b calls a submit): fails counted. */
static int run(int fd, uint32_t b, uint64_t *insns, uint64_t *traps)
{
	int bad = 0;
	struct fs_req h = { .op = FS_OP_READ, .handle = (uint32_t)fd, .count = FS_IO_MAX };
	memcpy(req[0], &h, sizeof(h));
	h.offset = FS_IO_MAX;
	h.count = 4096 - FS_IO_MAX;
	memcpy(req[1], &h, sizeof(h));
	uint64_t t0 = traps_now(), c0 = rt_rdtsc();
	for (uint32_t done = 0; done < READS; done += b) {
		for (uint32_t i = 0; i < 2 * b; i++)
			rc_prep_channel_call(rt_sqe(), fsc_channel, req[i & 1], sizeof(h), 0, NULL,
					     rep[i], FS_MSG_MAX, 0);
		rc_submit_and_wait(&rt_ring, 2 * b);
		for (uint32_t i = 0; i < 2 * b; i++) {
			struct rc_cqe *cqe;
			rc_peek_cqe(&rt_ring, &cqe);
			bad += cqe->res !=
			       (int32_t)sizeof(struct fs_rep) + (int32_t)(i & 1 ? 40 : FS_IO_MAX);
			rc_cqe_seen(&rt_ring, cqe);
		}
	}
	*insns = rt_rdtsc() - c0;
	*traps = traps_now() - t0 - 1;
	return bad;
}

int main(void)
{
	static char page[4096];
	for (uint32_t i = 0; i < sizeof(page); i++)
		page[i] = (char)('a' + i % 26);
	int fd = fsc_open("/tmp/bench", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "open: %d", fd);
	CHECK_EQ(fsc_write(fd, page, sizeof(page), 0), sizeof(page));
	uint64_t insns, traps;
	CHECK_EQ(run(fd, 1, &insns, &traps), 0); /* warm: page tables, caches */
	CHECK_EQ(run(fd, 1, &insns, &traps), 0);
	row("icount_fs_read4k_b1", insns, READS, "instructions/read");
	CHECK_EQ(run(fd, MAXBATCH, &insns, &traps), 0);
	row("icount_fs_read4k_b32", insns, READS, "instructions/read");
	row("traps_per_fs_read_b32", traps, READS, "traps/read");
	CHECK_EQ(fsc_close(fd), 0);
	return rt_report("fsbench");
}
