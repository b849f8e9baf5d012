/*
 * hosted_client.c - connect to a ringcall-server, create a file beneath its
 * root, write to it, read it back, close it: four system calls, each an
 * entry in the ring.
 *
 *   ringcall-server --root DIR --socket /tmp/rc.sock &
 *   cc hosted_client.c $(pkg-config --cflags --libs ringcall-hosted)
 *   ./a.out /tmp/rc.sock hello.txt
 */
#include <stdio.h>
#include <string.h>
#include <ringcall/hosted.h>

static struct rc_ring ring;

/* Submit the queued entries, wait for one completion; on an error say
 * why, in the engine's words, and return it. */
static int32_t call(const char *what)
{
	struct rc_cqe *cqe;
	int32_t res;
	char why[160];

	if (rc_submit_and_wait(&ring, 1) < 0 || rc_wait_cqe(&ring, &cqe) < 0)
		return -RC_EPIPE;
	res = cqe->res;
	if (res < 0)
		fprintf(stderr, "%s: %s\n", what, rc_explain(&ring, cqe, why, sizeof(why)));
	rc_cqe_seen(&ring, cqe);
	return res;
}

int main(int argc, char **argv)
{
	struct rc_params p = { .sq_entries = 16 };
	const char *text = "written through a ring\n";
	char *path, *buf;
	int32_t fd, n;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SOCKET FILE\n", argv[0]);
		return 2;
	}
	err = rc_connect(&ring, argv[1], &p);
	if (err < 0) {
		fprintf(stderr, "cannot connect to %s: %s\n", argv[1], rc_err_name(err));
		return 1;
	}
	path = rc_alloc(&ring, strlen(argv[2]));
	buf = rc_alloc(&ring, 256);
	memcpy(path, argv[2], strlen(argv[2]));

	rc_prep_open(rc_get_sqe(&ring), path, (uint32_t)strlen(argv[2]), RC_ACCESS_RDWR,
		     RC_OPEN_CREATE | RC_OPEN_TRUNC, 0644);
	fd = call("open");
	if (fd < 0)
		return 1;
	strcpy(buf, text);
	rc_prep_write(rc_get_sqe(&ring), (uint32_t)fd, buf, (uint32_t)strlen(text), 0);
	n = call("write");
	memset(buf, 0, 256);
	rc_prep_read(rc_get_sqe(&ring), (uint32_t)fd, buf, 255, 0);
	n = call("read");
	printf("read back %d bytes: %s", n, n > 0 ? buf : "\n");
	rc_prep_close(rc_get_sqe(&ring), (uint32_t)fd, 0);
	call("close");
	rc_disconnect(&ring);
	return n == (int32_t)strlen(text) ? 0 : 1;
}
