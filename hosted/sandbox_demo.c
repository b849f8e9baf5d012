/*
 * sandbox_demo.c - ringcall-sandbox-demo: what a confined client can and
 * cannot do. An ordinary client (it only calls rc_connect), meant to be
 * started by ringcall-run, which confines it (make run-sandbox):
 *
 *   ringcall-run -s SOCKET -a NOP,OPEN,READ,CLOSE ringcall-sandbox-demo SECRET
 *
 * It tries to open SECRET (outside the server's root) itself, reads
 * allowed.txt through its ring, then asks the ring for ../secret.txt (out
 * of the root) and for a WRITE (out of its allow-list), printing each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ringcall/hosted.h"

static struct rc_ring ring;

/* Submit the prepared SQE, wait: its res, its explanation in why. */
static int32_t call(char *why, size_t size)
{
	struct rc_cqe *cqe;
	int32_t res;

	if (rc_submit_and_wait(&ring, 1) < 0 || rc_wait_cqe(&ring, &cqe) < 0)
		return -RC_EPIPE;
	res = cqe->res;
	rc_explain(&ring, cqe, why, size);
	rc_cqe_seen(&ring, cqe);
	return res;
}

static int32_t ring_open(const char *name, char *why, size_t size)
{
	char *path = rc_alloc(&ring, strlen(name));

	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(&ring), path, (uint32_t)strlen(name), RC_ACCESS_RDONLY, 0, 0);
	return call(why, size);
}

int main(int argc, char **argv)
{
	char why[256], *buf;
	int32_t h, n;
	int fd, err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SECRET (run it with ringcall-run)\n", argv[0]);
		return 2;
	}
	err = rc_connect(&ring, NULL, &(struct rc_params){ .sq_entries = 8 });
	if (err < 0) {
		fprintf(stderr, "cannot connect: %s\n", rc_err_name(err));
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd >= 0)
		printf("direct open(%s): ALLOWED (not confined)\n", argv[1]);
	else
		printf("direct open(secret): refused by the kernel: %s\n", strerror(errno));

	h = ring_open("allowed.txt", why, sizeof(why));
	buf = rc_alloc(&ring, 256);
	memset(buf, 0, 256);
	if (h > 0) {
		rc_prep_read(rc_get_sqe(&ring), (uint32_t)h, buf, 255, 0);
		n = call(why, sizeof(why));
		printf("ring READ allowed.txt: %d bytes: %s", n, n > 0 ? buf : "\n");
	} else {
		printf("ring OPEN allowed.txt: refused: %s\n", why);
	}

	h = ring_open("../secret.txt", why, sizeof(why));
	printf("ring OPEN ../secret.txt: %s: %s\n", h < 0 ? "refused" : "ALLOWED", why);

	memcpy(buf, "x", 1);
	rc_prep_write(rc_get_sqe(&ring), 1, buf, 1, 0);
	n = call(why, sizeof(why));
	printf("ring WRITE: %s: %s\n", n < 0 ? "refused" : "ALLOWED", why);
	rc_disconnect(&ring);
	return 0;
}
