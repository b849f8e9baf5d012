/*
 * inproc_ring.c - a ring whose engine runs inside this process: no server,
 * no threads. Ask the engine what it offers (PROBE), write a line to the
 * console, and watch a bad entry be refused with the reason.
 *
 *   cc inproc_ring.c $(pkg-config --cflags --libs ringcall-hosted)
 */
#include <stdio.h>
#include <string.h>
#include <ringcall/hosted.h>

/* Submit what is queued, wait for one completion, return its result. */
static int32_t run_one(struct rc_ring *r, char *why, size_t why_size)
{
	struct rc_cqe *cqe;
	int32_t res;

	if (rc_submit_and_wait(r, 1) < 0 || rc_wait_cqe(r, &cqe) < 0)
		return -RC_EIO;
	res = cqe->res;
	if (res < 0 && why)
		rc_explain(r, cqe, why, why_size);
	rc_cqe_seen(r, cqe);
	return res;
}

int main(void)
{
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring ring;
	struct rc_probe *probe;
	const char *hello = "hello from an in-process ring\n";
	char *line, why[160];
	int32_t res;

	printf("ringcall %s (ABI %u)\n", rc_version(), RC_ABI_VERSION);
	if (rc_inproc_init(&ring, &p) < 0)
		return 1;

	/* Buffers live in the ring's shared data area: rc_alloc. */
	probe = rc_alloc(&ring, sizeof(*probe));
	rc_prep_probe(rc_get_sqe(&ring), probe, sizeof(*probe));
	res = run_one(&ring, NULL, 0);
	printf("PROBE = %d: %u opcodes in the table, these run here:", res, probe->op_count);
	for (unsigned op = 0; op < 64; op++)
		if (probe->ops >> op & 1)
			printf(" %s", rc_op_name(op));
	printf("\n");

	line = rc_alloc(&ring, strlen(hello));
	memcpy(line, hello, strlen(hello));
	rc_prep_console_write(rc_get_sqe(&ring), line, (uint32_t)strlen(hello));
	printf("CONSOLE_WRITE = %d\n", run_one(&ring, NULL, 0));

	/* A NOP's result must be a valid errno or a non-negative value: 5000
	 * is neither, and the engine names the field and the bound. */
	rc_prep_nop(rc_get_sqe(&ring), -5000);
	res = run_one(&ring, why, sizeof(why));
	printf("NOP(-5000) = %d: %s\n", res, why);

	rc_inproc_exit(&ring);
	return res == -RC_EINVAL ? 0 : 1;
}
