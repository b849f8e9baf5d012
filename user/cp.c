/* cp - copy file SRC to DST (created or truncated). */
#include "ulib.h"
#include "fsc.h"

int main(int argc, char **argv)
{
	static char buf[8 * FS_IO_MAX]; /* 8 requests in one trap */
	if (argc != 3) {
		printf("usage: cp SRC DST\n");
		return 2;
	}
	int in = fsc_open(argv[1], RC_ACCESS_RDONLY, 0);
	if (in < 0) {
		printf("cp: %s: %s\n", argv[1], rc_err_name(in));
		return 1;
	}
	int out = fsc_open(argv[2], RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	if (out < 0) {
		printf("cp: %s: %s\n", argv[2], rc_err_name(out));
		return 1;
	}
	uint64_t off = 0;
	int32_t n;
	while ((n = fsc_read(in, buf, sizeof(buf), off)) > 0) {
		int32_t w = fsc_write(out, buf, (uint32_t)n, off);
		if (w != n) {
			printf("cp: %s: %s\n", argv[2], rc_err_name(w < 0 ? w : -RC_EIO));
			return 1;
		}
		off += (uint64_t)n;
	}
	fsc_close(in);
	fsc_close(out);
	if (n < 0) {
		printf("cp: %s: %s\n", argv[1], rc_err_name(n));
		return 1;
	}
	return 0;
}
