/* cat - print files: rc_prep_open/read/close on the ring, the same source
 * for the kernel and for Linux (user/lib/rtfile.h). */
#include "rtfile.h"

/* The console takes at most RC_CONSOLE_MAX bytes a write. */
static void write_all(const char *p, uint32_t n)
{
	while (n) {
		uint32_t k = n < RC_CONSOLE_MAX ? n : RC_CONSOLE_MAX;
		rt_write(p, k);
		p += k;
		n -= k;
	}
}

int main(int argc, char **argv)
{
	char *buf = rt_alloc(RTF_BATCH * RTF_CHUNK);
	int status = 0;
	for (int i = 1; i < argc && buf; i++) {
		int fd = rtf_open(argv[i], RC_ACCESS_RDONLY, 0);
		if (fd < 0) {
			printf("cat: %s: %s\n", argv[i], rc_err_name(fd));
			status = 1;
			continue;
		}
		uint64_t off = 0;
		int32_t n;
		/* From the start, one READ a submit, then twice as many each
		 * time: a small file costs one call, a big one 8 a trap. */
		for (uint32_t k = 1; (n = rtf_read(fd, buf, RTF_BATCH * RTF_CHUNK, off, k)) > 0;
		     k = k < RTF_BATCH ? 2 * k : k) {
			write_all(buf, (uint32_t)n);
			off += (uint64_t)n;
		}
		if (n < 0) {
			printf("cat: %s: %s\n", argv[i], rc_err_name(n));
			status = 1;
		}
		rtf_close(fd);
	}
	return buf ? status : 2;
}
