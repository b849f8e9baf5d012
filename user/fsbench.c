/*
 * fsbench - what a file read costs through the file server (make
 * bench-kernel, `init fsbench` in a boot of its own). Under QEMU -icount
 * the TSC counts instructions, of the client, the kernel and the server
 * alike. A 4 KiB read is two calls to the server either way (a message
 * holds 4096 bytes, and a reply needs its result beside the data: 4056 +
 * 40 bytes), submitted together; two paths:
 *
 *   the file API: two rc_prep_read entries, which the user library turns
 *   into calls (user/lib/rfile.c) and the server answers with the result
 *   (RC_CHANNEL_REPLY_RES), the data straight into the caller's buffer:
 *     kernel_icount_fs_read4k_b1    instructions per 4 KiB read, one read a trap
 *     kernel_icount_fs_read4k_b32   the same, 32 reads (64 calls) a trap
 *     kernel_traps_per_fs_read_b32  the client's traps per read at batch 32
 *   the protocol by hand: two CHANNEL_CALLs of struct fs_req (what
 *   fsc_read sends), each reply a struct fs_rep and the data:
 *     kernel_icount_fs_read4k_fsc_b1, kernel_icount_fs_read4k_fsc_b32
 */
#include "ulib.h"
#include "fsc.h"

RT_USES_FILES;

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

/* Prepare one 4 KiB read of fd into buffers 2i, 2i + 1 as two entries. */
typedef void prep_fn(int fd, uint32_t i);

static void prep_ring(int fd, uint32_t i)
{
	rc_prep_read(rt_sqe(), (uint32_t)fd, rep[2 * i], FS_IO_MAX, 0);
	rc_prep_read(rt_sqe(), (uint32_t)fd, rep[2 * i + 1], 4096 - FS_IO_MAX, FS_IO_MAX);
}

static void prep_fsc(int fd, uint32_t i)
{
	(void)fd;
	for (uint32_t k = 0; k < 2; k++)
		rc_prep_channel_call(rt_sqe(), fsc_channel, req[k], sizeof(struct fs_req), 0, NULL,
				     rep[2 * i + k], FS_MSG_MAX, 0);
}

/* What entry k of a read completes with on each path. */
static int32_t want(prep_fn *prep, uint32_t k)
{
	int32_t data = (int32_t)(k ? 4096 - FS_IO_MAX : FS_IO_MAX);
	return prep == prep_fsc ? (int32_t)sizeof(struct fs_rep) + data : data;
}

/* READS reads of 4 KiB of fd, b at a time (2b entries a submit): fails counted. */
static int run(prep_fn *prep, int fd, uint32_t b, uint64_t *insns, uint64_t *traps)
{
	int bad = 0;
	struct fs_req h = { .op = FS_OP_READ, .handle = (uint32_t)fd, .count = FS_IO_MAX };
	memcpy(req[0], &h, sizeof(h));
	h.offset = FS_IO_MAX;
	h.count = 4096 - FS_IO_MAX;
	memcpy(req[1], &h, sizeof(h));
	uint64_t t0 = traps_now(), c0 = rt_rdtsc();
	for (uint32_t done = 0; done < READS; done += b) {
		for (uint32_t i = 0; i < b; i++)
			prep(fd, i);
		rc_submit_and_wait(&rt_ring, 2 * b);
		for (uint32_t i = 0; i < 2 * b; i++) {
			struct rc_cqe *cqe;
			rc_peek_cqe(&rt_ring, &cqe);
			bad += cqe->res != want(prep, i & 1);
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
	CHECK_EQ(run(prep_ring, fd, 1, &insns, &traps), 0); /* warm: page tables, caches */
	CHECK_EQ(run(prep_ring, fd, 1, &insns, &traps), 0);
	row("icount_fs_read4k_b1", insns, READS, "instructions/read (rc_prep_read)");
	CHECK_EQ(run(prep_ring, fd, MAXBATCH, &insns, &traps), 0);
	row("icount_fs_read4k_b32", insns, READS, "instructions/read (rc_prep_read)");
	row("traps_per_fs_read_b32", traps, READS, "traps/read");
	CHECK(memcmp(rep[0], page, FS_IO_MAX) == 0 &&
		      memcmp(rep[1], page + FS_IO_MAX, 4096 - FS_IO_MAX) == 0,
	      "the bytes read are the file's");
	CHECK_EQ(run(prep_fsc, fd, 1, &insns, &traps), 0); /* warm */
	CHECK_EQ(run(prep_fsc, fd, 1, &insns, &traps), 0);
	row("icount_fs_read4k_fsc_b1", insns, READS, "instructions/read (fs calls by hand)");
	CHECK_EQ(run(prep_fsc, fd, MAXBATCH, &insns, &traps), 0);
	row("icount_fs_read4k_fsc_b32", insns, READS, "instructions/read (fs calls by hand)");
	CHECK_EQ(fsc_close(fd), 0);
	return rt_report("fsbench");
}
