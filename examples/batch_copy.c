/*
 * batch_copy.c - copy a file through a ringcall-server in batches: DEPTH
 * READs submitted together, then their WRITEs with SKIP_SUCCESS (no CQE
 * unless one fails) closed by a DRAIN NOP whose CQE says the batch is done.
 * Two doorbells per batch instead of two syscalls per chunk.
 *
 *   cc batch_copy.c $(pkg-config --cflags --libs ringcall-hosted)
 *   ./a.out SOCKET SRC DST        (paths beneath the server's root)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ringcall/hosted.h>

#define CHUNK (64u << 10)
#define DEPTH 8u

static struct rc_ring ring;

/* Wait for one CQE; return its result, or die saying why it failed. */
static int32_t reap(const char *what)
{
	struct rc_cqe *cqe = NULL;
	int32_t res;
	char why[160];

	if (rc_wait_cqe(&ring, &cqe) < 0)
		res = -RC_EPIPE;
	else
		res = cqe->res;
	if (res < 0) {
		fprintf(stderr, "%s: %s\n", what,
			cqe ? rc_explain(&ring, cqe, why, sizeof(why)) : "");
		_Exit(1);
	}
	rc_cqe_seen(&ring, cqe);
	return res;
}

static uint32_t open_path(const char *name, uint32_t access, uint32_t flags)
{
	char *path = rc_alloc(&ring, strlen(name));

	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(&ring), path, (uint32_t)strlen(name), access, flags, 0644);
	rc_submit_and_wait(&ring, 1);
	return (uint32_t)reap(name);
}

int main(int argc, char **argv)
{
	struct rc_params p = { .sq_entries = 32, .data_bytes = DEPTH * CHUNK + 65536 };
	uint32_t src, dst, got[DEPTH];
	uint64_t off = 0, batches = 0;
	uint8_t *bufs;

	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET SRC DST\n", argv[0]);
		return 2;
	}
	if (rc_connect(&ring, argv[1], &p) < 0) {
		fprintf(stderr, "cannot connect to %s\n", argv[1]);
		return 1;
	}
	bufs = rc_alloc(&ring, DEPTH * CHUNK);
	src = open_path(argv[2], RC_ACCESS_RDONLY, 0);
	dst = open_path(argv[3], RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	for (;;) {
		uint32_t total = 0;
		struct rc_cqe *cqe;

		for (uint32_t i = 0; i < DEPTH; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&ring);

			rc_prep_read(sqe, src, bufs + i * CHUNK, CHUNK, off + (uint64_t)i * CHUNK);
			rc_sqe_set_data(sqe, i);
		}
		rc_submit_and_wait(&ring, DEPTH);
		for (uint32_t i = 0; i < DEPTH; i++) {
			rc_wait_cqe(&ring, &cqe);
			got[cqe->user_data] = (uint32_t)cqe->res;
			if (cqe->res < 0)
				return reap("read");
			total += (uint32_t)cqe->res;
			rc_cqe_seen(&ring, cqe);
		}
		if (!total)
			break;
		for (uint32_t i = 0; i < DEPTH && got[i]; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&ring);

			rc_prep_write(sqe, dst, bufs + i * CHUNK, got[i],
				      off + (uint64_t)i * CHUNK);
			rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
		}
		rc_prep_nop(rc_get_sqe(&ring), 0);
		rc_sqe_set_flags(&ring.sqes[(ring.sqe_tail - 1) & ring.sq_mask], RC_SQE_DRAIN);
		rc_submit_and_wait(&ring, 1);
		reap("write"); /* the DRAIN NOP, or the first failed write */
		off += total;
		batches++;
		if (total < DEPTH * CHUNK)
			break;
	}
	printf("copied %llu bytes in %llu batches, %llu doorbells\n", (unsigned long long)off,
	       (unsigned long long)batches, (unsigned long long)ring.stats.doorbells);
	rc_disconnect(&ring);
	return 0;
}
