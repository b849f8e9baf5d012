/* cat - print files, read through the file server in 4 KiB requests. */
#include "ulib.h"
#include "fsc.h"

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
	static char buf[8 * FS_IO_MAX]; /* 8 requests in one trap */
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = fsc_open(argv[i], RC_ACCESS_RDONLY, 0);
		if (fd < 0) {
			printf("cat: %s: %s\n", argv[i], rc_err_name(fd));
			status = 1;
			continue;
		}
		uint64_t off = 0;
		int32_t n;
		while ((n = fsc_read(fd, buf, sizeof(buf), off)) > 0) {
			write_all(buf, (uint32_t)n);
			off += (uint64_t)n;
		}
		if (n < 0) {
			printf("cat: %s: %s\n", argv[i], rc_err_name(n));
			status = 1;
		}
		fsc_close(fd);
	}
	return status;
}
