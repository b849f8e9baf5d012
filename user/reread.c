/*
 * reread FILE - read FILE again and again until a read fails: a client
 * with requests in flight to the file server (run it with `&`, then
 * `kill fs`). A read that fails with -EPIPE (the server died) is reported;
 * the user library has then asked init for a new connection, which comes
 * once init has restarted the server, and FILE is read once more through
 * it. Exit status: 0 when that read works, 1 if it does not, 2 if no read
 * ever failed.
 */
#include "ulib.h"
#include "fsc.h"

#define ROUNDS 1000000

/* Read all of path: its size, or -errno. */
static int32_t read_all(const char *path)
{
	static char buf[16384];
	int fd = fsc_open(path, RC_ACCESS_RDONLY, 0);
	if (fd < 0)
		return fd;
	int32_t total = 0, r;
	while ((r = fsc_read(fd, buf, sizeof(buf), (uint64_t)total)) > 0)
		total += r;
	if (r < 0)
		return r;  /* the server is gone: the handle went with it */
	r = fsc_close(fd); /* the server may have gone after the last read */
	return r < 0 ? r : total;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: reread FILE\n");
		return 1;
	}
	int32_t r = 0;
	int n;
	for (n = 1; n <= ROUNDS && (r = read_all(argv[1])) >= 0; n++)
		;
	if (r >= 0) {
		printf("reread: %s: %d reads, none failed\n", argv[1], ROUNDS);
		return 2;
	}
	printf("reread: read %d of %s: %s%s\n", n, argv[1], rc_err_name(r),
	       r == -RC_EPIPE ? " (the file server is gone)" : "");
	r = read_all(argv[1]);
	if (r < 0) {
		printf("reread: %s again: %s\n", argv[1], rc_err_name(r));
		return 1;
	}
	printf("reread: %s read again through a new connection from init: %d bytes\n", argv[1], r);
	return 0;
}
