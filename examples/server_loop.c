/*
 * server_loop.c - the shape of a completion-driven program (a server's main
 * loop): keep QD reads in flight over a file and a periodic TIMEOUT tick,
 * wait for whatever completes first, dispatch on user_data, re-arm. The
 * ring is the only event source: no threads, no poll().
 *
 *   cc server_loop.c $(pkg-config --cflags --libs ringcall-hosted)
 *   ./a.out SOCKET FILE           (FILE beneath the server's root)
 */
#include <stdio.h>
#include <string.h>
#include <ringcall/hosted.h>

#define QD    4u
#define CHUNK 4096u
#define TICK  (1ull << 63) /* user_data tag of the timer */

static struct rc_ring ring;
static uint8_t *bufs;
static uint32_t fd;
static uint64_t next_off, bytes, sum, ticks;
static unsigned inflight;
static int eof;

/* Queue a read of the next chunk into slot's buffer. */
static void arm_read(unsigned slot)
{
	rc_prep_read(rc_get_sqe(&ring), fd, bufs + slot * CHUNK, CHUNK, next_off);
	rc_sqe_set_data(&ring.sqes[(ring.sqe_tail - 1) & ring.sq_mask], slot);
	next_off += CHUNK;
	inflight++;
}

/* Queue the periodic timer: it completes with -ETIME after 1 ms. */
static void arm_tick(void)
{
	rc_prep_timeout(rc_get_sqe(&ring), 1000000, 0, 0);
	rc_sqe_set_data(&ring.sqes[(ring.sqe_tail - 1) & ring.sq_mask], TICK);
}

/* One completion: account for it and re-arm what produced it. */
static int dispatch(const struct rc_cqe *cqe)
{
	if (cqe->user_data == TICK) {
		ticks++;
		if (!eof)
			arm_tick();
		return 0;
	}
	inflight--;
	if (cqe->res < 0)
		return cqe->res;
	for (int32_t i = 0; i < cqe->res; i++)
		sum += bufs[cqe->user_data * CHUNK + (uint32_t)i];
	bytes += (uint32_t)cqe->res;
	if (cqe->res < (int32_t)CHUNK)
		eof = 1;
	else if (!eof)
		arm_read((unsigned)cqe->user_data);
	return 0;
}

int main(int argc, char **argv)
{
	struct rc_params p = { .sq_entries = 16, .data_bytes = QD * CHUNK + 4096 };
	char *path;
	int32_t res;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET FILE\n", argv[0]);
		return 2;
	}
	if (rc_connect(&ring, argv[1], &p) < 0)
		return 1;
	bufs = rc_alloc(&ring, QD * CHUNK);
	path = rc_alloc(&ring, strlen(argv[2]));
	memcpy(path, argv[2], strlen(argv[2]));
	rc_prep_open(rc_get_sqe(&ring), path, (uint32_t)strlen(argv[2]), RC_ACCESS_RDONLY, 0, 0);
	{
		struct rc_cqe *cqe;

		rc_submit_and_wait(&ring, 1);
		rc_wait_cqe(&ring, &cqe);
		res = cqe->res;
		rc_cqe_seen(&ring, cqe);
	}
	if (res < 0) {
		fprintf(stderr, "open %s: %s\n", argv[2], rc_err_name(res));
		return 1;
	}
	fd = (uint32_t)res;
	arm_tick();
	for (unsigned s = 0; s < QD; s++)
		arm_read(s);
	/* The loop: submit what was armed, sleep until something completes,
	 * handle everything that is ready. */
	while (inflight) {
		struct rc_cqe *cqe;
		uint32_t head, seen = 0;

		if (rc_submit_and_wait(&ring, 1) < 0)
			return 1;
		rc_for_each_cqe(&ring, head, cqe)
		{
			if ((res = dispatch(cqe)) < 0) {
				fprintf(stderr, "read: %s\n", rc_err_name(res));
				return 1;
			}
			seen++;
		}
		rc_cq_advance(&ring, seen);
	}
	printf("read %llu bytes, byte sum %llu\n", (unsigned long long)bytes,
	       (unsigned long long)sum);
	rc_disconnect(&ring); /* the pending tick is reclaimed with the ring */
	return 0;
}
