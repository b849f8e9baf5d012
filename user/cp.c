/* cp - copy file SRC to DST (created or truncated): rc_prep_open/read/
 * write/close on the ring, the same source for the kernel and for Linux
 * (rtfile.h). */
#include "rtfile.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		printf("usage: cp SRC DST\n");
		return 2;
	}
	char *buf = rt_alloc(RTF_BATCH * RTF_CHUNK);
	if (!buf)
		return 2;
	int in = rtf_open(argv[1], RC_ACCESS_RDONLY, 0);
	if (in < 0) {
		printf("cp: %s: %s\n", argv[1], rc_err_name(in));
		return 1;
	}
	int out = rtf_open(argv[2], RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	if (out < 0) {
		printf("cp: %s: %s\n", argv[2], rc_err_name(out));
		return 1;
	}
	uint64_t off = 0;
	int32_t n;
	for (uint32_t k = 1; (n = rtf_read(in, buf, RTF_BATCH * RTF_CHUNK, off, k)) > 0;
	     k = k < RTF_BATCH ? 2 * k : k) {
		int32_t w = rtf_write(out, buf, (uint32_t)n, off);
		if (w < 0) {
			printf("cp: %s: %s\n", argv[2], rc_err_name(w));
			return 1;
		}
		off += (uint64_t)n;
	}
	rtf_close(in);
	rtf_close(out);
	if (n < 0) {
		printf("cp: %s: %s\n", argv[1], rc_err_name(n));
		return 1;
	}
	return 0;
}
